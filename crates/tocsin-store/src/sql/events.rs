//! Events, numbered per recipient, and the cluster outbox in SQL.

/// Implements [`EventBackend`](crate::backend::EventBackend) for a SQL backend.
macro_rules! events {
    ($backend:ident, $db:ty, $row:ty) => {
        mod events {
            use async_trait::async_trait;
            use sqlx::{QueryBuilder, Row};
            use time::OffsetDateTime;
            use tocsin_core::AgencyCode;
            use tocsin_core::event::{Event, EventKind};

            use super::INSERT_CHUNK;
            use crate::StoreError;
            use crate::backend::EventBackend;
            use crate::sql::{event_from_row, i64_of, parse_ts, ts, u64_of};

            #[async_trait]
            impl EventBackend for super::$backend {
                async fn events(&self, agency: Option<&AgencyCode>, after: u64, limit: u32) -> Result<Vec<Event>, StoreError> {
                    let mut q: QueryBuilder<$db> = QueryBuilder::new(
                        "SELECT e.seq, e.number, e.agency, e.time, e.kind, coalesce(e.body, h.body) AS body \
                         FROM events e LEFT JOIN hits h ON h.id = e.hit_id WHERE ",
                    );
                    match agency {
                        Some(agency) => {
                            q.push("e.agency = ").push_bind(agency.as_str()).push(" AND e.number > ").push_bind(i64_of(after));
                            q.push(" ORDER BY e.number");
                        }
                        None => {
                            q.push("e.seq > ").push_bind(i64_of(after)).push(" ORDER BY e.seq");
                        }
                    }
                    q.push(" LIMIT ").push_bind(i64::from(limit));
                    let rows = q.build().fetch_all(&self.pool).await?;
                    rows.iter().map(event_from_row).collect()
                }

                async fn last_event_number(&self, agency: &AgencyCode) -> Result<u64, StoreError> {
                    let last: Option<i64> = sqlx::query_scalar("SELECT last FROM event_numbers WHERE agency = $1")
                        .bind(agency.as_str())
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
                // Each recipient's own count, moved on once per agency per batch.
                let mut counts: Vec<(AgencyCode, i64)> = Vec::new();
                for e in &events {
                    match counts.iter_mut().find(|(a, _)| *a == e.agency) {
                        Some((_, n)) => *n += 1,
                        None => counts.push((e.agency, 1)),
                    }
                }
                let mut next: Vec<(AgencyCode, u64)> = Vec::with_capacity(counts.len());
                for (agency, n) in counts {
                    let last: i64 = sqlx::query_scalar(
                        "INSERT INTO event_numbers (agency, last) VALUES ($1, $2) \
                         ON CONFLICT (agency) DO UPDATE SET last = event_numbers.last + excluded.last RETURNING last",
                    )
                    .bind(agency.as_str())
                    .bind(n)
                    .fetch_one(&mut **tx)
                    .await?;
                    next.push((agency, u64_of(last - n)?));
                }
                for e in &mut events {
                    if let Some((_, n)) = next.iter_mut().find(|(a, _)| *a == e.agency) {
                        *n += 1;
                        e.number = *n;
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
                        QueryBuilder::new("INSERT INTO events (seq, number, agency, time, kind, hit_id, body) ");
                    q.push_values(chunk.iter().zip(rows), |mut b, (e, (time, hit_id, body))| {
                        b.push_bind(i64_of(e.seq))
                            .push_bind(i64_of(e.number))
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
