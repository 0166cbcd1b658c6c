use actix_web::{route, Responder};
use cors_actix::cors;

#[cors(origins = ["https://app.example.com"])]
#[route("/api/items")]
async fn items() -> impl Responder {
    "[]"
}

fn main() {}
