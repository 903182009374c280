//! The packed form of a bundle: a gzip-compressed tar, written deterministically and read back in
//! memory within fixed limits.

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::sync::Arc;

use flate2::read::GzDecoder;
use flate2::{Compression, GzBuilder};
use tar::{EntryType, Header};

use crate::core::bundle::{BundleFiles, CONTRACT_FILE, FileRead, Unusable, check_bundle_path};
use crate::core::text::excerpt;

/// The most bytes one file of a packed bundle may hold (spec §6).
pub const MAX_FILE: u64 = 10 * 1024 * 1024;
/// The most bytes all files of a packed bundle may hold together (spec §6).
pub const MAX_TOTAL: u64 = 50 * 1024 * 1024;
/// The most entries (files and folders) a packed bundle may hold (spec §6).
pub const MAX_ENTRIES: usize = 10_000;
/// The most bytes decompressed while reading an archive: the files' own limit plus room for
/// every entry's header and padding (at most 1 KiB each). Decompression stops there.
pub const MAX_STREAM: u64 = MAX_TOTAL + 10 * 1024 * 1024;

/// The gzip header's operating-system byte: 255, "unknown", whatever system packs.
const GZIP_OS_UNKNOWN: u8 = 255;

/// One entry to write: a folder, or a file with its bytes.
pub enum Entry<'a> {
    Dir(&'a str),
    File(&'a str, &'a [u8]),
}

/// Writes entries, in the order given, as a gzip'd tar whose bytes depend only on the paths and
/// contents: ustar headers with mtime 0, uid and gid 0, empty owner names, mode 0644 for files and
/// 0755 for folders; a gzip header without a file name or time and with a fixed OS byte.
pub fn write(entries: &[Entry<'_>]) -> std::io::Result<Vec<u8>> {
    let gzip = GzBuilder::new().mtime(0).operating_system(GZIP_OS_UNKNOWN).write(Vec::new(), Compression::default());
    let mut builder = tar::Builder::new(gzip);
    for entry in entries {
        let (path, kind, mode, data): (&str, EntryType, u32, &[u8]) = match entry {
            Entry::Dir(path) => (path, EntryType::Directory, 0o755, &[]),
            Entry::File(path, data) => (path, EntryType::Regular, 0o644, data),
        };
        let mut header = Header::new_ustar();
        header.set_entry_type(kind);
        header.set_mode(mode);
        header.set_size(data.len() as u64);
        header.set_mtime(0);
        header.set_uid(0);
        header.set_gid(0);
        builder.append_data(&mut header, path, data)?;
    }
    builder.into_inner()?.finish()
}

/// A packed bundle read into memory: read-only, answering the checker like a bundle folder.
#[derive(Clone, Debug, Default)]
pub struct Archive {
    files: BTreeMap<String, Arc<[u8]>>,
    dirs: BTreeSet<String>,
}

impl Archive {
    /// The contract's bytes (every archive that was read holds one).
    pub fn contract(&self) -> &[u8] {
        self.files.get(CONTRACT_FILE).map(|it| &it[..]).unwrap_or_default()
    }

    /// Every file, by bundle path, in path order.
    pub fn files(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.files.iter().map(|(path, bytes)| (path.as_str(), &bytes[..]))
    }

    /// Every folder the archive names, explicitly or as the parent of a file, in path order.
    pub fn dirs(&self) -> impl Iterator<Item = &str> {
        self.dirs.iter().map(String::as_str)
    }
}

impl BundleFiles for Archive {
    fn read(&self, path: &str) -> FileRead {
        if let Some(bytes) = self.files.get(path) {
            return FileRead::File(bytes.clone());
        }
        match self.dirs.contains(path) {
            true => FileRead::Unusable(Unusable::Directory),
            false => FileRead::Missing,
        }
    }
}

/// Reads a packed bundle (`.tar.gz`) entirely in memory. Refused, each with its own message: data
/// that is not gzip or not tar, more than 10,000 entries, a file over 10 MiB, more than 50 MiB of
/// files (decompression stops just past the limit, so a gzip bomb allocates no more), absolute
/// paths, `..` or other unclean paths, the same path twice, entries other than regular files and
/// folders (links, devices, FIFOs), and an archive without `pacto.yaml` at its root.
pub fn read_archive(bytes: &[u8]) -> Result<Archive, String> {
    if !bytes.starts_with(&[0x1f, 0x8b]) {
        return Err("not a gzip-compressed archive (a packed bundle is a `.tar.gz`)".into());
    }
    let overflowed = Cell::new(false);
    let stream = Bounded { inner: GzDecoder::new(bytes), left: MAX_STREAM, overflowed: &overflowed };
    let mut tar = tar::Archive::new(stream);
    let explain = |error: std::io::Error| match overflowed.get() {
        true => format!("the archive inflates to more than {} MiB; it is not a bundle", MAX_STREAM >> 20),
        false => format!("the archive cannot be read: {error}"),
    };
    let mut archive = Archive::default();
    let mut total = 0u64;
    let mut count = 0usize;
    for entry in tar.entries().map_err(explain)? {
        let mut entry = entry.map_err(explain)?;
        count += 1;
        if count > MAX_ENTRIES {
            return Err(format!("the archive has more than {MAX_ENTRIES} entries"));
        }
        let raw = entry.path_bytes().into_owned();
        let Ok(name) = String::from_utf8(raw) else {
            return Err("the archive has an entry whose name is not UTF-8".into());
        };
        let shown = excerpt(&name);
        let kind = entry.header().entry_type();
        // Archives made by other tools may write `./` first and `/` after a folder's name.
        let path = name.strip_prefix("./").unwrap_or(&name);
        let path = match kind.is_dir() {
            true => path.strip_suffix('/').unwrap_or(path),
            false => path,
        };
        if path.is_empty() || path == "." {
            continue;
        }
        if let Err(why) = check_bundle_path(path) {
            return Err(format!("the archive has an unsafe entry: {why}"));
        }
        if !(kind.is_file() || kind.is_dir()) {
            return Err(format!(
                "the archive entry `{shown}` is {}; only regular files and folders may be in a bundle",
                describe(kind)
            ));
        }
        let parents: Vec<usize> = path.match_indices('/').map(|(at, _)| at).collect();
        if archive.files.contains_key(path) {
            return Err(format!("the archive holds `{shown}` twice"));
        }
        if kind.is_file() && archive.dirs.contains(path) {
            return Err(format!("the archive holds `{shown}` both as a file and as a folder"));
        }
        if let Some(at) = parents.iter().find(|at| archive.files.contains_key(&path[..**at])) {
            return Err(format!("the archive holds `{}` both as a file and as a folder", excerpt(&path[..*at])));
        }
        for at in parents {
            archive.dirs.insert(path[..at].to_string());
        }
        if kind.is_dir() {
            archive.dirs.insert(path.to_string());
            continue;
        }
        let size = entry.header().size().map_err(explain)?;
        if size > MAX_FILE {
            return Err(format!("the archive file `{shown}` is larger than {} MiB", MAX_FILE >> 20));
        }
        total += size;
        if total > MAX_TOTAL {
            return Err(format!("the archive's files add up to more than {} MiB", MAX_TOTAL >> 20));
        }
        let mut data = Vec::with_capacity(size as usize);
        (&mut entry).take(size).read_to_end(&mut data).map_err(explain)?;
        archive.files.insert(path.to_string(), data.into());
    }
    if !archive.files.contains_key(CONTRACT_FILE) {
        return Err(format!("the archive has no `{CONTRACT_FILE}` at its root; it is not a bundle"));
    }
    Ok(archive)
}

/// An entry type other than a regular file or folder, for messages.
fn describe(kind: EntryType) -> &'static str {
    match kind {
        EntryType::Symlink => "a symbolic link",
        EntryType::Link => "a hard link",
        EntryType::Char => "a character device",
        EntryType::Block => "a block device",
        EntryType::Fifo => "a named pipe",
        _ => "of an unsupported type",
    }
}

/// A reader that fails, and records that it did, once more than `left` bytes have been read.
struct Bounded<'a, R> {
    inner: R,
    left: u64,
    overflowed: &'a Cell<bool>,
}

impl<R: Read> Read for Bounded<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.left == 0 {
            // One byte more than the limit tells a stream that ends exactly there from a longer one.
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => {
                    self.overflowed.set(true);
                    Err(std::io::Error::other("the decompressed archive is too large"))
                }
            };
        }
        let most = buf.len().min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let read = self.inner.read(&mut buf[..most])?;
        self.left -= read as u64;
        Ok(read)
    }
}
