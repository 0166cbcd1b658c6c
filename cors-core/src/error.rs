//! Configuration errors and warnings: everything wrong with a policy, found
//! when it is built, never at request time.

use std::fmt;

use crate::setting::{Location, Provenance};

/// The name of a setting in its front end: the variable (with prefix), the
/// builder method or the `#[cors]` key.
fn setting_name(at: &Location) -> String {
    match &at.provenance {
        Provenance::Env { prefix } => format!("{prefix}{}", at.setting.env_var()),
        Provenance::Builder => at.setting.builder_method().to_owned(),
        Provenance::Handler { .. } => at.setting.macro_key().to_owned(),
    }
}

/// Every problem found while building a policy, reported at once.
///
/// `Display` prints one problem per line, each naming the bad value, where it
/// came from and what would be valid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    problems: Vec<ConfigProblem>,
}

impl ConfigError {
    pub(crate) fn new(problems: Vec<ConfigProblem>) -> Self {
        debug_assert!(!problems.is_empty());
        ConfigError { problems }
    }

    /// The problems, in the order they were found (never empty).
    pub fn problems(&self) -> &[ConfigProblem] {
        &self.problems
    }

    /// Adds the problems of `other` to this error.
    pub fn extend(&mut self, other: ConfigError) {
        self.problems.extend(other.problems);
    }
}

impl From<ConfigProblem> for ConfigError {
    fn from(problem: ConfigProblem) -> Self {
        ConfigError::new(vec![problem])
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.problems.len() > 1 {
            writeln!(f, "invalid CORS policy ({} problems):", self.problems.len())?;
        }
        for (i, problem) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            if self.problems.len() > 1 {
                write!(f, "  - ")?;
            }
            write!(f, "{problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

/// One problem with a policy.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigProblem {
    /// An allowed origin that is not a valid origin or pattern.
    InvalidOrigin {
        /// The value as written.
        value: String,
        /// Where it came from.
        at: Location,
        /// What is wrong with it.
        reason: OriginError,
    },
    /// A regular expression that does not compile.
    InvalidRegex {
        /// The value as written.
        value: String,
        /// Where it came from.
        at: Location,
        /// The regex engine's message.
        error: String,
    },
    /// A method that is not an HTTP token.
    InvalidMethod {
        /// The value as written.
        value: String,
        /// Where it came from.
        at: Location,
    },
    /// An asynchronous origin check together with credentials, without
    /// saying that the check answers only for exact, trusted origins.
    AsyncCheckWithCredentials,
    /// `CONNECT`, `TRACE` or `TRACK`, which scripts can never send.
    ForbiddenMethod {
        /// The value as written.
        value: String,
        /// Where it came from.
        at: Location,
    },
    /// A header name that is not an HTTP token.
    InvalidHeaderName {
        /// The value as written.
        value: String,
        /// Where it came from.
        at: Location,
    },
    /// A well-known method written other than in upper case (`patch`):
    /// browsers send it exactly as the page wrote it, so it matches only
    /// pages that write it the same way.
    MethodCase {
        /// The value as written.
        value: String,
        /// Where it came from.
        at: Location,
        /// The upper-case method it most likely means.
        suggestion: String,
    },
    /// A header scripts can never set (Fetch § forbidden request-header, and
    /// `Access-Control-*` response headers), listed as an allowed request header.
    ForbiddenRequestHeader {
        /// The value as written.
        value: String,
        /// Where it came from.
        at: Location,
    },
    /// `Set-Cookie` or `Set-Cookie2` listed as exposed: browsers never expose
    /// them to scripts (Fetch § forbidden response-header name).
    UnexposableHeader {
        /// The value as written.
        value: String,
        /// Where it came from.
        at: Location,
    },
    /// `Access-Control-Max-Age` above 86400 seconds.
    MaxAgeTooLarge {
        /// The value given.
        value: u64,
        /// Where it came from.
        at: Location,
    },
    /// Credentials together with any origin (`*`) or a regex that matches any origin.
    CredentialsWithAnyOrigin {
        /// Where the credentials setting came from.
        credentials: Location,
        /// Where the any-origin setting came from.
        origins: Location,
    },
    /// Credentials together with exposing any header (`*`), which browsers
    /// then read as a header literally named `*`.
    CredentialsWithAnyExposedHeader {
        /// Where the credentials setting came from.
        credentials: Location,
        /// Where the expose setting came from.
        expose: Location,
    },
    /// Empty items in a comma-separated list (a trailing or doubled comma).
    EmptyListItems {
        /// Where it came from.
        at: Location,
        /// The whole value as written.
        value: String,
        /// The 1-based positions of the empty items.
        positions: Vec<usize>,
    },
    /// A value (or list item) wrapped in quotes, which the environment kept.
    QuotedValue {
        /// Where it came from.
        at: Location,
        /// The value or item as written, quotes included.
        value: String,
        /// The value without the quotes.
        unquoted: String,
    },
    /// A misspelt variable whose intended variable is unset, so the setting
    /// would silently keep its default.
    MisspeltVariable {
        /// The variable's name as set.
        name: String,
        /// The known variable it most likely means, with the prefix.
        suggestion: String,
    },
    /// A value that could not be read at all (an environment variable or a
    /// macro literal of the wrong shape).
    InvalidValue {
        /// Where it came from.
        at: Location,
        /// The value as written.
        value: String,
        /// What would be valid.
        expected: &'static str,
    },
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigProblem::InvalidOrigin { value, at, reason } => {
                write!(f, "invalid origin `{value}` ({at}): {reason}")
            }
            ConfigProblem::InvalidRegex { value, at, error } => write!(
                f,
                "invalid origin regex `{value}` ({at}): {}",
                error.lines().last().unwrap_or(error).trim()
            ),
            ConfigProblem::InvalidMethod { value, at } => write!(
                f,
                "invalid method `{value}` ({at}): a method is a token such as `GET` or `PATCH`, \
                 without spaces or separators"
            ),
            ConfigProblem::AsyncCheckWithCredentials => f.write_str(
                "an asynchronous origin check (`allowed_origin_async`) with credentials \
                 (`allow_credentials(true)`): every origin it accepts can read a logged-in \
                 user's data, so a check that says yes too widely (a suffix match, a lookup that \
                 fails open) is a data leak; if it answers yes only for exact origins you trust, \
                 say so with `origin_check_is_exact(true)`, otherwise turn credentials off",
            ),
            ConfigProblem::ForbiddenMethod { value, at } => write!(
                f,
                "forbidden method `{value}` ({at}): browsers never let scripts send CONNECT, \
                 TRACE or TRACK; remove it"
            ),
            ConfigProblem::InvalidHeaderName { value, at } => write!(
                f,
                "invalid header name `{value}` ({at}): a header name is a token such as \
                 `x-request-id`, without spaces or separators"
            ),
            ConfigProblem::MethodCase {
                value,
                at,
                suggestion,
            } => write!(
                f,
                "method `{value}` is not upper-case ({at}): did you mean `{suggestion}`? \
                 browsers upper-case only DELETE, GET, HEAD, OPTIONS, POST and PUT and send \
                 other methods exactly as the page wrote them, so `{value}` matches only \
                 `fetch(…, {{method: \"{value}\"}})`; write `{suggestion}`, or call \
                 `case_sensitive_methods(true)` if you mean the other spelling"
            ),
            ConfigProblem::ForbiddenRequestHeader { value, at } => write!(
                f,
                "forbidden request header `{value}` ({at}): {}",
                ForbiddenHeaderReason(value.trim())
            ),
            ConfigProblem::UnexposableHeader { value, at } => write!(
                f,
                "header `{value}` cannot be exposed ({at}): browsers never let scripts read \
                 `Set-Cookie` or `Set-Cookie2`, whatever the policy says (the browser stores \
                 the cookies without exposing them); remove it"
            ),
            ConfigProblem::MaxAgeTooLarge { value, at } => write!(
                f,
                "max-age {value} is too large ({at}): the largest useful value is 86400 \
                 (Firefox's cap; Chromium clamps to 7200)"
            ),
            ConfigProblem::CredentialsWithAnyOrigin {
                credentials,
                origins,
            } => write!(
                f,
                "credentials are allowed ({credentials}) together with any origin ({origins}): \
                 browsers refuse `Access-Control-Allow-Origin: *` on credentialed requests, and \
                 reflecting every origin with credentials lets any site read your users' data; \
                 list the trusted origins instead"
            ),
            ConfigProblem::CredentialsWithAnyExposedHeader {
                credentials,
                expose,
            } => write!(
                f,
                "credentials are allowed ({credentials}) together with exposing any header \
                 ({expose}): on credentialed requests browsers read `*` as a header literally \
                 named `*`; list the headers to expose instead"
            ),
            ConfigProblem::InvalidValue {
                at,
                value,
                expected,
            } => write!(f, "invalid value `{value}` ({at}): expected {expected}"),
            ConfigProblem::EmptyListItems {
                at,
                value,
                positions,
            } => {
                let (items, are) = match positions.as_slice() {
                    [one] => (format!("item {one}"), "is"),
                    [init @ .., last] => (
                        format!(
                            "items {} and {last}",
                            init.iter()
                                .map(ToString::to_string)
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                        "are",
                    ),
                    [] => ("an item".to_owned(), "is"),
                };
                write!(
                    f,
                    "invalid value `{value}` ({at}): {items} of `{}` {are} empty (a trailing \
                     or doubled comma); remove the extra comma",
                    setting_name(at)
                )
            }
            ConfigProblem::QuotedValue {
                at,
                value,
                unquoted,
            } => write!(
                f,
                "invalid value `{value}` ({at}): the quotes are part of the value (an env \
                 file or container definition kept them); remove the quotes: `{unquoted}`"
            ),
            ConfigProblem::MisspeltVariable { name, suggestion } => write!(
                f,
                "unknown variable `{name}`: did you mean `{suggestion}`? `{suggestion}` is not \
                 set, so this setting keeps its default; rename the variable"
            ),
        }
    }
}

/// "Chromium's cap of 7200 seconds and WebKit/Safari's cap of 600 seconds":
/// every engine whose cap `seconds` exceeds, largest cap first.
fn write_exceeded_caps(f: &mut fmt::Formatter<'_>, seconds: u64) -> fmt::Result {
    let exceeded = crate::policy::ENGINE_MAX_AGES
        .iter()
        .rev()
        .filter(|(_, cap)| seconds > *cap);
    for (i, (engine, cap)) in exceeded.enumerate() {
        if i > 0 {
            f.write_str(" and ")?;
        }
        write!(f, "{engine}'s cap of {cap} seconds")?;
    }
    Ok(())
}

/// Why a forbidden request header is useless in the allowed headers, and
/// what to do instead.
struct ForbiddenHeaderReason<'a>(&'a str);

impl fmt::Display for ForbiddenHeaderReason<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self.0.to_ascii_lowercase();
        let name = name.as_str();
        if name == "cookie" || name == "cookie2" {
            f.write_str(
                "scripts can never set it, so no preflight ever asks for it; remove it; \
                 browsers set `Cookie` themselves, send credentials with `allow_credentials`",
            )
        } else if name.starts_with("access-control-request-") {
            f.write_str(
                "browsers send it themselves, on preflights only, and never list it in it; \
                 remove it",
            )
        } else if name.starts_with("access-control-") {
            f.write_str(
                "it is a response header, which the policy itself sends; listing it as an \
                 allowed request header only lets pages send it to you; remove it (a front \
                 end never needs to send it)",
            )
        } else if name.starts_with("sec-") || name.starts_with("proxy-") {
            f.write_str(
                "`Sec-` and `Proxy-` headers are reserved to browsers, and scripts can never \
                 set them, so no preflight ever asks for them; remove it",
            )
        } else {
            f.write_str(
                "browsers set it themselves and never let scripts set it, so no preflight \
                 ever asks for it; remove it",
            )
        }
    }
}

/// What is wrong with an allowed-origin entry.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum OriginError {
    /// The entry is empty.
    Empty,
    /// No `scheme://` in front.
    MissingScheme {
        /// The entry with `https://` in front.
        suggestion: String,
    },
    /// A scheme other than `http` or `https`.
    UnsupportedScheme {
        /// The scheme as written.
        scheme: String,
    },
    /// A `file://` origin: browsers send `null` for local files.
    FileScheme,
    /// `null` without [`PolicyBuilder::allow_null_origin`](crate::PolicyBuilder::allow_null_origin).
    NullNotEnabled,
    /// A path, query, fragment or trailing slash after the host.
    HasPath {
        /// The origin without them.
        suggestion: String,
    },
    /// `user@` before the host.
    HasUserinfo,
    /// A host with a trailing dot.
    TrailingDot {
        /// The origin without the dot.
        suggestion: String,
    },
    /// A host that is not a valid domain, IPv4 or bracketed IPv6 address.
    InvalidHost,
    /// An IPv4 address written other than as browsers serialise it (hex,
    /// octal, leading zeros, fewer than four parts): browsers send the dotted
    /// quad, so the entry would never match.
    NonCanonicalIpv4 {
        /// The host as written (lower-cased).
        host: String,
        /// The dotted quad browsers read it as.
        canonical: String,
        /// The whole origin with that host.
        suggestion: String,
    },
    /// A host with non-ASCII characters: browsers send IDN hosts in punycode.
    NonAsciiHost,
    /// A port that is not a number from 1 to 65535 or `*`.
    InvalidPort,
    /// A `*` anywhere but as the whole first label of the host or as the port.
    MisplacedWildcard,
    /// A subdomain wildcard whose parent is a public suffix such as `com` or `co.uk`.
    WildcardUnderPublicSuffix {
        /// The public suffix.
        suffix: String,
    },
}

impl fmt::Display for OriginError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OriginError::Empty => f.write_str("an origin cannot be empty"),
            OriginError::MissingScheme { suggestion } => write!(
                f,
                "an origin starts with `http://` or `https://`; did you mean `{suggestion}`?"
            ),
            OriginError::UnsupportedScheme { scheme } => write!(
                f,
                "scheme `{scheme}` is not allowed: browsers only send CORS requests from \
                 `http` and `https` pages"
            ),
            OriginError::FileScheme => f.write_str(
                "pages opened from files send `Origin: null`, which any sandboxed iframe can \
                 also send; allow `null` explicitly with `allow_null_origin` if you must",
            ),
            OriginError::NullNotEnabled => f.write_str(
                "`null` is sent by sandboxed iframes, local files and redirected requests, so \
                 anyone can send it; enable it explicitly with `allow_null_origin` if you must",
            ),
            OriginError::HasPath { suggestion } => write!(
                f,
                "an origin has no path, query, fragment or trailing slash; did you mean \
                 `{suggestion}`?"
            ),
            OriginError::HasUserinfo => {
                f.write_str("an origin has no `user@` part; browsers never send one")
            }
            OriginError::TrailingDot { suggestion } => write!(
                f,
                "browsers do not send a trailing dot in the host; did you mean `{suggestion}`?"
            ),
            OriginError::InvalidHost => f.write_str(
                "the host must be a domain name (letters, digits, `-`, `.`), an IPv4 address \
                 or a bracketed IPv6 address",
            ),
            OriginError::NonCanonicalIpv4 {
                host,
                canonical,
                suggestion,
            } => write!(
                f,
                "browsers read the IPv4 address `{host}` as `{canonical}` (the URL Standard \
                 turns hex, octal, leading zeros and short forms into a dotted quad) and send \
                 that in `Origin`, so this entry would never match; did you mean `{suggestion}`?"
            ),
            OriginError::NonAsciiHost => f.write_str(
                "browsers send international domain names in punycode (`xn--…`); write the \
                 host that way",
            ),
            OriginError::InvalidPort => {
                f.write_str("the port must be a number from 1 to 65535, or `*` for any port")
            }
            OriginError::MisplacedWildcard => f.write_str(
                "a `*` is only valid as the whole first label of the host \
                 (`https://*.example.com`) or as the port (`http://localhost:*`)",
            ),
            OriginError::WildcardUnderPublicSuffix { suffix } => write!(
                f,
                "`{suffix}` is a public suffix, so this pattern would admit sites of unrelated \
                 owners; use a domain you control, such as `https://*.example.{suffix}`"
            ),
        }
    }
}

/// A policy choice that is valid but risky; logged once at startup.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigWarning {
    /// No origin is allowed: the policy answers no cross-origin request.
    NoOrigins,
    /// Any origin may read responses.
    AnyOrigin,
    /// `null` is allowed.
    NullOrigin,
    /// An origin pattern with a port wildcard.
    PortWildcard {
        /// The pattern, in the form it is matched in.
        pattern: String,
        /// The pattern as written, when that differs (`HTTP://LocalHost:*`).
        written: Option<String>,
    },
    /// Max-age above Chromium's 7200-second cap (and so WebKit's 600 too).
    MaxAgeAboveChromiumCap {
        /// The value.
        seconds: u32,
    },
    /// Max-age above WebKit/Safari's 600-second cap but within Chromium's:
    /// informational, since most values worth setting are above it.
    MaxAgeAboveSafariCap {
        /// The value.
        seconds: u32,
    },
    /// Credentials with many allowed origins or with patterns.
    CredentialsWithManyOrigins {
        /// How many exact origins and patterns.
        count: usize,
    },
    /// A header that scripts can never set, listed as allowed.
    ///
    /// No longer produced: since issue 13 this is a build error,
    /// [`ConfigProblem::ForbiddenRequestHeader`]. Kept so code matching on
    /// it still compiles.
    ForbiddenRequestHeader {
        /// The header name.
        name: String,
    },
    /// A header that browsers never expose (`set-cookie`), listed as exposed.
    ///
    /// No longer produced: since issue 13 this is a build error,
    /// [`ConfigProblem::UnexposableHeader`]. Kept so code matching on it
    /// still compiles.
    UnexposableHeader {
        /// The header name.
        name: String,
    },
}

impl fmt::Display for ConfigWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigWarning::NoOrigins => f.write_str(
                "no cross-origin access is allowed: set CORS_ALLOWED_ORIGINS (or call \
                 `allowed_origin`) to let a front end on another origin read responses",
            ),
            ConfigWarning::AnyOrigin => f.write_str(
                "any origin may read responses (`*`): fine for public data, unsafe for anything \
                 behind a firewall or an IP allow-list",
            ),
            ConfigWarning::NullOrigin => f.write_str(
                "origin `null` is allowed: sandboxed iframes and local files from any site send it",
            ),
            ConfigWarning::PortWildcard { pattern, written } => {
                write!(f, "origin pattern `{pattern}`")?;
                if let Some(written) = written {
                    write!(f, " (written `{written}`)")?;
                }
                f.write_str(" admits every port; meant for local development only")
            }
            ConfigWarning::MaxAgeAboveChromiumCap { seconds } => {
                write!(f, "max-age {seconds} is above ")?;
                write_exceeded_caps(f, u64::from(*seconds))?;
                f.write_str(
                    "; those browsers silently cache preflights for their cap instead (only \
                     Firefox honours up to 86400)",
                )
            }
            ConfigWarning::MaxAgeAboveSafariCap { seconds } => {
                write!(f, "note: max-age {seconds} is above ")?;
                write_exceeded_caps(f, u64::from(*seconds))?;
                f.write_str(
                    "; Safari silently caches preflights for 600 seconds instead (Chromium \
                     honours up to 7200, Firefox 86400), so Safari users see a preflight at \
                     most every 10 minutes",
                )
            }
            ConfigWarning::CredentialsWithManyOrigins { count } => write!(
                f,
                "credentials are allowed for {count} origins and patterns; every one of them \
                 can read your users' data, so keep the list short"
            ),
            ConfigWarning::ForbiddenRequestHeader { name } => write!(
                f,
                "`{name}` is a forbidden request header: scripts can never set it, so allowing \
                 it has no effect"
            ),
            ConfigWarning::UnexposableHeader { name } => write!(
                f,
                "`{name}` is never exposed to scripts by browsers, whatever the policy says"
            ),
        }
    }
}
