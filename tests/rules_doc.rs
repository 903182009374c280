//! `docs/rules.md` checked against the code's own table, so the reference cannot drift.
//!
//! Every code of `Code::ALL` has one section, in table order, headed ``## `CODE` ``. Its first line states
//! the severity and layer (compared with `Code::severity()` / `Code::layer()`) and the quick fixes. Its example
//! names a folder under `tests/fixtures/rules/` whose analysis produces the code, and the example's lines are
//! lines of that folder's `pacto.yaml`. A quick fix named in the doc (`…` standing for any text) is offered for
//! the code on some fixture; a code documented with "none" is offered none on any fixture.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use pacto_lsp::core::finding::{Code, Layer};
use pacto_lsp::core::ide::actions::{ActionKind, actions};

#[path = "support/rule_fixture.rs"]
mod rule_fixture;

use rule_fixture::analyze_fixture;

/// One ``## `CODE` `` section of the doc.
struct Section {
    /// The text between the backticks of the heading.
    name: String,
    /// 1-based line of the heading.
    line: usize,
    body: Vec<String>,
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn sections(doc: &str) -> Vec<Section> {
    let mut out: Vec<Section> = Vec::new();
    let mut in_fence = false;
    for (index, line) in doc.lines().enumerate() {
        if line.starts_with("```") {
            in_fence = !in_fence;
        }
        if !in_fence && let Some(heading) = line.strip_prefix("## ") {
            match heading.strip_prefix('`').and_then(|it| it.strip_suffix('`')) {
                Some(name) => out.push(Section { name: name.to_string(), line: index + 1, body: Vec::new() }),
                // Another level-2 heading (the introduction's) ends the section before it.
                None => out.push(Section { name: String::new(), line: index + 1, body: Vec::new() }),
            }
            continue;
        }
        if let Some(section) = out.last_mut() {
            section.body.push(line.to_string());
        }
    }
    out.retain(|it| !it.name.is_empty());
    out
}

fn layer_name(layer: Layer) -> &'static str {
    match layer {
        Layer::Syntax => "syntax",
        Layer::Structural => "structural",
        Layer::CrossField => "cross-field",
        Layer::Semantic => "semantic",
        Layer::Policy => "policy",
        Layer::Readiness => "readiness",
        Layer::Registry => "registry",
    }
}

/// The `**Name:** value` fields of a section's first line, split at ` · `.
fn fields(line: &str) -> BTreeMap<String, String> {
    line.split(" · ")
        .filter_map(|part| {
            let rest = part.trim().strip_prefix("**")?;
            let (name, value) = rest.split_once(":**")?;
            Some((name.to_string(), value.trim().to_string()))
        })
        .collect()
}

/// The titles quoted with “ ” in a quick-fix field.
fn quoted(value: &str) -> Vec<String> {
    value.split('“').skip(1).filter_map(|it| it.split_once('”')).map(|(title, _)| title.to_string()).collect()
}

/// Whether `title` matches `pattern`, where each `…` in the pattern stands for any text.
fn matches(pattern: &str, title: &str) -> bool {
    let parts: Vec<&str> = pattern.split('…').collect();
    if parts.len() == 1 {
        return pattern == title;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !title.starts_with(first) || !title[first.len()..].ends_with(last) {
        return false;
    }
    let mut rest = &title[first.len()..title.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(at) => rest = &rest[at + middle.len()..],
            None => return false,
        }
    }
    true
}

/// The fixture folders of a group (`rules`, `upstream`).
fn fixture_dirs(group: &str) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root().join("tests/fixtures").join(group))
        .unwrap()
        .map(|it| it.unwrap().path())
        .filter(|it| it.join("pacto.yaml").is_file())
        .collect();
    dirs.sort();
    dirs
}

/// For every code: the titles of the quick fixes offered for its findings across all fixtures.
fn offered_fixes() -> BTreeMap<Code, BTreeSet<String>> {
    let mut out: BTreeMap<Code, BTreeSet<String>> = BTreeMap::new();
    for dir in fixture_dirs("rules").into_iter().chain(fixture_dirs("upstream")) {
        let fixture = analyze_fixture(&dir);
        let all = 0..fixture.text.len();
        for action in actions(&fixture.text, &fixture.analysis, all, fixture.options.today) {
            if action.kind != ActionKind::QuickFix {
                continue;
            }
            for index in &action.fixes {
                out.entry(fixture.analysis.findings[*index].code).or_default().insert(action.title.clone());
            }
        }
    }
    out
}

/// What is wrong with one section (each message names the code).
fn check_section(section: &Section, code: Code, offered: &BTreeMap<Code, BTreeSet<String>>) -> Vec<String> {
    let mut problems = Vec::new();
    let name = code.as_str();
    let Some(header) = section.body.iter().find(|it| !it.trim().is_empty()) else {
        return vec![format!("{name}: the section is empty")];
    };
    let fields = fields(header);
    let expected = [("Severity", code.severity().as_str()), ("Layer", layer_name(code.layer()))];
    for (field, want) in expected {
        match fields.get(field) {
            Some(value) if value == want => {}
            Some(value) => problems.push(format!("{name}: the doc says {field} `{value}`, the code says `{want}`")),
            None => problems.push(format!("{name}: the first line has no **{field}:** field")),
        }
    }
    if !fields.contains_key("Versions") {
        problems.push(format!("{name}: the first line has no **Versions:** field"));
    }
    match fields.get("Quick fix").map(String::as_str) {
        None => problems.push(format!("{name}: the first line has no **Quick fix:** field")),
        Some("none") => {
            if let Some(titles) = offered.get(&code) {
                problems.push(format!("{name}: the doc says no quick fix, but fixtures are offered {titles:?}"));
            }
        }
        Some(value) => {
            let titles = quoted(value);
            if titles.is_empty() {
                problems.push(format!("{name}: the quick fix is neither “none” nor a quoted title: {value}"));
            }
            let got = offered.get(&code).cloned().unwrap_or_default();
            for title in titles {
                if !got.iter().any(|it| matches(&title, it)) {
                    problems.push(format!("{name}: no fixture is offered the quick fix “{title}” (offered: {got:?})"));
                }
            }
        }
    }
    if !section.body.iter().any(|it| it.starts_with("How to fix:")) {
        problems.push(format!("{name}: no “How to fix:” paragraph"));
    }
    problems.extend(check_example(section, code));
    problems
}

/// The example: from a rule fixture that produces the code, its lines taken from that fixture's contract.
/// Registry codes need a registry, so they have a snippet and no fixture.
fn check_example(section: &Section, code: Code) -> Vec<String> {
    let name = code.as_str();
    let folder = section.body.iter().find_map(|line| {
        let rest = line.strip_prefix("Example (from `tests/fixtures/rules/")?;
        Some(rest.split_once('`')?.0.to_string())
    });
    let Some(folder) = folder else {
        return match code.layer() {
            Layer::Registry => Vec::new(),
            _ => vec![format!("{name}: no “Example (from `tests/fixtures/rules/FOLDER`):” line")],
        };
    };
    let dir = root().join("tests/fixtures/rules").join(&folder);
    if !dir.join("pacto.yaml").is_file() {
        return vec![format!("{name}: the example's fixture `tests/fixtures/rules/{folder}` does not exist")];
    }
    let fixture = analyze_fixture(&dir);
    let mut problems = Vec::new();
    if !fixture.analysis.findings.iter().any(|it| it.code == code) {
        problems.push(format!("{name}: analyzing `tests/fixtures/rules/{folder}` does not produce {name}"));
    }
    let contract: BTreeSet<&str> = fixture.text.lines().map(str::trim_end).collect();
    let example = example_lines(section);
    if example.is_empty() {
        problems.push(format!("{name}: the example has no ```yaml block"));
    }
    for line in example {
        let elided = matches!(line.trim(), "" | "…" | "# …");
        if !elided && !contract.contains(line.trim_end()) {
            problems.push(format!("{name}: the example line `{line}` is not in `tests/fixtures/rules/{folder}`"));
        }
    }
    problems
}

/// The lines of the section's first ```yaml block.
fn example_lines(section: &Section) -> Vec<&str> {
    let mut lines = section.body.iter().map(String::as_str).skip_while(|it| *it != "```yaml").skip(1);
    lines.by_ref().take_while(|it| !it.starts_with("```")).collect()
}

#[test]
fn rules_doc_matches_the_code_table() {
    let doc = std::fs::read_to_string(root().join("docs/rules.md")).unwrap();
    let sections = sections(&doc);
    let offered = offered_fixes();
    let mut problems = Vec::new();
    let mut seen: BTreeMap<Code, usize> = BTreeMap::new();
    let mut previous: Option<Code> = None;
    for section in &sections {
        let Some(code) = Code::parse(&section.name) else {
            problems.push(format!("line {}: the section `{}` names no code", section.line, section.name));
            continue;
        };
        if let Some(line) = seen.insert(code, section.line) {
            problems.push(format!("{code}: a second section at line {} (the first is at line {line})", section.line));
            continue;
        }
        if let Some(previous) = previous
            && code < previous
        {
            problems.push(format!("{code}: its section comes after {previous}'s, against the table's order"));
        }
        previous = Some(code);
        problems.extend(check_section(section, code, &offered));
    }
    for code in Code::ALL {
        if !seen.contains_key(code) {
            problems.push(format!("{code}: no section in docs/rules.md"));
        }
    }
    assert!(
        problems.is_empty(),
        "docs/rules.md disagrees with the code ({}):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// The table of contents links every section, with GitHub's anchor, the one `Code::doc_url` links to.
#[test]
fn rules_doc_contents_link_every_section() {
    let doc = std::fs::read_to_string(root().join("docs/rules.md")).unwrap();
    let missing: Vec<&str> = Code::ALL
        .iter()
        .filter(|code| {
            let anchor = code.doc_url().rsplit_once('#').map(|(_, it)| it.to_string()).unwrap_or_default();
            !doc.contains(&format!("](#{anchor})"))
        })
        .map(|code| code.as_str())
        .collect();
    assert!(missing.is_empty(), "codes missing from the table of contents: {missing:?}");
}

#[test]
fn quick_fix_patterns_match_with_ellipses() {
    assert!(matches("Change to `…`", "Change to `api`"));
    assert!(matches("Extend to … (90 days from today)", "Extend to 2027-02-20 (90 days from today)"));
    assert!(matches("Bump pactoVersion to 1.1", "Bump pactoVersion to 1.1"));
    assert!(!matches("Bump pactoVersion to 1.1", "Bump pactoVersion to 1.2"));
    assert!(!matches("Add `port: …`", "Add missing `port`"));
    assert!(!matches("a…b…c", "ac"));
    assert!(matches("a…b…c", "a-b-c"));
}
