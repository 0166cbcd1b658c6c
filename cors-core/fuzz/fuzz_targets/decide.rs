//! `Policy::decide` on arbitrary bytes in the method, `Origin`,
//! `Access-Control-Request-Method`, `-Headers` and `-Private-Network`,
//! under a few fixed policies. Besides never panicking, every decision must
//! keep the guarantees of SECURITY.md that do not depend on the policy's
//! intent (G1, G2, G4, G10).
//!
//! Input layout (so seeds can be written by hand):
//! - byte 0: for each of Origin, ACRM, ACRH, ACRPN (2 bits each, low bits
//!   first): 0 absent, 1 or 2 one value, 3 sent twice;
//! - then the method, Origin, ACRM, ACRH and ACRPN values, separated by
//!   0xFF (a byte that never occurs in UTF-8, so every other byte, controls
//!   included, can appear in a value).

#![no_main]

use std::sync::OnceLock;

use cors_core::{header, CorsRequest, HeaderField, Policy, RequestKind};
use libfuzzer_sys::fuzz_target;

fn policies() -> &'static [Policy] {
    static POLICIES: OnceLock<Vec<Policy>> = OnceLock::new();
    POLICIES.get_or_init(|| {
        let build = |b: cors_core::PolicyBuilder| b.build().expect("valid fuzz policy");
        vec![
            build(
                Policy::builder()
                    .allowed_origins([
                        "https://app.example.com",
                        "https://*.example.com",
                        "http://localhost:*",
                        "https://*.foo.com:8443",
                    ])
                    .allowed_methods(["GET", "PUT", "patch"])
                    .case_sensitive_methods(true)
                    .allowed_headers(["content-type", "authorization", "x-a"])
                    .expose_headers(["x-request-id"])
                    .allow_credentials(true)
                    .allow_private_network(true)
                    .max_age(600),
            ),
            build(
                Policy::builder()
                    .allow_any_origin()
                    .allow_any_method()
                    .allow_any_header()
                    .expose_any_header(),
            ),
            build(
                Policy::builder()
                    .allowed_origin_regex(r"https://pr-\d+\.example\.dev")
                    .allow_any_method()
                    .mirror_request_headers()
                    .allow_credentials(true),
            ),
            build(
                Policy::builder()
                    .allow_null_origin(true)
                    .allowed_origins(["null", "http://127.0.0.1:*", "http://[::1]:*"])
                    .allow_any_header()
                    .allow_credentials(true),
            ),
            build(
                Policy::builder()
                    .allowed_origin_fn(|o| o.len() % 3 == 0)
                    .allowed_headers(["*"])
                    .vary(false),
            ),
        ]
    })
}

fn field(mode: u8, value: &[u8]) -> HeaderField<'_> {
    match mode & 3 {
        0 => HeaderField::Absent,
        3 => HeaderField::Repeated,
        _ => HeaderField::Value(value),
    }
}

fn has_star(value: &str) -> bool {
    value.split(',').any(|e| e.trim() == "*")
}

fuzz_target!(|data: &[u8]| {
    let Some((&modes, rest)) = data.split_first() else {
        return;
    };
    let mut parts = rest.split(|&b| b == 0xFF);
    let mut next = || parts.next().unwrap_or_default();
    let (method, origin, acrm, acrh, acrpn) = (next(), next(), next(), next(), next());
    let request = CorsRequest {
        method: std::str::from_utf8(method).unwrap_or("OPTIONS"),
        origin: field(modes, origin),
        request_method: field(modes >> 2, acrm),
        request_headers: field(modes >> 4, acrh),
        request_private_network: field(modes >> 6, acrpn),
    };

    for policy in policies() {
        let decision = policy.decide(&request);
        let headers = decision.headers();
        let all: Vec<(&str, &str)> = headers.iter().collect();

        // Every header once, and a value a response header can carry as is:
        // printable ASCII and HTAB, never a line break.
        for (name, value) in &all {
            assert_eq!(
                all.iter().filter(|(n, _)| n == name).count(),
                1,
                "{name} twice"
            );
            assert!(
                value
                    .bytes()
                    .all(|b| (0x20..0x7f).contains(&b) || b == b'\t'),
                "{name}: {value:?} is not a clean header value"
            );
        }
        // G1: ACAO is `*` or the Origin echoed byte for byte.
        if let Some(acao) = headers.allow_origin() {
            assert!(
                acao == "*" || request.origin == HeaderField::Value(acao.as_bytes()),
                "ACAO {acao:?} for {:?}",
                request.origin
            );
        }
        // G2: no `*` with credentials, unless a literal `*` was asked for.
        if policy.allows_credentials() {
            assert_ne!(headers.allow_origin(), Some("*"));
            for (name, value) in &all {
                let asked = |field: HeaderField<'_>| match field {
                    HeaderField::Value(v) => has_star(&String::from_utf8_lossy(v)),
                    _ => false,
                };
                let literal = match *name {
                    header::ACCESS_CONTROL_ALLOW_METHODS => asked(request.request_method),
                    header::ACCESS_CONTROL_ALLOW_HEADERS => asked(request.request_headers),
                    _ => false,
                };
                assert!(
                    literal || !has_star(value),
                    "{name}: {value} with credentials"
                );
            }
        }
        // A refusal carries nothing but Vary.
        if !decision.is_allowed() {
            assert!(all.is_empty(), "refused with {all:?}");
        }
        // G4: preflight headers only on preflights, ACEH never on them.
        if decision.kind() == RequestKind::Preflight {
            assert_eq!(headers.get(header::ACCESS_CONTROL_EXPOSE_HEADERS), None);
        } else {
            for name in [
                header::ACCESS_CONTROL_ALLOW_METHODS,
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                header::ACCESS_CONTROL_MAX_AGE,
                header::ACCESS_CONTROL_ALLOW_PRIVATE_NETWORK,
            ] {
                assert_eq!(headers.get(name), None, "{name} off a preflight");
            }
        }
        // G10: the log text is one bounded line.
        if let Some(rejection) = decision.rejection() {
            let text = rejection.to_string();
            assert!(!text.chars().any(char::is_control), "{text:?}");
            assert!(text.len() < 1024, "{} bytes of log text", text.len());
        }
    }
});
