use actix_web::{get, Responder};
use cors_actix::cors;

#[cors(expose = ["x-request-id:"])]
#[get("/api/items")]
async fn items() -> impl Responder {
    "[]"
}

fn main() {}
