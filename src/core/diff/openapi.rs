//! OpenAPI documents: paths, methods, parameters (path-level and per operation, keyed `name:in`),
//! request bodies and responses (keyed by status), in upstream's change notation
//! (`openapi.paths[/users].methods[GET].parameters[filter:query]`).

use std::collections::{BTreeSet, HashMap, HashSet};

use serde_json::{Map, Value};

use super::ChangeType::{self, Added, Modified, Removed};
use super::contract::{At, Found, Walker};

const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// How many local `$ref`s are followed for one value before giving up (a cycle, or a chain).
const MAX_REFS: usize = 16;

/// Both documents of one interface; every change is located at the interface's `contract`.
struct Specs<'d, 'w, 'a> {
    walker: &'w mut Walker<'a>,
    old: &'d Value,
    new: &'d Value,
    at: &'d At,
}

pub(super) fn compare(walker: &mut Walker<'_>, old: &Value, new: &Value, at: &At) {
    let mut specs = Specs { walker, old, new, at };
    specs.paths();
}

fn object(value: Option<&Value>) -> &Map<String, Value> {
    static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
    value.and_then(Value::as_object).unwrap_or_else(|| EMPTY.get_or_init(Map::new))
}

/// Follows local references (`#/components/...`) inside `document`.
fn resolve<'d>(document: &'d Value, mut value: &'d Value) -> &'d Value {
    for _ in 0..MAX_REFS {
        let Some(target) = value.get("$ref").and_then(Value::as_str).and_then(|it| it.strip_prefix('#')) else {
            return value;
        };
        match document.pointer(target) {
            Some(found) => value = found,
            None => return value,
        }
    }
    value
}

/// Values compared through local references on both sides: a change to a referenced component
/// changes every operation that uses it. Bounded: after [`MAX_STEPS`] values, the rest compare
/// as written.
fn same(old_doc: &Value, old: &Value, new_doc: &Value, new: &Value) -> bool {
    let mut steps = MAX_STEPS;
    same_bounded(old_doc, old, new_doc, new, &mut steps)
}

/// The values one comparison may visit while following references.
const MAX_STEPS: usize = 100_000;

fn same_bounded(old_doc: &Value, old: &Value, new_doc: &Value, new: &Value, steps: &mut usize) -> bool {
    let (old, new) = (resolve(old_doc, old), resolve(new_doc, new));
    if *steps == 0 {
        return old == new;
    }
    *steps -= 1;
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len()
                && a.iter().all(|(key, value)| {
                    b.get(key).is_some_and(|other| same_bounded(old_doc, value, new_doc, other, steps))
                })
        }
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same_bounded(old_doc, x, new_doc, y, steps))
        }
        _ => old == new,
    }
}

fn required(value: &Value) -> bool {
    value.get("required") == Some(&Value::Bool(true))
}

impl Specs<'_, '_, '_> {
    fn push(
        &mut self,
        path: String,
        rule: &str,
        change_type: ChangeType,
        old: Option<String>,
        new: Option<String>,
        reason: String,
    ) {
        let found = Found {
            path,
            rule: rule.to_string(),
            change_type,
            old: old.map(Value::String),
            new: new.map(Value::String),
            reason,
        };
        self.walker.push(found, self.at);
    }

    fn paths(&mut self) {
        let (old_doc, new_doc) = (self.old, self.new);
        let old_paths = object(old_doc.get("paths"));
        let new_paths = object(new_doc.get("paths"));
        for (path, old_item) in old_paths {
            let at = format!("openapi.paths[{path}]");
            match new_paths.get(path) {
                None => self.push(
                    at,
                    "openapi.paths",
                    Removed,
                    Some(path.clone()),
                    None,
                    format!("API path {path} removed"),
                ),
                Some(new_item) => self.path_item(path, resolve(old_doc, old_item), resolve(new_doc, new_item)),
            }
        }
        for path in new_paths.keys().filter(|it| !old_paths.contains_key(*it)) {
            let at = format!("openapi.paths[{path}]");
            self.push(at, "openapi.paths", Added, None, Some(path.clone()), format!("API path {path} added"));
        }
    }

    fn same(&self, old: &Value, new: &Value) -> bool {
        same(self.old, old, self.new, new)
    }

    fn path_item(&mut self, path: &str, old: &Value, new: &Value) {
        if self.same(old, new) {
            return;
        }
        let prefix = format!("openapi.paths[{path}]");
        self.parameters(&prefix, path, old.get("parameters"), new.get("parameters"));
        let (old_ops, new_ops) = (object(Some(old)), object(Some(new)));
        for method in METHODS {
            let upper = method.to_ascii_uppercase();
            let at = format!("{prefix}.methods[{upper}]");
            let label = format!("{upper} {path}");
            match (old_ops.get(method), new_ops.get(method)) {
                (Some(_), None) => self.push(
                    at,
                    "openapi.methods",
                    Removed,
                    Some(label.clone()),
                    None,
                    format!("{label} method removed"),
                ),
                (None, Some(_)) => {
                    self.push(at, "openapi.methods", Added, None, Some(label.clone()), format!("{label} method added"))
                }
                (Some(a), Some(b)) if !self.same(a, b) => self.operation(&at, &label, a, b),
                _ => {}
            }
        }
    }

    fn operation(&mut self, prefix: &str, label: &str, old: &Value, new: &Value) {
        self.parameters(prefix, label, old.get("parameters"), new.get("parameters"));
        self.request_body(prefix, label, old.get("requestBody"), new.get("requestBody"));
        self.responses(prefix, label, old.get("responses"), new.get("responses"));
    }

    /// Parameters keyed `name:in`. A new required parameter, or an optional one made required,
    /// breaks callers.
    fn parameters(&mut self, prefix: &str, label: &str, old: Option<&Value>, new: Option<&Value>) {
        let old_params = indexed(self.old, old);
        let new_params = indexed(self.new, new);
        let new_index: HashMap<&str, &Value> = new_params.iter().map(|(key, it)| (key.as_str(), *it)).collect();
        let old_index: HashMap<&str, &Value> = old_params.iter().map(|(key, it)| (key.as_str(), *it)).collect();
        for (key, old_param) in &old_params {
            let at = format!("{prefix}.parameters[{key}]");
            let what = format!("{label} {}", describe(old_param));
            match new_index.get(key.as_str()).copied() {
                None => {
                    self.push(at, "openapi.parameters", Removed, Some(what.clone()), None, format!("{what} removed"))
                }
                Some(new_param) if !self.same(old_param, new_param) => {
                    let now = format!("{label} {}", describe(new_param));
                    let (rule, reason) = match !required(old_param) && required(new_param) {
                        true => ("openapi.parameters.required", format!("{what} became required")),
                        false => ("openapi.parameters", format!("{what} modified")),
                    };
                    self.push(at, rule, Modified, Some(what), Some(now), reason);
                }
                Some(_) => {}
            }
        }
        for (key, new_param) in new_params.iter().filter(|(key, _)| !old_index.contains_key(key.as_str())) {
            let at = format!("{prefix}.parameters[{key}]");
            let what = format!("{label} {}", describe(new_param));
            let (rule, reason) = match required(new_param) {
                true => ("openapi.parameters.required", format!("{what} added as required")),
                false => ("openapi.parameters", format!("{what} added")),
            };
            self.push(at, rule, Added, None, Some(what), reason);
        }
    }

    /// The request body. A property the body's schema newly requires breaks callers; any other
    /// difference may.
    fn request_body(&mut self, prefix: &str, label: &str, old: Option<&Value>, new: Option<&Value>) {
        let at = format!("{prefix}.request-body");
        let rule = "openapi.request-body";
        let what = Some(label.to_string());
        match (old.map(|it| resolve(self.old, it)), new.map(|it| resolve(self.new, it))) {
            (Some(_), None) => self.push(at, rule, Removed, what, None, format!("{label} request body removed")),
            (None, Some(_)) => self.push(at, rule, Added, None, what, format!("{label} request body added")),
            (Some(a), Some(b)) if !self.same(a, b) => {
                let newly = self.newly_required(a, b);
                if newly.is_empty() {
                    self.push(at.clone(), rule, Modified, what.clone(), what, format!("{label} request body modified"));
                }
                for property in newly {
                    let reason = format!("{label} request body property '{property}' is now required");
                    self.push(
                        format!("{at}.required[{property}]"),
                        "openapi.request-body.required",
                        Added,
                        None,
                        Some(property),
                        reason,
                    );
                }
            }
            _ => {}
        }
    }

    /// Properties the new body's schema requires that the old one's did not, for each media type
    /// both bodies have.
    fn newly_required(&self, old: &Value, new: &Value) -> BTreeSet<String> {
        let mut newly = BTreeSet::new();
        let (old_content, new_content) = (object(old.get("content")), object(new.get("content")));
        for (media, new_media) in new_content {
            let Some(old_media) = old_content.get(media) else { continue };
            let old_required = required_properties(self.old, old_media.get("schema"));
            for property in required_properties(self.new, new_media.get("schema")) {
                if !old_required.contains(&property) {
                    newly.insert(property);
                }
            }
        }
        newly
    }

    fn responses(&mut self, prefix: &str, label: &str, old: Option<&Value>, new: Option<&Value>) {
        let (old_responses, new_responses) = (object(old), object(new));
        let rule = "openapi.responses";
        for (status, old_response) in old_responses {
            let at = format!("{prefix}.responses[{status}]");
            let what = Some(format!("{label} {status}"));
            match new_responses.get(status) {
                None => self.push(at, rule, Removed, what, None, format!("{label} response {status} removed")),
                Some(new_response) if !self.same(old_response, new_response) => {
                    self.push(at, rule, Modified, what.clone(), what, format!("{label} response {status} modified"))
                }
                Some(_) => {}
            }
        }
        for status in new_responses.keys().filter(|it| !old_responses.contains_key(*it)) {
            let at = format!("{prefix}.responses[{status}]");
            let what = Some(format!("{label} {status}"));
            self.push(at, rule, Added, None, what, format!("{label} response {status} added"));
        }
    }
}

/// `query param 'filter'`, as upstream names a parameter.
fn describe(param: &Value) -> String {
    let name = param.get("name").and_then(Value::as_str).unwrap_or_default();
    let place = param.get("in").and_then(Value::as_str).unwrap_or_default();
    format!("{place} param '{name}'")
}

/// Parameters by `name:in` (references resolved; the first of a key counts; unnamed ones skipped).
fn indexed<'d>(document: &'d Value, list: Option<&'d Value>) -> Vec<(String, &'d Value)> {
    let mut out: Vec<(String, &Value)> = Vec::new();
    let mut seen = HashSet::new();
    for param in list.and_then(Value::as_array).into_iter().flatten() {
        let param = resolve(document, param);
        let name = param.get("name").and_then(Value::as_str).unwrap_or_default();
        let place = param.get("in").and_then(Value::as_str).unwrap_or_default();
        if name.is_empty() && place.is_empty() {
            continue;
        }
        let key = format!("{name}:{place}");
        if seen.insert(key.clone()) {
            out.push((key, param));
        }
    }
    out
}

/// The `required` list of a (possibly referenced) schema.
fn required_properties(document: &Value, schema: Option<&Value>) -> BTreeSet<String> {
    let Some(schema) = schema.map(|it| resolve(document, it)) else {
        return BTreeSet::new();
    };
    let list = schema.get("required").and_then(Value::as_array).into_iter().flatten();
    list.filter_map(|it| it.as_str().map(str::to_string)).collect()
}
