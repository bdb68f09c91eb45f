//! Names through a registry of your own: OTP's `{via, Module, Name}`.
//!
//! A node's own names ([`register`](crate::register), [`StartOpts::name`]) are strings, one
//! per process, on one node. A [`Registry`] is anything else that maps keys to pids: a map
//! of typed keys, process groups, a directory service. Implement the trait (OTP's
//! `register_name/2`, `unregister_name/1`, `whereis_name/1`), then start servers with
//! [`StartOpts::via`] and reach them with [`ServerRef::via`]. The runtime registers the
//! server before its `init` runs, refuses the start if the key is taken
//! ([`StartError::AlreadyStarted`]), and releases the key when the process ends, before its
//! links and monitors are told, as it frees a local name: a supervisor that restarts the
//! server finds the key free.
//!
//! There is no `send/2` in the trait: mailboxes are typed, so a message goes through a
//! typed handle, [`ServerRef::via`], which asks [`Registry::whereis_name`] at each use.
//!
//! [`MapRegistry`] is a ready-made registry: a map from any hashable key, shared as an
//! `Arc`.
//!
//! | OTP | here |
//! |---|---|
//! | `{via, Module, Name}` in `gen_server:start_link/4` | `StartOpts::new().via(registry, key)` |
//! | `{via, Module, Name}` as a server reference | `ServerRef::via(registry, key)`, `FooRef::from(..)` |
//! | `Module:register_name/2`, `unregister_name/1`, `whereis_name/1` | [`Registry`] |
//! | `Module:send/2` | a typed handle's methods |
//!
//! # Examples
//!
//! ```
//! use otp_runtime::prelude::*;
//! use otp_runtime::via::MapRegistry;
//! use std::sync::Arc;
//!
//! /// Sessions, keyed by user id.
//! #[derive(Default)]
//! pub struct Session { hits: u32 }
//!
//! #[gen_server]
//! impl Session {
//!     #[call]
//!     pub fn hit(&mut self) -> u32 { self.hits += 1; self.hits }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let sessions: Arc<MapRegistry<u64>> = Arc::new(MapRegistry::new());
//! let s = Session::default()
//!     .start_with(StartOpts::new().via(sessions.clone(), 42))
//!     .await
//!     .unwrap();
//! assert_eq!(sessions.whereis(&42), s.pid());
//!
//! // A handle by key, resolved at each call.
//! let by_key = SessionRef::from(ServerRef::<Session>::via(sessions.clone(), 42));
//! assert_eq!(by_key.hit().await, Ok(1));
//!
//! // The key is taken.
//! let again = Session::default().start_with(StartOpts::new().via(sessions.clone(), 42)).await;
//! assert_eq!(again.unwrap_err(), StartError::AlreadyStarted(s.pid().unwrap()));
//!
//! // The server's end frees it.
//! s.stop(ExitReason::Normal, INFINITY).await.unwrap();
//! assert_eq!(sessions.whereis(&42), None);
//! let err = by_key.hit().await.unwrap_err();
//! assert_eq!(err, CallError::NoProc { target: CallTarget::Via("42".into()) });
//! assert_eq!(err.to_string(), "no process registered via 42");
//! # }
//! ```

use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

use crate::process::core::Owned;
use crate::{ExitReason, Pid};

#[cfg(doc)]
use crate::{ServerRef, StartError, StartOpts};

/// A name registry of your own (OTP's `via` callback module): keys to pids.
///
/// The methods are called from any task, concurrently; `register_name` must be atomic
/// (check and insert under one lock), as two servers may start under one key at once.
///
/// # Examples
///
/// A registry that also counts registrations:
///
/// ```
/// use otp_runtime::via::{MapRegistry, Registry};
/// use otp_runtime::Pid;
/// use std::sync::atomic::{AtomicUsize, Ordering};
///
/// #[derive(Default)]
/// struct Counted { map: MapRegistry<String>, registrations: AtomicUsize }
///
/// impl Registry for Counted {
///     type Key = String;
///     fn register_name(&self, key: &String, pid: Pid) -> Result<(), Pid> {
///         self.map.register_name(key, pid)?;
///         self.registrations.fetch_add(1, Ordering::Relaxed);
///         Ok(())
///     }
///     fn unregister_name(&self, key: &String) {
///         self.map.unregister_name(key)
///     }
///     fn whereis_name(&self, key: &String) -> Option<Pid> {
///         self.map.whereis_name(key)
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// # let pid = otp_runtime::spawn(|_c: otp_runtime::ProcessCtx<()>| async { otp_runtime::ExitReason::Normal }).pid();
/// let r = Counted::default();
/// r.register_name(&"a".to_string(), pid).unwrap();
/// assert_eq!(r.registrations.load(Ordering::Relaxed), 1);
/// # }
/// ```
pub trait Registry: Send + Sync + 'static {
    /// What names a process here (OTP's `Name` in `{via, Module, Name}`).
    type Key: Clone + fmt::Debug + Send + Sync + 'static;

    /// Registers `pid` under `key` (OTP's `register_name/2`): `Err(holder)` if another
    /// process holds it (OTP's `no`).
    ///
    /// # Errors
    ///
    /// The pid that holds `key`.
    ///
    /// # Examples
    ///
    /// See [`Registry`].
    fn register_name(&self, key: &Self::Key, pid: Pid) -> Result<(), Pid>;

    /// Removes `key` (OTP's `unregister_name/1`).
    ///
    /// # Examples
    ///
    /// See [`Registry`].
    fn unregister_name(&self, key: &Self::Key);

    /// The pid registered under `key` (OTP's `whereis_name/1`; `None` for `undefined`).
    ///
    /// # Examples
    ///
    /// See [`Registry`].
    fn whereis_name(&self, key: &Self::Key) -> Option<Pid>;

    /// Called by the runtime when `pid`, registered under `key` through
    /// [`StartOpts::via`], ends: removes the key if `pid` still holds it. The default asks
    /// [`whereis_name`](Registry::whereis_name) first; a registry that can check and remove
    /// in one step should.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::via::{MapRegistry, Registry};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// # let pid = otp_runtime::spawn(|_c: otp_runtime::ProcessCtx<()>| async { otp_runtime::ExitReason::Normal }).pid();
    /// let r = MapRegistry::new();
    /// r.register_name(&"a", pid).unwrap();
    /// r.release_name(&"b", pid); // not its key: nothing happens
    /// r.release_name(&"a", pid);
    /// assert_eq!(r.whereis_name(&"a"), None);
    /// # }
    /// ```
    fn release_name(&self, key: &Self::Key, pid: Pid) {
        if self.whereis_name(key) == Some(pid) {
            self.unregister_name(key);
        }
    }
}

/// A [`Registry`] in a map: any `Hash + Eq` key, one pid each. Share it as an `Arc`; each
/// is its own namespace (no process-wide state).
///
/// # Examples
///
/// See the [module](self).
pub struct MapRegistry<K> {
    names: Mutex<HashMap<K, Pid>>,
}

impl<K> Default for MapRegistry<K> {
    fn default() -> Self {
        MapRegistry {
            names: Mutex::new(HashMap::new()),
        }
    }
}

impl<K> fmt::Debug for MapRegistry<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MapRegistry")
            .field("len", &self.lock().len())
            .finish()
    }
}

impl<K> MapRegistry<K> {
    /// An empty registry.
    ///
    /// # Examples
    ///
    /// See the [module](self).
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, Pid>> {
        // A panic while holding the lock leaves the map whole: every change is one call.
        self.names.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl<K: Hash + Eq> MapRegistry<K> {
    /// The pid registered under `key`, if any.
    ///
    /// # Examples
    ///
    /// See the [module](self).
    pub fn whereis(&self, key: &K) -> Option<Pid> {
        self.lock().get(key).copied()
    }

    /// How many keys are registered.
    ///
    /// # Examples
    ///
    /// ```
    /// let r = otp_runtime::via::MapRegistry::<u8>::new();
    /// assert_eq!(r.len(), 0);
    /// assert!(r.is_empty());
    /// ```
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no key is registered.
    ///
    /// # Examples
    ///
    /// See [`MapRegistry::len`].
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }
}

impl<K> Registry for MapRegistry<K>
where
    K: Hash + Eq + Clone + fmt::Debug + Send + Sync + 'static,
{
    type Key = K;

    fn register_name(&self, key: &K, pid: Pid) -> Result<(), Pid> {
        let mut names = self.lock();
        match names.get(key) {
            Some(&holder) if holder != pid => Err(holder),
            _ => {
                names.insert(key.clone(), pid);
                Ok(())
            }
        }
    }

    fn unregister_name(&self, key: &K) {
        self.lock().remove(key);
    }

    fn whereis_name(&self, key: &K) -> Option<Pid> {
        self.whereis(key)
    }

    fn release_name(&self, key: &K, pid: Pid) {
        let mut names = self.lock();
        if names.get(key) == Some(&pid) {
            names.remove(key);
        }
    }
}

/// A registry and a key, with their types erased: what a start option and a handle hold.
pub(crate) trait ViaName: Send + Sync + fmt::Debug {
    fn register(&self, pid: Pid) -> Result<(), Pid>;
    fn release(&self, pid: Pid);
    fn whereis(&self) -> Option<Pid>;
    /// The key's `Debug` text, to name it in an error.
    fn key_text(&self) -> String;
}

/// `{via, R, key}`.
pub(crate) struct Via<R: Registry> {
    registry: Arc<R>,
    key: R::Key,
}

impl<R: Registry> Via<R> {
    pub(crate) fn erased(registry: Arc<R>, key: R::Key) -> Arc<dyn ViaName> {
        Arc::new(Via { registry, key })
    }
}

impl<R: Registry> fmt::Debug for Via<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{{via, {}, {:?}}}", std::any::type_name::<R>(), self.key)
    }
}

impl<R: Registry> ViaName for Via<R> {
    fn register(&self, pid: Pid) -> Result<(), Pid> {
        self.registry.register_name(&self.key, pid)
    }
    fn release(&self, pid: Pid) {
        self.registry.release_name(&self.key, pid)
    }
    fn key_text(&self) -> String {
        format!("{:?}", self.key)
    }
    fn whereis(&self) -> Option<Pid> {
        self.registry.whereis_name(&self.key)
    }
}

/// Releases a via name when its process ends (kept with the process's owned resources).
pub(crate) struct Release(pub(crate) Arc<dyn ViaName>);

impl Owned for Release {
    fn owner_exited(self: Arc<Self>, owner: Pid, _reason: &ExitReason) {
        // A registry that panics does not take the dying process's signals with it.
        let via = self.0.clone();
        if std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| via.release(owner))).is_err() {
            tracing::error!(%owner, name = ?self.0, "via registry panicked releasing a name");
        }
    }
}
