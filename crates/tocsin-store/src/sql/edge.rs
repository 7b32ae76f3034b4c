//! Edge rows in SQL: upstream (edges, their versions, holdings, shipped
//! audit) and on an edge (its copy's state, notices, the copy applied).

/// Implements [`EdgeBackend`](crate::EdgeBackend) for a SQL backend.
macro_rules! edge {
    ($backend:ident, $db:ty, $row:ty) => {
        mod edge {
            use async_trait::async_trait;
            use sqlx::QueryBuilder;
            use tocsin_audit::Entry;
            use tocsin_core::AgencyCode;
            use tocsin_core::record::{Record, RecordId};

            use super::{INSERT_CHUNK, erase_freed};
            use crate::StoreError;
            use crate::edge_backend::{EdgeBackend, EdgeIssue, EdgeRow, EdgeVersion, ReplicaApply};
            use crate::sql::{Columns, corrupt, entry_from_row, i64_of, parse_ts, record_from_row, ts, u64_of};

            fn edge_from_row(r: &$row) -> Result<EdgeRow, StoreError> {
                Ok(EdgeRow {
                    agency: AgencyCode::parse(&r.text("agency")?).map_err(corrupt("edge agency"))?,
                    name: r.text("name")?,
                    issued: u64_of(r.int("issued")?)?,
                    confirmed: u64_of(r.int("confirmed")?)?,
                    confirmed_at: r.opt_text("confirmed_at")?.map(|t| parse_ts(&t)).transpose()?,
                    seen_at: parse_ts(&r.text("seen_at")?)?,
                    created_at: parse_ts(&r.text("created_at")?)?,
                })
            }

            fn record_id(s: &str) -> Result<RecordId, StoreError> {
                s.parse().map_err(|_| StoreError::Corrupt(format!("record id `{s}`")))
            }

            #[async_trait]
            impl EdgeBackend for super::$backend {
                async fn edge(&self, agency: &AgencyCode, name: &str) -> Result<Option<EdgeRow>, StoreError> {
                    let row = sqlx::query("SELECT * FROM edges WHERE agency = $1 AND name = $2")
                        .bind(agency.as_str())
                        .bind(name)
                        .fetch_optional(&self.pool)
                        .await?;
                    row.as_ref().map(edge_from_row).transpose()
                }

                async fn edges(&self, agency: Option<&AgencyCode>) -> Result<Vec<EdgeRow>, StoreError> {
                    let rows = match agency {
                        Some(a) => {
                            sqlx::query("SELECT * FROM edges WHERE agency = $1 ORDER BY agency, name")
                                .bind(a.as_str())
                                .fetch_all(&self.pool)
                                .await?
                        }
                        None => sqlx::query("SELECT * FROM edges ORDER BY agency, name").fetch_all(&self.pool).await?,
                    };
                    rows.iter().map(edge_from_row).collect()
                }

                async fn edge_version(
                    &self,
                    agency: &AgencyCode,
                    name: &str,
                    version: u64,
                ) -> Result<Option<EdgeVersion>, StoreError> {
                    let row = sqlx::query("SELECT * FROM edge_versions WHERE agency = $1 AND name = $2 AND version = $3")
                        .bind(agency.as_str())
                        .bind(name)
                        .bind(i64_of(version))
                        .fetch_optional(&self.pool)
                        .await?;
                    row.map(|r| {
                        Ok(EdgeVersion {
                            version: u64_of(r.int("version")?)?,
                            hash: r.text("hash")?,
                            generated_at: parse_ts(&r.text("generated_at")?)?,
                            records_mark: u64_of(r.int("records_mark")?)?,
                            notices_mark: u64_of(r.int("notices_mark")?)?,
                        })
                    })
                    .transpose()
                }

                async fn edge_held(
                    &self,
                    agency: &AgencyCode,
                    name: &str,
                    version: u64,
                    ids: &[RecordId],
                ) -> Result<Vec<(RecordId, u64)>, StoreError> {
                    let mut held = Vec::new();
                    for chunk in ids.chunks(INSERT_CHUNK * 4) {
                        let mut q: QueryBuilder<$db> = QueryBuilder::new(
                            "SELECT record_id, record_version FROM edge_holdings WHERE agency = ",
                        );
                        q.push_bind(agency.as_str().to_owned());
                        q.push(" AND name = ");
                        q.push_bind(name.to_owned());
                        q.push(" AND since <= ");
                        q.push_bind(i64_of(version));
                        q.push(" AND (until IS NULL OR until > ");
                        q.push_bind(i64_of(version));
                        q.push(") AND record_id IN (");
                        let mut list = q.separated(", ");
                        for id in chunk {
                            list.push_bind(id.to_string());
                        }
                        q.push(")");
                        for r in q.build().fetch_all(&self.pool).await? {
                            held.push((record_id(&r.text("record_id")?)?, u64_of(r.int("record_version")?)?));
                        }
                    }
                    Ok(held)
                }

                async fn records_changed(
                    &self,
                    from: u64,
                    after: Option<(u64, RecordId)>,
                    limit: u32,
                ) -> Result<Vec<(u64, Record)>, StoreError> {
                    // The range on `changed` starts at the last page's number, so
                    // the index is read from there, not from `from` each time.
                    let lower = after.map_or(from, |(change, _)| change.max(from));
                    // Only the columns a record is made of: every value read costs a
                    // copy through the driver, and a snapshot reads millions.
                    let mut q: QueryBuilder<$db> = QueryBuilder::new(
                        "SELECT id, owner, version, state, created_at, updated_at, body, changed FROM records WHERE changed >= ",
                    );
                    q.push_bind(i64_of(lower));
                    if let Some((change, id)) = after {
                        q.push(" AND (changed > ");
                        q.push_bind(i64_of(change));
                        q.push(" OR id > ");
                        q.push_bind(id.to_string());
                        q.push(")");
                    }
                    q.push(" ORDER BY changed, id LIMIT ");
                    q.push_bind(i64::from(limit));
                    let rows = q.build().fetch_all(&self.pool).await?;
                    rows.iter().map(|r| Ok((u64_of(r.int("changed")?)?, record_from_row(r)?))).collect()
                }

                async fn count_changed(&self, from: u64) -> Result<u64, StoreError> {
                    u64_of(
                        sqlx::query_scalar("SELECT count(*) FROM records WHERE changed >= $1")
                            .bind(i64_of(from))
                            .fetch_one(&self.pool)
                            .await?,
                    )
                }

                async fn change_marks(&self) -> Result<(u64, u64), StoreError> {
                    let records: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(changed), 0) FROM records")
                        .fetch_one(&self.pool)
                        .await?;
                    let notices: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(changed), 0) FROM notices")
                        .fetch_one(&self.pool)
                        .await?;
                    Ok((u64_of(records)?, u64_of(notices)?))
                }

                async fn notice_records_changed(&self, from: u64) -> Result<Vec<RecordId>, StoreError> {
                    let rows = sqlx::query("SELECT body FROM notices WHERE changed >= $1")
                        .bind(i64_of(from))
                        .fetch_all(&self.pool)
                        .await?;
                    let mut ids = Vec::new();
                    for r in rows {
                        let n: tocsin_core::notice::Notice = crate::sql::from_json("notice", &r.text("body")?)?;
                        ids.extend(n.content.record_ids);
                    }
                    ids.sort_unstable();
                    ids.dedup();
                    Ok(ids)
                }

                async fn edge_audit(
                    &self,
                    agency: &AgencyCode,
                    name: &str,
                    after: u64,
                    limit: u32,
                ) -> Result<Vec<(Entry, bool)>, StoreError> {
                    let rows = sqlx::query(
                        "SELECT * FROM edge_audit WHERE edge_agency = $1 AND edge_name = $2 AND seq > $3 ORDER BY seq LIMIT $4",
                    )
                    .bind(agency.as_str())
                    .bind(name)
                    .bind(i64_of(after))
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter().map(|r| Ok((entry_from_row(r)?, r.int("handled")? != 0))).collect()
                }

                async fn edge_unhandled(
                    &self,
                    agency: &AgencyCode,
                    name: &str,
                    limit: u32,
                ) -> Result<Vec<Entry>, StoreError> {
                    let rows = sqlx::query(
                        "SELECT * FROM edge_audit WHERE edge_agency = $1 AND edge_name = $2 AND handled = 0 \
                         AND action = 'screen' AND outcome = 'ok' ORDER BY seq LIMIT $3",
                    )
                    .bind(agency.as_str())
                    .bind(name)
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter().map(entry_from_row).collect()
                }

                async fn edge_audit_head(
                    &self,
                    agency: &AgencyCode,
                    name: &str,
                ) -> Result<Option<(u64, String)>, StoreError> {
                    let row = sqlx::query(
                        "SELECT seq, hash FROM edge_audit WHERE edge_agency = $1 AND edge_name = $2 ORDER BY seq DESC LIMIT 1",
                    )
                    .bind(agency.as_str())
                    .bind(name)
                    .fetch_optional(&self.pool)
                    .await?;
                    row.map(|r| Ok((u64_of(r.int("seq")?)?, r.text("hash")?))).transpose()
                }

                async fn replica_state(&self) -> Result<Option<String>, StoreError> {
                    Ok(sqlx::query_scalar("SELECT body FROM replica_state WHERE id = 1")
                        .fetch_optional(&self.pool)
                        .await?)
                }

                async fn replica_notices(&self) -> Result<Vec<(RecordId, String)>, StoreError> {
                    let rows = sqlx::query("SELECT record_id, briefs FROM replica_notices").fetch_all(&self.pool).await?;
                    rows.iter().map(|r| Ok((record_id(&r.text("record_id")?)?, r.text("briefs")?))).collect()
                }

                async fn erase_freed(&self) -> Result<(), StoreError> {
                    erase_freed(&self.pool).await
                }
            }

            /// Records an issued version and what it changed in the edge's
            /// holdings (see [`EdgeIssue`]).
            pub(super) async fn issue(tx: &mut sqlx::Transaction<'_, $db>, i: &EdgeIssue) -> Result<(), StoreError> {
                let (a, n, base, version) = (i.agency.as_str(), i.name.as_str(), i64_of(i.base), i64_of(i.version.version));
                let issued: Option<i64> = sqlx::query_scalar("SELECT issued FROM edges WHERE agency = $1 AND name = $2")
                    .bind(a)
                    .bind(n)
                    .fetch_optional(&mut **tx)
                    .await?;
                // Versions issued after the one the edge holds never arrived:
                // forget what they added and took away.
                if issued.is_some_and(|issued| issued > base) {
                    sqlx::query("DELETE FROM edge_holdings WHERE agency = $1 AND name = $2 AND since > $3")
                        .bind(a)
                        .bind(n)
                        .bind(base)
                        .execute(&mut **tx)
                        .await?;
                    sqlx::query("UPDATE edge_holdings SET until = NULL WHERE agency = $1 AND name = $2 AND until > $3")
                        .bind(a)
                        .bind(n)
                        .bind(base)
                        .execute(&mut **tx)
                        .await?;
                }
                // What the edge confirmed it deleted is no longer anyone's.
                sqlx::query("DELETE FROM edge_holdings WHERE agency = $1 AND name = $2 AND until IS NOT NULL AND until <= $3")
                    .bind(a)
                    .bind(n)
                    .bind(base)
                    .execute(&mut **tx)
                    .await?;
                sqlx::query("DELETE FROM edge_versions WHERE agency = $1 AND name = $2 AND version <> $3")
                    .bind(a)
                    .bind(n)
                    .bind(base)
                    .execute(&mut **tx)
                    .await?;
                let v = &i.version;
                sqlx::query(
                    "INSERT INTO edge_versions (agency, name, version, hash, generated_at, records_mark, notices_mark) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(a)
                .bind(n)
                .bind(version)
                .bind(&v.hash)
                .bind(ts(&v.generated_at)?)
                .bind(i64_of(v.records_mark))
                .bind(i64_of(v.notices_mark))
                .execute(&mut **tx)
                .await?;
                if i.full {
                    sqlx::query("UPDATE edge_holdings SET until = $3 WHERE agency = $1 AND name = $2 AND until IS NULL")
                        .bind(a)
                        .bind(n)
                        .bind(version)
                        .execute(&mut **tx)
                        .await?;
                } else {
                    let closing: Vec<String> =
                        i.gone.iter().chain(i.put.iter().map(|(id, _)| id)).map(ToString::to_string).collect();
                    for chunk in closing.chunks(INSERT_CHUNK * 4) {
                        let mut q: QueryBuilder<$db> = QueryBuilder::new("UPDATE edge_holdings SET until = ");
                        q.push_bind(version);
                        q.push(" WHERE agency = ");
                        q.push_bind(a.to_owned());
                        q.push(" AND name = ");
                        q.push_bind(n.to_owned());
                        q.push(" AND until IS NULL AND record_id IN (");
                        let mut list = q.separated(", ");
                        for id in chunk {
                            list.push_bind(id.clone());
                        }
                        q.push(")");
                        q.build().execute(&mut **tx).await?;
                    }
                }
                for chunk in i.put.chunks(INSERT_CHUNK * 2) {
                    let mut q: QueryBuilder<$db> = QueryBuilder::new(
                        "INSERT INTO edge_holdings (agency, name, record_id, record_version, since) ",
                    );
                    q.push_values(chunk, |mut b, (id, record_version)| {
                        b.push_bind(a.to_owned())
                            .push_bind(n.to_owned())
                            .push_bind(id.to_string())
                            .push_bind(i64_of(*record_version))
                            .push_bind(version);
                    });
                    q.build().execute(&mut **tx).await?;
                }
                let confirmed_at: Option<String> = sqlx::query_scalar(
                    "SELECT generated_at FROM edge_versions WHERE agency = $1 AND name = $2 AND version = $3",
                )
                .bind(a)
                .bind(n)
                .bind(base)
                .fetch_optional(&mut **tx)
                .await?;
                sqlx::query(
                    "INSERT INTO edges (agency, name, issued, confirmed, confirmed_at, seen_at, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $6) \
                     ON CONFLICT(agency, name) DO UPDATE SET issued = excluded.issued, confirmed = excluded.confirmed, \
                     confirmed_at = excluded.confirmed_at, seen_at = excluded.seen_at",
                )
                .bind(a)
                .bind(n)
                .bind(version)
                .bind(base)
                .bind(confirmed_at)
                .bind(ts(&i.at)?)
                .execute(&mut **tx)
                .await?;
                Ok(())
            }

            /// Appends the entries an edge shipped (one already there is
            /// left as it was: the caller checked it is the same).
            pub(super) async fn ship(
                tx: &mut sqlx::Transaction<'_, $db>,
                agency: &AgencyCode,
                name: &str,
                entries: &[Entry],
            ) -> Result<(), StoreError> {
                for chunk in entries.chunks(INSERT_CHUNK) {
                    let objects = chunk
                        .iter()
                        .map(|e| {
                            let objects = serde_json::to_string(&e.draft.objects)
                                .map_err(|e| StoreError::Internal(format!("audit objects: {e}")))?;
                            Ok((ts(&e.draft.time)?, objects))
                        })
                        .collect::<Result<Vec<_>, StoreError>>()?;
                    let mut q: QueryBuilder<$db> = QueryBuilder::new(
                        "INSERT INTO edge_audit (edge_agency, edge_name, seq, time, agency, user_name, role, action, objects, outcome, purpose, prev_hash, hash) ",
                    );
                    q.push_values(chunk.iter().zip(objects), |mut b, (e, (time, objects))| {
                        let d = &e.draft;
                        b.push_bind(agency.as_str().to_owned())
                            .push_bind(name.to_owned())
                            .push_bind(i64_of(e.seq))
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
                    q.push(" ON CONFLICT DO NOTHING");
                    q.build().execute(&mut **tx).await?;
                }
                Ok(())
            }

            /// Marks a shipped entry handled: whether it was not yet.
            pub(super) async fn handled(
                tx: &mut sqlx::Transaction<'_, $db>,
                agency: &AgencyCode,
                name: &str,
                seq: u64,
            ) -> Result<bool, StoreError> {
                let r = sqlx::query(
                    "UPDATE edge_audit SET handled = 1 WHERE edge_agency = $1 AND edge_name = $2 AND seq = $3 AND handled = 0",
                )
                .bind(agency.as_str())
                .bind(name)
                .bind(i64_of(seq))
                .execute(&mut **tx)
                .await?;
                Ok(r.rows_affected() == 1)
            }

            /// Applies a verified sync version to an edge's own store.
            pub(super) async fn replica(tx: &mut sqlx::Transaction<'_, $db>, r: &ReplicaApply) -> Result<(), StoreError> {
                if r.full {
                    sqlx::query("DELETE FROM records").execute(&mut **tx).await?;
                    sqlx::query("DELETE FROM replica_notices").execute(&mut **tx).await?;
                }
                for a in &r.agencies {
                    sqlx::query("INSERT INTO agencies (code, name, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
                        .bind(a.code.as_str())
                        .bind(&a.name)
                        .bind(ts(&a.created_at)?)
                        .execute(&mut **tx)
                        .await?;
                }
                if let Some((code, settings)) = &r.settings {
                    super::agencies::put_settings(tx, code, settings).await?;
                }
                for t in &r.tokens {
                    sqlx::query(
                        "INSERT INTO tokens (id, hash, agency, role, user_name, created_at, expires_at, revoked_at, clearance) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                         ON CONFLICT(id) DO UPDATE SET expires_at = excluded.expires_at, revoked_at = excluded.revoked_at, \
                         clearance = excluded.clearance",
                    )
                    .bind(&t.id)
                    .bind(&t.hash)
                    .bind(t.agency.as_str())
                    .bind(t.role.as_str())
                    .bind(&t.user)
                    .bind(ts(&t.created_at)?)
                    .bind(t.expires_at.as_ref().map(ts).transpose()?)
                    .bind(t.revoked_at.as_ref().map(ts).transpose()?)
                    .bind(t.clearance.as_str())
                    .execute(&mut **tx)
                    .await?;
                }
                for chunk in r.delete.chunks(INSERT_CHUNK * 4) {
                    for table in ["DELETE FROM records WHERE id IN (", "DELETE FROM replica_notices WHERE record_id IN ("] {
                        let mut q: QueryBuilder<$db> = QueryBuilder::new(table);
                        let mut list = q.separated(", ");
                        for id in chunk {
                            list.push_bind(id.to_string());
                        }
                        q.push(")");
                        q.build().execute(&mut **tx).await?;
                    }
                }
                if !r.full {
                    for chunk in r.put.chunks(INSERT_CHUNK * 4) {
                        let mut q: QueryBuilder<$db> = QueryBuilder::new("DELETE FROM records WHERE id IN (");
                        let mut list = q.separated(", ");
                        for rec in chunk {
                            list.push_bind(rec.id.to_string());
                        }
                        q.push(")");
                        q.build().execute(&mut **tx).await?;
                    }
                }
                let put: &[Record] = &r.put;
                for chunk in put.chunks(INSERT_CHUNK) {
                    super::records::insert_chunk(tx, chunk).await?;
                }
                for (id, briefs) in &r.notices {
                    match briefs.as_str() {
                        "[]" => {
                            sqlx::query("DELETE FROM replica_notices WHERE record_id = $1")
                                .bind(id.to_string())
                                .execute(&mut **tx)
                                .await?;
                        }
                        _ => {
                            sqlx::query(
                                "INSERT INTO replica_notices (record_id, briefs) VALUES ($1, $2) \
                                 ON CONFLICT(record_id) DO UPDATE SET briefs = excluded.briefs",
                            )
                            .bind(id.to_string())
                            .bind(briefs)
                            .execute(&mut **tx)
                            .await?;
                        }
                    }
                }
                sqlx::query(
                    "INSERT INTO replica_state (id, body) VALUES (1, $1) ON CONFLICT(id) DO UPDATE SET body = excluded.body",
                )
                .bind(&r.state)
                .execute(&mut **tx)
                .await?;
                Ok(())
            }
        }
    };
}
pub(crate) use edge;
