//! Validating the literals at compile time by asking `cors-core` itself: the
//! override is merged into an empty policy and built, exactly as the runtime
//! merges it into the app's, and each problem becomes a compile error on the
//! literal it names, with the runtime's own message.
//!
//! What depends on the app-wide policy (credentials set app-wide with
//! `origins = ["*"]` here, `null` without `allow_null_origin`) cannot be known
//! here; `Cors::handlers` checks the merge when the app is built.

use cors_core::{ConfigProblem, Policy, PolicyOverride, Provenance, Setting};
use proc_macro2::Span;

use crate::attr::{CorsArgs, Value, DISABLE};
use crate::errors::Errors;

/// The literals of `args` as the runtime's override.
pub(crate) fn policy_override(args: &CorsArgs) -> PolicyOverride {
    let mut over = PolicyOverride::default();
    for given in &args.given {
        match (&given.value, given.setting) {
            (Value::List(_, items), setting) => {
                let list = Some(items.iter().map(syn::LitStr::value).collect());
                match setting {
                    Setting::AllowedOrigins => over.origins = list,
                    Setting::AllowedOriginRegexes => over.origin_regexes = list,
                    Setting::AllowedMethods => over.methods = list,
                    Setting::AllowedHeaders => over.headers = list,
                    Setting::ExposeHeaders => over.expose = list,
                    _ => {}
                }
            }
            (Value::Bool(b), Setting::AllowCredentials) => over.credentials = Some(b.value),
            (Value::Bool(b), Setting::AllowPrivateNetwork) => over.private_network = Some(b.value),
            (Value::Bool(b), Setting::TimingAllowOrigin) => {
                over.timing_allow_origin = Some(b.value)
            }
            (Value::Bool(b), Setting::CrossOriginProtection) => {
                over.cross_origin_protection = Some(b.value);
            }
            (Value::Int(_, n), Setting::MaxAge) => over.max_age = Some(*n),
            _ => {}
        }
    }
    over
}

/// The token a problem is reported on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Target {
    /// The `index`-th literal of a list setting.
    Item(Setting, usize),
    /// The value of a setting.
    Value(Setting),
    /// The key of a setting.
    Key(Setting),
    /// The attribute as a whole.
    Attribute,
}

/// Checks the settings of `args` (read for `handler` at `path`), reporting
/// each problem on its literal.
pub(crate) fn check(args: &CorsArgs, handler: &str, path: &str, errors: &mut Errors) {
    for (target, message) in problems(args, handler, path) {
        errors.push(syn::Error::new(span(args, target), message));
    }
}

/// Each problem with where it points and the message to show.
pub(crate) fn problems(args: &CorsArgs, handler: &str, path: &str) -> Vec<(Target, String)> {
    if args.disable.is_some() {
        return args
            .given
            .iter()
            .map(|g| {
                let key = g.setting.macro_key();
                (
                    Target::Key(g.setting),
                    format!(
                        "`{DISABLE}` turns CORS off for this handler, so `{key}` would have no \
                         effect; remove one of them"
                    ),
                )
            })
            .collect();
    }
    let over = policy_override(args);
    let provenance = Provenance::Handler {
        handler: handler.to_owned(),
        path: path.to_owned(),
    };
    // `null` is only valid when the app allows it, which is known at run
    // time; everything else about a literal is known now.
    let built = Policy::builder()
        .allow_null_origin(true)
        .merge(&over, &provenance)
        .build();
    let Err(error) = built else {
        return Vec::new();
    };
    let mut used = Vec::new();
    error
        .problems()
        .iter()
        .map(|problem| (target(problem, &over, &mut used), problem.to_string()))
        .collect()
}

/// The list a list setting holds in `over`.
fn list(over: &PolicyOverride, setting: Setting) -> &[String] {
    let list = match setting {
        Setting::AllowedOrigins => &over.origins,
        Setting::AllowedOriginRegexes => &over.origin_regexes,
        Setting::AllowedMethods => &over.methods,
        Setting::AllowedHeaders => &over.headers,
        Setting::ExposeHeaders => &over.expose,
        _ => &None,
    };
    list.as_deref().unwrap_or_default()
}

/// The first literal of `setting` equal to `value` not already pointed at
/// (so two equal bad literals get one error each).
fn item(
    over: &PolicyOverride,
    setting: Setting,
    used: &mut Vec<Target>,
    matches: impl Fn(&str) -> bool,
) -> Target {
    let found = list(over, setting)
        .iter()
        .enumerate()
        .map(|(i, value)| (Target::Item(setting, i), value))
        .find(|(t, value)| matches(value) && !used.contains(t))
        .map(|(t, _)| t);
    match found {
        Some(target) => {
            used.push(target);
            target
        }
        None => Target::Value(setting),
    }
}

fn target(problem: &ConfigProblem, over: &PolicyOverride, used: &mut Vec<Target>) -> Target {
    match problem {
        ConfigProblem::InvalidOrigin { value, at, .. }
        | ConfigProblem::InvalidRegex { value, at, .. }
        | ConfigProblem::InvalidMethod { value, at }
        | ConfigProblem::ForbiddenMethod { value, at }
        | ConfigProblem::MethodCase { value, at, .. }
        | ConfigProblem::ForbiddenRequestHeader { value, at }
        | ConfigProblem::UnexposableHeader { value, at }
        | ConfigProblem::InvalidHeaderName { value, at } => {
            item(over, at.setting, used, |v| v == value)
        }
        ConfigProblem::MaxAgeTooLarge { at, .. } | ConfigProblem::InvalidValue { at, .. } => {
            Target::Value(at.setting)
        }
        // The literal that admits any origin is what to change: the message
        // ends "list the trusted origins instead".
        ConfigProblem::CredentialsWithAnyOrigin { origins, .. } => match origins.setting {
            Setting::AllowedOrigins => item(over, origins.setting, used, |v| v.trim() == "*"),
            Setting::AllowedOriginRegexes => item(over, origins.setting, used, |regex| {
                let alone = Policy::builder()
                    .allowed_origin_regex(regex)
                    .allow_credentials(true)
                    .build();
                alone.is_err_and(|e| {
                    e.problems()
                        .iter()
                        .any(|p| matches!(p, ConfigProblem::CredentialsWithAnyOrigin { .. }))
                })
            }),
            other => Target::Value(other),
        },
        ConfigProblem::CredentialsWithAnyExposedHeader { expose, .. } => {
            item(over, expose.setting, used, |v| v.trim() == "*")
        }
        _ => Target::Attribute,
    }
}

fn span(args: &CorsArgs, target: Target) -> Span {
    let given = |setting| args.get(setting);
    match target {
        Target::Item(setting, i) => match given(setting).map(|g| &g.value) {
            Some(Value::List(_, items)) => items.get(i).map(syn::LitStr::span),
            _ => None,
        }
        .unwrap_or_else(|| span(args, Target::Value(setting))),
        Target::Value(setting) => given(setting).map_or_else(Span::call_site, |g| g.value.span()),
        Target::Key(setting) => given(setting).map_or_else(Span::call_site, |g| g.key.span()),
        Target::Attribute => Span::call_site(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attr;
    use proc_macro2::TokenStream;
    use quote::quote;

    fn check(tokens: TokenStream) -> Vec<(Target, String)> {
        let mut errors = Errors::default();
        let args = attr::parse(tokens, &mut errors);
        assert!(errors.is_empty(), "{:?}", errors.messages());
        problems(&args, "public", "/api/public")
    }

    fn at(key: &str) -> String {
        format!("(`#[cors({key} = …)]` on handler `public` at `/api/public`)")
    }

    #[test]
    fn valid_literals_give_no_error() {
        assert!(check(quote!(
            origins = [
                "https://a.example",
                "https://*.b.example",
                "http://localhost:*",
                "null"
            ],
            origin_regexes = [r"https://pr-\d+\.example\.dev"],
            methods = ["GET", "PATCH", "PURGE"],
            headers = ["content-type", "*"],
            expose = ["x-request-id"],
            credentials = true,
            max_age = 86400,
            private_network = true,
            timing_allow_origin = true,
        ))
        .is_empty());
        // Valid alone; whether the app allows credentials is known at run time.
        assert!(check(quote!(origins = ["*"])).is_empty());
        assert!(check(quote!(origins = ["*"], credentials = false)).is_empty());
        assert!(check(quote!(expose = ["*"])).is_empty());
    }

    #[test]
    fn each_bad_literal_is_reported_on_itself_with_the_runtime_message() {
        let problems = check(quote!(
            origins = ["https://ok.example", "https://a.com/", "https://a.com/"],
            methods = ["GET", "CONNECT", "BAD METHOD"],
            headers = ["x-ok", "bad header"],
            expose = ["x-ok", "bad:header"],
            origin_regexes = ["https://(unclosed"],
            max_age = 100000,
        ));
        let targets: Vec<_> = problems.iter().map(|(t, _)| *t).collect();
        assert_eq!(
            targets,
            [
                Target::Item(Setting::AllowedOrigins, 1),
                Target::Item(Setting::AllowedOrigins, 2),
                Target::Item(Setting::AllowedOriginRegexes, 0),
                Target::Item(Setting::AllowedMethods, 1),
                Target::Item(Setting::AllowedMethods, 2),
                Target::Item(Setting::AllowedHeaders, 1),
                Target::Item(Setting::ExposeHeaders, 1),
                Target::Value(Setting::MaxAge),
            ]
        );
        assert_eq!(
            problems[0].1,
            format!(
                "invalid origin `https://a.com/` {}: an origin has no path, query, fragment or \
                 trailing slash; did you mean `https://a.com`?",
                at("origins")
            )
        );
        assert_eq!(
            problems[3].1,
            format!(
                "forbidden method `CONNECT` {}: browsers never let scripts send CONNECT, TRACE \
                 or TRACK; remove it",
                at("methods")
            )
        );
        assert!(problems[7]
            .1
            .starts_with(&format!("max-age 100000 is too large {}", at("max_age"))));
    }

    #[test]
    fn issue_13_build_checks_point_at_their_literal() {
        let problems = check(quote!(
            origins = ["https://ok.example", "http://0x7f000001"],
            methods = ["GET", "patch"],
            headers = ["x-ok", "Cookie"],
            expose = ["x-ok", "Set-Cookie"],
        ));
        let targets: Vec<_> = problems.iter().map(|(t, _)| *t).collect();
        assert_eq!(
            targets,
            [
                Target::Item(Setting::AllowedOrigins, 1),
                Target::Item(Setting::AllowedMethods, 1),
                Target::Item(Setting::AllowedHeaders, 1),
                Target::Item(Setting::ExposeHeaders, 1),
            ]
        );
        assert!(
            problems[1].1.contains("did you mean `PATCH`?"),
            "{}",
            problems[1].1
        );
    }

    #[test]
    fn credentials_with_any_origin_points_at_the_wildcard() {
        let problems = check(quote!(
            origins = ["https://a.example", "*"],
            credentials = true
        ));
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].0, Target::Item(Setting::AllowedOrigins, 1));
        assert!(problems[0].1.starts_with(&format!(
            "credentials are allowed {} together with any origin {}",
            at("credentials"),
            at("origins")
        )));
    }

    #[test]
    fn credentials_with_a_match_anything_regex_points_at_that_regex() {
        let problems = check(quote!(
            origin_regexes = [r"https://pr-\d+\.example\.dev", r"https?://.*"],
            credentials = true
        ));
        assert_eq!(problems.len(), 1);
        assert_eq!(
            problems[0].0,
            Target::Item(Setting::AllowedOriginRegexes, 1)
        );
    }

    #[test]
    fn credentials_with_any_exposed_header_points_at_the_wildcard() {
        let problems = check(quote!(expose = ["x-a", "*"], credentials = true));
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].0, Target::Item(Setting::ExposeHeaders, 1));
    }

    #[test]
    fn disable_with_settings_points_at_each_setting() {
        let problems = check(quote!(disable, origins = ["*"], max_age = 5));
        let targets: Vec<_> = problems.iter().map(|(t, _)| *t).collect();
        assert_eq!(
            targets,
            [
                Target::Key(Setting::AllowedOrigins),
                Target::Key(Setting::MaxAge)
            ]
        );
        assert_eq!(
            problems[0].1,
            "`disable` turns CORS off for this handler, so `origins` would have no effect; \
             remove one of them"
        );
        assert!(check(quote!(disable)).is_empty());
    }

    #[test]
    fn the_override_holds_exactly_the_given_settings() {
        let mut errors = Errors::default();
        let args = attr::parse(
            quote!(
                expose = ["X-Report-Id"],
                credentials = false,
                max_age = 60,
                timing_allow_origin = true
            ),
            &mut errors,
        );
        assert_eq!(
            policy_override(&args),
            PolicyOverride {
                expose: Some(vec!["X-Report-Id".to_owned()]),
                credentials: Some(false),
                max_age: Some(60),
                timing_allow_origin: Some(true),
                ..PolicyOverride::default()
            }
        );
    }
}
