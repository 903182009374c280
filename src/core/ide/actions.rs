//! Code actions: quick fixes for findings and source actions, each a minimal set of text edits
//! that leaves the rest of the file byte for byte as it was (comments, quotes, indentation, CRLF).

use std::ops::Range;

use serde_json::Value;

use crate::core::check::Analysis;
use crate::core::date::Date;
use crate::core::finding::{Code, Detail, Finding};
use crate::core::ide::scalar::{escape_double, in_quote};
use crate::core::model::InterfaceType;
use crate::core::ociref::{self, OciRef};
use crate::core::path::{Path, Segment};
use crate::core::schema::{Compatibility, SchemaVersion};
use crate::core::yaml::{NodeId, NodeKind, ScalarStyle, Tree, scalar_to_json, skip_properties};

/// Days a renewed readiness check is extended by, from today.
pub const RENEW_DAYS: i64 = 90;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActionKind {
    QuickFix,
    Source,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Action {
    pub title: String,
    pub kind: ActionKind,
    /// The findings this action fixes (indices into `Analysis::findings`).
    pub fixes: Vec<usize>,
    pub preferred: bool,
    /// Non-overlapping edits, in document order.
    pub edits: Vec<(Range<usize>, String)>,
}

/// Every action for findings overlapping `range` (byte offsets), plus the source actions.
pub fn actions(text: &str, analysis: &Analysis, range: Range<usize>, today: Date) -> Vec<Action> {
    let tree = &analysis.parsed.tree;
    let mut out = Vec::new();
    for (index, finding) in analysis.findings.iter().enumerate() {
        if finding.span.end < range.start || finding.span.start > range.end {
            continue;
        }
        for mut action in quick_fixes(text, tree, analysis, finding, today) {
            // Several findings can call for the same edit (one per missing key): offer it once.
            match out.iter_mut().find(|it: &&mut Action| it.title == action.title && it.edits == action.edits) {
                Some(same) => same.fixes.push(index),
                None => {
                    action.fixes = vec![index];
                    out.push(action);
                }
            }
        }
    }
    out.extend(source_actions(text, tree, analysis, today));
    out.extend(super::migrate::migrations(text, analysis).into_iter().map(|it| it.action));
    out
}

/// A quick fix (the findings it fixes are filled in by `actions`).
fn fix(title: String, preferred: bool, edits: Vec<(Range<usize>, String)>) -> Action {
    Action { title, kind: ActionKind::QuickFix, fixes: Vec::new(), preferred, edits }
}

fn quick_fixes(text: &str, tree: &Tree, analysis: &Analysis, finding: &Finding, today: Date) -> Vec<Action> {
    let at_root = |key: &str| finding.path == Path::root().key(key);
    match (finding.code, &finding.detail) {
        (Code::SCHEMA_VIOLATION, Some(Detail::UnknownKey(key)))
            if key == "readiness"
                && at_root(key)
                && analysis.version == Some(SchemaVersion::V1_0)
                && analysis.compatibility == Compatibility::V1 =>
        {
            bump_version(tree)
                .map(|edit| vec![fix("Bump pactoVersion to 1.1".into(), true, vec![edit])])
                .unwrap_or_default()
        }
        (Code::SCHEMA_VIOLATION, Some(Detail::UnknownKey(key))) if key == "configuration" && at_root(key) => {
            migrate_configuration(text, tree)
                .map(|edits| vec![fix("Migrate to `configurations`".into(), true, edits)])
                .unwrap_or_default()
        }
        (Code::SCHEMA_VIOLATION, Some(Detail::MissingKeys(_))) => {
            insert_missing(text, tree, analysis, &finding.path, today).into_iter().collect()
        }
        (Code::UNSUPPORTED_PACTO_VERSION, _) => {
            quote_version(tree).map(|(title, edit)| vec![fix(title, true, vec![edit])]).unwrap_or_default()
        }
        (Code::HEALTH_INTERFACE_NOT_FOUND | Code::METRICS_INTERFACE_NOT_FOUND, _) => {
            closest_names(tree, analysis, &finding.path, |it| {
                matches!(it, Some(InterfaceType::Http | InterfaceType::Grpc))
            })
            .into_iter()
            .enumerate()
            .map(|(idx, (name, edit))| fix(format!("Change to `{name}`"), idx == 0, vec![edit]))
            .collect()
        }
        (Code::STATELESS_PERSISTENT_CONFLICT, _) => {
            let mut out = Vec::new();
            if let Some(span) =
                value_span(tree, &Path::root().key("runtime").key("state").key("persistence").key("durability"))
            {
                out.push(fix("Set durability to `ephemeral`".into(), false, vec![(span, "ephemeral".into())]));
            }
            if let Some(span) = value_span(tree, &Path::root().key("runtime").key("state").key("type")) {
                out.push(fix("Set state type to `stateful`".into(), false, vec![(span, "stateful".into())]));
            }
            out
        }
        (Code::SCALING_MIN_EXCEEDS_MAX, _) => swap_scaling(text, tree)
            .map(|edits| vec![fix("Swap `min` and `max`".into(), true, edits)])
            .unwrap_or_default(),
        (Code::READINESS_CHECK_EXPIRED, _) => {
            let renewed = today.add_days(RENEW_DAYS).to_string();
            value_span(tree, &finding.path)
                .map(|span| {
                    vec![fix(
                        format!("Extend to {renewed} ({RENEW_DAYS} days from today)"),
                        true,
                        vec![(span, renewed)],
                    )]
                })
                .unwrap_or_default()
        }
        (Code::PORT_REQUIRED, _) => {
            let Some(item) = finding.path.parent() else { return Vec::new() };
            let in_interfaces =
                matches!(item.segments(), [Segment::Key(list), Segment::Index(_)] if &**list == "interfaces");
            let port = if in_interfaces && interface_kind(analysis, &item) == Some(InterfaceType::Grpc) {
                "9090"
            } else {
                "8080"
            };
            insert_keys(text, tree, &item, &[("port", port.to_string())])
                .map(|edit| vec![fix(format!("Add `port: {port}`"), true, vec![edit])])
                .unwrap_or_default()
        }
        _ => format_fixes(text, tree, analysis, finding),
    }
}

/// Quick fixes for the 1.2 / 2.0 codes and for a misspelt key (any version).
fn format_fixes(text: &str, tree: &Tree, analysis: &Analysis, finding: &Finding) -> Vec<Action> {
    let node = tree.get(&finding.path);
    match (finding.code, &finding.detail) {
        (Code::SCHEMA_VIOLATION, Some(Detail::UnknownKey(key))) => rename_key(tree, analysis, &finding.path, key)
            .map(|(name, edit)| vec![fix(format!("Rename to `{name}`"), true, vec![edit])])
            .unwrap_or_default(),
        (Code::INVALID_INTERFACE_TYPE, _) => {
            let renamed = match node.and_then(|it| tree.scalar_str(it)) {
                Some("http") => "openapi",
                Some("event") => "asyncapi",
                _ => return Vec::new(),
            };
            node.and_then(|it| set_string(tree, it, renamed))
                .map(|edit| vec![fix(format!("Change to `{renamed}`"), true, vec![edit])])
                .unwrap_or_default()
        }
        (Code::CAPABILITY_INTERFACE_UNKNOWN, _) => closest_names(tree, analysis, &finding.path, |_| true)
            .into_iter()
            .enumerate()
            .map(|(idx, (name, edit))| fix(format!("Change to `{name}`"), idx == 0, vec![edit]))
            .collect(),
        (Code::CAPABILITY_REF_INVALID, _) => {
            let Some(node) = node else { return Vec::new() };
            let Some(namespaced) = tree.scalar_str(node).and_then(namespaced_ref) else { return Vec::new() };
            set_string(tree, node, &namespaced)
                .map(|edit| vec![fix(format!("Change to `{namespaced}`"), true, vec![edit])])
                .unwrap_or_default()
        }
        (Code::UNSUPPORTED_POLICY_TARGET, _) => node
            .and_then(|it| set_string(tree, it, "contract"))
            .map(|edit| vec![fix("Set target to `contract`".into(), true, vec![edit])])
            .unwrap_or_default(),
        (Code::DUPLICATE_CAPABILITY, _) => remove_item(text, tree, &finding.path)
            .map(|edits| vec![fix("Remove the duplicate capability".into(), true, edits)])
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// "Rename to `X`" for an unknown key close to an allowed one (the suggestion of its message,
/// worked out again from the key and the schema): the key's own text, in its own quoting. Not
/// offered for the keys other fixes or messages handle, or when the mapping already has `X`.
fn rename_key(tree: &Tree, analysis: &Analysis, path: &Path, key: &str) -> Option<(String, (Range<usize>, String))> {
    let parent = path.parent()?;
    let version = analysis.version?;
    if parent.is_root() && matches!(key, "readiness" | "configuration" | "policy" | "$schema") {
        return None;
    }
    let allowed = version.allowed_keys(&parent);
    // The key the unknown-key message suggests.
    let name = crate::core::structural::closest(key, &allowed)?;
    let mapping = tree.get(&parent)?;
    if tree.entry(mapping, name).is_some() {
        return None;
    }
    let edit = set_string(tree, tree.key_node(path)?, name)?;
    Some((name.to_string(), edit))
}

/// An extension ref written as a URL or a path (`https://example.com/flags`, `/example.com/flags`)
/// → its namespaced form (`example.com/flags`); `None` when none can be derived.
fn namespaced_ref(reference: &str) -> Option<String> {
    let without_scheme = reference.split_once("://").map_or(reference, |(_, rest)| rest);
    let candidate = without_scheme.trim_start_matches('/').trim_end_matches('/');
    let namespaced = candidate.split_once('/').is_some_and(|(domain, name)| domain.contains('.') && !name.is_empty());
    (namespaced && candidate != reference && !candidate.contains(char::is_whitespace)).then(|| candidate.to_string())
}

/// The edits removing the list item at `path` (a later duplicate, so never the first item): its
/// lines in a block sequence, or `, item` in a flow one. `None` when something elsewhere is an alias
/// of a value inside the item.
fn remove_item(text: &str, tree: &Tree, path: &Path) -> Option<Vec<(Range<usize>, String)>> {
    let Some(Segment::Index(index)) = path.last() else { return None };
    let list = tree.get(&path.parent()?)?;
    let items = tree.sequence(list)?;
    let item = *items.get(*index)?;
    let previous = *items.get(index.checked_sub(1)?)?;
    let span = tree.span(item);
    if aliased_inside(tree, &span) {
        return None;
    }
    let before = line_before(text, span.start);
    let is_block = before.trim_end().ends_with('-') && before.trim_end().trim_start_matches([' ', '-']).is_empty();
    if !is_block {
        // `[a, b]`: from the end of the item before to the end of this one.
        let start = tree.span(previous).end;
        return (start <= span.start && text.get(start..span.start)?.trim_start().starts_with(','))
            .then(|| vec![(start..span.end, String::new())]);
    }
    // Only an item on its own `- ` line, not the inner one of `- - a`.
    if before.trim().len() != 1 {
        return None;
    }
    let line_start = text[..span.start].rfind(['\n', '\r']).map_or(0, |it| it + 1);
    let content_end = text.get(..span.end)?.trim_end().len().max(span.start);
    let line_end = text[content_end..].find('\n').map_or(text.len(), |it| content_end + it + 1);
    Some(vec![(line_start..line_end, String::new())])
}

/// Whether an alias anywhere in the tree reads a node inside `range`.
fn aliased_inside(tree: &Tree, range: &Range<usize>) -> bool {
    let Some(root) = tree.root() else { return false };
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        match &tree.node(node).kind {
            NodeKind::Mapping(entries) => stack.extend(entries.iter().flat_map(|it| [it.key, it.value])),
            NodeKind::Sequence(items) => stack.extend(items.iter().copied()),
            NodeKind::Alias(target) => {
                let target = tree.span(*target);
                if target.start >= range.start && target.end <= range.end {
                    return true;
                }
            }
            NodeKind::Scalar(_) => {}
        }
    }
    false
}

/// A tag-pinned `oci://` ref that "Pin to digest" could pin, once the edge has asked the registry for the tag's
/// manifest digest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PinWanted {
    /// The `TAG_NOT_DIGEST` finding (an index into `Analysis::findings`).
    pub finding: usize,
    /// The ref's value.
    pub path: Path,
    /// The ref as written, without `oci://`; it has a tag and no digest.
    pub reference: OciRef,
}

/// The `TAG_NOT_DIGEST` findings overlapping `range` (byte offsets) whose ref could be pinned.
pub fn pins_wanted(analysis: &Analysis, range: Range<usize>) -> Vec<PinWanted> {
    let tree = &analysis.parsed.tree;
    let mut out = Vec::new();
    for (index, finding) in analysis.findings.iter().enumerate() {
        if finding.code != Code::TAG_NOT_DIGEST || finding.span.end < range.start || finding.span.start > range.end {
            continue;
        }
        let Some(value) = tree.get(&finding.path).and_then(|node| tree.scalar_str(node)) else { continue };
        let Some(reference) = value.strip_prefix("oci://").and_then(|it| ociref::parse(it).ok()) else { continue };
        if reference.tag.is_some() && reference.digest.is_none() {
            out.push(PinWanted { finding: index, path: finding.path.clone(), reference });
        }
    }
    out
}

/// "Pin to digest": the ref's value becomes `oci://REG/REPO:TAG@DIGEST`, written in the scalar's own style.
/// `None` when `digest` is not a `sha256:` digest (the registry's answer is not trusted to be one) or the value
/// is an alias.
pub fn pin_to_digest(tree: &Tree, wanted: &PinWanted, digest: &str) -> Option<Action> {
    let hex = digest.strip_prefix("sha256:")?;
    if hex.len() != 64 || !hex.bytes().all(|it| it.is_ascii_digit() || (b'a'..=b'f').contains(&it)) {
        return None;
    }
    let pinned = OciRef { digest: Some(digest.to_string()), ..wanted.reference.clone() };
    let edit = set_string(tree, tree.get(&wanted.path)?, &format!("oci://{pinned}"))?;
    Some(Action {
        title: "Pin to digest".into(),
        kind: ActionKind::QuickFix,
        fixes: vec![wanted.finding],
        preferred: true,
        edits: vec![edit],
    })
}

fn source_actions(text: &str, tree: &Tree, analysis: &Analysis, today: Date) -> Vec<Action> {
    let mut out = Vec::new();
    let has_readiness = tree.root().and_then(|root| tree.entry(root, "readiness")).is_some();
    // Under the v2 CLI's meaning neither 1.0 nor 1.1 has a readiness section: bumping 1.0 to 1.1 for one, or adding
    // one, would only trade one error for another (the migrations to 1.2 and 2.0 are offered instead).
    let v1 = analysis.compatibility == Compatibility::V1;
    if analysis.version == Some(SchemaVersion::V1_0) && has_readiness && v1 {
        if let Some(edit) = bump_version(tree) {
            out.push(Action {
                title: "Bump pactoVersion to 1.1".into(),
                kind: ActionKind::Source,
                fixes: Vec::new(),
                preferred: false,
                edits: vec![edit],
            });
        }
    }
    let gains_readiness = |version: SchemaVersion| match version {
        SchemaVersion::V1_0 => SchemaVersion::V1_1.has_readiness(analysis.compatibility),
        other => other.has_readiness(analysis.compatibility),
    };
    if !has_readiness && let Some(version) = analysis.version.filter(|it| gains_readiness(*it)) {
        let expires = today.add_days(RENEW_DAYS);
        let name = service_name(tree).filter(|it| is_url_segment(it)).unwrap_or_else(|| "service".into());
        let skeleton = readiness_skeleton(version, &name, expires);
        let mut edits = Vec::new();
        if analysis.version == Some(SchemaVersion::V1_0) {
            edits.extend(bump_version(tree));
        }
        // After the last top-level key: appending to the file could land in a later document.
        if let Some(edit) = insert_keys(text, tree, &Path::root(), &[("readiness", skeleton)]) {
            edits.push(edit);
            out.push(Action {
                title: "Add readiness section".into(),
                kind: ActionKind::Source,
                fixes: Vec::new(),
                preferred: false,
                edits,
            });
        }
    }
    out
}

/// The body of a new `readiness` section for `version` (`{i}` is the child indentation): 1.0 and
/// 1.1 per-check expiry, 1.2 one assessment of checks with a status, 2.0 the same with claims.
fn readiness_skeleton(version: SchemaVersion, name: &str, expires: Date) -> String {
    let evidence = format!("https://dashboards.example.com/{name}");
    match version {
        SchemaVersion::V1_0 | SchemaVersion::V1_1 => format!(
            "\n{{i}}minScore: 100\n{{i}}checks:\n{{i}}  - id: dashboard\n{{i}}    type: url\n{{i}}    evidence: {evidence}\n{{i}}    weight: 100\n{{i}}    expires: \"{expires}\""
        ),
        SchemaVersion::V1_2 | SchemaVersion::V2_0 => {
            let list = if version == SchemaVersion::V2_0 { "claims" } else { "checks" };
            format!(
                "\n{{i}}minScore: 100\n{{i}}expires: \"{expires}\"\n{{i}}{list}:\n{{i}}  - id: dashboard\n{{i}}    type: url\n{{i}}    status: done\n{{i}}    evidence: {evidence}\n{{i}}    weight: 100"
            )
        }
    }
}

/// `pactoVersion: "1.0"` → `"1.1"`, keeping anchors, tags and the quote style. Only for a string
/// version; an unquoted number is [`quote_version`]'s case.
fn bump_version(tree: &Tree) -> Option<(Range<usize>, String)> {
    let node = tree.get(&Path::root().key("pactoVersion"))?;
    let span = tree.text_span(node)?;
    let scalar = tree.scalar(node)?;
    if !scalar_to_json(scalar).is_string() || matches!(scalar.style, ScalarStyle::Literal | ScalarStyle::Folded) {
        return None;
    }
    // Quotes or a tag already make `1.1` a string; a plain untagged one needs quotes.
    match (scalar.style, &scalar.tag) {
        (ScalarStyle::Plain, None) => Some((span, "\"1.1\"".into())),
        _ => Some((span, "1.1".into())),
    }
}

/// An unquoted `pactoVersion: 1.0` (a YAML number) → `"1.0"`, after any anchor.
fn quote_version(tree: &Tree) -> Option<(String, (Range<usize>, String))> {
    let node = tree.get(&Path::root().key("pactoVersion"))?;
    let span = tree.text_span(node)?;
    let scalar = tree.scalar(node)?;
    // A tag (`!!float 1.0`) would keep even a quoted value a number.
    if scalar.style != ScalarStyle::Plain || scalar.tag.is_some() || !matches!(&*scalar.value, "1.0" | "1.1" | "1") {
        return None;
    }
    let version = if &*scalar.value == "1" { "1.0" } else { &scalar.value };
    Some((format!("Quote pactoVersion: \"{version}\""), (span, format!("\"{version}\""))))
}

/// Declared interface names whose type `fits`, closest to the written one first, each with the
/// edit that writes it in place of the written one.
fn closest_names(
    tree: &Tree,
    analysis: &Analysis,
    path: &Path,
    fits: impl Fn(Option<InterfaceType>) -> bool,
) -> Vec<(String, (Range<usize>, String))> {
    let Some(node) = tree.get(path) else { return Vec::new() };
    let written = tree.scalar_str(node).unwrap_or("");
    let Some(contract) = &analysis.contract else { return Vec::new() };
    let mut candidates: Vec<(usize, String)> = contract
        .interfaces
        .iter()
        .filter(|it| fits(it.kind))
        .filter_map(|it| it.name.clone())
        .map(|name| (crate::core::structural::edit_distance(written, &name), name))
        .collect();
    candidates.sort();
    candidates.dedup();
    candidates.truncate(3);
    candidates.into_iter().filter_map(|(_, name)| Some((name.clone(), set_string(tree, node, &name)?))).collect()
}

/// Swaps the numbers of `scaling.min` and `scaling.max`; each side keeps its anchor, tag and quotes.
fn swap_scaling(text: &str, tree: &Tree) -> Option<Vec<(Range<usize>, String)>> {
    let side = |key: &str| {
        let node = tree.get(&Path::root().key("scaling").key(key))?;
        let span = tree.text_span(node)?;
        Some((tree.scalar(node)?.style, text.get(span.clone())?.to_string(), span))
    };
    let (min_style, min_text, min_span) = side("min")?;
    let (max_style, max_text, max_span) = side("max")?;
    let swappable = matches!(min_style, ScalarStyle::Plain | ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted);
    (swappable && min_style == max_style && min_span != max_span)
        .then(|| vec![(min_span, max_text), (max_span, min_text)])
}

/// Adds the required keys the object at `path` lacks (every missing-key finding about it), with
/// placeholder values that validate.
fn insert_missing(text: &str, tree: &Tree, analysis: &Analysis, path: &Path, today: Date) -> Option<Action> {
    let version = analysis.version?;
    let mut missing: Vec<&str> = Vec::new();
    for finding in analysis.findings.iter().filter(|it| it.path == *path) {
        if let Some(Detail::MissingKeys(keys)) = &finding.detail {
            for key in keys {
                if !missing.contains(&key.as_str()) {
                    missing.push(key);
                }
            }
        }
    }
    if missing.is_empty() {
        return None;
    }
    let keys: Vec<(&str, String)> = missing
        .iter()
        .map(|key| {
            let at = path.key(key);
            let value = format_placeholder(version, &at, today).unwrap_or_else(|| placeholder(version, &at, tree));
            (*key, value)
        })
        .collect();
    let edit = insert_keys(text, tree, path, &keys)?;
    let names: Vec<String> = missing.iter().map(|it| format!("`{it}`")).collect();
    Some(Action {
        title: format!("Add missing {}", names.join(", ")),
        kind: ActionKind::QuickFix,
        fixes: Vec::new(),
        preferred: true,
        edits: vec![edit],
    })
}

/// A placeholder that differs in the 1.2 and 2.0 formats: 2.0 interfaces by spec file, the
/// assessment's `expires` and items with a status. `None`: [`placeholder`] decides.
fn format_placeholder(version: SchemaVersion, path: &Path, today: Date) -> Option<String> {
    let text = path.to_string();
    let in_interface =
        matches!(path.segments(), [Segment::Key(list), Segment::Index(_), Segment::Key(_)] if &**list == "interfaces");
    let item = "\n{i}- id: dashboard\n{i}  type: url\n{i}  status: done\n{i}  evidence: https://dashboards.example.com\n{i}  weight: 100";
    match version {
        SchemaVersion::V2_0 if in_interface && text.ends_with(".type") => Some("openapi".into()),
        SchemaVersion::V2_0 if in_interface && text.ends_with(".ref") => Some("interfaces/openapi.yaml".into()),
        SchemaVersion::V2_0 if text == "readiness.claims" => Some(item.into()),
        SchemaVersion::V1_2 if text == "readiness.checks" => Some(item.into()),
        SchemaVersion::V1_2 | SchemaVersion::V2_0 if text == "readiness.expires" => {
            Some(format!("\"{}\"", today.add_days(RENEW_DAYS)))
        }
        SchemaVersion::V1_2 | SchemaVersion::V2_0 if text == "pactoVersion" => {
            Some(format!("\"{}\"", version.as_str()))
        }
        _ => None,
    }
}

/// A value for a new key: a literal that validates, or a nested block (`{i}` is the child indentation).
fn placeholder(version: SchemaVersion, path: &Path, tree: &Tree) -> String {
    let key = match path.last() {
        Some(Segment::Key(key)) => key.to_string(),
        _ => String::new(),
    };
    // An unnamed dependency is named as upstream's migration names it: after its ref.
    if key == "name"
        && let Some(reference) = path.parent().and_then(|it| tree.get(&it.key("ref")))
        && let Some(name) = tree.scalar_str(reference).and_then(dependency_name)
    {
        return name;
    }
    match key.as_str() {
        "name" if path.to_string() == "service.name" => "my-service".into(),
        "name" => "default".into(),
        "version" => "0.1.0".into(),
        "pactoVersion" => "\"1.1\"".into(),
        "type" if path.to_string().starts_with("interfaces") => "http".into(),
        "workload" => "service".into(),
        "state" => "\n{i}type: stateless\n{i}persistence:\n{i}  scope: local\n{i}  durability: ephemeral\n{i}dataCriticality: low".into(),
        "persistence" => "\n{i}scope: local\n{i}durability: ephemeral".into(),
        "interface" => "api".into(),
        "compatibility" => "\"^1.0.0\"".into(),
        "ref" => "registry.example.com/team/repository:1.0.0".into(),
        "checks" => "\n{i}- id: dashboard\n{i}  type: url\n{i}  evidence: https://dashboards.example.com\n{i}  weight: 100\n{i}  expires: \"2099-12-31\"".into(),
        _ => match version.node_at(path) {
            Some(node) => match node.get("enum").and_then(Value::as_array).and_then(|it| it.first()).and_then(Value::as_str) {
                Some(first) => first.into(),
                None => match node.get("type").and_then(Value::as_str) {
                    Some("integer") => "0".into(),
                    Some("boolean") => "false".into(),
                    _ => "\"\"".into(),
                },
            },
            None => "\"\"".into(),
        },
    }
}

/// One edit inserting `key: value` entries into the mapping at `path`. In a block mapping they
/// go after its last entry, one a line at the indentation of its keys; values may hold `{i}` for
/// the child indentation and `\n` for new lines. In a flow mapping (`{a: 1}`) they go before the
/// closing brace, when every value fits on one line. `None` when the value at `path` is an alias
/// (its keys live at the anchor) or a non-empty scalar.
fn insert_keys(text: &str, tree: &Tree, path: &Path, keys: &[(&str, String)]) -> Option<(Range<usize>, String)> {
    let newline = newline(text);
    let node = tree.get(path);
    if let Some(node) = node
        && let NodeKind::Mapping(entries) = &tree.node(node).kind
    {
        let span = tree.span(node);
        let content = span.start + skip_properties(text.get(span.clone())?);
        let is_flow =
            text[content..].starts_with('{') && entries.first().is_none_or(|it| tree.span(it.key).start > content);
        if is_flow {
            if keys.iter().any(|(_, value)| value.contains('\n')) {
                return None;
            }
            let pairs: Vec<String> = keys.iter().map(|(key, value)| format!("{key}: {value}")).collect();
            return Some(match entries.last() {
                Some(last) => {
                    let end = tree.span(last.value).end.max(tree.span(last.key).end);
                    (end..end, format!(", {}", pairs.join(", ")))
                }
                None => (content + 1..content + 1, pairs.join(", ")),
            });
        }
        if let (Some(first), Some(last)) = (entries.first(), entries.last()) {
            // Anything else is a single pair in a flow sequence (`[a: 1]`), which takes no more keys.
            if !starts_block_line(text, tree.span(first.key).start) {
                return None;
            }
            let column = column_of(text, tree.span(first.key).start);
            let end = tree.span(last.value).end.max(tree.span(last.key).end);
            return Some(block_insert(text, end, column, keys, newline));
        }
    }
    // An empty value (`runtime:`, or `runtime: &r`): insert below its key, one level deeper.
    if node.is_some_and(|it| tree.text_span(it).is_none_or(|span| !span.is_empty())) {
        return None;
    }
    let key = tree.key_node(path)?;
    if !starts_block_line(text, tree.span(key).start) {
        return None;
    }
    let column = column_of(text, tree.span(key).start);
    let value_end = node.map_or(tree.span(key).end, |it| tree.span(it).end.max(tree.span(key).end));
    Some(block_insert(text, value_end, column + 2, keys, newline))
}

/// `key: value` lines at `column`, inserted at the end of the line holding `after`.
fn block_insert(
    text: &str,
    after: usize,
    column: usize,
    keys: &[(&str, String)],
    newline: &str,
) -> (Range<usize>, String) {
    // A block scalar's span runs on over the line breaks (and the next line's indentation) after
    // its content: insert after the content itself, not after the line where the span ends.
    let after = text.get(..after).map_or(after, |it| it.trim_end().len());
    let line_end = text[after..].find(['\n', '\r']).map_or(text.len(), |it| after + it);
    let pad = " ".repeat(column);
    let child = " ".repeat(column + 2);
    let mut inserted = String::new();
    for (key, value) in keys {
        let value = value.replace('\n', newline).replace("{i}", &child);
        let separator = if value.starts_with(newline) { ":" } else { ": " };
        inserted.push_str(&format!("{newline}{pad}{key}{separator}{value}"));
    }
    (line_end..line_end, inserted)
}

/// Rewrites a singular `configuration:` block mapping into a `configurations:` list with one
/// named entry. Not offered when the mapping carries an anchor or tag (they would move to the list).
fn migrate_configuration(text: &str, tree: &Tree) -> Option<Vec<(Range<usize>, String)>> {
    let path = Path::root().key("configuration");
    let key = tree.key_node(&path)?;
    let value = tree.get(&path)?;
    let NodeKind::Mapping(entries) = &tree.node(value).kind else { return None };
    let first = entries.first()?;
    let first_start = tree.span(first.key).start;
    if tree.span(value).start != first_start {
        return None;
    }
    let newline = newline(text);
    let mut edits = vec![(tree.text_span(key)?, "configurations".to_string())];
    let column = column_of(text, first_start);
    // `- name: default` goes before the first key; every other line of the block moves two columns.
    edits.push((first_start..first_start, format!("- name: default{newline}{}  ", " ".repeat(column))));
    let block_end = tree.span(value).end;
    let mut offset = text[first_start..block_end].find(['\n', '\r']).map(|it| first_start + it);
    while let Some(at) = offset {
        let line_start = at + if text[at..].starts_with("\r\n") { 2 } else { 1 };
        if line_start >= block_end {
            break;
        }
        if text[line_start..].starts_with(&" ".repeat(column)) {
            edits.push((line_start..line_start, "  ".to_string()));
        }
        offset = text[line_start..block_end].find(['\n', '\r']).map(|it| line_start + it);
    }
    Some(edits)
}

/// The last path segment of a ref without its tag and digest (`oci://ghcr.io/acme/auth-pacto:1.0` → `auth-pacto`).
fn dependency_name(reference: &str) -> Option<String> {
    let without_digest = reference.split('@').next()?;
    let last = without_digest.rsplit('/').next()?;
    let name = last.split(':').next()?;
    (!name.is_empty()).then(|| name.to_string())
}

fn service_name(tree: &Tree) -> Option<String> {
    let node = tree.get(&Path::parse("service.name")?)?;
    tree.scalar_str(node).map(String::from)
}

fn interface_kind(analysis: &Analysis, item: &Path) -> Option<InterfaceType> {
    let Some(Segment::Index(index)) = item.last() else { return None };
    analysis.contract.as_ref()?.interfaces.get(*index)?.kind
}

/// The span of the own text of the scalar at `path` (see [`Tree::text_span`]); `None` for an
/// alias, whose text must stay a reference.
fn value_span(tree: &Tree, path: &Path) -> Option<Range<usize>> {
    tree.text_span(tree.get(path)?)
}

/// The edit that makes the scalar `node` read the string `value`: written in the scalar's own
/// style when it can be, else double-quoted. Anchors and tags stay; `None` for an alias.
fn set_string(tree: &Tree, node: NodeId, value: &str) -> Option<(Range<usize>, String)> {
    let span = tree.text_span(node)?;
    let quote = match tree.scalar(node)?.style {
        ScalarStyle::DoubleQuoted => Some('"'),
        ScalarStyle::SingleQuoted => Some('\''),
        _ => None,
    };
    match in_quote(value, quote) {
        Some(written) => Some((span, written)),
        // Single quotes cannot hold it: swap them for double ones, which can hold escapes.
        None => Some((span.start.checked_sub(1)?..span.end + 1, format!("\"{}\"", escape_double(value)))),
    }
}

/// Whether a service name can go into the placeholder evidence URL as it is.
fn is_url_segment(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// The file's line break: CRLF when it uses CRLF.
fn newline(text: &str) -> &'static str {
    if text.contains("\r\n") { "\r\n" } else { "\n" }
}

/// The column of an offset, in characters as YAML counts indentation.
fn column_of(text: &str, offset: usize) -> usize {
    line_before(text, offset).chars().count()
}

/// Whether a key at `offset` is a block mapping key: only indentation and `- ` before it on its line.
fn starts_block_line(text: &str, offset: usize) -> bool {
    line_before(text, offset).chars().all(|c| c == ' ' || c == '-')
}

/// The text of the line before `offset`, without a byte order mark (it is not indentation).
fn line_before(text: &str, offset: usize) -> &str {
    let start = text[..offset].rfind(['\n', '\r']).map_or(0, |it| it + 1);
    text[start..offset].trim_start_matches('\u{feff}')
}

/// Applies edits (non-overlapping, any order) to a text; used by tests and the CLI.
pub fn apply(text: &str, edits: &[(Range<usize>, String)]) -> String {
    let mut sorted: Vec<&(Range<usize>, String)> = edits.iter().collect();
    sorted.sort_by_key(|(range, _)| std::cmp::Reverse(range.start));
    let mut out = text.to_string();
    for (range, new_text) in sorted {
        out.replace_range(range.clone(), new_text);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::check::{Environment, Options, analyze};

    const DIGEST: &str = "sha256:fc25cb683570896196bd2ba99db55a0ed947ef4a508ae8ff3bbf1761de89f6bd";

    /// The text after "Pin to digest" on the first `TAG_NOT_DIGEST` finding, with `digest`.
    fn pinned(text: &str, digest: &str) -> Option<String> {
        let options = Options {
            today: crate::core::date::parse_strict("2026-01-01").unwrap(),
            readiness_gate: false,
            warn_days: 14,
            compatibility: Default::default(),
        };
        let analysis = analyze(text, &options, &Environment::default());
        let wanted = pins_wanted(&analysis, 0..text.len());
        let first = wanted.first()?;
        assert_eq!(analysis.findings[first.finding].code, Code::TAG_NOT_DIGEST);
        let action = pin_to_digest(&analysis.parsed.tree, first, digest)?;
        assert_eq!((action.title.as_str(), action.fixes.clone()), ("Pin to digest", vec![first.finding]));
        let (span, new_text) = &action.edits[0];
        Some(format!("{}{new_text}{}", &text[..span.start], &text[span.end..]))
    }

    #[test]
    fn pin_to_digest_keeps_quotes_anchors_tags_comments_and_line_breaks() {
        let head =
            "pactoVersion: \"1.1\"\nservice: {name: app, version: 1.0.0}\ndependencies:\n  - name: db\n    ref: ";
        for (value, expected) in [
            ("oci://reg.example/acme/db:2.3.0", format!("oci://reg.example/acme/db:2.3.0@{DIGEST}")),
            (
                "&db \"oci://reg.example/acme/db:2.3.0\" # c",
                format!("&db \"oci://reg.example/acme/db:2.3.0@{DIGEST}\" # c"),
            ),
            ("!!str 'oci://reg.example/acme/db:2.3.0'", format!("!!str 'oci://reg.example/acme/db:2.3.0@{DIGEST}'")),
        ] {
            for newline in ["\n", "\r\n"] {
                let text = format!("{head}{value}\n").replace('\n', newline);
                let expected = format!("{head}{expected}\n").replace('\n', newline);
                assert_eq!(pinned(&text, DIGEST), Some(expected), "{value}");
            }
        }
        let text = format!("{head}oci://reg.example/acme/db:2.3.0\n");
        assert_eq!(pinned(&text, "sha256:00"), None, "not a digest");
        assert_eq!(pinned(&text, &DIGEST.to_uppercase()), None, "not a digest");
        assert_eq!(pinned(&format!("{head}oci://reg.example/acme/db:2.3.0@{DIGEST}\n"), DIGEST), None, "pinned");
    }
}
