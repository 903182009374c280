//! Hover: what the key under the cursor means, what an enum value means, the interface a
//! reference names, and a readiness check's status and the section's score.

use std::ops::Range;

use crate::core::date::Date;
use crate::core::ide::{describe, markdown};
use crate::core::model::Contract;
use crate::core::path::{Path, Segment};
use crate::core::readiness::{self, CheckStatus};
use crate::core::schema::{SchemaVersion, enum_description};
use crate::core::yaml::{Role, Tree};

pub struct Hover {
    pub markdown: String,
    pub span: Range<usize>,
}

pub fn hover(
    tree: &Tree,
    contract: &Contract,
    version: Option<SchemaVersion>,
    offset: usize,
    today: Date,
) -> Option<Hover> {
    let hit = tree.locate(offset)?;
    let version = version.unwrap_or(SchemaVersion::V1_1);
    let span = tree.span(hit.node);
    let path_text = hit.path.to_string();
    let mut sections = Vec::new();
    if hit.role == Role::Value
        && (path_text == "runtime.health.interface" || path_text == "runtime.metrics.interface")
        && let Some(name) = tree.scalar_str(hit.node)
    {
        match contract.interface(name) {
            Some(interface) => sections.push(describe::interface_markdown(interface)),
            None => sections.push(format!("No interface named {} is declared.", markdown::code(name))),
        }
    } else if hit.role == Role::Value
        && let Some(value) = tree.scalar_str(hit.node)
        && let Some(node) = version.node_at(&hit.path)
        && let Some(meaning) = enum_description(node, value)
    {
        sections.push(format!("{}: {meaning}", markdown::code(value)));
    } else if let Some(markdown) = describe::key_markdown(version, &hit.path) {
        sections.push(markdown);
    }
    if let Some(check) = readiness_section(contract, &hit.path, today) {
        sections.push(check);
    }
    if sections.is_empty() {
        return None;
    }
    Some(Hover { markdown: sections.join("\n\n---\n\n"), span })
}

/// For anything inside `readiness.checks[i]`: that check's status and the section's score.
fn readiness_section(contract: &Contract, path: &Path, today: Date) -> Option<String> {
    let [Segment::Key(section), Segment::Key(list), Segment::Index(index), ..] = path.segments() else {
        return None;
    };
    if &**section != "readiness" || &**list != "checks" {
        return None;
    }
    let report = readiness::score(contract.readiness.as_ref()?, today)?;
    let check = report.checks.get(*index)?;
    let status = match (check.status, check.expires) {
        (CheckStatus::Current { days_remaining: 0 }, _) => "current — expires today".to_string(),
        (CheckStatus::Current { days_remaining }, Some(expires)) => {
            format!("current — {days_remaining} days remaining (until {expires})")
        }
        (CheckStatus::Expired { days_ago }, Some(expires)) => format!("**expired** {days_ago} days ago ({expires})"),
        _ => "**invalid date** — counts, but earns nothing".to_string(),
    };
    let gate = if report.passing { "passes" } else { "fails" };
    Some(format!(
        "Readiness check {}: {status}; weight {}.\n\nSection score **{}** / minScore {} — the gate {gate} ({} current, {} expired, {} invalid).",
        markdown::code(check.id.as_deref().unwrap_or("?")),
        check.weight,
        report.score,
        report.min_score,
        report.current_count,
        report.expired_count,
        report.invalid_count
    ))
}
