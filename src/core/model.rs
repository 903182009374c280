//! The typed contract model, deserialized (serde) from the document's JSON.
//!
//! Deserialization is lenient: a field of the wrong type becomes `None` (the structural layer
//! reports it), list items keep their indices, so later layers run on whatever is well formed.

use serde::de::{Deserialize, Deserializer};
use serde_json::Value;

#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct Contract {
    #[serde(rename = "pactoVersion", deserialize_with = "lenient")]
    pub pacto_version: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub service: Option<Service>,
    #[serde(deserialize_with = "lenient_items")]
    pub interfaces: Vec<Interface>,
    #[serde(deserialize_with = "lenient_items")]
    pub configurations: Vec<Configuration>,
    #[serde(deserialize_with = "lenient_items")]
    pub policies: Vec<Policy>,
    #[serde(deserialize_with = "lenient_items")]
    pub dependencies: Vec<Dependency>,
    #[serde(deserialize_with = "lenient")]
    pub runtime: Option<Runtime>,
    #[serde(deserialize_with = "lenient")]
    pub scaling: Option<Scaling>,
    #[serde(deserialize_with = "lenient")]
    pub readiness: Option<Readiness>,
    /// 2.0: the workload kind, at the top level (1.x: `runtime.workload`).
    #[serde(deserialize_with = "lenient")]
    pub workload: Option<Workload>,
    /// 2.0: the state model, at the top level (1.x: `runtime.state`).
    #[serde(deserialize_with = "lenient")]
    pub state: Option<State>,
    /// 2.0: standard capabilities (health, metrics) and namespaced extensions.
    #[serde(deserialize_with = "lenient_items")]
    pub capabilities: Vec<Capability>,
    /// 2.0: free-form data for extensions.
    #[serde(deserialize_with = "lenient")]
    pub extensions: Option<serde_json::Map<String, Value>>,
}

impl Contract {
    /// Builds the model from the document JSON; never fails (a non-object gives an empty model).
    pub fn from_json(value: &Value) -> Contract {
        Contract::deserialize(value).unwrap_or_default()
    }

    pub fn interface(&self, name: &str) -> Option<&Interface> {
        self.interfaces.iter().find(|it| it.name.as_deref() == Some(name))
    }
}

#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct Service {
    #[serde(deserialize_with = "lenient")]
    pub name: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub version: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub owner: Option<Value>,
    #[serde(deserialize_with = "lenient")]
    pub image: Option<Image>,
    #[serde(deserialize_with = "lenient")]
    pub chart: Option<Chart>,
}

#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct Image {
    #[serde(rename = "ref", deserialize_with = "lenient")]
    pub reference: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub private: Option<bool>,
}

#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct Chart {
    #[serde(rename = "ref", deserialize_with = "lenient")]
    pub reference: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub version: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InterfaceType {
    Http,
    Grpc,
    Event,
    /// 2.0: an HTTP interface described by an OpenAPI document.
    OpenApi,
    /// 2.0: an event-driven interface described by an AsyncAPI document.
    AsyncApi,
}

impl InterfaceType {
    pub fn as_str(self) -> &'static str {
        match self {
            InterfaceType::Http => "http",
            InterfaceType::Grpc => "grpc",
            InterfaceType::Event => "event",
            InterfaceType::OpenApi => "openapi",
            InterfaceType::AsyncApi => "asyncapi",
        }
    }
}

#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct Interface {
    #[serde(deserialize_with = "lenient")]
    pub name: Option<String>,
    #[serde(rename = "type", deserialize_with = "lenient")]
    pub kind: Option<InterfaceType>,
    #[serde(deserialize_with = "lenient")]
    pub port: Option<i64>,
    #[serde(deserialize_with = "lenient")]
    pub visibility: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub contract: Option<String>,
    /// 2.0: the bundle path of the interface's spec file.
    #[serde(rename = "ref", deserialize_with = "lenient")]
    pub reference: Option<String>,
}

#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct Configuration {
    #[serde(deserialize_with = "lenient")]
    pub name: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub schema: Option<String>,
    #[serde(rename = "ref", deserialize_with = "lenient")]
    pub reference: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub values: Option<serde_json::Map<String, Value>>,
    /// 2.0: whether the configuration must be present.
    #[serde(deserialize_with = "lenient")]
    pub required: Option<bool>,
}

#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct Policy {
    #[serde(deserialize_with = "lenient")]
    pub name: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub schema: Option<String>,
    #[serde(rename = "ref", deserialize_with = "lenient")]
    pub reference: Option<String>,
    /// 2.0: what the policy applies to (only `contract`).
    #[serde(deserialize_with = "lenient")]
    pub target: Option<String>,
}

#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct Dependency {
    #[serde(deserialize_with = "lenient")]
    pub name: Option<String>,
    #[serde(rename = "ref", deserialize_with = "lenient")]
    pub reference: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub required: Option<bool>,
    #[serde(deserialize_with = "lenient")]
    pub compatibility: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Workload {
    Service,
    Job,
    Scheduled,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StateType {
    Stateless,
    Stateful,
    Hybrid,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Durability {
    Ephemeral,
    Persistent,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UpgradeStrategy {
    Rolling,
    Recreate,
    Ordered,
}

#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct Runtime {
    #[serde(deserialize_with = "lenient")]
    pub workload: Option<Workload>,
    #[serde(deserialize_with = "lenient")]
    pub state: Option<State>,
    #[serde(deserialize_with = "lenient")]
    pub lifecycle: Option<Lifecycle>,
    #[serde(deserialize_with = "lenient")]
    pub health: Option<Probe>,
    #[serde(deserialize_with = "lenient")]
    pub metrics: Option<Probe>,
}

#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct State {
    #[serde(rename = "type", deserialize_with = "lenient")]
    pub kind: Option<StateType>,
    #[serde(deserialize_with = "lenient")]
    pub persistence: Option<Persistence>,
    #[serde(rename = "dataCriticality", deserialize_with = "lenient")]
    pub data_criticality: Option<String>,
}

#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct Persistence {
    #[serde(deserialize_with = "lenient")]
    pub scope: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub durability: Option<Durability>,
}

#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct Lifecycle {
    #[serde(rename = "upgradeStrategy", deserialize_with = "lenient")]
    pub upgrade_strategy: Option<UpgradeStrategy>,
    #[serde(rename = "gracefulShutdownSeconds", deserialize_with = "lenient")]
    pub graceful_shutdown_seconds: Option<i64>,
}

/// `runtime.health` and `runtime.metrics`.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct Probe {
    #[serde(deserialize_with = "lenient")]
    pub interface: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub path: Option<String>,
    #[serde(rename = "initialDelaySeconds", deserialize_with = "lenient")]
    pub initial_delay_seconds: Option<i64>,
}

#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct Scaling {
    #[serde(deserialize_with = "lenient")]
    pub replicas: Option<i64>,
    #[serde(deserialize_with = "lenient")]
    pub min: Option<i64>,
    #[serde(deserialize_with = "lenient")]
    pub max: Option<i64>,
}

impl Scaling {
    /// Upstream normalises `replicas` into `min = max = replicas`.
    pub fn bounds(&self) -> (Option<i64>, Option<i64>) {
        match self.replicas {
            Some(replicas) => (Some(replicas), Some(replicas)),
            None => (self.min, self.max),
        }
    }
}

/// 2.0: one entry of `capabilities`.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct Capability {
    /// `health`, `metrics`, `extension` (kept as text: the rules report unknown types).
    #[serde(rename = "type", deserialize_with = "lenient")]
    pub kind: Option<String>,
    #[serde(rename = "ref", deserialize_with = "lenient")]
    pub reference: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub binding: Option<Binding>,
}

/// 2.0: where a standard capability is served.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct Binding {
    #[serde(rename = "type", deserialize_with = "lenient")]
    pub kind: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub interface: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub path: Option<String>,
}

/// The `readiness` section: 1.1 (`checks` with their own `expires`), 1.2 (`checks` with a
/// `status`, one assessment `expires`) or 2.0 (the same with `claims`).
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct Readiness {
    #[serde(rename = "minScore", deserialize_with = "lenient")]
    pub min_score: Option<i64>,
    #[serde(deserialize_with = "lenient_items")]
    pub checks: Vec<ReadinessCheck>,
    /// 1.2 and 2.0: the expiry of the whole assessment.
    #[serde(deserialize_with = "lenient")]
    pub expires: Option<String>,
    /// 1.2 and 2.0: the share of its weight a `partial` item earns.
    #[serde(rename = "partialCredit", deserialize_with = "lenient")]
    pub partial_credit: Option<f64>,
    /// 1.2 and 2.0: revisions of the assessment.
    #[serde(deserialize_with = "lenient_items")]
    pub history: Vec<Revision>,
    /// 2.0: the readiness items (1.2 calls them `checks`).
    #[serde(deserialize_with = "lenient_items")]
    pub claims: Vec<ReadinessCheck>,
}

/// 1.2 and 2.0: one entry of `readiness.history`.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct Revision {
    #[serde(deserialize_with = "lenient")]
    pub date: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub version: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub author: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub description: Option<String>,
}

#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ReadinessCheck {
    #[serde(deserialize_with = "lenient")]
    pub id: Option<String>,
    #[serde(rename = "type", deserialize_with = "lenient")]
    pub kind: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub evidence: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub weight: Option<i64>,
    #[serde(deserialize_with = "lenient")]
    pub expires: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub description: Option<String>,
    /// 1.2 and 2.0: `done`, `partial`, `not-done` or `deferred` (kept as text).
    #[serde(deserialize_with = "lenient")]
    pub status: Option<String>,
    /// 1.2 and 2.0: the area of readiness.
    #[serde(deserialize_with = "lenient")]
    pub category: Option<String>,
}

/// A field of the wrong shape becomes `None` instead of failing the whole model.
///
/// The model is only ever read from a borrowed [`Value`] ([`Contract::from_json`]), so every
/// deserializer here reads a `&Value`: a failed attempt consumes nothing and leaves no state behind,
/// and nothing is copied on the way down (each level reads the document in place).
fn lenient<'de, D: Deserializer<'de>, T: Deserialize<'de>>(deserializer: D) -> Result<Option<T>, D::Error> {
    Ok(T::deserialize(deserializer).ok())
}

/// A list whose items are deserialized one by one; an item of the wrong shape becomes the
/// default item, so indices still match the document's. Anything but a list is an empty list.
fn lenient_items<'de, D: Deserializer<'de>, T: Deserialize<'de> + Default>(
    deserializer: D,
) -> Result<Vec<T>, D::Error> {
    let items = Vec::<Item<T>>::deserialize(deserializer).unwrap_or_default();
    Ok(items.into_iter().map(|it| it.0).collect())
}

/// One list item, or the default item when it has the wrong shape.
struct Item<T>(T);

impl<'de, T: Deserialize<'de> + Default> Deserialize<'de> for Item<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Item<T>, D::Error> {
        Ok(Item(T::deserialize(deserializer).unwrap_or_default()))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn wrong_types_do_not_hide_the_rest() {
        let contract = Contract::from_json(&json!({
            "pactoVersion": "1.0",
            "service": {"name": "svc", "version": 3},
            "interfaces": [{"name": "a", "type": "http", "port": "80"}, "junk", {"name": "b", "type": "nope"}],
            "runtime": {"workload": "service", "health": {"interface": "a"}},
            "scaling": {"replicas": 2}
        }));
        let service = contract.service.unwrap();
        assert_eq!(service.name.as_deref(), Some("svc"));
        assert_eq!(service.version, None);
        assert_eq!(contract.interfaces.len(), 3);
        assert_eq!(contract.interfaces[0].port, None);
        assert_eq!(contract.interfaces[0].kind, Some(InterfaceType::Http));
        assert_eq!(contract.interfaces[1].name, None);
        assert_eq!(contract.interfaces[2].name.as_deref(), Some("b"));
        assert_eq!(contract.interfaces[2].kind, None);
        assert_eq!(contract.scaling.unwrap().bounds(), (Some(2), Some(2)));
        let runtime = contract.runtime.unwrap();
        assert_eq!(runtime.health.unwrap().interface.as_deref(), Some("a"));
    }

    #[test]
    fn non_object_documents_give_an_empty_model() {
        for value in [json!(null), json!([1, 2]), json!("text")] {
            let contract = Contract::from_json(&value);
            assert!(contract.service.is_none() && contract.interfaces.is_empty());
        }
    }

    #[test]
    fn the_2_0_shape_is_read_leniently() {
        let contract = Contract::from_json(&json!({
            "pactoVersion": "2.0",
            "service": {"name": "svc", "version": "1.0.0"},
            "interfaces": [{"name": "api", "type": "openapi", "ref": "interfaces/api.yaml"}, {"name": "bus", "type": "asyncapi"}],
            "workload": "job",
            "state": {"type": "stateless", "persistence": {"scope": "local", "durability": "ephemeral"}},
            "capabilities": [
                {"type": "health", "binding": {"type": "http", "interface": "api", "path": "/health"}},
                {"type": "extension", "ref": "example.com/x"},
                {"type": 3}
            ],
            "policies": [{"name": "p", "ref": "../p", "target": "contract"}],
            "configurations": [{"name": "c", "schema": "c.json", "required": true}],
            "readiness": {
                "expires": "2099-01-01",
                "partialCredit": 0.25,
                "history": [{"date": "2026-01-01", "version": "1.0.0", "author": "me", "description": "first"}],
                "claims": [{"id": "a", "status": "partial", "category": "testing", "weight": 10}]
            },
            "extensions": {"any": [1]}
        }));
        assert_eq!(contract.interfaces[0].kind, Some(InterfaceType::OpenApi));
        assert_eq!(contract.interfaces[0].reference.as_deref(), Some("interfaces/api.yaml"));
        assert_eq!(contract.interfaces[1].kind, Some(InterfaceType::AsyncApi));
        assert_eq!(contract.workload, Some(Workload::Job));
        assert_eq!(contract.state.and_then(|it| it.kind), Some(StateType::Stateless));
        assert!(contract.runtime.is_none());
        assert_eq!(contract.capabilities.len(), 3);
        let binding = contract.capabilities[0].binding.as_ref().unwrap();
        assert_eq!((binding.interface.as_deref(), binding.path.as_deref()), (Some("api"), Some("/health")));
        assert_eq!(contract.capabilities[1].reference.as_deref(), Some("example.com/x"));
        assert_eq!(contract.capabilities[2].kind, None);
        assert_eq!(contract.policies[0].target.as_deref(), Some("contract"));
        assert_eq!(contract.configurations[0].required, Some(true));
        let readiness = contract.readiness.unwrap();
        assert_eq!((readiness.expires.as_deref(), readiness.partial_credit), (Some("2099-01-01"), Some(0.25)));
        assert_eq!(readiness.history[0].author.as_deref(), Some("me"));
        assert!(readiness.checks.is_empty());
        assert_eq!(readiness.claims[0].status.as_deref(), Some("partial"));
        assert_eq!(readiness.claims[0].category.as_deref(), Some("testing"));
        assert!(contract.extensions.is_some_and(|it| it.contains_key("any")));
    }
}
