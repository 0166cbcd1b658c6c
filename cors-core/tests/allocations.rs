//! `Policy::decide` allocates nothing: counted with a global allocator that
//! wraps the system one. Policies are built first; only `decide` is measured.
//!
//! The counter is global and libtest runs tests on parallel threads, so this
//! file holds a single test function: nothing else allocates while it counts.

// `GlobalAlloc` is an unsafe trait; the library crates themselves forbid
// unsafe code, the workspace only denies it so this test may allow it.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};

use cors_core::{CorsRequest, Decision, Policy, RequestKind};

/// The system allocator, counting every allocation and reallocation.
struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every method forwards to `System` with the caller's arguments
// unchanged, so `System`'s guarantees carry over; counting touches only an atomic.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded unchanged; the caller upholds `alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded unchanged; the caller upholds `alloc_zeroed`'s contract.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded unchanged; the caller upholds `realloc`'s contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged; `ptr` came from `System` through us.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// How many allocations `f` makes.
fn allocations<T>(f: impl FnOnce() -> T) -> (usize, T) {
    let before = ALLOCATIONS.load(Ordering::SeqCst);
    let value = black_box(f());
    let after = ALLOCATIONS.load(Ordering::SeqCst);
    (after - before, value)
}

/// Decides `request` under `policy`, asserting it allocates nothing, and
/// returns the decision for the caller to check it is the one meant.
fn decide_without_allocating<'a>(
    what: &str,
    policy: &'a Policy,
    request: &CorsRequest<'a>,
) -> Decision<'a> {
    let (count, decision) = allocations(|| policy.decide(black_box(request)));
    assert_eq!(count, 0, "{what}: `decide` allocated {count} times");
    decision
}

#[test]
fn decide_allocates_nothing_for_allowed_and_refused_origins() {
    // The counter works: a vector allocates once.
    let (count, v) = allocations(|| Vec::<u64>::with_capacity(4));
    assert_eq!(count, 1, "the counting allocator does not count");
    drop(v);

    let exact = Policy::builder()
        .allowed_origin("https://app.example.com")
        .allowed_methods(["GET", "PUT", "DELETE"])
        .allowed_headers(["content-type", "x-request-id"])
        .expose_headers(["x-request-id"])
        .allow_credentials(true)
        .max_age(600)
        .build()
        .expect("the exact-origin policy builds");
    let pattern = Policy::builder()
        .allowed_origins(["https://*.preview.example.com", "http://localhost:*"])
        .allowed_methods(["GET", "PUT"])
        .allowed_headers(["content-type", "x-request-id"])
        .allow_private_network(true)
        .max_age(600)
        .build()
        .expect("the pattern policy builds");
    let any_header = Policy::builder()
        .allowed_origin("https://app.example.com")
        .allow_any_method()
        .allow_any_header()
        .allow_credentials(true)
        .build()
        .expect("the any-header policy builds");

    let app = "https://app.example.com";
    let preview = "https://pr-42.preview.example.com";

    let d = decide_without_allocating(
        "exact origin, preflight with two requested headers",
        &exact,
        &CorsRequest::new("OPTIONS")
            .origin(app)
            .request_method("PUT")
            .request_headers("content-type,x-request-id"),
    );
    assert_eq!(d.kind(), RequestKind::Preflight);
    assert!(d.is_allowed(), "{:?}", d.rejection());
    assert_eq!(
        d.headers().get("access-control-allow-headers"),
        Some("content-type, x-request-id")
    );

    let d = decide_without_allocating(
        "exact origin, actual request",
        &exact,
        &CorsRequest::new("GET").origin(app),
    );
    assert_eq!(d.kind(), RequestKind::Actual);
    assert_eq!(d.headers().allow_origin(), Some(app));

    let d = decide_without_allocating(
        "subdomain pattern, preflight with two requested headers and PNA",
        &pattern,
        &CorsRequest::new("OPTIONS")
            .origin(preview)
            .request_method("PUT")
            .request_headers("content-type,x-request-id")
            .request_private_network("true"),
    );
    assert_eq!(d.kind(), RequestKind::Preflight);
    assert!(d.is_allowed(), "{:?}", d.rejection());
    assert_eq!(d.headers().allow_origin(), Some(preview));

    let d = decide_without_allocating(
        "subdomain pattern, actual request",
        &pattern,
        &CorsRequest::new("GET").origin(preview),
    );
    assert_eq!(d.headers().allow_origin(), Some(preview));

    let d = decide_without_allocating(
        "port wildcard, actual request",
        &pattern,
        &CorsRequest::new("GET").origin("http://localhost:5173"),
    );
    assert_eq!(d.headers().allow_origin(), Some("http://localhost:5173"));

    let d = decide_without_allocating(
        "any header with credentials echoes the request's list",
        &any_header,
        &CorsRequest::new("OPTIONS")
            .origin(app)
            .request_method("PURGE")
            .request_headers("authorization,x-a"),
    );
    assert_eq!(
        d.headers().get("access-control-allow-headers"),
        Some("authorization,x-a")
    );

    for (policy, origin) in [
        (&exact, "https://evil.example"),
        (&pattern, "https://preview.example.com.evil.com"),
        (&pattern, "https://evilpreview.example.com"),
    ] {
        let d = decide_without_allocating(
            "rejected origin",
            policy,
            &CorsRequest::new("GET").origin(origin),
        );
        assert!(!d.is_allowed());
        let d = decide_without_allocating(
            "rejected origin, preflight",
            policy,
            &CorsRequest::new("OPTIONS")
                .origin(origin)
                .request_method("PUT"),
        );
        assert!(!d.is_allowed());
    }

    // A regex policy allocates on its first match on each thread: the regex
    // crate builds its matching cache lazily (62 allocations here), then
    // reuses it. From the second call on, nothing.
    let regex = Policy::builder()
        .allowed_origin_regex(r"https://pr-\d+\.example\.dev")
        .build()
        .expect("the regex policy builds");
    let pr = CorsRequest::new("GET").origin("https://pr-7.example.dev");
    black_box(regex.decide(&pr));
    let d = decide_without_allocating("regex, allowed, after a warm-up call", &regex, &pr);
    assert_eq!(d.headers().allow_origin(), Some("https://pr-7.example.dev"));
    let d = decide_without_allocating(
        "regex, refused, after a warm-up call",
        &regex,
        &CorsRequest::new("GET").origin("https://pr-7.example.dev.evil.com"),
    );
    assert!(!d.is_allowed());

    let long = "x".repeat(1 << 20);
    let d = decide_without_allocating(
        "1 MiB ACRH",
        &exact,
        &CorsRequest::new("OPTIONS")
            .origin(app)
            .request_method("PUT")
            .request_headers(&long),
    );
    assert!(!d.is_allowed());
}
