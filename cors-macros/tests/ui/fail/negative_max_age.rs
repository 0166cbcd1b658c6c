use actix_web::{get, Responder};
use cors_actix::cors;

#[cors(max_age = -1)]
#[get("/api/items")]
async fn items() -> impl Responder {
    "[]"
}

fn main() {}
