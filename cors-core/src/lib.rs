//! Framework-agnostic CORS policies and the decision engine, to the letter
//! of the WHATWG Fetch standard.
//!
//! A [`Policy`] is declared with a [`PolicyBuilder`] and validated once, by
//! [`build`](PolicyBuilder::build): every problem (credentials with `*`, an
//! origin with a trailing slash, a forbidden method, …) is reported at once as
//! a [`ConfigError`], never as a panic at request time. The validated policy
//! then [decides](Policy::decide) each request: not CORS, an actual request
//! or a preflight; allowed, or refused with a [`Rejection`] saying why; and
//! the exact [`ResponseHeaders`] to add, borrowed, without allocating.
//!
//! ```
//! use cors_core::{CorsRequest, Policy, RequestKind};
//!
//! let policy = Policy::builder()
//!     .allowed_origins(["https://app.example.com", "https://*.preview.example.com"])
//!     .allowed_methods(["GET", "POST", "DELETE"])
//!     .allowed_headers(["content-type", "authorization"])
//!     .expose_headers(["x-request-id"])
//!     .allow_credentials(true)
//!     .max_age(600)
//!     .build()?;
//!
//! // The preflight a browser sends before `fetch(url, { method: "DELETE", … })`.
//! let preflight = CorsRequest::new("OPTIONS")
//!     .origin("https://pr-42.preview.example.com")
//!     .request_method("DELETE")
//!     .request_headers("authorization,content-type");
//! let decision = policy.decide(&preflight);
//! assert_eq!(decision.kind(), RequestKind::Preflight);
//! assert!(decision.is_allowed());
//! let headers = decision.headers();
//! assert_eq!(headers.allow_origin(), Some("https://pr-42.preview.example.com"));
//! assert_eq!(headers.get("access-control-allow-credentials"), Some("true"));
//! assert_eq!(headers.get("access-control-allow-methods"), Some("GET, POST, DELETE"));
//! assert_eq!(headers.get("vary"), Some("Origin, Access-Control-Request-Method, Access-Control-Request-Headers"));
//!
//! // An origin that is not allowed gets no `Access-Control-Allow-*` header,
//! // only `Vary`, and a reason for the log.
//! let other = CorsRequest::new("GET").origin("https://evil.example");
//! let decision = policy.decide(&other);
//! assert_eq!(decision.rejection().unwrap().to_string(),
//!            "origin `https://evil.example` is not in the allowed origins");
//! assert_eq!(decision.headers().iter().count(), 0);
//! # Ok::<(), cors_core::ConfigError>(())
//! ```
//!
//! Invalid policies say what is wrong and what would be valid:
//!
//! ```
//! let err = cors_core::Policy::builder()
//!     .allowed_origin("https://a.com/")
//!     .allowed_methods(["GET", "CONNECT"])
//!     .build()
//!     .unwrap_err();
//! assert_eq!(err.to_string(), "\
//! invalid CORS policy (2 problems):
//!   - invalid origin `https://a.com/` (builder method `allowed_origin`): an origin has no path, query, fragment or trailing slash; did you mean `https://a.com`?
//!   - forbidden method `CONNECT` (builder method `allowed_methods`): browsers never let scripts send CONNECT, TRACE or TRACK; remove it");
//! ```

#![forbid(unsafe_code)]

mod allow_headers;
mod allow_methods;
pub mod cross_origin;
mod decision;
mod env;
mod error;
mod expose_headers;
mod log_budget;
mod merge;
mod origin;
mod origin_check;
mod origin_set;
mod policy;
mod request_headers;
mod setting;
mod token;
mod vary;

pub use allow_methods::is_forbidden as is_forbidden_method;
pub use cross_origin::{CrossOriginRefusal, WriteRequest};
pub use decision::{
    header, CorsRequest, Decision, Escaped, FieldLines, HeaderField, Rejection, RequestKind,
    ResponseHeaders, MAX_FIELD_LINES,
};
pub use env::{builder_from_lookup, builder_from_variables, unknown_variables, UnknownVariable};
pub use error::{ConfigError, ConfigProblem, ConfigWarning, OriginError};
pub use log_budget::{Admission, DistinctKeys, LogBudget, LogBudgetConfig, Summary};
pub use merge::PolicyOverride;
pub use origin_check::{OriginAnswers, OriginCheckConfig};
pub use origin_set::OriginPredicate;
pub use policy::{
    Policy, PolicyBuilder, PreflightStatus, CHROMIUM_MAX_AGE, MAX_AGE_LIMIT, WEBKIT_MAX_AGE,
};
pub use request_headers::{MalformedHeaders, MAX_REQUEST_HEADERS_LEN};
pub use setting::{closest, Location, Provenance, Setting};
pub use vary::Vary;
