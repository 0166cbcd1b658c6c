//! The middleware adds no heap allocation to any kind of request, counted
//! over the whole service call against the same app without it; and its
//! decision allocates nothing for an allowed exact origin.
//!
//! A counting allocator wraps the system allocator; counts are per thread,
//! so tests running in parallel do not disturb each other. The decision is
//! taken through the public API exactly as the middleware takes it: the
//! policy of a `cors_actix::Cors`, and a `cors_core::CorsRequest` borrowed
//! from the request's headers.
//!
//! `cargo test --release -p cors-actix --test allocations -- --nocapture`
//! prints the counts per request kind and stack (the table of
//! `BENCHMARKS.md`). No logger or subscriber is installed, as in the
//! benchmark.
#![allow(unsafe_code)] // the counting `GlobalAlloc` below

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll};

use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderName};
use actix_web::http::Method;
use actix_web::test::TestRequest;
use actix_web::{get, web, App, HttpResponse, Responder};
use cors_actix::cors;
use cors_core::{CorsRequest, HeaderField, RequestKind};

struct CountingAllocator;

thread_local! {
    /// Allocations (including reallocations) made by this thread.
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

fn count_one() {
    // `try_with`: the slot may be gone while the thread shuts down.
    let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
}

// SAFETY: every call is forwarded unchanged to `System`; the counter is a
// const-initialised thread-local `Cell`, which never allocates.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_one();
        System.alloc(layout)
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count_one();
        System.alloc_zeroed(layout)
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count_one();
        System.realloc(ptr, layout, new_size)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

/// Runs `f` and returns its result with the allocations it made on this thread.
fn allocations<T>(f: impl FnOnce() -> T) -> (T, u64) {
    let before = ALLOCATIONS.with(Cell::get);
    let value = f();
    let after = ALLOCATIONS.with(Cell::get);
    (value, after - before)
}

// The variant stacks and their scenarios are timed only (benches).
#[allow(dead_code)]
#[path = "../benches/support/stacks.rs"]
mod stacks;
use stacks::{actix_cors, cors_actix, routes, shared_headers, Scenario, ALLOWED, SCENARIOS};

/// One header as the middleware reads it (`src/request.rs`), by `HeaderName`:
/// looking a custom name up by `&str` would allocate a `HeaderName` each time.
fn field<'a>(headers: &'a HeaderMap, name: &HeaderName) -> HeaderField<'a> {
    HeaderField::from_values(headers.get_all(name).map(|v| v.as_bytes()))
}

const ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK: HeaderName =
    HeaderName::from_static(cors_core::header::ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK);

/// The engine's view of a request, built as the middleware builds it.
fn cors_request<'a>(method: &'a Method, headers: &'a HeaderMap) -> CorsRequest<'a> {
    CorsRequest {
        method: method.as_str(),
        origin: field(headers, &header::ORIGIN),
        request_method: field(headers, &header::ACCESS_CONTROL_REQUEST_METHOD),
        request_headers: field(headers, &header::ACCESS_CONTROL_REQUEST_HEADERS),
        request_private_network: field(headers, &ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK),
    }
}

#[test]
fn deciding_an_allowed_exact_origin_allocates_nothing() {
    let cors = cors_actix();
    let policy = cors.policy();
    for (scenario, kind) in [
        (Scenario::ActualAllowed, RequestKind::Actual),
        (Scenario::PreflightAllowed, RequestKind::Preflight),
    ] {
        let name = scenario.name();
        let http = scenario.request().to_http_request();
        let request = cors_request(http.method(), http.headers());
        // Once outside the count, so that nothing lazily set up on first use
        // (in the engine or in the standard library) is counted.
        let warm = policy.decide(&request);
        assert!(warm.is_allowed(), "{name}");

        let (decision, count) = allocations(|| policy.decide(&request));
        assert!(decision.is_allowed(), "{name}");
        assert_eq!(decision.kind(), kind, "{name}");
        assert_eq!(decision.headers().allow_origin(), Some(ALLOWED), "{name}");
        assert_eq!(
            count, 0,
            "{name}: `Policy::decide` allocated {count} times for an allowed exact origin"
        );

        // Reading the headers as the middleware does allocates nothing either.
        let (_, count) = allocations(|| cors_request(http.method(), http.headers()));
        assert_eq!(count, 0, "{name}: reading the request's CORS headers");
    }
}

#[test]
fn the_counter_sees_allocations() {
    let (_, count) = allocations(|| std::hint::black_box(vec![1u8; 16]));
    assert_eq!(count, 1);
}

/// Polls `fut` once; every handler here is ready at once.
fn complete<F: Future>(fut: F) -> F::Output {
    let mut fut = pin!(fut);
    let mut cx = Context::from_waker(futures_util::task::noop_waker_ref());
    match fut.as_mut().poll(&mut cx) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("a handler was not ready at once"),
    }
}

/// Allocations of one whole `call_service` (request built outside the count,
/// response dropped inside it), after a few warm-up calls.
fn per_request<S, B, R>(app: &S, make: impl Fn() -> R) -> u64
where
    S: actix_web::dev::Service<
        R,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
{
    for _ in 0..8 {
        drop(complete(actix_web::test::call_service(app, make())));
    }
    let req = make();
    let (_, count) = allocations(|| drop(complete(actix_web::test::call_service(app, req))));
    count
}

/// A request kind's name, and how to build its request.
type Requests = Vec<(&'static str, fn() -> TestRequest)>;

/// One app, with and without the middleware, and the requests sent to both.
struct Case {
    name: &'static str,
    requests: Requests,
}

/// `(kind, none, actix-cors or "", cors-actix)` for each request of a case.
type Counts = Vec<(&'static str, u64, Option<u64>, u64)>;

/// Counts each request of `case` through `bare` and `ours`, printing one
/// table row per request; `theirs`: actix-cors's counts, if measured.
fn count<S1, S2, B1, B2, R>(
    case: &Case,
    bare: &S1,
    ours: &S2,
    to_request: fn(TestRequest) -> R,
    theirs: &[u64],
) -> Counts
where
    S1: Service<R, Response = ServiceResponse<B1>, Error = actix_web::Error>,
    S2: Service<R, Response = ServiceResponse<B2>, Error = actix_web::Error>,
{
    let mut rows = Vec::new();
    for (i, (kind, request)) in case.requests.iter().enumerate() {
        let make = || to_request(request());
        let none = per_request(bare, make);
        let cors_actix = per_request(ours, make);
        let actix_cors = theirs.get(i).copied();
        let shown = actix_cors.map_or_else(String::new, |n| n.to_string());
        println!(
            "| {} | {kind} | {none} | {shown} | {cors_actix} |",
            case.name
        );
        rows.push((*kind, none, actix_cors, cors_actix));
    }
    rows
}

/// Fails, naming every request kind the middleware added an allocation to.
fn assert_none_added(case: &str, rows: &Counts) {
    let added: Vec<String> = rows
        .iter()
        .filter(|(_, none, _, ours)| ours > none)
        .map(|(kind, none, _, ours)| format!("{kind}: {none} → {ours}"))
        .collect();
    assert!(
        added.is_empty(),
        "{case}: the middleware added allocations to {}",
        added.join(", ")
    );
}

/// Inherits the app-wide policy: its presence makes every preflight in the
/// process ask the resource map whether a `#[cors]` route owns the path.
#[cors]
#[get("/annotated")]
async fn annotated_get() -> impl Responder {
    HttpResponse::Ok().body("annotated")
}

async fn plain_get() -> HttpResponse {
    HttpResponse::Ok().body("annotated")
}

fn preflight(path: &str, origin: &str, method: &str) -> TestRequest {
    TestRequest::default()
        .method(Method::OPTIONS)
        .uri(path)
        .insert_header((header::ORIGIN, origin))
        .insert_header((header::ACCESS_CONTROL_REQUEST_METHOD, method))
}

/// The requests of the benchmark table, by name.
fn benchmark_requests() -> Requests {
    vec![
        ("preflight-allowed", || Scenario::PreflightAllowed.request()),
        ("actual-allowed", || Scenario::ActualAllowed.request()),
        ("actual-disallowed", || Scenario::ActualDisallowed.request()),
        ("no-origin", || Scenario::NoOrigin.request()),
        ("preflight-rejected", || {
            Scenario::PreflightRejected.request()
        }),
    ]
}

/// Every request kind of the benchmark table, then the same in an app with a
/// `#[cors]` handler (and requests to it), then under a scope `Cors` nested
/// in an app-wide one. One test, in this order: registering the `#[cors]`
/// handler changes the preflight path of every app in the process.
#[test]
fn the_middleware_adds_no_allocation_to_any_request_kind() {
    let system = actix_rt::System::new();
    macro_rules! init {
        ($app:expr $(,)?) => {
            system.block_on(actix_web::test::init_service($app))
        };
    }
    // Header values as a server's decoder makes them (see `shared_headers`).
    let to_request = |req: TestRequest| shared_headers(req.to_request());
    assert_eq!(SCENARIOS.len(), benchmark_requests().len());
    println!("allocations per request (call_service, response dropped):");
    println!("| app | request | none | actix-cors | cors-actix |");
    println!("|---|---|---:|---:|---:|");

    // The benchmark's own stacks.
    let plain = Case {
        name: "benchmark stacks",
        requests: benchmark_requests(),
    };
    let bare = init!(App::new().configure(routes));
    let theirs = init!(App::new().wrap(actix_cors()).configure(routes));
    let ours = init!(App::new().wrap(cors_actix()).configure(routes));
    let actix_cors: Vec<u64> = plain
        .requests
        .iter()
        .map(|(_, request)| per_request(&theirs, || to_request(request())))
        .collect();
    let rows = count(&plain, &bare, &ours, to_request, &actix_cors);
    assert_none_added(plain.name, &rows);

    // An app with a `#[cors]` handler: the benchmark's requests, and
    // requests to the handler's path.
    let cors = cors_actix();
    let mut requests = benchmark_requests();
    requests.extend([
        (
            "annotated: preflight-allowed",
            (|| preflight("/annotated", ALLOWED, "GET")) as fn() -> TestRequest,
        ),
        ("annotated: preflight-rejected", || {
            preflight("/annotated", stacks::DISALLOWED, "GET")
        }),
        ("annotated: actual-allowed", || {
            TestRequest::get()
                .uri("/annotated")
                .insert_header((header::ORIGIN, ALLOWED))
        }),
        ("annotated: actual-disallowed", || {
            TestRequest::get()
                .uri("/annotated")
                .insert_header((header::ORIGIN, stacks::DISALLOWED))
        }),
        ("annotated: no-origin", || {
            TestRequest::get().uri("/annotated")
        }),
    ]);
    let handler = Case {
        name: "with a `#[cors]` handler",
        requests,
    };
    let bare = init!(App::new()
        .configure(routes)
        .route("/annotated", web::get().to(plain_get)),);
    let ours = init!(App::new()
        .wrap(cors.clone())
        .configure(routes)
        .service(cors.handlers(annotated_get)),);
    let rows = count(&handler, &bare, &ours, to_request, &[]);

    // A scope `Cors` inside an app-wide one: reported, not asserted (the
    // nested design marks requests and responses in their extension maps).
    let nested = Case {
        name: "scope `Cors` nested in an app-wide one",
        requests: benchmark_requests(),
    };
    let bare_nested = init!(App::new().service(web::scope("").configure(routes)));
    let ours_nested = init!(App::new()
        .wrap(cors_actix())
        .service(web::scope("").wrap(cors_actix()).configure(routes)),);
    let nested_rows = count(&nested, &bare_nested, &ours_nested, to_request, &[]);
    for (kind, none, _, ours) in &nested_rows {
        if ours > none {
            println!(
                "note: nested layers add {} allocation(s) to {kind}",
                ours - none
            );
        }
    }

    // The app's plain routes pay nothing for the `#[cors]` handler beside
    // them. Requests routed to the handler itself are reported, and held to
    // the counts measured when this test was written, so that no new
    // allocation creeps in (see BENCHMARKS.md for where they come from).
    let (annotated, plain): (Counts, Counts) = rows
        .into_iter()
        .partition(|(kind, ..)| kind.starts_with("annotated"));
    assert_none_added(handler.name, &plain);
    for (kind, none, _, ours) in &annotated {
        let known = if *kind == "annotated: preflight-allowed" {
            5
        } else {
            3
        };
        println!(
            "note: the `#[cors]` handler's route adds {} allocation(s) to {kind}",
            ours.saturating_sub(*none)
        );
        assert!(
            *ours <= none + known,
            "{kind}: {none} → {ours} allocations, more than the {known} the handler's \
             route added when this test was written"
        );
    }
}
