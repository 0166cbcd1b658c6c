//! The per-worker service: answers preflights, decorates every other response.

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{ready, Context, Poll};

use actix_service::Service;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::http::{Method, Uri};
use actix_web::{Error, HttpRequest, HttpResponse};
use cors_core::{CorsRequest, Decision, HeaderField, RequestKind};
use pin_project_lite::pin_project;

use crate::cors::Cors;
use crate::diagnostics::{self, Facts, Outcome};
use crate::request::{cors_request, is_same_origin};
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
        diagnostics::allowed(req, decision, cors.policy());
    } else {
        diagnostics::explain(&Facts::of(req), outcome, decision, cors.policy());
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

/// What deciding a request that is not a preflight, and the error path,
/// need once the request has moved into the inner service: cheap clones.
struct RequestSnapshot {
    method: Method,
    /// The first `Origin` line.
    origin: Option<HeaderValue>,
    repeated_origin: bool,
    /// For the error path's log line: only CORS requests are ever logged.
    uri: Option<Uri>,
}

impl RequestSnapshot {
    fn new(req: &ServiceRequest) -> Self {
        let mut origins = req.headers().get_all(header::ORIGIN);
        let origin = origins.next().cloned();
        RequestSnapshot {
            method: req.method().clone(),
            repeated_origin: origins.next().is_some(),
            uri: origin.is_some().then(|| req.uri().clone()),
            origin,
        }
    }

    /// The engine's view of the request: its method and `Origin`, all the
    /// engine reads of a request that is not a preflight.
    fn cors_request(&self) -> CorsRequest<'_> {
        let origin = match &self.origin {
            None => HeaderField::Absent,
            Some(_) if self.repeated_origin => HeaderField::Repeated,
            Some(value) => HeaderField::Value(value.as_bytes()),
        };
        CorsRequest {
            method: self.method.as_str(),
            origin,
            ..CorsRequest::default()
        }
    }

    fn path(&self) -> &str {
        self.uri.as_ref().map_or("", Uri::path)
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
                            let facts = Facts {
                                method: snapshot.method.as_str(),
                                path: snapshot.path(),
                                origin: snapshot.origin.as_ref().map(HeaderValue::as_bytes),
                                requested_method: None,
                                requested_headers: None,
                            };
                            diagnostics::explain(
                                &facts,
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

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;
    use cors_core::Policy;

    #[test]
    fn the_snapshot_decides_every_non_options_request_alike() {
        let policies = [
            Policy::builder()
                .allowed_origin("https://app.example")
                .allowed_methods(["GET", "PUT"])
                .allowed_headers(["x-a"])
                .allow_private_network(true)
                .build()
                .unwrap(),
            Policy::builder()
                .allow_any_origin()
                .expose_any_header()
                .build()
                .unwrap(),
            Policy::builder()
                .allowed_origin("https://app.example")
                .allow_credentials(true)
                .vary(false)
                .build()
                .unwrap(),
        ];
        for method in [Method::GET, Method::POST, Method::PUT, Method::DELETE] {
            for origins in [
                &[][..],
                &["https://app.example"][..],
                &["https://evil.example"][..],
                &["https://app.example", "https://app.example"][..],
            ] {
                let mut req = TestRequest::default()
                    .method(method.clone())
                    .insert_header((header::ACCESS_CONTROL_REQUEST_METHOD, "PUT"))
                    .insert_header((header::ACCESS_CONTROL_REQUEST_HEADERS, "x-a,x-b"))
                    .insert_header(("access-control-request-private-network", "true"));
                for origin in origins {
                    req = req.append_header((header::ORIGIN, *origin));
                }
                let req = req.to_srv_request();
                let snapshot = RequestSnapshot::new(&req);
                for policy in &policies {
                    assert_eq!(
                        policy.decide(&snapshot.cors_request()),
                        policy.decide(&cors_request(req.head())),
                        "{method} {origins:?}"
                    );
                }
            }
        }
    }
}
