//! `pacto-lsp check` as a user runs it: the real binary, its output and its exit codes.

use std::path::Path;
use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pacto-lsp"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("PACTO_TODAY", "2026-11-22")
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

#[test]
fn concise_output_lists_each_finding_on_one_line_then_a_summary() {
    let output = run(&["check", "--format", "concise", "examples/broken-api"]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "examples/broken-api/pacto.yaml:7:3: error[SCHEMA_VIOLATION] unknown key `onwer` in `service`; did you mean `owner`? (service.onwer)"
    );
    assert!(lines.contains(
        &"examples/broken-api/pacto.yaml:28:16: error[HEALTH_INTERFACE_NOT_FOUND] health interface `wbe` is not declared in `interfaces`; declared interfaces: `web`, `events` (runtime.health.interface)"
    ));
    assert!(lines.contains(
        &"examples/broken-api/pacto.yaml:46:16: error[INVALID_READINESS_EXPIRES] `2026-02-30` is not a calendar date (no such day) (readiness.checks[0].expires)"
    ));
    assert_eq!(lines.last(), Some(&"checked 1 contract: 7 errors, 2 warnings"));
    // `--quiet` keeps the total alone.
    let quiet = run(&["check", "--format", "concise", "--quiet", "examples/broken-api"]);
    assert_eq!(stdout(&quiet), "checked 1 contract: 7 errors, 2 warnings\n");
}

#[test]
fn text_output_frames_each_finding_then_summarizes_each_contract() {
    let output = run(&["check", "examples/broken-api", "examples/payments-api"]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    let first = "error[SCHEMA_VIOLATION]: unknown key `onwer` in `service`; did you mean `owner`?\n \
                 --> examples/broken-api/pacto.yaml:7:3\n  |\n7 |   onwer: team/checkout\n  |   ^^^^^ service.onwer\n\n";
    assert!(text.starts_with(first), "{text}");
    assert!(!text.contains('\x1b'), "no colour when stdout is not a terminal: {text}");
    // Each contract's summary follows its own frames.
    let summary = text.find("\nexamples/broken-api/pacto.yaml: 7 errors, 2 warnings\n").unwrap();
    assert!(summary < text.find("warning[READINESS_CHECK_EXPIRED]").unwrap(), "{text}");
    assert!(
        text.ends_with("examples/payments-api/pacto.yaml: 1 warning\nchecked 2 contracts: 7 errors, 3 warnings\n"),
        "{text}"
    );
    let quiet = run(&["check", "--quiet", "examples/broken-api", "examples/payments-api"]);
    assert_eq!(
        stdout(&quiet),
        "examples/broken-api/pacto.yaml: 7 errors, 2 warnings\n\
         examples/payments-api/pacto.yaml: 1 warning\n\
         checked 2 contracts: 7 errors, 3 warnings\n"
    );
    // Colour is asked for explicitly here (stdout is a pipe); `--color never` wins over nothing.
    let colored = run(&["check", "--color", "always", "examples/broken-api"]);
    assert!(stdout(&colored).contains("\x1b["), "{}", stdout(&colored));
}

#[test]
fn json_output_has_one_object_per_finding_with_character_columns() {
    let output = run(&["check", "--format", "json", "tests/fixtures/rules/non-ascii-crlf"]);
    assert_eq!(output.status.code(), Some(1));
    let items: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let health = items.as_array().unwrap().iter().find(|it| it["code"] == "HEALTH_INTERFACE_NOT_FOUND").unwrap();
    assert_eq!(
        health,
        &serde_json::json!({
            "file": "tests/fixtures/rules/non-ascii-crlf/pacto.yaml",
            "code": "HEALTH_INTERFACE_NOT_FOUND",
            "severity": "error",
            "message": "health interface `api-😀x` is not declared in `interfaces`; declared interfaces: `api-😀`",
            "path": "runtime.health.interface",
            "line": 20,
            "column": 16,
            "endLine": 20,
            "endColumn": 24,
            "url": "https://github.com/trianalab-community/pacto-lsp/blob/main/docs/rules.md#health_interface_not_found"
        })
    );
}

#[test]
fn a_valid_bundle_exits_zero_and_warnings_do_not_fail() {
    let output = run(&["check", "examples/payments-api"]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert!(stdout(&output).ends_with("checked 1 contract: 1 warning\n"));
    let output = run(&["check", "tests/fixtures/upstream/v1x-docs-examples-nginx/pacto.yaml"]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        stdout(&output),
        "tests/fixtures/upstream/v1x-docs-examples-nginx/pacto.yaml: no problems\nchecked 1 contract: no problems\n"
    );
}

#[test]
fn readiness_gate_and_today_are_honoured() {
    let dir = "tests/fixtures/upstream/v1x-tests-e2e-readiness-readinessContractYAML";
    assert_eq!(run(&["check", dir]).status.code(), Some(0));
    let gated = run(&["check", "--format", "concise", "--readiness", dir]);
    assert_eq!(gated.status.code(), Some(1));
    assert!(stdout(&gated).contains(
        "error[READINESS_GATE_UNMET] readiness score 60 is below minScore 100 (1 current, 1 expired, 0 invalid of 2 checks) (readiness)"
    ));
    // In 1999 both checks were current: the gate passes.
    assert_eq!(run(&["check", "--readiness", "--today", "1999-12-31", dir]).status.code(), Some(0));
}

#[test]
fn usage_and_io_errors_exit_two_with_one_clear_line() {
    let output = run(&["check", "--format", "xml"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "error: --format takes `text`, `concise`, `json`, `sarif`, `github` or `junit`\n"
    );
    let output = run(&["check", "--jobs", "0"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&output.stderr), "error: --jobs takes a whole number of threads, at least 1\n");
    let output = run(&["check", "--color", "sometimes"]);
    assert_eq!(String::from_utf8_lossy(&output.stderr), "error: --color takes `auto`, `always` or `never`\n");
    let output = run(&["check", "--today", "2026-13-01", "examples/payments-api"]);
    assert_eq!(output.status.code(), Some(2));
    let output = run(&["check", "src"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&output.stderr), "error: src: no pacto.yaml in this directory or below it\n");
    let output = run(&["frobnicate"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn several_bundles_in_one_run() {
    let output = run(&["check", "examples/payments-api", "examples/broken-api"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).ends_with("checked 2 contracts: 7 errors, 3 warnings\n"));
}

#[test]
fn non_utf8_contract_is_a_diagnostic_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pacto.yaml"), b"pactoVersion: \"1.1\"\nservice: \xff\xfe\n").unwrap();
    let output = run(&["check", "--format", "concise", dir.path().to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout(&output)
            .contains(":2:10: error[YAML_PARSE_ERROR] the file is not valid UTF-8 (first bad byte at offset 29)")
    );
    assert!(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples").is_dir());
}

#[test]
fn version_and_help() {
    let output = run(&["--version"]);
    assert_eq!(stdout(&output), format!("pacto-lsp {}\n", env!("CARGO_PKG_VERSION")));
    assert!(stdout(&run(&["--help"])).contains("pacto-lsp check [PATH...]"));
}

#[test]
fn a_utf16_contract_is_named_as_such_and_a_colon_is_an_ordinary_file_name() {
    let dir = tempfile::tempdir().unwrap();
    let utf16 = dir.path().join("utf16");
    std::fs::create_dir(&utf16).unwrap();
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend("pactoVersion: \"1.1\"\n".encode_utf16().flat_map(u16::to_le_bytes));
    std::fs::write(utf16.join("pacto.yaml"), bytes).unwrap();
    let colon = dir.path().join("colon");
    std::fs::create_dir_all(colon.join("interfaces")).unwrap();
    std::fs::write(colon.join("interfaces/a:b.yaml"), "openapi: 3.0.0\n").unwrap();
    let contract = "pactoVersion: \"1.1\"\nservice:\n  name: colon\n  version: 1.0.0\ninterfaces:\n  - name: api\n    type: http\n    port: 8080\n    contract: \"interfaces/a:b.yaml\"\n";
    std::fs::write(colon.join("pacto.yaml"), contract).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_pacto-lsp"))
        .args(["check", "--format", "concise", "utf16", "colon"])
        .current_dir(dir.path())
        .env("PACTO_TODAY", "2026-11-22")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stdout(&output),
        "utf16/pacto.yaml:1:1: error[YAML_PARSE_ERROR] the file is UTF-16 (little-endian) encoded; YAML contracts must be saved as UTF-8\nchecked 2 contracts: 1 error\n"
    );
}
