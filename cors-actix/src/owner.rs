//! [`Owner`]: one validated policy with everything answering for it needs,
//! whether it is a `Cors` layer's or a `#[cors]` handler's merged policy.

use std::sync::Arc;

use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};
use cors_core::{CorsRequest, Decision, Policy, Vary, WriteRequest};

use crate::diagnostics::{self, Diagnostics, Facts, Outcome};
use crate::origin_check::{Need, OriginCheck};
use crate::request::{cors_request, field, is_same_origin, request_host};
use crate::response::{
    add_rejection_header, apply_with_origin, preflight_response, set_rejection_header, FixedValues,
};

/// Fetch metadata: where the request comes from, relative to its target.
const SEC_FETCH_SITE: HeaderName = HeaderName::from_static("sec-fetch-site");

/// The middleware's own switches (beside the policy).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Switches {
    pub(crate) block_disallowed_origins: bool,
    pub(crate) rejection_header: bool,
    /// Read the host a proxy forwarded (`Forwarded`, `X-Forwarded-Host`)
    /// for same-origin checks: only behind a proxy the app declared.
    pub(crate) trust_forwarded_headers: bool,
}

/// A policy and how to answer for it.
#[derive(Debug)]
pub(crate) struct Owner {
    pub(crate) policy: Policy,
    /// The policy's header values, converted once.
    pub(crate) fixed: FixedValues,
    /// The middleware's own switches, as given to the builder.
    pub(crate) switches: Switches,
    /// What the log has already said: shared by every worker, and by the
    /// `#[cors]` handlers merged from one `Cors`.
    pub(crate) diagnostics: Arc<Diagnostics>,
    /// A `#[cors]` handler's merged policy: its log lines name the route's
    /// full pattern.
    pub(crate) handler: bool,
    /// The asynchronous origin check, asked for origins the policy refuses.
    pub(crate) origin_check: Option<Arc<OriginCheck>>,
    /// The whole answer to a request without `Origin`, when it is only
    /// `Vary` (`None`: a static `*` answer, decided per request).
    pub(crate) no_origin_vary: Option<Vary>,
}

impl Owner {
    pub(crate) fn new(policy: Policy, switches: Switches, diagnostics: Arc<Diagnostics>) -> Self {
        let not_cors = policy.decide(&CorsRequest::new("GET"));
        let no_origin_vary = not_cors
            .headers()
            .allow_origin()
            .is_none()
            .then(|| not_cors.headers().vary());
        Owner {
            no_origin_vary,
            fixed: FixedValues::new(&policy),
            policy,
            switches,
            diagnostics,
            handler: false,
            origin_check: None,
        }
    }

    /// This owner, asking `check` about origins its policy refuses.
    pub(crate) fn with_origin_check(mut self, check: Option<Arc<OriginCheck>>) -> Self {
        self.origin_check = check;
        self
    }

    /// Whether the origin check allows the request's origin (asked now if
    /// it has not answered; `false` without a check or when the static
    /// rules decide).
    pub(crate) async fn check_origin(&self, headers: &HeaderMap) -> bool {
        let Some(check) = &self.origin_check else {
            return false;
        };
        match check.need(headers, &self.policy) {
            Need::Nothing => false,
            Need::Answered(allowed) => allowed,
            Need::Ask(origin) => Arc::clone(check).ask(origin).await,
        }
    }

    /// [`check_origin`](Self::check_origin) from remembered answers only.
    pub(crate) fn checked_already(&self, headers: &HeaderMap) -> bool {
        self.origin_check
            .as_ref()
            .is_some_and(|check| matches!(check.need(headers, &self.policy), Need::Answered(true)))
    }

    /// Decides a request; `checked`: the origin check allowed its origin.
    #[inline]
    pub(crate) fn decide<'a>(&'a self, request: &CorsRequest<'a>, checked: bool) -> Decision<'a> {
        self.policy.decide_with(request, checked)
    }

    /// A `#[cors]` handler's merged policy, sharing the diagnostics of the
    /// `Cors` it was merged from, and its origin check unless the handler
    /// names its own origins.
    pub(crate) fn for_handler(policy: Policy, base: &Owner, own_origins: bool) -> Self {
        Owner {
            handler: true,
            origin_check: if own_origins {
                None
            } else {
                base.origin_check.clone()
            },
            ..Owner::new(policy, base.switches, Arc::clone(&base.diagnostics))
        }
    }

    /// Whether the request's `Origin` names the host it was sent to.
    pub(crate) fn is_same_origin(&self, req: &HttpRequest) -> bool {
        is_same_origin(req, self.switches.trust_forwarded_headers)
    }

    /// A `403` for a state-changing request cross-origin protection
    /// refuses, with the CORS headers the policy gives (so a front end can
    /// read why), explained in the log; `None` when it passes.
    pub(crate) fn refuse_cross_origin(
        &self,
        req: &HttpRequest,
        checked: bool,
    ) -> Option<HttpResponse> {
        let headers = req.headers();
        let sec_fetch_site = headers.get(SEC_FETCH_SITE).map(HeaderValue::as_bytes);
        // The host matters only without fetch metadata.
        let host = sec_fetch_site
            .is_none()
            .then(|| request_host(req, self.switches.trust_forwarded_headers))
            .flatten();
        let write = WriteRequest {
            method: req.method().as_str(),
            origin: field(headers, &header::ORIGIN),
            sec_fetch_site,
            host: host.as_deref(),
            origin_allowed_elsewhere: checked,
        };
        let refusal = self.policy.check_cross_origin(&write).err()?;
        diagnostics::explain_cross_origin(&self.diagnostics, req, &refusal, &self.policy);
        let decision = self.decide(&cors_request(req.head()), checked);
        let mut res = HttpResponse::Forbidden().finish();
        self.decorate(&decision, headers.get(header::ORIGIN), res.headers_mut());
        if self.switches.rejection_header {
            set_rejection_header(res.headers_mut(), refusal.code(), refusal);
        }
        Some(res)
    }

    /// Answers a preflight, explained in the log.
    #[inline]
    pub(crate) fn answer_preflight(
        &self,
        req: &HttpRequest,
        request: &CorsRequest<'_>,
        checked: bool,
    ) -> HttpResponse {
        let decision = self.decide(request, checked);
        self.log(req, &decision, Outcome::Preflight);
        preflight_response(
            &decision,
            &self.policy,
            req.headers(),
            &self.fixed,
            self.switches.rejection_header,
        )
    }

    /// Explains a decision in the log. Costs one level check when nobody
    /// listens at the decision's level (`debug` for allowed, `warn` for
    /// refused); says whether somebody does.
    #[inline]
    pub(crate) fn log(&self, req: &HttpRequest, decision: &Decision<'_>, outcome: Outcome) -> bool {
        if !diagnostics::worth_logging(req, decision) {
            return false;
        }
        if decision.is_allowed() {
            diagnostics::allowed(&self.diagnostics, req, decision, &self.policy);
        } else {
            // Only a handler's provenance names a path; routing knows it whole.
            let route = self.handler.then(|| req.match_pattern()).flatten();
            let facts = Facts::of(req).at_route(route.as_deref());
            diagnostics::explain(&self.diagnostics, &facts, outcome, decision, &self.policy);
        }
        true
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
        if self.switches.rejection_header {
            add_rejection_header(decision, response_headers);
        }
    }
}
