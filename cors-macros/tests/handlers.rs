//! `#[cors(...)]` handlers on real actix apps, through `actix_web::test`:
//! each handler answers with its merged policy, preflights to its paths are
//! answered from the handlers registered there, and the app-wide middleware
//! leaves both alone.

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
    let res = test::call_service(&app, preflight("/multi/a", APP, "PUT").to_request()).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

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
