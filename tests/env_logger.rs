//! Explanations reach apps that log through `env_logger` (the `log` crate)
//! and set up no `tracing` subscriber: the middleware's level checks ask the
//! `log` crate too, and `tracing`'s `log` feature hands the lines over.
//!
//! The logger is process-wide; this file is its own test binary, and sets
//! up no `tracing` subscriber anywhere (one would turn the `log` bridge off).

use std::io::Write;
use std::sync::OnceLock;

use actix_web::http::{header, Method};
use actix_web::test::{self, TestRequest};
use actix_web::{web, App, HttpResponse};
use cors_actix::Cors;
use env_logger::{Builder, Target};

#[allow(dead_code)]
mod support;
use support::Captured;

/// `env_logger` at `info`, as most actix apps set it up, writing into a
/// buffer; installed once for the whole process.
fn env_logger() -> &'static Captured {
    static LOG: OnceLock<Captured> = OnceLock::new();
    LOG.get_or_init(|| {
        let buffer = Captured::default();
        Builder::new()
            .filter_level(log::LevelFilter::Info)
            .format(|out, record| {
                writeln!(
                    out,
                    "{} {} {}",
                    record.level(),
                    record.target(),
                    record.args()
                )
            })
            .target(Target::Pipe(Box::new(buffer.clone())))
            .init();
        buffer
    })
}

macro_rules! app {
    () => {
        test::init_service(
            App::new()
                .wrap(
                    Cors::builder()
                        .allowed_origin("https://app.example.com")
                        .build()
                        .unwrap(),
                )
                .route("/api/items", web::get().to(HttpResponse::Ok)),
        )
        .await
    };
}

#[actix_web::test]
async fn refused_preflight_is_explained_through_env_logger() {
    let log = env_logger();
    let app = app!();
    let req = TestRequest::default()
        .method(Method::OPTIONS)
        .uri("/api/items")
        .insert_header((header::ORIGIN, "https://preflight.evil.example"))
        .insert_header((header::ACCESS_CONTROL_REQUEST_METHOD, "PUT"))
        .to_request();
    let res = test::call_service(&app, req).await;
    assert_eq!(res.status(), 403);
    let lines = log.lines_with("from `https://preflight.evil.example` rejected");
    assert_eq!(lines.len(), 1, "{lines:#?}");
    assert!(
        lines[0].starts_with(
            "WARN cors_actix::diagnostics CORS preflight for PUT /api/items from \
             `https://preflight.evil.example` rejected: origin"
        ),
        "{}",
        lines[0]
    );
}

#[actix_web::test]
async fn refused_get_is_explained_through_env_logger() {
    let log = env_logger();
    let app = app!();
    let req = TestRequest::get()
        .uri("/api/items")
        .insert_header((header::ORIGIN, "https://get.evil.example"))
        .to_request();
    test::call_service(&app, req).await;
    let lines = log.lines_with("from `https://get.evil.example` rejected");
    assert_eq!(lines.len(), 1, "{lines:#?}");
    assert!(
        lines[0].starts_with(
            "WARN cors_actix::diagnostics CORS request GET /api/items from \
             `https://get.evil.example` rejected: origin"
        ),
        "{}",
        lines[0]
    );
    // The startup summary, at `info`, came the same way.
    assert!(!log
        .lines_with("INFO cors_actix::diagnostics CORS policy: ")
        .is_empty());
}
