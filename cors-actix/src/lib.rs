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

#![forbid(unsafe_code)]

mod cors;
mod diagnostics;
mod middleware;
mod request;
mod response;
mod routes;

pub use cors::{Cors, CorsBuilder};
pub use cors_core::{
    ConfigError, ConfigProblem, ConfigWarning, Policy, PolicyBuilder, PreflightStatus, Setting,
};
pub use middleware::{CorsFuture, CorsMiddleware};

/// Items used by code that `#[cors(...)]` generates. Not public API.
#[doc(hidden)]
pub mod __private {
    pub use actix_web;
    pub use cors_core::PolicyOverride;
}

/// The README's code blocks, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;
