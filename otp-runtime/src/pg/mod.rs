//! Process groups (Erlang's `pg`): processes join named groups, and others find them there.
//!
//! A *group* is a name (any value with an Erlang form) that processes join and leave; a
//! process may join several groups, and the same group several times (it is then a member
//! that many times, and must leave as often). Others read a group's members, to send to one
//! or all of them, or *monitor* it: they get its members now and then every join and leave,
//! in order. Nobody creates or deletes a group: it exists while it has members. A process
//! that dies leaves all its groups at once; nobody has to clean up after it.
//!
//! Groups live in a *scope*: a process registered under the scope's name that owns a table
//! of the groups. Only the scope process writes the table (joins and leaves are requests to
//! it, so they are ordered), and anyone reads it directly, without a message: reading a
//! group's members costs a read lock and a copy of the list, as Erlang reads pg's ETS table.
//! A node has any number of scopes (each independent: a group of one is not a group of
//! another), each of one type of group names.
//!
//! ```text
//!          node a@host                                    node b@host (Erlang or Rust)
//!   ┌──────────────────────────────┐                 ┌──────────────────────────────┐
//!   │ scope "pg" (process)          │  discover/sync  │ scope pg (process)           │
//!   │   table: workers → [<a.1> <a.2> <b.7>]  ◀──────▶ │   table: workers → [...]     │
//!   │   monitors <a.1> <a.2>        │   join/leave    │   monitors <b.7>             │
//!   └──────────────────────────────┘                 └──────────────────────────────┘
//! ```
//!
//! # The default scope
//!
//! The module's functions ([`join`], [`members`], [`monitor`], ...) act on the current
//! node's default scope: the scope registered as `pg` (Erlang's default scope has the same
//! name, so a BEAM node's `pg:join/2` and these share groups), with
//! [`Atom`] group names, as Erlang programs name theirs
//! (`pg::join("workers", pid)` joins the group `workers`).
//!
//! It starts on first use, not with the node: a program that uses no groups runs no scope,
//! and a node's processes stay the program's. A program that wants it supervised starts
//! `Scope::<Atom>::child_spec("pg")` in its tree before using it (as OTP's kernel supervises
//! `pg`), and the functions use that one. Started on first use, it belongs to no tree; if
//! it is killed, the next use starts a new one, empty (as a restarted pg.erl is: its members
//! join again). Reads never start it: they find no groups.
//!
//! # Across nodes
//!
//! Scopes of the same name on the nodes of a cluster share their groups: each speaks
//! Erlang's `pg` protocol, so Rust and BEAM processes join the same groups. Each scope
//! keeps its own node's members and learns the others' from their scopes: when a node comes
//! up it sends `{discover, Scope}` there, the peer answers with all its members (a `sync`)
//! and then each join and leave. A scope monitors its peers: when a peer scope dies or its
//! node goes down, that node's members leave. Membership is eventually consistent, as in
//! Erlang: a join on one node reaches the others a message later.
//!
//! A Rust node is hidden, and pg.erl discovers visible nodes only (`nodes()`), so between a
//! BEAM node and a Rust one the Rust scope starts the discovery, whichever side connected.
//! A BEAM peer's group whose name does not decode as the scope's type is left out of this
//! scope (an Erlang program may name groups with any term).
//!
//! # Order
//!
//! Everything a user can observe comes in a fixed order: members in the order this node
//! saw them join (Erlang lists the newest first), groups in the order they appeared,
//! notifications in the order the scope made the changes. No hash map's iteration order
//! decides anything, so a simulated run replays from its seed.
//!
//! # Examples
//!
//! ```
//! use otp_runtime::pg::{self, GroupEvent};
//! use otp_runtime::prelude::*;
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let idle = |mut ctx: ProcessCtx<()>| async move { ctx.recv().await; ExitReason::Normal };
//! let (a, b) = (otp_runtime::spawn(idle), otp_runtime::spawn(idle));
//! let (now, mut changes) = pg::monitor("workers").await.unwrap();
//! assert!(now.is_empty());
//!
//! pg::join("workers", a.pid()).await.unwrap();
//! pg::join("workers", b.pid()).await.unwrap();
//! assert_eq!(pg::members("workers"), [a.pid(), b.pid()]);
//!
//! otp_runtime::exit(a.pid(), ExitReason::Kill);
//! assert_eq!(changes.recv().await, Some(GroupEvent::Join { group: "workers".into(), pids: vec![a.pid()] }));
//! assert_eq!(changes.recv().await, Some(GroupEvent::Join { group: "workers".into(), pids: vec![b.pid()] }));
//! assert_eq!(changes.recv().await, Some(GroupEvent::Leave { group: "workers".into(), pids: vec![a.pid()] }));
//! assert_eq!(pg::members("workers"), [b.pid()]);
//! # }
//! ```

mod error;
mod monitor;
mod protocol;
pub(crate) mod registry;
mod scope;
mod server;
mod table;

use std::fmt::Debug;
use std::hash::Hash;

pub use error::PgError;
pub use monitor::{GroupEvent, GroupMonitor};
pub use scope::Scope;

use crate::dist::mapping::{FromTerm, ToTerm};
use crate::dist::term::Atom;
use crate::node::Node;
use crate::{Name, Pid};

/// The name of the default scope, as in Erlang.
pub const DEFAULT_SCOPE: &str = "pg";

/// What a group name must be: an Erlang form both ways (to cross nodes), and a key.
/// Implemented for every type that is all of these.
///
/// # Examples
///
/// ```
/// use otp_runtime::dist::mapping::{FromTerm, ToTerm};
/// use otp_runtime::pg::{Group, Scope};
///
/// /// `{room, Id}` and `lobby` in Erlang.
/// #[derive(ToTerm, FromTerm, Clone, PartialEq, Eq, Hash, Debug)]
/// enum Room { Lobby, Room(u32) }
///
/// fn takes<G: Group>(_: Scope<G>) {}
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// takes(Scope::<Room>::start("rooms").unwrap());
/// # }
/// ```
pub trait Group: ToTerm + FromTerm + Eq + Hash + Clone + Debug + Send + Sync + 'static {}

impl<T> Group for T where T: ToTerm + FromTerm + Eq + Hash + Clone + Debug + Send + Sync + 'static {}

/// The current node's default scope, started now if it runs not (see the
/// [module](self#the-default-scope)).
///
/// # Errors
///
/// [`PgError::WrongType`] if `pg` is the name of another process, or of a scope whose
/// groups are not atoms; [`PgError::NodeStopped`].
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let scope = otp_runtime::pg::default_scope().unwrap();
/// assert_eq!(otp_runtime::whereis("pg"), Some(scope.pid()));
/// # }
/// ```
pub fn default_scope() -> Result<Scope<Atom>, PgError> {
    let node = Node::current();
    // Under the lock of the node's scopes: two first uses start one scope.
    let mut scopes = node.0.pg.scopes();
    let found = scopes.get(DEFAULT_SCOPE).cloned();
    match Scope::resolve(&node, DEFAULT_SCOPE, found) {
        Err(PgError::NoScope(_)) => {}
        found => return found,
    }
    let scope =
        Scope::<Atom>::spawn(&node, Name::from(DEFAULT_SCOPE), false).map_err(|e| match e {
            crate::StartError::AlreadyStarted(_) => PgError::WrongType {
                name: DEFAULT_SCOPE.into(),
                expected: std::any::type_name::<Atom>(),
            },
            _ => PgError::NodeStopped,
        })?;
    scope.record(&mut scopes, &node);
    Ok(scope)
}

/// Reads the default scope's table, if a scope of atoms named `pg` ever started on the
/// current node (a dead one's table is empty); reads do not start it.
fn read_default<R: Default>(read: impl FnOnce(&table::Table<Atom>) -> R) -> R {
    let table = crate::node::with_current(|n| n.0.pg.default_table());
    match table
        .as_deref()
        .and_then(|t| t.downcast_ref::<table::Table<Atom>>())
    {
        Some(t) => read(t),
        None => R::default(),
    }
}

/// `pid` joins `group` in the [default scope](default_scope) (`pg:join/2`); see
/// [`Scope::join`].
///
/// # Errors
///
/// [`PgError::NotLocal`], and those of [`default_scope`].
///
/// # Examples
///
/// See the [module](self).
pub async fn join(group: impl Into<Atom>, pid: Pid) -> Result<(), PgError> {
    default_scope()?.join(group, pid).await
}

/// Several processes join `group` in the default scope; see [`Scope::join_many`].
///
/// # Errors
///
/// As [`join`].
///
/// # Examples
///
/// ```
/// use otp_runtime::pg;
/// use otp_runtime::prelude::*;
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let idle = |mut ctx: ProcessCtx<()>| async move { ctx.recv().await; ExitReason::Normal };
/// let (a, b) = (otp_runtime::spawn(idle).pid(), otp_runtime::spawn(idle).pid());
/// pg::join_many("g", [a, b]).await.unwrap();
/// assert_eq!(pg::local_members("g"), [a, b]);
/// # }
/// ```
pub async fn join_many(
    group: impl Into<Atom>,
    pids: impl IntoIterator<Item = Pid>,
) -> Result<(), PgError> {
    default_scope()?.join_many(group, pids).await
}

/// `pid` leaves `group` of the default scope once (`pg:leave/2`): `Ok(false)` if it was not
/// in it. See [`Scope::leave`].
///
/// # Errors
///
/// As [`join`].
///
/// # Examples
///
/// ```
/// use otp_runtime::pg;
/// use otp_runtime::prelude::*;
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let a = otp_runtime::spawn(|mut ctx: ProcessCtx<()>| async move { ctx.recv().await; ExitReason::Normal }).pid();
/// pg::join("g", a).await.unwrap();
/// pg::join("g", a).await.unwrap();
/// assert_eq!(pg::leave("g", a).await, Ok(true));
/// assert_eq!(pg::members("g"), [a]); // joined twice: still in once
/// assert_eq!(pg::leave("g", a).await, Ok(true));
/// assert_eq!(pg::leave("g", a).await, Ok(false));
/// # }
/// ```
pub async fn leave(group: impl Into<Atom>, pid: Pid) -> Result<bool, PgError> {
    default_scope()?.leave(group, pid).await
}

/// Several processes leave `group` of the default scope; see [`Scope::leave_many`].
///
/// # Errors
///
/// As [`join`].
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// assert_eq!(otp_runtime::pg::leave_many("g", []).await, Ok(false));
/// # }
/// ```
pub async fn leave_many(
    group: impl Into<Atom>,
    pids: impl IntoIterator<Item = Pid>,
) -> Result<bool, PgError> {
    default_scope()?.leave_many(group, pids).await
}

/// The members of `group` in the default scope, of every node, in join order
/// (`pg:get_members/1`); see [`Scope::members`].
///
/// # Examples
///
/// See the [module](self).
pub fn members(group: &str) -> Vec<Pid> {
    read_default(|t| t.members(group))
}

/// The members of `group` in the default scope that are processes of this node
/// (`pg:get_local_members/1`).
///
/// # Examples
///
/// See [`join_many`].
pub fn local_members(group: &str) -> Vec<Pid> {
    read_default(|t| t.local_members(group))
}

/// The groups of the default scope that have members, oldest first (`pg:which_groups/0`).
///
/// # Examples
///
/// ```
/// use otp_runtime::pg;
/// use otp_runtime::dist::term::Atom;
/// use otp_runtime::prelude::*;
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let a = otp_runtime::spawn(|mut ctx: ProcessCtx<()>| async move { ctx.recv().await; ExitReason::Normal }).pid();
/// pg::join("web", a).await.unwrap();
/// assert_eq!(pg::which_groups(), [Atom::new("web")]);
/// # }
/// ```
pub fn which_groups() -> Vec<Atom> {
    read_default(|t| t.groups(false))
}

/// The groups of the default scope that have members of this node
/// (`pg:which_local_groups/0`).
///
/// # Examples
///
/// ```
/// assert!(otp_runtime::pg::which_local_groups().is_empty());
/// ```
pub fn which_local_groups() -> Vec<Atom> {
    read_default(|t| t.groups(true))
}

/// The members of `group` in the default scope, then every change to it (`pg:monitor/1`);
/// see [`Scope::monitor`].
///
/// # Errors
///
/// Those of [`default_scope`].
///
/// # Examples
///
/// See the [module](self).
pub async fn monitor(group: impl Into<Atom>) -> Result<(Vec<Pid>, GroupMonitor<Atom>), PgError> {
    default_scope()?.monitor(group).await
}

/// Every group of the default scope with its members, then every change
/// (`pg:monitor_scope/0`); see [`Scope::monitor_scope`].
///
/// # Errors
///
/// Those of [`default_scope`].
///
/// # Examples
///
/// See [`GroupMonitor::demonitor`].
pub async fn monitor_scope() -> Result<(Vec<(Atom, Vec<Pid>)>, GroupMonitor<Atom>), PgError> {
    default_scope()?.monitor_scope().await
}
