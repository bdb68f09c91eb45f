//! Watching a group or a whole scope: `pg:monitor/2` and `pg:monitor_scope/1`.

use tokio::sync::mpsc;

use super::server::ScopeMsg;
use super::Group;
use crate::{Pid, ProcessRef};

/// A change to a group, as [`GroupMonitor::recv`] gives it (`{Ref, join | leave, Group,
/// Pids}` in Erlang).
///
/// # Examples
///
/// ```
/// use otp_runtime::pg::{self, GroupEvent};
/// use otp_runtime::prelude::*;
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let (members, mut watch) = pg::monitor("workers").await.unwrap();
/// assert!(members.is_empty());
/// let w = otp_runtime::spawn(|mut ctx: ProcessCtx<()>| async move { ctx.recv().await; ExitReason::Normal });
/// pg::join("workers", w.pid()).await.unwrap();
/// assert_eq!(
///     watch.recv().await,
///     Some(GroupEvent::Join { group: "workers".into(), pids: vec![w.pid()] })
/// );
/// # }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GroupEvent<G> {
    /// `pids` joined `group`, in this order.
    Join {
        /// The group.
        group: G,
        /// Who joined (a pid joined twice at once is there twice).
        pids: Vec<Pid>,
    },
    /// `pids` left `group`: they left it, they died, or their node went down.
    Leave {
        /// The group.
        group: G,
        /// Who left.
        pids: Vec<Pid>,
    },
}

impl<G> GroupEvent<G> {
    /// The group that changed.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::pg::GroupEvent;
    /// let e = GroupEvent::<String>::Leave { group: "g".into(), pids: vec![] };
    /// assert_eq!(e.group(), "g");
    /// ```
    pub fn group(&self) -> &G {
        match self {
            GroupEvent::Join { group, .. } | GroupEvent::Leave { group, .. } => group,
        }
    }

    /// The pids that joined or left.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::pg::GroupEvent;
    /// let e = GroupEvent::<String>::Join { group: "g".into(), pids: vec![] };
    /// assert!(e.pids().is_empty());
    /// ```
    pub fn pids(&self) -> &[Pid] {
        match self {
            GroupEvent::Join { pids, .. } | GroupEvent::Leave { pids, .. } => pids,
        }
    }
}

/// The changes to a group (from [`Scope::monitor`](super::Scope::monitor)) or to every group
/// of a scope (from [`Scope::monitor_scope`](super::Scope::monitor_scope)), in the order the
/// scope made them, from the moment the members it came with were read.
///
/// Dropping it (or [`demonitor`](GroupMonitor::demonitor)) ends the monitor: Erlang's
/// `pg:demonitor/2`, which also flushes the notifications not yet received. The scope
/// monitors the monitor rather than its process: a process that dies drops it, which is the
/// same.
///
/// # Examples
///
/// See [`GroupEvent`].
#[derive(Debug)]
pub struct GroupMonitor<G: Group> {
    pub(super) id: u64,
    pub(super) rx: mpsc::UnboundedReceiver<GroupEvent<G>>,
    pub(super) scope: ProcessRef<ScopeMsg<G>>,
}

impl<G: Group> GroupMonitor<G> {
    /// The next change; `None` once the scope has ended (its monitors end with it).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: no change is lost if the future is dropped before it completes.
    ///
    /// # Examples
    ///
    /// See [`GroupEvent`].
    pub async fn recv(&mut self) -> Option<GroupEvent<G>> {
        self.rx.recv().await
    }

    /// The next change if one is waiting, without waiting.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::pg;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let (_, mut watch) = pg::monitor("nobody").await.unwrap();
    /// assert_eq!(watch.try_recv(), None);
    /// # }
    /// ```
    pub fn try_recv(&mut self) -> Option<GroupEvent<G>> {
        self.rx.try_recv().ok()
    }

    /// Ends the monitor (as dropping it does): no more changes come.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::pg;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let (_, watch) = pg::monitor_scope().await.unwrap();
    /// watch.demonitor();
    /// # }
    /// ```
    pub fn demonitor(self) {}
}

impl<G: Group> Drop for GroupMonitor<G> {
    fn drop(&mut self) {
        let _ = self.scope.send(ScopeMsg::Demonitor(self.id));
    }
}
