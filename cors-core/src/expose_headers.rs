//! `Access-Control-Expose-Headers`: which response headers scripts may read.

/// Validated exposed headers, with the header value joined once.
#[derive(Clone, Debug)]
pub(crate) enum ExposeHeaders {
    List { names: Vec<String>, header: String },
    Any,
}

impl ExposeHeaders {
    pub(crate) fn list(names: Vec<String>) -> Self {
        let header = names.join(", ");
        ExposeHeaders::List { names, header }
    }

    /// The header value, if there is anything to expose. `Any` is refused
    /// with credentials at build time, so `*` here always means any header.
    pub(crate) fn header_value(&self) -> Option<&str> {
        match self {
            ExposeHeaders::Any => Some("*"),
            ExposeHeaders::List { header, .. } if header.is_empty() => None,
            ExposeHeaders::List { header, .. } => Some(header),
        }
    }

    /// Whether a response header named `name` is readable by scripts.
    pub(crate) fn exposes(&self, name: &str) -> bool {
        is_safelisted_response_header(name)
            || match self {
                ExposeHeaders::Any => true,
                ExposeHeaders::List { names, .. } => {
                    names.iter().any(|n| n.eq_ignore_ascii_case(name))
                }
            }
    }
}

/// CORS-safelisted response-header names: always readable (Fetch § Headers).
pub(crate) fn is_safelisted_response_header(name: &str) -> bool {
    [
        "cache-control",
        "content-language",
        "content-length",
        "content-type",
        "expires",
        "last-modified",
        "pragma",
    ]
    .iter()
    .any(|n| n.eq_ignore_ascii_case(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exposure_covers_listed_and_safelisted_headers() {
        let list = ExposeHeaders::list(vec!["x-request-id".into()]);
        assert_eq!(list.header_value(), Some("x-request-id"));
        assert!(list.exposes("X-Request-Id"));
        assert!(list.exposes("Content-Type"));
        assert!(!list.exposes("x-report-id"));
        assert_eq!(ExposeHeaders::list(vec![]).header_value(), None);
        assert_eq!(ExposeHeaders::Any.header_value(), Some("*"));
    }
}
