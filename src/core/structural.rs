//! Layer 1: JSON Schema validation, with each error mapped to a path, an anchor and a readable
//! message (never a dump of every `oneOf` branch).

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{ValidationError, Validator};
use serde_json::Value;

use crate::core::finding::{Anchor, Detail};
use crate::core::path::{Path, Segment};
use crate::core::schema::{Compatibility, SchemaVersion};
use crate::core::text::excerpt;

/// One schema error, described.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Described {
    pub path: Path,
    pub anchor: Anchor,
    pub message: String,
    /// What the problem is about: the missing property for `required`, else `path`. A cross-field
    /// finding with the same subject reports the same problem more precisely and replaces this one.
    pub subject: Path,
    /// Typed facts for quick fixes: the missing key, the unknown key.
    pub detail: Option<Detail>,
}

/// Whose schema is being applied: the contract schema gets Pacto-specific wording.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wording {
    Contract(SchemaVersion, Compatibility),
    Generic,
}

/// Validates the document against the schema of `version` (as `compatibility` reads it).
pub fn check(version: SchemaVersion, compatibility: Compatibility, document: &Value) -> Vec<Described> {
    describe_all(version.validator_for(compatibility), document, Wording::Contract(version, compatibility))
}

/// Validates `instance` with any validator and describes every error.
pub fn describe_all(validator: &Validator, instance: &Value, wording: Wording) -> Vec<Described> {
    // Most documents are valid: asking that first skips building errors (and their paths) at all.
    if validator.is_valid(instance) {
        return Vec::new();
    }
    let mut out = Vec::new();
    for error in validator.iter_errors(instance) {
        describe(&error, instance, wording, &mut out);
    }
    out.dedup();
    out
}

fn describe(error: &ValidationError<'_>, document: &Value, wording: Wording, out: &mut Vec<Described>) {
    let path = pointer_to_path(document, error.instance_path().as_str());
    let instance = error.instance();
    let at = display_path(&path);
    let mut push = |path: Path, anchor: Anchor, message: String| {
        out.push(Described { subject: path.clone(), path, anchor, message, detail: None });
    };
    match error.kind() {
        ValidationErrorKind::AdditionalProperties { unexpected }
        | ValidationErrorKind::UnevaluatedProperties { unexpected } => {
            for key in unexpected {
                let message = unknown_key_message(&path, key, wording);
                let (at, detail) = (path.key(key), Some(Detail::UnknownKey(key.clone())));
                out.push(Described { subject: at.clone(), path: at, anchor: Anchor::Key, message, detail });
            }
        }
        ValidationErrorKind::Required { property } => {
            let property = property.as_str().unwrap_or_default();
            let message = required_message(&path, property, document);
            let detail = Some(Detail::MissingKeys(vec![property.to_string()]));
            out.push(Described { subject: path.key(property), path, anchor: Anchor::Object, message, detail });
        }
        ValidationErrorKind::Type { kind } => {
            let expected = match kind {
                TypeKind::Single(single) => single.to_string(),
                TypeKind::Multiple(set) => {
                    let names: Vec<String> = set.iter().map(|it| it.to_string()).collect();
                    names.join(" or ")
                }
            };
            let message = match &**instance {
                Value::String(_) if is_owner(&path, wording) => {
                    "service.owner must be an object with `team`, `dri` and/or `contacts`; this format no longer accepts a plain-string owner (write `owner: {team: NAME}`)".to_string()
                }
                Value::Null => format!("{at} is empty; it must be {}", with_article(&expected)),
                other => format!("{at} must be {}, not {}", with_article(&expected), type_name(other)),
            };
            push(path, Anchor::Value, message);
        }
        ValidationErrorKind::Enum { options } => {
            let choices = options.as_array().map(|it| quote_list(it)).unwrap_or_default();
            let message = format!("{} is not a valid value for {at}; expected one of {choices}", short(instance));
            push(path, Anchor::Value, message);
        }
        ValidationErrorKind::Constant { expected_value } => {
            push(path, Anchor::Value, format!("{at} must be {}", short(expected_value)));
        }
        ValidationErrorKind::Pattern { pattern } => {
            let message = format!("{} is not a valid {at}: use {}", short(instance), pattern_meaning(pattern));
            push(path, Anchor::Value, message);
        }
        ValidationErrorKind::MinLength { limit } => {
            let message = match limit {
                1 => format!("{at} must not be empty"),
                n => format!("{at} must be at least {n} characters long"),
            };
            push(path, Anchor::Value, message);
        }
        ValidationErrorKind::MaxLength { limit } => {
            push(path, Anchor::Value, format!("{at} must be at most {limit} characters long"));
        }
        ValidationErrorKind::Minimum { limit } => {
            push(path, Anchor::Value, format!("{at} must be at least {limit}, not {}", short(instance)));
        }
        ValidationErrorKind::Maximum { limit } => {
            push(path, Anchor::Value, format!("{at} must be at most {limit}, not {}", short(instance)));
        }
        ValidationErrorKind::ExclusiveMinimum { limit } => {
            push(path, Anchor::Value, format!("{at} must be greater than {limit}"));
        }
        ValidationErrorKind::ExclusiveMaximum { limit } => {
            push(path, Anchor::Value, format!("{at} must be less than {limit}"));
        }
        ValidationErrorKind::MinItems { limit } => {
            let noun = if *limit == 1 { "item" } else { "items" };
            push(path, Anchor::Object, format!("{at} must list at least {limit} {noun}"));
        }
        ValidationErrorKind::MaxItems { limit } => {
            push(path, Anchor::Object, format!("{at} must list at most {limit} items"));
        }
        ValidationErrorKind::MinProperties { limit } => {
            let message = match limit {
                1 => format!("{at} must not be empty"),
                n => format!("{at} needs at least {n} keys"),
            };
            push(path, Anchor::Object, message);
        }
        ValidationErrorKind::OneOfNotValid { context } => {
            describe_one_of(&path, instance, context, document, wording, out);
        }
        ValidationErrorKind::OneOfMultipleValid { .. } => {
            push(path, Anchor::Object, format!("{at} matches more than one of the allowed shapes"));
        }
        ValidationErrorKind::AnyOf { .. } => {
            push(path, Anchor::Object, format!("{at} does not match any of the allowed shapes"));
        }
        ValidationErrorKind::Not { .. } | ValidationErrorKind::FalseSchema => {
            push(path, Anchor::Key, format!("{at} is not allowed here"));
        }
        ValidationErrorKind::UniqueItems => push(path, Anchor::Object, format!("{at} must not repeat items")),
        _ => push(path, Anchor::Value, format!("{at}: {error}")),
    }
}

/// `oneOf` failures: Pacto's known alternatives get a message saying which shapes are allowed;
/// elsewhere, the branch whose type fits the value explains the problem.
fn describe_one_of(
    path: &Path,
    instance: &Value,
    context: &[Vec<ValidationError<'static>>],
    document: &Value,
    wording: Wording,
    out: &mut Vec<Described>,
) {
    let at = display_path(path);
    let object = instance.as_object();
    let has = |key: &str| object.is_some_and(|it| it.contains_key(key));
    let shape = |message: String| Described {
        path: path.clone(),
        anchor: Anchor::Object,
        message,
        subject: path.clone(),
        detail: None,
    };
    if let (Wording::Contract(..), Some(_)) = (wording, object) {
        match path.segments() {
            [Segment::Key(key)] if &**key == "scaling" => {
                let message = match (has("replicas"), has("min"), has("max")) {
                    (true, _, _) => "scaling takes either `replicas` or both `min` and `max`, not both".to_string(),
                    (false, true, false) => "scaling needs `max` as well as `min` (or `replicas` alone)".to_string(),
                    (false, false, true) => "scaling needs `min` as well as `max` (or `replicas` alone)".to_string(),
                    _ => "scaling needs either `replicas` or both `min` and `max`".to_string(),
                };
                out.push(shape(message));
                return;
            }
            [Segment::Key(list), Segment::Index(_)] if &**list == "configurations" => {
                let described = match (has("schema"), has("ref"), has("values")) {
                    (true, true, _) => shape(format!("{at} takes either `schema` or `ref`, not both")),
                    (false, true, true) => Described {
                        path: path.key("values"),
                        anchor: Anchor::Key,
                        message: format!("{at} has a `ref`, so it takes no `values`; `values` need a local `schema`"),
                        subject: path.key("values"),
                        detail: None,
                    },
                    (false, false, true) => Described {
                        path: path.key("values"),
                        anchor: Anchor::Key,
                        message: format!("{at} has `values` but neither `schema` nor `ref` to check them against"),
                        subject: path.key("values"),
                        detail: None,
                    },
                    _ => shape(format!("{at} needs either a `schema` file or a `ref` to another bundle")),
                };
                out.push(described);
                return;
            }
            [Segment::Key(list), Segment::Index(_)] if &**list == "capabilities" => {
                describe_capability_shape(path, instance, out);
                return;
            }
            [Segment::Key(list), Segment::Index(_)] if &**list == "policies" => {
                let message = match has("schema") && has("ref") {
                    true => format!("{at} takes either `schema` or `ref`, not both"),
                    false => format!("{at} needs either a `schema` file or a `ref` to a policy bundle"),
                };
                out.push(shape(message));
                return;
            }
            _ => {}
        }
    }
    let fitting: Vec<&Vec<ValidationError<'static>>> = context
        .iter()
        .filter(|branch| {
            !branch.iter().any(|error| {
                matches!(error.kind(), ValidationErrorKind::Type { .. })
                    && pointer_to_path(document, error.instance_path().as_str()) == *path
            })
        })
        .collect();
    match fitting.as_slice() {
        [branch] => {
            for error in branch.iter() {
                describe(error, document, wording, out);
            }
        }
        _ if is_owner(path, wording) => out.push(Described {
            path: path.clone(),
            anchor: Anchor::Value,
            message: "service.owner must be a team name or an object with `team`, `dri` and/or `contacts`".into(),
            subject: path.clone(),
            detail: None,
        }),
        _ => out.push(shape(format!("{at} does not match any of the allowed shapes"))),
    }
}

/// A capability matches neither shape: a standard one (health, metrics) without `ref`, or an
/// extension with `ref` and without `binding`. A missing or unknown `type` is reported by its own
/// error (and the cross-field rules), so only the `ref` and `binding` problems are described here.
fn describe_capability_shape(path: &Path, instance: &Value, out: &mut Vec<Described>) {
    let has = |key: &str| instance.get(key).is_some();
    let described = |key: &str, anchor: Anchor, message: String| Described {
        path: path.key(key),
        anchor,
        message,
        subject: path.key(key),
        detail: None,
    };
    match instance.get("type").and_then(Value::as_str) {
        Some(kind @ ("health" | "metrics")) if has("ref") => out.push(described(
            "ref",
            Anchor::Key,
            format!("a `{kind}` capability takes no `ref`; only `extension` capabilities are named by a ref"),
        )),
        Some("extension") if !has("ref") => out.push(described(
            "ref",
            Anchor::Object,
            "an `extension` capability needs a namespaced `ref` (e.g. `example.com/feature-flags`)".into(),
        )),
        Some("extension") if has("binding") => out.push(described(
            "binding",
            Anchor::Key,
            "an `extension` capability takes no `binding`; bindings are for `health` and `metrics`".into(),
        )),
        _ => {}
    }
}

fn is_owner(path: &Path, wording: Wording) -> bool {
    matches!(wording, Wording::Contract(..)) && path.to_string() == "service.owner"
}

fn unknown_key_message(parent: &Path, key: &str, wording: Wording) -> String {
    let Wording::Contract(version, compatibility) = wording else {
        return format!("unknown key `{}` in {}", excerpt(key), display_path(parent));
    };
    if let Some(message) = removed_in_2_0(version, parent, key).or_else(|| per_item_expiry(version, parent, key)) {
        return message;
    }
    if parent.is_root() {
        match key {
            "readiness" if compatibility == Compatibility::V2 => {
                return format!(
                    "`readiness` needs `pactoVersion: \"1.2\"` (or \"2.0\"); under the v2 CLI's rules the {} format has no readiness section",
                    version.as_str()
                );
            }
            "readiness" => {
                return "`readiness` needs `pactoVersion: \"1.1\"`; the 1.0 format has no readiness section".into();
            }
            "configuration" => {
                return "unknown key `configuration`: Pacto 1.x contracts declare a `configurations` list of named entries"
                    .into();
            }
            "policy" => {
                return "unknown key `policy`: Pacto 1.x contracts declare a `policies` list of named entries".into();
            }
            "$schema" => {
                return "a `$schema` key is not allowed in a contract; associate a schema with a \
                        `# yaml-language-server: $schema=…` comment instead"
                    .into();
            }
            _ => {}
        }
    }
    let allowed = version.allowed_keys(parent);
    let shown = excerpt(key);
    let place = match parent.is_root() {
        true => "at the top level".to_string(),
        false => format!("in {}", display_path(parent)),
    };
    match closest(key, &allowed) {
        Some(suggestion) => format!("unknown key `{shown}` {place}; did you mean `{suggestion}`?"),
        None if allowed.is_empty() => format!("unknown key `{shown}` {place}"),
        None => format!("unknown key `{shown}` {place}; allowed keys: {}", backtick_list(&allowed)),
    }
}

/// Messages for 1.x keys that the 2.0 format dropped or renamed, naming what replaces them.
fn removed_in_2_0(version: SchemaVersion, parent: &Path, key: &str) -> Option<String> {
    if version != SchemaVersion::V2_0 {
        return None;
    }
    let message = match (parent.segments(), key) {
        ([], "runtime") => {
            "`runtime` is not part of the 2.0 format: `workload` and `state` are top-level keys, and health and metrics endpoints are `capabilities`"
        }
        ([], "scaling") => "`scaling` is not part of the 2.0 format; remove it",
        ([Segment::Key(service)], "image" | "chart") if &**service == "service" => {
            return Some(format!("`service.{key}` is not part of the 2.0 format; remove it"));
        }
        ([Segment::Key(list), Segment::Index(_)], "contract") if &**list == "interfaces" => {
            "a 2.0 interface names its spec file with `ref`, not `contract`"
        }
        ([Segment::Key(list), Segment::Index(_)], "port") if &**list == "interfaces" => {
            "2.0 interfaces have no `port`; the spec file given by `ref` describes the interface"
        }
        ([Segment::Key(readiness)], "checks") if &**readiness == "readiness" => {
            "2.0 readiness lists `claims`, not `checks`"
        }
        _ => return None,
    };
    Some(message.to_string())
}

/// A per-item `expires` under 1.2 or 2.0, where one date covers the whole assessment.
fn per_item_expiry(version: SchemaVersion, parent: &Path, key: &str) -> Option<String> {
    let [Segment::Key(readiness), Segment::Key(list), Segment::Index(_)] = parent.segments() else {
        return None;
    };
    if !version.has_assessment() || key != "expires" || &**readiness != "readiness" {
        return None;
    }
    Some(format!(
        "readiness {list} have no `expires` in the {} format: one `readiness.expires` date covers the whole assessment",
        version.as_str()
    ))
}

fn required_message(object: &Path, property: &str, document: &Value) -> String {
    let at = display_path(object);
    let segments = object.segments();
    if let [Segment::Key(list), Segment::Index(_)] = segments {
        let item = object.lookup(document);
        let kind = item.and_then(|it| it.get("type")).and_then(Value::as_str);
        match (&**list, kind) {
            ("interfaces", Some(kind @ ("http" | "grpc" | "event"))) if matches!(property, "port" | "contract") => {
                return format!("{at}: a `{kind}` interface requires `{property}`");
            }
            ("dependencies", _) if property == "name" => {
                return format!("{at} is missing the required key `name`: Pacto 1.x names every dependency");
            }
            _ => {}
        }
    }
    format!("{at} is missing the required key `{property}`")
}

/// Converts a JSON pointer to a [`Path`], using the document to tell indices from keys.
pub fn pointer_to_path(document: &Value, pointer: &str) -> Path {
    let mut path = Path::root();
    let mut current = Some(document);
    for raw in pointer.split('/').skip(1) {
        let segment = raw.replace("~1", "/").replace("~0", "~");
        match current {
            Some(Value::Array(items)) => match segment.parse::<usize>() {
                Ok(index) => {
                    current = items.get(index);
                    path.push(Segment::Index(index));
                }
                Err(_) => {
                    current = None;
                    path.push(Segment::Key(segment.into()));
                }
            },
            Some(Value::Object(map)) => {
                current = map.get(&segment);
                path.push(Segment::Key(segment.into()));
            }
            _ => {
                current = None;
                path.push(Segment::Key(segment.into()));
            }
        }
    }
    path
}

/// `service.name` in backticks, or "the contract" for the root.
pub fn display_path(path: &Path) -> String {
    match path.is_root() {
        true => "the contract".into(),
        false => format!("`{}`", excerpt(&path.to_string())),
    }
}

fn pattern_meaning(pattern: &str) -> String {
    match pattern {
        "^[a-z0-9]([a-z0-9-]*[a-z0-9])?$" => {
            "lowercase letters, digits and `-`, starting and ending with a letter or digit".into()
        }
        "^[a-z0-9]([a-z0-9._-]*[a-z0-9])?$" => {
            "lowercase letters, digits, `.`, `_` and `-`, starting and ending with a letter or digit".into()
        }
        "^[a-zA-Z0-9._/-]+$" => "letters, digits, `.`, `_`, `/` and `-`".into(),
        "^[a-zA-Z0-9._@/-]+$" => "letters, digits, `.`, `_`, `@`, `/` and `-`".into(),
        other => format!("text matching `{other}`"),
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "empty",
        Value::Bool(_) => "a boolean",
        Value::Number(number) if number.is_f64() => "a number",
        Value::Number(_) => "an integer",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

fn with_article(type_name: &str) -> String {
    match type_name {
        "object" => "a mapping".into(),
        "array" => "a list".into(),
        "integer" => "an integer".into(),
        other => format!("a {other}"),
    }
}

/// A value for a message: strings in backticks, long values shortened.
fn short(value: &Value) -> String {
    match value {
        Value::String(text) => format!("`{}`", excerpt(text)),
        other => format!("`{}`", excerpt(&other.to_string())),
    }
}

fn quote_list(values: &[Value]) -> String {
    let items: Vec<String> = values.iter().map(short).collect();
    items.join(", ")
}

fn backtick_list(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|it| format!("`{it}`")).collect();
    quoted.join(", ")
}

/// The allowed key closest to a mistyped one (edit distance at most 2, or same letters ignoring case).
pub(crate) fn closest<'a>(key: &str, allowed: &[&'a str]) -> Option<&'a str> {
    // The distance is at least the difference in length, so a key much longer than every candidate
    // (a hostile one, megabytes long) is not compared at all.
    let longest = allowed.iter().map(|it| it.chars().count()).max()?;
    if key.chars().nth(longest + 2).is_some() {
        return None;
    }
    let lower = key.to_lowercase();
    allowed
        .iter()
        .map(|candidate| (edit_distance(&lower, &candidate.to_lowercase()), *candidate))
        .filter(|(distance, candidate)| *distance <= 2.min(candidate.len() / 3 + 1))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// Optimal string alignment distance: Levenshtein plus swaps of adjacent letters.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    let mut table = vec![0usize; (a.len() + 1) * width];
    for i in 0..=a.len() {
        for j in 0..=b.len() {
            table[i * width + j] = if i == 0 || j == 0 {
                i + j
            } else {
                let cost = usize::from(a[i - 1] != b[j - 1]);
                let mut best = (table[(i - 1) * width + j] + 1)
                    .min(table[i * width + j - 1] + 1)
                    .min(table[(i - 1) * width + j - 1] + cost);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    best = best.min(table[(i - 2) * width + j - 2] + 1);
                }
                best
            };
        }
    }
    table[a.len() * width + b.len()]
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn messages(document: Value) -> Vec<(String, Anchor, String)> {
        check(SchemaVersion::V1_1, Compatibility::V1, &document)
            .into_iter()
            .map(|it| (it.path.to_string(), it.anchor, it.message))
            .collect()
    }

    fn base() -> Value {
        json!({"pactoVersion": "1.1", "service": {"name": "svc", "version": "1.0.0"}})
    }

    #[test]
    fn valid_minimal_contract_has_no_errors() {
        assert!(messages(base()).is_empty());
    }

    #[test]
    fn unknown_key_points_at_key_with_suggestion() {
        let mut doc = base();
        doc["service"]["nmae"] = json!("x");
        assert_eq!(
            messages(doc),
            vec![("service.nmae".into(), Anchor::Key, "unknown key `nmae` in `service`; did you mean `name`?".into())]
        );
    }

    #[test]
    fn missing_required_points_at_object() {
        let doc = json!({"pactoVersion": "1.1", "service": {"name": "svc"}});
        assert_eq!(
            messages(doc),
            vec![("service".into(), Anchor::Object, "`service` is missing the required key `version`".into())]
        );
    }

    #[test]
    fn enum_type_pattern_and_bounds() {
        let mut doc = base();
        doc["service"]["name"] = json!("My_Svc");
        doc["interfaces"] = json!([{"name": "a", "type": "soap"}, {"name": "b", "type": "http", "port": 70000}]);
        doc["runtime"] = json!({"workload": "service", "state": null});
        let found = messages(doc);
        assert!(found.contains(&(
            "service.name".into(),
            Anchor::Value,
            "`My_Svc` is not a valid `service.name`: use lowercase letters, digits and `-`, starting and ending with a letter or digit".into()
        )), "{found:#?}");
        assert!(found.contains(&(
            "interfaces[0].type".into(),
            Anchor::Value,
            "`soap` is not a valid value for `interfaces[0].type`; expected one of `http`, `grpc`, `event`".into()
        )));
        assert!(found.contains(&(
            "interfaces[1].port".into(),
            Anchor::Value,
            "`interfaces[1].port` must be at most 65535, not `70000`".into()
        )));
        assert!(found.contains(&(
            "runtime.state".into(),
            Anchor::Value,
            "`runtime.state` is empty; it must be a mapping".into()
        )));
    }

    #[test]
    fn one_of_messages_name_the_allowed_shapes() {
        let mut doc = base();
        doc["scaling"] = json!({});
        doc["configurations"] = json!([{"name": "a", "schema": "s.json", "ref": "oci://r/x:1"}]);
        let mut found = messages(doc);
        found.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(
            found,
            vec![
                (
                    "configurations[0]".into(),
                    Anchor::Object,
                    "`configurations[0]` takes either `schema` or `ref`, not both".into()
                ),
                ("scaling".into(), Anchor::Object, "scaling needs either `replicas` or both `min` and `max`".into()),
            ]
        );
    }

    #[test]
    fn owner_object_errors_come_from_the_object_branch() {
        let mut doc = base();
        doc["service"]["owner"] = json!({"team": "bad team"});
        let found = messages(doc);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(found[0].0, "service.owner.team");
    }

    #[test]
    fn readiness_under_1_0_says_which_version() {
        let mut doc = base();
        doc["pactoVersion"] = json!("1.0");
        doc["readiness"] = json!({"checks": []});
        let found: Vec<_> =
            check(SchemaVersion::V1_0, Compatibility::V1, &doc).into_iter().map(|it| it.message).collect();
        assert_eq!(found, vec!["`readiness` needs `pactoVersion: \"1.1\"`; the 1.0 format has no readiness section"]);
    }

    #[test]
    fn pointer_paths_tell_indices_from_keys() {
        let doc = json!({"a": [{"0": 1}], "m": {"1": 2}});
        assert_eq!(pointer_to_path(&doc, "/a/0/0").to_string(), "a[0][\"0\"]");
        assert_eq!(pointer_to_path(&doc, "/m/1").to_string(), "m[\"1\"]");
        assert_eq!(pointer_to_path(&doc, "").to_string(), "");
    }
}
