use actix_web::{get, post, Responder};
use cors_actix::cors;

#[cors(origins = ["https://app.example.com"])]
#[get("/api/items")]
#[post("/api/items")]
async fn items() -> impl Responder {
    "[]"
}

fn main() {}
