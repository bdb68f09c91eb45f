//! Timers owned by a process: `send_after` and `cancel_timer`.
//!
//! A timer is an entry in a timer queue (`process::timer_queue`: one per thread, so one per
//! runtime), which puts `Envelope::Timer(id)` in its owner's mailbox when it fires; the
//! message itself stays in the owner's table until it is received. So:
//! - a cancelled timer is never delivered, even if it fired just before the cancel (the id is
//!   gone from the table and the mailbox entry is skipped);
//! - all of a process's timers die with it (dropping the table takes them off the queue).

use std::sync::Arc;
use std::time::Duration;

use super::core::{Core, Envelope};
use super::sets::ById;
use super::timer_queue::{self, Fire, Key, Timers as Queue};
use crate::node::Node;
use crate::time::Instant;

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

/// How many timers are pending on the [current node](crate::node::Node::current): set with
/// `send_after` (by a process, a gen_server, a gen_statem's timeouts), and neither received
/// (a timer that fired counts until its process takes its message) nor cancelled, nor gone
/// with their process ([`Node::timer_count`](crate::node::Node::timer_count)
/// for a given node).
///
/// With [`process_count`](crate::process_count), it tells what the runtime still holds: once
/// every process has ended, this is 0, and no task of the runtime runs (the node's timer
/// task ends with its last timer).
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
/// assert_eq!(otp_runtime::timer_count(), before);
/// # }
/// ```
pub fn timer_count() -> usize {
    crate::node::with_current(|n| n.timer_count())
}

impl<M: Send + 'static> Fire for Core<M> {
    fn fire(&self, id: u64) {
        // A closed mailbox: the owner is dead, and its timers with it.
        let _ = self.mailbox.send(Envelope::Timer(id));
    }
}

/// A pending timer of a process: its message, and its deadline in its queue (a process that
/// moves between threads may have timers in several queues).
struct Pending<M> {
    msg: M,
    key: Key,
    queue: Arc<Queue>,
}

/// A process's pending timers, by id: the first in place (most processes have one at a
/// time, and it then costs no allocation of its own), the others in a vector sized to fit
/// while a process has few, so that a pending timer costs tens of bytes, not a hash table.
pub(crate) struct Timers<M> {
    first: Option<(u64, Pending<M>)>,
    active: ById<Pending<M>>,
    /// The owner's node, which counts its pending timers; set at the first timer.
    node: Option<Node>,
}

impl<M: Send + 'static> Timers<M> {
    pub(crate) fn new() -> Self {
        Timers {
            first: None,
            active: ById::default(),
            node: None,
        }
    }

    pub(crate) fn send_after(&mut self, core: &Arc<Core<M>>, after: Duration, msg: M) -> TimerRef {
        let id = core.shared.next_ref();
        // A deadline past the clock's range is a timer that never fires: it waits, pending,
        // until cancelled or its process dies.
        let deadline = Instant::now().checked_add(after).unwrap_or_else(far_future);
        let queue = timer_queue::here();
        let key = Queue::arm(&queue, deadline, id, core.clone());
        self.node
            .get_or_insert_with(|| core.shared.node().clone())
            .0
            .timers_pending(1);
        let pending = Pending { msg, key, queue };
        match self.first {
            None => self.first = Some((id, pending)),
            Some(_) => self.active.insert(id, pending),
        }
        TimerRef(id)
    }

    /// True if the timer was active (it had not been delivered nor cancelled).
    pub(crate) fn cancel(&mut self, t: TimerRef) -> bool {
        match self.take(t.0) {
            Some(p) => {
                p.queue.disarm(p.key, t.0);
                self.done(1);
                true
            }
            None => false,
        }
    }

    /// The message of a timer that fired, unless it was cancelled meanwhile.
    pub(crate) fn fired(&mut self, id: u64) -> Option<M> {
        let p = self.take(id)?;
        self.done(1);
        Some(p.msg)
    }

    fn take(&mut self, id: u64) -> Option<Pending<M>> {
        match &self.first {
            Some((first, _)) if *first == id => self.first.take().map(|(_, p)| p),
            _ => self.active.take(id),
        }
    }

    fn done(&self, n: usize) {
        if let Some(node) = &self.node {
            node.0.timers_pending(-(n as isize));
        }
    }

    pub(crate) fn len(&self) -> usize {
        usize::from(self.first.is_some()) + self.active.len()
    }
}

impl<M> Drop for Timers<M> {
    /// Takes every pending timer off its queue: the process is dying.
    fn drop(&mut self) {
        let mut active = std::mem::take(&mut self.active).into_sorted();
        active.extend(self.first.take());
        let n = active.len();
        for (id, p) in active {
            p.queue.disarm(p.key, id);
        }
        if let Some(node) = &self.node {
            node.0.timers_pending(-(n as isize));
        }
    }
}

/// About 30 years from now: as far as a deadline goes (tokio's own far future).
fn far_future() -> Instant {
    Instant::now() + Duration::from_secs(86400 * 365 * 30)
}
