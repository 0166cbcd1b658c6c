//! The one CORS service: answers preflights, blocks, decorates responses and
//! explains them, for whichever policy owns the request.
//!
//! The same [`CorsMiddleware`] runs for a [`Cors`](crate::Cors) wrapped on an app, a
//! scope or a resource, and for each `#[cors(...)]` handler (with the
//! handler's merged policy). Who answers a request is decided in one place,
//! [`CorsMiddleware::call`], from [`ownership`](crate::ownership):
//!
//! 1. a `#[cors]` handler's merged policy, for its route and method (a
//!    preflight is owned by whoever owns the request it announces);
//! 2. else the innermost `Cors` routing enters;
//! 3. else the app-wide `Cors`.
//!
//! An owner marks what it answered ([`Claimed`]); every layer outside leaves
//! a claimed response alone, so no response carries two policies' headers.

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use actix_service::Service;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::{Error, HttpMessage, HttpRequest, HttpResponse};
use cors_core::cross_origin::is_unsafe_method;
use cors_core::{CorsRequest, RequestKind};
use pin_project_lite::pin_project;

use crate::diagnostics::{self, Facts, Outcome};
use crate::live::{Loaded, OwnerCell};
use crate::owner::Owner;
use crate::ownership::{self, Nesting};
use crate::request::{cors_request, RequestSnapshot};

/// Marks a response (or, on the way in, a request) whose CORS answer an
/// owner inside has given: layers outside leave it alone.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Claimed;

/// Set on a request by a `Cors` that has other `Cors` layers inside it: an
/// inner layer that answers must then mark its response [`Claimed`]. Apps
/// without nested layers never pay for the mark.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Enclosed;

/// What a [`CorsMiddleware`] stands for.
#[derive(Debug)]
pub(crate) enum Role {
    /// A `Cors` wrapped on an app, scope or resource, and the `Cors` layers
    /// built inside it, if any.
    Layer(Nesting),
    /// A `#[cors]` handler's route: routing chose it, so it owns the
    /// request.
    Handler,
    /// A `#[cors(disable)]` handler's route: no CORS headers at all.
    Disabled,
}

/// The service [`Cors`](crate::Cors) wraps around an app, scope or resource, and that
/// each `#[cors]` handler's route is wrapped in.
#[derive(Debug)]
pub struct CorsMiddleware<S> {
    service: S,
    /// The owner this service answers for, replaceable while the app runs:
    /// loaded once per request.
    owner: Arc<OwnerCell>,
    role: Role,
}

impl<S> CorsMiddleware<S> {
    pub(crate) fn new(service: S, owner: Arc<OwnerCell>, role: Role) -> Self {
        CorsMiddleware {
            service,
            owner,
            role,
        }
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
        let nesting = match &self.role {
            Role::Disabled => {
                return CorsFuture::inner(self.service.call(req), After::Claim);
            }
            Role::Handler => return self.own(req, None),
            Role::Layer(nesting) => nesting,
        };

        // A preflight is always `OPTIONS`: other methods skip reading the
        // `Access-Control-Request-*` headers.
        if req.method() == Method::OPTIONS {
            let request = cors_request(req.head());
            if request.is_preflight() {
                let annotated = ownership::annotated_path(&req);
                if annotated
                    .as_ref()
                    .is_some_and(|path| path.owns_preflight(&request))
                {
                    // The handler's generated route answers it.
                    return CorsFuture::inner(self.service.call(req), After::Nothing);
                }
                let restricted = annotated.is_some();
                let owner = self.owner.load();
                if nesting.may_own_preflight(&request, &owner.policy) {
                    req.extensions_mut().insert(Enclosed);
                    return CorsFuture::inner(
                        self.service.call(req),
                        After::AnswerPreflight { owner, restricted },
                    );
                }
                let mut res = answer_preflight(&owner, req.request(), &request, restricted);
                if req.extensions().contains::<Enclosed>() {
                    res.extensions_mut().insert(Claimed);
                }
                return CorsFuture::done(req.into_response(res));
            }
        }
        self.own(req, Some(nesting))
    }
}

impl<S, B> CorsMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
    S::Future: 'static,
    B: MessageBody + 'static,
{
    /// An actual request (or a non-CORS one): blocked here when the policy
    /// says so and no owner inside may allow it, else passed on and its
    /// response decorated unless an owner inside claimed it. `nesting` is
    /// `None` for a handler's route, which routing chose as the owner.
    fn own(&self, req: ServiceRequest, nesting: Option<&Nesting>) -> CorsFuture<S::Future, B> {
        // Routing needs the request unshared, so keep what deciding and the
        // error path need: method and origin (cheap clones). For a request
        // that is not a preflight, the engine reads nothing else.
        let snapshot = RequestSnapshot::new(&req);
        if nesting.is_some_and(Nesting::is_nested) {
            req.extensions_mut().insert(Enclosed);
        }
        // A layer outside will look for the mark only if it set `Enclosed`.
        let claim = nesting.is_none() || req.extensions().contains::<Enclosed>();
        let owner = self.owner.load();
        // A layer leaves a request its `#[cors]` handler owns to the
        // handler's own policy (checked again in the handler's service).
        let owned_by_handler = |req: &ServiceRequest| nesting.is_some() && annotated_owner_of(req);
        if owner.policy.cross_origin_protection()
            && is_unsafe_method(req.method().as_str())
            && !owned_by_handler(&req)
        {
            if let Some(mut res) = owner.refuse_cross_origin(req.request()) {
                if claim {
                    res.extensions_mut().insert(Claimed);
                }
                return CorsFuture::done(req.into_response(res));
            }
        }
        if owner.block_disallowed_origins && snapshot.origin.is_some() {
            let decision = owner.policy.decide(&snapshot.cors_request());
            if !decision.is_allowed()
                && !owner.is_same_origin(req.request())
                && !owned_by_handler(&req)
            {
                owner.log(req.request(), &decision, Outcome::Blocked);
                let mut res = HttpResponse::Forbidden().finish();
                owner.decorate(&decision, snapshot.origin.as_ref(), res.headers_mut());
                if claim {
                    res.extensions_mut().insert(Claimed);
                }
                return CorsFuture::done(req.into_response(res));
            }
        }
        CorsFuture::inner(
            self.service.call(req),
            After::Decorate {
                snapshot,
                owner,
                claim,
            },
        )
    }
}

/// Whether a `#[cors]` handler is registered for the request's path and
/// method: it then blocks (or not) by its own policy.
fn annotated_owner_of(req: &ServiceRequest) -> bool {
    ownership::annotated_path(req).is_some_and(|path| path.owns(req.method().as_str().as_bytes()))
}

/// Answers a preflight from `owner`'s policy, explained in the log.
/// `restricted`: the path has `#[cors]` handlers that do not own the
/// requested method (see [`ownership::restrict_to_requested_method`]).
fn answer_preflight(
    owner: &Owner,
    req: &HttpRequest,
    request: &CorsRequest<'_>,
    restricted: bool,
) -> HttpResponse {
    let mut res = owner.answer_preflight(req, request);
    if restricted {
        ownership::restrict_to_requested_method(&mut res, request);
    }
    res
}

/// What to do with the inner service's response.
enum After {
    /// Leave it alone: an owner inside answers.
    Nothing,
    /// Mark it claimed and add nothing (`#[cors(disable)]`).
    Claim,
    /// A preflight let through to the `Cors` layers inside: answer it from
    /// this policy unless one of them claimed it.
    AnswerPreflight { owner: Loaded, restricted: bool },
    /// Decorate it from this policy unless an owner inside claimed it, and
    /// mark it claimed when a layer outside will look.
    Decorate {
        snapshot: RequestSnapshot,
        owner: Loaded,
        claim: bool,
    },
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
            after: Option<After>,
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

    fn inner(future: F, after: After) -> Self {
        CorsFuture {
            state: State::Inner {
                future,
                after: Some(after),
            },
            body: PhantomData,
        }
    }
}

impl<F, B> std::fmt::Debug for CorsFuture<F, B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CorsFuture").finish_non_exhaustive()
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
            StateProj::Inner { future, after } => {
                let result = ready!(future.poll(cx));
                let Some(after) = after.take() else {
                    return Poll::Pending;
                };
                Poll::Ready(match result {
                    Ok(res) => Ok(respond(res, after)),
                    Err(err) => Err(respond_error(err, after)),
                })
            }
        }
    }
}

fn claimed<B>(res: &HttpResponse<B>) -> bool {
    res.extensions().contains::<Claimed>()
}

/// Applies `after` to the inner service's response.
fn respond<B>(res: ServiceResponse<B>, after: After) -> ServiceResponse<EitherBody<B>>
where
    B: MessageBody + 'static,
{
    match after {
        After::Nothing => res.map_into_left_body(),
        After::Claim => {
            let (request, mut response) = res.into_parts();
            response.extensions_mut().insert(Claimed);
            ServiceResponse::new(request, response).map_into_left_body()
        }
        After::AnswerPreflight { owner, restricted } => {
            if claimed(res.response()) {
                return res.map_into_left_body();
            }
            // No `Cors` inside owned it: whatever routing made of the
            // preflight (404, 405) gives way to this policy's answer.
            let (request, _) = res.into_parts();
            let mut answer =
                answer_preflight(&owner, &request, &cors_request(request.head()), restricted);
            answer.extensions_mut().insert(Claimed);
            ServiceResponse::new(request, answer).map_into_right_body()
        }
        After::Decorate {
            snapshot,
            owner,
            claim,
        } => {
            let (request, mut response) = res.into_parts();
            if !claimed(&response) {
                let decision = owner.policy.decide(&snapshot.cors_request());
                owner.log(&request, &decision, Outcome::HandlerRan);
                owner.decorate(&decision, snapshot.origin.as_ref(), response.headers_mut());
                if decision.is_allowed() && diagnostics::debug_enabled() {
                    owner.diagnostics.report_hidden_headers(
                        &Facts::of(&request),
                        &decision,
                        response.headers(),
                        &owner.policy,
                    );
                }
                if claim {
                    response.extensions_mut().insert(Claimed);
                }
            }
            ServiceResponse::new(request, response).map_into_left_body()
        }
    }
}

/// Applies `after` to the inner service's error, which becomes a response
/// later: the error is explained now, and decorated when it is rendered.
fn respond_error(mut err: Error, after: After) -> Error {
    match after {
        After::Nothing | After::AnswerPreflight { .. } => {}
        After::Claim => {
            err.add_response_mapper(|mut res| {
                res.extensions_mut().insert(Claimed);
                res
            });
        }
        After::Decorate {
            snapshot,
            owner,
            claim,
        } => {
            let decision = owner.policy.decide(&snapshot.cors_request());
            if decision.kind() != RequestKind::NotCors && !decision.is_allowed() {
                diagnostics::explain(
                    &owner.diagnostics,
                    &snapshot.facts(),
                    Outcome::HandlerRan,
                    &decision,
                    &owner.policy,
                );
            }
            err.add_response_mapper(move |mut res| {
                if !claimed(&res) {
                    let decision = owner.policy.decide(&snapshot.cors_request());
                    owner.decorate(&decision, snapshot.origin.as_ref(), res.headers_mut());
                    if claim {
                        res.extensions_mut().insert(Claimed);
                    }
                }
                res
            });
        }
    }
    err
}
