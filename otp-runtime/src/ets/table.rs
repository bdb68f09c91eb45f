//! The table handle, its shared part, its options and the operations every kind has.

use std::any::type_name;
use std::cell::Cell;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};

use super::iter::Iter;
use super::kind::{Kind, KindOf, Set};
use super::owner::HeirSlot;
use super::store::{Change, Slot, Store};
use super::{Access, Recipient, TableError};
use crate::node::{Node, NodeInner};
use crate::process::current;
use crate::{NodeId, Pid};

/// A table of keys `K` and values `V`, of kind `T` ([`Set`] unless said), owned by a
/// process (see the [module](super)).
///
/// A cheap handle (`Clone + Send + Sync`, one reference count): clones are the same table,
/// and any process or task may hold one. Whether a holder may read or write is the table's
/// [`Access`], checked at each operation against the calling process.
///
/// # Examples
///
/// ```
/// use otp_runtime::ets::Table;
/// use otp_runtime::prelude::*;
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let p = otp_runtime::spawn(|_: ProcessCtx<()>| async {
///     let t: Table<String, u64> = Table::new().unwrap();
///     t.insert("apples".into(), 3).unwrap();
///     assert_eq!(t.lookup(&"apples".into()), Ok(Some(3)));
///     assert_eq!(t.update_counter("apples".into(), 2, 0), Ok(5));
///     assert_eq!(t.len(), Ok(1));
///     ExitReason::Normal
/// });
/// assert_eq!(p.wait_exit().await, ExitReason::Normal);
/// # }
/// ```
pub struct Table<K, V, T: Kind = Set> {
    pub(crate) inner: Arc<Inner<K, V, T>>,
}

/// What every handle of a table shares.
pub(crate) struct Inner<K, V, T: Kind> {
    pub(crate) store: T::Store<K, V>,
    /// The owner's pid number (of `node`); 0 once the table is deleted. Read by every
    /// operation; written under `own`.
    owner: AtomicU64,
    pub(crate) access: Access,
    pub(crate) id: u64,
    pub(crate) node: NodeId,
    pub(crate) home: Weak<NodeInner>,
    pub(crate) name: Option<Box<str>>,
    pub(crate) own: Mutex<Own<Table<K, V, T>>>,
}

// SAFETY: `T::Store<K, V>` is one of this module's stores (`Kind` is sealed): a `Hashed` or
// `Ordered` of `K` and `One<V>` or `Many<V>`, made of `RwLock`s, `Vec`s, hash tables and
// B-trees, which are `Send` and `Sync` when `K` and `V` are. The other fields are. (The
// store's type is a bare projection so that a table's type needs no bound on its key:
// see `Kind::Store`.)
unsafe impl<K: Send + Sync, V: Send + Sync, T: Kind> Send for Inner<K, V, T> {}
// SAFETY: as for `Send`.
unsafe impl<K: Send + Sync, V: Send + Sync, T: Kind> Sync for Inner<K, V, T> {}

/// Who owns a table, and who inherits it.
pub(crate) struct Own<T> {
    /// `None` once deleted.
    pub(crate) owner: Option<Pid>,
    pub(crate) heir: Option<HeirSlot<T>>,
}

impl<K, V, T: Kind> Clone for Table<K, V, T> {
    fn clone(&self) -> Self {
        Table {
            inner: self.inner.clone(),
        }
    }
}

impl<K, V, T: Kind> PartialEq for Table<K, V, T> {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

impl<K, V, T: Kind> Eq for Table<K, V, T> {}

impl<K, V, T: Kind> fmt::Debug for Table<K, V, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Table");
        d.field("id", &self.inner.id).field("kind", &T::NAME);
        if let Some(name) = &self.inner.name {
            d.field("name", name);
        }
        d.field("access", &self.inner.access).finish()
    }
}

thread_local! {
    /// Set while a table operation runs a closure of the user's under a table's lock.
    static IN_CLOSURE: Cell<bool> = const { Cell::new(false) };
}

/// Marks the thread as running a user's closure under a table lock, until dropped (also
/// when the closure panics).
pub(crate) struct InClosure(());

impl InClosure {
    pub(crate) fn enter() -> InClosure {
        IN_CLOSURE.with(|c| c.set(true));
        InClosure(())
    }
}

impl Drop for InClosure {
    fn drop(&mut self) {
        IN_CLOSURE.with(|c| c.set(false));
    }
}

impl<K, V, T: Kind> Inner<K, V, T> {
    /// Whether the calling process may read (`write` false) or write the table: one atomic
    /// load, and for a private table or a protected one written, the caller's pid.
    #[inline]
    pub(crate) fn check(&self, write: bool) -> Result<(), TableError> {
        if IN_CLOSURE.with(Cell::get) {
            return Err(TableError::Reentrant);
        }
        let owner = self.owner.load(Ordering::Acquire);
        if owner == 0 {
            return Err(TableError::Deleted);
        }
        match self.access {
            Access::Public => Ok(()),
            Access::Protected if !write => Ok(()),
            _ => self.check_owner(owner, write),
        }
    }

    fn check_owner(&self, owner: u64, write: bool) -> Result<(), TableError> {
        let caller = current::pid();
        match caller {
            Some(p) if p.node() == self.node && p.number().get() == owner => Ok(()),
            _ => Err(TableError::Access {
                access: self.access,
                write,
                caller,
                owner: self.pid_of(owner),
            }),
        }
    }

    fn pid_of(&self, number: u64) -> Pid {
        let n = std::num::NonZeroU64::new(number).unwrap_or(std::num::NonZeroU64::MAX);
        Pid::from_number(self.node, n)
    }

    pub(crate) fn own(&self) -> MutexGuard<'_, Own<Table<K, V, T>>> {
        // Nothing panics while holding the lock.
        self.own.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records a new owner (under `own`).
    pub(crate) fn set_owner(&self, own: &mut Own<Table<K, V, T>>, owner: Option<Pid>) {
        own.owner = owner;
        let number = owner.map_or(0, |p| p.number().get());
        self.owner.store(number, Ordering::Release);
    }

    /// The node the table belongs to, while it lives.
    pub(crate) fn home(&self) -> Option<Node> {
        self.home.upgrade().map(Node)
    }
}

/// How to make a table: its access, name and heir. Made by [`Table::options`].
///
/// # Examples
///
/// ```
/// use otp_runtime::ets::{Access, Table};
/// use otp_runtime::prelude::*;
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let p = otp_runtime::spawn(|_: ProcessCtx<()>| async {
///     let t = Table::<u32, u32>::options().public().named("hits").create().unwrap();
///     assert_eq!(t.access(), Access::Public);
///     assert_eq!(Table::<u32, u32>::named("hits"), Ok(t));
///     ExitReason::Normal
/// });
/// assert_eq!(p.wait_exit().await, ExitReason::Normal);
/// # }
/// ```
#[must_use = "options make nothing until `create`"]
pub struct TableOptions<K, V, T: Kind = Set> {
    access: Access,
    name: Option<String>,
    heir: Option<HeirSlot<Table<K, V, T>>>,
}

impl<K, V, T: Kind> fmt::Debug for TableOptions<K, V, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TableOptions")
            .field("kind", &T::NAME)
            .field("access", &self.access)
            .field("name", &self.name)
            .field("heir", &self.heir.as_ref().map(|h| h.pid))
            .finish()
    }
}

impl<K, V, T> TableOptions<K, V, T>
where
    K: Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
    T: KindOf<K, V>,
{
    /// Who may use the table (protected unless said).
    ///
    /// # Examples
    ///
    /// See [`TableOptions`].
    pub fn access(mut self, access: Access) -> Self {
        self.access = access;
        self
    }

    /// [`Access::Public`]: anyone reads and writes.
    ///
    /// # Examples
    ///
    /// See [`TableOptions`].
    pub fn public(self) -> Self {
        self.access(Access::Public)
    }

    /// [`Access::Private`]: only the owner reads and writes.
    ///
    /// # Examples
    ///
    /// See [`Table::heir`].
    pub fn private(self) -> Self {
        self.access(Access::Private)
    }

    /// Names the table on its node (Erlang's `named_table`): [`Table::named`] finds it.
    ///
    /// # Examples
    ///
    /// See [`TableOptions`].
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// The process that inherits the table when its owner dies, with `data` in its
    /// [`Transfer`](super::Transfer) (Erlang's `{heir, Pid, HeirData}`); see
    /// [`Table::set_heir`].
    ///
    /// # Examples
    ///
    /// See [the module](super).
    pub fn heir<D>(mut self, heir: &Recipient<Table<K, V, T>, D>, data: D) -> Self
    where
        D: Clone + Send + Sync + 'static,
    {
        self.heir = Some(HeirSlot::new(heir, data));
        self
    }

    /// Makes the table, owned by the calling process, which must be of the table's node.
    ///
    /// # Errors
    ///
    /// [`TableError::NotInProcess`] outside a process; [`TableError::NameTaken`] if a table
    /// of the node has the name.
    ///
    /// # Examples
    ///
    /// See [`TableOptions`].
    pub fn create(self) -> Result<Table<K, V, T>, TableError> {
        let (pid, node) = current::with(|e| (e.shared().pid(), e.shared().node().clone()))
            .map_err(|_| TableError::NotInProcess)?;
        let id = node.0.next_ref();
        let inner = Arc::new(Inner {
            store: T::new_store(),
            owner: AtomicU64::new(pid.number().get()),
            access: self.access,
            id,
            node: node.id(),
            home: Arc::downgrade(&node.0),
            name: self.name.map(String::into_boxed_str),
            own: Mutex::new(Own {
                owner: Some(pid),
                heir: self.heir,
            }),
        });
        if let Some(name) = &inner.name {
            node.0
                .tables
                .insert(name, id, inner.clone(), type_name::<Table<K, V, T>>())?;
        }
        let added = current::with(|e| e.shared().add_owned_resource(id, inner.clone()));
        if !matches!(added, Ok(Ok(()))) {
            // The process is running this: it is alive. Were it not, the table goes.
            let table = Table { inner };
            table.inner.delete_now(&mut table.inner.own(), false);
            return Err(TableError::NotInProcess);
        }
        Ok(Table { inner })
    }
}

/// A snapshot of a table's properties (`ets:info/1`).
///
/// # Examples
///
/// See [`Table::info`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TableInfo {
    /// Its number on its node.
    pub id: u64,
    /// Its name, if named.
    pub name: Option<String>,
    /// Its kind, as Erlang names it (`set`, `ordered_set`, `bag`, `duplicate_bag`).
    pub kind: &'static str,
    /// Who may use it.
    pub access: Access,
    /// Its owner.
    pub owner: Pid,
    /// Its heir, if it has one.
    pub heir: Option<Pid>,
    /// How many objects it holds (a bag counts each value).
    pub size: usize,
    /// An estimate of the bytes it uses: its structure and the keys and values stored
    /// inline, not what they own on the heap (a `String`'s text).
    pub memory: usize,
}

impl<K, V, T: KindOf<K, V>> Table<K, V, T>
where
    K: Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    /// A new unnamed, protected table with no heir, owned by the calling process
    /// (`ets:new(Name, [Kind])`): `Table::options().create()`.
    ///
    /// # Errors
    ///
    /// [`TableError::NotInProcess`] outside a process.
    ///
    /// # Examples
    ///
    /// See [`Table`].
    pub fn new() -> Result<Self, TableError> {
        Self::options().create()
    }

    /// Options to make a table with (see [`TableOptions`]).
    ///
    /// # Examples
    ///
    /// See [`TableOptions`].
    pub fn options() -> TableOptions<K, V, T> {
        TableOptions {
            access: Access::Protected,
            name: None,
            heir: None,
        }
    }

    /// The table named `name` on the [current node](crate::node::Node::current)
    /// (`ets:whereis/1`), checked to have these key, value and kind types.
    ///
    /// # Errors
    ///
    /// [`TableError::NoTable`] if none has the name; [`TableError::WrongType`] if it has
    /// other types.
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::ets::{Bag, Table, TableError};
    /// use otp_runtime::prelude::*;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let p = otp_runtime::spawn(|_: ProcessCtx<()>| async {
    ///     let t = Table::<String, u64>::options().named("stock").create().unwrap();
    ///     assert_eq!(Table::<String, u64>::named("stock"), Ok(t));
    ///     assert!(matches!(Table::<String, u64, Bag>::named("stock"), Err(TableError::WrongType { .. })));
    ///     assert_eq!(Table::<String, u64>::named("nope"), Err(TableError::NoTable("nope".into())));
    ///     ExitReason::Normal
    /// });
    /// assert_eq!(p.wait_exit().await, ExitReason::Normal);
    /// # }
    /// ```
    pub fn named(name: &str) -> Result<Self, TableError> {
        crate::node::with_current(|node| Self::named_on(node, name))
    }

    /// The table named `name` on `node` (see [`Table::named`]).
    ///
    /// # Errors
    ///
    /// As [`Table::named`].
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::ets::{Table, TableError};
    /// let node = otp_runtime::node::Node::new();
    /// assert_eq!(Table::<u8, u8>::named_on(&node, "t"), Err(TableError::NoTable("t".into())));
    /// ```
    pub fn named_on(node: &Node, name: &str) -> Result<Self, TableError> {
        let inner = node
            .0
            .tables
            .get::<Inner<K, V, T>>(name, type_name::<Table<K, V, T>>())?;
        Ok(Table { inner })
    }

    /// The store, after the access check.
    #[inline]
    pub(crate) fn read(&self) -> Result<&T::St, TableError> {
        self.inner.check(false)?;
        Ok(T::store(&self.inner.store))
    }

    #[inline]
    pub(crate) fn write(&self) -> Result<&T::St, TableError> {
        self.inner.check(true)?;
        Ok(T::store(&self.inner.store))
    }

    /// Inserts `value` under `key` (`ets:insert/2`): in a set it replaces the key's value; a
    /// bag adds it unless the key holds an equal one; a duplicate bag adds it.
    ///
    /// # Errors
    ///
    /// [`TableError::Deleted`], [`TableError::Access`], [`TableError::Reentrant`].
    ///
    /// # Examples
    ///
    /// See [`Table`].
    #[inline]
    pub fn insert(&self, key: K, value: V) -> Result<(), TableError> {
        let store = self.write()?;
        store.entry(key, T::objects, |slot| T::put(slot, value));
        Ok(())
    }

    /// Inserts `value` under `key` if the key is absent (`ets:insert_new/2`); whether it
    /// did.
    ///
    /// # Errors
    ///
    /// As [`Table::insert`].
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::ets::Table;
    /// use otp_runtime::prelude::*;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let p = otp_runtime::spawn(|_: ProcessCtx<()>| async {
    ///     let t: Table<u8, &str> = Table::new().unwrap();
    ///     assert_eq!(t.insert_new(1, "first"), Ok(true));
    ///     assert_eq!(t.insert_new(1, "second"), Ok(false));
    ///     assert_eq!(t.lookup(&1), Ok(Some("first")));
    ///     ExitReason::Normal
    /// });
    /// assert_eq!(p.wait_exit().await, ExitReason::Normal);
    /// # }
    /// ```
    pub fn insert_new(&self, key: K, value: V) -> Result<bool, TableError> {
        let store = self.write()?;
        Ok(store.entry(key, T::objects, |slot| match slot {
            Some(_) => Change::Keep(false),
            None => match T::put(None, value) {
                Change::Put(s, ()) => Change::Put(s, true),
                _ => Change::Keep(false),
            },
        }))
    }

    /// Whether `key` is in the table (`ets:member/2`).
    ///
    /// # Errors
    ///
    /// [`TableError::Deleted`], [`TableError::Access`] (a private table, not its owner),
    /// [`TableError::Reentrant`].
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::ets::Table;
    /// use otp_runtime::prelude::*;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let p = otp_runtime::spawn(|_: ProcessCtx<()>| async {
    ///     let t: Table<u8, ()> = Table::new().unwrap();
    ///     t.insert(1, ()).unwrap();
    ///     assert_eq!((t.member(&1), t.member(&2)), (Ok(true), Ok(false)));
    ///     ExitReason::Normal
    /// });
    /// assert_eq!(p.wait_exit().await, ExitReason::Normal);
    /// # }
    /// ```
    #[inline]
    pub fn member(&self, key: &K) -> Result<bool, TableError> {
        Ok(self.read()?.get(key, |_| ()).is_some())
    }

    /// Removes `key` and everything it holds (`ets:delete/2`); whether it was there.
    ///
    /// # Errors
    ///
    /// As [`Table::insert`].
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::ets::Table;
    /// use otp_runtime::prelude::*;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let p = otp_runtime::spawn(|_: ProcessCtx<()>| async {
    ///     let t: Table<u8, ()> = Table::new().unwrap();
    ///     t.insert(1, ()).unwrap();
    ///     assert_eq!(t.delete(&1), Ok(true));
    ///     assert_eq!(t.delete(&1), Ok(false));
    ///     ExitReason::Normal
    /// });
    /// assert_eq!(p.wait_exit().await, ExitReason::Normal);
    /// # }
    /// ```
    #[inline]
    pub fn delete(&self, key: &K) -> Result<bool, TableError> {
        Ok(self.write()?.take(key, T::objects).is_some())
    }

    /// Removes every object (`ets:delete_all_objects/1`).
    ///
    /// # Errors
    ///
    /// As [`Table::insert`].
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::ets::Table;
    /// use otp_runtime::prelude::*;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let p = otp_runtime::spawn(|_: ProcessCtx<()>| async {
    ///     let t: Table<u8, ()> = Table::new().unwrap();
    ///     t.insert(1, ()).unwrap();
    ///     t.clear().unwrap();
    ///     assert_eq!(t.len(), Ok(0));
    ///     ExitReason::Normal
    /// });
    /// assert_eq!(p.wait_exit().await, ExitReason::Normal);
    /// # }
    /// ```
    pub fn clear(&self) -> Result<(), TableError> {
        self.write()?.clear();
        Ok(())
    }

    /// How many objects the table holds (`ets:info(T, size)`); a bag counts each value.
    /// Counted shard by shard: exact when nothing writes meanwhile.
    ///
    /// # Errors
    ///
    /// As [`Table::member`].
    ///
    /// # Examples
    ///
    /// See [`Table`].
    pub fn len(&self) -> Result<usize, TableError> {
        Ok(self.read()?.objects())
    }

    /// Whether the table holds no object.
    ///
    /// # Errors
    ///
    /// As [`Table::member`].
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::ets::Table;
    /// use otp_runtime::prelude::*;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let p = otp_runtime::spawn(|_: ProcessCtx<()>| async {
    ///     assert_eq!(Table::<u8, u8>::new().unwrap().is_empty(), Ok(true));
    ///     ExitReason::Normal
    /// });
    /// assert_eq!(p.wait_exit().await, ExitReason::Normal);
    /// # }
    /// ```
    pub fn is_empty(&self) -> Result<bool, TableError> {
        Ok(self.len()? == 0)
    }

    /// What `f` makes of each object it keeps (`ets:select/2`, with a closure for a match
    /// specification). Runs shard by shard, `f` under the shard's read lock: keep it short,
    /// and do not use a table in it ([`TableError::Reentrant`]). An ordered set is visited
    /// in key order.
    ///
    /// # Errors
    ///
    /// As [`Table::member`].
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::ets::{OrderedSet, Table};
    /// use otp_runtime::prelude::*;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let p = otp_runtime::spawn(|_: ProcessCtx<()>| async {
    ///     let t: Table<u32, &str, OrderedSet> = Table::new().unwrap();
    ///     for (k, v) in [(1, "one"), (2, "two"), (3, "three")] {
    ///         t.insert(k, v).unwrap();
    ///     }
    ///     let odd = t.select(|k, v| (k % 2 == 1).then(|| v.len()));
    ///     assert_eq!(odd, Ok(vec![3, 5]));
    ///     ExitReason::Normal
    /// });
    /// assert_eq!(p.wait_exit().await, ExitReason::Normal);
    /// # }
    /// ```
    pub fn select<R>(&self, mut f: impl FnMut(&K, &V) -> Option<R>) -> Result<Vec<R>, TableError> {
        let store = self.read()?;
        let mut out = Vec::new();
        let _in = InClosure::enter();
        store.scan(|k, slot| {
            for v in slot.values() {
                if let Some(r) = f(k, v) {
                    out.push(r);
                }
            }
        });
        Ok(out)
    }

    /// The objects for which `f` is true, cloned (`ets:match_object/2`, with a closure);
    /// as [`Table::select`].
    ///
    /// # Errors
    ///
    /// As [`Table::member`].
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::ets::{Bag, Table};
    /// use otp_runtime::prelude::*;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let p = otp_runtime::spawn(|_: ProcessCtx<()>| async {
    ///     let t: Table<&str, u32, Bag> = Table::new().unwrap();
    ///     for v in [1, 20, 3] {
    ///         t.insert("k", v).unwrap();
    ///     }
    ///     assert_eq!(t.filter(|_, v| *v < 10), Ok(vec![("k", 1), ("k", 3)]));
    ///     ExitReason::Normal
    /// });
    /// assert_eq!(p.wait_exit().await, ExitReason::Normal);
    /// # }
    /// ```
    pub fn filter(&self, mut f: impl FnMut(&K, &V) -> bool) -> Result<Vec<(K, V)>, TableError> {
        self.select(|k, v| f(k, v).then(|| (k.clone(), v.clone())))
    }

    /// How many objects `f` is true for (`ets:select_count/2`); as [`Table::select`].
    ///
    /// # Errors
    ///
    /// As [`Table::member`].
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::ets::Table;
    /// use otp_runtime::prelude::*;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let p = otp_runtime::spawn(|_: ProcessCtx<()>| async {
    ///     let t: Table<u32, u32> = Table::new().unwrap();
    ///     for k in 0..10 {
    ///         t.insert(k, k * k).unwrap();
    ///     }
    ///     assert_eq!(t.count(|_, v| *v > 10), Ok(6));
    ///     ExitReason::Normal
    /// });
    /// assert_eq!(p.wait_exit().await, ExitReason::Normal);
    /// # }
    /// ```
    pub fn count(&self, mut f: impl FnMut(&K, &V) -> bool) -> Result<usize, TableError> {
        let store = self.read()?;
        let mut n = 0;
        let _in = InClosure::enter();
        store.scan(|k, slot| n += slot.values().iter().filter(|v| f(k, v)).count());
        Ok(n)
    }

    /// Removes the objects for which `f` is true (`ets:select_delete/2`); how many. Runs
    /// shard by shard under each shard's write lock: each object is tested once, atomically
    /// with its removal.
    ///
    /// # Errors
    ///
    /// As [`Table::insert`].
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::ets::Table;
    /// use otp_runtime::prelude::*;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let p = otp_runtime::spawn(|_: ProcessCtx<()>| async {
    ///     let t: Table<u32, u32> = Table::new().unwrap();
    ///     for k in 0..10 {
    ///         t.insert(k, k).unwrap();
    ///     }
    ///     assert_eq!(t.select_delete(|k, _| k % 2 == 0), Ok(5));
    ///     assert_eq!(t.len(), Ok(5));
    ///     ExitReason::Normal
    /// });
    /// assert_eq!(p.wait_exit().await, ExitReason::Normal);
    /// # }
    /// ```
    pub fn select_delete(&self, mut f: impl FnMut(&K, &V) -> bool) -> Result<usize, TableError> {
        let store = self.write()?;
        let mut removed = 0;
        let _in = InClosure::enter();
        store.retain(T::objects, |k, slot| {
            let (keep, gone) = T::retain_values(slot, |v| !f(k, v));
            removed += gone;
            keep
        });
        Ok(removed)
    }

    /// Every object, cloned (`ets:tab2list/1`): an ordered set's in key order; as
    /// [`Table::iter`] guarantees.
    ///
    /// # Errors
    ///
    /// As [`Table::member`].
    ///
    /// # Examples
    ///
    /// See [`OrderedSet`](super::OrderedSet).
    pub fn to_vec(&self) -> Result<Vec<(K, V)>, TableError> {
        Ok(self.iter()?.collect())
    }

    /// Iterates over the objects, cloned a chunk at a time (a shard of a hash-based table,
    /// 64 keys of an ordered set), without holding a lock between chunks: writers go on
    /// meanwhile, and the iteration tolerates them (Erlang's `safe_fixtable` traversal).
    ///
    /// What it guarantees: an object in the table for the whole iteration is yielded
    /// exactly once; one inserted or removed meanwhile is yielded at most once; a key of a
    /// set is never yielded twice, whatever writes happen; an ordered set's keys come in
    /// increasing order. The order of a hash-based table is the same in every run for the
    /// same operations (fixed hash seed). A table deleted meanwhile ends the iteration.
    ///
    /// # Errors
    ///
    /// As [`Table::member`] (checked when the iteration starts).
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::ets::Table;
    /// use otp_runtime::prelude::*;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let p = otp_runtime::spawn(|_: ProcessCtx<()>| async {
    ///     let t: Table<u32, u32> = Table::new().unwrap();
    ///     for k in 0..100 {
    ///         t.insert(k, k).unwrap();
    ///     }
    ///     let mut seen = 0;
    ///     for (k, _) in t.iter().unwrap() {
    ///         t.delete(&(k + 1)).unwrap(); // writes while iterating: allowed
    ///         seen += 1;
    ///     }
    ///     assert!(seen >= 50 && seen <= 100);
    ///     ExitReason::Normal
    /// });
    /// assert_eq!(p.wait_exit().await, ExitReason::Normal);
    /// # }
    /// ```
    pub fn iter(&self) -> Result<Iter<K, V, T>, TableError> {
        self.inner.check(false)?;
        Ok(Iter::new(self.clone()))
    }

    /// The table's properties now (`ets:info/1`).
    ///
    /// # Errors
    ///
    /// [`TableError::Deleted`], [`TableError::Reentrant`] (any process may ask, as in
    /// Erlang, whatever the access).
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::ets::{Access, Table};
    /// use otp_runtime::prelude::*;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let p = otp_runtime::spawn(|ctx: ProcessCtx<()>| async move {
    ///     let t: Table<u64, u64> = Table::options().named("squares").create().unwrap();
    ///     for k in 0..100 {
    ///         t.insert(k, k * k).unwrap();
    ///     }
    ///     let info = t.info().unwrap();
    ///     assert_eq!(info.owner, ctx.pid());
    ///     assert_eq!((info.size, info.kind, info.access), (100, "set", Access::Protected));
    ///     assert_eq!(info.name.as_deref(), Some("squares"));
    ///     assert!(info.memory >= 100 * 16);
    ///     ExitReason::Normal
    /// });
    /// assert_eq!(p.wait_exit().await, ExitReason::Normal);
    /// # }
    /// ```
    pub fn info(&self) -> Result<TableInfo, TableError> {
        if IN_CLOSURE.with(Cell::get) {
            return Err(TableError::Reentrant);
        }
        let (owner, heir) = {
            let own = self.inner.own();
            (
                own.owner.ok_or(TableError::Deleted)?,
                own.heir.as_ref().map(|h| h.pid),
            )
        };
        let store = T::store(&self.inner.store);
        Ok(TableInfo {
            id: self.inner.id,
            name: self.inner.name.as_deref().map(str::to_owned),
            kind: T::NAME,
            access: self.inner.access,
            owner,
            heir,
            size: store.objects(),
            memory: store.memory(std::mem::size_of::<V>()),
        })
    }

    /// Its name, if named.
    ///
    /// # Examples
    ///
    /// See [`TableOptions`].
    pub fn name(&self) -> Option<&str> {
        self.inner.name.as_deref()
    }

    /// Who may use it.
    ///
    /// # Examples
    ///
    /// See [`TableOptions`].
    pub fn access(&self) -> Access {
        self.inner.access
    }

    /// Its owner now; `None` once deleted.
    ///
    /// # Examples
    ///
    /// See [`Table::give_away`].
    pub fn owner(&self) -> Option<Pid> {
        self.inner.own().owner
    }

    /// Whether it was deleted.
    ///
    /// # Examples
    ///
    /// See [`Table::delete_table`].
    pub fn is_deleted(&self) -> bool {
        self.inner.owner.load(Ordering::Acquire) == 0
    }
}
