//! Human descriptions of schema properties and contract items, shared by hover and completion.

use serde_json::Value;

use crate::core::ide::markdown;
use crate::core::model::{Interface, InterfaceType};
use crate::core::path::{Path, Segment};
use crate::core::schema::{SchemaVersion, enum_description};

/// A one-line summary of the property at `path`: its type and constraints.
pub fn type_line(version: SchemaVersion, path: &Path, required: bool) -> String {
    let Some(node) = version.node_at(path) else { return String::new() };
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
pub fn key_markdown(version: SchemaVersion, path: &Path) -> Option<String> {
    let node = version.node_at(path)?;
    let name = match path.last() {
        Some(Segment::Key(key)) => key.to_string(),
        _ => path.to_string(),
    };
    let required = path.parent().is_some_and(|parent| {
        version
            .node_at(&parent)
            .and_then(|it| it.get("required"))
            .and_then(Value::as_array)
            .is_some_and(|it| it.iter().any(|key| key.as_str() == Some(name.as_str())))
    });
    // The key can be the user's own (under `metadata`); the type line comes from the schema.
    let mut out = format!("**{}** — {}\n", markdown::escape(&name), type_line(version, path, required));
    if let Some(description) = version.description(path) {
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
    out
}
