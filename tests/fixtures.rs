//! Fixture-driven conformance tests.
//!
//! Every folder under `tests/fixtures/{upstream,upstream-v3,rules}` is a bundle: `pacto.yaml` plus the files
//! it references. Its diagnostics are compared with `expected.txt` beside it, one finding per
//! line: `LINE:COL-LINE:COL severity CODE path | message` (1-based, columns in characters, end
//! exclusive). `UPDATE_EXPECT=1 cargo test --test fixtures` rewrites the expectations.
//!
//! A first line `# check: FLAGS` sets options (see `support/rule_fixture.rs`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use pacto_lsp::core::finding::{Code, Layer, Severity};
use pacto_lsp::core::text::LineIndex;

#[path = "support/rule_fixture.rs"]
mod rule_fixture;

use rule_fixture::{Analyzed, analyze_fixture};

fn fixtures_dir(group: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(group)
}

fn cases(group: &str) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(fixtures_dir(group))
        .unwrap()
        .map(|it| it.unwrap().path())
        .filter(|it| it.join("pacto.yaml").is_file())
        .collect();
    dirs.sort();
    dirs
}

struct Rendered {
    text: String,
    findings: Vec<(Code, Severity, String)>,
}

fn render(dir: &Path) -> Rendered {
    let Analyzed { text, analysis, .. } = analyze_fixture(dir);
    let lines = LineIndex::new(&text);
    let mut out = String::new();
    let mut findings = Vec::new();
    for finding in &analysis.findings {
        let start = lines.line_col(&text, finding.span.start);
        let end = lines.line_col(&text, finding.span.end);
        let path = match finding.path.is_root() {
            true => "-".to_string(),
            false => finding.path.to_string(),
        };
        let message = finding.message.replace(&dir.display().to_string(), "$DIR");
        out.push_str(&format!(
            "{}:{}-{}:{} {} {} {} | {}\n",
            start.line,
            start.column,
            end.line,
            end.column,
            finding.severity.as_str(),
            finding.code,
            path,
            message
        ));
        findings.push((finding.code, finding.severity, path));
    }
    Rendered { text: out, findings }
}

fn check_group(group: &str) {
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    let mut failures = Vec::new();
    for dir in cases(group) {
        let rendered = render(&dir);
        let expected_file = dir.join("expected.txt");
        let expected = std::fs::read_to_string(&expected_file).unwrap_or_default();
        if rendered.text != expected || !expected_file.exists() {
            if update || !expected_file.exists() {
                std::fs::write(&expected_file, &rendered.text).unwrap();
            } else {
                failures.push(format!("{}:\n--- expected\n{expected}--- actual\n{}", dir.display(), rendered.text));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} fixture(s) differ (UPDATE_EXPECT=1 to accept):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn upstream_fixtures_match_expectations() {
    check_group("upstream");
}

#[test]
fn upstream_v3_fixtures_match_expectations() {
    check_group("upstream-v3");
}

#[test]
fn rule_fixtures_match_expectations() {
    check_group("rules");
}

enum Verdict {
    Valid,
    /// Rejected, with the code and upstream path of (at least) this error.
    Invalid(Code, &'static str),
}

/// Upstream's verdicts (shared/fixtures/upstream/INDEX.md), asserted independently of the
/// expectation files. "Valid" assumes the bundle holds the referenced files, which the fixture
/// folders provide. Era-A (v0.13) files are judged by the v1.x rules here: the validation
/// testdata keeps its verdicts; docs examples with era-A shapes are rejected (see docs/decisions.md).
const VERDICTS: &[(&str, Verdict)] = &[
    ("v1x-docs-examples-event-processor", Verdict::Valid),
    ("v1x-docs-examples-grpc-service", Verdict::Valid),
    ("v1x-docs-examples-hybrid-cache", Verdict::Valid),
    ("v1x-docs-examples-nginx", Verdict::Valid),
    ("v1x-docs-examples-postgresql", Verdict::Valid),
    ("v1x-docs-examples-rabbitmq", Verdict::Valid),
    ("v1x-docs-examples-redis", Verdict::Valid),
    ("v1x-pkg-contract-testdata-valid_readiness", Verdict::Valid),
    ("v1x-pkg-contract-testdata-valid_structured_owner", Verdict::Valid),
    ("v1x-tests-e2e-readiness-readinessContractYAML", Verdict::Valid),
    ("v1x-tests-e2e-readiness-readinessContractYAML-gate", Verdict::Invalid(Code::READINESS_GATE_UNMET, "readiness")),
    ("v1x-tests-e2e-readiness-duplicate-id", Verdict::Invalid(Code::DUPLICATE_READINESS_ID, "readiness.checks[1].id")),
    (
        "v1x-tests-e2e-readiness-bad-date",
        Verdict::Invalid(Code::INVALID_READINESS_EXPIRES, "readiness.checks[0].expires"),
    ),
    ("v1x-tests-e2e-readiness-under-v10", Verdict::Invalid(Code::SCHEMA_VIOLATION, "readiness")),
    // The v1.x CLI refused "2.0"; this product implements 2.0 (spec §1), under which the contract is valid.
    ("v1x-tests-e2e-readiness-unsupported-version", Verdict::Valid),
    ("v0.13-internal-validation-testdata-valid_minimal", Verdict::Valid),
    ("v0.13-internal-validation-testdata-valid_stateful", Verdict::Valid),
    ("v0.13-internal-validation-testdata-invalid_missing_runtime", Verdict::Valid),
    ("v0.13-pkg-contract-testdata-valid_minimal", Verdict::Valid),
    (
        "v0.13-internal-validation-testdata-invalid_bad_kind",
        Verdict::Invalid(Code::SCHEMA_VIOLATION, "runtime.state.type"),
    ),
    (
        "v0.13-internal-validation-testdata-invalid_state_conflict",
        Verdict::Invalid(Code::STATELESS_PERSISTENT_CONFLICT, "runtime.state.persistence.durability"),
    ),
    ("v0.13-pkg-contract-testdata-invalid_missing_name", Verdict::Invalid(Code::SCHEMA_VIOLATION, "service")),
    (
        "v0.13-pkg-contract-testdata-invalid_missing_version",
        Verdict::Invalid(Code::UNSUPPORTED_PACTO_VERSION, "pactoVersion"),
    ),
    ("v0.13-pkg-contract-testdata-invalid_yaml", Verdict::Invalid(Code::YAML_PARSE_ERROR, "")),
    (
        "v0.13-tests-e2e-fixtures-brokenContract",
        Verdict::Invalid(Code::HEALTH_INTERFACE_NOT_FOUND, "runtime.health.interface"),
    ),
    ("v0.13-docs-examples-postgresql", Verdict::Invalid(Code::SCHEMA_VIOLATION, "configuration")),
    ("v0.13-docs-contract-reference-full-example", Verdict::Invalid(Code::SCHEMA_VIOLATION, "configuration")),
    ("v0.13-init-scaffold-rendered-my-service", Verdict::Invalid(Code::SCHEMA_VIOLATION, "configuration")),
];

/// Upstream's verdicts for its 2.0 examples and testdata (shared/fixtures/upstream-v3/INDEX.md).
/// Where the v3 CLI stops at a schema error that one of its own cross-field codes names more
/// precisely, that code is expected (one report per problem, docs/decisions.md).
const V3_VERDICTS: &[(&str, Verdict)] = &[
    ("v3-MIGRATION-v1-contract", Verdict::Invalid(Code::SCHEMA_VIOLATION, "service.image")),
    ("v3-MIGRATION-v2-contract", Verdict::Valid),
    ("v3-docs-examples-index-cron-worker", Verdict::Valid),
    ("v3-docs-examples-index-event-processor", Verdict::Valid),
    ("v3-docs-examples-index-grpc-service", Verdict::Valid),
    ("v3-docs-examples-index-hybrid-cache", Verdict::Valid),
    ("v3-docs-examples-index-nginx", Verdict::Valid),
    ("v3-docs-examples-index-payments-api-declare", Verdict::Valid),
    ("v3-docs-examples-index-postgresql", Verdict::Valid),
    ("v3-docs-examples-index-rabbitmq", Verdict::Valid),
    ("v3-docs-examples-index-redis", Verdict::Valid),
    ("v3-init-scaffold-rendered-my-service", Verdict::Valid),
    ("v3-init-scaffold-rendered-my-service-gate", Verdict::Invalid(Code::READINESS_GATE_UNMET, "readiness")),
    ("v3-pkg-validation-testdata-valid_minimal", Verdict::Valid),
    ("v3-pkg-contract-testdata-valid_readiness", Verdict::Valid),
    (
        "v3-pkg-validation-testdata-invalid_bad_interface",
        Verdict::Invalid(Code::INVALID_INTERFACE_TYPE, "interfaces[0].type"),
    ),
    (
        "v3-pkg-validation-testdata-invalid_state_conflict",
        Verdict::Invalid(Code::STATELESS_PERSISTENT_CONFLICT, "state.persistence.durability"),
    ),
    ("v3-pkg-contract-testdata-invalid_missing_name", Verdict::Invalid(Code::SCHEMA_VIOLATION, "service")),
    // The v3 CLI refuses every 1.x version; this product still implements 1.0 (spec §1).
    ("v3-pkg-validation-testdata-invalid_unsupported_version", Verdict::Valid),
];

#[test]
fn upstream_verdicts() {
    assert_verdicts("upstream", VERDICTS);
}

#[test]
fn upstream_v3_verdicts() {
    assert_verdicts("upstream-v3", V3_VERDICTS);
}

fn assert_verdicts(group: &str, verdicts: &[(&str, Verdict)]) {
    let dirs = cases(group);
    assert_eq!(dirs.len(), verdicts.len(), "every {group} fixture needs a verdict");
    for (name, verdict) in verdicts {
        let rendered = render(&fixtures_dir(group).join(name));
        let errors: Vec<&(Code, Severity, String)> =
            rendered.findings.iter().filter(|(_, severity, _)| *severity == Severity::Error).collect();
        match verdict {
            Verdict::Valid => assert!(errors.is_empty(), "{name} should be valid, got {errors:?}"),
            Verdict::Invalid(code, path) => {
                let path = if path.is_empty() { "-" } else { path };
                assert!(
                    errors.iter().any(|(c, _, p)| c == code && p == path),
                    "{name} should fail with {code} at {path}, got {errors:?}"
                );
            }
        }
    }
}

/// Every code the engine can emit has a rule fixture that shows it. Registry codes need a registry: they are
/// shown by tests/oci.rs and tests/lsp_oci.rs against a real one.
#[test]
fn every_code_has_a_rule_fixture() {
    let mut seen = BTreeSet::new();
    for dir in cases("rules") {
        for (code, _, _) in render(&dir).findings {
            seen.insert(code);
        }
    }
    let missing: Vec<&str> = Code::ALL
        .iter()
        .filter(|it| it.layer() != Layer::Registry && !seen.contains(it))
        .map(|it| it.as_str())
        .collect();
    assert!(missing.is_empty(), "codes without a fixture in tests/fixtures/rules: {missing:?}");
}
