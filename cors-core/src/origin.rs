//! Origins: parsing what a policy allows (exact origins and patterns), and
//! reading the `Origin` a request sends, cheaply and without allocating.

use std::net::{Ipv4Addr, Ipv6Addr};

use crate::error::OriginError;

/// The longest `Origin` value worth looking at. A scheme, a 253-byte host
/// and a port fit with room to spare; anything longer is hostile.
pub(crate) const MAX_ORIGIN_LEN: usize = 512;

/// A scheme a policy may allow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Scheme {
    Http,
    Https,
}

impl Scheme {
    fn parse(s: &str) -> Option<Scheme> {
        match s {
            "http" => Some(Scheme::Http),
            "https" => Some(Scheme::Https),
            _ => None,
        }
    }

    fn default_port(self) -> u16 {
        match self {
            Scheme::Http => 80,
            Scheme::Https => 443,
        }
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }
}

/// Which ports an origin pattern admits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum PortRule {
    /// The scheme's default port only (written without a port).
    Default,
    /// Exactly this non-default port.
    Exact(u16),
    /// Any port, including the default (`:*`).
    Any,
}

impl PortRule {
    pub(crate) fn admits(self, port: Option<u16>) -> bool {
        match self {
            PortRule::Default => port.is_none(),
            PortRule::Exact(p) => port == Some(p),
            PortRule::Any => true,
        }
    }
}

/// One allowed-origin entry, validated and in canonical form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum OriginSpec {
    /// `*`.
    Any,
    /// `null`, written exactly.
    Null,
    /// An exact origin, serialised as browsers send it.
    Exact(String),
    /// A pattern: `https://*.example.com`, `http://localhost:*`, or both.
    Pattern {
        scheme: Scheme,
        /// For a subdomain pattern, the parent domain (`example.com`);
        /// otherwise the exact host.
        host: String,
        subdomains: bool,
        port: PortRule,
    },
}

/// Parses one allowed-origin entry as written by a user.
///
/// Origins are normalised the way browsers serialise them: lower-case scheme
/// and host, default port dropped, so `HTTPS://App.Example.com:443` becomes
/// `https://app.example.com`.
pub(crate) fn parse_origin_spec(raw: &str, allow_null: bool) -> Result<OriginSpec, OriginError> {
    let value = raw.trim();
    match value {
        "" => return Err(OriginError::Empty),
        "*" => return Ok(OriginSpec::Any),
        "null" if allow_null => return Ok(OriginSpec::Null),
        "null" => return Err(OriginError::NullNotEnabled),
        _ => {}
    }
    let Some((scheme, rest)) = value.split_once("://") else {
        let authority = value.trim_end_matches('/');
        // Local development servers are plain `http`; anything else is
        // most likely deployed behind TLS.
        let scheme = if is_loopback_authority(authority) {
            "http"
        } else {
            "https"
        };
        return Err(OriginError::MissingScheme {
            suggestion: format!("{scheme}://{authority}"),
        });
    };
    let scheme_lower = scheme.to_ascii_lowercase();
    if scheme_lower == "file" {
        return Err(OriginError::FileScheme);
    }
    let scheme = Scheme::parse(&scheme_lower).ok_or(OriginError::UnsupportedScheme {
        scheme: scheme.to_owned(),
    })?;

    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    if authority.contains('@') {
        return Err(OriginError::HasUserinfo);
    }
    if !tail.is_empty() {
        // Suggest the origin with the tail dropped, normalised if possible.
        let base = format!("{}://{authority}", scheme.as_str());
        let suggestion = match parse_origin_spec(&base, allow_null) {
            Ok(OriginSpec::Exact(s)) => s,
            _ => base,
        };
        return Err(OriginError::HasPath { suggestion });
    }

    let (host, port) = split_host_port(authority)?;
    let port = match port {
        None => PortRule::Default,
        Some("*") => PortRule::Any,
        Some(p) => {
            let n = parse_port(p).ok_or(OriginError::InvalidPort)?;
            if n == scheme.default_port() {
                PortRule::Default
            } else {
                PortRule::Exact(n)
            }
        }
    };

    let (host, subdomains) = match host.strip_prefix("*.") {
        Some(parent) => (parent, true),
        None => (host, false),
    };
    if host.contains('*') {
        return Err(OriginError::MisplacedWildcard);
    }
    let host = canonical_host(host).map_err(|e| match e {
        OriginError::NonCanonicalIpv4 {
            host, canonical, ..
        } => OriginError::NonCanonicalIpv4 {
            suggestion: format!(
                "{}://{}{canonical}{}",
                scheme.as_str(),
                if subdomains { "*." } else { "" },
                port_suffix(port)
            ),
            host,
            canonical,
        },
        OriginError::TrailingDot { .. } => OriginError::TrailingDot {
            suggestion: format!(
                "{}://{}{}{}",
                scheme.as_str(),
                if subdomains { "*." } else { "" },
                host.trim_end_matches('.').to_ascii_lowercase(),
                port_suffix(port)
            ),
        },
        other => other,
    })?;

    if subdomains {
        if host.starts_with('[') || host.parse::<Ipv4Addr>().is_ok() {
            return Err(OriginError::MisplacedWildcard);
        }
        if is_public_suffix(&host) {
            return Err(OriginError::WildcardUnderPublicSuffix { suffix: host });
        }
    }

    if !subdomains && port != PortRule::Any {
        return Ok(OriginSpec::Exact(format!(
            "{}://{host}{}",
            scheme.as_str(),
            port_suffix(port)
        )));
    }
    Ok(OriginSpec::Pattern {
        scheme,
        host,
        subdomains,
        port,
    })
}

/// Whether `host[:port]` names this machine: `localhost` (or a subdomain of
/// it), `127.x.x.x` or `[::1]`.
fn is_loopback_authority(authority: &str) -> bool {
    let host = match authority.strip_prefix('[') {
        Some(v6) => return v6.split(']').next() == Some("::1"),
        None => authority.split(':').next().unwrap_or_default(),
    };
    let host = host.to_ascii_lowercase();
    host == "localhost"
        || host.ends_with(".localhost")
        || host.parse::<Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
}

fn port_suffix(port: PortRule) -> String {
    match port {
        PortRule::Default => String::new(),
        PortRule::Exact(p) => format!(":{p}"),
        PortRule::Any => ":*".to_owned(),
    }
}

fn split_host_port(authority: &str) -> Result<(&str, Option<&str>), OriginError> {
    if authority.starts_with('[') {
        let close = authority.find(']').ok_or(OriginError::InvalidHost)?;
        let (host, rest) = authority.split_at(close + 1);
        return match rest {
            "" => Ok((host, None)),
            _ => rest
                .strip_prefix(':')
                .map(|p| (host, Some(p)))
                .ok_or(OriginError::InvalidHost),
        };
    }
    Ok(match authority.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    })
}

fn parse_port(p: &str) -> Option<u16> {
    if p.is_empty() || p.len() > 5 || !p.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    p.parse::<u16>().ok().filter(|&n| n != 0)
}

/// The host as a browser serialises it, or why it cannot be one.
fn canonical_host(host: &str) -> Result<String, OriginError> {
    if host.is_empty() {
        return Err(OriginError::InvalidHost);
    }
    if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        let addr: Ipv6Addr = inner.parse().map_err(|_| OriginError::InvalidHost)?;
        return Ok(format!("[{}]", serialize_ipv6(addr)));
    }
    if !host.is_ascii() {
        return Err(OriginError::NonAsciiHost);
    }
    if host.ends_with('.') {
        return Err(OriginError::TrailingDot {
            suggestion: String::new(),
        });
    }
    let host = host.to_ascii_lowercase();
    if ends_in_a_number(&host) {
        // The URL Standard parses such a host as IPv4 (hex, octal, short
        // forms and all) and serialises it as a dotted quad, which is what
        // the browser sends: any other spelling would never match.
        let addr = parse_ipv4(&host).ok_or(OriginError::InvalidHost)?;
        let canonical = addr.to_string();
        if canonical != host {
            return Err(OriginError::NonCanonicalIpv4 {
                host,
                canonical,
                suggestion: String::new(),
            });
        }
        return Ok(canonical);
    }
    if is_domain(host.as_bytes()) {
        Ok(host)
    } else {
        Err(OriginError::InvalidHost)
    }
}

/// The URL Standard's "ends in a number" checker (§ host parsing): the last
/// label is all digits, or `0x` followed by hex digits; such a host is an
/// IPv4 address, or invalid.
fn ends_in_a_number(host: &str) -> bool {
    let last = host.rsplit('.').next().unwrap_or_default();
    if !last.is_empty() && last.bytes().all(|b| b.is_ascii_digit()) {
        return true;
    }
    last.strip_prefix("0x")
        .is_some_and(|hex| hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The URL Standard's IPv4 parser (§ IPv4 parser), as browsers run it: one
/// to four parts, each decimal, octal (leading `0`) or hex (`0x`); the last
/// part fills the remaining bytes (`127.1` is `127.0.0.1`).
fn parse_ipv4(host: &str) -> Option<Ipv4Addr> {
    let parts: Vec<&str> = host.split('.').collect();
    if parts.len() > 4 {
        return None;
    }
    let mut numbers = Vec::with_capacity(parts.len());
    for part in &parts {
        let (digits, radix) = if let Some(hex) = part.strip_prefix("0x") {
            (hex, 16)
        } else if part.len() > 1 && part.starts_with('0') {
            (&part[1..], 8)
        } else {
            (*part, 10)
        };
        if part.is_empty() {
            return None;
        }
        let n = if digits.is_empty() {
            0
        } else {
            u64::from_str_radix(digits, radix).ok()?
        };
        numbers.push(n);
    }
    let (last, init) = numbers.split_last()?;
    if init.iter().any(|&n| n > 255) || *last >= 256u64.pow(5 - numbers.len() as u32) {
        return None;
    }
    let mut addr = *last;
    for (i, n) in init.iter().enumerate() {
        addr += n << (8 * (3 - i));
    }
    u32::try_from(addr).ok().map(Ipv4Addr::from)
}

/// An IPv6 address as the URL Standard serialises it (§ host serializing):
/// lower-case hex pieces, the first longest run of two or more zero pieces
/// written `::`. Unlike `Ipv6Addr`'s `Display`, never a dotted IPv4 tail, so
/// `::ffff:1.2.3.4` is `::ffff:102:304`, as browsers send it.
fn serialize_ipv6(addr: Ipv6Addr) -> String {
    let pieces = addr.segments();
    // The first longest run of zero pieces, if at least two long.
    let mut best: Option<(usize, usize)> = None;
    let mut i = 0;
    while i < pieces.len() {
        let start = i;
        while i < pieces.len() && pieces[i] == 0 {
            i += 1;
        }
        let len = i - start;
        if len > 1 && !matches!(best, Some((_, best_len)) if best_len >= len) {
            best = Some((start, len));
        }
        i += 1;
    }
    let mut out = String::with_capacity(39);
    let mut i = 0;
    while i < pieces.len() {
        if let Some((start, len)) = best.filter(|&(start, _)| start == i) {
            out.push_str(if start == 0 { "::" } else { ":" });
            i += len;
            continue;
        }
        out.push_str(&format!("{:x}", pieces[i]));
        if i + 1 < pieces.len() {
            out.push(':');
        }
        i += 1;
    }
    out
}

/// A lower-case ASCII domain: labels of letters, digits and inner hyphens.
fn is_domain(host: &[u8]) -> bool {
    host.len() <= 253
        && host.split(|&b| b == b'.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.first() != Some(&b'-')
                && label.last() != Some(&b'-')
                && label
                    .iter()
                    .all(|&b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
}

/// Whether a `*.{host}` pattern would sit directly under a public suffix
/// (`com`, `co.uk`, `github.io`), per the Public Suffix List.
fn is_public_suffix(host: &str) -> bool {
    let known_suffix = psl::suffix(host.as_bytes()).is_some_and(|s| s.is_known());
    known_suffix && psl::domain(host.as_bytes()).is_none()
}

/// A request's `Origin`, split into parts, if it is a canonical serialised
/// origin as a browser sends it. Borrowed; never allocates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RequestOrigin<'a> {
    pub(crate) scheme: Scheme,
    pub(crate) host: &'a str,
    pub(crate) port: Option<u16>,
}

impl<'a> RequestOrigin<'a> {
    /// Splits a canonical `http`/`https` origin. Anything else (upper case, a
    /// default port written out, a trailing dot, userinfo, a path) is `None`:
    /// patterns only ever match what a browser would really send.
    pub(crate) fn parse(origin: &'a str) -> Option<Self> {
        let (scheme, rest) = origin.split_once("://")?;
        let scheme = Scheme::parse(scheme)?;
        let (host, port) = if rest.starts_with('[') {
            let close = rest.find(']')?;
            let (host, tail) = rest.split_at(close + 1);
            (
                host,
                if tail.is_empty() {
                    None
                } else {
                    Some(tail.strip_prefix(':')?)
                },
            )
        } else {
            match rest.split_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (rest, None),
            }
        };
        let port = match port {
            None => None,
            Some(p) => {
                // Canonical ports have no leading zero and are never the default.
                if p.starts_with('0') {
                    return None;
                }
                let n = parse_port(p)?;
                if n == scheme.default_port() {
                    return None;
                }
                Some(n)
            }
        };
        let canonical_host = if host.starts_with('[') {
            host.len() > 2
        } else {
            is_domain(host.as_bytes())
        };
        canonical_host.then_some(RequestOrigin { scheme, host, port })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exact(raw: &str) -> String {
        match parse_origin_spec(raw, false) {
            Ok(OriginSpec::Exact(s)) => s,
            other => panic!("{raw}: {other:?}"),
        }
    }

    fn error(raw: &str) -> OriginError {
        parse_origin_spec(raw, false).expect_err(raw)
    }

    #[test]
    fn origins_are_normalised_as_browsers_serialise_them() {
        assert_eq!(
            exact("HTTPS://App.Example.com:443"),
            "https://app.example.com"
        );
        assert_eq!(exact("http://localhost:80"), "http://localhost");
        assert_eq!(exact("http://localhost:3000"), "http://localhost:3000");
        assert_eq!(exact("  https://a.com  "), "https://a.com");
        assert_eq!(exact("http://[::1]:8080"), "http://[::1]:8080");
        assert_eq!(exact("http://[0:0:0:0:0:0:0:1]"), "http://[::1]");
        // The URL Standard's serialisation, not `Ipv6Addr`'s dotted tail.
        assert_eq!(exact("http://[::ffff:1.2.3.4]"), "http://[::ffff:102:304]");
        assert_eq!(
            exact("http://[2001:DB8:0:0:1:0:0:1]"),
            "http://[2001:db8::1:0:0:1]"
        );
        assert_eq!(exact("http://[1:0:0:2:0:0:0:3]"), "http://[1:0:0:2::3]");
        assert_eq!(
            exact("http://[1:2:3:4:5:6:7:0]"),
            "http://[1:2:3:4:5:6:7:0]"
        );
        assert_eq!(exact("http://[1:2:3:4:5:6:0:0]"), "http://[1:2:3:4:5:6::]");
        assert_eq!(exact("http://[::]"), "http://[::]");
        assert_eq!(exact("http://127.0.0.1:5173"), "http://127.0.0.1:5173");
    }

    #[test]
    fn invalid_origins_say_what_would_be_valid() {
        assert_eq!(
            error("https://a.com/"),
            OriginError::HasPath {
                suggestion: "https://a.com".into()
            }
        );
        assert_eq!(
            error("https://A.com:443/app?x#y"),
            OriginError::HasPath {
                suggestion: "https://a.com".into()
            }
        );
        assert_eq!(
            error("a.com"),
            OriginError::MissingScheme {
                suggestion: "https://a.com".into()
            }
        );
        for (raw, suggestion) in [
            ("localhost:5173", "http://localhost:5173"),
            ("127.0.0.1:8080/", "http://127.0.0.1:8080"),
            ("[::1]:3000", "http://[::1]:3000"),
            ("app.localhost", "http://app.localhost"),
            ("app.example.com:8443", "https://app.example.com:8443"),
        ] {
            assert_eq!(
                error(raw),
                OriginError::MissingScheme {
                    suggestion: suggestion.into()
                },
                "{raw}"
            );
        }
        assert_eq!(
            error("ftp://a.com"),
            OriginError::UnsupportedScheme {
                scheme: "ftp".into()
            }
        );
        assert_eq!(error("file:///home/me/index.html"), OriginError::FileScheme);
        assert_eq!(error("null"), OriginError::NullNotEnabled);
        assert_eq!(error(""), OriginError::Empty);
        assert_eq!(error("https://user@a.com"), OriginError::HasUserinfo);
        assert_eq!(
            error("https://a.com."),
            OriginError::TrailingDot {
                suggestion: "https://a.com".into()
            }
        );
        assert_eq!(error("https://a_b.com"), OriginError::InvalidHost);
        assert_eq!(
            error("https://r\u{e9}sum\u{e9}.com"),
            OriginError::NonAsciiHost
        );
        assert_eq!(error("https://a.com:0"), OriginError::InvalidPort);
        assert_eq!(error("https://a.com:99999"), OriginError::InvalidPort);
        assert_eq!(error("https://a.com:"), OriginError::InvalidPort);
        assert_eq!(
            error("https://a*.example.com"),
            OriginError::MisplacedWildcard
        );
        assert_eq!(error("https://*"), OriginError::MisplacedWildcard);
        assert_eq!(
            error("https://*.*.example.com"),
            OriginError::MisplacedWildcard
        );
    }

    #[test]
    fn non_canonical_ipv4_hosts_are_refused_with_the_form_browsers_send() {
        // The URL Standard's IPv4 parser: what each spelling becomes.
        for (raw, canonical, suggestion) in [
            ("http://0x7f000001", "127.0.0.1", "http://127.0.0.1"),
            (
                "http://0X7F000001:8080",
                "127.0.0.1",
                "http://127.0.0.1:8080",
            ),
            ("http://127.1", "127.0.0.1", "http://127.0.0.1"),
            ("http://127.0.0.01", "127.0.0.1", "http://127.0.0.1"),
            ("http://0177.0.0.1", "127.0.0.1", "http://127.0.0.1"),
            ("http://010.0.0.1", "8.0.0.1", "http://8.0.0.1"),
            ("http://2130706433", "127.0.0.1", "http://127.0.0.1"),
            ("https://0x7f.1:*", "127.0.0.1", "https://127.0.0.1:*"),
            ("http://192.168.0x1.1", "192.168.1.1", "http://192.168.1.1"),
        ] {
            match error(raw) {
                OriginError::NonCanonicalIpv4 {
                    canonical: c,
                    suggestion: s,
                    ..
                } => assert_eq!((c.as_str(), s.as_str()), (canonical, suggestion), "{raw}"),
                other => panic!("{raw}: {other:?}"),
            }
        }
        // Not an address at all, as browsers see it.
        for raw in ["http://256.0.0.1", "http://1.2.3.4.5", "http://1..2"] {
            assert_eq!(error(raw), OriginError::InvalidHost, "{raw}");
        }
        // A last label that is not a number makes a domain, as in browsers.
        assert_eq!(exact("http://1.2.3.a"), "http://1.2.3.a");
        assert_eq!(exact("http://0x1g"), "http://0x1g");
        assert_eq!(exact("http://10.0.0.1"), "http://10.0.0.1");
        assert_eq!(exact("http://0.0.0.0"), "http://0.0.0.0");
    }

    #[test]
    fn wildcards_directly_under_public_suffixes_are_refused() {
        for (raw, suffix) in [
            ("https://*.com", "com"),
            ("https://*.co.uk", "co.uk"),
            ("https://*.github.io", "github.io"),
        ] {
            assert_eq!(
                error(raw),
                OriginError::WildcardUnderPublicSuffix {
                    suffix: suffix.into()
                }
            );
        }
        assert!(parse_origin_spec("https://*.example.co.uk", false).is_ok());
        assert!(parse_origin_spec("http://*.localhost:*", false).is_ok());
    }

    #[test]
    fn patterns_are_split_into_scheme_host_and_port_rule() {
        assert_eq!(
            parse_origin_spec("https://*.Example.com", false),
            Ok(OriginSpec::Pattern {
                scheme: Scheme::Https,
                host: "example.com".into(),
                subdomains: true,
                port: PortRule::Default,
            })
        );
        assert_eq!(
            parse_origin_spec("http://localhost:*", false),
            Ok(OriginSpec::Pattern {
                scheme: Scheme::Http,
                host: "localhost".into(),
                subdomains: false,
                port: PortRule::Any,
            })
        );
        assert_eq!(parse_origin_spec("null", true), Ok(OriginSpec::Null));
        assert_eq!(parse_origin_spec("*", false), Ok(OriginSpec::Any));
    }

    #[test]
    fn request_origins_parse_only_when_canonical() {
        let ok = RequestOrigin::parse("https://a.example.com:8443").unwrap();
        assert_eq!(
            (ok.scheme, ok.host, ok.port),
            (Scheme::Https, "a.example.com", Some(8443))
        );
        for bad in [
            "HTTPS://a.example.com",
            "https://A.example.com",
            "https://a.example.com:443",
            "https://a.example.com.",
            "https://example.com@evil.com",
            "https://a.example.com/",
            "https://a.example.com:08443",
            "null",
            "ftp://a.example.com",
            "https://",
        ] {
            assert_eq!(RequestOrigin::parse(bad), None, "{bad}");
        }
    }
}
