//! `Timing-Allow-Origin` through real actix apps (issue 16, item 4): sent on
//! actual responses to allowed origins with the value
//! `Access-Control-Allow-Origin` gets, never on preflights or refusals, and
//! with `Vary` saying `Origin` exactly when that value depends on it.
//!
//! Resource Timing's TAO check passes when the value is `*` or the page's
//! serialized origin; without it a cross-origin entry's detailed fields
//! (`domainLookupStart`, `connectStart`, `requestStart`, `responseStart`,
//! `transferSize`, …) are zero for the page.

use actix_web::http::header::{self, HeaderMap};
use actix_web::http::{Method, StatusCode};
use actix_web::test::{self, TestRequest};
use actix_web::{error, web, App, HttpResponse};
use cors_actix::{Cors, CorsBuilder};

const APP: &str = "https://app.example";
const EVIL: &str = "https://evil.example";
const TAO: &str = "timing-allow-origin";
const ACAO: &str = "access-control-allow-origin";

fn with_tao(builder: CorsBuilder) -> Cors {
    builder
        .timing_allow_origin(true)
        .build()
        .expect("valid test policy")
}

fn listed() -> Cors {
    with_tao(
        Cors::builder()
            .allowed_origin(APP)
            .allowed_methods(["GET", "PUT"]),
    )
}

/// What a test looks at in a response.
#[derive(Debug)]
struct Outcome {
    status: StatusCode,
    headers: HeaderMap,
}

impl Outcome {
    /// The one value of `name`; fails the test if it is repeated.
    fn get(&self, name: &str) -> Option<&str> {
        let mut values = self.headers.get_all(name);
        let first = values.next().map(|v| v.to_str().unwrap());
        assert!(
            values.next().is_none(),
            "`{name}` repeated: {:?}",
            self.headers
        );
        first
    }
}

/// Sends `req` to an app behind `cors` with four routes: `/r` (plain),
/// `/own` (sets its own `Timing-Allow-Origin` and `Vary`), `/fail` (an
/// error) and `/scoped/r` under a scope with its own policy without TAO.
async fn call(cors: Cors, req: TestRequest) -> Outcome {
    let app = test::init_service(
        App::new()
            .service(
                web::scope("/scoped")
                    .wrap(
                        Cors::builder()
                            .allowed_origin(APP)
                            .build()
                            .expect("valid scope policy"),
                    )
                    .route("/r", web::get().to(HttpResponse::Ok)),
            )
            .wrap(cors)
            .route("/r", web::route().to(HttpResponse::Ok))
            .route(
                "/own",
                web::get().to(|| async {
                    HttpResponse::Ok()
                        .insert_header((TAO, "https://handler.example"))
                        .insert_header((header::VARY, "Accept-Encoding"))
                        .finish()
                }),
            )
            .route(
                "/fail",
                web::get().to(|| async {
                    Err::<HttpResponse, _>(error::ErrorInternalServerError("boom"))
                }),
            ),
    )
    .await;
    let res = test::call_service(&app, req.to_request()).await;
    Outcome {
        status: res.status(),
        headers: res.headers().clone(),
    }
}

fn get(path: &str, origin: &str) -> TestRequest {
    TestRequest::get()
        .uri(path)
        .insert_header((header::ORIGIN, origin))
}

fn preflight(origin: &str, method: &str) -> TestRequest {
    TestRequest::default()
        .method(Method::OPTIONS)
        .uri("/r")
        .insert_header((header::ORIGIN, origin))
        .insert_header((header::ACCESS_CONTROL_REQUEST_METHOD, method))
}

#[actix_web::test]
async fn an_allowed_actual_request_gets_the_echoed_origin_under_vary_origin() {
    for method in [Method::GET, Method::PUT, Method::POST] {
        let res = call(
            listed(),
            TestRequest::default()
                .method(method.clone())
                .uri("/r")
                .insert_header((header::ORIGIN, APP)),
        )
        .await;
        assert_eq!(res.status, StatusCode::OK, "{method}");
        assert_eq!(res.get(TAO), Some(APP), "{method}");
        assert_eq!(res.get(ACAO), Some(APP), "{method}");
        assert_eq!(res.get("vary"), Some("Origin"), "{method}");
    }
}

#[actix_web::test]
async fn the_echoed_value_is_the_request_origin_byte_for_byte() {
    let cors = with_tao(Cors::builder().allowed_origin("https://*.app.example"));
    let origin = "https://pr-7.app.example";
    let res = call(cors, get("/r", origin)).await;
    assert_eq!(res.get(TAO), Some(origin));
    assert_eq!(res.headers.get(TAO), res.headers.get(ACAO));
}

#[actix_web::test]
async fn a_refused_origin_gets_no_timing_allow_origin() {
    let res = call(listed(), get("/r", EVIL)).await;
    assert_eq!(res.status, StatusCode::OK, "the handler still runs");
    assert_eq!(res.get(TAO), None);
    assert_eq!(res.get(ACAO), None);
    assert_eq!(res.get("vary"), Some("Origin"));
}

#[actix_web::test]
async fn preflights_never_get_timing_allow_origin() {
    let allowed = call(listed(), preflight(APP, "PUT")).await;
    assert_eq!(allowed.status, StatusCode::NO_CONTENT);
    assert_eq!(allowed.get(ACAO), Some(APP));
    assert_eq!(allowed.get(TAO), None);
    let refused = call(listed(), preflight(APP, "DELETE")).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.get(TAO), None);
    let star = with_tao(Cors::builder().allow_any_origin().allow_any_method());
    let res = call(star, preflight(APP, "PUT")).await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    assert_eq!(res.get(ACAO), Some("*"));
    assert_eq!(res.get(TAO), None);
}

#[actix_web::test]
async fn a_star_policy_answers_star_without_vary_even_without_origin() {
    let star = || with_tao(Cors::builder().allow_any_origin());
    for (what, req) in [
        ("a CORS request", get("/r", APP)),
        ("`null`", get("/r", "null")),
        (
            "a request without Origin (an `<img>`, which sends none)",
            TestRequest::get().uri("/r"),
        ),
    ] {
        let res = call(star(), req).await;
        assert_eq!(res.get(TAO), Some("*"), "{what}");
        assert_eq!(res.get(ACAO), Some("*"), "{what}");
        assert_eq!(
            res.get("vary"),
            None,
            "{what}: a static answer needs no Vary"
        );
    }
}

#[actix_web::test]
async fn with_credentials_the_origin_is_echoed() {
    let cors = with_tao(Cors::builder().allowed_origin(APP).allow_credentials(true));
    let res = call(cors, get("/r", APP)).await;
    assert_eq!(res.get(TAO), Some(APP));
    assert_eq!(res.get("access-control-allow-credentials"), Some("true"));
    assert_eq!(res.get("vary"), Some("Origin"));
}

#[actix_web::test]
async fn without_the_setting_nothing_is_sent() {
    let off = Cors::builder()
        .allowed_origin(APP)
        .build()
        .expect("valid test policy");
    let res = call(off, get("/r", APP)).await;
    assert_eq!(res.get(ACAO), Some(APP));
    assert_eq!(res.get(TAO), None);
    let scoped = call(listed(), get("/scoped/r", APP)).await;
    assert_eq!(scoped.get(ACAO), Some(APP));
    assert_eq!(
        scoped.get(TAO),
        None,
        "the scope's own policy answers, and it does not send TAO"
    );
}

#[actix_web::test]
async fn the_policy_value_replaces_a_handler_own_and_vary_is_merged_once() {
    let res = call(listed(), get("/own", APP)).await;
    assert_eq!(res.get(TAO), Some(APP), "one value, the policy's");
    assert_eq!(res.get("vary"), Some("Accept-Encoding, Origin"));
    // Refused, or with the setting off, the handler's own value stays: it is
    // not a CORS header, and the handler may send it for its own reasons.
    let refused = call(listed(), get("/own", EVIL)).await;
    assert_eq!(refused.get(TAO), Some("https://handler.example"));
    let off = Cors::builder().allowed_origin(APP).build().unwrap();
    let res = call(off, get("/own", APP)).await;
    assert_eq!(res.get(TAO), Some("https://handler.example"));
}

#[actix_web::test]
async fn error_responses_carry_it_too() {
    let res = call(listed(), get("/fail", APP)).await;
    assert_eq!(res.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(res.get(TAO), Some(APP));
    assert_eq!(res.get(ACAO), Some(APP));
}
