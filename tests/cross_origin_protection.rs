//! Cross-origin request forgery protection through real actix apps: every
//! rule of the mode, per-handler exemptions, and what the log says.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use actix_web::http::header;
use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use actix_web::{post, web, App, HttpResponse, Responder};
use cors_actix::{cors, Cors, CorsBuilder};

#[allow(dead_code)]
mod support;
use support::Captured;

const APP: &str = "https://app.example";
const EVIL: &str = "https://evil.example";
const HOST: &str = "bank.example";

/// A `warn` subscriber for this thread, writing nowhere: every test of this
/// binary runs with one, so the log test's call sites are never cached as
/// disabled by a thread without a subscriber.
fn quiet() -> tracing::subscriber::DefaultGuard {
    tracing::subscriber::set_default(
        tracing_subscriber::fmt()
            .with_writer(std::io::sink)
            .with_max_level(tracing::Level::WARN)
            .finish(),
    )
}

#[derive(Clone, Default)]
struct Calls(Arc<AtomicUsize>);

impl Calls {
    fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

fn builder() -> CorsBuilder {
    Cors::builder()
        .allowed_origin(APP)
        .allowed_methods(["GET", "POST"])
        .allow_credentials(true)
        .cross_origin_protection(true)
}

async fn transfer(calls: web::Data<Calls>) -> impl Responder {
    calls.0.fetch_add(1, Ordering::SeqCst);
    HttpResponse::Ok().body("moved")
}

fn post_from(origin: Option<&str>, site: Option<&str>) -> TestRequest {
    let mut req = TestRequest::post()
        .uri("/transfer")
        .insert_header((header::HOST, HOST))
        .insert_header((header::COOKIE, "session=1"));
    if let Some(origin) = origin {
        req = req.insert_header((header::ORIGIN, origin));
    }
    if let Some(site) = site {
        req = req.insert_header(("sec-fetch-site", site));
    }
    req
}

#[actix_web::test]
async fn each_rule_through_the_middleware() {
    let _log = quiet();
    let calls = Calls::default();
    let app = test::init_service(
        App::new()
            .app_data(web::Data::new(calls.clone()))
            .wrap(builder().build().unwrap())
            .route("/transfer", web::post().to(transfer))
            .route("/transfer", web::get().to(transfer)),
    )
    .await;
    let same = "https://bank.example";
    let sibling = "https://www.bank.example";
    let mut expected_calls = 0;
    for (origin, site, allowed, why) in [
        (
            Some(EVIL),
            Some("cross-site"),
            false,
            "a form on another site",
        ),
        (
            Some(sibling),
            Some("same-site"),
            false,
            "a sibling subdomain is another origin",
        ),
        (
            Some(APP),
            Some("cross-site"),
            true,
            "the policy's own front end",
        ),
        (
            Some(same),
            Some("same-origin"),
            true,
            "the server's own page",
        ),
        (None, Some("none"), true, "typed by the user"),
        (
            Some(same),
            None,
            true,
            "no fetch metadata, Origin is the Host",
        ),
        (Some(EVIL), None, false, "no fetch metadata, another host"),
        (None, None, true, "not a browser"),
    ] {
        let res = test::call_service(&app, post_from(origin, site).to_request()).await;
        if allowed {
            expected_calls += 1;
            assert_eq!(res.status(), StatusCode::OK, "{why}");
        } else {
            assert_eq!(res.status(), StatusCode::FORBIDDEN, "{why}");
            assert!(
                res.headers()
                    .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
                    .is_none(),
                "{why}"
            );
        }
        assert_eq!(
            calls.count(),
            expected_calls,
            "{why}: the handler ran only when allowed"
        );
    }
    // Safe methods always pass.
    let get = TestRequest::get()
        .uri("/transfer")
        .insert_header((header::HOST, HOST))
        .insert_header((header::ORIGIN, EVIL))
        .insert_header(("sec-fetch-site", "cross-site"))
        .to_request();
    assert_eq!(test::call_service(&app, get).await.status(), StatusCode::OK);
}

#[actix_web::test]
async fn a_spoofed_forwarded_host_is_not_trusted_unless_the_proxy_is_declared() {
    let _log = quiet();
    let spoofed = || {
        post_from(Some(EVIL), None)
            .insert_header(("x-forwarded-host", "evil.example"))
            .insert_header(("forwarded", "host=evil.example"))
            .to_request()
    };
    let app = test::init_service(
        App::new()
            .app_data(web::Data::new(Calls::default()))
            .wrap(builder().build().unwrap())
            .route("/transfer", web::post().to(transfer)),
    )
    .await;
    assert_eq!(
        test::call_service(&app, spoofed()).await.status(),
        StatusCode::FORBIDDEN
    );
    let behind_proxy = test::init_service(
        App::new()
            .app_data(web::Data::new(Calls::default()))
            .wrap(builder().trust_forwarded_headers(true).build().unwrap())
            .route("/transfer", web::post().to(transfer)),
    )
    .await;
    assert_eq!(
        test::call_service(&behind_proxy, spoofed()).await.status(),
        StatusCode::OK
    );
}

#[actix_web::test]
async fn any_origin_reads_but_writes_only_when_told_and_the_403_is_readable() {
    let _log = quiet();
    let public = Cors::builder()
        .allow_any_origin()
        .cross_origin_protection(true)
        .build()
        .unwrap();
    let app = test::init_service(
        App::new()
            .app_data(web::Data::new(Calls::default()))
            .wrap(public)
            .route("/transfer", web::post().to(transfer)),
    )
    .await;
    let res =
        test::call_service(&app, post_from(Some(EVIL), Some("cross-site")).to_request()).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // The front end can read why: the policy's CORS headers are on the 403.
    assert_eq!(
        res.headers()
            .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
            .unwrap(),
        "*"
    );

    let open = Cors::builder()
        .allow_any_origin()
        .cross_origin_protection(true)
        .cross_origin_writes_from_any_origin(true)
        .build()
        .unwrap();
    let app = test::init_service(
        App::new()
            .app_data(web::Data::new(Calls::default()))
            .wrap(open)
            .route("/transfer", web::post().to(transfer)),
    )
    .await;
    let res =
        test::call_service(&app, post_from(Some(EVIL), Some("cross-site")).to_request()).await;
    assert_eq!(res.status(), StatusCode::OK);
}

/// A webhook receiver: called by other servers and sites, exempt.
#[cors(cross_origin_protection = false)]
#[post("/webhook")]
async fn webhook(calls: web::Data<Calls>) -> impl Responder {
    calls.0.fetch_add(1, Ordering::SeqCst);
    "received"
}

/// Protected even when the app-wide policy is not.
#[cors(cross_origin_protection = true)]
#[post("/settings")]
async fn settings(calls: web::Data<Calls>) -> impl Responder {
    calls.0.fetch_add(1, Ordering::SeqCst);
    "saved"
}

#[actix_web::test]
async fn handlers_exempt_or_require_it() {
    let _log = quiet();
    let cross = |path: &str| {
        TestRequest::post()
            .uri(path)
            .insert_header((header::HOST, HOST))
            .insert_header((header::ORIGIN, EVIL))
            .insert_header(("sec-fetch-site", "cross-site"))
            .to_request()
    };
    let calls = Calls::default();
    let protected = builder().build().unwrap();
    let app = test::init_service(
        App::new()
            .app_data(web::Data::new(calls.clone()))
            .wrap(protected.clone())
            .service(protected.handlers(webhook)),
    )
    .await;
    assert_eq!(
        test::call_service(&app, cross("/webhook")).await.status(),
        StatusCode::OK
    );
    assert_eq!(calls.count(), 1);

    let unprotected = builder().cross_origin_protection(false).build().unwrap();
    let app = test::init_service(
        App::new()
            .app_data(web::Data::new(calls.clone()))
            .wrap(unprotected.clone())
            .service(unprotected.handlers(settings))
            .route("/other", web::post().to(transfer)),
    )
    .await;
    assert_eq!(
        test::call_service(&app, cross("/settings")).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(calls.count(), 1, "the protected handler did not run");
    assert_eq!(
        test::call_service(&app, cross("/other")).await.status(),
        StatusCode::OK
    );
}

#[actix_web::test]
async fn a_refusal_is_one_explained_log_line() {
    let (captured, _guard) = Captured::warnings();
    // Other tests of this binary hit the same call sites on threads without
    // a subscriber; make them ask again now that this thread has one.
    tracing::callsite::rebuild_interest_cache();
    let app = test::init_service(
        App::new()
            .app_data(web::Data::new(Calls::default()))
            .wrap(builder().build().unwrap())
            .route("/transfer", web::post().to(transfer)),
    )
    .await;
    for _ in 0..3 {
        let res =
            test::call_service(&app, post_from(Some(EVIL), Some("cross-site")).to_request()).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
    }
    let text = captured.text();
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("cross-origin `POST"))
        .collect();
    assert_eq!(lines.len(), 1, "repeats are counted, not logged: {text}");
    assert!(
        lines[0].contains(
            "cross-origin `POST /transfer` from `https://evil.example` refused: `Sec-Fetch-Site: \
             cross-site` and the origin `https://evil.example` is not allowed; answered 403 \
             without running the handler (cross-origin protection); if this page should be able \
             to send it, add its origin to builder method `allowed_origin`"
        ),
        "{text}"
    );
}
