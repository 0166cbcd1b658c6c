use actix_web::{get, App, Responder};
use cors_actix::Cors;

// Annotated by actix-web only: `Cors::handlers` takes `#[cors]` handlers.
#[get("/api/items")]
async fn items() -> impl Responder {
    "[]"
}

fn main() {
    let cors = Cors::default();
    let _ = App::new().service(cors.handlers(items));
}
