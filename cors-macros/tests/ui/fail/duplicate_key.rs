use actix_web::{get, Responder};
use cors_actix::cors;

#[cors(max_age = 60, credentials = true, max_age = 120)]
#[get("/api/items")]
async fn items() -> impl Responder {
    "[]"
}

fn main() {}
