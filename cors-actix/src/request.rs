//! Reading what the engine needs from an actix request, borrowed.

use actix_web::dev::RequestHead;
use actix_web::http::header::{self, HeaderMap, HeaderName};
use actix_web::HttpRequest;
use cors_core::{CorsRequest, HeaderField};

// Built at compile time: `from_static` called at run time parses the name.
const ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK: HeaderName =
    HeaderName::from_static(cors_core::header::ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK);

fn field<'a>(headers: &'a HeaderMap, name: &HeaderName) -> HeaderField<'a> {
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

/// Whether the request's `Origin` is the request's own scheme and host: a
/// same-origin request (browsers send `Origin` on every same-origin `POST`),
/// which no CORS mode may block.
pub(crate) fn is_same_origin(req: &HttpRequest) -> bool {
    let Some(origin) = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
    else {
        return false;
    };
    let info = req.connection_info();
    let scheme = info.scheme();
    let Some(rest) = origin
        .strip_prefix(scheme)
        .and_then(|rest| rest.strip_prefix("://"))
    else {
        return false;
    };
    let host = info.host();
    let default_port = match scheme {
        "https" => ":443",
        _ => ":80",
    };
    let host = host.strip_suffix(default_port).unwrap_or(host);
    rest.eq_ignore_ascii_case(host)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn same_origin_compares_scheme_and_host() {
        let same = TestRequest::post()
            .insert_header(("host", "api.example.com"))
            .insert_header(("origin", "http://api.example.com"))
            .to_http_request();
        assert!(is_same_origin(&same));
        let default_port = TestRequest::post()
            .insert_header(("host", "api.example.com:80"))
            .insert_header(("origin", "http://api.example.com"))
            .to_http_request();
        assert!(is_same_origin(&default_port));
        let other = TestRequest::post()
            .insert_header(("host", "api.example.com"))
            .insert_header(("origin", "http://evil.example.com"))
            .to_http_request();
        assert!(!is_same_origin(&other));
        let other_port = TestRequest::post()
            .insert_header(("host", "api.example.com:8080"))
            .insert_header(("origin", "http://api.example.com"))
            .to_http_request();
        assert!(!is_same_origin(&other_port));
    }

    #[test]
    fn repeated_headers_are_seen_as_repeated() {
        let req = TestRequest::get()
            .append_header(("origin", "https://a.example"))
            .append_header(("origin", "https://b.example"))
            .to_http_request();
        assert_eq!(cors_request(req.head()).origin, HeaderField::Repeated);
    }
}
