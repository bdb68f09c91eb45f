//! The four kinds of table, as types: a table's kind is part of its type, so that a set's
//! `lookup` gives an `Option` and a bag's a `Vec`, and a counter can only be updated in a
//! table whose keys hold one value.

use std::hash::Hash;

use super::store::{Change, Hashed, Many, One, Ordered, Slot, Store};

mod sealed {
    pub trait Sealed {}
}

/// A kind of table: [`Set`], [`OrderedSet`], [`Bag`] or [`DuplicateBag`] (sealed).
///
/// A program names kinds only as `Table`'s third parameter.
///
/// # Examples
///
/// ```
/// use otp_runtime::ets::{Bag, Kind, Set};
/// assert_eq!(Set::NAME, "set");
/// assert_eq!(Bag::NAME, "bag");
/// ```
pub trait Kind: sealed::Sealed + Sized + Send + Sync + 'static {
    /// Erlang's name for the kind (`set`, `ordered_set`, `bag`, `duplicate_bag`).
    const NAME: &'static str;
    /// Where a table of this kind keeps its objects. Without bounds, so that a table's type
    /// is well-formed for any key type and lifetime (a future holding a
    /// `Table<&'static str, _>` across an await stays `Send`); [`KindOf`] says what it is.
    #[doc(hidden)]
    type Store<K, V>;
}

/// What a [`Kind`] does with keys `K` and values `V`: the runtime's, not for programs.
#[doc(hidden)]
pub trait KindOf<K, V>: Kind {
    type Slot: Slot<V> + Clone;
    type St: Store<K, Self::Slot>;
    /// The store, as what it is (an identity).
    fn store(s: &Self::Store<K, V>) -> &Self::St;
    fn new_store() -> Self::Store<K, V>;
    /// How `insert` puts `value` in a key's slot.
    #[doc(hidden)]
    fn put(slot: Option<&mut Self::Slot>, value: V) -> Change<Self::Slot, ()>;
    /// The objects of a slot.
    #[doc(hidden)]
    fn objects(slot: &Self::Slot) -> usize;
    /// Keeps the values of a slot for which `keep` is true: whether the key stays, and how
    /// many values went.
    #[doc(hidden)]
    fn retain_values(slot: &mut Self::Slot, keep: impl FnMut(&V) -> bool) -> (bool, usize);
}

/// A table with one value per key, in no particular order (Erlang's `set`): a hash table.
///
/// The order of iteration does not depend on a random seed: the same operations in the same
/// order iterate in the same order, in every run.
///
/// # Examples
///
/// ```
/// use otp_runtime::ets::{Set, Table};
/// use otp_runtime::prelude::*;
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let p = otp_runtime::spawn(|_: ProcessCtx<()>| async {
///     let t: Table<&str, u32, Set> = Table::new().unwrap();
///     t.insert("a", 1).unwrap();
///     t.insert("a", 2).unwrap(); // replaces
///     assert_eq!(t.lookup(&"a"), Ok(Some(2)));
///     ExitReason::Normal
/// });
/// assert_eq!(p.wait_exit().await, ExitReason::Normal);
/// # }
/// ```
#[derive(Debug, Clone, Copy)]
pub enum Set {}

/// A table with one value per key, ordered by key (Erlang's `ordered_set`): a B-tree, with
/// [`first`](super::Table::first), [`next`](super::Table::next),
/// [`range`](super::Table::range) and the others.
///
/// # Examples
///
/// ```
/// use otp_runtime::ets::{OrderedSet, Table};
/// use otp_runtime::prelude::*;
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let p = otp_runtime::spawn(|_: ProcessCtx<()>| async {
///     let t: Table<u32, &str, OrderedSet> = Table::new().unwrap();
///     for (k, v) in [(3, "c"), (1, "a"), (2, "b")] {
///         t.insert(k, v).unwrap();
///     }
///     assert_eq!(t.first(), Ok(Some(1)));
///     assert_eq!(t.next(&1), Ok(Some(2)));
///     assert_eq!(t.to_vec(), Ok(vec![(1, "a"), (2, "b"), (3, "c")]));
///     ExitReason::Normal
/// });
/// assert_eq!(p.wait_exit().await, ExitReason::Normal);
/// # }
/// ```
#[derive(Debug, Clone, Copy)]
pub enum OrderedSet {}

/// A table whose keys hold several values, each at most once (Erlang's `bag`): inserting an
/// object equal to one the key holds does nothing.
///
/// # Examples
///
/// ```
/// use otp_runtime::ets::{Bag, Table};
/// use otp_runtime::prelude::*;
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let p = otp_runtime::spawn(|_: ProcessCtx<()>| async {
///     let t: Table<&str, u32, Bag> = Table::new().unwrap();
///     for v in [1, 2, 1] {
///         t.insert("k", v).unwrap();
///     }
///     assert_eq!(t.lookup(&"k"), Ok(vec![1, 2]));
///     ExitReason::Normal
/// });
/// assert_eq!(p.wait_exit().await, ExitReason::Normal);
/// # }
/// ```
#[derive(Debug, Clone, Copy)]
pub enum Bag {}

/// A table whose keys hold several values, duplicates kept (Erlang's `duplicate_bag`).
///
/// # Examples
///
/// ```
/// use otp_runtime::ets::{DuplicateBag, Table};
/// use otp_runtime::prelude::*;
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let p = otp_runtime::spawn(|_: ProcessCtx<()>| async {
///     let t: Table<&str, u32, DuplicateBag> = Table::new().unwrap();
///     for v in [1, 2, 1] {
///         t.insert("k", v).unwrap();
///     }
///     assert_eq!(t.lookup(&"k"), Ok(vec![1, 2, 1]));
///     ExitReason::Normal
/// });
/// assert_eq!(p.wait_exit().await, ExitReason::Normal);
/// # }
/// ```
#[derive(Debug, Clone, Copy)]
pub enum DuplicateBag {}

impl sealed::Sealed for Set {}
impl sealed::Sealed for OrderedSet {}
impl sealed::Sealed for Bag {}
impl sealed::Sealed for DuplicateBag {}

impl Kind for Set {
    const NAME: &'static str = "set";
    type Store<K, V> = Hashed<K, One<V>>;
}

impl<K, V> KindOf<K, V> for Set
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    type Slot = One<V>;
    type St = Hashed<K, One<V>>;
    #[inline]
    fn store(s: &Self::Store<K, V>) -> &Self::St {
        s
    }
    fn new_store() -> Self::Store<K, V> {
        Store::new()
    }
    #[inline]
    fn put(slot: Option<&mut One<V>>, value: V) -> Change<One<V>, ()> {
        put_one(slot, value)
    }
    #[inline]
    fn objects(_: &One<V>) -> usize {
        1
    }
    fn retain_values(slot: &mut One<V>, mut keep: impl FnMut(&V) -> bool) -> (bool, usize) {
        let kept = keep(&slot.0);
        (kept, usize::from(!kept))
    }
}

impl Kind for OrderedSet {
    const NAME: &'static str = "ordered_set";
    type Store<K, V> = Ordered<K, One<V>>;
}

impl<K, V> KindOf<K, V> for OrderedSet
where
    K: Ord + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    type Slot = One<V>;
    type St = Ordered<K, One<V>>;
    #[inline]
    fn store(s: &Self::Store<K, V>) -> &Self::St {
        s
    }
    fn new_store() -> Self::Store<K, V> {
        Store::new()
    }
    #[inline]
    fn put(slot: Option<&mut One<V>>, value: V) -> Change<One<V>, ()> {
        put_one(slot, value)
    }
    #[inline]
    fn objects(_: &One<V>) -> usize {
        1
    }
    fn retain_values(slot: &mut One<V>, mut keep: impl FnMut(&V) -> bool) -> (bool, usize) {
        let kept = keep(&slot.0);
        (kept, usize::from(!kept))
    }
}

impl Kind for Bag {
    const NAME: &'static str = "bag";
    type Store<K, V> = Hashed<K, Many<V>>;
}

impl<K, V> KindOf<K, V> for Bag
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: PartialEq + Clone + Send + Sync + 'static,
{
    type Slot = Many<V>;
    type St = Hashed<K, Many<V>>;
    #[inline]
    fn store(s: &Self::Store<K, V>) -> &Self::St {
        s
    }
    fn new_store() -> Self::Store<K, V> {
        Store::new()
    }
    fn put(slot: Option<&mut Many<V>>, value: V) -> Change<Many<V>, ()> {
        match slot {
            Some(many) => {
                if !many.0.contains(&value) {
                    many.0.push(value);
                }
                Change::Keep(())
            }
            None => Change::Put(Many(vec![value]), ()),
        }
    }
    #[inline]
    fn objects(slot: &Many<V>) -> usize {
        slot.0.len()
    }
    fn retain_values(slot: &mut Many<V>, keep: impl FnMut(&V) -> bool) -> (bool, usize) {
        retain_many(slot, keep)
    }
}

impl Kind for DuplicateBag {
    const NAME: &'static str = "duplicate_bag";
    type Store<K, V> = Hashed<K, Many<V>>;
}

impl<K, V> KindOf<K, V> for DuplicateBag
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    type Slot = Many<V>;
    type St = Hashed<K, Many<V>>;
    #[inline]
    fn store(s: &Self::Store<K, V>) -> &Self::St {
        s
    }
    fn new_store() -> Self::Store<K, V> {
        Store::new()
    }
    fn put(slot: Option<&mut Many<V>>, value: V) -> Change<Many<V>, ()> {
        match slot {
            Some(many) => {
                many.0.push(value);
                Change::Keep(())
            }
            None => Change::Put(Many(vec![value]), ()),
        }
    }
    #[inline]
    fn objects(slot: &Many<V>) -> usize {
        slot.0.len()
    }
    fn retain_values(slot: &mut Many<V>, keep: impl FnMut(&V) -> bool) -> (bool, usize) {
        retain_many(slot, keep)
    }
}

#[inline]
fn put_one<V>(slot: Option<&mut One<V>>, value: V) -> Change<One<V>, ()> {
    match slot {
        Some(one) => {
            one.0 = value;
            Change::Keep(())
        }
        None => Change::Put(One(value), ()),
    }
}

fn retain_many<V>(slot: &mut Many<V>, keep: impl FnMut(&V) -> bool) -> (bool, usize) {
    let before = slot.0.len();
    slot.0.retain(keep);
    (!slot.0.is_empty(), before - slot.0.len())
}
