use actix_web::{get, Responder};
use cors_actix::cors;

#[cors(origins = ["https://app.example.com"])]
#[get("/api/items", nam = "items")]
async fn items() -> impl Responder {
    "[]"
}

fn main() {}
