//! A node's named tables (`ets:new(Name, [named_table])`, `ets:whereis/1`): each node has
//! its own, so the same name on two nodes names two tables.

use std::any::Any;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::TableError;

/// A named table: the table's shared part, and its type's name for errors.
struct Entry {
    table: Arc<dyn Any + Send + Sync>,
    type_name: &'static str,
    id: u64,
}

/// The named tables of a node, by name (a B-tree: listed in name order, in every run).
#[derive(Default)]
pub(crate) struct Named(Mutex<BTreeMap<Box<str>, Entry>>);

impl Named {
    fn lock(&self) -> MutexGuard<'_, BTreeMap<Box<str>, Entry>> {
        // Nothing panics while holding the lock.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Names table `id`; refused if the name is taken.
    pub(crate) fn insert(
        &self,
        name: &str,
        id: u64,
        table: Arc<dyn Any + Send + Sync>,
        type_name: &'static str,
    ) -> Result<(), TableError> {
        let mut map = self.lock();
        if map.contains_key(name) {
            return Err(TableError::NameTaken(name.into()));
        }
        map.insert(
            name.into(),
            Entry {
                table,
                type_name,
                id,
            },
        );
        Ok(())
    }

    /// Frees `name` if table `id` still has it.
    pub(crate) fn remove(&self, name: &str, id: u64) {
        let mut map = self.lock();
        if map.get(name).is_some_and(|e| e.id == id) {
            map.remove(name);
        }
    }

    /// The table named `name`, as type `T`.
    pub(crate) fn get<T: Any + Send + Sync>(
        &self,
        name: &str,
        expected: &'static str,
    ) -> Result<Arc<T>, TableError> {
        let (table, found) = {
            let map = self.lock();
            let e = map
                .get(name)
                .ok_or_else(|| TableError::NoTable(name.into()))?;
            (e.table.clone(), e.type_name)
        };
        table.downcast::<T>().map_err(|_| TableError::WrongType {
            name: name.into(),
            expected,
            found,
        })
    }

    /// The names, in order.
    pub(crate) fn names(&self) -> Vec<String> {
        self.lock().keys().map(|k| k.to_string()).collect()
    }
}
