//! The middleware on real actix apps, through `actix_web::test`: what each
//! kind of request gets back, and which requests reach the handler.
//!
//! References such as "a6" and "S9" point at `fetch-cors-rules.md`, the
//! digest of the Fetch standard's CORS rules this crate follows.

use std::future::ready;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use actix_web::dev::ServiceResponse;
use actix_web::http::header::{self, HeaderMap};
use actix_web::http::{Method, StatusCode};
use actix_web::test::{self, TestRequest};
use actix_web::web::{self, Bytes};
use actix_web::{error, App, HttpResponse};
use cors_actix::{Cors, CorsBuilder, PreflightStatus};

const APP: &str = "https://app.example";
const EVIL: &str = "https://evil.example";
const ACRPN: &str = "access-control-request-private-network";
const ACAPN: &str = "access-control-allow-private-network";
const REJECTED: &str = "x-cors-rejected";
const FULL_PREFLIGHT_VARY: &str =
    "Origin, Access-Control-Request-Method, Access-Control-Request-Headers";

/// The policy most tests use: one front end, four methods, two request
/// headers, one exposed header, a max-age.
fn api_builder() -> CorsBuilder {
    Cors::builder()
        .allowed_origin(APP)
        .allowed_methods(["GET", "POST", "PUT", "DELETE"])
        .allowed_headers(["content-type", "x-trace-id"])
        .expose_headers(["x-request-id"])
        .max_age(600)
}

fn api() -> Cors {
    api_builder().build().expect("valid test policy")
}

/// The handler's calls, shared with the test through `app_data`.
type Calls = web::Data<AtomicUsize>;

async fn counted(calls: Calls) -> HttpResponse {
    calls.fetch_add(1, Ordering::SeqCst);
    HttpResponse::Ok()
        .insert_header(("x-request-id", "req-1"))
        .body("handled")
}

/// What a test looks at in a response.
#[derive(Debug)]
struct Outcome {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
    /// How many times the handler ran.
    calls: usize,
}

impl Outcome {
    async fn read<B: actix_web::body::MessageBody>(res: ServiceResponse<B>, calls: &Calls) -> Self {
        let status = res.status();
        let headers = res.headers().clone();
        let body = test::read_body(res).await;
        Outcome {
            status,
            headers,
            body,
            calls: calls.load(Ordering::SeqCst),
        }
    }

    /// The single value of a header; fails the test if it is repeated.
    fn get(&self, name: &str) -> Option<&str> {
        let values = self.all(name);
        assert!(values.len() <= 1, "`{name}` sent {} times", values.len());
        values.first().copied()
    }

    fn all(&self, name: &str) -> Vec<&str> {
        self.headers
            .get_all(name)
            .map(|v| v.to_str().expect("ASCII header value"))
            .collect()
    }

    /// Every `access-control-*` header, sorted, as `(name, value)`.
    fn cors_headers(&self) -> Vec<(String, String)> {
        let mut headers: Vec<(String, String)> = self
            .headers
            .iter()
            .filter(|(name, _)| name.as_str().starts_with("access-control-"))
            .map(|(name, value)| {
                (
                    name.as_str().to_owned(),
                    value.to_str().expect("ASCII header value").to_owned(),
                )
            })
            .collect();
        headers.sort();
        headers
    }

    fn has_any_allow_header(&self) -> bool {
        self.headers
            .keys()
            .any(|name| name.as_str().starts_with("access-control-allow-"))
    }
}

/// Sends `req` to an app with `cors` on the whole app and one route, `/r`,
/// answering every method (OPTIONS included) and counting its calls.
async fn call(cors: Cors, req: TestRequest) -> Outcome {
    let calls: Calls = web::Data::new(AtomicUsize::new(0));
    let app = test::init_service(
        App::new()
            .app_data(calls.clone())
            .wrap(cors)
            .route("/r", web::route().to(counted)),
    )
    .await;
    let res = test::call_service(&app, req.uri("/r").to_request()).await;
    Outcome::read(res, &calls).await
}

fn preflight(origin: &str, method: &str) -> TestRequest {
    TestRequest::default()
        .method(Method::OPTIONS)
        .insert_header((header::ORIGIN, origin))
        .insert_header((header::ACCESS_CONTROL_REQUEST_METHOD, method))
}

fn actual(method: Method, origin: &str) -> TestRequest {
    TestRequest::default()
        .method(method)
        .insert_header((header::ORIGIN, origin))
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = expected
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect();
    pairs.sort();
    pairs
}

// --- Preflights --------------------------------------------------------------

#[actix_web::test]
async fn allowed_preflight_gets_204_exactly_the_preflight_headers_and_never_runs_the_handler() {
    let res = call(
        api(),
        preflight(APP, "DELETE").insert_header((
            header::ACCESS_CONTROL_REQUEST_HEADERS,
            "content-type,x-trace-id",
        )),
    )
    .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    assert_eq!(res.calls, 0, "a preflight is answered by the middleware");
    assert!(res.body.is_empty());
    // S8: preflight headers only, no `Access-Control-Expose-Headers`; no
    // credentials were configured, so no `Access-Control-Allow-Credentials`.
    assert_eq!(
        res.cors_headers(),
        pairs(&[
            ("access-control-allow-origin", APP),
            ("access-control-allow-methods", "GET, POST, PUT, DELETE"),
            ("access-control-allow-headers", "content-type, x-trace-id"),
            ("access-control-max-age", "600"),
        ])
    );
    assert_eq!(res.get("vary"), Some(FULL_PREFLIGHT_VARY));
}

#[actix_web::test]
async fn rejected_preflights_get_403_only_vary_and_never_run_the_handler() {
    // (what is wrong, the preflight)
    let cases: Vec<(&str, TestRequest)> = vec![
        ("origin not allowed", preflight(EVIL, "PUT")),
        ("method not allowed", preflight(APP, "PATCH")),
        // S7: methods compare byte for byte; browsers send `put` as `PUT`
        // but keep unknown methods' case.
        ("method in the wrong case", preflight(APP, "put")),
        (
            "request header not allowed",
            preflight(APP, "PUT").insert_header((
                header::ACCESS_CONTROL_REQUEST_HEADERS,
                "content-type,x-secret",
            )),
        ),
        (
            // Both names are allowed: only the separator is wrong.
            "request-headers list malformed",
            preflight(APP, "PUT").insert_header((
                header::ACCESS_CONTROL_REQUEST_HEADERS,
                "content-type;x-trace-id",
            )),
        ),
        ("request method not a token", preflight(APP, "GET POST")),
        (
            "request method repeated",
            preflight(APP, "PUT").append_header((header::ACCESS_CONTROL_REQUEST_METHOD, "GET")),
        ),
        (
            "private network access not enabled",
            preflight(APP, "PUT").insert_header((ACRPN, "true")),
        ),
        ("origin `null` not allowed", preflight("null", "GET")),
    ];
    for (why, req) in cases {
        let res = call(api(), req).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{why}");
        assert_eq!(res.calls, 0, "{why}: the handler must not run");
        assert!(
            !res.has_any_allow_header(),
            "{why}: {:?}",
            res.cors_headers()
        );
        assert_eq!(res.get("access-control-max-age"), None, "{why}");
        let vary = res.get("vary").unwrap_or_else(|| panic!("{why}: no Vary"));
        assert!(
            vary.starts_with(FULL_PREFLIGHT_VARY),
            "{why}: the refusal depends on the same request headers: {vary}"
        );
    }
}

#[actix_web::test]
async fn preflight_status_ok_answers_allowed_preflights_with_200_and_rejected_ones_with_403() {
    let cors = || {
        api_builder()
            .preflight_status(PreflightStatus::Ok)
            .build()
            .unwrap()
    };
    let allowed = call(cors(), preflight(APP, "PUT")).await;
    assert_eq!(allowed.status, StatusCode::OK);
    assert_eq!(allowed.get("access-control-allow-origin"), Some(APP));
    assert_eq!(allowed.calls, 0);
    let refused = call(cors(), preflight(EVIL, "PUT")).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

#[actix_web::test]
async fn options_without_request_method_reaches_the_apps_own_options_handler() {
    async fn own_options(calls: Calls) -> HttpResponse {
        calls.fetch_add(1, Ordering::SeqCst);
        HttpResponse::Ok()
            .insert_header((header::ALLOW, "GET, OPTIONS"))
            .body("the app's own OPTIONS")
    }
    // (origin sent, whether it is allowed)
    for (origin, allowed) in [(Some(APP), true), (Some(EVIL), false), (None, false)] {
        let calls: Calls = web::Data::new(AtomicUsize::new(0));
        let app = test::init_service(
            App::new()
                .app_data(calls.clone())
                .wrap(api())
                .route("/r", web::method(Method::OPTIONS).to(own_options)),
        )
        .await;
        let mut req = TestRequest::default().method(Method::OPTIONS).uri("/r");
        if let Some(origin) = origin {
            req = req.insert_header((header::ORIGIN, origin));
        }
        let res = Outcome::read(test::call_service(&app, req.to_request()).await, &calls).await;
        assert_eq!(res.status, StatusCode::OK, "{origin:?}");
        assert_eq!(res.calls, 1, "{origin:?}: not a preflight, the app answers");
        assert_eq!(res.body, "the app's own OPTIONS", "{origin:?}");
        assert_eq!(res.get("allow"), Some("GET, OPTIONS"));
        // Treated as an actual CORS request: the origin is answered, no
        // preflight-only header is added (S8).
        assert_eq!(
            res.get("access-control-allow-origin"),
            allowed.then_some(APP),
            "{origin:?}"
        );
        assert_eq!(res.get("access-control-allow-methods"), None);
        assert_eq!(res.get("access-control-max-age"), None);
    }
}

#[actix_web::test]
async fn private_network_preflight_is_allowed_only_when_enabled_and_asked() {
    let with_pna = |enabled: bool| {
        api_builder()
            .allow_private_network(enabled)
            .build()
            .unwrap()
    };
    // (case, PNA enabled, request, expected status, expected ACAPN)
    let cases: Vec<(&str, bool, TestRequest, StatusCode, Option<&str>)> = vec![
        (
            "enabled and asked",
            true,
            preflight(APP, "PUT").insert_header((ACRPN, "true")),
            StatusCode::NO_CONTENT,
            Some("true"),
        ),
        (
            "disabled and asked",
            false,
            preflight(APP, "PUT").insert_header((ACRPN, "true")),
            StatusCode::FORBIDDEN,
            None,
        ),
        (
            "enabled, not asked",
            true,
            preflight(APP, "PUT"),
            StatusCode::NO_CONTENT,
            None,
        ),
        (
            "enabled, asked by a disallowed origin",
            true,
            preflight(EVIL, "PUT").insert_header((ACRPN, "true")),
            StatusCode::FORBIDDEN,
            None,
        ),
        (
            "enabled, on an actual request (preflight-only header, S8)",
            true,
            actual(Method::GET, APP).insert_header((ACRPN, "true")),
            StatusCode::OK,
            None,
        ),
    ];
    for (case, enabled, req, status, acapn) in cases {
        let res = call(with_pna(enabled), req).await;
        assert_eq!(res.status, status, "{case}");
        assert_eq!(res.get(ACAPN), acapn, "{case}");
        if status == StatusCode::NO_CONTENT && enabled {
            // S9: with PNA on, the answer depends on the PNA request header.
            assert!(
                res.get("vary")
                    .unwrap()
                    .contains("Access-Control-Request-Private-Network"),
                "{case}"
            );
        }
    }
}

// --- Actual requests -----------------------------------------------------------

#[actix_web::test]
async fn actual_request_from_allowed_origin_runs_the_handler_echoes_the_origin_and_exposes() {
    for method in [Method::GET, Method::POST, Method::PUT, Method::PATCH] {
        let res = call(api(), actual(method.clone(), APP)).await;
        assert_eq!(res.status, StatusCode::OK, "{method}");
        assert_eq!(res.calls, 1, "{method}");
        assert_eq!(res.body, "handled");
        // S8: actual responses carry no preflight-only header.
        assert_eq!(
            res.cors_headers(),
            pairs(&[
                ("access-control-allow-origin", APP),
                ("access-control-expose-headers", "x-request-id"),
            ]),
            "{method}"
        );
        assert_eq!(res.get("vary"), Some("Origin"), "{method}");
    }
}

#[actix_web::test]
async fn actual_request_from_disallowed_origin_runs_the_handler_without_cors_headers() {
    for origin in [
        EVIL,
        "http://app.example",
        "https://app.example:8443",
        "null",
    ] {
        let res = call(api(), actual(Method::GET, origin)).await;
        assert_eq!(res.status, StatusCode::OK, "{origin}");
        assert_eq!(res.calls, 1, "{origin}: blocking is opt-in");
        assert_eq!(res.body, "handled");
        assert_eq!(res.cors_headers(), vec![], "{origin}");
        assert_eq!(res.get("vary"), Some("Origin"), "{origin}");
    }
}

#[actix_web::test]
async fn request_without_origin_gets_acao_only_from_a_static_any_origin_policy() {
    /// An expected header value, or its absence.
    type Expected = Option<&'static str>;
    // (policy, ACAO, ACEH, Vary)
    let cases: Vec<(&str, Cors, [Expected; 3])> = vec![
        ("listed origins", api(), [None, None, Some("Origin")]),
        (
            // a9: a static `*` answer goes on every response, with no Vary.
            "any origin without credentials",
            Cors::builder()
                .allow_any_origin()
                .expose_headers(["x-request-id"])
                .build()
                .unwrap(),
            [Some("*"), Some("x-request-id"), None],
        ),
        (
            "permissive",
            Cors::permissive(),
            [Some("*"), Some("*"), None],
        ),
        ("default", Cors::default(), [None, None, Some("Origin")]),
    ];
    for (case, cors, [acao, aceh, vary]) in cases {
        let res = call(cors, TestRequest::get()).await;
        assert_eq!(res.status, StatusCode::OK, "{case}");
        assert_eq!(res.calls, 1, "{case}");
        assert_eq!(res.get("access-control-allow-origin"), acao, "{case}");
        assert_eq!(res.get("access-control-expose-headers"), aceh, "{case}");
        assert_eq!(res.get("access-control-allow-credentials"), None, "{case}");
        assert_eq!(res.get("vary"), vary, "{case}");
    }
}

// --- Blocking, same origin, the debug header ----------------------------------------

#[actix_web::test]
async fn blocking_answers_disallowed_origins_with_403_without_running_the_handler() {
    let blocking = || {
        api_builder()
            .block_disallowed_origins(true)
            .build()
            .unwrap()
    };
    let blocked = call(blocking(), actual(Method::GET, EVIL)).await;
    assert_eq!(blocked.status, StatusCode::FORBIDDEN);
    assert_eq!(blocked.calls, 0);
    assert!(!blocked.has_any_allow_header());
    assert_eq!(blocked.get("vary"), Some("Origin"));

    let allowed = call(blocking(), actual(Method::POST, APP)).await;
    assert_eq!(allowed.status, StatusCode::OK);
    assert_eq!(allowed.calls, 1);
    assert_eq!(allowed.get("access-control-allow-origin"), Some(APP));

    let no_origin = call(blocking(), TestRequest::get()).await;
    assert_eq!(no_origin.status, StatusCode::OK);
    assert_eq!(no_origin.calls, 1, "a request without Origin is not CORS");

    let preflight = call(blocking(), preflight(EVIL, "PUT")).await;
    assert_eq!(preflight.status, StatusCode::FORBIDDEN);
    assert_eq!(preflight.calls, 0);
}

#[actix_web::test]
async fn same_origin_requests_are_never_blocked() {
    // Browsers send `Origin` on every same-origin non-GET request (a2), so a
    // page posting to its own server must not be taken for a CORS request.
    // (Host, Origin, blocked?)
    let cases = [
        ("api.example.com", "http://api.example.com", false),
        ("api.example.com:80", "http://api.example.com", false),
        ("localhost:8080", "http://localhost:8080", false),
        ("api.example.com", "http://evil.example", true),
        ("api.example.com:8080", "http://api.example.com", true),
        // Host and port decide, not the scheme: behind a TLS-terminating
        // proxy the app sees `http` while the page's origin is `https`
        // (Go's `CrossOriginProtection` compares the same way).
        ("api.example.com", "https://api.example.com", false),
        // A client-set `X-Forwarded-Host` is not read without
        // `trust_forwarded_headers`.
        ("api.example.com", "http://evil.example", true),
    ];
    for method in [Method::POST, Method::PUT, Method::DELETE] {
        for (host, origin, blocked) in cases {
            let cors = Cors::builder()
                .block_disallowed_origins(true)
                .build()
                .unwrap();
            let req = actual(method.clone(), origin).insert_header((header::HOST, host));
            let res = call(cors, req).await;
            let case = format!("{method} from {origin} to {host}");
            if blocked {
                assert_eq!(res.status, StatusCode::FORBIDDEN, "{case}");
                assert_eq!(res.calls, 0, "{case}");
            } else {
                assert_eq!(res.status, StatusCode::OK, "{case}");
                assert_eq!(res.calls, 1, "{case}");
                // Same origin needs no CORS header; none is invented.
                assert_eq!(res.get("access-control-allow-origin"), None, "{case}");
            }
        }
    }
}

#[actix_web::test]
async fn rejection_header_says_why_a_request_was_refused() {
    let debug = || api_builder().rejection_header(true).build().unwrap();
    // (case, request, expected X-Cors-Rejected)
    let cases: Vec<(&str, TestRequest, Option<&str>)> = vec![
        (
            "actual from a disallowed origin",
            actual(Method::GET, EVIL),
            Some("origin-not-allowed: origin `https://evil.example` is not in the allowed origins"),
        ),
        (
            "preflight for a disallowed method",
            preflight(APP, "PATCH"),
            Some("method-not-allowed: method `PATCH` is not in the allowed methods"),
        ),
        (
            "preflight for a disallowed header",
            preflight(APP, "PUT")
                .insert_header((header::ACCESS_CONTROL_REQUEST_HEADERS, "x-secret")),
            Some("header-not-allowed: request header `x-secret` is not in the allowed headers"),
        ),
        (
            "preflight with a malformed request-headers list",
            preflight(APP, "PUT").insert_header((
                header::ACCESS_CONTROL_REQUEST_HEADERS,
                "content-type;x-trace-id",
            )),
            Some(
                "malformed-request-headers: `Access-Control-Request-Headers` is not a \
                 comma-separated list of header names",
            ),
        ),
        (
            "repeated Origin",
            actual(Method::GET, APP).append_header((header::ORIGIN, APP)),
            Some("repeated-header: the `origin` header was sent more than once"),
        ),
        ("allowed actual", actual(Method::GET, APP), None),
        ("allowed preflight", preflight(APP, "PUT"), None),
        ("not CORS", TestRequest::get(), None),
    ];
    for (case, req, expected) in cases {
        let res = call(debug(), req).await;
        assert_eq!(res.get(REJECTED), expected, "{case}");
    }
    // Off by default.
    let res = call(api(), actual(Method::GET, EVIL)).await;
    assert_eq!(res.get(REJECTED), None);
    let res = call(api(), preflight(APP, "PATCH")).await;
    assert_eq!(res.get(REJECTED), None);
}

// --- Errors ----------------------------------------------------------------------

#[actix_web::test]
async fn handler_error_responses_carry_cors_headers() {
    async fn fail() -> Result<HttpResponse, actix_web::Error> {
        Err(error::ErrorInternalServerError("the database is on fire"))
    }
    for (origin, acao) in [(APP, Some(APP)), (EVIL, None)] {
        let app =
            test::init_service(App::new().wrap(api()).route("/fail", web::get().to(fail))).await;
        let req = actual(Method::GET, origin).uri("/fail").to_request();
        let res = test::call_service(&app, req).await;
        assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR, "{origin}");
        let h = res.headers();
        assert_eq!(
            h.get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
                .map(|v| v.to_str().unwrap()),
            acao,
            "{origin}"
        );
        assert_eq!(
            h.get(header::ACCESS_CONTROL_EXPOSE_HEADERS).is_some(),
            acao.is_some(),
            "{origin}"
        );
        assert_eq!(h.get(header::VARY).unwrap(), "Origin", "{origin}");
    }
}

#[actix_web::test]
async fn inner_middleware_errors_carry_cors_headers() {
    for (origin, acao) in [(APP, Some(APP)), (EVIL, None)] {
        let calls: Calls = web::Data::new(AtomicUsize::new(0));
        // `wrap` order: the last one is outermost, so CORS wraps the failing layer.
        let app = test::init_service(
            App::new()
                .app_data(calls.clone())
                .wrap_fn(|_req, _srv| {
                    ready(Err::<ServiceResponse, _>(error::ErrorUnauthorized(
                        "no session",
                    )))
                })
                .wrap(api())
                .route("/r", web::get().to(counted)),
        )
        .await;
        let req = actual(Method::GET, origin).uri("/r").to_request();
        let err = match test::try_call_service(&app, req).await {
            Err(err) => err,
            Ok(res) => panic!("{origin}: expected the inner error, got {}", res.status()),
        };
        // The server turns the error into this response.
        let res = err.error_response();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{origin}");
        assert_eq!(calls.load(Ordering::SeqCst), 0);
        let h = res.headers();
        assert_eq!(
            h.get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
                .map(|v| v.to_str().unwrap()),
            acao,
            "{origin}"
        );
        assert_eq!(h.get(header::VARY).unwrap(), "Origin", "{origin}");
        assert_eq!(
            h.get_all(header::ACCESS_CONTROL_ALLOW_ORIGIN).count(),
            usize::from(acao.is_some())
        );
    }
}

// --- Headers the handler set ------------------------------------------------------

#[actix_web::test]
async fn handler_set_allow_origin_is_replaced_so_browsers_see_at_most_one_value() {
    async fn legacy() -> HttpResponse {
        HttpResponse::Ok()
            .append_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
            .append_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "https://other.example"))
            .finish()
    }
    // a6: two ACAO lines are read as one value `a, b`, which fails every check.
    for (origin, expected) in [(APP, vec![APP]), (EVIL, vec![])] {
        let app =
            test::init_service(App::new().wrap(api()).route("/r", web::get().to(legacy))).await;
        let req = actual(Method::GET, origin).uri("/r").to_request();
        let res = test::call_service(&app, req).await;
        let values: Vec<&str> = res
            .headers()
            .get_all(header::ACCESS_CONTROL_ALLOW_ORIGIN)
            .map(|v| v.to_str().unwrap())
            .collect();
        assert_eq!(values, expected, "{origin}");
    }
}

#[actix_web::test]
async fn handler_vary_is_extended_on_one_line_without_repeating_a_token() {
    // (Vary lines the handler sets, request Origin, the Vary a cache reads:
    // every line joined with ", ")
    let cases: &[(&[&str], Option<&str>, &str)] = &[
        (&["Accept-Encoding"], Some(APP), "Accept-Encoding, Origin"),
        (&["Accept-Encoding"], Some(EVIL), "Accept-Encoding, Origin"),
        (&["Accept-Encoding"], None, "Accept-Encoding, Origin"),
        (
            &["Accept-Encoding, Origin"],
            Some(APP),
            "Accept-Encoding, Origin",
        ),
        (&["Origin"], Some(APP), "Origin"),
        (&["origin"], Some(APP), "origin"),
        (&["*"], Some(APP), "*"),
        // Two lines: kept as the handler wrote them when they already name
        // `Origin` (HTTP reads them as one list), merged when extended.
        (
            &["Accept-Encoding", "Origin"],
            Some(APP),
            "Accept-Encoding, Origin",
        ),
        (
            &["Accept-Encoding", "Accept-Language"],
            Some(APP),
            "Accept-Encoding, Accept-Language, Origin",
        ),
    ];
    for &(set, origin, expected) in cases {
        let app = test::init_service(App::new().wrap(api()).route(
            "/r",
            web::get().to(move || async move {
                let mut res = HttpResponse::Ok();
                for line in set {
                    res.append_header((header::VARY, *line));
                }
                res.finish()
            }),
        ))
        .await;
        let mut req = TestRequest::get().uri("/r");
        if let Some(origin) = origin {
            req = req.insert_header((header::ORIGIN, origin));
        }
        let res = test::call_service(&app, req.to_request()).await;
        let lines: Vec<&str> = res
            .headers()
            .get_all(header::VARY)
            .map(|v| v.to_str().unwrap())
            .collect();
        let case = format!("handler set {set:?}, Origin {origin:?}: got {lines:?}");
        assert_eq!(lines.join(", "), expected, "{case}");
        if set.len() == 1 {
            assert_eq!(lines.len(), 1, "{case}");
        }
    }
}

// --- Where the middleware is wrapped -------------------------------------------------

/// Checks that CORS answers on `$wrapped` and not on `$unwrapped` (a macro:
/// the test service's request type is not nameable from here).
macro_rules! assert_wrapped_only_on {
    ($app:expr, $wrapped:expr, $unwrapped:expr) => {{
        let (app, wrapped, unwrapped) = (&$app, $wrapped, $unwrapped);
        let res = test::call_service(app, actual(Method::GET, APP).uri(wrapped).to_request()).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(
            res.headers()
                .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
                .unwrap(),
            APP
        );
        assert_eq!(res.headers().get(header::VARY).unwrap(), "Origin");

        let res = test::call_service(app, preflight(APP, "PUT").uri(wrapped).to_request()).await;
        assert_eq!(
            res.status(),
            StatusCode::NO_CONTENT,
            "preflight to {wrapped}"
        );
        assert_eq!(
            res.headers()
                .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
                .unwrap(),
            APP
        );

        let res =
            test::call_service(app, actual(Method::GET, APP).uri(unwrapped).to_request()).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert!(
            !res.headers()
                .keys()
                .any(|n| n.as_str().starts_with("access-control-")),
            "{unwrapped} is outside the wrapped service"
        );
        assert!(res.headers().get(header::VARY).is_none());

        let res = test::call_service(app, preflight(APP, "PUT").uri(unwrapped).to_request()).await;
        assert_ne!(
            res.status(),
            StatusCode::NO_CONTENT,
            "preflight to {unwrapped}"
        );
        assert!(res
            .headers()
            .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
            .is_none());
    }};
}

#[actix_web::test]
async fn cors_wrapped_on_a_scope_answers_inside_it_only() {
    let calls: Calls = web::Data::new(AtomicUsize::new(0));
    let app = test::init_service(
        App::new()
            .app_data(calls.clone())
            .service(
                web::scope("/api")
                    .wrap(api())
                    .route("/items", web::get().to(counted)),
            )
            .route("/public", web::get().to(counted)),
    )
    .await;
    assert_wrapped_only_on!(app, "/api/items", "/public");
}

#[actix_web::test]
async fn cors_wrapped_on_a_resource_answers_for_it_only() {
    let calls: Calls = web::Data::new(AtomicUsize::new(0));
    let app = test::init_service(
        App::new()
            .app_data(calls.clone())
            .service(
                web::resource("/items")
                    .wrap(api())
                    .route(web::get().to(counted)),
            )
            .route("/public", web::get().to(counted)),
    )
    .await;
    assert_wrapped_only_on!(app, "/items", "/public");
}

// --- Credentials and the two presets ---------------------------------------------

#[actix_web::test]
async fn credentials_send_acac_true_on_preflight_and_actual_and_never_a_wildcard() {
    let cors = || {
        Cors::builder()
            .allowed_origin(APP)
            .allow_credentials(true)
            .allow_any_method()
            .allow_any_header()
            .expose_headers(["x-request-id"])
            .build()
            .unwrap()
    };
    let pre = call(
        cors(),
        preflight(APP, "PURGE").insert_header((
            header::ACCESS_CONTROL_REQUEST_HEADERS,
            "authorization,x-trace-id",
        )),
    )
    .await;
    assert_eq!(pre.status, StatusCode::NO_CONTENT);
    // S2: with credentials, `*` means a literal name, so the request is mirrored.
    assert_eq!(
        pre.cors_headers(),
        pairs(&[
            ("access-control-allow-origin", APP),
            ("access-control-allow-credentials", "true"),
            ("access-control-allow-methods", "PURGE"),
            ("access-control-allow-headers", "authorization,x-trace-id"),
        ])
    );

    let act = call(cors(), actual(Method::GET, APP)).await;
    assert_eq!(act.calls, 1);
    assert_eq!(
        act.cors_headers(),
        pairs(&[
            ("access-control-allow-origin", APP),
            ("access-control-allow-credentials", "true"),
            ("access-control-expose-headers", "x-request-id"),
        ])
    );

    let refused = call(cors(), actual(Method::GET, EVIL)).await;
    assert_eq!(refused.cors_headers(), vec![]);
}

#[actix_web::test]
async fn permissive_allows_any_origin_with_no_credentials() {
    for origin in [APP, EVIL, "http://localhost:5173"] {
        let act = call(Cors::permissive(), actual(Method::DELETE, origin)).await;
        assert_eq!(act.calls, 1, "{origin}");
        assert_eq!(
            act.cors_headers(),
            pairs(&[
                ("access-control-allow-origin", "*"),
                ("access-control-expose-headers", "*"),
            ]),
            "{origin}"
        );

        let pre = call(
            Cors::permissive(),
            preflight(origin, "PURGE")
                .insert_header((header::ACCESS_CONTROL_REQUEST_HEADERS, "x-a,x-b")),
        )
        .await;
        assert_eq!(pre.status, StatusCode::NO_CONTENT, "{origin}");
        assert_eq!(
            pre.cors_headers(),
            pairs(&[
                ("access-control-allow-origin", "*"),
                ("access-control-allow-methods", "*"),
                ("access-control-allow-headers", "x-a,x-b"),
            ]),
            "{origin}"
        );
    }
    assert!(!Cors::permissive().policy().allows_credentials());
}

#[actix_web::test]
async fn default_allows_no_cross_origin_request() {
    let act = call(Cors::default(), actual(Method::GET, APP)).await;
    assert_eq!(act.status, StatusCode::OK);
    assert_eq!(act.calls, 1);
    assert_eq!(act.cors_headers(), vec![]);
    assert_eq!(act.get("vary"), Some("Origin"));

    let pre = call(Cors::default(), preflight(APP, "GET")).await;
    assert_eq!(pre.status, StatusCode::FORBIDDEN);
    assert_eq!(pre.calls, 0);
    assert_eq!(pre.cors_headers(), vec![]);
}

#[actix_web::test]
async fn the_origin_predicate_runs_once_per_request() {
    async fn fail() -> Result<HttpResponse, actix_web::Error> {
        Err(error::ErrorInternalServerError("boom"))
    }
    // (case, request, whether the origin is allowed)
    let cases: Vec<(&str, TestRequest, bool)> = vec![
        ("allowed actual", actual(Method::GET, APP).uri("/r"), true),
        ("refused actual", actual(Method::GET, EVIL).uri("/r"), false),
        ("allowed preflight", preflight(APP, "GET").uri("/r"), true),
        ("refused preflight", preflight(EVIL, "GET").uri("/r"), false),
        ("handler error", actual(Method::GET, APP).uri("/fail"), true),
    ];
    for (case, req, allowed) in cases {
        let calls = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&calls);
        let cors = Cors::builder()
            .allowed_origin_fn(move |origin| {
                counter.fetch_add(1, Ordering::SeqCst);
                origin == APP
            })
            .build()
            .unwrap();
        let app = test::init_service(
            App::new()
                .wrap(cors)
                .route("/r", web::route().to(HttpResponse::Ok))
                .route("/fail", web::get().to(fail)),
        )
        .await;
        let res = test::call_service(&app, req.to_request()).await;
        assert_eq!(
            res.headers()
                .contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN),
            allowed,
            "{case}"
        );
        assert_eq!(calls.load(Ordering::SeqCst), 1, "{case}");
    }
}

// --- Hostile requests (S14) --------------------------------------------------------

/// Policies that would allow `APP`, each counting how often a predicate runs.
fn policies_allowing_app(predicate_calls: &Arc<AtomicUsize>) -> Vec<(&'static str, Cors)> {
    let calls = Arc::clone(predicate_calls);
    vec![
        ("listed", api()),
        ("permissive", Cors::permissive()),
        (
            "predicate admitting everything",
            Cors::builder()
                .allowed_origin_fn(move |_| {
                    calls.fetch_add(1, Ordering::SeqCst);
                    true
                })
                .build()
                .unwrap(),
        ),
    ]
}

#[actix_web::test]
async fn duplicated_origin_headers_are_refused_before_any_matching() {
    let predicate_calls = Arc::new(AtomicUsize::new(0));
    for (policy, cors) in policies_allowing_app(&predicate_calls) {
        let act = call(
            cors.clone(),
            actual(Method::GET, APP).append_header((header::ORIGIN, APP)),
        )
        .await;
        assert_eq!(act.status, StatusCode::OK, "{policy}");
        assert_eq!(act.calls, 1, "{policy}");
        assert_eq!(act.get("access-control-allow-origin"), None, "{policy}");
        assert_eq!(act.get("vary"), Some("Origin"), "{policy}");

        let pre = call(
            cors,
            preflight(APP, "GET").append_header((header::ORIGIN, EVIL)),
        )
        .await;
        assert_eq!(pre.status, StatusCode::FORBIDDEN, "{policy}");
        assert!(!pre.has_any_allow_header(), "{policy}");
    }
    assert_eq!(predicate_calls.load(Ordering::SeqCst), 0);
}

#[actix_web::test]
async fn a_64_kib_origin_gets_no_acao_and_is_never_matched() {
    let huge = format!("https://{}.example", "a".repeat(64 * 1024));
    let predicate_calls = Arc::new(AtomicUsize::new(0));
    for (policy, cors) in policies_allowing_app(&predicate_calls) {
        let act = call(cors.clone(), actual(Method::GET, &huge)).await;
        assert_eq!(act.status, StatusCode::OK, "{policy}");
        assert_eq!(act.get("access-control-allow-origin"), None, "{policy}");

        let pre = call(cors, preflight(&huge, "GET")).await;
        assert_eq!(pre.status, StatusCode::FORBIDDEN, "{policy}");
        assert!(!pre.has_any_allow_header(), "{policy}");
    }
    assert_eq!(predicate_calls.load(Ordering::SeqCst), 0);
}

// --- A handler's own CORS headers ---------------------------------------------

#[actix_web::test]
async fn a_handlers_own_cors_headers_are_replaced_or_merged_never_repeated() {
    // Each header the answer writes, set by the handler too: the response
    // must carry the policy's one value (or, for `Vary`, one merged line),
    // whichever of them the handler set. Most handlers set none, and take
    // a path that writes without looking: this one must notice each.
    let own: [(&str, &str); 5] = [
        ("access-control-allow-origin", "https://other.example"),
        ("access-control-allow-credentials", "true"),
        ("access-control-expose-headers", "x-own"),
        ("timing-allow-origin", "https://other.example"),
        ("vary", "Accept"),
    ];
    for (name, value) in own {
        let cors = api_builder()
            .timing_allow_origin(true)
            .build()
            .expect("valid test policy");
        let app = test::init_service(App::new().wrap(cors).route(
            "/r",
            web::get().to(move || async move {
                HttpResponse::Ok().insert_header((name, value)).finish()
            }),
        ))
        .await;
        let res = test::call_service(&app, actual(Method::GET, APP).uri("/r").to_request()).await;
        let headers = res.headers();
        let one = |header: &str| -> Vec<&str> {
            headers
                .get_all(header)
                .map(|v| v.to_str().expect("ASCII header value"))
                .collect()
        };
        assert_eq!(
            one("access-control-allow-origin"),
            [APP],
            "handler set {name}"
        );
        assert_eq!(one("timing-allow-origin"), [APP], "handler set {name}");
        assert_eq!(
            one("access-control-expose-headers"),
            ["x-request-id"],
            "handler set {name}"
        );
        // The policy grants no credentials, whoever else says so.
        assert!(
            one("access-control-allow-credentials").is_empty(),
            "handler set {name}"
        );
        let vary = one("vary");
        assert_eq!(vary.len(), 1, "handler set {name}: {vary:?}");
        assert!(vary[0].contains("Origin"), "handler set {name}: {vary:?}");
        if name == "vary" {
            assert!(vary[0].contains("Accept"), "{vary:?}");
        }
    }
}
