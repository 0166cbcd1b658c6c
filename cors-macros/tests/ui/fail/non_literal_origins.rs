use actix_web::{get, Responder};
use cors_actix::cors;

const ORIGINS: [&str; 1] = ["https://app.example.com"];

#[cors(origins = ORIGINS)]
#[get("/api/items")]
async fn items() -> impl Responder {
    "[]"
}

fn main() {}
