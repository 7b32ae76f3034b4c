//! Records in SQL.

/// Implements [`RecordBackend`](crate::backend::RecordBackend) for a SQL backend.
macro_rules! records {
    ($backend:ident, $db:ty, $row:ty) => {
        mod records {
            use async_trait::async_trait;
            use sqlx::QueryBuilder;
            use tocsin_core::AgencyCode;
            use tocsin_core::record::{Record, RecordId};

            use super::INSERT_CHUNK;
            use crate::StoreError;
            use crate::backend::{RecordBackend, RecordPageQuery};
            use crate::sql::{body_json, i64_of, is_unique_violation, record_from_row, review_date, ts, u64_of};

            #[async_trait]
            impl RecordBackend for super::$backend {
                async fn records_from_source(&self, owner: &AgencyCode, list: &str) -> Result<Vec<Record>, StoreError> {
                    let rows = sqlx::query("SELECT * FROM records WHERE owner = $1 AND source_list = $2")
                        .bind(owner.as_str())
                        .bind(list)
                        .fetch_all(&self.pool)
                        .await?;
                    rows.iter().map(record_from_row).collect()
                }

                async fn record(&self, id: &RecordId) -> Result<Option<Record>, StoreError> {
                    let row =
                        sqlx::query("SELECT * FROM records WHERE id = $1").bind(id.to_string()).fetch_optional(&self.pool).await?;
                    row.map(|r| record_from_row(&r)).transpose()
                }

                async fn records(&self, ids: &[RecordId]) -> Result<Vec<Record>, StoreError> {
                    let mut out = Vec::with_capacity(ids.len());
                    for chunk in ids.chunks(INSERT_CHUNK) {
                        let mut q: QueryBuilder<$db> = QueryBuilder::new("SELECT * FROM records WHERE id IN (");
                        let mut list = q.separated(", ");
                        for id in chunk {
                            list.push_bind(id.to_string());
                        }
                        q.push(")");
                        for row in q.build().fetch_all(&self.pool).await? {
                            out.push(record_from_row(&row)?);
                        }
                    }
                    Ok(out)
                }

                async fn record_page(&self, query: &RecordPageQuery) -> Result<Vec<Record>, StoreError> {
                    let mut q: QueryBuilder<$db> = QueryBuilder::new("SELECT * FROM records WHERE 1 = 1");
                    match (&query.after, &query.review_until, &query.after_review_by) {
                        (Some(after), Some(_), Some(date)) => {
                            q.push(" AND (review_by, id) > (")
                                .push_bind(tocsin_core::record::format_date(date))
                                .push(", ")
                                .push_bind(after.to_string())
                                .push(")");
                        }
                        (Some(after), _, _) => {
                            q.push(" AND id > ").push_bind(after.to_string());
                        }
                        (None, _, _) => {}
                    }
                    if let Some(kind) = query.kind {
                        q.push(" AND kind = ").push_bind(kind.as_str());
                    }
                    if let Some(owner) = &query.owner {
                        q.push(" AND owner = ").push_bind(owner.as_str().to_owned());
                    }
                    match &query.review_until {
                        Some(until) => {
                            q.push(" AND state = 'active' AND review_by <= ")
                                .push_bind(tocsin_core::record::format_date(until))
                                .push(" ORDER BY review_by, id LIMIT ");
                        }
                        None => {
                            q.push(" ORDER BY id LIMIT ");
                        }
                    }
                    q.push_bind(i64::from(query.limit));
                    let rows = q.build().fetch_all(&self.pool).await?;
                    rows.iter().map(record_from_row).collect()
                }

                async fn record_count(&self) -> Result<u64, StoreError> {
                    u64_of(sqlx::query_scalar("SELECT count(*) FROM records").fetch_one(&self.pool).await?)
                }
            }

            /// Inserts `new` and replaces each of `changed` at its expected version.
            pub(super) async fn write(
                tx: &mut sqlx::Transaction<'_, $db>,
                new: &[Record],
                changed: &[(Record, u64)],
            ) -> Result<(), StoreError> {
                for chunk in new.chunks(INSERT_CHUNK) {
                    insert_chunk(tx, chunk).await?;
                }
                for (r, expected) in changed {
                    if !replace(&mut **tx, r, *expected).await? {
                        let version = "SELECT version FROM records WHERE id = $1";
                        return Err(super::commit::stale(tx, version, &format!("record {}", r.id), *expected).await);
                    }
                    // A record raised above official use only takes its hits
                    // with it: they are shown at the record's level from now
                    // on (never lowered: a hit made on a confidential record
                    // stays confidential).
                    let level = r.data.level.index() as i64;
                    if level > 0 {
                        sqlx::query("UPDATE hits SET level = $1 WHERE record_id = $2 AND level < $1")
                            .bind(level)
                            .bind(r.id.to_string())
                            .execute(&mut **tx)
                            .await?;
                    }
                }
                Ok(())
            }

            /// Inserts up to [`INSERT_CHUNK`] records in one statement.
            pub(super) async fn insert_chunk(tx: &mut sqlx::Transaction<'_, $db>, chunk: &[Record]) -> Result<(), StoreError> {
                let bodies = chunk
                    .iter()
                    .map(|r| Ok((ts(&r.created_at)?, ts(&r.updated_at)?, body_json(r)?)))
                    .collect::<Result<Vec<_>, StoreError>>()?;
                let changed = next_change(tx).await?;
                let mut q: QueryBuilder<$db> = QueryBuilder::new(
                    "INSERT INTO records (id, kind, owner, version, state, created_at, updated_at, review_by, body, source_list, source_id, changed) ",
                );
                q.push_values(chunk.iter().zip(bodies), |mut b, (r, (created_at, updated_at, body))| {
                    let source = r.data.source.as_ref();
                    b.push_bind(r.id.to_string())
                        .push_bind(r.data.kind().as_str())
                        .push_bind(r.owner.as_str().to_owned())
                        .push_bind(i64_of(r.version))
                        .push_bind(r.state.as_str())
                        .push_bind(created_at)
                        .push_bind(updated_at)
                        .push_bind(review_date(r))
                        .push_bind(body)
                        .push_bind(source.map(|s| s.list.clone()))
                        .push_bind(source.map(|s| s.id.clone()))
                        .push_bind(changed);
                });
                match q.build().execute(&mut **tx).await {
                    Err(e) if is_unique_violation(&e) => {
                        Err(StoreError::AlreadyExists("a record with the same id, or from the same list entry".to_owned()))
                    }
                    other => other.map(drop).map_err(StoreError::from),
                }
            }

            /// The next change number of records: every write holds the
            /// write lock, so numbers follow commit order.
            pub(super) async fn next_change(tx: &mut sqlx::Transaction<'_, $db>) -> Result<i64, StoreError> {
                Ok(sqlx::query_scalar("SELECT COALESCE(MAX(changed), 0) + 1 FROM records").fetch_one(&mut **tx).await?)
            }

            /// Replaces a record if its stored version is `expected`; false if not.
            pub(super) async fn replace<'e, E>(db: E, r: &Record, expected: u64) -> Result<bool, StoreError>
            where
                E: sqlx::Executor<'e, Database = $db>,
            {
                let source = r.data.source.as_ref();
                let done = sqlx::query(
                    "UPDATE records SET version = $1, state = $2, updated_at = $3, review_by = $4, body = $5, source_list = $6, source_id = $7, \
                     changed = (SELECT COALESCE(MAX(changed), 0) + 1 FROM records) WHERE id = $8 AND version = $9",
                )
                .bind(i64_of(r.version))
                .bind(r.state.as_str())
                .bind(ts(&r.updated_at)?)
                .bind(review_date(r))
                .bind(body_json(r)?)
                .bind(source.map(|s| s.list.clone()))
                .bind(source.map(|s| s.id.clone()))
                .bind(r.id.to_string())
                .bind(i64_of(expected))
                .execute(db)
                .await;
                match done {
                    Err(e) if is_unique_violation(&e) => {
                        Err(StoreError::AlreadyExists("a record from the same list entry".to_owned()))
                    }
                    other => Ok(other?.rows_affected() == 1),
                }
            }
        }
    };
}
pub(crate) use records;
