//! Readiness scoring, the opt-in gate, and expiry warnings.
//!
//! pactoVersion 1.1 ([`score`]) matches upstream `pkg/readiness` of the v1.x line: a check is
//! current through the end of its `expires` day (UTC); score = round(current weight / total
//! weight × 100), 0 when the total is 0; `minScore` defaults to 100.
//!
//! pactoVersion 1.2 and 2.0 ([`assess`]) match the v2/v3 line: one `expires` date for the whole
//! assessment (an unparseable date counts as expired: fail closed); each item has a status:
//! `done` earns its weight, `partial` round(weight × `partialCredit`, default 0.5), `not-done`
//! and unknown statuses nothing, `deferred` is left out of the total; an expired assessment
//! earns nothing and never passes.

use crate::core::date::{self, Date};
use crate::core::finding::{Anchor, Code, Issue};
use crate::core::model::{Readiness, ReadinessCheck};
use crate::core::path::Path;
use crate::core::text::excerpt;

/// The default `minScore` when a contract declares none.
pub const DEFAULT_MIN_SCORE: i64 = 100;

/// The default `partialCredit` (1.2, 2.0) when a contract declares none.
pub const DEFAULT_PARTIAL_CREDIT: f64 = 0.5;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckStatus {
    /// Counts; `days_remaining` is 0 on the expiry day itself.
    Current {
        days_remaining: i64,
    },
    Expired {
        days_ago: i64,
    },
    /// `expires` is not a strict YYYY-MM-DD date; counted, earns nothing.
    Invalid,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckReport {
    pub index: usize,
    pub id: Option<String>,
    pub weight: i64,
    pub expires: Option<Date>,
    pub status: CheckStatus,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    pub score: i64,
    pub total_weight: i64,
    pub current_weight: i64,
    pub current_count: usize,
    pub expired_count: usize,
    pub invalid_count: usize,
    pub min_score: i64,
    pub passing: bool,
    pub checks: Vec<CheckReport>,
}

/// Scores the readiness section as of `today`; `None` when there is no check to score.
pub fn score(readiness: &Readiness, today: Date) -> Option<Report> {
    if readiness.checks.is_empty() {
        return None;
    }
    let mut report = Report {
        score: 0,
        total_weight: 0,
        current_weight: 0,
        current_count: 0,
        expired_count: 0,
        invalid_count: 0,
        min_score: readiness.min_score.unwrap_or(DEFAULT_MIN_SCORE),
        passing: false,
        checks: Vec::with_capacity(readiness.checks.len()),
    };
    // Summed in 128 bits, which no list of 64-bit weights can overflow, so the score never saturates or wraps.
    let (mut total, mut current) = (0i128, 0i128);
    for (index, check) in readiness.checks.iter().enumerate() {
        let weight = check.weight.unwrap_or(0);
        total += i128::from(weight);
        let expires = check.expires.as_deref().and_then(date::parse_strict);
        let status = match expires {
            None => {
                report.invalid_count += 1;
                CheckStatus::Invalid
            }
            Some(expires) if today <= expires => {
                report.current_count += 1;
                current += i128::from(weight);
                CheckStatus::Current { days_remaining: today.days_until(expires) }
            }
            Some(expires) => {
                report.expired_count += 1;
                CheckStatus::Expired { days_ago: expires.days_until(today) }
            }
        };
        report.checks.push(CheckReport { index, id: check.id.clone(), weight, expires, status });
    }
    report.total_weight = saturate(total);
    report.current_weight = saturate(current);
    if total > 0 {
        // Go's math.Round also rounds halves away from zero.
        report.score = (current as f64 / total as f64 * 100.0).round() as i64;
    }
    report.passing = report.score >= report.min_score;
    Some(report)
}

/// `READINESS_GATE_UNMET` when the gate fails, with upstream's message.
pub fn gate(report: &Report) -> Option<Issue> {
    if report.passing {
        return None;
    }
    Some(Issue::new(
        Code::READINESS_GATE_UNMET,
        Path::root().key("readiness"),
        Anchor::Key,
        format!(
            "readiness score {} is below minScore {} ({} current, {} expired, {} invalid of {} checks)",
            report.score,
            report.min_score,
            report.current_count,
            report.expired_count,
            report.invalid_count,
            report.checks.len()
        ),
    ))
}

/// A warning for every expired check and a hint for every check expiring within `warn_days`.
pub fn expiry(report: &Report, warn_days: i64) -> Vec<Issue> {
    let mut out = Vec::new();
    for check in &report.checks {
        let at = Path::root().key("readiness").key("checks").index(check.index).key("expires");
        let name = check.id.as_deref().map(|it| format!("`{}`", excerpt(it))).unwrap_or_else(|| "check".into());
        let (Some(expires), status) = (check.expires, check.status) else { continue };
        match status {
            CheckStatus::Expired { days_ago } => out.push(Issue::new(
                Code::READINESS_CHECK_EXPIRED,
                at,
                Anchor::Value,
                format!(
                    "readiness check {name} expired on {expires} ({days_ago} {} ago); its weight {} no longer counts",
                    plural(days_ago, "day"),
                    check.weight
                ),
            )),
            CheckStatus::Current { days_remaining } if days_remaining <= warn_days => {
                let when = match days_remaining {
                    0 => "today".to_string(),
                    1 => "tomorrow".to_string(),
                    n => format!("in {n} days"),
                };
                out.push(Issue::new(
                    Code::READINESS_CHECK_EXPIRING,
                    at,
                    Anchor::Value,
                    format!("readiness check {name} expires {when} ({expires}); renew its evidence"),
                ));
            }
            _ => {}
        }
    }
    out
}

/// The status of one readiness item under 1.2 and 2.0.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ItemStatus {
    Done,
    Partial,
    NotDone,
    Deferred,
    /// A missing or unknown status: counted like `not-done` (in the total, earning nothing).
    Unknown,
}

impl ItemStatus {
    pub fn parse(text: Option<&str>) -> ItemStatus {
        match text {
            Some("done") => ItemStatus::Done,
            Some("partial") => ItemStatus::Partial,
            Some("not-done") => ItemStatus::NotDone,
            Some("deferred") => ItemStatus::Deferred,
            _ => ItemStatus::Unknown,
        }
    }
}

/// One scored item (a 1.2 check or a 2.0 claim).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemReport {
    pub index: usize,
    pub id: Option<String>,
    pub weight: i64,
    pub status: ItemStatus,
    /// What the item earns as of the day scored (0 when the assessment has expired).
    pub earned: i64,
}

/// The readiness assessment of a 1.2 or 2.0 contract.
#[derive(Clone, Debug, PartialEq)]
pub struct Assessment {
    pub score: i64,
    /// The weight of every item that is not deferred.
    pub total_weight: i64,
    pub earned_weight: i64,
    pub min_score: i64,
    pub partial_credit: f64,
    /// The assessment's `expires`, when it is a strict YYYY-MM-DD date.
    pub expires: Option<Date>,
    /// True after the `expires` day (UTC), and when `expires` is missing or not a strict date.
    pub expired: bool,
    /// Whole days until `expires` (0 on the day itself); `None` once expired.
    pub days_remaining: Option<i64>,
    pub done_count: usize,
    /// Items with status `not-done`, or a missing or unknown status.
    pub not_done_count: usize,
    pub partial_count: usize,
    pub deferred_count: usize,
    /// Not expired and the score reaches `min_score`.
    pub passing: bool,
    pub items: Vec<ItemReport>,
}

/// Scores a 1.2 or 2.0 readiness section as of `today`; `items` are its `checks` (1.2) or `claims`
/// (2.0). `None` when there is no item to score.
pub fn assess(readiness: &Readiness, items: &[ReadinessCheck], today: Date) -> Option<Assessment> {
    if items.is_empty() {
        return None;
    }
    let expires = readiness.expires.as_deref().and_then(date::parse_strict);
    let expired = expires.is_none_or(|it| today > it);
    let partial_credit = readiness.partial_credit.unwrap_or(DEFAULT_PARTIAL_CREDIT);
    let mut report = Assessment {
        score: 0,
        total_weight: 0,
        earned_weight: 0,
        min_score: readiness.min_score.unwrap_or(DEFAULT_MIN_SCORE),
        partial_credit,
        expires,
        expired,
        days_remaining: expires.filter(|_| !expired).map(|it| today.days_until(it)),
        done_count: 0,
        not_done_count: 0,
        partial_count: 0,
        deferred_count: 0,
        passing: false,
        items: Vec::with_capacity(items.len()),
    };
    // Summed in 128 bits, as for 1.1: no list of 64-bit weights can overflow it.
    let (mut total, mut earned) = (0i128, 0i128);
    for (index, item) in items.iter().enumerate() {
        let weight = item.weight.unwrap_or(0);
        let status = ItemStatus::parse(item.status.as_deref());
        let mut item_earned = 0;
        match status {
            ItemStatus::Deferred => report.deferred_count += 1,
            ItemStatus::Done => report.done_count += 1,
            ItemStatus::Partial => report.partial_count += 1,
            ItemStatus::NotDone | ItemStatus::Unknown => report.not_done_count += 1,
        }
        if status != ItemStatus::Deferred {
            total += i128::from(weight);
            if !expired {
                item_earned = match status {
                    ItemStatus::Done => weight,
                    // Go's math.Round rounds halves away from zero, as `f64::round` does.
                    ItemStatus::Partial => (weight as f64 * partial_credit).round() as i64,
                    _ => 0,
                };
            }
            earned += i128::from(item_earned);
        }
        report.items.push(ItemReport { index, id: item.id.clone(), weight, status, earned: item_earned });
    }
    report.total_weight = saturate(total);
    report.earned_weight = saturate(earned);
    if total > 0 {
        report.score = (earned as f64 / total as f64 * 100.0).round() as i64;
    }
    report.passing = !report.expired && report.score >= report.min_score;
    Some(report)
}

/// `READINESS_GATE_UNMET` when a 1.2 / 2.0 assessment fails the gate, with upstream's message.
pub fn assessment_gate(report: &Assessment) -> Option<Issue> {
    if report.passing {
        return None;
    }
    let reason = match report.expired {
        true => "assessment expired",
        false => "score below gate",
    };
    Some(Issue::new(
        Code::READINESS_GATE_UNMET,
        Path::root().key("readiness"),
        Anchor::Key,
        format!("{reason}: score {}, minScore {} ({})", report.score, report.min_score, item_counts(report)),
    ))
}

/// A warning when the assessment has expired and a hint when it expires within `warn_days`, on
/// `readiness.expires`. A date that does not parse is `INVALID_READINESS_EXPIRES` instead.
pub fn assessment_expiry(report: &Assessment, noun: &str, warn_days: i64, today: Date) -> Option<Issue> {
    let expires = report.expires?;
    let at = Path::root().key("readiness").key("expires");
    if report.expired {
        let days_ago = expires.days_until(today);
        return Some(Issue::new(
            Code::READINESS_CHECK_EXPIRED,
            at,
            Anchor::Value,
            format!(
                "the readiness assessment expired on {expires} ({days_ago} {} ago); no {noun} earns weight until it is reviewed and `expires` renewed",
                plural(days_ago, "day")
            ),
        ));
    }
    let days_remaining = report.days_remaining?;
    if days_remaining > warn_days {
        return None;
    }
    let when = match days_remaining {
        0 => "today".to_string(),
        1 => "tomorrow".to_string(),
        n => format!("in {n} days"),
    };
    Some(Issue::new(
        Code::READINESS_CHECK_EXPIRING,
        at,
        Anchor::Value,
        format!("the readiness assessment expires {when} ({expires}); review it and renew `expires`"),
    ))
}

fn saturate(value: i128) -> i64 {
    i64::try_from(value).unwrap_or(if value < 0 { i64::MIN } else { i64::MAX })
}

fn plural(count: i64, noun: &str) -> String {
    match count {
        1 => noun.to_string(),
        _ => format!("{noun}s"),
    }
}

/// How many items of an assessment are in each status: `1 done, 0 partial, 2 not-done, 0 deferred`.
pub fn item_counts(report: &Assessment) -> String {
    format!(
        "{} done, {} partial, {} not-done, {} deferred",
        report.done_count, report.partial_count, report.not_done_count, report.deferred_count
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(weight: i64, expires: &str) -> ReadinessCheck {
        ReadinessCheck {
            id: Some(format!("c{weight}")),
            weight: Some(weight),
            expires: Some(expires.into()),
            ..ReadinessCheck::default()
        }
    }

    fn day(text: &str) -> Date {
        date::parse_strict(text).unwrap()
    }

    #[test]
    fn upstream_e2e_example_scores_60() {
        let readiness = Readiness {
            min_score: None,
            checks: vec![check(60, "2099-12-31"), check(40, "2000-01-15")],
            ..Readiness::default()
        };
        let report = score(&readiness, day("2026-11-22")).unwrap();
        assert_eq!((report.score, report.min_score, report.passing), (60, 100, false));
        assert_eq!((report.current_count, report.expired_count, report.invalid_count), (1, 1, 0));
        assert_eq!(
            gate(&report).unwrap().message,
            "readiness score 60 is below minScore 100 (1 current, 1 expired, 0 invalid of 2 checks)"
        );
    }

    #[test]
    fn current_through_the_end_of_the_expiry_day() {
        let readiness =
            Readiness { min_score: Some(100), checks: vec![check(10, "2026-11-22")], ..Readiness::default() };
        let report = score(&readiness, day("2026-11-22")).unwrap();
        assert_eq!(report.checks[0].status, CheckStatus::Current { days_remaining: 0 });
        assert!(report.passing);
        let report = score(&readiness, day("2026-11-23")).unwrap();
        assert_eq!(report.checks[0].status, CheckStatus::Expired { days_ago: 1 });
        assert_eq!(report.score, 0);
    }

    #[test]
    fn zero_total_weight_scores_zero_and_rounding_is_half_away_from_zero() {
        let zero = Readiness { min_score: None, checks: vec![check(0, "2099-01-01")], ..Readiness::default() };
        let report = score(&zero, day("2026-01-01")).unwrap();
        assert_eq!((report.score, report.passing), (0, false));
        let zero_gate = Readiness { min_score: Some(0), ..zero };
        assert!(score(&zero_gate, day("2026-01-01")).unwrap().passing);
        // 1 of 8 = 12.5 → 13.
        let half = Readiness {
            min_score: None,
            checks: vec![check(1, "2099-01-01"), check(7, "2000-01-01")],
            ..Readiness::default()
        };
        assert_eq!(score(&half, day("2026-01-01")).unwrap().score, 13);
    }

    #[test]
    fn huge_weights_neither_saturate_nor_wrap_the_score() {
        let readiness = Readiness {
            min_score: None,
            checks: vec![check(i64::MAX, "2099-01-01"), check(i64::MAX, "2000-01-01")],
            ..Readiness::default()
        };
        let report = score(&readiness, day("2026-01-01")).unwrap();
        assert_eq!((report.score, report.total_weight, report.current_weight), (50, i64::MAX, i64::MAX));
        let mixed = Readiness {
            min_score: None,
            checks: vec![check(i64::MIN, "2099-01-01"), check(i64::MAX, "2099-01-01")],
            ..Readiness::default()
        };
        assert_eq!(score(&mixed, day("2026-01-01")).unwrap().score, 0);
    }

    #[test]
    fn invalid_dates_count_but_earn_nothing() {
        let readiness = Readiness {
            min_score: Some(50),
            checks: vec![check(50, "2026-1-1"), check(50, "2099-12-31")],
            ..Readiness::default()
        };
        let report = score(&readiness, day("2026-01-01")).unwrap();
        assert_eq!((report.score, report.invalid_count, report.passing), (50, 1, true));
    }

    #[test]
    fn expiry_warnings_and_hints() {
        let readiness = Readiness {
            min_score: None,
            checks: vec![
                check(1, "2026-11-21"),
                check(2, "2026-11-22"),
                check(3, "2026-12-06"),
                check(4, "2026-12-07"),
            ],
            ..Readiness::default()
        };
        let report = score(&readiness, day("2026-11-22")).unwrap();
        let issues: Vec<(Code, String)> = expiry(&report, 14).into_iter().map(|it| (it.code, it.message)).collect();
        assert_eq!(
            issues,
            vec![
                (
                    Code::READINESS_CHECK_EXPIRED,
                    "readiness check `c1` expired on 2026-11-21 (1 day ago); its weight 1 no longer counts".into()
                ),
                (
                    Code::READINESS_CHECK_EXPIRING,
                    "readiness check `c2` expires today (2026-11-22); renew its evidence".into()
                ),
                (
                    Code::READINESS_CHECK_EXPIRING,
                    "readiness check `c3` expires in 14 days (2026-12-06); renew its evidence".into()
                ),
            ]
        );
    }

    fn item(weight: i64, status: &str) -> ReadinessCheck {
        ReadinessCheck {
            id: Some(format!("{status}-{weight}")),
            weight: Some(weight),
            status: Some(status.into()),
            ..ReadinessCheck::default()
        }
    }

    fn assessment(expires: &str, items: Vec<ReadinessCheck>) -> (Readiness, Vec<ReadinessCheck>) {
        (Readiness { expires: Some(expires.into()), ..Readiness::default() }, items)
    }

    #[test]
    fn docs_worked_example_scores_47() {
        let (readiness, items) = assessment(
            "2099-12-31",
            vec![item(20, "done"), item(15, "partial"), item(25, "not-done"), item(10, "deferred")],
        );
        let report = assess(&readiness, &items, day("2026-11-22")).unwrap();
        // 20 + round(15 × 0.5) = 28 of 60 (the deferred 10 is left out): 46.67 → 47.
        assert_eq!((report.earned_weight, report.total_weight, report.score), (28, 60, 47));
        assert_eq!(report.items.iter().map(|it| it.earned).collect::<Vec<_>>(), vec![20, 8, 0, 0]);
        assert_eq!(
            (report.done_count, report.partial_count, report.not_done_count, report.deferred_count),
            (1, 1, 1, 1)
        );
        assert!(!report.passing);
        assert_eq!(
            assessment_gate(&report).unwrap().message,
            "score below gate: score 47, minScore 100 (1 done, 1 partial, 1 not-done, 1 deferred)"
        );
    }

    #[test]
    fn the_assessment_counts_through_the_end_of_its_expiry_day() {
        let (readiness, items) = assessment("2026-11-22", vec![item(10, "done")]);
        let report = assess(&readiness, &items, day("2026-11-22")).unwrap();
        assert_eq!((report.expired, report.days_remaining, report.score, report.passing), (false, Some(0), 100, true));
        assert_eq!(assessment_gate(&report), None);
        let report = assess(&readiness, &items, day("2026-11-23")).unwrap();
        assert_eq!((report.expired, report.days_remaining, report.score, report.passing), (true, None, 0, false));
        assert_eq!(report.items[0].earned, 0);
        assert_eq!(
            assessment_gate(&report).unwrap().message,
            "assessment expired: score 0, minScore 100 (1 done, 0 partial, 0 not-done, 0 deferred)"
        );
        let expired = assessment_expiry(&report, "claim", 14, day("2026-11-23")).unwrap();
        assert_eq!(expired.code, Code::READINESS_CHECK_EXPIRED);
        assert_eq!(expired.path.to_string(), "readiness.expires");
    }

    #[test]
    fn an_unparseable_or_missing_expiry_fails_closed() {
        for expires in ["2026-1-1", "2026-02-30", "2026-11-22T00:00:00Z", "soon"] {
            let (readiness, items) = assessment(expires, vec![item(10, "done")]);
            let report = assess(&readiness, &items, day("2026-01-01")).unwrap();
            assert_eq!((report.expired, report.score, report.passing), (true, 0, false), "{expires}");
            // No expiry warning: INVALID_READINESS_EXPIRES says what is wrong.
            assert_eq!(assessment_expiry(&report, "claim", 14, day("2026-01-01")), None);
        }
        let report = assess(&Readiness::default(), &[item(10, "done")], day("2026-01-01")).unwrap();
        assert!(report.expired && !report.passing);
    }

    #[test]
    fn partial_credit_rounds_half_away_from_zero_and_zero_weight_scores_zero() {
        // 5 × 0.5 = 2.5 → 3; 3 of 10 → 30.
        let (mut readiness, items) = assessment("2099-01-01", vec![item(5, "partial"), item(5, "not-done")]);
        let report = assess(&readiness, &items, day("2026-01-01")).unwrap();
        assert_eq!((report.items[0].earned, report.score), (3, 30));
        readiness.partial_credit = Some(1.0);
        assert_eq!(assess(&readiness, &items, day("2026-01-01")).unwrap().score, 50);
        readiness.partial_credit = Some(0.0);
        assert_eq!(assess(&readiness, &items, day("2026-01-01")).unwrap().score, 0);
        // 1 of 8 = 12.5 → 13.
        let (readiness, items) = assessment("2099-01-01", vec![item(1, "done"), item(7, "not-done")]);
        assert_eq!(assess(&readiness, &items, day("2026-01-01")).unwrap().score, 13);
        // Only zero weights (or only deferred items): score 0, passing only with minScore 0.
        let (mut readiness, items) = assessment("2099-01-01", vec![item(0, "done"), item(40, "deferred")]);
        let report = assess(&readiness, &items, day("2026-01-01")).unwrap();
        assert_eq!((report.total_weight, report.score, report.passing), (0, 0, false));
        readiness.min_score = Some(0);
        assert!(assess(&readiness, &items, day("2026-01-01")).unwrap().passing);
    }

    #[test]
    fn unknown_statuses_count_as_not_done() {
        let mut unknown = item(50, "maybe");
        let missing = ReadinessCheck { status: None, ..item(50, "x") };
        unknown.id = Some("u".into());
        let (readiness, _) = assessment("2099-01-01", vec![]);
        let items = vec![item(50, "done"), unknown, missing];
        let report = assess(&readiness, &items, day("2026-01-01")).unwrap();
        assert_eq!((report.not_done_count, report.total_weight, report.score), (2, 150, 33));
        assert_eq!(assess(&readiness, &[], day("2026-01-01")), None);
    }

    #[test]
    fn the_assessment_expiry_hint_starts_warn_days_before() {
        let (readiness, items) = assessment("2026-12-06", vec![item(10, "done")]);
        let report = assess(&readiness, &items, day("2026-11-22")).unwrap();
        let hint = assessment_expiry(&report, "claim", 14, day("2026-11-22")).unwrap();
        assert_eq!(hint.code, Code::READINESS_CHECK_EXPIRING);
        assert_eq!(
            hint.message,
            "the readiness assessment expires in 14 days (2026-12-06); review it and renew `expires`"
        );
        assert_eq!(assessment_expiry(&report, "claim", 13, day("2026-11-22")), None);
    }
}
