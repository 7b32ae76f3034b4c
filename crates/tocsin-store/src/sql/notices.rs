//! Notices, their numbers and review reminders in SQL.

/// Implements [`NoticeBackend`](crate::backend::NoticeBackend) for a SQL backend.
macro_rules! notices {
    ($backend:ident, $db:ty, $row:ty) => {
        mod notices {
            use async_trait::async_trait;
            use sqlx::QueryBuilder;
            use time::Date;
            use tocsin_core::notice::{Notice, NoticeId};

            use super::INSERT_CHUNK;
            use crate::StoreError;
            use crate::backend::{NoticeBackend, NoticeFilter};
            use crate::sql::{Columns, from_json, i64_of, is_unique_violation, notice_json, ts};

            #[async_trait]
            impl NoticeBackend for super::$backend {
                async fn reserve_entity_numbers(&self, year: i32, count: u32) -> Result<u32, StoreError> {
                    let last: i64 = sqlx::query_scalar(
                        "INSERT INTO entity_numbers (year, last) VALUES ($1, $2) \
                         ON CONFLICT (year) DO UPDATE SET last = entity_numbers.last + excluded.last RETURNING last",
                    )
                    .bind(i64::from(year))
                    .bind(i64::from(count))
                    .fetch_one(&self.pool)
                    .await?;
                    u32::try_from(last - i64::from(count) + 1).map_err(|_| StoreError::Corrupt(format!("entity number {last}")))
                }

                async fn reminders(&self, items: &[String]) -> Result<Vec<(String, Date)>, StoreError> {
                    let mut out = vec![];
                    for chunk in items.chunks(INSERT_CHUNK) {
                        let mut q: QueryBuilder<$db> =
                            QueryBuilder::new("SELECT item, review_by FROM reminders WHERE item IN (");
                        let mut list = q.separated(", ");
                        for id in chunk {
                            list.push_bind(id.clone());
                        }
                        q.push(")");
                        for row in q.build().fetch_all(&self.pool).await? {
                            let date = tocsin_core::record::parse_date(&row.text("review_by")?)
                                .map_err(|e| StoreError::Corrupt(format!("reminder: {e}")))?;
                            out.push((row.text("item")?, date));
                        }
                    }
                    Ok(out)
                }

                async fn notice(&self, id: &NoticeId) -> Result<Option<Notice>, StoreError> {
                    let row = sqlx::query("SELECT body FROM notices WHERE id = $1")
                        .bind(id.to_string())
                        .fetch_optional(&self.pool)
                        .await?;
                    row.as_ref().map(notice_from_row).transpose()
                }

                async fn notices(&self, f: &NoticeFilter) -> Result<Vec<Notice>, StoreError> {
                    let mut q: QueryBuilder<$db> = QueryBuilder::new("SELECT body FROM notices WHERE 1 = 1");
                    if let Some(owner) = &f.owner {
                        q.push(" AND owner = ").push_bind(owner.as_str().to_owned());
                    }
                    if let Some(status) = f.status {
                        q.push(" AND status = ").push_bind(status.as_str());
                    }
                    if let Some(t) = f.notice_type {
                        q.push(" AND notice_type = ").push_bind(t.as_str());
                    }
                    if let Some(until) = &f.review_until {
                        q.push(" AND status NOT IN ('cancelled', 'expired') AND review_by <= ")
                            .push_bind(tocsin_core::record::format_date(until));
                    }
                    if let Some(after) = &f.after {
                        q.push(" AND id > ").push_bind(after.to_string());
                    }
                    q.push(" ORDER BY id LIMIT ").push_bind(i64::from(f.limit));
                    let rows = q.build().fetch_all(&self.pool).await?;
                    rows.iter().map(notice_from_row).collect()
                }
            }

            pub(super) async fn replace_notice<'e, E>(db: E, n: &Notice, expected: u64) -> Result<bool, StoreError>
            where
                E: sqlx::Executor<'e, Database = $db>,
            {
                let done = sqlx::query(
                    "UPDATE notices SET status = $1, version = $2, updated_at = $3, review_by = $4, body = $5, \
                     changed = (SELECT COALESCE(MAX(changed), 0) + 1 FROM notices) WHERE id = $6 AND version = $7",
                )
                .bind(n.status.as_str())
                .bind(i64_of(n.version))
                .bind(ts(&n.updated_at)?)
                .bind(tocsin_core::record::format_date(&n.review_by))
                .bind(notice_json(n)?)
                .bind(n.id.to_string())
                .bind(i64_of(expected))
                .execute(db)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            fn notice_from_row(row: &$row) -> Result<Notice, StoreError> {
                from_json("notice", &row.text("body")?)
            }

            /// Inserts `new` and replaces each of `changed` at its expected version.
            pub(super) async fn write(
                tx: &mut sqlx::Transaction<'_, $db>,
                new: &[Notice],
                changed: &[(Notice, u64)],
            ) -> Result<(), StoreError> {
                for n in new {
                    sqlx::query(
                        "INSERT INTO notices (id, owner, notice_type, status, version, updated_at, review_by, body, changed) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, (SELECT COALESCE(MAX(changed), 0) + 1 FROM notices))",
                    )
                    .bind(n.id.to_string())
                    .bind(n.owner.as_str())
                    .bind(n.notice_type.as_str())
                    .bind(n.status.as_str())
                    .bind(i64_of(n.version))
                    .bind(ts(&n.updated_at)?)
                    .bind(tocsin_core::record::format_date(&n.review_by))
                    .bind(notice_json(n)?)
                    .execute(&mut **tx)
                    .await
                    .map_err(|e| match is_unique_violation(&e) {
                        true => StoreError::AlreadyExists(format!("notice {}", n.id)),
                        false => e.into(),
                    })?;
                }
                for (n, expected) in changed {
                    if !replace_notice(&mut **tx, n, *expected).await? {
                        let version = "SELECT version FROM notices WHERE id = $1";
                        return Err(super::commit::stale(tx, version, &format!("notice {}", n.id), *expected).await);
                    }
                }
                Ok(())
            }

            /// Records the reminders sent, so none is sent twice.
            pub(super) async fn insert_reminders(
                tx: &mut sqlx::Transaction<'_, $db>,
                reminders: &[(String, time::Date)],
            ) -> Result<(), StoreError> {
                for chunk in reminders.chunks(INSERT_CHUNK) {
                    let mut q: QueryBuilder<$db> = QueryBuilder::new("INSERT INTO reminders (item, review_by) ");
                    q.push_values(chunk, |mut b, (item, date)| {
                        b.push_bind(item.clone()).push_bind(tocsin_core::record::format_date(date));
                    });
                    q.push(" ON CONFLICT DO NOTHING");
                    q.build().execute(&mut **tx).await?;
                }
                Ok(())
            }
        }
    };
}
pub(crate) use notices;
