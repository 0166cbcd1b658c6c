//! Self-test for the real-browser fetch harness in `tests/browser/`, in
//! each of its engines (Chromium, Firefox, WebKit) one after another.
//!
//! Runs against a trivial std-only HTTP server, so it checks the harness and
//! the browsers' CORS enforcement, not this crate's middleware. An engine
//! that is not installed is skipped with one line on stderr (shown by plain
//! `cargo test`), unless `CORS_BROWSER_TESTS_REQUIRED=1`.

#[path = "browser/harness.rs"]
mod harness;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use harness::{Engine, FetchCase, Installed, RunConfig};

/// Requests seen by [`TargetServer`]: (path, `Origin` header).
type Seen = Arc<Mutex<Vec<(String, Option<String>)>>>;

/// A throwaway HTTP server on 127.0.0.1 with three endpoints:
/// `GET /cors` (CORS-enabled, exposes `X-Thing`), `GET /nocors` (no CORS
/// headers) and `GET /hang` (never answers).
struct TargetServer {
    origin: String,
    seen: Seen,
}

impl TargetServer {
    fn start() -> TargetServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind target server");
        let port = listener.local_addr().expect("target server address").port();
        let seen: Seen = Arc::default();
        let seen_by_server = Arc::clone(&seen);
        // Detached: it lives until the test process exits.
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let seen = Arc::clone(&seen_by_server);
                thread::spawn(move || handle(stream, &seen));
            }
        });
        TargetServer {
            origin: format!("http://127.0.0.1:{port}"),
            seen,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.origin)
    }

    /// The `Origin` header of the first request for `path`.
    fn origin_seen_for(&self, path: &str) -> Option<String> {
        let seen = self.seen.lock().expect("seen lock");
        seen.iter()
            .find(|(p, _)| p == path)
            .and_then(|(_, o)| o.clone())
    }
}

fn handle(mut stream: TcpStream, seen: &Seen) {
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("set read timeout");
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => return,
        }
    }
    let head = String::from_utf8_lossy(&head);
    let path = head.split(' ').nth(1).unwrap_or_default().to_owned();
    let origin = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(name, _)| name.eq_ignore_ascii_case("origin"))
        .map(|(_, v)| v.trim().to_owned());
    seen.lock().expect("seen lock").push((path.clone(), origin));

    let cors = match path.as_str() {
        "/cors" => "Access-Control-Allow-Origin: *\r\nAccess-Control-Expose-Headers: X-Thing\r\n",
        "/nocors" => "",
        "/hang" => {
            // Hold the connection open well past the case timeout.
            thread::sleep(Duration::from_secs(30));
            return;
        }
        _ => {
            let _ = stream.write_all(
                b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
            return;
        }
    };
    let body = "hello";
    let response = format!(
        "HTTP/1.1 200 OK\r\n{cors}X-Thing: 1\r\nContent-Type: text/plain\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes());
}

/// The installed engines; the missing ones were reported (or, when
/// required, failed the test).
fn engines() -> Vec<Installed> {
    Engine::ALL
        .into_iter()
        .filter_map(Engine::require_or_skip)
        .collect()
}

#[test]
fn cors_response_is_readable_and_non_cors_response_is_blocked() {
    for engine in engines() {
        let name = engine.engine().name();
        let server = TargetServer::start();
        let started = Instant::now();
        let outcomes = harness::run_cases(
            &engine,
            "127.0.0.1",
            &[
                FetchCase::new("cors", server.url("/cors")).read_header("X-Thing"),
                FetchCase::new("nocors", server.url("/nocors")).read_header("X-Thing"),
            ],
        );
        eprintln!(
            "{name}: two cases took {:.1?}: {outcomes:#?}",
            started.elapsed()
        );

        assert_eq!(outcomes.len(), 2, "{name}");
        let (cors, nocors) = (&outcomes[0], &outcomes[1]);
        assert_eq!(cors.name, "cors", "{name}");
        assert!(
            cors.ok_read,
            "{name}: CORS response should be readable: {cors:?}"
        );
        assert_eq!(cors.status, Some(200), "{name}");
        assert_eq!(cors.header.as_deref(), Some("1"), "{name}");
        assert_eq!(cors.body.as_deref(), Some("hello"), "{name}");
        assert_eq!(cors.error, None, "{name}");

        assert_eq!(nocors.name, "nocors", "{name}");
        assert!(
            !nocors.ok_read,
            "{name}: response without CORS headers must be blocked: {nocors:?}"
        );
        assert_eq!(nocors.status, None, "{name}");
        assert!(nocors.error.is_some(), "{name}");

        // The request really was cross-origin (page on another port).
        let origin = server
            .origin_seen_for("/cors")
            .expect("Origin header on /cors");
        assert!(origin.starts_with("http://127.0.0.1:"), "{name}: {origin}");
        assert_ne!(origin, server.origin, "{name}");
    }
}

#[test]
fn timeouts_and_bad_init_fail_only_their_own_case() {
    for engine in engines() {
        let name = engine.engine().name();
        let server = TargetServer::start();
        let config = RunConfig {
            case_timeout: Duration::from_secs(1),
            ..RunConfig::default()
        };
        let started = Instant::now();
        let outcomes = harness::run_cases_with(
            &engine,
            "localhost",
            &[
                FetchCase::new("hang", server.url("/hang")),
                FetchCase::new("bad init", server.url("/cors")).init("{method: 'GET',"),
                FetchCase::new("after", server.url("/cors"))
                    .init("{method: 'GET', headers: {'Accept': 'text/plain'}} /* </script> stays inside the script */")
                    .read_header("x-thing"),
            ],
            &config,
        );
        let took = started.elapsed();
        eprintln!("{name}: three cases took {took:.1?}: {outcomes:#?}");

        assert_eq!(outcomes.len(), 3, "{name}");
        assert!(!outcomes[0].ok_read, "{name}");
        assert_eq!(outcomes[0].error.as_deref(), Some("timeout"), "{name}");

        assert!(!outcomes[1].ok_read, "{name}");
        let init_error = outcomes[1].error.as_deref().unwrap_or_default();
        assert!(
            init_error.starts_with("init_js: SyntaxError"),
            "{name}: {init_error}"
        );

        assert!(outcomes[2].ok_read, "{name}: {:?}", outcomes[2]);
        assert_eq!(outcomes[2].header.as_deref(), Some("1"), "{name}");
        assert_eq!(
            server
                .origin_seen_for("/cors")
                .as_deref()
                .map(|o| o.starts_with("http://localhost:")),
            Some(true),
            "{name}"
        );

        assert!(took < Duration::from_secs(20), "{name}: took {took:?}");
    }
}

#[test]
fn overall_timeout_kills_the_browser_and_keeps_finished_results() {
    for engine in engines() {
        let name = engine.engine().name();
        let server = TargetServer::start();
        // Long enough for a browser to start and finish one case on a
        // loaded 2-core machine (Firefox alone can take 3 s to start).
        let config = RunConfig {
            case_timeout: Duration::from_secs(30),
            overall_timeout: Duration::from_secs(10),
        };
        let started = Instant::now();
        let outcomes = harness::run_cases_with(
            &engine,
            "127.0.0.1",
            &[
                FetchCase::new("first", server.url("/cors")),
                FetchCase::new("stuck", server.url("/hang")),
                FetchCase::new("never started", server.url("/cors")),
            ],
            &config,
        );
        let took = started.elapsed();
        eprintln!("{name}: overall timeout run took {took:.1?}");

        assert!(outcomes[0].ok_read, "{name}: {:?}", outcomes[0]);
        for stuck in &outcomes[1..] {
            assert!(!stuck.ok_read, "{name}");
            assert_eq!(stuck.error.as_deref(), Some("timeout"), "{name}: {stuck:?}");
        }
        assert!(took < Duration::from_secs(20), "{name}: took {took:?}");
    }
}

#[test]
fn only_loopback_urls_are_accepted() {
    for ok in [
        "http://127.0.0.1:8080/a",
        "http://localhost:1/",
        "https://LOCALHOST",
        "http://[::1]:9/x?y#z",
        "/same-origin",
    ] {
        assert!(harness::is_loopback_url(ok), "{ok}");
    }
    for bad in [
        "http://example.com/",
        "http://localhost.example.com/",
        "http://127.0.0.1.nip.io/",
        "http://user@example.com@127.0.0.1/",
        "//example.com/",
        "ftp://127.0.0.1/",
        "127.0.0.1:80",
    ] {
        assert!(!harness::is_loopback_url(bad), "{bad}");
    }
}
