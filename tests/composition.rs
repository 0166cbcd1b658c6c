//! One request, one policy: app-wide `Cors`, scope `Cors` and `#[cors]`
//! handlers composed as real apps compose them (issue 12).
//!
//! Every test builds a real actix app with `actix_web::test::init_service`
//! and checks who answered: the headers of exactly one policy, and whether a
//! handler ran.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use actix_web::http::header::{self, HeaderMap};
use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use actix_web::{delete, get, post, put, web, App, HttpResponse, Responder};
use cors_actix::{cors, Cors};

#[allow(dead_code)]
mod support;
use support::{preflight, raw_request};

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
        assert_eq!(
            res.status(),
            StatusCode::FORBIDDEN,
            "preflight {method} {path}"
        );
        assert_eq!(acao(res.headers()), None, "preflight {method} {path}");

        let res = test::call_service(&app, preflight(path, ADMIN, method).to_request()).await;
        assert!(res.status().is_success(), "admin preflight {method} {path}");
        assert_eq!(
            acao(res.headers()),
            Some(ADMIN),
            "admin preflight {method} {path}"
        );
    }
    assert_eq!(calls.count(), 0, "no preflight runs a handler");
}

/// Inherits the app-wide policy.
#[cors]
#[get("/shared")]
async fn shared_get() -> impl Responder {
    "read"
}

/// With `block_disallowed_origins`, a method at an annotated path that no
/// annotated handler owns is blocked by the enclosing policy: the plain
/// handler registered for it never runs for a disallowed origin.
#[actix_web::test]
async fn blocking_applies_to_plain_methods_at_annotated_paths() {
    let cors = Cors::builder()
        .allowed_origin(APP)
        .allowed_methods(["GET", "POST"])
        .block_disallowed_origins(true)
        .build()
        .expect("valid test policy");
    let calls = Calls::default();
    let counted = calls.clone();
    let app = test::init_service(
        App::new()
            .wrap(cors.clone())
            .service(cors.handlers(shared_get))
            .route(
                "/shared",
                web::post().to(move || {
                    counted.0.fetch_add(1, Ordering::SeqCst);
                    async { HttpResponse::Ok().finish() }
                }),
            ),
    )
    .await;
    let evil = TestRequest::post()
        .uri("/shared")
        .insert_header((header::ORIGIN, "https://evil.example"))
        .to_request();
    let res = test::call_service(&app, evil).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        calls.count(),
        0,
        "the blocked POST must not run its handler"
    );

    let allowed = TestRequest::post()
        .uri("/shared")
        .insert_header((header::ORIGIN, APP))
        .to_request();
    let res = test::call_service(&app, allowed).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(acao(res.headers()), Some(APP));
    assert_eq!(calls.count(), 1);
}

#[cors(origins = ["*"], credentials = false)]
#[get("/multi")]
async fn multi_get() -> impl Responder {
    "anyone"
}

#[cors(origins = ["https://admin.example"])]
#[delete("/multi")]
async fn multi_delete() -> impl Responder {
    HttpResponse::NoContent().finish()
}

fn vary(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all(header::VARY)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().to_ascii_lowercase())
        .collect()
}

/// Two handlers at one path with different origins: the methods a preflight
/// answer lists depend on the origin, so every answer varies on it.
#[actix_web::test]
async fn preflight_answers_listing_several_handlers_vary_on_origin() {
    let cors = app_cors();
    let app = test::init_service(
        App::new()
            .wrap(cors.clone())
            .service(cors.handlers((multi_get, multi_delete))),
    )
    .await;
    for (origin, method) in [(ADMIN, "DELETE"), (ADMIN, "GET"), (APP, "GET")] {
        let res = test::call_service(&app, preflight("/multi", origin, method).to_request()).await;
        assert!(res.status().is_success(), "{origin} {method}");
        let vary = vary(res.headers());
        for input in [
            "origin",
            "access-control-request-method",
            "access-control-request-headers",
        ] {
            assert!(
                vary.iter().any(|v| v == input),
                "{origin} {method}: Vary {vary:?} lacks {input}"
            );
        }
    }
}

#[cors(expose = ["x-item"])]
#[get("/items/{id}")]
async fn get_item() -> impl Responder {
    HttpResponse::Ok().insert_header(("x-item", "1")).finish()
}

/// A method at an annotated handler's path that no annotated handler
/// registers falls back to the enclosing policy, which lists only that
/// method (its own list may name methods the handlers here refuse).
#[actix_web::test]
async fn unannotated_methods_fall_back_to_the_enclosing_policy() {
    let cors = app_cors();
    let app = test::init_service(
        App::new().wrap(cors.clone()).service(
            web::scope("/api").service(cors.handlers(get_item)).service(
                web::resource("/items/{id}")
                    .route(web::patch().to(|| async { HttpResponse::Ok().finish() })),
            ),
        ),
    )
    .await;
    let res = test::call_service(&app, preflight("/api/items/1", APP, "PATCH").to_request()).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(acao(res.headers()), Some(APP));
    assert_eq!(
        res.headers()
            .get(header::ACCESS_CONTROL_ALLOW_METHODS)
            .unwrap(),
        "PATCH"
    );
    let res =
        test::call_service(&app, preflight("/api/items/1", ADMIN, "PATCH").to_request()).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    let patch = TestRequest::patch()
        .uri("/api/items/1")
        .insert_header((header::ORIGIN, APP))
        .to_request();
    let res = test::call_service(&app, patch).await;
    assert_eq!(acao(res.headers()), Some(APP));
    let get = TestRequest::get()
        .uri("/api/items/1")
        .insert_header((header::ORIGIN, APP))
        .to_request();
    let res = test::call_service(&app, get).await;
    assert_eq!(
        res.headers()
            .get(header::ACCESS_CONTROL_EXPOSE_HEADERS)
            .unwrap(),
        "x-item"
    );
}

#[cors(origins = ["https://admin.example"])]
#[get("/things")]
async fn things_get() -> impl Responder {
    "things"
}

#[cors(origins = ["https://admin.example"])]
#[post("/things")]
async fn things_post() -> impl Responder {
    "created"
}

/// Handlers at one path registered through two `handlers(...)` calls behave
/// as if registered in one.
#[actix_web::test]
async fn split_registrations_at_one_path_behave_as_one() {
    let cors = app_cors();
    let split = test::init_service(
        App::new()
            .wrap(cors.clone())
            .service(cors.handlers(things_get))
            .service(cors.handlers(things_post)),
    )
    .await;
    let joined = test::init_service(
        App::new()
            .wrap(cors.clone())
            .service(cors.handlers((things_get, things_post))),
    )
    .await;
    for (origin, method) in [
        (ADMIN, "POST"),
        (ADMIN, "GET"),
        (APP, "POST"),
        (ADMIN, "PUT"),
    ] {
        let a = test::call_service(&split, preflight("/things", origin, method).to_request()).await;
        let b =
            test::call_service(&joined, preflight("/things", origin, method).to_request()).await;
        assert_eq!(a.status(), b.status(), "{origin} {method}");
        assert_eq!(acao(a.headers()), acao(b.headers()), "{origin} {method}");
    }
    let res = test::call_service(&split, preflight("/things", ADMIN, "POST").to_request()).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(acao(res.headers()), Some(ADMIN));
}

#[cors(origins = ["https://admin.example"])]
#[delete("/x")]
async fn scope_a_delete() -> impl Responder {
    HttpResponse::NoContent().finish()
}

#[cors(origins = ["*"], credentials = false)]
#[get("/x")]
async fn scope_b_get() -> impl Responder {
    "b"
}

/// The same relative path in two scopes keeps two independent policies.
#[actix_web::test]
async fn one_relative_path_in_two_scopes_keeps_two_policies() {
    let cors = app_cors();
    let app = test::init_service(
        App::new()
            .wrap(cors.clone())
            .service(web::scope("/a").service(cors.handlers(scope_a_delete)))
            .service(web::scope("/b").service(cors.handlers(scope_b_get))),
    )
    .await;
    let res = test::call_service(&app, preflight("/a/x", ADMIN, "DELETE").to_request()).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    // `/b/x` has no DELETE handler: the app-wide policy answers, which
    // refuses the admin origin.
    let res = test::call_service(&app, preflight("/b/x", ADMIN, "DELETE").to_request()).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = test::call_service(&app, preflight("/b/x", ADMIN, "GET").to_request()).await;
    assert_eq!(acao(res.headers()), Some("*"));
    let res = test::call_service(&app, preflight("/a/x", ADMIN, "GET").to_request()).await;
    assert_eq!(
        res.status(),
        StatusCode::FORBIDDEN,
        "GET /a/x: app-wide policy"
    );
}

const OTHER: &str = "https://other.example";

fn get(path: &str, origin: &str) -> TestRequest {
    TestRequest::get()
        .uri(path)
        .insert_header((header::ORIGIN, origin))
}

fn value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// A `Cors` on a scope or resource inside an app-wide one governs its
/// requests, preflights included; the app-wide one governs the rest.
#[actix_web::test]
async fn an_inner_cors_owns_its_scope_and_resource() {
    let cors = app_cors();
    let app = test::init_service(
        App::new()
            .wrap(cors.clone())
            .service(
                web::scope("/pub")
                    .wrap(Cors::permissive())
                    .route("/z", web::get().to(|| async { "z" }))
                    .route(
                        "/fail",
                        web::get().to(|| async {
                            Err::<HttpResponse, _>(actix_web::error::ErrorBadRequest("no"))
                        }),
                    ),
            )
            .service(
                web::resource("/open")
                    .wrap(Cors::permissive())
                    .route(web::put().to(|| async { "put" })),
            )
            .service(
                web::scope("/admin")
                    .wrap(
                        Cors::builder()
                            .allowed_origin(ADMIN)
                            .allowed_methods(["GET", "DELETE"])
                            .build()
                            .expect("valid test policy"),
                    )
                    .route("/x", web::delete().to(|| async { "deleted" })),
            )
            .route("/api/z", web::get().to(|| async { "api" })),
    )
    .await;

    // Preflights: the inner policy answers, never the outer one.
    let res = test::call_service(&app, preflight("/pub/z", OTHER, "GET").to_request()).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(acao(res.headers()), Some("*"));
    let res = test::call_service(&app, preflight("/open", OTHER, "PUT").to_request()).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(acao(res.headers()), Some("*"));
    // The outer policy allows APP, the admin scope's does not: refused.
    let res = test::call_service(&app, preflight("/admin/x", APP, "DELETE").to_request()).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(acao(res.headers()), None);
    let res = test::call_service(&app, preflight("/admin/x", ADMIN, "DELETE").to_request()).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(acao(res.headers()), Some(ADMIN));
    // Outside every inner layer: the app-wide policy.
    let res = test::call_service(&app, preflight("/api/z", OTHER, "GET").to_request()).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = test::call_service(&app, preflight("/api/z", APP, "PUT").to_request()).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(acao(res.headers()), Some(APP));
    assert_eq!(
        value(res.headers(), "access-control-allow-credentials"),
        Some("true")
    );

    // Actual requests: one policy's headers, never two.
    for path in ["/pub/z", "/pub/fail", "/pub/unknown"] {
        let res = test::call_service(&app, get(path, OTHER).to_request()).await;
        assert_eq!(acao(res.headers()), Some("*"), "{path}");
        assert_eq!(
            value(res.headers(), "access-control-expose-headers"),
            Some("*"),
            "{path}"
        );
        assert_eq!(
            value(res.headers(), "access-control-allow-credentials"),
            None,
            "{path}"
        );
    }
    let res = test::call_service(&app, get("/pub/z", APP).to_request()).await;
    assert_eq!(
        acao(res.headers()),
        Some("*"),
        "the outer policy must not add its echo"
    );
    assert_eq!(
        value(res.headers(), "access-control-allow-credentials"),
        None
    );
    let res = test::call_service(&app, get("/api/z", APP).to_request()).await;
    assert_eq!(acao(res.headers()), Some(APP));
    assert_eq!(
        value(res.headers(), "access-control-allow-credentials"),
        Some("true")
    );
    let res = test::call_service(&app, get("/api/z", OTHER).to_request()).await;
    assert_eq!(acao(res.headers()), None);
}

/// A scope without a `Cors` of its own is the app-wide policy's.
#[actix_web::test]
async fn a_scope_without_cors_keeps_the_app_wide_policy() {
    let cors = app_cors();
    let app = test::init_service(
        App::new()
            .wrap(cors.clone())
            .service(web::scope("/plain").route("/z", web::get().to(|| async { "z" }))),
    )
    .await;
    let res = test::call_service(&app, preflight("/plain/z", APP, "GET").to_request()).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(acao(res.headers()), Some(APP));
    let res = test::call_service(&app, get("/plain/unknown", APP).to_request()).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(acao(res.headers()), Some(APP));
}

#[cors(origins = ["https://admin.example"], expose = ["x-deep"])]
#[get("/deep/{id}")]
async fn deep() -> impl Responder {
    HttpResponse::Ok().insert_header(("x-deep", "1")).finish()
}

#[cors(disable)]
#[get("/quiet")]
async fn quiet() -> impl Responder {
    "quiet"
}

/// Annotated handlers two scopes deep, inside a scope `Cors`, and a
/// `#[cors(disable)]` handler next to them.
#[actix_web::test]
async fn annotated_handlers_two_scopes_deep_inside_a_scope_cors() {
    let cors = app_cors();
    let scope_cors = Cors::builder()
        .allowed_origins([APP, OTHER])
        .allowed_methods(["GET", "POST"])
        .build()
        .expect("valid test policy");
    let app = test::init_service(
        App::new().wrap(cors.clone()).service(
            web::scope("/v1").service(
                web::scope("/inner")
                    .wrap(scope_cors.clone())
                    .service(scope_cors.handlers((deep, quiet)))
                    .route("/deep/{id}", web::post().to(|| async { "posted" })),
            ),
        ),
    )
    .await;
    let res = test::call_service(
        &app,
        preflight("/v1/inner/deep/3", ADMIN, "GET").to_request(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(acao(res.headers()), Some(ADMIN));
    let res = test::call_service(&app, get("/v1/inner/deep/3", ADMIN).to_request()).await;
    assert_eq!(acao(res.headers()), Some(ADMIN));
    assert_eq!(
        value(res.headers(), "access-control-expose-headers"),
        Some("x-deep")
    );
    // POST at the same path is the scope policy's.
    let res = test::call_service(
        &app,
        preflight("/v1/inner/deep/3", OTHER, "POST").to_request(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(acao(res.headers()), Some(OTHER));
    let res = test::call_service(
        &app,
        preflight("/v1/inner/deep/3", ADMIN, "POST").to_request(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // `#[cors(disable)]`: no CORS headers from anyone, preflights refused.
    let res = test::call_service(&app, get("/v1/inner/quiet", APP).to_request()).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(acao(res.headers()), None);
    let res = test::call_service(&app, preflight("/v1/inner/quiet", APP, "GET").to_request()).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

/// Blocking happens before routing, so an outer `Cors` with
/// `block_disallowed_origins` blocks what its own policy refuses everywhere
/// (a request could otherwise slip past it to a plain handler whenever some
/// inner scope allows its origin); an inner `Cors` with blocking judges its
/// own scope by its own policy.
#[actix_web::test]
async fn blocking_is_decided_by_each_layer_before_routing() {
    let outer = Cors::builder()
        .allowed_origin(APP)
        .block_disallowed_origins(true)
        .build()
        .expect("valid test policy");
    let strict = Cors::builder()
        .allowed_origin(ADMIN)
        .block_disallowed_origins(true)
        .build()
        .expect("valid test policy");
    let calls = Calls::default();
    let (a, b) = (calls.clone(), calls.clone());
    let app = test::init_service(
        App::new()
            .wrap(outer)
            .service(web::scope("/pub").wrap(Cors::permissive()).route(
                "/z",
                web::post().to(move || {
                    a.0.fetch_add(1, Ordering::SeqCst);
                    async { "z" }
                }),
            ))
            .service(web::scope("/strict").wrap(strict).route(
                "/z",
                web::post().to(move || {
                    b.0.fetch_add(1, Ordering::SeqCst);
                    async { "z" }
                }),
            ))
            .route("/z", web::post().to(|| async { "z" })),
    )
    .await;
    let post = |path: &str, origin: &str| {
        TestRequest::post()
            .uri(path)
            .insert_header((header::ORIGIN, origin))
            .to_request()
    };
    // The outer policy refuses OTHER: blocked, though /pub would allow it.
    let res = test::call_service(&app, post("/pub/z", OTHER)).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(calls.count(), 0);
    // Allowed by the outer policy: the inner one owns the answer.
    let res = test::call_service(&app, post("/pub/z", APP)).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(acao(res.headers()), Some("*"));
    assert_eq!(calls.count(), 1);
    // The strict scope blocks what its own policy refuses.
    let res = test::call_service(&app, post("/strict/z", APP)).await;
    assert_eq!(
        res.status(),
        StatusCode::FORBIDDEN,
        "the strict scope owns /strict"
    );
    assert_eq!(acao(res.headers()), None);
    assert_eq!(calls.count(), 1, "blocked requests run no handler");
    // A plain route outside both: an origin some inner scope allows is
    // still blocked by the app-wide policy.
    let res = test::call_service(&app, post("/z", ADMIN)).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

/// The nested composition on a real `HttpServer` with two workers, on
/// 127.0.0.1: every worker builds the app, and each answers alike.
#[test]
fn nested_layers_and_handlers_on_a_real_server() {
    let (tx, rx) = std::sync::mpsc::channel();
    let thread = std::thread::spawn(move || {
        actix_rt::System::new().block_on(async move {
            let cors = app_cors();
            let server = actix_web::HttpServer::new(move || {
                App::new()
                    .app_data(web::Data::new(Calls::default()))
                    .wrap(cors.clone())
                    .service(
                        web::scope("/pub")
                            .wrap(Cors::permissive())
                            .route("/z", web::get().to(|| async { "z" })),
                    )
                    .service(web::scope("/api").service(cors.handlers(delete_admin)))
            })
            .workers(2)
            .disable_signals()
            .bind(("127.0.0.1", 0))
            .expect("bind 127.0.0.1");
            let addr = server.addrs()[0];
            let server = server.run();
            tx.send((addr, server.handle())).unwrap();
            server.await
        })
    });
    let (addr, handle) = rx
        .recv_timeout(std::time::Duration::from_secs(10))
        .expect("the server starts");
    // Several rounds, so both workers answer.
    for _ in 0..6 {
        let (status, head) = raw_request(
            addr,
            &format!(
                "OPTIONS /pub/z HTTP/1.1\r\nOrigin: {OTHER}\r\nAccess-Control-Request-Method: GET"
            ),
        );
        assert_eq!(status, 204, "{head}");
        assert!(head.contains("access-control-allow-origin: *"), "{head}");
        let (status, head) = raw_request(
            addr,
            &format!(
                "OPTIONS /api/%61dmin/1 HTTP/1.1\r\nOrigin: {APP}\r\nAccess-Control-Request-Method: DELETE"
            ),
        );
        assert_eq!(status, 403, "{head}");
        let (status, head) = raw_request(addr, &format!("GET /pub/z HTTP/1.1\r\nOrigin: {APP}"));
        assert_eq!(status, 200, "{head}");
        assert_eq!(
            head.matches("access-control-allow-origin").count(),
            1,
            "{head}"
        );
        assert!(head.contains("access-control-allow-origin: *"), "{head}");
    }
    actix_rt::System::new().block_on(handle.stop(false));
    thread
        .join()
        .expect("the server thread")
        .expect("the server ran");
}
