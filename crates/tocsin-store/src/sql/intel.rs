//! The threat-intelligence hub's rows in SQL.

/// Implements [`IntelBackend`](crate::IntelBackend) for a SQL backend.
macro_rules! intel {
    ($backend:ident, $db:ty, $row:ty) => {
        mod intel {
            use async_trait::async_trait;
            use sqlx::QueryBuilder;
            use time::OffsetDateTime;
            use tocsin_core::AgencyCode;

            use super::INSERT_CHUNK;
            use crate::StoreError;
            use crate::intel_backend::{IntelBackend, IntelCollection, IntelQuery, IntelVersion};
            use crate::sql::{Columns, corrupt, from_json, i64_of, is_unique_violation, ts, u64_of};

            const COLUMNS: &str = "seq, collection, id, version, type, owner, tlp, added_us, body, warnings";

            fn version_from_row(r: &$row) -> Result<IntelVersion, StoreError> {
                Ok(IntelVersion {
                    seq: u64_of(r.int("seq")?)?,
                    collection: r.text("collection")?,
                    id: r.text("id")?,
                    version: r.text("version")?,
                    kind: r.text("type")?,
                    owner: AgencyCode::parse(&r.text("owner")?).map_err(corrupt("intel owner"))?,
                    tlp: r.opt_text("tlp")?,
                    added_us: r.int("added_us")?,
                    body: r.text("body")?,
                    warnings: from_json("intel warnings", &r.text("warnings")?)?,
                    observables: vec![],
                })
            }

            #[async_trait]
            impl IntelBackend for super::$backend {
                async fn intel_collections(&self) -> Result<Vec<IntelCollection>, StoreError> {
                    let rows = sqlx::query("SELECT body FROM intel_collections ORDER BY created_at, id")
                        .fetch_all(&self.pool)
                        .await?;
                    rows.iter().map(|r| from_json("intel collection", &r.text("body")?)).collect()
                }

                async fn intel_page(&self, q: &IntelQuery) -> Result<Vec<IntelVersion>, StoreError> {
                    let mut b: QueryBuilder<$db> = QueryBuilder::new("SELECT ");
                    b.push(COLUMNS);
                    b.push(" FROM intel_objects o WHERE deleted_at IS NULL AND collection = ");
                    b.push_bind(q.collection.clone());
                    if let Some(after) = q.added_after_us {
                        b.push(" AND added_us > ");
                        b.push_bind(after);
                    }
                    if let Some((added, seq)) = q.after {
                        b.push(" AND (added_us > ");
                        b.push_bind(added);
                        b.push(" OR (added_us = ");
                        b.push_bind(added);
                        b.push(" AND seq > ");
                        b.push_bind(i64_of(seq));
                        b.push("))");
                    }
                    if let Some((viewer, levels)) = &q.restricted
                        && !levels.is_empty()
                    {
                        b.push(" AND (owner = ");
                        b.push_bind(viewer.as_str().to_owned());
                        b.push(" OR tlp IS NULL OR tlp NOT IN (");
                        let mut items = b.separated(", ");
                        for level in levels {
                            items.push_bind(level.clone());
                        }
                        b.push("))");
                    }
                    for (column, list) in [("id", &q.ids), ("type", &q.types)] {
                        if !list.is_empty() {
                            b.push(format_args!(" AND {column} IN ("));
                            let mut items = b.separated(", ");
                            for item in list {
                                items.push_bind(item.clone());
                            }
                            b.push(")");
                        }
                    }
                    let v = &q.versions;
                    if !v.all {
                        // The object's last (MAX) or first (MIN) live version.
                        let edge = |f: &str| {
                            format!(
                                "version = (SELECT {f}(w.version) FROM intel_objects w \
                                 WHERE w.collection = o.collection AND w.owner = o.owner AND w.id = o.id \
                                 AND w.deleted_at IS NULL)"
                            )
                        };
                        let any: Vec<String> = [(v.last, "MAX"), (v.first, "MIN")]
                            .into_iter()
                            .filter_map(|(wanted, f)| wanted.then(|| edge(f)))
                            .collect();
                        b.push(" AND (");
                        b.push(if any.is_empty() { "FALSE".to_owned() } else { any.join(" OR ") });
                        if !v.exact.is_empty() {
                            b.push(" OR version IN (");
                            let mut items = b.separated(", ");
                            for item in &v.exact {
                                items.push_bind(item.clone());
                            }
                            b.push(")");
                        }
                        b.push(")");
                    }
                    b.push(" ORDER BY added_us, seq LIMIT ");
                    b.push_bind(i64::from(q.limit));
                    let rows = b.build().fetch_all(&self.pool).await?;
                    rows.iter().map(version_from_row).collect()
                }

                async fn intel_by_seq(&self, seqs: &[u64]) -> Result<Vec<IntelVersion>, StoreError> {
                    let mut out = Vec::with_capacity(seqs.len());
                    for chunk in seqs.chunks(INSERT_CHUNK) {
                        let mut b: QueryBuilder<$db> = QueryBuilder::new("SELECT ");
                        b.push(COLUMNS);
                        b.push(" FROM intel_objects WHERE deleted_at IS NULL AND seq IN (");
                        let mut items = b.separated(", ");
                        for s in chunk {
                            items.push_bind(i64_of(*s));
                        }
                        b.push(")");
                        for row in b.build().fetch_all(&self.pool).await? {
                            out.push(version_from_row(&row)?);
                        }
                    }
                    out.sort_by_key(|v| v.seq);
                    Ok(out)
                }

                async fn intel_observables(
                    &self,
                    after_seq: u64,
                    limit: u32,
                ) -> Result<Vec<(u64, String, String)>, StoreError> {
                    let rows = sqlx::query(
                        "SELECT v.seq AS seq, v.kind AS kind, v.value AS value FROM intel_observables v \
                         JOIN intel_objects o ON o.seq = v.seq \
                         WHERE v.seq > $1 AND o.deleted_at IS NULL ORDER BY v.seq, v.kind, v.value LIMIT $2",
                    )
                    .bind(i64_of(after_seq))
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter().map(|r| Ok((u64_of(r.int("seq")?)?, r.text("kind")?, r.text("value")?))).collect()
                }

                async fn intel_stating(
                    &self,
                    observables: &[(String, String)],
                ) -> Result<Vec<(u64, String, String)>, StoreError> {
                    let mut out = vec![];
                    // Each pair a probe of the (kind, value, seq) key.
                    for chunk in observables.chunks(INSERT_CHUNK / 2) {
                        let mut b: QueryBuilder<$db> = QueryBuilder::new(
                            "SELECT v.seq AS seq, v.kind AS kind, v.value AS value FROM intel_observables v \
                             JOIN intel_objects o ON o.seq = v.seq WHERE o.deleted_at IS NULL AND (",
                        );
                        for (i, (kind, value)) in chunk.iter().enumerate() {
                            if i > 0 {
                                b.push(" OR ");
                            }
                            b.push("(v.kind = ");
                            b.push_bind(kind.clone());
                            b.push(" AND v.value = ");
                            b.push_bind(value.clone());
                            b.push(")");
                        }
                        b.push(")");
                        for r in b.build().fetch_all(&self.pool).await? {
                            out.push((u64_of(r.int("seq")?)?, r.text("kind")?, r.text("value")?));
                        }
                    }
                    Ok(out)
                }

                async fn intel_latest(
                    &self,
                    collection: &str,
                    ids: &[String],
                ) -> Result<Vec<(AgencyCode, String, String)>, StoreError> {
                    let mut out = vec![];
                    for chunk in ids.chunks(INSERT_CHUNK) {
                        let mut b: QueryBuilder<$db> = QueryBuilder::new(
                            "SELECT owner, id, MAX(version) AS version FROM intel_objects \
                             WHERE deleted_at IS NULL AND collection = ",
                        );
                        b.push_bind(collection.to_owned());
                        b.push(" AND id IN (");
                        let mut items = b.separated(", ");
                        for id in chunk {
                            items.push_bind(id.clone());
                        }
                        b.push(") GROUP BY owner, id");
                        for r in b.build().fetch_all(&self.pool).await? {
                            let owner = AgencyCode::parse(&r.text("owner")?).map_err(corrupt("intel owner"))?;
                            out.push((owner, r.text("id")?, r.text("version")?));
                        }
                    }
                    Ok(out)
                }

                async fn intel_sightings(
                    &self,
                    agency: &AgencyCode,
                    limit: u32,
                ) -> Result<Vec<tocsin_core::event::Event>, StoreError> {
                    let rows = sqlx::query(
                        "SELECT seq, number, number_restricted, number_confidential, level, agency, time, kind, body \
                         FROM events WHERE agency = $1 AND kind = 'intel.sighting' ORDER BY seq DESC LIMIT $2",
                    )
                    .bind(agency.as_str())
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter().map(crate::sql::event_from_row).collect()
                }

                async fn intel_status(&self, id: &str) -> Result<Option<(AgencyCode, String)>, StoreError> {
                    let row = sqlx::query("SELECT agency, body FROM intel_statuses WHERE id = $1")
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await?;
                    row.map(|r| {
                        let agency = AgencyCode::parse(&r.text("agency")?).map_err(corrupt("status agency"))?;
                        Ok((agency, r.text("body")?))
                    })
                    .transpose()
                }
            }

            /// Stores a collection.
            pub(super) async fn insert_collection(
                tx: &mut sqlx::Transaction<'_, $db>,
                c: &IntelCollection,
            ) -> Result<(), StoreError> {
                let body =
                    serde_json::to_string(c).map_err(|e| StoreError::Internal(format!("collection {}: {e}", c.id)))?;
                let r =
                    sqlx::query("INSERT INTO intel_collections (id, alias, created_at, body) VALUES ($1, $2, $3, $4)")
                        .bind(&c.id)
                        .bind(&c.alias)
                        .bind(ts(&c.created_at)?)
                        .bind(body)
                        .execute(&mut **tx)
                        .await;
                match r {
                    Err(e) if is_unique_violation(&e) => {
                        Err(StoreError::AlreadyExists(format!("collection {} (its id or alias)", c.id)))
                    }
                    other => Ok(other.map(drop)?),
                }
            }

            /// Stores versions not already there, each numbered after the
            /// last and stamped with a microsecond after the last one's (the
            /// write lock is held, so both follow commit order).
            pub(super) async fn insert_versions(
                tx: &mut sqlx::Transaction<'_, $db>,
                versions: &[IntelVersion],
            ) -> Result<(), StoreError> {
                let (last_seq, last_added): (i64, i64) =
                    sqlx::query_as("SELECT COALESCE(MAX(seq), 0), COALESCE(MAX(added_us), 0) FROM intel_objects")
                        .fetch_one(&mut **tx)
                        .await?;
                let now = OffsetDateTime::now_utc();
                let now_us = i64::try_from(now.unix_timestamp_nanos() / 1000).unwrap_or(i64::MAX);
                // What is there already (an exact duplicate keeps its
                // number and time), then the rest written many rows a
                // statement: the write lock is held, nothing comes between.
                let mut present: std::collections::HashSet<(String, String, String, String)> =
                    std::collections::HashSet::new();
                let keys: Vec<(&String, &String)> = versions.iter().map(|v| (&v.collection, &v.id)).collect();
                for chunk in keys.chunks(INSERT_CHUNK) {
                    let mut b: QueryBuilder<$db> =
                        QueryBuilder::new("SELECT collection, owner, id, version FROM intel_objects WHERE ");
                    for (i, (collection, id)) in chunk.iter().enumerate() {
                        if i > 0 {
                            b.push(" OR ");
                        }
                        b.push("(collection = ");
                        b.push_bind((*collection).clone());
                        b.push(" AND id = ");
                        b.push_bind((*id).clone());
                        b.push(")");
                    }
                    for r in b.build().fetch_all(&mut **tx).await? {
                        present.insert((r.text("collection")?, r.text("owner")?, r.text("id")?, r.text("version")?));
                    }
                }
                let (mut seq, mut added) = (last_seq, now_us.max(last_added));
                let mut rows: Vec<(&IntelVersion, i64, i64, String)> = vec![];
                for v in versions {
                    let key = (v.collection.clone(), v.owner.as_str().to_owned(), v.id.clone(), v.version.clone());
                    if !present.insert(key) {
                        continue;
                    }
                    seq += 1;
                    added += 1;
                    let warnings = serde_json::to_string(&v.warnings)
                        .map_err(|e| StoreError::Internal(format!("warnings of {}: {e}", v.id)))?;
                    rows.push((v, seq, added, warnings));
                }
                let mut stated: Vec<(&String, &String, i64)> = vec![];
                // Ten values a row: SQLite takes at most 32,766 a statement.
                for chunk in rows.chunks(INSERT_CHUNK) {
                    let mut q: QueryBuilder<$db> = QueryBuilder::new(
                        "INSERT INTO intel_objects (seq, collection, id, version, type, owner, tlp, added_us, body, warnings) ",
                    );
                    q.push_values(chunk, |mut b, (v, seq, added, warnings)| {
                        b.push_bind(*seq)
                            .push_bind(v.collection.clone())
                            .push_bind(v.id.clone())
                            .push_bind(v.version.clone())
                            .push_bind(v.kind.clone())
                            .push_bind(v.owner.as_str().to_owned())
                            .push_bind(v.tlp.clone())
                            .push_bind(*added)
                            .push_bind(v.body.clone())
                            .push_bind(warnings.clone());
                    });
                    q.build().execute(&mut **tx).await?;
                    for (v, seq, _, _) in chunk {
                        stated.extend(v.observables.iter().map(|(kind, value)| (kind, value, *seq)));
                    }
                }
                insert_observables(tx, &stated).await
            }

            /// Notes what versions state, many rows a statement.
            async fn insert_observables(
                tx: &mut sqlx::Transaction<'_, $db>,
                stated: &[(&String, &String, i64)],
            ) -> Result<(), StoreError> {
                for chunk in stated.chunks(INSERT_CHUNK * 4) {
                    let mut q: QueryBuilder<$db> = QueryBuilder::new("INSERT INTO intel_observables (kind, value, seq) ");
                    q.push_values(chunk, |mut b, (kind, value, seq)| {
                        b.push_bind((*kind).clone()).push_bind((*value).clone()).push_bind(*seq);
                    });
                    q.push(" ON CONFLICT (kind, value, seq) DO NOTHING");
                    q.build().execute(&mut **tx).await?;
                }
                Ok(())
            }

            /// Marks an owner's versions of an object deleted (all when
            /// `versions` is empty); whether any was there.
            pub(super) async fn delete(
                tx: &mut sqlx::Transaction<'_, $db>,
                collection: &str,
                owner: &AgencyCode,
                id: &str,
                versions: &[String],
                at: &OffsetDateTime,
            ) -> Result<bool, StoreError> {
                let mut b: QueryBuilder<$db> = QueryBuilder::new("UPDATE intel_objects SET deleted_at = ");
                b.push_bind(ts(at)?);
                b.push(" WHERE deleted_at IS NULL AND collection = ");
                b.push_bind(collection.to_owned());
                b.push(" AND owner = ");
                b.push_bind(owner.as_str().to_owned());
                b.push(" AND id = ");
                b.push_bind(id.to_owned());
                if !versions.is_empty() {
                    b.push(" AND version IN (");
                    let mut items = b.separated(", ");
                    for v in versions {
                        items.push_bind(v.clone());
                    }
                    b.push(")");
                }
                let done = b.build().execute(&mut **tx).await?;
                Ok(done.rows_affected() > 0)
            }

            /// Keeps a POST's status.
            pub(super) async fn put_status(
                tx: &mut sqlx::Transaction<'_, $db>,
                id: &str,
                agency: &AgencyCode,
                at: &OffsetDateTime,
                body: &str,
            ) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO intel_statuses (id, agency, created_at, body) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (id) DO UPDATE SET body = excluded.body",
                )
                .bind(id)
                .bind(agency.as_str())
                .bind(ts(at)?)
                .bind(body)
                .execute(&mut **tx)
                .await?;
                Ok(())
            }
        }
    };
}
pub(crate) use intel;
