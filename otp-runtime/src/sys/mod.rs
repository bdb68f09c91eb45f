//! Look inside a running server: OTP's `sys` module.
//!
//! Every behaviour's process (a [`GenServer`](crate::GenServer), whether written with
//! `#[gen_server]` or by hand, a [`GenStatem`](crate::GenStatem), an event manager, a
//! supervisor) answers *system requests* besides its own messages:
//!
//! | call | OTP | what it does |
//! |---|---|---|
//! | [`get_state`] | `sys:get_state/1` | the state as text (`Debug`, or [`GenServer::format_status`](crate::GenServer::format_status)) |
//! | [`inspect`] | `sys:get_state/1` | runs a closure on the state, typed: no `Debug` needed |
//! | [`replace_state`] | `sys:replace_state/2` | changes the state in place |
//! | [`get_status`] | `sys:get_status/1` | pid, name, behaviour, parent, running or suspended, mailbox length, the state |
//! | [`suspend`] / [`resume`] | `sys:suspend/1`, `sys:resume/1` | a suspended server queues its messages and serves only system requests |
//! | [`trace`] | `sys:trace/2` | logs each message and reply through `tracing` (target `otp_runtime::sys`) |
//! | [`statistics`] | `sys:statistics/2` | messages in, replies, since when |
//!
//! Each has a [`Sys`] form for a given node or timeout (5 s by default, as in OTP).
//!
//! # The path system requests take
//!
//! A system request does not queue behind the mailbox: it waits in a small side queue of the
//! node, and the target is woken with a flag, as an exit signal wakes it; the server serves
//! it when it is next polled, before its mailbox, so `get_state` answers at once even with a
//! million casts waiting (a server already handling a batch of messages finishes that batch
//! first: at most tokio's budget of 128 receives). (As in OTP, a server busy *inside* a
//! handler answers when the handler returns.) A server that never received one pays one
//! atomic load per poll, not per message, and keeps no debugging state at all.
//!
//! **It overtakes messages already in the mailbox**, yours included: unlike Erlang, where
//! `gen_server:cast(S, M), sys:get_state(S)` sees `M` handled, a cast sent just before
//! `get_state` may still be waiting. In a test, make a call first (calls are answered in
//! order), as the example below does.
//!
//! # Errors
//!
//! Every call returns a typed [`SysError`]: no such process, a plain process (which answers
//! no system requests), the process died first, no answer within the timeout, a state of
//! another type than the closure's, a state with no text form.
//!
//! # A node's processes
//!
//! [`processes`] lists a node's processes (pid, name, behaviour, parent supervisor, links,
//! monitors, mailbox length, messages handled, restarts, status); [`supervision_trees`]
//! walks each root supervisor's tree down; [`top`] ranks processes by mailbox length or by
//! message rate over a window (recon's `proc_count` and `proc_window`). The same calls are
//! on [`Node`](crate::node::Node::list_processes) for a given node.
//!
//! # Examples
//!
//! ```
//! use otp_runtime::prelude::*;
//! use otp_runtime::sys;
//!
//! #[derive(Debug)]
//! pub struct Counter { n: u64 }
//!
//! #[gen_server]
//! impl Counter {
//!     #[call]
//!     pub fn get(&self) -> u64 { self.n }
//!     #[cast]
//!     pub fn add(&mut self, k: u64) { self.n += k }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let c = Counter { n: 0 }.start().await.unwrap();
//! c.add(2);
//! c.get().await.unwrap(); // the cast is handled: system requests overtake the mailbox
//! assert_eq!(sys::get_state(&c).await.unwrap(), "Counter { n: 2 }");
//! assert_eq!(sys::inspect(&c, |s: &Counter| s.n).await, Ok(2));
//! sys::replace_state(&c, |s: &mut Counter| s.n = 10).await.unwrap();
//! assert_eq!(sys::inspect(&c, |s: &Counter| s.n).await, Ok(10));
//! # }
//! ```

mod list;
mod request;

use std::any::Any;
use std::fmt;
use std::time::Duration;

pub use self::list::{
    processes, supervision_trees, top, ChildNode, ChildView, ProcessStatus, ProcessSummary,
    SupervisionTree, SupervisorView, TopBy, TopEntry, LIST_WAIT,
};
pub(crate) use self::request::{Host, Queues, StatusParts, SysDebug};
use crate::node::{with_current, Node};
use crate::{ExitReason, Name, Pid};
pub(crate) use SysEvent as Event;

/// The default timeout of a system request (OTP's 5 s).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// What kind of process a process is.
///
/// # Examples
///
/// ```
/// use otp_runtime::prelude::*;
/// use otp_runtime::sys::{self, Behaviour};
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let p = otp_runtime::spawn(|mut ctx: ProcessCtx<()>| async move { ctx.recv().await; ExitReason::Normal });
/// assert_eq!(sys::behaviour(p.pid()), Some(Behaviour::Plain));
/// # }
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[non_exhaustive]
pub enum Behaviour {
    /// A process spawned with [`spawn`](crate::spawn): it answers no system requests.
    Plain,
    /// A [`GenServer`](crate::GenServer).
    GenServer,
    /// A [`GenStatem`](crate::GenStatem).
    GenStatem,
    /// An [`EventManager`](crate::gen_event::EventManager).
    GenEvent,
    /// A [supervisor](crate::supervisor).
    Supervisor,
}

impl Behaviour {
    pub(crate) const fn to_bits(self) -> u8 {
        match self {
            Behaviour::Plain => 0,
            Behaviour::GenServer => 1,
            Behaviour::GenStatem => 2,
            Behaviour::GenEvent => 3,
            Behaviour::Supervisor => 4,
        }
    }

    pub(crate) fn from_bits(b: u8) -> Behaviour {
        match b {
            1 => Behaviour::GenServer,
            2 => Behaviour::GenStatem,
            3 => Behaviour::GenEvent,
            4 => Behaviour::Supervisor,
            _ => Behaviour::Plain,
        }
    }

    /// Its OTP name: `gen_server`, `gen_statem`, `gen_event`, `supervisor`, `plain`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(otp_runtime::sys::Behaviour::GenStatem.as_str(), "gen_statem");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Behaviour::Plain => "plain",
            Behaviour::GenServer => "gen_server",
            Behaviour::GenStatem => "gen_statem",
            Behaviour::GenEvent => "gen_event",
            Behaviour::Supervisor => "supervisor",
        }
    }
}

impl fmt::Display for Behaviour {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The behaviour of live process `pid` of the current node; `None` if it is not alive.
///
/// # Examples
///
/// See [`Behaviour`].
pub fn behaviour(pid: Pid) -> Option<Behaviour> {
    let entry = with_current(|n| n.entry(pid)).ok().flatten()?;
    Some(Behaviour::from_bits(entry.shared().behaviour()))
}

/// Why a system request failed.
///
/// # Examples
///
/// ```
/// use otp_runtime::prelude::*;
/// use otp_runtime::sys::{self, SysError};
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// assert_eq!(sys::get_state("nobody").await, Err(SysError::NoProc));
/// let p = otp_runtime::spawn(|mut ctx: ProcessCtx<()>| async move { ctx.recv().await; ExitReason::Normal });
/// assert_eq!(sys::suspend(p.pid()).await, Err(SysError::NotABehaviour(p.pid())));
/// # }
/// ```
#[derive(Clone, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum SysError {
    /// No live process has this pid, or nobody is registered under this name.
    NoProc,
    /// A plain process: only behaviours answer system requests.
    NotABehaviour(Pid),
    /// A pid of another node: system requests go to processes of the node asked.
    OtherNode(Pid),
    /// The process asked itself: it cannot answer while it waits (OTP deadlocks here).
    OwnProcess,
    /// The process died before it answered.
    Exited(ExitReason),
    /// No answer within the timeout (the server is busy inside a handler).
    Timeout(Duration),
    /// The closure of [`inspect`] or [`replace_state`] takes another type than the state's.
    WrongType {
        /// The type the closure takes.
        expected: &'static str,
        /// The state's type.
        found: &'static str,
    },
    /// The state has no text form: it is not `Debug` (or a `#[gen_server]` on a generic
    /// type) and the server has no [`format_status`](crate::GenServer::format_status).
    NoFormat(&'static str),
}

impl fmt::Display for SysError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SysError::NoProc => f.write_str("no such process"),
            SysError::NotABehaviour(pid) => {
                write!(f, "{pid} is a plain process: it answers no system requests")
            }
            SysError::OtherNode(pid) => write!(f, "{pid} is a process of another node"),
            SysError::OwnProcess => f.write_str("a process cannot send itself a system request"),
            SysError::Exited(reason) => write!(f, "the process exited ({reason}) before answering"),
            SysError::Timeout(d) => write!(f, "no answer within {d:?}"),
            SysError::WrongType { expected, found } => {
                write!(f, "the state is a {found}, not a {expected}")
            }
            SysError::NoFormat(ty) => write!(
                f,
                "the state of {ty} has no text form: derive Debug or implement format_status"
            ),
        }
    }
}

impl std::error::Error for SysError {}

/// Whom a system request is for: a pid, a registered name, or a server's handle.
///
/// # Examples
///
/// ```
/// use otp_runtime::sys::Target;
/// let t: Target = "db".into();
/// # let _ = t;
/// ```
#[derive(Clone, Debug)]
pub struct Target(TargetInner);

#[derive(Clone, Debug)]
enum TargetInner {
    Pid(Pid),
    Name(Name),
    /// A handle whose name nobody has.
    Missing,
}

impl From<Pid> for Target {
    fn from(pid: Pid) -> Self {
        Target(TargetInner::Pid(pid))
    }
}

impl From<&str> for Target {
    fn from(name: &str) -> Self {
        Target(TargetInner::Name(name.into()))
    }
}

impl From<String> for Target {
    fn from(name: String) -> Self {
        Target(TargetInner::Name(name.into()))
    }
}

impl From<Name> for Target {
    fn from(name: Name) -> Self {
        Target(TargetInner::Name(name))
    }
}

/// Any handle a supervisor's start function can return: a server's (`ServerRef`, a
/// `#[gen_server]`'s handle), a state machine's, a supervisor's, an event manager's.
impl<T: crate::supervisor::ChildPid> From<&T> for Target {
    fn from(handle: &T) -> Self {
        handle
            .child_pid()
            .map_or(Target(TargetInner::Missing), Target::from)
    }
}

/// Running, or suspended by [`suspend`].
///
/// # Examples
///
/// See [`get_status`].
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum RunStatus {
    /// Serving its messages.
    Running,
    /// Serving only system requests until [`resume`].
    Suspended,
}

/// What [`get_status`] tells (OTP's `sys:get_status/1`).
///
/// # Examples
///
/// See [`get_status`].
#[derive(Clone, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub struct Status {
    /// Its pid.
    pub pid: Pid,
    /// Its registered name.
    pub name: Option<Name>,
    /// Its behaviour.
    pub behaviour: Behaviour,
    /// The Rust type of its callback module (the server's type, or the state machine's).
    pub module: &'static str,
    /// Running or suspended.
    pub status: RunStatus,
    /// The process that started it linked (its supervisor), if any.
    pub parent: Option<Pid>,
    /// Messages waiting in its mailbox.
    pub message_queue_len: usize,
    /// Messages it has handled since it started.
    pub messages_handled: u64,
    /// Its state as text ([`get_state`]), if it has a text form.
    pub state: Option<String>,
    /// The behaviour's own data, by name: a gen_statem's `"state"`, `"postponed"` (how
    /// many events) and `"timers"` (the running ones: `event timeout`, `state timeout`,
    /// `timeout "name"` for a generic one, comma-separated), a supervisor's `"restarts"` and
    /// `"children"`.
    pub data: Vec<(&'static str, String)>,
    /// Whether [`trace`] is on.
    pub trace: bool,
    /// Its [`statistics`], if they are being collected.
    pub statistics: Option<Statistics>,
}

/// What [`statistics`] collects (OTP's `sys:statistics/2`).
///
/// # Examples
///
/// See [`statistics`].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub struct Statistics {
    /// When collecting started.
    pub since: crate::time::Instant,
    /// Messages received since then: calls, casts, infos and signals.
    pub messages_in: u64,
    /// Replies sent since then (OTP's `messages_out`).
    pub replies: u64,
}

/// Turns statistics on, off, or reads them (OTP's `true | false | get`).
///
/// # Examples
///
/// See [`statistics`].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum StatsFlag {
    /// Starts collecting (afresh, if it was on).
    On,
    /// Stops collecting and forgets.
    Off,
    /// Reads what was collected; `None` if it is off.
    Get,
}

/// Turns a process's event log on, off, or reads it (OTP's `sys:log/2` with `{true, N}`,
/// `false` and `get`).
///
/// # Examples
///
/// See [`log`].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum LogFlag {
    /// Keeps the last `n` events (at least one) from now on; a log that is on already
    /// keeps its events, up to the new size.
    On(usize),
    /// Stops logging, and answers the events it kept.
    Off,
    /// Answers the events kept, oldest first; `None` if the log is off.
    Get,
}

/// What a process's event log holds ([`log`]).
///
/// # Examples
///
/// See [`log`].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub struct LogEvent {
    /// When it happened.
    pub at: crate::time::Instant,
    /// What happened.
    pub event: SysEvent,
}

/// One event of a behaviour's message loop, as [`trace`] prints it and [`log`] keeps it
/// (OTP's `system_event()`, without the message itself: messages are typed, and need not be
/// printable).
///
/// # Examples
///
/// ```
/// assert_eq!(otp_runtime::sys::SysEvent::Reply.as_str(), "reply");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[non_exhaustive]
pub enum SysEvent {
    /// A call came in (`{in, {'$gen_call', From, Msg}}`).
    Call,
    /// A cast came in.
    Cast,
    /// An info message came in.
    Info,
    /// A signal (an exit signal, a `DOWN`) came in.
    Signal,
    /// The gen_server timeout fired.
    Timeout,
    /// A request to stop came in.
    Stop,
    /// A reply went out (`{out, Reply, To}`).
    Reply,
}

impl SysEvent {
    /// Its name: `"call"`, `"cast"`, `"info"`, `"signal"`, `"timeout"`, `"stop request"`,
    /// `"reply"`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(otp_runtime::sys::SysEvent::Call.as_str(), "call");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            SysEvent::Call => "call",
            SysEvent::Cast => "cast",
            SysEvent::Info => "info",
            SysEvent::Signal => "signal",
            SysEvent::Timeout => "timeout",
            SysEvent::Stop => "stop request",
            SysEvent::Reply => "reply",
        }
    }
}

impl fmt::Display for SysEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// System requests to one process, with a node and timeout of your choosing; the free
/// functions of this module are `Sys::new(target)` on the current node, 5 s timeout.
///
/// # Examples
///
/// ```
/// use otp_runtime::prelude::*;
/// use otp_runtime::sys::Sys;
/// use std::time::Duration;
///
/// #[derive(Debug)]
/// pub struct Kv { n: u8 }
/// #[gen_server]
/// impl Kv {
///     #[call]
///     pub fn get(&self) -> u8 { self.n }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let node = Node::new();
/// let kv = node.scope(Kv { n: 1 }.start()).await.unwrap();
/// let sys = Sys::on(&node, &kv).timeout(Duration::from_millis(100));
/// assert_eq!(sys.get_state().await.unwrap(), "Kv { n: 1 }");
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct Sys {
    node: Node,
    target: Target,
    timeout: Duration,
}

impl Sys {
    /// Requests to `target` on the [current node](crate::node::Node::current).
    ///
    /// # Examples
    ///
    /// See [`Sys`].
    pub fn new(target: impl Into<Target>) -> Sys {
        Sys {
            node: Node::current(),
            target: target.into(),
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// Requests to `target` on `node`.
    ///
    /// # Examples
    ///
    /// See [`Sys`].
    pub fn on(node: &Node, target: impl Into<Target>) -> Sys {
        Sys {
            node: node.clone(),
            target: target.into(),
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// How long each request waits for its answer ([`DEFAULT_TIMEOUT`] unless set).
    ///
    /// # Examples
    ///
    /// See [`Sys`].
    pub fn timeout(mut self, timeout: Duration) -> Sys {
        self.timeout = timeout;
        self
    }

    /// See [`get_state`].
    ///
    /// # Errors
    ///
    /// See [`SysError`].
    ///
    /// # Examples
    ///
    /// See [`Sys`].
    pub async fn get_state(&self) -> Result<String, SysError> {
        self.request(|h| h.format_state().ok_or(SysError::NoFormat(h.module())))
            .await?
    }

    /// See [`inspect`].
    ///
    /// # Errors
    ///
    /// See [`SysError`].
    ///
    /// # Examples
    ///
    /// See [`inspect`].
    pub async fn inspect<S, R>(
        &self,
        f: impl FnOnce(&S) -> R + Send + 'static,
    ) -> Result<R, SysError>
    where
        S: 'static,
        R: Send + 'static,
    {
        self.replace_state(move |s: &mut S| f(s)).await
    }

    /// See [`replace_state`].
    ///
    /// # Errors
    ///
    /// See [`SysError`].
    ///
    /// # Examples
    ///
    /// See [`replace_state`].
    pub async fn replace_state<S, R>(
        &self,
        f: impl FnOnce(&mut S) -> R + Send + 'static,
    ) -> Result<R, SysError>
    where
        S: 'static,
        R: Send + 'static,
    {
        self.request(move |h| {
            let (state, found) = h.state();
            match state.downcast_mut::<S>() {
                Some(s) => Ok(f(s)),
                None => Err(SysError::WrongType {
                    expected: std::any::type_name::<S>(),
                    found,
                }),
            }
        })
        .await?
    }

    /// See [`get_status`].
    ///
    /// # Errors
    ///
    /// See [`SysError`].
    ///
    /// # Examples
    ///
    /// See [`get_status`].
    pub async fn get_status(&self) -> Result<Status, SysError> {
        self.request(|h| h.status()).await
    }

    /// See [`suspend`].
    ///
    /// # Errors
    ///
    /// See [`SysError`].
    ///
    /// # Examples
    ///
    /// See [`suspend`].
    pub async fn suspend(&self) -> Result<(), SysError> {
        self.request(|h| h.shared().set_suspended(true)).await
    }

    /// See [`resume`].
    ///
    /// # Errors
    ///
    /// See [`SysError`].
    ///
    /// # Examples
    ///
    /// See [`suspend`].
    pub async fn resume(&self) -> Result<(), SysError> {
        self.request(|h| h.shared().set_suspended(false)).await
    }

    /// See [`trace`].
    ///
    /// # Errors
    ///
    /// See [`SysError`].
    ///
    /// # Examples
    ///
    /// See [`trace`].
    pub async fn trace(&self, on: bool) -> Result<(), SysError> {
        self.request(move |h| h.debug_mut().set_trace(on)).await
    }

    /// See [`statistics`].
    ///
    /// # Errors
    ///
    /// See [`SysError`].
    ///
    /// # Examples
    ///
    /// See [`statistics`].
    pub async fn statistics(&self, flag: StatsFlag) -> Result<Option<Statistics>, SysError> {
        self.request(move |h| h.debug_mut().statistics(flag)).await
    }

    /// See [`log`].
    ///
    /// # Errors
    ///
    /// See [`SysError`].
    ///
    /// # Examples
    ///
    /// See [`log`].
    pub async fn log(&self, flag: LogFlag) -> Result<Option<Vec<LogEvent>>, SysError> {
        self.request(move |h| h.debug_mut().log(flag)).await
    }

    async fn request<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut dyn Host) -> R + Send + 'static,
    ) -> Result<R, SysError> {
        request::request(&self.node, &self.target, self.timeout, Box::new(f)).await
    }
}

/// The state of a server as text: its `Debug` form (a `#[gen_server]` on a `Debug` type has
/// it), or what its [`format_status`](crate::GenServer::format_status) shows, which can hide
/// secrets (OTP's `sys:get_state/1` with `format_status/1`). A gen_statem shows its state
/// and data.
///
/// # Errors
///
/// [`SysError::NoFormat`] for a state with no text form, and the others of [`SysError`].
///
/// # Examples
///
/// See [the module](self).
pub async fn get_state(target: impl Into<Target>) -> Result<String, SysError> {
    Sys::new(target).get_state().await
}

/// Runs `f` on the server's state, inside the server, between two messages, and returns
/// its result: typed, with no `Debug` needed. `S` is the server's type (for a gen_statem,
/// the type that implements [`GenStatem`](crate::GenStatem)).
///
/// # Errors
///
/// [`SysError::WrongType`] if the state is not an `S`, and the others of [`SysError`].
///
/// # Examples
///
/// ```
/// use otp_runtime::prelude::*;
/// use otp_runtime::sys::{self, SysError};
///
/// pub struct Secret { key: String }
/// #[gen_server]
/// impl Secret {
///     #[call]
///     pub fn len(&self) -> usize { self.key.len() }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let s = Secret { key: "hunter2".into() }.start().await.unwrap();
/// assert_eq!(sys::inspect(&s, |s: &Secret| s.key.clone()).await, Ok("hunter2".into()));
/// assert!(matches!(sys::inspect(&s, |n: &u8| *n).await, Err(SysError::WrongType { .. })));
/// # }
/// ```
pub async fn inspect<S, R>(
    target: impl Into<Target>,
    f: impl FnOnce(&S) -> R + Send + 'static,
) -> Result<R, SysError>
where
    S: 'static,
    R: Send + 'static,
{
    Sys::new(target).inspect(f).await
}

/// Changes the server's state in place with `f`, between two messages, and returns what `f`
/// returns (OTP's `sys:replace_state/2`, whose fun returns the new state). A panic in `f`
/// crashes the server, as a crash in OTP's state fun does not (there the fun's exception is
/// caught): keep `f` simple.
///
/// # Errors
///
/// [`SysError::WrongType`] if the state is not an `S`, and the others of [`SysError`].
///
/// # Examples
///
/// ```
/// use otp_runtime::prelude::*;
/// use otp_runtime::sys;
///
/// pub struct Counter { n: u64 }
/// #[gen_server]
/// impl Counter {
///     #[call]
///     pub fn get(&self) -> u64 { self.n }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let c = Counter { n: 1 }.start().await.unwrap();
/// let old = sys::replace_state(&c, |s: &mut Counter| std::mem::replace(&mut s.n, 7)).await;
/// assert_eq!(old, Ok(1));
/// assert_eq!(c.get().await, Ok(7));
/// # }
/// ```
pub async fn replace_state<S, R>(
    target: impl Into<Target>,
    f: impl FnOnce(&mut S) -> R + Send + 'static,
) -> Result<R, SysError>
where
    S: 'static,
    R: Send + 'static,
{
    Sys::new(target).replace_state(f).await
}

/// What a server is and does now (OTP's `sys:get_status/1`): see [`Status`].
///
/// # Errors
///
/// See [`SysError`].
///
/// # Examples
///
/// ```
/// use otp_runtime::prelude::*;
/// use otp_runtime::sys::{self, Behaviour, RunStatus};
///
/// #[derive(Debug)]
/// pub struct Counter { n: u64 }
/// #[gen_server]
/// impl Counter {
///     #[call]
///     pub fn get(&self) -> u64 { self.n }
///     #[cast]
///     pub fn add(&mut self, k: u64) { self.n += k }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let c = Counter { n: 0 }.start_named("counter").await.unwrap();
/// c.add(1);
/// c.get().await.unwrap(); // system requests overtake the mailbox: the cast is handled first
/// let status = sys::get_status("counter").await.unwrap();
/// assert_eq!(status.pid, c.pid().unwrap());
/// assert_eq!(status.name.unwrap().as_str(), "counter");
/// assert_eq!(status.behaviour, Behaviour::GenServer);
/// assert_eq!(status.status, RunStatus::Running);
/// assert_eq!(status.messages_handled, 2);
/// assert_eq!(status.state.as_deref(), Some("Counter { n: 1 }"));
/// # }
/// ```
pub async fn get_status(target: impl Into<Target>) -> Result<Status, SysError> {
    Sys::new(target).get_status().await
}

/// Suspends a server (OTP's `sys:suspend/1`): it handles no more messages, which wait in its
/// mailbox, and serves only system requests until [`resume`]. Exit signals still reach it.
///
/// # Errors
///
/// See [`SysError`].
///
/// # Examples
///
/// ```
/// use otp_runtime::prelude::*;
/// use otp_runtime::sys::{self, RunStatus};
/// use std::time::Duration;
///
/// pub struct Counter { n: u64 }
/// #[gen_server]
/// impl Counter {
///     #[call]
///     pub fn get(&self) -> u64 { self.n }
/// }
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
/// let c = Counter { n: 3 }.start().await.unwrap();
/// sys::suspend(&c).await.unwrap();
/// assert_eq!(sys::get_status(&c).await.unwrap().status, RunStatus::Suspended);
/// // A call waits in the mailbox until the server resumes.
/// let short = c.with_timeout(Duration::from_millis(10));
/// let err = short.get().await.unwrap_err();
/// assert!(matches!(err, CallError::Timeout { .. }), "{err:?}");
/// sys::resume(&c).await.unwrap();
/// assert_eq!(c.get().await, Ok(3));
/// # }
/// ```
pub async fn suspend(target: impl Into<Target>) -> Result<(), SysError> {
    Sys::new(target).suspend().await
}

/// Resumes a suspended server (OTP's `sys:resume/1`); a running one is left running.
///
/// # Errors
///
/// See [`SysError`].
///
/// # Examples
///
/// See [`suspend`].
pub async fn resume(target: impl Into<Target>) -> Result<(), SysError> {
    Sys::new(target).resume().await
}

/// Turns tracing of a server's messages on or off (OTP's `sys:trace/2`): each message it
/// receives, and each reply it sends, is logged through `tracing` at level `INFO`, target
/// `otp_runtime::sys`, with the pid, the kind of event and the state's text form when it has
/// one. Payloads are not logged (their types need not be `Debug`).
///
/// # Errors
///
/// See [`SysError`].
///
/// # Examples
///
/// ```
/// use otp_runtime::prelude::*;
/// use otp_runtime::sys;
///
/// pub struct Counter { n: u64 }
/// #[gen_server]
/// impl Counter {
///     #[call]
///     pub fn get(&self) -> u64 { self.n }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let c = Counter { n: 3 }.start().await.unwrap();
/// sys::trace(&c, true).await.unwrap();
/// c.get().await.unwrap(); // logs "got call" and "sent reply"
/// assert!(sys::get_status(&c).await.unwrap().trace);
/// sys::trace(&c, false).await.unwrap();
/// # }
/// ```
pub async fn trace(target: impl Into<Target>, on: bool) -> Result<(), SysError> {
    Sys::new(target).trace(on).await
}

/// Collects, reads or stops a server's statistics (OTP's `sys:statistics/2`).
///
/// # Errors
///
/// See [`SysError`].
///
/// # Examples
///
/// ```
/// use otp_runtime::prelude::*;
/// use otp_runtime::sys::{self, StatsFlag};
///
/// pub struct Counter { n: u64 }
/// #[gen_server]
/// impl Counter {
///     #[call]
///     pub fn get(&self) -> u64 { self.n }
///     #[cast]
///     pub fn add(&mut self, k: u64) { self.n += k }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let c = Counter { n: 0 }.start().await.unwrap();
/// assert_eq!(sys::statistics(&c, StatsFlag::Get).await, Ok(None));
/// sys::statistics(&c, StatsFlag::On).await.unwrap();
/// c.add(1);
/// c.get().await.unwrap();
/// let stats = sys::statistics(&c, StatsFlag::Get).await.unwrap().unwrap();
/// assert_eq!((stats.messages_in, stats.replies), (2, 1));
/// sys::statistics(&c, StatsFlag::Off).await.unwrap();
/// # }
/// ```
pub async fn statistics(
    target: impl Into<Target>,
    flag: StatsFlag,
) -> Result<Option<Statistics>, SysError> {
    Sys::new(target).statistics(flag).await
}

/// Keeps a process's last events in a bounded buffer, inside the process, or reads them
/// (OTP's `sys:log(Name, {true, N})`, `sys:log(Name, get)`, `sys:log(Name, false)`): what
/// an observer shows as a process's recent activity, without printing anything. While the
/// log is off it costs the process nothing; while on, each message costs a push.
///
/// # Errors
///
/// See [`SysError`].
///
/// # Examples
///
/// ```
/// use otp_runtime::prelude::*;
/// use otp_runtime::sys::{self, LogFlag, SysEvent};
///
/// pub struct Counter { n: u64 }
/// #[gen_server]
/// impl Counter {
///     #[call]
///     pub fn get(&self) -> u64 { self.n }
///     #[cast]
///     pub fn add(&mut self, k: u64) { self.n += k }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let c = Counter { n: 0 }.start().await.unwrap();
/// assert_eq!(sys::log(&c, LogFlag::Get).await, Ok(None));
/// sys::log(&c, LogFlag::On(2)).await.unwrap();
/// c.add(1);
/// c.get().await.unwrap();
/// let events = sys::log(&c, LogFlag::Get).await.unwrap().unwrap();
/// // The last two: the call and its reply (the cast fell out).
/// let kinds: Vec<SysEvent> = events.iter().map(|e| e.event).collect();
/// assert_eq!(kinds, [SysEvent::Call, SysEvent::Reply]);
/// assert_eq!(sys::log(&c, LogFlag::Off).await.unwrap().unwrap().len(), 2);
/// assert_eq!(sys::log(&c, LogFlag::Get).await, Ok(None));
/// # }
/// ```
pub async fn log(
    target: impl Into<Target>,
    flag: LogFlag,
) -> Result<Option<Vec<LogEvent>>, SysError> {
    Sys::new(target).log(flag).await
}

/// For `#[gen_server]`: the state's `Debug` form when its type has one, `None` otherwise
/// (autoref specialisation: the macro's impl is for a concrete type).
#[doc(hidden)]
pub mod __private {
    use std::fmt::Debug;

    pub struct Wrap<'a, T>(pub &'a T);

    pub trait ViaDebug {
        fn sys_format(&self) -> Option<String>;
    }
    impl<T: Debug> ViaDebug for Wrap<'_, T> {
        fn sys_format(&self) -> Option<String> {
            Some(format!("{:?}", self.0))
        }
    }

    pub trait ViaNothing {
        fn sys_format(&self) -> Option<String>;
    }
    impl<T> ViaNothing for &Wrap<'_, T> {
        fn sys_format(&self) -> Option<String> {
            None
        }
    }
}

/// The state as `dyn Any`, for [`inspect`] and [`replace_state`].
pub(crate) fn as_any<T: Any>(t: &mut T) -> &mut dyn Any {
    t
}
