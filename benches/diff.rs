//! Benchmarks of `core::diff::diff`, which the editor runs on every keystroke while a baseline is set.
//!
//! - `typical_changed`: the typical contract (`data/typical.pacto.yaml`, ~170 lines) against a
//!   slightly changed copy (a port, a value, a dependency removed, the scaling maximum), each with its
//!   bundle; the new bundle's OpenAPI document and configuration schema differ too, so the file diffs
//!   run. Referenced files are parsed once per content (`core::memo`), as in the editor.
//! - `typical_unchanged_files`: the same contracts with byte-equal bundles (files are not re-parsed).
//!
//! Run with `cargo bench --bench diff`.

use pacto_lsp::core::bundle::MemoryBundle;
use pacto_lsp::core::diff::{Classification, Version, diff};

fn main() {
    divan::main();
}

const TYPICAL: &str = include_str!("data/typical.pacto.yaml");
const OPENAPI: &str = include_str!("data/bundle/interfaces/openapi.yaml");
const SCHEMA: &str = include_str!("data/bundle/configuration/schema.json");

const BUNDLE_FILES: &[(&str, &str)] = &[
    ("interfaces/admin-openapi.yaml", include_str!("data/bundle/interfaces/admin-openapi.yaml")),
    ("interfaces/payments.proto", include_str!("data/bundle/interfaces/payments.proto")),
    ("interfaces/ledger.proto", include_str!("data/bundle/interfaces/ledger.proto")),
    ("interfaces/payment-events.yaml", include_str!("data/bundle/interfaces/payment-events.yaml")),
    ("configuration/fraud-schema.json", include_str!("data/bundle/configuration/fraud-schema.json")),
    ("policy/schema.json", include_str!("data/bundle/policy/schema.json")),
];

fn bundle(openapi: &str, schema: &str) -> MemoryBundle {
    let mut files =
        MemoryBundle::new().with("interfaces/openapi.yaml", openapi).with("configuration/schema.json", schema);
    for (path, content) in BUNDLE_FILES {
        files = files.with(path, content);
    }
    files
}

/// The typical contract after a few edits a developer might make.
fn changed() -> String {
    let text = TYPICAL
        .replacen("port: 8080", "port: 8088", 1)
        .replacen("LOG_LEVEL: info", "LOG_LEVEL: debug", 1)
        .replacen("max: 12", "max: 16", 1);
    let start = text.find("  - name: notifications").expect("the notifications dependency");
    let end = start + text[start..].find("\nruntime:").expect("the runtime section");
    format!("{}{}", &text[..start], &text[end..])
}

#[divan::bench]
fn typical_changed(bencher: divan::Bencher) {
    let new_text = changed();
    let old_files = bundle(OPENAPI, SCHEMA);
    let new_openapi = OPENAPI.replacen("description: Not found", "description: No such payment", 1);
    let new_schema = SCHEMA.replacen("\"required\": [", "\"required\": [\"EXTRA\", ", 1);
    assert_ne!(new_openapi, OPENAPI);
    assert_ne!(new_schema, SCHEMA);
    let new_files = bundle(&new_openapi, &new_schema);
    let old = Version { text: TYPICAL, bundle: Some(&old_files) };
    let new = Version { text: &new_text, bundle: Some(&new_files) };
    let result = diff(&old, &new);
    assert_eq!(result.classification, Some(Classification::Breaking));
    assert!(result.changes.len() >= 6, "{:#?}", result.changes);
    bencher.bench_local(|| diff(divan::black_box(&old), divan::black_box(&new)));
}

#[divan::bench]
fn typical_unchanged_files(bencher: divan::Bencher) {
    let new_text = changed();
    let files = bundle(OPENAPI, SCHEMA);
    let old = Version { text: TYPICAL, bundle: Some(&files) };
    let new = Version { text: &new_text, bundle: Some(&files) };
    assert_eq!(diff(&old, &new).changes.len(), 4);
    bencher.bench_local(|| diff(divan::black_box(&old), divan::black_box(&new)));
}
