//! Agencies, their settings and API tokens in SQL.

/// Implements [`AgencyBackend`](crate::backend::AgencyBackend) for a SQL backend.
macro_rules! agencies {
    ($backend:ident, $db:ty, $row:ty) => {
        mod agencies {
            use async_trait::async_trait;
            use sqlx::Row;
            use tocsin_core::AgencyCode;

            use crate::StoreError;
            use crate::backend::{Agency, AgencyBackend, AgencySettings, TokenRow};
            use crate::sql::{agency_from_row, corrupt, parse_ts, ts};

            #[async_trait]
            impl AgencyBackend for super::$backend {
                async fn agency(&self, code: &AgencyCode) -> Result<Option<Agency>, StoreError> {
                    let row = sqlx::query("SELECT code, name, created_at FROM agencies WHERE code = $1")
                        .bind(code.as_str())
                        .fetch_optional(&self.pool)
                        .await?;
                    row.map(|r| agency_from_row(&r)).transpose()
                }

                async fn agencies(&self) -> Result<Vec<Agency>, StoreError> {
                    let rows = sqlx::query("SELECT code, name, created_at FROM agencies ORDER BY code")
                        .fetch_all(&self.pool)
                        .await?;
                    rows.iter().map(agency_from_row).collect()
                }

                async fn settings(&self, code: &AgencyCode) -> Result<AgencySettings, StoreError> {
                    let row = sqlx::query("SELECT hit_threshold, dismiss_days FROM agency_settings WHERE code = $1")
                        .bind(code.as_str())
                        .fetch_optional(&self.pool)
                        .await?;
                    let Some(row) = row else { return Ok(AgencySettings::default()) };
                    let days: Option<i64> = row.try_get("dismiss_days")?;
                    Ok(AgencySettings {
                        hit_threshold: row.try_get("hit_threshold")?,
                        dismiss_days: days
                            .map(|d| u32::try_from(d).map_err(|_| StoreError::Corrupt(format!("dismiss_days {d}"))))
                            .transpose()?,
                    })
                }

                async fn token_by_hash(&self, hash: &str) -> Result<Option<TokenRow>, StoreError> {
                    let q = format!("SELECT {TOKEN_COLUMNS} FROM tokens WHERE hash = $1");
                    let row = sqlx::query(sqlx::AssertSqlSafe(q)).bind(hash).fetch_optional(&self.pool).await?;
                    row.map(|r| token_from_row(&r)).transpose()
                }

                async fn token(&self, id: &str) -> Result<Option<TokenRow>, StoreError> {
                    let q = format!("SELECT {TOKEN_COLUMNS} FROM tokens WHERE id = $1");
                    let row = sqlx::query(sqlx::AssertSqlSafe(q)).bind(id).fetch_optional(&self.pool).await?;
                    row.map(|r| token_from_row(&r)).transpose()
                }

                async fn unit(
                    &self,
                    agency: &AgencyCode,
                    code: &str,
                ) -> Result<Option<crate::backend::UnitRow>, StoreError> {
                    let row = sqlx::query("SELECT * FROM units WHERE agency = $1 AND code = $2")
                        .bind(agency.as_str())
                        .bind(code)
                        .fetch_optional(&self.pool)
                        .await?;
                    row.as_ref().map(unit_from_row).transpose()
                }

                async fn units(&self, agency: &AgencyCode) -> Result<Vec<crate::backend::UnitRow>, StoreError> {
                    let rows = sqlx::query("SELECT * FROM units WHERE agency = $1 ORDER BY code")
                        .bind(agency.as_str())
                        .fetch_all(&self.pool)
                        .await?;
                    rows.iter().map(unit_from_row).collect()
                }

                async fn tokens(&self, agency: Option<&AgencyCode>) -> Result<Vec<TokenRow>, StoreError> {
                    let rows = match agency {
                        Some(a) => {
                            let q =
                                format!("SELECT {TOKEN_COLUMNS} FROM tokens WHERE agency = $1 ORDER BY created_at, id");
                            sqlx::query(sqlx::AssertSqlSafe(q)).bind(a.as_str()).fetch_all(&self.pool).await?
                        }
                        None => {
                            let q = format!("SELECT {TOKEN_COLUMNS} FROM tokens ORDER BY created_at, id");
                            sqlx::query(sqlx::AssertSqlSafe(q)).fetch_all(&self.pool).await?
                        }
                    };
                    rows.iter().map(token_from_row).collect()
                }
            }

            fn unit_from_row(row: &$row) -> Result<crate::backend::UnitRow, StoreError> {
                Ok(crate::backend::UnitRow {
                    agency: AgencyCode::parse(&row.try_get::<String, _>("agency")?).map_err(corrupt("unit agency"))?,
                    code: row.try_get("code")?,
                    name: row.try_get("name")?,
                    rights: row.try_get("rights")?,
                    created_at: parse_ts(&row.try_get::<String, _>("created_at")?)?,
                    suspended_at: row.try_get::<Option<String>, _>("suspended_at")?.map(|t| parse_ts(&t)).transpose()?,
                })
            }

            /// Inserts a unit; [`StoreError::AlreadyExists`] if its code is taken.
            pub(super) async fn insert_unit(
                tx: &mut sqlx::Transaction<'_, $db>,
                u: &crate::backend::UnitRow,
            ) -> Result<(), StoreError> {
                let r = sqlx::query(
                    "INSERT INTO units (agency, code, name, rights, created_at) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(u.agency.as_str())
                .bind(&u.code)
                .bind(&u.name)
                .bind(&u.rights)
                .bind(ts(&u.created_at)?)
                .execute(&mut **tx)
                .await;
                match r {
                    Err(e) if crate::sql::is_unique_violation(&e) => {
                        Err(StoreError::AlreadyExists(format!("unit {}/{}", u.agency, u.code)))
                    }
                    other => Ok(other.map(drop)?),
                }
            }

            /// Suspends or resumes a unit: whether it changed.
            pub(super) async fn suspend_unit(
                tx: &mut sqlx::Transaction<'_, $db>,
                agency: &AgencyCode,
                code: &str,
                at: Option<&time::OffsetDateTime>,
            ) -> Result<bool, StoreError> {
                let r = match at {
                    Some(at) => sqlx::query(
                        "UPDATE units SET suspended_at = $1 WHERE agency = $2 AND code = $3 AND suspended_at IS NULL",
                    )
                    .bind(ts(at)?),
                    None => sqlx::query(
                        "UPDATE units SET suspended_at = NULL WHERE agency = $1 AND code = $2 AND suspended_at IS NOT NULL",
                    ),
                };
                let r = r.bind(agency.as_str()).bind(code).execute(&mut **tx).await?;
                Ok(r.rows_affected() == 1)
            }

            const TOKEN_COLUMNS: &str =
                "id, hash, agency, role, user_name, created_at, expires_at, revoked_at, last_used_at, unit, clearance";

            fn token_from_row(row: &$row) -> Result<TokenRow, StoreError> {
                let time = |column: &str| -> Result<Option<time::OffsetDateTime>, StoreError> {
                    row.try_get::<Option<String>, _>(column)?.map(|t| parse_ts(&t)).transpose()
                };
                Ok(TokenRow {
                    id: row.try_get("id")?,
                    hash: row.try_get("hash")?,
                    agency: AgencyCode::parse(&row.try_get::<String, _>("agency")?).map_err(corrupt("token agency"))?,
                    role: row.try_get::<String, _>("role")?.parse().map_err(corrupt("token role"))?,
                    user: row.try_get("user_name")?,
                    created_at: parse_ts(&row.try_get::<String, _>("created_at")?)?,
                    expires_at: time("expires_at")?,
                    revoked_at: time("revoked_at")?,
                    last_used_at: time("last_used_at")?,
                    unit: row.try_get("unit")?,
                    clearance: row.try_get::<String, _>("clearance")?.parse().map_err(corrupt("token clearance"))?,
                })
            }

            /// Inserts an agency; [`StoreError::AlreadyExists`] if its code is taken.
            pub(super) async fn insert(tx: &mut sqlx::Transaction<'_, $db>, a: &Agency) -> Result<(), StoreError> {
                let r = sqlx::query("INSERT INTO agencies (code, name, created_at) VALUES ($1, $2, $3)")
                    .bind(a.code.as_str())
                    .bind(&a.name)
                    .bind(ts(&a.created_at)?)
                    .execute(&mut **tx)
                    .await;
                match r {
                    Err(e) if crate::sql::is_unique_violation(&e) => {
                        Err(StoreError::AlreadyExists(format!("agency {}", a.code)))
                    }
                    other => Ok(other.map(drop)?),
                }
            }

            /// Replaces an agency's settings.
            pub(super) async fn put_settings(
                tx: &mut sqlx::Transaction<'_, $db>,
                code: &AgencyCode,
                s: &AgencySettings,
            ) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO agency_settings (code, hit_threshold, dismiss_days) VALUES ($1, $2, $3) \
                     ON CONFLICT(code) DO UPDATE SET hit_threshold = excluded.hit_threshold, \
                     dismiss_days = excluded.dismiss_days",
                )
                .bind(code.as_str())
                .bind(s.hit_threshold)
                .bind(s.dismiss_days.map(i64::from))
                .execute(&mut **tx)
                .await?;
                Ok(())
            }

            /// Stores a token's digest.
            pub(super) async fn insert_token(
                tx: &mut sqlx::Transaction<'_, $db>,
                t: &TokenRow,
            ) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO tokens (id, hash, agency, role, user_name, created_at, expires_at, unit, clearance) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(&t.id)
                .bind(&t.hash)
                .bind(t.agency.as_str())
                .bind(t.role.as_str())
                .bind(&t.user)
                .bind(ts(&t.created_at)?)
                .bind(t.expires_at.as_ref().map(ts).transpose()?)
                .bind(t.unit.clone())
                .bind(t.clearance.as_str())
                .execute(&mut **tx)
                .await?;
                Ok(())
            }

            /// Revokes a token that is not revoked yet: whether it did.
            pub(super) async fn revoke_token(
                tx: &mut sqlx::Transaction<'_, $db>,
                id: &str,
                at: &time::OffsetDateTime,
            ) -> Result<bool, StoreError> {
                let r = sqlx::query("UPDATE tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
                    .bind(ts(at)?)
                    .bind(id)
                    .execute(&mut **tx)
                    .await?;
                Ok(r.rows_affected() == 1)
            }

            /// Notes a token's last use.
            pub(super) async fn token_used(
                tx: &mut sqlx::Transaction<'_, $db>,
                id: &str,
                at: &time::OffsetDateTime,
            ) -> Result<(), StoreError> {
                sqlx::query("UPDATE tokens SET last_used_at = $1 WHERE id = $2")
                    .bind(ts(at)?)
                    .bind(id)
                    .execute(&mut **tx)
                    .await?;
                Ok(())
            }
        }
    };
}
pub(crate) use agencies;
