//! The name registry: `register`, `unregister`, `whereis`, `registered`.
//!
//! A name is the stable identity of a service: a handle made with a name
//! ([`ServerRef::named`](crate::ServerRef::named)) resolves it at every call, so it reaches
//! whichever incarnation of the service is alive now. A process has at most one name; a dying
//! process's name is freed before its link and monitor signals go out.
//!
//! Names belong to a [node](crate::node): each node has its own registry, so the same name
//! on two nodes names two processes. These functions act on the
//! [current node](crate::node::Node::current).

use std::borrow::Borrow;
use std::fmt;
use std::sync::Arc;

use crate::node;
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

/// Registers `name` for the process `pid` on the [current node](crate::node::Node::current)
/// (see [`Node::register`](crate::node::Node::register) for a given node).
///
/// # Errors
///
/// [`RegisterError::Taken`] if another process has the name, [`RegisterError::NoProc`] if `pid`
/// is not alive, [`RegisterError::AlreadyNamed`] if the process has another name,
/// [`RegisterError::NotLocal`] if `pid` is a process of another node.
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
    let name = name.into();
    node::with_current(|n| n.register(name, pid))
}

/// Removes `name` from the current node's registry; the process lives on.
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
    node::with_current(|n| n.unregister(name))
}

/// The pid registered under `name` on the current node, if any.
///
/// # Examples
///
/// ```
/// assert_eq!(otp_runtime::whereis("nobody-has-this-name"), None);
/// ```
pub fn whereis(name: &str) -> Option<Pid> {
    node::with_current(|n| n.whereis(name))
}

/// All names registered on the current node, sorted.
///
/// # Examples
///
/// ```
/// let names = otp_runtime::registered();
/// assert!(names.windows(2).all(|w| w[0] <= w[1]));
/// ```
pub fn registered() -> Vec<Name> {
    node::with_current(|n| n.registered())
}
