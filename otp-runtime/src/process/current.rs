//! Which process the current thread is running, for `self_pid()` and the other calls that act
//! on "this process".
//!
//! The process future sets a thread-local pointer for the length of each poll and restores the
//! previous one after (also when the poll unwinds), so it costs two thread-local writes a poll
//! and nothing else. Outside a process the pointer is null and the calls return
//! [`NotInProcess`](crate::NotInProcess).

use std::cell::Cell;
use std::ptr::NonNull;

use super::core::{Entry, Shared};
use crate::node::Node;
use crate::{NotInProcess, Pid};

thread_local! {
    static CURRENT: Cell<Option<NonNull<dyn Entry>>> = const { Cell::new(None) };
}

/// Restores the previous current process when dropped.
pub(crate) struct Enter(Option<NonNull<dyn Entry>>);

/// Makes `entry` the current process until the guard drops. The caller keeps `entry` alive
/// for at least as long as the guard.
pub(crate) fn enter(entry: &dyn Entry) -> Enter {
    // SAFETY of the later dereference: the process future owns an Arc of its entry and holds
    // the guard only inside its poll, so the pointer is valid whenever it is set.
    let ptr = NonNull::from(entry);
    // Erase the borrow's lifetime: the guard, not the type system, bounds the pointer's use.
    let ptr: NonNull<dyn Entry> = unsafe { std::mem::transmute(ptr) };
    Enter(CURRENT.with(|c| c.replace(Some(ptr))))
}

impl Drop for Enter {
    fn drop(&mut self) {
        CURRENT.with(|c| c.set(self.0));
    }
}

/// Runs `f` with the current process, or returns `NotInProcess`.
pub(crate) fn with<R>(f: impl FnOnce(&dyn Entry) -> R) -> Result<R, NotInProcess> {
    let ptr = CURRENT.with(|c| c.get()).ok_or(NotInProcess)?;
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

/// The current process's node, if the thread is running a process; valid while it is.
#[inline]
pub(crate) fn node_ptr() -> Option<NonNull<Node>> {
    with(|e| NonNull::from(e.shared().node())).ok()
}
