//! The `#[cors(...)]` attribute for actix-web handlers, re-exported by
//! `cors-actix` as `cors_actix::cors`. See [`macro@cors`] for the keys and
//! the order of the attributes.
//!
//! # Merge semantics
//!
//! A handler's policy is the app-wide one (the `Cors` whose `handlers`
//! registers it) with the handler's keys merged in:
//!
//! - Each key given **replaces** that setting of the app-wide policy; each
//!   key not given is inherited. `origins` and `origin_regexes` decide
//!   together: giving either replaces the app-wide origins, regexes and
//!   origin predicate. Unlike Spring's `@CrossOrigin`, whose lists are
//!   *added* to the global ones, nothing is added, so a handler can narrow
//!   the app-wide policy as well as widen it.
//! - **Methods.** A handler without `methods` allows the app-wide methods
//!   *plus the methods of its own routing attributes*: its route declares
//!   them, so a preflight for one is never refused for the method alone (a
//!   `#[delete]` handler answers `DELETE` preflights even when the app-wide
//!   methods are the default `GET, HEAD, POST`). A handler with `methods`
//!   allows those instead of the app-wide list; a method its routes are
//!   registered for but `methods` leaves out is refused (preflights for it
//!   get `403`), and a `warn` line says so when the app is built.
//! - `disable` merges nothing: no CORS headers, preflights refused.
//!
//! The merged policies are computed and validated **once**, in
//! `Cors::handlers`, while the app is built, never per request. A merge
//! that is invalid (the app allows credentials and a handler says
//! `origins = ["*"]` without `credentials = false`) stops the app from
//! starting with an error naming the handler, its path and the rule
//! (`Cors::try_handlers` returns it instead).
//!
//! ```
//! use actix_web::http::{Method, StatusCode};
//! use actix_web::{delete, test, App, HttpResponse, Responder};
//! use cors_actix::{cors, Cors};
//!
//! #[cors(origins = ["https://admin.example.com"])]
//! #[delete("/api/admin/{id}")]
//! async fn delete_admin() -> impl Responder {
//!     HttpResponse::NoContent()
//! }
//!
//! #[actix_web::main]
//! async fn main() {
//!     // The app-wide methods are the default `GET, HEAD, POST`.
//!     let cors = Cors::builder()
//!         .allowed_origin("https://app.example.com")
//!         .build()
//!         .unwrap();
//!     let app = test::init_service(
//!         App::new().wrap(cors.clone()).service(cors.handlers(delete_admin)),
//!     )
//!     .await;
//!     let preflight = test::TestRequest::default()
//!         .method(Method::OPTIONS)
//!         .uri("/api/admin/7")
//!         .insert_header(("origin", "https://admin.example.com"))
//!         .insert_header(("access-control-request-method", "DELETE"))
//!         .to_request();
//!     let res = test::call_service(&app, preflight).await;
//!     assert_eq!(res.status(), StatusCode::NO_CONTENT);
//!     let header = |name| res.headers().get(name).unwrap();
//!     assert_eq!(header("access-control-allow-origin"), "https://admin.example.com");
//!     assert_eq!(header("access-control-allow-methods"), "DELETE");
//! }
//! ```
//!
//! # What the attribute generates
//!
//! ```text
//! #[cors(origins = ["https://admin.example.com"])]
//! #[delete("/api/admin/{id}", wrap = "Auth")]
//! async fn delete_admin(id: web::Path<u32>) -> impl Responder { … }
//! ```
//!
//! becomes, in outline:
//!
//! ```text
//! struct delete_admin;                            // in place of the function
//! impl CorsHandler for delete_admin {
//!     fn info(&self) -> HandlerInfo { … }         // name, paths and methods, keys given
//!     fn register(self, ctx: &mut RegisterContext<'_>) {
//!         async fn delete_admin(id: web::Path<u32>) -> impl Responder { … }
//!         ctx.service(
//!             Resource::new("/api/admin/{id}")
//!                 .name("delete_admin")
//!                 .guard(guard::Delete())
//!                 .wrap(Auth)
//!                 .wrap(ctx.layer())              // the handler's CORS layer, outermost
//!                 .to(delete_admin),
//!         );
//!     }
//! }
//! ```
//!
//! - **One resource per routing attribute** (per method attribute under
//!   `#[routes]`), built as actix-web's own attribute builds it, its `name`,
//!   `guard` and `wrap` kept, with the handler's CORS layer outermost: it
//!   puts the merged policy on every response, errors included.
//! - Such a handler is registered with
//!   `App::new().service(cors.handlers((a, b, …)))` (one handler, or a tuple
//!   of up to twelve), **no longer with `App::service(a)`**, which does not
//!   compile: `a` names a `CorsHandler`, not a service. `handlers` builds
//!   the merged policies there, once, and registers, **first**, one preflight
//!   resource per distinct path, named `__cors_route:<path>` (e.g.
//!   `__cors_route:/api/admin/{id}`). It matches only preflights (`OPTIONS`
//!   with `Origin` and `Access-Control-Request-Method`), answers each from
//!   the handler registered at the path for the requested method, and lists
//!   in `Access-Control-Allow-Methods` the methods registered at the path
//!   whose merged policy admits the same preflight, in registration order.
//!   Other `OPTIONS` requests go on to the app's own routes.

#![forbid(unsafe_code)]

use proc_macro::TokenStream;

mod attr;
mod errors;
mod expand;
mod route;
mod validate;

/// A per-handler CORS policy, merged with the app-wide one.
///
/// Write it **above** actix-web's routing attribute (`#[get]`, `#[post]`,
/// `#[put]`, `#[patch]`, `#[delete]`, `#[head]`, `#[route]` or `#[routes]`),
/// then register the handlers through [`Cors::handlers`], which merges each
/// handler's settings into the app's policy and answers preflights to their
/// paths:
///
/// ```no_run
/// use actix_web::{get, post, App, HttpServer, Responder};
/// use cors_actix::{cors, Cors};
///
/// #[cors(origins = ["*"], credentials = false)]
/// #[get("/api/public")]
/// async fn public() -> impl Responder { "anyone may read this" }
///
/// #[cors(expose = ["X-Report-Id"])]
/// #[post("/api/reports", name = "reports")]
/// async fn reports() -> impl Responder { "created" }
///
/// #[cors(disable)]
/// #[get("/internal/metrics")]
/// async fn metrics() -> impl Responder { "no CORS headers here" }
///
/// #[actix_web::main]
/// async fn main() -> std::io::Result<()> {
///     let cors = Cors::from_env();
///     HttpServer::new(move || {
///         App::new()
///             .wrap(cors.clone())
///             .service(cors.handlers((public, reports, metrics)))
///     })
///     .bind(("127.0.0.1", 8080))?
///     .run()
///     .await
/// }
/// ```
///
/// # Keys
///
/// Each key given **replaces** the app-wide setting for this handler; every
/// other setting is inherited, and a handler without `methods` also allows
/// the methods of its own routing attributes (see the crate docs, *Merge
/// semantics*).
///
/// | key | value | replaces |
/// |---|---|---|
/// | `origins` | `["https://app.example.com", "https://*.example.com", "*"]` | allowed origins (and regexes) |
/// | `origin_regexes` | `[r"https://pr-\d+\.example\.dev"]` | allowed origins (and patterns) |
/// | `methods` | `["GET", "POST"]` | allowed methods (unset: the app's plus the handler's own) |
/// | `headers` | `["content-type", "authorization"]` | allowed request headers |
/// | `expose` | `["x-request-id"]` | exposed response headers |
/// | `credentials` | `true` / `false` | credentials |
/// | `max_age` | `600` (seconds, at most 86400) | preflight cache lifetime |
/// | `private_network` | `true` / `false` | Private Network Access (for older browsers; current Chromium uses Local Network Access instead) |
/// | `timing_allow_origin` | `true` / `false` | `Timing-Allow-Origin` on actual responses to allowed origins |
/// | `cross_origin_protection` | `true` / `false` | require or exempt cross-origin protection for this handler |
/// | `disable` | (a bare flag) | turns CORS off: no CORS headers, preflights rejected |
///
/// # Compile-time checks
///
/// The literals are validated by `cors-core` while the macro expands, so a
/// mistake is a compile error on the literal at fault, with the message the
/// runtime would give (`origins = ["https://a.com/"]`: "an origin has no
/// path …; did you mean `https://a.com`?"). An unknown key (with the
/// closest key), a key given twice, a value of the wrong type and `#[cors]`
/// written below the routing attribute are errors too.
///
/// What depends on the app-wide policy (`origins = ["*"]` on a handler of an
/// app that allows credentials, `null` without `allow_null_origin`) is
/// checked when `Cors::handlers` merges the policies, as the app is built.
///
/// [`Cors::handlers`]: https://docs.rs/cors-actix/latest/cors_actix/struct.Cors.html#method.handlers
#[proc_macro_attribute]
pub fn cors(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::cors(args.into(), item.into()).into()
}
