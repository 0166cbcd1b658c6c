// actix-cors's chain starts with `Cors::default()`; here that is a
// finished policy.
use actix_web::{web, App, HttpServer};
use cors_actix::Cors;

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    HttpServer::new(|| {
        let cors = Cors::default()
            .allowed_origin("https://app.example.com")
            .allowed_methods(vec!["GET", "POST"])
            .supports_credentials()
            .max_age(3600);
        App::new().wrap(cors).route("/", web::get().to(|| async { "" }))
    })
    .bind(("127.0.0.1", 8080))?
    .run()
    .await
}
