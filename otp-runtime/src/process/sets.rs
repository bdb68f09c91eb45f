//! The collections a process keeps of others: its links, who monitors it, and the monitors it
//! holds. Each is a vector while small, since most processes have a link or two, and a hash
//! table once large, so that a supervisor of a million children adds, finds and removes a
//! link in constant time. Neither is ever iterated to decide an order a user sees: a death
//! sorts what it signals (by pid, by monitor id).

use std::collections::{HashMap, HashSet};
use std::hash::BuildHasherDefault;
use std::num::NonZeroU64;

use crate::node::table::IdHasher;

/// Past this many entries, a vector becomes a hash table.
const FEW: usize = 16;

type Hasher = BuildHasherDefault<IdHasher>;

/// A process's links: the pid numbers of processes of its own node (a link to another node's
/// process cannot be made yet).
pub(crate) enum Links {
    /// One link, kept in place: every supervised child has exactly one (to its supervisor),
    /// and a vector for it would cost an allocation and 32 bytes a child.
    One(NonZeroU64),
    Few(Vec<NonZeroU64>),
    /// Boxed, so that the set is as small as a vector in every process that has one (the
    /// extra allocation is paid by the few processes with more than sixteen links).
    #[allow(clippy::box_collection)]
    Many(Box<HashSet<NonZeroU64, Hasher>>),
}

impl Default for Links {
    fn default() -> Self {
        Links::Few(Vec::new())
    }
}

impl Links {
    /// Adds a link; false if there was one.
    pub(crate) fn insert(&mut self, n: NonZeroU64) -> bool {
        match self {
            Links::One(m) if *m == n => false,
            Links::One(m) => {
                *self = Links::Few(vec![*m, n]);
                true
            }
            Links::Few(v) if v.is_empty() => {
                *self = Links::One(n);
                true
            }
            Links::Few(v) if v.contains(&n) => false,
            Links::Few(v) if v.len() < FEW => {
                v.push(n);
                true
            }
            Links::Few(v) => {
                let mut set: HashSet<NonZeroU64, Hasher> = v.drain(..).collect();
                set.insert(n);
                *self = Links::Many(Box::new(set));
                true
            }
            Links::Many(set) => set.insert(n),
        }
    }

    /// Removes a link; false if there was none.
    pub(crate) fn remove(&mut self, n: NonZeroU64) -> bool {
        match self {
            Links::One(m) if *m == n => {
                *self = Links::Few(Vec::new());
                true
            }
            Links::One(_) => false,
            Links::Few(v) => match v.iter().position(|p| *p == n) {
                Some(i) => {
                    v.swap_remove(i);
                    true
                }
                None => false,
            },
            Links::Many(set) => {
                let removed = set.remove(&n);
                if set.capacity() > 64 && set.len() < set.capacity() / 4 {
                    set.shrink_to(set.len() * 2);
                }
                removed
            }
        }
    }

    pub(crate) fn contains(&self, n: NonZeroU64) -> bool {
        match self {
            Links::One(m) => *m == n,
            Links::Few(v) => v.contains(&n),
            Links::Many(set) => set.contains(&n),
        }
    }

    /// Whether every link satisfies `f`.
    pub(crate) fn all(&self, f: impl Fn(NonZeroU64) -> bool) -> bool {
        match self {
            Links::One(m) => f(*m),
            Links::Few(v) => v.iter().all(|n| f(*n)),
            Links::Many(set) => set.iter().all(|n| f(*n)),
        }
    }

    /// The links, oldest process first.
    pub(crate) fn sorted(&self) -> Vec<NonZeroU64> {
        let mut v: Vec<NonZeroU64> = match self {
            Links::One(m) => vec![*m],
            Links::Few(v) => v.clone(),
            Links::Many(set) => set.iter().copied().collect(),
        };
        v.sort_unstable();
        v
    }

    /// Calls `f` on each link, oldest process first, taking them (a single link allocates
    /// nothing).
    #[inline]
    pub(crate) fn drain_sorted(self, mut f: impl FnMut(NonZeroU64)) {
        let mut v: Vec<NonZeroU64> = match self {
            Links::One(m) => return f(m),
            Links::Few(v) => v,
            Links::Many(set) => set.into_iter().collect(),
        };
        if v.len() > 1 {
            v.sort_unstable();
        }
        v.into_iter().for_each(f);
    }
}

/// Entries by monitor id (ids are unique on a node and grow).
pub(crate) enum ById<T> {
    Few(Vec<(u64, T)>),
    /// Boxed, as `Links::Many`.
    #[allow(clippy::box_collection)]
    Many(Box<HashMap<u64, T, Hasher>>),
}

impl<T> Default for ById<T> {
    fn default() -> Self {
        ById::Few(Vec::new())
    }
}

impl<T> ById<T> {
    pub(crate) fn insert(&mut self, id: u64, value: T) {
        match self {
            ById::Few(v) if v.len() < FEW => {
                // Grown one at a time: most hold one or two.
                v.reserve_exact(1);
                v.push((id, value));
            }
            ById::Few(v) => {
                let mut map: HashMap<u64, T, Hasher> = v.drain(..).collect();
                map.insert(id, value);
                *self = ById::Many(Box::new(map));
            }
            ById::Many(map) => {
                map.insert(id, value);
            }
        }
    }

    /// Removes entry `id`; true if there was one.
    pub(crate) fn remove(&mut self, id: u64) -> bool {
        self.take(id).is_some()
    }

    /// Removes entry `id` and returns it.
    pub(crate) fn take(&mut self, id: u64) -> Option<T> {
        match self {
            ById::Few(v) => {
                let i = v.iter().position(|(r, _)| *r == id)?;
                Some(v.swap_remove(i).1)
            }
            ById::Many(map) => {
                let taken = map.remove(&id);
                crate::node::table::shrink(map);
                taken
            }
        }
    }

    /// Entry `id`.
    pub(crate) fn get(&self, id: u64) -> Option<&T> {
        match self {
            ById::Few(v) => v.iter().find(|(r, _)| *r == id).map(|(_, t)| t),
            ById::Many(map) => map.get(&id),
        }
    }

    pub(crate) fn len(&self) -> usize {
        match self {
            ById::Few(v) => v.len(),
            ById::Many(map) => map.len(),
        }
    }

    /// How many entries satisfy `f`.
    pub(crate) fn count(&self, f: impl Fn(&T) -> bool) -> usize {
        match self {
            ById::Few(v) => v.iter().filter(|(_, t)| f(t)).count(),
            ById::Many(map) => map.values().filter(|t| f(t)).count(),
        }
    }

    /// Takes the entries that satisfy `f`, in the order they were added (by id).
    pub(crate) fn take_all(&mut self, f: impl Fn(&T) -> bool) -> Vec<(u64, T)> {
        let mut taken = Vec::new();
        match self {
            ById::Few(v) => {
                let mut i = 0;
                while i < v.len() {
                    if f(&v[i].1) {
                        taken.push(v.remove(i));
                    } else {
                        i += 1;
                    }
                }
            }
            ById::Many(map) => {
                let ids: Vec<u64> = map
                    .iter()
                    .filter(|(_, t)| f(t))
                    .map(|(id, _)| *id)
                    .collect();
                for id in ids {
                    if let Some(t) = map.remove(&id) {
                        taken.push((id, t));
                    }
                }
            }
        }
        taken.sort_unstable_by_key(|(id, _)| *id);
        taken
    }

    /// The entries in the order they were added (by id), taking them.
    #[inline]
    pub(crate) fn into_sorted(self) -> Vec<(u64, T)> {
        let mut v: Vec<(u64, T)> = match self {
            ById::Few(v) => v,
            ById::Many(map) => map.into_iter().collect(),
        };
        if v.len() > 1 {
            v.sort_unstable_by_key(|(id, _)| *id);
        }
        v
    }
}

impl<T: Clone> ById<T> {
    /// The entries in the order they were added (by id).
    pub(crate) fn sorted(&self) -> Vec<(u64, T)> {
        let mut v: Vec<(u64, T)> = match self {
            ById::Few(v) => v.clone(),
            ById::Many(map) => map.iter().map(|(k, t)| (*k, t.clone())).collect(),
        };
        v.sort_unstable_by_key(|(id, _)| *id);
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(x: u64) -> NonZeroU64 {
        NonZeroU64::new(x).unwrap()
    }

    #[test]
    fn links_stay_a_set_across_the_switch_to_a_table() {
        let mut links = Links::default();
        for x in (1..=40).rev() {
            assert!(links.insert(n(x)));
            assert!(!links.insert(n(x)), "twice is once");
        }
        assert!(matches!(links, Links::Many(_)));
        assert!(links.remove(n(7)) && !links.remove(n(7)));
        assert!(!links.contains(n(7)) && links.contains(n(8)));
        let sorted = links.sorted();
        assert_eq!(sorted.len(), 39);
        assert!(sorted.windows(2).all(|w| w[0] < w[1]));
        let mut drained = Vec::new();
        links.drain_sorted(|l| drained.push(l));
        assert_eq!(drained, sorted);
    }

    /// One link is kept in place; a second makes a vector, and removing down to none and
    /// adding again starts over in place.
    #[test]
    fn one_link_stays_in_place() {
        let mut links = Links::default();
        assert!(links.insert(n(5)) && !links.insert(n(5)));
        assert!(matches!(links, Links::One(_)));
        assert!(links.contains(n(5)) && !links.contains(n(6)) && links.all(|l| l == n(5)));
        assert!(!links.remove(n(6)) && links.remove(n(5)) && !links.remove(n(5)));
        assert!(links.all(|_| false), "none left");
        assert!(links.insert(n(9)) && links.insert(n(3)));
        assert_eq!(links.sorted(), [n(3), n(9)]);
        assert!(links.remove(n(3)) && links.insert(n(4)));
        let mut drained = Vec::new();
        links.drain_sorted(|l| drained.push(l));
        assert_eq!(drained, [n(4), n(9)]);
        let mut one = Links::default();
        one.insert(n(2));
        let mut drained = Vec::new();
        one.drain_sorted(|l| drained.push(l));
        assert_eq!(drained, [n(2)]);
    }

    #[test]
    fn entries_by_id_come_back_in_id_order() {
        let mut m = ById::default();
        for id in [
            5u64, 3, 40, 1, 22, 17, 9, 2, 30, 11, 6, 8, 13, 14, 15, 16, 18, 19, 20,
        ] {
            m.insert(id, id * 10);
        }
        assert!(matches!(m, ById::Many(_)));
        assert!(m.remove(40) && !m.remove(40));
        assert_eq!(m.len(), 18);
        let ids: Vec<u64> = m.sorted().iter().map(|(id, _)| *id).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(m.into_sorted()[0], (1, 10));
    }
}
