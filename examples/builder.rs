//! Every `CorsBuilder` option, on a runnable server with three scopes, each
//! wrapped with its own policy:
//!
//! - `/api`: the app's own API, called with cookies from a few known front
//!   ends (exact origins, a subdomain pattern, a regex, a predicate);
//! - `/public`: public, read-only data any site may read;
//! - `/device`: a device on the local network, configured from pages that
//!   may be sandboxed (`Origin: null`) or served from the public internet
//!   (Private Network Access).
//!
//! ```sh
//! cargo run --example builder                     # http://127.0.0.1:8081
//! PORT=9000 CORS_DEBUG=1 RUST_LOG=cors_actix=debug cargo run --example builder
//!
//! curl -si -X OPTIONS http://127.0.0.1:8081/api/items/7 \
//!     -H 'Origin: https://pr-42.review.example.dev' \
//!     -H 'Access-Control-Request-Method: PATCH' \
//!     -H 'Access-Control-Request-Headers: content-type'
//! curl -si http://127.0.0.1:8081/api/items -H 'Origin: https://evil.example'
//! curl -si http://127.0.0.1:8081/public/status -H 'Origin: https://anyone.example'
//! ```
//!
//! `CORS_DEBUG=1` turns on the `X-Cors-Rejected` response header, which says
//! why a request was refused: a development aid only, since it tells anyone
//! how the policy is set.

use actix_web::{web, App, HttpResponse, HttpServer, Responder};
use cors_actix::{ConfigError, Cors, PreflightStatus};

/// The port used when `PORT` is unset.
pub const DEFAULT_PORT: u16 = 8081;

/// The three policies, built once in `main` and cloned into every worker.
#[derive(Clone, Debug)]
pub struct Policies {
    /// For `/api`.
    pub api: Cors,
    /// For `/public`.
    pub public: Cors,
    /// For `/device`.
    pub device: Cors,
}

impl Policies {
    /// Builds the three policies; `debug_header` turns on `X-Cors-Rejected`.
    pub fn new(debug_header: bool) -> Result<Policies, ConfigError> {
        Ok(Policies {
            api: api(debug_header)?,
            public: public()?,
            device: device()?,
        })
    }
}

/// The app's own API: credentials, and only front ends we know.
pub fn api(debug_header: bool) -> Result<Cors, ConfigError> {
    Cors::builder()
        // Exact origins: scheme, host and port, no path, no trailing slash.
        .allowed_origin("https://app.example.com")
        .allowed_origins(["http://localhost:5173", "http://127.0.0.1:5173"])
        // Every subdomain of a domain we control (not the domain itself).
        .allowed_origin("https://*.preview.example.com")
        // A regex, always matched against the whole origin.
        .allowed_origin_regex(r"https://pr-\d+\.review\.example\.dev")
        // A predicate, asked last, for what a list cannot say (a tenant table,
        // say). It never sees `null`.
        .allowed_origin_fn(|origin| {
            origin
                .strip_prefix("https://")
                .and_then(|host| host.strip_suffix(".tenants.example.com"))
                .is_some_and(|tenant| {
                    !tenant.is_empty() && tenant.bytes().all(|b| b.is_ascii_alphanumeric())
                })
        })
        // What preflights may ask for. `PATCH` must be written in upper case
        // by the page too: browsers upper-case only the six standard methods.
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_header("content-type")
        .allowed_headers(["authorization", "x-request-id"])
        // Response headers scripts may read, beyond the safelisted ones.
        .expose_headers(["x-request-id", "x-total-count"])
        // Cookies: actix-cors's name for `.allow_credentials(true)`.
        .supports_credentials()
        // Browsers may skip the preflight for ten minutes.
        .max_age(600)
        // `200 OK` instead of `204 No Content`, for clients that mishandle 204.
        .preflight_status(PreflightStatus::Ok)
        // The default; `false` only when no cache sits between this server
        // and browsers.
        .vary(true)
        // Refuse actual requests from other origins with `403` before the
        // handler runs (the default runs it and lets the browser hide the
        // answer). Same-origin requests are never blocked.
        .block_disallowed_origins(true)
        // `X-Cors-Rejected: <reason>` on refusals: development only.
        .rejection_header(debug_header)
        .build()
}

/// Public, read-only data: any origin, no credentials.
pub fn public() -> Result<Cors, ConfigError> {
    Cors::builder()
        // `Access-Control-Allow-Origin: *`. Refused with credentials, and
        // never a match for `null`.
        .allow_any_origin()
        .allow_any_method()
        // `*` (and `authorization` listed by name when asked, since `*`
        // never covers it).
        .allow_any_header()
        // `Access-Control-Expose-Headers: *`: every header is readable.
        .expose_any_header()
        // Chromium caches preflights for two hours at most.
        .max_age(7200)
        .build()
}

/// A device on the local network, configured from pages we do not host.
pub fn device() -> Result<Cors, ConfigError> {
    Cors::builder()
        // Sandboxed iframes and local files send `Origin: null`, and so can
        // any site: allow it only for data that is not secret.
        .allow_null_origin(true)
        .allowed_origins(["null", "https://setup.example.com"])
        // Read and change the configuration.
        .allowed_methods(["GET", "PUT"])
        // Echo whatever request headers the preflight asks for.
        .mirror_request_headers()
        // Answer `Access-Control-Request-Private-Network: true` (Chromium's
        // Private Network Access preflights from public pages).
        .allow_private_network(true)
        // Never with `null`: every site could then read a user's data.
        .allow_credentials(false)
        .build()
}

async fn list_items() -> impl Responder {
    HttpResponse::Ok()
        .insert_header(("x-request-id", "req-1"))
        .insert_header(("x-total-count", "2"))
        .json(serde_json::json!([{ "id": 1 }, { "id": 2 }]))
}

async fn create_item() -> impl Responder {
    HttpResponse::Created().json(serde_json::json!({ "id": 3 }))
}

async fn change_item(id: web::Path<u32>) -> impl Responder {
    HttpResponse::Ok().json(serde_json::json!({ "id": id.into_inner() }))
}

async fn delete_item() -> impl Responder {
    HttpResponse::NoContent().finish()
}

async fn status() -> impl Responder {
    HttpResponse::Ok()
        .insert_header(("x-build", "2024.1"))
        .json(serde_json::json!({ "status": "ok" }))
}

async fn device_config() -> impl Responder {
    HttpResponse::Ok().json(serde_json::json!({ "name": "printer", "paper": "A4" }))
}

/// The three scopes, each wrapped with its policy; shared by `main` and the tests.
pub fn routes(cfg: &mut web::ServiceConfig, policies: &Policies) {
    cfg.service(
        web::scope("/api")
            .wrap(policies.api.clone())
            .service(
                web::resource("/items")
                    .route(web::get().to(list_items))
                    .route(web::post().to(create_item)),
            )
            .service(
                web::resource("/items/{id}")
                    .route(web::put().to(change_item))
                    .route(web::patch().to(change_item))
                    .route(web::delete().to(delete_item)),
            ),
    )
    .service(
        web::scope("/public")
            .wrap(policies.public.clone())
            .route("/status", web::get().to(status)),
    )
    .service(
        web::scope("/device").wrap(policies.device.clone()).service(
            web::resource("/config")
                .route(web::get().to(device_config))
                .route(web::put().to(device_config)),
        ),
    );
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let debug_header = std::env::var_os("CORS_DEBUG").is_some_and(|v| v != "0" && !v.is_empty());
    // An invalid policy stops here, with every problem listed, before any
    // socket is bound.
    let policies = match Policies::new(debug_header) {
        Ok(policies) => policies,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    let port = match std::env::var("PORT") {
        Ok(p) => p.parse().unwrap_or_else(|_| {
            eprintln!("PORT must be a port number, such as {DEFAULT_PORT}, not `{p}`");
            std::process::exit(1);
        }),
        Err(_) => DEFAULT_PORT,
    };
    tracing::info!("listening on http://127.0.0.1:{port} (/api, /public, /device)");
    HttpServer::new(move || App::new().configure(|cfg| routes(cfg, &policies)))
        .bind(("127.0.0.1", port))?
        .run()
        .await
}
