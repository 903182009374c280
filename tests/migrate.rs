//! Migrations (`core::migrate`) and `pacto-lsp migrate`.
//!
//! Properties over every valid 1.0 / 1.1 contract of `tests/fixtures/{rules,upstream}` and
//! `examples/`: the result, with the migration's new files in the bundle, validates under its target
//! version; migrating it again changes nothing; every comment line survives. Golden folders under
//! `tests/fixtures/migrate/NAME/` hold `before.yaml` (and any bundle files it references), the expected
//! `after.yaml` and `notes.txt`; a NAME ending in `-1.2` migrates to 1.2, any other to 2.0.
//! `UPDATE_EXPECT=1 cargo test --test migrate` rewrites the expectations.

use std::path::{Path, PathBuf};

use pacto_lsp::core::bundle::BundleRef;
use pacto_lsp::core::check::{Analysis, Environment, Options, analyze};
use pacto_lsp::core::date;
use pacto_lsp::core::finding::Severity;
use pacto_lsp::core::migrate::{self, Migration};
use pacto_lsp::core::schema::SchemaVersion;

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

/// Every valid 1.0 / 1.1 contract folder of the fixtures and examples.
fn sources() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    for group in ["tests/fixtures/rules", "tests/fixtures/upstream", "examples"] {
        for entry in std::fs::read_dir(root().join(group)).unwrap() {
            let dir = entry.unwrap().path();
            let Ok(text) = std::fs::read_to_string(dir.join("pacto.yaml")) else { continue };
            let (bundle, _) = pacto_lsp::fs::local(&dir, &root());
            let analysis = check(&text, &bundle);
            let old = matches!(analysis.version, Some(SchemaVersion::V1_0 | SchemaVersion::V1_1));
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
        for target in [SchemaVersion::V1_2, SchemaVersion::V2_0] {
            let label = format!("{} to {}", dir.display(), target.as_str());
            let (migration, after) = migrate_and_check(&text, &bundle, target, &label);
            assert!(!migration.is_empty(), "{label}");
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
