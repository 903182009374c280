//! Code actions: quick fixes for findings and source actions, each a minimal set of text edits
//! that leaves the rest of the file byte for byte as it was (comments, quotes, indentation, CRLF).

use std::ops::Range;

use serde_json::Value;

use crate::core::check::Analysis;
use crate::core::date::Date;
use crate::core::finding::{Code, Finding};
use crate::core::model::InterfaceType;
use crate::core::path::{Path, Segment};
use crate::core::schema::SchemaVersion;
use crate::core::yaml::{NodeId, NodeKind, ScalarStyle, Tree};

/// Days a renewed readiness check is extended by, from today.
pub const RENEW_DAYS: i64 = 90;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActionKind {
    QuickFix,
    Source,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Action {
    pub title: String,
    pub kind: ActionKind,
    /// The findings this action fixes (indices into `Analysis::findings`).
    pub fixes: Vec<usize>,
    pub preferred: bool,
    /// Non-overlapping edits, in document order.
    pub edits: Vec<(Range<usize>, String)>,
}

/// Every action for findings overlapping `range` (byte offsets), plus the source actions.
pub fn actions(text: &str, analysis: &Analysis, range: Range<usize>, today: Date) -> Vec<Action> {
    let tree = &analysis.parsed.tree;
    let mut out = Vec::new();
    for (index, finding) in analysis.findings.iter().enumerate() {
        if finding.span.end < range.start || finding.span.start > range.end {
            continue;
        }
        for mut action in quick_fixes(text, tree, analysis, finding, today) {
            action.fixes = vec![index];
            out.push(action);
        }
    }
    out.extend(source_actions(text, tree, analysis, today));
    out
}

fn quick_fixes(text: &str, tree: &Tree, analysis: &Analysis, finding: &Finding, today: Date) -> Vec<Action> {
    let path = finding.path.to_string();
    let fix = |title: String, preferred: bool, edits: Vec<(Range<usize>, String)>| Action {
        title,
        kind: ActionKind::QuickFix,
        fixes: Vec::new(),
        preferred,
        edits,
    };
    match finding.code {
        Code::SCHEMA_VIOLATION if path == "readiness" && analysis.version == Some(SchemaVersion::V1_0) => {
            bump_version(tree)
                .map(|edit| vec![fix("Bump pactoVersion to 1.1".into(), true, vec![edit])])
                .unwrap_or_default()
        }
        Code::UNSUPPORTED_PACTO_VERSION => {
            quote_version(text, tree).map(|(title, edit)| vec![fix(title, true, vec![edit])]).unwrap_or_default()
        }
        Code::HEALTH_INTERFACE_NOT_FOUND | Code::METRICS_INTERFACE_NOT_FOUND => {
            closest_interfaces(tree, analysis, &finding.path)
                .into_iter()
                .enumerate()
                .map(|(idx, (name, span))| fix(format!("Change to `{name}`"), idx == 0, vec![(span, name)]))
                .collect()
        }
        Code::STATELESS_PERSISTENT_CONFLICT => {
            let mut out = Vec::new();
            if let Some(span) = value_span(tree, "runtime.state.persistence.durability") {
                out.push(fix("Set durability to `ephemeral`".into(), false, vec![(span, "ephemeral".into())]));
            }
            if let Some(span) = value_span(tree, "runtime.state.type") {
                out.push(fix("Set state type to `stateful`".into(), false, vec![(span, "stateful".into())]));
            }
            out
        }
        Code::SCALING_MIN_EXCEEDS_MAX => {
            let (Some(min), Some(max)) = (raw_value(text, tree, "scaling.min"), raw_value(text, tree, "scaling.max"))
            else {
                return Vec::new();
            };
            vec![fix("Swap `min` and `max`".into(), true, vec![(min.0, max.1), (max.0, min.1)])]
        }
        Code::READINESS_CHECK_EXPIRED => {
            let renewed = today.add_days(RENEW_DAYS).to_string();
            value_span(tree, &path)
                .map(|span| {
                    vec![fix(
                        format!("Extend to {renewed} ({RENEW_DAYS} days from today)"),
                        true,
                        vec![(span, renewed)],
                    )]
                })
                .unwrap_or_default()
        }
        Code::SCHEMA_VIOLATION if finding.message.contains("is missing the required key") => {
            insert_missing(text, tree, analysis, &finding.path).into_iter().collect()
        }
        Code::PORT_REQUIRED => {
            let Some(item) = finding.path.parent() else { return Vec::new() };
            let port = if path.contains("interfaces") && interface_kind(analysis, &item) == Some(InterfaceType::Grpc) {
                "9090"
            } else {
                "8080"
            };
            insert_keys(text, tree, &item, &[("port", port.to_string())])
                .map(|edit| vec![fix(format!("Add `port: {port}`"), true, vec![edit])])
                .unwrap_or_default()
        }
        Code::SCHEMA_VIOLATION if path == "configuration" => migrate_configuration(text, tree)
            .map(|edits| vec![fix("Migrate to `configurations`".into(), true, edits)])
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

fn source_actions(text: &str, tree: &Tree, analysis: &Analysis, today: Date) -> Vec<Action> {
    let mut out = Vec::new();
    let has_readiness = tree.root().and_then(|root| tree.entry(root, "readiness")).is_some();
    if analysis.version == Some(SchemaVersion::V1_0) && has_readiness {
        if let Some(edit) = bump_version(tree) {
            out.push(Action {
                title: "Bump pactoVersion to 1.1".into(),
                kind: ActionKind::Source,
                fixes: Vec::new(),
                preferred: false,
                edits: vec![edit],
            });
        }
    }
    if !has_readiness && analysis.version.is_some() {
        let newline = newline(text);
        let expires = today.add_days(RENEW_DAYS);
        let skeleton = format!(
            "readiness:{newline}  minScore: 100{newline}  checks:{newline}    - id: dashboard{newline}      type: url{newline}      evidence: https://dashboards.example.com/{name}{newline}      weight: 100{newline}      expires: \"{expires}\"{newline}",
            name = service_name(tree).unwrap_or_else(|| "service".into())
        );
        let mut edits = Vec::new();
        if analysis.version == Some(SchemaVersion::V1_0) {
            edits.extend(bump_version(tree));
        }
        let end = text.len();
        let prefix = if text.is_empty() || text.ends_with('\n') { String::new() } else { newline.to_string() };
        edits.push((end..end, format!("{prefix}{skeleton}")));
        out.push(Action {
            title: "Add readiness section".into(),
            kind: ActionKind::Source,
            fixes: Vec::new(),
            preferred: false,
            edits,
        });
    }
    out
}

/// `pactoVersion: "1.0"` → `"1.1"`, keeping the quote style.
fn bump_version(tree: &Tree) -> Option<(Range<usize>, String)> {
    let node = tree.get(&Path::root().key("pactoVersion"))?;
    let span = tree.span(node);
    match tree.scalar(node)?.style {
        ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => Some((span.start + 1..span.end - 1, "1.1".into())),
        _ => Some((span, "\"1.1\"".into())),
    }
}

/// An unquoted `pactoVersion: 1.0` (a YAML number) → `"1.0"`.
fn quote_version(text: &str, tree: &Tree) -> Option<(String, (Range<usize>, String))> {
    let node = tree.get(&Path::root().key("pactoVersion"))?;
    let scalar = tree.scalar(node)?;
    if scalar.style != ScalarStyle::Plain || !matches!(&*scalar.value, "1.0" | "1.1" | "1") {
        return None;
    }
    let span = tree.span(node);
    let written = &text[span.clone()];
    let version = if written == "1" { "1.0" } else { written };
    Some((format!("Quote pactoVersion: \"{version}\""), (span, format!("\"{version}\""))))
}

/// Declared interface names that fit the probe, closest to the written one first.
fn closest_interfaces(tree: &Tree, analysis: &Analysis, path: &Path) -> Vec<(String, Range<usize>)> {
    let Some(node) = tree.get(path) else { return Vec::new() };
    let written = tree.scalar_str(node).unwrap_or("");
    let span = super::navigation::inner_span(tree, node);
    let Some(contract) = &analysis.contract else { return Vec::new() };
    let mut candidates: Vec<(usize, String)> = contract
        .interfaces
        .iter()
        .filter(|it| matches!(it.kind, Some(InterfaceType::Http | InterfaceType::Grpc)))
        .filter_map(|it| it.name.clone())
        .map(|name| (crate::core::structural::edit_distance(written, &name), name))
        .collect();
    candidates.sort();
    candidates.truncate(3);
    candidates.into_iter().map(|(_, name)| (name, span.clone())).collect()
}

/// Adds the required keys the object at `path` lacks, with placeholder values that validate.
fn insert_missing(text: &str, tree: &Tree, analysis: &Analysis, path: &Path) -> Option<Action> {
    let version = analysis.version?;
    let node = version.node_at(path)?;
    let required: Vec<&str> = node.get("required")?.as_array()?.iter().filter_map(Value::as_str).collect();
    let present = analysis.document.as_ref().and_then(|doc| path.lookup(doc)).and_then(Value::as_object);
    let missing: Vec<&str> =
        required.into_iter().filter(|key| !present.is_some_and(|object| object.contains_key(*key))).collect();
    if missing.is_empty() {
        return None;
    }
    let keys: Vec<(&str, String)> =
        missing.iter().map(|key| (*key, placeholder(version, &path.key(key), analysis.document.as_ref()))).collect();
    let edit = insert_keys(text, tree, path, &keys)?;
    let names: Vec<String> = missing.iter().map(|it| format!("`{it}`")).collect();
    Some(Action {
        title: format!("Add missing {}", names.join(", ")),
        kind: ActionKind::QuickFix,
        fixes: Vec::new(),
        preferred: true,
        edits: vec![edit],
    })
}

/// A value for a new key: a literal that validates, or a nested block (`{i}` is the child indentation).
fn placeholder(version: SchemaVersion, path: &Path, document: Option<&Value>) -> String {
    let key = match path.last() {
        Some(Segment::Key(key)) => key.to_string(),
        _ => String::new(),
    };
    // An unnamed dependency is named as upstream's migration names it: after its ref.
    if key == "name"
        && let Some(reference) = path.parent().and_then(|it| document.and_then(|doc| it.key("ref").lookup(doc)))
        && let Some(name) = reference.as_str().and_then(dependency_name)
    {
        return name;
    }
    match key.as_str() {
        "name" if path.to_string() == "service.name" => "my-service".into(),
        "name" => "default".into(),
        "version" => "0.1.0".into(),
        "pactoVersion" => "\"1.1\"".into(),
        "type" if path.to_string().starts_with("interfaces") => "http".into(),
        "workload" => "service".into(),
        "state" => "\n{i}type: stateless\n{i}persistence:\n{i}  scope: local\n{i}  durability: ephemeral\n{i}dataCriticality: low".into(),
        "persistence" => "\n{i}scope: local\n{i}durability: ephemeral".into(),
        "interface" => "api".into(),
        "compatibility" => "\"^1.0.0\"".into(),
        "ref" => "registry.example.com/team/repository:1.0.0".into(),
        "checks" => "\n{i}- id: dashboard\n{i}  type: url\n{i}  evidence: https://dashboards.example.com\n{i}  weight: 100\n{i}  expires: \"2099-12-31\"".into(),
        _ => match version.node_at(path) {
            Some(node) => match node.get("enum").and_then(Value::as_array).and_then(|it| it.first()).and_then(Value::as_str) {
                Some(first) => first.into(),
                None => match node.get("type").and_then(Value::as_str) {
                    Some("integer") => "0".into(),
                    Some("boolean") => "false".into(),
                    _ => "\"\"".into(),
                },
            },
            None => "\"\"".into(),
        },
    }
}

/// One edit inserting `key: value` lines into the mapping at `path`, after its last entry, at the
/// indentation of its keys. Values may hold `{i}` for the child indentation and `\n` for new lines.
fn insert_keys(text: &str, tree: &Tree, path: &Path, keys: &[(&str, String)]) -> Option<(Range<usize>, String)> {
    let newline = newline(text);
    let (anchor, indent) = match tree.get(path).and_then(|node| tree.mapping(node).map(|it| (node, it))) {
        Some((_, entries)) if !entries.is_empty() => {
            let first = entries.first()?;
            let last = entries.last()?;
            let column = column_of(text, tree.span(first.key).start);
            (tree.span(last.value).end.max(tree.span(last.key).end), column)
        }
        // An empty or null value (`runtime:`): insert below its key, one level deeper.
        _ => {
            let key = tree.key_node(path)?;
            let column = column_of(text, tree.span(key).start);
            let value_end = tree.get(path).map_or(tree.span(key).end, |it| tree.span(it).end.max(tree.span(key).end));
            (value_end, column + 2)
        }
    };
    let line_end = text[anchor..].find(['\n', '\r']).map_or(text.len(), |it| anchor + it);
    let pad = " ".repeat(indent);
    let child = " ".repeat(indent + 2);
    let mut inserted = String::new();
    for (key, value) in keys {
        let value = value.replace('\n', newline).replace("{i}", &child);
        let separator = if value.starts_with(newline) { ":" } else { ": " };
        inserted.push_str(&format!("{newline}{pad}{key}{separator}{value}"));
    }
    Some((line_end..line_end, inserted))
}

/// Rewrites a singular `configuration:` mapping into a `configurations:` list with one named entry.
fn migrate_configuration(text: &str, tree: &Tree) -> Option<Vec<(Range<usize>, String)>> {
    let path = Path::root().key("configuration");
    let key = tree.key_node(&path)?;
    let value = tree.get(&path)?;
    let entries = tree.mapping(value)?;
    let newline = newline(text);
    let mut edits = vec![(tree.span(key), "configurations".to_string())];
    let first = entries.first()?;
    let column = column_of(text, tree.span(first.key).start);
    // `- name: default` goes before the first key; every other line of the block moves two columns.
    let first_start = tree.span(first.key).start;
    edits.push((first_start..first_start, format!("- name: default{newline}{}  ", " ".repeat(column))));
    let block_end = tree.span(value).end;
    let mut offset = text[first_start..block_end].find(['\n', '\r']).map(|it| first_start + it);
    while let Some(at) = offset {
        let line_start = at + if text[at..].starts_with("\r\n") { 2 } else { 1 };
        if line_start >= block_end {
            break;
        }
        if text[line_start..].starts_with(&" ".repeat(column)) {
            edits.push((line_start..line_start, "  ".to_string()));
        }
        offset = text[line_start..block_end].find(['\n', '\r']).map(|it| line_start + it);
    }
    Some(edits)
}

/// The last path segment of a ref without its tag and digest (`oci://ghcr.io/acme/auth-pacto:1.0` → `auth-pacto`).
fn dependency_name(reference: &str) -> Option<String> {
    let without_digest = reference.split('@').next()?;
    let last = without_digest.rsplit('/').next()?;
    let name = last.split(':').next()?;
    (!name.is_empty()).then(|| name.to_string())
}

fn service_name(tree: &Tree) -> Option<String> {
    let node = tree.get(&Path::parse("service.name")?)?;
    tree.scalar_str(node).map(String::from)
}

fn interface_kind(analysis: &Analysis, item: &Path) -> Option<InterfaceType> {
    let Some(Segment::Index(index)) = item.last() else { return None };
    analysis.contract.as_ref()?.interfaces.get(*index)?.kind
}

/// The span of a scalar's text (inside its quotes).
fn value_span(tree: &Tree, path: &str) -> Option<Range<usize>> {
    let node = tree.get(&Path::parse(path)?)?;
    matches!(tree.node(node).kind, NodeKind::Scalar(_)).then(|| super::navigation::inner_span(tree, node))
}

/// A scalar's span and its source text.
fn raw_value(text: &str, tree: &Tree, path: &str) -> Option<(Range<usize>, String)> {
    let node: NodeId = tree.get(&Path::parse(path)?)?;
    let span = tree.span(node);
    Some((span.clone(), text.get(span)?.to_string()))
}

/// The file's line break: CRLF when it uses CRLF.
fn newline(text: &str) -> &'static str {
    if text.contains("\r\n") { "\r\n" } else { "\n" }
}

/// The column (in bytes; indentation is ASCII) of an offset.
fn column_of(text: &str, offset: usize) -> usize {
    offset - text[..offset].rfind(['\n', '\r']).map_or(0, |it| it + 1)
}

/// Applies edits (non-overlapping, any order) to a text; used by tests and the CLI.
pub fn apply(text: &str, edits: &[(Range<usize>, String)]) -> String {
    let mut sorted: Vec<&(Range<usize>, String)> = edits.iter().collect();
    sorted.sort_by_key(|(range, _)| std::cmp::Reverse(range.start));
    let mut out = text.to_string();
    for (range, new_text) in sorted {
        out.replace_range(range.clone(), new_text);
    }
    out
}
