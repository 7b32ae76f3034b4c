//! The dashboard's counts in SQL: grouped by hour in the database, so a
//! month of a busy agency's screenings is a few hundred rows, not millions.

/// Implements [`ActivityBackend`](crate::backend::ActivityBackend) for a SQL backend.
macro_rules! activity {
    ($backend:ident, $db:ty, $row:ty) => {
        mod activity {
            use std::str::FromStr;

            use async_trait::async_trait;
            use tocsin_core::AgencyCode;
            use tocsin_core::access::Viewer;
            use tocsin_core::record::RecordId;

            use crate::StoreError;
            use crate::backend::{ActivityBackend, HitCount};
            use crate::sql::{Columns, corrupt, u64_of};

            #[async_trait]
            impl ActivityBackend for super::$backend {
                async fn searches_per_hour(
                    &self,
                    agency: &AgencyCode,
                    start: &str,
                    end: &str,
                ) -> Result<Vec<(String, u64)>, StoreError> {
                    let rows = sqlx::query(
                        "SELECT substr(time, 1, 13) AS hour, COUNT(*) AS n FROM audit \
                         WHERE action = 'screen' AND agency = $1 AND outcome = 'ok' AND time >= $2 AND time < $3 \
                         GROUP BY substr(time, 1, 13)",
                    )
                    .bind(agency.as_str())
                    .bind(start)
                    .bind(end)
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter().map(|r| Ok((r.text("hour")?, u64_of(r.int("n")?)?))).collect()
                }

                async fn hits_per_hour(&self, viewer: &Viewer, start: &str, end: &str) -> Result<Vec<HitCount>, StoreError> {
                    let rows = sqlx::query(
                        "SELECT substr(time, 1, 13) AS hour, searcher, owner, record_id, COUNT(*) AS n FROM hits \
                         WHERE (owner = $1 OR (searcher = $2 AND NOT silent)) AND level <= $5 AND time >= $3 AND time < $4 \
                         GROUP BY substr(time, 1, 13), searcher, owner, record_id",
                    )
                    .bind(viewer.agency.as_str())
                    .bind(viewer.agency.as_str())
                    .bind(start)
                    .bind(end)
                    .bind(viewer.clearance.index() as i64)
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter()
                        .map(|r| {
                            Ok(HitCount {
                                hour: r.text("hour")?,
                                searcher: AgencyCode::parse(&r.text("searcher")?).map_err(corrupt("hit searcher"))?,
                                owner: AgencyCode::parse(&r.text("owner")?).map_err(corrupt("hit owner"))?,
                                record_id: RecordId::from_str(&r.text("record_id")?).map_err(corrupt("hit record"))?,
                                count: u64_of(r.int("n")?)?,
                            })
                        })
                        .collect()
                }
            }
        }
    };
}
pub(crate) use activity;
