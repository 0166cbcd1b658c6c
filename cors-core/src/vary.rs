//! The `Vary` tokens a CORS answer depends on, as a tiny bit set whose
//! header values are all precomputed.

use std::fmt;

/// The request headers a CORS answer depends on, for `Vary`.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Vary(u8);

impl Vary {
    /// No dependency.
    pub const NONE: Vary = Vary(0);
    /// `Origin`.
    pub const ORIGIN: Vary = Vary(1);
    /// `Access-Control-Request-Method`.
    pub const REQUEST_METHOD: Vary = Vary(2);
    /// `Access-Control-Request-Headers`.
    pub const REQUEST_HEADERS: Vary = Vary(4);
    /// `Access-Control-Request-Private-Network`.
    pub const REQUEST_PRIVATE_NETWORK: Vary = Vary(8);

    const NAMES: [&'static str; 4] = [
        "Origin",
        "Access-Control-Request-Method",
        "Access-Control-Request-Headers",
        "Access-Control-Request-Private-Network",
    ];

    /// Every combination's header value, so emitting one never allocates.
    const VALUES: [&'static str; 16] = [
        "",
        "Origin",
        "Access-Control-Request-Method",
        "Origin, Access-Control-Request-Method",
        "Access-Control-Request-Headers",
        "Origin, Access-Control-Request-Headers",
        "Access-Control-Request-Method, Access-Control-Request-Headers",
        "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
        "Access-Control-Request-Private-Network",
        "Origin, Access-Control-Request-Private-Network",
        "Access-Control-Request-Method, Access-Control-Request-Private-Network",
        "Origin, Access-Control-Request-Method, Access-Control-Request-Private-Network",
        "Access-Control-Request-Headers, Access-Control-Request-Private-Network",
        "Origin, Access-Control-Request-Headers, Access-Control-Request-Private-Network",
        "Access-Control-Request-Method, Access-Control-Request-Headers, \
         Access-Control-Request-Private-Network",
        "Origin, Access-Control-Request-Method, Access-Control-Request-Headers, \
         Access-Control-Request-Private-Network",
    ];

    /// Both sets together.
    #[must_use]
    pub const fn with(self, other: Vary) -> Vary {
        Vary(self.0 | other.0)
    }

    /// Whether every token of `other` is in `self`.
    pub const fn contains(self, other: Vary) -> bool {
        self.0 & other.0 == other.0
    }

    /// Whether there is no token.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The header value, e.g. `Origin, Access-Control-Request-Method` (empty
    /// when there is no token).
    pub const fn as_str(self) -> &'static str {
        Vary::VALUES[self.0 as usize]
    }

    /// The tokens, in a stable order.
    pub fn tokens(self) -> impl Iterator<Item = &'static str> {
        (0..4)
            .filter(move |i| self.0 & (1 << i) != 0)
            .map(|i| Vary::NAMES[i])
    }

    /// An existing `Vary` value extended with these tokens, token by token and
    /// without repeating any (compared case-insensitively). `None` when the
    /// existing value already covers them (including `Vary: *`).
    pub fn merge_into(self, existing: &str) -> Option<String> {
        let present = |token: &str| {
            existing
                .split(',')
                .map(str::trim)
                .any(|t| t == "*" || t.eq_ignore_ascii_case(token))
        };
        let missing: Vec<&str> = self.tokens().filter(|t| !present(t)).collect();
        if missing.is_empty() {
            return None;
        }
        let existing = existing.trim();
        let mut merged = String::with_capacity(existing.len() + 64);
        merged.push_str(existing);
        for token in missing {
            if !merged.is_empty() {
                merged.push_str(", ");
            }
            merged.push_str(token);
        }
        Some(merged)
    }
}

impl fmt::Debug for Vary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Vary({:?})", self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_combination_lists_its_tokens_in_order() {
        for bits in 0..16u8 {
            let vary = Vary(bits);
            assert_eq!(vary.as_str(), vary.tokens().collect::<Vec<_>>().join(", "));
        }
    }

    #[test]
    fn merging_extends_without_repeating_or_removing_tokens() {
        let v = Vary::ORIGIN.with(Vary::REQUEST_METHOD);
        assert_eq!(
            v.merge_into("Accept-Encoding").as_deref(),
            Some("Accept-Encoding, Origin, Access-Control-Request-Method")
        );
        assert_eq!(
            v.merge_into("origin").as_deref(),
            Some("origin, Access-Control-Request-Method")
        );
        assert_eq!(v.merge_into("Origin, Access-Control-Request-Method"), None);
        assert_eq!(v.merge_into("*"), None);
        assert_eq!(
            v.merge_into("").as_deref(),
            Some("Origin, Access-Control-Request-Method")
        );
    }
}
