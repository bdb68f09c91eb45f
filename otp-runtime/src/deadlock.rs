//! Call cycles found while they happen: A calls B while B calls A (directly or through a
//! chain) would wait until a timeout, or forever with `INFINITY`. No Erlang runtime looks; a
//! runtime that sees every call can.
//!
//! The fast path pays nothing: a call answered within [`CHECK_AFTER`] never touches this.
//! A call still waiting then is entered in its node's wait-for graph (who waits on whom),
//! and the graph is walked from its target: if the walk comes back to the caller, the calls
//! form a cycle that no reply can end, and the call that closed it ends at once with
//! [`CallError::Deadlock`](crate::CallError::Deadlock), naming the cycle, and a warning
//! report. Its caller decides what then (a handler that unwraps it crashes, which ends the
//! other calls of the cycle with the crash's reason).
//!
//! Entering and checking are one step under the graph's lock, so of two calls that close a
//! cycle at the same moment exactly one sees it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use crate::node::Node;
use crate::Pid;

/// How long a call waits before it is entered in the wait-for graph and checked.
pub(crate) const CHECK_AFTER: Duration = Duration::from_secs(1);

/// A node's wait-for graph: the processes of the node (or calling into it) that have been
/// waiting on a call for at least [`CHECK_AFTER`], and whom they wait on.
#[derive(Default)]
pub(crate) struct Waits(Mutex<HashMap<Pid, Pid>>);

/// Removes its caller from the graph when its call ends.
pub(crate) struct Waiting {
    node: Node,
    me: Pid,
}

impl Drop for Waiting {
    fn drop(&mut self) {
        let mut map = self
            .node
            .0
            .waits
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        map.remove(&self.me);
    }
}

/// Enters the calling process as waiting on `target` (a process of `node`): `Err` with the
/// cycle, starting and ending with the caller, if `target` waits, through others, on it.
/// `Ok(None)` outside a process (a bare task cannot be called, so it closes no cycle).
pub(crate) fn wait_on(node: &Node, target: Pid) -> Result<Option<Waiting>, Arc<[Pid]>> {
    let Some(me) = crate::process::current::pid() else {
        return Ok(None);
    };
    let mut map = node
        .0
        .waits
        .0
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    let mut cycle = vec![me, target];
    let mut at = target;
    // At most one step per entry: a chain that loops without the caller ends there.
    for _ in 0..map.len() {
        match map.get(&at) {
            Some(&next) if next == me => {
                cycle.push(me);
                drop(map);
                report(&cycle);
                return Err(cycle.into());
            }
            Some(&next) => {
                cycle.push(next);
                at = next;
            }
            None => break,
        }
    }
    map.insert(me, target);
    Ok(Some(Waiting {
        node: node.clone(),
        me,
    }))
}

/// The warning report of a cycle, each process with its registered name.
fn report(cycle: &[Pid]) {
    let text = describe(cycle);
    tracing::warn!(
        cycle = text.as_str(),
        "call deadlock: a cycle of calls that no reply can end"
    );
}

/// `<0.5.0> "a" calls <0.6.0> "b", which calls <0.5.0> "a"`.
pub(crate) fn describe(cycle: &[Pid]) -> String {
    let named = |pid: &Pid| match crate::process_info(*pid).and_then(|i| i.name) {
        Some(name) => format!("{pid} {:?}", name.as_str()),
        None => pid.to_string(),
    };
    let mut text = String::new();
    for (i, pid) in cycle.iter().enumerate() {
        text.push_str(&match i {
            0 => named(pid),
            1 => format!(" calls {}", named(pid)),
            _ => format!(", which calls {}", named(pid)),
        });
    }
    text
}
