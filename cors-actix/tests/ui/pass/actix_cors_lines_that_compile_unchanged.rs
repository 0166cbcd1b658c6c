// The lines of a typical actix-cors 0.7 configuration that keep their
// name and meaning: only `Cors::default()` becomes `Cors::builder()`, and
// `.build()` ends the chain.
use actix_web::http::StatusCode;
use actix_web::{test, web, App};
use cors_actix::Cors;

#[actix_web::main]
async fn main() {
    let cors = Cors::builder()
        .allowed_origin("https://app.example.com")
        .allowed_methods(vec!["GET", "POST", "DELETE"])
        .allowed_headers(vec!["authorization", "accept"])
        .allowed_header("content-type")
        .expose_headers(vec!["x-request-id"])
        .supports_credentials()
        .max_age(3600)
        .build()
        .expect("a valid CORS policy");
    let open = Cors::builder()
        .allow_any_origin()
        .allow_any_method()
        .allow_any_header()
        .expose_any_header()
        .build()
        .expect("a valid CORS policy");

    let app = test::init_service(
        App::new()
            .service(web::scope("/open").wrap(open).route("", web::get().to(|| async { "" })))
            .wrap(cors)
            .route("/", web::get().to(|| async { "" })),
    )
    .await;
    let res = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/")
            .insert_header(("origin", "https://app.example.com"))
            .to_request(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let headers = res.headers();
    assert_eq!(headers.get("access-control-allow-origin").unwrap(), "https://app.example.com");
    assert_eq!(headers.get("access-control-allow-credentials").unwrap(), "true");
    assert_eq!(headers.get("access-control-expose-headers").unwrap(), "x-request-id");
}
