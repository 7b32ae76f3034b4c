//! Biometric search rows in SQL: attachments and candidates.

/// Implements [`BioBackend`](crate::BioBackend) for a SQL backend.
macro_rules! bio {
    ($backend:ident, $db:ty, $row:ty) => {
        mod bio {
            use async_trait::async_trait;
            use sqlx::Row;
            use tocsin_core::AgencyCode;
            use tocsin_core::record::RecordId;

            use crate::StoreError;
            use crate::bio_backend::{BioAttachment, BioBackend, BioCandidateRow, BioDecision};
            use crate::sql::{Columns, corrupt, parse_ts, ts};

            fn candidate_from_row(r: &$row) -> Result<BioCandidateRow, StoreError> {
                let record = r.text("record_id")?;
                Ok(BioCandidateRow {
                    search: r.text("search_id")?,
                    record: record.parse().map_err(|_| StoreError::Corrupt(format!("record id `{record}`")))?,
                    owner: AgencyCode::parse(&r.text("owner")?).map_err(corrupt("candidate owner"))?,
                    searcher: AgencyCode::parse(&r.text("searcher")?).map_err(corrupt("candidate searcher"))?,
                    shown: r.int("shown")? != 0,
                    status: r.text("status")?,
                    created_at: parse_ts(&r.text("created_at")?)?,
                    body: r.text("body")?,
                })
            }

            #[async_trait]
            impl BioBackend for super::$backend {
                async fn bio_attachment(&self, record: &RecordId, n: u32) -> Result<Option<Vec<u8>>, StoreError> {
                    let row = sqlx::query("SELECT data FROM bio_attachments WHERE record_id = $1 AND n = $2")
                        .bind(record.to_string())
                        .bind(i64::from(n))
                        .fetch_optional(&self.pool)
                        .await?;
                    row.map(|r| r.try_get::<Vec<u8>, _>("data").map_err(StoreError::from)).transpose()
                }

                async fn bio_candidates(&self, search: &str) -> Result<Vec<BioCandidateRow>, StoreError> {
                    let rows = sqlx::query("SELECT * FROM bio_candidates WHERE search_id = $1")
                        .bind(search)
                        .fetch_all(&self.pool)
                        .await?;
                    rows.iter().map(candidate_from_row).collect()
                }

                async fn bio_candidates_for(
                    &self,
                    agency: &AgencyCode,
                    pending_only: bool,
                    limit: u32,
                ) -> Result<Vec<BioCandidateRow>, StoreError> {
                    // A silent candidate is never a row of the searcher's
                    // query: filtered here, before the limit, so that the
                    // number of rows says nothing of it.
                    let sql = if pending_only {
                        "SELECT * FROM bio_candidates WHERE (owner = $1 OR (searcher = $1 AND shown = 1)) \
                         AND status = 'pending' ORDER BY created_at DESC, search_id, record_id LIMIT $2"
                    } else {
                        "SELECT * FROM bio_candidates WHERE (owner = $1 OR (searcher = $1 AND shown = 1)) \
                         ORDER BY created_at DESC, search_id, record_id LIMIT $2"
                    };
                    let rows =
                        sqlx::query(sql).bind(agency.as_str()).bind(i64::from(limit)).fetch_all(&self.pool).await?;
                    rows.iter().map(candidate_from_row).collect()
                }
            }

            pub(super) async fn attach(
                tx: &mut sqlx::Transaction<'_, $db>,
                attachments: &[BioAttachment],
            ) -> Result<(), StoreError> {
                for a in attachments {
                    sqlx::query("INSERT INTO bio_attachments (record_id, n, data) VALUES ($1, $2, $3)")
                        .bind(a.record.to_string())
                        .bind(i64::from(a.n))
                        .bind(a.data.clone())
                        .execute(&mut **tx)
                        .await?;
                }
                Ok(())
            }

            pub(super) async fn candidates(
                tx: &mut sqlx::Transaction<'_, $db>,
                rows: &[BioCandidateRow],
            ) -> Result<(), StoreError> {
                for c in rows {
                    sqlx::query(
                        "INSERT INTO bio_candidates \
                         (search_id, record_id, owner, searcher, shown, status, created_at, body) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    )
                    .bind(&c.search)
                    .bind(c.record.to_string())
                    .bind(c.owner.as_str())
                    .bind(c.searcher.as_str())
                    .bind(i64::from(c.shown))
                    .bind(&c.status)
                    .bind(ts(&c.created_at)?)
                    .bind(&c.body)
                    .execute(&mut **tx)
                    .await?;
                }
                Ok(())
            }

            pub(super) async fn decide(
                tx: &mut sqlx::Transaction<'_, $db>,
                d: &BioDecision,
            ) -> Result<bool, StoreError> {
                let r = sqlx::query(
                    "UPDATE bio_candidates SET status = $1, body = $2 \
                     WHERE search_id = $3 AND record_id = $4 AND status = 'pending'",
                )
                .bind(&d.status)
                .bind(&d.body)
                .bind(&d.search)
                .bind(d.record.to_string())
                .execute(&mut **tx)
                .await?;
                Ok(r.rows_affected() == 1)
            }
        }
    };
}

pub(crate) use bio;
