//! `Access-Control-Allow-Headers`: which request headers a preflight may ask for.

use crate::decision::FieldLines;
use crate::request_headers::{MalformedHeaders, RequestHeaderNames};

/// Validated allowed request headers, with the header value joined once.
#[derive(Clone, Debug)]
pub(crate) enum AllowHeaders {
    /// Only these (lower-case) names.
    List { names: Vec<String>, header: String },
    /// Any header.
    Any,
    /// Any header, answered by echoing the request's list.
    Mirror,
}

/// Why the requested headers were refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HeaderRefusal<'a> {
    Malformed(MalformedHeaders),
    NotAllowed(&'a str),
    /// The answer must echo a list sent on several lines, which cannot be
    /// borrowed as one value without allocating.
    EchoAcrossLines,
}

impl AllowHeaders {
    pub(crate) fn list(names: Vec<String>) -> Self {
        let header = names.join(", ");
        AllowHeaders::List { names, header }
    }

    /// Checks every name the preflight asks for and returns the header value
    /// to answer with. One bad name refuses the whole preflight, as browsers do.
    pub(crate) fn check<'a>(
        &'a self,
        requested: FieldLines<'a>,
        credentials: bool,
    ) -> Result<&'a str, HeaderRefusal<'a>> {
        let mut authorization = false;
        for name in RequestHeaderNames::new(requested).map_err(HeaderRefusal::Malformed)? {
            let name = name.map_err(HeaderRefusal::Malformed)?;
            match self {
                AllowHeaders::List { names, .. } => {
                    // Every requested name must be listed: browsers only put
                    // non-safelisted headers here (`content-type` included,
                    // when its value is not a safelisted one).
                    if !names.iter().any(|n| same_name(n.as_bytes(), name)) {
                        // A header-name token is ASCII: never the default.
                        let name = std::str::from_utf8(name).unwrap_or_default();
                        return Err(HeaderRefusal::NotAllowed(name));
                    }
                }
                AllowHeaders::Any | AllowHeaders::Mirror => {
                    authorization |= name.eq_ignore_ascii_case(b"authorization");
                }
            }
        }
        Ok(match self {
            AllowHeaders::List { header, .. } => header,
            // `*` never covers `Authorization` (Fetch: CORS non-wildcard
            // request-header name), so it is listed when asked for.
            AllowHeaders::Any if !credentials && authorization => "*, authorization",
            AllowHeaders::Any if !credentials => "*",
            // With credentials `*` is a header literally named `*`: echo.
            AllowHeaders::Any | AllowHeaders::Mirror => {
                let requested = requested.single().ok_or(HeaderRefusal::EchoAcrossLines)?;
                // Validated above: ASCII tokens, commas and whitespace only.
                std::str::from_utf8(requested.trim_ascii()).unwrap_or_default()
            }
        })
    }

    /// The allowed names, for explanations (`None` when any is allowed).
    pub(crate) fn names(&self) -> Option<&str> {
        match self {
            AllowHeaders::List { header, .. } => Some(header),
            _ => None,
        }
    }
}

/// Whether a requested name is an allowed (lower-case) one, ignoring ASCII
/// case. Browsers send lower-case names, so the byte comparison usually
/// answers; the case-blind one runs only for names of the same length.
fn same_name(allowed: &[u8], requested: &[u8]) -> bool {
    allowed == requested || allowed.eq_ignore_ascii_case(requested)
}

/// Forbidden request headers (Fetch § forbidden request-header): scripts can
/// never set them, so allowing them is meaningless.
pub(crate) fn is_forbidden_request_header(name: &str) -> bool {
    const FORBIDDEN: [&str; 21] = [
        "accept-charset",
        "accept-encoding",
        "access-control-request-headers",
        "access-control-request-method",
        "connection",
        "content-length",
        "cookie",
        "cookie2",
        "date",
        "dnt",
        "expect",
        "host",
        "keep-alive",
        "origin",
        "referer",
        "set-cookie",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "via",
    ];
    let lower = name.to_ascii_lowercase();
    FORBIDDEN.contains(&lower.as_str())
        || lower.starts_with("proxy-")
        || lower.starts_with("sec-")
        // Not forbidden by Fetch, but response headers (or preflight-only
        // ones, covered above): a server never needs scripts to send them.
        || lower.starts_with("access-control-")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines<'a>(lines: &[&'a str]) -> FieldLines<'a> {
        FieldLines::new(lines.iter().map(|l| l.as_bytes())).unwrap()
    }

    #[test]
    fn a_list_on_several_lines_is_checked_as_one() {
        let list = AllowHeaders::list(vec!["content-type".into(), "x-trace-id".into()]);
        assert_eq!(
            list.check(lines(&["content-type", "x-trace-id"]), false),
            Ok("content-type, x-trace-id")
        );
        assert_eq!(
            list.check(lines(&["content-type", "x-other"]), false),
            Err(HeaderRefusal::NotAllowed("x-other"))
        );
        assert_eq!(
            AllowHeaders::Any.check(lines(&["x-a", "authorization"]), false),
            Ok("*, authorization")
        );
        // Echoing would need the lines joined, which allocates: refused.
        assert_eq!(
            AllowHeaders::Mirror.check(lines(&["x-a", "x-b"]), false),
            Err(HeaderRefusal::EchoAcrossLines)
        );
    }

    #[test]
    fn listed_headers_compare_case_insensitively_and_all_must_match() {
        let list = AllowHeaders::list(vec!["content-type".into(), "x-trace-id".into()]);
        assert_eq!(
            list.check(FieldLines::one(b"Content-Type,X-Trace-Id"), false),
            Ok("content-type, x-trace-id")
        );
        assert_eq!(
            list.check(FieldLines::one(b"content-type,x-other"), false),
            Err(HeaderRefusal::NotAllowed("x-other"))
        );
        assert_eq!(
            list.check(FieldLines::one(b"content-type,,x-trace-id"), false),
            Ok("content-type, x-trace-id")
        );
        assert_eq!(
            list.check(FieldLines::one(b" , "), false),
            Err(HeaderRefusal::Malformed(MalformedHeaders::EmptyName))
        );
    }

    #[test]
    fn content_type_in_the_request_list_is_not_safelisted() {
        let list = AllowHeaders::list(vec!["x-trace-id".into()]);
        assert_eq!(
            list.check(FieldLines::one(b"content-type"), false),
            Err(HeaderRefusal::NotAllowed("content-type"))
        );
    }

    #[test]
    fn wildcard_does_not_cover_authorization() {
        assert_eq!(
            AllowHeaders::Any.check(FieldLines::one(b"authorization,x-a"), false),
            Ok("*, authorization")
        );
        assert_eq!(
            AllowHeaders::Any.check(FieldLines::one(b"x-a"), false),
            Ok("*")
        );
        assert_eq!(
            AllowHeaders::Any.check(FieldLines::one(b"authorization,x-a"), true),
            Ok("authorization,x-a")
        );
        assert_eq!(
            AllowHeaders::Mirror.check(FieldLines::one(b" x-a, x-b "), false),
            Ok("x-a, x-b")
        );
    }

    #[test]
    fn forbidden_request_headers_are_recognised() {
        for name in [
            "Cookie",
            "host",
            "Sec-Fetch-Mode",
            "proxy-authorization",
            "origin",
            "Access-Control-Allow-Origin",
            "access-control-request-private-network",
        ] {
            assert!(is_forbidden_request_header(name), "{name}");
        }
        assert!(!is_forbidden_request_header("authorization"));
    }
}
