//! Editing features on cursor-marked fixtures: `$0` marks the cursor in the YAML.

use pacto_lsp::core::check::{Analysis, Environment, Options, analyze};
use pacto_lsp::core::date::{self, Date};
use pacto_lsp::core::ide::completion::{self, Completion, Context, Kind};
use pacto_lsp::core::ide::{actions, hover, navigation, outline};

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
