//! Bundle files for the language server: an in-memory cache, so checking never waits on disk.
//!
//! A check that asks for a file the cache does not hold gets "not loaded yet" (which no rule
//! reports) and the path is recorded as a miss; the caller loads the misses off the typing path
//! and checks again. File watcher events invalidate entries.

use std::path::Path;
use std::sync::{Arc, Mutex};

use dashmap::DashMap;

use crate::core::bundle::{FileRead, Unusable};
use crate::fs::{FileKey, Loader, gate};

/// At most this many files are cached; past it the cache starts over (cheap to refill).
const MAX_ENTRIES: usize = 10_000;

#[derive(Default)]
pub struct FileCache {
    entries: DashMap<FileKey, FileRead>,
}

impl FileCache {
    pub fn get(&self, key: &FileKey) -> Option<FileRead> {
        self.entries.get(key).map(|it| it.clone())
    }

    /// Reads the given files through the gate into the cache. Blocking: call it off the async runtime.
    pub fn load(&self, keys: &[FileKey]) {
        if self.entries.len() + keys.len() > MAX_ENTRIES {
            self.entries.clear();
        }
        for key in keys {
            self.entries.insert(key.clone(), gate::read(key));
        }
    }

    /// Forgets a path and everything below it (a changed, created or deleted file or folder).
    pub fn invalidate(&self, path: &Path) {
        self.entries.retain(|key, _| !key.path().starts_with(path));
    }

    /// Forgets everything below a bundle root (a contract was saved: re-read what it references).
    pub fn invalidate_bundle(&self, root: &Path) {
        self.invalidate(root);
    }
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
    use super::*;

    #[test]
    fn misses_are_recorded_then_served_from_the_cache() {
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
        cache.load(&wanted);
        assert!(matches!(bundle.files.read("a.json"), FileRead::File(_)));
        assert!(misses.take().is_empty());
        cache.invalidate(dir.path());
        assert!(matches!(bundle.files.read("a.json"), FileRead::Unusable(Unusable::NotLoaded)));
    }
}
