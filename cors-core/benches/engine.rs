//! The decision engine alone: `Policy::decide` for each kind of origin rule,
//! for policies from 1 to 10,000 origins, and for hostile
//! `Access-Control-Request-Headers` values.
//!
//! ```sh
//! cargo bench -p cors-core --bench engine
//! ```
//!
//! After the run, the medians criterion saved are read back and the
//! "10,000 origins ÷ 1 origin" ratio of `BENCHMARKS.md` is printed.

use std::hint::black_box;
use std::time::Duration;

use cors_core::{CorsRequest, Policy, PolicyBuilder, RequestKind};
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion};

#[path = "support/medians.rs"]
mod medians;
use medians::median;

const REQUESTED_HEADERS: &str = "content-type,x-requested-with";

/// The policy of the middleware benchmarks, minus its origins.
fn base() -> PolicyBuilder {
    Policy::builder()
        .allowed_methods(["GET", "POST", "PUT"])
        .allowed_headers(["content-type", "x-requested-with"])
        .expose_headers(["x-request-id"])
        .max_age(600)
}

fn build(builder: PolicyBuilder) -> Policy {
    builder.build().expect("valid benchmark policy")
}

/// An exact origin; every index gives one of the same length, so that
/// hashing costs the same whatever the policy's size.
fn exact_origin(i: usize) -> String {
    format!("https://app-{i:05}.example.com")
}

fn actual(origin: &str) -> CorsRequest<'_> {
    CorsRequest::new("GET").origin(origin)
}

fn preflight<'a>(origin: &'a str, headers: &'a str) -> CorsRequest<'a> {
    CorsRequest::new("OPTIONS")
        .origin(origin)
        .request_method("PUT")
        .request_headers(headers)
}

/// Times `decide` and checks, once, that it is allowed or not as expected.
fn bench_decide(
    group: &mut BenchmarkGroup<'_, WallTime>,
    id: impl Into<String>,
    policy: &Policy,
    request: CorsRequest<'_>,
    allowed: bool,
) {
    let id = id.into();
    assert_eq!(policy.decide(&request).is_allowed(), allowed, "{id}");
    group.bench_function(id, |b| {
        b.iter(|| black_box(policy).decide(black_box(&request)).is_allowed())
    });
}

/// One origin rule of each kind, each allowing `https://app.example.com`.
fn origin_kinds(c: &mut Criterion) {
    let origin = "https://app.example.com";
    let kinds = [
        ("exact", base().allowed_origin(origin)),
        ("pattern", base().allowed_origin("https://*.example.com")),
        (
            "regex",
            base().allowed_origin_regex(r"https://[a-z0-9-]+\.example\.com"),
        ),
        (
            "predicate",
            base().allowed_origin_fn(|o| o.starts_with("https://") && o.ends_with(".example.com")),
        ),
    ];
    let mut group = c.benchmark_group("engine/origin-kind");
    for (name, builder) in kinds {
        let policy = build(builder);
        bench_decide(&mut group, name, &policy, actual(origin), true);
        bench_decide(
            &mut group,
            format!("{name}-preflight"),
            &policy,
            preflight(origin, REQUESTED_HEADERS),
            true,
        );
        bench_decide(
            &mut group,
            format!("{name}-miss"),
            &policy,
            actual("https://app.example.org"),
            false,
        );
    }
    group.finish();
}

/// 1, 100 and 10,000 exact origins, and 1,000 subdomain patterns.
fn policy_sizes(c: &mut Criterion) {
    let miss = exact_origin(99_999);
    let mut group = c.benchmark_group("engine/policy-size");
    for size in [1, 100, 10_000] {
        let policy = build(base().allowed_origins((0..size).map(exact_origin)));
        let hit = exact_origin(size / 2);
        bench_decide(
            &mut group,
            format!("exact-{size}"),
            &policy,
            actual(&hit),
            true,
        );
        bench_decide(
            &mut group,
            format!("exact-{size}-miss"),
            &policy,
            actual(&miss),
            false,
        );
    }
    let patterns = build(
        base().allowed_origins((0..1_000).map(|i| format!("https://*.tenant-{i:04}.example.com"))),
    );
    bench_decide(
        &mut group,
        "patterns-1000",
        &patterns,
        actual("https://app.tenant-0500.example.com"),
        true,
    );
    bench_decide(
        &mut group,
        "patterns-1000-miss",
        &patterns,
        actual("https://app.tenant-x.example.com"),
        false,
    );
    group.finish();
}

/// `Access-Control-Request-Headers` values an attacker might send.
fn hostile_request_headers(c: &mut Criterion) {
    let origin = "https://app.example.com";
    let policy = build(base().allowed_origin(origin));
    let kib8_commas = ",".repeat(8 * 1024);
    let kib8_token = "x".repeat(8 * 1024);
    // The longest value accepted (4 KiB), every name allowed: the full scan.
    let mut kib4_names = String::from("content-type");
    while kib4_names.len() + ",x-requested-with".len() <= cors_core::MAX_REQUEST_HEADERS_LEN {
        kib4_names.push_str(",x-requested-with");
    }
    let mut group = c.benchmark_group("engine/request-headers");
    for (id, value, allowed) in [
        ("two-names", REQUESTED_HEADERS, true),
        ("8KiB-commas", kib8_commas.as_str(), false),
        ("8KiB-one-token", kib8_token.as_str(), false),
        ("4KiB-allowed-names", kib4_names.as_str(), true),
    ] {
        let request = preflight(origin, value);
        assert_eq!(policy.decide(&request).kind(), RequestKind::Preflight);
        bench_decide(&mut group, id, &policy, request, allowed);
    }
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(50)
}

fn main() {
    let mut criterion = config().configure_from_args();
    origin_kinds(&mut criterion);
    policy_sizes(&mut criterion);
    hostile_request_headers(&mut criterion);
    criterion.final_summary();
    // `cargo test --benches` runs each benchmark once, as a test: no figures.
    if std::env::args().any(|a| a == "--bench") {
        print_ratios();
    }
}

fn print_ratios() {
    let group = "engine/policy-size";
    println!();
    for (many, one) in [
        ("exact-10000", "exact-1"),
        ("exact-10000-miss", "exact-1-miss"),
    ] {
        let (Some(many_ns), Some(one_ns)) = (median(group, many), median(group, one)) else {
            println!("{many} ÷ {one}: not run");
            continue;
        };
        let ratio = many_ns / one_ns;
        println!(
            "{many} ÷ {one}: {many_ns:.1} ns ÷ {one_ns:.1} ns = {ratio:.2} (goal ≤ 1.10: {})",
            if ratio <= 1.10 { "met" } else { "NOT MET" }
        );
    }
}
