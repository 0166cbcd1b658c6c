//! `#[cors]` above `#[put]`: the handler answers with its own policy.

use actix_web::http::{header, Method, StatusCode};
use actix_web::test::{self, TestRequest};
use actix_web::{put, App, HttpResponse, Responder};
use cors_actix::{cors, Cors};

#[cors(origins = ["https://admin.example"], methods = ["PUT"], expose = ["x-item-id"])]
#[put("/items")]
async fn items() -> impl Responder {
    HttpResponse::Ok()
        .insert_header(("x-item-id", "1"))
        .finish()
}

fn main() {
    actix_web::rt::System::new().block_on(async {
        let cors = Cors::builder()
            .allowed_origin("https://app.example")
            .build()
            .unwrap();
        let app =
            test::init_service(App::new().wrap(cors.clone()).service(cors.handlers(items))).await;

        let preflight = TestRequest::default()
            .method(Method::OPTIONS)
            .uri("/items")
            .insert_header((header::ORIGIN, "https://admin.example"))
            .insert_header((header::ACCESS_CONTROL_REQUEST_METHOD, "PUT"))
            .to_request();
        let res = test::call_service(&app, preflight).await;
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
        assert_eq!(
            res.headers()
                .get(header::ACCESS_CONTROL_ALLOW_METHODS)
                .unwrap(),
            "PUT"
        );

        let actual = TestRequest::default()
            .method(Method::PUT)
            .uri("/items")
            .insert_header((header::ORIGIN, "https://admin.example"))
            .to_request();
        let res = test::call_service(&app, actual).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(
            res.headers()
                .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
                .unwrap(),
            "https://admin.example"
        );
        assert_eq!(
            res.headers()
                .get(header::ACCESS_CONTROL_EXPOSE_HEADERS)
                .unwrap(),
            "x-item-id"
        );
    });
}
