//! The two scenarios: one server with one document (open, keystrokes, completions, probe,
//! memory), and a fresh server with many documents open at once (memory).

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::Args;
use crate::contract::{self, EditSite};
use crate::lsp::Server;
use crate::procfs;
use crate::report::{MainRun, ManyRun, summarize_stderr};

/// Typed at the edit site, then deleted, alternately.
pub const KEYSTROKE: &str = "x";
/// Appended, then removed, by the validation probe: an unknown top-level key.
const PROBE_LINE: &str = "lspLatencyProbe: 1";

/// What the harness answers to `workspace/configuration`, by section. yaml-language-server gets
/// validation on and the schema store off (no network here; the schema comes from the modeline).
pub fn client_settings(root_uri: &str, pacto: &Value) -> Value {
    json!({
        "yaml": {
            "validate": true,
            "hover": true,
            "completion": true,
            "format": {"enable": false},
            "schemas": {},
            "schemaStore": {"enable": false},
            "kubernetesCRDStore": {"enable": false},
        },
        "pacto": pacto,
        "$workspaceFolders": [{"uri": root_uri, "name": "lsp-latency"}],
    })
}

/// Starts the server in `root`, and runs `initialize` + `initialized`.
pub fn start(args: &Args, root: &Path, log_name: &str) -> Result<(Server, Duration), String> {
    std::fs::create_dir_all(root).map_err(|e| format!("cannot create {}: {e}", root.display()))?;
    let root_uri = contract::file_uri(root);
    let log = root.join(log_name);
    let mut server = Server::spawn(&args.server, &log, args.timeout, client_settings(&root_uri, &args.pacto_settings))?;
    let params = json!({
        "processId": std::process::id(),
        "clientInfo": {"name": "lsp-latency", "version": env!("CARGO_PKG_VERSION")},
        "rootUri": root_uri,
        "rootPath": root.display().to_string(),
        "workspaceFolders": [{"uri": root_uri, "name": "lsp-latency"}],
        "capabilities": {
            "general": {"positionEncodings": ["utf-16"]},
            "workspace": {
                "configuration": true,
                "workspaceFolders": true,
                "didChangeConfiguration": {"dynamicRegistration": false},
            },
            "textDocument": {
                "synchronization": {"dynamicRegistration": false, "didSave": true},
                "publishDiagnostics": {"versionSupport": true, "relatedInformation": true},
                "completion": {"completionItem": {"snippetSupport": false}, "contextSupport": true},
                "hover": {"contentFormat": ["markdown", "plaintext"]},
            },
            "window": {"workDoneProgress": true},
        },
        "trace": "off",
    });
    let result = server.call("initialize", params).and_then(|(response, elapsed)| match response.error {
        None => Ok(elapsed),
        Some(error) => Err(format!("initialize failed: {error}")),
    });
    let elapsed = match result.and_then(|it| server.notify("initialized", json!({})).map(|_| it)) {
        Ok(it) => it,
        Err(e) => {
            server.kill();
            return Err(e);
        }
    };
    Ok((server, elapsed))
}

pub fn open_params(uri: &str, text: &str) -> Value {
    json!({"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}})
}

pub fn change_params(uri: &str, version: i64, start: (usize, usize), end: (usize, usize), text: &str) -> Value {
    json!({
        "textDocument": {"uri": uri, "version": version},
        "contentChanges": [{
            "range": {
                "start": {"line": start.0, "character": start.1},
                "end": {"line": end.0, "character": end.1},
            },
            "text": text,
        }],
    })
}

/// One server, one document: open, keystrokes, completions, the validation probe, memory.
pub fn run_main(
    args: &Args,
    text: &str,
    site: &EditSite,
    completion_at: &(usize, usize, String),
    root: &Path,
) -> Result<MainRun, String> {
    let dir = root.join("payment-api");
    let path = contract::write_copy(&dir, text, args.bundle.as_deref())?;
    let uri = contract::file_uri(&path);
    let log = root.join("server-stderr.log");
    crate::workspace::populate(root, text, args.bundle.as_deref(), args.workspace_bundles)?;
    let (mut server, initialize) = start(args, root, "server-stderr.log")?;
    let mut out = MainRun { pid: server.pid, initialize, ..MainRun::default() };
    match drive_main(args, &mut server, &mut out, &uri, text, site, completion_at) {
        Ok(()) => {
            out.server_requests = server.server_requests.lock().map(|it| it.clone()).unwrap_or_default();
            out.log_problems = std::mem::take(&mut server.inbox.log_problems);
            out.log_messages = server.inbox.log_messages;
            out.exit = server.shutdown().unwrap_or_else(|e| format!("unclean shutdown: {e}"));
            out.stderr = summarize_stderr(&log);
            Ok(out)
        }
        Err(e) => {
            server.kill();
            let stderr = summarize_stderr(&log);
            let tail = stderr.problems.iter().take(5).cloned().collect::<Vec<_>>().join(" | ");
            Err(if tail.is_empty() { e } else { format!("{e} (server stderr: {tail})") })
        }
    }
}

pub fn drive_main(
    args: &Args,
    server: &mut Server,
    out: &mut MainRun,
    uri: &str,
    text: &str,
    site: &EditSite,
    completion_at: &(usize, usize, String),
) -> Result<(), String> {
    // didOpen → the first diagnostics.
    let sent = server.notify("textDocument/didOpen", open_params(uri, text))?;
    let (published, _) = server.wait_diagnostics(uri, 1, 0)?;
    out.open = published.at.saturating_duration_since(sent);
    out.open_diagnostics = published.count;
    out.versioned = published.version.is_some();
    out.open_extra_publishes = server.settle(args.settle, args.timeout)?;

    // Keystrokes: type a character in the middle of a value, then delete it, and so on.
    let mut version = 1;
    let mut typed = false;
    let mut counts = (usize::MAX, 0);
    let at = (site.line, site.character);
    let typed_end = (at.0, at.1 + KEYSTROKE.encode_utf16().count());
    // Publishes of `uri` accounted for so far; any others are extras (e.g. two per change).
    let mut consumed = server.published_count(uri);
    let cpu_before = procfs::cpu_time(server.pid);
    for index in 0..=args.edits {
        let params = match (index < args.edits, typed) {
            (true, false) => change_params(uri, version + 1, at, at, KEYSTROKE),
            (_, true) => change_params(uri, version + 1, at, typed_end, ""),
            (false, false) => break, // Done, and the document is as it was opened.
        };
        version += 1;
        typed = !typed;
        server.drain()?;
        out.extra_publishes += server.published_count(uri) - consumed;
        let skip = server.published_count(uri);
        let sent = server.notify("textDocument/didChange", params)?;
        let (published, stale) = server.wait_diagnostics(uri, version, skip)?;
        consumed = skip + stale + 1;
        out.stale_publishes += stale;
        if index < args.edits {
            out.changes.push(published.at.saturating_duration_since(sent));
            out.versioned &= published.version.is_some();
            counts = (counts.0.min(published.count), counts.1.max(published.count));
        }
    }
    out.change_diagnostics = (counts.0.min(counts.1), counts.1);
    out.change_cpu = cpu_since(server.pid, cpu_before);
    server.settle(Duration::from_millis(100), args.timeout)?;
    out.extra_publishes += server.published_count(uri) - consumed;

    // Completion round trips.
    let position = json!({"line": completion_at.0, "character": completion_at.1});
    let cpu_before = procfs::cpu_time(server.pid);
    for _ in 0..args.completions {
        let params = json!({"textDocument": {"uri": uri}, "position": position, "context": {"triggerKind": 1}});
        let (response, elapsed) = server.call("textDocument/completion", params)?;
        out.completions.push(elapsed);
        let outcome = match (&response.error, &response.result) {
            (Some(error), _) => format!("error {}: {}", error["code"], error["message"].as_str().unwrap_or_default()),
            (None, Some(Value::Array(items))) => {
                out.completion_items |= !items.is_empty();
                format!("{} items", items.len())
            }
            (None, Some(list @ Value::Object(_))) => {
                let items = list["items"].as_array().map_or(0, Vec::len);
                out.completion_items |= items > 0;
                format!("{items} items")
            }
            (None, _) => "null".to_string(),
        };
        *out.completion_outcomes.entry(outcome).or_default() += 1;
    }

    out.completion_cpu = cpu_since(server.pid, cpu_before);

    // Hover round trips, on the key of the completion line (inside `workload`).
    let hover_position = json!({"line": completion_at.0, "character": completion_at.1.saturating_sub(4)});
    let cpu_before = procfs::cpu_time(server.pid);
    for _ in 0..args.completions {
        let params = json!({"textDocument": {"uri": uri}, "position": hover_position});
        let (response, elapsed) = server.call("textDocument/hover", params)?;
        out.hovers.push(elapsed);
        out.hover_content |= response.result.as_ref().is_some_and(|it| !it.is_null());
    }
    out.hover_cpu = cpu_since(server.pid, cpu_before);

    // Validation probe: an unknown top-level key must add a diagnostic if the schema is applied.
    let before = server.inbox.diagnostics.get(uri).and_then(|it| it.last()).map_or(0, |it| it.count);
    let (line, character, inserted) = contract::append_point(text, PROBE_LINE);
    version += 1;
    let skip = server.published_count(uri);
    let sent = server.notify(
        "textDocument/didChange",
        change_params(uri, version, (line, character), (line, character), &inserted),
    )?;
    let (published, _) = server.wait_diagnostics(uri, version, skip)?;
    out.probe = Some((published.at.saturating_duration_since(sent), before, published.count));
    version += 1;
    let end = (line + inserted.matches('\n').count(), 0);
    let skip = server.published_count(uri);
    server.notify("textDocument/didChange", change_params(uri, version, (line, character), end, ""))?;
    server.wait_diagnostics(uri, version, skip)?;
    server.settle(Duration::from_millis(100), args.timeout)?;

    out.memory = procfs::usage(server.pid);
    Ok(())
}

/// CPU time the server used since `before`.
fn cpu_since(pid: u32, before: Option<Duration>) -> Option<Duration> {
    Some(procfs::cpu_time(pid)?.saturating_sub(before?))
}

/// A fresh server with `--open` copies of the contract open at once, in different folders.
pub fn run_many(args: &Args, text: &str, root: &Path) -> Result<ManyRun, String> {
    let mut uris = Vec::with_capacity(args.open);
    for index in 0..args.open {
        let path = contract::write_copy(&root.join(format!("service-{index:03}")), text, args.bundle.as_deref())?;
        uris.push(contract::file_uri(&path));
    }
    let log = root.join("server-stderr.log");
    let (mut server, _) = start(args, root, "server-stderr.log")?;
    let result = (|| -> Result<ManyRun, String> {
        let cpu_before = procfs::cpu_time(server.pid);
        let start = Instant::now();
        for uri in &uris {
            server.notify("textDocument/didOpen", open_params(uri, text))?;
        }
        // Wait until every document has diagnostics; the timeout is for a lack of progress.
        let mut deadline = Instant::now() + server.timeout;
        let mut done = 0;
        let mut last = start;
        loop {
            let now_done: Vec<_> = uris.iter().filter_map(|uri| server.inbox.diagnostics.get(uri)?.first()).collect();
            if now_done.len() != done {
                done = now_done.len();
                last = now_done.iter().map(|it| it.at).max().unwrap_or(start);
                deadline = Instant::now() + server.timeout;
            }
            if done == uris.len() {
                break;
            }
            server.pump(deadline, &format!("diagnostics of all {} documents ({done} so far)", uris.len()))?;
        }
        let cpu = cpu_since(server.pid, cpu_before);
        server.settle(args.settle, args.timeout)?;
        Ok(ManyRun {
            documents: uris.len(),
            all_diagnostics: last.saturating_duration_since(start),
            cpu,
            memory: procfs::usage(server.pid),
            ..ManyRun::default()
        })
    })();
    match result {
        Ok(mut it) => {
            it.exit = server.shutdown().unwrap_or_else(|e| format!("unclean shutdown: {e}"));
            it.stderr = summarize_stderr(&log);
            Ok(it)
        }
        Err(e) => {
            server.kill();
            Err(e)
        }
    }
}
