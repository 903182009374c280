//! `pacto-lsp check`: validate bundles and print diagnostics as an editor would show them.

use std::io::Write;
use std::path::{Path as FsPath, PathBuf};

use serde_json::json;

use super::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE};
use crate::clock;
use crate::core::bundle::{BundleRef, CONTRACT_FILE};
use crate::core::check::{Environment, Options, analyze};
use crate::core::date::{self, Date};
use crate::core::finding::{Finding, Severity};
use crate::core::policy::LocalResolver;
use crate::core::text::LineIndex;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Text,
    Json,
}

struct Args {
    paths: Vec<PathBuf>,
    format: Format,
    options: Options,
}

/// Runs `check` with its arguments (after the word `check`).
pub fn check(args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let args = match parse_args(args) {
        Ok(it) => it,
        Err(message) => {
            let _ = writeln!(err, "error: {message}");
            return EXIT_USAGE;
        }
    };
    let mut failed_io = false;
    let mut results = Vec::new();
    for path in &args.paths {
        match check_one(path, &args.options) {
            Ok(it) => results.push(it),
            Err(message) => {
                let _ = writeln!(err, "error: {message}");
                failed_io = true;
            }
        }
    }
    let _ = match args.format {
        Format::Text => print_text(&results, out),
        Format::Json => print_json(&results, out),
    };
    let has_errors = results.iter().flat_map(|it| &it.findings).any(|it| it.severity == Severity::Error);
    match (failed_io, has_errors) {
        (true, _) => EXIT_USAGE,
        (false, true) => EXIT_FINDINGS,
        (false, false) => EXIT_OK,
    }
}

/// One checked contract, with positions already resolved.
struct Checked {
    file: String,
    findings: Vec<Finding>,
    text: String,
    lines: LineIndex,
}

fn check_one(path: &FsPath, options: &Options) -> Result<Checked, String> {
    let file = match path.is_dir() {
        true => path.join(CONTRACT_FILE),
        false => path.to_path_buf(),
    };
    let bytes = std::fs::read(&file).map_err(|error| match error.kind() {
        std::io::ErrorKind::NotFound if path.is_dir() => {
            format!("{}: no {CONTRACT_FILE} in this directory", path.display())
        }
        _ => format!("{}: {error}", file.display()),
    })?;
    let root = file.parent().filter(|it| !it.as_os_str().is_empty()).unwrap_or(FsPath::new("."));
    let bundle = BundleRef::directory(root);
    let env = Environment { bundle: Some(&bundle), resolver: Some(&LocalResolver) };
    let (text, findings) = match String::from_utf8(bytes) {
        Ok(text) => {
            let findings = analyze(&text, options, &env).findings;
            (text, findings)
        }
        Err(error) => {
            let valid = error.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(error.as_bytes()).into_owned();
            (text, vec![crate::core::check::invalid_utf8(valid)])
        }
    };
    let lines = LineIndex::new(&text);
    Ok(Checked { file: file.display().to_string(), findings, text, lines })
}

fn print_text(results: &[Checked], out: &mut dyn Write) -> std::io::Result<()> {
    let mut counts = [0usize; 4];
    for checked in results {
        for finding in &checked.findings {
            let start = checked.lines.line_col(&checked.text, finding.span.start);
            let path = match finding.path.is_root() {
                true => String::new(),
                false => format!(" ({})", finding.path),
            };
            writeln!(
                out,
                "{}:{}:{}: {}[{}] {}{path}",
                checked.file,
                start.line,
                start.column,
                finding.severity.as_str(),
                finding.code,
                finding.message
            )?;
            counts[finding.severity as usize] += 1;
        }
    }
    let contracts = match results.len() {
        1 => "1 contract".to_string(),
        n => format!("{n} contracts"),
    };
    let parts: Vec<String> = [(counts[0], "error"), (counts[1], "warning"), (counts[2], "info"), (counts[3], "hint")]
        .into_iter()
        .filter(|(count, _)| *count > 0)
        .map(|(count, noun)| format!("{count} {noun}{}", if count == 1 { "" } else { "s" }))
        .collect();
    match parts.is_empty() {
        true => writeln!(out, "checked {contracts}: no problems"),
        false => writeln!(out, "checked {contracts}: {}", parts.join(", ")),
    }
}

fn print_json(results: &[Checked], out: &mut dyn Write) -> std::io::Result<()> {
    let mut items = Vec::new();
    for checked in results {
        for finding in &checked.findings {
            let start = checked.lines.line_col(&checked.text, finding.span.start);
            let end = checked.lines.line_col(&checked.text, finding.span.end);
            items.push(json!({
                "file": checked.file,
                "code": finding.code.as_str(),
                "severity": finding.severity.as_str(),
                "message": finding.message,
                "path": finding.path.to_string(),
                "line": start.line,
                "column": start.column,
                "endLine": end.line,
                "endColumn": end.column,
            }));
        }
    }
    let text = serde_json::to_string_pretty(&items).map_err(std::io::Error::other)?;
    writeln!(out, "{text}")
}

fn parse_args(args: &[String]) -> Result<Args, String> {
    use lexopt::prelude::*;
    let mut parser = lexopt::Parser::from_args(args.iter().cloned());
    let mut paths = Vec::new();
    let mut format = Format::Text;
    let mut gate = false;
    let mut today: Option<Date> = None;
    let mut warn_days = 14;
    while let Some(arg) = parser.next().map_err(|error| error.to_string())? {
        match arg {
            Long("format") => {
                format = match parser.value().map_err(|error| error.to_string())?.to_str() {
                    Some("text") => Format::Text,
                    Some("json") => Format::Json,
                    _ => return Err("--format takes `text` or `json`".into()),
                }
            }
            Long("readiness") => gate = true,
            Long("today") => {
                let value = parser.value().map_err(|error| error.to_string())?;
                let text = value.to_str().unwrap_or_default();
                today = Some(
                    date::parse_strict(text)
                        .ok_or_else(|| format!("--today takes a date as YYYY-MM-DD, not `{text}`"))?,
                );
            }
            Long("warn-days") => {
                let value = parser.value().map_err(|error| error.to_string())?;
                warn_days = value
                    .to_str()
                    .and_then(|it| it.parse::<i64>().ok())
                    .filter(|it| *it >= 0)
                    .ok_or("--warn-days takes a whole number of days")?;
            }
            Value(path) => paths.push(PathBuf::from(path)),
            other => return Err(other.unexpected().to_string()),
        }
    }
    if paths.is_empty() {
        paths.push(PathBuf::from("."));
    }
    let today = match today {
        Some(it) => it,
        None => clock::today_from_env()?,
    };
    Ok(Args { paths, format, options: Options { today, readiness_gate: gate, warn_days } })
}
