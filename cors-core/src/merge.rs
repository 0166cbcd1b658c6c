//! Per-handler overrides: each setting given replaces the base policy's,
//! every other setting is inherited.

use crate::policy::PolicyBuilder;
use crate::setting::{Provenance, Setting};

/// The settings a handler overrides; `None` means "inherit".
///
/// Unlike Spring's `@CrossOrigin`, which adds to the global lists, a given
/// setting *replaces* the base one, so a handler can narrow a policy as well
/// as widen it. `origins` and `origin_regexes` together decide which origins
/// are allowed: giving either replaces the base policy's origins, regexes
/// and predicate alike.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PolicyOverride {
    /// Replaces the allowed origins and patterns.
    pub origins: Option<Vec<String>>,
    /// Replaces the allowed origin regexes.
    pub origin_regexes: Option<Vec<String>>,
    /// Replaces the allowed methods.
    pub methods: Option<Vec<String>>,
    /// Replaces the allowed request headers.
    pub headers: Option<Vec<String>>,
    /// Replaces the exposed response headers.
    pub expose: Option<Vec<String>>,
    /// Replaces the credentials setting.
    pub credentials: Option<bool>,
    /// Replaces the max-age.
    pub max_age: Option<u64>,
    /// Replaces the Private Network Access setting (for older browsers).
    pub private_network: Option<bool>,
    /// Replaces the `Timing-Allow-Origin` setting.
    pub timing_allow_origin: Option<bool>,
    /// Requires (`true`) or exempts (`false`) cross-origin protection.
    pub cross_origin_protection: Option<bool>,
}

impl PolicyOverride {
    /// The settings this override gives.
    pub fn settings(&self) -> impl Iterator<Item = Setting> + '_ {
        Setting::ALL.into_iter().filter(|s| match s {
            Setting::AllowedOrigins => self.origins.is_some(),
            Setting::AllowedOriginRegexes => self.origin_regexes.is_some(),
            Setting::AllowedMethods => self.methods.is_some(),
            Setting::AllowedHeaders => self.headers.is_some(),
            Setting::ExposeHeaders => self.expose.is_some(),
            Setting::AllowCredentials => self.credentials.is_some(),
            Setting::MaxAge => self.max_age.is_some(),
            Setting::AllowPrivateNetwork => self.private_network.is_some(),
            Setting::TimingAllowOrigin => self.timing_allow_origin.is_some(),
            Setting::CrossOriginProtection => self.cross_origin_protection.is_some(),
        })
    }
}

impl PolicyBuilder {
    /// Applies a handler's override; the settings it gives are attributed to
    /// `provenance` in error messages. Call [`build`](Self::build) after.
    pub fn merge(mut self, over: &PolicyOverride, provenance: &Provenance) -> Self {
        if over.origins.is_some() || over.origin_regexes.is_some() {
            self.origins = over.origins.clone().unwrap_or_default();
            self.origin_regexes = over.origin_regexes.clone().unwrap_or_default();
            self.origin_predicate = None;
        }
        if let Some(methods) = &over.methods {
            self = self.allowed_methods(methods.iter().cloned());
        }
        if let Some(headers) = &over.headers {
            self = self.replace_allowed_headers(headers.clone());
        }
        if let Some(expose) = &over.expose {
            self.expose = expose.clone();
        }
        if let Some(credentials) = over.credentials {
            self.credentials = credentials;
        }
        if let Some(max_age) = over.max_age {
            self.max_age = Some(max_age);
        }
        if let Some(on) = over.cross_origin_protection {
            self.cross_origin_protection = on;
        }
        if let Some(private_network) = over.private_network {
            self.private_network = private_network;
        }
        if let Some(timing_allow_origin) = over.timing_allow_origin {
            self.timing_allow_origin = timing_allow_origin;
        }
        for setting in over.settings() {
            self = self.provenance(setting, provenance.clone());
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CorsRequest, Policy};

    fn handler() -> Provenance {
        Provenance::Handler {
            handler: "public".into(),
            path: "/api/public".into(),
        }
    }

    fn app() -> PolicyBuilder {
        Policy::builder()
            .allowed_origin("https://app.example.com")
            .allowed_origin_regex(r"https://pr-\d+\.example\.dev")
            .allowed_methods(["GET", "PUT"])
            .expose_headers(["x-request-id"])
            .allow_credentials(true)
            .max_age(600)
    }

    #[test]
    fn given_settings_replace_and_others_are_inherited() {
        let over = PolicyOverride {
            expose: Some(vec!["x-report-id".into()]),
            ..PolicyOverride::default()
        };
        let merged = app().merge(&over, &handler()).build().unwrap();
        assert!(merged.exposes_header("x-report-id"));
        assert!(!merged.exposes_header("x-request-id"));
        assert!(merged.allows_origin("https://app.example.com"));
        assert!(merged.allows_origin("https://pr-7.example.dev"));
        assert!(merged.allows_method("PUT"));
        assert!(merged.allows_credentials());
    }

    #[test]
    fn origins_replace_exact_patterns_and_regexes_together() {
        let over = PolicyOverride {
            origins: Some(vec!["https://admin.example.com".into()]),
            ..PolicyOverride::default()
        };
        let merged = app().merge(&over, &handler()).build().unwrap();
        assert!(merged.allows_origin("https://admin.example.com"));
        assert!(!merged.allows_origin("https://app.example.com"));
        assert!(!merged.allows_origin("https://pr-7.example.dev"));
    }

    #[test]
    fn timing_allow_origin_is_replaced_per_handler_and_otherwise_inherited() {
        let get = CorsRequest::new("GET").origin("https://app.example.com");
        let tao = |builder: PolicyBuilder| {
            let policy = builder.build().unwrap();
            policy
                .decide(&get)
                .headers()
                .timing_allow_origin()
                .map(str::to_owned)
        };
        let on = PolicyOverride {
            timing_allow_origin: Some(true),
            ..PolicyOverride::default()
        };
        let off = PolicyOverride {
            timing_allow_origin: Some(false),
            ..PolicyOverride::default()
        };
        let expose_only = PolicyOverride {
            expose: Some(vec!["x-a".into()]),
            ..PolicyOverride::default()
        };
        let app_with = app().timing_allow_origin(true);
        let echoed = Some("https://app.example.com".to_owned());
        assert_eq!(tao(app().merge(&on, &handler())), echoed);
        assert_eq!(tao(app_with.clone().merge(&off, &handler())), None);
        assert_eq!(tao(app_with.merge(&expose_only, &handler())), echoed);
        assert_eq!(tao(app().merge(&expose_only, &handler())), None);
        let settings: Vec<_> = on.settings().collect();
        assert_eq!(settings, [Setting::TimingAllowOrigin]);
        let merged = app().merge(&on, &handler()).build().unwrap();
        assert_eq!(
            merged
                .setting_location(Setting::TimingAllowOrigin)
                .to_string(),
            "`#[cors(timing_allow_origin = …)]` on handler `public` at `/api/public`"
        );
    }

    #[test]
    fn an_invalid_merge_names_the_handler_and_the_rule() {
        let over = PolicyOverride {
            origins: Some(vec!["*".into()]),
            ..PolicyOverride::default()
        };
        let err = app().merge(&over, &handler()).build().unwrap_err();
        assert_eq!(
            err.to_string().split(':').next().unwrap(),
            "credentials are allowed (builder method `allow_credentials`) together with any \
             origin (`#[cors(origins = …)]` on handler `public` at `/api/public`)"
        );
        let fixed = PolicyOverride {
            credentials: Some(false),
            ..over
        };
        let policy = app().merge(&fixed, &handler()).build().unwrap();
        let decision = policy.decide(&CorsRequest::new("GET").origin("https://anyone.example"));
        assert_eq!(decision.headers().allow_origin(), Some("*"));
    }
}
