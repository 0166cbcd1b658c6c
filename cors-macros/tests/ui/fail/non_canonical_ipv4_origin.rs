use actix_web::{get, Responder};
use cors_actix::cors;

#[cors(origins = ["http://0x7f000001"])]
#[get("/api/items")]
async fn items() -> impl Responder {
    "[]"
}

fn main() {}
