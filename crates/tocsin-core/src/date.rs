//! Partial dates: a year, a year and month, or a full date, kept at the
//! precision they were given with.

use std::cmp::Ordering;
use std::fmt;

use serde::{Deserialize, Serialize};
use time::{Date, Month};

use crate::FieldError;
use crate::schema::string_schema;

string_schema!(
    PartialDate,
    "A date known to the year, the month or the day",
    "^\\d{4}(-\\d{2}(-\\d{2})?)?$",
    "1970-05"
);

/// How much of a [`PartialDate`] is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Precision {
    /// Only the year.
    Year,
    /// Year and month.
    Month,
    /// Year, month and day.
    Day,
}

/// A date known to the year (`1970`), the month (`1970-05`) or the day
/// (`1970-05-01`). Impossible dates (`1970-02-30`) do not parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PartialDate {
    year: i16,
    month: Option<Month>,
    day: Option<u8>,
}

impl PartialDate {
    /// Parses `YYYY`, `YYYY-MM` or `YYYY-MM-DD` (years 1000 to 2999).
    pub fn parse(s: &str) -> Result<PartialDate, FieldError> {
        let bad = |why: &str| FieldError::new(format!("`{s}` is not a date (YYYY, YYYY-MM or YYYY-MM-DD): {why}"));
        let mut parts = s.split('-');
        let year = parts.next().ok_or_else(|| bad("empty"))?;
        let (month, day) = (parts.next(), parts.next());
        if parts.next().is_some() {
            return Err(bad("too many parts"));
        }
        let year =
            number(year, 4).filter(|y| (1000..=2999).contains(y)).ok_or_else(|| bad("year must be four digits"))?;
        let year = i16::try_from(year).map_err(|_| bad("year out of range"))?;
        let month = match month {
            None => return Ok(PartialDate { year, month: None, day: None }),
            Some(m) => number(m, 2)
                .and_then(|m| u8::try_from(m).ok())
                .and_then(|m| Month::try_from(m).ok())
                .ok_or_else(|| bad("month must be 01 to 12"))?,
        };
        let Some(day) = day else {
            return Ok(PartialDate { year, month: Some(month), day: None });
        };
        let day = number(day, 2).and_then(|d| u8::try_from(d).ok()).ok_or_else(|| bad("day must be two digits"))?;
        Date::from_calendar_date(i32::from(year), month, day).map_err(|_| bad("no such day in that month"))?;
        Ok(PartialDate { year, month: Some(month), day: Some(day) })
    }

    /// A full date.
    pub fn from_date(d: Date) -> PartialDate {
        // Dates this crate produces lie in years 1000..=2999.
        let year = i16::try_from(d.year()).unwrap_or(i16::MAX);
        PartialDate { year, month: Some(d.month()), day: Some(d.day()) }
    }

    /// How much of the date is known.
    pub fn precision(&self) -> Precision {
        match (self.month, self.day) {
            (None, _) => Precision::Year,
            (Some(_), None) => Precision::Month,
            (Some(_), Some(_)) => Precision::Day,
        }
    }

    /// The year.
    pub fn year(&self) -> i32 {
        i32::from(self.year)
    }

    /// The month (1..=12), when known.
    pub fn month(&self) -> Option<u8> {
        self.month.map(u8::from)
    }

    /// The day of the month, when known.
    pub fn day(&self) -> Option<u8> {
        self.day
    }
}

/// Parses exactly `width` ASCII digits.
fn number(s: &str, width: usize) -> Option<u32> {
    (s.len() == width && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok()).flatten()
}

impl PartialOrd for PartialDate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for PartialDate {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.year, self.month(), self.day).cmp(&(other.year, other.month(), other.day))
    }
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.year)?;
        if let Some(m) = self.month {
            write!(f, "-{:02}", u8::from(m))?;
        }
        if let Some(d) = self.day {
            write!(f, "-{d:02}")?;
        }
        Ok(())
    }
}

impl TryFrom<String> for PartialDate {
    type Error = FieldError;
    fn try_from(s: String) -> Result<Self, FieldError> {
        PartialDate::parse(&s)
    }
}

impl From<PartialDate> for String {
    fn from(d: PartialDate) -> String {
        d.to_string()
    }
}

/// A time to the minute in UTC, as lists and tables show it:
/// `2026-12-06 13:35`.
pub fn to_minute(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!("{:04}-{:02}-{:02} {:02}:{:02}", t.year(), u8::from(t.month()), t.day(), t.hour(), t.minute())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn keeps_the_precision_it_was_given() {
        let cases = [("1970", Precision::Year), ("1970-05", Precision::Month), ("1970-05-01", Precision::Day)];
        for (s, p) in cases {
            let d = PartialDate::parse(s).expect(s);
            assert_eq!((d.precision(), d.to_string().as_str()), (p, s));
        }
    }

    #[test]
    fn rejects_impossible_and_malformed_dates() {
        for bad in [
            "1970-02-30",
            "1971-02-29",
            "1970-13",
            "1970-00",
            "70",
            "1970-5-1",
            "1970-05-01-01",
            "",
            "0999",
            "１９７０",
        ] {
            let err = PartialDate::parse(bad).expect_err(bad);
            assert!(err.message.contains("is not a date"), "{err}");
        }
        assert!(PartialDate::parse("1972-02-29").is_ok(), "leap day");
    }

    proptest! {
        #[test]
        fn every_calendar_date_round_trips(days in 0i32..700_000) {
            let d = Date::from_julian_day(2_086_308 + days).expect("in range"); // 1000-01-01 onwards
            prop_assume!(d.year() <= 2999);
            let p = PartialDate::from_date(d);
            prop_assert_eq!(PartialDate::parse(&p.to_string()), Ok(p));
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,12}") {
            let _ = PartialDate::parse(&s);
        }
    }
}
