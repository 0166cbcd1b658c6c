// A chain whose first call takes no argument.
use cors_actix::Cors;

fn main() {
    let _cors = Cors::default().allow_any_origin().send_wildcard();
}
