//! The one CORS service: answers preflights, blocks, decorates responses and
//! explains them, for whichever policy owns the request.
//!
//! The same [`CorsMiddleware`] runs for a [`Cors`](crate::Cors) wrapped on an app, a
//! scope or a resource, and for each `#[cors(...)]` handler (with the
//! handler's merged policy). Who answers a request is decided in one place,
//! `CorsMiddleware::dispatch`, from [`ownership`](crate::ownership), once
//! the owner's asynchronous origin check (if any) has answered:
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
use std::rc::Rc;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use actix_service::Service;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method};
use actix_web::{Error, HttpMessage, HttpRequest, HttpResponse};
use cors_core::cross_origin::is_unsafe_method;
use cors_core::{CorsRequest, RequestKind, Vary};
use pin_project_lite::pin_project;

use crate::diagnostics::{self, Facts, Outcome};
use crate::live::{Loaded, OwnerCell, WorkerOwner};
use crate::origin_check::Need;
use crate::owner::Owner;
use crate::ownership::{self, Nesting};
use crate::request::{cors_request, RequestSnapshot};
use crate::response::merge_vary;

/// Marks a response whose CORS answer an owner inside has given: layers
/// outside leave it alone.
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
    /// Shared with the rare request that waits for an origin check first.
    service: Rc<S>,
    /// The owner this service answers for, replaceable while the app runs:
    /// loaded once per request.
    owner: Rc<WorkerOwner>,
    role: Rc<Role>,
}

impl<S> CorsMiddleware<S> {
    pub(crate) fn new(service: S, owner: Arc<OwnerCell>, role: Role) -> Self {
        CorsMiddleware {
            service: Rc::new(service),
            owner: Rc::new(WorkerOwner::new(owner)),
            role: Rc::new(role),
        }
    }
}

impl<S> Clone for CorsMiddleware<S> {
    fn clone(&self) -> Self {
        CorsMiddleware {
            service: Rc::clone(&self.service),
            owner: Rc::clone(&self.owner),
            role: Rc::clone(&self.role),
        }
    }
}

impl<S, B> Service<ServiceRequest> for CorsMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    S::Future: 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Future = CorsFuture<S::Future, B>;

    actix_service::forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        if let Role::Disabled = *self.role {
            return CorsFuture::inner(self.service.call(req), After::Claim);
        }
        let owner = self.owner.load();
        // Only a policy with an origin check asks it, and only for an
        // origin its static rules refuse; a lookup not yet answered makes
        // this request wait for it (boxed: the one allocating path).
        let checked = match &owner.origin_check {
            None => false,
            Some(check) => match check.need(req.headers(), &owner.policy) {
                Need::Nothing => false,
                Need::Answered(allowed) => allowed,
                Need::Ask(origin) => {
                    let lookup = Arc::clone(check).ask(origin);
                    let this = self.clone();
                    return CorsFuture::boxed(Box::pin(async move {
                        let checked = lookup.await;
                        let owner = this.owner.load();
                        this.dispatch(req, owner, checked).await
                    }));
                }
            },
        };
        self.dispatch(req, owner, checked)
    }
}

impl<S, B> CorsMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    S::Future: 'static,
    B: MessageBody + 'static,
{
    /// Who answers the request, decided once its origin check (if any) has
    /// answered: `checked`.
    #[inline(always)]
    fn dispatch(
        &self,
        req: ServiceRequest,
        owner: Loaded,
        checked: bool,
    ) -> CorsFuture<S::Future, B> {
        let nesting = match &*self.role {
            Role::Layer(nesting) => nesting,
            _ => return self.own(req, None, owner, checked),
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
                if nesting.is_nested()
                    && nesting
                        .may_own_preflight(&request, owner.decide(&request, checked).is_allowed())
                {
                    req.extensions_mut().insert(Enclosed);
                    return CorsFuture::inner(
                        self.service.call(req),
                        After::AnswerPreflight {
                            owner,
                            restricted,
                            checked,
                        },
                    );
                }
                let mut res =
                    answer_preflight(&owner, req.request(), &request, restricted, checked);
                if req.extensions().contains::<Enclosed>() {
                    res.extensions_mut().insert(Claimed);
                }
                return CorsFuture::done(req.into_response(res));
            }
        }
        self.own(req, Some(nesting), owner, checked)
    }

    /// An actual request (or a non-CORS one): refused here when the policy
    /// says so (cross-origin protection, blocking) and no `#[cors]` handler
    /// owns it, else passed on and its response decorated unless an owner
    /// inside claimed it. `nesting` is `None` for a handler's route, which
    /// routing chose as the owner.
    #[inline(always)]
    fn own(
        &self,
        req: ServiceRequest,
        nesting: Option<&Nesting>,
        owner: Loaded,
        checked: bool,
    ) -> CorsFuture<S::Future, B> {
        // Routing needs the request unshared, so keep what deciding and the
        // error path need: method and origin (cheap clones). For a request
        // that is not a preflight, the engine reads nothing else.
        if nesting.is_some_and(Nesting::is_nested) {
            req.extensions_mut().insert(Enclosed);
        }
        // A layer outside will look for the mark only if it set `Enclosed`;
        // nothing is outside an app-wide layer.
        let claim = match nesting {
            None => true,
            Some(nesting) => !nesting.wraps_app() && req.extensions().contains::<Enclosed>(),
        };
        // A layer leaves a request its `#[cors]` handler owns to the
        // handler's own policy (checked again in the handler's service).
        let owned_by_handler = |req: &ServiceRequest| nesting.is_some() && annotated_owner_of(req);
        if owner.policy.cross_origin_protection()
            && is_unsafe_method(req.method().as_str())
            && !owned_by_handler(&req)
        {
            if let Some(mut res) = owner.refuse_cross_origin(req.request(), checked) {
                if claim {
                    res.extensions_mut().insert(Claimed);
                }
                return CorsFuture::done(req.into_response(res));
            }
        }
        let origins = req.headers().get_all(header::ORIGIN);
        // Not a CORS request: its answer is the same for every such request
        // (nothing to decide, nothing to keep).
        if let (Some(vary), 0) = (owner.no_origin_vary, origins.len()) {
            return CorsFuture::inner(self.service.call(req), After::Vary { vary, claim });
        }
        let snapshot = RequestSnapshot::new(&req, origins);
        if owner.switches.block_disallowed_origins && snapshot.origin.is_some() {
            let decision = owner.decide(&snapshot.cors_request(), checked);
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
                checked,
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
#[inline]
fn answer_preflight(
    owner: &Owner,
    req: &HttpRequest,
    request: &CorsRequest<'_>,
    restricted: bool,
    checked: bool,
) -> HttpResponse {
    let mut res = owner.answer_preflight(req, request, checked);
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
    AnswerPreflight {
        owner: Loaded,
        restricted: bool,
        checked: bool,
    },
    /// A request without `Origin` under a policy whose answer to it is only
    /// `Vary` (its precomputed tokens): add them unless an owner inside
    /// claimed it.
    Vary { vary: Vary, claim: bool },
    /// Decorate it from this policy unless an owner inside claimed it, and
    /// mark it claimed when a layer outside will look.
    Decorate {
        snapshot: RequestSnapshot,
        owner: Loaded,
        claim: bool,
        checked: bool,
    },
}

pin_project! {
    /// The future of [`CorsMiddleware`]'s responses: no boxing per request.
    pub struct CorsFuture<F, B> {
        #[pin]
        state: State<F, B>,
        body: PhantomData<B>,
    }
}

/// A request waiting for an origin check, then for the inner service.
type Waiting<B> = Pin<Box<dyn Future<Output = Result<ServiceResponse<EitherBody<B>>, Error>>>>;

pin_project! {
    #[project = StateProj]
    enum State<F, B> {
        // Answered without calling the inner service.
        Done { response: Option<ServiceResponse> },
        // Waiting for an origin check first.
        Checking { future: Waiting<B> },
        // Waiting for the inner service.
        Inner {
            #[pin]
            future: F,
            after: After,
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

    fn boxed(future: Waiting<B>) -> Self {
        CorsFuture {
            state: State::Checking { future },
            body: PhantomData,
        }
    }

    fn inner(future: F, after: After) -> Self {
        CorsFuture {
            state: State::Inner { future, after },
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
            StateProj::Checking { future } => future.as_mut().poll(cx),
            StateProj::Inner { future, after } => {
                // `after` is read in place, not moved out: the response
                // future's largest part, it would be copied for nothing.
                let result = ready!(future.poll(cx));
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
fn respond<B>(res: ServiceResponse<B>, after: &After) -> ServiceResponse<EitherBody<B>>
where
    B: MessageBody + 'static,
{
    match *after {
        After::Nothing => res.map_into_left_body(),
        After::Claim => {
            let mut res = res;
            res.response_mut().extensions_mut().insert(Claimed);
            res.map_into_left_body()
        }
        After::AnswerPreflight {
            ref owner,
            restricted,
            checked,
        } => {
            if claimed(res.response()) {
                return res.map_into_left_body();
            }
            // No `Cors` inside owned it: whatever routing made of the
            // preflight (404, 405) gives way to this policy's answer.
            let (request, _) = res.into_parts();
            let request_headers = cors_request(request.head());
            let mut answer =
                answer_preflight(owner, &request, &request_headers, restricted, checked);
            answer.extensions_mut().insert(Claimed);
            ServiceResponse::new(request, answer).map_into_right_body()
        }
        After::Decorate {
            ref snapshot,
            ref owner,
            claim,
            checked,
        } => {
            // Decorated in place: taking the response apart and putting it
            // back costs more than the headers.
            let mut res = res;
            if !claimed(res.response()) {
                let decision = owner.decide(&snapshot.cors_request(), checked);
                let listening = owner.log(res.request(), &decision, Outcome::HandlerRan);
                owner.decorate(&decision, snapshot.origin.as_ref(), res.headers_mut());
                // An allowed request is logged at `debug`, like this report.
                if listening && decision.is_allowed() {
                    owner.diagnostics.report_hidden_headers(
                        &Facts::of(res.request()),
                        &decision,
                        res.headers(),
                        &owner.policy,
                    );
                }
                if claim {
                    res.response_mut().extensions_mut().insert(Claimed);
                }
            }
            res.map_into_left_body()
        }
        After::Vary { vary, claim } => {
            let mut res = res;
            if !claimed(res.response()) {
                merge_vary(res.headers_mut(), vary);
                if claim {
                    res.response_mut().extensions_mut().insert(Claimed);
                }
            }
            res.map_into_left_body()
        }
    }
}

/// Applies `after` to the inner service's error, which becomes a response
/// later: the error is explained now, and decorated when it is rendered.
fn respond_error(mut err: Error, after: &After) -> Error {
    match *after {
        After::Nothing | After::AnswerPreflight { .. } => {}
        After::Vary { vary, claim } => {
            err.add_response_mapper(move |mut res| {
                if !claimed(&res) {
                    merge_vary(res.headers_mut(), vary);
                    if claim {
                        res.extensions_mut().insert(Claimed);
                    }
                }
                res
            });
        }
        After::Claim => {
            err.add_response_mapper(|mut res| {
                res.extensions_mut().insert(Claimed);
                res
            });
        }
        After::Decorate {
            ref snapshot,
            ref owner,
            claim,
            checked,
        } => {
            let (snapshot, owner) = (snapshot.clone(), Arc::clone(owner));
            let decision = owner.decide(&snapshot.cors_request(), checked);
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
                    let decision = owner.decide(&snapshot.cors_request(), checked);
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
