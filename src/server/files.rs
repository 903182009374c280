//! Bundle files for the language server: an in-memory cache, so checking never waits on disk.
//!
//! A check that asks for a file the cache does not hold gets "not loaded yet" (which no rule
//! reports) and the path is recorded as a miss; the caller loads the misses off the typing path
//! and checks again. File watcher events invalidate entries.

use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

use dashmap::DashMap;

use crate::core::bundle::{BundleFiles, BundleRef, FileRead, check_bundle_path, read_path};
use crate::core::policy::PolicyResolver;

/// At most this many files are cached; past it the cache starts over (cheap to refill).
const MAX_ENTRIES: usize = 10_000;

#[derive(Default)]
pub struct FileCache {
    entries: DashMap<PathBuf, FileRead>,
}

impl FileCache {
    pub fn get(&self, path: &Path) -> Option<FileRead> {
        self.entries.get(path).map(|it| it.clone())
    }

    /// Reads the given files from disk into the cache. Blocking: call it off the async runtime.
    pub fn load(&self, paths: &[PathBuf]) {
        if self.entries.len() + paths.len() > MAX_ENTRIES {
            self.entries.clear();
        }
        for path in paths {
            self.entries.insert(path.clone(), read_path(path));
        }
    }

    /// Forgets a path and everything below it (a changed, created or deleted file or folder).
    pub fn invalidate(&self, path: &Path) {
        self.entries.retain(|cached, _| !cached.starts_with(path));
    }

    /// Forgets everything below a bundle root (a contract was saved: re-read what it references).
    pub fn invalidate_bundle(&self, root: &Path) {
        self.invalidate(root);
    }
}

/// Paths a check wanted but the cache did not hold.
#[derive(Clone, Default)]
pub struct Misses(Arc<Mutex<Vec<PathBuf>>>);

impl Misses {
    fn record(&self, path: PathBuf) {
        if let Ok(mut misses) = self.0.lock() {
            misses.push(path);
        }
    }

    pub fn take(&self) -> Vec<PathBuf> {
        let mut paths = self.0.lock().map(|mut it| std::mem::take(&mut *it)).unwrap_or_default();
        paths.sort();
        paths.dedup();
        paths
    }
}

/// One bundle seen through the cache.
pub struct CachedBundle {
    root: PathBuf,
    cache: Arc<FileCache>,
    misses: Misses,
}

impl CachedBundle {
    pub fn bundle_ref(root: PathBuf, cache: Arc<FileCache>, misses: Misses) -> BundleRef {
        BundleRef { id: root.display().to_string(), files: Arc::new(CachedBundle { root, cache, misses }) }
    }
}

impl BundleFiles for CachedBundle {
    fn read(&self, path: &str) -> FileRead {
        if check_bundle_path(path).is_err() {
            return FileRead::Missing;
        }
        let full = self.root.join(path);
        match self.cache.get(&full) {
            Some(read) => read,
            None => {
                self.misses.record(full);
                FileRead::Unreadable("not loaded yet".into())
            }
        }
    }
}

/// Resolves local policy refs through the cache (lexically, without touching the disk).
pub struct CachedResolver {
    pub cache: Arc<FileCache>,
    pub misses: Misses,
}

impl PolicyResolver for CachedResolver {
    fn open(&self, from: &BundleRef, reference: &str) -> Result<BundleRef, String> {
        if reference.starts_with("oci://") {
            return Err("OCI policy refs need the registry client, which this checker does not have".into());
        }
        let local = reference.strip_prefix("file://").unwrap_or(reference);
        let root = normalize(&Path::new(&from.id).join(local));
        Ok(CachedBundle::bundle_ref(root, self.cache.clone(), self.misses.clone()))
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

/// Resolves `.` and `..` without the file system.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
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
        let bundle = CachedBundle::bundle_ref(dir.path().to_path_buf(), cache.clone(), misses.clone());
        assert!(matches!(bundle.files.read("a.json"), FileRead::Unreadable(_)));
        assert!(matches!(bundle.files.read("../x"), FileRead::Missing));
        let wanted = misses.take();
        assert_eq!(wanted, vec![dir.path().join("a.json")]);
        cache.load(&wanted);
        assert!(matches!(bundle.files.read("a.json"), FileRead::File(_)));
        assert!(misses.take().is_empty());
        cache.invalidate(dir.path());
        assert!(matches!(bundle.files.read("a.json"), FileRead::Unreadable(_)));
    }

    #[test]
    fn normalize_is_lexical() {
        assert_eq!(normalize(Path::new("/a/b/../c/./d")), PathBuf::from("/a/c/d"));
    }
}
