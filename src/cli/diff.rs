//! `pacto-lsp diff OLD NEW`: classify the changes between two versions of a contract.

use std::io::Write;
use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;

use serde_json::{Value, json};

use super::oci::RegistryFlags;
use super::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, LocalContract, read_local_contract};
use crate::core::bundle::BundleRef;
use crate::core::diff::{self, Change, ChangeType, Classification, Diff, Side, Version};
use crate::core::text::LineIndex;
use crate::fs;
use crate::pack::ArchiveFileError;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Text,
    Json,
    Markdown,
}

struct Args {
    old: PathBuf,
    new: PathBuf,
    format: Format,
    /// How `oci://` refs are pulled.
    registry: RegistryFlags,
}

/// One version read from disk: its text and bundle.
struct Loaded {
    text: String,
    bundle: BundleRef,
}

/// Runs `diff` with its arguments (after the word `diff`).
pub fn diff(args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let args = match parse_args(args) {
        Ok(it) => it,
        Err(message) => {
            let _ = writeln!(err, "error: {message}");
            return EXIT_USAGE;
        }
    };
    let (old, new) = match (load(&args.old, &args.registry), load(&args.new, &args.registry)) {
        (Ok(old), Ok(new)) => (old, new),
        (old, new) => {
            for message in [old.err(), new.err()].into_iter().flatten() {
                let _ = writeln!(err, "error: {message}");
            }
            return EXIT_USAGE;
        }
    };
    let result = diff::diff(
        &Version { text: &old.text, bundle: Some(&*old.bundle.files) },
        &Version { text: &new.text, bundle: Some(&*new.bundle.files) },
    );
    let printed = match args.format {
        Format::Text => print_text(&result, out),
        Format::Json => print_json(&result, &args, &old, &new, out),
        Format::Markdown => print_markdown(&result, out),
    };
    if let Err(error) = printed {
        let _ = writeln!(err, "error: cannot write the output: {error}");
        return EXIT_USAGE;
    }
    match result.classification {
        Some(Classification::Breaking) => {
            let _ = writeln!(err, "breaking changes detected");
            EXIT_FINDINGS
        }
        _ => EXIT_OK,
    }
}

fn parse_args(args: &[String]) -> Result<Args, String> {
    use lexopt::prelude::*;
    let mut parser = lexopt::Parser::from_args(args.iter().cloned());
    let mut paths = Vec::new();
    let mut format = Format::Text;
    let mut registry = RegistryFlags::new(true);
    while let Some(arg) = parser.next().map_err(|error| error.to_string())? {
        match arg {
            Long("format") => {
                format = match parser.value().map_err(|error| error.to_string())?.to_str() {
                    Some("text") => Format::Text,
                    Some("json") => Format::Json,
                    Some("markdown") => Format::Markdown,
                    _ => return Err("--format takes `text`, `json` or `markdown`".into()),
                }
            }
            Long(name) if registry.accepts(name) => {
                let name = name.to_string();
                registry.read(&name, &mut parser)?;
            }
            Value(path) => paths.push(PathBuf::from(path)),
            other => return Err(other.unexpected().to_string()),
        }
    }
    let mut paths = paths.into_iter();
    match (paths.next(), paths.next(), paths.next()) {
        (Some(old), Some(new), None) => Ok(Args { old, new, format, registry }),
        _ => Err("`diff` takes two paths: `pacto-lsp diff OLD NEW` (bundle folders, `pacto.yaml` files or packed `.tar.gz` bundles)".into()),
    }
}

/// Reads one version: a bundle folder, or a contract file whose folder is its bundle.
fn load(path: &FsPath, flags: &RegistryFlags) -> Result<Loaded, String> {
    let shown = path.display();
    let name = path.to_string_lossy();
    if name.starts_with("oci://") {
        let (_, archive) = super::pull_archive(&name, flags).map_err(|message| format!("{shown}: {message}"))?;
        return from_archive(archive, &shown.to_string());
    }
    let absolute = fs::absolute(path);
    if name.ends_with(".tar.gz") || name.ends_with(".tgz") {
        return load_archive(&absolute, &shown.to_string());
    }
    let LocalContract { root, loader, bytes } = read_local_contract(path)?;
    let text = match crate::core::check::decode(&bytes) {
        Ok(text) => text.to_string(),
        Err(finding) => return Err(format!("{shown}: {}", finding.message)),
    };
    Ok(Loaded { text, bundle: fs::bundle(&root, &root, loader) })
}

/// Reads a packed bundle (`.tar.gz`) through the gate and then in memory, within the extract limits.
fn load_archive(path: &FsPath, shown: &str) -> Result<Loaded, String> {
    let archive = crate::pack::read_archive_file(path).map_err(|error| match error {
        ArchiveFileError::Missing => format!("{shown}: no such file"),
        ArchiveFileError::Unusable(why) => format!("{shown}: the archive {why}"),
        ArchiveFileError::Invalid(why) => format!("{shown}: {why}"),
    })?;
    from_archive(archive, shown)
}

/// A version read from an archive in memory (a packed file or a pulled `oci://` bundle).
fn from_archive(archive: crate::pack::Archive, shown: &str) -> Result<Loaded, String> {
    let text = match crate::core::check::decode(archive.contract()) {
        Ok(text) => text.to_string(),
        Err(finding) => return Err(format!("{shown}: {}", finding.message)),
    };
    Ok(Loaded { text, bundle: BundleRef { id: format!("archive:{shown}"), files: Arc::new(archive) } })
}

/// A value as upstream prints it: strings bare, anything else as compact JSON.
fn show(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

fn overall(result: &Diff) -> &'static str {
    result.classification.unwrap_or(Classification::NonBreaking).as_str()
}

/// ` [old -> new]`, ` [+ new]` or ` [- old]`.
fn values(change: &Change) -> String {
    match (change.change_type, &change.old, &change.new) {
        (ChangeType::Modified, Some(old), Some(new)) => format!(" [{} -> {}]", show(old), show(new)),
        (ChangeType::Added, _, Some(new)) => format!(" [+ {}]", show(new)),
        (ChangeType::Removed, Some(old), _) => format!(" [- {}]", show(old)),
        _ => String::new(),
    }
}

fn print_text(result: &Diff, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "Classification: {}", overall(result))?;
    if result.changes.is_empty() {
        return writeln!(out, "No changes detected.");
    }
    writeln!(out, "Changes ({}):", result.changes.len())?;
    for change in &result.changes {
        let (class, path, kind) = (change.classification.as_str(), &change.path, change.change_type.as_str());
        writeln!(out, "  [{class}] {path} ({kind}): {}{}", change.reason, values(change))?;
    }
    Ok(())
}

fn print_json(result: &Diff, args: &Args, old: &Loaded, new: &Loaded, out: &mut dyn Write) -> std::io::Result<()> {
    let (old_lines, new_lines) = (LineIndex::new(&old.text), LineIndex::new(&new.text));
    let changes: Vec<Value> = result
        .changes
        .iter()
        .map(|change| {
            let (text, lines) = match change.side {
                Side::Old => (&old.text, &old_lines),
                Side::New => (&new.text, &new_lines),
            };
            let (start, end) = (lines.line_col(text, change.span.start), lines.line_col(text, change.span.end));
            let mut item = serde_json::Map::new();
            item.insert("path".into(), json!(change.path));
            item.insert("type".into(), json!(change.change_type.as_str()));
            if let Some(value) = &change.old {
                item.insert("oldValue".into(), value.clone());
            }
            if let Some(value) = &change.new {
                item.insert("newValue".into(), value.clone());
            }
            item.insert("classification".into(), json!(change.classification.as_str()));
            item.insert("reason".into(), json!(change.reason));
            item.insert("side".into(), json!(change.side.as_str()));
            item.insert(
                "range".into(),
                json!({
                    "start": { "line": start.line, "column": start.column },
                    "end": { "line": end.line, "column": end.column },
                }),
            );
            Value::Object(item)
        })
        .collect();
    let document = json!({
        "oldPath": args.old.display().to_string(),
        "newPath": args.new.display().to_string(),
        "classification": overall(result),
        "changes": changes,
    });
    let text = serde_json::to_string_pretty(&document).unwrap_or_default();
    writeln!(out, "{text}")
}

/// A markdown table cell: pipes and line breaks would end the cell or the row.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

fn print_markdown(result: &Diff, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "## Contract Diff\n\n**Classification:** `{}`\n", overall(result))?;
    if result.changes.is_empty() {
        return writeln!(out, "No changes detected.");
    }
    writeln!(out, "### Changes ({})\n", result.changes.len())?;
    writeln!(out, "| Classification | Path | Type | Reason | Old | New |")?;
    writeln!(out, "|---|---|---|---|---|---|")?;
    let code = |value: &Option<Value>| value.as_ref().map_or(String::new(), |it| format!("`{}`", cell(&show(it))));
    for change in &result.changes {
        writeln!(
            out,
            "| {} | `{}` | {} | {} | {} | {} |",
            change.classification.as_str(),
            cell(&change.path),
            change.change_type.as_str(),
            cell(&change.reason),
            code(&change.old),
            code(&change.new),
        )?;
    }
    writeln!(out)
}
