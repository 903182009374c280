//! JSON Schemas of configurations and policies, compared recursively as upstream does
//! (`schema.properties.port.type`, `schema.required[port]`): a change to a `required` list is
//! BREAKING, any other POTENTIAL_BREAKING.

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::ChangeType::{self, Added, Modified, Removed};
use super::contract::{At, Found, Walker};

/// Keywords whose value maps names to schemas (or to lists of names): a key inside them is a
/// name, never a keyword, so a property called `required` is not the `required` keyword.
const NAME_MAPS: [&str; 6] =
    ["properties", "patternProperties", "$defs", "definitions", "dependentSchemas", "dependentRequired"];

pub(super) fn compare(walker: &mut Walker<'_>, old: &Value, new: &Value, at: &At) {
    let mut schemas = Schemas { walker, at };
    schemas.value("schema", Place::Schema, old, new);
}

/// What the value being compared is, for classification.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    /// A schema (or a value of a keyword that is not special).
    Schema,
    /// A mapping of names (`properties`): its keys are names.
    Names,
    /// The value of a `required` keyword.
    Required,
}

struct Schemas<'w, 'a, 'p> {
    walker: &'w mut Walker<'a>,
    at: &'p At,
}

impl Schemas<'_, '_, '_> {
    fn push(
        &mut self,
        path: String,
        place: Place,
        change_type: ChangeType,
        old: Option<&Value>,
        new: Option<&Value>,
        reason: String,
    ) {
        let rule = match place {
            Place::Required => "schema.required",
            _ if path.starts_with("schema.properties.") => "schema.properties",
            _ => "schema",
        };
        let found = Found { path, rule: rule.to_string(), change_type, old: old.cloned(), new: new.cloned(), reason };
        self.walker.push(found, self.at);
    }

    fn value(&mut self, path: &str, place: Place, old: &Value, new: &Value) {
        if old == new {
            return;
        }
        match (old, new) {
            (Value::Object(a), Value::Object(b)) => self.object(path, place, a, b),
            (Value::Array(a), Value::Array(b)) => self.array(path, place, a, b),
            _ => self.push(path.to_string(), place, Modified, Some(old), Some(new), format!("{path} changed")),
        }
    }

    fn object(&mut self, path: &str, place: Place, old: &Map<String, Value>, new: &Map<String, Value>) {
        let child_place = |key: &str| match place {
            Place::Names => Place::Schema,
            _ if key == "required" => Place::Required,
            _ if NAME_MAPS.contains(&key) => Place::Names,
            _ => Place::Schema,
        };
        let mut keys: Vec<&String> = old.keys().chain(new.keys().filter(|it| !old.contains_key(*it))).collect();
        keys.sort();
        for key in keys {
            let child = format!("{path}.{key}");
            let place = child_place(key);
            match (old.get(key), new.get(key)) {
                (None, Some(value)) => {
                    self.push(child.clone(), place, Added, None, Some(value), format!("{child} added"))
                }
                (Some(value), None) => {
                    self.push(child.clone(), place, Removed, Some(value), None, format!("{child} removed"))
                }
                (Some(a), Some(b)) => self.value(&child, place, a, b),
                (None, None) => {}
            }
        }
    }

    fn array(&mut self, path: &str, place: Place, old: &[Value], new: &[Value]) {
        // Lists of strings (`required`, `enum`, `type`) are compared as sets.
        if let (Some(a), Some(b)) = (strings(old), strings(new)) {
            let (old_set, new_set): (HashSet<&str>, HashSet<&str>) =
                (a.iter().copied().collect(), b.iter().copied().collect());
            for item in b.iter().filter(|it| !old_set.contains(*it)) {
                let value = Value::String(item.to_string());
                self.push(format!("{path}[{item}]"), place, Added, None, Some(&value), format!("{path} {item} added"));
            }
            for item in a.iter().filter(|it| !new_set.contains(*it)) {
                let value = Value::String(item.to_string());
                self.push(
                    format!("{path}[{item}]"),
                    place,
                    Removed,
                    Some(&value),
                    None,
                    format!("{path} {item} removed"),
                );
            }
            return;
        }
        for index in 0..old.len().max(new.len()) {
            let child = format!("{path}[{index}]");
            match (old.get(index), new.get(index)) {
                (None, Some(value)) => {
                    self.push(child.clone(), place, Added, None, Some(value), format!("{child} added"))
                }
                (Some(value), None) => {
                    self.push(child.clone(), place, Removed, Some(value), None, format!("{child} removed"))
                }
                (Some(a), Some(b)) => self.value(&child, Place::Schema, a, b),
                (None, None) => {}
            }
        }
    }
}

fn strings(items: &[Value]) -> Option<Vec<&str>> {
    items.iter().map(Value::as_str).collect()
}
