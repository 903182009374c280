//! `pacto-lsp pack [DIR] [-o FILE] [-v]`: validate a bundle, then write it as a deterministic
//! `.tar.gz` (spec §6).

use std::io::Write;
use std::path::{Path, PathBuf};

use super::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE};
use crate::clock;
use crate::core::bundle::CONTRACT_FILE;
use crate::core::check::Options as CheckOptions;
use crate::core::finding::Finding;
use crate::core::text::LineIndex;
use crate::pack::{Options, Output, PackError, pack as pack_bundle};

struct Args {
    dir: PathBuf,
    output: Option<PathBuf>,
    verbose: bool,
}

/// Runs `pack` with its arguments (after the word `pack`).
pub fn pack(args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let args = match parse_args(args) {
        Ok(it) => it,
        Err(message) => {
            let _ = writeln!(err, "error: {message}");
            return EXIT_USAGE;
        }
    };
    let today = match clock::today_from_env() {
        Ok(it) => it,
        Err(message) => {
            let _ = writeln!(err, "error: {message}");
            return EXIT_USAGE;
        }
    };
    let online = match super::online::Online::new(&super::oci::RegistryFlags::new(false), false) {
        Ok(it) => it,
        Err(message) => {
            let _ = writeln!(err, "error: {message}");
            return EXIT_USAGE;
        }
    };
    let options = Options {
        check: CheckOptions { today, readiness_gate: false, warn_days: 14, compatibility: Default::default() },
        // Policy refs may reach anything under the current directory, as for `check`.
        workspace: crate::fs::absolute(Path::new(".")),
        policies: online.policies_of(&args.dir),
        output: match &args.output {
            Some(file) => Output::File(file.clone()),
            None => Output::DefaultIn(PathBuf::new()),
        },
    };
    let contract = args.dir.join(CONTRACT_FILE).display().to_string();
    let packed = match pack_bundle(&args.dir, &options) {
        Ok(it) => it,
        Err(error) => {
            if let PackError::Invalid { text, findings } = &error {
                let _ = print_findings(&contract, text, findings, out);
            }
            let _ = writeln!(err, "error: {error}");
            return match error.is_bundle_problem() {
                true => EXIT_FINDINGS,
                false => EXIT_USAGE,
            };
        }
    };
    let Some(file) = packed.output.clone() else {
        return EXIT_USAGE;
    };
    let _ = print_findings(&contract, &packed.contract, &packed.findings, out);
    if args.verbose {
        for path in &packed.files {
            let _ = writeln!(out, "  {path}");
        }
    }
    if let Err(message) = write_atomically(&file, &packed.bytes) {
        let _ = writeln!(err, "error: cannot write `{}`: {message}", file.display());
        return EXIT_USAGE;
    }
    let _ = writeln!(out, "packed {}@{} -> {} ({} bytes)", packed.name, packed.version, file.display(), packed.size);
    let _ = writeln!(out, "sha256:{}", packed.sha256);
    EXIT_OK
}

/// Prints findings in `check`'s text format.
fn print_findings(file: &str, text: &str, findings: &[Finding], out: &mut dyn Write) -> std::io::Result<()> {
    let lines = LineIndex::new(text);
    findings.iter().try_for_each(|finding| super::check::write_finding(out, file, text, &lines, finding))
}

/// Writes `bytes` to a temporary file beside `file`, then renames it into place: a failed write
/// leaves nothing behind, and an existing FIFO at `file` is replaced rather than opened.
fn write_atomically(file: &Path, bytes: &[u8]) -> Result<(), String> {
    let name = file.file_name().and_then(|it| it.to_str()).ok_or("not a file name")?;
    let temporary = file.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temporary)
        .and_then(|mut it| it.write_all(bytes).and_then(|()| it.sync_all()));
    if let Err(error) = written {
        let _ = std::fs::remove_file(&temporary);
        return Err(error.kind().to_string());
    }
    if let Err(error) = std::fs::rename(&temporary, file) {
        let _ = std::fs::remove_file(&temporary);
        return Err(error.kind().to_string());
    }
    Ok(())
}

fn parse_args(args: &[String]) -> Result<Args, String> {
    use lexopt::prelude::*;
    let mut parser = lexopt::Parser::from_args(args.iter().cloned());
    let mut dir = None;
    let mut output = None;
    let mut verbose = false;
    while let Some(arg) = parser.next().map_err(|error| error.to_string())? {
        match arg {
            Short('o') | Long("output") => output = Some(PathBuf::from(parser.value().map_err(|e| e.to_string())?)),
            Short('v') | Long("verbose") => verbose = true,
            Value(path) if dir.is_none() => dir = Some(PathBuf::from(path)),
            Value(_) => return Err("`pack` takes one bundle folder".into()),
            other => return Err(other.unexpected().to_string()),
        }
    }
    Ok(Args { dir: dir.unwrap_or_else(|| PathBuf::from(".")), output, verbose })
}
