//! The set of allowed origins, built once for fast, allocation-free lookups:
//! exact origins in a hash set, patterns matched label by label without
//! regex, user regexes compiled into one `RegexSet`, and an optional predicate.

use std::collections::{HashMap, HashSet};
use std::fmt;

// foldhash rather than std's SipHash: lookups hash attacker-chosen origins,
// but nothing attacker-chosen is ever inserted (the sets are fixed when the
// policy is built), so collision flooding cannot happen, and a lookup costs
// a fraction of SipHash's.
type FastHashSet<T> = HashSet<T, foldhash::fast::RandomState>;
type FastHashMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;
use std::sync::Arc;

use regex::RegexSet;

use crate::origin::{OriginSpec, PortRule, RequestOrigin, Scheme};

/// A user function deciding whether an origin is allowed.
pub type OriginPredicate = Arc<dyn Fn(&str) -> bool + Send + Sync>;

/// Origins on domains nobody can own, tried against the regexes at build
/// time: a regex matching every canary of one scheme admits any site of that
/// scheme, which must not be combined with credentials.
const CANARY_ORIGINS: [[&str; 2]; 2] = [
    [
        "https://cors-canary.invalid",
        "https://xn--80ak6aa92e.example:8443",
    ],
    [
        "http://cors-canary.invalid",
        "http://xn--80ak6aa92e.example:8080",
    ],
];

/// An allowed exact origin, looked up by the request's raw bytes: a hit
/// needs no check of the bytes (they equal a validated origin) and gives
/// back the policy's own `&str`.
#[derive(PartialEq, Eq)]
struct ExactOrigin(Box<str>);

impl std::hash::Hash for ExactOrigin {
    // Hashed as bytes (not as `str`, whose hash differs), so that
    // `Borrow<[u8]>` keeps `Hash` and `Eq` consistent.
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.as_bytes().hash(state);
    }
}

impl std::borrow::Borrow<[u8]> for ExactOrigin {
    fn borrow(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

#[derive(Default)]
pub(crate) struct OriginSet {
    any: bool,
    null: bool,
    exact: FastHashSet<ExactOrigin>,
    /// Per scheme: parent domain → port rules of `scheme://*.parent` patterns.
    subdomains: [FastHashMap<Box<str>, Vec<PortRule>>; 2],
    /// Per scheme: hosts of `scheme://host:*` patterns.
    any_port_hosts: [FastHashSet<Box<str>>; 2],
    regexes: Option<RegexSet>,
    predicate: Option<OriginPredicate>,
}

fn scheme_index(scheme: Scheme) -> usize {
    match scheme {
        Scheme::Http => 0,
        Scheme::Https => 1,
    }
}

impl OriginSet {
    pub(crate) fn new(
        specs: impl IntoIterator<Item = OriginSpec>,
        regexes: Option<RegexSet>,
        predicate: Option<OriginPredicate>,
    ) -> Self {
        let mut set = OriginSet {
            regexes,
            predicate,
            ..OriginSet::default()
        };
        for spec in specs {
            match spec {
                OriginSpec::Any => set.any = true,
                OriginSpec::Null => set.null = true,
                OriginSpec::Exact(origin) => {
                    set.exact.insert(ExactOrigin(origin.into_boxed_str()));
                }
                OriginSpec::Pattern {
                    scheme,
                    host,
                    subdomains: true,
                    port,
                } => set.subdomains[scheme_index(scheme)]
                    .entry(host.into_boxed_str())
                    .or_default()
                    .push(port),
                OriginSpec::Pattern { scheme, host, .. } => {
                    set.any_port_hosts[scheme_index(scheme)].insert(host.into_boxed_str());
                }
            }
        }
        set
    }

    /// Whether any subdomain or port-wildcard pattern is allowed.
    fn has_patterns(&self) -> bool {
        !(self.subdomains.iter().all(FastHashMap::is_empty)
            && self.any_port_hosts.iter().all(FastHashSet::is_empty))
    }

    /// Whether every origin is allowed (`*`).
    pub(crate) fn is_any(&self) -> bool {
        self.any
    }

    /// Whether no origin at all can be allowed.
    pub(crate) fn is_empty(&self) -> bool {
        !self.any
            && !self.null
            && self.exact.is_empty()
            && !self.has_patterns()
            && self.regexes.is_none()
            && self.predicate.is_none()
    }

    /// Whether the regexes admit any origin of a scheme (they match all its canaries).
    pub(crate) fn regexes_match_anything(&self) -> bool {
        self.regexes.as_ref().is_some_and(|set| {
            CANARY_ORIGINS
                .iter()
                .any(|scheme| scheme.iter().all(|c| set.is_match(c)))
        })
    }

    /// How many exact origins and patterns are allowed.
    pub(crate) fn len(&self) -> usize {
        self.exact.len()
            + self.subdomains.iter().map(FastHashMap::len).sum::<usize>()
            + self
                .any_port_hosts
                .iter()
                .map(FastHashSet::len)
                .sum::<usize>()
            + self.regexes.as_ref().map_or(0, RegexSet::len)
    }

    /// Whether `origin` (the request's `Origin`, already checked to be short
    /// and ASCII) is allowed. Never allocates for exact and pattern matches.
    pub(crate) fn allows(&self, origin: &str) -> bool {
        self.exact(origin.as_bytes()).is_some() || self.allows_beyond_exact(origin)
    }

    /// The allowed exact origin equal to `origin`'s bytes, if any: the
    /// allowed request's fast path, with no check of the bytes beyond the
    /// lookup (an allowed origin is valid by construction; `null` is never
    /// in the set).
    #[inline]
    pub(crate) fn exact(&self, origin: &[u8]) -> Option<&str> {
        self.exact.get(origin).map(|exact| &*exact.0)
    }

    /// [`allows`](Self::allows) for an origin not in the exact set: `null`,
    /// `*`, patterns, regexes and the predicate.
    pub(crate) fn allows_beyond_exact(&self, origin: &str) -> bool {
        if origin == "null" {
            // `*` (never with credentials, refused at build) answers every
            // origin, `null` included, as the Fetch CORS check does (step 3:
            // no credentials and `*` succeed). Otherwise `null` is only
            // allowed by writing it; patterns, regexes and predicates never
            // admit it.
            return self.any || self.null;
        }
        if self.any {
            return true;
        }
        // Parsing costs more than the lookups; only patterns need it.
        if self.has_patterns() {
            if let Some(parsed) = RequestOrigin::parse(origin) {
                if self.pattern_allows(parsed) {
                    return true;
                }
            }
        }
        if self
            .regexes
            .as_ref()
            .is_some_and(|set| set.is_match(origin))
        {
            return true;
        }
        self.predicate.as_ref().is_some_and(|allow| allow(origin))
    }

    fn pattern_allows(&self, origin: RequestOrigin<'_>) -> bool {
        let i = scheme_index(origin.scheme);
        if self.any_port_hosts[i].contains(origin.host) {
            return true;
        }
        let patterns = &self.subdomains[i];
        if patterns.is_empty() {
            return false;
        }
        // Try every parent domain on a label boundary: for `a.b.example.com`,
        // `b.example.com`, `example.com` and `com`. Matching whole labels is
        // what keeps `evilexample.com` out of `*.example.com`, and two
        // patterns from ever combining into a third.
        let host = origin.host;
        host.match_indices('.').any(|(dot, _)| {
            patterns
                .get(&host[dot + 1..])
                .is_some_and(|rules| rules.iter().any(|rule| rule.admits(origin.port)))
        })
    }
}

impl fmt::Debug for OriginSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OriginSet")
            .field("any", &self.any)
            .field("null", &self.null)
            .field("exact", &self.exact.len())
            .field("patterns", &(self.len() - self.exact.len()))
            .field("predicate", &self.predicate.is_some())
            .finish()
    }
}

/// Compiles user regexes, each anchored to the whole origin.
pub(crate) fn anchored_regex_set(patterns: &[String]) -> Result<RegexSet, regex::Error> {
    RegexSet::new(patterns.iter().map(|p| format!("^(?:{p})$")))
}

/// Compiles one user regex, for error reporting per entry.
pub(crate) fn check_regex(pattern: &str) -> Result<(), regex::Error> {
    regex::Regex::new(&format!("^(?:{pattern})$")).map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::origin::parse_origin_spec;

    fn set(entries: &[&str]) -> OriginSet {
        OriginSet::new(
            entries.iter().map(|e| parse_origin_spec(e, true).expect(e)),
            None,
            None,
        )
    }

    #[test]
    fn subdomain_patterns_match_whole_labels_only() {
        let s = set(&["https://*.example.com"]);
        for ok in ["https://a.example.com", "https://a.b.example.com"] {
            assert!(s.allows(ok), "{ok}");
        }
        for bad in [
            "https://example.com",
            "https://evilexample.com",
            "http://a.example.com",
            "https://a.example.com.evil.com",
            "https://a.example.com:8443",
            "https://A.example.com",
            "https://a.example.com.",
            "https://a.example.com:443",
            "https://x@a.example.com",
            "null",
        ] {
            assert!(!s.allows(bad), "{bad}");
        }
    }

    #[test]
    fn two_patterns_never_admit_a_third_origin_through_a_shared_suffix() {
        // jub0bs/cors GHSA-vhxv-fg4m-p2w8: `foo.com` + `bar.com` admitted `barfoo.com`.
        let s = set(&[
            "https://foo.com",
            "https://bar.com",
            "https://*.foo.com",
            "https://*.bar.com",
        ]);
        for bad in [
            "https://barfoo.com",
            "https://foobar.com",
            "https://bar.foo.com.bar.com.evil",
        ] {
            assert!(!s.allows(bad), "{bad}");
        }
        assert!(s.allows("https://x.foo.com"));
        assert!(s.allows("https://bar.com"));
    }

    #[test]
    fn port_wildcards_admit_any_port_of_that_host_only() {
        let s = set(&["http://localhost:*"]);
        for ok in [
            "http://localhost",
            "http://localhost:3000",
            "http://localhost:5173",
        ] {
            assert!(s.allows(ok), "{ok}");
        }
        for bad in [
            "https://localhost:3000",
            "http://localhost.evil.com:3000",
            "http://127.0.0.1:3000",
        ] {
            assert!(!s.allows(bad), "{bad}");
        }
    }

    #[test]
    fn null_is_admitted_by_star_or_when_written() {
        assert!(set(&["*"]).allows("null"));
        assert!(!set(&["https://*.example.com", "http://localhost:*"]).allows("null"));
        assert!(set(&["*"]).allows("https://anything.example"));
        assert!(set(&["null"]).allows("null"));
        let regex = OriginSet::new([], Some(anchored_regex_set(&[".*".into()]).unwrap()), None);
        assert!(!regex.allows("null"));
        let predicate = OriginSet::new([], None, Some(Arc::new(|_: &str| true)));
        assert!(!predicate.allows("null"));
    }

    #[test]
    fn regexes_are_anchored_for_the_user() {
        let s = OriginSet::new(
            [],
            Some(anchored_regex_set(&[r"https://app\.example\.com".into()]).unwrap()),
            None,
        );
        assert!(s.allows("https://app.example.com"));
        assert!(!s.allows("https://app.example.com.evil.com"));
        assert!(!s.allows("https://evil.com/https://app.example.com"));
        assert!(!s.regexes_match_anything());
        let all = OriginSet::new(
            [],
            Some(anchored_regex_set(&["https?://.*".into()]).unwrap()),
            None,
        );
        assert!(all.regexes_match_anything());
    }

    #[test]
    fn exact_origins_compare_byte_for_byte() {
        let s = set(&["https://app.example.com"]);
        assert!(s.allows("https://app.example.com"));
        for bad in [
            "https://APP.example.com",
            "https://app.example.com/",
            "https://app.example.com:443",
        ] {
            assert!(!s.allows(bad), "{bad}");
        }
    }
}
