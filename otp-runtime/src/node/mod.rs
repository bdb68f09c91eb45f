//! Nodes: the unit that owns processes, names, timers and applications.
//!
//! In Erlang a pid, a registered name and an application all belong to a *node*. Here too:
//! a [`Node`] is a value that owns its process table, its name registry, its pid and
//! reference numbering, its timers, the configurations of its applications and its
//! application controller. A program may hold several (tests, simulations, a cluster in one
//! process); each is independent of the others.
//!
//! ```text
//!              ┌──────────── Node a@host ────────────┐   ┌──── Node b@host ────┐
//!   pids       │ <0.1.0> <0.2.0> <0.3.0> …           │   │ <0.1.0> …           │
//!   names      │ "kv" → <0.2.0>                      │   │ "kv" → <0.1.0>      │
//!   apps       │ controller ─▶ db, web               │   │                     │
//!              └─────────────────────────────────────┘   └─────────────────────┘
//! ```
//!
//! # Which node "here" is
//!
//! Every process belongs to exactly one node, and a process spawned by a process joins its
//! node. The functions that act on "the node" ([`spawn`](crate::spawn),
//! [`whereis`](crate::whereis), [`register`](crate::register), a gen_server's `start`,
//! `ServerRef::named`, [`process_count`](crate::process_count), ...) use the
//! [current node](Node::current):
//! - in a process, the process's node;
//! - elsewhere (a `main`, a test body, a plain tokio task), the node whose
//!   [`scope`](Node::scope) the code runs in, or else the program's *default node*, created
//!   on first use: the program's first node. A program with one node never names it.
//!
//! A task started with `tokio::spawn` is nobody's process and carries no scope: spawn it with
//! [`Node::spawn_task`] to keep the node.
//!
//! ```
//! use otp_runtime::prelude::*;
//!
//! #[derive(Default)]
//! pub struct Kv { n: u64 }
//!
//! #[gen_server]
//! impl Kv {
//!     #[call]
//!     pub fn bump(&mut self) -> u64 { self.n += 1; self.n }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let (a, b) = (Node::new(), Node::new());
//! // The same name on two nodes: two processes.
//! a.scope(async { Kv::default().start_named("kv").await.unwrap() }).await;
//! b.scope(async { Kv::default().start_named("kv").await.unwrap() }).await;
//! let kv_a = a.scope(async { Kv::named("kv") }).await; // a named handle keeps its node
//! assert_eq!(kv_a.bump().await, Ok(1));
//! assert_eq!(kv_a.bump().await, Ok(2));
//! assert_eq!(b.scope(async { Kv::named("kv").bump().await }).await, Ok(1));
//! assert_ne!(a.whereis("kv"), b.whereis("kv"));
//!
//! // Stopping a node ends its processes and frees its names; the other runs on.
//! a.stop().await;
//! assert_eq!((a.process_count(), a.whereis("kv")), (0, None));
//! assert_eq!(b.process_count(), 1);
//! # }
//! ```
//!
//! # Applications
//!
//! A node also runs a program's [applications](crate::application): it boots them in
//! dependency order with their configuration and stops them in reverse order on SIGINT,
//! SIGTERM, a request, or a permanent application's exit (OTP's boot, `init:stop/0` and
//! application controller). A program's `main` is usually only this (the
//! [`application`](crate::application) module shows an application):
//!
//! ```no_run
//! use otp_runtime::node::{Node, NodeExit};
//! # use otp_runtime::prelude::*;
//! # use otp_runtime::application::{Application, NoConfig};
//! # struct Db;
//! # impl Application for Db {
//! #     const NAME: &'static str = "db";
//! #     const VERSION: &'static str = "1.0.0";
//! #     type Config = NoConfig;
//! #     async fn start(&self, _: &NoConfig) -> Result<SupervisorRef, StartError> {
//! #         SupervisorSpec::one_for_one().start_link().await
//! #     }
//! # }
//!
//! #[tokio::main]
//! async fn main() -> NodeExit {
//!     Node::new()
//!         .application(Db)
//!         .config_file("node.toml")
//!         .run() // until SIGINT or SIGTERM, or a permanent application's exit
//!         .await
//! }
//! ```
//!
//! Reports (applications started and exited, supervisors' crash and restart reports) go
//! through `tracing`; [`Node::run`] prints them in OTP's style on stderr unless the program
//! has its own subscriber (see [`report`](crate::report)).
//!
//! # Stopping
//!
//! [`Node::stop`] stops the applications (the last started first, each tree within its
//! children's shutdown settings), then the node's other processes: it sends a `shutdown` exit
//! signal to each *root* (a process linked to no older process: the top of a tree, a server
//! started from outside any process, a lone spawn), oldest first, and the rest go down
//! through their links. A gen_server, gen_statem, event manager or supervisor started from
//! outside any process takes the signal as its parent's and terminates; a supervisor stops
//! its children in its own order. What is still alive after the node's
//! [shutdown timeout](Node::shutdown_timeout) is killed. A stopped node takes no new
//! processes: a spawn on it gives a process that is dead at once with
//! [`ExitReason::NoConnection`], a start
//! [`StartError::NodeStopped`](crate::StartError::NodeStopped).
//!
//! # Between nodes
//!
//! A pid says which node its process belongs to ([`Pid::node`](crate::Pid::node)). Nodes
//! connect through [distribution](crate::dist): between distributed nodes, links, monitors,
//! exit signals and messages cross as in Erlang. An operation on a pid of a node this one
//! cannot reach (it is not distributed, or has never heard of that node) acts as Erlang does
//! for such a node: a link gets a [`NoConnection`](crate::ExitReason::NoConnection) exit
//! signal, a monitor a `DOWN` with it, `register` gives [`RegisterError::NotLocal`],
//! `from_pid` [`CallError::NoConnection`](crate::CallError::NoConnection), and an exit signal
//! is dropped with a warning. A handle ([`ProcessRef`], a pid-bound
//! [`ServerRef`](crate::ServerRef)) is the process itself, not a pid to look up: it reaches
//! its process from anywhere in the program.

mod boot;
mod controller;
mod current;
mod env;
mod error;
pub(crate) mod inner;
mod names;
mod order;
mod stop;
pub(crate) mod table;

use std::fmt;
use std::future::Future;
use std::sync::Arc;

pub use self::error::{ApplicationError, BootError, InvalidNodeName, NodeExit};

pub(crate) use self::current::with_current;
pub(crate) use self::env::Envs;
pub(crate) use self::inner::NodeInner;
use crate::process::core::Entry;
use crate::process::{Prepared, ProcessCtx, ProcessRef};
use crate::registry::Name;
use crate::{ExitReason, NodeId, Pid, RegisterError};

/// The name of a node that is not distributed, as Erlang names it.
pub(crate) const NONODE: &str = "nonode@nohost";

/// A node: its processes, names, timers and applications (see the [module](self)).
///
/// A cheap handle (`Clone + Send + Sync`, one reference count): clones are the same node.
/// The node lives as long as a handle or one of its processes does.
///
/// # Examples
///
/// ```
/// use otp_runtime::prelude::*;
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let first = Node::new(); // the program's first node: its default
/// assert_eq!(Node::current(), first);
/// let node = Node::new();
/// assert_eq!(node.name(), "nonode@nohost");
/// let p = node.spawn(|mut ctx: ProcessCtx<()>| async move {
///     // Inside, the process's node is the current one.
///     assert_eq!(Node::current().id(), ctx.pid().node());
///     ctx.recv().await;
///     ExitReason::Normal
/// });
/// assert_eq!(p.pid().node(), node.id());
/// assert_eq!(node.process_count(), 1);
/// assert_eq!(otp_runtime::process_count(), 0, "the default node has none");
/// # }
/// ```
#[derive(Clone)]
pub struct Node(pub(crate) Arc<NodeInner>);

impl Default for Node {
    fn default() -> Self {
        Node::new()
    }
}

impl PartialEq for Node {
    fn eq(&self, other: &Node) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for Node {}

impl fmt::Debug for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Node")
            .field("name", &self.name())
            .field("id", &self.id())
            .finish()
    }
}

impl Node {
    /// A new node named `nonode@nohost`, with no processes and no applications. It runs
    /// processes at once; [`Node::start`] or [`Node::run`] boot the applications added with
    /// [`Node::application`].
    ///
    /// The program's first node becomes its *default node*, the one code outside any process
    /// and any [scope](Node::scope) acts on (see [`Node::current`]): a program that makes one
    /// node in `main` and boots its applications there finds their names from `main` and from
    /// plain tokio tasks. So does the next node made once the default has stopped.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let node = otp_runtime::node::Node::new().start().await.unwrap();
    /// assert!(node.which_applications().await.unwrap().is_empty());
    /// # }
    /// ```
    pub fn new() -> Node {
        Node::unclaimed().claimed()
    }

    /// A new node that does not become the default.
    pub(crate) fn unclaimed() -> Node {
        Node(NodeInner::new(NONODE.into()))
    }

    /// Becomes the program's default node if there is none yet (or it has stopped).
    fn claimed(self) -> Node {
        current::claim_default(&self);
        self
    }

    /// A new node named `name`, which must look like Erlang's: `alive@host`, `alive` made of
    /// letters, digits, `_` and `-`, `host` of letters, digits, `_`, `-` and `.`.
    ///
    /// # Errors
    ///
    /// [`InvalidNodeName`] for any other name.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::node::Node;
    /// let a = Node::named("a@localhost").unwrap();
    /// assert_eq!(a.name(), "a@localhost");
    /// assert_eq!(
    ///     Node::named("no-host").unwrap_err().to_string(),
    ///     "invalid node name \"no-host\": expected name@host (letters, digits, _ and -, then @, \
    ///      then letters, digits, _, - and .)"
    /// );
    /// ```
    pub fn named(name: impl AsRef<str>) -> Result<Node, InvalidNodeName> {
        let name = name.as_ref();
        let valid = name.split_once('@').is_some_and(|(alive, host)| {
            let alive_ok = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
            let host_ok = |c: char| alive_ok(c) || c == '.';
            !alive.is_empty()
                && !host.is_empty()
                && alive.chars().all(alive_ok)
                && host.chars().all(host_ok)
        });
        if !valid {
            return Err(InvalidNodeName(name.into()));
        }
        Ok(Node(NodeInner::new(name.into())).claimed())
    }

    /// The current node: the calling process's; outside any process, the node whose
    /// [`scope`](Node::scope) this runs in, or else the program's default node: its first
    /// node (or the node of [`Node::run`]), made here if the program has none yet. A default
    /// node that has stopped stays the default (what acts on it is told it has stopped)
    /// until the program makes another node.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::node::Node;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let default = Node::current();
    /// assert_eq!(Node::current(), default);
    /// let other = Node::new();
    /// assert_eq!(other.scope(async { Node::current() }).await, other);
    /// # }
    /// ```
    pub fn current() -> Node {
        with_current(Node::clone)
    }

    /// The node's identity in this program, which its pids carry ([`Pid::node`]).
    ///
    /// # Examples
    ///
    /// See [`NodeId`].
    pub fn id(&self) -> NodeId {
        self.0.id()
    }

    /// The node's name: `nonode@nohost` unless made with [`Node::named`].
    ///
    /// # Examples
    ///
    /// See [`Node::named`].
    pub fn name(&self) -> &str {
        self.0.name()
    }

    /// The node's creation: a number that tells this incarnation of its name from others
    /// (Erlang's, 32 bits and never 0).
    ///
    /// # Examples
    ///
    /// ```
    /// let node = otp_runtime::node::Node::new();
    /// assert_ne!(node.creation(), 0);
    /// ```
    pub fn creation(&self) -> u32 {
        self.0.creation()
    }

    /// Runs `fut` with this node current for code outside processes: what it spawns, starts,
    /// registers or looks up acts on this node. Inside a process the process's own node stays
    /// current. Scopes nest; the innermost wins.
    ///
    /// Only what runs while `fut` is polled is in the scope: in
    /// `node.scope(Kv::named("kv").bump())` the handle is made before, outside it. Write
    /// `node.scope(async { Kv::named("kv").bump().await })`.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let node = Node::new();
    /// let p = node.scope(async {
    ///     otp_runtime::spawn(|mut ctx: ProcessCtx<()>| async move { ctx.recv().await; ExitReason::Normal })
    /// }).await;
    /// assert_eq!(p.pid().node(), node.id());
    /// # }
    /// ```
    pub fn scope<F: Future>(&self, fut: F) -> impl Future<Output = F::Output> {
        current::Scoped::new(self.clone(), fut)
    }

    /// Runs `f` with this node current, as [`Node::scope`] does for a future.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::node::Node;
    /// let node = Node::new();
    /// assert_eq!(node.sync_scope(Node::current), node);
    /// ```
    pub fn sync_scope<R>(&self, f: impl FnOnce() -> R) -> R {
        let _scope = current::enter(self);
        f()
    }

    /// Spawns a process on this node (as [`spawn`](crate::spawn) does on the current one). On
    /// a stopped node the process is dead at once, of
    /// [`NoConnection`](crate::ExitReason::NoConnection), and never runs.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime (on a live node), like `tokio::spawn`.
    ///
    /// # Examples
    ///
    /// See [`Node`].
    pub fn spawn<M, F, Fut>(&self, f: F) -> ProcessRef<M>
    where
        M: Send + 'static,
        F: FnOnce(ProcessCtx<M>) -> Fut,
        Fut: Future<Output = ExitReason> + Send + 'static,
    {
        Prepared::on(self).run(f)
    }

    /// Spawns a tokio task that runs in this node's [scope](Node::scope): what it spawns,
    /// starts or looks up acts on this node (a plain tokio task carries no node). The task is
    /// nobody's: it does not die with the process that spawned it. A process's own task,
    /// aborted when the process ends, is [`ProcessCtx::spawn_task`] (which runs on the
    /// process's node too).
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime, like `tokio::spawn`.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let node = Node::new();
    /// let p = node.spawn(|_ctx: ProcessCtx<()>| async {
    ///     let task = Node::current().spawn_task(async { Node::current() });
    ///     assert_eq!(task.await.unwrap(), Node::current());
    ///     ExitReason::Normal
    /// });
    /// assert_eq!(p.wait_exit().await, ExitReason::Normal);
    /// # }
    /// ```
    pub fn spawn_task<F>(&self, fut: F) -> tokio::task::JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        tokio::spawn(self.scope(fut))
    }

    /// Registers `name` for the process `pid` of this node (see [`register`](crate::register)).
    ///
    /// # Errors
    ///
    /// As [`register`](crate::register); [`RegisterError::NotLocal`] for a pid of another
    /// node.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    /// use otp_runtime::RegisterError;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let (a, b) = (Node::new(), Node::new());
    /// let p = a.spawn(|mut ctx: ProcessCtx<()>| async move { ctx.recv().await; ExitReason::Normal });
    /// assert_eq!(b.register("db", p.pid()), Err(RegisterError::NotLocal(p.pid())));
    /// a.register("db", p.pid()).unwrap();
    /// assert_eq!(a.whereis("db"), Some(p.pid()));
    /// assert_eq!(b.whereis("db"), None);
    /// # }
    /// ```
    pub fn register(&self, name: impl Into<Name>, pid: Pid) -> Result<(), RegisterError> {
        let entry = self.entry(pid).map_err(|()| RegisterError::NotLocal(pid))?;
        let entry = entry.ok_or(RegisterError::NoProc)?;
        self.0.names.register(name.into(), entry)
    }

    /// Removes `name` from this node's registry (see [`unregister`](crate::unregister)).
    ///
    /// # Errors
    ///
    /// [`RegisterError::NotRegistered`] if no process of the node has the name.
    ///
    /// # Examples
    ///
    /// ```
    /// let node = otp_runtime::node::Node::new();
    /// assert!(node.unregister("nobody").is_err());
    /// ```
    pub fn unregister(&self, name: &str) -> Result<(), RegisterError> {
        self.0.names.unregister(name)
    }

    /// The pid registered under `name` on this node, if any.
    ///
    /// # Examples
    ///
    /// See [`Node::register`].
    pub fn whereis(&self, name: &str) -> Option<Pid> {
        self.0.names.whereis(name)
    }

    /// The names registered on this node, sorted.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(otp_runtime::node::Node::new().registered().is_empty());
    /// ```
    pub fn registered(&self) -> Vec<Name> {
        self.0.names.registered()
    }

    /// How many processes of this node are alive.
    ///
    /// # Examples
    ///
    /// See [`Node`].
    pub fn process_count(&self) -> usize {
        self.0.table.count()
    }

    /// How long ago this node was made (Erlang's `erlang:statistics(wall_clock)`, as an
    /// observer shows it).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
    /// let node = otp_runtime::node::Node::new();
    /// tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    /// assert_eq!(node.uptime(), std::time::Duration::from_secs(3));
    /// # }
    /// ```
    pub fn uptime(&self) -> std::time::Duration {
        self.0.started.elapsed()
    }

    /// The pids of this node's live processes, oldest first.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let node = Node::new();
    /// let idle = |mut ctx: ProcessCtx<()>| async move { ctx.recv().await; ExitReason::Normal };
    /// let (a, b) = (node.spawn(idle), node.spawn(idle));
    /// assert_eq!(node.processes(), vec![a.pid(), b.pid()]);
    /// # }
    /// ```
    pub fn processes(&self) -> Vec<Pid> {
        self.0
            .table
            .all()
            .iter()
            .map(|e| e.shared().pid())
            .collect()
    }

    /// How many timers of this node's processes are pending (see
    /// [`timer_count`](crate::timer_count)).
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(otp_runtime::node::Node::new().timer_count(), 0);
    /// ```
    pub fn timer_count(&self) -> usize {
        self.0.timer_count()
    }

    /// Whether `pid` is a live process of this node.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::prelude::*;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let (a, b) = (Node::new(), Node::new());
    /// let p = a.spawn(|mut ctx: ProcessCtx<()>| async move { ctx.recv().await; ExitReason::Normal });
    /// assert!(a.is_alive(p.pid()) && !b.is_alive(p.pid()));
    /// # }
    /// ```
    pub fn is_alive(&self, pid: Pid) -> bool {
        matches!(self.entry(pid), Ok(Some(e)) if !e.shared().is_exited())
    }

    /// The live process `pid` of this node: `Err` for a pid of another node.
    pub(crate) fn entry(&self, pid: Pid) -> Result<Option<Arc<dyn Entry>>, ()> {
        if pid.node() != self.id() {
            return Err(());
        }
        Ok(self.0.table.get(pid))
    }

    /// The configurations of the node's applications.
    pub(crate) fn envs(&self) -> &Envs {
        &self.0.envs
    }
}

/// The current node's name, if it was given one (see [`Node::named`]): for reports.
pub(crate) fn current_name() -> Option<String> {
    current::named()
}

/// Runs `f` with the current node, if there is one (never makes the default node): for
/// reports.
pub(crate) fn with_existing<R>(f: impl FnOnce(&Node) -> R) -> Option<R> {
    current::with_existing(f)
}

/// The first number of a pid of node `id` as the current node prints it.
pub(crate) fn print_index(id: NodeId) -> usize {
    with_current(|n| n.0.print_index(id))
}
