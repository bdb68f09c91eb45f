//! A scope's membership table: written by the scope process only, read by anyone without a
//! round trip (Erlang's `protected` ETS table of the scope, with `read_concurrency`).
//!
//! Each group keeps its members in the order this scope saw them join (a pid joined twice is
//! there twice), and the groups are listed in the order they appeared. Nothing observable
//! depends on a hash map's iteration order, so a run is the same from one seed to the next.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::Pid;

/// One group's row: `{Group, All, Local}` in pg.erl's table.
#[derive(Debug)]
pub(crate) struct Row {
    /// When the group appeared, to list groups in that order.
    pub(crate) seq: u64,
    /// Every member, of every node, in join order.
    pub(crate) all: Vec<Pid>,
    /// This node's members, in join order.
    pub(crate) local: Vec<Pid>,
}

/// The rows, by group.
pub(crate) struct Table<G> {
    rows: RwLock<HashMap<G, Row>>,
}

impl<G: Eq + Hash + Clone> Table<G> {
    pub(crate) fn new() -> Self {
        Table {
            rows: RwLock::new(HashMap::new()),
        }
    }

    // Nothing panics while holding the lock; a poisoned one is still consistent.
    fn read(&self) -> RwLockReadGuard<'_, HashMap<G, Row>> {
        self.rows.read().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn write(&self) -> RwLockWriteGuard<'_, HashMap<G, Row>> {
        self.rows.write().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn members<Q>(&self, group: &Q) -> Vec<Pid>
    where
        G: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.read()
            .get(group)
            .map(|r| r.all.clone())
            .unwrap_or_default()
    }

    pub(crate) fn local_members<Q>(&self, group: &Q) -> Vec<Pid>
    where
        G: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.read()
            .get(group)
            .map(|r| r.local.clone())
            .unwrap_or_default()
    }

    /// The groups with members (`local_only`: with members of this node), oldest first.
    pub(crate) fn groups(&self, local_only: bool) -> Vec<G> {
        let rows = self.read();
        let mut groups: Vec<(u64, &G)> = rows
            .iter()
            .filter(|(_, r)| !local_only || !r.local.is_empty())
            .map(|(g, r)| (r.seq, g))
            .collect();
        groups.sort_unstable_by_key(|(seq, _)| *seq);
        groups.into_iter().map(|(_, g)| g.clone()).collect()
    }

    /// Every group with its members (`local_only`: this node's members, groups that have
    /// some), oldest group first.
    pub(crate) fn snapshot(&self, local_only: bool) -> Vec<(G, Vec<Pid>)> {
        let rows = self.read();
        let mut all: Vec<(u64, G, Vec<Pid>)> = rows
            .iter()
            .filter(|(_, r)| !local_only || !r.local.is_empty())
            .map(|(g, r)| {
                let pids = if local_only { &r.local } else { &r.all };
                (r.seq, g.clone(), pids.clone())
            })
            .collect();
        all.sort_unstable_by_key(|(seq, _, _)| *seq);
        all.into_iter().map(|(_, g, p)| (g, p)).collect()
    }

    /// Empties the table: the scope has ended (pg.erl deletes its table in `terminate`).
    pub(crate) fn clear(&self) {
        self.write().clear();
    }
}

/// Removes the last occurrence of `pid` (its most recent join) from `pids`; whether it was
/// there.
pub(crate) fn remove_last(pids: &mut Vec<Pid>, pid: Pid) -> bool {
    match pids.iter().rposition(|p| *p == pid) {
        Some(i) => {
            pids.remove(i);
            true
        }
        None => false,
    }
}
