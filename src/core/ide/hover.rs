//! Hover: what the key under the cursor means, what an enum value means, the interface a
//! reference names, and a readiness item's status and the section's score.

use std::ops::Range;

use crate::core::date::Date;
use crate::core::ide::describe::{self, Format};
use crate::core::ide::markdown;
use crate::core::model::Contract;
use crate::core::path::{Path, Segment};
use crate::core::readiness::{self, Assessment, CheckStatus, ItemStatus};
use crate::core::schema::{Compatibility, SchemaVersion, enum_description};
use crate::core::yaml::{Role, Tree};

pub struct Hover {
    pub markdown: String,
    pub span: Range<usize>,
}

/// The hover at `offset`. `version` is the analysis's; when it is `None` the version the tree
/// declares is used, else the newest. `compatibility` says how 1.0 and 1.1 are read.
pub fn hover(
    tree: &Tree,
    contract: &Contract,
    version: Option<SchemaVersion>,
    compatibility: Compatibility,
    offset: usize,
    today: Date,
) -> Option<Hover> {
    let hit = tree.locate(offset)?;
    let version = version.or_else(|| describe::declared_version(tree));
    let format = Format::new(version, compatibility);
    let span = tree.span(hit.node);
    let mut sections = Vec::new();
    if hit.role == Role::Value
        && is_interface_reference(&hit.path)
        && let Some(name) = tree.scalar_str(hit.node)
    {
        match contract.interface(name) {
            Some(interface) => sections.push(describe::interface_markdown(interface)),
            None => sections.push(format!("No interface named {} is declared.", markdown::code(name))),
        }
    } else if hit.role == Role::Value
        && let Some(value) = tree.scalar_str(hit.node)
        && let Some(node) = format.node_at(&hit.path)
        && let Some(meaning) = enum_description(node, value)
    {
        sections.push(format!("{}: {meaning}", markdown::code(value)));
    } else if let Some(markdown) = describe::key_markdown(format, &hit.path) {
        sections.push(markdown);
    }
    let readiness = match format.version {
        SchemaVersion::V1_2 | SchemaVersion::V2_0 => assessment_section(contract, format.version, &hit.path, today),
        _ => readiness_section(contract, &hit.path, today),
    };
    sections.extend(readiness);
    if sections.is_empty() {
        return None;
    }
    Some(Hover { markdown: sections.join("\n\n---\n\n"), span })
}

/// Whether the value at `path` names an interface: a 1.x probe's or a 2.0 capability binding's.
fn is_interface_reference(path: &Path) -> bool {
    match path.segments() {
        [Segment::Key(runtime), Segment::Key(probe), Segment::Key(key)] => {
            &**runtime == "runtime" && matches!(&**probe, "health" | "metrics") && &**key == "interface"
        }
        [Segment::Key(list), Segment::Index(_), Segment::Key(binding), Segment::Key(key)] => {
            &**list == "capabilities" && &**binding == "binding" && &**key == "interface"
        }
        _ => false,
    }
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

/// For the 1.2 / 2.0 readiness section: on an item (`checks[i]` or `claims[i]`) what it earns, and
/// on the section, its `expires` or any item the assessment's score, expiry and gate.
fn assessment_section(contract: &Contract, version: SchemaVersion, path: &Path, today: Date) -> Option<String> {
    let [Segment::Key(section), rest @ ..] = path.segments() else { return None };
    if &**section != "readiness" {
        return None;
    }
    let (list, noun) = match version {
        SchemaVersion::V2_0 => ("claims", "claim"),
        _ => ("checks", "check"),
    };
    let readiness = contract.readiness.as_ref()?;
    let items = if version == SchemaVersion::V2_0 { &readiness.claims } else { &readiness.checks };
    let report = readiness::assess(readiness, items, today)?;
    let mut out = Vec::new();
    if let [Segment::Key(key), Segment::Index(index), ..] = rest
        && &**key == list
        && let Some(item) = report.items.get(*index)
    {
        let status = match item.status {
            ItemStatus::Done => "done".to_string(),
            ItemStatus::Partial => format!("partial (credit {})", report.partial_credit),
            ItemStatus::NotDone => "not-done".to_string(),
            ItemStatus::Deferred => "deferred — left out of the score".to_string(),
            ItemStatus::Unknown => "**no valid status** — counts as not-done".to_string(),
        };
        let earns = match item.status {
            ItemStatus::Deferred => format!("weight {}", item.weight),
            _ => format!("earns {} of weight {}", item.earned, item.weight),
        };
        out.push(format!("Readiness {noun} {}: {status}; {earns}.", markdown::code(item.id.as_deref().unwrap_or("?"))));
    }
    out.push(assessment_summary(&report));
    Some(out.join("\n\n"))
}

/// The assessment's score, gate and expiry in one paragraph.
pub fn assessment_summary(report: &Assessment) -> String {
    let expiry = match (report.expires, report.days_remaining) {
        (Some(expires), Some(0)) => format!("expires today ({expires})"),
        (Some(expires), Some(days)) => format!("expires in {days} days ({expires})"),
        (Some(expires), None) => format!("**expired** on {expires}: no item earns weight"),
        (None, _) => "**no valid `expires`**: counts as expired".to_string(),
    };
    let gate = if report.passing { "passes" } else { "fails" };
    format!(
        "Assessment score **{}** / minScore {} — the gate {gate}; {expiry} ({}).",
        report.score,
        report.min_score,
        crate::core::readiness::item_counts(report)
    )
}
