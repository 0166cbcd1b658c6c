// The builder passed to `wrap`, `.build()` forgotten.
use actix_web::{web, App};
use cors_actix::Cors;

fn main() {
    let _app = App::new()
        .wrap(Cors::builder().allowed_origin("https://app.example.com"))
        .route("/", web::get().to(|| async { "" }));
}
