//! The reference server: `Cors::from_env()` wrapped on the whole app.
//!
//! ```sh
//! cargo run --example server                                              # front end on any localhost port
//! CORS_ALLOWED_ORIGINS=http://localhost:5173 cargo run --example server   # exactly this front end
//! PORT=9000 RUST_LOG=cors_actix=debug cargo run --example server
//! ```
//!
//! Variables left unset take this example's development values
//! ([`EXAMPLE_DEFAULTS`]: any `http://localhost` or `http://127.0.0.1` port;
//! `GET, POST, PUT, DELETE`; `content-type`; `X-Request-Id` exposed), so a
//! local front end works out of the box. The library's own defaults allow
//! no cross-origin access at all.

use std::sync::atomic::{AtomicU64, Ordering};

use actix_web::{delete, error, get, web, App, HttpResponse, HttpServer, Responder};
use cors_actix::{cors, Cors};

/// The development default of this example when `CORS_ALLOWED_ORIGINS` is unset.
pub const LOCAL_ORIGINS: &str = "http://localhost:*,http://127.0.0.1:*";

/// This example's values for the variables left unset, so that a local front
/// end can call every route at once (JSON bodies, `PUT`, `DELETE`, reading
/// `X-Request-Id`). The library's own defaults are stricter: no cross-origin
/// access, `GET, HEAD, POST`, no extra request headers, nothing exposed.
pub const EXAMPLE_DEFAULTS: [(&str, &str); 4] = [
    ("CORS_ALLOWED_ORIGINS", LOCAL_ORIGINS),
    ("CORS_ALLOWED_METHODS", "GET, POST, PUT, DELETE"),
    ("CORS_ALLOWED_HEADERS", "content-type"),
    ("CORS_EXPOSE_HEADERS", "x-request-id"),
];

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

async fn list_items() -> impl Responder {
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    HttpResponse::Ok()
        .insert_header(("X-Request-Id", format!("req-{id}")))
        .json(serde_json::json!([{ "id": 1, "name": "first" }, { "id": 2, "name": "second" }]))
}

async fn create_item(body: web::Bytes) -> impl Responder {
    HttpResponse::Created().json(serde_json::json!({ "id": 3, "received_bytes": body.len() }))
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

/// A handler that sets `Access-Control-Allow-Origin` itself, as legacy code
/// often does: the middleware replaces it, so browsers never see two values.
async fn legacy() -> impl Responder {
    HttpResponse::Ok()
        .insert_header(("Access-Control-Allow-Origin", "*"))
        .body("legacy")
}

async fn health() -> impl Responder {
    HttpResponse::Ok().body("ok")
}

/// Public data: any origin may read it, without credentials, whatever the
/// app-wide policy says.
#[cors(origins = ["*"], credentials = false)]
#[get("/api/public")]
async fn public() -> impl Responder {
    HttpResponse::Ok().json(serde_json::json!({ "motd": "hello, world" }))
}

/// Inherits the app-wide policy but exposes its own response header.
#[cors(expose = ["X-Report-Id"])]
#[get("/api/reports")]
async fn reports() -> impl Responder {
    HttpResponse::Ok()
        .insert_header(("X-Report-Id", "report-7"))
        .json(serde_json::json!({ "rows": 3 }))
}

/// Only the admin front end may call this, whatever the app-wide origins.
#[cors(origins = ["https://admin.example.com"])]
#[delete("/api/admin/{id}")]
async fn delete_admin(id: web::Path<u32>) -> impl Responder {
    let _ = id.into_inner();
    HttpResponse::NoContent().finish()
}

/// The routes, shared by `main` and the tests. `cors` is the app-wide policy
/// the annotated handlers merge their `#[cors(...)]` overrides with.
pub fn routes(cfg: &mut web::ServiceConfig, cors: &Cors) {
    // Annotated handlers first: they own their paths' preflights.
    cfg.service(cors.handlers((public, reports, delete_admin)))
        .route("/health", web::get().to(health))
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

/// On `SIGHUP`, reads the `CORS_…` variables again from the file named by
/// `RELOAD_CORS_FROM` (`NAME=value` lines, as systemd's `EnvironmentFile`; a
/// running process's own environment cannot be changed from outside):
/// every worker answers from the new policy from its next request on; an
/// invalid one is refused and logged, and the running policy stays.
#[cfg(unix)]
fn reload_on_sighup(cors: &Cors) {
    use actix_web::rt::signal::unix::{signal, SignalKind};
    let Some(file) = std::env::var_os("RELOAD_CORS_FROM") else {
        return;
    };
    let handle = cors.handle();
    let Ok(mut hangup) = signal(SignalKind::hangup()) else {
        tracing::warn!("SIGHUP reload unavailable: could not listen for the signal");
        return;
    };
    actix_web::rt::spawn(async move {
        while hangup.recv().await.is_some() {
            let text = match std::fs::read_to_string(&file) {
                Ok(text) => text,
                Err(e) => {
                    tracing::warn!("SIGHUP: cannot read {}: {e}", file.to_string_lossy());
                    continue;
                }
            };
            let vars: Vec<(&str, &str)> = text
                .lines()
                .filter(|line| !line.trim_start().starts_with('#'))
                .filter_map(|line| line.split_once('='))
                .map(|(name, value)| (name.trim(), value.trim()))
                .collect();
            let lookup = |name: &str| {
                vars.iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| (*v).to_owned())
            };
            match handle.reload_from_lookup("", lookup) {
                Ok(()) => tracing::info!("SIGHUP: CORS policy reloaded"),
                Err(e) => tracing::warn!("SIGHUP: reload refused, the running policy stays: {e}"),
            }
        }
    });
}

#[cfg(not(unix))]
fn reload_on_sighup(_: &Cors) {}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    // Still single-threaded here, so setting variables is sound.
    for (name, value) in EXAMPLE_DEFAULTS {
        if std::env::var_os(name).is_none() {
            std::env::set_var(name, value);
        }
    }
    let cors = Cors::from_env();
    let port: u16 = match std::env::var("PORT") {
        Ok(p) => p.parse().expect("PORT must be a port number, such as 8080"),
        Err(_) => 8080,
    };
    tracing::info!("listening on http://127.0.0.1:{port}");
    reload_on_sighup(&cors);
    HttpServer::new(move || {
        App::new()
            .wrap(cors.clone())
            .configure(|cfg| routes(cfg, &cors))
    })
    .bind(("127.0.0.1", port))?
    .run()
    .await
}
