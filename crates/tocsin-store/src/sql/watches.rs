//! Standing watches in SQL.

/// Implements [`WatchBackend`](crate::backend::WatchBackend) for a SQL backend.
macro_rules! watches {
    ($backend:ident, $db:ty, $row:ty) => {
        mod watches {
            use async_trait::async_trait;
            use sqlx::Row;
            use tocsin_core::watch::{Watch, WatchId};

            use crate::StoreError;
            use crate::backend::WatchBackend;
            use crate::sql::ts;

            #[async_trait]
            impl WatchBackend for super::$backend {
                async fn watches(&self) -> Result<Vec<Watch>, StoreError> {
                    let rows = sqlx::query("SELECT body FROM watches ORDER BY id").fetch_all(&self.pool).await?;
                    rows.iter()
                        .map(|r| {
                            let body: String = r.try_get("body")?;
                            serde_json::from_str(&body).map_err(|e| StoreError::Corrupt(format!("watch body: {e}")))
                        })
                        .collect()
                }
            }

            /// Stores a watch.
            pub(super) async fn insert(tx: &mut sqlx::Transaction<'_, $db>, w: &Watch) -> Result<(), StoreError> {
                let body =
                    serde_json::to_string(w).map_err(|e| StoreError::Internal(format!("watch {}: {e}", w.id)))?;
                sqlx::query("INSERT INTO watches (id, agency, created_at, body) VALUES ($1, $2, $3, $4)")
                    .bind(w.id.to_string())
                    .bind(w.agency.as_str())
                    .bind(ts(&w.created_at)?)
                    .bind(body)
                    .execute(&mut **tx)
                    .await?;
                Ok(())
            }

            /// Removes a watch; false if there was none.
            pub(super) async fn delete(tx: &mut sqlx::Transaction<'_, $db>, id: &WatchId) -> Result<bool, StoreError> {
                let done =
                    sqlx::query("DELETE FROM watches WHERE id = $1").bind(id.to_string()).execute(&mut **tx).await?;
                Ok(done.rows_affected() == 1)
            }
        }
    };
}
pub(crate) use watches;
