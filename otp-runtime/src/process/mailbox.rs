//! A process's mailbox: many senders, one receiver (the process), unbounded, in order.
//!
//! It used to be tokio's unbounded channel. That costs every process 1,056 bytes before its
//! first message (the channel, 512, and its first block of 32 slots, 544), and a sender four
//! locked read-modify-writes a message (a semaphore, the tail, the block's ready bits, the
//! receiver's waker). A million idle children spent a gigabyte and a fifth of their start time
//! in the kernel clearing those pages.
//!
//! Here the senders' half is a queue behind a lock, in the process's core, and allocates
//! nothing until the first message: a send is one lock and one unlock, and wakes the receiver
//! only when it waits. The receiver takes the whole queue at once, swapping it with its own
//! emptied one, and then reads messages from its own half without touching the lock: a busy
//! process locks once a batch, not once a message, and the two buffers pass their capacity
//! back and forth, so a steady flow allocates nothing; a buffer grown past a few hundred
//! slots by a burst is shrunk once read. A lone message is taken out in place, so that a
//! process that gets one at a time keeps one buffer. Every critical section is a few
//! instructions and runs no user code (a waker is woken, and messages are dropped, after the
//! lock is released; only a waker's clone runs under it), so contended senders mostly spin
//! briefly rather than sleep. A push that grows the queue copies it under the lock, as any
//! growing buffer does: amortized, and rare once the buffers have their size.
//!
//! Receiving counts against tokio's cooperative budget, as tokio's channels do, so that a
//! process with a full mailbox still yields to the other tasks of its thread.
//!
//! The receiver's end closes the mailbox (when the process's context is dropped, at its
//! death): later sends give the message back, and what waits is dropped.

use std::cell::UnsafeCell;
use std::collections::VecDeque;
use std::mem::ManuallyDrop;
use std::ops::{Deref, DerefMut};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::task::{ready, Context, Poll, Waker};

/// The most slots the receiver's emptied buffer keeps for the senders: a buffer grown past
/// this by a burst is shrunk to it once read.
const KEPT_SLOTS: usize = 256;

/// A process's mailbox, the senders' half, in its core: the queue behind a lock.
pub(crate) struct Mailbox<T> {
    inner: Mutex<Inner<T>>,
}

/// The receiver's half, also in the core but apart from the senders' (the receiver writes it
/// at every message): what the receiver took from the queue and has not read yet. Only the
/// process's own context reads it (see the receiving methods' safety).
pub(crate) struct Inbox<T> {
    taken: UnsafeCell<Queue<T>>,
}

// SAFETY: `taken` is touched only by the one receiver (the receiving methods' contract), never
// by two threads at once. Messages move between threads, hence `T: Send`.
unsafe impl<T: Send> Sync for Inbox<T> {}

struct Inner<T> {
    queue: Queue<T>,
    /// The receiver's waker while it waits on an empty mailbox; the next send takes it.
    waker: Option<Waker>,
    closed: bool,
}

impl<T> Mailbox<T> {
    pub(crate) const fn new() -> Self {
        Mailbox {
            inner: Mutex::new(Inner {
                queue: Queue::new(),
                waker: None,
                closed: false,
            }),
        }
    }

    #[inline]
    fn lock(&self) -> MutexGuard<'_, Inner<T>> {
        // No user code runs under the lock, so a poisoned lock holds a consistent queue.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues `msg`, or gives it back if the receiver is gone.
    #[inline]
    pub(crate) fn send(&self, msg: T) -> Result<(), T> {
        let mut inner = self.lock();
        if inner.closed {
            return Err(msg);
        }
        inner.queue.push_back(msg);
        let waker = inner.waker.take();
        drop(inner);
        if let Some(waker) = waker {
            waker.wake();
        }
        Ok(())
    }
}

impl<T> Inbox<T> {
    pub(crate) const fn new() -> Self {
        Inbox {
            taken: UnsafeCell::new(Queue::new()),
        }
    }

    /// The messages taken.
    ///
    /// # Safety
    ///
    /// As [`poll_recv`](Self::poll_recv), from a method that needs exclusive access; the
    /// caller holds no other reference from it.
    #[allow(clippy::mut_from_ref)]
    #[inline]
    unsafe fn taken(&self) -> &mut Queue<T> {
        // SAFETY: passed on from the caller.
        unsafe { &mut *self.taken.get() }
    }

    /// The next message, or `Pending` (with `cx`'s waker registered) if there is none, or if
    /// this task's budget is spent.
    ///
    /// # Safety
    ///
    /// The receiving methods (this one, `try_recv`, `len`, `shrink` and `close`) are called
    /// by the inbox's one receiver (the process's context), with the mailbox of the same
    /// core; all but `len` while it has exclusive access (`&mut ProcessCtx`, or its drop),
    /// `len` while it has shared access (`&ProcessCtx`): never two at once, except `len`s.
    #[inline]
    pub(crate) unsafe fn poll_recv(&self, mailbox: &Mailbox<T>, cx: &mut Context<'_>) -> Poll<T> {
        let coop = ready!(tokio::task::coop::poll_proceed(cx));
        // SAFETY: passed on from the caller.
        let msg = match unsafe { self.taken() }.pop_front() {
            Some(msg) => msg,
            // SAFETY: passed on from the caller.
            None => ready!(unsafe { self.refill(mailbox, Some(cx)) }),
        };
        coop.made_progress();
        Poll::Ready(msg)
    }

    /// The next message, if one is there.
    ///
    /// # Safety
    ///
    /// As [`poll_recv`](Self::poll_recv).
    pub(crate) unsafe fn try_recv(&self, mailbox: &Mailbox<T>) -> Option<T> {
        // SAFETY: passed on from the caller.
        match unsafe { self.taken() }.pop_front() {
            Some(msg) => Some(msg),
            // SAFETY: passed on from the caller.
            None => match unsafe { self.refill(mailbox, None) } {
                Poll::Ready(msg) => Some(msg),
                Poll::Pending => None,
            },
        }
    }

    /// Takes the senders' queue, leaving them the receiver's emptied buffer; registers `cx`'s
    /// waker if the queue is empty.
    ///
    /// # Safety
    ///
    /// As [`poll_recv`](Self::poll_recv).
    #[cold]
    #[inline(never)]
    unsafe fn refill(&self, mailbox: &Mailbox<T>, cx: Option<&mut Context<'_>>) -> Poll<T> {
        // SAFETY: passed on from the caller.
        let taken = unsafe { self.taken() };
        // Empty: `clear` starts the buffer at its beginning again, for the senders. Grown by
        // a burst, it is shrunk too (before the lock): the two buffers pass their capacity
        // back and forth, so one kept at its largest would keep a burst's memory for the
        // process's life, where tokio's channel freed its blocks as they emptied.
        taken.clear();
        if taken.capacity() > KEPT_SLOTS {
            taken.shrink_to(KEPT_SLOTS);
        }
        let mut inner = mailbox.lock();
        if inner.queue.is_empty() {
            let Some(cx) = cx else { return Poll::Pending };
            if inner
                .waker
                .as_ref()
                .is_some_and(|w| w.will_wake(cx.waker()))
            {
                return Poll::Pending;
            }
            let old = inner.waker.replace(cx.waker().clone());
            // Dropped after the lock: the last reference to a task frees it.
            drop(inner);
            drop(old);
            return Poll::Pending;
        }
        // One message (a call, a ring's token: one at a time) is taken out in place: swapping
        // would make the senders allocate a second buffer for the next one.
        if inner.queue.len() == 1 {
            return match inner.queue.pop_front() {
                Some(msg) => Poll::Ready(msg),
                None => unreachable!("a queue of one"),
            };
        }
        std::mem::swap(&mut **taken, &mut *inner.queue);
        drop(inner);
        match taken.pop_front() {
            Some(msg) => Poll::Ready(msg),
            None => unreachable!("took a queue that was not empty"),
        }
    }

    /// How many messages wait, taken or not.
    ///
    /// # Safety
    ///
    /// As [`poll_recv`](Self::poll_recv).
    pub(crate) unsafe fn len(&self, mailbox: &Mailbox<T>) -> usize {
        // SAFETY: passed on from the caller; a shared reference, as a caller may hold a shared
        // reference to the receiver (`ProcessCtx::message_queue_len`).
        unsafe { &*self.taken.get() }.len() + mailbox.lock().queue.len()
    }

    /// Gives back the spare capacity of both buffers (a hibernating process's part).
    ///
    /// # Safety
    ///
    /// As [`poll_recv`](Self::poll_recv).
    pub(crate) unsafe fn shrink(&self, mailbox: &Mailbox<T>) {
        // SAFETY: passed on from the caller.
        unsafe { self.taken() }.shrink_to_fit();
        let mut inner = mailbox.lock();
        if inner.queue.is_empty() {
            // Freed after the lock: freeing memory is no work for a critical section.
            let spare = std::mem::take(&mut *inner.queue);
            drop(inner);
            release(spare);
        } else {
            inner.queue.shrink_to_fit();
        }
    }

    /// Closes the mailbox: later sends give their message back. What waits is dropped here,
    /// after the lock (a dropped message may send: a call's reply sender tells its caller).
    ///
    /// # Safety
    ///
    /// As [`poll_recv`](Self::poll_recv).
    pub(crate) unsafe fn close(&self, mailbox: &Mailbox<T>) {
        let mut inner = mailbox.lock();
        inner.closed = true;
        let queue = std::mem::take(&mut *inner.queue);
        let waker = inner.waker.take();
        drop(inner);
        // Oldest first, as tokio's channel dropped them: the batch taken, then the queue (a
        // dropped call's reply handle tells its caller, in this order).
        // SAFETY: passed on from the caller.
        release(std::mem::take(&mut **unsafe { self.taken() }));
        release(queue);
        drop(waker);
    }
}

/// A queue whose drop does nothing when it has no buffer. A process's end drops four: both
/// queues when it closes, and both again (emptied, without buffers) when its core is freed;
/// and a process that gets one message at a time never gives the receiver's a buffer. A
/// `VecDeque`'s drop runs the elements' drop loop for each of its two halves, an out-of-line
/// call each even for none: 8 calls of 17 instructions per process, now 2 (a spawned
/// server's whole life measured 142 instructions fewer).
struct Queue<T>(ManuallyDrop<VecDeque<T>>);

impl<T> Queue<T> {
    const fn new() -> Self {
        Queue(ManuallyDrop::new(VecDeque::new()))
    }
}

impl<T> Deref for Queue<T> {
    type Target = VecDeque<T>;
    #[inline]
    fn deref(&self) -> &VecDeque<T> {
        &self.0
    }
}

impl<T> DerefMut for Queue<T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut VecDeque<T> {
        &mut self.0
    }
}

impl<T> Drop for Queue<T> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: taken once, here, and never used again.
        release(unsafe { ManuallyDrop::take(&mut self.0) });
    }
}

/// Drops `queue`; one that never had a buffer (or gave it back) without a call.
#[inline]
fn release<T>(queue: VecDeque<T>) {
    if queue.capacity() == 0 {
        // Nothing allocated, so nothing held (a zero-sized type's capacity is never 0).
        std::mem::forget(queue);
    } else {
        drop(queue);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::process::counting::counting;
    use std::sync::Arc;
    use std::task::Wake;

    /// A mailbox and its receiver's half.
    type Both<T> = (Mailbox<T>, Inbox<T>);
    fn both<T>() -> Both<T> {
        (Mailbox::new(), Inbox::new())
    }

    // Each test is its mailboxes' one receiver: the receiving methods' contract holds.
    fn recv<T>(mb: &Both<T>, cx: &mut Context<'_>) -> Poll<T> {
        // SAFETY: see above.
        unsafe { mb.1.poll_recv(&mb.0, cx) }
    }
    fn try_recv<T>(mb: &Both<T>) -> Option<T> {
        // SAFETY: see above.
        unsafe { mb.1.try_recv(&mb.0) }
    }
    fn len<T>(mb: &Both<T>) -> usize {
        // SAFETY: see above.
        unsafe { mb.1.len(&mb.0) }
    }
    fn shrink<T>(mb: &Both<T>) {
        // SAFETY: see above.
        unsafe { mb.1.shrink(&mb.0) }
    }
    fn close<T>(mb: &Both<T>) {
        // SAFETY: see above.
        unsafe { mb.1.close(&mb.0) }
    }
    fn taken<T>(mb: &Both<T>) -> usize {
        // SAFETY: see above.
        unsafe { mb.1.taken() }.capacity()
    }

    #[test]
    fn messages_come_out_in_order_across_batches() {
        let mb = both();
        let (_, waker) = counting();
        let mut cx = Context::from_waker(&waker);
        for i in 0..3 {
            mb.0.send(i).unwrap();
        }
        assert_eq!(recv(&mb, &mut cx), Poll::Ready(0));
        // Sent while the receiver holds a batch: after it.
        mb.0.send(3).unwrap();
        assert_eq!(len(&mb), 3);
        for i in 1..4 {
            assert_eq!(recv(&mb, &mut cx), Poll::Ready(i));
        }
        assert_eq!(recv(&mb, &mut cx), Poll::Pending);
        assert_eq!(try_recv(&mb), None);
    }

    #[test]
    fn one_message_at_a_time_keeps_one_buffer() {
        let mb = both();
        for i in 0..10 {
            mb.0.send(i).unwrap();
            assert_eq!(try_recv(&mb), Some(i));
        }
        assert_eq!(taken(&mb), 0);
        assert_eq!(mb.0.lock().queue.capacity(), 4);
    }

    #[test]
    fn a_bursts_buffers_are_given_back_once_read() {
        let mb = both();
        for i in 0..10_000 {
            mb.0.send(i).unwrap();
        }
        while try_recv(&mb).is_some() {}
        // The burst's buffer was the receiver's, shrunk once read; the senders' is the small
        // one the receiver had.
        assert!(taken(&mb) <= KEPT_SLOTS);
        assert!(mb.0.lock().queue.capacity() <= KEPT_SLOTS);
        for round in 0..3 {
            for i in 0..10 {
                mb.0.send(i).unwrap();
            }
            while try_recv(&mb).is_some() {}
            assert!(taken(&mb) <= KEPT_SLOTS, "round {round}");
            assert!(mb.0.lock().queue.capacity() <= KEPT_SLOTS, "round {round}");
        }
    }

    #[test]
    fn closing_drops_the_oldest_first() {
        struct Told(u32, Arc<std::sync::Mutex<Vec<u32>>>);
        impl Drop for Told {
            fn drop(&mut self) {
                self.1.lock().unwrap().push(self.0);
            }
        }
        let order = Arc::new(std::sync::Mutex::new(Vec::new()));
        let mb = both();
        for i in 0..3 {
            assert!(mb.0.send(Told(i, order.clone())).is_ok());
        }
        // 0 read; 1 and 2 taken with it, 3 still queued.
        drop(try_recv(&mb));
        assert!(mb.0.send(Told(3, order.clone())).is_ok());
        close(&mb);
        assert_eq!(*order.lock().unwrap(), [0, 1, 2, 3]);
    }

    #[test]
    fn a_send_wakes_a_waiting_receiver_once() {
        let mb = both();
        let (count, waker) = counting();
        let mut cx = Context::from_waker(&waker);
        mb.0.send(1).unwrap();
        assert_eq!(count.wakes(), 0, "nobody waited");
        assert_eq!(recv(&mb, &mut cx), Poll::Ready(1));
        assert_eq!(recv(&mb, &mut cx), Poll::Pending);
        mb.0.send(2).unwrap();
        mb.0.send(3).unwrap();
        assert_eq!(count.wakes(), 1);
        assert_eq!(try_recv(&mb), Some(2));
    }

    #[test]
    fn closing_gives_messages_back_and_drops_what_waits() {
        let mb = both();
        let kept = Arc::new(());
        mb.0.send(kept.clone()).unwrap();
        mb.0.send(kept.clone()).unwrap();
        assert!(try_recv(&mb).is_some());
        close(&mb);
        assert_eq!(
            Arc::strong_count(&kept),
            1,
            "the queued message was dropped"
        );
        let back = mb.0.send(kept.clone()).unwrap_err();
        assert!(Arc::ptr_eq(&back, &kept));
    }

    /// Without a close (every process closes its mailbox, but the queues' own drop must
    /// hold without one): messages are dropped; queues without a buffer are skipped.
    #[test]
    fn dropping_the_mailbox_drops_what_waits() {
        let kept = Arc::new(());
        {
            let mb = both();
            for _ in 0..3 {
                mb.0.send(kept.clone()).unwrap();
            }
            // One read, two taken with it; one more queued.
            assert!(try_recv(&mb).is_some());
            mb.0.send(kept.clone()).unwrap();
            assert_eq!(Arc::strong_count(&kept), 4);
        }
        assert_eq!(Arc::strong_count(&kept), 1);
        // Empty, with and without buffers.
        let mb = both::<Arc<()>>();
        mb.0.send(kept.clone()).unwrap();
        mb.0.send(kept.clone()).unwrap();
        while try_recv(&mb).is_some() {}
        drop(mb);
        drop(both::<Arc<()>>());
        assert_eq!(Arc::strong_count(&kept), 1);
    }

    #[test]
    fn the_last_waker_is_the_one_woken() {
        let mb = both::<u8>();
        let (a, wa) = counting();
        let (b, wb) = counting();
        assert!(recv(&mb, &mut Context::from_waker(&wa)).is_pending());
        assert!(recv(&mb, &mut Context::from_waker(&wb)).is_pending());
        mb.0.send(1).unwrap();
        assert_eq!((a.wakes(), b.wakes()), (0, 1));
    }

    #[test]
    fn shrinking_gives_back_an_empty_queue() {
        let mb = both();
        for i in 0..100 {
            mb.0.send(i).unwrap();
        }
        assert_eq!(try_recv(&mb), Some(0));
        for i in 0..50 {
            mb.0.send(i).unwrap();
        }
        shrink(&mb);
        assert_eq!(len(&mb), 149);
        while try_recv(&mb).is_some() {}
        shrink(&mb);
        assert_eq!(taken(&mb), 0);
        assert_eq!(mb.0.lock().queue.capacity(), 0);
    }

    /// Senders on other threads, the receiver parking and waking: nothing lost, each
    /// sender's messages in its order.
    #[test]
    fn concurrent_senders_lose_nothing() {
        let mb = Arc::new(both());
        let senders: Vec<_> = (0..4u64)
            .map(|s| {
                let mb = mb.clone();
                std::thread::spawn(move || {
                    for i in 0..10_000u64 {
                        mb.0.send((s, i)).unwrap();
                    }
                })
            })
            .collect();
        let thread = std::thread::current();
        struct Unpark(std::thread::Thread);
        impl Wake for Unpark {
            fn wake(self: Arc<Self>) {
                self.0.unpark();
            }
        }
        let waker = Waker::from(Arc::new(Unpark(thread)));
        let mut cx = Context::from_waker(&waker);
        let mut next = [0u64; 4];
        let mut got = 0;
        while got < 40_000 {
            match recv(&mb, &mut cx) {
                Poll::Ready((s, i)) => {
                    assert_eq!(next[s as usize], i);
                    next[s as usize] += 1;
                    got += 1;
                }
                Poll::Pending => std::thread::park_timeout(std::time::Duration::from_millis(10)),
            }
        }
        for s in senders {
            s.join().unwrap();
        }
    }
}
