//! Bundle files: referenced files must exist, parse, and (for JSON Schemas) compile; configuration
//! `values` are checked against their schema.

use std::collections::HashMap;
use std::sync::Arc;

use jsonschema::Validator;
use serde_json::Value;

use super::Context;
use crate::core::bundle::{BundleFiles, FileRead, check_bundle_path};
use crate::core::finding::{Anchor, Code, Issue};
use crate::core::memo::Memo;
use crate::core::path::Path;
use crate::core::structural::{self, Wording};
use crate::core::text::excerpt;
use crate::core::yaml;

pub(super) fn check(ctx: &Context<'_>, out: &mut Vec<Issue>) {
    for (index, configuration) in ctx.contract.configurations.iter().enumerate() {
        let at = Path::root().key("configurations").index(index);
        let has_values = configuration.values.as_ref().is_some_and(|it| !it.is_empty());
        if has_values && configuration.schema.is_none() && configuration.reference.is_none() {
            out.push(Issue::new(
                Code::VALUES_WITHOUT_SCHEMA,
                at.key("values"),
                Anchor::Key,
                "`values` need a `schema` (or a `ref`) to be checked against",
            ));
        }
    }
    let Some(bundle) = ctx.bundle else { return };
    // Many interfaces often share one file: read and check each file once per check.
    // 1.x names an interface's file in `contract` (YAML files must parse); 2.0 in `ref` (every
    // spec must parse: `.yaml`/`.yml` as YAML, anything else as JSON, as upstream's v3 CLI does).
    let v2 = ctx.is_v2();
    let (field, code) = match v2 {
        true => ("ref", Code::INVALID_INTERFACE_SPEC),
        false => ("contract", Code::INVALID_CONTRACT_FILE),
    };
    let mut checked: HashMap<&str, Result<Option<String>, Issue>> = HashMap::new();
    for (index, interface) in ctx.contract.interfaces.iter().enumerate() {
        let file = match v2 {
            true => interface.reference.as_deref(),
            false => interface.contract.as_deref(),
        };
        let Some(file) = file.filter(|it| !it.is_empty()) else { continue };
        let at = Path::root().key("interfaces").index(index).key(field);
        let outcome = checked.entry(file).or_insert_with(|| {
            let mut missing = Vec::new();
            let bytes = read(bundle, file, &Path::root(), &mut missing);
            let is_yaml = file.ends_with(".yaml") || file.ends_with(".yml");
            match (bytes, missing.pop()) {
                (_, Some(issue)) => Err(issue),
                (Some(bytes), None) if is_yaml => Ok(yaml_problem(&bytes).map(|it| format!("not valid YAML: {it}"))),
                (Some(bytes), None) if v2 => Ok(json_problem(&bytes).map(|it| format!("not valid JSON: {it}"))),
                _ => Ok(None),
            }
        });
        match outcome {
            Err(issue) => out.push(Issue { path: at, ..issue.clone() }),
            Ok(Some(problem)) => {
                out.push(Issue::new(code, at, Anchor::Value, format!("`{}` is {problem}", excerpt(file))))
            }
            Ok(None) => {}
        }
    }
    for (index, configuration) in ctx.contract.configurations.iter().enumerate() {
        let Some(file) = configuration.schema.as_deref().filter(|it| !it.is_empty()) else { continue };
        let at = Path::root().key("configurations").index(index);
        let Some(bytes) = read(bundle, file, &at.key("schema"), out) else { continue };
        let kinds = SchemaCodes { json: Code::INVALID_CONFIG_JSON, schema: Code::INVALID_CONFIG_SCHEMA };
        let Some(validator) = compile(&bytes, file, &at.key("schema"), kinds, out) else { continue };
        let Some(values) = configuration.values.as_ref().filter(|it| !it.is_empty()) else { continue };
        let instance = Value::Object(values.clone());
        for described in structural::describe_all(&validator, &instance, Wording::Generic) {
            let mut path = at.key("values");
            for segment in described.path.segments() {
                path.push(segment.clone());
            }
            out.push(Issue::new(
                Code::CONFIG_VALUES_VALIDATION_FAILED,
                path,
                described.anchor,
                format!(
                    "configuration values do not match `{}`: {}",
                    excerpt(file),
                    relabel(&described.message, "the values")
                ),
            ));
        }
    }
    for (index, policy) in ctx.contract.policies.iter().enumerate() {
        let Some(file) = policy.schema.as_deref().filter(|it| !it.is_empty()) else { continue };
        let at = Path::root().key("policies").index(index).key("schema");
        let Some(bytes) = read(bundle, file, &at, out) else { continue };
        let kinds = SchemaCodes { json: Code::INVALID_POLICY_JSON, schema: Code::INVALID_POLICY_SCHEMA };
        compile(&bytes, file, &at, kinds, out);
    }
}

/// Reads a referenced file, reporting `FILE_NOT_FOUND` when it is not in the bundle and
/// `FILE_UNREADABLE` when it cannot be used (a directory, a special file, a link out of the bundle,
/// too large, unreadable). Returns the bytes of a readable regular file.
fn read(bundle: &dyn BundleFiles, file: &str, at: &Path, out: &mut Vec<Issue>) -> Option<std::sync::Arc<[u8]>> {
    if let Err(problem) = check_bundle_path(file) {
        out.push(Issue::new(Code::FILE_NOT_FOUND, at.clone(), Anchor::Value, problem));
        return None;
    }
    match bundle.read(file) {
        FileRead::File(bytes) => Some(bytes),
        FileRead::Unusable(why) => {
            out.push(Issue::new(
                Code::FILE_UNREADABLE,
                at.clone(),
                Anchor::Value,
                format!("`{}` {why}", excerpt(file)),
            ));
            None
        }
        FileRead::Missing => {
            out.push(Issue::new(
                Code::FILE_NOT_FOUND,
                at.clone(),
                Anchor::Value,
                format!("`{}` does not exist in the bundle", excerpt(file)),
            ));
            None
        }
    }
}

struct SchemaCodes {
    json: Code,
    schema: Code,
}

/// Parses and compiles a JSON Schema file, reporting what is wrong with it.
fn compile(bytes: &[u8], file: &str, at: &Path, codes: SchemaCodes, out: &mut Vec<Issue>) -> Option<Arc<Validator>> {
    match compile_schema_bytes(bytes) {
        Ok(validator) => Some(validator),
        Err(SchemaFileError::Json(error)) => {
            out.push(Issue::new(
                codes.json,
                at.clone(),
                Anchor::Value,
                format!("`{}` is not valid JSON: {error}", excerpt(file)),
            ));
            None
        }
        Err(SchemaFileError::Schema(error)) => {
            out.push(Issue::new(
                codes.schema,
                at.clone(),
                Anchor::Value,
                format!("`{}` is not a valid JSON Schema: {error}", excerpt(file)),
            ));
            None
        }
    }
}

/// Why a schema file could not be used.
#[derive(Clone, Debug)]
pub(crate) enum SchemaFileError {
    Json(String),
    Schema(String),
}

/// Parses and compiles a JSON Schema file's bytes, once per distinct content.
pub(crate) fn compile_schema_bytes(bytes: &[u8]) -> Result<Arc<Validator>, SchemaFileError> {
    static COMPILED: Memo<Result<Arc<Validator>, SchemaFileError>> = Memo::new(256);
    COMPILED.get_or_compute(bytes, || {
        let document: Value =
            serde_json::from_slice(bytes).map_err(|error| SchemaFileError::Json(error.to_string()))?;
        compile_schema(&document).map(Arc::new).map_err(SchemaFileError::Schema)
    })
}

/// Compiles a user-supplied JSON Schema (draft from its `$schema`, 2020-12 by default; formats
/// are annotations, as upstream's validator treats them).
pub(crate) fn compile_schema(document: &Value) -> Result<Validator, String> {
    if !matches!(document, Value::Object(_) | Value::Bool(_)) {
        return Err("a schema must be a JSON object".into());
    }
    jsonschema::options().should_validate_formats(false).build(document).map_err(|error| {
        match error.instance_path().as_str() {
            "" => error.to_string(),
            at => format!("at `{at}`: {error}"),
        }
    })
}

/// Why a YAML file does not parse the way upstream's decoder would accept it, if it does not
/// (once per distinct content).
fn yaml_problem(bytes: &[u8]) -> Option<String> {
    static CHECKED: Memo<Option<String>> = Memo::new(1024);
    CHECKED.get_or_compute(bytes, || {
        let text = match std::str::from_utf8(bytes) {
            Ok(it) => it,
            Err(error) => return Some(format!("invalid UTF-8 at byte {}", error.valid_up_to())),
        };
        let parsed = yaml::parse(text);
        let problem = parsed.problems.iter().find(|it| it.kind != yaml::ProblemKind::ExtraDocument)?;
        let line = text[..problem.span.start.min(text.len())].matches('\n').count() + 1;
        Some(format!("line {line}: {}", problem.message))
    })
}

/// Why a file does not parse as JSON (upstream reads every non-YAML interface spec as JSON), if
/// it does not (once per distinct content).
fn json_problem(bytes: &[u8]) -> Option<String> {
    static CHECKED: Memo<Option<String>> = Memo::new(1024);
    CHECKED
        .get_or_compute(bytes, || serde_json::from_slice::<serde::de::IgnoredAny>(bytes).err().map(|it| it.to_string()))
}

/// Generic schema messages talk about "the contract" at the root; say what the root really is.
fn relabel(message: &str, root: &str) -> String {
    message.replacen("the contract", root, 1)
}
