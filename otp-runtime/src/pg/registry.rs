//! A node's scopes by name, so that a name finds its scope's table (the node's name registry
//! gives only a pid), and whether the node is distributed yet (scopes started before
//! distribution join the cluster when it starts).

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};

use tokio::sync::watch;

use super::server::ScopeMsg;
use super::table::Table;
use super::Group;
use crate::process::core::Core;
use crate::{Name, ProcessRef};

/// One scope, as its node keeps it: the table, and its process, weakly (a process holds its
/// node, so a strong reference here would keep a dropped node alive).
pub(crate) struct Entry<G: Group> {
    pub(crate) table: Arc<Table<G>>,
    pub(crate) process: Weak<Core<ScopeMsg<G>>>,
}

impl<G: Group> Entry<G> {
    /// The process, if alive.
    pub(crate) fn process(&self) -> Option<ProcessRef<ScopeMsg<G>>> {
        let p = ProcessRef::from_core(self.process.upgrade()?);
        p.is_alive().then_some(p)
    }
}

/// The node's part of `pg`.
pub(crate) struct NodeScopes {
    scopes: Mutex<HashMap<Name, Arc<dyn Any + Send + Sync>>>,
    dist_up: watch::Sender<bool>,
}

impl Default for NodeScopes {
    fn default() -> Self {
        NodeScopes {
            scopes: Mutex::new(HashMap::new()),
            dist_up: watch::Sender::new(false),
        }
    }
}

impl NodeScopes {
    pub(crate) fn scopes(&self) -> MutexGuard<'_, HashMap<Name, Arc<dyn Any + Send + Sync>>> {
        self.scopes.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Tells the scopes that the node is distributed now.
    pub(crate) fn distribution_started(&self) {
        self.dist_up.send_replace(true);
    }

    pub(crate) fn dist_watch(&self) -> watch::Receiver<bool> {
        self.dist_up.subscribe()
    }
}
