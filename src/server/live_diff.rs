//! Live breaking-change detection: a document's baseline (an older version of its contract) and
//! the diff of its current text against it, published in place beside the validation diagnostics.
//!
//! A baseline comes from `pacto.diff` (per document) or the `pacto.diff.baseline` setting (every
//! contract: a path relative to its bundle, or an `oci://` ref). A local one is loaded once, off the async
//! workers, through the file-reading gate; an `oci://` one is pulled through the pull cache with async I/O
//! (in the command, or before the first diff for the setting) and kept in memory. After each validation publish the current text is diffed against it on a
//! blocking thread, and the document's diagnostics are published again with the changes added
//! (source `pacto-diff`), so the diff never delays or replaces validation.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{Value, json};
use tower_lsp_server::ls_types::{Diagnostic, DiagnosticSeverity, NumberOrString};

use crate::core::bundle::{BundleFiles, BundleRef, CONTRACT_FILE, FileRead};
use crate::core::diff::{self, Change, ChangeType, Classification, Diff, Side, Version};
use crate::core::text::{LineIndex, excerpt};
use crate::core::yaml;
use crate::fs;
use crate::oci::cache::Cache;
use crate::pack::ArchiveFileError;
use crate::server::convert::{self, Encoding};

/// The diagnostics' source, so editors can tell diff findings from validation.
pub const SOURCE: &str = "pacto-diff";

/// An older version of a contract that the current text is compared with.
pub struct Baseline {
    /// How the lens names it: the old `service.version`, else the source.
    pub label: String,
    pub text: Arc<str>,
    pub bundle: Option<Arc<dyn BundleFiles>>,
}

/// The diff of one version of a document against its baseline.
pub struct LiveDiff {
    pub generation: u64,
    pub version: i32,
    pub label: String,
    pub diff: Diff,
}

/// Loads a baseline: a bundle folder, a `pacto.yaml` or a packed `.tar.gz`, relative to the
/// bundle root of the document (`root`) unless absolute. Blocking: call it off the async workers.
pub fn load(source: &str, root: Option<&Path>, workspaces: &[PathBuf]) -> Result<Baseline, String> {
    if source.starts_with("oci://") {
        return Err("`oci://` baselines are pulled with `load_oci`, not read from disk".into());
    }
    let given = Path::new(source.strip_prefix("file://").unwrap_or(source));
    let path = match (given.is_absolute(), root) {
        (true, _) => fs::absolute(given),
        (false, Some(root)) => fs::normalize(&root.join(given)),
        (false, None) => {
            return Err(format!("`{}` is relative, and the contract is not a file on disk", excerpt(source)));
        }
    };
    let name = path.file_name().and_then(|it| it.to_str()).unwrap_or_default();
    if name.ends_with(".tar.gz") || name.ends_with(".tgz") {
        let archive = crate::pack::read_archive_file(&path).map_err(|error| match error {
            ArchiveFileError::Missing => format!("`{}` does not exist", excerpt(source)),
            ArchiveFileError::Unusable(why) => format!("`{}` {why}", excerpt(source)),
            ArchiveFileError::Invalid(why) => format!("`{}`: {why}", excerpt(source)),
        })?;
        return from_archive(source, archive);
    }
    let folder = match name == CONTRACT_FILE {
        true => path.parent().unwrap_or(Path::new("/")).to_path_buf(),
        false => path.clone(),
    };
    let (bundle, _) = fs::local(&folder, &fs::boundary(&folder, workspaces));
    let text = match bundle.files.read(CONTRACT_FILE) {
        FileRead::File(bytes) => bytes.to_vec(),
        FileRead::Missing => return Err(format!("`{}` holds no {CONTRACT_FILE}", excerpt(source))),
        FileRead::Unusable(why) => return Err(format!("`{}`: {CONTRACT_FILE} {why}", excerpt(source))),
    };
    finish(source, text, bundle.files)
}

/// Pulls an `oci://` baseline through the pull cache (only from the cache when `offline` is set) and keeps
/// the archive in memory. Async I/O: await it on the runtime, never inside a blocking task.
pub async fn load_oci(source: &str, settings: &crate::server::settings::Settings) -> Result<Baseline, String> {
    let reference = crate::oci::parse_ref(Some(source), "the baseline")?;
    let registry = crate::oci::OciRegistry::new(settings.registry(&reference.registry));
    let cache = settings.cache_dir.clone().or_else(Cache::default_dir).map(Cache::new);
    let (_, pulled) = crate::oci::cache::pull(&registry, cache.as_ref(), &reference, settings.offline)
        .await
        .map_err(|error| error.to_string())?;
    from_archive(source, pulled.archive)
}

/// A baseline from a packed bundle read into memory.
fn from_archive(source: &str, archive: crate::pack::Archive) -> Result<Baseline, String> {
    finish(source, archive.contract().to_vec(), Arc::new(archive))
}

/// Decodes the baseline's contract text and names the baseline.
fn finish(source: &str, text: Vec<u8>, bundle: Arc<dyn BundleFiles>) -> Result<Baseline, String> {
    let text = crate::core::check::decode(&text)
        .map_err(|finding| format!("`{}`: {}", excerpt(source), finding.message))?
        .to_string();
    let label = old_version(&text).unwrap_or_else(|| excerpt(source).into_owned());
    Ok(Baseline { label, text: text.into(), bundle: Some(bundle) })
}

/// The `service.version` a contract declares, if it is a plain string.
fn old_version(text: &str) -> Option<String> {
    let parsed = yaml::parse(text);
    let document = parsed.tree.document_json().ok()?;
    document.get("service")?.get("version")?.as_str().map(|it| excerpt(it).into_owned())
}

/// Diffs the current text (with its bundle) against the baseline.
pub fn run(baseline: &Baseline, text: &str, bundle: Option<&BundleRef>) -> Diff {
    let old = Version { text: &baseline.text, bundle: baseline.bundle.as_deref() };
    let new = Version { text, bundle: bundle.map(|it| &*it.files) };
    diff::diff(&old, &new)
}

/// The changes as diagnostics of the current text. A removal (whose range is in the baseline)
/// is shown on the document's first line.
pub fn diagnostics(diff: &Diff, text: &str, lines: &LineIndex, encoding: Encoding) -> Vec<Diagnostic> {
    let first_line = 0..text.find(['\n', '\r']).unwrap_or(text.len());
    diff.changes
        .iter()
        .map(|change| {
            let span = match change.side {
                Side::New if change.span.end <= text.len() => change.span.clone(),
                _ => first_line.clone(),
            };
            Diagnostic {
                range: convert::range(text, lines, &span, encoding),
                severity: Some(severity(change.classification)),
                code: Some(NumberOrString::String(change.classification.as_str().into())),
                source: Some(SOURCE.into()),
                message: message(change),
                data: Some(json!({ "path": change.path, "type": change.change_type.as_str() })),
                ..Diagnostic::default()
            }
        })
        .collect()
}

fn severity(classification: Classification) -> DiagnosticSeverity {
    match classification {
        Classification::Breaking => DiagnosticSeverity::WARNING,
        Classification::PotentialBreaking => DiagnosticSeverity::INFORMATION,
        Classification::NonBreaking => DiagnosticSeverity::HINT,
    }
}

/// `path (type): reason [old → new]`.
fn message(change: &Change) -> String {
    let value = |it: &Option<Value>| it.as_ref().map(short).unwrap_or_default();
    let values = match change.change_type {
        ChangeType::Added => format!("[+ {}]", value(&change.new)),
        ChangeType::Removed => format!("[- {}]", value(&change.old)),
        ChangeType::Modified => format!("[{} → {}]", value(&change.old), value(&change.new)),
    };
    let kind = change.change_type.as_str();
    // Most reasons only repeat the path and the kind of change; those add nothing to the message.
    match change.reason == format!("{} {kind}", change.path) {
        true => format!("{} ({kind}) {values}", change.path),
        false => format!("{} ({kind}): {} {values}", change.path, change.reason),
    }
}

/// A value as the message shows it: strings bare, anything else as compact JSON, both excerpted.
fn short(value: &Value) -> String {
    match value {
        Value::String(text) => excerpt(text).into_owned(),
        other => excerpt(&other.to_string()).into_owned(),
    }
}

/// The code lens title: "vs 1.2.0: BREAKING · 1 breaking, 2 potential".
pub fn lens_title(live: &LiveDiff) -> String {
    let Some(classification) = live.diff.classification else {
        return format!("vs {}: no changes", live.label);
    };
    let count = |level: Classification| live.diff.changes.iter().filter(|it| it.classification == level).count();
    let parts: Vec<String> = [
        (Classification::Breaking, "breaking"),
        (Classification::PotentialBreaking, "potential"),
        (Classification::NonBreaking, "non-breaking"),
    ]
    .into_iter()
    .map(|(level, noun)| (count(level), noun))
    .filter(|(n, _)| *n > 0)
    .map(|(n, noun)| format!("{n} {noun}"))
    .collect();
    format!("vs {}: {} · {}", live.label, classification.as_str(), parts.join(", "))
}

/// The diff as the `pacto.diff` command returns it (ranges in the document's encoding).
pub fn to_json(live: &LiveDiff, text: &str, lines: &LineIndex, encoding: Encoding) -> Value {
    let changes: Vec<Value> = live
        .diff
        .changes
        .iter()
        .map(|change| {
            let range = match change.side {
                Side::New if change.span.end <= text.len() => Some(convert::range(text, lines, &change.span, encoding)),
                _ => None,
            };
            json!({
                "path": change.path,
                "type": change.change_type.as_str(),
                "oldValue": change.old,
                "newValue": change.new,
                "classification": change.classification.as_str(),
                "reason": change.reason,
                "range": range,
            })
        })
        .collect();
    json!({
        "baseline": live.label,
        "classification": live.diff.classification.map_or("NONE", Classification::as_str),
        "changes": changes,
    })
}
