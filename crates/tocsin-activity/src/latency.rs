//! Screening latencies, recorded in memory by the node that screens, per
//! agency and per hour.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::Duration;

use hdrhistogram::Histogram;
use time::OffsetDateTime;
use tocsin_core::AgencyCode;

use crate::Window;

/// The slowest screening told apart from slower ones: one minute.
const MAX_MICROS: u64 = 60_000_000;
/// Hours of latencies kept per agency: a month and a day, the longest
/// hourly window.
const KEPT_HOURS: i64 = 32 * 24;

/// Latencies from one microsecond to a minute at one significant digit
/// (about 1.4 KB each, whatever the count).
#[derive(Debug, Clone)]
pub struct LatencyHistogram(Histogram<u32>);

impl Default for LatencyHistogram {
    fn default() -> LatencyHistogram {
        LatencyHistogram(Histogram::new_with_bounds(1, MAX_MICROS, 1).expect("constant, valid bounds"))
    }
}

impl LatencyHistogram {
    /// Counts one screening that took `took` (a minute or more counts as a
    /// minute).
    pub fn record(&mut self, took: Duration) {
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX).clamp(1, MAX_MICROS);
        self.0.saturating_record(micros);
    }

    /// Adds another's counts.
    pub fn add(&mut self, other: &LatencyHistogram) {
        // Both have the same bounds, so adding cannot go out of range; a
        // count that would overflow stays at its maximum.
        for v in other.0.iter_recorded() {
            self.0.saturating_record_n(v.value_iterated_to(), v.count_at_value());
        }
    }

    /// Screenings counted.
    pub fn len(&self) -> u64 {
        self.0.len()
    }

    /// Whether none was counted.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The latency at quantile `q` (0 to 1), in milliseconds.
    pub fn quantile_ms(&self, q: f64) -> Option<f64> {
        (!self.is_empty()).then(|| self.0.value_at_quantile(q) as f64 / 1000.0)
    }
}

/// Every agency's screening latencies on this node, per hour, for the last
/// 32 days.
#[derive(Debug)]
pub struct Latencies {
    since: OffsetDateTime,
    hours: Mutex<HashMap<AgencyCode, BTreeMap<i64, LatencyHistogram>>>,
}

impl Latencies {
    /// An empty recorder, recording from `since`.
    pub fn new(since: OffsetDateTime) -> Latencies {
        Latencies { since, hours: Mutex::default() }
    }

    /// Since when latencies are recorded.
    pub fn since(&self) -> OffsetDateTime {
        self.since
    }

    /// Counts a screening by `agency` made at `at` that took `took`.
    pub fn record(&self, agency: AgencyCode, at: OffsetDateTime, took: Duration) {
        let hour = at.unix_timestamp().div_euclid(3600);
        let mut all = self.hours.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let hours = all.entry(agency).or_default();
        if !hours.contains_key(&hour) {
            // A new hour: forget the ones older than kept.
            *hours = hours.split_off(&(hour - KEPT_HOURS));
        }
        hours.entry(hour).or_default().record(took);
    }

    /// `agency`'s latencies per hour inside `window`.
    pub fn window(&self, agency: &AgencyCode, window: &Window) -> Vec<(OffsetDateTime, LatencyHistogram)> {
        let all = self.hours.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let Some(hours) = all.get(agency) else { return vec![] };
        let (from, to) =
            (window.from().unix_timestamp().div_euclid(3600), window.to().unix_timestamp().div_euclid(3600));
        hours
            .range(from..to)
            .filter_map(|(&hour, h)| Some((OffsetDateTime::from_unix_timestamp(hour * 3600).ok()?, h.clone())))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn hours_older_than_a_month_are_forgotten() {
        let l = Latencies::new(datetime!(2026-10-01 00:00 UTC));
        let fra = AgencyCode::parse("FRA").expect("code");
        l.record(fra, datetime!(2026-10-01 10:00 UTC), Duration::from_millis(3));
        l.record(fra, datetime!(2026-12-01 10:00 UTC), Duration::from_millis(3));
        let all = l.hours.lock().expect("lock");
        assert_eq!(all[&fra].len(), 1);
    }

    #[test]
    fn a_screening_slower_than_a_minute_counts_as_a_minute() {
        let mut h = LatencyHistogram::default();
        h.record(Duration::from_secs(600));
        let p = h.quantile_ms(1.0).expect("one");
        assert!((59_000.0..=62_000.0).contains(&p), "{p}");
    }
}
