//! Explaining decisions where developers look: the log. Every rejection is a
//! `warn` event with structured fields and a sentence saying what to change.

use cors_core::{Decision, Escaped, Policy, Rejection, RequestKind, Setting};

/// The request facts a log line names.
pub(crate) struct RequestFacts<'a> {
    pub(crate) method: &'a str,
    pub(crate) path: &'a str,
    pub(crate) origin: Option<&'a str>,
}

/// Logs one decision: `debug` always, `warn` with the fix when refused.
pub(crate) fn log_decision(facts: &RequestFacts<'_>, decision: &Decision<'_>, policy: &Policy) {
    let kind = match decision.kind() {
        RequestKind::NotCors => return,
        RequestKind::Actual => "request",
        RequestKind::Preflight => "preflight",
    };
    let origin = Escaped(facts.origin.unwrap_or(""));
    let Some(rejection) = decision.rejection() else {
        tracing::debug!(
            origin = %origin,
            method = facts.method,
            path = %Escaped(facts.path),
            kind,
            "CORS {kind} from `{origin}` allowed"
        );
        return;
    };
    let (setting, advice) = advice(rejection, policy, facts);
    let location = setting.map(|s| policy.setting_location(s).to_string());
    let consequence = match decision.kind() {
        RequestKind::Preflight => "the browser will not send the request",
        _ => "the handler ran, but the browser will hide the response from the page",
    };
    tracing::warn!(
        origin = %origin,
        method = facts.method,
        path = %Escaped(facts.path),
        reason = rejection.code(),
        setting = location.as_deref().unwrap_or(""),
        "CORS {kind} from `{origin}` to {} {} rejected: {rejection}{advice}; {consequence}",
        facts.method,
        Escaped(facts.path),
    );
}

/// The setting at fault and a sentence on what to change.
fn advice(
    rejection: &Rejection<'_>,
    policy: &Policy,
    facts: &RequestFacts<'_>,
) -> (Option<Setting>, String) {
    let fix = |setting: Setting, what: &str| {
        format!(
            " (allowed: {}); {what} {}",
            policy.describe(setting),
            policy.setting_location(setting)
        )
    };
    match rejection {
        Rejection::OriginNotAllowed { origin } => {
            let mut text = fix(
                Setting::AllowedOrigins,
                "if this front end is trusted, add it to",
            );
            if let Some(near) = near_miss(origin, policy) {
                text.push_str(&format!(
                    "; did you mean `{near}`? ({})",
                    near_miss_reason(origin, near)
                ));
            }
            (Some(Setting::AllowedOrigins), text)
        }
        Rejection::MethodNotAllowed { .. } => (
            Some(Setting::AllowedMethods),
            fix(Setting::AllowedMethods, "add it to"),
        ),
        Rejection::HeaderNotAllowed { .. } => (
            Some(Setting::AllowedHeaders),
            fix(Setting::AllowedHeaders, "add it to"),
        ),
        Rejection::PrivateNetworkNotAllowed => (
            Some(Setting::AllowPrivateNetwork),
            format!(
                "; enable it with {}",
                policy.setting_location(Setting::AllowPrivateNetwork)
            ),
        ),
        _ => (
            None,
            format!(
                " (method {}); browsers never send this, so a hand-made request or a proxy \
                 rewriting headers is the likely cause",
                facts.method
            ),
        ),
    }
}

/// An allowed origin the request's origin differs from only by scheme,
/// port, a `www.` or a trailing slash: the classic near-misses.
pub(crate) fn near_miss<'p>(origin: &str, policy: &'p Policy) -> Option<&'p str> {
    let (scheme, authority) = origin.trim_end_matches('/').split_once("://")?;
    let host = host_of(authority);
    policy.declared_origins().find(|allowed| {
        let Some((a_scheme, a_authority)) = allowed.split_once("://") else {
            return false;
        };
        let a_host = host_of(a_authority);
        let same_host = a_host.eq_ignore_ascii_case(host)
            || a_host.strip_prefix("www.") == Some(host)
            || host.strip_prefix("www.") == Some(a_host);
        same_host
            && (a_scheme != scheme || a_authority != authority || origin.ends_with('/'))
            && !allowed.contains('*')
    })
}

fn host_of(authority: &str) -> &str {
    authority.rsplit_once(':').map_or(authority, |(h, _)| h)
}

fn near_miss_reason(origin: &str, allowed: &str) -> &'static str {
    let (scheme, authority) = origin.split_once("://").unwrap_or(("", origin));
    let (a_scheme, a_authority) = allowed.split_once("://").unwrap_or(("", allowed));
    if origin.ends_with('/') {
        "origins never end with a slash"
    } else if scheme != a_scheme {
        "the scheme differs"
    } else if host_of(authority) != host_of(a_authority) {
        "`www.` differs"
    } else {
        "the port differs"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_misses_name_the_difference() {
        let policy = Policy::builder()
            .allowed_origins(["https://app.example.com", "http://localhost:3000"])
            .build()
            .unwrap();
        let cases = [
            (
                "http://app.example.com",
                Some("https://app.example.com"),
                "the scheme differs",
            ),
            (
                "https://www.app.example.com",
                Some("https://app.example.com"),
                "`www.` differs",
            ),
            (
                "http://localhost:3001",
                Some("http://localhost:3000"),
                "the port differs",
            ),
            (
                "https://app.example.com/",
                Some("https://app.example.com"),
                "origins never end with a slash",
            ),
        ];
        for (origin, expected, reason) in cases {
            let near = near_miss(origin, &policy);
            assert_eq!(near, expected, "{origin}");
            assert_eq!(near_miss_reason(origin, near.unwrap()), reason, "{origin}");
        }
        assert_eq!(near_miss("https://evil.example", &policy), None);
    }
}
