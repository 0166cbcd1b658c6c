// A `#[cors(...)]` handler registered with `App::service` instead of
// `cors.handlers(...)`.
use actix_web::{get, App, Responder};
use cors_actix::{cors, Cors};

#[cors(origins = ["https://app.example.com"])]
#[get("/api/items")]
async fn items() -> impl Responder {
    "[]"
}

fn main() {
    let cors = Cors::default();
    let _app = App::new().wrap(cors).service(items);
}
