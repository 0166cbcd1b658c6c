//! The policy builder, and the validated, immutable policy it builds.

use std::fmt;
use std::sync::Arc;

use crate::allow_headers::{is_forbidden_request_header, AllowHeaders};
use crate::allow_methods::{self, AllowMethods};
use crate::error::{ConfigError, ConfigProblem, ConfigWarning};
use crate::expose_headers::ExposeHeaders;
use crate::origin::{parse_origin_spec, OriginSpec, PortRule};
use crate::origin_set::{anchored_regex_set, check_regex, OriginPredicate, OriginSet};
use crate::setting::{Location, Provenance, Setting};
use crate::token::is_token;

/// Firefox's cap on `Access-Control-Max-Age`, the largest of the engines';
/// more is refused at build.
pub const MAX_AGE_LIMIT: u64 = 86_400;
/// Chromium's cap on `Access-Control-Max-Age` (since Chromium 76); more
/// draws [`ConfigWarning::MaxAgeAboveChromiumCap`].
pub const CHROMIUM_MAX_AGE: u64 = 7_200;
/// WebKit's (Safari's) cap on `Access-Control-Max-Age`; more draws the
/// informational [`ConfigWarning::MaxAgeAboveSafariCap`] (or, above
/// Chromium's cap too, names Safari in that warning).
pub const WEBKIT_MAX_AGE: u64 = 600;

/// The engines' preflight-cache caps, smallest first: one table for the
/// build check and the warnings, so they never disagree.
pub(crate) const ENGINE_MAX_AGES: [(&str, u64); 3] = [
    ("WebKit/Safari", WEBKIT_MAX_AGE),
    ("Chromium", CHROMIUM_MAX_AGE),
    ("Firefox", MAX_AGE_LIMIT),
];
/// Credentials with more origins than this draw a warning.
const MANY_CREDENTIALED_ORIGINS: usize = 10;

/// The status of an allowed preflight's response.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PreflightStatus {
    /// `204 No Content` (the default).
    #[default]
    NoContent,
    /// `200 OK`, for clients that mishandle 204.
    Ok,
}

impl PreflightStatus {
    /// The numeric status code.
    pub fn code(self) -> u16 {
        match self {
            PreflightStatus::NoContent => 204,
            PreflightStatus::Ok => 200,
        }
    }
}

/// How the allowed request headers are declared.
#[derive(Clone, Debug, PartialEq, Eq)]
enum HeadersSetting {
    List(Vec<String>),
    Mirror,
}

/// Declares a CORS policy; [`build`](PolicyBuilder::build) validates it.
///
/// Defaults are restrictive: no origin, the safelisted methods `GET`, `HEAD`
/// and `POST`, no extra request header, nothing exposed, no credentials, no
/// max-age, no Private Network Access, no `Timing-Allow-Origin`, `204`
/// preflights, `Vary` emitted.
#[derive(Clone)]
#[must_use]
pub struct PolicyBuilder {
    pub(crate) origins: Vec<String>,
    pub(crate) origin_regexes: Vec<String>,
    pub(crate) origin_predicate: Option<OriginPredicate>,
    allow_null: bool,
    pub(crate) methods: Vec<String>,
    case_sensitive_methods: bool,
    headers: HeadersSetting,
    pub(crate) expose: Vec<String>,
    pub(crate) credentials: bool,
    pub(crate) max_age: Option<u64>,
    pub(crate) private_network: bool,
    pub(crate) timing_allow_origin: bool,
    pub(crate) cross_origin_protection: bool,
    writes_from_any_origin: bool,
    preflight_status: PreflightStatus,
    emit_vary: bool,
    provenance: [Provenance; Setting::ALL.len()],
}

impl Default for PolicyBuilder {
    fn default() -> Self {
        PolicyBuilder {
            origins: Vec::new(),
            origin_regexes: Vec::new(),
            origin_predicate: None,
            allow_null: false,
            methods: allow_methods::SAFELISTED.map(str::to_owned).to_vec(),
            case_sensitive_methods: false,
            headers: HeadersSetting::List(Vec::new()),
            expose: Vec::new(),
            credentials: false,
            max_age: None,
            private_network: false,
            timing_allow_origin: false,
            cross_origin_protection: false,
            writes_from_any_origin: false,
            preflight_status: PreflightStatus::NoContent,
            emit_vary: true,
            provenance: Default::default(),
        }
    }
}

impl fmt::Debug for PolicyBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PolicyBuilder")
            .field("origins", &self.origins)
            .field("origin_regexes", &self.origin_regexes)
            .field("origin_predicate", &self.origin_predicate.is_some())
            .field("allow_null", &self.allow_null)
            .field("methods", &self.methods)
            .field("case_sensitive_methods", &self.case_sensitive_methods)
            .field("headers", &self.headers)
            .field("expose", &self.expose)
            .field("credentials", &self.credentials)
            .field("max_age", &self.max_age)
            .field("private_network", &self.private_network)
            .field("timing_allow_origin", &self.timing_allow_origin)
            .field("cross_origin_protection", &self.cross_origin_protection)
            .field("writes_from_any_origin", &self.writes_from_any_origin)
            .field("preflight_status", &self.preflight_status)
            .field("emit_vary", &self.emit_vary)
            .finish()
    }
}

impl PolicyBuilder {
    /// A builder with the restrictive defaults.
    pub fn new() -> Self {
        PolicyBuilder::default()
    }

    /// Allows an origin (`https://app.example.com`), a subdomain pattern
    /// (`https://*.example.com`), a port wildcard (`http://localhost:*`), or
    /// `*` for any origin. Validated by [`build`](Self::build).
    pub fn allowed_origin(mut self, origin: impl AsRef<str>) -> Self {
        self.origins.push(origin.as_ref().to_owned());
        self
    }

    /// Allows each of these origins or patterns.
    pub fn allowed_origins<I, S>(mut self, origins: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.origins
            .extend(origins.into_iter().map(|o| o.as_ref().to_owned()));
        self
    }

    /// Forgets every allowed origin, regex and predicate given so far (to
    /// replace the origins of a policy derived with [`Policy::to_builder`]).
    pub fn clear_origins(mut self) -> Self {
        self.origins.clear();
        self.origin_regexes.clear();
        self.origin_predicate = None;
        self
    }

    /// Allows any origin: `Access-Control-Allow-Origin: *`. Refused with credentials.
    ///
    /// Every origin, `Origin: null` included (sandboxed iframes, `file:`
    /// pages, requests after a cross-origin redirect): the Fetch standard's
    /// CORS check lets `*` without credentials answer any request (§ CORS
    /// check, step 3), so refusing `null` would only break those pages.
    /// Lists, patterns, regexes and predicates never admit `null`; with them
    /// it must be written by name, with
    /// [`allow_null_origin`](Self::allow_null_origin).
    pub fn allow_any_origin(self) -> Self {
        self.allowed_origin("*")
    }

    /// Allows origins matching a regular expression, always matched against
    /// the whole origin (it is anchored for you).
    pub fn allowed_origin_regex(mut self, regex: impl AsRef<str>) -> Self {
        self.origin_regexes.push(regex.as_ref().to_owned());
        self
    }

    /// Allows origins for which `predicate` returns true. It is called with
    /// the request's `Origin` (never with `null`) after the other rules.
    pub fn allowed_origin_fn<F>(mut self, predicate: F) -> Self
    where
        F: Fn(&str) -> bool + Send + Sync + 'static,
    {
        self.origin_predicate = Some(Arc::new(predicate));
        self
    }

    /// Lets `null` be written as an allowed origin. Sandboxed iframes, local
    /// files and redirected requests send `null`, so anyone can: enable this
    /// only when you must, and write `null` explicitly as well. (Not needed
    /// for `*`, which answers `null` like any origin.)
    pub fn allow_null_origin(mut self, allow: bool) -> Self {
        self.allow_null = allow;
        self
    }

    /// Replaces the allowed methods (default `GET`, `HEAD`, `POST`); `*` allows any.
    pub fn allowed_methods<I, S>(mut self, methods: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.methods = methods.into_iter().map(|m| m.as_ref().to_owned()).collect();
        self
    }

    /// Adds one allowed method to those allowed so far (the default `GET`,
    /// `HEAD`, `POST`, or the list given to
    /// [`allowed_methods`](Self::allowed_methods)).
    ///
    /// ```
    /// let policy = cors_core::Policy::builder()
    ///     .allowed_origin("https://app.example.com")
    ///     .allowed_method("DELETE")
    ///     .build()?;
    /// assert!(policy.allows_method("DELETE") && policy.allows_method("GET"));
    /// assert!(!policy.allows_method("PUT"));
    /// # Ok::<(), cors_core::ConfigError>(())
    /// ```
    pub fn allowed_method(mut self, method: impl AsRef<str>) -> Self {
        self.methods.push(method.as_ref().to_owned());
        self
    }

    /// Lets a well-known method be allowed in a case other than upper case
    /// (`patch`, `Propfind`), which [`build`](Self::build) otherwise refuses
    /// as a likely mistake.
    ///
    /// Browsers upper-case only `DELETE`, `GET`, `HEAD`, `OPTIONS`, `POST` and
    /// `PUT` (Fetch § normalize a method), and send every other method
    /// exactly as the page wrote it, so `patch` matches only
    /// `fetch(url, {method: "patch"})`, never `{method: "PATCH"}`. Turn this
    /// on only if your pages really send such a spelling. (The six are
    /// upper-cased either way, as browsers do.)
    ///
    /// ```
    /// let err = cors_core::Policy::builder().allowed_method("patch").build().unwrap_err();
    /// assert!(err.to_string().contains("did you mean `PATCH`?"));
    /// let policy = cors_core::Policy::builder()
    ///     .allowed_method("patch")
    ///     .case_sensitive_methods(true)
    ///     .build()?;
    /// assert!(policy.allows_method("patch") && !policy.allows_method("PATCH"));
    /// # Ok::<(), cors_core::ConfigError>(())
    /// ```
    pub fn case_sensitive_methods(mut self, on: bool) -> Self {
        self.case_sensitive_methods = on;
        self
    }

    /// Allows any method.
    pub fn allow_any_method(self) -> Self {
        self.allowed_methods(["*"])
    }

    /// Adds allowed request headers (case-insensitive); `*` allows any.
    pub fn allowed_headers<I, S>(mut self, headers: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut list = match self.headers {
            HeadersSetting::List(list) => list,
            HeadersSetting::Mirror => Vec::new(),
        };
        list.extend(headers.into_iter().map(|h| h.as_ref().to_owned()));
        self.headers = HeadersSetting::List(list);
        self
    }

    /// Allows any request header. Without credentials the answer is `*`
    /// (plus `authorization` when asked, which `*` never covers); with
    /// credentials the requested list is echoed.
    pub fn allow_any_header(self) -> Self {
        self.allowed_headers(["*"])
    }

    pub(crate) fn replace_allowed_headers(mut self, headers: Vec<String>) -> Self {
        self.headers = HeadersSetting::List(headers);
        self
    }

    /// Allows any request header by echoing the requested list back.
    pub fn mirror_request_headers(mut self) -> Self {
        self.headers = HeadersSetting::Mirror;
        self
    }

    /// Adds response headers scripts may read; `*` exposes all (refused
    /// with credentials, where browsers read it as a header named `*`).
    pub fn expose_headers<I, S>(mut self, headers: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.expose
            .extend(headers.into_iter().map(|h| h.as_ref().to_owned()));
        self
    }

    /// Exposes every response header (`*`).
    pub fn expose_any_header(self) -> Self {
        self.expose_headers(["*"])
    }

    /// Allows credentialed requests (cookies, HTTP auth, client certificates).
    pub fn allow_credentials(mut self, allow: bool) -> Self {
        self.credentials = allow;
        self
    }

    /// How long browsers may cache a preflight answer, in seconds: at most
    /// 86400 (Firefox's cap). Engines silently use their own cap when this is
    /// above it: Chromium 7200, WebKit/Safari 600; the build warns above 600.
    pub fn max_age(mut self, seconds: u64) -> Self {
        self.max_age = Some(seconds);
        self
    }

    /// Answers Private Network Access preflights
    /// (`Access-Control-Allow-Private-Network: true`): **for older
    /// browsers**. Chromium replaced Private Network Access with Local
    /// Network Access (a permission prompt the page's user answers), and
    /// current Chromium no longer sends `Access-Control-Request-Private-Network`
    /// nor checks the answer, so this has no effect there; it stays for
    /// Chromium releases that still send those preflights. Local Network
    /// Access needs nothing beyond ordinary CORS from the server (see
    /// `docs/troubleshooting.md`, "Local Network Access").
    pub fn allow_private_network(mut self, allow: bool) -> Self {
        self.private_network = allow;
        self
    }

    /// Sends `Timing-Allow-Origin` on actual responses to allowed origins,
    /// with the value `Access-Control-Allow-Origin` gets (the echoed origin,
    /// or `*` when the policy answers `*`), so scripts on those origins can
    /// read the detailed [Resource Timing] fields of these responses
    /// (`domainLookupStart`, `connectStart`, `requestStart`,
    /// `responseStart`, `transferSize`, …; without it they are zero), and
    /// their `Server-Timing` entries. Off by default: timings reveal how
    /// long the server took, which can leak state (cache hits, account
    /// existence) to the origins allowed.
    ///
    /// Never sent on preflights, which are not resources a page times, nor
    /// to a refused origin. Only requests carrying `Origin` are answered
    /// with an echoed origin: a `no-cors` subresource (`<img>`, `<script>`
    /// without `crossorigin`) sends none, so it gets `Timing-Allow-Origin`
    /// only under a `*` policy, which answers every request alike.
    ///
    /// [Resource Timing]: https://w3c.github.io/resource-timing/#sec-timing-allow-origin
    ///
    /// ```
    /// use cors_core::{CorsRequest, Policy};
    ///
    /// let policy = Policy::builder()
    ///     .allowed_origin("https://app.example.com")
    ///     .timing_allow_origin(true)
    ///     .build()?;
    /// let get = CorsRequest::new("GET").origin("https://app.example.com");
    /// let decision = policy.decide(&get);
    /// assert_eq!(decision.headers().timing_allow_origin(), Some("https://app.example.com"));
    /// assert_eq!(decision.headers().get("vary"), Some("Origin"));
    /// # Ok::<(), cors_core::ConfigError>(())
    /// ```
    pub fn timing_allow_origin(mut self, send: bool) -> Self {
        self.timing_allow_origin = send;
        self
    }

    /// Refuses state-changing cross-origin requests (any method but `GET`,
    /// `HEAD` and `OPTIONS`) whose origin this policy does not allow: the
    /// defence against cross-site request forgery that CORS alone is not
    /// (see [`Policy::check_cross_origin`]). Off by default.
    pub fn cross_origin_protection(mut self, on: bool) -> Self {
        self.cross_origin_protection = on;
        self
    }

    /// With [`cross_origin_protection`](Self::cross_origin_protection) and
    /// any origin allowed (`*`), trusts every origin for state-changing
    /// requests too. Without it, `*` lets every page *read* but trusts none
    /// for *writes*: a public API rarely means "any site may act for a
    /// logged-in user".
    pub fn cross_origin_writes_from_any_origin(mut self, trust: bool) -> Self {
        self.writes_from_any_origin = trust;
        self
    }

    /// The status of allowed preflights (204 by default).
    pub fn preflight_status(mut self, status: PreflightStatus) -> Self {
        self.preflight_status = status;
        self
    }

    /// Whether to emit `Vary` (on by default; turn off only when no cache
    /// sits between the server and browsers).
    pub fn vary(mut self, emit: bool) -> Self {
        self.emit_vary = emit;
        self
    }

    /// Records where a setting's value came from, for error messages.
    pub fn provenance(mut self, setting: Setting, provenance: Provenance) -> Self {
        self.provenance[setting.index()] = provenance;
        self
    }

    pub(crate) fn location(&self, setting: Setting) -> Location {
        Location {
            setting,
            provenance: self.provenance[setting.index()].clone(),
        }
    }

    /// Validates the policy, reporting every problem at once.
    pub fn build(self) -> Result<Policy, ConfigError> {
        let mut problems = Vec::new();
        let mut warnings = Vec::new();

        let at = self.location(Setting::AllowedOrigins);
        let mut specs = Vec::with_capacity(self.origins.len());
        for raw in &self.origins {
            match parse_origin_spec(raw, self.allow_null) {
                Ok(spec) => specs.push(spec),
                Err(reason) => problems.push(ConfigProblem::InvalidOrigin {
                    value: raw.clone(),
                    at: at.clone(),
                    reason,
                }),
            }
        }
        // Each entry in the form it is matched in, beside the form written.
        let origin_entries: Vec<(String, String)> = specs
            .iter()
            .zip(
                self.origins
                    .iter()
                    .filter(|raw| parse_origin_spec(raw, self.allow_null).is_ok()),
            )
            .map(|(spec, raw)| (matched_form(spec), raw.trim().to_owned()))
            .collect();
        for (spec, (matched, written)) in specs.iter().zip(&origin_entries) {
            match spec {
                OriginSpec::Any => warnings.push(ConfigWarning::AnyOrigin),
                OriginSpec::Null => warnings.push(ConfigWarning::NullOrigin),
                OriginSpec::Pattern {
                    port: PortRule::Any,
                    ..
                } => warnings.push(ConfigWarning::PortWildcard {
                    pattern: matched.clone(),
                    written: (written != matched).then(|| written.clone()),
                }),
                _ => {}
            }
        }
        warnings.dedup();

        let at = self.location(Setting::AllowedOriginRegexes);
        for raw in &self.origin_regexes {
            if let Err(e) = check_regex(raw) {
                problems.push(ConfigProblem::InvalidRegex {
                    value: raw.clone(),
                    at: at.clone(),
                    error: e.to_string(),
                });
            }
        }
        let regexes = if self.origin_regexes.is_empty() {
            None
        } else {
            anchored_regex_set(&self.origin_regexes).ok()
        };
        let origins = OriginSet::new(specs, regexes, self.origin_predicate.clone());
        if origins.is_empty() {
            warnings.push(ConfigWarning::NoOrigins);
        }
        if self.credentials {
            let any_origin = if origins.is_any() {
                Some(Setting::AllowedOrigins)
            } else if origins.regexes_match_anything() {
                Some(Setting::AllowedOriginRegexes)
            } else {
                None
            };
            if let Some(setting) = any_origin {
                problems.push(ConfigProblem::CredentialsWithAnyOrigin {
                    credentials: self.location(Setting::AllowCredentials),
                    origins: self.location(setting),
                });
            } else if origins.len() > MANY_CREDENTIALED_ORIGINS {
                warnings.push(ConfigWarning::CredentialsWithManyOrigins {
                    count: origins.len(),
                });
            }
        }

        let methods = self.build_methods(&mut problems);
        let headers = self.build_headers(&mut problems);
        let expose = self.build_expose(&mut problems);

        let max_age = match self.max_age {
            Some(seconds) if seconds > MAX_AGE_LIMIT => {
                problems.push(ConfigProblem::MaxAgeTooLarge {
                    value: seconds,
                    at: self.location(Setting::MaxAge),
                });
                None
            }
            Some(seconds) => {
                // One warning, naming every engine whose cap is exceeded.
                if seconds > CHROMIUM_MAX_AGE {
                    warnings.push(ConfigWarning::MaxAgeAboveChromiumCap {
                        seconds: seconds as u32,
                    });
                } else if seconds > WEBKIT_MAX_AGE {
                    warnings.push(ConfigWarning::MaxAgeAboveSafariCap {
                        seconds: seconds as u32,
                    });
                }
                Some((seconds as u32, seconds.to_string()))
            }
            None => None,
        };

        if !problems.is_empty() {
            return Err(ConfigError::new(problems));
        }
        Ok(Policy {
            inner: Arc::new(PolicyInner {
                origins,
                methods,
                headers,
                expose,
                credentials: self.credentials,
                max_age,
                private_network: self.private_network,
                timing_allow_origin: self.timing_allow_origin,
                cross_origin_protection: self.cross_origin_protection,
                writes_from_any_origin: self.writes_from_any_origin,
                preflight_status: self.preflight_status,
                emit_vary: self.emit_vary,
                warnings,
                origin_entries,
                spec: self,
            }),
        })
    }

    fn build_methods(&self, problems: &mut Vec<ConfigProblem>) -> AllowMethods {
        let at = self.location(Setting::AllowedMethods);
        let mut list: Vec<String> = Vec::with_capacity(self.methods.len());
        let mut any = false;
        for raw in &self.methods {
            let method = raw.trim();
            if method == "*" {
                any = true;
            } else if !is_token(method.as_bytes()) {
                problems.push(ConfigProblem::InvalidMethod {
                    value: raw.clone(),
                    at: at.clone(),
                });
            } else if allow_methods::is_forbidden(method) {
                problems.push(ConfigProblem::ForbiddenMethod {
                    value: raw.clone(),
                    at: at.clone(),
                });
            } else if let Some(upper) =
                allow_methods::miscased(method).filter(|_| !self.case_sensitive_methods)
            {
                problems.push(ConfigProblem::MethodCase {
                    value: raw.clone(),
                    at: at.clone(),
                    suggestion: upper.to_owned(),
                });
            } else {
                let method = allow_methods::normalize(method);
                if !list.contains(&method) {
                    list.push(method);
                }
            }
        }
        if any {
            AllowMethods::Any
        } else {
            AllowMethods::list(list)
        }
    }

    fn build_headers(&self, problems: &mut Vec<ConfigProblem>) -> AllowHeaders {
        let raw = match &self.headers {
            HeadersSetting::Mirror => return AllowHeaders::Mirror,
            HeadersSetting::List(raw) => raw,
        };
        let at = self.location(Setting::AllowedHeaders);
        let names = header_names(raw, at.clone(), problems);
        // Forbidden names are refused whether or not `*` is also listed.
        for value in raw.iter().filter(|v| is_forbidden_request_header(v.trim())) {
            problems.push(ConfigProblem::ForbiddenRequestHeader {
                value: value.clone(),
                at: at.clone(),
            });
        }
        if names.iter().any(|n| n == "*") {
            return AllowHeaders::Any;
        }
        AllowHeaders::list(names)
    }

    fn build_expose(&self, problems: &mut Vec<ConfigProblem>) -> ExposeHeaders {
        let at = self.location(Setting::ExposeHeaders);
        let names = header_names(&self.expose, at.clone(), problems);
        for value in &self.expose {
            let name = value.trim();
            if name.eq_ignore_ascii_case("set-cookie") || name.eq_ignore_ascii_case("set-cookie2") {
                problems.push(ConfigProblem::UnexposableHeader {
                    value: value.clone(),
                    at: at.clone(),
                });
            }
        }
        if names.iter().any(|n| n == "*") {
            if self.credentials {
                problems.push(ConfigProblem::CredentialsWithAnyExposedHeader {
                    credentials: self.location(Setting::AllowCredentials),
                    expose: self.location(Setting::ExposeHeaders),
                });
            }
            return ExposeHeaders::Any;
        }
        ExposeHeaders::list(names)
    }
}

/// Validates and lower-cases header names, keeping the first occurrence of each.
fn header_names(raw: &[String], at: Location, problems: &mut Vec<ConfigProblem>) -> Vec<String> {
    let mut names: Vec<String> = Vec::with_capacity(raw.len());
    for value in raw {
        let name = value.trim();
        if name != "*" && !is_token(name.as_bytes()) {
            problems.push(ConfigProblem::InvalidHeaderName {
                value: value.clone(),
                at: at.clone(),
            });
            continue;
        }
        let name = name.to_ascii_lowercase();
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// An allowed-origin entry in the form it is matched in: lower-case scheme
/// and host, default port dropped.
fn matched_form(spec: &OriginSpec) -> String {
    match spec {
        OriginSpec::Any => "*".to_owned(),
        OriginSpec::Null => "null".to_owned(),
        OriginSpec::Exact(origin) => origin.clone(),
        OriginSpec::Pattern { .. } => describe_pattern(spec),
    }
}

fn describe_pattern(spec: &OriginSpec) -> String {
    match spec {
        OriginSpec::Pattern {
            scheme,
            host,
            subdomains,
            port,
        } => format!(
            "{}://{}{host}{}",
            scheme.as_str(),
            if *subdomains { "*." } else { "" },
            match port {
                PortRule::Default => String::new(),
                PortRule::Exact(p) => format!(":{p}"),
                PortRule::Any => ":*".to_owned(),
            }
        ),
        _ => String::new(),
    }
}

/// A validated, immutable CORS policy. Cheap to clone (one `Arc`), safe to
/// share between threads, and never changed once built.
#[derive(Clone)]
pub struct Policy {
    inner: Arc<PolicyInner>,
}

pub(crate) struct PolicyInner {
    pub(crate) origins: OriginSet,
    pub(crate) methods: AllowMethods,
    pub(crate) headers: AllowHeaders,
    pub(crate) expose: ExposeHeaders,
    pub(crate) credentials: bool,
    pub(crate) max_age: Option<(u32, String)>,
    pub(crate) private_network: bool,
    pub(crate) timing_allow_origin: bool,
    pub(crate) cross_origin_protection: bool,
    pub(crate) writes_from_any_origin: bool,
    pub(crate) preflight_status: PreflightStatus,
    pub(crate) emit_vary: bool,
    pub(crate) warnings: Vec<ConfigWarning>,
    /// Each allowed origin or pattern: (the form matched, the form written).
    origin_entries: Vec<(String, String)>,
    pub(crate) spec: PolicyBuilder,
}

impl Policy {
    /// A builder with the restrictive defaults.
    pub fn builder() -> PolicyBuilder {
        PolicyBuilder::new()
    }

    pub(crate) fn inner(&self) -> &PolicyInner {
        &self.inner
    }

    /// The declaration this policy was built from, to derive another from it.
    pub fn to_builder(&self) -> PolicyBuilder {
        self.inner.spec.clone()
    }

    /// Risky but valid choices, to log once at startup.
    pub fn warnings(&self) -> &[ConfigWarning] {
        &self.inner.warnings
    }

    /// The status of allowed preflights.
    pub fn preflight_status(&self) -> PreflightStatus {
        self.inner.preflight_status
    }

    /// Whether credentials are allowed.
    pub fn allows_credentials(&self) -> bool {
        self.inner.credentials
    }

    /// Whether `origin` (a request's `Origin` value) is allowed.
    pub fn allows_origin(&self, origin: &str) -> bool {
        self.inner.origins.allows(origin)
    }

    /// Whether a preflight may ask for `method`.
    pub fn allows_method(&self, method: &str) -> bool {
        self.inner.methods.allows(method)
    }

    /// Whether scripts on an allowed origin can read a response header.
    pub fn exposes_header(&self, name: &str) -> bool {
        self.inner.expose.exposes(name)
    }

    /// The allowed request headers, joined (`None` when any is allowed).
    pub fn allowed_headers_list(&self) -> Option<&str> {
        self.inner.headers.names()
    }

    /// Where a setting's value came from (builder, environment or handler),
    /// so a log line can say what to change.
    pub fn setting_location(&self, setting: Setting) -> Location {
        self.inner.spec.location(setting)
    }

    /// The header values that are the same for every request (joined lists
    /// and max-age), as `(lower-case name, value)`, so an adapter can convert
    /// them to its own header type once instead of per request.
    pub fn fixed_header_values(&self) -> Vec<(&'static str, &str)> {
        use crate::decision::header as name;
        let p = &self.inner;
        let mut values = Vec::new();
        if let AllowMethods::List { header: value, .. } = &p.methods {
            values.push((name::ACCESS_CONTROL_ALLOW_METHODS, value.as_str()));
        }
        if let AllowHeaders::List { header: value, .. } = &p.headers {
            values.push((name::ACCESS_CONTROL_ALLOW_HEADERS, value.as_str()));
        }
        if let Some(expose) = p.expose.header_value() {
            values.push((name::ACCESS_CONTROL_EXPOSE_HEADERS, expose));
        }
        if let Some((_, text)) = &p.max_age {
            values.push((name::ACCESS_CONTROL_MAX_AGE, text.as_str()));
        }
        values
    }

    /// The effective value of a setting in words, for log lines such as
    /// "(allowed: content-type, authorization)".
    pub fn describe(&self, setting: Setting) -> String {
        let p = &self.inner;
        let list = |items: &[String]| {
            if items.is_empty() {
                "none".to_owned()
            } else {
                items
                    .iter()
                    .map(|s| s.trim())
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        };
        match setting {
            // The forms matched, so a reader (and cors-actix's near-miss
            // hints, which split this on ", ") compares with what browsers
            // send; `Display` adds the written form where it differs.
            Setting::AllowedOrigins if p.origin_entries.is_empty() => "none".to_owned(),
            Setting::AllowedOrigins => self
                .matched_origins()
                .map(|(matched, _)| matched)
                .collect::<Vec<_>>()
                .join(", "),
            Setting::AllowedOriginRegexes => list(&p.spec.origin_regexes),
            Setting::AllowedMethods => match &p.methods {
                AllowMethods::Any => "any".to_owned(),
                AllowMethods::List { header, .. } => header.clone(),
            },
            Setting::AllowedHeaders => match &p.headers {
                AllowHeaders::Any | AllowHeaders::Mirror => "any".to_owned(),
                AllowHeaders::List { header, .. } if header.is_empty() => "none".to_owned(),
                AllowHeaders::List { header, .. } => header.clone(),
            },
            Setting::ExposeHeaders => p.expose.header_value().unwrap_or("none").to_owned(),
            Setting::AllowCredentials => p.credentials.to_string(),
            Setting::MaxAge => p
                .max_age
                .as_ref()
                .map_or_else(|| "unset".to_owned(), |(s, _)| s.to_string()),
            Setting::AllowPrivateNetwork => p.private_network.to_string(),
            Setting::TimingAllowOrigin => p.timing_allow_origin.to_string(),
            Setting::CrossOriginProtection => p.cross_origin_protection.to_string(),
        }
    }

    /// Each allowed origin or pattern as `(matched, written)`: the form it is
    /// matched in (lower-case scheme and host, default port dropped, as
    /// browsers send origins) and the form it was written in, trimmed. They
    /// differ for `https://App.Example.com:443` (matched as
    /// `https://app.example.com`). Regexes and the predicate are not included.
    ///
    /// ```
    /// let policy = cors_core::Policy::builder()
    ///     .allowed_origins(["https://App.Example.com:443", "http://localhost:*"])
    ///     .build()?;
    /// let entries: Vec<_> = policy.matched_origins().collect();
    /// assert_eq!(entries, [
    ///     ("https://app.example.com", "https://App.Example.com:443"),
    ///     ("http://localhost:*", "http://localhost:*"),
    /// ]);
    /// # Ok::<(), cors_core::ConfigError>(())
    /// ```
    pub fn matched_origins(&self) -> impl Iterator<Item = (&str, &str)> {
        self.inner
            .origin_entries
            .iter()
            .map(|(matched, written)| (matched.as_str(), written.as_str()))
    }

    /// The exact origins, patterns and regexes as declared (written, not
    /// normalised; see [`matched_origins`](Self::matched_origins) for the
    /// forms they are matched in).
    pub fn declared_origins(&self) -> impl Iterator<Item = &str> {
        let spec = &self.inner.spec;
        spec.origins
            .iter()
            .chain(&spec.origin_regexes)
            .map(|s| s.trim())
    }
}

impl fmt::Debug for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Policy").field(&self.inner.spec).finish()
    }
}

/// A one-line summary of the effective policy, for the startup log.
impl fmt::Display for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = &self.inner;
        let mut origins = if p.origin_entries.is_empty() {
            "none".to_owned()
        } else {
            p.origin_entries
                .iter()
                .map(|(matched, written)| {
                    if matched == written {
                        matched.clone()
                    } else {
                        format!("{matched} (written `{written}`)")
                    }
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        if !p.spec.origin_regexes.is_empty() {
            origins.push_str(&format!("; regexes: {}", p.spec.origin_regexes.join(" ")));
        }
        if p.spec.origin_predicate.is_some() {
            origins.push_str("; and a predicate");
        }
        let methods = match &p.methods {
            AllowMethods::Any => "any".to_owned(),
            AllowMethods::List { header, .. } => header.clone(),
        };
        let headers = match &p.headers {
            AllowHeaders::Any => "any".to_owned(),
            AllowHeaders::Mirror => "any (mirrored)".to_owned(),
            AllowHeaders::List { header, .. } if header.is_empty() => "safelisted only".to_owned(),
            AllowHeaders::List { header, .. } => header.clone(),
        };
        let expose = p.expose.header_value().unwrap_or("none");
        let max_age = p
            .max_age
            .as_ref()
            .map_or_else(|| "unset".to_owned(), |(s, _)| format!("{s}s"));
        write!(
            f,
            "origins: {origins}; methods: {methods}; headers: {headers}; exposed: {expose}; \
             credentials: {}; max-age: {max_age}; private network: {}",
            p.credentials, p.private_network
        )?;
        // Named only when on, so the summary of every policy that does not
        // use it reads as before.
        if p.timing_allow_origin {
            f.write_str("; timing-allow-origin: on")?;
        }
        if p.cross_origin_protection {
            f.write_str("; cross-origin protection: on")?;
        }
        Ok(())
    }
}
