//! HTTP tokens (RFC 9110 §5.6.2), the syntax of methods and header names.

/// `tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA`
pub(crate) const fn is_tchar(b: u8) -> bool {
    matches!(b,
        b'!' | b'#' | b'$' | b'%' | b'&' | b'\'' | b'*' | b'+' | b'-' | b'.' | b'^' | b'_' | b'`'
        | b'|' | b'~' | b'0'..=b'9' | b'a'..=b'z' | b'A'..=b'Z')
}

/// [`is_tchar`] for every byte, so checking a byte is one load: request
/// headers are checked byte by byte on every preflight.
static TCHAR: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = is_tchar(b as u8);
        b += 1;
    }
    table
};

/// Whether every byte of `s` is a `tchar` (true for an empty `s`).
pub(crate) fn all_tchars(s: &[u8]) -> bool {
    s.iter().all(|&b| TCHAR[usize::from(b)])
}

/// Whether `s` is a non-empty token.
pub(crate) fn is_token(s: &[u8]) -> bool {
    !s.is_empty() && all_tchars(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_exclude_separators_spaces_and_non_ascii() {
        for ok in ["GET", "x-request-id", "PATCH", "a!#$%&'*+-.^_`|~9"] {
            assert!(is_token(ok.as_bytes()), "{ok}");
        }
        for bad in ["", "a b", "a,b", "a:b", "caf\u{e9}", "a\tb", "(x)"] {
            assert!(!is_token(bad.as_bytes()), "{bad}");
        }
        for b in 0..=u8::MAX {
            assert_eq!(all_tchars(&[b]), is_tchar(b), "{b:#04x}");
        }
    }
}
