//! Bundles as archives: `pack` (validate a bundle folder, then write it as a deterministic
//! `.tar.gz`), `read_archive` (a packed bundle back in memory, within the extract limits) and the
//! scaffold `init` writes.
//!
//! Packing reads every file through the gate (`crate::fs::gate`), validates with the same engine
//! as `check`, and refuses rather than skips: a FIFO, a device, a link out of the bundle or an
//! oversized file is an error naming it, and so is a `.pactoignore` that excludes a file the
//! contract references.

mod archive;
mod ignore;
pub mod scaffold;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use sha2::{Digest, Sha256};

pub use archive::{Archive, Entry, MAX_ENTRIES, MAX_FILE, MAX_STREAM, MAX_TOTAL, read_archive};
pub use ignore::{IGNORE_FILE, Rules};

use crate::core::bundle::{CONTRACT_FILE, FileRead, Unusable, check_bundle_path};
use crate::core::check::{Environment, analyze, decode};
use crate::core::finding::{Finding, Severity};
use crate::core::model::Contract;
use crate::core::text::excerpt;
use crate::fs::{FileKey, Loader};
use crate::oci::lookup::{PulledPolicies, WithPulled};

/// How to pack.
#[derive(Clone, Debug)]
pub struct Options {
    /// The options of the validation that runs first (as `check`'s).
    pub check: crate::core::check::Options,
    /// The folder local policy refs may reach (the current directory for the CLI).
    pub workspace: PathBuf,
    /// The `oci://` policy bundles pulled before packing (`oci::lookup::pull_policies`); an `oci://` policy ref
    /// not among them is unresolved.
    pub policies: Arc<PulledPolicies>,
    /// Where the archive will be written; left out of the archive if that lies inside the
    /// bundle, so packing into the bundle folder twice gives the same archive.
    pub output: Output,
}

/// Where the caller will write the archive.
#[derive(Clone, Debug)]
pub enum Output {
    /// Nowhere on disk.
    Memory,
    /// This file.
    File(PathBuf),
    /// `<service.name>-<service.version>.tar.gz` in this folder.
    DefaultIn(PathBuf),
}

/// A packed bundle.
#[derive(Clone, Debug)]
pub struct Packed {
    /// The `.tar.gz` bytes.
    pub bytes: Vec<u8>,
    /// The files in the archive, in archive order (bundle paths).
    pub files: Vec<String>,
    /// The folders in the archive, in path order.
    pub dirs: Vec<String>,
    /// The SHA-256 of `bytes`, 64 lowercase hex digits.
    pub sha256: String,
    /// `bytes.len()`.
    pub size: u64,
    /// `service.name`.
    pub name: String,
    /// `service.version`.
    pub version: String,
    /// The contract's text, as validated and packed.
    pub contract: String,
    /// Warnings and lesser findings of the validation (it had no errors), located in `contract`.
    pub findings: Vec<Finding>,
    /// The file to write, resolved from [`Options::output`] (`None` for [`Output::Memory`]).
    pub output: Option<PathBuf>,
}

/// A file the contract references that `.pactoignore` (or an always-skipped name) leaves out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IgnoredReference {
    /// The bundle path.
    pub path: String,
    /// Where the contract references it, e.g. `interfaces[0].contract`.
    pub field: String,
}

/// Why a bundle was not packed.
#[derive(Clone, Debug)]
pub enum PackError {
    /// The contract has error findings; `text` is the contract, for positions.
    Invalid { text: String, findings: Vec<Finding> },
    /// `.pactoignore` cannot be read or does not parse.
    IgnoreFile(String),
    /// Files the contract references are left out by `.pactoignore`.
    Ignored(Vec<IgnoredReference>),
    /// Entries that cannot go into an archive: (bundle path, why).
    Unusable(Vec<(String, String)>),
    /// The bundle is too big to pack (entries or bytes), or its version cannot name a file.
    Refused(String),
    /// The bundle folder or its contract could not be read.
    Io(String),
}

impl PackError {
    /// Whether the bundle itself is at fault (exit 1), rather than the command's use or the
    /// system (exit 2).
    pub fn is_bundle_problem(&self) -> bool {
        !matches!(self, PackError::Io(_))
    }
}

impl std::fmt::Display for PackError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PackError::Invalid { findings, .. } => {
                let errors = findings.iter().filter(|it| it.severity == Severity::Error).count();
                let noun = if errors == 1 { "error" } else { "errors" };
                write!(f, "the contract has {errors} {noun}; nothing was packed")
            }
            PackError::IgnoreFile(message) | PackError::Refused(message) | PackError::Io(message) => {
                f.write_str(message)
            }
            PackError::Ignored(ignored) => {
                let parts: Vec<String> = ignored
                    .iter()
                    .map(|it| format!("`{}` (referenced by `{}`)", excerpt(&it.path), it.field))
                    .collect();
                write!(f, "`{IGNORE_FILE}` excludes files the contract references: {}", parts.join(", "))
            }
            PackError::Unusable(entries) => {
                let parts: Vec<String> =
                    entries.iter().map(|(path, why)| format!("`{}` {why}", excerpt(path))).collect();
                write!(f, "the bundle cannot be packed: {}", parts.join("; "))
            }
        }
    }
}

/// Why a packed bundle file (`.tar.gz` on disk) could not be read.
#[derive(Clone, Debug)]
pub enum ArchiveFileError {
    Missing,
    /// The gate refused the file (a FIFO, a link out of its folder, too large, …).
    Unusable(Unusable),
    /// Not a packed bundle, or one beyond the extract limits.
    Invalid(String),
}

/// Reads a packed bundle file through the gate, then in memory within the extract limits.
pub fn read_archive_file(path: &Path) -> Result<Archive, ArchiveFileError> {
    let (Some(parent), Some(name)) = (path.parent(), path.file_name().and_then(|it| it.to_str())) else {
        return Err(ArchiveFileError::Invalid("not a packed bundle".into()));
    };
    let bytes = match crate::fs::gate::read(&FileKey::in_bundle(parent, name)) {
        FileRead::File(bytes) => bytes,
        FileRead::Missing => return Err(ArchiveFileError::Missing),
        FileRead::Unusable(why) => return Err(ArchiveFileError::Unusable(why)),
    };
    read_archive(&bytes).map_err(ArchiveFileError::Invalid)
}

/// Validates the bundle folder at `root` and packs it in memory. Nothing is written.
pub fn pack(root: &Path, options: &Options) -> Result<Packed, PackError> {
    let root = crate::fs::absolute(root);
    let shown = root.display();
    match std::fs::metadata(&root) {
        Ok(meta) if meta.is_dir() => {}
        Ok(_) => return Err(PackError::Io(format!("{shown}: not a bundle folder"))),
        Err(error) => return Err(PackError::Io(format!("{shown}: {}", error.kind()))),
    }
    let (bundle, resolver) = crate::fs::local(&root, &options.workspace);
    let bytes = match bundle.files.read(CONTRACT_FILE) {
        FileRead::File(bytes) => bytes,
        FileRead::Missing => return Err(PackError::Io(format!("{shown}: no {CONTRACT_FILE} in this folder"))),
        FileRead::Unusable(why) => return Err(PackError::Io(format!("{shown}: the contract {why}"))),
    };
    let text = match decode(&bytes) {
        Ok(text) => text,
        Err(finding) => {
            let text = String::from_utf8_lossy(&bytes).into_owned();
            return Err(PackError::Invalid { text, findings: vec![finding] });
        }
    };
    let with_pulled = WithPulled { local: Some(&resolver), pulled: &options.policies };
    let env = Environment { bundle: Some(&bundle), resolver: Some(&with_pulled) };
    let analysis = analyze(text, &options.check, &env);
    if analysis.has_errors() {
        return Err(PackError::Invalid { text: text.to_string(), findings: analysis.findings });
    }
    let contract = analysis.contract.unwrap_or_default();
    let service = contract.service.clone().unwrap_or_default();
    let name = service.name.unwrap_or_default();
    let version = service.version.unwrap_or_default();
    if let Err(why) = safe_component(&version) {
        return Err(PackError::Refused(format!("`service.version` {why}, so it cannot name the archive")));
    }
    let rules = Rules::load(&root).map_err(PackError::IgnoreFile)?;
    let output = match &options.output {
        Output::Memory => None,
        Output::File(path) => Some(path.clone()),
        Output::DefaultIn(folder) => Some(folder.join(format!("{name}-{version}.tar.gz"))),
    };
    let skip = output.as_ref().and_then(|it| relative_to(&root, &crate::fs::absolute(it)));
    // The walk reads through the loader validation used, so each file is read once and what was
    // validated is what is packed.
    let walked = walk(&root, &rules, skip.as_deref(), resolver.loader.as_ref())?;
    let ignored = ignored_references(&contract, &rules, &walked.files);
    if !ignored.is_empty() {
        return Err(PackError::Ignored(ignored));
    }
    let entries: Vec<Entry<'_>> = walked
        .order
        .iter()
        .map(|(path, data)| match data {
            None => Entry::Dir(path),
            Some(data) => Entry::File(path, data),
        })
        .collect();
    let bytes = archive::write(&entries).map_err(|error| PackError::Io(format!("writing the archive: {error}")))?;
    let sha256 = hex(&Sha256::digest(&bytes));
    let (dirs, files) = walked.order.iter().partition::<Vec<_>, _>(|(_, data)| data.is_none());
    Ok(Packed {
        size: bytes.len() as u64,
        bytes,
        files: files.into_iter().map(|(path, _)| path.clone()).collect(),
        dirs: dirs.into_iter().map(|(path, _)| path.clone()).collect(),
        sha256,
        name,
        version,
        contract: text.to_string(),
        findings: analysis.findings,
        output,
    })
}

/// The most unusable entries one error lists (the walk stops there).
const MAX_REPORTED: usize = 20;

/// What the walk found: entries in archive order (a folder has no data) and the file paths.
struct Walked {
    order: Vec<(String, Option<Arc<[u8]>>)>,
    files: BTreeSet<String>,
}

/// Walks the bundle in the order of Go's `fs.WalkDir` (each folder's entries sorted by name,
/// depth first), without following links to folders, and reads each file through the loader
/// (the gate, reading each file once).
fn walk(root: &Path, rules: &Rules, skip: Option<&str>, loader: &dyn Loader) -> Result<Walked, PackError> {
    let mut walked = Walked { order: Vec::new(), files: BTreeSet::new() };
    let mut unusable = Vec::new();
    let mut total = 0u64;
    let mut seen = 0usize;
    let walker = walkdir::WalkDir::new(root).follow_links(false).sort_by_file_name().min_depth(1);
    let relative = |entry: &walkdir::DirEntry| -> Option<String> {
        let parts: Option<Vec<&str>> = entry.path().strip_prefix(root).ok()?.iter().map(|it| it.to_str()).collect();
        Some(parts?.join("/"))
    };
    let entries = walker.into_iter().filter_entry(|entry| match relative(entry) {
        Some(path) => !rules.excludes(&path, entry.file_type().is_dir()) && Some(path.as_str()) != skip,
        None => true,
    });
    for next in entries {
        seen += 1;
        if seen > MAX_ENTRIES {
            return Err(PackError::Refused(format!("the bundle has more than {MAX_ENTRIES} files and folders")));
        }
        if unusable.len() == MAX_REPORTED {
            break;
        }
        let entry = match next {
            Ok(it) => it,
            Err(error) => {
                let path = error.path().and_then(|it| it.strip_prefix(root).ok()).map(|it| it.display().to_string());
                let why = error.io_error().map(|it| it.kind().to_string()).unwrap_or_else(|| "cannot be read".into());
                unusable.push((path.unwrap_or_default(), format!("cannot be read: {why}")));
                continue;
            }
        };
        let Some(path) = relative(&entry) else {
            let shown = entry.path().strip_prefix(root).unwrap_or(entry.path()).display().to_string();
            unusable.push((shown, "has a name that is not UTF-8".into()));
            continue;
        };
        if entry.file_type().is_dir() {
            walked.order.push((path, None));
            continue;
        }
        if check_bundle_path(&path).is_err() {
            unusable.push((path, "has a name that cannot be a bundle path".into()));
            continue;
        }
        match loader.read(&FileKey::in_bundle(root, &path)) {
            FileRead::File(bytes) if bytes.len() as u64 > MAX_FILE => {
                unusable
                    .push((path, format!("is larger than {} MiB, the most a bundle file may hold", MAX_FILE >> 20)));
            }
            FileRead::File(bytes) => {
                total += bytes.len() as u64;
                if total > MAX_TOTAL {
                    return Err(PackError::Refused(format!(
                        "the bundle's files add up to more than {} MiB",
                        MAX_TOTAL >> 20
                    )));
                }
                walked.files.insert(path.clone());
                walked.order.push((path, Some(bytes)));
            }
            FileRead::Missing => unusable.push((path, "is a symbolic link to nothing".into())),
            FileRead::Unusable(Unusable::Directory) => {
                unusable.push((path, "is a symbolic link to a folder; links to folders are not packed".into()));
            }
            FileRead::Unusable(why) => unusable.push((path, why.to_string())),
        }
    }
    match unusable.is_empty() {
        true => Ok(walked),
        false => Err(PackError::Unusable(unusable)),
    }
}

/// The local files the contract references that the walk left out because the rules exclude them.
fn ignored_references(contract: &Contract, rules: &Rules, files: &BTreeSet<String>) -> Vec<IgnoredReference> {
    let mut references = Vec::new();
    for (index, it) in contract.interfaces.iter().enumerate() {
        references.push((it.contract.as_ref(), format!("interfaces[{index}].contract")));
    }
    for (index, it) in contract.configurations.iter().enumerate() {
        references.push((it.schema.as_ref(), format!("configurations[{index}].schema")));
    }
    for (index, it) in contract.policies.iter().enumerate() {
        references.push((it.schema.as_ref(), format!("policies[{index}].schema")));
    }
    references
        .into_iter()
        .filter_map(|(path, field)| Some((path?, field)))
        .filter(|(path, _)| check_bundle_path(path).is_ok() && !files.contains(*path) && rules.excludes(path, false))
        .map(|(path, field)| IgnoredReference { path: path.clone(), field })
        .collect()
}

/// `path` relative to `root` as a bundle path, if it lies inside it.
fn relative_to(root: &Path, path: &Path) -> Option<String> {
    let parts: Option<Vec<&str>> = path.strip_prefix(root).ok()?.iter().map(|it| it.to_str()).collect();
    Some(parts?.join("/")).filter(|it| !it.is_empty())
}

/// Checks that a value can be one component of a file name (upstream's `safeOutputName`, plus
/// control characters).
pub fn safe_component(value: &str) -> Result<(), String> {
    let shown = excerpt(value);
    match value {
        "" => Err("is empty".into()),
        "." | ".." => Err(format!("is `{shown}`")),
        _ if value.contains(['/', '\\']) => Err(format!("`{shown}` contains a path separator")),
        _ if value.chars().any(char::is_control) => Err(format!("`{shown}` contains a control character")),
        _ if value.len() > 200 => Err("is longer than 200 bytes".into()),
        _ => Ok(()),
    }
}

/// Lowercase hexadecimal.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|it| format!("{it:02x}")).collect()
}
