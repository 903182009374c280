//! Bundle files: the directory around `pacto.yaml`, seen through a narrow read-only trait.
//!
//! The checker only ever asks for bundle-relative paths that passed [`check_bundle_path`], so a
//! contract can never make it read outside its bundle.

use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;

/// The name of the contract file at the root of every bundle.
pub const CONTRACT_FILE: &str = "pacto.yaml";

/// Files larger than this are reported as existing but are not parsed.
pub const MAX_CHECKED_FILE: u64 = 16 * 1024 * 1024;

/// The outcome of reading one bundle file.
#[derive(Clone, Debug)]
pub enum FileRead {
    File(Arc<[u8]>),
    Directory,
    Missing,
    /// The file exists but could not be read (permissions, size, I/O error).
    Unreadable(String),
}

/// Read access to one bundle.
pub trait BundleFiles: Send + Sync {
    /// Reads a path that passed [`check_bundle_path`].
    fn read(&self, path: &str) -> FileRead;
}

/// A bundle somewhere: an identity (for messages, cycle detection and relative refs) and its files.
#[derive(Clone)]
pub struct BundleRef {
    pub id: String,
    pub files: Arc<dyn BundleFiles>,
}

impl BundleRef {
    pub fn directory(root: &FsPath) -> BundleRef {
        BundleRef { id: root.display().to_string(), files: Arc::new(DirBundle::new(root)) }
    }
}

/// Checks a contract path the way Go's `fs.ValidPath` does: slash-separated, relative, with no
/// `.`, `..` or empty elements. Returns a message for the user when it is not acceptable.
pub fn check_bundle_path(path: &str) -> Result<(), String> {
    if path.is_empty() {
        return Err("the path is empty".into());
    }
    if path.starts_with('/') || path.starts_with('\\') || path.get(1..2) == Some(":") {
        return Err(format!("`{path}` is absolute; paths are relative to the bundle root"));
    }
    for element in path.split('/') {
        match element {
            ".." => return Err(format!("`{path}` leaves the bundle; paths must stay inside the bundle root")),
            "." => return Err(format!("`{path}` is not a clean bundle path; write it without `./` segments")),
            "" => return Err(format!("`{path}` has an empty path segment (`//` or a trailing `/`)")),
            _ => {}
        }
    }
    if path.contains('\0') {
        return Err("the path contains a NUL character".into());
    }
    Ok(())
}

/// A bundle on disk.
#[derive(Clone, Debug)]
pub struct DirBundle {
    root: PathBuf,
}

impl DirBundle {
    pub fn new(root: &FsPath) -> DirBundle {
        DirBundle { root: root.to_path_buf() }
    }

    pub fn root(&self) -> &FsPath {
        &self.root
    }
}

impl BundleFiles for DirBundle {
    fn read(&self, path: &str) -> FileRead {
        if check_bundle_path(path).is_err() {
            return FileRead::Missing;
        }
        read_path(&self.root.join(path))
    }
}

/// Reads one file from disk as the checker needs it (size-capped, directories told apart).
pub fn read_path(full: &FsPath) -> FileRead {
    let metadata = match std::fs::metadata(full) {
        Ok(it) => it,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return FileRead::Missing,
        Err(error) => return FileRead::Unreadable(error.to_string()),
    };
    if metadata.is_dir() {
        return FileRead::Directory;
    }
    if metadata.len() > MAX_CHECKED_FILE {
        return FileRead::Unreadable(format!("larger than {} MiB", MAX_CHECKED_FILE / (1024 * 1024)));
    }
    match std::fs::read(full) {
        Ok(bytes) => FileRead::File(bytes.into()),
        Err(error) => FileRead::Unreadable(error.to_string()),
    }
}

/// A bundle held in memory (tests, and bundles that came from an archive).
#[derive(Clone, Debug, Default)]
pub struct MemoryBundle {
    files: std::collections::BTreeMap<String, Arc<[u8]>>,
}

impl MemoryBundle {
    pub fn new() -> MemoryBundle {
        MemoryBundle::default()
    }

    pub fn with(mut self, path: &str, content: &str) -> MemoryBundle {
        self.files.insert(path.to_string(), content.as_bytes().into());
        self
    }
}

impl BundleFiles for MemoryBundle {
    fn read(&self, path: &str) -> FileRead {
        if let Some(bytes) = self.files.get(path) {
            return FileRead::File(bytes.clone());
        }
        let prefix = format!("{path}/");
        match self.files.keys().any(|it| it.starts_with(&prefix)) {
            true => FileRead::Directory,
            false => FileRead::Missing,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundle_paths_follow_go_valid_path() {
        for ok in ["interfaces/openapi.yaml", "a", "a/b/c.json", "weird name.yaml", "a..b"] {
            assert_eq!(check_bundle_path(ok), Ok(()), "{ok}");
        }
        for bad in ["", "/etc/passwd", "../x", "a/../../x", "./a", "a//b", "a/", "C:/x", "a/./b"] {
            assert!(check_bundle_path(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn dir_bundle_reads_files_and_refuses_escapes() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("interfaces")).unwrap();
        std::fs::write(dir.path().join("interfaces/a.yaml"), "a: 1\n").unwrap();
        let bundle = DirBundle::new(dir.path());
        assert!(matches!(bundle.read("interfaces/a.yaml"), FileRead::File(bytes) if &*bytes == b"a: 1\n"));
        assert!(matches!(bundle.read("interfaces"), FileRead::Directory));
        assert!(matches!(bundle.read("nope.yaml"), FileRead::Missing));
        assert!(matches!(bundle.read("../etc/passwd"), FileRead::Missing));
    }
}
