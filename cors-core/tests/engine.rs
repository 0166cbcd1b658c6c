//! The decision engine, table by table, through the public API only: one
//! policy and many described requests per test, each row checked for the
//! request's kind, the rejection, the exact set of headers and `Vary`.
//!
//! Rule references ("a5 item 3", "S8") are to `shared/fetch-cors-rules.md`,
//! the digest of the WHATWG Fetch standard this crate is built to.

use cors_core::{
    header, ConfigProblem, ConfigWarning, CorsRequest, HeaderField, MalformedHeaders, OriginError,
    Policy, PolicyBuilder, Rejection, RequestKind, Setting, MAX_REQUEST_HEADERS_LEN,
};
use RequestKind::{Actual, NotCors, Preflight};

const ACAO: &str = header::ACCESS_CONTROL_ALLOW_ORIGIN;
const ACAC: &str = header::ACCESS_CONTROL_ALLOW_CREDENTIALS;
const ACAM: &str = header::ACCESS_CONTROL_ALLOW_METHODS;
const ACAH: &str = header::ACCESS_CONTROL_ALLOW_HEADERS;
const ACAPN: &str = header::ACCESS_CONTROL_ALLOW_PRIVATE_NETWORK;
const ACMA: &str = header::ACCESS_CONTROL_MAX_AGE;
const ACEH: &str = header::ACCESS_CONTROL_EXPOSE_HEADERS;

/// The headers only a preflight answer may carry (S8).
const PREFLIGHT_ONLY: [&str; 4] = [ACAM, ACAH, ACMA, ACAPN];

const NO_VARY: &str = "";
const VARY_ORIGIN: &str = "Origin";
const VARY_PREFLIGHT: &str =
    "Origin, Access-Control-Request-Method, Access-Control-Request-Headers";
const VARY_PREFLIGHT_PNA: &str = "Origin, Access-Control-Request-Method, \
     Access-Control-Request-Headers, Access-Control-Request-Private-Network";
const VARY_PREFLIGHT_STATIC_ORIGIN: &str =
    "Access-Control-Request-Method, Access-Control-Request-Headers";
const VARY_PREFLIGHT_ANY_METHOD: &str = "Origin, Access-Control-Request-Headers";

const APP: &str = "https://app.example.com";

/// One request and everything the engine must answer for it.
#[derive(Debug)]
struct Row<'a> {
    what: &'static str,
    request: CorsRequest<'a>,
    kind: RequestKind,
    rejection: Option<Rejection<'a>>,
    headers: Vec<(&'static str, &'a str)>,
    vary: &'static str,
}

/// A row whose request is let through with exactly `headers`.
fn allowed<'a>(
    what: &'static str,
    request: CorsRequest<'a>,
    kind: RequestKind,
    headers: &[(&'static str, &'a str)],
    vary: &'static str,
) -> Row<'a> {
    Row {
        what,
        request,
        kind,
        rejection: None,
        headers: headers.to_vec(),
        vary,
    }
}

/// A row whose request is refused: no header at all but `Vary`.
fn refused<'a>(
    what: &'static str,
    request: CorsRequest<'a>,
    kind: RequestKind,
    rejection: Rejection<'a>,
    vary: &'static str,
) -> Row<'a> {
    Row {
        what,
        request,
        kind,
        rejection: Some(rejection),
        headers: Vec::new(),
        vary,
    }
}

fn get(origin: &str) -> CorsRequest<'_> {
    CorsRequest::new("GET").origin(origin)
}

fn preflight<'a>(origin: &'a str, method: &'a str) -> CorsRequest<'a> {
    CorsRequest::new("OPTIONS")
        .origin(origin)
        .request_method(method)
}

fn build(builder: PolicyBuilder) -> Policy {
    builder
        .build()
        .unwrap_or_else(|e| panic!("the policy should build: {e}"))
}

fn build_error(builder: PolicyBuilder) -> cors_core::ConfigError {
    match builder.build() {
        Ok(policy) => panic!("the policy should not build: {policy}"),
        Err(e) => e,
    }
}

/// Runs every row against `policy` and reports all failing rows at once.
/// Besides each row's own expectations, every decision is checked against
/// the invariants that hold for all requests (S1, S6, S8).
fn run(policy: &Policy, rows: &[Row<'_>]) {
    let mut failures = Vec::new();
    for row in rows {
        let decision = policy.decide(&row.request);
        let headers = decision.headers();
        let mut got: Vec<_> = headers.iter().collect();
        got.sort_unstable();
        let mut want = row.headers.clone();
        want.sort_unstable();
        let vary = headers.vary().as_str();
        if decision.kind() != row.kind
            || decision.rejection() != row.rejection.as_ref()
            || decision.is_allowed() != row.rejection.is_none()
            || got != want
            || vary != row.vary
        {
            failures.push(format!(
                "{}\n    want {:?}, {:?}, {want:?}, vary {:?}\n    got  {:?}, {:?}, {got:?}, vary {vary:?}",
                row.what,
                row.kind,
                row.rejection,
                row.vary,
                decision.kind(),
                decision.rejection(),
            ));
            continue;
        }
        // `get` agrees with `iter`, and `Vary` is only reachable through `get`.
        for (name, value) in &got {
            if headers.get(name) != Some(value) {
                failures.push(format!("{}: get({name}) disagrees with iter", row.what));
            }
        }
        let vary_get = headers.get(header::VARY);
        if vary_get != (!vary.is_empty()).then_some(vary) {
            failures.push(format!("{}: get(vary) = {vary_get:?}", row.what));
        }
        let mut names: Vec<_> = got.iter().map(|(n, _)| *n).collect();
        names.dedup();
        if names.len() != got.len() {
            failures.push(format!("{}: a header appears twice", row.what));
        }
        match decision.kind() {
            Preflight if headers.get(ACEH).is_some() => {
                failures.push(format!("{}: ACEH on a preflight", row.what));
            }
            Preflight if headers.get(header::TIMING_ALLOW_ORIGIN).is_some() => {
                failures.push(format!("{}: Timing-Allow-Origin on a preflight", row.what));
            }
            Actual | NotCors => {
                for name in PREFLIGHT_ONLY {
                    if headers.get(name).is_some() {
                        failures.push(format!("{}: {name} on a non-preflight", row.what));
                    }
                }
            }
            Preflight => {}
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} rows failed:\n  - {}",
        failures.len(),
        rows.len(),
        failures.join("\n  - ")
    );
}

// ---------------------------------------------------------------------------
// Classification

#[test]
fn requests_are_classified_by_origin_options_and_request_method() {
    let policy = build(
        Policy::builder()
            .allowed_origin(APP)
            .allowed_methods(["GET", "PUT"])
            .allowed_headers(["x-a"])
            .expose_headers(["x-request-id"])
            .max_age(600),
    );
    let actual = [(ACAO, APP), (ACEH, "x-request-id")];
    run(
        &policy,
        &[
            allowed(
                "GET without Origin is not CORS: no CORS header, but Vary: Origin",
                CorsRequest::new("GET"),
                NotCors,
                &[],
                VARY_ORIGIN,
            ),
            allowed(
                "OPTIONS with ACRM but no Origin is not CORS",
                CorsRequest::new("OPTIONS").request_method("PUT"),
                NotCors,
                &[],
                VARY_ORIGIN,
            ),
            allowed(
                "OPTIONS with Origin and ACRM is a preflight",
                preflight(APP, "PUT"),
                Preflight,
                &[(ACAO, APP), (ACAM, "GET, PUT"), (ACMA, "600")],
                VARY_PREFLIGHT,
            ),
            allowed(
                "a preflight asking for a listed header gets the list",
                preflight(APP, "PUT").request_headers("x-a"),
                Preflight,
                &[
                    (ACAO, APP),
                    (ACAM, "GET, PUT"),
                    (ACAH, "x-a"),
                    (ACMA, "600"),
                ],
                VARY_PREFLIGHT,
            ),
            allowed(
                "OPTIONS with Origin but without ACRM is an actual request",
                CorsRequest::new("OPTIONS").origin(APP),
                Actual,
                &actual,
                VARY_ORIGIN,
            ),
            allowed(
                "GET with Origin is an actual request",
                get(APP),
                Actual,
                &actual,
                VARY_ORIGIN,
            ),
            allowed(
                "PUT with Origin and ACRM is an actual request: only OPTIONS preflights",
                CorsRequest::new("PUT").origin(APP).request_method("PUT"),
                Actual,
                &actual,
                VARY_ORIGIN,
            ),
            allowed(
                "lower-case `options` is another method (methods are case-sensitive)",
                CorsRequest::new("options")
                    .origin(APP)
                    .request_method("PUT"),
                Actual,
                &actual,
                VARY_ORIGIN,
            ),
        ],
    );
}

// ---------------------------------------------------------------------------
// Access-Control-Allow-Origin and Vary: Origin

#[test]
fn any_origin_without_credentials_answers_star_on_every_response_without_vary_origin() {
    let policy = build(
        Policy::builder()
            .allow_any_origin()
            .allowed_methods(["GET", "PUT"])
            .allowed_headers(["x-a"])
            .expose_headers(["x-request-id"])
            .max_age(600),
    );
    let star = [(ACAO, "*"), (ACEH, "x-request-id")];
    run(
        &policy,
        &[
            allowed(
                "a request without Origin still gets `*` (appendix \"CORS protocol and HTTP caches\")",
                CorsRequest::new("GET"),
                NotCors,
                &star,
                NO_VARY,
            ),
            allowed(
                "GET from any origin gets `*`, never an echo, and no Vary",
                get("https://anyone.example"),
                Actual,
                &star,
                NO_VARY,
            ),
            allowed(
                "an http origin on an odd port gets `*` too",
                get("http://10.0.0.1:8080"),
                Actual,
                &star,
                NO_VARY,
            ),
            allowed(
                "a preflight gets `*` and varies on ACRM and ACRH only",
                preflight("https://anyone.example", "PUT").request_headers("x-a"),
                Preflight,
                &[(ACAO, "*"), (ACAM, "GET, PUT"), (ACAH, "x-a"), (ACMA, "600")],
                VARY_PREFLIGHT_STATIC_ORIGIN,
            ),
            refused(
                "a preflight for an unlisted method is refused, still without Vary: Origin",
                preflight("https://anyone.example", "DELETE"),
                Preflight,
                Rejection::MethodNotAllowed { method: "DELETE" },
                VARY_PREFLIGHT_STATIC_ORIGIN,
            ),
        ],
    );
}

/// Found while writing these tests (engine fix in `decision.rs`). A `*` policy
/// answers without `Vary: Origin` because its answer is the same for every
/// request, but it refuses malformed and repeated origins: those
/// refusals (no ACAO) depend on `Origin`. Without `Vary: Origin` a shared cache
/// stores one and serves it to every origin, and every CORS read of that URL
/// fails until it expires: a cache-poisoning denial of service anyone can
/// trigger with a malformed `Origin`. (`null` is answered by `*`, issue 13.)
#[test]
fn refusals_under_a_star_policy_vary_on_origin_so_caches_never_serve_them_to_every_origin() {
    let policy = build(
        Policy::builder()
            .allow_any_origin()
            .allowed_headers(["x-a"]),
    );
    run(
        &policy,
        &[
            allowed(
                "`null` is answered by `*` like any origin (Fetch CORS check step 3)",
                get("null"),
                Actual,
                &[(ACAO, "*")],
                NO_VARY,
            ),
            refused(
                "a malformed Origin is refused, and the refusal varies on Origin",
                get("https://caf\u{e9}.example"),
                Actual,
                Rejection::MalformedOrigin,
                VARY_ORIGIN,
            ),
            refused(
                "a repeated Origin is refused, and the refusal varies on Origin",
                CorsRequest {
                    origin: HeaderField::Repeated,
                    ..CorsRequest::new("GET")
                },
                Actual,
                Rejection::RepeatedHeader {
                    name: header::ORIGIN,
                },
                VARY_ORIGIN,
            ),
            allowed(
                "a preflight from `null` is answered by `*` too",
                preflight("null", "GET"),
                Preflight,
                &[(ACAO, "*"), (ACAM, "GET, HEAD, POST")],
                VARY_PREFLIGHT_STATIC_ORIGIN,
            ),
            allowed(
                "while an allowed origin still gets the static `*` without Vary",
                get("https://anyone.example"),
                Actual,
                &[(ACAO, "*")],
                NO_VARY,
            ),
        ],
    );
}

#[test]
fn listed_origins_are_echoed_byte_for_byte_and_every_answer_varies_on_origin() {
    let policy = build(
        Policy::builder()
            .allowed_origins([APP, "http://localhost:3000"])
            .allowed_methods(["PUT"]),
    );
    run(
        &policy,
        &[
            allowed(
                "an allowed origin is echoed, with Vary: Origin",
                get(APP),
                Actual,
                &[(ACAO, APP)],
                VARY_ORIGIN,
            ),
            allowed(
                "each listed origin is echoed as sent, port included",
                get("http://localhost:3000"),
                Actual,
                &[(ACAO, "http://localhost:3000")],
                VARY_ORIGIN,
            ),
            allowed(
                "a request without Origin gets no ACAO but Vary: Origin",
                CorsRequest::new("GET"),
                NotCors,
                &[],
                VARY_ORIGIN,
            ),
            refused(
                "an unlisted origin gets no ACAO, and Vary: Origin",
                get("https://other.example"),
                Actual,
                Rejection::OriginNotAllowed {
                    origin: "https://other.example",
                },
                VARY_ORIGIN,
            ),
            refused(
                "a preflight from an unlisted origin gets only Vary",
                preflight("https://other.example", "PUT"),
                Preflight,
                Rejection::OriginNotAllowed {
                    origin: "https://other.example",
                },
                VARY_PREFLIGHT,
            ),
            allowed(
                "an allowed preflight echoes the origin too",
                preflight("http://localhost:3000", "PUT"),
                Preflight,
                &[(ACAO, "http://localhost:3000"), (ACAM, "PUT")],
                VARY_PREFLIGHT,
            ),
        ],
    );
}

// ---------------------------------------------------------------------------
// Credentials

#[test]
fn with_credentials_every_wildcard_becomes_an_echo_and_acac_is_true() {
    let policy = build(
        Policy::builder()
            .allowed_origin(APP)
            .allow_any_method()
            .allow_any_header()
            .expose_headers(["x-request-id"])
            .allow_credentials(true)
            .max_age(600),
    );
    run(
        &policy,
        &[
            allowed(
                "a preflight gets ACAC, the requested method and headers echoed, never `*`",
                preflight(APP, "PURGE").request_headers("x-a,authorization"),
                Preflight,
                &[
                    (ACAO, APP),
                    (ACAC, "true"),
                    (ACAM, "PURGE"),
                    (ACAH, "x-a,authorization"),
                    (ACMA, "600"),
                ],
                // The echoed ACAM depends on ACRM, so ACRM is in Vary.
                VARY_PREFLIGHT,
            ),
            allowed(
                "a preflight without ACRH gets no ACAH",
                preflight(APP, "GET"),
                Preflight,
                &[(ACAO, APP), (ACAC, "true"), (ACAM, "GET"), (ACMA, "600")],
                VARY_PREFLIGHT,
            ),
            allowed(
                "an actual request gets ACAO echoed and ACAC true",
                get(APP),
                Actual,
                &[(ACAO, APP), (ACAC, "true"), (ACEH, "x-request-id")],
                VARY_ORIGIN,
            ),
            allowed(
                "a request without Origin gets nothing but Vary",
                CorsRequest::new("GET"),
                NotCors,
                &[],
                VARY_ORIGIN,
            ),
            refused(
                "an unlisted origin gets no ACAC either",
                get("https://evil.example"),
                Actual,
                Rejection::OriginNotAllowed {
                    origin: "https://evil.example",
                },
                VARY_ORIGIN,
            ),
        ],
    );

    let listed = build(
        Policy::builder()
            .allowed_origin(APP)
            .allowed_methods(["GET", "DELETE"])
            .allowed_headers(["authorization", "content-type"])
            .allow_credentials(true),
    );
    run(
        &listed,
        &[allowed(
            "with lists and credentials the lists are answered as declared",
            preflight(APP, "DELETE").request_headers("authorization,content-type"),
            Preflight,
            &[
                (ACAO, APP),
                (ACAC, "true"),
                (ACAM, "GET, DELETE"),
                (ACAH, "authorization, content-type"),
            ],
            VARY_PREFLIGHT,
        )],
    );
}

#[test]
fn credentials_with_any_origin_any_exposed_header_or_an_all_matching_regex_do_not_build() {
    let err = build_error(Policy::builder().allow_any_origin().allow_credentials(true));
    assert!(
        matches!(
            err.problems(),
            [ConfigProblem::CredentialsWithAnyOrigin { origins, .. }]
                if origins.setting == Setting::AllowedOrigins
        ),
        "{err:?}"
    );
    let text = err.to_string();
    for part in [
        "builder method `allow_credentials`",
        "builder method `allowed_origin`",
        "list the trusted origins instead",
    ] {
        assert!(text.contains(part), "{text:?} lacks {part:?}");
    }

    let err = build_error(
        Policy::builder()
            .allowed_origin(APP)
            .expose_any_header()
            .allow_credentials(true),
    );
    assert!(
        matches!(
            err.problems(),
            [ConfigProblem::CredentialsWithAnyExposedHeader { .. }]
        ),
        "{err:?}"
    );
    let text = err.to_string();
    for part in [
        "builder method `expose_headers`",
        "list the headers to expose instead",
    ] {
        assert!(text.contains(part), "{text:?} lacks {part:?}");
    }

    for regex in ["https?://.*", ".*", ".+"] {
        let err = build_error(
            Policy::builder()
                .allowed_origin_regex(regex)
                .allow_credentials(true),
        );
        assert!(
            matches!(
                err.problems(),
                [ConfigProblem::CredentialsWithAnyOrigin { origins, .. }]
                    if origins.setting == Setting::AllowedOriginRegexes
            ),
            "{regex}: {err:?}"
        );
        assert!(
            err.to_string()
                .contains("builder method `allowed_origin_regex`"),
            "{err}"
        );
    }

    // Both problems at once, and each is fine without credentials.
    let err = build_error(
        Policy::builder()
            .allow_any_origin()
            .expose_any_header()
            .allow_credentials(true),
    );
    assert_eq!(err.problems().len(), 2, "{err}");
    let policy = build(
        Policy::builder()
            .allow_any_origin()
            .allowed_origin_regex("https?://.*")
            .expose_any_header(),
    );
    assert_eq!(
        policy
            .decide(&get("https://anyone.example"))
            .headers()
            .get(ACEH),
        Some("*")
    );
    // A narrow regex is fine with credentials.
    build(
        Policy::builder()
            .allowed_origin_regex(r"https://pr-\d+\.example\.dev")
            .allow_credentials(true),
    );
}

// ---------------------------------------------------------------------------
// Access-Control-Allow-Headers

#[test]
fn any_header_answers_star_and_lists_authorization_which_star_never_covers() {
    let policy = build(Policy::builder().allowed_origin(APP).allow_any_header());
    let methods = (ACAM, "GET, HEAD, POST");
    run(
        &policy,
        &[
            allowed(
                "any header without credentials answers `*`",
                preflight(APP, "POST").request_headers("x-a,x-b"),
                Preflight,
                &[(ACAO, APP), methods, (ACAH, "*")],
                VARY_PREFLIGHT,
            ),
            allowed(
                "`authorization` is listed next to `*` (a5 item 4, S3)",
                preflight(APP, "POST").request_headers("authorization,x-a"),
                Preflight,
                &[(ACAO, APP), methods, (ACAH, "*, authorization")],
                VARY_PREFLIGHT,
            ),
            allowed(
                "`Authorization` is recognised case-insensitively",
                preflight(APP, "POST").request_headers("X-A, Authorization"),
                Preflight,
                &[(ACAO, APP), methods, (ACAH, "*, authorization")],
                VARY_PREFLIGHT,
            ),
            refused(
                "any header still refuses a malformed list",
                preflight(APP, "POST").request_headers("x-a,b c"),
                Preflight,
                Rejection::MalformedRequestHeaders(MalformedHeaders::InvalidName),
                VARY_PREFLIGHT,
            ),
        ],
    );
}

#[test]
fn listed_headers_are_answered_as_the_joined_list_and_every_requested_name_must_be_listed() {
    let policy = build(
        Policy::builder()
            .allowed_origin(APP)
            .allowed_headers(["x-trace-id", "X-Api-Key"]),
    );
    let ok = [
        (ACAO, APP),
        (ACAM, "GET, HEAD, POST"),
        (ACAH, "x-trace-id, x-api-key"),
    ];
    let malformed =
        |what: &'static str, headers: &'static str, why: MalformedHeaders| -> Row<'static> {
            refused(
                what,
                preflight(APP, "POST").request_headers(headers),
                Preflight,
                Rejection::MalformedRequestHeaders(why),
                VARY_PREFLIGHT,
            )
        };
    run(
        &policy,
        &[
            allowed(
                "one listed header gets the whole joined list",
                preflight(APP, "POST").request_headers("x-trace-id"),
                Preflight,
                &ok,
                VARY_PREFLIGHT,
            ),
            allowed(
                "header names compare case-insensitively (S7)",
                preflight(APP, "POST").request_headers("X-TRACE-ID,x-API-key"),
                Preflight,
                &ok,
                VARY_PREFLIGHT,
            ),
            allowed(
                "optional whitespace around names is ignored",
                preflight(APP, "POST").request_headers(" x-trace-id ,\tx-api-key "),
                Preflight,
                &ok,
                VARY_PREFLIGHT,
            ),
            allowed(
                "a preflight without ACRH gets no ACAH",
                preflight(APP, "POST"),
                Preflight,
                &ok[..2],
                VARY_PREFLIGHT,
            ),
            refused(
                "an unlisted header is refused, naming it",
                preflight(APP, "POST").request_headers("x-trace-id,x-other"),
                Preflight,
                Rejection::HeaderNotAllowed { header: "x-other" },
                VARY_PREFLIGHT,
            ),
            refused(
                "`content-type` in ACRH is not safelisted (S11)",
                preflight(APP, "POST").request_headers("content-type"),
                Preflight,
                Rejection::HeaderNotAllowed {
                    header: "content-type",
                },
                VARY_PREFLIGHT,
            ),
            refused(
                "`authorization` must be listed to be allowed",
                preflight(APP, "POST").request_headers("authorization"),
                Preflight,
                Rejection::HeaderNotAllowed {
                    header: "authorization",
                },
                VARY_PREFLIGHT,
            ),
            refused(
                "the refused name is reported as sent",
                preflight(APP, "POST").request_headers("X-Other"),
                Preflight,
                Rejection::HeaderNotAllowed { header: "X-Other" },
                VARY_PREFLIGHT,
            ),
            malformed(
                "a list of only empty elements names no header",
                " , ,",
                MalformedHeaders::EmptyName,
            ),
            malformed(
                "an empty ACRH is not a list of names (`1#field-name`)",
                "",
                MalformedHeaders::EmptyName,
            ),
            malformed(
                "a space inside a name spoils the whole list, listed names included",
                "x-trace-id,x trace",
                MalformedHeaders::InvalidName,
            ),
            malformed(
                "a non-ASCII name spoils the whole list",
                "x-trace-id,x-caf\u{e9}",
                MalformedHeaders::InvalidName,
            ),
            malformed(
                "a separator inside a name spoils the whole list",
                "x-trace-id:1",
                MalformedHeaders::InvalidName,
            ),
        ],
    );
}

// ---------------------------------------------------------------------------
// Access-Control-Allow-Methods

#[test]
fn methods_compare_byte_exact_and_safelisted_methods_always_pass() {
    let policy = build(
        Policy::builder()
            .allowed_origin(APP)
            .allowed_methods(["PATCH", "delete", "PURGE"]),
    );
    let ok = [(ACAO, APP), (ACAM, "PATCH, DELETE, PURGE")];
    let pass = |what: &'static str, method: &'static str| -> Row<'static> {
        allowed(what, preflight(APP, method), Preflight, &ok, VARY_PREFLIGHT)
    };
    let refuse = |what: &'static str, method: &'static str, rejection| -> Row<'static> {
        refused(
            what,
            preflight(APP, method),
            Preflight,
            rejection,
            VARY_PREFLIGHT,
        )
    };
    run(
        &policy,
        &[
            pass("a listed method is allowed", "PATCH"),
            refuse(
                "`patch` is not `PATCH`: browsers do not upper-case it (a1)",
                "patch",
                Rejection::MethodNotAllowed { method: "patch" },
            ),
            pass(
                "`delete` is declared normalised, as browsers send it",
                "DELETE",
            ),
            refuse(
                "so a lower-case `delete` request is refused",
                "delete",
                Rejection::MethodNotAllowed { method: "delete" },
            ),
            pass("GET is safelisted and always allowed (a5 item 3)", "GET"),
            pass("HEAD is safelisted and always allowed", "HEAD"),
            pass("POST is safelisted and always allowed", "POST"),
            refuse(
                "an unlisted method is refused, naming it",
                "PUT",
                Rejection::MethodNotAllowed { method: "PUT" },
            ),
            refuse(
                "a method with a space is malformed",
                "PU T",
                Rejection::MalformedRequestMethod,
            ),
            refuse(
                "an empty ACRM is malformed",
                "",
                Rejection::MalformedRequestMethod,
            ),
            refuse(
                "a method with a line break is malformed",
                "PUT\r\nX-Injected: 1",
                Rejection::MalformedRequestMethod,
            ),
            refused(
                "a repeated ACRM is refused",
                CorsRequest {
                    request_method: HeaderField::Repeated,
                    ..CorsRequest::new("OPTIONS").origin(APP)
                },
                Preflight,
                Rejection::RepeatedHeader {
                    name: header::ACCESS_CONTROL_REQUEST_METHOD,
                },
                VARY_PREFLIGHT,
            ),
        ],
    );

    let any = build(Policy::builder().allowed_origin(APP).allow_any_method());
    run(
        &any,
        &[
            allowed(
                "any method without credentials answers `*`, and ACRM leaves Vary",
                preflight(APP, "PURGE"),
                Preflight,
                &[(ACAO, APP), (ACAM, "*")],
                VARY_PREFLIGHT_ANY_METHOD,
            ),
            allowed(
                "any method allows a lower-case one too",
                preflight(APP, "patch"),
                Preflight,
                &[(ACAO, APP), (ACAM, "*")],
                VARY_PREFLIGHT_ANY_METHOD,
            ),
            // Issue 13: the refusal depends on ACRM, though an allowed answer does not.
            refused(
                "under any method, a malformed ACRM is refused and the refusal varies on ACRM",
                preflight(APP, "PU T"),
                Preflight,
                Rejection::MalformedRequestMethod,
                VARY_PREFLIGHT,
            ),
            refused(
                "under any method, a repeated ACRM is refused and the refusal varies on ACRM",
                CorsRequest {
                    request_method: HeaderField::from_values([&b"PUT"[..], b"PUT"]),
                    ..CorsRequest::new("OPTIONS").origin(APP)
                },
                Preflight,
                Rejection::RepeatedHeader {
                    name: header::ACCESS_CONTROL_REQUEST_METHOD,
                },
                VARY_PREFLIGHT,
            ),
        ],
    );
    let static_any = build(Policy::builder().allow_any_origin().allow_any_method());
    run(
        &static_any,
        &[refused(
            "under `*` origins and methods, a malformed ACRM's refusal varies on ACRM",
            preflight(APP, "PU T"),
            Preflight,
            Rejection::MalformedRequestMethod,
            VARY_PREFLIGHT_STATIC_ORIGIN,
        )],
    );
}

// ---------------------------------------------------------------------------
// Which headers go on which response

#[test]
fn preflight_headers_never_go_on_actual_responses_and_expose_never_on_preflights() {
    let policy = build(
        Policy::builder()
            .allowed_origin(APP)
            .allowed_methods(["PUT"])
            .allowed_headers(["x-a"])
            .expose_headers(["x-request-id", "x-report-id"])
            .max_age(600)
            .allow_private_network(true)
            .allow_credentials(true),
    );
    let actual = [
        (ACAO, APP),
        (ACAC, "true"),
        (ACEH, "x-request-id, x-report-id"),
    ];
    run(
        &policy,
        &[
            allowed(
                "an actual request carrying preflight headers gets no ACAH, ACMA or ACAPN",
                get(APP)
                    .request_headers("x-a")
                    .request_private_network("true"),
                Actual,
                &actual,
                VARY_ORIGIN,
            ),
            allowed(
                "OPTIONS without ACRM is an actual request: no ACAM",
                CorsRequest::new("OPTIONS")
                    .origin(APP)
                    .request_headers("x-a")
                    .request_private_network("true"),
                Actual,
                &actual,
                VARY_ORIGIN,
            ),
            allowed(
                "a preflight gets every preflight header and no ACEH",
                preflight(APP, "PUT")
                    .request_headers("x-a")
                    .request_private_network("true"),
                Preflight,
                &[
                    (ACAO, APP),
                    (ACAC, "true"),
                    (ACAM, "PUT"),
                    (ACAH, "x-a"),
                    (ACAPN, "true"),
                    (ACMA, "600"),
                ],
                VARY_PREFLIGHT_PNA,
            ),
        ],
    );
}

// ---------------------------------------------------------------------------
// Vary

#[test]
fn preflights_vary_on_origin_request_method_headers_and_private_network_when_relevant() {
    let plain = build(Policy::builder().allowed_origin(APP));
    run(
        &plain,
        &[
            allowed(
                "a preflight varies on Origin, ACRM and ACRH",
                preflight(APP, "GET"),
                Preflight,
                &[(ACAO, APP), (ACAM, "GET, HEAD, POST")],
                VARY_PREFLIGHT,
            ),
            refused(
                "a preflight asking for PNA varies on ACRPN too, even when refused",
                preflight(APP, "GET").request_private_network("true"),
                Preflight,
                Rejection::PrivateNetworkNotAllowed,
                VARY_PREFLIGHT_PNA,
            ),
            allowed(
                "a preflight carrying ACRPN with another value varies on it too",
                preflight(APP, "GET").request_private_network("false"),
                Preflight,
                &[(ACAO, APP), (ACAM, "GET, HEAD, POST")],
                VARY_PREFLIGHT_PNA,
            ),
            allowed(
                "an actual request varies on Origin only",
                get(APP).request_private_network("true"),
                Actual,
                &[(ACAO, APP)],
                VARY_ORIGIN,
            ),
        ],
    );

    let pna = build(
        Policy::builder()
            .allowed_origin(APP)
            .allow_private_network(true),
    );
    run(
        &pna,
        &[allowed(
            "with PNA enabled every preflight varies on ACRPN",
            preflight(APP, "GET"),
            Preflight,
            &[(ACAO, APP), (ACAM, "GET, HEAD, POST")],
            VARY_PREFLIGHT_PNA,
        )],
    );
}

#[test]
fn vary_false_emits_no_vary_at_all() {
    for builder in [
        Policy::builder().allowed_origin(APP),
        Policy::builder()
            .allowed_origin(APP)
            .allow_private_network(true),
        Policy::builder().allow_any_origin(),
    ] {
        let policy = build(builder.vary(false).allowed_methods(["PUT"]));
        let acao = if policy.allows_origin("https://other.example") {
            "*"
        } else {
            APP
        };
        let no_origin: &[(&str, &str)] = if acao == "*" { &[(ACAO, "*")] } else { &[] };
        run(
            &policy,
            &[
                allowed(
                    "no Vary without Origin",
                    CorsRequest::new("GET"),
                    NotCors,
                    no_origin,
                    NO_VARY,
                ),
                allowed(
                    "no Vary on an actual request",
                    get(APP),
                    Actual,
                    &[(ACAO, acao)],
                    NO_VARY,
                ),
                allowed(
                    "no Vary on a preflight",
                    preflight(APP, "PUT"),
                    Preflight,
                    &[(ACAO, acao), (ACAM, "PUT")],
                    NO_VARY,
                ),
                refused(
                    "no Vary on a refusal",
                    get(""),
                    Actual,
                    Rejection::MalformedOrigin,
                    NO_VARY,
                ),
                refused(
                    "no Vary on a refused preflight",
                    preflight(APP, "DELETE").request_private_network("true"),
                    Preflight,
                    Rejection::MethodNotAllowed { method: "DELETE" },
                    NO_VARY,
                ),
            ],
        );
    }
}

// ---------------------------------------------------------------------------
// Access-Control-Max-Age

#[test]
fn max_age_is_rendered_once_on_allowed_preflights_only() {
    let policy = build(Policy::builder().allowed_origin(APP).max_age(600));
    let decision = policy.decide(&preflight(APP, "GET"));
    let values: Vec<_> = decision
        .headers()
        .iter()
        .filter(|(name, _)| *name == ACMA)
        .collect();
    assert_eq!(values, [(ACMA, "600")]);
    assert_eq!(policy.decide(&get(APP)).headers().get(ACMA), None);
    let refused = policy.decide(&preflight(APP, "DELETE"));
    assert_eq!(refused.headers().get(ACMA), None);

    let zero = build(Policy::builder().allowed_origin(APP).max_age(0));
    assert_eq!(
        zero.decide(&preflight(APP, "GET")).headers().get(ACMA),
        Some("0")
    );
    let unset = build(Policy::builder().allowed_origin(APP));
    assert_eq!(
        unset.decide(&preflight(APP, "GET")).headers().get(ACMA),
        None
    );
}

#[test]
fn max_age_above_firefox_cap_is_refused_naming_both_browser_caps() {
    let err = build_error(Policy::builder().allowed_origin(APP).max_age(86_401));
    assert!(
        matches!(
            err.problems(),
            [ConfigProblem::MaxAgeTooLarge { value: 86_401, .. }]
        ),
        "{err:?}"
    );
    let text = err.to_string();
    for part in ["86401", "86400", "7200", "builder method `max_age`"] {
        assert!(text.contains(part), "{text:?} lacks {part:?}");
    }
    let err = build_error(Policy::builder().allowed_origin(APP).max_age(u64::MAX));
    assert_eq!(err.problems().len(), 1, "{err}");

    let at_cap = build(Policy::builder().allowed_origin(APP).max_age(86_400));
    assert_eq!(
        at_cap.decide(&preflight(APP, "GET")).headers().get(ACMA),
        Some("86400")
    );
}

#[test]
fn max_age_above_chromium_cap_draws_a_warning() {
    let policy = build(Policy::builder().allowed_origin(APP).max_age(7_201));
    assert!(
        policy
            .warnings()
            .contains(&ConfigWarning::MaxAgeAboveChromiumCap { seconds: 7_201 }),
        "{:?}",
        policy.warnings()
    );
    let warning = ConfigWarning::MaxAgeAboveChromiumCap { seconds: 7_201 }.to_string();
    assert_eq!(
        warning,
        "max-age 7201 is above Chromium's cap of 7200 seconds and WebKit/Safari's cap of 600 \
         seconds; those browsers silently cache preflights for their cap instead (only \
         Firefox honours up to 86400)"
    );
    let policy = build(Policy::builder().allowed_origin(APP).max_age(7_200));
    assert!(
        !policy
            .warnings()
            .iter()
            .any(|w| matches!(w, ConfigWarning::MaxAgeAboveChromiumCap { .. })),
        "{:?}",
        policy.warnings()
    );
}

// ---------------------------------------------------------------------------
// Private Network Access

#[test]
fn private_network_access_is_allowed_only_when_enabled_requested_and_from_an_allowed_origin() {
    let enabled = build(
        Policy::builder()
            .allowed_origin(APP)
            .allow_private_network(true),
    );
    let plain = [(ACAO, APP), (ACAM, "GET, HEAD, POST")];
    run(
        &enabled,
        &[
            allowed(
                "enabled, asked with `true`, allowed origin: ACAPN true",
                preflight(APP, "GET").request_private_network("true"),
                Preflight,
                &[(ACAO, APP), (ACAM, "GET, HEAD, POST"), (ACAPN, "true")],
                VARY_PREFLIGHT_PNA,
            ),
            allowed(
                "enabled but not asked: no ACAPN",
                preflight(APP, "GET"),
                Preflight,
                &plain,
                VARY_PREFLIGHT_PNA,
            ),
            allowed(
                "asked with `false`: no ACAPN",
                preflight(APP, "GET").request_private_network("false"),
                Preflight,
                &plain,
                VARY_PREFLIGHT_PNA,
            ),
            allowed(
                "asked with `TRUE`: not the exact token, no ACAPN",
                preflight(APP, "GET").request_private_network("TRUE"),
                Preflight,
                &plain,
                VARY_PREFLIGHT_PNA,
            ),
            allowed(
                "asked on two lines: not a single `true`, no ACAPN",
                CorsRequest {
                    request_private_network: HeaderField::Repeated,
                    ..preflight(APP, "GET")
                },
                Preflight,
                &plain,
                VARY_PREFLIGHT_PNA,
            ),
            refused(
                "asked from an unlisted origin: refused, no ACAPN",
                preflight("https://evil.example", "GET").request_private_network("true"),
                Preflight,
                Rejection::OriginNotAllowed {
                    origin: "https://evil.example",
                },
                VARY_PREFLIGHT_PNA,
            ),
            refused(
                "asked for an unlisted method: refused, no ACAPN",
                preflight(APP, "PUT").request_private_network("true"),
                Preflight,
                Rejection::MethodNotAllowed { method: "PUT" },
                VARY_PREFLIGHT_PNA,
            ),
            allowed(
                "asked on an actual request: no ACAPN",
                get(APP).request_private_network("true"),
                Actual,
                &[(ACAO, APP)],
                VARY_ORIGIN,
            ),
        ],
    );

    let disabled = build(Policy::builder().allowed_origin(APP));
    run(
        &disabled,
        &[
            refused(
                "not enabled and asked: refused",
                preflight(APP, "GET").request_private_network("true"),
                Preflight,
                Rejection::PrivateNetworkNotAllowed,
                VARY_PREFLIGHT_PNA,
            ),
            allowed(
                "not enabled and not asked: a plain preflight",
                preflight(APP, "GET"),
                Preflight,
                &plain,
                VARY_PREFLIGHT,
            ),
        ],
    );
}

// ---------------------------------------------------------------------------
// Origins

/// Rows for origins `policy` must let through (echoed) and refuse.
fn origin_rows<'a>(allow: &[&'a str], refuse: &[&'a str]) -> Vec<Row<'a>> {
    let mut rows = Vec::new();
    for &origin in allow {
        rows.push(allowed(
            "an allowed origin is echoed as sent",
            get(origin),
            Actual,
            &[(ACAO, origin)],
            VARY_ORIGIN,
        ));
    }
    for &origin in refuse {
        rows.push(refused(
            "a near miss is refused",
            get(origin),
            Actual,
            Rejection::OriginNotAllowed { origin },
            VARY_ORIGIN,
        ));
    }
    rows
}

/// Checks `allows_origin` and `decide` agree with the expected lists, naming
/// every origin that does not.
fn check_origins(policy: &Policy, allow: &[&str], refuse: &[&str]) {
    for origin in allow {
        assert!(policy.allows_origin(origin), "{origin} should be allowed");
    }
    for origin in refuse {
        assert!(!policy.allows_origin(origin), "{origin} should be refused");
    }
    run(policy, &origin_rows(allow, refuse));
}

#[test]
fn allowed_origins_are_normalised_at_build_as_browsers_serialise_them() {
    let policy = build(Policy::builder().allowed_origins([
        "HTTPS://App.Example.com:443",
        "http://LOCALHOST:80",
        "http://[0:0:0:0:0:0:0:1]:8080",
        "  https://spaced.example.com  ",
    ]));
    check_origins(
        &policy,
        &[
            APP,
            "http://localhost",
            "http://[::1]:8080",
            "https://spaced.example.com",
        ],
        &[
            "HTTPS://App.Example.com:443",
            "https://app.example.com:443",
            "https://App.example.com",
            "http://localhost:80",
            "http://[0:0:0:0:0:0:0:1]:8080",
        ],
    );
}

#[test]
fn subdomain_patterns_admit_subdomains_of_that_scheme_and_port_only() {
    let policy = build(Policy::builder().allowed_origins([
        "https://*.example.com",
        "https://*.staging.example.net:8443",
    ]));
    check_origins(
        &policy,
        &[
            "https://a.example.com",
            "https://a.b.example.com",
            "https://xn--rsum-bpad.example.com",
            "https://a.staging.example.net:8443",
        ],
        &[
            "https://example.com",
            "https://evilexample.com",
            "https://a.example.com.evil.com",
            "http://a.example.com",
            "https://a.example.com:8443",
            "https://A.example.com",
            "https://a.example.com.",
            "https://a.example.com:443",
            "https://x@a.example.com",
            "https://.example.com",
            "https://a..example.com",
            "https://-a.example.com",
            "https://a.staging.example.net",
            "https://a.staging.example.net:9443",
            "https://staging.example.net:8443",
        ],
    );
}

#[test]
fn port_wildcards_admit_every_port_of_that_scheme_and_host_only() {
    let policy = build(
        Policy::builder().allowed_origins(["http://localhost:*", "https://*.dev.example.com:*"]),
    );
    assert!(policy.warnings().iter().any(
        |w| matches!(w, ConfigWarning::PortWildcard { pattern, .. } if pattern == "http://localhost:*")
    ));
    check_origins(
        &policy,
        &[
            "http://localhost",
            "http://localhost:3000",
            "http://localhost:65535",
            "https://a.dev.example.com",
            "https://a.dev.example.com:8443",
        ],
        &[
            "https://localhost:3000",
            "http://localhost.evil.com:3000",
            "http://127.0.0.1:3000",
            "http://localhost:0",
            "http://localhost:03000",
            "http://localhost:80",
            "http://localhost:65536",
            "http://localhost:",
            "https://dev.example.com:8443",
            "http://a.dev.example.com:8443",
        ],
    );
}

#[test]
fn regexes_are_anchored_to_the_whole_origin() {
    let policy = build(
        Policy::builder()
            .allowed_origin_regex(r"https://app\.example\.com")
            .allowed_origin_regex(r"https://pr-\d+\.example\.dev"),
    );
    check_origins(
        &policy,
        &[APP, "https://pr-42.example.dev"],
        &[
            "https://app.example.com.evil.com",
            "https://evil.com/https://app.example.com",
            "xhttps://app.example.com",
            "https://pr-42.example.dev.evil.com",
            "https://pr-.example.dev",
            "null",
        ],
    );
}

#[test]
fn predicates_decide_after_the_other_rules_and_never_see_null() {
    let policy = build(
        Policy::builder()
            .allowed_origin(APP)
            .allowed_origin_fn(|origin| {
                origin.starts_with("https://") && origin.ends_with(".test")
            }),
    );
    check_origins(
        &policy,
        &[APP, "https://a.test", "https://b.c.test"],
        &["http://a.test", "https://a.test.evil", "null"],
    );
    let everything = build(Policy::builder().allowed_origin_fn(|_| true));
    check_origins(&everything, &["https://anything.example"], &["null"]);
}

#[test]
fn null_is_allowed_only_when_enabled_and_written_exactly() {
    let policy = build(
        Policy::builder()
            .allowed_origins(["null", APP])
            .allow_null_origin(true),
    );
    assert!(policy.warnings().contains(&ConfigWarning::NullOrigin));
    check_origins(&policy, &["null", APP], &["NULL", "Null", " null"]);

    let enabled_not_written = build(
        Policy::builder()
            .allowed_origin(APP)
            .allow_null_origin(true),
    );
    check_origins(&enabled_not_written, &[APP], &["null"]);

    let err = build_error(Policy::builder().allowed_origin("null"));
    assert!(
        matches!(
            err.problems(),
            [ConfigProblem::InvalidOrigin { value, reason: OriginError::NullNotEnabled, .. }]
                if value == "null"
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("allow_null_origin"), "{err}");

    let err = build_error(
        Policy::builder()
            .allowed_origin("NULL")
            .allow_null_origin(true),
    );
    assert!(
        matches!(err.problems(), [ConfigProblem::InvalidOrigin { .. }]),
        "{err:?}"
    );
}

#[test]
fn null_is_never_matched_by_patterns_regexes_or_predicates() {
    let policy = build(
        Policy::builder()
            .allowed_origins(["https://*.example.com", "http://localhost:*"])
            .allowed_origin_regex(".*")
            .allowed_origin_fn(|_| true)
            .allow_null_origin(true),
    );
    assert!(!policy.allows_origin("null"));
    let decision = policy.decide(&get("null"));
    assert_eq!(
        decision.rejection(),
        Some(&Rejection::OriginNotAllowed { origin: "null" })
    );
    assert_eq!(decision.headers().allow_origin(), None);
}

/// Issue 13. Fetch § CORS check, step 3: without credentials, `ACAO: *`
/// succeeds for every request origin, and browsers send `null` after a
/// cross-origin redirect and from sandboxed iframes. With credentials `*` is
/// refused at build, so `null` is then only ever allowed by name.
#[test]
fn star_without_credentials_answers_null_origins() {
    let star = build(Policy::builder().allow_any_origin());
    assert!(star.allows_origin("null"));
    let decision = star.decide(&get("null"));
    assert!(decision.is_allowed(), "{:?}", decision.rejection());
    assert_eq!(decision.headers().allow_origin(), Some("*"));
    // Credentials need a list, and a list never admits `null` unless written.
    let listed = build(
        Policy::builder()
            .allowed_origin(APP)
            .allow_credentials(true),
    );
    assert!(!listed.allows_origin("null"));
}

#[test]
fn look_alike_origins_never_match() {
    let policy = build(Policy::builder().allowed_origins([
        "https://example.com",
        "https://*.example.org",
        "http://localhost:*",
    ]));
    check_origins(
        &policy,
        &[
            "https://example.com",
            "https://a.example.org",
            "http://localhost:5173",
        ],
        &[
            "https://example.com.evil.com",
            "https://evilexample.com",
            "https://example.com@evil.com",
            "https://evil.com@example.com",
            "https://example.com.",
            "https://EXAMPLE.com",
            "HTTPS://example.com",
            "https://example.com:443",
            "http://example.com",
            "wss://example.com",
            "https://example.com:8443",
            "https://example.com/",
            "https://example.com/path",
            "https://example.com#",
            " https://example.com",
            "https://example.com ",
            "https://example.org",
            "https://evilexample.org",
            "https://a.example.org.evil.com",
            "https://a.example.org@evil.com",
            "https://A.example.org",
            "https://a.example.org.",
            "https://a.example.org:443",
            "http://a.example.org",
            "https://a.example.org:8443",
            "http://localhost.evil.com",
            "http://localhost@evil.com:3000",
            "https://localhost:3000",
        ],
    );
}

// ---------------------------------------------------------------------------
// Configuration errors

#[test]
fn build_reports_every_problem_at_once_each_naming_value_location_and_fix() {
    let err = build_error(
        Policy::builder()
            .allowed_origins([
                "https://a.com/",
                "example.com",
                "file:///home/me/index.html",
                "https://*.com",
                "https://*.co.uk",
                "ftp://a.com",
            ])
            .allowed_origin_regex("(")
            .allowed_methods(["GET", "TRACE", "BAD METHOD"])
            .allowed_headers(["x a"])
            .expose_any_header()
            .allow_credentials(true)
            .max_age(86_401),
    );
    assert_eq!(err.problems().len(), 12, "{err}");
    let text = err.to_string();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("invalid CORS policy (12 problems):"));
    let expected = [
        "invalid origin `https://a.com/` (builder method `allowed_origin`): an origin has no path, query, fragment or trailing slash; did you mean `https://a.com`?",
        "invalid origin `example.com` (builder method `allowed_origin`): an origin starts with `http://` or `https://`; did you mean `https://example.com`?",
        "invalid origin `file:///home/me/index.html` (builder method `allowed_origin`): pages opened from files send `Origin: null`",
        "invalid origin `https://*.com` (builder method `allowed_origin`): `com` is a public suffix",
        "invalid origin `https://*.co.uk` (builder method `allowed_origin`): `co.uk` is a public suffix",
        "invalid origin `ftp://a.com` (builder method `allowed_origin`): scheme `ftp` is not allowed",
        "invalid origin regex `(` (builder method `allowed_origin_regex`): ",
        "forbidden method `TRACE` (builder method `allowed_methods`): browsers never let scripts send CONNECT, TRACE or TRACK; remove it",
        "invalid method `BAD METHOD` (builder method `allowed_methods`): a method is a token",
        "invalid header name `x a` (builder method `allowed_headers`): a header name is a token",
        "credentials are allowed (builder method `allow_credentials`) together with exposing any header (builder method `expose_headers`)",
        "max-age 86401 is too large (builder method `max_age`): the largest useful value is 86400",
    ];
    for (line, start) in lines.zip(expected) {
        let line = line
            .strip_prefix("  - ")
            .unwrap_or_else(|| panic!("{line:?} is not a list item"));
        assert!(
            line.starts_with(start),
            "{line:?}\n  should start {start:?}"
        );
        assert!(!line.contains('\n'));
    }
}

#[test]
fn wildcards_directly_under_public_suffixes_are_refused_with_a_suggestion() {
    for (pattern, suffix) in [
        ("https://*.com", "com"),
        ("https://*.co.uk", "co.uk"),
        ("https://*.github.io", "github.io"),
    ] {
        let err = build_error(Policy::builder().allowed_origin(pattern));
        assert!(
            matches!(
                err.problems(),
                [ConfigProblem::InvalidOrigin { reason: OriginError::WildcardUnderPublicSuffix { suffix: s }, .. }]
                    if s == suffix
            ),
            "{pattern}: {err:?}"
        );
        let text = err.to_string();
        assert!(
            text.contains(&format!("`https://*.example.{suffix}`")),
            "{text}"
        );
    }
    build(Policy::builder().allowed_origins(["https://*.example.co.uk", "https://*.me.github.io"]));
}

#[test]
fn file_origins_are_refused_pointing_at_null() {
    let err = build_error(Policy::builder().allowed_origin("file:///home/me/index.html"));
    assert!(
        matches!(
            err.problems(),
            [ConfigProblem::InvalidOrigin {
                reason: OriginError::FileScheme,
                ..
            }]
        ),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains("`Origin: null`") && text.contains("allow_null_origin"),
        "{text}"
    );
}

#[test]
fn a_missing_scheme_suggests_https_or_http_for_loopback() {
    for (raw, suggestion) in [
        ("example.com", "https://example.com"),
        ("app.example.com/", "https://app.example.com"),
        // Issue 13: a local development server is plain `http`.
        ("localhost:3000", "http://localhost:3000"),
    ] {
        let err = build_error(Policy::builder().allowed_origin(raw));
        assert!(
            matches!(
                err.problems(),
                [ConfigProblem::InvalidOrigin { reason: OriginError::MissingScheme { suggestion: s }, .. }]
                    if s == suggestion
            ),
            "{raw}: {err:?}"
        );
        assert!(
            err.to_string()
                .ends_with(&format!("did you mean `{suggestion}`?")),
            "{err}"
        );
    }
}

// ---------------------------------------------------------------------------
// Hostile input (S14)

#[test]
fn hostile_request_headers_are_refused_without_panicking() {
    let policy = build(
        Policy::builder()
            .allowed_origin(APP)
            .allowed_headers(["x-a"]),
    );
    let huge_origin = format!("https://{}.example.com", "a".repeat(64 * 1024));
    let commas = ",".repeat(1 << 20);
    let many_names = vec!["x-a"; 10_000].join(",");
    let longest_name = "x".repeat(MAX_REQUEST_HEADERS_LEN);
    let too_long_name = "x".repeat(MAX_REQUEST_HEADERS_LEN + 1);
    let non_ascii_headers: &[u8] = b"x-a,x-\xff\xfe";
    let invalid_utf8_origin: &[u8] = b"https://\xc3\x28.example.com";
    run(
        &policy,
        &[
            refused(
                "an Origin of 64 KiB is malformed",
                get(&huge_origin),
                Actual,
                Rejection::MalformedOrigin,
                VARY_ORIGIN,
            ),
            refused(
                "a preflight with an Origin of 64 KiB is malformed",
                preflight(&huge_origin, "GET"),
                Preflight,
                Rejection::MalformedOrigin,
                VARY_PREFLIGHT,
            ),
            refused(
                "an ACRH of 1 MiB of commas is refused on its length, before any scan",
                preflight(APP, "GET").request_headers(&commas),
                Preflight,
                Rejection::MalformedRequestHeaders(MalformedHeaders::TooLong { len: 1 << 20 }),
                VARY_PREFLIGHT,
            ),
            refused(
                "an ACRH of 10,000 names is refused on its length",
                preflight(APP, "GET").request_headers(&many_names),
                Preflight,
                Rejection::MalformedRequestHeaders(MalformedHeaders::TooLong {
                    len: many_names.len(),
                }),
                VARY_PREFLIGHT,
            ),
            refused(
                "an ACRH exactly at the length cap is read (and this name is not allowed)",
                preflight(APP, "GET").request_headers(&longest_name),
                Preflight,
                Rejection::HeaderNotAllowed {
                    header: &longest_name,
                },
                VARY_PREFLIGHT,
            ),
            refused(
                "an ACRH one byte over the cap is refused",
                preflight(APP, "GET").request_headers(&too_long_name),
                Preflight,
                Rejection::MalformedRequestHeaders(MalformedHeaders::TooLong {
                    len: MAX_REQUEST_HEADERS_LEN + 1,
                }),
                VARY_PREFLIGHT,
            ),
            refused(
                "non-ASCII bytes in ACRH are malformed",
                CorsRequest {
                    request_headers: HeaderField::Value(non_ascii_headers),
                    ..preflight(APP, "GET")
                },
                Preflight,
                Rejection::MalformedRequestHeaders(MalformedHeaders::InvalidName),
                VARY_PREFLIGHT,
            ),
            refused(
                "an Origin that is not UTF-8 is malformed",
                CorsRequest {
                    origin: HeaderField::Value(invalid_utf8_origin),
                    ..CorsRequest::new("GET")
                },
                Actual,
                Rejection::MalformedOrigin,
                VARY_ORIGIN,
            ),
            refused(
                "non-ASCII bytes in ACRM are malformed",
                CorsRequest {
                    request_method: HeaderField::Value(b"P\xc3\xbcT"),
                    ..preflight(APP, "GET")
                },
                Preflight,
                Rejection::MalformedRequestMethod,
                VARY_PREFLIGHT,
            ),
            refused(
                "an ACRM longer than any method is malformed",
                preflight(APP, &too_long_name),
                Preflight,
                Rejection::MalformedRequestMethod,
                VARY_PREFLIGHT,
            ),
            refused(
                "an Origin with a line break is malformed",
                get("https://app.example.com\r\nSet-Cookie: a=b"),
                Actual,
                Rejection::MalformedOrigin,
                VARY_ORIGIN,
            ),
            refused(
                "an empty Origin is malformed",
                get(""),
                Actual,
                Rejection::MalformedOrigin,
                VARY_ORIGIN,
            ),
            refused(
                "an Origin sent twice is refused, even if both lines are allowed",
                CorsRequest {
                    origin: HeaderField::from_values([APP.as_bytes(), APP.as_bytes()]),
                    ..CorsRequest::new("GET")
                },
                Actual,
                Rejection::RepeatedHeader {
                    name: header::ORIGIN,
                },
                VARY_ORIGIN,
            ),
            refused(
                "an ACRH sent on more lines than are kept is refused",
                CorsRequest {
                    request_headers: HeaderField::Repeated,
                    ..preflight(APP, "GET")
                },
                Preflight,
                Rejection::RepeatedHeader {
                    name: header::ACCESS_CONTROL_REQUEST_HEADERS,
                },
                VARY_PREFLIGHT,
            ),
        ],
    );
}

#[test]
fn rejection_display_escapes_control_characters_and_backticks() {
    // Through the engine: a line break in Origin never reaches the message.
    let policy = build(Policy::builder().allowed_origin(APP));
    let forged = "https://evil.example\nINFO user=admin logged in";
    let decision = policy.decide(&get(forged));
    let text = decision.rejection().expect("refused").to_string();
    assert!(!text.contains('\n'), "{text:?}");

    // Any value a rejection carries is escaped when displayed.
    let text = Rejection::OriginNotAllowed { origin: forged }.to_string();
    assert_eq!(
        text,
        "origin `https://evil.example\\nINFO user=admin logged in` is not in the allowed origins"
    );
    let text = Rejection::HeaderNotAllowed {
        header: "x\r\n\u{1b}[31m\u{7f}",
    }
    .to_string();
    assert!(!text.contains(['\r', '\n', '\u{1b}', '\u{7f}']), "{text:?}");

    // A backtick (a token character, so it does reach the engine's
    // rejections) cannot close the quotes around the value.
    let decision = policy.decide(&preflight(APP, "PUR`GE"));
    assert_eq!(
        decision.rejection().expect("refused").to_string(),
        "method `PUR\\`GE` is not in the allowed methods"
    );
    let decision = policy.decide(&get("https://a`b.example"));
    assert_eq!(
        decision.rejection().expect("refused").to_string(),
        "origin `https://a\\`b.example` is not in the allowed origins"
    );

    // Long values are cut.
    let long = format!("https://{}.example", "a".repeat(300));
    let text = policy
        .decide(&get(&long))
        .rejection()
        .expect("refused")
        .to_string();
    assert!(text.len() < 300, "{text}");
    assert!(text.contains(&format!("({} bytes)", long.len())), "{text}");
}

#[test]
fn rejection_codes_are_stable() {
    let cases = [
        (
            Rejection::OriginNotAllowed { origin: APP },
            "origin-not-allowed",
        ),
        (Rejection::MalformedOrigin, "malformed-origin"),
        (
            Rejection::RepeatedHeader {
                name: header::ORIGIN,
            },
            "repeated-header",
        ),
        (
            Rejection::MethodNotAllowed { method: "PUT" },
            "method-not-allowed",
        ),
        (
            Rejection::MalformedRequestMethod,
            "malformed-request-method",
        ),
        (
            Rejection::HeaderNotAllowed { header: "x-a" },
            "header-not-allowed",
        ),
        (
            Rejection::MalformedRequestHeaders(MalformedHeaders::EmptyName),
            "malformed-request-headers",
        ),
        (
            Rejection::PrivateNetworkNotAllowed,
            "private-network-not-allowed",
        ),
    ];
    for (rejection, code) in cases {
        assert_eq!(rejection.code(), code, "{rejection:?}");
    }
}

// ---------------------------------------------------------------------------
// Issue 13: `Access-Control-Request-Headers` is a list-based field

/// RFC 9110 §5.3: a list-based field sent on several lines is the same as
/// one line with the values joined by commas; a proxy may split one.
#[test]
fn request_headers_on_two_lines_are_read_as_one_list() {
    let policy = build(
        Policy::builder()
            .allowed_origin(APP)
            .allowed_methods(["PUT"])
            .allowed_headers(["content-type", "x-trace-id"]),
    );
    let two_lines = |a: &'static str, b: &'static str| CorsRequest {
        request_headers: HeaderField::from_values([a.as_bytes(), b.as_bytes()]),
        ..preflight(APP, "PUT")
    };
    run(
        &policy,
        &[
            allowed(
                "two lines, both allowed, are allowed",
                two_lines("content-type", "x-trace-id"),
                Preflight,
                &[
                    (ACAO, APP),
                    (ACAM, "PUT"),
                    (ACAH, "content-type, x-trace-id"),
                ],
                VARY_PREFLIGHT,
            ),
            refused(
                "a name on the second line is checked too",
                two_lines("content-type", "x-other"),
                Preflight,
                Rejection::HeaderNotAllowed { header: "x-other" },
                VARY_PREFLIGHT,
            ),
            refused(
                "a malformed second line spoils the list",
                two_lines("content-type", "x trace"),
                Preflight,
                Rejection::MalformedRequestHeaders(MalformedHeaders::InvalidName),
                VARY_PREFLIGHT,
            ),
        ],
    );
    let any = build(Policy::builder().allowed_origin(APP).allow_any_header());
    let decision = any.decide(&CorsRequest {
        request_headers: HeaderField::from_values([&b"x-a"[..], b"authorization"]),
        ..preflight(APP, "GET")
    });
    assert_eq!(
        decision.headers().allow_headers(),
        Some("*, authorization"),
        "{:?}",
        decision.rejection()
    );
}

#[test]
fn the_length_cap_applies_to_the_lines_together() {
    let policy = build(Policy::builder().allowed_origin(APP).allow_any_header());
    let half = "a".repeat(MAX_REQUEST_HEADERS_LEN / 2);
    let decision = policy.decide(&CorsRequest {
        request_headers: HeaderField::from_values([half.as_bytes(), half.as_bytes()]),
        ..preflight(APP, "GET")
    });
    assert_eq!(
        decision.rejection(),
        Some(&Rejection::MalformedRequestHeaders(
            MalformedHeaders::TooLong {
                len: MAX_REQUEST_HEADERS_LEN + 1
            }
        ))
    );
}

// ---------------------------------------------------------------------------
// Issue 13: build-time checks for settings a browser makes useless

#[test]
fn non_canonical_ipv4_origins_are_refused_naming_the_form_browsers_send() {
    let err =
        build_error(Policy::builder().allowed_origins(["http://0x7f000001", "http://127.1:8080"]));
    assert_eq!(
        err.to_string(),
        "invalid CORS policy (2 problems):\n  \
         - invalid origin `http://0x7f000001` (builder method `allowed_origin`): browsers read \
         the IPv4 address `0x7f000001` as `127.0.0.1` (the URL Standard turns hex, octal, \
         leading zeros and short forms into a dotted quad) and send that in `Origin`, so this \
         entry would never match; did you mean `http://127.0.0.1`?\n  \
         - invalid origin `http://127.1:8080` (builder method `allowed_origin`): browsers read \
         the IPv4 address `127.1` as `127.0.0.1` (the URL Standard turns hex, octal, leading \
         zeros and short forms into a dotted quad) and send that in `Origin`, so this entry \
         would never match; did you mean `http://127.0.0.1:8080`?"
    );
    for raw in [
        "http://0177.0.0.1",
        "http://127.0.0.01",
        "http://2130706433",
    ] {
        let err = build_error(Policy::builder().allowed_origin(raw));
        assert!(
            matches!(
                err.problems(),
                [ConfigProblem::InvalidOrigin {
                    reason: OriginError::NonCanonicalIpv4 { canonical, .. },
                    ..
                }] if canonical == "127.0.0.1"
            ),
            "{raw}: {err}"
        );
    }
    build(Policy::builder().allowed_origin("http://127.0.0.1:5173"));
}

#[test]
fn forbidden_request_headers_in_the_allowed_headers_are_build_errors() {
    let forbidden = [
        "Cookie",
        "Host",
        "Origin",
        "Accept-Charset",
        "Accept-Encoding",
        "Connection",
        "Content-Length",
        "Date",
        "DNT",
        "Expect",
        "Keep-Alive",
        "Referer",
        "TE",
        "Trailer",
        "Transfer-Encoding",
        "Upgrade",
        "Via",
        "Access-Control-Request-Method",
        "Access-Control-Request-Headers",
        "Access-Control-Allow-Origin",
        "Sec-Fetch-Mode",
        "Proxy-Authorization",
    ];
    for name in forbidden {
        let err = build_error(Policy::builder().allowed_headers(["x-ok", name]));
        assert!(
            matches!(err.problems(), [ConfigProblem::ForbiddenRequestHeader { value, .. }] if value == name),
            "{name}: {err}"
        );
        let text = err.to_string();
        assert!(
            text.starts_with(&format!(
                "forbidden request header `{name}` (builder method `allowed_headers`): "
            )) && text.contains("; remove it"),
            "{text}"
        );
    }
    // Also next to `*`, which would otherwise hide the mistake.
    assert!(Policy::builder()
        .allowed_headers(["*", "cookie"])
        .build()
        .is_err());
    assert_eq!(
        build_error(Policy::builder().allowed_headers(["Cookie"])).to_string(),
        "forbidden request header `Cookie` (builder method `allowed_headers`): scripts can \
         never set it, so no preflight ever asks for it; remove it; browsers set `Cookie` \
         themselves, send credentials with `allow_credentials`"
    );
    build(Policy::builder().allowed_headers(["authorization", "content-type", "x-requested-with"]));
}

#[test]
fn set_cookie_in_the_exposed_headers_is_a_build_error() {
    for name in ["Set-Cookie", "set-cookie2"] {
        let err = build_error(Policy::builder().expose_headers(["x-request-id", name]));
        assert!(
            matches!(err.problems(), [ConfigProblem::UnexposableHeader { value, .. }] if value == name),
            "{name}: {err}"
        );
        assert!(
            err.to_string().starts_with(&format!(
                "header `{name}` cannot be exposed (builder method `expose_headers`): browsers \
                 never let scripts read `Set-Cookie`"
            )),
            "{err}"
        );
    }
}

#[test]
fn a_well_known_method_in_lower_case_is_a_build_error_unless_asked_for() {
    for (raw, upper) in [
        ("patch", "PATCH"),
        ("Patch", "PATCH"),
        ("propfind", "PROPFIND"),
        ("purge", "PURGE"),
    ] {
        let err = build_error(Policy::builder().allowed_methods(["GET", raw]));
        assert!(
            matches!(err.problems(), [ConfigProblem::MethodCase { value, suggestion, .. }]
                if value == raw && suggestion == upper),
            "{raw}: {err}"
        );
    }
    assert_eq!(
        build_error(Policy::builder().allowed_method("patch")).to_string(),
        "method `patch` is not upper-case (builder method `allowed_methods`): did you mean \
         `PATCH`? browsers upper-case only DELETE, GET, HEAD, OPTIONS, POST and PUT and send \
         other methods exactly as the page wrote them, so `patch` matches only \
         `fetch(…, {method: \"patch\"})`; write `PATCH`, or call \
         `case_sensitive_methods(true)` if you mean the other spelling"
    );
    // The six methods browsers normalise are upper-cased, as before.
    let normalised = build(Policy::builder().allowed_methods(["get", "delete", "Put"]));
    assert_eq!(
        normalised.describe(Setting::AllowedMethods),
        "GET, DELETE, PUT"
    );
    // An unknown method is the page's own spelling: kept as written.
    build(Policy::builder().allowed_methods(["frobnicate"]));
    // The escape hatch.
    let exact = build(
        Policy::builder()
            .allowed_methods(["patch"])
            .case_sensitive_methods(true),
    );
    assert!(exact.allows_method("patch") && !exact.allows_method("PATCH"));
}

/// Issue 13: one rule for the engines' caps. Above 600 (WebKit/Safari) an
/// informational note naming Safari; above 7200 one warning naming Chromium
/// and Safari; above 86400 (Firefox) a build error.
#[test]
fn max_age_warnings_name_each_engine_whose_cap_is_exceeded() {
    let warnings = |seconds| {
        build(Policy::builder().allowed_origin(APP).max_age(seconds))
            .warnings()
            .iter()
            .filter(|w| {
                matches!(
                    w,
                    ConfigWarning::MaxAgeAboveSafariCap { .. }
                        | ConfigWarning::MaxAgeAboveChromiumCap { .. }
                )
            })
            .map(ToString::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(warnings(600), Vec::<String>::new());
    assert_eq!(
        warnings(601),
        [
            "note: max-age 601 is above WebKit/Safari's cap of 600 seconds; Safari silently \
          caches preflights for 600 seconds instead (Chromium honours up to 7200, Firefox \
          86400), so Safari users see a preflight at most every 10 minutes"
        ]
    );
    assert_eq!(warnings(7_200).len(), 1);
    let above_chromium = warnings(86_400);
    assert_eq!(above_chromium.len(), 1, "{above_chromium:?}");
    assert!(
        above_chromium[0].starts_with(
            "max-age 86400 is above Chromium's cap of 7200 seconds and WebKit/Safari's cap \
             of 600 seconds"
        ),
        "{above_chromium:?}"
    );
}

/// Issue 13: descriptions show each origin as it is matched (what browsers
/// send), with the form written beside it where they differ.
#[test]
fn descriptions_show_origins_as_matched_with_the_written_form_beside() {
    let policy = build(Policy::builder().allowed_origins([
        "https://App.Example.com",
        "https://api.example.com:443",
        "https://ok.example.com",
        "HTTP://LocalHost:*",
    ]));
    assert_eq!(
        policy.describe(Setting::AllowedOrigins),
        "https://app.example.com, https://api.example.com, https://ok.example.com, \
         http://localhost:*"
    );
    assert!(
        policy.to_string().starts_with(
            "origins: https://app.example.com (written `https://App.Example.com`), \
             https://api.example.com (written `https://api.example.com:443`), \
             https://ok.example.com, http://localhost:* (written `HTTP://LocalHost:*`); "
        ),
        "{policy}"
    );
    let warning = policy
        .warnings()
        .iter()
        .find(|w| matches!(w, ConfigWarning::PortWildcard { .. }))
        .map(ToString::to_string);
    assert_eq!(
        warning.as_deref(),
        Some(
            "origin pattern `http://localhost:*` (written `HTTP://LocalHost:*`) admits every \
             port; meant for local development only"
        )
    );
    assert_eq!(
        policy.matched_origins().next(),
        Some(("https://app.example.com", "https://App.Example.com"))
    );
    assert_eq!(
        build(Policy::builder()).describe(Setting::AllowedOrigins),
        "none"
    );
}

// ---------------------------------------------------------------------------
// Timing-Allow-Origin (issue 16, item 4)

const TAO: &str = header::TIMING_ALLOW_ORIGIN;

#[test]
fn timing_allow_origin_echoes_the_allowed_origin_on_actual_requests_only() {
    let policy = build(
        Policy::builder()
            .allowed_origin(APP)
            .allowed_methods(["GET", "PUT"])
            .expose_headers(["x-request-id"])
            .max_age(600)
            .timing_allow_origin(true),
    );
    run(
        &policy,
        &[
            allowed(
                "an allowed actual request gets TAO with the ACAO value, under Vary: Origin",
                get(APP),
                Actual,
                &[(ACAO, APP), (ACEH, "x-request-id"), (TAO, APP)],
                VARY_ORIGIN,
            ),
            allowed(
                "an allowed PUT (after its preflight) gets TAO too",
                CorsRequest::new("PUT").origin(APP),
                Actual,
                &[(ACAO, APP), (ACEH, "x-request-id"), (TAO, APP)],
                VARY_ORIGIN,
            ),
            allowed(
                "an allowed preflight gets no TAO: it is not a resource the page times",
                preflight(APP, "PUT"),
                Preflight,
                &[(ACAO, APP), (ACAM, "GET, PUT"), (ACMA, "600")],
                VARY_PREFLIGHT,
            ),
            refused(
                "a refused origin gets no TAO",
                get("https://evil.example"),
                Actual,
                Rejection::OriginNotAllowed {
                    origin: "https://evil.example",
                },
                VARY_ORIGIN,
            ),
            refused(
                "a refused preflight gets no TAO",
                preflight(APP, "DELETE"),
                Preflight,
                Rejection::MethodNotAllowed { method: "DELETE" },
                VARY_PREFLIGHT,
            ),
            allowed(
                "a request without Origin gets no echoed TAO (there is nothing to echo)",
                CorsRequest::new("GET"),
                NotCors,
                &[],
                VARY_ORIGIN,
            ),
        ],
    );
}

#[test]
fn timing_allow_origin_is_star_under_a_star_policy_and_adds_nothing_to_vary() {
    let policy = build(
        Policy::builder()
            .allow_any_origin()
            .allowed_methods(["GET", "PUT"])
            .timing_allow_origin(true),
    );
    run(
        &policy,
        &[
            allowed(
                "any origin, no credentials: TAO `*`, no Vary (the answer is static)",
                get(APP),
                Actual,
                &[(ACAO, "*"), (TAO, "*")],
                NO_VARY,
            ),
            allowed(
                "`null` under `*` gets TAO `*` too",
                get("null"),
                Actual,
                &[(ACAO, "*"), (TAO, "*")],
                NO_VARY,
            ),
            allowed(
                "without Origin (an `<img>`, a navigation) the static answer still carries \
                 TAO `*`, so a cached copy serves later CORS requests correctly",
                CorsRequest::new("GET"),
                NotCors,
                &[(ACAO, "*"), (TAO, "*")],
                NO_VARY,
            ),
            allowed(
                "a preflight under `*` gets no TAO",
                preflight(APP, "PUT"),
                Preflight,
                &[(ACAO, "*"), (ACAM, "GET, PUT")],
                VARY_PREFLIGHT_STATIC_ORIGIN,
            ),
            refused(
                "a malformed origin is refused: no TAO, and Vary: Origin",
                get("bad\u{7f}origin"),
                Actual,
                Rejection::MalformedOrigin,
                VARY_ORIGIN,
            ),
        ],
    );
}

#[test]
fn timing_allow_origin_with_credentials_echoes_the_origin_like_acao() {
    let policy = build(
        Policy::builder()
            .allowed_origins([APP, "https://*.preview.example.com"])
            .allow_credentials(true)
            .timing_allow_origin(true),
    );
    let preview = "https://pr-1.preview.example.com";
    run(
        &policy,
        &[
            allowed(
                "the origin matched by a pattern is echoed, byte for byte",
                get(preview),
                Actual,
                &[(ACAO, preview), (ACAC, "true"), (TAO, preview)],
                VARY_ORIGIN,
            ),
            allowed(
                "without Origin, nothing",
                CorsRequest::new("GET"),
                NotCors,
                &[],
                VARY_ORIGIN,
            ),
        ],
    );
}

#[test]
fn timing_allow_origin_is_off_by_default_and_named_in_the_summary_when_on() {
    let off = build(Policy::builder().allow_any_origin());
    assert_eq!(off.decide(&get(APP)).headers().timing_allow_origin(), None);
    assert_eq!(off.decide(&get(APP)).headers().get(TAO), None);
    assert_eq!(off.describe(Setting::TimingAllowOrigin), "false");
    assert!(!off.to_string().contains("timing"), "{off}");

    let on = build(
        Policy::builder()
            .allow_any_origin()
            .timing_allow_origin(true),
    );
    assert_eq!(on.describe(Setting::TimingAllowOrigin), "true");
    assert!(
        on.to_string().ends_with("; timing-allow-origin: on"),
        "{on}"
    );
    assert!(format!("{on:?}").contains("timing_allow_origin: true"));
    // Round trip through `to_builder`, as a handler's merge starts from it.
    let again = build(on.to_builder());
    assert_eq!(
        again.decide(&get(APP)).headers().timing_allow_origin(),
        Some("*")
    );
}
