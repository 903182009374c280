//! Human descriptions of schema properties and contract items, shared by hover and completion.

use serde_json::Value;

use crate::core::ide::markdown;
use crate::core::model::{Interface, InterfaceType};
use crate::core::path::{Path, Segment};
use crate::core::schema::{Compatibility, SchemaVersion, enum_description};
use crate::core::yaml::Tree;

/// The schema the editor reads for a contract: its format, and how 1.0 and 1.1 are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Format {
    pub version: SchemaVersion,
    pub compatibility: Compatibility,
}

impl Format {
    /// The format of a contract whose version is `version`; an unknown one (not written yet, or
    /// not one we implement) is read as the newest format.
    pub fn new(version: Option<SchemaVersion>, compatibility: Compatibility) -> Format {
        Format { version: version.unwrap_or(SchemaVersion::V2_0), compatibility }
    }

    /// The schema node describing the value at `path`.
    pub fn node_at(self, path: &Path) -> Option<&'static Value> {
        self.version.node_at_for(self.compatibility, path)
    }

    /// The `description` of the property at `path`.
    pub fn description(self, path: &Path) -> Option<&'static str> {
        self.version.description_for(self.compatibility, path)
    }
}

/// The version a (maybe partial) tree declares in `pactoVersion`, quoted or not.
pub fn declared_version(tree: &Tree) -> Option<SchemaVersion> {
    let node = tree.get(&Path::root().key("pactoVersion"))?;
    SchemaVersion::parse(&tree.scalar(node)?.value)
}

/// The version a text declares on a top-level `pactoVersion:` line, for text that does not parse
/// yet (while typing).
pub fn declared_version_in(text: &str) -> Option<SchemaVersion> {
    let line = text.lines().find_map(|it| it.trim_start_matches('\u{feff}').strip_prefix("pactoVersion:"))?;
    let value = line.split(" #").next()?.trim();
    SchemaVersion::parse(value.trim_matches(|c| c == '"' || c == '\''))
}

/// A one-line summary of the property at `path`: its type and constraints.
pub fn type_line(format: Format, path: &Path, required: bool) -> String {
    let Some(node) = format.node_at(path) else { return String::new() };
    let mut parts = Vec::new();
    parts.push(type_name(node));
    if required {
        parts.push("required".to_string());
    }
    let number = |key: &str| node.get(key).and_then(Value::as_i64);
    match (number("minimum"), number("maximum")) {
        (Some(min), Some(max)) => parts.push(format!("{min}–{max}")),
        (Some(min), None) => parts.push(format!("≥ {min}")),
        (None, Some(max)) => parts.push(format!("≤ {max}")),
        (None, None) => {}
    }
    if let Some(min) = number("minItems") {
        parts.push(format!("at least {min} item{}", if min == 1 { "" } else { "s" }));
    }
    if number("minLength") == Some(1) {
        parts.push("non-empty".into());
    }
    if let Some(default) = node.get("default") {
        parts.push(format!("default {}", default.as_str().map_or_else(|| default.to_string(), String::from)));
    }
    parts.join(" · ")
}

fn type_name(node: &Value) -> String {
    if node.get("enum").is_some() {
        return "enum".into();
    }
    if node.get("oneOf").is_some() && node.get("type").is_none() {
        return "string or object".into();
    }
    match node.get("type").and_then(Value::as_str) {
        Some("object") => "mapping".into(),
        Some("array") => "list".into(),
        Some(other) => other.into(),
        None => "any".into(),
    }
}

/// Markdown for a key: its name, type line, description, allowed values and pattern.
pub fn key_markdown(format: Format, path: &Path) -> Option<String> {
    let node = format.node_at(path)?;
    let name = match path.last() {
        Some(Segment::Key(key)) => key.to_string(),
        _ => path.to_string(),
    };
    let required = path.parent().is_some_and(|parent| {
        format
            .node_at(&parent)
            .and_then(|it| it.get("required"))
            .and_then(Value::as_array)
            .is_some_and(|it| it.iter().any(|key| key.as_str() == Some(name.as_str())))
    });
    // The key can be the user's own (under `metadata`); the type line comes from the schema.
    let mut out = format!("**{}** — {}\n", markdown::escape(&name), type_line(format, path, required));
    if let Some(description) = format.description(path) {
        out.push_str(&format!("\n{description}\n"));
    }
    if let Some(options) = node.get("enum").and_then(Value::as_array) {
        out.push('\n');
        for option in options.iter().filter_map(Value::as_str) {
            match enum_description(node, option) {
                Some(meaning) => out.push_str(&format!("- {}: {meaning}\n", markdown::code(option))),
                None => out.push_str(&format!("- {}\n", markdown::code(option))),
            }
        }
    }
    if let Some(pattern) = node.get("pattern").and_then(Value::as_str) {
        out.push_str(&format!("\nPattern: {}\n", markdown::code(pattern)));
    }
    Some(out)
}

/// Markdown for a declared interface.
pub fn interface_markdown(interface: &Interface) -> String {
    let name = interface.name.as_deref().unwrap_or("?");
    let kind = interface.kind.map_or("unknown type", InterfaceType::as_str);
    let mut facts = vec![format!("{kind} interface")];
    if let Some(port) = interface.port {
        facts.push(format!("port {port}"));
    }
    facts.push(interface.visibility.clone().unwrap_or_else(|| "internal".into()));
    let mut out = format!("**{}** — {}", markdown::escape(name), markdown::escape(&facts.join(" · ")));
    if let Some(contract) = &interface.contract {
        out.push_str(&format!("\n\nContract: {}", markdown::code(contract)));
    }
    if let Some(spec) = &interface.reference {
        out.push_str(&format!("\n\nSpec: {}", markdown::code(spec)));
    }
    out
}
