//! Asynchronous origin checks ([`CorsBuilder::allowed_origin_async`]):
//! asked only for origins the static rules refuse, their answers remembered
//! in a bounded [`OriginAnswers`].
//!
//! [`CorsBuilder::allowed_origin_async`]: crate::CorsBuilder::allowed_origin_async

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use actix_web::http::header::{self, HeaderMap};
use cors_core::{OriginAnswers, OriginCheckConfig, Policy};

/// The user's check, its future boxed (checks run on the worker's thread,
/// so the future need not be `Send`).
pub(crate) type CheckFn = dyn Fn(String) -> Pin<Box<dyn Future<Output = bool>>> + Send + Sync;

/// An origin check and what it answered.
pub(crate) struct OriginCheck {
    check: Box<CheckFn>,
    answers: OriginAnswers,
    in_flight: AtomicUsize,
}

impl fmt::Debug for OriginCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OriginCheck")
            .field("answers", &self.answers)
            .finish_non_exhaustive()
    }
}

/// What a request needs from the check.
pub(crate) enum Need {
    /// Nothing: no `Origin`, or the static rules decide it (allowed, `null`,
    /// malformed, repeated). The check's verdict is `false`.
    Nothing,
    /// A remembered answer.
    Answered(bool),
    /// A lookup, for this origin.
    Ask(String),
}

/// The time answers are stamped with: the runtime's clock, so tests can
/// pause and advance it.
fn now() -> Instant {
    actix_web::rt::time::Instant::now().into_std()
}

impl OriginCheck {
    pub(crate) fn new(check: Box<CheckFn>, config: OriginCheckConfig) -> Self {
        OriginCheck {
            check,
            answers: OriginAnswers::new(config),
            in_flight: AtomicUsize::new(0),
        }
    }

    /// What the request needs, given the policy's static rules.
    pub(crate) fn need(&self, headers: &HeaderMap, policy: &Policy) -> Need {
        let mut origins = headers.get_all(header::ORIGIN);
        let (Some(origin), None) = (origins.next(), origins.next()) else {
            return Need::Nothing;
        };
        let Ok(origin) = origin.to_str() else {
            return Need::Nothing;
        };
        if origin == "null" || origin.is_empty() || policy.allows_origin(origin) {
            return Need::Nothing;
        }
        match self.answers.get(origin, now()) {
            Some(allowed) => Need::Answered(allowed),
            None => Need::Ask(origin.to_owned()),
        }
    }

    /// Asks the check about `origin` and remembers the answer; refuses
    /// without asking when `max_in_flight` lookups already run.
    pub(crate) fn ask(self: Arc<Self>, origin: String) -> impl Future<Output = bool> {
        let max = self.answers.config().max_in_flight;
        let admitted = self.in_flight.fetch_add(1, Ordering::AcqRel) < max;
        let lookup = admitted.then(|| (self.check)(origin.clone()));
        let slot = InFlight(Arc::clone(&self));
        async move {
            let Some(lookup) = lookup else {
                tracing::debug!(
                    origin = %cors_core::Escaped(&origin),
                    "CORS origin check: too many lookups running; refused without asking"
                );
                return false;
            };
            let allowed = lookup.await;
            slot.0.answers.insert(&origin, allowed, now());
            allowed
        }
    }

    /// How many answers are remembered.
    pub(crate) fn remembered(&self) -> usize {
        self.answers.len()
    }
}

/// One running lookup, counted until its future ends or is dropped.
struct InFlight(Arc<OriginCheck>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}
