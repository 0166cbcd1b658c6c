//! The `#[cors(...)]` attribute for actix-web handlers, re-exported by
//! `cors-actix` as `cors_actix::cors`. See [`macro@cors`].

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
/// other setting is inherited.
///
/// | key | value | replaces |
/// |---|---|---|
/// | `origins` | `["https://app.example.com", "https://*.example.com", "*"]` | allowed origins (and regexes) |
/// | `origin_regexes` | `[r"https://pr-\d+\.example\.dev"]` | allowed origins (and patterns) |
/// | `methods` | `["GET", "POST"]` | allowed methods |
/// | `headers` | `["content-type", "authorization"]` | allowed request headers |
/// | `expose` | `["x-request-id"]` | exposed response headers |
/// | `credentials` | `true` / `false` | credentials |
/// | `max_age` | `600` (seconds, at most 86400) | preflight cache lifetime |
/// | `private_network` | `true` / `false` | Private Network Access |
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
