//! A 1.x version against a 2.0 one: the old document is read in the 2.0 shape (upstream's
//! MIGRATION.md mapping, as `core::migrate` writes it), so what moved is compared at its new place,
//! and the `pactoVersion` change says the format changed and what 2.0 has no place for.

use serde_json::{Map, Value, json};

use super::Change;

/// The old document in the 2.0 shape, when the old version is 1.x and the new one 2.0.
pub(super) fn upgrade(old: &Value, new: &Value) -> Option<Value> {
    let version = |it: &Value| it.get("pactoVersion").and_then(Value::as_str).map(str::to_string);
    let from = version(old)?;
    if !matches!(from.as_str(), "1.0" | "1.1" | "1.2") || version(new).as_deref() != Some("2.0") {
        return None;
    }
    let mut doc = old.as_object()?.clone();
    if let Some(Value::Object(service)) = doc.get_mut("service") {
        service.remove("image");
        service.remove("chart");
    }
    let mut interface_types = Map::new();
    for interface in items(&mut doc, "interfaces") {
        if let Some(name) = interface.get("name").cloned()
            && let Some(kind) = interface.get("type").cloned()
            && let Some(name) = name.as_str()
        {
            interface_types.insert(name.to_string(), kind);
        }
        let renamed = match interface.get("type").and_then(Value::as_str) {
            Some("http") => Some("openapi"),
            Some("event") => Some("asyncapi"),
            _ => None,
        };
        if let Some(renamed) = renamed {
            interface.insert("type".into(), json!(renamed));
        }
        interface.remove("port");
        if let Some(contract) = interface.remove("contract") {
            interface.insert("ref".into(), contract);
        }
    }
    for configuration in items(&mut doc, "configurations") {
        configuration.entry("required").or_insert(json!(true));
    }
    for dependency in items(&mut doc, "dependencies") {
        dependency.entry("required").or_insert(json!(false));
    }
    doc.remove("scaling");
    if let Some(Value::Object(runtime)) = doc.remove("runtime") {
        for key in ["workload", "state"] {
            if let Some(value) = runtime.get(key) {
                doc.insert(key.into(), value.clone());
            }
        }
        let mut capabilities = Vec::new();
        for kind in ["health", "metrics"] {
            let Some(Value::Object(block)) = runtime.get(kind) else { continue };
            let interface = block.get("interface").cloned().unwrap_or(Value::Null);
            let grpc =
                interface.as_str().and_then(|it| interface_types.get(it)).and_then(Value::as_str) == Some("grpc");
            let mut capability = Map::new();
            capability.insert("type".into(), json!(kind));
            if !grpc {
                let mut binding = Map::new();
                binding.insert("type".into(), json!("http"));
                binding.insert("interface".into(), interface);
                if let Some(path) = block.get("path") {
                    binding.insert("path".into(), path.clone());
                }
                capability.insert("binding".into(), Value::Object(binding));
            }
            capabilities.push(Value::Object(capability));
        }
        if !capabilities.is_empty() {
            doc.insert("capabilities".into(), Value::Array(capabilities));
        }
    }
    if let Some(Value::Object(readiness)) = doc.get_mut("readiness")
        && let Some(Value::Array(mut checks)) = readiness.remove("checks")
    {
        let mut earliest: Option<String> = None;
        for check in checks.iter_mut().filter_map(Value::as_object_mut) {
            if let Some(Value::String(expires)) = check.remove("expires")
                && earliest.as_ref().is_none_or(|it| expires < *it)
            {
                earliest = Some(expires);
            }
            check.entry("status").or_insert(json!("done"));
        }
        if let Some(earliest) = earliest {
            readiness.entry("expires").or_insert(json!(earliest));
        }
        readiness.insert("claims".into(), Value::Array(checks));
    }
    Some(Value::Object(doc))
}

/// The mappings in a top-level list.
fn items<'a>(doc: &'a mut Map<String, Value>, key: &str) -> impl Iterator<Item = &'a mut Map<String, Value>> {
    let list = match doc.get_mut(key) {
        Some(Value::Array(items)) => Some(items),
        _ => None,
    };
    list.into_iter().flatten().filter_map(Value::as_object_mut)
}

/// The `pactoVersion` change says the format changed and names what was not compared.
pub(super) fn explain(changes: &mut [Change], old: &Value) {
    let mut dropped = Vec::new();
    for (section, key) in [("service", "image"), ("service", "chart"), ("runtime", "lifecycle")] {
        if old.get(section).and_then(|it| it.get(key)).is_some() {
            dropped.push(format!("{section}.{key}"));
        }
    }
    let listed = |key: &str| {
        old.get("interfaces")
            .and_then(Value::as_array)
            .is_some_and(|items| items.iter().any(|it| it.get(key).is_some()))
    };
    if listed("port") {
        dropped.push("interfaces[].port".into());
    }
    if old.get("scaling").is_some() {
        dropped.push("scaling".into());
    }
    let from = old.get("pactoVersion").and_then(Value::as_str).unwrap_or("1.x");
    let mut reason = format!(
        "the contract format changed from {from} to 2.0: the old version is compared in the 2.0 shape (runtime.workload and runtime.state as workload and state, health and metrics as capabilities, contract as ref)"
    );
    if !dropped.is_empty() {
        reason.push_str(&format!("; 2.0 has no place for {}, so they are not compared", dropped.join(", ")));
    }
    if let Some(change) = changes.iter_mut().find(|it| it.path == "pactoVersion") {
        change.reason = reason;
    }
}
