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

                async fn intel_sightings(
                    &self,
                    agency: &AgencyCode,
                    limit: u32,
                ) -> Result<Vec<tocsin_core::event::Event>, StoreError> {
                    let rows = sqlx::query(
                        "SELECT seq, number, agency, time, kind, body FROM events \
                         WHERE agency = $1 AND kind = 'intel.sighting' ORDER BY number DESC LIMIT $2",
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
                let (mut seq, mut added) = (last_seq, now_us.max(last_added));
                for v in versions {
                    seq += 1;
                    added += 1;
                    let warnings = serde_json::to_string(&v.warnings)
                        .map_err(|e| StoreError::Internal(format!("warnings of {}: {e}", v.id)))?;
                    let done = sqlx::query(
                        "INSERT INTO intel_objects \
                         (seq, collection, id, version, type, owner, tlp, added_us, body, warnings) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                         ON CONFLICT (collection, owner, id, version) DO NOTHING",
                    )
                    .bind(seq)
                    .bind(&v.collection)
                    .bind(&v.id)
                    .bind(&v.version)
                    .bind(&v.kind)
                    .bind(v.owner.as_str())
                    .bind(&v.tlp)
                    .bind(added)
                    .bind(&v.body)
                    .bind(warnings)
                    .execute(&mut **tx)
                    .await?;
                    if done.rows_affected() == 0 {
                        // Already there (an exact duplicate): its number and
                        // time are not used.
                        seq -= 1;
                        added -= 1;
                        continue;
                    }
                    for (kind, value) in &v.observables {
                        sqlx::query(
                            "INSERT INTO intel_observables (kind, value, seq) VALUES ($1, $2, $3) \
                             ON CONFLICT (kind, value, seq) DO NOTHING",
                        )
                        .bind(kind)
                        .bind(value)
                        .bind(seq)
                        .execute(&mut **tx)
                        .await?;
                    }
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
