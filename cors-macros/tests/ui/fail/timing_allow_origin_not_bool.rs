use actix_web::{get, Responder};
use cors_actix::cors;

#[cors(timing_allow_origin = "true")]
#[get("/api/timed")]
async fn timed() -> impl Responder {
    "timed"
}

fn main() {}
