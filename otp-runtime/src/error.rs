//! The runtime's typed errors. Every misuse the runtime can detect (a call to a dead process,
//! a name taken twice, a call to oneself, a start that fails) comes back as one of these.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

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

/// Whom a call was for, as the caller named it: a pid, a registered name, a name on another
/// node, or a key in a registry of the user's. [`CallError::Timeout`] and
/// [`CallError::NoProc`] carry it, so that their text says whom the call was for.
///
/// A call by name that found a process and then timed out names the name, not the pid it
/// found: what the caller wrote.
///
/// # Examples
///
/// ```
/// use otp_runtime::{CallError, CallTarget};
/// use std::time::Duration;
///
/// let kv = CallTarget::Name("kv".into());
/// assert_eq!(kv.to_string(), "\"kv\"");
/// let remote = CallTarget::Remote { name: "fact1".into(), node: "b@host".into() };
/// assert_eq!(remote.to_string(), "{fact1, 'b@host'}");
///
/// let e = CallError::Timeout { target: kv, after: Duration::from_secs(5) };
/// assert_eq!(e.to_string(), "call to \"kv\" timed out after 5s");
/// ```
#[derive(Clone, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum CallTarget {
    /// A process, by pid (a pid-bound handle). Displays as `<0.42.0>`.
    Pid(Pid),
    /// A name registered on the caller's node. Displays as `"kv"`.
    Name(Name),
    /// A name registered on another node (Erlang's `{Name, Node}`). Displays as Erlang
    /// writes it: `{kv, 'b@host'}`.
    Remote {
        /// The registered name.
        name: Name,
        /// The node's name.
        node: Arc<str>,
    },
    /// A key in a registry of the user's ([`via`](crate::via)): the key's `Debug` text.
    /// Displays as `via Key`.
    Via(Arc<str>),
}

impl fmt::Display for CallTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallTarget::Pid(p) => write!(f, "{p}"),
            CallTarget::Name(n) => write!(f, "{n:?}"),
            CallTarget::Remote { name, node } => {
                f.write_str("{")?;
                write_atom(name.as_str(), false, f)?;
                f.write_str(", ")?;
                write_atom(node, true, f)?;
                f.write_str("}")
            }
            CallTarget::Via(key) => write!(f, "via {key}"),
        }
    }
}

/// An atom as Erlang writes it: bare if it may be (a lowercase letter, then letters, digits,
/// `_` and `@`) and not `quote`d, quoted otherwise (a node's name is quoted always).
fn write_atom(a: &str, quote: bool, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let bare = !quote
        && a.starts_with(|c: char| c.is_ascii_lowercase())
        && a.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '@');
    if bare {
        return f.write_str(a);
    }
    f.write_str("'")?;
    for c in a.chars() {
        match c {
            '\'' => f.write_str("\\'")?,
            '\\' => f.write_str("\\\\")?,
            c => fmt::Write::write_char(f, c)?,
        }
    }
    f.write_str("'")
}

/// Why a call got no reply (OTP: the reason the caller of `gen_server:call` would exit with).
///
/// # Examples
///
/// ```
/// use otp_runtime::{CallError, CallTarget, ExitReason};
/// use std::time::Duration;
///
/// let e = CallError::NoProc { target: CallTarget::Name("fact1".into()) };
/// assert_eq!(e.to_string(), "no process registered as \"fact1\"");
/// let e = CallError::Timeout { target: CallTarget::Name("kv".into()), after: Duration::from_millis(10) };
/// assert_eq!(e.to_string(), "call to \"kv\" timed out after 10ms");
/// // Match the variants with `{ .. }`:
/// assert!(matches!(e, CallError::Timeout { .. }));
/// assert_eq!(
///     CallError::Exited(ExitReason::Panic("boom".into())).to_string(),
///     "the server exited during the call: panicked: boom"
/// );
/// ```
#[derive(Clone, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum CallError {
    /// No reply within the timeout. A reply that comes later is dropped.
    Timeout {
        /// Whom the call was for.
        target: CallTarget,
        /// The timeout the call was given.
        after: Duration,
    },
    /// The server is not alive (or no process has the name).
    NoProc {
        /// Whom the call was for.
        target: CallTarget,
    },
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
    /// Checked before the call is sent, so the answer is the same every time. (The check is
    /// remembered per thread: a thread that found a runtime once and calls after leaving it
    /// gets this error when the call has to wait, and its reply if it came within the first
    /// round.)
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
            CallError::Timeout { target, after } => {
                write!(f, "call to {target} timed out after {after:?}")
            }
            CallError::NoProc { target } => match target {
                CallTarget::Pid(p) => write!(f, "no process {p}: it is not alive"),
                CallTarget::Name(n) => write!(f, "no process registered as {n:?}"),
                CallTarget::Remote { name, node } => {
                    f.write_str("no process registered as ")?;
                    write_atom(name.as_str(), false, f)?;
                    f.write_str(" on ")?;
                    write_atom(node, true, f)
                }
                CallTarget::Via(key) => write!(f, "no process registered via {key}"),
            },
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

impl CallError {
    /// A [`CallError::Timeout`] or [`CallError::NoProc`] named for `target` instead (what the
    /// caller wrote, where the error was built knowing the pid only); others as they are.
    #[cold]
    #[inline(never)]
    pub(crate) fn for_target(self, target: impl FnOnce() -> CallTarget) -> CallError {
        match self {
            CallError::Timeout { after, .. } => CallError::Timeout {
                target: target(),
                after,
            },
            CallError::NoProc { .. } => CallError::NoProc { target: target() },
            e => e,
        }
    }

    /// A [`CallError::NoProc`] for the process `pid`.
    #[cold]
    pub(crate) fn no_proc(pid: Pid) -> CallError {
        CallError::NoProc {
            target: CallTarget::Pid(pid),
        }
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    /// A target's text is Erlang's: an atom bare where Erlang writes it bare, a node quoted.
    #[test]
    fn targets_display_as_erlang_writes_them() {
        let remote = |name: &str| CallTarget::Remote {
            name: name.into(),
            node: "b@host".into(),
        };
        assert_eq!(remote("fact1").to_string(), "{fact1, 'b@host'}");
        assert_eq!(remote("Kv").to_string(), "{'Kv', 'b@host'}");
        assert_eq!(remote("my-kv").to_string(), "{'my-kv', 'b@host'}");
        assert_eq!(remote("it's").to_string(), "{'it\\'s', 'b@host'}");
        assert_eq!(CallTarget::Via("42".into()).to_string(), "via 42");
        let e = CallError::NoProc {
            target: remote("Kv"),
        };
        assert_eq!(e.to_string(), "no process registered as 'Kv' on 'b@host'");
        let e = CallError::NoProc {
            target: CallTarget::Via("\"user-1\"".into()),
        };
        assert_eq!(e.to_string(), "no process registered via \"user-1\"");
    }
}
