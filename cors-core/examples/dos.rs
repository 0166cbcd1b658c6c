//! What hostile request headers cost `Policy::decide` (SECURITY.md, G10):
//! the median time per call and the peak heap it uses, for each input of
//! the G10 table, next to rs/cors CVE-2025-47908 (127 ms and 121 MB for
//! 1 MiB of commas in `Access-Control-Request-Headers`).
//!
//! ```text
//! cargo run --release -p cors-core --example dos
//! ```
//!
//! Heap is measured with a counting global allocator that tracks the bytes
//! currently allocated and their peak; each input is measured from a fresh
//! peak, so the figure is what `decide` itself allocates at most (the input
//! is built beforehand and not counted).

// `GlobalAlloc` is an unsafe trait: the library crates forbid unsafe code,
// the workspace only denies it so a measuring program like this may allow it.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use cors_core::{CorsRequest, HeaderField, Policy};

/// The system allocator, tracking the bytes in use and their peak.
struct Tracking;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grow(bytes: usize) {
    let now = CURRENT.fetch_add(bytes, Ordering::Relaxed) + bytes;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

fn shrink(bytes: usize) {
    CURRENT.fetch_sub(bytes, Ordering::Relaxed);
}

// SAFETY: every method forwards to `System` with the caller's arguments
// unchanged, so `System`'s guarantees carry over; the bookkeeping touches
// only atomics.
unsafe impl GlobalAlloc for Tracking {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged; the caller upholds `alloc`'s contract.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            grow(layout.size());
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged; the caller upholds `alloc_zeroed`'s contract.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            grow(layout.size());
        }
        ptr
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded unchanged; the caller upholds `realloc`'s contract.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            shrink(layout.size());
            grow(new_size);
        }
        new
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        shrink(layout.size());
        // SAFETY: forwarded unchanged; `ptr` came from `System` through us.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Tracking = Tracking;

/// Calls per timed sample, and samples per input.
const BATCH: u32 = 200;
const SAMPLES: usize = 301;

struct Measured {
    median_ns: f64,
    max_sample_ns: f64,
    peak_bytes: usize,
    outcome: String,
}

fn measure(policy: &Policy, request: &CorsRequest<'_>) -> Measured {
    let decision = policy.decide(request);
    let outcome = match decision.rejection() {
        Some(rejection) => format!("refused: {}", rejection.code()),
        None => "allowed".to_owned(),
    };
    // Warm up (the regex crate fills a per-thread cache on first use).
    for _ in 0..BATCH {
        black_box(policy.decide(black_box(request)));
    }

    let baseline = CURRENT.load(Ordering::SeqCst);
    PEAK.store(baseline, Ordering::SeqCst);
    let mut samples = Vec::with_capacity(SAMPLES);
    // Reserve before measuring so the sample vector never grows inside.
    let peak_before = PEAK.load(Ordering::SeqCst);
    for _ in 0..SAMPLES {
        let started = Instant::now();
        for _ in 0..BATCH {
            black_box(policy.decide(black_box(request)));
        }
        samples.push(started.elapsed().as_nanos() as f64 / f64::from(BATCH));
    }
    let peak_bytes = PEAK.load(Ordering::SeqCst).saturating_sub(peak_before);
    samples.sort_by(f64::total_cmp);
    Measured {
        median_ns: samples[SAMPLES / 2],
        max_sample_ns: samples[SAMPLES - 1],
        peak_bytes,
        outcome,
    }
}

fn main() {
    let list = Policy::builder()
        .allowed_origins(["https://app.example.com", "https://*.example.com"])
        .allowed_methods(["GET", "PUT", "DELETE"])
        .allowed_headers((0..50).map(|i| format!("x-allowed-{i}")))
        .allow_credentials(true)
        .max_age(600)
        .build()
        .expect("valid policy");
    let any = Policy::builder()
        .allowed_origin("https://app.example.com")
        .allow_any_method()
        .allow_any_header()
        .build()
        .expect("valid policy");

    const APP: &str = "https://app.example.com";
    let commas = ",".repeat(1 << 20);
    let ten_thousand = (0..10_000)
        .map(|i| format!("x-h{i}"))
        .collect::<Vec<_>>()
        .join(",");
    // The longest list accepted, every name allowed (the last of a 50-name
    // list): the most work a request can make the header check do.
    let mut at_cap = String::new();
    while at_cap.len() + ",x-allowed-49".len() <= cors_core::MAX_REQUEST_HEADERS_LEN {
        if !at_cap.is_empty() {
            at_cap.push(',');
        }
        at_cap.push_str("x-allowed-49");
    }
    let long_origin = format!("https://{}.example.com", "a".repeat(64 * 1024));
    let non_ascii: &[u8] = b"x-allowed-1,x-\xff\xfe\xc3\xa9,x-allowed-2";

    let preflight = |acrh: &'static str| {
        CorsRequest::new("OPTIONS")
            .origin(APP)
            .request_method("PUT")
            .request_headers(acrh)
    };
    let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
    let commas = leak(commas);
    let ten_thousand = leak(ten_thousand);
    let at_cap_label = leak(format!(
        "ACRH: {} bytes at the cap, {} allowed names checked against 50",
        at_cap.len(),
        at_cap.split(',').count()
    ));
    let at_cap = leak(at_cap);
    let long_origin = leak(long_origin);

    let rows: Vec<(&str, &Policy, CorsRequest<'static>)> = vec![
        (
            "baseline: allowed preflight, 2 headers",
            &list,
            preflight("x-allowed-1,x-allowed-2"),
        ),
        (
            "baseline: allowed actual request",
            &list,
            CorsRequest::new("GET").origin("https://a.example.com"),
        ),
        (
            "ACRH: 1 MiB of commas (list policy)",
            &list,
            preflight(commas),
        ),
        (
            "ACRH: 1 MiB of commas (any-header policy)",
            &any,
            preflight(commas),
        ),
        (
            "ACRH: 10,000 names (58 KiB, any-header)",
            &any,
            preflight(ten_thousand),
        ),
        (at_cap_label, &list, preflight(at_cap)),
        (
            "ACRH: non-ASCII bytes",
            &any,
            CorsRequest {
                request_headers: HeaderField::Value(non_ascii),
                ..preflight("")
            },
        ),
        (
            "Origin: duplicated (two lines)",
            &list,
            CorsRequest {
                origin: HeaderField::Repeated,
                ..CorsRequest::new("GET")
            },
        ),
        (
            "Origin: 64 KiB",
            &list,
            CorsRequest::new("GET").origin(long_origin),
        ),
        (
            "Origin: 64 KiB, preflight",
            &list,
            CorsRequest::new("OPTIONS")
                .origin(long_origin)
                .request_method("PUT"),
        ),
        (
            "Origin: CRLF and a forged log line",
            &list,
            CorsRequest::new("GET").origin("https://app.example.com\r\n2025-01-01 INFO forged"),
        ),
        (
            "ACRM: 1 MiB",
            &any,
            CorsRequest::new("OPTIONS")
                .origin(APP)
                .request_method(commas),
        ),
    ];

    println!("| input | outcome | median per call | slowest sample (mean of {BATCH}) | peak heap in decide |");
    println!("|---|---|---|---|---|");
    for (what, policy, request) in &rows {
        let m = measure(policy, request);
        println!(
            "| {what} | {} | {:.0} ns | {:.0} ns | {} B |",
            m.outcome, m.median_ns, m.max_sample_ns, m.peak_bytes
        );
    }
    println!();
    println!(
        "rs/cors CVE-2025-47908, for comparison: 1 MiB of commas in ACRH cost 127 ms and 121 MB."
    );
}
