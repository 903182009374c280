//! Bundles and breaking changes in the language server, over stdio with the real binary:
//! `pacto.pack` writes the archive it reports, and `pacto.diff` makes an older copy the baseline,
//! after which every edit is diffed live and each change shows on its key.

mod support;

use std::path::Path;

use serde_json::{Value, json};
use support::lsp::{Server, copy_dir, file_uri};

/// The example bundle copied twice: `old/` (the baseline) and `new/` (the open document).
fn two_copies() -> (tempfile::TempDir, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/payments-api");
    copy_dir(&example, &dir.path().join("old"));
    copy_dir(&example, &dir.path().join("new"));
    let file = dir.path().join("new/pacto.yaml");
    let text = std::fs::read_to_string(&file).unwrap();
    (dir, file_uri(&file), text)
}

fn from_diff(diagnostics: &[Value]) -> Vec<&Value> {
    diagnostics.iter().filter(|it| it["source"] == "pacto-diff").collect()
}

/// Replaces line `line` (0-based) columns `start..end` with `text`.
fn edit(line: u32, start: u32, end: u32, text: &str) -> Value {
    json!([{"range": {"start": {"line": line, "character": start}, "end": {"line": line, "character": end}}, "text": text}])
}

#[test]
fn a_changed_port_is_a_breaking_warning_on_its_value_until_it_is_changed_back() {
    let (dir, uri, text) = two_copies();
    let mut server = Server::start();
    server.initialize(json!({}), Value::Null);
    server.open(&uri, &text, 1);
    let validation = server.diagnostics(&uri, 1);
    assert!(from_diff(&validation).is_empty());

    let old = dir.path().join("old").display().to_string();
    let result = server
        .request("workspace/executeCommand", json!({"command": "pacto.diff", "arguments": [uri, old]}))
        .expect("pacto.diff answers");
    assert_eq!(result["classification"], "NONE", "{result:#}");
    assert_eq!(result["changes"], json!([]));
    assert_eq!(result["baseline"], text_version(&text));

    // `port: 8080` on line 24 (1-based) becomes 8081.
    let line = 23;
    let column = text.lines().nth(line as usize).unwrap().find("8080").unwrap() as u32;
    server.change(&uri, 2, edit(line, column, column + 4, "8081"));
    let diagnostics = server.wait_for("the diff of version 2", |it| {
        it["method"] == "textDocument/publishDiagnostics"
            && it["params"]["version"] == 2
            && it["params"]["diagnostics"].as_array().is_some_and(|all| all.iter().any(|d| d["source"] == "pacto-diff"))
    })["params"]["diagnostics"]
        .as_array()
        .cloned()
        .unwrap();
    let changes = from_diff(&diagnostics);
    assert_eq!(changes.len(), 1, "{diagnostics:#?}");
    let port = changes[0];
    assert_eq!(port["severity"], 2, "a warning");
    assert_eq!(port["code"], "BREAKING");
    assert_eq!(
        port["range"],
        json!({"start": {"line": line, "character": column}, "end": {"line": line, "character": column + 4}})
    );
    assert_eq!(port["message"], "interfaces[rest-api].port (modified) [8080 → 8081]");
    // Validation is still there, unchanged.
    assert_eq!(diagnostics.len() - changes.len(), validation.len());

    let lenses =
        server.request("textDocument/codeLens", json!({"textDocument": {"uri": uri}})).expect("code lens answers");
    let titles: Vec<&str> =
        lenses.as_array().unwrap().iter().filter_map(|it| it["command"]["title"].as_str()).collect();
    assert!(titles.iter().any(|it| it.ends_with(": BREAKING · 1 breaking")), "{titles:?}");

    // Back to 8080: no change any more, and the diff diagnostics are gone.
    server.change(&uri, 3, edit(line, column, column + 4, "8080"));
    let cleared = server.wait_for("the diff of version 3", |it| {
        it["method"] == "textDocument/publishDiagnostics"
            && it["params"]["version"] == 3
            && it["params"]["diagnostics"].as_array().is_some_and(|all| all.len() == validation.len())
    });
    assert!(from_diff(cleared["params"]["diagnostics"].as_array().unwrap()).is_empty());

    // Clearing the baseline: a later change is not diffed.
    let cleared = server
        .request("workspace/executeCommand", json!({"command": "pacto.diff.clear", "arguments": [uri]}))
        .expect("pacto.diff.clear answers");
    assert_eq!(cleared["cleared"], true);
    server.change(&uri, 4, edit(line, column, column + 4, "8082"));
    let after = server.diagnostics(&uri, 4);
    assert!(from_diff(&after).is_empty(), "{after:#?}");
    assert!(server.shutdown_and_exit().success());
}

/// The `service.version` of the example.
fn text_version(text: &str) -> &str {
    text.lines().find_map(|it| it.trim().strip_prefix("version: ")).unwrap().trim_matches('"')
}

#[test]
fn pack_writes_the_archive_it_reports() {
    let (dir, uri, text) = two_copies();
    let mut server = Server::start();
    server.initialize(json!({}), Value::Null);
    server.open(&uri, &text, 1);
    server.diagnostics(&uri, 1);
    let result = server
        .request("workspace/executeCommand", json!({"command": "pacto.pack", "arguments": [uri]}))
        .expect("pacto.pack answers");
    let path = Path::new(result["path"].as_str().unwrap());
    assert_eq!(path.parent(), Some(dir.path()), "written beside the bundle folder");
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(result["size"], bytes.len());
    let digest = result["digest"].as_str().unwrap();
    assert_eq!(digest.len(), "sha256:".len() + 64);
    assert!(digest.starts_with("sha256:"));
    // The same bundle packed again gives the same bytes.
    let again = server
        .request("workspace/executeCommand", json!({"command": "pacto.pack", "arguments": [uri, "../again.tar.gz"]}))
        .expect("pacto.pack answers");
    assert_eq!(again["digest"], result["digest"]);
    assert_eq!(std::fs::read(dir.path().join("again.tar.gz")).unwrap(), bytes);
    // A diff against the archive finds no changes.
    let diff = server
        .request(
            "workspace/executeCommand",
            json!({"command": "pacto.diff", "arguments": [uri, path.display().to_string()]}),
        )
        .expect("pacto.diff answers");
    assert_eq!(diff["classification"], "NONE", "{diff:#}");
    assert!(server.shutdown_and_exit().success());
}

#[test]
fn the_baseline_setting_diffs_every_contract_and_long_commands_report_progress() {
    let (_dir, uri, text) = two_copies();
    let mut server = Server::start();
    server.initialize(json!({"window": {"workDoneProgress": true}}), json!({"diff": {"baseline": "../old"}}));
    server.open(&uri, &text, 1);
    server.diagnostics(&uri, 1);
    let line = 23;
    let column = text.lines().nth(line as usize).unwrap().find("8080").unwrap() as u32;
    server.change(&uri, 2, edit(line, column, column + 4, "9999"));
    let published = server.wait_for("the diff of version 2 against the configured baseline", |it| {
        it["method"] == "textDocument/publishDiagnostics"
            && it["params"]["version"] == 2
            && it["params"]["diagnostics"].as_array().is_some_and(|all| all.iter().any(|d| d["source"] == "pacto-diff"))
    });
    let diagnostics = published["params"]["diagnostics"].as_array().unwrap();
    let changes = from_diff(diagnostics);
    assert_eq!(changes.len(), 1, "{diagnostics:#?}");
    assert_eq!(changes[0]["code"], "BREAKING");
    assert!(changes[0]["message"].as_str().unwrap().contains("8080 → 9999"));

    // `pacto.pack` asks for a progress token, then reports begin and end on it.
    server
        .request("workspace/executeCommand", json!({"command": "pacto.pack", "arguments": [uri]}))
        .expect("pacto.pack answers");
    server.wait_for("a progress token request", |it| it["server-request"] == "window/workDoneProgress/create");
    let begin = server
        .wait_for("progress begin", |it| it["method"] == "$/progress" && it["params"]["value"]["kind"] == "begin");
    assert_eq!(begin["params"]["value"]["title"], "Pacto: packing the bundle");
    let end =
        server.wait_for("progress end", |it| it["method"] == "$/progress" && it["params"]["value"]["kind"] == "end");
    assert_eq!(end["params"]["token"], begin["params"]["token"]);
    assert_eq!(end["params"]["value"]["message"], "packed");
    assert!(server.shutdown_and_exit().success());
}
