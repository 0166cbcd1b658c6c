// The README's `.wrap(cors.clone())`, `.build()` forgotten.
use actix_web::{App, HttpServer};
use cors_actix::Cors;

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let cors = Cors::builder().allowed_origin("https://app.example.com");
    HttpServer::new(move || App::new().wrap(cors.clone()))
        .bind(("127.0.0.1", 8080))?
        .run()
        .await
}
