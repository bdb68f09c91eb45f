//! The runtime's typed errors. Every misuse the runtime can detect (a call to a dead process,
//! a name taken twice, a call to oneself, a start that fails) comes back as one of these.

use std::fmt;
use std::sync::Arc;

use crate::{ExitReason, Name, Pid};

/// A call that needs "the current process" was made outside any process (e.g. in plain
/// `main` or a bare tokio task).
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// // A bare tokio task is not a process.
/// assert_eq!(otp_runtime::self_pid(), Err(otp_runtime::NotInProcess));
/// # }
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct NotInProcess;

impl fmt::Display for NotInProcess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "not inside a process: this call acts on the calling process, \
             so call it from code run by otp_runtime::spawn or a gen_server",
        )
    }
}

impl std::error::Error for NotInProcess {}

/// Why [`register`](crate::register) or [`unregister`](crate::unregister) failed.
///
/// # Examples
///
/// ```
/// use otp_runtime::{register, RegisterError};
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let p = otp_runtime::spawn(|_ctx: otp_runtime::ProcessCtx<()>| async {
///     otp_runtime::ExitReason::Normal
/// });
/// let pid = p.pid();
/// p.wait_exit().await;
/// assert_eq!(register("late", pid), Err(RegisterError::NoProc));
/// # }
/// ```
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum RegisterError {
    /// Another live process has the name.
    Taken(Pid),
    /// The process to name is not alive.
    NoProc,
    /// The process already has this other name.
    AlreadyNamed(Name),
    /// `unregister`: no process has the name.
    NotRegistered,
    /// The process to name is of another node: a node registers its own processes only.
    NotLocal(Pid),
}

impl fmt::Display for RegisterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegisterError::Taken(p) => write!(f, "the name is already registered to {p}"),
            RegisterError::NoProc => f.write_str("the process to register is not alive"),
            RegisterError::AlreadyNamed(n) => {
                write!(f, "the process is already registered as {n:?}")
            }
            RegisterError::NotRegistered => f.write_str("no process is registered under the name"),
            RegisterError::NotLocal(p) => {
                write!(f, "{p} is a process of another node: a node names its own")
            }
        }
    }
}

impl std::error::Error for RegisterError {}

/// Why a call got no reply (OTP: the reason the caller of `gen_server:call` would exit with).
///
/// # Examples
///
/// ```
/// use otp_runtime::{CallError, ExitReason};
/// assert_eq!(CallError::Timeout.to_string(), "call timed out");
/// assert_eq!(
///     CallError::Exited(ExitReason::Panic("boom".into())).to_string(),
///     "the server exited during the call: panicked: boom"
/// );
/// ```
#[derive(Clone, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum CallError {
    /// No reply within the timeout. A reply that comes later is dropped.
    Timeout,
    /// The server is not alive (or no process has the name).
    NoProc,
    /// The server died before replying, with this reason. Reported as soon as it dies.
    Exited(ExitReason),
    /// A server called itself, which would wait forever.
    CallingSelf,
    /// The name is registered to a process whose message type is not this handle's.
    WrongType(Pid),
    /// The pid is a process of another node, which this one is not connected to (Erlang's
    /// `{nodedown, Node}`).
    NoConnection(Pid),
    /// A [`RequestId`](crate::RequestId) whose response was taken already: nothing is
    /// pending (OTP's `no_request`).
    NoRequest,
    /// The node the server is on could not be reached, or its connection went down during
    /// the call: said at once, not at the timeout.
    NodeDown(Arc<str>),
    /// The reply of a server of another node did not decode as the reply type.
    BadReply(Arc<str>),
    /// The operation needs a server of this node, and the handle is to one of another.
    NotLocal,
    /// The call closed a cycle of calls that no reply can end (A calls B while B calls A,
    /// directly or through others): the processes, from the caller round to it again. Found
    /// once the call has waited a second (calls answered sooner are never checked); the
    /// call ends at once, with a warning report that names the processes, instead of
    /// waiting for its timeout (or forever). No Erlang runtime does this.
    ///
    /// ```
    /// use otp_runtime::CallError;
    /// let pids: Vec<otp_runtime::Pid> = Vec::new(); // from the error
    /// let e = CallError::Deadlock(pids.into());
    /// assert!(e.to_string().starts_with("deadlock: a cycle of calls"));
    /// ```
    Deadlock(Arc<[Pid]>),
    /// The server let the call go without a reply and lives on: its handler returned
    /// `NoReply` without taking the call's [`ReplyTo`](crate::ReplyTo), or the `ReplyTo`
    /// was dropped unanswered (by the server, or by whoever it was handed to). Said at once;
    /// OTP's caller would wait for its timeout. A server that crashes or stops instead gives
    /// [`CallError::Exited`].
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    ///
    /// struct Forgetful;
    /// impl GenServer for Forgetful {
    ///     type Call = (); type Reply = (); type Cast = (); type Info = (); type Continue = ();
    ///     async fn handle_call(&mut self, _: (), ctx: &mut Ctx<Self>) -> CallResult<()> {
    ///         drop(ctx.defer_reply()); // never answered
    ///         CallResult::NoReply
    ///     }
    /// }
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let f = Forgetful.start().await.unwrap();
    /// assert_eq!(f.call_timeout((), INFINITY).await, Err(CallError::ReplyDropped));
    /// # }
    /// ```
    ReplyDropped,
    /// The call had to wait for its reply and no tokio runtime runs on this thread (a plain
    /// thread, `futures::executor::block_on`): a call's timeout needs tokio's timer. Call
    /// from inside a runtime (`#[tokio::main]`, a tokio task, a process), or hand the call to
    /// one with `Handle::block_on` or `Handle::spawn`.
    ///
    /// ```
    /// use otp_runtime::CallError;
    /// assert!(CallError::NoRuntime.to_string().starts_with("no tokio runtime"));
    /// ```
    NoRuntime,
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallError::Timeout => f.write_str("call timed out"),
            CallError::NoProc => f.write_str("no such process"),
            CallError::Exited(r) => write!(f, "the server exited during the call: {r}"),
            CallError::CallingSelf => f.write_str("a process called itself"),
            CallError::WrongType(p) => write!(
                f,
                "the name is registered to {p}, which does not take this handle's messages"
            ),
            CallError::NoConnection(p) => {
                write!(
                    f,
                    "{p} is a process of another node, not connected to this one"
                )
            }
            CallError::NoRequest => f.write_str("no request pending: its response was taken"),
            CallError::NodeDown(n) => write!(f, "node {n} is down or cannot be reached"),
            CallError::BadReply(e) => write!(f, "the reply does not fit the reply type: {e}"),
            CallError::NotLocal => f.write_str(
                "the operation needs a server of this node; a handle to a server of another \
                 node can call and cast",
            ),
            CallError::Deadlock(cycle) => {
                f.write_str("deadlock: a cycle of calls, ")?;
                for (i, pid) in cycle.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" -> ")?;
                    }
                    write!(f, "{pid}")?;
                }
                Ok(())
            }
            CallError::ReplyDropped => f.write_str(
                "the server dropped the call without replying: its handler returned NoReply \
                 without keeping the ReplyTo, or the ReplyTo was dropped unanswered",
            ),
            CallError::NoRuntime => f.write_str(
                "no tokio runtime on this thread: a call waits for its reply with tokio's \
                 timer, so make it from inside a runtime",
            ),
        }
    }
}

impl std::error::Error for CallError {}

/// Why a server did not start (OTP: `{error, _}` or `ignore` from `start`).
///
/// # Examples
///
/// ```
/// use otp_runtime::{ExitReason, StartError};
/// assert_eq!(
///     StartError::Failed(ExitReason::other("no config")).to_string(),
///     "init failed: no config"
/// );
/// ```
#[derive(Clone, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum StartError {
    /// The name is registered to this live process.
    AlreadyStarted(Pid),
    /// `init` asked not to start (OTP `ignore`). The process exited `normal`.
    Ignored,
    /// `init` stopped with this reason, or panicked (`ExitReason::Panic`). The process is
    /// dead and its name free by the time this is returned.
    Failed(ExitReason),
    /// `init` ran past the start timeout; the process was killed.
    Timeout,
    /// The node to start on has stopped (or its stop has reached its last processes): it
    /// takes no new processes.
    NodeStopped,
    /// `start_monitor` was called outside a process: there is no one to monitor the server
    /// (nothing was started).
    NotInProcess,
    /// A supervisor's spec is invalid (a zero period, duplicate child ids, a significant
    /// child that cannot be); nothing was started.
    InvalidSpec(Arc<str>),
    /// A supervisor's child failed to start, so the supervisor stopped the children it had
    /// started and did not start (OTP's `{shutdown, {failed_to_start_child, Id, Reason}}`).
    ChildFailed {
        /// The child's id.
        id: Arc<str>,
        /// Why it did not start.
        error: Box<StartError>,
    },
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartError::AlreadyStarted(p) => write!(f, "already started as {p}"),
            StartError::Ignored => f.write_str("init returned ignore"),
            StartError::Failed(r) => write!(f, "init failed: {r}"),
            StartError::Timeout => f.write_str("init timed out; the process was killed"),
            StartError::NodeStopped => f.write_str("the node has stopped"),
            StartError::NotInProcess => {
                f.write_str("start_monitor outside a process: nobody to monitor the server")
            }
            StartError::InvalidSpec(why) => write!(f, "invalid supervisor spec: {why}"),
            StartError::ChildFailed { id, error } => {
                write!(f, "child {id:?} failed to start: {error}")
            }
        }
    }
}

impl std::error::Error for StartError {}

/// A message could not be sent: the process is dead. The message comes back.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let p = otp_runtime::spawn(|_ctx: otp_runtime::ProcessCtx<u32>| async {
///     otp_runtime::ExitReason::Normal
/// });
/// p.wait_exit().await;
/// assert_eq!(p.send(7).unwrap_err().0, 7);
/// # }
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct SendError<M>(pub M);

impl<M> fmt::Debug for SendError<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SendError(..)")
    }
}

impl<M> fmt::Display for SendError<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the process is not alive")
    }
}

impl<M> std::error::Error for SendError<M> {}
