//! The language server end to end: the real binary over stdio, driven by `support::lsp::Server`.

mod support;

use std::path::Path;

use serde_json::{Value, json};
use support::lsp::{Server, copy_dir, file_uri, summary};

fn bundle(name: &str) -> (tempfile::TempDir, String, String) {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join(name), dir.path());
    let file = dir.path().join("pacto.yaml");
    let text = std::fs::read_to_string(&file).unwrap();
    (dir, file_uri(&file), text)
}

fn codes(diagnostics: &[Value]) -> Vec<String> {
    diagnostics.iter().map(|it| it["code"].as_str().unwrap().to_string()).collect()
}

fn range(start: (u32, u32), end: (u32, u32)) -> Value {
    json!({"start": {"line": start.0, "character": start.1}, "end": {"line": end.0, "character": end.1}})
}

#[test]
fn open_change_and_rapid_edits_publish_versioned_diagnostics() {
    let (_dir, uri, text) = bundle("examples/broken-api");
    let mut server = Server::start();
    let init = server.initialize(json!({}), Value::Null);
    assert_eq!(init["capabilities"]["positionEncoding"], "utf-16");
    assert_eq!(init["capabilities"]["textDocumentSync"]["change"], 2);

    server.open(&uri, &text, 1);
    let first = server.diagnostics(&uri, 1);
    assert_eq!(
        codes(&first),
        [
            "SCHEMA_VIOLATION",
            "PORT_REQUIRED",
            "PORT_IGNORED",
            "FILE_NOT_FOUND",
            "STATELESS_PERSISTENT_CONFLICT",
            "HEALTH_INTERFACE_NOT_FOUND",
            "SCALING_MIN_EXCEEDS_MAX",
            "TAG_NOT_DIGEST",
            "INVALID_READINESS_EXPIRES"
        ]
    );
    let health = first.iter().find(|it| it["code"] == "HEALTH_INTERFACE_NOT_FOUND").unwrap();
    assert_eq!(health["range"], range((27, 15), (27, 18)));
    assert_eq!(health["source"], "pacto");
    assert_eq!(health["severity"], 1);
    assert_eq!(health["data"]["path"], "runtime.health.interface");

    // Insert a non-ASCII line at the top: every finding moves down one line.
    server.change(&uri, 2, json!([{"range": range((0, 0), (0, 0)), "text": "# 日本語 😀 ünïcode\n"}]));
    let second = server.diagnostics(&uri, 2);
    let health = second.iter().find(|it| it["code"] == "HEALTH_INTERFACE_NOT_FOUND").unwrap();
    assert_eq!(health["range"], range((28, 15), (28, 18)));

    // Fix the typo on a line after the emoji, with UTF-16 offsets.
    server.change(&uri, 3, json!([{"range": range((28, 15), (28, 18)), "text": "web"}]));
    let third = server.diagnostics(&uri, 3);
    assert!(!codes(&third).contains(&"HEALTH_INTERFACE_NOT_FOUND".to_string()), "{third:#?}");
    assert_eq!(third.len(), first.len() - 1);

    // 50 rapid edits, typing then deleting characters in the emoji line (net no change).
    for version in 4..=53 {
        let edit = match version % 2 {
            0 => json!({"range": range((0, 13), (0, 13)), "text": "é"}),
            _ => json!({"range": range((0, 13), (0, 14)), "text": ""}),
        };
        server.change(&uri, version, json!([edit]));
    }
    let last = server.diagnostics(&uri, 53);
    assert_eq!(summary(&last), summary(&third));
    let versions = server.published_versions(&uri);
    assert!(versions.windows(2).all(|it| it[0] <= it[1]), "published out of order: {versions:?}");

    let status = server.shutdown_and_exit();
    assert_eq!(status.code(), Some(0));
}

#[test]
fn utf8_encoding_is_negotiated_and_used_for_ranges() {
    let (_dir, uri, text) = bundle("tests/fixtures/rules/non-ascii-crlf");
    for (offered, expected, end) in [(json!(["utf-8", "utf-16"]), "utf-8", 26), (json!(["utf-16"]), "utf-16", 24)] {
        let mut server = Server::start();
        let init = server.initialize(json!({"general": {"positionEncodings": offered}}), Value::Null);
        assert_eq!(init["capabilities"]["positionEncoding"], expected);
        server.open(&uri, &text, 7);
        let diagnostics = server.diagnostics(&uri, 7);
        let health = diagnostics.iter().find(|it| it["code"] == "HEALTH_INTERFACE_NOT_FOUND").unwrap();
        assert_eq!(health["range"], range((19, 15), (19, end)), "{expected}");
        // An edit in this encoding after the emoji: replace `x"` so the name matches.
        let at = match expected {
            "utf-8" => 24,
            _ => 22,
        };
        server.change(&uri, 8, json!([{"range": range((19, at), (19, at + 1)), "text": ""}]));
        let after = server.diagnostics(&uri, 8);
        assert!(!codes(&after).contains(&"HEALTH_INTERFACE_NOT_FOUND".to_string()), "{expected}: {after:#?}");
        assert_eq!(server.shutdown_and_exit().code(), Some(0));
    }
}

#[test]
fn hostile_input_is_logged_and_the_server_keeps_serving() {
    let (_dir, uri, text) = bundle("examples/payments-api");
    let mut server = Server::start();
    server.initialize(json!({}), Value::Null);
    server.open(&uri, &text, 1);
    let clean = server.diagnostics(&uri, 1);

    // Malformed JSON-RPC frames.
    server.send_raw(b"Content-Length: 12\r\n\r\n{not json!!}");
    server.send_raw(b"Content-Length: 2\r\n\r\n[]");
    // A change for a document that is not open, and one far outside the document.
    server.change("file:///nowhere/pacto.yaml", 2, json!([{"range": range((0, 0), (0, 0)), "text": "x"}]));
    server.change(&uri, 2, json!([{"range": range((9999, 5), (10000, 0)), "text": "\n# appended\n"}]));
    let after = server.diagnostics(&uri, 2);
    assert_eq!(codes(&after), codes(&clean));

    // A 5 MB document.
    let mut big = String::from("pactoVersion: \"1.1\"\nservice:\n  name: big\n  version: 1.0.0\nmetadata:\n");
    while big.len() < 5 * 1024 * 1024 {
        big.push_str(&format!("  key{}: \"some value with ünïcode 😀 to make the text longer\"\n", big.len()));
    }
    let big_uri = uri.replace("pacto.yaml", "big/pacto.yaml");
    server.open(&big_uri, &big, 1);
    assert_eq!(server.diagnostics(&big_uri, 1), Vec::<Value>::new());

    // Still answering requests.
    assert!(server.request("shutdown", Value::Null).is_ok());
    assert_eq!(server.exit().code(), Some(0));
}

#[test]
fn watched_file_creation_clears_file_not_found() {
    let (dir, uri, text) = bundle("examples/broken-api");
    let mut server = Server::start();
    server.initialize(json!({"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}}), Value::Null);
    server.wait_for("watcher registration", |it| it["server-request"] == "client/registerCapability");
    server.open(&uri, &text, 1);
    assert!(codes(&server.diagnostics(&uri, 1)).contains(&"FILE_NOT_FOUND".to_string()));

    let created = dir.path().join("interfaces/events.yaml");
    std::fs::write(&created, "asyncapi: \"2.6.0\"\n").unwrap();
    server.notify("workspace/didChangeWatchedFiles", json!({"changes": [{"uri": file_uri(&created), "type": 1}]}));
    let after = server.diagnostics(&uri, 1);
    assert!(!codes(&after).contains(&"FILE_NOT_FOUND".to_string()), "{after:#?}");
    assert_eq!(server.shutdown_and_exit().code(), Some(0));
}

#[test]
fn settings_from_initialization_options_configuration_pull_and_change() {
    let (_dir, uri, text) = bundle("tests/fixtures/upstream/v1x-tests-e2e-readiness-readinessContractYAML");
    let gate = "READINESS_GATE_UNMET".to_string();

    let mut server = Server::start();
    server.initialize(json!({}), json!({"readiness": {"gate": true}}));
    server.open(&uri, &text, 1);
    assert!(codes(&server.diagnostics(&uri, 1)).contains(&gate));
    server.notify("workspace/didChangeConfiguration", json!({"settings": {"pacto": {"readiness": {"gate": false}}}}));
    let after = server.diagnostics(&uri, 1);
    assert!(!codes(&after).contains(&gate), "{after:#?}");
    assert_eq!(server.shutdown_and_exit().code(), Some(0));

    // A client that supports workspace/configuration is asked for the `pacto` section.
    let mut server = Server::start();
    server.configuration = json!({"readiness": {"gate": true, "warnDays": 30}});
    server.initialize(json!({"workspace": {"configuration": true}}), Value::Null);
    server.wait_for("configuration request", |it| it["server-request"] == "workspace/configuration");
    server.open(&uri, &text, 1);
    let published = server.wait_for("gated diagnostics", |it| {
        it["method"] == "textDocument/publishDiagnostics"
            && it["params"]["diagnostics"].as_array().is_some_and(|all| all.iter().any(|d| d["code"] == gate))
    });
    assert_eq!(published["params"]["version"], 1);
    assert_eq!(server.shutdown_and_exit().code(), Some(0));
}

#[test]
fn closing_clears_diagnostics_and_other_files_are_ignored() {
    let (_dir, uri, text) = bundle("examples/broken-api");
    let mut server = Server::start();
    server.initialize(json!({}), Value::Null);
    server.open(&uri.replace("pacto.yaml", "values.yaml"), "not: [a contract", 1);
    server.open(&uri, &text, 1);
    assert!(!server.diagnostics(&uri, 1).is_empty());
    server.notify("textDocument/didClose", json!({"textDocument": {"uri": uri}}));
    let cleared = server.wait_for("cleared diagnostics", |it| {
        it["method"] == "textDocument/publishDiagnostics"
            && it["params"]["uri"] == uri
            && it["params"]["version"].is_null()
    });
    assert_eq!(cleared["params"]["diagnostics"], json!([]));
    let others = server.published_versions(&uri.replace("pacto.yaml", "values.yaml")).into_iter().collect::<Vec<_>>();
    assert!(others.is_empty());
    assert_eq!(server.shutdown_and_exit().code(), Some(0));
}

#[test]
fn published_diagnostics_link_to_their_rules_doc_entry() {
    let (_dir, uri, text) = bundle("tests/fixtures/rules/scaling-min-exceeds-max");
    let mut server = Server::start();
    server.initialize(json!({}), Value::Null);
    server.open(&uri, &text, 1);
    let diagnostics = server.diagnostics(&uri, 1);
    assert_eq!(codes(&diagnostics), ["SCALING_MIN_EXCEEDS_MAX"]);
    assert_eq!(
        diagnostics[0]["codeDescription"]["href"],
        "https://github.com/trianalab-community/pacto-lsp/blob/main/docs/rules.md#scaling_min_exceeds_max"
    );
    assert_eq!(server.shutdown_and_exit().code(), Some(0));
}

#[test]
fn exit_without_shutdown_is_exit_code_one() {
    let mut server = Server::start();
    server.initialize(json!({}), Value::Null);
    assert_eq!(server.exit().code(), Some(1));
    let server = Server::start();
    assert_eq!(server.close_stdin_and_wait().code(), Some(1));
}

#[test]
fn a_panic_in_analysis_is_contained() {
    let (_dir, uri, text) = bundle("examples/broken-api");
    let mut server = Server::start_with_env(&[("PACTO_LSP_FAULT_INJECTION", "1")]);
    server.initialize(json!({}), Value::Null);
    server.open(&uri, &format!("#!panic\n{text}"), 1);
    server.wait_for_log("analysis panicked");
    // The panicking version publishes nothing; the next edit is checked normally.
    server.change(&uri, 2, json!([{"range": range((0, 0), (1, 0)), "text": ""}]));
    let diagnostics = server.diagnostics(&uri, 2);
    assert_eq!(diagnostics.len(), 9);
    assert!(!server.published_versions(&uri).contains(&1));
    assert_eq!(server.shutdown_and_exit().code(), Some(0));
}

#[test]
fn completion_hover_definition_and_rename_over_stdio() {
    let (_dir, uri, text) = bundle("examples/payments-api");
    let mut server = Server::start();
    let init = server
        .initialize(json!({"textDocument": {"completion": {"completionItem": {"snippetSupport": true}}}}), Value::Null);
    let caps = &init["capabilities"];
    for provider in ["hoverProvider", "definitionProvider", "referencesProvider", "documentSymbolProvider"] {
        assert_eq!(caps[provider], true, "{provider}");
    }
    assert_eq!(caps["renameProvider"]["prepareProvider"], true);
    server.open(&uri, &text, 1);
    server.diagnostics(&uri, 1);
    let line_of = |needle: &str| text.lines().position(|it| it.contains(needle)).unwrap() as u32;
    let health = line_of("interface: rest-api");

    // Half-typed value: delete `rest-api`, then complete at the end of the line.
    server.change(&uri, 2, json!([{"range": range((health, 15), (health, 23)), "text": ""}]));
    let position = json!({"line": health, "character": 15});
    let items =
        server.request("textDocument/completion", json!({"textDocument": {"uri": uri}, "position": position})).unwrap();
    let labels: Vec<&str> = items.as_array().unwrap().iter().map(|it| it["label"].as_str().unwrap()).collect();
    assert_eq!(labels, ["rest-api", "ledger-grpc", "admin"]);
    assert_eq!(items[0]["textEdit"]["range"], range((health, 15), (health, 15)));
    assert_eq!(items[0]["detail"], "http · port 8080");

    // Snippet-capable client: a new top-level key gets snippet text.
    let last = text.lines().count() as u32;
    server.change(&uri, 3, json!([{"range": range((last, 0), (last, 0)), "text": "sca"}]));
    let items = server
        .request(
            "textDocument/completion",
            json!({"textDocument": {"uri": uri}, "position": {"line": last, "character": 3}}),
        )
        .unwrap();
    let scaling = items.as_array().unwrap().iter().find(|it| it["label"] == "scaling");
    assert!(scaling.is_none(), "scaling is already present");
    assert!(items.as_array().unwrap().iter().all(|it| it["insertTextFormat"] == 2));

    // Back to the original text; hover, definition and rename.
    server.change(&uri, 4, json!([{"range": Value::Null, "text": text}]));
    server.diagnostics(&uri, 4);
    let hover = server
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": {"line": health, "character": 18}}),
        )
        .unwrap();
    assert_eq!(
        hover["contents"]["value"],
        "**rest-api** — http interface · port 8080 · public\n\nContract: `interfaces/openapi.yaml`"
    );
    let definition = server
        .request(
            "textDocument/definition",
            json!({"textDocument": {"uri": uri}, "position": {"line": health, "character": 18}}),
        )
        .unwrap();
    let declaration = line_of("- name: rest-api");
    assert_eq!(definition["range"], range((declaration, 10), (declaration, 18)));
    let prepared = server
        .request(
            "textDocument/prepareRename",
            json!({"textDocument": {"uri": uri}, "position": {"line": declaration, "character": 12}}),
        )
        .unwrap();
    assert_eq!(prepared["placeholder"], "rest-api");
    let refused = server
        .request(
            "textDocument/prepareRename",
            json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 3}}),
        )
        .unwrap();
    assert_eq!(refused, Value::Null);
    let edit = server
        .request(
            "textDocument/rename",
            json!({"textDocument": {"uri": uri}, "position": {"line": declaration, "character": 12}, "newName": "public-api"}),
        )
        .unwrap();
    let edits = edit["changes"][&uri].as_array().unwrap();
    assert_eq!(edits.len(), 2);
    assert!(edits.iter().all(|it| it["newText"] == "public-api"));
    let symbols = server.request("textDocument/documentSymbol", json!({"textDocument": {"uri": uri}})).unwrap();
    let names: Vec<&str> = symbols.as_array().unwrap().iter().map(|it| it["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "pactoVersion",
            "service",
            "interfaces",
            "configurations",
            "policies",
            "dependencies",
            "runtime",
            "scaling",
            "readiness",
            "metadata"
        ]
    );
    assert_eq!(server.shutdown_and_exit().code(), Some(0));
}

#[test]
fn quick_fix_bumps_the_version_and_the_lens_shows_the_score() {
    let dir = tempfile::tempdir().unwrap();
    let text = "pactoVersion: \"1.0\"\r\nservice:\r\n  name: ünï # 😀\r\n  version: 1.0.0\r\nreadiness:\r\n  minScore: 80\r\n  checks:\r\n    - id: dash\r\n      type: url\r\n      evidence: https://x\r\n      weight: 60\r\n      expires: \"2099-01-01\"\r\n    - id: review\r\n      type: ticket\r\n      evidence: T-1\r\n      weight: 40\r\n      expires: \"2026-01-01\"\r\n";
    let text = text.replace("ünï", "svc");
    let uri = file_uri(&dir.path().join("pacto.yaml"));
    let mut server = Server::start();
    let init = server.initialize(json!({}), Value::Null);
    assert_eq!(init["capabilities"]["codeActionProvider"]["codeActionKinds"], json!(["quickfix", "source"]));
    server.open(&uri, &text, 1);
    let diagnostics = server.diagnostics(&uri, 1);
    let readiness = diagnostics.iter().find(|it| it["code"] == "SCHEMA_VIOLATION").unwrap().clone();
    assert_eq!(readiness["range"], range((4, 0), (4, 9)));
    let actions = server
        .request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri}, "range": readiness["range"], "context": {"diagnostics": [readiness]}}),
        )
        .unwrap();
    let bump = actions.as_array().unwrap().iter().find(|it| it["title"] == "Bump pactoVersion to 1.1").unwrap();
    assert_eq!(bump["kind"], "quickfix");
    assert_eq!(bump["isPreferred"], true);
    assert_eq!(bump["diagnostics"][0]["code"], "SCHEMA_VIOLATION");
    let edits = bump["edit"]["changes"][&uri].as_array().unwrap();
    assert_eq!(edits, &vec![json!({"range": range((0, 15), (0, 18)), "newText": "1.1"})]);

    // Under 1.0 readiness is not part of the format yet: no lens.
    let lenses = server.request("textDocument/codeLens", json!({"textDocument": {"uri": uri}})).unwrap();
    assert_eq!(lenses, Value::Null);

    // Apply it as the client would, and the readiness error is gone.
    server.change(&uri, 2, json!([{"range": range((0, 15), (0, 18)), "text": "1.1"}]));
    let after = server.diagnostics(&uri, 2);
    assert!(!after.iter().any(|it| it["code"] == "SCHEMA_VIOLATION"), "{after:#?}");
    let lenses = server.request("textDocument/codeLens", json!({"textDocument": {"uri": uri}})).unwrap();
    assert_eq!(lenses[0]["range"], range((4, 0), (4, 9)));
    assert_eq!(lenses[0]["command"]["title"], "Readiness 60/100 · gate 80 · 1 expired · failing");
    // Only source actions when asked for them.
    let source = server
        .request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri}, "range": range((0, 0), (0, 0)), "context": {"diagnostics": [], "only": ["source"]}}),
        )
        .unwrap();
    assert!(source.as_array().unwrap().iter().all(|it| it["kind"].as_str().unwrap().starts_with("source")));
    assert_eq!(server.shutdown_and_exit().code(), Some(0));
}

#[test]
fn validate_command_returns_the_findings_and_commands_fail_clearly() {
    let (_dir, uri, text) = bundle("examples/broken-api");
    let mut server = Server::start();
    let init = server.initialize(json!({}), Value::Null);
    assert_eq!(
        init["capabilities"]["executeCommandProvider"]["commands"],
        json!(["pacto.validate", "pacto.pack", "pacto.push", "pacto.diff", "pacto.diff.clear"])
    );
    server.open(&uri, &text, 1);
    let published = server.diagnostics(&uri, 1);
    let result =
        server.request("workspace/executeCommand", json!({"command": "pacto.validate", "arguments": [uri]})).unwrap();
    assert_eq!(
        (result["valid"].clone(), result["errors"].clone(), result["warnings"].clone()),
        (json!(false), json!(7), json!(2))
    );
    assert_eq!(result["version"], 1);
    let codes: Vec<&str> =
        result["findings"].as_array().unwrap().iter().map(|it| it["code"].as_str().unwrap()).collect();
    assert_eq!(codes, codes_of(&published));
    let health =
        result["findings"].as_array().unwrap().iter().find(|it| it["code"] == "HEALTH_INTERFACE_NOT_FOUND").unwrap();
    assert_eq!(health["range"], range((27, 15), (27, 18)));
    assert_eq!(health["path"], "runtime.health.interface");

    // An invalid bundle is not packed: a RequestFailed error that says why.
    let error =
        server.request("workspace/executeCommand", json!({"command": "pacto.pack", "arguments": [uri]})).unwrap_err();
    assert_eq!(error["error"]["message"], "the contract has 7 errors; nothing was packed");
    assert_eq!(error["error"]["code"], -32803);
    let shown = server.wait_for("an error message for the user", |it| it["method"] == "window/showMessage");
    assert_eq!(shown["params"]["type"], 1);
    let error =
        server.request("workspace/executeCommand", json!({"command": "pacto.validate", "arguments": []})).unwrap_err();
    assert_eq!(error["error"]["message"], "the first argument must be the contract's URI");
    assert_eq!(error["error"]["code"], -32602);
    assert_eq!(server.shutdown_and_exit().code(), Some(0));
}

fn codes_of(diagnostics: &[Value]) -> Vec<&str> {
    diagnostics.iter().map(|it| it["code"].as_str().unwrap()).collect()
}

#[test]
fn a_panic_while_answering_a_request_is_an_internal_error_and_the_server_keeps_serving() {
    let (_dir, uri, text) = bundle("examples/payments-api");
    let mut server = Server::start_with_env(&[("PACTO_LSP_FAULT_INJECTION", "1")]);
    server.initialize(json!({}), Value::Null);
    let faulty = uri.replace("pacto.yaml", "faulty/pacto.yaml");
    server.open(&faulty, &format!("#!panic-request\n{text}"), 1);
    server.open(&uri, &text, 1);
    let at = |uri: &str| json!({"textDocument": {"uri": uri}, "position": {"line": 3, "character": 4}});
    for method in ["textDocument/hover", "textDocument/completion", "textDocument/documentSymbol"] {
        let error = server.request(method, at(&faulty)).unwrap_err();
        assert_eq!(error["error"]["code"], -32603, "{method}: {error}");
    }
    server.wait_for_log_line("the panic logged with its method", |it| {
        it.contains("request handler panicked") && it.contains("textDocument/completion")
    });
    // A panic in a notification handler is logged too, and the process goes on.
    server.open(&uri.replace("pacto.yaml", "other/pacto.yaml"), "#!panic-notification\n", 1);
    server.wait_for_log_line("the notification's panic", |it| {
        it.contains("notification handler panicked") && it.contains("textDocument/didOpen")
    });
    // Another document is answered as usual.
    let line = text.lines().position(|it| it.contains("interface: rest-api")).unwrap();
    let hover = server
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": 18}}),
        )
        .unwrap();
    assert!(hover["contents"]["value"].as_str().unwrap().starts_with("**rest-api**"), "{hover}");
    assert_eq!(server.shutdown_and_exit().code(), Some(0));
}

#[test]
fn a_burst_of_300_edits_costs_about_one_check() {
    let (_dir, uri, text) = bundle("examples/payments-api");
    let mut server = Server::start();
    server.initialize(json!({}), Value::Null);
    server.open(&uri, &text, 1);
    let first = server.diagnostics(&uri, 1);
    // The log is read from another pipe than the messages: wait until it caught up.
    server.wait_for_log_line("the first publish", |it| it.contains("publishing") && it.contains("version=1 "));
    let before = server.log_count("analysis ran");
    let (rss_before, cpu_before) = (server.rss_kib(), server.cpu_ms());

    // Type a comment at the end, one character per change, then an unknown top-level key: 300
    // changes sent back to back.
    let end = text.lines().count() as u32;
    let change = |version: u32, at: u32, text: &str| {
        json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
            "textDocument": {"uri": uri, "version": version},
            "contentChanges": [{"range": range((end, at), (end, at)), "text": text}],
        }})
    };
    let mut burst: Vec<Value> = (2..=300).map(|version| change(version, version - 2, "#")).collect();
    burst.push(change(301, 299, "\nextra: 1\n"));
    server.send_all(&burst);
    let last = server.diagnostics(&uri, 301);
    let (rss_after, cpu) = (server.rss_kib(), server.cpu_ms() - cpu_before);

    let unknown: Vec<&Value> = last.iter().filter(|it| !first.contains(it)).collect();
    assert_eq!(unknown.len(), 1, "{last:#?}");
    assert_eq!(unknown[0]["code"], "SCHEMA_VIOLATION");
    assert_eq!(unknown[0]["range"]["start"]["line"], end + 1);
    server.wait_for_log_line("the last publish", |it| it.contains("publishing") && it.contains("version=301 "));
    let analyses = server.log_count("analysis ran") - before;
    assert!(
        (1..=4).contains(&analyses),
        "{analyses} analyses for one burst:\n{}",
        server
            .stderr
            .lock()
            .unwrap()
            .lines()
            .filter(|it| it.contains("analysis ran") || it.contains("dropped"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    let versions = server.published_versions(&uri);
    assert!(versions.len() <= 3, "published {versions:?}");
    eprintln!("burst: {analyses} analyses, published {versions:?}, RSS {rss_before} -> {rss_after} KiB, {cpu} ms CPU");
    assert_eq!(server.shutdown_and_exit().code(), Some(0));
}

#[test]
fn a_document_reopened_at_the_same_version_never_gets_the_old_texts_results() {
    let (_dir, uri, text) = bundle("examples/broken-api");
    let mut slow = String::from("pactoVersion: \"1.1\"\nservice:\n  name: big\n  version: 1.0.0\nmetadata:\n");
    while slow.len() < 4 * 1024 * 1024 {
        slow.push_str(&format!("  key{}: \"a value that makes the contract long\"\n", slow.len()));
    }
    let mut server = Server::start();
    server.initialize(json!({}), Value::Null);
    let generation = |it: &str, n: &str| it.split_whitespace().any(|field| field == format!("generation={n}"));
    server.open(&uri, &slow, 1);
    server.wait_for_log_line("the first opening's check", |it| it.contains("checking") && generation(it, "1"));
    server.notify("textDocument/didClose", json!({"textDocument": {"uri": uri}}));
    server.open(&uri, &text, 1);
    // Both openings are done with: the first one's check dropped, the second one's published.
    server.wait_for_log_line("the first opening's check dropped", |it| {
        generation(it, "1") && (it.contains("not published") || it.contains("check dropped"))
    });
    server.wait_for_log_line("the second opening published", |it| it.contains("publishing") && generation(it, "2"));
    assert!(server.request("shutdown", Value::Null).is_ok());
    let last = server.last_published(&uri).unwrap();
    assert_eq!(last["version"], 1);
    assert_eq!(codes(last["diagnostics"].as_array().unwrap()).len(), 9, "{last:#?}");
    assert_eq!(server.exit().code(), Some(0));
}

#[test]
fn requests_share_one_quick_analysis_per_version() {
    let (_dir, uri, text) = bundle("examples/payments-api");
    // The check of this text panics, so requests can only answer from the quick analysis.
    let mut server = Server::start_with_env(&[("PACTO_LSP_FAULT_INJECTION", "1")]);
    server.initialize(json!({}), Value::Null);
    server.open(&uri, &format!("#!panic\n{text}"), 1);
    server.wait_for_log("analysis panicked");
    let line = 1 + text.lines().position(|it| it.contains("interface: rest-api")).unwrap();
    let hover = json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": 18}});
    for _ in 0..5 {
        assert!(server.request("textDocument/hover", hover.clone()).unwrap()["contents"].is_object());
        server.request("textDocument/documentSymbol", json!({"textDocument": {"uri": uri}})).unwrap();
    }
    assert_eq!(server.settled_log_count("quick analysis ran", 1), 1);
    server.change(&uri, 2, json!([{"range": range((0, 0), (0, 0)), "text": "# edited\n"}]));
    for _ in 0..5 {
        server.request("textDocument/foldingRange", json!({"textDocument": {"uri": uri}})).unwrap();
    }
    assert_eq!(server.settled_log_count("quick analysis ran", 2), 2);
    assert_eq!(server.shutdown_and_exit().code(), Some(0));
}

#[test]
fn documents_that_are_not_file_uris_read_no_local_files() {
    let (dir, uri, text) = bundle("examples/broken-api");
    let mut server = Server::start();
    server.initialize(json!({}), Value::Null);
    server.open(&uri, &text, 1);
    assert!(codes(&server.diagnostics(&uri, 1)).contains(&"FILE_NOT_FOUND".to_string()));
    let path = dir.path().join("pacto.yaml");
    for other in [format!("untitled:{}", path.display()), format!("git:{}", path.display())] {
        server.open(&other, &text, 1);
        let found = codes(&server.diagnostics(&other, 1));
        assert!(!found.iter().any(|it| it.starts_with("FILE_")), "{other}: {found:?}");
        assert!(found.contains(&"HEALTH_INTERFACE_NOT_FOUND".to_string()), "{other}: {found:?}");
    }
    server.wait_for_log_line("the last publish", |it| it.contains("publishing") && it.contains("git:"));
    assert_eq!(server.log_count("analysis ran"), server.log_count("misses=0") + 1, "only the file: URI loads files");
    assert_eq!(server.shutdown_and_exit().code(), Some(0));
}

#[test]
fn a_deep_policy_chain_is_complete_in_the_first_publish() {
    let dir = tempfile::tempdir().unwrap();
    let depth = 12;
    for level in 1..depth {
        let bundle = dir.path().join(format!("p{level}"));
        std::fs::create_dir_all(&bundle).unwrap();
        let policies = format!("policies:\n  - name: p\n    ref: ../p{}\n", level + 1);
        std::fs::write(bundle.join("pacto.yaml"), policies).unwrap();
    }
    let last = dir.path().join(format!("p{depth}/policy"));
    std::fs::create_dir_all(&last).unwrap();
    std::fs::write(last.join("schema.json"), r#"{"properties": {"service": {"required": ["owner"]}}}"#).unwrap();
    let contract = dir.path().join("svc/pacto.yaml");
    std::fs::create_dir_all(contract.parent().unwrap()).unwrap();
    let text =
        "pactoVersion: \"1.1\"\nservice:\n  name: svc\n  version: 1.0.0\npolicies:\n  - name: org\n    ref: ../p1\n";
    std::fs::write(&contract, text).unwrap();

    let uri = file_uri(&contract);
    let mut server = Server::start();
    server.initialize(json!({}), Value::Null);
    server.open(&uri, text, 1);
    let first = server.wait_for("the first diagnostics", |it| {
        it["method"] == "textDocument/publishDiagnostics" && it["params"]["uri"] == uri
    });
    let diagnostics = first["params"]["diagnostics"].as_array().unwrap();
    assert_eq!(codes(diagnostics), ["POLICY_VIOLATION"], "{diagnostics:#?}");
    assert!(diagnostics[0]["message"].as_str().unwrap().contains("is missing the required key `owner`"));
    assert_eq!(server.shutdown_and_exit().code(), Some(0));
}
