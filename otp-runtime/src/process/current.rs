//! Which process the current thread is running, for `self_pid()` and the other calls that act
//! on "this process".
//!
//! The process future sets a thread-local pointer for the length of each poll and restores the
//! previous one after (also when the poll unwinds), so it costs two thread-local writes a poll
//! and nothing else. Outside a process the pointer is null and the calls return
//! [`NotInProcess`](crate::NotInProcess).

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::ptr::NonNull;

use super::core::{Entry, Shared};
use crate::node::Node;
use crate::{NotInProcess, Pid};

thread_local! {
    static CURRENT: Current = const {
        Current {
            ptr: Cell::new(None),
            has_late: Cell::new(false),
            runtime_seen: Cell::new(false),
        }
    };
    /// What the current process's poll has dropped, to be released at the poll's end (see
    /// [`drop_late`]). Apart from `CURRENT`, which needs no destructor and so costs a plain
    /// thread-local load on every access.
    static LATE: RefCell<Vec<Box<dyn Any>>> = const { RefCell::new(Vec::new()) };
}

/// The thread's current process, and whether its poll has dropped something to release at
/// the poll's end.
struct Current {
    ptr: Cell<Option<NonNull<dyn Entry>>>,
    has_late: Cell<bool>,
    /// A tokio runtime was found on this thread (see [`no_runtime`]).
    runtime_seen: Cell<bool>,
}

/// Restores the previous current process when dropped.
pub(crate) struct Enter(Option<NonNull<dyn Entry>>);

/// Makes `entry` the current process until the guard drops. The caller keeps `entry` alive
/// for at least as long as the guard.
#[inline]
pub(crate) fn enter(entry: &dyn Entry) -> Enter {
    // SAFETY of the later dereference: the process future owns an Arc of its entry and holds
    // the guard only inside its poll, so the pointer is valid whenever it is set.
    let ptr = NonNull::from(entry);
    // Erase the borrow's lifetime: the guard, not the type system, bounds the pointer's use.
    let ptr: NonNull<dyn Entry> = unsafe { std::mem::transmute(ptr) };
    Enter(CURRENT.with(|c| c.ptr.replace(Some(ptr))))
}

impl Drop for Enter {
    #[inline]
    fn drop(&mut self) {
        let late = CURRENT.with(|c| {
            c.ptr.set(self.0);
            c.has_late.get()
        });
        if late {
            release_late();
        }
    }
}

/// Keeps `value` (a call's reply sender, dropped unanswered) until the end of the current
/// process's poll, or drops it now outside any process.
///
/// Why: a handler may drop a call's `ReplyTo` and then stop, in one go (a gen_statem's
/// "unexpected event: stop"). Closed at once, the caller would see a live server and
/// conclude that its call was dropped; closed at the poll's end, it finds the server marked
/// as ending (`Shared::is_ending`, set on the way to `terminate`) and gets the exit reason,
/// as OTP's caller does. The same holds for a panic that unwinds through a handler holding
/// one. A poll of a server that lives on ends within one batch of messages, so "at once"
/// stays at once.
#[cold]
pub(crate) fn drop_late(value: Box<dyn Any>) {
    let in_process = CURRENT.with(|c| {
        let in_process = c.ptr.get().is_some();
        c.has_late.set(c.has_late.get() || in_process);
        in_process
    });
    if !in_process {
        drop(value);
        return;
    }
    // While the thread's locals are torn down (a process dropped at thread exit), the
    // closure is not run and drops `value` at once.
    let _ = LATE.try_with(move |l| l.borrow_mut().push(value));
}

/// Drops what [`drop_late`] kept. Taken out first: a destructor may drop more. A destructor
/// that panics (a user's value captured by a mapped `ReplyTo`) is contained here, as it
/// would have been where the value was dropped: this runs after the poll's own guard.
#[cold]
#[inline(never)]
fn release_late() {
    CURRENT.with(|c| c.has_late.set(false));
    loop {
        let batch = LATE
            .try_with(|l| std::mem::take(&mut *l.borrow_mut()))
            .unwrap_or_default();
        if batch.is_empty() {
            return;
        }
        for value in batch {
            let dropped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(value)));
            if dropped.is_err() {
                tracing::error!("a destructor panicked while a call's reply handle was dropped");
            }
        }
    }
}

/// Runs `f` with the current process, or returns `NotInProcess`.
pub(crate) fn with<R>(f: impl FnOnce(&dyn Entry) -> R) -> Result<R, NotInProcess> {
    let ptr = CURRENT.with(|c| c.ptr.get()).ok_or(NotInProcess)?;
    // SAFETY: see `enter`; the pointer is only set during the owning process's poll.
    Ok(f(unsafe { ptr.as_ref() }))
}

/// The current process's pid, if the thread is running one.
#[inline]
pub(crate) fn pid() -> Option<Pid> {
    with(|e| e.shared().pid()).ok()
}

/// Whether the thread is running the process behind `shared` (one comparison of addresses).
#[inline]
pub(crate) fn is(shared: &Shared) -> bool {
    with(|e| std::ptr::eq(e.shared(), shared)).unwrap_or(false)
}

/// Who is calling the process behind `shared`: itself, another process, or code outside
/// any process (one thread-local read).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Caller {
    Itself,
    Process,
    Outside,
}

/// [`Caller`] of the process behind `shared`.
#[inline]
pub(crate) fn caller(shared: &Shared) -> Caller {
    match with(|e| std::ptr::eq(e.shared(), shared)) {
        Ok(true) => Caller::Itself,
        Ok(false) => Caller::Process,
        Err(NotInProcess) => Caller::Outside,
    }
}

/// Whether this thread runs outside any tokio runtime, whose timer a call's timeout needs:
/// asked before a call of a caller that is not a process (a process always runs in one).
///
/// Asking tokio costs a thread-local, a borrow and a reference count taken and given back,
/// about 60 instructions, 3% of a call: so a thread where a runtime was found once is not
/// asked again here. A thread that leaves its runtime and then calls from outside any (rare:
/// a `block_on` that returned) is caught by [`runtime_gone`] on the call's slow path instead,
/// with the same typed error: only a reply within the first round could still get through.
#[inline]
pub(crate) fn no_runtime() -> bool {
    !CURRENT.with(|c| c.runtime_seen.get()) && runtime_gone()
}

/// Whether no tokio runtime runs on this thread, asked of tokio (see [`no_runtime`]): before
/// a call's slow path arms its timers.
#[cold]
#[inline(never)]
pub(crate) fn runtime_gone() -> bool {
    let gone = tokio::runtime::Handle::try_current().is_err();
    CURRENT.with(|c| c.runtime_seen.set(!gone));
    gone
}

/// The current process's node, if the thread is running a process; valid while it is.
#[inline]
pub(crate) fn node_ptr() -> Option<NonNull<Node>> {
    with(|e| NonNull::from(e.shared().node())).ok()
}
