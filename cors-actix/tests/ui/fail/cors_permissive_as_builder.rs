// actix-cors's `Cors::permissive()` is a builder too; here it is finished.
use cors_actix::Cors;

fn main() {
    let _cors = Cors::permissive().max_age(3600);
}
