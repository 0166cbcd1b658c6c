//! actix-cors 0.7.2's integration tests (`tests/tests.rs`), each re-expressed
//! with this crate's API. Every test starts with what actix-cors expects,
//! what we expect, and why where they differ. References such as "a9" or
//! "S8" point at `fetch-cors-rules.md`, the digest of the Fetch standard's
//! CORS rules this crate follows.
//!
//! Differences that recur:
//! - A refused preflight is answered `403 Forbidden` (actix-cors: `400`),
//!   an allowed one `204 No Content` (actix-cors: `200`; ours is
//!   configurable with `preflight_status`).
//! - `Vary` lists what the answer depends on (S9): no `Vary` at all for a
//!   static `Access-Control-Allow-Origin: *`, `Origin` on actual responses
//!   otherwise, and the `Access-Control-Request-*` names on preflights only.
//!   actix-cors puts all three names on every response.
//! - `Cors::permissive()` allows any origin with `*` and **no credentials**
//!   (actix-cors reflects every origin with credentials), and returns a
//!   built `Cors`, not a builder: start from `Cors::builder()` to add rules.
//! - Methods and header names are given as strings, not `http` types.

use std::future::ready;
use std::sync::{Arc, Mutex};

use actix_web::dev::{fn_service, Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::header::{self, HeaderMap};
use actix_web::http::{Method, StatusCode};
use actix_web::test::{self, TestRequest};
use actix_web::{error, web, App, HttpResponse};
use cors_actix::{Cors, CorsBuilder};

/// What a test looks at in a response.
struct Outcome {
    status: StatusCode,
    headers: HeaderMap,
}

impl Outcome {
    /// The single value of a header; fails the test if it is repeated.
    fn get(&self, name: &str) -> Option<&str> {
        let mut values = self.headers.get_all(name);
        let first = values.next().map(|v| v.to_str().unwrap());
        assert!(values.next().is_none(), "`{name}` repeated");
        first
    }
}

/// Sends `req` to an app whose only route, `/`, answers every method with
/// `200 OK` (actix-cors's `test::ok_service()`), optionally with `Vary` set.
async fn call_with_vary(cors: Cors, req: TestRequest, vary: Option<&'static str>) -> Outcome {
    let app = test::init_service(App::new().wrap(cors).route(
        "/",
        web::route().to(move || async move {
            let mut res = HttpResponse::Ok();
            if let Some(vary) = vary {
                res.insert_header((header::VARY, vary));
            }
            res.finish()
        }),
    ))
    .await;
    let res = test::call_service(&app, req.to_request()).await;
    Outcome {
        status: res.status(),
        headers: res.headers().clone(),
    }
}

async fn call(cors: Cors, req: TestRequest) -> Outcome {
    call_with_vary(cors, req, None).await
}

fn build(builder: CorsBuilder) -> Cors {
    builder.build().unwrap_or_else(|e| panic!("{e}"))
}

fn get(origin: &str) -> TestRequest {
    TestRequest::get().insert_header((header::ORIGIN, origin))
}

fn preflight(origin: &str, method: &str) -> TestRequest {
    TestRequest::default()
        .method(Method::OPTIONS)
        .insert_header((header::ORIGIN, origin))
        .insert_header((header::ACCESS_CONTROL_REQUEST_METHOD, method))
}

/// `OPTIONS` with an `Origin` but no `Access-Control-Request-Method`: not a
/// preflight (actix-cors's tests send it with `disable_preflight()`).
fn options_without_request_method(origin: &str) -> TestRequest {
    TestRequest::default()
        .method(Method::OPTIONS)
        .insert_header((header::ORIGIN, origin))
}

const ACAO: &str = "access-control-allow-origin";
const FULL_VARY: &str = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers";

// test_wildcard_origin
//
// actix-cors: `allowed_origin("*")` panics when the middleware is created;
// any origin must be written `allow_any_origin()`.
// Ours: `*` is a valid origin setting, the same as `allow_any_origin()`, and
// answers `Access-Control-Allow-Origin: *`. It is refused only together with
// credentials (browsers reject `*` on credentialed requests, a8), and then
// as a `ConfigError` from `build()`, never a panic inside actix (whose
// `InitError = ()` would hide the reason).
#[actix_web::test]
async fn wildcard_origin_is_valid_and_refused_only_with_credentials() {
    let res = call(
        build(Cors::builder().allowed_origin("*")),
        get("https://www.example.com"),
    )
    .await;
    assert_eq!(res.get(ACAO), Some("*"));

    let err = Cors::builder()
        .allowed_origin("*")
        .allow_credentials(true)
        .build()
        .unwrap_err();
    assert_eq!(err.problems().len(), 1);
    assert!(
        err.to_string()
            .contains("credentials are allowed (builder method `allow_credentials`) together with any origin (builder method `allowed_origin`)"),
        "{err}"
    );
}

/// A predicate allowing `*.unknown.com`, recording every origin it is given.
fn unknown_com_predicate(seen: &Arc<Mutex<Vec<String>>>) -> impl Fn(&str) -> bool {
    let seen = Arc::clone(seen);
    move |origin: &str| {
        seen.lock().unwrap().push(origin.to_owned());
        origin.ends_with(".unknown.com")
    }
}

// test_not_allowed_origin_fn
//
// actix-cors: a listed origin plus `allowed_origin_fn(|origin, req_head| …)`
// accepting origins ending in `.unknown.com`; the listed origin is echoed, an
// origin the function refuses (`https://www.known.com`) gets no ACAO. Its
// function also checks that `origin` is the request's `Origin` header.
// Ours: the same outcome. The predicate takes the origin as `&str` only (no
// `RequestHead`: a CORS decision depends on `Origin` alone, and the engine
// is framework-agnostic), so the "same as the header" check becomes: the
// predicate receives exactly the request's `Origin` bytes. It runs after the
// listed origins, so it is not called for one of them.
#[actix_web::test]
async fn origin_fn_refusing_an_origin_gives_no_acao() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let cors = build(
        Cors::builder()
            .allowed_origin("https://www.example.com")
            .allowed_origin_fn(unknown_com_predicate(&seen)),
    );

    let res = call(cors.clone(), get("https://www.example.com")).await;
    assert_eq!(res.get(ACAO), Some("https://www.example.com"));

    let res = call(cors, get("https://www.known.com")).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.get(ACAO), None);

    assert_eq!(*seen.lock().unwrap(), ["https://www.known.com"]);
}

// test_allowed_origin_fn
//
// actix-cors: as above; `https://www.unknown.com` is accepted by the
// function and echoed.
// Ours: the same, with the `&str` predicate (see the previous test).
#[actix_web::test]
async fn origin_fn_accepting_an_origin_echoes_it() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let cors = build(
        Cors::builder()
            .allowed_origin("https://www.example.com")
            .allowed_origin_fn(unknown_com_predicate(&seen)),
    );
    for origin in ["https://www.example.com", "https://www.unknown.com"] {
        let res = call(cors.clone(), get(origin)).await;
        assert_eq!(res.get(ACAO), Some(origin));
    }
    assert_eq!(*seen.lock().unwrap(), ["https://www.unknown.com"]);
}

// test_allowed_origin_fn_with_environment
//
// actix-cors: the function captures a `regex::bytes::Regex`
// (`https:.+\.unknown\.com`, unanchored `is_match`) from its environment;
// `https://www.unknown.com` is echoed.
// Ours: a predicate may capture its environment the same way (it must be
// `Send + Sync + 'static`, since one policy serves every worker); here it
// captures a list of suffixes. The built-in equivalent of the regex is
// `allowed_origin_regex`, which is always anchored to the whole origin:
// `https://www.unknown.com.evil.example`, which actix-cors's unanchored
// match accepts, is refused (S10).
#[actix_web::test]
async fn origin_fn_capturing_its_environment_and_the_regex_equivalent() {
    let suffixes: Vec<String> = vec![".unknown.com".into(), ".unknown.org".into()];
    let by_predicate = build(
        Cors::builder()
            .allowed_origin("https://www.example.com")
            .allowed_origin_fn(move |origin| suffixes.iter().any(|s| origin.ends_with(s.as_str()))),
    );
    let by_regex = build(
        Cors::builder()
            .allowed_origin("https://www.example.com")
            .allowed_origin_regex(r"https:.+\.unknown\.com"),
    );
    for cors in [by_predicate, by_regex] {
        for origin in ["https://www.example.com", "https://www.unknown.com"] {
            let res = call(cors.clone(), get(origin)).await;
            assert_eq!(res.get(ACAO), Some(origin), "{cors:?}");
        }
    }
    let anchored = build(Cors::builder().allowed_origin_regex(r"https:.+\.unknown\.com"));
    let res = call(anchored, get("https://www.unknown.com.evil.example")).await;
    assert_eq!(res.get(ACAO), None, "regexes match the whole origin");
}

// test_multiple_origins_preflight
//
// actix-cors: two listed origins, `GET` allowed; a preflight from each gets
// its own origin echoed.
// Ours: the same (with status 204 rather than 200).
#[actix_web::test]
async fn preflights_from_each_listed_origin_get_their_own_origin() {
    let cors = build(
        Cors::builder()
            .allowed_origin("https://example.com")
            .allowed_origin("https://example.org")
            .allowed_methods([Method::GET.as_str()]),
    );
    for origin in ["https://example.com", "https://example.org"] {
        let res = call(cors.clone(), preflight(origin, "GET")).await;
        assert_eq!(res.status, StatusCode::NO_CONTENT, "{origin}");
        assert_eq!(res.get(ACAO), Some(origin));
        assert_eq!(res.get("access-control-allow-methods"), Some("GET"));
    }
}

// test_multiple_origins
//
// actix-cors: two listed origins; an actual `GET` from each gets its own
// origin echoed.
// Ours: the same, with `Vary: Origin` since the answer depends on it.
#[actix_web::test]
async fn actual_requests_from_each_listed_origin_get_their_own_origin() {
    let cors = build(
        Cors::builder()
            .allowed_origins(["https://example.com", "https://example.org"])
            .allowed_methods(["GET"]),
    );
    for origin in ["https://example.com", "https://example.org"] {
        let res = call(cors.clone(), get(origin)).await;
        assert_eq!(res.get(ACAO), Some(origin));
        assert_eq!(res.get("vary"), Some("Origin"));
    }
}

/// actix-cors's `test_response` policy: any origin, a max-age, three
/// methods, three request headers, two exposed headers.
fn response_test_policy() -> Cors {
    build(
        Cors::builder()
            .allow_any_origin()
            .max_age(3600)
            .allowed_methods(["GET", "OPTIONS", "POST"])
            .allowed_headers(["authorization", "accept"])
            .expose_headers(["authorization", "accept"])
            .allowed_header("content-type"),
    )
}

// test_response, part 1
//
// actix-cors: any origin with `send_wildcard()` and `disable_preflight()`; an
// `OPTIONS` with `Origin` (no `Access-Control-Request-Method`) gets
// `ACAO: *`, `Vary: Origin, Access-Control-Request-Method,
// Access-Control-Request-Headers`, and the exposed headers.
// Ours: no `send_wildcard` or `disable_preflight` switches are needed: any
// origin without credentials always answers `*`, and an `OPTIONS` without
// `Access-Control-Request-Method` is never a preflight, so it reaches the
// app as an actual request. `ACAO: *` and the exposed headers are the same;
// there is **no `Vary`**, because a static `*` does not depend on the
// request (a9, S9), and no `Access-Control-Max-Age`, a preflight-only
// header (S8).
#[actix_web::test]
async fn any_origin_answers_star_exposes_headers_and_needs_no_vary() {
    let res = call(
        response_test_policy(),
        options_without_request_method("https://www.example.com"),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "the app answered");
    assert_eq!(res.get(ACAO), Some("*"));
    assert_eq!(res.get("vary"), None);
    assert_eq!(
        res.get("access-control-expose-headers"),
        Some("authorization, accept")
    );
    assert_eq!(res.get("access-control-max-age"), None);
    assert_eq!(res.get("access-control-allow-methods"), None);
}

// test_response, part 2
//
// actix-cors: the same policy around a service setting `Vary: Accept`; the
// response's `Vary` becomes `Accept, Origin, Access-Control-Request-Method,
// Access-Control-Request-Headers`.
// Ours: the handler's `Vary` is kept and extended with only what the answer
// depends on: nothing for the static `*` policy (`Vary: Accept` unchanged),
// `Origin` for a policy listing origins (`Vary: Accept, Origin`).
#[actix_web::test]
async fn the_handlers_vary_is_kept_and_extended_only_as_needed() {
    let res = call_with_vary(
        response_test_policy(),
        options_without_request_method("https://www.example.com"),
        Some("Accept"),
    )
    .await;
    assert_eq!(res.get(ACAO), Some("*"));
    assert_eq!(res.get("vary"), Some("Accept"));

    let listed = build(Cors::builder().allowed_origin("https://www.example.com"));
    let res = call_with_vary(
        listed,
        options_without_request_method("https://www.example.com"),
        Some("Accept"),
    )
    .await;
    assert_eq!(res.get(ACAO), Some("https://www.example.com"));
    assert_eq!(res.get("vary"), Some("Accept, Origin"));
}

// test_response, part 3
//
// actix-cors: `disable_vary_header()`, `POST` allowed, two listed origins; a
// `POST` preflight from one of them gets its origin echoed.
// Ours: `vary(false)` is the same switch; the origin is echoed, and the
// response indeed carries no `Vary`.
#[actix_web::test]
async fn vary_can_be_turned_off_and_the_origin_is_still_echoed() {
    let cors = build(
        Cors::builder()
            .vary(false)
            .allowed_methods(["POST"])
            .allowed_origin("https://www.example.com")
            .allowed_origin("https://www.google.com"),
    );
    let res = call(cors, preflight("https://www.example.com", "POST")).await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    assert_eq!(res.get(ACAO), Some("https://www.example.com"));
    assert_eq!(res.get("vary"), None);
}

// test_validate_origin
//
// actix-cors: a `GET` from the listed origin is answered `200`.
// Ours: the same, with the origin echoed.
#[actix_web::test]
async fn a_listed_origin_is_answered() {
    let cors = build(Cors::builder().allowed_origin("https://www.example.com"));
    let res = call(cors, get("https://www.example.com")).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.get(ACAO), Some("https://www.example.com"));
}

// test_blocks_mismatched_origin_by_default
//
// actix-cors: despite the name, a `GET` from an origin not listed is
// answered `200` by the service, without `Access-Control-Allow-Origin` or
// `Access-Control-Allow-Methods`: the browser hides the response.
// Ours: the same by default (`Vary: Origin` added, S9). Answering `403`
// without running the handler is opt-in: `block_disallowed_origins(true)`.
#[actix_web::test]
async fn a_mismatched_origin_gets_no_cors_headers_and_blocking_is_opt_in() {
    let listed = || Cors::builder().allowed_origin("https://www.example.com");
    let res = call(build(listed()), get("https://www.example.test")).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.get(ACAO), None);
    assert_eq!(res.get("access-control-allow-methods"), None);
    assert_eq!(res.get("vary"), Some("Origin"));

    let blocking = build(listed().block_disallowed_origins(true));
    let res = call(blocking, get("https://www.example.test")).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(res.get(ACAO), None);
}

// test_mismatched_origin_block_turned_off
//
// actix-cors: with `block_on_origin_mismatch(false)`, a preflight from an
// unlisted origin is answered `400 Bad Request` without ACAO, and a `GET`
// from it `200` without ACAO.
// Ours: `block_disallowed_origins(false)` (the default) is the same switch.
// The preflight is answered `403 Forbidden`: the request is well-formed and
// the policy refuses it, and any non-2xx status fails the browser's
// preflight (a5) the same way. The `GET` is answered `200` without ACAO.
#[actix_web::test]
async fn with_blocking_off_a_mismatched_preflight_is_403_and_the_get_200() {
    let cors = build(
        Cors::builder()
            .allow_any_method()
            .allowed_origin("https://www.example.com")
            .block_disallowed_origins(false),
    );
    let res = call(cors.clone(), preflight("https://wrong.com", "POST")).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(res.get(ACAO), None);

    let res = call(cors, get("https://wrong.com")).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.get(ACAO), None);
}

// test_no_origin_response
//
// actix-cors: with `permissive()`, a `GET` without `Origin` gets no ACAO, and
// an `OPTIONS` with `Origin` (preflight handling disabled) gets the origin
// echoed.
// Ours: `permissive()` answers the static `ACAO: *`, which the Fetch
// standard advises sending on every response, CORS or not (a9), so the
// `GET` without `Origin` carries `*` too; the `OPTIONS` without
// `Access-Control-Request-Method` reaches the app and gets `*`, not the
// echoed origin (no credentials, so nothing to reflect). A policy listing
// origins sends nothing to a request without `Origin`.
#[actix_web::test]
async fn a_request_without_origin_gets_acao_only_from_a_static_star_policy() {
    let res = call(Cors::permissive(), TestRequest::get()).await;
    assert_eq!(res.get(ACAO), Some("*"));

    let res = call(
        Cors::permissive(),
        options_without_request_method("https://www.example.com"),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.get(ACAO), Some("*"));

    let listed = build(Cors::builder().allowed_origin("https://www.example.com"));
    let res = call(listed, TestRequest::get()).await;
    assert_eq!(res.get(ACAO), None);
}

// cors_headers_are_added_to_error_responses
//
// actix-cors: `permissive()` around a service that fails with `400`; the
// error's response carries the echoed origin, `ACAC: true` and the full
// three-name `Vary`.
// Ours: the error's response is decorated too. With `permissive()` that is
// `ACAO: *`, no `Access-Control-Allow-Credentials` (permissive has none)
// and no `Vary` (static answer). With a listed origin and credentials it is
// the echoed origin, `ACAC: true` and `Vary: Origin`.
#[actix_web::test]
async fn error_responses_from_the_inner_service_carry_cors_headers() {
    let cases = [
        (Cors::permissive(), "*", None, None),
        (
            build(
                Cors::builder()
                    .allowed_origin("https://www.example.com")
                    .allow_credentials(true),
            ),
            "https://www.example.com",
            Some("true"),
            Some("Origin"),
        ),
    ];
    for (cors, acao, acac, vary) in cases {
        let failing = fn_service(|_req: ServiceRequest| {
            ready(Err::<ServiceResponse, _>(error::ErrorBadRequest("error")))
        });
        let service = cors.new_transform(failing).await.unwrap();
        let req = TestRequest::get()
            .insert_header((header::ORIGIN, "https://www.example.com"))
            .to_srv_request();
        let err = match service.call(req).await {
            Err(err) => err,
            Ok(res) => panic!("expected the inner error, got {}", res.status()),
        };
        let res = err.error_response();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
        let value = |name| res.headers().get(name).map(|v| v.to_str().unwrap());
        assert_eq!(value(header::ACCESS_CONTROL_ALLOW_ORIGIN), Some(acao));
        assert_eq!(value(header::ACCESS_CONTROL_ALLOW_CREDENTIALS), acac);
        assert_eq!(value(header::VARY), vary);
    }
}

// validate_origin_allows_all_origins
//
// actix-cors: `permissive()` answers a request with any `Origin` `200`.
// Ours: the same, with `ACAO: *`, `Origin: null` included: Fetch's CORS
// check lets `*` without credentials answer every origin (browsers send
// `null` after a cross-origin redirect). actix-cors's `permissive()` echoes
// `null` *with credentials*; ours never gives credentials under `*`.
#[actix_web::test]
async fn permissive_answers_any_origin_null_included() {
    for (origin, acao) in [
        ("https://www.example.com", Some("*")),
        ("http://localhost:1234", Some("*")),
        ("null", Some("*")),
    ] {
        let res = call(Cors::permissive(), get(origin)).await;
        assert_eq!(res.status, StatusCode::OK, "{origin}");
        assert_eq!(res.get(ACAO), acao, "{origin}");
    }
}

// vary_header_on_all_handled_responses
//
// actix-cors: every response (preflight, actual, refused, without `Origin`)
// carries `Vary: Origin, Access-Control-Request-Method,
// Access-Control-Request-Headers`, from `permissive()` and from a policy
// allowing no origin alike; its preflight is answered `200` with ACAM.
// Ours (S9): `Vary` names what the answer depends on.
// - `permissive()` preflight: `204` with ACAM, and only
//   `Vary: Access-Control-Request-Headers` (it mirrors the requested
//   headers; `*` and any method do not depend on the request).
// - `permissive()` actual request: no `Vary` (static `*`).
// - A policy allowing no origin, actual `PUT` from an origin: `200`, no ACAO
//   or ACAM, `Vary: Origin` (a later allowed origin would get a different
//   answer); the `Access-Control-Request-*` names only matter on preflights.
// - The same without `Origin`: `Vary: Origin` too, so a cache does not serve
//   this response to a CORS request.
#[actix_web::test]
async fn vary_names_exactly_what_each_answer_depends_on() {
    let res = call(
        Cors::permissive(),
        preflight("https://www.example.com", "GET"),
    )
    .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    assert_eq!(res.get("access-control-allow-methods"), Some("*"));
    assert_eq!(res.get("vary"), Some("Access-Control-Request-Headers"));

    let put = || {
        TestRequest::default()
            .method(Method::PUT)
            .insert_header((header::ORIGIN, "https://www.example.com"))
    };
    let res = call(Cors::permissive(), put()).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.get("vary"), None);

    let no_origin_allowed = || build(Cors::builder().allow_any_method());
    let res = call(no_origin_allowed(), put()).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.get(ACAO), None);
    assert_eq!(res.get("access-control-allow-methods"), None);
    assert_eq!(res.get("vary"), Some("Origin"));

    let res = call(
        no_origin_allowed(),
        TestRequest::default().method(Method::PUT),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.get("vary"), Some("Origin"));

    // For comparison: a listed-origin preflight varies on all three names.
    let listed = build(Cors::builder().allowed_origin("https://www.example.com"));
    let res = call(listed, preflight("https://www.example.com", "GET")).await;
    assert_eq!(res.get("vary"), Some(FULL_VARY));
}

// test_allow_any_origin_any_method_any_header
//
// actix-cors: any origin, method and header; a `POST` preflight asking for
// `content-type` is answered `200`.
// Ours: answered `204`, with `*` for the origin, the methods and the
// headers (no credentials, so `*` is a wildcard for the browser, a8).
#[actix_web::test]
async fn any_origin_method_and_header_answer_a_preflight_with_stars() {
    let cors = build(
        Cors::builder()
            .allow_any_origin()
            .allow_any_method()
            .allow_any_header(),
    );
    let res = call(
        cors,
        preflight("https://www.example.com", "POST")
            .insert_header((header::ACCESS_CONTROL_REQUEST_HEADERS, "content-type")),
    )
    .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    assert_eq!(res.get(ACAO), Some("*"));
    assert_eq!(res.get("access-control-allow-methods"), Some("*"));
    assert_eq!(res.get("access-control-allow-headers"), Some("*"));
}

// expose_all_request_header_values
//
// actix-cors: with `permissive()` (which exposes any header), the response's
// `Access-Control-Expose-Headers` lists the names of the headers the
// response actually carries (`content-disposition`,
// `access-control-allow-origin`, …).
// Ours: `expose_any_header()` (part of `permissive()`) sends
// `Access-Control-Expose-Headers: *`, which browsers read as "every header"
// on requests without credentials (a7); with credentials `*` would be a
// literal name, which is why `*` is refused together with credentials.
// Listing the response's own headers would also miss headers added by
// outer layers.
#[actix_web::test]
async fn expose_any_header_sends_star() {
    let app = test::init_service(App::new().wrap(Cors::permissive()).route(
        "/",
        web::route().to(|| async {
            HttpResponse::Ok()
                .insert_header((header::CONTENT_DISPOSITION, "test disposition"))
                .finish()
        }),
    ))
    .await;
    let req = TestRequest::default()
        .insert_header((header::ORIGIN, "https://www.example.com"))
        .insert_header((header::ACCESS_CONTROL_REQUEST_METHOD, "POST"))
        .insert_header((header::ACCESS_CONTROL_REQUEST_HEADERS, "content-type"))
        .to_request();
    let res = test::call_service(&app, req).await;
    assert_eq!(
        res.headers()
            .get(header::ACCESS_CONTROL_EXPOSE_HEADERS)
            .unwrap(),
        "*"
    );
    assert!(res.headers().contains_key(header::CONTENT_DISPOSITION));

    let err = Cors::builder()
        .allowed_origin("https://www.example.com")
        .allow_credentials(true)
        .expose_any_header()
        .build()
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("together with exposing any header"),
        "{err}"
    );
}

// private_network_access (actix-cors feature `draft-private-network-access`)
//
// actix-cors: `permissive()` plus `https://public.site` and
// `allow_private_network_access()`; a `GET` carrying
// `Access-Control-Request-Method` (so not a preflight) gets ACAO, and with
// `Access-Control-Request-Private-Network: true` it also gets
// `Access-Control-Allow-Private-Network`.
// Ours: always compiled in, opt-in per policy with
// `allow_private_network(true)`. `Access-Control-Allow-Private-Network` is a
// preflight header (S8, S13): a real `OPTIONS` preflight asking for it gets
// `true`; the actual `GET` gets ACAO but not that header. `permissive()`
// returns a built `Cors`, so the policy starts from `Cors::builder()`.
#[actix_web::test]
async fn private_network_access_is_answered_on_preflights() {
    let cors = build(
        Cors::builder()
            .allowed_origin("https://public.site")
            .allow_any_method()
            .mirror_request_headers()
            .allow_private_network(true),
    );
    let pna = ("access-control-request-private-network", "true");

    let res = call(cors.clone(), preflight("https://public.site", "POST")).await;
    assert_eq!(res.get(ACAO), Some("https://public.site"));
    assert_eq!(res.get("access-control-allow-private-network"), None);

    let res = call(
        cors.clone(),
        preflight("https://public.site", "POST").insert_header(pna),
    )
    .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    assert_eq!(res.get(ACAO), Some("https://public.site"));
    assert_eq!(
        res.get("access-control-allow-private-network"),
        Some("true")
    );

    let res = call(
        cors,
        get("https://public.site")
            .insert_header((header::ACCESS_CONTROL_REQUEST_METHOD, "POST"))
            .insert_header(pna),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.get(ACAO), Some("https://public.site"));
    assert_eq!(res.get("access-control-allow-private-network"), None);
}
