//! `#[cors(disable)]`: the handler opts out of the app-wide policy.

use actix_web::http::{header, Method, StatusCode};
use actix_web::test::{self, TestRequest};
use actix_web::{get, App, Responder};
use cors_actix::{cors, Cors};

#[cors(disable)]
#[get("/internal")]
async fn internal() -> impl Responder {
    "internal"
}

fn main() {
    actix_web::rt::System::new().block_on(async {
        let cors = Cors::builder().allow_any_origin().build().unwrap();
        let app = test::init_service(
            App::new()
                .wrap(cors.clone())
                .service(cors.handlers(internal)),
        )
        .await;

        let preflight = TestRequest::default()
            .method(Method::OPTIONS)
            .uri("/internal")
            .insert_header((header::ORIGIN, "https://anyone.example"))
            .insert_header((header::ACCESS_CONTROL_REQUEST_METHOD, "GET"))
            .to_request();
        let res = test::call_service(&app, preflight).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);

        let req = TestRequest::get()
            .uri("/internal")
            .insert_header((header::ORIGIN, "https://anyone.example"))
            .to_request();
        let res = test::call_service(&app, req).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert!(res
            .headers()
            .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
            .is_none());
    });
}
