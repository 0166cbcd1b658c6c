use actix_web::{get, Responder};
use cors_actix::cors;

#[cors(headers = ["content-type", "Cookie"])]
#[get("/api/items")]
async fn items() -> impl Responder {
    "[]"
}

fn main() {}
