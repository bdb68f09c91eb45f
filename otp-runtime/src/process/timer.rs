//! Timers owned by a process: `send_after` and `cancel_timer`.
//!
//! A timer is a small task that sleeps and then puts `Envelope::Timer(id)` in its owner's
//! mailbox; the message itself stays in the owner's table until it is received. So:
//! - a cancelled timer is never delivered, even if it fired just before the cancel (the id is
//!   gone from the table and the mailbox entry is skipped);
//! - all of a process's timers die with it (dropping the table aborts their tasks).

use std::collections::HashMap;
use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;
use tokio::task::AbortHandle;

use super::core::{next_ref, Envelope};

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

pub(crate) struct Timers<M> {
    active: HashMap<u64, (M, AbortHandle)>,
}

impl<M: Send + 'static> Timers<M> {
    pub(crate) fn new() -> Self {
        Timers {
            active: HashMap::new(),
        }
    }

    pub(crate) fn send_after(
        &mut self,
        tx: &UnboundedSender<Envelope<M>>,
        after: Duration,
        msg: M,
    ) -> TimerRef {
        let id = next_ref();
        let tx = tx.clone();
        let task = tokio::spawn(async move {
            crate::time::sleep(after).await;
            let _ = tx.send(Envelope::Timer(id));
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
