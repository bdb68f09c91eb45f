//! The waker through which exit signals and `sys` requests reach a process, whatever it is
//! awaiting.
//!
//! An [`AtomicWaker`](https://docs.rs/futures/latest/futures/task/struct.AtomicWaker.html)
//! would do, but it costs two locked read-modify-writes a poll to register (and dirties the
//! cache line that the process's senders read its mailbox from), and its `wake` takes the
//! waker out, so every poll must register again. Here the process's task is the only one that
//! registers, and a wake clones the waker rather than taking it: once the task's waker is in,
//! a poll checks it with [`Waker::will_wake`] (two comparisons, no write), and registers again
//! only if it changed. For a process, which is a tokio task of its own, it never does.
//!
//! The state word orders registration and wakes as `AtomicWaker`'s does: a wake that finds a
//! registration under way leaves the waking to the registrant, which wakes its new waker when
//! it sees that; a registration that finds a wake reading the slot wakes its new waker and
//! tries again at its next poll.

use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::Waker;

/// Nobody holds the slot.
const WAITING: usize = 0;
/// The registrant is writing the slot.
const REGISTERING: usize = 1;
/// A wake is reading the slot.
const WAKING: usize = 2;

/// A waker cell with one registrant (the process's own poll) and any number of wakers.
/// `repr(C)`, the slot first: a poll reads only the slot (see `Shared`'s layout).
#[repr(C)]
pub(crate) struct ProcessWaker {
    waker: UnsafeCell<Option<Waker>>,
    state: AtomicUsize,
}

// SAFETY: the slot is written only by the registrant while it holds `REGISTERING`, and read
// by a wake only while it holds `WAKING` without `REGISTERING`, or by the registrant itself
// (see `register`); a `Waker` is `Send + Sync`.
unsafe impl Send for ProcessWaker {}
unsafe impl Sync for ProcessWaker {}

impl ProcessWaker {
    pub(crate) const fn new() -> Self {
        ProcessWaker {
            state: AtomicUsize::new(WAITING),
            waker: UnsafeCell::new(None),
        }
    }

    /// Makes `waker` the one [`wake`](Self::wake) wakes.
    ///
    /// # Safety
    ///
    /// Only one thread at a time calls `register` on a given cell (the process's own poll):
    /// its unlocked read of the slot must not race another registrant's write.
    #[inline]
    pub(crate) unsafe fn register(&self, waker: &Waker) {
        // SAFETY: only a registrant writes the slot, and the caller is the only one; a wake
        // only reads it, and concurrent reads are no race.
        if let Some(old) = unsafe { &*self.waker.get() } {
            if old.will_wake(waker) {
                return;
            }
        }
        // SAFETY: passed on from the caller.
        unsafe { self.register_slow(waker) }
    }

    /// # Safety
    ///
    /// As [`register`](Self::register).
    #[cold]
    #[inline(never)]
    unsafe fn register_slow(&self, waker: &Waker) {
        match self.state.compare_exchange(
            WAITING,
            REGISTERING,
            Ordering::Acquire,
            Ordering::Acquire,
        ) {
            Ok(_) => {
                // SAFETY: `REGISTERING` is held: no wake reads the slot meanwhile.
                let old = unsafe { (*self.waker.get()).replace(waker.clone()) };
                if self
                    .state
                    .compare_exchange(REGISTERING, WAITING, Ordering::AcqRel, Ordering::Acquire)
                    .is_err()
                {
                    // A wake came meanwhile (`REGISTERING | WAKING`), saw the slot busy and
                    // left the waking to us: the acquire above makes its signal visible to
                    // the poll this wake brings.
                    self.state.swap(WAITING, Ordering::AcqRel);
                    waker.wake_by_ref();
                }
                // Dropped outside the critical section: a waker's destructor may run anything.
                drop(old);
            }
            // A wake is reading the slot: it wakes the waker registered before, which may not
            // be this one. Be polled again, and register then.
            Err(_) => waker.wake_by_ref(),
        }
    }

    /// Wakes the registered waker, if there is one, and keeps it registered. The caller has
    /// published what the woken poll is to see (an exit signal, a `sys` request) before.
    pub(crate) fn wake(&self) {
        if self.state.fetch_or(WAKING, Ordering::AcqRel) != WAITING {
            // A registration is under way (it wakes its new waker when it sees `WAKING`), or
            // another wake holds the slot: it releases it with an acquire of ours (below),
            // so the poll its wake brings sees what we published.
            return;
        }
        // SAFETY: `WAKING` without `REGISTERING` is held: the slot is not written meanwhile.
        let waker = unsafe { (*self.waker.get()).clone() };
        self.state.fetch_and(!WAKING, Ordering::AcqRel);
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Drops the registered waker (at the process's death): a waker holds its task's memory.
    ///
    /// # Safety
    ///
    /// As [`register`](Self::register): called by the registrant.
    pub(crate) unsafe fn clear(&self) {
        loop {
            match self.state.compare_exchange(
                WAITING,
                REGISTERING,
                Ordering::Acquire,
                Ordering::Acquire,
            ) {
                Ok(_) => {
                    // SAFETY: `REGISTERING` is held.
                    let old = unsafe { (*self.waker.get()).take() };
                    self.state.swap(WAITING, Ordering::AcqRel);
                    drop(old);
                    return;
                }
                // A wake is reading the slot: it holds it for a clone.
                Err(_) => std::hint::spin_loop(),
            }
        }
    }
}

/// A waker that counts its wakes, for the runtime's unit tests.
#[cfg(test)]
pub(crate) mod counting {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::task::{Wake, Waker};

    pub(crate) struct Count(AtomicUsize);

    impl Count {
        /// How many times it was woken.
        pub(crate) fn wakes(&self) -> usize {
            self.0.load(Ordering::SeqCst)
        }
    }

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// A counting waker and its count.
    pub(crate) fn counting() -> (Arc<Count>, Waker) {
        let c = Arc::new(Count(AtomicUsize::new(0)));
        (c.clone(), Waker::from(c))
    }
}

#[cfg(test)]
mod tests {
    use super::counting::counting;
    use super::*;
    use std::sync::atomic::AtomicU64;
    use std::sync::Arc;

    #[test]
    fn a_wake_before_any_registration_wakes_nobody() {
        let cell = ProcessWaker::new();
        cell.wake();
        let (count, waker) = counting();
        unsafe { cell.register(&waker) };
        assert_eq!(count.wakes(), 0);
    }

    #[test]
    fn the_waker_stays_registered_across_wakes() {
        let cell = ProcessWaker::new();
        let (count, waker) = counting();
        unsafe { cell.register(&waker) };
        cell.wake();
        cell.wake();
        assert_eq!(count.wakes(), 2);
        // The same waker again: nothing is cloned (the count of references is unchanged).
        let refs = Arc::strong_count(&count);
        unsafe { cell.register(&waker) };
        assert_eq!(Arc::strong_count(&count), refs);
    }

    #[test]
    fn a_new_waker_replaces_the_old_one() {
        let cell = ProcessWaker::new();
        let (first, w1) = counting();
        let (second, w2) = counting();
        unsafe { cell.register(&w1) };
        unsafe { cell.register(&w2) };
        cell.wake();
        assert_eq!(first.wakes(), 0);
        assert_eq!(second.wakes(), 1);
        // The old one was dropped: only `w1` holds its count now.
        assert_eq!(Arc::strong_count(&first), 2);
    }

    #[test]
    fn clear_drops_the_waker() {
        let cell = ProcessWaker::new();
        let (count, waker) = counting();
        unsafe { cell.register(&waker) };
        assert_eq!(Arc::strong_count(&count), 3);
        unsafe { cell.clear() };
        assert_eq!(Arc::strong_count(&count), 2);
        cell.wake();
        assert_eq!(count.wakes(), 0);
    }

    /// A wake from another thread races registrations of alternating wakers (each one
    /// takes the slow path): a signal published before the wake is seen by the check that
    /// follows the last registration, or else the last waker registered is woken.
    #[test]
    fn no_wake_is_lost_to_a_racing_registration() {
        for _ in 0..500 {
            let cell = Arc::new(ProcessWaker::new());
            let signal = Arc::new(AtomicU64::new(0));
            let wakers = [counting(), counting()];
            let waker_thread = {
                let (cell, signal) = (cell.clone(), signal.clone());
                std::thread::spawn(move || {
                    signal.store(1, Ordering::SeqCst);
                    cell.wake();
                })
            };
            let mut seen = false;
            let rounds = 64;
            for i in 0..rounds {
                unsafe { cell.register(&wakers[i % 2].1) };
                seen = signal.load(Ordering::SeqCst) == 1;
            }
            waker_thread.join().unwrap();
            let last = &wakers[(rounds - 1) % 2].0;
            assert!(
                seen || last.wakes() > 0,
                "the signal was neither seen nor woken"
            );
        }
    }
}
