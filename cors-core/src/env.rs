//! Reading a policy from environment variables (`CORS_ALLOWED_ORIGINS`, …),
//! through a lookup function so tests never touch the process environment.

use std::fmt;

use crate::error::{ConfigError, ConfigProblem};
use crate::policy::PolicyBuilder;
use crate::setting::{closest, Location, Provenance, Setting};

/// Reads every `{prefix}CORS_…` variable through `lookup` into a builder.
///
/// Lists are comma-separated (regexes: whitespace-separated), whitespace
/// around items is ignored, and a variable holding only whitespace counts as
/// unset. Every unreadable value is reported, each naming its variable: an
/// empty list item by its position (the other items are still checked), a
/// quoted value with the quotes to remove.
///
/// Misspelt variable names cannot be seen through a lookup; use
/// [`builder_from_variables`] to have them reported too.
pub fn builder_from_lookup<F>(prefix: &str, lookup: F) -> Result<PolicyBuilder, ConfigError>
where
    F: Fn(&str) -> Option<String>,
{
    read(prefix, &lookup, Vec::new())
}

/// Like [`builder_from_lookup`], also given the names of the variables that
/// are set (e.g. `std::env::vars_os()`'s keys): a misspelt
/// `{prefix}CORS_…` name whose intended variable is unset
/// (`CORS_ALLOWED_ORIGIN` without `CORS_ALLOWED_ORIGINS`) is a
/// [`ConfigProblem::MisspeltVariable`], since the setting would silently
/// keep its default. A misspelling whose intended variable is set, or an
/// unknown name with no close match, stays a warning: see
/// [`unknown_variables`].
///
/// ```
/// let vars = [("CORS_ALLOWED_ORIGIN", "https://app.example.com")];
/// let lookup = |name: &str| {
///     vars.iter().find(|(n, _)| *n == name).map(|(_, v)| v.to_string())
/// };
/// let err = cors_core::builder_from_variables("", vars.map(|(n, _)| n), lookup).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "unknown variable `CORS_ALLOWED_ORIGIN`: did you mean `CORS_ALLOWED_ORIGINS`? \
///      `CORS_ALLOWED_ORIGINS` is not set, so this setting keeps its default; rename the variable"
/// );
/// ```
pub fn builder_from_variables<I, S, F>(
    prefix: &str,
    names: I,
    lookup: F,
) -> Result<PolicyBuilder, ConfigError>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
    F: Fn(&str) -> Option<String>,
{
    let problems = unknown_variables(prefix, names)
        .into_iter()
        .filter_map(|unknown| {
            let suggestion = unknown.suggestion?;
            let intended_set = lookup(&suggestion).is_some_and(|v| !v.trim().is_empty());
            (!intended_set).then_some(ConfigProblem::MisspeltVariable {
                name: unknown.name,
                suggestion,
            })
        })
        .collect();
    read(prefix, &lookup, problems)
}

fn read<F>(
    prefix: &str,
    lookup: &F,
    mut problems: Vec<ConfigProblem>,
) -> Result<PolicyBuilder, ConfigError>
where
    F: Fn(&str) -> Option<String>,
{
    let mut builder = PolicyBuilder::new();
    let provenance = Provenance::Env {
        prefix: prefix.to_owned(),
    };
    for setting in Setting::ALL {
        builder = builder.provenance(setting, provenance.clone());
    }
    for setting in Setting::ALL {
        let Some(value) = lookup(&format!("{prefix}{}", setting.env_var())) else {
            continue;
        };
        if value.trim().is_empty() {
            continue;
        }
        let at = Location {
            setting,
            provenance: provenance.clone(),
        };
        if let Some(unquoted) = unquote(&value) {
            problems.push(ConfigProblem::QuotedValue {
                at,
                unquoted: unquoted.to_owned(),
                value,
            });
            continue;
        }
        builder = match apply(builder.clone(), setting, &value, &at, &mut problems) {
            Ok(b) => b,
            Err(expected) => {
                problems.push(ConfigProblem::InvalidValue {
                    at,
                    value,
                    expected,
                });
                builder
            }
        };
    }
    if problems.is_empty() {
        return Ok(builder);
    }
    // Validate the variables that did read as well, so one run reports every
    // problem. A variable that could not be read keeps its default, which is
    // valid with anything, so this adds no spurious problem.
    let mut error = ConfigError::new(problems);
    if let Err(invalid) = builder.build() {
        error.extend(invalid);
    }
    Err(error)
}

/// The value without its quotes, if it is wrapped in a matching pair of
/// `"` or `'`.
fn unquote(value: &str) -> Option<&str> {
    let value = value.trim();
    ['"', '\'']
        .into_iter()
        .find_map(|q| value.strip_prefix(q)?.strip_suffix(q).map(str::trim))
}

fn apply(
    builder: PolicyBuilder,
    setting: Setting,
    value: &str,
    at: &Location,
    problems: &mut Vec<ConfigProblem>,
) -> Result<PolicyBuilder, &'static str> {
    let mut list = || comma_list(value, at, problems);
    Ok(match setting {
        Setting::AllowedOrigins => builder.allowed_origins(list()),
        Setting::AllowedOriginRegexes => value
            .split_whitespace()
            .fold(builder, PolicyBuilder::allowed_origin_regex),
        Setting::AllowedMethods => builder.allowed_methods(list()),
        Setting::AllowedHeaders => builder.allowed_headers(list()),
        Setting::ExposeHeaders => builder.expose_headers(list()),
        Setting::AllowCredentials => builder.allow_credentials(boolean(value)?),
        Setting::MaxAge => builder.max_age(
            value
                .trim()
                .parse()
                .map_err(|_| "a whole number of seconds, such as `600`")?,
        ),
        Setting::AllowPrivateNetwork => builder.allow_private_network(boolean(value)?),
        Setting::TimingAllowOrigin => builder.timing_allow_origin(boolean(value)?),
        Setting::CrossOriginProtection => builder.cross_origin_protection(boolean(value)?),
    })
}

/// The non-empty, unquoted items of a comma-separated list. Empty items
/// (reported once, by position) and quoted ones (reported each) are left
/// out, so the other items are still validated.
fn comma_list<'v>(
    value: &'v str,
    at: &Location,
    problems: &mut Vec<ConfigProblem>,
) -> Vec<&'v str> {
    let mut items = Vec::new();
    let mut empty = Vec::new();
    for (i, item) in value.split(',').map(str::trim).enumerate() {
        if item.is_empty() {
            empty.push(i + 1);
        } else if let Some(unquoted) = unquote(item) {
            problems.push(ConfigProblem::QuotedValue {
                at: at.clone(),
                value: item.to_owned(),
                unquoted: unquoted.to_owned(),
            });
        } else {
            items.push(item);
        }
    }
    if !empty.is_empty() {
        problems.push(ConfigProblem::EmptyListItems {
            at: at.clone(),
            value: value.to_owned(),
            positions: empty,
        });
    }
    items
}

fn boolean(value: &str) -> Result<bool, &'static str> {
    match value.trim() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err("`true` or `false`"),
    }
}

/// A `{prefix}CORS_…` variable that is not one of the known names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownVariable {
    /// The variable's name.
    pub name: String,
    /// The known variable it most likely meant, with the prefix.
    pub suggestion: Option<String>,
}

impl fmt::Display for UnknownVariable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` is not a known variable", self.name)?;
        match &self.suggestion {
            Some(s) => write!(f, "; did you mean `{s}`?"),
            None => write!(
                f,
                "; known variables: {}",
                Setting::ALL.map(Setting::env_var).join(", ")
            ),
        }
    }
}

/// The names among `names` that start with `{prefix}CORS_` but are not
/// known variables, each with the closest known name.
pub fn unknown_variables<I, S>(prefix: &str, names: I) -> Vec<UnknownVariable>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let known = Setting::ALL.map(Setting::env_var);
    names
        .into_iter()
        .filter_map(|name| {
            let name = name.as_ref();
            let bare = name.strip_prefix(prefix)?;
            if !bare.starts_with("CORS_") || known.contains(&bare) {
                return None;
            }
            Some(UnknownVariable {
                name: name.to_owned(),
                suggestion: closest(bare, known).map(|s| format!("{prefix}{s}")),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CorsRequest;
    use std::collections::HashMap;

    fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn every_variable_is_read_with_whitespace_ignored() {
        let policy = builder_from_lookup(
            "",
            lookup(&[
                (
                    "CORS_ALLOWED_ORIGINS",
                    " http://localhost:5173 , https://*.example.com ",
                ),
                (
                    "CORS_ALLOWED_ORIGIN_REGEXES",
                    r"https://pr-\d+\.preview\.dev",
                ),
                ("CORS_ALLOWED_METHODS", "GET, PUT ,DELETE"),
                ("CORS_ALLOWED_HEADERS", "Content-Type, Authorization"),
                ("CORS_EXPOSE_HEADERS", "X-Request-Id"),
                ("CORS_ALLOW_CREDENTIALS", "true"),
                ("CORS_MAX_AGE", "600"),
                ("CORS_ALLOW_PRIVATE_NETWORK", "true"),
                ("CORS_TIMING_ALLOW_ORIGIN", " true "),
            ]),
        )
        .unwrap()
        .build()
        .unwrap();
        assert!(policy.allows_origin("http://localhost:5173"));
        assert!(policy.allows_origin("https://a.example.com"));
        assert!(policy.allows_origin("https://pr-12.preview.dev"));
        assert!(policy.allows_method("DELETE"));
        assert!(!policy.allows_method("PATCH"));
        assert!(policy.allows_credentials());
        let preflight = CorsRequest::new("OPTIONS")
            .origin("http://localhost:5173")
            .request_method("PUT")
            .request_headers("authorization,content-type")
            .request_private_network("true");
        let decision = policy.decide(&preflight);
        assert!(decision.is_allowed(), "{:?}", decision.rejection());
        assert_eq!(
            decision.headers().get("access-control-max-age"),
            Some("600")
        );
        assert_eq!(
            decision
                .headers()
                .get("access-control-allow-private-network"),
            Some("true")
        );
        assert_eq!(decision.headers().timing_allow_origin(), None);
        let actual = CorsRequest::new("GET").origin("http://localhost:5173");
        assert_eq!(
            policy.decide(&actual).headers().get("timing-allow-origin"),
            Some("http://localhost:5173")
        );
    }

    #[test]
    fn unset_variables_keep_the_restrictive_defaults() {
        let policy = builder_from_lookup("", lookup(&[]))
            .unwrap()
            .build()
            .unwrap();
        assert!(!policy.allows_origin("http://localhost:5173"));
        assert!(policy.allows_method("POST"));
        assert!(!policy.allows_method("PUT"));
        assert!(!policy.allows_credentials());
    }

    #[test]
    fn bad_values_are_all_reported_with_variable_and_value() {
        let err = builder_from_lookup(
            "MYAPP_",
            lookup(&[
                ("MYAPP_CORS_ALLOWED_ORIGINS", "https://a.com,,https://b.com"),
                ("MYAPP_CORS_ALLOW_CREDENTIALS", "yes"),
                ("MYAPP_CORS_MAX_AGE", "ten"),
                ("MYAPP_CORS_TIMING_ALLOW_ORIGIN", "on"),
            ]),
        )
        .unwrap_err();
        let text = err.to_string();
        assert_eq!(err.problems().len(), 4, "{text}");
        assert!(text.contains("invalid value `on` (environment variable `MYAPP_CORS_TIMING_ALLOW_ORIGIN`): expected `true` or `false`"), "{text}");
        assert!(
            text.contains(
                "invalid value `https://a.com,,https://b.com` (environment variable \
                 `MYAPP_CORS_ALLOWED_ORIGINS`): item 2 of `MYAPP_CORS_ALLOWED_ORIGINS` is \
                 empty (a trailing or doubled comma); remove the extra comma"
            ),
            "{text}"
        );
        assert!(text.contains("invalid value `yes` (environment variable `MYAPP_CORS_ALLOW_CREDENTIALS`): expected `true` or `false`"), "{text}");
        assert!(
            text.contains("`MYAPP_CORS_MAX_AGE`): expected a whole number of seconds"),
            "{text}"
        );
    }

    #[test]
    fn build_errors_name_the_variable() {
        let err = builder_from_lookup(
            "",
            lookup(&[
                ("CORS_ALLOWED_ORIGINS", "*"),
                ("CORS_ALLOW_CREDENTIALS", "true"),
                ("CORS_ALLOWED_METHODS", "GET,CONNECT"),
            ]),
        )
        .unwrap()
        .build()
        .unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("environment variable `CORS_ALLOW_CREDENTIALS`"),
            "{text}"
        );
        assert!(
            text.contains("any origin (environment variable `CORS_ALLOWED_ORIGINS`)"),
            "{text}"
        );
        assert!(
            text.contains(
                "forbidden method `CONNECT` (environment variable `CORS_ALLOWED_METHODS`)"
            ),
            "{text}"
        );
    }

    #[test]
    fn unknown_cors_variables_get_the_closest_known_name() {
        let unknown = unknown_variables(
            "",
            [
                "CORS_ALLOWED_ORIGIN",
                "CORS_MAX_AGE",
                "PATH",
                "CORS_WHATEVER_THIS_IS",
            ],
        );
        assert_eq!(unknown.len(), 2);
        assert_eq!(
            unknown[0].to_string(),
            "`CORS_ALLOWED_ORIGIN` is not a known variable; did you mean `CORS_ALLOWED_ORIGINS`?"
        );
        assert_eq!(unknown[1].suggestion, None);
        let prefixed =
            unknown_variables("MYAPP_", ["MYAPP_CORS_EXPOSE_HEADER", "CORS_EXPOSE_HEADER"]);
        assert_eq!(prefixed.len(), 1);
        assert_eq!(
            prefixed[0].suggestion.as_deref(),
            Some("MYAPP_CORS_EXPOSE_HEADERS")
        );
    }

    // Issue 13: misspelt variables (here rather than in tests/environment.rs,
    // whose package reaches cors-core only through cors-actix).
    fn from_variables(prefix: &str, vars: &[(&str, &str)]) -> Result<PolicyBuilder, ConfigError> {
        crate::builder_from_variables(prefix, vars.iter().map(|(n, _)| *n), lookup(vars))
    }

    #[test]
    fn a_misspelt_variable_whose_intended_one_is_unset_is_an_error() {
        for (name, intended) in [
            ("CORS_ALLOWED_ORIGIN", "CORS_ALLOWED_ORIGINS"),
            ("CORS_ALLOW_ORIGINS", "CORS_ALLOWED_ORIGINS"),
            ("CORS_ALLOWED_HEADER", "CORS_ALLOWED_HEADERS"),
            ("CORS_MAXAGE", "CORS_MAX_AGE"),
        ] {
            let err = from_variables("", &[(name, "x"), ("PATH", "/bin")])
                .err()
                .unwrap_or_else(|| panic!("{name} should be refused"));
            assert_eq!(
                err.to_string(),
                format!(
                    "unknown variable `{name}`: did you mean `{intended}`? `{intended}` is not set, \
                     so this setting keeps its default; rename the variable"
                )
            );
        }
        // With a prefix, and reported with the values' own problems.
        let err = from_variables(
            "MYAPP_",
            &[
                ("MYAPP_CORS_EXPOSE_HEADER", "x-a"),
                ("MYAPP_CORS_MAX_AGE", "ten"),
            ],
        )
        .expect_err("refused");
        let text = err.to_string();
        assert_eq!(err.problems().len(), 2, "{text}");
        assert!(
            text.contains("did you mean `MYAPP_CORS_EXPOSE_HEADERS`?"),
            "{text}"
        );
    }

    #[test]
    fn a_misspelling_whose_intended_variable_is_set_stays_a_warning() {
        let vars = [
            ("CORS_ALLOWED_ORIGINS", "https://app.example"),
            ("CORS_ALLOWED_ORIGIN", "https://other.example"),
            ("CORS_SOMETHING_ELSE_ENTIRELY", "1"),
        ];
        let policy = from_variables("", &vars)
            .expect("a warning, not an error")
            .build()
            .expect("valid");
        assert!(policy.allows_origin("https://app.example"));
        let warnings = crate::unknown_variables("", vars.map(|(n, _)| n));
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        // The lookup-only entry point (what `Cors::from_lookup` calls) is unchanged.
        assert!(crate::builder_from_lookup("", lookup(&vars)).is_ok());
    }
}
