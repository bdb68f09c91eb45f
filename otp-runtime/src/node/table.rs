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

/// Hashes pid numbers (and other sequential numbers: monitor references) for the maps that
/// hold many of them: see [`near_hash`].
#[derive(Default)]
pub(crate) struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = near_hash(self.0 << 8 | b as u64);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = near_hash(n);
    }
}

/// Numbers per block of [`near_hash`], as a power of two: 8.
const BLOCK_BITS: u32 = 3;

/// A hash that keeps numbers made one after another near each other in a hashbrown table.
///
/// hashbrown (on 64-bit targets) takes a key's first bucket from the hash's low bits and a
/// tag from its top 7 (compared a group of 16 at a time, before any key). Here numbers that
/// differ only in their low 3 bits get neighbouring buckets, each block of 8 numbers starts
/// at a random bucket, and the numbers of a block get different tags. Processes are made,
/// and often die, in pid order (a supervisor's million children start one after another and
/// are stopped in that order): a block then costs one cache miss in the control bytes and
/// one per 4 of its 16-byte slots, where a hash spreading every number at random cost about
/// two misses a process. Blocks start anywhere, so that numbers with a stride (every 16th or
/// 32nd made) spread as with any good hash.
///
/// Why 8 and not 16: hashbrown leaves a tombstone for a key removed from a run of 16 full
/// slots, so blocks of 16 made nearly every removal under churn a tombstone, and the table
/// rehashed or grew where a random hash would not (`churn_keeps_a_table_small`).
#[inline]
pub(crate) fn near_hash(n: u64) -> u64 {
    const BLOCK: u64 = 1 << BLOCK_BITS;
    // The block's multiply, turned so that its high bits (which depend on all of the
    // block's) come first: the block's first bucket, and its tag in the top bits. Then the
    // place in the block is added to both: neighbouring buckets, different tags.
    let block = (n >> BLOCK_BITS)
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .rotate_left(32);
    block.wrapping_add((n & (BLOCK - 1)) * (1 | 1 << 57))
}

/// The hash of pid number `id` in its shard. A shard holds the numbers of one remainder
/// modulo `SHARDS`, so the hash is of the quotient: the numbers of a shard made one after
/// another then stay neighbours (see [`near_hash`]).
#[inline]
fn hash(id: u64) -> u64 {
    near_hash(id / SHARDS as u64)
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// hashbrown's first bucket for `hash` in a table of `buckets` (a power of two).
    fn bucket(hash: u64, buckets: u64) -> u64 {
        hash & (buckets - 1)
    }

    #[test]
    fn numbers_made_one_after_another_get_neighbouring_buckets() {
        let buckets = 1 << 16;
        let width = 1 << BLOCK_BITS;
        for block in [0u64, 1, 77, 1 << 20] {
            let first = bucket(near_hash(block * width), buckets);
            for i in 0..width {
                assert_eq!(
                    bucket(near_hash(block * width + i), buckets),
                    (first + i) % buckets
                );
            }
        }
    }

    #[test]
    fn blocks_and_tags_are_spread() {
        let buckets = 1u64 << 20;
        let width = 1 << BLOCK_BITS;
        // 4,096 blocks in a million buckets: a random placement leaves nearly all apart.
        let places: HashSet<u64> = (0..4096u64)
            .map(|b| bucket(near_hash(b * width), buckets))
            .collect();
        assert!(places.len() > 4000, "{}", places.len());
        // The tags (top 7 bits) of a block's numbers all differ, so a lookup compares no
        // neighbour's key; across blocks they take all 128 values.
        for b in 0..4096u64 {
            let tags: HashSet<u64> = (0..width).map(|i| near_hash(b * width + i) >> 57).collect();
            assert_eq!(tags.len() as u64, width, "block {b}");
        }
        let tags: HashSet<u64> = (0..4096u64).map(|n| near_hash(n) >> 57).collect();
        assert_eq!(tags.len(), 128);
    }

    #[test]
    fn a_shards_numbers_spread_over_its_buckets() {
        // A shard holds the numbers of one remainder modulo `SHARDS`: 1,024 of them in a
        // table of 2,048 buckets. A hash of the number itself, whose low bits follow the
        // number's, gave them 64 first buckets between them; hashed at random, 1,024 keys
        // would get about 800.
        let firsts: HashSet<u64> = (0..1024u64)
            .map(|k| bucket(hash(k * SHARDS as u64 + 5), 2048))
            .collect();
        assert!(firsts.len() > 800, "{}", firsts.len());
    }

    #[test]
    fn churn_keeps_a_table_small() {
        // Processes that die oldest first while as many are made, 5,000 alive at a time
        // (the shape of a pool of short-lived workers). hashbrown leaves a tombstone for a
        // key removed from a run of 16 or more full slots, and tombstones count against the
        // load: blocks as wide as a group turned every removal into one, and the table
        // grew to 16,384 buckets where random placement stays at 8,192.
        let mut table: HashTable<u64> = HashTable::new();
        for n in 0..60_000u64 {
            table.insert_unique(near_hash(n), n, |&k| near_hash(k));
            if n >= 5_000 {
                let old = n - 5_000;
                if let Ok(e) = table.find_entry(near_hash(old), |&k| k == old) {
                    e.remove();
                }
            }
        }
        assert!(table.capacity() <= 7_168, "{}", table.capacity());
    }

    #[test]
    fn numbers_with_a_stride_do_not_pile_up() {
        // Every 16th, 32nd or 1,024th number (one process in 16 kept), in a table twice
        // their count: their first buckets spread as random ones would, about 3,200 of
        // 4,096 (a multiply alone gave them one bucket in 16, 32 or 1,024).
        for stride in [16u64, 32, 1024] {
            let firsts: HashSet<u64> = (0..4096u64)
                .map(|k| bucket(near_hash(k * stride), 8192))
                .collect();
            assert!(firsts.len() > 3000, "stride {stride}: {}", firsts.len());
        }
    }
}
