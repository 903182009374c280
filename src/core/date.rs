//! Calendar dates for readiness `expires`: upstream's strict `YYYY-MM-DD` parsing and day arithmetic. "Today"
//! comes from the edge (`crate::clock`): the engine never reads the clock or the environment.
//!
//! Dates run from 0000-01-01 to 9999-12-31, the range a four-digit `YYYY-MM-DD` can name, in the proleptic
//! Gregorian calendar (as Go's `time` package uses). Arithmetic that would leave that range stops at its ends.

use std::fmt;
use std::str::FromStr;

/// A calendar date; the derived ordering is chronological.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: i32,
    month: u8,
    day: u8,
}

impl Date {
    /// The earliest date, 0000-01-01.
    pub const MIN: Date = Date { year: 0, month: 1, day: 1 };

    /// The latest date, 9999-12-31.
    pub const MAX: Date = Date { year: 9999, month: 12, day: 31 };

    /// Builds a date, or `None` if it does not exist or lies outside 0000-01-01 ..= 9999-12-31.
    pub fn new(year: i32, month: u8, day: u8) -> Option<Date> {
        let valid =
            (0..=9999).contains(&year) && (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month);
        valid.then_some(Date { year, month, day })
    }

    /// The year, 0 to 9999.
    pub fn year(self) -> i32 {
        self.year
    }

    /// The month, 1 (January) to 12.
    pub fn month(self) -> u8 {
        self.month
    }

    /// The day of the month, starting at 1.
    pub fn day(self) -> u8 {
        self.day
    }

    /// The date `days` days after 1970-01-01 (negative counts go backwards), clamped to [`Date::MIN`] and
    /// [`Date::MAX`].
    pub fn from_days_since_epoch(days: i64) -> Date {
        let days = days.clamp(MIN_DAYS, MAX_DAYS);
        // Howard Hinnant's civil-from-days algorithm, with eras of 400 years starting on 0000-03-01.
        let shifted = days + 719_468;
        let era = shifted.div_euclid(146_097);
        let day_of_era = shifted.rem_euclid(146_097);
        let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        let month_from_march = (5 * day_of_year + 2) / 153;
        let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
        let month = if month_from_march < 10 { month_from_march + 3 } else { month_from_march - 9 };
        let year = year_of_era + era * 400 + i64::from(month <= 2);
        // The clamp keeps every value in range, so the conversions cannot fail; the fallback is never used.
        Date {
            year: i32::try_from(year).unwrap_or(0),
            month: u8::try_from(month).unwrap_or(1),
            day: u8::try_from(day).unwrap_or(1),
        }
    }

    /// The number of days from 1970-01-01 to this date (negative before 1970).
    pub fn days_since_epoch(&self) -> i64 {
        days_from_civil(self.year, self.month, self.day)
    }

    /// The date `days` days later (or earlier, if negative), clamped to [`Date::MIN`] and [`Date::MAX`].
    pub fn add_days(self, days: i64) -> Date {
        Date::from_days_since_epoch(self.days_since_epoch().saturating_add(days))
    }

    /// The number of days from this date to `other`: 0 for the same day, negative if `other` is earlier.
    pub fn days_until(self, other: Date) -> i64 {
        other.days_since_epoch() - self.days_since_epoch()
    }
}

/// Parses `YYYY-MM-DD` exactly as upstream does: Go's `time.Parse("2006-01-02", s)` followed by the check that
/// formatting the result gives `s` back.
///
/// That means four digits, `-`, two digits for a month from 01 to 12, `-`, and two digits for a day that exists
/// in that month (leap years included), and nothing else: `2026-1-1`, `2026-02-30`, ` 2026-12-31` and
/// `2026-12-31T00:00:00Z` are all rejected.
pub fn parse_strict(text: &str) -> Option<Date> {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes.get(4) != Some(&b'-') || bytes.get(7) != Some(&b'-') {
        return None;
    }
    let year = digits_value(bytes.get(0..4)?)?;
    let month = digits_value(bytes.get(5..7)?)?;
    let day = digits_value(bytes.get(8..10)?)?;
    Date::new(i32::try_from(year).ok()?, u8::try_from(month).ok()?, u8::try_from(day).ok()?)
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl FromStr for Date {
    type Err = String;

    fn from_str(text: &str) -> Result<Date, String> {
        parse_strict(text).ok_or_else(|| {
            format!("`{}` is not a date in the form YYYY-MM-DD (for example 2026-03-01)", text.escape_debug())
        })
    }
}

/// Days from 1970-01-01 to 0000-01-01 and to 9999-12-31.
const MIN_DAYS: i64 = days_from_civil(0, 1, 1);
const MAX_DAYS: i64 = days_from_civil(9999, 12, 31);

/// Howard Hinnant's days-from-civil algorithm (1970-01-01 is day 0).
const fn days_from_civil(year: i32, month: u8, day: u8) -> i64 {
    let year = if month <= 2 { year as i64 - 1 } else { year as i64 };
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let month_from_march = (month as i64 + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day as i64 - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

fn is_leap_year(year: i32) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// The value of a run of ASCII digits, or `None` if any byte is not one.
fn digits_value(digits: &[u8]) -> Option<u32> {
    digits.iter().try_fold(0u32, |value, &b| {
        let digit = char::from(b).to_digit(10)?;
        value.checked_mul(10)?.checked_add(digit)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(year: i32, month: u8, day: u8) -> Date {
        match Date::new(year, month, day) {
            Some(date) => date,
            None => panic!("test date {year}-{month}-{day} does not exist"),
        }
    }

    #[test]
    fn parses_strictly_like_upstream() {
        let cases = [
            ("2026-12-31", Some(date(2026, 12, 31))),
            ("2024-02-29", Some(date(2024, 2, 29))),
            ("2000-02-29", Some(date(2000, 2, 29))),
            ("1970-01-01", Some(date(1970, 1, 1))),
            ("0000-01-01", Some(Date::MIN)),
            ("0000-02-29", Some(date(0, 2, 29))),
            ("9999-12-31", Some(Date::MAX)),
            ("2026-04-30", Some(date(2026, 4, 30))),
            ("2026-1-1", None),
            ("2026-01-1", None),
            ("26-01-01", None),
            ("02026-01-01", None),
            ("2026-02-30", None),
            ("2026-02-29", None),
            ("1900-02-29", None),
            ("2100-02-29", None),
            ("2026-04-31", None),
            ("2026-00-10", None),
            ("2026-13-01", None),
            ("2026-01-00", None),
            ("2026-01-32", None),
            ("2026-12-31T00:00:00Z", None),
            ("2026-12-31 ", None),
            (" 2026-12-31", None),
            ("2026/12/31", None),
            ("2026-12-3a", None),
            ("+026-12-31", None),
            ("-001-12-31", None),
            ("2026-+1-01", None),
            ("２０２６-12-31", None),
            ("not-a-date", None),
            ("", None),
        ];
        for (input, expected) in cases {
            assert_eq!(parse_strict(input), expected, "input {input:?}");
        }
    }

    #[test]
    fn epoch_is_day_zero() {
        assert_eq!(date(1970, 1, 1).days_since_epoch(), 0);
        assert_eq!(Date::from_days_since_epoch(0), date(1970, 1, 1));
    }

    #[test]
    fn converts_known_days() {
        let cases = [
            (date(1970, 1, 2), 1),
            (date(1969, 12, 31), -1),
            (date(1969, 1, 1), -365),
            (date(1968, 2, 29), -672),
            (date(1900, 1, 1), -25_567),
            (date(2000, 1, 1), 10_957),
            (date(2000, 2, 29), 11_016),
            (date(2000, 3, 1), 11_017),
            (date(2024, 2, 29), 19_782),
            (date(2026, 3, 1), 20_513),
            (date(2099, 12, 31), 47_481),
            (Date::MIN, -719_528),
            (Date::MAX, 2_932_896),
        ];
        for (day, count) in cases {
            assert_eq!(day.days_since_epoch(), count, "{day}");
            assert_eq!(Date::from_days_since_epoch(count), day, "{count}");
        }
    }

    #[test]
    fn round_trips_every_day_of_four_centuries() {
        let start = date(1899, 12, 1).days_since_epoch();
        let mut expected = date(1899, 12, 1);
        for days in start..start + 146_097 + 60 {
            let day = Date::from_days_since_epoch(days);
            assert_eq!(day, expected, "day {days}");
            assert_eq!(day.days_since_epoch(), days);
            assert_eq!(parse_strict(&day.to_string()), Some(day));
            expected = next_day(expected);
        }
    }

    /// Steps one day forward by the calendar rules, independently of the day-count algorithm.
    fn next_day(day: Date) -> Date {
        if day.day() < days_in_month(day.year(), day.month()) {
            date(day.year(), day.month(), day.day() + 1)
        } else if day.month() < 12 {
            date(day.year(), day.month() + 1, 1)
        } else {
            date(day.year() + 1, 1, 1)
        }
    }

    #[test]
    fn adds_and_counts_days() {
        let start = date(2024, 2, 28);
        let cases = [
            (1, date(2024, 2, 29)),
            (2, date(2024, 3, 1)),
            (-59, date(2023, 12, 31)),
            (366, date(2025, 2, 28)),
            (0, start),
        ];
        for (days, expected) in cases {
            assert_eq!(start.add_days(days), expected, "{start} + {days}");
            assert_eq!(start.days_until(expected), days);
            assert_eq!(expected.days_until(start), -days);
        }
        assert_eq!(date(2026, 3, 1).days_until(date(2026, 3, 15)), 14);
        assert_eq!(date(2025, 12, 31).days_until(date(2026, 1, 1)), 1);
    }

    #[test]
    fn clamps_at_the_ends_of_the_range() {
        assert_eq!(Date::from_days_since_epoch(i64::MAX), Date::MAX);
        assert_eq!(Date::from_days_since_epoch(i64::MIN), Date::MIN);
        assert_eq!(Date::MAX.add_days(1), Date::MAX);
        assert_eq!(Date::MIN.add_days(-1), Date::MIN);
        assert_eq!(date(2026, 1, 1).add_days(i64::MAX), Date::MAX);
        assert_eq!(date(2026, 1, 1).add_days(i64::MIN), Date::MIN);
        assert_eq!(Date::MIN.days_until(Date::MAX), 3_652_424);
    }

    #[test]
    fn orders_chronologically() {
        assert!(date(2025, 12, 31) < date(2026, 1, 1));
        assert!(date(2026, 1, 31) < date(2026, 2, 1));
        assert!(date(2026, 2, 1) < date(2026, 2, 2));
        assert_eq!(Date::MIN.max(Date::MAX), Date::MAX);
    }

    #[test]
    fn displays_and_parses_text() {
        assert_eq!(date(2026, 3, 1).to_string(), "2026-03-01");
        assert_eq!(Date::MIN.to_string(), "0000-01-01");
        assert_eq!(date(987, 6, 5).to_string(), "0987-06-05");
        assert_eq!("2024-02-29".parse::<Date>(), Ok(date(2024, 2, 29)));
        assert_eq!(
            "2026-1-1".parse::<Date>(),
            Err("`2026-1-1` is not a date in the form YYYY-MM-DD (for example 2026-03-01)".to_string())
        );
    }

    #[test]
    fn builds_only_real_dates() {
        assert_eq!(Date::new(2026, 2, 29), None);
        assert_eq!(Date::new(2026, 0, 1), None);
        assert_eq!(Date::new(2026, 1, 0), None);
        assert_eq!(Date::new(-1, 12, 31), None);
        assert_eq!(Date::new(10_000, 1, 1), None);
        let day = date(2024, 2, 29);
        assert_eq!((day.year(), day.month(), day.day()), (2024, 2, 29));
    }
}
