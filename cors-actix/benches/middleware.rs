//! The middleware's cost per request, against no CORS middleware and against
//! actix-cors 0.7, on real actix-web services driven in-process.
//!
//! ```sh
//! cargo bench -p cors-actix --bench middleware
//! ```
//!
//! Three stacks with the same routes are built in the same run:
//!
//! - `none`: no CORS middleware; an `OPTIONS` route answers `204 No Content`
//!   (the "bare 204 handler" a preflight through `cors-actix` is compared to);
//! - `actix-cors`: actix-cors 0.7 with the policy below, and
//!   `block_on_origin_mismatch(false)` (already its 0.7 default, set here
//!   explicitly) so that, as with `cors-actix`, an actual request from a
//!   disallowed origin runs the handler and gets no `Access-Control-Allow-Origin`;
//! - `cors-actix`: this crate with the equivalent policy.
//!
//! Beside them, variants of `cors-actix` (an app with a `#[cors]` handler,
//! cross-origin protection, an origin check) and `passthrough`, an identity
//! middleware with the same response type: the floor any CORS middleware
//! adds, in the scenarios whose requests pass through.
//!
//! The policy: origin `https://app.example.com`, methods `GET, POST, PUT`,
//! request headers `content-type, x-requested-with`, exposed `x-request-id`,
//! max-age 600.
//!
//! Each iteration sends one pre-built request through the service (the
//! request is built outside the timing), polls the response future to
//! completion on the current thread (every handler here is ready at once;
//! should one ever be pending, the actix runtime finishes it), reads the
//! status and drops the response, as a server does after writing it.
//!
//! After the run, the medians criterion saved are read back and the ratio
//! table of `BENCHMARKS.md` is printed.

use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_rt::SystemRunner;
use actix_service::Service;
use actix_web::body::MessageBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::header;
use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use actix_web::App;
use criterion::measurement::WallTime;
use criterion::{BatchSize, BenchmarkGroup, Criterion};

#[path = "../../cors-core/benches/support/medians.rs"]
mod medians;
use medians::median;

#[path = "support/stacks.rs"]
mod stacks;
use stacks::{
    actix_cors, cors_actix, cors_actix_checked, cors_actix_protected, routes, routes_with_handler,
    shared_headers, Passthrough, Scenario, ALLOWED, CHECKED, SCENARIOS,
};

/// The stacks, in the order the table reads them.
const STACKS: [&str; 3] = ["none", "actix-cors", "cors-actix"];

impl Scenario {
    fn group(self) -> String {
        format!("middleware/{}", self.name())
    }

    /// What each stack must answer, checked once before timing so the
    /// stacks are known to do equivalent work.
    fn check<B>(self, stack: &str, res: &ServiceResponse<B>) {
        let status = res.status();
        let allow_origin = res.headers().get(header::ACCESS_CONTROL_ALLOW_ORIGIN);
        let context = format!("{stack} / {}", self.name());
        match (self, stack) {
            (Scenario::PreflightAllowed | Scenario::PreflightRejected, "none") => {
                assert_eq!(status, StatusCode::NO_CONTENT, "{context}");
                assert!(allow_origin.is_none(), "{context}");
            }
            (Scenario::PreflightAllowed, _) => {
                assert!(status.is_success(), "{context}: {status}");
                assert_eq!(allow_origin.unwrap(), ALLOWED, "{context}");
                let allow_headers = res
                    .headers()
                    .get(header::ACCESS_CONTROL_ALLOW_HEADERS)
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .to_ascii_lowercase();
                assert!(allow_headers.contains("x-requested-with"), "{context}");
                assert_eq!(
                    res.headers().get(header::ACCESS_CONTROL_MAX_AGE).unwrap(),
                    "600",
                    "{context}"
                );
            }
            (Scenario::PreflightRejected, _) => {
                assert!(status.is_client_error(), "{context}: {status}");
                assert!(allow_origin.is_none(), "{context}");
            }
            (Scenario::PostAllowed, _) => {
                assert_eq!(status, StatusCode::CREATED, "{context}");
            }
            (Scenario::ActualChecked, "cors-actix-checked") => {
                assert_eq!(status, StatusCode::OK, "{context}");
                assert_eq!(allow_origin.unwrap(), CHECKED, "{context}");
            }
            (Scenario::ActualAllowed | Scenario::ActualChecked, "none")
            | (Scenario::ActualDisallowed | Scenario::NoOrigin | Scenario::ActualChecked, _) => {
                assert_eq!(status, StatusCode::OK, "{context}");
                assert!(allow_origin.is_none(), "{context}");
            }
            (Scenario::ActualAllowed, _) => {
                assert_eq!(status, StatusCode::OK, "{context}");
                assert_eq!(allow_origin.unwrap(), ALLOWED, "{context}");
                assert_eq!(
                    res.headers()
                        .get(header::ACCESS_CONTROL_EXPOSE_HEADERS)
                        .unwrap(),
                    "x-request-id",
                    "{context}"
                );
            }
        }
    }
}

/// Polls `fut` once on this thread; every handler here is ready at once, so
/// the runtime only steps in if one is ever pending.
fn complete<F: Future>(system: &SystemRunner, fut: F) -> F::Output {
    let mut fut = pin!(fut);
    let mut cx = Context::from_waker(futures_util::task::noop_waker_ref());
    match fut.as_mut().poll(&mut cx) {
        Poll::Ready(output) => output,
        Poll::Pending => system.block_on(fut),
    }
}

/// One request through `app`, response dropped before returning: what
/// `scripts/instructions.sh` counts (the function callgrind isolates, so it
/// must stay a function of its own), and what criterion times.
#[inline(never)]
fn one_request<S, B, R>(system: &SystemRunner, app: &S, req: R) -> StatusCode
where
    S: Service<R, Response = ServiceResponse<B>, Error = actix_web::Error>,
{
    let res = complete(system, test::call_service(app, req));
    res.status()
}

/// Checks what one stack answers in every scenario.
fn check_stack<S, B, R>(
    system: &SystemRunner,
    stack: &str,
    app: &S,
    to_request: fn(TestRequest) -> R,
) where
    S: Service<R, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    for scenario in SCENARIOS {
        let res = complete(
            system,
            test::call_service(app, to_request(scenario.request())),
        );
        scenario.check(stack, &res);
    }
}

/// Benchmarks one stack in one scenario; `to_request` turns a `TestRequest`
/// into what the service takes (actix-http's `Request`, which actix-web does
/// not re-export).
fn bench_stack<S, B, R>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    system: &SystemRunner,
    stack: &str,
    app: &S,
    scenario: Scenario,
    to_request: fn(TestRequest) -> R,
) where
    S: Service<R, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    group.bench_function(stack, |b| {
        b.iter_batched(
            || to_request(scenario.request()),
            |req| black_box(one_request(system, app, req)),
            // Small batches keep actix's request pools in their steady state.
            BatchSize::NumIterations(64),
        )
    });
}

fn middleware(c: &mut Criterion) {
    let system = actix_rt::System::new();
    let _runtime = system.runtime().tokio_runtime().enter();
    let none = system.block_on(test::init_service(App::new().configure(routes)));
    let theirs = system.block_on(test::init_service(
        App::new().wrap(actix_cors()).configure(routes),
    ));
    let ours = system.block_on(test::init_service(
        App::new().wrap(cors_actix()).configure(routes),
    ));
    let to_request = |req: TestRequest| shared_headers(req.to_request());
    check_stack(&system, STACKS[0], &none, to_request);
    check_stack(&system, STACKS[1], &theirs, to_request);
    check_stack(&system, STACKS[2], &ours, to_request);
    // The three stacks back to back in each scenario, so that drift in the
    // machine's speed over the run touches them alike.
    for scenario in SCENARIOS {
        let mut group = c.benchmark_group(scenario.group());
        bench_stack(&mut group, &system, STACKS[0], &none, scenario, to_request);
        bench_stack(
            &mut group, &system, STACKS[1], &theirs, scenario, to_request,
        );
        bench_stack(&mut group, &system, STACKS[2], &ours, scenario, to_request);
        group.finish();
    }

    // Variants of cors-actix, each against the plain one in the scenario
    // that shows its cost: an app with one `#[cors]` handler elsewhere,
    // cross-origin protection on an allowed `POST`, an origin allowed by a
    // remembered answer of an origin check.
    let handler_cors = cors_actix();
    let with_handler = system.block_on(test::init_service(
        App::new()
            .wrap(handler_cors.clone())
            .configure(|cfg| routes_with_handler(cfg, &handler_cors)),
    ));
    let protected = system.block_on(test::init_service(
        App::new().wrap(cors_actix_protected()).configure(routes),
    ));
    let checked = system.block_on(test::init_service(
        App::new().wrap(cors_actix_checked()).configure(routes),
    ));
    // The check's first answer is remembered before timing.
    let warm = complete(
        &system,
        test::call_service(&checked, to_request(Scenario::ActualChecked.request())),
    );
    Scenario::ActualChecked.check("cors-actix-checked", &warm);
    for scenario in [
        Scenario::PreflightAllowed,
        Scenario::ActualAllowed,
        Scenario::NoOrigin,
    ] {
        let mut group = c.benchmark_group(scenario.group());
        let res = complete(
            &system,
            test::call_service(&with_handler, to_request(scenario.request())),
        );
        scenario.check("cors-actix-handler", &res);
        bench_stack(
            &mut group,
            &system,
            "cors-actix-handler",
            &with_handler,
            scenario,
            to_request,
        );
        group.finish();
    }
    // The floor of any CORS middleware: an identity middleware with the
    // same response type, in the scenarios whose requests pass through.
    let passthrough = system.block_on(test::init_service(
        App::new().wrap(Passthrough).configure(routes),
    ));
    for scenario in [
        Scenario::ActualAllowed,
        Scenario::ActualDisallowed,
        Scenario::NoOrigin,
    ] {
        let mut group = c.benchmark_group(scenario.group());
        bench_stack(
            &mut group,
            &system,
            "passthrough",
            &passthrough,
            scenario,
            to_request,
        );
        group.finish();
    }
    let mut group = c.benchmark_group(Scenario::PostAllowed.group());
    bench_stack(
        &mut group,
        &system,
        "cors-actix",
        &ours,
        Scenario::PostAllowed,
        to_request,
    );
    bench_stack(
        &mut group,
        &system,
        "cors-actix-protected",
        &protected,
        Scenario::PostAllowed,
        to_request,
    );
    group.finish();
    let mut group = c.benchmark_group(Scenario::ActualChecked.group());
    bench_stack(
        &mut group,
        &system,
        "cors-actix-checked",
        &checked,
        Scenario::ActualChecked,
        to_request,
    );
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
    middleware(&mut criterion);
    criterion.final_summary();
    // `cargo test --benches` runs each benchmark once, as a test: no figures.
    if std::env::args().any(|a| a == "--bench") {
        print_table();
    }
}

fn verdict(ratio: f64, goal: f64) -> &'static str {
    if ratio <= goal {
        "met"
    } else {
        "NOT MET"
    }
}

fn print_table() {
    println!();
    println!(
        "| scenario | none (ns) | actix-cors (ns) | cors-actix (ns) | added: actix-cors (ns) \
         | added: cors-actix (ns) | added cost, cors-actix ÷ actix-cors (goal ≤ 0.50) \
         | whole request, cors-actix ÷ actix-cors |"
    );
    println!("|---|---:|---:|---:|---:|---:|---|---:|");
    for scenario in SCENARIOS {
        let group = scenario.group();
        let [Some(none), Some(theirs), Some(ours)] = STACKS.map(|s| median(&group, s)) else {
            println!("| {} | (not run) |", scenario.name());
            continue;
        };
        let (added_theirs, added_ours) = (theirs - none, ours - none);
        let ratio = if added_theirs > 0.0 {
            format!(
                "{:.2} ({})",
                added_ours / added_theirs,
                verdict(added_ours / added_theirs, 0.5)
            )
        } else {
            "n/a: actix-cors is faster than no middleware here".to_owned()
        };
        println!(
            "| {} | {none:.0} | {theirs:.0} | {ours:.0} | {added_theirs:.0} | {added_ours:.0} | {ratio} | {:.2} |",
            scenario.name(),
            ours / theirs
        );
    }
    let group = Scenario::PreflightAllowed.group();
    if let (Some(none), Some(ours)) = (median(&group, "none"), median(&group, "cors-actix")) {
        let ratio = ours / none;
        println!();
        println!(
            "preflight through cors-actix ÷ bare 204 handler: {ours:.0} ns ÷ {none:.0} ns = {ratio:.2} \
             (goal ≤ 1.10: {})",
            verdict(ratio, 1.10)
        );
    }
}
