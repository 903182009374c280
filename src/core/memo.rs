//! Memoization keyed by file content: referenced files are parsed or compiled once, not on every
//! keystroke or for every interface that names them.
//!
//! Pure in-memory caches (no I/O). An entry keeps a copy of the bytes it was computed from, and a hit
//! needs equal bytes, so two files whose hashes collide never share a value. A cache that grows past
//! its capacity, in entries or in bytes kept, starts over; content larger than the byte budget is
//! computed every time and not kept.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The bytes all entries of one cache may keep, together.
const MAX_BYTES: usize = 32 * 1024 * 1024;

pub struct Memo<V> {
    /// Created on first use, so a `Memo` can be a `static`.
    entries: Mutex<Option<Entries<V>>>,
    capacity: usize,
    max_bytes: usize,
    hash: fn(&[u8]) -> u64,
}

/// The bytes a value was computed from, and the value.
type Kept<V> = (Arc<[u8]>, V);

struct Entries<V> {
    /// Entries by hash; a bucket holds every content with that hash.
    buckets: HashMap<u64, Vec<Kept<V>>>,
    count: usize,
    bytes: usize,
}

impl<V: Clone> Memo<V> {
    pub const fn new(capacity: usize) -> Memo<V> {
        Memo::with_hash(capacity, MAX_BYTES, default_hash)
    }

    /// A cache with its own byte budget and hash function (tests force collisions with a constant hash).
    pub const fn with_hash(capacity: usize, max_bytes: usize, hash: fn(&[u8]) -> u64) -> Memo<V> {
        Memo { entries: Mutex::new(None), capacity, max_bytes, hash }
    }

    /// The value for `bytes`, computing it with `compute` the first time.
    pub fn get_or_compute(&self, bytes: &[u8], compute: impl FnOnce() -> V) -> V {
        let key = (self.hash)(bytes);
        if let Some(value) = self.entries.lock().ok().and_then(|it| it.as_ref()?.get(key, bytes)) {
            return value;
        }
        // Computed outside the lock: two threads may both compute, which is harmless.
        let value = compute();
        if bytes.len() > self.max_bytes {
            return value;
        }
        if let Ok(mut guard) = self.entries.lock() {
            let entries = guard.get_or_insert_with(Entries::new);
            if entries.count >= self.capacity || entries.bytes + bytes.len() > self.max_bytes {
                *entries = Entries::new();
            }
            if entries.get(key, bytes).is_none() {
                entries.buckets.entry(key).or_default().push((Arc::from(bytes), value.clone()));
                entries.count += 1;
                entries.bytes += bytes.len();
            }
        }
        value
    }
}

impl<V: Clone> Entries<V> {
    fn new() -> Entries<V> {
        Entries { buckets: HashMap::new(), count: 0, bytes: 0 }
    }

    fn get(&self, key: u64, bytes: &[u8]) -> Option<V> {
        let bucket = self.buckets.get(&key)?;
        bucket.iter().find(|(kept, _)| **kept == *bytes).map(|(_, value)| value.clone())
    }
}

/// A fast hash (every keystroke hashes the bundle files it reads; a hit still needs equal bytes, so a collision
/// costs a comparison, never a wrong value).
fn default_hash(bytes: &[u8]) -> u64 {
    use std::hash::BuildHasher;
    foldhash::fast::FixedState::with_seed(0).hash_one(bytes)
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

    #[test]
    fn colliding_hashes_never_share_a_value() {
        let memo: Memo<&str> = Memo::with_hash(16, 1024, |_| 7);
        assert_eq!(memo.get_or_compute(b"first", || "first"), "first");
        assert_eq!(memo.get_or_compute(b"other", || "other"), "other");
        // Same length, same hash, different bytes.
        assert_eq!(memo.get_or_compute(b"firsT", || "firsT"), "firsT");
        // Both are kept and found again without computing.
        assert_eq!(memo.get_or_compute(b"first", || "recomputed"), "first");
        assert_eq!(memo.get_or_compute(b"other", || "recomputed"), "other");
    }

    #[test]
    fn keeps_at_most_its_byte_budget() {
        let memo: Memo<usize> = Memo::with_hash(16, 10, default_hash);
        let mut calls = 0;
        let mut count = |bytes: &[u8]| {
            memo.get_or_compute(bytes, || {
                calls += 1;
                bytes.len()
            })
        };
        // Too large to keep: computed each time.
        count(b"0123456789ab");
        count(b"0123456789ab");
        // Two six-byte entries exceed the budget: the second one starts the cache over.
        count(b"aaaaaa");
        count(b"bbbbbb");
        count(b"bbbbbb");
        count(b"aaaaaa");
        assert_eq!(calls, 5);
        let kept = memo.entries.lock().unwrap().as_ref().map(|it| it.bytes);
        assert_eq!(kept, Some(6));
    }
}
