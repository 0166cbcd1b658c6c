//! A small harness that runs JavaScript `fetch()` cases in a real browser
//! (headless Chromium, headless Firefox, or WebKitGTK's MiniBrowser under
//! Xvfb: see [`Engine`]) and reads the outcomes back into Rust.
//!
//! Include it from an integration test with
//!
//! ```ignore
//! #[path = "browser/harness.rs"]
//! mod harness;
//! ```
//!
//! # How it works
//!
//! 1. [`run_cases`] renders one HTML page that runs every [`FetchCase`] in
//!    order (one `await` at a time, each raced against its own timeout).
//! 2. A [`PageServer`] serves that page on `127.0.0.1:<ephemeral port>`. The
//!    page is loaded as `http://127.0.0.1:PORT/` or `http://localhost:PORT/`,
//!    which are two different origins backed by the same server.
//!    [`run_cases_on`] takes one bound beforehand with [`PageServer::bind`],
//!    for tests that must know the page origin before writing the cases.
//! 3. The browser is started on the page's URL with a fresh profile (one
//!    module per engine: `chromium.rs`, `firefox.rs`, `webkit.rs`). The page
//!    drives itself, so no browser protocol is spoken (no CDP, WebDriver or
//!    BiDi): every engine only has to open one URL.
//! 4. After each case the page POSTs its outcome as one JSON object to
//!    `/__report` on its own (same-origin) server; the Rust side collects the
//!    reports from a channel. When all cases are done the page posts
//!    `{"done":true}` and calls `window.close()`.
//! 5. Rust polls until the page is done, the browser exits, or the overall
//!    deadline passes, and always kills every process it started (the
//!    browser, and Xvfb for WebKit) and removes the temporary profile.
//!
//! `--dump-dom` is deliberately not used with Chromium: without
//! `--virtual-time-budget` it dumps the DOM at the load event, before any
//! awaited `fetch()` has settled; with it, virtual time is paused while a
//! network fetch is pending, so a server that never answers stalls the page
//! forever. Reporting each outcome over HTTP keeps real-time timers (so
//! per-case timeouts work), keeps the results of the cases that finished
//! even if a later one hangs, and works the same in every engine.
//!
//! Only loopback hosts can be used: case URLs are checked before launch, and
//! each engine is started so that any other host fails locally (see the
//! engine modules for the exact flags and preferences).
//!
//! No dependencies besides `std` and `serde_json`; no Node.js, WebDriver or
//! browser download. The browsers are Debian's packages; see
//! [`Engine::locate`] for the paths and the variables that override them.
//!
//! # Notes for case writers
//!
//! * A CORS rejection (failed preflight or a bad actual response) and a
//!   network error both surface in JS as the same `TypeError` (`Failed to
//!   fetch` in Chromium, `NetworkError when attempting to fetch resource.`
//!   in Firefox, `Load failed` in WebKit); the reason is only in the
//!   browser's console (copied to its log), not in [`FetchOutcome`]. Check
//!   the server side (was the handler hit?) to tell them apart.
//! * Cases in one [`run_cases`] call share one browser profile, so a
//!   preflight answered with `Access-Control-Max-Age` may be served from the
//!   preflight cache for later cases with the same URL; every call starts
//!   with a fresh profile.
//! * `127.0.0.1:A` and `127.0.0.1:B` are cross-origin but same-site;
//!   `localhost` and `127.0.0.1` are cross-site (matters for cookies).
//! * A [`FetchCase::frame`] case loads a page of another origin in an
//!   `<iframe>` and waits for its `postMessage`: the way to make a request
//!   the page itself cannot (a form that submits itself from another
//!   origin). The page cannot see what came back; check the server.
//! * [`FetchCase::timing`] reads the response's Resource Timing entry; use
//!   `cache: 'no-store'` so the entry describes a network fetch.
//! * If the test process dies without killing the browser, the page closes
//!   itself 5 s after the overall timeout (which ends headless Chromium and
//!   Firefox; MiniBrowser and Xvfb stay until killed).

#![allow(dead_code, unreachable_pub)]

#[path = "chromium.rs"]
mod chromium;
#[path = "firefox.rs"]
mod firefox;
#[path = "webkit.rs"]
mod webkit;

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Once, OnceLock};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// Environment variable that turns a missing engine into a test failure
/// (`.ci/run` sets it to `1`: CI images are supposed to have all three).
pub const REQUIRED_ENV: &str = "CORS_BROWSER_TESTS_REQUIRED";

/// Path on the page server that receives the page's outcome reports.
const REPORT_PATH: &str = "/__report";

/// Largest request (head plus body) the page server accepts.
const MAX_REQUEST: usize = 1 << 20;

/// A browser engine the harness can run cases in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Engine {
    /// Headless Chromium (Blink).
    Chromium,
    /// Headless Firefox (Gecko).
    Firefox,
    /// WebKitGTK's MiniBrowser under Xvfb (the engine of Safari).
    WebKit,
}

impl Engine {
    /// Every engine, in the order the suites run them.
    pub const ALL: [Engine; 3] = [Engine::Chromium, Engine::Firefox, Engine::WebKit];

    /// Lower-case name, as in skip lines and test output.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Chromium => "chromium",
            Engine::Firefox => "firefox",
            Engine::WebKit => "webkit",
        }
    }

    /// The programs this engine needs: (what, overriding environment
    /// variable, default path). The browser comes first.
    fn programs(self) -> &'static [(&'static str, &'static str, &'static str)] {
        match self {
            Engine::Chromium => &[("chromium", "CHROMIUM", "/usr/bin/chromium")],
            Engine::Firefox => &[("firefox", "FIREFOX", "/usr/bin/firefox-esr")],
            Engine::WebKit => &[
                (
                    "MiniBrowser",
                    "MINIBROWSER",
                    "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser",
                ),
                ("Xvfb", "XVFB", "/usr/bin/Xvfb"),
            ],
        }
    }

    /// Debian packages that provide [`Engine::programs`].
    fn packages(self) -> &'static str {
        match self {
            Engine::Chromium => "chromium",
            Engine::Firefox => "firefox-esr",
            Engine::WebKit => "webkit2gtk-driver xvfb",
        }
    }

    /// How long the browser gets to exit by itself after the page is done
    /// (it is killed afterwards in any case). Chromium exits on
    /// `window.close()`; the others are simply killed, their profiles are
    /// throwaway.
    fn exit_grace(self) -> Duration {
        match self {
            Engine::Chromium => Duration::from_secs(3),
            Engine::Firefox | Engine::WebKit => Duration::from_millis(300),
        }
    }

    /// Finds the engine's programs: each at `$VAR` if set and non-empty,
    /// otherwise at its default path. `Err` names the first one missing.
    pub fn locate(self) -> Result<Installed, String> {
        let mut paths = Vec::new();
        for (what, var, default) in self.programs() {
            let path = match std::env::var_os(var) {
                Some(p) if !p.is_empty() => PathBuf::from(p),
                _ => PathBuf::from(default),
            };
            if !path.is_file() {
                return Err(format!(
                    "{what} not found at {} (set ${var} to override)",
                    path.display()
                ));
            }
            paths.push(path);
        }
        let mut paths = paths.into_iter();
        Ok(Installed {
            engine: self,
            binary: paths.next().expect("every engine has a browser program"),
            helper: paths.next(),
        })
    }

    /// Returns the installed engine, or decides what to do when it is
    /// missing.
    ///
    /// If it is missing and `CORS_BROWSER_TESTS_REQUIRED=1` is set this
    /// panics; otherwise it writes `skipping <engine> browser tests: ...`
    /// to the process's stderr (once per engine per test binary) and returns
    /// `None`, and the caller should return early so the test passes. The
    /// line is written with `io::stderr().write_all`, which libtest does not
    /// capture (it only captures `print!`/`eprint!`), so plain
    /// `cargo test` shows it.
    pub fn require_or_skip(self) -> Option<Installed> {
        let problem = match self.locate() {
            Ok(installed) => return Some(installed),
            Err(problem) => problem,
        };
        let install = format!("apt-get install -y {}", self.packages());
        if std::env::var(REQUIRED_ENV).is_ok_and(|v| v.trim() == "1") {
            panic!("{REQUIRED_ENV}=1 but {problem}; install it with: {install}");
        }
        static NOTICES: [Once; 3] = [Once::new(), Once::new(), Once::new()];
        NOTICES[self as usize].call_once(|| {
            let line = format!(
                "skipping {} browser tests: {problem}; install it with: {install}\n",
                self.name()
            );
            let _ = io::stderr().write_all(line.as_bytes());
        });
        None
    }
}

/// Chromium, or `None` after a skip line: [`Engine::require_or_skip`] for
/// suites that run in one engine only (`tests/examples_run.rs`).
pub fn require_or_skip() -> Option<Installed> {
    Engine::Chromium.require_or_skip()
}

/// An engine whose programs were found; made by [`Engine::locate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installed {
    engine: Engine,
    /// The browser.
    binary: PathBuf,
    /// Xvfb, for WebKit.
    helper: Option<PathBuf>,
}

impl Installed {
    /// Which engine this is.
    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// Starts the browser on `url` with a fresh profile under `scratch`.
    fn launch(&self, scratch: &Path, log: &Path, extra: &EngineArgs<'_>, url: &str) -> Running {
        match self.engine {
            Engine::Chromium => chromium::launch(&self.binary, scratch, log, extra.chromium, url),
            Engine::Firefox => firefox::launch(&self.binary, scratch, log, extra.firefox, url),
            Engine::WebKit => webkit::launch(
                &self.binary,
                self.helper.as_deref().expect("WebKit runs under Xvfb"),
                scratch,
                log,
                extra.webkit,
                url,
            ),
        }
    }
}

/// Per-engine additions to the launch, for [`run_cases_on`]; each engine
/// reads only its own field.
#[derive(Debug, Clone, Copy, Default)]
pub struct EngineArgs<'a> {
    /// More Chromium flags (e.g. `--enable-features=...`).
    pub chromium: &'a [&'a str],
    /// More Firefox preferences for the profile's `user.js`, as
    /// `(name, JavaScript literal)`.
    pub firefox: &'a [(&'a str, &'a str)],
    /// More MiniBrowser arguments (e.g. `--some-websetting=false`).
    pub webkit: &'a [&'a str],
}

/// One `fetch()` call to run in the browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchCase {
    /// Label copied to the matching [`FetchOutcome`].
    pub name: String,
    /// Absolute `http://127.0.0.1:PORT/...` or `http://localhost:PORT/...`
    /// URL (or a path starting with `/`, resolved against the page origin).
    pub url: String,
    /// JavaScript expression for `fetch`'s `init` argument, usually an
    /// object literal such as
    /// `{method:'PUT', headers:{'X-Custom':'1'}, credentials:'include'}`.
    /// Evaluated in the page per case, so a syntax error only fails that
    /// case. Empty means `{}`.
    pub init_js: String,
    /// Response header to read with `response.headers.get(..)` when the
    /// fetch resolves (null unless CORS-safelisted or exposed).
    pub read_header: Option<String>,
    /// Read the response's Resource Timing entry into
    /// [`FetchOutcome::timing`] once the body has been read.
    pub timing: bool,
    /// Not a `fetch()`: load `url` in a fresh `<iframe>` and wait for the
    /// framed page to `parent.postMessage(..)` that it is done (its message
    /// becomes [`FetchOutcome::body`]). For pages of another origin that act
    /// by themselves, such as a form that submits itself.
    pub frame: bool,
}

impl FetchCase {
    /// A plain `GET` of `url` with no init and no header to read.
    pub fn new(name: impl Into<String>, url: impl Into<String>) -> Self {
        FetchCase {
            name: name.into(),
            url: url.into(),
            init_js: String::new(),
            read_header: None,
            timing: false,
            frame: false,
        }
    }

    /// Loads `url` in an `<iframe>` and waits for the framed page's
    /// `postMessage` (see [`FetchCase::frame`]).
    pub fn frame(name: impl Into<String>, url: impl Into<String>) -> Self {
        FetchCase {
            frame: true,
            ..FetchCase::new(name, url)
        }
    }

    /// Sets [`FetchCase::timing`].
    pub fn timing(mut self) -> Self {
        self.timing = true;
        self
    }

    /// Sets [`FetchCase::init_js`].
    pub fn init(mut self, init_js: impl Into<String>) -> Self {
        self.init_js = init_js.into();
        self
    }

    /// Sets [`FetchCase::read_header`].
    pub fn read_header(mut self, header: impl Into<String>) -> Self {
        self.read_header = Some(header.into());
        self
    }
}

/// A response's `PerformanceResourceTiming` entry, as the page sees it.
///
/// Without a passing timing allow check (`Timing-Allow-Origin`) a
/// cross-origin entry has these fields zeroed.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ResourceTiming {
    /// `fetchStart` (never zeroed; for context).
    pub fetch_start: f64,
    /// `domainLookupStart`.
    pub domain_lookup_start: f64,
    /// `connectStart`.
    pub connect_start: f64,
    /// `requestStart`.
    pub request_start: f64,
    /// `responseStart`.
    pub response_start: f64,
    /// `transferSize`, or -1 where the engine does not implement it.
    pub transfer_size: f64,
}

impl ResourceTiming {
    /// Every field the timing allow check gates is zero.
    pub fn is_zeroed(&self) -> bool {
        [
            self.domain_lookup_start,
            self.connect_start,
            self.request_start,
            self.response_start,
            self.transfer_size,
        ]
        .iter()
        .all(|v| *v == 0.0)
    }
}

/// What the page observed for one [`FetchCase`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FetchOutcome {
    /// The case's name.
    pub name: String,
    /// `fetch()` resolved, i.e. the response (including any preflight)
    /// passed the browser's CORS checks and is readable by the page.
    pub ok_read: bool,
    /// `response.status` when the fetch resolved (0 for opaque `no-cors`
    /// responses).
    pub status: Option<u16>,
    /// Value of [`FetchCase::read_header`] as seen by the page; `None` when
    /// not requested, not exposed, or absent.
    pub header: Option<String>,
    /// Response body text (first 64 KiB) when it could be read.
    pub body: Option<String>,
    /// Why the case did not complete: the JS error string (a CORS rejection
    /// is indistinguishable from a network error in JS and reads
    /// `TypeError: Failed to fetch`), `"timeout"` if the case or the whole
    /// run ran out of time, `init_js: ...` if `init_js` did not evaluate, or
    /// `no result: ...` if the browser went away first.
    pub error: Option<String>,
    /// The response's Resource Timing entry, for a case with
    /// [`FetchCase::timing`]; `None` if not asked for, or if the page found
    /// no entry within a second of reading the body (then
    /// [`FetchOutcome::timing_error`] says so).
    pub timing: Option<ResourceTiming>,
    /// Why [`FetchOutcome::timing`] is `None` although it was asked for.
    pub timing_error: Option<String>,
}

/// Timeouts for [`run_cases_with`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunConfig {
    /// Per-case limit, enforced in the page (`Promise.race` with a
    /// `setTimeout`, then the request is aborted).
    pub case_timeout: Duration,
    /// Limit for the whole browser run, enforced from Rust; the browser is
    /// killed when it passes and unfinished cases report `"timeout"`.
    pub overall_timeout: Duration,
}

impl Default for RunConfig {
    /// 5 s per case, 60 s overall.
    fn default() -> Self {
        RunConfig {
            case_timeout: Duration::from_secs(5),
            overall_timeout: Duration::from_secs(60),
        }
    }
}

/// Runs `cases` in order in `engine` with [`RunConfig::default`].
///
/// `page_origin_host` is `"127.0.0.1"` or `"localhost"`: the page (and so the
/// `Origin` of every request) is `http://{page_origin_host}:{page port}`.
/// Returns exactly one outcome per case, in the same order.
///
/// # Panics
///
/// On a non-loopback host or case URL, or if the browser cannot be started.
pub fn run_cases(
    engine: &Installed,
    page_origin_host: &str,
    cases: &[FetchCase],
) -> Vec<FetchOutcome> {
    run_cases_with(engine, page_origin_host, cases, &RunConfig::default())
}

/// Like [`run_cases`], with explicit timeouts.
pub fn run_cases_with(
    engine: &Installed,
    page_origin_host: &str,
    cases: &[FetchCase],
    config: &RunConfig,
) -> Vec<FetchOutcome> {
    run_cases_on(
        engine,
        PageServer::bind(),
        page_origin_host,
        cases,
        config,
        &EngineArgs::default(),
    )
}

/// Like [`run_cases_with`], on a page server bound beforehand with
/// [`PageServer::bind`], so the caller knows the page origin (for instance
/// to name it in a CORS policy) before writing the cases. The server serves
/// this one run and is stopped when it returns. `extra` adds engine-specific
/// flags or preferences to the launch.
///
/// # Panics
///
/// As [`run_cases`], and if `server` already has a page.
pub fn run_cases_on(
    engine: &Installed,
    server: PageServer,
    page_origin_host: &str,
    cases: &[FetchCase],
    config: &RunConfig,
    extra: &EngineArgs<'_>,
) -> Vec<FetchOutcome> {
    assert!(
        matches!(page_origin_host, "127.0.0.1" | "localhost"),
        "page_origin_host must be \"127.0.0.1\" or \"localhost\", got {page_origin_host:?}"
    );
    for case in cases {
        assert!(
            is_loopback_url(&case.url),
            "case {:?}: only loopback URLs (127.0.0.1, localhost, [::1]) may be fetched, got {:?}",
            case.name,
            case.url
        );
    }

    let name = engine.engine().name();
    let started = Instant::now();
    let deadline = started + config.overall_timeout;
    server.set_page(build_page(cases, config));
    let page_url = format!("{}/", server.origin(page_origin_host));

    let scratch = ScratchDir::new();
    let log_path = scratch.path().join("browser.log");
    let mut browser = engine.launch(scratch.path(), &log_path, extra, &page_url);

    let mut reports: BTreeMap<usize, FetchOutcome> = BTreeMap::new();
    let mut page_errors: Vec<String> = Vec::new();
    let mut done = false;
    let mut exited: Option<ExitStatus> = None;
    let mut timed_out = false;

    loop {
        if let Some(report) = server.recv_report(Duration::from_millis(50)) {
            match parse_report(&report, cases) {
                Report::Case(i, outcome) => {
                    reports.insert(i, outcome);
                }
                Report::Done => done = true,
                Report::PageError(e) => page_errors.push(e),
                Report::Garbage(e) => {
                    page_errors.push(format!("unparsable report ({e}): {report}"))
                }
            }
            continue; // drain everything that is queued before deciding
        }
        if done {
            break;
        }
        if let Some(status) = browser.try_wait() {
            exited = Some(status);
            // Reports sent just before exiting may still be in flight.
            while let Some(report) = server.recv_report(Duration::from_millis(200)) {
                if let Report::Case(i, outcome) = parse_report(&report, cases) {
                    reports.insert(i, outcome);
                }
            }
            break;
        }
        if Instant::now() >= deadline {
            timed_out = true;
            break;
        }
    }

    if done {
        // The page calls window.close(); give the browser a moment to shut
        // down cleanly (it is killed in any case when `browser` is dropped).
        let grace = engine
            .engine()
            .exit_grace()
            .min(deadline.saturating_duration_since(Instant::now()));
        if browser.wait_exit(grace).is_none() && engine.engine() == Engine::Chromium {
            eprintln!("browser harness: chromium did not exit after window.close(); killing it");
        }
    }
    drop(browser);

    let missing = cases.len() - reports.len();
    let outcomes: Vec<FetchOutcome> = cases
        .iter()
        .enumerate()
        .map(|(i, case)| {
            reports.remove(&i).unwrap_or_else(|| FetchOutcome {
                name: case.name.clone(),
                error: Some(if timed_out {
                    "timeout".to_owned()
                } else if let Some(status) = exited {
                    format!("no result: {name} exited early ({status})")
                } else {
                    "no result: page finished without reporting this case".to_owned()
                }),
                ..FetchOutcome::default()
            })
        })
        .collect();

    // The console (where the engines give their CORS failure reasons) is
    // only in the log.
    if std::env::var_os("CORS_BROWSER_DUMP").is_some() {
        eprintln!(
            "browser harness: {name} log:\n{}",
            fs::read_to_string(&log_path).unwrap_or_default()
        );
    }
    if missing > 0 || !page_errors.is_empty() {
        eprintln!(
            "browser harness: {missing} of {} cases without a result after {:.1?} \
             (overall timeout hit: {timed_out}, {name} exit: {exited:?})",
            cases.len(),
            started.elapsed()
        );
        for e in &page_errors {
            eprintln!("browser harness: page error: {e}");
        }
        eprintln!(
            "browser harness: {name} log tail:\n{}",
            log_tail(&log_path, 20)
        );
    }
    outcomes
}

/// Renders the self-running test page for `cases`.
fn build_page(cases: &[FetchCase], config: &RunConfig) -> String {
    let cases_json = serde_json::Value::Array(
        cases
            .iter()
            .map(|c| {
                serde_json::json!({
                    "url": c.url,
                    "init": c.init_js,
                    "header": c.read_header,
                    "timing": c.timing,
                    "frame": c.frame,
                })
            })
            .collect(),
    );
    // `<` only occurs inside JSON strings, where `\u003c` means the same;
    // this keeps `</script>` in a case from ending the script element.
    let cases_js = cases_json.to_string().replace('<', "\\u003c");
    let case_ms = config.case_timeout.as_millis();
    // Safety net for when the Rust side dies without killing Chromium: the
    // page closes itself (and so exits headless Chromium) a bit after the
    // overall deadline.
    let close_ms = config.overall_timeout.as_millis() + 5_000;
    PAGE_TEMPLATE
        .replace("__CASES__", &cases_js)
        .replace("__CASE_TIMEOUT_MS__", &case_ms.to_string())
        .replace("__CLOSE_AFTER_MS__", &close_ms.to_string())
        .replace("__REPORT_PATH__", REPORT_PATH)
}

const PAGE_TEMPLATE: &str = r#"<!doctype html>
<html><head><meta charset="utf-8"><title>fetch cases</title></head>
<body>
<script>
"use strict";
const CASES = __CASES__;
const CASE_TIMEOUT_MS = __CASE_TIMEOUT_MS__;
setTimeout(() => window.close(), __CLOSE_AFTER_MS__);

async function report(obj) {
  try {
    await fetch("__REPORT_PATH__", { method: "POST", body: JSON.stringify(obj), cache: "no-store" });
  } catch (e) { /* nothing left to tell anyone */ }
}
window.addEventListener("error", (e) => { report({ page_error: String(e.message) }); });
window.addEventListener("unhandledrejection", (e) => { report({ page_error: "unhandled rejection: " + String(e.reason) }); });

// The page makes a few resource entries per case (the case and its report);
// the default buffer of 250 could fill up on a long table.
if (performance.setResourceTimingBufferSize) performance.setResourceTimingBufferSize(5000);

// The entry is queued when the response ends, which may be a moment after
// `text()` resolved: poll for up to a second.
async function timingOf(url) {
  const name = new URL(url, location.href).href;
  const until = performance.now() + 1000;
  for (;;) {
    const entries = performance.getEntriesByName(name, "resource");
    if (entries.length > 0) {
      const e = entries[entries.length - 1];
      return {
        fetch_start: e.fetchStart,
        domain_lookup_start: e.domainLookupStart,
        connect_start: e.connectStart,
        request_start: e.requestStart,
        response_start: e.responseStart,
        // `undefined` where an engine does not implement it.
        transfer_size: typeof e.transferSize === "number" ? e.transferSize : -1,
      };
    }
    if (performance.now() >= until) return null;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function runFetch(c, init, signal, out) {
  const r = await fetch(c.url, Object.assign({ signal }, init || {}));
  out.ok_read = true;
  out.status = r.status;
  if (c.header !== null) out.header = r.headers.get(c.header);
  out.body = (await r.text()).slice(0, 65536);
  if (c.timing) {
    out.timing = await timingOf(c.url);
    if (out.timing === null) out.timing_error = "no resource timing entry within 1 s";
  }
  return null;
}

// Resolves with the framed page's first message; the frame goes away after.
function runFrame(c, out, frames) {
  const frame = document.createElement("iframe");
  frames.push(frame);
  const done = new Promise((resolve) => {
    window.addEventListener("message", function onMessage(e) {
      if (e.source !== frame.contentWindow) return;
      window.removeEventListener("message", onMessage);
      out.ok_read = true;
      out.body = String(e.data);
      resolve(null);
    });
  });
  frame.src = c.url;
  document.body.appendChild(frame);
  return done;
}

async function runCase(i, c) {
  const out = { i, ok_read: false, status: null, header: null, body: null, error: null,
                timing: null, timing_error: null };
  const ctrl = new AbortController();
  const frames = [];
  let work;
  if (c.frame) {
    work = runFrame(c, out, frames);
  } else {
    let init;
    try {
      init = c.init.trim() === "" ? {} : new Function("return (" + c.init + ");")();
    } catch (e) {
      out.error = "init_js: " + String(e);
      return out;
    }
    work = runFetch(c, init, ctrl.signal, out);
  }
  work = work.catch((e) => e);
  const TIMEOUT = {};
  let timer;
  const timeout = new Promise((resolve) => { timer = setTimeout(() => resolve(TIMEOUT), CASE_TIMEOUT_MS); });
  const res = await Promise.race([work, timeout]);
  clearTimeout(timer);
  for (const f of frames) f.remove();
  if (res === TIMEOUT) {
    out.error = "timeout";
    ctrl.abort();
  } else if (res !== null) {
    out.error = String(res);
  }
  return out;
}

(async () => {
  for (let i = 0; i < CASES.length; i++) {
    await report(await runCase(i, CASES[i]));
  }
  await report({ done: true });
  window.close();
})();
</script>
</body></html>
"#;

/// A parsed message from the page.
enum Report {
    Case(usize, FetchOutcome),
    Done,
    PageError(String),
    Garbage(String),
}

fn parse_report(text: &str, cases: &[FetchCase]) -> Report {
    let v: serde_json::Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => return Report::Garbage(e.to_string()),
    };
    if v.get("done").and_then(|d| d.as_bool()) == Some(true) {
        return Report::Done;
    }
    if let Some(e) = v.get("page_error") {
        return Report::PageError(e.as_str().unwrap_or_default().to_owned());
    }
    let Some(i) = v.get("i").and_then(|i| i.as_u64()).map(|i| i as usize) else {
        return Report::Garbage("missing case index".to_owned());
    };
    let Some(case) = cases.get(i) else {
        return Report::Garbage(format!("case index {i} out of range"));
    };
    let string = |key: &str| v.get(key).and_then(|s| s.as_str()).map(str::to_owned);
    let timing = v.get("timing").filter(|t| t.is_object()).map(|t| {
        let field = |key: &str| t.get(key).and_then(|n| n.as_f64()).unwrap_or(f64::NAN);
        ResourceTiming {
            fetch_start: field("fetch_start"),
            domain_lookup_start: field("domain_lookup_start"),
            connect_start: field("connect_start"),
            request_start: field("request_start"),
            response_start: field("response_start"),
            transfer_size: field("transfer_size"),
        }
    });
    Report::Case(
        i,
        FetchOutcome {
            name: case.name.clone(),
            ok_read: v.get("ok_read").and_then(|b| b.as_bool()).unwrap_or(false),
            status: v
                .get("status")
                .and_then(|s| s.as_u64())
                .and_then(|s| u16::try_from(s).ok()),
            header: string("header"),
            body: string("body"),
            error: string("error"),
            timing,
            timing_error: string("timing_error"),
        },
    )
}

/// `true` for a `/path` (resolved against the page origin) or an
/// `http(s)://` URL whose host is `127.0.0.1`, `localhost` or `[::1]`;
/// [`run_cases`] refuses every other case URL.
pub fn is_loopback_url(url: &str) -> bool {
    if url.starts_with('/') && !url.starts_with("//") {
        return true;
    }
    let Some(rest) = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
    else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return false;
    }
    let host = if authority.starts_with('[') {
        authority.split_inclusive(']').next().unwrap_or_default()
    } else {
        authority.split(':').next().unwrap_or_default()
    };
    matches!(
        host.to_ascii_lowercase().as_str(),
        "127.0.0.1" | "localhost" | "[::1]"
    )
}

/// Last `n` lines of the browser's log, minus the harmless D-Bus noise.
fn log_tail(path: &Path, n: usize) -> String {
    let text = fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.contains("dbus") && !l.trim().is_empty())
        .collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// Spawns `command` with stdin closed and stdout and stderr appended to
/// `log`.
fn spawn_logged(command: &mut Command, log: &Path) -> Child {
    let out = File::options()
        .create(true)
        .append(true)
        .open(log)
        .expect("open browser log file");
    let err = out.try_clone().expect("clone browser log file handle");
    command
        .stdin(Stdio::null())
        .stdout(Stdio::from(out))
        .stderr(Stdio::from(err))
        .spawn()
        .unwrap_or_else(|e| panic!("failed to start {:?}: {e}", command.get_program()))
}

/// The processes of one browser run (the browser, and Xvfb for WebKit);
/// all killed (and reaped) on drop, the last started first.
#[derive(Default)]
struct Running {
    /// (name, process), in start order; the browser is the last one.
    children: Vec<(&'static str, Child)>,
}

impl Running {
    fn push(&mut self, name: &'static str, child: Child) {
        self.children.push((name, child));
    }

    /// `Some` once the browser (the last process started) has exited.
    fn try_wait(&mut self) -> Option<ExitStatus> {
        let (name, browser) = self.children.last_mut()?;
        browser
            .try_wait()
            .unwrap_or_else(|e| panic!("poll {name} process status: {e}"))
    }

    /// Waits up to `limit` for the browser to exit by itself.
    fn wait_exit(&mut self, limit: Duration) -> Option<ExitStatus> {
        let until = Instant::now() + limit;
        loop {
            if let Some(status) = self.try_wait() {
                return Some(status);
            }
            if Instant::now() >= until {
                return None;
            }
            thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        // Killing an already exited (but unreaped) child is harmless.
        while let Some((_, mut child)) = self.children.pop() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A fresh directory under the system temp dir, removed on drop.
struct ScratchDir {
    path: PathBuf,
}

impl ScratchDir {
    fn new() -> ScratchDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let base = std::env::temp_dir();
        for _ in 0..1000 {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let path = base.join(format!("cors-browser-{}-{n}", std::process::id()));
            match fs::create_dir(&path) {
                Ok(()) => return ScratchDir { path },
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => panic!("create temp dir {}: {e}", path.display()),
            }
        }
        panic!("could not create a fresh temp dir under {}", base.display());
    }

    fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        // Chromium's helper processes may still be flushing for a moment
        // after the browser process was killed; retry briefly.
        for attempt in 0..20 {
            match fs::remove_dir_all(&self.path) {
                Ok(()) => return,
                Err(e) if e.kind() == io::ErrorKind::NotFound => return,
                Err(e) if attempt == 19 => {
                    eprintln!(
                        "browser harness: could not remove {}: {e}",
                        self.path.display()
                    );
                }
                Err(_) => thread::sleep(Duration::from_millis(100)),
            }
        }
    }
}

/// A tiny static page server on `127.0.0.1:<ephemeral port>`.
///
/// `GET /` returns the HTML given to [`PageServer::start`] (a 503 while a
/// server made by [`PageServer::bind`] has no page yet); `POST /__report`
/// queues the request body for [`PageServer::recv_report`]; everything else
/// is a 404. Every response has `Connection: close`. Because it listens on
/// 127.0.0.1, the page can be loaded as `http://127.0.0.1:PORT/` or as
/// `http://localhost:PORT/` (a different origin). Stops on drop.
pub struct PageServer {
    addr: SocketAddr,
    page: Arc<OnceLock<Arc<str>>>,
    reports: Receiver<String>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl PageServer {
    /// Binds `127.0.0.1:0` and serves `html` from a background thread.
    pub fn start(html: impl Into<String>) -> PageServer {
        let server = PageServer::bind();
        server.set_page(html);
        server
    }

    /// Binds `127.0.0.1:0` and starts serving, without a page yet: the port
    /// (and so the page origin) is known before the page is written. Hand it
    /// to [`run_cases_on`], which sets the page.
    pub fn bind() -> PageServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind page server on 127.0.0.1:0");
        let addr = listener.local_addr().expect("page server local address");
        let page: Arc<OnceLock<Arc<str>>> = Arc::default();
        let served_page = Arc::clone(&page);
        let stop = Arc::new(AtomicBool::new(false));
        let (tx, reports) = mpsc::channel();
        let stop_flag = Arc::clone(&stop);
        let thread = thread::Builder::new()
            .name("page-server".to_owned())
            .spawn(move || {
                for conn in listener.incoming() {
                    if stop_flag.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = conn else { continue };
                    let html = served_page.get().cloned();
                    let tx = tx.clone();
                    // One thread per connection: Chromium may open idle
                    // preconnect sockets that must not block the page.
                    let _ = thread::Builder::new()
                        .name("page-server-conn".to_owned())
                        .spawn(move || serve_connection(stream, html.as_deref(), &tx));
                }
            })
            .expect("spawn page server thread");
        PageServer {
            addr,
            page,
            reports,
            stop,
            thread: Some(thread),
        }
    }

    /// Sets the page served at `/`; a server serves one page for its life.
    ///
    /// # Panics
    ///
    /// If the page was already set.
    fn set_page(&self, html: impl Into<String>) {
        let html: Arc<str> = Arc::from(html.into());
        assert!(
            self.page.set(html).is_ok(),
            "this PageServer already has a page; use a fresh one per run"
        );
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// `http://{host}:{port}`, where `host` should be `127.0.0.1` or
    /// `localhost`.
    pub fn origin(&self, host: &str) -> String {
        format!("http://{host}:{}", self.port())
    }

    /// Waits up to `timeout` for the next body POSTed to `/__report`.
    pub fn recv_report(&self, timeout: Duration) -> Option<String> {
        self.reports.recv_timeout(timeout).ok()
    }
}

impl Drop for PageServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the blocking accept() so the thread sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Handles one HTTP/1.1 request and closes the connection.
fn serve_connection(mut stream: TcpStream, html: Option<&str>, reports: &Sender<String>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(10)));
    let Some((method, path, body)) = read_request(&mut stream) else {
        return;
    };
    let path = path.split('?').next().unwrap_or_default();
    let (status, content_type, payload): (&str, &str, &[u8]) = match (method.as_str(), path) {
        ("GET" | "HEAD", "/") => match html {
            Some(html) => ("200 OK", "text/html; charset=utf-8", html.as_bytes()),
            None => ("503 Service Unavailable", "text/plain", b"no page yet"),
        },
        ("POST", REPORT_PATH) => {
            let _ = reports.send(String::from_utf8_lossy(&body).into_owned());
            ("204 No Content", "text/plain", b"")
        }
        _ => ("404 Not Found", "text/plain", b"not found"),
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\n\r\n",
        payload.len()
    );
    let _ = stream.write_all(head.as_bytes());
    if method != "HEAD" {
        let _ = stream.write_all(payload);
    }
    let _ = stream.flush();
    let _ = stream.shutdown(Shutdown::Both);
}

/// Reads one request; returns (method, target, body).
fn read_request(stream: &mut TcpStream) -> Option<(String, String, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break pos + 4;
        }
        if buf.len() > MAX_REQUEST {
            return None;
        }
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let method = request_line.next()?.to_owned();
    let target = request_line.next()?.to_owned();
    let content_length = lines
        .filter_map(|l| l.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    if content_length > MAX_REQUEST {
        return None;
    }
    let mut body = buf[head_end..].to_vec();
    while body.len() < content_length {
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    body.truncate(content_length);
    Some((method, target, body))
}
