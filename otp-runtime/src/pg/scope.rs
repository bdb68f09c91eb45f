//! A scope's handle: start one, find one by name, join, leave, read, monitor.

use std::any::Any;
use std::borrow::Borrow;
use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;
use std::sync::Arc;

use tokio::sync::oneshot;

use super::monitor::GroupMonitor;
use super::registry::Entry;
use super::server::{self, ScopeMsg};
use super::table::Table;
use super::{Group, PgError};
use crate::node::Node;
use crate::supervisor::{ChildPid, ChildSpec};
use crate::{ExitReason, Name, NodeId, Pid, ProcessRef, RegisterError, StartError};

/// A handle to a scope: a process that keeps groups of processes, and its table, which
/// anyone reads without asking the process.
///
/// `G` is the type of the group names (Erlang's groups are any term): anything with an
/// Erlang form ([`ToTerm`](crate::dist::mapping::ToTerm) and
/// [`FromTerm`](crate::dist::mapping::FromTerm)) that is `Eq + Hash + Clone`. The default,
/// [`Atom`](crate::dist::term::Atom), is what Erlang programs name their groups with; a
/// `String` (a binary in Erlang), a number, a tuple or a derived enum serve as well.
///
/// The handle is bound to one incarnation of the scope: once that process has ended, its
/// operations say [`PgError::ScopeDown`] and its reads are empty. [`Scope::named`] finds the
/// incarnation alive now (a supervisor may have restarted it).
///
/// # Examples
///
/// ```
/// use otp_runtime::pg::Scope;
/// use otp_runtime::prelude::*;
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let chat: Scope<String> = Scope::start("chat").unwrap();
/// let idle = |mut ctx: ProcessCtx<()>| async move { ctx.recv().await; ExitReason::Normal };
/// let (a, b) = (otp_runtime::spawn(idle), otp_runtime::spawn(idle));
/// chat.join("lobby", a.pid()).await.unwrap();
/// chat.join("lobby", b.pid()).await.unwrap();
/// chat.join("lobby", a.pid()).await.unwrap(); // twice: a must leave twice
/// assert_eq!(chat.members("lobby"), [a.pid(), b.pid(), a.pid()]);
/// assert_eq!(chat.leave("lobby", a.pid()).await, Ok(true));
/// assert_eq!(chat.members("lobby"), [a.pid(), b.pid()]);
///
/// let (_, mut changes) = chat.monitor("lobby").await.unwrap();
/// otp_runtime::exit(b.pid(), ExitReason::Kill); // a member that dies leaves
/// changes.recv().await; // the scope has seen it
/// assert_eq!(chat.members("lobby"), [a.pid()]);
/// # }
/// ```
pub struct Scope<G: Group = crate::dist::term::Atom> {
    name: Name,
    table: Arc<Table<G>>,
    process: ProcessRef<ScopeMsg<G>>,
}

impl<G: Group> Clone for Scope<G> {
    fn clone(&self) -> Self {
        Scope {
            name: self.name.clone(),
            table: self.table.clone(),
            process: self.process.clone(),
        }
    }
}

impl<G: Group> fmt::Debug for Scope<G> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Scope({:?}, {})", self.name.as_str(), self.process.pid())
    }
}

impl<G: Group> ChildPid for Scope<G> {
    fn child_pid(&self) -> Option<Pid> {
        self.is_alive().then(|| self.pid())
    }
}

impl<G: Group> Scope<G> {
    /// Starts a scope registered as `name` on the [current node](Node::current), outside any
    /// supervision tree (`pg:start/1`). The scopes of the same name on the nodes of a cluster
    /// share their groups.
    ///
    /// # Errors
    ///
    /// [`StartError::AlreadyStarted`] if a process has the name,
    /// [`StartError::NodeStopped`].
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::pg::Scope;
    /// use otp_runtime::StartError;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let s: Scope<u32> = Scope::start("numbers").unwrap();
    /// assert!(matches!(Scope::<u32>::start("numbers"), Err(StartError::AlreadyStarted(p)) if p == s.pid()));
    /// # }
    /// ```
    pub fn start(name: impl Into<Name>) -> Result<Scope<G>, StartError> {
        Self::launch(&Node::current(), name.into(), false)
    }

    /// [`Scope::start`], linked to the calling process (`pg:start_link/1`): what a
    /// supervisor's child does; [`Scope::child_spec`] makes one.
    ///
    /// # Errors
    ///
    /// As [`Scope::start`].
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::pg::Scope;
    /// use otp_runtime::prelude::*;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let owner = otp_runtime::spawn(|mut ctx: ProcessCtx<()>| async move {
    ///     let _scope: Scope = Scope::start_link("mine").unwrap();
    ///     ctx.recv().await;
    ///     ExitReason::Normal
    /// });
    /// # tokio::task::yield_now().await;
    /// # while otp_runtime::whereis("mine").is_none() { tokio::task::yield_now().await; }
    /// otp_runtime::exit(owner.pid(), ExitReason::Kill);
    /// owner.wait_exit().await;
    /// # while otp_runtime::whereis("mine").is_some() { tokio::task::yield_now().await; }
    /// assert_eq!(otp_runtime::whereis("mine"), None); // the scope died with its owner
    /// # }
    /// ```
    pub fn start_link(name: impl Into<Name>) -> Result<Scope<G>, StartError> {
        Self::launch(&Node::current(), name.into(), true)
    }

    /// A supervisor's child that runs this scope (a `worker`, `permanent`, with the scope's
    /// name as its id), as OTP's kernel supervisor runs `pg`. A restarted scope starts
    /// empty: the processes that had joined the old one join again (pg.erl does the same).
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::pg::Scope;
    /// use otp_runtime::prelude::*;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let sup = SupervisorSpec::one_for_one()
    ///     .child(Scope::<String>::child_spec("rooms"))
    ///     .start()
    ///     .await
    ///     .unwrap();
    /// let rooms = Scope::<String>::named("rooms").unwrap();
    /// assert_eq!(rooms.which_groups(), Vec::<String>::new());
    /// # let _ = sup;
    /// # }
    /// ```
    pub fn child_spec(name: impl Into<Name>) -> ChildSpec {
        let name: Name = name.into();
        let id = name.as_str().to_owned();
        ChildSpec::from_fn(id, move || {
            let name = name.clone();
            async move { Scope::<G>::start_link(name) }
        })
    }

    fn launch(node: &Node, name: Name, link: bool) -> Result<Scope<G>, StartError> {
        let scope = Self::spawn(node, name, link)?;
        scope.record(&mut node.0.pg.scopes(), node);
        Ok(scope)
    }

    /// Starts the scope's process on `node` and registers it (without the node's map of
    /// scopes: the caller puts it there).
    pub(super) fn spawn(node: &Node, name: Name, link: bool) -> Result<Scope<G>, StartError> {
        if node.is_stopped() {
            return Err(StartError::NodeStopped);
        }
        let table = Arc::new(Table::new());
        let (go, wait) = oneshot::channel();
        let (t, n) = (table.clone(), name.clone());
        let body = move |ctx| server::run(ctx, t, n, wait);
        let process = if link {
            // On the current node, which `start_link` gave as `node`.
            crate::spawn_link(body)
        } else {
            node.spawn(body)
        };
        // Before anyone can know the pid: no message of a peer is missed.
        process.accept_remote();
        if let Err(e) = node.register(name.clone(), process.pid()) {
            // It ends `normal` at once: a linked caller is not hurt.
            let _ = go.send(false);
            return Err(match e {
                RegisterError::Taken(p) => StartError::AlreadyStarted(p),
                RegisterError::NoProc => StartError::NodeStopped,
                other => StartError::Failed(ExitReason::other(other)),
            });
        }
        let _ = go.send(true);
        Ok(Scope {
            name,
            table,
            process,
        })
    }

    /// Puts the scope in its node's map of scopes (locked by the caller).
    pub(super) fn record(
        &self,
        scopes: &mut HashMap<Name, Arc<dyn Any + Send + Sync>>,
        node: &Node,
    ) {
        scopes.insert(self.name.clone(), self.entry());
        node.0.pg.started(&self.name, &self.table);
    }

    fn entry(&self) -> Arc<dyn Any + Send + Sync> {
        Arc::new(Entry {
            table: self.table.clone(),
            process: Arc::downgrade(self.process.core()),
        })
    }

    /// The scope registered as `name` on the [current node](Node::current).
    ///
    /// # Errors
    ///
    /// [`PgError::NoScope`] if no live scope has the name, [`PgError::WrongType`] if its
    /// groups are of another type than `G` (or the name is a process that is no scope).
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::pg::{PgError, Scope};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let s: Scope<String> = Scope::start("s").unwrap();
    /// assert_eq!(Scope::<String>::named("s").unwrap().pid(), s.pid());
    /// assert!(matches!(Scope::<u64>::named("s"), Err(PgError::WrongType { .. })));
    /// assert_eq!(Scope::<String>::named("t").unwrap_err(), PgError::NoScope("t".into()));
    /// # }
    /// ```
    pub fn named(name: &str) -> Result<Scope<G>, PgError> {
        Self::named_on(&Node::current(), name)
    }

    pub(super) fn named_on(node: &Node, name: &str) -> Result<Scope<G>, PgError> {
        let found = node.0.pg.scopes().get(name).cloned();
        Self::resolve(node, name, found)
    }

    /// The scope `name` of `node`, which the node's map of scopes gave as `found`.
    pub(super) fn resolve(
        node: &Node,
        name: &str,
        found: Option<Arc<dyn Any + Send + Sync>>,
    ) -> Result<Scope<G>, PgError> {
        let name = Name::from(name);
        let wrong = || PgError::WrongType {
            name: name.clone(),
            expected: std::any::type_name::<G>(),
        };
        let registered = node.whereis(name.as_str());
        let Some(found) = found else {
            return Err(match registered {
                Some(_) => wrong(),
                None => PgError::NoScope(name),
            });
        };
        let entry = found.downcast_ref::<Entry<G>>();
        let Some(entry) = entry else {
            return Err(wrong());
        };
        match entry.process() {
            Some(process) if registered == Some(process.pid()) => Ok(Scope {
                name,
                table: entry.table.clone(),
                process,
            }),
            _ if registered.is_some() => Err(wrong()),
            _ => Err(PgError::NoScope(name)),
        }
    }

    /// The scope's name.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let s = otp_runtime::pg::Scope::<String>::start("s").unwrap();
    /// assert_eq!(s.name().as_str(), "s");
    /// # }
    /// ```
    pub fn name(&self) -> &Name {
        &self.name
    }

    /// The scope process's pid.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let s = otp_runtime::pg::Scope::<String>::start("s").unwrap();
    /// assert_eq!(otp_runtime::whereis("s"), Some(s.pid()));
    /// # }
    /// ```
    pub fn pid(&self) -> Pid {
        self.process.pid()
    }

    /// Whether this incarnation of the scope is alive.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let s = otp_runtime::pg::Scope::<String>::start("s").unwrap();
    /// assert!(s.is_alive());
    /// # }
    /// ```
    pub fn is_alive(&self) -> bool {
        self.process.is_alive()
    }

    fn node_id(&self) -> NodeId {
        self.process.pid().node()
    }

    fn down(&self) -> PgError {
        PgError::ScopeDown(self.name.clone())
    }

    async fn ask<R>(
        &self,
        msg: impl FnOnce(oneshot::Sender<R>) -> ScopeMsg<G>,
    ) -> Result<R, PgError> {
        let (tx, rx) = oneshot::channel();
        self.process.send(msg(tx)).map_err(|_| self.down())?;
        rx.await.map_err(|_| self.down())
    }

    /// `pid` joins `group` (`pg:join/3`); it may join a group several times, and is then a
    /// member that many times. The group exists while it has members. Returns once the
    /// scope has made the change: the members read after it include `pid`. A process that
    /// dies leaves all its groups.
    ///
    /// # Errors
    ///
    /// [`PgError::NotLocal`] for a process of another node (each node's scope joins its own
    /// processes; the others learn of them from it), [`PgError::ScopeDown`].
    ///
    /// # Examples
    ///
    /// See [`Scope`].
    pub async fn join(&self, group: impl Into<G>, pid: Pid) -> Result<(), PgError> {
        self.join_many(group, [pid]).await
    }

    /// Several processes join `group` at once, in this order (`pg:join/3` with a list).
    ///
    /// # Errors
    ///
    /// As [`Scope::join`]; nothing joins if one of `pids` is not local.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::pg::Scope;
    /// use otp_runtime::prelude::*;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let s: Scope<String> = Scope::start("s").unwrap();
    /// let idle = |mut ctx: ProcessCtx<()>| async move { ctx.recv().await; ExitReason::Normal };
    /// let (a, b) = (otp_runtime::spawn(idle).pid(), otp_runtime::spawn(idle).pid());
    /// s.join_many("g", [a, b]).await.unwrap();
    /// assert_eq!(s.members("g"), [a, b]);
    /// # }
    /// ```
    pub async fn join_many(
        &self,
        group: impl Into<G>,
        pids: impl IntoIterator<Item = Pid>,
    ) -> Result<(), PgError> {
        let pids: Vec<Pid> = pids.into_iter().collect();
        if let Some(p) = pids.iter().find(|p| p.node() != self.node_id()) {
            return Err(PgError::NotLocal(*p));
        }
        let group = group.into();
        self.ask(|reply| ScopeMsg::Join { group, pids, reply })
            .await
    }

    /// `pid` leaves `group` once (`pg:leave/3`): `Ok(false)` if it was not in it (Erlang's
    /// `not_joined`).
    ///
    /// # Errors
    ///
    /// As [`Scope::join`].
    ///
    /// # Examples
    ///
    /// See [`Scope`].
    pub async fn leave(&self, group: impl Into<G>, pid: Pid) -> Result<bool, PgError> {
        self.leave_many(group, [pid]).await
    }

    /// Several processes leave `group` once each: `Ok(false)` if none of them was in it.
    ///
    /// # Errors
    ///
    /// As [`Scope::join`].
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::pg::Scope;
    /// use otp_runtime::prelude::*;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let s: Scope<String> = Scope::start("s").unwrap();
    /// let idle = |mut ctx: ProcessCtx<()>| async move { ctx.recv().await; ExitReason::Normal };
    /// let (a, b) = (otp_runtime::spawn(idle).pid(), otp_runtime::spawn(idle).pid());
    /// s.join_many("g", [a, b]).await.unwrap();
    /// assert_eq!(s.leave_many("g", [a, b]).await, Ok(true));
    /// assert_eq!(s.leave_many("g", [a, b]).await, Ok(false));
    /// # }
    /// ```
    pub async fn leave_many(
        &self,
        group: impl Into<G>,
        pids: impl IntoIterator<Item = Pid>,
    ) -> Result<bool, PgError> {
        let pids: Vec<Pid> = pids.into_iter().collect();
        if let Some(p) = pids.iter().find(|p| p.node() != self.node_id()) {
            return Err(PgError::NotLocal(*p));
        }
        let group = group.into();
        self.ask(|reply| ScopeMsg::Leave { group, pids, reply })
            .await
    }

    /// The members of `group`, of every node of the cluster, in the order this node learnt
    /// of their joins (`pg:get_members/2`); empty for a group nobody is in. Read from the
    /// scope's table, without a message to the scope. (Erlang lists the newest first.)
    ///
    /// # Examples
    ///
    /// See [`Scope`].
    pub fn members<Q>(&self, group: &Q) -> Vec<Pid>
    where
        G: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.table.members(group)
    }

    /// The members of `group` that are processes of this node (`pg:get_local_members/2`),
    /// in join order.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::pg::Scope;
    /// use otp_runtime::prelude::*;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let s: Scope<String> = Scope::start("s").unwrap();
    /// let me = otp_runtime::spawn(|mut ctx: ProcessCtx<()>| async move { ctx.recv().await; ExitReason::Normal });
    /// s.join("g", me.pid()).await.unwrap();
    /// assert_eq!(s.local_members("g"), [me.pid()]);
    /// # }
    /// ```
    pub fn local_members<Q>(&self, group: &Q) -> Vec<Pid>
    where
        G: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.table.local_members(group)
    }

    /// The groups that have members, in the order they appeared (`pg:which_groups/1`).
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::pg::Scope;
    /// use otp_runtime::prelude::*;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let s: Scope<String> = Scope::start("s").unwrap();
    /// let me = otp_runtime::spawn(|mut ctx: ProcessCtx<()>| async move { ctx.recv().await; ExitReason::Normal });
    /// s.join("b", me.pid()).await.unwrap();
    /// s.join("a", me.pid()).await.unwrap();
    /// assert_eq!(s.which_groups(), ["b", "a"]);
    /// s.leave("b", me.pid()).await.unwrap();
    /// assert_eq!(s.which_groups(), ["a"]); // an empty group is no group
    /// # }
    /// ```
    pub fn which_groups(&self) -> Vec<G> {
        self.table.groups(false)
    }

    /// The groups that have members of this node (`pg:which_local_groups/1`).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let s = otp_runtime::pg::Scope::<String>::start("s").unwrap();
    /// assert!(s.which_local_groups().is_empty());
    /// # }
    /// ```
    pub fn which_local_groups(&self) -> Vec<G> {
        self.table.groups(true)
    }

    /// The members of `group` now, and from then on every change to it
    /// (`pg:monitor/2`, OTP 25.1): nothing happens between the two.
    ///
    /// # Errors
    ///
    /// [`PgError::ScopeDown`].
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::pg::{GroupEvent, Scope};
    /// use otp_runtime::prelude::*;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let s: Scope<String> = Scope::start("s").unwrap();
    /// let w = otp_runtime::spawn(|mut ctx: ProcessCtx<()>| async move { ctx.recv().await; ExitReason::Normal });
    /// s.join("g", w.pid()).await.unwrap();
    /// let (members, mut changes) = s.monitor("g").await.unwrap();
    /// assert_eq!(members, [w.pid()]);
    /// otp_runtime::exit(w.pid(), ExitReason::Kill);
    /// assert_eq!(changes.recv().await, Some(GroupEvent::Leave { group: "g".into(), pids: vec![w.pid()] }));
    /// # }
    /// ```
    pub async fn monitor(
        &self,
        group: impl Into<G>,
    ) -> Result<(Vec<Pid>, GroupMonitor<G>), PgError> {
        let group = group.into();
        self.ask(|reply| ScopeMsg::MonitorGroup { group, reply })
            .await
    }

    /// Every group with its members now, oldest group first, and from then on every change
    /// to any group (`pg:monitor_scope/1`, OTP 25.1).
    ///
    /// # Errors
    ///
    /// [`PgError::ScopeDown`].
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::pg::{GroupEvent, Scope};
    /// use otp_runtime::prelude::*;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let s: Scope<String> = Scope::start("s").unwrap();
    /// let (groups, mut changes) = s.monitor_scope().await.unwrap();
    /// assert!(groups.is_empty());
    /// let w = otp_runtime::spawn(|mut ctx: ProcessCtx<()>| async move { ctx.recv().await; ExitReason::Normal });
    /// s.join("g", w.pid()).await.unwrap();
    /// assert_eq!(changes.recv().await, Some(GroupEvent::Join { group: "g".into(), pids: vec![w.pid()] }));
    /// # }
    /// ```
    pub async fn monitor_scope(&self) -> Result<(Vec<(G, Vec<Pid>)>, GroupMonitor<G>), PgError> {
        self.ask(|reply| ScopeMsg::MonitorScope { reply }).await
    }
}
