use actix_web::Responder;
use cors_actix::cors;

#[cors(origins = ["https://app.example.com"])]
async fn items() -> impl Responder {
    "[]"
}

fn main() {}
