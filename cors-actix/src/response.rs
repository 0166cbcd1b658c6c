//! Writing the engine's headers into actix responses: one value per header,
//! `Vary` merged token by token, header values converted once per policy.

use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use cors_core::{Decision, Escaped, Policy, RequestKind, Vary};

/// The debug header carrying a rejection's reason (opt-in, development only).
pub(crate) const REJECTED_HEADER: &str = "x-cors-rejected";

// Names and values known at compile time are built at compile time: the
// `from_static` constructors, called at run time, parse a name or check
// every byte of a value on each call.
const ACCESS_CONTROL_ALLOW_PRIVATE_NETWORK: HeaderName =
    HeaderName::from_static(cors_core::header::ACCESS_CONTROL_ALLOW_PRIVATE_NETWORK);
const TIMING_ALLOW_ORIGIN: HeaderName =
    HeaderName::from_static(cors_core::header::TIMING_ALLOW_ORIGIN);
const REJECTED: HeaderName = HeaderName::from_static(REJECTED_HEADER);
const ANY: HeaderValue = HeaderValue::from_static("*");
const TRUE: HeaderValue = HeaderValue::from_static("true");

/// The `Vary` value of every combination of the engine's tokens, indexed by
/// [`vary_index`].
static VARY_VALUES: [HeaderValue; 16] = {
    const fn value(bits: usize) -> HeaderValue {
        let mut vary = Vary::NONE;
        if bits & 1 != 0 {
            vary = vary.with(Vary::ORIGIN);
        }
        if bits & 2 != 0 {
            vary = vary.with(Vary::REQUEST_METHOD);
        }
        if bits & 4 != 0 {
            vary = vary.with(Vary::REQUEST_HEADERS);
        }
        if bits & 8 != 0 {
            vary = vary.with(Vary::REQUEST_PRIVATE_NETWORK);
        }
        HeaderValue::from_static(vary.as_str())
    }
    [
        value(0),
        value(1),
        value(2),
        value(3),
        value(4),
        value(5),
        value(6),
        value(7),
        value(8),
        value(9),
        value(10),
        value(11),
        value(12),
        value(13),
        value(14),
        value(15),
    ]
};

fn vary_index(vary: Vary) -> usize {
    usize::from(vary.contains(Vary::ORIGIN))
        | usize::from(vary.contains(Vary::REQUEST_METHOD)) << 1
        | usize::from(vary.contains(Vary::REQUEST_HEADERS)) << 2
        | usize::from(vary.contains(Vary::REQUEST_PRIVATE_NETWORK)) << 3
}

/// `vary` as a header value: a copy of a value built at compile time.
fn vary_value(vary: Vary) -> HeaderValue {
    let value = &VARY_VALUES[vary_index(vary)];
    // Fails every test that emits it, should the engine gain a token the
    // table does not know.
    debug_assert_eq!(value.as_bytes(), vary.as_str().as_bytes());
    value.clone()
}

/// Header values that are the same for every request, converted once.
#[derive(Debug, Default)]
pub(crate) struct FixedValues {
    allow_methods: Option<Fixed>,
    allow_headers: Option<Fixed>,
    expose_headers: Option<Fixed>,
    max_age: Option<Fixed>,
}

/// One of the policy's own header values, as text and as a header value.
#[derive(Debug)]
struct Fixed {
    text: Box<str>,
    /// Where the policy keeps the text: the engine answers with that very
    /// `&str`, so an address comparison recognises it without comparing
    /// bytes (an address, not a pointer: never dereferenced).
    address: usize,
    value: HeaderValue,
}

impl FixedValues {
    pub(crate) fn new(policy: &Policy) -> Self {
        use cors_core::header as name;
        let mut fixed = FixedValues::default();
        for (header_name, text) in policy.fixed_header_values() {
            let Ok(value) = HeaderValue::from_str(text) else {
                continue;
            };
            let slot = match header_name {
                name::ACCESS_CONTROL_ALLOW_METHODS => &mut fixed.allow_methods,
                name::ACCESS_CONTROL_ALLOW_HEADERS => &mut fixed.allow_headers,
                name::ACCESS_CONTROL_EXPOSE_HEADERS => &mut fixed.expose_headers,
                name::ACCESS_CONTROL_MAX_AGE => &mut fixed.max_age,
                _ => continue,
            };
            *slot = Some(Fixed {
                text: text.into(),
                address: text.as_ptr() as usize,
                value,
            });
        }
        fixed
    }
}

/// `text` as a header value: a cheap clone when it is the policy's own value,
/// converted otherwise (a list or method echoed from the request).
fn header_value(fixed: Option<&Fixed>, text: &str) -> Option<HeaderValue> {
    match fixed {
        Some(fixed)
            if (text.as_ptr() as usize == fixed.address && text.len() == fixed.text.len())
                || *fixed.text == *text =>
        {
            Some(fixed.value.clone())
        }
        _ => HeaderValue::from_str(text).ok(),
    }
}

/// Adds the decision's headers to a response the handler (or an inner
/// layer) made, given the request's (first) `Origin` value.
///
/// `Access-Control-Allow-Origin` already set by the handler or an inner layer
/// is replaced (or removed, when the origin is refused) so the browser never
/// sees two values; `Vary` is extended, never repeated.
pub(crate) fn apply_with_origin(
    decision: &Decision<'_>,
    request_origin: Option<&HeaderValue>,
    response_headers: &mut HeaderMap,
    fixed: &FixedValues,
) {
    // Most handlers set none of these: the answer is then written as into
    // a response of our own, without a lookup per header.
    if !has_own_cors_headers(response_headers) {
        return write_fresh(decision, request_origin, response_headers, fixed);
    }
    let headers = decision.headers();
    let cors = decision.kind() != RequestKind::NotCors;
    // A CORS request's answer, or a static `*`, replaces whatever the
    // handler said (the replaced value comes back from the insert: one
    // lookup); a non-CORS request under any other policy keeps it.
    let ours = headers.allow_origin();
    let replaced = match origin_value(ours, request_origin) {
        Some(value) => response_headers
            .insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value)
            .next(),
        // Looked up before removing: removing an absent header costs more.
        None if cors && response_headers.contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN) => {
            response_headers.remove(header::ACCESS_CONTROL_ALLOW_CREDENTIALS);
            response_headers
                .remove(header::ACCESS_CONTROL_ALLOW_ORIGIN)
                .next()
        }
        None => None,
    };
    if let Some(existing) = replaced {
        let ours = ours.unwrap_or("(none)");
        if existing.as_bytes() != ours.as_bytes() {
            tracing::warn!(
                handler_value = %Escaped(existing.to_str().unwrap_or("(not text)")),
                cors_value = %ours,
                "the handler or an inner middleware set `Access-Control-Allow-Origin`; the CORS \
                 middleware replaced it so browsers see one value (two values fail every CORS \
                 check); remove it from the handler"
            );
        }
    }
    // Only the policy grants credentials: a handler's own ACAC next to an
    // echoed origin would turn a policy without credentials (say, a regex
    // admitting every origin) into "any origin with credentials", which
    // `build` refuses (@koa/cors CVE-2023-49803).
    if cors
        && !headers.allow_credentials()
        && response_headers.contains_key(header::ACCESS_CONTROL_ALLOW_CREDENTIALS)
    {
        response_headers.remove(header::ACCESS_CONTROL_ALLOW_CREDENTIALS);
    }
    write_after_origin(decision, request_origin, response_headers, fixed, replace);
    merge_vary(response_headers, headers.vary());
}

/// Whether the response has a header of its own that a CORS answer writes,
/// checks or merges with (every `Access-Control-*` name, `Vary`,
/// `Timing-Allow-Origin`): one pass over its few names instead of one
/// lookup per header written.
fn has_own_cors_headers(headers: &HeaderMap) -> bool {
    headers.keys().any(|name| {
        let name = name.as_str();
        // The first byte rules out nearly every other header.
        matches!(name.as_bytes().first(), Some(b'a' | b'v' | b't'))
            && (name.starts_with("access-control-")
                || name == header::VARY
                || name == TIMING_ALLOW_ORIGIN)
    })
}

/// Sets a header of a response that may have its own: replaces it.
fn replace(headers: &mut HeaderMap, name: HeaderName, value: HeaderValue) {
    headers.insert(name, value);
}

/// Writes the decision's headers into a response this middleware made
/// (a preflight's answer): nothing is there to replace or merge with, so
/// no header is looked up first, and each is appended (an insert would
/// hand back, and drop, the nothing it replaced).
fn write_fresh(
    decision: &Decision<'_>,
    request_origin: Option<&HeaderValue>,
    response_headers: &mut HeaderMap,
    fixed: &FixedValues,
) {
    let headers = decision.headers();
    if let Some(value) = origin_value(headers.allow_origin(), request_origin) {
        response_headers.append(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
    }
    write_after_origin(
        decision,
        request_origin,
        response_headers,
        fixed,
        HeaderMap::append,
    );
    let vary = headers.vary();
    if !vary.is_empty() {
        response_headers.append(header::VARY, vary_value(vary));
    }
}

/// An `Access-Control-Allow-Origin` (or `Timing-Allow-Origin`) answer as a
/// header value: `*`, or an echoed origin as the request's own bytes (a
/// reference count, not a copy).
fn origin_value(answer: Option<&str>, request_origin: Option<&HeaderValue>) -> Option<HeaderValue> {
    match answer {
        None => None,
        Some("*") => Some(ANY),
        Some(_) => request_origin.cloned(),
    }
}

/// Every header of the decision but `Access-Control-Allow-Origin` and
/// `Vary`, each written by `put`.
#[inline]
fn write_after_origin(
    decision: &Decision<'_>,
    request_origin: Option<&HeaderValue>,
    response_headers: &mut HeaderMap,
    fixed: &FixedValues,
    put: impl Fn(&mut HeaderMap, HeaderName, HeaderValue),
) {
    let headers = decision.headers();
    let mut set = |name: HeaderName, value: Option<HeaderValue>| {
        if let Some(value) = value {
            put(response_headers, name, value);
        }
    };
    let policy_value = |fixed: &Option<Fixed>, text: Option<&str>| {
        text.and_then(|text| header_value(fixed.as_ref(), text))
    };
    set(
        header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
        headers.allow_credentials().then_some(TRUE),
    );
    set(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        policy_value(&fixed.allow_methods, headers.allow_methods()),
    );
    set(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        policy_value(&fixed.allow_headers, headers.allow_headers()),
    );
    set(
        ACCESS_CONTROL_ALLOW_PRIVATE_NETWORK,
        headers.allow_private_network().then_some(TRUE),
    );
    set(
        header::ACCESS_CONTROL_MAX_AGE,
        policy_value(&fixed.max_age, headers.max_age()),
    );
    set(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        policy_value(&fixed.expose_headers, headers.expose_headers()),
    );
    // Replaces a handler's own value when the policy sends one; otherwise
    // the handler's `Timing-Allow-Origin` (which is not a CORS header) stays.
    set(
        TIMING_ALLOW_ORIGIN,
        origin_value(headers.timing_allow_origin(), request_origin),
    );
}

/// Extends the response's `Vary` with `vary`'s tokens, without repeating any.
pub(crate) fn merge_vary(response_headers: &mut HeaderMap, vary: Vary) {
    if vary.is_empty() {
        return;
    }
    // A response without a `Vary` of its own (the common case) gets ours
    // appended: one pass over its few names costs less than an insert,
    // which hands back what it replaced.
    if !response_headers.keys().any(|name| name == header::VARY) {
        response_headers.append(header::VARY, vary_value(vary));
        return;
    }
    let mut removed = response_headers.insert(header::VARY, vary_value(vary));
    let Some(first) = removed.next() else {
        return;
    };
    let own: Vec<HeaderValue> = std::iter::once(first).chain(removed).collect();
    let joined = own
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(", ");
    let merged = vary
        .merge_into(&joined)
        .and_then(|merged| HeaderValue::from_str(&merged).ok());
    match merged {
        Some(merged) => {
            response_headers.insert(header::VARY, merged);
        }
        // Its own lines already name every token: they stay as they were.
        None => {
            let mut own = own.into_iter();
            if let Some(first) = own.next() {
                response_headers.insert(header::VARY, first);
            }
            for line in own {
                response_headers.append(header::VARY, line);
            }
        }
    }
}

/// The response to a preflight: the policy's success status with the
/// engine's headers, or `403 Forbidden` with only `Vary`.
pub(crate) fn preflight_response(
    decision: &Decision<'_>,
    policy: &Policy,
    request_headers: &HeaderMap,
    fixed: &FixedValues,
    rejection_header: bool,
) -> HttpResponse {
    let status = if decision.is_allowed() {
        StatusCode::from_u16(policy.preflight_status().code()).unwrap_or(StatusCode::NO_CONTENT)
    } else {
        StatusCode::FORBIDDEN
    };
    let mut res = HttpResponse::new(status);
    let origin = request_headers.get(header::ORIGIN);
    write_fresh(decision, origin, res.headers_mut(), fixed);
    if rejection_header {
        add_rejection_header(decision, res.headers_mut());
    }
    res
}

/// Adds `X-Cors-Rejected: <code>: <reason>` for a refused request.
pub(crate) fn add_rejection_header(decision: &Decision<'_>, response_headers: &mut HeaderMap) {
    if let Some(rejection) = decision.rejection() {
        set_rejection_header(response_headers, rejection.code(), rejection);
    }
}

/// Sets `X-Cors-Rejected: <code>: <reason>`, or the code alone should the
/// reason not make a valid header value: every refusal the middleware
/// answers (a decision's, cross-origin protection's, a disabled handler's)
/// is written here.
pub(crate) fn set_rejection_header(
    response_headers: &mut HeaderMap,
    code: &'static str,
    reason: impl std::fmt::Display,
) {
    let value = HeaderValue::from_str(&format!("{code}: {reason}"))
        .unwrap_or_else(|_| HeaderValue::from_static(code));
    response_headers.insert(REJECTED, value);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compile_time_vary_values_match_the_engine() {
        let tokens = [
            Vary::ORIGIN,
            Vary::REQUEST_METHOD,
            Vary::REQUEST_HEADERS,
            Vary::REQUEST_PRIVATE_NETWORK,
        ];
        for (bits, value) in VARY_VALUES.iter().enumerate() {
            let vary = tokens
                .iter()
                .enumerate()
                .filter(|(i, _)| bits & (1 << i) != 0)
                .fold(Vary::NONE, |v, (_, t)| v.with(*t));
            assert_eq!(vary_index(vary), bits);
            assert_eq!(value.as_bytes(), vary.as_str().as_bytes());
            assert_eq!(vary_value(vary), vary.as_str());
        }
    }

    #[test]
    fn vary_is_merged_token_by_token_and_never_loses_the_response_own() {
        let lines = |headers: &HeaderMap| -> Vec<String> {
            headers
                .get_all(header::VARY)
                .map(|v| v.to_str().unwrap().to_owned())
                .collect()
        };
        let preflight = Vary::ORIGIN.with(Vary::REQUEST_METHOD);
        for (own, vary, expected) in [
            (&[][..], Vary::ORIGIN, &["Origin"][..]),
            (&["Accept"][..], Vary::ORIGIN, &["Accept, Origin"][..]),
            (&["origin"][..], Vary::ORIGIN, &["origin"][..]),
            (&["*"][..], preflight, &["*"][..]),
            (
                &["Accept", "Origin"][..],
                Vary::ORIGIN,
                &["Accept", "Origin"][..],
            ),
            (
                &["Accept", "Origin"][..],
                preflight,
                &["Accept, Origin, Access-Control-Request-Method"][..],
            ),
            (&["Accept"][..], Vary::NONE, &["Accept"][..]),
        ] {
            let mut headers = HeaderMap::new();
            for value in own {
                headers.append(header::VARY, HeaderValue::from_static(value));
            }
            merge_vary(&mut headers, vary);
            assert_eq!(lines(&headers), expected, "{own:?} + {vary:?}");
        }
    }
}
