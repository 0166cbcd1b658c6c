//! The decision engine: a pure function of a policy and a request's method
//! and CORS headers, returning the exact headers to add or a reason to refuse.

use std::fmt;

use crate::allow_headers::HeaderRefusal;
use crate::origin::MAX_ORIGIN_LEN;
use crate::policy::Policy;
use crate::request_headers::MalformedHeaders;
use crate::token::is_token;
use crate::vary::Vary;

/// Header names, lower-case as HTTP/2 and the `http` crate spell them.
pub mod header {
    /// `Origin`.
    pub const ORIGIN: &str = "origin";
    /// `Access-Control-Request-Method`.
    pub const ACCESS_CONTROL_REQUEST_METHOD: &str = "access-control-request-method";
    /// `Access-Control-Request-Headers`.
    pub const ACCESS_CONTROL_REQUEST_HEADERS: &str = "access-control-request-headers";
    /// `Access-Control-Request-Private-Network`.
    pub const ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK: &str =
        "access-control-request-private-network";
    /// `Access-Control-Allow-Origin`.
    pub const ACCESS_CONTROL_ALLOW_ORIGIN: &str = "access-control-allow-origin";
    /// `Access-Control-Allow-Credentials`.
    pub const ACCESS_CONTROL_ALLOW_CREDENTIALS: &str = "access-control-allow-credentials";
    /// `Access-Control-Allow-Methods`.
    pub const ACCESS_CONTROL_ALLOW_METHODS: &str = "access-control-allow-methods";
    /// `Access-Control-Allow-Headers`.
    pub const ACCESS_CONTROL_ALLOW_HEADERS: &str = "access-control-allow-headers";
    /// `Access-Control-Allow-Private-Network`.
    pub const ACCESS_CONTROL_ALLOW_PRIVATE_NETWORK: &str = "access-control-allow-private-network";
    /// `Access-Control-Max-Age`.
    pub const ACCESS_CONTROL_MAX_AGE: &str = "access-control-max-age";
    /// `Access-Control-Expose-Headers`.
    pub const ACCESS_CONTROL_EXPOSE_HEADERS: &str = "access-control-expose-headers";
    /// `Timing-Allow-Origin` (Resource Timing, not CORS).
    pub const TIMING_ALLOW_ORIGIN: &str = "timing-allow-origin";
    /// `Vary`.
    pub const VARY: &str = "vary";
}

/// The most lines of one request header the engine keeps. A list-based
/// header (`Access-Control-Request-Headers`) sent on up to this many lines
/// is read as one comma-joined list (RFC 9110 §5.3); more lines are
/// [`HeaderField::Repeated`]. Keeping the lines in a fixed array is what lets
/// the engine read them without allocating.
pub const MAX_FIELD_LINES: usize = 4;

/// The lines of a header sent more than once (at most [`MAX_FIELD_LINES`]),
/// borrowed, in the order received.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FieldLines<'a> {
    lines: [&'a [u8]; MAX_FIELD_LINES],
    len: usize,
}

impl<'a> FieldLines<'a> {
    /// The lines of `values`, or `None` when there are more than
    /// [`MAX_FIELD_LINES`].
    pub fn new(values: impl IntoIterator<Item = &'a [u8]>) -> Option<Self> {
        let mut lines = FieldLines::default();
        for value in values {
            *lines.lines.get_mut(lines.len)? = value;
            lines.len += 1;
        }
        Some(lines)
    }

    /// One line.
    pub fn one(value: &'a [u8]) -> Self {
        let mut lines = FieldLines::default();
        lines.lines[0] = value;
        lines.len = 1;
        lines
    }

    /// The lines, in order.
    pub fn iter(&self) -> impl Iterator<Item = &'a [u8]> + '_ {
        self.lines[..self.len].iter().copied()
    }

    /// How many lines there are.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there is no line.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The only line, if there is exactly one.
    pub(crate) fn single(&self) -> Option<&'a [u8]> {
        (self.len == 1).then_some(self.lines[0])
    }

    /// Their total length in bytes, commas that would join them included.
    pub(crate) fn total_len(&self) -> usize {
        self.iter().map(<[u8]>::len).sum::<usize>() + self.len.saturating_sub(1)
    }
}

/// One request header as the engine needs it: absent, one line, or repeated.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum HeaderField<'a> {
    /// Not sent.
    #[default]
    Absent,
    /// Sent once, with this value.
    Value(&'a [u8]),
    /// Sent on two to [`MAX_FIELD_LINES`] lines. The list-based
    /// `Access-Control-Request-Headers` reads them as one comma-joined list
    /// (RFC 9110 §5.3); for single-valued headers (`Origin`,
    /// `Access-Control-Request-Method`) this is the same as `Repeated`.
    Lines(FieldLines<'a>),
    /// Sent on more than one line (and the lines were not kept, or there were
    /// more than [`MAX_FIELD_LINES`]), which no browser does for CORS headers.
    Repeated,
}

impl<'a> HeaderField<'a> {
    /// Reads the lines of one header, keeping up to [`MAX_FIELD_LINES`].
    #[inline]
    pub fn from_values(values: impl IntoIterator<Item = &'a [u8]>) -> Self {
        let mut values = values.into_iter();
        // Most fields are absent or sent once: no array to fill for them.
        let first = match values.next() {
            None => return HeaderField::Absent,
            Some(first) => first,
        };
        let Some(second) = values.next() else {
            return HeaderField::Value(first);
        };
        match FieldLines::new([first, second].into_iter().chain(values)) {
            None => HeaderField::Repeated,
            Some(lines) if lines.is_empty() => HeaderField::Absent,
            Some(lines) => match lines.single() {
                Some(value) => HeaderField::Value(value),
                None => HeaderField::Lines(lines),
            },
        }
    }

    /// Whether the header was sent.
    pub fn is_present(self) -> bool {
        !matches!(self, HeaderField::Absent)
    }
}

impl<'a> From<Option<&'a str>> for HeaderField<'a> {
    fn from(value: Option<&'a str>) -> Self {
        value.map_or(HeaderField::Absent, |v| HeaderField::Value(v.as_bytes()))
    }
}

/// What the engine needs to know about a request.
#[derive(Clone, Copy, Debug, Default)]
pub struct CorsRequest<'a> {
    /// The request method, e.g. `OPTIONS`.
    pub method: &'a str,
    /// `Origin`.
    pub origin: HeaderField<'a>,
    /// `Access-Control-Request-Method`.
    pub request_method: HeaderField<'a>,
    /// `Access-Control-Request-Headers`.
    pub request_headers: HeaderField<'a>,
    /// `Access-Control-Request-Private-Network`.
    pub request_private_network: HeaderField<'a>,
}

impl<'a> CorsRequest<'a> {
    /// A request with this method and no CORS headers.
    pub fn new(method: &'a str) -> Self {
        CorsRequest {
            method,
            ..CorsRequest::default()
        }
    }

    /// With an `Origin`.
    #[must_use]
    pub fn origin(mut self, origin: &'a str) -> Self {
        self.origin = HeaderField::Value(origin.as_bytes());
        self
    }

    /// With an `Access-Control-Request-Method`.
    #[must_use]
    pub fn request_method(mut self, method: &'a str) -> Self {
        self.request_method = HeaderField::Value(method.as_bytes());
        self
    }

    /// With an `Access-Control-Request-Headers`.
    #[must_use]
    pub fn request_headers(mut self, headers: &'a str) -> Self {
        self.request_headers = HeaderField::Value(headers.as_bytes());
        self
    }

    /// With `Access-Control-Request-Private-Network`.
    #[must_use]
    pub fn request_private_network(mut self, value: &'a str) -> Self {
        self.request_private_network = HeaderField::Value(value.as_bytes());
        self
    }

    /// Whether this is a preflight: `OPTIONS` with `Origin` and
    /// `Access-Control-Request-Method` (Fetch § CORS-preflight fetch).
    pub fn is_preflight(&self) -> bool {
        self.method == "OPTIONS" && self.origin.is_present() && self.request_method.is_present()
    }
}

/// How the engine classified a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestKind {
    /// No `Origin`: not a CORS request.
    NotCors,
    /// A CORS request other than a preflight.
    Actual,
    /// `OPTIONS` with `Origin` and `Access-Control-Request-Method`.
    Preflight,
}

/// Why a CORS request was refused. Values borrowed from the request are
/// checked to be short ASCII; `Display` escapes them anyway so a crafted
/// header can never forge a log line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rejection<'a> {
    /// The origin is not allowed by the policy.
    OriginNotAllowed {
        /// The request's `Origin`.
        origin: &'a str,
    },
    /// `Origin` is not a plausible origin (too long, not ASCII, empty).
    MalformedOrigin,
    /// A CORS request header was sent on more than one line.
    RepeatedHeader {
        /// The header's name.
        name: &'static str,
    },
    /// The preflight asks for a method the policy does not allow.
    MethodNotAllowed {
        /// The requested method.
        method: &'a str,
    },
    /// `Access-Control-Request-Method` is not a method token.
    MalformedRequestMethod,
    /// The preflight asks for a header the policy does not allow.
    HeaderNotAllowed {
        /// The requested header's name, as sent.
        header: &'a str,
    },
    /// `Access-Control-Request-Headers` is not a list of header names.
    MalformedRequestHeaders(MalformedHeaders),
    /// The preflight asks for Private Network Access, which is not enabled.
    PrivateNetworkNotAllowed,
}

impl Rejection<'_> {
    /// A short, stable, machine-readable code, e.g. `origin-not-allowed`.
    pub fn code(&self) -> &'static str {
        match self {
            Rejection::OriginNotAllowed { .. } => "origin-not-allowed",
            Rejection::MalformedOrigin => "malformed-origin",
            Rejection::RepeatedHeader { .. } => "repeated-header",
            Rejection::MethodNotAllowed { .. } => "method-not-allowed",
            Rejection::MalformedRequestMethod => "malformed-request-method",
            Rejection::HeaderNotAllowed { .. } => "header-not-allowed",
            Rejection::MalformedRequestHeaders(_) => "malformed-request-headers",
            Rejection::PrivateNetworkNotAllowed => "private-network-not-allowed",
        }
    }
}

impl fmt::Display for Rejection<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rejection::OriginNotAllowed { origin } => {
                write!(
                    f,
                    "origin `{}` is not in the allowed origins",
                    Escaped(origin)
                )
            }
            Rejection::MalformedOrigin => f.write_str(
                "the `Origin` header is not a valid origin (empty, not ASCII, or too long)",
            ),
            Rejection::RepeatedHeader { name } => {
                write!(f, "the `{name}` header was sent more than once")
            }
            Rejection::MethodNotAllowed { method } => {
                write!(
                    f,
                    "method `{}` is not in the allowed methods",
                    Escaped(method)
                )
            }
            Rejection::MalformedRequestMethod => {
                f.write_str("`Access-Control-Request-Method` is not a valid method")
            }
            Rejection::HeaderNotAllowed { header } => write!(
                f,
                "request header `{}` is not in the allowed headers",
                Escaped(header)
            ),
            Rejection::MalformedRequestHeaders(MalformedHeaders::TooLong { len }) => write!(
                f,
                "`Access-Control-Request-Headers` is {len} bytes long, more than the {} accepted",
                crate::request_headers::MAX_REQUEST_HEADERS_LEN
            ),
            Rejection::MalformedRequestHeaders(_) => f.write_str(
                "`Access-Control-Request-Headers` is not a comma-separated list of header names",
            ),
            Rejection::PrivateNetworkNotAllowed => f.write_str(
                "the preflight asks for Private Network Access, which the policy does not allow",
            ),
        }
    }
}

/// Displays a request-supplied string with control characters escaped and
/// long values cut, so it is always safe to put in a log line.
#[derive(Clone, Copy, Debug)]
pub struct Escaped<'a>(pub &'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const SHOWN: usize = 200;
        for (i, c) in self.0.chars().enumerate() {
            if i == SHOWN {
                return write!(f, "…({} bytes)", self.0.len());
            }
            if c == '`' {
                // `escape_default` leaves a backtick as is, and one would
                // close the quotes the messages put around the value.
                f.write_str("\\`")?;
            } else if c.is_control() {
                write!(f, "{}", c.escape_default())?;
            } else {
                f.write_fmt(format_args!("{c}"))?;
            }
        }
        Ok(())
    }
}

/// The CORS response headers for one request. Values borrow from the policy
/// (joined once at build time) or from the request (an echoed origin), so
/// producing them never allocates.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ResponseHeaders<'a> {
    allow_origin: Option<&'a str>,
    allow_credentials: bool,
    allow_methods: Option<&'a str>,
    allow_headers: Option<&'a str>,
    allow_private_network: bool,
    max_age: Option<&'a str>,
    expose_headers: Option<&'a str>,
    timing_allow_origin: Option<&'a str>,
    vary: Vary,
}

impl<'a> ResponseHeaders<'a> {
    /// `Access-Control-Allow-Origin`: `*` or the request's origin, byte for byte.
    pub fn allow_origin(&self) -> Option<&'a str> {
        self.allow_origin
    }

    /// `Access-Control-Allow-Credentials: true`.
    pub fn allow_credentials(&self) -> bool {
        self.allow_credentials
    }

    /// `Access-Control-Allow-Methods` (preflights only).
    pub fn allow_methods(&self) -> Option<&'a str> {
        self.allow_methods
    }

    /// `Access-Control-Allow-Headers` (preflights only).
    pub fn allow_headers(&self) -> Option<&'a str> {
        self.allow_headers
    }

    /// `Access-Control-Allow-Private-Network: true` (preflights only).
    pub fn allow_private_network(&self) -> bool {
        self.allow_private_network
    }

    /// `Access-Control-Max-Age` (preflights only).
    pub fn max_age(&self) -> Option<&'a str> {
        self.max_age
    }

    /// `Access-Control-Expose-Headers` (actual requests only).
    pub fn expose_headers(&self) -> Option<&'a str> {
        self.expose_headers
    }

    /// `Timing-Allow-Origin` (actual requests only, when the policy enables
    /// it): the same value as [`allow_origin`](Self::allow_origin), so it
    /// depends on `Origin` exactly when that does, and `Vary` already says
    /// so. Never on preflights, which are not resources a page times.
    pub fn timing_allow_origin(&self) -> Option<&'a str> {
        self.timing_allow_origin
    }

    /// The tokens `Vary` must carry (may be empty).
    pub fn vary(&self) -> Vary {
        self.vary
    }

    /// Every header to set except `Vary` (which must be merged with the
    /// response's own), as `(lower-case name, value)`.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &'a str)> + '_ {
        [
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, self.allow_origin),
            (
                header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
                self.allow_credentials.then_some("true"),
            ),
            (header::ACCESS_CONTROL_ALLOW_METHODS, self.allow_methods),
            (header::ACCESS_CONTROL_ALLOW_HEADERS, self.allow_headers),
            (
                header::ACCESS_CONTROL_ALLOW_PRIVATE_NETWORK,
                self.allow_private_network.then_some("true"),
            ),
            (header::ACCESS_CONTROL_MAX_AGE, self.max_age),
            (header::ACCESS_CONTROL_EXPOSE_HEADERS, self.expose_headers),
            (header::TIMING_ALLOW_ORIGIN, self.timing_allow_origin),
        ]
        .into_iter()
        .filter_map(|(name, value)| Some((name, value?)))
    }

    /// The value of one header (by lower-case name), `Vary` included.
    pub fn get(&self, name: &str) -> Option<&'a str> {
        if name == header::VARY {
            return (!self.vary.is_empty()).then(|| self.vary.as_str());
        }
        self.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }
}

/// The engine's answer for one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decision<'a> {
    kind: RequestKind,
    rejection: Option<Rejection<'a>>,
    headers: ResponseHeaders<'a>,
}

impl<'a> Decision<'a> {
    /// How the request was classified.
    pub fn kind(&self) -> RequestKind {
        self.kind
    }

    /// Whether the request is allowed (always true for non-CORS requests).
    pub fn is_allowed(&self) -> bool {
        self.rejection.is_none()
    }

    /// Why the request was refused, if it was.
    pub fn rejection(&self) -> Option<&Rejection<'a>> {
        self.rejection.as_ref()
    }

    /// The headers to add to the response: the full set when allowed, only
    /// `Vary` when refused.
    pub fn headers(&self) -> &ResponseHeaders<'a> {
        &self.headers
    }
}

impl Policy {
    /// Decides a request: classifies it and returns the headers to add, or
    /// why it is refused. Pure, never panics, and allocates nothing (except
    /// that the first regex match on each thread fills the regex crate's
    /// per-thread cache once).
    #[inline]
    pub fn decide<'a>(&'a self, request: &CorsRequest<'a>) -> Decision<'a> {
        self.decide_with(request, false)
    }

    /// Like [`decide`](Policy::decide), with the request's origin also
    /// allowed when `origin_allowed_elsewhere` (an adapter's asynchronous
    /// origin check said yes; `null`, malformed and repeated origins stay
    /// refused).
    pub fn decide_with<'a>(
        &'a self,
        request: &CorsRequest<'a>,
        origin_allowed_elsewhere: bool,
    ) -> Decision<'a> {
        let p = self.inner();
        let credentials = p.credentials;
        // A constant `*` answer (any origin, no credentials) is the same for
        // every request and needs no `Vary: Origin` (Fetch, appendix "CORS
        // protocol and HTTP caches"); anything else depends on the origin.
        let static_answer = p.origins.is_any() && !credentials;
        let mut vary = if p.emit_vary && !static_answer {
            Vary::ORIGIN
        } else {
            Vary::NONE
        };

        let origin = match request.origin {
            HeaderField::Absent => {
                let mut headers = ResponseHeaders {
                    vary,
                    ..ResponseHeaders::default()
                };
                if static_answer {
                    // A static answer goes on every response, CORS or not
                    // (Fetch, appendix "CORS protocol and HTTP caches"): it
                    // has no `Vary: Origin`, so a cached copy of this
                    // response may answer a CORS request later. The same
                    // holds for `Timing-Allow-Origin: *`, which also serves
                    // `no-cors` subresources (`<img>`), that send no `Origin`.
                    headers.allow_origin = Some("*");
                    headers.expose_headers = p.expose.header_value();
                    headers.timing_allow_origin = p.timing_allow_origin.then_some("*");
                }
                return Decision {
                    kind: RequestKind::NotCors,
                    rejection: None,
                    headers,
                };
            }
            HeaderField::Repeated | HeaderField::Lines(_) => Err(Rejection::RepeatedHeader {
                name: header::ORIGIN,
            }),
            HeaderField::Value(bytes) => Ok(bytes),
        };

        let kind = if request.method == "OPTIONS" && request.request_method.is_present() {
            RequestKind::Preflight
        } else {
            RequestKind::Actual
        };
        if kind == RequestKind::Preflight && p.emit_vary {
            if p.methods.depends_on_request(credentials) {
                vary = vary.with(Vary::REQUEST_METHOD);
            }
            // Allowed or refused, the answer always depends on the headers asked for.
            vary = vary.with(Vary::REQUEST_HEADERS);
            if p.private_network || request.request_private_network.is_present() {
                vary = vary.with(Vary::REQUEST_PRIVATE_NETWORK);
            }
        }
        let refuse = |rejection| Decision {
            kind,
            rejection: Some(rejection),
            headers: ResponseHeaders {
                vary,
                ..ResponseHeaders::default()
            },
        };

        // Refusing an origin makes even a static `*` answer depend on `Origin`
        // (malformed and repeated origins are refused): say so, or a
        // shared cache serves the refusal, which has no ACAO, to every origin.
        let refuse_origin = |rejection| {
            let mut decision = refuse(rejection);
            if p.emit_vary {
                decision.headers.vary = decision.headers.vary.with(Vary::ORIGIN);
            }
            decision
        };
        let origin = match origin.map(|bytes| (bytes, p.origins.exact(bytes))) {
            // One of the policy's exact origins: the common case, decided by
            // one lookup of the raw bytes, which need no further check.
            Ok((_, Some(origin))) => origin,
            Ok((bytes, None)) => match ascii_str(bytes, MAX_ORIGIN_LEN).filter(|o| !o.is_empty()) {
                Some(origin) if p.origins.allows_beyond_exact(origin) => origin,
                Some(origin) if origin_allowed_elsewhere && origin != "null" => origin,
                Some(origin) => return refuse_origin(Rejection::OriginNotAllowed { origin }),
                None => return refuse_origin(Rejection::MalformedOrigin),
            },
            Err(rejection) => return refuse_origin(rejection),
        };
        let origin_answer = if static_answer { "*" } else { origin };
        let mut headers = ResponseHeaders {
            allow_origin: Some(origin_answer),
            allow_credentials: credentials,
            vary,
            ..ResponseHeaders::default()
        };

        if kind == RequestKind::Actual {
            headers.expose_headers = p.expose.header_value();
            // Resource Timing's TAO check passes when the value is `*` or
            // the request's serialized origin, byte for byte: the value ACAO
            // got. (Unlike ACAO, `*` also passes with credentials, but an
            // echoed origin is as good and keeps one rule for both.)
            headers.timing_allow_origin = p.timing_allow_origin.then_some(origin_answer);
            return Decision {
                kind,
                rejection: None,
                headers,
            };
        }

        // A malformed or repeated ACRM is refused whatever the allowed
        // methods are, so even under any method (whose answer otherwise does
        // not vary on it) that refusal depends on ACRM, and says so.
        let refuse_method = |rejection| {
            let mut decision = refuse(rejection);
            if p.emit_vary {
                decision.headers.vary = decision.headers.vary.with(Vary::REQUEST_METHOD);
            }
            decision
        };
        let method = match request.request_method {
            HeaderField::Value(bytes) => match ascii_str(bytes, 64) {
                Some(m) if is_token(m.as_bytes()) => m,
                _ => return refuse_method(Rejection::MalformedRequestMethod),
            },
            _ => {
                return refuse_method(Rejection::RepeatedHeader {
                    name: header::ACCESS_CONTROL_REQUEST_METHOD,
                })
            }
        };
        if !p.methods.allows(method) {
            return refuse(Rejection::MethodNotAllowed { method });
        }
        headers.allow_methods = Some(p.methods.header_value(method, credentials));

        // ACRH is a list-based field (`1#field-name`): several lines are one
        // comma-joined list (RFC 9110 §5.3), read line by line.
        let requested = match request.request_headers {
            HeaderField::Absent => None,
            HeaderField::Value(value) => Some(FieldLines::one(value)),
            HeaderField::Lines(lines) => Some(lines),
            HeaderField::Repeated => {
                return refuse(Rejection::RepeatedHeader {
                    name: header::ACCESS_CONTROL_REQUEST_HEADERS,
                })
            }
        };
        if let Some(requested) = requested {
            match p.headers.check(requested, credentials) {
                Ok(value) => headers.allow_headers = Some(value),
                Err(HeaderRefusal::NotAllowed(header)) => {
                    return refuse(Rejection::HeaderNotAllowed { header })
                }
                Err(HeaderRefusal::Malformed(why)) => {
                    return refuse(Rejection::MalformedRequestHeaders(why))
                }
                Err(HeaderRefusal::EchoAcrossLines) => {
                    return refuse(Rejection::RepeatedHeader {
                        name: header::ACCESS_CONTROL_REQUEST_HEADERS,
                    })
                }
            }
        }

        // Private Network Access (WICG draft): answer only when enabled and asked.
        if let HeaderField::Value(value) = request.request_private_network {
            if value == b"true" {
                if !p.private_network {
                    return refuse(Rejection::PrivateNetworkNotAllowed);
                }
                headers.allow_private_network = true;
            }
        }

        headers.max_age = p.max_age.as_ref().map(|(_, text)| text.as_str());
        Decision {
            kind,
            rejection: None,
            headers,
        }
    }
}

/// The bytes as `&str` if they are printable ASCII (no controls) and short.
fn ascii_str(bytes: &[u8], max: usize) -> Option<&str> {
    if bytes.len() > max {
        return None;
    }
    // Without an early exit the check compiles to whole-word compares.
    let printable = bytes
        .iter()
        .fold(true, |ok, &b| ok & (b.wrapping_sub(0x20) < 0x5f));
    printable.then(|| std::str::from_utf8(bytes).ok()).flatten()
}
