//! Which node "here" is: the calling process's node; outside any process, the node whose
//! [`scope`](super::Node::scope) the code runs in; otherwise the program's default node.
//!
//! The default node is the program's first node (the one `main` makes and runs), so that a
//! single-node program never names it: its `main`, its plain tokio tasks and its processes
//! all act on it.
//!
//! A scope sets a thread-local pointer for the length of each poll of its future and restores
//! the previous one after (also when the poll unwinds), as a process does for itself: two
//! thread-local writes a poll and nothing else.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::ptr::NonNull;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};

use pin_project_lite::pin_project;

use super::Node;
use crate::process::current as process;

thread_local! {
    static SCOPE: Cell<Option<NonNull<Node>>> = const { Cell::new(None) };
}

/// The program's default node: what code outside any process and any scope acts on, so that
/// a program with one node never has to name it. The first node the program makes, or one
/// made when code first needs it; once it has stopped, the next node made (or needed)
/// replaces it.
///
/// The one program-wide value of the runtime: a single-node program has no node value to pass
/// around, and must find the same node from every thread and every tokio runtime.
static DEFAULT: Mutex<Option<Node>> = Mutex::new(None);

fn default_slot() -> MutexGuard<'static, Option<Node>> {
    // Nothing panics while holding the lock.
    DEFAULT.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The default node, made now if there is none (or it has stopped).
pub(crate) fn default_node() -> Node {
    let mut slot = default_slot();
    match &*slot {
        Some(node) if !node.0.is_stopped() => node.clone(),
        _ => slot.insert(Node::unclaimed()).clone(),
    }
}

/// Makes `node` the default node if there is none, or it has stopped. Whether `node` is the
/// default now.
pub(crate) fn claim_default(node: &Node) -> bool {
    let mut slot = default_slot();
    match &*slot {
        Some(old) if !old.0.is_stopped() => old == node,
        _ => {
            *slot = Some(node.clone());
            true
        }
    }
}

/// Runs `f` with the current node.
#[inline]
pub(crate) fn with_current<R>(f: impl FnOnce(&Node) -> R) -> R {
    if let Some(node) = process::node_ptr() {
        // SAFETY: the pointer is set only during the running process's poll, and the process
        // (which holds its node) outlives that poll.
        return f(unsafe { node.as_ref() });
    }
    match SCOPE.with(|c| c.get()) {
        // SAFETY: set only during the poll of a `Scoped` future, which holds the node.
        Some(node) => f(unsafe { node.as_ref() }),
        // Cloned out: `f` may need the default node again.
        None => f(&default_node()),
    }
}

/// Restores the previous scope when dropped.
pub(crate) struct Enter(Option<NonNull<Node>>);

/// Makes `node` the current node outside processes until the guard drops. The caller keeps
/// `node` alive, at the same address, for at least as long as the guard.
pub(crate) fn enter(node: &Node) -> Enter {
    Enter(SCOPE.with(|c| c.replace(Some(NonNull::from(node)))))
}

impl Drop for Enter {
    fn drop(&mut self) {
        SCOPE.with(|c| c.set(self.0));
    }
}

pin_project! {
    /// A future that runs with its node current: what [`Node::scope`] returns.
    pub(crate) struct Scoped<F> {
        node: Node,
        #[pin]
        inner: F,
    }
}

impl<F> Scoped<F> {
    pub(crate) fn new(node: Node, inner: F) -> Self {
        Scoped { node, inner }
    }
}

impl<F: Future> Future for Scoped<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let _scope = enter(this.node);
        this.inner.poll(cx)
    }
}
