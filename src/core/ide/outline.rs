//! Document structure: hierarchical symbols, folding ranges, selection ranges, document links.

use std::ops::Range;

use crate::core::path::Path;
use crate::core::yaml::{NodeId, NodeKind, Tree};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SymbolKind {
    Module,
    Object,
    Interface,
    Field,
    Package,
    Event,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Symbol {
    pub name: String,
    pub detail: Option<String>,
    pub kind: SymbolKind,
    /// The whole entry (key and value).
    pub span: Range<usize>,
    /// The key (or the name value for list items).
    pub selection: Range<usize>,
    pub children: Vec<Symbol>,
}

/// The outline: top-level sections, with interfaces, dependencies, configurations, policies,
/// readiness checks (1.x) or claims (2.0) listed by name, 2.0 capabilities by type (an extension by
/// its ref) and extensions by key.
pub fn symbols(tree: &Tree) -> Vec<Symbol> {
    let Some(root) = tree.root() else { return Vec::new() };
    let Some(entries) = tree.mapping(root) else { return Vec::new() };
    let mut out = Vec::new();
    for entry in entries {
        let Some(key) = tree.key_text(entry.key) else { continue };
        let span = tree.span(entry.key).start..tree.span(entry.value).end.max(tree.span(entry.key).end);
        let selection = tree.span(entry.key);
        let value = tree.resolve(entry.value);
        let (kind, detail, children) = match key {
            "service" => {
                let field =
                    |name: &str| tree.entry(value, name).and_then(|it| tree.scalar_str(it.value)).map(String::from);
                let detail = match (field("name"), field("version")) {
                    (Some(name), Some(version)) => Some(format!("{name}@{version}")),
                    (Some(name), None) => Some(name),
                    _ => None,
                };
                (SymbolKind::Module, detail, Vec::new())
            }
            "interfaces" => {
                (SymbolKind::Package, None, items(tree, value, "name", SymbolKind::Interface, &["type", "port"]))
            }
            "dependencies" => (SymbolKind::Package, None, items(tree, value, "name", SymbolKind::Package, &["ref"])),
            "configurations" => {
                (SymbolKind::Package, None, items(tree, value, "name", SymbolKind::Object, &["schema", "ref"]))
            }
            "policies" => {
                (SymbolKind::Package, None, items(tree, value, "name", SymbolKind::Object, &["schema", "ref"]))
            }
            "readiness" => {
                let list = tree.entry(value, "checks").or_else(|| tree.entry(value, "claims"));
                let list = list.map(|it| tree.resolve(it.value));
                let details = ["type", "status", "expires"];
                let children = list.map_or_else(Vec::new, |it| items(tree, it, "id", SymbolKind::Event, &details));
                let expires = tree.entry(value, "expires").and_then(|it| tree.scalar_str(it.value));
                (SymbolKind::Object, expires.map(|it| format!("expires {it}")), children)
            }
            "capabilities" => (SymbolKind::Package, None, capabilities(tree, value)),
            "workload" => (SymbolKind::Field, tree.scalar_str(value).map(String::from), Vec::new()),
            "state" => {
                let kind = tree.entry(value, "type").and_then(|it| tree.scalar_str(it.value)).map(String::from);
                (SymbolKind::Object, kind, Vec::new())
            }
            "extensions" => (SymbolKind::Object, None, keys(tree, value)),
            "runtime" => {
                let workload = tree.entry(value, "workload").and_then(|it| tree.scalar_str(it.value)).map(String::from);
                (SymbolKind::Object, workload, Vec::new())
            }
            "pactoVersion" => (SymbolKind::Field, tree.scalar_str(value).map(String::from), Vec::new()),
            _ => (SymbolKind::Object, None, Vec::new()),
        };
        out.push(Symbol { name: key.to_string(), detail, kind, span, selection, children });
    }
    out
}

/// One symbol per list item, named by its `name_key` value, with details from `detail_keys`.
fn items(tree: &Tree, list: NodeId, name_key: &str, kind: SymbolKind, detail_keys: &[&str]) -> Vec<Symbol> {
    let Some(items) = tree.sequence(list) else { return Vec::new() };
    items
        .iter()
        .enumerate()
        .map(|(index, item)| {
            let name_entry = tree.entry(*item, name_key);
            let name =
                name_entry.and_then(|it| tree.scalar_str(it.value)).map_or_else(|| format!("[{index}]"), String::from);
            let details: Vec<&str> = detail_keys
                .iter()
                .filter_map(|key| tree.entry(*item, key).and_then(|it| tree.scalar_str(it.value)))
                .collect();
            let span = tree.span(*item);
            Symbol {
                name,
                detail: (!details.is_empty()).then(|| details.join(" · ")),
                kind,
                selection: name_entry.map_or_else(|| span.clone(), |it| tree.span(it.value)),
                span,
                children: Vec::new(),
            }
        })
        .collect()
}

/// One symbol per 2.0 capability: named by its type (an extension by its ref), with the interface
/// and path it is bound to.
fn capabilities(tree: &Tree, list: NodeId) -> Vec<Symbol> {
    let Some(items) = tree.sequence(list) else { return Vec::new() };
    items
        .iter()
        .enumerate()
        .map(|(index, item)| {
            let field = |mapping: NodeId, key: &str| {
                tree.entry(mapping, key).and_then(|it| Some((tree.scalar_str(it.value)?, tree.span(it.value))))
            };
            let kind = field(*item, "type");
            let named = match kind {
                Some(("extension", _)) => field(*item, "ref").or(kind),
                _ => kind,
            };
            let binding = tree.entry(*item, "binding").map(|it| it.value);
            let details: Vec<&str> = binding
                .map(|it| ["interface", "path"].iter().filter_map(|key| field(it, key).map(|(text, _)| text)).collect())
                .unwrap_or_default();
            let span = tree.span(*item);
            Symbol {
                name: named.as_ref().map_or_else(|| format!("[{index}]"), |(text, _)| text.to_string()),
                detail: (!details.is_empty()).then(|| details.join(" · ")),
                kind: SymbolKind::Object,
                selection: named.map_or_else(|| span.clone(), |(_, span)| span),
                span,
                children: Vec::new(),
            }
        })
        .collect()
}

/// One symbol per key of a mapping (the 2.0 `extensions`).
fn keys(tree: &Tree, mapping: NodeId) -> Vec<Symbol> {
    let Some(entries) = tree.mapping(mapping) else { return Vec::new() };
    entries
        .iter()
        .filter_map(|entry| {
            let name = tree.key_text(entry.key)?.to_string();
            let span = tree.span(entry.key).start..tree.span(entry.value).end.max(tree.span(entry.key).end);
            Some(Symbol {
                name,
                detail: None,
                kind: SymbolKind::Object,
                span,
                selection: tree.span(entry.key),
                children: Vec::new(),
            })
        })
        .collect()
}

/// Byte ranges of every collection that spans several lines (the server turns them into lines).
pub fn folding(tree: &Tree) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let Some(root) = tree.root() else { return out };
    let mut stack = vec![(root, None::<NodeId>)];
    while let Some((node, key)) = stack.pop() {
        let start = key.map_or(tree.span(node).start, |it| tree.span(it).start);
        match &tree.node(node).kind {
            NodeKind::Mapping(entries) => {
                if key.is_some() {
                    out.push(start..tree.span(node).end);
                }
                stack.extend(entries.iter().map(|it| (it.value, Some(it.key))));
            }
            NodeKind::Sequence(items) => {
                if key.is_some() {
                    out.push(start..tree.span(node).end);
                }
                stack.extend(items.iter().map(|it| (*it, None)));
            }
            NodeKind::Scalar(_) | NodeKind::Alias(_) => {}
        }
    }
    out.sort_by_key(|it| it.start);
    out
}

/// Selection ranges at `offset`, innermost first: the scalar, its entry, the enclosing
/// collections up to the whole document.
pub fn selection(tree: &Tree, offset: usize) -> Vec<Range<usize>> {
    let Some(hit) = tree.locate(offset) else { return Vec::new() };
    let mut out = vec![tree.span(hit.node)];
    let mut path = hit.path.clone();
    loop {
        if let Some(key) = tree.key_node(&path)
            && let Some(value) = tree.get(&path)
        {
            out.push(tree.span(key).start..tree.span(value).end.max(tree.span(key).end));
        }
        let Some(parent) = path.parent() else { break };
        if let Some(node) = tree.get(&parent) {
            out.push(tree.span(node));
        }
        path = parent;
    }
    out.dedup();
    // Each range must contain the previous one.
    let mut res: Vec<Range<usize>> = Vec::new();
    for range in out {
        if res.last().is_none_or(|last| range.start <= last.start && range.end >= last.end) {
            res.push(range);
        }
    }
    res
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkTarget {
    BundleFile(String),
    Url(String),
}

/// Links: bundle file paths, and `url` readiness evidence.
pub fn links(tree: &Tree) -> Vec<(Range<usize>, LinkTarget)> {
    let mut out = Vec::new();
    for (list, key) in super::navigation::FILE_FIELDS {
        for item in list_items(tree, &Path::root().key(list)) {
            if let Some(entry) = tree.entry(item, key)
                && let Some(value) = tree.scalar_str(entry.value).filter(|it| !it.is_empty() && !it.contains("://"))
            {
                out.push((
                    tree.text_span(entry.value).unwrap_or_else(|| tree.span(entry.value)),
                    LinkTarget::BundleFile(value.to_string()),
                ));
            }
        }
    }
    let readiness = Path::root().key("readiness");
    let items =
        list_items(tree, &readiness.key("checks")).into_iter().chain(list_items(tree, &readiness.key("claims")));
    for check in items {
        let is_url = tree.entry(check, "type").and_then(|it| tree.scalar_str(it.value)) == Some("url");
        if let (true, Some(entry)) = (is_url, tree.entry(check, "evidence"))
            && let Some(value) =
                tree.scalar_str(entry.value).filter(|it| it.starts_with("https://") || it.starts_with("http://"))
        {
            out.push((
                tree.text_span(entry.value).unwrap_or_else(|| tree.span(entry.value)),
                LinkTarget::Url(value.to_string()),
            ));
        }
    }
    out.sort_by_key(|it| it.0.start);
    out
}

fn list_items(tree: &Tree, path: &Path) -> Vec<NodeId> {
    tree.get(path).and_then(|it| tree.sequence(it)).map(<[NodeId]>::to_vec).unwrap_or_default()
}
