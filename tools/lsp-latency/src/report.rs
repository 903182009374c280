//! The report: a Markdown table for people and a JSON object for tools.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};

use crate::Args;
use crate::contract::EditSite;
use crate::procfs;
use crate::scenario::KEYSTROKE;
use crate::stats::{Summary, fmt_ms, round};

/// Everything the table and the JSON report.
pub struct Report {
    pub label: String,
    pub contract_name: String,
    pub lines: usize,
    pub bytes: usize,
    pub site: EditSite,
    pub completion_at: (usize, usize, String),
    pub main: Option<MainRun>,
    pub many: Option<ManyRun>,
    pub errors: Vec<String>,
    /// `/proc/loadavg` before and after: other load on the machine skews every number.
    pub load: (String, String),
}

#[derive(Default)]
pub struct MainRun {
    pub pid: u32,
    pub initialize: Duration,
    pub open: Duration,
    pub open_diagnostics: usize,
    pub open_extra_publishes: usize,
    pub changes: Vec<Duration>,
    /// Server CPU time over the edit loop and over the completion loop.
    pub change_cpu: Option<Duration>,
    pub completion_cpu: Option<Duration>,
    pub versioned: bool,
    pub stale_publishes: usize,
    pub extra_publishes: usize,
    pub change_diagnostics: (usize, usize),
    pub completions: Vec<Duration>,
    pub completion_outcomes: BTreeMap<String, usize>,
    pub completion_items: bool,
    /// Hover round trips on the completion line's key, and whether any returned content.
    pub hovers: Vec<Duration>,
    pub hover_cpu: Option<Duration>,
    pub hover_content: bool,
    pub probe: Option<(Duration, usize, usize)>,
    pub memory: Option<procfs::Usage>,
    pub server_requests: BTreeMap<String, usize>,
    pub log_problems: Vec<String>,
    pub log_messages: usize,
    pub stderr: StderrSummary,
    pub exit: String,
}

#[derive(Default)]
pub struct ManyRun {
    pub documents: usize,
    pub all_diagnostics: Duration,
    pub cpu: Option<Duration>,
    pub memory: Option<procfs::Usage>,
    pub stderr: StderrSummary,
    pub exit: String,
}

#[derive(Default)]
pub struct StderrSummary {
    pub lines: usize,
    pub warnings: usize,
    pub errors: usize,
    pub problems: Vec<String>,
}

/// CPU milliseconds per operation, for the notes.
pub fn per_op(cpu: Option<Duration>, count: usize) -> Option<f64> {
    let cpu = cpu?;
    (count > 0).then(|| cpu.as_secs_f64() * 1000.0 / count as f64)
}

/// Counts the server's stderr lines and picks out warnings and errors (tracing's `WARN`/`ERROR`
/// levels, or lines mentioning error/warn/panic for other servers).
pub fn summarize_stderr(path: &Path) -> StderrSummary {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut out = StderrSummary::default();
    for line in text.lines() {
        out.lines += 1;
        let lower = line.to_ascii_lowercase();
        let is_error = line.contains(" ERROR ") || lower.contains("error") || lower.contains("panic");
        let is_warning = line.contains(" WARN ") || lower.contains("warn");
        if is_error {
            out.errors += 1;
        } else if is_warning {
            out.warnings += 1;
        }
        if (is_error || is_warning) && out.problems.len() < 20 {
            out.problems.push(line.chars().take(300).collect());
        }
    }
    out
}

pub fn mb(kb: u64) -> String {
    format!("{:.1} MiB", kb as f64 / 1024.0)
}

pub fn to_table(args: &Args, report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "lsp-latency: {}", report.label);
    let _ = writeln!(out, "  server      {}", args.server_line);
    let modeline = if args.modeline.is_some() { ", with modeline" } else { "" };
    let _ = writeln!(
        out,
        "  contract    {} ({} lines, {} bytes{modeline})",
        report.contract_name, report.lines, report.bytes
    );
    let _ = writeln!(
        out,
        "  edit site   line {}, UTF-16 column {}: `{}` (type `{KEYSTROKE}`, delete it, repeat)",
        report.site.line + 1,
        report.site.character,
        report.site.line_text.trim()
    );
    let (line, column, text) = &report.completion_at;
    let _ = writeln!(out, "  completion  line {}, UTF-16 column {column}: `{}`", line + 1, text.trim());
    let _ = writeln!(out, "  load avg    {} before, {} after", report.load.0, report.load.1);
    let _ = writeln!(out);
    let _ = writeln!(out, "| measurement | n | p50 | p95 | max | notes |");
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---|");
    if let Some(run) = &report.main {
        let row = |out: &mut String, name: &str, samples: &[Duration], notes: &str| {
            let s = Summary::of(samples);
            let _ = writeln!(
                out,
                "| {name} | {} | {} | {} | {} | {notes} |",
                s.count,
                fmt_ms(s.p50),
                fmt_ms(s.p95),
                fmt_ms(s.max)
            );
        };
        row(&mut out, "initialize → response", &[run.initialize], "");
        let extra = match run.open_extra_publishes {
            0 => String::new(),
            n => format!("; {n} more publish(es) while settling"),
        };
        row(
            &mut out,
            "didOpen → publishDiagnostics",
            &[run.open],
            &format!("{} diagnostics{extra}", run.open_diagnostics),
        );
        let matching = match run.versioned {
            true => "matched on `version`",
            false => "no `version`: first publish after the change",
        };
        let (low, high) = run.change_diagnostics;
        let notes = format!(
            "{matching}; {low}–{high} diagnostics; {} stale, {} extra publishes; server CPU {}/edit",
            run.stale_publishes,
            run.extra_publishes,
            per_op(run.change_cpu, run.changes.len()).map_or("?".into(), fmt_ms)
        );
        row(&mut out, "didChange → publishDiagnostics", &run.changes, &notes);
        let outcomes: Vec<String> = run.completion_outcomes.iter().map(|(k, v)| format!("{v}× {k}")).collect();
        let items = if run.completion_items { "returned items" } else { "no items" };
        let cpu = per_op(run.completion_cpu, run.completions.len()).map_or("?".into(), fmt_ms);
        let notes = format!("{items}: {}; server CPU {cpu}/request", outcomes.join(", "));
        row(&mut out, "completion round trip", &run.completions, &notes);
        let cpu = per_op(run.hover_cpu, run.hovers.len()).map_or("?".into(), fmt_ms);
        let content = if run.hover_content { "returned content" } else { "no content" };
        row(&mut out, "hover round trip", &run.hovers, &format!("{content}; server CPU {cpu}/request"));
        if let Some((elapsed, before, with)) = run.probe {
            row(&mut out, "probe: unknown top-level key", &[elapsed], &format!("diagnostics {before} → {with}"));
        }
        if let Some(memory) = &run.memory {
            let _ = writeln!(
                out,
                "| RSS after the run | | {} | | {} | peak (VmHWM); {} process(es) |",
                mb(memory.rss_kb),
                mb(memory.hwm_kb),
                memory.processes
            );
        }
    }
    if let Some(many) = &report.many {
        if let Some(memory) = &many.memory {
            let _ = writeln!(
                out,
                "| RSS with {} open contracts | | {} | | {} | all diagnostics {} after the first didOpen; server CPU {} |",
                many.documents,
                mb(memory.rss_kb),
                mb(memory.hwm_kb),
                fmt_ms(many.all_diagnostics.as_secs_f64() * 1000.0),
                many.cpu.map_or("?".into(), |it| fmt_ms(it.as_secs_f64() * 1000.0))
            );
        }
    }
    let _ = writeln!(out);
    if let Some(run) = &report.main {
        let requests: Vec<String> = run.server_requests.iter().map(|(k, v)| format!("{k} ×{v}")).collect();
        let _ = writeln!(
            out,
            "server → client requests: {}",
            if requests.is_empty() { "none".into() } else { requests.join(", ") }
        );
        let _ =
            writeln!(out, "window/logMessage: {} ({} warnings or errors)", run.log_messages, run.log_problems.len());
        for line in run.log_problems.iter().take(10) {
            let _ = writeln!(out, "  {line}");
        }
        let s = &run.stderr;
        let _ = writeln!(out, "stderr: {} lines, {} warnings, {} errors; {}", s.lines, s.warnings, s.errors, run.exit);
        for line in s.problems.iter().take(10) {
            let _ = writeln!(out, "  {line}");
        }
    }
    if let Some(many) = &report.many {
        let s = &many.stderr;
        let _ = writeln!(
            out,
            "stderr ({} open): {} lines, {} warnings, {} errors; {}",
            many.documents, s.lines, s.warnings, s.errors, many.exit
        );
        for line in s.problems.iter().take(10) {
            let _ = writeln!(out, "  {line}");
        }
    }
    for error in &report.errors {
        let _ = writeln!(out, "ERROR: {error}");
    }
    out
}

pub fn to_json(args: &Args, report: &Report) -> Value {
    let stderr_json = |s: &StderrSummary| json!({"lines": s.lines, "warnings": s.warnings, "errors": s.errors, "problems": s.problems});
    let memory_json = |m: &Option<procfs::Usage>| match m {
        Some(m) => json!({"rss_kb": m.rss_kb, "peak_rss_kb": m.hwm_kb, "processes": m.processes}),
        None => Value::Null,
    };
    let main = report.main.as_ref().map(|run| {
        json!({
            "pid": run.pid,
            "initialize_ms": round(run.initialize.as_secs_f64() * 1000.0),
            "did_open": {
                "ms": round(run.open.as_secs_f64() * 1000.0),
                "diagnostics": run.open_diagnostics,
                "extra_publishes_while_settling": run.open_extra_publishes,
            },
            "did_change": {
                "summary": Summary::of(&run.changes).to_json(),
                "versioned": run.versioned,
                "stale_publishes": run.stale_publishes,
                "extra_publishes": run.extra_publishes,
                "diagnostics_min": run.change_diagnostics.0,
                "diagnostics_max": run.change_diagnostics.1,
                "server_cpu_ms_per_edit": per_op(run.change_cpu, run.changes.len()).map(round),
                "samples_ms": run.changes.iter().map(|it| round(it.as_secs_f64() * 1000.0)).collect::<Vec<_>>(),
            },
            "completion": {
                "summary": Summary::of(&run.completions).to_json(),
                "returned_items": run.completion_items,
                "server_cpu_ms_per_request": per_op(run.completion_cpu, run.completions.len()).map(round),
                "outcomes": run.completion_outcomes,
            },
            "hover": {
                "summary": Summary::of(&run.hovers).to_json(),
                "returned_content": run.hover_content,
                "server_cpu_ms_per_request": per_op(run.hover_cpu, run.hovers.len()).map(round),
            },
            "probe": run.probe.map(|(elapsed, before, with)| json!({
                "ms": round(elapsed.as_secs_f64() * 1000.0),
                "diagnostics_before": before,
                "diagnostics_with_unknown_key": with,
            })),
            "memory_after_run": memory_json(&run.memory),
            "server_requests": run.server_requests,
            "log_messages": run.log_messages,
            "log_problems": run.log_problems,
            "stderr": stderr_json(&run.stderr),
            "exit": run.exit,
        })
    });
    let many = report.many.as_ref().map(|many| {
        json!({
            "documents": many.documents,
            "all_diagnostics_ms": round(many.all_diagnostics.as_secs_f64() * 1000.0),
            "server_cpu_ms": many.cpu.map(|it| round(it.as_secs_f64() * 1000.0)),
            "memory": memory_json(&many.memory),
            "stderr": stderr_json(&many.stderr),
            "exit": many.exit,
        })
    });
    json!({
        "label": report.label,
        "server": args.server_line,
        "contract": {
            "source": report.contract_name,
            "lines": report.lines,
            "bytes": report.bytes,
            "modeline": args.modeline,
            "bundle": args.bundle.as_ref().map(|it| it.display().to_string()),
        },
        "edit_site": {"line": report.site.line + 1, "utf16_column": report.site.character, "text": report.site.line_text},
        "completion_site": {"line": report.completion_at.0 + 1, "utf16_column": report.completion_at.1, "text": report.completion_at.2},
        "edits": args.edits,
        "completions": args.completions,
        "main": main,
        "open_many": many,
        "errors": report.errors,
        "loadavg_before": report.load.0,
        "loadavg_after": report.load.1,
    })
}
