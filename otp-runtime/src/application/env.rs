//! The configuration of every running application, by name, for `config` and `get_env`
//! (OTP's application environment, kept by the application controller).
//!
//! It is one table for the program: an application's name is unique in a node, and a second
//! node in the same program (tests do this) cannot run an application of the same name.

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, MutexGuard, PoisonError};

use toml::Value;

use super::config::{lookup, Loaded};

struct Env {
    typed: Arc<dyn Any + Send + Sync>,
    table: toml::Table,
}

static ENVS: LazyLock<Mutex<HashMap<&'static str, Env>>> = LazyLock::new(Default::default);

fn envs() -> MutexGuard<'static, HashMap<&'static str, Env>> {
    // Nothing panics while holding the lock.
    ENVS.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Records the configuration of `name`; false if an application of that name is loaded
/// already (by another node of this program).
pub(crate) fn register(name: &'static str, loaded: &Loaded) -> bool {
    let mut envs = envs();
    if envs.contains_key(name) {
        return false;
    }
    envs.insert(
        name,
        Env {
            typed: loaded.typed.clone(),
            table: loaded.table.clone(),
        },
    );
    true
}

pub(crate) fn unregister(name: &str) {
    envs().remove(name);
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
