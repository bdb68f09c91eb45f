//! A node's process table: every live process of the node, by pid number.
//!
//! Untyped operations (link, monitor, exit, register) reach a process through here. It is
//! sharded so that spawns and deaths on different threads rarely meet on one lock.

use std::collections::HashMap;
use std::hash::Hasher;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use hashbrown::HashTable;

use crate::process::core::Entry;
use crate::Pid;

const SHARDS: usize = 32;

/// The processes of a shard, found by their pid number, which each entry holds already: a
/// slot is the entry's 16 bytes (and a control byte), where a map from number to entry took
/// 24. At a hashbrown table's load (7/8 at most, half after it grows), that is about 10
/// bytes of every live process (see the heap row of the peer benchmark).
type Map = HashTable<Arc<dyn Entry>>;

pub(crate) struct Table {
    shards: [Mutex<Map>; SHARDS],
}

/// Pid numbers are sequential and unique, so a multiply spreads them well enough.
#[derive(Default)]
pub(crate) struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8 | b as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// The hash of pid number `id`.
#[inline]
fn hash(id: u64) -> u64 {
    let mut h = IdHasher::default();
    h.write_u64(id);
    h.finish()
}

/// The pid number of `entry`.
#[inline]
fn id_of(entry: &Arc<dyn Entry>) -> u64 {
    entry.shared().pid().id()
}

impl Table {
    pub(crate) fn new() -> Table {
        Table {
            shards: std::array::from_fn(|_| Mutex::default()),
        }
    }

    fn shard(&self, number: u64) -> MutexGuard<'_, Map> {
        // The table holds no invariant a panic could break halfway, so a poisoned lock is
        // still good.
        self.shards[(number as usize) % SHARDS]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Enters `entry`, which is not in the table (a process enters it once).
    pub(crate) fn insert(&self, entry: Arc<dyn Entry>) {
        let id = id_of(&entry);
        let mut shard = self.shard(id);
        debug_assert!(shard.find(hash(id), |e| id_of(e) == id).is_none());
        shard.insert_unique(hash(id), entry, |e| hash(id_of(e)));
    }

    pub(crate) fn remove(&self, pid: Pid) {
        let id = pid.id();
        let mut shard = self.shard(id);
        if let Ok(entry) = shard.find_entry(hash(id), |e| id_of(e) == id) {
            entry.remove();
        }
        // Gives memory back once the shard is a quarter full (see `shrink`).
        if shard.capacity() > 64 && shard.len() < shard.capacity() / 4 {
            let len = shard.len();
            shard.shrink_to(len * 2, |e| hash(id_of(e)));
        }
    }

    /// The process `pid`; the caller has checked that `pid` is of this table's node.
    pub(crate) fn get(&self, pid: Pid) -> Option<Arc<dyn Entry>> {
        let id = pid.id();
        self.shard(id).find(hash(id), |e| id_of(e) == id).cloned()
    }

    /// How many processes are alive now.
    pub(crate) fn count(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().unwrap_or_else(PoisonError::into_inner).len())
            .sum()
    }

    /// Every process in the table, oldest first (by pid number, never by hash order).
    pub(crate) fn all(&self) -> Vec<Arc<dyn Entry>> {
        let mut all: Vec<Arc<dyn Entry>> = Vec::new();
        for s in &self.shards {
            all.extend(
                s.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .iter()
                    .cloned(),
            );
        }
        all.sort_by_key(|e| e.shared().pid().id());
        all
    }
}

/// Gives memory back once a map is a quarter full (after a spike of a million processes, the
/// tables would otherwise keep their peak size for good). Halving at a quarter keeps the
/// cost per removal constant, amortized: a map shrinks only after losing three quarters of
/// what it held.
pub(crate) fn shrink<K: Eq + std::hash::Hash, V, H: std::hash::BuildHasher>(
    map: &mut HashMap<K, V, H>,
) {
    if map.capacity() > 64 && map.len() < map.capacity() / 4 {
        map.shrink_to(map.len() * 2);
    }
}
