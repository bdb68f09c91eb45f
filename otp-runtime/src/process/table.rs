//! The process table: every live local process, by pid number.
//!
//! Untyped operations (link, monitor, exit, register) reach a process through here. It is
//! sharded so that spawns and deaths on different threads rarely meet on one lock.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, LazyLock, Mutex, MutexGuard, PoisonError};

use super::core::Entry;
use crate::Pid;

const SHARDS: usize = 32;

type Shard = Mutex<HashMap<u64, Arc<dyn Entry>, BuildHasherDefault<IdHasher>>>;

static TABLE: LazyLock<[Shard; SHARDS]> =
    LazyLock::new(|| std::array::from_fn(|_| Shard::default()));

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

fn shard(
    pid: Pid,
) -> MutexGuard<'static, HashMap<u64, Arc<dyn Entry>, BuildHasherDefault<IdHasher>>> {
    // The table holds no invariant a panic could break halfway, so a poisoned lock is still good.
    TABLE[(pid.id() as usize) % SHARDS]
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
}

pub(crate) fn insert(entry: Arc<dyn Entry>) {
    let pid = entry.shared().pid();
    shard(pid).insert(pid.id(), entry);
}

pub(crate) fn remove(pid: Pid) {
    shard(pid).remove(&pid.id());
}

pub(crate) fn get(pid: Pid) -> Option<Arc<dyn Entry>> {
    if !pid.node().is_local() {
        return None;
    }
    shard(pid).get(&pid.id()).cloned()
}

/// How many processes are alive now.
pub(crate) fn count() -> usize {
    TABLE
        .iter()
        .map(|s| s.lock().unwrap_or_else(PoisonError::into_inner).len())
        .sum()
}
