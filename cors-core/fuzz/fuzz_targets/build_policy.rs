//! Building a policy from arbitrary strings, through the builder, the
//! environment (`builder_from_lookup`) and a handler override (`merge`):
//! never panics; a built policy rebuilds from its own declaration; any
//! origin with credentials never builds (G2); max-age above 86400 never
//! builds (G9); error, warning and summary texts render.
//!
//! Input layout: fields separated by 0xFF, list items within a field by
//! 0xFE (bytes that never occur in UTF-8): origins, regexes, methods,
//! headers, exposed headers, a flags byte, a max-age (decimal text), and
//! then the same eight settings again as environment variable values.

#![no_main]

use cors_core::{
    builder_from_lookup, unknown_variables, ConfigProblem, CorsRequest, Policy, PolicyBuilder,
    PolicyOverride, Provenance, Setting,
};
use libfuzzer_sys::fuzz_target;

fn list(field: &[u8]) -> Vec<String> {
    if field.is_empty() {
        return Vec::new();
    }
    field
        .split(|&b| b == 0xFE)
        .map(|item| String::from_utf8_lossy(item).into_owned())
        .collect()
}

fn text(field: &[u8]) -> String {
    String::from_utf8_lossy(field).into_owned()
}

/// Builds, then checks what every build must satisfy.
fn check(builder: PolicyBuilder) {
    let declared = format!("{builder:?}");
    match builder.build() {
        Ok(policy) => {
            let _ = policy.to_string();
            for warning in policy.warnings() {
                let _ = warning.to_string();
            }
            for setting in Setting::ALL {
                let _ = policy.describe(setting);
                let _ = policy.setting_location(setting).to_string();
            }
            // G2: never `*`, nor regexes admitting any https (or any http)
            // origin, with credentials. The regex check tries the engine's
            // own canary origins, so skip it if they were written exactly.
            if policy.allows_credentials() {
                let declared: Vec<&str> = policy.declared_origins().collect();
                // Judged by the answer, not the declaration: a regex such as
                // ` *` (spaces) reads `*` once trimmed but admits no origin.
                let answer = policy.decide(&CorsRequest::new("GET").origin("https://fuzz.example"));
                assert_ne!(
                    answer.headers().allow_origin(),
                    Some("*"),
                    "credentials with `*` built: {declared:?}"
                );
                if !declared
                    .iter()
                    .any(|o| o.contains("canary") || o.contains("xn--80ak6aa92e"))
                {
                    for canaries in [
                        [
                            "https://cors-canary.invalid",
                            "https://xn--80ak6aa92e.example:8443",
                        ],
                        [
                            "http://cors-canary.invalid",
                            "http://xn--80ak6aa92e.example:8080",
                        ],
                    ] {
                        assert!(
                            !canaries.iter().all(|c| policy.allows_origin(c)),
                            "credentials with a match-anything regex built: {declared:?}"
                        );
                    }
                }
            }
            // A policy rebuilds from its own declaration.
            let rebuilt = policy.to_builder().build();
            assert!(rebuilt.is_ok(), "{declared} does not rebuild: {rebuilt:?}");
            let _ = policy.decide(
                &CorsRequest::new("OPTIONS")
                    .origin("https://a.example.com")
                    .request_method("PUT")
                    .request_headers("authorization,x-a"),
            );
            let _ = policy.decide(&CorsRequest::new("GET").origin("null"));
        }
        Err(error) => {
            assert!(!error.problems().is_empty());
            let _ = error.to_string();
            for problem in error.problems() {
                // G9: a max-age above the cap is always named as such.
                if let ConfigProblem::MaxAgeTooLarge { value, .. } = problem {
                    assert!(*value > 86_400);
                }
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let mut fields = data.split(|&b| b == 0xFF);
    let mut next = || fields.next().unwrap_or_default();
    let (origins, regexes, methods, headers, expose) = (
        list(next()),
        list(next()),
        list(next()),
        list(next()),
        list(next()),
    );
    let flags = next().first().copied().unwrap_or_default();
    let max_age = text(next()).trim().parse::<u64>().ok();
    let env: Vec<String> = (0..Setting::ALL.len()).map(|_| text(next())).collect();

    // The builder.
    let mut builder = Policy::builder()
        .allowed_origins(origins.iter().cloned())
        .allowed_methods(methods.iter().cloned())
        .expose_headers(expose.iter().cloned())
        .allow_credentials(flags & 1 != 0)
        .allow_null_origin(flags & 2 != 0)
        .allow_private_network(flags & 4 != 0)
        .vary(flags & 8 != 0);
    builder = if flags & 16 != 0 {
        builder.mirror_request_headers()
    } else {
        builder.allowed_headers(headers.iter().cloned())
    };
    for regex in &regexes {
        builder = builder.allowed_origin_regex(regex.clone());
    }
    if let Some(seconds) = max_age {
        builder = builder.max_age(seconds);
    }
    check(builder.clone());

    // A handler override on top of it, as `#[cors(...)]` merges one.
    let over = PolicyOverride {
        origins: (flags & 32 != 0).then(|| origins.clone()),
        origin_regexes: (flags & 64 != 0).then(|| regexes.clone()),
        methods: (flags & 128 != 0).then(|| methods.clone()),
        headers: Some(headers.clone()),
        expose: None,
        credentials: Some(flags & 1 == 0),
        max_age,
        private_network: None,
        timing_allow_origin: (flags & 8 != 0).then_some(true),
        cross_origin_protection: (flags & 16 != 0).then_some(true),
    };
    let handler = Provenance::Handler {
        handler: text(env[0].as_bytes()),
        path: "/fuzz".into(),
    };
    check(builder.merge(&over, &handler));

    // The environment.
    let lookup = |name: &str| {
        Setting::ALL
            .iter()
            .position(|s| name == format!("FUZZ_{}", s.env_var()))
            .map(|i| env[i].clone())
    };
    match builder_from_lookup("FUZZ_", lookup) {
        Ok(builder) => check(builder),
        Err(error) => {
            let _ = error.to_string();
        }
    }
    for unknown in unknown_variables("FUZZ_", env.iter()) {
        let _ = unknown.to_string();
    }
});
