//! The retention clock: every record and notice has a review date. Six
//! months before it, its owner is reminded; past it, the item stops
//! matching and is archived (a record) or expired (a notice), never
//! deleted. Extending it needs a written justification and sets the date
//! five years ahead again.

use serde::Serialize;
use time::{Date, Month};

use crate::{AgencyCode, FieldError, limits};

/// Years from creation or extension to the next review.
pub const REVIEW_YEARS: i32 = 5;
/// Months before the review date that the owner is reminded.
pub const REMIND_MONTHS: i32 = 6;

/// `d` moved by `months` calendar months; the day is kept, or the month's
/// last day when it has fewer (31 March + 6 months = 30 September).
pub fn add_months(d: Date, months: i32) -> Date {
    let index = d.year() * 12 + (i32::from(u8::from(d.month())) - 1) + months;
    let (year, month0) = (index.div_euclid(12), index.rem_euclid(12));
    let month = u8::try_from(month0 + 1).ok().and_then(|m| Month::try_from(m).ok()).unwrap_or(Month::January);
    let last = month.length(year);
    Date::from_calendar_date(year, month, d.day().min(last)).unwrap_or(d)
}

/// The review date of an item created or extended on `today`.
pub fn review_date(today: Date) -> Date {
    add_months(today, REVIEW_YEARS * 12)
}

/// From when an item reviewed on `review_by` is due (its owner reminded and
/// the item listed for review).
pub fn due_from(review_by: Date) -> Date {
    add_months(review_by, -REMIND_MONTHS)
}

/// Where an item stands on `today`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// More than six months to go.
    Current,
    /// Within six months of its review date: to be reviewed.
    Due,
    /// Past its review date: it stops matching.
    Expired,
}

/// The phase of an item reviewed on `review_by`, on `today`. The review
/// date itself is the last day the item is current.
pub fn phase(review_by: Date, today: Date) -> Phase {
    if today > review_by {
        Phase::Expired
    } else if today >= due_from(review_by) {
        Phase::Due
    } else {
        Phase::Current
    }
}

/// What kind of item a review concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// A record.
    Record,
    /// A notice.
    Notice,
}

/// An item due for review, as listed to its owner.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ReviewItem {
    /// Record or notice.
    pub item: ItemKind,
    /// Its id.
    pub id: String,
    /// Its owner.
    pub owner: AgencyCode,
    /// The review date.
    #[serde(with = "crate::record::iso_date")]
    #[schema(value_type = String, format = Date)]
    pub review_by: Date,
    /// Its phase today.
    pub phase: Phase,
    /// What it is, for a person reading the list: the record's first name,
    /// or the notice's type.
    pub label: String,
    /// Its level (a notice's: the highest of its records'); only those
    /// cleared for it are shown it.
    #[serde(default)]
    pub level: crate::level::Level,
}

/// A written justification for extending an item's retention: required,
/// trimmed, at most [`limits::TEXT_CHARS`] characters.
pub fn justification(s: Option<String>) -> Result<String, FieldError> {
    let s = s
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| FieldError::field("justification", "required: why the item is still needed (it is audited)"))?;
    crate::text::clean("justification", s, limits::TEXT_CHARS)
}

/// The review date an extension on `today` sets: `asked` (`YYYY-MM-DD`,
/// after today and at most five years ahead), or five years from today.
pub fn extension_date(asked: Option<&str>, today: Date) -> Result<Date, FieldError> {
    let latest = review_date(today);
    let Some(s) = asked else { return Ok(latest) };
    let d = crate::record::parse_date(s).map_err(|m| FieldError::field("review_by", m))?;
    if d <= today || d > latest {
        return Err(FieldError::field(
            "review_by",
            format!("must be after today and at most {} ({s} given)", crate::record::format_date(&latest)),
        ));
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    #[test]
    fn months_keep_the_day_or_clamp_to_the_last() {
        assert_eq!(add_months(date!(2026 - 03 - 31), 6), date!(2026 - 09 - 30));
        assert_eq!(add_months(date!(2024 - 02 - 29), 60), date!(2029 - 02 - 28));
        assert_eq!(add_months(date!(2027 - 01 - 15), -6), date!(2026 - 07 - 15));
        assert_eq!(review_date(date!(2026 - 11 - 23)), date!(2031 - 11 - 23));
    }

    #[test]
    fn an_item_is_current_then_due_then_expired() {
        let review_by = date!(2031 - 11 - 23);
        assert_eq!(phase(review_by, date!(2031 - 05 - 22)), Phase::Current);
        assert_eq!(phase(review_by, date!(2031 - 05 - 23)), Phase::Due, "six months before");
        assert_eq!(phase(review_by, review_by), Phase::Due, "the review date is the last current day");
        assert_eq!(phase(review_by, date!(2031 - 11 - 24)), Phase::Expired);
    }

    #[test]
    fn a_justification_is_required_and_bounded() {
        assert_eq!(justification(None).map_err(|e| e.field).expect_err("none"), "justification");
        assert!(justification(Some("  ".into())).is_err());
        assert!(justification(Some("x".repeat(limits::TEXT_CHARS + 1))).is_err());
        assert_eq!(justification(Some(" trial pending ".into())).ok().as_deref(), Some("trial pending"));
    }

    #[test]
    fn an_extension_sets_a_date_within_five_years() {
        let today = date!(2026 - 11 - 23);
        assert_eq!(extension_date(None, today).ok(), Some(date!(2031 - 11 - 23)));
        assert_eq!(extension_date(Some("2028-01-01"), today).ok(), Some(date!(2028 - 01 - 01)));
        for bad in ["2026-11-23", "2031-11-24", "soon", "2027-02-30"] {
            assert_eq!(extension_date(Some(bad), today).map_err(|e| e.field).expect_err(bad), "review_by");
        }
    }

    proptest! {
        #[test]
        fn phases_follow_the_calendar(days in 0i64..40_000, ahead in -4_000i64..4_000) {
            let today = date!(2000 - 01 - 01) + time::Duration::days(days);
            let review_by = today + time::Duration::days(ahead);
            let p = phase(review_by, today);
            prop_assert_eq!(p == Phase::Expired, ahead < 0);
            prop_assert_eq!(p == Phase::Current, today < due_from(review_by));
            prop_assert!(due_from(review_by) < review_by);
            prop_assert!(add_months(due_from(review_by), REMIND_MONTHS) <= review_by);
        }
    }
}
