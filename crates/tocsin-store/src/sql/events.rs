//! Events, numbered per recipient, and the cluster outbox in SQL.

/// Implements [`EventBackend`](crate::backend::EventBackend) for a SQL backend.
macro_rules! events {
    ($backend:ident, $db:ty, $row:ty) => {
        mod events {
            use async_trait::async_trait;
            use sqlx::{QueryBuilder, Row};
            use time::OffsetDateTime;
            use tocsin_core::AgencyCode;
            use tocsin_core::access::Viewer;
            use tocsin_core::event::{Event, EventKind};
            use tocsin_core::level::Level;

            use super::INSERT_CHUNK;
            use crate::StoreError;
            use crate::backend::EventBackend;
            use crate::sql::{LAST_COLUMNS, NUMBER_COLUMNS, event_from_row, i64_of, parse_ts, ts, u64_of};

            #[async_trait]
            impl EventBackend for super::$backend {
                async fn events(&self, viewer: Option<&Viewer>, after: u64, limit: u32) -> Result<Vec<Event>, StoreError> {
                    let mut q: QueryBuilder<$db> = QueryBuilder::new(
                        "SELECT e.seq, e.number, e.number_restricted, e.number_confidential, e.level, e.agency, e.time, \
                         e.kind, coalesce(e.body, h.body) AS body FROM events e LEFT JOIN hits h ON h.id = e.hit_id WHERE ",
                    );
                    match viewer {
                        Some(viewer) => {
                            // The count holds only what the clearance reads
                            // (0 elsewhere, which the index leaves out).
                            let number = NUMBER_COLUMNS[viewer.clearance.index()];
                            q.push("e.agency = ").push_bind(viewer.agency.as_str());
                            q.push(format!(" AND e.{number} > 0 AND e.{number} > ")).push_bind(i64_of(after));
                            q.push(format!(" ORDER BY e.{number}"));
                        }
                        None => {
                            q.push("e.seq > ").push_bind(i64_of(after)).push(" ORDER BY e.seq");
                        }
                    }
                    q.push(" LIMIT ").push_bind(i64::from(limit));
                    let rows = q.build().fetch_all(&self.pool).await?;
                    rows.iter().map(event_from_row).collect()
                }

                async fn last_event_number(&self, viewer: &Viewer) -> Result<u64, StoreError> {
                    const LAST: [&str; 3] = [
                        "SELECT last FROM event_numbers WHERE agency = $1",
                        "SELECT last_restricted FROM event_numbers WHERE agency = $1",
                        "SELECT last_confidential FROM event_numbers WHERE agency = $1",
                    ];
                    let last: Option<i64> = sqlx::query_scalar(LAST[viewer.clearance.index()])
                        .bind(viewer.agency.as_str())
                        .fetch_optional(&self.pool)
                        .await?;
                    u64_of(last.unwrap_or(0))
                }

                async fn last_event(&self) -> Result<u64, StoreError> {
                    let last: Option<i64> = sqlx::query_scalar("SELECT max(seq) FROM events").fetch_one(&self.pool).await?;
                    u64_of(last.unwrap_or(0))
                }

                async fn prune_events(&self, before: OffsetDateTime, limit: u32) -> Result<u64, StoreError> {
                    let rows = sqlx::query("SELECT seq, time FROM events ORDER BY seq LIMIT $1")
                        .bind(i64::from(limit))
                        .fetch_all(&self.pool)
                        .await?;
                    let mut last = None;
                    for r in &rows {
                        if parse_ts(&r.try_get::<String, _>("time")?)? >= before {
                            break;
                        }
                        last = Some(r.try_get::<i64, _>("seq")?);
                    }
                    let Some(last) = last else { return Ok(0) };
                    let done = sqlx::query("DELETE FROM events WHERE seq <= $1 AND seq < (SELECT max(seq) FROM events)")
                        .bind(last)
                        .execute(&self.pool)
                        .await?;
                    Ok(done.rows_affected())
                }

                async fn outbox_put(&self, body: &str, at: OffsetDateTime) -> Result<u64, StoreError> {
                    let id: i64 = sqlx::query_scalar("INSERT INTO outbox (body, created_at) VALUES ($1, $2) RETURNING id")
                        .bind(body)
                        .bind(ts(&at)?)
                        .fetch_one(&self.pool)
                        .await?;
                    u64_of(id)
                }

                async fn outbox_done(&self, ids: &[u64]) -> Result<(), StoreError> {
                    for chunk in ids.chunks(INSERT_CHUNK) {
                        let mut q: QueryBuilder<$db> = QueryBuilder::new("DELETE FROM outbox WHERE id IN (");
                        let mut list = q.separated(", ");
                        for id in chunk {
                            list.push_bind(i64_of(*id));
                        }
                        q.push(")");
                        q.build().execute(&self.pool).await?;
                    }
                    Ok(())
                }

                async fn outbox_older(&self, before: OffsetDateTime, limit: u32) -> Result<Vec<(u64, String)>, StoreError> {
                    let rows = sqlx::query("SELECT id, body FROM outbox WHERE created_at < $1 ORDER BY id LIMIT $2")
                        .bind(ts(&before)?)
                        .bind(i64::from(limit))
                        .fetch_all(&self.pool)
                        .await?;
                    rows.iter().map(|r| Ok((u64_of(r.try_get::<i64, _>("id")?)?, r.try_get::<String, _>("body")?))).collect()
                }
            }

            /// Numbers events after the stored last one and inserts them inside a
            /// transaction (which holds the write lock, so the numbers are in commit
            /// order).
            pub(super) async fn insert_event_rows(
                tx: &mut sqlx::Transaction<'_, $db>,
                mut events: Vec<Event>,
            ) -> Result<Vec<Event>, StoreError> {
                if events.is_empty() {
                    return Ok(events);
                }
                let last: Option<i64> = sqlx::query_scalar("SELECT max(seq) FROM events").fetch_one(&mut **tx).await?;
                let mut seq = u64_of(last.unwrap_or(0))?;
                for e in &mut events {
                    seq += 1;
                    e.seq = seq;
                }
                // Each recipient's counts, one per clearance, moved on once
                // per agency per batch: an event counts in those of the
                // clearances at or above its level.
                let mut counts: Vec<(AgencyCode, [i64; 3])> = Vec::new();
                for e in &events {
                    let i = match counts.iter().position(|(a, _)| *a == e.agency) {
                        Some(i) => i,
                        None => {
                            counts.push((e.agency, [0; 3]));
                            counts.len() - 1
                        }
                    };
                    for c in &Level::ALL[e.level.index()..] {
                        counts[i].1[c.index()] += 1;
                    }
                }
                let mut next: Vec<(AgencyCode, [u64; 3])> = Vec::with_capacity(counts.len());
                for (agency, n) in counts {
                    let row = sqlx::query(
                        "INSERT INTO event_numbers (agency, last, last_restricted, last_confidential) VALUES ($1, $2, $3, $4) \
                         ON CONFLICT (agency) DO UPDATE SET last = event_numbers.last + excluded.last, \
                         last_restricted = event_numbers.last_restricted + excluded.last_restricted, \
                         last_confidential = event_numbers.last_confidential + excluded.last_confidential \
                         RETURNING last, last_restricted, last_confidential",
                    )
                    .bind(agency.as_str())
                    .bind(n[0])
                    .bind(n[1])
                    .bind(n[2])
                    .fetch_one(&mut **tx)
                    .await?;
                    let mut first = [0; 3];
                    for (i, column) in LAST_COLUMNS.iter().enumerate() {
                        first[i] = u64_of(row.try_get::<i64, _>(*column)? - n[i])?;
                    }
                    next.push((agency, first));
                }
                for e in &mut events {
                    if let Some((_, n)) = next.iter_mut().find(|(a, _)| *a == e.agency) {
                        for c in &Level::ALL[e.level.index()..] {
                            n[c.index()] += 1;
                            e.numbers[c.index()] = n[c.index()];
                        }
                    }
                }
                for chunk in events.chunks(INSERT_CHUNK) {
                    // A hit event refers to its hit, stored in the same transaction.
                    let rows = chunk
                        .iter()
                        .map(|e| {
                            let time = ts(&e.time)?;
                            match (e.kind, e.data.get("id").and_then(|v| v.as_str())) {
                                (EventKind::Hit, Some(id)) => Ok((time, Some(id.to_owned()), None)),
                                _ => serde_json::to_string(&e.data)
                                    .map(|body| (time, None, Some(body)))
                                    .map_err(|err| StoreError::Internal(format!("event: {err}"))),
                            }
                        })
                        .collect::<Result<Vec<_>, StoreError>>()?;
                    let mut q: QueryBuilder<$db> =
                        QueryBuilder::new("INSERT INTO events (seq, number, number_restricted, number_confidential, level, agency, time, kind, hit_id, body) ");
                    q.push_values(chunk.iter().zip(rows), |mut b, (e, (time, hit_id, body))| {
                        b.push_bind(i64_of(e.seq))
                            .push_bind(i64_of(e.numbers[0]))
                            .push_bind(i64_of(e.numbers[1]))
                            .push_bind(i64_of(e.numbers[2]))
                            .push_bind(e.level.index() as i64)
                            .push_bind(e.agency.as_str().to_owned())
                            .push_bind(time)
                            .push_bind(e.kind.as_str())
                            .push_bind(hit_id)
                            .push_bind(body);
                    });
                    q.build().execute(&mut **tx).await?;
                }
                Ok(events)
            }
        }
    };
}
pub(crate) use events;
