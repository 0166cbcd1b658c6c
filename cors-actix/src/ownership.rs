//! Who owns a request: what a `Cors` layer needs to know, before routing,
//! about the owners routing may send the request to.
//!
//! Two kinds of owner can sit inside a `Cors` layer:
//!
//! - `#[cors]` handlers. `Cors::handlers` registers, per path, a generated
//!   preflight resource named [`ROUTE_NAME_PREFIX`]` + id`, first at its
//!   path; [`annotated_path`] finds it through the app's resource map on the
//!   path as routing matches it, and its [`PathHandlers`] say which methods
//!   the handlers there own.
//! - other `Cors` layers, wrapped on a scope or resource inside this one.
//!   actix builds a service before the middleware around it, so each layer,
//!   as it is built, takes the layers built before it on the same thread
//!   ([`Nesting::take`]). actix gives a layer no way to learn the paths
//!   under the scope it wraps, so an outer layer treats every inner one as
//!   a possible owner of any path (see [`Nesting`]).

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock, PoisonError, RwLock, Weak};

use actix_web::dev::ServiceRequest;
use actix_web::guard;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, Resource};
use cors_core::{CorsRequest, Escaped, HeaderField, Vary};

use crate::diagnostics::{warn_enabled, EscapedBytes, Facts};
use crate::live::OwnerCell;
use crate::request::cors_request;
use crate::response::{merge_vary, set_rejection_header};
use crate::service::Claimed;

/// The name prefix of the preflight resources generated for annotated handlers.
const ROUTE_NAME_PREFIX: &str = "__cors_route:";

/// Every request header a preflight answer at an annotated path depends on.
const PREFLIGHT_VARY: Vary = Vary::ORIGIN
    .with(Vary::REQUEST_METHOD)
    .with(Vary::REQUEST_HEADERS);

/// The `Cors` layers built inside a layer.
///
/// An outer layer cannot tell which paths an inner one covers, so it lets a
/// preflight through routing to them whenever its own policy or one of
/// theirs would allow it (an inner owner must never be overruled).
/// Blocking (`block_disallowed_origins`) happens before routing and cannot
/// wait for an inner layer that may not be on the route, so an outer layer
/// blocks what its own policy refuses, inner layers or not: the secure
/// choice, warned about at startup. A preflight let through that reaches no inner layer is answered by
/// the outer layer on the way back, replacing what routing made of it (a
/// `404`, a `405`, or the answer of a route that accepts `OPTIONS`).
#[derive(Debug, Default)]
pub(crate) struct Nesting {
    inner: Vec<Arc<OwnerCell>>,
    /// The layer wraps an app: nothing encloses it.
    wraps_app: bool,
}

thread_local! {
    /// The `Cors` layers built on this thread and not yet taken by a layer
    /// around them.
    static BUILT: RefCell<Vec<Arc<OwnerCell>>> = const { RefCell::new(Vec::new()) };
}

impl Nesting {
    /// Called as a `Cors` layer around `S` is built: takes the layers built
    /// before it on this thread (everything inside it is built first; so
    /// are its siblings, which it cannot tell apart and treats alike), and
    /// leaves them and itself for the layer around it, unless `S` is an
    /// app's router (nothing encloses an app-wide layer).
    pub(crate) fn take<S>(owner: &Arc<OwnerCell>) -> Nesting {
        let inner = BUILT.with(RefCell::take);
        // actix-web 4 names an app's router `AppRouting` and exposes no
        // other sign of where a middleware is wrapped; the composition tests
        // fail should that change.
        let wraps_app = std::any::type_name::<S>().contains("::AppRouting");
        if !wraps_app {
            // What this layer took is inside whatever encloses it too.
            BUILT.with(|built| {
                let mut built = built.borrow_mut();
                built.extend(inner.iter().cloned());
                built.push(Arc::clone(owner));
            });
        }
        Nesting { inner, wraps_app }
    }

    /// Whether the layer wraps an app (no layer encloses it).
    pub(crate) fn wraps_app(&self) -> bool {
        self.wraps_app
    }

    /// Whether any `Cors` layer was built inside this one.
    pub(crate) fn is_nested(&self) -> bool {
        !self.inner.is_empty()
    }

    /// How many `Cors` layers were built inside this one.
    pub(crate) fn len(&self) -> usize {
        self.inner.len()
    }

    /// Whether a preflight must go through routing to the layers inside
    /// (call only when [`is_nested`](Self::is_nested)): this layer's policy
    /// (`own_allows`) or one of theirs allows it.
    pub(crate) fn may_own_preflight(&self, request: &CorsRequest<'_>, own_allows: bool) -> bool {
        own_allows || self.may_allow(request)
    }

    /// Whether a layer inside (or, for a layer on a scope, maybe a sibling)
    /// may allow this request.
    fn may_allow(&self, request: &CorsRequest<'_>) -> bool {
        self.inner
            .iter()
            .any(|owner| owner.load().policy.decide(request).is_allowed())
    }
}

/// Every path table ever registered, indexed by its id (the generated
/// resource is named [`ROUTE_NAME_PREFIX`]` + id`). Weak: an app that is
/// dropped takes its tables with it; only their slots (one pointer each)
/// stay. Empty until the first `#[cors]` handler is registered, which lets
/// [`annotated_path`] skip the route lookup in apps without any.
static PATH_TABLES: RwLock<Vec<Weak<PathPreflight>>> = RwLock::new(Vec::new());

/// Set when the first table is registered: until then [`annotated_path`]
/// costs one load instead of a lock.
static ANY_TABLE: AtomicBool = AtomicBool::new(false);

/// The annotated handlers at the request's path, if routing will send it to
/// one of their generated routes first: those of every `handlers(...)` call
/// registered at the same full path (so split registrations behave as one).
///
/// Matched on the path as routing matches it: percent-decoded (except the
/// reserved characters), so `/api/%61dmin/1` is owned by the handler at
/// `/api/admin/{id}` exactly as routing sends it there. `match_name()`
/// before routing would read the raw path, which an attacker can encode to
/// escape the handler's policy.
pub(crate) fn annotated_path(req: &ServiceRequest) -> Option<Arc<PathHandlers>> {
    if !ANY_TABLE.load(Ordering::Relaxed) {
        return None;
    }
    let tables = PATH_TABLES.read().unwrap_or_else(PoisonError::into_inner);
    let name = req.resource_map().match_name(req.match_info().as_str())?;
    let id: usize = name.strip_prefix(ROUTE_NAME_PREFIX)?.parse().ok()?;
    let table = tables.get(id)?.upgrade()?;
    drop(tables);
    Some(table.handlers(req.request()))
}

/// Makes a preflight answer at an annotated path, given by a policy other
/// than the handlers' there, safe to cache: `Access-Control-Allow-Methods`
/// names only the requested method (the policy's list may name a method a
/// handler here owns and refuses, which the browser would then send without
/// asking), and `Vary` names every input the answer depends on.
pub(crate) fn restrict_to_requested_method(res: &mut HttpResponse, request: &CorsRequest<'_>) {
    if res
        .headers()
        .contains_key(header::ACCESS_CONTROL_ALLOW_METHODS)
    {
        if let HeaderField::Value(method) = request.request_method {
            if let Ok(value) = HeaderValue::from_bytes(method) {
                res.headers_mut()
                    .insert(header::ACCESS_CONTROL_ALLOW_METHODS, value);
            }
        }
    }
    merge_vary(res.headers_mut(), PREFLIGHT_VARY);
}

/// One method's handler at a path: its name, and its merged policy (`None`
/// for `#[cors(disable)]`).
#[derive(Clone, Debug)]
pub(crate) struct PreflightEntry {
    pub(crate) method: &'static str,
    pub(crate) handler: &'static str,
    pub(crate) owner: Option<Arc<OwnerCell>>,
}

/// The annotated handlers at one path, for its preflight answers: those of
/// one `handlers(...)` call, or of all the calls at the same full path.
#[derive(Debug)]
pub(crate) struct PathHandlers {
    pub(crate) path: &'static str,
    /// In registration order, one per method.
    pub(crate) entries: Vec<PreflightEntry>,
    /// The policy the handlers were merged from: it answers preflights for
    /// methods no handler here owns when no `Cors` layer encloses the path.
    pub(crate) base: Arc<OwnerCell>,
}

impl PathHandlers {
    /// Whether an annotated handler here is registered for `method`.
    pub(crate) fn owns(&self, method: &[u8]) -> bool {
        self.entries.iter().any(|e| e.method.as_bytes() == method)
    }

    /// Whether a handler here answers this preflight: it asks for a method a
    /// handler here owns, or its method is missing or malformed (the
    /// handlers' policies then explain why).
    pub(crate) fn owns_preflight(&self, request: &CorsRequest<'_>) -> bool {
        match request.request_method {
            HeaderField::Value(method) => self.owns(method),
            _ => true,
        }
    }

    /// Adds the entry for `method`, unless one is registered already (the
    /// first handler registered for a method answers, as routing sends the
    /// actual request to the first resource registered for it).
    pub(crate) fn add(&mut self, entry: PreflightEntry) {
        if !self.entries.iter().any(|e| e.method == entry.method) {
            self.entries.push(entry);
        }
    }

    async fn answer(&self, req: &HttpRequest) -> HttpResponse {
        let request = cors_request(req.head());
        let requested = match request.request_method {
            HeaderField::Value(bytes) => std::str::from_utf8(bytes).ok(),
            _ => None,
        };
        let entry = match requested {
            Some(method) => self.entries.iter().find(|e| e.method == method),
            // Missing or malformed: let an enabled handler's policy say why
            // (or, when every handler here is disabled, the first one).
            None => self
                .entries
                .iter()
                .find(|e| e.owner.is_some())
                .or_else(|| self.entries.first()),
        };
        let mut res = match entry {
            Some(PreflightEntry {
                owner: Some(owner), ..
            }) => {
                let owner = owner.load();
                let checked = owner.check_origin(req.headers()).await;
                let mut res = owner.answer_preflight(req, &request, checked);
                if res.status().is_success() {
                    if let Some(methods) = self.allowed_methods(req, &request) {
                        res.headers_mut()
                            .insert(header::ACCESS_CONTROL_ALLOW_METHODS, methods);
                    }
                }
                if self.entries.len() > 1 {
                    // The methods listed depend on whether each handler's
                    // policy allows this origin and these headers, whatever
                    // this policy's own `Vary` says.
                    merge_vary(res.headers_mut(), PREFLIGHT_VARY);
                }
                res
            }
            Some(PreflightEntry { handler, .. }) => self.refuse_disabled(req, handler),
            None => {
                // No handler here owns the method and no `Cors` layer
                // answered for it: the policy they were merged from does.
                let base = self.base.load();
                let checked = base.check_origin(req.headers()).await;
                let mut res = base.answer_preflight(req, &request, checked);
                restrict_to_requested_method(&mut res, &request);
                res
            }
        };
        res.extensions_mut().insert(Claimed);
        res
    }

    /// The methods registered at this path whose handler's policy allows
    /// the same preflight asking for them, in registration order.
    ///
    /// Browsers cache a preflight's answer per method listed (fetch-cors-rules
    /// a5 item 7), so listing a method whose handler would refuse this origin
    /// or these headers would let the browser skip a preflight that handler
    /// must answer; the policy's own method list may also name methods no
    /// handler here accepts.
    fn allowed_methods(&self, req: &HttpRequest, request: &CorsRequest<'_>) -> Option<HeaderValue> {
        let mut methods = String::new();
        for entry in &self.entries {
            let Some(owner) = &entry.owner else {
                continue;
            };
            let asking = CorsRequest {
                request_method: HeaderField::Value(entry.method.as_bytes()),
                ..*request
            };
            let owner = owner.load();
            let checked = owner.checked_already(req.headers());
            if owner.decide(&asking, checked).is_allowed() {
                if !methods.is_empty() {
                    methods.push_str(", ");
                }
                methods.push_str(entry.method);
            }
        }
        HeaderValue::from_str(&methods).ok()
    }

    /// A `403` with only `Vary`, for a preflight asking for a method whose
    /// handler has `#[cors(disable)]`, explained in a `warn` line when
    /// anyone listens.
    fn refuse_disabled(&self, req: &HttpRequest, handler: &'static str) -> HttpResponse {
        let base = self.base.load();
        let rejection_header = base.switches.rejection_header;
        let listening = warn_enabled();
        let explanation = (listening || rejection_header).then(|| {
            let code = "handler-cors-disabled";
            let reason = format!("handler `{handler}` has CORS turned off (`#[cors(disable)]`)");
            let facts = Facts::of(req);
            let origin = facts.origin.unwrap_or_default();
            // Every handler here was merged from one `Cors`: one budget.
            if listening && base.diagnostics.admit(code, origin, "") {
                let requested = EscapedBytes(facts.requested_method.unwrap_or_default());
                let origin = EscapedBytes(origin);
                let path = Escaped(facts.path);
                tracing::warn!(
                    origin = %origin,
                    method = facts.method,
                    path = %path,
                    kind = "preflight",
                    requested_method = %requested,
                    reason = code,
                    handler,
                    "CORS preflight for {requested} {path} from `{origin}` rejected: {reason}; \
                     answered 403, so the browser will not send the {requested} request; if \
                     pages on other origins must call it, replace `disable` on `{handler}` with \
                     the settings they need (`#[cors]` alone for the app-wide policy)",
                );
            }
            (code, reason)
        });
        let mut res = HttpResponse::Forbidden().finish();
        merge_vary(res.headers_mut(), PREFLIGHT_VARY);
        if let (true, Some((code, reason))) = (rejection_header, explanation) {
            set_rejection_header(res.headers_mut(), code, reason);
        }
        res
    }
}

/// The generated preflight resource of one `handlers(...)` call at one path.
#[derive(Debug)]
struct PathPreflight {
    id: usize,
    own: Arc<PathHandlers>,
    /// `own` joined with the tables of the other `handlers(...)` calls at the
    /// same full path, found on the first request (routing only knows the
    /// full path, scope prefixes included, once the app is built).
    joined: OnceLock<Arc<PathHandlers>>,
}

impl PathPreflight {
    fn register(handlers: PathHandlers) -> Arc<PathPreflight> {
        let mut tables = PATH_TABLES.write().unwrap_or_else(PoisonError::into_inner);
        let table = Arc::new(PathPreflight {
            id: tables.len(),
            own: Arc::new(handlers),
            joined: OnceLock::new(),
        });
        tables.push(Arc::downgrade(&table));
        ANY_TABLE.store(true, Ordering::Relaxed);
        table
    }

    fn name(&self) -> String {
        format!("{ROUTE_NAME_PREFIX}{}", self.id)
    }

    /// This table's full path in `req`'s app, dynamic segments replaced by a
    /// placeholder: equal for two tables exactly when routing sees one path.
    fn full_path(&self, req: &HttpRequest) -> Option<String> {
        let url = req
            .resource_map()
            .url_for(req, &self.name(), std::iter::repeat("_"))
            .ok()?;
        Some(url.path().to_owned())
    }

    /// The handlers routing can reach at this table's path: every table of
    /// the same app registered at the same full path.
    fn handlers(&self, req: &HttpRequest) -> Arc<PathHandlers> {
        let joined = self.joined.get_or_init(|| {
            let Some(full) = self.full_path(req) else {
                return Arc::clone(&self.own);
            };
            let siblings: Vec<Arc<PathPreflight>> = PATH_TABLES
                .read()
                .unwrap_or_else(PoisonError::into_inner)
                .iter()
                .filter_map(Weak::upgrade)
                .filter(|t| t.id != self.id && t.own.path == self.own.path)
                .collect();
            let mut joined = PathHandlers {
                path: self.own.path,
                entries: self.own.entries.clone(),
                base: Arc::clone(&self.own.base),
            };
            for sibling in siblings {
                if sibling.full_path(req).as_deref() == Some(full.as_str()) {
                    sibling
                        .own
                        .entries
                        .iter()
                        .cloned()
                        .for_each(|e| joined.add(e));
                }
            }
            if joined.entries.len() == self.own.entries.len() {
                Arc::clone(&self.own)
            } else {
                Arc::new(joined)
            }
        });
        Arc::clone(joined)
    }
}

/// The resource answering preflights to one path of annotated handlers: it
/// must be registered before the handlers' own resources at the path.
pub(crate) fn preflight_resource(handlers: PathHandlers) -> Resource {
    let table = PathPreflight::register(handlers);
    Resource::new(table.own.path)
        .name(&table.name())
        .guard(guard::Options())
        .guard(guard::fn_guard(|ctx| {
            cors_request(ctx.head()).is_preflight()
        }))
        .to(move |req: HttpRequest| {
            let handlers = table.handlers(&req);
            async move { handlers.answer(&req).await }
        })
}
