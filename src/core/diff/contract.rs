//! The contract walk: both documents side by side, each section compared by its rule.

use serde_json::{Map, Value};

use super::{Change, ChangeType, Side, Version, files, format, openapi, rules, schema};
use crate::core::bundle::BundleFiles;
use crate::core::finding::{Anchor, locate};
use crate::core::path::Path;
use crate::core::yaml::{self, Tree};

/// One version, parsed.
struct Doc<'a> {
    text: &'a str,
    tree: Tree,
    json: Value,
    bundle: Option<&'a dyn BundleFiles>,
}

impl<'a> Doc<'a> {
    fn new(version: &Version<'a>) -> Doc<'a> {
        let tree = yaml::parse(version.text).tree;
        // An alias bomb or a document that is not a mapping compares as an empty contract.
        let json = tree.document_json().ok().filter(Value::is_object).unwrap_or_else(|| Value::Object(Map::new()));
        Doc { text: version.text, tree, json, bundle: version.bundle }
    }
}

/// Where a compared value is in each version's tree (`None` where that version lacks it).
#[derive(Clone, Debug, Default)]
pub(super) struct At {
    old: Option<Path>,
    new: Option<Path>,
}

impl At {
    fn key(&self, key: &str, in_old: bool, in_new: bool) -> At {
        At {
            old: self.old.as_ref().filter(|_| in_old).map(|it| it.key(key)),
            new: self.new.as_ref().filter(|_| in_new).map(|it| it.key(key)),
        }
    }
}

/// Collects the changes of one comparison.
pub(super) struct Walker<'a> {
    old: Doc<'a>,
    new: Doc<'a>,
    changes: Vec<Change>,
}

/// What a change says, before it is classified and located.
pub(super) struct Found {
    pub path: String,
    pub rule: String,
    pub change_type: ChangeType,
    pub old: Option<Value>,
    pub new: Option<Value>,
    pub reason: String,
}

pub(super) fn compare(old: &Version<'_>, new: &Version<'_>) -> Vec<Change> {
    let mut walker = Walker { old: Doc::new(old), new: Doc::new(new), changes: Vec::new() };
    let (old_json, new_json) = (std::mem::take(&mut walker.old.json), std::mem::take(&mut walker.new.json));
    let at = At { old: Some(Path::root()), new: Some(Path::root()) };
    let empty = Map::new();
    // A 1.x version against a 2.0 one: the old version is read in the 2.0 shape, so moved fields
    // compare at their new place and fields 2.0 has no place for are not reported one by one.
    let upgraded = format::upgrade(&old_json, &new_json);
    let old_map = upgraded.as_ref().unwrap_or(&old_json).as_object().unwrap_or(&empty);
    let new_map = new_json.as_object().unwrap_or(&empty);
    walker.object("", "", old_map, new_map, &at);
    if upgraded.is_some() {
        format::explain(&mut walker.changes, &old_json);
    }
    walker.changes
}

/// `a.b`, or `b` at the root.
fn join(path: &str, key: &str) -> String {
    match path.is_empty() {
        true => key.to_string(),
        false => format!("{path}.{key}"),
    }
}

/// A value that is present: YAML's empty value (`port:`) counts as absent, as in upstream's structs.
fn present(value: Option<&Value>) -> Option<&Value> {
    value.filter(|it| !it.is_null())
}

/// A scalar usable as a list key.
fn scalar_text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(text) if !text.is_empty() => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

type KeyOf = fn(&Value) -> Option<String>;

fn by_name(item: &Value) -> Option<String> {
    scalar_text(item.get("name"))
}

fn by_name_or_ref(item: &Value) -> Option<String> {
    by_name(item).or_else(|| scalar_text(item.get("ref")))
}

fn policy_key(item: &Value) -> Option<String> {
    by_name_or_ref(item).or_else(|| scalar_text(item.get("schema")))
}

fn by_id(item: &Value) -> Option<String> {
    scalar_text(item.get("id"))
}

fn contact_key(item: &Value) -> Option<String> {
    let kind = scalar_text(item.get("type")).unwrap_or_default();
    let value = scalar_text(item.get("value")).unwrap_or_default();
    Some(format!("{kind}:{value}"))
}

/// How the items of a keyed list are compared once matched.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Items {
    /// Field by field.
    Fields,
    /// As one value (a readiness check, an owner contact).
    Whole,
}

impl<'a> Walker<'a> {
    /// Records a change: classified by its rule, located in the new version (the old one for a
    /// removal) at the tree path `at` gives for that side.
    pub(super) fn push(&mut self, found: Found, at: &At) {
        let side = match found.change_type {
            ChangeType::Removed => Side::Old,
            _ => Side::New,
        };
        let (doc, path) = match side {
            Side::Old => (&self.old, at.old.as_ref()),
            Side::New => (&self.new, at.new.as_ref()),
        };
        let span = match path {
            Some(path) => locate(doc.text, &doc.tree, path, Anchor::Value),
            None => locate(doc.text, &doc.tree, &Path::root(), Anchor::Object),
        };
        let classification = rules::classify(&found.rule, found.change_type);
        self.changes.push(Change {
            path: found.path,
            change_type: found.change_type,
            old: found.old,
            new: found.new,
            classification,
            reason: found.reason,
            side,
            span,
            rule: found.rule,
        });
    }

    /// A list item added or removed, shown by its key (as upstream shows an interface by its name).
    fn named(&mut self, path: &str, rule: &str, change_type: ChangeType, key: &str, at: &At) {
        let key = Some(Value::String(key.to_string()));
        let (old, new) = match change_type {
            ChangeType::Removed => (key, None),
            _ => (None, key),
        };
        let reason = format!("{path} {}", change_type.as_str());
        let found = Found { path: path.to_string(), rule: rule.to_string(), change_type, old, new, reason };
        self.push(found, at);
    }

    /// A value compared as a whole: added, removed or modified.
    fn leaf(&mut self, path: &str, rule: &str, old: Option<&Value>, new: Option<&Value>, at: &At) {
        let change_type = match (present(old), present(new)) {
            (None, None) => return,
            (None, Some(_)) => ChangeType::Added,
            (Some(_), None) => ChangeType::Removed,
            (Some(a), Some(b)) if a == b => return,
            (Some(_), Some(_)) => ChangeType::Modified,
        };
        let reason = format!("{path} {}", change_type.as_str());
        let found = Found {
            path: path.to_string(),
            rule: rule.to_string(),
            change_type,
            old: present(old).cloned(),
            new: present(new).cloned(),
            reason,
        };
        self.push(found, at);
    }

    /// Two mappings, key by key: the old version's keys in order, then the keys only the new one has.
    fn object(&mut self, path: &str, rule: &str, old: &Map<String, Value>, new: &Map<String, Value>, at: &At) {
        for (key, old_value) in old {
            let new_value = new.get(key);
            let child_rule = join(rule, key);
            // Equal lists that reference files are still walked: the files may differ.
            if new_value == Some(old_value)
                && !matches!(child_rule.as_str(), "interfaces" | "configurations" | "policies")
            {
                continue;
            }
            let child = at.key(key, true, new_value.is_some());
            self.dispatch(&join(path, key), &child_rule, Some(old_value), new_value, &child);
        }
        for (key, new_value) in new {
            if old.contains_key(key) {
                continue;
            }
            let child = at.key(key, false, true);
            self.dispatch(&join(path, key), &join(rule, key), None, Some(new_value), &child);
        }
    }

    /// Mappings recursively (a side that lacks one counts as empty), anything else as a whole.
    fn generic(&mut self, path: &str, rule: &str, old: Option<&Value>, new: Option<&Value>, at: &At) {
        let empty = Map::new();
        match (present(old), present(new)) {
            (Some(Value::Object(a)), Some(Value::Object(b))) => self.object(path, rule, a, b, at),
            (Some(Value::Object(a)), None) => self.object(path, rule, a, &empty, at),
            (None, Some(Value::Object(b))) => self.object(path, rule, &empty, b, at),
            _ => self.leaf(path, rule, old, new, at),
        }
    }

    /// Picks the comparison for a place of the contract.
    fn dispatch(&mut self, path: &str, rule: &str, old: Option<&Value>, new: Option<&Value>, at: &At) {
        match rule {
            // Not compared, as upstream.
            "metadata" | "readiness.history" => {}
            "service.image" | "service.chart" | "pactoVersion" => self.leaf(path, rule, old, new, at),
            "service.owner" => self.owner(path, old, new, at),
            "service.owner.contacts" => self.keyed(path, rule, old, new, at, contact_key, Items::Whole),
            "interfaces" => self.keyed(path, rule, old, new, at, by_name, Items::Fields),
            "configurations" => self.keyed(path, rule, old, new, at, by_name, Items::Fields),
            "configurations.values" => self.values(path, old, new, at),
            "policies" => self.keyed(path, rule, old, new, at, policy_key, Items::Fields),
            "dependencies" => self.keyed(path, rule, old, new, at, by_name_or_ref, Items::Fields),
            "readiness.checks" | "readiness.claims" => self.keyed(path, rule, old, new, at, by_id, Items::Whole),
            "capabilities" => self.set(path, rule, old, new, at),
            "scaling" => self.scaling(path, old, new, at),
            "readiness" => self.block(path, rule, old, new, at),
            _ => self.generic(path, rule, old, new, at),
        }
    }

    /// The owner: a string (or a change of shape) as one value, an object field by field.
    fn owner(&mut self, path: &str, old: Option<&Value>, new: Option<&Value>, at: &At) {
        match (present(old), present(new)) {
            (Some(Value::Object(a)), Some(Value::Object(b))) => self.object(path, "service.owner", a, b, at),
            _ => self.leaf(path, "service.owner", old, new, at),
        }
    }

    /// A section added or removed as a whole, else compared field by field.
    fn block(&mut self, path: &str, rule: &str, old: Option<&Value>, new: Option<&Value>, at: &At) {
        match (present(old), present(new)) {
            (Some(Value::Object(a)), Some(Value::Object(b))) => self.object(path, rule, a, b, at),
            _ => self.leaf(path, rule, old, new, at),
        }
    }

    /// Scaling: a switch between `replicas` and `min`/`max` is one modification of `scaling`.
    fn scaling(&mut self, path: &str, old: Option<&Value>, new: Option<&Value>, at: &At) {
        if let (Some(Value::Object(a)), Some(Value::Object(b))) = (present(old), present(new)) {
            let replicas = |it: &Map<String, Value>| present(it.get("replicas")).is_some();
            if replicas(a) != replicas(b) {
                return self.leaf(path, "scaling", old, new, at);
            }
        }
        self.block(path, "scaling", old, new, at)
    }

    /// Configuration values, key by key (each key's value as a whole).
    fn values(&mut self, path: &str, old: Option<&Value>, new: Option<&Value>, at: &At) {
        let empty = Map::new();
        let (a, b) = match (present(old), present(new)) {
            (Some(Value::Object(a)), Some(Value::Object(b))) => (a, b),
            (Some(Value::Object(a)), None) => (a, &empty),
            (None, Some(Value::Object(b))) => (&empty, b),
            _ => return self.leaf(path, "configurations.values", old, new, at),
        };
        for (key, value) in a {
            let child = at.key(key, true, b.contains_key(key));
            self.leaf(&join(path, key), "configurations.values", Some(value), b.get(key), &child);
        }
        for (key, value) in b.iter().filter(|(key, _)| !a.contains_key(*key)) {
            let child = at.key(key, false, true);
            self.leaf(&join(path, key), "configurations.values", None, Some(value), &child);
        }
    }

    /// A list whose items are matched by a key (`interfaces[api]`): removed and changed items
    /// in the old version's order, then added ones. The first item with a key counts.
    #[allow(clippy::too_many_arguments)]
    fn keyed(
        &mut self,
        path: &str,
        rule: &str,
        old: Option<&Value>,
        new: Option<&Value>,
        at: &At,
        key_of: KeyOf,
        items: Items,
    ) {
        let old_items = keyed_items(old, key_of);
        let new_items = keyed_items(new, key_of);
        let new_index: std::collections::HashMap<&str, usize> =
            new_items.iter().enumerate().map(|(position, it)| (it.key.as_str(), position)).collect();
        let old_keys: std::collections::HashSet<&str> = old_items.iter().map(|it| it.key.as_str()).collect();
        for item in &old_items {
            let display = format!("{path}[{}]", item.key);
            let matched = new_index.get(item.key.as_str()).map(|it| &new_items[*it]);
            let item_at = At {
                old: at.old.as_ref().map(|it| it.index(item.index)),
                new: matched.and_then(|found| at.new.as_ref().map(|it| it.index(found.index))),
            };
            match matched {
                None => self.named(&display, rule, ChangeType::Removed, &item.key, &item_at),
                Some(found) if items == Items::Whole || !item.value.is_object() || !found.value.is_object() => {
                    self.leaf(&display, rule, Some(item.value), Some(found.value), &item_at)
                }
                Some(found) => self.item(&display, rule, item.value, found.value, &item_at),
            }
        }
        for item in new_items.iter().filter(|it| !old_keys.contains(it.key.as_str())) {
            let item_at = At { old: None, new: at.new.as_ref().map(|it| it.index(item.index)) };
            self.named(&format!("{path}[{}]", item.key), rule, ChangeType::Added, &item.key, &item_at);
        }
    }

    /// A list compared as a set (`capabilities`): an item that is not in the other version, whatever its
    /// position, is removed or added; shown by its type (and an extension's ref).
    fn set(&mut self, path: &str, rule: &str, old: Option<&Value>, new: Option<&Value>, at: &At) {
        let items = |list: Option<&Value>| match present(list) {
            Some(Value::Array(items)) => items.iter().map(canonical).collect::<Vec<String>>(),
            _ => Vec::new(),
        };
        let (old_items, new_items) = (items(old), items(new));
        let label = |item: Option<&Value>, index: usize| {
            let item = item.unwrap_or(&Value::Null);
            let kind = scalar_text(item.get("type")).unwrap_or_else(|| index.to_string());
            match scalar_text(item.get("ref")) {
                Some(reference) => format!("{kind}:{reference}"),
                None => kind,
            }
        };
        for (index, item) in old_items.iter().enumerate() {
            if !new_items.contains(item) {
                let name = label(old.and_then(|it| it.get(index)), index);
                let item_at = At { old: at.old.as_ref().map(|it| it.index(index)), new: None };
                self.named(&format!("{path}[{name}]"), rule, ChangeType::Removed, &name, &item_at);
            }
        }
        for (index, item) in new_items.iter().enumerate() {
            if !old_items.contains(item) {
                let name = label(new.and_then(|it| it.get(index)), index);
                let item_at = At { old: None, new: at.new.as_ref().map(|it| it.index(index)) };
                self.named(&format!("{path}[{name}]"), rule, ChangeType::Added, &name, &item_at);
            }
        }
    }

    /// Two matched list items: field by field, then the files they reference.
    fn item(&mut self, path: &str, rule: &str, old: &Value, new: &Value, at: &At) {
        if let (Value::Object(a), Value::Object(b)) = (old, new) {
            self.object(path, rule, a, b, at);
        }
        let field = match rule {
            // 2.0 names an interface's spec `ref`; 1.x its `contract`.
            "interfaces" if old.get("ref").is_some() && new.get("ref").is_some() => "ref",
            "interfaces" => "contract",
            "configurations" | "policies" => "schema",
            _ => return,
        };
        let (Some(old_file), Some(new_file)) =
            (old.get(field).and_then(Value::as_str), new.get(field).and_then(Value::as_str))
        else {
            return;
        };
        let file_at = at.key(field, true, true);
        let (Some(old_bundle), Some(new_bundle)) = (self.old.bundle, self.new.bundle) else {
            return;
        };
        let Some((old_doc, new_doc)) = files::load_pair(old_bundle, old_file, new_bundle, new_file) else {
            return;
        };
        match field {
            "contract" | "ref" => openapi::compare(self, &old_doc, &new_doc, &file_at),
            _ => schema::compare(self, &old_doc, &new_doc, &file_at),
        }
    }
}

/// A value as text with every mapping's keys sorted, so equal items compare equal whatever their key order.
fn canonical(value: &Value) -> String {
    fn sorted(value: &Value) -> Value {
        match value {
            Value::Object(map) => {
                let mut entries: Vec<(&String, &Value)> = map.iter().collect();
                entries.sort_by(|a, b| a.0.cmp(b.0));
                Value::Object(entries.into_iter().map(|(key, it)| (key.clone(), sorted(it))).collect())
            }
            Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
            other => other.clone(),
        }
    }
    sorted(value).to_string()
}

/// One item of a keyed list.
struct KeyedItem<'v> {
    key: String,
    index: usize,
    value: &'v Value,
}

/// The items of a list with their keys (the index for an item without one), first occurrence only.
fn keyed_items(list: Option<&Value>, key_of: KeyOf) -> Vec<KeyedItem<'_>> {
    let Some(Value::Array(items)) = present(list) else {
        return Vec::new();
    };
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(items.len());
    for (index, value) in items.iter().enumerate() {
        let key = key_of(value).unwrap_or_else(|| index.to_string());
        if seen.insert(key.clone()) {
            out.push(KeyedItem { key, index, value });
        }
    }
    out
}
