//! The language server and OCI registries, over stdio with the real binary against a real registry (Debian's
//! `docker-registry`, started on 127.0.0.1 by `support/registry.rs`): `pacto.push` publishes the saved bundle and
//! answers the manifest digest the registry serves. Without the registry binary the tests print a notice and
//! pass, unless `CI` is set.

// Only some of the registry helpers are used here.
#[allow(dead_code)]
#[path = "support/registry.rs"]
mod registry;
mod support;

use std::path::Path;

use registry::{Registry, available, get};
use serde_json::{Value, json};
use support::lsp::{Server, copy_dir, file_uri};

/// The config files and the cache point at a place that cannot exist, so nothing of this machine's is used.
const ENV: [(&str, &str); 3] = [
    ("XDG_CONFIG_HOME", "/dev/null/config"),
    ("DOCKER_CONFIG", "/dev/null/docker"),
    ("PACTO_CACHE_DIR", "/dev/null/cache"),
];

/// A copy of the example bundle in `dir/NAME`, opened in a started server. Returns the server and the URI.
fn open_copy(dir: &Path, name: &str, options: Value) -> (Server, String, String) {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/payments-api");
    copy_dir(&example, &dir.join(name));
    let file = dir.join(name).join("pacto.yaml");
    let text = std::fs::read_to_string(&file).unwrap();
    let uri = file_uri(&file);
    let mut server = Server::start_with_env(&ENV);
    server.initialize(json!({"window": {"workDoneProgress": true}}), options);
    server.open(&uri, &text, 1);
    server.diagnostics(&uri, 1);
    (server, uri, text)
}

fn push(server: &mut Server, uri: &str, reference: &str, force: bool) -> Result<Value, Value> {
    server.request(
        "workspace/executeCommand",
        json!({"command": "pacto.push", "arguments": [uri, reference, {"force": force}]}),
    )
}

#[test]
fn push_answers_the_registry_manifest_digest_and_does_not_overwrite_without_force() {
    if !available("the language server push test") {
        return;
    }
    let registry = Registry::start();
    let dir = tempfile::tempdir().unwrap();
    let (mut server, uri, _) = open_copy(dir.path(), "payments-api", Value::Null);
    let reference = format!("oci://{}/acme/payments-api:2.3.0", registry.addr);

    let pushed = push(&mut server, &uri, &reference, false).expect("pacto.push answers");
    assert_eq!(pushed["ref"], reference.as_str(), "{pushed:#}");
    assert_eq!(pushed["pushed"], true, "{pushed:#}");
    let begun = server.wait_for("the push's progress", |it| {
        it["method"] == "$/progress" && it["params"]["value"]["title"] == "Pacto: pushing the bundle"
    });
    let token = begun["params"]["token"].clone();
    let ended = server.wait_for("the end of the push's progress", |it| {
        it["method"] == "$/progress" && it["params"]["token"] == token && it["params"]["value"]["kind"] == "end"
    });
    assert_eq!(ended["params"]["value"]["message"], "pushed");
    let manifest = get(
        &registry.addr,
        "/v2/acme/payments-api/manifests/2.3.0",
        Some("application/vnd.oci.image.manifest.v1+json"),
    )
    .expect("the registry answers");
    assert_eq!(manifest.status, 200);
    assert_eq!(manifest.header("docker-content-digest"), pushed["digest"].as_str(), "{pushed:#}");
    assert_eq!(registry::sha256(&manifest.body), pushed["digest"].as_str().unwrap());

    let again = push(&mut server, &uri, &reference, false).expect("a second pacto.push answers");
    assert_eq!(again, json!({"ref": reference, "digest": pushed["digest"], "pushed": false}));
    let forced = push(&mut server, &uri, &reference, true).expect("a forced pacto.push answers");
    assert_eq!(forced["pushed"], true);
    assert_eq!(forced["digest"], pushed["digest"], "the same bundle makes the same manifest");
}

#[test]
fn push_failures_are_request_failed_errors_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let (mut server, uri, _) = open_copy(dir.path(), "payments-api", json!({"registry": {"timeoutMs": 2000}}));
    // Nobody listens on port 1.
    let error =
        push(&mut server, &uri, "oci://127.0.0.1:1/acme/payments-api:1.0.0", false).unwrap_err()["error"].clone();
    assert_eq!(error["code"], -32803, "{error:#}");
    assert!(error["message"].as_str().unwrap().contains("127.0.0.1:1"), "{error:#}");
    let error = push(&mut server, &uri, "ghcr.io/acme/payments-api", false).unwrap_err()["error"].clone();
    assert_eq!(error["code"], -32602, "{error:#}");
    assert!(error["message"].as_str().unwrap().contains("`oci://...`"), "{error:#}");
    let error =
        push(&mut server, &uri, "oci://127.0.0.1:1/acme/payments-api@sha256:0", false).unwrap_err()["error"].clone();
    assert_eq!(error["code"], -32602, "{error:#}");
}

/// The `port: 8080` on line 24 (1-based) of the example becomes 8081: returns the change and its range.
fn change_port(text: &str) -> (Value, Value) {
    let line = 23;
    let column = text.lines().nth(line).unwrap().find("8080").unwrap();
    let range = json!({"start": {"line": line, "character": column}, "end": {"line": line, "character": column + 4}});
    (json!([{"range": range, "text": "8081"}]), range)
}

/// Waits for the diagnostics of `version` that include a diff finding, and returns the diff findings.
fn diff_findings(server: &mut Server, version: i64) -> Vec<Value> {
    let published = server.wait_for("the diff", |it| {
        it["method"] == "textDocument/publishDiagnostics"
            && it["params"]["version"] == version
            && it["params"]["diagnostics"].as_array().is_some_and(|all| all.iter().any(|d| d["source"] == "pacto-diff"))
    });
    published["params"]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|it| it["source"] == "pacto-diff")
        .cloned()
        .collect()
}

#[test]
fn diff_against_a_pushed_version_shows_a_changed_port_as_breaking() {
    if !available("the language server oci:// diff test") {
        return;
    }
    let registry = Registry::start();
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let options = json!({"cacheDir": cache.display().to_string()});
    let (mut server, uri, text) = open_copy(dir.path(), "payments-api", options);
    let reference = format!("oci://{}/acme/payments-api:2.3.0", registry.addr);
    push(&mut server, &uri, &reference, false).expect("version A is pushed");

    let (edit, range) = change_port(&text);
    server.change(&uri, 2, edit);
    server.diagnostics(&uri, 2);
    let result = server
        .request("workspace/executeCommand", json!({"command": "pacto.diff", "arguments": [uri, reference]}))
        .expect("pacto.diff answers");
    assert_eq!(result["classification"], "BREAKING", "{result:#}");
    let changes = result["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{result:#}");
    assert_eq!(changes[0]["range"], range, "{result:#}");
    assert_eq!(
        (changes[0]["oldValue"].as_i64(), changes[0]["newValue"].as_i64()),
        (Some(8080), Some(8081)),
        "{result:#}"
    );
    assert_eq!(result["baseline"], "2.3.0", "{result:#}");
    let findings = diff_findings(&mut server, 2);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(
        (&findings[0]["code"], &findings[0]["severity"], &findings[0]["range"]),
        (&json!("BREAKING"), &json!(2), &range)
    );
    // The pulled bundle is in the cache.
    assert!(std::fs::read_dir(&cache).is_ok_and(|mut it| it.next().is_some()), "nothing cached in {cache:?}");
}

#[test]
fn the_baseline_setting_may_be_an_oci_ref() {
    if !available("the language server oci:// baseline setting test") {
        return;
    }
    let registry = Registry::start();
    let dir = tempfile::tempdir().unwrap();
    let reference = format!("oci://{}/acme/payments-api:2.3.0", registry.addr);
    let (mut pusher, uri, _) = open_copy(dir.path(), "version-a", Value::Null);
    push(&mut pusher, &uri, &reference, false).expect("version A is pushed");
    let options = json!({"cacheDir": dir.path().join("cache").display().to_string(), "diff": {"baseline": reference}});
    let (mut server, uri, text) = open_copy(dir.path(), "payments-api", options);
    let (edit, range) = change_port(&text);
    server.change(&uri, 2, edit);
    let findings = diff_findings(&mut server, 2);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0]["code"], "BREAKING");
    assert_eq!(findings[0]["range"], range);
}

#[test]
fn pack_resolves_oci_policy_refs_and_fails_closed() {
    if !available("`oci://` policy refs in pacto.pack") {
        return;
    }
    let registry = Registry::start();
    let dir = tempfile::tempdir().unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rules/policy-ref-local/org-policies");
    std::fs::create_dir_all(dir.path().join("org/policy")).unwrap();
    std::fs::copy(fixture.join("policy/owner.json"), dir.path().join("org/policy/owner.json")).unwrap();
    let own = std::fs::read_to_string(fixture.join("pacto.yaml"))
        .unwrap()
        .replace("  version: 1.0.0\n", "  version: 1.0.0\n  owner: platform\n");
    std::fs::write(dir.path().join("org/pacto.yaml"), own).unwrap();
    let policy = format!("oci://{}/acme/org-policies:1.0.0", registry.addr);
    let pushed = std::process::Command::new(env!("CARGO_BIN_EXE_pacto-lsp"))
        .args(["push", &policy, "-p", "org"])
        .current_dir(dir.path())
        .envs(ENV)
        .output()
        .unwrap();
    assert!(pushed.status.success(), "{}", String::from_utf8_lossy(&pushed.stderr));

    let contract = |owner: &str, reference: &str| {
        format!(
            "pactoVersion: \"1.1\"\nservice:\n  name: svc\n  version: 1.0.0\n{owner}policies:\n  - name: org\n    ref: {reference}\n"
        )
    };
    let file = dir.path().join("svc/pacto.yaml");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    let uri = file_uri(&file);
    let mut server = Server::start_with_env(&ENV);
    server.initialize(json!({}), Value::Null);
    let pack = |server: &mut Server| {
        server.request("workspace/executeCommand", json!({"command": "pacto.pack", "arguments": [uri]}))
    };
    // The policy needs an owner: without one nothing is packed; with one the bundle packs, which it could not if
    // the `oci://` ref were left unresolved.
    let text = contract("", &policy);
    std::fs::write(&file, &text).unwrap();
    server.open(&uri, &text, 1);
    let error = pack(&mut server).unwrap_err()["error"].clone();
    assert_eq!(error["message"], "the contract has 1 error; nothing was packed", "{error:#}");
    assert!(!dir.path().join("svc-1.0.0.tar.gz").exists());

    std::fs::write(&file, contract("  owner: team\n", "oci://127.0.0.1:1/acme/org-policies:1.0.0")).unwrap();
    let error = pack(&mut server).unwrap_err()["error"].clone();
    assert_eq!(error["message"], "the contract has 1 error; nothing was packed", "fails closed: {error:#}");

    std::fs::write(&file, contract("  owner: team\n", &policy)).unwrap();
    let packed = pack(&mut server).expect("pacto.pack answers");
    assert_eq!(packed["path"], dir.path().join("svc-1.0.0.tar.gz").display().to_string(), "{packed:#}");
}
