//! Bundle files: the directory around `pacto.yaml`, seen through a narrow read-only trait.
//!
//! The checker only ever asks for bundle-relative paths that passed [`check_bundle_path`], so a
//! contract can never make it read outside its bundle.

use std::sync::Arc;

/// The name of the contract file at the root of every bundle.
pub const CONTRACT_FILE: &str = "pacto.yaml";

/// The outcome of reading one bundle file.
#[derive(Clone, Debug)]
pub enum FileRead {
    File(Arc<[u8]>),
    Missing,
    /// The path names something that cannot be used as a bundle file; the reason says why.
    Unusable(Unusable),
}

/// Why a referenced path cannot be used. Every variant is an error on the reference: a check
/// that could not read a file never passes because of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unusable {
    Directory,
    /// A FIFO, socket or device (the kind, for the message).
    NotRegular(&'static str),
    /// A symbolic link (or a path through one) that leads out of the bundle.
    LeavesBundle,
    /// The bundle itself lies (through a symbolic link) outside the folder refs may reach.
    LeavesWorkspace,
    TooLarge {
        limit: u64,
    },
    TooManyLinks,
    /// An I/O error, without any path in it.
    Io(String),
    /// Reading did not finish in time (a slow or stuck file system).
    TimedOut,
    /// The caller has not loaded the file yet (the server loads it and checks again).
    NotLoaded,
}

impl std::fmt::Display for Unusable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unusable::Directory => f.write_str("is a directory, not a file"),
            Unusable::NotRegular(kind) => write!(f, "is not a regular file (it is a {kind})"),
            Unusable::LeavesBundle => f.write_str("leads outside the bundle (through a symbolic link)"),
            Unusable::LeavesWorkspace => f.write_str("leads outside the workspace (through a symbolic link)"),
            Unusable::TooLarge { limit } => write!(f, "is larger than {} MiB", limit / (1024 * 1024)),
            Unusable::TooManyLinks => f.write_str("has too many levels of symbolic links"),
            Unusable::Io(error) => write!(f, "cannot be read: {error}"),
            Unusable::TimedOut => f.write_str("could not be read in time"),
            Unusable::NotLoaded => f.write_str("has not been loaded yet"),
        }
    }
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

/// Checks a contract path the way Go's `fs.ValidPath` does: slash-separated, relative, with no
/// `.`, `..` or empty elements. Returns a message for the user when it is not acceptable.
pub fn check_bundle_path(path: &str) -> Result<(), String> {
    let shown = crate::core::text::excerpt(path);
    if path.is_empty() {
        return Err("the path is empty".into());
    }
    if path.starts_with('/') || path.starts_with('\\') || is_drive_path(path) {
        return Err(format!("`{shown}` is absolute; paths are relative to the bundle root"));
    }
    for element in path.split('/') {
        match element {
            ".." => return Err(format!("`{shown}` leaves the bundle; paths must stay inside the bundle root")),
            "." => return Err(format!("`{shown}` is not a clean bundle path; write it without `./` segments")),
            "" => return Err(format!("`{shown}` has an empty path segment (`//` or a trailing `/`)")),
            _ => {}
        }
    }
    if path.contains('\0') {
        return Err("the path contains a NUL character".into());
    }
    Ok(())
}

/// `C:/…` or `C:\\…`: absolute on Windows. A colon elsewhere (`a:b.yaml`) is an ordinary name.
fn is_drive_path(path: &str) -> bool {
    let bytes = path.as_bytes();
    bytes.len() >= 3 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' && matches!(bytes[2], b'/' | b'\\')
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
            true => FileRead::Unusable(Unusable::Directory),
            false => FileRead::Missing,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundle_paths_follow_go_valid_path() {
        for ok in ["interfaces/openapi.yaml", "a", "a/b/c.json", "weird name.yaml", "a..b", "a:b.yaml", "C:x"] {
            assert_eq!(check_bundle_path(ok), Ok(()), "{ok}");
        }
        for bad in ["", "/etc/passwd", "../x", "a/../../x", "./a", "a//b", "a/", "C:/x", "c:\\x", "a/./b"] {
            assert!(check_bundle_path(bad).is_err(), "{bad}");
        }
    }
}
