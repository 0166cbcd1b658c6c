//! `#[cors]` above `#[route(path, method = …)]`: one resource, several
//! methods (a custom one included), one policy.

use actix_web::http::{header, Method, StatusCode};
use actix_web::test::{self, TestRequest};
use actix_web::{route, App, Responder};
use cors_actix::{cors, Cors};

#[cors(methods = ["GET", "PUT", "PURGE"])]
#[route("/items/{id}", method = "PUT", method = "PURGE")]
async fn item() -> impl Responder {
    "item"
}

fn main() {
    actix_web::rt::System::new().block_on(async {
        let cors = Cors::builder()
            .allowed_origin("https://app.example")
            .build()
            .unwrap();
        let app =
            test::init_service(App::new().wrap(cors.clone()).service(cors.handlers(item))).await;

        let preflight = TestRequest::default()
            .method(Method::OPTIONS)
            .uri("/items/1")
            .insert_header((header::ORIGIN, "https://app.example"))
            .insert_header((header::ACCESS_CONTROL_REQUEST_METHOD, "PURGE"))
            .to_request();
        let res = test::call_service(&app, preflight).await;
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
        assert_eq!(
            res.headers()
                .get(header::ACCESS_CONTROL_ALLOW_METHODS)
                .unwrap(),
            "PUT, PURGE"
        );

        for method in ["PUT", "PURGE"] {
            let actual = TestRequest::default()
                .method(Method::from_bytes(method.as_bytes()).unwrap())
                .uri("/items/1")
                .insert_header((header::ORIGIN, "https://app.example"))
                .to_request();
            let res = test::call_service(&app, actual).await;
            assert_eq!(res.status(), StatusCode::OK, "{method}");
            assert_eq!(
                res.headers()
                    .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
                    .unwrap(),
                "https://app.example"
            );
        }
    });
}
