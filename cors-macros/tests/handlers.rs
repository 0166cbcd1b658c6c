//! `#[cors(...)]` handlers on real actix apps, through `actix_web::test`:
//! each handler answers with its merged policy, preflights to its paths are
//! answered from the handlers registered there, and the app-wide middleware
//! leaves both alone.
//!
//! Tests of what is logged install a subscriber for their own thread
//! (`tracing::subscriber::set_default`) and drive the app on that thread, so
//! tests running in parallel never see each other's events.

use actix_web::dev::{Service, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::DefaultHeaders;
use actix_web::test::{self, TestRequest};
use actix_web::{
    delete, error, get, guard, head, options, patch, post, route, routes, web, App, HttpRequest,
    HttpResponse, Responder,
};
use cors_actix::{cors, Cors, CorsBuilder};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

const APP: &str = "https://app.example";
const ADMIN: &str = "https://admin.example";
const OTHER: &str = "https://other.example";
const FULL_PREFLIGHT_VARY: &str =
    "Origin, Access-Control-Request-Method, Access-Control-Request-Headers";

/// The app-wide policy: one front end with credentials.
fn app_builder() -> CorsBuilder {
    Cors::builder()
        .allowed_origin(APP)
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers(["content-type"])
        .expose_headers(["x-request-id"])
        .allow_credentials(true)
        .max_age(600)
}

fn app_cors() -> Cors {
    app_builder().build().expect("valid test policy")
}

#[cors(origins = ["*"], credentials = false)]
#[get("/api/public")]
async fn public() -> impl Responder {
    "anyone may read this"
}

#[cors(expose = ["X-Report-Id"])]
#[post("/api/reports")]
async fn reports() -> impl Responder {
    HttpResponse::Created()
        .insert_header(("x-report-id", "r-1"))
        .finish()
}

#[cors(disable)]
#[get("/internal/metrics")]
async fn metrics() -> impl Responder {
    "metrics"
}

fn get(path: &str, origin: &str) -> TestRequest {
    TestRequest::get()
        .uri(path)
        .insert_header((header::ORIGIN, origin))
}

fn preflight(path: &str, origin: &str, method: &str) -> TestRequest {
    TestRequest::default()
        .method(Method::OPTIONS)
        .uri(path)
        .insert_header((header::ORIGIN, origin))
        .insert_header((header::ACCESS_CONTROL_REQUEST_METHOD, method))
}

fn value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .map(|v| v.to_str().expect("ASCII header value"))
}

fn acao<B>(res: &ServiceResponse<B>) -> Option<&str> {
    value(res.headers(), "access-control-allow-origin")
}

fn acam<B>(res: &ServiceResponse<B>) -> Option<&str> {
    value(res.headers(), "access-control-allow-methods")
}

fn no_cors_headers<B>(res: &ServiceResponse<B>) -> bool {
    !res.headers()
        .keys()
        .any(|name| name.as_str().starts_with("access-control-"))
}

#[actix_web::test]
async fn handler_origins_replace_the_app_origins_and_credentials() {
    let cors = app_cors();
    let app = test::init_service(
        App::new()
            .wrap(cors.clone())
            .service(cors.handlers((public, reports, metrics))),
    )
    .await;

    let res = test::call_service(&app, get("/api/public", OTHER).to_request()).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(acao(&res), Some("*"));
    assert_eq!(
        value(res.headers(), "access-control-allow-credentials"),
        None
    );
    // The handler did not override `expose`: the app's is inherited.
    assert_eq!(
        value(res.headers(), "access-control-expose-headers"),
        Some("x-request-id")
    );
    assert_eq!(test::read_body(res).await, "anyone may read this");
}

#[actix_web::test]
async fn handler_expose_replaces_the_app_expose_and_origins_are_inherited() {
    let cors = app_cors();
    let app = test::init_service(
        App::new()
            .wrap(cors.clone())
            .service(cors.handlers((public, reports, metrics))),
    )
    .await;

    let req = TestRequest::post()
        .uri("/api/reports")
        .insert_header((header::ORIGIN, APP))
        .to_request();
    let res = test::call_service(&app, req).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(acao(&res), Some(APP));
    assert_eq!(
        value(res.headers(), "access-control-allow-credentials"),
        Some("true")
    );
    assert_eq!(
        value(res.headers(), "access-control-expose-headers"),
        Some("x-report-id")
    );

    // The app's origins are inherited: another origin gets nothing.
    let req = TestRequest::post()
        .uri("/api/reports")
        .insert_header((header::ORIGIN, OTHER))
        .to_request();
    let res = test::call_service(&app, req).await;
    assert_eq!(res.status(), StatusCode::CREATED, "the handler still runs");
    assert!(no_cors_headers(&res));
    assert_eq!(value(res.headers(), "vary"), Some("Origin"));
}

#[actix_web::test]
async fn preflight_to_a_handler_path_is_answered_from_the_handler_policy() {
    let cors = app_cors();
    let app = test::init_service(
        App::new()
            .wrap(cors.clone())
            .service(cors.handlers((public, reports, metrics))),
    )
    .await;

    // The app only allows APP; the handler allows any origin.
    let req = preflight("/api/public", OTHER, "GET")
        .insert_header((header::ACCESS_CONTROL_REQUEST_HEADERS, "content-type"))
        .to_request();
    let res = test::call_service(&app, req).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(acao(&res), Some("*"));
    assert_eq!(
        acam(&res),
        Some("GET"),
        "the methods registered at the path"
    );
    assert_eq!(
        value(res.headers(), "access-control-allow-headers"),
        Some("content-type")
    );
    assert_eq!(value(res.headers(), "access-control-max-age"), Some("600"));

    // A method no annotated handler at the path answers is refused.
    let res =
        test::call_service(&app, preflight("/api/public", OTHER, "DELETE").to_request()).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(no_cors_headers(&res));
    assert_eq!(value(res.headers(), "vary"), Some(FULL_PREFLIGHT_VARY));

    // The merged policy of `reports` inherits the app's origins.
    let res = test::call_service(&app, preflight("/api/reports", OTHER, "POST").to_request()).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = test::call_service(&app, preflight("/api/reports", APP, "POST").to_request()).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(acao(&res), Some(APP));
    assert_eq!(acam(&res), Some("POST"));
}

#[actix_web::test]
async fn a_disabled_handler_gets_no_cors_headers_and_its_preflights_are_refused() {
    let cors = app_cors();
    let app = test::init_service(
        App::new()
            .wrap(cors.clone())
            .service(cors.handlers((public, reports, metrics))),
    )
    .await;

    let res = test::call_service(&app, get("/internal/metrics", APP).to_request()).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(no_cors_headers(&res), "{:?}", res.headers());
    assert_eq!(value(res.headers(), "vary"), None);

    let res = test::call_service(
        &app,
        preflight("/internal/metrics", APP, "GET").to_request(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(no_cors_headers(&res));
}

#[actix_web::test]
async fn the_app_middleware_still_answers_paths_without_annotated_handlers() {
    let cors = app_cors();
    let app = test::init_service(
        App::new()
            .wrap(cors.clone())
            .service(cors.handlers((public, reports, metrics)))
            .route("/plain", web::get().to(|| async { "plain" })),
    )
    .await;
    let res = test::call_service(&app, preflight("/plain", APP, "PATCH").to_request()).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(acam(&res), Some("GET, POST, PUT, PATCH, DELETE"));
    let res = test::call_service(&app, preflight("/plain", OTHER, "GET").to_request()).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = test::call_service(&app, get("/plain", APP).to_request()).await;
    assert_eq!(acao(&res), Some(APP));
}

#[cors(origins = ["https://app.example"])]
#[get("/shared")]
async fn shared_read() -> impl Responder {
    "read"
}

#[cors(origins = ["https://admin.example"], methods = ["DELETE"])]
#[delete("/shared")]
async fn shared_delete() -> impl Responder {
    HttpResponse::NoContent().finish()
}

#[actix_web::test]
async fn handlers_at_one_path_answer_preflights_each_with_its_own_policy() {
    let cors = app_cors();
    let app = test::init_service(
        App::new()
            .wrap(cors.clone())
            .service(cors.handlers((shared_read, shared_delete))),
    )
    .await;

    let res = test::call_service(&app, preflight("/shared", ADMIN, "DELETE").to_request()).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(acao(&res), Some(ADMIN));
    // GET's handler does not admit ADMIN, so only DELETE is listed.
    assert_eq!(acam(&res), Some("DELETE"));

    let res = test::call_service(&app, preflight("/shared", APP, "DELETE").to_request()).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    let res = test::call_service(&app, preflight("/shared", APP, "GET").to_request()).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(acao(&res), Some(APP));
    assert_eq!(acam(&res), Some("GET"));

    let req = TestRequest::delete()
        .uri("/shared")
        .insert_header((header::ORIGIN, ADMIN))
        .to_request();
    let res = test::call_service(&app, req).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(acao(&res), Some(ADMIN));
    let res = test::call_service(&app, get("/shared", ADMIN).to_request()).await;
    assert_eq!(acao(&res), None);
}

#[cors(methods = ["GET", "POST", "PURGE"])]
#[routes]
#[get("/multi/a")]
#[post("/multi/a")]
#[put("/multi/b", name = "multi_b")]
async fn multi() -> impl Responder {
    "multi"
}

#[cors(methods = ["PUT", "PATCH", "PURGE"])]
#[route("/items/{id}", method = "PUT", method = "PATCH", method = "PURGE")]
async fn item(id: web::Path<u32>) -> impl Responder {
    format!("item {id}")
}

#[actix_web::test]
async fn routes_and_route_register_every_path_and_method() {
    let cors = app_cors();
    let app = test::init_service(
        App::new()
            .wrap(cors.clone())
            .service(cors.handlers((multi, item))),
    )
    .await;

    let res = test::call_service(&app, preflight("/multi/a", APP, "POST").to_request()).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(acam(&res), Some("GET, POST"));
    // PUT is registered at /multi/b only, and the handler's methods refuse it.
    let res = test::call_service(&app, preflight("/multi/b", APP, "PUT").to_request()).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // No handler at /multi/a is registered for PUT: the app-wide policy
    // answers, naming only the requested method.
    let res = test::call_service(&app, preflight("/multi/a", APP, "PUT").to_request()).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(acam(&res), Some("PUT"));

    let res = test::call_service(&app, preflight("/items/7", APP, "PURGE").to_request()).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(acam(&res), Some("PUT, PATCH, PURGE"));

    for method in ["PUT", "PATCH", "PURGE"] {
        let req = TestRequest::default()
            .method(Method::from_bytes(method.as_bytes()).unwrap())
            .uri("/items/7")
            .insert_header((header::ORIGIN, APP))
            .to_request();
        let res = test::call_service(&app, req).await;
        assert_eq!(res.status(), StatusCode::OK, "{method}");
        assert_eq!(acao(&res), Some(APP), "{method}");
        assert_eq!(test::read_body(res).await, "item 7");
    }
    let req = TestRequest::put()
        .uri("/multi/b")
        .insert_header((header::ORIGIN, APP))
        .to_request();
    let res = test::call_service(&app, req).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(acao(&res), Some(APP));
}

fn only_json(ctx: &guard::GuardContext<'_>) -> bool {
    ctx.head()
        .headers()
        .get(header::ACCEPT)
        .is_some_and(|v| v.as_bytes() == b"application/json")
}

/// A middleware that sets `Access-Control-Allow-Origin: *` itself, as
/// legacy code does: the handler's layer, outermost, replaces it.
fn legacy_acao() -> DefaultHeaders {
    DefaultHeaders::new()
        .add(("access-control-allow-origin", "*"))
        .add(("x-inner", "1"))
}

#[cors(origins = ["https://admin.example"])]
#[get(
    "/keys",
    name = "keys_resource",
    guard = "only_json",
    wrap = "legacy_acao()"
)]
async fn keys(req: HttpRequest) -> impl Responder {
    req.url_for_static("keys_resource")
        .map(|url| url.path().to_owned())
        .unwrap_or_default()
}

#[actix_web::test]
async fn name_guard_and_wrap_apply_as_actix_applies_them_with_cors_outermost() {
    let cors = app_cors();
    let app = test::init_service(App::new().wrap(cors.clone()).service(cors.handlers(keys))).await;

    let req = get("/keys", ADMIN)
        .insert_header((header::ACCEPT, "application/json"))
        .to_request();
    let res = test::call_service(&app, req).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(value(res.headers(), "x-inner"), Some("1"), "wrap ran");
    assert_eq!(
        acao(&res),
        Some(ADMIN),
        "the CORS layer is outside the wrap"
    );
    assert_eq!(test::read_body(res).await, "/keys", "the resource is named");

    // The guard still decides which requests reach the handler.
    let res = test::call_service(&app, get("/keys", ADMIN).to_request()).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    // Preflights do not carry `Accept`; they are answered anyway.
    let res = test::call_service(&app, preflight("/keys", ADMIN, "GET").to_request()).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(acao(&res), Some(ADMIN));
}

#[cors(origins = ["https://admin.example"])]
#[get("/fail")]
async fn fail() -> Result<HttpResponse, error::Error> {
    Err(error::ErrorInternalServerError("the database is on fire"))
}

#[actix_web::test]
async fn error_responses_carry_the_handler_policy() {
    let cors = app_cors();
    let app = test::init_service(App::new().wrap(cors.clone()).service(cors.handlers(fail))).await;
    let res = test::call_service(&app, get("/fail", ADMIN).to_request()).await;
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(acao(&res), Some(ADMIN));
    let res = test::call_service(&app, get("/fail", APP).to_request()).await;
    assert_eq!(acao(&res), None, "the app's origin is replaced, not added");
}

#[actix_web::test]
async fn an_error_from_an_inner_wrap_carries_the_handler_policy() {
    #[cors(origins = ["https://admin.example"])]
    #[get("/guarded", wrap = "Refuse")]
    async fn guarded() -> impl Responder {
        "never"
    }

    let cors = app_cors();
    let app = test::init_service(
        App::new()
            .wrap(cors.clone())
            .service(cors.handlers(guarded)),
    )
    .await;
    // The error stays an error until the server turns it into a response,
    // with the mappers each layer added.
    let err = test::try_call_service(&app, get("/guarded", ADMIN).to_request())
        .await
        .unwrap_err();
    let res = err.error_response();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        value(res.headers(), "access-control-allow-origin"),
        Some(ADMIN)
    );
    // The app-wide middleware's mapper leaves it alone: APP is allowed
    // app-wide, not by this handler.
    let err = test::try_call_service(&app, get("/guarded", APP).to_request())
        .await
        .unwrap_err();
    let res = err.error_response();
    assert_eq!(value(res.headers(), "access-control-allow-origin"), None);
    assert_eq!(value(res.headers(), "vary"), Some("Origin"));
}

/// A middleware failing every request with an error (not a response).
struct Refuse;

impl<S, B> actix_web::dev::Transform<S, ServiceRequest> for Refuse
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = error::Error>,
{
    type Response = ServiceResponse<B>;
    type Error = error::Error;
    type Transform = RefuseService<B>;
    type InitError = ();
    type Future = std::future::Ready<Result<RefuseService<B>, ()>>;

    fn new_transform(&self, _service: S) -> Self::Future {
        std::future::ready(Ok(RefuseService(std::marker::PhantomData)))
    }
}

struct RefuseService<B>(std::marker::PhantomData<B>);

impl<B> Service<ServiceRequest> for RefuseService<B> {
    type Response = ServiceResponse<B>;
    type Error = error::Error;
    type Future = std::future::Ready<Result<ServiceResponse<B>, error::Error>>;

    actix_web::dev::always_ready!();

    fn call(&self, _req: ServiceRequest) -> Self::Future {
        std::future::ready(Err(error::ErrorUnauthorized("no")))
    }
}

#[cors(origins = ["*"])]
#[get("/wildcard")]
async fn wildcard() -> impl Responder {
    "*"
}

#[test]
fn an_invalid_merge_is_refused_when_the_app_is_built_naming_the_handler() {
    // The app allows credentials; the handler says any origin: only the
    // merge is invalid, so only the runtime can tell.
    let err = app_cors().try_handlers((public, wildcard)).unwrap_err();
    assert_eq!(err.problems().len(), 1);
    assert!(
        err.to_string().starts_with(
            "credentials are allowed (builder method `allow_credentials`) together with any \
             origin (`#[cors(origins = …)]` on handler `wildcard` at `/wildcard`)"
        ),
        "{err}"
    );
    let panic = std::panic::catch_unwind(|| app_cors().handlers(wildcard)).unwrap_err();
    let message = panic.downcast_ref::<String>().expect("a formatted panic");
    assert!(
        message.contains("on handler `wildcard` at `/wildcard`"),
        "{message}"
    );

    // Without app-wide credentials, the same handler is fine.
    let cors = Cors::builder().allowed_origin(APP).build().unwrap();
    assert!(cors.try_handlers(wildcard).is_ok());
}

#[actix_web::test]
async fn disallowed_origins_are_blocked_by_the_handler_policy_when_blocking_is_on() {
    let cors = app_builder()
        .block_disallowed_origins(true)
        .build()
        .unwrap();
    let app = test::init_service(
        App::new()
            .wrap(cors.clone())
            .service(cors.handlers((public, shared_delete))),
    )
    .await;
    // The app would block OTHER; the handler allows any origin.
    let res = test::call_service(&app, get("/api/public", OTHER).to_request()).await;
    assert_eq!(res.status(), StatusCode::OK);
    // The handler allows ADMIN only: APP, allowed app-wide, is blocked here.
    let req = TestRequest::delete()
        .uri("/shared")
        .insert_header((header::ORIGIN, APP))
        .to_request();
    let res = test::call_service(&app, req).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let req = TestRequest::delete()
        .uri("/shared")
        .insert_header((header::ORIGIN, ADMIN))
        .to_request();
    let res = test::call_service(&app, req).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
}

#[actix_web::test]
async fn handlers_work_without_the_app_wide_middleware_and_inside_scopes() {
    let cors = app_cors();
    let app = test::init_service(
        App::new().service(web::scope("/v1").service(cors.handlers((public, reports)))),
    )
    .await;
    let res =
        test::call_service(&app, preflight("/v1/api/public", OTHER, "GET").to_request()).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(acao(&res), Some("*"));
    let res = test::call_service(&app, get("/v1/api/public", OTHER).to_request()).await;
    assert_eq!(acao(&res), Some("*"));

    let app = test::init_service(
        App::new()
            .wrap(cors.clone())
            .service(web::scope("/v1").service(cors.handlers((public, reports)))),
    )
    .await;
    let res =
        test::call_service(&app, preflight("/v1/api/public", OTHER, "GET").to_request()).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(acao(&res), Some("*"));
}

#[cors(origins = ["https://admin.example"])]
#[options("/opt")]
async fn opt() -> impl Responder {
    HttpResponse::Ok()
        .insert_header(("allow", "GET, OPTIONS"))
        .finish()
}

#[actix_web::test]
async fn a_plain_options_request_reaches_an_options_handler() {
    let cors = app_cors();
    let app = test::init_service(App::new().wrap(cors.clone()).service(cors.handlers(opt))).await;
    let req = TestRequest::default()
        .method(Method::OPTIONS)
        .uri("/opt")
        .insert_header((header::ORIGIN, ADMIN))
        .to_request();
    let res = test::call_service(&app, req).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(value(res.headers(), "allow"), Some("GET, OPTIONS"));
    assert_eq!(acao(&res), Some(ADMIN));
}

#[cors(origins = ["https://admin.example"])]
#[head("/h")]
async fn head_only() -> impl Responder {
    HttpResponse::Ok()
}

#[cors(origins = ["https://admin.example"])]
#[patch("/p")]
async fn patch_only() -> impl Responder {
    HttpResponse::Ok()
}

#[actix_web::test]
async fn every_method_attribute_registers_its_method() {
    let cors = app_cors();
    let app = test::init_service(
        App::new()
            .wrap(cors.clone())
            .service(cors.handlers((head_only, patch_only))),
    )
    .await;
    let res = test::call_service(&app, preflight("/h", ADMIN, "HEAD").to_request()).await;
    assert_eq!(acam(&res), Some("HEAD"));
    let res = test::call_service(&app, preflight("/p", ADMIN, "PATCH").to_request()).await;
    assert_eq!(acam(&res), Some("PATCH"));
    let req = TestRequest::default()
        .method(Method::PATCH)
        .uri("/p")
        .insert_header((header::ORIGIN, ADMIN))
        .to_request();
    let res = test::call_service(&app, req).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(acao(&res), Some(ADMIN));
}

// ---------------------------------------------------------------------------
// The methods a handler's routes declare, the log, and two apps at once
// ---------------------------------------------------------------------------

const ADMIN_COM: &str = "https://admin.example.com";

/// One captured event: its level, message and other fields.
#[derive(Clone, Debug)]
struct Record {
    level: Level,
    message: String,
    fields: BTreeMap<String, String>,
}

impl Record {
    fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }
}

#[derive(Default)]
struct Fields(BTreeMap<String, String>);

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
}

struct Recorder(Arc<Mutex<Vec<Record>>>);

impl<S: Subscriber> Layer<S> for Recorder {
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let mut fields = Fields::default();
        event.record(&mut fields);
        let message = fields.0.remove("message").unwrap_or_default();
        self.0.lock().unwrap().push(Record {
            level: *event.metadata().level(),
            message,
            fields: fields.0,
        });
    }
}

/// Every event of this thread, at every level, while it lives.
struct Logs {
    records: Arc<Mutex<Vec<Record>>>,
    _guard: tracing::subscriber::DefaultGuard,
}

impl Logs {
    fn capture() -> Logs {
        // Each callsite caches whether any subscriber listens. While a single
        // subscriber is registered, tracing asks only the registering
        // thread's, so a callsite first reached by a test without one would
        // be cached as off for every thread. A global subscriber listening
        // to everything (and keeping nothing) rules that out; each test's
        // own subscriber still receives its thread's events.
        static GLOBAL: std::sync::Once = std::sync::Once::new();
        GLOBAL.call_once(|| {
            let listen_to_all =
                tracing_subscriber::registry().with(tracing_subscriber::filter::LevelFilter::TRACE);
            tracing::subscriber::set_global_default(listen_to_all)
                .expect("no other global subscriber in this test binary");
        });
        let records = Arc::new(Mutex::new(Vec::new()));
        let subscriber = tracing_subscriber::registry()
            .with(tracing_subscriber::filter::LevelFilter::TRACE)
            .with(Recorder(Arc::clone(&records)));
        Logs {
            records,
            _guard: tracing::subscriber::set_default(subscriber),
        }
    }

    /// The events captured since the last call.
    fn take(&self) -> Vec<Record> {
        std::mem::take(&mut *self.records.lock().unwrap())
    }

    /// The one `warn` event with this `reason` among those captured since
    /// the last call; fails the test unless there is exactly one.
    fn warning(&self, reason: &str) -> Record {
        self.warning_field("reason", reason)
    }

    /// The one `warn` event whose field `name` is `value` among those
    /// captured since the last call; fails the test unless there is exactly
    /// one.
    fn warning_field(&self, name: &str, value: &str) -> Record {
        let records = self.take();
        let found: Vec<&Record> = records
            .iter()
            .filter(|r| r.level == Level::WARN && r.field(name) == Some(value))
            .collect();
        assert_eq!(
            found.len(),
            1,
            "one `{name} = {value}` warning in {records:#?}"
        );
        found[0].clone()
    }
}

/// The app-wide policy with the default methods (`GET, HEAD, POST`).
fn default_methods_builder() -> CorsBuilder {
    Cors::builder()
        .allowed_origin(APP)
        .allowed_headers(["content-type"])
}

#[cors(origins = ["https://admin.example.com"])]
#[get("/api/admin/{id}")]
async fn admin_read(id: web::Path<u32>) -> impl Responder {
    format!("admin {id}")
}

#[cors(origins = ["https://admin.example.com"])]
#[delete("/api/admin/{id}")]
async fn admin_delete(_id: web::Path<u32>) -> impl Responder {
    HttpResponse::NoContent().finish()
}

#[cors]
#[route("/api/things/{id}", method = "PUT", method = "PATCH", method = "PURGE")]
async fn thing(id: web::Path<u32>) -> impl Responder {
    format!("thing {id}")
}

#[actix_web::test]
async fn a_handler_without_methods_allows_the_methods_it_is_registered_for() {
    let cors = default_methods_builder().build().unwrap();
    let app = test::init_service(
        App::new()
            .wrap(cors.clone())
            .service(cors.handlers((admin_read, admin_delete, thing)))
            .route("/plain", web::delete().to(HttpResponse::NoContent)),
    )
    .await;

    // The case: `DELETE` is not among the app-wide methods, but the
    // handler is registered for it.
    let res = test::call_service(
        &app,
        preflight("/api/admin/42", ADMIN_COM, "DELETE").to_request(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(acao(&res), Some(ADMIN_COM));
    assert_eq!(
        acam(&res),
        Some("GET, DELETE"),
        "the methods registered at the path, in registration order"
    );
    let req = TestRequest::delete()
        .uri("/api/admin/42")
        .insert_header((header::ORIGIN, ADMIN_COM))
        .to_request();
    let res = test::call_service(&app, req).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(acao(&res), Some(ADMIN_COM));

    // Every method of a `#[route]`, custom ones included; origins inherited.
    for method in ["PUT", "PATCH", "PURGE"] {
        let res =
            test::call_service(&app, preflight("/api/things/1", APP, method).to_request()).await;
        assert_eq!(res.status(), StatusCode::NO_CONTENT, "{method}");
        assert_eq!(acam(&res), Some("PUT, PATCH, PURGE"), "{method}");
    }
    let res = test::call_service(
        &app,
        preflight("/api/things/1", ADMIN_COM, "PUT").to_request(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // Only registered methods: PUT has no handler at the admin path.
    let res = test::call_service(
        &app,
        preflight("/api/admin/42", ADMIN_COM, "PUT").to_request(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // The app-wide policy is left as it was.
    assert!(!cors.policy().allows_method("DELETE"));
    let res = test::call_service(&app, preflight("/plain", APP, "DELETE").to_request()).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

#[cors(methods = ["PUT"])]
#[routes]
#[put("/api/docs/{id}")]
#[delete("/api/docs/{id}")]
async fn docs(id: web::Path<u32>) -> impl Responder {
    format!("doc {id}")
}

#[actix_web::test]
async fn a_handler_with_methods_refuses_its_registered_methods_outside_them_and_says_so() {
    let logs = Logs::capture();
    // The app allows DELETE; the handler's `methods` replaces that list.
    let cors = app_cors();
    let handlers = cors.handlers(docs);
    let warning = logs.warning_field("warning", "registered-method-not-allowed");
    assert_eq!(warning.field("handler"), Some("docs"));
    assert_eq!(warning.field("path"), Some("/api/docs/{id}"));
    assert_eq!(warning.field("methods"), Some("DELETE"));
    assert_eq!(warning.field("allowed"), Some("PUT"));
    assert_eq!(
        warning.message,
        "CORS policy of `#[cors]` handler `docs` at `/api/docs/{id}`: it is registered for \
         DELETE, but its `#[cors(methods = …)]` does not allow it (allowed: PUT), so \
         cross-origin preflights for DELETE will be refused; add it to `methods`, or remove \
         `methods` to allow the app-wide methods plus the handler's own"
    );

    let app = test::init_service(App::new().wrap(cors.clone()).service(handlers)).await;
    logs.take();
    let res = test::call_service(&app, preflight("/api/docs/7", APP, "PUT").to_request()).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(acam(&res), Some("PUT"), "DELETE's policy refuses DELETE");

    let res = test::call_service(&app, preflight("/api/docs/7", APP, "DELETE").to_request()).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let refusal = logs.warning("method-not-allowed");
    assert_eq!(refusal.field("requested_method"), Some("DELETE"));
    assert_eq!(
        refusal.field("setting"),
        Some("`#[cors(methods = …)]` on handler `docs` at `/api/docs/{id}`")
    );
    assert!(
        refusal.message.starts_with(
            "CORS preflight for DELETE /api/docs/7 from `https://app.example` rejected: method \
             `DELETE` is not in the allowed methods (allowed: PUT); add it to \
             `#[cors(methods = …)]` on handler `docs` at `/api/docs/{id}`"
        ),
        "{}",
        refusal.message
    );

    // The actual request still reaches the handler (the browser would not
    // have sent it), with the handler's origins.
    let req = TestRequest::delete()
        .uri("/api/docs/7")
        .insert_header((header::ORIGIN, APP))
        .to_request();
    let res = test::call_service(&app, req).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(acao(&res), Some(APP));
}

#[test]
fn each_cors_logs_its_handler_policies_once_and_never_for_another() {
    let logs = Logs::capture();
    let count = |logs: &Logs| {
        logs.take()
            .iter()
            .filter(|r| {
                r.level == Level::DEBUG
                    && r.field("handler") == Some("admin_delete")
                    && r.message.starts_with("CORS policy of `#[cors]` handler: ")
            })
            .count()
    };
    let first = default_methods_builder().build().unwrap();
    let _ = first.handlers(admin_delete);
    assert_eq!(count(&logs), 1);
    // Again, as each worker does, and through a clone: already said.
    let _ = first.handlers(admin_delete);
    let _ = first.clone().handlers(admin_delete);
    assert_eq!(count(&logs), 0);
    // Another `Cors` with the same policy keeps its own record.
    let second = default_methods_builder().build().unwrap();
    let _ = second.handlers(admin_delete);
    assert_eq!(count(&logs), 1);
}

#[test]
fn handlers_warn_only_about_risky_choices_of_their_own() {
    let logs = Logs::capture();
    // The app-wide policy's own risk (a port wildcard) is the app-wide
    // summary's to report, not every handler's that inherits it.
    let cors = Cors::builder()
        .allowed_origin("http://localhost:*")
        .build()
        .unwrap();
    let _ = cors.handlers((profile, public));
    let warnings: Vec<Record> = logs
        .take()
        .into_iter()
        .filter(|r| {
            r.level == Level::WARN && r.message.starts_with("CORS policy of `#[cors]` handler: ")
        })
        .collect();
    let handlers: Vec<Option<&str>> = warnings.iter().map(|r| r.field("handler")).collect();
    assert_eq!(handlers, [Some("public")], "{}", warnings.len());
    assert!(
        warnings[0].message.contains("any origin"),
        "{}",
        warnings[0].message
    );
}

/// Every CORS header and `Vary`, sorted by name: the exact answer.
fn cors_headers<B>(res: &ServiceResponse<B>) -> Vec<(String, String)> {
    let mut headers: Vec<(String, String)> = res
        .headers()
        .iter()
        .filter(|(name, _)| name.as_str().starts_with("access-control-") || *name == header::VARY)
        .map(|(name, value)| (name.as_str().to_owned(), value.to_str().unwrap().to_owned()))
        .collect();
    headers.sort();
    headers
}

fn exact(headers: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut headers: Vec<(String, String)> = headers
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect();
    headers.sort();
    headers
}

#[cors]
#[get("/api/profile")]
async fn profile() -> impl Responder {
    HttpResponse::Ok()
        .insert_header(("x-request-id", "p-1"))
        .body("profile")
}

#[actix_web::test]
async fn two_apps_with_different_policies_never_see_each_other() {
    // App A: one front end, credentials. App B: another, none.
    let cors_a = Cors::builder()
        .allowed_origin(APP)
        .allowed_headers(["content-type"])
        .expose_headers(["x-request-id"])
        .allow_credentials(true)
        .max_age(600)
        .build()
        .unwrap();
    let cors_b = Cors::builder()
        .allowed_origin(OTHER)
        .allowed_headers(["x-api-key"])
        .expose_headers(["x-trace-id"])
        .max_age(60)
        .build()
        .unwrap();
    let app_a = test::init_service(App::new().wrap(cors_a.clone()).service(cors_a.handlers((
        profile,
        reports,
        admin_delete,
    ))))
    .await;
    let app_b = test::init_service(App::new().wrap(cors_b.clone()).service(cors_b.handlers((
        profile,
        reports,
        admin_delete,
    ))))
    .await;

    // `#[cors]` alone: each app's own policy, whole.
    let res = test::call_service(&app_a, get("/api/profile", APP).to_request()).await;
    assert_eq!(
        cors_headers(&res),
        exact(&[
            ("access-control-allow-origin", APP),
            ("access-control-allow-credentials", "true"),
            ("access-control-expose-headers", "x-request-id"),
            ("vary", "Origin"),
        ])
    );
    let res = test::call_service(&app_b, get("/api/profile", APP).to_request()).await;
    assert_eq!(cors_headers(&res), exact(&[("vary", "Origin")]));
    let res = test::call_service(&app_b, get("/api/profile", OTHER).to_request()).await;
    assert_eq!(
        cors_headers(&res),
        exact(&[
            ("access-control-allow-origin", OTHER),
            ("access-control-expose-headers", "x-trace-id"),
            ("vary", "Origin"),
        ])
    );
    let res = test::call_service(&app_a, get("/api/profile", OTHER).to_request()).await;
    assert_eq!(cors_headers(&res), exact(&[("vary", "Origin")]));

    // `expose` replaced, the rest inherited from each app.
    let req = preflight("/api/reports", APP, "POST")
        .insert_header((header::ACCESS_CONTROL_REQUEST_HEADERS, "content-type"))
        .to_request();
    let res = test::call_service(&app_a, req).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        cors_headers(&res),
        exact(&[
            ("access-control-allow-origin", APP),
            ("access-control-allow-credentials", "true"),
            ("access-control-allow-methods", "POST"),
            ("access-control-allow-headers", "content-type"),
            ("access-control-max-age", "600"),
            ("vary", FULL_PREFLIGHT_VARY),
        ])
    );
    let req = preflight("/api/reports", OTHER, "POST")
        .insert_header((header::ACCESS_CONTROL_REQUEST_HEADERS, "x-api-key"))
        .to_request();
    let res = test::call_service(&app_b, req).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        cors_headers(&res),
        exact(&[
            ("access-control-allow-origin", OTHER),
            ("access-control-allow-methods", "POST"),
            ("access-control-allow-headers", "x-api-key"),
            ("access-control-max-age", "60"),
            ("vary", FULL_PREFLIGHT_VARY),
        ])
    );
    let req = preflight("/api/reports", APP, "POST").to_request();
    assert_eq!(
        test::call_service(&app_b, req).await.status(),
        StatusCode::FORBIDDEN
    );
    let req = TestRequest::post()
        .uri("/api/reports")
        .insert_header((header::ORIGIN, OTHER))
        .to_request();
    let res = test::call_service(&app_b, req).await;
    assert_eq!(
        cors_headers(&res),
        exact(&[
            ("access-control-allow-origin", OTHER),
            ("access-control-expose-headers", "x-report-id"),
            ("vary", "Origin"),
        ])
    );

    // `origins` replaced: the same admin origin in both apps, each with
    // its own credentials and max-age.
    let res = test::call_service(
        &app_a,
        preflight("/api/admin/1", ADMIN_COM, "DELETE").to_request(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        cors_headers(&res),
        exact(&[
            ("access-control-allow-origin", ADMIN_COM),
            ("access-control-allow-credentials", "true"),
            ("access-control-allow-methods", "DELETE"),
            ("access-control-max-age", "600"),
            ("vary", FULL_PREFLIGHT_VARY),
        ])
    );
    let res = test::call_service(
        &app_b,
        preflight("/api/admin/1", ADMIN_COM, "DELETE").to_request(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        cors_headers(&res),
        exact(&[
            ("access-control-allow-origin", ADMIN_COM),
            ("access-control-allow-methods", "DELETE"),
            ("access-control-max-age", "60"),
            ("vary", FULL_PREFLIGHT_VARY),
        ])
    );
}

#[actix_web::test]
async fn refused_preflights_to_generated_routes_are_explained_in_the_log() {
    let logs = Logs::capture();
    let cors = default_methods_builder()
        .rejection_header(true)
        .build()
        .unwrap();
    let app = test::init_service(App::new().wrap(cors.clone()).service(cors.handlers((
        admin_read,
        admin_delete,
        reports,
        metrics,
    ))))
    .await;
    logs.take();

    // A method no handler at the path is registered for: the app-wide
    // policy owns it, and explains its own refusal.
    let res = test::call_service(
        &app,
        preflight("/api/admin/42", ADMIN_COM, "PUT").to_request(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        value(res.headers(), "x-cors-rejected"),
        Some(
            "origin-not-allowed: origin `https://admin.example.com` is not in the allowed origins"
        )
    );
    let record = logs.warning("origin-not-allowed");
    assert_eq!(record.field("origin"), Some(ADMIN_COM));
    assert_eq!(record.field("requested_method"), Some("PUT"));
    assert_eq!(record.field("path"), Some("/api/admin/42"));

    // A handler with CORS turned off.
    let res = test::call_service(
        &app,
        preflight("/internal/metrics", APP, "GET").to_request(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let record = logs.warning("handler-cors-disabled");
    assert_eq!(record.field("origin"), Some(APP));
    assert_eq!(record.field("method"), Some("OPTIONS"));
    assert_eq!(record.field("requested_method"), Some("GET"));
    assert_eq!(record.field("path"), Some("/internal/metrics"));
    assert_eq!(record.field("handler"), Some("metrics"));
    assert_eq!(
        record.message,
        "CORS preflight for GET /internal/metrics from `https://app.example` rejected: handler \
         `metrics` has CORS turned off (`#[cors(disable)]`); answered 403, so the browser will \
         not send the GET request; if pages on other origins must call it, replace `disable` \
         on `metrics` with the settings they need (`#[cors]` alone for the app-wide policy)"
    );

    // A refusal by the handler's policy names the requested method and
    // every header the policy lacks.
    let req = preflight("/api/reports", APP, "POST")
        .insert_header((
            header::ACCESS_CONTROL_REQUEST_HEADERS,
            "x-a, content-type, x-b",
        ))
        .to_request();
    let res = test::call_service(&app, req).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let record = logs.warning("header-not-allowed");
    assert_eq!(record.field("requested_method"), Some("POST"));
    assert_eq!(record.field("path"), Some("/api/reports"));
    assert!(
        record.message.starts_with(
            "CORS preflight for POST /api/reports from `https://app.example` rejected: request \
             header `x-a` is not in the allowed headers (allowed: content-type); add every \
             header the preflight asks for and the policy lacks (`x-a`, `x-b`) to"
        ),
        "{}",
        record.message
    );
    assert!(
        record
            .message
            .ends_with("answered 403, so the browser will not send the POST request"),
        "{}",
        record.message
    );
}

#[actix_web::test]
async fn a_request_blocked_by_a_handler_policy_is_explained_as_blocked() {
    let logs = Logs::capture();
    let cors = default_methods_builder()
        .block_disallowed_origins(true)
        .build()
        .unwrap();
    let app = test::init_service(
        App::new()
            .wrap(cors.clone())
            .service(cors.handlers(admin_delete)),
    )
    .await;
    logs.take();
    let req = TestRequest::delete()
        .uri("/api/admin/3")
        .insert_header((header::ORIGIN, APP))
        .to_request();
    let res = test::call_service(&app, req).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let record = logs.warning("origin-not-allowed");
    assert_eq!(record.field("method"), Some("DELETE"));
    assert_eq!(record.field("kind"), Some("request"));
    assert!(
        record
            .message
            .ends_with("answered 403 without running the handler (`block_disallowed_origins`)"),
        "{}",
        record.message
    );
}

// --- `timing_allow_origin` (issue 16, item 4) -----------------------------------------

#[cors(timing_allow_origin = true)]
#[get("/api/timed")]
async fn timed() -> impl Responder {
    "timed"
}

#[cors(origins = ["*"], credentials = false, timing_allow_origin = true)]
#[get("/api/timed-public")]
async fn timed_public() -> impl Responder {
    "timed for anyone"
}

fn tao<B>(res: &ServiceResponse<B>) -> Option<&str> {
    value(res.headers(), "timing-allow-origin")
}

#[actix_web::test]
async fn a_timing_allow_origin_handler_sends_it_and_its_neighbours_do_not() {
    let cors = app_cors();
    let app = test::init_service(App::new().wrap(cors.clone()).service(cors.handlers((
        timed,
        timed_public,
        public,
    ))))
    .await;

    // The app's origin and credentials are inherited: the origin is echoed.
    let res = test::call_service(&app, get("/api/timed", APP).to_request()).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(tao(&res), Some(APP));
    assert_eq!(acao(&res), Some(APP));
    assert_eq!(value(res.headers(), "vary"), Some("Origin"));

    // A refused origin, and the handler's preflight, get none.
    let res = test::call_service(&app, get("/api/timed", OTHER).to_request()).await;
    assert_eq!(tao(&res), None);
    let res = test::call_service(&app, preflight("/api/timed", APP, "GET").to_request()).await;
    assert!(res.status().is_success(), "{}", res.status());
    assert_eq!(acao(&res), Some(APP));
    assert_eq!(tao(&res), None);

    // Under `*`, `*` and no `Vary`.
    let res = test::call_service(&app, get("/api/timed-public", OTHER).to_request()).await;
    assert_eq!(tao(&res), Some("*"));
    assert_eq!(value(res.headers(), "vary"), None);

    // A handler without the key inherits the app's setting (off).
    let res = test::call_service(&app, get("/api/public", OTHER).to_request()).await;
    assert_eq!(acao(&res), Some("*"));
    assert_eq!(tao(&res), None);

    // With the app's setting on, a handler without the key inherits it.
    let on = app_builder().timing_allow_origin(true).build().unwrap();
    let app = test::init_service(
        App::new()
            .wrap(on.clone())
            .service(on.handlers(public))
            .route("/plain", web::get().to(HttpResponse::Ok)),
    )
    .await;
    let res = test::call_service(&app, get("/api/public", OTHER).to_request()).await;
    assert_eq!(tao(&res), Some("*"));
    let res = test::call_service(&app, get("/plain", APP).to_request()).await;
    assert_eq!(tao(&res), Some(APP));
}

#[cors(timing_allow_origin = false)]
#[get("/api/untimed")]
async fn untimed() -> impl Responder {
    "untimed"
}

#[actix_web::test]
async fn timing_allow_origin_false_turns_the_app_setting_off_for_that_handler() {
    let on = app_builder().timing_allow_origin(true).build().unwrap();
    let app = test::init_service(
        App::new()
            .wrap(on.clone())
            .service(on.handlers((untimed, timed))),
    )
    .await;
    let res = test::call_service(&app, get("/api/untimed", APP).to_request()).await;
    assert_eq!(acao(&res), Some(APP));
    assert_eq!(tao(&res), None);
    let res = test::call_service(&app, get("/api/timed", APP).to_request()).await;
    assert_eq!(tao(&res), Some(APP));
}
