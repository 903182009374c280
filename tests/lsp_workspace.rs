//! Every contract in the workspace, over stdio with the real binary: pull diagnostics (`workspace/diagnostic`,
//! `textDocument/diagnostic` with result ids), push diagnostics for closed files when the client cannot pull, the
//! `pacto.workspaceDiagnostics` setting, the ignore files, and cross-bundle hover, go to definition, references
//! and `DEPENDENCY_INCOMPATIBLE`.

mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::lsp::{Server, file_uri};

/// A client that pulls diagnostics and watches files.
fn pull_client() -> Value {
    json!({
        "textDocument": {"diagnostic": {"dynamicRegistration": false}},
        "workspace": {"diagnostics": {"refreshSupport": true}, "didChangeWatchedFiles": {"dynamicRegistration": true}},
        "window": {"workDoneProgress": true}
    })
}

fn start(folder: &Path, capabilities: Value, options: Value) -> (Server, Value) {
    let mut server = Server::start();
    let uri = file_uri(folder);
    let result = server
        .request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": uri,
                "workspaceFolders": [{"uri": uri, "name": "ws"}],
                "capabilities": capabilities,
                "initializationOptions": options
            }),
        )
        .expect("initialize");
    server.notify("initialized", json!({}));
    (server, result)
}

fn contract(name: &str, version: &str) -> String {
    format!("pactoVersion: \"1.0\"\nservice:\n  name: {name}\n  version: {version}\n")
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// 30 bundles `svc-00` … `svc-29`; `svc-03` has a bad name and `svc-07` and `svc-21` a bad version. Two more
/// broken bundles are ignored: one by `.gitignore`, one by `.pactoignore`.
fn generated() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for index in 0..30 {
        let name = format!("svc-{index:02}");
        let text = match index {
            3 => contract("Bad_Name", "1.0.0"),
            7 | 21 => contract(&name, "one"),
            _ => contract(&name, "1.0.0"),
        };
        write(&dir.path().join("services").join(&name).join("pacto.yaml"), &text);
    }
    write(&dir.path().join(".gitignore"), "generated/\n");
    write(&dir.path().join("generated/copy/pacto.yaml"), &contract("copy", "one"));
    write(&dir.path().join(".pactoignore"), "scratch/\n");
    write(&dir.path().join("scratch/draft/pacto.yaml"), &contract("Draft", "1.0.0"));
    dir
}

fn uri_of(dir: &Path, name: &str) -> String {
    file_uri(&dir.join("services").join(name).join("pacto.yaml"))
}

/// Each item of a workspace report by URI: its kind, result id and codes.
fn items(report: &Value) -> BTreeMap<String, (String, String, Vec<String>)> {
    report["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|it| {
            let codes = it["items"]
                .as_array()
                .map_or_else(Vec::new, |items| items.iter().map(|d| d["code"].as_str().unwrap().to_string()).collect());
            let entry = (it["kind"].as_str().unwrap().to_string(), it["resultId"].as_str().unwrap_or("").into(), codes);
            (it["uri"].as_str().unwrap().to_string(), entry)
        })
        .collect()
}

/// The URIs reported with findings, and their codes.
fn broken(items: &BTreeMap<String, (String, String, Vec<String>)>) -> BTreeMap<String, Vec<String>> {
    items.iter().filter(|(_, it)| !it.2.is_empty()).map(|(uri, it)| (uri.clone(), it.2.clone())).collect()
}

fn previous(items: &BTreeMap<String, (String, String, Vec<String>)>) -> Value {
    Value::Array(items.iter().map(|(uri, it)| json!({"uri": uri, "value": it.1})).collect())
}

#[test]
fn workspace_diagnostics_report_exactly_the_broken_contracts_and_follow_the_disk() {
    let dir = generated();
    let ws = dir.path();
    let (mut server, init) = start(ws, pull_client(), json!({}));
    let provider = &init["capabilities"]["diagnosticProvider"];
    assert_eq!(
        (provider["workspaceDiagnostics"].clone(), provider["interFileDependencies"].clone()),
        (json!(true), json!(true))
    );

    let first = items(&server.request("workspace/diagnostic", json!({"previousResultIds": []})).unwrap());
    assert_eq!(first.len(), 30, "every contract but the two ignored ones: {first:?}");
    assert!(first.values().all(|it| it.0 == "full"));
    let expected: BTreeMap<String, Vec<String>> = [
        (uri_of(ws, "svc-03"), vec!["SCHEMA_VIOLATION".to_string()]),
        (uri_of(ws, "svc-07"), vec!["INVALID_SEMVER".to_string()]),
        (uri_of(ws, "svc-21"), vec!["INVALID_SEMVER".to_string()]),
    ]
    .into();
    assert_eq!(broken(&first), expected);
    let begin = server.wait_for("the progress of the walk", |it| {
        it["method"] == "$/progress" && it["params"]["value"]["kind"] == "begin"
    });
    assert_eq!(begin["params"]["value"]["title"], "Pacto: checking 30 contracts");
    server.wait_for("the end of the walk", |it| it["method"] == "$/progress" && it["params"]["value"]["kind"] == "end");
    server.wait_for("a refresh", |it| it["server-request"] == "workspace/diagnostic/refresh");

    // Nothing changed: every file is unchanged.
    let again = items(&server.request("workspace/diagnostic", json!({"previousResultIds": previous(&first)})).unwrap());
    assert_eq!(again.len(), 30);
    assert!(again.values().all(|it| it.0 == "unchanged"), "{again:?}");

    // Fix one file and break another on disk.
    write(&ws.join("services/svc-03/pacto.yaml"), &contract("svc-03", "1.0.0"));
    write(&ws.join("services/svc-20/pacto.yaml"), &contract("svc-20", "two"));
    let changes = json!({"changes": [
        {"uri": uri_of(ws, "svc-03"), "type": 2},
        {"uri": uri_of(ws, "svc-20"), "type": 2}
    ]});
    server.notify("workspace/didChangeWatchedFiles", changes);
    let after = items(&server.request("workspace/diagnostic", json!({"previousResultIds": previous(&first)})).unwrap());
    let full: Vec<&String> = after.iter().filter(|(_, it)| it.0 == "full").map(|(uri, _)| uri).collect();
    assert_eq!(full, vec![&uri_of(ws, "svc-03"), &uri_of(ws, "svc-20")]);
    assert_eq!(after[&uri_of(ws, "svc-03")].2, Vec::<String>::new());
    assert_eq!(after[&uri_of(ws, "svc-20")].2, vec!["INVALID_SEMVER".to_string()]);
    assert_eq!(after.values().filter(|it| it.0 == "unchanged").count(), 28);

    // A deleted contract comes back empty to a client that had a report for it.
    std::fs::remove_dir_all(ws.join("services/svc-07")).unwrap();
    server.notify("workspace/didChangeWatchedFiles", json!({"changes": [{"uri": uri_of(ws, "svc-07"), "type": 3}]}));
    let gone = items(&server.request("workspace/diagnostic", json!({"previousResultIds": previous(&after)})).unwrap());
    assert_eq!(gone[&uri_of(ws, "svc-07")].0, "full");
    assert_eq!(gone[&uri_of(ws, "svc-07")].2, Vec::<String>::new());
    assert_eq!(gone.values().filter(|it| it.0 == "unchanged").count(), 29);

    // One document: a full report, then unchanged by its result id.
    let uri = uri_of(ws, "svc-21");
    let report = server.request("textDocument/diagnostic", json!({"textDocument": {"uri": uri}})).unwrap();
    assert_eq!(report["kind"], "full");
    assert_eq!(report["items"][0]["code"], "INVALID_SEMVER");
    assert_eq!(
        report["items"][0]["range"],
        json!({"start": {"line": 3, "character": 11}, "end": {"line": 3, "character": 14}})
    );
    let id = report["resultId"].clone();
    let same = server
        .request("textDocument/diagnostic", json!({"textDocument": {"uri": uri}, "previousResultId": id}))
        .unwrap();
    assert_eq!(same, json!({"kind": "unchanged", "resultId": id}));

    // An open document keeps its pushed diagnostics; the pull reports it empty, so nothing shows twice.
    server.open(&uri, &contract("svc-21", "one"), 1);
    assert_eq!(server.diagnostics(&uri, 1)[0]["code"], "INVALID_SEMVER");
    let open = server.request("textDocument/diagnostic", json!({"textDocument": {"uri": uri}})).unwrap();
    assert_eq!((open["kind"].clone(), open["items"].clone()), (json!("full"), json!([])));
    server.shutdown_and_exit();
}

/// Waits until the last publish for each of `uris` has the given codes.
fn wait_published(server: &mut Server, expected: &BTreeMap<String, Vec<String>>) {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut seen: BTreeMap<String, Vec<String>> = BTreeMap::new();
    while expected.iter().any(|(uri, codes)| seen.get(uri) != Some(codes)) {
        assert!(Instant::now() < deadline, "published {seen:?}, expected {expected:?}");
        let message = server.wait_for("a publish", |it| it["method"] == "textDocument/publishDiagnostics");
        let codes = message["params"]["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|it| it["code"].as_str().unwrap().to_string())
            .collect();
        seen.insert(message["params"]["uri"].as_str().unwrap().to_string(), codes);
    }
    let ignored: Vec<&String> = seen.keys().filter(|it| it.contains("generated") || it.contains("scratch")).collect();
    assert!(ignored.is_empty(), "ignored contracts were published: {ignored:?}");
}

#[test]
fn a_client_without_pull_support_gets_closed_files_pushed() {
    let dir = generated();
    let ws = dir.path();
    let (mut server, init) = start(ws, json!({}), json!({}));
    assert!(init["capabilities"].get("diagnosticProvider").is_none());
    let expected: BTreeMap<String, Vec<String>> = [
        (uri_of(ws, "svc-03"), vec!["SCHEMA_VIOLATION".to_string()]),
        (uri_of(ws, "svc-07"), vec!["INVALID_SEMVER".to_string()]),
        (uri_of(ws, "svc-21"), vec!["INVALID_SEMVER".to_string()]),
    ]
    .into();
    wait_published(&mut server, &expected);
    // Without a pull, `workspace/diagnostic` still answers (for clients that ask without saying so).
    let report = items(&server.request("workspace/diagnostic", json!({"previousResultIds": []})).unwrap());
    assert_eq!(broken(&report), expected);

    // Opening then closing a contract: its own diagnostics, then the disk's again.
    let uri = uri_of(ws, "svc-07");
    server.open(&uri, &contract("svc-07", "1.0.0"), 1);
    assert_eq!(server.diagnostics(&uri, 1), Vec::<Value>::new());
    server.notify("textDocument/didClose", json!({"textDocument": {"uri": uri}}));
    let closed: BTreeMap<String, Vec<String>> = [(uri.clone(), vec!["INVALID_SEMVER".to_string()])].into();
    wait_published(&mut server, &closed);
    server.shutdown_and_exit();
}

#[test]
fn the_setting_off_reports_nothing_for_closed_files_and_clears_what_was_reported() {
    let dir = generated();
    let ws = dir.path();
    let (mut server, _) = start(ws, json!({}), json!({"workspaceDiagnostics": false}));
    // A document opened and checked: the background checker had its chance meanwhile.
    let probe = file_uri(&ws.join("probe/pacto.yaml"));
    server.open(&probe, &contract("probe", "1.0.0"), 1);
    assert_eq!(server.diagnostics(&probe, 1), Vec::<Value>::new());
    std::thread::sleep(Duration::from_millis(500));
    let report = items(&server.request("workspace/diagnostic", json!({"previousResultIds": []})).unwrap());
    assert!(report.is_empty(), "{report:?}");
    assert_eq!(server.log_count("workspace contract checked"), 0);

    // On: the broken ones are pushed. Off again: they are cleared.
    server.notify("workspace/didChangeConfiguration", json!({"settings": {"pacto": {"workspaceDiagnostics": true}}}));
    let broken: BTreeMap<String, Vec<String>> = [
        (uri_of(ws, "svc-03"), vec!["SCHEMA_VIOLATION".to_string()]),
        (uri_of(ws, "svc-07"), vec!["INVALID_SEMVER".to_string()]),
        (uri_of(ws, "svc-21"), vec!["INVALID_SEMVER".to_string()]),
    ]
    .into();
    wait_published(&mut server, &broken);
    server.notify("workspace/didChangeConfiguration", json!({"settings": {"pacto": {"workspaceDiagnostics": false}}}));
    let cleared: BTreeMap<String, Vec<String>> = broken.keys().map(|it| (it.clone(), Vec::new())).collect();
    wait_published(&mut server, &cleared);
    server.shutdown_and_exit();
}

#[test]
fn folders_added_to_the_workspace_are_checked_and_removed_ones_forgotten() {
    let first = tempfile::tempdir().unwrap();
    let second = tempfile::tempdir().unwrap();
    write(&first.path().join("a/pacto.yaml"), &contract("Bad_A", "1.0.0"));
    write(&second.path().join("b/pacto.yaml"), &contract("b", "one"));
    let (a, b) = (file_uri(&first.path().join("a/pacto.yaml")), file_uri(&second.path().join("b/pacto.yaml")));
    let (mut server, init) = start(first.path(), json!({}), json!({}));
    let folders = &init["capabilities"]["workspace"]["workspaceFolders"];
    assert_eq!(*folders, json!({"supported": true, "changeNotifications": true}));
    wait_published(&mut server, &[(a.clone(), vec!["SCHEMA_VIOLATION".to_string()])].into());

    let folder = |dir: &Path| json!([{"uri": file_uri(dir), "name": "folder"}]);
    let event = |added: Value, removed: Value| json!({"event": {"added": added, "removed": removed}});
    server.notify("workspace/didChangeWorkspaceFolders", event(folder(second.path()), json!([])));
    wait_published(&mut server, &[(b.clone(), vec!["INVALID_SEMVER".to_string()])].into());

    // The first folder removed: its contract's report is cleared, and it is no longer in the workspace's.
    server.notify("workspace/didChangeWorkspaceFolders", event(json!([]), folder(first.path())));
    wait_published(&mut server, &[(a.clone(), Vec::new())].into());
    let report = items(&server.request("workspace/diagnostic", json!({"previousResultIds": []})).unwrap());
    assert_eq!(report.keys().cloned().collect::<Vec<_>>(), vec![b], "{report:?}");
    server.shutdown_and_exit();
}

#[test]
fn a_closed_contract_with_an_oci_policy_ref_never_pulled_fails_closed_and_says_how_to_check_it() {
    let dir = tempfile::tempdir().unwrap();
    let policy = "oci://127.0.0.1:9/acme/org:1.0.0";
    let text = format!(
        "pactoVersion: \"1.1\"\nservice:\n  name: svc\n  version: 1.0.0\npolicies:\n  - name: org\n    ref: {policy}\n"
    );
    write(&dir.path().join("svc/pacto.yaml"), &text);
    let uri = file_uri(&dir.path().join("svc/pacto.yaml"));
    let (mut server, _) = start(dir.path(), json!({}), json!({}));
    let message = server.wait_for("the closed contract's report", |it| {
        it["method"] == "textDocument/publishDiagnostics" && it["params"]["uri"] == uri.as_str()
    });
    let diagnostics = message["params"]["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
    assert_eq!(diagnostics[0]["code"], "POLICY_REF_UNRESOLVED");
    assert_eq!(
        diagnostics[0]["message"],
        format!(
            "cannot resolve policy ref `{policy}`: `{policy}` is not pulled yet: open the contract to pull it from its \
             registry"
        )
    );
    server.shutdown_and_exit();
}

const DIGEST: &str = "sha256:0000000000000000000000000000000000000000000000000000000000000000";

/// `payments` 1.4.0; `orders` needs `../payments` at `^2.0.0` (incompatible); `billing` needs it by an `oci://`
/// ref at `^1.0.0` (compatible); `web` names a service nobody has.
fn cross_bundles() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path();
    write(&ws.join("payments/pacto.yaml"), &contract("payments", "1.4.0"));
    let orders = format!(
        "{}dependencies:\n  - name: payments\n    ref: ../payments\n    compatibility: ^2.0.0\n",
        contract("orders", "1.0.0")
    );
    write(&ws.join("orders/pacto.yaml"), &orders);
    let billing = format!(
        "{}dependencies:\n  - name: payments\n    ref: oci://ghcr.io/acme/payments:1.4.0@{DIGEST}\n    compatibility: ^1.0.0\n",
        contract("billing", "1.0.0")
    );
    write(&ws.join("billing/pacto.yaml"), &billing);
    let web = format!(
        "{}dependencies:\n  - name: auth\n    ref: oci://ghcr.io/acme/auth:1.0.0@{DIGEST}\n    compatibility: ^1.0.0\n",
        contract("web", "1.0.0")
    );
    write(&ws.join("web/pacto.yaml"), &web);
    dir
}

#[test]
fn dependencies_resolve_to_bundles_of_the_workspace() {
    let dir = cross_bundles();
    let ws = dir.path();
    let (mut server, _) = start(ws, pull_client(), json!({}));
    let orders = file_uri(&ws.join("orders/pacto.yaml"));
    let payments = file_uri(&ws.join("payments/pacto.yaml"));
    let billing = file_uri(&ws.join("billing/pacto.yaml"));

    // The closed `orders` is warned against the workspace's `payments`; `billing` is satisfied.
    let report = items(&server.request("workspace/diagnostic", json!({"previousResultIds": []})).unwrap());
    let expected: BTreeMap<String, Vec<String>> =
        [(orders.clone(), vec!["DEPENDENCY_INCOMPATIBLE".to_string()])].into();
    assert_eq!(broken(&report), expected);

    // Open, the same warning, on the range.
    let text = std::fs::read_to_string(ws.join("orders/pacto.yaml")).unwrap();
    server.open(&orders, &text, 1);
    let pushed = server.diagnostics(&orders, 1);
    assert_eq!(support::lsp::summary(&pushed), vec![("DEPENDENCY_INCOMPATIBLE".to_string(), 7, 19, 7, 25)]);
    assert_eq!(pushed[0]["severity"], 2);
    assert_eq!(
        pushed[0]["message"],
        "`../payments` is the workspace bundle at version `1.4.0`, which does not satisfy `^2.0.0`"
    );

    // Hover and go to definition on the ref (line 6, `    ref: ../payments`).
    let at = json!({"textDocument": {"uri": orders}, "position": {"line": 6, "character": 12}});
    let hover = server.request("textDocument/hover", at.clone()).unwrap();
    let markdown = hover["contents"]["value"].as_str().unwrap();
    assert!(markdown.starts_with("**Workspace contract** `payments@1.4.0`"), "{markdown}");
    assert!(markdown.contains("Compatibility: ✗ `1.4.0` does not satisfy `^2.0.0`"), "{markdown}");
    assert!(markdown.contains("Resolved: `payments`"), "{markdown}");
    assert_eq!(hover["range"], json!({"start": {"line": 6, "character": 9}, "end": {"line": 6, "character": 20}}));
    let definition = server.request("textDocument/definition", at).unwrap();
    assert_eq!(
        definition,
        json!({"uri": payments, "range": {"start": {"line": 2, "character": 8}, "end": {"line": 2, "character": 8}}})
    );

    // An `oci://` ref whose last segment is a workspace service leads there too.
    let billing_text = std::fs::read_to_string(ws.join("billing/pacto.yaml")).unwrap();
    server.open(&billing, &billing_text, 1);
    assert_eq!(server.diagnostics(&billing, 1), Vec::<Value>::new());
    let at = json!({"textDocument": {"uri": billing}, "position": {"line": 6, "character": 12}});
    assert_eq!(server.request("textDocument/definition", at).unwrap()["uri"], json!(payments));

    // References on `payments`' `service.name`: the two contracts that depend on it.
    let payments_text = std::fs::read_to_string(ws.join("payments/pacto.yaml")).unwrap();
    server.open(&payments, &payments_text, 1);
    let at = json!({"textDocument": {"uri": payments}, "position": {"line": 2, "character": 10}, "context": {"includeDeclaration": false}});
    let references = server.request("textDocument/references", at).unwrap();
    let found: Vec<(String, u64, u64)> = references
        .as_array()
        .unwrap()
        .iter()
        .map(|it| {
            let start = &it["range"]["start"];
            (
                it["uri"].as_str().unwrap().to_string(),
                start["line"].as_u64().unwrap(),
                start["character"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(found, vec![(billing.clone(), 6, 9), (orders.clone(), 6, 9)]);

    // `payments` moves to 2.0.0 on disk: `orders` is satisfied now (open: republished; closed: re-checked).
    write(&ws.join("payments/pacto.yaml"), &contract("payments", "2.0.0"));
    server.notify("workspace/didChangeWatchedFiles", json!({"changes": [{"uri": payments, "type": 2}]}));
    server.wait_for("orders republished without the warning", |it| {
        it["method"] == "textDocument/publishDiagnostics"
            && it["params"]["uri"] == orders
            && it["params"]["diagnostics"] == json!([])
    });
    server.shutdown_and_exit();
}
