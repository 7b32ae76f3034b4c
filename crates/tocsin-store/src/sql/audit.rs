//! The audit chain in SQL, and the writes that must be durable with it.

/// Implements [`AuditBackend`](crate::backend::AuditBackend) for a SQL backend.
macro_rules! audit {
    ($backend:ident, $db:ty, $row:ty) => {
        mod audit {
            use async_trait::async_trait;
            use sqlx::QueryBuilder;
            use tocsin_audit::{Draft, Entry, Head};
            use tocsin_core::event::Event;

            use super::{INSERT_CHUNK, audit_pool, write_tx};
            use crate::StoreError;
            use crate::backend::{AuditBackend, AuditFilter, AuditScope, AuditViewQuery, Effects};
            use crate::sql::{Columns, entry_from_row, head_of, i64_of, ts, u64_of};

            #[async_trait]
            impl AuditBackend for super::$backend {
                async fn append_batch(&self, drafts: Vec<Draft>, effects: Effects) -> Result<(Vec<Entry>, Vec<Event>), StoreError> {
                    let mut tx = write_tx(self, audit_pool(self)).await?;
                    let written = append_in(&mut tx, drafts, effects).await?;
                    tx.commit().await?;
                    Ok(written)
                }

                async fn audit_entries(&self, f: &AuditFilter) -> Result<Vec<Entry>, StoreError> {
                    let mut q: QueryBuilder<$db> = QueryBuilder::new("SELECT audit.* FROM audit");
                    if let Some(object) = &f.object {
                        q.push(" JOIN audit_objects ON audit_objects.seq = audit.seq AND audit_objects.object = ")
                            .push_bind(object.clone());
                    }
                    q.push(" WHERE audit.seq > ").push_bind(i64_of(f.after_seq));
                    if let Some(agency) = &f.agency {
                        q.push(" AND audit.agency = ").push_bind(agency.as_str().to_owned());
                    }
                    q.push(" ORDER BY audit.seq LIMIT ").push_bind(i64::from(f.limit));
                    let rows = q.build().fetch_all(&self.pool).await?;
                    rows.iter().map(entry_from_row).collect()
                }

                async fn audit_view(&self, query: &AuditViewQuery) -> Result<Vec<(u64, Entry)>, StoreError> {
                    let mut q: QueryBuilder<$db> = QueryBuilder::new("");
                    match &query.scope {
                        AuditScope::Agency(agency) => {
                            q.push("SELECT audit.*, audit.number AS view_number FROM audit WHERE audit.agency = ")
                                .push_bind(agency.as_str().to_owned())
                                .push(" AND audit.number > ")
                                .push_bind(i64_of(query.after))
                                .push(" ORDER BY audit.number");
                        }
                        AuditScope::Object { object, agency } => {
                            q.push(
                                "SELECT * FROM (SELECT audit.*, ROW_NUMBER() OVER (ORDER BY audit.seq) AS view_number \
                                 FROM audit JOIN audit_objects o ON o.seq = audit.seq AND o.object = ",
                            )
                            .push_bind(object.clone());
                            if let Some(agency) = agency {
                                q.push(" WHERE audit.agency = ").push_bind(agency.as_str().to_owned());
                            }
                            q.push(") v WHERE view_number > ").push_bind(i64_of(query.after)).push(" ORDER BY view_number");
                        }
                    }
                    q.push(" LIMIT ").push_bind(i64::from(query.limit));
                    let rows = q.build().fetch_all(&self.pool).await?;
                    rows.iter().map(|r| Ok((u64_of(r.int("view_number")?)?, entry_from_row(r)?))).collect()
                }

                async fn audit_head(&self) -> Result<Head, StoreError> {
                    head_of(sqlx::query("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetch_optional(&self.pool).await?)
                }
            }

            /// Appends audit entries after the chain's head (read inside the
            /// transaction, which holds the write lock, so two writers never
            /// fork the chain), with the hits, reminders and events that must be
            /// durable with them.
            pub(super) async fn append_in(
                tx: &mut sqlx::Transaction<'_, $db>,
                drafts: Vec<Draft>,
                effects: Effects,
            ) -> Result<(Vec<Entry>, Vec<Event>), StoreError> {
                super::hits::insert_hit_rows(tx, &effects.hits).await?;
                super::notices::insert_reminders(tx, &effects.reminders).await?;
                let events = super::events::insert_event_rows(tx, effects.events).await?;
                if drafts.is_empty() {
                    return Ok((vec![], events));
                }
                let mut head = head_of(
                    sqlx::query("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetch_optional(&mut **tx).await?,
                )?;
                let entries: Vec<Entry> = drafts.into_iter().map(|d| head.append(d)).collect();
                let numbers = agency_numbers(tx, &entries).await?;
                for (chunk, numbers) in entries.chunks(INSERT_CHUNK).zip(numbers.chunks(INSERT_CHUNK)) {
                    let objects = chunk
                        .iter()
                        .map(|e| {
                            let objects = serde_json::to_string(&e.draft.objects)
                                .map_err(|err| StoreError::Internal(format!("audit objects: {err}")))?;
                            Ok((ts(&e.draft.time)?, objects))
                        })
                        .collect::<Result<Vec<_>, StoreError>>()?;
                    let mut q: QueryBuilder<$db> = QueryBuilder::new(
                        "INSERT INTO audit (seq, number, time, agency, user_name, role, action, objects, outcome, purpose, prev_hash, hash) ",
                    );
                    q.push_values(chunk.iter().zip(objects).zip(numbers), |mut b, ((e, (time, objects)), number)| {
                        let d = &e.draft;
                        b.push_bind(i64_of(e.seq))
                            .push_bind(i64_of(*number))
                            .push_bind(time)
                            .push_bind(d.agency.clone())
                            .push_bind(d.user.clone())
                            .push_bind(d.role.clone())
                            .push_bind(d.action.clone())
                            .push_bind(objects)
                            .push_bind(d.outcome.as_str())
                            .push_bind(d.purpose.clone())
                            .push_bind(tocsin_audit::to_hex(&e.prev_hash))
                            .push_bind(tocsin_audit::to_hex(&e.hash));
                    });
                    q.build().execute(&mut **tx).await?;
                }
                // Objects are indexed for the views by object (a record's
                // entries); what a screening searched (`query:…`) is no object
                // anyone looks up, and would add a row to every screening.
                let links: Vec<(&str, u64)> = entries
                    .iter()
                    .flat_map(|e| e.draft.objects.iter().map(move |o| (o.as_str(), e.seq)))
                    .filter(|(o, _)| !o.starts_with("query:"))
                    .collect();
                for chunk in links.chunks(INSERT_CHUNK * 4) {
                    let mut q: QueryBuilder<$db> = QueryBuilder::new("INSERT INTO audit_objects (object, seq) ");
                    q.push_values(chunk, |mut b, (o, seq)| {
                        b.push_bind(o.to_string()).push_bind(i64_of(*seq));
                    });
                    q.push(" ON CONFLICT DO NOTHING");
                    q.build().execute(&mut **tx).await?;
                }
                Ok((entries, events))
            }

            /// Each entry's number in its acting agency's own count (after the
            /// agency's last), read inside the append's transaction.
            pub(super) async fn agency_numbers(tx: &mut sqlx::Transaction<'_, $db>, entries: &[Entry]) -> Result<Vec<u64>, StoreError> {
                let mut next: Vec<(&str, u64)> = Vec::new();
                let mut numbers = Vec::with_capacity(entries.len());
                for e in entries {
                    let agency = e.draft.agency.as_str();
                    let i = match next.iter().position(|(a, _)| *a == agency) {
                        Some(i) => i,
                        None => {
                            let last: Option<i64> = sqlx::query_scalar("SELECT max(number) FROM audit WHERE agency = $1")
                                .bind(agency)
                                .fetch_one(&mut **tx)
                                .await?;
                            next.push((agency, u64_of(last.unwrap_or(0))?));
                            next.len() - 1
                        }
                    };
                    next[i].1 += 1;
                    numbers.push(next[i].1);
                }
                Ok(numbers)
            }
        }
    };
}
pub(crate) use audit;
