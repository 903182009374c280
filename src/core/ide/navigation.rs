//! Go to definition, references and rename for interface names; definition of bundle file paths.

use std::ops::Range;

use crate::core::path::{Path, Segment};
use crate::core::text::excerpt;
use crate::core::yaml::{NodeId, Role, ScalarStyle, Tree};

/// Where a definition lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A range in the same document.
    Here(Range<usize>),
    /// A bundle-relative file.
    File(String),
}

/// The `(list, key)` pairs whose values are bundle-relative file paths.
pub const FILE_FIELDS: [(&str, &str); 3] =
    [("interfaces", "contract"), ("configurations", "schema"), ("policies", "schema")];

/// The paths whose values name an interface.
const REFERENCES: [&str; 2] = ["runtime.health.interface", "runtime.metrics.interface"];

pub fn definition(tree: &Tree, offset: usize) -> Option<Target> {
    let hit = tree.locate(offset)?;
    if hit.role != Role::Value {
        return None;
    }
    let text = hit.path.to_string();
    let value = tree.scalar_str(hit.node)?;
    if REFERENCES.contains(&text.as_str()) {
        let declaration = interface_declarations(tree).into_iter().find(|(name, _)| name == value)?;
        return Some(Target::Here(inner_span(tree, declaration.1)));
    }
    is_file_path(&hit.path).then(|| Target::File(value.to_string()))
}

/// Every occurrence of the interface name under the cursor: its declaration and references.
pub fn references(tree: &Tree, offset: usize) -> Option<(String, Vec<Range<usize>>)> {
    let name = name_at(tree, offset)?;
    let mut ranges: Vec<Range<usize>> = interface_declarations(tree)
        .into_iter()
        .filter(|(it, _)| *it == name)
        .map(|(_, node)| inner_span(tree, node))
        .collect();
    for reference in REFERENCES {
        if let Some(node) = Path::parse(reference).and_then(|path| tree.get(&path))
            && tree.scalar_str(node) == Some(name.as_str())
        {
            ranges.push(inner_span(tree, node));
        }
    }
    ranges.sort_by_key(|it| it.start);
    Some((name, ranges))
}

/// The range of the interface name under the cursor, if a rename can start there.
pub fn prepare_rename(tree: &Tree, offset: usize) -> Option<(Range<usize>, String)> {
    let name = name_at(tree, offset)?;
    let hit = tree.locate(offset)?;
    Some((inner_span(tree, hit.node), name))
}

/// The edits that rename the interface under the cursor everywhere; `Err` says why not.
pub fn rename(tree: &Tree, offset: usize, new_name: &str) -> Result<Vec<(Range<usize>, String)>, String> {
    if !is_plain_string(new_name) {
        return Err(format!(
            "`{}` would not stay a plain YAML string here; use a name like `public-api` (letters, digits, `-`, `_`, `.`)",
            excerpt(new_name)
        ));
    }
    let (old, ranges) = references(tree, offset).ok_or("not an interface name")?;
    if interface_declarations(tree).iter().any(|(it, _)| it == new_name) && new_name != old {
        return Err(format!("an interface named `{}` already exists", excerpt(new_name)));
    }
    Ok(ranges.into_iter().map(|range| (range, new_name.to_string())).collect())
}

/// Whether `name` can be written unquoted (or inside existing quotes) and still read back as that
/// same string: no YAML indicators, no spaces at the ends, not a number, boolean or null.
fn is_plain_string(name: &str) -> bool {
    if name.is_empty() || name.trim() != name || name.contains(['"', '\'', '\\', '\n', '\r', '\t']) {
        return false;
    }
    let parsed = crate::core::yaml::parse(&format!("k: {name}\n"));
    parsed.problems.is_empty()
        && parsed.tree.document_json().ok().and_then(|it| it.get("k").cloned())
            == Some(serde_json::Value::String(name.into()))
}

/// The interface name at `offset`: a declaration (`interfaces[i].name`) or a reference.
fn name_at(tree: &Tree, offset: usize) -> Option<String> {
    let hit = tree.locate(offset)?;
    if hit.role != Role::Value {
        return None;
    }
    let is_declaration = matches!(hit.path.segments(), [Segment::Key(list), Segment::Index(_), Segment::Key(key)] if &**list == "interfaces" && &**key == "name");
    let is_reference = REFERENCES.contains(&hit.path.to_string().as_str());
    if !(is_declaration || is_reference) {
        return None;
    }
    tree.scalar_str(hit.node).filter(|it| !it.is_empty()).map(String::from)
}

fn interface_declarations(tree: &Tree) -> Vec<(String, NodeId)> {
    let Some(items) = Path::parse("interfaces").and_then(|path| tree.get(&path)).and_then(|it| tree.sequence(it))
    else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|item| {
            let node = tree.entry(*item, "name")?.value;
            Some((tree.scalar_str(node)?.to_string(), node))
        })
        .collect()
}

fn is_file_path(path: &Path) -> bool {
    matches!(path.segments(), [Segment::Key(list), Segment::Index(_), Segment::Key(key)]
        if FILE_FIELDS.contains(&(&**list, &**key)))
}

/// A scalar's span without its quotes.
pub fn inner_span(tree: &Tree, node: NodeId) -> Range<usize> {
    let span = tree.span(node);
    match tree.scalar(node).map(|it| it.style) {
        Some(ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted) if span.len() >= 2 => span.start + 1..span.end - 1,
        _ => span,
    }
}
