//! The log budget, through a real app: the first refusal of each reason and
//! origin is logged in full, repeats are not, a summary of what was held
//! back comes with the first refusal after the window, and however many
//! origins an attacker cycles through, the log gets at most the cap of full
//! lines while the budget's table stays within its capacity.
//!
//! Each test captures events with a thread-local subscriber
//! (`tracing::subscriber::set_default`) and drives the app on the same
//! thread, as `tests/diagnostics.rs` does.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::http::header;
use actix_web::test::{self, TestRequest};
use actix_web::{web, App, HttpResponse};
use cors_actix::{Cors, LogBudgetConfig};
use tracing::field::{Field, Visit};
use tracing::subscriber::DefaultGuard;
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

const APP: &str = "https://app.example.com";

/// `warn` messages of this crate, as written.
#[derive(Clone, Default)]
struct Warnings(Arc<Mutex<Vec<String>>>);

struct Message(String);

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.0 = format!("{value:?}");
        }
    }
}

impl<S: Subscriber> Layer<S> for Warnings {
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let meta = event.metadata();
        if *meta.level() != Level::WARN || !meta.target().starts_with("cors_actix") {
            return;
        }
        let mut message = Message(String::new());
        event.record(&mut message);
        self.0.lock().unwrap().push(message.0);
    }
}

impl Warnings {
    /// Captures this thread's events until the guard is dropped.
    fn capture() -> (Warnings, DefaultGuard) {
        let warnings = Warnings::default();
        let subscriber = tracing_subscriber::registry().with(warnings.clone());
        (warnings, tracing::subscriber::set_default(subscriber))
    }

    fn containing(&self, needle: &str) -> Vec<String> {
        let all = self.0.lock().unwrap();
        all.iter().filter(|m| m.contains(needle)).cloned().collect()
    }

    /// Refusals explained in full.
    fn refusals(&self) -> usize {
        self.containing(" rejected: ").len()
    }

    fn summaries(&self) -> Vec<String> {
        self.containing("were not logged")
    }
}

fn cors(budget: LogBudgetConfig) -> Cors {
    Cors::builder()
        .allowed_origin(APP)
        .log_budget(budget)
        .build()
        .unwrap()
}

/// The app: one route, the policy allowing only `APP`.
macro_rules! app {
    ($cors:expr) => {
        test::init_service(
            App::new()
                .wrap($cors)
                .route("/api/items", web::get().to(HttpResponse::Ok)),
        )
        .await
    };
}

fn refused_get(origin: &str) -> TestRequest {
    TestRequest::get()
        .uri("/api/items")
        .insert_header((header::ORIGIN, origin))
}

#[actix_web::test]
async fn first_refusal_is_logged_in_full_and_a_thousand_repeats_are_not() {
    let (warnings, _guard) = Warnings::capture();
    let app = app!(cors(LogBudgetConfig::default()));
    for _ in 0..1001 {
        let res = test::call_service(&app, refused_get("https://evil.example").to_request()).await;
        assert!(res.status().is_success());
    }
    let full = warnings.containing(" rejected: ");
    assert_eq!(full.len(), 1, "{full:#?}");
    assert!(
        full[0].starts_with(
            "CORS request GET /api/items from `https://evil.example` rejected: origin \
             `https://evil.example` is not in the allowed origins"
        ),
        "{}",
        full[0]
    );
    assert!(warnings.summaries().is_empty());
}

#[actix_web::test]
async fn summary_of_what_was_held_back_comes_with_the_first_refusal_after_the_window() {
    let (warnings, _guard) = Warnings::capture();
    let app = app!(cors(LogBudgetConfig {
        window: Duration::from_millis(50),
        ..LogBudgetConfig::default()
    }));
    for _ in 0..11 {
        test::call_service(&app, refused_get("https://evil.example").to_request()).await;
    }
    test::call_service(&app, refused_get("null").to_request()).await;
    test::call_service(&app, refused_get("null").to_request()).await;
    assert_eq!(warnings.refusals(), 2);
    assert!(warnings.summaries().is_empty());

    // No timer: nothing is written until the next refusal.
    std::thread::sleep(Duration::from_millis(60));
    assert!(warnings.summaries().is_empty());
    test::call_service(&app, refused_get("https://evil.example").to_request()).await;

    let summaries = warnings.summaries();
    assert_eq!(summaries.len(), 1, "{summaries:#?}");
    let summary = &summaries[0];
    let (start, end) = summary
        .split_once(" ms (")
        .unwrap_or_else(|| panic!("{summary}"));
    assert!(
        start.starts_with("CORS: 11 request explanations were not logged in the last "),
        "{summary}"
    );
    assert_eq!(
        end,
        "origin-not-allowed: 11), from 2 distinct origins; the first of each kind and origin \
         was logged in full above, at most 100 lines per 50 ms; to change the budget, see \
         `CorsBuilder::log_budget`"
    );
    // A new window: the origin is explained again, once.
    assert_eq!(warnings.refusals(), 3);
    test::call_service(&app, refused_get("https://evil.example").to_request()).await;
    assert_eq!(warnings.refusals(), 3);
    assert_eq!(warnings.summaries().len(), 1);
}

#[actix_web::test]
async fn a_hundred_thousand_distinct_origins_get_at_most_the_cap_of_full_lines() {
    let (warnings, _guard) = Warnings::capture();
    let cors = cors(LogBudgetConfig::default());
    let budget_of = cors.clone();
    let app = app!(cors);
    for i in 0..100_000u32 {
        let origin = format!("https://{i}.evil.example");
        test::call_service(&app, refused_get(&origin).to_request()).await;
    }
    assert_eq!(warnings.refusals(), 100);
    let budget = budget_of.__log_budget();
    assert_eq!(budget.capacity(), 1024);
    assert!(budget.remembered() <= budget.capacity(), "{budget:?}");
}

#[actix_web::test]
async fn refusals_of_different_methods_from_one_origin_are_each_explained() {
    let (warnings, _guard) = Warnings::capture();
    let app = app!(cors(LogBudgetConfig::default()));
    for method in ["PUT", "DELETE", "PUT", "DELETE"] {
        let req = TestRequest::default()
            .method(actix_web::http::Method::OPTIONS)
            .uri("/api/items")
            .insert_header((header::ORIGIN, APP))
            .insert_header((header::ACCESS_CONTROL_REQUEST_METHOD, method))
            .to_request();
        test::call_service(&app, req).await;
    }
    assert_eq!(warnings.refusals(), 2);
}

#[actix_web::test]
async fn unlimited_budget_logs_every_refusal() {
    let (warnings, _guard) = Warnings::capture();
    let app = app!(cors(LogBudgetConfig::unlimited()));
    for _ in 0..50 {
        test::call_service(&app, refused_get("https://evil.example").to_request()).await;
    }
    assert_eq!(warnings.refusals(), 50);
    assert!(warnings.summaries().is_empty());
}
