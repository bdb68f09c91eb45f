//! A key-value store server. The `kv` and `simple_sup` programs use it.

use std::collections::HashMap;

use otp_runtime::prelude::*;

// ANCHOR: server
/// A map from strings to strings, in a process of its own.
#[derive(Default)]
pub struct Kv {
    map: HashMap<String, String>,
}

#[gen_server]
impl Kv {
    /// Stores `value` under `key`; returns the value it replaces.
    #[call]
    pub fn put(&mut self, key: String, value: String) -> Option<String> {
        self.map.insert(key, value)
    }

    /// The value under `key`. The key "crash" panics, to show what a crash does.
    #[call]
    pub fn get(&self, key: String) -> Option<String> {
        if key == "crash" {
            panic!("asked to crash");
        }
        self.map.get(&key).cloned()
    }

    /// Removes `key` and its value, if present.
    #[cast]
    pub fn delete(&mut self, key: String) {
        self.map.remove(&key);
    }

    /// How many keys are stored.
    #[call]
    pub fn size(&self) -> usize {
        self.map.len()
    }
}
// ANCHOR_END: server
