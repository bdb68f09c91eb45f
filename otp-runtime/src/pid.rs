//! Process identifiers.
//!
//! A [`Pid`] names one process for its whole life and is never reused while the runtime runs.
//! It is untyped and `Copy`: links, monitors, exit signals and the name registry work on any
//! process whatever messages it accepts. Typed handles ([`ProcessRef`](crate::ProcessRef),
//! [`ServerRef`](crate::ServerRef)) carry a pid and add the message type.

use std::fmt;
use std::num::NonZeroU64;
use std::sync::atomic::{AtomicU64, Ordering};

/// The node a process lives on. `0` is the local node.
///
/// Only local processes exist today; the field is there so that a pid can later name a process
/// on a remote (Erlang or Rust) node without changing its type. Remote nodes will be numbered
/// in a node table, so 16 bits are plenty and keep a [`Pid`] to one word.
///
/// # Examples
///
/// ```
/// use otp_runtime::NodeId;
/// assert!(NodeId::LOCAL.is_local());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Default)]
pub struct NodeId(pub u16);

impl NodeId {
    /// The node this program runs.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(otp_runtime::NodeId::LOCAL, otp_runtime::NodeId(0));
    /// ```
    pub const LOCAL: NodeId = NodeId(0);

    /// Whether this is the local node.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::NodeId;
    /// assert!(!NodeId(3).is_local());
    /// ```
    pub fn is_local(self) -> bool {
        self == NodeId::LOCAL
    }
}

/// A process identifier: untyped, `Copy`, printed as Erlang prints pids (`<0.42.0>`).
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
/// assert!(pid.node().is_local());
/// # }
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pid {
    /// The node in the top 16 bits, the process number in the low 48 (2.8 × 10^14 processes
    /// a node). One word, never zero: `Option<Pid>` is one word too.
    bits: NonZeroU64,
}

const ID_BITS: u32 = 48;
const ID_MASK: u64 = (1 << ID_BITS) - 1;

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

impl Pid {
    /// `<0.0.0>`: the sender of signals sent from outside any process.
    pub(crate) const fn nobody() -> Pid {
        // Number 0 would make the bits zero, so <0.0.0> is stored as the reserved number
        // ID_MASK, which the counter never reaches, and printed as <0.0.0>.
        Pid::new(NodeId::LOCAL, ID_MASK)
    }

    const fn new(node: NodeId, id: u64) -> Pid {
        let bits = (node.0 as u64) << ID_BITS | (id & ID_MASK);
        match NonZeroU64::new(bits) {
            Some(bits) => Pid { bits },
            None => panic!("pid bits are never zero"),
        }
    }

    /// A fresh local pid. Relaxed is enough: only uniqueness matters.
    pub(crate) fn next_local() -> Pid {
        Pid::new(NodeId::LOCAL, NEXT_ID.fetch_add(1, Ordering::Relaxed))
    }

    /// The node the process lives on.
    ///
    /// # Examples
    ///
    /// ```
    /// # use otp_runtime::prelude::*;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let p = otp_runtime::spawn(|_ctx: ProcessCtx<()>| async { ExitReason::Normal });
    /// assert_eq!(p.pid().node(), NodeId::LOCAL);
    /// # }
    /// ```
    pub fn node(self) -> NodeId {
        NodeId((self.bits.get() >> ID_BITS) as u16)
    }

    /// The process's number on its node, unique for the life of the runtime.
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
        self.bits.get() & ID_MASK
    }
}

impl fmt::Display for Pid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == Pid::nobody() {
            return f.write_str("<0.0.0>");
        }
        // Erlang prints <Node.Number.Serial>; our numbers are 48-bit, so the serial is the
        // high part and stays 0 for the first four billion processes.
        let id = self.id();
        write!(f, "<{}.{}.{}>", self.node().0, id & 0xffff_ffff, id >> 32)
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

    #[test]
    fn prints_like_erlang() {
        let p = Pid::new(NodeId::LOCAL, 42);
        assert_eq!(p.to_string(), "<0.42.0>");
        assert_eq!(format!("{p:?}"), "<0.42.0>");
        let big = Pid::new(NodeId(2), (1 << 32) + 7);
        assert_eq!(big.to_string(), "<2.7.1>");
        assert_eq!(big.node(), NodeId(2));
        assert_eq!(Pid::nobody().to_string(), "<0.0.0>");
        assert_eq!(std::mem::size_of::<Option<Pid>>(), 8);
    }

    #[test]
    fn fresh_pids_are_unique() {
        assert_ne!(Pid::next_local(), Pid::next_local());
    }
}
