//! The rule table: (rule, change type) → classification, upstream's era-B table (`upstream-facts.md`
//! §D.1 as amended by §D.2), plus the 2.0 rows of §D.3. A change no row lists is POTENTIAL_BREAKING.

use super::{ChangeType, Classification};

use ChangeType::{Added, Modified, Removed};
use Classification::{Breaking, NonBreaking, PotentialBreaking};

/// One row of the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rule {
    pub rule: &'static str,
    pub change_type: ChangeType,
    pub classification: Classification,
}

const fn rule(rule: &'static str, change_type: ChangeType, classification: Classification) -> Rule {
    Rule { rule, change_type, classification }
}

/// Every listed rule. Rules name a place with list keys left out (`interfaces.port`); the
/// OpenAPI and JSON Schema rules are prefixed `openapi.` and `schema.`.
pub const RULES: &[Rule] = &[
    rule("pactoVersion", Added, NonBreaking),
    rule("pactoVersion", Modified, NonBreaking),
    rule("pactoVersion", Removed, NonBreaking),
    rule("service.name", Modified, Breaking),
    rule("service.version", Modified, NonBreaking),
    rule("service.owner", Added, NonBreaking),
    rule("service.owner", Modified, NonBreaking),
    rule("service.owner", Removed, NonBreaking),
    rule("service.owner.team", Added, NonBreaking),
    rule("service.owner.team", Modified, NonBreaking),
    rule("service.owner.team", Removed, NonBreaking),
    rule("service.owner.dri", Added, NonBreaking),
    rule("service.owner.dri", Modified, NonBreaking),
    rule("service.owner.dri", Removed, NonBreaking),
    rule("service.owner.contacts", Added, NonBreaking),
    rule("service.owner.contacts", Modified, NonBreaking),
    rule("service.owner.contacts", Removed, NonBreaking),
    rule("service.image", Added, NonBreaking),
    rule("service.image", Modified, NonBreaking),
    rule("service.image", Removed, NonBreaking),
    rule("service.chart", Added, NonBreaking),
    rule("service.chart", Modified, NonBreaking),
    rule("service.chart", Removed, NonBreaking),
    rule("interfaces", Added, NonBreaking),
    rule("interfaces", Removed, Breaking),
    rule("interfaces.type", Modified, Breaking),
    rule("interfaces.port", Added, PotentialBreaking),
    rule("interfaces.port", Modified, Breaking),
    rule("interfaces.port", Removed, Breaking),
    rule("interfaces.visibility", Modified, PotentialBreaking),
    rule("interfaces.contract", Modified, PotentialBreaking),
    rule("configurations", Added, NonBreaking),
    rule("configurations", Removed, Breaking),
    rule("configurations.schema", Added, NonBreaking),
    rule("configurations.schema", Modified, PotentialBreaking),
    rule("configurations.schema", Removed, Breaking),
    rule("configurations.ref", Added, NonBreaking),
    rule("configurations.ref", Modified, PotentialBreaking),
    rule("configurations.ref", Removed, Breaking),
    rule("configurations.values", Added, NonBreaking),
    rule("configurations.values", Modified, NonBreaking),
    rule("configurations.values", Removed, NonBreaking),
    rule("policies", Added, NonBreaking),
    rule("policies", Removed, PotentialBreaking),
    rule("policies.schema", Modified, PotentialBreaking),
    rule("policies.ref", Added, NonBreaking),
    rule("policies.ref", Modified, PotentialBreaking),
    rule("policies.ref", Removed, PotentialBreaking),
    rule("runtime.workload", Modified, Breaking),
    rule("runtime.state.type", Modified, Breaking),
    rule("runtime.state.persistence.scope", Modified, Breaking),
    rule("runtime.state.persistence.durability", Modified, Breaking),
    rule("runtime.state.dataCriticality", Modified, PotentialBreaking),
    rule("runtime.lifecycle.upgradeStrategy", Added, NonBreaking),
    rule("runtime.lifecycle.upgradeStrategy", Modified, PotentialBreaking),
    rule("runtime.lifecycle.upgradeStrategy", Removed, PotentialBreaking),
    rule("runtime.lifecycle.gracefulShutdownSeconds", Added, NonBreaking),
    rule("runtime.lifecycle.gracefulShutdownSeconds", Modified, NonBreaking),
    rule("runtime.lifecycle.gracefulShutdownSeconds", Removed, NonBreaking),
    rule("runtime.health.interface", Added, NonBreaking),
    rule("runtime.health.interface", Modified, PotentialBreaking),
    rule("runtime.health.interface", Removed, PotentialBreaking),
    rule("runtime.health.path", Added, NonBreaking),
    rule("runtime.health.path", Modified, PotentialBreaking),
    rule("runtime.health.path", Removed, PotentialBreaking),
    rule("runtime.health.initialDelaySeconds", Added, NonBreaking),
    rule("runtime.health.initialDelaySeconds", Modified, NonBreaking),
    rule("runtime.health.initialDelaySeconds", Removed, NonBreaking),
    rule("runtime.metrics.interface", Added, NonBreaking),
    rule("runtime.metrics.interface", Modified, PotentialBreaking),
    rule("runtime.metrics.interface", Removed, PotentialBreaking),
    rule("runtime.metrics.path", Added, NonBreaking),
    rule("runtime.metrics.path", Modified, PotentialBreaking),
    rule("runtime.metrics.path", Removed, PotentialBreaking),
    rule("scaling", Added, NonBreaking),
    rule("scaling", Removed, PotentialBreaking),
    rule("scaling.min", Modified, PotentialBreaking),
    rule("scaling.max", Modified, NonBreaking),
    rule("scaling.replicas", Modified, PotentialBreaking),
    rule("dependencies", Added, NonBreaking),
    rule("dependencies", Removed, Breaking),
    rule("dependencies.ref", Modified, PotentialBreaking),
    rule("dependencies.compatibility", Modified, PotentialBreaking),
    rule("dependencies.required", Modified, PotentialBreaking),
    rule("readiness", Added, NonBreaking),
    rule("readiness", Removed, NonBreaking),
    rule("readiness.minScore", Added, NonBreaking),
    rule("readiness.minScore", Modified, NonBreaking),
    rule("readiness.minScore", Removed, NonBreaking),
    rule("readiness.checks", Added, NonBreaking),
    rule("readiness.checks", Modified, NonBreaking),
    rule("readiness.checks", Removed, NonBreaking),
    // pactoVersion 2.0 (§D.3): the top-level `workload` and `state`, interface spec refs,
    // capabilities compared as a set, readiness claims.
    rule("interfaces.ref", Modified, PotentialBreaking),
    rule("workload", Added, NonBreaking),
    rule("workload", Modified, Breaking),
    rule("workload", Removed, NonBreaking),
    rule("state.type", Modified, Breaking),
    rule("state.persistence.scope", Modified, Breaking),
    rule("state.persistence.durability", Modified, Breaking),
    rule("state.dataCriticality", Added, NonBreaking),
    rule("state.dataCriticality", Modified, PotentialBreaking),
    rule("state.dataCriticality", Removed, NonBreaking),
    rule("capabilities", Added, NonBreaking),
    rule("capabilities", Removed, PotentialBreaking),
    rule("readiness.claims", Added, NonBreaking),
    rule("readiness.claims", Modified, NonBreaking),
    rule("readiness.claims", Removed, NonBreaking),
    rule("openapi.paths", Added, NonBreaking),
    rule("openapi.paths", Removed, Breaking),
    rule("openapi.methods", Added, NonBreaking),
    rule("openapi.methods", Removed, Breaking),
    rule("openapi.parameters", Added, PotentialBreaking),
    rule("openapi.parameters", Modified, PotentialBreaking),
    rule("openapi.parameters", Removed, Breaking),
    // A required parameter that is new, or an optional one that became required.
    rule("openapi.parameters.required", Added, Breaking),
    rule("openapi.parameters.required", Modified, Breaking),
    rule("openapi.request-body", Added, PotentialBreaking),
    rule("openapi.request-body", Modified, PotentialBreaking),
    rule("openapi.request-body", Removed, PotentialBreaking),
    // A request body property that became required.
    rule("openapi.request-body.required", Added, Breaking),
    rule("openapi.responses", Added, NonBreaking),
    rule("openapi.responses", Modified, PotentialBreaking),
    rule("openapi.responses", Removed, Breaking),
    rule("schema.properties", Added, PotentialBreaking),
    rule("schema.properties", Modified, PotentialBreaking),
    rule("schema.properties", Removed, PotentialBreaking),
    rule("schema.required", Added, Breaking),
    rule("schema.required", Modified, Breaking),
    rule("schema.required", Removed, Breaking),
    rule("schema", Added, PotentialBreaking),
    rule("schema", Modified, PotentialBreaking),
    rule("schema", Removed, PotentialBreaking),
];

/// The classification of a change of `change_type` under `rule`. Everything under `readiness`
/// is NON_BREAKING (readiness never affects consumers); an unlisted change is POTENTIAL_BREAKING.
pub fn classify(rule: &str, change_type: ChangeType) -> Classification {
    if let Some(found) = RULES.iter().find(|it| it.rule == rule && it.change_type == change_type) {
        return found.classification;
    }
    if rule == "readiness" || rule.starts_with("readiness.") {
        return NonBreaking;
    }
    PotentialBreaking
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_is_listed_once() {
        for (index, row) in RULES.iter().enumerate() {
            let again = RULES[index + 1..].iter().any(|it| it.rule == row.rule && it.change_type == row.change_type);
            assert!(!again, "{row:?} is listed twice");
        }
    }

    #[test]
    fn unlisted_changes_are_potentially_breaking() {
        assert_eq!(classify("service.name", Added), PotentialBreaking);
        assert_eq!(classify("runtime.state.type", Removed), PotentialBreaking);
        assert_eq!(classify("scaling", Modified), PotentialBreaking);
        assert_eq!(classify("readiness.history", Modified), NonBreaking);
        assert_eq!(classify("interfaces.port", Modified), Breaking);
    }
}
