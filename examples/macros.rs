//! Every key of `#[cors(...)]`, on handlers merged with one app-wide policy.
//!
//! ```sh
//! PORT=8084 cargo run --example macros
//! ```
//!
//! Each key given on a handler replaces that setting of the app-wide policy
//! for this handler; keys not given are inherited. The merged policies are
//! computed and validated once, by `cors.handlers(...)`, while the app is
//! built; preflights to these paths are answered by routes generated from the
//! handlers that really exist there.

use actix_web::{get, post, route, routes, web, App, HttpResponse, HttpServer, Responder};
use cors_actix::{cors, Cors};

/// `origins`: replaces the allowed origins (exact, patterns, `*`).
/// `credentials`: `*` needs credentials off.
#[cors(origins = ["*"], credentials = false)]
#[get("/public")]
async fn public() -> impl Responder {
    "anyone may read this"
}

/// `origin_regexes`: replaces the origins with regexes, anchored for you.
#[cors(origin_regexes = [r"https://pr-\d+\.preview\.example\.com"])]
#[get("/preview")]
async fn preview() -> impl Responder {
    "preview deployments only"
}

/// `methods`, `headers`, `max_age`: a write endpoint with its own preflight
/// answer.
#[cors(methods = ["POST"], headers = ["content-type", "x-idempotency-key"], max_age = 60)]
#[post("/orders")]
async fn create_order(body: web::Bytes) -> impl Responder {
    HttpResponse::Created().body(format!("{} bytes", body.len()))
}

/// `expose`: scripts may read `X-Report-Id`.
#[cors(expose = ["X-Report-Id"])]
#[get("/reports")]
async fn reports() -> impl Responder {
    HttpResponse::Ok()
        .insert_header(("X-Report-Id", "report-7"))
        .finish()
}

/// `private_network`: answers Private Network Access preflights.
#[cors(private_network = true)]
#[route("/device", method = "GET", method = "PUT")]
async fn device() -> impl Responder {
    "a device on the local network"
}

/// `disable`: no CORS at all for this handler; its preflights are refused.
#[cors(disable)]
#[routes]
#[get("/internal/metrics")]
#[get("/internal/health")]
async fn internal() -> impl Responder {
    "same-origin only"
}

/// The app, as `main` builds it: `cors` is the app-wide policy.
pub fn app_cors() -> Cors {
    Cors::builder()
        .allowed_origins(["http://localhost:5173", "https://app.example.com"])
        .allowed_methods(["GET", "POST", "PUT"])
        .allowed_headers(["content-type"])
        .allow_credentials(true)
        .max_age(600)
        .build()
        .expect("a valid CORS policy")
}

/// Registers every annotated handler, merged with `cors`.
pub fn routes(cfg: &mut web::ServiceConfig, cors: &Cors) {
    cfg.service(cors.handlers((public, preview, create_order, reports, device, internal)));
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let port: u16 = match std::env::var("PORT") {
        Ok(p) => p.parse().expect("PORT must be a port number, such as 8084"),
        Err(_) => 8084,
    };
    let cors = app_cors();
    tracing::info!("listening on http://127.0.0.1:{port}");
    HttpServer::new(move || {
        App::new()
            .wrap(cors.clone())
            .configure(|cfg| routes(cfg, &cors))
    })
    .bind(("127.0.0.1", port))?
    .run()
    .await
}
