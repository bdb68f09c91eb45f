//! The configuration of every running application, by name, for `config` and `get_env`
//! (OTP's application environment, kept by the application controller), and the node that
//! runs it, for `NodeRef::of`.
//!
//! It is one table for the program: an application's name is unique in a node, and a second
//! node in the same program (tests do this) cannot run an application of the same name while
//! the first runs it. An entry whose node's controller is dead (killed, or its runtime
//! dropped) is free.

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, MutexGuard, PoisonError};

use toml::Value;

use super::config::{lookup, Loaded};
use crate::node::NodeRef;
use crate::Pid;

struct Env {
    typed: Arc<dyn Any + Send + Sync>,
    table: toml::Table,
    node: NodeRef,
}

static ENVS: LazyLock<Mutex<HashMap<&'static str, Env>>> = LazyLock::new(Default::default);

fn envs() -> MutexGuard<'static, HashMap<&'static str, Env>> {
    // Nothing panics while holding the lock.
    ENVS.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Records the configuration of `name`, run by `node`; false if a live node runs an
/// application of that name already.
pub(crate) fn register(name: &'static str, loaded: &Loaded, node: &NodeRef) -> bool {
    let mut envs = envs();
    if envs
        .get(name)
        .is_some_and(|e| crate::is_alive(e.node.pid()))
    {
        return false;
    }
    envs.insert(
        name,
        Env {
            typed: loaded.typed.clone(),
            table: loaded.table.clone(),
            node: node.clone(),
        },
    );
    true
}

/// Forgets `name`'s configuration, if the node whose controller is `owner` registered it.
pub(crate) fn unregister(name: &str, owner: Pid) {
    let mut envs = envs();
    if envs.get(name).is_some_and(|e| e.node.pid() == owner) {
        envs.remove(name);
    }
}

pub(crate) fn node_of(name: &str) -> Option<NodeRef> {
    envs().get(name).map(|e| e.node.clone())
}

pub(super) fn typed(name: &str) -> Option<Arc<dyn Any + Send + Sync>> {
    envs().get(name).map(|e| e.typed.clone())
}

pub(super) fn value(name: &str, key: &str) -> Option<Value> {
    let key: Vec<String> = key.split('.').map(str::to_owned).collect();
    envs()
        .get(name)
        .and_then(|e| lookup(&e.table, &key).cloned())
}
