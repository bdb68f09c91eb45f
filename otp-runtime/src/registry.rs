//! The local name registry: `register`, `unregister`, `whereis`.
//!
//! A name is the stable identity of a service: a handle made with a name
//! ([`ServerRef::named`](crate::ServerRef::named)) resolves it at every call, so it reaches
//! whichever incarnation of the service is alive now. A process has at most one name; a dying
//! process's name is freed before its link and monitor signals go out.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, LazyLock, Mutex, MutexGuard, PoisonError};

use crate::process::core::{Entry, NameRefused};
use crate::process::table;
use crate::{Pid, RegisterError};

/// A registered name. Cheap to clone; made from `&str` or `String`.
///
/// # Examples
///
/// ```
/// use otp_runtime::Name;
/// let n: Name = "db".into();
/// assert_eq!(n.as_str(), "db");
/// assert_eq!(n, Name::from(String::from("db")));
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Name(Arc<str>);

impl Name {
    /// The name as text.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(otp_runtime::Name::from("x").as_str(), "x");
    /// ```
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Name {
    fn from(s: &str) -> Name {
        Name(s.into())
    }
}

impl From<String> for Name {
    fn from(s: String) -> Name {
        Name(s.into())
    }
}

impl From<&Name> for Name {
    fn from(n: &Name) -> Name {
        n.clone()
    }
}

impl Borrow<str> for Name {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

type Names = HashMap<Name, Arc<dyn Entry>>;

static NAMES: LazyLock<Mutex<Names>> = LazyLock::new(Default::default);

fn names() -> MutexGuard<'static, Names> {
    NAMES.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Registers `name` for the live process `entry`.
pub(crate) fn register_entry(name: Name, entry: Arc<dyn Entry>) -> Result<(), RegisterError> {
    let mut names = names();
    if let Some(owner) = names.get(&name) {
        return Err(RegisterError::Taken(owner.shared().pid()));
    }
    // Lock order: registry, then the process. A death takes the process lock first and the
    // registry only after releasing it, so the two never wait on each other.
    match entry.shared().set_name(name.clone()) {
        Ok(()) => {
            names.insert(name, entry);
            Ok(())
        }
        Err(NameRefused::Dead) => Err(RegisterError::NoProc),
        Err(NameRefused::HasName(old)) => Err(RegisterError::AlreadyNamed(old)),
    }
}

/// Registers `name` for the process `pid`.
///
/// # Errors
///
/// [`RegisterError::Taken`] if another process has the name, [`RegisterError::NoProc`] if `pid`
/// is not alive, [`RegisterError::AlreadyNamed`] if the process has another name.
///
/// # Examples
///
/// ```
/// use otp_runtime::prelude::*;
/// use otp_runtime::{register, whereis, RegisterError};
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let p = otp_runtime::spawn(|mut ctx: ProcessCtx<()>| async move {
///     ctx.recv().await;
///     ExitReason::Normal
/// });
/// register("logger", p.pid()).unwrap();
/// assert_eq!(whereis("logger"), Some(p.pid()));
/// assert_eq!(register("logger", p.pid()), Err(RegisterError::Taken(p.pid())));
/// # }
/// ```
pub fn register(name: impl Into<Name>, pid: Pid) -> Result<(), RegisterError> {
    let entry = table::get(pid).ok_or(RegisterError::NoProc)?;
    register_entry(name.into(), entry)
}

/// Removes `name` from the registry; the process lives on.
///
/// # Errors
///
/// [`RegisterError::NotRegistered`] if no process has the name.
///
/// # Examples
///
/// ```
/// use otp_runtime::prelude::*;
/// use otp_runtime::{register, unregister, whereis};
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let p = otp_runtime::spawn(|mut ctx: ProcessCtx<()>| async move {
///     ctx.recv().await;
///     ExitReason::Normal
/// });
/// register("tmp", p.pid()).unwrap();
/// unregister("tmp").unwrap();
/// assert_eq!(whereis("tmp"), None);
/// assert!(unregister("tmp").is_err());
/// # }
/// ```
pub fn unregister(name: &str) -> Result<(), RegisterError> {
    let entry = names().remove(name).ok_or(RegisterError::NotRegistered)?;
    entry.shared().clear_name();
    Ok(())
}

/// The pid registered under `name`, if any.
///
/// # Examples
///
/// ```
/// assert_eq!(otp_runtime::whereis("nobody-has-this-name"), None);
/// ```
pub fn whereis(name: &str) -> Option<Pid> {
    names().get(name).map(|e| e.shared().pid())
}

/// All registered names, sorted.
///
/// # Examples
///
/// ```
/// let names = otp_runtime::registered();
/// assert!(names.windows(2).all(|w| w[0] <= w[1]));
/// ```
pub fn registered() -> Vec<Name> {
    let mut v: Vec<Name> = names().keys().cloned().collect();
    v.sort();
    v
}

pub(crate) fn lookup(name: &str) -> Option<Arc<dyn Entry>> {
    names().get(name).cloned()
}

/// Frees `name` if `pid` still holds it (a dying process's last act before its signals).
pub(crate) fn remove_if(name: &str, pid: Pid) {
    let mut names = names();
    if names.get(name).is_some_and(|e| e.shared().pid() == pid) {
        names.remove(name);
    }
}
