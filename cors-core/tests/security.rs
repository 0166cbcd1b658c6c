//! The security guarantees G1–G11 of `SECURITY.md`, at the engine level,
//! through the public API only.
//!
//! Every table row names the class of bug it guards against (with the CVE or
//! advisory where there is one), so a failing row says what went wrong.
//! The middleware-level counterparts are in the top-level `tests/security.rs`;
//! random-input properties are in `security_properties.rs`.

// The tables are tuples, one column per field, named by the comment above
// each; a struct per table would only repeat those names.
#![allow(clippy::type_complexity)]

use std::collections::HashMap;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use cors_core::{
    builder_from_lookup, header, ConfigError, ConfigProblem, ConfigWarning, CorsRequest, Decision,
    Escaped, HeaderField, OriginError, Policy, PolicyBuilder, PolicyOverride, Provenance,
    Rejection, RequestKind, Vary, MAX_REQUEST_HEADERS_LEN,
};

const ACAO: &str = header::ACCESS_CONTROL_ALLOW_ORIGIN;
const ACAC: &str = header::ACCESS_CONTROL_ALLOW_CREDENTIALS;
const ACAM: &str = header::ACCESS_CONTROL_ALLOW_METHODS;
const ACAH: &str = header::ACCESS_CONTROL_ALLOW_HEADERS;
const ACAPN: &str = header::ACCESS_CONTROL_ALLOW_PRIVATE_NETWORK;
const ACMA: &str = header::ACCESS_CONTROL_MAX_AGE;
const ACEH: &str = header::ACCESS_CONTROL_EXPOSE_HEADERS;

/// The headers only a preflight answer may carry.
const PREFLIGHT_ONLY: [&str; 4] = [ACAM, ACAH, ACMA, ACAPN];

const APP: &str = "https://app.example.com";

fn build(builder: PolicyBuilder) -> Policy {
    builder
        .build()
        .unwrap_or_else(|e| panic!("test policy should build: {e}"))
}

fn preflight<'a>(origin: &'a str, method: &'a str) -> CorsRequest<'a> {
    CorsRequest::new("OPTIONS")
        .origin(origin)
        .request_method(method)
}

fn actual(origin: &str) -> CorsRequest<'_> {
    CorsRequest::new("GET").origin(origin)
}

/// Every header of a decision, `Vary` aside, as `(name, value)`.
fn headers<'a>(decision: &Decision<'a>) -> Vec<(&'static str, &'a str)> {
    decision.headers().iter().collect()
}

/// G1/G6's "at most once": no header name twice in one answer.
fn assert_each_header_at_most_once(what: &str, decision: &Decision<'_>) {
    let all = headers(decision);
    for (name, _) in &all {
        let count = all.iter().filter(|(n, _)| n == name).count();
        assert_eq!(count, 1, "{what}: `{name}` {count} times in {all:?}");
    }
}

/// Whether a comma-separated value has a `*` element.
fn has_star(value: &str) -> bool {
    value.split(',').any(|e| e.trim() == "*")
}

fn problems(result: Result<Policy, ConfigError>) -> Vec<ConfigProblem> {
    match result {
        Ok(policy) => panic!("expected a build error, got {policy}"),
        Err(e) => e.problems().to_vec(),
    }
}

fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |name| map.get(name).cloned()
}

// ---------------------------------------------------------------------------
// G1: ACAO at most once, `*` or the request's Origin echoed byte for byte.

#[test]
fn g1_acao_is_star_or_the_request_origin_byte_for_byte_never_a_pattern_list_or_rewrite() {
    // (bug class guarded against, policy, request Origin, expected ACAO)
    let rows: Vec<(&str, PolicyBuilder, &str, Option<&str>)> = vec![
        (
            "a declared origin is sent back as declared (`HTTPS://App.Example.com:443`) instead \
             of the request's bytes: browsers compare byte for byte (a6 step 4) and fail",
            Policy::builder().allowed_origin("HTTPS://App.Example.com:443"),
            APP,
            Some(APP),
        ),
        (
            "the pattern itself is sent as ACAO (`https://*.example.com`), matching nothing",
            Policy::builder().allowed_origin("https://*.example.com"),
            "https://pr-1.example.com",
            Some("https://pr-1.example.com"),
        ),
        (
            "the port-wildcard pattern is sent as ACAO (`http://localhost:*`)",
            Policy::builder().allowed_origin("http://localhost:*"),
            "http://localhost:5173",
            Some("http://localhost:5173"),
        ),
        (
            "the whole allow-list is sent (`a, b`): a list never passes the CORS check \
             (WPT cors-multiple-origins)",
            Policy::builder().allowed_origins(["https://a.example", "https://b.example"]),
            "https://b.example",
            Some("https://b.example"),
        ),
        (
            "the regex source is sent as ACAO",
            Policy::builder().allowed_origin_regex(r"https://pr-\d+\.example\.dev"),
            "https://pr-7.example.dev",
            Some("https://pr-7.example.dev"),
        ),
        (
            "a predicate-allowed origin is answered with something else than its echo",
            Policy::builder().allowed_origin_fn(|o| o.ends_with(".internal.example")),
            "https://hr.internal.example",
            Some("https://hr.internal.example"),
        ),
        (
            "an any-origin policy reflects the origin instead of answering the static `*` \
             (reflection looks allowed-with-credentials to caches and reviewers)",
            Policy::builder().allow_any_origin(),
            "https://anyone.example",
            Some("*"),
        ),
        (
            "`*` refuses `null` though Fetch's CORS check lets `*` answer every origin \
             (issue 13: redirected requests and sandboxed iframes send it)",
            Policy::builder().allow_any_origin(),
            "null",
            Some("*"),
        ),
        (
            "a pattern admits `null`",
            Policy::builder().allowed_origins(["https://*.example.com", "http://localhost:*"]),
            "null",
            None,
        ),
        (
            "a match-anything regex admits `null`",
            Policy::builder().allowed_origin_regex(".*"),
            "null",
            None,
        ),
        (
            "a predicate is asked about `null` and says yes",
            Policy::builder().allowed_origin_fn(|_| true),
            "null",
            None,
        ),
        (
            "`null` written exactly (with `allow_null_origin`) is echoed as `null`",
            Policy::builder()
                .allow_null_origin(true)
                .allowed_origin("null"),
            "null",
            Some("null"),
        ),
        (
            "a refused origin still gets an ACAO (the first allowed origin, as some servers do)",
            Policy::builder().allowed_origins([APP, "https://b.example"]),
            "https://evil.example",
            None,
        ),
    ];
    for (guards, builder, origin, expected) in rows {
        let policy = build(builder.max_age(600));
        for request in [actual(origin), preflight(origin, "GET")] {
            let decision = policy.decide(&request);
            let what = format!("{guards} [{:?} from {origin}]", decision.kind());
            assert_each_header_at_most_once(&what, &decision);
            assert_eq!(decision.headers().allow_origin(), expected, "{what}");
            assert_eq!(decision.headers().get(ACAO), expected, "{what}");
            if let Some(acao) = expected {
                assert!(
                    acao == "*" || acao.as_bytes() == origin.as_bytes(),
                    "{what}: ACAO `{acao}` is neither `*` nor the request's Origin"
                );
            }
        }
    }
}

#[test]
fn g1_acac_and_acma_are_sent_once_with_their_exact_values() {
    // (bug class guarded against, policy, request)
    let policy = build(
        Policy::builder()
            .allowed_origins([APP, "https://*.example.com"])
            .allowed_methods(["GET", "PUT"])
            .allow_credentials(true)
            .max_age(600),
    );
    let rows: Vec<(&str, CorsRequest<'_>, &[(&str, &str)])> = vec![
        (
            "ACAC missing or repeated on a credentialed preflight (two lines combine to \
             `true, true`, which fails a6 step 6)",
            preflight(APP, "PUT"),
            &[(ACAC, "true"), (ACMA, "600")],
        ),
        (
            "ACAC missing or repeated on a credentialed actual response",
            actual("https://a.example.com"),
            &[(ACAC, "true")],
        ),
    ];
    for (guards, request, expected) in rows {
        let decision = policy.decide(&request);
        assert!(
            decision.is_allowed(),
            "{guards}: {:?}",
            decision.rejection()
        );
        assert_each_header_at_most_once(guards, &decision);
        for (name, value) in expected {
            assert_eq!(decision.headers().get(name), Some(*value), "{guards}");
        }
    }
}

// ---------------------------------------------------------------------------
// G2: with credentials, never `*`; any-origin with credentials refused at build.

/// Builders that combine credentials with any origin, each refused at build.
fn credentials_with_any_origin() -> Vec<(&'static str, PolicyBuilder)> {
    let creds = || Policy::builder().allow_credentials(true);
    vec![
        (
            "Fiber CVE-2024-25124: `*` together with credentials",
            creds().allow_any_origin(),
        ),
        (
            "Fiber CVE-2024-25124: `*` written among other origins",
            creds().allowed_origins([APP, "*"]),
        ),
        (
            "Tomcat CVE-2018-8014: an any-origin default (`*`, padded) left on with credentials",
            creds().allowed_origin(" * "),
        ),
        (
            "@koa/cors CVE-2023-49803: every origin reflected with credentials (`.*`)",
            creds().allowed_origin_regex(".*"),
        ),
        (
            "http4s CVE-2021-39185: any origin reflected with credentials (`https?://.*`)",
            creds().allowed_origin_regex("https?://.*"),
        ),
        (
            "any https origin reflected with credentials",
            creds().allowed_origin_regex("https://.+"),
        ),
        (
            "any http origin reflected with credentials",
            creds().allowed_origin_regex(r"http://[^/]*"),
        ),
        (
            "a match-anything regex hidden among narrow ones",
            creds()
                .allowed_origin_regex(r"https://pr-\d+\.example\.dev")
                .allowed_origin_regex("(?s).*"),
        ),
        (
            "credentials turned on after the origins (order of builder calls)",
            Policy::builder().allow_any_origin().allow_credentials(true),
        ),
    ]
}

#[test]
fn g2_any_origin_with_credentials_is_refused_by_the_builder() {
    for (guards, builder) in credentials_with_any_origin() {
        let found = problems(builder.build());
        assert!(
            found
                .iter()
                .any(|p| matches!(p, ConfigProblem::CredentialsWithAnyOrigin { .. })),
            "{guards}: {found:?}"
        );
    }
}

#[test]
fn g2_any_origin_with_credentials_is_refused_from_the_environment() {
    // (bug class guarded against, variables)
    let rows: [(&str, &[(&str, &str)]); 4] = [
        (
            "Fiber CVE-2024-25124: CORS_ALLOWED_ORIGINS=* with credentials",
            &[
                ("CORS_ALLOWED_ORIGINS", "*"),
                ("CORS_ALLOW_CREDENTIALS", "true"),
            ],
        ),
        (
            "Tomcat CVE-2018-8014: `*` among listed origins with credentials",
            &[
                ("CORS_ALLOWED_ORIGINS", "https://app.example.com, *"),
                ("CORS_ALLOW_CREDENTIALS", "true"),
            ],
        ),
        (
            "@koa/cors CVE-2023-49803: a reflect-everything regex with credentials",
            &[
                ("CORS_ALLOWED_ORIGIN_REGEXES", ".*"),
                ("CORS_ALLOW_CREDENTIALS", "true"),
            ],
        ),
        (
            "http4s CVE-2021-39185: a scheme-wide regex with credentials",
            &[
                (
                    "CORS_ALLOWED_ORIGIN_REGEXES",
                    r"https://app\.example\.com https?://.*",
                ),
                ("CORS_ALLOW_CREDENTIALS", "true"),
            ],
        ),
    ];
    for (guards, vars) in rows {
        let result = builder_from_lookup("", lookup(vars)).and_then(PolicyBuilder::build);
        let found = problems(result);
        assert!(
            found
                .iter()
                .any(|p| matches!(p, ConfigProblem::CredentialsWithAnyOrigin { .. })),
            "{guards}: {found:?}"
        );
    }
}

#[test]
fn g2_a_handler_override_cannot_combine_any_origin_with_credentials() {
    // What `#[cors(...)]` and `Cors::handlers` do: merge, then build.
    let handler = Provenance::Handler {
        handler: "public".into(),
        path: "/api/public".into(),
    };
    let rows: [(&str, PolicyBuilder, PolicyOverride); 3] = [
        (
            "Fiber CVE-2024-25124: a handler opens an app with credentials to `*`",
            Policy::builder()
                .allowed_origin(APP)
                .allow_credentials(true),
            PolicyOverride {
                origins: Some(vec!["*".into()]),
                ..PolicyOverride::default()
            },
        ),
        (
            "@koa/cors CVE-2023-49803: a handler adds credentials to an any-origin app",
            Policy::builder().allow_any_origin(),
            PolicyOverride {
                credentials: Some(true),
                ..PolicyOverride::default()
            },
        ),
        (
            "http4s CVE-2021-39185: a handler's match-anything regex with the app's credentials",
            Policy::builder()
                .allowed_origin(APP)
                .allow_credentials(true),
            PolicyOverride {
                origin_regexes: Some(vec!["https?://.*".into()]),
                ..PolicyOverride::default()
            },
        ),
    ];
    for (guards, base, over) in rows {
        let found = problems(base.merge(&over, &handler).build());
        assert!(
            found
                .iter()
                .any(|p| matches!(p, ConfigProblem::CredentialsWithAnyOrigin { .. })),
            "{guards}: {found:?}"
        );
    }
}

#[test]
fn g2_exposing_any_header_with_credentials_is_refused() {
    let found = problems(
        Policy::builder()
            .allowed_origin(APP)
            .allow_credentials(true)
            .expose_any_header()
            .build(),
    );
    assert!(
        found
            .iter()
            .any(|p| matches!(p, ConfigProblem::CredentialsWithAnyExposedHeader { .. })),
        "ACEH `*` with credentials, read by browsers as a header named `*`: {found:?}"
    );
}

#[test]
fn g2_credentialed_answers_never_carry_a_wildcard() {
    let any_everything = build(
        Policy::builder()
            .allowed_origins([APP, "https://*.example.com"])
            .allow_any_method()
            .allow_any_header()
            .expose_headers(["x-request-id"])
            .allow_credentials(true),
    );
    let mirror = build(
        Policy::builder()
            .allowed_origin(APP)
            .allow_any_method()
            .mirror_request_headers()
            .allow_credentials(true),
    );
    // (bug class guarded against, policy, request)
    let rows: Vec<(&str, &Policy, CorsRequest<'_>)> = vec![
        (
            "Fiber CVE-2024-25124: ACAO `*` with ACAC `true` on a preflight",
            &any_everything,
            preflight(APP, "PUT"),
        ),
        (
            "Fiber CVE-2024-25124: ACAO `*` with ACAC `true` on an actual response",
            &any_everything,
            actual("https://a.example.com"),
        ),
        (
            "ACAM `*` with credentials: browsers read it as a method named `*` (a8)",
            &any_everything,
            preflight(APP, "PURGE"),
        ),
        (
            "ACAH `*` with credentials: browsers read it as a header named `*` (a8)",
            &any_everything,
            preflight(APP, "PUT").request_headers("x-a,authorization"),
        ),
        (
            "mirrored request headers answered with `*` under credentials",
            &mirror,
            preflight(APP, "DELETE").request_headers("content-type,x-b"),
        ),
    ];
    for (guards, policy, request) in rows {
        let decision = policy.decide(&request);
        assert!(
            decision.is_allowed(),
            "{guards}: {:?}",
            decision.rejection()
        );
        assert_eq!(decision.headers().get(ACAC), Some("true"), "{guards}");
        for (name, value) in headers(&decision) {
            assert!(
                !(name.starts_with("access-control-allow-") || name == ACEH) || !has_star(value),
                "{guards}: `{name}: {value}`"
            );
        }
    }
}

#[test]
fn g2_with_credentials_a_star_is_only_ever_the_literal_request_echoed() {
    // A script may name a method or header `*` (it is a token). With
    // credentials the only `*` that can appear is that literal request
    // echoed back, which browsers read literally (a8) and which grants
    // nothing else: never a wildcard the policy chose.
    let policy = build(
        Policy::builder()
            .allowed_origin(APP)
            .allow_any_method()
            .allow_any_header()
            .allow_credentials(true),
    );
    let decision = policy.decide(&preflight(APP, "*").request_headers("*"));
    assert_eq!(decision.headers().get(ACAM), Some("*"));
    assert_eq!(decision.headers().get(ACAH), Some("*"));
    let decision = policy.decide(&preflight(APP, "PUT").request_headers("x-a"));
    assert_eq!(decision.headers().get(ACAM), Some("PUT"));
    assert_eq!(decision.headers().get(ACAH), Some("x-a"));
}

// ---------------------------------------------------------------------------
// G3: `Authorization` is listed explicitly even when any header is allowed.

fn lists_authorization(value: &str) -> bool {
    value
        .split(',')
        .any(|e| e.trim().eq_ignore_ascii_case("authorization"))
}

#[test]
fn g3_requested_authorization_is_always_listed_in_acah() {
    let any = build(Policy::builder().allowed_origin(APP).allow_any_header());
    let mirror = build(
        Policy::builder()
            .allowed_origin(APP)
            .mirror_request_headers(),
    );
    let any_credentials = build(
        Policy::builder()
            .allowed_origin(APP)
            .allow_any_header()
            .allow_credentials(true),
    );
    let listed = build(
        Policy::builder()
            .allowed_origin(APP)
            .allowed_headers(["Authorization", "x-a"]),
    );
    // (bug class guarded against, policy, ACRH)
    let rows: Vec<(&str, &Policy, &str)> = vec![
        (
            "ACAH `*` alone: `*` never covers Authorization (Fetch: CORS non-wildcard \
             request-header name; Firefox and Safari refuse)",
            &any,
            "authorization",
        ),
        (
            "`*` alone when Authorization is one of several",
            &any,
            "authorization,x-a,x-b",
        ),
        (
            "Authorization sent in another case by a hand-made client",
            &any,
            "x-a,Authorization",
        ),
        (
            "mirroring drops Authorization",
            &mirror,
            "authorization,x-a",
        ),
        (
            "any header with credentials answers `*`",
            &any_credentials,
            "authorization",
        ),
        (
            "an explicit list loses Authorization's entry",
            &listed,
            "authorization",
        ),
    ];
    for (guards, policy, requested) in rows {
        let decision = policy.decide(&preflight(APP, "GET").request_headers(requested));
        assert!(
            decision.is_allowed(),
            "{guards}: {:?}",
            decision.rejection()
        );
        let acah = decision.headers().get(ACAH).unwrap_or_default();
        assert!(lists_authorization(acah), "{guards}: ACAH `{acah}`");
    }
    // An explicit list without it refuses instead.
    let without = build(
        Policy::builder()
            .allowed_origin(APP)
            .allowed_headers(["x-a"]),
    );
    let decision = without.decide(&preflight(APP, "GET").request_headers("authorization"));
    assert_eq!(
        decision.rejection(),
        Some(&Rejection::HeaderNotAllowed {
            header: "authorization"
        }),
        "Authorization slipped through a list that does not name it"
    );
}

// ---------------------------------------------------------------------------
// G4: preflight headers only on preflights, ACEH only on actual responses.

#[test]
fn g4_preflight_headers_only_on_preflights_and_aceh_only_on_actual_responses() {
    let full = build(
        Policy::builder()
            .allowed_origin(APP)
            .allowed_methods(["GET", "PUT"])
            .allowed_headers(["x-a"])
            .expose_headers(["x-request-id"])
            .max_age(600)
            .allow_private_network(true),
    );
    let public = build(
        Policy::builder()
            .allow_any_origin()
            .allow_any_header()
            .expose_headers(["x-request-id"])
            .max_age(600),
    );
    // (bug class guarded against, policy, request, expected kind)
    let rows: Vec<(&str, &Policy, CorsRequest<'_>, RequestKind)> = vec![
        (
            "ACEH on a preflight, where it means nothing, or missing ACAM/ACAH/ACMA/ACAPN",
            &full,
            preflight(APP, "PUT")
                .request_headers("x-a")
                .request_private_network("true"),
            RequestKind::Preflight,
        ),
        (
            "ACAM/ACAH/ACMA on an actual response (leaks the policy, confuses caches)",
            &full,
            actual(APP),
            RequestKind::Actual,
        ),
        (
            "an `OPTIONS` without Access-Control-Request-Method treated as a preflight",
            &full,
            CorsRequest::new("OPTIONS").origin(APP),
            RequestKind::Actual,
        ),
        (
            "ACRM on a non-OPTIONS request treated as a preflight",
            &full,
            CorsRequest::new("PUT").origin(APP).request_method("PUT"),
            RequestKind::Actual,
        ),
        (
            "preflight headers on the static `*` answer of a non-CORS request",
            &public,
            CorsRequest::new("GET"),
            RequestKind::NotCors,
        ),
        (
            "ACEH on a preflight of a static `*` policy",
            &public,
            preflight("https://x.example", "GET").request_headers("x-z"),
            RequestKind::Preflight,
        ),
    ];
    for (guards, policy, request, kind) in rows {
        let decision = policy.decide(&request);
        assert_eq!(decision.kind(), kind, "{guards}");
        assert!(
            decision.is_allowed(),
            "{guards}: {:?}",
            decision.rejection()
        );
        let h = decision.headers();
        if kind == RequestKind::Preflight {
            assert_eq!(h.get(ACEH), None, "{guards}");
            assert!(h.get(ACAM).is_some(), "{guards}: no ACAM");
            assert_eq!(h.get(ACMA), Some("600"), "{guards}");
        } else {
            for name in PREFLIGHT_ONLY {
                assert_eq!(h.get(name), None, "{guards}: `{name}`");
            }
            assert!(h.get(ACEH).is_some(), "{guards}: no ACEH");
        }
    }
}

// ---------------------------------------------------------------------------
// G5: canonical comparison; no look-alikes; `null` only when written.

#[test]
fn g5_look_alike_origins_are_never_admitted() {
    let policy = build(Policy::builder().allowed_origins([
        "https://example.com",
        "https://*.example.com",
        "https://foo.com",
        "https://bar.com",
        "http://localhost:3000",
    ]));
    // (bug class guarded against, request Origin, allowed?)
    let rows: &[(&str, &str, bool)] = &[
        ("control: the exact origin", "https://example.com", true),
        ("control: a subdomain", "https://a.example.com", true),
        ("control: a deep subdomain", "https://a.b.example.com", true),
        ("control: the port", "http://localhost:3000", true),
        (
            "prefix match (`starts_with`): the allowed host as a subdomain of the attacker's",
            "https://example.com.evil.com",
            false,
        ),
        (
            "prefix match through a subdomain",
            "https://a.example.com.evil.com",
            false,
        ),
        (
            "suffix match without a label boundary (`ends_with(\"example.com\")`)",
            "https://evilexample.com",
            false,
        ),
        (
            "suffix match without a label boundary through a hyphen",
            "https://evil-example.com",
            false,
        ),
        (
            "userinfo confusion: `example.com` as the user of `evil.com`",
            "https://example.com@evil.com",
            false,
        ),
        (
            "userinfo confusion on a subdomain",
            "https://a.example.com@evil.com",
            false,
        ),
        (
            "backslash confusion (parsers that treat `\\` as `/`)",
            "https://evil.com\\.example.com",
            false,
        ),
        (
            "trailing dot on the exact host",
            "https://example.com.",
            false,
        ),
        (
            "trailing dot on a subdomain",
            "https://a.example.com.",
            false,
        ),
        (
            "case-insensitive comparison (browsers send lower case)",
            "https://EXAMPLE.com",
            false,
        ),
        ("upper-case scheme", "HTTPS://example.com", false),
        ("upper-case subdomain", "https://A.example.com", false),
        (
            "default port written out (browsers never send `:443`)",
            "https://example.com:443",
            false,
        ),
        (
            "default port written out on a subdomain",
            "https://a.example.com:443",
            false,
        ),
        (
            "scheme confusion: http for https",
            "http://example.com",
            false,
        ),
        (
            "scheme confusion on a subdomain",
            "http://a.example.com",
            false,
        ),
        ("scheme confusion: wss", "wss://a.example.com", false),
        ("port confusion", "https://example.com:8443", false),
        (
            "port confusion on a subdomain",
            "https://a.example.com:8443",
            false,
        ),
        (
            "port confusion on an exact port",
            "http://localhost:3001",
            false,
        ),
        ("leading-zero port", "http://localhost:03000", false),
        ("trailing slash or path", "https://example.com/", false),
        (
            "a percent-encoded host decoded before comparison",
            "https://ex%61mple.com",
            false,
        ),
        (
            "jub0bs/cors GHSA-vhxv-fg4m-p2w8: `foo.com` + `bar.com` admitted `barfoo.com`",
            "https://barfoo.com",
            false,
        ),
        (
            "GHSA-vhxv-fg4m-p2w8, the other way round",
            "https://foobar.com",
            false,
        ),
        (
            "IDN homograph sent unencoded (Cyrillic `а`)",
            "https://ex\u{430}mple.com",
            false,
        ),
        ("`null` through a pattern", "null", false),
        ("padded with whitespace", " https://example.com", false),
        ("empty Origin", "", false),
    ];
    for &(guards, origin, allowed) in rows {
        for request in [actual(origin), preflight(origin, "GET")] {
            let decision = policy.decide(&request);
            assert_eq!(
                decision.is_allowed(),
                allowed,
                "{guards}: `{origin}` ({:?}): {:?}",
                decision.kind(),
                decision.rejection()
            );
            if !allowed {
                assert_eq!(decision.headers().allow_origin(), None, "{guards}");
            }
        }
    }
}

#[test]
fn g5_a_subdomain_pattern_never_admits_its_parent_or_a_third_site_through_two_patterns() {
    let policy =
        build(Policy::builder().allowed_origins(["https://*.foo.com", "https://*.bar.com"]));
    // (bug class guarded against, request Origin, allowed?)
    let rows = [
        ("control", "https://x.foo.com", true),
        (
            "control: bar.com's own subdomain named foo",
            "https://foo.bar.com",
            true,
        ),
        (
            "a pattern admits its parent domain",
            "https://foo.com",
            false,
        ),
        (
            "GHSA-vhxv-fg4m-p2w8: two patterns combine into a third site",
            "https://x.barfoo.com",
            false,
        ),
        ("the same, without subdomain", "https://barfoo.com", false),
        ("an empty label", "https://.foo.com", false),
        ("a double dot", "https://x..foo.com", false),
    ];
    for (guards, origin, allowed) in rows {
        assert_eq!(
            policy.decide(&actual(origin)).is_allowed(),
            allowed,
            "{guards}: `{origin}`"
        );
    }
}

#[test]
fn g5_declared_look_alikes_are_refused_or_canonicalised_at_build() {
    // (bug class guarded against, declared origin, expected reason)
    let rows: [(&str, &str, OriginError); 6] = [
        (
            "a trailing dot that no browser sends, so the entry silently matches nothing",
            "https://example.com.",
            OriginError::TrailingDot {
                suggestion: "https://example.com".into(),
            },
        ),
        (
            "a trailing slash, so the entry silently matches nothing",
            "https://example.com/",
            OriginError::HasPath {
                suggestion: "https://example.com".into(),
            },
        ),
        (
            "userinfo in the entry",
            "https://user@example.com",
            OriginError::HasUserinfo,
        ),
        (
            "a wildcard inside a label (`*example.com` would admit `evilexample.com`)",
            "https://*example.com",
            OriginError::MisplacedWildcard,
        ),
        (
            "a wildcard directly under a public suffix (`*.com` admits every .com site)",
            "https://*.com",
            OriginError::WildcardUnderPublicSuffix {
                suffix: "com".into(),
            },
        ),
        (
            "`null` allowed without the explicit switch",
            "null",
            OriginError::NullNotEnabled,
        ),
    ];
    for (guards, declared, reason) in rows {
        let found = problems(Policy::builder().allowed_origin(declared).build());
        assert!(
            found.iter().any(|p| matches!(
                p,
                ConfigProblem::InvalidOrigin { reason: r, .. } if *r == reason
            )),
            "{guards}: {found:?}"
        );
    }
}

#[test]
fn g5_null_is_admitted_only_when_written_exactly_and_the_build_warns() {
    let written = build(
        Policy::builder()
            .allow_null_origin(true)
            .allowed_origin("null"),
    );
    assert!(
        written.warnings().contains(&ConfigWarning::NullOrigin),
        "allowing `null` did not warn: {:?}",
        written.warnings()
    );
    assert!(written.decide(&actual("null")).is_allowed());
    // (bug class guarded against, policy, request Origin)
    let switch_only = build(
        Policy::builder()
            .allow_null_origin(true)
            .allowed_origin(APP),
    );
    let rows: [(&str, &Policy, &str); 4] = [
        (
            "the switch alone, without `null` written, admits `null`",
            &switch_only,
            "null",
        ),
        ("`null` compared case-insensitively", &written, "NULL"),
        ("`null` compared case-insensitively", &written, "Null"),
        ("`null` with whitespace", &written, "null "),
    ];
    for (guards, policy, origin) in rows {
        assert!(
            !policy.decide(&actual(origin)).is_allowed(),
            "{guards}: `{origin}`"
        );
    }
    assert!(
        !switch_only.warnings().contains(&ConfigWarning::NullOrigin),
        "warned about `null` though it is not allowed"
    );
}

// ---------------------------------------------------------------------------
// G6: methods byte-exact, header names case-insensitive, every name allowed.

#[test]
fn g6_methods_compare_byte_exact_and_every_requested_header_must_be_allowed() {
    let policy = build(
        Policy::builder()
            .allowed_origin(APP)
            .allowed_methods(["put", "PATCH", "purge"])
            // `purge` on purpose: a lower-case method must match byte-exact.
            .case_sensitive_methods(true)
            .allowed_headers(["x-trace-id", "X-Tenant"]),
    );
    // (bug class guarded against, ACRM, ACRH, expected rejection code or None)
    let rows: &[(&str, &str, Option<&str>, Option<&str>)] = &[
        (
            "control: `put` is normalised to `PUT` at build, as browsers normalise it",
            "PUT",
            None,
            None,
        ),
        (
            "control: a custom method keeps its case",
            "purge",
            None,
            None,
        ),
        (
            "case-insensitive method comparison (`patch` is not `PATCH`; a5 item 3)",
            "patch",
            None,
            Some("method-not-allowed"),
        ),
        (
            "case-insensitive method comparison, the other way",
            "PURGE",
            None,
            Some("method-not-allowed"),
        ),
        (
            "lower-case safelisted method treated as safelisted",
            "get",
            None,
            Some("method-not-allowed"),
        ),
        (
            "a method prefix accepted (`PUT` in `PUTX`)",
            "PUTX",
            None,
            Some("method-not-allowed"),
        ),
        (
            "a method with whitespace accepted",
            "PUT ",
            None,
            Some("malformed-request-method"),
        ),
        (
            "control: header names are case-insensitive",
            "PUT",
            Some("X-Trace-Id,x-tenant"),
            None,
        ),
        (
            "`content-type` in ACRH treated as safelisted (its value was not; S11)",
            "PUT",
            Some("content-type"),
            Some("header-not-allowed"),
        ),
        (
            "one allowed name lets the others through",
            "PUT",
            Some("x-trace-id,x-secret"),
            Some("header-not-allowed"),
        ),
        (
            "the last name is not checked",
            "PUT",
            Some("x-tenant,x-trace-id,cookie"),
            Some("header-not-allowed"),
        ),
        (
            "a header-name prefix accepted (`x-trace` in `x-trace-id`)",
            "PUT",
            Some("x-trace"),
            Some("header-not-allowed"),
        ),
        (
            "a bad separator: one bad token must fail the whole preflight (S5)",
            "PUT",
            Some("x-trace-id;x-tenant"),
            Some("malformed-request-headers"),
        ),
        (
            "a space inside a name",
            "PUT",
            Some("x-trace-id,x tenant"),
            Some("malformed-request-headers"),
        ),
        (
            "a non-ASCII name",
            "PUT",
            Some("x-trace-id,x-t\u{e9}nant"),
            Some("malformed-request-headers"),
        ),
        (
            "an empty list",
            "PUT",
            Some(" , "),
            Some("malformed-request-headers"),
        ),
    ];
    for &(guards, method, requested, expected) in rows {
        let mut request = preflight(APP, method);
        if let Some(requested) = requested {
            request = request.request_headers(requested);
        }
        let decision = policy.decide(&request);
        assert_eq!(
            decision.rejection().map(Rejection::code),
            expected,
            "{guards}: ACRM `{method}`, ACRH {requested:?}"
        );
        if expected.is_some() {
            assert_eq!(headers(&decision), vec![], "{guards}: refused with headers");
        }
    }
}

// ---------------------------------------------------------------------------
// G7: Vary carries what the answer depends on, allowed or refused.

#[test]
fn g7_vary_names_origin_and_the_preflight_headers_on_allowed_and_refused_answers() {
    let listed = build(
        Policy::builder()
            .allowed_origin(APP)
            .allowed_methods(["GET", "PUT"])
            .allowed_headers(["x-a"]),
    );
    let public = build(Policy::builder().allow_any_origin());
    let pna = build(
        Policy::builder()
            .allowed_origin(APP)
            .allow_private_network(true),
    );
    let origin = Vary::ORIGIN;
    let preflight_vary = Vary::ORIGIN
        .with(Vary::REQUEST_METHOD)
        .with(Vary::REQUEST_HEADERS);
    // (bug class guarded against, policy, request, Vary that must be included)
    let rows: Vec<(&str, &Policy, CorsRequest<'_>, Vary)> = vec![
        (
            "no `Vary: Origin` on an echoed ACAO: a cache serves one origin's answer to another",
            &listed,
            actual(APP),
            origin,
        ),
        (
            "no `Vary: Origin` on a refusal: a cached refusal (no ACAO) is served to the \
             allowed origin, or the other way round",
            &listed,
            actual("https://evil.example"),
            origin,
        ),
        (
            "no `Vary: Origin` on a non-CORS response: a cached navigation (no ACAO) is \
             served to a later CORS request (Fetch, CORS protocol and HTTP caches)",
            &listed,
            CorsRequest::new("GET"),
            origin,
        ),
        (
            "no `Vary` for the preflight headers on an allowed preflight",
            &listed,
            preflight(APP, "PUT").request_headers("x-a"),
            preflight_vary,
        ),
        (
            "no `Vary` on a preflight refused for its origin",
            &listed,
            preflight("https://evil.example", "PUT"),
            preflight_vary,
        ),
        (
            "no `Vary` on a preflight refused for its method",
            &listed,
            preflight(APP, "DELETE"),
            preflight_vary,
        ),
        (
            "no `Vary` on a preflight refused for its headers",
            &listed,
            preflight(APP, "PUT").request_headers("x-b"),
            preflight_vary,
        ),
        (
            "no `Vary: Origin` when a static `*` policy refuses an empty Origin: the refusal \
             would be cached for every origin",
            &public,
            actual(""),
            origin,
        ),
        (
            "no `Vary: Origin` on a refused malformed Origin",
            &listed,
            actual("https://app.example.com\u{7f}"),
            origin,
        ),
        (
            "no `Vary` for ACRPN when Private Network Access decides",
            &pna,
            preflight(APP, "GET").request_private_network("true"),
            preflight_vary.with(Vary::REQUEST_PRIVATE_NETWORK),
        ),
    ];
    for (guards, policy, request, expected) in rows {
        let vary = policy.decide(&request).headers().vary();
        assert!(
            vary.contains(expected),
            "{guards}: Vary `{}`",
            vary.as_str()
        );
    }
    // The static `*` answer needs no `Vary: Origin` (and would lose cache hits).
    assert!(!public
        .decide(&actual(APP))
        .headers()
        .vary()
        .contains(origin));
}

#[test]
fn g7_merging_vary_never_repeats_or_removes_a_token() {
    let ours = Vary::ORIGIN.with(Vary::REQUEST_METHOD);
    // (bug class guarded against, the response's Vary, expected merged value)
    let rows: [(&str, &str, Option<&str>); 6] = [
        (
            "the app's token is dropped",
            "Accept-Encoding",
            Some("Accept-Encoding, Origin, Access-Control-Request-Method"),
        ),
        (
            "`Origin` repeated because of its case",
            "origin",
            Some("origin, Access-Control-Request-Method"),
        ),
        (
            "tokens repeated when already present with extra whitespace",
            " Origin ,  Access-Control-Request-Method ",
            None,
        ),
        (
            "`Vary: *` narrowed (it already varies on everything)",
            "*",
            None,
        ),
        (
            "several app tokens reordered or lost",
            "Accept-Encoding, Cookie",
            Some("Accept-Encoding, Cookie, Origin, Access-Control-Request-Method"),
        ),
        (
            "an empty value gives a leading comma",
            "",
            Some("Origin, Access-Control-Request-Method"),
        ),
    ];
    for (guards, existing, expected) in rows {
        let merged = ours.merge_into(existing);
        assert_eq!(merged.as_deref(), expected, "{guards}: `{existing}`");
        let value = merged.as_deref().unwrap_or(existing);
        let tokens: Vec<String> = value
            .split(',')
            .map(|t| t.trim().to_ascii_lowercase())
            .filter(|t| !t.is_empty())
            .collect();
        for token in &tokens {
            assert_eq!(
                tokens.iter().filter(|t| *t == token).count(),
                1,
                "{guards}: `{token}` repeated in `{value}`"
            );
        }
        for token in existing.split(',').map(str::trim).filter(|t| !t.is_empty()) {
            assert!(
                tokens.contains(&token.to_ascii_lowercase()),
                "{guards}: `{token}` removed from `{value}`"
            );
        }
    }
}

// ---------------------------------------------------------------------------
// G8: Private Network Access only when enabled, allowed and asked.

#[test]
fn g8_private_network_access_is_answered_only_when_enabled_allowed_and_asked() {
    let on = build(
        Policy::builder()
            .allowed_origin(APP)
            .allow_private_network(true),
    );
    let off = build(Policy::builder().allowed_origin(APP));
    // (bug class guarded against, policy, request, allowed?, ACAPN)
    let rows: Vec<(&str, &Policy, CorsRequest<'_>, bool, Option<&str>)> = vec![
        (
            "control: enabled, allowed origin, asked",
            &on,
            preflight(APP, "GET").request_private_network("true"),
            true,
            Some("true"),
        ),
        (
            "ACAPN sent though PNA is off: a public site reaches the private network",
            &off,
            preflight(APP, "GET").request_private_network("true"),
            false,
            None,
        ),
        (
            "ACAPN sent to a disallowed origin",
            &on,
            preflight("https://evil.example", "GET").request_private_network("true"),
            false,
            None,
        ),
        ("ACAPN sent unasked", &on, preflight(APP, "GET"), true, None),
        (
            "ACAPN for a value other than exactly `true`",
            &on,
            preflight(APP, "GET").request_private_network("TRUE"),
            true,
            None,
        ),
        (
            "ACAPN on an actual response",
            &on,
            actual(APP).request_private_network("true"),
            true,
            None,
        ),
        (
            "ACAPN on a preflight refused for its method",
            &on,
            preflight(APP, "DELETE").request_private_network("true"),
            false,
            None,
        ),
    ];
    for (guards, policy, request, allowed, acapn) in rows {
        let decision = policy.decide(&request);
        assert_eq!(decision.is_allowed(), allowed, "{guards}");
        assert_eq!(decision.headers().get(ACAPN), acapn, "{guards}");
    }
}

// ---------------------------------------------------------------------------
// G9: max-age above 86400 refused, with a note on Chromium's 7200.

#[test]
fn g9_max_age_above_firefox_cap_is_refused_with_a_note_on_chromium() {
    // (bug class guarded against, value, refused?, warned?)
    let rows = [
        ("control: within every cap", 600_u64, false, false),
        ("control: Chromium's cap", 7_200, false, false),
        (
            "silently clamped by Chromium: a warning says so",
            7_201,
            false,
            true,
        ),
        ("control: Firefox's cap", 86_400, false, true),
        (
            "a preflight cache lifetime no browser honours (a stale policy lingers)",
            86_401,
            true,
            false,
        ),
        ("an overflowing value", u64::MAX, true, false),
    ];
    for (guards, seconds, refused, warned) in rows {
        match Policy::builder()
            .allowed_origin(APP)
            .max_age(seconds)
            .build()
        {
            Ok(policy) => {
                assert!(!refused, "{guards}: {seconds} accepted");
                let warning = policy
                    .warnings()
                    .iter()
                    .any(|w| matches!(w, ConfigWarning::MaxAgeAboveChromiumCap { .. }));
                assert_eq!(warning, warned, "{guards}: {:?}", policy.warnings());
            }
            Err(e) => {
                assert!(refused, "{guards}: {e}");
                assert!(
                    matches!(e.problems(), [ConfigProblem::MaxAgeTooLarge { .. }]),
                    "{guards}: {e}"
                );
                let text = e.to_string();
                assert!(text.contains("86400") && text.contains("7200"), "{text}");
            }
        }
    }
    let from_env = builder_from_lookup("", lookup(&[("CORS_MAX_AGE", "86401")]))
        .and_then(PolicyBuilder::build);
    assert!(
        matches!(
            from_env.as_ref().map_err(ConfigError::problems),
            Err([ConfigProblem::MaxAgeTooLarge { .. }])
        ),
        "from the environment: {from_env:?}"
    );
}

// ---------------------------------------------------------------------------
// G10: hostile input is cheap, bounded and never panics.

/// Generous enough for a debug build on a loaded machine; the cost is
/// measured precisely by `cargo run --release --example dos`.
const TIME_BUDGET: Duration = Duration::from_millis(250);

#[test]
fn g10_hostile_headers_are_refused_quickly_without_panicking() {
    let commas = ",".repeat(1 << 20);
    let names = (0..10_000)
        .map(|i| format!("x-h{i}"))
        .collect::<Vec<_>>()
        .join(",");
    let commas_under_cap = ",".repeat(MAX_REQUEST_HEADERS_LEN - 3) + "x-a";
    let long_origin = format!("https://{}.example.com", "a".repeat(64 * 1024));
    let non_ascii_acrh: &[u8] = b"x-a,\xff\xfe,x-\xc3\xa9";
    let non_ascii_origin: &[u8] = b"https://\xe2\x80\xaeapp.example.com";
    let policy = build(
        Policy::builder()
            .allowed_origins([APP, "https://*.example.com"])
            .allowed_methods(["GET", "PUT"])
            .allowed_headers(["x-a", "x-b"]),
    );
    let any = build(
        Policy::builder()
            .allowed_origin(APP)
            .allow_any_header()
            .allow_any_method(),
    );
    let mirror = build(
        Policy::builder()
            .allowed_origin(APP)
            .allow_any_method()
            .mirror_request_headers(),
    );
    let any_credentials = build(
        Policy::builder()
            .allowed_origin(APP)
            .allow_any_method()
            .allow_any_header()
            .allow_credentials(true),
    );
    fn hostile(acrh: &[u8]) -> CorsRequest<'_> {
        let mut request = preflight(APP, "PUT");
        request.request_headers = HeaderField::Value(acrh);
        request
    }
    let with_origin = |origin: HeaderField<'static>, method| CorsRequest {
        method,
        origin,
        ..CorsRequest::default()
    };
    // (bug class guarded against, policy, request, expected rejection code)
    let rows: Vec<(&str, &Policy, CorsRequest<'_>, Option<&str>)> = vec![
        (
            "rs/cors CVE-2025-47908: 1 MiB of commas in ACRH cost 127 ms and 121 MB",
            &policy,
            preflight(APP, "PUT").request_headers(&commas),
            Some("malformed-request-headers"),
        ),
        (
            "rs/cors CVE-2025-47908 with any header allowed (the echo path)",
            &any,
            preflight(APP, "PUT").request_headers(&commas),
            Some("malformed-request-headers"),
        ),
        (
            "10,000 requested names scanned (and allocated) one by one",
            &any,
            preflight(APP, "PUT").request_headers(&names),
            Some("malformed-request-headers"),
        ),
        (
            "empty list elements just under the cap: ignored, one name checked",
            &policy,
            preflight(APP, "PUT").request_headers(&commas_under_cap),
            None,
        ),
        (
            "non-ASCII bytes in ACRH echoed into a header value or a log",
            &any,
            hostile(non_ascii_acrh),
            Some("malformed-request-headers"),
        ),
        (
            "found by fuzzing: a LF between empty list elements was skipped as whitespace and \
             then echoed verbatim into ACAH (a header value with a raw line break: response \
             splitting wherever an adapter writes the bytes as they are)",
            &mirror,
            preflight(APP, "PUT").request_headers("x-a,\n,x-b"),
            Some("malformed-request-headers"),
        ),
        (
            "the same with CRLF, on the credentialed any-header (echo) path",
            &any_credentials,
            preflight(APP, "PUT").request_headers("x-a,\r\n,x-b"),
            Some("malformed-request-headers"),
        ),
        (
            "a form feed or vertical tab taken for optional whitespace (OWS is SP and HTAB)",
            &mirror,
            preflight(APP, "PUT").request_headers("x-a,\x0c,x-b"),
            Some("malformed-request-headers"),
        ),
        (
            "control: spaces and tabs around names are optional whitespace",
            &mirror,
            preflight(APP, "PUT").request_headers(" x-a ,\tx-b\t, ,x-c"),
            None,
        ),
        (
            "a 64 KiB Origin hashed, parsed or copied",
            &policy,
            actual(&long_origin),
            Some("malformed-origin"),
        ),
        (
            "a 64 KiB Origin on a preflight",
            &policy,
            preflight(&long_origin, "PUT"),
            Some("malformed-origin"),
        ),
        (
            "duplicated Origin headers: which one is checked and which echoed?",
            &policy,
            with_origin(HeaderField::Repeated, "GET"),
            Some("repeated-header"),
        ),
        (
            "a CRLF in Origin that would forge a log line or split a header",
            &policy,
            actual("https://app.example.com\r\nx-forged: 1"),
            Some("malformed-origin"),
        ),
        (
            "an escape sequence in Origin that would rewrite a terminal",
            &policy,
            actual("https://app.example.com\u{1b}[2J"),
            Some("malformed-origin"),
        ),
        (
            "a right-to-left override in Origin (spoofed log text)",
            &policy,
            with_origin(HeaderField::Value(non_ascii_origin), "GET"),
            Some("malformed-origin"),
        ),
        (
            "a NUL in Origin",
            &policy,
            actual("https://app.example.com\0"),
            Some("malformed-origin"),
        ),
        (
            "a 1 MiB Access-Control-Request-Method",
            &any,
            preflight(APP, &commas),
            Some("malformed-request-method"),
        ),
        (
            "a newline in Access-Control-Request-Method",
            &any,
            preflight(APP, "PUT\nx-forged: 1"),
            Some("malformed-request-method"),
        ),
        (
            "a 1 MiB Access-Control-Request-Private-Network",
            &policy,
            preflight(APP, "PUT").request_private_network(&commas),
            None,
        ),
        (
            "repeated Access-Control-Request-Headers",
            &policy,
            CorsRequest {
                request_headers: HeaderField::Repeated,
                ..preflight(APP, "PUT")
            },
            Some("repeated-header"),
        ),
    ];
    for (guards, policy, request, expected) in rows {
        let started = Instant::now();
        let decision = policy.decide(&request);
        let elapsed = started.elapsed();
        assert!(elapsed < TIME_BUDGET, "{guards}: took {elapsed:?}");
        assert_eq!(
            decision.rejection().map(Rejection::code),
            expected,
            "{guards}: {:?}",
            decision.rejection()
        );
        if let Some(rejection) = decision.rejection() {
            let text = rejection.to_string();
            assert!(
                !text.chars().any(char::is_control) && text.len() < 400,
                "{guards}: the log text `{}` is unsafe or unbounded",
                text.escape_debug()
            );
        }
        for (name, value) in headers(&decision) {
            assert!(
                value.len() <= MAX_REQUEST_HEADERS_LEN
                    && !value.chars().any(|c| c.is_control() && c != '\t'),
                "{guards}: `{name}` carries hostile bytes"
            );
        }
    }
}

#[test]
fn g10_rejection_and_escaped_text_never_carry_raw_control_characters() {
    // The engine refuses control characters before any rejection borrows
    // them; `Display` escapes them anyway, for values that reach a rejection
    // some other way (the variants are public).
    let forged = "https://a.example\r\n2025-01-01T00:00:00Z  INFO admin logged in";
    let long = "a".repeat(64 * 1024);
    // (bug class guarded against, rejection)
    let rows: Vec<(&str, Rejection<'_>)> = vec![
        (
            "CRLF log-line forging through the origin",
            Rejection::OriginNotAllowed { origin: forged },
        ),
        (
            "terminal escape sequences through the method",
            Rejection::MethodNotAllowed {
                method: "PUT\u{1b}[31mFAKE\u{1b}[0m",
            },
        ),
        (
            "a NUL and a DEL through a header name",
            Rejection::HeaderNotAllowed {
                header: "x-a\0\u{7f}",
            },
        ),
        (
            "a backtick closing the quotes the messages put around values",
            Rejection::HeaderNotAllowed { header: "x`y" },
        ),
        (
            "an unbounded 64 KiB value copied into every log line",
            Rejection::OriginNotAllowed { origin: &long },
        ),
    ];
    for (guards, rejection) in rows {
        let text = rejection.to_string();
        assert!(
            !text.chars().any(char::is_control),
            "{guards}: `{}`",
            text.escape_debug()
        );
        assert!(!text.contains("x`y"), "{guards}: `{text}`");
        assert!(text.len() < 600, "{guards}: {} bytes", text.len());
    }
    assert_eq!(
        Escaped("a\r\nb\t\u{1b}").to_string(),
        "a\\r\\nb\\t\\u{1b}",
        "Escaped writes control characters as Rust escapes"
    );
}

// ---------------------------------------------------------------------------
// G11: no shared mutable state.

/// A decision as owned data, to compare across threads.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Answer {
    kind: RequestKind,
    rejection: Option<String>,
    headers: Vec<(String, String)>,
    vary: String,
}

fn answer(decision: &Decision<'_>) -> Answer {
    Answer {
        kind: decision.kind(),
        rejection: decision.rejection().map(ToString::to_string),
        headers: headers(decision)
            .into_iter()
            .map(|(n, v)| (n.to_owned(), v.to_owned()))
            .collect(),
        vary: decision.headers().vary().as_str().to_owned(),
    }
}

/// Owned request data, shared with the threads.
#[derive(Clone, Debug)]
struct OwnedRequest {
    method: &'static str,
    origin: Option<String>,
    request_method: Option<&'static str>,
    request_headers: Option<&'static str>,
}

impl OwnedRequest {
    fn as_cors(&self) -> CorsRequest<'_> {
        CorsRequest {
            method: self.method,
            origin: self.origin.as_deref().into(),
            request_method: self.request_method.into(),
            request_headers: self.request_headers.into(),
            request_private_network: HeaderField::Absent,
        }
    }
}

fn thread_requests() -> Vec<OwnedRequest> {
    let origins = [
        None,
        Some(APP.to_owned()),
        Some("https://pr-12.preview.example.com".to_owned()),
        Some("https://pr-12.example.dev".to_owned()),
        Some("https://evil.example".to_owned()),
        Some("https://evilexample.com".to_owned()),
        Some("null".to_owned()),
        Some("http://localhost:5173".to_owned()),
    ];
    let mut requests = Vec::new();
    for origin in origins {
        for (method, request_method, request_headers) in [
            ("GET", None, None),
            ("POST", None, None),
            ("OPTIONS", Some("PUT"), Some("content-type,authorization")),
            ("OPTIONS", Some("DELETE"), None),
            ("OPTIONS", Some("PUT"), Some("x-evil")),
        ] {
            requests.push(OwnedRequest {
                method,
                origin: origin.clone(),
                request_method,
                request_headers,
            });
        }
    }
    requests
}

#[test]
fn g11_one_policy_shared_by_eight_threads_answers_exactly_as_on_one_thread() {
    fn assert_send_sync<T: Send + Sync + 'static>() {}
    assert_send_sync::<Policy>();

    let policies = Arc::new(vec![
        build(
            Policy::builder()
                .allowed_origins([APP, "https://*.preview.example.com", "http://localhost:*"])
                .allowed_origin_regex(r"https://pr-\d+\.example\.dev")
                .allowed_methods(["GET", "PUT"])
                .allowed_headers(["content-type", "authorization"])
                .expose_headers(["x-request-id"])
                .allow_credentials(true)
                .max_age(600),
        ),
        build(
            Policy::builder()
                .allow_any_origin()
                .allow_any_method()
                .allow_any_header(),
        ),
        build(
            Policy::builder()
                .allowed_origin_fn(|o| o.starts_with("https://pr-"))
                .mirror_request_headers(),
        ),
    ]);
    let requests = Arc::new(thread_requests());
    let expected: Arc<Vec<Vec<Answer>>> = Arc::new(
        policies
            .iter()
            .map(|p| {
                requests
                    .iter()
                    .map(|r| answer(&p.decide(&r.as_cors())))
                    .collect()
            })
            .collect(),
    );
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let (policies, requests, expected) = (
                Arc::clone(&policies),
                Arc::clone(&requests),
                Arc::clone(&expected),
            );
            thread::spawn(move || {
                for round in 0..200 {
                    // Each thread walks the requests in its own order.
                    for i in 0..requests.len() {
                        let r = (i * 7 + t * 13 + round) % requests.len();
                        for (p, policy) in policies.iter().enumerate() {
                            let got = answer(&policy.decide(&requests[r].as_cors()));
                            assert_eq!(
                                got, expected[p][r],
                                "thread {t}, round {round}, policy {p}, {:?}",
                                requests[r]
                            );
                        }
                    }
                }
            })
        })
        .collect();
    for thread in threads {
        thread
            .join()
            .expect("a thread's answers differed or it panicked");
    }
}

#[test]
fn g11_a_built_policy_is_immutable_deriving_another_leaves_it_unchanged() {
    let original = build(
        Policy::builder()
            .allowed_origin(APP)
            .allowed_methods(["GET"]),
    );
    let before = answer(&original.decide(&preflight("https://evil.example", "PUT")));
    let clone = original.clone();
    let derived = build(
        original
            .to_builder()
            .allowed_origin("https://evil.example")
            .allowed_methods(["GET", "PUT"])
            .allow_credentials(true),
    );
    assert!(derived
        .decide(&preflight("https://evil.example", "PUT"))
        .is_allowed());
    for policy in [&original, &clone] {
        let after = answer(&policy.decide(&preflight("https://evil.example", "PUT")));
        assert_eq!(after, before, "deriving a policy changed the original");
        assert!(!policy.allows_credentials());
    }
}
