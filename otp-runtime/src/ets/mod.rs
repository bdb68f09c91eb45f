//! Tables: shared state owned by a process, read by any without a round trip (Erlang's
//! ETS, "a Redis inside your program").
//!
//! A [`Table`] holds keys and values that any process, task or thread with its handle reads
//! concurrently and in place: a lookup is a hash and a read lock, not a message to a
//! server and its reply (about 40× faster than a `gen_server` call holding a `HashMap`,
//! see the `ets` benchmark). Like every other resource here, a table belongs to a
//! **process**:
//!
//! - the process that [creates](Table::new) it owns it; the table is **deleted when its
//!   owner dies**, unless the owner named an **heir**, which then receives the table in a
//!   [`Transfer`] message (Erlang's `{'ETS-TRANSFER', Tab, FromPid, HeirData}`), and owns
//!   it from then on;
//! - the owner may [give it away](Table::give_away) to another process, which receives the
//!   same message;
//! - its [`Access`] says who may use it: `Private` (only the owner), `Protected` (the owner
//!   writes, anyone reads; the default) or `Public` (anyone). It is checked at each
//!   operation against the calling process, and a refusal is a typed [`TableError`];
//! - a table may be [named](TableOptions::named) on its [node](crate::node): each node has
//!   its own names, and [`Table::named`] checks the types of what it finds.
//!
//! ```text
//!   worker <0.5.0> ── owns ──▶ Table "sessions" ◀── reads ── any process, any task
//!        │ dies                     │
//!        ▼                          ▼ {'ETS-TRANSFER'}: Transfer { table, from, data, cause }
//!   heir <0.3.0> ── owns it now, gives it back to the restarted worker (give_away)
//! ```
//!
//! # Kinds
//!
//! The kind is a type parameter, so each gets the operations that fit it: [`Set`] (a value
//! per key, hashed), [`OrderedSet`] (a value per key, in key order, with
//! [`first`](Table::first), [`next`](Table::next), [`prev`](Table::prev),
//! [`range`](Table::range)), [`Bag`] (several values per key, each once) and
//! [`DuplicateBag`] (several, duplicates kept). A set's `lookup` gives an `Option<V>`, a
//! bag's a `Vec<V>`; [`update_counter`](Table::update_counter) and the atomic
//! [`update`](Table::update) exist for the kinds with one value per key.
//!
//! # Values are cloned out
//!
//! Lookups return clones of the values (Erlang copies too): the table never lends a
//! reference that would hold its lock. For large values, store an `Arc<T>` (a clone is a
//! reference count), or read in place with `lookup_with`. Keys and values need
//! `Clone + Send + Sync + 'static`.
//!
//! # Concurrency and what is atomic
//!
//! Every operation on one key is atomic: `insert`, `insert_new`, `take`, `delete`,
//! `update_counter` and [`update`](Table::update) (a closure that sees the value and
//! decides, with no write between). [`select`](Table::select), [`filter`](Table::filter),
//! [`count`](Table::count) and [`select_delete`](Table::select_delete) run a closure over
//! the table a shard at a time, and [`iter`](Table::iter) tolerates writes as it goes
//! (it says what it guarantees). A closure run by a table operation holds a lock: using a
//! table inside it is refused ([`TableError::Reentrant`]) rather than left to deadlock.
//!
//! # How it is built, and why
//!
//! A set or bag is a hash table in 16 shards, each a `hashbrown` table behind its own
//! `std` reader-writer lock, hashed once with `foldhash` under a **fixed seed**: iteration
//! order depends only on the operations done, never on a seed drawn at start, so a
//! deterministic simulation replays it (the shard count is fixed too, not the core count).
//! An ordered set is a `BTreeMap` behind one reader-writer lock. Measured against the
//! alternatives on this crate's workloads (98% reads, 1% inserts, 1% deletes; counter
//! updates; 1 and 16 tasks; 2 cores): the sharded `hashbrown` tables were the fastest or
//! within noise of it (`dashmap` 1.0-1.5× their time, `scc` 1.5-3×, `papaya` 1.3-25× on
//! counters, which allocate per update), with no new dependency but `foldhash` (hashbrown
//! is in the tree already), fixed iteration order under our control, and the per-key
//! atomic update `update_counter` needs. For the ordered kind, `crossbeam-skiplist` was
//! 1.1-2× slower than the locked `BTreeMap` here, and has no atomic update in place.
//!
//! # Examples
//!
//! A cache that outlives the crash of its worker: the worker owns it, a keeper is its heir.
//!
//! ```
//! use otp_runtime::ets::{Recipient, Table, Transfer, TransferCause};
//! use otp_runtime::prelude::*;
//!
//! type Cache = Table<String, u64>;
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! // The keeper receives the table when its owner dies.
//! let keeper = otp_runtime::spawn(|mut ctx: ProcessCtx<Transfer<Cache>>| async move {
//!     let Message::Msg(t) = ctx.recv().await else { unreachable!() };
//!     assert!(matches!(t.cause, TransferCause::OwnerExited(ExitReason::Panic(_))));
//!     assert_eq!(t.table.owner(), Some(ctx.pid()));
//!     assert_eq!(t.table.lookup(&"answer".to_string()), Ok(Some(42)));
//!     ExitReason::Normal
//! });
//! let heir = Recipient::process(&keeper, |t| t);
//! let worker = otp_runtime::spawn(move |_: ProcessCtx<()>| async move {
//!     let cache = Cache::options().named("cache").heir(&heir, ()).create().unwrap();
//!     cache.insert("answer".into(), 42).unwrap();
//!     panic!("the worker crashes");
//! });
//! assert!(matches!(worker.wait_exit().await, ExitReason::Panic(_)));
//! assert_eq!(keeper.wait_exit().await, ExitReason::Normal);
//! // The keeper is gone too, and named no heir: the table went with it.
//! assert!(Cache::named("cache").is_err());
//! # }
//! ```
//!
//! With a gen_server as the heir, the transfer arrives as an info message: give
//! [`Recipient::server`] the variant of an `#[info]` handler that takes a `Transfer`. The
//! book's chapter "Shared state" builds a rate limiter that way.

mod error;
mod iter;
mod kind;
pub(crate) mod named;
mod ops;
mod owner;
mod store;
mod table;

pub use self::error::{Access, TableError};
pub use self::iter::Iter;
#[doc(hidden)]
pub use self::kind::KindOf;
pub use self::kind::{Bag, DuplicateBag, Kind, OrderedSet, Set};
pub use self::ops::Counter;
pub use self::owner::{Recipient, Transfer, TransferCause};
#[doc(hidden)]
pub use self::store::{Change, Hashed, Many, One, Ordered, Slot, Store};
pub use self::table::{Table, TableInfo, TableOptions};

/// The names of the tables of `node`, in order (`ets:all/0` for named tables).
///
/// # Examples
///
/// ```
/// use otp_runtime::ets::{self, Table};
/// use otp_runtime::prelude::*;
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let node = Node::new();
/// let p = node.spawn(|mut ctx: ProcessCtx<()>| async move {
///     let _b = Table::<u8, u8>::options().named("b").create().unwrap();
///     let _a = Table::<u8, u8>::options().named("a").create().unwrap();
///     ctx.recv().await;
///     ExitReason::Normal
/// });
/// tokio::task::yield_now().await;
/// assert_eq!(ets::named_tables(&node), vec!["a".to_string(), "b".to_string()]);
/// # drop(p);
/// # }
/// ```
pub fn named_tables(node: &crate::node::Node) -> Vec<String> {
    node.0.tables.names()
}
