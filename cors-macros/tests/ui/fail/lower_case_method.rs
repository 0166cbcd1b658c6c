use actix_web::{get, Responder};
use cors_actix::cors;

#[cors(methods = ["GET", "patch"])]
#[get("/api/items")]
async fn items() -> impl Responder {
    "[]"
}

fn main() {}
