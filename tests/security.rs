//! The security guarantees G1–G11 of `SECURITY.md`, through the actix-web
//! middleware: real apps, real header maps, header lines counted with
//! `get_all`, and the log captured where it matters.
//!
//! Every table row names the class of bug it guards against (with the CVE or
//! advisory where there is one). The engine-level counterparts are in
//! `cors-core/tests/security.rs`.

// The tables are tuples, one column per field, named by the comment above
// each; a struct per table would only repeat those names.
#![allow(clippy::type_complexity)]

use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

use actix_web::dev::ServiceResponse;
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::test::{self, TestRequest};
use actix_web::{error, get, web, App, HttpResponse, Responder};
use cors_actix::{cors, ConfigError, ConfigProblem, Cors};

const APP: &str = "https://app.example.com";
const EVIL: &str = "https://evil.example";
const ACRPN: &str = "access-control-request-private-network";
const ACAPN: &str = "access-control-allow-private-network";
/// The debug header naming a rejection's reason (`rejection_header(true)`).
const REJECTED: &str = "x-cors-rejected";

/// The response headers the CORS layer owns and must send at most once.
const ONCE: [HeaderName; 7] = [
    header::ACCESS_CONTROL_ALLOW_ORIGIN,
    header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
    header::ACCESS_CONTROL_ALLOW_METHODS,
    header::ACCESS_CONTROL_ALLOW_HEADERS,
    header::ACCESS_CONTROL_MAX_AGE,
    header::ACCESS_CONTROL_EXPOSE_HEADERS,
    header::VARY,
];

/// The headers a handler sets itself: `(name, value, append?)`.
type Own = &'static [(&'static str, &'static str, bool)];

/// What a test looks at in a response.
#[derive(Clone, Debug)]
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    calls: usize,
}

impl Answer {
    fn all(&self, name: &str) -> Vec<String> {
        self.headers
            .get_all(name)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .collect()
    }

    /// The one value of a header; fails the test if it is sent twice.
    fn get(&self, name: &str) -> Option<String> {
        let all = self.all(name);
        assert!(all.len() <= 1, "`{name}` sent {} times: {all:?}", all.len());
        all.into_iter().next()
    }

    /// Every `Vary` token, lower-cased, across every `Vary` line.
    fn vary_tokens(&self) -> Vec<String> {
        self.all("vary")
            .iter()
            .flat_map(|v| v.split(','))
            .map(|t| t.trim().to_ascii_lowercase())
            .filter(|t| !t.is_empty())
            .collect()
    }

    /// The CORS headers and `Vary`, sorted, to compare answers.
    fn cors_view(&self) -> (u16, Vec<(String, String)>) {
        let mut view: Vec<(String, String)> = self
            .headers
            .iter()
            .filter(|(n, _)| n.as_str().starts_with("access-control-") || *n == header::VARY)
            .map(|(n, v)| {
                (
                    n.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        view.sort();
        (self.status.as_u16(), view)
    }
}

/// G1: each CORS header at most once, and `Vary` never repeats a token.
fn assert_each_header_at_most_once(what: &str, res: &Answer) {
    for name in ONCE {
        let count = res.headers.get_all(&name).count();
        assert!(count <= 1, "{what}: `{name}` on {count} lines");
    }
    let tokens = res.vary_tokens();
    for token in &tokens {
        let count = tokens.iter().filter(|t| *t == token).count();
        assert_eq!(count, 1, "{what}: Vary token `{token}` {count} times");
    }
}

/// The handler of `/r`: counts its calls and sets the headers it was given.
async fn handler(own: web::Data<(Own, AtomicUsize)>) -> HttpResponse {
    own.1.fetch_add(1, Ordering::SeqCst);
    let mut res = HttpResponse::Ok();
    for (name, value, append) in own.0 {
        if *append {
            res.append_header((*name, *value));
        } else {
            res.insert_header((*name, *value));
        }
    }
    res.body("handled")
}

async fn failing() -> Result<HttpResponse, actix_web::Error> {
    Err(error::ErrorBadRequest("bad input"))
}

/// Sends `req` to `/r` (or `/fail`, whose handler errors) of an app wrapped
/// in `cors`, whose handler sets `own`.
async fn call(cors: Cors, own: Own, req: TestRequest) -> Answer {
    let data = web::Data::new((own, AtomicUsize::new(0)));
    let app = test::init_service(
        App::new()
            .app_data(data.clone())
            .wrap(cors)
            .route("/r", web::route().to(handler))
            .route("/fail", web::route().to(failing)),
    )
    .await;
    let req = req.to_request();
    let res = test::call_service(&app, req).await;
    read(res, data.1.load(Ordering::SeqCst))
}

fn read<B>(res: ServiceResponse<B>, calls: usize) -> Answer {
    Answer {
        status: res.status(),
        headers: res.headers().clone(),
        calls,
    }
}

fn preflight(origin: &str, method: &str) -> TestRequest {
    TestRequest::default()
        .uri("/r")
        .method(Method::OPTIONS)
        .insert_header((header::ORIGIN, origin))
        .insert_header((header::ACCESS_CONTROL_REQUEST_METHOD, method))
}

fn actual(origin: &str) -> TestRequest {
    TestRequest::get()
        .uri("/r")
        .insert_header((header::ORIGIN, origin))
}

fn has_star(value: &str) -> bool {
    value.split(',').any(|e| e.trim() == "*")
}

fn credentialed() -> Cors {
    Cors::builder()
        .allowed_origins([APP, "https://*.example.com"])
        .allowed_methods(["GET", "PUT"])
        .allowed_headers(["content-type", "authorization"])
        .expose_headers(["x-request-id"])
        .allow_credentials(true)
        .max_age(600)
        .build()
        .expect("valid test policy")
}

// ---------------------------------------------------------------------------
// G1: ACAO, ACAC, ACMA at most once; ACAO is `*` or the Origin echoed.

#[actix_web::test]
async fn g1_acao_acac_and_acma_are_sent_once_even_when_the_handler_sets_them() {
    let public = || {
        Cors::builder()
            .allow_any_origin()
            .build()
            .expect("valid test policy")
    };
    // (bug class guarded against, policy, handler's own headers, request, expected ACAO)
    let rows: Vec<(&str, Cors, Own, TestRequest, Option<&str>)> = vec![
        (
            "the handler's `*` and the middleware's echo both sent: two ACAO lines combine \
             into `*, https://…`, which fails every CORS check (WPT origin.htm)",
            credentialed(),
            &[("access-control-allow-origin", "*", false)],
            actual(APP),
            Some(APP),
        ),
        (
            "the handler's stale origin kept next to the echo",
            credentialed(),
            &[("access-control-allow-origin", EVIL, false)],
            actual(APP),
            Some(APP),
        ),
        (
            "two ACAO lines appended by the handler left in place",
            credentialed(),
            &[
                ("access-control-allow-origin", "https://a.example", true),
                ("access-control-allow-origin", "https://b.example", true),
            ],
            actual("https://pr-1.example.com"),
            Some("https://pr-1.example.com"),
        ),
        (
            "the handler's ACAO (and ACAC) kept on a refused origin: the policy is bypassed",
            credentialed(),
            &[
                ("access-control-allow-origin", "*", false),
                ("access-control-allow-credentials", "true", false),
            ],
            actual(EVIL),
            None,
        ),
        (
            "the handler's ACAC doubled by the middleware's (`true, true` fails a6 step 6)",
            credentialed(),
            &[("access-control-allow-credentials", "true", false)],
            actual(APP),
            Some(APP),
        ),
        (
            "the handler's ACAO doubled on a static `*` policy",
            public(),
            &[("access-control-allow-origin", "*", false)],
            actual("https://anyone.example"),
            Some("*"),
        ),
        (
            "a preflight with a max-age answered with ACMA twice (duplicate ACMA means 5 s)",
            credentialed(),
            &[],
            preflight(APP, "PUT"),
            Some(APP),
        ),
        (
            "an error response decorated twice",
            credentialed(),
            &[],
            actual(APP).uri("/fail"),
            Some(APP),
        ),
        (
            "duplicated Origin lines: one of them echoed though the other was checked",
            credentialed(),
            &[],
            TestRequest::get()
                .uri("/r")
                .append_header((header::ORIGIN, APP))
                .append_header((header::ORIGIN, EVIL)),
            None,
        ),
        (
            "a `null` Origin answered with `null` by a pattern",
            credentialed(),
            &[],
            actual("null"),
            None,
        ),
    ];
    for (guards, cors, own, request, expected) in rows {
        let res = call(cors, own, request).await;
        assert_each_header_at_most_once(guards, &res);
        assert_eq!(
            res.get("access-control-allow-origin").as_deref(),
            expected,
            "{guards}"
        );
        if expected.is_none() {
            assert_eq!(
                res.get("access-control-allow-credentials"),
                None,
                "{guards}"
            );
        } else if expected != Some("*") {
            assert_eq!(
                res.get("access-control-allow-credentials").as_deref(),
                Some("true"),
                "{guards}"
            );
        }
        if res.status == StatusCode::NO_CONTENT {
            assert_eq!(
                res.get("access-control-max-age").as_deref(),
                Some("600"),
                "{guards}"
            );
        }
    }
}

// ---------------------------------------------------------------------------
// G2: credentials never with `*`; refused at build by every front end.

#[cors(origins = ["*"])]
#[get("/g2/wildcard")]
async fn wildcard_handler() -> impl Responder {
    "anyone"
}

#[cors(origin_regexes = ["https?://.*"])]
#[get("/g2/regex")]
async fn regex_handler() -> impl Responder {
    "anyone matching"
}

#[cors(credentials = true)]
#[get("/g2/credentials")]
async fn credentials_handler() -> impl Responder {
    "with cookies"
}

fn any_origin_with_credentials(result: Result<Cors, ConfigError>) -> bool {
    match result {
        Ok(_) => false,
        Err(e) => e
            .problems()
            .iter()
            .any(|p| matches!(p, ConfigProblem::CredentialsWithAnyOrigin { .. })),
    }
}

#[test]
fn g2_any_origin_with_credentials_is_refused_by_builder_environment_and_macro() {
    let lookup = |vars: &'static [(&'static str, &'static str)]| {
        move |name: &str| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    };
    // (bug class guarded against, how the Cors is made)
    let rows: Vec<(&str, Result<Cors, ConfigError>)> = vec![
        (
            "Fiber CVE-2024-25124 through `Cors::builder()`",
            Cors::builder()
                .allow_any_origin()
                .supports_credentials()
                .build(),
        ),
        (
            "Tomcat CVE-2018-8014 through `Cors::builder()`: `*` among the origins",
            Cors::builder()
                .allowed_origins([APP, "*"])
                .allow_credentials(true)
                .build(),
        ),
        (
            "@koa/cors CVE-2023-49803 through `Cors::builder()`: reflect-all regex",
            Cors::builder()
                .allowed_origin_regex(".*")
                .allow_credentials(true)
                .build(),
        ),
        (
            "Fiber CVE-2024-25124 through `Cors::from_lookup`",
            Cors::from_lookup(
                "",
                lookup(&[
                    ("CORS_ALLOWED_ORIGINS", "*"),
                    ("CORS_ALLOW_CREDENTIALS", "true"),
                ]),
            ),
        ),
        (
            "http4s CVE-2021-39185 through `Cors::from_lookup` with a prefix",
            Cors::from_lookup(
                "MYAPP_",
                lookup(&[
                    ("MYAPP_CORS_ALLOWED_ORIGIN_REGEXES", "https?://.*"),
                    ("MYAPP_CORS_ALLOW_CREDENTIALS", "true"),
                ]),
            ),
        ),
    ];
    for (guards, result) in rows {
        assert!(any_origin_with_credentials(result), "{guards}");
    }

    // `#[cors(...)]`: literals that combine the two in one attribute are
    // compile errors (cors-macros/tests/ui/fail/credentials_with_any_origin.rs
    // and credentials_with_match_anything_regex.rs); a combination with the
    // app's policy is refused when the app is built.
    let app = credentialed();
    let public = Cors::builder()
        .allow_any_origin()
        .build()
        .expect("valid test policy");
    // (bug class guarded against, result of merging)
    let rows: Vec<(&str, Result<(), ConfigError>)> = vec![
        (
            "Fiber CVE-2024-25124: `#[cors(origins = [\"*\"])]` on an app with credentials",
            app.try_handlers(wildcard_handler).map(drop),
        ),
        (
            "http4s CVE-2021-39185: `#[cors(origin_regexes = [\"https?://.*\"])]` on an app \
             with credentials",
            app.try_handlers(regex_handler).map(drop),
        ),
        (
            "@koa/cors CVE-2023-49803: `#[cors(credentials = true)]` on an any-origin app",
            public.try_handlers(credentials_handler).map(drop),
        ),
    ];
    for (guards, result) in rows {
        let refused = match result {
            Ok(()) => false,
            Err(e) => e
                .problems()
                .iter()
                .any(|p| matches!(p, ConfigProblem::CredentialsWithAnyOrigin { .. })),
        };
        assert!(refused, "{guards}");
    }
}

#[actix_web::test]
async fn g2_credentialed_responses_never_carry_a_wildcard() {
    let any = || {
        Cors::builder()
            .allowed_origins([APP, "https://*.example.com"])
            .allow_any_method()
            .allow_any_header()
            .expose_headers(["x-request-id"])
            .allow_credentials(true)
            .build()
            .expect("valid test policy")
    };
    let mirror = || {
        Cors::builder()
            .allowed_origin(APP)
            .allow_any_method()
            .mirror_request_headers()
            .allow_credentials(true)
            .build()
            .expect("valid test policy")
    };
    // (bug class guarded against, policy, handler's own headers, request)
    let rows: Vec<(&str, Cors, Own, TestRequest)> = vec![
        (
            "Fiber CVE-2024-25124: ACAO `*` with ACAC `true` on a preflight",
            any(),
            &[],
            preflight(APP, "PATCH"),
        ),
        (
            "ACAM/ACAH `*` with credentials (read as a method and header named `*`)",
            any(),
            &[],
            preflight(APP, "PURGE")
                .insert_header((header::ACCESS_CONTROL_REQUEST_HEADERS, "authorization,x-a")),
        ),
        (
            "mirrored headers answered with `*` under credentials",
            mirror(),
            &[],
            preflight(APP, "PUT")
                .insert_header((header::ACCESS_CONTROL_REQUEST_HEADERS, "x-a,x-b")),
        ),
        (
            "a handler's `ACAO: *` left next to the middleware's ACAC `true`",
            any(),
            &[("access-control-allow-origin", "*", false)],
            actual("https://a.example.com"),
        ),
        (
            "a handler's `ACEH: *` kept next to ACAC `true`: the policy's list replaces it",
            any(),
            &[("access-control-expose-headers", "*", false)],
            actual(APP),
        ),
    ];
    for (guards, cors, own, request) in rows {
        let res = call(cors, own, request).await;
        assert!(res.status.is_success(), "{guards}: {}", res.status);
        assert_eq!(
            res.get("access-control-allow-credentials").as_deref(),
            Some("true"),
            "{guards}"
        );
        for (name, value) in res.headers.iter() {
            let name = name.as_str();
            if name.starts_with("access-control-allow-") || name == "access-control-expose-headers"
            {
                let value = value.to_str().unwrap_or_default();
                assert!(!has_star(value), "{guards}: `{name}: {value}`");
            }
        }
    }
}

#[actix_web::test]
async fn g2_a_handler_cannot_grant_credentials_the_policy_does_not() {
    let without_credentials = |builder: cors_actix::CorsBuilder| {
        builder
            .allow_credentials(false)
            .build()
            .expect("valid test policy")
    };
    // (bug class guarded against, policy without credentials, request)
    let rows: Vec<(&str, Cors, TestRequest)> = vec![
        (
            "@koa/cors CVE-2023-49803 through the back door: a reflect-everything regex is \
             valid without credentials, and the handler's own `ACAC: true` next to the echoed \
             origin lets any site read a logged-in user's data",
            without_credentials(Cors::builder().allowed_origin_regex(".*")),
            actual(EVIL),
        ),
        (
            "the same with an always-true predicate",
            without_credentials(Cors::builder().allowed_origin_fn(|_| true)),
            actual(EVIL),
        ),
        (
            "the same on a listed origin the policy trusts without credentials",
            without_credentials(Cors::builder().allowed_origin(APP)),
            actual(APP),
        ),
        (
            "Fiber CVE-2024-25124 on the wire: `ACAO: *` with the handler's `ACAC: true`",
            without_credentials(Cors::builder().allow_any_origin()),
            actual(EVIL),
        ),
    ];
    for (guards, cors, request) in rows {
        let res = call(
            cors,
            &[("access-control-allow-credentials", "true", false)],
            request,
        )
        .await;
        assert!(
            res.get("access-control-allow-origin").is_some(),
            "{guards}: the origin should be allowed"
        );
        assert_eq!(
            res.get("access-control-allow-credentials"),
            None,
            "{guards}"
        );
    }
}

// ---------------------------------------------------------------------------
// G3: `authorization` listed when asked, even when any header is allowed.

#[actix_web::test]
async fn g3_requested_authorization_is_listed_even_when_any_header_is_allowed() {
    let any = || {
        Cors::builder()
            .allowed_origin(APP)
            .allow_any_header()
            .build()
            .expect("valid test policy")
    };
    // (bug class guarded against, policy, ACRH)
    let rows: Vec<(&str, Cors, &str)> = vec![
        (
            "ACAH `*` alone: Firefox and Safari refuse Authorization under `*`; Chromium 156 \
             accepts it, so only this test (not the browser suite) catches it",
            any(),
            "authorization",
        ),
        (
            "`*` alone when asked for several",
            any(),
            "authorization,x-a",
        ),
        (
            "`*` alone with credentials",
            credentialed(),
            "authorization,content-type",
        ),
    ];
    for (guards, cors, requested) in rows {
        let res = call(
            cors,
            &[],
            preflight(APP, "GET")
                .insert_header((header::ACCESS_CONTROL_REQUEST_HEADERS, requested)),
        )
        .await;
        assert_eq!(res.status, StatusCode::NO_CONTENT, "{guards}");
        let acah = res.get("access-control-allow-headers").unwrap_or_default();
        assert!(
            acah.split(',')
                .any(|t| t.trim().eq_ignore_ascii_case("authorization")),
            "{guards}: ACAH `{acah}`"
        );
    }
}

// ---------------------------------------------------------------------------
// G4: preflight headers only on preflights, ACEH only on actual responses.

#[actix_web::test]
async fn g4_preflight_headers_only_on_preflights_and_aceh_only_on_actual_responses() {
    let full = || {
        Cors::builder()
            .allowed_origin(APP)
            .allowed_methods(["GET", "PUT"])
            .allowed_headers(["x-a"])
            .expose_headers(["x-request-id"])
            .max_age(600)
            .allow_private_network(true)
            .build()
            .expect("valid test policy")
    };
    let preflight_only = [
        "access-control-allow-methods",
        "access-control-allow-headers",
        "access-control-max-age",
        ACAPN,
    ];
    // (bug class guarded against, request, is it a preflight?)
    let rows: Vec<(&str, TestRequest, bool)> = vec![
        (
            "ACEH on a preflight, or a preflight reaching the handler",
            preflight(APP, "PUT")
                .insert_header((header::ACCESS_CONTROL_REQUEST_HEADERS, "x-a"))
                .insert_header((ACRPN, "true")),
            true,
        ),
        (
            "ACAM/ACAH/ACMA/ACAPN on an actual response",
            actual(APP).insert_header((ACRPN, "true")),
            false,
        ),
        (
            "an OPTIONS without Access-Control-Request-Method answered as a preflight",
            TestRequest::default()
                .uri("/r")
                .method(Method::OPTIONS)
                .insert_header((header::ORIGIN, APP)),
            false,
        ),
        (
            "a PUT carrying Access-Control-Request-Method answered as a preflight",
            TestRequest::put()
                .uri("/r")
                .insert_header((header::ORIGIN, APP))
                .insert_header((header::ACCESS_CONTROL_REQUEST_METHOD, "PUT")),
            false,
        ),
    ];
    for (guards, request, is_preflight) in rows {
        let res = call(full(), &[], request).await;
        assert!(res.status.is_success(), "{guards}: {}", res.status);
        if is_preflight {
            assert_eq!(res.calls, 0, "{guards}: the handler ran");
            assert_eq!(res.get("access-control-expose-headers"), None, "{guards}");
            for name in preflight_only {
                assert!(res.get(name).is_some(), "{guards}: no `{name}`");
            }
        } else {
            assert_eq!(res.calls, 1, "{guards}: the handler did not run");
            assert!(
                res.get("access-control-expose-headers").is_some(),
                "{guards}"
            );
            for name in preflight_only {
                assert_eq!(res.get(name), None, "{guards}: `{name}`");
            }
        }
    }
}

// ---------------------------------------------------------------------------
// G5: look-alike origins never admitted.

#[actix_web::test]
async fn g5_look_alike_origins_get_no_acao() {
    let cors = || {
        Cors::builder()
            .allowed_origins([
                "https://example.com",
                "https://*.example.com",
                "https://foo.com",
                "https://bar.com",
            ])
            .build()
            .expect("valid test policy")
    };
    // (bug class guarded against, Origin)
    let rows: [(&str, &str); 12] = [
        ("prefix match", "https://example.com.evil.com"),
        (
            "suffix match without label boundary",
            "https://evilexample.com",
        ),
        ("userinfo confusion", "https://example.com@evil.com"),
        ("trailing dot", "https://example.com."),
        ("upper case", "https://EXAMPLE.COM"),
        ("default port written out", "https://example.com:443"),
        ("scheme confusion", "http://example.com"),
        ("port confusion", "https://a.example.com:8443"),
        (
            "jub0bs/cors GHSA-vhxv-fg4m-p2w8: `foo.com` + `bar.com` admitted `barfoo.com`",
            "https://barfoo.com",
        ),
        ("`null` through a pattern", "null"),
        ("trailing slash", "https://example.com/"),
        ("`NULL`", "NULL"),
    ];
    for (guards, origin) in rows {
        for request in [actual(origin), preflight(origin, "GET")] {
            let res = call(cors(), &[], request).await;
            assert_eq!(
                res.get("access-control-allow-origin"),
                None,
                "{guards}: `{origin}`"
            );
            assert!(
                res.vary_tokens().contains(&"origin".to_owned()),
                "{guards}: refusal without `Vary: Origin`"
            );
        }
    }
    let res = call(cors(), &[], actual("https://a.example.com")).await;
    assert_eq!(
        res.get("access-control-allow-origin").as_deref(),
        Some("https://a.example.com"),
        "control"
    );
}

// ---------------------------------------------------------------------------
// G6: methods byte-exact; every requested header allowed; one bad token fails all.

#[actix_web::test]
async fn g6_methods_compare_byte_exact_and_one_bad_header_token_refuses_the_preflight() {
    let cors = || {
        Cors::builder()
            .allowed_origin(APP)
            .allowed_methods(["PUT", "PURGE"])
            .allowed_headers(["x-trace-id"])
            .build()
            .expect("valid test policy")
    };
    // (bug class guarded against, ACRM, ACRH, allowed?)
    let rows: [(&str, &str, Option<&str>, bool); 8] = [
        ("control", "PUT", Some("X-Trace-Id"), true),
        ("case-insensitive method match", "put", None, false),
        ("case-insensitive custom method match", "purge", None, false),
        (
            "`content-type` treated as safelisted in ACRH",
            "PUT",
            Some("content-type"),
            false,
        ),
        (
            "one allowed name lets the rest through",
            "PUT",
            Some("x-trace-id,x-evil"),
            false,
        ),
        (
            "a bad separator accepted",
            "PUT",
            Some("x-trace-id;x-evil"),
            false,
        ),
        (
            "a space inside a name accepted",
            "PUT",
            Some("x-trace-id,x evil"),
            false,
        ),
        ("an empty list accepted", "PUT", Some(","), false),
    ];
    for (guards, method, requested, allowed) in rows {
        let mut request = preflight(APP, method);
        if let Some(requested) = requested {
            request = request.insert_header((header::ACCESS_CONTROL_REQUEST_HEADERS, requested));
        }
        let res = call(cors(), &[], request).await;
        assert_eq!(res.calls, 0, "{guards}");
        if allowed {
            assert_eq!(res.status, StatusCode::NO_CONTENT, "{guards}");
        } else {
            assert_eq!(res.status, StatusCode::FORBIDDEN, "{guards}");
            let allow_headers: Vec<_> = res
                .headers
                .keys()
                .filter(|n| n.as_str().starts_with("access-control-allow-"))
                .collect();
            assert!(allow_headers.is_empty(), "{guards}: {allow_headers:?}");
        }
    }
}

// ---------------------------------------------------------------------------
// G7: Vary merged with the app's, on allowed and refused answers alike.

#[actix_web::test]
async fn g7_vary_is_merged_with_the_apps_on_allowed_and_refused_responses() {
    let cors = || {
        Cors::builder()
            .allowed_origin(APP)
            .allowed_methods(["GET", "PUT"])
            .build()
            .expect("valid test policy")
    };
    let preflight_tokens: &[&str] = &[
        "origin",
        "access-control-request-method",
        "access-control-request-headers",
    ];
    // (bug class guarded against, handler's own headers, request, tokens that must be there)
    let rows: Vec<(&str, Own, TestRequest, &[&str])> = vec![
        (
            "the app's `Vary: Accept-Encoding` replaced by `Vary: Origin` (compressed and \
             plain bodies mixed up by caches)",
            &[("vary", "Accept-Encoding", false)],
            actual(APP),
            &["accept-encoding", "origin"],
        ),
        (
            "no `Vary: Origin` on a refused origin (cache poisoning: the refusal served to the \
             allowed origin)",
            &[("vary", "Accept-Encoding", false)],
            actual(EVIL),
            &["accept-encoding", "origin"],
        ),
        (
            "`Origin` repeated when the app already varies on it (in another case)",
            &[("vary", "origin", false)],
            actual(APP),
            &["origin"],
        ),
        (
            "tokens lost when the app sends two Vary lines",
            &[("vary", "Accept-Encoding", true), ("vary", "Cookie", true)],
            actual(EVIL),
            &["accept-encoding", "cookie", "origin"],
        ),
        (
            "`Vary: *` narrowed to `Origin`",
            &[("vary", "*", false)],
            actual(APP),
            &["*"],
        ),
        (
            "no `Vary: Origin` on a non-CORS response (a cached navigation without ACAO \
             served to a CORS request)",
            &[],
            TestRequest::get().uri("/r"),
            &["origin"],
        ),
        (
            "no `Vary: Origin` on an error response",
            &[],
            actual(EVIL).uri("/fail"),
            &["origin"],
        ),
        (
            "no `Vary` for the preflight headers on an allowed preflight",
            &[],
            preflight(APP, "PUT"),
            preflight_tokens,
        ),
        (
            "no `Vary` on a preflight refused for its origin",
            &[],
            preflight(EVIL, "PUT"),
            preflight_tokens,
        ),
        (
            "no `Vary` on a preflight refused for its method",
            &[],
            preflight(APP, "DELETE"),
            preflight_tokens,
        ),
    ];
    for (guards, own, request, expected) in rows {
        let res = call(cors(), own, request).await;
        assert_each_header_at_most_once(guards, &res);
        let tokens = res.vary_tokens();
        for token in expected {
            assert!(
                tokens.iter().any(|t| t == token),
                "{guards}: Vary {tokens:?}"
            );
        }
    }
}

// ---------------------------------------------------------------------------
// G8: Private Network Access only when enabled, allowed and asked.

#[actix_web::test]
async fn g8_private_network_access_only_when_enabled_allowed_and_asked() {
    let on = || {
        Cors::builder()
            .allowed_origin(APP)
            .allow_private_network(true)
            .build()
            .expect("valid test policy")
    };
    let off = || {
        Cors::builder()
            .allowed_origin(APP)
            .build()
            .expect("valid test policy")
    };
    // (bug class guarded against, policy, request, status, ACAPN)
    let rows: Vec<(&str, Cors, TestRequest, StatusCode, Option<&str>)> = vec![
        (
            "control",
            on(),
            preflight(APP, "GET").insert_header((ACRPN, "true")),
            StatusCode::NO_CONTENT,
            Some("true"),
        ),
        (
            "ACAPN though PNA is off: a public page reaches a device on the private network",
            off(),
            preflight(APP, "GET").insert_header((ACRPN, "true")),
            StatusCode::FORBIDDEN,
            None,
        ),
        (
            "ACAPN to a disallowed origin",
            on(),
            preflight(EVIL, "GET").insert_header((ACRPN, "true")),
            StatusCode::FORBIDDEN,
            None,
        ),
        (
            "ACAPN unasked",
            on(),
            preflight(APP, "GET"),
            StatusCode::NO_CONTENT,
            None,
        ),
        (
            "ACAPN on an actual response",
            on(),
            actual(APP).insert_header((ACRPN, "true")),
            StatusCode::OK,
            None,
        ),
    ];
    for (guards, cors, request, status, acapn) in rows {
        let res = call(cors, &[], request).await;
        assert_eq!(res.status, status, "{guards}");
        assert_eq!(res.get(ACAPN).as_deref(), acapn, "{guards}");
    }
}

// ---------------------------------------------------------------------------
// G9: max-age above 86400 refused at build.

#[test]
fn g9_max_age_above_86400_is_refused_by_builder_and_environment() {
    // (bug class guarded against, result)
    let rows: Vec<(&str, Result<Cors, ConfigError>)> = vec![
        (
            "a week of preflight caching: no browser honours it, a stale policy lingers",
            Cors::builder().allowed_origin(APP).max_age(604_800).build(),
        ),
        (
            "one second over Firefox's cap, from the environment",
            Cors::from_lookup("", |name| {
                (name == "CORS_MAX_AGE").then(|| "86401".to_owned())
            }),
        ),
    ];
    for (guards, result) in rows {
        let err = result.expect_err(guards);
        assert!(
            matches!(err.problems(), [ConfigProblem::MaxAgeTooLarge { .. }]),
            "{guards}: {err}"
        );
        assert!(err.to_string().contains("7200"), "{guards}: {err}");
    }
}

// ---------------------------------------------------------------------------
// G10: hostile input is bounded, never panics, never forges a log line.

/// What the `fmt` subscriber writes, one entry per event, kept only for
/// the watched thread.
///
/// The subscriber is the process-wide default: a scoped one
/// (`set_default`) misses events whose callsites other test threads have
/// already registered while no subscriber was interested.
#[derive(Clone, Default)]
struct Captured {
    watched: Arc<Mutex<Option<ThreadId>>>,
    events: Arc<Mutex<Vec<Vec<u8>>>>,
}

impl Captured {
    /// The process-wide capture, installed on first use.
    fn install() -> &'static Captured {
        static CAPTURED: OnceLock<Captured> = OnceLock::new();
        CAPTURED.get_or_init(|| {
            let captured = Captured::default();
            let subscriber = tracing_subscriber::fmt()
                .with_writer(captured.clone())
                .with_ansi(false)
                .with_max_level(tracing::Level::DEBUG)
                .finish();
            tracing::subscriber::set_global_default(subscriber)
                .expect("no other global subscriber in this test binary");
            captured
        })
    }

    /// Starts keeping the events of the current thread.
    fn watch_this_thread(&self) {
        *self.watched.lock().expect("log capture") = Some(thread::current().id());
    }

    fn events(&self) -> Vec<Vec<u8>> {
        self.events.lock().expect("log capture").clone()
    }
}

struct EventWriter {
    buf: Vec<u8>,
    sink: Captured,
}

impl io::Write for EventWriter {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for EventWriter {
    fn drop(&mut self) {
        let watched = *self.sink.watched.lock().expect("log capture");
        if watched == Some(thread::current().id()) {
            if let Ok(mut events) = self.sink.events.lock() {
                events.push(std::mem::take(&mut self.buf));
            }
        }
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = EventWriter;

    fn make_writer(&'a self) -> Self::Writer {
        EventWriter {
            buf: Vec::new(),
            sink: self.clone(),
        }
    }
}

/// Generous for a debug build on a loaded machine; see SECURITY.md for the
/// release-build figures.
const TIME_BUDGET: Duration = Duration::from_millis(500);

#[actix_web::test]
async fn g10_hostile_requests_are_cheap_never_panic_and_never_forge_a_log_line() {
    let captured = Captured::install();
    captured.watch_this_thread();

    // The debug header says why each request was refused, so each row is
    // known to reach the check it is about.
    let cors = || {
        Cors::builder()
            .allowed_origins([APP, "https://*.example.com"])
            .allowed_methods(["GET", "PUT"])
            .allowed_headers(["x-a"])
            .rejection_header(true)
            .build()
            .expect("valid test policy")
    };
    let any = || {
        Cors::builder()
            .allowed_origin(APP)
            .allow_any_header()
            .rejection_header(true)
            .build()
            .expect("valid test policy")
    };
    let value = |bytes: Vec<u8>| HeaderValue::from_bytes(&bytes).expect("a valid header value");
    let commas = value(vec![b','; 1 << 20]);
    let names = value(
        (0..10_000)
            .map(|i| format!("x-h{i}"))
            .collect::<Vec<_>>()
            .join(",")
            .into_bytes(),
    );
    let long_origin = value(format!("https://{}.example.com", "a".repeat(64 * 1024)).into_bytes());
    // Header values cannot hold CR, LF, NUL or DEL (the `http` crate refuses
    // them); tabs and bytes 0x80–0xFF get through.
    let tab_origin = value(b"https://app.example.com\tforged".to_vec());
    let obs_origin = value(b"https://\xe2\x80\xaeapp.example.com".to_vec());
    let obs_headers = value(b"x-a,x-\xff\xfe,\tx-b".to_vec());
    let obs_method = value(b"PUT\xc2\x85".to_vec());

    // (bug class guarded against, policy, request, expected rejection code)
    let rows: Vec<(&str, Cors, TestRequest, &str)> = vec![
        (
            "rs/cors CVE-2025-47908: 1 MiB of commas in ACRH (127 ms, 121 MB there)",
            cors(),
            preflight(APP, "PUT")
                .insert_header((header::ACCESS_CONTROL_REQUEST_HEADERS, commas.clone())),
            "malformed-request-headers",
        ),
        (
            "rs/cors CVE-2025-47908 on the any-header (echo) path",
            any(),
            preflight(APP, "GET").insert_header((header::ACCESS_CONTROL_REQUEST_HEADERS, commas)),
            "malformed-request-headers",
        ),
        (
            "10,000 requested names",
            any(),
            preflight(APP, "GET").insert_header((header::ACCESS_CONTROL_REQUEST_HEADERS, names)),
            "malformed-request-headers",
        ),
        (
            "non-ASCII bytes in ACRH echoed or logged raw",
            any(),
            preflight(APP, "GET")
                .insert_header((header::ACCESS_CONTROL_REQUEST_HEADERS, obs_headers)),
            "malformed-request-headers",
        ),
        (
            "non-ASCII bytes in ACRM logged raw (U+0085 is a line break to some log viewers)",
            any(),
            preflight(APP, "GET")
                .insert_header((header::ACCESS_CONTROL_REQUEST_METHOD, obs_method)),
            "malformed-request-method",
        ),
        (
            "duplicated Origin headers",
            cors(),
            TestRequest::get()
                .uri("/r")
                .append_header((header::ORIGIN, APP))
                .append_header((header::ORIGIN, EVIL)),
            "repeated-header",
        ),
        (
            "duplicated Origin headers on a preflight",
            cors(),
            preflight(APP, "PUT").append_header((header::ORIGIN, EVIL)),
            "repeated-header",
        ),
        (
            "a 64 KiB Origin copied into the response or the log",
            cors(),
            TestRequest::get()
                .uri("/r")
                .insert_header((header::ORIGIN, long_origin.clone())),
            "malformed-origin",
        ),
        (
            "a 64 KiB Origin on a preflight",
            cors(),
            TestRequest::default()
                .uri("/r")
                .method(Method::OPTIONS)
                .insert_header((header::ORIGIN, long_origin))
                .insert_header((header::ACCESS_CONTROL_REQUEST_METHOD, "PUT")),
            "malformed-origin",
        ),
        (
            "a tab in Origin written raw into the log",
            cors(),
            TestRequest::get()
                .uri("/r")
                .insert_header((header::ORIGIN, tab_origin)),
            "malformed-origin",
        ),
        (
            "a right-to-left override in Origin written raw into the log",
            cors(),
            TestRequest::get()
                .uri("/r")
                .insert_header((header::ORIGIN, obs_origin)),
            "malformed-origin",
        ),
        (
            "an encoded CRLF in the path decoded into the log",
            cors(),
            actual(EVIL).uri("/r%0D%0A2025-01-01%20INFO%20forged"),
            "origin-not-allowed",
        ),
    ];
    for (guards, cors, request, code) in rows {
        let started = Instant::now();
        let res = call(cors, &[], request).await;
        let elapsed = started.elapsed();
        assert!(elapsed < TIME_BUDGET, "{guards}: took {elapsed:?}");
        let reason = res.get(REJECTED).unwrap_or_default();
        assert!(
            reason.starts_with(code),
            "{guards}: refused for `{reason}`, not `{code}`"
        );
        assert_eq!(res.get("access-control-allow-origin"), None, "{guards}");
        for (name, value) in res.headers.iter() {
            assert!(
                value.len() <= 4096,
                "{guards}: `{name}` is {} bytes",
                value.len()
            );
        }
    }

    let events = captured.events();
    assert!(
        events.len() >= 10,
        "the refusals were not logged ({} events): is the capture working?",
        events.len()
    );
    for event in &events {
        let line = String::from_utf8_lossy(event);
        let body = line.strip_suffix('\n').unwrap_or(&line);
        assert!(
            !body
                .chars()
                .any(|c| c.is_control() || c == '\u{2028}' || c == '\u{2029}' || c == '\u{202e}'),
            "a log line carries a raw control or line-breaking character: {}",
            line.escape_debug()
        );
        assert!(
            event.len() < 4096,
            "an unbounded log line: {} bytes",
            event.len()
        );
    }
}

// ---------------------------------------------------------------------------
// G11: no shared mutable state between requests, threads or apps.

fn thread_requests() -> Vec<TestRequest> {
    vec![
        actual(APP),
        actual("https://pr-3.example.com"),
        actual(EVIL),
        actual("null"),
        TestRequest::get().uri("/r"),
        preflight(APP, "PUT")
            .insert_header((header::ACCESS_CONTROL_REQUEST_HEADERS, "authorization")),
        preflight(APP, "DELETE"),
        preflight(EVIL, "PUT"),
        preflight("https://a.example.com", "GET")
            .insert_header((header::ACCESS_CONTROL_REQUEST_HEADERS, "x-evil")),
    ]
}

#[test]
fn g11_one_cors_shared_by_eight_worker_threads_answers_exactly_as_one_thread() {
    let cors = credentialed();
    let requests = thread_requests().len();
    let answers = |cors: Cors, rounds: usize| {
        actix_rt::System::new().block_on(async move {
            let data = web::Data::new((&[] as Own, AtomicUsize::new(0)));
            let app = test::init_service(
                App::new()
                    .app_data(data)
                    .wrap(cors)
                    .route("/r", web::route().to(handler)),
            )
            .await;
            let mut seen = Vec::new();
            for round in 0..rounds {
                let mut answers = Vec::new();
                for request in thread_requests() {
                    let res = test::call_service(&app, request.to_request()).await;
                    answers.push(read(res, 0).cors_view());
                }
                if round == 0 {
                    seen = answers;
                } else {
                    assert_eq!(answers, seen, "round {round} differs from round 0");
                }
            }
            seen
        })
    };
    let expected = answers(cors.clone(), 1);
    assert_eq!(expected.len(), requests);
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let cors = cors.clone();
            thread::spawn(move || answers(cors, 100))
        })
        .collect();
    for (i, thread) in threads.into_iter().enumerate() {
        let got = thread.join().expect("a worker thread panicked");
        assert_eq!(got, expected, "worker {i} answered differently");
    }
}

#[actix_web::test]
async fn g11_two_apps_with_different_policies_in_one_process_do_not_influence_each_other() {
    const OTHER: &str = "https://other.example";
    let first = Cors::builder()
        .allowed_origin(APP)
        .allow_credentials(true)
        .expose_headers(["x-first"])
        .build()
        .expect("valid test policy");
    let second = Cors::builder()
        .allowed_origin(OTHER)
        .expose_headers(["x-second"])
        .build()
        .expect("valid test policy");
    let data = web::Data::new((&[] as Own, AtomicUsize::new(0)));
    let a = test::init_service(
        App::new()
            .app_data(data.clone())
            .wrap(first)
            .route("/r", web::route().to(handler)),
    )
    .await;
    let b = test::init_service(
        App::new()
            .app_data(data)
            .wrap(second)
            .route("/r", web::route().to(handler)),
    )
    .await;
    for round in 0..50 {
        for (origin, a_allows) in [(APP, true), (OTHER, false)] {
            let res_a = read(test::call_service(&a, actual(origin).to_request()).await, 0);
            let res_b = read(test::call_service(&b, actual(origin).to_request()).await, 0);
            let what = format!("round {round}, origin {origin}");
            assert_eq!(
                res_a.get("access-control-allow-origin").is_some(),
                a_allows,
                "{what}: first app"
            );
            assert_eq!(
                res_b.get("access-control-allow-origin").is_some(),
                !a_allows,
                "{what}: second app"
            );
            assert_eq!(
                res_b.get("access-control-allow-credentials"),
                None,
                "{what}"
            );
            if a_allows {
                assert_eq!(
                    res_a.get("access-control-expose-headers").as_deref(),
                    Some("x-first"),
                    "{what}"
                );
            } else {
                assert_eq!(
                    res_b.get("access-control-expose-headers").as_deref(),
                    Some("x-second"),
                    "{what}"
                );
            }
        }
    }
}
