//! A node's name registry: which process holds which name on this node.
//!
//! The public functions ([`register`](crate::register), [`whereis`](crate::whereis), ...) act
//! on the [current node](super::Node::current); [`Node`](super::Node)'s methods of the same
//! names on that node.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::table::shrink;
use crate::process::core::{Entry, NameRefused};
use crate::registry::Name;
use crate::{Pid, RegisterError};

#[derive(Default)]
pub(crate) struct Names {
    map: Mutex<HashMap<Name, Arc<dyn Entry>>>,
}

impl Names {
    fn map(&self) -> MutexGuard<'_, HashMap<Name, Arc<dyn Entry>>> {
        // Nothing panics while holding the lock.
        self.map.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Registers `name` for the live process `entry` (of this node).
    pub(crate) fn register(&self, name: Name, entry: Arc<dyn Entry>) -> Result<(), RegisterError> {
        let mut names = self.map();
        if let Some(owner) = names.get(&name) {
            return Err(RegisterError::Taken(owner.shared().pid()));
        }
        // Lock order: registry, then the process. A death takes the process lock first and
        // the registry only after releasing it, so the two never wait on each other.
        match entry.shared().set_name(name.clone()) {
            Ok(()) => {
                names.insert(name, entry);
                Ok(())
            }
            Err(NameRefused::Dead) => Err(RegisterError::NoProc),
            Err(NameRefused::HasName(old)) => Err(RegisterError::AlreadyNamed(old)),
        }
    }

    pub(crate) fn unregister(&self, name: &str) -> Result<(), RegisterError> {
        let entry = {
            let mut map = self.map();
            let entry = map.remove(name).ok_or(RegisterError::NotRegistered)?;
            shrink(&mut map);
            entry
        };
        entry.shared().clear_name();
        Ok(())
    }

    pub(crate) fn lookup(&self, name: &str) -> Option<Arc<dyn Entry>> {
        self.map().get(name).cloned()
    }

    pub(crate) fn whereis(&self, name: &str) -> Option<Pid> {
        self.map().get(name).map(|e| e.shared().pid())
    }

    /// Every registered name, sorted (never in hash order).
    pub(crate) fn registered(&self) -> Vec<Name> {
        let mut v: Vec<Name> = self.map().keys().cloned().collect();
        v.sort();
        v
    }

    /// Frees `name` if `pid` still holds it (a dying process's last act before its signals).
    pub(crate) fn remove_if(&self, name: &str, pid: Pid) {
        let mut names = self.map();
        if names.get(name).is_some_and(|e| e.shared().pid() == pid) {
            names.remove(name);
            shrink(&mut names);
        }
    }
}
