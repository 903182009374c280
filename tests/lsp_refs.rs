//! Editor features on `oci://` refs, over stdio with the real binary against a real registry (Debian's
//! `docker-registry` on 127.0.0.1, see `support/registry.rs`): hover shows the remote contract, completion offers
//! the repository's tags and ranges built from them, "Pin to digest" writes the digest the registry serves, go to
//! definition opens the pulled `pacto.yaml`, and a registry that is down or silent makes hover say so within the
//! timeout. Without the registry binary the tests print a notice and pass, unless `CI` is set.

// Only some of the registry helpers are used here.
#[allow(dead_code)]
#[path = "support/registry.rs"]
mod registry;
mod support;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use registry::{Registry, available, get};
use serde_json::{Value, json};
use support::lsp::{Server, file_uri};

/// The config files point at a place that cannot exist, so nothing of this machine's is used; the cache is set
/// per test through the `cacheDir` setting.
const ENV: [(&str, &str); 3] = [
    ("XDG_CONFIG_HOME", "/dev/null/config"),
    ("DOCKER_CONFIG", "/dev/null/docker"),
    ("PACTO_CACHE_DIR", "/dev/null/cache"),
];

const MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";

/// Pushes a bundle `db` of `version` to `acme/db` under each of `tags` with the CLI. Returns its `pacto.yaml`.
fn publish(dir: &Path, registry: &Registry, version: &str, tags: &[&str]) -> String {
    let folder = dir.join(format!("v{version}"));
    std::fs::create_dir_all(&folder).unwrap();
    let run = |args: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_pacto-lsp"))
            .args(args)
            .current_dir(&folder)
            .envs(ENV)
            .env_remove("PACTO_REGISTRY_TOKEN")
            .env_remove("PACTO_REGISTRY_USERNAME")
            .env_remove("PACTO_REGISTRY_PASSWORD")
            .output()
            .expect("run pacto-lsp");
        assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
    };
    run(&["init", "db"]);
    let file = folder.join("db").join("pacto.yaml");
    let text = std::fs::read_to_string(&file).unwrap().replace("version: 0.1.0", &format!("version: {version}"));
    std::fs::write(&file, &text).unwrap();
    for tag in tags {
        run(&["push", &format!("oci://{}/acme/db:{tag}", registry.addr), "-p", "db"]);
    }
    text
}

/// The manifest digest the registry serves for `acme/db:TAG`, read without our client.
fn served_digest(registry: &Registry, tag: &str) -> String {
    let manifest = get(&registry.addr, &format!("/v2/acme/db/manifests/{tag}"), Some(MANIFEST)).unwrap();
    assert_eq!(manifest.status, 200);
    let digest = manifest.header("docker-content-digest").unwrap().to_string();
    assert_eq!(registry::sha256(&manifest.body), digest);
    digest
}

/// A server with the cache in `cache` and this registry timeout, with `text` open as `dir/app/pacto.yaml`.
fn open(dir: &Path, cache: &Path, timeout_ms: u64, text: &str) -> (Server, String) {
    let file = dir.join("app").join("pacto.yaml");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, text).unwrap();
    let uri = file_uri(&file);
    let mut server = Server::start_with_env(&ENV);
    let options = json!({"cacheDir": cache.display().to_string(), "registry": {"timeoutMs": timeout_ms}});
    server.initialize(json!({"textDocument": {"completion": {"completionItem": {"snippetSupport": false}}}}), options);
    server.open(&uri, text, 1);
    (server, uri)
}

/// The 0-based (line, character) of the first `needle` in `text`, plus `shift` characters (ASCII text).
fn position(text: &str, needle: &str, shift: usize) -> Value {
    position_after(text, "", needle, shift)
}

/// Like [`position`], for the first `needle` after the first `after`.
fn position_after(text: &str, after: &str, needle: &str, shift: usize) -> Value {
    let from = text.find(after).unwrap_or_else(|| panic!("no {after:?}"));
    let offset = from + text[from..].find(needle).unwrap_or_else(|| panic!("no {needle:?}")) + shift;
    let line = text[..offset].matches('\n').count();
    let character = offset - text[..offset].rfind('\n').map_or(0, |it| it + 1);
    json!({"line": line, "character": character})
}

fn hover(server: &mut Server, uri: &str, at: Value) -> String {
    let result = server
        .request("textDocument/hover", json!({"textDocument": {"uri": uri}, "position": at}))
        .expect("hover answers");
    result["contents"]["value"].as_str().unwrap_or_else(|| panic!("no hover: {result:#}")).to_string()
}

/// The completion items at `at`, ordered by `sortText` as an editor shows them.
fn completion(server: &mut Server, uri: &str, at: Value) -> Vec<Value> {
    let result = server
        .request("textDocument/completion", json!({"textDocument": {"uri": uri}, "position": at}))
        .expect("completion answers");
    let mut items = result.as_array().cloned().unwrap_or_default();
    items.sort_by(|a, b| a["sortText"].as_str().cmp(&b["sortText"].as_str()));
    items
}

fn labels(items: &[Value]) -> Vec<&str> {
    items.iter().map(|it| it["label"].as_str().unwrap()).collect()
}

#[test]
fn hover_shows_the_remote_contract_its_digest_and_whether_it_satisfies_the_range() {
    if !available("the oci:// hover test") {
        return;
    }
    let registry = Registry::start();
    let dir = tempfile::tempdir().unwrap();
    publish(dir.path(), &registry, "2.3.0", &["2.3.0"]);
    let digest = served_digest(&registry, "2.3.0");
    let addr = &registry.addr;
    let text = format!(
        "pactoVersion: \"1.1\"\nservice: {{name: app, version: 1.0.0}}\ndependencies:\n  - name: ok\n    ref: \
         oci://{addr}/acme/db:2.3.0\n    compatibility: ^2.0.0\n  - name: old\n    ref: oci://{addr}/acme/db\n    \
         compatibility: \"^3.0.0\"\n  - name: range\n    ref: \"oci://{addr}/acme/db\"\n    compatibility: \
         ~2.3.0\npolicies:\n  - ref: oci://{addr}/acme/db:2.3.0\n"
    );
    let (mut server, uri) = open(dir.path(), &dir.path().join("cache"), 5000, &text);

    let shown = hover(&mut server, &uri, position(&text, "oci://", 8));
    assert!(shown.starts_with("**Remote contract** `db@2.3.0`"), "{shown}");
    assert!(shown.contains(&format!("Resolved: `{addr}/acme/db:2.3.0`")), "{shown}");
    assert!(shown.contains(&format!("Digest: `{digest}`")), "{shown}");
    assert!(shown.contains("Owner: my-team"), "{shown}");
    assert!(shown.contains("Interfaces: `api` (http)"), "{shown}");
    assert!(shown.contains("Compatibility: ✓ `2.3.0` satisfies `^2.0.0`"), "{shown}");
    // The key's own description follows the remote section.
    assert!(shown.contains("\n\n---\n\n"), "{shown}");

    let at = position(&text, &format!("oci://{addr}/acme/db\n"), 3);
    let shown = hover(&mut server, &uri, at);
    assert!(shown.starts_with("**No matching version**"), "{shown}");
    assert!(shown.contains("satisfies `^3.0.0`") && shown.contains("Published: `2.3.0`"), "{shown}");

    let at = position(&text, &format!("\"oci://{addr}/acme/db\""), 4);
    let shown = hover(&mut server, &uri, at);
    assert!(shown.contains(&format!("Resolved: `{addr}/acme/db:2.3.0`")), "{shown}");
    assert!(shown.contains("Compatibility: ✓ `2.3.0` satisfies `~2.3.0`"), "{shown}");

    let shown = hover(&mut server, &uri, position_after(&text, "policies:", "oci://", 2));
    assert!(shown.starts_with("**Remote contract** `db@2.3.0`") && !shown.contains("Compatibility"), "{shown}");
}

#[test]
fn hover_says_a_dependency_is_incompatible() {
    if !available("the oci:// incompatible hover test") {
        return;
    }
    let registry = Registry::start();
    let dir = tempfile::tempdir().unwrap();
    publish(dir.path(), &registry, "2.3.0", &["2.3.0"]);
    let text = format!(
        "pactoVersion: \"1.1\"\nservice: {{name: app, version: 1.0.0}}\ndependencies:\n  - name: db\n    ref: \
         oci://{}/acme/db:2.3.0\n    compatibility: ^3.0.0\n",
        registry.addr
    );
    let (mut server, uri) = open(dir.path(), &dir.path().join("cache"), 5000, &text);
    let shown = hover(&mut server, &uri, position(&text, "oci://", 10));
    assert!(shown.contains("Compatibility: ✗ `2.3.0` does not satisfy `^3.0.0`"), "{shown}");
}

#[test]
fn tags_complete_highest_first_with_the_compatible_ones_first_then_ranges_in_compatibility() {
    if !available("the oci:// completion test") {
        return;
    }
    let registry = Registry::start();
    let dir = tempfile::tempdir().unwrap();
    publish(dir.path(), &registry, "1.4.2", &["1.4.2"]);
    publish(dir.path(), &registry, "2.1.0", &["2.1.0"]);
    publish(dir.path(), &registry, "2.3.0", &["2.3.0", "latest"]);
    let addr = &registry.addr;
    // Half-typed: the ref ends in `:`, which is not valid YAML there.
    let text = format!(
        "pactoVersion: \"1.1\"\nservice: {{name: app, version: 1.0.0}}\ndependencies:\n  - name: db\n    ref: \
         oci://{addr}/acme/db:\n    compatibility: ^2.0.0\n  - name: other\n    ref: oci://{addr}/acme/db:2.3.0\n    \
         compatibility: \n"
    );
    let (mut server, uri) = open(dir.path(), &dir.path().join("cache"), 5000, &text);

    let tag_at = position(&text, "/acme/db:\n", "/acme/db:".len());
    let items = completion(&mut server, &uri, tag_at.clone());
    assert_eq!(labels(&items), ["2.3.0", "2.1.0", "1.4.2", "latest"], "{items:#?}");
    assert_eq!(items[0]["detail"], "satisfies `^2.0.0`");
    assert_eq!(items[2]["detail"], "does not satisfy `^2.0.0`");
    assert_eq!(items[0]["textEdit"], json!({"range": {"start": tag_at, "end": tag_at}, "newText": "2.3.0"}));

    let range_at = position(&text, "compatibility: \n", "compatibility: ".len());
    let items = completion(&mut server, &uri, range_at.clone());
    assert_eq!(labels(&items), ["^2.3.0", "~2.3.0", ">=2.0.0", "^2", "^1"], "{items:#?}");
    let inserted: Vec<&str> = items.iter().map(|it| it["textEdit"]["newText"].as_str().unwrap()).collect();
    assert_eq!(inserted, ["^2.3.0", "~2.3.0", "\">=2.0.0\"", "^2", "^1"]);
    assert_eq!(items[3]["detail"], "matches 2 published versions, newest 2.3.0");
}

#[test]
fn pin_to_digest_writes_the_digest_the_registry_serves_keeping_the_quotes() {
    if !available("the oci:// pin test") {
        return;
    }
    let registry = Registry::start();
    let dir = tempfile::tempdir().unwrap();
    publish(dir.path(), &registry, "2.3.0", &["2.3.0"]);
    let digest = served_digest(&registry, "2.3.0");
    let addr = &registry.addr;
    let text = format!(
        "pactoVersion: \"1.1\"\nservice: {{name: app, version: 1.0.0}}\ndependencies:\n  - name: db\n    ref: \
         &db \"oci://{addr}/acme/db:2.3.0\" # pinned soon\n  - name: gone\n    ref: oci://{addr}/acme/db:9.9.9\n"
    );
    let (mut server, uri) = open(dir.path(), &dir.path().join("cache"), 5000, &text);
    let diagnostics = server.diagnostics(&uri, 1);
    let tagged: Vec<&Value> = diagnostics.iter().filter(|it| it["code"] == "TAG_NOT_DIGEST").collect();
    assert_eq!(tagged.len(), 2, "{diagnostics:#?}");

    let action = |server: &mut Server, diagnostic: &Value| {
        server
            .request(
                "textDocument/codeAction",
                json!({"textDocument": {"uri": uri}, "range": diagnostic["range"],
                       "context": {"diagnostics": [diagnostic], "only": ["quickfix"]}}),
            )
            .expect("codeAction answers")
    };
    let offered = action(&mut server, tagged[0]);
    let pin = offered.as_array().unwrap().iter().find(|it| it["title"] == "Pin to digest").expect("a pin fix");
    let value_start = position(&text, "oci://", 0);
    let value_end = position(&text, "2.3.0\" #", 5);
    assert_eq!(
        pin["edit"]["changes"][&uri],
        json!([{"range": {"start": value_start, "end": value_end},
                "newText": format!("oci://{addr}/acme/db:2.3.0@{digest}")}])
    );
    assert_eq!(pin["isPreferred"], true);
    assert_eq!(pin["diagnostics"][0]["code"], "TAG_NOT_DIGEST");

    // A tag the registry does not have gets no pin.
    let offered = action(&mut server, tagged[1]);
    assert!(offered.as_array().unwrap().iter().all(|it| it["title"] != "Pin to digest"), "{offered:#}");
}

#[test]
fn definition_opens_the_pulled_contract_read_only_in_the_cache() {
    if !available("the oci:// definition test") {
        return;
    }
    let registry = Registry::start();
    let dir = tempfile::tempdir().unwrap();
    let pushed = publish(dir.path(), &registry, "2.3.0", &["2.3.0"]);
    let digest = served_digest(&registry, "2.3.0");
    let addr = &registry.addr;
    let text = format!(
        "pactoVersion: \"1.1\"\nservice: {{name: app, version: 1.0.0}}\ndependencies:\n  - name: db\n    ref: \
         oci://{addr}/acme/db:2.3.0\nconfigurations:\n  - name: shared\n    ref: oci://{addr}/acme/db@{digest}\n"
    );
    let cache = dir.path().join("cache");
    let (mut server, uri) = open(dir.path(), &cache, 5000, &text);
    let definition = |server: &mut Server, at: Value| {
        server
            .request("textDocument/definition", json!({"textDocument": {"uri": uri}, "position": at}))
            .expect("definition answers")
    };
    let expected: PathBuf = cache.join("contracts").join(digest.strip_prefix("sha256:").unwrap()).join("pacto.yaml");

    let found = definition(&mut server, position(&text, "oci://", 7));
    assert_eq!(found["uri"], file_uri(&expected), "{found:#}");
    assert_eq!(found["range"], json!({"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}));
    assert_eq!(std::fs::read(&expected).unwrap(), pushed.as_bytes());
    assert!(std::fs::metadata(&expected).unwrap().permissions().readonly());

    // A configuration ref lands on the remote configuration's schema.
    let found = definition(&mut server, position(&text, &format!("oci://{addr}/acme/db@"), 7));
    assert_eq!(found["uri"], file_uri(&expected), "{found:#}");
    let schema = position(&pushed, "configuration/schema.json", 0);
    assert_eq!(found["range"], json!({"start": schema, "end": schema}));
    assert_eq!(std::fs::read(&expected).unwrap(), pushed.as_bytes());
}

#[test]
fn hover_says_a_stopped_or_silent_registry_is_unreachable_within_the_timeout() {
    if !available("the unreachable registry hover test") {
        return;
    }
    let mut registry = Registry::start();
    let stopped = registry.addr.clone();
    registry.stop();
    // Accepts connections (the kernel does) but never answers.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_addr = silent.local_addr().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "pactoVersion: \"1.1\"\nservice: {{name: app, version: 1.0.0}}\ndependencies:\n  - name: down\n    ref: \
         oci://{stopped}/acme/db:1.0.0\n  - name: silent\n    ref: oci://{silent_addr}/acme/db:1.0.0\n"
    );
    let (mut server, uri) = open(dir.path(), &dir.path().join("cache"), 1000, &text);

    let started = Instant::now();
    let shown = hover(&mut server, &uri, position(&text, &format!("oci://{stopped}"), 7));
    assert!(started.elapsed() < Duration::from_millis(1500), "took {:?}", started.elapsed());
    assert!(shown.starts_with("**Registry unreachable**"), "{shown}");
    let port = stopped.rsplit(':').next().unwrap();
    assert!(shown.contains(port), "the registry is named: {shown}");

    let started = Instant::now();
    let shown = hover(&mut server, &uri, position(&text, &format!("oci://{silent_addr}"), 7));
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(900) && took < Duration::from_millis(1500), "took {took:?}");
    assert!(shown.starts_with("**Registry unreachable**"), "{shown}");
    assert!(shown.contains("did not answer within 1000 ms"), "{shown}");
    drop(silent);
}
