//! Cross-bundle intelligence inside a workspace: what one contract says about the others it depends on.
//!
//! The edge keeps an index of every bundle in the workspace ([`Summary`] per bundle) and answers which bundle a
//! dependency names; this module only reads contracts, finds the dependency or `service.name` under the cursor,
//! and renders hovers and warnings from what the edge resolved.
//!
//! A dependency resolves to a workspace bundle in two ways ([`Target`]):
//! - its `ref` is a local path (bare, or `file://`), relative to the bundle that declares it;
//! - its `ref` is `oci://…` and the last path segment of its repository equals the bundle's `service.name`
//!   (`oci://ghcr.io/acme/payments:1.2.0` names the service `payments`). Registries often hold a service under a
//!   prefix (`acme/`), so the last segment is the one part the service's own name can be compared with.

use std::ops::Range;
use std::sync::Arc;

use crate::core::finding::{Anchor, Code, Finding, Issue};
use crate::core::ide::{markdown, remote};
use crate::core::model::Contract;
use crate::core::ociref;
use crate::core::path::{Path, Segment};
use crate::core::registry::Remote;
use crate::core::text::excerpt;
use crate::core::yaml::{Role, Tree};

/// What a dependency's `ref` points at inside a workspace.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    /// A local folder, as written (without `file://`), relative to the declaring bundle unless absolute.
    Path(String),
    /// The `service.name` of a bundle, from the last path segment of an `oci://` repository.
    Service(String),
}

/// Where an `oci://` or local `ref` may lead inside the workspace; `None` for refs that name neither.
pub fn target(reference: &str) -> Option<Target> {
    if let Some(rest) = reference.strip_prefix("oci://") {
        let parsed = ociref::parse(rest).ok()?;
        let name = parsed.repository.rsplit('/').next().unwrap_or(&parsed.repository);
        return (!name.is_empty()).then(|| Target::Service(name.to_string()));
    }
    let local = reference.strip_prefix("file://").unwrap_or(reference);
    // Another scheme (`https://…`) is no local folder.
    if local.is_empty() || local.contains('\0') || local.contains("://") {
        return None;
    }
    Some(Target::Path(local.to_string()))
}

/// One dependency of a contract, with where its `ref` is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dependency {
    /// Its index in `dependencies`.
    pub index: usize,
    pub reference: String,
    pub compatibility: Option<String>,
    pub target: Target,
    /// The `ref` value's span.
    pub span: Range<usize>,
}

/// What the workspace index keeps of one bundle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Summary {
    pub name: Option<String>,
    pub version: Option<String>,
    /// The span of the `service.name` value (where go to definition lands), else `None`.
    pub name_span: Option<Range<usize>>,
    /// The dependencies whose `ref` may lead into the workspace.
    pub dependencies: Vec<Dependency>,
}

/// Summarizes a parsed contract for the index.
pub fn summarize(tree: &Tree, contract: &Contract) -> Summary {
    let service = contract.service.clone().unwrap_or_default();
    let name_span = tree.get(&Path::root().key("service").key("name")).map(|node| tree.span(node));
    let dependencies = contract
        .dependencies
        .iter()
        .enumerate()
        .filter_map(|(index, dependency)| {
            let reference = dependency.reference.clone()?;
            let target = target(&reference)?;
            let node = tree.get(&Path::root().key("dependencies").index(index).key("ref"))?;
            let compatibility = dependency.compatibility.clone();
            Some(Dependency { index, reference, compatibility, target, span: tree.span(node) })
        })
        .collect();
    Summary { name: service.name, version: service.version, name_span, dependencies }
}

/// The dependency whose `ref` value is at `offset`.
pub fn dependency_at(tree: &Tree, contract: &Contract, offset: usize) -> Option<Dependency> {
    let hit = tree.locate(offset)?;
    if hit.role != Role::Value {
        return None;
    }
    let [Segment::Key(list), Segment::Index(index), Segment::Key(key)] = hit.path.segments() else { return None };
    if &**list != "dependencies" || &**key != "ref" {
        return None;
    }
    let reference = tree.scalar_str(hit.node)?.to_string();
    let target = target(&reference)?;
    let compatibility = contract.dependencies.get(*index).and_then(|it| it.compatibility.clone());
    Some(Dependency { index: *index, reference, compatibility, target, span: tree.span(hit.node) })
}

/// The `service.name` whose value is at `offset`, with its span.
pub fn service_name_at(tree: &Tree, offset: usize) -> Option<(String, Range<usize>)> {
    let hit = tree.locate(offset)?;
    let [Segment::Key(service), Segment::Key(name)] = hit.path.segments() else { return None };
    if &**service != "service" || &**name != "name" {
        return None;
    }
    let node = tree.get(&hit.path)?;
    let value = tree.scalar_str(node)?;
    Some((value.to_string(), tree.span(node)))
}

/// Whether a dependency leads to a bundle named `service` (by an `oci://` ref whose last segment is the name).
/// Local paths are matched by the edge, which knows where the folders are.
pub fn names_service(dependency: &Dependency, service: &str) -> bool {
    matches!(&dependency.target, Target::Service(name) if name == service)
}

/// The hover of a dependency that resolved to a workspace bundle: the contract summarized as for a remote one.
pub fn hover_markdown(local: &Remote, compatibility: Option<&str>) -> String {
    let rendered = remote::remote_markdown(local, compatibility);
    let rendered = rendered.replacen("**Remote contract**", "**Workspace contract**", 1);
    // The digest of a workspace bundle is its content hash, of no use to a reader.
    let digest = format!("\n\nDigest: {}", markdown::code(&local.digest));
    rendered.replacen(&digest, "", 1)
}

/// `DEPENDENCY_INCOMPATIBLE` warnings for dependencies with a local-path `ref` that resolved to a workspace
/// bundle whose `service.version` does not satisfy their `compatibility` (the `oci://` ones go through
/// `core::registry` with the same message). `resolved` holds each such dependency's index and bundle.
pub fn findings(text: &str, tree: &Tree, contract: &Contract, resolved: &[(usize, Arc<Remote>)]) -> Vec<Finding> {
    let mut issues = Vec::new();
    for (index, local) in resolved {
        let Some(dependency) = contract.dependencies.get(*index) else { continue };
        let (Some(reference), Some(compatibility)) = (&dependency.reference, &dependency.compatibility) else {
            continue;
        };
        if reference.starts_with("oci://") {
            continue;
        }
        let version = local.version.as_deref().unwrap_or("");
        let shown = excerpt(reference);
        let message = match local.satisfies(compatibility) {
            Some(true) => continue,
            Some(false) => format!(
                "`{shown}` is the workspace bundle at version `{}`, which does not satisfy `{}`",
                excerpt(version),
                excerpt(compatibility)
            ),
            // An invalid range is reported by the cross-field rules.
            None if crate::core::semver::Constraints::parse(compatibility).is_err() => continue,
            None => format!(
                "`{shown}` is a workspace bundle whose `service.version` `{}` is not a semver version, so `{}` \
                 cannot be checked",
                excerpt(version),
                excerpt(compatibility)
            ),
        };
        let at = Path::root().key("dependencies").index(*index).key("compatibility");
        issues.push(Issue::new(Code::DEPENDENCY_INCOMPATIBLE, at, Anchor::Value, message));
    }
    issues.into_iter().map(|it| it.into_finding(text, tree)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONTRACT: &str = "\
pactoVersion: \"1.0\"
service: {name: orders, version: 1.0.0}
dependencies:
  - name: payments
    ref: ../payments
    compatibility: ^2.0.0
  - name: users
    ref: oci://ghcr.io/acme/users:1.0.0
    compatibility: ^1
  - name: files
    ref: file://../files
    compatibility: not a range
  - name: web
    ref: https://example.com/x
    compatibility: ^1
";

    fn model(text: &str) -> (crate::core::yaml::Parsed, Contract) {
        let parsed = crate::core::yaml::parse(text);
        let contract = Contract::from_json(&parsed.tree.document_json().unwrap());
        (parsed, contract)
    }

    fn local(version: &str) -> Arc<Remote> {
        let text = format!("pactoVersion: \"1.0\"\nservice: {{name: payments, version: {version}}}\n");
        Arc::new(Remote::new("payments".into(), "sha256:00".into(), text.into()))
    }

    #[test]
    fn refs_lead_to_folders_or_service_names() {
        assert_eq!(target("../payments"), Some(Target::Path("../payments".into())));
        assert_eq!(target("file:///abs/x"), Some(Target::Path("/abs/x".into())));
        assert_eq!(target("oci://ghcr.io/acme/users:1.0.0"), Some(Target::Service("users".into())));
        assert_eq!(target("oci://redis"), None);
        assert_eq!(target("https://example.com/x"), None);
        assert_eq!(target(""), None);
    }

    #[test]
    fn summaries_keep_the_dependencies_that_may_lead_into_the_workspace() {
        let (parsed, contract) = model(CONTRACT);
        let summary = summarize(&parsed.tree, &contract);
        assert_eq!((summary.name.as_deref(), summary.version.as_deref()), (Some("orders"), Some("1.0.0")));
        assert_eq!(&CONTRACT[summary.name_span.clone().unwrap()], "orders");
        let refs: Vec<(usize, &str)> =
            summary.dependencies.iter().map(|it| (it.index, &CONTRACT[it.span.clone()])).collect();
        assert_eq!(refs, vec![(0, "../payments"), (1, "oci://ghcr.io/acme/users:1.0.0"), (2, "file://../files")]);
        assert!(names_service(&summary.dependencies[1], "users"));
        assert!(!names_service(&summary.dependencies[0], "payments"));
    }

    #[test]
    fn the_cursor_finds_a_dependency_ref_or_the_service_name() {
        let (parsed, contract) = model(CONTRACT);
        let at = CONTRACT.find("../payments").unwrap() + 2;
        let found = dependency_at(&parsed.tree, &contract, at).unwrap();
        assert_eq!((found.index, found.compatibility.as_deref()), (0, Some("^2.0.0")));
        assert_eq!(dependency_at(&parsed.tree, &contract, CONTRACT.find("name: payments").unwrap()), None);
        let (name, span) = service_name_at(&parsed.tree, CONTRACT.find("orders").unwrap() + 1).unwrap();
        assert_eq!((name.as_str(), &CONTRACT[span]), ("orders", "orders"));
        assert_eq!(service_name_at(&parsed.tree, CONTRACT.find("1.0.0").unwrap()), None);
    }

    #[test]
    fn a_local_bundle_whose_version_misses_the_range_is_a_warning_on_the_range() {
        let (parsed, contract) = model(CONTRACT);
        let found = findings(CONTRACT, &parsed.tree, &contract, &[(0, local("1.4.0")), (2, local("1.0.0"))]);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].code, Code::DEPENDENCY_INCOMPATIBLE);
        assert_eq!(&CONTRACT[found[0].span.clone()], "^2.0.0");
        assert_eq!(
            found[0].message,
            "`../payments` is the workspace bundle at version `1.4.0`, which does not satisfy `^2.0.0`"
        );
        assert!(findings(CONTRACT, &parsed.tree, &contract, &[(0, local("2.1.0"))]).is_empty());
        // `oci://` refs are the registry module's.
        assert!(findings(CONTRACT, &parsed.tree, &contract, &[(1, local("0.1.0"))]).is_empty());
        let odd = findings(CONTRACT, &parsed.tree, &contract, &[(0, local("latest"))]);
        assert!(odd[0].message.contains("is not a semver version"), "{}", odd[0].message);
    }

    #[test]
    fn the_hover_is_the_remote_summary_named_a_workspace_contract() {
        let text = hover_markdown(&local("2.1.0"), Some("^2.0.0"));
        assert!(text.starts_with("**Workspace contract** `payments@2.1.0`"), "{text}");
        assert!(text.contains("Compatibility: ✓"), "{text}");
        assert!(!text.contains("Digest"), "{text}");
    }
}
