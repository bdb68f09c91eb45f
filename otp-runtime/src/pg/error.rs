//! What can go wrong with a scope.

use std::fmt;

use crate::{Name, Pid};

/// Why a group operation could not be done.
///
/// # Examples
///
/// ```
/// use otp_runtime::pg::{self, PgError};
/// use otp_runtime::prelude::*;
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let (here, there) = (Node::new(), Node::new());
/// let remote = there.spawn(|_ctx: ProcessCtx<()>| async { ExitReason::Normal }).pid();
/// // A pid of another node cannot join through this node's scope.
/// let joined = here.scope(pg::join("workers", remote)).await;
/// assert_eq!(joined, Err(PgError::NotLocal(remote)));
/// # }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PgError {
    /// The pid is not a process of the scope's node: a scope joins its own node's processes
    /// only (Erlang's `{nolocal, Pid}`).
    NotLocal(Pid),
    /// No scope is registered under this name on the node.
    NoScope(Name),
    /// The name is a scope of another group type, or a process that is no scope.
    WrongType {
        /// The name.
        name: Name,
        /// The group type asked for.
        expected: &'static str,
    },
    /// The scope process has ended (it was stopped or killed, or its node stopped) before
    /// it answered.
    ScopeDown(Name),
    /// The node has stopped: its default scope cannot start.
    NodeStopped,
}

impl fmt::Display for PgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PgError::NotLocal(p) => write!(f, "{p} is not a process of the scope's node"),
            PgError::NoScope(n) => write!(f, "no pg scope is registered as {:?}", n.as_str()),
            PgError::WrongType { name, expected } => write!(
                f,
                "{:?} is not a pg scope of groups of type {expected}",
                name.as_str()
            ),
            PgError::ScopeDown(n) => write!(f, "the pg scope {:?} has ended", n.as_str()),
            PgError::NodeStopped => f.write_str("the node has stopped"),
        }
    }
}

impl std::error::Error for PgError {}
