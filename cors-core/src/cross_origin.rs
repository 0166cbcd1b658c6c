//! Cross-origin request forgery protection, decided from the CORS policy.
//!
//! CORS decides which pages may *read* a response; it does not stop a page
//! from *sending* a request. A form on `evil.example` that posts to
//! `bank.example/transfer` is sent with the user's cookies and runs; CORS
//! only hides the answer. This check refuses such requests before they run,
//! the way Go's `net/http.CrossOriginProtection` does, and takes the
//! origins it trusts from the policy the app already declares, so one
//! declaration governs reading and writing:
//!
//! 1. `GET`, `HEAD` and `OPTIONS` always pass (they must not change state).
//! 2. `Sec-Fetch-Site: same-origin` or `none` (typed in the address bar, a
//!    bookmark) passes; any other value passes only if the `Origin` is
//!    trusted.
//! 3. Without `Sec-Fetch-Site` (older browsers): an `Origin` whose host is
//!    the request's `Host` passes, an absent `Origin` passes (not a
//!    browser), any other passes only if trusted.
//!
//! Trusted: allowed by the policy, except that `*` trusts no origin for
//! writes unless [`cross_origin_writes_from_any_origin`] says so.
//!
//! [`cross_origin_writes_from_any_origin`]: crate::PolicyBuilder::cross_origin_writes_from_any_origin

use std::fmt;

use crate::decision::{CorsRequest, Escaped, HeaderField};
use crate::Policy;

/// What the protection reads of a request: all borrowed.
#[derive(Clone, Copy, Debug, Default)]
pub struct WriteRequest<'a> {
    /// The request's method.
    pub method: &'a str,
    /// `Origin`.
    pub origin: HeaderField<'a>,
    /// `Sec-Fetch-Site`, sent by every current browser.
    pub sec_fetch_site: Option<&'a [u8]>,
    /// The request's host (`Host`, or the host a declared proxy forwarded),
    /// with its port when not the default.
    pub host: Option<&'a [u8]>,
    /// An adapter's asynchronous origin check allowed the origin (see
    /// [`Policy::decide_with`]).
    pub origin_allowed_elsewhere: bool,
}

/// Why a state-changing request was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CrossOriginRefusal<'a> {
    /// `Sec-Fetch-Site` names another origin (`same-site`, `cross-site`)
    /// and the `Origin` is not trusted.
    SecFetchSite {
        /// The `Sec-Fetch-Site` value.
        value: &'a [u8],
        /// The `Origin`, when sent once.
        origin: Option<&'a [u8]>,
    },
    /// No `Sec-Fetch-Site`, and the `Origin` is neither the request's host
    /// nor trusted.
    OriginNotHost {
        /// The `Origin` (its first line, when repeated).
        origin: &'a [u8],
        /// The request's host.
        host: Option<&'a [u8]>,
    },
}

impl CrossOriginRefusal<'_> {
    /// A short code for logs and the debug header.
    pub fn code(&self) -> &'static str {
        match self {
            CrossOriginRefusal::SecFetchSite { .. } => "cross-origin-write",
            CrossOriginRefusal::OriginNotHost { .. } => "cross-origin-write-no-fetch-metadata",
        }
    }

    /// The origin the request came from, as sent.
    pub fn origin(&self) -> Option<&[u8]> {
        match self {
            CrossOriginRefusal::SecFetchSite { origin, .. } => *origin,
            CrossOriginRefusal::OriginNotHost { origin, .. } => Some(origin),
        }
    }
}

impl fmt::Display for CrossOriginRefusal<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
        match self {
            CrossOriginRefusal::SecFetchSite { value, origin } => {
                write!(f, "`Sec-Fetch-Site: {}` and ", Escaped(&text(value)))?;
                match origin {
                    Some(origin) => {
                        write!(f, "the origin `{}` is not allowed", Escaped(&text(origin)))
                    }
                    None => f.write_str("no single `Origin` to trust"),
                }
            }
            CrossOriginRefusal::OriginNotHost { origin, host } => write!(
                f,
                "no `Sec-Fetch-Site`, and the origin `{}` is neither the request's host `{}` \
                 nor allowed",
                Escaped(&text(origin)),
                Escaped(&text(host.unwrap_or_default()))
            ),
        }
    }
}

/// Whether `method` may change state (anything but `GET`, `HEAD`,
/// `OPTIONS`, compared byte for byte as browsers send them).
pub fn is_unsafe_method(method: &str) -> bool {
    !matches!(method, "GET" | "HEAD" | "OPTIONS")
}

/// Whether `origin`'s host (and port) is `host`, the request's `Host`: the
/// request comes from the server's own pages. `host` may name the default
/// port of the origin's scheme, which origins never do.
pub fn origin_is_host(origin: &[u8], host: &[u8]) -> bool {
    let (scheme, authority) = if let Some(rest) = origin.strip_prefix(b"https://") {
        ("https", rest)
    } else if let Some(rest) = origin.strip_prefix(b"http://") {
        ("http", rest)
    } else {
        return false;
    };
    let default_port: &[u8] = if scheme == "https" { b":443" } else { b":80" };
    let host = host.strip_suffix(default_port).unwrap_or(host);
    !authority.is_empty() && authority.eq_ignore_ascii_case(host)
}

impl Policy {
    /// Whether cross-origin protection is on.
    pub fn cross_origin_protection(&self) -> bool {
        self.inner().cross_origin_protection
    }

    /// Checks a request against cross-origin protection (see the
    /// [module docs](crate::cross_origin)); always passes when the
    /// protection is off.
    ///
    /// ```
    /// use cors_core::{CrossOriginRefusal, HeaderField, Policy, WriteRequest};
    ///
    /// let policy = Policy::builder()
    ///     .allowed_origin("https://app.example")
    ///     .cross_origin_protection(true)
    ///     .build()?;
    /// let form_post = WriteRequest {
    ///     method: "POST",
    ///     origin: HeaderField::Value(b"https://evil.example"),
    ///     sec_fetch_site: Some(b"cross-site"),
    ///     host: Some(b"bank.example"),
    ///     origin_allowed_elsewhere: false,
    /// };
    /// assert!(matches!(
    ///     policy.check_cross_origin(&form_post),
    ///     Err(CrossOriginRefusal::SecFetchSite { .. })
    /// ));
    /// let from_the_front_end = WriteRequest {
    ///     origin: HeaderField::Value(b"https://app.example"),
    ///     ..form_post
    /// };
    /// assert!(policy.check_cross_origin(&from_the_front_end).is_ok());
    /// # Ok::<(), cors_core::ConfigError>(())
    /// ```
    pub fn check_cross_origin<'a>(
        &self,
        req: &WriteRequest<'a>,
    ) -> Result<(), CrossOriginRefusal<'a>> {
        if !self.inner().cross_origin_protection || !is_unsafe_method(req.method) {
            return Ok(());
        }
        let single_origin = match req.origin {
            HeaderField::Value(origin) => Some(origin),
            _ => None,
        };
        match req.sec_fetch_site {
            Some(b"same-origin" | b"none") => Ok(()),
            Some(value) => match single_origin {
                Some(origin) if self.trusts_for_writes(req, origin) => Ok(()),
                _ => Err(CrossOriginRefusal::SecFetchSite {
                    value,
                    origin: single_origin,
                }),
            },
            None => {
                let origin = match req.origin {
                    HeaderField::Absent => return Ok(()),
                    HeaderField::Value(origin) => origin,
                    HeaderField::Lines(lines) => lines.iter().next().unwrap_or_default(),
                    HeaderField::Repeated => b"",
                };
                let same = single_origin
                    .zip(req.host)
                    .is_some_and(|(origin, host)| origin_is_host(origin, host));
                if same || single_origin.is_some_and(|o| self.trusts_for_writes(req, o)) {
                    Ok(())
                } else {
                    Err(CrossOriginRefusal::OriginNotHost {
                        origin,
                        host: req.host,
                    })
                }
            }
        }
    }

    /// Whether the policy allows `origin` to send a state-changing request:
    /// it allows the origin, and not only through `*` (unless told to).
    fn trusts_for_writes(&self, req: &WriteRequest<'_>, origin: &[u8]) -> bool {
        let decision = self.decide_with(
            &CorsRequest {
                method: req.method,
                origin: HeaderField::Value(origin),
                ..CorsRequest::default()
            },
            req.origin_allowed_elsewhere,
        );
        decision.is_allowed()
            && (decision.headers().allow_origin() != Some("*")
                || self.inner().writes_from_any_origin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_is_host_compares_host_and_port_and_drops_default_ports() {
        for (origin, host, same) in [
            ("https://bank.example", "bank.example", true),
            ("https://bank.example", "BANK.example", true),
            ("https://bank.example", "bank.example:443", true),
            ("http://bank.example", "bank.example:80", true),
            ("http://bank.example", "bank.example:443", false),
            ("https://bank.example:8443", "bank.example:8443", true),
            ("https://bank.example:8443", "bank.example", false),
            ("https://evil.example", "bank.example", false),
            ("https://bank.example.evil", "bank.example", false),
            ("null", "bank.example", false),
            ("https://", "", false),
        ] {
            assert_eq!(
                origin_is_host(origin.as_bytes(), host.as_bytes()),
                same,
                "{origin} vs {host}"
            );
        }
    }
}
