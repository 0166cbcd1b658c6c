//! The middleware's decision allocates nothing for an allowed exact origin.
//!
//! A counting allocator wraps the system allocator; counts are per thread,
//! so tests running in parallel do not disturb each other. The decision is
//! taken through the public API exactly as the middleware takes it: the
//! policy of a `cors_actix::Cors`, and a `cors_core::CorsRequest` borrowed
//! from the request's headers.
//!
//! `cargo test -p cors-actix --test allocations -- --nocapture` also prints,
//! for information only, the allocations of one whole request through no
//! middleware, actix-cors 0.7 and cors-actix.
#![allow(unsafe_code)] // the counting `GlobalAlloc` below

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll};

use actix_web::http::header::{self, HeaderMap, HeaderName};
use actix_web::http::Method;
use actix_web::App;
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

#[path = "../benches/support/stacks.rs"]
mod stacks;
use stacks::{actix_cors, cors_actix, routes, Scenario, ALLOWED, SCENARIOS};

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

/// For the report, not a goal: prints the allocations of one request per stack.
#[test]
fn allocations_per_request_for_information() {
    let system = actix_rt::System::new();
    let none = system.block_on(actix_web::test::init_service(App::new().configure(routes)));
    let theirs = system.block_on(actix_web::test::init_service(
        App::new().wrap(actix_cors()).configure(routes),
    ));
    let ours = system.block_on(actix_web::test::init_service(
        App::new().wrap(cors_actix()).configure(routes),
    ));
    println!("allocations per request (call_service, response dropped):");
    println!("| scenario | none | actix-cors | cors-actix |");
    println!("|---|---:|---:|---:|");
    for scenario in SCENARIOS {
        let make = || scenario.request().to_request();
        let counts = [
            per_request(&none, make),
            per_request(&theirs, make),
            per_request(&ours, make),
        ];
        println!(
            "| {} | {} | {} | {} |",
            scenario.name(),
            counts[0],
            counts[1],
            counts[2]
        );
    }
}
