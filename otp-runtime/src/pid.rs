//! Process identifiers.
//!
//! A [`Pid`] names one process for the life of the program: the node it lives on and its
//! number there. It is untyped and `Copy`: links, monitors, exit signals and the name registry
//! work on any process whatever messages it accepts. Typed handles
//! ([`ProcessRef`](crate::ProcessRef), [`ServerRef`](crate::ServerRef)) carry a pid and add
//! the message type.

use std::fmt;
use std::num::NonZeroU64;

/// Which node a process lives on: an identity unique in the program, so that a pid says
/// which of several nodes in one program (or, with distribution, which remote node) its
/// process belongs to. Get a node's with [`Node::id`](crate::node::Node::id), a pid's with
/// [`Pid::node`].
///
/// It is an opaque number, not an index: a random 64 bits drawn when the node is made, never
/// reused for another node, so a stale pid cannot reach a process of a newer node (two nodes
/// of one program share one with odds of about one in 2^64 per pair). Erlang tells the
/// incarnations of a node name apart by a *creation* number; a `NodeId` stands for a name
/// and a creation at once.
///
/// # Examples
///
/// ```
/// use otp_runtime::node::Node;
/// let (a, b) = (Node::new(), Node::new());
/// assert_ne!(a.id(), b.id());
/// assert_eq!(a.id(), a.clone().id());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(u64);

impl NodeId {
    /// No node: the node of `<0.0.0>`, the sender of signals sent from outside any process.
    pub(crate) const NONE: NodeId = NodeId(0);

    /// A node's identity; `id` is never 0.
    pub(crate) const fn new(id: u64) -> NodeId {
        NodeId(id)
    }
}

impl fmt::Debug for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NodeId({:#018x})", self.0)
    }
}

/// A process identifier: untyped, `Copy`, printed as Erlang prints pids (`<0.42.0>`).
///
/// A pid prints relative to the node that prints it, as in Erlang: a process of the
/// [current node](crate::node::Node::current) prints as `<0.N.S>`, a process of another node
/// as `<K.N.S>`, where `K` numbers that node in the printing node's table of the nodes it has
/// seen (1 for the first, and so on).
///
/// Pids order by their number, then by their node: the pids of one node in the order they
/// were created.
///
/// # Examples
///
/// ```
/// use otp_runtime::prelude::*;
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let p = otp_runtime::spawn(|_ctx: ProcessCtx<()>| async { ExitReason::Normal });
/// let pid: Pid = p.pid();
/// assert!(pid.to_string().starts_with("<0."));
/// assert_eq!(pid.node(), otp_runtime::node::Node::current().id());
/// # }
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pid {
    /// Its number on its node, never zero, so that `Option<Pid>` is as small as a `Pid`.
    /// Erlang's pid has a 32-bit number and a 32-bit serial: they are its low and high half.
    /// First, so that pids order by number.
    number: NonZeroU64,
    node: NodeId,
}

/// The number `<0.0.0>` is stored as: a pid number is never zero, and no node reaches this.
const NOBODY_NUMBER: u64 = u64::MAX;

impl Pid {
    /// `<0.0.0>`: the sender of signals sent from outside any process (by a node's stop, a
    /// test body, a `main`).
    pub(crate) const fn nobody() -> Pid {
        Pid::new(NodeId::NONE, NOBODY_NUMBER)
    }

    /// The pid `number` of `node`.
    #[inline]
    pub(crate) const fn from_number(node: NodeId, number: NonZeroU64) -> Pid {
        Pid { number, node }
    }

    /// Its number on its node: what a process stores of a pid it knows is of its own node.
    #[inline]
    pub(crate) const fn number(self) -> NonZeroU64 {
        self.number
    }

    /// The pid `number` of `node`; `number` is never zero.
    pub(crate) const fn new(node: NodeId, number: u64) -> Pid {
        match NonZeroU64::new(number) {
            Some(number) => Pid { number, node },
            None => panic!("pid numbers start at 1"),
        }
    }

    /// The node the process lives on.
    ///
    /// # Examples
    ///
    /// ```
    /// # use otp_runtime::prelude::*;
    /// use otp_runtime::node::Node;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let node = Node::new();
    /// let p = node.spawn(|_ctx: ProcessCtx<()>| async { ExitReason::Normal });
    /// assert_eq!(p.pid().node(), node.id());
    /// # }
    /// ```
    pub fn node(self) -> NodeId {
        self.node
    }

    /// The process's number on its node, unique for the life of the node. Each node numbers
    /// its processes from 1.
    ///
    /// # Examples
    ///
    /// ```
    /// # use otp_runtime::prelude::*;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let a = otp_runtime::spawn(|_ctx: ProcessCtx<()>| async { ExitReason::Normal });
    /// let b = otp_runtime::spawn(|_ctx: ProcessCtx<()>| async { ExitReason::Normal });
    /// assert_ne!(a.pid().id(), b.pid().id());
    /// # }
    /// ```
    pub fn id(self) -> u64 {
        self.number.get()
    }

    /// Whether this is `<0.0.0>`, the sender of signals sent from outside any process.
    pub(crate) fn is_nobody(self) -> bool {
        self == Pid::nobody()
    }
}

impl fmt::Display for Pid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_nobody() {
            return f.write_str("<0.0.0>");
        }
        // Erlang prints <Node.Number.Serial>: the number is the low half of ours and the
        // serial the high half, 0 for a node's first four billion processes.
        let node = crate::node::print_index(self.node);
        let id = self.id();
        write!(f, "<{node}.{}.{}>", id & 0xffff_ffff, id >> 32)
    }
}

impl fmt::Debug for Pid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::Node;

    #[test]
    fn prints_like_erlang() {
        let node = Node::new();
        let p = Pid::new(node.id(), 42);
        let big = Pid::new(node.id(), (1 << 32) + 7);
        node.sync_scope(|| {
            assert_eq!(p.to_string(), "<0.42.0>");
            assert_eq!(format!("{p:?}"), "<0.42.0>");
            assert_eq!(big.to_string(), "<0.7.1>");
        });
        assert_eq!(Pid::nobody().to_string(), "<0.0.0>");
        assert_eq!(std::mem::size_of::<Option<Pid>>(), 16);
    }

    #[test]
    fn a_pid_of_another_node_prints_with_that_nodes_index() {
        let (a, b, c) = (Node::new(), Node::new(), Node::new());
        let of_b = Pid::new(b.id(), 5);
        let of_c = Pid::new(c.id(), 6);
        a.sync_scope(|| {
            assert_eq!(of_c.to_string(), "<1.6.0>");
            assert_eq!(of_b.to_string(), "<2.5.0>");
            assert_eq!(of_c.to_string(), "<1.6.0>", "an index, once given, stays");
        });
        b.sync_scope(|| assert_eq!(of_b.to_string(), "<0.5.0>"));
    }

    #[test]
    fn pids_order_by_number_then_node() {
        let (a, b) = (Node::new(), Node::new());
        let mut pids = [
            Pid::new(a.id(), 3),
            Pid::new(b.id(), 1),
            Pid::new(a.id(), 2),
        ];
        pids.sort();
        assert_eq!(pids[0], Pid::new(b.id(), 1));
        assert_eq!(pids[1], Pid::new(a.id(), 2));
        assert_ne!(Pid::new(a.id(), 1), Pid::new(b.id(), 1));
    }
}
