//! Property tests for the editing features: whatever the text and wherever the cursor, every IDE
//! entry point returns (no panic) well-formed data.
//!
//! Checked on every result: each range or offset lies inside the document, is not reversed and
//! starts and ends on char boundaries; the edits of each code action and of a rename do not
//! overlap, and applying them gives valid UTF-8. When the text was complete YAML, the edited text
//! must be complete YAML too: an edit never breaks the file.
//!
//! Offsets are anywhere from 0 to past the end, including inside a multi-byte character: the core
//! accepts any offset and answers as for a nearby position.
//!
//! Inputs: token soup (non-ASCII, CRLF, tabs, anchors, aliases, tags) and mutations of every
//! fixture contract. The runs are bounded like tests/fuzz.rs (see [`config`]); `PROPTEST_CASES=N`
//! overrides the case counts. Each test prints its seed (shown only when it fails): rerun with
//! `PROPTEST_RNG_SEED=<seed>` to reproduce.

use std::ops::Range;
use std::sync::LazyLock;

use pacto_lsp::core::check::{Analysis, Environment, Options, analyze};
use pacto_lsp::core::date::{self, Date};
use pacto_lsp::core::ide::completion::{self, Context};
use pacto_lsp::core::ide::outline::{self, Symbol};
use pacto_lsp::core::ide::{actions, hover, navigation};
use pacto_lsp::core::path::Path as ContractPath;
use pacto_lsp::core::readiness;
use pacto_lsp::core::schema::Compatibility;
use pacto_lsp::core::yaml;
use proptest::prelude::*;
use proptest::sample::{Index, select};
use proptest::test_runner::TestCaseError;

// Only the fixture folders are used here, not their bundles.
#[allow(dead_code)]
#[path = "support/fixture_bundles.rs"]
mod fixture_bundles;
#[path = "support/props.rs"]
mod props;
use fixture_bundles::fixture_dirs;
use props::config;

fn today() -> Date {
    date::parse_strict("2026-11-22").expect("a valid date")
}

fn check(text: &str) -> Analysis {
    analyze(
        text,
        &Options { today: today(), readiness_gate: true, warn_days: 14, compatibility: Default::default() },
        &Environment::default(),
    )
}

// ---------------------------------------------------------------------------------------------
// Invariants.

fn range_ok(text: &str, range: &Range<usize>, what: &str) -> Result<(), TestCaseError> {
    prop_assert!(range.start <= range.end, "{what}: reversed range {range:?}");
    prop_assert!(range.end <= text.len(), "{what}: range {range:?} past the end ({} bytes)", text.len());
    prop_assert!(
        text.is_char_boundary(range.start) && text.is_char_boundary(range.end),
        "{what}: range {range:?} not on char boundaries"
    );
    Ok(())
}

/// Edits lie inside the text, on char boundaries, and do not overlap; returns the edited text.
fn apply_edits(text: &str, edits: &[(Range<usize>, String)], what: &str) -> Result<String, TestCaseError> {
    let mut sorted: Vec<&Range<usize>> = edits.iter().map(|(range, _)| range).collect();
    sorted.sort_by_key(|it| (it.start, it.end));
    for range in &sorted {
        range_ok(text, range, what)?;
    }
    for pair in sorted.windows(2) {
        // Two insertions at one offset would apply in an unspecified order: that counts as overlap.
        let overlap = pair[0].end > pair[1].start || (pair[0].start == pair[1].start && pair[0].is_empty());
        prop_assert!(!overlap, "{what}: overlapping edits {:?} and {:?}", pair[0], pair[1]);
    }
    Ok(actions::apply(text, edits))
}

/// The edited text is YAML whenever the original was.
fn stays_yaml(before: &str, after: &str, what: &str) -> Result<(), TestCaseError> {
    if yaml::parse(before).is_complete() {
        let problems = yaml::parse(after).problems;
        prop_assert!(
            problems.iter().all(|it| it.kind != yaml::ProblemKind::Syntax),
            "{what}: the edit broke the YAML: {problems:?}\nbefore: {before:?}\nafter: {after:?}"
        );
    }
    Ok(())
}

fn symbols_ok(text: &str, symbols: &[Symbol]) -> Result<(), TestCaseError> {
    for symbol in symbols {
        range_ok(text, &symbol.span, "symbol span")?;
        range_ok(text, &symbol.selection, "symbol selection")?;
        symbols_ok(text, &symbol.children)?;
    }
    Ok(())
}

/// Names a rename may be asked for: usable, taken, empty and unusable ones.
const NEW_NAMES: &[&str] = &["public-api", "api", "a.b", "", "a: b", "*x", "&x", "!x", "😀", "a,b", "x y", "1"];

/// Every editing feature on `text`, at each of `offsets` (and each pair of them as a range),
/// checked against the invariants.
fn check_features(text: &str, offsets: &[usize], new_name: &str) -> Result<(), TestCaseError> {
    let analysis = check(text);
    let tree = &analysis.parsed.tree;
    let contract = analysis.contract.clone().unwrap_or_default();
    symbols_ok(text, &outline::symbols(tree))?;
    for range in outline::folding(tree) {
        range_ok(text, &range, "folding")?;
    }
    for (range, _) in outline::links(tree) {
        range_ok(text, &range, "link")?;
    }
    // The readiness code lens: the score (1.1) or the assessment (1.2, 2.0), on the `readiness` key.
    if let Some(section) = contract.readiness.as_ref() {
        let _ = readiness::score(section, today());
        let _ = readiness::assess(section, &section.checks, today());
        let _ = readiness::assess(section, &section.claims, today());
        if let Some(key) = tree.key_node(&ContractPath::root().key("readiness")) {
            range_ok(text, &tree.span(key), "code lens")?;
        }
    }
    check_actions(text, &analysis, 0..text.len())?;
    for (idx, &offset) in offsets.iter().enumerate() {
        check_at(text, &analysis, offset, new_name)?;
        // Every range the client may ask for, reversed ones included.
        let other = offsets[(idx + 1) % offsets.len()];
        check_actions(text, &analysis, offset..other)?;
    }
    Ok(())
}

fn check_actions(text: &str, analysis: &Analysis, range: Range<usize>) -> Result<(), TestCaseError> {
    for action in actions::actions(text, analysis, range, today()) {
        let edited = apply_edits(text, &action.edits, &action.title)?;
        stays_yaml(text, &edited, &action.title)?;
    }
    Ok(())
}

/// The features that take a cursor.
fn check_at(text: &str, analysis: &Analysis, offset: usize, new_name: &str) -> Result<(), TestCaseError> {
    let tree = &analysis.parsed.tree;
    let contract = analysis.contract.clone().unwrap_or_default();
    let files = ["interfaces/openapi.yaml".to_string(), "a b: c#.json".to_string()];
    for (snippets, compatibility) in [(false, Compatibility::V1), (true, Compatibility::V2)] {
        let ctx = Context {
            text,
            offset,
            version: analysis.version,
            compatibility,
            contract: &contract,
            bundle_files: &files,
            today: today(),
            snippets,
        };
        for item in completion::complete(&ctx) {
            range_ok(text, &item.replace, "completion")?;
        }
    }
    for compatibility in [Compatibility::V1, Compatibility::V2] {
        if let Some(found) = hover::hover(tree, &contract, analysis.version, compatibility, offset, today()) {
            range_ok(text, &found.span, "hover")?;
        }
    }
    if let Some(navigation::Target::Here(range)) = navigation::definition(tree, offset) {
        range_ok(text, &range, "definition")?;
    }
    if let Some((_, ranges)) = navigation::references(tree, offset) {
        for range in &ranges {
            range_ok(text, range, "references")?;
        }
    }
    if let Some((range, _)) = navigation::prepare_rename(tree, offset) {
        range_ok(text, &range, "prepare rename")?;
    }
    if let Ok(edits) = navigation::rename(tree, offset, new_name) {
        let renamed = apply_edits(text, &edits, "rename")?;
        stays_yaml(text, &renamed, &format!("rename to {new_name:?}"))?;
    }
    let chain = outline::selection(tree, offset);
    for range in &chain {
        range_ok(text, range, "selection")?;
    }
    for pair in chain.windows(2) {
        prop_assert!(pair[1].start <= pair[0].start && pair[0].end <= pair[1].end, "selection not nested: {chain:?}");
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Generators.

/// YAML punctuation, Pacto keys and awkward text, for token soup and fixture mutations.
const TOKENS: &[&str] = &[
    ":",
    ": ",
    "- ",
    "[",
    "]",
    "{",
    "}",
    ", ",
    "? ",
    "&a ",
    "*a",
    "&b ",
    "*b",
    "<<: *a",
    "!!str ",
    "!!int ",
    "!custom ",
    "!<tag:yaml.org,2002:str> ",
    "\"",
    "'",
    "\\",
    "\t",
    "\r",
    "\r\n",
    "\n",
    "\n  ",
    "\n    ",
    "\n- ",
    "  ",
    "#",
    " # c",
    "|",
    "|-\n  ",
    ">\n  ",
    "---\n",
    "...\n",
    "😀",
    "é",
    "名前",
    "\u{feff}",
    "\u{0}",
    "\u{85}",
    "\u{2028}",
    "~",
    "null",
    "pactoVersion: ",
    "\"1.1\"",
    "\"1.0\"",
    "1.0",
    "service",
    "name: ",
    "version: ",
    "interfaces",
    "type: http",
    "type: grpc",
    "port: ",
    "contract: ",
    "configuration",
    "configurations",
    "schema: ",
    "runtime",
    "state",
    "persistence",
    "durability: persistent",
    "type: stateless",
    "health",
    "metrics",
    "interface: ",
    "scaling",
    "min: 5",
    "max: 2",
    "readiness",
    "checks",
    "id: ",
    "weight: ",
    "expires: 2026-01-01",
    "evidence: ",
    "`",
    "*x* [l](j:a) <i>",
    "\"1.2\"",
    "\"2.0\"",
    "type: openapi",
    "type: asyncapi",
    "ref: ",
    "capabilities",
    "binding",
    "type: health",
    "type: extension",
    "claims",
    "status: partial",
    "target: ",
    "extensions",
    "workload: service",
];

/// Whole values for a line's `key: value`: anchors, aliases, tags, quotes, flow collections.
const VALUES: &[&str] = &[
    "",
    "&a x",
    "*a",
    "&a",
    "!!str x",
    "&a !!str 'x'",
    "!custom \"x\"",
    "'it''s'",
    "\"a\\\"b\"",
    "{}",
    "[]",
    "{a: 1}",
    "&m {name: api}",
    "[*a]",
    "|\n  block",
    "1.0",
    "persistent",
    "stateful",
    "12",
    "😀",
    "\"😀\"",
];

fn token_soup() -> impl Strategy<Value = String> {
    proptest::collection::vec(select(TOKENS), 0..120).prop_map(|it| it.concat())
}

static FIXTURES: LazyLock<Vec<String>> = LazyLock::new(|| {
    let out: Vec<String> = fixture_dirs()
        .into_iter()
        .map(|(_, dir)| std::fs::read_to_string(dir.join("pacto.yaml")).expect("fixture contract"))
        .collect();
    assert!(out.len() >= 60, "expected the fixture contracts, found {}", out.len());
    let formats: Vec<&str> = ["\"1.0\"", "\"1.1\"", "\"1.2\"", "\"2.0\""]
        .into_iter()
        .filter(|version| !out.iter().any(|it| it.contains(&format!("pactoVersion: {version}"))))
        .collect();
    assert!(formats.is_empty(), "no fixture seed declares {formats:?}");
    out
});

#[derive(Clone, Debug)]
enum Mutation {
    Insert(Index, &'static str),
    Delete(Index, usize),
    /// Replaces what follows the first `:` of a line.
    ReplaceValue(Index, &'static str),
    Crlf,
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        3 => (any::<Index>(), select(TOKENS)).prop_map(|(at, token)| Mutation::Insert(at, token)),
        2 => (any::<Index>(), 1..24usize).prop_map(|(at, chars)| Mutation::Delete(at, chars)),
        4 => (any::<Index>(), select(VALUES)).prop_map(|(line, value)| Mutation::ReplaceValue(line, value)),
        1 => Just(Mutation::Crlf),
    ]
}

/// A char boundary of `text` chosen by `at`.
fn boundary(text: &str, at: &Index) -> usize {
    let count = text.chars().count() + 1;
    text.char_indices().map(|(offset, _)| offset).chain([text.len()]).nth(at.index(count)).unwrap_or(text.len())
}

fn apply(text: &mut String, mutation: &Mutation) {
    match mutation {
        Mutation::Insert(at, token) => text.insert_str(boundary(text, at), token),
        Mutation::Delete(at, chars) => {
            let start = boundary(text, at);
            let end = text[start..].char_indices().nth(*chars).map_or(text.len(), |(offset, _)| start + offset);
            text.replace_range(start..end, "");
        }
        Mutation::ReplaceValue(at, value) => {
            let lines: Vec<(usize, &str)> = text
                .split_inclusive('\n')
                .scan(0, |start, line| {
                    let it = (*start, line);
                    *start += line.len();
                    Some(it)
                })
                .collect();
            if lines.is_empty() {
                return;
            }
            let (start, line) = lines[at.index(lines.len())];
            if let Some(colon) = line.find(':') {
                let body = line.trim_end_matches(['\n', '\r']).len();
                let value = value.replace('\n', &format!("\n{}", " ".repeat(colon.min(8))));
                text.replace_range(start + colon + 1..start + body, &format!(" {value}"));
            }
        }
        Mutation::Crlf => *text = text.replace("\r\n", "\n").replace('\n', "\r\n"),
    }
}

fn mutated() -> impl Strategy<Value = String> {
    (any::<Index>(), proptest::collection::vec(mutation(), 0..5)).prop_map(|(fixture, mutations)| {
        let mut text = FIXTURES[fixture.index(FIXTURES.len())].clone();
        for mutation in &mutations {
            apply(&mut text, mutation);
        }
        text
    })
}

/// An offset anywhere: 0, the end, past it, far past it, or any byte (char boundary or not).
fn offset(text: &str, (at, kind): &(Index, u8)) -> usize {
    match kind {
        0 => 0,
        1 => text.len(),
        2 => text.len() + 1,
        3 => usize::MAX,
        4 => boundary(text, at),
        _ => at.index(text.len() + 1),
    }
}

fn offsets() -> impl Strategy<Value = Vec<(Index, u8)>> {
    proptest::collection::vec((any::<Index>(), 0..7u8), 1..5)
}

proptest! {
    #![proptest_config(config(500))]

    #[test]
    fn features_on_token_soup(text in token_soup(), at in offsets(), new_name in select(NEW_NAMES)) {
        let offsets: Vec<usize> = at.iter().map(|it| offset(&text, it)).collect();
        check_features(&text, &offsets, new_name)?;
    }

    #[test]
    fn features_on_mutated_fixtures(text in mutated(), at in offsets(), new_name in select(NEW_NAMES)) {
        let offsets: Vec<usize> = at.iter().map(|it| offset(&text, it)).collect();
        check_features(&text, &offsets, new_name)?;
    }
}

/// Every fixture, unmutated, at every 13th char boundary and at the end.
#[test]
fn fixtures_at_many_offsets() {
    for text in FIXTURES.iter() {
        let offsets: Vec<usize> =
            text.char_indices().map(|(offset, _)| offset).filter(|it| it % 13 == 0).chain([text.len()]).collect();
        check_features(text, &offsets, "public-api").unwrap();
    }
}

// ---------------------------------------------------------------------------------------------
// Contracts with a problem for every quick fix, their values decorated with anchors, tags and quotes.

/// `{}` marks a value slot; each gets a decoration. Missing `service.version` and the port of
/// `web-api`, a misspelt health interface, a conflicting state, swapped scaling, an expired check.
const TEMPLATE: &str = "pactoVersion: {\"1.1\"}\nservice:\n  name: {payments}\ninterfaces:\n  - name: {web-api}\n    type: {http}\n  - name: {rpc}\n    type: grpc\n    port: {9090}\nruntime:\n  workload: {service}\n  state:\n    type: {stateless}\n    persistence:\n      scope: local\n      durability: {persistent}\n    dataCriticality: low\n  health:\n    interface: {wbe-api}\n    path: /h\nscaling:\n  min: {12}\n  max: {3}\nreadiness:\n  checks:\n    - id: {a}\n      type: url\n      evidence: https://x\n      weight: 10\n      expires: {\"2026-01-31\"}\n";

/// The same for 2.0: an http interface type, a misspelt binding interface, a namespace written as a
/// URL, a duplicate capability, a policy target, a misspelt key, a claim missing its status.
const TEMPLATE_2_0: &str = "pactoVersion: {\"2.0\"}\nservice:\n  name: {payments}\n  versoin: {1.0.0}\ninterfaces:\n  - name: {web-api}\n    type: {http}\n    ref: {interfaces/openapi.yaml}\n  - name: {rpc}\n    type: grpc\n    ref: interfaces/rpc.json\npolicies:\n  - name: p\n    schema: policy/schema.json\n    target: {bundle}\ncapabilities:\n  - type: {health}\n    binding:\n      type: http\n      interface: {wbe-api}\n      path: /h\n  - type: extension\n    ref: {https://example.com/flags}\n  - type: {health}\nreadiness:\n  expires: {\"2026-01-31\"}\n  claims:\n    - id: {a}\n      type: url\n      evidence: https://x\n      weight: {10}\n";

fn decorated() -> impl Strategy<Value = String> {
    prop_oneof![decorate(TEMPLATE), decorate(TEMPLATE_2_0)]
}

fn decorate(template: &'static str) -> impl Strategy<Value = String> {
    let slots = template.matches('{').count();
    (proptest::collection::vec(0..8u8, slots), any::<bool>()).prop_map(move |(decorations, crlf)| {
        let mut out = String::new();
        let mut rest = template;
        for (idx, decoration) in decorations.iter().enumerate() {
            let (Some(open), Some(close)) = (rest.find('{'), rest.find('}')) else { break };
            let value = &rest[open + 1..close];
            let bare = value.trim_matches('"');
            out.push_str(&rest[..open]);
            // Properties alone on the line, the value below at the column it would have had.
            let column = out.len() - out.rfind('\n').map_or(0, |it| it + 1);
            out.push_str(&match decoration {
                0 => value.to_string(),
                1 => format!("&v{idx} {value}"),
                2 => format!("!!str {bare}"),
                3 => format!("&v{idx} !!str '{bare}' # c"),
                4 => format!("'{bare}'"),
                5 => format!("!custom \"{bare}\""),
                6 => format!("&v{idx}\n{}{value}", " ".repeat(column)),
                _ => format!("{value} # note"),
            });
            rest = &rest[close + 1..];
        }
        out.push_str(rest);
        if crlf { out.replace('\n', "\r\n") } else { out }
    })
}

proptest! {
    #![proptest_config(config(100))]

    /// Each quick fix removes the finding it fixes, and every edit keeps the YAML complete.
    #[test]
    fn fixes_on_decorated_values(text in decorated(), new_name in select(NEW_NAMES)) {
        prop_assert!(yaml::parse(&text).is_complete(), "the template parses: {text:?}");
        let analysis = check(&text);
        for action in actions::actions(&text, &analysis, 0..text.len(), today()) {
            let edited = apply_edits(&text, &action.edits, &action.title)?;
            stays_yaml(&text, &edited, &action.title)?;
            let after = check(&edited);
            for fixed in action.fixes.iter().map(|it| &analysis.findings[*it]) {
                prop_assert!(
                    !after.findings.iter().any(|it| it.code == fixed.code && it.path == fixed.path),
                    "{}: {:?} still reported\nbefore: {text:?}\nafter: {edited:?}", action.title, fixed
                );
            }
        }
        let offsets: Vec<usize> = text.match_indices("web-api").map(|(at, _)| at + 1).collect();
        check_features(&text, &offsets, new_name)?;
    }
}
