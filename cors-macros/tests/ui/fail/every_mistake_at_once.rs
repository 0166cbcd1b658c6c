use actix_web::{get, Responder};
use cors_actix::cors;

#[cors(origin = ["https://a.com"], methods = ["TRACE"], max_age = 100000, origins = ["https://a.com/"])]
#[get("/api/items")]
async fn items() -> impl Responder {
    "[]"
}

fn main() {}
