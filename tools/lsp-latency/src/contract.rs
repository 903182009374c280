//! The contract under test: loading or generating it, where to edit and complete, and writing
//! copies of it (with its bundle files) to disk so every `file:` URI is real.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

/// Where the keystroke edits happen: an insertion point inside a value, 0-based, UTF-16 column.
#[derive(Clone, Debug)]
pub struct EditSite {
    pub line: usize,
    pub character: usize,
    pub line_text: String,
}

/// Prepends the yaml-language-server modeline that points at `schema_url`.
pub fn with_modeline(text: &str, schema_url: Option<&str>) -> String {
    match schema_url {
        Some(url) => format!("# yaml-language-server: $schema={url}\n{text}"),
        None => text.to_string(),
    }
}

fn utf16_len(text: &str) -> usize {
    text.encode_utf16().count()
}

/// Splits a `key: value` line (optionally a `- key: value` sequence item) into the byte offset
/// where the value starts and the value, when the value is a plain scalar starting with a letter.
fn plain_value(line: &str) -> Option<(usize, &str)> {
    let body = line.trim_start();
    let body = body.strip_prefix("- ").unwrap_or(body);
    let (key, rest) = body.split_once(": ")?;
    if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        return None;
    }
    let value = rest.trim_end();
    let first = value.chars().next()?;
    if !first.is_ascii_alphabetic() || value.contains(" #") || value.len() < 3 {
        return None;
    }
    let start = line.len() - rest.len();
    Some((start, value))
}

/// The site of the keystroke edits: inside the value of `line` (1-based) when given, else of the
/// `key: value` line nearest the middle of the document (a `name:` line when there is one within
/// a few lines, since typing into a name keeps the document valid).
pub fn edit_site(text: &str, line: Option<usize>) -> Result<EditSite, String> {
    let lines: Vec<&str> = text.lines().collect();
    let chosen = match line {
        Some(number) => {
            let index = number.checked_sub(1).filter(|it| *it < lines.len()).ok_or("--edit-line is out of range")?;
            plain_value(lines[index]).map(|_| index).ok_or_else(|| {
                format!("--edit-line {number}: `{}` has no plain `key: value` to type into", lines[index])
            })?
        }
        None => {
            let middle = lines.len() / 2;
            let candidates: Vec<usize> = (0..lines.len()).filter(|it| plain_value(lines[*it]).is_some()).collect();
            let nearest = |filter: &dyn Fn(&usize) -> bool| {
                candidates.iter().copied().filter(|it| filter(it)).min_by_key(|it| it.abs_diff(middle))
            };
            let any = nearest(&|_| true).ok_or("the contract has no `key: value` line to type into")?;
            let is_name = |it: &usize| lines[*it].trim_start().trim_start_matches("- ").starts_with("name: ");
            match nearest(&is_name) {
                Some(name) if name.abs_diff(middle) <= any.abs_diff(middle) + 8 => name,
                _ => any,
            }
        }
    };
    let line_text = lines[chosen];
    let (start, value) = plain_value(line_text).ok_or("no value on the edit line")?;
    // The middle of the value, on a character boundary.
    let mut offset = start + value.len() / 2;
    while !line_text.is_char_boundary(offset) {
        offset -= 1;
    }
    Ok(EditSite { line: chosen, character: utf16_len(&line_text[..offset]), line_text: line_text.to_string() })
}

/// The completion position: right after `workload: ` (or after the first `key: ` of the edit
/// line when the contract has no `workload:`), 0-based with a UTF-16 column.
pub fn completion_site(text: &str, site: &EditSite) -> (usize, usize, String) {
    for (index, line) in text.lines().enumerate() {
        if let Some(at) = line.find("workload: ") {
            let column = utf16_len(&line[..at + "workload: ".len()]);
            return (index, column, line.to_string());
        }
    }
    let at = site.line_text.find(": ").map_or(0, |it| it + 2);
    (site.line, utf16_len(&site.line_text[..at]), site.line_text.clone())
}

/// The position just past the end of `text` and the text that appends one new top-level line
/// (used for the validation probe).
pub fn append_point(text: &str, line: &str) -> (usize, usize, String) {
    let last = text.rsplit('\n').next().unwrap_or_default();
    let line_index = text.matches('\n').count();
    match last.is_empty() {
        true => (line_index, 0, format!("{line}\n")),
        false => (line_index, utf16_len(last), format!("\n{line}\n")),
    }
}

/// A `file:` URI for an absolute path (percent-encoding what needs it).
pub fn file_uri(path: &Path) -> String {
    let mut out = String::from("file://");
    for byte in path.to_string_lossy().bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => out.push(byte as char),
            _ => {
                let _ = write!(out, "%{byte:02X}");
            }
        }
    }
    out
}

/// Writes `text` as `<dir>/pacto.yaml` and copies the bundle directory's contents beside it.
///
/// A contract made by [`generate_heavy`] also gets the configuration schema it names
/// ([`HEAVY_SCHEMA`]), generated for its values, so its configuration values are really checked.
pub fn write_copy(dir: &Path, text: &str, bundle: Option<&Path>) -> Result<PathBuf, String> {
    fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    if let Some(bundle) = bundle {
        copy_tree(bundle, dir)?;
    }
    if text.contains(HEAVY_SCHEMA) {
        let path = dir.join(HEAVY_SCHEMA);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        let values = text.matches(HEAVY_VALUE_PREFIX).count();
        fs::write(&path, heavy_values_schema(values)).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    let path = dir.join("pacto.yaml");
    fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}

fn copy_tree(from: &Path, to: &Path) -> Result<(), String> {
    let entries = fs::read_dir(from).map_err(|e| format!("cannot read {}: {e}", from.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot read {}: {e}", from.display()))?;
        let target = to.join(entry.file_name());
        let kind = entry.file_type().map_err(|e| e.to_string())?;
        if kind.is_dir() {
            fs::create_dir_all(&target).map_err(|e| format!("cannot create {}: {e}", target.display()))?;
            copy_tree(&entry.path(), &target)?;
        } else if entry.file_name() != "pacto.yaml" {
            fs::copy(entry.path(), &target).map_err(|e| format!("cannot copy to {}: {e}", target.display()))?;
        }
    }
    Ok(())
}

/// A valid Pacto 1.1 contract of about `lines` lines: a service header, then HTTP and gRPC
/// interfaces of 8 lines each, a policy, runtime, scaling and a few readiness checks. Interface
/// contracts point at `interfaces/openapi.yaml` and `interfaces/payments.proto` and the policy at
/// `policy/schema.json`, as in `benches/data/bundle` (pass it with `--bundle`).
pub fn generate(lines: usize) -> String {
    const HEAD: &str = "\
# Generated by lsp-latency --generate-lines: a large, valid Pacto 1.1 contract.
pactoVersion: \"1.1\"

service:
  name: edge-gateway
  version: 7.12.0
  owner:
    team: platform/edge
    contacts:
      - type: email
        value: edge@acme.com
        purpose: ownership
  image:
    ref: ghcr.io/acme/edge-gateway:7.12.0

interfaces:
";
    const TAIL: &str = "\
policies:
  - name: platform-baseline
    schema: policy/schema.json

runtime:
  workload: service
  state:
    type: stateless
    persistence:
      scope: local
      durability: ephemeral
    dataCriticality: medium
  lifecycle:
    upgradeStrategy: rolling
    gracefulShutdownSeconds: 30
  health:
    interface: http-0000
    path: /healthz
  metrics:
    interface: http-0000
    path: /metrics

scaling:
  min: 4
  max: 64

readiness:
  minScore: 50
  checks:
    - id: dashboard
      type: url
      evidence: https://grafana.acme.com/d/edge-gateway
      weight: 50
      expires: 2099-06-30
";
    const PER_ITEM: usize = 8;
    let fixed = HEAD.lines().count() + TAIL.lines().count();
    let items = lines.saturating_sub(fixed).div_ceil(PER_ITEM).max(1);
    let mut out = String::with_capacity(HEAD.len() + TAIL.len() + items * 200);
    out.push_str(HEAD);
    for index in 0..items {
        let (kind, contract) = match index % 2 {
            0 => ("http", "interfaces/openapi.yaml"),
            _ => ("grpc", "interfaces/payments.proto"),
        };
        let visibility = if index % 5 == 0 { "public" } else { "internal" };
        let _ = write!(
            out,
            "  # shard {index}: {kind} endpoint of the edge tier\n  - name: {kind}-{index:04}\n    type: {kind}\n    \
             port: {}\n    visibility: {visibility}\n    contract: {contract}\n    # owned by team edge-{}\n\n",
            10_000 + index,
            index % 7
        );
    }
    out.push_str(TAIL);
    out
}

/// The contract with the registry of every `oci://` ref replaced by `addr` (the rest of each ref kept).
pub fn point_registries_at(text: &str, addr: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("oci://") {
        let after = &rest[at + "oci://".len()..];
        let host_end = after.find(['/', '\n', '"', '\'']).unwrap_or(after.len());
        out.push_str(&rest[..at]);
        out.push_str("oci://");
        out.push_str(addr);
        rest = &after[host_end..];
    }
    out.push_str(rest);
    out
}

/// The bundle path of the configuration schema a heavy contract's values are checked against.
pub const HEAVY_SCHEMA: &str = "configuration/heavy-schema.json";

/// How every configuration value line of a heavy contract starts.
const HEAVY_VALUE_PREFIX: &str = "\n      SETTING_";

/// A valid Pacto 1.1 contract of about `lines` lines that exercises every layer per line: per
/// 10,000 lines, 950 interfaces (5 lines each, a comment before every fourth), 420 configuration
/// values checked against a generated schema ([`heavy_values_schema`], written beside each copy by
/// [`write_copy`]) and 900 readiness checks (5 lines each). Interface contracts point at
/// `interfaces/openapi.yaml` and `interfaces/payments.proto` and the policy at
/// `policy/schema.json`, as in `benches/data/bundle` (pass it with `--bundle`).
pub fn generate_heavy(lines: usize) -> String {
    const HEAD: &str = "\
# Generated by lsp-latency --generate-heavy: a large, valid Pacto 1.1 contract.
pactoVersion: \"1.1\"

service:
  name: edge-gateway
  version: 7.12.0
  owner:
    team: platform/edge
    contacts:
      - type: email
        value: edge@acme.com
  image:
    ref: ghcr.io/acme/edge-gateway:7.12.0

interfaces:
";
    const MIDDLE: &str = "\
policies:
  - name: platform-baseline
    schema: policy/schema.json

runtime:
  workload: service
  state:
    type: stateless
    persistence:
      scope: local
      durability: ephemeral
    dataCriticality: medium
  health:
    interface: http-0000
    path: /healthz
  metrics:
    interface: http-0000
    path: /metrics

scaling:
  min: 4
  max: 64

readiness:
  minScore: 50
  checks:
";
    let scale = |per_10k: usize| (lines * per_10k).div_ceil(10_000).max(1);
    let (interfaces, values, checks) = (scale(950), scale(420), scale(900));
    let mut out = String::with_capacity(lines * 40);
    out.push_str(HEAD);
    for index in 0..interfaces {
        let (kind, contract) = match index % 2 {
            0 => ("http", "interfaces/openapi.yaml"),
            _ => ("grpc", "interfaces/payments.proto"),
        };
        if index % 4 == 0 {
            let _ = writeln!(out, "  # shard {}: {kind} endpoints of the edge tier", index / 4);
        }
        let visibility = if index % 5 == 0 { "public" } else { "internal" };
        let _ = write!(
            out,
            "  - name: {kind}-{index:04}\n    type: {kind}\n    port: {}\n    visibility: {visibility}\n    contract: {contract}\n",
            10_000 + index
        );
    }
    let _ = write!(out, "\nconfigurations:\n  - name: default\n    schema: {HEAVY_SCHEMA}\n    values:");
    for index in 0..values {
        let value = match index % 3 {
            0 => format!("value-{index}"),
            1 => index.to_string(),
            _ => (index % 2 == 0).to_string(),
        };
        let _ = write!(out, "{HEAVY_VALUE_PREFIX}{index:04}: {value}");
    }
    out.push_str("\n\n");
    out.push_str(MIDDLE);
    for index in 0..checks {
        let _ = write!(
            out,
            "    - id: check-{index:04}\n      type: url\n      evidence: https://wiki.acme.com/edge/readiness/{index}\n      \
             weight: {}\n      expires: 2099-{:02}-15\n",
            1 + index % 10,
            1 + index % 12
        );
    }
    out
}

/// The JSON Schema of a heavy contract's `values`: one property per value, typed like
/// [`generate_heavy`] writes it (string, integer, boolean in turn), nothing else allowed.
pub fn heavy_values_schema(values: usize) -> String {
    let properties: Vec<String> = (0..values)
        .map(|index| {
            let schema = match index % 3 {
                0 => r#"{"type": "string", "minLength": 1}"#,
                1 => r#"{"type": "integer", "minimum": 0}"#,
                _ => r#"{"type": "boolean"}"#,
            };
            format!(r#""SETTING_{index:04}": {schema}"#)
        })
        .collect();
    format!(
        r#"{{"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object", "additionalProperties": false, "properties": {{{}}}}}"#,
        properties.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_size_is_close_to_the_request() {
        let text = generate(10_000);
        let count = text.lines().count();
        assert!((10_000..10_000 + 8).contains(&count), "{count} lines");
        assert!(text.contains("  - name: grpc-0001\n"));
    }

    #[test]
    fn heavy_contract_has_the_issues_shape() {
        let text = generate_heavy(10_000);
        let count = text.lines().count();
        assert!((9_900..10_100).contains(&count), "{count} lines");
        let interfaces = text.matches("\n  - name: http-").count() + text.matches("\n  - name: grpc-").count();
        assert_eq!(interfaces, 950);
        assert_eq!(text.matches(HEAVY_VALUE_PREFIX).count(), 420);
        assert_eq!(text.matches("\n    - id: check-").count(), 900);
        let schema: serde_json::Value = serde_json::from_str(&heavy_values_schema(420)).unwrap();
        assert_eq!(schema["properties"].as_object().map(|it| it.len()), Some(420));
        assert_eq!(schema["properties"]["SETTING_0419"]["type"], "boolean");
    }

    #[test]
    fn edit_site_is_inside_a_value_near_the_middle() {
        let text = "a: 1\nservice:\n  name: payments\n  version: 1.0.0\n  owner: team-x\nb: 2\n";
        let site = edit_site(text, None).unwrap();
        assert_eq!((site.line, site.character), (2, 12)); // pay|ments
        let site = edit_site(text, Some(5)).unwrap();
        assert_eq!((site.line, site.character), (4, 12)); // owner: tea|m-x
        assert!(edit_site(text, Some(1)).is_err());
    }

    #[test]
    fn completion_after_workload() {
        let text = "runtime:\n  workload: service\n";
        let site = EditSite { line: 0, character: 0, line_text: String::new() };
        assert_eq!(completion_site(text, &site).0..completion_site(text, &site).1, 1..12);
    }

    #[test]
    fn append_and_uri() {
        assert_eq!(append_point("a: 1\n", "x: 1"), (1, 0, "x: 1\n".into()));
        assert_eq!(append_point("a: 1", "x: 1"), (0, 4, "\nx: 1\n".into()));
        assert_eq!(file_uri(Path::new("/tmp/a b/pacto.yaml")), "file:///tmp/a%20b/pacto.yaml");
    }

    #[test]
    fn registries_are_pointed_at_the_hanging_listener() {
        let text = "a: oci://ghcr.io/acme/x:1.0.0\nb: \"oci://reg.example:5000/y@sha256:00\"\nc: none\n";
        assert_eq!(
            point_registries_at(text, "127.0.0.1:9"),
            "a: oci://127.0.0.1:9/acme/x:1.0.0\nb: \"oci://127.0.0.1:9/y@sha256:00\"\nc: none\n"
        );
    }
}
