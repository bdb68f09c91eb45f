//! Processes: spawn, mailboxes, links, monitors and exit signals.
//!
//! A process is a tokio task with a pid, a typed mailbox and Erlang's signal semantics
//! (otp-semantics §A1):
//!
//! ```text
//!   ProcessRef<M>::send ──▶ [ mailbox: M, trapped EXITs, DOWNs, timers ] ──▶ ctx.recv()
//!   exit(pid, reason)   ──▶ [ exit flag ] ──▶ the process dies at its next poll, whatever it
//!                                             awaits, without reading its mailbox
//! ```
//!
//! When a process ends (its future returns an [`ExitReason`], panics, or is killed) its name
//! is freed, then linked processes get an exit signal and monitors a `DOWN`, in an order that
//! is the same in every run: the linked processes oldest first (by pid), then the monitors
//! (and tasks waiting with `wait_exit`) in the order they were set. [`links`] lists a
//! process's links oldest first too.
//!
//! Every process belongs to a [node](crate::node): spawned from a process, it joins that
//! process's node; from elsewhere, the [current node](crate::node::Node::current).
//!
//! # Panics are crashes
//!
//! A panic inside a process is caught at the process boundary: the process exits with
//! [`ExitReason::Panic`] and its links and monitors fire; nothing escapes to the runtime.
//! This needs `panic = "unwind"` (Rust's default). With `panic = "abort"` in your profile a
//! panic ends the whole program instead, and supervisors cannot heal anything.
//!
//! # Exit signals act at await points
//!
//! An exit signal that kills is acted on the next time the process is polled. A process busy
//! in a long synchronous loop dies when it next awaits.

pub(crate) mod core;
pub(crate) mod current;
pub(crate) mod mailbox;
pub(crate) mod run;
mod sets;
mod task;
mod timer;
mod timer_queue;
mod waker;

#[cfg(test)]
pub(crate) use self::waker::counting;

use std::collections::HashSet;
use std::fmt;
use std::future::Future;
use std::hash::BuildHasherDefault;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::sync::oneshot;

use self::core::{exit_signal, Core, Entry, Envelope, Shared, SystemMsg, Watcher};
use self::mailbox::{Inbox, Mailbox};
use self::run::ProcessFuture;
pub use self::task::{spawn_linked_task, spawn_task, TaskError, TaskExit, TaskHandle};
use self::timer::Timers;
pub use self::timer::{timer_count, TimerRef};
use crate::node::table::IdHasher;
use crate::node::{with_current, Node};
use crate::{ExitReason, Name, NotInProcess, Pid, SendError};

/// The pid exit signals come from when they are sent from outside any process.
const NOBODY: Pid = Pid::nobody();

/// Names one monitor, to match its `DOWN` or to [`demonitor`] it.
///
/// # Examples
///
/// ```
/// use otp_runtime::prelude::*;
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let watcher = otp_runtime::spawn(|mut ctx: ProcessCtx<()>| async move {
///     let target = otp_runtime::spawn(|_ctx: ProcessCtx<()>| async { ExitReason::other("done") });
///     let m: MonitorRef = ctx.monitor(target.pid());
///     assert_eq!(m.target(), target.pid());
///     match ctx.recv().await {
///         Message::Down { monitor, reason, .. } if monitor == m => reason,
///         other => panic!("unexpected {other:?}"),
///     }
/// });
/// assert_eq!(watcher.wait_exit().await, ExitReason::other("done"));
/// # }
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct MonitorRef {
    id: u64,
    target: Pid,
}

impl MonitorRef {
    pub(crate) fn new(id: u64, target: Pid) -> MonitorRef {
        MonitorRef { id, target }
    }

    /// The monitored process.
    ///
    /// # Examples
    ///
    /// See [`MonitorRef`].
    pub fn target(&self) -> Pid {
        self.target
    }

    pub(crate) fn id(&self) -> u64 {
        self.id
    }
}

/// What [`ProcessCtx::recv`] gives: a message, or a signal that became a message.
///
/// # Examples
///
/// ```
/// use otp_runtime::prelude::*;
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let p = otp_runtime::spawn(|mut ctx: ProcessCtx<u32>| async move {
///     match ctx.recv().await {
///         Message::Msg(n) => ExitReason::other(n),
///         Message::Exit { .. } | Message::Down { .. } => ExitReason::Normal,
///     }
/// });
/// p.send(7).unwrap();
/// assert_eq!(p.wait_exit().await, ExitReason::other(7));
/// # }
/// ```
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Message<M> {
    /// A message sent to this process (or a timer's message).
    Msg(M),
    /// An exit signal from a linked process (or sent by [`exit`]), received because this
    /// process traps exits (`{'EXIT', From, Reason}`).
    Exit {
        /// Who sent it; `<0.0.0>` when sent from outside any process.
        from: Pid,
        /// Why.
        reason: ExitReason,
    },
    /// A monitored process ended (`{'DOWN', Ref, process, Pid, Reason}`).
    Down {
        /// The monitor that fired.
        monitor: MonitorRef,
        /// The process that ended.
        pid: Pid,
        /// Why; `NoProc` if it was not alive when the monitor was set.
        reason: ExitReason,
    },
}

/// A typed handle to a process: send it messages, get its pid, wait for its end.
/// `Clone + Send + Sync`; cloning is one reference-count increment.
///
/// # Examples
///
/// ```
/// use otp_runtime::prelude::*;
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let echo = otp_runtime::spawn(|mut ctx: ProcessCtx<String>| async move {
///     while let Message::Msg(m) = ctx.recv().await {
///         if m == "stop" { break }
///     }
///     ExitReason::Normal
/// });
/// echo.send("hi".to_string()).unwrap();
/// echo.send("stop".to_string()).unwrap();
/// assert_eq!(echo.wait_exit().await, ExitReason::Normal);
/// assert!(!echo.is_alive());
/// # }
/// ```
pub struct ProcessRef<M> {
    core: Arc<Core<M>>,
}

impl<M> Clone for ProcessRef<M> {
    fn clone(&self) -> Self {
        ProcessRef {
            core: self.core.clone(),
        }
    }
}

impl<M> fmt::Debug for ProcessRef<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ProcessRef({})", self.core.shared.pid())
    }
}

impl<M: Send + 'static> ProcessRef<M> {
    pub(crate) fn from_core(core: Arc<Core<M>>) -> Self {
        ProcessRef { core }
    }

    pub(crate) fn core(&self) -> &Arc<Core<M>> {
        &self.core
    }

    /// [`ProcessCtx::accept_remote`], by the spawner: call it before the pid is known to
    /// anyone, and no message from another node is missed.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    /// use otp_runtime::dist::term::Atom;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let p = otp_runtime::spawn(|mut ctx: ProcessCtx<Atom>| async move {
    ///     match ctx.recv().await {
    ///         Message::Msg(a) => ExitReason::other(a),
    ///         _ => ExitReason::Normal,
    ///     }
    /// });
    /// p.accept_remote();
    /// otp_runtime::dist::send(p.pid(), &Atom::new("hi")).unwrap();
    /// assert_eq!(p.wait_exit().await, ExitReason::other("hi"));
    /// # }
    /// ```
    pub fn accept_remote(&self)
    where
        M: crate::dist::mapping::FromTerm,
    {
        accept_remote(&self.core);
    }

    /// The process's pid.
    ///
    /// # Examples
    ///
    /// See [`ProcessRef`].
    pub fn pid(&self) -> Pid {
        self.core.shared.pid()
    }

    /// Sends `msg`. Never blocks: mailboxes are unbounded, as in Erlang.
    ///
    /// # Errors
    ///
    /// The message back, if the process is dead. (A message sent while the process is dying,
    /// after its last receive and before its mailbox is dropped, is dropped silently, as in
    /// Erlang.)
    ///
    /// # Examples
    ///
    /// See [`ProcessRef`].
    #[inline]
    pub fn send(&self, msg: M) -> Result<(), SendError<M>> {
        // No alive check here: the mailbox closes when the process dies, and not touching the
        // process's flags keeps a fast sender off the cache line the process writes.
        self.core
            .mailbox
            .send(Envelope::Msg(msg))
            .map_err(|e| match e {
                Envelope::Msg(m) => SendError(m),
                _ => unreachable!("sent a message envelope"),
            })
    }

    /// Whether the process is alive.
    ///
    /// # Examples
    ///
    /// See [`ProcessRef`].
    pub fn is_alive(&self) -> bool {
        !self.core.shared.is_exited()
    }

    /// Waits until the process has ended and returns its exit reason. Works from anywhere,
    /// inside a process or not, and as often as you like.
    ///
    /// # Examples
    ///
    /// See [`ProcessRef`].
    pub async fn wait_exit(&self) -> ExitReason {
        wait_shared_exit(&self.core.shared).await
    }
}

/// Lets the scheduler run once: the process we just woke (with a request, a start, a stop)
/// usually runs before we are polled again, since tokio puts a self-woken task behind the
/// others. A caller that then finds its answer ready skips registering a waker, a monitor or
/// a timer: a tokio timer costs two driver locks and an `Arc` clone of the runtime handle,
/// more than a whole call round trip. Timeouts then count from a scheduling round later.
pub(crate) async fn yield_now() {
    let mut yielded = false;
    std::future::poll_fn(move |cx| {
        if yielded {
            return std::task::Poll::Ready(());
        }
        yielded = true;
        cx.waker().wake_by_ref();
        std::task::Poll::Pending
    })
    .await
}

/// Waits for the end of the process behind `shared`; its reason, at once if it is dead.
/// Dropping the future before the end removes the waiter (a timed-out wait leaves nothing).
pub(crate) async fn wait_shared_exit(shared: &Shared) -> ExitReason {
    struct Cancel<'a>(&'a Shared, u64);
    impl Drop for Cancel<'_> {
        fn drop(&mut self) {
            self.0.remove_monitor(self.1);
        }
    }
    let (tx, rx) = oneshot::channel();
    let id = shared.next_ref();
    if shared.add_monitor(id, Watcher::Waiter(tx)).is_err() {
        return shared.exit_reason().unwrap_or(ExitReason::NoProc);
    }
    let cancel = Cancel(shared, id);
    let reason = rx.await.unwrap_or(ExitReason::NoProc);
    // Fired: the dead process's watcher list is gone already.
    std::mem::forget(cancel);
    reason
}

/// The end of the process behind `shared`, as [`wait_shared_exit`] gives it, for a call's slow
/// path: its watcher is the caller's waker, not a oneshot, so setting it up allocates nothing.
/// Woken, it reads the reason once the death has been signalled. Unlike a waiter's, its
/// answer is not ordered after the monitors set before it (a caller's `Exited` may come before
/// another watcher's `DOWN`, as in Erlang, where no order holds between two receivers).
/// Dropped before the end, it removes its watcher.
pub(crate) struct ExitWatch<'a> {
    shared: &'a Shared,
    /// The watcher's id and the waker it holds, once set.
    set: Option<(u64, std::task::Waker)>,
}

impl<'a> ExitWatch<'a> {
    pub(crate) fn new(shared: &'a Shared) -> Self {
        ExitWatch { shared, set: None }
    }
}

impl Future for ExitWatch<'_> {
    type Output = ExitReason;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<ExitReason> {
        let shared = self.shared;
        match &self.set {
            Some((_, waker)) if waker.will_wake(cx.waker()) => {
                // One atomic load unless it has died; the lock only then.
                if !shared.is_exited() {
                    return Poll::Pending;
                }
                if let Some(reason) = shared.signalled_exit() {
                    // Told already: the dead process's watchers are gone.
                    self.set = None;
                    return Poll::Ready(reason);
                }
                Poll::Pending
            }
            // First polled, or polled from another task: (re)set the watcher.
            _ => {
                if let Some((id, _)) = self.set.take() {
                    shared.remove_monitor(id);
                }
                let id = shared.next_ref();
                let waker = cx.waker().clone();
                if shared
                    .add_monitor(id, Watcher::Wake(waker.clone()))
                    .is_err()
                {
                    return Poll::Ready(shared.exit_reason().unwrap_or(ExitReason::NoProc));
                }
                self.set = Some((id, waker));
                Poll::Pending
            }
        }
    }
}

impl Drop for ExitWatch<'_> {
    fn drop(&mut self) {
        if let Some((id, _)) = self.set.take() {
            self.shared.remove_monitor(id);
        }
    }
}

/// The inside of a process: its mailbox, timers, and the operations on "this process".
///
/// A process's function receives its context by value; [`spawn`] shows one.
///
/// # Examples
///
/// ```
/// use otp_runtime::prelude::*;
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let adder = otp_runtime::spawn(|mut ctx: ProcessCtx<u64>| async move {
///     let mut sum = 0;
///     while let Message::Msg(n) = ctx.recv().await {
///         if n == 0 { break }
///         sum += n;
///     }
///     ExitReason::other(sum)
/// });
/// for n in [1, 2, 3, 0] { adder.send(n).unwrap(); }
/// assert_eq!(adder.wait_exit().await, ExitReason::other(6));
/// # }
/// ```
pub struct ProcessCtx<M> {
    /// Its core, whose mailbox's one receiver this context is (made together in
    /// `Prepared::on`): the receiving methods' contract (see `Inbox::poll_recv`).
    core: Arc<Core<M>>,
    /// Timers and flushed monitors, allocated at first use: an idle process pays one pointer.
    rare: Option<Box<Rare<M>>>,
}

/// The mailbox closes with its receiver: a message sent from now on is dropped, as one sent
/// to a dead process in Erlang.
impl<M> Drop for ProcessCtx<M> {
    fn drop(&mut self) {
        // SAFETY: this context is its mailbox's one receiver (see `ProcessCtx::core`).
        unsafe { self.core.inbox.close(&self.core.mailbox) };
    }
}

/// What few processes use.
struct Rare<M> {
    timers: Timers<M>,
    /// Monitors removed with `flush` whose `DOWN` may already be on its way.
    flushed: HashSet<u64, BuildHasherDefault<IdHasher>>,
}

impl<M: Send + 'static> Rare<M> {
    fn new() -> Self {
        Rare {
            timers: Timers::new(),
            flushed: HashSet::default(),
        }
    }
}

impl<M: Send + 'static> ProcessCtx<M> {
    fn rare(&mut self) -> &mut Rare<M> {
        self.rare.get_or_insert_with(|| Box::new(Rare::new()))
    }

    /// Whether `id` was a flushed monitor (and forgets it).
    fn unflush(&mut self, id: u64) -> bool {
        self.rare.as_mut().is_some_and(|r| r.flushed.remove(&id))
    }

    /// Gives back what this process holds and no longer needs (a hibernating behaviour's
    /// part): its mailbox's spare capacity, and its timer and flushed-monitor bookkeeping
    /// when nothing is left in it, their spare capacity otherwise.
    pub(crate) fn shrink(&mut self) {
        // SAFETY: this context is its mailbox's one receiver (see `ProcessCtx::core`).
        unsafe { self.core.inbox.shrink(&self.core.mailbox) };
        if let Some(r) = &mut self.rare {
            if r.timers.len() == 0 && r.flushed.is_empty() {
                self.rare = None;
            } else {
                r.flushed.shrink_to_fit();
            }
        }
    }

    /// A fired timer's message, unless it was cancelled meanwhile.
    fn fired(&mut self, id: u64) -> Option<M> {
        self.rare.as_mut()?.timers.fired(id)
    }
}

impl<M: Send + 'static> ProcessCtx<M> {
    /// This process's pid.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let p = otp_runtime::spawn(|ctx: ProcessCtx<()>| async move {
    ///     assert_eq!(Ok(ctx.pid()), otp_runtime::self_pid());
    ///     ExitReason::Normal
    /// });
    /// assert_eq!(p.wait_exit().await, ExitReason::Normal);
    /// # }
    /// ```
    pub fn pid(&self) -> Pid {
        self.core.shared.pid()
    }

    /// A handle to this process, to give to others.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let p = otp_runtime::spawn(|mut ctx: ProcessCtx<u8>| async move {
    ///     ctx.handle().send(1).unwrap();
    ///     assert_eq!(ctx.recv().await, Message::Msg(1));
    ///     ExitReason::Normal
    /// });
    /// assert_eq!(p.wait_exit().await, ExitReason::Normal);
    /// # }
    /// ```
    pub fn handle(&self) -> ProcessRef<M> {
        ProcessRef {
            core: self.core.clone(),
        }
    }

    /// Lets processes of other nodes send to this one: from now on a message that arrives
    /// over distribution (to this pid, or to the name it registers) is decoded as `M` and
    /// put in the mailbox, in order with the others. A message that does not decode as `M`
    /// is dropped with a warning naming the process and the error; it never kills the
    /// process. Messages of this node's processes keep coming as they did.
    ///
    /// Messages that arrive before are dropped (the node cannot know their type), so call
    /// it first thing, in the closure given to `spawn` rather than in its async block, or
    /// let the spawner call [`ProcessRef::accept_remote`] before it tells anyone the pid.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    /// use otp_runtime::dist::mapping::FromTerm;
    ///
    /// #[derive(FromTerm, Debug, PartialEq)]
    /// enum Cmd { Ping, Add(i64) }
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let p = otp_runtime::spawn(|mut ctx: ProcessCtx<Cmd>| {
    ///     ctx.accept_remote(); // before the process runs: nothing is missed
    ///     async move {
    ///         match ctx.recv().await {
    ///             Message::Msg(Cmd::Add(n)) => ExitReason::other(n),
    ///             _ => ExitReason::Normal,
    ///         }
    ///     }
    /// });
    /// // As a message from another node arrives: {add, 2}.
    /// use otp_runtime::dist::term::{Atom, Term};
    /// let msg = Term::Tuple(vec![Term::Atom(Atom::new("add")), Term::Int(2)]);
    /// otp_runtime::dist::send(p.pid(), &msg).unwrap();
    /// assert_eq!(p.wait_exit().await, ExitReason::other(2));
    /// # }
    /// ```
    pub fn accept_remote(&self)
    where
        M: crate::dist::mapping::FromTerm,
    {
        accept_remote(&self.core);
    }

    /// Receives the next message, in arrival order: a message, a trapped exit signal, or a
    /// `DOWN`.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if the future is dropped before it completes, no message is lost.
    ///
    /// # Examples
    ///
    /// See [`ProcessCtx`].
    pub async fn recv(&mut self) -> Message<M> {
        loop {
            let env = std::future::poll_fn(|cx| self.poll_envelope(cx)).await;
            if let Some(m) = self.open(env) {
                return m;
            }
        }
    }

    /// The next message if one is waiting, without waiting.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let p = otp_runtime::spawn(|mut ctx: ProcessCtx<u8>| async move {
    ///     assert_eq!(ctx.try_recv(), None);
    ///     ctx.handle().send(5).unwrap();
    ///     assert_eq!(ctx.try_recv(), Some(Message::Msg(5)));
    ///     ExitReason::Normal
    /// });
    /// assert_eq!(p.wait_exit().await, ExitReason::Normal);
    /// # }
    /// ```
    pub fn try_recv(&mut self) -> Option<Message<M>> {
        // SAFETY: this context is its mailbox's one receiver (see `ProcessCtx::core`).
        while let Some(env) = unsafe { self.core.inbox.try_recv(&self.core.mailbox) } {
            if let Some(m) = self.open(env) {
                return Some(m);
            }
        }
        None
    }

    /// Receives the next message, or `None` if none arrives within `timeout` (Erlang's
    /// `receive … after T`). A zero timeout only looks at what is already there.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    /// use std::time::Duration;
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
    /// let p = otp_runtime::spawn(|mut ctx: ProcessCtx<u8>| async move {
    ///     assert_eq!(ctx.recv_timeout(Duration::from_millis(100)).await, None);
    ///     ExitReason::Normal
    /// });
    /// assert_eq!(p.wait_exit().await, ExitReason::Normal);
    /// # }
    /// ```
    pub async fn recv_timeout(&mut self, timeout: Duration) -> Option<Message<M>> {
        if timeout.is_zero() {
            return self.try_recv();
        }
        crate::time::timeout(timeout, self.recv()).await
    }

    /// The next envelope, unopened: for a loop that handles plain messages in place,
    /// matching through the envelope to the request in one match (see
    /// `gen_server::server::drain`), and gives the others to [`open`](Self::open).
    #[inline]
    pub(crate) fn poll_envelope(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Envelope<M>> {
        // SAFETY: this context is its mailbox's one receiver (see `ProcessCtx::core`).
        unsafe { self.core.inbox.poll_recv(&self.core.mailbox, cx) }
    }

    /// [`recv`](ProcessCtx::recv) as a poll function, for the behaviours' loops, which
    /// receive and handle many messages within one poll.
    #[inline]
    pub(crate) fn poll_recv(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Message<M>> {
        use std::task::Poll;
        loop {
            // SAFETY: this context is its mailbox's one receiver (see `ProcessCtx::core`).
            match unsafe { self.core.inbox.poll_recv(&self.core.mailbox, cx) } {
                Poll::Ready(env) => {
                    if let Some(m) = self.open(env) {
                        return Poll::Ready(m);
                    }
                }
                Poll::Pending => return Poll::Pending,
            }
        }
    }

    /// How many messages wait in this process's mailbox (Erlang's
    /// `process_info(self(), message_queue_len)`).
    ///
    /// Mailboxes are unbounded, as in Erlang: a process that receives faster than it can
    /// handle grows its mailbox without limit, and nothing slows its senders down. This is
    /// how a process sees it coming and acts: sheds load, answers "busy", or tells someone.
    /// Messages that vanish on receipt (a cancelled timer's, a flushed monitor's `DOWN`)
    /// count until then.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let p = otp_runtime::spawn(|mut ctx: ProcessCtx<u32>| async move {
    ///     for n in 0..3 {
    ///         ctx.handle().send(n).unwrap();
    ///     }
    ///     assert_eq!(ctx.message_queue_len(), 3);
    ///     ctx.recv().await;
    ///     assert_eq!(ctx.message_queue_len(), 2);
    ///     ExitReason::Normal
    /// });
    /// assert_eq!(p.wait_exit().await, ExitReason::Normal);
    /// # }
    /// ```
    pub fn message_queue_len(&self) -> usize {
        // SAFETY: this context is its mailbox's one receiver (see `ProcessCtx::core`).
        unsafe { self.core.inbox.len(&self.core.mailbox) }
    }

    /// Turns a received envelope into what the user sees; `None` for envelopes that vanish
    /// (a cancelled timer's, a flushed monitor's `DOWN`).
    #[inline]
    pub(crate) fn open(&mut self, env: Envelope<M>) -> Option<Message<M>> {
        match env {
            Envelope::Msg(m) => Some(Message::Msg(m)),
            Envelope::Timer(id) => self.fired(id).map(Message::Msg),
            Envelope::System(sys) => match *sys {
                SystemMsg::Exit { from, reason } => Some(Message::Exit { from, reason }),
                SystemMsg::Down {
                    monitor,
                    pid,
                    reason,
                } => {
                    self.core.shared.remove_owned(monitor.id);
                    if self.unflush(monitor.id) {
                        return None;
                    }
                    Some(Message::Down {
                        monitor,
                        pid,
                        reason,
                    })
                }
            },
        }
    }

    /// Sets whether this process traps exits; returns the previous setting. A trapping process
    /// receives exit signals as [`Message::Exit`] instead of dying (except `kill`).
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let p = otp_runtime::spawn(|mut ctx: ProcessCtx<()>| async move {
    ///     ctx.trap_exit(true);
    ///     let child = ctx.spawn_link(|_c: ProcessCtx<()>| async { ExitReason::other("oops") });
    ///     match ctx.recv().await {
    ///         Message::Exit { from, reason } if from == child.pid() => reason,
    ///         _ => ExitReason::Normal,
    ///     }
    /// });
    /// assert_eq!(p.wait_exit().await, ExitReason::other("oops"));
    /// # }
    /// ```
    pub fn trap_exit(&self, on: bool) -> bool {
        self.core.shared.set_trapping(on)
    }

    /// Links this process with `pid`. If `pid` is not alive, this process gets a `NoProc` exit
    /// signal (and dies of it unless it traps exits); a `NoConnection` one if `pid` is a
    /// process of another node, not connected to this process's.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let target = otp_runtime::spawn(|mut c: ProcessCtx<()>| async move { c.recv().await; ExitReason::Normal });
    /// let t = target.pid();
    /// let p = otp_runtime::spawn(move |mut ctx: ProcessCtx<()>| async move {
    ///     ctx.link(t);
    ///     ctx.recv().await; // killed by the linked process's exit below
    ///     ExitReason::Normal
    /// });
    /// # tokio::task::yield_now().await;
    /// otp_runtime::exit(t, ExitReason::other("bye"));
    /// assert_eq!(p.wait_exit().await, ExitReason::other("bye"));
    /// # }
    /// ```
    pub fn link(&self, pid: Pid) {
        link_entry(&*self.core, pid)
    }

    /// Removes the link with `pid`, if any. An `EXIT` already in the mailbox stays there.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let p = otp_runtime::spawn(|ctx: ProcessCtx<()>| async move {
    ///     let child = ctx.spawn_link(|mut c: ProcessCtx<()>| async move { c.recv().await; ExitReason::other("x") });
    ///     ctx.unlink(child.pid());
    ///     child.send(()).unwrap();
    ///     child.wait_exit().await;
    ///     ExitReason::Normal // still alive: the link was gone
    /// });
    /// assert_eq!(p.wait_exit().await, ExitReason::Normal);
    /// # }
    /// ```
    pub fn unlink(&self, pid: Pid) {
        unlink_entry(&*self.core, pid)
    }

    pub(crate) fn shared(&self) -> &core::Shared {
        &self.core.shared
    }

    pub(crate) fn core(&self) -> &Arc<Core<M>> {
        &self.core
    }

    /// Monitors `pid`: when it ends, this process receives [`Message::Down`] with its reason
    /// (at once, with `NoProc`, if it is not alive; with `NoConnection` if it is a process of
    /// another node, not connected to this process's).
    ///
    /// # Examples
    ///
    /// See [`MonitorRef`].
    pub fn monitor(&self, pid: Pid) -> MonitorRef {
        monitor_entry(&*self.core, pid)
    }

    /// Removes a monitor; true if it was still active. With `flush`, a `DOWN` of this monitor
    /// that is already on its way is dropped too (`demonitor(Ref, [flush])`).
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let p = otp_runtime::spawn(|mut ctx: ProcessCtx<u8>| async move {
    ///     let t = otp_runtime::spawn(|_c: ProcessCtx<()>| async { ExitReason::Normal });
    ///     let m = ctx.monitor(t.pid());
    ///     t.wait_exit().await;                // its DOWN is in our mailbox now
    ///     assert!(!ctx.demonitor(m, true));   // no longer active, and flushed
    ///     ctx.handle().send(1).unwrap();
    ///     assert_eq!(ctx.recv().await, Message::Msg(1));
    ///     ExitReason::Normal
    /// });
    /// assert_eq!(p.wait_exit().await, ExitReason::Normal);
    /// # }
    /// ```
    pub fn demonitor(&mut self, monitor: MonitorRef, flush: bool) -> bool {
        let owned = self.core.shared.remove_owned(monitor.id);
        let active = remove_monitor(self.core.shared.node(), monitor);
        // Held by us but gone from the target: its DOWN is on the way, drop it on arrival.
        if owned && !active && flush {
            self.rare().flushed.insert(monitor.id);
        }
        active
    }

    /// Sends `msg` to this process after `after`. The timer belongs to this process: it dies
    /// with it, and once cancelled it is never delivered.
    ///
    /// # Examples
    ///
    /// See [`TimerRef`].
    pub fn send_after(&mut self, after: Duration, msg: M) -> TimerRef {
        let core = &self.core;
        let rare = self.rare.get_or_insert_with(|| Box::new(Rare::new()));
        rare.timers.send_after(core, after, msg)
    }

    /// Cancels a timer; true if it was still pending. A cancelled timer's message is never
    /// received, even if the timer had already fired.
    ///
    /// # Examples
    ///
    /// See [`TimerRef`].
    pub fn cancel_timer(&mut self, timer: TimerRef) -> bool {
        self.rare.as_mut().is_some_and(|r| r.timers.cancel(timer))
    }

    /// How many of this process's timers are pending.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    /// use std::time::Duration;
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
    /// let p = otp_runtime::spawn(|mut ctx: ProcessCtx<u8>| async move {
    ///     ctx.send_after(Duration::from_secs(1), 1);
    ///     assert_eq!(ctx.pending_timers(), 1);
    ///     ctx.recv().await;
    ///     assert_eq!(ctx.pending_timers(), 0);
    ///     ExitReason::Normal
    /// });
    /// assert_eq!(p.wait_exit().await, ExitReason::Normal);
    /// # }
    /// ```
    pub fn pending_timers(&self) -> usize {
        self.rare.as_ref().map_or(0, |r| r.timers.len())
    }

    /// Spawns a process linked to this one (`spawn_link`). The link exists before the new
    /// process runs.
    ///
    /// # Examples
    ///
    /// See [`ProcessCtx::trap_exit`].
    pub fn spawn_link<N, F, Fut>(&self, f: F) -> ProcessRef<N>
    where
        N: Send + 'static,
        F: FnOnce(ProcessCtx<N>) -> Fut,
        Fut: Future<Output = ExitReason> + Send + 'static,
    {
        let child = Prepared::on(self.core.shared.node());
        child.link_with(&*self.core);
        child.run(f)
    }

    /// Spawns a tokio task owned by this process: it runs beside the process (on any of
    /// tokio's threads, on this process's [node](crate::node)), and is **aborted when the
    /// process ends**, whatever the reason. The process's death is told (to its links,
    /// monitors, supervisor) only once its tasks are gone, so a task never outlives its
    /// process nor runs beside its restarted successor. A panic or an error in the task is
    /// its own: it is what awaiting the handle gives (see
    /// [`spawn_linked_task`](ProcessCtx::spawn_linked_task) for a task whose failure is the
    /// process's too).
    ///
    /// Aborting cuts the task's work at its next await: an HTTP request it was serving gets no
    /// answer, a file half written stays so. Work that must finish needs its process to wait
    /// for it before it ends: trap exits and [`wait_tasks`](ProcessCtx::wait_tasks) in its
    /// cleanup, or make it a [service](crate::supervisor::ChildSpec::service), which drains.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    /// use std::time::Duration;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
    /// let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    /// let p = otp_runtime::spawn(|mut ctx: ProcessCtx<()>| async move {
    ///     ctx.spawn_task(async move {
    ///         loop {
    ///             let _ = tx.send("tick");
    ///             otp_runtime::time::sleep(Duration::from_secs(1)).await;
    ///         }
    ///     });
    ///     ctx.recv().await; // the process ends with its first message...
    ///     ExitReason::Normal
    /// });
    /// assert_eq!(rx.recv().await, Some("tick"));
    /// p.send(()).unwrap();
    /// assert_eq!(p.wait_exit().await, ExitReason::Normal);
    /// // ...and its task has ended with it: the channel's sender, which it held, is gone.
    /// assert_eq!(rx.recv().await, None);
    /// # }
    /// ```
    pub fn spawn_task<F>(&self, fut: F) -> TaskHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self::task::spawn(&*self.core, fut, None)
    }

    /// Spawns a task owned by this process ([`spawn_task`](ProcessCtx::spawn_task)) and
    /// linked to it: if the task fails, by a panic or by an output that says so (an `Err`,
    /// see [`TaskExit`]), the process gets an exit signal with the failure's reason from the
    /// task's [pid](TaskHandle::pid), as from a linked process. It dies of it, or, trapping
    /// exits, receives it as [`Message::Exit`] (a gen_server, as
    /// [`Info::Exit`](crate::Info::Exit)), and its other tasks die with it as usual.
    ///
    /// Unlike a linked process, a task that succeeds sends nothing (its output is for its
    /// handle), nor does one that is aborted.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// // Not trapping exits: the task's panic is the process's crash.
    /// let p = otp_runtime::spawn(|mut ctx: ProcessCtx<()>| async move {
    ///     ctx.spawn_linked_task(async {
    ///         let reading: Option<u32> = None; // the feed went quiet
    ///         reading.expect("feed lost");
    ///     });
    ///     ctx.recv().await;
    ///     ExitReason::Normal
    /// });
    /// assert_eq!(p.wait_exit().await, ExitReason::Panic("feed lost".into()));
    ///
    /// // Trapping exits: the failure is a message from the task's pid.
    /// let p = otp_runtime::spawn(|mut ctx: ProcessCtx<()>| async move {
    ///     ctx.trap_exit(true);
    ///     let task = ctx.spawn_linked_task(async { Err::<(), _>("timed out") });
    ///     match ctx.recv().await {
    ///         Message::Exit { from, reason } if from == task.pid() => reason,
    ///         other => panic!("unexpected {other:?}"),
    ///     }
    /// });
    /// assert_eq!(p.wait_exit().await, ExitReason::other("timed out"));
    /// # }
    /// ```
    pub fn spawn_linked_task<F>(&self, fut: F) -> TaskHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: TaskExit + Send + 'static,
    {
        self::task::spawn(&*self.core, fut, Some(<F::Output as TaskExit>::exit_reason))
    }

    /// Waits until none of this process's tasks runs: what a process that traps exits does
    /// in its cleanup to let its tasks finish their work (within its supervisor's shutdown
    /// budget, past which it is killed, and its tasks with it).
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    /// use std::sync::atomic::{AtomicBool, Ordering};
    /// use std::sync::Arc;
    /// use std::time::Duration;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
    /// let saved = Arc::new(AtomicBool::new(false));
    /// let s = saved.clone();
    /// let p = otp_runtime::spawn(|ctx: ProcessCtx<()>| async move {
    ///     ctx.spawn_task(async move {
    ///         otp_runtime::time::sleep(Duration::from_secs(1)).await;
    ///         s.store(true, Ordering::SeqCst);
    ///     });
    ///     ctx.wait_tasks().await;
    ///     ExitReason::Normal
    /// });
    /// assert_eq!(p.wait_exit().await, ExitReason::Normal);
    /// assert!(saved.load(Ordering::SeqCst));
    /// # }
    /// ```
    pub async fn wait_tasks(&self) {
        if let Some(tasks) = self.core.shared.existing_tasks() {
            tasks.wait_idle().await;
        }
    }
}

/// A process created but not yet running: it can be named and linked before its code runs.
pub(crate) struct Prepared<M> {
    ctx: ProcessCtx<M>,
    in_table: bool,
}

impl<M: Send + 'static> Prepared<M> {
    /// A new process of the current node.
    pub(crate) fn new() -> Self {
        with_current(Prepared::on)
    }

    /// A new process of `node`. On a stopped node it is dead from the start (of
    /// `NoConnection`, as a process of a node that cannot be reached), and never runs.
    pub(crate) fn on(node: &Node) -> Self {
        let core = Arc::new(Core {
            shared: Shared::new(node.0.next_pid(), node.clone()),
            mailbox: Mailbox::new(),
            inbox: Inbox::new(),
        });
        if node.0.is_stopped() {
            let tomb = core::mark_dead(&*core, ExitReason::NoConnection);
            core::signal_death(&core.shared, &ExitReason::NoConnection, tomb);
        }
        Prepared {
            ctx: ProcessCtx { core, rare: None },
            in_table: false,
        }
    }

    /// Whether the process is dead before it ran: its node is stopped.
    pub(crate) fn is_stillborn(&self) -> bool {
        self.ctx.core.shared.is_exited()
    }

    /// Enters the process table before the process runs, so that a name registered for it
    /// already leads to a pid that `exit`, `link` and `is_alive` see. The caller either runs
    /// the process or removes it again (`leave_table`).
    pub(crate) fn enter_table(&mut self) {
        if !self.is_stillborn() {
            self.node().0.table.insert(self.ctx.core.clone());
            self.in_table = true;
        }
    }

    /// Undoes `enter_table`: the process will not run.
    pub(crate) fn leave_table(&mut self) {
        if self.in_table {
            self.node().0.table.remove(self.ctx.core.shared.pid());
            self.in_table = false;
        }
    }

    pub(crate) fn node(&self) -> &Node {
        self.ctx.core.shared.node()
    }

    pub(crate) fn core(&self) -> &Arc<Core<M>> {
        &self.ctx.core
    }

    #[cfg(test)]
    pub(crate) fn ctx_for_test(self) -> ProcessCtx<M> {
        self.ctx
    }

    /// Links the new process with `other`, a live process (the caller). The new one is not
    /// in the table yet and cannot have died, so both sides are recorded directly. A caller
    /// of another node (or a new process that is dead already, its node stopped) gets the
    /// exit signal of a link that cannot be made.
    pub(crate) fn link_with(&self, other: &dyn Entry) {
        let me = &self.ctx.core.shared;
        if other.shared().node() != me.node() || self.is_stillborn() {
            exit_signal(me.pid(), other, ExitReason::NoConnection, true);
            return;
        }
        if other.shared().add_link(me.pid()) {
            me.add_link(other.shared().pid());
        }
    }

    /// Monitors the new process from `watcher`, a live process (the caller), and if
    /// `starter`, marks the monitor as its starter's (see `Shared::set_starter_monitor`): no
    /// `DOWN` for a death before `init` answers. The new one is not in
    /// the table yet and cannot have died, so the monitor is recorded directly. A watcher of
    /// another node gets an immediate `DOWN` of `NoConnection`, as for any monitor it cannot
    /// set.
    pub(crate) fn monitor_by(&self, watcher: &dyn Entry, starter: bool) -> MonitorRef {
        let me = &self.ctx.core.shared;
        let monitor = MonitorRef::new(watcher.shared().next_ref(), me.pid());
        let set = watcher.shared().node() == me.node()
            && me
                .add_monitor(monitor.id, Watcher::Process(watcher.shared().pid()))
                .is_ok();
        if set {
            watcher.shared().add_owned(monitor.id, me.pid());
            if starter {
                me.set_starter_monitor(monitor.id);
            }
        } else {
            watcher.deliver(SystemMsg::Down {
                monitor,
                pid: me.pid(),
                reason: ExitReason::NoConnection,
            });
        }
        monitor
    }

    /// Enters the process table and starts running `f`.
    pub(crate) fn run<F, Fut>(self, f: F) -> ProcessRef<M>
    where
        F: FnOnce(ProcessCtx<M>) -> Fut,
        Fut: Future<Output = ExitReason> + Send + 'static,
    {
        let core = self.ctx.core.clone();
        if self.is_stillborn() {
            // Its node is stopped: `f` never runs (dropping it drops what it captured).
            return ProcessRef { core };
        }
        // Build the process first: if `f` panics, nothing was registered anywhere.
        let fut = ProcessFuture::new(core.clone(), f(self.ctx));
        let node = core.shared.node();
        if !self.in_table {
            node.0.table.insert(core.clone());
        }
        // The node's stop sets its flag, then sweeps the table; checked after the insert (the
        // shard's lock orders the two), a stop either sees this process or is seen here.
        if node.0.is_stopped() {
            node.0.table.remove(core.shared.pid());
            let mut fut = std::pin::pin!(fut);
            fut.as_mut().abandon(ExitReason::NoConnection);
            return ProcessRef { core };
        }
        tokio::spawn(fut);
        ProcessRef { core }
    }
}

/// Gives process `core` a sink for messages from other nodes (see
/// [`ProcessCtx::accept_remote`]).
fn accept_remote<M: crate::dist::mapping::FromTerm + Send + 'static>(core: &Arc<Core<M>>) {
    let node = core.shared.node().clone();
    let pid = core.shared.pid();
    if node.0.sinks.contains(pid.id()) {
        return;
    }
    // Weak: the node holds its sinks, and a core holds its node.
    let target = Arc::downgrade(core);
    node.0.sinks.insert(
        pid.id(),
        Arc::new(move |t| {
            let m = M::from_term(t)?;
            if let Some(core) = target.upgrade() {
                let _ = core.mailbox.send(Envelope::Msg(m));
            }
            Ok(())
        }),
    );
    // The entry goes with the process.
    crate::dist::sinks::forget_at_exit(&node, core.clone());
}

/// Spawns a process running `f(ctx)` on the [current node](crate::node::Node::current) (from
/// a process, that process's node); it ends with the [`ExitReason`] its future returns.
///
/// # Panics
///
/// Outside a tokio runtime, like `tokio::spawn`.
///
/// # Examples
///
/// ```
/// use otp_runtime::prelude::*;
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let p = otp_runtime::spawn(|mut ctx: ProcessCtx<&'static str>| async move {
///     match ctx.recv().await {
///         Message::Msg("crash") => panic!("asked to"),
///         _ => ExitReason::Normal,
///     }
/// });
/// p.send("crash").unwrap();
/// assert_eq!(p.wait_exit().await, ExitReason::Panic("asked to".into()));
/// # }
/// ```
pub fn spawn<M, F, Fut>(f: F) -> ProcessRef<M>
where
    M: Send + 'static,
    F: FnOnce(ProcessCtx<M>) -> Fut,
    Fut: Future<Output = ExitReason> + Send + 'static,
{
    Prepared::new().run(f)
}

/// Spawns a process linked to the calling process. Outside a process there is nobody to link
/// to, and this is [`spawn`].
///
/// # Panics
///
/// Outside a tokio runtime, like `tokio::spawn`.
///
/// # Examples
///
/// ```
/// use otp_runtime::prelude::*;
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let parent = otp_runtime::spawn(|mut ctx: ProcessCtx<()>| async move {
///     otp_runtime::spawn_link(|_c: ProcessCtx<()>| async { panic!("child crashed") });
///     ctx.recv().await;
///     ExitReason::Normal
/// });
/// assert_eq!(parent.wait_exit().await, ExitReason::Panic("child crashed".into()));
/// # }
/// ```
pub fn spawn_link<M, F, Fut>(f: F) -> ProcessRef<M>
where
    M: Send + 'static,
    F: FnOnce(ProcessCtx<M>) -> Fut,
    Fut: Future<Output = ExitReason> + Send + 'static,
{
    let child = Prepared::new();
    let _ = current::with(|me| child.link_with(me));
    child.run(f)
}

/// Whether an exit signal from `from` comes from the parent of the process behind `me`,
/// started by `parent`: its parent's (OTP), or, for a process started from outside any
/// process, its node's, sent from `<0.0.0>` when the node stops. A behaviour's process that
/// traps exits terminates on its parent's exit signal.
pub(crate) fn is_parent(me: &Shared, parent: Option<Pid>, from: Pid) -> bool {
    match parent {
        Some(parent) => parent == from,
        None => from.is_nobody() && me.node().0.is_stopped(),
    }
}

/// Why an operation on `pid` finds no process: `NoConnection` for a pid of another node
/// (Erlang's reason for a node it cannot reach), `NoProc` for a dead one.
fn missing(me: &Shared, pid: Pid) -> ExitReason {
    if pid.node() == me.node().id() {
        ExitReason::NoProc
    } else {
        ExitReason::NoConnection
    }
}

pub(crate) fn link_entry(me: &dyn Entry, other: Pid) {
    let my_pid = me.shared().pid();
    // Already linked: nothing to do. (Were `other` dying, re-linking would fail and replace
    // the exit signal its death is about to send us with a `NoProc` one.)
    if other == my_pid || me.shared().has_link(other) {
        return;
    }
    if other.node() != my_pid.node() {
        // A process of a connected (or known) node: the link goes over distribution.
        let dist = me.shared().node().0.dist.get();
        if !dist.is_some_and(|d| d.link(my_pid, other)) {
            exit_signal(other, me, ExitReason::NoConnection, true);
        }
        return;
    }
    // Record our side first: if `other` dies after accepting the link, its death finds us.
    me.shared().add_link(other);
    let target = me.shared().lookup(other);
    let accepted = target.is_some_and(|o| o.shared().add_link(my_pid));
    if !accepted {
        me.shared().remove_link(other);
        exit_signal(other, me, missing(me.shared(), other), true);
    }
}

pub(crate) fn unlink_entry(me: &dyn Entry, other: Pid) {
    if other.node() != me.shared().pid().node() {
        if let Some(d) = me.shared().node().0.dist.get() {
            d.unlink(me.shared().pid(), other);
        }
        return;
    }
    me.shared().unlink(other);
    if let Some(o) = me.shared().lookup(other) {
        o.shared().remove_link(me.shared().pid());
    }
}

pub(crate) fn monitor_entry(me: &dyn Entry, target: Pid) -> MonitorRef {
    let monitor = MonitorRef::new(me.shared().next_ref(), target);
    let me_pid = me.shared().pid();
    if target.node() != me_pid.node() {
        let dist = me.shared().node().0.dist.get();
        if dist.is_some_and(|d| d.monitor(me_pid, target, monitor.id)) {
            return monitor;
        }
    }
    let set = me.shared().lookup(target).is_some_and(|t| {
        t.shared()
            .add_monitor(monitor.id, Watcher::Process(me_pid))
            .is_ok()
    });
    if set {
        me.shared().add_owned(monitor.id, target);
    } else {
        me.deliver(SystemMsg::Down {
            monitor,
            pid: target,
            reason: missing(me.shared(), target),
        });
    }
    monitor
}

/// The calling process's pid.
///
/// # Errors
///
/// [`NotInProcess`] outside a process.
///
/// # Examples
///
/// ```
/// use otp_runtime::prelude::*;
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// assert!(otp_runtime::self_pid().is_err());
/// let p = otp_runtime::spawn(|_ctx: ProcessCtx<()>| async {
///     assert!(otp_runtime::self_pid().is_ok());
///     ExitReason::Normal
/// });
/// assert_eq!(p.wait_exit().await, ExitReason::Normal);
/// # }
/// ```
pub fn self_pid() -> Result<Pid, NotInProcess> {
    current::with(|e| e.shared().pid())
}

/// Links the calling process with `pid` (see [`ProcessCtx::link`]).
///
/// # Errors
///
/// [`NotInProcess`] outside a process.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// # let p = otp_runtime::spawn(|_c: otp_runtime::ProcessCtx<()>| async { otp_runtime::ExitReason::Normal });
/// assert_eq!(otp_runtime::link(p.pid()), Err(otp_runtime::NotInProcess));
/// # }
/// ```
pub fn link(pid: Pid) -> Result<(), NotInProcess> {
    current::with(|me| link_entry(me, pid))
}

/// Removes the link between the calling process and `pid`.
///
/// # Errors
///
/// [`NotInProcess`] outside a process.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// # let p = otp_runtime::spawn(|_c: otp_runtime::ProcessCtx<()>| async { otp_runtime::ExitReason::Normal });
/// assert!(otp_runtime::unlink(p.pid()).is_err());
/// # }
/// ```
pub fn unlink(pid: Pid) -> Result<(), NotInProcess> {
    current::with(|me| unlink_entry(me, pid))
}

/// Monitors `pid` from the calling process (see [`ProcessCtx::monitor`]).
///
/// # Errors
///
/// [`NotInProcess`] outside a process.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// # let p = otp_runtime::spawn(|_c: otp_runtime::ProcessCtx<()>| async { otp_runtime::ExitReason::Normal });
/// assert!(otp_runtime::monitor(p.pid()).is_err());
/// # }
/// ```
pub fn monitor(pid: Pid) -> Result<MonitorRef, NotInProcess> {
    current::with(|me| monitor_entry(me, pid))
}

/// Removes a monitor; true if it was still active. Works from anywhere.
///
/// # Examples
///
/// ```
/// use otp_runtime::prelude::*;
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let p = otp_runtime::spawn(|ctx: ProcessCtx<()>| async move {
///     let t = otp_runtime::spawn(|mut c: ProcessCtx<()>| async move { c.recv().await; ExitReason::Normal });
///     let m = ctx.monitor(t.pid());
///     assert!(otp_runtime::demonitor(m));
///     assert!(!otp_runtime::demonitor(m));
///     ExitReason::Normal
/// });
/// assert_eq!(p.wait_exit().await, ExitReason::Normal);
/// # }
/// ```
pub fn demonitor(monitor: MonitorRef) -> bool {
    let _ = current::with(|me| me.shared().remove_owned(monitor.id));
    with_current(|n| remove_monitor(n, monitor))
}

fn remove_monitor(node: &Node, monitor: MonitorRef) -> bool {
    if monitor.target.node() != node.id() {
        return node.0.dist.get().is_some_and(|d| d.demonitor(monitor));
    }
    node.entry(monitor.target)
        .ok()
        .flatten()
        .is_some_and(|t| t.shared().remove_monitor(monitor.id))
}

/// Sends an exit signal with `reason` to `pid`, with Erlang's rules: `ExitReason::Kill`
/// cannot be trapped and the process dies `Killed`; a trapping process receives the signal as
/// [`Message::Exit`]; a process that does not trap exits ignores `Normal` (unless it sent it
/// to itself) and dies of any other reason. Sending to a dead pid does nothing.
///
/// `pid` is looked up on the [current node](crate::node::Node::current). A signal to a
/// process of another node, which this one is not connected to, is dropped, as Erlang drops
/// one to a node it cannot reach, and a warning says so.
///
/// # Examples
///
/// ```
/// use otp_runtime::prelude::*;
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let p = otp_runtime::spawn(|mut ctx: ProcessCtx<()>| async move {
///     ctx.trap_exit(true); // does not help against kill
///     ctx.recv().await;
///     ExitReason::Normal
/// });
/// otp_runtime::exit(p.pid(), ExitReason::Kill);
/// assert_eq!(p.wait_exit().await, ExitReason::Killed);
/// # }
/// ```
pub fn exit(pid: Pid, reason: ExitReason) {
    let from = current::pid().unwrap_or(NOBODY);
    match with_current(|n| n.entry(pid)) {
        Ok(Some(target)) => exit_signal(from, &*target, reason, false),
        Ok(None) => {}
        Err(()) if with_current(|n| n.0.dist.get().is_some_and(|d| d.exit(from, pid, &reason))) => {
        }
        // As Erlang drops a signal to a node it cannot reach; said, since it is never the
        // intent here.
        Err(()) => tracing::warn!(
            from = %from,
            to = %pid,
            %reason,
            "exit signal dropped: the process is of another node, not connected to this one"
        ),
    }
}

/// Sets whether the calling process traps exits; returns the previous setting.
///
/// # Errors
///
/// [`NotInProcess`] outside a process.
///
/// # Examples
///
/// ```
/// use otp_runtime::prelude::*;
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let p = otp_runtime::spawn(|_ctx: ProcessCtx<()>| async {
///     assert_eq!(otp_runtime::trap_exit(true), Ok(false));
///     assert_eq!(otp_runtime::trap_exit(false), Ok(true));
///     ExitReason::Normal
/// });
/// assert_eq!(p.wait_exit().await, ExitReason::Normal);
/// # }
/// ```
pub fn trap_exit(on: bool) -> Result<bool, NotInProcess> {
    current::with(|me| me.shared().set_trapping(on))
}

/// Whether `pid` is a live process of the [current node](crate::node::Node::current).
///
/// # Examples
///
/// ```
/// use otp_runtime::prelude::*;
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let p = otp_runtime::spawn(|_ctx: ProcessCtx<()>| async { ExitReason::Normal });
/// let pid = p.pid();
/// p.wait_exit().await;
/// assert!(!otp_runtime::is_alive(pid));
/// # }
/// ```
pub fn is_alive(pid: Pid) -> bool {
    with_current(|n| n.is_alive(pid))
}

/// Waits until `pid` has ended and returns its reason; `NoProc` if it is not alive now,
/// `NoConnection` if it is a process of another node than the
/// [current one](crate::node::Node::current). Works from anywhere (it needs no mailbox).
///
/// # Examples
///
/// ```
/// use otp_runtime::prelude::*;
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let p = otp_runtime::spawn(|_ctx: ProcessCtx<()>| async { ExitReason::Shutdown });
/// assert_eq!(otp_runtime::wait_exit(p.pid()).await, ExitReason::Shutdown);
/// assert_eq!(otp_runtime::wait_exit(p.pid()).await, ExitReason::NoProc);
/// # }
/// ```
pub async fn wait_exit(pid: Pid) -> ExitReason {
    match with_current(|n| n.entry(pid)) {
        Ok(Some(e)) => wait_shared_exit(e.shared()).await,
        Ok(None) => ExitReason::NoProc,
        Err(()) => ExitReason::NoConnection,
    }
}

/// The pids linked to `pid`, oldest first (empty if it is not alive, or of another node than
/// the [current one](crate::node::Node::current)).
///
/// # Examples
///
/// ```
/// use otp_runtime::prelude::*;
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let p = otp_runtime::spawn(|ctx: ProcessCtx<()>| async move {
///     let c = ctx.spawn_link(|mut c: ProcessCtx<()>| async move { c.recv().await; ExitReason::Normal });
///     assert_eq!(otp_runtime::links(ctx.pid()), vec![c.pid()]);
///     assert_eq!(otp_runtime::links(c.pid()), vec![ctx.pid()]);
///     ExitReason::Normal
/// });
/// assert_eq!(p.wait_exit().await, ExitReason::Normal);
/// # }
/// ```
pub fn links(pid: Pid) -> Vec<Pid> {
    with_current(|n| n.entry(pid))
        .ok()
        .flatten()
        .map(|e| e.shared().links())
        .unwrap_or_default()
}

/// What [`process_info`] tells about a live process (Erlang's `process_info/2`).
///
/// # Examples
///
/// See [`process_info`].
#[derive(Clone, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub struct ProcessInfo {
    /// Its registered name.
    pub name: Option<Name>,
    /// The processes linked to it.
    pub links: Vec<Pid>,
    /// The monitors it holds on other processes.
    pub monitors: Vec<MonitorRef>,
    /// How many monitors watch it (processes, and tasks waiting for its end).
    pub monitored_by: usize,
    /// Whether it traps exits.
    pub trap_exit: bool,
    /// How many tasks it owns run now ([`ProcessCtx::spawn_task`]).
    pub tasks: usize,
}

/// A snapshot of a live process's name, links (oldest first) and monitors; `None` if it is not
/// alive, or of another node than the [current one](crate::node::Node::current).
///
/// # Examples
///
/// ```
/// use otp_runtime::prelude::*;
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let p = otp_runtime::spawn(|mut ctx: ProcessCtx<()>| async move {
///     ctx.trap_exit(true);
///     ctx.recv().await;
///     ExitReason::Normal
/// });
/// otp_runtime::register("info-doc", p.pid()).unwrap();
/// tokio::task::yield_now().await;
/// let info = otp_runtime::process_info(p.pid()).unwrap();
/// assert_eq!(info.name.unwrap().as_str(), "info-doc");
/// assert!(info.trap_exit && info.links.is_empty() && info.monitored_by == 0);
/// # }
/// ```
pub fn process_info(pid: Pid) -> Option<ProcessInfo> {
    with_current(|n| n.entry(pid))
        .ok()
        .flatten()
        .and_then(|e| e.shared().info())
}

/// How many processes of the [current node](crate::node::Node::current) are alive
/// ([`Node::process_count`](crate::node::Node::process_count) for a given node).
///
/// # Examples
///
/// ```
/// let n = otp_runtime::process_count();
/// # let _ = n;
/// ```
pub fn process_count() -> usize {
    with_current(|n| n.process_count())
}

#[cfg(test)]
mod tests {
    use super::counting::counting;
    use super::*;

    /// The watcher follows the task that polls it last, and a watch dropped unfired leaves
    /// no watcher behind.
    #[tokio::test]
    async fn an_exit_watch_wakes_the_task_that_polled_it_last() {
        let p = spawn(|mut ctx: ProcessCtx<()>| async move {
            ctx.recv().await;
            ExitReason::other("done")
        });
        let shared = &p.core.shared;
        let ((a, wa), (b, wb)) = (counting(), counting());
        let mut watch = ExitWatch::new(shared);
        assert!(Pin::new(&mut watch)
            .poll(&mut Context::from_waker(&wa))
            .is_pending());
        assert!(Pin::new(&mut watch)
            .poll(&mut Context::from_waker(&wb))
            .is_pending());
        // A second watch, dropped before the end: it is removed.
        let mut gone = ExitWatch::new(shared);
        assert!(Pin::new(&mut gone)
            .poll(&mut Context::from_waker(&wa))
            .is_pending());
        drop(gone);
        p.send(()).unwrap();
        assert_eq!(p.wait_exit().await, ExitReason::other("done"));
        assert_eq!((a.wakes(), b.wakes()), (0, 1));
        let got = Pin::new(&mut watch).poll(&mut Context::from_waker(&wb));
        assert_eq!(got, Poll::Ready(ExitReason::other("done")));
        // Set up after the end: the reason at once.
        let mut late = ExitWatch::new(shared);
        let got = Pin::new(&mut late).poll(&mut Context::from_waker(&wa));
        assert_eq!(got, Poll::Ready(ExitReason::other("done")));
    }
}
