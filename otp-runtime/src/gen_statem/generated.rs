//! Helpers the `#[gen_statem]` macro's code calls; not a public API.
//!
//! A macro handler borrows or clones its message fields out of the event, so the event is
//! still whole when the handler returns, and `Transition::postpone()` can give it back.

use super::transition::Transition;
use super::{Event, GenStatem, StatemCtx};
use crate::{ExitReason, Pid, ReplyTo};

/// After an event handler: postpone the event if the transition says so.
pub fn postponing<M: GenStatem>(
    t: Transition<M::State>,
    ctx: &mut StatemCtx<'_, M>,
    event: impl FnOnce() -> Event<M>,
) -> Transition<M::State> {
    if t.postpone && ctx.base.acts.postponed.is_none() {
        ctx.postpone(event());
    }
    t
}

/// After a `#[call]` handler that returned `Transition<State, R>`: send the reply it
/// carries, or postpone the call with its reply handle.
pub fn call_done<M: GenStatem, R>(
    t: Transition<M::State, R>,
    reply: ReplyTo<M::Reply>,
    wrap: impl FnOnce(R) -> M::Reply,
    ctx: &mut StatemCtx<'_, M>,
    event: impl FnOnce(ReplyTo<M::Reply>) -> Event<M>,
) -> Transition<M::State> {
    let (value, mut t) = t.take_reply();
    match value {
        Some(value) => {
            reply.reply(wrap(value));
            // Answered: there is nothing left to postpone.
            t.postpone = false;
            t
        }
        None if t.postpone => {
            ctx.postpone(event(reply));
            t
        }
        // A stop without a reply: the caller learns the exit reason.
        None if t.stop_reason().is_some() => t,
        None => Transition::stop(ExitReason::other(
            "bad_return_from_state_function: a #[call] returned a Transition with neither a \
             reply nor postpone, so its caller could never be answered",
        )),
    }
}

/// After a `#[call]` handler that took its `ReplyTo`: it cannot postpone (the reply handle
/// is the handler's now).
pub fn deferred_done<S>(t: Transition<S>) -> Transition<S> {
    if t.postpone {
        return Transition::stop(ExitReason::other(
            "bad_action_from_state_function: a #[call] that takes its ReplyTo cannot postpone; \
             return Transition<State, Reply> instead",
        ));
    }
    t
}

/// Logs an event no handler takes, and keeps the state.
pub fn unhandled_event<M: GenStatem>(pid: Pid, event: &Event<M>) -> Transition<M::State> {
    tracing::debug!(%pid, kind = event.kind(), "gen_statem dropped an unhandled event");
    Transition::keep()
}
