//! The time window the figures cover, cut into hours or days (UTC).

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime, UtcOffset};

/// A bucket's length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Step {
    /// One hour.
    #[default]
    Hour,
    /// One day (UTC).
    Day,
}

impl Step {
    fn length(self) -> Duration {
        match self {
            Step::Hour => Duration::HOUR,
            Step::Day => Duration::DAY,
        }
    }

    /// How many buckets a window has when its start is not given.
    pub const fn default_buckets(self) -> i64 {
        match self {
            Step::Hour => 24,
            Step::Day => 30,
        }
    }

    /// The most buckets one window may have.
    pub const fn max_buckets(self) -> i64 {
        match self {
            Step::Hour => 31 * 24,
            Step::Day => 366,
        }
    }

    /// The step's name as the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Hour => "hour",
            Step::Day => "day",
        }
    }

    /// The start of the bucket `t` falls in.
    fn floor(self, t: OffsetDateTime) -> OffsetDateTime {
        let t = t.to_offset(UtcOffset::UTC);
        let t = t.replace_nanosecond(0).unwrap_or(t).replace_second(0).unwrap_or(t).replace_minute(0).unwrap_or(t);
        match self {
            Step::Hour => t,
            Step::Day => t.replace_hour(0).unwrap_or(t),
        }
    }

    /// The end of the bucket `t` falls in, or `t` itself on a boundary.
    fn ceil(self, t: OffsetDateTime) -> OffsetDateTime {
        let floor = self.floor(t);
        if floor == t { floor } else { floor + self.length() }
    }
}

/// A window that does not make sense, naming the parameter.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct WindowError {
    /// The query parameter at fault.
    pub field: &'static str,
    /// What is wrong with it.
    pub message: String,
}

/// Whole buckets from `from` (inclusive) to `to` (exclusive), UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    from: OffsetDateTime,
    to: OffsetDateTime,
    step: Step,
}

impl Window {
    /// The window from `from` to `to` in whole buckets of `step`: `to`
    /// (default `now`) is moved to the end of its bucket, so the current
    /// hour or day is included; `from` (default: 24 hours or 30 days
    /// before) to the start of its own.
    pub fn new(
        from: Option<OffsetDateTime>,
        to: Option<OffsetDateTime>,
        step: Step,
        now: OffsetDateTime,
    ) -> Result<Window, WindowError> {
        let to = step.ceil(to.unwrap_or(now));
        let from = match from {
            Some(from) => step.floor(from),
            None => to - step.length() * step.default_buckets() as i32,
        };
        if from >= to {
            return Err(WindowError { field: "from", message: "must be before `to`".into() });
        }
        let buckets = (to - from).whole_seconds() / step.length().whole_seconds();
        if buckets > step.max_buckets() {
            return Err(WindowError {
                field: "from",
                message: format!(
                    "a window has at most {} buckets of one {} ({buckets} asked)",
                    step.max_buckets(),
                    step.as_str()
                ),
            });
        }
        Ok(Window { from, to, step })
    }

    /// The first bucket's start.
    pub fn from(&self) -> OffsetDateTime {
        self.from
    }

    /// The last bucket's end.
    pub fn to(&self) -> OffsetDateTime {
        self.to
    }

    /// The buckets' length.
    pub fn step(&self) -> Step {
        self.step
    }

    /// Each bucket's start, in order.
    pub fn buckets(&self) -> impl Iterator<Item = OffsetDateTime> + use<> {
        let (from, to, len) = (self.from, self.to, self.step.length());
        std::iter::successors(Some(from), move |&t| Some(t + len)).take_while(move |&t| t < to)
    }

    /// The bucket `t` falls in, if it is inside the window.
    pub fn bucket_of(&self, t: OffsetDateTime) -> Option<usize> {
        if t < self.from || t >= self.to {
            return None;
        }
        usize::try_from((t - self.from).whole_seconds() / self.step.length().whole_seconds()).ok()
    }

    /// The window's bounds as the first 13 characters of an RFC 3339 UTC
    /// time (`2026-12-06T13`): a stored time `t` is inside when
    /// `start <= t < end` compared as text.
    pub fn hour_bounds(&self) -> (String, String) {
        (hour_key(self.from), hour_key(self.to))
    }
}

/// `2026-12-06T13` for any time in that hour (UTC).
fn hour_key(t: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::UTC);
    format!("{:04}-{:02}-{:02}T{:02}", t.year(), u8::from(t.month()), t.day(), t.hour())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use time::macros::datetime;

    use super::*;

    #[test]
    fn the_default_window_is_the_last_24_hours_with_the_current_one() {
        let w = Window::new(None, None, Step::Hour, datetime!(2026-12-06 13:35 UTC)).unwrap();
        assert_eq!(w.to(), datetime!(2026-12-06 14:00 UTC));
        assert_eq!(w.from(), datetime!(2026-12-05 14:00 UTC));
        assert_eq!(w.buckets().count(), 24);
        assert_eq!(w.hour_bounds(), ("2026-12-05T14".to_owned(), "2026-12-06T14".to_owned()));
    }

    #[test]
    fn days_are_whole_utc_days() {
        let from = datetime!(2026-12-01 05:00 +02:00);
        let w =
            Window::new(Some(from), Some(datetime!(2026-12-03 00:00 UTC)), Step::Day, datetime!(2026-12-06 0:00 UTC))
                .unwrap();
        assert_eq!(w.from(), datetime!(2026-12-01 00:00 UTC));
        assert_eq!(w.bucket_of(datetime!(2026-12-02 23:59 UTC)), Some(1));
        assert_eq!(w.bucket_of(datetime!(2026-12-03 00:00 UTC)), None);
    }

    #[test]
    fn a_backward_or_too_long_window_names_from() {
        let now = datetime!(2026-12-06 0:00 UTC);
        let e = Window::new(Some(now), Some(now - Duration::DAY), Step::Hour, now).unwrap_err();
        assert_eq!(e.field, "from");
        let e = Window::new(Some(now - Duration::days(40)), None, Step::Hour, now).unwrap_err();
        assert!(e.message.contains("at most 744"), "{e}");
        assert!(Window::new(Some(now - Duration::days(40)), None, Step::Day, now).is_ok());
    }
}
