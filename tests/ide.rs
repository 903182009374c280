//! Editing features on cursor-marked fixtures: `$0` marks the cursor in the YAML.

use pacto_lsp::core::check::{Analysis, Environment, Options, analyze};
use pacto_lsp::core::date::{self, Date};
use pacto_lsp::core::ide::completion::{self, Completion, Context, Kind};
use pacto_lsp::core::ide::{actions, hover, navigation, outline};
use pacto_lsp::core::schema::Compatibility;

fn today() -> Date {
    date::parse_strict("2026-11-22").unwrap()
}

/// The text without the marker, the marker's byte offset, and the analysis of the text.
fn fixture(text: &str) -> (String, usize, Analysis) {
    let offset = text.find("$0").expect("fixture needs a $0 cursor");
    let text = text.replacen("$0", "", 1);
    let options = Options { today: today(), readiness_gate: false, warn_days: 14, compatibility: Default::default() };
    let analysis = analyze(&text, &options, &Environment::default());
    (text, offset, analysis)
}

fn complete_with(text: &str, files: &[&str], snippets: bool) -> (String, Vec<Completion>) {
    let (text, offset, analysis) = fixture(text);
    let files: Vec<String> = files.iter().map(|it| it.to_string()).collect();
    let contract = analysis.contract.clone().unwrap_or_default();
    let ctx = Context {
        text: &text,
        offset,
        version: analysis.version,
        compatibility: Default::default(),
        contract: &contract,
        bundle_files: &files,
        today: today(),
        snippets,
    };
    (text.clone(), completion::complete(&ctx))
}

fn labels(items: &[Completion]) -> Vec<&str> {
    items.iter().map(|it| it.label.as_str()).collect()
}

/// Labels in the order a client shows them (by sort text).
fn sorted_labels(items: &[Completion]) -> Vec<&str> {
    let mut sorted: Vec<&Completion> = items.iter().collect();
    sorted.sort_by(|a, b| a.sort.cmp(&b.sort));
    sorted.iter().map(|it| it.label.as_str()).collect()
}

const CONTRACT: &str = r#"pactoVersion: "1.1"
service:
  name: payments
  version: 1.0.0
interfaces:
  - name: rest
    type: http
    port: 8080
  - name: rpc
    type: grpc
    port: 9090
    contract: interfaces/rpc.proto
  - name: events
    type: event
    contract: interfaces/events.yaml
runtime:
  workload: service
  state:
    type: stateless
    persistence:
      scope: local
      durability: ephemeral
    dataCriticality: low
  health:
    interface: rest
    path: /health
"#;

#[test]
fn health_interface_offers_http_and_grpc_interfaces_only() {
    let text = CONTRACT.replace("    interface: rest\n", "    interface: $0\n");
    let (_, items) = complete_with(&text, &[], false);
    assert_eq!(labels(&items), ["rest", "rpc"]);
    assert_eq!(items[0].detail.as_deref(), Some("http · port 8080"));
    assert_eq!(items[0].kind, Kind::Reference);
    assert!(items[0].documentation.as_deref().unwrap().starts_with("**rest** — http interface · port 8080 · internal"));
}

#[test]
fn a_value_right_after_the_colon_gets_its_space() {
    let text = CONTRACT.replace("    interface: rest\n", "    interface:$0\n");
    let (text, items) = complete_with(&text, &[], false);
    assert_eq!(items[0].insert, " rest");
    assert_eq!(&text[items[0].replace.clone()], "");
}

#[test]
fn a_prefix_is_replaced_not_duplicated() {
    let text = CONTRACT.replace("    interface: rest\n", "    interface: re$0\n");
    let (text, items) = complete_with(&text, &[], false);
    let rest = items.iter().find(|it| it.label == "rest").unwrap();
    assert_eq!(&text[rest.replace.clone()], "re");
    let text = CONTRACT.replace("  workload: service\n", "  workload: serv$0ice\n");
    let (text, items) = complete_with(&text, &[], false);
    assert_eq!(labels(&items), ["service", "job", "scheduled"]);
    assert_eq!(&text[items[0].replace.clone()], "service");
    assert_eq!(items[1].documentation.as_deref(), Some("Runs once to completion"));
}

#[test]
fn keys_allowed_here_minus_present_ones_required_first() {
    let text = CONTRACT.replace("  workload: service\n", "  workload: service\n  $0\n");
    let (_, items) = complete_with(&text, &[], false);
    assert_eq!(sorted_labels(&items), ["lifecycle", "metrics"]);
    let text = CONTRACT.replace("interfaces:\n", "$0\ninterfaces:\n");
    let (_, items) = complete_with(&text, &[], false);
    assert_eq!(
        sorted_labels(&items),
        ["configurations", "policies", "dependencies", "scaling", "metadata", "readiness"]
    );
    // A fresh item in a list: required keys first, plain-text inserts without snippet support.
    let text = CONTRACT.replace("runtime:\n", "  - $0\nruntime:\n");
    let (_, items) = complete_with(&text, &[], false);
    assert_eq!(sorted_labels(&items), ["name", "type", "port", "visibility", "contract"]);
    assert_eq!(items[0].insert, "name: ");
    assert!(!items.iter().any(|it| it.is_snippet));
}

#[test]
fn nested_objects_open_an_indented_block() {
    let text = "pactoVersion: \"1.1\"\nservice:\n  name: a\n  version: 1.0.0\n  $0\n";
    let (_, items) = complete_with(text, &[], false);
    let image = items.iter().find(|it| it.label == "image").unwrap();
    assert_eq!(image.insert, "image:\n    ");
    let text = "pactoVersion: \"1.1\"\nreadiness:\n  $0\n";
    let (_, items) = complete_with(text, &[], false);
    assert_eq!(sorted_labels(&items), ["checks", "minScore"]);
    assert_eq!(items.iter().find(|it| it.label == "checks").unwrap().insert, "checks:\n    - ");
}

#[test]
fn readiness_keys_only_under_1_1() {
    let text = "pactoVersion: \"1.0\"\nservice:\n  name: a\n  version: 1.0.0\n$0\n";
    let (_, items) = complete_with(text, &[], false);
    assert!(!labels(&items).contains(&"readiness"));
}

#[test]
fn pacto_version_values_keep_the_quote_style() {
    let (_, items) = complete_with("pactoVersion: $0\n", &[], false);
    assert_eq!(
        items.iter().map(|it| it.insert.as_str()).collect::<Vec<_>>(),
        ["\"1.0\"", "\"1.1\"", "\"1.2\"", "\"2.0\""]
    );
    let (text, items) = complete_with("pactoVersion: \"1.$0\"\n", &[], false);
    assert_eq!(items.iter().map(|it| it.insert.as_str()).collect::<Vec<_>>(), ["1.0", "1.1", "1.2", "2.0"]);
    assert_eq!(&text[items[0].replace.clone()], "1.");
}

#[test]
fn bundle_files_fit_the_interface_type() {
    let files = ["configuration/schema.json", "interfaces/api.yaml", "interfaces/rpc.proto", "policy/schema.json"];
    let text = CONTRACT.replace("    contract: interfaces/rpc.proto\n", "    contract: $0\n");
    let (_, items) = complete_with(&text, &files, false);
    assert_eq!(labels(&items), ["interfaces/rpc.proto"]);
    let text = CONTRACT.replace("    port: 8080\n", "    port: 8080\n    contract: $0\n");
    let (_, items) = complete_with(&text, &files, false);
    assert_eq!(labels(&items), ["configuration/schema.json", "interfaces/api.yaml", "policy/schema.json"]);
    let text = format!("{CONTRACT}configurations:\n  - name: default\n    schema: $0\n");
    let (_, items) = complete_with(&text, &files, false);
    assert_eq!(labels(&items), ["configuration/schema.json", "policy/schema.json"]);
}

#[test]
fn readiness_types_and_an_expiry_90_days_ahead() {
    let text = "pactoVersion: \"1.1\"\nreadiness:\n  checks:\n    - id: a\n      type: $0\n";
    let (_, items) = complete_with(text, &[], false);
    assert_eq!(labels(&items), ["url", "document", "ticket", "report", "artifact", "identifier", "other"]);
    let text = "pactoVersion: \"1.1\"\nreadiness:\n  checks:\n    - id: a\n      expires: $0\n";
    let (_, items) = complete_with(text, &[], false);
    assert_eq!(labels(&items), ["2027-02-20"]);
    assert_eq!(items[0].insert, "\"2027-02-20\"");
}

#[test]
fn snippets_only_when_the_client_supports_them() {
    let text = "pactoVersion: \"1.1\"\nservice:\n  name: a\n  version: 1.0.0\n$0\n";
    let (_, plain) = complete_with(text, &[], false);
    assert!(!labels(&plain).contains(&"runtime block"));
    let (_, snippets) = complete_with(text, &[], true);
    let block = snippets.iter().find(|it| it.label == "runtime block").unwrap();
    assert!(block.is_snippet);
    assert!(
        block.insert.starts_with("runtime:\n  workload: ${1|service,job,scheduled|}\n  state:\n"),
        "{}",
        block.insert
    );
    let key = snippets.iter().find(|it| it.label == "runtime").unwrap();
    assert_eq!(key.insert, "runtime:\n  $0");
    let text = "pactoVersion: \"1.1\"\ninterfaces:\n  - $0\n";
    let (_, items) = complete_with(text, &[], true);
    let interface = items.iter().find(|it| it.label == "interface").unwrap();
    assert!(interface.insert.starts_with("name: ${1:api}\n    type: ${2|http,grpc,event|}"), "{}", interface.insert);
}

#[test]
fn completion_on_non_ascii_text_uses_byte_offsets() {
    let text = "pactoVersion: \"1.1\"\nservice:\n  name: \"😀-名前\"\nruntime:\n  workload: j$0\n";
    let (text, items) = complete_with(text, &[], false);
    let job = items.iter().find(|it| it.label == "job").unwrap();
    assert_eq!(&text[job.replace.clone()], "j");
}

#[test]
fn hover_on_keys_enum_values_references_and_readiness() {
    let at = |text: &str| {
        let (_, offset, analysis) = fixture(text);
        let contract = analysis.contract.clone().unwrap_or_default();
        hover::hover(&analysis.parsed.tree, &contract, analysis.version, Default::default(), offset, today())
            .map(|it| it.markdown)
    };
    let key = at(&CONTRACT.replace("  workload: service", "  work$0load: service")).unwrap();
    assert!(key.starts_with("**workload** — enum · required\n"), "{key}");
    assert!(key.contains("- `job`: Runs once to completion"), "{key}");
    let value = at(&CONTRACT.replace("    type: stateless", "    type: state$0less")).unwrap();
    assert!(value.starts_with("`stateless`: "), "{value}");
    let reference = at(&CONTRACT.replace("    interface: rest", "    interface: re$0st")).unwrap();
    assert_eq!(reference, "**rest** — http interface · port 8080 · internal");
    let port = at(&CONTRACT.replace("    port: 8080", "    po$0rt: 8080")).unwrap();
    assert!(port.starts_with("**port** — integer · 1–65535\n"), "{port}");
    let readiness = format!(
        "{CONTRACT}readiness:\n  minScore: 50\n  checks:\n    - id: dash\n      type: url\n      evidence: https://x\n      weight: 40\n      expires: \"2026-12-02\"\n    - id: old\n      type: ticket\n      evidence: T-1\n      weight: 60\n      expires: \"2026-01-$001\"\n"
    );
    let markdown = at(&readiness).unwrap();
    assert!(
        markdown.contains("Readiness check `old`: **expired** 325 days ago (2026-01-01); weight 60."),
        "{markdown}"
    );
    assert!(
        markdown.contains("Section score **40** / minScore 50 — the gate fails (1 current, 1 expired, 0 invalid)."),
        "{markdown}"
    );
    let current = at(&readiness.replace("$0", "").replace("id: dash", "id: da$0sh")).unwrap();
    assert!(
        current.contains("Readiness check `dash`: current — 10 days remaining (until 2026-12-02); weight 40."),
        "{current}"
    );
}

#[test]
fn definition_references_and_rename_of_interfaces() {
    let text = format!("{CONTRACT}  metrics:\n    interface: \"rest\"\n    path: /metrics\n");
    let (text, _, analysis) = fixture(&format!("{text}$0"));
    let tree = &analysis.parsed.tree;
    let reference = text.find("interface: rest").unwrap() + "interface: r".len();
    let declaration = text.find("name: rest").unwrap() + "name: ".len();
    match navigation::definition(tree, reference) {
        Some(navigation::Target::Here(span)) => assert_eq!(span, declaration..declaration + 4),
        other => panic!("{other:?}"),
    }
    let (name, spans) = navigation::references(tree, declaration + 1).unwrap();
    assert_eq!(name, "rest");
    let texts: Vec<&str> = spans.iter().map(|it| &text[it.clone()]).collect();
    assert_eq!(texts, ["rest", "rest", "rest"]);
    let edits = navigation::rename(tree, reference, "public-api").unwrap();
    let mut renamed = text.clone();
    for (span, new) in edits.iter().rev() {
        renamed.replace_range(span.clone(), new);
    }
    assert!(renamed.contains("  - name: public-api\n"));
    assert!(renamed.contains("    interface: public-api\n"));
    assert!(renamed.contains("    interface: \"public-api\"\n"), "quotes are kept");
    assert_eq!(navigation::rename(tree, reference, "rpc"), Err("an interface named `rpc` already exists".into()));
    for unusable in ["a: b", "x #y", "- x", "[x]", "*x", "123", "true", " api", "", "na\"me"] {
        assert!(navigation::rename(tree, reference, unusable).is_err(), "{unusable:?}");
    }
    // Only interface names can be renamed.
    assert_eq!(navigation::prepare_rename(tree, text.find("workload").unwrap()), None);
    assert_eq!(navigation::prepare_rename(tree, text.find("payments").unwrap()), None);
    let contract = text.find("interfaces/rpc.proto").unwrap();
    assert_eq!(navigation::definition(tree, contract), Some(navigation::Target::File("interfaces/rpc.proto".into())));
}

#[test]
fn outline_folding_selection_and_links() {
    let text = format!(
        "{CONTRACT}readiness:\n  checks:\n    - id: dash\n      type: url\n      evidence: \"https://grafana.example.com/d/x\"\n      weight: 40\n      expires: \"2026-12-02\"\n"
    );
    let (text, _, analysis) = fixture(&format!("{text}$0"));
    let tree = &analysis.parsed.tree;
    let symbols = outline::symbols(tree);
    let names: Vec<&str> = symbols.iter().map(|it| it.name.as_str()).collect();
    assert_eq!(names, ["pactoVersion", "service", "interfaces", "runtime", "readiness"]);
    assert_eq!(symbols[1].detail.as_deref(), Some("payments@1.0.0"));
    let interfaces: Vec<(&str, Option<&str>)> =
        symbols[2].children.iter().map(|it| (it.name.as_str(), it.detail.as_deref())).collect();
    assert_eq!(interfaces, [("rest", Some("http · 8080")), ("rpc", Some("grpc · 9090")), ("events", Some("event"))]);
    assert_eq!(&text[symbols[2].children[1].selection.clone()], "rpc");
    assert_eq!(symbols[4].children[0].name, "dash");

    let folds: Vec<&str> = outline::folding(tree).iter().map(|it| text[it.clone()].lines().next().unwrap()).collect();
    assert!(folds.contains(&"service:") && folds.contains(&"state:") && folds.contains(&"interfaces:"), "{folds:?}");

    let offset = text.find("stateless").unwrap() + 2;
    let chain: Vec<&str> = outline::selection(tree, offset).iter().map(|it| &text[it.clone()]).collect();
    assert_eq!(chain[0], "stateless");
    assert_eq!(chain[1], "type: stateless");
    assert!(chain.windows(2).all(|it| it[1].contains(it[0])));

    let links = outline::links(tree);
    let targets: Vec<(&str, &outline::LinkTarget)> =
        links.iter().map(|(span, target)| (&text[span.clone()], target)).collect();
    assert_eq!(
        targets,
        [
            ("interfaces/rpc.proto", &outline::LinkTarget::BundleFile("interfaces/rpc.proto".into())),
            ("interfaces/events.yaml", &outline::LinkTarget::BundleFile("interfaces/events.yaml".into())),
            ("https://grafana.example.com/d/x", &outline::LinkTarget::Url("https://grafana.example.com/d/x".into())),
        ]
    );
}

/// Renames the interface name at the first `$0` to `new_name` and returns the text.
fn renamed(text: &str, new_name: &str) -> Result<String, String> {
    let (text, offset, analysis) = fixture(text);
    let edits = navigation::rename(&analysis.parsed.tree, offset, new_name)?;
    Ok(actions::apply(&text, &edits))
}

const ANCHORED: &str = "pactoVersion: \"1.1\"\nservice:\n  name: payments\n  version: 1.0.0\ninterfaces:\n  - name: &api !!str 'r$0est' # the API\n    type: http\n    port: 8080\nruntime:\n  workload: service\n  state:\n    type: stateless\n    persistence:\n      scope: local\n      durability: ephemeral\n    dataCriticality: low\n  health:\n    interface: *api\n    path: /health\n  metrics:\n    interface: !!str \"rest\" # c\n    path: /metrics\n";

#[test]
fn rename_keeps_anchors_tags_and_quotes_and_leaves_aliases_alone() {
    for crlf in [false, true] {
        let convert = |text: &str| if crlf { text.replace('\n', "\r\n") } else { text.to_string() };
        let input = convert(ANCHORED);
        let expected = convert(
            &ANCHORED
                .replace("&api !!str 'r$0est'", "&api !!str 'public-api'")
                .replace("!!str \"rest\"", "!!str \"public-api\""),
        );
        let output = renamed(&input, "public-api").unwrap();
        assert_eq!(output, expected);
        assert!(output.contains("interface: *api"), "the alias is left alone");
        // Starting from the alias renames the same places.
        let from_alias = input.replace("r$0est", "rest").replace("*api", "*a$0pi");
        assert_eq!(renamed(&from_alias, "public-api").unwrap(), expected.replace("r$0est", "rest"));
    }
}

#[test]
fn references_show_aliases_and_rename_refuses_an_alias_of_another_value() {
    let (text, offset, analysis) = fixture(ANCHORED);
    let tree = &analysis.parsed.tree;
    let (_, spans) = navigation::references(tree, offset).unwrap();
    let texts: Vec<&str> = spans.iter().map(|it| &text[it.clone()]).collect();
    assert_eq!(texts, ["rest", "*api", "rest"]);
    let alias = text.find("*api").unwrap() + 1;
    let (span, name) = navigation::prepare_rename(tree, alias).unwrap();
    assert_eq!((&text[span], name.as_str()), ("*api", "rest"));
    let reference = text.find("\"rest\"").unwrap() + 2;
    let declaration = text.find("'rest'").unwrap() + 1;
    assert_eq!(navigation::definition(tree, reference), Some(navigation::Target::Here(declaration..declaration + 4)));
    // `*n` reads `metadata.n`, which a rename of the interface would not change.
    let other = ANCHORED
        .replace("&api !!str 'r$0est'", "r$0est")
        .replace("service:\n", "metadata:\n  n: &n rest\nservice:\n")
        .replace("*api", "*n");
    assert_eq!(
        renamed(&other, "public-api"),
        Err("`rest` is also read through an alias of a value that is not an interface name; rename it by hand".into())
    );
}

#[test]
fn rename_refuses_names_that_break_a_flow_mapping() {
    let text = "pactoVersion: \"1.1\"\ninterfaces: [{name: r$0est, type: http, port: 1}]\n";
    for name in ["a,b", "a}b", "a]b"] {
        assert!(renamed(text, name).is_err(), "{name}");
    }
    assert_eq!(
        renamed(text, "a.b").unwrap(),
        "pactoVersion: \"1.1\"\ninterfaces: [{name: a.b, type: http, port: 1}]\n"
    );
}

/// A name that would be markup if pasted into markdown as it is.
const NASTY: &str = "*bold* [x](javascript:alert(1)) <img src=x> ``a`` | # h";

#[test]
fn contract_text_is_escaped_in_hover_and_completion_markdown() {
    let escaped = r"\*bold\* \[x\]\(javascript\:alert\(1\)\) \<img src\=x\> \`\`a\`\` \| \# h";
    let code = "```*bold* [x](javascript:alert(1)) <img src=x> ``a`` | # h```";
    let quoted = format!("\"{NASTY}\"");
    let text = CONTRACT
        .replace("  - name: rest\n", &format!("  - name: {quoted}\n    visibility: \"<b>v</b>\"\n"))
        .replace("    contract: interfaces/rpc.proto\n", "    contract: \"a`b.proto\"\n");
    let hover_at = |text: &str| {
        let (_, offset, analysis) = fixture(text);
        let contract = analysis.contract.clone().unwrap_or_default();
        hover::hover(&analysis.parsed.tree, &contract, analysis.version, Default::default(), offset, today())
            .unwrap()
            .markdown
    };
    let reference = text.replace("    interface: rest\n", &format!("    interface: \"$0{NASTY}\"\n"));
    assert_eq!(hover_at(&reference), format!("**{escaped}** — http interface · port 8080 · \\<b\\>v\\</b\\>"));
    let unknown = text.replace("    interface: rest\n", &format!("    interface: \"$0{NASTY}!\"\n"));
    assert_eq!(
        hover_at(&unknown),
        "No interface named ```*bold* [x](javascript:alert(1)) <img src=x> ``a`` | # h!``` is declared."
    );
    let rpc = text.replace("    interface: rest\n", "    interface: r$0pc\n");
    assert_eq!(hover_at(&rpc), "**rpc** — grpc interface · port 9090 · internal\n\nContract: ``a`b.proto``");
    let readiness = format!(
        "{CONTRACT}readiness:\n  checks:\n    - id: {quoted}\n      type: ticket\n      evidence: T-1\n      weight: 60\n      expires: \"2026-12-$001\"\n"
    );
    let markdown = hover_at(&readiness);
    assert!(markdown.contains(&format!("\n\n---\n\nReadiness check {code}: current")), "{markdown}");

    let completion = text.replace("    interface: rest\n", "    interface: $0\n");
    let (_, items) = complete_with(&completion, &[], false);
    let item = items.iter().find(|it| it.label == NASTY).unwrap();
    assert_eq!(
        item.documentation.as_deref(),
        Some(format!("**{escaped}** — http interface · port 8080 · \\<b\\>v\\</b\\>").as_str())
    );
}

#[test]
fn rename_through_a_merge_key_edits_the_shared_value_once() {
    let text = "pactoVersion: \"1.1\"\ninterfaces:\n  - name: r$0est\n    type: http\n    port: 8080\nruntime:\n  health: &probe\n    interface: rest\n    path: /h\n  metrics:\n    <<: *probe\n    path: /m\n";
    let (plain, offset, analysis) = fixture(text);
    let (_, spans) = navigation::references(&analysis.parsed.tree, offset).unwrap();
    assert_eq!(spans.len(), 2, "{spans:?}");
    assert_eq!(renamed(text, "api").unwrap(), plain.replace("rest", "api"));
}

#[test]
fn completed_names_and_files_are_written_so_they_read_back() {
    let text = CONTRACT
        .replace("  - name: rest\n", "  - name: \"a: b\"\n")
        .replace("    interface: rest\n", "    interface: $0\n");
    let (_, items) = complete_with(&text, &[], false);
    assert_eq!(items[0].label, "a: b");
    assert_eq!(items[0].insert, "\"a: b\"");
    let quoted = text.replace("interface: $0", "interface: \"$0\"");
    let (_, items) = complete_with(&quoted, &[], false);
    assert_eq!(items[0].insert, "a: b");
    let files = ["it's #1.yaml", "plain.yaml"];
    let text = CONTRACT.replace("    port: 8080\n", "    port: 8080\n    contract: $0\n");
    let (_, items) = complete_with(&text, &files, false);
    let inserts: Vec<&str> = items.iter().map(|it| it.insert.as_str()).collect();
    assert_eq!(inserts, ["\"it's #1.yaml\"", "plain.yaml"]);
    let (_, items) = complete_with(&text.replace("contract: $0", "contract: '$0'"), &files, false);
    let inserts: Vec<&str> = items.iter().map(|it| it.insert.as_str()).collect();
    assert_eq!(inserts, ["it''s #1.yaml", "plain.yaml"]);
}

// ---------------------------------------------------------------------------------------------
// pactoVersion 1.2 and 2.0.

const V2: &str = r#"pactoVersion: "2.0"
service:
  name: orders
  version: 1.0.0
interfaces:
  - name: api
    type: openapi
    ref: interfaces/openapi.yaml
  - name: events
    type: asyncapi
    ref: interfaces/asyncapi.yaml
workload: service
state:
  type: stateless
  persistence:
    scope: local
    durability: ephemeral
  dataCriticality: low
capabilities:
  - type: health
    binding:
      type: http
      interface: api
      path: /health
  - type: metrics
    binding:
      type: http
      interface: "api"
      path: /metrics
  - type: extension
    ref: example.com/flags
readiness:
  minScore: 80
  expires: "2026-12-31"
  claims:
    - id: dashboards
      type: url
      category: observability
      status: done
      evidence: https://grafana.example.com/d/orders
      weight: 40
    - id: runbook
      type: document
      status: partial
      evidence: docs/runbook.md
      weight: 30
    - id: chaos
      type: report
      status: not-done
      evidence: none
      weight: 20
    - id: pentest
      type: ticket
      status: deferred
      evidence: SEC-1
      weight: 10
extensions:
  acme.com/cost:
    center: 42
"#;

const V1_2: &str = r#"pactoVersion: "1.2"
service:
  name: orders
  version: 1.0.0
  owner:
    team: payments
readiness:
  minScore: 50
  partialCredit: 0.25
  expires: "2026-11-30"
  checks:
    - id: dashboards
      type: url
      status: partial
      evidence: https://grafana.example.com/d/orders
      weight: 10
    - id: tests
      type: report
      status: done
      evidence: ci
      weight: 10
"#;

#[test]
fn the_fixtures_of_this_section_are_valid() {
    let codes = |text: &str| {
        let (_, _, analysis) = fixture(&format!("{text}$0"));
        analysis.findings.iter().map(|it| it.code.as_str()).collect::<Vec<_>>()
    };
    assert_eq!(codes(V2), Vec::<&str>::new());
    // The 1.2 assessment expires in 8 days: the hint the lens and hover repeat.
    assert_eq!(codes(V1_2), ["READINESS_CHECK_EXPIRING"]);
}

#[test]
fn v2_keys_come_from_the_2_0_schema() {
    let text = V2.replace("workload: service\n", "workload: service\n$0\n");
    let (_, items) = complete_with(&text, &[], false);
    assert_eq!(sorted_labels(&items), ["configurations", "policies", "dependencies", "metadata"]);
    let text = V2.replace("  - type: extension\n", "  - $0\n  - type: extension\n");
    let (_, items) = complete_with(&text, &[], false);
    assert_eq!(sorted_labels(&items), ["type", "ref", "binding"]);
    let binding = items.iter().find(|it| it.label == "binding").unwrap();
    assert_eq!(binding.insert, "binding:\n      ");
    assert_eq!(binding.detail.as_deref(), Some("mapping"));
    let text = V2.replace("    - id: pentest\n", "    - $0\n    - id: pentest\n");
    let (_, items) = complete_with(&text, &[], false);
    assert_eq!(sorted_labels(&items), ["id", "type", "status", "evidence", "weight", "category", "description"]);
    // A 2.0 interface has a spec `ref`, no `port` or `contract`.
    let text = V2.replace("    ref: interfaces/asyncapi.yaml\n", "    $0\n");
    let (_, items) = complete_with(&text, &[], false);
    assert_eq!(sorted_labels(&items), ["ref", "visibility"]);
}

#[test]
fn v2_enums_come_with_their_meanings() {
    let enum_at = |from: &str, to: &str| {
        let (_, items) = complete_with(&V2.replacen(from, to, 1), &[], false);
        items.iter().map(|it| (it.label.clone(), it.documentation.clone().unwrap_or_default())).collect::<Vec<_>>()
    };
    let types = enum_at("  - type: metrics\n", "  - type: $0\n");
    assert_eq!(
        types,
        [
            ("health".to_string(), "Standard health endpoint the platform probes".to_string()),
            ("metrics".into(), "Standard metrics endpoint the platform scrapes".into()),
            ("extension".into(), "Custom capability named by a namespaced ref".into()),
        ]
    );
    let labels_at = |from: &str, to: &str| -> Vec<String> {
        let (_, items) = complete_with(&V2.replacen(from, to, 1), &[], false);
        assert!(items.iter().all(|it| it.kind == Kind::EnumMember && it.documentation.is_some()), "{items:?}");
        items.into_iter().map(|it| it.label).collect()
    };
    assert_eq!(labels_at("    type: openapi\n", "    type: $0\n"), ["openapi", "asyncapi", "grpc"]);
    assert_eq!(labels_at("      status: partial\n", "      status: $0\n"), ["done", "partial", "not-done", "deferred"]);
    assert_eq!(labels_at("      category: observability\n", "      category: $0\n").len(), 14);
    assert_eq!(labels_at("      type: http\n", "      type: $0\n"), ["http"]);
    let policy =
        V2.replace("workload:", "policies:\n  - name: p\n    schema: policy/schema.json\n    target: $0\nworkload:");
    let (_, items) = complete_with(&policy, &[], false);
    assert_eq!(labels(&items), ["contract"]);
}

#[test]
fn v2_bindings_offer_declared_interfaces_and_refs_offer_spec_files() {
    let text = V2.replacen("      interface: api\n", "      interface: $0\n", 1);
    let (_, items) = complete_with(&text, &[], false);
    assert_eq!(labels(&items), ["api", "events"]);
    assert_eq!(items[0].kind, Kind::Reference);
    assert_eq!(items[0].detail.as_deref(), Some("openapi"));
    assert_eq!(
        items[0].documentation.as_deref(),
        Some("**api** — openapi interface · internal\n\nSpec: `interfaces/openapi.yaml`")
    );
    let quoted = V2.replacen("      interface: \"api\"\n", "      interface: \"a$0\"\n", 1);
    let (text, items) = complete_with(&quoted, &[], false);
    assert_eq!(items[0].insert, "api");
    assert_eq!(&text[items[0].replace.clone()], "a");
    let files = ["interfaces/openapi.yaml", "interfaces/orders.proto", "interfaces/orders.json", "README.md"];
    let text = V2.replace("    ref: interfaces/asyncapi.yaml\n", "    ref: $0\n");
    let (_, items) = complete_with(&text, &files, false);
    assert_eq!(labels(&items), ["interfaces/openapi.yaml", "interfaces/orders.json"]);
    assert!(items.iter().all(|it| it.kind == Kind::File));
}

#[test]
fn v2_dates_and_snippets() {
    let text = V2.replace("  expires: \"2026-12-31\"\n", "  expires: $0\n");
    let (_, items) = complete_with(&text, &[], false);
    assert_eq!(items.iter().map(|it| it.insert.as_str()).collect::<Vec<_>>(), ["\"2027-02-20\""]);
    let history = V2.replace("  minScore: 80\n", "  minScore: 80\n  history:\n    - date: $0\n");
    let (_, items) = complete_with(&history, &[], false);
    assert_eq!(items.iter().map(|it| it.insert.as_str()).collect::<Vec<_>>(), ["\"2026-11-22\""]);
    let root = V2.replace("workload: service\n", "$0\n");
    let (_, items) = complete_with(&root.replace("state:", "other:"), &[], true);
    let state = items.iter().find(|it| it.label == "state block").unwrap();
    assert!(state.insert.starts_with("state:\n  type: ${1|stateless,stateful,hybrid|}\n"), "{}", state.insert);
    assert!(!labels(&items).contains(&"runtime block"));
    let text = V2.replace("  - type: extension\n    ref: example.com/flags\n", "  - $0\n");
    let (_, items) = complete_with(&text, &[], true);
    let capability = items.iter().find(|it| it.label == "health capability").unwrap();
    assert_eq!(
        capability.insert,
        "type: ${1|health,metrics|}\n    binding:\n      type: http\n      interface: ${2:api}\n      path: ${3:/health}\n$0"
    );
    let text = V2.replace("    - id: pentest\n", "    - $0\n    - id: pentest\n");
    let (_, items) = complete_with(&text, &[], true);
    let claim = items.iter().find(|it| it.label == "readiness claim").unwrap();
    assert!(claim.insert.starts_with("id: ${1:dashboard}\n      type: ${2|url,"), "{}", claim.insert);
    assert!(claim.insert.contains("\n      status: ${3|done,partial,not-done,deferred|}\n"), "{}", claim.insert);
    let text = "pactoVersion: \"2.0\"\ninterfaces:\n  - $0\n";
    let (_, items) = complete_with(text, &[], true);
    let interface = items.iter().find(|it| it.label == "interface").unwrap();
    assert!(interface.insert.contains("type: ${2|openapi,asyncapi,grpc|}\n    ref: "), "{}", interface.insert);
}

#[test]
fn half_typed_text_completes_in_the_version_it_declares() {
    // An unclosed quote below the cursor: the YAML does not parse, so the analysis has no version.
    let text = format!("{}$0\nbroken: \"\n", V2.replace("workload: service\n", ""));
    let (_, offset, analysis) = fixture(&text);
    assert_eq!(analysis.version, None);
    let (_, items) = complete_with(&text, &[], false);
    assert!(labels(&items).contains(&"workload"), "{:?}", labels(&items));
    assert!(!labels(&items).contains(&"runtime"));
    let v1 = "pactoVersion: '1.1' # old\nservice:\n  name: a\n  version: 1.0.0\n$0\nbroken: \"\n";
    let (_, items) = complete_with(v1, &[], false);
    assert!(labels(&items).contains(&"runtime") && labels(&items).contains(&"readiness"), "{:?}", labels(&items));
    // With no version at all, the newest format.
    let (_, items) = complete_with("service:\n  name: a\n$0\n", &[], false);
    assert!(labels(&items).contains(&"capabilities"), "{:?}", labels(&items));
    let _ = offset;
}

#[test]
fn v1_2_readiness_completes_as_one_assessment() {
    let text = V1_2.replace("  minScore: 50\n", "  $0\n");
    let (_, items) = complete_with(&text, &[], false);
    assert_eq!(sorted_labels(&items), ["minScore", "history"]);
    let text = V1_2.replace("      status: done\n", "      status: $0\n");
    let (_, items) = complete_with(&text, &[], false);
    assert_eq!(labels(&items), ["done", "partial", "not-done", "deferred"]);
    let text = V1_2.replace("    - id: tests\n", "    - $0\n    - id: tests\n");
    let (_, items) = complete_with(&text, &[], true);
    let check = items.iter().find(|it| it.label == "readiness check").unwrap();
    assert!(!check.insert.contains("expires"), "{}", check.insert);
    assert!(check.insert.contains("status: ${3|done,partial,not-done,deferred|}"), "{}", check.insert);
}

/// Completion and hover under `--compatibility v2`, where 1.0 and 1.1 have the v2 CLI's meaning.
#[test]
fn the_compatibility_setting_picks_the_schema() {
    let text = "pactoVersion: \"1.1\"\nservice:\n  name: a\n  version: 1.0.0\n$0\n";
    let (text, offset, analysis) = fixture(text);
    let contract = analysis.contract.clone().unwrap_or_default();
    let complete = |compatibility| {
        let ctx = Context {
            text: &text,
            offset,
            version: analysis.version,
            compatibility,
            contract: &contract,
            bundle_files: &[],
            today: today(),
            snippets: false,
        };
        completion::complete(&ctx).into_iter().map(|it| it.label).collect::<Vec<_>>()
    };
    assert!(complete(Compatibility::V1).contains(&"readiness".to_string()));
    assert!(!complete(Compatibility::V2).contains(&"readiness".to_string()));
    let owner = "pactoVersion: \"1.1\"\nservice:\n  name: a\n  version: 1.0.0\n  ow$0ner:\n    team: t\n";
    let (_, offset, analysis) = fixture(owner);
    let contract = analysis.contract.clone().unwrap_or_default();
    let hover_with = |compatibility| {
        hover::hover(&analysis.parsed.tree, &contract, analysis.version, compatibility, offset, today())
            .unwrap()
            .markdown
    };
    assert!(
        hover_with(Compatibility::V1).starts_with("**owner** — string or object\n"),
        "{}",
        hover_with(Compatibility::V1)
    );
    let v2 = hover_with(Compatibility::V2);
    assert!(v2.starts_with("**owner** — mapping\n"), "{v2}");
    assert!(v2.contains("The v2 CLI no longer accepts a plain string."), "{v2}");
}

fn hover_at(text: &str) -> Option<String> {
    let (_, offset, analysis) = fixture(text);
    let contract = analysis.contract.clone().unwrap_or_default();
    hover::hover(&analysis.parsed.tree, &contract, analysis.version, Compatibility::V1, offset, today())
        .map(|it| it.markdown)
}

#[test]
fn v2_hover_reads_the_2_0_schema_and_scores_claims() {
    let value = hover_at(&V2.replace("    type: openapi", "    type: open$0api")).unwrap();
    assert!(value.starts_with("`openapi`: "), "{value}");
    let key = hover_at(&V2.replace(
        "    binding:\n      type: http\n      interface: api\n      path: /health",
        "    bin$0ding:\n      type: http\n      interface: api\n      path: /health",
    ))
    .unwrap();
    assert!(key.starts_with("**binding** — mapping\n\n"), "{key}");
    let reference = hover_at(&V2.replacen("      interface: api\n", "      interface: a$0pi\n", 1)).unwrap();
    assert_eq!(reference, "**api** — openapi interface · internal\n\nSpec: `interfaces/openapi.yaml`");
    let unknown = hover_at(&V2.replacen("      interface: api\n", "      interface: ap$0p\n", 1)).unwrap();
    assert_eq!(unknown, "No interface named `app` is declared.");
    let summary = "Assessment score **61** / minScore 80 — the gate fails; expires in 39 days (2026-12-31) (1 done, 1 partial, 1 not-done, 1 deferred).";
    let claim = hover_at(&V2.replace("    - id: runbook", "    - id: run$0book")).unwrap();
    assert!(
        claim.ends_with(&format!(
            "\n\n---\n\nReadiness claim `runbook`: partial (credit 0.5); earns 15 of weight 30.\n\n{summary}"
        )),
        "{claim}"
    );
    let deferred = hover_at(&V2.replace("      evidence: SEC-1", "      evidence: SEC$0-1")).unwrap();
    assert!(deferred.contains("Readiness claim `pentest`: deferred — left out of the score; weight 10."), "{deferred}");
    let section = hover_at(&V2.replace("  expires: \"2026-12-31\"", "  expires: \"2026-12$0-31\"")).unwrap();
    assert!(section.ends_with(&format!("\n\n---\n\n{summary}")), "{section}");
    let expired = hover_at(
        &V2.replace("\"2026-12-31\"", "\"2026-01-01\"").replace("    - id: dashboards", "    - id: dash$0boards"),
    )
    .unwrap();
    assert!(expired.contains("Readiness claim `dashboards`: done; earns 0 of weight 40.\n\nAssessment score **0** / minScore 80 — the gate fails; **expired** on 2026-01-01: no item earns weight"), "{expired}");
}

#[test]
fn v1_2_hover_scores_checks_with_their_status() {
    let check = hover_at(&V1_2.replace("    - id: dashboards", "    - id: dash$0boards")).unwrap();
    assert!(
        check.ends_with("Readiness check `dashboards`: partial (credit 0.25); earns 3 of weight 10.\n\nAssessment score **65** / minScore 50 — the gate passes; expires in 8 days (2026-11-30) (1 done, 1 partial, 0 not-done, 0 deferred)."),
        "{check}"
    );
    // The 1.2 schema: no per-check `expires`, a `status` enum with meanings.
    let status = hover_at(&V1_2.replace("      status: done", "      status: do$0ne")).unwrap();
    assert!(status.starts_with("`done`: "), "{status}");
    assert!(!status.contains("invalid date"), "{status}");
}

#[test]
fn v2_definition_references_and_rename_through_capability_bindings() {
    let (text, _, analysis) = fixture(&format!("{V2}$0"));
    let tree = &analysis.parsed.tree;
    let binding = text.find("interface: api").unwrap() + "interface: a".len();
    let declaration = text.find("name: api").unwrap() + "name: ".len();
    assert_eq!(navigation::definition(tree, binding), Some(navigation::Target::Here(declaration..declaration + 3)));
    let (name, spans) = navigation::references(tree, declaration).unwrap();
    assert_eq!(name, "api");
    let starts: Vec<usize> = spans.iter().map(|it| it.start).collect();
    let quoted = text.find("\"api\"").unwrap() + 1;
    assert_eq!(starts, [declaration, binding - 1, quoted]);
    let renamed = actions::apply(&text, &navigation::rename(tree, binding, "public-api").unwrap());
    assert_eq!(
        renamed,
        text.replace("name: api\n", "name: public-api\n")
            .replace("interface: api\n", "interface: public-api\n")
            .replace("interface: \"api\"\n", "interface: \"public-api\"\n")
    );
    assert_eq!(navigation::rename(tree, binding, "events"), Err("an interface named `events` already exists".into()));
    let spec = text.find("interfaces/openapi.yaml").unwrap();
    assert_eq!(navigation::definition(tree, spec), Some(navigation::Target::File("interfaces/openapi.yaml".into())));
}

#[test]
fn v2_outline_folding_and_links() {
    let (text, _, analysis) = fixture(&format!("{V2}$0"));
    let tree = &analysis.parsed.tree;
    let symbols = outline::symbols(tree);
    let top: Vec<(&str, Option<&str>)> = symbols.iter().map(|it| (it.name.as_str(), it.detail.as_deref())).collect();
    assert_eq!(
        top,
        [
            ("pactoVersion", Some("2.0")),
            ("service", Some("orders@1.0.0")),
            ("interfaces", None),
            ("workload", Some("service")),
            ("state", Some("stateless")),
            ("capabilities", None),
            ("readiness", Some("expires 2026-12-31")),
            ("extensions", None),
        ]
    );
    let children = |index: usize| -> Vec<(&str, Option<&str>)> {
        symbols[index].children.iter().map(|it| (it.name.as_str(), it.detail.as_deref())).collect()
    };
    assert_eq!(children(2), [("api", Some("openapi")), ("events", Some("asyncapi"))]);
    assert_eq!(
        children(5),
        [("health", Some("api · /health")), ("metrics", Some("api · /metrics")), ("example.com/flags", None)]
    );
    assert_eq!(&text[symbols[5].children[2].selection.clone()], "example.com/flags");
    assert_eq!(
        children(6),
        [
            ("dashboards", Some("url · done")),
            ("runbook", Some("document · partial")),
            ("chaos", Some("report · not-done")),
            ("pentest", Some("ticket · deferred")),
        ]
    );
    assert_eq!(children(7), [("acme.com/cost", None)]);
    let folds: Vec<&str> = outline::folding(tree).iter().map(|it| text[it.clone()].lines().next().unwrap()).collect();
    for fold in ["capabilities:", "binding:", "claims:", "extensions:", "acme.com/cost:", "state:"] {
        assert!(folds.contains(&fold), "{fold}: {folds:?}");
    }
    let links: Vec<&str> = outline::links(tree).iter().map(|(span, _)| &text[span.clone()]).collect();
    assert_eq!(links, ["interfaces/openapi.yaml", "interfaces/asyncapi.yaml", "https://grafana.example.com/d/orders"]);
}
