//! The timer queue: every pending `send_after` armed on one thread, ordered by deadline, and
//! driven by one tokio task.
//!
//! A timer is an entry here, not a task of its own: arming one is a lock and an insert,
//! cancelling one a lock and a removal, and a pending timer costs a queue entry. The driver
//! task sleeps until the earliest deadline, then fires every timer that is due, millisecond
//! by millisecond, and within one millisecond in the order they were armed: firing puts `Envelope::Timer(id)` in the
//! owner's mailbox, where the message itself waits in the owner's table (see
//! `process::timer`). The driver ends when the queue is empty and the next timer starts
//! another, so an idle program runs no task at all.
//!
//! One queue per thread, not per node: a thread runs the processes of one tokio runtime at
//! a time, so each queue's timers, its driver and the clock it reads (tokio's paused clock is
//! a runtime's) belong to one runtime, even when several runtimes share a node (tests of one
//! program on the default node do). A runtime that shuts down takes its drivers and its
//! processes, and with them their timers; the queue's clock starts again with the next
//! timer. (Two current-thread runtimes driven in turn on one thread, each with timers
//! pending, would share a queue and its driver: not supported.)

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::Notify;

use super::sets::ById;
use crate::time::Instant;

/// What a timer does when it fires: delivers timer `id` to its owner.
pub(crate) trait Fire: Send + Sync {
    fn fire(&self, id: u64);
}

/// A pending timer's place in the queue: the millisecond its deadline falls in (counted from
/// the queue's first timer, rounded up: never early, as tokio's own timers), then its id
/// (unique on the node, and growing, so ties fire in the order the timers were armed).
pub(crate) type Key = (u64, u64);

/// A millisecond's timers, by id.
type Bucket = ById<Arc<dyn Fire>>;

thread_local! {
    static HERE: RefCell<Option<Arc<Timers>>> = const { RefCell::new(None) };
}

/// This thread's queue.
pub(crate) fn here() -> Arc<Timers> {
    HERE.with(|q| q.borrow_mut().get_or_insert_with(Arc::default).clone())
}

#[derive(Default)]
pub(crate) struct Timers {
    queue: Mutex<Queue>,
    /// Told when a timer is armed earlier than the driver's next wake-up.
    earlier: Notify,
}

#[derive(Default)]
struct Queue {
    /// The timers by the millisecond they are due in: timers armed together share a bucket,
    /// so arming one is mostly a push.
    pending: BTreeMap<u64, Bucket>,
    /// Millisecond 0: when the first timer was armed.
    base: Option<Instant>,
    /// Whether a driver task runs for this queue.
    driven: bool,
}

impl Queue {
    fn tick(&mut self, deadline: Instant) -> u64 {
        let base = *self.base.get_or_insert_with(Instant::now);
        let after = deadline.saturating_duration_since(base);
        // Rounded up, so a timer never fires early.
        let ms = after.as_nanos().div_ceil(1_000_000);
        u64::try_from(ms).unwrap_or(u64::MAX)
    }

    /// The milliseconds fully past: every bucket up to this one is due.
    fn past(&self, now: Instant) -> u64 {
        let base = self.base.unwrap_or(now);
        u64::try_from(now.saturating_duration_since(base).as_millis()).unwrap_or(u64::MAX)
    }

    fn deadline(&self, tick: u64) -> Instant {
        let base = self.base.unwrap_or_else(Instant::now);
        base.checked_add(Duration::from_millis(tick))
            .unwrap_or_else(|| base + Duration::from_secs(86400 * 365 * 30))
    }
}

impl Timers {
    fn queue(&self) -> MutexGuard<'_, Queue> {
        // Nothing panics while holding the lock.
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Arms timer `id` of `owner` for `deadline`; `this` is the `Arc` the timers belong to, for
    /// a driver to start if none runs. Returns its key, to disarm it.
    pub(crate) fn arm(this: &Arc<Timers>, deadline: Instant, id: u64, owner: Arc<dyn Fire>) -> Key {
        let mut q = this.queue();
        let tick = q.tick(deadline);
        let earliest = q.pending.first_key_value().is_none_or(|(t, _)| tick < *t);
        q.pending.entry(tick).or_default().insert(id, owner);
        if !q.driven {
            q.driven = true;
            drop(q);
            // The guard exists before the task: a task dropped unpolled (its runtime shutting
            // down) still marks the queue undriven.
            tokio::spawn(drive(Driving {
                timers: this.clone(),
                ended: false,
            }));
        } else if earliest {
            drop(q);
            this.earlier.notify_one();
        }
        (tick, id)
    }

    /// Removes timer `key`; whether it was pending.
    pub(crate) fn disarm(&self, (tick, id): Key) -> bool {
        let mut q = self.queue();
        let Some(bucket) = q.pending.get_mut(&tick) else {
            return false;
        };
        let removed = bucket.remove(id);
        if bucket.len() == 0 {
            q.pending.remove(&tick);
        }
        removed
    }
}

/// Marks the queue undriven (and its clock free to start again) if the driver is dropped
/// before it ends on its own.
struct Driving {
    timers: Arc<Timers>,
    ended: bool,
}

impl Drop for Driving {
    fn drop(&mut self) {
        if !self.ended {
            let mut q = self.timers.queue();
            q.driven = false;
            if q.pending.is_empty() {
                q.base = None;
            }
        }
    }
}

/// The driver: fires what is due, sleeps until the next deadline or an earlier timer, and
/// ends once nothing is pending.
async fn drive(mut driving: Driving) {
    let timers = driving.timers.clone();
    let mut due: Vec<(u64, Arc<dyn Fire>)> = Vec::new();
    loop {
        let next = {
            let mut q = timers.queue();
            let now = q.past(Instant::now());
            while let Some(entry) = q.pending.first_entry() {
                if *entry.key() > now {
                    break;
                }
                // In deadline order, then in the order armed (ids grow).
                due.extend(entry.remove().into_sorted());
            }
            match q.pending.first_key_value() {
                Some((tick, _)) => Some(q.deadline(*tick)),
                None if due.is_empty() => {
                    // Under the lock: a timer armed from here on starts a new driver, with a
                    // clock of its own (a thread may run another runtime by then).
                    q.driven = false;
                    q.base = None;
                    driving.ended = true;
                    return;
                }
                None => None,
            }
        };
        for (id, owner) in due.drain(..) {
            owner.fire(id);
        }
        if let Some(next) = next {
            tokio::select! {
                // Biased: a fixed order keeps simulations deterministic.
                biased;
                _ = crate::time::sleep_until(next) => {}
                _ = timers.earlier.notified() => {}
            }
        }
    }
}
