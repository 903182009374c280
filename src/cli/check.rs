//! `pacto-lsp check`: validate bundles and print diagnostics as an editor would show them.

use std::io::Write;
use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;

use serde_json::json;

use super::oci::RegistryFlags;
use super::online::Online;
use super::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, LocalContract, read_local_contract};
use crate::clock;
use crate::core::bundle::{BundleRef, CONTRACT_FILE};
use crate::core::check::{Compatibility, Environment, Options, analyze, sorted};
use crate::core::date::{self, Date};
use crate::core::finding::{Finding, Severity};
use crate::core::registry;
use crate::core::text::LineIndex;
use crate::fs::{self, Resolver};
use crate::oci::lookup::{self, WithPulled};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Text,
    Json,
}

struct Args {
    paths: Vec<PathBuf>,
    format: Format,
    options: Options,
    /// How `oci://` refs are pulled.
    registry: RegistryFlags,
    /// Ask the registries about dependency and configuration refs (`--resolve`).
    resolve: bool,
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
    let online = match Online::new(&args.registry, args.resolve) {
        Ok(it) => it,
        Err(message) => {
            let _ = writeln!(err, "error: {message}");
            return EXIT_USAGE;
        }
    };
    let mut failed_io = false;
    let mut results = Vec::new();
    // Policy refs may reach anything under the current directory (the repository, in CI).
    let workspace = fs::absolute(FsPath::new("."));
    for path in &args.paths {
        match check_one(path, &args.options, &workspace, &online) {
            Ok(it) => results.push(it),
            Err(message) => {
                let _ = writeln!(err, "error: {message}");
                failed_io = true;
            }
        }
    }
    let _ = match args.format {
        Format::Text => print_text(&results, args.paths.len(), out),
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

fn check_one(path: &FsPath, options: &Options, workspace: &FsPath, online: &Online) -> Result<Checked, String> {
    let shown = path.display();
    if let Some(name) = path.to_str().filter(|it| it.starts_with("oci://")) {
        return check_pulled(name, options, online);
    }
    let LocalContract { root, loader, bytes } = read_local_contract(path)?;
    let boundary = fs::boundary(&root, &[workspace.to_path_buf()]);
    let bundle = fs::bundle(&root, &root, loader.clone());
    let local = Resolver { boundary, loader };
    let pulled = online.policies(&bytes);
    let resolver = WithPulled { local: Some(&local), pulled: &pulled };
    let env = Environment { bundle: Some(&bundle), resolver: Some(&resolver) };
    let (text, findings) = analyze_bytes(&bytes, options, &env, online);
    let lines = LineIndex::new(&text);
    let file = match path.is_dir() {
        true => path.join(CONTRACT_FILE).display().to_string(),
        false => shown.to_string(),
    };
    Ok(Checked { file, findings, text, lines })
}

/// Checks the bundle an `oci://` ref names, pulled into memory; its `oci://` policy refs are followed, its local
/// ones cannot be (there is no folder to resolve them against).
fn check_pulled(name: &str, options: &Options, online: &Online) -> Result<Checked, String> {
    let reference = crate::oci::parse_ref(Some(name), "this command")?;
    let (_, pulled) =
        online.runtime.block_on(online.registries.pull(&reference)).map_err(|error| format!("{name}: {error}"))?;
    let archive = pulled.archive;
    let bytes = archive.contract().to_vec();
    let policies = online.policies(&bytes);
    let resolver = WithPulled { local: None, pulled: &policies };
    let bundle = BundleRef { id: format!("oci:{name}"), files: Arc::new(archive) };
    let env = Environment { bundle: Some(&bundle), resolver: Some(&resolver) };
    let (text, findings) = analyze_bytes(&bytes, options, &env, online);
    let lines = LineIndex::new(&text);
    Ok(Checked { file: name.to_string(), findings, text, lines })
}

/// Decodes a contract and checks it; text that is not UTF-8 is one finding, shown on the lossy text. With
/// `--resolve`, the registry-aware warnings about dependency and configuration refs are added.
fn analyze_bytes(bytes: &[u8], options: &Options, env: &Environment<'_>, online: &Online) -> (String, Vec<Finding>) {
    let text = match crate::core::check::decode(bytes) {
        Ok(text) => text,
        Err(finding) => return (String::from_utf8_lossy(bytes).into_owned(), vec![finding]),
    };
    let analysis = analyze(text, options, env);
    let mut findings = analysis.findings;
    if let Some(contract) = analysis.contract.as_ref().filter(|_| online.resolve) {
        let wanted = registry::wanted(contract);
        if !wanted.is_empty() {
            let lookups = online.runtime.block_on(lookup::look_up(&online.registries, &wanted));
            findings.extend(registry::findings(text, &analysis.parsed.tree, contract, &lookups));
            findings = sorted(findings);
        }
    }
    (text.to_string(), findings)
}

/// One finding as a text line: `FILE:LINE:COL: SEVERITY[CODE] message (path)`.
pub(super) fn write_finding(
    out: &mut dyn Write,
    file: &str,
    text: &str,
    lines: &LineIndex,
    finding: &Finding,
) -> std::io::Result<()> {
    let start = lines.line_col(text, finding.span.start);
    let path = match finding.path.is_root() {
        true => String::new(),
        false => format!(" ({})", finding.path),
    };
    let (severity, code, message) = (finding.severity.as_str(), finding.code, &finding.message);
    writeln!(out, "{file}:{}:{}: {severity}[{code}] {message}{path}", start.line, start.column)
}

fn print_text(results: &[Checked], requested: usize, out: &mut dyn Write) -> std::io::Result<()> {
    let mut counts = [0usize; 4];
    for checked in results {
        for finding in &checked.findings {
            write_finding(out, &checked.file, &checked.text, &checked.lines, finding)?;
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
    let failed = match requested - results.len() {
        0 => String::new(),
        1 => "; 1 path could not be checked".to_string(),
        n => format!("; {n} paths could not be checked"),
    };
    match parts.is_empty() {
        true if results.is_empty() => writeln!(out, "checked no contracts{failed}"),
        true => writeln!(out, "checked {contracts}: no problems{failed}"),
        false => writeln!(out, "checked {contracts}: {}{failed}", parts.join(", ")),
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
                "url": finding.code.doc_url(),
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
    let mut registry = RegistryFlags::new(true);
    let mut resolve = false;
    let mut compatibility = Compatibility::V1;
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
            Long("compatibility") => {
                let value = parser.value().map_err(|error| error.to_string())?;
                compatibility = value
                    .to_str()
                    .and_then(Compatibility::parse)
                    .ok_or("--compatibility takes `v1` (the v1.x CLI's meaning of 1.0 and 1.1) or `v2`")?;
            }
            Long("resolve") => resolve = true,
            Long(name) if registry.accepts(name) => {
                let name = name.to_string();
                registry.read(&name, &mut parser)?;
            }
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
    Ok(Args {
        paths,
        format,
        options: Options { today, readiness_gate: gate, warn_days, compatibility },
        registry,
        resolve,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Args, String> {
        let mut all: Vec<String> = vec!["--today".into(), "2026-11-22".into()];
        all.extend(args.iter().map(|it| it.to_string()));
        parse_args(&all)
    }

    #[test]
    fn compatibility_defaults_to_v1_and_takes_v1_or_v2() {
        assert_eq!(parse(&[]).unwrap().options.compatibility, Compatibility::V1);
        assert_eq!(parse(&["--compatibility", "v1"]).unwrap().options.compatibility, Compatibility::V1);
        assert_eq!(parse(&["--compatibility", "v2"]).unwrap().options.compatibility, Compatibility::V2);
        let error = parse(&["--compatibility", "v3"]).err().unwrap();
        assert_eq!(error, "--compatibility takes `v1` (the v1.x CLI's meaning of 1.0 and 1.1) or `v2`");
        assert!(parse(&["--compatibility"]).is_err());
    }
}
