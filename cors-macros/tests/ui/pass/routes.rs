//! `#[cors]` above `#[routes]` with several method attributes: one resource
//! per attribute, a preflight resource per path.

use actix_web::http::{header, Method, StatusCode};
use actix_web::test::{self, TestRequest};
use actix_web::{routes, App, Responder};
use cors_actix::{cors, Cors};

#[cors(origins = ["*"])]
#[routes]
#[get("/a")]
#[post("/a")]
#[get("/b")]
async fn multi() -> impl Responder {
    "multi"
}

fn main() {
    actix_web::rt::System::new().block_on(async {
        let cors = Cors::default();
        let app =
            test::init_service(App::new().wrap(cors.clone()).service(cors.handlers(multi))).await;

        for (path, method, allowed) in [("/a", "POST", "GET, POST"), ("/b", "GET", "GET")] {
            let preflight = TestRequest::default()
                .method(Method::OPTIONS)
                .uri(path)
                .insert_header((header::ORIGIN, "https://anyone.example"))
                .insert_header((header::ACCESS_CONTROL_REQUEST_METHOD, method))
                .to_request();
            let res = test::call_service(&app, preflight).await;
            assert_eq!(res.status(), StatusCode::NO_CONTENT, "{path}");
            assert_eq!(
                res.headers()
                    .get(header::ACCESS_CONTROL_ALLOW_METHODS)
                    .unwrap(),
                allowed
            );

            let actual = TestRequest::default()
                .method(Method::from_bytes(method.as_bytes()).unwrap())
                .uri(path)
                .insert_header((header::ORIGIN, "https://anyone.example"))
                .to_request();
            let res = test::call_service(&app, actual).await;
            assert_eq!(res.status(), StatusCode::OK, "{path}");
            assert_eq!(
                res.headers()
                    .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
                    .unwrap(),
                "*"
            );
        }
    });
}
