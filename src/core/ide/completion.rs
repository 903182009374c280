//! Completion: keys the schema allows at the cursor, enum values with their meanings, interface
//! names, bundle files, dates; snippets for whole blocks when the client supports them.

use std::ops::Range;

use serde_json::Value;

use crate::core::date::Date;
use crate::core::ide::cursor::{Cursor, CursorKind, cursor};
use crate::core::ide::describe::{self, Format};
use crate::core::ide::scalar;
use crate::core::model::{Contract, Interface, InterfaceType};
use crate::core::path::{Path, Segment};
use crate::core::schema::{Compatibility, SchemaVersion, enum_description};

/// What completion needs besides the text.
pub struct Context<'a> {
    pub text: &'a str,
    pub offset: usize,
    /// The contract's format; `None` (unknown yet) completes as the version the text declares,
    /// else as the newest.
    pub version: Option<SchemaVersion>,
    /// How 1.0 and 1.1 are read (the `pacto.compatibility` setting).
    pub compatibility: Compatibility,
    pub contract: &'a Contract,
    /// Bundle-relative paths of the files in the bundle.
    pub bundle_files: &'a [String],
    pub today: Date,
    /// Whether the client accepts snippet syntax (`$1`, `${1|a,b|}`).
    pub snippets: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Key,
    EnumMember,
    Value,
    Reference,
    File,
    Snippet,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completion {
    pub label: String,
    pub kind: Kind,
    pub detail: Option<String>,
    /// Markdown.
    pub documentation: Option<String>,
    /// Replaces `replace`; snippet syntax when `is_snippet`.
    pub insert: String,
    pub is_snippet: bool,
    pub replace: Range<usize>,
    pub sort: String,
}

/// Days ahead a new readiness `expires` date is proposed.
pub const EXPIRES_AHEAD_DAYS: i64 = 90;

pub fn complete(ctx: &Context<'_>) -> Vec<Completion> {
    let Some(cursor) = cursor(ctx.text, ctx.offset) else { return Vec::new() };
    let version = ctx.version.or_else(|| describe::declared_version_in(ctx.text));
    let format = Format::new(version, ctx.compatibility);
    match &cursor.kind {
        CursorKind::Key { .. } => keys(ctx, format, &cursor),
        CursorKind::Value { quote, .. } => values(ctx, format, &cursor, *quote),
    }
}

fn keys(ctx: &Context<'_>, format: Format, cursor: &Cursor) -> Vec<Completion> {
    let Some(node) = format.node_at(&cursor.path) else { return Vec::new() };
    let Some(properties) = node.get("properties").and_then(Value::as_object) else { return Vec::new() };
    let required: Vec<&str> = node
        .get("required")
        .and_then(Value::as_array)
        .map(|it| it.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let child_indent = " ".repeat(cursor.column + 2);
    let mut items = Vec::new();
    for (idx, (key, property)) in properties.iter().enumerate() {
        if cursor.siblings.iter().any(|it| it == key) {
            continue;
        }
        let path = cursor.path.key(key);
        let property_type = resolved_type(format, &path);
        let (plain, snippet) = match property_type.as_deref() {
            Some("object") => (format!("{key}:\n{child_indent}"), format!("{key}:\n{child_indent}$0")),
            Some("array") => (format!("{key}:\n{child_indent}- "), format!("{key}:\n{child_indent}- $0")),
            _ => (format!("{key}: "), format!("{key}: $0")),
        };
        let is_required = required.contains(&key.as_str());
        items.push(Completion {
            label: key.clone(),
            kind: Kind::Key,
            detail: Some(describe::type_line(format, &path, is_required)),
            documentation: property.get("description").and_then(Value::as_str).map(String::from),
            insert: if ctx.snippets { snippet } else { plain },
            is_snippet: ctx.snippets,
            replace: cursor.replace.clone(),
            sort: format!("{}{idx:02}", if is_required { 0 } else { 1 }),
        });
    }
    if ctx.snippets {
        items.extend(match format.version {
            SchemaVersion::V2_0 => block_snippets_2_0(cursor),
            SchemaVersion::V1_2 => block_snippets_1_2(cursor),
            _ => block_snippets(cursor),
        });
    }
    items
}

fn snippet(cursor: &Cursor, label: &str, detail: &str, body: String) -> Completion {
    Completion {
        label: label.into(),
        kind: Kind::Snippet,
        detail: Some(detail.into()),
        documentation: None,
        insert: body,
        is_snippet: true,
        replace: cursor.replace.clone(),
        sort: format!("2{label}"),
    }
}

/// The snippet body of a 1.2 readiness check or a 2.0 claim (the same fields).
fn assessment_item(pad: &str) -> String {
    format!(
        "id: ${{1:dashboard}}\n{pad}type: ${{2|url,document,ticket,report,artifact,identifier,other|}}\n{pad}status: ${{3|done,partial,not-done,deferred|}}\n{pad}evidence: ${{4}}\n{pad}weight: ${{5:10}}\n$0"
    )
}

/// Whole-block snippets for the 1.2 format: the 1.x blocks, and a readiness check with a status.
fn block_snippets_1_2(cursor: &Cursor) -> Vec<Completion> {
    match cursor.path.segments() {
        [Segment::Key(section), Segment::Key(list), Segment::Index(_)]
            if &**section == "readiness" && &**list == "checks" && cursor.siblings.is_empty() =>
        {
            let pad = " ".repeat(cursor.column);
            vec![snippet(cursor, "readiness check", "id, type, status, evidence, weight", assessment_item(&pad))]
        }
        _ => block_snippets(cursor).into_iter().filter(|it| it.label != "readiness check").collect(),
    }
}

/// Whole-block snippets for the 2.0 format: workload and state, an interface by spec file, a
/// health capability bound to an interface, a readiness claim.
fn block_snippets_2_0(cursor: &Cursor) -> Vec<Completion> {
    let pad = |n: usize| " ".repeat(cursor.column + n);
    let present = |key: &str| cursor.siblings.iter().any(|it| it == key);
    let mut out = Vec::new();
    match cursor.path.segments() {
        [] if !present("state") => out.push(snippet(
            cursor,
            "state block",
            "state type, persistence, data criticality",
            format!(
                "state:\n{p2}type: ${{1|stateless,stateful,hybrid|}}\n{p2}persistence:\n{p4}scope: ${{2|local,shared|}}\n{p4}durability: ${{3|ephemeral,persistent|}}\n{p2}dataCriticality: ${{4|low,medium,high|}}\n$0",
                p2 = pad(2),
                p4 = pad(4)
            ),
        )),
        [Segment::Key(list), Segment::Index(_)] if &**list == "interfaces" && cursor.siblings.is_empty() => {
            out.push(snippet(
                cursor,
                "interface",
                "name, type, ref, visibility",
                format!(
                    "name: ${{1:api}}\n{p}type: ${{2|openapi,asyncapi,grpc|}}\n{p}ref: ${{3:interfaces/openapi.yaml}}\n{p}visibility: ${{4|internal,public|}}\n$0",
                    p = pad(0)
                ),
            ))
        }
        [Segment::Key(list), Segment::Index(_)] if &**list == "capabilities" && cursor.siblings.is_empty() => {
            out.push(snippet(
                cursor,
                "health capability",
                "type, binding to an interface",
                format!(
                    "type: ${{1|health,metrics|}}\n{p}binding:\n{p2}type: http\n{p2}interface: ${{2:api}}\n{p2}path: ${{3:/health}}\n$0",
                    p = pad(0),
                    p2 = pad(2)
                ),
            ))
        }
        [Segment::Key(section), Segment::Key(list), Segment::Index(_)]
            if &**section == "readiness" && &**list == "claims" && cursor.siblings.is_empty() =>
        {
            out.push(snippet(cursor, "readiness claim", "id, type, status, evidence, weight", assessment_item(&pad(0))))
        }
        _ => {}
    }
    out
}

/// Whole-block snippets where a user typically starts one.
fn block_snippets(cursor: &Cursor) -> Vec<Completion> {
    let pad = |n: usize| " ".repeat(cursor.column + n);
    let snippet = |label: &str, detail: &str, body: String| snippet(cursor, label, detail, body);
    let mut out = Vec::new();
    match cursor.path.segments() {
        [] if !cursor.siblings.iter().any(|it| it == "runtime") => out.push(snippet(
            "runtime block",
            "workload, state, health",
            format!(
                "runtime:\n{p2}workload: ${{1|service,job,scheduled|}}\n{p2}state:\n{p4}type: ${{2|stateless,stateful,hybrid|}}\n{p4}persistence:\n{p6}scope: ${{3|local,shared|}}\n{p6}durability: ${{4|ephemeral,persistent|}}\n{p4}dataCriticality: ${{5|low,medium,high|}}\n{p2}health:\n{p4}interface: ${{6:api}}\n{p4}path: ${{7:/health}}\n$0",
                p2 = pad(2),
                p4 = pad(4),
                p6 = pad(6)
            ),
        )),
        [Segment::Key(list), Segment::Index(_)] if &**list == "interfaces" && cursor.siblings.is_empty() => out.push(snippet(
            "interface",
            "name, type, port, visibility",
            format!(
                "name: ${{1:api}}\n{p}type: ${{2|http,grpc,event|}}\n{p}port: ${{3:8080}}\n{p}visibility: ${{4|internal,public|}}\n$0",
                p = pad(0)
            ),
        )),
        [Segment::Key(section), Segment::Key(list), Segment::Index(_)]
            if &**section == "readiness" && &**list == "checks" && cursor.siblings.is_empty() =>
        {
            out.push(snippet(
                "readiness check",
                "id, type, evidence, weight, expires",
                format!(
                    "id: ${{1:dashboard}}\n{p}type: ${{2|url,document,ticket,report,artifact,identifier,other|}}\n{p}evidence: ${{3}}\n{p}weight: ${{4:10}}\n{p}expires: \"${{5}}\"\n$0",
                    p = pad(0)
                ),
            ))
        }
        _ => {}
    }
    out
}

fn values(ctx: &Context<'_>, format: Format, cursor: &Cursor, quote: Option<char>) -> Vec<Completion> {
    let mut items = value_items(ctx, format, cursor, quote);
    // `key:` with no space yet: `key:value` would be one plain word, so insert the space too.
    if ctx.text[..cursor.replace.start].ends_with(':') {
        for item in &mut items {
            item.insert.insert(0, ' ');
        }
    }
    items
}

fn value_items(ctx: &Context<'_>, format: Format, cursor: &Cursor, quote: Option<char>) -> Vec<Completion> {
    let Some(path) = cursor.value_path() else { return Vec::new() };
    let text = path.to_string();
    let value =
        |label: String, kind: Kind, detail: Option<String>, documentation: Option<String>, insert: String| Completion {
            sort: label.clone(),
            label,
            kind,
            detail,
            documentation,
            insert,
            is_snippet: false,
            replace: cursor.replace.clone(),
        };
    if text == "pactoVersion" {
        return SchemaVersion::ALL
            .iter()
            .map(|it| {
                let insert = match quote {
                    Some(_) => it.as_str().to_string(),
                    None => format!("\"{}\"", it.as_str()),
                };
                let documentation = match it {
                    SchemaVersion::V1_0 => "The 1.0 contract format.",
                    SchemaVersion::V1_1 => "1.0 plus the top-level `readiness` section.",
                    SchemaVersion::V1_2 => "Object owner; readiness as one assessment with a status per check.",
                    SchemaVersion::V2_0 => "Top-level `workload` and `state`, `capabilities`, interfaces by spec file.",
                };
                value(
                    it.as_str().into(),
                    Kind::EnumMember,
                    Some("pactoVersion".into()),
                    Some(documentation.into()),
                    insert,
                )
            })
            .collect();
    }
    let interface_item = |it: &Interface| {
        let name = it.name.clone()?;
        let kind = it.kind.map_or("?", InterfaceType::as_str);
        let detail = match it.port {
            Some(port) => format!("{kind} · port {port}"),
            None => kind.to_string(),
        };
        let documentation = describe::interface_markdown(it);
        let insert = scalar::in_quote(&name, quote)?;
        Some(value(name, Kind::Reference, Some(detail), Some(documentation), insert))
    };
    if text == "runtime.health.interface" || text == "runtime.metrics.interface" {
        return ctx
            .contract
            .interfaces
            .iter()
            .filter(|it| matches!(it.kind, Some(InterfaceType::Http | InterfaceType::Grpc)))
            .filter_map(interface_item)
            .collect();
    }
    // A 2.0 capability binds to any declared interface (`CAPABILITY_INTERFACE_UNKNOWN` asks no more).
    if is_binding_interface(&path) {
        return ctx.contract.interfaces.iter().filter_map(interface_item).collect();
    }
    if let Some(extensions) = file_kinds(ctx.contract, &path) {
        return ctx
            .bundle_files
            .iter()
            .filter(|file| extensions.is_empty() || extensions.iter().any(|ext| file.ends_with(ext)))
            .filter_map(|file| {
                let insert = scalar::in_quote(file, quote)?;
                Some(value(file.clone(), Kind::File, Some("bundle file".into()), None, insert))
            })
            .collect();
    }
    if is_revision_date(&path) {
        let date = ctx.today.to_string();
        let insert = match quote {
            Some(_) => date.clone(),
            None => format!("\"{date}\""),
        };
        return vec![value(date, Kind::Value, Some("today".into()), None, insert)];
    }
    if matches!(path.segments().last(), Some(Segment::Key(key)) if &**key == "expires")
        && text.starts_with("readiness.")
    {
        let date = ctx.today.add_days(EXPIRES_AHEAD_DAYS).to_string();
        let insert = match quote {
            Some(_) => date.clone(),
            None => format!("\"{date}\""),
        };
        let detail = format!("{EXPIRES_AHEAD_DAYS} days from today");
        return vec![value(date, Kind::Value, Some(detail), None, insert)];
    }
    let Some(node) = format.node_at(&path) else { return Vec::new() };
    if let Some(options) = node.get("enum").and_then(Value::as_array) {
        return options
            .iter()
            .filter_map(Value::as_str)
            .map(|option| {
                let meaning = enum_description(node, option).map(String::from);
                value(option.into(), Kind::EnumMember, meaning.clone(), meaning, option.into())
            })
            .collect();
    }
    if node.get("type").and_then(Value::as_str) == Some("boolean") {
        return ["true", "false"]
            .iter()
            .map(|it| value(it.to_string(), Kind::Value, None, None, it.to_string()))
            .collect();
    }
    Vec::new()
}

/// For a bundle-file value, the file endings that fit (empty: any file).
fn file_kinds(contract: &Contract, path: &Path) -> Option<Vec<&'static str>> {
    match path.segments() {
        [Segment::Key(list), Segment::Index(index), Segment::Key(key)] => match (&**list, &**key) {
            ("interfaces", "contract") => Some(match contract.interfaces.get(*index).and_then(|it| it.kind) {
                Some(InterfaceType::Grpc) => vec![".proto"],
                Some(InterfaceType::Http) => vec![".yaml", ".yml", ".json"],
                Some(InterfaceType::Event) => vec![".yaml", ".yml", ".json", ".avsc"],
                Some(InterfaceType::OpenApi | InterfaceType::AsyncApi) => vec![".yaml", ".yml", ".json"],
                None => vec![],
            }),
            // A 2.0 spec file must parse as YAML or JSON, whatever the interface type (a raw `.proto` does not).
            ("interfaces", "ref") => Some(vec![".yaml", ".yml", ".json"]),
            ("configurations" | "policies", "schema") => Some(vec![".json"]),
            _ => None,
        },
        _ => None,
    }
}

/// Whether `path` is `capabilities[i].binding.interface`.
fn is_binding_interface(path: &Path) -> bool {
    matches!(path.segments(), [Segment::Key(list), Segment::Index(_), Segment::Key(binding), Segment::Key(key)]
        if &**list == "capabilities" && &**binding == "binding" && &**key == "interface")
}

/// Whether `path` is `readiness.history[i].date`.
fn is_revision_date(path: &Path) -> bool {
    matches!(path.segments(), [Segment::Key(section), Segment::Key(list), Segment::Index(_), Segment::Key(key)]
        if &**section == "readiness" && &**list == "history" && &**key == "date")
}

/// The `type` of the schema node at `path` (after `$ref`).
fn resolved_type(format: Format, path: &Path) -> Option<String> {
    format.node_at(path)?.get("type")?.as_str().map(String::from)
}
