use actix_web::{get, Responder};
use cors_actix::cors;

#[cors(disable = true)]
#[get("/api/items")]
async fn items() -> impl Responder {
    "[]"
}

fn main() {}
