use actix_web::{get, Responder};
use cors_actix::cors;

#[cors(origin_regexes = ["https://(unclosed"])]
#[get("/api/items")]
async fn items() -> impl Responder {
    "[]"
}

fn main() {}
