// actix-cors takes `impl Into<Option<usize>>`; here a number of seconds,
// and no call at all for no `Access-Control-Max-Age`.
use cors_actix::Cors;

fn main() {
    let _cors = Cors::builder().max_age(None).build();
}
