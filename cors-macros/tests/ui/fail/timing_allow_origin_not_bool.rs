use actix_web::{get, Responder};
use cors_actix::cors;

#[cors(timing_allow_origin = "true")]
#[get("/api/timed")]
async fn timed() -> impl Responder {
    "timed"
}

#[cors(timing_allow_origin = ["https://app.example.com"])]
#[get("/api/listed")]
async fn listed() -> impl Responder {
    "listed"
}

fn main() {}
