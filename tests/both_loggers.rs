//! An app with both a `tracing` subscriber and `env_logger`: each refusal is
//! explained exactly once. `tracing`'s `log` feature forwards events to the
//! `log` crate only while no `tracing` subscriber was ever set, and the
//! middleware's level checks follow the same rule.
//!
//! The logger is process-wide; this file is its own test binary.

use actix_web::http::header;
use actix_web::test::{self, TestRequest};
use actix_web::{web, App, HttpResponse};
use cors_actix::Cors;
use env_logger::{Builder, Target};

#[allow(dead_code)]
mod support;
use support::Captured;

#[actix_web::test]
async fn with_tracing_and_env_logger_a_refusal_is_logged_once() {
    let from_log = Captured::default();
    Builder::new()
        .filter_level(log::LevelFilter::Info)
        .target(Target::Pipe(Box::new(from_log.clone())))
        .init();
    let from_tracing = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_writer(from_tracing.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let app = test::init_service(
        App::new()
            .wrap(
                Cors::builder()
                    .allowed_origin("https://app.example.com")
                    .build()
                    .unwrap(),
            )
            .route("/api/items", web::get().to(HttpResponse::Ok)),
    )
    .await;
    let req = TestRequest::get()
        .uri("/api/items")
        .insert_header((header::ORIGIN, "https://evil.example"))
        .to_request();
    test::call_service(&app, req).await;

    let needle = "from `https://evil.example` rejected";
    let (tracing, log) = (
        from_tracing.text().matches(needle).count(),
        from_log.text().matches(needle).count(),
    );
    assert_eq!(
        (tracing, log),
        (1, 0),
        "once in total, through the subscriber"
    );
}
