//! Properties of the decision engine over random policies and random,
//! partly hostile requests, and of the subdomain-pattern matcher against a
//! slow reference written here.
//!
//! Invariant names (S1, S2, …) are those of `shared/fetch-cors-rules.md`.

use cors_core::{header, CorsRequest, HeaderField, Policy, RequestKind, Vary};
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

/// Few enough cases that `cargo test` stays fast; raise with `PROPTEST_CASES`.
fn config() -> Config {
    Config {
        cases: 256,
        failure_persistence: None,
        ..Config::default()
    }
}

// ---------------------------------------------------------------------------
// Random policies

/// The origin entries a policy is drawn from: exact origins, patterns, `*`
/// and `null`.
const ORIGIN_UNIVERSE: [&str; 8] = [
    "https://app.example.com",
    "http://localhost:3000",
    "https://*.example.com",
    "http://localhost:*",
    "https://*.example.org:8443",
    "HTTPS://Admin.Example.net:443",
    "*",
    "null",
];
const REGEX_UNIVERSE: [&str; 2] = [r"https://pr-\d+\.example\.dev", "https?://.*"];
const METHOD_UNIVERSE: [&str; 7] = ["GET", "PUT", "PATCH", "patch", "delete", "PURGE", "*"];
const HEADER_UNIVERSE: [&str; 5] = ["content-type", "x-a", "authorization", "X-B", "*"];
const EXPOSE_UNIVERSE: [&str; 3] = ["x-request-id", "X-Report-Id", "*"];

#[derive(Clone, Debug)]
enum HeadersSpec {
    Default,
    List(Vec<&'static str>),
    Mirror,
}

/// A policy declaration, kept alongside the built policy so properties can
/// ask what was declared.
#[derive(Clone, Debug)]
struct Spec {
    origins: Vec<&'static str>,
    regexes: Vec<&'static str>,
    predicate: bool,
    allow_null: bool,
    methods: Option<Vec<&'static str>>,
    headers: HeadersSpec,
    expose: Vec<&'static str>,
    credentials: bool,
    max_age: Option<u64>,
    private_network: bool,
    vary: bool,
}

impl Spec {
    fn build(&self) -> Option<Policy> {
        let mut builder = Policy::builder()
            .allowed_origins(self.origins.iter().copied())
            .allow_null_origin(self.allow_null)
            .expose_headers(self.expose.iter().copied())
            .allow_credentials(self.credentials)
            .allow_private_network(self.private_network)
            .vary(self.vary);
        for regex in &self.regexes {
            builder = builder.allowed_origin_regex(*regex);
        }
        if self.predicate {
            builder = builder.allowed_origin_fn(|origin| origin.ends_with(".test"));
        }
        if let Some(methods) = &self.methods {
            // `patch` in the universe on purpose: byte-exact matching.
            builder = builder
                .allowed_methods(methods.iter().copied())
                .case_sensitive_methods(true);
        }
        builder = match &self.headers {
            HeadersSpec::Default => builder,
            HeadersSpec::List(names) => builder.allowed_headers(names.iter().copied()),
            HeadersSpec::Mirror => builder.mirror_request_headers(),
        };
        if let Some(seconds) = self.max_age {
            builder = builder.max_age(seconds);
        }
        builder.build().ok()
    }

    /// Whether the answer is the static `*` (any origin, no credentials).
    fn is_static(&self) -> bool {
        self.origins.contains(&"*") && !self.credentials
    }
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        (
            subsequence(ORIGIN_UNIVERSE.to_vec(), 0..=ORIGIN_UNIVERSE.len()),
            subsequence(REGEX_UNIVERSE.to_vec(), 0..=REGEX_UNIVERSE.len()),
            any::<bool>(),
            any::<bool>(),
        ),
        prop::option::of(subsequence(
            METHOD_UNIVERSE.to_vec(),
            0..=METHOD_UNIVERSE.len(),
        )),
        prop_oneof![
            Just(HeadersSpec::Default),
            subsequence(HEADER_UNIVERSE.to_vec(), 0..=HEADER_UNIVERSE.len())
                .prop_map(HeadersSpec::List),
            Just(HeadersSpec::Mirror),
        ],
        subsequence(EXPOSE_UNIVERSE.to_vec(), 0..=EXPOSE_UNIVERSE.len()),
        (
            any::<bool>(),
            prop::option::of(select(vec![0u64, 600, 7_200, 86_400])),
            any::<bool>(),
            prop::bool::weighted(0.85),
        ),
    )
        .prop_map(
            |(
                (origins, regexes, predicate, allow_null),
                methods,
                headers,
                expose,
                (credentials, max_age, private_network, vary),
            )| {
                let mut origins = origins;
                let mut regexes = regexes;
                let mut expose = expose;
                if credentials {
                    // These never build with credentials (tested in
                    // engine.rs); dropping them keeps the cases useful.
                    origins.retain(|o| *o != "*");
                    regexes.retain(|r| *r != "https?://.*");
                    expose.retain(|e| *e != "*");
                }
                // Writing `null` needs `allow_null_origin` (tested in engine.rs).
                let allow_null = allow_null || origins.contains(&"null");
                Spec {
                    origins,
                    regexes,
                    predicate,
                    allow_null,
                    methods,
                    headers,
                    expose,
                    credentials,
                    max_age,
                    private_network,
                    vary,
                }
            },
        )
}

/// Origins each declared entry lets through, so that random requests often
/// come from an allowed origin.
fn examples(spec: &Spec) -> Vec<&'static str> {
    let mut examples = Vec::new();
    for origin in &spec.origins {
        match *origin {
            "https://*.example.com" => {
                examples.extend(["https://a.example.com", "https://a.b.example.com"]);
            }
            "http://localhost:*" => examples.extend(["http://localhost", "http://localhost:5173"]),
            "https://*.example.org:8443" => examples.push("https://x.example.org:8443"),
            "HTTPS://Admin.Example.net:443" => examples.push("https://admin.example.net"),
            "*" => examples.push("https://anyone.example"),
            exact => examples.push(exact),
        }
    }
    for regex in &spec.regexes {
        examples.push(match *regex {
            "https?://.*" => "http://anyone.example",
            _ => "https://pr-12.example.dev",
        });
    }
    if spec.predicate {
        examples.push("https://a.test");
    }
    if examples.is_empty() {
        examples.push("https://app.example.com");
    }
    examples
}

/// A policy and requests to it.
fn spec_and_requests() -> impl Strategy<Value = (Spec, Vec<Request>)> {
    spec().prop_flat_map(|spec| {
        let requests = vec(request(examples(&spec)), 1..8);
        (Just(spec), requests)
    })
}

// ---------------------------------------------------------------------------
// Random requests

/// A request header as sent: absent, on several lines, or one value.
#[derive(Clone, Debug)]
enum Field {
    Absent,
    Repeated,
    Value(Vec<u8>),
}

impl Field {
    fn as_header(&self) -> HeaderField<'_> {
        match self {
            Field::Absent => HeaderField::Absent,
            Field::Repeated => HeaderField::Repeated,
            Field::Value(v) => HeaderField::Value(v),
        }
    }

    fn value(&self) -> Option<&[u8]> {
        match self {
            Field::Value(v) => Some(v),
            _ => None,
        }
    }
}

#[derive(Clone, Debug)]
struct Request {
    method: String,
    origin: Field,
    request_method: Field,
    request_headers: Field,
    request_private_network: Field,
}

impl Request {
    fn as_cors(&self) -> CorsRequest<'_> {
        CorsRequest {
            method: &self.method,
            origin: self.origin.as_header(),
            request_method: self.request_method.as_header(),
            request_headers: self.request_headers.as_header(),
            request_private_network: self.request_private_network.as_header(),
        }
    }
}

/// Origins the universe allows, and look-alikes of them.
const ORIGIN_SAMPLES: [&str; 28] = [
    "https://app.example.com",
    "https://a.example.com",
    "https://a.b.example.com",
    "http://localhost:3000",
    "http://localhost",
    "http://localhost:5173",
    "https://x.example.org:8443",
    "https://admin.example.net",
    "https://pr-12.example.dev",
    "https://a.test",
    "null",
    "https://example.com.evil.com",
    "https://evilexample.com",
    "https://example.com@evil.com",
    "https://app.example.com.",
    "https://APP.example.com",
    "https://app.example.com:443",
    "http://app.example.com",
    "https://app.example.com/",
    "https://x.example.org",
    "https://x.example.org:8443.evil.com",
    "http://localhost.evil.com:3000",
    "https://pr-12.example.dev.evil.com",
    "HTTPS://Admin.Example.net:443",
    "https://a.test.evil",
    "NULL",
    "",
    "*",
];

fn field(value: impl Strategy<Value = Vec<u8>>) -> impl Strategy<Value = Field> {
    prop_oneof![
        3 => Just(Field::Absent),
        1 => Just(Field::Repeated),
        8 => value.prop_map(Field::Value),
    ]
}

/// Random bytes: mostly printable ASCII, sometimes anything.
fn junk() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        vec(0x20u8..0x7f, 0..24),
        vec(any::<u8>(), 0..24),
        (select(vec![600usize, 5_000, 70_000]), any::<u8>()).prop_map(|(n, b)| vec![b; n]),
    ]
}

fn origin_value(allowed: Vec<&'static str>) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        6 => select(allowed).prop_map(|s| s.as_bytes().to_vec()),
        6 => select(ORIGIN_SAMPLES.to_vec()).prop_map(|s| s.as_bytes().to_vec()),
        1 => "https?://[a-z.]{1,20}(:[0-9]{1,5})?".prop_map(String::into_bytes),
        1 => junk(),
    ]
}

const METHOD_TOKENS: [&str; 9] = [
    "GET", "HEAD", "POST", "PUT", "PATCH", "patch", "DELETE", "PURGE", "*",
];

fn request_method_value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        6 => select(METHOD_TOKENS.to_vec()).prop_map(|s| s.as_bytes().to_vec()),
        1 => junk(),
    ]
}

/// Header names a browser could send, `*` included (a valid token).
const HEADER_NAMES: [&str; 7] = [
    "x-a",
    "X-B",
    "authorization",
    "Authorization",
    "content-type",
    "x-other",
    "*",
];
/// Elements no browser sends, each of which spoils the whole list.
const BAD_ELEMENTS: [&str; 5] = ["", " ", "x c", "x-caf\u{e9}", "x:y"];

fn request_headers_value() -> impl Strategy<Value = Vec<u8>> {
    let element = prop_oneof![
        8 => select(HEADER_NAMES.to_vec()),
        1 => select(BAD_ELEMENTS.to_vec()),
    ];
    prop_oneof![
        6 => (vec(element, 1..5), select(vec![",", ", "]))
            .prop_map(|(names, sep)| names.join(sep).into_bytes()),
        1 => junk(),
    ]
}

fn request(allowed_origins: Vec<&'static str>) -> impl Strategy<Value = Request> {
    (
        select(vec![
            "GET", "OPTIONS", "OPTIONS", "OPTIONS", "POST", "PUT", "options", "HEAD",
        ]),
        field(origin_value(allowed_origins)),
        field(request_method_value()),
        field(request_headers_value()),
        field(select(vec!["true", "false", "TRUE", ""]).prop_map(|s| s.as_bytes().to_vec())),
    )
        .prop_map(
            |(method, origin, request_method, request_headers, request_private_network)| Request {
                method: method.to_owned(),
                origin,
                request_method,
                request_headers,
                request_private_network,
            },
        )
}

// ---------------------------------------------------------------------------
// The invariants every decision keeps

/// Whether a comma-separated header value has a `*` element.
fn has_star(value: &[u8]) -> bool {
    value.split(|&b| b == b',').any(|e| e.trim_ascii() == b"*")
}

fn check_decision(spec: &Spec, policy: &Policy, request: &Request) -> Result<(), TestCaseError> {
    let decision = policy.decide(&request.as_cors());
    let headers = decision.headers();
    let all: Vec<(&str, &str)> = headers.iter().collect();
    let vary = headers.vary();

    // Classification.
    let expected_kind = if !request.origin.as_header().is_present() {
        RequestKind::NotCors
    } else if request.method == "OPTIONS" && request.request_method.as_header().is_present() {
        RequestKind::Preflight
    } else {
        RequestKind::Actual
    };
    prop_assert_eq!(decision.kind(), expected_kind);
    if decision.kind() == RequestKind::NotCors {
        prop_assert!(decision.is_allowed());
    }

    // S1, S6: each header once; ACAO is `*` or the request's Origin bytes.
    let mut names: Vec<&str> = all.iter().map(|(n, _)| *n).collect();
    names.sort_unstable();
    names.dedup();
    prop_assert_eq!(names.len(), all.len(), "a header twice: {:?}", all);
    if let Some(acao) = headers.get(ACAO) {
        prop_assert_eq!(headers.allow_origin(), Some(acao));
        if acao == "*" {
            prop_assert!(spec.is_static(), "`*` from a non-static policy");
        } else {
            prop_assert_eq!(Some(acao.as_bytes()), request.origin.value());
        }
    }

    // A refusal carries nothing but Vary.
    if !decision.is_allowed() {
        prop_assert!(all.is_empty(), "refused with headers {:?}", all);
    }

    // S2: with credentials, ACAC is exactly `true` on every allowed CORS
    // answer, and no Access-Control-* value is `*`. The one exception is an
    // echo of a method or header literally named `*`, which is what `*`
    // means on a credentialed request (a8, a7).
    if spec.credentials {
        let cors = decision.kind() != RequestKind::NotCors;
        prop_assert_eq!(
            headers.get(ACAC),
            (cors && decision.is_allowed()).then_some("true")
        );
        for (name, value) in &all {
            let asked = match *name {
                ACAM => request.request_method.value() == Some(b"*".as_slice()),
                ACAH => request.request_headers.value().is_some_and(has_star),
                _ => false,
            };
            prop_assert!(
                asked || !has_star(value.as_bytes()),
                "`*` in {} with credentials: {:?}",
                name,
                all
            );
        }
    } else {
        prop_assert_eq!(headers.get(ACAC), None);
    }

    // S9: Vary says Origin whenever the answer is not the static `*`.
    if !spec.vary {
        prop_assert!(vary.is_empty(), "Vary {:?} with vary(false)", vary);
    } else if !spec.is_static() {
        prop_assert!(vary.contains(Vary::ORIGIN), "Vary {:?}", vary);
    }

    // S8: preflight headers only on preflights, ACEH never on them.
    match decision.kind() {
        RequestKind::Preflight => prop_assert_eq!(headers.get(ACEH), None),
        _ => {
            for name in [ACAM, ACAH, ACMA, ACAPN] {
                prop_assert_eq!(headers.get(name), None, "{} off a preflight", name);
            }
        }
    }

    // S13: ACAPN only when enabled, asked with `true`, and allowed.
    if headers.get(ACAPN).is_some() {
        prop_assert!(spec.private_network);
        prop_assert_eq!(
            request.request_private_network.value(),
            Some(b"true".as_slice())
        );
        prop_assert!(decision.is_allowed());
    }

    // A max-age, when set, goes on every allowed preflight.
    if decision.kind() == RequestKind::Preflight && decision.is_allowed() {
        let expected = spec.max_age.map(|s| s.to_string());
        prop_assert_eq!(headers.get(ACMA), expected.as_deref());
    }
    Ok(())
}

/// A cacheable answer without `Vary: Origin` is reused for every origin, so
/// it must be exactly what every origin that is let through would get.
/// (`vary(false)` is the user's word that no cache sits in between.)
fn check_cacheable_answer_is_origin_independent(
    spec: &Spec,
    policy: &Policy,
    request: &Request,
) -> Result<(), TestCaseError> {
    if request.method != "GET" || !spec.vary {
        return Ok(());
    }
    let decision = policy.decide(&request.as_cors());
    if decision.headers().vary().contains(Vary::ORIGIN) {
        return Ok(());
    }
    let cached: Vec<_> = decision.headers().iter().collect();
    for other in ORIGIN_SAMPLES.iter().map(|o| Some(*o)).chain([None]) {
        let mut other_request = request.as_cors();
        other_request.origin = other.into();
        let fresh = policy.decide(&other_request);
        if fresh.is_allowed() {
            let fresh: Vec<_> = fresh.headers().iter().collect();
            prop_assert_eq!(
                &cached,
                &fresh,
                "the answer for Origin {:?} would be served for {:?}",
                request.origin,
                other
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    /// Never panics, and every decision keeps the invariants above.
    #[test]
    fn every_decision_keeps_the_server_invariants((spec, requests) in spec_and_requests()) {
        let policy = spec.build();
        prop_assume!(policy.is_some());
        let policy = policy.unwrap();
        for request in &requests {
            check_decision(&spec, &policy, request)?;
            check_cacheable_answer_is_origin_independent(&spec, &policy, request)?;
        }
    }

    /// The same, on requests that look like what browsers send.
    #[test]
    fn browser_shaped_requests_keep_the_server_invariants(
        (spec, origin) in spec().prop_flat_map(|spec| {
            let origins: Vec<_> = examples(&spec).into_iter().chain(ORIGIN_SAMPLES).collect();
            (Just(spec), select(origins))
        }),
        method in select(METHOD_TOKENS.to_vec()),
        names in subsequence(vec!["authorization", "content-type", "x-a", "x-b"], 0..=4),
        preflight in any::<bool>(),
        private_network in any::<bool>(),
    ) {
        let policy = spec.build();
        prop_assume!(policy.is_some());
        let policy = policy.unwrap();
        let sent = |value: &str| Field::Value(value.as_bytes().to_vec());
        let request = Request {
            method: if preflight { "OPTIONS".into() } else { method.into() },
            origin: sent(origin),
            request_method: if preflight { sent(method) } else { Field::Absent },
            request_headers: if preflight && !names.is_empty() {
                sent(&names.join(","))
            } else {
                Field::Absent
            },
            request_private_network: if private_network { sent("true") } else { Field::Absent },
        };
        check_decision(&spec, &policy, &request)?;
        check_cacheable_answer_is_origin_independent(&spec, &policy, &request)?;
    }
}

// ---------------------------------------------------------------------------
// The subdomain-pattern matcher against a reference

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PortRule {
    Default,
    Exact(u16),
    Any,
}

#[derive(Clone, Debug)]
struct Pattern {
    scheme: &'static str,
    parent: &'static str,
    port: PortRule,
}

impl Pattern {
    fn declared(&self) -> String {
        let port = match self.port {
            PortRule::Default => String::new(),
            PortRule::Exact(p) => format!(":{p}"),
            PortRule::Any => ":*".to_owned(),
        };
        format!("{}://*.{}{port}", self.scheme, self.parent)
    }

    fn default_port(&self) -> u16 {
        if self.scheme == "https" {
            443
        } else {
            80
        }
    }
}

/// The slow, obviously correct rule: the origin is canonical (lower-case
/// scheme and host of well-formed labels, no default or zero-padded port),
/// its scheme and port are the pattern's, and its host ends with `.parent`.
fn reference_allows(pattern: &Pattern, origin: &str) -> bool {
    let Some((scheme, authority)) = origin.split_once("://") else {
        return false;
    };
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    };
    let label_ok = |label: &str| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    };
    let host_ok = host.len() <= 253 && host.split('.').all(label_ok);
    let port = match port {
        None => None,
        Some(p) => {
            let canonical = !p.is_empty()
                && p.chars().all(|c| c.is_ascii_digit())
                && !p.starts_with('0')
                && p.len() <= 5;
            match p.parse::<u32>() {
                Ok(n) if canonical && (1..=65_535).contains(&n) => Some(n as u16),
                _ => return false,
            }
        }
    };
    if port == Some(pattern.default_port()) {
        return false;
    }
    scheme == pattern.scheme
        && host_ok
        && host.ends_with(&format!(".{}", pattern.parent))
        && match pattern.port {
            PortRule::Default => port.is_none(),
            PortRule::Exact(p) => port == Some(p),
            PortRule::Any => true,
        }
}

fn pattern() -> impl Strategy<Value = Pattern> {
    (
        select(vec!["http", "https"]),
        select(vec![
            "example.com",
            "a.example.com",
            "example.co.uk",
            "localhost",
            "xn--p1ai.example",
        ]),
        select(vec![
            PortRule::Default,
            PortRule::Exact(8443),
            PortRule::Any,
        ]),
    )
        .prop_map(|(scheme, parent, port)| Pattern {
            scheme,
            parent,
            port,
        })
}

/// Origins built from a small alphabet of labels, often ending in the
/// pattern's parent or a near miss of it.
fn origin_near(pattern: &Pattern) -> impl Strategy<Value = String> {
    let parent = pattern.parent;
    (
        select(vec!["http", "https", "HTTPS", "wss"]),
        vec(
            select(vec![
                "a", "b", "example", "com", "Example", "xn--p1ai", "-a", "a-", "a_b", "", "evil",
                "1", "u@a",
            ]),
            0..4,
        ),
        select(vec![
            parent.to_owned(),
            parent.to_owned(),
            parent.to_owned(),
            format!("{parent}."),
            format!("{parent}.evil.com"),
            format!("evil{parent}"),
            parent.to_ascii_uppercase(),
            parent
                .split_once('.')
                .map_or("com", |(_, rest)| rest)
                .to_owned(),
        ]),
        select(vec![
            "", "", ":8443", ":443", ":80", ":08443", ":3000", ":0", ":65536", ":", ":*",
        ]),
    )
        .prop_map(|(scheme, labels, tail, port)| {
            let mut host = labels.join(".");
            if !host.is_empty() {
                host.push('.');
            }
            host.push_str(&tail);
            format!("{scheme}://{host}{port}")
        })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn subdomain_patterns_agree_with_the_reference(
        (pattern, origins) in pattern().prop_flat_map(|p| {
            let near = vec(origin_near(&p), 1..16);
            (Just(p), near)
        })
    ) {
        let policy = Policy::builder().allowed_origin(pattern.declared()).build();
        prop_assert!(policy.is_ok(), "{}: {:?}", pattern.declared(), policy.err());
        let policy = policy.unwrap();
        for origin in &origins {
            let expected = reference_allows(&pattern, origin);
            prop_assert_eq!(
                policy.allows_origin(origin),
                expected,
                "{} and {}",
                pattern.declared(),
                origin
            );
            let decision = policy.decide(&CorsRequest::new("GET").origin(origin));
            prop_assert_eq!(decision.headers().allow_origin().is_some(), expected);
        }
    }
}

#[test]
fn the_subdomain_reference_is_itself_right_on_known_cases() {
    let pattern = Pattern {
        scheme: "https",
        parent: "example.com",
        port: PortRule::Default,
    };
    for yes in ["https://a.example.com", "https://a.b.example.com"] {
        assert!(reference_allows(&pattern, yes), "{yes}");
    }
    for no in [
        "https://example.com",
        "https://evilexample.com",
        "https://a.example.com:443",
        "https://A.example.com",
        "https://a.example.com.",
        "http://a.example.com",
        "https://u@a.example.com",
        "https://a.example.com:8443",
    ] {
        assert!(!reference_allows(&pattern, no), "{no}");
    }
}
