//! `pacto-lsp check`: validate bundles and print diagnostics as an editor would show them.

use std::io::{IsTerminal, Write};
use std::panic::AssertUnwindSafe;
use std::path::{Path as FsPath, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use serde_json::json;

use super::oci::RegistryFlags;
use super::online::Online;
use super::report::{self, Checked, Counts, Failure, Outcome};
use super::walk;
use super::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, LocalContract, read_local_contract};
use crate::clock;
use crate::core::bundle::{BundleRef, CONTRACT_FILE};
use crate::core::check::{Compatibility, Environment, Options, analyze, sorted};
use crate::core::date::{self, Date};
use crate::core::finding::Finding;
use crate::core::registry;
use crate::core::text::LineIndex;
use crate::fs::{self, Resolver};
use crate::oci::lookup::{self, WithPulled};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Format {
    /// Code frames and a summary per contract.
    Text,
    /// `FILE:LINE:COL: SEVERITY[CODE] message (path)`, one line per finding.
    Concise,
    Json,
    Sarif,
    Github,
    Junit,
}

/// When the code frames are coloured.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Color {
    /// On a terminal, unless `NO_COLOR` is set.
    Auto,
    Always,
    Never,
}

struct Args {
    paths: Vec<PathBuf>,
    format: Format,
    options: Options,
    /// How `oci://` refs are pulled.
    registry: RegistryFlags,
    /// Ask the registries about dependency and configuration refs (`--resolve`).
    resolve: bool,
    /// Only the summaries (text formats).
    quiet: bool,
    color: Color,
    /// How many contracts are checked at once.
    jobs: usize,
}

/// What one path argument stands for, in output order.
enum Target {
    Local(PathBuf),
    Remote(String),
    /// The path could not be turned into contracts (a folder holding none, an entry the walk could not read).
    Failed(Failure),
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
    // Policy refs may reach anything under the current directory (the repository, in CI).
    let workspace = fs::absolute(FsPath::new("."));
    let targets: Vec<Target> = args.paths.iter().flat_map(|path| targets(path)).collect();
    let outcomes = run_parallel(&targets, args.jobs, |target| match target {
        Target::Local(path) => check_local(path, &args.options, &workspace, &online),
        Target::Remote(name) => check_pulled(name, &args.options, &online),
        Target::Failed(failure) => Err(Failure { path: failure.path.clone(), message: failure.message.clone() }),
    });
    for failure in outcomes.iter().filter_map(|it| it.as_ref().err()) {
        let _ = writeln!(err, "error: {}", failure.message);
    }
    let color = match args.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|it| it.is_empty()),
    };
    // One write per line would be one system call per line on a terminal or a pipe: a repository's output is
    // gathered first.
    let mut out = std::io::BufWriter::new(out);
    let out: &mut dyn Write = &mut out;
    let _ = match args.format {
        Format::Text => report::text::print_frames(&outcomes, args.quiet, color, out),
        Format::Concise => report::text::print_concise(&outcomes, args.quiet, out),
        Format::Json => print_json(&outcomes, out),
        Format::Sarif => report::sarif::print(&outcomes, &workspace, out),
        Format::Github => report::github::print(&outcomes, out),
        Format::Junit => report::junit::print(&outcomes, out),
    };
    let _ = out.flush();
    let failed_io = outcomes.iter().any(|it| it.is_err());
    let has_errors = outcomes.iter().filter_map(|it| it.as_ref().ok()).any(|it| Counts::of(&it.findings).errors() > 0);
    match (failed_io, has_errors) {
        (true, _) => EXIT_USAGE,
        (false, true) => EXIT_FINDINGS,
        (false, false) => EXIT_OK,
    }
}

/// The contracts a path argument names: an `oci://` ref, a contract file or bundle folder, or, for a folder
/// without `pacto.yaml`, every bundle under it (`walk`).
fn targets(path: &FsPath) -> Vec<Target> {
    if let Some(name) = path.to_str().filter(|it| it.starts_with("oci://")) {
        return vec![Target::Remote(name.to_string())];
    }
    let is_dir = std::fs::metadata(path).is_ok_and(|it| it.is_dir());
    let is_bundle = std::fs::symlink_metadata(path.join(CONTRACT_FILE)).is_ok();
    if !is_dir || is_bundle {
        return vec![Target::Local(path.to_path_buf())];
    }
    let shown = path.display().to_string();
    let (bundles, errors) = walk::bundles(path);
    let mut targets: Vec<Target> = bundles.into_iter().map(Target::Local).collect();
    for error in errors {
        targets.push(Target::Failed(Failure { path: shown.clone(), message: format!("{shown}: {error}") }));
    }
    if targets.is_empty() {
        let message = format!("{shown}: no {CONTRACT_FILE} in this directory or below it");
        targets.push(Target::Failed(Failure { path: shown, message }));
    }
    targets
}

/// Runs `work` on every target with up to `jobs` threads; the outcomes come back in the targets' order. A check
/// that panics is reported as a failure of its path rather than taking the run down.
fn run_parallel(targets: &[Target], jobs: usize, work: impl Fn(&Target) -> Outcome + Sync) -> Vec<Outcome> {
    let slots: Vec<OnceLock<Outcome>> = targets.iter().map(|_| OnceLock::new()).collect();
    let next = AtomicUsize::new(0);
    let worker = || {
        loop {
            let index = next.fetch_add(1, Ordering::Relaxed);
            let Some(target) = targets.get(index) else { break };
            let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| work(target))).unwrap_or_else(|_| {
                let path = target_name(target);
                Err(Failure { message: format!("{path}: internal error while checking this contract"), path })
            });
            let _ = slots[index].set(outcome);
        }
    };
    let threads = jobs.clamp(1, targets.len().max(1));
    match threads {
        1 => worker(),
        _ => std::thread::scope(|scope| {
            for _ in 0..threads {
                scope.spawn(worker);
            }
        }),
    }
    slots.into_iter().filter_map(OnceLock::into_inner).collect()
}

fn target_name(target: &Target) -> String {
    match target {
        Target::Local(path) => path.display().to_string(),
        Target::Remote(name) => name.clone(),
        Target::Failed(failure) => failure.path.clone(),
    }
}

fn check_local(path: &FsPath, options: &Options, workspace: &FsPath, online: &Online) -> Outcome {
    let failed = |message: String| Failure { path: path.display().to_string(), message };
    let LocalContract { root, loader, bytes } = read_local_contract(path).map_err(failed)?;
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
        false => path.display().to_string(),
    };
    Ok(Checked { file, findings, text, lines })
}

/// Checks the bundle an `oci://` ref names, pulled into memory; its `oci://` policy refs are followed, its local
/// ones cannot be (there is no folder to resolve them against).
fn check_pulled(name: &str, options: &Options, online: &Online) -> Outcome {
    let failed = |message: String| Failure { path: name.to_string(), message };
    let reference = crate::oci::parse_ref(Some(name), "this command").map_err(failed)?;
    let (_, pulled) = online
        .runtime
        .block_on(online.registries.pull(&reference))
        .map_err(|error| failed(format!("{name}: {error}")))?;
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
    writeln!(out, "{}", report::finding_line(file, text, lines, finding))
}

fn print_json(outcomes: &[Outcome], out: &mut dyn Write) -> std::io::Result<()> {
    let mut items = Vec::new();
    for checked in outcomes.iter().filter_map(|it| it.as_ref().ok()) {
        for finding in &checked.findings {
            let (start, end) = checked.range(finding);
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
    let mut quiet = false;
    let mut color = Color::Auto;
    let mut jobs = std::thread::available_parallelism().map_or(1, |it| it.get());
    while let Some(arg) = parser.next().map_err(|error| error.to_string())? {
        match arg {
            Long("format") => {
                format = match parser.value().map_err(|error| error.to_string())?.to_str() {
                    Some("text") => Format::Text,
                    Some("concise") => Format::Concise,
                    Some("json") => Format::Json,
                    Some("sarif") => Format::Sarif,
                    Some("github") => Format::Github,
                    Some("junit") => Format::Junit,
                    _ => return Err(FORMATS.into()),
                }
            }
            Long("color") => {
                color = match parser.value().map_err(|error| error.to_string())?.to_str() {
                    Some("auto") => Color::Auto,
                    Some("always") => Color::Always,
                    Some("never") => Color::Never,
                    _ => return Err("--color takes `auto`, `always` or `never`".into()),
                }
            }
            Short('q') | Long("quiet") => quiet = true,
            Short('j') | Long("jobs") => {
                let value = parser.value().map_err(|error| error.to_string())?;
                jobs = value
                    .to_str()
                    .and_then(|it| it.parse::<usize>().ok())
                    .filter(|it| *it >= 1)
                    .ok_or("--jobs takes a whole number of threads, at least 1")?;
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
        quiet,
        color,
        jobs,
    })
}

const FORMATS: &str = "--format takes `text`, `concise`, `json`, `sarif`, `github` or `junit`";

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
