use serde_json::json;

use super::*;

fn path(text: &str) -> Path {
    Path::parse(text).unwrap()
}

/// The source text of the value at `p`.
fn value_text<'a>(text: &'a str, tree: &Tree, p: &str) -> &'a str {
    let id = tree.get(&path(p)).unwrap_or_else(|| panic!("no value at {p}"));
    &text[tree.span(id)]
}

fn key_text<'a>(text: &'a str, tree: &Tree, p: &str) -> &'a str {
    let id = tree.key_node(&path(p)).unwrap_or_else(|| panic!("no key at {p}"));
    &text[tree.span(id)]
}

#[test]
fn spans_of_keys_values_and_items() {
    let text =
        "pactoVersion: \"1.1\"\nservice:\n  name: x  # c\ninterfaces:\n  - name: api\n    port: 8080\n  - name: 'b'\n";
    let parsed = parse(text);
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    let tree = &parsed.tree;
    assert_eq!(value_text(text, tree, "pactoVersion"), "\"1.1\"");
    assert_eq!(key_text(text, tree, "service.name"), "name");
    assert_eq!(value_text(text, tree, "service.name"), "x");
    assert_eq!(value_text(text, tree, "interfaces[0].port"), "8080");
    assert_eq!(value_text(text, tree, "interfaces[1].name"), "'b'");
    assert_eq!(value_text(text, tree, "interfaces[0]"), "name: api\n    port: 8080");
    assert_eq!(value_text(text, tree, "service"), "name: x");
    assert_eq!(tree.get(&path("interfaces[2]")), None);
    assert_eq!(tree.get(&path("service.nope")), None);
}

#[test]
fn scalar_spans_start_at_anchor_and_tag_and_text_spans_after_them() {
    let text = "a: &x val\nb: !!str 'v' # c\nc: &y !custom \"v\" # c\nd: !!str &z # c\n  val\ne: &w\nf: *x\ng: [&f q, !<tag:yaml.org,2002:str> r]\nh: &l |\n  block\ni: \"😀\"\n";
    for text in [text.to_string(), text.replace('\n', "\r\n")] {
        let parsed = parse(&text);
        assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
        let tree = &parsed.tree;
        let own = |p: &str| tree.text_span(tree.get(&path(p)).unwrap()).map(|it| &text[it]);
        // The node spans the properties too; a quoted one no longer runs on over a comment.
        assert_eq!(value_text(&text, tree, "a"), "&x val");
        assert_eq!(value_text(&text, tree, "b"), "!!str 'v'");
        assert_eq!(value_text(&text, tree, "c"), "&y !custom \"v\"");
        assert_eq!(own("a"), Some("val"));
        assert_eq!(own("b"), Some("v"));
        assert_eq!(own("c"), Some("v"));
        assert_eq!(own("d"), Some("val"));
        assert_eq!(own("e"), Some(""));
        assert_eq!(own("f"), None, "an alias has no text of its own");
        assert_eq!(own("g[0]"), Some("q"));
        assert_eq!(own("g[1]"), Some("r"));
        assert_eq!(own("h").map(|it| it.replace('\r', "")), Some("|\n  block".into()));
        assert_eq!(own("i"), Some("😀"));
    }
}

#[test]
fn spans_are_bytes_on_non_ascii_and_crlf() {
    let text = "service:\r\n  name: \"😀 名前\"\r\n  owner: équipe\r\nnext: 😀\r\n";
    let parsed = parse(text);
    assert!(parsed.problems.is_empty());
    let tree = &parsed.tree;
    assert_eq!(value_text(text, tree, "service.name"), "\"😀 名前\"");
    assert_eq!(value_text(text, tree, "service.owner"), "équipe");
    assert_eq!(key_text(text, tree, "next"), "next");
    assert_eq!(value_text(text, tree, "next"), "😀");
    assert_eq!(tree.scalar_str(tree.get(&path("service.name")).unwrap()), Some("😀 名前"));
}

#[test]
fn block_scalar_span_excludes_following_indentation() {
    let text = "a:\n  b: |\n    one\n    two\n  c: 1\n";
    let parsed = parse(text);
    assert_eq!(value_text(text, &parsed.tree, "a.b"), "|\n    one\n    two");
    assert_eq!(parsed.tree.scalar_str(parsed.tree.get(&path("a.b")).unwrap()), Some("one\ntwo\n"));
}

#[test]
fn locate_finds_innermost_key_or_value() {
    let text = "service:\n  name: 名前x\ninterfaces:\n  - name: api\n";
    let tree = parse(text).tree;
    let at = |needle: &str, delta: usize| tree.locate(text.find(needle).unwrap() + delta).unwrap();
    let hit = at("name: 名", 1);
    assert_eq!((hit.path.to_string(), hit.role), ("service.name".into(), Role::Key));
    let hit = at("名前x", 3);
    assert_eq!((hit.path.to_string(), hit.role), ("service.name".into(), Role::Value));
    let hit = at("api", 3);
    assert_eq!((hit.path.to_string(), hit.role), ("interfaces[0].name".into(), Role::Value));
    assert_eq!(tree.locate(text.len() + 5), None);
}

#[test]
fn yaml_v3_scalar_resolution() {
    let text = "a: 1.0\nb: \"1.0\"\nc: 0x1F\nd: 017\ne: 2026-12-31\nf: yes\ng: ~\nh: 1_000\ni: !!str 12\nj: true\nk: .inf\nl: -3\nm: 1e3\nn: 1.4.0\n";
    let tree = parse(text).tree;
    let value = tree.document_json().unwrap();
    assert_eq!(
        value,
        json!({"a": 1.0, "b": "1.0", "c": 31, "d": 15, "e": "2026-12-31", "f": "yes", "g": null,
               "h": 1000, "i": "12", "j": true, "k": ".inf", "l": -3, "m": 1000.0, "n": "1.4.0"})
    );
}

#[test]
fn duplicate_keys_are_reported_and_first_wins() {
    let text = "service:\n  name: a\n  name: b\n";
    let parsed = parse(text);
    assert_eq!(parsed.problems.len(), 1);
    let problem = &parsed.problems[0];
    assert_eq!(problem.kind, ProblemKind::DuplicateKey(path("service.name")));
    assert_eq!(problem.span, 21..25);
    assert_eq!(parsed.tree.document_json().unwrap(), json!({"service": {"name": "a"}}));
}

#[test]
fn duplicate_keys_in_large_mappings() {
    let mut text = String::new();
    for idx in 0..50 {
        text.push_str(&format!("k{idx}: {idx}\n"));
    }
    text.push_str("k7: again\n");
    let parsed = parse(&text);
    assert_eq!(parsed.problems.len(), 1);
    assert_eq!(parsed.problems[0].kind, ProblemKind::DuplicateKey(path("k7")));
}

#[test]
fn syntax_error_has_position_and_keeps_partial_tree() {
    let text = "service:\n  name: x\n  bad: [1, 2\nother: 1\n";
    let parsed = parse(text);
    assert!(!parsed.is_complete());
    let problem = parsed.problems.iter().find(|it| it.kind == ProblemKind::Syntax).unwrap();
    assert!(problem.message.starts_with("YAML syntax error"), "{}", problem.message);
    assert!(problem.span.start > text.find("bad").unwrap(), "{problem:?}");
    assert_eq!(value_text(text, &parsed.tree, "service.name"), "x");
}

#[test]
fn aliases_merge_keys_and_lookup_through_them() {
    let text = "base: &b\n  port: 80\n  type: http\nitem:\n  <<: *b\n  type: grpc\nref: *b\n";
    let parsed = parse(text);
    assert!(parsed.problems.is_empty());
    let tree = &parsed.tree;
    let value = tree.document_json().unwrap();
    assert_eq!(value["item"], json!({"port": 80, "type": "grpc"}));
    assert_eq!(value["ref"], json!({"port": 80, "type": "http"}));
    assert_eq!(value_text(text, tree, "item.port"), "80");
    assert_eq!(value_text(text, tree, "ref.type"), "http");
}

#[test]
fn alias_bomb_is_an_error_not_an_allocation() {
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x]\n");
    for idx in 1..12 {
        let prev = idx - 1;
        text.push_str(&format!("a{idx}: &a{idx} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"));
    }
    let parsed = parse(&text);
    assert!(parsed.problems.is_empty());
    assert!(matches!(parsed.tree.document_json(), Err(JsonError::TooLarge { .. })));
}

#[test]
fn deep_nesting_stops_with_an_error() {
    let text = "[".repeat(100_000);
    let parsed = parse(&text);
    let problem = parsed.problems.iter().find(|it| it.kind == ProblemKind::Syntax).unwrap();
    assert!(problem.message.contains("recursion limit") || problem.message.contains("nesting"), "{}", problem.message);
    assert!(parsed.tree.document_json().is_ok());
}

#[test]
fn extra_documents_are_reported() {
    let parsed = parse("a: 1\n---\nb: 2\n");
    assert_eq!(parsed.problems.len(), 1);
    assert_eq!(parsed.problems[0].kind, ProblemKind::ExtraDocument);
    assert_eq!(parsed.tree.document_json().unwrap(), json!({"a": 1}));
}

#[test]
fn empty_and_comment_only_documents() {
    for text in ["", "# just a comment\n", "\n\n"] {
        let parsed = parse(text);
        assert!(parsed.problems.is_empty());
        assert_eq!(parsed.tree.document_json().unwrap(), serde_json::Value::Null);
    }
}

#[test]
fn self_referential_aliases_are_syntax_errors() {
    for text in ["a: &a [*a]\n", "a: &a {k: *a}\n", "a: &a {<<: *a}\n", "a: &a [&b [*a, *b]]\n"] {
        let parsed = parse(text);
        assert!(!parsed.is_complete(), "{text}");
        assert!(parsed.problems[0].message.contains("refers to a node that contains it"), "{text}");
    }
    // A chain of aliases nesting deeper than the JSON depth limit is refused, not a stack overflow.
    let mut text = String::from("a0: &a0 x\n");
    for idx in 1..2000 {
        text.push_str(&format!("a{idx}: &a{idx} [*a{}]\n", idx - 1));
    }
    let parsed = parse(&text);
    assert!(parsed.is_complete());
    assert!(parsed.tree.document_json().is_err());
}

#[test]
fn quoted_scalar_spans_end_at_the_closing_quote() {
    let text = "a: '1.0'  # keep me\nb: \"x \\\" y\"   # c\nc: 'it''s'\nd: \"é😀\" #\n";
    let tree = parse(text).tree;
    assert_eq!(value_text(text, &tree, "a"), "'1.0'");
    assert_eq!(value_text(text, &tree, "b"), "\"x \\\" y\"");
    assert_eq!(value_text(text, &tree, "c"), "'it''s'");
    assert_eq!(value_text(text, &tree, "d"), "\"é😀\"");
}

/// Large mappings are looked up through an index; duplicates and `<<` merges behave as in small ones.
#[test]
fn large_mappings_keep_duplicate_and_merge_semantics() {
    for count in [3, 40] {
        let mut text = String::from("base: &base\n  merged: from-base\n  dup: from-base\nm:\n");
        for index in 0..count {
            text.push_str(&format!("  k{index}: {index}\n"));
        }
        text.push_str("  dup: first\n  dup: second\n  <<: *base\n  '<<': quoted\n");
        let parsed = parse(&text);
        let tree = &parsed.tree;
        assert_eq!(value_text(&text, tree, &format!("m.k{}", count - 1)), (count - 1).to_string(), "{count}");
        assert_eq!(value_text(&text, tree, "m.dup"), "first", "{count}");
        assert_eq!(value_text(&text, tree, "m.merged"), "from-base", "{count}");
        assert_eq!(key_text(&text, tree, "m.merged"), "merged", "{count}");
        assert_eq!(value_text(&text, tree, "m[\"<<\"]"), "*base", "{count}");
        assert_eq!(tree.get(&path("m.missing")), None, "{count}");
        assert_eq!(parsed.problems.len(), 1, "{count}: {:?}", parsed.problems);
    }
}
