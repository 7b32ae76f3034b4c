//! Critical-infrastructure rows in SQL: dependencies, their generation,
//! watches.

/// Implements [`InfraBackend`](crate::InfraBackend) for a SQL backend.
macro_rules! infra {
    ($backend:ident, $db:ty, $row:ty) => {
        mod infra {
            use async_trait::async_trait;
            use sqlx::Row;
            use tocsin_core::AgencyCode;
            use tocsin_core::asset::{Dependency, DependencyId};

            use crate::StoreError;
            use crate::infra_backend::{InfraBackend, InfraWatchRow, InfraWatchState};
            use crate::sql::{Columns, corrupt, is_unique_violation, parse_ts, ts};

            fn dependency(r: &$row) -> Result<Dependency, StoreError> {
                let body = r.text("body")?;
                serde_json::from_str(&body).map_err(|e| StoreError::Corrupt(format!("dependency: {e}")))
            }

            fn watch(r: &$row) -> Result<InfraWatchRow, StoreError> {
                let asset = r.text("asset")?;
                Ok(InfraWatchRow {
                    id: r.text("id")?,
                    agency: AgencyCode::parse(&r.text("agency")?).map_err(corrupt("watch agency"))?,
                    asset: asset.parse().map_err(|_| StoreError::Corrupt(format!("asset id `{asset}`")))?,
                    created_at: parse_ts(&r.text("created_at")?)?,
                    body: r.text("body")?,
                    state: r.text("state")?,
                    version: r.int("version")? as u64,
                })
            }

            #[async_trait]
            impl InfraBackend for super::$backend {
                async fn infra_dependencies(&self) -> Result<(u64, Vec<Dependency>), StoreError> {
                    // One transaction, so the generation is the one the
                    // rows were read at.
                    let mut tx = self.pool.begin().await?;
                    let generation: i64 = sqlx::query("SELECT generation FROM infra_generation WHERE id = 1")
                        .fetch_one(&mut *tx)
                        .await?
                        .try_get("generation")?;
                    let rows =
                        sqlx::query("SELECT body FROM infra_dependencies ORDER BY id").fetch_all(&mut *tx).await?;
                    tx.commit().await?;
                    Ok((generation as u64, rows.iter().map(dependency).collect::<Result<_, _>>()?))
                }

                async fn infra_generation(&self) -> Result<u64, StoreError> {
                    let generation: i64 = sqlx::query("SELECT generation FROM infra_generation WHERE id = 1")
                        .fetch_one(&self.pool)
                        .await?
                        .try_get("generation")?;
                    Ok(generation as u64)
                }

                async fn infra_dependency(&self, id: &DependencyId) -> Result<Option<Dependency>, StoreError> {
                    let row = sqlx::query("SELECT body FROM infra_dependencies WHERE id = $1")
                        .bind(id.to_string())
                        .fetch_optional(&self.pool)
                        .await?;
                    row.as_ref().map(dependency).transpose()
                }

                async fn infra_watches(&self, agency: Option<&AgencyCode>) -> Result<Vec<InfraWatchRow>, StoreError> {
                    let rows = match agency {
                        Some(a) => {
                            sqlx::query("SELECT * FROM infra_watches WHERE agency = $1 ORDER BY created_at, id")
                                .bind(a.as_str())
                                .fetch_all(&self.pool)
                                .await?
                        }
                        None => {
                            sqlx::query("SELECT * FROM infra_watches ORDER BY created_at, id")
                                .fetch_all(&self.pool)
                                .await?
                        }
                    };
                    rows.iter().map(watch).collect()
                }
            }

            pub(super) async fn dependencies(
                tx: &mut sqlx::Transaction<'_, $db>,
                new: &[Dependency],
                removed: &[DependencyId],
            ) -> Result<(), StoreError> {
                for d in new {
                    let body =
                        serde_json::to_string(d).map_err(|e| StoreError::Internal(format!("a dependency: {e}")))?;
                    sqlx::query(
                        "INSERT INTO infra_dependencies (id, owner, provider, dependent, commodity, created_at, body) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    )
                    .bind(d.id.to_string())
                    .bind(d.owner.as_str())
                    .bind(d.provider.to_string())
                    .bind(d.dependent.to_string())
                    .bind(d.commodity.as_str())
                    .bind(ts(&d.created_at)?)
                    .bind(body)
                    .execute(&mut **tx)
                    .await
                    .map_err(|e| match is_unique_violation(&e) {
                        true => StoreError::Conflict(format!(
                            "{} already depends on {} for {}",
                            d.dependent,
                            d.provider,
                            d.commodity.as_str()
                        )),
                        false => e.into(),
                    })?;
                }
                for id in removed {
                    sqlx::query("DELETE FROM infra_dependencies WHERE id = $1")
                        .bind(id.to_string())
                        .execute(&mut **tx)
                        .await?;
                }
                sqlx::query("UPDATE infra_generation SET generation = generation + 1 WHERE id = 1")
                    .execute(&mut **tx)
                    .await?;
                Ok(())
            }

            pub(super) async fn add_watch(
                tx: &mut sqlx::Transaction<'_, $db>,
                w: &InfraWatchRow,
            ) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO infra_watches (id, agency, asset, created_at, body, state, version) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&w.id)
                .bind(w.agency.as_str())
                .bind(w.asset.to_string())
                .bind(ts(&w.created_at)?)
                .bind(&w.body)
                .bind(&w.state)
                .bind(w.version as i64)
                .execute(&mut **tx)
                .await?;
                Ok(())
            }

            pub(super) async fn remove_watch(
                tx: &mut sqlx::Transaction<'_, $db>,
                id: &str,
                agency: &AgencyCode,
            ) -> Result<bool, StoreError> {
                let r = sqlx::query("DELETE FROM infra_watches WHERE id = $1 AND agency = $2")
                    .bind(id)
                    .bind(agency.as_str())
                    .execute(&mut **tx)
                    .await?;
                Ok(r.rows_affected() == 1)
            }

            pub(super) async fn watch_state(
                tx: &mut sqlx::Transaction<'_, $db>,
                s: &InfraWatchState,
            ) -> Result<bool, StoreError> {
                let r = sqlx::query(
                    "UPDATE infra_watches SET state = $1, version = version + 1 WHERE id = $2 AND version = $3",
                )
                .bind(&s.state)
                .bind(&s.id)
                .bind(s.version as i64)
                .execute(&mut **tx)
                .await?;
                Ok(r.rows_affected() == 1)
            }
        }
    };
}

pub(crate) use infra;
