//! Tasks owned by a process: tokio tasks that die with it.
//!
//! A `tokio::spawn`ed task belongs to nobody: when the process that spawned it ends (killed by
//! its supervisor, crashed, or done) the task runs on, serving requests for a server that is
//! gone, holding its sockets, or being cut off without a word when the program exits. A task
//! spawned with [`ProcessCtx::spawn_task`](super::ProcessCtx::spawn_task) (or
//! [`Ctx::spawn_task`](crate::Ctx::spawn_task), or [`spawn_task`] from inside a process)
//! belongs to its process instead:
//!
//! - it is **aborted when the process ends**, whatever the reason, and the process's death is
//!   signalled (its links, monitors and `wait_exit`s told, its supervisor able to restart it)
//!   only once its tasks are gone: nothing of an old incarnation runs beside a new one;
//! - it runs on the process's [node](crate::node), so names resolve as in the process;
//! - a **linked** task ([`spawn_linked_task`]) crashes its process as a linked Erlang process
//!   would when it fails (panics, or returns an error, see [`TaskExit`]): the process gets an
//!   exit signal from the task's pid, dies of it, or, trapping exits, receives it as a message.
//!
//! Each process keeps its tasks in a set made at its first task, so processes without tasks
//! pay nothing: the set hangs off the process's watchers (it is told of the death, as a
//! monitor is) and one bit of its flags says it is there.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::hash::BuildHasherDefault;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};

use tokio::sync::Notify;
use tokio::task::{AbortHandle, JoinHandle};

use super::core::{exit_signal, Entry};
use super::current;
use super::run::catch_unwind_future;
use crate::node::table::IdHasher;
use crate::{ExitReason, NotInProcess, Pid};

/// A task owned by a process: await it for its output, or abort it. Dropping the handle
/// detaches the task (it runs on, still owned by its process), as with tokio's `JoinHandle`.
///
/// # Examples
///
/// ```
/// use otp_runtime::prelude::*;
/// use otp_runtime::TaskError;
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let p = otp_runtime::spawn(|ctx: ProcessCtx<()>| async move {
///     let sum = ctx.spawn_task(async { 1 + 2 });
///     assert_eq!(sum.await, Ok(3));
///
///     let forever = ctx.spawn_task(std::future::pending::<()>());
///     forever.abort();
///     assert_eq!(forever.await, Err(TaskError::Aborted));
///     ExitReason::Normal
/// });
/// assert_eq!(p.wait_exit().await, ExitReason::Normal);
/// # }
/// ```
pub struct TaskHandle<T> {
    pid: Pid,
    /// `None`: the owner was dead already, and the task never ran.
    join: Option<JoinHandle<Result<T, Arc<str>>>>,
}

impl<T> fmt::Debug for TaskHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TaskHandle({})", self.pid)
    }
}

impl<T> TaskHandle<T> {
    /// The pid the task's exit signal comes from, should a linked task fail: what a trapping
    /// owner finds in [`Message::Exit`](crate::Message::Exit)'s `from` (and a gen_server in
    /// [`Info::Exit`](crate::Info::Exit)'s). A task is not a process: the pid has no mailbox,
    /// and `is_alive`, `link`, `monitor` and `exit` do not know it.
    ///
    /// # Examples
    ///
    /// See [`ProcessCtx::spawn_linked_task`](super::ProcessCtx::spawn_linked_task).
    pub fn pid(&self) -> Pid {
        self.pid
    }

    /// Aborts the task: it stops at its next await, and awaiting the handle gives
    /// [`TaskError::Aborted`] (unless it had finished). An aborted task sends no exit signal,
    /// linked or not: it was asked to stop.
    ///
    /// # Examples
    ///
    /// See [`TaskHandle`].
    pub fn abort(&self) {
        if let Some(j) = &self.join {
            j.abort();
        }
    }

    /// Whether the task has ended (finished, panicked or been aborted).
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let p = otp_runtime::spawn(|ctx: ProcessCtx<()>| async move {
    ///     let t = ctx.spawn_task(std::future::pending::<()>());
    ///     assert!(!t.is_finished());
    ///     t.abort();
    ///     let _ = t.await;
    ///     ExitReason::Normal
    /// });
    /// assert_eq!(p.wait_exit().await, ExitReason::Normal);
    /// # }
    /// ```
    pub fn is_finished(&self) -> bool {
        self.join.as_ref().is_none_or(JoinHandle::is_finished)
    }
}

impl<T> Future for TaskHandle<T> {
    type Output = Result<T, TaskError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let Some(join) = self.join.as_mut() else {
            return Poll::Ready(Err(TaskError::Aborted));
        };
        Pin::new(join).poll(cx).map(|r| match r {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(message)) => Err(TaskError::Panicked(message)),
            Err(e) if e.is_cancelled() => Err(TaskError::Aborted),
            // Unreachable: the task catches its future's panics itself.
            Err(e) => Err(TaskError::Panicked(
                crate::panics::describe(&*e.into_panic()).into(),
            )),
        })
    }
}

/// Why a task gave no output.
///
/// # Examples
///
/// ```
/// use otp_runtime::TaskError;
/// assert_eq!(TaskError::Aborted.to_string(), "the task was aborted");
/// assert_eq!(TaskError::Panicked("oops".into()).to_string(), "the task panicked: oops");
/// ```
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum TaskError {
    /// Aborted: by its handle, or because its process ended (or had ended before the task
    /// could start).
    Aborted,
    /// It panicked, with this message.
    Panicked(Arc<str>),
}

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaskError::Aborted => f.write_str("the task was aborted"),
            TaskError::Panicked(m) => write!(f, "the task panicked: {m}"),
        }
    }
}

impl std::error::Error for TaskError {}

/// What a linked task's output (or a [service](crate::supervisor::ChildSpec::service)'s) says
/// about how it ended: `None` if it succeeded, or the exit reason of its failure, which
/// crashes its linked owner as a linked process's exit would.
///
/// `()` always succeeds; a `Result` fails with its error's text (as
/// [`ExitReason::other`]); an [`ExitReason`] fails unless it is `Normal`.
///
/// # Examples
///
/// ```
/// use otp_runtime::{ExitReason, TaskExit};
/// assert_eq!(().exit_reason(), None);
/// assert_eq!(Ok::<u8, String>(1).exit_reason(), None);
/// assert_eq!(Err::<u8, _>("disk full").exit_reason(), Some(ExitReason::other("disk full")));
/// assert_eq!(ExitReason::Shutdown.exit_reason(), Some(ExitReason::Shutdown));
/// ```
pub trait TaskExit {
    /// `None` for a success; the reason of a failure.
    fn exit_reason(&self) -> Option<ExitReason>;
}

impl TaskExit for () {
    fn exit_reason(&self) -> Option<ExitReason> {
        None
    }
}

impl<T, E: fmt::Display> TaskExit for Result<T, E> {
    fn exit_reason(&self) -> Option<ExitReason> {
        self.as_ref().err().map(ExitReason::other)
    }
}

impl TaskExit for ExitReason {
    fn exit_reason(&self) -> Option<ExitReason> {
        (!self.is_normal()).then(|| self.clone())
    }
}

/// Spawns a task owned by the calling process (see
/// [`ProcessCtx::spawn_task`](super::ProcessCtx::spawn_task)), for code that runs in a
/// process but has no context at hand: a [service](crate::supervisor::ChildSpec::service), a
/// helper function.
///
/// # Errors
///
/// [`NotInProcess`] outside a process (a plain tokio task, `main`): there is no owner.
///
/// # Examples
///
/// ```
/// use otp_runtime::prelude::*;
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// assert!(otp_runtime::spawn_task(async {}).is_err());
/// let p = otp_runtime::spawn(|_ctx: ProcessCtx<()>| async {
///     let t = otp_runtime::spawn_task(async { 7 }).unwrap();
///     ExitReason::other(t.await.unwrap())
/// });
/// assert_eq!(p.wait_exit().await, ExitReason::other(7));
/// # }
/// ```
pub fn spawn_task<F>(fut: F) -> Result<TaskHandle<F::Output>, NotInProcess>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    current::with(|me| spawn(me, fut, None))
}

/// Spawns a task linked to the calling process (see
/// [`ProcessCtx::spawn_linked_task`](super::ProcessCtx::spawn_linked_task)).
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
/// let p = otp_runtime::spawn(|mut ctx: ProcessCtx<()>| async move {
///     otp_runtime::spawn_linked_task(async { Err::<(), _>("lost the connection") }).unwrap();
///     ctx.recv().await; // killed by the task's failure meanwhile
///     ExitReason::Normal
/// });
/// assert_eq!(p.wait_exit().await, ExitReason::other("lost the connection"));
/// # }
/// ```
pub fn spawn_linked_task<F>(fut: F) -> Result<TaskHandle<F::Output>, NotInProcess>
where
    F: Future + Send + 'static,
    F::Output: TaskExit + Send + 'static,
{
    current::with(|me| spawn(me, fut, Some(<F::Output as TaskExit>::exit_reason)))
}

/// How a linked task's output becomes its failure; `None` for an unlinked task.
type Link<T> = Option<fn(&T) -> Option<ExitReason>>;

/// Spawns `fut` as a task of `owner`.
pub(crate) fn spawn<F>(owner: &dyn Entry, fut: F, link: Link<F::Output>) -> TaskHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let sh = owner.shared();
    let node = sh.node().clone();
    let pid = node.0.next_pid();
    let Some(set) = sh.task_set().filter(|set| set.reserve(pid.id())) else {
        // The owner is dying: the task never runs (`fut` is dropped here).
        return TaskHandle { pid, join: None };
    };
    let running = Running {
        set: set.clone(),
        id: pid.id(),
    };
    let owner = sh.pid();
    let task_node = node.clone();
    let task = async move {
        let _running = running;
        let out = catch_unwind_future(fut).await;
        if let Some(failure) = link {
            let reason = match &out {
                Ok(v) => failure(v),
                Err(panic) => Some(panic.clone()),
            };
            if let Some(reason) = reason {
                if let Ok(Some(owner)) = task_node.entry(owner) {
                    exit_signal(pid, &*owner, reason, true);
                }
            }
        }
        out.map_err(|reason| match reason {
            ExitReason::Panic(m) => m,
            other => other.to_string().into(),
        })
    };
    let join = tokio::spawn(node.scope(task));
    set.store(pid.id(), join.abort_handle());
    TaskHandle {
        pid,
        join: Some(join),
    }
}

/// Removes its task from its owner's set when the task ends or is dropped.
struct Running {
    set: Arc<TaskSet>,
    id: u64,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.set.done(self.id);
    }
}

type Map = HashMap<u64, Option<AbortHandle>, BuildHasherDefault<IdHasher>>;

/// A process's tasks.
pub(crate) struct TaskSet {
    state: Mutex<TaskState>,
    /// Told when the last running task ends.
    idle: Notify,
}

#[derive(Default)]
struct TaskState {
    /// The running tasks, by pid number, with their abort handles (`None` between the
    /// reservation and the spawn).
    running: Map,
    /// The owner has ended: no new task, and any task stored from now on is aborted.
    closed: bool,
}

impl TaskSet {
    pub(crate) fn new() -> TaskSet {
        TaskSet {
            state: Mutex::new(TaskState::default()),
            idle: Notify::new(),
        }
    }

    fn state(&self) -> MutexGuard<'_, TaskState> {
        // Nothing panics while holding the lock.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Makes room for task `id`; false once the owner has ended.
    fn reserve(&self, id: u64) -> bool {
        let mut st = self.state();
        if st.closed {
            return false;
        }
        st.running.insert(id, None);
        true
    }

    /// Keeps the abort handle of task `id`, or aborts it if the owner ended meanwhile.
    fn store(&self, id: u64, handle: AbortHandle) {
        let mut st = self.state();
        if st.closed {
            drop(st);
            handle.abort();
        } else if let Some(slot) = st.running.get_mut(&id) {
            *slot = Some(handle);
        }
        // Not there: the task has ended already.
    }

    fn done(&self, id: u64) {
        let mut st = self.state();
        st.running.remove(&id);
        crate::node::table::shrink(&mut st.running);
        if st.running.is_empty() {
            drop(st);
            self.idle.notify_waiters();
        }
    }

    /// How many tasks run.
    pub(crate) fn len(&self) -> usize {
        self.state().running.len()
    }

    /// The owner has ended: aborts every task, and every task spawned from now on.
    pub(crate) fn close(&self) {
        let handles: Vec<AbortHandle> = {
            let mut st = self.state();
            st.closed = true;
            st.running.values().flatten().cloned().collect()
        };
        for h in handles {
            h.abort();
        }
    }

    /// Waits until no task runs.
    pub(crate) async fn wait_idle(&self) {
        loop {
            let notified = self.idle.notified();
            // Registered before the check: an end in between still wakes us.
            let mut notified = std::pin::pin!(notified);
            notified.as_mut().enable();
            if self.state().running.is_empty() {
                return;
            }
            notified.await;
        }
    }
}
