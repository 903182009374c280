//! Layer 4: policies. Each policy schema is applied to the whole contract (strict AND).
//!
//! A policy `ref` names another bundle: if its contract declares `policies`, those apply
//! (recursively); otherwise its `policy/schema.json` does. Resolution fails closed.

use std::collections::HashMap;
use std::sync::Arc;

use jsonschema::Validator;
use serde_json::Value;

use crate::core::bundle::{BundleRef, CONTRACT_FILE, FileRead, Unusable, check_bundle_path};
use crate::core::finding::{Anchor, Code, Issue};
use crate::core::model::{Contract, Policy};
use crate::core::path::Path;
use crate::core::rules::{SchemaFileError, compile_schema_bytes};
use crate::core::structural::{self, Wording};
use crate::core::text::excerpt;
use crate::core::yaml;

/// The fixed policy file of a bundle that declares no `policies` of its own.
pub const POLICY_SCHEMA_FILE: &str = "policy/schema.json";

/// How deep policy refs may nest before resolution gives up.
const MAX_REF_DEPTH: usize = 16;

/// Finds the bundle a policy `ref` names, relative to the bundle that declares it.
pub trait PolicyResolver: Send + Sync {
    fn open(&self, from: &BundleRef, reference: &str) -> Result<BundleRef, String>;
}

/// Applies every policy of the contract to its document.
///
/// `bundle` is the contract's own bundle (local `schema` policies need it); without a resolver,
/// `ref` policies are skipped, as upstream's `pack` does.
pub fn enforce(
    contract: &Contract,
    document: &Value,
    bundle: Option<&BundleRef>,
    resolver: Option<&dyn PolicyResolver>,
) -> Vec<Issue> {
    let mut out = Vec::new();
    let mut graph = resolver.map(Graph::new);
    for (index, policy) in contract.policies.iter().enumerate() {
        let at = Path::root().key("policies").index(index);
        let label = format!("policies[\"{}\"]", excerpt(policy.name.as_deref().unwrap_or("")));
        let mut schemas = Vec::new();
        if let Some(file) = policy.schema.as_deref() {
            // Missing or unusable local schema files are errors of the cross-field layer.
            if let Some(bundle) = bundle
                && let Ok(schema) = load_schema(bundle, file)
            {
                schemas.push((label.clone(), schema));
            }
        } else if let (Some(reference), Some(graph), Some(bundle)) =
            (policy.reference.as_deref(), graph.as_mut(), bundle)
        {
            if reference.starts_with("oci://") && crate::core::ociref::parse(&reference[6..]).is_err() {
                continue; // INVALID_POLICY_REF already says so.
            }
            match graph.follow(bundle, reference, 0) {
                Ok((applied, _)) => {
                    let via = format!("{label} -> {}", excerpt(reference));
                    schemas.extend(applied.iter().map(|it| (format!("{via}{}", it.label), it.validator.clone())));
                }
                Err(failure) => {
                    out.push(Issue::new(failure.code(), at.key("ref"), Anchor::Value, failure.message()));
                    continue;
                }
            }
        }
        for (label, validator) in &schemas {
            for described in structural::describe_all(validator, document, Wording::Generic) {
                out.push(Issue::new(
                    Code::POLICY_VIOLATION,
                    described.path,
                    described.anchor,
                    format!("policy {label}: {}", described.message),
                ));
            }
        }
    }
    out
}

/// `POLICY_REF_NOT_ENFORCED` (a warning, as upstream's v3 CLI gives when it validates without a
/// resolver) for every ref policy a check without a bundle or resolver had to skip.
pub fn not_enforced(contract: &Contract) -> Vec<Issue> {
    let mut out = Vec::new();
    for (index, policy) in contract.policies.iter().enumerate() {
        let Some(reference) = policy.reference.as_deref().filter(|it| !it.is_empty()) else { continue };
        if policy.schema.is_some()
            || reference.strip_prefix("oci://").is_some_and(|it| crate::core::ociref::parse(it).is_err())
        {
            continue; // The schema applies, or INVALID_POLICY_REF already says what is wrong.
        }
        out.push(Issue::new(
            Code::POLICY_REF_NOT_ENFORCED,
            Path::root().key("policies").index(index).key("ref"),
            Anchor::Value,
            format!(
                "policy ref `{}` was not enforced: refs are resolved only when the contract is checked in its bundle folder",
                excerpt(reference)
            ),
        ));
    }
    out
}

/// One schema a bundle's policies stand for, with the rest of its label (after the ref that
/// reached the bundle) and its identity (bundle and file), so a schema reached twice applies once.
#[derive(Clone)]
struct Applied {
    label: String,
    validator: Arc<Validator>,
    identity: (String, String),
}

/// Why a policy ref could not be turned into schemas.
#[derive(Clone, Debug)]
enum Failure {
    Unresolved { reference: String, why: String },
    Cycle(Vec<String>),
    TooDeep,
    TooMany,
}

impl Failure {
    fn code(&self) -> Code {
        match self {
            Failure::Cycle(_) => Code::POLICY_REF_CYCLE,
            _ => Code::POLICY_REF_UNRESOLVED,
        }
    }

    fn message(&self) -> String {
        match self {
            Failure::Unresolved { reference, why } => {
                format!("cannot resolve policy ref `{}`: {why}", excerpt(reference))
            }
            Failure::Cycle(chain) => {
                let chain: Vec<String> = chain.iter().map(|it| excerpt(it).into_owned()).collect();
                format!("policy ref cycle: {}", chain.join(" -> "))
            }
            Failure::TooDeep => format!("policy refs nest deeper than {MAX_REF_DEPTH} levels"),
            Failure::TooMany => format!("policy refs reach more than {MAX_BUNDLES} bundles"),
        }
    }
}

/// The policy bundles of one check, each loaded and compiled once: refs form a graph (shared
/// bundles are common), and walking it as a tree would be exponential.
struct Graph<'a> {
    resolver: &'a dyn PolicyResolver,
    /// Finished bundles, with the height of the ref chain below them.
    done: HashMap<String, Resolved>,
    /// The bundles being resolved, outermost first, with the ref that reached each.
    stack: Vec<(String, String)>,
}

/// What a bundle's policies stand for, and the height of the ref chain below it (itself included).
type Resolved = Result<(Arc<[Applied]>, usize), Failure>;

/// How many distinct policy bundles one check may visit.
const MAX_BUNDLES: usize = 256;

impl<'a> Graph<'a> {
    fn new(resolver: &'a dyn PolicyResolver) -> Graph<'a> {
        Graph { resolver, done: HashMap::new(), stack: Vec::new() }
    }

    /// The schemas `reference` (declared in `from`, `depth` refs below the contract) stands for.
    fn follow(&mut self, from: &BundleRef, reference: &str, depth: usize) -> Resolved {
        let unresolved = |why: String| Failure::Unresolved { reference: reference.to_string(), why };
        let target = self.resolver.open(from, reference).map_err(unresolved)?;
        if let Some(at) = self.stack.iter().position(|(id, _)| *id == target.id) {
            let mut chain: Vec<String> = self.stack[at..].iter().map(|(_, it)| it.clone()).collect();
            chain.push(reference.to_string());
            return Err(Failure::Cycle(chain));
        }
        let (applied, height) = match self.done.get(&target.id) {
            Some(done) => done.clone()?,
            None => {
                if self.done.len() >= MAX_BUNDLES {
                    return Err(Failure::TooMany);
                }
                if depth >= MAX_REF_DEPTH {
                    return Err(Failure::TooDeep);
                }
                self.stack.push((target.id.clone(), reference.to_string()));
                let res = self.expand(&target, depth);
                self.stack.pop();
                // Problems of the bundle itself are told against the ref that reached it.
                let res = res.map_err(|failure| match failure {
                    Failure::Unresolved { reference, why } if reference.is_empty() => unresolved(why),
                    other => other,
                });
                // A chain that is too deep from here may be fine from a shorter path: not remembered.
                if !matches!(res, Err(Failure::TooDeep)) {
                    self.done.insert(target.id.clone(), res.clone());
                }
                res?
            }
        };
        if depth + height > MAX_REF_DEPTH {
            return Err(Failure::TooDeep);
        }
        Ok((applied, height))
    }

    /// Loads one bundle's policies: those its contract declares, else its `policy/schema.json`.
    fn expand(&mut self, target: &BundleRef, depth: usize) -> Resolved {
        let here = |why: String| Failure::Unresolved { reference: String::new(), why };
        let declared = match target.files.read(CONTRACT_FILE) {
            FileRead::File(bytes) => declared_policies(&bytes),
            FileRead::Missing => Vec::new(),
            FileRead::Unusable(why) => return Err(here(unusable(CONTRACT_FILE, &why))),
        };
        let mut applied: Vec<Applied> = Vec::new();
        let mut height = 1;
        if declared.is_empty() {
            let schema = match target.files.read(POLICY_SCHEMA_FILE) {
                FileRead::Missing => {
                    return Err(here(format!(
                        "it holds neither {CONTRACT_FILE} with policies nor {POLICY_SCHEMA_FILE}"
                    )));
                }
                _ => load_schema(target, POLICY_SCHEMA_FILE)
                    .map_err(|why| here(format!("{POLICY_SCHEMA_FILE} {why}")))?,
            };
            let identity = (target.id.clone(), POLICY_SCHEMA_FILE.to_string());
            applied.push(Applied { label: String::new(), validator: schema, identity });
            return Ok((applied.into(), height));
        }
        for policy in &declared {
            let label = format!(" policies[\"{}\"]", excerpt(policy.name.as_deref().unwrap_or("")));
            match (&policy.schema, &policy.reference) {
                (Some(file), _) => {
                    let schema = load_schema(target, file).map_err(|why| here(format!("`{}` {why}", excerpt(file))))?;
                    let identity = (target.id.clone(), file.clone());
                    if !applied.iter().any(|it| it.identity == identity) {
                        applied.push(Applied { label, validator: schema, identity });
                    }
                }
                (None, Some(nested)) => {
                    let (below, below_height) = self.follow(target, nested, depth + 1)?;
                    let via = format!("{label} -> {}", excerpt(nested));
                    for item in below.iter() {
                        if !applied.iter().any(|it| it.identity == item.identity) {
                            applied.push(Applied { label: format!("{via}{}", item.label), ..item.clone() });
                        }
                    }
                    height = height.max(below_height + 1);
                }
                (None, None) => return Err(here("a declared policy has neither `schema` nor `ref`".into())),
            }
        }
        Ok((applied.into(), height))
    }
}

/// The message for a policy bundle file that cannot be used.
fn unusable(file: &str, why: &Unusable) -> String {
    match why {
        Unusable::LeavesWorkspace => "it leads outside the workspace".into(),
        other => format!("{file} {other}"),
    }
}

fn declared_policies(bytes: &[u8]) -> Vec<Policy> {
    let Ok(text) = std::str::from_utf8(bytes) else { return Vec::new() };
    let parsed = yaml::parse(text);
    match parsed.tree.document_json() {
        Ok(document) => Contract::from_json(&document).policies,
        Err(_) => Vec::new(),
    }
}

/// Reads and compiles a JSON Schema from a bundle; the error says what went wrong.
fn load_schema(bundle: &BundleRef, file: &str) -> Result<Arc<Validator>, String> {
    check_bundle_path(file)?;
    let bytes = match bundle.files.read(file) {
        FileRead::File(bytes) => bytes,
        FileRead::Missing => return Err("does not exist".into()),
        FileRead::Unusable(why) => return Err(why.to_string()),
    };
    compile_schema_bytes(&bytes).map_err(|error| match error {
        SchemaFileError::Json(error) => format!("is not valid JSON: {error}"),
        SchemaFileError::Schema(error) => format!("is not a valid JSON Schema: {error}"),
    })
}
