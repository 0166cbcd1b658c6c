//! Asynchronous origin checks: asked only for origins the static rules
//! refuse, answers remembered in a bounded memory with a time-to-live.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use actix_web::http::header;
use actix_web::http::{Method, StatusCode};
use actix_web::test::{self, TestRequest};
use actix_web::{web, App};
use cors_actix::{Cors, CorsBuilder, OriginCheckConfig};

const APP: &str = "https://app.example";
const TENANT: &str = "https://acme.tenants.example";

/// A check that counts its lookups and allows the tenants' subdomains.
fn counted(calls: &Arc<AtomicUsize>) -> CorsBuilder {
    let calls = Arc::clone(calls);
    Cors::builder()
        .allowed_origin(APP)
        .allowed_methods(["GET", "PUT"])
        .allowed_origin_async(move |origin: String| {
            calls.fetch_add(1, Ordering::SeqCst);
            async move { origin.ends_with(".tenants.example") }
        })
}

fn preflight(origin: &str) -> TestRequest {
    TestRequest::default()
        .method(Method::OPTIONS)
        .uri("/x")
        .insert_header((header::ORIGIN, origin))
        .insert_header((header::ACCESS_CONTROL_REQUEST_METHOD, "PUT"))
}

fn put(origin: &str) -> TestRequest {
    TestRequest::put()
        .uri("/x")
        .insert_header((header::ORIGIN, origin))
}

fn acao(
    res: &actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
) -> Option<String> {
    res.headers()
        .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
        .map(|v| v.to_str().unwrap().to_owned())
}

#[actix_web::test]
async fn preflight_and_request_get_one_answer_from_one_lookup() {
    let calls = Arc::new(AtomicUsize::new(0));
    let app = test::init_service(
        App::new()
            .wrap(counted(&calls).build().unwrap())
            .route("/x", web::put().to(|| async { "ok" })),
    )
    .await;
    let res = test::call_service(&app, preflight(TENANT).to_request()).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(acao(&res).as_deref(), Some(TENANT));
    let res = test::call_service(&app, put(TENANT).to_request()).await;
    assert_eq!(acao(&res).as_deref(), Some(TENANT));
    assert_eq!(calls.load(Ordering::SeqCst), 1, "one lookup, remembered");

    // Refusals are remembered too.
    for _ in 0..3 {
        let res = test::call_service(&app, preflight("https://evil.example").to_request()).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
    }
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    // The static rules decide their own origins, and `null`, without asking.
    let res = test::call_service(&app, put(APP).to_request()).await;
    assert_eq!(acao(&res).as_deref(), Some(APP));
    let res = test::call_service(&app, put("null").to_request()).await;
    assert_eq!(acao(&res), None);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[actix_web::test]
async fn concurrent_requests_get_consistent_answers() {
    let calls = Arc::new(AtomicUsize::new(0));
    let app = test::init_service(
        App::new()
            .wrap(counted(&calls).build().unwrap())
            .route("/x", web::put().to(|| async { "ok" })),
    )
    .await;
    let app = &app;
    let requests = (0..50).map(|i| async move {
        let origin = if i % 2 == 0 {
            TENANT
        } else {
            "https://evil.example"
        };
        let res = test::call_service(app, put(origin).to_request()).await;
        (origin, acao(&res))
    });
    for (origin, answer) in futures_util::future::join_all(requests).await {
        let expected = (origin == TENANT).then(|| TENANT.to_owned());
        assert_eq!(answer, expected, "{origin}");
    }
}

#[actix_web::test]
async fn memory_stays_bounded_under_a_hundred_thousand_origins() {
    let calls = Arc::new(AtomicUsize::new(0));
    let cors = counted(&calls)
        .origin_check_config(OriginCheckConfig {
            capacity: 1_000,
            ..OriginCheckConfig::default()
        })
        .build()
        .unwrap();
    let app = test::init_service(
        App::new()
            .wrap(cors.clone())
            .route("/x", web::put().to(|| async { "ok" })),
    )
    .await;
    for i in 0..100_000 {
        let origin = format!("https://{i}.attacker.example");
        let res = test::call_service(&app, put(&origin).to_request()).await;
        assert_eq!(acao(&res), None);
    }
    assert!(
        cors.__remembered_origins() <= 1_000,
        "{}",
        cors.__remembered_origins()
    );
    assert_eq!(calls.load(Ordering::SeqCst), 100_000);
}

#[actix_web::test]
async fn answers_are_asked_again_after_their_time_to_live() {
    tokio::time::pause();
    let calls = Arc::new(AtomicUsize::new(0));
    let app = test::init_service(
        App::new()
            .wrap(
                counted(&calls)
                    .origin_check_config(OriginCheckConfig {
                        time_to_live: Duration::from_secs(30),
                        ..OriginCheckConfig::default()
                    })
                    .build()
                    .unwrap(),
            )
            .route("/x", web::put().to(|| async { "ok" })),
    )
    .await;
    test::call_service(&app, put(TENANT).to_request()).await;
    tokio::time::advance(Duration::from_secs(29)).await;
    test::call_service(&app, put(TENANT).to_request()).await;
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    tokio::time::advance(Duration::from_secs(2)).await;
    test::call_service(&app, put(TENANT).to_request()).await;
    assert_eq!(calls.load(Ordering::SeqCst), 2, "asked again after 31 s");
}

#[test]
fn with_credentials_the_check_must_be_declared_exact() {
    let check = |origin: String| async move { origin.ends_with(".tenants.example") };
    let err = Cors::builder()
        .allowed_origin(APP)
        .allow_credentials(true)
        .allowed_origin_async(check)
        .build()
        .unwrap_err();
    assert!(
        err.to_string().contains("origin_check_is_exact(true)"),
        "{err}"
    );
    assert!(Cors::builder()
        .allowed_origin(APP)
        .allow_credentials(true)
        .allowed_origin_async(check)
        .origin_check_is_exact(true)
        .build()
        .is_ok());
}
