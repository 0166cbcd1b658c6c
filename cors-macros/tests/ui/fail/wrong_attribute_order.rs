use actix_web::{get, Responder};
use cors_actix::cors;

#[get("/api/items")]
#[cors(origins = ["https://app.example.com"])]
async fn items() -> impl Responder {
    "[]"
}

fn main() {}
