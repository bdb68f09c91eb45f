//! A node's process table: every live process of the node, by pid number.
//!
//! Untyped operations (link, monitor, exit, register) reach a process through here. It is
//! sharded so that spawns and deaths on different threads rarely meet on one lock.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::process::core::Entry;
use crate::Pid;

const SHARDS: usize = 32;

type Map = HashMap<u64, Arc<dyn Entry>, BuildHasherDefault<IdHasher>>;

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

    pub(crate) fn insert(&self, entry: Arc<dyn Entry>) {
        let id = entry.shared().pid().id();
        self.shard(id).insert(id, entry);
    }

    pub(crate) fn remove(&self, pid: Pid) {
        let mut shard = self.shard(pid.id());
        shard.remove(&pid.id());
        shrink(&mut shard);
    }

    /// The process `pid`; the caller has checked that `pid` is of this table's node.
    pub(crate) fn get(&self, pid: Pid) -> Option<Arc<dyn Entry>> {
        self.shard(pid.id()).get(&pid.id()).cloned()
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
                    .values()
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
