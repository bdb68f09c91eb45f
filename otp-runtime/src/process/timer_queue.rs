//! The timer queue: every pending `send_after` armed on one thread, ordered by deadline, and
//! driven by one tokio task.
//!
//! A timer is an entry here, not a task of its own: arming one is a lock and a push into the
//! bucket of its millisecond, cancelling one a lock and emptying its slot, and a pending
//! timer costs a queue entry. The driver task sleeps until the latest deadline of the
//! earliest bucket, then fires every bucket that is due, millisecond by millisecond, and
//! within one millisecond in the order they were armed: firing puts `Envelope::Timer(id)` in
//! the owner's mailbox, where the message itself waits in the owner's table (see
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
use tokio::sync::Notify;

use crate::time::Instant;

/// What a timer does when it fires: delivers timer `id` to its owner.
pub(crate) trait Fire: Send + Sync {
    fn fire(&self, id: u64);
}

/// A pending timer's place in the queue: the millisecond its deadline falls in (counted from
/// the queue's first timer), and its index in that millisecond's bucket.
pub(crate) type Key = (u64, usize);

/// A millisecond's timers, in the order they were armed (only the queue's own thread arms,
/// and ids grow, so also by id). A cancelled timer leaves its slot empty, so that the others
/// keep their index; the bucket goes once its last timer is cancelled.
struct Bucket {
    timers: Vec<(u64, Option<Arc<dyn Fire>>)>,
    /// How many slots hold a timer.
    live: usize,
    /// The latest deadline of the bucket's timers: it fires then, so none fires early, and
    /// the driver sleeps until a deadline, not until a millisecond rounded up (tokio rounds
    /// up again, and two roundings on different grids made a timer up to 2 ms late).
    latest: Instant,
}

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
    /// The millisecond `deadline` falls in.
    fn tick(&mut self, deadline: Instant) -> u64 {
        let base = *self.base.get_or_insert_with(Instant::now);
        let after = deadline.saturating_duration_since(base);
        u64::try_from(after.as_millis()).unwrap_or(u64::MAX)
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
        let bucket = q.pending.entry(tick).or_insert_with(|| Bucket {
            timers: Vec::new(),
            live: 0,
            latest: deadline,
        });
        let index = bucket.timers.len();
        bucket.timers.push((id, Some(owner)));
        bucket.live += 1;
        bucket.latest = bucket.latest.max(deadline);
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
        (tick, index)
    }

    /// Removes timer `id`, armed with `key`; whether it was pending.
    pub(crate) fn disarm(&self, (tick, index): Key, id: u64) -> bool {
        let mut q = self.queue();
        let Some(bucket) = q.pending.get_mut(&tick) else {
            return false;
        };
        // The id tells a stale key (its timer fired, and a new bucket has its millisecond).
        let owner = match bucket.timers.get_mut(index) {
            Some((i, owner)) if *i == id => owner.take(),
            _ => None,
        };
        if owner.is_some() {
            bucket.live -= 1;
            if bucket.live == 0 {
                q.pending.remove(&tick);
            }
        }
        drop(q);
        owner.is_some()
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
            let now = Instant::now();
            while let Some(entry) = q.pending.first_entry() {
                if entry.get().latest > now {
                    break;
                }
                // In deadline order, then in the order armed.
                let bucket = entry.remove().timers.into_iter();
                due.extend(bucket.filter_map(|(id, owner)| Some((id, owner?))));
            }
            match q.pending.first_key_value() {
                Some((_, bucket)) => Some(bucket.latest),
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// Records the ids it is told to fire.
    #[derive(Default)]
    struct Log(Mutex<Vec<u64>>);

    impl Fire for Log {
        fn fire(&self, id: u64) {
            self.0.lock().unwrap().push(id);
        }
    }

    fn fired(log: &Log) -> Vec<u64> {
        log.0.lock().unwrap().clone()
    }

    /// A key whose timer has fired names a slot of a bucket that may be built again for the
    /// same millisecond: disarming it must not take the new timer in that slot.
    #[tokio::test(flavor = "current_thread", start_paused = true)]
    async fn a_stale_key_does_not_disarm_a_later_timer() {
        let q = Arc::new(Timers::default());
        let log = Arc::new(Log::default());
        let now = Instant::now();
        let first = Timers::arm(&q, now, 1, log.clone());
        crate::time::sleep(Duration::from_millis(1)).await;
        assert_eq!(fired(&log), [1]);
        // Millisecond 0 again (the queue's clock started at `now`), slot 0 again.
        let second = Timers::arm(&q, now, 2, log.clone());
        assert_eq!(first, second);
        assert!(!q.disarm(first, 1));
        crate::time::sleep(Duration::from_millis(1)).await;
        assert_eq!(fired(&log), [1, 2]);
    }

    /// Timers fire in deadline order, those of one millisecond in the order armed, never
    /// before their deadline; a cancelled one never.
    #[tokio::test(flavor = "current_thread", start_paused = true)]
    async fn order_deadlines_and_cancel() {
        /// Records when each id fired.
        struct When(Mutex<Vec<(u64, Instant)>>);
        impl Fire for When {
            fn fire(&self, id: u64) {
                self.0.lock().unwrap().push((id, Instant::now()));
            }
        }
        let q = Arc::new(Timers::default());
        let log = Arc::new(When(Mutex::default()));
        let t0 = Instant::now();
        let at = |us: u64| t0 + Duration::from_micros(us);
        let deadlines = [(1, 2_500), (2, 2_100), (3, 2_200), (4, 1_000)];
        let mut keys = Vec::new();
        for (id, us) in deadlines {
            keys.push(Timers::arm(&q, at(us), id, log.clone()));
        }
        assert!(q.disarm(keys[2], 3));
        assert!(!q.disarm(keys[2], 3));
        crate::time::sleep_until(at(10_000)).await;
        let fired = log.0.lock().unwrap().clone();
        let ids: Vec<u64> = fired.iter().map(|(id, _)| *id).collect();
        assert_eq!(ids, [4, 1, 2]);
        for (id, when) in fired {
            let deadline = at(deadlines.iter().find(|(i, _)| *i == id).unwrap().1);
            assert!(when >= deadline, "timer {id} fired early");
            assert!(
                when <= deadline + Duration::from_millis(2),
                "timer {id} fired late"
            );
        }
        assert!(q.queue().pending.is_empty());
    }
}
