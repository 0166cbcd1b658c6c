use actix_web::{routes, Responder};
use cors_actix::cors;

#[cors(origins = ["https://app.example.com"])]
#[routes]
async fn items() -> impl Responder {
    "[]"
}

fn main() {}
