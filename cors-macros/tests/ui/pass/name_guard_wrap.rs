//! `#[cors]` with the `name`, `guard` and `wrap` keys of the routing
//! attribute: applied as actix-web applies them, the CORS layer outermost.

use actix_web::guard::GuardContext;
use actix_web::http::{header, StatusCode};
use actix_web::middleware::DefaultHeaders;
use actix_web::test::{self, TestRequest};
use actix_web::{get, App, HttpRequest, Responder};
use cors_actix::{cors, Cors};

fn has_token(ctx: &GuardContext<'_>) -> bool {
    ctx.head().headers().contains_key("x-token")
}

/// Documentation on the handler stays on the generated item.
#[cors(origins = ["https://admin.example"])]
#[get(
    "/reports",
    name = "report_list",
    guard = "has_token",
    wrap = "DefaultHeaders::new().add((\"x-wrapped\", \"1\"))"
)]
pub async fn reports(req: HttpRequest) -> impl Responder {
    req.url_for_static("report_list").unwrap().path().to_owned()
}

fn main() {
    actix_web::rt::System::new().block_on(async {
        let cors = Cors::default();
        let app = test::init_service(
            App::new()
                .wrap(cors.clone())
                .service(cors.handlers(reports)),
        )
        .await;

        let req = TestRequest::get()
            .uri("/reports")
            .insert_header((header::ORIGIN, "https://admin.example"))
            .insert_header(("x-token", "t"))
            .to_request();
        let res = test::call_service(&app, req).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers().get("x-wrapped").unwrap(), "1");
        assert_eq!(
            res.headers()
                .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
                .unwrap(),
            "https://admin.example"
        );
        assert_eq!(test::read_body(res).await, "/reports");

        let req = TestRequest::get()
            .uri("/reports")
            .insert_header((header::ORIGIN, "https://admin.example"))
            .to_request();
        let res = test::call_service(&app, req).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "the guard refuses");
    });
}
