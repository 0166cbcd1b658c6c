//! Writing the engine's headers into actix responses: one value per header,
//! `Vary` merged token by token, header values converted once per policy.

use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use cors_core::{Decision, Escaped, Policy, RequestKind};

/// The debug header carrying a rejection's reason (opt-in, development only).
pub(crate) const REJECTED_HEADER: &str = "x-cors-rejected";

/// Header values that are the same for every request, converted once.
#[derive(Debug)]
pub(crate) struct FixedValues {
    values: Vec<(&'static str, String, HeaderValue)>,
}

impl FixedValues {
    pub(crate) fn new(policy: &Policy) -> Self {
        let values = policy
            .fixed_header_values()
            .into_iter()
            .filter_map(|(name, value)| {
                let header_value = HeaderValue::from_str(value).ok()?;
                Some((name, value.to_owned(), header_value))
            })
            .collect();
        FixedValues { values }
    }

    /// `value` as a header value: a cheap clone when it is the policy's own,
    /// converted otherwise (values echoed from the request).
    fn get(&self, name: &str, value: &str) -> Option<HeaderValue> {
        self.values
            .iter()
            .find(|(n, v, _)| *n == name && v == value)
            .map(|(_, _, hv)| hv.clone())
            .or_else(|| HeaderValue::from_str(value).ok())
    }
}

/// Adds the decision's headers to a response.
///
/// `Access-Control-Allow-Origin` already set by the handler or an inner layer
/// is replaced (or removed, when the origin is refused) so the browser never
/// sees two values; `Vary` is extended, never repeated.
pub(crate) fn apply(
    decision: &Decision<'_>,
    request_headers: &HeaderMap,
    response_headers: &mut HeaderMap,
    fixed: &FixedValues,
) {
    let headers = decision.headers();
    let allow_origin = headers.allow_origin();
    if let Some(existing) = response_headers.get(header::ACCESS_CONTROL_ALLOW_ORIGIN) {
        let ours = allow_origin.unwrap_or("(none)");
        if existing.as_bytes() != ours.as_bytes() {
            tracing::warn!(
                handler_value = %Escaped(existing.to_str().unwrap_or("(not text)")),
                cors_value = %ours,
                "the handler or an inner middleware set `Access-Control-Allow-Origin`; the CORS \
                 middleware replaced it so browsers see one value (two values fail every CORS \
                 check); remove it from the handler"
            );
        }
        if allow_origin.is_none() && decision.kind() != RequestKind::NotCors {
            response_headers.remove(header::ACCESS_CONTROL_ALLOW_ORIGIN);
            response_headers.remove(header::ACCESS_CONTROL_ALLOW_CREDENTIALS);
        }
    }

    for (name, value) in headers.iter() {
        let header_value = match name {
            cors_core::header::ACCESS_CONTROL_ALLOW_ORIGIN if value == "*" => {
                HeaderValue::from_static("*")
            }
            // An echoed origin: reuse the request's own bytes.
            cors_core::header::ACCESS_CONTROL_ALLOW_ORIGIN => {
                match request_headers.get(header::ORIGIN) {
                    Some(origin) => origin.clone(),
                    None => continue,
                }
            }
            cors_core::header::ACCESS_CONTROL_ALLOW_CREDENTIALS
            | cors_core::header::ACCESS_CONTROL_ALLOW_PRIVATE_NETWORK => {
                HeaderValue::from_static("true")
            }
            _ => match fixed.get(name, value) {
                Some(v) => v,
                None => continue,
            },
        };
        response_headers.insert(HeaderName::from_static(name), header_value);
    }

    merge_vary(response_headers, decision.headers().vary());
}

/// Extends the response's `Vary` with `vary`'s tokens, without repeating any.
pub(crate) fn merge_vary(response_headers: &mut HeaderMap, vary: cors_core::Vary) {
    if vary.is_empty() {
        return;
    }
    let mut existing = response_headers.get_all(header::VARY).peekable();
    if existing.peek().is_none() {
        response_headers.insert(header::VARY, HeaderValue::from_static(vary.as_str()));
        return;
    }
    let joined = existing
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(", ");
    if let Some(merged) = vary.merge_into(&joined) {
        if let Ok(value) = HeaderValue::from_str(&merged) {
            response_headers.insert(header::VARY, value);
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
    apply(decision, request_headers, res.headers_mut(), fixed);
    if rejection_header {
        add_rejection_header(decision, res.headers_mut());
    }
    res
}

/// Adds `X-Cors-Rejected: <code>: <reason>` for a refused request.
pub(crate) fn add_rejection_header(decision: &Decision<'_>, response_headers: &mut HeaderMap) {
    let Some(rejection) = decision.rejection() else {
        return;
    };
    let text = format!("{}: {rejection}", rejection.code());
    let value =
        HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(rejection.code()));
    response_headers.insert(HeaderName::from_static(REJECTED_HEADER), value);
}
