//! Reading `Access-Control-Request-Headers` without allocating, in time
//! bounded by a hard length cap (rs/cors CVE-2025-47908 spent 121 MB on a
//! header of commas).

use crate::decision::FieldLines;
use crate::token::all_tchars;

/// The longest `Access-Control-Request-Headers` value accepted. Browsers send
/// the lower-cased names of the non-safelisted headers joined by `,`; 4 KiB
/// holds well over a hundred of them.
pub const MAX_REQUEST_HEADERS_LEN: usize = 4096;

/// Why an `Access-Control-Request-Headers` value was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MalformedHeaders {
    /// Longer than [`MAX_REQUEST_HEADERS_LEN`].
    TooLong {
        /// Its length in bytes.
        len: usize,
    },
    /// No header name at all (empty, or only commas and whitespace).
    EmptyName,
    /// An element that is not a header-name token.
    InvalidName,
}

/// Iterates over the names in an `Access-Control-Request-Headers` value,
/// trimmed of optional whitespace, borrowing from the value. Names are
/// bytes (checked to be header-name tokens, so ASCII): the allowed-list
/// check compares bytes, and a `str` is made only for a refusal's message
/// (`str::from_utf8` costs about 100 instructions on a short name). Several lines
/// are read as one comma-joined list (RFC 9110 §5.3), without joining them.
#[derive(Clone, Debug)]
pub(crate) struct RequestHeaderNames<'a> {
    lines: FieldLines<'a>,
    /// The index of the line after the one `rest` is in.
    next_line: usize,
    rest: Option<&'a [u8]>,
    seen_name: bool,
}

impl<'a> RequestHeaderNames<'a> {
    /// The names of every line; the length cap applies to the lines joined.
    pub(crate) fn new(lines: FieldLines<'a>) -> Result<Self, MalformedHeaders> {
        let len = lines.total_len();
        if len > MAX_REQUEST_HEADERS_LEN {
            return Err(MalformedHeaders::TooLong { len });
        }
        Ok(RequestHeaderNames {
            rest: lines.iter().next(),
            next_line: 1,
            lines,
            seen_name: false,
        })
    }

    /// Moves on to the next line, if any.
    fn next_line(&mut self) -> Option<&'a [u8]> {
        let line = self.lines.iter().nth(self.next_line)?;
        self.next_line += 1;
        Some(line)
    }
}

impl<'a> Iterator for RequestHeaderNames<'a> {
    type Item = Result<&'a [u8], MalformedHeaders>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let Some(rest) = self.rest.or_else(|| self.next_line()) else {
                // `1#field-name`: at least one name.
                if self.seen_name {
                    return None;
                }
                self.seen_name = true;
                return Some(Err(MalformedHeaders::EmptyName));
            };
            let (element, tail) = match rest.iter().position(|&b| b == b',') {
                Some(comma) => (&rest[..comma], Some(&rest[comma + 1..])),
                None => (rest, None),
            };
            self.rest = tail;
            let name = trim_ows(element);
            if name.is_empty() {
                // RFC 9110 §5.6.1.2: recipients ignore empty list elements
                // (the length cap bounds how many there can be).
                continue;
            }
            self.seen_name = true;
            if !all_tchars(name) {
                self.rest = None;
                self.next_line = usize::MAX;
                return Some(Err(MalformedHeaders::InvalidName));
            }
            return Some(Ok(name));
        }
    }
}

/// Strips optional whitespace, `OWS = *( SP / HTAB )` (RFC 9110 §5.6.3).
/// Not `trim_ascii`, which also strips CR, LF and form feed: an element of
/// only those would be skipped as empty and then echoed, line break and all,
/// by the answers that mirror the requested list.
fn trim_ows(mut bytes: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = bytes {
        bytes = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = bytes {
        bytes = rest;
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(value: &str) -> Result<Vec<&str>, MalformedHeaders> {
        names_of_lines(&[value])
    }

    fn names_of_lines<'a>(lines: &[&'a str]) -> Result<Vec<&'a str>, MalformedHeaders> {
        let lines = FieldLines::new(lines.iter().map(|l| l.as_bytes())).unwrap();
        RequestHeaderNames::new(lines)?
            .map(|name| name.map(|n| std::str::from_utf8(n).unwrap()))
            .collect()
    }

    #[test]
    fn several_lines_read_as_one_comma_joined_list() {
        assert_eq!(
            names_of_lines(&["content-type", "x-trace-id"]),
            Ok(vec!["content-type", "x-trace-id"])
        );
        assert_eq!(
            names_of_lines(&["a, b", "", " ,c"]),
            Ok(vec!["a", "b", "c"])
        );
        assert_eq!(names_of_lines(&["", " "]), Err(MalformedHeaders::EmptyName));
        assert_eq!(
            names_of_lines(&["a", "b c", "d"]),
            Err(MalformedHeaders::InvalidName)
        );
        // The cap is on the total, as if the lines were joined with commas.
        let half = "a".repeat(MAX_REQUEST_HEADERS_LEN / 2);
        assert_eq!(
            names_of_lines(&[&half, &half]),
            Err(MalformedHeaders::TooLong {
                len: MAX_REQUEST_HEADERS_LEN + 1
            })
        );
    }

    #[test]
    fn names_are_split_on_commas_and_trimmed() {
        assert_eq!(
            names("content-type,x-trace-id"),
            Ok(vec!["content-type", "x-trace-id"])
        );
        assert_eq!(
            names(" Authorization ,\tX-A"),
            Ok(vec!["Authorization", "X-A"])
        );
    }

    #[test]
    fn empty_elements_are_ignored_but_a_name_is_required() {
        assert_eq!(names("a,,b"), Ok(vec!["a", "b"]));
        assert_eq!(names(" ,a, "), Ok(vec!["a"]));
        assert_eq!(names(""), Err(MalformedHeaders::EmptyName));
        assert_eq!(names(" , ,"), Err(MalformedHeaders::EmptyName));
    }

    #[test]
    fn one_bad_element_spoils_the_value() {
        assert_eq!(names("a b"), Err(MalformedHeaders::InvalidName));
        assert_eq!(names("x-caf\u{e9}"), Err(MalformedHeaders::InvalidName));
    }

    #[test]
    fn oversized_values_are_refused_before_any_scan() {
        let commas = ",".repeat(1 << 20);
        assert_eq!(
            RequestHeaderNames::new(FieldLines::one(commas.as_bytes())).err(),
            Some(MalformedHeaders::TooLong { len: 1 << 20 })
        );
    }
}
