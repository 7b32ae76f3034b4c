//! Exact-value correlation: which stored objects state or compare an
//! observable. Kept in memory as one hash table from a 64-bit key of the
//! canonical value to the objects (by the store's dense number for each),
//! so a check of 10,000 values is 10,000 probes. The key is a hash, so a
//! probe gives candidates: the caller confirms each against the object's
//! own observables before answering (a collision is never a match).
//!
//! A value stated by more than the cap's number of objects is answered with
//! the count and the first objects only, as MISP's correlation limit does:
//! such a value correlates everything and tells nothing.

use std::hash::{BuildHasher, Hash, Hasher};

use hashbrown::HashMap;

use crate::observable::Observable;

/// The objects behind one key: most values are stated once.
#[derive(Debug, Clone)]
enum Postings {
    One(u32),
    Many(Vec<u32>),
}

/// The correlation index.
#[derive(Debug, Clone)]
pub struct Correlations {
    keys: HashMap<u64, Postings, Fixed>,
    entries: usize,
    cap: usize,
}

/// The table's hasher: its keys are hashes already.
#[derive(Debug, Clone, Copy, Default)]
struct Fixed;

impl BuildHasher for Fixed {
    type Hasher = IdentityHasher;

    fn build_hasher(&self) -> IdentityHasher {
        IdentityHasher(0)
    }
}

/// The table's keys are already hashes: used as they are.
#[derive(Debug, Clone, Copy, Default)]
struct IdentityHasher(u64);

impl Hasher for IdentityHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8) | u64::from(*b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// The 64-bit key of an observable (SipHash from std; the index lives in
/// one process's memory, so the key never needs to be the same elsewhere).
pub fn key(o: &Observable) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    o.kind.hash(&mut h);
    o.value.hash(&mut h);
    h.finish()
}

/// What a probe found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found<'a> {
    /// The objects (at most the cap), in the order they were added.
    pub objects: &'a [u32],
    /// How many objects state the value in all.
    pub total: usize,
}

impl Correlations {
    /// An empty index that answers at most `cap` objects per value.
    pub fn new(cap: usize) -> Correlations {
        Correlations { keys: HashMap::with_hasher(Fixed), entries: 0, cap: cap.max(1) }
    }

    /// Pairs of (value, object) held.
    pub fn len(&self) -> usize {
        self.entries
    }

    pub fn is_empty(&self) -> bool {
        self.entries == 0
    }

    /// Distinct keys held.
    pub fn values(&self) -> usize {
        self.keys.len()
    }

    /// Reserves room for `additional` more values.
    pub fn reserve(&mut self, additional: usize) {
        self.keys.reserve(additional);
    }

    /// Notes that `object` states `o` (once per pair).
    pub fn add(&mut self, o: &Observable, object: u32) {
        self.add_key(key(o), object);
    }

    /// Notes that `object` states the observable whose key is `k`.
    pub fn add_key(&mut self, k: u64, object: u32) {
        match self.keys.entry(k) {
            hashbrown::hash_map::Entry::Vacant(v) => {
                v.insert(Postings::One(object));
            }
            hashbrown::hash_map::Entry::Occupied(mut e) => match e.get_mut() {
                Postings::One(first) if *first == object => return,
                Postings::One(first) => {
                    let first = *first;
                    e.insert(Postings::Many(vec![first, object]));
                }
                // Objects usually come in increasing order (the hub adds them
                // by number): then only the last can be the same.
                Postings::Many(list) if list.last().is_some_and(|l| *l >= object) && list.contains(&object) => return,
                Postings::Many(list) => list.push(object),
            },
        }
        self.entries += 1;
    }

    /// Forgets that `object` states `o`.
    pub fn remove(&mut self, o: &Observable, object: u32) {
        let k = key(o);
        let gone = match self.keys.get_mut(&k) {
            Some(Postings::One(first)) if *first == object => {
                self.keys.remove(&k);
                true
            }
            Some(Postings::Many(list)) => {
                let before = list.len();
                list.retain(|x| *x != object);
                let gone = list.len() < before;
                if let [only] = list.as_slice() {
                    let only = *only;
                    self.keys.insert(k, Postings::One(only));
                }
                gone
            }
            _ => false,
        };
        self.entries -= usize::from(gone);
    }

    /// Every object that states `o`, in the order they were added.
    pub fn all(&self, o: &Observable) -> &[u32] {
        match self.keys.get(&key(o)) {
            None => &[],
            Some(Postings::One(one)) => std::slice::from_ref(one),
            Some(Postings::Many(list)) => list,
        }
    }

    /// The objects that state `o`, at most the cap of them.
    pub fn find(&self, o: &Observable) -> Found<'_> {
        match self.keys.get(&key(o)) {
            None => Found { objects: &[], total: 0 },
            Some(Postings::One(one)) => Found { objects: std::slice::from_ref(one), total: 1 },
            Some(Postings::Many(list)) => Found { objects: &list[..list.len().min(self.cap)], total: list.len() },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observable::normalize;

    #[test]
    fn a_value_finds_the_objects_that_state_it_up_to_the_cap() {
        let mut c = Correlations::new(2);
        let ip = normalize("203.0.113.9").expect("ip");
        let other = normalize("203.0.113.10").expect("ip");
        for object in [7, 8, 9, 8] {
            c.add(&ip, object);
        }
        c.add(&other, 1);
        assert_eq!(c.len(), 4, "a pair added twice counts once");
        assert_eq!(c.find(&ip), Found { objects: &[7, 8], total: 3 });
        assert_eq!(c.find(&normalize("203.0.113[.]10").expect("ip")), Found { objects: &[1], total: 1 });
        c.remove(&ip, 8);
        c.remove(&ip, 7);
        assert_eq!(c.find(&ip), Found { objects: &[9], total: 1 });
        c.remove(&ip, 9);
        assert_eq!(c.find(&ip).total, 0);
        assert_eq!((c.len(), c.values()), (1, 1));
    }

    #[test]
    fn the_same_text_of_two_kinds_is_two_keys() {
        let a = Observable { kind: crate::observable::Kind::Domain, value: "x.example".into() };
        let b = Observable { kind: crate::observable::Kind::Email, value: "x.example".into() };
        assert_ne!(key(&a), key(&b));
    }
}
