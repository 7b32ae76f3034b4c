//! The one policy for the store's in-memory state behind locks.
//!
//! A lock is poisoned when a thread panicked while holding it. The maps
//! kept here (settings, tokens, dismissals, watches, published notices,
//! neutrality terms) change only by single inserts, removals or
//! replacements, which a panic cannot leave half-done, so a poisoned lock
//! is taken as it is: never read as empty, never skipped on write. The
//! screening index is the exception (an upsert is several steps): its
//! poisoned lock makes screening answer 503 (`StoreError::Unavailable`).

use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// Reads a map of the store's state, poisoned or not.
pub(crate) fn read<T>(lock: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(PoisonError::into_inner)
}

/// Writes a map of the store's state, poisoned or not.
pub(crate) fn write<T>(lock: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_poisoned_map_is_read_and_written_as_it_is() {
        let lock = std::sync::Arc::new(RwLock::new(vec![1, 2]));
        let held = lock.clone();
        let panicked = std::thread::spawn(move || {
            let _guard = held.write();
            panic!("poisons the lock");
        })
        .join();
        assert!(panicked.is_err() && lock.is_poisoned());
        assert_eq!(*read(&lock), [1, 2], "not read as empty");
        write(&lock).push(3);
        assert_eq!(*read(&lock), [1, 2, 3], "not skipped on write");
    }
}
