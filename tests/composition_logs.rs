//! What the log says about composed policies: its own binary, so no other
//! test's thread caches the log call sites as disabled.

use actix_web::http::StatusCode;
use actix_web::test;
use actix_web::{delete, web, App, HttpResponse, Responder};
use cors_actix::{cors, Cors};

#[allow(dead_code)]
mod support;
use support::{preflight, Captured};

const APP: &str = "https://app.example";

fn app_cors() -> Cors {
    Cors::builder()
        .allowed_origin(APP)
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allow_credentials(true)
        .build()
        .expect("valid test policy")
}

/// Only the admin front end may delete, whatever the app-wide origins.
#[cors(origins = ["https://admin.example"])]
#[delete("/admin/{id:\\d+}")]
async fn delete_admin() -> impl Responder {
    HttpResponse::NoContent().finish()
}

/// A refusal explained for a `#[cors]` handler inside a scope names the
/// handler's full route pattern, scope prefix included.
#[actix_web::test]
async fn log_lines_name_the_full_route_pattern() {
    let (captured, _guard) = Captured::warnings();
    let cors = app_cors();
    let app = test::init_service(
        App::new()
            .wrap(cors.clone())
            .service(web::scope("/api").service(cors.handlers(delete_admin))),
    )
    .await;
    let res = test::call_service(&app, preflight("/api/admin/7", APP, "DELETE").to_request()).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let text = captured.text();
    assert!(
        text.contains("on handler `delete_admin` at `/api/admin/{id:\\d+}`"),
        "{text}"
    );
}
