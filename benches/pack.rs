//! Benchmarks of packing a bundle and reading the archive back.
//!
//! - `pack_typical`: `pack::pack` on the typical bundle (the ~170-line contract of
//!   `benches/check.rs` with its eight interface, configuration and policy files) laid out in a
//!   temporary folder: validation as `check` does it, the walk, every read through the gate, the
//!   tar, gzip and sha256. The archive stays in memory.
//! - `read_typical`: `read_archive` on that archive (gunzip, untar, every limit checked).
//!
//! Run with `cargo bench --bench pack`.

use std::path::Path;

use pacto_lsp::core::check::Options as CheckOptions;
use pacto_lsp::core::date;
use pacto_lsp::pack::{self, Options, Output, read_archive};

fn main() {
    divan::main();
}

/// The typical bundle, as (bundle path, content).
const FILES: &[(&str, &str)] = &[
    ("pacto.yaml", include_str!("data/typical.pacto.yaml")),
    ("interfaces/openapi.yaml", include_str!("data/bundle/interfaces/openapi.yaml")),
    ("interfaces/admin-openapi.yaml", include_str!("data/bundle/interfaces/admin-openapi.yaml")),
    ("interfaces/payments.proto", include_str!("data/bundle/interfaces/payments.proto")),
    ("interfaces/ledger.proto", include_str!("data/bundle/interfaces/ledger.proto")),
    ("interfaces/payment-events.yaml", include_str!("data/bundle/interfaces/payment-events.yaml")),
    ("configuration/schema.json", include_str!("data/bundle/configuration/schema.json")),
    ("configuration/fraud-schema.json", include_str!("data/bundle/configuration/fraud-schema.json")),
    ("policy/schema.json", include_str!("data/bundle/policy/schema.json")),
];

fn options(workspace: &Path) -> Options {
    Options {
        check: CheckOptions {
            today: date::parse_strict("2026-11-22").expect("a valid date"),
            readiness_gate: false,
            warn_days: 14,
            compatibility: Default::default(),
        },
        workspace: workspace.to_path_buf(),
        policies: Default::default(),
        output: Output::Memory,
    }
}

/// Writes the typical bundle into a new temporary folder.
fn typical_bundle() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary folder");
    for (path, content) in FILES {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("a folder");
        std::fs::write(path, content).expect("a file");
    }
    dir
}

#[divan::bench]
fn pack_typical(bencher: divan::Bencher) {
    let dir = typical_bundle();
    let options = options(dir.path());
    let packed = pack::pack(dir.path(), &options).expect("the typical bundle packs");
    assert_eq!(packed.files.len(), FILES.len());
    bencher.bench(|| pack::pack(divan::black_box(dir.path()), &options).map(|it| it.size));
}

#[divan::bench]
fn read_typical(bencher: divan::Bencher) {
    let dir = typical_bundle();
    let packed = pack::pack(dir.path(), &options(dir.path())).expect("the typical bundle packs");
    assert_eq!(read_archive(&packed.bytes).expect("the archive reads back").files().count(), FILES.len());
    bencher.bench(|| read_archive(divan::black_box(&packed.bytes)).map(|it| it.files().count()));
}
