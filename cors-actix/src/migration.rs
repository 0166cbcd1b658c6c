//! actix-cors 0.7's names, so that code moved from actix-cors either
//! compiles (with a deprecation warning naming the new method) or fails
//! with an error that says what to write instead.
//!
//! Three kinds of name, chosen by whether the meaning carries over:
//!
//! - **Same meaning, other name** (`block_on_origin_mismatch`,
//!   `disable_vary_header`, `allow_private_network_access`, and
//!   `send_wildcard`, which has nothing left to do): a `#[deprecated]` method
//!   on [`CorsBuilder`] that does what the new one does. The code keeps
//!   working; the warning names the replacement.
//! - **A different meaning**: actix-cors's `Cors::default()` (and
//!   `Cors::permissive()`) start a builder chain, where here they return a
//!   finished, validated [`Cors`]; `disable_preflight()` has no counterpart.
//!   Silently starting a new builder would throw away the policy a `Cors`
//!   was built with (think `Cors::from_env().max_age(600)`), so these are
//!   compile errors. Each is a hidden method whose `where` clause can never
//!   hold; its trait's `#[diagnostic::on_unimplemented]` message is the fix.
//! - **A forgotten `.build()`**: `.wrap(builder)` and `builder.clone()`
//!   fail the same way, naming `.build()`. `CorsBuilder` deliberately does
//!   not become middleware by building itself when the app starts: actix
//!   gives a `Transform` no way to report why it failed ("Can not start
//!   server service 0"), and this crate's rule is that a broken policy
//!   stops `main` with every problem listed, before any socket is bound.
//!
//! Each case has a test in `tests/ui/` (`pass/` for the deprecated names,
//! `fail/` with the exact message for the rest), run by `cors-macros`'s
//! trybuild runner (`cargo test -p cors-macros --test ui`) in the same
//! throwaway crate as its own cases, so that actix-web is compiled for
//! them once.
//!
//! The `where for<'a> &'a T: Trait<'a>` form is what makes rustc lead with
//! the trait's own message: a bound without the higher-ranked lifetime is
//! either rejected where it is written (a trivially false bound) or
//! reported as a plain "trait bound not satisfied".

use actix_service::{Service, Transform};
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{RequestHead, ServiceRequest, ServiceResponse};
use actix_web::http::header::HeaderValue;
use futures_util::future::{ready, Ready};

use crate::{Cors, CorsBuilder, CorsMiddleware};

/// Never implemented: the bound of actix-cors's builder methods on [`Cors`].
#[diagnostic::on_unimplemented(
    message = "`Cors` is a finished policy in cors-actix, not a builder as in actix-cors",
    label = "`Cors` has no builder methods",
    note = "start the chain with `Cors::builder()` instead of `Cors::default()` or \
            `Cors::permissive()`, and end it with `.build()`, which returns every problem \
            of the policy at once (docs/migration-from-actix-cors.md, \"Before and after\")"
)]
pub trait StartWithCorsBuilder<'a> {}

/// Never implemented: the bound of `App::service` on a `#[cors]` handler,
/// which is registered through `Cors::handlers` instead.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "a `#[cors(...)]` handler is registered with `cors.handlers(...)`, not `App::service`",
    label = "write `.service(cors.handlers(handler))` here",
    note = "`cors.handlers(...)` merges the handler's settings with the app-wide `Cors` once, \
            while the app is built, and registers the `OPTIONS` routes that answer its preflights; \
            several handlers go in one tuple: `cors.handlers((a, b))`"
)]
pub trait RegisterWithCorsHandlers<'a> {}

/// Never implemented: the bound of what a `CorsBuilder` cannot do until it
/// is built.
#[diagnostic::on_unimplemented(
    message = "a `CorsBuilder` is not the middleware: call `.build()` first",
    label = "this is a `CorsBuilder`; `.build()` makes the `Cors`",
    note = "`.build()` validates the policy and returns `Result<Cors, ConfigError>` listing every \
            problem: build it once in `main`, before `HttpServer::new`, handle the error there \
            (`?`, or `.expect(\"a valid CORS policy\")`), and `.wrap(cors.clone())` in the closure"
)]
pub trait BuildCorsFirst<'a> {}

/// Never implemented: the bound of actix-cors's `disable_preflight()`.
#[diagnostic::on_unimplemented(
    message = "cors-actix has no `disable_preflight()`: preflights are always answered from the policy",
    label = "no counterpart in cors-actix",
    note = "delete the call; for a different policy on some routes, wrap that `Scope` or \
            `Resource` with its own `Cors`, or put `#[cors(...)]` on the handler \
            (docs/migration-from-actix-cors.md, \"No `disable_preflight`\")"
)]
pub trait NoDisablePreflight<'a> {}

/// actix-cors's builder methods, called on a finished `Cors` (usually
/// `Cors::default()`): each is a compile error naming `Cors::builder()`.
/// The bodies never run.
#[doc(hidden)]
#[allow(private_bounds, clippy::needless_pass_by_value)]
impl Cors {
    pub fn allowed_origin(self, _origin: &str) -> CorsBuilder
    where
        for<'a> &'a Cors: StartWithCorsBuilder<'a>,
    {
        Cors::builder()
    }

    pub fn allowed_origin_fn<F>(self, _predicate: F) -> CorsBuilder
    where
        F: Fn(&HeaderValue, &RequestHead) -> bool,
        for<'a> &'a Cors: StartWithCorsBuilder<'a>,
    {
        Cors::builder()
    }

    pub fn allowed_methods<M>(self, _methods: M) -> CorsBuilder
    where
        for<'a> &'a Cors: StartWithCorsBuilder<'a>,
    {
        Cors::builder()
    }

    pub fn allowed_header<H>(self, _header: H) -> CorsBuilder
    where
        for<'a> &'a Cors: StartWithCorsBuilder<'a>,
    {
        Cors::builder()
    }

    pub fn allowed_headers<H>(self, _headers: H) -> CorsBuilder
    where
        for<'a> &'a Cors: StartWithCorsBuilder<'a>,
    {
        Cors::builder()
    }

    pub fn expose_headers<H>(self, _headers: H) -> CorsBuilder
    where
        for<'a> &'a Cors: StartWithCorsBuilder<'a>,
    {
        Cors::builder()
    }

    pub fn max_age<A>(self, _seconds: A) -> CorsBuilder
    where
        for<'a> &'a Cors: StartWithCorsBuilder<'a>,
    {
        Cors::builder()
    }

    pub fn block_on_origin_mismatch(self, _block: bool) -> CorsBuilder
    where
        for<'a> &'a Cors: StartWithCorsBuilder<'a>,
    {
        Cors::builder()
    }

    pub fn allow_any_origin(self) -> CorsBuilder
    where
        for<'a> &'a Cors: StartWithCorsBuilder<'a>,
    {
        Cors::builder()
    }

    pub fn allow_any_method(self) -> CorsBuilder
    where
        for<'a> &'a Cors: StartWithCorsBuilder<'a>,
    {
        Cors::builder()
    }

    pub fn allow_any_header(self) -> CorsBuilder
    where
        for<'a> &'a Cors: StartWithCorsBuilder<'a>,
    {
        Cors::builder()
    }

    pub fn expose_any_header(self) -> CorsBuilder
    where
        for<'a> &'a Cors: StartWithCorsBuilder<'a>,
    {
        Cors::builder()
    }

    pub fn supports_credentials(self) -> CorsBuilder
    where
        for<'a> &'a Cors: StartWithCorsBuilder<'a>,
    {
        Cors::builder()
    }

    pub fn send_wildcard(self) -> CorsBuilder
    where
        for<'a> &'a Cors: StartWithCorsBuilder<'a>,
    {
        Cors::builder()
    }

    pub fn disable_vary_header(self) -> CorsBuilder
    where
        for<'a> &'a Cors: StartWithCorsBuilder<'a>,
    {
        Cors::builder()
    }

    pub fn disable_preflight(self) -> CorsBuilder
    where
        for<'a> &'a Cors: StartWithCorsBuilder<'a>,
    {
        Cors::builder()
    }

    pub fn allow_private_network_access(self) -> CorsBuilder
    where
        for<'a> &'a Cors: StartWithCorsBuilder<'a>,
    {
        Cors::builder()
    }
}

/// actix-cors's names for builder methods that exist here under another
/// name: they compile, and the deprecation warning names the new method.
impl CorsBuilder {
    /// actix-cors's name for [`block_disallowed_origins`](Self::block_disallowed_origins).
    #[deprecated(
        note = "actix-cors's name: use `block_disallowed_origins(block)` (refused requests get 403, \
                and same-origin requests are never blocked)"
    )]
    pub fn block_on_origin_mismatch(self, block: bool) -> Self {
        self.block_disallowed_origins(block)
    }

    /// actix-cors's name for [`vary(false)`](Self::vary).
    #[deprecated(note = "actix-cors's name: use `vary(false)`")]
    pub fn disable_vary_header(self) -> Self {
        self.vary(false)
    }

    /// actix-cors's name for [`allow_private_network(true)`](Self::allow_private_network).
    #[deprecated(note = "actix-cors's name: use `allow_private_network(true)`")]
    pub fn allow_private_network_access(self) -> Self {
        self.allow_private_network(true)
    }

    /// Does nothing: any origin without credentials is always answered
    /// with `*`, and with credentials a `*` is refused by browsers (and by
    /// [`build`](Self::build)).
    #[deprecated(
        note = "nothing to replace it with: cors-actix answers `Access-Control-Allow-Origin: *` \
                whenever any origin is allowed without credentials; delete this call"
    )]
    pub fn send_wildcard(self) -> Self {
        self
    }
}

/// What a `CorsBuilder` cannot do: compile errors naming the fix. The
/// bodies never run.
#[allow(private_bounds)]
impl CorsBuilder {
    #[doc(hidden)]
    pub fn disable_preflight(self) -> Self
    where
        for<'a> &'a CorsBuilder: NoDisablePreflight<'a>,
    {
        self
    }

    /// `cors.clone()` on a builder: the `.wrap(cors.clone())` of the README
    /// with `.build()` forgotten. An inherent method, so it is found before
    /// any trait's `clone` (`CorsBuilder` is not `Clone`; if it ever
    /// becomes `Clone`, this method must go).
    #[doc(hidden)]
    #[allow(clippy::should_implement_trait)]
    pub fn clone(&self) -> Cors
    where
        for<'a> &'a CorsBuilder: BuildCorsFirst<'a>,
    {
        Cors::default()
    }
}

/// `.wrap(builder)` with `.build()` forgotten. The bound on `&CorsBuilder`
/// never holds, so this impl is never used; it exists so that the error
/// is `BuildCorsFirst`'s message instead of a list of every `Transform`.
/// Hidden from the docs: it is not something `CorsBuilder` can do.
#[doc(hidden)]
#[allow(private_bounds)]
impl<S, B> Transform<S, ServiceRequest> for CorsBuilder
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    S::Future: 'static,
    B: MessageBody + 'static,
    for<'a> &'a CorsBuilder: BuildCorsFirst<'a>,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Transform = CorsMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, _service: S) -> Self::Future {
        ready(Err(()))
    }
}

/// The migration guide's code (before and after), compiled as doc tests.
/// (`diagnostics.rs` includes it too; once that copy is gone, this is the
/// one.)
#[cfg(doctest)]
#[doc = include_str!("../../docs/migration-from-actix-cors.md")]
struct MigrationGuideDoctests;
/// The crates' own README files (their first page on crates.io), compiled
/// as doc tests here, where all three crates are in scope.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct CorsActixReadmeDoctests;

#[cfg(doctest)]
#[doc = include_str!("../../cors-core/README.md")]
struct CorsCoreReadmeDoctests;

#[cfg(doctest)]
#[doc = include_str!("../../cors-macros/README.md")]
struct CorsMacrosReadmeDoctests;
