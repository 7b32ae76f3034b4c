//! Hits, their conversations and reviewed false positives in SQL.

/// Implements [`HitBackend`](crate::backend::HitBackend) for a SQL backend.
macro_rules! hits {
    ($backend:ident, $db:ty, $row:ty) => {
        mod hits {
            use std::str::FromStr;

            use async_trait::async_trait;
            use sqlx::{QueryBuilder, Row};
            use time::OffsetDateTime;
            use tocsin_core::AgencyCode;
            use tocsin_core::hit::{Dismissal, Hit, HitId, HitMessage, HitStatus, Side};
            use tocsin_core::record::RecordId;

            use super::INSERT_CHUNK;
            use crate::StoreError;
            use crate::backend::{HitBackend, HitFilter};
            use crate::sql::{Columns, corrupt, from_json, i64_of, parse_ts, ts, u64_of};

            #[async_trait]
            impl HitBackend for super::$backend {
                async fn hit(&self, id: &HitId) -> Result<Option<Hit>, StoreError> {
                    let row =
                        sqlx::query("SELECT body, level FROM hits WHERE id = $1").bind(id.to_string()).fetch_optional(&self.pool).await?;
                    row.map(|r| hit_from_row(&r)).transpose()
                }

                async fn hits(&self, f: &HitFilter) -> Result<Vec<Hit>, StoreError> {
                    let agency = f.viewer.agency.as_str().to_owned();
                    let mut q: QueryBuilder<$db> = QueryBuilder::new("SELECT body, level FROM hits WHERE level <= ");
                    q.push_bind(f.viewer.clearance.index() as i64).push(" AND ");
                    match f.role {
                        Some(Side::Owner) => q.push("owner = ").push_bind(agency),
                        Some(Side::Searcher) => q.push("searcher = ").push_bind(agency).push(" AND NOT silent"),
                        None => q
                            .push("(owner = ")
                            .push_bind(agency.clone())
                            .push(" OR (searcher = ")
                            .push_bind(agency)
                            .push(" AND NOT silent))"),
                    };
                    if let Some(status) = f.status {
                        q.push(" AND status = ").push_bind(status.as_str());
                    }
                    if let Some(since) = &f.since {
                        q.push(" AND time >= ").push_bind(ts(since)?);
                    }
                    if let Some(before) = &f.before {
                        q.push(" AND id < ").push_bind(before.to_string());
                    }
                    q.push(" ORDER BY id DESC LIMIT ").push_bind(i64::from(f.limit));
                    let rows = q.build().fetch_all(&self.pool).await?;
                    rows.iter().map(hit_from_row).collect()
                }

                async fn hit_messages(&self, id: &HitId) -> Result<Vec<HitMessage>, StoreError> {
                    let rows = sqlx::query("SELECT body FROM hit_messages WHERE hit_id = $1 ORDER BY seq")
                        .bind(id.to_string())
                        .fetch_all(&self.pool)
                        .await?;
                    rows.iter()
                        .map(|r| {
                            let body: String = r.try_get("body")?;
                            serde_json::from_str(&body).map_err(|e| StoreError::Corrupt(format!("hit message: {e}")))
                        })
                        .collect()
                }

                async fn dismissals(&self, now: OffsetDateTime) -> Result<Vec<Dismissal>, StoreError> {
                    // RFC 3339 in UTC compares as text.
                    let rows = sqlx::query("SELECT agency, subject, record_id, hit_id, until FROM dismissals WHERE until > $1")
                        .bind(ts(&now)?)
                        .fetch_all(&self.pool)
                        .await?;
                    rows.iter()
                        .map(|r| {
                            Ok(Dismissal {
                                agency: AgencyCode::parse(&r.try_get::<String, _>("agency")?)
                                    .map_err(corrupt("dismissal agency"))?,
                                subject: r.try_get("subject")?,
                                record_id: RecordId::from_str(&r.try_get::<String, _>("record_id")?)
                                    .map_err(corrupt("dismissal record"))?,
                                hit_id: HitId::from_str(&r.try_get::<String, _>("hit_id")?).map_err(corrupt("dismissal hit"))?,
                                until: parse_ts(&r.try_get::<String, _>("until")?)?,
                            })
                        })
                        .collect()
                }
            }

            /// A hit, at the level of its column (its record's, raised with
            /// the record since the hit was made).
            fn hit_from_row(row: &$row) -> Result<Hit, StoreError> {
                let hit: Hit = from_json("hit", &row.text("body")?)?;
                let level = crate::sql::level_of(row.int("level")?)
                    .ok_or_else(|| StoreError::Corrupt(format!("hit {}: level", hit.id)))?;
                Ok(Hit { level, ..hit })
            }

            /// Replaces a hit if its stored status is `expected`; false if not.
            pub(super) async fn update(
                tx: &mut sqlx::Transaction<'_, $db>,
                hit: &Hit,
                expected: HitStatus,
            ) -> Result<bool, StoreError> {
                let body = serde_json::to_string(hit).map_err(|e| StoreError::Internal(format!("hit {}: {e}", hit.id)))?;
                let done = sqlx::query("UPDATE hits SET status = $1, updated_at = $2, body = $3 WHERE id = $4 AND status = $5")
                    .bind(hit.status.as_str())
                    .bind(ts(&hit.updated_at)?)
                    .bind(body)
                    .bind(hit.id.to_string())
                    .bind(expected.as_str())
                    .execute(&mut **tx)
                    .await?;
                Ok(done.rows_affected() == 1)
            }

            /// Appends a message to its hit's conversation, numbered after the last.
            pub(super) async fn append_message(
                tx: &mut sqlx::Transaction<'_, $db>,
                m: HitMessage,
            ) -> Result<HitMessage, StoreError> {
                let last: Option<i64> = sqlx::query_scalar("SELECT max(seq) FROM hit_messages WHERE hit_id = $1")
                    .bind(m.hit_id.to_string())
                    .fetch_one(&mut **tx)
                    .await?;
                let stored = HitMessage { seq: u64_of(last.unwrap_or(0))? + 1, ..m };
                let body = serde_json::to_string(&stored).map_err(|e| StoreError::Internal(format!("hit message: {e}")))?;
                sqlx::query("INSERT INTO hit_messages (hit_id, seq, time, agency, user_name, body) VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(stored.hit_id.to_string())
                    .bind(i64_of(stored.seq))
                    .bind(ts(&stored.time)?)
                    .bind(stored.agency.as_str())
                    .bind(&stored.user)
                    .bind(body)
                    .execute(&mut **tx)
                    .await?;
                Ok(stored)
            }

            /// Records a reviewed false positive, replacing one for the same agency,
            /// subject and record.
            pub(super) async fn put_dismissal(tx: &mut sqlx::Transaction<'_, $db>, d: &Dismissal) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO dismissals (agency, subject, record_id, hit_id, until) VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT(agency, subject, record_id) DO UPDATE SET hit_id = excluded.hit_id, until = excluded.until",
                )
                .bind(d.agency.as_str())
                .bind(&d.subject)
                .bind(d.record_id.to_string())
                .bind(d.hit_id.to_string())
                .bind(ts(&d.until)?)
                .execute(&mut **tx)
                .await?;
                Ok(())
            }

            /// Inserts hits inside a transaction.
            pub(super) async fn insert_hit_rows(tx: &mut sqlx::Transaction<'_, $db>, hits: &[Hit]) -> Result<(), StoreError> {
                for chunk in hits.chunks(INSERT_CHUNK) {
                    let bodies = chunk
                        .iter()
                        .map(|h| {
                            let body =
                                serde_json::to_string(h).map_err(|e| StoreError::Internal(format!("hit {}: {e}", h.id)))?;
                            Ok((ts(&h.time)?, ts(&h.updated_at)?, body))
                        })
                        .collect::<Result<Vec<_>, StoreError>>()?;
                    let mut q: QueryBuilder<$db> = QueryBuilder::new(
                        "INSERT INTO hits (id, time, searcher, owner, silent, status, record_id, updated_at, level, body) ",
                    );
                    q.push_values(chunk.iter().zip(bodies), |mut b, (h, (time, updated_at, body))| {
                        b.push_bind(h.id.to_string())
                            .push_bind(time)
                            .push_bind(h.searcher.as_str().to_owned())
                            .push_bind(h.owner.as_str().to_owned())
                            .push_bind(h.silent)
                            .push_bind(h.status.as_str())
                            .push_bind(h.record_id.to_string())
                            .push_bind(updated_at)
                            .push_bind(h.level.index() as i64)
                            .push_bind(body);
                    });
                    q.build().execute(&mut **tx).await?;
                }
                Ok(())
            }
        }
    };
}
pub(crate) use hits;
