use actix_web::get;
use cors_actix::cors;

#[cors(origins = ["https://app.example.com"])]
#[get("/api/items")]
async fn items() {}

fn main() {}
