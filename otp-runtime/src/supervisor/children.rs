//! A supervisor's children, as it keeps them.
//!
//! A static supervisor's few children stay in start order in a vector, which its strategies
//! walk (`rest_for_one` restarts "the ones after"). A dynamic supervisor may hold a million
//! children that come and go in any order: there each child is found by pid through an index,
//! and removed by a swap, both in constant time; the start order, which only `which_children`
//! shows, comes back from each child's key (keys grow with every start).

use std::collections::HashMap;
use std::hash::BuildHasherDefault;

use super::spec::ChildSpec;
use super::ChildState;
use crate::node::table::IdHasher;
use crate::Pid;

pub(crate) struct Child {
    /// Unique within the supervisor, growing: how a retry finds its child, and the start
    /// order.
    pub(crate) key: u64,
    pub(crate) spec: ChildSpec,
    state: ChildState,
    /// The pid of the incarnation that ended last: while a dynamic child is restarting,
    /// `terminate_child` still finds it by that pid (OTP keeps it as `{restarting, Pid}`).
    pub(crate) last_pid: Option<Pid>,
    /// Its restarts and last exit, for `sys` listings: `None` (one word) until it first
    /// ended, so a million dynamic children that never crash pay nothing more.
    history: Option<Box<History>>,
}

/// What a child went through: how often it was restarted, and why it ended last.
#[derive(Default)]
pub(crate) struct History {
    pub(crate) restarts: u64,
    pub(crate) last_exit: Option<crate::ExitReason>,
}

impl Child {
    pub(crate) fn state(&self) -> ChildState {
        self.state
    }

    /// Its restarts and last exit reason (0 and `None` for one that never ended).
    pub(crate) fn history(&self) -> (u64, Option<&crate::ExitReason>) {
        match &self.history {
            Some(h) => (h.restarts, h.last_exit.as_ref()),
            None => (0, None),
        }
    }

    /// Notes that it ended with `reason`.
    pub(crate) fn note_exit(&mut self, reason: &crate::ExitReason) {
        self.history.get_or_insert_with(Default::default).last_exit = Some(reason.clone());
    }

    /// Notes that it was started again.
    pub(crate) fn note_restart(&mut self) {
        self.history.get_or_insert_with(Default::default).restarts += 1;
    }
}

pub(crate) struct Children {
    list: Vec<Child>,
    /// Dynamic supervisors only: where each running child is in `list`, by pid number (the
    /// children of a supervisor are of its node).
    by_pid: Option<HashMap<u64, usize, BuildHasherDefault<IdHasher>>>,
    next_key: u64,
}

impl Children {
    pub(crate) fn new(dynamic: bool) -> Children {
        Children {
            list: Vec::new(),
            by_pid: dynamic.then(HashMap::default),
            next_key: 0,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.list.len()
    }

    /// In start order for a static supervisor; in no particular order for a dynamic one
    /// ([`Children::newest_first`] orders them).
    pub(crate) fn iter(&self) -> std::slice::Iter<'_, Child> {
        self.list.iter()
    }

    /// Newest first, as OTP's `which_children` lists them.
    pub(crate) fn newest_first(&self) -> Vec<&Child> {
        let mut v: Vec<&Child> = self.list.iter().collect();
        if self.by_pid.is_some() {
            v.sort_unstable_by_key(|c| std::cmp::Reverse(c.key));
        } else {
            v.reverse();
        }
        v
    }

    pub(crate) fn get(&self, i: usize) -> &Child {
        &self.list[i]
    }

    pub(crate) fn get_mut(&mut self, i: usize) -> &mut Child {
        &mut self.list[i]
    }

    /// Adds a child after the others.
    pub(crate) fn push(&mut self, spec: ChildSpec, state: ChildState) {
        self.next_key += 1;
        let i = self.list.len();
        self.list.push(Child {
            key: self.next_key,
            spec,
            state: ChildState::NotRunning,
            last_pid: None,
            history: None,
        });
        self.set_state(i, state);
    }

    pub(crate) fn set_state(&mut self, i: usize, state: ChildState) {
        let child = &mut self.list[i];
        if let Some(by_pid) = &mut self.by_pid {
            if let ChildState::Running(old) = child.state {
                by_pid.remove(&old.id());
            }
            if let ChildState::Running(new) = state {
                by_pid.insert(new.id(), i);
            }
        }
        child.state = state;
    }

    /// Forgets child `i`: the others keep their order in a static supervisor.
    pub(crate) fn remove(&mut self, i: usize) -> Child {
        self.set_state(i, ChildState::NotRunning);
        match &mut self.by_pid {
            None => self.list.remove(i),
            Some(by_pid) => {
                let child = self.list.swap_remove(i);
                if let Some(moved) = self.list.get(i) {
                    if let ChildState::Running(pid) = moved.state {
                        by_pid.insert(pid.id(), i);
                    }
                }
                // Memory back after a million children came and went, as the node's tables.
                crate::node::table::shrink(by_pid);
                if self.list.capacity() > 64 && self.list.len() < self.list.capacity() / 4 {
                    self.list.shrink_to(self.list.len() * 2);
                }
                child
            }
        }
    }

    /// Takes every child out.
    pub(crate) fn drain(&mut self) -> Vec<Child> {
        if let Some(by_pid) = &mut self.by_pid {
            *by_pid = HashMap::default();
        }
        std::mem::take(&mut self.list)
    }

    pub(crate) fn find_id(&self, id: &str) -> Option<usize> {
        self.list.iter().position(|c| &*c.spec.id == id)
    }

    pub(crate) fn find_key(&self, key: u64) -> Option<usize> {
        self.list.iter().position(|c| c.key == key)
    }

    /// The running child `pid`.
    pub(crate) fn find_pid(&self, pid: Pid) -> Option<usize> {
        match &self.by_pid {
            Some(by_pid) => by_pid
                .get(&pid.id())
                .copied()
                .filter(|&i| self.list[i].state == ChildState::Running(pid)),
            None => self
                .list
                .iter()
                .position(|c| c.state == ChildState::Running(pid)),
        }
    }
}
