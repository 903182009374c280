//! The file-system edge: bundles on disk and local policy refs, all read through one gate.
//!
//! The engine sees files only through `BundleFiles` and `PolicyResolver`. Here they are backed
//! by a [`Loader`]: [`Direct`] reads through the [`gate`] (the CLI), and the language server
//! supplies one that answers from its cache. The same [`Resolver`] serves both.

pub mod gate;

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

pub use gate::{FileKey, MAX_FILE};

use crate::core::bundle::{BundleFiles, BundleRef, FileRead, check_bundle_path};
use crate::core::policy::PolicyResolver;

/// Where bundle files come from.
pub trait Loader: Send + Sync {
    fn read(&self, key: &FileKey) -> FileRead;
}

/// Reads through the gate, each file once (one check, one CLI run).
#[derive(Default)]
pub struct Direct {
    read: Mutex<HashMap<FileKey, FileRead>>,
}

impl Loader for Direct {
    fn read(&self, key: &FileKey) -> FileRead {
        if let Some(found) = self.read.lock().ok().and_then(|it| it.get(key).cloned()) {
            return found;
        }
        let found = gate::read(key);
        if let Ok(mut read) = self.read.lock() {
            read.insert(key.clone(), found.clone());
        }
        found
    }
}

/// A bundle folder seen through a loader.
pub struct DiskBundle {
    outer: PathBuf,
    root: PathBuf,
    loader: Arc<dyn Loader>,
}

impl BundleFiles for DiskBundle {
    fn read(&self, path: &str) -> FileRead {
        if check_bundle_path(path).is_err() {
            return FileRead::Missing;
        }
        let key = FileKey { outer: self.outer.clone(), root: self.root.clone(), relative: path.to_string() };
        self.loader.read(&key)
    }
}

/// The bundle at `root` (absolute, normalized), which must lie inside `outer`.
pub fn bundle(root: &Path, outer: &Path, loader: Arc<dyn Loader>) -> BundleRef {
    let files = DiskBundle { outer: outer.to_path_buf(), root: root.to_path_buf(), loader };
    BundleRef { id: root.display().to_string(), files: Arc::new(files) }
}

/// A bundle folder read directly through the gate, with the resolver for its policy refs, which
/// may reach anything under `workspace` (else the bundle's parent folder).
pub fn local(root: &Path, workspace: &Path) -> (BundleRef, Resolver) {
    let root = absolute(root);
    let loader: Arc<dyn Loader> = Arc::new(Direct::default());
    let boundary = boundary(&root, &[absolute(workspace)]);
    (bundle(&root, &root, loader.clone()), Resolver { boundary, loader })
}

/// Resolves local policy refs (`file://PATH` or a bare path, relative to the bundle that declares
/// them) lexically, keeping them inside `boundary`; the files are then read through the loader,
/// whose gate refuses links that lead out of it.
pub struct Resolver {
    pub boundary: PathBuf,
    pub loader: Arc<dyn Loader>,
}

/// Why a policy ref that leaves the boundary is refused; the same whether or not it exists.
pub const LEAVES_WORKSPACE: &str = "it leads outside the workspace";

impl PolicyResolver for Resolver {
    fn open(&self, from: &BundleRef, reference: &str) -> Result<BundleRef, String> {
        if reference.starts_with("oci://") {
            return Err("OCI policy refs need the registry client, which this checker does not have".into());
        }
        let local = reference.strip_prefix("file://").unwrap_or(reference);
        if local.is_empty() || local.contains('\0') {
            return Err("the ref is not a usable path".into());
        }
        let from = Path::new(&from.id);
        if !from.is_absolute() {
            return Err("the bundle that declares it is not a folder on disk".into());
        }
        let root = normalize(&from.join(local));
        if !root.starts_with(&self.boundary) {
            return Err(LEAVES_WORKSPACE.into());
        }
        Ok(bundle(&root, &self.boundary, self.loader.clone()))
    }
}

/// The folder policy refs of the bundle at `root` may reach: the workspace folder that holds it
/// (the current directory for the CLI), else the bundle's parent folder. Both absolute, normalized.
pub fn boundary(root: &Path, workspaces: &[PathBuf]) -> PathBuf {
    workspaces
        .iter()
        .filter(|it| root.starts_with(it))
        .max_by_key(|it| it.components().count())
        .cloned()
        .unwrap_or_else(|| root.parent().unwrap_or(root).to_path_buf())
}

/// An absolute, normalized form of `path` (relative to the current directory), without touching
/// the disk.
pub fn absolute(path: &Path) -> PathBuf {
    normalize(&std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()))
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
    fn policy_refs_stay_inside_the_boundary() {
        let resolver = Resolver { boundary: PathBuf::from("/ws"), loader: Arc::new(Direct::default()) };
        let from = bundle(Path::new("/ws/services/a"), Path::new("/ws/services/a"), Arc::new(Direct::default()));
        assert_eq!(resolver.open(&from, "../../platform/policy").map(|it| it.id), Ok("/ws/platform/policy".into()));
        assert_eq!(resolver.open(&from, "file://../b").map(|it| it.id), Ok("/ws/services/b".into()));
        assert_eq!(resolver.open(&from, "../../../etc").map(|it| it.id), Err(LEAVES_WORKSPACE.into()));
        assert_eq!(resolver.open(&from, "file:///etc").map(|it| it.id), Err(LEAVES_WORKSPACE.into()));
    }

    #[test]
    fn the_boundary_is_the_innermost_workspace_else_the_parent() {
        let workspaces = [PathBuf::from("/ws"), PathBuf::from("/ws/inner")];
        assert_eq!(boundary(Path::new("/ws/inner/svc"), &workspaces), PathBuf::from("/ws/inner"));
        assert_eq!(boundary(Path::new("/ws/svc"), &workspaces), PathBuf::from("/ws"));
        assert_eq!(boundary(Path::new("/other/svc"), &workspaces), PathBuf::from("/other"));
    }

    #[test]
    fn normalize_is_lexical() {
        assert_eq!(normalize(Path::new("/a/b/../c/./d")), PathBuf::from("/a/c/d"));
    }
}
