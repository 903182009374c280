//! Registry-aware findings (spec §2): what the registries said about a contract's dependency and configuration
//! refs, turned into warnings.
//!
//! The edges ask the registries (off the typing path, through the pull cache); this module only reads their
//! answers. Upstream's validate never fetches these refs, so none of these findings changes a verdict: every one
//! is a warning. `oci://` policy refs are not here: they are resolved by the policy layer and decide the verdict.

use std::collections::HashMap;
use std::sync::Arc;

use crate::core::finding::{Anchor, Code, Finding, Issue};
use crate::core::memo::Memo;
use crate::core::model::Contract;
use crate::core::path::Path;
use crate::core::semver::{Constraints, parse_version};
use crate::core::text::excerpt;
use crate::core::yaml::Tree;

/// One `oci://` ref a contract asks about. Two dependencies with the same ref and range are one question.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Wanted {
    /// The ref as written, `oci://` included.
    pub reference: String,
    /// The dependency's `compatibility` when it is a valid range: it selects the tag of a tagless ref.
    pub compatibility: Option<String>,
}

/// The remote contract a ref resolved to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Remote {
    /// The ref it resolved to (with its tag or digest), without `oci://`.
    pub resolved: String,
    /// The manifest digest (`sha256:…`).
    pub digest: String,
    /// The remote `pacto.yaml`.
    pub contract: Arc<str>,
    /// `service.name`, `service.version` and the owner as one line, when the contract has them.
    pub name: Option<String>,
    pub version: Option<String>,
    pub owner: Option<String>,
    pub pacto_version: Option<String>,
    /// Each interface's name and type.
    pub interfaces: Vec<(String, String)>,
}

impl Remote {
    /// Summarizes a pulled contract.
    pub fn new(resolved: String, digest: String, contract: Arc<str>) -> Remote {
        let parsed = crate::core::yaml::parse(&contract);
        let model = parsed.tree.document_json().map(|it| Contract::from_json(&it)).unwrap_or_default();
        let service = model.service.unwrap_or_default();
        let owner = service.owner.as_ref().and_then(|owner| match owner {
            serde_json::Value::String(team) => Some(team.clone()),
            serde_json::Value::Object(fields) => {
                let parts: Vec<&str> = ["team", "email", "dri"]
                    .iter()
                    .filter_map(|key| fields.get(*key).and_then(|it| it.as_str()))
                    .collect();
                (!parts.is_empty()).then(|| parts.join(", "))
            }
            _ => None,
        });
        let interfaces = model
            .interfaces
            .iter()
            .filter_map(|it| Some((it.name.clone()?, it.kind.map_or("?", |kind| kind.as_str()).to_string())))
            .collect();
        Remote {
            resolved,
            digest,
            name: service.name,
            version: service.version,
            owner,
            pacto_version: model.pacto_version,
            interfaces,
            contract,
        }
    }

    /// Whether the remote version satisfies `compatibility`: `None` when the range or the version is not valid.
    pub fn satisfies(&self, compatibility: &str) -> Option<bool> {
        let range = Constraints::parse(compatibility).ok()?;
        let version = parse_version(self.version.as_deref()?).ok()?;
        Some(range.matches(&version))
    }
}

/// What a registry answered about one [`Wanted`] ref.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// The ref resolved and its bundle was pulled.
    Found(Arc<Remote>),
    /// A tagless ref whose repository has no semver tag satisfying the range; `published` lists the semver tags
    /// it has (highest first).
    NoMatch { published: Vec<String> },
    /// The repository, tag or digest does not exist, or is not a pacto bundle (the message says which).
    NotFound(String),
    /// The registry could not be reached, did not answer in time, or failed (the message names it).
    Unreachable(String),
    /// The registry refused the credentials (the message names it).
    AuthFailed(String),
}

/// The answers for one contract, by question.
pub type Lookups = HashMap<Wanted, Lookup>;

/// The questions a contract asks: its dependencies' and configurations' `oci://` refs that parse, each once.
pub fn wanted(contract: &Contract) -> Vec<Wanted> {
    let dependencies = contract.dependencies.iter().map(|it| (&it.reference, it.compatibility.as_deref()));
    let configurations = contract.configurations.iter().map(|it| (&it.reference, None));
    let mut out: Vec<Wanted> = Vec::new();
    for (reference, compatibility) in dependencies.chain(configurations) {
        let Some(wanted) = reference.as_deref().and_then(|it| wanted_for(it, compatibility)) else { continue };
        if !out.contains(&wanted) {
            out.push(wanted);
        }
    }
    out
}

/// The question a ref asks (the key of [`Lookups`]), or `None` when it is not a valid `oci://` ref. An invalid
/// range is left out: it is reported by the cross-field rules, and the ref resolves as if it had none.
pub fn wanted_for(reference: &str, compatibility: Option<&str>) -> Option<Wanted> {
    // Every keystroke asks this of the same few refs several times (the warnings, the registry questions, the
    // workspace bundles): whether the ref and the range parse is remembered.
    static VALID: Memo<(bool, bool)> = Memo::new(1024);
    let rest = reference.strip_prefix("oci://")?;
    let range = compatibility.unwrap_or_default();
    let key = format!("{}:{rest}{range}", rest.len());
    let (valid_ref, valid_range) = VALID.get_or_compute(key.as_bytes(), || {
        (crate::core::ociref::parse(rest).is_ok(), Constraints::parse(range).is_ok())
    });
    valid_ref.then(|| Wanted {
        reference: reference.to_string(),
        compatibility: compatibility.filter(|_| valid_range).map(str::to_string),
    })
}

/// The warnings the answers give, located in `text`. Refs without an answer give nothing (not asked yet).
pub fn findings(text: &str, tree: &Tree, contract: &Contract, lookups: &Lookups) -> Vec<Finding> {
    let mut issues = Vec::new();
    for (index, dependency) in contract.dependencies.iter().enumerate() {
        let at = Path::root().key("dependencies").index(index);
        let Some(reference) = dependency.reference.as_deref() else { continue };
        let Some(wanted) = wanted_for(reference, dependency.compatibility.as_deref()) else { continue };
        let Some(lookup) = lookups.get(&wanted) else { continue };
        let range_at = match dependency.compatibility {
            Some(_) => at.key("compatibility"),
            None => at.key("ref"),
        };
        let shown = excerpt(reference);
        match lookup {
            Lookup::Found(remote) => {
                let Some(compatibility) = wanted.compatibility.as_deref() else { continue };
                let version = remote.version.as_deref().unwrap_or("");
                let message = match remote.satisfies(compatibility) {
                    Some(true) => continue,
                    Some(false) => format!(
                        "`{shown}` resolved to version `{}`, which does not satisfy `{}`",
                        excerpt(version),
                        excerpt(compatibility)
                    ),
                    None => format!(
                        "`{shown}` resolved to a contract whose `service.version` `{}` is not a semver version, so \
                         `{}` cannot be checked",
                        excerpt(version),
                        excerpt(compatibility)
                    ),
                };
                issues.push(Issue::new(Code::DEPENDENCY_INCOMPATIBLE, range_at, Anchor::Value, message));
            }
            Lookup::NoMatch { published } if !published.is_empty() => {
                let range = wanted.compatibility.as_deref().unwrap_or("any version");
                let shown_tags: Vec<String> = published.iter().take(5).map(|it| format!("`{}`", excerpt(it))).collect();
                let more = if published.len() > 5 { ", …" } else { "" };
                issues.push(Issue::new(
                    Code::DEPENDENCY_INCOMPATIBLE,
                    range_at,
                    Anchor::Value,
                    format!(
                        "no published version of `{shown}` satisfies `{}` (published: {}{more})",
                        excerpt(range),
                        shown_tags.join(", ")
                    ),
                ));
            }
            Lookup::NoMatch { .. } => issues.push(Issue::new(
                Code::DEPENDENCY_NOT_FOUND,
                at.key("ref"),
                Anchor::Value,
                format!("`{shown}` has no semver tag to resolve to; add a tag or a digest to the ref"),
            )),
            other => issues.extend(failure(other, at.key("ref"), "dependency")),
        }
    }
    for (index, configuration) in contract.configurations.iter().enumerate() {
        let Some(reference) = configuration.reference.as_deref() else { continue };
        let Some(wanted) = wanted_for(reference, None) else { continue };
        let at = Path::root().key("configurations").index(index).key("ref");
        match lookups.get(&wanted) {
            Some(Lookup::NoMatch { .. }) => issues.push(Issue::new(
                Code::DEPENDENCY_NOT_FOUND,
                at,
                Anchor::Value,
                format!("configuration bundle `{}` has no semver tag to resolve to", excerpt(reference)),
            )),
            Some(other) => issues.extend(failure(other, at, "configuration bundle")),
            None => {}
        }
    }
    issues.into_iter().map(|it| it.into_finding(text, tree)).collect()
}

/// The warning for a failed lookup (`None` for the answers that are not failures).
fn failure(lookup: &Lookup, at: Path, what: &str) -> Option<Issue> {
    let (code, message) = match lookup {
        Lookup::NotFound(message) => (Code::DEPENDENCY_NOT_FOUND, format!("{what} not found: {message}")),
        Lookup::Unreachable(message) => (Code::REGISTRY_UNREACHABLE, message.clone()),
        Lookup::AuthFailed(message) => (Code::REGISTRY_AUTH_FAILED, message.clone()),
        Lookup::Found(_) | Lookup::NoMatch { .. } => return None,
    };
    Some(Issue::new(code, at, Anchor::Value, message))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::finding::Severity;

    const CONTRACT: &str = "\
pactoVersion: \"1.0\"
service: {name: svc, version: 1.0.0}
dependencies:
  - name: db
    ref: oci://reg.example/acme/db:1.0.0
    compatibility: ^2.0.0
  - name: cache
    ref: oci://reg.example/acme/cache
    compatibility: ^3
  - name: queue
    ref: oci://down.example/acme/queue:1.0.0
  - name: local
    ref: ./local
configurations:
  - name: shared
    ref: oci://reg.example/acme/config:1.0.0
";

    fn model(text: &str) -> (crate::core::yaml::Parsed, Contract) {
        let parsed = crate::core::yaml::parse(text);
        let contract = Contract::from_json(&parsed.tree.document_json().unwrap());
        (parsed, contract)
    }

    fn remote(version: &str) -> Arc<Remote> {
        let text = format!(
            "pactoVersion: \"1.0\"\nservice:\n  name: db\n  version: {version}\n  owner: {{team: data}}\n\
             interfaces:\n  - {{name: sql, type: grpc}}\n"
        );
        Arc::new(Remote::new("reg.example/acme/db:1.0.0".into(), "sha256:00".into(), text.into()))
    }

    #[test]
    fn wanted_lists_each_valid_oci_ref_once_with_its_valid_range() {
        let (_, contract) = model(CONTRACT);
        let refs: Vec<(String, Option<String>)> =
            wanted(&contract).into_iter().map(|it| (it.reference, it.compatibility)).collect();
        assert_eq!(
            refs,
            vec![
                ("oci://reg.example/acme/db:1.0.0".into(), Some("^2.0.0".into())),
                ("oci://reg.example/acme/cache".into(), Some("^3".into())),
                ("oci://down.example/acme/queue:1.0.0".into(), None),
                ("oci://reg.example/acme/config:1.0.0".into(), None),
            ]
        );
    }

    #[test]
    fn remote_summary_reads_the_contract() {
        let remote = remote("2.1.0");
        assert_eq!(remote.name.as_deref(), Some("db"));
        assert_eq!(remote.version.as_deref(), Some("2.1.0"));
        assert_eq!(remote.owner.as_deref(), Some("data"));
        assert_eq!(remote.interfaces, vec![("sql".to_string(), "grpc".to_string())]);
        assert_eq!(remote.satisfies("^2.0.0"), Some(true));
        assert_eq!(remote.satisfies("^3"), Some(false));
        assert_eq!(remote.satisfies("not a range"), None);
    }

    #[test]
    fn answers_become_warnings_at_the_ref_or_the_range() {
        let (parsed, contract) = model(CONTRACT);
        let all = wanted(&contract);
        let mut lookups = Lookups::new();
        lookups.insert(all[0].clone(), Lookup::Found(remote("1.0.0")));
        lookups.insert(all[1].clone(), Lookup::NoMatch { published: vec!["2.0.0".into(), "1.0.0".into()] });
        lookups.insert(all[2].clone(), Lookup::Unreachable("registry `down.example` is unreachable".into()));
        lookups.insert(all[3].clone(), Lookup::AuthFailed("authentication failed for `reg.example`".into()));
        let found = findings(CONTRACT, &parsed.tree, &contract, &lookups);
        let summary: Vec<(Code, String, &str)> =
            found.iter().map(|it| (it.code, it.path.to_string(), &CONTRACT[it.span.clone()])).collect();
        assert_eq!(
            summary,
            vec![
                (Code::DEPENDENCY_INCOMPATIBLE, "dependencies[0].compatibility".into(), "^2.0.0"),
                (Code::DEPENDENCY_INCOMPATIBLE, "dependencies[1].compatibility".into(), "^3"),
                (Code::REGISTRY_UNREACHABLE, "dependencies[2].ref".into(), "oci://down.example/acme/queue:1.0.0"),
                (Code::REGISTRY_AUTH_FAILED, "configurations[0].ref".into(), "oci://reg.example/acme/config:1.0.0"),
            ]
        );
        assert!(found.iter().all(|it| it.severity == Severity::Warning));
        assert_eq!(
            found[0].message,
            "`oci://reg.example/acme/db:1.0.0` resolved to version `1.0.0`, which does not satisfy `^2.0.0`"
        );
        assert_eq!(
            found[1].message,
            "no published version of `oci://reg.example/acme/cache` satisfies `^3` (published: `2.0.0`, `1.0.0`)"
        );
    }

    #[test]
    fn a_satisfied_range_and_an_unasked_ref_give_nothing() {
        let (parsed, contract) = model(CONTRACT);
        let all = wanted(&contract);
        let mut lookups = Lookups::new();
        lookups.insert(all[0].clone(), Lookup::Found(remote("2.3.0")));
        assert!(findings(CONTRACT, &parsed.tree, &contract, &lookups).is_empty());
        lookups.insert(all[0].clone(), Lookup::NotFound("`oci://reg.example/acme/db:1.0.0` does not exist".into()));
        let found = findings(CONTRACT, &parsed.tree, &contract, &lookups);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].code, Code::DEPENDENCY_NOT_FOUND);
        assert_eq!(found[0].message, "dependency not found: `oci://reg.example/acme/db:1.0.0` does not exist");
    }
}
