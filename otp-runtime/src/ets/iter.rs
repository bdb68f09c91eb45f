//! Iteration over a table that tolerates concurrent writes (see [`Table::iter`]).

use std::fmt;

use super::kind::KindOf;
use super::store::{Slot, Store};
use super::table::Table;

/// An iteration over a table's objects, cloned a chunk at a time; made by [`Table::iter`],
/// which says what it guarantees.
///
/// # Examples
///
/// See [`Table::iter`].
pub struct Iter<K, V, T: KindOf<K, V>> {
    table: Table<K, V, T>,
    at: <T::St as Store<K, T::Slot>>::Cursor,
    /// The current chunk, reversed (popped from the end).
    chunk: Vec<(K, T::Slot)>,
    /// The current key's values not yielded yet, reversed.
    values: Vec<V>,
    key: Option<K>,
    done: bool,
}

impl<K, V, T: KindOf<K, V>> fmt::Debug for Iter<K, V, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Iter").field("table", &self.table).finish()
    }
}

impl<K, V, T> Iter<K, V, T>
where
    K: Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
    T: KindOf<K, V>,
{
    pub(crate) fn new(table: Table<K, V, T>) -> Self {
        Iter {
            table,
            at: Default::default(),
            chunk: Vec::new(),
            values: Vec::new(),
            key: None,
            done: false,
        }
    }
}

impl<K, V, T> Iterator for Iter<K, V, T>
where
    K: Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
    T: KindOf<K, V>,
{
    type Item = (K, V);

    fn next(&mut self) -> Option<(K, V)> {
        loop {
            if let Some(v) = self.values.pop() {
                let k = if self.values.is_empty() {
                    self.key.take()?
                } else {
                    self.key.clone()?
                };
                return Some((k, v));
            }
            if let Some((k, slot)) = self.chunk.pop() {
                self.values.extend(slot.values().iter().rev().cloned());
                self.key = Some(k);
                continue;
            }
            if self.done || self.table.is_deleted() {
                return None;
            }
            if !T::store(&self.table.inner.store).next_chunk(&mut self.at, &mut self.chunk) {
                self.done = true;
                return None;
            }
            self.chunk.reverse();
        }
    }
}
