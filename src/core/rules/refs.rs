//! References: OCI refs of dependencies, configurations, policies and charts; image refs;
//! dependency compatibility ranges.

use super::Context;
use crate::core::finding::{Anchor, Code, Issue};
use crate::core::ociref::{self, OciRef};
use crate::core::path::Path;
use crate::core::semver::Constraints;
use crate::core::text::excerpt;

pub(super) fn check(ctx: &Context<'_>, out: &mut Vec<Issue>) {
    let contract = ctx.contract;
    for (index, dependency) in contract.dependencies.iter().enumerate() {
        let at = Path::root().key("dependencies").index(index);
        let mut ref_ok = true;
        if let Some(reference) = dependency.reference.as_deref() {
            match check_oci(reference, &at.key("ref"), Code::INVALID_OCI_REF, out) {
                Some(Some(parsed)) if parsed.tag.is_some() && parsed.digest.is_none() => out.push(Issue::new(
                    Code::TAG_NOT_DIGEST,
                    at.key("ref"),
                    Anchor::Value,
                    format!(
                        "`{}` is pinned by tag `{}`, which can move; pin it by digest (`@sha256:…`) for reproducible resolution",
                        excerpt(reference),
                        excerpt(parsed.tag.as_deref().unwrap_or_default())
                    ),
                )),
                Some(_) => {}
                None => ref_ok = false,
            }
        }
        let Some(compatibility) = dependency.compatibility.as_deref() else { continue };
        if !ref_ok {
            continue;
        }
        if compatibility.trim().is_empty() {
            out.push(Issue::new(
                Code::EMPTY_COMPATIBILITY,
                at.key("compatibility"),
                Anchor::Value,
                "`compatibility` must not be empty; give a semver range such as `^1.2.0`",
            ));
        } else if let Err(problem) = Constraints::parse(compatibility) {
            out.push(Issue::new(
                Code::INVALID_COMPATIBILITY,
                at.key("compatibility"),
                Anchor::Value,
                format!("`{}` is not a valid semver range: {problem}", excerpt(compatibility)),
            ));
        }
    }
    for (index, configuration) in contract.configurations.iter().enumerate() {
        if let Some(reference) = configuration.reference.as_deref() {
            let at = Path::root().key("configurations").index(index).key("ref");
            check_oci(reference, &at, Code::INVALID_CONFIG_REF, out);
        }
    }
    for (index, policy) in contract.policies.iter().enumerate() {
        if let Some(reference) = policy.reference.as_deref() {
            let at = Path::root().key("policies").index(index).key("ref");
            check_oci(reference, &at, Code::INVALID_POLICY_REF, out);
        }
    }
}

/// Checks an `oci://` reference (other references are local paths and are not checked here).
///
/// Returns `None` when the ref is invalid (reported with `invalid`), `Some(None)` for a local
/// ref, and `Some(Some(parsed))` for a valid OCI ref (warned about when a registry would refuse it).
fn check_oci(reference: &str, at: &Path, invalid: Code, out: &mut Vec<Issue>) -> Option<Option<OciRef>> {
    let Some(rest) = reference.strip_prefix("oci://") else {
        return Some(None);
    };
    match ociref::parse(rest) {
        Ok(parsed) => {
            if let Some(problem) = ociref::strict_problem(&parsed) {
                out.push(Issue::new(Code::MALFORMED_OCI_REF, at.clone(), Anchor::Value, problem));
            }
            Some(Some(parsed))
        }
        Err(problem) => {
            out.push(Issue::new(
                invalid,
                at.clone(),
                Anchor::Value,
                format!("`{}` is not a valid OCI reference: {problem}", excerpt(reference)),
            ));
            None
        }
    }
}
