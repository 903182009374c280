//! A positioned YAML tree: every key, value and item knows its byte range in the source.
//!
//! Parsing never fails: [`parse`] returns the (possibly partial) tree and a list of problems.
//! Values are resolved the way upstream's Go YAML decoder (yaml.v3) resolves them, so the JSON
//! built by [`Tree::to_json`] is what upstream's schema layer sees.

mod build;
mod json;
mod reparse;

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

use crate::core::path::{Path, Segment};

pub use build::{parse, skip_properties};
pub use json::{JsonError, scalar_to_json};
pub use reparse::reparse;

/// Index of a node in [`Tree::nodes`].
pub type NodeId = u32;

/// The deepest nesting of collections accepted before parsing stops.
pub const MAX_DEPTH: usize = 128;

#[derive(Clone, Debug, Default)]
pub struct Tree {
    nodes: Vec<Node>,
    root: Option<NodeId>,
    /// Key lookup tables for the mappings with more than [`INDEXED_MAPPING`] entries, so that finding
    /// every key of a large mapping is not quadratic.
    indexes: HashMap<NodeId, MappingIndex>,
}

/// Mappings with more entries than this get a [`MappingIndex`]; smaller ones are scanned.
const INDEXED_MAPPING: usize = 16;

/// Where each key of one mapping is, as positions in its entry list.
#[derive(Clone, Debug, Default)]
struct MappingIndex {
    /// The first entry with each scalar key text (later ones are duplicates and do not count).
    keys: HashMap<Box<str>, u32>,
    /// The `<<` merge entries, in order.
    merges: Vec<u32>,
}

#[derive(Clone, Debug)]
pub struct Node {
    pub kind: NodeKind,
    /// Byte range in the source. Block collections end at the end of their last child.
    pub span: Range<usize>,
}

#[derive(Clone, Debug)]
pub enum NodeKind {
    Scalar(Scalar),
    Sequence(Vec<NodeId>),
    Mapping(Vec<Entry>),
    /// An alias (`*name`) and the anchored node it stands for.
    Alias(NodeId),
}

#[derive(Clone, Debug)]
pub struct Scalar {
    /// Shared: a re-parse copies the tree around the edit without copying its strings.
    pub value: Arc<str>,
    pub style: ScalarStyle,
    /// The scalar's own text: after any anchor and tag, inside the quotes; a block scalar from
    /// its `|` or `>` indicator on. Read it through [`Tree::text_span`].
    text: Range<usize>,
    /// A core tag such as `!!str`, or a local tag as written.
    pub tag: Option<Box<str>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScalarStyle {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

#[derive(Clone, Copy, Debug)]
pub struct Entry {
    pub key: NodeId,
    pub value: NodeId,
}

/// What [`parse`] found wrong with the text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub kind: ProblemKind,
    pub message: String,
    pub span: Range<usize>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProblemKind {
    /// The text is not YAML from this point on; the tree holds what came before.
    Syntax,
    /// A mapping repeats a key; the first occurrence is the one that counts.
    DuplicateKey(Path),
    /// More than one YAML document; only the first is read.
    ExtraDocument,
}

#[derive(Clone, Debug, Default)]
pub struct Parsed {
    pub tree: Tree,
    pub problems: Vec<Problem>,
}

impl Parsed {
    /// Whether the whole text parsed as YAML (duplicate keys and extra documents aside).
    pub fn is_complete(&self) -> bool {
        !self.problems.iter().any(|it| it.kind == ProblemKind::Syntax)
    }
}

/// Where a path lookup landed, for [`Tree::locate`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hit {
    pub path: Path,
    pub node: NodeId,
    pub role: Role,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Key,
    Value,
}

impl Tree {
    pub fn root(&self) -> Option<NodeId> {
        self.root
    }

    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id as usize]
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Follows aliases to the node they stand for.
    pub fn resolve(&self, mut id: NodeId) -> NodeId {
        // Alias targets always precede the alias, so this terminates; the bound is a belt and braces.
        for _ in 0..self.nodes.len() {
            match self.node(id).kind {
                NodeKind::Alias(target) => id = target,
                _ => break,
            }
        }
        id
    }

    pub fn scalar(&self, id: NodeId) -> Option<&Scalar> {
        match &self.node(self.resolve(id)).kind {
            NodeKind::Scalar(scalar) => Some(scalar),
            _ => None,
        }
    }

    /// The text of a scalar node (after alias resolution).
    pub fn scalar_str(&self, id: NodeId) -> Option<&str> {
        self.scalar(id).map(|it| &*it.value)
    }

    pub fn mapping(&self, id: NodeId) -> Option<&[Entry]> {
        match &self.node(self.resolve(id)).kind {
            NodeKind::Mapping(entries) => Some(entries),
            _ => None,
        }
    }

    pub fn sequence(&self, id: NodeId) -> Option<&[NodeId]> {
        match &self.node(self.resolve(id)).kind {
            NodeKind::Sequence(items) => Some(items),
            _ => None,
        }
    }

    /// The entry of a mapping for `key`: explicit keys first, then `<<` merge keys.
    pub fn entry(&self, mapping: NodeId, key: &str) -> Option<Entry> {
        self.entry_bounded(mapping, key, 8)
    }

    fn entry_bounded(&self, mapping: NodeId, key: &str, depth: u8) -> Option<Entry> {
        let mapping = self.resolve(mapping);
        let entries = self.mapping(mapping)?;
        let index = self.indexes.get(&mapping);
        let explicit = match index {
            Some(index) => index.keys.get(key).and_then(|it| entries.get(*it as usize)),
            None => entries.iter().find(|it| self.key_text(it.key) == Some(key)),
        };
        if let Some(entry) = explicit {
            return Some(*entry);
        }
        if depth == 0 {
            return None;
        }
        let merges: Vec<&Entry> = match index {
            Some(index) => index.merges.iter().filter_map(|it| entries.get(*it as usize)).collect(),
            None => entries.iter().filter(|it| self.is_merge_key(it.key)).collect(),
        };
        for entry in merges {
            let value = self.resolve(entry.value);
            let sources: Vec<NodeId> = match self.sequence(value) {
                Some(items) => items.to_vec(),
                None => vec![value],
            };
            for source in sources {
                if let Some(found) = self.entry_bounded(source, key, depth - 1) {
                    return Some(found);
                }
            }
        }
        None
    }

    /// The text of a mapping key, if it is a scalar.
    pub fn key_text(&self, key: NodeId) -> Option<&str> {
        self.scalar_str(key)
    }

    pub(crate) fn is_merge_key(&self, key: NodeId) -> bool {
        matches!(&self.node(key).kind, NodeKind::Scalar(s) if &*s.value == "<<" && s.style == ScalarStyle::Plain)
    }

    /// Builds the key lookup tables of the large mappings; called once the tree is complete.
    fn build_indexes(&mut self) {
        let mut indexes = HashMap::new();
        for (id, node) in self.nodes.iter().enumerate() {
            let NodeKind::Mapping(entries) = &node.kind else { continue };
            if entries.len() <= INDEXED_MAPPING {
                continue;
            }
            let mut index = MappingIndex::default();
            for (position, entry) in entries.iter().enumerate() {
                if self.is_merge_key(entry.key) {
                    index.merges.push(position as u32);
                }
                if let Some(text) = self.key_text(entry.key) {
                    index.keys.entry(text.into()).or_insert(position as u32);
                }
            }
            indexes.insert(id as NodeId, index);
        }
        self.indexes = indexes;
    }

    /// The value node at `path`.
    pub fn get(&self, path: &Path) -> Option<NodeId> {
        let mut id = self.root?;
        for segment in path.segments() {
            id = match segment {
                Segment::Key(key) => self.entry(id, key)?.value,
                Segment::Index(index) => *self.sequence(id)?.get(*index)?,
            };
        }
        Some(id)
    }

    /// The key node of the mapping entry at `path` (`None` for the root and for items).
    pub fn key_node(&self, path: &Path) -> Option<NodeId> {
        let Some(Segment::Key(key)) = path.last() else {
            return None;
        };
        let parent = self.get(&path.parent()?)?;
        Some(self.entry(parent, key)?.key)
    }

    pub fn span(&self, id: NodeId) -> Range<usize> {
        self.node(id).span.clone()
    }

    /// The span of a scalar's own text, the part an edit of its value replaces: after any anchor
    /// (`&a`) and tag (`!!str`), inside its quotes; a block scalar from its `|` or `>` on.
    /// `None` for aliases (`*a`, whose text must stay a reference to its anchor) and collections.
    pub fn text_span(&self, id: NodeId) -> Option<Range<usize>> {
        match &self.node(id).kind {
            NodeKind::Scalar(scalar) => Some(scalar.text.clone()),
            _ => None,
        }
    }

    /// The innermost key or value containing `offset` (ends inclusive), with its path.
    pub fn locate(&self, offset: usize) -> Option<Hit> {
        let mut id = self.root?;
        let mut path = Path::root();
        if !contains(&self.node(id).span, offset) {
            return None;
        }
        'descend: loop {
            match &self.node(id).kind {
                NodeKind::Mapping(entries) => {
                    for entry in entries {
                        let key_text = self.key_text(entry.key).unwrap_or("");
                        if contains(&self.node(entry.key).span, offset) {
                            return Some(Hit { path: path.key(key_text), node: entry.key, role: Role::Key });
                        }
                        if contains(&self.node(entry.value).span, offset) {
                            path = path.key(key_text);
                            id = entry.value;
                            continue 'descend;
                        }
                    }
                }
                NodeKind::Sequence(items) => {
                    for (index, item) in items.iter().enumerate() {
                        if contains(&self.node(*item).span, offset) {
                            path = path.index(index);
                            id = *item;
                            continue 'descend;
                        }
                    }
                }
                NodeKind::Scalar(_) | NodeKind::Alias(_) => {}
            }
            return Some(Hit { path, node: id, role: Role::Value });
        }
    }
}

fn contains(span: &Range<usize>, offset: usize) -> bool {
    span.start <= offset && offset <= span.end
}

#[cfg(test)]
mod tests;
