//! Benchmarks of `analyze`, the whole check of one contract text.
//!
//! - `typical_with_bundle`: a realistic ~170-line Pacto 1.1 contract with its bundle in memory
//!   (interface files, configuration and policy schemas), so the file rules and the policy layer
//!   really run. This is the editor's per-keystroke workload.
//! - `large_with_bundle`: a generated ~10,000-line contract (1,140 interfaces, 1,000 configuration
//!   values, 60 dependencies, 100 readiness checks) with a bundle.
//! - `heavy_with_bundle`: the heavy ~10,000-line contract of issue [12], made by the latency harness's
//!   own generator (`tools/lsp-latency`, `--generate-heavy 10000`): 950 interfaces, 420
//!   configuration values checked against a generated schema, 900 readiness checks.
//! - `keystroke_incremental`: one keystroke in the typical and the heavy contract, checked from the
//!   previous version's analysis (`analyze_incremental`, what the server runs per edit).
//! - `stages`: `analyze` stage by stage on the typical and the heavy contract.
//! - `typical_without_bundle`: the typical contract checked as text alone.
//! - `unknown_keys`: a contract with 40,000 unknown keys (half at the top level, half under
//!   `service`), each one a `SCHEMA_VIOLATION`: the cost of locating many findings.
//!
//! Each benchmark first checks (outside the timed loop) that its input has no error findings, so
//! what is measured is the valid path. Referenced files are memoized by content (`core::memo`), so
//! that first check also warms the caches: the bundle benchmarks measure the steady state of an
//! editor, where the bundle files do not change between keystrokes.
//!
//! Run with `cargo bench --bench check`.

use std::sync::Arc;

use pacto_lsp::core::bundle::{BundleRef, MemoryBundle};
use pacto_lsp::core::check::{Analysis, Environment, Options, analyze, analyze_incremental};
use pacto_lsp::core::date;
use pacto_lsp::core::finding::Severity;

/// The latency harness's contract generator, so the bench and the harness time the same text (its
/// unit tests are not run here).
#[allow(dead_code, unused_imports)]
#[path = "../tools/lsp-latency/src/contract.rs"]
mod contract;

fn main() {
    divan::main();
}

const TYPICAL: &str = include_str!("data/typical.pacto.yaml");

/// The bundle files the typical contract references, as (bundle path, content).
const BUNDLE_FILES: &[(&str, &str)] = &[
    ("interfaces/openapi.yaml", include_str!("data/bundle/interfaces/openapi.yaml")),
    ("interfaces/admin-openapi.yaml", include_str!("data/bundle/interfaces/admin-openapi.yaml")),
    ("interfaces/payments.proto", include_str!("data/bundle/interfaces/payments.proto")),
    ("interfaces/ledger.proto", include_str!("data/bundle/interfaces/ledger.proto")),
    ("interfaces/payment-events.yaml", include_str!("data/bundle/interfaces/payment-events.yaml")),
    ("configuration/schema.json", include_str!("data/bundle/configuration/schema.json")),
    ("configuration/fraud-schema.json", include_str!("data/bundle/configuration/fraud-schema.json")),
    ("policy/schema.json", include_str!("data/bundle/policy/schema.json")),
];

/// Number of generated interfaces in the large contract (7 lines each).
const LARGE_INTERFACES: usize = 1_140;
/// Number of generated configuration values in the large contract (one line each).
const LARGE_VALUES: usize = 1_000;
/// Number of generated dependencies in the large contract (6 lines each).
const LARGE_DEPENDENCIES: usize = 60;
/// Number of generated readiness checks in the large contract (7 lines each).
const LARGE_CHECKS: usize = 100;

fn options() -> Options {
    Options {
        today: date::parse_strict("2026-11-22").expect("a valid date"),
        readiness_gate: false,
        warn_days: 14,
        compatibility: Default::default(),
    }
}

fn bundle() -> BundleRef {
    let mut files = MemoryBundle::new();
    for (path, content) in BUNDLE_FILES {
        files = files.with(path, content);
    }
    BundleRef { id: "memory://payment-api".to_string(), files: Arc::new(files) }
}

/// The bundle of the large contract: the typical bundle plus the generated configuration schema.
fn large_bundle() -> BundleRef {
    let mut files = MemoryBundle::new();
    for (path, content) in BUNDLE_FILES {
        files = files.with(path, content);
    }
    files = files.with("configuration/large-schema.json", &large_values_schema());
    BundleRef { id: "memory://large".to_string(), files: Arc::new(files) }
}

/// A JSON Schema for the generated configuration values.
fn large_values_schema() -> String {
    let mut properties = Vec::with_capacity(LARGE_VALUES);
    for index in 0..LARGE_VALUES {
        let schema = match index % 3 {
            0 => r#"{"type": "string", "minLength": 1}"#,
            1 => r#"{"type": "integer", "minimum": 0}"#,
            _ => r#"{"type": "boolean"}"#,
        };
        properties.push(format!(r#""SETTING_{index:04}": {schema}"#));
    }
    format!(
        r#"{{"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object", "additionalProperties": false, "properties": {{{}}}}}"#,
        properties.join(", ")
    )
}

/// A valid ~10,000-line Pacto 1.1 contract.
fn large_contract() -> String {
    let mut out = String::with_capacity(400_000);
    out.push_str(
        "pactoVersion: \"1.1\"\n\
         \n\
         service:\n\
         \x20 name: edge-gateway\n\
         \x20 version: 7.12.0\n\
         \x20 owner:\n\
         \x20   team: platform/edge\n\
         \x20   contacts:\n\
         \x20     - type: email\n\
         \x20       value: edge@acme.com\n\
         \x20 image:\n\
         \x20   ref: ghcr.io/acme/edge-gateway:7.12.0\n\
         \n\
         interfaces:\n",
    );
    for index in 0..LARGE_INTERFACES {
        // Seven lines per interface, blank line included.
        let (kind, contract) = match index % 2 {
            0 => ("http", "interfaces/admin-openapi.yaml"),
            _ => ("grpc", "interfaces/payments.proto"),
        };
        let port = 10_000 + index;
        out.push_str(&format!(
            "  # {kind} shard {index}\n  - name: {kind}-{index:04}\n    type: {kind}\n    port: {port}\n    visibility: internal\n    contract: {contract}\n\n"
        ));
    }
    out.push_str(
        "configurations:\n\
         \x20 - name: default\n\
         \x20   schema: configuration/large-schema.json\n\
         \x20   values:\n",
    );
    for index in 0..LARGE_VALUES {
        let value = match index % 3 {
            0 => format!("value-{index}"),
            1 => index.to_string(),
            _ => (index % 2 == 0).to_string(),
        };
        out.push_str(&format!("      SETTING_{index:04}: {value}\n"));
    }
    out.push_str(
        "\npolicies:\n\
         \x20 - name: platform-baseline\n\
         \x20   schema: policy/schema.json\n\
         \ndependencies:\n",
    );
    for index in 0..LARGE_DEPENDENCIES {
        out.push_str(&format!(
            "  - name: upstream-{index:03}\n    ref: oci://ghcr.io/acme/upstream-{index:03}-pacto@sha256:{index:064x}\n    required: {}\n    compatibility: \"^{}.{}.0\"\n\n",
            index % 2 == 0,
            1 + index % 5,
            index % 10
        ));
    }
    out.push_str(
        "runtime:\n\
         \x20 workload: service\n\
         \x20 state:\n\
         \x20   type: stateless\n\
         \x20   persistence:\n\
         \x20     scope: local\n\
         \x20     durability: ephemeral\n\
         \x20   dataCriticality: medium\n\
         \x20 lifecycle:\n\
         \x20   upgradeStrategy: rolling\n\
         \x20   gracefulShutdownSeconds: 30\n\
         \x20 health:\n\
         \x20   interface: http-0000\n\
         \x20   path: /healthz\n\
         \x20   initialDelaySeconds: 5\n\
         \x20 metrics:\n\
         \x20   interface: http-0000\n\
         \x20   path: /metrics\n\
         \n\
         scaling:\n\
         \x20 min: 4\n\
         \x20 max: 64\n\
         \n\
         metadata:\n\
         \x20 tier: critical\n\
         \n\
         readiness:\n\
         \x20 minScore: 90\n\
         \x20 checks:\n",
    );
    for index in 0..LARGE_CHECKS {
        out.push_str(&format!(
            "    - id: check-{index:03}\n      type: url\n      evidence: https://wiki.acme.com/edge/readiness/{index}\n      weight: {}\n      expires: 2027-{:02}-15\n      description: Readiness evidence number {index}\n\n",
            index % 10,
            1 + index % 12
        ));
    }
    out
}

/// Number of unknown keys in the `unknown_keys` contract (half at the top level, half under `service`).
const UNKNOWN_KEYS: usize = 40_000;

/// A contract whose only problems are [`UNKNOWN_KEYS`] unknown keys.
fn unknown_keys_contract() -> String {
    let mut out = String::from("pactoVersion: \"1.1\"\nservice:\n  name: svc\n  version: 1.0.0\n");
    for index in 0..UNKNOWN_KEYS / 2 {
        out.push_str(&format!("  extra{index:05}: {index}\n"));
    }
    for index in 0..UNKNOWN_KEYS / 2 {
        out.push_str(&format!("extra{index:05}: {index}\n"));
    }
    out
}

/// Fails (before any timing) if a benchmark input is not valid, so only the valid path is measured.
fn assert_valid(name: &str, analysis: &Analysis) {
    let errors: Vec<String> = analysis
        .findings
        .iter()
        .filter(|it| it.severity == Severity::Error)
        .map(|it| format!("{} {} at {:?}: {}", it.code, it.path, it.span, it.message))
        .collect();
    assert!(errors.is_empty(), "{name}: the benchmark contract has errors:\n{}", errors.join("\n"));
}

#[divan::bench]
fn typical_with_bundle(bencher: divan::Bencher) {
    let options = options();
    let bundle = bundle();
    let env = Environment { bundle: Some(&bundle), resolver: None };
    assert_valid("typical_with_bundle", &analyze(TYPICAL, &options, &env));
    bencher.bench_local(|| analyze(divan::black_box(TYPICAL), &options, &env));
}

#[divan::bench(sample_count = 30, sample_size = 1)]
fn large_with_bundle(bencher: divan::Bencher) {
    let text = large_contract();
    let lines = text.lines().count();
    assert!((9_500..=10_500).contains(&lines), "the large contract has {lines} lines, not about 10,000");
    let options = options();
    let bundle = large_bundle();
    let env = Environment { bundle: Some(&bundle), resolver: None };
    assert_valid("large_with_bundle", &analyze(&text, &options, &env));
    bencher
        .counter(divan::counter::BytesCount::of_str(&text))
        .bench_local(|| analyze(divan::black_box(&text), &options, &env));
}

/// The bundle of the heavy contract: the typical bundle plus the schema of its generated values.
fn heavy_bundle(text: &str) -> BundleRef {
    let mut files = MemoryBundle::new();
    for (path, content) in BUNDLE_FILES {
        files = files.with(path, content);
    }
    let values = text.matches("\n      SETTING_").count();
    files = files.with(contract::HEAVY_SCHEMA, &contract::heavy_values_schema(values));
    BundleRef { id: "memory://heavy".to_string(), files: Arc::new(files) }
}

#[divan::bench(sample_count = 30, sample_size = 1)]
fn heavy_with_bundle(bencher: divan::Bencher) {
    let text = contract::generate_heavy(10_000);
    let options = options();
    let bundle = heavy_bundle(&text);
    let env = Environment { bundle: Some(&bundle), resolver: None };
    assert_valid("heavy_with_bundle", &analyze(&text, &options, &env));
    bencher
        .counter(divan::counter::BytesCount::of_str(&text))
        .bench_local(|| analyze(divan::black_box(&text), &options, &env));
}

#[divan::bench]
fn typical_without_bundle(bencher: divan::Bencher) {
    let options = options();
    let env = Environment::default();
    assert_valid("typical_without_bundle", &analyze(TYPICAL, &options, &env));
    bencher.bench_local(|| analyze(divan::black_box(TYPICAL), &options, &env));
}

#[divan::bench(sample_count = 10, sample_size = 1)]
fn unknown_keys(bencher: divan::Bencher) {
    let text = unknown_keys_contract();
    let options = options();
    let env = Environment::default();
    let findings = analyze(&text, &options, &env).findings;
    assert_eq!(findings.len(), UNKNOWN_KEYS, "one finding per unknown key");
    bencher
        .counter(divan::counter::BytesCount::of_str(&text))
        .bench_local(|| analyze(divan::black_box(&text), &options, &env));
}

/// One keystroke (an `x` typed in the middle of a name, as the latency harness types it) checked
/// from the previous version's analysis, the server's path: `analyze_incremental`.
#[divan::bench(args = ["typical", "heavy"], sample_count = 30)]
fn keystroke_incremental(bencher: divan::Bencher, name: &str) {
    let (text, bundle) = match name {
        "typical" => (TYPICAL.to_string(), bundle()),
        _ => {
            let text = contract::generate_heavy(10_000);
            let bundle = heavy_bundle(&text);
            (text, bundle)
        }
    };
    let site = contract::edit_site(&text, None).expect("an edit site");
    let line_start: usize = text.split_inclusive('\n').take(site.line).map(str::len).sum();
    let mut typed = text.clone();
    typed.insert(line_start + site.character, 'x');
    let options = options();
    let env = Environment { bundle: Some(&bundle), resolver: None };
    let previous = analyze(&text, &options, &env);
    assert_valid("keystroke_incremental", &previous);
    bencher.bench_local(|| analyze_incremental(&text, &previous, divan::black_box(&typed), &options, &env));
}

/// `analyze` stage by stage, on the typical and the heavy contract (both with their bundles): where
/// a check's time goes. Each stage runs on the previous stages' results, built outside the timed loop.
#[divan::bench_group(sample_count = 30)]
mod stages {
    use pacto_lsp::core::check::{Environment, analyze};
    use pacto_lsp::core::model::Contract;
    use pacto_lsp::core::rules::{self, Context};
    use pacto_lsp::core::schema::SchemaVersion;
    use pacto_lsp::core::{policy, readiness, structural, yaml};

    use super::*;

    const CONTRACTS: [&str; 2] = ["typical", "heavy"];

    /// The contract text and its bundle.
    fn input(name: &str) -> (String, BundleRef) {
        match name {
            "typical" => (TYPICAL.to_string(), bundle()),
            _ => {
                let text = contract::generate_heavy(10_000);
                let bundle = heavy_bundle(&text);
                (text, bundle)
            }
        }
    }

    fn version(text: &str) -> SchemaVersion {
        let document = yaml::parse(text).tree.document_json().expect("the document converts");
        SchemaVersion::parse(document["pactoVersion"].as_str().expect("a version")).expect("a known version")
    }

    /// The YAML parser alone (saphyr-parser's events, nothing kept): the floor under `parse`.
    #[divan::bench(args = CONTRACTS)]
    fn parser_events(bencher: divan::Bencher, name: &str) {
        let (text, _) = input(name);
        bencher.bench_local(|| saphyr_parser::Parser::new_from_str(divan::black_box(&text)).count());
    }

    #[divan::bench(args = CONTRACTS)]
    fn parse(bencher: divan::Bencher, name: &str) {
        let (text, _) = input(name);
        bencher.bench_local(|| yaml::parse(divan::black_box(&text)));
    }

    #[divan::bench(args = CONTRACTS)]
    fn to_json(bencher: divan::Bencher, name: &str) {
        let (text, _) = input(name);
        let parsed = yaml::parse(&text);
        bencher.bench_local(|| divan::black_box(&parsed.tree).document_json());
    }

    #[divan::bench(args = CONTRACTS)]
    fn structural(bencher: divan::Bencher, name: &str) {
        let (text, _) = input(name);
        let document = yaml::parse(&text).tree.document_json().expect("the document converts");
        let version = version(&text);
        let compatibility = options().compatibility;
        bencher.bench_local(|| structural::check(version, compatibility, divan::black_box(&document)));
    }

    #[divan::bench(args = CONTRACTS)]
    fn model(bencher: divan::Bencher, name: &str) {
        let (text, _) = input(name);
        let document = yaml::parse(&text).tree.document_json().expect("the document converts");
        bencher.bench_local(|| Contract::from_json(divan::black_box(&document)));
    }

    #[divan::bench(args = CONTRACTS)]
    fn rules(bencher: divan::Bencher, name: &str) {
        let (text, bundle) = input(name);
        let document = yaml::parse(&text).tree.document_json().expect("the document converts");
        let contract = Contract::from_json(&document);
        let ctx = Context {
            contract: &contract,
            document: &document,
            bundle: Some(&*bundle.files),
            version: version(&text),
            compatibility: options().compatibility,
        };
        let _ = rules::cross_field(&ctx);
        bencher.bench_local(|| (rules::cross_field(divan::black_box(&ctx)), rules::semantic(&ctx)));
    }

    #[divan::bench(args = CONTRACTS)]
    fn policies(bencher: divan::Bencher, name: &str) {
        let (text, bundle) = input(name);
        let document = yaml::parse(&text).tree.document_json().expect("the document converts");
        let contract = Contract::from_json(&document);
        let _ = policy::enforce(&contract, &document, Some(&bundle), None);
        bencher.bench_local(|| policy::enforce(divan::black_box(&contract), &document, Some(&bundle), None));
    }

    #[divan::bench(args = CONTRACTS)]
    fn readiness(bencher: divan::Bencher, name: &str) {
        let (text, _) = input(name);
        let document = yaml::parse(&text).tree.document_json().expect("the document converts");
        let contract = Contract::from_json(&document);
        let section = contract.readiness.expect("a readiness section");
        let today = options().today;
        bencher.bench_local(|| {
            let report = readiness::score(divan::black_box(&section), today).expect("checks to score");
            readiness::expiry(&report, 14)
        });
    }

    /// The whole check, for comparison with the sum of the stages.
    #[divan::bench(args = CONTRACTS)]
    fn whole(bencher: divan::Bencher, name: &str) {
        let (text, bundle) = input(name);
        let options = options();
        let env = Environment { bundle: Some(&bundle), resolver: None };
        let _ = analyze(&text, &options, &env);
        bencher.bench_local(|| analyze(divan::black_box(&text), &options, &env));
    }
}
