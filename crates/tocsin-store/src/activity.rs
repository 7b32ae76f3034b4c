//! The dashboard's figures for one agency, read under the access rules: the
//! screenings its users made, the hits it may see (on its records, silent
//! ones included; from its screenings, silent ones never) and the latency
//! of its screenings on this node. The arithmetic is `tocsin_activity`'s.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tocsin_activity::{Activity, HitTally, Tallies, Window};
use tocsin_core::auth::Permission;

use crate::{Actor, Store, StoreError};

impl Store {
    /// The figures for the actor's agency over `window` (any role of the
    /// agency; audited `activity.read`).
    pub async fn activity(&self, actor: &Actor, window: Window) -> Result<Activity, StoreError> {
        let result = async {
            if !(actor.may(Permission::ReadRecords) || actor.may(Permission::ReadAudit)) {
                return Err(StoreError::Forbidden(format!("role {} may not read activity", actor.role)));
            }
            let (start, end) = window.hour_bounds();
            let searches = self.backend.searches_per_hour(&actor.agency, &start, &end).await?;
            let searches = searches
                .into_iter()
                .map(|(hour, n)| Ok((hour_start(&hour)?, n)))
                .collect::<Result<Vec<_>, StoreError>>()?;
            let hits = self.backend.hits_per_hour(&actor.viewer(), &start, &end).await?;
            // Each hit's notice types: of the notices the actor may read.
            let mut known = std::collections::HashMap::new();
            let mut tallied = Vec::with_capacity(hits.len());
            for h in hits {
                let briefs = self.readable_briefs(actor, self.published_on(&h.record_id), &mut known).await?;
                let mut notice_types: Vec<_> = briefs.iter().map(|b| b.notice_type).collect();
                notice_types.sort();
                notice_types.dedup();
                tallied.push(HitTally {
                    hour: hour_start(&h.hour)?,
                    counterpart: if h.owner == actor.agency { h.searcher } else { h.owner },
                    notice_types,
                    count: h.count,
                });
            }
            let hits = tallied;
            let tallies = Tallies {
                searches,
                hits,
                latency: self.latencies.window(&actor.agency, &window),
                latency_since: Some(self.latencies.since()),
            };
            Ok(tocsin_activity::summarize(&window, tallies))
        }
        .await;
        self.audited(actor, "activity.read", vec![], result).await
    }
}

/// `2026-12-06T13` → 13:00 that day, UTC.
fn hour_start(hour: &str) -> Result<OffsetDateTime, StoreError> {
    OffsetDateTime::parse(&format!("{hour}:00:00Z"), &Rfc3339)
        .map_err(|e| StoreError::Corrupt(format!("stored time starting `{hour}`: {e}")))
}
