//! `readiness` (1.1): unique check ids, strict `expires` dates, non-blank evidence and descriptions.

use super::Context;
use super::names::duplicates;
use crate::core::date;
use crate::core::finding::{Anchor, Code, Issue};
use crate::core::path::Path;
use crate::core::text::excerpt;

pub(super) fn check(ctx: &Context<'_>, out: &mut Vec<Issue>) {
    let Some(readiness) = &ctx.contract.readiness else { return };
    let ids: Vec<Option<&str>> = readiness.checks.iter().map(|it| it.id.as_deref()).collect();
    let list = Path::root().key("readiness").key("checks");
    duplicates(&list, "id", "readiness check", Code::DUPLICATE_READINESS_ID, &ids, out);
    for (index, check) in readiness.checks.iter().enumerate() {
        let at = Path::root().key("readiness").key("checks").index(index);
        if let Some(expires) = check.expires.as_deref()
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

fn expires_problem(expires: &str) -> String {
    let shaped = expires.len() == 10
        && expires.char_indices().all(|(idx, c)| if idx == 4 || idx == 7 { c == '-' } else { c.is_ascii_digit() });
    match shaped {
        true => format!("`{}` is not a calendar date (no such day)", excerpt(expires)),
        false => format!("`{}` is not a valid date: write it as YYYY-MM-DD (e.g. `2027-01-31`)", excerpt(expires)),
    }
}
