//! The one file-reading gate: every file the product reads on behalf of a contract (the contract
//! in `check`, bundle files, policy and configuration refs) is read by [`read`].
//!
//! A read succeeds only for a regular file whose real location, after every symbolic link is
//! resolved, lies inside its bundle, and whose bundle lies inside the folder refs may reach. The
//! file is opened without blocking (a FIFO cannot stall it), its type is checked on the open
//! descriptor, and at most [`MAX_FILE`] bytes are read whatever the metadata says (devices
//! report a size of 0). Links are resolved by hand, so a link that leaves the bundle is refused
//! with the same answer whether or not its target exists, and no resolved path is ever reported.

use std::ffi::OsString;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

use crate::core::bundle::{FileRead, Unusable, check_bundle_path};

/// Files larger than this are refused.
pub const MAX_FILE: u64 = 16 * 1024 * 1024;

/// Symbolic links followed for one path before giving up (Linux's own limit).
const MAX_LINKS: usize = 40;

/// One file to read: `relative` (a bundle path) inside the bundle `root`, which must itself lie
/// inside `outer` (the bundle itself for its own files; the workspace for bundles reached by refs).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileKey {
    pub outer: PathBuf,
    pub root: PathBuf,
    pub relative: String,
}

impl FileKey {
    /// A file of a bundle that is checked for itself (no outer boundary beyond the bundle).
    pub fn in_bundle(root: &Path, relative: &str) -> FileKey {
        FileKey { outer: root.to_path_buf(), root: root.to_path_buf(), relative: relative.to_string() }
    }

    /// The path as written (never resolved): for cache keys, invalidation and messages.
    pub fn path(&self) -> PathBuf {
        self.root.join(&self.relative)
    }
}

/// Reads one file through the gate. Blocking, but never on a FIFO, device or socket.
pub fn read(key: &FileKey) -> FileRead {
    if check_bundle_path(&key.relative).is_err() {
        return FileRead::Missing;
    }
    let outer = match resolve(&key.outer) {
        Resolved::Exists(it) => it,
        Resolved::Missing(_) => return FileRead::Missing,
        Resolved::Refused(why) => return FileRead::Unusable(why),
    };
    let root = match resolve(&key.root) {
        Resolved::Exists(it) if it.starts_with(&outer) => it,
        Resolved::Missing(would_be) if would_be.starts_with(&outer) => return FileRead::Missing,
        Resolved::Refused(why) => return FileRead::Unusable(why),
        Resolved::Exists(_) | Resolved::Missing(_) => return FileRead::Unusable(Unusable::LeavesWorkspace),
    };
    match resolve(&root.join(&key.relative)) {
        Resolved::Exists(it) if it.starts_with(&root) => open_regular(&it),
        Resolved::Missing(would_be) if would_be.starts_with(&root) => FileRead::Missing,
        Resolved::Refused(why) => FileRead::Unusable(why),
        Resolved::Exists(_) | Resolved::Missing(_) => FileRead::Unusable(Unusable::LeavesBundle),
    }
}

/// Where a path really is.
#[derive(Debug, PartialEq, Eq)]
enum Resolved {
    /// Every component exists; the path with all links resolved.
    Exists(PathBuf),
    /// A component does not exist; where the path would be (links resolved up to that point).
    Missing(PathBuf),
    Refused(Unusable),
}

/// Resolves every symbolic link in `path` component by component (relative paths are taken from
/// the current directory), without requiring the target to exist.
fn resolve(path: &Path) -> Resolved {
    let absolute = match std::path::absolute(path) {
        Ok(it) => it,
        Err(error) => return Resolved::Refused(Unusable::Io(error.kind().to_string())),
    };
    let (mut current, mut pending) = split(&absolute);
    let mut links = 0;
    while let Some(part) = pending.pop() {
        if part == ".." {
            current.pop();
            continue;
        }
        let next = current.join(&part);
        match std::fs::symlink_metadata(&next) {
            Ok(meta) if meta.file_type().is_symlink() => {
                links += 1;
                if links > MAX_LINKS {
                    return Resolved::Refused(Unusable::TooManyLinks);
                }
                let target = match std::fs::read_link(&next) {
                    Ok(it) => it,
                    Err(error) => return Resolved::Refused(Unusable::Io(error.kind().to_string())),
                };
                let (start, parts) = split(&target);
                if target.has_root() {
                    current = start;
                }
                pending.extend(parts);
            }
            Ok(_) => current = next,
            Err(error) if matches!(error.kind(), std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory) => {
                let mut would_be = next;
                while let Some(part) = pending.pop() {
                    match part == ".." {
                        true => would_be.pop(),
                        false => {
                            would_be.push(part);
                            true
                        }
                    };
                }
                return Resolved::Missing(would_be);
            }
            Err(error) => return Resolved::Refused(Unusable::Io(error.kind().to_string())),
        }
    }
    Resolved::Exists(current)
}

/// A path's root (prefix and root directory) and its other components, last first (a stack).
/// `.` components are dropped; `..` stays, to be applied to the resolved path.
fn split(path: &Path) -> (PathBuf, Vec<OsString>) {
    let mut start = PathBuf::new();
    let mut parts = Vec::new();
    for component in path.components() {
        match component {
            Component::Prefix(prefix) => start.push(prefix.as_os_str()),
            Component::RootDir => start.push(component.as_os_str()),
            Component::CurDir => {}
            Component::ParentDir => parts.push(OsString::from("..")),
            Component::Normal(name) => parts.push(name.to_os_string()),
        }
    }
    parts.reverse();
    (start, parts)
}

/// Opens a resolved path if it is a regular file and reads at most `MAX_FILE` bytes of it.
fn open_regular(path: &Path) -> FileRead {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => return FileRead::Unusable(Unusable::Directory),
        Ok(meta) if !meta.is_file() => return FileRead::Unusable(Unusable::NotRegular(kind(&meta))),
        Ok(_) => {}
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return FileRead::Missing,
        Err(error) => return FileRead::Unusable(Unusable::Io(error.kind().to_string())),
    }
    let file = match open_options().open(path) {
        Ok(it) => it,
        Err(error) => return FileRead::Unusable(Unusable::Io(error.kind().to_string())),
    };
    // The path may have been replaced since it was resolved: judge the descriptor itself.
    match file.metadata() {
        Ok(meta) if meta.is_file() => {}
        Ok(meta) if meta.is_dir() => return FileRead::Unusable(Unusable::Directory),
        Ok(meta) => return FileRead::Unusable(Unusable::NotRegular(kind(&meta))),
        Err(error) => return FileRead::Unusable(Unusable::Io(error.kind().to_string())),
    }
    let mut bytes = Vec::new();
    if let Err(error) = file.take(MAX_FILE + 1).read_to_end(&mut bytes) {
        return FileRead::Unusable(Unusable::Io(error.kind().to_string()));
    }
    if bytes.len() as u64 > MAX_FILE {
        return FileRead::Unusable(Unusable::TooLarge { limit: MAX_FILE });
    }
    FileRead::File(bytes.into())
}

#[cfg(unix)]
fn open_options() -> std::fs::OpenOptions {
    use std::os::unix::fs::OpenOptionsExt;
    let mut options = std::fs::OpenOptions::new();
    // Non-blocking: opening a FIFO that appeared after the type check returns at once. No
    // following: a link swapped in after resolution is refused. No controlling terminal.
    options.read(true).custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW | libc::O_NOCTTY);
    options
}

#[cfg(not(unix))]
fn open_options() -> std::fs::OpenOptions {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    options
}

#[cfg(unix)]
fn kind(meta: &std::fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let kind = meta.file_type();
    match () {
        _ if kind.is_fifo() => "named pipe",
        _ if kind.is_socket() => "socket",
        _ if kind.is_char_device() => "character device",
        _ if kind.is_block_device() => "block device",
        _ => "special file",
    }
}

#[cfg(not(unix))]
fn kind(_: &std::fs::Metadata) -> &'static str {
    "special file"
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::symlink;

    use super::*;

    fn bundle() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("bundle");
        std::fs::create_dir_all(root.join("interfaces")).unwrap();
        std::fs::write(root.join("interfaces/a.yaml"), "a: 1\n").unwrap();
        std::fs::write(dir.path().join("secret.txt"), "outside").unwrap();
        (dir, root)
    }

    fn read_in(root: &Path, relative: &str) -> FileRead {
        read(&FileKey::in_bundle(root, relative))
    }

    fn unusable(read: FileRead) -> Option<Unusable> {
        match read {
            FileRead::Unusable(why) => Some(why),
            _ => None,
        }
    }

    #[test]
    fn regular_files_inside_the_bundle_are_read() {
        let (_dir, root) = bundle();
        assert!(matches!(read_in(&root, "interfaces/a.yaml"), FileRead::File(bytes) if &*bytes == b"a: 1\n"));
        symlink("interfaces/a.yaml", root.join("inside-link.yaml")).unwrap();
        assert!(matches!(read_in(&root, "inside-link.yaml"), FileRead::File(_)));
        assert!(matches!(read_in(&root, "nope.yaml"), FileRead::Missing));
        assert!(matches!(read_in(&root, "interfaces/a.yaml/below"), FileRead::Missing));
        assert!(matches!(read_in(&root, "../secret.txt"), FileRead::Missing));
        assert_eq!(unusable(read_in(&root, "interfaces")), Some(Unusable::Directory));
    }

    #[test]
    fn links_leaving_the_bundle_are_refused_whether_or_not_the_target_exists() {
        let (dir, root) = bundle();
        symlink(dir.path().join("secret.txt"), root.join("abs.yaml")).unwrap();
        symlink("../secret.txt", root.join("rel.yaml")).unwrap();
        symlink("../no-such-file", root.join("dangling.yaml")).unwrap();
        symlink("/no/such/dir", root.join("dangling-dir")).unwrap();
        symlink("/dev/zero", root.join("zero.yaml")).unwrap();
        symlink("/proc/self/fd/0", root.join("stdin.yaml")).unwrap();
        symlink("..", root.join("up")).unwrap();
        for name in
            ["abs.yaml", "rel.yaml", "dangling.yaml", "dangling-dir/x.yaml", "zero.yaml", "stdin.yaml", "up/secret.txt"]
        {
            assert_eq!(unusable(read_in(&root, name)), Some(Unusable::LeavesBundle), "{name}");
        }
    }

    #[test]
    fn special_files_are_refused_without_blocking() {
        let (_dir, root) = bundle();
        let fifo = root.join("fifo.yaml");
        let status = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
        assert!(status.success());
        assert_eq!(unusable(read_in(&root, "fifo.yaml")), Some(Unusable::NotRegular("named pipe")));
    }

    #[test]
    fn link_loops_and_large_files_are_refused() {
        let (_dir, root) = bundle();
        symlink("loop-b", root.join("loop-a")).unwrap();
        symlink("loop-a", root.join("loop-b")).unwrap();
        assert_eq!(unusable(read_in(&root, "loop-a")), Some(Unusable::TooManyLinks));
        let big = std::fs::File::create(root.join("big.json")).unwrap();
        big.set_len(MAX_FILE + 1).unwrap();
        assert_eq!(unusable(read_in(&root, "big.json")), Some(Unusable::TooLarge { limit: MAX_FILE }));
        std::fs::File::create(root.join("exact.json")).unwrap().set_len(MAX_FILE).unwrap();
        assert!(matches!(read_in(&root, "exact.json"), FileRead::File(bytes) if bytes.len() as u64 == MAX_FILE));
    }

    #[test]
    fn a_bundle_reached_through_a_link_must_stay_in_the_workspace() {
        let dir = tempfile::tempdir().unwrap();
        let workspace = dir.path().join("ws");
        let elsewhere = dir.path().join("elsewhere");
        std::fs::create_dir_all(workspace.join("policy")).unwrap();
        std::fs::create_dir_all(&elsewhere).unwrap();
        std::fs::write(workspace.join("policy/pacto.yaml"), "x").unwrap();
        std::fs::write(elsewhere.join("pacto.yaml"), "x").unwrap();
        symlink(&elsewhere, workspace.join("linked")).unwrap();
        symlink(dir.path().join("gone"), workspace.join("dangling")).unwrap();
        let key = |root: &str| FileKey {
            outer: workspace.clone(),
            root: workspace.join(root),
            relative: "pacto.yaml".into(),
        };
        assert!(matches!(read(&key("policy")), FileRead::File(_)));
        assert!(matches!(read(&key("absent")), FileRead::Missing));
        assert_eq!(unusable(read(&key("linked"))), Some(Unusable::LeavesWorkspace));
        assert_eq!(unusable(read(&key("dangling"))), Some(Unusable::LeavesWorkspace));
    }
}
