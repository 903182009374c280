//! Quick fixes and source actions: fixture in, chosen action applied, exact text out, and the
//! finding it fixes gone after checking again. Every case also runs with CRLF line breaks.

use pacto_lsp::core::check::{Analysis, Environment, Options, analyze};
use pacto_lsp::core::date::{self, Date};
use pacto_lsp::core::finding::Code;
use pacto_lsp::core::ide::actions::{self, ActionKind};

fn today() -> Date {
    date::parse_strict("2026-11-22").unwrap()
}

fn check(text: &str) -> Analysis {
    analyze(text, &Options { today: today(), readiness_gate: false, warn_days: 14 }, &Environment::default())
}

/// Applies the action titled `title` (offered for the whole file) and returns the new text.
fn apply(text: &str, title: &str) -> String {
    let analysis = check(text);
    let offered = actions::actions(text, &analysis, 0..text.len(), today());
    let titles: Vec<&str> = offered.iter().map(|it| it.title.as_str()).collect();
    let action = offered.iter().find(|it| it.title == title).unwrap_or_else(|| panic!("no `{title}` in {titles:?}"));
    actions::apply(text, &action.edits)
}

/// Runs a case with LF and with CRLF line breaks: exact output, and `code` gone afterwards.
fn case(input: &str, title: &str, expected: &str, code: Code) {
    for (input, expected) in [(input.to_string(), expected.to_string()), (crlf(input), crlf(expected))] {
        assert!(check(&input).findings.iter().any(|it| it.code == code), "{code} not reported on:\n{input}");
        let output = apply(&input, title);
        assert_eq!(output, expected, "{title}");
        let after = check(&output);
        assert!(!after.findings.iter().any(|it| it.code == code), "{code} still reported: {:#?}", after.findings);
    }
}

fn crlf(text: &str) -> String {
    text.replace('\n', "\r\n")
}

const HEAD: &str = "# 契約 😀\nservice:\n  name: payments # the name\n  version: 1.0.0\n";

#[test]
fn bump_pacto_version_keeps_the_quote_style() {
    let body = "readiness:\n  checks:\n    - id: a\n      type: url\n      evidence: https://x\n      weight: 10\n      expires: \"2099-01-01\"\n";
    case(
        &format!("pactoVersion: \"1.0\"\n{HEAD}{body}"),
        "Bump pactoVersion to 1.1",
        &format!("pactoVersion: \"1.1\"\n{HEAD}{body}"),
        Code::SCHEMA_VIOLATION,
    );
    case(
        &format!("pactoVersion: '1.0'  # keep me\n{HEAD}{body}"),
        "Bump pactoVersion to 1.1",
        &format!("pactoVersion: '1.1'  # keep me\n{HEAD}{body}"),
        Code::SCHEMA_VIOLATION,
    );
    // Also offered as a source action whenever a 1.0 contract has `readiness`.
    let text = format!("pactoVersion: \"1.0\"\n{HEAD}{body}");
    let analysis = check(&text);
    let source = actions::actions(&text, &analysis, 0..0, today());
    assert!(source.iter().any(|it| it.kind == ActionKind::Source && it.title == "Bump pactoVersion to 1.1"));
}

#[test]
fn unquoted_version_gets_quotes() {
    case(
        &format!("pactoVersion: 1.0\n{HEAD}"),
        "Quote pactoVersion: \"1.0\"",
        &format!("pactoVersion: \"1.0\"\n{HEAD}"),
        Code::UNSUPPORTED_PACTO_VERSION,
    );
}

const RUNTIME: &str = "runtime:\n  workload: service\n  state:\n    type: stateless\n    persistence:\n      scope: local\n      durability: ephemeral\n    dataCriticality: low\n";

#[test]
fn unknown_health_interface_becomes_the_closest_one() {
    let interfaces = "interfaces:\n  - name: web-api\n    type: http\n    port: 8080\n  - name: events\n    type: event\n    contract: e.yaml\n";
    let input = format!(
        "pactoVersion: \"1.1\"\n{HEAD}{interfaces}{RUNTIME}  health:\n    interface: \"wbe-api\"\n    path: /h\n"
    );
    let expected = input.replace("\"wbe-api\"", "\"web-api\"");
    case(&input, "Change to `web-api`", &expected, Code::HEALTH_INTERFACE_NOT_FOUND);
    let analysis = check(&input);
    let offered = actions::actions(&input, &analysis, 0..input.len(), today());
    let change = offered.iter().find(|it| it.title.starts_with("Change to")).unwrap();
    assert!(change.preferred);
    assert!(!offered.iter().any(|it| it.title == "Change to `events`"), "event interfaces cannot serve health");
}

#[test]
fn stateless_persistent_offers_both_ways_out() {
    let input = format!("pactoVersion: \"1.1\"\n{HEAD}{}", RUNTIME.replace("ephemeral", "persistent"));
    case(
        &input,
        "Set durability to `ephemeral`",
        &format!("pactoVersion: \"1.1\"\n{HEAD}{RUNTIME}"),
        Code::STATELESS_PERSISTENT_CONFLICT,
    );
    let stateful = input.replace("type: stateless", "type: stateful");
    case(&input, "Set state type to `stateful`", &stateful, Code::STATELESS_PERSISTENT_CONFLICT);
}

#[test]
fn scaling_min_and_max_are_swapped() {
    let input = format!("pactoVersion: \"1.1\"\n{HEAD}scaling:\n  min: 12 # high\n  max: 3\n");
    let expected = format!("pactoVersion: \"1.1\"\n{HEAD}scaling:\n  min: 3 # high\n  max: 12\n");
    case(&input, "Swap `min` and `max`", &expected, Code::SCALING_MIN_EXCEEDS_MAX);
}

#[test]
fn expired_check_is_extended_90_days() {
    let input = format!(
        "pactoVersion: \"1.1\"\n{HEAD}readiness:\n  checks:\n    - id: a\n      type: url\n      evidence: https://x\n      weight: 10\n      expires: \"2026-01-31\"\n"
    );
    let expected = input.replace("2026-01-31", "2027-02-20");
    case(&input, "Extend to 2027-02-20 (90 days from today)", &expected, Code::READINESS_CHECK_EXPIRED);
    let unquoted = input.replace("\"2026-01-31\"", "2026-01-31");
    case(
        &unquoted,
        "Extend to 2027-02-20 (90 days from today)",
        &unquoted.replace("2026-01-31", "2027-02-20"),
        Code::READINESS_CHECK_EXPIRED,
    );
}

#[test]
fn missing_required_keys_are_inserted_at_the_right_indentation() {
    let input = format!(
        "pactoVersion: \"1.1\"\n{HEAD}runtime:\n  health:\n    interface: api\n    path: /h\ninterfaces:\n  - name: api\n    type: http\n    port: 80\n"
    );
    let expected = format!(
        "pactoVersion: \"1.1\"\n{HEAD}runtime:\n  health:\n    interface: api\n    path: /h\n  workload: service\n  state:\n    type: stateless\n    persistence:\n      scope: local\n      durability: ephemeral\n    dataCriticality: low\ninterfaces:\n  - name: api\n    type: http\n    port: 80\n"
    );
    case(&input, "Add missing `workload`, `state`", &expected, Code::SCHEMA_VIOLATION);
    let after = check(&expected);
    assert!(after.findings.is_empty(), "the inserted placeholders validate: {:#?}", after.findings);
    // A missing service version, and an http interface without a port.
    let input = "pactoVersion: \"1.1\"\nservice:\n  name: a\ninterfaces:\n  - name: api\n    type: http\n";
    let output = apply(input, "Add missing `version`");
    assert_eq!(
        output,
        "pactoVersion: \"1.1\"\nservice:\n  name: a\n  version: 0.1.0\ninterfaces:\n  - name: api\n    type: http\n"
    );
    case(
        input,
        "Add `port: 8080`",
        &format!("{input}    port: 8080\n").replace("http\n    port", "http\n    port"),
        Code::PORT_REQUIRED,
    );
}

#[test]
fn legacy_shapes_migrate_to_1_x() {
    let input = format!("pactoVersion: \"1.0\"\n{HEAD}configuration:\n  schema: configuration/schema.json\n");
    let expected = format!(
        "pactoVersion: \"1.0\"\n{HEAD}configurations:\n  - name: default\n    schema: configuration/schema.json\n"
    );
    case(&input, "Migrate to `configurations`", &expected, Code::SCHEMA_VIOLATION);
    let input = format!(
        "pactoVersion: \"1.0\"\n{HEAD}dependencies:\n  - ref: oci://ghcr.io/acme/auth-pacto:2.0.0\n    compatibility: \"^2.0.0\"\n"
    );
    let output = apply(&input, "Add missing `name`");
    assert!(output.contains("    compatibility: \"^2.0.0\"\n    name: auth-pacto\n"), "{output}");
}

#[test]
fn add_readiness_section_bumps_the_version_in_the_same_action() {
    let input = format!("pactoVersion: \"1.0\"\n{HEAD}");
    let output = apply(&input, "Add readiness section");
    assert_eq!(
        output,
        format!(
            "pactoVersion: \"1.1\"\n{HEAD}readiness:\n  minScore: 100\n  checks:\n    - id: dashboard\n      type: url\n      evidence: https://dashboards.example.com/payments\n      weight: 100\n      expires: \"2027-02-20\"\n"
        )
    );
    assert!(check(&output).findings.is_empty(), "{:#?}", check(&output).findings);
}
