//! [`Owner`]: one validated policy with everything answering for it needs,
//! whether it is a `Cors` layer's or a `#[cors]` handler's merged policy.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use actix_web::http::header::{HeaderMap, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};
use cors_core::{CorsRequest, Decision, Policy};

use crate::diagnostics::{self, Diagnostics, Facts, Outcome};
use crate::response::{add_rejection_header, apply_with_origin, preflight_response, FixedValues};

/// A policy and how to answer for it.
#[derive(Debug)]
pub(crate) struct Owner {
    pub(crate) policy: Policy,
    /// The policy's header values, converted once.
    pub(crate) fixed: FixedValues,
    pub(crate) block_disallowed_origins: bool,
    pub(crate) rejection_header: bool,
    /// Set once the startup summary has been logged (once per `Cors`, not
    /// per worker; always set for a handler's merged policy).
    pub(crate) summary_logged: AtomicBool,
    /// What the log has already said: shared by every worker, and by the
    /// `#[cors]` handlers merged from one `Cors`.
    pub(crate) diagnostics: Arc<Diagnostics>,
    /// A `#[cors]` handler's merged policy: its log lines name the route's
    /// full pattern.
    pub(crate) handler: bool,
}

impl Owner {
    pub(crate) fn new(
        policy: Policy,
        block_disallowed_origins: bool,
        rejection_header: bool,
        diagnostics: Arc<Diagnostics>,
    ) -> Self {
        Owner {
            fixed: FixedValues::new(&policy),
            policy,
            block_disallowed_origins,
            rejection_header,
            summary_logged: AtomicBool::new(false),
            diagnostics,
            handler: false,
        }
    }

    /// A `#[cors]` handler's merged policy, sharing the diagnostics of the
    /// `Cors` it was merged from.
    pub(crate) fn for_handler(policy: Policy, base: &Owner) -> Self {
        Owner {
            summary_logged: AtomicBool::new(true),
            handler: true,
            ..Owner::new(
                policy,
                base.block_disallowed_origins,
                base.rejection_header,
                Arc::clone(&base.diagnostics),
            )
        }
    }

    /// Answers a preflight, explained in the log.
    pub(crate) fn answer_preflight(
        &self,
        req: &HttpRequest,
        request: &CorsRequest<'_>,
    ) -> HttpResponse {
        let decision = self.policy.decide(request);
        self.log(req, &decision, Outcome::Preflight);
        preflight_response(
            &decision,
            &self.policy,
            req.headers(),
            &self.fixed,
            self.rejection_header,
        )
    }

    /// Explains a decision in the log. Costs one level check when nobody
    /// listens at the decision's level (`debug` for allowed, `warn` for
    /// refused).
    pub(crate) fn log(&self, req: &HttpRequest, decision: &Decision<'_>, outcome: Outcome) {
        if !diagnostics::worth_logging(req, decision) {
            return;
        }
        if decision.is_allowed() {
            diagnostics::allowed(&self.diagnostics, req, decision, &self.policy);
        } else {
            // Only a handler's provenance names a path; routing knows it whole.
            let route = self.handler.then(|| req.match_pattern()).flatten();
            let facts = Facts::of(req).at_route(route.as_deref());
            diagnostics::explain(&self.diagnostics, &facts, outcome, decision, &self.policy);
        }
    }

    /// Adds an actual request's decision to its response headers. Takes the
    /// decision already made, so the policy (and a user's origin predicate)
    /// runs once per request.
    pub(crate) fn decorate(
        &self,
        decision: &Decision<'_>,
        request_origin: Option<&HeaderValue>,
        response_headers: &mut HeaderMap,
    ) {
        apply_with_origin(decision, request_origin, response_headers, &self.fixed);
        if self.rejection_header {
            add_rejection_header(decision, response_headers);
        }
    }
}
