//! `runtime.health` and `runtime.metrics`: the interface they name and the path they need.

use super::Context;
use crate::core::finding::{Anchor, Code, Issue};
use crate::core::model::{InterfaceType, Probe};
use crate::core::path::Path;
use crate::core::text::excerpt;

struct Codes {
    key: &'static str,
    not_found: Code,
    invalid: Code,
    path_required: Code,
    path_ignored: Code,
}

const HEALTH: Codes = Codes {
    key: "health",
    not_found: Code::HEALTH_INTERFACE_NOT_FOUND,
    invalid: Code::HEALTH_INTERFACE_INVALID,
    path_required: Code::HEALTH_PATH_REQUIRED,
    path_ignored: Code::HEALTH_PATH_IGNORED,
};

const METRICS: Codes = Codes {
    key: "metrics",
    not_found: Code::METRICS_INTERFACE_NOT_FOUND,
    invalid: Code::METRICS_INTERFACE_INVALID,
    path_required: Code::METRICS_PATH_REQUIRED,
    path_ignored: Code::METRICS_PATH_IGNORED,
};

pub(super) fn check(ctx: &Context<'_>, out: &mut Vec<Issue>) {
    let Some(runtime) = &ctx.contract.runtime else { return };
    if let Some(health) = &runtime.health {
        check_probe(ctx, health, &HEALTH, out);
    }
    if let Some(metrics) = &runtime.metrics {
        check_probe(ctx, metrics, &METRICS, out);
    }
}

fn check_probe(ctx: &Context<'_>, probe: &Probe, codes: &Codes, out: &mut Vec<Issue>) {
    let Some(name) = probe.interface.as_deref() else { return };
    let at = Path::root().key("runtime").key(codes.key);
    let what = codes.key;
    let shown = excerpt(name);
    let Some(interface) = ctx.contract.interface(name) else {
        let declared: Vec<String> = ctx
            .contract
            .interfaces
            .iter()
            .filter_map(|it| it.name.as_deref())
            .map(|it| format!("`{}`", excerpt(it)))
            .collect();
        let known = match declared.is_empty() {
            true => "the contract declares no interfaces".to_string(),
            false => format!("declared interfaces: {}", declared.join(", ")),
        };
        out.push(Issue::new(
            codes.not_found,
            at.key("interface"),
            Anchor::Value,
            format!("{what} interface `{shown}` is not declared in `interfaces`; {known}"),
        ));
        return;
    };
    let path_set = probe.path.as_deref().is_some_and(|it| !it.is_empty());
    match interface.kind {
        Some(InterfaceType::Event) => out.push(Issue::new(
            codes.invalid,
            at.key("interface"),
            Anchor::Value,
            format!("`{shown}` is an event interface; {what} needs an http or grpc interface"),
        )),
        Some(InterfaceType::Http) if !path_set => out.push(Issue::new(
            codes.path_required,
            at.key("path"),
            Anchor::Value,
            format!("`{shown}` is an http interface, so `runtime.{what}` needs a `path` (e.g. `/{what}`)"),
        )),
        Some(InterfaceType::Grpc) if path_set => out.push(Issue::new(
            codes.path_ignored,
            at.key("path"),
            Anchor::Value,
            format!("`{shown}` is a grpc interface, which uses the standard gRPC {what} protocol; the path is ignored"),
        )),
        _ => {}
    }
}
