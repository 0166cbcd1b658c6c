//! Explaining decisions where developers look: the log.
//!
//! - Every refused CORS request is one `warn` event (target
//!   `cors_actix::diagnostics`) with structured fields (`origin`, `method`,
//!   `path`, `kind`, `requested_method`, `reason`, and for a refusal the
//!   policy can fix, `setting` and `allowed`) and a sentence saying what was
//!   refused, what the policy allows, what to change, and what the browser
//!   will do about it. Origins that miss an allowed one only by scheme, port,
//!   `www.`, a trailing slash and the like get a "did you mean".
//! - At `debug` level only: one event per allowed request; one event, once
//!   per header name per [`Cors`](crate::Cors), for a response header the
//!   handler set that scripts on the calling page cannot read (not
//!   safelisted, not exposed); and a `warn` event when an allowed request
//!   carries cookies, which the browser will refuse to share under `*` or
//!   without `Access-Control-Allow-Credentials`.
//! - When the app starts, one `info` event describes the effective policy and
//!   one `warn` event names each risky choice.
//!
//! Everything here runs on refusals, at startup, or behind
//! [`debug_enabled`]: the allowed path costs nothing when `debug` is off.
//! Values taken from the request are escaped ([`EscapedBytes`]) so a crafted
//! header can never forge a log line.
//!
//! Per-request lines go through the [`Cors`](crate::Cors)'s [`LogBudget`]
//! ([`Diagnostics::admit`]): the first of each reason and origin per window
//! is logged in full, the rest only counted, with a global cap of full lines
//! per window, and one `warn` summary of what was not logged comes with the
//! first line asked for after the window ends (there is no timer).
//!
//! Lines reach a `tracing` subscriber, or, when none was ever set, a `log`
//! logger such as `env_logger` (through `tracing`'s `log` feature): the level
//! checks ask both, as `tracing`'s own macros do.

use std::collections::HashSet;
use std::fmt::{self, Write as _};
use std::sync::Mutex;
use std::time::Instant;

use actix_web::http::header::{self, HeaderMap, HeaderName};
use actix_web::HttpRequest;
use cors_core::{
    ConfigWarning, CrossOriginRefusal, Decision, Escaped, Location, LogBudget, LogBudgetConfig,
    Policy, Provenance, Rejection, RequestKind, Setting,
};

/// What a log line says about a request, borrowed from it as sent.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Facts<'a> {
    /// The request's method (`OPTIONS` for a preflight).
    pub(crate) method: &'a str,
    /// The request's path.
    pub(crate) path: &'a str,
    /// The first `Origin` line.
    pub(crate) origin: Option<&'a [u8]>,
    /// `Access-Control-Request-Method`.
    pub(crate) requested_method: Option<&'a [u8]>,
    /// `Access-Control-Request-Headers`.
    pub(crate) requested_headers: Option<&'a [u8]>,
    /// The full pattern of the route that owns the request, scope prefixes
    /// included (`/api/items/{id}`), when it is a `#[cors]` handler's: log
    /// lines name it instead of the path written in the handler's attribute.
    pub(crate) route: Option<&'a str>,
}

impl<'a> Facts<'a> {
    /// Reads the facts from a request, without copying.
    pub(crate) fn of(req: &'a HttpRequest) -> Self {
        let headers = req.headers();
        let get = |name| {
            headers
                .get(name)
                .map(|v: &header::HeaderValue| v.as_bytes())
        };
        Facts {
            method: req.method().as_str(),
            path: req.path(),
            origin: get(header::ORIGIN),
            requested_method: get(header::ACCESS_CONTROL_REQUEST_METHOD),
            requested_headers: get(header::ACCESS_CONTROL_REQUEST_HEADERS),
            route: None,
        }
    }

    /// These facts, naming `route` as the owner's full route pattern.
    pub(crate) fn at_route(self, route: Option<&'a str>) -> Self {
        Facts { route, ..self }
    }
}

/// Where `setting` of `policy` is written, naming a `#[cors]` handler's
/// full route pattern (scope prefixes included) when the request has one.
fn located(policy: &Policy, setting: Setting, facts: &Facts<'_>) -> Location {
    let mut location = policy.setting_location(setting);
    if let (Provenance::Handler { path, .. }, Some(route)) = (&mut location.provenance, facts.route)
    {
        route.clone_into(path);
    }
    location
}

/// What became of the request, for the last clause of a refusal's message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// A preflight answered by the middleware (`403` when refused).
    Preflight,
    /// An actual request the handler ran for.
    HandlerRan,
    /// An actual request answered `403` without running the handler
    /// (`block_disallowed_origins`).
    Blocked,
    /// The caller did not say.
    Unstated,
}

/// Whether `debug` events of this module are on, for a `tracing`
/// subscriber or a `log` logger. Checked before doing any work for allowed
/// requests.
#[inline]
pub(crate) fn debug_enabled() -> bool {
    tracing::enabled!(tracing::Level::DEBUG) || log_enabled(log::Level::Debug)
}

/// Whether `warn` events of this module are on, for a `tracing` subscriber
/// or a `log` logger. Checked before explaining a refusal: the explanation
/// (allowed list, near-miss search, advice) is most of what a refused
/// request costs, and is wasted when nobody listens.
#[inline]
pub(crate) fn warn_enabled() -> bool {
    tracing::enabled!(tracing::Level::WARN) || log_enabled(log::Level::Warn)
}

/// Whether `tracing`'s `log` feature would hand an event of this module at
/// `level` to the `log` crate, and its logger would keep it.
///
/// `tracing` forwards an event to `log` only while no `tracing` dispatcher
/// has ever been set in the process (its `if_log_enabled!` checks
/// `dispatcher::has_been_set`, the function used here), so with a
/// subscriber this is one load and false, and lines are never written
/// twice. Without a subscriber or a logger, it is two loads (that flag and
/// `log`'s maximum level, `Off` until a logger raises it).
#[inline]
fn log_enabled(level: log::Level) -> bool {
    !tracing::dispatcher::has_been_set() && log::log_enabled!(target: module_path!(), level)
}

/// Whether a decision is worth a log line: a CORS request, at the level its
/// event would have (checked first, being the cheap part), and never a
/// refused actual request from the server's own origin (browsers send
/// `Origin` on same-origin `POST`s too; there is nothing to explain).
pub(crate) fn worth_logging(req: &HttpRequest, decision: &Decision<'_>) -> bool {
    match decision.kind() {
        RequestKind::NotCors => false,
        _ if decision.is_allowed() => debug_enabled(),
        kind => {
            warn_enabled()
                && !(kind == RequestKind::Actual && crate::request::is_same_origin(req, false))
        }
    }
}

/// Logs an allowed CORS request, only when `debug` is on: a `debug` line,
/// and a `warn` when the browser will refuse what the policy allowed because
/// the page asked for credentials the policy does not give (see
/// [`credentials_refused`]) or when an allowed preflight's path has no route
/// (see [`preflight_without_route`]). Costs one level check when `debug` is
/// off.
#[inline]
pub(crate) fn allowed(
    diagnostics: &Diagnostics,
    req: &HttpRequest,
    decision: &Decision<'_>,
    policy: &Policy,
) {
    if !debug_enabled() {
        return;
    }
    let facts = Facts::of(req);
    if decision.kind() == RequestKind::Actual && !policy.allows_credentials() {
        credentials_refused(diagnostics, req, &facts, decision, policy);
    }
    if decision.kind() == RequestKind::Preflight {
        preflight_without_route(diagnostics, req, &facts);
    }
    explain(diagnostics, &facts, Outcome::Unstated, decision, policy);
}

/// A preflight the middleware allowed to a path no route matches: the
/// browser will send the request itself, which routing then answers 404
/// (unless a default service answers it). A typo or a missing prefix in
/// the page's URL is the usual cause, and the browser's console shows only
/// the 404.
fn preflight_without_route(diagnostics: &Diagnostics, req: &HttpRequest, facts: &Facts<'_>) {
    if req.resource_map().has_resource(req.path())
        || !diagnostics.admit("no-route", facts.origin.unwrap_or_default(), facts.path)
    {
        return;
    }
    let origin = EscapedBytes(facts.origin.unwrap_or_default());
    let path = Escaped(facts.path);
    let requested = EscapedBytes(facts.requested_method.unwrap_or_default());
    tracing::warn!(
        origin = %origin,
        method = facts.method,
        path = %path,
        kind = "preflight",
        requested_method = %requested,
        reason = "no-route",
        "CORS preflight for {requested} {path} from `{origin}` allowed, but no route matches \
         {path}: unless a default service answers it, the {requested} request will get 404; \
         check the URL the page calls (a missing prefix or trailing slash is typical)"
    );
}

/// The one refusal the engine cannot see: the page sent the request with
/// `credentials: 'include'`, and the answer is `*` or lacks
/// `Access-Control-Allow-Credentials: true`, so the browser refuses it
/// (Fetch § CORS check: `*` passes only without credentials, steps 3–4;
/// with them `Access-Control-Allow-Credentials: true` is required, step 6). A cross-origin request carries
/// cookies only in that mode; `Sec-Fetch-Mode`, when sent, rules out form
/// posts and other non-CORS requests, and same-origin requests (which carry
/// cookies and `Origin` on `POST`) are left out.
fn credentials_refused(
    diagnostics: &Diagnostics,
    req: &HttpRequest,
    facts: &Facts<'_>,
    decision: &Decision<'_>,
    policy: &Policy,
) {
    let headers = req.headers();
    let cors_mode = !matches!(
        headers.get("sec-fetch-mode"),
        Some(mode) if mode.as_bytes() != b"cors"
    );
    if !cors_mode
        || !headers.contains_key(header::COOKIE)
        || crate::request::is_same_origin(req, false)
    {
        return;
    }
    let wildcard = decision.headers().allow_origin() == Some("*");
    let reason = if wildcard {
        "wildcard-with-credentials"
    } else {
        "credentials-not-allowed"
    };
    if !diagnostics.admit(reason, facts.origin.unwrap_or_default(), "") {
        return;
    }
    let origin = EscapedBytes(facts.origin.unwrap_or_default());
    let path = Escaped(facts.path);
    let method = Escaped(facts.method);
    let origins = located(policy, Setting::AllowedOrigins, facts);
    let credentials = located(policy, Setting::AllowCredentials, facts);
    if wildcard {
        tracing::warn!(
            origin = %origin,
            method = facts.method,
            path = %path,
            kind = "request",
            reason = "wildcard-with-credentials",
            setting = %origins,
            allowed = "*",
            "CORS request {method} {path} from `{origin}` answered \
             `Access-Control-Allow-Origin: *`, but it carries cookies, so the page sent it with \
             `credentials: 'include'`, and browsers refuse `*` on credentialed requests: the \
             page will not see the response; list the page's origin in {origins} and turn on \
             {credentials}, or drop `credentials: 'include'` if the page needs no cookies",
        );
    } else {
        tracing::warn!(
            origin = %origin,
            method = facts.method,
            path = %path,
            kind = "request",
            reason = "credentials-not-allowed",
            setting = %credentials,
            allowed = "false",
            "CORS request {method} {path} from `{origin}` carries cookies, so the page sent it \
             with `credentials: 'include'`, but the policy does not allow credentials (no \
             `Access-Control-Allow-Credentials: true`): the page will not see the response; \
             turn on {credentials}, or drop `credentials: 'include'` if the page needs no \
             cookies",
        );
    }
}

/// Logs one decision: `debug` when allowed, `warn` with the fix when refused,
/// within the budget of `diagnostics` (the first of each reason and origin
/// per window; see [`Diagnostics::admit`]). Requests without `Origin` are
/// not CORS requests and are not logged.
pub(crate) fn explain(
    diagnostics: &Diagnostics,
    facts: &Facts<'_>,
    outcome: Outcome,
    decision: &Decision<'_>,
    policy: &Policy,
) {
    let kind = match decision.kind() {
        RequestKind::NotCors => return,
        RequestKind::Actual => "request",
        RequestKind::Preflight => "preflight",
    };
    let (listening, budget_kind, detail) = match decision.rejection() {
        None if kind == "request" => (debug_enabled(), "request-allowed", ""),
        None => (debug_enabled(), "preflight-allowed", ""),
        // What was refused besides the origin, so that a refused `PUT`
        // does not hide a refused `DELETE` from the same page.
        Some(rejection) => (
            warn_enabled(),
            rejection.code(),
            match rejection {
                Rejection::MethodNotAllowed { method } => *method,
                Rejection::HeaderNotAllowed { header } => *header,
                Rejection::RepeatedHeader { name } => *name,
                _ => "",
            },
        ),
    };
    if !listening || !diagnostics.admit(budget_kind, facts.origin.unwrap_or_default(), detail) {
        return;
    }
    let origin = EscapedBytes(facts.origin.unwrap_or_default());
    let path = Escaped(facts.path);
    let requested_method = match decision.kind() {
        RequestKind::Preflight => facts.requested_method.map(EscapedBytes),
        _ => None,
    };
    let what = What {
        kind: decision.kind(),
        method: facts.method,
        requested_method,
        path,
    };
    let Some(rejection) = decision.rejection() else {
        tracing::debug!(
            origin = %origin,
            method = facts.method,
            path = %path,
            kind,
            requested_method = requested_method.map(tracing::field::display),
            "CORS {what} from `{origin}` allowed"
        );
        return;
    };
    let advice = advice(rejection, policy, facts);
    let setting = advice
        .setting
        .map(|s| located(policy, s, facts).to_string());
    let consequence = match (decision.kind(), outcome) {
        (RequestKind::Preflight, _) => match requested_method {
            Some(method) => {
                format!("answered 403, so the browser will not send the {method} request")
            }
            None => "answered 403, so the browser will not send the request".to_owned(),
        },
        (_, Outcome::Blocked) => {
            "answered 403 without running the handler (`block_disallowed_origins`)".to_owned()
        }
        (_, Outcome::HandlerRan) => {
            "the handler ran, but the browser will hide the response from the page".to_owned()
        }
        _ => "the browser will hide the response from the page".to_owned(),
    };
    tracing::warn!(
        origin = %origin,
        method = facts.method,
        path = %path,
        kind,
        requested_method = requested_method.map(tracing::field::display),
        reason = rejection.code(),
        setting = setting.as_deref(),
        allowed = advice.allowed.as_deref(),
        suggestion = advice.suggestion.as_deref(),
        "CORS {what} from `{origin}` rejected: {rejection}{}; {consequence}",
        advice.text,
    );
}

/// "preflight for DELETE /api/items/7", "request GET /api/items".
struct What<'a> {
    kind: RequestKind,
    method: &'a str,
    requested_method: Option<EscapedBytes<'a>>,
    path: Escaped<'a>,
}

impl fmt::Display for What<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.kind, self.requested_method) {
            (RequestKind::Preflight, Some(method)) => {
                write!(f, "preflight for {method} {}", self.path)
            }
            (RequestKind::Preflight, None) => write!(f, "preflight to {}", self.path),
            _ => write!(f, "request {} {}", Escaped(self.method), self.path),
        }
    }
}

/// What to tell the developer about one refusal.
#[derive(Debug, Default)]
struct Advice {
    /// The setting that would let the request through.
    setting: Option<Setting>,
    /// Its current value, in words.
    allowed: Option<String>,
    /// The allowed origin the request's origin nearly is.
    suggestion: Option<String>,
    /// Appended to the rejection: "(allowed: …); add it to …".
    text: String,
}

fn advice(rejection: &Rejection<'_>, policy: &Policy, facts: &Facts<'_>) -> Advice {
    let with_setting = |setting: Setting, allowed: String, text: String| Advice {
        setting: Some(setting),
        allowed: Some(allowed),
        suggestion: None,
        text,
    };
    match rejection {
        Rejection::OriginNotAllowed { origin } => {
            let allowed = allowed_origins(policy);
            let location = located(policy, Setting::AllowedOrigins, facts);
            let mut text = format!(
                " (allowed: {allowed}); if this front end is trusted, add it to {location}"
            );
            let mut suggestion = None;
            if *origin == "null" {
                text.push_str(
                    "; `null` comes from sandboxed iframes, `file:` pages, `data:` URLs and \
                     requests redirected from another origin, so any site can send it: serve the \
                     page from an allowed http(s) origin instead (or, knowing that, enable \
                     `allow_null_origin` and list `null`)",
                );
            } else if let Some(near) = near_miss(origin, policy) {
                if near
                    .differences
                    .iter()
                    .all(|d| matches!(d, Difference::Apex { .. }))
                {
                    let _ = write!(text, "; {}", near.reasons());
                } else {
                    let _ = write!(
                        text,
                        "; did you mean `{}`? ({})",
                        near.allowed,
                        near.reasons()
                    );
                }
                suggestion = Some(near.allowed);
            }
            Advice {
                setting: Some(Setting::AllowedOrigins),
                allowed: Some(allowed),
                suggestion,
                text,
            }
        }
        Rejection::MethodNotAllowed { method } => {
            let allowed = policy.describe(Setting::AllowedMethods);
            let location = located(policy, Setting::AllowedMethods, facts);
            let mut text = format!(" (allowed: {allowed}); add it to {location}");
            if let Some(same) = allowed
                .split(", ")
                .find(|m| m.eq_ignore_ascii_case(method) && m != method)
            {
                let _ = write!(
                    text,
                    "; methods are case-sensitive and browsers upper-case only DELETE, GET, \
                     HEAD, OPTIONS, POST and PUT, so the page asked for `{}`: write `{same}` in \
                     its `fetch` call",
                    Escaped(method)
                );
            }
            with_setting(Setting::AllowedMethods, allowed, text)
        }
        Rejection::HeaderNotAllowed { header } => {
            let allowed = policy.describe(Setting::AllowedHeaders);
            let location = located(policy, Setting::AllowedHeaders, facts);
            let missing = missing_headers(facts.requested_headers, policy);
            let mut text = if missing.len() > 1 {
                format!(
                    " (allowed: {allowed}); add every header the preflight asks for and the \
                     policy lacks ({}) to {location}",
                    missing.join(", ")
                )
            } else {
                format!(" (allowed: {allowed}); add it to {location}")
            };
            if header.eq_ignore_ascii_case("content-type") {
                text.push_str(
                    "; browsers ask for `content-type` when its value is not `text/plain`, \
                     `multipart/form-data` or `application/x-www-form-urlencoded` (JSON, for one)",
                );
            }
            with_setting(Setting::AllowedHeaders, allowed, text)
        }
        Rejection::PrivateNetworkNotAllowed => {
            let allowed = policy.describe(Setting::AllowPrivateNetwork);
            let location = located(policy, Setting::AllowPrivateNetwork, facts);
            let text = format!(
                " (allowed: {allowed}); the page is on a more public network than this server; \
                 if that is expected, enable it with {location}"
            );
            with_setting(Setting::AllowPrivateNetwork, allowed, text)
        }
        Rejection::RepeatedHeader { name } => Advice {
            text: format!(
                "; browsers send `{name}` once, so a proxy or load balancer adding it again, or \
                 a hand-made request, is the likely cause"
            ),
            ..Advice::default()
        },
        _ => Advice {
            text: "; browsers never send this, so a hand-made request or a proxy rewriting \
                   headers is the likely cause"
                .to_owned(),
            ..Advice::default()
        },
    }
}

/// The allowed origins in words, regexes and predicate included, cut short
/// when long.
fn allowed_origins(policy: &Policy) -> String {
    // The policy's one-line summary starts "origins: …; methods: …"; its
    // origins part already names regexes and a predicate.
    let summary = policy.to_string();
    let origins = summary
        .strip_prefix("origins: ")
        .and_then(|rest| rest.split_once("; methods: "))
        .map_or_else(
            || policy.describe(Setting::AllowedOrigins),
            |(origins, _)| origins.to_owned(),
        );
    abbreviate(&origins, 10)
}

/// At most `max` items of a comma-separated list, then how many more.
fn abbreviate(list: &str, max: usize) -> String {
    let items: Vec<&str> = list.split(", ").collect();
    if items.len() <= max {
        return list.to_owned();
    }
    format!(
        "{}, … ({} more)",
        items[..max].join(", "),
        items.len() - max
    )
}

/// The names in `Access-Control-Request-Headers` the policy does not allow,
/// escaped, at most 10.
fn missing_headers(requested: Option<&[u8]>, policy: &Policy) -> Vec<String> {
    let (Some(requested), Some(allowed)) = (requested, policy.allowed_headers_list()) else {
        return Vec::new();
    };
    let Ok(requested) = std::str::from_utf8(requested) else {
        return Vec::new();
    };
    requested
        .split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .filter(|name| !allowed.split(", ").any(|a| a.eq_ignore_ascii_case(name)))
        .take(10)
        .map(|name| format!("`{}`", Escaped(name)))
        .collect()
}

/// An allowed origin (or pattern) the request's origin nearly is.
#[derive(Debug, PartialEq, Eq)]
struct NearMiss {
    allowed: String,
    differences: Vec<Difference>,
}

impl NearMiss {
    /// How far the origin is from this one: a different host (`localhost`
    /// for `127.0.0.1`) counts more than a different scheme or port.
    fn distance(&self) -> usize {
        self.differences
            .iter()
            .map(|d| match d {
                Difference::Loopback { .. } => 2,
                _ => 1,
            })
            .sum()
    }

    fn reasons(&self) -> String {
        let texts: Vec<String> = self.differences.iter().map(ToString::to_string).collect();
        texts.join("; ")
    }
}

/// One way a request's origin differs from an allowed one.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Difference {
    Scheme {
        sent: String,
        allowed: String,
    },
    Www {
        sent_has_www: bool,
    },
    Loopback {
        sent: String,
        allowed: String,
    },
    /// `https://example.com` against `https://*.example.com`.
    Apex {
        pattern: String,
        sent: String,
    },
    Port {
        sent: Option<String>,
        allowed: Option<String>,
    },
    TrailingSlash,
    Path,
    Case,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Difference::Scheme { sent, allowed } => write!(
                f,
                "the scheme differs: the page is served over `{sent}`, the policy allows \
                 `{allowed}`"
            ),
            Difference::Www { sent_has_www: true } => {
                f.write_str("`www.` differs: the page's host has it, the allowed one does not")
            }
            Difference::Www {
                sent_has_www: false,
            } => f.write_str("`www.` differs: the allowed host has it, the page's does not"),
            Difference::Loopback { sent, allowed } => write!(
                f,
                "`{sent}` and `{allowed}` are different origins to a browser, even on the \
                 same machine"
            ),
            Difference::Apex { pattern, sent } => write!(
                f,
                "`{pattern}` matches subdomains only, not `{sent}` itself: add `{sent}` too"
            ),
            Difference::Port { sent, allowed } => {
                let show = |p: &Option<String>| {
                    p.as_deref()
                        .map_or_else(|| "none (the default)".to_owned(), |p| format!("`{p}`"))
                };
                write!(
                    f,
                    "the port differs: {} sent, {} allowed",
                    show(sent),
                    show(allowed)
                )
            }
            Difference::TrailingSlash => f.write_str(
                "an origin never ends with `/`: browsers send none, so check what client sent \
                 this one",
            ),
            Difference::Path => f.write_str(
                "an origin is only scheme, host and port, with no path: browsers send none, so \
                 check what client sent this one",
            ),
            Difference::Case => f.write_str(
                "the letter case differs: origins are compared exactly, and browsers send them \
                 in lower case",
            ),
        }
    }
}

/// The parts of an origin (or of an allowed origin pattern) as written.
#[derive(Clone, Copy, Debug)]
struct Parts<'a> {
    scheme: &'a str,
    host: &'a str,
    port: Option<&'a str>,
    /// Whatever follows the authority (`/`, a path); empty for an origin.
    rest: &'a str,
}

fn split_origin(origin: &str) -> Option<Parts<'_>> {
    let (scheme, after) = origin.split_once("://")?;
    let (authority, rest) = match after.find('/') {
        Some(i) => after.split_at(i),
        None => (after, ""),
    };
    let (host, port) = if authority.starts_with('[') {
        // A bracketed IPv6 address: its colons are not the port's.
        let end = authority.find(']')? + 1;
        let (host, port) = authority.split_at(end);
        (host, port.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    if scheme.is_empty() || host.is_empty() {
        return None;
    }
    Some(Parts {
        scheme,
        host,
        port,
        rest,
    })
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost") || host == "127.0.0.1" || host == "[::1]"
}

/// The ways `sent` differs from `allowed`, or `None` when the hosts are
/// unrelated (no hint is better than a wrong one).
fn differences(sent: Parts<'_>, allowed: Parts<'_>, allowed_text: &str) -> Option<Vec<Difference>> {
    let mut found = Vec::new();
    let mut case = false;

    if sent.scheme != allowed.scheme {
        if sent.scheme.eq_ignore_ascii_case(allowed.scheme) {
            case = true;
        } else {
            found.push(Difference::Scheme {
                sent: sent.scheme.to_owned(),
                allowed: allowed.scheme.to_owned(),
            });
        }
    }

    let strip_www = |h: &'_ str| -> (bool, String) {
        let lower = h.to_ascii_lowercase();
        match lower.strip_prefix("www.") {
            Some(rest) => (true, rest.to_owned()),
            None => (false, lower),
        }
    };
    if let Some(parent) = allowed.host.strip_prefix("*.") {
        let host = sent.host.to_ascii_lowercase();
        let parent = parent.to_ascii_lowercase();
        if host == parent {
            found.push(Difference::Apex {
                pattern: allowed_text.to_owned(),
                sent: format!("{}://{}", sent.scheme, sent.host)
                    + &sent.port.map(|p| format!(":{p}")).unwrap_or_default(),
            });
        } else if !host.ends_with(&format!(".{parent}")) {
            return None;
        }
    } else if sent.host != allowed.host {
        let (sent_www, sent_bare) = strip_www(sent.host);
        let (allowed_www, allowed_bare) = strip_www(allowed.host);
        if sent.host.eq_ignore_ascii_case(allowed.host) {
            case = true;
        } else if sent_bare == allowed_bare && sent_www != allowed_www {
            found.push(Difference::Www {
                sent_has_www: sent_www,
            });
        } else if is_loopback(sent.host) && is_loopback(allowed.host) {
            found.push(Difference::Loopback {
                sent: sent.host.to_owned(),
                allowed: allowed.host.to_owned(),
            });
        } else {
            return None;
        }
    }

    if allowed.port != Some("*") && sent.port != allowed.port {
        found.push(Difference::Port {
            sent: sent.port.map(str::to_owned),
            allowed: allowed.port.map(str::to_owned),
        });
    }
    match sent.rest {
        "" => {}
        "/" => found.push(Difference::TrailingSlash),
        _ => found.push(Difference::Path),
    }
    if case {
        found.push(Difference::Case);
    }
    Some(found)
}

/// The allowed origin or pattern the request's origin differs from in the
/// fewest ways: scheme, `www.`, port, `localhost` against `127.0.0.1`, a
/// subdomain pattern's parent, a trailing slash or path, letter case.
fn near_miss(origin: &str, policy: &Policy) -> Option<NearMiss> {
    let sent = split_origin(origin)?;
    let declared = policy.describe(Setting::AllowedOrigins);
    declared
        .split(", ")
        .filter(|allowed| *allowed != "*" && *allowed != "null" && *allowed != "none")
        .filter_map(|allowed| {
            let parts = split_origin(allowed)?;
            let differences = differences(sent, parts, allowed)?;
            (!differences.is_empty()).then(|| NearMiss {
                allowed: allowed.to_owned(),
                differences,
            })
        })
        .min_by_key(NearMiss::distance)
}

/// Request bytes for a log line: printable ASCII as is (a backtick escaped,
/// since messages quote values with backticks), anything else as `\xNN`,
/// cut after 200 bytes. A crafted header can never start a new log line.
#[derive(Clone, Copy, Debug)]
pub(crate) struct EscapedBytes<'a>(pub(crate) &'a [u8]);

impl fmt::Display for EscapedBytes<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const SHOWN: usize = 200;
        for (i, &b) in self.0.iter().enumerate() {
            if i == SHOWN {
                return write!(f, "…({} bytes)", self.0.len());
            }
            match b {
                b'`' | b'\\' => write!(f, "\\{}", char::from(b))?,
                0x20..=0x7e => f.write_char(char::from(b))?,
                _ => write!(f, "\\x{b:02x}")?,
            }
        }
        Ok(())
    }
}

/// Explains a state-changing request cross-origin protection refused, in
/// one `warn` line under the log budget.
pub(crate) fn explain_cross_origin(
    diagnostics: &Diagnostics,
    req: &HttpRequest,
    refusal: &CrossOriginRefusal<'_>,
    policy: &Policy,
) {
    if !warn_enabled() {
        return;
    }
    let origin_bytes = refusal.origin().unwrap_or_default();
    if !diagnostics.admit(refusal.code(), origin_bytes, req.method().as_str()) {
        return;
    }
    let origin = EscapedBytes(origin_bytes);
    let path = Escaped(req.path());
    let method = Escaped(req.method().as_str());
    let route = req.match_pattern();
    let facts = Facts::of(req).at_route(route.as_deref());
    let location = located(policy, Setting::AllowedOrigins, &facts);
    tracing::warn!(
        origin = %origin,
        method = req.method().as_str(),
        path = %path,
        kind = "cross-origin-write",
        reason = refusal.code(),
        setting = %location,
        "cross-origin `{method} {path}` from `{origin}` refused: {refusal}; answered 403 without \
         running the handler (cross-origin protection); if this page should be able to send it, \
         add its origin to {location}"
    );
}

/// Says, once per `Cors` and only when other `Cors` layers were built
/// inside it, which policy governs where; warns that its blocking, decided
/// before routing, also covers their scopes.
pub(crate) fn log_nesting(diagnostics: &Diagnostics, blocking: bool, inner_layers: usize) {
    if inner_layers == 0 || !diagnostics.first_time("nesting".to_owned()) {
        return;
    }
    tracing::info!(
        inner_layers,
        "CORS: {inner_layers} other `Cors` layer(s) are wrapped inside this one; each governs the \
         requests routed to its scope or resource, preflights included, `#[cors]` handlers \
         govern their own routes and methods, and this one governs the rest"
    );
    if blocking {
        tracing::warn!(
            warning = "outer-blocking",
            "CORS: this `Cors` has `block_disallowed_origins` on and other `Cors` layers are \
             wrapped inside it; blocking happens before routing, so it answers 403 to every \
             origin its own policy refuses, on their scopes and resources too, even where their \
             policy allows that origin; turn blocking on in the inner `Cors` layers instead to let \
             each scope decide"
        );
    }
}

/// The most header names reported as not exposed, per `Cors`: a handler
/// echoing arbitrary names must not grow the set without bound.
const MAX_REPORTED_HEADERS: usize = 256;

/// Diagnostics state shared by every worker of one `Cors`, and by the
/// `#[cors]` handlers merged from it.
#[derive(Debug)]
pub(crate) struct Diagnostics {
    /// Response headers already reported as hidden from scripts.
    reported_hidden: Mutex<HashSet<HeaderName>>,
    /// Startup lines already logged (see [`Diagnostics::first_time`]).
    logged_once: Mutex<HashSet<String>>,
    /// Which per-request lines are written in full.
    budget: LogBudget,
}

impl Default for Diagnostics {
    fn default() -> Self {
        Diagnostics::new(LogBudgetConfig::default())
    }
}

impl Diagnostics {
    /// Diagnostics whose per-request lines follow `budget`.
    pub(crate) fn new(budget: LogBudgetConfig) -> Self {
        Diagnostics {
            reported_hidden: Mutex::default(),
            logged_once: Mutex::default(),
            budget: LogBudget::new(budget),
        }
    }

    /// The log budget, for tests.
    pub(crate) fn budget(&self) -> &LogBudget {
        &self.budget
    }

    /// Whether to write this per-request line (`kind`: its reason code;
    /// `origin`: the request's, as sent) in full; call only when someone
    /// listens at its level. Writes, first, the summary of what the budget
    /// held back in a window that has ended (at `warn`): with no timer, it
    /// comes with the first line asked for after the window.
    pub(crate) fn admit(&self, kind: &'static str, origin: &[u8], detail: &str) -> bool {
        if self.budget.config().is_unlimited() {
            return true;
        }
        let now = Instant::now();
        if let Some(summary) = self.budget.take_summary(now) {
            tracing::warn!(
                reason = "log-budget",
                suppressed = summary.suppressed(),
                full_lines = summary.full_lines(),
                "{summary}; to change the budget, see `CorsBuilder::log_budget`"
            );
        }
        self.budget
            .admit_detailed(kind, origin, detail.as_bytes(), now)
            .is_log()
    }

    /// Whether the startup line summed up by `key` (a `#[cors]` handler's
    /// merged policy, the nesting note) is new to this `Cors`: apps are
    /// built once per worker, and each line is said once.
    pub(crate) fn first_time(&self, key: String) -> bool {
        self.logged_once
            .lock()
            .is_ok_and(|mut logged| logged.insert(key))
    }

    /// Logs, at `debug` and once per name, each response header of an
    /// allowed actual request that scripts on the page cannot read. Call only
    /// when [`debug_enabled`]: it takes a lock.
    pub(crate) fn report_hidden_headers(
        &self,
        facts: &Facts<'_>,
        decision: &Decision<'_>,
        response: &HeaderMap,
        policy: &Policy,
    ) {
        if decision.kind() != RequestKind::Actual || !decision.is_allowed() {
            return;
        }
        // Decide under the lock, log after releasing it: writing a log line
        // may block, and every worker shares this set.
        let mut new_names: Vec<&HeaderName> = Vec::new();
        {
            let Ok(mut reported) = self.reported_hidden.lock() else {
                return;
            };
            for name in response.keys() {
                if reported.len() >= MAX_REPORTED_HEADERS {
                    break;
                }
                if counts_as_hidden(name, policy) && reported.insert(name.clone()) {
                    new_names.push(name);
                }
            }
        }
        if new_names.is_empty() {
            return;
        }
        let exposed = policy.describe(Setting::ExposeHeaders);
        let location = located(policy, Setting::ExposeHeaders, facts).to_string();
        let origin = EscapedBytes(facts.origin.unwrap_or_default());
        let path = Escaped(facts.path);
        for name in new_names {
            tracing::debug!(
                header = name.as_str(),
                origin = %origin,
                method = facts.method,
                path = %path,
                setting = location.as_str(),
                exposed = exposed.as_str(),
                "CORS response header `{name}` of {} {path} is hidden from scripts on \
                 `{origin}`: `response.headers.get('{name}')` returns null there (exposed: \
                 {exposed}); to let the page read it, add it to {location} (logged once per \
                 header)",
                facts.method,
            );
        }
    }
}

/// Whether a response header counts as one scripts might want but cannot
/// read: not safelisted, not exposed, not a CORS header, and not one pages
/// never read (`Vary`, `Set-Cookie`, which is never exposed, connection
/// management).
fn counts_as_hidden(name: &HeaderName, policy: &Policy) -> bool {
    let name = name.as_str();
    const NEVER_READ: [&str; 8] = [
        "vary",
        "set-cookie",
        "set-cookie2",
        "connection",
        "keep-alive",
        "transfer-encoding",
        "date",
        "server",
    ];
    !name.starts_with("access-control-")
        && name != crate::response::REJECTED_HEADER
        && !NEVER_READ.contains(&name)
        && !policy.exposes_header(name)
}

/// Logs the effective policy (`info`) and each risky choice (`warn`).
pub(crate) fn log_summary(
    policy: &Policy,
    block_disallowed_origins: bool,
    rejection_header: bool,
    origin_check: bool,
) {
    tracing::info!(
        origin_check,
        origins = %allowed_origins(policy),
        methods = %policy.describe(Setting::AllowedMethods),
        headers = %policy.describe(Setting::AllowedHeaders),
        exposed = %policy.describe(Setting::ExposeHeaders),
        credentials = policy.allows_credentials(),
        max_age = %policy.describe(Setting::MaxAge),
        private_network = %policy.describe(Setting::AllowPrivateNetwork),
        block_disallowed_origins,
        "CORS policy: {policy}{}",
        if origin_check {
            "; other origins: asked of the asynchronous origin check"
        } else {
            ""
        }
    );
    for warning in policy.warnings() {
        // The origin check may allow origins the static rules do not list.
        if origin_check && *warning == ConfigWarning::NoOrigins {
            continue;
        }
        tracing::warn!(warning = warning_code(warning), "CORS policy: {warning}");
    }
    if rejection_header {
        tracing::warn!(
            warning = "rejection-header",
            "CORS policy: the `X-Cors-Rejected` debug header is on; it tells every client why a \
             request was refused and so how the policy is set: turn it off in production"
        );
    }
}

/// A short, stable name for a startup warning, for log queries.
fn warning_code(warning: &ConfigWarning) -> &'static str {
    match warning {
        ConfigWarning::NoOrigins => "no-origins",
        ConfigWarning::AnyOrigin => "any-origin",
        ConfigWarning::NullOrigin => "null-origin",
        ConfigWarning::PortWildcard { .. } => "port-wildcard",
        ConfigWarning::MaxAgeAboveChromiumCap { .. } => "max-age-above-chromium-cap",
        ConfigWarning::MaxAgeAboveSafariCap { .. } => "max-age-above-safari-cap",
        ConfigWarning::CredentialsWithManyOrigins { .. } => "credentials-with-many-origins",
        ConfigWarning::ForbiddenRequestHeader { .. } => "forbidden-request-header",
        ConfigWarning::UnexposableHeader { .. } => "unexposable-header",
        _ => "other",
    }
}

/// The troubleshooting guide's code blocks, compiled and run as doc tests
/// (the migration guide's are in `migration.rs`).
#[cfg(doctest)]
#[doc = include_str!("../../docs/troubleshooting.md")]
struct TroubleshootingDoctests;

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(origins: &[&str]) -> Policy {
        Policy::builder()
            .allowed_origins(origins.iter().copied())
            .build()
            .unwrap()
    }

    #[test]
    fn near_misses_name_every_difference() {
        let policy = policy(&[
            "https://app.example.com",
            "http://localhost:3000",
            "https://www.shop.example",
            "https://*.preview.example",
        ]);
        let cases: [(&str, &str, &[&str]); 9] = [
            (
                "http://app.example.com",
                "https://app.example.com",
                &["the scheme differs: the page is served over `http`, the policy allows `https`"],
            ),
            (
                "https://www.app.example.com",
                "https://app.example.com",
                &["`www.` differs: the page's host has it, the allowed one does not"],
            ),
            (
                "https://shop.example",
                "https://www.shop.example",
                &["`www.` differs: the allowed host has it, the page's does not"],
            ),
            (
                "http://localhost:3001",
                "http://localhost:3000",
                &["the port differs: `3001` sent, `3000` allowed"],
            ),
            (
                "https://app.example.com/",
                "https://app.example.com",
                &["an origin never ends with `/`"],
            ),
            (
                "https://app.example.com/login",
                "https://app.example.com",
                &["with no path"],
            ),
            (
                "http://127.0.0.1:3000",
                "http://localhost:3000",
                &["`127.0.0.1` and `localhost` are different origins"],
            ),
            (
                "https://preview.example",
                "https://*.preview.example",
                &["matches subdomains only, not `https://preview.example` itself"],
            ),
            (
                "http://www.app.example.com:8443",
                "https://app.example.com",
                &["the scheme differs", "`www.` differs", "the port differs"],
            ),
        ];
        for (origin, allowed, reasons) in cases {
            let near = near_miss(origin, &policy).unwrap_or_else(|| panic!("{origin}"));
            assert_eq!(near.allowed, allowed, "{origin}");
            let text = near.reasons();
            for reason in reasons {
                assert!(text.contains(reason), "{origin}: {text}");
            }
        }
        for unrelated in [
            "https://evil.example",
            "https://app.example.com.evil.example",
        ] {
            assert_eq!(near_miss(unrelated, &policy), None, "{unrelated}");
        }
    }

    #[test]
    fn near_misses_prefer_the_closest_allowed_origin() {
        let policy = policy(&["https://localhost:3000", "http://localhost:5173"]);
        let near = near_miss("http://localhost:3000", &policy).unwrap();
        // One difference either way; the first declared wins a tie.
        assert_eq!(near.distance(), 1);
        assert_eq!(near.allowed, "https://localhost:3000");
        let near = near_miss("https://localhost:5173", &policy).unwrap();
        assert_eq!(near.differences.len(), 1);
    }

    #[test]
    fn port_wildcards_and_ipv6_hosts_split_correctly() {
        let policy = policy(&["http://localhost:*", "http://[::1]:8080"]);
        let near = near_miss("https://localhost:3000", &policy).unwrap();
        assert_eq!(near.allowed, "http://localhost:*");
        assert_eq!(near.differences.len(), 1);
        let near = near_miss("http://[::1]:8081", &policy).unwrap();
        assert_eq!(near.allowed, "http://[::1]:8080");
        assert!(near.reasons().contains("`8081` sent, `8080` allowed"));
    }

    #[test]
    fn escaped_bytes_never_break_a_line() {
        let text = EscapedBytes(b"https://a.example\r\nWARN forged `x` \\ \xff").to_string();
        assert_eq!(
            text,
            "https://a.example\\x0d\\x0aWARN forged \\`x\\` \\\\ \\xff"
        );
        let long = vec![b'a'; 300];
        assert!(EscapedBytes(&long).to_string().ends_with("…(300 bytes)"));
    }

    #[test]
    fn long_origin_lists_are_cut() {
        let list = (0..12)
            .map(|i| format!("o{i}"))
            .collect::<Vec<_>>()
            .join(", ");
        assert_eq!(
            abbreviate(&list, 10),
            "o0, o1, o2, o3, o4, o5, o6, o7, o8, o9, … (2 more)"
        );
    }

    #[test]
    fn allowed_origins_name_regexes_and_predicates() {
        let policy = Policy::builder()
            .allowed_origin("https://a.example")
            .allowed_origin_regex(r"https://pr-\d+\.example")
            .allowed_origin_fn(|_| false)
            .build()
            .unwrap();
        let text = allowed_origins(&policy);
        assert!(text.starts_with("https://a.example; regexes: "), "{text}");
        assert!(text.ends_with("; and a predicate"), "{text}");
    }
}
