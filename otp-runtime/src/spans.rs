//! Tracing spans for the messages processes handle, opt-in: target `otp_runtime::span`,
//! level `TRACE`. A program turns them on in its subscriber's filter (for
//! `tracing-subscriber`'s `EnvFilter`, `RUST_LOG=otp_runtime::span=trace`); off, as they are
//! with the runtime's [`Reporter`](crate::report::Reporter) or any filter that stops at
//! `DEBUG`, they cost a message one check of `tracing`'s global level filter.
//!
//! On, each message a gen_server, gen_statem, gen_event manager or supervisor handles runs
//! in a span `handle` with the process's `pid`, `name` and `behaviour` and the `request`
//! (its kind and variant name, as the crash report's `last_message`: never its fields). A
//! handler's own `tracing` events are then inside it, so a subscriber shows which process
//! logged them, and a call made from a handler is inside the caller's span.
//!
//! Not done: a call has no span of its own at the caller, linked to the server's (the
//! server's span would need the caller's span id carried with the request, which would widen
//! every message in every mailbox, and the check would sit on the call's fast path); and
//! tokio tasks are not named after their processes (tokio names tasks only with
//! `tokio_unstable`, which the project does not use).

use tracing::{Level, Span};

use crate::gen_server::GenServer;
use crate::registry::Name;
use crate::Pid;

/// Whether a subscriber wants the spans: one load of `tracing`'s global level filter when
/// it stops below `TRACE`.
#[inline(always)]
pub(crate) fn on() -> bool {
    tracing::enabled!(target: "otp_runtime::span", Level::TRACE)
}

/// The span of one message a server handles.
#[cold]
#[inline(never)]
pub(crate) fn handle<S: GenServer>(pid: Pid, name: Option<Name>, last: u16) -> Span {
    let request = crate::gen_server::last::describe::<S>(last);
    tracing::span!(
        target: "otp_runtime::span",
        Level::TRACE,
        "handle",
        %pid,
        name = name.as_ref().map(|n| n.as_str()),
        behaviour = S::BEHAVIOUR.as_str(),
        request = request.as_deref(),
    )
}
