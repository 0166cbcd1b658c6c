//! Cross-origin protection, rule by rule, through the public API.

use cors_core::{CrossOriginRefusal, HeaderField, Policy, WriteRequest};
use proptest::prelude::*;

const APP: &str = "https://app.example";
const HOST: &str = "bank.example";

fn protected() -> Policy {
    Policy::builder()
        .allowed_origin(APP)
        .allowed_methods(["GET", "POST", "PUT", "DELETE"])
        .allow_credentials(true)
        .cross_origin_protection(true)
        .build()
        .expect("valid policy")
}

fn request<'a>(
    method: &'a str,
    origin: Option<&'a str>,
    site: Option<&'a str>,
) -> WriteRequest<'a> {
    WriteRequest {
        method,
        origin: origin.map_or(HeaderField::Absent, |o| HeaderField::Value(o.as_bytes())),
        sec_fetch_site: site.map(str::as_bytes),
        host: Some(HOST.as_bytes()),
        origin_allowed_elsewhere: false,
    }
}

#[test]
fn each_rule_of_the_protection() {
    let policy = protected();
    let same = "https://bank.example";
    let sibling = "https://www.bank.example";
    let evil = "https://evil.example";
    for (method, origin, site, passes, why) in [
        (
            "GET",
            Some(evil),
            Some("cross-site"),
            true,
            "GET always passes",
        ),
        (
            "HEAD",
            Some(evil),
            Some("cross-site"),
            true,
            "HEAD always passes",
        ),
        (
            "OPTIONS",
            Some(evil),
            Some("cross-site"),
            true,
            "OPTIONS always passes",
        ),
        (
            "POST",
            Some(same),
            Some("same-origin"),
            true,
            "same-origin passes",
        ),
        (
            "POST",
            None,
            Some("none"),
            true,
            "user-initiated (none) passes",
        ),
        (
            "POST",
            Some(evil),
            Some("cross-site"),
            false,
            "cross-site from an untrusted origin",
        ),
        (
            "DELETE",
            Some(evil),
            Some("cross-site"),
            false,
            "any unsafe method",
        ),
        (
            "PATCH",
            Some(evil),
            Some("cross-site"),
            false,
            "methods the policy does not list too",
        ),
        (
            "POST",
            Some(sibling),
            Some("same-site"),
            false,
            "same-site is another origin",
        ),
        (
            "POST",
            Some(APP),
            Some("cross-site"),
            true,
            "the policy's origin is trusted",
        ),
        (
            "PUT",
            Some(APP),
            Some("same-site"),
            true,
            "trusted whatever the site",
        ),
        (
            "POST",
            None,
            Some("cross-site"),
            false,
            "cross-site without an origin to trust",
        ),
        (
            "POST",
            Some(same),
            None,
            true,
            "no fetch metadata: Origin is the Host",
        ),
        (
            "POST",
            None,
            None,
            true,
            "no Origin, no fetch metadata: not a browser",
        ),
        (
            "POST",
            Some(evil),
            None,
            false,
            "no fetch metadata: another host",
        ),
        (
            "POST",
            Some(APP),
            None,
            true,
            "no fetch metadata: trusted origin",
        ),
        (
            "POST",
            Some("null"),
            None,
            false,
            "null is not the host and not allowed",
        ),
    ] {
        let result = policy.check_cross_origin(&request(method, origin, site));
        assert_eq!(
            result.is_ok(),
            passes,
            "{why}: {method} {origin:?} {site:?} -> {result:?}"
        );
    }
}

#[test]
fn refusals_say_why_in_plain_words() {
    let policy = protected();
    let err = policy
        .check_cross_origin(&request(
            "POST",
            Some("https://evil.example"),
            Some("cross-site"),
        ))
        .unwrap_err();
    assert_eq!(err.code(), "cross-origin-write");
    assert_eq!(
        err.to_string(),
        "`Sec-Fetch-Site: cross-site` and the origin `https://evil.example` is not allowed"
    );
    let err = policy
        .check_cross_origin(&request("POST", Some("https://evil.example"), None))
        .unwrap_err();
    assert!(matches!(err, CrossOriginRefusal::OriginNotHost { .. }));
    assert_eq!(
        err.to_string(),
        "no `Sec-Fetch-Site`, and the origin `https://evil.example` is neither the request's \
         host `bank.example` nor allowed"
    );
}

#[test]
fn off_by_default() {
    let policy = Policy::builder().allowed_origin(APP).build().unwrap();
    assert!(!policy.cross_origin_protection());
    assert!(policy
        .check_cross_origin(&request(
            "POST",
            Some("https://evil.example"),
            Some("cross-site")
        ))
        .is_ok());
}

#[test]
fn any_origin_trusts_nobody_for_writes_unless_told() {
    let public = Policy::builder()
        .allow_any_origin()
        .cross_origin_protection(true)
        .build()
        .unwrap();
    let cross = request("POST", Some("https://evil.example"), Some("cross-site"));
    assert!(public.check_cross_origin(&cross).is_err());
    assert!(public
        .check_cross_origin(&request(
            "POST",
            Some("https://bank.example"),
            Some("same-origin")
        ))
        .is_ok());
    let open = Policy::builder()
        .allow_any_origin()
        .cross_origin_protection(true)
        .cross_origin_writes_from_any_origin(true)
        .build()
        .unwrap();
    assert!(open.check_cross_origin(&cross).is_ok());
}

#[test]
fn the_environment_and_a_handler_override_turn_it_on_and_off() {
    let policy = cors_core::builder_from_lookup("", |name| match name {
        "CORS_ALLOWED_ORIGINS" => Some(APP.to_owned()),
        "CORS_CROSS_ORIGIN_PROTECTION" => Some("true".to_owned()),
        _ => None,
    })
    .unwrap()
    .build()
    .unwrap();
    assert!(policy.cross_origin_protection());
    let exempt = policy
        .to_builder()
        .merge(
            &cors_core::PolicyOverride {
                cross_origin_protection: Some(false),
                ..Default::default()
            },
            &cors_core::Provenance::Builder,
        )
        .build()
        .unwrap();
    assert!(!exempt.cross_origin_protection());
}

proptest! {
    /// No request with a safe method is ever refused, whatever its headers.
    #[test]
    fn safe_methods_are_never_refused(
        method in prop::sample::select(vec!["GET", "HEAD", "OPTIONS"]),
        origin in prop::option::of("[ -~]{0,40}"),
        site in prop::option::of("[ -~]{0,20}"),
        host in prop::option::of("[ -~]{0,30}"),
        any in any::<bool>(),
    ) {
        let builder = Policy::builder().cross_origin_protection(true);
        let policy = if any { builder.allow_any_origin() } else { builder.allowed_origin(APP) }
            .build()
            .unwrap();
        let req = WriteRequest {
            method,
            origin: origin.as_deref().map_or(HeaderField::Absent, |o| HeaderField::Value(o.as_bytes())),
            sec_fetch_site: site.as_deref().map(str::as_bytes),
            host: host.as_deref().map(str::as_bytes),
            origin_allowed_elsewhere: false,
        };
        prop_assert!(policy.check_cross_origin(&req).is_ok());
    }
}
