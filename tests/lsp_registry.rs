//! Registry-aware diagnostics and `oci://` policy refs in the language server, over stdio with the real binary
//! against real registries (Debian's `docker-registry` on 127.0.0.1, see `support/registry.rs`): what the
//! registries say about dependency refs arrives as warnings after the validation diagnostics of the same
//! version, `oci://` policy bundles are pulled in the background and applied when they arrive, and a registry
//! that hangs never slows typing down. Without the registry binary the tests print a notice and pass, unless
//! `CI` is set.

// Only some of the registry helpers are used here.
#[allow(dead_code)]
#[path = "support/registry.rs"]
mod registry;
mod support;

use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use registry::{Registry, available};
use serde_json::{Value, json};
use support::lsp::{Server, copy_dir, file_uri, summary};

/// The config files point at a place that cannot exist, so no credential of this machine's is used; the server
/// asks the (loopback) registries on its own, which other test files turn off.
const ENV: [(&str, &str); 4] = [
    ("XDG_CONFIG_HOME", "/dev/null/config"),
    ("DOCKER_CONFIG", "/dev/null/docker"),
    ("PACTO_CACHE_DIR", "/dev/null/cache"),
    ("PACTO_LSP_NO_REGISTRY", ""),
];

/// The registry-aware codes (spec §2).
const REGISTRY_CODES: [&str; 4] =
    ["DEPENDENCY_NOT_FOUND", "DEPENDENCY_INCOMPATIBLE", "REGISTRY_UNREACHABLE", "REGISTRY_AUTH_FAILED"];

/// Runs the CLI in `dir` with no credentials and a cache that cannot be written.
fn cli(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pacto-lsp"))
        .args(args)
        .current_dir(dir)
        .env_remove("PACTO_REGISTRY_TOKEN")
        .env_remove("PACTO_REGISTRY_USERNAME")
        .env_remove("PACTO_REGISTRY_PASSWORD")
        .envs(ENV)
        .env("PACTO_TODAY", "2026-11-22")
        .output()
        .expect("run pacto-lsp")
}

/// Writes `text` as `dir/name/pacto.yaml` and pushes that bundle to `reference`.
fn push(dir: &Path, name: &str, text: &str, reference: &str) {
    std::fs::create_dir_all(dir.join(name)).unwrap();
    std::fs::write(dir.join(name).join("pacto.yaml"), text).unwrap();
    let pushed = cli(dir, &["push", reference, "-p", name]);
    assert_eq!(pushed.status.code(), Some(0), "{}", String::from_utf8_lossy(&pushed.stderr));
}

/// A started server with `options`, the contract `text` written to `dir/name/pacto.yaml` and opened as version 1.
fn open(dir: &Path, name: &str, text: &str, options: Value) -> (Server, String) {
    std::fs::create_dir_all(dir.join(name)).unwrap();
    let file = dir.join(name).join("pacto.yaml");
    std::fs::write(&file, text).unwrap();
    let uri = file_uri(&file);
    let mut server = Server::start_with_env(&ENV);
    server.initialize(json!({}), options);
    server.open(&uri, text, 1);
    (server, uri)
}

/// The 0-based line and the characters of the first `needle` in `text` (ASCII text).
fn at(text: &str, needle: &str) -> (u64, u64, u64) {
    let offset = text.find(needle).unwrap_or_else(|| panic!("{needle:?} is not in the text"));
    let line = text[..offset].matches('\n').count() as u64;
    let start = (offset - text[..offset].rfind('\n').map_or(0, |it| it + 1)) as u64;
    (line, start, start + needle.len() as u64)
}

fn codes(diagnostics: &[Value]) -> Vec<String> {
    diagnostics.iter().filter_map(|it| it["code"].as_str()).map(String::from).collect()
}

/// The next publish for `uri` (any version), after `since`.
fn next_publish(server: &mut Server, uri: &str) -> Value {
    server.wait_for("a publish", |it| it["method"] == "textDocument/publishDiagnostics" && it["params"]["uri"] == uri)
}

fn contract(name: &str, version: &str) -> String {
    format!("pactoVersion: \"1.1\"\nservice:\n  name: {name}\n  version: {version}\n")
}

#[test]
fn registry_answers_are_warnings_published_after_validation() {
    if !available("the language server registry diagnostics test") {
        return;
    }
    let open_registry = Registry::start();
    let locked = Registry::start_with_user("ci", "s3cret-pass");
    let mut stopped = Registry::start();
    let down = stopped.addr.clone();
    stopped.stop();
    let dir = tempfile::tempdir().unwrap();
    let reg = &open_registry.addr;
    push(dir.path(), "db", &contract("db", "1.0.0"), &format!("oci://{reg}/acme/db:1.0.0"));

    let text = format!(
        "{}dependencies:\n  - name: old-db\n    ref: oci://{reg}/acme/db:1.0.0\n    compatibility: ^2.0.0\n\
         \x20 - name: missing\n    ref: oci://{reg}/acme/db:9.9.9\n    compatibility: ^9.0.0\n\
         \x20 - name: ranged\n    ref: oci://{reg}/acme/db\n    compatibility: ^1.0.0\n\
         \x20 - name: locked\n    ref: oci://{}/acme/db:1.0.0\n    compatibility: ^1.0.0\n\
         \x20 - name: down\n    ref: oci://{down}/acme/db:1.0.0\n    compatibility: ^1.0.0\n",
        contract("app", "1.0.0"),
        locked.addr,
    );
    let options = json!({"cacheDir": dir.path().join("cache").display().to_string()});
    let (mut server, uri) = open(dir.path(), "app", &text, options);

    // The validation diagnostics come first, without a registry answer …
    let first = next_publish(&mut server, &uri);
    assert_eq!(first["params"]["version"], 1);
    let validation = first["params"]["diagnostics"].as_array().unwrap().clone();
    assert!(codes(&validation).iter().all(|it| !REGISTRY_CODES.contains(&it.as_str())), "{validation:#?}");
    // … then the same version again with them.
    let answered = server.wait_for("the registry answers", |it| {
        it["method"] == "textDocument/publishDiagnostics"
            && it["params"]["uri"] == uri.as_str()
            && it["params"]["diagnostics"].as_array().is_some_and(|all| codes(all).len() > validation.len())
    });
    assert_eq!(answered["params"]["version"], 1);
    let diagnostics = answered["params"]["diagnostics"].as_array().unwrap();
    let remote: Vec<Value> =
        diagnostics.iter().filter(|it| REGISTRY_CODES.contains(&it["code"].as_str().unwrap_or(""))).cloned().collect();
    let range = |code: &str, (line, start, end): (u64, u64, u64)| (code.to_string(), line, start, line, end);
    assert_eq!(
        summary(&remote),
        vec![
            range("DEPENDENCY_INCOMPATIBLE", at(&text, "^2.0.0")),
            range("DEPENDENCY_NOT_FOUND", at(&text, &format!("oci://{reg}/acme/db:9.9.9"))),
            range("REGISTRY_AUTH_FAILED", at(&text, &format!("oci://{}/acme/db:1.0.0", locked.addr))),
            range("REGISTRY_UNREACHABLE", at(&text, &format!("oci://{down}/acme/db:1.0.0"))),
        ],
        "{remote:#?}"
    );
    for diagnostic in &remote {
        assert_eq!(diagnostic["severity"], 2, "{diagnostic:#}");
        assert_eq!(diagnostic["source"], "pacto", "{diagnostic:#}");
        assert!(diagnostic["data"]["path"].as_str().unwrap().starts_with("dependencies["), "{diagnostic:#}");
    }
    assert_eq!(remote[0]["data"]["path"], "dependencies[0].compatibility");
    assert_eq!(
        remote[0]["message"],
        format!("`oci://{reg}/acme/db:1.0.0` resolved to version `1.0.0`, which does not satisfy `^2.0.0`")
    );
    assert!(remote[2]["message"].as_str().unwrap().contains(&locked.addr), "{:#}", remote[2]);
    assert!(!remote[2]["message"].as_str().unwrap().contains("s3cret"), "{:#}", remote[2]);
    assert!(remote[3]["message"].as_str().unwrap().contains(&down), "{:#}", remote[3]);
    // The validation diagnostics are all still there.
    assert_eq!(&diagnostics[..validation.len()], &validation[..]);

    // An edit is published with the answers already known, without asking again.
    server.change(&uri, 2, json!([{"text": format!("{text}# edited\n")}]));
    let edited = server.diagnostics(&uri, 2);
    assert_eq!(edited.len(), diagnostics.len(), "{edited:#?}");
}

/// A policy bundle whose policy requires `service.owner`, pushed to `reference` (it obeys its own policy).
fn push_owner_policy(dir: &Path, reference: &str) {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rules/policy-ref-local/org-policies");
    copy_dir(&fixture, &dir.join("org"));
    let own = std::fs::read_to_string(fixture.join("pacto.yaml"))
        .unwrap()
        .replace("  version: 1.0.0\n", "  version: 1.0.0\n  owner: platform\n");
    assert!(own.contains("owner: platform"));
    push(dir, "org", &own, reference);
}

fn with_policy(reference: &str) -> String {
    format!("{}policies:\n  - name: org\n    ref: {reference}\n", contract("policy-ref", "1.0.0"))
}

#[test]
fn oci_policy_refs_are_pulled_in_the_background_and_applied() {
    if !available("the language server oci:// policy test") {
        return;
    }
    let registry = Registry::start();
    let dir = tempfile::tempdir().unwrap();
    let policy = format!("oci://{}/acme/org-policies:1.0.0", registry.addr);
    push_owner_policy(dir.path(), &policy);
    let options = json!({"cacheDir": dir.path().join("cache").display().to_string()});
    let (mut server, uri) = open(dir.path(), "svc", &with_policy(&policy), options);

    // Until the bundle is pulled the ref fails closed, saying why.
    let first = server.diagnostics(&uri, 1);
    assert_eq!(codes(&first), vec!["POLICY_REF_UNRESOLVED"], "{first:#?}");
    assert_eq!(
        first[0]["message"],
        format!(
            "cannot resolve policy ref `{policy}`: `{policy}` is being pulled from its registry; the policy is \
             checked when it arrives"
        )
    );
    // Then the same version is checked again with it.
    let checked = server.wait_for("the pulled policy applied", |it| {
        it["method"] == "textDocument/publishDiagnostics"
            && it["params"]["version"] == 1
            && it["params"]["diagnostics"].as_array().is_some_and(|all| codes(all) != ["POLICY_REF_UNRESOLVED"])
    });
    let diagnostics = checked["params"]["diagnostics"].as_array().unwrap();
    assert_eq!(codes(diagnostics), vec!["POLICY_VIOLATION"], "{diagnostics:#?}");
    assert_eq!(
        diagnostics[0]["message"],
        format!(
            "policy policies[\"org\"] -> {policy} policies[\"owner-required\"]: `service` is missing the required \
             key `owner`"
        )
    );
    assert_eq!(diagnostics[0]["severity"], 1);

    // An edit that satisfies the policy is checked with the bundle already pulled.
    let owned = with_policy(&policy).replace("  version: 1.0.0\n", "  version: 1.0.0\n  owner: team\n");
    server.change(&uri, 2, json!([{"text": owned}]));
    assert_eq!(server.diagnostics(&uri, 2), Vec::<Value>::new());

    // A ref that cannot be pulled stays unresolved, with the registry's reason once it was tried.
    let unpullable = "oci://127.0.0.1:1/acme/org-policies:1.0.0";
    server.change(&uri, 3, json!([{"text": with_policy(unpullable)}]));
    let failed = server.wait_for("the failed pull", |it| {
        it["method"] == "textDocument/publishDiagnostics"
            && it["params"]["version"] == 3
            && it["params"]["diagnostics"][0]["message"].as_str().is_some_and(|it| it.contains("unreachable"))
    });
    let diagnostics = failed["params"]["diagnostics"].as_array().unwrap();
    assert_eq!(codes(diagnostics), vec!["POLICY_REF_UNRESOLVED"], "{diagnostics:#?}");
    assert!(
        diagnostics[0]["message"]
            .as_str()
            .unwrap()
            .starts_with(&format!("cannot resolve policy ref `{unpullable}`: registry `127.0.0.1:1` is unreachable")),
        "{diagnostics:#?}"
    );
}

/// A listener that accepts connections and never answers; it lives as long as the test.
fn hanging_listener() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    addr
}

#[test]
fn a_hanging_registry_never_delays_typing_or_requests() {
    let hang = hanging_listener();
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{}dependencies:\n  - name: db\n    ref: oci://{hang}/acme/db:1.0.0\n    compatibility: ^1.0.0\n",
        contract("app", "1.0.0")
    );
    let options = json!({"registry": {"timeoutMs": 10000}, "cacheDir": dir.path().join("cache").display().to_string()});
    let (mut server, uri) = open(dir.path(), "app", &text, options);
    server.diagnostics(&uri, 1);
    let started = Instant::now();
    let mut slowest = Duration::ZERO;
    for version in 2..=31 {
        let sent = Instant::now();
        server.change(&uri, version, json!([{"text": format!("{text}# edit {version}\n")}]));
        let diagnostics = server.diagnostics(&uri, version);
        let took = sent.elapsed();
        slowest = slowest.max(took);
        assert!(took < Duration::from_millis(500), "version {version} was published after {took:?}");
        assert!(codes(&diagnostics).iter().all(|it| !REGISTRY_CODES.contains(&it.as_str())), "{diagnostics:#?}");
        if version == 16 {
            let asked = Instant::now();
            let hover = server.request(
                "textDocument/hover",
                json!({"textDocument": {"uri": uri}, "position": {"line": 2, "character": 4}}),
            );
            assert!(hover.is_ok(), "{hover:?}");
            assert!(asked.elapsed() < Duration::from_millis(500), "hover took {:?}", asked.elapsed());
        }
    }
    assert!(
        started.elapsed() < Duration::from_secs(9),
        "the edits took {:?}: the lookup may have ended",
        started.elapsed()
    );
    eprintln!("slowest publish while the registry hung: {slowest:?}");
    // When the lookup times out, the current version (never an older one) is published again with the answer.
    let answered = server.wait_for("the timed-out lookup", |it| {
        it["method"] == "textDocument/publishDiagnostics"
            && it["params"]["diagnostics"]
                .as_array()
                .is_some_and(|all| codes(all).iter().any(|c| c == "REGISTRY_UNREACHABLE"))
    });
    assert_eq!(answered["params"]["version"], 31);
    let message = answered["params"]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|it| it["code"] == "REGISTRY_UNREACHABLE")
        .unwrap()["message"]
        .clone();
    assert_eq!(message, format!("registry `{hang}` did not answer within 10000 ms"));
}

#[test]
fn a_baseline_setting_that_failed_to_pull_is_tried_again_on_save() {
    if !available("the language server baseline retry test") {
        return;
    }
    let registry = Registry::start();
    let dir = tempfile::tempdir().unwrap();
    let reference = format!("oci://{}/acme/payments-api:2.3.0", registry.addr);
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/payments-api");
    copy_dir(&example, &dir.path().join("svc"));
    let original = std::fs::read_to_string(dir.path().join("svc/pacto.yaml")).unwrap();
    assert_eq!(original.matches("port: 8080").count(), 1);
    let changed = original.replace("port: 8080", "port: 8081");
    let options = json!({"cacheDir": dir.path().join("cache").display().to_string(), "diff": {"baseline": reference}});
    let (mut server, uri) = open(dir.path(), "svc", &changed, options);
    server.diagnostics(&uri, 1);
    // Nothing was pushed yet: the baseline cannot be pulled.
    server.wait_for_log("names no usable baseline");

    copy_dir(&example, &dir.path().join("base"));
    push(dir.path(), "base", &original, &reference);
    server.notify("textDocument/didSave", json!({"textDocument": {"uri": uri}}));
    let diffed = server.wait_for("the diff after the save", |it| {
        it["method"] == "textDocument/publishDiagnostics"
            && it["params"]["diagnostics"].as_array().is_some_and(|all| all.iter().any(|d| d["source"] == "pacto-diff"))
    });
    let findings: Vec<&Value> =
        diffed["params"]["diagnostics"].as_array().unwrap().iter().filter(|it| it["source"] == "pacto-diff").collect();
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0]["code"], "BREAKING");
    let (line, start, end) = at(&changed, "8081");
    assert_eq!(summary(&[findings[0].clone()]), vec![("BREAKING".to_string(), line, start, line, end)]);
}
