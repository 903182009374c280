//! SARIF 2.1.0 for code scanning (GitHub's `upload-sarif`, and any SARIF viewer): one run, every code as a rule
//! described from its entry in `docs/rules.md`, one result per finding with its region and a fingerprint.

use std::collections::HashMap;
use std::io::{self, Write};
use std::path::{Component, Path};

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::Outcome;
use crate::core::finding::{Code, Severity};

/// The rules page, compiled in: each code's first paragraph describes its rule.
const RULES_DOC: &str = include_str!("../../../docs/rules.md");

const INFORMATION_URI: &str = "https://github.com/trianalab-community/pacto-lsp";

/// The SARIF log of a run. Artifact URIs are relative to `cwd` when the contract is under it (as code scanning
/// expects: relative to the repository root, where CI runs), else `file://` URIs; `oci://` refs stay as given.
pub fn log(outcomes: &[Outcome], cwd: &Path) -> Value {
    let docs = rule_docs();
    let rules: Vec<Value> = Code::ALL.iter().map(|code| rule(*code, docs.get(code.as_str()))).collect();
    let mut results = Vec::new();
    for checked in outcomes.iter().filter_map(|it| it.as_ref().ok()) {
        let uri = artifact_uri(&checked.file, cwd);
        // Two findings with the same code at the same path keep distinct fingerprints by their order.
        let mut seen: HashMap<(Code, String), usize> = HashMap::new();
        for finding in &checked.findings {
            let (start, end) = checked.range(finding);
            let path = finding.path.to_string();
            let occurrence = seen.entry((finding.code, path.clone())).or_default();
            *occurrence += 1;
            let fingerprint = fingerprint(&[finding.code.as_str(), &uri, &path, &occurrence.to_string()]);
            let mut result = json!({
                "ruleId": finding.code.as_str(),
                "ruleIndex": Code::ALL.iter().position(|it| *it == finding.code).unwrap_or(0),
                "level": level(finding.severity),
                "message": { "text": finding.message },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri },
                        "region": {
                            "startLine": start.line,
                            "startColumn": start.column,
                            "endLine": end.line,
                            "endColumn": end.column,
                        }
                    }
                }],
                "partialFingerprints": { "pactoFinding/v1": fingerprint },
            });
            if !finding.path.is_root() {
                result["locations"][0]["logicalLocations"] = json!([{ "fullyQualifiedName": path }]);
            }
            results.push(result);
        }
    }
    let notifications: Vec<Value> = outcomes
        .iter()
        .filter_map(|it| it.as_ref().err())
        .map(|failure| json!({ "level": "error", "message": { "text": failure.message } }))
        .collect();
    let mut invocation = json!({ "executionSuccessful": notifications.is_empty() });
    if !notifications.is_empty() {
        invocation["toolExecutionNotifications"] = Value::Array(notifications);
    }
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "pacto-lsp",
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "informationUri": INFORMATION_URI,
                    "rules": rules,
                }
            },
            "invocations": [invocation],
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    })
}

pub fn print(outcomes: &[Outcome], cwd: &Path, out: &mut dyn Write) -> io::Result<()> {
    let text = serde_json::to_string_pretty(&log(outcomes, cwd)).map_err(io::Error::other)?;
    writeln!(out, "{text}")
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info | Severity::Hint => "note",
    }
}

/// A rule: the code as id, its name in PascalCase, the first sentence and the first paragraph of its entry.
fn rule(code: Code, doc: Option<&String>) -> Value {
    let full = doc.cloned().unwrap_or_else(|| code.as_str().to_string());
    let short = match full.find(". ") {
        Some(end) => full[..=end].to_string(),
        None => full.clone(),
    };
    json!({
        "id": code.as_str(),
        "name": pascal_case(code.as_str()),
        "shortDescription": { "text": short },
        "fullDescription": { "text": full },
        "helpUri": code.doc_url(),
        "defaultConfiguration": { "level": level(code.severity()) },
    })
}

/// `SCHEMA_VIOLATION` → `SchemaViolation`.
fn pascal_case(code: &str) -> String {
    code.split('_')
        .map(|word| {
            let lower = word.to_ascii_lowercase();
            let mut chars = lower.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// The first paragraph of each code's entry in `docs/rules.md` (the text after the severity line), with the
/// emphasis marks of `*(pacto-lsp)*` dropped.
fn rule_docs() -> HashMap<&'static str, String> {
    let mut docs = HashMap::new();
    let mut lines = RULES_DOC.lines().peekable();
    while let Some(line) = lines.next() {
        let Some(code) = line.strip_prefix("## `").and_then(|it| it.strip_suffix('`')) else { continue };
        let mut paragraph: Vec<&str> = Vec::new();
        while let Some(next) = lines.next_if(|it| !it.starts_with("## ")) {
            let next = next.trim();
            if next.starts_with("**Severity:**") || (next.is_empty() && paragraph.is_empty()) {
                continue;
            }
            if next.is_empty() {
                break;
            }
            paragraph.push(next);
        }
        docs.insert(code, paragraph.join(" ").replace("*(pacto-lsp)*", "(pacto-lsp)"));
    }
    docs
}

/// A short stable hash of the parts (SHA-256, the first 16 bytes in hex).
fn fingerprint(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    hasher.finalize()[..16].iter().map(|byte| format!("{byte:02x}")).collect()
}

/// The URI of a contract: its path relative to `cwd` (`/`-separated, percent-encoded), a `file://` URI when it
/// is elsewhere, or the `oci://` ref itself.
pub fn artifact_uri(file: &str, cwd: &Path) -> String {
    if file.starts_with("oci://") {
        return file.to_string();
    }
    let path = Path::new(file);
    let absolute = crate::fs::absolute(path);
    let (relative, prefix) = match absolute.strip_prefix(cwd) {
        Ok(it) => (it.to_path_buf(), ""),
        Err(_) => (absolute.clone(), "file://"),
    };
    let mut segments = Vec::new();
    for component in relative.components() {
        match component {
            Component::Normal(name) => segments.push(encode(&name.to_string_lossy())),
            Component::RootDir => segments.push(String::new()),
            Component::Prefix(prefix) => segments.push(encode(&prefix.as_os_str().to_string_lossy())),
            Component::CurDir | Component::ParentDir => {}
        }
    }
    format!("{prefix}{}", segments.join("/"))
}

/// Percent-encodes everything but the unreserved characters and the sub-delimiters a path segment may hold
/// (`:` too is encoded, so a first segment never reads as a scheme).
fn encode(segment: &str) -> String {
    let mut encoded = String::new();
    for byte in segment.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'!' | b'$' | b'&' | b'\'' => {
                encoded.push(byte as char)
            }
            b'(' | b')' | b'*' | b'+' | b',' | b';' | b'=' | b'@' => encoded.push(byte as char),
            _ => encoded.push_str(&format!("%{byte:02X}")),
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_a_described_rule() {
        let docs = rule_docs();
        for code in Code::ALL {
            let doc = docs.get(code.as_str()).unwrap_or_else(|| panic!("no entry for {code}"));
            assert!(doc.len() > 20 && !doc.contains("**Severity"), "{code}: {doc}");
        }
        assert_eq!(pascal_case("HEALTH_INTERFACE_NOT_FOUND"), "HealthInterfaceNotFound");
    }

    #[test]
    fn uris_are_relative_to_the_current_directory_and_encoded() {
        let cwd = Path::new("/repo");
        assert_eq!(artifact_uri("svc a/pacto.yaml", &crate::fs::absolute(Path::new("."))), "svc%20a/pacto.yaml");
        assert_eq!(artifact_uri("/repo/x:y/pacto.yaml", cwd), "x%3Ay/pacto.yaml");
        assert_eq!(artifact_uri("/elsewhere/pacto.yaml", cwd), "file:///elsewhere/pacto.yaml");
        assert_eq!(artifact_uri("oci://ghcr.io/acme/svc:1.0.0", cwd), "oci://ghcr.io/acme/svc:1.0.0");
    }
}
