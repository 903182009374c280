//! Quick fixes and source actions: fixture in, chosen action applied, exact text out, and the
//! finding it fixes gone after checking again. Every case also runs with CRLF line breaks.

use pacto_lsp::core::check::{Analysis, Compatibility, Environment, Options, analyze};
use pacto_lsp::core::date::{self, Date};
use pacto_lsp::core::finding::{Code, Detail};
use pacto_lsp::core::ide::actions::{self, ActionKind};

fn today() -> Date {
    date::parse_strict("2026-11-22").unwrap()
}

fn check(text: &str) -> Analysis {
    analyze(
        text,
        &Options { today: today(), readiness_gate: false, warn_days: 14, compatibility: Default::default() },
        &Environment::default(),
    )
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

/// The titles of the actions offered for the whole of `text`, checked under `compatibility`.
fn titles_under(text: &str, compatibility: Compatibility) -> Vec<String> {
    let options = Options { today: today(), readiness_gate: false, warn_days: 14, compatibility };
    let analysis = analyze(text, &options, &Environment::default());
    actions::actions(text, &analysis, 0..text.len(), today()).into_iter().map(|it| it.title).collect()
}

#[test]
fn under_the_v2_meaning_1_0_and_1_1_are_given_no_readiness_section() {
    let readiness = "readiness:\n  checks: []\n";
    for version in ["1.0", "1.1"] {
        let bare = format!("pactoVersion: \"{version}\"\n{HEAD}");
        assert!(titles_under(&bare, Compatibility::V1).contains(&"Add readiness section".to_string()));
        let titles = titles_under(&bare, Compatibility::V2);
        assert!(!titles.contains(&"Add readiness section".to_string()), "{version}: {titles:?}");
        let with = format!("{bare}{readiness}");
        let titles = titles_under(&with, Compatibility::V2);
        assert!(!titles.contains(&"Bump pactoVersion to 1.1".to_string()), "{version}: {titles:?}");
    }
    assert!(
        titles_under(&format!("pactoVersion: \"1.0\"\n{HEAD}{readiness}"), Compatibility::V1)
            .contains(&"Bump pactoVersion to 1.1".to_string())
    );
    let titles = titles_under(&format!("pactoVersion: \"1.2\"\n{HEAD}"), Compatibility::V2);
    assert!(titles.contains(&"Add readiness section".to_string()), "{titles:?}");
}

/// The action titled `title` is not offered on `text`.
fn not_offered(text: &str, title: &str) {
    let analysis = check(text);
    let offered = actions::actions(text, &analysis, 0..text.len(), today());
    assert!(!offered.iter().any(|it| it.title == title), "`{title}` offered on:\n{text}");
}

#[test]
fn version_fixes_keep_anchors_tags_and_quotes() {
    let body = "readiness:\n  checks:\n    - id: a\n      type: url\n      evidence: https://x\n      weight: 10\n      expires: \"2099-01-01\"\n";
    for (before, after) in [
        ("&v !!str '1.0' # keep", "&v !!str '1.1' # keep"),
        ("!!str 1.0", "!!str 1.1"),
        ("&v \"1.0\"", "&v \"1.1\""),
        ("&v 1.0", ""),
    ] {
        let input = format!("pactoVersion: {before}\n{HEAD}{body}");
        if after.is_empty() {
            // A number: the bump is not offered, quoting is.
            not_offered(&input, "Bump pactoVersion to 1.1");
            continue;
        }
        case(
            &input,
            "Bump pactoVersion to 1.1",
            &format!("pactoVersion: {after}\n{HEAD}{body}"),
            Code::SCHEMA_VIOLATION,
        );
    }
    case(
        &format!("pactoVersion: &v 1.0 # n\n{HEAD}"),
        "Quote pactoVersion: \"1.0\"",
        &format!("pactoVersion: &v \"1.0\" # n\n{HEAD}"),
        Code::UNSUPPORTED_PACTO_VERSION,
    );
    // A tag would keep even a quoted value a number.
    not_offered(&format!("pactoVersion: !!float 1.0\n{HEAD}"), "Quote pactoVersion: \"1.0\"");
}

#[test]
fn interface_change_keeps_anchors_tags_and_quotes() {
    let interfaces = "interfaces:\n  - name: web-api\n    type: http\n    port: 8080\n  - name: \"a: b\"\n    type: grpc\n    port: 9090\n";
    let head = format!("pactoVersion: \"1.1\"\n{HEAD}{interfaces}{RUNTIME}  health:\n    interface: ");
    for (before, title, after) in [
        ("&h !!str 'wbe-api' # c", "Change to `web-api`", "&h !!str 'web-api' # c"),
        ("&h wbe-api", "Change to `web-api`", "&h web-api"),
        ("!custom \"wbe-api\"", "Change to `web-api`", "!custom \"web-api\""),
        // A name that cannot be plain is written double-quoted, after the anchor.
        ("&h a:b", "Change to `a: b`", "&h \"a: b\""),
        ("\"a:b\"", "Change to `a: b`", "\"a: b\""),
    ] {
        let input = format!("{head}{before}\n    path: /h\n");
        let expected = format!("{head}{after}\n    path: /h\n");
        case(&input, title, &expected, Code::HEALTH_INTERFACE_NOT_FOUND);
    }
}

#[test]
fn runtime_fixes_keep_anchors_tags_and_quotes_and_leave_aliases_alone() {
    let input = format!(
        "pactoVersion: \"1.1\"\n{HEAD}{}",
        RUNTIME
            .replace("durability: ephemeral", "durability: &d !!str \"persistent\" # was")
            .replace("type: stateless", "type: !custom 'stateless'")
    );
    case(
        &input,
        "Set durability to `ephemeral`",
        &input.replace("&d !!str \"persistent\"", "&d !!str \"ephemeral\""),
        Code::STATELESS_PERSISTENT_CONFLICT,
    );
    case(
        &input,
        "Set state type to `stateful`",
        &input.replace("!custom 'stateless'", "!custom 'stateful'"),
        Code::STATELESS_PERSISTENT_CONFLICT,
    );
    // An alias keeps pointing at its anchor: the fix that would replace it is not offered.
    let aliased = format!(
        "pactoVersion: \"1.1\"\nmetadata:\n  durable: &p persistent\n{HEAD}{}",
        RUNTIME.replace("durability: ephemeral", "durability: *p")
    );
    not_offered(&aliased, "Set durability to `ephemeral`");
    case(
        &aliased,
        "Set state type to `stateful`",
        &aliased.replace("type: stateless", "type: stateful"),
        Code::STATELESS_PERSISTENT_CONFLICT,
    );
}

#[test]
fn scaling_swap_moves_the_numbers_and_keeps_each_side_anchor_and_tag() {
    let input = format!("pactoVersion: \"1.1\"\n{HEAD}scaling:\n  min: &lo !!int 12 # high\n  max: &hi 3\n");
    let expected = format!("pactoVersion: \"1.1\"\n{HEAD}scaling:\n  min: &lo !!int 3 # high\n  max: &hi 12\n");
    case(&input, "Swap `min` and `max`", &expected, Code::SCALING_MIN_EXCEEDS_MAX);
    let flow = format!("pactoVersion: \"1.1\"\n{HEAD}scaling: {{min: &lo 12, max: 3}}\n");
    let swapped = format!("pactoVersion: \"1.1\"\n{HEAD}scaling: {{min: &lo 3, max: 12}}\n");
    case(&flow, "Swap `min` and `max`", &swapped, Code::SCALING_MIN_EXCEEDS_MAX);
    let aliased = format!("pactoVersion: \"1.1\"\nmetadata:\n  n: &n 3\n{HEAD}scaling:\n  min: 12\n  max: *n\n");
    not_offered(&aliased, "Swap `min` and `max`");
}

#[test]
fn expiry_extension_keeps_anchors_tags_and_quotes() {
    let head = format!(
        "pactoVersion: \"1.1\"\n{HEAD}readiness:\n  checks:\n    - id: a\n      type: url\n      evidence: https://x\n      weight: 10\n      expires: "
    );
    let title = "Extend to 2027-02-20 (90 days from today)";
    for (before, after) in [
        ("&e !!str '2026-01-31' # old", "&e !!str '2027-02-20' # old"),
        ("!!str \"2026-01-31\"", "!!str \"2027-02-20\""),
        ("&e 2026-01-31", "&e 2027-02-20"),
    ] {
        case(&format!("{head}{before}\n"), title, &format!("{head}{after}\n"), Code::READINESS_CHECK_EXPIRED);
    }
}

#[test]
fn inserted_keys_respect_flow_mappings_and_anchors() {
    let input = "pactoVersion: \"1.1\"\nservice: &s {name: a}\n";
    case(
        input,
        "Add missing `version`",
        "pactoVersion: \"1.1\"\nservice: &s {name: a, version: 0.1.0}\n",
        Code::SCHEMA_VIOLATION,
    );
    let input = "pactoVersion: \"1.1\"\nservice: !!map {}\n";
    let output = apply(input, "Add missing `name`, `version`");
    assert_eq!(output, "pactoVersion: \"1.1\"\nservice: !!map {name: my-service, version: 0.1.0}\n");
    let input =
        "pactoVersion: \"1.1\"\nservice:\n  name: a\n  version: 1.0.0\ninterfaces:\n  - &i {name: api, type: http}\n";
    case(
        input,
        "Add `port: 8080`",
        "pactoVersion: \"1.1\"\nservice:\n  name: a\n  version: 1.0.0\ninterfaces:\n  - &i {name: api, type: http, port: 8080}\n",
        Code::PORT_REQUIRED,
    );
    // Block values cannot go into a flow mapping: not offered rather than broken YAML.
    not_offered(
        "pactoVersion: \"1.1\"\nservice: {name: a, version: 1.0.0}\nruntime: {workload: service}\n",
        "Add missing `state`",
    );
}

#[test]
fn missing_key_fixes_come_from_the_finding_data_not_its_message() {
    let input = "pactoVersion: \"1.1\"\nservice:\n  name: a\n";
    let mut analysis = check(input);
    let finding = analysis.findings.iter_mut().find(|it| it.code == Code::SCHEMA_VIOLATION).unwrap();
    assert_eq!(finding.detail, Some(Detail::MissingKeys(vec!["version".into()])));
    finding.message = "reworded".into();
    let offered = actions::actions(input, &analysis, 0..input.len(), today());
    assert!(offered.iter().any(|it| it.title == "Add missing `version`"), "{offered:?}");
    // Without the data, a message that looks right offers nothing.
    let finding = analysis.findings.iter_mut().find(|it| it.code == Code::SCHEMA_VIOLATION).unwrap();
    finding.message = "`service` is missing the required key `version`".into();
    finding.detail = None;
    let offered = actions::actions(input, &analysis, 0..input.len(), today());
    assert!(!offered.iter().any(|it| it.kind == ActionKind::QuickFix), "{offered:?}");
}

#[test]
fn unknown_key_fixes_come_from_the_finding_data() {
    let input = format!("pactoVersion: \"1.0\"\n{HEAD}configuration:\n  schema: configuration/schema.json\n");
    let analysis = check(&input);
    let finding = analysis.findings.iter().find(|it| it.code == Code::SCHEMA_VIOLATION).unwrap();
    assert_eq!(finding.detail, Some(Detail::UnknownKey("configuration".into())));
    // A quoted key keeps its quotes; an anchored mapping is not migrated (the anchor would move).
    let quoted = input.replace("configuration:", "\"configuration\":");
    case(
        &quoted,
        "Migrate to `configurations`",
        &format!(
            "pactoVersion: \"1.0\"\n{HEAD}\"configurations\":\n  - name: default\n    schema: configuration/schema.json\n"
        ),
        Code::SCHEMA_VIOLATION,
    );
    not_offered(&input.replace("configuration:\n", "configuration: &c\n"), "Migrate to `configurations`");
}

#[test]
fn readiness_goes_into_the_first_document() {
    let input = format!("pactoVersion: \"1.1\"\n{HEAD}---\nother: 1\n");
    let output = apply(&input, "Add readiness section");
    assert_eq!(
        output,
        format!(
            "pactoVersion: \"1.1\"\n{HEAD}readiness:\n  minScore: 100\n  checks:\n    - id: dashboard\n      type: url\n      evidence: https://dashboards.example.com/payments\n      weight: 100\n      expires: \"2027-02-20\"\n---\nother: 1\n"
        )
    );
    // A service name that does not fit a URL is not pasted into one.
    let input = "pactoVersion: \"1.1\"\nservice:\n  name: \"a: b\"\n  version: 1.0.0\n";
    let output = apply(input, "Add readiness section");
    assert!(output.contains("evidence: https://dashboards.example.com/service\n"), "{output}");
    assert!(yaml_is_complete(&output), "{output}");
}

fn yaml_is_complete(text: &str) -> bool {
    pacto_lsp::core::yaml::parse(text).is_complete()
}

#[test]
fn one_action_for_the_findings_it_fixes() {
    let input = "pactoVersion: \"1.1\"\nservice:\n  name: a\n  version: 1.0.0\nruntime:\n  health:\n    interface: api\n    path: /h\ninterfaces:\n  - name: api\n    type: http\n    port: 80\n";
    let analysis = check(input);
    let offered = actions::actions(input, &analysis, 0..input.len(), today());
    let adds: Vec<&actions::Action> = offered.iter().filter(|it| it.title.starts_with("Add missing")).collect();
    assert_eq!(adds.len(), 1, "{offered:#?}");
    assert_eq!(adds[0].title, "Add missing `workload`, `state`");
    assert_eq!(adds[0].fixes.len(), 2, "it fixes both missing-key findings");
}

/// Inputs the property tests in tests/ide_props.rs found edits breaking, checked on every run.
#[test]
fn found_by_property_tests() {
    // A byte order mark is not indentation: the readiness section starts at column 0.
    let input = "\u{feff}pactoVersion: \"1.1\"\nservice:\n  name: dup\n  version: 1.0.0\n";
    let output = apply(input, "Add readiness section");
    assert!(output.starts_with(&format!("{input}readiness:\n  minScore: 100\n")), "{output:?}");
    assert!(yaml_is_complete(&output), "{output}");
    // A single pair in a flow sequence (`[:]`) takes no more keys: not offered.
    not_offered("pactoVersion: \"1.1\"\nservice:\n  name: a\n  version: 1.0.0\npolicies: [:]\n", "Add missing `name`");
    not_offered(
        "pactoVersion: \"1.1\"\nservice:\n  name: a\n  version: 1.0.0\npolicies: [a: 1]\n",
        "Add missing `name`",
    );
    // A key after an empty block scalar (`scope: |`) goes right below it, not below the next line.
    let input = "pactoVersion: \"1.1\"\nservice:\n  name: a\n  version: 1.0.0\nruntime:\n  workload: service\n  state:\n    type: stateless\n    persistence:\n      scope: |\n    dataCriticality: low\n";
    let output = apply(input, "Add missing `durability`");
    assert_eq!(output, input.replace("scope: |\n", "scope: |\n      durability: ephemeral\n"));
    assert!(yaml_is_complete(&output), "{output}");
}

#[test]
fn no_fix_rewrites_an_alias() {
    // Every fixable value is an alias of a value under `metadata`.
    let input = "metadata:\n  v: &v \"1.0\"\n  h: &h wbe-api\n  d: &d persistent\n  t: &t stateless\n  hi: &hi 12\n  e: &e \"2026-01-31\"\npactoVersion: *v\nservice: &s\n  name: a\ninterfaces:\n  - name: web-api\n    type: http\n    port: 8080\nruntime:\n  workload: service\n  state:\n    type: *t\n    persistence:\n      scope: local\n      durability: *d\n    dataCriticality: low\n  health:\n    interface: *h\n    path: /h\nscaling:\n  min: *hi\n  max: 3\nreadiness:\n  checks:\n    - id: a\n      type: url\n      evidence: https://x\n      weight: 10\n      expires: *e\n";
    for text in [input.to_string(), crlf(input)] {
        let analysis = check(&text);
        let aliases: Vec<std::ops::Range<usize>> =
            text.match_indices(" *").map(|(at, _)| at + 1..text[at..].find(['\r', '\n']).unwrap() + at).collect();
        let offered = actions::actions(&text, &analysis, 0..text.len(), today());
        let titles: Vec<&str> = offered.iter().map(|it| it.title.as_str()).collect();
        // Only the fixes whose edits land elsewhere: the missing `service.version` (into the anchored mapping).
        assert_eq!(titles, ["Add missing `version`"], "{:#?}", analysis.findings);
        for action in &offered {
            for (range, _) in &action.edits {
                assert!(aliases.iter().all(|alias| range.end < alias.start || range.start > alias.end), "{action:?}");
            }
        }
        let output = actions::apply(&text, &offered[0].edits);
        assert_eq!(output, text.replace("  name: a", &format!("  name: a{}  version: 0.1.0", newline(&text))));
    }
}

fn newline(text: &str) -> &'static str {
    if text.contains("\r\n") { "\r\n" } else { "\n" }
}

// ---------------------------------------------------------------------------------------------
// pactoVersion 1.2 and 2.0.

const HEAD_2_0: &str = "pactoVersion: \"2.0\"\n# 契約 😀\nservice:\n  name: payments # the name\n  version: 1.0.0\n";

const INTERFACES_2_0: &str = "interfaces:\n  - name: web-api\n    type: openapi\n    ref: interfaces/openapi.yaml\n  - name: events\n    type: asyncapi\n    ref: interfaces/asyncapi.yaml\n";

#[test]
fn v2_interface_types_become_spec_types() {
    for (before, title, after) in [
        ("http", "Change to `openapi`", "openapi"),
        ("'http' # was 1.x", "Change to `openapi`", "'openapi' # was 1.x"),
        ("&t !!str \"event\"", "Change to `asyncapi`", "&t !!str \"asyncapi\""),
    ] {
        let input = format!("{HEAD_2_0}interfaces:\n  - name: api\n    type: {before}\n    ref: interfaces/api.yaml\n");
        let expected =
            format!("{HEAD_2_0}interfaces:\n  - name: api\n    type: {after}\n    ref: interfaces/api.yaml\n");
        case(&input, title, &expected, Code::INVALID_INTERFACE_TYPE);
    }
    // Any other type has no obvious replacement.
    let input = format!("{HEAD_2_0}interfaces:\n  - name: api\n    type: soap\n    ref: interfaces/api.yaml\n");
    let analysis = check(&input);
    assert!(analysis.findings.iter().any(|it| it.code == Code::INVALID_INTERFACE_TYPE));
    let offered = actions::actions(&input, &analysis, 0..input.len(), today());
    assert!(!offered.iter().any(|it| it.kind == ActionKind::QuickFix), "{offered:?}");
}

#[test]
fn v2_unknown_binding_interface_becomes_the_closest_one() {
    let input = format!(
        "{HEAD_2_0}{INTERFACES_2_0}capabilities:\n  - type: health\n    binding:\n      type: http\n      interface: \"wbe-api\" # typo\n      path: /health\n"
    );
    let expected = input.replace("\"wbe-api\"", "\"web-api\"");
    case(&input, "Change to `web-api`", &expected, Code::CAPABILITY_INTERFACE_UNKNOWN);
    let analysis = check(&input);
    let offered = actions::actions(&input, &analysis, 0..input.len(), today());
    let titles: Vec<&str> =
        offered.iter().filter(|it| it.kind == ActionKind::QuickFix).map(|it| it.title.as_str()).collect();
    assert_eq!(titles, ["Change to `web-api`", "Change to `events`"]);
    assert!(offered[0].preferred && !offered[1].preferred);
}

#[test]
fn v2_extension_refs_are_namespaced_when_the_namespace_is_written() {
    let input = |reference: &str| format!("{HEAD_2_0}capabilities:\n  - type: extension\n    ref: {reference}\n");
    case(
        &input("https://example.com/flags/"),
        "Change to `example.com/flags`",
        &input("example.com/flags"),
        Code::CAPABILITY_REF_INVALID,
    );
    case(
        &input("'/example.com/flags' # c"),
        "Change to `example.com/flags`",
        &input("'example.com/flags' # c"),
        Code::CAPABILITY_REF_INVALID,
    );
    for unusable in ["custom-flags", "https://localhost/flags", "example/flags"] {
        let text = input(unusable);
        let analysis = check(&text);
        assert!(analysis.findings.iter().any(|it| it.code == Code::CAPABILITY_REF_INVALID), "{unusable}");
        let offered = actions::actions(&text, &analysis, 0..text.len(), today());
        assert!(!offered.iter().any(|it| it.kind == ActionKind::QuickFix), "{unusable}: {offered:?}");
    }
}

#[test]
fn v2_policy_target_becomes_contract() {
    let input =
        format!("{HEAD_2_0}policies:\n  - name: p\n    schema: policy/schema.json\n    target: &t \"bundle\" # old\n");
    let expected = input.replace("\"bundle\"", "\"contract\"");
    case(&input, "Set target to `contract`", &expected, Code::UNSUPPORTED_POLICY_TARGET);
}

#[test]
fn v2_duplicate_capability_is_removed_with_its_lines() {
    let health =
        "  - type: health # first\n    binding:\n      type: http\n      interface: web-api\n      path: /health\n";
    let metrics = "  - type: metrics\n";
    let input = format!(
        "{HEAD_2_0}{INTERFACES_2_0}capabilities:\n{health}{metrics}  # the same again\n  - type: health\n    binding:\n      type: http\n      interface: web-api\n      path: /healthz # later\n  - type: extension\n    ref: example.com/flags\nworkload: service\n"
    );
    let expected = format!(
        "{HEAD_2_0}{INTERFACES_2_0}capabilities:\n{health}{metrics}  # the same again\n  - type: extension\n    ref: example.com/flags\nworkload: service\n"
    );
    case(&input, "Remove the duplicate capability", &expected, Code::DUPLICATE_CAPABILITY);
    // The last item of the file, and a flow sequence.
    let input = format!("{HEAD_2_0}capabilities:\n{metrics}{metrics}");
    case(
        &input,
        "Remove the duplicate capability",
        &format!("{HEAD_2_0}capabilities:\n{metrics}"),
        Code::DUPLICATE_CAPABILITY,
    );
    let input = format!("{HEAD_2_0}capabilities: [{{type: metrics}}, {{type: health}}, {{type: metrics}}]\n");
    case(
        &input,
        "Remove the duplicate capability",
        &format!("{HEAD_2_0}capabilities: [{{type: metrics}}, {{type: health}}]\n"),
        Code::DUPLICATE_CAPABILITY,
    );
    // An alias elsewhere reads a value inside the duplicate: removing it would break the file.
    let input = format!("{HEAD_2_0}capabilities:\n{metrics}  - type: &m metrics\nmetadata:\n  kind: *m\n");
    not_offered(&input, "Remove the duplicate capability");
}

#[test]
fn a_misspelt_key_is_renamed_to_the_suggestion() {
    let input = "pactoVersion: \"1.1\"\nservice:\n  nmae: payments # the name\n  version: 1.0.0\n";
    case(input, "Rename to `name`", &input.replace("nmae:", "name:"), Code::SCHEMA_VIOLATION);
    let input = format!("{HEAD_2_0}{INTERFACES_2_0}\"capabilites\":\n  - type: metrics\n");
    case(
        &input,
        "Rename to `capabilities`",
        &input.replace("\"capabilites\"", "\"capabilities\""),
        Code::SCHEMA_VIOLATION,
    );
    // The message's suggestion, worked out from the finding's data.
    let analysis = check(&input);
    let finding = analysis.findings.iter().find(|it| it.code == Code::SCHEMA_VIOLATION).unwrap();
    assert_eq!(finding.detail, Some(Detail::UnknownKey("capabilites".into())));
    assert!(finding.message.ends_with("did you mean `capabilities`?"), "{}", finding.message);
    // Not offered when the suggested key is already there, nor for a key with no close match.
    not_offered("pactoVersion: \"1.1\"\nservice:\n  name: a\n  nmae: b\n  version: 1.0.0\n", "Rename to `name`");
    let far = "pactoVersion: \"1.1\"\nservice:\n  name: a\n  version: 1.0.0\n  colour: red\n";
    let analysis = check(far);
    let offered = actions::actions(far, &analysis, 0..far.len(), today());
    assert!(!offered.iter().any(|it| it.title.starts_with("Rename to")), "{offered:?}");
}

#[test]
fn add_readiness_section_fits_the_version() {
    let body = "service:\n  name: payments\n  version: 1.0.0\n";
    let output = apply(&format!("pactoVersion: \"1.2\"\n{body}"), "Add readiness section");
    assert_eq!(
        output,
        format!(
            "pactoVersion: \"1.2\"\n{body}readiness:\n  minScore: 100\n  expires: \"2027-02-20\"\n  checks:\n    - id: dashboard\n      type: url\n      status: done\n      evidence: https://dashboards.example.com/payments\n      weight: 100\n"
        )
    );
    assert!(check(&output).findings.is_empty(), "{:#?}", check(&output).findings);
    let output = apply(&format!("pactoVersion: \"2.0\"\n{body}"), "Add readiness section");
    assert_eq!(
        output,
        format!(
            "pactoVersion: \"2.0\"\n{body}readiness:\n  minScore: 100\n  expires: \"2027-02-20\"\n  claims:\n    - id: dashboard\n      type: url\n      status: done\n      evidence: https://dashboards.example.com/payments\n      weight: 100\n"
        )
    );
    assert!(check(&output).findings.is_empty(), "{:#?}", check(&output).findings);
    // Only 1.0 is bumped (to 1.1); 1.1 keeps its version.
    let output = apply(&format!("pactoVersion: \"1.1\"\n{body}"), "Add readiness section");
    assert!(output.starts_with("pactoVersion: \"1.1\"\n"), "{output}");
    assert!(output.contains("    expires: \"2027-02-20\"\n"), "{output}");
}

#[test]
fn missing_keys_get_2_0_placeholders() {
    let input = format!("{HEAD_2_0}interfaces:\n  - name: api\n    ref: interfaces/api.yaml\n");
    case(&input, "Add missing `type`", &format!("{input}    type: openapi\n"), Code::SCHEMA_VIOLATION);
    let input = format!("{HEAD_2_0}readiness:\n  minScore: 50\n");
    let output = apply(&input, "Add missing `expires`, `claims`");
    assert_eq!(
        output,
        format!(
            "{input}  expires: \"2027-02-20\"\n  claims:\n    - id: dashboard\n      type: url\n      status: done\n      evidence: https://dashboards.example.com\n      weight: 100\n"
        )
    );
    assert!(check(&output).findings.is_empty(), "{:#?}", check(&output).findings);
    let input = "pactoVersion: \"1.2\"\nservice:\n  name: a\n  version: 1.0.0\nreadiness:\n  expires: \"2027-01-01\"\n";
    let output = apply(input, "Add missing `checks`");
    assert!(output.ends_with("  checks:\n    - id: dashboard\n      type: url\n      status: done\n      evidence: https://dashboards.example.com\n      weight: 100\n"), "{output}");
    assert!(check(&output).findings.is_empty(), "{:#?}", check(&output).findings);
}
