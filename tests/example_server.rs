//! The reference server's app, driven in-process through `actix_web::test`.

#[allow(dead_code, unreachable_pub)]
#[path = "../examples/server.rs"]
mod server;

use actix_web::http::{header, Method, StatusCode};
use actix_web::{test, App};
use cors_actix::Cors;

/// The example's policy as `main` builds it with no variables set, except
/// `CORS_ALLOWED_ORIGINS`.
fn cors(origins: &str) -> Cors {
    Cors::from_lookup("", |name| match name {
        "CORS_ALLOWED_ORIGINS" => Some(origins.to_owned()),
        _ => server::EXAMPLE_DEFAULTS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| (*v).to_owned()),
    })
    .expect("valid test policy")
}

/// The example's app, as `main` builds it, with a known policy.
fn app(
    origins: &str,
) -> App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let cors = cors(origins);
    App::new()
        .wrap(cors.clone())
        .configure(move |cfg| server::routes(cfg, &cors))
}

#[actix_rt::test]
async fn preflight_from_allowed_origin_is_answered_without_the_handler() {
    let app = test::init_service(app("http://localhost:5173")).await;
    let req = test::TestRequest::default()
        .method(Method::OPTIONS)
        .uri("/api/items/7")
        .insert_header((header::ORIGIN, "http://localhost:5173"))
        .insert_header((header::ACCESS_CONTROL_REQUEST_METHOD, "DELETE"))
        .insert_header((header::ACCESS_CONTROL_REQUEST_HEADERS, "content-type"))
        .to_request();
    let res = test::call_service(&app, req).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let h = res.headers();
    assert_eq!(
        h.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).unwrap(),
        "http://localhost:5173"
    );
    assert_eq!(
        h.get(header::ACCESS_CONTROL_ALLOW_METHODS).unwrap(),
        "GET, POST, PUT, DELETE"
    );
    assert_eq!(
        h.get(header::ACCESS_CONTROL_ALLOW_HEADERS).unwrap(),
        "content-type"
    );
    assert_eq!(
        h.get(header::VARY).unwrap(),
        "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
    );
    assert!(h.get(header::ACCESS_CONTROL_EXPOSE_HEADERS).is_none());
}

#[actix_rt::test]
async fn actual_request_from_allowed_origin_gets_headers_and_the_handler_runs() {
    let app = test::init_service(app("http://localhost:5173")).await;
    let req = test::TestRequest::get()
        .uri("/api/items")
        .insert_header((header::ORIGIN, "http://localhost:5173"))
        .to_request();
    let res = test::call_service(&app, req).await;
    assert_eq!(res.status(), StatusCode::OK);
    let h = res.headers();
    assert_eq!(
        h.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).unwrap(),
        "http://localhost:5173"
    );
    assert_eq!(
        h.get(header::ACCESS_CONTROL_EXPOSE_HEADERS).unwrap(),
        "x-request-id"
    );
    assert_eq!(h.get(header::VARY).unwrap(), "Origin");
    assert!(h.contains_key("x-request-id"));
}

#[actix_rt::test]
async fn error_responses_carry_cors_headers() {
    let app = test::init_service(app("http://localhost:5173")).await;
    let req = test::TestRequest::get()
        .uri("/api/fail")
        .insert_header((header::ORIGIN, "http://localhost:5173"))
        .to_request();
    let res = test::call_service(&app, req).await;
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        res.headers()
            .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
            .unwrap(),
        "http://localhost:5173"
    );
    assert_eq!(res.headers().get(header::VARY).unwrap(), "Origin");
}

#[actix_rt::test]
async fn a_handler_set_allow_origin_is_replaced_not_duplicated() {
    let app = test::init_service(app("http://localhost:5173")).await;
    let req = test::TestRequest::get()
        .uri("/api/legacy")
        .insert_header((header::ORIGIN, "http://localhost:5173"))
        .to_request();
    let res = test::call_service(&app, req).await;
    let values: Vec<_> = res
        .headers()
        .get_all(header::ACCESS_CONTROL_ALLOW_ORIGIN)
        .collect();
    assert_eq!(values, ["http://localhost:5173"]);
}

#[actix_rt::test]
async fn the_example_allows_any_local_port_by_default() {
    let app = test::init_service(app(server::LOCAL_ORIGINS)).await;
    for (origin, allowed) in [
        ("http://localhost:3000", true),
        ("http://127.0.0.1:5173", true),
        ("https://evil.example", false),
    ] {
        let req = test::TestRequest::get()
            .uri("/health")
            .insert_header((header::ORIGIN, origin))
            .to_request();
        let res = test::call_service(&app, req).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(
            res.headers()
                .contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN),
            allowed,
            "{origin}"
        );
    }
}

/// With no variable set, every route works for a local front end: each
/// method's preflight is allowed (a JSON body asks for `content-type`), and
/// the handlers answer with their own statuses.
#[actix_rt::test]
async fn with_no_variables_every_route_works_for_a_local_front_end() {
    let app = test::init_service(app(server::LOCAL_ORIGINS)).await;
    let origin = "http://localhost:5173";
    for (method, path, status) in [
        (Method::GET, "/api/items", StatusCode::OK),
        (Method::POST, "/api/items", StatusCode::CREATED),
        (Method::PUT, "/api/items/7", StatusCode::NO_CONTENT),
        (Method::DELETE, "/api/items/7", StatusCode::NO_CONTENT),
    ] {
        let preflight = test::TestRequest::default()
            .method(Method::OPTIONS)
            .uri(path)
            .insert_header((header::ORIGIN, origin))
            .insert_header((header::ACCESS_CONTROL_REQUEST_METHOD, method.as_str()))
            .insert_header((header::ACCESS_CONTROL_REQUEST_HEADERS, "content-type"))
            .to_request();
        let res = test::call_service(&app, preflight).await;
        assert_eq!(
            res.status(),
            StatusCode::NO_CONTENT,
            "preflight {method} {path}"
        );
        assert_eq!(
            res.headers()
                .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
                .unwrap(),
            origin
        );

        let actual = test::TestRequest::default()
            .method(method.clone())
            .uri(path)
            .insert_header((header::ORIGIN, origin))
            .insert_header((header::CONTENT_TYPE, "application/json"))
            .set_payload("{}")
            .to_request();
        let res = test::call_service(&app, actual).await;
        assert_eq!(res.status(), status, "{method} {path}");
        assert_eq!(
            res.headers()
                .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
                .unwrap(),
            origin,
            "{method} {path}"
        );
    }
}

#[actix_rt::test]
async fn public_is_readable_from_any_origin_without_credentials() {
    let app = test::init_service(app("http://localhost:5173")).await;
    let req = test::TestRequest::get()
        .uri("/api/public")
        .insert_header((header::ORIGIN, "https://anyone.example"))
        .to_request();
    let res = test::call_service(&app, req).await;
    assert_eq!(
        res.headers()
            .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
            .unwrap(),
        "*"
    );
    assert!(res
        .headers()
        .get(header::ACCESS_CONTROL_ALLOW_CREDENTIALS)
        .is_none());
}

#[actix_rt::test]
async fn reports_expose_their_own_header_and_inherit_the_origins() {
    let app = test::init_service(app("http://localhost:5173")).await;
    let req = test::TestRequest::get()
        .uri("/api/reports")
        .insert_header((header::ORIGIN, "http://localhost:5173"))
        .to_request();
    let res = test::call_service(&app, req).await;
    let h = res.headers();
    assert_eq!(
        h.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).unwrap(),
        "http://localhost:5173"
    );
    assert_eq!(
        h.get(header::ACCESS_CONTROL_EXPOSE_HEADERS).unwrap(),
        "x-report-id"
    );
    assert_eq!(h.get("x-report-id").unwrap(), "report-7");

    let req = test::TestRequest::get()
        .uri("/api/reports")
        .insert_header((header::ORIGIN, "https://anyone.example"))
        .to_request();
    let res = test::call_service(&app, req).await;
    assert!(res
        .headers()
        .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
        .is_none());
}

#[actix_rt::test]
async fn admin_preflight_is_answered_only_for_its_own_origin() {
    let app = test::init_service(app("http://localhost:5173")).await;
    for (origin, status) in [
        ("https://admin.example.com", StatusCode::NO_CONTENT),
        ("http://localhost:5173", StatusCode::FORBIDDEN),
    ] {
        let req = test::TestRequest::default()
            .method(Method::OPTIONS)
            .uri("/api/admin/42")
            .insert_header((header::ORIGIN, origin))
            .insert_header((header::ACCESS_CONTROL_REQUEST_METHOD, "DELETE"))
            .to_request();
        let res = test::call_service(&app, req).await;
        assert_eq!(res.status(), status, "{origin}");
        if status == StatusCode::NO_CONTENT {
            let h = res.headers();
            assert_eq!(h.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).unwrap(), origin);
            assert_eq!(
                h.get(header::ACCESS_CONTROL_ALLOW_METHODS).unwrap(),
                "DELETE"
            );
        }
    }
}
