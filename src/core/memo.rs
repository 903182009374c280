//! Memoization keyed by file content: referenced files are parsed or compiled once, not on every
//! keystroke or for every interface that names them.
//!
//! Pure in-memory caches (no I/O); entries are keyed by a hash of the bytes and their length, and a
//! cache that grows past its capacity starts over.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hasher};
use std::sync::Mutex;

pub struct Memo<V> {
    /// Created on first use, so a `Memo` can be a `static`.
    entries: Mutex<Option<HashMap<(u64, usize), V>>>,
    capacity: usize,
}

impl<V: Clone> Memo<V> {
    pub const fn new(capacity: usize) -> Memo<V> {
        Memo { entries: Mutex::new(None), capacity }
    }

    /// The value for `bytes`, computing it with `compute` the first time.
    pub fn get_or_compute(&self, bytes: &[u8], compute: impl FnOnce() -> V) -> V {
        let mut hasher = DefaultHasher::new();
        hasher.write(bytes);
        let key = (hasher.finish(), bytes.len());
        if let Some(value) = self.entries.lock().ok().and_then(|it| it.as_ref()?.get(&key).cloned()) {
            return value;
        }
        // Computed outside the lock: two threads may both compute, which is harmless.
        let value = compute();
        if let Ok(mut guard) = self.entries.lock() {
            let entries = guard.get_or_insert_with(HashMap::new);
            if entries.len() >= self.capacity {
                entries.clear();
            }
            entries.insert(key, value.clone());
        }
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn computes_once_per_content() {
        let memo: Memo<usize> = Memo::new(2);
        let mut calls = 0;
        for _ in 0..3 {
            assert_eq!(
                memo.get_or_compute(b"abc", || {
                    calls += 1;
                    3
                }),
                3
            );
        }
        assert_eq!(calls, 1);
        assert_eq!(memo.get_or_compute(b"abcd", || 4), 4);
        // Past capacity the cache starts over, values stay right.
        assert_eq!(memo.get_or_compute(b"x", || 1), 1);
        assert_eq!(memo.get_or_compute(b"abc", || 30), 30);
    }
}
