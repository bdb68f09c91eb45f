//! Timers owned by a process: `send_after` and `cancel_timer`.
//!
//! A timer is a small task that sleeps and then puts `Envelope::Timer(id)` in its owner's
//! mailbox; the message itself stays in the owner's table until it is received. So:
//! - a cancelled timer is never delivered, even if it fired just before the cancel (the id is
//!   gone from the table and the mailbox entry is skipped);
//! - all of a process's timers die with it (dropping the table aborts their tasks).
//!
//! A counter of the node's follows the timer tasks from spawn to drop, for [`timer_count`]:
//! one atomic add when a timer is set and one when its task ends, nothing while it waits.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use tokio::task::AbortHandle;

use super::core::{Core, Envelope};

/// Names a timer set with `send_after`, to cancel it.
///
/// # Examples
///
/// ```
/// use otp_runtime::prelude::*;
/// use std::time::Duration;
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
/// let p = otp_runtime::spawn(|mut ctx: ProcessCtx<&'static str>| async move {
///     let t: TimerRef = ctx.send_after(Duration::from_secs(1), "late");
///     assert!(ctx.cancel_timer(t));
///     ctx.send_after(Duration::from_secs(2), "on time");
///     assert_eq!(ctx.recv().await, Message::Msg("on time"));
///     ExitReason::Normal
/// });
/// assert_eq!(p.wait_exit().await, ExitReason::Normal);
/// # }
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct TimerRef(u64);

/// A timer task's hold on its process: counts the task in its node's timers while it lives
/// (made before the spawn, dropped with the task's future: it fired, was aborted, or its
/// runtime shut down), and is how the task reaches the mailbox. As small as the mailbox
/// sender it replaces.
struct Live<M: Send + 'static>(Arc<Core<M>>);

impl<M: Send + 'static> Live<M> {
    fn new(core: &Arc<Core<M>>) -> Live<M> {
        core.shared
            .node()
            .0
            .timers()
            .fetch_add(1, Ordering::Relaxed);
        Live(core.clone())
    }
}

impl<M: Send + 'static> Drop for Live<M> {
    fn drop(&mut self) {
        self.0
            .shared
            .node()
            .0
            .timers()
            .fetch_sub(1, Ordering::Relaxed);
    }
}

/// How many timers are alive: set with `send_after` (by a process, a gen_server, a
/// gen_statem's timeouts) and whose task has not ended yet. A timer's task ends when it
/// fires, shortly after it is cancelled or its process dies (the abort takes effect at the
/// task's next scheduling), and when its tokio runtime shuts down.
///
/// The runtime's tokio tasks are its processes and its timers, so once every process has
/// ended and this is 0, nothing of the runtime is left running. The count is the
/// [current node](crate::node::Node::current)'s, like [`process_count`](crate::process_count)
/// ([`Node::timer_count`](crate::node::Node::timer_count) for a given node).
///
/// # Examples
///
/// ```
/// use otp_runtime::prelude::*;
/// use std::time::Duration;
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
/// let before = otp_runtime::timer_count();
/// let (tx, rx) = tokio::sync::oneshot::channel();
/// let p = otp_runtime::spawn(|mut ctx: ProcessCtx<()>| async move {
///     ctx.send_after(Duration::from_secs(60), ());
///     let _ = tx.send(());
///     ctx.recv().await; // dies with the timer pending, killed below
///     ExitReason::Normal
/// });
/// rx.await.unwrap();
/// assert_eq!(otp_runtime::timer_count(), before + 1);
/// otp_runtime::exit(p.pid(), ExitReason::Kill);
/// p.wait_exit().await;
/// tokio::task::yield_now().await; // the aborted timer task is dropped at its next turn
/// assert_eq!(otp_runtime::timer_count(), before);
/// # }
/// ```
pub fn timer_count() -> usize {
    crate::node::with_current(|n| n.timer_count())
}

pub(crate) struct Timers<M> {
    active: HashMap<u64, (M, AbortHandle)>,
}

impl<M: Send + 'static> Timers<M> {
    pub(crate) fn new() -> Self {
        Timers {
            active: HashMap::new(),
        }
    }

    pub(crate) fn send_after(&mut self, core: &Arc<Core<M>>, after: Duration, msg: M) -> TimerRef {
        let id = core.shared.next_ref();
        let live = Live::new(core);
        let task = tokio::spawn(async move {
            let live = live;
            crate::time::sleep(after).await;
            let _ = live.0.tx.send(Envelope::Timer(id));
        });
        self.active.insert(id, (msg, task.abort_handle()));
        TimerRef(id)
    }

    /// True if the timer was active (it had not been delivered nor cancelled).
    pub(crate) fn cancel(&mut self, t: TimerRef) -> bool {
        match self.active.remove(&t.0) {
            Some((_, task)) => {
                task.abort();
                true
            }
            None => false,
        }
    }

    /// The message of a timer that fired, unless it was cancelled meanwhile.
    pub(crate) fn fired(&mut self, id: u64) -> Option<M> {
        self.active.remove(&id).map(|(m, _)| m)
    }

    pub(crate) fn len(&self) -> usize {
        self.active.len()
    }
}

impl<M> Drop for Timers<M> {
    fn drop(&mut self) {
        for (_, (_, task)) in self.active.drain() {
            task.abort();
        }
    }
}
