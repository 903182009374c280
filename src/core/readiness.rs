//! Readiness scoring (pactoVersion 1.1), the opt-in gate, and expiry warnings.
//!
//! Matches upstream `pkg/readiness` of the v1.x line: a check is current through the end of its
//! `expires` day (UTC); score = round(current weight / total weight × 100), 0 when the total is 0;
//! `minScore` defaults to 100.

use crate::core::date::{self, Date};
use crate::core::finding::{Anchor, Code, Issue};
use crate::core::model::Readiness;
use crate::core::path::Path;
use crate::core::text::excerpt;

/// The default `minScore` when a contract declares none.
pub const DEFAULT_MIN_SCORE: i64 = 100;

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

fn saturate(value: i128) -> i64 {
    i64::try_from(value).unwrap_or(if value < 0 { i64::MIN } else { i64::MAX })
}

fn plural(count: i64, noun: &str) -> String {
    match count {
        1 => noun.to_string(),
        _ => format!("{noun}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::model::ReadinessCheck;

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
        let readiness = Readiness { min_score: None, checks: vec![check(60, "2099-12-31"), check(40, "2000-01-15")] };
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
        let readiness = Readiness { min_score: Some(100), checks: vec![check(10, "2026-11-22")] };
        let report = score(&readiness, day("2026-11-22")).unwrap();
        assert_eq!(report.checks[0].status, CheckStatus::Current { days_remaining: 0 });
        assert!(report.passing);
        let report = score(&readiness, day("2026-11-23")).unwrap();
        assert_eq!(report.checks[0].status, CheckStatus::Expired { days_ago: 1 });
        assert_eq!(report.score, 0);
    }

    #[test]
    fn zero_total_weight_scores_zero_and_rounding_is_half_away_from_zero() {
        let zero = Readiness { min_score: None, checks: vec![check(0, "2099-01-01")] };
        let report = score(&zero, day("2026-01-01")).unwrap();
        assert_eq!((report.score, report.passing), (0, false));
        let zero_gate = Readiness { min_score: Some(0), ..zero };
        assert!(score(&zero_gate, day("2026-01-01")).unwrap().passing);
        // 1 of 8 = 12.5 → 13.
        let half = Readiness { min_score: None, checks: vec![check(1, "2099-01-01"), check(7, "2000-01-01")] };
        assert_eq!(score(&half, day("2026-01-01")).unwrap().score, 13);
    }

    #[test]
    fn huge_weights_neither_saturate_nor_wrap_the_score() {
        let readiness =
            Readiness { min_score: None, checks: vec![check(i64::MAX, "2099-01-01"), check(i64::MAX, "2000-01-01")] };
        let report = score(&readiness, day("2026-01-01")).unwrap();
        assert_eq!((report.score, report.total_weight, report.current_weight), (50, i64::MAX, i64::MAX));
        let mixed =
            Readiness { min_score: None, checks: vec![check(i64::MIN, "2099-01-01"), check(i64::MAX, "2099-01-01")] };
        assert_eq!(score(&mixed, day("2026-01-01")).unwrap().score, 0);
    }

    #[test]
    fn invalid_dates_count_but_earn_nothing() {
        let readiness = Readiness { min_score: Some(50), checks: vec![check(50, "2026-1-1"), check(50, "2099-12-31")] };
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
}
