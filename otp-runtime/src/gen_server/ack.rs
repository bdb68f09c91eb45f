//! A start's answer: what a new server's `init` tells the process waiting in `start`.
//!
//! A oneshot would carry the answer, but the starter also needs to hear when `init` is *not*
//! done after the server's first poll: it then arms its timers (the start's timeout and the
//! deadlock check), which a start that is answered at once never needs. It used to find out
//! by yielding once and looking; but a task that wakes itself goes behind the others, and
//! tokio's multi-thread runtime then wakes an idle worker (an `eventfd` write, and a context
//! switch on the other side) to take it: a fifth of the time of a million starts. Here the
//! server wakes the starter from its own first poll, answered or not, which leaves the
//! starter next in line on the server's thread, and no worker is woken.
//!
//! The server's end is one pointer, as the oneshot's sender was: it is in the server's future
//! for the server's life.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

use crate::StartError;

/// `init`'s answer.
pub(crate) type Ack = Result<(), StartError>;

/// A start's answer, and who waits for it.
pub(crate) fn channel() -> (AckTo, AckFrom) {
    let cell = Arc::new(Cell {
        state: Mutex::new(State {
            ack: None,
            slow: false,
            closed: false,
            waker: None,
        }),
    });
    (AckTo(cell.clone()), AckFrom(cell))
}

struct Cell {
    state: Mutex<State>,
}

struct State {
    ack: Option<Ack>,
    /// `init` was still running after the server's first poll.
    slow: bool,
    /// The server's end is gone: answered, or dropped unanswered (the server died).
    closed: bool,
    /// The starter's, while it waits.
    waker: Option<Waker>,
}

impl Cell {
    fn lock(&self) -> MutexGuard<'_, State> {
        // No user code runs under the lock: a poisoned lock holds a consistent state.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Wakes the starter, after the lock.
    fn wake(mut state: MutexGuard<'_, State>) {
        let waker = state.waker.take();
        drop(state);
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

/// The server's end. Dropping it (answered or not) wakes the starter.
pub(crate) struct AckTo(Arc<Cell>);

impl AckTo {
    pub(crate) fn send(self, ack: Ack) {
        self.0.lock().ack = Some(ack);
        // Dropped: closed, and the starter woken.
    }

    /// The server's first poll is over and `init` still runs: the starter arms its timers.
    pub(crate) fn still_running(&self) {
        let mut state = self.0.lock();
        state.slow = true;
        Cell::wake(state);
    }
}

impl Drop for AckTo {
    fn drop(&mut self) {
        let mut state = self.0.lock();
        state.closed = true;
        Cell::wake(state);
    }
}

/// What the starter learns.
#[derive(Debug, PartialEq)]
pub(crate) enum Heard {
    /// `init`'s answer.
    Answer(Ack),
    /// The server died before it answered.
    Dead,
    /// Nothing yet: `init` still runs after the server's first poll, or the starter was
    /// woken by something else.
    Nothing,
}

/// The starter's end.
pub(crate) struct AckFrom(Arc<Cell>);

impl AckFrom {
    /// Until the server's first poll is over: `Pending` (with `cx`'s waker registered) while
    /// nothing is known; once it is, what is known.
    pub(crate) fn poll_first(&mut self, cx: &mut Context<'_>) -> Poll<Heard> {
        self.poll_heard(cx, true)
    }

    /// What is heard, or `Pending` with `cx`'s waker registered; a slow `init` is heard only
    /// if `slow_counts`.
    fn poll_heard(&mut self, cx: &Context<'_>, slow_counts: bool) -> Poll<Heard> {
        let mut state = self.0.lock();
        if let Some(ack) = state.ack.take() {
            return Poll::Ready(Heard::Answer(ack));
        }
        if state.closed {
            return Poll::Ready(Heard::Dead);
        }
        if slow_counts && state.slow {
            return Poll::Ready(Heard::Nothing);
        }
        // The waker replaced is dropped after the lock: the last reference to a task frees it.
        let old = if state
            .waker
            .as_ref()
            .is_some_and(|w| w.will_wake(cx.waker()))
        {
            None
        } else {
            state.waker.replace(cx.waker().clone())
        };
        drop(state);
        drop(old);
        Poll::Pending
    }
}

/// The answer, or `None` if the server died first.
impl std::future::Future for AckFrom {
    type Output = Option<Ack>;
    fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Ack>> {
        Poll::Ready(match std::task::ready!(self.poll_heard(cx, false)) {
            Heard::Answer(ack) => Some(ack),
            // `Nothing` is not heard when a slow `init` does not count.
            Heard::Dead | Heard::Nothing => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::process::counting::counting;
    use std::future::Future;
    use std::pin::Pin;

    #[test]
    fn an_answer_in_the_first_poll_wakes_the_starter_once() {
        let (to, mut from) = channel();
        let (count, waker) = counting();
        let mut cx = Context::from_waker(&waker);
        assert_eq!(from.poll_first(&mut cx), Poll::Pending);
        to.send(Ok(()));
        assert_eq!(count.wakes(), 1);
        assert_eq!(from.poll_first(&mut cx), Poll::Ready(Heard::Answer(Ok(()))));
    }

    #[test]
    fn an_answer_before_the_starter_looks_is_kept() {
        let (to, mut from) = channel();
        to.send(Err(StartError::Timeout));
        let (_, waker) = counting();
        let got = from.poll_first(&mut Context::from_waker(&waker));
        assert_eq!(got, Poll::Ready(Heard::Answer(Err(StartError::Timeout))));
    }

    #[test]
    fn a_slow_init_is_heard_before_or_after_the_starter_waits() {
        let (count, waker) = counting();
        let mut cx = Context::from_waker(&waker);
        // After: the starter is woken.
        let (to, mut from) = channel();
        assert_eq!(from.poll_first(&mut cx), Poll::Pending);
        to.still_running();
        assert_eq!(count.wakes(), 1);
        assert_eq!(from.poll_first(&mut cx), Poll::Ready(Heard::Nothing));
        // Then the answer comes through the future.
        assert!(Pin::new(&mut from).poll(&mut cx).is_pending());
        to.send(Ok(()));
        assert_eq!(count.wakes(), 2);
        assert_eq!(Pin::new(&mut from).poll(&mut cx), Poll::Ready(Some(Ok(()))));
        // Before (a server on another thread ran first): nothing to wait for.
        let (to, mut from) = channel();
        to.still_running();
        assert_eq!(from.poll_first(&mut cx), Poll::Ready(Heard::Nothing));
    }

    #[test]
    fn a_server_dropped_unanswered_is_dead_to_the_starter() {
        let (count, waker) = counting();
        let mut cx = Context::from_waker(&waker);
        let (to, mut from) = channel();
        assert_eq!(from.poll_first(&mut cx), Poll::Pending);
        drop(to);
        assert_eq!(count.wakes(), 1);
        assert_eq!(from.poll_first(&mut cx), Poll::Ready(Heard::Dead));
        assert_eq!(Pin::new(&mut from).poll(&mut cx), Poll::Ready(None));
    }
}
