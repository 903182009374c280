//! The diff engine: two versions of a contract (with their bundles) in, classified changes out.
//!
//! Changes follow upstream's era-B rule table (`rules.rs`); referenced OpenAPI documents and JSON
//! Schemas are compared too, when both bundles have them. Pure: referenced files come through
//! [`BundleFiles`], and every change carries a byte range in the text of one of the two versions.

mod contract;
mod files;
mod format;
mod openapi;
mod rules;
mod schema;

use std::ops::Range;

use serde_json::Value;

use crate::core::bundle::BundleFiles;

pub use rules::{RULES, Rule, classify};

/// How much a change can affect consumers of the contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Classification {
    NonBreaking,
    PotentialBreaking,
    Breaking,
}

impl Classification {
    pub fn as_str(self) -> &'static str {
        match self {
            Classification::NonBreaking => "NON_BREAKING",
            Classification::PotentialBreaking => "POTENTIAL_BREAKING",
            Classification::Breaking => "BREAKING",
        }
    }
}

/// What happened to the thing at a change's path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ChangeType {
    Added,
    Removed,
    Modified,
}

impl ChangeType {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeType::Added => "added",
            ChangeType::Removed => "removed",
            ChangeType::Modified => "modified",
        }
    }
}

/// Which version's text a change's span is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Side {
    Old,
    New,
}

impl Side {
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Old => "old",
            Side::New => "new",
        }
    }
}

/// One classified change.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    /// Upstream's notation: `service.name`, `interfaces[api].port`,
    /// `openapi.paths[/users].methods[GET].responses[200]`, `schema.properties.port.type`.
    pub path: String,
    pub change_type: ChangeType,
    pub old: Option<Value>,
    pub new: Option<Value>,
    pub classification: Classification,
    pub reason: String,
    /// The version `span` is in: the new one, or the old one for a removal.
    pub side: Side,
    /// The key or value the change concerns in that version's text; for a change inside a
    /// referenced file, the reference (`interfaces[i].contract`, `configurations[i].schema`).
    pub span: Range<usize>,
    /// The row of the rule table that classified the change (`interfaces.port`, `openapi.paths`).
    pub rule: String,
}

/// Every change between two versions, in a stable order, and the worst classification.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Diff {
    /// `None` when nothing changed.
    pub classification: Option<Classification>,
    pub changes: Vec<Change>,
}

/// One version of a contract: its text and, when available, its bundle's files.
#[derive(Clone, Copy)]
pub struct Version<'a> {
    pub text: &'a str,
    pub bundle: Option<&'a dyn BundleFiles>,
}

/// Compares two versions of a contract. Never fails: unparsable parts compare as absent.
pub fn diff(old: &Version<'_>, new: &Version<'_>) -> Diff {
    let changes = contract::compare(old, new);
    let classification = changes.iter().map(|it| it.classification).max();
    Diff { classification, changes }
}
