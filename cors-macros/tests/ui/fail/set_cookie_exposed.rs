use actix_web::{get, Responder};
use cors_actix::cors;

#[cors(expose = ["Set-Cookie"])]
#[get("/api/items")]
async fn items() -> impl Responder {
    "[]"
}

fn main() {}
