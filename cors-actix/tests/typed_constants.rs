//! Migrating from actix-cors: the builder takes actix-web's typed constants
//! (`header::AUTHORIZATION`, `Method::PATCH`) as well as strings.

use actix_web::http::header::{self, HeaderName};
use actix_web::http::{Method, StatusCode};
use actix_web::test::{self, TestRequest};
use actix_web::{web, App, HttpResponse};
use cors_actix::Cors;

const APP: &str = "https://app.example";

#[actix_web::test]
async fn typed_header_names_and_methods_build_the_same_policy_as_strings() {
    let cors = Cors::builder()
        .allowed_origins([APP])
        .allowed_methods([Method::GET, Method::PATCH])
        .allowed_header(header::AUTHORIZATION)
        .allowed_headers([header::CONTENT_TYPE, HeaderName::from_static("x-trace-id")])
        .expose_headers([header::ETAG])
        .build()
        .expect("typed constants make a valid policy");
    let app = test::init_service(
        App::new()
            .wrap(cors)
            .route("/r", web::route().to(HttpResponse::Ok)),
    )
    .await;
    let req = TestRequest::default()
        .method(Method::OPTIONS)
        .uri("/r")
        .insert_header((header::ORIGIN, APP))
        .insert_header((header::ACCESS_CONTROL_REQUEST_METHOD, "PATCH"))
        .insert_header((
            header::ACCESS_CONTROL_REQUEST_HEADERS,
            "authorization,content-type,x-trace-id",
        ))
        .to_request();
    let res = test::call_service(&app, req).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let get = |name| res.headers().get(name).map(|v| v.to_str().unwrap());
    assert_eq!(
        get(header::ACCESS_CONTROL_ALLOW_METHODS),
        Some("GET, PATCH")
    );
    assert_eq!(
        get(header::ACCESS_CONTROL_ALLOW_HEADERS),
        Some("authorization, content-type, x-trace-id")
    );
}
