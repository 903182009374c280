//! `runtime` and `scaling`: state consistency, scaling bounds, and the semantic upgrade warning.

use std::cmp::Ordering;

use serde_json::{Number, Value};

use super::Context;
use crate::core::finding::{Anchor, Code, Issue};
use crate::core::model::{Durability, StateType, UpgradeStrategy, Workload};
use crate::core::path::Path;

pub(super) fn check(ctx: &Context<'_>, out: &mut Vec<Issue>) {
    let contract = ctx.contract;
    let runtime = contract.runtime.as_ref();
    // 1.x keeps the state under `runtime`; 2.0 at the top level.
    let (state, at) = match ctx.is_v2() {
        true => (contract.state.as_ref(), "state.persistence.durability"),
        false => (runtime.and_then(|it| it.state.as_ref()), "runtime.state.persistence.durability"),
    };
    let durability = state.and_then(|it| it.persistence.as_ref()).and_then(|it| it.durability);
    if state.and_then(|it| it.kind) == Some(StateType::Stateless) && durability == Some(Durability::Persistent) {
        out.push(Issue::new(
            Code::STATELESS_PERSISTENT_CONFLICT,
            Path::parse(at).unwrap_or_default(),
            Anchor::Value,
            "a stateless service keeps no data, so its durability must be `ephemeral` (or make the state `stateful` or `hybrid`)",
        ));
    }
    if contract.scaling.is_none() || ctx.is_v2() {
        return;
    }
    let at = Path::root().key("scaling");
    if runtime.and_then(|it| it.workload) == Some(Workload::Job) {
        out.push(Issue::new(
            Code::JOB_SCALING_NOT_ALLOWED,
            at.clone(),
            Anchor::Key,
            "a `job` runs once to completion and cannot scale; remove `scaling` or change the workload",
        ));
    }
    // Compared on the document's numbers, not the model's `i64`s: YAML integers beyond 64 bits arrive
    // as floats (as in upstream's decoder) and must not slip through as "not a number".
    let number = |key: &str| ctx.document.pointer(&format!("/scaling/{key}")).and_then(Value::as_number);
    let (min, max) = match number("replicas") {
        Some(replicas) => (Some(replicas), Some(replicas)),
        None => (number("min"), number("max")),
    };
    if let (Some(min), Some(max)) = (min, max)
        && compare_whole(min, max) == Some(Ordering::Greater)
    {
        out.push(Issue::new(
            Code::SCALING_MIN_EXCEEDS_MAX,
            at,
            Anchor::Key,
            format!("scaling min ({min}) is greater than max ({max})"),
        ));
    }
}

/// Orders two whole numbers exactly when both fit in 64 bits, else by their `f64` values; `None` when
/// either has a fraction (the schema reports that).
fn compare_whole(a: &Number, b: &Number) -> Option<Ordering> {
    let exact = |it: &Number| it.as_i64().map(i128::from).or_else(|| it.as_u64().map(i128::from));
    if let (Some(a), Some(b)) = (exact(a), exact(b)) {
        return Some(a.cmp(&b));
    }
    let (a, b) = (a.as_f64()?, b.as_f64()?);
    if a.fract() != 0.0 || b.fract() != 0.0 {
        return None;
    }
    a.partial_cmp(&b)
}

pub(super) fn check_semantic(ctx: &Context<'_>, out: &mut Vec<Issue>) {
    let Some(runtime) = &ctx.contract.runtime else { return };
    let strategy = runtime.lifecycle.as_ref().and_then(|it| it.upgrade_strategy);
    let state = runtime.state.as_ref().and_then(|it| it.kind);
    if strategy == Some(UpgradeStrategy::Ordered) && state == Some(StateType::Stateless) {
        out.push(Issue::new(
            Code::UPGRADE_STRATEGY_STATE_MISMATCH,
            Path::parse("runtime.lifecycle.upgradeStrategy").unwrap_or_default(),
            Anchor::Value,
            "the `ordered` upgrade strategy is meant for stateful or leader-elected workloads; a stateless service usually upgrades `rolling`",
        ));
    }
}
