//! Activity figures for an agency's dashboard: its searches and the hits it
//! may see, per hour or per day, the hits by the other agency's country and
//! by notice type, and its screening latency.
//!
//! This crate holds the arithmetic only: the time [`Window`] and its
//! buckets, the [`Latencies`] recorder (kept in memory by the node that
//! screens), and [`summarize`], which turns the counts the store read under
//! the access rules ([`Tallies`]) into the [`Activity`] the API answers. It
//! reads nothing and decides nothing about who sees what: the store passes
//! in only what the agency may see.

mod latency;
mod window;

use std::collections::BTreeMap;

use serde::Serialize;
use time::OffsetDateTime;
use tocsin_core::AgencyCode;
use tocsin_core::notice::NoticeType;

pub use latency::{Latencies, LatencyHistogram};
pub use window::{Step, Window, WindowError};

/// What the store read for one agency over a window, under the access
/// rules. Times are the start of their hour (UTC).
#[derive(Debug, Default)]
pub struct Tallies {
    /// Searches the agency made, per hour.
    pub searches: Vec<(OffsetDateTime, u64)>,
    /// Hits the agency may see, grouped.
    pub hits: Vec<HitTally>,
    /// The agency's screening latencies per hour, as this node recorded them.
    pub latency: Vec<(OffsetDateTime, LatencyHistogram)>,
    /// Since when this node records latencies.
    pub latency_since: Option<OffsetDateTime>,
}

/// Hits made in one hour with the same other agency and the same notices.
#[derive(Debug, Clone)]
pub struct HitTally {
    /// The hour.
    pub hour: OffsetDateTime,
    /// The other agency of the hit: the searcher on the agency's own
    /// records, the owner on its searches (itself when both).
    pub counterpart: AgencyCode,
    /// The types of the notices published on the record (none: empty).
    pub notice_types: Vec<NoticeType>,
    /// How many.
    pub count: u64,
}

/// The dashboard's figures.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Activity {
    /// The first bucket's start.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub from: OffsetDateTime,
    /// The end of the last bucket (exclusive).
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub to: OffsetDateTime,
    /// The buckets' length.
    pub step: Step,
    /// Searches the agency made, one count per bucket (zeros included).
    pub searches: Vec<Count>,
    /// Hits the agency may see (on its records, silent ones included; from
    /// its searches, silent ones never), one count per bucket.
    pub hits: Vec<Count>,
    /// Those hits by the other agency's country, most first.
    pub hits_by_country: Vec<ByCountry>,
    /// Those hits by the type of notice published on the record, most
    /// first; a hit on a record with two notices counts under both, one on
    /// a record with none under `null`.
    pub hits_by_notice_type: Vec<ByNoticeType>,
    /// The agency's screening latency.
    pub latency: LatencySummary,
}

/// A bucket's count.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Count {
    /// The bucket's start.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub start: OffsetDateTime,
    /// How many.
    pub count: u64,
}

/// Hits with one other agency.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ByCountry {
    /// The other agency (a country code, or `GS`).
    #[schema(value_type = String)]
    pub country: AgencyCode,
    /// How many.
    pub count: u64,
}

/// Hits on records with one type of notice.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ByNoticeType {
    /// The notice type; `null`: records with no published notice.
    pub notice_type: Option<NoticeType>,
    /// How many.
    pub count: u64,
}

/// Screening latency over the window, from the screenings this node served
/// since it started (latencies are kept in memory, per node).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct LatencySummary {
    /// Screenings timed.
    pub screenings: u64,
    /// Median, in milliseconds (absent without screenings).
    pub p50_ms: Option<f64>,
    /// 99th percentile, in milliseconds.
    pub p99_ms: Option<f64>,
    /// Per bucket.
    pub buckets: Vec<LatencyBucket>,
    /// Since when this node records latencies.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub since: Option<OffsetDateTime>,
}

/// Latency in one bucket.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct LatencyBucket {
    /// The bucket's start.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub start: OffsetDateTime,
    /// Screenings timed.
    pub screenings: u64,
    /// Median, in milliseconds.
    pub p50_ms: Option<f64>,
    /// 99th percentile, in milliseconds.
    pub p99_ms: Option<f64>,
}

/// The figures for `window` from what the store read. Anything outside the
/// window is left out.
pub fn summarize(window: &Window, tallies: Tallies) -> Activity {
    let starts: Vec<OffsetDateTime> = window.buckets().collect();
    let mut searches = vec![0u64; starts.len()];
    let mut hits = vec![0u64; starts.len()];
    let mut by_country: BTreeMap<AgencyCode, u64> = BTreeMap::new();
    let mut by_type: BTreeMap<Option<NoticeType>, u64> = BTreeMap::new();
    for (hour, n) in tallies.searches {
        if let Some(i) = window.bucket_of(hour) {
            searches[i] += n;
        }
    }
    for t in tallies.hits {
        let Some(i) = window.bucket_of(t.hour) else { continue };
        hits[i] += t.count;
        *by_country.entry(t.counterpart).or_default() += t.count;
        if t.notice_types.is_empty() {
            *by_type.entry(None).or_default() += t.count;
        }
        for ty in t.notice_types {
            *by_type.entry(Some(ty)).or_default() += t.count;
        }
    }
    let mut per_bucket: Vec<LatencyHistogram> = starts.iter().map(|_| LatencyHistogram::default()).collect();
    let mut all = LatencyHistogram::default();
    for (hour, h) in &tallies.latency {
        if let Some(i) = window.bucket_of(*hour) {
            per_bucket[i].add(h);
            all.add(h);
        }
    }
    let counts = |v: Vec<u64>| starts.iter().zip(v).map(|(&start, count)| Count { start, count }).collect();
    let mut hits_by_country: Vec<ByCountry> =
        by_country.into_iter().map(|(country, count)| ByCountry { country, count }).collect();
    hits_by_country.sort_by(|a, b| b.count.cmp(&a.count).then(a.country.cmp(&b.country)));
    let mut hits_by_notice_type: Vec<ByNoticeType> =
        by_type.into_iter().map(|(notice_type, count)| ByNoticeType { notice_type, count }).collect();
    hits_by_notice_type.sort_by_key(|t| std::cmp::Reverse(t.count));
    Activity {
        from: window.from(),
        to: window.to(),
        step: window.step(),
        searches: counts(searches),
        hits: counts(hits),
        hits_by_country,
        hits_by_notice_type,
        latency: LatencySummary {
            screenings: all.len(),
            p50_ms: all.quantile_ms(0.5),
            p99_ms: all.quantile_ms(0.99),
            buckets: starts
                .iter()
                .zip(&per_bucket)
                .map(|(&start, h)| LatencyBucket {
                    start,
                    screenings: h.len(),
                    p50_ms: h.quantile_ms(0.5),
                    p99_ms: h.quantile_ms(0.99),
                })
                .collect(),
            since: tallies.latency_since,
        },
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::time::Duration;

    use time::macros::datetime;

    use super::*;

    fn fra() -> AgencyCode {
        AgencyCode::parse("FRA").unwrap()
    }

    fn deu() -> AgencyCode {
        AgencyCode::parse("DEU").unwrap()
    }

    fn day_window() -> Window {
        Window::new(
            Some(datetime!(2026-12-01 00:00 UTC)),
            Some(datetime!(2026-12-03 00:00 UTC)),
            Step::Day,
            datetime!(2026-12-06 00:00 UTC),
        )
        .unwrap()
    }

    #[test]
    fn hours_fold_into_their_days_and_empty_days_count_zero() {
        let tallies = Tallies {
            searches: vec![(datetime!(2026-12-01 03:00 UTC), 2), (datetime!(2026-12-01 23:00 UTC), 5)],
            hits: vec![],
            ..Tallies::default()
        };
        let a = summarize(&day_window(), tallies);
        let counts: Vec<u64> = a.searches.iter().map(|c| c.count).collect();
        assert_eq!(counts, [7, 0]);
        assert_eq!(a.searches[1].start, datetime!(2026-12-02 00:00 UTC));
    }

    #[test]
    fn counts_outside_the_window_are_left_out() {
        let tallies = Tallies {
            searches: vec![(datetime!(2026-11-30 23:00 UTC), 4), (datetime!(2026-12-03 00:00 UTC), 4)],
            hits: vec![HitTally {
                hour: datetime!(2026-12-03 00:00 UTC),
                counterpart: deu(),
                notice_types: vec![],
                count: 1,
            }],
            ..Tallies::default()
        };
        let a = summarize(&day_window(), tallies);
        assert!(a.searches.iter().all(|c| c.count == 0));
        assert!(a.hits_by_country.is_empty());
    }

    #[test]
    fn hits_group_by_country_and_by_every_notice_type_on_the_record() {
        let hour = datetime!(2026-12-02 10:00 UTC);
        let tallies = Tallies {
            hits: vec![
                HitTally { hour, counterpart: deu(), notice_types: vec![NoticeType::Red, NoticeType::Blue], count: 2 },
                HitTally { hour, counterpart: fra(), notice_types: vec![], count: 3 },
                HitTally { hour, counterpart: deu(), notice_types: vec![NoticeType::Red], count: 1 },
            ],
            ..Tallies::default()
        };
        let a = summarize(&day_window(), tallies);
        assert_eq!(a.hits.iter().map(|c| c.count).sum::<u64>(), 6);
        assert_eq!(a.hits_by_country, [ByCountry { country: deu(), count: 3 }, ByCountry { country: fra(), count: 3 }]);
        let types: Vec<(Option<NoticeType>, u64)> =
            a.hits_by_notice_type.iter().map(|t| (t.notice_type, t.count)).collect();
        assert!(types.contains(&(Some(NoticeType::Red), 3)));
        assert!(types.contains(&(Some(NoticeType::Blue), 2)));
        assert!(types.contains(&(None, 3)));
    }

    #[test]
    fn latency_percentiles_come_from_the_windows_screenings() {
        let latencies = Latencies::new(datetime!(2026-12-01 00:00 UTC));
        for ms in 1..=100u64 {
            latencies.record(fra(), datetime!(2026-12-02 10:30 UTC), Duration::from_millis(ms));
        }
        // Another agency's and another window's screenings stay out.
        latencies.record(deu(), datetime!(2026-12-02 10:30 UTC), Duration::from_secs(9));
        latencies.record(fra(), datetime!(2026-12-05 10:30 UTC), Duration::from_secs(9));
        let w = day_window();
        let tallies = Tallies { latency: latencies.window(&fra(), &w), ..Tallies::default() };
        let a = summarize(&w, tallies);
        assert_eq!(a.latency.screenings, 100);
        let p50 = a.latency.p50_ms.unwrap();
        let p99 = a.latency.p99_ms.unwrap();
        assert!((47.0..=53.0).contains(&p50), "p50 {p50}");
        assert!((95.0..=103.0).contains(&p99), "p99 {p99}");
        assert_eq!(a.latency.buckets[1].screenings, 100);
        assert_eq!(a.latency.buckets[0].p50_ms, None);
    }
}
