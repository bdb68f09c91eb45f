//! Where a table's objects live: a hash table split in shards, each behind its own
//! reader-writer lock (set, bag, duplicate bag), or a B-tree behind one (ordered set).
//!
//! Both hash with a fixed seed, so that the same operations in the same order give the same
//! iteration order in every run (a deterministic simulation replays it), and never on a
//! seed the machine draws. The number of shards is fixed too (not the number of cores), for
//! the same reason.

use std::collections::BTreeMap;
use std::hash::{BuildHasher, Hash};
use std::mem::size_of;
use std::ops::Bound;
use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use hashbrown::hash_table::{Entry, HashTable};

/// What a key holds: one value (set, ordered set) or several (bags).
#[doc(hidden)]
pub trait Slot<V>: Send + Sync + 'static {
    /// Its objects.
    fn values(&self) -> &[V];
}

/// The value of a key in a set or an ordered set.
#[doc(hidden)]
#[derive(Clone)]
#[repr(transparent)]
pub struct One<V>(pub(crate) V);

/// The values of a key in a bag, in insertion order.
#[doc(hidden)]
#[derive(Clone)]
pub struct Many<V>(pub(crate) Vec<V>);

impl<V: Send + Sync + 'static> Slot<V> for One<V> {
    #[inline]
    fn values(&self) -> &[V] {
        std::slice::from_ref(&self.0)
    }
}

impl<V: Send + Sync + 'static> Slot<V> for Many<V> {
    #[inline]
    fn values(&self) -> &[V] {
        &self.0
    }
}

/// What an update does to a key's slot.
#[doc(hidden)]
pub enum Change<S, R> {
    /// Leave it as the closure left it (changed in place, or absent).
    Keep(R),
    /// Remove the key.
    Remove(R),
    /// Put this slot under the key.
    Put(S, R),
}

/// A table's storage: every operation is atomic on one key.
#[doc(hidden)]
pub trait Store<K, S>: Send + Sync + Sized + 'static {
    /// Where an iteration is.
    type Cursor: Default + Send + Sync;

    fn new() -> Self;
    /// Reads key `k`'s slot.
    fn get<R>(&self, k: &K, f: impl FnOnce(&S) -> R) -> Option<R>;
    /// Updates key `k`'s slot, under its lock: `f` sees it (or its absence) and says what to
    /// do. `objects` tells how many objects a slot holds.
    fn entry<R>(
        &self,
        k: K,
        objects: impl Fn(&S) -> usize,
        f: impl FnOnce(Option<&mut S>) -> Change<S, R>,
    ) -> R;
    /// Removes key `k`.
    fn take(&self, k: &K, objects: impl Fn(&S) -> usize) -> Option<S>;
    /// How many objects it holds.
    fn objects(&self) -> usize;
    /// Calls `f` on every key, a shard at a time under that shard's read lock.
    fn scan(&self, f: impl FnMut(&K, &S));
    /// Keeps the keys for which `f` returns true, a shard at a time under its write lock; `f`
    /// may change the slot in place (a bag's values).
    fn retain(&self, objects: impl Fn(&S) -> usize, f: impl FnMut(&K, &mut S) -> bool);
    /// Removes everything.
    fn clear(&self);
    /// Bytes of its own structure (not what keys and values own on the heap).
    fn memory(&self, per_object: usize) -> usize;
    /// The next chunk of an iteration, cloned out of the table; false once there is none.
    fn next_chunk(&self, at: &mut Self::Cursor, out: &mut Vec<(K, S)>) -> bool
    where
        K: Clone,
        S: Clone;
}

fn read<T>(l: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    // A panic under the lock (a user's closure) leaves the data consistent: every change is
    // made after the user's code returned.
    l.read().unwrap_or_else(PoisonError::into_inner)
}

fn write<T>(l: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    l.write().unwrap_or_else(PoisonError::into_inner)
}

/// The hasher of every hash-based table: foldhash with a fixed seed (see the module).
#[derive(Clone, Copy, Default)]
pub(crate) struct FixedHasher;

const SEED: u64 = 0x6f74_702d_7273_2045; // "otp-rs E"

impl BuildHasher for FixedHasher {
    type Hasher = foldhash::fast::FoldHasher<'static>;
    #[inline]
    fn build_hasher(&self) -> Self::Hasher {
        foldhash::fast::FixedState::with_seed(SEED).build_hasher()
    }
}

/// The shards of a hash-based table: a fixed number (see the module), enough that 16
/// writers on as many cores rarely meet on one lock, for 1 KiB an empty table.
pub(crate) const SHARDS: usize = 16;

/// A hash table split in [`SHARDS`] shards, each under its own reader-writer lock; a key's
/// shard is picked by hash bits the shard's own table does not use (hashbrown takes the top
/// seven for its tags and the low ones for the bucket), and the hash is computed once.
#[doc(hidden)]
pub struct Hashed<K, S> {
    shards: Box<[Locked<K, S>]>,
}

type Locked<K, S> = Padded<RwLock<Shard<K, S>>>;

#[repr(align(64))]
struct Padded<T>(T);

struct Shard<K, S> {
    table: HashTable<(K, S)>,
    objects: usize,
}

impl<K: Hash + Eq, S> Hashed<K, S> {
    #[inline]
    fn locate(&self, k: &K) -> (&RwLock<Shard<K, S>>, u64) {
        let hash = FixedHasher.hash_one(k);
        let i = (hash >> 53) as usize % SHARDS;
        (&self.shards[i].0, hash)
    }
}

#[inline]
fn rehash<K: Hash, S>(e: &(K, S)) -> u64 {
    FixedHasher.hash_one(&e.0)
}

impl<K, S> Store<K, S> for Hashed<K, S>
where
    K: Hash + Eq + Send + Sync + 'static,
    S: Send + Sync + 'static,
{
    type Cursor = usize;

    fn new() -> Self {
        let shards = (0..SHARDS)
            .map(|_| {
                Padded(RwLock::new(Shard {
                    table: HashTable::new(),
                    objects: 0,
                }))
            })
            .collect();
        Hashed { shards }
    }

    #[inline]
    fn get<R>(&self, k: &K, f: impl FnOnce(&S) -> R) -> Option<R> {
        let (shard, hash) = self.locate(k);
        read(shard).table.find(hash, |e| e.0 == *k).map(|e| f(&e.1))
    }

    #[inline]
    fn entry<R>(
        &self,
        k: K,
        objects: impl Fn(&S) -> usize,
        f: impl FnOnce(Option<&mut S>) -> Change<S, R>,
    ) -> R {
        let (shard, hash) = self.locate(&k);
        let mut shard = write(shard);
        let shard = &mut *shard;
        match shard.table.entry(hash, |e| e.0 == k, rehash) {
            Entry::Occupied(mut o) => {
                let before = objects(&o.get().1);
                match f(Some(&mut o.get_mut().1)) {
                    Change::Keep(r) => {
                        shard.objects = shard.objects + objects(&o.get().1) - before;
                        r
                    }
                    Change::Remove(r) => {
                        o.remove();
                        shard.objects -= before;
                        r
                    }
                    Change::Put(s, r) => {
                        shard.objects = shard.objects + objects(&s) - before;
                        o.get_mut().1 = s;
                        r
                    }
                }
            }
            Entry::Vacant(v) => match f(None) {
                Change::Keep(r) | Change::Remove(r) => r,
                Change::Put(s, r) => {
                    shard.objects += objects(&s);
                    v.insert((k, s));
                    r
                }
            },
        }
    }

    fn take(&self, k: &K, objects: impl Fn(&S) -> usize) -> Option<S> {
        let (shard, hash) = self.locate(k);
        let mut shard = write(shard);
        let (taken, _) = shard.table.find_entry(hash, |e| e.0 == *k).ok()?.remove();
        shard.objects -= objects(&taken.1);
        Some(taken.1)
    }

    fn objects(&self) -> usize {
        self.shards.iter().map(|s| read(&s.0).objects).sum()
    }

    fn scan(&self, mut f: impl FnMut(&K, &S)) {
        for shard in self.shards.iter() {
            for (k, s) in read(&shard.0).table.iter() {
                f(k, s);
            }
        }
    }

    fn retain(&self, objects: impl Fn(&S) -> usize, mut f: impl FnMut(&K, &mut S) -> bool) {
        for shard in self.shards.iter() {
            let mut shard = write(&shard.0);
            let shard = &mut *shard;
            let mut count = 0;
            shard.table.retain(|(k, s)| {
                let keep = f(k, s);
                if keep {
                    count += objects(s);
                }
                keep
            });
            shard.objects = count;
        }
    }

    fn clear(&self) {
        for shard in self.shards.iter() {
            let mut shard = write(&shard.0);
            shard.table = HashTable::new();
            shard.objects = 0;
        }
    }

    fn memory(&self, per_object: usize) -> usize {
        let own = size_of::<Self>() + SHARDS * size_of::<Locked<K, S>>();
        self.shards.iter().fold(own, |sum, shard| {
            let shard = read(&shard.0);
            // A bucket and its control byte for each slot of capacity; values beyond the
            // first of a key live in its vector.
            let extra = shard.objects.saturating_sub(shard.table.len());
            sum + shard.table.capacity() * (size_of::<(K, S)>() + 1) + extra * per_object
        })
    }

    fn next_chunk(&self, at: &mut usize, out: &mut Vec<(K, S)>) -> bool
    where
        K: Clone,
        S: Clone,
    {
        // A shard at a time: its snapshot is taken under its read lock, so a key moved by a
        // concurrent delete and insert is seen at most once.
        while *at < SHARDS {
            let shard = read(&self.shards[*at].0);
            *at += 1;
            out.extend(shard.table.iter().cloned());
            if !out.is_empty() {
                return true;
            }
        }
        false
    }
}

/// A B-tree under one reader-writer lock, with its count of objects.
#[doc(hidden)]
pub struct Ordered<K, S> {
    map: RwLock<(BTreeMap<K, S>, usize)>,
}

/// Where an ordered iteration is: after this key, or at the start.
#[doc(hidden)]
pub struct OrderedCursor<K> {
    after: Option<K>,
    done: bool,
}

impl<K> Default for OrderedCursor<K> {
    fn default() -> Self {
        OrderedCursor {
            after: None,
            done: false,
        }
    }
}

/// How many keys an ordered iteration clones out at a time.
const CHUNK: usize = 64;

impl<K, S> Store<K, S> for Ordered<K, S>
where
    K: Ord + Send + Sync + 'static,
    S: Send + Sync + 'static,
{
    type Cursor = OrderedCursor<K>;

    fn new() -> Self {
        Ordered {
            map: RwLock::new((BTreeMap::new(), 0)),
        }
    }

    #[inline]
    fn get<R>(&self, k: &K, f: impl FnOnce(&S) -> R) -> Option<R> {
        read(&self.map).0.get(k).map(f)
    }

    fn entry<R>(
        &self,
        k: K,
        objects: impl Fn(&S) -> usize,
        f: impl FnOnce(Option<&mut S>) -> Change<S, R>,
    ) -> R {
        use std::collections::btree_map::Entry;
        let mut guard = write(&self.map);
        let (map, count) = &mut *guard;
        match map.entry(k) {
            Entry::Occupied(mut o) => {
                let before = objects(o.get());
                match f(Some(o.get_mut())) {
                    Change::Keep(r) => {
                        *count = *count + objects(o.get()) - before;
                        r
                    }
                    Change::Remove(r) => {
                        o.remove();
                        *count -= before;
                        r
                    }
                    Change::Put(s, r) => {
                        *count = *count + objects(&s) - before;
                        *o.get_mut() = s;
                        r
                    }
                }
            }
            Entry::Vacant(v) => match f(None) {
                Change::Keep(r) | Change::Remove(r) => r,
                Change::Put(s, r) => {
                    *count += objects(&s);
                    v.insert(s);
                    r
                }
            },
        }
    }

    fn take(&self, k: &K, objects: impl Fn(&S) -> usize) -> Option<S> {
        let mut guard = write(&self.map);
        let taken = guard.0.remove(k)?;
        guard.1 -= objects(&taken);
        Some(taken)
    }

    fn objects(&self) -> usize {
        read(&self.map).1
    }

    fn scan(&self, mut f: impl FnMut(&K, &S)) {
        for (k, s) in read(&self.map).0.iter() {
            f(k, s);
        }
    }

    fn retain(&self, objects: impl Fn(&S) -> usize, mut f: impl FnMut(&K, &mut S) -> bool) {
        let mut guard = write(&self.map);
        let (map, count) = &mut *guard;
        let mut kept = 0;
        map.retain(|k, s| {
            let keep = f(k, s);
            if keep {
                kept += objects(s);
            }
            keep
        });
        *count = kept;
    }

    fn clear(&self) {
        let mut guard = write(&self.map);
        guard.0 = BTreeMap::new();
        guard.1 = 0;
    }

    fn memory(&self, per_object: usize) -> usize {
        let guard = read(&self.map);
        // A B-tree node holds up to eleven keys and values; count them two-thirds full.
        let keys = guard.0.len();
        let extra = guard.1.saturating_sub(keys);
        size_of::<Self>() + keys * (size_of::<K>() + size_of::<S>()) * 3 / 2 + extra * per_object
    }

    fn next_chunk(&self, at: &mut OrderedCursor<K>, out: &mut Vec<(K, S)>) -> bool
    where
        K: Clone,
        S: Clone,
    {
        if at.done {
            return false;
        }
        let guard = read(&self.map);
        let from = match &at.after {
            Some(k) => Bound::Excluded(k),
            None => Bound::Unbounded,
        };
        out.extend(
            guard
                .0
                .range((from, Bound::Unbounded))
                .take(CHUNK)
                .map(|(k, s)| (k.clone(), s.clone())),
        );
        match out.last() {
            Some((k, _)) => {
                at.done = out.len() < CHUNK;
                at.after = Some(k.clone());
                true
            }
            None => {
                at.done = true;
                false
            }
        }
    }
}

impl<K: Ord, S> Ordered<K, S> {
    /// Runs `f` on the map under its read lock.
    pub(crate) fn with<R>(&self, f: impl FnOnce(&BTreeMap<K, S>) -> R) -> R {
        f(&read(&self.map).0)
    }
}
