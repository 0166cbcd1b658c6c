//! Policies that change while the app runs: [`CorsHandle`].
//!
//! Every owner a request can meet (a `Cors` layer's, a `#[cors]` handler's
//! merged policy) sits in an [`OwnerCell`]: an `ArcSwap` that each worker
//! reads through its own [`WorkerOwner`] (one pointer comparison per
//! request, no lock), so every worker answers from the new policy from its
//! next request on. An update builds and validates
//! everything first (the new policy and every handler's merge with it) and
//! swaps only when all of it is valid.

use std::cell::RefCell;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, PoisonError, Weak};

use arc_swap::{ArcSwap, Cache};
use cors_core::{builder_from_variables, ConfigError, Policy};

use crate::diagnostics::Diagnostics;
use crate::owner::Owner;

/// One owner, replaceable while the app runs.
pub(crate) type OwnerCell = ArcSwap<Owner>;

/// What one request holds of its owner: loaded once, used to the end.
pub(crate) type Loaded = Arc<Owner>;

/// One worker's view of an [`OwnerCell`]: the owner it last saw, checked
/// against the cell by one pointer comparison per request. `ArcSwap::load`
/// would pay its debt-slot protocol on every request (about 150
/// instructions) to protect a value that changes only on an update. The
/// previous owner stays alive until the worker's next request after an
/// update.
pub(crate) struct WorkerOwner(RefCell<Cache<Arc<OwnerCell>, Arc<Owner>>>);

impl WorkerOwner {
    pub(crate) fn new(cell: Arc<OwnerCell>) -> Self {
        WorkerOwner(RefCell::new(Cache::new(cell)))
    }

    /// The current owner.
    #[inline]
    pub(crate) fn load(&self) -> Loaded {
        Arc::clone(self.0.borrow_mut().load())
    }
}

impl std::fmt::Debug for WorkerOwner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("WorkerOwner")
            .field(&self.load().policy)
            .finish()
    }
}

/// How a `#[cors]` handler's merged policy is made again from a new
/// app-wide policy.
pub(crate) type Remerge = Box<dyn Fn(&Policy) -> Result<Policy, ConfigError> + Send + Sync>;

/// A `Cors` and the `#[cors]` handlers merged from it.
pub(crate) struct Live {
    pub(crate) cell: Arc<OwnerCell>,
    /// One per handler per worker (`handlers(...)` runs in every worker):
    /// its cell, held by the handler's services and preflight answers, and
    /// how to merge it again.
    handlers: Mutex<Vec<(Weak<OwnerCell>, Remerge, bool)>>,
    /// Set once the startup summary has been logged (once per `Cors`).
    pub(crate) summary_logged: AtomicBool,
    /// What the log has already said, kept across updates.
    pub(crate) diagnostics: Arc<Diagnostics>,
}

impl Live {
    pub(crate) fn new(owner: Owner) -> Self {
        Live {
            diagnostics: Arc::clone(&owner.diagnostics),
            cell: Arc::new(ArcSwap::from_pointee(owner)),
            handlers: Mutex::default(),
            summary_logged: AtomicBool::new(false),
        }
    }

    /// The current owner.
    pub(crate) fn load(&self) -> arc_swap::Guard<Arc<Owner>> {
        self.cell.load()
    }

    /// Registers a handler's merged policy, to be made again by `remerge`
    /// on every update; `own_origins`: the handler names its own origins
    /// (it then does not inherit the origin check).
    pub(crate) fn add_handler(
        &self,
        merged: Policy,
        remerge: Remerge,
        own_origins: bool,
    ) -> Arc<OwnerCell> {
        let owner = Owner::for_handler(merged, &self.load(), own_origins);
        let cell = Arc::new(ArcSwap::from_pointee(owner));
        let mut handlers = self.handlers.lock().unwrap_or_else(PoisonError::into_inner);
        handlers.retain(|(cell, _, _)| cell.strong_count() > 0);
        handlers.push((Arc::downgrade(&cell), remerge, own_origins));
        cell
    }

    /// Replaces the policy, and every handler's merge with it, or nothing.
    fn update(&self, policy: Policy) -> Result<(), ConfigError> {
        // Held for the whole update: two updates never interleave.
        let handlers = self.handlers.lock().unwrap_or_else(PoisonError::into_inner);
        let current = self.load();
        let base = Owner::new(policy, current.switches, Arc::clone(&current.diagnostics))
            .with_origin_check(current.origin_check.clone());
        let mut merged = Vec::with_capacity(handlers.len());
        let mut error: Option<ConfigError> = None;
        for (cell, remerge, own_origins) in handlers.iter() {
            let Some(cell) = cell.upgrade() else {
                continue;
            };
            match remerge(&base.policy) {
                Ok(policy) => merged.push((cell, Owner::for_handler(policy, &base, *own_origins))),
                Err(e) => match &mut error {
                    Some(all) => all.extend(e),
                    None => error = Some(e),
                },
            }
        }
        if let Some(error) = error {
            tracing::warn!("CORS policy update refused, the running policy stays: {error}");
            return Err(error);
        }
        tracing::info!("CORS policy updated: {}", base.policy);
        self.cell.store(Arc::new(base));
        for (cell, owner) in merged {
            cell.store(Arc::new(owner));
        }
        Ok(())
    }
}

/// Replaces a running [`Cors`](crate::Cors)'s policy: every worker answers
/// from the new one from its next request on. Made by
/// [`Cors::handle`](crate::Cors::handle); cheap to clone, `Send + Sync`.
///
/// An update is validated as at startup, together with the merge of every
/// `#[cors]` handler registered from this `Cors`: when anything is invalid,
/// the update is refused with the same [`ConfigError`] (naming the handler
/// whose merge fails) and the running policy stays.
///
/// ```
/// use cors_actix::Cors;
///
/// let cors = Cors::builder().allowed_origin("https://app.example").build()?;
/// let handle = cors.handle();
/// // An admin added a front end: every worker allows it from now on.
/// handle.update_origins(["https://app.example", "https://new.example"])?;
/// assert!(cors.policy().to_string().contains("https://new.example"));
/// // An invalid update is refused; the running policy stays.
/// assert!(handle.update_origins(["https://broken.example/"]).is_err());
/// assert!(cors.policy().to_string().contains("https://new.example"));
/// # Ok::<(), cors_actix::ConfigError>(())
/// ```
#[derive(Clone)]
pub struct CorsHandle {
    pub(crate) live: Arc<Live>,
}

impl CorsHandle {
    /// The policy answering now.
    pub fn policy(&self) -> Policy {
        self.live.load().policy.clone()
    }

    /// Replaces the whole policy.
    pub fn update(&self, policy: Policy) -> Result<(), ConfigError> {
        self.live.update(policy)
    }

    /// Replaces only the allowed origins (exact origins and patterns, as
    /// [`CorsBuilder::allowed_origins`](crate::CorsBuilder::allowed_origins)
    /// takes them); every other setting stays.
    pub fn update_origins<I, S>(&self, origins: I) -> Result<(), ConfigError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let policy = self
            .policy()
            .to_builder()
            .clear_origins()
            .allowed_origins(origins)
            .build()?;
        self.update(policy)
    }

    /// Reads the `CORS_…` variables again through `lookup` (a file of
    /// `NAME=value` lines, a config service, …) and replaces the policy with
    /// what they say; variables are validated as at startup.
    pub fn reload_from_lookup<F>(&self, prefix: &str, lookup: F) -> Result<(), ConfigError>
    where
        F: Fn(&str) -> Option<String>,
    {
        let policy = cors_core::builder_from_lookup(prefix, lookup)?.build()?;
        self.update(policy)
    }

    /// Reads the `CORS_…` environment variables again and replaces the
    /// policy with what they say. A process's environment cannot be changed
    /// from outside once it runs: this is for apps that change their own
    /// (or for tests); a server reloading on `SIGHUP` reads a file with
    /// [`reload_from_lookup`](Self::reload_from_lookup).
    pub fn reload_env(&self) -> Result<(), ConfigError> {
        self.reload_env_with_prefix("")
    }

    /// Like [`reload_env`](Self::reload_env), reading `{prefix}CORS_…`.
    pub fn reload_env_with_prefix(&self, prefix: &str) -> Result<(), ConfigError> {
        let names: Vec<String> = std::env::vars_os()
            .filter_map(|(name, _)| name.into_string().ok())
            .collect();
        let lookup = |name: &str| std::env::var(name).ok();
        let policy = builder_from_variables(prefix, &names, lookup)?.build()?;
        self.update(policy)
    }
}

impl std::fmt::Debug for CorsHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CorsHandle")
            .field("policy", &self.live.load().policy)
            .finish()
    }
}
