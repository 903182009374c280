//! The 2.0 format's own rules: interface spec types and refs, capabilities (types, extension refs,
//! uniqueness, bindings to declared interfaces, safe paths) and the policy `target`.
//!
//! The schema describes most of these problems too; the findings here replace its errors (they
//! carry upstream's codes and say more).

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use super::Context;
use crate::core::finding::{Anchor, Code, Issue};
use crate::core::path::Path;
use crate::core::text::excerpt;

const INTERFACE_TYPES: [&str; 3] = ["openapi", "asyncapi", "grpc"];
const CAPABILITY_TYPES: [&str; 3] = ["health", "metrics", "extension"];

/// `INVALID_INTERFACE_TYPE` and `INTERFACE_REF_REQUIRED`.
pub(super) fn check_interfaces(ctx: &Context<'_>, out: &mut Vec<Issue>) {
    for (index, interface) in ctx.contract.interfaces.iter().enumerate() {
        let at = Path::root().key("interfaces").index(index);
        let Some(item) = ctx.document.pointer(&format!("/interfaces/{index}")).and_then(Value::as_object) else {
            continue;
        };
        let label = interface.name.as_deref().map(|it| format!(" `{}`", excerpt(it))).unwrap_or_default();
        if let Some(kind) = item.get("type").and_then(Value::as_str)
            && !INTERFACE_TYPES.contains(&kind)
        {
            let hint = match kind {
                "http" => " (an http interface is `openapi` in 2.0)",
                "event" => " (an event interface is `asyncapi` in 2.0)",
                _ => "",
            };
            out.push(Issue::new(
                Code::INVALID_INTERFACE_TYPE,
                at.key("type"),
                Anchor::Value,
                format!(
                    "interface type `{}` is not valid; expected `openapi`, `asyncapi` or `grpc`{hint}",
                    excerpt(kind)
                ),
            ));
        }
        // A ref of another type is the schema's to report.
        let reference = item.get("ref");
        if reference.is_none_or(|it| it.as_str() == Some("")) {
            out.push(Issue::new(
                Code::INTERFACE_REF_REQUIRED,
                at.key("ref"),
                Anchor::Value,
                format!("the interface{label} needs a `ref`: the path of its spec file in the bundle"),
            ));
        }
    }
}

/// The capability rules of upstream's v3 CLI.
pub(super) fn check(ctx: &Context<'_>, out: &mut Vec<Issue>) {
    let declared: HashSet<&str> = ctx.contract.interfaces.iter().filter_map(|it| it.name.as_deref()).collect();
    let mut first_seen: HashMap<&str, usize> = HashMap::new();
    for (index, capability) in ctx.contract.capabilities.iter().enumerate() {
        let at = Path::root().key("capabilities").index(index);
        if let Some(binding) = &capability.binding {
            if let Some(name) = binding.interface.as_deref().filter(|it| !it.is_empty())
                && !declared.contains(name)
            {
                out.push(Issue::new(
                    Code::CAPABILITY_INTERFACE_UNKNOWN,
                    at.key("binding").key("interface"),
                    Anchor::Value,
                    format!(
                        "the binding names interface `{}`, which is not declared in `interfaces`; {}",
                        excerpt(name),
                        known(&declared, ctx)
                    ),
                ));
            }
            if let Some(path) = binding.path.as_deref().filter(|it| !it.is_empty())
                && !is_safe_path(path)
            {
                out.push(Issue::new(
                    Code::CAPABILITY_PATH_INVALID,
                    at.key("binding").key("path"),
                    Anchor::Value,
                    format!(
                        "`{}` is not a valid binding path: it must start with a single `/` and have no scheme, host, user or fragment (e.g. `/health`)",
                        excerpt(path)
                    ),
                ));
            }
        }
        let Some(kind) = capability.kind.as_deref() else { continue };
        if !CAPABILITY_TYPES.contains(&kind) {
            out.push(Issue::new(
                Code::INVALID_CAPABILITY_TYPE,
                at.key("type"),
                Anchor::Value,
                format!(
                    "capability type `{}` is not valid; expected `health`, `metrics` or `extension`",
                    excerpt(kind)
                ),
            ));
        }
        let mut key = Some(kind);
        if kind == "extension" {
            key = capability.reference.as_deref().filter(|it| !it.is_empty());
            match key {
                None if ctx.document.pointer(&format!("/capabilities/{index}/ref")).is_none_or(|it| it.as_str() == Some("")) => {
                    out.push(Issue::new(
                        Code::CAPABILITY_REF_REQUIRED,
                        at.key("ref"),
                        Anchor::Value,
                        "an `extension` capability needs a namespaced `ref` (e.g. `example.com/feature-flags`)",
                    ));
                }
                Some(reference) if !is_namespaced(reference) => out.push(Issue::new(
                    Code::CAPABILITY_REF_INVALID,
                    at.key("ref"),
                    Anchor::Value,
                    format!(
                        "extension ref `{}` is not namespaced: write a domain, a `/` and a name (e.g. `example.com/feature-flags`)",
                        excerpt(reference)
                    ),
                )),
                _ => {}
            }
        }
        // One rule covers repeated standard types, repeated extension refs and collisions between them.
        let Some(key) = key else { continue };
        match first_seen.get(key) {
            Some(first) => out.push(Issue::new(
                Code::DUPLICATE_CAPABILITY,
                at,
                Anchor::Object,
                format!("capability `{}` is already declared at `capabilities[{first}]`", excerpt(key)),
            )),
            None => {
                first_seen.insert(key, index);
            }
        }
    }
}

/// `UNSUPPORTED_POLICY_TARGET`: 2.0 policies apply to the contract only.
pub(super) fn check_policy_targets(ctx: &Context<'_>, out: &mut Vec<Issue>) {
    for (index, policy) in ctx.contract.policies.iter().enumerate() {
        if let Some(target) = policy.target.as_deref()
            && target != "contract"
        {
            out.push(Issue::new(
                Code::UNSUPPORTED_POLICY_TARGET,
                Path::root().key("policies").index(index).key("target"),
                Anchor::Value,
                format!("policy target `{}` is not supported; the only target is `contract`", excerpt(target)),
            ));
        }
    }
}

fn known(declared: &HashSet<&str>, ctx: &Context<'_>) -> String {
    // In document order, not the set's.
    let names: Vec<String> = ctx
        .contract
        .interfaces
        .iter()
        .filter_map(|it| it.name.as_deref())
        .filter(|it| declared.contains(it))
        .map(|it| format!("`{}`", excerpt(it)))
        .collect();
    match names.is_empty() {
        true => "the contract declares no interfaces".to_string(),
        false => format!("declared interfaces: {}", names.join(", ")),
    }
}

/// Upstream's namespacing rule: a `/`, and a `.` in the part before the first `/`.
fn is_namespaced(reference: &str) -> bool {
    reference.split_once('/').is_some_and(|(domain, _)| domain.contains('.'))
}

/// A binding path as upstream accepts it (Go's URL parser plus its own checks): it starts with
/// exactly one `/`, has no control characters, only valid `%` escapes in its path part, no
/// fragment, and does not decode to a path starting with `//` (`/%2Fevil.example`).
fn is_safe_path(path: &str) -> bool {
    if !path.starts_with('/') || path.starts_with("//") || path.bytes().any(|it| it < 0x20 || it == 0x7f) {
        return false;
    }
    let (rest, fragment) = path.split_once('#').unwrap_or((path, ""));
    if !fragment.is_empty() {
        return false;
    }
    let path_part = rest.split_once('?').map_or(rest, |(it, _)| it);
    match percent_decode(path_part) {
        Some(decoded) => !decoded.starts_with(b"//"),
        None => false,
    }
}

/// Decodes `%XX` escapes; `None` when a `%` is not followed by two hexadecimal digits.
fn percent_decode(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let hex = bytes.get(index + 1..index + 3)?;
            if !hex.iter().all(u8::is_ascii_hexdigit) {
                return None;
            }
            out.push(u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?);
            index += 3;
        } else {
            out.push(bytes[index]);
            index += 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binding_paths_as_upstream_judges_them() {
        for good in ["/", "/health", "/a/b?x=1", "/a%20b", "/a#", "/v1/health;x"] {
            assert!(is_safe_path(good), "{good}");
        }
        for bad in [
            "health",
            "//evil.example",
            "/%2Fevil.example",
            "/%2f%2fevil.example",
            "/a#frag",
            "/\x7f",
            "/a\tb",
            "/%zz",
            "/%2",
            "http://host/x",
            "",
        ] {
            assert!(!is_safe_path(bad), "{bad:?}");
        }
        // `u8::from_str_radix` accepts a sign; an escape must be two hexadecimal digits.
        assert!(!is_safe_path("/%+1"));
    }

    #[test]
    fn extension_refs_must_be_namespaced() {
        assert!(is_namespaced("example.com/custom"));
        assert!(is_namespaced("a.b/"));
        assert!(!is_namespaced("example/custom"));
        assert!(!is_namespaced("example.com"));
        assert!(!is_namespaced("custom/example.com"));
    }
}
