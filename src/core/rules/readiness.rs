//! `readiness`: unique item ids, strict dates, non-blank evidence and descriptions; under 1.2 and
//! 2.0 also the assessment's `expires` and its `history`.
//!
//! 1.1 and 1.2 list `checks`, 2.0 `claims`; 1.1 dates each check, 1.2 and 2.0 the whole assessment.

use super::Context;
use super::names::duplicates;
use crate::core::date;
use crate::core::finding::{Anchor, Code, Issue};
use crate::core::path::Path;
use crate::core::schema::SchemaVersion;
use crate::core::text::excerpt;

pub(super) fn check(ctx: &Context<'_>, out: &mut Vec<Issue>) {
    let Some(readiness) = &ctx.contract.readiness else { return };
    let assessment = ctx.version.has_assessment();
    let (field, noun, items) = match ctx.version {
        SchemaVersion::V2_0 => ("claims", "readiness claim", &readiness.claims),
        _ => ("checks", "readiness check", &readiness.checks),
    };
    let ids: Vec<Option<&str>> = items.iter().map(|it| it.id.as_deref()).collect();
    let list = Path::root().key("readiness").key(field);
    duplicates(&list, "id", noun, Code::DUPLICATE_READINESS_ID, &ids, out);
    if assessment {
        check_assessment(ctx, out);
    }
    for (index, check) in items.iter().enumerate() {
        let at = list.index(index);
        // Under 1.2 and 2.0 a per-item `expires` is an unknown key (the schema says so).
        if let Some(expires) = check.expires.as_deref().filter(|_| !assessment)
            && date::parse_strict(expires).is_none()
        {
            out.push(Issue::new(
                Code::INVALID_READINESS_EXPIRES,
                at.key("expires"),
                Anchor::Value,
                expires_problem(expires),
            ));
        }
        // Empty text is the schema's to report (minLength); whitespace-only text is this rule's.
        let blank = |text: &Option<String>| text.as_deref().is_some_and(|it| !it.is_empty() && it.trim().is_empty());
        if blank(&check.evidence) {
            out.push(Issue::new(
                Code::EMPTY_READINESS_EVIDENCE,
                at.key("evidence"),
                Anchor::Value,
                "the evidence is blank",
            ));
        }
        if blank(&check.description) {
            out.push(Issue::new(
                Code::EMPTY_READINESS_DESCRIPTION,
                at.key("description"),
                Anchor::Value,
                "the description is blank; remove it or say what the check proves",
            ));
        }
    }
}

/// The assessment's `expires` and the revisions in `history` (1.2 and 2.0).
fn check_assessment(ctx: &Context<'_>, out: &mut Vec<Issue>) {
    let Some(readiness) = &ctx.contract.readiness else { return };
    let section = Path::root().key("readiness");
    // A missing `expires` is the schema's to report; the score treats it as expired.
    if let Some(expires) = readiness.expires.as_deref()
        && date::parse_strict(expires).is_none()
    {
        out.push(Issue::new(
            Code::INVALID_READINESS_EXPIRES,
            section.key("expires"),
            Anchor::Value,
            expires_problem(expires),
        ));
    }
    for (index, revision) in readiness.history.iter().enumerate() {
        let at = section.key("history").index(index);
        if let Some(day) = revision.date.as_deref()
            && date::parse_strict(day).is_none()
        {
            out.push(Issue::new(
                Code::INVALID_READINESS_REVISION,
                at.key("date"),
                Anchor::Value,
                format!("revision {}", expires_problem(day)),
            ));
        }
        let fields =
            [("version", &revision.version), ("author", &revision.author), ("description", &revision.description)];
        for (key, text) in fields {
            if text.as_deref().is_some_and(|it| it.trim().is_empty()) {
                out.push(Issue::new(
                    Code::INVALID_READINESS_REVISION,
                    at.key(key),
                    Anchor::Value,
                    format!("the revision's `{key}` must not be blank"),
                ));
            }
        }
    }
}

fn expires_problem(expires: &str) -> String {
    let shaped = expires.len() == 10
        && expires.char_indices().all(|(idx, c)| if idx == 4 || idx == 7 { c == '-' } else { c.is_ascii_digit() });
    match shaped {
        true => format!("`{}` is not a calendar date (no such day)", excerpt(expires)),
        false => format!("`{}` is not a valid date: write it as YYYY-MM-DD (e.g. `2027-01-31`)", excerpt(expires)),
    }
}
