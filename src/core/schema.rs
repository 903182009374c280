//! The embedded Pacto JSON Schemas: compiled validators and a navigator from document paths to
//! the schema node that describes them (used for messages, completion and hover).

use std::sync::LazyLock;

use jsonschema::Validator;
use serde_json::Value;

use crate::core::path::{Path, Segment};

/// A contract format this engine implements (`pactoVersion`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SchemaVersion {
    V1_0,
    V1_1,
}

impl SchemaVersion {
    pub const ALL: [SchemaVersion; 2] = [SchemaVersion::V1_0, SchemaVersion::V1_1];

    pub fn parse(text: &str) -> Option<SchemaVersion> {
        match text {
            "1.0" => Some(SchemaVersion::V1_0),
            "1.1" => Some(SchemaVersion::V1_1),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SchemaVersion::V1_0 => "1.0",
            SchemaVersion::V1_1 => "1.1",
        }
    }

    /// The schema source, as shipped in `schemas/`.
    pub fn source(self) -> &'static str {
        match self {
            SchemaVersion::V1_0 => include_str!("../../schemas/pacto-v1.0.schema.json"),
            SchemaVersion::V1_1 => include_str!("../../schemas/pacto-v1.1.schema.json"),
        }
    }

    /// The parsed schema document.
    pub fn document(self) -> &'static Value {
        static V1_0: LazyLock<Value> = LazyLock::new(|| parse_embedded(SchemaVersion::V1_0));
        static V1_1: LazyLock<Value> = LazyLock::new(|| parse_embedded(SchemaVersion::V1_1));
        match self {
            SchemaVersion::V1_0 => &V1_0,
            SchemaVersion::V1_1 => &V1_1,
        }
    }

    /// The compiled validator (compiled once, on first use).
    pub fn validator(self) -> &'static Validator {
        static V1_0: LazyLock<Validator> = LazyLock::new(|| compile_embedded(SchemaVersion::V1_0));
        static V1_1: LazyLock<Validator> = LazyLock::new(|| compile_embedded(SchemaVersion::V1_1));
        match self {
            SchemaVersion::V1_0 => &V1_0,
            SchemaVersion::V1_1 => &V1_1,
        }
    }

    /// The schema node describing the value at `path`, following `$ref`, `properties` and `items`.
    pub fn node_at(self, path: &Path) -> Option<&'static Value> {
        let root = self.document();
        let mut node = resolve_ref(root, root);
        for segment in path.segments() {
            node = match segment {
                Segment::Key(key) => node.get("properties")?.get(&**key)?,
                Segment::Index(_) => node.get("items")?,
            };
            node = resolve_ref(root, node);
        }
        Some(node)
    }

    /// The property names the schema allows in the object at `path`, in schema order.
    pub fn allowed_keys(self, path: &Path) -> Vec<&'static str> {
        self.node_at(path)
            .and_then(|node| node.get("properties"))
            .and_then(Value::as_object)
            .map(|props| props.keys().map(String::as_str).collect())
            .unwrap_or_default()
    }

    /// The `description` of the property at `path` (the property's own, else its definition's).
    pub fn description(self, path: &Path) -> Option<&'static str> {
        let root = self.document();
        let parent = match path.parent() {
            Some(parent) => self.node_at(&parent)?,
            None => return root.get("description")?.as_str(),
        };
        let raw = match path.last()? {
            Segment::Key(key) => parent.get("properties")?.get(&**key)?,
            Segment::Index(_) => parent.get("items")?,
        };
        raw.get("description").or_else(|| resolve_ref(root, raw).get("description"))?.as_str()
    }
}

/// The description of an enum value (`x-enum-descriptions`), if the schema gives one.
pub fn enum_description(node: &'static Value, value: &str) -> Option<&'static str> {
    node.get("x-enum-descriptions")?.get(value)?.as_str()
}

fn resolve_ref<'a>(root: &'a Value, mut node: &'a Value) -> &'a Value {
    for _ in 0..8 {
        let Some(reference) = node.get("$ref").and_then(Value::as_str) else {
            break;
        };
        let Some(target) = reference.strip_prefix('#').and_then(|pointer| root.pointer(pointer)) else {
            break;
        };
        node = target;
    }
    node
}

fn parse_embedded(version: SchemaVersion) -> Value {
    // The schemas are part of the binary and covered by tests; failing here is a build defect.
    serde_json::from_str(version.source()).expect("embedded schema is valid JSON")
}

fn compile_embedded(version: SchemaVersion) -> Validator {
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(false)
        .build(version.document())
        .expect("embedded schema compiles")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_schemas_compile_and_navigate() {
        for version in SchemaVersion::ALL {
            let _ = version.validator();
            let node = version.node_at(&Path::parse("interfaces[0].type").unwrap()).unwrap();
            assert_eq!(node["enum"], serde_json::json!(["http", "grpc", "event"]));
            assert_eq!(enum_description(node, "http"), Some("HTTP/REST interface (requires port)"));
            assert!(version.description(&Path::parse("runtime.health.interface").unwrap()).is_some());
        }
        assert!(SchemaVersion::V1_1.allowed_keys(&Path::root()).contains(&"readiness"));
        assert!(!SchemaVersion::V1_0.allowed_keys(&Path::root()).contains(&"readiness"));
    }

    #[test]
    fn v1_1_is_v1_0_plus_readiness() {
        let mut old = SchemaVersion::V1_0.document().clone();
        let mut new = SchemaVersion::V1_1.document().clone();
        for doc in [&mut old, &mut new] {
            let map = doc.as_object_mut().unwrap();
            map.remove("$id");
            map.remove("title");
            let props = map["properties"].as_object_mut().unwrap();
            props.remove("pactoVersion");
            props.remove("readiness");
            let defs = map["$defs"].as_object_mut().unwrap();
            defs.remove("readiness");
            defs.remove("readinessCheck");
        }
        assert_eq!(old, new);
    }

    /// Every property has a description and every enum documents each of its values.
    #[test]
    fn every_property_is_documented() {
        fn walk(node: &Value, at: &str, in_condition: bool) {
            match node {
                Value::Object(map) => {
                    if let (Some(Value::Array(values)), false) = (map.get("enum"), in_condition) {
                        let docs = map.get("x-enum-descriptions").and_then(Value::as_object);
                        let docs = docs.unwrap_or_else(|| panic!("{at}: enum without x-enum-descriptions"));
                        for value in values {
                            assert!(docs.contains_key(value.as_str().unwrap()), "{at}: {value} undocumented");
                        }
                        assert_eq!(docs.len(), values.len(), "{at}");
                    }
                    for (key, child) in map {
                        let condition = in_condition || matches!(key.as_str(), "if" | "then" | "not" | "oneOf");
                        if key == "properties" && !condition {
                            for (name, prop) in child.as_object().unwrap() {
                                assert!(prop.get("description").is_some(), "{at}/{name}: no description");
                            }
                        }
                        walk(child, &format!("{at}/{key}"), condition);
                    }
                }
                Value::Array(items) => items.iter().for_each(|it| walk(it, at, in_condition)),
                _ => {}
            }
        }
        for version in SchemaVersion::ALL {
            walk(version.document(), "", false);
        }
    }
}
