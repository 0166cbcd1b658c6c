//! The three stacks the middleware is measured on, and the requests each
//! scenario sends: shared by `benches/middleware.rs` and
//! `tests/allocations.rs` (included with `#[path]`; not a bench itself), so
//! the allocation counts and the timings are of the same services.

use std::future::{ready, Ready};

use actix_service::{Service, Transform};
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName};
use actix_web::http::Method;
use actix_web::test::TestRequest;
use actix_web::{web, HttpMessage, HttpResponse};
use futures_util::future::{FutureExt, Map};

pub(crate) const ALLOWED: &str = "https://app.example.com";
pub(crate) const DISALLOWED: &str = "https://evil.example";
/// An origin only the asynchronous origin check allows.
pub(crate) const CHECKED: &str = "https://tenant.example.com";

/// The scenarios: a name, and the request each sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Scenario {
    /// `OPTIONS` from the allowed origin asking for `PUT` and two headers.
    PreflightAllowed,
    /// `GET` from the allowed origin.
    ActualAllowed,
    /// `GET` from a disallowed origin: the handler runs, no CORS headers.
    ActualDisallowed,
    /// `GET` without `Origin`: not a CORS request.
    NoOrigin,
    /// `OPTIONS` from a disallowed origin.
    PreflightRejected,
    /// `POST` from the allowed origin's page (`Sec-Fetch-Site: cross-site`),
    /// for the cost of cross-origin protection.
    PostAllowed,
    /// `GET` from an origin only the origin check allows (answer remembered).
    ActualChecked,
}

pub(crate) const SCENARIOS: [Scenario; 5] = [
    Scenario::PreflightAllowed,
    Scenario::ActualAllowed,
    Scenario::ActualDisallowed,
    Scenario::NoOrigin,
    Scenario::PreflightRejected,
];

impl Scenario {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Scenario::PreflightAllowed => "preflight-allowed",
            Scenario::ActualAllowed => "actual-allowed",
            Scenario::ActualDisallowed => "actual-disallowed",
            Scenario::NoOrigin => "no-origin",
            Scenario::PreflightRejected => "preflight-rejected",
            Scenario::PostAllowed => "post-allowed",
            Scenario::ActualChecked => "actual-checked",
        }
    }

    pub(crate) fn request(self) -> TestRequest {
        let preflight = |origin: &str| {
            TestRequest::default()
                .method(Method::OPTIONS)
                .uri("/api/items")
                .insert_header((header::ORIGIN, origin))
                .insert_header((header::ACCESS_CONTROL_REQUEST_METHOD, "PUT"))
                .insert_header((
                    header::ACCESS_CONTROL_REQUEST_HEADERS,
                    "content-type,x-requested-with",
                ))
        };
        let get = || TestRequest::get().uri("/api/items");
        match self {
            Scenario::PreflightAllowed => preflight(ALLOWED),
            Scenario::ActualAllowed => get().insert_header((header::ORIGIN, ALLOWED)),
            Scenario::ActualDisallowed => get().insert_header((header::ORIGIN, DISALLOWED)),
            Scenario::NoOrigin => get(),
            Scenario::PreflightRejected => preflight(DISALLOWED),
            Scenario::PostAllowed => TestRequest::post()
                .uri("/api/items")
                .insert_header((header::ORIGIN, ALLOWED))
                .insert_header(("sec-fetch-site", "cross-site")),
            Scenario::ActualChecked => get().insert_header((header::ORIGIN, CHECKED)),
        }
    }
}

/// Makes `req`'s header values what a server's are: slices of one shared
/// buffer, which cloning only counts (actix-http's h1 decoder freezes the
/// read buffer and slices each value from it). `TestRequest` copies each
/// value into a buffer of its own, promoted to a shared one (an allocation)
/// on its first clone, which no server request pays.
pub(crate) fn shared_headers<R: HttpMessage>(req: R) -> R {
    for (_, value) in req.headers().iter() {
        drop(value.clone());
    }
    req
}

async fn list_items() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("x-request-id", "req-1"))
        .content_type("application/json")
        .body(r#"[{"id":1,"name":"first"},{"id":2,"name":"second"}]"#)
}

async fn create_item(body: web::Bytes) -> HttpResponse {
    HttpResponse::Created().body(body)
}

async fn update_item(id: web::Path<u32>) -> HttpResponse {
    let _ = id.into_inner();
    HttpResponse::NoContent().finish()
}

/// What the no-middleware stack answers an `OPTIONS` request with.
async fn bare_preflight() -> HttpResponse {
    HttpResponse::NoContent().finish()
}

/// The same routes for every stack; the `OPTIONS` routes only ever run in
/// the `none` stack (both middlewares answer preflights before routing).
pub(crate) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/items")
            .route(web::get().to(list_items))
            .route(web::post().to(create_item))
            .route(web::route().method(Method::OPTIONS).to(bare_preflight)),
    )
    .service(
        web::resource("/api/items/{id}")
            .route(web::put().to(update_item))
            .route(web::route().method(Method::OPTIONS).to(bare_preflight)),
    );
}

pub(crate) fn actix_cors() -> actix_cors::Cors {
    actix_cors::Cors::default()
        .allowed_origin(ALLOWED)
        .allowed_methods(["GET", "POST", "PUT"])
        .allowed_headers([
            header::CONTENT_TYPE,
            HeaderName::from_static("x-requested-with"),
        ])
        .expose_headers(["x-request-id"])
        .max_age(600)
        // Our behaviour: a disallowed origin's actual request runs the
        // handler and gets no CORS headers (0.7's default, made explicit).
        .block_on_origin_mismatch(false)
}

fn cors_actix_builder() -> cors_actix::CorsBuilder {
    cors_actix::Cors::builder()
        .allowed_origin(ALLOWED)
        .allowed_methods(["GET", "POST", "PUT"])
        .allowed_headers(["content-type", "x-requested-with"])
        .expose_headers(["x-request-id"])
        .max_age(600)
}

pub(crate) fn cors_actix() -> cors_actix::Cors {
    cors_actix_builder().build().expect("valid policy")
}

/// The same policy with cross-origin protection on.
pub(crate) fn cors_actix_protected() -> cors_actix::Cors {
    cors_actix_builder()
        .cross_origin_protection(true)
        .build()
        .expect("valid policy")
}

/// The same policy, with an origin check that allows [`CHECKED`].
pub(crate) fn cors_actix_checked() -> cors_actix::Cors {
    cors_actix_builder()
        .allowed_origin_async(|origin: String| async move { origin == CHECKED })
        .build()
        .expect("valid policy")
}

/// A `#[cors]` handler elsewhere in the app, so the measured routes share
/// the app with a generated preflight resource.
#[cors_actix::cors(expose = ["x-other"])]
#[actix_web::get("/api/other")]
async fn other() -> HttpResponse {
    HttpResponse::Ok().finish()
}

/// [`routes`] plus one `#[cors]` handler at another path.
pub(crate) fn routes_with_handler(cfg: &mut web::ServiceConfig, cors: &cors_actix::Cors) {
    cfg.service(cors.handlers(other));
    routes(cfg);
}

/// The least a CORS middleware can cost in actix-web, whatever it decides:
/// an identity middleware whose responses are `EitherBody` (as every CORS
/// middleware's are, since it answers some requests itself) and whose
/// future is not boxed. The `passthrough` stack wraps it; what it adds to
/// `none` is the floor the goal table's ratios are read against.
pub(crate) struct Passthrough;

/// [`Passthrough`]'s service.
pub(crate) struct PassthroughService<S> {
    service: S,
}

type Respond<B> = fn(
    Result<ServiceResponse<B>, actix_web::Error>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error>;

impl<S, B> Transform<S, ServiceRequest> for Passthrough
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Transform = PassthroughService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(PassthroughService { service }))
    }
}

impl<S, B> Service<ServiceRequest> for PassthroughService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Future = Map<S::Future, Respond<B>>;

    actix_service::forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let respond: Respond<B> = |res| res.map(ServiceResponse::map_into_left_body);
        self.service.call(req).map(respond)
    }
}
