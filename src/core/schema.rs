//! The embedded Pacto JSON Schemas: compiled validators and a navigator from document paths to
//! the schema node that describes them (used for messages, completion and hover).

use std::sync::LazyLock;

use jsonschema::Validator;
use serde_json::Value;

use crate::core::path::{Path, Segment};

/// Which upstream CLI generation gives `pactoVersion` 1.0 and 1.1 their meaning (spec §1).
///
/// The v1.x CLI (`V1`, the default) accepts a string or object owner and reads `readiness` under
/// 1.1; the v2 CLI (`V2`) redefined both formats: the owner is an object only and neither has a
/// readiness section (that moved to 1.2). 1.2 and 2.0 mean the same under both.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Compatibility {
    #[default]
    V1,
    V2,
}

impl Compatibility {
    pub fn parse(text: &str) -> Option<Compatibility> {
        match text {
            "v1" => Some(Compatibility::V1),
            "v2" => Some(Compatibility::V2),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Compatibility::V1 => "v1",
            Compatibility::V2 => "v2",
        }
    }
}

/// A contract format this engine implements (`pactoVersion`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SchemaVersion {
    V1_0,
    V1_1,
    V1_2,
    V2_0,
}

impl SchemaVersion {
    pub const ALL: [SchemaVersion; 4] =
        [SchemaVersion::V1_0, SchemaVersion::V1_1, SchemaVersion::V1_2, SchemaVersion::V2_0];

    pub fn parse(text: &str) -> Option<SchemaVersion> {
        match text {
            "1.0" => Some(SchemaVersion::V1_0),
            "1.1" => Some(SchemaVersion::V1_1),
            "1.2" => Some(SchemaVersion::V1_2),
            "2.0" => Some(SchemaVersion::V2_0),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SchemaVersion::V1_0 => "1.0",
            SchemaVersion::V1_1 => "1.1",
            SchemaVersion::V1_2 => "1.2",
            SchemaVersion::V2_0 => "2.0",
        }
    }

    /// The schema source, as shipped in `schemas/`.
    pub fn source(self) -> &'static str {
        match self {
            SchemaVersion::V1_0 => include_str!("../../schemas/pacto-v1.0.schema.json"),
            SchemaVersion::V1_1 => include_str!("../../schemas/pacto-v1.1.schema.json"),
            SchemaVersion::V1_2 => include_str!("../../schemas/pacto-v1.2.schema.json"),
            SchemaVersion::V2_0 => include_str!("../../schemas/pacto-v2.0.schema.json"),
        }
    }

    /// The parsed schema document.
    pub fn document(self) -> &'static Value {
        static V1_0: LazyLock<Value> = LazyLock::new(|| parse_embedded(SchemaVersion::V1_0));
        static V1_1: LazyLock<Value> = LazyLock::new(|| parse_embedded(SchemaVersion::V1_1));
        static V1_2: LazyLock<Value> = LazyLock::new(|| parse_embedded(SchemaVersion::V1_2));
        static V2_0: LazyLock<Value> = LazyLock::new(|| parse_embedded(SchemaVersion::V2_0));
        match self {
            SchemaVersion::V1_0 => &V1_0,
            SchemaVersion::V1_1 => &V1_1,
            SchemaVersion::V1_2 => &V1_2,
            SchemaVersion::V2_0 => &V2_0,
        }
    }

    /// The compiled validator (compiled once, on first use).
    pub fn validator(self) -> &'static Validator {
        static V1_0: LazyLock<Validator> = LazyLock::new(|| compile_embedded(SchemaVersion::V1_0));
        static V1_1: LazyLock<Validator> = LazyLock::new(|| compile_embedded(SchemaVersion::V1_1));
        static V1_2: LazyLock<Validator> = LazyLock::new(|| compile_embedded(SchemaVersion::V1_2));
        static V2_0: LazyLock<Validator> = LazyLock::new(|| compile_embedded(SchemaVersion::V2_0));
        match self {
            SchemaVersion::V1_0 => &V1_0,
            SchemaVersion::V1_1 => &V1_1,
            SchemaVersion::V1_2 => &V1_2,
            SchemaVersion::V2_0 => &V2_0,
        }
    }

    /// Whether `compatibility` gives this format the v2 CLI's meaning rather than its own schema file.
    fn redefined(self, compatibility: Compatibility) -> bool {
        compatibility == Compatibility::V2 && matches!(self, SchemaVersion::V1_0 | SchemaVersion::V1_1)
    }

    /// Whether the format has a `readiness` section under `compatibility`.
    pub fn has_readiness(self, compatibility: Compatibility) -> bool {
        match self {
            SchemaVersion::V1_0 => false,
            SchemaVersion::V1_1 => compatibility == Compatibility::V1,
            SchemaVersion::V1_2 | SchemaVersion::V2_0 => true,
        }
    }

    /// Whether readiness is one assessment with a status per item (1.2 and 2.0) rather than
    /// per-check expiry dates (1.1).
    pub fn has_assessment(self) -> bool {
        matches!(self, SchemaVersion::V1_2 | SchemaVersion::V2_0)
    }

    /// The parsed schema document that applies under `compatibility`.
    pub fn document_for(self, compatibility: Compatibility) -> &'static Value {
        static V1_0: LazyLock<Value> = LazyLock::new(|| v2_meaning(SchemaVersion::V1_0));
        static V1_1: LazyLock<Value> = LazyLock::new(|| v2_meaning(SchemaVersion::V1_1));
        match (self.redefined(compatibility), self) {
            (true, SchemaVersion::V1_0) => &V1_0,
            (true, _) => &V1_1,
            (false, _) => self.document(),
        }
    }

    /// The compiled validator that applies under `compatibility` (compiled once, on first use).
    pub fn validator_for(self, compatibility: Compatibility) -> &'static Validator {
        static V1_0: LazyLock<Validator> =
            LazyLock::new(|| compile(SchemaVersion::V1_0.document_for(Compatibility::V2)));
        static V1_1: LazyLock<Validator> =
            LazyLock::new(|| compile(SchemaVersion::V1_1.document_for(Compatibility::V2)));
        match (self.redefined(compatibility), self) {
            (true, SchemaVersion::V1_0) => &V1_0,
            (true, _) => &V1_1,
            (false, _) => self.validator(),
        }
    }

    /// The schema node describing the value at `path` in [`SchemaVersion::document`] (following `$ref`,
    /// `properties` and `items`; see [`SchemaVersion::node_at_for`]).
    pub fn node_at(self, path: &Path) -> Option<&'static Value> {
        self.node_at_for(Compatibility::V1, path)
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
        self.description_for(Compatibility::V1, path)
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
    compile(version.document())
}

fn compile(document: &Value) -> Validator {
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(false)
        .build(document)
        .expect("embedded schema compiles")
}

/// The v2 CLI's 1.0 and 1.1 (upstream era C): the 1.0 schema with an object-only owner, and for
/// 1.1 the same schema under its own version (readiness moved to 1.2).
fn v2_meaning(version: SchemaVersion) -> Value {
    let mut document = SchemaVersion::V1_0.document().clone();
    let owner = serde_json::json!({
        "description": "Who owns the service: an object with team, dri and/or contacts (at least one of them). The v2 CLI no longer accepts a plain string.",
        "$ref": "#/$defs/ownerObject"
    });
    if let Some(defs) = document.get_mut("$defs").and_then(Value::as_object_mut) {
        defs.remove("owner");
        if let Some(service) = defs.get_mut("service").and_then(|it| it.get_mut("properties")) {
            service["owner"] = owner;
        }
    }
    let text = version.as_str();
    document["$id"] = Value::String(format!("https://pacto.trianalab.com/schema/v{text}"));
    document["title"] = Value::String(format!("Pacto Service Contract v{text} (v2 CLI)"));
    document["properties"]["pactoVersion"]["enum"] = serde_json::json!([text]);
    document["properties"]["pactoVersion"]["x-enum-descriptions"] = serde_json::json!({
        text: format!("Pacto contract format {text} as the v2 CLI reads it: object owner, no readiness section")
    });
    document
}

/// Navigation in the document that applies under a compatibility setting (the editor's view).
impl SchemaVersion {
    /// [`SchemaVersion::node_at`] in [`SchemaVersion::document_for`] `compatibility`.
    pub fn node_at_for(self, compatibility: Compatibility, path: &Path) -> Option<&'static Value> {
        let root = self.document_for(compatibility);
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

    /// [`SchemaVersion::description`] in [`SchemaVersion::document_for`] `compatibility`.
    pub fn description_for(self, compatibility: Compatibility, path: &Path) -> Option<&'static str> {
        let root = self.document_for(compatibility);
        let parent = match path.parent() {
            Some(parent) => self.node_at_for(compatibility, &parent)?,
            None => return root.get("description")?.as_str(),
        };
        let raw = match path.last()? {
            Segment::Key(key) => parent.get("properties")?.get(&**key)?,
            Segment::Index(_) => parent.get("items")?,
        };
        raw.get("description").or_else(|| resolve_ref(root, raw).get("description"))?.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_1x_schemas_compile_and_navigate() {
        for version in [SchemaVersion::V1_0, SchemaVersion::V1_1, SchemaVersion::V1_2] {
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
    fn the_2_0_schema_has_the_v3_shape() {
        let version = SchemaVersion::V2_0;
        let _ = version.validator();
        let keys = version.allowed_keys(&Path::root());
        assert_eq!(
            keys,
            vec![
                "pactoVersion",
                "service",
                "interfaces",
                "configurations",
                "policies",
                "dependencies",
                "state",
                "workload",
                "capabilities",
                "readiness",
                "metadata",
                "extensions"
            ]
        );
        let node = version.node_at(&Path::parse("interfaces[0].type").unwrap()).unwrap();
        assert_eq!(node["enum"], serde_json::json!(["openapi", "asyncapi", "grpc"]));
        assert_eq!(version.allowed_keys(&Path::parse("service").unwrap()), vec!["name", "version", "owner"]);
        let claim = Path::parse("readiness.claims[0]").unwrap();
        assert_eq!(
            version.allowed_keys(&claim),
            vec!["id", "type", "category", "status", "evidence", "weight", "description"]
        );
        assert!(version.description(&Path::parse("capabilities[0].binding.path").unwrap()).is_some());
        let status = version.node_at(&claim.key("status")).unwrap();
        assert_eq!(enum_description(status, "deferred"), Some("Postponed on purpose; left out of the score entirely"));
    }

    /// Upstream's verdicts on small documents, one per constraint that differs between the formats.
    #[test]
    fn the_new_schemas_enforce_upstreams_constraints() {
        use serde_json::json;
        let valid =
            |version: SchemaVersion, compatibility, doc: &Value| version.validator_for(compatibility).is_valid(doc);
        let service = json!({"name": "svc", "version": "1.0.0"});
        let v1x = |version: &str, extra: Value| {
            let mut doc = json!({"pactoVersion": version, "service": service.clone()});
            doc.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
            doc
        };
        let string_owner = |version: &str| {
            let mut doc = v1x(version, json!({}));
            doc["service"]["owner"] = json!("team/payments");
            doc
        };
        // The string owner: v1 CLI yes; v2 CLI (1.0, 1.1), 1.2 and 2.0 no.
        for (version, text) in [(SchemaVersion::V1_0, "1.0"), (SchemaVersion::V1_1, "1.1")] {
            assert!(valid(version, Compatibility::V1, &string_owner(text)));
            assert!(!valid(version, Compatibility::V2, &string_owner(text)));
            let mut object_owner = string_owner(text);
            object_owner["service"]["owner"] = json!({"team": "payments"});
            assert!(valid(version, Compatibility::V2, &object_owner));
        }
        assert!(!valid(SchemaVersion::V1_2, Compatibility::V1, &string_owner("1.2")));
        assert!(!valid(SchemaVersion::V2_0, Compatibility::V1, &string_owner("2.0")));
        // Readiness: 1.1 per-check expiry (v1 CLI only); 1.2 one assessment with statuses.
        let old = json!({"readiness": {"checks": [{"id": "a", "type": "url", "evidence": "x", "weight": 1, "expires": "2099-01-01"}]}});
        assert!(valid(SchemaVersion::V1_1, Compatibility::V1, &v1x("1.1", old.clone())));
        assert!(!valid(SchemaVersion::V1_1, Compatibility::V2, &v1x("1.1", old.clone())));
        assert!(!valid(SchemaVersion::V1_2, Compatibility::V1, &v1x("1.2", old)));
        let item =
            json!({"id": "a", "type": "url", "status": "partial", "evidence": "x", "weight": 1, "category": "ci-cd"});
        let new = json!({"readiness": {"expires": "2099-01-01", "partialCredit": 0.25, "checks": [item.clone()],
            "history": [{"date": "2026-01-01", "version": "1.0.0", "author": "me", "description": "first"}]}});
        assert!(valid(SchemaVersion::V1_2, Compatibility::V1, &v1x("1.2", new.clone())));
        let mut no_expiry = new.clone();
        no_expiry["readiness"].as_object_mut().unwrap().remove("expires");
        assert!(!valid(SchemaVersion::V1_2, Compatibility::V1, &v1x("1.2", no_expiry)));
        let mut credit = new.clone();
        credit["readiness"]["partialCredit"] = json!(1.5);
        assert!(!valid(SchemaVersion::V1_2, Compatibility::V1, &v1x("1.2", credit)));
        // 2.0: claims, the v3 shapes, and the 1.x keys gone.
        let v2 = |extra: Value| v1x("2.0", extra);
        let claims = json!({"readiness": {"expires": "2099-01-01", "claims": [item]}});
        assert!(valid(SchemaVersion::V2_0, Compatibility::V1, &v2(claims)));
        assert!(!valid(SchemaVersion::V2_0, Compatibility::V1, &v2(new)));
        let full = json!({
            "interfaces": [{"name": "api", "type": "openapi", "ref": "interfaces/openapi.yaml", "visibility": "public"}],
            "configurations": [{"name": "default", "schema": "configuration/schema.json", "required": true}],
            "policies": [{"name": "p", "schema": "policy/schema.json", "target": "contract"}],
            "dependencies": [{"name": "auth", "ref": "oci://ghcr.io/acme/auth:1.0.0", "compatibility": "^1.0.0", "required": true}],
            "workload": "service",
            "state": {"type": "stateless", "persistence": {"scope": "local", "durability": "ephemeral"}, "dataCriticality": "low"},
            "capabilities": [
                {"type": "health", "binding": {"type": "http", "interface": "api", "path": "/health"}},
                {"type": "metrics"},
                {"type": "extension", "ref": "example.com/flags"}
            ],
            "metadata": {"any": 1},
            "extensions": {"any": {"thing": true}}
        });
        assert!(valid(SchemaVersion::V2_0, Compatibility::V1, &v2(full.clone())));
        let broken: [(&str, Value); 13] = [
            ("/interfaces/0/ref", Value::Null),
            ("/interfaces/0/type", json!("http")),
            ("/configurations/0/required", Value::Null),
            ("/dependencies/0/required", Value::Null),
            ("/policies/0/target", json!("bundle")),
            ("/capabilities/1/ref", json!("example.com/x")),
            ("/capabilities/2/ref", Value::Null),
            ("/capabilities/2/binding", json!({"type": "http", "interface": "api"})),
            ("/capabilities/0/binding/path", json!("//evil")),
            ("/capabilities/0/binding/type", json!("grpc")),
            ("/capabilities/0/type", json!("tracing")),
            ("/state/persistence/durability", json!("persistent")),
            ("/runtime", json!({"workload": "service"})),
        ];
        for (pointer, value) in broken {
            let mut doc = v2(full.clone());
            let (parent, key) = pointer.rsplit_once('/').unwrap();
            let object = doc.pointer_mut(parent).unwrap().as_object_mut().unwrap();
            match value {
                Value::Null => object.remove(key),
                value => object.insert(key.to_string(), value),
            };
            assert!(!valid(SchemaVersion::V2_0, Compatibility::V1, &doc), "{pointer} should be rejected");
        }
        for key in ["image", "chart"] {
            let mut doc = v2(json!({}));
            doc["service"][key] = json!({"ref": "x", "version": "1.0.0"});
            assert!(!valid(SchemaVersion::V2_0, Compatibility::V1, &doc), "service.{key}");
        }
        assert!(!valid(SchemaVersion::V2_0, Compatibility::V1, &v2(json!({"scaling": {"replicas": 1}}))));
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
            walk(version.document_for(Compatibility::V2), "", false);
        }
    }
}
