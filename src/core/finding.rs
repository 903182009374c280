//! Findings: what validation reports, with a stable code, a severity, a path and a byte range.

use std::fmt;
use std::ops::Range;

use crate::core::path::{Path, Segment};
use crate::core::text::cap_message;
use crate::core::yaml::{NodeKind, Tree};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
    Info,
    Hint,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
            Severity::Hint => "hint",
        }
    }
}

macro_rules! codes {
    ($($name:ident => $severity:ident, $layer:ident;)*) => {
        /// Every diagnostic code this engine emits. The string form is stable: editors and
        /// scripts match on it, and it is upstream Pacto's code wherever upstream has one.
        #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code { $($name,)* }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$name,)*];

            pub fn as_str(self) -> &'static str {
                match self { $(Code::$name => stringify!($name),)* }
            }

            pub fn severity(self) -> Severity {
                match self { $(Code::$name => Severity::$severity,)* }
            }

            pub fn layer(self) -> Layer {
                match self { $(Code::$name => Layer::$layer,)* }
            }

            pub fn parse(text: &str) -> Option<Code> {
                match text { $(stringify!($name) => Some(Code::$name),)* _ => None }
            }
        }
    };
}

codes! {
    YAML_PARSE_ERROR => Error, Syntax;
    DUPLICATE_KEY => Error, Syntax;
    MULTIPLE_DOCUMENTS => Warning, Syntax;
    UNSUPPORTED_PACTO_VERSION => Error, Structural;
    SCHEMA_VIOLATION => Error, Structural;
    INVALID_SEMVER => Error, CrossField;
    DUPLICATE_INTERFACE_NAME => Error, CrossField;
    DUPLICATE_CONFIGURATION_NAME => Error, CrossField;
    DUPLICATE_POLICY_NAME => Error, CrossField;
    DUPLICATE_DEPENDENCY_NAME => Error, CrossField;
    PORT_REQUIRED => Error, CrossField;
    PORT_IGNORED => Warning, CrossField;
    CONTRACT_REQUIRED => Error, CrossField;
    HEALTH_INTERFACE_NOT_FOUND => Error, CrossField;
    HEALTH_INTERFACE_INVALID => Error, CrossField;
    HEALTH_PATH_REQUIRED => Error, CrossField;
    HEALTH_PATH_IGNORED => Warning, CrossField;
    METRICS_INTERFACE_NOT_FOUND => Error, CrossField;
    METRICS_INTERFACE_INVALID => Error, CrossField;
    METRICS_PATH_REQUIRED => Error, CrossField;
    METRICS_PATH_IGNORED => Warning, CrossField;
    FILE_NOT_FOUND => Error, CrossField;
    FILE_UNREADABLE => Error, CrossField;
    INVALID_CONTRACT_FILE => Error, CrossField;
    INVALID_CONFIG_JSON => Error, CrossField;
    INVALID_CONFIG_SCHEMA => Error, CrossField;
    INVALID_CONFIG_REF => Error, CrossField;
    VALUES_WITHOUT_SCHEMA => Error, CrossField;
    CONFIG_VALUES_VALIDATION_FAILED => Error, CrossField;
    INVALID_POLICY_JSON => Error, CrossField;
    INVALID_POLICY_SCHEMA => Error, CrossField;
    INVALID_POLICY_REF => Error, CrossField;
    INVALID_OCI_REF => Error, CrossField;
    MALFORMED_OCI_REF => Warning, CrossField;
    TAG_NOT_DIGEST => Warning, CrossField;
    EMPTY_COMPATIBILITY => Error, CrossField;
    INVALID_COMPATIBILITY => Error, CrossField;
    INVALID_IMAGE_REF => Error, CrossField;
    INVALID_CHART_REF => Error, CrossField;
    INVALID_CHART_VERSION => Error, CrossField;
    SCALING_MIN_EXCEEDS_MAX => Error, CrossField;
    JOB_SCALING_NOT_ALLOWED => Error, CrossField;
    STATELESS_PERSISTENT_CONFLICT => Error, CrossField;
    DUPLICATE_READINESS_ID => Error, CrossField;
    INVALID_READINESS_EXPIRES => Error, CrossField;
    EMPTY_READINESS_EVIDENCE => Error, CrossField;
    EMPTY_READINESS_DESCRIPTION => Error, CrossField;
    UPGRADE_STRATEGY_STATE_MISMATCH => Warning, Semantic;
    POLICY_VIOLATION => Error, Policy;
    POLICY_REF_UNRESOLVED => Error, Policy;
    POLICY_REF_CYCLE => Error, Policy;
    READINESS_GATE_UNMET => Error, Readiness;
    READINESS_CHECK_EXPIRED => Warning, Readiness;
    READINESS_CHECK_EXPIRING => Hint, Readiness;
    // pactoVersion 1.2 and 2.0 (eras C and D).
    INVALID_INTERFACE_TYPE => Error, CrossField;
    INTERFACE_REF_REQUIRED => Error, CrossField;
    INVALID_INTERFACE_SPEC => Error, CrossField;
    INVALID_CAPABILITY_TYPE => Error, CrossField;
    CAPABILITY_REF_REQUIRED => Error, CrossField;
    CAPABILITY_REF_INVALID => Error, CrossField;
    DUPLICATE_CAPABILITY => Error, CrossField;
    CAPABILITY_INTERFACE_UNKNOWN => Error, CrossField;
    CAPABILITY_PATH_INVALID => Error, CrossField;
    INVALID_READINESS_REVISION => Error, CrossField;
    UNSUPPORTED_POLICY_TARGET => Error, CrossField;
    POLICY_REF_NOT_ENFORCED => Warning, Policy;
    // What registries say (never part of `analyze`).
    DEPENDENCY_NOT_FOUND => Warning, Registry;
    DEPENDENCY_INCOMPATIBLE => Warning, Registry;
    REGISTRY_UNREACHABLE => Warning, Registry;
    REGISTRY_AUTH_FAILED => Warning, Registry;
}

/// Where `docs/rules.md` is published: each code has a section there.
const RULES_DOC: &str = "https://github.com/trianalab-community/pacto-lsp/blob/main/docs/rules.md";

impl Code {
    /// The address of this code's section in `docs/rules.md` (GitHub's anchor for the heading
    /// ``## `CODE` `` is the code in lowercase).
    pub fn doc_url(self) -> String {
        format!("{RULES_DOC}#{}", self.as_str().to_ascii_lowercase())
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The validation layer a code belongs to (spec §2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Layer {
    Syntax,
    Structural,
    CrossField,
    Semantic,
    Policy,
    Readiness,
    /// What registries say about dependency and configuration refs (never part of `analyze`).
    Registry,
}

/// One problem found in a contract.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    /// Upstream notation (`interfaces[0].port`); empty for the root.
    pub path: Path,
    /// Byte range in the contract text.
    pub span: Range<usize>,
    /// What the finding is about, as data: quick fixes read this, never the message.
    pub detail: Option<Detail>,
}

/// Typed facts about a finding, for code that acts on it (quick fixes) rather than showing it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Detail {
    /// The object at the finding's path lacks these required keys.
    MissingKeys(Vec<String>),
    /// The finding's path ends with a key the schema does not allow there.
    UnknownKey(String),
}

/// Which part of the node at a path a finding points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Anchor {
    /// The value (a wrong type, enum, pattern, bound or reference).
    Value,
    /// The key (an unknown or misplaced key).
    Key,
    /// The key of the object at the path, or its first line (a missing property, a `oneOf`).
    Object,
}

/// A finding before it has a range: what the layers produce.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Issue {
    pub code: Code,
    pub message: String,
    pub path: Path,
    pub anchor: Anchor,
    pub detail: Option<Detail>,
}

impl Issue {
    pub fn new(code: Code, path: Path, anchor: Anchor, message: impl Into<String>) -> Issue {
        Issue { code, message: message.into(), path, anchor, detail: None }
    }

    pub fn with_detail(self, detail: Option<Detail>) -> Issue {
        Issue { detail, ..self }
    }

    pub fn into_finding(self, text: &str, tree: &Tree) -> Finding {
        let span = locate(text, tree, &self.path, self.anchor);
        let (code, detail) = (self.code, self.detail);
        let message = cap_message(self.message);
        Finding { code, severity: code.severity(), message, path: self.path, span, detail }
    }
}

/// The byte range for a path: the only place where paths become ranges.
///
/// A path that does not exist (a missing property) falls back to the nearest existing ancestor,
/// anchored on its key. Multi-line collection values are anchored on their key, not their whole body.
pub fn locate(text: &str, tree: &Tree, path: &Path, anchor: Anchor) -> Range<usize> {
    let Some(node) = tree.get(path) else {
        let mut ancestor = path.clone();
        while ancestor.pop().is_some() {
            if tree.get(&ancestor).is_some() {
                return locate(text, tree, &ancestor, Anchor::Object);
            }
        }
        return first_line(text);
    };
    match anchor {
        Anchor::Value => {
            let span = tree.span(node);
            let is_collection = !matches!(tree.node(node).kind, NodeKind::Scalar(_) | NodeKind::Alias(_));
            let multi_line = is_collection && text.get(span.clone()).is_some_and(|it| it.contains('\n'));
            // An empty value (`port:`) has no width: point at its key instead.
            if multi_line || span.is_empty() {
                return locate(text, tree, path, Anchor::Object);
            }
            span
        }
        Anchor::Key | Anchor::Object => match path.last() {
            None => first_line(text),
            Some(Segment::Key(_)) => tree.key_node(path).map_or_else(|| tree.span(node), |key| tree.span(key)),
            Some(Segment::Index(_)) => match tree.mapping(node).and_then(|entries| entries.first()) {
                Some(first) => tree.span(first.key),
                None => line_of(text, tree.span(node)),
            },
        },
    }
}

/// The first line that holds anything but blanks and comments, for findings about the whole file.
fn first_line(text: &str) -> Range<usize> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let content = line.trim_end_matches(['\n', '\r']);
        let trimmed = content.trim_start();
        if !trimmed.is_empty() && !trimmed.starts_with('#') {
            return offset..offset + content.len();
        }
        offset += line.len();
    }
    0..0
}

/// The part of `span` on its first line.
fn line_of(text: &str, span: Range<usize>) -> Range<usize> {
    let body = text.get(span.clone()).unwrap_or("");
    let end = body.find(['\n', '\r']).unwrap_or(body.len());
    span.start..span.start + end
}
