//! The per-worker service: answers preflights, decorates every other response.

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{ready, Context, Poll};

use actix_service::Service;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderMap, HeaderValue};
use actix_web::http::Method;
use actix_web::{Error, HttpRequest, HttpResponse};
use cors_core::{Decision, RequestKind};
use pin_project_lite::pin_project;

use crate::cors::Cors;
use crate::diagnostics::{self, Facts, Outcome};
use crate::request::{cors_request, is_same_origin, RequestSnapshot};
use crate::response::{add_rejection_header, apply_with_origin, preflight_response};
use crate::routes;

/// The service [`Cors`] wraps around an app, scope or resource.
#[derive(Debug)]
pub struct CorsMiddleware<S> {
    service: S,
    cors: Rc<Cors>,
}

impl<S> CorsMiddleware<S> {
    pub(crate) fn new(service: S, cors: Rc<Cors>) -> Self {
        CorsMiddleware { service, cors }
    }
}

impl<S, B> Service<ServiceRequest> for CorsMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
    S::Future: 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Future = CorsFuture<S::Future, B>;

    actix_service::forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let inner = &self.cors.inner;

        // A preflight is always `OPTIONS`: other methods skip reading the
        // `Access-Control-Request-*` headers. A preflight is answered here,
        // without running any handler, unless an annotated handler's own
        // route answers it with its merged policy.
        if req.method() == Method::OPTIONS {
            let request = cors_request(req.head());
            if request.is_preflight() && !routes::answers_preflight(&req) {
                let decision = inner.policy.decide(&request);
                log(req.request(), &decision, &self.cors, Outcome::Preflight);
                let res = preflight_response(
                    &decision,
                    &inner.policy,
                    req.headers(),
                    &inner.fixed,
                    inner.rejection_header,
                );
                return CorsFuture::done(req.into_response(res));
            }
        }

        // Routing needs the request unshared, so keep what deciding and the
        // error path need: method and origin (cheap clones). For a request
        // that is not a preflight, the engine reads nothing else.
        let snapshot = RequestSnapshot::new(&req);
        if inner.block_disallowed_origins && snapshot.origin.is_some() {
            let decision = inner.policy.decide(&snapshot.cors_request());
            if !decision.is_allowed()
                && !is_same_origin(req.request())
                && !routes::answers_preflight(&req)
            {
                log(req.request(), &decision, &self.cors, Outcome::Blocked);
                let mut res = HttpResponse::Forbidden().finish();
                decorate(
                    &decision,
                    snapshot.origin.as_ref(),
                    res.headers_mut(),
                    &self.cors,
                );
                return CorsFuture::done(req.into_response(res));
            }
        }

        CorsFuture::inner(self.service.call(req), snapshot, Rc::clone(&self.cors))
    }
}

/// Explains a decision in the log. Costs one level check when nobody listens
/// at the decision's level (`debug` for allowed, `warn` for refused).
fn log(req: &HttpRequest, decision: &Decision<'_>, cors: &Cors, outcome: Outcome) {
    if !diagnostics::worth_logging(req, decision) {
        return;
    }
    if decision.is_allowed() {
        diagnostics::allowed(&cors.inner.diagnostics, req, decision, cors.policy());
    } else {
        let facts = Facts::of(req);
        diagnostics::explain(
            &cors.inner.diagnostics,
            &facts,
            outcome,
            decision,
            cors.policy(),
        );
    }
}

/// Adds an actual request's decision to its response headers. Takes the
/// decision already made, so the policy (and a user's origin predicate) runs
/// once per request.
fn decorate(
    decision: &Decision<'_>,
    request_origin: Option<&HeaderValue>,
    response_headers: &mut HeaderMap,
    cors: &Cors,
) {
    let inner = &cors.inner;
    apply_with_origin(decision, request_origin, response_headers, &inner.fixed);
    if inner.rejection_header {
        add_rejection_header(decision, response_headers);
    }
}

pin_project! {
    /// The future of [`CorsMiddleware`]'s responses: no boxing per request.
    pub struct CorsFuture<F, B> {
        #[pin]
        state: State<F>,
        body: PhantomData<B>,
    }
}

pin_project! {
    #[project = StateProj]
    enum State<F> {
        // Answered without calling the inner service.
        Done { response: Option<ServiceResponse> },
        // Waiting for the inner service.
        Inner {
            #[pin]
            future: F,
            context: Option<(RequestSnapshot, Rc<Cors>)>,
        },
    }
}

impl<F, B> CorsFuture<F, B> {
    fn done(response: ServiceResponse) -> Self {
        CorsFuture {
            state: State::Done {
                response: Some(response),
            },
            body: PhantomData,
        }
    }

    fn inner(future: F, snapshot: RequestSnapshot, cors: Rc<Cors>) -> Self {
        CorsFuture {
            state: State::Inner {
                future,
                context: Some((snapshot, cors)),
            },
            body: PhantomData,
        }
    }
}

impl<F, B> Future for CorsFuture<F, B>
where
    F: Future<Output = Result<ServiceResponse<B>, Error>>,
    B: MessageBody + 'static,
{
    type Output = Result<ServiceResponse<EitherBody<B>>, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().state.project() {
            StateProj::Done { response } => match response.take() {
                Some(res) => Poll::Ready(Ok(res.map_into_right_body())),
                None => Poll::Pending,
            },
            StateProj::Inner { future, context } => {
                let result = ready!(future.poll(cx));
                let Some((snapshot, cors)) = context.take() else {
                    return Poll::Pending;
                };
                Poll::Ready(match result {
                    Ok(res) => {
                        let (request, mut response) = res.into_parts();
                        if !routes::handled_by_route(&response) {
                            let decision = cors.policy().decide(&snapshot.cors_request());
                            log(&request, &decision, &cors, Outcome::HandlerRan);
                            decorate(
                                &decision,
                                snapshot.origin.as_ref(),
                                response.headers_mut(),
                                &cors,
                            );
                            if decision.is_allowed() && diagnostics::debug_enabled() {
                                cors.inner.diagnostics.report_hidden_headers(
                                    &Facts::of(&request),
                                    &decision,
                                    response.headers(),
                                    cors.policy(),
                                );
                            }
                        }
                        Ok(ServiceResponse::new(request, response).map_into_left_body())
                    }
                    Err(mut err) => {
                        let decision = cors.policy().decide(&snapshot.cors_request());
                        if decision.kind() != RequestKind::NotCors && !decision.is_allowed() {
                            diagnostics::explain(
                                &cors.inner.diagnostics,
                                &snapshot.facts(),
                                Outcome::HandlerRan,
                                &decision,
                                cors.policy(),
                            );
                        }
                        // The error becomes a response later; decorate it then,
                        // unless an annotated handler's route already did.
                        err.add_response_mapper(move |mut res| {
                            if !routes::handled_by_route(&res) {
                                let decision = cors.policy().decide(&snapshot.cors_request());
                                decorate(
                                    &decision,
                                    snapshot.origin.as_ref(),
                                    res.headers_mut(),
                                    &cors,
                                );
                            }
                            res
                        });
                        Err(err)
                    }
                })
            }
        }
    }
}
