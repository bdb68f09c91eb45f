//! The configuration of every application a node runs, by name, for
//! [`config`](crate::application::config) and [`get_env`](crate::application::get_env)
//! (OTP's application environment, kept by the application controller).
//!
//! Each node has its own: two nodes in one program may run applications of the same name,
//! each with its own configuration.

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use toml::Value;

use crate::application::{lookup, Loaded};

struct Env {
    typed: Arc<dyn Any + Send + Sync>,
    table: toml::Table,
}

#[derive(Default)]
pub(crate) struct Envs {
    map: Mutex<HashMap<&'static str, Env>>,
}

impl Envs {
    fn map(&self) -> MutexGuard<'_, HashMap<&'static str, Env>> {
        // Nothing panics while holding the lock.
        self.map.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records the configuration of `name`; false if the node has one of that name already.
    pub(crate) fn register(&self, name: &'static str, loaded: &Loaded) -> bool {
        let mut map = self.map();
        if map.contains_key(name) {
            return false;
        }
        map.insert(
            name,
            Env {
                typed: loaded.typed.clone(),
                table: loaded.table.clone(),
            },
        );
        true
    }

    pub(crate) fn unregister(&self, name: &str) {
        self.map().remove(name);
    }

    /// Forgets every configuration: the node has stopped.
    pub(crate) fn clear(&self) {
        self.map().clear();
    }

    pub(crate) fn contains(&self, name: &str) -> bool {
        self.map().contains_key(name)
    }

    pub(crate) fn typed(&self, name: &str) -> Option<Arc<dyn Any + Send + Sync>> {
        self.map().get(name).map(|e| e.typed.clone())
    }

    pub(crate) fn value(&self, name: &str, key: &str) -> Option<Value> {
        let key: Vec<String> = key.split('.').map(str::to_owned).collect();
        self.map()
            .get(name)
            .and_then(|e| lookup(&e.table, &key).cloned())
    }
}
