//! Reading what the engine needs from an actix request, borrowed.

use std::borrow::Cow;

use actix_web::dev::{RequestHead, ServiceRequest};
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::http::uri::PathAndQuery;
use actix_web::http::Method;
use actix_web::HttpRequest;
use cors_core::{CorsRequest, HeaderField};

use crate::diagnostics::{warn_enabled, Facts};

// Built at compile time: `from_static` called at run time parses the name.
const ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK: HeaderName =
    HeaderName::from_static(cors_core::header::ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK);

/// One field's lines, as the engine takes them.
#[inline]
pub(crate) fn field<'a>(headers: &'a HeaderMap, name: &HeaderName) -> HeaderField<'a> {
    HeaderField::from_values(headers.get_all(name).map(|v| v.as_bytes()))
}

/// The request's method and CORS headers, as the engine takes them.
pub(crate) fn cors_request(head: &RequestHead) -> CorsRequest<'_> {
    let headers = &head.headers;
    CorsRequest {
        method: head.method.as_str(),
        origin: field(headers, &header::ORIGIN),
        request_method: field(headers, &header::ACCESS_CONTROL_REQUEST_METHOD),
        request_headers: field(headers, &header::ACCESS_CONTROL_REQUEST_HEADERS),
        request_private_network: field(headers, &ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK),
    }
}

/// What deciding a request that is not a preflight, and the error path,
/// need once the request has moved into the inner service (routing needs it
/// unshared): cheap clones.
#[derive(Clone)]
pub(crate) struct RequestSnapshot {
    method: Method,
    /// The first `Origin` line.
    pub(crate) origin: Option<HeaderValue>,
    repeated_origin: bool,
    /// For the error path's log line: only refused CORS requests are
    /// logged there, and only when someone listens at `warn`. The path, not
    /// the whole `Uri`: the snapshot travels in the response future, moved
    /// with it at every poll's hand-over.
    path: Option<PathAndQuery>,
}

impl RequestSnapshot {
    /// The snapshot of `req`, given its `Origin` lines (the caller looked
    /// them up first, to tell a request without `Origin` at once).
    pub(crate) fn new(
        req: &ServiceRequest,
        mut origins: std::slice::Iter<'_, HeaderValue>,
    ) -> Self {
        let origin = origins.next().cloned();
        RequestSnapshot {
            method: req.method().clone(),
            repeated_origin: origins.next().is_some(),
            // The first clone of a path promotes its `Bytes` to a shared
            // buffer: one allocation per request, wasted unless the line it
            // is kept for can be written (`diagnostics::explain` writes a
            // refusal only when `warn` is on).
            path: (origin.is_some() && warn_enabled())
                .then(|| req.uri().path_and_query().cloned())
                .flatten(),
            origin,
        }
    }

    /// The engine's view of the request: its method and `Origin`, all the
    /// engine reads of a request that is not a preflight.
    pub(crate) fn cors_request(&self) -> CorsRequest<'_> {
        let origin = match &self.origin {
            None => HeaderField::Absent,
            Some(_) if self.repeated_origin => HeaderField::Repeated,
            Some(value) => HeaderField::Value(value.as_bytes()),
        };
        CorsRequest {
            method: self.method.as_str(),
            origin,
            ..CorsRequest::default()
        }
    }

    /// What a log line says about the request.
    pub(crate) fn facts(&self) -> Facts<'_> {
        Facts {
            method: self.method.as_str(),
            path: self.path.as_ref().map_or("", PathAndQuery::path),
            origin: self.origin.as_ref().map(HeaderValue::as_bytes),
            requested_method: None,
            requested_headers: None,
            route: None,
        }
    }
}

/// The host the browser addressed, with its port: the `Host` header (the
/// URI's authority over HTTP/2). Behind a proxy the app declared
/// (`trust_forwarded`), the host it forwarded (`Forwarded`,
/// `X-Forwarded-Host`): any client can set those headers, so they are never
/// read otherwise.
pub(crate) fn request_host(req: &HttpRequest, trust_forwarded: bool) -> Option<Cow<'_, [u8]>> {
    if trust_forwarded {
        return Some(Cow::Owned(req.connection_info().host().as_bytes().to_vec()));
    }
    match req.headers().get(header::HOST) {
        Some(host) => Some(Cow::Borrowed(host.as_bytes())),
        None => req
            .uri()
            .authority()
            .map(|authority| Cow::Borrowed(authority.as_str().as_bytes())),
    }
}

/// Whether the request's `Origin` names the request's own host: a
/// same-origin request (browsers send `Origin` on every same-origin `POST`),
/// which no CORS mode may block. Compared as Go's `CrossOriginProtection`
/// does: host and port, whatever the scheme a TLS-terminating proxy hides.
pub(crate) fn is_same_origin(req: &HttpRequest, trust_forwarded: bool) -> bool {
    let mut origins = req.headers().get_all(header::ORIGIN);
    let (Some(origin), None) = (origins.next(), origins.next()) else {
        return false;
    };
    request_host(req, trust_forwarded)
        .is_some_and(|host| cors_core::cross_origin::origin_is_host(origin.as_bytes(), &host))
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;
    use cors_core::Policy;

    #[test]
    fn same_origin_compares_scheme_and_host() {
        let same = TestRequest::post()
            .insert_header(("host", "api.example.com"))
            .insert_header(("origin", "http://api.example.com"))
            .to_http_request();
        assert!(is_same_origin(&same, false));
        let default_port = TestRequest::post()
            .insert_header(("host", "api.example.com:80"))
            .insert_header(("origin", "http://api.example.com"))
            .to_http_request();
        assert!(is_same_origin(&default_port, false));
        let other = TestRequest::post()
            .insert_header(("host", "api.example.com"))
            .insert_header(("origin", "http://evil.example.com"))
            .to_http_request();
        assert!(!is_same_origin(&other, false));
        let other_port = TestRequest::post()
            .insert_header(("host", "api.example.com:8080"))
            .insert_header(("origin", "http://api.example.com"))
            .to_http_request();
        assert!(!is_same_origin(&other_port, false));
        // A client-set `X-Forwarded-Host` is read only behind a declared proxy.
        let spoofed = TestRequest::post()
            .insert_header(("host", "api.example.com"))
            .insert_header(("x-forwarded-host", "evil.example"))
            .insert_header(("origin", "http://evil.example"))
            .to_http_request();
        assert!(!is_same_origin(&spoofed, false));
        assert!(is_same_origin(&spoofed, true));
    }

    #[test]
    fn repeated_headers_are_seen_as_repeated() {
        let req = TestRequest::get()
            .append_header(("origin", "https://a.example"))
            .append_header(("origin", "https://b.example"))
            .to_http_request();
        // Two lines of a single-valued field: read as lines, judged repeated.
        assert!(matches!(
            cors_request(req.head()).origin,
            HeaderField::Lines(_) | HeaderField::Repeated
        ));
        let policy = Policy::builder()
            .allowed_origins(["https://a.example", "https://b.example"])
            .build()
            .unwrap();
        assert_eq!(
            policy
                .decide(&cors_request(req.head()))
                .rejection()
                .map(|r| r.code()),
            Some("repeated-header")
        );
    }

    #[test]
    fn the_snapshot_decides_every_non_options_request_alike() {
        let policies = [
            Policy::builder()
                .allowed_origin("https://app.example")
                .allowed_methods(["GET", "PUT"])
                .allowed_headers(["x-a"])
                .allow_private_network(true)
                .build()
                .unwrap(),
            Policy::builder()
                .allow_any_origin()
                .expose_any_header()
                .build()
                .unwrap(),
            Policy::builder()
                .allowed_origin("https://app.example")
                .allow_credentials(true)
                .vary(false)
                .build()
                .unwrap(),
        ];
        for method in [Method::GET, Method::POST, Method::PUT, Method::DELETE] {
            for origins in [
                &[][..],
                &["https://app.example"][..],
                &["https://evil.example"][..],
                &["https://app.example", "https://app.example"][..],
            ] {
                let mut req = TestRequest::default()
                    .method(method.clone())
                    .insert_header((header::ACCESS_CONTROL_REQUEST_METHOD, "PUT"))
                    .insert_header((header::ACCESS_CONTROL_REQUEST_HEADERS, "x-a,x-b"))
                    .insert_header(("access-control-request-private-network", "true"));
                for origin in origins {
                    req = req.append_header((header::ORIGIN, *origin));
                }
                let req = req.to_srv_request();
                let snapshot = RequestSnapshot::new(&req, req.headers().get_all(header::ORIGIN));
                for policy in &policies {
                    assert_eq!(
                        policy.decide(&snapshot.cors_request()),
                        policy.decide(&cors_request(req.head())),
                        "{method} {origins:?}"
                    );
                }
            }
        }
    }
}
