//! Cross-origin protection against a forged form post, in a real browser
//! (issue 15).
//!
//! Two live "banks" serve the example's app plus `GET /login` (sets a
//! cookie) and `POST /transfer` (records a transfer, with the cookie it
//! carried, in a ledger the test reads in-process). Both allow one trusted
//! front end, with credentials; only `bank-on` has
//! `CORS_CROSS_ORIGIN_PROTECTION=true`.
//!
//! Three loopback origins, all `http://127.0.0.1` on their own ports:
//!
//! * the trusted front end `T` (the harness page): logs in at both banks
//!   with a credentialed `fetch`, later posts a transfer to `bank-on`;
//! * the attacker `A` (a second page server), framed by `T`'s page: a form
//!   that submits itself, `method=post`, to a bank's `/transfer`, into a
//!   frame of its own, then tells `T` it is done;
//! * the banks `B`.
//!
//! Ports do not make sites: `A`, `T` and `B` are cross-origin but same-site,
//! so the session cookie, although `SameSite=Lax`, rides along with the
//! forged post (the test checks it did, on both banks). This is where
//! `SameSite` gives no protection and the mode must: on `bank-on` the post
//! is answered 403 before the handler runs (the ledger stays empty), on
//! `bank-off` the transfer happens. A control applies `bank-on`'s
//! expectations to `bank-off`'s record and requires them to fail.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use cors_actix::Cors;

use crate::harness::{self, Engine, FetchCase, FetchOutcome, PageServer, RunConfig};
use crate::live::{LiveServer, Seen};
use crate::{policy, server, ENGINE_ARGS};

/// One transfer the `/transfer` handler made.
#[derive(Debug, Clone)]
struct Transfer {
    /// Path and query (names the case).
    uri: String,
    /// The `Cookie` header it came with.
    cookie: Option<String>,
    /// The form or fetch body.
    body: String,
}

type Ledger = Arc<Mutex<Vec<Transfer>>>;

/// A bank: the example's routes plus `/login` and `/transfer`.
struct Bank {
    name: &'static str,
    /// The cookie `/login` sets: `{cookie}=alice`.
    cookie: &'static str,
    server: LiveServer,
    ledger: Ledger,
}

impl Bank {
    fn start(name: &'static str, cookie: &'static str, cors: Cors) -> Bank {
        let ledger: Ledger = Arc::default();
        let handler_ledger = Arc::clone(&ledger);
        let server = LiveServer::start_app(name, cors, false, move |cfg, cors| {
            let ledger = Arc::clone(&handler_ledger);
            cfg.route(
                "/login",
                web::get().to(move || async move {
                    // Lax on purpose: the strictest setting that still lets
                    // the front end's own requests carry it.
                    HttpResponse::Ok()
                        .insert_header((
                            header::SET_COOKIE,
                            format!("{cookie}=alice; Path=/; HttpOnly; SameSite=Lax"),
                        ))
                        .body("logged in")
                }),
            )
            .route(
                "/transfer",
                web::post().to(move |req: HttpRequest, body: web::Bytes| {
                    let ledger = Arc::clone(&ledger);
                    async move {
                        let cookie = req
                            .headers()
                            .get(header::COOKIE)
                            .map(|c| String::from_utf8_lossy(c.as_bytes()).into_owned());
                        ledger.lock().expect("ledger").push(Transfer {
                            uri: req.uri().to_string(),
                            cookie,
                            body: String::from_utf8_lossy(&body).into_owned(),
                        });
                        HttpResponse::Ok().body("moved")
                    }
                }),
            );
            server::routes(cfg, cors);
        });
        Bank {
            name,
            cookie,
            server,
            ledger,
        }
    }

    fn transfers(&self) -> Vec<Transfer> {
        self.ledger.lock().expect("ledger").clone()
    }

    fn url(&self, path_and_query: &str) -> String {
        self.server.url(path_and_query)
    }
}

/// `name=value` is among the pairs of a `Cookie` header.
fn has_cookie(cookie: Option<&str>, pair: &str) -> bool {
    cookie.is_some_and(|c| c.split(';').any(|p| p.trim() == pair))
}

/// The attacker's page: a form that posts itself to `?to=<url>` into a frame
/// of its own once the page has loaded (so the frame's first `load`, of
/// `about:blank`, is over), then tells the parent page `loaded` when the
/// bank's answer has loaded in that frame, or `no load event` if none came
/// within a second (Firefox, for the empty 403: see
/// [`FORGED_ON_FIREFOX`]).
const ATTACKER_PAGE: &str = r#"<!doctype html>
<html><head><meta charset="utf-8"><title>win a prize</title></head>
<body>
<iframe name="sink"></iframe>
<form id="f" method="post" target="sink">
<input name="amount" value="1000000"><input name="to" value="mallory">
</form>
<script>
"use strict";
const form = document.getElementById("f");
form.action = new URLSearchParams(location.search).get("to");
window.addEventListener("load", () => {
  document.querySelector("iframe").addEventListener("load", () => {
    parent.postMessage("loaded", "*");
  }, { once: true });
  form.submit();
  setTimeout(() => parent.postMessage("no load event", "*"), 1000);
});
</script>
</body></html>
"#;

/// What the attacker page reports for the post to `bank-on` in Firefox 153:
/// the frame never fires `load` for the 403 (observed; Chromium and WebKit
/// show an empty page and fire it). The likely cause: the answer has an
/// empty body and no `Content-Type` (`HttpResponse::Forbidden().finish()`),
/// which Firefox does not take for a document to show in the frame. The server side, which is what the
/// test judges, is the same in every engine.
const FORGED_ON_FIREFOX: &str = "no load event";

/// What one bank's record must show after the forged post.
#[derive(Debug, Clone, Copy)]
struct Forgery {
    /// Status of the forged `POST /transfer`, as the server answered it.
    status: u16,
    /// Transfers the forged post made.
    transfers: usize,
}

/// Differences between `bank`'s record of the forged post to `uri` and
/// `expect`; the post itself must have arrived, with the bank's cookie.
fn forgery_mismatches(bank: &Bank, seen: &[Seen], uri: &str, expect: Forgery) -> Vec<String> {
    let mut out = Vec::new();
    let posts: Vec<&Seen> = seen
        .iter()
        .filter(|s| s.method == "POST" && s.uri == uri)
        .collect();
    match posts.as_slice() {
        [post] => {
            if post.status != expect.status {
                out.push(format!(
                    "{}: forged post answered {}, expected {}",
                    bank.name, post.status, expect.status
                ));
            }
        }
        _ => out.push(format!(
            "{}: expected one forged POST {uri}, saw {}",
            bank.name,
            posts.len()
        )),
    }
    let made = bank.transfers().iter().filter(|t| t.uri == uri).count();
    if made != expect.transfers {
        out.push(format!(
            "{}: the forged post made {made} transfer(s), expected {}",
            bank.name, expect.transfers
        ));
    }
    out
}

/// The forged form post is refused with the mode on and goes through with
/// it off, in `engine`; the trusted front end's credentialed `fetch` still
/// works with the mode on.
pub(crate) fn forged_form_post_is_refused_only_with_protection(engine: Engine) {
    let Some(browser) = engine.require_or_skip() else {
        return;
    };
    let name = engine.name();
    let started = Instant::now();

    let page = PageServer::bind();
    let front_end = page.origin("127.0.0.1");
    let attacker = PageServer::start(ATTACKER_PAGE);
    let attacker_origin = attacker.origin("127.0.0.1");
    let vars = [
        ("CORS_ALLOWED_ORIGINS", front_end.as_str()),
        ("CORS_ALLOWED_METHODS", "GET, POST"),
        ("CORS_ALLOW_CREDENTIALS", "true"),
    ];
    let on = Bank::start(
        "bank-on",
        "session_on",
        policy(&[&vars[..], &[("CORS_CROSS_ORIGIN_PROTECTION", "true")]].concat()),
    );
    let off = Bank::start("bank-off", "session_off", policy(&vars));

    let include = "{credentials: 'include'}";
    let forged = |bank: &Bank, tag: &str| {
        let to = bank.url(&format!("/transfer?case={tag}"));
        FetchCase::frame(tag, format!("{attacker_origin}/?to={to}"))
    };
    let cases = [
        FetchCase::new("login-on", on.url("/login?case=login-on")).init(include),
        FetchCase::new("login-off", off.url("/login?case=login-off")).init(include),
        forged(&on, "forged-on"),
        forged(&off, "forged-off"),
        FetchCase::new("trusted-on", on.url("/transfer?case=trusted-on"))
            .init("{method: 'POST', credentials: 'include', body: 'amount=5&to=bob'}"),
    ];
    let config = RunConfig {
        case_timeout: Duration::from_secs(5),
        overall_timeout: Duration::from_secs(30),
    };
    let outcomes =
        harness::run_cases_on(&browser, page, "127.0.0.1", &cases, &config, &ENGINE_ARGS);
    let seen_on = on.server.seen();
    let seen_off = off.server.seen();

    let mut failures = Vec::new();
    let mut page_side = |outcome: &FetchOutcome, readable: bool, body: &str| {
        let ok = outcome.ok_read == readable && outcome.body.as_deref() == Some(body);
        println!(
            "{name:<8} {} {:<11} read={:<5} status={:<4} body={:?} error={:?}",
            if ok { "ok  " } else { "FAIL" },
            outcome.name,
            outcome.ok_read,
            outcome.status.map_or("-".to_owned(), |s| s.to_string()),
            outcome.body,
            outcome.error,
        );
        if !ok {
            failures.push(format!(
                "{}: expected readable={readable} body={body:?}, got {outcome:?}",
                outcome.name
            ));
        }
    };
    page_side(&outcomes[0], true, "logged in");
    page_side(&outcomes[1], true, "logged in");
    // The attacker page's own word that the bank's answer loaded in its
    // frame (what the answer was, it cannot read). Firefox: see
    // FORGED_ON_FIREFOX.
    let forged_on_page = if engine == Engine::Firefox {
        FORGED_ON_FIREFOX
    } else {
        "loaded"
    };
    page_side(&outcomes[2], true, forged_on_page);
    page_side(&outcomes[3], true, "loaded");
    page_side(&outcomes[4], true, "moved");

    let refused = Forgery {
        status: 403,
        transfers: 0,
    };
    let went_through = Forgery {
        status: 200,
        transfers: 1,
    };
    failures.extend(forgery_mismatches(
        &on,
        &seen_on,
        "/transfer?case=forged-on",
        refused,
    ));
    failures.extend(forgery_mismatches(
        &off,
        &seen_off,
        "/transfer?case=forged-off",
        went_through,
    ));

    // Both forged posts came from the attacker, with the victim's cookie:
    // what stopped the one on `bank-on` is the mode, not `SameSite`.
    for (bank, seen, tag) in [
        (&on, &seen_on, "forged-on"),
        (&off, &seen_off, "forged-off"),
    ] {
        let uri = format!("/transfer?case={tag}");
        for post in seen.iter().filter(|s| s.method == "POST" && s.uri == uri) {
            let cookie = post.request_values("cookie").first().copied();
            let site = post.request_values("sec-fetch-site");
            let origin = post.request_values("origin");
            println!(
                "{name:<8}      {tag}: Origin {origin:?}, Sec-Fetch-Site {site:?}, \
                 Cookie {cookie:?} -> {}",
                post.status
            );
            if origin != [attacker_origin.as_str()] {
                failures.push(format!("{tag}: Origin {origin:?}, not the attacker's"));
            }
            let pair = format!("{}=alice", bank.cookie);
            if !has_cookie(cookie, &pair) {
                failures.push(format!("{tag}: the post did not carry `{pair}`"));
            }
        }
    }
    let forged_off: Vec<Transfer> = off
        .transfers()
        .into_iter()
        .filter(|t| t.uri.ends_with("case=forged-off"))
        .collect();
    if let [t] = forged_off.as_slice() {
        if !has_cookie(t.cookie.as_deref(), "session_off=alice")
            || t.body != "amount=1000000&to=mallory"
        {
            failures.push(format!("forged-off: the handler saw {t:?}"));
        }
    }

    // The front end's credentialed post still went through on `bank-on`,
    // with the session cookie.
    let trusted: Vec<Transfer> = on
        .transfers()
        .into_iter()
        .filter(|t| t.uri.ends_with("case=trusted-on"))
        .collect();
    match trusted.as_slice() {
        [t] if has_cookie(t.cookie.as_deref(), "session_on=alice") => {}
        other => failures.push(format!(
            "trusted-on: expected one transfer with `session_on=alice`, got {other:?}"
        )),
    }
    let trusted_post = crate::only(&seen_on, "POST", "/transfer?case=trusted-on");
    println!(
        "{name:<8}      trusted-on: Origin {:?}, Sec-Fetch-Site {:?}, Cookie {:?} -> {}",
        trusted_post.request_values("origin"),
        trusted_post.request_values("sec-fetch-site"),
        trusted_post.request_values("cookie"),
        trusted_post.status
    );

    if std::env::var_os("CORS_BROWSER_DUMP").is_some() {
        for (bank, seen) in [(&on, &seen_on), (&off, &seen_off)] {
            for s in seen {
                println!(
                    "{name} {} {} {} -> {}\n  request: {:?}\n  response: {:?}",
                    bank.name, s.method, s.uri, s.status, s.request, s.response
                );
            }
        }
    }

    assert!(
        failures.is_empty(),
        "{name}: the forged form post was not handled as issue 15 requires:\n{}",
        failures.join("\n")
    );

    // The test can fail: `bank-off`'s record, held to what `bank-on` must
    // show, does not pass.
    let caught = forgery_mismatches(&off, &seen_off, "/transfer?case=forged-off", refused);
    assert!(
        !caught.is_empty(),
        "{name}: the unprotected bank's record passes the protected bank's checks"
    );
    println!(
        "{name}: held to the protected bank's expectations, the unprotected one fails: {}",
        caught.join("; ")
    );
    println!("{name}: forgery test {:.1?}", started.elapsed());
}
