//! The examples' apps, built exactly as their `main` builds them and driven
//! in-process through `actix_web::test` (no port, no subprocess).

#[allow(dead_code, unreachable_pub)]
#[path = "../examples/builder.rs"]
mod builder;

#[allow(dead_code, unreachable_pub)]
#[path = "../examples/credentials.rs"]
mod credentials;

use actix_web::http::header::{self, HeaderMap};
use actix_web::http::{Method, StatusCode};
use actix_web::test::{self, TestRequest};
use actix_web::{web, App};

const ACAO: &str = "access-control-allow-origin";
const ACAC: &str = "access-control-allow-credentials";

fn value<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).map(|v| v.to_str().unwrap())
}

fn preflight(path: &str, origin: &str, method: &str, headers: Option<&str>) -> TestRequest {
    let mut req = TestRequest::default()
        .method(Method::OPTIONS)
        .uri(path)
        .insert_header((header::ORIGIN, origin))
        .insert_header((header::ACCESS_CONTROL_REQUEST_METHOD, method));
    if let Some(headers) = headers {
        req = req.insert_header((header::ACCESS_CONTROL_REQUEST_HEADERS, headers));
    }
    req
}

/// Sends `req` to `app` (a macro: the service's request type is not nameable
/// without a direct `actix-http` dependency).
macro_rules! call {
    ($app:expr, $req:expr $(,)?) => {
        test::call_service($app, $req.to_request())
    };
}

// ---------------------------------------------------------------------------
// examples/builder.rs
// ---------------------------------------------------------------------------

#[actix_rt::test]
async fn builder_example_policies_are_valid() {
    for debug in [false, true] {
        builder::Policies::new(debug).unwrap_or_else(|e| panic!("debug {debug}: {e}"));
    }
}

#[actix_rt::test]
async fn builder_example_api_answers_each_kind_of_allowed_origin() {
    let policies = builder::Policies::new(false).unwrap();
    let app = test::init_service(App::new().configure(|cfg| builder::routes(cfg, &policies))).await;
    for origin in [
        "https://app.example.com",
        "http://localhost:5173",
        "https://feature-x.preview.example.com",
        "https://pr-42.review.example.dev",
        "https://acme.tenants.example.com",
    ] {
        let res = call!(
            &app,
            preflight("/api/items/7", origin, "PATCH", Some("content-type")),
        )
        .await;
        // `preflight_status(PreflightStatus::Ok)`.
        assert_eq!(res.status(), StatusCode::OK, "{origin}");
        let h = res.headers();
        assert_eq!(value(h, ACAO), Some(origin));
        assert_eq!(value(h, ACAC), Some("true"));
        assert_eq!(
            value(h, "access-control-allow-methods"),
            Some("GET, POST, PUT, PATCH, DELETE")
        );
        assert_eq!(
            value(h, "access-control-allow-headers"),
            Some("content-type, authorization, x-request-id")
        );
        assert_eq!(value(h, "access-control-max-age"), Some("600"));
    }

    let res = call!(
        &app,
        TestRequest::get()
            .uri("/api/items")
            .insert_header((header::ORIGIN, "https://app.example.com")),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        value(res.headers(), "access-control-expose-headers"),
        Some("x-request-id, x-total-count")
    );
    assert_eq!(value(res.headers(), "vary"), Some("Origin"));
}

#[actix_rt::test]
async fn builder_example_api_blocks_other_origins_and_explains_when_asked() {
    for debug in [false, true] {
        let policies = builder::Policies::new(debug).unwrap();
        let app =
            test::init_service(App::new().configure(|cfg| builder::routes(cfg, &policies))).await;
        for origin in [
            "https://evil.example",
            "https://preview.example.com",
            "https://a-b.tenants.example.com",
        ] {
            let res = call!(
                &app,
                TestRequest::get()
                    .uri("/api/items")
                    .insert_header((header::ORIGIN, origin)),
            )
            .await;
            // `block_disallowed_origins(true)`: the handler does not run.
            assert_eq!(res.status(), StatusCode::FORBIDDEN, "{origin}");
            assert_eq!(value(res.headers(), ACAO), None);
            assert_eq!(
                value(res.headers(), "x-cors-rejected").is_some(),
                debug,
                "{origin}"
            );
        }
    }
}

#[actix_rt::test]
async fn builder_example_public_scope_answers_any_origin_with_stars() {
    let policies = builder::Policies::new(false).unwrap();
    let app = test::init_service(App::new().configure(|cfg| builder::routes(cfg, &policies))).await;
    let res = call!(
        &app,
        preflight(
            "/public/status",
            "https://anyone.example",
            "PURGE",
            Some("authorization,x-custom"),
        ),
    )
    .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let h = res.headers();
    assert_eq!(value(h, ACAO), Some("*"));
    assert_eq!(value(h, "access-control-allow-methods"), Some("*"));
    assert_eq!(
        value(h, "access-control-allow-headers"),
        Some("*, authorization")
    );
    assert_eq!(value(h, "access-control-max-age"), Some("7200"));
    assert_eq!(value(h, ACAC), None);

    let res = call!(
        &app,
        TestRequest::get()
            .uri("/public/status")
            .insert_header((header::ORIGIN, "https://anyone.example")),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(value(res.headers(), ACAO), Some("*"));
    assert_eq!(
        value(res.headers(), "access-control-expose-headers"),
        Some("*")
    );
}

#[actix_rt::test]
async fn builder_example_device_scope_answers_null_and_private_network_preflights() {
    let policies = builder::Policies::new(false).unwrap();
    let app = test::init_service(App::new().configure(|cfg| builder::routes(cfg, &policies))).await;
    let res = call!(
        &app,
        preflight("/device/config", "null", "PUT", Some("x-device-key"))
            .insert_header(("access-control-request-private-network", "true")),
    )
    .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let h = res.headers();
    assert_eq!(value(h, ACAO), Some("null"));
    assert_eq!(
        value(h, "access-control-allow-headers"),
        Some("x-device-key")
    );
    assert_eq!(
        value(h, "access-control-allow-private-network"),
        Some("true")
    );
    assert_eq!(value(h, ACAC), None);
}

// ---------------------------------------------------------------------------
// examples/credentials.rs
// ---------------------------------------------------------------------------

const PAGE_PORT: u16 = credentials::DEFAULT_PORT + 1;

fn page_origin() -> String {
    format!("http://127.0.0.1:{PAGE_PORT}")
}

#[actix_rt::test]
async fn credentials_example_logs_in_and_reads_the_session_across_origins() {
    let cors = credentials::api_cors(PAGE_PORT).unwrap();
    let sessions = web::Data::new(credentials::Sessions::default());
    let app = test::init_service(
        App::new()
            .wrap(cors)
            .configure(|cfg| credentials::api_routes(cfg, sessions.clone())),
    )
    .await;
    let origin = page_origin();

    // The preflight the browser sends before the JSON `POST /login`.
    let res = call!(
        &app,
        preflight("/login", &origin, "POST", Some("content-type")),
    )
    .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(value(res.headers(), ACAO), Some(origin.as_str()));
    assert_eq!(value(res.headers(), ACAC), Some("true"));
    assert_eq!(
        value(res.headers(), "access-control-allow-headers"),
        Some("content-type")
    );

    // Before logging in: a 401 the page can read (CORS headers on errors too).
    let res = call!(
        &app,
        TestRequest::get()
            .uri("/me")
            .insert_header((header::ORIGIN, origin.as_str())),
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(value(res.headers(), ACAO), Some(origin.as_str()));
    assert_eq!(value(res.headers(), ACAC), Some("true"));

    // Logging in sets the cookie, with the page's origin echoed.
    let res = call!(
        &app,
        TestRequest::post()
            .uri("/login")
            .insert_header((header::ORIGIN, origin.as_str()))
            .set_json(serde_json::json!({ "name": "ada" })),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(value(res.headers(), ACAO), Some(origin.as_str()));
    assert_eq!(value(res.headers(), ACAC), Some("true"));
    assert_eq!(value(res.headers(), "vary"), Some("Origin"));
    let cookie = value(res.headers(), "set-cookie").unwrap().to_owned();
    assert!(cookie.starts_with("session="), "{cookie}");
    assert!(cookie.contains("; HttpOnly; SameSite=Lax"), "{cookie}");
    let pair = cookie.split(';').next().unwrap().to_owned();

    // The browser sends it back on `GET /me` with `credentials: 'include'`.
    let res = call!(
        &app,
        TestRequest::get()
            .uri("/me")
            .insert_header((header::ORIGIN, origin.as_str()))
            .insert_header((header::COOKIE, format!("theme=dark; {pair}"))),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(value(res.headers(), ACAC), Some("true"));
    let body: serde_json::Value = test::read_body_json(res).await;
    assert_eq!(body, serde_json::json!({ "name": "ada" }));

    // Logging out forgets the session.
    let res = call!(
        &app,
        TestRequest::post()
            .uri("/logout")
            .insert_header((header::ORIGIN, origin.as_str()))
            .insert_header((header::COOKIE, pair.as_str())),
    )
    .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert!(value(res.headers(), "set-cookie")
        .unwrap()
        .contains("Max-Age=0"));
    let res = call!(
        &app,
        TestRequest::get()
            .uri("/me")
            .insert_header((header::COOKIE, pair.as_str())),
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

#[actix_rt::test]
async fn credentials_example_allows_only_the_page_origin() {
    let cors = credentials::api_cors(PAGE_PORT).unwrap();
    let sessions = web::Data::new(credentials::Sessions::default());
    let app = test::init_service(
        App::new()
            .wrap(cors)
            .configure(|cfg| credentials::api_routes(cfg, sessions.clone())),
    )
    .await;
    let localhost = format!("http://localhost:{PAGE_PORT}");
    let res = call!(
        &app,
        preflight("/login", &localhost, "POST", Some("content-type")),
    )
    .await;
    assert_eq!(value(res.headers(), ACAO), Some(localhost.as_str()));

    for other in ["http://127.0.0.1:9999", "https://evil.example"] {
        let res = call!(
            &app,
            preflight("/login", other, "POST", Some("content-type")),
        )
        .await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{other}");
        assert_eq!(value(res.headers(), ACAO), None, "{other}");
        assert_eq!(value(res.headers(), ACAC), None, "{other}");
    }
}

#[actix_rt::test]
async fn credentials_example_page_calls_the_api_with_credentials() {
    let app = test::init_service(
        App::new().configure(|cfg| credentials::page_routes(cfg, credentials::DEFAULT_PORT)),
    )
    .await;
    let res = call!(&app, TestRequest::get().uri("/")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        value(res.headers(), "content-type"),
        Some("text/html; charset=utf-8")
    );
    let html = String::from_utf8(test::read_body(res).await.to_vec()).unwrap();
    assert!(html.contains("credentials: 'include'"));
    assert!(html.contains("${location.hostname}:8082"));
    assert!(!html.contains("__API_PORT__"));
}

// ---------------------------------------------------------------------------
// examples/credentials.rs in headless Chromium
// ---------------------------------------------------------------------------

#[path = "browser/harness.rs"]
mod harness;

/// Runs the credentials example's API on an ephemeral port in its own
/// thread, allowing the harness's page origins (whose port is only known
/// once the harness runs). Returns the API's base URL.
fn start_credentials_api() -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_rt::System::new().block_on(async move {
            let cors = credentials::api_cors_for(["http://127.0.0.1:*", "http://localhost:*"])
                .expect("valid test policy");
            let sessions = web::Data::new(credentials::Sessions::default());
            let server = actix_web::HttpServer::new(move || {
                let sessions = sessions.clone();
                App::new()
                    .wrap(cors.clone())
                    .configure(|cfg| credentials::api_routes(cfg, sessions))
            })
            .workers(1)
            .disable_signals()
            .bind(("127.0.0.1", 0))
            .expect("a free port");
            let port = server.addrs()[0].port();
            let running = server.run();
            tx.send(port).expect("the test is waiting");
            running.await
        })
    });
    let port = rx.recv().expect("the API started");
    format!("http://127.0.0.1:{port}")
}

fn session_cases(api: &str) -> Vec<harness::FetchCase> {
    let login = "{method: 'POST', credentials: 'include', \
                 headers: {'content-type': 'application/json'}, \
                 body: JSON.stringify({name: 'ada'})}";
    vec![
        harness::FetchCase::new("me before login", format!("{api}/me"))
            .init("{credentials: 'include'}"),
        harness::FetchCase::new("login", format!("{api}/login")).init(login),
        harness::FetchCase::new("me", format!("{api}/me")).init("{credentials: 'include'}"),
        harness::FetchCase::new("me without credentials", format!("{api}/me")),
    ]
}

/// The claims of the example's docs, in a real browser: a `SameSite=Lax`
/// cookie set by a credentialed CORS response is stored and sent back when
/// the page and the API differ only by port (same site), and not when the
/// page is on `localhost` and the API on `127.0.0.1` (two sites).
#[test]
fn credentials_example_session_cookie_works_same_site_in_chromium() {
    let Some(chromium) = harness::require_or_skip() else {
        return;
    };
    let api = start_credentials_api();

    let same_site = harness::run_cases(&chromium, "127.0.0.1", &session_cases(&api));
    let statuses: Vec<(&str, Option<u16>)> = same_site
        .iter()
        .map(|o| (o.name.as_str(), o.status))
        .collect();
    assert_eq!(
        statuses,
        [
            ("me before login", Some(401)),
            ("login", Some(200)),
            ("me", Some(200)),
            ("me without credentials", Some(401)),
        ],
        "{same_site:#?}"
    );
    assert_eq!(same_site[2].body.as_deref(), Some(r#"{"name":"ada"}"#));

    // Page on `localhost`, API on `127.0.0.1`: CORS allows every call, but
    // the `SameSite=Lax` cookie of a cross-site response is not kept.
    let cross_site = harness::run_cases(&chromium, "localhost", &session_cases(&api));
    let statuses: Vec<(&str, Option<u16>)> = cross_site
        .iter()
        .map(|o| (o.name.as_str(), o.status))
        .collect();
    assert_eq!(
        statuses,
        [
            ("me before login", Some(401)),
            ("login", Some(200)),
            ("me", Some(401)),
            ("me without credentials", Some(401)),
        ],
        "{cross_site:#?}"
    );
}
