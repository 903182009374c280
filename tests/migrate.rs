//! Migrations (`core::migrate`) and `pacto-lsp migrate`.
//!
//! Properties over every valid 1.x contract of `tests/fixtures/{rules,upstream}` and `examples/`
//! (1.2 ones to 2.0 only): the result, with the migration's new files in the bundle, validates under its target
//! version; migrating it again changes nothing; every comment line survives. Golden folders under
//! `tests/fixtures/migrate/NAME/` hold `before.yaml` (and any bundle files it references), the expected
//! `after.yaml` and `notes.txt`; a NAME ending in `-1.2` migrates to 1.2, any other to 2.0.
//! `UPDATE_EXPECT=1 cargo test --test migrate` rewrites the expectations.

use std::path::{Path, PathBuf};

mod support;

use pacto_lsp::core::bundle::BundleRef;
use pacto_lsp::core::check::{Analysis, Environment, Options, analyze};
use pacto_lsp::core::date;
use pacto_lsp::core::finding::Severity;
use pacto_lsp::core::migrate::{self, Migration};
use pacto_lsp::core::schema::SchemaVersion;
use serde_json::{Value, json};
use support::lsp::{Server, copy_dir, file_uri};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn options() -> Options {
    Options {
        today: date::parse_strict("2026-11-22").unwrap(),
        readiness_gate: false,
        warn_days: 14,
        compatibility: Default::default(),
    }
}

fn check(text: &str, bundle: &BundleRef) -> Analysis {
    analyze(text, &options(), &Environment { bundle: Some(bundle), resolver: None })
}

fn errors(analysis: &Analysis) -> Vec<String> {
    let errors = analysis.findings.iter().filter(|it| it.severity == Severity::Error);
    errors.map(|it| format!("{} {} {}", it.code, it.path, it.message)).collect()
}

/// Every valid 1.x contract folder of the fixtures and examples.
fn sources() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    for group in ["tests/fixtures/rules", "tests/fixtures/upstream", "examples"] {
        for entry in std::fs::read_dir(root().join(group)).unwrap() {
            let dir = entry.unwrap().path();
            let Ok(text) = std::fs::read_to_string(dir.join("pacto.yaml")) else { continue };
            let (bundle, _) = pacto_lsp::fs::local(&dir, &root());
            let analysis = check(&text, &bundle);
            let old = matches!(analysis.version, Some(SchemaVersion::V1_0 | SchemaVersion::V1_1 | SchemaVersion::V1_2));
            if old && !analysis.has_errors() {
                dirs.push(dir);
            }
        }
    }
    dirs.sort();
    dirs
}

/// Migrates, applies and re-checks one contract; returns the new text.
fn migrate_and_check(text: &str, bundle: &BundleRef, target: SchemaVersion, label: &str) -> (Migration, String) {
    let migration = migrate::migrate(text, target).unwrap_or_else(|it| panic!("{label}: {it}"));
    let after = migration.apply(text);
    let analysis = check(&after, &migrate::with_new_files(bundle, &migration.new_files));
    assert_eq!(analysis.version, Some(target), "{label}");
    assert!(errors(&analysis).is_empty(), "{label} to {}:\n{after}\n{:#?}", target.as_str(), errors(&analysis));
    (migration, after)
}

#[test]
fn valid_contracts_migrate_to_valid_contracts() {
    let sources = sources();
    assert!(sources.len() >= 15, "{sources:?}");
    for dir in sources {
        let text = std::fs::read_to_string(dir.join("pacto.yaml")).unwrap();
        let (bundle, _) = pacto_lsp::fs::local(&dir, &root());
        let is_1_2 = text.contains("pactoVersion: \"1.2\"");
        for target in
            [SchemaVersion::V1_2, SchemaVersion::V2_0].into_iter().filter(|it| !is_1_2 || *it == SchemaVersion::V2_0)
        {
            let label = format!("{} to {}", dir.display(), target.as_str());
            let (migration, after) = migrate_and_check(&text, &bundle, target, &label);
            assert!(!migration.is_empty(), "{label}");
            // Sorted, disjoint edits, no two at one offset (their order would be unspecified in an editor).
            for pair in migration.edits.windows(2) {
                assert!(pair[0].0.end <= pair[1].0.start && pair[0].0.start < pair[1].0.start, "{label}");
            }
            // Migrating the result again changes nothing.
            let again = migrate::migrate(&after, target).unwrap();
            assert!(again.is_empty(), "{label}: {again:?}");
            // Every comment line of the input is still there.
            for line in text.lines().map(str::trim).filter(|it| it.starts_with('#')) {
                assert!(after.contains(line), "{label}: lost comment {line:?}");
            }
            // Each dropped field is still in the text, as a comment.
            assert_eq!(migration.dropped.is_empty(), target == SchemaVersion::V1_2 || !after.contains("# not in"));
        }
    }
}

#[test]
fn the_migration_is_minimal() {
    let text = std::fs::read_to_string(root().join("examples/payments-api/pacto.yaml")).unwrap();
    let migration = migrate::to_2_0(&text).unwrap();
    let after = migration.apply(&text);
    // Whatever precedes the first edit and follows the last is untouched.
    let first = migration.edits.first().unwrap().0.start;
    assert!(after.starts_with(&text[..first]));
    assert!(after.ends_with("metadata:\n  tier: critical\n  cost-center: fin-042\n"));
    // Edits are sorted and disjoint.
    for pair in migration.edits.windows(2) {
        assert!(pair[0].0.end <= pair[1].0.start);
    }
    assert_eq!(
        migration.dropped,
        [
            "service.image",
            "interfaces[0].port",
            "interfaces[1].port",
            "interfaces[3].port",
            "runtime.lifecycle",
            "runtime.health.initialDelaySeconds",
            "scaling"
        ]
    );
    let files: Vec<&str> = migration.new_files.iter().map(|it| it.path.as_str()).collect();
    assert_eq!(files, ["interfaces/ledger.grpc.yaml", "interfaces/admin.openapi.yaml"]);
}

#[test]
fn readiness_expires_is_the_earliest_check_expiry() {
    let text = "pactoVersion: \"1.1\"\nservice:\n  name: a\n  version: 1.0.0\nreadiness:\n  checks:\n    - id: one\n      type: url\n      evidence: https://a.example\n      weight: 50\n      expires: \"2027-03-01\"\n    - expires: 2026-12-31\n      id: two\n      type: ticket\n      evidence: T-1\n      weight: 50\n";
    let migration = migrate::upgrade_readiness_to_1_2(text).unwrap();
    assert_eq!(
        migration.apply(text),
        "pactoVersion: \"1.2\"\nservice:\n  name: a\n  version: 1.0.0\nreadiness:\n  expires: \"2026-12-31\"\n  checks:\n    - id: one\n      type: url\n      evidence: https://a.example\n      weight: 50\n      status: done  # 1.1 expires: \"2027-03-01\"\n    - status: done  # 1.1 expires: 2026-12-31\n      id: two\n      type: ticket\n      evidence: T-1\n      weight: 50\n"
    );
    assert!(migration.dropped.is_empty());
}

#[test]
fn a_new_descriptor_ref_is_written_in_the_quotes_of_the_old_value() {
    let head = "pactoVersion: \"1.1\"\nservice:\n  name: db\n  version: 1.0.0\n  owner: team/db\ninterfaces:\n  - name: sql\n    type: grpc\n    port: 5432\n";
    for (contract, expected) in [
        ("contract: 'it''s'", "ref: 'it''s.grpc.yaml'"),
        ("contract: \"say \\\"hi\\\"\"", "ref: \"say \\\"hi\\\".grpc.yaml\""),
        ("contract: api.proto", "ref: api.grpc.yaml"),
        ("contract: \"a\\u0085'b\"", "ref: \"a\\u0085'b.grpc.yaml\""),
    ] {
        let text = format!("{head}    {contract}\n");
        let migration = migrate::to_2_0(&text).unwrap_or_else(|it| panic!("{contract}: {it}"));
        let after = migration.apply(&text);
        assert!(after.contains(&format!("    {expected}\n")), "{contract}:\n{after}");
        let parsed = pacto_lsp::core::yaml::parse(&after);
        assert!(parsed.problems.is_empty(), "{contract}: {:?}\n{after}", parsed.problems);
        let path = migration.new_files.iter().map(|it| it.path.clone()).next().unwrap();
        let reference = parsed.tree.document_json().unwrap()["interfaces"][0]["ref"].clone();
        assert_eq!(reference, serde_json::Value::String(path), "{contract}");
    }
}

#[test]
fn refusals_say_why() {
    let cases = [
        ("pactoVersion: \"2.0\"\nservice: {name: a, version: 1}\n", SchemaVersion::V1_2, "newer than 1.2"),
        ("service:\n  name: a\n", SchemaVersion::V2_0, "no `pactoVersion`"),
        ("pactoVersion: \"9.9\"\n", SchemaVersion::V2_0, "not a version"),
        ("pactoVersion: [\n", SchemaVersion::V2_0, "not valid YAML"),
        ("- a\n", SchemaVersion::V2_0, "not a YAML mapping"),
        ("{pactoVersion: \"1.0\"}\n", SchemaVersion::V2_0, "flow style"),
        (
            "pactoVersion: \"1.0\"\nruntime: {workload: service}\n",
            SchemaVersion::V2_0,
            "`runtime` is written in flow style",
        ),
    ];
    for (text, target, reason) in cases {
        let error = migrate::migrate(text, target).unwrap_err();
        assert!(error.contains(reason), "{text:?}: {error}");
    }
    let already = migrate::to_2_0("pactoVersion: \"2.0\"\n").unwrap();
    assert!(already.is_empty());
    assert_eq!(already.notes, ["the contract is already pactoVersion 2.0"]);
}

#[test]
fn crlf_contracts_keep_their_line_endings() {
    let text = "pactoVersion: '1.0'\r\nservice:\r\n  name: a\r\n  version: 1.0.0\r\n  owner: team/a\r\nruntime:\r\n  workload: service\r\n  state:\r\n    type: stateless\r\n    persistence:\r\n      scope: local\r\n      durability: ephemeral\r\n    dataCriticality: low\r\n";
    let after = migrate::to_2_0(text).unwrap().apply(text);
    assert_eq!(
        after,
        "pactoVersion: '2.0'\r\nservice:\r\n  name: a\r\n  version: 1.0.0\r\n  owner:\r\n    team: team/a\r\nworkload: service\r\n\r\nstate:\r\n  type: stateless\r\n  persistence:\r\n    scope: local\r\n    durability: ephemeral\r\n  dataCriticality: low\r\n"
    );
}

// Golden folders.

fn golden_cases() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root().join("tests/fixtures/migrate"))
        .unwrap()
        .map(|it| it.unwrap().path())
        .filter(|it| it.join("before.yaml").is_file())
        .collect();
    dirs.sort();
    dirs
}

fn expect(path: &Path, actual: &str, failures: &mut Vec<String>) {
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(path).unwrap_or_default();
    if expected != actual {
        failures.push(format!("{}:\n--- expected\n{expected}--- actual\n{actual}", path.display()));
    }
}

fn report(migration: &Migration) -> String {
    let mut out = String::new();
    for dropped in &migration.dropped {
        out.push_str(&format!("dropped: {dropped}\n"));
    }
    for note in &migration.notes {
        out.push_str(&format!("note: {note}\n"));
    }
    for file in &migration.new_files {
        out.push_str(&format!("new file: {}\n{}", file.path, file.content));
    }
    out
}

#[test]
fn golden_migrations() {
    let cases = golden_cases();
    assert!(cases.len() >= 5);
    let mut failures = Vec::new();
    for dir in cases {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let target = match name.ends_with("-1.2") {
            true => SchemaVersion::V1_2,
            false => SchemaVersion::V2_0,
        };
        let text = std::fs::read_to_string(dir.join("before.yaml")).unwrap();
        let (bundle, _) = pacto_lsp::fs::local(&dir, &root());
        assert!(errors(&check(&text, &bundle)).is_empty(), "{name}: before.yaml must be valid");
        let (migration, after) = migrate_and_check(&text, &bundle, target, &name);
        assert!(migrate::migrate(&after, target).unwrap().is_empty(), "{name}");
        expect(&dir.join("after.yaml"), &after, &mut failures);
        expect(&dir.join("notes.txt"), &report(&migration), &mut failures);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// The command line.

fn run_in(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_pacto-lsp"))
        .args(args)
        .current_dir(dir)
        .env("PACTO_TODAY", "2026-11-22")
        .output()
        .unwrap();
    let text = |bytes: Vec<u8>| String::from_utf8(bytes).unwrap();
    (output.status.code().unwrap(), text(output.stdout), text(output.stderr))
}

fn payments_api() -> tempfile::TempDir {
    let temp = tempfile::tempdir().unwrap();
    copy_dir(&root().join("examples/payments-api"), &temp.path().join("payments-api"));
    temp
}

#[test]
fn cli_prints_a_unified_diff_and_writes_nothing() {
    let temp = payments_api();
    let before = std::fs::read_to_string(temp.path().join("payments-api/pacto.yaml")).unwrap();
    let (code, out, err) = run_in(temp.path(), &["migrate", "payments-api", "--to", "2.0"]);
    assert_eq!((code, err.as_str()), (0, ""), "{out}");
    assert!(out.starts_with("payments-api/pacto.yaml: migrates to pactoVersion 2.0\n  dropped (kept as comments): service.image, interfaces[0].port, interfaces[1].port, interfaces[3].port, runtime.lifecycle, runtime.health.initialDelaySeconds, scaling\n"), "{out}");
    assert!(
        out.contains("--- a/payments-api/pacto.yaml\n+++ b/payments-api/pacto.yaml\n@@ -1,5 +1,5 @@\n # The contract"),
        "{out}"
    );
    assert!(out.contains("-pactoVersion: \"1.1\"\n+pactoVersion: \"2.0\"\n"), "{out}");
    assert!(
        out.contains("--- /dev/null\n+++ b/payments-api/interfaces/admin.openapi.yaml\n@@ -0,0 +1,7 @@\n"),
        "{out}"
    );
    assert!(
        out.ends_with("would migrate 1 of 1 contract to pactoVersion 2.0; 0 already there; 0 cannot be migrated\n")
    );
    assert_eq!(std::fs::read_to_string(temp.path().join("payments-api/pacto.yaml")).unwrap(), before);
    assert!(!temp.path().join("payments-api/interfaces/admin.openapi.yaml").exists());
}

#[test]
fn cli_write_migrates_once_and_the_result_checks_clean() {
    let temp = payments_api();
    let (code, out, _) = run_in(temp.path(), &["migrate", "payments-api", "--to", "2.0", "--write"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains(
            "  created payments-api/interfaces/ledger.grpc.yaml\n  created payments-api/interfaces/admin.openapi.yaml\n"
        ),
        "{out}"
    );
    let written = std::fs::read_to_string(temp.path().join("payments-api/pacto.yaml")).unwrap();
    let golden = std::fs::read_to_string(root().join("tests/fixtures/migrate/payments-api/after.yaml")).unwrap();
    assert_eq!(written, golden);
    let descriptor = std::fs::read_to_string(temp.path().join("payments-api/interfaces/ledger.grpc.yaml")).unwrap();
    assert!(descriptor.contains("proto: \"interfaces/ledger.proto\"\n"));
    // No temporary file is left behind.
    let names: Vec<String> = std::fs::read_dir(temp.path().join("payments-api"))
        .unwrap()
        .map(|it| it.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    assert!(names.iter().all(|it| !it.starts_with('.')), "{names:?}");
    let (code, out, _) = run_in(temp.path(), &["check", "payments-api"]);
    assert_eq!(code, 0, "{out}");
    let (code, out, _) = run_in(temp.path(), &["migrate", "payments-api", "--to", "2.0", "--write"]);
    assert_eq!(code, 0);
    assert_eq!(
        out,
        "payments-api/pacto.yaml: already pactoVersion 2.0\nmigrated 0 of 1 contract to pactoVersion 2.0; 1 already there; 0 cannot be migrated\n"
    );
}

#[test]
fn cli_refuses_invalid_contracts_and_never_overwrites_files() {
    let temp = tempfile::tempdir().unwrap();
    copy_dir(&root().join("examples/broken-api"), &temp.path().join("broken"));
    let (code, out, _) = run_in(temp.path(), &["migrate", "broken", "--to", "2.0", "--write"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.starts_with("broken/pacto.yaml: cannot be migrated: it has errors; fix them first\n"), "{out}");
    assert!(out.contains("error[PORT_REQUIRED]"), "{out}");
    let original = std::fs::read_to_string(root().join("examples/broken-api/pacto.yaml")).unwrap();
    assert_eq!(std::fs::read_to_string(temp.path().join("broken/pacto.yaml")).unwrap(), original);

    let temp = payments_api();
    std::fs::write(temp.path().join("payments-api/interfaces/admin.openapi.yaml"), "mine\n").unwrap();
    let (code, out, _) = run_in(temp.path(), &["migrate", "payments-api", "--to", "2.0", "--write"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("cannot be migrated: `interfaces/admin.openapi.yaml` already exists in the bundle"), "{out}");
    let text = std::fs::read_to_string(temp.path().join("payments-api/interfaces/admin.openapi.yaml")).unwrap();
    assert_eq!(text, "mine\n");
    assert!(!temp.path().join("payments-api/interfaces/ledger.grpc.yaml").exists());
}

#[test]
fn cli_walks_a_repository_of_contracts() {
    let temp = tempfile::tempdir().unwrap();
    copy_dir(&root().join("examples/payments-api"), &temp.path().join("services/payments"));
    copy_dir(&root().join("tests/fixtures/migrate/readiness-1.2"), &temp.path().join("services/deep/readiness"));
    std::fs::rename(
        temp.path().join("services/deep/readiness/before.yaml"),
        temp.path().join("services/deep/readiness/pacto.yaml"),
    )
    .unwrap();
    copy_dir(&root().join("examples/payments-api"), &temp.path().join(".hidden/skipped"));
    let (code, out, _) = run_in(temp.path(), &["migrate", "--to", "1.2"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("services/deep/readiness/pacto.yaml: migrates to pactoVersion 1.2\n"), "{out}");
    assert!(out.contains("services/payments/pacto.yaml: migrates to pactoVersion 1.2\n"), "{out}");
    assert!(!out.contains(".hidden"), "{out}");
    assert!(
        out.ends_with("would migrate 2 of 2 contracts to pactoVersion 1.2; 0 already there; 0 cannot be migrated\n")
    );
}

#[test]
fn cli_usage_errors() {
    let temp = tempfile::tempdir().unwrap();
    for (args, message) in [
        (&["migrate", "."][..], "error: `--to 1.2` or `--to 2.0` is required\n"),
        (&["migrate", ".", "--to", "3.0"][..], "error: `--to 3.0`: the target is `1.2` or `2.0`\n"),
        (&["migrate", "missing", "--to", "2.0"][..], "error: missing: no such file or folder\n"),
        (&["migrate", ".", "--to", "2.0"][..], "error: .: no pacto.yaml in this folder or below it\n"),
    ] {
        let (code, out, err) = run_in(temp.path(), args);
        assert_eq!((code, out.as_str(), err.as_str()), (2, "", message), "{args:?}");
    }
}

// The code actions, over stdio.

/// The client's side of a `documentChanges` edit: files created and written, the contract's edits
/// sent as one change each, last first (so earlier ranges stay valid).
fn apply_document_changes(server: &mut Server, uri: &str, changes: &[Value], version: i64) {
    for change in changes {
        if change["kind"] == "create" {
            continue;
        }
        let target = change["textDocument"]["uri"].as_str().unwrap();
        if target == uri {
            assert_eq!(change["textDocument"]["version"], version - 1);
            let mut edits = change["edits"].as_array().unwrap().clone();
            edits.reverse();
            let edits: Vec<Value> =
                edits.iter().map(|it| json!({"range": it["range"], "text": it["newText"]})).collect();
            server.change(uri, version, Value::Array(edits));
        } else {
            let path = target.strip_prefix("file://").unwrap();
            assert!(!Path::new(path).exists(), "{path} is created, never overwritten");
            std::fs::write(path, change["edits"][0]["newText"].as_str().unwrap()).unwrap();
        }
    }
}

/// Applies LSP edits (ASCII text, so characters are bytes) to a string.
fn apply_locally(text: &str, edits: &[Value]) -> String {
    let starts: Vec<usize> = std::iter::once(0).chain(text.match_indices('\n').map(|(at, _)| at + 1)).collect();
    let offset =
        |at: &Value| starts[at["line"].as_u64().unwrap() as usize] + at["character"].as_u64().unwrap() as usize;
    let mut out = text.to_string();
    for edit in edits.iter().rev() {
        let range = offset(&edit["range"]["start"])..offset(&edit["range"]["end"]);
        out.replace_range(range, edit["newText"].as_str().unwrap());
    }
    out
}

fn source_actions(server: &mut Server, uri: &str, only: &str) -> Vec<Value> {
    let params = json!({
        "textDocument": {"uri": uri},
        "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
        "context": {"diagnostics": [], "only": [only]}
    });
    server.request("textDocument/codeAction", params).unwrap().as_array().unwrap().clone()
}

#[test]
fn code_actions_migrate_over_stdio_and_create_the_spec_files() {
    let temp = payments_api();
    let file = temp.path().join("payments-api/pacto.yaml");
    let uri = file_uri(&file);
    let text = std::fs::read_to_string(&file).unwrap();
    let mut server = Server::start_with_env(&[("PACTO_TODAY", "2026-11-22")]);
    server.initialize(CREATES_FILES.clone(), Value::Null);
    server.open(&uri, &text, 1);
    server.diagnostics(&uri, 1);
    let actions = source_actions(&mut server, &uri, "source");
    let titles: Vec<&str> = actions.iter().filter_map(|it| it["title"].as_str()).collect();
    assert_eq!(
        titles,
        [
            "Upgrade readiness to 1.2",
            "Migrate to pactoVersion 2.0 (keeps as comments: service.image, interfaces[].port, runtime.lifecycle, runtime.health.initialDelaySeconds, scaling; creates interfaces/ledger.grpc.yaml, interfaces/admin.openapi.yaml)"
        ]
    );
    assert!(actions.iter().all(|it| it["kind"] == "source.migrate.pacto"));
    // Asking for the migration kind alone, or for quick fixes only.
    assert_eq!(source_actions(&mut server, &uri, "source.migrate").len(), 2);
    assert_eq!(source_actions(&mut server, &uri, "quickfix").len(), 0);

    let changes = actions[1]["edit"]["documentChanges"].as_array().unwrap().clone();
    let kinds: Vec<String> = changes
        .iter()
        .map(|it| match it["kind"].as_str() {
            Some(kind) => format!("{kind} {}", it["uri"].as_str().unwrap().rsplit('/').next().unwrap()),
            None => format!("edit {}", it["textDocument"]["uri"].as_str().unwrap().rsplit('/').next().unwrap()),
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "create ledger.grpc.yaml",
            "edit ledger.grpc.yaml",
            "create admin.openapi.yaml",
            "edit admin.openapi.yaml",
            "edit pacto.yaml"
        ]
    );
    assert_eq!(changes[0]["options"], json!({"overwrite": false, "ignoreIfExists": false}));
    apply_document_changes(&mut server, &uri, &changes, 2);
    let diagnostics = server.diagnostics(&uri, 2);
    let errors: Vec<&Value> = diagnostics.iter().filter(|it| it["severity"] == 1).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // The same text as the command line writes; and nothing more to migrate.
    let golden = std::fs::read_to_string(root().join("tests/fixtures/migrate/payments-api/after.yaml")).unwrap();
    assert_eq!(apply_locally(&text, changes.last().unwrap()["edits"].as_array().unwrap()), golden);
    let result =
        server.request("workspace/executeCommand", json!({"command": "pacto.validate", "arguments": [uri]})).unwrap();
    assert_eq!(result["valid"], true, "{result:#}");
    assert!(source_actions(&mut server, &uri, "source.migrate").is_empty());
    assert_eq!(server.shutdown_and_exit().code(), Some(0));
}

#[test]
fn a_migration_that_would_overwrite_a_file_is_disabled() {
    let temp = payments_api();
    std::fs::write(temp.path().join("payments-api/interfaces/admin.openapi.yaml"), "mine\n").unwrap();
    let file = temp.path().join("payments-api/pacto.yaml");
    let uri = file_uri(&file);
    let mut server = Server::start();
    server.initialize(CREATES_FILES.clone(), Value::Null);
    server.open(&uri, &std::fs::read_to_string(&file).unwrap(), 1);
    server.diagnostics(&uri, 1);
    let actions = source_actions(&mut server, &uri, "source.migrate.pacto");
    assert_eq!(
        actions[1]["disabled"]["reason"],
        "`interfaces/admin.openapi.yaml` already exists in the bundle; run `pacto-lsp migrate --to 2.0 --write` instead"
    );
    assert_eq!(actions[0]["disabled"], Value::Null);
    assert_eq!(server.shutdown_and_exit().code(), Some(0));
}

#[test]
fn a_migration_that_creates_files_is_disabled_for_a_client_that_cannot_create_them() {
    let temp = payments_api();
    let file = temp.path().join("payments-api/pacto.yaml");
    let uri = file_uri(&file);
    let mut server = Server::start();
    server.initialize(json!({}), Value::Null);
    server.open(&uri, &std::fs::read_to_string(&file).unwrap(), 1);
    server.diagnostics(&uri, 1);
    let actions = source_actions(&mut server, &uri, "source.migrate.pacto");
    assert_eq!(
        actions[1]["disabled"]["reason"],
        "it creates spec files, which this editor cannot do; run `pacto-lsp migrate --to 2.0 --write` instead"
    );
    assert_eq!(actions[0]["disabled"], Value::Null, "the readiness upgrade creates no file");
    assert_eq!(server.shutdown_and_exit().code(), Some(0));
}

/// Client capabilities that let workspace edits create files.
static CREATES_FILES: std::sync::LazyLock<Value> = std::sync::LazyLock::new(
    || json!({"workspace": {"workspaceEdit": {"documentChanges": true, "resourceOperations": ["create"]}}}),
);

// Diff rules for 2.0 and across the format change.

fn diff_dir(dir: &Path, old: &str, new: &str) -> (String, String, pacto_lsp::core::diff::Diff) {
    let old_text = std::fs::read_to_string(dir.join(old)).unwrap();
    let new_text = std::fs::read_to_string(dir.join(new)).unwrap();
    let (bundle, _) = pacto_lsp::fs::local(dir, &root());
    let result = pacto_lsp::core::diff::diff(
        &pacto_lsp::core::diff::Version { text: &old_text, bundle: Some(&*bundle.files) },
        &pacto_lsp::core::diff::Version { text: &new_text, bundle: Some(&*bundle.files) },
    );
    (old_text, new_text, result)
}

#[test]
fn a_migration_diffs_as_a_format_change_only() {
    use pacto_lsp::core::diff::Classification;
    let dir = root().join("tests/fixtures/migrate/upstream-migration-guide");
    let (_, _, result) = diff_dir(&dir, "before.yaml", "after.yaml");
    assert_eq!(result.changes.len(), 1, "{:#?}", result.changes);
    let change = &result.changes[0];
    assert_eq!((change.path.as_str(), change.classification), ("pactoVersion", Classification::NonBreaking));
    assert_eq!(
        change.reason,
        "the contract format changed from 1.1 to 2.0: the old version is compared in the 2.0 shape (runtime.workload and runtime.state as workload and state, health and metrics as capabilities, contract as ref); 2.0 has no place for service.image, runtime.lifecycle, interfaces[].port, scaling, so they are not compared"
    );
    // Back from 2.0 to 1.1 nothing is reshaped: every moved field is a change.
    let (_, _, back) = diff_dir(&dir, "after.yaml", "before.yaml");
    assert!(back.changes.iter().any(|it| it.path == "runtime.workload"), "{:#?}", back.changes);
}

#[test]
fn capabilities_compare_as_a_set_and_removals_point_at_the_old_item() {
    use pacto_lsp::core::diff::{ChangeType, Side};
    let dir = root().join("tests/fixtures/diff/v2-capabilities-set");
    let (old_text, new_text, result) = diff_dir(&dir, "old/pacto.yaml", "new/pacto.yaml");
    let summary: Vec<(&str, ChangeType)> = result.changes.iter().map(|it| (it.path.as_str(), it.change_type)).collect();
    // The reordered metrics capability (keys in another order too) is not a change.
    assert_eq!(
        summary,
        [("capabilities[health]", ChangeType::Removed), ("capabilities[extension:acme.com/backup]", ChangeType::Added)]
    );
    assert_eq!(result.changes[0].side, Side::Old);
    assert_eq!(&old_text[result.changes[0].span.clone()], "type");
    assert_eq!(&new_text[result.changes[1].span.clone()], "type");
    assert_eq!(new_text[..result.changes[1].span.start].matches('\n').count(), 21);
}
