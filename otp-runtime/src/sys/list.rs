//! A node's processes at a glance: the listing, the supervision trees, `top`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::oneshot;

use super::request::Host;
use super::Behaviour;
use crate::node::Node;
use crate::supervisor::{ChildState, ChildType};
use crate::{ExitReason, Name, Pid};

/// How long a listing waits for the behaviours' answers: one that has not answered by then is
/// inside a handler, and is listed [`ProcessStatus::Busy`].
pub const LIST_WAIT: Duration = Duration::from_millis(100);

/// What a listing can tell of a process's activity.
///
/// # Examples
///
/// See [`processes`].
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum ProcessStatus {
    /// A behaviour serving its messages (it answered the listing).
    Running,
    /// A behaviour suspended with [`suspend`](super::suspend).
    Suspended,
    /// A behaviour that did not answer within [`LIST_WAIT`]: inside a handler (working, or
    /// stuck).
    Busy,
    /// A plain process: it answers no system requests.
    Plain,
}

/// One process of a listing ([`processes`]).
///
/// # Examples
///
/// See [`processes`].
#[derive(Clone, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub struct ProcessSummary {
    /// Its pid.
    pub pid: Pid,
    /// Its registered name.
    pub name: Option<Name>,
    /// Its behaviour.
    pub behaviour: Behaviour,
    /// The process that started it linked (for a supervised child, its supervisor); for a
    /// process that did not answer, the supervisor among its links, if any.
    pub parent: Option<Pid>,
    /// The processes linked to it, oldest first.
    pub links: Vec<Pid>,
    /// How many monitors it holds on others.
    pub monitors: usize,
    /// How many monitors watch it.
    pub monitored_by: usize,
    /// Whether it traps exits.
    pub trap_exit: bool,
    /// Running, suspended, busy, or a plain process.
    pub status: ProcessStatus,
    /// Messages waiting in its mailbox: known for a behaviour that answered.
    pub message_queue_len: Option<usize>,
    /// Messages it has handled since it started: known for a behaviour that answered.
    pub messages_handled: Option<u64>,
    /// For a supervisor that answered: the restarts it has made since it started.
    pub restarts: Option<u64>,
}

/// For the tree walk: a supervisor's restarts and children, as it reports them.
#[doc(hidden)]
#[derive(Clone, Debug)]
pub struct SupervisorView {
    pub restarts: u64,
    pub recent_restarts: usize,
    pub intensity: u32,
    pub period: Duration,
    pub children: Vec<ChildView>,
}

/// For the tree walk: one child, as its supervisor reports it.
#[doc(hidden)]
#[derive(Clone, Debug)]
pub struct ChildView {
    pub id: Arc<str>,
    pub state: ChildState,
    pub kind: ChildType,
    pub restarts: u64,
    pub last_exit: Option<ExitReason>,
}

/// A supervisor and what is under it ([`supervision_trees`]).
///
/// # Examples
///
/// See [`supervision_trees`].
#[derive(Clone, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub struct SupervisionTree {
    /// The supervisor's pid.
    pub pid: Pid,
    /// Its registered name.
    pub name: Option<Name>,
    /// The restarts it has made since it started.
    pub restarts: u64,
    /// The restarts within its current period, and the most it allows (its intensity): one
    /// more restart than that and it gives up.
    pub intensity_used: (usize, u32),
    /// Its period.
    pub period: Duration,
    /// Its children, in start order.
    pub children: Vec<ChildNode>,
}

/// One child in a [`SupervisionTree`].
///
/// # Examples
///
/// See [`supervision_trees`].
#[derive(Clone, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub struct ChildNode {
    /// The child's id.
    pub id: Arc<str>,
    /// Running (as which pid), not running, or restarting.
    pub state: ChildState,
    /// Worker or supervisor.
    pub kind: ChildType,
    /// A running child's registered name.
    pub name: Option<Name>,
    /// A running child's behaviour.
    pub behaviour: Option<Behaviour>,
    /// A running supervisor child's own tree (`None` for a worker, or a supervisor that did
    /// not answer within [`LIST_WAIT`]).
    pub tree: Option<Box<SupervisionTree>>,
    /// How many times its supervisor started it again after it ended (its restart strategy
    /// at work, a sibling's restart under `one_for_all` and `rest_for_one` included; not
    /// [`restart_child`](crate::supervisor::SupervisorRef::restart_child)).
    pub restarts: u64,
    /// Why it ended last, if it ever ended on its own (not stopped by its supervisor).
    pub last_exit: Option<ExitReason>,
}

/// What [`top`] ranks by.
///
/// # Examples
///
/// See [`top`].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum TopBy {
    /// The longest mailboxes now (recon's `proc_count(message_queue_len, N)`).
    MessageQueueLen,
    /// The most messages handled within a window (recon's `proc_window`): the listing is
    /// taken twice, the window apart.
    MessageRate(Duration),
}

/// One row of [`top`].
///
/// # Examples
///
/// See [`top`].
#[derive(Clone, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub struct TopEntry {
    /// Its pid.
    pub pid: Pid,
    /// Its registered name.
    pub name: Option<Name>,
    /// Its behaviour.
    pub behaviour: Behaviour,
    /// Its mailbox length, or the messages it handled within the window.
    pub value: u64,
}

/// What a behaviour answers a listing.
struct Peek {
    parent: Option<Pid>,
    queue_len: usize,
    handled: u64,
    supervisor: Option<SupervisorView>,
}

/// Lists the [current node](crate::node::Node::current)'s processes, oldest first
/// ([`Node::list_processes`] for a given node). Behaviours are asked for their mailbox
/// length and message count through the system path (so a long mailbox does not delay
/// them), all at once; a listing takes at most [`LIST_WAIT`].
///
/// # Examples
///
/// ```
/// use otp_runtime::prelude::*;
/// use otp_runtime::sys::{self, Behaviour, ProcessStatus};
///
/// pub struct Counter { n: u64 }
/// #[gen_server]
/// impl Counter {
///     #[call]
///     pub fn get(&self) -> u64 { self.n }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let node = Node::new();
/// node.scope(async {
///     let c = Counter { n: 0 }.start_named("counter").await.unwrap();
///     c.get().await.unwrap();
///     let list = sys::processes().await;
///     let row = list.iter().find(|p| p.pid == c.pid().unwrap()).unwrap();
///     assert_eq!(row.name.as_ref().unwrap().as_str(), "counter");
///     assert_eq!(row.behaviour, Behaviour::GenServer);
///     assert_eq!(row.status, ProcessStatus::Running);
///     assert_eq!((row.message_queue_len, row.messages_handled), (Some(0), Some(1)));
/// }).await;
/// # }
/// ```
pub async fn processes() -> Vec<ProcessSummary> {
    list(&Node::current()).await.0
}

/// The supervision trees of the [current node](crate::node::Node::current), one per root
/// supervisor (one whose parent is not a supervisor: an application's top supervisor, or
/// one started on its own), oldest first ([`Node::supervision_trees`] for a given node).
///
/// # Examples
///
/// ```
/// use otp_runtime::prelude::*;
/// use otp_runtime::supervisor::ChildState;
///
/// pub struct Worker;
/// #[gen_server]
/// impl Worker {
///     #[call]
///     pub fn ping(&self) {}
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let sup = SupervisorSpec::one_for_one()
///     .child(ChildSpec::worker("w", || Worker))
///     .start()
///     .await
///     .unwrap();
/// let trees = otp_runtime::sys::supervision_trees().await;
/// assert_eq!(trees.len(), 1);
/// assert_eq!(trees[0].pid, sup.pid().unwrap());
/// assert_eq!(&*trees[0].children[0].id, "w");
/// assert!(matches!(trees[0].children[0].state, ChildState::Running(_)));
/// # }
/// ```
pub async fn supervision_trees() -> Vec<SupervisionTree> {
    trees(&Node::current()).await
}

/// The `n` processes of the [current node](crate::node::Node::current) with the longest
/// mailboxes, or the highest message rate over a window, highest first ([`Node::top`] for a
/// given node). Only behaviours that answer count (a plain process's mailbox is its own).
///
/// # Examples
///
/// ```
/// use otp_runtime::prelude::*;
/// use otp_runtime::sys::{self, TopBy};
///
/// pub struct Sink;
/// #[gen_server]
/// impl Sink {
///     #[cast]
///     pub fn put(&mut self, _k: u64) {}
/// }
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
/// let (busy, idle) = (Sink.start().await.unwrap(), Sink.start().await.unwrap());
/// sys::suspend(&busy).await.unwrap();
/// for k in 0..5 {
///     busy.put(k);
/// }
/// let top = sys::top(TopBy::MessageQueueLen, 1).await;
/// assert_eq!((top[0].pid, top[0].value), (busy.pid().unwrap(), 5));
/// sys::resume(&busy).await.unwrap();
/// # let _ = idle;
/// # }
/// ```
pub async fn top(by: TopBy, n: usize) -> Vec<TopEntry> {
    top_on(&Node::current(), by, n).await
}

impl Node {
    /// Lists this node's processes (see [`sys::processes`](crate::sys::processes)).
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let node = Node::new();
    /// let p = node.spawn(|mut ctx: ProcessCtx<()>| async move { ctx.recv().await; ExitReason::Normal });
    /// let list = node.list_processes().await;
    /// assert_eq!(list.len(), 1);
    /// assert_eq!(list[0].pid, p.pid());
    /// assert_eq!(list[0].status, otp_runtime::sys::ProcessStatus::Plain);
    /// # }
    /// ```
    pub async fn list_processes(&self) -> Vec<ProcessSummary> {
        list(self).await.0
    }

    /// This node's supervision trees (see
    /// [`sys::supervision_trees`](crate::sys::supervision_trees)).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// assert!(otp_runtime::node::Node::new().supervision_trees().await.is_empty());
    /// # }
    /// ```
    pub async fn supervision_trees(&self) -> Vec<SupervisionTree> {
        trees(self).await
    }

    /// This node's processes and supervision trees from one listing (what
    /// [`list_processes`](Node::list_processes) and
    /// [`supervision_trees`](Node::supervision_trees) answer, at the cost of one): the trees
    /// and the rows agree on every pid, as an observer drawing both needs.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    ///
    /// pub struct Worker;
    /// #[gen_server]
    /// impl Worker {
    ///     #[call]
    ///     pub fn ping(&self) {}
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let node = Node::new();
    /// let sup = node
    ///     .scope(SupervisorSpec::one_for_one().child(ChildSpec::worker("w", || Worker)).start())
    ///     .await
    ///     .unwrap();
    /// let (rows, trees) = node.processes_and_trees().await;
    /// assert_eq!(rows.len(), 2);
    /// assert_eq!(trees[0].pid, sup.pid().unwrap());
    /// assert_eq!(trees[0].children[0].restarts, 0);
    /// # }
    /// ```
    pub async fn processes_and_trees(&self) -> (Vec<ProcessSummary>, Vec<SupervisionTree>) {
        let (list, views) = list(self).await;
        let trees = trees_of(&list, &views);
        (list, trees)
    }

    /// This node's busiest processes (see [`sys::top`](crate::sys::top)).
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::sys::TopBy;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// assert!(otp_runtime::node::Node::new().top(TopBy::MessageQueueLen, 10).await.is_empty());
    /// # }
    /// ```
    pub async fn top(&self, by: TopBy, n: usize) -> Vec<TopEntry> {
        top_on(self, by, n).await
    }
}

/// The listing, and the supervisors' views by pid.
async fn list(node: &Node) -> (Vec<ProcessSummary>, HashMap<Pid, SupervisorView>) {
    let me = crate::process::current::pid();
    let entries = node.0.table.all();
    // Every behaviour asked first, then all answers awaited against one deadline.
    let mut asked = Vec::with_capacity(entries.len());
    for e in &entries {
        let sh = e.shared();
        let pid = sh.pid();
        let behaviour = Behaviour::from_bits(sh.behaviour());
        let rx = if behaviour != Behaviour::Plain && Some(pid) != me && !sh.is_exited() {
            let (tx, rx) = oneshot::channel();
            node.0.sys.push(
                pid,
                Box::new(move |h: &mut dyn Host| {
                    let (queue_len, handled) = h.messages_handled();
                    let parent = h.status_parent();
                    let _ = tx.send(Peek {
                        parent,
                        queue_len,
                        handled,
                        supervisor: h.supervisor(),
                    });
                }),
            );
            sh.sys_signal();
            Some(rx)
        } else {
            None
        };
        asked.push((e.clone(), behaviour, rx));
    }
    let deadline = crate::time::Instant::now() + LIST_WAIT;
    let mut out = Vec::with_capacity(asked.len());
    let mut views = HashMap::new();
    let behaviours: HashMap<Pid, Behaviour> = asked
        .iter()
        .map(|(e, b, _)| (e.shared().pid(), *b))
        .collect();
    for (e, behaviour, rx) in asked {
        let sh = e.shared();
        let Some(info) = sh.info() else { continue };
        let peek = match rx {
            Some(rx) => match crate::time::timeout(
                deadline.saturating_duration_since(crate::time::Instant::now()),
                rx,
            )
            .await
            {
                Some(Ok(p)) => Some(p),
                _ => None,
            },
            None => None,
        };
        let status = match (&peek, behaviour) {
            (_, Behaviour::Plain) => ProcessStatus::Plain,
            (Some(_), _) if sh.is_suspended() => ProcessStatus::Suspended,
            (Some(_), _) => ProcessStatus::Running,
            (None, _) => ProcessStatus::Busy,
        };
        let pid = sh.pid();
        let parent = match &peek {
            Some(p) => p.parent,
            None => info
                .links
                .iter()
                .copied()
                .find(|l| behaviours.get(l) == Some(&Behaviour::Supervisor)),
        };
        let restarts = peek
            .as_ref()
            .and_then(|p| p.supervisor.as_ref())
            .map(|v| v.restarts);
        if let Some(v) = peek.as_ref().and_then(|p| p.supervisor.clone()) {
            views.insert(pid, v);
        }
        out.push(ProcessSummary {
            pid,
            name: info.name,
            behaviour,
            parent,
            links: info.links,
            monitors: info.monitors.len(),
            monitored_by: info.monitored_by,
            trap_exit: info.trap_exit,
            status,
            message_queue_len: peek.as_ref().map(|p| p.queue_len),
            messages_handled: peek.as_ref().map(|p| p.handled),
            restarts,
        });
    }
    (out, views)
}

async fn trees(node: &Node) -> Vec<SupervisionTree> {
    let (list, views) = list(node).await;
    trees_of(&list, &views)
}

fn trees_of(list: &[ProcessSummary], views: &HashMap<Pid, SupervisorView>) -> Vec<SupervisionTree> {
    let by_pid: HashMap<Pid, &ProcessSummary> = list.iter().map(|p| (p.pid, p)).collect();
    let is_sup = |p: Option<Pid>| {
        p.and_then(|p| by_pid.get(&p))
            .is_some_and(|s| s.behaviour == Behaviour::Supervisor)
    };
    list.iter()
        .filter(|p| p.behaviour == Behaviour::Supervisor && !is_sup(p.parent))
        .filter_map(|p| tree(p.pid, &by_pid, views, 0))
        .collect()
}

/// The tree under supervisor `pid`, if it answered. `depth` bounds the walk (a tree is
/// acyclic, but a listing is a snapshot of a moving system).
fn tree(
    pid: Pid,
    by_pid: &HashMap<Pid, &ProcessSummary>,
    views: &HashMap<Pid, SupervisorView>,
    depth: usize,
) -> Option<SupervisionTree> {
    let view = views.get(&pid)?;
    if depth > 64 {
        return None;
    }
    let children = view
        .children
        .iter()
        .map(|c| {
            let ChildView {
                id, state, kind, ..
            } = c;
            let row = match state {
                ChildState::Running(p) => by_pid.get(p).copied(),
                _ => None,
            };
            let sub = match (state, kind) {
                (ChildState::Running(p), ChildType::Supervisor) => {
                    tree(*p, by_pid, views, depth + 1).map(Box::new)
                }
                _ => None,
            };
            ChildNode {
                id: id.clone(),
                state: *state,
                kind: *kind,
                name: row.and_then(|r| r.name.clone()),
                behaviour: row.map(|r| r.behaviour),
                tree: sub,
                restarts: c.restarts,
                last_exit: c.last_exit.clone(),
            }
        })
        .collect();
    Some(SupervisionTree {
        pid,
        name: by_pid.get(&pid).and_then(|r| r.name.clone()),
        restarts: view.restarts,
        intensity_used: (view.recent_restarts, view.intensity),
        period: view.period,
        children,
    })
}

async fn top_on(node: &Node, by: TopBy, n: usize) -> Vec<TopEntry> {
    let mut rows: Vec<TopEntry> = match by {
        TopBy::MessageQueueLen => list(node)
            .await
            .0
            .into_iter()
            .filter_map(|p| {
                Some(TopEntry {
                    value: p.message_queue_len? as u64,
                    pid: p.pid,
                    name: p.name,
                    behaviour: p.behaviour,
                })
            })
            .collect(),
        TopBy::MessageRate(window) => {
            let before: HashMap<Pid, u64> = list(node)
                .await
                .0
                .into_iter()
                .filter_map(|p| Some((p.pid, p.messages_handled?)))
                .collect();
            crate::time::sleep(window).await;
            list(node)
                .await
                .0
                .into_iter()
                .filter_map(|p| {
                    let then = *before.get(&p.pid)?;
                    Some(TopEntry {
                        value: p.messages_handled?.saturating_sub(then),
                        pid: p.pid,
                        name: p.name,
                        behaviour: p.behaviour,
                    })
                })
                .collect()
        }
    };
    rows.sort_by(|a, b| b.value.cmp(&a.value).then(a.pid.cmp(&b.pid)));
    rows.truncate(n);
    rows
}
