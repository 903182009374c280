//! The clock and the environment, read at the edge: "today" for readiness, handed to the engine in
//! `core::check::Options`.

use std::ffi::OsString;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::core::date::{Date, parse_strict};

/// The environment variable that pins "today" (`PACTO_TODAY=YYYY-MM-DD`), for tests and reproducible runs.
pub const TODAY_ENV_VAR: &str = "PACTO_TODAY";

/// Today's calendar date in UTC, from the system clock.
pub fn today_utc() -> Date {
    let seconds = match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
        Err(before) => {
            // A clock before 1970: round the negative time down to a whole second.
            let duration = before.duration();
            let whole = duration.as_secs().saturating_add(u64::from(duration.subsec_nanos() > 0));
            i64::try_from(whole).map_or(i64::MIN, |secs| -secs)
        }
    };
    Date::from_days_since_epoch(seconds.div_euclid(86_400))
}

/// Today's date: the value of `PACTO_TODAY` if that variable is set (it must then be a strict `YYYY-MM-DD`),
/// otherwise [`today_utc`].
pub fn today_from_env() -> Result<Date, String> {
    today_from(std::env::var_os(TODAY_ENV_VAR))
}

/// [`today_from_env`] with the variable's value passed in, so that tests need not change the environment.
fn today_from(value: Option<OsString>) -> Result<Date, String> {
    let Some(value) = value else {
        return Ok(today_utc());
    };
    match value.to_str() {
        Some(text) => parse_strict(text).ok_or_else(|| {
            format!(
                "environment variable {TODAY_ENV_VAR} must be a date in the form YYYY-MM-DD (for example \
                 2026-03-01), not `{}`",
                text.escape_debug()
            )
        }),
        None => Err(format!(
            "environment variable {TODAY_ENV_VAR} must be a date in the form YYYY-MM-DD; its value is not valid UTF-8"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> Date {
        parse_strict(text).unwrap()
    }

    #[test]
    fn takes_today_from_the_variable_when_set() {
        assert_eq!(today_from(Some(OsString::from("2026-03-01"))), Ok(date("2026-03-01")));
        let expected = "environment variable PACTO_TODAY must be a date in the form YYYY-MM-DD (for example \
                        2026-03-01), not `2026-3-1`";
        assert_eq!(today_from(Some(OsString::from("2026-3-1"))), Err(expected.to_string()));
        assert!(today_from(Some(OsString::from(""))).is_err());
        let before = today_utc();
        let unset = today_from(None);
        let after = today_utc();
        assert!(unset.is_ok_and(|today| before <= today && today <= after));
    }

    #[test]
    fn today_is_a_plausible_date() {
        let today = today_utc();
        assert!(today >= date("2024-01-01"), "{today}");
        assert!(today <= date("2200-01-01"), "{today}");
    }
}
