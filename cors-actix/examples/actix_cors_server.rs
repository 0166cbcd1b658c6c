//! The reference server's routes behind actix-cors 0.7 instead of
//! `cors-actix`: the other side of `scripts/loadtest.sh`.
//!
//! ```sh
//! PORT=9001 CORS_ALLOWED_ORIGINS=http://localhost:5173 \
//!     cargo run --release -p cors-actix --example actix_cors_server
//! ```
//!
//! It reads the same variables as `Cors::from_env()`, with a subset of their
//! syntax: `CORS_ALLOWED_ORIGINS` (comma-separated exact origins, or `*`),
//! `CORS_ALLOWED_METHODS` (default `GET, HEAD, POST`), `CORS_ALLOWED_HEADERS`,
//! `CORS_EXPOSE_HEADERS` and `CORS_MAX_AGE`. As with `cors-actix`, an actual
//! request from a disallowed origin runs the handler and gets no CORS
//! headers (`block_on_origin_mismatch(false)`, actix-cors 0.7's default, set
//! explicitly).
//!
//! The route table is the reference server's, in the same order, so that
//! routing costs the same in both: its three `#[cors(...)]` handlers
//! (`/api/public`, `/api/reports`, `/api/admin/{id}`) come first, each path
//! preceded by an `OPTIONS` resource as `Cors::handlers` registers one for its
//! preflights, then `/health`, `/api/items`, `/api/items/{id}`, `/api/fail`
//! and `/api/legacy`. (actix-cors has no per-handler policies: here those
//! three handlers simply get the app-wide one.) The handlers do what the
//! reference server's do and answer the same bytes; the one difference is
//! that JSON bodies are constants here, where the reference server builds a
//! `serde_json::json!` value and serialises it per request (about 0.3 µs on
//! the benchmark machine; this crate does not depend on serde).

use std::sync::atomic::{AtomicU64, Ordering};

use actix_web::{error, guard, web, App, HttpResponse, HttpServer, Responder};

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// What `serde_json` makes of the reference server's `json!` value.
const ITEMS: &str = r#"[{"id":1,"name":"first"},{"id":2,"name":"second"}]"#;

async fn list_items() -> impl Responder {
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    HttpResponse::Ok()
        .insert_header(("X-Request-Id", format!("req-{id}")))
        .content_type("application/json")
        .body(ITEMS)
}

async fn create_item(body: web::Bytes) -> impl Responder {
    HttpResponse::Created()
        .content_type("application/json")
        .body(format!(r#"{{"id":3,"received_bytes":{}}}"#, body.len()))
}

async fn update_item(id: web::Path<u32>) -> impl Responder {
    let _ = id.into_inner();
    HttpResponse::NoContent().finish()
}

async fn delete_item(id: web::Path<u32>) -> impl Responder {
    let _ = id.into_inner();
    HttpResponse::NoContent().finish()
}

async fn fail() -> Result<HttpResponse, error::Error> {
    Err(error::ErrorInternalServerError("the database is on fire"))
}

async fn legacy() -> impl Responder {
    HttpResponse::Ok()
        .insert_header(("Access-Control-Allow-Origin", "*"))
        .body("legacy")
}

async fn health() -> impl Responder {
    HttpResponse::Ok().body("ok")
}

async fn public() -> impl Responder {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(r#"{"motd":"hello, world"}"#)
}

async fn reports() -> impl Responder {
    HttpResponse::Ok()
        .insert_header(("X-Report-Id", "report-7"))
        .content_type("application/json")
        .body(r#"{"rows":3}"#)
}

async fn delete_admin(id: web::Path<u32>) -> impl Responder {
    let _ = id.into_inner();
    HttpResponse::NoContent().finish()
}

/// Stands where `Cors::handlers` registers a path's preflight resource
/// (actix-cors answers preflights before routing, so it never runs).
async fn preflight_route() -> impl Responder {
    HttpResponse::NoContent().finish()
}

/// The reference server's route table (`examples/server.rs`), in its order.
fn routes(cfg: &mut web::ServiceConfig) {
    for path in ["/api/public", "/api/reports", "/api/admin/{id}"] {
        cfg.service(
            web::resource(path)
                .guard(guard::Options())
                .guard(guard::Header("access-control-request-method", "GET"))
                .to(preflight_route),
        );
        match path {
            "/api/public" => cfg.route(path, web::get().to(public)),
            "/api/reports" => cfg.route(path, web::get().to(reports)),
            _ => cfg.route(path, web::delete().to(delete_admin)),
        };
    }
    cfg.route("/health", web::get().to(health))
        .service(
            web::resource("/api/items")
                .route(web::get().to(list_items))
                .route(web::post().to(create_item)),
        )
        .service(
            web::resource("/api/items/{id}")
                .route(web::put().to(update_item))
                .route(web::delete().to(delete_item)),
        )
        .route("/api/fail", web::get().to(fail))
        .route("/api/legacy", web::get().to(legacy));
}

fn list(name: &str) -> Vec<String> {
    std::env::var(name)
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn cors() -> actix_cors::Cors {
    let mut cors = actix_cors::Cors::default().block_on_origin_mismatch(false);
    let origins = match list("CORS_ALLOWED_ORIGINS") {
        origins if origins.is_empty() => vec!["http://localhost:5173".to_owned()],
        origins => origins,
    };
    for origin in &origins {
        cors = if origin == "*" {
            cors.allow_any_origin()
        } else {
            cors.allowed_origin(origin)
        };
    }
    let methods = match list("CORS_ALLOWED_METHODS") {
        methods if methods.is_empty() => vec!["GET".into(), "HEAD".into(), "POST".into()],
        methods => methods,
    };
    cors = cors.allowed_methods(methods.iter().map(String::as_str));
    let headers = list("CORS_ALLOWED_HEADERS");
    if !headers.is_empty() {
        cors = cors.allowed_headers(headers.iter().map(String::as_str));
    }
    let expose = list("CORS_EXPOSE_HEADERS");
    if !expose.is_empty() {
        cors = cors.expose_headers(expose.iter().map(String::as_str));
    }
    if let Ok(seconds) = std::env::var("CORS_MAX_AGE") {
        let seconds: usize = seconds
            .trim()
            .parse()
            .expect("CORS_MAX_AGE must be a whole number of seconds");
        cors = cors.max_age(seconds);
    }
    cors
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let port: u16 = match std::env::var("PORT") {
        Ok(p) => p.parse().expect("PORT must be a port number, such as 8081"),
        Err(_) => 8081,
    };
    tracing::info!("actix-cors server listening on http://127.0.0.1:{port}");
    HttpServer::new(|| App::new().wrap(cors()).configure(routes))
        .bind(("127.0.0.1", port))?
        .run()
        .await
}
