//! What the middleware says in the log: one `warn` per refused request with
//! structured fields and a fix, near-miss hints for origins, a `debug` line
//! for a response header scripts cannot read (once per name), the startup
//! summary and its warnings, the opt-in `X-Cors-Rejected` header, and
//! escaping of hostile request values.
//!
//! Each test installs its own subscriber with `tracing::subscriber::set_default`
//! (thread-local) and drives the app with `actix_web::test` on the same
//! thread, so tests running in parallel never see each other's events. Two
//! layers record the same events: `tracing_subscriber::fmt` writing text
//! into a buffer (what a developer reads), and a small layer keeping each
//! event's fields (what a log pipeline queries).

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use actix_web::body::MessageBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use actix_web::{error, web, App, HttpResponse};
use cors_actix::{Cors, CorsBuilder};
use tracing::field::{Field, Visit};
use tracing::subscriber::DefaultGuard;
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

#[allow(dead_code)]
mod support;
use support::{preflight, Captured};

// ---------------------------------------------------------------------------
// Capturing the log
// ---------------------------------------------------------------------------

/// One event as a log pipeline sees it.
#[derive(Clone, Debug)]
struct Record {
    level: Level,
    target: String,
    message: String,
    fields: BTreeMap<String, String>,
}

impl Record {
    /// A field's value; fails the test when it is missing.
    fn field(&self, name: &str) -> &str {
        self.fields
            .get(name)
            .unwrap_or_else(|| panic!("no field `{name}` in {self:#?}"))
    }

    fn has(&self, name: &str) -> bool {
        self.fields.contains_key(name)
    }
}

/// Keeps the message and fields of every event.
struct Recorder(Arc<Mutex<Vec<Record>>>);

#[derive(Default)]
struct Fields(BTreeMap<String, String>);

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
}

impl<S: Subscriber> Layer<S> for Recorder {
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let mut fields = Fields::default();
        event.record(&mut fields);
        let mut fields = fields.0;
        let message = fields.remove("message").unwrap_or_default();
        self.0.lock().unwrap().push(Record {
            level: *event.metadata().level(),
            target: event.metadata().target().to_owned(),
            message,
            fields,
        });
    }
}

/// The log of one test, captured while it is alive.
struct Logs {
    text: Captured,
    records: Arc<Mutex<Vec<Record>>>,
    _guard: DefaultGuard,
}

impl Logs {
    /// Captures every level.
    fn capture() -> Logs {
        Logs::capture_at(LevelFilter::TRACE)
    }

    /// Captures `level` and above; events below it are disabled, as they
    /// would be in production.
    fn capture_at(level: LevelFilter) -> Logs {
        let text = Captured::default();
        let records = Arc::new(Mutex::new(Vec::new()));
        let subscriber = tracing_subscriber::registry()
            .with(level)
            .with(
                tracing_subscriber::fmt::layer()
                    .with_writer(text.clone())
                    .with_target(true),
            )
            .with(Recorder(Arc::clone(&records)));
        Logs {
            text,
            records,
            _guard: tracing::subscriber::set_default(subscriber),
        }
    }

    /// This crate's events.
    fn records(&self) -> Vec<Record> {
        self.records
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.target.starts_with("cors_actix"))
            .cloned()
            .collect()
    }

    /// This crate's events at `level` whose message contains `needle`.
    fn matching(&self, level: Level, needle: &str) -> Vec<Record> {
        self.records()
            .into_iter()
            .filter(|r| r.level == level && r.message.contains(needle))
            .collect()
    }

    /// The only refusal logged; fails the test unless there is exactly one.
    fn rejection(&self) -> Record {
        let mut found = self.matching(Level::WARN, " rejected: ");
        assert_eq!(found.len(), 1, "expected one rejection, got {found:#?}");
        found.remove(0)
    }

    /// What a developer reads.
    fn text(&self) -> String {
        self.text.text()
    }

    /// Forgets what was captured so far (the startup summary, say).
    fn clear(&self) {
        self.records.lock().unwrap().clear();
        self.text.clear();
    }
}

// ---------------------------------------------------------------------------
// The app
// ---------------------------------------------------------------------------

const APP: &str = "https://app.example.com";
const DEV: &str = "http://localhost:3000";

async fn list_items() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("x-request-id", "req-1"))
        .insert_header(("x-total-count", "2"))
        .insert_header(("etag", "\"v1\""))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::VARY, "Accept"))
        .content_type("application/json")
        .body("[]")
}

async fn no_content() -> HttpResponse {
    HttpResponse::NoContent().finish()
}

async fn fail() -> Result<HttpResponse, error::Error> {
    Err(error::ErrorInternalServerError("the database is on fire"))
}

fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/items")
            .route(web::get().to(list_items))
            .route(web::post().to(list_items)),
    )
    .service(
        web::resource("/api/items/{id}")
            .route(web::put().to(no_content))
            .route(web::delete().to(no_content)),
    )
    .route("/api/fail", web::get().to(fail));
}

/// One front end, four methods, two request headers, one exposed header.
fn api_builder() -> CorsBuilder {
    Cors::builder()
        .allowed_origins([APP, DEV])
        .allowed_methods(["GET", "POST", "PUT", "DELETE", "PATCH"])
        .allowed_headers(["content-type", "authorization"])
        .expose_headers(["x-request-id"])
}

fn api() -> Cors {
    api_builder().build().expect("valid test policy")
}

/// The same policy read from `CORS_…` variables.
fn api_from_env() -> Cors {
    Cors::from_lookup("", |name| {
        Some(
            match name {
                "CORS_ALLOWED_ORIGINS" => "https://app.example.com, http://localhost:3000",
                "CORS_ALLOWED_METHODS" => "GET, POST, PUT, DELETE, PATCH",
                "CORS_ALLOWED_HEADERS" => "content-type, authorization",
                "CORS_EXPOSE_HEADERS" => "x-request-id",
                _ => return None,
            }
            .to_owned(),
        )
    })
    .expect("valid test policy")
}

async fn send(cors: &Cors, req: TestRequest) -> ServiceResponse<impl MessageBody> {
    let app = test::init_service(App::new().wrap(cors.clone()).configure(routes)).await;
    test::call_service(&app, req.to_request()).await
}

fn get(path: &str, origin: &str) -> TestRequest {
    TestRequest::get()
        .uri(path)
        .insert_header((header::ORIGIN, origin))
}

// ---------------------------------------------------------------------------
// One warning per failure mode
// ---------------------------------------------------------------------------

#[actix_rt::test]
async fn header_not_allowed_names_the_header_the_allowed_list_and_the_variable() {
    let logs = Logs::capture();
    let cors = api_from_env();
    let res = send(
        &cors,
        preflight("/api/items/7", DEV, "DELETE").insert_header((
            header::ACCESS_CONTROL_REQUEST_HEADERS,
            "content-type,x-trace-id",
        )),
    )
    .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    let r = logs.rejection();
    assert_eq!(
        r.message,
        "CORS preflight for DELETE /api/items/7 from `http://localhost:3000` rejected: request \
         header `x-trace-id` is not in the allowed headers (allowed: content-type, \
         authorization); add it to environment variable `CORS_ALLOWED_HEADERS`; answered 403, \
         so the browser will not send the DELETE request"
    );
    assert_eq!(r.field("origin"), DEV);
    assert_eq!(r.field("method"), "OPTIONS");
    assert_eq!(r.field("requested_method"), "DELETE");
    assert_eq!(r.field("path"), "/api/items/7");
    assert_eq!(r.field("kind"), "preflight");
    assert_eq!(r.field("reason"), "header-not-allowed");
    assert_eq!(
        r.field("setting"),
        "environment variable `CORS_ALLOWED_HEADERS`"
    );
    assert_eq!(r.field("allowed"), "content-type, authorization");
}

#[actix_rt::test]
async fn header_not_allowed_lists_every_missing_header_at_once() {
    let logs = Logs::capture();
    send(
        &api(),
        preflight("/api/items", APP, "POST").insert_header((
            header::ACCESS_CONTROL_REQUEST_HEADERS,
            "authorization,x-b3-traceid,x-trace-id",
        )),
    )
    .await;
    let r = logs.rejection();
    assert!(
        r.message.contains(
            "request header `x-b3-traceid` is not in the allowed headers (allowed: \
             content-type, authorization); add every header the preflight asks for and the \
             policy lacks (`x-b3-traceid`, `x-trace-id`) to builder method `allowed_headers`"
        ),
        "{}",
        r.message
    );
    assert_eq!(r.field("setting"), "builder method `allowed_headers`");
}

#[actix_rt::test]
async fn content_type_not_allowed_explains_when_browsers_ask_for_it() {
    let logs = Logs::capture();
    let cors = Cors::builder().allowed_origin(APP).build().unwrap();
    send(
        &cors,
        preflight("/api/items", APP, "POST")
            .insert_header((header::ACCESS_CONTROL_REQUEST_HEADERS, "content-type")),
    )
    .await;
    let r = logs.rejection();
    assert!(r.message.contains("(allowed: none)"), "{}", r.message);
    assert!(
        r.message.contains("(JSON, for one)"),
        "the JSON hint is missing: {}",
        r.message
    );
}

#[actix_rt::test]
async fn method_not_allowed_names_the_method_and_the_allowed_list() {
    let logs = Logs::capture();
    let cors = Cors::builder()
        .allowed_origin(DEV)
        .allowed_methods(["GET", "POST"])
        .build()
        .unwrap();
    let res = send(&cors, preflight("/api/items/7", DEV, "PUT")).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let r = logs.rejection();
    assert_eq!(
        r.message,
        "CORS preflight for PUT /api/items/7 from `http://localhost:3000` rejected: method `PUT` \
         is not in the allowed methods (allowed: GET, POST); add it to builder method \
         `allowed_methods`; answered 403, so the browser will not send the PUT request"
    );
    assert_eq!(r.field("reason"), "method-not-allowed");
    assert_eq!(r.field("requested_method"), "PUT");
    assert_eq!(r.field("setting"), "builder method `allowed_methods`");
    assert_eq!(r.field("allowed"), "GET, POST");
}

#[actix_rt::test]
async fn a_lower_case_patch_is_explained_as_a_case_mismatch() {
    let logs = Logs::capture();
    send(&api(), preflight("/api/items/7", APP, "patch")).await;
    let r = logs.rejection();
    assert!(
        r.message.contains(
            "methods are case-sensitive and browsers upper-case only DELETE, GET, HEAD, \
             OPTIONS, POST and PUT, so the page asked for `patch`: write `PATCH` in its `fetch` \
             call"
        ),
        "{}",
        r.message
    );
}

#[actix_rt::test]
async fn origin_not_allowed_on_a_preflight_lists_the_allowed_origins() {
    let logs = Logs::capture();
    send(
        &api_from_env(),
        preflight("/api/items", "https://evil.example", "POST"),
    )
    .await;
    let r = logs.rejection();
    assert_eq!(
        r.message,
        "CORS preflight for POST /api/items from `https://evil.example` rejected: origin \
         `https://evil.example` is not in the allowed origins (allowed: https://app.example.com, \
         http://localhost:3000); if this front end is trusted, add it to environment variable \
         `CORS_ALLOWED_ORIGINS`; answered 403, so the browser will not send the POST request"
    );
    assert_eq!(r.field("reason"), "origin-not-allowed");
    assert_eq!(
        r.field("setting"),
        "environment variable `CORS_ALLOWED_ORIGINS`"
    );
    assert_eq!(
        r.field("allowed"),
        "https://app.example.com, http://localhost:3000"
    );
    assert!(!r.has("suggestion"), "no near miss here: {r:#?}");
}

#[actix_rt::test]
async fn origin_not_allowed_on_an_actual_request_says_the_handler_ran() {
    let logs = Logs::capture();
    let res = send(&api(), get("/api/items", "https://evil.example")).await;
    assert_eq!(res.status(), StatusCode::OK);
    let r = logs.rejection();
    assert!(
        r.message.starts_with(
            "CORS request GET /api/items from `https://evil.example` rejected: origin \
             `https://evil.example` is not in the allowed origins"
        ),
        "{}",
        r.message
    );
    assert!(
        r.message
            .ends_with("; the handler ran, but the browser will hide the response from the page"),
        "{}",
        r.message
    );
    assert_eq!(r.field("kind"), "request");
    assert_eq!(r.field("method"), "GET");
    assert!(!r.has("requested_method"));
}

#[actix_rt::test]
async fn origin_not_allowed_when_blocking_says_the_handler_did_not_run() {
    let logs = Logs::capture();
    let cors = api_builder()
        .block_disallowed_origins(true)
        .build()
        .unwrap();
    let res = send(&cors, get("/api/items", "https://evil.example")).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let r = logs.rejection();
    assert!(
        r.message
            .ends_with("; answered 403 without running the handler (`block_disallowed_origins`)"),
        "{}",
        r.message
    );
}

#[actix_rt::test]
async fn origin_not_allowed_on_a_failing_handler_is_logged_once() {
    let logs = Logs::capture();
    let res = send(&api(), get("/api/fail", "https://evil.example")).await;
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let r = logs.rejection();
    assert_eq!(r.field("path"), "/api/fail");
    assert!(r.message.contains("the handler ran"), "{}", r.message);
}

#[actix_rt::test]
async fn private_network_access_not_allowed_names_the_setting() {
    let logs = Logs::capture();
    send(
        &api(),
        preflight("/api/items", APP, "GET")
            .insert_header(("access-control-request-private-network", "true")),
    )
    .await;
    let r = logs.rejection();
    assert_eq!(
        r.message,
        "CORS preflight for GET /api/items from `https://app.example.com` rejected: the \
         preflight asks for Private Network Access, which the policy does not allow (allowed: \
         false); the page is on a more public network than this server; if that is expected, \
         enable it with builder method `allow_private_network`; answered 403, so the browser \
         will not send the GET request"
    );
    assert_eq!(r.field("reason"), "private-network-not-allowed");
    assert_eq!(r.field("setting"), "builder method `allow_private_network`");
    assert_eq!(r.field("allowed"), "false");
}

#[actix_rt::test]
async fn malformed_and_repeated_headers_blame_the_client_or_a_proxy() {
    let cases: [(&str, TestRequest, &str, &str); 5] = [
        (
            "origin that is not ASCII",
            TestRequest::get().uri("/api/items").insert_header((
                header::ORIGIN,
                HeaderValue::from_bytes(b"https://caf\xc3\xa9.example").unwrap(),
            )),
            "malformed-origin",
            "CORS request GET /api/items from `https://caf\\xc3\\xa9.example` rejected: the \
             `Origin` header is not a valid origin (empty, not ASCII, or too long); browsers \
             never send this, so a hand-made request or a proxy rewriting headers is the likely \
             cause; the handler ran, but the browser will hide the response from the page",
        ),
        (
            "origin sent twice",
            get("/api/items", APP).append_header((header::ORIGIN, DEV)),
            "repeated-header",
            "CORS request GET /api/items from `https://app.example.com` rejected: the `origin` \
             header was sent more than once; browsers send `origin` once, so a proxy or load \
             balancer adding it again, or a hand-made request, is the likely cause; the handler \
             ran, but the browser will hide the response from the page",
        ),
        (
            "requested method sent twice",
            preflight("/api/items", APP, "PUT")
                .append_header((header::ACCESS_CONTROL_REQUEST_METHOD, "DELETE")),
            "repeated-header",
            "CORS preflight for PUT /api/items from `https://app.example.com` rejected: the \
             `access-control-request-method` header was sent more than once",
        ),
        (
            "requested method that is not a token",
            preflight("/api/items", APP, "DE LETE"),
            "malformed-request-method",
            "CORS preflight for DE LETE /api/items from `https://app.example.com` rejected: \
             `Access-Control-Request-Method` is not a valid method; browsers never send this",
        ),
        (
            "requested headers that are not a list of names",
            preflight("/api/items", APP, "POST")
                .insert_header((header::ACCESS_CONTROL_REQUEST_HEADERS, "x-a;x-b")),
            "malformed-request-headers",
            "CORS preflight for POST /api/items from `https://app.example.com` rejected: \
             `Access-Control-Request-Headers` is not a comma-separated list of header names; \
             browsers never send this",
        ),
    ];
    let cors = api();
    for (case, req, reason, message) in cases {
        let logs = Logs::capture();
        send(&cors, req).await;
        let r = logs.rejection();
        assert!(r.message.starts_with(message), "{case}: {}", r.message);
        assert_eq!(r.field("reason"), reason, "{case}");
        assert!(!r.has("setting"), "{case}: no setting fixes this");
    }
}

// ---------------------------------------------------------------------------
// Near misses
// ---------------------------------------------------------------------------

#[actix_rt::test]
async fn origins_that_nearly_match_get_a_did_you_mean() {
    let cors = Cors::builder()
        .allowed_origins([
            APP,
            DEV,
            "https://www.shop.example",
            "https://*.preview.example",
        ])
        .build()
        .unwrap();
    let cases = [
        (
            "http://app.example.com",
            "https://app.example.com",
            "the scheme differs: the page is served over `http`, the policy allows `https`",
        ),
        (
            "http://localhost:3001",
            "http://localhost:3000",
            "the port differs: `3001` sent, `3000` allowed",
        ),
        (
            "https://www.app.example.com",
            "https://app.example.com",
            "`www.` differs: the page's host has it, the allowed one does not",
        ),
        (
            "https://shop.example",
            "https://www.shop.example",
            "`www.` differs: the allowed host has it, the page's does not",
        ),
        (
            "https://app.example.com/",
            "https://app.example.com",
            "an origin never ends with `/`",
        ),
        (
            "http://127.0.0.1:3000",
            "http://localhost:3000",
            "`127.0.0.1` and `localhost` are different origins to a browser",
        ),
    ];
    for (origin, allowed, reason) in cases {
        let logs = Logs::capture();
        send(&cors, get("/api/items", origin)).await;
        let r = logs.rejection();
        let expected = format!("; did you mean `{allowed}`? ({reason}");
        assert!(r.message.contains(&expected), "{origin}: {}", r.message);
        assert_eq!(r.field("suggestion"), allowed, "{origin}");
    }
}

#[actix_rt::test]
async fn a_subdomain_pattern_explains_that_it_does_not_match_its_parent() {
    let logs = Logs::capture();
    let cors = Cors::builder()
        .allowed_origin("https://*.preview.example")
        .build()
        .unwrap();
    send(
        &cors,
        preflight("/api/items", "https://preview.example", "PUT"),
    )
    .await;
    let r = logs.rejection();
    assert!(
        r.message.contains(
            "; `https://*.preview.example` matches subdomains only, not \
             `https://preview.example` itself: add `https://preview.example` too"
        ),
        "{}",
        r.message
    );
    assert!(!r.message.contains("did you mean"), "{}", r.message);
}

#[actix_rt::test]
async fn a_null_origin_is_explained() {
    let logs = Logs::capture();
    send(&api(), get("/api/items", "null")).await;
    let r = logs.rejection();
    assert!(
        r.message.contains(
            "`null` comes from sandboxed iframes, `file:` pages, `data:` URLs and requests \
             redirected from another origin"
        ),
        "{}",
        r.message
    );
}

#[actix_rt::test]
async fn an_unrelated_origin_gets_no_hint() {
    let logs = Logs::capture();
    send(
        &api(),
        get("/api/items", "https://app.example.com.evil.example"),
    )
    .await;
    let r = logs.rejection();
    assert!(!r.message.contains("did you mean"), "{}", r.message);
    assert!(!r.has("suggestion"));
}

// ---------------------------------------------------------------------------
// Allowed requests and same-origin requests
// ---------------------------------------------------------------------------

#[actix_rt::test]
async fn allowed_requests_are_one_debug_line_and_no_warning() {
    let logs = Logs::capture();
    let cors = api();
    send(
        &cors,
        preflight("/api/items/7", APP, "DELETE")
            .insert_header((header::ACCESS_CONTROL_REQUEST_HEADERS, "content-type")),
    )
    .await;
    send(&cors, get("/api/items", APP)).await;
    let allowed = logs.matching(Level::DEBUG, " allowed");
    let messages: Vec<&str> = allowed.iter().map(|r| r.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "CORS preflight for DELETE /api/items/7 from `https://app.example.com` allowed",
            "CORS request GET /api/items from `https://app.example.com` allowed",
        ]
    );
    assert!(logs.matching(Level::WARN, "rejected").is_empty());
}

#[actix_rt::test]
async fn a_same_origin_post_with_an_unlisted_origin_is_not_reported() {
    let logs = Logs::capture();
    let req = TestRequest::post()
        .uri("/api/items")
        .insert_header((header::HOST, "api.example.com"))
        .insert_header((header::ORIGIN, "http://api.example.com"));
    let res = send(&api(), req).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(logs.matching(Level::WARN, "rejected").is_empty());
}

#[actix_rt::test]
async fn requests_without_origin_are_not_logged() {
    let logs = Logs::capture();
    let cors = api();
    let app = test::init_service(App::new().wrap(cors).configure(routes)).await;
    logs.clear();
    test::call_service(&app, TestRequest::get().uri("/api/items").to_request()).await;
    assert!(logs.records().is_empty(), "{:#?}", logs.records());
}

// ---------------------------------------------------------------------------
// Response headers hidden from scripts
// ---------------------------------------------------------------------------

#[actix_rt::test]
async fn a_response_header_scripts_cannot_read_is_reported_once() {
    let logs = Logs::capture();
    let cors = api();
    let app = test::init_service(App::new().wrap(cors).configure(routes)).await;
    for _ in 0..2 {
        let res = test::call_service(&app, get("/api/items", APP).to_request()).await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    let hidden = logs.matching(Level::DEBUG, "is hidden from scripts");
    let mut names: Vec<&str> = hidden.iter().map(|r| r.field("header")).collect();
    names.sort_unstable();
    // Not reported: `x-request-id` (exposed), `cache-control` and
    // `content-type` (safelisted), `vary` and the CORS headers.
    assert_eq!(names, ["etag", "x-total-count"], "{hidden:#?}");

    let r = hidden
        .iter()
        .find(|r| r.field("header") == "x-total-count")
        .unwrap();
    assert_eq!(
        r.message,
        "CORS response header `x-total-count` of GET /api/items is hidden from scripts on \
         `https://app.example.com`: `response.headers.get('x-total-count')` returns null there \
         (exposed: x-request-id); to let the page read it, add it to builder method \
         `expose_headers` (logged once per header)"
    );
    assert_eq!(r.field("origin"), APP);
    assert_eq!(r.field("path"), "/api/items");
    assert_eq!(r.field("setting"), "builder method `expose_headers`");
    assert_eq!(r.field("exposed"), "x-request-id");
}

#[actix_rt::test]
async fn hidden_headers_are_not_looked_at_while_debug_is_off() {
    let cors = api();
    {
        let logs = Logs::capture_at(LevelFilter::INFO);
        send(&cors, get("/api/items", APP)).await;
        assert!(logs.matching(Level::DEBUG, "").is_empty());
    }
    // Nothing was recorded as reported while debug was off: the first
    // request with debug on still reports the header.
    let logs = Logs::capture();
    send(&cors, get("/api/items", APP)).await;
    assert_eq!(
        logs.matching(Level::DEBUG, "`x-total-count` of GET").len(),
        1
    );
}

#[actix_rt::test]
async fn hidden_headers_are_not_reported_for_refused_origins_or_when_everything_is_exposed() {
    let logs = Logs::capture();
    send(&api(), get("/api/items", "https://evil.example")).await;
    let everything = Cors::builder()
        .allowed_origin(APP)
        .expose_any_header()
        .build()
        .unwrap();
    send(&everything, get("/api/items", APP)).await;
    assert!(logs
        .matching(Level::DEBUG, "hidden from scripts")
        .is_empty());
}

// ---------------------------------------------------------------------------
// Startup summary
// ---------------------------------------------------------------------------

#[actix_rt::test]
async fn startup_summary_describes_the_effective_policy_once() {
    let logs = Logs::capture();
    let cors = api_builder()
        .allow_credentials(true)
        .max_age(600)
        .build()
        .unwrap();
    let app = || App::new().wrap(cors.clone()).configure(routes);
    // Two workers' worth of apps: one summary.
    test::init_service(app()).await;
    test::init_service(app()).await;

    let summaries = logs.matching(Level::INFO, "CORS policy: ");
    assert_eq!(summaries.len(), 1, "{summaries:#?}");
    let s = &summaries[0];
    assert_eq!(
        s.message,
        "CORS policy: origins: https://app.example.com, http://localhost:3000; methods: GET, \
         POST, PUT, DELETE, PATCH; headers: content-type, authorization; exposed: x-request-id; \
         credentials: true; max-age: 600s; private network: false"
    );
    assert_eq!(
        s.field("origins"),
        "https://app.example.com, http://localhost:3000"
    );
    assert_eq!(s.field("methods"), "GET, POST, PUT, DELETE, PATCH");
    assert_eq!(s.field("headers"), "content-type, authorization");
    assert_eq!(s.field("exposed"), "x-request-id");
    assert_eq!(s.field("credentials"), "true");
    assert_eq!(s.field("max_age"), "600");
    assert_eq!(s.field("block_disallowed_origins"), "false");
    assert!(
        logs.matching(Level::WARN, "CORS policy: ").is_empty(),
        "a safe policy draws no warning"
    );
}

#[actix_rt::test]
async fn startup_warns_once_per_risky_choice() {
    let many: Vec<String> = (0..11)
        .map(|i| format!("https://tenant{i}.example"))
        .collect();
    let cases: [(&str, CorsBuilder, &str, &str); 7] = [
        (
            "any origin",
            Cors::builder().allow_any_origin(),
            "any-origin",
            "CORS policy: any origin may read responses (`*`)",
        ),
        (
            "null",
            Cors::builder()
                .allow_null_origin(true)
                .allowed_origins(["null", APP]),
            "null-origin",
            "CORS policy: origin `null` is allowed",
        ),
        (
            "port wildcard",
            Cors::builder().allowed_origin("http://localhost:*"),
            "port-wildcard",
            "CORS policy: origin pattern `http://localhost:*` admits every port",
        ),
        (
            "max-age above Chromium's cap",
            Cors::builder().allowed_origin(APP).max_age(86_400),
            "max-age-above-chromium-cap",
            "CORS policy: max-age 86400 is above Chromium's cap of 7200 seconds",
        ),
        (
            "credentials with many origins",
            Cors::builder()
                .allowed_origins(many)
                .allow_credentials(true),
            "credentials-with-many-origins",
            "CORS policy: credentials are allowed for 11 origins and patterns",
        ),
        (
            "no origin at all",
            Cors::builder(),
            "no-origins",
            "CORS policy: no cross-origin access is allowed",
        ),
        (
            "the debug header",
            Cors::builder().allowed_origin(APP).rejection_header(true),
            "rejection-header",
            "CORS policy: the `X-Cors-Rejected` debug header is on",
        ),
    ];
    for (case, builder, code, message) in cases {
        let logs = Logs::capture();
        let cors = builder.build().unwrap_or_else(|e| panic!("{case}: {e}"));
        test::init_service(App::new().wrap(cors.clone()).configure(routes)).await;
        test::init_service(App::new().wrap(cors).configure(routes)).await;
        let warnings = logs.matching(Level::WARN, "CORS policy: ");
        assert_eq!(warnings.len(), 1, "{case}: {warnings:#?}");
        assert_eq!(warnings[0].field("warning"), code, "{case}");
        assert!(
            warnings[0].message.starts_with(message),
            "{case}: {}",
            warnings[0].message
        );
        assert_eq!(
            logs.matching(Level::INFO, "CORS policy: ").len(),
            1,
            "{case}"
        );
    }
}

// ---------------------------------------------------------------------------
// The debug response header
// ---------------------------------------------------------------------------

#[actix_rt::test]
async fn rejection_header_carries_the_reason_only_when_turned_on() {
    let on = api_builder().rejection_header(true).build().unwrap();
    let res = send(
        &on,
        preflight("/api/items", APP, "POST")
            .insert_header((header::ACCESS_CONTROL_REQUEST_HEADERS, "x-trace-id")),
    )
    .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        res.headers().get("x-cors-rejected").unwrap(),
        "header-not-allowed: request header `x-trace-id` is not in the allowed headers"
    );
    let res = send(&on, get("/api/items", "https://evil.example")).await;
    assert_eq!(
        res.headers().get("x-cors-rejected").unwrap(),
        "origin-not-allowed: origin `https://evil.example` is not in the allowed origins"
    );
    let res = send(&on, get("/api/items", APP)).await;
    assert!(res.headers().get("x-cors-rejected").is_none(), "allowed");

    let off = api();
    let res = send(
        &off,
        preflight("/api/items", APP, "POST")
            .insert_header((header::ACCESS_CONTROL_REQUEST_HEADERS, "x-trace-id")),
    )
    .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(
        res.headers().get("x-cors-rejected").is_none(),
        "off by default"
    );
}

// ---------------------------------------------------------------------------
// Hostile values
// ---------------------------------------------------------------------------

/// Asserts that no field and no message holds a control character, and that
/// the developer's text has one line per event.
fn assert_no_control_characters(logs: &Logs) {
    for r in logs.records() {
        for (name, value) in r.fields.iter().chain([(&"message".to_owned(), &r.message)]) {
            assert!(
                !value.chars().any(char::is_control),
                "raw control character in `{name}`: {value:?}"
            );
        }
    }
    let text = logs.text();
    for line in text.lines() {
        assert!(
            line.contains("cors_actix"),
            "a line that is not an event, so one was split: {line:?}\n{text}"
        );
    }
}

#[actix_rt::test]
async fn control_characters_and_backticks_in_a_hostile_origin_are_escaped() {
    let logs = Logs::capture();
    // A tab is the one control character a `HeaderValue` accepts.
    send(&api(), get("/api/items", "https://a.example\t`x`")).await;
    let r = logs.rejection();
    assert_eq!(r.field("origin"), "https://a.example\\x09\\`x\\`");
    assert!(
        r.message.starts_with(
            "CORS request GET /api/items from `https://a.example\\x09\\`x\\`` rejected"
        ),
        "{}",
        r.message
    );
    assert_no_control_characters(&logs);
}

#[actix_rt::test]
async fn a_unicode_line_break_in_the_origin_cannot_forge_a_log_line() {
    let logs = Logs::capture();
    // CR and LF never get into a `HeaderValue` (`http` refuses them), but
    // bytes above 0x7f do: U+0085 (NEXT LINE) and U+2028 (LINE SEPARATOR)
    // break lines in some log viewers.
    let hostile = HeaderValue::from_bytes(
        "https://a.example\u{85}WARN cors_actix: all good\u{2028}".as_bytes(),
    )
    .unwrap();
    send(
        &api(),
        TestRequest::get()
            .uri("/api/items")
            .insert_header((header::ORIGIN, hostile)),
    )
    .await;
    let r = logs.rejection();
    assert_eq!(r.field("reason"), "malformed-origin");
    assert_eq!(
        r.field("origin"),
        "https://a.example\\xc2\\x85WARN cors_actix: all good\\xe2\\x80\\xa8"
    );
    assert!(!r.message.contains('\u{85}') && !r.message.contains('\u{2028}'));
    assert_no_control_characters(&logs);
}

#[actix_rt::test]
async fn a_very_long_origin_is_cut_in_the_log() {
    let logs = Logs::capture();
    let long = format!("https://{}.example", "a".repeat(600));
    send(&api(), get("/api/items", &long)).await;
    let r = logs.rejection();
    assert_eq!(r.field("reason"), "malformed-origin");
    assert!(
        r.field("origin").ends_with("…(616 bytes)"),
        "{}",
        r.field("origin")
    );
    assert!(r.message.len() < 1000, "{}", r.message.len());
}

// ---------------------------------------------------------------------------
// `*` on a credentialed request
// ---------------------------------------------------------------------------

#[actix_rt::test]
async fn a_star_answer_to_a_request_with_cookies_is_a_warning() {
    let logs = Logs::capture();
    let public = Cors::builder().allow_any_origin().build().unwrap();
    let res = send(
        &public,
        get("/api/items", DEV).insert_header((header::COOKIE, "session=abc")),
    )
    .await;
    assert_eq!(
        res.headers()
            .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
            .unwrap(),
        "*"
    );
    let found = logs.matching(Level::WARN, "carries cookies");
    assert_eq!(found.len(), 1, "{found:#?}");
    let r = &found[0];
    assert_eq!(
        r.message,
        "CORS request GET /api/items from `http://localhost:3000` answered \
         `Access-Control-Allow-Origin: *`, but it carries cookies, so the page sent it with \
         `credentials: 'include'`, and browsers refuse `*` on credentialed requests: the page \
         will not see the response; list the page's origin in builder method `allowed_origin` \
         and turn on builder method `allow_credentials`, or drop `credentials: 'include'` if \
         the page needs no cookies"
    );
    assert_eq!(r.field("reason"), "wildcard-with-credentials");
    assert_eq!(r.field("origin"), DEV);
}

#[actix_rt::test]
async fn cookies_without_credentials_in_the_policy_are_a_warning() {
    let logs = Logs::capture();
    send(
        &api(),
        get("/api/items", APP)
            .insert_header((header::COOKIE, "session=abc"))
            .insert_header(("sec-fetch-mode", "cors")),
    )
    .await;
    let found = logs.matching(Level::WARN, "carries cookies");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(
        found[0].message,
        "CORS request GET /api/items from `https://app.example.com` carries cookies, so the \
         page sent it with `credentials: 'include'`, but the policy does not allow credentials \
         (no `Access-Control-Allow-Credentials: true`): the page will not see the response; \
         turn on builder method `allow_credentials`, or drop `credentials: 'include'` if the \
         page needs no cookies"
    );
    assert_eq!(found[0].field("reason"), "credentials-not-allowed");
}

#[actix_rt::test]
async fn cookies_are_not_a_warning_when_credentials_are_allowed_or_the_request_is_not_cors() {
    let logs = Logs::capture();
    let with_credentials = api_builder().allow_credentials(true).build().unwrap();
    let cookie = ("cookie", "session=abc");
    send(
        &with_credentials,
        get("/api/items", APP).insert_header(cookie),
    )
    .await;
    // No cookie: nothing to say.
    send(&api(), get("/api/items", APP)).await;
    // A cross-origin form post navigates: not a CORS read.
    send(
        &api(),
        TestRequest::post()
            .uri("/api/items")
            .insert_header((header::ORIGIN, APP))
            .insert_header(cookie)
            .insert_header(("sec-fetch-mode", "navigate")),
    )
    .await;
    // A same-origin `POST` carries `Origin` and cookies (here the origin is
    // also in the policy, so the request is allowed).
    send(
        &api(),
        TestRequest::post()
            .uri("/api/items")
            .insert_header((header::HOST, "localhost:3000"))
            .insert_header((header::ORIGIN, DEV))
            .insert_header(cookie),
    )
    .await;
    assert!(
        logs.matching(Level::WARN, "").is_empty(),
        "{:#?}",
        logs.records()
    );
}

#[actix_rt::test]
async fn cookies_are_not_looked_at_while_debug_is_off() {
    let logs = Logs::capture_at(LevelFilter::INFO);
    let public = Cors::builder().allow_any_origin().build().unwrap();
    send(
        &public,
        get("/api/items", DEV).insert_header((header::COOKIE, "session=abc")),
    )
    .await;
    assert!(logs.matching(Level::WARN, "carries cookies").is_empty());
}

// ---------------------------------------------------------------------------
// A handler that sets its own `Access-Control-Allow-Origin`
// ---------------------------------------------------------------------------

async fn legacy() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .finish()
}

#[actix_rt::test]
async fn a_handler_allow_origin_is_reported_only_when_it_is_replaced() {
    let logs = Logs::capture();
    let app = test::init_service(
        App::new()
            .wrap(api())
            .route("/api/legacy", web::get().to(legacy)),
    )
    .await;

    // Not a CORS request and not a static `*` policy: the handler's value
    // stands, so there is nothing to report.
    let req = TestRequest::get().uri("/api/legacy").to_request();
    let res = test::call_service(&app, req).await;
    let values: Vec<_> = res
        .headers()
        .get_all(header::ACCESS_CONTROL_ALLOW_ORIGIN)
        .collect();
    assert_eq!(values, ["*"]);
    assert!(logs.matching(Level::WARN, "replaced it").is_empty());

    // A CORS request: the policy's answer replaces the handler's.
    let res = test::call_service(&app, get("/api/legacy", APP).to_request()).await;
    let values: Vec<_> = res
        .headers()
        .get_all(header::ACCESS_CONTROL_ALLOW_ORIGIN)
        .collect();
    assert_eq!(values, [APP]);
    let warnings = logs.matching(Level::WARN, "replaced it");
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    assert_eq!(warnings[0].field("handler_value"), "*");
    assert_eq!(warnings[0].field("cors_value"), APP);
}

// ---------------------------------------------------------------------------
// A preflight allowed to a path no route matches
// ---------------------------------------------------------------------------

#[actix_rt::test]
async fn an_allowed_preflight_to_a_path_without_a_route_is_a_warning() {
    let logs = Logs::capture();
    let cors = api();
    let res = send(&cors, preflight("/api/item/7", APP, "DELETE")).await;
    // The preflight itself is allowed: the policy does not know the routes.
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let warnings = logs.matching(Level::WARN, "no route matches");
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    let w = &warnings[0];
    assert_eq!(
        w.message,
        "CORS preflight for DELETE /api/item/7 from `https://app.example.com` allowed, but no \
         route matches /api/item/7: unless a default service answers it, the DELETE request \
         will get 404; check the URL the page calls (a missing prefix or trailing slash is \
         typical)"
    );
    assert_eq!(w.field("reason"), "no-route");
    assert_eq!(w.field("path"), "/api/item/7");
    assert_eq!(w.field("requested_method"), "DELETE");

    logs.clear();
    send(&cors, preflight("/api/items/7", APP, "DELETE")).await;
    assert!(logs.matching(Level::WARN, "no route matches").is_empty());
}

#[actix_rt::test]
async fn routes_are_not_looked_up_for_preflights_while_debug_is_off() {
    let logs = Logs::capture_at(LevelFilter::INFO);
    send(&api(), preflight("/api/item/7", APP, "DELETE")).await;
    assert!(logs.matching(Level::WARN, "no route matches").is_empty());
}

// ---------------------------------------------------------------------------
// `#[cors]` handlers get the same notes
// ---------------------------------------------------------------------------

/// Exposes its own `x-report-id`, but also sets `x-trace` unexposed.
#[cors_actix::cors(expose = ["x-report-id"])]
#[actix_web::get("/api/reports")]
async fn reports() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("x-report-id", "r-1"))
        .insert_header(("x-trace", "t-1"))
        .finish()
}

#[actix_rt::test]
async fn a_cors_handler_response_header_scripts_cannot_read_is_reported_once() {
    let logs = Logs::capture();
    let cors = api();
    let app = test::init_service(
        App::new()
            .wrap(cors.clone())
            .service(cors.handlers(reports)),
    )
    .await;
    for _ in 0..2 {
        let res = test::call_service(&app, get("/api/reports", APP).to_request()).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(
            res.headers()
                .get(header::ACCESS_CONTROL_EXPOSE_HEADERS)
                .unwrap(),
            "x-report-id"
        );
    }
    let hidden = logs.matching(Level::DEBUG, "is hidden from scripts");
    let names: Vec<&str> = hidden.iter().map(|r| r.field("header")).collect();
    // `x-report-id` is exposed by the handler's own policy.
    assert_eq!(names, ["x-trace"], "{hidden:#?}");
    assert_eq!(hidden[0].field("path"), "/api/reports");
    assert_eq!(hidden[0].field("exposed"), "x-report-id");
}
