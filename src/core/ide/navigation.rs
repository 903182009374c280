//! Go to definition, references and rename for interface names (named by 1.x probes and 2.0
//! capability bindings); definition of bundle file paths.

use std::ops::Range;

use crate::core::ide::scalar::is_plain_string;
use crate::core::path::{Path, Segment};
use crate::core::text::excerpt;
use crate::core::yaml::{NodeId, Role, Tree};

/// Where a definition lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A range in the same document.
    Here(Range<usize>),
    /// A bundle-relative file.
    File(String),
}

/// The `(list, key)` pairs whose values are bundle-relative file paths (`interfaces[].ref` is a 2.0
/// spec file).
pub const FILE_FIELDS: [(&str, &str); 4] =
    [("interfaces", "contract"), ("interfaces", "ref"), ("configurations", "schema"), ("policies", "schema")];

/// The 1.x paths whose values name an interface; 2.0 names them in `capabilities[].binding.interface`.
const REFERENCES: [&str; 2] = ["runtime.health.interface", "runtime.metrics.interface"];

pub fn definition(tree: &Tree, offset: usize) -> Option<Target> {
    let hit = tree.locate(offset)?;
    if hit.role != Role::Value {
        return None;
    }
    let text = hit.path.to_string();
    let value = tree.scalar_str(hit.node)?;
    if is_reference(&hit.path, &text) {
        let declaration = interface_declarations(tree).into_iter().find(|(name, _)| name == value)?;
        return Some(Target::Here(shown_span(tree, declaration.1)));
    }
    is_file_path(&hit.path).then(|| Target::File(value.to_string()))
}

/// Every occurrence of the interface name under the cursor: its declaration and references
/// (an alias such as `*api` is an occurrence too, shown as the alias).
pub fn references(tree: &Tree, offset: usize) -> Option<(String, Vec<Range<usize>>)> {
    let name = name_at(tree, offset)?;
    let mut ranges: Vec<Range<usize>> = occurrences(tree, &name).into_iter().map(|it| shown_span(tree, it)).collect();
    ranges.sort_by_key(|it| (it.start, it.end));
    ranges.dedup();
    Some((name, ranges))
}

/// The range of the interface name under the cursor, if a rename can start there.
pub fn prepare_rename(tree: &Tree, offset: usize) -> Option<(Range<usize>, String)> {
    let name = name_at(tree, offset)?;
    let hit = tree.locate(offset)?;
    Some((shown_span(tree, hit.node), name))
}

/// The edits that rename the interface under the cursor everywhere; `Err` says why not.
///
/// Each edit replaces a name's own text, so anchors, tags and quotes stay as they were. An alias
/// (`interface: *api` where `name: &api public-api`) is never edited: renaming the anchored
/// name already changes what the alias reads. An alias of some other value cannot follow a
/// rename without changing that value too, so the rename is refused.
pub fn rename(tree: &Tree, offset: usize, new_name: &str) -> Result<Vec<(Range<usize>, String)>, String> {
    if !is_plain_string(new_name) {
        return Err(format!(
            "`{}` would not stay a plain YAML string here; use a name like `public-api` (letters, digits, `-`, `_`, `.`)",
            excerpt(new_name)
        ));
    }
    let old = name_at(tree, offset).ok_or("not an interface name")?;
    if interface_declarations(tree).iter().any(|(it, _)| it == new_name) && new_name != old {
        return Err(format!("an interface named `{}` already exists", excerpt(new_name)));
    }
    let nodes = occurrences(tree, &old);
    let mut edits = Vec::new();
    for node in &nodes {
        match tree.text_span(*node) {
            Some(span) => edits.push((span, new_name.to_string())),
            None if nodes.contains(&tree.resolve(*node)) => {}
            None => {
                return Err(format!(
                    "`{old}` is also read through an alias of a value that is not an interface name; rename it by hand"
                ));
            }
        }
    }
    edits.sort_by_key(|(span, _)| (span.start, span.end));
    edits.dedup();
    Ok(edits)
}

/// The nodes that hold the interface name `name`: declarations, then references (deduplicated:
/// merge keys can make two paths read the same node).
fn occurrences(tree: &Tree, name: &str) -> Vec<NodeId> {
    let mut nodes: Vec<NodeId> =
        interface_declarations(tree).into_iter().filter(|(it, _)| it == name).map(|(_, node)| node).collect();
    let probes = REFERENCES.iter().filter_map(|it| Path::parse(it).and_then(|path| tree.get(&path)));
    for node in probes.chain(binding_references(tree)) {
        if tree.scalar_str(node) == Some(name) && !nodes.contains(&node) {
            nodes.push(node);
        }
    }
    nodes
}

/// The `capabilities[i].binding.interface` values, in document order.
fn binding_references(tree: &Tree) -> Vec<NodeId> {
    let Some(items) = tree.get(&Path::root().key("capabilities")).and_then(|it| tree.sequence(it)) else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|item| {
            let binding = tree.entry(*item, "binding")?.value;
            Some(tree.entry(tree.resolve(binding), "interface")?.value)
        })
        .collect()
}

/// Whether the value at `path` (written `text`) names an interface.
fn is_reference(path: &Path, text: &str) -> bool {
    REFERENCES.contains(&text)
        || matches!(path.segments(), [Segment::Key(list), Segment::Index(_), Segment::Key(binding), Segment::Key(key)]
            if &**list == "capabilities" && &**binding == "binding" && &**key == "interface")
}

/// What to show for a value: its own text, or the whole alias.
fn shown_span(tree: &Tree, node: NodeId) -> Range<usize> {
    tree.text_span(node).unwrap_or_else(|| tree.span(node))
}

/// The interface name at `offset`: a declaration (`interfaces[i].name`) or a reference.
fn name_at(tree: &Tree, offset: usize) -> Option<String> {
    let hit = tree.locate(offset)?;
    if hit.role != Role::Value {
        return None;
    }
    let is_declaration = matches!(hit.path.segments(), [Segment::Key(list), Segment::Index(_), Segment::Key(key)] if &**list == "interfaces" && &**key == "name");
    let is_reference = is_reference(&hit.path, &hit.path.to_string());
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
