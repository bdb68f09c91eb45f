//! The operations that depend on the kind: one value per key (sets), several (bags), and
//! key order (ordered sets).

use std::hash::Hash;
use std::ops::{Bound, RangeBounds};

use super::kind::{Bag, DuplicateBag, OrderedSet, Set};
use super::store::{Change, Many, One, Store};
use super::table::{InClosure, Table};
use super::TableError;

/// A value [`Table::update_counter`] can add to: the integer types up to 64 bits.
///
/// # Examples
///
/// ```
/// use otp_runtime::ets::Counter;
/// assert_eq!(5u8.add(-2), Some(3));
/// assert_eq!(5u8.add(-6), None);
/// assert_eq!(i64::MAX.add(1), None);
/// ```
pub trait Counter: Copy + Send + Sync + 'static {
    /// `self + incr`, or `None` if it does not fit the type.
    fn add(self, incr: i64) -> Option<Self>;
}

macro_rules! counter {
    ($($t:ty)*) => {$(
        impl Counter for $t {
            #[inline]
            fn add(self, incr: i64) -> Option<Self> {
                <$t>::try_from(self as i128 + incr as i128).ok()
            }
        }
    )*};
}

counter!(i8 i16 i32 i64 isize u8 u16 u32 u64 usize);

/// The operations of a kind with one value per key.
macro_rules! one_per_key {
    ($kind:ident, [$($kb:tt)*]) => {
impl<K, V> Table<K, V, $kind>
where
    K: $($kb)* + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    /// The value of `key`, cloned (`ets:lookup/2`). Store an `Arc` as the value to share
    /// large values instead of copying them, or read in place with
    /// [`lookup_with`](Self::lookup_with).
    ///
    /// # Errors
    ///
    /// [`TableError::Deleted`], [`TableError::Access`] (a private table, not its owner),
    /// [`TableError::Reentrant`].
    ///
    /// # Examples
    ///
    #[doc = concat!("See [`", stringify!($kind), "`](super::", stringify!($kind), ").")]
    #[inline]
    pub fn lookup(&self, key: &K) -> Result<Option<V>, TableError> {
        Ok(self.read()?.get(key, |s| s.0.clone()))
    }

    /// What `f` makes of the value of `key`, read in place under the key's read lock (no
    /// clone); `f` must not use a table ([`TableError::Reentrant`]).
    ///
    /// # Errors
    ///
    /// As [`lookup`](Self::lookup).
    ///
    /// # Examples
    ///
    /// ```
    #[doc = concat!("use otp_runtime::ets::{", stringify!($kind), ", Table};")]
    /// use otp_runtime::prelude::*;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let p = otp_runtime::spawn(|_: ProcessCtx<()>| async {
    #[doc = concat!("    let t: Table<u8, String, ", stringify!($kind), "> = Table::new().unwrap();")]
    ///     t.insert(1, "a long text".into()).unwrap();
    ///     assert_eq!(t.lookup_with(&1, |s| s.len()), Ok(Some(11)));
    ///     ExitReason::Normal
    /// });
    /// assert_eq!(p.wait_exit().await, ExitReason::Normal);
    /// # }
    /// ```
    #[inline]
    pub fn lookup_with<R>(&self, key: &K, f: impl FnOnce(&V) -> R) -> Result<Option<R>, TableError> {
        let store = self.read()?;
        let _in = InClosure::enter();
        Ok(store.get(key, |s| f(&s.0)))
    }

    /// Removes `key` and returns its value (`ets:take/2`).
    ///
    /// # Errors
    ///
    /// [`TableError::Deleted`], [`TableError::Access`], [`TableError::Reentrant`].
    ///
    /// # Examples
    ///
    /// ```
    #[doc = concat!("use otp_runtime::ets::{", stringify!($kind), ", Table};")]
    /// use otp_runtime::prelude::*;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let p = otp_runtime::spawn(|_: ProcessCtx<()>| async {
    #[doc = concat!("    let t: Table<u8, u8, ", stringify!($kind), "> = Table::new().unwrap();")]
    ///     t.insert(1, 10).unwrap();
    ///     assert_eq!(t.take(&1), Ok(Some(10)));
    ///     assert_eq!(t.take(&1), Ok(None));
    ///     ExitReason::Normal
    /// });
    /// assert_eq!(p.wait_exit().await, ExitReason::Normal);
    /// # }
    /// ```
    pub fn take(&self, key: &K) -> Result<Option<V>, TableError> {
        Ok(self.write()?.take(key, |_| 1).map(|s| s.0))
    }

    /// Updates `key` atomically with `f`, which sees its value (`None` if absent) and may
    /// change it, set it or remove it (set `None`); no other write to the key comes between
    /// the read and the write. Returns what `f` returns. `f` works on a copy: if it panics,
    /// the table is unchanged. It runs under the key's write lock: keep it short, and do not
    /// use a table in it ([`TableError::Reentrant`]).
    ///
    /// # Errors
    ///
    /// [`TableError::Deleted`], [`TableError::Access`], [`TableError::Reentrant`].
    ///
    /// # Examples
    ///
    /// ```
    #[doc = concat!("use otp_runtime::ets::{", stringify!($kind), ", Table};")]
    /// use otp_runtime::prelude::*;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let p = otp_runtime::spawn(|_: ProcessCtx<()>| async {
    #[doc = concat!("    let t: Table<&str, Vec<u32>, ", stringify!($kind), "> = Table::new().unwrap();")]
    ///     let push = |n| t.update("log", |v| v.get_or_insert_with(Vec::new).push(n));
    ///     push(1).unwrap();
    ///     push(2).unwrap();
    ///     assert_eq!(t.lookup(&"log"), Ok(Some(vec![1, 2])));
    ///     // Remove it, returning what it held.
    ///     assert_eq!(t.update("log", |v| v.take()), Ok(Some(vec![1, 2])));
    ///     assert_eq!(t.member(&"log"), Ok(false));
    ///     ExitReason::Normal
    /// });
    /// assert_eq!(p.wait_exit().await, ExitReason::Normal);
    /// # }
    /// ```
    pub fn update<R>(&self, key: K, f: impl FnOnce(&mut Option<V>) -> R) -> Result<R, TableError> {
        let store = self.write()?;
        let _in = InClosure::enter();
        Ok(store.entry(key, |_| 1, |slot| {
            let mut value = slot.as_ref().map(|s| s.0.clone());
            let r = f(&mut value);
            match (slot, value) {
                (Some(s), Some(v)) => {
                    s.0 = v;
                    Change::Keep(r)
                }
                (Some(_), None) => Change::Remove(r),
                (None, Some(v)) => Change::Put(One(v), r),
                (None, None) => Change::Keep(r),
            }
        }))
    }

    /// Adds `incr` to the value of `key` atomically and returns the result
    /// (`ets:update_counter/4`); an absent key starts at `default`. Sixteen processes
    /// counting at once lose no increment.
    ///
    /// # Errors
    ///
    /// [`TableError::CounterOverflow`] if the result does not fit `V` (the value is
    /// unchanged); [`TableError::Deleted`], [`TableError::Access`],
    /// [`TableError::Reentrant`].
    ///
    /// # Examples
    ///
    /// ```
    #[doc = concat!("use otp_runtime::ets::{", stringify!($kind), ", Table, TableError};")]
    /// use otp_runtime::prelude::*;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let p = otp_runtime::spawn(|_: ProcessCtx<()>| async {
    #[doc = concat!("    let t: Table<&str, u8, ", stringify!($kind), "> = Table::new().unwrap();")]
    ///     assert_eq!(t.update_counter("hits", 1, 0), Ok(1));
    ///     assert_eq!(t.update_counter("hits", 10, 0), Ok(11));
    ///     assert_eq!(t.update_counter("hits", -20, 0), Err(TableError::CounterOverflow));
    ///     assert_eq!(t.lookup(&"hits"), Ok(Some(11)));
    ///     ExitReason::Normal
    /// });
    /// assert_eq!(p.wait_exit().await, ExitReason::Normal);
    /// # }
    /// ```
    #[inline]
    pub fn update_counter(&self, key: K, incr: i64, default: V) -> Result<V, TableError>
    where
        V: super::Counter,
    {
        let store = self.write()?;
        store.entry(key, |_| 1, |slot| match slot {
            Some(s) => match s.0.add(incr) {
                Some(n) => {
                    s.0 = n;
                    Change::Keep(Ok(n))
                }
                None => Change::Keep(Err(TableError::CounterOverflow)),
            },
            None => match default.add(incr) {
                Some(n) => Change::Put(One(n), Ok(n)),
                None => Change::Keep(Err(TableError::CounterOverflow)),
            },
        })
    }
}
    };
}

one_per_key!(Set, [Hash + Eq]);
one_per_key!(OrderedSet, [Ord]);

/// The operations of a kind with several values per key.
macro_rules! many_per_key {
    ($kind:ident, [$($vb:tt)*]) => {
impl<K, V> Table<K, V, $kind>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: $($vb)* Clone + Send + Sync + 'static,
{
    /// The values of `key`, cloned, in the order they were inserted (`ets:lookup/2`);
    /// empty if absent.
    ///
    /// # Errors
    ///
    /// [`TableError::Deleted`], [`TableError::Access`] (a private table, not its owner),
    /// [`TableError::Reentrant`].
    ///
    /// # Examples
    ///
    #[doc = concat!("See [`", stringify!($kind), "`](super::", stringify!($kind), ").")]
    #[inline]
    pub fn lookup(&self, key: &K) -> Result<Vec<V>, TableError> {
        Ok(self.read()?.get(key, |s| s.0.clone()).unwrap_or_default())
    }

    /// What `f` makes of the values of `key` (empty if absent), read in place under the
    /// key's read lock; `f` must not use a table ([`TableError::Reentrant`]).
    ///
    /// # Errors
    ///
    /// As [`lookup`](Self::lookup).
    ///
    /// # Examples
    ///
    /// ```
    #[doc = concat!("use otp_runtime::ets::{", stringify!($kind), ", Table};")]
    /// use otp_runtime::prelude::*;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let p = otp_runtime::spawn(|_: ProcessCtx<()>| async {
    #[doc = concat!("    let t: Table<u8, u32, ", stringify!($kind), "> = Table::new().unwrap();")]
    ///     t.insert(1, 5).unwrap();
    ///     t.insert(1, 7).unwrap();
    ///     assert_eq!(t.lookup_with(&1, |vs| vs.iter().sum::<u32>()), Ok(12));
    ///     ExitReason::Normal
    /// });
    /// assert_eq!(p.wait_exit().await, ExitReason::Normal);
    /// # }
    /// ```
    pub fn lookup_with<R>(&self, key: &K, f: impl FnOnce(&[V]) -> R) -> Result<R, TableError> {
        let store = self.read()?;
        let _in = InClosure::enter();
        let mut f = Some(f);
        let found = store.get(key, |s| (f.take().expect("called once"))(&s.0));
        Ok(match found {
            Some(r) => r,
            None => (f.take().expect("not called"))(&[]),
        })
    }

    /// Removes `key` and returns its values (`ets:take/2`).
    ///
    /// # Errors
    ///
    /// [`TableError::Deleted`], [`TableError::Access`], [`TableError::Reentrant`].
    ///
    /// # Examples
    ///
    /// ```
    #[doc = concat!("use otp_runtime::ets::{", stringify!($kind), ", Table};")]
    /// use otp_runtime::prelude::*;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let p = otp_runtime::spawn(|_: ProcessCtx<()>| async {
    #[doc = concat!("    let t: Table<u8, u8, ", stringify!($kind), "> = Table::new().unwrap();")]
    ///     t.insert(1, 10).unwrap();
    ///     t.insert(1, 11).unwrap();
    ///     assert_eq!(t.take(&1), Ok(vec![10, 11]));
    ///     assert_eq!(t.take(&1), Ok(vec![]));
    ///     ExitReason::Normal
    /// });
    /// assert_eq!(p.wait_exit().await, ExitReason::Normal);
    /// # }
    /// ```
    pub fn take(&self, key: &K) -> Result<Vec<V>, TableError> {
        Ok(self.write()?.take(key, |s: &Many<V>| s.0.len()).map(|s| s.0).unwrap_or_default())
    }

    /// Removes the object (`key`, `value`): every copy of it in a duplicate bag
    /// (`ets:delete_object/2`); how many went.
    ///
    /// # Errors
    ///
    /// [`TableError::Deleted`], [`TableError::Access`], [`TableError::Reentrant`].
    ///
    /// # Examples
    ///
    /// ```
    #[doc = concat!("use otp_runtime::ets::{", stringify!($kind), ", Table};")]
    /// use otp_runtime::prelude::*;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let p = otp_runtime::spawn(|_: ProcessCtx<()>| async {
    #[doc = concat!("    let t: Table<u8, u8, ", stringify!($kind), "> = Table::new().unwrap();")]
    ///     t.insert(1, 10).unwrap();
    ///     t.insert(1, 11).unwrap();
    ///     assert_eq!(t.delete_object(1, &10), Ok(1));
    ///     assert_eq!(t.lookup(&1), Ok(vec![11]));
    ///     ExitReason::Normal
    /// });
    /// assert_eq!(p.wait_exit().await, ExitReason::Normal);
    /// # }
    /// ```
    pub fn delete_object(&self, key: K, value: &V) -> Result<usize, TableError>
    where
        V: PartialEq,
    {
        let store = self.write()?;
        Ok(store.entry(key, |s: &Many<V>| s.0.len(), |slot| match slot {
            Some(s) => {
                let before = s.0.len();
                s.0.retain(|v| v != value);
                let gone = before - s.0.len();
                if s.0.is_empty() {
                    Change::Remove(gone)
                } else {
                    Change::Keep(gone)
                }
            }
            None => Change::Keep(0),
        }))
    }
}
    };
}

many_per_key!(Bag, [PartialEq+]);
many_per_key!(DuplicateBag, []);

impl<K, V> Table<K, V, OrderedSet>
where
    K: Ord + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    fn ordered<R>(
        &self,
        f: impl FnOnce(&std::collections::BTreeMap<K, One<V>>) -> R,
    ) -> Result<R, TableError> {
        Ok(self.read()?.with(f))
    }

    /// The smallest key (`ets:first/1`).
    ///
    /// # Errors
    ///
    /// As [`lookup`](Self::lookup).
    ///
    /// # Examples
    ///
    /// See [`OrderedSet`].
    pub fn first(&self) -> Result<Option<K>, TableError> {
        self.ordered(|m| m.keys().next().cloned())
    }

    /// The largest key (`ets:last/1`).
    ///
    /// # Errors
    ///
    /// As [`lookup`](Self::lookup).
    ///
    /// # Examples
    ///
    /// See [`Table::prev`].
    pub fn last(&self) -> Result<Option<K>, TableError> {
        self.ordered(|m| m.keys().next_back().cloned())
    }

    /// The smallest key greater than `key`, which need not be in the table (`ets:next/2`):
    /// a traversal by `first` and `next` goes on whatever is inserted or deleted meanwhile.
    ///
    /// # Errors
    ///
    /// As [`lookup`](Self::lookup).
    ///
    /// # Examples
    ///
    /// See [`OrderedSet`].
    pub fn next(&self, key: &K) -> Result<Option<K>, TableError> {
        self.ordered(|m| {
            m.range((Bound::Excluded(key), Bound::Unbounded))
                .next()
                .map(|(k, _)| k.clone())
        })
    }

    /// The largest key smaller than `key`, which need not be in the table (`ets:prev/2`).
    ///
    /// # Errors
    ///
    /// As [`lookup`](Self::lookup).
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::ets::{OrderedSet, Table};
    /// use otp_runtime::prelude::*;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let p = otp_runtime::spawn(|_: ProcessCtx<()>| async {
    ///     let t: Table<u32, (), OrderedSet> = Table::new().unwrap();
    ///     for k in [10, 20, 30] {
    ///         t.insert(k, ()).unwrap();
    ///     }
    ///     assert_eq!(t.last(), Ok(Some(30)));
    ///     assert_eq!(t.prev(&25), Ok(Some(20)));
    ///     assert_eq!(t.prev(&10), Ok(None));
    ///     ExitReason::Normal
    /// });
    /// assert_eq!(p.wait_exit().await, ExitReason::Normal);
    /// # }
    /// ```
    pub fn prev(&self, key: &K) -> Result<Option<K>, TableError> {
        self.ordered(|m| {
            m.range((Bound::Unbounded, Bound::Excluded(key)))
                .next_back()
                .map(|(k, _)| k.clone())
        })
    }

    /// The objects whose keys are in `range`, in key order, cloned under one read lock (a
    /// consistent snapshot of the range); at most `limit` of them (`ets:select/3` on a key
    /// range, with a continuation by `range((Excluded(last), ..))`).
    ///
    /// # Errors
    ///
    /// As [`lookup`](Self::lookup).
    ///
    /// # Examples
    ///
    /// ```
    /// use otp_runtime::ets::{OrderedSet, Table};
    /// use otp_runtime::prelude::*;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let p = otp_runtime::spawn(|_: ProcessCtx<()>| async {
    ///     let t: Table<u32, char, OrderedSet> = Table::new().unwrap();
    ///     for (k, v) in (1..=5).zip('a'..) {
    ///         t.insert(k, v).unwrap();
    ///     }
    ///     assert_eq!(t.range(2..4, usize::MAX), Ok(vec![(2, 'b'), (3, 'c')]));
    ///     assert_eq!(t.range(3.., 1), Ok(vec![(3, 'c')]));
    ///     ExitReason::Normal
    /// });
    /// assert_eq!(p.wait_exit().await, ExitReason::Normal);
    /// # }
    /// ```
    pub fn range(
        &self,
        range: impl RangeBounds<K>,
        limit: usize,
    ) -> Result<Vec<(K, V)>, TableError> {
        self.ordered(|m| {
            m.range(range)
                .take(limit)
                .map(|(k, v)| (k.clone(), v.0.clone()))
                .collect()
        })
    }
}
