//! One request, one policy: app-wide `Cors`, scope `Cors` and `#[cors]`
//! handlers composed as real apps compose them (issue 12).
//!
//! Every test builds a real actix app with `actix_web::test::init_service`
//! and checks who answered: the headers of exactly one policy, and whether a
//! handler ran.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use actix_web::http::header::{self, HeaderMap};
use actix_web::http::{Method, StatusCode};
use actix_web::test::{self, TestRequest};
use actix_web::{delete, get, put, web, App, HttpResponse, Responder};
use cors_actix::{cors, Cors};

const APP: &str = "https://app.example";
const ADMIN: &str = "https://admin.example";

/// The app-wide policy: one front end, with credentials.
fn app_cors() -> Cors {
    Cors::builder()
        .allowed_origin(APP)
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allow_credentials(true)
        .build()
        .expect("valid test policy")
}

fn preflight(path: &str, origin: &str, method: &str) -> TestRequest {
    TestRequest::default()
        .method(Method::OPTIONS)
        .uri(path)
        .insert_header((header::ORIGIN, origin))
        .insert_header((header::ACCESS_CONTROL_REQUEST_METHOD, method))
}

fn acao(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
        .and_then(|v| v.to_str().ok())
}

/// Counts the calls of a handler registered through `web::Data`.
#[derive(Clone, Default)]
struct Calls(Arc<AtomicUsize>);

impl Calls {
    fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

/// Only the admin front end may delete, whatever the app-wide origins.
#[cors(origins = ["https://admin.example"])]
#[delete("/admin/{id:\\d+}")]
async fn delete_admin(calls: web::Data<Calls>) -> impl Responder {
    calls.0.fetch_add(1, Ordering::SeqCst);
    HttpResponse::NoContent().finish()
}

/// A non-ASCII path: every browser sends it percent-encoded.
#[cors(origins = ["https://admin.example"])]
#[put("/café")]
async fn put_cafe(calls: web::Data<Calls>) -> impl Responder {
    calls.0.fetch_add(1, Ordering::SeqCst);
    HttpResponse::NoContent().finish()
}

/// A preflight announcing a method owned by an annotated handler is
/// answered by that handler's policy however the path is encoded: the app
/// policy allows `APP`, the handler does not, so every spelling is refused.
#[actix_web::test]
async fn encoded_paths_cannot_escape_the_handlers_policy() {
    let cors = app_cors();
    let calls = Calls::default();
    let app = test::init_service(
        App::new()
            .app_data(web::Data::new(calls.clone()))
            .wrap(cors.clone())
            .service(web::scope("/api").service(cors.handlers((delete_admin, put_cafe)))),
    )
    .await;
    for (path, method) in [
        ("/api/admin/1", "DELETE"),
        ("/api/%61dmin/1", "DELETE"),
        ("/api/%61%64%6D%69%6E/1", "DELETE"),
        ("/api/admin/%31", "DELETE"),
        ("/api/caf%C3%A9", "PUT"),
        ("/api/caf%c3%a9", "PUT"),
    ] {
        let res = test::call_service(&app, preflight(path, APP, method).to_request()).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "preflight {method} {path}");
        assert_eq!(acao(res.headers()), None, "preflight {method} {path}");

        let res = test::call_service(&app, preflight(path, ADMIN, method).to_request()).await;
        assert!(res.status().is_success(), "admin preflight {method} {path}");
        assert_eq!(acao(res.headers()), Some(ADMIN), "admin preflight {method} {path}");
    }
    assert_eq!(calls.count(), 0, "no preflight runs a handler");
}
