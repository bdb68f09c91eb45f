//! A node's scopes by name, so that a name finds its scope's table (the node's name registry
//! gives only a pid), and whether the node is distributed yet (scopes started before
//! distribution join the cluster when it starts).

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock, Weak};

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
    /// The table of the scope last started as `pg` (a `Table<Atom>`), for the default
    /// scope's reads: one read lock instead of a lookup by name. A dead scope's table is
    /// empty, as Erlang's reads find no table.
    default_table: RwLock<Option<Arc<dyn Any + Send + Sync>>>,
    dist_up: watch::Sender<bool>,
}

impl Default for NodeScopes {
    fn default() -> Self {
        NodeScopes {
            scopes: Mutex::new(HashMap::new()),
            default_table: RwLock::new(None),
            dist_up: watch::Sender::new(false),
        }
    }
}

impl NodeScopes {
    pub(crate) fn scopes(&self) -> MutexGuard<'_, HashMap<Name, Arc<dyn Any + Send + Sync>>> {
        self.scopes.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Keeps `scope`'s table for the default scope's reads if it is named `pg`.
    pub(crate) fn started<G: Group>(&self, name: &Name, table: &Arc<Table<G>>) {
        if name.as_str() == super::DEFAULT_SCOPE {
            let table: Arc<dyn Any + Send + Sync> = table.clone();
            *self
                .default_table
                .write()
                .unwrap_or_else(PoisonError::into_inner) = Some(table);
        }
    }

    /// The default scope's table, if a scope of atoms named `pg` was started.
    pub(crate) fn default_table(&self) -> Option<Arc<dyn Any + Send + Sync>> {
        self.default_table
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Tells the scopes that the node is distributed now.
    pub(crate) fn distribution_started(&self) {
        self.dist_up.send_replace(true);
    }

    pub(crate) fn dist_watch(&self) -> watch::Receiver<bool> {
        self.dist_up.subscribe()
    }
}
