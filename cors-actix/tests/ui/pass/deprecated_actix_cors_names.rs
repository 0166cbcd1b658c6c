// actix-cors names that exist here under another name: they compile (with
// a deprecation warning naming the new method) and mean the same.
use actix_web::http::StatusCode;
use actix_web::{test, web, App};
use cors_actix::Cors;

#[actix_web::main]
async fn main() {
    let cors = Cors::builder()
        .allow_any_origin()
        .send_wildcard()
        .disable_vary_header()
        .allow_private_network_access()
        .build()
        .expect("a valid CORS policy");
    let app = test::init_service(App::new().wrap(cors).route("/", web::get().to(|| async { "" })))
        .await;
    let res = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/")
            .insert_header(("origin", "https://app.example.com"))
            .to_request(),
    )
    .await;
    assert_eq!(res.headers().get("access-control-allow-origin").unwrap(), "*");
    assert!(res.headers().get("vary").is_none());

    let blocking = Cors::builder()
        .allowed_origin("https://app.example.com")
        .block_on_origin_mismatch(true)
        .build()
        .expect("a valid CORS policy");
    let app =
        test::init_service(App::new().wrap(blocking).route("/", web::get().to(|| async { "" })))
            .await;
    let res = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/")
            .insert_header(("origin", "https://other.example.com"))
            .to_request(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}
