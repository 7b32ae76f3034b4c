//! The clock the store reads dates from: review dates, the retention clock.
//!
//! It runs with the system's time, shifted by an offset that tests set to
//! see what happens months or years ahead (`TOCSIN_NOW` in the binary).
//! Timestamps of what happens (audit entries, hits, events) keep the real
//! time, so the audit log's order and the real order never disagree.

use std::sync::atomic::{AtomicI64, Ordering};

use time::{Date, Duration, OffsetDateTime};

/// The store's clock: the system's time plus an offset (zero by default).
#[derive(Debug, Default)]
pub struct Clock {
    /// Nanoseconds ahead of the system's time (±292 years).
    offset_nanos: AtomicI64,
}

impl Clock {
    /// The time now, by this clock.
    pub fn now(&self) -> OffsetDateTime {
        let real = OffsetDateTime::now_utc();
        real.checked_add(Duration::nanoseconds(self.offset_nanos.load(Ordering::Relaxed))).unwrap_or(real)
    }

    /// Today's date (UTC), by this clock.
    pub fn today(&self) -> Date {
        self.now().date()
    }

    /// Makes it `now` now; from then on it runs with the system's time.
    pub fn set(&self, now: OffsetDateTime) {
        let offset = (now - OffsetDateTime::now_utc()).whole_nanoseconds();
        self.offset_nanos.store(i64::try_from(offset).unwrap_or(i64::MAX), Ordering::Relaxed);
    }

    /// Moves it by `by` (forward when positive).
    pub fn advance(&self, by: Duration) {
        let by = i64::try_from(by.whole_nanoseconds()).unwrap_or(i64::MAX);
        self.offset_nanos.fetch_add(by, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_clock_runs_on_from_where_it_was_set() {
        let clock = Clock::default();
        let real = OffsetDateTime::now_utc();
        assert!((clock.now() - real).abs() < Duration::seconds(5));
        let then = time::macros::datetime!(2031-12-01 10:00 UTC);
        clock.set(then);
        assert!((clock.now() - then).abs() < Duration::seconds(5));
        clock.set(time::macros::datetime!(2031-06-01 0:00 UTC));
        assert_eq!(clock.today(), time::macros::date!(2031 - 06 - 01), "no day lost to rounding");
        clock.set(then);
        clock.advance(Duration::days(2));
        assert_eq!(clock.today(), time::macros::date!(2031 - 12 - 03));
    }
}
