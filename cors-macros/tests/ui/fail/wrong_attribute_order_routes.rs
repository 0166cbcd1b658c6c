use actix_web::{routes, Responder};
use cors_actix::cors;

#[routes]
#[cors(origins = ["https://app.example.com"])]
#[get("/api/items")]
#[post("/api/items")]
async fn items() -> impl Responder {
    "[]"
}

fn main() {}
