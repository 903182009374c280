//! The diff engine and `pacto-lsp diff`.
//!
//! Every folder under `tests/fixtures/diff/` holds two bundles, `old/` and `new/`. The binary's
//! output for `pacto-lsp diff old new` (run inside the folder) is compared with `expected.txt`
//! (text format, then the exit code) and `expected.json` (JSON format, with ranges and sides).
//! `UPDATE_EXPECT=1 cargo test --test diff` rewrites the expectations.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use pacto_lsp::core::bundle::MemoryBundle;
use pacto_lsp::core::diff::{self, ChangeType, Classification, RULES, Side, Version};
use proptest::prelude::*;

#[path = "support/props.rs"]
mod props;
use props::config;

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/diff")
}

fn cases() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(fixtures_dir())
        .unwrap()
        .map(|it| it.unwrap().path())
        .filter(|it| it.join("old").is_dir() && it.join("new").is_dir())
        .collect();
    dirs.sort();
    dirs
}

fn run_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pacto-lsp")).args(args).current_dir(dir).output().unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

/// Compares `actual` with the file, or rewrites the file under `UPDATE_EXPECT=1`.
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

#[test]
fn fixtures_match_expectations() {
    let mut failures = Vec::new();
    for dir in cases() {
        let text = run_in(&dir, &["diff", "old", "new"]);
        let code = text.status.code().unwrap();
        expect(&dir.join("expected.txt"), &format!("{}exit: {code}\n", stdout(&text)), &mut failures);
        let json = run_in(&dir, &["diff", "old", "new", "--format", "json"]);
        assert_eq!(json.status.code(), Some(code), "{}", dir.display());
        expect(&dir.join("expected.json"), &stdout(&json), &mut failures);
    }
    assert!(failures.is_empty(), "{} fixtures differ:\n{}", failures.len(), failures.join("\n"));
}

/// The changes of one fixture, computed in-process.
fn changes_of(dir: &Path) -> Vec<diff::Change> {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (old_bundle, _) = pacto_lsp::fs::local(&dir.join("old"), workspace);
    let (new_bundle, _) = pacto_lsp::fs::local(&dir.join("new"), workspace);
    let old_text = std::fs::read_to_string(dir.join("old/pacto.yaml")).unwrap();
    let new_text = std::fs::read_to_string(dir.join("new/pacto.yaml")).unwrap();
    let result = diff::diff(
        &Version { text: &old_text, bundle: Some(&*old_bundle.files) },
        &Version { text: &new_text, bundle: Some(&*new_bundle.files) },
    );
    result.changes
}

/// Every row of the rule table is exercised by some fixture, with the classification it lists.
#[test]
fn every_rule_has_a_fixture() {
    let mut seen = BTreeSet::new();
    for dir in cases() {
        for change in changes_of(&dir) {
            seen.insert((change.rule.clone(), change.change_type, change.classification));
        }
    }
    let missing: Vec<String> = RULES
        .iter()
        .filter(|row| !seen.contains(&(row.rule.to_string(), row.change_type, row.classification)))
        .map(|row| format!("{} {}", row.rule, row.change_type.as_str()))
        .collect();
    assert!(missing.is_empty(), "rules without a fixture: {missing:#?}");
}

/// Unlisted changes default to POTENTIAL_BREAKING, metadata is ignored, and unchanged bundles say so.
#[test]
fn defaults_metadata_and_no_changes() {
    let unlisted = changes_of(&fixtures_dir().join("unlisted-change"));
    assert_eq!(unlisted.len(), 1);
    assert_eq!(unlisted[0].path, "runtime.state.dataCriticality");
    assert_eq!(unlisted[0].change_type, ChangeType::Removed);
    assert_eq!(unlisted[0].classification, Classification::PotentialBreaking);
    assert_eq!(unlisted[0].side, Side::Old);
    assert!(changes_of(&fixtures_dir().join("metadata-not-compared")).is_empty());
    let none = run_in(&fixtures_dir().join("no-changes"), &["diff", "old", "new"]);
    assert_eq!(stdout(&none), "Classification: NON_BREAKING\nNo changes detected.\n");
    assert_eq!(none.status.code(), Some(0));
}

/// A property named `required` is a name, not the `required` keyword.
#[test]
fn a_property_named_required_is_not_the_keyword() {
    let changes = changes_of(&fixtures_dir().join("schema-property-named-required"));
    assert_eq!(changes.len(), 1, "{changes:#?}");
    assert_eq!(changes[0].path, "schema.properties.required");
    assert_eq!(changes[0].classification, Classification::PotentialBreaking);
}

/// Spans point into the right version's text: a removal at the old key, a file change at the reference.
#[test]
fn spans_point_at_the_change() {
    let dir = fixtures_dir().join("interfaces-added-removed");
    let old_text = std::fs::read_to_string(dir.join("old/pacto.yaml")).unwrap();
    let new_text = std::fs::read_to_string(dir.join("new/pacto.yaml")).unwrap();
    let changes = changes_of(&dir);
    let removed = changes.iter().find(|it| it.change_type == ChangeType::Removed).unwrap();
    assert_eq!((removed.path.as_str(), removed.side), ("interfaces[events]", Side::Old));
    assert_eq!(&old_text[removed.span.clone()], "name");
    let added = changes.iter().find(|it| it.change_type == ChangeType::Added).unwrap();
    assert_eq!((added.path.as_str(), added.side), ("interfaces[rpc]", Side::New));
    assert_eq!(&new_text[added.span.clone()], "name");

    let dir = fixtures_dir().join("openapi-paths");
    let new_text = std::fs::read_to_string(dir.join("new/pacto.yaml")).unwrap();
    let changes = changes_of(&dir);
    let path = changes.iter().find(|it| it.path == "openapi.paths[/carts]").unwrap();
    assert_eq!(&new_text[path.span.clone()], "interfaces/openapi.yaml");
    let removed = changes.iter().find(|it| it.path == "openapi.paths[/orders/{id}]").unwrap();
    assert_eq!(removed.side, Side::Old);
    assert_eq!(removed.classification, Classification::Breaking);
}

#[test]
fn markdown_format() {
    let dir = fixtures_dir().join("interface-port-modified");
    let output = run_in(&dir, &["diff", "old", "new", "--format", "markdown"]);
    assert_eq!(
        stdout(&output),
        "## Contract Diff\n\n**Classification:** `BREAKING`\n\n### Changes (1)\n\n\
         | Classification | Path | Type | Reason | Old | New |\n|---|---|---|---|---|---|\n\
         | BREAKING | `interfaces[api].port` | modified | interfaces[api].port modified | `8080` | `8081` |\n\n"
    );
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&output.stderr), "breaking changes detected\n");
    let none = run_in(&fixtures_dir().join("no-changes"), &["diff", "old", "new", "--format", "markdown"]);
    assert_eq!(stdout(&none), "## Contract Diff\n\n**Classification:** `NON_BREAKING`\n\nNo changes detected.\n");
}

#[test]
fn contract_files_are_accepted_and_bad_inputs_exit_2() {
    let dir = fixtures_dir().join("scaling-min-max");
    let files = run_in(&dir, &["diff", "old/pacto.yaml", "new/pacto.yaml"]);
    assert_eq!(files.status.code(), Some(0));
    assert!(stdout(&files).starts_with("Classification: POTENTIAL_BREAKING\nChanges (2):\n"));
    for (args, message) in [
        (vec!["diff", "old"], "error: `diff` takes two paths"),
        (vec!["diff", "old", "new", "--format", "xml"], "error: --format takes `text`, `json` or `markdown`"),
        (vec!["diff", "old", "missing"], "error: missing: no such file"),
        (vec!["diff", "old", "bundle.tar.gz"], "error: bundle.tar.gz: no such file"),
        (vec!["diff", "old", "old/pacto.yaml.tgz"], "error: old/pacto.yaml.tgz: no such file"),
        // An `oci://` ref is pulled (tests/oci.rs); one that cannot be parsed fails before any network call.
        (vec!["diff", "oci://ghcr.io", "new"], "error: oci://ghcr.io: invalid OCI reference: missing repository"),
        (vec!["diff", "old/interfaces", "new"], "error: old/interfaces: no pacto.yaml in this directory"),
    ] {
        let output = run_in(&dir, &args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.starts_with(message), "{args:?}: {stderr}");
        assert!(output.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn packed_bundles_diff_like_their_folders() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = fixtures_dir().join("interface-port-modified");
    for side in ["old", "new"] {
        let archive = dir.path().join(format!("{side}.tar.gz"));
        let packed = run_in(&fixture, &["pack", side, "-o", archive.to_str().unwrap()]);
        assert_eq!(packed.status.code(), Some(0), "{}", String::from_utf8_lossy(&packed.stderr));
    }
    let folders = run_in(&fixture, &["diff", "old", "new"]);
    let archives = run_in(dir.path(), &["diff", "old.tar.gz", "new.tar.gz"]);
    assert_eq!(archives.status.code(), folders.status.code());
    assert_eq!(stdout(&archives), stdout(&folders));
    assert!(stdout(&archives).starts_with("Classification: BREAKING\n"), "{}", stdout(&archives));
    // An archive against a folder works too; a file that is not a packed bundle is a clear error.
    let mixed = run_in(&fixture, &["diff", dir.path().join("old.tar.gz").to_str().unwrap(), "new"]);
    assert_eq!(stdout(&mixed), stdout(&folders));
    std::fs::write(dir.path().join("fake.tar.gz"), "not gzip").unwrap();
    let fake = run_in(dir.path(), &["diff", "fake.tar.gz", "new.tar.gz"]);
    assert_eq!(fake.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&fake.stderr).starts_with("error: fake.tar.gz: "));
}

// Property tests: any texts on both sides, spans always inside their side's text.

const BASE: &str = include_str!("fixtures/diff/no-changes/old/pacto.yaml");
const OPENAPI: &str = include_str!("fixtures/diff/no-changes/old/interfaces/openapi.yaml");
const SCHEMA: &str = include_str!("fixtures/diff/no-changes/old/configuration/schema.json");

const SNIPPETS: &[&str] = &[
    "\n",
    " ",
    "  ",
    ":",
    "- ",
    "name: ",
    "api",
    "é",
    "😀",
    "\"",
    "'",
    "&a ",
    "*a",
    "<<: ",
    "{",
    "}",
    "[",
    "]",
    ",",
    "#",
    "---\n",
    "port: ",
    "8080",
    "null",
    "~",
    "interfaces:\n",
    "  - name: x\n",
    "scaling:\n",
    "replicas: 2",
    "contract: interfaces/openapi.yaml",
    "schema: configuration/schema.json",
    "\r\n",
    "\t",
    "!!str ",
    "|\n",
];

fn mutate(base: &'static str) -> impl Strategy<Value = String> {
    let edit = (0..=base.len(), 0usize..40, proptest::sample::select(SNIPPETS));
    proptest::collection::vec(edit, 0..8).prop_map(move |edits| {
        let mut text = base.to_string();
        for (at, remove, insert) in edits {
            let mut start = at.min(text.len());
            while !text.is_char_boundary(start) {
                start -= 1;
            }
            let mut end = (start + remove).min(text.len());
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            text.replace_range(start..end, insert);
        }
        text
    })
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        mutate(BASE),
        mutate(BASE),
        proptest::collection::vec(proptest::sample::select(SNIPPETS), 0..200).prop_map(|it| it.concat()),
        proptest::collection::vec(any::<u8>(), 0..500).prop_map(|it| String::from_utf8_lossy(&it).into_owned()),
    ]
}

fn check_spans(old: &str, new: &str, old_files: &MemoryBundle, new_files: &MemoryBundle) -> Result<(), TestCaseError> {
    let result =
        diff::diff(&Version { text: old, bundle: Some(old_files) }, &Version { text: new, bundle: Some(new_files) });
    prop_assert_eq!(result.classification, result.changes.iter().map(|it| it.classification).max());
    for change in &result.changes {
        let text = match change.side {
            Side::Old => old,
            Side::New => new,
        };
        prop_assert!(change.span.start <= change.span.end && change.span.end <= text.len(), "{:?}", change);
        prop_assert!(
            text.is_char_boundary(change.span.start) && text.is_char_boundary(change.span.end),
            "{:?}",
            change
        );
        prop_assert_eq!(change.side == Side::Old, change.change_type == ChangeType::Removed);
    }
    Ok(())
}

fn bundle(openapi: &str, schema: &str) -> MemoryBundle {
    MemoryBundle::new().with("interfaces/openapi.yaml", openapi).with("configuration/schema.json", schema)
}

proptest! {
    #![proptest_config(config(500))]

    #[test]
    fn spans_stay_inside_their_text(old in any_text(), new in any_text()) {
        let files = bundle(OPENAPI, SCHEMA);
        check_spans(&old, &new, &files, &files)?;
    }

    #[test]
    fn mutated_bundle_files_never_panic(
        old in mutate(BASE),
        new in mutate(BASE),
        openapi in mutate(OPENAPI),
        schema in mutate(SCHEMA),
    ) {
        check_spans(&old, &new, &bundle(OPENAPI, SCHEMA), &bundle(&openapi, &schema))?;
    }
}
