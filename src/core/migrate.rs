//! Migrations of a contract's text to a newer format: 1.0 / 1.1 → 1.2 (the readiness redesign) and
//! 1.x → 2.0 (upstream's MIGRATION.md mapping).
//!
//! A migration is a list of byte edits on the input, so everything it does not have to move keeps its
//! comments, key order and formatting. Moved blocks (`runtime.workload` / `runtime.state` going to the
//! top level, health and metrics becoming `capabilities`) are copied line by line, re-indented, with
//! their comments. Fields the target format has no place for are kept as comments where they were and
//! listed in [`Migration::dropped`]. The caller checks that the contract is valid before migrating it:
//! this module only reads the text.

use std::collections::{BTreeSet, HashMap};
use std::ops::Range;
use std::sync::Arc;

use crate::core::bundle::{BundleFiles, BundleRef, FileRead, MemoryBundle};
use crate::core::date::{self, Date};
use crate::core::path::Path;
use crate::core::schema::SchemaVersion;
use crate::core::yaml::{self, Entry, NodeId, NodeKind, ScalarStyle, Tree};

/// What a migration does to one contract.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Migration {
    /// Non-overlapping byte edits on the input, sorted by position.
    pub edits: Vec<(Range<usize>, String)>,
    /// Spec files the target format needs and the contract did not have, to add to the bundle.
    pub new_files: Vec<NewFile>,
    /// The fields the target format has no place for (upstream paths), kept as comments.
    pub dropped: Vec<String>,
    /// What else the migration decided: values it filled in, files it wrote, conversions.
    pub notes: Vec<String>,
}

/// A file a migration adds to the bundle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewFile {
    /// The bundle-relative path.
    pub path: String,
    pub content: String,
}

impl Migration {
    /// Whether the migration changes nothing.
    pub fn is_empty(&self) -> bool {
        self.edits.is_empty() && self.new_files.is_empty()
    }

    /// The migrated text.
    pub fn apply(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len() + 256);
        let mut at = 0;
        for (range, replacement) in &self.edits {
            if range.start < at || range.end > text.len() {
                continue;
            }
            out.push_str(&text[at..range.start]);
            out.push_str(replacement);
            at = range.end;
        }
        out.push_str(&text[at..]);
        out
    }
}

/// Why a field is kept as a comment, appended to its first line.
const NOT_IN_2_0: &str = "  # not in pactoVersion 2.0";

/// 1.0 / 1.1 → 1.2: per-check `expires` becomes one assessment `expires` (the earliest, so nothing
/// stays valid longer than before), each check gets a `status`, a string owner becomes an object and
/// `pactoVersion` becomes "1.2". A 1.2 contract is left as it is; a 2.0 one is refused.
pub fn upgrade_readiness_to_1_2(text: &str) -> Result<Migration, String> {
    let doc = Doc::open(text)?;
    match doc.version {
        SchemaVersion::V1_2 => return Ok(nothing("the contract is already pactoVersion 1.2")),
        SchemaVersion::V2_0 => return Err("the contract is pactoVersion 2.0, which is newer than 1.2".into()),
        SchemaVersion::V1_0 | SchemaVersion::V1_1 => {}
    }
    let mut work = Work::new(&doc);
    work.set_version("1.2")?;
    work.owner()?;
    work.readiness(SchemaVersion::V1_2)?;
    work.finish()
}

/// 1.x → 2.0, following upstream's MIGRATION.md. A 2.0 contract is left as it is.
pub fn to_2_0(text: &str) -> Result<Migration, String> {
    let doc = Doc::open(text)?;
    if doc.version == SchemaVersion::V2_0 {
        return Ok(nothing("the contract is already pactoVersion 2.0"));
    }
    let mut work = Work::new(&doc);
    work.set_version("2.0")?;
    work.owner()?;
    for key in ["image", "chart"] {
        if let Some(entry) = doc.entry_at(&Path::root().key("service"), key) {
            let service = doc.get(&Path::root().key("service")).unwrap_or(doc.root);
            work.drop_entry(service, entry, &format!("service.{key}"))?;
        }
    }
    work.interfaces()?;
    work.fill_required("configurations", "true", "the configuration must be provided, as 1.x assumed")?;
    work.fill_required("dependencies", "false", "1.x read a missing `required` as `false`")?;
    work.runtime()?;
    if let Some(entry) = doc.entry_at(&Path::root(), "scaling") {
        work.drop_entry(doc.root, entry, "scaling")?;
    }
    work.readiness(SchemaVersion::V2_0)?;
    work.finish()
}

fn nothing(note: &str) -> Migration {
    Migration { notes: vec![note.to_string()], ..Migration::default() }
}

/// The parsed input.
struct Doc<'a> {
    text: &'a str,
    tree: Tree,
    root: NodeId,
    version: SchemaVersion,
    /// The line ending new lines use: the file's own.
    newline: &'static str,
}

impl<'a> Doc<'a> {
    fn open(text: &'a str) -> Result<Doc<'a>, String> {
        let parsed = yaml::parse(text);
        if let Some(problem) = parsed.problems.iter().find(|it| it.kind == yaml::ProblemKind::Syntax) {
            return Err(format!("the contract is not valid YAML: {}", problem.message));
        }
        let tree = parsed.tree;
        let root = tree.root().filter(|it| tree.mapping(*it).is_some()).ok_or("the contract is not a YAML mapping")?;
        if is_flow(text, &tree, root) {
            return Err("the contract is written in flow style (`{…}`); write it in block style to migrate it".into());
        }
        let declared = tree.entry(root, "pactoVersion").and_then(|it| tree.scalar_str(it.value));
        let declared = declared.ok_or("the contract has no `pactoVersion`")?;
        let version = SchemaVersion::parse(declared).ok_or_else(|| {
            format!("`pactoVersion` `{}` is not a version this tool migrates from", excerpt(declared))
        })?;
        let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
        Ok(Doc { text, tree, root, version, newline })
    }

    fn get(&self, path: &Path) -> Option<NodeId> {
        match path.is_root() {
            true => Some(self.root),
            false => self.tree.get(path),
        }
    }

    fn entry_at(&self, path: &Path, key: &str) -> Option<Entry> {
        self.tree.entry(self.get(path)?, key)
    }

    /// The items of the sequence at a top-level key.
    fn items(&self, key: &str) -> Vec<NodeId> {
        let value = self.tree.entry(self.root, key).map(|it| it.value);
        value.and_then(|it| self.tree.sequence(it)).map(<[NodeId]>::to_vec).unwrap_or_default()
    }

    fn str_at(&self, node: NodeId, key: &str) -> Option<&str> {
        self.tree.scalar_str(self.tree.entry(node, key)?.value)
    }

    /// The column of a node (bytes from its line's start; indentation is spaces only).
    fn column(&self, at: usize) -> usize {
        at - line_start(self.text, at)
    }

    /// Whether only spaces precede `at` on its line.
    fn starts_line(&self, at: usize) -> bool {
        self.text[line_start(self.text, at)..at].bytes().all(|it| it == b' ')
    }

    /// From the start of the entry's first line to the end of its last line (without the line break).
    fn entry_region(&self, entry: Entry) -> Range<usize> {
        let key = self.tree.span(entry.key);
        let value = self.tree.span(entry.value);
        let end = value.end.max(key.end);
        line_start(self.text, key.start)..last_line_end(self.text, key.start, end)
    }

    /// A mapping that must be edited in block style.
    fn block_mapping(&self, node: NodeId, what: &str) -> Result<&[Entry], String> {
        let entries = self.tree.mapping(node).ok_or_else(|| format!("`{what}` is not a mapping"))?;
        if is_flow(self.text, &self.tree, node) {
            return Err(format!("`{what}` is written in flow style (`{{…}}`); write it in block style to migrate it"));
        }
        Ok(entries)
    }
}

/// The edits and findings of one migration in progress.
struct Work<'d, 'a> {
    doc: &'d Doc<'a>,
    migration: Migration,
}

impl<'d, 'a> Work<'d, 'a> {
    fn new(doc: &'d Doc<'a>) -> Work<'d, 'a> {
        Work { doc, migration: Migration::default() }
    }

    fn edit(&mut self, range: Range<usize>, text: impl Into<String>) {
        self.migration.edits.push((range, text.into()));
    }

    fn note(&mut self, note: impl Into<String>) {
        self.migration.notes.push(note.into());
    }

    fn finish(mut self) -> Result<Migration, String> {
        // A stable sort: insertions at one offset keep the order they were made in, then merge into one
        // edit (with the replacement that may start there), so no two edits start at the same offset.
        self.migration.edits.sort_by_key(|(range, _)| (range.start, range.end));
        let mut merged: Vec<(Range<usize>, String)> = Vec::with_capacity(self.migration.edits.len());
        for (range, text) in std::mem::take(&mut self.migration.edits) {
            match merged.last_mut() {
                Some((last, inserted)) if last.start == last.end && last.start == range.start => {
                    inserted.push_str(&text);
                    last.end = range.end;
                }
                _ => merged.push((range, text)),
            }
        }
        self.migration.edits = merged;
        for pair in self.migration.edits.windows(2) {
            if pair[1].0.start < pair[0].0.end {
                return Err("the contract's layout is too unusual to migrate (two changes overlap)".into());
            }
        }
        Ok(self.migration)
    }

    /// `pactoVersion`, keeping the quote style (a plain `1.1` becomes a quoted string).
    fn set_version(&mut self, version: &str) -> Result<(), String> {
        let doc = self.doc;
        let entry = doc.tree.entry(doc.root, "pactoVersion").ok_or("the contract has no `pactoVersion`")?;
        let scalar = doc.tree.scalar(entry.value).ok_or("`pactoVersion` is not a string")?;
        match (scalar.style, doc.tree.text_span(entry.value)) {
            (ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted, Some(span)) => self.edit(span, version),
            _ => self.edit(doc.tree.span(entry.value), format!("\"{version}\"")),
        }
        Ok(())
    }

    /// A string owner becomes an object: `team` when it reads as a team, else `dri`, else a contact.
    fn owner(&mut self) -> Result<(), String> {
        let doc = self.doc;
        let Some(entry) = doc.entry_at(&Path::root().key("service"), "owner") else { return Ok(()) };
        let Some(owner) = doc.tree.scalar_str(entry.value) else { return Ok(()) };
        let indent = " ".repeat(doc.column(doc.tree.span(entry.key).start) + 2);
        let source = &doc.text[doc.tree.span(entry.value)];
        let nl = doc.newline;
        let (field, object) = if is_name(owner, false) {
            ("team", format!(":{nl}{indent}team: {source}"))
        } else if is_name(owner, true) {
            ("dri", format!(":{nl}{indent}dri: {source}"))
        } else {
            let value = serde_json::to_string(owner).unwrap_or_default();
            ("contacts[0]", format!(":{nl}{indent}contacts:{nl}{indent}  - type: other{nl}{indent}    value: {value}"))
        };
        self.edit(doc.tree.span(entry.key).end..doc.tree.span(entry.value).end, object);
        self.note(format!("the string owner became an object: `service.owner.{field}`"));
        Ok(())
    }

    /// Keeps a block-mapping entry as a comment at its place.
    fn drop_entry(&mut self, mapping: NodeId, entry: Entry, path: &str) -> Result<(), String> {
        let doc = self.doc;
        let text = doc.text;
        let key_start = doc.tree.span(entry.key).start;
        let siblings = doc.tree.mapping(mapping).unwrap_or(&[]);
        let position = siblings.iter().position(|it| it.key == entry.key).unwrap_or(0);
        let next = siblings.get(position + 1).map(|it| doc.tree.span(it.key).start);
        if is_flow(text, &doc.tree, mapping) {
            // `{a: 1, port: 8080, b: 2}`: the entry leaves the braces and a comment above keeps it.
            let value_end = doc.tree.span(entry.value).end.max(doc.tree.span(entry.key).end);
            let removed = match (next, position.checked_sub(1).and_then(|it| siblings.get(it))) {
                (Some(next), _) => key_start..next,
                (None, Some(previous)) => doc.tree.span(previous.value).end..value_end,
                (None, None) => key_start..value_end,
            };
            let line = line_start(text, doc.tree.span(mapping).start);
            let indent = " ".repeat(leading_spaces(&text[line..]));
            let kept = text[key_start..value_end].replace(['\r', '\n'], " ");
            self.edit(line..line, format!("{indent}# {kept}{NOT_IN_2_0}{}", doc.newline));
            self.edit(removed, "");
            self.migration.dropped.push(path.to_string());
            return Ok(());
        }
        let region = doc.entry_region(entry);
        let column = doc.column(key_start);
        let lines = lines_of(text, region.clone());
        if doc.starts_line(key_start) {
            for (index, line) in lines.iter().enumerate() {
                let content = &text[line.clone()];
                if content.trim().is_empty() || leading_spaces(content) < column {
                    continue;
                }
                self.edit(line.start + column..line.start + column, "# ");
                if index == 0 {
                    self.edit(line.end..line.end, NOT_IN_2_0);
                }
            }
        } else {
            // The entry shares its line with the item's `- `: the comment goes above the item, and the
            // item's next key moves up onto the dash line.
            let dash_line = line_start(text, key_start);
            let dash_column = text[dash_line..key_start].find('-').unwrap_or(0);
            let mut comment = String::new();
            for (index, line) in lines.iter().enumerate() {
                let content = &text[line.clone()];
                let body = match index {
                    0 => &text[key_start..line.end],
                    _ => &content[leading_spaces(content).min(column)..],
                };
                comment.push_str(&format!("{}# {body}", " ".repeat(dash_column)));
                if index == 0 {
                    comment.push_str(NOT_IN_2_0);
                }
                comment.push_str(doc.newline);
            }
            self.edit(dash_line..dash_line, comment);
            let next = next.ok_or_else(|| format!("`{path}` is the only field of its item"))?;
            let between = &text[region.end..next];
            match between.trim().is_empty() {
                true => self.edit(key_start..next, ""),
                false => self.edit(key_start..region.end, ""),
            }
        }
        self.migration.dropped.push(path.to_string());
        Ok(())
    }

    /// Adds `key: value` as the last entry of a block mapping (an item of a list).
    fn append_entry(&mut self, mapping: NodeId, line: &str) {
        let doc = self.doc;
        let Some(entries) = doc.tree.mapping(mapping) else { return };
        if is_flow(doc.text, &doc.tree, mapping) {
            let span = doc.tree.span(mapping);
            let close = doc.text[span.clone()].rfind('}').map_or(span.end, |it| span.start + it);
            let body = doc.text[span.start + 1..close].trim_end();
            let separator = if body.is_empty() || body.ends_with(',') { " " } else { ", " };
            let at = span.start + 1 + body.len();
            self.edit(at..at, format!("{separator}{line}"));
            return;
        }
        let Some(first) = entries.first() else { return };
        let column = doc.column(doc.tree.span(first.key).start);
        let last = entries[entries.len() - 1];
        let end = doc.entry_region(last).end;
        self.edit(end..end, format!("{}{}{line}", doc.newline, " ".repeat(column)));
    }

    /// `interfaces[]`: types renamed, `contract` → `ref`, `port` dropped, spec files where 2.0 needs one.
    fn interfaces(&mut self) -> Result<(), String> {
        let doc = self.doc;
        let service = doc.get(&Path::root().key("service"));
        let service_name = service.and_then(|it| doc.str_at(it, "name")).unwrap_or("service").to_string();
        let service_version = service.and_then(|it| doc.str_at(it, "version")).unwrap_or("0.0.0").to_string();
        let mut taken: BTreeSet<String> =
            doc.items("interfaces").iter().filter_map(|it| doc.str_at(*it, "contract")).map(str::to_string).collect();
        for (index, item) in doc.items("interfaces").into_iter().enumerate() {
            let at = format!("interfaces[{index}]");
            let entries = doc.tree.mapping(item).ok_or_else(|| format!("`{at}` is not a mapping"))?;
            let name = doc.str_at(item, "name").unwrap_or("interface").to_string();
            let kind = doc.str_at(item, "type").unwrap_or("").to_string();
            if let Some(entry) = doc.tree.entry(item, "type") {
                let renamed = match kind.as_str() {
                    "http" => Some("openapi"),
                    "event" => Some("asyncapi"),
                    _ => None,
                };
                if let (Some(renamed), Some(span)) = (renamed, doc.tree.text_span(entry.value)) {
                    self.edit(span, renamed);
                }
            }
            if let Some(entry) = entries.iter().find(|it| doc.tree.key_text(it.key) == Some("port")) {
                self.drop_entry(item, *entry, &format!("{at}.port"))?;
            }
            let contract = entries.iter().find(|it| doc.tree.key_text(it.key) == Some("contract"));
            match contract {
                Some(entry) => {
                    let key = doc.tree.text_span(entry.key).ok_or("an interface key is not plain text")?;
                    self.edit(key, "ref");
                    let path = doc.tree.scalar_str(entry.value).unwrap_or("").to_string();
                    if kind == "grpc" && !is_yaml_or_json(&path) {
                        let stem = path.strip_suffix(".proto").unwrap_or(&path);
                        let descriptor = unique(&mut taken, stem, ".grpc.yaml");
                        let (span, text) = string_edit(&doc.tree, entry.value, &descriptor)
                            .ok_or("a `contract` value is not plain text")?;
                        self.edit(span, text);
                        self.migration.new_files.push(NewFile {
                            path: descriptor.clone(),
                            content: grpc_descriptor(&service_name, &name, &path),
                        });
                        self.note(format!(
                            "`{at}.ref` is `{descriptor}`, a new gRPC descriptor pointing at `{path}`: 2.0 reads interface specs as YAML or JSON"
                        ));
                    }
                }
                None => {
                    let spec = unique(&mut taken, &format!("interfaces/{}", slug(&name)), ".openapi.yaml");
                    self.append_entry(item, &format!("ref: {spec}"));
                    self.migration.new_files.push(NewFile {
                        path: spec.clone(),
                        content: openapi_stub(&service_name, &service_version, &name),
                    });
                    self.note(format!(
                        "`{at}.ref` is `{spec}`, a new minimal OpenAPI file: 2.0 needs a spec for every interface"
                    ));
                }
            }
        }
        Ok(())
    }

    /// Adds `required: VALUE` to the items of a top-level list that lack it (2.0 requires it).
    fn fill_required(&mut self, key: &str, value: &str, why: &str) -> Result<(), String> {
        let doc = self.doc;
        for (index, item) in doc.items(key).into_iter().enumerate() {
            if doc.tree.entry(item, "required").is_some() {
                continue;
            }
            doc.tree.mapping(item).ok_or_else(|| format!("`{key}[{index}]` is not a mapping"))?;
            self.append_entry(item, &format!("required: {value}"));
            self.note(format!("`{key}[{index}].required` is `{value}`: {why}"));
        }
        Ok(())
    }

    /// `runtime` is replaced by its moved parts: `workload` and `state` at the top level, `health` and
    /// `metrics` as `capabilities`, `lifecycle` kept as a comment. Lines keep their comments.
    fn runtime(&mut self) -> Result<(), String> {
        let doc = self.doc;
        let text = doc.text;
        let nl = doc.newline;
        let Some(runtime) = doc.tree.entry(doc.root, "runtime") else { return Ok(()) };
        let children = doc.block_mapping(runtime.value, "runtime")?;
        let Some(first) = children.first() else { return Ok(()) };
        let indent = doc.column(doc.tree.span(first.key).start);
        let region = doc.entry_region(runtime);
        let interface_types: HashMap<String, String> = doc
            .items("interfaces")
            .iter()
            .filter_map(|it| Some((doc.str_at(*it, "name")?.to_string(), doc.str_at(*it, "type")?.to_string())))
            .collect();
        let regions: Vec<(Range<usize>, Entry)> = children.iter().map(|it| (doc.entry_region(*it), *it)).collect();
        let mut out = String::new();
        let header_end = last_line_end(text, region.start, doc.tree.span(runtime.key).end);
        if let Some(comment) = trailing_comment(text, doc.tree.span(runtime.key).end..header_end) {
            out.push_str(comment);
            out.push_str(nl);
        }
        let mut capabilities_written = false;
        let mut lines = lines_of(text, region.clone()).into_iter().skip(1).peekable();
        while let Some(line) = lines.next() {
            let Some((child, entry)) = regions.iter().find(|(child, _)| child.contains(&line.start)) else {
                // Lines between children (blank lines, comments) keep their place.
                push_lines(&mut out, text, line, indent, "", nl);
                continue;
            };
            while lines.peek().is_some_and(|it| it.start <= child.end) {
                lines.next();
            }
            let key = doc.tree.key_text(entry.key).unwrap_or("");
            // Each moved part is a top-level section now: a blank line sets it apart, as upstream writes them.
            let blank = format!("{nl}{nl}");
            let folded = capabilities_written && matches!(key, "health" | "metrics");
            if !out.is_empty() && !out.ends_with(&blank) && !folded {
                out.push_str(nl);
            }
            match key {
                "workload" | "state" => push_lines(&mut out, text, child.clone(), indent, "", nl),
                "health" | "metrics" if !capabilities_written => {
                    capabilities_written = true;
                    out.push_str("capabilities:");
                    out.push_str(nl);
                    for (other, other_entry) in &regions {
                        let other_key = doc.tree.key_text(other_entry.key).unwrap_or("");
                        if other_key == "health" || other_key == "metrics" {
                            self.capability(&mut out, other.clone(), *other_entry, other_key, &interface_types)?;
                        }
                    }
                }
                "health" | "metrics" => {}
                _ => {
                    let mut kept = String::new();
                    push_lines(&mut kept, text, child.clone(), indent, "# ", nl);
                    out.push_str(&with_first_line_suffix(&kept, NOT_IN_2_0, nl));
                    self.migration.dropped.push(format!("runtime.{key}"));
                }
            }
        }
        while out.ends_with(['\n', '\r']) {
            out.pop();
        }
        self.edit(region, out);
        self.note("`runtime.workload` and `runtime.state` moved to the top level");
        Ok(())
    }

    /// One `capabilities` item from `runtime.health` or `runtime.metrics`.
    fn capability(
        &mut self,
        out: &mut String,
        region: Range<usize>,
        entry: Entry,
        kind: &str,
        interface_types: &HashMap<String, String>,
    ) -> Result<(), String> {
        let doc = self.doc;
        let text = doc.text;
        let nl = doc.newline;
        let interface = doc.str_at(entry.value, "interface").unwrap_or("");
        out.push_str(&format!("  - type: {kind}{nl}"));
        let header_end = last_line_end(text, region.start, doc.tree.span(entry.key).end);
        if let Some(comment) = trailing_comment(text, doc.tree.span(entry.key).end..header_end)
            && doc.tree.span(entry.value).start > header_end
        {
            out.push_str(&format!("    {comment}{nl}"));
        }
        let Some(fields) = doc.tree.mapping(entry.value) else { return Ok(()) };
        let grpc = interface_types.get(interface).is_some_and(|it| it == "grpc");
        if grpc {
            // 2.0 bindings are http only; upstream's own gRPC example declares health without one.
            let mut kept = String::new();
            let value = doc.tree.span(entry.value);
            match is_flow(text, &doc.tree, entry.value) {
                true => kept = format!("    # {}{nl}", &text[value]),
                false => push_lines(
                    &mut kept,
                    text,
                    line_start(text, value.start)..region.end,
                    doc.column(value.start),
                    "    # ",
                    nl,
                ),
            }
            out.push_str(&with_first_line_suffix(&kept, "  # 2.0 binds capabilities to http interfaces only", nl));
            self.migration.dropped.push(format!("runtime.{kind}.interface"));
            self.note(format!(
                "the `{kind}` capability has no binding: its interface `{interface}` is gRPC and 2.0 bindings are http"
            ));
            return Ok(());
        }
        out.push_str(&format!("    binding:{nl}      type: http{nl}"));
        if is_flow(text, &doc.tree, entry.value) {
            for field in ["interface", "path"] {
                if let Some(value) = doc.tree.entry(entry.value, field) {
                    out.push_str(&format!("      {field}: {}{nl}", &text[doc.tree.span(value.value)]));
                }
            }
            return Ok(());
        }
        for field in fields {
            let region = doc.entry_region(*field);
            let column = doc.column(doc.tree.span(field.key).start);
            match doc.tree.key_text(field.key) {
                Some("interface") | Some("path") => push_lines(out, text, region, column, "      ", nl),
                other => {
                    let mut kept = String::new();
                    push_lines(&mut kept, text, region, column, "      # ", nl);
                    out.push_str(&with_first_line_suffix(&kept, NOT_IN_2_0, nl));
                    self.migration.dropped.push(format!("runtime.{kind}.{}", other.unwrap_or("")));
                }
            }
        }
        Ok(())
    }

    /// 1.0 / 1.1 readiness → 1.2 (one `expires`, a `status` per check); `checks` → `claims` for 2.0.
    fn readiness(&mut self, target: SchemaVersion) -> Result<(), String> {
        let doc = self.doc;
        let text = doc.text;
        let Some(readiness) = doc.tree.entry(doc.root, "readiness") else { return Ok(()) };
        doc.block_mapping(readiness.value, "readiness")?;
        let Some(checks) = doc.tree.entry(readiness.value, "checks") else { return Ok(()) };
        if matches!(doc.version, SchemaVersion::V1_0 | SchemaVersion::V1_1) {
            let items = doc.tree.sequence(checks.value).map(<[NodeId]>::to_vec).unwrap_or_default();
            let mut earliest: Option<(Date, String)> = None;
            for (index, item) in items.iter().enumerate() {
                let at = format!("readiness.checks[{index}]");
                doc.block_mapping(*item, &at)?;
                let Some(expires) = doc.tree.entry(*item, "expires") else {
                    self.append_entry(*item, "status: done");
                    continue;
                };
                let value = doc.tree.scalar_str(expires.value).unwrap_or("");
                let date = date::parse_strict(value)
                    .ok_or_else(|| format!("`{at}.expires` (`{}`) is not a YYYY-MM-DD date", excerpt(value)))?;
                if earliest.as_ref().is_none_or(|(it, _)| date < *it) {
                    earliest = Some((date, value.to_string()));
                }
                let source = &text[doc.tree.span(expires.value)];
                let key_start = doc.tree.span(expires.key).start;
                self.edit(
                    key_start..doc.tree.span(expires.value).end,
                    format!("status: done  # 1.1 expires: {source}"),
                );
            }
            if doc.tree.entry(readiness.value, "expires").is_none() {
                let (_, date) = earliest.ok_or("the readiness checks have no `expires` date to carry over")?;
                let line = format!("expires: \"{date}\"");
                let key_start = doc.tree.span(checks.key).start;
                match doc.starts_line(key_start) {
                    true => {
                        let at = line_start(text, key_start);
                        self.edit(at..at, format!("{}{line}{}", " ".repeat(doc.column(key_start)), doc.newline));
                    }
                    false => self.append_entry(readiness.value, &line),
                }
                self.note(format!(
                    "`readiness.expires` is \"{date}\", the earliest check expiry, so no claim stays valid longer than before"
                ));
            }
            if !items.is_empty() {
                self.note("every readiness check has `status: done` (1.1 counted every unexpired check in full)");
            }
        }
        if target == SchemaVersion::V2_0 {
            let key = doc.tree.text_span(checks.key).ok_or("the `checks` key is not plain text")?;
            self.edit(key, "claims");
            self.note("`readiness.checks` is `readiness.claims` in 2.0");
        }
        Ok(())
    }
}

/// The comment at the end of a line, after the key and colon in `after_key`.
fn trailing_comment(text: &str, after_key: Range<usize>) -> Option<&str> {
    let rest = text.get(after_key)?;
    let at = rest.find('#')?;
    rest[..at].trim_start_matches(':').trim().is_empty().then(|| &rest[at..])
}

/// Appends `suffix` to the first line of `block`.
fn with_first_line_suffix(block: &str, suffix: &str, nl: &str) -> String {
    match block.find(nl) {
        Some(at) => format!("{}{suffix}{}", &block[..at], &block[at..]),
        None => format!("{block}{suffix}"),
    }
}

/// Copies the lines of `region`, each without up to `strip` leading spaces and with `prefix` before it
/// (blank lines stay blank), each ended by `nl`.
fn push_lines(out: &mut String, text: &str, region: Range<usize>, strip: usize, prefix: &str, nl: &str) {
    for line in lines_of(text, region) {
        let content = &text[line];
        if content.trim().is_empty() {
            out.push_str(nl);
            continue;
        }
        out.push_str(prefix);
        out.push_str(&content[leading_spaces(content).min(strip)..]);
        out.push_str(nl);
    }
}

/// The lines of a region (from a line start to a line end), without their line breaks.
fn lines_of(text: &str, region: Range<usize>) -> Vec<Range<usize>> {
    let mut lines = Vec::new();
    let mut at = region.start;
    while at <= region.end {
        let end = content_end(text, at).min(region.end);
        lines.push(at..end);
        match text[end..].find('\n') {
            Some(offset) if end + offset < region.end => at = end + offset + 1,
            _ => break,
        }
    }
    lines
}

fn leading_spaces(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

fn line_start(text: &str, at: usize) -> usize {
    text[..at].rfind('\n').map_or(0, |it| it + 1)
}

/// The end of the line holding `at`, before its line break (`\n` or `\r\n`).
fn content_end(text: &str, at: usize) -> usize {
    let end = text[at..].find('\n').map_or(text.len(), |it| at + it);
    match end > at && text.as_bytes()[end - 1] == b'\r' {
        true => end - 1,
        false => end,
    }
}

/// The end of the last line of a span that ends at `end` (a block scalar's span may include its
/// final line break).
fn last_line_end(text: &str, start: usize, mut end: usize) -> usize {
    while end > start && matches!(text.as_bytes()[end - 1], b'\n' | b'\r') {
        end -= 1;
    }
    content_end(text, end)
}

fn is_flow(text: &str, tree: &Tree, node: NodeId) -> bool {
    let node = tree.resolve(node);
    matches!(tree.node(node).kind, NodeKind::Mapping(_) | NodeKind::Sequence(_))
        && matches!(text.as_bytes().get(tree.span(node).start), Some(b'{' | b'['))
}

/// Whether an owner string fits the 2.0 `team` pattern (or, with `at`, the `dri` pattern).
fn is_name(value: &str, at: bool) -> bool {
    !value.is_empty() && value.chars().all(|it| it.is_ascii_alphanumeric() || "._/-".contains(it) || (at && it == '@'))
}

fn is_yaml_or_json(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    [".yaml", ".yml", ".json"].iter().any(|it| lower.ends_with(it))
}

/// A file-name-safe form of an interface name.
fn slug(name: &str) -> String {
    let mapped: String = name
        .chars()
        .map(|it| match it.is_ascii_alphanumeric() || it == '-' || it == '_' {
            true => it.to_ascii_lowercase(),
            false => '-',
        })
        .collect();
    let trimmed = mapped.trim_matches('-');
    match trimmed.is_empty() {
        true => "interface".to_string(),
        false => trimmed.chars().take(64).collect(),
    }
}

/// `stem + suffix`, or `stem-2 + suffix` … when a path is already taken.
fn unique(taken: &mut BTreeSet<String>, stem: &str, suffix: &str) -> String {
    let mut path = format!("{stem}{suffix}");
    let mut counter = 2;
    while taken.contains(&path) {
        path = format!("{stem}-{counter}{suffix}");
        counter += 1;
    }
    taken.insert(path.clone());
    path
}

fn excerpt(value: &str) -> std::borrow::Cow<'_, str> {
    crate::core::text::excerpt(value)
}

/// A name for a comment line: no line breaks or control characters.
fn comment_safe(value: &str) -> String {
    value.chars().map(|it| if it.is_control() { ' ' } else { it }).collect()
}

/// The edit that makes the string `node` read `value`, in the node's own quotes when they can hold it (a `'`
/// doubled, a `"` escaped), else double-quoted in their place; plain when the node is plain or a block scalar and
/// `value` can be plain.
fn string_edit(tree: &Tree, node: NodeId, value: &str) -> Option<(Range<usize>, String)> {
    let span = tree.text_span(node)?;
    let quote = match tree.scalar(node)?.style {
        ScalarStyle::SingleQuoted => Some('\''),
        ScalarStyle::DoubleQuoted => Some('"'),
        ScalarStyle::Plain | ScalarStyle::Literal | ScalarStyle::Folded => None,
    };
    match crate::core::ide::scalar::in_quote(value, quote) {
        Some(text) => Some((span, text)),
        // Single quotes cannot hold it: the quotes around the span are replaced too.
        None => Some((span.start - 1..span.end + 1, format!("\"{}\"", crate::core::ide::scalar::escape_double(value)))),
    }
}

fn quoted(value: &str) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "\"\"".to_string())
}

fn openapi_stub(service: &str, version: &str, interface: &str) -> String {
    format!(
        "# A minimal OpenAPI description of the `{}` interface, written by `pacto-lsp migrate`:\n\
         # pactoVersion 2.0 needs a spec file for every interface. Describe its paths here.\n\
         openapi: 3.1.0\n\
         info:\n  title: {}\n  version: {}\n\
         paths: {{}}\n",
        comment_safe(interface),
        quoted(&format!("{service} {interface}")),
        quoted(version),
    )
}

fn grpc_descriptor(service: &str, interface: &str, proto: &str) -> String {
    format!(
        "# A gRPC service descriptor for the `{}` interface of {}, written by `pacto-lsp migrate`:\n\
         # pactoVersion 2.0 reads interface specs as YAML or JSON, not raw .proto files. The protobuf\n\
         # definition stays in the bundle; list its services and methods here.\n\
         syntax: proto3\n\
         proto: {}\n\
         services: []\n",
        comment_safe(interface),
        comment_safe(service),
        quoted(proto),
    )
}

/// Migrates to `target` (1.2 or 2.0).
pub fn migrate(text: &str, target: SchemaVersion) -> Result<Migration, String> {
    match target {
        SchemaVersion::V1_2 => upgrade_readiness_to_1_2(text),
        SchemaVersion::V2_0 => to_2_0(text),
        other => Err(format!("contracts cannot be migrated to pactoVersion {}", other.as_str())),
    }
}

/// A bundle with a migration's new files added (they win over files of the same path).
pub fn with_new_files(bundle: &BundleRef, files: &[NewFile]) -> BundleRef {
    let mut added = MemoryBundle::new();
    for file in files {
        added = added.with(&file.path, &file.content);
    }
    BundleRef { id: bundle.id.clone(), files: Arc::new(Overlay { base: bundle.files.clone(), added }) }
}

struct Overlay {
    base: Arc<dyn BundleFiles>,
    added: MemoryBundle,
}

impl BundleFiles for Overlay {
    fn read(&self, path: &str) -> FileRead {
        match self.added.read(path) {
            FileRead::File(bytes) => FileRead::File(bytes),
            _ => self.base.read(path),
        }
    }
}
