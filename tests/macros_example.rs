//! `examples/macros.rs`: every `#[cors(...)]` key, exercised on the example's app.

#[allow(dead_code, unreachable_pub)]
#[path = "../examples/macros.rs"]
mod example;

use actix_web::dev::ServiceResponse;
use actix_web::http::{header, Method, StatusCode};
use actix_web::{test, App};

const FRONT: &str = "http://localhost:5173";

async fn call(req: test::TestRequest) -> ServiceResponse {
    let cors = example::app_cors();
    let app = test::init_service(
        App::new()
            .wrap(cors.clone())
            .configure(move |cfg| example::routes(cfg, &cors)),
    )
    .await;
    test::call_service(&app, req.to_request())
        .await
        .map_into_boxed_body()
}

fn get(path: &str, origin: &str) -> test::TestRequest {
    test::TestRequest::get()
        .uri(path)
        .insert_header((header::ORIGIN, origin))
}

fn preflight(path: &str, origin: &str, method: &str) -> test::TestRequest {
    test::TestRequest::default()
        .method(Method::OPTIONS)
        .uri(path)
        .insert_header((header::ORIGIN, origin))
        .insert_header((header::ACCESS_CONTROL_REQUEST_METHOD, method))
}

fn header_value<'a>(res: &'a ServiceResponse, name: &str) -> Option<&'a str> {
    res.headers().get(name).map(|v| v.to_str().unwrap())
}

#[actix_rt::test]
async fn origins_and_credentials_keys_replace_the_app_policy() {
    let res = call(get("/public", "https://anyone.example")).await;
    assert_eq!(header_value(&res, "access-control-allow-origin"), Some("*"));
    assert_eq!(header_value(&res, "access-control-allow-credentials"), None);
}

#[actix_rt::test]
async fn origin_regexes_key_admits_only_matching_origins() {
    let res = call(get("/preview", "https://pr-12.preview.example.com")).await;
    assert_eq!(
        header_value(&res, "access-control-allow-origin"),
        Some("https://pr-12.preview.example.com")
    );
    let res = call(get("/preview", FRONT)).await;
    assert_eq!(header_value(&res, "access-control-allow-origin"), None);
}

#[actix_rt::test]
async fn methods_headers_and_max_age_keys_shape_the_preflight() {
    let res = call(
        preflight("/orders", FRONT, "POST")
            .insert_header((header::ACCESS_CONTROL_REQUEST_HEADERS, "x-idempotency-key")),
    )
    .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        header_value(&res, "access-control-allow-methods"),
        Some("POST")
    );
    assert_eq!(
        header_value(&res, "access-control-allow-headers"),
        Some("content-type, x-idempotency-key")
    );
    assert_eq!(header_value(&res, "access-control-max-age"), Some("60"));
    assert_eq!(
        header_value(&res, "access-control-allow-credentials"),
        Some("true")
    );
}

#[actix_rt::test]
async fn expose_key_lets_scripts_read_the_header() {
    let res = call(get("/reports", FRONT)).await;
    assert_eq!(
        header_value(&res, "access-control-expose-headers"),
        Some("x-report-id")
    );
}

#[actix_rt::test]
async fn private_network_key_answers_pna_preflights_for_every_registered_method() {
    let res = call(
        preflight("/device", FRONT, "PUT")
            .insert_header(("access-control-request-private-network", "true")),
    )
    .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        header_value(&res, "access-control-allow-private-network"),
        Some("true")
    );
    assert_eq!(
        header_value(&res, "access-control-allow-methods"),
        Some("GET, PUT")
    );
}

#[actix_rt::test]
async fn disable_key_turns_cors_off_and_refuses_preflights() {
    for path in ["/internal/metrics", "/internal/health"] {
        let res = call(get(path, FRONT)).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(
            header_value(&res, "access-control-allow-origin"),
            None,
            "{path}"
        );
        let res = call(preflight(path, FRONT, "GET")).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{path}");
    }
}
