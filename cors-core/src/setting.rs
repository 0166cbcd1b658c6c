//! The one table that names every policy setting in each of its three
//! spellings: builder method, environment variable and `#[cors]` key.
//!
//! Error messages ("expected one of …", "did you mean …") are generated from
//! this table so the three front ends never drift apart.

use std::fmt;

/// A setting of a CORS policy, as named by the builder, the environment and
/// the `#[cors(...)]` attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Setting {
    /// Allowed origins: exact origins, `*`, subdomain and port patterns.
    AllowedOrigins,
    /// Allowed origins given as regular expressions.
    AllowedOriginRegexes,
    /// Allowed methods.
    AllowedMethods,
    /// Allowed request headers.
    AllowedHeaders,
    /// Response headers exposed to scripts.
    ExposeHeaders,
    /// Whether credentialed requests are allowed.
    AllowCredentials,
    /// How long a browser may cache a preflight answer.
    MaxAge,
    /// Private Network Access, for older browsers: current Chromium uses
    /// Local Network Access (a permission prompt) instead and no longer
    /// sends these preflights.
    AllowPrivateNetwork,
    /// `Timing-Allow-Origin` on actual responses to allowed origins, so
    /// their pages can read the detailed Resource Timing fields.
    TimingAllowOrigin,
    /// Cross-origin request forgery protection: state-changing cross-origin
    /// requests from origins the policy does not allow are refused.
    CrossOriginProtection,
}

impl Setting {
    /// Every setting, in the order documentation lists them.
    pub const ALL: [Setting; 10] = [
        Setting::AllowedOrigins,
        Setting::AllowedOriginRegexes,
        Setting::AllowedMethods,
        Setting::AllowedHeaders,
        Setting::ExposeHeaders,
        Setting::AllowCredentials,
        Setting::MaxAge,
        Setting::AllowPrivateNetwork,
        Setting::TimingAllowOrigin,
        Setting::CrossOriginProtection,
    ];

    /// The builder method that sets it, e.g. `allowed_origin`.
    pub const fn builder_method(self) -> &'static str {
        match self {
            Setting::AllowedOrigins => "allowed_origin",
            Setting::AllowedOriginRegexes => "allowed_origin_regex",
            Setting::AllowedMethods => "allowed_methods",
            Setting::AllowedHeaders => "allowed_headers",
            Setting::ExposeHeaders => "expose_headers",
            Setting::AllowCredentials => "allow_credentials",
            Setting::MaxAge => "max_age",
            Setting::AllowPrivateNetwork => "allow_private_network",
            Setting::TimingAllowOrigin => "timing_allow_origin",
            Setting::CrossOriginProtection => "cross_origin_protection",
        }
    }

    /// The environment variable that sets it, without prefix, e.g. `CORS_ALLOWED_ORIGINS`.
    pub const fn env_var(self) -> &'static str {
        match self {
            Setting::AllowedOrigins => "CORS_ALLOWED_ORIGINS",
            Setting::AllowedOriginRegexes => "CORS_ALLOWED_ORIGIN_REGEXES",
            Setting::AllowedMethods => "CORS_ALLOWED_METHODS",
            Setting::AllowedHeaders => "CORS_ALLOWED_HEADERS",
            Setting::ExposeHeaders => "CORS_EXPOSE_HEADERS",
            Setting::AllowCredentials => "CORS_ALLOW_CREDENTIALS",
            Setting::MaxAge => "CORS_MAX_AGE",
            Setting::AllowPrivateNetwork => "CORS_ALLOW_PRIVATE_NETWORK",
            Setting::TimingAllowOrigin => "CORS_TIMING_ALLOW_ORIGIN",
            Setting::CrossOriginProtection => "CORS_CROSS_ORIGIN_PROTECTION",
        }
    }

    /// The key of the `#[cors(...)]` attribute, e.g. `origins`.
    pub const fn macro_key(self) -> &'static str {
        match self {
            Setting::AllowedOrigins => "origins",
            Setting::AllowedOriginRegexes => "origin_regexes",
            Setting::AllowedMethods => "methods",
            Setting::AllowedHeaders => "headers",
            Setting::ExposeHeaders => "expose",
            Setting::AllowCredentials => "credentials",
            Setting::MaxAge => "max_age",
            Setting::AllowPrivateNetwork => "private_network",
            Setting::TimingAllowOrigin => "timing_allow_origin",
            Setting::CrossOriginProtection => "cross_origin_protection",
        }
    }

    /// Looks a setting up by its `#[cors(...)]` key.
    pub fn from_macro_key(key: &str) -> Option<Setting> {
        Setting::ALL.into_iter().find(|s| s.macro_key() == key)
    }

    /// Looks a setting up by its environment variable name (without prefix).
    pub fn from_env_var(name: &str) -> Option<Setting> {
        Setting::ALL.into_iter().find(|s| s.env_var() == name)
    }

    pub(crate) const fn index(self) -> usize {
        self as usize
    }
}

/// Where a setting's value came from, so an error can point at it.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Provenance {
    /// A method of the policy builder.
    #[default]
    Builder,
    /// An environment variable, with the prefix it was read with (often empty).
    Env {
        /// The prefix, e.g. `MYAPP_`.
        prefix: String,
    },
    /// A key of the `#[cors(...)]` attribute on a handler.
    Handler {
        /// The handler function's name.
        handler: String,
        /// The path (or paths) the handler is registered at.
        path: String,
    },
}

/// A setting together with where its value came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// The setting.
    pub setting: Setting,
    /// Where its value came from.
    pub provenance: Provenance,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.provenance {
            Provenance::Builder => write!(f, "builder method `{}`", self.setting.builder_method()),
            Provenance::Env { prefix } => {
                write!(
                    f,
                    "environment variable `{prefix}{}`",
                    self.setting.env_var()
                )
            }
            Provenance::Handler { handler, path } => write!(
                f,
                "`#[cors({} = …)]` on handler `{handler}` at `{path}`",
                self.setting.macro_key()
            ),
        }
    }
}

/// The name among `candidates` closest to `name` (by edit distance), if it is
/// close enough to be a plausible typo.
pub fn closest<'c>(name: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    candidates
        .into_iter()
        .map(|c| (edit_distance(name, c), c))
        .filter(|(d, c)| *d <= (c.len() / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance over bytes; names here are short ASCII identifiers.
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, &ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, &cb) in b.iter().enumerate() {
            let substitution = prev[j] + usize::from(!ca.eq_ignore_ascii_case(&cb));
            cur[j + 1] = substitution.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_setting_round_trips_through_its_names() {
        for setting in Setting::ALL {
            assert_eq!(Setting::from_macro_key(setting.macro_key()), Some(setting));
            assert_eq!(Setting::from_env_var(setting.env_var()), Some(setting));
        }
    }

    #[test]
    fn closest_suggests_plausible_typos_only() {
        let vars = Setting::ALL.map(Setting::env_var);
        assert_eq!(
            closest("CORS_ALLOWED_ORIGIN", vars),
            Some("CORS_ALLOWED_ORIGINS")
        );
        assert_eq!(closest("CORS_MAXAGE", vars), Some("CORS_MAX_AGE"));
        assert_eq!(closest("CORS_SOMETHING_ELSE_ENTIRELY", vars), None);
        assert_eq!(
            closest("CORS_TIMING_ALLOW_ORIGINS", vars),
            Some("CORS_TIMING_ALLOW_ORIGIN")
        );
    }

    #[test]
    fn location_names_the_front_end() {
        let env = Location {
            setting: Setting::MaxAge,
            provenance: Provenance::Env {
                prefix: "MYAPP_".into(),
            },
        };
        assert_eq!(env.to_string(), "environment variable `MYAPP_CORS_MAX_AGE`");
        let handler = Location {
            setting: Setting::AllowedOrigins,
            provenance: Provenance::Handler {
                handler: "public".into(),
                path: "/api/public".into(),
            },
        };
        assert_eq!(
            handler.to_string(),
            "`#[cors(origins = …)]` on handler `public` at `/api/public`"
        );
    }
}
