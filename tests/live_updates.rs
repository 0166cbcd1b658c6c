//! Policies that change while the app runs: `Cors::handle()`.

use actix_web::http::header;
use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use actix_web::{get, web, App, HttpResponse, HttpServer, Responder};
use cors_actix::{cors, Cors, Policy};

#[allow(dead_code)]
mod support;
use support::raw_request;

const APP: &str = "https://app.example";
const NEW: &str = "https://new.example";

fn get_from(path: &str, origin: &str) -> TestRequest {
    TestRequest::get()
        .uri(path)
        .insert_header((header::ORIGIN, origin))
}

/// Public to every origin, without credentials.
#[cors(origins = ["*"], credentials = false)]
#[get("/public")]
async fn public() -> impl Responder {
    "public"
}

/// Any origin, inheriting the credentials setting.
#[cors(origins = ["*"])]
#[get("/star")]
async fn star() -> impl Responder {
    "star"
}

#[cors(expose = ["x-id"])]
#[get("/item")]
async fn item() -> impl Responder {
    HttpResponse::Ok().insert_header(("x-id", "1")).finish()
}

#[actix_web::test]
async fn an_update_is_answered_from_the_next_request_and_reaches_handlers() {
    let cors = Cors::builder().allowed_origin(APP).build().unwrap();
    let handle = cors.handle();
    let app = test::init_service(
        App::new()
            .wrap(cors.clone())
            .service(cors.handlers((public, item)))
            .route("/plain", web::get().to(|| async { "plain" })),
    )
    .await;
    let acao = |headers: &header::HeaderMap| {
        headers
            .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    let res = test::call_service(&app, get_from("/plain", NEW).to_request()).await;
    assert_eq!(acao(res.headers()), None);
    let res = test::call_service(&app, get_from("/item", NEW).to_request()).await;
    assert_eq!(acao(res.headers()), None);

    handle.update_origins([APP, NEW]).unwrap();
    let res = test::call_service(&app, get_from("/plain", NEW).to_request()).await;
    assert_eq!(acao(res.headers()).as_deref(), Some(NEW));
    // The handler inherits the origins: its merged policy followed.
    let res = test::call_service(&app, get_from("/item", NEW).to_request()).await;
    assert_eq!(acao(res.headers()).as_deref(), Some(NEW));
    assert_eq!(
        res.headers()
            .get(header::ACCESS_CONTROL_EXPOSE_HEADERS)
            .unwrap(),
        "x-id"
    );
    assert!(cors.policy().to_string().contains(NEW));
    assert!(handle.policy().to_string().contains(NEW));
}

#[actix_web::test]
async fn an_invalid_update_is_refused_and_the_running_policy_stays() {
    let cors = Cors::builder().allowed_origin(APP).build().unwrap();
    let handle = cors.handle();
    let app = test::init_service(
        App::new()
            .wrap(cors.clone())
            .service(cors.handlers((public, star)))
            .route("/plain", web::get().to(|| async { "plain" })),
    )
    .await;
    let err = handle
        .update_origins(["https://broken.example/"])
        .unwrap_err();
    assert!(err.to_string().contains("https://broken.example/"), "{err}");

    // Valid alone, but `star`'s `origins = ["*"]` merged with credentials
    // is not: refused, naming the handler.
    let with_credentials = Policy::builder()
        .allowed_origin(APP)
        .allow_credentials(true)
        .build()
        .unwrap();
    let err = handle.update(with_credentials).unwrap_err().to_string();
    assert!(err.contains("`star`"), "{err}");

    let res = test::call_service(&app, get_from("/plain", APP).to_request()).await;
    assert_eq!(
        res.headers()
            .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
            .unwrap(),
        APP
    );
    assert_eq!(
        res.headers().get(header::ACCESS_CONTROL_ALLOW_CREDENTIALS),
        None
    );
    let res = test::call_service(&app, get_from("/public", NEW).to_request()).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers()
            .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
            .unwrap(),
        "*"
    );
}

fn raw_get(addr: std::net::SocketAddr, origin: &str) -> String {
    raw_request(addr, &format!("GET /plain HTTP/1.1\r\nOrigin: {origin}")).1
}

/// Every worker of a real server answers from the new policy.
#[test]
fn every_worker_of_a_real_server_sees_the_update() {
    let cors = Cors::builder().allowed_origin(APP).build().unwrap();
    let handle = cors.handle();
    let (tx, rx) = std::sync::mpsc::channel();
    let thread = std::thread::spawn(move || {
        actix_rt::System::new().block_on(async move {
            let server = HttpServer::new(move || {
                App::new()
                    .wrap(cors.clone())
                    .route("/plain", web::get().to(|| async { "plain" }))
            })
            .workers(3)
            .disable_signals()
            .bind(("127.0.0.1", 0))
            .unwrap();
            let addr = server.addrs()[0];
            let server = server.run();
            tx.send((addr, server.handle())).unwrap();
            server.await
        })
    });
    let (addr, server) = rx.recv_timeout(std::time::Duration::from_secs(10)).unwrap();
    let allowed = format!("access-control-allow-origin: {NEW}");
    for _ in 0..9 {
        assert!(!raw_get(addr, NEW).contains(&allowed));
    }
    handle.update_origins([APP, NEW]).unwrap();
    // One connection per request: the workers take turns accepting them.
    for _ in 0..9 {
        let response = raw_get(addr, NEW);
        assert!(response.contains(&allowed), "{response}");
    }
    actix_rt::System::new().block_on(server.stop(false));
    thread.join().unwrap().unwrap();
}
