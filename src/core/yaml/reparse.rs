//! Re-parsing a new version of a document by parsing again only the block item that holds the edit.
//!
//! A keystroke changes a few bytes inside one entry of a block mapping (`name: grpc-0945`) or one
//! item of a block sequence. That entry, cut out on its own lines with the text before it on its
//! first line turned into spaces, parses on its own exactly as it does in place: in block context
//! what follows an entry starts on a later line at its indentation or less, and nothing before it
//! reaches into it except aliases (refused) and directives (refused). The new tree is the old
//! one with that entry's nodes replaced, later node ids and byte offsets shifted, and the spans of
//! the collections around it recomputed. Whenever any of this is not certain (syntax problems,
//! aliases, flow collections on the way, an edit that crosses an entry's edge, a changed key), the
//! answer is `None` and the caller parses the whole text.

use std::ops::Range;

use super::build::{parse, skip_properties};
use super::{MAX_DEPTH, Node, NodeId, NodeKind, Parsed, ScalarStyle, Tree};

/// The parse of `text`, computed from `old`, the parse of `old_text`, when only one block entry
/// changed; `None` when the whole text must be parsed.
pub fn reparse(old_text: &str, old: &Parsed, text: &str) -> Option<Parsed> {
    if old_text == text {
        return Some(old.clone());
    }
    if !old.problems.is_empty() || has_directive(old_text) || has_explicit_key(old_text) {
        return None;
    }
    let tree = &old.tree;
    if tree.nodes.iter().any(|it| matches!(it.kind, NodeKind::Alias(_))) {
        return None;
    }
    let change = changed(old_text, text)?;
    let site = find_site(old_text, tree, &change)?;
    let delta = text.len() as isize - old_text.len() as isize;
    let region_end = site.region.end.checked_add_signed(delta)?;
    let line_start = site.line_start;
    // The entry's own text, with what precedes it on its first line (indentation, `- `) as spaces.
    let mut piece = " ".repeat(site.region.start - line_start);
    piece.push_str(text.get(site.region.start..region_end)?);
    // A document marker or a directive at the start of a line would end the document in place.
    if has_directive(&piece)
        || has_explicit_key(&piece)
        || ["---", "..."].iter().any(|it| piece.starts_with(it) || piece.contains(&format!("\n{it}")))
    {
        return None;
    }
    let sub = parse(&piece);
    if !sub.problems.is_empty() || depth(&sub.tree) + site.chain.len() + 2 > MAX_DEPTH {
        return None;
    }
    let sub_root = sub.tree.root?;
    // An empty value at the end of the piece sits where the next token is, which in place is after
    // the piece: every node must end within the piece's own text. Block scalars (`|`, `>`) are left
    // out: an empty one runs on to the next token, and a kept one (`|+`) takes the blank lines after it.
    let content_end = piece.trim_end().len();
    let inside = |node: &Node| {
        node.span.end <= content_end
            && !matches!(&node.kind, NodeKind::Scalar(it) if it.text.end > content_end
                || matches!(it.style, ScalarStyle::Literal | ScalarStyle::Folded))
    };
    if !sub.tree.nodes.iter().skip(sub_root as usize + 1).all(inside) {
        return None;
    }
    // The piece must still be exactly one entry (with the same key) or one item.
    let sub_value = match (&sub.tree.node(sub_root).kind, site.key.as_deref()) {
        (NodeKind::Mapping(entries), Some(key)) if entries.len() == 1 => {
            (sub.tree.key_text(entries[0].key) == Some(key)).then_some(entries[0].value)?
        }
        (NodeKind::Sequence(items), None) if items.len() == 1 => items[0],
        _ => return None,
    };
    Some(Parsed {
        tree: splice(tree, &site, sub.tree, sub_root, sub_value, line_start, change.old_end, delta),
        problems: Vec::new(),
    })
}

/// What changed: the bytes `start..old_end` of the old text became `start..new_end` of the new one.
struct Change {
    start: usize,
    old_end: usize,
}

fn changed(old: &str, new: &str) -> Option<Change> {
    let (a, b) = (old.as_bytes(), new.as_bytes());
    let mut start = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    while !old.is_char_boundary(start) {
        start -= 1;
    }
    let limit = a.len().min(b.len()) - start;
    let mut suffix = a.iter().rev().zip(b.iter().rev()).take(limit).take_while(|(x, y)| x == y).count();
    while !old.is_char_boundary(a.len() - suffix) || !new.is_char_boundary(b.len() - suffix) {
        suffix -= 1;
    }
    (a != b).then_some(Change { start, old_end: a.len() - suffix })
}

/// The entry or item to parse again.
struct Site {
    /// The block collections from the root down to the one holding the entry.
    chain: Vec<NodeId>,
    /// Which child of the innermost collection it is.
    index: usize,
    /// The old node ids of its subtree (the key's and the value's for an entry).
    ids: Range<NodeId>,
    /// Its bytes in the old text: from its key or `-` to the start of the next sibling's line,
    /// or for the last child to the end of its last line.
    region: Range<usize>,
    /// The start of the line it starts on.
    line_start: usize,
    /// The key text for a mapping entry; `None` for a sequence item.
    key: Option<std::sync::Arc<str>>,
}

/// The innermost block entry or item whose region holds the whole change strictly after its first byte.
fn find_site(text: &str, tree: &Tree, change: &Change) -> Option<Site> {
    let mut node = tree.root?;
    let mut chain = Vec::new();
    let mut best = None;
    loop {
        if !is_block(text, tree.node(node)) {
            break;
        }
        chain.push(node);
        // Each child as (where it starts: its key or its `-`, its value node, its key).
        let children: Vec<(usize, NodeId, Option<NodeId>)> = match &tree.node(node).kind {
            NodeKind::Mapping(entries) => {
                entries.iter().map(|it| (tree.node(it.key).span.start, it.value, Some(it.key))).collect()
            }
            NodeKind::Sequence(items) => {
                let dashes = items.iter().map(|it| dash_before(text, tree.node(*it)).map(|dash| (dash, *it, None)));
                match dashes.collect::<Option<Vec<_>>>() {
                    Some(children) => children,
                    None => break,
                }
            }
            _ => break,
        };
        let Some(index) = children.iter().rposition(|(start, _, _)| *start < change.start) else { break };
        let (start, value, key) = children[index];
        let line_start = text[..start].rfind('\n').map_or(0, |it| it + 1);
        if !text[line_start..start].bytes().all(|it| it == b' ' || it == b'-') {
            break;
        }
        let region_end = match children.get(index + 1) {
            Some((next, _, _)) => {
                let next_line = text[..*next].rfind('\n').map_or(0, |it| it + 1);
                if next_line <= start || !text[next_line..*next].bytes().all(|it| it == b' ' || it == b'-') {
                    break;
                }
                if change.old_end >= next_line {
                    break;
                }
                next_line
            }
            None => {
                let end = tree.node(value).span.end;
                let line_end = text[end..].find('\n').map_or(text.len(), |it| end + it);
                if change.old_end > line_end {
                    break;
                }
                line_end
            }
        };
        let key_text = match key {
            Some(key) => match &tree.node(key).kind {
                NodeKind::Scalar(scalar) => Some(scalar.value.clone()),
                _ => break,
            },
            None => None,
        };
        if tree.node(value).span.start < start {
            break;
        }
        let first = key.unwrap_or(value);
        best = Some(Site {
            chain: chain.clone(),
            index,
            ids: first..subtree_end(tree, value),
            region: start..region_end,
            line_start,
            key: key_text,
        });
        node = value;
    }
    best
}

/// Whether a node is a block collection (flow collections start with their bracket).
fn is_block(text: &str, node: &Node) -> bool {
    let own = node.span.start + skip_properties(&text[node.span.start..]);
    matches!(node.kind, NodeKind::Mapping(_) | NodeKind::Sequence(_))
        && node.span.start < node.span.end
        && !text[own..].starts_with(['[', '{'])
}

/// The `-` of a block sequence item, with only spaces between it and the item, on the same line.
fn dash_before(text: &str, item: &Node) -> Option<usize> {
    if item.span.start >= item.span.end {
        return None;
    }
    let before = text[..item.span.start].trim_end_matches(' ');
    before.ends_with('-').then(|| before.len() - 1)
}

/// One past the last node id of the subtree at `id` (nodes are numbered in document order).
fn subtree_end(tree: &Tree, mut id: NodeId) -> NodeId {
    loop {
        let last = match &tree.node(id).kind {
            NodeKind::Mapping(entries) => entries.last().map(|it| it.value),
            NodeKind::Sequence(items) => items.last().copied(),
            _ => None,
        };
        match last {
            Some(child) => id = child,
            None => return id + 1,
        }
    }
}

/// How deep a tree nests (collections only).
fn depth(tree: &Tree) -> usize {
    fn walk(tree: &Tree, id: NodeId, level: usize) -> usize {
        match &tree.node(id).kind {
            NodeKind::Mapping(entries) => {
                entries.iter().map(|it| walk(tree, it.value, level + 1)).max().unwrap_or(level + 1)
            }
            NodeKind::Sequence(items) => items.iter().map(|it| walk(tree, *it, level + 1)).max().unwrap_or(level + 1),
            _ => level,
        }
    }
    tree.root.map_or(0, |root| walk(tree, root, 0))
}

/// Whether the text has a directive line (`%YAML`, `%TAG`), which could change how the entry parses.
fn has_directive(text: &str) -> bool {
    text.starts_with('%') || text.contains("\n%")
}

/// Whether the text may hold an explicit key (`? key`): where the entries around such a key end
/// depends on the text after them, so they are never parsed alone. A `?` inside a value counts too.
fn has_explicit_key(text: &str) -> bool {
    let bytes = text.as_bytes();
    text.match_indices('?').any(|(at, _)| matches!(bytes.get(at + 1), None | Some(b' ' | b'\t' | b'\r' | b'\n')))
}

/// The old tree with the entry's nodes replaced by the piece's, later ids and offsets shifted.
#[allow(clippy::too_many_arguments)]
fn splice(
    old: &Tree,
    site: &Site,
    sub: Tree,
    sub_root: NodeId,
    sub_value: NodeId,
    line_start: usize,
    old_end: usize,
    delta: isize,
) -> Tree {
    let Range { start: first, end: last } = site.ids.clone();
    // The piece's nodes after its root, in order: the entry's key and value, or the item.
    let taken = sub.nodes.len() as NodeId - (sub_root + 1);
    let id_delta = taken as i64 - (last - first) as i64;
    let old_id = |id: NodeId| if id >= last { (id as i64 + id_delta) as NodeId } else { id };
    let sub_id = |id: NodeId| id - (sub_root + 1) + first;
    let shift =
        |range: &Range<usize>, by: isize| range.start.saturating_add_signed(by)..range.end.saturating_add_signed(by);
    let mut nodes: Vec<Node> = Vec::with_capacity((old.nodes.len() as i64 + id_delta) as usize);
    let remap = |node: &Node, ids: &dyn Fn(NodeId) -> NodeId, by: isize| -> Node {
        let kind = match &node.kind {
            NodeKind::Scalar(scalar) => {
                let mut scalar = scalar.clone();
                scalar.text = shift(&scalar.text, by);
                NodeKind::Scalar(scalar)
            }
            NodeKind::Sequence(items) => NodeKind::Sequence(items.iter().map(|it| ids(*it)).collect()),
            NodeKind::Mapping(entries) => NodeKind::Mapping(
                entries.iter().map(|it| super::Entry { key: ids(it.key), value: ids(it.value) }).collect(),
            ),
            NodeKind::Alias(target) => NodeKind::Alias(ids(*target)),
        };
        Node { kind, span: shift(&node.span, by) }
    };
    for node in &old.nodes[..first as usize] {
        nodes.push(remap(node, &old_id, 0));
    }
    for node in &sub.nodes[sub_root as usize + 1..] {
        nodes.push(remap(node, &sub_id, line_start as isize));
    }
    for node in &old.nodes[last as usize..] {
        let by = if node.span.start >= old_end { delta } else { 0 };
        nodes.push(remap(node, &old_id, by));
    }
    // The collection holding the entry points at the new value; then the collections around it
    // end where their last child now ends.
    let parent = *site.chain.last().unwrap_or(&0);
    match &mut nodes[parent as usize].kind {
        NodeKind::Mapping(entries) => entries[site.index].value = sub_id(sub_value),
        NodeKind::Sequence(items) => items[site.index] = sub_id(sub_value),
        _ => {}
    }
    for &id in site.chain.iter().rev() {
        let last_child = match &nodes[id as usize].kind {
            NodeKind::Mapping(entries) => entries.last().map(|it| it.value),
            NodeKind::Sequence(items) => items.last().copied(),
            _ => None,
        };
        if let Some(child) = last_child {
            let end = nodes[child as usize].span.end;
            let node = &mut nodes[id as usize];
            node.span.end = end.max(node.span.start);
        }
    }
    let mut tree = Tree { nodes, root: old.root, indexes: Default::default() };
    tree.build_indexes();
    tree
}
