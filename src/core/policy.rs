//! Layer 4: policies. Each policy schema is applied to the whole contract (strict AND).
//!
//! A policy `ref` names another bundle: if its contract declares `policies`, those apply
//! (recursively); otherwise its `policy/schema.json` does. Resolution fails closed.

use std::path::PathBuf;
use std::sync::Arc;

use jsonschema::Validator;
use serde_json::Value;

use crate::core::bundle::{BundleRef, CONTRACT_FILE, FileRead, check_bundle_path};
use crate::core::finding::{Code, Issue};
use crate::core::model::{Contract, Policy};
use crate::core::path::Path;
use crate::core::rules::{SchemaFileError, compile_schema_bytes};
use crate::core::structural::{self, Wording};
use crate::core::yaml;

/// The fixed policy file of a bundle that declares no `policies` of its own.
pub const POLICY_SCHEMA_FILE: &str = "policy/schema.json";

/// How deep policy refs may nest before resolution gives up.
const MAX_REF_DEPTH: usize = 16;

/// Finds the bundle a policy `ref` names, relative to the bundle that declares it.
pub trait PolicyResolver: Send + Sync {
    fn open(&self, from: &BundleRef, reference: &str) -> Result<BundleRef, String>;
}

/// Resolves `file://` and bare-path refs on disk. `oci://` refs need a registry client and are
/// reported as unresolved by this resolver.
#[derive(Clone, Copy, Debug, Default)]
pub struct LocalResolver;

impl PolicyResolver for LocalResolver {
    fn open(&self, from: &BundleRef, reference: &str) -> Result<BundleRef, String> {
        if reference.starts_with("oci://") {
            return Err("OCI policy refs need the registry client, which this checker does not have".into());
        }
        let local = reference.strip_prefix("file://").unwrap_or(reference);
        let path = PathBuf::from(&from.id).join(local);
        let root = path.canonicalize().map_err(|error| format!("`{}`: {error}", path.display()))?;
        if !root.join(CONTRACT_FILE).is_file() && !root.join(POLICY_SCHEMA_FILE).is_file() {
            return Err(format!("`{}` holds neither {CONTRACT_FILE} nor {POLICY_SCHEMA_FILE}", root.display()));
        }
        Ok(BundleRef::directory(&root))
    }
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
    for (index, policy) in contract.policies.iter().enumerate() {
        let at = Path::root().key("policies").index(index);
        let label = format!("policies[\"{}\"]", policy.name.as_deref().unwrap_or(""));
        let mut schemas = Vec::new();
        if let Some(file) = policy.schema.as_deref() {
            // Missing or broken local schema files are reported by the cross-field layer.
            if let Some(bundle) = bundle
                && let Ok(schema) = load_schema(bundle, file)
            {
                schemas.push((label.clone(), schema));
            }
        } else if let (Some(reference), Some(resolver), Some(bundle)) = (policy.reference.as_deref(), resolver, bundle)
        {
            if reference.starts_with("oci://") && crate::core::ociref::parse(&reference[6..]).is_err() {
                continue; // INVALID_POLICY_REF already says so.
            }
            let mut chain = Vec::new();
            if let Err((code, message)) = collect(resolver, bundle, reference, &label, &mut chain, &mut schemas) {
                out.push(Issue::new(code, at.key("ref"), crate::core::finding::Anchor::Value, message));
                continue;
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

/// Resolves one ref into the schemas it stands for, following nested refs.
fn collect(
    resolver: &dyn PolicyResolver,
    from: &BundleRef,
    reference: &str,
    label: &str,
    chain: &mut Vec<(String, String)>,
    schemas: &mut Vec<(String, Arc<Validator>)>,
) -> Result<(), (Code, String)> {
    let link = (from.id.clone(), reference.to_string());
    if chain.contains(&link) {
        let cycle: Vec<&str> = chain.iter().map(|(_, it)| it.as_str()).chain([reference]).collect();
        return Err((Code::POLICY_REF_CYCLE, format!("policy ref cycle: {}", cycle.join(" -> "))));
    }
    if chain.len() >= MAX_REF_DEPTH {
        return Err((Code::POLICY_REF_UNRESOLVED, format!("policy refs nest deeper than {MAX_REF_DEPTH} levels")));
    }
    let unresolved =
        |why: String| (Code::POLICY_REF_UNRESOLVED, format!("cannot resolve policy ref `{reference}`: {why}"));
    let target = resolver.open(from, reference).map_err(unresolved)?;
    chain.push(link);
    let declared = match target.files.read(CONTRACT_FILE) {
        FileRead::File(bytes) => declared_policies(&bytes),
        _ => Vec::new(),
    };
    let res = if declared.is_empty() {
        let schema = load_schema(&target, POLICY_SCHEMA_FILE)
            .map_err(|why| unresolved(format!("it declares no policies and {POLICY_SCHEMA_FILE} {why}")))?;
        schemas.push((format!("{label} -> {reference}"), schema));
        Ok(())
    } else {
        declared.iter().try_for_each(|policy| {
            let inner = format!("{label} -> {reference} policies[\"{}\"]", policy.name.as_deref().unwrap_or(""));
            match (&policy.schema, &policy.reference) {
                (Some(file), _) => {
                    let schema = load_schema(&target, file).map_err(|why| unresolved(format!("`{file}` {why}")))?;
                    schemas.push((inner, schema));
                    Ok(())
                }
                (None, Some(nested)) => collect(resolver, &target, nested, &inner, chain, schemas),
                (None, None) => Err(unresolved("a declared policy has neither `schema` nor `ref`".into())),
            }
        })
    };
    chain.pop();
    res
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
        FileRead::Directory => return Err("is a directory".into()),
        FileRead::Unreadable(why) => return Err(format!("cannot be read: {why}")),
    };
    compile_schema_bytes(&bytes).map_err(|error| match error {
        SchemaFileError::Json(error) => format!("is not valid JSON: {error}"),
        SchemaFileError::Schema(error) => format!("is not a valid JSON Schema: {error}"),
    })
}
