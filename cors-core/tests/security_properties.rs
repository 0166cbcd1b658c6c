//! Properties behind the security guarantees of `SECURITY.md` (G1, G2, G4,
//! G5, G7), over random policies and random, partly hostile requests; and
//! the subdomain-pattern matcher against a slow, obviously correct
//! reference on random hosts built from a small label alphabet (look-alikes
//! included).
//!
//! 256 cases per property by default; raise with `PROPTEST_CASES`. The long
//! randomized campaign that stands in for fuzzing where libFuzzer cannot
//! run is `campaign_*` below (ignored by default; see SECURITY.md).

use cors_core::{
    header, CorsRequest, HeaderField, Policy, PolicyBuilder, Rejection, RequestKind, Vary,
};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::{select, subsequence};
use proptest::test_runner::Config;

const ACAO: &str = header::ACCESS_CONTROL_ALLOW_ORIGIN;
const ACAC: &str = header::ACCESS_CONTROL_ALLOW_CREDENTIALS;
const ACAM: &str = header::ACCESS_CONTROL_ALLOW_METHODS;
const ACAH: &str = header::ACCESS_CONTROL_ALLOW_HEADERS;
const ACAPN: &str = header::ACCESS_CONTROL_ALLOW_PRIVATE_NETWORK;
const ACMA: &str = header::ACCESS_CONTROL_MAX_AGE;
const ACEH: &str = header::ACCESS_CONTROL_EXPOSE_HEADERS;

/// `n` cases, or `PROPTEST_CASES` when set.
fn cases(n: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(n)
}

fn config() -> Config {
    Config {
        cases: cases(256),
        // About a fifth of the random policies are invalid (credentials
        // with `*`) and are drawn again.
        max_local_rejects: u32::MAX,
        failure_persistence: None,
        ..Config::default()
    }
}

// ---------------------------------------------------------------------------
// Random policies and requests

const ORIGINS: [&str; 8] = [
    "https://example.com",
    "https://*.example.com",
    "https://foo.com",
    "https://bar.com",
    "http://localhost:*",
    "https://*.foo.com:8443",
    "*",
    "null",
];
const REGEXES: [&str; 2] = [r"https://pr-\d+\.example\.dev", "https?://.*"];
const METHODS: [&str; 5] = ["GET", "PUT", "patch", "PURGE", "*"];
const HEADERS: [&str; 4] = ["x-a", "authorization", "content-type", "*"];

#[derive(Clone, Debug)]
struct Spec {
    origins: Vec<&'static str>,
    regexes: Vec<&'static str>,
    methods: Vec<&'static str>,
    headers: Vec<&'static str>,
    mirror: bool,
    expose: bool,
    credentials: bool,
    private_network: bool,
    vary: bool,
}

impl Spec {
    fn builder(&self) -> PolicyBuilder {
        let mut b = Policy::builder()
            .allowed_origins(self.origins.iter().copied())
            .allow_null_origin(true)
            .allowed_methods(self.methods.iter().copied())
            // `patch` in the universe on purpose: byte-exact matching.
            .case_sensitive_methods(true)
            .allow_credentials(self.credentials)
            .allow_private_network(self.private_network)
            .max_age(600)
            .vary(self.vary);
        for regex in &self.regexes {
            b = b.allowed_origin_regex(*regex);
        }
        b = if self.mirror {
            b.mirror_request_headers()
        } else {
            b.allowed_headers(self.headers.iter().copied())
        };
        if self.expose {
            b = b.expose_headers(["x-request-id"]);
        }
        b
    }

    /// Whether the answer is the static `*`.
    fn is_static(&self) -> bool {
        self.origins.contains(&"*") && !self.credentials
    }
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        subsequence(ORIGINS.to_vec(), 0..=4),
        subsequence(REGEXES.to_vec(), 0..=1),
        subsequence(METHODS.to_vec(), 0..=3),
        subsequence(HEADERS.to_vec(), 0..=3),
        any::<[bool; 6]>(),
    )
        .prop_map(|(origins, regexes, methods, headers, flags)| Spec {
            origins,
            regexes,
            methods,
            headers,
            mirror: flags[0],
            expose: flags[1],
            credentials: flags[2],
            private_network: flags[3],
            vary: flags[4] || flags[5],
        })
}

/// A spec that builds, with its policy.
fn policy() -> impl Strategy<Value = (Spec, Policy)> {
    spec().prop_filter_map("invalid combination (refused at build)", |spec| {
        let policy = spec.builder().build().ok()?;
        Some((spec, policy))
    })
}

/// Origins worth sending: allowed ones, look-alikes, and junk.
const ORIGIN_SAMPLES: [&str; 22] = [
    "https://example.com",
    "https://a.example.com",
    "https://a.foo.com:8443",
    "https://foo.com",
    "https://bar.com",
    "http://localhost:3000",
    "https://pr-7.example.dev",
    "null",
    "NULL",
    "https://evilexample.com",
    "https://example.com.evil.com",
    "https://example.com@evil.com",
    "https://example.com.",
    "https://EXAMPLE.com",
    "https://example.com:443",
    "http://example.com",
    "https://barfoo.com",
    "https://a.foo.com",
    "https://example.com/",
    "",
    "https://evil.example",
    "http://localhost:080",
];

#[derive(Clone, Debug)]
struct Request {
    method: &'static str,
    origin: Option<Vec<u8>>,
    request_method: Option<Vec<u8>>,
    request_headers: Option<Vec<u8>>,
    request_private_network: Option<&'static str>,
}

impl Request {
    fn as_cors(&self) -> CorsRequest<'_> {
        fn field(value: &Option<Vec<u8>>) -> HeaderField<'_> {
            match value {
                Some(bytes) => HeaderField::Value(bytes.as_slice()),
                None => HeaderField::Absent,
            }
        }
        CorsRequest {
            method: self.method,
            origin: field(&self.origin),
            request_method: field(&self.request_method),
            request_headers: field(&self.request_headers),
            request_private_network: self.request_private_network.into(),
        }
    }
}

fn bytes_from(samples: &'static [&'static str]) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => select(samples).prop_map(|s| s.as_bytes().to_vec()),
        1 => vec(any::<u8>(), 0..24),
    ]
}

fn request() -> impl Strategy<Value = Request> {
    (
        select(vec!["GET", "POST", "OPTIONS", "OPTIONS", "PUT"]),
        proptest::option::weighted(0.9, bytes_from(&ORIGIN_SAMPLES)),
        proptest::option::weighted(
            0.7,
            bytes_from(&["GET", "PUT", "DELETE", "patch", "PATCH", "PURGE", "*"]),
        ),
        proptest::option::weighted(
            0.5,
            bytes_from(&[
                "x-a",
                "authorization",
                "x-a,authorization",
                "content-type",
                "*",
                "x-a;x-b",
                "X-A",
                "x-a,\r\n,x-b",
            ]),
        ),
        proptest::option::of(select(vec!["true", "false", "TRUE"])),
    )
        .prop_map(
            |(method, origin, request_method, request_headers, request_private_network)| Request {
                method,
                origin,
                request_method,
                request_headers,
                request_private_network,
            },
        )
}

fn has_star(value: &[u8]) -> bool {
    value.split(|&b| b == b',').any(|e| e.trim_ascii() == b"*")
}

// ---------------------------------------------------------------------------
// G1, G2, G4, G5, G7 over random policies and requests

fn check(spec: &Spec, policy: &Policy, request: &Request) -> Result<(), TestCaseError> {
    let decision = policy.decide(&request.as_cors());
    let headers = decision.headers();
    let all: Vec<(&str, &str)> = headers.iter().collect();
    let origin = request.origin.as_deref();

    // G10: every value can go into a response header as is: printable
    // ASCII or HTAB, never a line break (no header injection).
    for (name, value) in &all {
        prop_assert!(
            value
                .bytes()
                .all(|b| (0x20..0x7f).contains(&b) || b == b'\t'),
            "`{}: {:?}` is not a clean header value",
            name,
            value
        );
    }

    // G1: each header once; ACAO is `*` (static policy only) or the
    // request's Origin bytes; never a list, a pattern or a `null` the
    // policy did not spell out.
    for (name, _) in &all {
        prop_assert_eq!(all.iter().filter(|(n, _)| n == name).count(), 1);
    }
    if let Some(acao) = headers.get(ACAO) {
        if acao == "*" {
            prop_assert!(spec.is_static(), "`*` from a non-static policy");
        } else {
            prop_assert_eq!(
                Some(acao.as_bytes()),
                origin,
                "ACAO is not the Origin echoed"
            );
            prop_assert!(
                !acao.contains(',') && !acao.contains('*'),
                "ACAO `{}`",
                acao
            );
        }
        if acao == "null" {
            prop_assert!(spec.origins.contains(&"null"), "`null` not written");
        }
    }

    // G2: with credentials, no `*` the policy chose, and ACAC exactly
    // `true` on every allowed CORS answer. (The one `*` possible is a
    // method or header literally named `*` echoed back, which browsers
    // read literally with credentials.)
    if spec.credentials {
        for (name, value) in &all {
            let literal_echo = match *name {
                ACAM => request.request_method.as_deref() == Some(b"*".as_slice()),
                ACAH => request.request_headers.as_deref().is_some_and(has_star),
                _ => false,
            };
            prop_assert!(
                literal_echo || !has_star(value.as_bytes()),
                "`*` in `{}` with credentials",
                name
            );
        }
        let cors = decision.kind() != RequestKind::NotCors;
        prop_assert_eq!(
            headers.get(ACAC),
            (cors && decision.is_allowed()).then_some("true")
        );
    } else {
        prop_assert_eq!(headers.get(ACAC), None);
    }

    // G4: preflight headers only on preflights, ACEH never on them.
    if decision.kind() == RequestKind::Preflight {
        prop_assert_eq!(headers.get(ACEH), None);
    } else {
        for name in [ACAM, ACAH, ACMA, ACAPN] {
            prop_assert_eq!(headers.get(name), None, "`{}` off a preflight", name);
        }
    }

    // G5: `null` only when written or under `*` (which Fetch's CORS check
    // lets answer every origin without credentials, issue 13); exact origins
    // and patterns admit only canonical origins, so no look-alike. (A user's
    // regex admits what it admits, but never `null`, checked here.)
    let user_decides = spec.origins.contains(&"*") || !spec.regexes.is_empty();
    if decision.is_allowed() && decision.kind() != RequestKind::NotCors {
        let origin = origin.unwrap_or_default();
        if origin == b"null" {
            prop_assert!(
                spec.origins.contains(&"null") || spec.origins.contains(&"*"),
                "`null` admitted unwritten"
            );
        }
    }
    if decision.is_allowed() && decision.kind() != RequestKind::NotCors && !user_decides {
        let origin = origin.unwrap_or_default();
        if origin == b"null" {
            prop_assert!(spec.origins.contains(&"null"));
        }
        prop_assert!(
            canonical_origin(origin),
            "a non-canonical Origin `{}` was allowed",
            String::from_utf8_lossy(origin)
        );
    }

    // G7: Vary says Origin whenever the answer depends on it (anything but
    // the static `*`, and a refused origin), allowed or refused; a preflight
    // also names the request headers.
    let vary = headers.vary();
    if !spec.vary {
        prop_assert!(vary.is_empty());
    } else {
        // Under the static `*`, only the origin itself can change the
        // answer (malformed or repeated origins are refused).
        let refused_for_origin = matches!(
            decision.rejection(),
            Some(
                Rejection::OriginNotAllowed { .. }
                    | Rejection::MalformedOrigin
                    | Rejection::RepeatedHeader {
                        name: header::ORIGIN
                    }
            )
        );
        if !spec.is_static() || refused_for_origin {
            prop_assert!(vary.contains(Vary::ORIGIN), "Vary `{}`", vary.as_str());
        }
        if decision.kind() == RequestKind::Preflight {
            prop_assert!(
                vary.contains(Vary::REQUEST_HEADERS),
                "Vary `{}`",
                vary.as_str()
            );
        }
    }
    Ok(())
}

/// What a browser can send: `null`, or scheme `://` lower-case host, with a
/// non-default port without leading zero. (Exact origins and patterns of
/// the universe are all of that shape; the match-anything regex admits any
/// origin a browser can send, which is the point of refusing it with
/// credentials.)
fn canonical_origin(origin: &[u8]) -> bool {
    let Ok(origin) = std::str::from_utf8(origin) else {
        return false;
    };
    if origin == "null" {
        return true;
    }
    let Some((scheme, rest)) = origin.split_once("://") else {
        return false;
    };
    let default = match scheme {
        "http" => "80",
        "https" => "443",
        _ => return false,
    };
    let (host, port) = match rest.split_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (rest, None),
    };
    let port_ok = match port {
        None => true,
        Some(p) => {
            !p.is_empty()
                && !p.starts_with('0')
                && p != default
                && p.bytes().all(|b| b.is_ascii_digit())
                && p.parse::<u16>().is_ok()
        }
    };
    port_ok && is_domain(host)
}

fn is_domain(host: &str) -> bool {
    !host.is_empty()
        && host.split('.').all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
}

proptest! {
    #![proptest_config(config())]

    /// G1, G2, G4, G5, G7 hold for every decision.
    #[test]
    fn every_decision_keeps_g1_g2_g4_g5_g7(
        (spec, policy) in policy(),
        requests in vec(request(), 1..16),
    ) {
        for request in &requests {
            check(&spec, &policy, request)?;
        }
    }

    /// G2: any origin (or a regex admitting any origin) with credentials
    /// never builds, whatever else the policy says.
    #[test]
    fn any_origin_with_credentials_never_builds(
        spec in spec(),
        any_regex in any::<bool>(),
    ) {
        let mut spec = spec;
        spec.credentials = true;
        if any_regex {
            spec.regexes = vec!["https?://.*"];
        } else {
            spec.origins.push("*");
        }
        prop_assert!(spec.builder().build().is_err());
    }

    /// G7: merging into any existing `Vary` never repeats or removes a token.
    #[test]
    fn vary_merge_never_repeats_or_removes_a_token(
        existing in vec(select(vec![
            "Accept-Encoding", "origin", "Origin", "Cookie", "*",
            "access-control-request-method", "", " ",
        ]), 0..5),
        bits in 1u8..16,
    ) {
        let mut ours = Vary::NONE;
        for (i, token) in [
            Vary::ORIGIN,
            Vary::REQUEST_METHOD,
            Vary::REQUEST_HEADERS,
            Vary::REQUEST_PRIVATE_NETWORK,
        ]
        .into_iter()
        .enumerate()
        {
            if bits & (1 << i) != 0 {
                ours = ours.with(token);
            }
        }
        let existing = existing.join(", ");
        let merged = ours.merge_into(&existing).unwrap_or_else(|| existing.clone());
        let tokens: Vec<String> = merged
            .split(',')
            .map(|t| t.trim().to_ascii_lowercase())
            .filter(|t| !t.is_empty())
            .collect();
        let before: Vec<String> = existing
            .split(',')
            .map(|t| t.trim().to_ascii_lowercase())
            .filter(|t| !t.is_empty())
            .collect();
        for token in &before {
            prop_assert!(tokens.contains(token), "`{}` removed from `{}`", token, merged);
        }
        let star = before.iter().any(|t| t == "*");
        for token in ours.tokens() {
            prop_assert!(
                star || tokens.contains(&token.to_ascii_lowercase()),
                "`{}` missing from `{}`", token, merged
            );
        }
        // Only tokens the app itself repeated may appear twice.
        for token in &tokens {
            let count = tokens.iter().filter(|t| *t == token).count();
            let app_count = before.iter().filter(|t| *t == token).count();
            prop_assert!(count <= app_count.max(1), "`{}` repeated in `{}`", token, merged);
        }
    }
}

// ---------------------------------------------------------------------------
// The subdomain-pattern matcher against a slow, obviously correct reference

/// One allowed-origin entry, in canonical form.
#[derive(Clone, Debug)]
struct Entry {
    scheme: &'static str,
    host: &'static str,
    /// `*.host` rather than `host`.
    subdomains: bool,
    /// `None`: the default port; `Some(None)`: any port (`:*`).
    port: Option<Option<u16>>,
}

impl Entry {
    fn declared(&self) -> String {
        format!(
            "{}://{}{}{}",
            self.scheme,
            if self.subdomains { "*." } else { "" },
            self.host,
            match self.port {
                None => String::new(),
                Some(None) => ":*".to_owned(),
                Some(Some(p)) => format!(":{p}"),
            }
        )
    }

    /// The reference: string surgery only. Strip `scheme://` from the front
    /// and the port from the back; what is left must be the host itself, or
    /// (for `*.host`) a valid dot-separated list of labels, a dot, and the host.
    fn admits(&self, origin: &str) -> bool {
        let Some(authority) = origin
            .strip_prefix(self.scheme)
            .and_then(|rest| rest.strip_prefix("://"))
        else {
            return false;
        };
        let default = if self.scheme == "https" { 443 } else { 80 };
        let host_part = match self.port {
            None => authority,
            Some(Some(port)) => match authority.strip_suffix(&format!(":{port}")) {
                Some(host_part) => host_part,
                None => return false,
            },
            Some(None) => match authority.rsplit_once(':') {
                None => authority,
                // Browsers send ports without a leading zero, never the default.
                Some((host_part, port))
                    if !port.starts_with('0')
                        && port.parse::<u16>().is_ok_and(|n| n != default)
                        && port.bytes().all(|b| b.is_ascii_digit()) =>
                {
                    host_part
                }
                Some(_) => return false,
            },
        };
        if self.subdomains {
            host_part
                .strip_suffix(self.host)
                .and_then(|sub| sub.strip_suffix('.'))
                .is_some_and(is_domain)
        } else {
            host_part == self.host
        }
    }
}

const LABELS: [&str; 12] = [
    "a",
    "b",
    "foo",
    "bar",
    "example",
    "com",
    "evil",
    "x-y",
    "Foo",
    "-a",
    "xn--bcher-kva",
    "",
];
const PARENTS: [&str; 5] = [
    "foo.com",
    "bar.com",
    "example.com",
    "a.example.com",
    "foo.bar.com",
];

fn entry() -> impl Strategy<Value = Entry> {
    (
        select(vec!["http", "https"]),
        select(PARENTS.to_vec()),
        any::<bool>(),
        select(vec![None, None, Some(None), Some(Some(8443))]),
    )
        .prop_map(|(scheme, host, subdomains, port)| Entry {
            scheme,
            host,
            subdomains,
            port,
        })
}

/// A host from the label alphabet, joined by dots or glued together (the
/// `barfoo.com` construction), maybe with a trailing dot.
fn host() -> impl Strategy<Value = String> {
    (
        vec(select(LABELS.to_vec()), 1..5),
        vec(any::<bool>(), 4),
        select(PARENTS.to_vec()),
        0u8..4,
    )
        .prop_map(|(labels, glue, parent, shape)| {
            let mut host = String::new();
            for (i, label) in labels.iter().enumerate() {
                if i > 0 && !glue[i % glue.len()] {
                    host.push('.');
                }
                host.push_str(label);
            }
            match shape {
                // Under a parent the policy may know.
                0 => format!("{host}.{parent}"),
                // Glued onto a parent: `barfoo.com`.
                1 => format!("{host}{parent}"),
                // A parent with a trailing dot.
                2 => format!("{host}.{parent}."),
                _ => host,
            }
        })
}

fn origin() -> impl Strategy<Value = String> {
    (
        select(vec!["https", "http", "HTTPS", "wss"]),
        select(vec!["", "", "", "user@", "foo.com@"]),
        host(),
        select(vec![
            "", "", ":8443", ":443", ":80", ":08443", ":3000", ":", ":99999",
        ]),
    )
        .prop_map(|(scheme, userinfo, host, port)| format!("{scheme}://{userinfo}{host}{port}"))
}

proptest! {
    #![proptest_config(config())]

    /// The matcher agrees with the reference, on random hosts and on
    /// look-alikes of the very entries allowed.
    #[test]
    fn subdomain_matcher_agrees_with_the_reference(
        entries in vec(entry(), 1..4),
        origins in vec(origin(), 1..24),
    ) {
        let declared: Vec<String> = entries.iter().map(Entry::declared).collect();
        let policy = Policy::builder()
            .allowed_origins(declared.iter().cloned())
            .build();
        let policy = match policy {
            Ok(p) => p,
            Err(e) => return Err(TestCaseError::fail(format!("{declared:?}: {e}"))),
        };
        // Also ask about each entry's own canonical origin and look-alikes.
        let mut asked = origins;
        for e in &entries {
            let port = match e.port {
                Some(Some(p)) => format!(":{p}"),
                _ => String::new(),
            };
            for host in [
                format!("x.{}", e.host),
                e.host.to_owned(),
                format!("x{}", e.host),
                format!("{}.evil.com", e.host),
                format!("x.{}.", e.host),
            ] {
                asked.push(format!("{}://{host}{port}", e.scheme));
            }
        }
        for origin in &asked {
            let expected = entries.iter().any(|e| e.admits(origin));
            prop_assert_eq!(
                policy.allows_origin(origin),
                expected,
                "`{}` with {:?}", origin, declared
            );
        }
    }
}

#[test]
fn the_reference_is_right_on_known_cases() {
    let pattern = Entry {
        scheme: "https",
        host: "example.com",
        subdomains: true,
        port: None,
    };
    for ok in ["https://a.example.com", "https://a.b.example.com"] {
        assert!(pattern.admits(ok), "{ok}");
    }
    for bad in [
        "https://example.com",
        "https://evilexample.com",
        "https://a.example.com.",
        "https://A.example.com",
        "https://a.example.com:443",
        "http://a.example.com",
        "https://.example.com",
        "https://a..example.com",
        "https://x@a.example.com",
    ] {
        assert!(!pattern.admits(bad), "{bad}");
    }
    let any_port = Entry {
        scheme: "http",
        host: "foo.com",
        subdomains: false,
        port: Some(None),
    };
    for ok in ["http://foo.com", "http://foo.com:3000"] {
        assert!(any_port.admits(ok), "{ok}");
    }
    for bad in [
        "http://foo.com:80",
        "http://foo.com:03000",
        "http://foo.com:",
        "http://x.foo.com:3000",
        "http://barfoo.com:3000",
    ] {
        assert!(!any_port.admits(bad), "{bad}");
    }
}

// ---------------------------------------------------------------------------
// The long randomized campaign (stands in for fuzzing; see SECURITY.md)

proptest! {
    #![proptest_config(Config {
        cases: cases(1_000_000),
        max_local_rejects: u32::MAX,
        failure_persistence: None,
        ..Config::default()
    })]

    /// Arbitrary bytes in every request field under random policies: never
    /// panics, and every decision keeps G1, G2, G4, G5, G7.
    #[test]
    #[ignore = "long campaign: PROPTEST_CASES=1000000 cargo test --release -p cors-core \
                --test security_properties -- --ignored"]
    fn campaign_arbitrary_requests_keep_the_guarantees(
        (spec, policy) in policy(),
        method in select(vec!["GET", "OPTIONS", "POST"]),
        origin in proptest::option::of(prop_oneof![
            bytes_from(&ORIGIN_SAMPLES),
            vec(any::<u8>(), 0..600),
        ]),
        request_method in proptest::option::of(prop_oneof![
            bytes_from(&["GET", "PUT", "patch", "*"]),
            vec(any::<u8>(), 0..80),
        ]),
        request_headers in proptest::option::of(prop_oneof![
            bytes_from(&["x-a,authorization", "content-type", "*", "x-a,\n,x-b"]),
            vec(any::<u8>(), 0..5000),
        ]),
    ) {
        let request = Request {
            method,
            origin,
            request_method,
            request_headers,
            request_private_network: Some("true"),
        };
        check(&spec, &policy, &request)?;
    }
}
