//! CORS middleware for actix-web 4, correct to the letter of the Fetch
//! standard, safe by default, and able to explain every rejection.
//!
//! ```no_run
//! use actix_web::{get, App, HttpServer, Responder};
//! use cors_actix::Cors;
//!
//! #[get("/api/items")]
//! async fn items() -> impl Responder { "[]" }
//!
//! #[actix_web::main]
//! async fn main() -> std::io::Result<()> {
//!     let cors = Cors::from_env();
//!     HttpServer::new(move || App::new().wrap(cors.clone()).service(items))
//!         .bind(("127.0.0.1", 8080))?
//!         .run()
//!         .await
//! }
//! ```
//!
//! # Who answers a request
//!
//! Every request is answered by exactly one policy, the most specific that
//! owns it: a `#[cors]` handler's merged policy for its route and method
//! (see [`Cors::handlers`]); else the innermost [`Cors`] wrapped on a scope
//! or resource that routing enters; else the app-wide `Cors`. A preflight is
//! owned by whoever owns the request it announces. Ownership follows
//! routing (the percent-decoded path and the method), and no response
//! carries two policies' headers. The README's "Who answers a request"
//! shows each composition.

#![forbid(unsafe_code)]

mod cors;
mod diagnostics;
mod live;
mod migration;
mod origin_check;
mod owner;
mod ownership;
mod request;
mod response;
mod routes;
mod service;

pub use cors::{Cors, CorsBuilder};
pub use cors_core::LogBudgetConfig;
pub use cors_core::{
    ConfigError, ConfigProblem, ConfigWarning, OriginCheckConfig, Policy, PolicyBuilder,
    PreflightStatus, Setting,
};
pub use live::CorsHandle;
pub use routes::{CorsHandler, CorsHandlers, HandlerGroup};
pub use service::{CorsFuture, CorsMiddleware};

/// A per-handler CORS policy, merged with the app-wide one; register the
/// handlers with [`Cors::handlers`].
#[cfg(feature = "macros")]
pub use cors_macros::cors;

/// Items used by code that `#[cors(...)]` generates. Not public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::migration::RegisterWithCorsHandlers;
    pub use crate::routes::{
        method_guard, strings, CorsHandler, HandlerInfo, HandlerLayer, RegisterContext, RouteInfo,
    };
    pub use actix_web;
    pub use core::default::Default;
    pub use core::option::Option::Some;
    pub use cors_core::PolicyOverride;
}

/// The cross-origin protection guide's code blocks, as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../../docs/cross-origin-protection.md")]
struct CrossOriginProtectionDoctests;

/// The README's code blocks, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;
