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

use std::cell::{Cell, RefCell};
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
    /// This thread's copy of the default node, so that code outside processes does not take
    /// the program-wide lock each time. A copy that has not stopped is the default still: the
    /// default changes only once it has stopped.
    static DEFAULT_HERE: RefCell<Owned> = const { RefCell::new(Owned(None)) };
    /// Where `DEFAULT_HERE`'s node is: read on the fast path, which so never touches a
    /// thread-local with a destructor.
    static DEFAULT_HERE_AT: Cell<Option<NonNull<Node>>> = const { Cell::new(None) };
    /// How many calls are running with a reference into `DEFAULT_HERE`: it is replaced only
    /// when none is.
    static DEFAULT_HERE_IN_USE: Cell<u32> = const { Cell::new(0) };
}

/// The thread's copy of the default node; forgets where it was when the thread ends.
struct Owned(Option<Node>);

impl Drop for Owned {
    fn drop(&mut self) {
        DEFAULT_HERE_AT.with(|at| at.set(None));
    }
}

/// The program's default node: what code outside any process and any scope acts on, so that
/// a program with one node never has to name it. The first node the program makes, or one
/// made when code first needs it; once it has stopped, the next node made replaces it (code
/// that only needs a node meanwhile finds it stopped, and is told so).
///
/// The one program-wide value of the runtime: a single-node program has no node value to pass
/// around, and must find the same node from every thread and every tokio runtime.
static DEFAULT: Mutex<Option<Node>> = Mutex::new(None);

fn default_slot() -> MutexGuard<'static, Option<Node>> {
    // Nothing panics while holding the lock.
    DEFAULT.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The default node, made now if there is none.
pub(crate) fn default_node() -> Node {
    default_slot().get_or_insert_with(Node::unclaimed).clone()
}

/// Makes `node` the default node if there is none, or it has stopped. Whether `node` is the
/// default now.
pub(crate) fn claim_default(node: &Node) -> bool {
    let mut slot = default_slot();
    match &*slot {
        Some(old) if !old.0.is_stopped() => old == node,
        _ => {
            let old = slot.replace(node.clone());
            drop(slot);
            // Dropped without the lock: its last reference may run user code (a plan's
            // applications) that needs the default node.
            drop(old);
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
        None => with_default(f),
    }
}

/// The name of the current node if it has one other than `nonode@nohost`; never makes the
/// default node.
pub(crate) fn named() -> Option<String> {
    let name = |n: &Node| (n.name() != super::NONODE).then(|| n.name().to_owned());
    if let Some(node) = process::node_ptr() {
        // SAFETY: as in `with_current`.
        return name(unsafe { node.as_ref() });
    }
    if let Some(node) = SCOPE.with(|c| c.get()) {
        // SAFETY: as in `with_current`.
        return name(unsafe { node.as_ref() });
    }
    default_slot().as_ref().and_then(name)
}

/// Runs `f` with the current node, if there is one: never makes the default node.
pub(crate) fn with_existing<R>(f: impl FnOnce(&Node) -> R) -> Option<R> {
    if let Some(node) = process::node_ptr() {
        // SAFETY: as in `with_current`.
        return Some(f(unsafe { node.as_ref() }));
    }
    if let Some(node) = SCOPE.with(|c| c.get()) {
        // SAFETY: as in `with_current`.
        return Some(f(unsafe { node.as_ref() }));
    }
    // Cloned out of the lock: `f` may take it again.
    let node = default_slot().clone();
    node.as_ref().map(f)
}

/// Runs `f` with the default node, from this thread's copy when it is still good.
fn with_default<R>(f: impl FnOnce(&Node) -> R) -> R {
    // A copy of a node that has stopped is refreshed: the default may have been replaced.
    // SAFETY: set below to the node in `DEFAULT_HERE`, cleared when that is dropped.
    let cached = DEFAULT_HERE_AT
        .with(Cell::get)
        .filter(|node| !unsafe { node.as_ref() }.0.is_stopped());
    if let Some(node) = cached {
        struct InUse;
        impl Drop for InUse {
            fn drop(&mut self) {
                DEFAULT_HERE_IN_USE.with(|n| n.set(n.get() - 1));
            }
        }
        DEFAULT_HERE_IN_USE.with(|n| n.set(n.get() + 1));
        let _in_use = InUse;
        // SAFETY: the thread's copy is replaced only below, on this thread, and only while no
        // call holds a reference into it (`DEFAULT_HERE_IN_USE`).
        return f(unsafe { node.as_ref() });
    }
    let node = default_node();
    if DEFAULT_HERE_IN_USE.with(Cell::get) == 0 {
        // `try_with`: not while the thread's locals are being destroyed. The old copy is
        // dropped once the new one is in place and the cell released.
        let old = DEFAULT_HERE.try_with(|d| {
            let mut d = d.borrow_mut();
            let old = d.0.replace(node.clone());
            DEFAULT_HERE_AT.with(|at| at.set(d.0.as_ref().map(NonNull::from)));
            old
        });
        drop(old);
    }
    f(&node)
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
