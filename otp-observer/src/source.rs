//! Where the observer's figures come from: a node of this program ([`LocalSource`]) or a
//! node reached over distribution ([`RemoteSource`](crate::RemoteSource)), both behind one
//! [`Source`] trait that speaks [`Request`] and [`Response`].

use std::future::Future;
use std::pin::Pin;

use otp_runtime::dist::mapping::{FromTerm, ToTerm};
use otp_runtime::node::Node;
use otp_runtime::supervisor::{SupervisorError, SupervisorRef};
use otp_runtime::{ExitReason, Pid};

use crate::model::{Inspect, Snapshot};

/// What the observer asks of a node.
///
/// # Examples
///
/// ```
/// use otp_observer::{LocalSource, Request, Response, Source};
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let source = LocalSource::new(&otp_runtime::node::Node::new());
/// let Response::Snapshot(snap) = source.request(Request::Snapshot).await.unwrap() else {
///     panic!("a snapshot was asked for")
/// };
/// assert!(snap.processes.is_empty());
/// # }
/// ```
#[derive(Clone, PartialEq, Eq, Debug, ToTerm, FromTerm)]
pub enum Request {
    /// A [`Snapshot`].
    Snapshot,
    /// A process's state and last events ([`Inspect::take`]).
    Inspect(Pid),
    /// Turns off the event log [`Request::Inspect`] turned on.
    Forget(Pid),
    /// Kills a process (an untrappable `kill` exit signal).
    Kill(Pid),
    /// Restarts child `id` of `supervisor`: `terminate_child` then `restart_child`; for a
    /// dynamic supervisor's child, which has no id to restart by, a kill of `child` (its
    /// supervisor restarts it by its restart type).
    Restart {
        /// The supervisor.
        supervisor: Pid,
        /// The child's id.
        id: String,
        /// The child's pid, if it runs.
        child: Option<Pid>,
    },
}

/// What a node answers a [`Request`].
///
/// # Examples
///
/// See [`Request`].
#[derive(Clone, PartialEq, Debug, ToTerm, FromTerm)]
pub enum Response {
    /// The answer to [`Request::Snapshot`].
    Snapshot(Snapshot),
    /// The answer to [`Request::Inspect`].
    Inspect(Inspect),
    /// An action done, said in words.
    Done(String),
    /// An action that could not be done, and why.
    Failed(String),
}

/// A boxed future, as [`Source`]'s methods return.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Why a [`Source`] could not answer: the node is out of reach (a remote one), or the agent
/// answered something else than expected.
///
/// # Examples
///
/// ```
/// let e = otp_observer::SourceError("node down".into());
/// assert_eq!(e.to_string(), "node down");
/// ```
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SourceError(pub String);

impl std::fmt::Display for SourceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SourceError {}

/// A node the observer watches.
///
/// # Examples
///
/// See [`Request`].
pub trait Source: Send + Sync {
    /// Sends `request`, and waits for the answer.
    ///
    /// # Errors
    ///
    /// [`SourceError`] when the node cannot be reached.
    ///
    /// # Examples
    ///
    /// See [`Request`].
    fn request(&self, request: Request) -> BoxFuture<'_, Result<Response, SourceError>>;
}

/// A node of this program.
///
/// # Examples
///
/// See [`Request`].
#[derive(Clone, Debug)]
pub struct LocalSource {
    node: Node,
}

impl LocalSource {
    /// Watches `node`.
    ///
    /// # Examples
    ///
    /// See [`Request`].
    pub fn new(node: &Node) -> LocalSource {
        LocalSource { node: node.clone() }
    }
}

impl Source for LocalSource {
    fn request(&self, request: Request) -> BoxFuture<'_, Result<Response, SourceError>> {
        Box::pin(async move { Ok(serve(&self.node, request).await) })
    }
}

/// Answers `request` about `node`: what a [`LocalSource`] and an [`Agent`](crate::Agent) do.
///
/// # Examples
///
/// ```
/// use otp_observer::{serve, Request, Response};
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let node = otp_runtime::node::Node::new();
/// let p = node.spawn(|mut ctx: otp_runtime::ProcessCtx<()>| async move {
///     ctx.recv().await;
///     otp_runtime::ExitReason::Normal
/// });
/// assert!(matches!(serve(&node, Request::Kill(p.pid())).await, Response::Done(_)));
/// assert_eq!(p.wait_exit().await, otp_runtime::ExitReason::Killed);
/// # }
/// ```
pub async fn serve(node: &Node, request: Request) -> Response {
    match request {
        Request::Snapshot => Response::Snapshot(Snapshot::take(node).await),
        Request::Inspect(pid) => Response::Inspect(Inspect::take(node, pid).await),
        Request::Forget(pid) => {
            Inspect::forget(node, pid).await;
            Response::Done(String::new())
        }
        Request::Kill(pid) => node.scope(kill(node, pid)).await,
        Request::Restart {
            supervisor,
            id,
            child,
        } => node.scope(restart(node, supervisor, id, child)).await,
    }
}

async fn kill(node: &Node, pid: Pid) -> Response {
    if !node.is_alive(pid) {
        return Response::Failed(format!("{pid} is not alive"));
    }
    otp_runtime::exit(pid, ExitReason::Kill);
    Response::Done(format!("killed {pid}"))
}

async fn restart(node: &Node, supervisor: Pid, id: String, child: Option<Pid>) -> Response {
    let sup = match SupervisorRef::from_pid(supervisor) {
        Ok(sup) => sup,
        Err(e) => return Response::Failed(format!("supervisor {supervisor}: {e}")),
    };
    match (sup.terminate_child(&id).await, child) {
        (Ok(()), _) => match sup.restart_child(&id).await {
            Ok(Some(pid)) => Response::Done(format!("restarted {id}: now {pid}")),
            Ok(None) => Response::Done(format!("restarted {id}: its start was ignored")),
            Err(e) => Response::Failed(format!("restart of {id}: {e}")),
        },
        // A dynamic supervisor's children have no id to restart by (it refuses the
        // request as invalid): a kill makes it restart the child by its restart type.
        (Err(SupervisorError::InvalidSpec(_)), Some(child)) => kill(node, child).await,
        (Err(e), _) => Response::Failed(format!("terminate of {id}: {e}")),
    }
}
