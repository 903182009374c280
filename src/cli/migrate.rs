//! `pacto-lsp migrate [DIR...] --to 1.2|2.0 [--write]`: rewrite contracts to a newer format.
//!
//! Each contract is checked first (a contract with errors is not migrated), migrated by
//! `core::migrate`, and the result is checked again with the new spec files in its bundle. Without
//! `--write` the command prints a unified diff per contract (new files as diffs from `/dev/null`);
//! with it, the contract is replaced (written to a temporary file, then renamed) and the new files
//! are created, never overwriting a file that exists.

use std::io::Write;
use std::path::{Path, PathBuf};

use similar::TextDiff;

use super::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, LocalContract, read_local_contract};
use crate::core::bundle::{BundleRef, CONTRACT_FILE, FileRead};
use crate::core::check::{Analysis, Environment, Options, analyze};
use crate::core::finding::Severity;
use crate::core::migrate;
use crate::core::schema::SchemaVersion;
use crate::core::text::LineIndex;
use crate::fs::{self, FileKey, Loader};

struct Args {
    paths: Vec<PathBuf>,
    target: SchemaVersion,
    write: bool,
    options: Options,
}

/// How one contract fared.
enum Outcome {
    Migrated,
    Unchanged,
    /// It cannot be migrated; the reasons were printed.
    Refused,
}

/// Runs `migrate` with its arguments (after the word `migrate`).
pub fn migrate(args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let args = match parse_args(args) {
        Ok(it) => it,
        Err(message) => {
            let _ = writeln!(err, "error: {message}");
            return EXIT_USAGE;
        }
    };
    let mut contracts = Vec::new();
    for path in &args.paths {
        match find_contracts(path) {
            Ok(found) if found.is_empty() => {
                let _ = writeln!(err, "error: {}: no {CONTRACT_FILE} in this folder or below it", path.display());
                return EXIT_USAGE;
            }
            Ok(found) => contracts.extend(found),
            Err(message) => {
                let _ = writeln!(err, "error: {message}");
                return EXIT_USAGE;
            }
        }
    }
    let (mut migrated, mut unchanged, mut refused) = (0, 0, 0);
    let mut failed_io = false;
    for contract in &contracts {
        match migrate_one(contract, &args, out) {
            Ok(Outcome::Migrated) => migrated += 1,
            Ok(Outcome::Unchanged) => unchanged += 1,
            Ok(Outcome::Refused) => refused += 1,
            Err(message) => {
                let _ = writeln!(err, "error: {message}");
                failed_io = true;
            }
        }
    }
    let verb = if args.write { "migrated" } else { "would migrate" };
    let _ = writeln!(
        out,
        "{verb} {migrated} of {} to pactoVersion {}; {unchanged} already there; {refused} cannot be migrated",
        plural(contracts.len(), "contract"),
        args.target.as_str()
    );
    match (failed_io, refused) {
        (true, _) => EXIT_USAGE,
        (false, 0) => EXIT_OK,
        (false, _) => EXIT_FINDINGS,
    }
}

fn parse_args(args: &[String]) -> Result<Args, String> {
    use lexopt::prelude::*;
    let mut parser = lexopt::Parser::from_args(args.iter().cloned());
    let mut paths = Vec::new();
    let mut target = None;
    let mut write = false;
    while let Some(arg) = parser.next().map_err(|it| it.to_string())? {
        match arg {
            Long("to") => {
                let value = parser.value().map_err(|it| it.to_string())?;
                let value = value.to_string_lossy();
                target = match value.as_ref() {
                    "1.2" => Some(SchemaVersion::V1_2),
                    "2.0" => Some(SchemaVersion::V2_0),
                    other => return Err(format!("`--to {other}`: the target is `1.2` or `2.0`")),
                };
            }
            Long("write") => write = true,
            Value(value) => paths.push(PathBuf::from(value)),
            other => {
                return Err(format!(
                    "{}; usage: pacto-lsp migrate [DIR...] --to 1.2|2.0 [--write]",
                    other.unexpected()
                ));
            }
        }
    }
    let target = target.ok_or("`--to 1.2` or `--to 2.0` is required")?;
    if paths.is_empty() {
        paths.push(PathBuf::from("."));
    }
    // Readiness dates do not decide whether a contract can be migrated; today only shapes warnings.
    let today = crate::clock::today_from_env()?;
    let options = Options { today, readiness_gate: false, warn_days: 14, compatibility: Default::default() };
    Ok(Args { paths, target, write, options })
}

/// The contract files a path names: the file itself, a bundle folder's `pacto.yaml`, else every
/// bundle below the folder (hidden folders, `target` and `node_modules` skipped, links not followed).
fn find_contracts(path: &Path) -> Result<Vec<PathBuf>, String> {
    let metadata = std::fs::metadata(path).map_err(|_| format!("{}: no such file or folder", path.display()))?;
    if !metadata.is_dir() || path.join(CONTRACT_FILE).exists() {
        return Ok(vec![path.to_path_buf()]);
    }
    let skipped = |entry: &walkdir::DirEntry| {
        let name = entry.file_name().to_string_lossy();
        entry.depth() > 0
            && entry.file_type().is_dir()
            && (name.starts_with('.') || name == "target" || name == "node_modules")
    };
    let mut found = Vec::new();
    for entry in
        walkdir::WalkDir::new(path).max_depth(16).sort_by_file_name().into_iter().filter_entry(|it| !skipped(it))
    {
        let Ok(entry) = entry else { continue };
        if entry.file_type().is_file() && entry.file_name() == CONTRACT_FILE {
            let folder = entry.path().parent().unwrap_or(path);
            found.push(folder.strip_prefix(".").unwrap_or(folder).to_path_buf());
        }
    }
    Ok(found)
}

fn migrate_one(path: &Path, args: &Args, out: &mut dyn Write) -> Result<Outcome, String> {
    let LocalContract { root, loader, bytes } = read_local_contract(path)?;
    let file = match path.is_dir() {
        true => path.join(CONTRACT_FILE),
        false => path.to_path_buf(),
    };
    let shown = file.display().to_string();
    let Ok(text) = std::str::from_utf8(&bytes) else {
        let _ = writeln!(out, "{shown}: cannot be migrated: the contract is not UTF-8 text");
        return Ok(Outcome::Refused);
    };
    let bundle = fs::bundle(&root, &root, loader.clone());
    let options = args.options;
    let before = check(text, &bundle, &options);
    if before.has_errors() {
        let _ = writeln!(out, "{shown}: cannot be migrated: it has errors; fix them first");
        print_errors(out, &shown, text, &before);
        return Ok(Outcome::Refused);
    }
    let migration = match migrate::migrate(text, args.target) {
        Ok(it) => it,
        Err(reason) => {
            let _ = writeln!(out, "{shown}: cannot be migrated: {reason}");
            return Ok(Outcome::Refused);
        }
    };
    if migration.is_empty() {
        let _ = writeln!(out, "{shown}: already pactoVersion {}", args.target.as_str());
        return Ok(Outcome::Unchanged);
    }
    let after = migration.apply(text);
    let result = check(&after, &migrate::with_new_files(&bundle, &migration.new_files), &options);
    if result.has_errors() {
        let _ = writeln!(out, "{shown}: cannot be migrated: the migrated contract would have errors");
        print_errors(out, &shown, &after, &result);
        return Ok(Outcome::Refused);
    }
    // A new file may already be in the bundle: the same content is fine, anything else is never overwritten.
    let mut new_files = Vec::new();
    for new in &migration.new_files {
        match loader.read(&FileKey::in_bundle(&root, &new.path)) {
            FileRead::File(existing) if *existing == *new.content.as_bytes() => {}
            FileRead::Missing => new_files.push(new),
            _ => {
                let _ = writeln!(
                    out,
                    "{shown}: cannot be migrated: `{}` already exists in the bundle and would have to be replaced",
                    new.path
                );
                return Ok(Outcome::Refused);
            }
        }
    }
    let bundle_path = |relative: &str| match path.is_dir() {
        true => path.join(relative),
        false => path.parent().unwrap_or(Path::new("")).join(relative),
    };
    let _ = writeln!(
        out,
        "{shown}: {} pactoVersion {}",
        if args.write { "migrated to" } else { "migrates to" },
        args.target.as_str()
    );
    if !migration.dropped.is_empty() {
        let _ = writeln!(out, "  dropped (kept as comments): {}", migration.dropped.join(", "));
    }
    for note in &migration.notes {
        let _ = writeln!(out, "  note: {note}");
    }
    if args.write {
        for new in &new_files {
            create_new(&root, &new.path, &new.content)?;
            let _ = writeln!(out, "  created {}", bundle_path(&new.path).display());
        }
        replace(&root.join(file.file_name().unwrap_or_default()), &after)?;
        return Ok(Outcome::Migrated);
    }
    let a = format!("a/{}", file.display());
    let b = format!("b/{}", file.display());
    let _ = write!(out, "{}", TextDiff::from_lines(text, &after).unified_diff().header(&a, &b));
    for new in &new_files {
        let b = format!("b/{}", bundle_path(&new.path).display());
        let _ = write!(out, "{}", TextDiff::from_lines("", &new.content).unified_diff().header("/dev/null", &b));
    }
    Ok(Outcome::Migrated)
}

/// Checks a contract as `check` does, without following policy refs (a migration does not change
/// what policies see, and this command stays off the network).
fn check(text: &str, bundle: &BundleRef, options: &Options) -> Analysis {
    analyze(text, options, &Environment { bundle: Some(bundle), resolver: None })
}

fn print_errors(out: &mut dyn Write, file: &str, text: &str, analysis: &Analysis) {
    let lines = LineIndex::new(text);
    for finding in analysis.findings.iter().filter(|it| it.severity == Severity::Error) {
        let _ = write!(out, "  ");
        let _ = super::check::write_finding(out, file, text, &lines, finding);
    }
}

/// Writes the whole file next to the contract, then renames it over the contract.
fn replace(contract: &Path, text: &str) -> Result<(), String> {
    let name = contract.file_name().unwrap_or_default().to_string_lossy();
    let temporary = contract.with_file_name(format!(".{name}.migrate-{}", std::process::id()));
    let result = std::fs::write(&temporary, text).and_then(|()| std::fs::rename(&temporary, contract));
    if let Err(error) = result {
        let _ = std::fs::remove_file(&temporary);
        return Err(format!("{}: cannot write the migrated contract: {error}", contract.display()));
    }
    Ok(())
}

/// Creates a bundle file that must not exist yet, inside the bundle root.
fn create_new(root: &Path, relative: &str, content: &str) -> Result<(), String> {
    let target = root.join(relative);
    let shown = target.display();
    let parent = target.parent().unwrap_or(root);
    std::fs::create_dir_all(parent).map_err(|error| format!("{shown}: cannot create its folder: {error}"))?;
    // The folder must still be inside the bundle once links are resolved.
    let real_root = std::fs::canonicalize(root).map_err(|error| format!("{}: {error}", root.display()))?;
    let real_parent = std::fs::canonicalize(parent).map_err(|error| format!("{shown}: {error}"))?;
    if !real_parent.starts_with(&real_root) {
        return Err(format!("{shown}: its folder leads outside the bundle (through a symbolic link)"));
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&target)
        .map_err(|error| format!("{shown}: cannot create it: {error}"))?;
    file.write_all(content.as_bytes()).map_err(|error| format!("{shown}: cannot write it: {error}"))
}

fn plural(count: usize, noun: &str) -> String {
    match count {
        1 => format!("1 {noun}"),
        n => format!("{n} {noun}s"),
    }
}
