//! What the observer shows, with no terminal: a [`Snapshot`] of a node (its processes and
//! supervision trees), the rates between two snapshots, and one process's [`Inspect`]ion.
//!
//! Every type here crosses nodes as an Erlang term (`ToTerm`, `FromTerm`): a remote
//! [`Agent`](crate::Agent) sends the same values a [`LocalSource`](crate::LocalSource)
//! makes, so the screens cannot tell them apart.

use std::collections::HashMap;

use otp_runtime::dist::mapping::{FromTerm, ToTerm};
use otp_runtime::node::Node;
use otp_runtime::supervisor::{ChildState, ChildType};
use otp_runtime::sys::{ChildNode, ProcessSummary, SupervisionTree};
use otp_runtime::Pid;

/// A node and everything on it, at one moment.
///
/// # Examples
///
/// ```
/// use otp_runtime::node::Node;
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let node = Node::new();
/// let snap = otp_observer::Snapshot::take(&node).await;
/// assert_eq!(snap.node.name, "nonode@nohost");
/// assert!(snap.processes.is_empty() && snap.trees.is_empty());
/// # }
/// ```
#[derive(Clone, PartialEq, Debug, ToTerm, FromTerm)]
#[non_exhaustive]
pub struct Snapshot {
    /// The node as a whole.
    pub node: NodeInfo,
    /// Its processes, oldest first.
    pub processes: Vec<ProcessRow>,
    /// Its supervision trees, one per root supervisor, oldest first.
    pub trees: Vec<Tree>,
}

/// The node as a whole ([`Snapshot::node`]).
///
/// # Examples
///
/// See [`Snapshot`].
#[derive(Clone, PartialEq, Eq, Debug, ToTerm, FromTerm)]
#[non_exhaustive]
pub struct NodeInfo {
    /// Its name (`nonode@nohost` when not distributed).
    pub name: String,
    /// How long it has run, in milliseconds.
    pub uptime_ms: u64,
    /// Its live processes: the size of its process table.
    pub process_count: u64,
    /// Its pending timers.
    pub timer_count: u64,
    /// Its registered names.
    pub names: u64,
    /// Messages waiting in the mailboxes of the behaviours that answered.
    pub queued: u64,
    /// Messages handled by those behaviours since they started (the rate is its change).
    pub handled: u64,
}

/// One process ([`Snapshot::processes`]).
///
/// # Examples
///
/// See [`Snapshot`].
#[derive(Clone, PartialEq, Eq, Debug, ToTerm, FromTerm)]
#[non_exhaustive]
pub struct ProcessRow {
    /// Its pid.
    pub pid: Pid,
    /// Its pid as its own node prints it (`<0.12.0>`).
    pub pid_text: String,
    /// Its registered name.
    pub name: Option<String>,
    /// `gen_server`, `supervisor`, ..., or `process` for a plain one.
    pub behaviour: String,
    /// `running`, `suspended`, `busy` (inside a handler) or `plain`.
    pub status: String,
    /// Its parent (a supervised child's supervisor), as its node prints it.
    pub parent: Option<String>,
    /// The processes linked to it, as its node prints them.
    pub links: Vec<String>,
    /// The monitors it holds.
    pub monitors: u64,
    /// The monitors that watch it.
    pub monitored_by: u64,
    /// Whether it traps exits.
    pub trap_exit: bool,
    /// Messages in its mailbox (a behaviour that answered).
    pub queue: Option<u64>,
    /// Messages it handled since it started (a behaviour that answered).
    pub handled: Option<u64>,
    /// For a supervised child: how often its supervisor restarted it.
    pub restarts: u64,
    /// For a supervised child: why its previous incarnation ended.
    pub last_exit: Option<String>,
    /// For a supervised child: its supervisor's pid and its id there.
    pub child_of: Option<(Pid, String)>,
}

impl ProcessRow {
    /// Its name, or its pid when it has none: how the screens call it.
    ///
    /// # Examples
    ///
    /// See [`Snapshot`].
    pub fn label(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.pid_text)
    }
}

/// A supervisor and what is under it ([`Snapshot::trees`]).
///
/// # Examples
///
/// See [`Snapshot`].
#[derive(Clone, PartialEq, Eq, Debug, ToTerm, FromTerm)]
#[non_exhaustive]
pub struct Tree {
    /// The supervisor's pid.
    pub pid: Pid,
    /// As its node prints it.
    pub pid_text: String,
    /// Its registered name.
    pub name: Option<String>,
    /// The restarts it made since it started.
    pub restarts: u64,
    /// The restarts within its current period...
    pub intensity_used: u64,
    /// ...against the most it allows: one more and it gives up.
    pub intensity: u64,
    /// Its period, in milliseconds.
    pub period_ms: u64,
    /// Its children, in start order.
    pub children: Vec<Child>,
}

/// A child's state in its supervisor.
///
/// # Examples
///
/// ```
/// assert_eq!(otp_observer::ChildStatus::Restarting.as_str(), "restarting");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Debug, ToTerm, FromTerm)]
pub enum ChildStatus {
    /// Running.
    Running,
    /// Its restart failed; its supervisor tries again.
    Restarting,
    /// Not running (terminated, or ended and not to be restarted).
    Stopped,
}

impl ChildStatus {
    /// `running`, `restarting` or `stopped`.
    ///
    /// # Examples
    ///
    /// See [`ChildStatus`].
    pub fn as_str(self) -> &'static str {
        match self {
            ChildStatus::Running => "running",
            ChildStatus::Restarting => "restarting",
            ChildStatus::Stopped => "stopped",
        }
    }
}

/// One child of a [`Tree`].
///
/// # Examples
///
/// See [`Snapshot`].
#[derive(Clone, PartialEq, Eq, Debug, ToTerm, FromTerm)]
#[non_exhaustive]
pub struct Child {
    /// Its id in the supervisor.
    pub id: String,
    /// Running, restarting or stopped.
    pub status: ChildStatus,
    /// A running child's pid.
    pub pid: Option<Pid>,
    /// As its node prints it.
    pub pid_text: Option<String>,
    /// Whether it is a supervisor.
    pub supervisor: bool,
    /// A running child's registered name.
    pub name: Option<String>,
    /// How often its supervisor restarted it.
    pub restarts: u64,
    /// Why it ended last, if it ever ended on its own.
    pub last_exit: Option<String>,
    /// A supervisor child's own tree.
    pub tree: Option<Box<Tree>>,
}

impl Snapshot {
    /// Takes a snapshot of `node` (one listing: every behaviour answers between two of its
    /// messages, or within [`LIST_WAIT`](otp_runtime::sys::LIST_WAIT) is shown busy).
    ///
    /// # Examples
    ///
    /// See [`Snapshot`].
    pub async fn take(node: &Node) -> Snapshot {
        let (rows, trees) = node.processes_and_trees().await;
        node.scope(async { Snapshot::build(node, rows, trees) })
            .await
    }

    fn build(node: &Node, rows: Vec<ProcessSummary>, trees: Vec<SupervisionTree>) -> Snapshot {
        let trees: Vec<Tree> = trees.iter().map(tree).collect();
        // A child's restarts and last exit, by its pid, for the process table.
        let mut children: HashMap<Pid, (u64, Option<String>, Pid, String)> = HashMap::new();
        fn walk(t: &Tree, out: &mut HashMap<Pid, (u64, Option<String>, Pid, String)>) {
            for c in &t.children {
                if let Some(pid) = c.pid {
                    out.insert(pid, (c.restarts, c.last_exit.clone(), t.pid, c.id.clone()));
                }
                if let Some(sub) = &c.tree {
                    walk(sub, out);
                }
            }
        }
        for t in &trees {
            walk(t, &mut children);
        }
        let processes: Vec<ProcessRow> = rows
            .into_iter()
            .map(|p| {
                let child = children.remove(&p.pid);
                ProcessRow {
                    pid: p.pid,
                    pid_text: p.pid.to_string(),
                    name: p.name.map(|n| n.as_str().to_owned()),
                    behaviour: p.behaviour.as_str().to_owned(),
                    status: format!("{:?}", p.status).to_lowercase(),
                    parent: p.parent.map(|p| p.to_string()),
                    links: p.links.iter().map(|l| l.to_string()).collect(),
                    monitors: p.monitors as u64,
                    monitored_by: p.monitored_by as u64,
                    trap_exit: p.trap_exit,
                    queue: p.message_queue_len.map(|n| n as u64),
                    handled: p.messages_handled,
                    restarts: child.as_ref().map_or(0, |c| c.0),
                    last_exit: child.as_ref().and_then(|c| c.1.clone()),
                    child_of: child.map(|c| (c.2, c.3)),
                }
            })
            .collect();
        Snapshot {
            node: NodeInfo {
                name: node.name().to_owned(),
                uptime_ms: node.uptime().as_millis() as u64,
                process_count: node.process_count() as u64,
                timer_count: node.timer_count() as u64,
                names: node.registered().len() as u64,
                queued: processes.iter().filter_map(|p| p.queue).sum(),
                handled: processes.iter().filter_map(|p| p.handled).sum(),
            },
            processes,
            trees,
        }
    }

    /// The process `pid`, if it was listed.
    ///
    /// # Examples
    ///
    /// See [`Snapshot`].
    pub fn process(&self, pid: Pid) -> Option<&ProcessRow> {
        self.processes.iter().find(|p| p.pid == pid)
    }
}

fn tree(t: &SupervisionTree) -> Tree {
    Tree {
        pid: t.pid,
        pid_text: t.pid.to_string(),
        name: t.name.as_ref().map(|n| n.as_str().to_owned()),
        restarts: t.restarts,
        intensity_used: t.intensity_used.0 as u64,
        intensity: t.intensity_used.1 as u64,
        period_ms: t.period.as_millis() as u64,
        children: t.children.iter().map(child).collect(),
    }
}

fn child(c: &ChildNode) -> Child {
    let (status, pid) = match c.state {
        ChildState::Running(pid) => (ChildStatus::Running, Some(pid)),
        ChildState::Restarting => (ChildStatus::Restarting, None),
        _ => (ChildStatus::Stopped, None),
    };
    Child {
        id: c.id.to_string(),
        status,
        pid,
        pid_text: pid.map(|p| p.to_string()),
        supervisor: c.kind == ChildType::Supervisor,
        name: c.name.as_ref().map(|n| n.as_str().to_owned()),
        restarts: c.restarts,
        last_exit: c.last_exit.as_ref().map(|r| r.to_string()),
        tree: c.tree.as_deref().map(|t| Box::new(tree(t))),
    }
}

/// Messages per second between two snapshots of the same node: the node's, and each
/// process's (those listed in both).
///
/// # Examples
///
/// ```
/// use otp_observer::{Rates, Snapshot};
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let node = otp_runtime::node::Node::new();
/// let a = Snapshot::take(&node).await;
/// let rates = Rates::between(&a, &a);
/// assert_eq!(rates.node, 0.0);
/// # }
/// ```
#[derive(Clone, Default, PartialEq, Debug)]
#[non_exhaustive]
pub struct Rates {
    /// The node's messages handled per second.
    pub node: f64,
    /// Each process's, by pid.
    pub by_pid: HashMap<Pid, f64>,
}

impl Rates {
    /// The rates from `before` to `after` (zero where no time passed).
    ///
    /// # Examples
    ///
    /// See [`Rates`].
    pub fn between(before: &Snapshot, after: &Snapshot) -> Rates {
        let secs = after.node.uptime_ms.saturating_sub(before.node.uptime_ms) as f64 / 1000.0;
        if secs <= 0.0 {
            return Rates::default();
        }
        let then: HashMap<Pid, u64> = before
            .processes
            .iter()
            .filter_map(|p| Some((p.pid, p.handled?)))
            .collect();
        let by_pid: HashMap<Pid, f64> = after
            .processes
            .iter()
            .filter_map(|p| {
                let d = p.handled?.saturating_sub(*then.get(&p.pid)?);
                Some((p.pid, d as f64 / secs))
            })
            .collect();
        Rates {
            node: by_pid.values().sum(),
            by_pid,
        }
    }
}

/// One process looked at closely: what the snapshot's row does not hold.
///
/// # Examples
///
/// ```
/// use otp_runtime::prelude::*;
///
/// #[derive(Debug)]
/// pub struct Kv { n: u8 }
/// #[gen_server]
/// impl Kv {
///     #[call]
///     pub fn get(&self) -> u8 { self.n }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let node = otp_runtime::node::Node::new();
/// let kv = node.scope(Kv { n: 7 }.start()).await.unwrap();
/// let seen = otp_observer::Inspect::take(&node, kv.pid().unwrap()).await;
/// assert_eq!(seen.state, Ok("Kv { n: 7 }".to_owned()));
/// # }
/// ```
#[derive(Clone, PartialEq, Eq, Debug, ToTerm, FromTerm)]
#[non_exhaustive]
pub struct Inspect {
    /// Its state as text (`sys::get_state`), or why there is none.
    pub state: Result<String, String>,
    /// Its last events, oldest first, once the log was on (`sys::log`).
    pub events: Vec<EventRow>,
}

/// One event of a process's log ([`Inspect::events`]).
///
/// # Examples
///
/// See [`Inspect`].
#[derive(Clone, PartialEq, Eq, Debug, ToTerm, FromTerm)]
#[non_exhaustive]
pub struct EventRow {
    /// How long before the inspection it happened, in milliseconds.
    pub ago_ms: u64,
    /// `call`, `cast`, `info`, `signal`, `timeout`, `stop request` or `reply`.
    pub event: String,
}

/// How many events the log of an inspected process keeps.
pub const LOG_EVENTS: usize = 20;

impl Inspect {
    /// Reads `pid`'s state and its log's events, turning its log on
    /// ([`LOG_EVENTS`] events) if it was off: the next inspection shows what happened
    /// since. [`Inspect::forget`] turns it off.
    ///
    /// # Examples
    ///
    /// See [`Inspect`].
    pub async fn take(node: &Node, pid: Pid) -> Inspect {
        use otp_runtime::sys::{LogFlag, Sys};
        let sys = Sys::on(node, pid).timeout(otp_runtime::sys::LIST_WAIT * 5);
        let state = sys.get_state().await.map_err(|e| e.to_string());
        let events = match sys.log(LogFlag::Get).await {
            Ok(Some(events)) => events,
            Ok(None) => {
                let _ = sys.log(LogFlag::On(LOG_EVENTS)).await;
                Vec::new()
            }
            Err(_) => Vec::new(),
        };
        let now = otp_runtime::time::Instant::now();
        Inspect {
            state,
            events: events
                .iter()
                .map(|e| EventRow {
                    ago_ms: now.saturating_duration_since(e.at).as_millis() as u64,
                    event: e.event.as_str().to_owned(),
                })
                .collect(),
        }
    }

    /// Turns `pid`'s log off (what [`Inspect::take`] turned on), if it is still alive.
    ///
    /// # Examples
    ///
    /// See [`Inspect`].
    pub async fn forget(node: &Node, pid: Pid) {
        use otp_runtime::sys::{LogFlag, Sys};
        let sys = Sys::on(node, pid).timeout(otp_runtime::sys::LIST_WAIT * 5);
        let _ = sys.log(LogFlag::Off).await;
    }
}
