//! The whole check of one contract text: YAML, then every validation layer, merged.
//!
//! Unlike upstream's CLI, later layers run even when earlier ones found errors (as long as the
//! YAML parsed), and a problem is reported once: where a cross-field rule describes the same
//! problem as a schema error, the cross-field finding (more precise) replaces the schema one.

use std::collections::HashSet;

use serde_json::Value;

use crate::core::bundle::BundleRef;
use crate::core::date::Date;
use crate::core::finding::{Anchor, Code, Finding, Issue, Layer, Severity};
use crate::core::model::Contract;
use crate::core::path::Path;
use crate::core::policy::{self, PolicyResolver};
use crate::core::readiness::{self, Assessment, Report};
use crate::core::rules::{self, Context};
pub use crate::core::schema::Compatibility;
use crate::core::schema::SchemaVersion;
use crate::core::structural;
use crate::core::text::{cap_message, excerpt};
use crate::core::yaml::{self, Parsed, ProblemKind};

/// What a check depends on besides the text.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// The UTC calendar date readiness is judged against.
    pub today: Date,
    /// Whether to evaluate the readiness gate (`--readiness`).
    pub readiness_gate: bool,
    /// Checks expiring within this many days get a hint.
    pub warn_days: i64,
    /// Which CLI generation's meaning `pactoVersion` 1.0 and 1.1 have (`--compatibility`).
    pub compatibility: Compatibility,
}

/// Where the contract lives: its bundle (for file rules) and how policy refs are resolved.
#[derive(Clone, Copy, Default)]
pub struct Environment<'a> {
    pub bundle: Option<&'a BundleRef>,
    pub resolver: Option<&'a dyn PolicyResolver>,
}

/// Everything one check learned; editors reuse the tree and the model.
#[derive(Debug, Default)]
pub struct Analysis {
    pub parsed: Parsed,
    /// The format the contract declares, if it is one we implement.
    pub version: Option<SchemaVersion>,
    /// The meaning of 1.0 and 1.1 it was checked under (the `compatibility` option).
    pub compatibility: Compatibility,
    pub contract: Option<Contract>,
    /// The 1.1 readiness report.
    pub readiness: Option<Report>,
    /// The 1.2 / 2.0 readiness assessment.
    pub assessment: Option<Assessment>,
    /// Sorted by position.
    pub findings: Vec<Finding>,
}

impl Analysis {
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(|it| it.severity == Severity::Error)
    }
}

/// Checks one contract text.
pub fn analyze(text: &str, options: &Options, env: &Environment<'_>) -> Analysis {
    analyze_parsed(text, yaml::parse(text), options, env)
}

/// Checks a new version of a contract text, reusing the analysis of the previous version
/// (`previous` of `previous_text`): when the edit stays inside one block entry or item, only that
/// entry is parsed again ([`yaml::reparse`]); the later layers run on the result. The answer is
/// always the same as [`analyze`] of `text`.
pub fn analyze_incremental(
    previous_text: &str,
    previous: &Analysis,
    text: &str,
    options: &Options,
    env: &Environment<'_>,
) -> Analysis {
    match yaml::reparse(previous_text, &previous.parsed, text) {
        Some(parsed) => analyze_parsed(text, parsed, options, env),
        None => analyze(text, options, env),
    }
}

/// Every layer after parsing.
fn analyze_parsed(text: &str, parsed: Parsed, options: &Options, env: &Environment<'_>) -> Analysis {
    let mut issues: Vec<Finding> = parsed.problems.iter().map(problem_finding).collect();
    let mut analysis = Analysis { parsed, compatibility: options.compatibility, ..Analysis::default() };
    if !analysis.parsed.is_complete() {
        analysis.findings = sorted(issues);
        return analysis;
    }
    let tree = &analysis.parsed.tree;
    let document = match tree.document_json() {
        Ok(it) => it,
        Err(yaml::JsonError::TooLarge { budget }) => {
            let message =
                format!("expanding YAML aliases would create more than {budget} nodes; the document is not checked");
            issues.push(
                Issue::new(Code::YAML_PARSE_ERROR, Path::root(), Anchor::Object, message).into_finding(text, tree),
            );
            analysis.findings = sorted(issues);
            return analysis;
        }
    };

    let (version, layered) = detect_version(&document, &mut issues, text, tree);
    let mut structural_issues = Vec::new();
    if let (Some(version), true) = (version, layered) {
        structural_issues = structural::check(version, options.compatibility, &document);
    }
    let contract = Contract::from_json(&document);
    let mut layer_issues = Vec::new();
    if let Some(version) = version {
        let compatibility = options.compatibility;
        let ctx = Context {
            contract: &contract,
            document: &document,
            bundle: env.bundle.map(|it| &*it.files),
            version,
            compatibility,
        };
        layer_issues.extend(rules::cross_field(&ctx));
        layer_issues.extend(rules::semantic(&ctx));
        layer_issues.extend(policy::enforce(&contract, &document, env.bundle, env.resolver));
        if version == SchemaVersion::V2_0 && (env.bundle.is_none() || env.resolver.is_none()) {
            layer_issues.extend(policy::not_enforced(&contract));
        }
        let section = contract.readiness.as_ref().filter(|_| version.has_readiness(compatibility));
        match (section, version.has_assessment()) {
            (Some(section), false) => {
                if let Some(report) = readiness::score(section, options.today) {
                    layer_issues.extend(readiness::expiry(&report, options.warn_days));
                    if options.readiness_gate {
                        layer_issues.extend(readiness::gate(&report));
                    }
                    analysis.readiness = Some(report);
                }
            }
            (Some(section), true) => {
                let (items, noun) = match version {
                    SchemaVersion::V2_0 => (&section.claims, "claim"),
                    _ => (&section.checks, "check"),
                };
                if let Some(report) = readiness::assess(section, items, options.today) {
                    layer_issues.extend(readiness::assessment_expiry(&report, noun, options.warn_days, options.today));
                    if options.readiness_gate {
                        layer_issues.extend(readiness::assessment_gate(&report));
                    }
                    analysis.assessment = Some(report);
                }
            }
            (None, _) => {}
        }
    }

    // A cross-field finding about the same subject replaces the schema error.
    let covered: HashSet<&Path> = layer_issues
        .iter()
        .filter(|it| it.code.layer() == Layer::CrossField && it.code.severity() == Severity::Error)
        .map(|it| &it.path)
        .collect();
    for described in structural_issues {
        if covered.contains(&described.subject) {
            continue;
        }
        let issue = Issue::new(Code::SCHEMA_VIOLATION, described.path, described.anchor, described.message)
            .with_detail(described.detail);
        issues.push(issue.into_finding(text, tree));
    }
    issues.extend(layer_issues.into_iter().map(|it| it.into_finding(text, tree)));

    analysis.findings = sorted(issues);
    analysis.version = version;
    analysis.contract = Some(contract);
    analysis
}

/// Reads `pactoVersion`. Returns the version whose rules apply and whether the structural layer
/// may run; reports `UNSUPPORTED_PACTO_VERSION` otherwise. An unquoted `1.0` / `1.1` / `1.2` / `2.0` is
/// unsupported (YAML reads a number), but the other layers still run with that version.
fn detect_version(
    document: &Value,
    issues: &mut Vec<Finding>,
    text: &str,
    tree: &yaml::Tree,
) -> (Option<SchemaVersion>, bool) {
    let supported = "supported versions: \"1.0\", \"1.1\", \"1.2\", \"2.0\"";
    let at = Path::root().key("pactoVersion");
    let (version, layered, message) = match document.get("pactoVersion") {
        Some(Value::String(text)) => match SchemaVersion::parse(text) {
            Some(version) => return (Some(version), true),
            None => (None, false, format!("unsupported pactoVersion \"{}\"; {supported}", excerpt(text))),
        },
        Some(Value::Number(number)) => {
            let written = number.to_string();
            let version = match number.as_f64() {
                Some(1.0) => Some(SchemaVersion::V1_0),
                Some(1.1) => Some(SchemaVersion::V1_1),
                Some(1.2) => Some(SchemaVersion::V1_2),
                Some(2.0) => Some(SchemaVersion::V2_0),
                _ => None,
            };
            let quoted = version.map_or(written.clone(), |it| it.as_str().to_string());
            let message = format!(
                "pactoVersion must be a quoted string: YAML reads {written} as a number; write `pactoVersion: \"{quoted}\"` ({supported})"
            );
            (version, false, message)
        }
        Some(other) => (None, false, format!("unsupported pactoVersion {}; {supported}", excerpt(&other.to_string()))),
        None if document.is_object() => (None, false, format!("missing pactoVersion; {supported}")),
        None => {
            (None, false, format!("a contract must be a YAML mapping with `pactoVersion` and `service`; {supported}"))
        }
    };
    issues.push(Issue::new(Code::UNSUPPORTED_PACTO_VERSION, at, Anchor::Value, message).into_finding(text, tree));
    (version, layered)
}

fn problem_finding(problem: &yaml::Problem) -> Finding {
    let (code, path) = match &problem.kind {
        ProblemKind::Syntax => (Code::YAML_PARSE_ERROR, Path::root()),
        ProblemKind::DuplicateKey(path) => (Code::DUPLICATE_KEY, path.clone()),
        ProblemKind::ExtraDocument => (Code::MULTIPLE_DOCUMENTS, Path::root()),
    };
    let message = cap_message(problem.message.clone());
    Finding { code, severity: code.severity(), message, path, span: problem.span.clone(), detail: None }
}

/// Findings in the order editors and `check` show them (by position, then code), exact repeats removed.
pub fn sorted(mut findings: Vec<Finding>) -> Vec<Finding> {
    findings.sort_by_key(|it| (it.span.start, it.span.end, it.code));
    findings.dedup_by(|a, b| a.code == b.code && a.span == b.span && a.message == b.message);
    findings
}

/// The text of a contract file's bytes, or the finding that says why they are not text.
///
/// A UTF-8 byte order mark is dropped (YAML allows one; editors do not show it, so positions in the rest of
/// the text are what the user sees). A UTF-16 or UTF-32 byte order mark gets a message naming the encoding;
/// other bytes that are not UTF-8 get [`invalid_utf8`].
pub fn decode(bytes: &[u8]) -> Result<&str, Finding> {
    const BOMS: [(&[u8], &str); 4] = [
        // UTF-32 LE first: its mark starts with the UTF-16 LE one.
        (&[0xFF, 0xFE, 0x00, 0x00], "UTF-32 (little-endian)"),
        (&[0x00, 0x00, 0xFE, 0xFF], "UTF-32 (big-endian)"),
        (&[0xFF, 0xFE], "UTF-16 (little-endian)"),
        (&[0xFE, 0xFF], "UTF-16 (big-endian)"),
    ];
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Some((_, encoding)) = BOMS.iter().find(|(mark, _)| bytes.starts_with(mark)) {
        return Err(Finding {
            code: Code::YAML_PARSE_ERROR,
            severity: Code::YAML_PARSE_ERROR.severity(),
            message: format!("the file is {encoding} encoded; YAML contracts must be saved as UTF-8"),
            path: Path::root(),
            span: 0..0,
            detail: None,
        });
    }
    std::str::from_utf8(bytes).map_err(|error| invalid_utf8(error.valid_up_to()))
}

/// The finding for a contract file that is not UTF-8 (YAML must be), at the first bad byte.
pub fn invalid_utf8(valid_up_to: usize) -> Finding {
    Finding {
        code: Code::YAML_PARSE_ERROR,
        severity: Code::YAML_PARSE_ERROR.severity(),
        message: format!("the file is not valid UTF-8 (first bad byte at offset {valid_up_to})"),
        path: Path::root(),
        span: valid_up_to..valid_up_to,
        detail: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode_utf16(text: &str, big_endian: bool) -> Vec<u8> {
        let units = std::iter::once(0xFEFF).chain(text.encode_utf16());
        units.flat_map(|unit| if big_endian { unit.to_be_bytes() } else { unit.to_le_bytes() }).collect()
    }

    fn encode_utf32(text: &str, big_endian: bool) -> Vec<u8> {
        let chars = std::iter::once(0xFEFF).chain(text.chars().map(u32::from));
        chars.flat_map(|unit| if big_endian { unit.to_be_bytes() } else { unit.to_le_bytes() }).collect()
    }

    #[test]
    fn decode_drops_a_utf8_byte_order_mark() {
        let text = "pactoVersion: \"1.1\"\n";
        assert_eq!(decode(format!("\u{feff}{text}").as_bytes()), Ok(text));
        assert_eq!(decode(text.as_bytes()), Ok(text));
        assert_eq!(decode(b""), Ok(""));
    }

    #[test]
    fn decode_names_utf16_and_utf32() {
        let text = "pactoVersion: \"1.1\"\n";
        let cases = [
            (encode_utf16(text, false), "UTF-16 (little-endian)"),
            (encode_utf16(text, true), "UTF-16 (big-endian)"),
            (encode_utf32(text, false), "UTF-32 (little-endian)"),
            (encode_utf32(text, true), "UTF-32 (big-endian)"),
        ];
        for (bytes, encoding) in cases {
            let finding = decode(&bytes).expect_err(encoding);
            assert_eq!(finding.code, Code::YAML_PARSE_ERROR);
            assert_eq!(
                finding.message,
                format!("the file is {encoding} encoded; YAML contracts must be saved as UTF-8")
            );
            assert_eq!((finding.span, finding.path), (0..0, Path::root()));
        }
    }

    #[test]
    fn decode_keeps_the_message_for_other_bad_bytes() {
        let finding = decode(b"a: 1\n\xff\n").expect_err("not UTF-8");
        assert_eq!(finding, invalid_utf8(5));
        assert_eq!(finding.message, "the file is not valid UTF-8 (first bad byte at offset 5)");
    }
}
