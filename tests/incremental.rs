//! `analyze_incremental` always gives what `analyze` gives: property tests over chains of edits
//! (typing, deleting, pasting YAML punctuation, new lines) applied to every fixture contract, the
//! typical benchmark contract and a generated heavy one. Each step re-analyzes incrementally from
//! the previous step's analysis and compares the tree node by node, the JSON, the model, the
//! readiness results and the findings with a full analysis of the same text.
//!
//! Separate tests check that the incremental path is really taken for a keystroke inside an entry
//! (so the property is not met by always parsing everything) and refused where it would be unsound.

use std::path::Path;
use std::sync::{Arc, LazyLock};

use pacto_lsp::core::bundle::BundleRef;
use pacto_lsp::core::check::{Analysis, Environment, Options, analyze, analyze_incremental};
use pacto_lsp::core::date;
use pacto_lsp::core::yaml::{self, NodeKind, Tree};
use proptest::prelude::*;
use proptest::sample::{Index, select};
use proptest::test_runner::TestCaseError;

#[path = "support/fixture_bundles.rs"]
mod fixture_bundles;
#[path = "support/props.rs"]
mod props;
use fixture_bundles::{Fixture as Source, fixtures, memory_bundle};
use props::config;

/// The latency harness's contract generator (the heavy contract of the benchmarks).
#[allow(dead_code)]
#[path = "../tools/lsp-latency/src/contract.rs"]
mod contract;

fn options() -> Options {
    Options {
        today: date::parse_strict("2026-11-22").expect("a valid date"),
        readiness_gate: true,
        warn_days: 30,
        compatibility: Default::default(),
    }
}

/// Every fixture contract, the typical benchmark contract and a generated heavy contract, each
/// with its files as an in-memory bundle.
static SOURCES: LazyLock<Vec<Source>> = LazyLock::new(|| {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = fixtures();
    let data = root.join("benches/data");
    let files = memory_bundle(&data.join("bundle"));
    let typical = std::fs::read_to_string(data.join("typical.pacto.yaml")).expect("the typical contract");
    out.push(Source {
        name: "typical".into(),
        text: typical,
        bundle: BundleRef { id: "typical".into(), files: Arc::new(files.clone()) },
    });
    let heavy = contract::generate_heavy(300);
    let values = heavy.matches("\n      SETTING_").count();
    let files = files.with(contract::HEAVY_SCHEMA, &contract::heavy_values_schema(values));
    out.push(Source {
        name: "heavy".into(),
        text: heavy,
        bundle: BundleRef { id: "heavy".into(), files: Arc::new(files) },
    });
    out
});

/// Pieces typed or pasted: characters of values, YAML punctuation, new lines and indentation,
/// document markers, anchors and aliases, comments, keys.
const PIECES: &[&str] = &[
    "x",
    "7",
    "-",
    " ",
    "  ",
    "\n",
    "\n  ",
    "\n    ",
    "\n- ",
    "\n  - ",
    ": ",
    ":",
    "- ",
    "#",
    " # note",
    "'",
    "\"",
    "[",
    "]",
    "{",
    "}",
    ",",
    "&a ",
    "*a",
    "<<: *a",
    "!!str ",
    "---",
    "\n---\n",
    "\n...\n",
    "%YAML 1.2\n",
    "|\n  ",
    ">-\n    ",
    "? ",
    "\t",
    "é",
    "😀",
    "\n  name: extra",
    "\n  - name: extra\n    type: http",
    "\nname: top",
    "null",
    "~",
    "true",
    "0x1F",
    "1_000",
    "2099-01-01",
    "service:",
    "interfaces:",
    "\n\n",
];

#[derive(Clone, Debug)]
enum Edit {
    Insert(Index, &'static str),
    Delete(Index, usize),
    Replace(Index, usize, &'static str),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        4 => (any::<Index>(), select(PIECES)).prop_map(|(at, piece)| Edit::Insert(at, piece)),
        2 => (any::<Index>(), 1..12usize).prop_map(|(at, len)| Edit::Delete(at, len)),
        1 => (any::<Index>(), 1..6usize, select(PIECES)).prop_map(|(at, len, piece)| Edit::Replace(at, len, piece)),
    ]
}

/// A char boundary of `text` picked by `at`.
fn boundary(text: &str, at: &Index) -> usize {
    let mut offset = at.index(text.len() + 1);
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// The end of a range of about `len` bytes from `start`, on a char boundary.
fn end_from(text: &str, start: usize, len: usize) -> usize {
    let mut end = (start + len).min(text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    end
}

fn apply(text: &str, edit: &Edit) -> String {
    let mut out = text.to_string();
    match edit {
        Edit::Insert(at, piece) => out.insert_str(boundary(text, at), piece),
        Edit::Delete(at, len) => {
            let start = boundary(text, at);
            out.replace_range(start..end_from(text, start, *len), "");
        }
        Edit::Replace(at, len, piece) => {
            let start = boundary(text, at);
            out.replace_range(start..end_from(text, start, *len), piece);
        }
    }
    out
}

/// Two trees are the same node for node: kinds, values, styles, tags, spans and text spans.
fn same_tree(a: &Tree, b: &Tree) -> Result<(), String> {
    if a.root() != b.root() || a.len() != b.len() {
        return Err(format!("root {:?} vs {:?}, {} vs {} nodes", a.root(), b.root(), a.len(), b.len()));
    }
    for id in 0..a.len() as u32 {
        let (x, y) = (a.node(id), b.node(id));
        let same = x.span == y.span
            && a.text_span(id) == b.text_span(id)
            && match (&x.kind, &y.kind) {
                (NodeKind::Scalar(p), NodeKind::Scalar(q)) => {
                    p.value == q.value && p.style == q.style && p.tag == q.tag
                }
                (NodeKind::Sequence(p), NodeKind::Sequence(q)) => p == q,
                (NodeKind::Mapping(p), NodeKind::Mapping(q)) => {
                    p.len() == q.len() && p.iter().zip(q).all(|(e, f)| e.key == f.key && e.value == f.value)
                }
                (NodeKind::Alias(p), NodeKind::Alias(q)) => p == q,
                _ => false,
            };
        if !same {
            return Err(format!("node {id}: {x:?} vs {y:?}"));
        }
    }
    Ok(())
}

/// The incremental analysis is the full analysis, in every part.
fn same_analysis(text: &str, incremental: &Analysis, full: &Analysis) -> Result<(), TestCaseError> {
    let context = || format!("text:\n{text}");
    same_tree(&incremental.parsed.tree, &full.parsed.tree)
        .map_err(|it| TestCaseError::fail(format!("{it}\n{}", context())))?;
    prop_assert_eq!(&incremental.parsed.problems, &full.parsed.problems, "{}", context());
    prop_assert_eq!(&incremental.findings, &full.findings, "{}", context());
    prop_assert_eq!(incremental.version, full.version);
    prop_assert_eq!(format!("{:?}", incremental.contract), format!("{:?}", full.contract));
    prop_assert_eq!(&incremental.readiness, &full.readiness);
    prop_assert_eq!(format!("{:?}", incremental.assessment), format!("{:?}", full.assessment));
    Ok(())
}

fn chain() -> impl Strategy<Value = (usize, Vec<Edit>)> {
    (0..SOURCES.len(), proptest::collection::vec(edit(), 1..8))
}

proptest! {
    #![proptest_config(config(160))]

    /// Edits anywhere, one after the other, each analyzed incrementally from the previous version.
    #[test]
    fn incremental_equals_full((source, edits) in chain()) {
        let source = &SOURCES[source];
        let options = options();
        let env = Environment { bundle: Some(&source.bundle), resolver: None };
        let mut text = source.text.clone();
        let mut analysis = analyze(&text, &options, &env);
        for edit in &edits {
            let next = apply(&text, edit);
            let incremental = analyze_incremental(&text, &analysis, &next, &options, &env);
            let full = analyze(&next, &options, &env);
            same_analysis(&next, &incremental, &full)?;
            (text, analysis) = (next, incremental);
        }
    }

    /// Typing and deleting inside values (the editor's common case, mostly taking the incremental path).
    #[test]
    fn typing_inside_values_equals_full(source in 0..SOURCES.len(), line in any::<Index>(), pieces in proptest::collection::vec(select(&["x", "-", "1", " ", ""][..]), 1..6)) {
        let source = &SOURCES[source];
        let options = options();
        let env = Environment { bundle: Some(&source.bundle), resolver: None };
        let lines: Vec<(usize, &str)> = source.text.split_inclusive('\n').scan(0, |at, it| {
            let start = *at;
            *at += it.len();
            Some((start, it))
        }).filter(|(_, it)| it.contains(": ")).collect();
        prop_assume!(!lines.is_empty());
        let (start, line) = lines[line.index(lines.len())];
        let at = start + line.find(": ").unwrap_or(0) + 2;
        let mut text = source.text.clone();
        let mut analysis = analyze(&text, &options, &env);
        for piece in pieces {
            let mut next = text.clone();
            match piece {
                "" if next.is_char_boundary(at + 1) && at < next.len() => { next.remove(at); }
                "" => continue,
                piece => next.insert_str(at, piece),
            }
            let incremental = analyze_incremental(&text, &analysis, &next, &options, &env);
            let full = analyze(&next, &options, &env);
            same_analysis(&next, &incremental, &full)?;
            (text, analysis) = (next, incremental);
        }
    }
}

/// The heavy contract and one keystroke in an interface name, in a readiness check and in a
/// configuration value: each is parsed again alone, and the result is the full parse.
#[test]
fn a_keystroke_inside_an_entry_reparses_only_that_entry() {
    let text = contract::generate_heavy(2_000);
    let old = yaml::parse(&text);
    for needle in ["- name: grpc-0101", "evidence: https://wiki.acme.com/edge/readiness/12\n", "SETTING_0006: value-"] {
        let at = text.find(needle).expect("the line") + needle.len() - 2;
        let mut new = text.clone();
        new.insert(at, 'x');
        let reparsed =
            yaml::reparse(&text, &old, &new).unwrap_or_else(|| panic!("`{needle}` takes the incremental path"));
        assert!(reparsed.problems.is_empty());
        same_tree(&reparsed.tree, &yaml::parse(&new).tree).unwrap();
    }
}

/// Edits that could parse differently in place are never reparsed alone.
#[test]
fn unsafe_edits_parse_the_whole_text() {
    let text = "service:\n  name: svc\n  version: 1.0.0\ninterfaces:\n  - name: api\n    type: http\n  - name: b\n";
    let old = yaml::parse(text);
    let cases = [
        // A changed key, a new sibling, a document end, an unclosed flow collection, an alias, a
        // `---` on a new line of the entry.
        ("  name: svc", "  nome: svc"),
        ("    type: http\n", "    type: http\n  port: 1\n"),
        ("  version: 1.0.0\n", "  version: 1.0.0\n...\n"),
        ("    type: http", "    type: [http"),
        ("    type: http", "    type: *a"),
        ("    type: http", "    type: http\n    ---"),
        // An explicit key: where the entries around it end depends on the text after them.
        ("    type: http", "    ? type: http"),
    ];
    for (from, to) in cases {
        let new = text.replacen(from, to, 1);
        assert!(yaml::reparse(text, &old, &new).is_none(), "{to:?} must parse the whole text");
    }
    // And one that is safe.
    let new = text.replacen("name: api", "name: apix", 1);
    same_tree(&yaml::reparse(text, &old, &new).expect("a keystroke in a value").tree, &yaml::parse(&new).tree).unwrap();
}
