//! The environment table (README, "Environment variables"), row by row:
//! every variable's valid and invalid values, read through
//! `Cors::from_lookup` so no test touches the process environment, and each
//! variable's effect on real responses. Two tests only (the `from_env`
//! panic and one `try_from_env_with_prefix` smoke test) set process
//! variables, each under a prefix no other test uses.

use std::cell::RefCell;
use std::collections::HashMap;

use actix_web::http::header::{self, HeaderMap};
use actix_web::http::{Method, StatusCode};
use actix_web::test::{self, TestRequest};
use actix_web::{web, App, HttpResponse};
use cors_actix::Cors;

const APP: &str = "https://app.example";
const ACRPN: &str = "access-control-request-private-network";
const ACAPN: &str = "access-control-allow-private-network";

/// Environment variables as `(name, value)` pairs.
type Vars<'a> = &'a [(&'a str, &'a str)];

/// A lookup over `(name, value)` pairs, names written in full.
fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |name| map.get(name).cloned()
}

/// The policy these variables (no prefix) describe; fails the test if invalid.
fn cors(vars: &[(&str, &str)]) -> Cors {
    Cors::from_lookup("", lookup(vars)).unwrap_or_else(|e| panic!("{vars:?}: {e}"))
}

/// The error these variables (no prefix) produce; fails the test if valid.
fn error(vars: &[(&str, &str)]) -> cors_actix::ConfigError {
    match Cors::from_lookup("", lookup(vars)) {
        Ok(cors) => panic!("{vars:?} should be refused, got {cors:?}"),
        Err(e) => e,
    }
}

/// Asserts the error names `variable` and `value`, and says what is wrong.
fn assert_names(error: &str, variable: &str, value: &str, explanation: &str) {
    let expected = format!("`{value}` (environment variable `{variable}`)");
    assert!(
        error.contains(&expected),
        "missing {expected:?} in:\n{error}"
    );
    assert!(
        error.contains(explanation),
        "missing {explanation:?} in:\n{error}"
    );
}

/// What a test looks at in a response.
struct Outcome {
    status: StatusCode,
    headers: HeaderMap,
}

impl Outcome {
    fn get(&self, name: &str) -> Option<&str> {
        let mut values = self.headers.get_all(name);
        let first = values.next().map(|v| v.to_str().unwrap());
        assert!(values.next().is_none(), "`{name}` repeated");
        first
    }
}

/// Sends `req` to `/r`, a route answering every method, behind `cors`.
async fn call(cors: Cors, req: TestRequest) -> Outcome {
    let app = test::init_service(App::new().wrap(cors).route(
        "/r",
        web::route().to(|| async {
            HttpResponse::Ok()
                .insert_header(("x-request-id", "req-1"))
                .insert_header(("x-total-count", "2"))
                .finish()
        }),
    ))
    .await;
    let res = test::call_service(&app, req.uri("/r").to_request()).await;
    Outcome {
        status: res.status(),
        headers: res.headers().clone(),
    }
}

fn get(origin: &str) -> TestRequest {
    TestRequest::get().insert_header((header::ORIGIN, origin))
}

fn preflight(origin: &str, method: &str) -> TestRequest {
    TestRequest::default()
        .method(Method::OPTIONS)
        .insert_header((header::ORIGIN, origin))
        .insert_header((header::ACCESS_CONTROL_REQUEST_METHOD, method))
}

fn preflight_with_headers(method: &str, headers: &str) -> TestRequest {
    preflight(APP, method).insert_header((header::ACCESS_CONTROL_REQUEST_HEADERS, headers))
}

// --- CORS_ALLOWED_ORIGINS ------------------------------------------------------

#[actix_web::test]
async fn unset_allowed_origins_allow_no_cross_origin_access() {
    // A variable holding only whitespace counts as unset.
    for vars in [&[][..], &[("CORS_ALLOWED_ORIGINS", "  \t ")][..]] {
        let res = call(cors(vars), get("http://localhost:5173")).await;
        assert_eq!(res.status, StatusCode::OK, "{vars:?}");
        assert_eq!(res.get("access-control-allow-origin"), None, "{vars:?}");
        let res = call(cors(vars), preflight("http://localhost:5173", "GET")).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{vars:?}");
        assert_eq!(res.get("access-control-allow-origin"), None, "{vars:?}");
    }
}

#[actix_web::test]
async fn allowed_origins_take_a_comma_list_star_and_patterns() {
    // (CORS_ALLOWED_ORIGINS, request Origin, expected ACAO)
    let cases = [
        (
            "https://a.example,https://b.example",
            "https://a.example",
            Some("https://a.example"),
        ),
        (
            " https://a.example , https://b.example ",
            "https://b.example",
            Some("https://b.example"),
        ),
        (
            "https://a.example,https://b.example",
            "https://c.example",
            None,
        ),
        ("https://a.example", "http://a.example", None),
        ("https://a.example", "https://a.example:8443", None),
        ("*", "https://anything.example", Some("*")),
        ("*", "http://localhost:3000", Some("*")),
        (
            "https://*.example.com",
            "https://api.example.com",
            Some("https://api.example.com"),
        ),
        (
            "https://*.example.com",
            "https://a.b.example.com",
            Some("https://a.b.example.com"),
        ),
        ("https://*.example.com", "https://example.com", None),
        ("https://*.example.com", "https://evilexample.com", None),
        ("https://*.example.com", "http://api.example.com", None),
        (
            "http://localhost:*",
            "http://localhost:5173",
            Some("http://localhost:5173"),
        ),
        (
            "http://localhost:*",
            "http://localhost",
            Some("http://localhost"),
        ),
        ("http://localhost:*", "https://localhost:5173", None),
        (
            "http://localhost:*",
            "http://localhost.evil.example:5173",
            None,
        ),
    ];
    for (value, origin, acao) in cases {
        let res = call(cors(&[("CORS_ALLOWED_ORIGINS", value)]), get(origin)).await;
        assert_eq!(
            res.get("access-control-allow-origin"),
            acao,
            "CORS_ALLOWED_ORIGINS={value:?}, Origin {origin}"
        );
    }
}

#[test]
fn invalid_allowed_origins_are_errors_naming_the_variable_and_a_fix() {
    // (value, the entry at fault, the explanation)
    let cases = [
        (
            "https://a.example/",
            "https://a.example/",
            "did you mean `https://a.example`?",
        ),
        (
            "a.example",
            "a.example",
            "did you mean `https://a.example`?",
        ),
        (
            "https://a.example,ftp://b.example",
            "ftp://b.example",
            "scheme `ftp` is not allowed",
        ),
        ("https://*.com", "https://*.com", "`com` is a public suffix"),
        ("null", "null", "allow_null_origin"),
    ];
    for (value, entry, explanation) in cases {
        let err = error(&[("CORS_ALLOWED_ORIGINS", value)]).to_string();
        assert_names(&err, "CORS_ALLOWED_ORIGINS", entry, explanation);
    }
}

// --- CORS_ALLOWED_ORIGIN_REGEXES ---------------------------------------------------

#[actix_web::test]
async fn origin_regexes_are_whitespace_separated_and_anchored() {
    let regexes = "  https://pr-\\d+\\.preview\\.dev \n\t https://qa\\.example\\.org  ";
    // (Origin, allowed)
    let cases = [
        ("https://pr-42.preview.dev", true),
        ("https://qa.example.org", true),
        // Anchored at the end and at the start: no prefix or suffix match.
        ("https://pr-42.preview.dev.evil.example", false),
        ("https://qa.example.org.evil.example", false),
        ("https://evil.example?https://qa.example.org", false),
        ("https://pr-x.preview.dev", false),
    ];
    for (origin, allowed) in cases {
        let res = call(
            cors(&[("CORS_ALLOWED_ORIGIN_REGEXES", regexes)]),
            get(origin),
        )
        .await;
        assert_eq!(
            res.get("access-control-allow-origin"),
            allowed.then_some(origin),
            "{origin}"
        );
    }
}

#[test]
fn an_invalid_origin_regex_is_an_error_naming_the_variable() {
    let err = error(&[(
        "CORS_ALLOWED_ORIGIN_REGEXES",
        "https://ok\\.example https://(",
    )])
    .to_string();
    assert_names(
        &err,
        "CORS_ALLOWED_ORIGIN_REGEXES",
        "https://(",
        "invalid origin regex",
    );
    assert!(!err.contains("ok\\.example"), "only the bad regex: {err}");
}

// --- CORS_ALLOWED_METHODS --------------------------------------------------------

#[actix_web::test]
async fn allowed_methods_default_to_get_head_post_and_take_a_list_or_star() {
    let origin = [("CORS_ALLOWED_ORIGINS", APP)];
    // (CORS_ALLOWED_METHODS, requested method, expected ACAM or None for 403)
    let cases = [
        (None, "GET", Some("GET, HEAD, POST")),
        (None, "HEAD", Some("GET, HEAD, POST")),
        (None, "POST", Some("GET, HEAD, POST")),
        (None, "PUT", None),
        (None, "DELETE", None),
        (Some("GET, PUT ,DELETE"), "PUT", Some("GET, PUT, DELETE")),
        (Some("GET, PUT ,DELETE"), "DELETE", Some("GET, PUT, DELETE")),
        (Some("GET, PUT ,DELETE"), "PATCH", None),
        // The six standard methods are upper-cased as browsers do; others
        // compare byte for byte (S7), so `patch` is refused at build (issue 13).
        (
            Some("get, delete, PATCH"),
            "DELETE",
            Some("GET, DELETE, PATCH"),
        ),
        (
            Some("get, delete, PATCH"),
            "PATCH",
            Some("GET, DELETE, PATCH"),
        ),
        (Some("get, delete, PATCH"), "patch", None),
        (Some("*"), "PURGE", Some("*")),
        (Some("*"), "DELETE", Some("*")),
    ];
    for (methods, requested, acam) in cases {
        let mut vars = origin.to_vec();
        vars.extend(methods.map(|m| ("CORS_ALLOWED_METHODS", m)));
        let res = call(cors(&vars), preflight(APP, requested)).await;
        let case = format!("CORS_ALLOWED_METHODS={methods:?}, {requested}");
        let status = if acam.is_some() {
            StatusCode::NO_CONTENT
        } else {
            StatusCode::FORBIDDEN
        };
        assert_eq!(res.status, status, "{case}");
        assert_eq!(res.get("access-control-allow-methods"), acam, "{case}");
    }
}

#[test]
fn invalid_allowed_methods_are_errors_naming_the_variable() {
    // (value, the entry at fault, the explanation)
    let cases = [
        ("GET, CONNECT", "CONNECT", "forbidden method"),
        ("GET, trace", "trace", "forbidden method"),
        ("GET, PO ST", "PO ST", "invalid method"),
    ];
    for (value, entry, explanation) in cases {
        let err = error(&[("CORS_ALLOWED_METHODS", value)]).to_string();
        assert_names(&err, "CORS_ALLOWED_METHODS", entry, explanation);
    }
}

// --- CORS_ALLOWED_HEADERS ---------------------------------------------------------

#[actix_web::test]
async fn allowed_headers_are_a_case_insensitive_list_or_star() {
    // (CORS_ALLOWED_HEADERS, requested headers, expected ACAH or None for 403)
    let cases = [
        (None, "x-trace-id", None),
        (None, "content-type", None),
        (
            Some("Content-Type, X-Trace-Id"),
            "content-type,x-trace-id",
            Some("content-type, x-trace-id"),
        ),
        (
            Some("Content-Type, X-Trace-Id"),
            "x-trace-id",
            Some("content-type, x-trace-id"),
        ),
        (Some("Content-Type, X-Trace-Id"), "x-other", None),
        (Some("*"), "x-anything,x-else", Some("*")),
        // S3: `*` never covers `authorization`; it is listed when asked.
        (Some("*"), "authorization,x-a", Some("*, authorization")),
    ];
    for (headers, requested, acah) in cases {
        let mut vars = vec![("CORS_ALLOWED_ORIGINS", APP)];
        vars.extend(headers.map(|h| ("CORS_ALLOWED_HEADERS", h)));
        let res = call(cors(&vars), preflight_with_headers("GET", requested)).await;
        let case = format!("CORS_ALLOWED_HEADERS={headers:?}, asked {requested}");
        let status = if acah.is_some() {
            StatusCode::NO_CONTENT
        } else {
            StatusCode::FORBIDDEN
        };
        assert_eq!(res.status, status, "{case}");
        assert_eq!(res.get("access-control-allow-headers"), acah, "{case}");
    }
    // Without a request-headers list there is nothing to allow.
    let res = call(
        cors(&[("CORS_ALLOWED_ORIGINS", APP)]),
        preflight(APP, "GET"),
    )
    .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    assert_eq!(res.get("access-control-allow-headers"), None);
}

#[test]
fn an_invalid_header_name_is_an_error_naming_the_variable() {
    for variable in ["CORS_ALLOWED_HEADERS", "CORS_EXPOSE_HEADERS"] {
        let err = error(&[(variable, "x-ok, x bad")]).to_string();
        assert_names(&err, variable, "x bad", "invalid header name");
    }
}

// --- CORS_EXPOSE_HEADERS -----------------------------------------------------------

#[actix_web::test]
async fn expose_headers_appear_on_actual_responses_only() {
    // (CORS_EXPOSE_HEADERS, expected ACEH)
    let cases = [
        (None, None),
        (
            Some(" X-Request-Id ,X-Total-Count"),
            Some("x-request-id, x-total-count"),
        ),
        (Some("*"), Some("*")),
    ];
    for (expose, aceh) in cases {
        let mut vars = vec![("CORS_ALLOWED_ORIGINS", APP)];
        vars.extend(expose.map(|e| ("CORS_EXPOSE_HEADERS", e)));
        let res = call(cors(&vars), get(APP)).await;
        assert_eq!(res.get("access-control-expose-headers"), aceh, "{expose:?}");
        // S8: not on preflights.
        let res = call(cors(&vars), preflight(APP, "GET")).await;
        assert_eq!(res.get("access-control-expose-headers"), None, "{expose:?}");
    }
}

// --- CORS_ALLOW_CREDENTIALS ----------------------------------------------------------

#[actix_web::test]
async fn allow_credentials_true_sends_acac_on_preflight_and_actual_responses() {
    // (CORS_ALLOW_CREDENTIALS, expected ACAC)
    for (value, acac) in [
        (None, None),
        (Some("false"), None),
        (Some(" false "), None),
        (Some("true"), Some("true")),
        (Some(" true\n"), Some("true")),
    ] {
        let mut vars = vec![("CORS_ALLOWED_ORIGINS", APP)];
        vars.extend(value.map(|v| ("CORS_ALLOW_CREDENTIALS", v)));
        let actual = call(cors(&vars), get(APP)).await;
        assert_eq!(
            actual.get("access-control-allow-credentials"),
            acac,
            "{value:?}"
        );
        assert_eq!(actual.get("access-control-allow-origin"), Some(APP));
        let pre = call(cors(&vars), preflight(APP, "POST")).await;
        assert_eq!(
            pre.get("access-control-allow-credentials"),
            acac,
            "{value:?}"
        );
    }
}

#[test]
fn allow_credentials_other_than_true_or_false_is_an_error_naming_variable_and_value() {
    // (`"true"` with its quotes: a_quoted_value_says_to_remove_the_quotes.)
    for value in ["yes", "1", "0", "TRUE", "True", "on"] {
        let err = error(&[("CORS_ALLOW_CREDENTIALS", value)]).to_string();
        assert_names(
            &err,
            "CORS_ALLOW_CREDENTIALS",
            value,
            "expected `true` or `false`",
        );
    }
}

#[test]
fn any_origin_with_credentials_is_an_error_naming_both_variables() {
    // (variables, what must be named)
    let cases: [(Vars<'_>, [&str; 2]); 3] = [
        (
            &[
                ("CORS_ALLOWED_ORIGINS", "*"),
                ("CORS_ALLOW_CREDENTIALS", "true"),
            ],
            ["CORS_ALLOW_CREDENTIALS", "CORS_ALLOWED_ORIGINS"],
        ),
        (
            // A regex admitting every origin is `*` in disguise.
            &[
                ("CORS_ALLOWED_ORIGIN_REGEXES", ".*"),
                ("CORS_ALLOW_CREDENTIALS", "true"),
            ],
            ["CORS_ALLOW_CREDENTIALS", "CORS_ALLOWED_ORIGIN_REGEXES"],
        ),
        (
            // a7: with credentials, an exposed `*` is a header named `*`.
            &[
                ("CORS_ALLOWED_ORIGINS", APP),
                ("CORS_EXPOSE_HEADERS", "*"),
                ("CORS_ALLOW_CREDENTIALS", "true"),
            ],
            ["CORS_ALLOW_CREDENTIALS", "CORS_EXPOSE_HEADERS"],
        ),
    ];
    for (vars, named) in cases {
        let err = error(vars);
        assert_eq!(err.problems().len(), 1, "{err}");
        let text = err.to_string();
        for variable in named {
            assert!(
                text.contains(&format!("environment variable `{variable}`")),
                "{variable} not named in: {text}"
            );
        }
    }
    // Without credentials `*` is a valid setting.
    let _ = cors(&[
        ("CORS_ALLOWED_ORIGINS", "*"),
        ("CORS_ALLOW_CREDENTIALS", "false"),
    ]);
}

// --- CORS_MAX_AGE ------------------------------------------------------------------

#[actix_web::test]
async fn max_age_is_whole_seconds_sent_on_preflights_only() {
    for (value, acma) in [
        (None, None),
        (Some("600"), Some("600")),
        (Some(" 600 "), Some("600")),
        (Some("0"), Some("0")),
        (Some("86400"), Some("86400")),
    ] {
        let mut vars = vec![("CORS_ALLOWED_ORIGINS", APP)];
        vars.extend(value.map(|v| ("CORS_MAX_AGE", v)));
        let pre = call(cors(&vars), preflight(APP, "GET")).await;
        assert_eq!(pre.get("access-control-max-age"), acma, "{value:?}");
        let actual = call(cors(&vars), get(APP)).await;
        assert_eq!(actual.get("access-control-max-age"), None, "{value:?}");
    }
}

#[test]
fn max_age_that_is_not_a_whole_number_or_above_86400_is_an_error() {
    for value in ["ten", "1.5", "-1", "600s", "1e3"] {
        let err = error(&[("CORS_MAX_AGE", value)]).to_string();
        assert_names(
            &err,
            "CORS_MAX_AGE",
            value,
            "expected a whole number of seconds",
        );
    }
    let err = error(&[("CORS_MAX_AGE", "86401")]).to_string();
    assert!(err.contains("max-age 86401 is too large"), "{err}");
    assert!(err.contains("environment variable `CORS_MAX_AGE`"), "{err}");
    assert!(err.contains("86400"), "{err}");
}

// --- CORS_ALLOW_PRIVATE_NETWORK ------------------------------------------------------

#[actix_web::test]
async fn allow_private_network_answers_private_network_preflights() {
    // (CORS_ALLOW_PRIVATE_NETWORK, expected status, expected ACAPN)
    for (value, status, acapn) in [
        (None, StatusCode::FORBIDDEN, None),
        (Some("false"), StatusCode::FORBIDDEN, None),
        (Some("true"), StatusCode::NO_CONTENT, Some("true")),
    ] {
        let mut vars = vec![("CORS_ALLOWED_ORIGINS", APP)];
        vars.extend(value.map(|v| ("CORS_ALLOW_PRIVATE_NETWORK", v)));
        let pre = call(
            cors(&vars),
            preflight(APP, "GET").insert_header((ACRPN, "true")),
        )
        .await;
        assert_eq!(pre.status, status, "{value:?}");
        assert_eq!(pre.get(ACAPN), acapn, "{value:?}");
    }
    let err = error(&[("CORS_ALLOW_PRIVATE_NETWORK", "maybe")]).to_string();
    assert_names(
        &err,
        "CORS_ALLOW_PRIVATE_NETWORK",
        "maybe",
        "expected `true` or `false`",
    );
}

// --- Across the table ---------------------------------------------------------------

#[actix_web::test]
async fn whitespace_around_every_item_is_ignored() {
    let cors = cors(&[
        (
            "CORS_ALLOWED_ORIGINS",
            "\thttps://a.example ,\n https://app.example  ",
        ),
        ("CORS_ALLOWED_ORIGIN_REGEXES", "\n https://pr-\\d+\\.dev \t"),
        ("CORS_ALLOWED_METHODS", " GET ,  PUT\t"),
        ("CORS_ALLOWED_HEADERS", " x-trace-id ,\tcontent-type "),
        ("CORS_EXPOSE_HEADERS", "  x-request-id  "),
        ("CORS_ALLOW_CREDENTIALS", " true "),
        ("CORS_MAX_AGE", "\t600\n"),
        ("CORS_ALLOW_PRIVATE_NETWORK", " true "),
    ]);
    let pre = call(
        cors.clone(),
        preflight_with_headers("PUT", "content-type,x-trace-id").insert_header((ACRPN, "true")),
    )
    .await;
    assert_eq!(pre.status, StatusCode::NO_CONTENT);
    assert_eq!(pre.get("access-control-allow-origin"), Some(APP));
    assert_eq!(pre.get("access-control-allow-methods"), Some("GET, PUT"));
    assert_eq!(
        pre.get("access-control-allow-headers"),
        Some("x-trace-id, content-type")
    );
    assert_eq!(pre.get("access-control-allow-credentials"), Some("true"));
    assert_eq!(pre.get("access-control-max-age"), Some("600"));
    assert_eq!(pre.get(ACAPN), Some("true"));
    let actual = call(cors.clone(), get("https://pr-7.dev")).await;
    assert_eq!(
        actual.get("access-control-allow-origin"),
        Some("https://pr-7.dev")
    );
    assert_eq!(
        actual.get("access-control-expose-headers"),
        Some("x-request-id")
    );
    let other = call(cors, get("https://a.example")).await;
    assert_eq!(
        other.get("access-control-allow-origin"),
        Some("https://a.example")
    );
}

#[test]
fn an_empty_item_in_any_list_is_an_error_naming_the_variable_and_value() {
    let lists = [
        ("CORS_ALLOWED_ORIGINS", "https://a.example"),
        ("CORS_ALLOWED_METHODS", "GET"),
        ("CORS_ALLOWED_HEADERS", "x-a"),
        ("CORS_EXPOSE_HEADERS", "x-a"),
    ];
    for (variable, item) in lists {
        for value in [
            format!("{item},,{item}"),
            format!("{item},"),
            format!(",{item}"),
            format!("{item}, ,{item}"),
            " , ".to_owned(),
        ] {
            let err = error(&[(variable, &value)]);
            assert_eq!(err.problems().len(), 1, "{variable}={value:?}: {err}");
            assert_names(
                &err.to_string(),
                variable,
                &value,
                &format!("of `{variable}`"),
            );
            assert!(err.to_string().contains("remove the extra comma"), "{err}");
        }
    }
}

#[test]
fn every_problem_is_reported_at_once() {
    // (variables, how many problems, a fragment naming each)
    let cases: [(Vars<'_>, &[&str]); 3] = [
        (
            // Values that cannot be read at all.
            &[
                ("CORS_ALLOWED_ORIGINS", "https://a.example,,"),
                ("CORS_ALLOWED_METHODS", "GET,"),
                ("CORS_ALLOW_CREDENTIALS", "yes"),
                ("CORS_MAX_AGE", "ten"),
                ("CORS_ALLOW_PRIVATE_NETWORK", "maybe"),
            ],
            &[
                "`CORS_ALLOWED_ORIGINS`",
                "`CORS_ALLOWED_METHODS`",
                "`CORS_ALLOW_CREDENTIALS`",
                "`CORS_MAX_AGE`",
                "`CORS_ALLOW_PRIVATE_NETWORK`",
            ],
        ),
        (
            // Values that read but do not validate.
            &[
                (
                    "CORS_ALLOWED_ORIGINS",
                    "https://a.example/, https://b.example/",
                ),
                ("CORS_ALLOWED_ORIGIN_REGEXES", "("),
                ("CORS_ALLOWED_METHODS", "CONNECT"),
                ("CORS_ALLOWED_HEADERS", "x a"),
                ("CORS_MAX_AGE", "86401"),
            ],
            &[
                "invalid origin `https://a.example/`",
                "invalid origin `https://b.example/`",
                "invalid origin regex `(`",
                "forbidden method `CONNECT`",
                "invalid header name `x a`",
                "max-age 86401 is too large",
            ],
        ),
        (
            // Both kinds together: one run shows everything to fix.
            &[
                ("CORS_ALLOWED_ORIGINS", "https://a.example/"),
                ("CORS_ALLOWED_METHODS", "GET,CONNECT"),
                ("CORS_ALLOW_CREDENTIALS", "yes"),
                ("CORS_MAX_AGE", "ten"),
            ],
            &[
                "invalid origin `https://a.example/`",
                "forbidden method `CONNECT`",
                "invalid value `yes`",
                "invalid value `ten`",
            ],
        ),
    ];
    for (vars, fragments) in cases {
        let err = error(vars);
        let text = err.to_string();
        assert_eq!(err.problems().len(), fragments.len(), "{text}");
        assert!(
            text.starts_with(&format!(
                "invalid CORS policy ({} problems):\n",
                fragments.len()
            )),
            "{text}"
        );
        // One problem per line, each naming what to fix.
        assert_eq!(text.lines().count(), fragments.len() + 1, "{text}");
        for fragment in fragments.iter() {
            assert_eq!(
                text.lines().filter(|l| l.contains(fragment)).count(),
                1,
                "{fragment} not on exactly one line of:\n{text}"
            );
        }
    }
}

#[actix_web::test]
async fn the_prefix_is_put_in_front_of_every_variable_name() {
    let asked = RefCell::new(Vec::new());
    let vars = lookup(&[
        ("MYAPP_CORS_ALLOWED_ORIGINS", APP),
        ("CORS_ALLOWED_ORIGINS", "https://unprefixed.example"),
    ]);
    let cors = Cors::from_lookup("MYAPP_", |name| {
        asked.borrow_mut().push(name.to_owned());
        vars(name)
    })
    .unwrap();
    let mut asked = asked.into_inner();
    asked.sort();
    assert_eq!(
        asked,
        [
            "MYAPP_CORS_ALLOWED_HEADERS",
            "MYAPP_CORS_ALLOWED_METHODS",
            "MYAPP_CORS_ALLOWED_ORIGINS",
            "MYAPP_CORS_ALLOWED_ORIGIN_REGEXES",
            "MYAPP_CORS_ALLOW_CREDENTIALS",
            "MYAPP_CORS_ALLOW_PRIVATE_NETWORK",
            "MYAPP_CORS_CROSS_ORIGIN_PROTECTION",
            "MYAPP_CORS_EXPOSE_HEADERS",
            "MYAPP_CORS_MAX_AGE",
            "MYAPP_CORS_TIMING_ALLOW_ORIGIN",
        ]
    );
    let res = call(cors.clone(), get(APP)).await;
    assert_eq!(res.get("access-control-allow-origin"), Some(APP));
    let res = call(cors, get("https://unprefixed.example")).await;
    assert_eq!(res.get("access-control-allow-origin"), None);

    let err = Cors::from_lookup("MYAPP_", lookup(&[("MYAPP_CORS_MAX_AGE", "ten")])).unwrap_err();
    assert!(
        err.to_string()
            .contains("environment variable `MYAPP_CORS_MAX_AGE`"),
        "{err}"
    );
}

// --- The process environment (the only tests that touch it) -------------------------

#[test]
fn from_env_panics_at_startup_with_the_full_readable_list() {
    const PREFIX: &str = "CORS_TEST_PANIC_";
    let vars = [
        ("CORS_ALLOWED_ORIGINS", "*"),
        ("CORS_ALLOW_CREDENTIALS", "true"),
        ("CORS_MAX_AGE", "86401"),
        ("CORS_ALLOWED_HEADERS", "x-a,,x-b"),
    ];
    for (name, value) in vars {
        std::env::set_var(format!("{PREFIX}{name}"), value);
    }
    let result = std::panic::catch_unwind(|| Cors::from_env_with_prefix(PREFIX));
    for (name, _) in vars {
        std::env::remove_var(format!("{PREFIX}{name}"));
    }
    let payload = result.expect_err("an invalid environment must stop the server");
    let message = payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .expect("a text panic message");
    let lines: Vec<&str> = message.lines().collect();
    assert_eq!(lines[0], "invalid CORS policy (3 problems):", "{message}");
    assert_eq!(lines.len(), 4, "{message}");
    for fragment in [
        "invalid value `x-a,,x-b` (environment variable `CORS_TEST_PANIC_CORS_ALLOWED_HEADERS`)",
        "(environment variable `CORS_TEST_PANIC_CORS_ALLOW_CREDENTIALS`) together with any \
         origin (environment variable `CORS_TEST_PANIC_CORS_ALLOWED_ORIGINS`)",
        "max-age 86401 is too large (environment variable `CORS_TEST_PANIC_CORS_MAX_AGE`)",
    ] {
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("  - ") && l.contains(fragment)),
            "missing {fragment:?} in:\n{message}"
        );
    }
}

#[actix_web::test]
async fn try_from_env_with_prefix_reads_the_process_environment() {
    const PREFIX: &str = "CORS_TEST_SMOKE_";
    let vars = [
        ("CORS_ALLOWED_ORIGINS", APP),
        ("CORS_ALLOWED_METHODS", "GET, PUT"),
        ("CORS_MAX_AGE", "60"),
    ];
    for (name, value) in vars {
        std::env::set_var(format!("{PREFIX}{name}"), value);
    }
    let result = Cors::try_from_env_with_prefix(PREFIX);
    for (name, _) in vars {
        std::env::remove_var(format!("{PREFIX}{name}"));
    }
    let cors = result.unwrap_or_else(|e| panic!("{e}"));
    let res = call(cors, preflight(APP, "PUT")).await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    assert_eq!(res.get("access-control-allow-origin"), Some(APP));
    assert_eq!(res.get("access-control-allow-methods"), Some("GET, PUT"));
    assert_eq!(res.get("access-control-max-age"), Some("60"));
}

// --- Issue 13: list items, quotes, schemes and misspelt names ------------------------

#[test]
fn an_empty_item_is_named_by_position_and_the_other_items_are_still_checked() {
    let err = error(&[(
        "CORS_ALLOWED_ORIGINS",
        "https://a.example,https://b.example/,",
    )]);
    let text = err.to_string();
    assert_eq!(err.problems().len(), 2, "{text}");
    assert!(
        text.contains(
            "invalid value `https://a.example,https://b.example/,` (environment variable \
             `CORS_ALLOWED_ORIGINS`): item 3 of `CORS_ALLOWED_ORIGINS` is empty (a trailing \
             or doubled comma); remove the extra comma"
        ),
        "{text}"
    );
    // Item 2 is checked although the list has an empty item.
    assert!(
        text.contains("invalid origin `https://b.example/`"),
        "{text}"
    );
    let err = error(&[("CORS_ALLOWED_METHODS", ",GET,,PUT")]).to_string();
    assert!(
        err.contains("items 1 and 3 of `CORS_ALLOWED_METHODS` are empty"),
        "{err}"
    );
}

#[test]
fn a_quoted_value_says_to_remove_the_quotes() {
    let cases = [
        (
            "CORS_ALLOWED_ORIGINS",
            "\"https://a.example\"",
            "https://a.example",
        ),
        ("CORS_ALLOW_CREDENTIALS", "'true'", "true"),
        ("CORS_MAX_AGE", "\"600\"", "600"),
        (
            "CORS_ALLOWED_ORIGINS",
            "\"https://a.example, https://b.example\"",
            "https://a.example, https://b.example",
        ),
    ];
    for (variable, value, unquoted) in cases {
        let err = error(&[(variable, value)]);
        assert_eq!(err.problems().len(), 1, "{variable}={value}: {err}");
        assert_names(
            &err.to_string(),
            variable,
            value,
            &format!("remove the quotes: `{unquoted}`"),
        );
    }
    // A quoted item in a list: that item is named, the others still read.
    let err = error(&[("CORS_ALLOWED_HEADERS", "x-a, \"x-b\", x c")]);
    let text = err.to_string();
    assert_eq!(err.problems().len(), 2, "{text}");
    assert!(text.contains("invalid value `\"x-b\"`"), "{text}");
    assert!(text.contains("remove the quotes: `x-b`"), "{text}");
    assert!(text.contains("invalid header name `x c`"), "{text}");
}

#[test]
fn an_origin_without_scheme_suggests_http_for_loopback_and_https_otherwise() {
    for (value, suggestion) in [
        ("localhost:5173", "http://localhost:5173"),
        ("127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("app.example.com", "https://app.example.com"),
    ] {
        let err = error(&[("CORS_ALLOWED_ORIGINS", value)]).to_string();
        assert!(
            err.contains(&format!(
                "invalid origin `{value}` (environment variable `CORS_ALLOWED_ORIGINS`): an \
                 origin starts with `http://` or `https://`; did you mean `{suggestion}`?"
            )),
            "{err}"
        );
    }
}

#[test]
fn a_lower_case_well_known_method_is_an_error_with_the_upper_case_suggestion() {
    let err = error(&[
        ("CORS_ALLOWED_ORIGINS", APP),
        ("CORS_ALLOWED_METHODS", "get,post,patch"),
    ]);
    assert_eq!(err.problems().len(), 1, "{err}");
    assert!(
        err.to_string().starts_with(
            "method `patch` is not upper-case (environment variable `CORS_ALLOWED_METHODS`): \
             did you mean `PATCH`?"
        ),
        "{err}"
    );
}

// --- CORS_TIMING_ALLOW_ORIGIN -------------------------------------------------------

#[actix_web::test]
async fn timing_allow_origin_sends_the_acao_value_on_actual_responses() {
    // (CORS_ALLOWED_ORIGINS, CORS_TIMING_ALLOW_ORIGIN, expected TAO on an allowed GET)
    for (origins, value, tao) in [
        (APP, None, None),
        (APP, Some("false"), None),
        (APP, Some("true"), Some(APP)),
        (APP, Some("  true\t"), Some(APP)),
        ("*", Some("true"), Some("*")),
    ] {
        let mut vars = vec![("CORS_ALLOWED_ORIGINS", origins)];
        vars.extend(value.map(|v| ("CORS_TIMING_ALLOW_ORIGIN", v)));
        let actual = call(cors(&vars), get(APP)).await;
        assert_eq!(actual.get("timing-allow-origin"), tao, "{vars:?}");
        let pre = call(cors(&vars), preflight(APP, "GET")).await;
        assert_eq!(pre.status, StatusCode::NO_CONTENT, "{vars:?}");
        assert_eq!(pre.get("timing-allow-origin"), None, "{vars:?}: preflight");
    }
    let refused = call(
        cors(&[
            ("CORS_ALLOWED_ORIGINS", APP),
            ("CORS_TIMING_ALLOW_ORIGIN", "true"),
        ]),
        get("https://evil.example"),
    )
    .await;
    assert_eq!(refused.get("timing-allow-origin"), None);
    for bad in ["yes", "1", "TRUE", "on"] {
        let err = error(&[("CORS_TIMING_ALLOW_ORIGIN", bad)]).to_string();
        assert_names(
            &err,
            "CORS_TIMING_ALLOW_ORIGIN",
            bad,
            "expected `true` or `false`",
        );
    }
}
