//! Bundle files for the language server: an in-memory cache, so checking never waits on disk.
//!
//! A check that asks for a file the cache does not hold gets "not loaded yet" and the path is
//! recorded as a miss; the caller loads the misses off the typing path and checks again. Loads
//! run on a small dedicated pool with a timeout per file: a file that cannot be read in time is
//! cached as timed out (one finding, not one blocked thread per keystroke), a file already being
//! loaded is not queued again, and the pool never grows. The cache holds at most `MAX_BYTES` of
//! file contents and `MAX_ENTRIES` files; past either it starts over (cheap to refill). File
//! watcher events invalidate entries, and the files of a closed bundle are forgotten.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::core::bundle::{FileRead, Unusable};
use crate::fs::{FileKey, Loader, gate};
use crate::server::pool::{Job, Pool, Refused};

/// At most this many files are cached.
const MAX_ENTRIES: usize = 10_000;

/// At most this many bytes of file contents are cached.
const MAX_BYTES: usize = 64 * 1024 * 1024;

/// What an entry costs beyond its contents (the key's paths, the map's slot), for the budget.
const ENTRY_OVERHEAD: usize = 256;

/// How long one file may take to read.
const LOAD_TIMEOUT: Duration = Duration::from_secs(2);

/// How long a load waits for room in a full queue before it counts as stuck.
const QUEUE_PATIENCE: Duration = Duration::from_secs(30);

/// Threads reading bundle files, and how many loads may wait for one.
const LOAD_THREADS: usize = 2;
const LOAD_QUEUE: usize = 256;

/// Reads one file (the gate; tests pass their own).
pub type Reader = Arc<dyn Fn(&FileKey) -> FileRead + Send + Sync>;

pub struct FileCache {
    state: Mutex<State>,
    pool: Pool,
    reader: Reader,
    budget: usize,
    next_load: AtomicU64,
}

#[derive(Default)]
struct State {
    /// Each file with when it was stored (a counter), so the oldest go first when full.
    entries: HashMap<FileKey, (u64, FileRead)>,
    stored: u64,
    /// The cost of `entries` against the budget.
    bytes: usize,
    /// Files being read now.
    loading: HashMap<FileKey, Loading>,
}

/// One file being read.
struct Loading {
    /// Which load this is: the result of a load that was forgotten meanwhile is not kept.
    id: u64,
    /// When a pool thread began the read (unset while it waits in the queue).
    began: Arc<OnceLock<Instant>>,
    /// Becomes true when the read finished.
    done: watch::Receiver<bool>,
}

impl Default for FileCache {
    fn default() -> FileCache {
        FileCache::new(Arc::new(gate::read), MAX_BYTES, LOAD_TIMEOUT)
    }
}

impl FileCache {
    pub fn new(reader: Reader, budget: usize, timeout: Duration) -> FileCache {
        FileCache {
            state: Mutex::new(State::default()),
            pool: Pool::new("pacto-files", LOAD_THREADS, LOAD_QUEUE, timeout),
            reader,
            budget,
            next_load: AtomicU64::new(1),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves the map usable; the data is a cache.
        self.state.lock().unwrap_or_else(|it| it.into_inner())
    }

    pub fn get(&self, key: &FileKey) -> Option<FileRead> {
        self.state().entries.get(key).map(|(_, read)| read.clone())
    }

    /// Reads the given files into the cache on the load pool, waiting at most the pool's timeout
    /// for all of them; a file not read by then is cached as timed out.
    pub async fn load(self: &Arc<Self>, keys: &[FileKey]) {
        let mut waits = Vec::new();
        for key in keys {
            let (began, mut job, done) = {
                let mut state = self.state();
                if state.entries.contains_key(key) {
                    continue;
                }
                if let Some(loading) = state.loading.get(key) {
                    waits.push((key.clone(), loading.began.clone(), loading.done.clone()));
                    continue;
                }
                let id = self.next_load.fetch_add(1, Ordering::Relaxed);
                let (finished, done) = watch::channel(false);
                let began: Arc<OnceLock<Instant>> = Arc::default();
                let (cache, job_key, job_began) = (Arc::downgrade(self), key.clone(), began.clone());
                let job: Job = Box::new(move || {
                    let _ = job_began.set(Instant::now());
                    let Some(cache) = cache.upgrade() else { return };
                    let read = (cache.reader)(&job_key);
                    cache.finish(&job_key, id, read);
                    let _ = finished.send(true);
                });
                // Registered before the job is queued: it may finish before `submit` returns.
                state.loading.insert(key.clone(), Loading { id, began: began.clone(), done: done.clone() });
                (began, job, done)
            };
            // A full queue is back-pressure (many bundles opened at once), not a failure: wait for room.
            let queued_at = Instant::now();
            loop {
                match self.pool.submit(job) {
                    Ok(()) => {
                        waits.push((key.clone(), began, done));
                        break;
                    }
                    Err((Refused::Full, back)) if queued_at.elapsed() < QUEUE_PATIENCE => {
                        job = back;
                        tokio::time::sleep(Duration::from_millis(2)).await;
                    }
                    Err((refused, _)) => {
                        tracing::warn!(path = %key.path().display(), ?refused, "bundle file not read: the loader is stuck");
                        let mut state = self.state();
                        state.loading.remove(key);
                        insert(&mut state, self.budget, key.clone(), FileRead::Unusable(Unusable::TimedOut));
                        break;
                    }
                }
            }
        }
        // Each read may take the pool's timeout from when a thread began it; a read still queued
        // waits for its turn unless every thread is stuck.
        for (key, began, mut done) in waits {
            loop {
                let tick = tokio::time::timeout(Duration::from_millis(50), done.wait_for(|it| *it)).await;
                if tick.is_ok() {
                    break; // Finished, or the job was dropped (its result is in the cache or will be asked again).
                }
                let overdue = match began.get() {
                    Some(at) => at.elapsed() >= self.pool.timeout,
                    None => self.pool.is_stuck(),
                };
                if overdue {
                    let mut state = self.state();
                    if !state.entries.contains_key(&key) {
                        tracing::warn!(path = %key.path().display(), "bundle file not read in time");
                        insert(&mut state, self.budget, key, FileRead::Unusable(Unusable::TimedOut));
                    }
                    break;
                }
            }
        }
    }

    /// Keeps a finished read, unless its load was forgotten meanwhile (the file changed).
    fn finish(&self, key: &FileKey, id: u64, read: FileRead) {
        let mut state = self.state();
        if state.loading.get(key).is_none_or(|it| it.id != id) {
            return;
        }
        state.loading.remove(key);
        insert(&mut state, self.budget, key.clone(), read);
    }

    /// Forgets a path and everything below it (a changed, created or deleted file or folder).
    /// Reads of it under way are forgotten too (their result may be stale), except reads that
    /// are stuck: queueing the file again would only hold one more thread.
    pub fn invalidate(&self, path: &Path) {
        let timeout = self.pool.timeout;
        let mut state = self.state();
        state.entries.retain(|key, _| !key.path().starts_with(path));
        let stuck = |it: &Loading| it.began.get().is_some_and(|at| at.elapsed() >= timeout);
        state.loading.retain(|key, it| !key.path().starts_with(path) || stuck(it));
        state.bytes = state.entries.values().map(|(_, read)| cost(read)).sum();
    }

    /// Forgets the files of the bundle at `root` (its contract was closed), but not those of
    /// bundles below it, which may be other documents' bundles.
    pub fn forget_bundle(&self, root: &Path) {
        let mut state = self.state();
        state.entries.retain(|key, _| key.root != root);
        state.bytes = state.entries.values().map(|(_, read)| cost(read)).sum();
    }

    /// Forgets everything (no document is open).
    pub fn clear(&self) {
        let mut state = self.state();
        state.entries.clear();
        state.bytes = 0;
    }

    /// How many bytes the cached entries count for against the budget.
    #[cfg(test)]
    pub fn cached_bytes(&self) -> usize {
        self.state().bytes
    }
}

fn cost(read: &FileRead) -> usize {
    match read {
        FileRead::File(bytes) => bytes.len() + ENTRY_OVERHEAD,
        FileRead::Missing | FileRead::Unusable(_) => ENTRY_OVERHEAD,
    }
}

/// Adds an entry. When it would not fit the budget (or the entry limit), the oldest entries are
/// evicted first, down to half the budget, so eviction is rare and the newest files stay.
fn insert(state: &mut State, budget: usize, key: FileKey, read: FileRead) {
    if let Some((_, previous)) = state.entries.remove(&key) {
        state.bytes -= cost(&previous);
    }
    let added = cost(&read);
    if state.bytes + added > budget || state.entries.len() >= MAX_ENTRIES {
        let mut by_age: Vec<(u64, FileKey, usize)> =
            state.entries.iter().map(|(key, (stored, read))| (*stored, key.clone(), cost(read))).collect();
        by_age.sort_unstable_by_key(|it| it.0);
        let mut oldest = by_age.into_iter();
        while state.bytes + added > budget / 2 || state.entries.len() >= MAX_ENTRIES / 2 {
            let Some((_, key, cost)) = oldest.next() else { break };
            state.entries.remove(&key);
            state.bytes -= cost;
        }
        tracing::debug!(
            bytes = state.bytes,
            entries = state.entries.len(),
            "bundle file cache full; evicted the oldest"
        );
    }
    state.stored += 1;
    state.entries.insert(key, (state.stored, read));
    state.bytes += added;
}

/// Files a check wanted but the cache did not hold.
#[derive(Clone, Default)]
pub struct Misses(Arc<Mutex<Vec<FileKey>>>);

impl Misses {
    fn record(&self, key: FileKey) {
        if let Ok(mut misses) = self.0.lock() {
            misses.push(key);
        }
    }

    pub fn take(&self) -> Vec<FileKey> {
        let mut keys = self.0.lock().map(|mut it| std::mem::take(&mut *it)).unwrap_or_default();
        keys.sort();
        keys.dedup();
        keys
    }
}

/// Bundle files seen through the cache: a miss is recorded and answered "not loaded yet".
pub struct Cached {
    pub cache: Arc<FileCache>,
    pub misses: Misses,
}

impl Loader for Cached {
    fn read(&self, key: &FileKey) -> FileRead {
        match self.cache.get(key) {
            Some(read) => read,
            None => {
                self.misses.record(key.clone());
                FileRead::Unusable(Unusable::NotLoaded)
            }
        }
    }
}

/// Bundle-relative paths of the files under `root` (for path completion): at most `MAX_LISTED`
/// files, eight levels deep, skipping hidden folders and `node_modules`. Blocking.
pub fn list_bundle(root: &Path) -> Vec<String> {
    const MAX_LISTED: usize = 2000;
    let mut out = Vec::new();
    let mut stack = vec![(root.to_path_buf(), 0usize)];
    while let Some((dir, depth)) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Ok(kind) = entry.file_type() else { continue };
            if name.starts_with('.') || name == "node_modules" || name == "target" {
                continue;
            }
            let path = entry.path();
            if kind.is_dir() && depth < 8 {
                stack.push((path, depth + 1));
            } else if kind.is_file()
                && name != "pacto.yaml"
                && let Ok(relative) = path.strip_prefix(root)
            {
                out.push(relative.to_string_lossy().replace('\\', "/"));
            }
            if out.len() >= MAX_LISTED {
                out.sort();
                return out;
            }
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use super::*;

    fn file(bytes: usize) -> FileRead {
        FileRead::File(vec![b'x'; bytes].into())
    }

    /// What the cache holds for a key, in short (`FileRead` has no equality).
    fn held(cache: &FileCache, key: &FileKey) -> String {
        match cache.get(key) {
            Some(FileRead::File(bytes)) => format!("{} bytes", bytes.len()),
            other => format!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn misses_are_recorded_then_served_from_the_cache() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.json"), "{}").unwrap();
        let cache = Arc::new(FileCache::default());
        let misses = Misses::default();
        let loader = Arc::new(Cached { cache: cache.clone(), misses: misses.clone() });
        let bundle = crate::fs::bundle(dir.path(), dir.path(), loader);
        assert!(matches!(bundle.files.read("a.json"), FileRead::Unusable(Unusable::NotLoaded)));
        assert!(matches!(bundle.files.read("../x"), FileRead::Missing));
        let wanted = misses.take();
        assert_eq!(wanted, vec![FileKey::in_bundle(dir.path(), "a.json")]);
        cache.load(&wanted).await;
        assert!(matches!(bundle.files.read("a.json"), FileRead::File(_)));
        assert!(misses.take().is_empty());
        cache.invalidate(dir.path());
        assert!(matches!(bundle.files.read("a.json"), FileRead::Unusable(Unusable::NotLoaded)));
    }

    #[tokio::test]
    async fn a_read_that_never_finishes_is_cached_as_timed_out_and_not_queued_twice() {
        let (_release, blocked) = std::sync::mpsc::channel::<()>();
        let blocked = Mutex::new(blocked);
        let calls = Arc::new(AtomicUsize::new(0));
        let counted = calls.clone();
        let reader: Reader = Arc::new(move |key: &FileKey| {
            counted.fetch_add(1, Ordering::SeqCst);
            if key.relative == "stuck.json" {
                // Never answers (until the test ends).
                let _ = blocked.lock().map(|it| it.recv());
            }
            file(10)
        });
        let cache = Arc::new(FileCache::new(reader, MAX_BYTES, Duration::from_millis(200)));
        let stuck = FileKey::in_bundle(Path::new("/b"), "stuck.json");
        let fine = FileKey::in_bundle(Path::new("/b"), "fine.json");
        let started = Instant::now();
        cache.load(&[stuck.clone(), fine.clone()]).await;
        assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
        assert_eq!(held(&cache, &stuck), "Some(Unusable(TimedOut))");
        assert_eq!(held(&cache, &fine), "10 bytes");

        // Asked again (the file changed), the stuck file is waited for, not read again.
        cache.invalidate(&stuck.path());
        cache.load(std::slice::from_ref(&stuck)).await;
        assert_eq!(held(&cache, &stuck), "Some(Unusable(TimedOut))");
        assert_eq!(calls.load(Ordering::SeqCst), 2);

        // Other files still load on the pool's other thread.
        let other = FileKey::in_bundle(Path::new("/b"), "other.json");
        cache.load(std::slice::from_ref(&other)).await;
        assert_eq!(held(&cache, &other), "10 bytes");
    }

    #[tokio::test]
    async fn many_files_at_once_wait_for_the_pool_and_none_times_out() {
        // Far more files than the queue holds, each quick but all together longer than the
        // timeout: a full queue and a long wait in it are not a failure of the file.
        let reader: Reader = Arc::new(|_: &FileKey| {
            std::thread::sleep(Duration::from_millis(1));
            file(10)
        });
        let cache = Arc::new(FileCache::new(reader, MAX_BYTES, Duration::from_millis(100)));
        let keys: Vec<FileKey> =
            (0..LOAD_QUEUE * 3).map(|it| FileKey::in_bundle(Path::new("/b"), &format!("{it}.json"))).collect();
        cache.load(&keys).await;
        let timed_out = keys.iter().filter(|it| !matches!(cache.get(it), Some(FileRead::File(_)))).count();
        assert_eq!(timed_out, 0);
    }

    #[tokio::test]
    async fn the_cache_stays_within_its_byte_budget() {
        let reader: Reader = Arc::new(|_: &FileKey| file(1000));
        let budget = 20 * (1000 + ENTRY_OVERHEAD);
        let cache = Arc::new(FileCache::new(reader, budget, LOAD_TIMEOUT));
        for batch in 0..10 {
            let keys: Vec<FileKey> =
                (0..7).map(|it| FileKey::in_bundle(Path::new("/b"), &format!("{batch}-{it}.json"))).collect();
            cache.load(&keys).await;
            assert!(cache.cached_bytes() <= budget, "{} > {budget}", cache.cached_bytes());
            // The files of the latest load are all there.
            assert!(keys.iter().all(|it| cache.get(it).is_some()));
        }
    }

    #[tokio::test]
    async fn closed_bundles_are_forgotten() {
        let reader: Reader = Arc::new(|_: &FileKey| file(100));
        let cache = Arc::new(FileCache::new(reader, MAX_BYTES, LOAD_TIMEOUT));
        let a = FileKey::in_bundle(Path::new("/ws/a"), "x.json");
        let nested = FileKey::in_bundle(Path::new("/ws/a/nested"), "x.json");
        let b = FileKey::in_bundle(Path::new("/ws/b"), "x.json");
        cache.load(&[a.clone(), nested.clone(), b.clone()]).await;
        cache.forget_bundle(Path::new("/ws/a"));
        assert_eq!([held(&cache, &a), held(&cache, &nested), held(&cache, &b)], ["None", "100 bytes", "100 bytes"]);
        assert_eq!(cache.cached_bytes(), 2 * (100 + ENTRY_OVERHEAD));
        cache.clear();
        assert_eq!((held(&cache, &b), cache.cached_bytes()), ("None".to_string(), 0));
    }
}
