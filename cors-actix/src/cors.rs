//! `Cors`: the middleware's configuration and its actix `Transform`.

use std::fmt;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use actix_service::{Service, Transform};
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::Error;
use cors_core::{
    builder_from_lookup, builder_from_variables, unknown_variables, ConfigError, ConfigProblem,
    LogBudget, LogBudgetConfig, OriginCheckConfig, Policy, PolicyBuilder, PreflightStatus,
};
use futures_util::future::{ready, Ready};

use crate::diagnostics::{self, Diagnostics};
use crate::live::{CorsHandle, Live};
use crate::origin_check::{CheckFn, OriginCheck};
use crate::owner::{Owner, Switches};
use crate::ownership::Nesting;
use crate::service::{CorsMiddleware, Role};

/// CORS middleware for actix-web 4.
///
/// Built once (in `main`), cloned cheaply into every worker: it holds one
/// `Arc`. Wrap it on an `App`, a `Scope` or a `Resource`.
///
/// ```no_run
/// use actix_web::{App, HttpServer};
/// use cors_actix::Cors;
///
/// #[actix_web::main]
/// async fn main() -> std::io::Result<()> {
///     let cors = Cors::from_env(); // reads CORS_ALLOWED_ORIGINS, …; panics with every problem
///     HttpServer::new(move || App::new().wrap(cors.clone()))
///         .bind(("127.0.0.1", 8080))?
///         .run()
///         .await
/// }
/// ```
#[derive(Clone)]
pub struct Cors {
    pub(crate) inner: Arc<Live>,
}

impl Cors {
    /// A builder with the restrictive defaults (no origin allowed).
    pub fn builder() -> CorsBuilder {
        CorsBuilder::default()
    }

    /// For local development only: any origin, any method, request headers
    /// mirrored, every response header exposed, and **no credentials**
    /// (actix-cors's `permissive()` reflects any origin *with* credentials,
    /// which lets any site read a logged-in user's data).
    pub fn permissive() -> Cors {
        Cors::builder()
            .allow_any_origin()
            .allow_any_method()
            .mirror_request_headers()
            .expose_any_header()
            .build()
            .unwrap_or_else(|e| unreachable!("the permissive policy is valid: {e}"))
    }

    /// Reads the policy from `CORS_…` environment variables (see the crate
    /// docs for the table).
    ///
    /// # Panics
    ///
    /// At startup, with every problem listed, if a variable is invalid: a
    /// server with a broken CORS policy should not start. Use
    /// [`try_from_env`](Cors::try_from_env) to handle the error yourself.
    #[track_caller]
    pub fn from_env() -> Cors {
        match Cors::try_from_env() {
            Ok(cors) => cors,
            Err(e) => panic!("{e}"),
        }
    }

    /// Reads the policy from `CORS_…` environment variables, returning every
    /// problem found.
    pub fn try_from_env() -> Result<Cors, ConfigError> {
        Cors::try_from_env_with_prefix("")
    }

    /// Like [`from_env`](Cors::from_env), reading `{prefix}CORS_…`
    /// (e.g. `MYAPP_CORS_ALLOWED_ORIGINS` for prefix `MYAPP_`).
    ///
    /// # Panics
    ///
    /// As [`from_env`](Cors::from_env).
    #[track_caller]
    pub fn from_env_with_prefix(prefix: &str) -> Cors {
        match Cors::try_from_env_with_prefix(prefix) {
            Ok(cors) => cors,
            Err(e) => panic!("{e}"),
        }
    }

    /// Like [`try_from_env`](Cors::try_from_env), reading `{prefix}CORS_…`.
    ///
    /// A misspelt variable (`CORS_ALLOWED_ORIGIN`) whose intended one is
    /// unset is an error, not a server started without the setting; other
    /// unknown `CORS_…` variables are logged as warnings.
    pub fn try_from_env_with_prefix(prefix: &str) -> Result<Cors, ConfigError> {
        let names: Vec<String> = std::env::vars_os()
            .filter_map(|(name, _)| name.into_string().ok())
            .collect();
        for unknown in unknown_variables(prefix, &names) {
            tracing::warn!(variable = %unknown.name, "{unknown}");
        }
        let lookup = |name: &str| std::env::var(name).ok();
        let policy = builder_from_variables(prefix, &names, lookup)?.build()?;
        Ok(Cors::from_policy(policy))
    }

    /// Reads the policy through `lookup` instead of the process environment
    /// (for tests and for other configuration sources).
    pub fn from_lookup<F>(prefix: &str, lookup: F) -> Result<Cors, ConfigError>
    where
        F: Fn(&str) -> Option<String>,
    {
        let policy = builder_from_lookup(prefix, lookup)?.build()?;
        Ok(Cors::from_policy(policy))
    }

    /// Wraps an already validated policy.
    pub fn from_policy(policy: Policy) -> Cors {
        CorsBuilder::from_policy_builder(policy.to_builder()).finish(policy)
    }

    /// The validated policy answering now (see [`handle`](Cors::handle)).
    pub fn policy(&self) -> Policy {
        self.inner.load().policy.clone()
    }

    /// A handle through which the running app replaces this policy (or
    /// only its origins), validated as at startup; every worker answers
    /// from the new one from its next request on, `#[cors]` handlers merged
    /// from this `Cors` included. See [`CorsHandle`].
    pub fn handle(&self) -> CorsHandle {
        CorsHandle {
            live: Arc::clone(&self.inner),
        }
    }

    /// How many answers of the origin check are remembered now, for tests.
    #[doc(hidden)]
    pub fn __remembered_origins(&self) -> usize {
        self.inner
            .load()
            .origin_check
            .as_ref()
            .map_or(0, |check| check.remembered())
    }

    /// The log budget shared by every worker and `#[cors]` handler of this
    /// `Cors`, for tests.
    #[doc(hidden)]
    pub fn __log_budget(&self) -> &LogBudget {
        self.inner.diagnostics.budget()
    }

    /// Logs the effective policy and each risky choice, once per `Cors`.
    fn log_summary(&self) {
        if self.inner.summary_logged.swap(true, Ordering::Relaxed) {
            return;
        }
        let inner = self.inner.load();
        diagnostics::log_summary(
            &inner.policy,
            inner.switches.block_disallowed_origins,
            inner.switches.rejection_header,
            inner.origin_check.is_some(),
        );
    }
}

/// The restrictive default: no cross-origin access at all.
impl Default for Cors {
    fn default() -> Self {
        Cors::builder()
            .build()
            .unwrap_or_else(|e| unreachable!("the default policy is valid: {e}"))
    }
}

impl fmt::Debug for Cors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cors")
            .field("policy", &self.inner.load().policy)
            .field(
                "block_disallowed_origins",
                &self.inner.load().switches.block_disallowed_origins,
            )
            .field(
                "rejection_header",
                &self.inner.load().switches.rejection_header,
            )
            .finish()
    }
}

impl<S, B> Transform<S, ServiceRequest> for Cors
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    S::Future: 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Transform = CorsMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        self.log_summary();
        let nesting = Nesting::take::<S>(&self.inner.cell);
        let owner = self.inner.load();
        diagnostics::log_nesting(
            &owner.diagnostics,
            owner.switches.block_disallowed_origins,
            nesting.len(),
        );
        ready(Ok(CorsMiddleware::new(
            service,
            Arc::clone(&self.inner.cell),
            Role::Layer(nesting),
        )))
    }
}

/// Builds a [`Cors`]: the whole `cors-core` policy plus the middleware's own
/// switches. Method names follow actix-cors where the meaning is the same.
#[derive(Debug, Default)]
#[must_use]
pub struct CorsBuilder {
    policy: PolicyBuilder,
    switches: Switches,
    log_budget: LogBudgetConfig,
    origin_check: Option<CheckSpec>,
}

/// An asynchronous origin check as declared, built with the policy.
struct CheckSpec {
    check: Box<CheckFn>,
    config: OriginCheckConfig,
    exact: bool,
}

impl std::fmt::Debug for CheckSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OriginCheck")
            .field("config", &self.config)
            .field("exact", &self.exact)
            .finish_non_exhaustive()
    }
}

macro_rules! delegate {
    ($($(#[$doc:meta])* $name:ident($($arg:ident: $ty:ty),*) $(where $($bound:tt)+)?;)*) => {$(
        $(#[$doc])*
        pub fn $name(mut self, $($arg: $ty),*) -> Self $(where $($bound)+)? {
            self.policy = self.policy.$name($($arg),*);
            self
        }
    )*};
}

impl CorsBuilder {
    fn from_policy_builder(policy: PolicyBuilder) -> Self {
        CorsBuilder {
            policy,
            ..CorsBuilder::default()
        }
    }

    delegate! {
        /// Allows an origin (`https://app.example.com`), a subdomain pattern
        /// (`https://*.example.com`), a port wildcard (`http://localhost:*`),
        /// or `*`.
        allowed_origin(origin: &str);
        /// Allows any origin (`*`); refused together with credentials.
        allow_any_origin();
        /// Allows origins matching a regex, anchored to the whole origin.
        allowed_origin_regex(regex: &str);
        /// Lets `null` be written as an allowed origin (sandboxed iframes and
        /// local files send it: think twice).
        allow_null_origin(allow: bool);
        /// Allows any method.
        allow_any_method();
        /// Allows any request header (`*`, plus `authorization` when asked).
        allow_any_header();
        /// Allows any request header by echoing the requested list.
        mirror_request_headers();
        /// Exposes every response header (`*`); refused with credentials.
        expose_any_header();
        /// Allows credentialed requests.
        allow_credentials(allow: bool);
        /// Preflight cache lifetime in seconds (at most 86400).
        max_age(seconds: u64);
        /// Answers Private Network Access preflights: for older browsers
        /// (current Chromium uses Local Network Access, a permission prompt,
        /// and no longer sends them).
        allow_private_network(allow: bool);
        /// Sends `Timing-Allow-Origin` (the `Access-Control-Allow-Origin`
        /// value) on actual responses to allowed origins, so their pages can
        /// read these responses' detailed Resource Timing fields.
        timing_allow_origin(send: bool);
        /// The status of allowed preflights (`204` by default).
        preflight_status(status: PreflightStatus);
        /// Whether to emit `Vary` (on by default).
        vary(emit: bool);
        /// Allows methods exactly as written, lower case included (`patch`
        /// then matches only `fetch(…, { method: "patch" })`); without it a
        /// lower-case spelling of a well-known method is a build error.
        case_sensitive_methods(on: bool);
        /// Refuses state-changing cross-origin requests (any method but
        /// `GET`, `HEAD`, `OPTIONS`) from origins the policy does not
        /// allow, with `403`, before the handler runs: protection against
        /// cross-site request forgery, which CORS alone is not. Uses
        /// `Sec-Fetch-Site`, else compares `Origin` with `Host`. Off by
        /// default; recommended for cookie-authenticated apps. See
        /// `docs/cross-origin-protection.md`.
        cross_origin_protection(on: bool);
        /// With cross-origin protection and `*`, trusts every origin for
        /// state-changing requests too (by default `*` trusts none).
        cross_origin_writes_from_any_origin(trust: bool);
    }

    /// Allows each of these origins or patterns.
    pub fn allowed_origins<I, S>(mut self, origins: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.policy = self.policy.allowed_origins(origins);
        self
    }

    /// Allows origins for which `predicate` returns true (never called with `null`).
    pub fn allowed_origin_fn<F>(mut self, predicate: F) -> Self
    where
        F: Fn(&str) -> bool + Send + Sync + 'static,
    {
        self.policy = self.policy.allowed_origin_fn(predicate);
        self
    }

    /// Replaces the allowed methods (default `GET`, `HEAD`, `POST`).
    pub fn allowed_methods<I, S>(mut self, methods: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.policy = self.policy.allowed_methods(methods);
        self
    }

    /// Adds one allowed request header.
    pub fn allowed_header(self, header: impl AsRef<str>) -> Self {
        self.allowed_headers([header])
    }

    /// Adds allowed request headers.
    pub fn allowed_headers<I, S>(mut self, headers: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.policy = self.policy.allowed_headers(headers);
        self
    }

    /// Adds response headers scripts may read.
    pub fn expose_headers<I, S>(mut self, headers: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.policy = self.policy.expose_headers(headers);
        self
    }

    /// actix-cors's name for `allow_credentials(true)`.
    pub fn supports_credentials(self) -> Self {
        self.allow_credentials(true)
    }

    /// Answers actual requests from disallowed origins with `403 Forbidden`
    /// without running the handler (off by default: the handler runs and the
    /// browser hides the response). Same-origin requests are never blocked.
    pub fn block_disallowed_origins(mut self, block: bool) -> Self {
        self.switches.block_disallowed_origins = block;
        self
    }

    /// Reads the host a proxy forwarded (`Forwarded`, `X-Forwarded-Host`)
    /// when deciding whether a request is same-origin (blocking and
    /// cross-origin protection). Off by default: any client can send those
    /// headers, so turn it on only behind a proxy that sets them and drops
    /// the client's. Without it the `Host` header is compared, which
    /// proxies that keep `Host` need nothing more for.
    pub fn trust_forwarded_headers(mut self, trust: bool) -> Self {
        self.switches.trust_forwarded_headers = trust;
        self
    }

    /// Adds `X-Cors-Rejected: <reason>` to refused requests so the reason
    /// shows in the browser's network tab. **Development only**: it tells
    /// any client how the policy is set.
    pub fn rejection_header(mut self, enable: bool) -> Self {
        self.switches.rejection_header = enable;
        self
    }

    /// How many per-request explanations the log gets (refusals at `warn`,
    /// allowed requests at `debug`), so that hostile traffic cannot flood
    /// it. By default ([`LogBudgetConfig::default`]), per 60 s: the first
    /// refusal of each reason and origin is logged in full, repeats are only
    /// counted, and at most 100 lines are written however many origins are
    /// sent. What was held back is summed up in one `warn` line, written with
    /// the first explanation asked for after the 60 s (there is no background
    /// timer: with no further refusals, no summary).
    ///
    /// ```
    /// use std::time::Duration;
    /// use cors_actix::{Cors, LogBudgetConfig};
    ///
    /// // At most 20 lines per 5 minutes.
    /// let quiet = Cors::builder().log_budget(LogBudgetConfig {
    ///     window: Duration::from_secs(300),
    ///     max_full_lines: 20,
    ///     ..LogBudgetConfig::default()
    /// });
    /// // Every refusal logged, as in development.
    /// let chatty = Cors::builder().log_budget(LogBudgetConfig::unlimited());
    /// # let _ = (quiet.build(), chatty.build());
    /// ```
    pub fn log_budget(mut self, config: LogBudgetConfig) -> Self {
        self.log_budget = config;
        self
    }

    /// Validates the policy, reporting every problem at once.
    pub fn build(self) -> Result<Cors, ConfigError> {
        let policy = self.policy.clone().build()?;
        if policy.allows_credentials() && self.origin_check.as_ref().is_some_and(|s| !s.exact) {
            return Err(ConfigProblem::AsyncCheckWithCredentials.into());
        }
        Ok(self.finish(policy))
    }

    /// Allows, besides the origins the policy lists, the origins for which
    /// `check` resolves to `true`: a lookup in the app's database or tenant
    /// service, run on the worker (the future need not be `Send`). It is
    /// asked only about origins the static rules refuse (never `null`), and
    /// its answers, refusals included, are remembered for a time, in a
    /// bounded memory shared by every worker ([`origin_check_config`]):
    /// preflights and actual requests for one origin get one answer, and an
    /// attacker sending new origins costs at most `max_in_flight` lookups at
    /// a time.
    ///
    /// With credentials, also say [`origin_check_is_exact`] (the build
    /// refuses otherwise): every origin the check accepts can then read a
    /// logged-in user's data.
    ///
    /// [`origin_check_config`]: CorsBuilder::origin_check_config
    /// [`origin_check_is_exact`]: CorsBuilder::origin_check_is_exact
    ///
    /// ```
    /// use cors_actix::Cors;
    ///
    /// let cors = Cors::builder()
    ///     .allowed_origin("https://app.example.com")
    ///     .allowed_origin_async(|origin: String| async move {
    ///         // e.g. `SELECT 1 FROM tenant_origins WHERE origin = $1`
    ///         origin.ends_with(".tenants.example.com")
    ///     })
    ///     .build()?;
    /// # Ok::<(), cors_actix::ConfigError>(())
    /// ```
    pub fn allowed_origin_async<F, Fut>(mut self, check: F) -> Self
    where
        F: Fn(String) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = bool> + 'static,
    {
        let check: Box<CheckFn> = Box::new(move |origin| Box::pin(check(origin)));
        let (config, exact) = self
            .origin_check
            .take()
            .map_or((OriginCheckConfig::default(), false), |s| {
                (s.config, s.exact)
            });
        self.origin_check = Some(CheckSpec {
            check,
            config,
            exact,
        });
        self
    }

    /// How many answers of the origin check are remembered, for how long,
    /// and how many lookups may run at once (see [`OriginCheckConfig`]).
    pub fn origin_check_config(mut self, config: OriginCheckConfig) -> Self {
        if let Some(spec) = &mut self.origin_check {
            spec.config = config;
        }
        self
    }

    /// Declares that the origin check says yes only for exact origins the
    /// app trusts (a lookup of the whole origin, not a suffix match or a
    /// fallback that fails open): required with credentials.
    pub fn origin_check_is_exact(mut self, exact: bool) -> Self {
        if let Some(spec) = &mut self.origin_check {
            spec.exact = exact;
        }
        self
    }

    fn finish(self, policy: Policy) -> Cors {
        let check = self
            .origin_check
            .map(|spec| Arc::new(OriginCheck::new(spec.check, spec.config)));
        let owner = Owner::new(
            policy,
            self.switches,
            Arc::new(Diagnostics::new(self.log_budget)),
        )
        .with_origin_check(check);
        Cors {
            inner: Arc::new(Live::new(owner)),
        }
    }
}
