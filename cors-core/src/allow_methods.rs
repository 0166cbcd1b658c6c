//! `Access-Control-Allow-Methods`: which methods a preflight may ask for.

/// The CORS-safelisted methods, which browsers never preflight for their own
/// sake and accept whatever `Access-Control-Allow-Methods` says (Fetch
/// § CORS-preflight fetch, step 7.3).
pub(crate) const SAFELISTED: [&str; 3] = ["GET", "HEAD", "POST"];

/// Validated allowed methods, with the header value joined once.
#[derive(Clone, Debug)]
pub(crate) enum AllowMethods {
    Any,
    List {
        methods: Vec<String>,
        header: String,
    },
}

impl AllowMethods {
    pub(crate) fn list(methods: Vec<String>) -> Self {
        let header = methods.join(", ");
        AllowMethods::List { methods, header }
    }

    /// Whether a preflight asking for `method` is allowed. Byte-exact: the
    /// Fetch standard compares methods case-sensitively.
    pub(crate) fn allows(&self, method: &str) -> bool {
        match self {
            AllowMethods::Any => true,
            AllowMethods::List { methods, .. } => {
                SAFELISTED.contains(&method) || methods.iter().any(|m| m == method)
            }
        }
    }

    /// The header value for an allowed preflight asking for `requested`.
    /// With credentials, `*` means a method literally named `*`, so the
    /// requested method is echoed instead.
    pub(crate) fn header_value<'a>(&'a self, requested: &'a str, credentials: bool) -> &'a str {
        match self {
            AllowMethods::Any if credentials => requested,
            AllowMethods::Any => "*",
            AllowMethods::List { header, .. } => header,
        }
    }

    /// Whether the answer depends on `Access-Control-Request-Method`.
    pub(crate) fn depends_on_request(&self, credentials: bool) -> bool {
        !matches!(self, AllowMethods::Any) || credentials
    }
}

/// The method as browsers normalise it: only `DELETE`, `GET`, `HEAD`,
/// `OPTIONS`, `POST` and `PUT` are upper-cased (Fetch § normalize a method).
pub(crate) fn normalize(method: &str) -> String {
    const NORMALISED: [&str; 6] = ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"];
    NORMALISED
        .iter()
        .find(|m| m.eq_ignore_ascii_case(method))
        .map_or_else(|| method.to_owned(), |m| (*m).to_owned())
}

/// Registered methods (IANA HTTP Method Registry, and `PURGE`/`QUERY` in
/// common use) that pages write in upper case. A lower- or mixed-case
/// spelling of one in a policy is almost certainly a mistake: browsers do
/// not normalise them, so `patch` would never match `fetch(…, {method: "PATCH"})`.
const WELL_KNOWN: [&str; 31] = [
    "ACL",
    "BASELINE-CONTROL",
    "BIND",
    "CHECKIN",
    "CHECKOUT",
    "COPY",
    "LABEL",
    "LINK",
    "LOCK",
    "MERGE",
    "MKACTIVITY",
    "MKCALENDAR",
    "MKCOL",
    "MKREDIRECTREF",
    "MKWORKSPACE",
    "MOVE",
    "ORDERPATCH",
    "PATCH",
    "PROPFIND",
    "PROPPATCH",
    "PURGE",
    "QUERY",
    "REBIND",
    "REPORT",
    "SEARCH",
    "UNBIND",
    "UNCHECKOUT",
    "UNLINK",
    "UNLOCK",
    "UPDATE",
    "VERSION-CONTROL",
];

/// The upper-case method `method` most likely means, when it is a
/// well-known one written in another case (`patch`, `Patch`), which
/// browsers would send as written. `None` for the six methods browsers
/// normalise themselves, and for anything else.
pub(crate) fn miscased(method: &str) -> Option<&'static str> {
    WELL_KNOWN
        .iter()
        .find(|m| m.eq_ignore_ascii_case(method) && **m != method)
        .copied()
}

/// Whether `method` is a forbidden method (Fetch § forbidden method:
/// `CONNECT`, `TRACE` or `TRACK`, in any case), which scripts can never send.
pub fn is_forbidden(method: &str) -> bool {
    ["CONNECT", "TRACE", "TRACK"]
        .iter()
        .any(|m| m.eq_ignore_ascii_case(method))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_compare_byte_exact_and_safelisted_always_pass() {
        let list = AllowMethods::list(vec!["PUT".into(), "PATCH".into()]);
        assert!(list.allows("PUT"));
        assert!(list.allows("PATCH"));
        assert!(!list.allows("patch"));
        assert!(!list.allows("DELETE"));
        assert!(list.allows("POST"));
        assert_eq!(list.header_value("PUT", false), "PUT, PATCH");
    }

    #[test]
    fn any_method_echoes_the_request_with_credentials() {
        assert_eq!(AllowMethods::Any.header_value("PURGE", false), "*");
        assert_eq!(AllowMethods::Any.header_value("PURGE", true), "PURGE");
    }

    #[test]
    fn normalisation_upper_cases_only_the_six_standard_methods() {
        assert_eq!(normalize("delete"), "DELETE");
        assert_eq!(normalize("Get"), "GET");
        assert_eq!(normalize("patch"), "patch");
        assert_eq!(miscased("patch"), Some("PATCH"));
        assert_eq!(miscased("Propfind"), Some("PROPFIND"));
        assert_eq!(miscased("PATCH"), None);
        assert_eq!(miscased("get"), None);
        assert_eq!(miscased("frobnicate"), None);
        assert!(is_forbidden("connect"));
        assert!(is_forbidden("TRACK"));
        assert!(!is_forbidden("PATCH"));
    }
}
