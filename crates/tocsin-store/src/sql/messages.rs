//! Messages between agencies in SQL: public keys, envelopes with their
//! routing data, receipts, references and reviews.

/// Implements [`MessageBackend`](crate::MessageBackend) for a SQL backend.
macro_rules! messages {
    ($backend:ident, $db:ty, $row:ty) => {
        mod messages {
            use async_trait::async_trait;
            use time::OffsetDateTime;
            use tocsin_core::AgencyCode;
            use tocsin_core::message::{DiffusionKind, Reference};

            use crate::StoreError;
            use crate::messages_backend::{
                AgencyKeyRow, DeliveryRow, MessageBackend, MessageFilter, MessageRow, ReceiptKind,
            };
            use crate::sql::{Columns, corrupt, is_unique_violation, parse_ts, ts};

            fn opt_ts(r: &$row, column: &str) -> Result<Option<OffsetDateTime>, StoreError> {
                r.opt_text(column)?.map(|t| parse_ts(&t)).transpose()
            }

            fn key(r: &$row) -> Result<AgencyKeyRow, StoreError> {
                Ok(AgencyKeyRow {
                    fingerprint: r.text("fingerprint")?,
                    agency: AgencyCode::parse(&r.text("agency")?).map_err(corrupt("key agency"))?,
                    encryption: r.text("encryption")?,
                    verification: r.text("verification")?,
                    created_at: parse_ts(&r.text("created_at")?)?,
                    retired_at: opt_ts(r, "retired_at")?,
                })
            }

            fn message(r: &$row) -> Result<MessageRow, StoreError> {
                let id = r.text("id")?;
                let bad = |what: &str| StoreError::Corrupt(format!("message {id}: {what}"));
                let diffusion = match r.opt_text("diffusion")? {
                    Some(d) => Some(d.parse::<DiffusionKind>().map_err(|_| bad("diffusion"))?),
                    None => None,
                };
                let references: Vec<Reference> = match r.opt_text("refs")? {
                    Some(refs) => serde_json::from_str(&refs).map_err(|_| bad("references"))?,
                    None => vec![],
                };
                Ok(MessageRow {
                    sender: AgencyCode::parse(&r.text("sender")?).map_err(|_| bad("sender"))?,
                    thread: r.text("thread")?,
                    reply_to: r.opt_text("reply_to")?,
                    diffusion,
                    level: r.text("level")?.parse().map_err(|_| bad("level"))?,
                    references,
                    sent_at: parse_ts(&r.text("sent_at")?)?,
                    received_at: parse_ts(&r.text("received_at")?)?,
                    meta: r.text("meta")?,
                    envelope: r.text("envelope")?,
                    review: r.opt_text("review")?,
                    id,
                })
            }

            fn delivery(r: &$row) -> Result<(String, DeliveryRow), StoreError> {
                Ok((
                    r.text("message")?,
                    DeliveryRow {
                        agency: AgencyCode::parse(&r.text("agency")?).map_err(corrupt("recipient"))?,
                        delivered_at: opt_ts(r, "delivered_at")?,
                        read_at: opt_ts(r, "read_at")?,
                        acknowledged_at: opt_ts(r, "acknowledged_at")?,
                    },
                ))
            }

            /// The message columns (`refs`: the references as JSON, also
            /// kept one per row in `message_references` to be looked up).
            const SELECT: &str = "SELECT m.id, m.sender, m.thread, m.reply_to, m.diffusion, m.level, m.sent_at, \
                                  m.received_at, m.meta, m.envelope, m.review, m.refs FROM messages m";
            /// The same without the envelope, for listings (which never
            /// show it: it can be megabytes).
            const ROUTING: &str = "SELECT m.id, m.sender, m.thread, m.reply_to, m.diffusion, m.level, m.sent_at, \
                                   m.received_at, m.meta, '' AS envelope, m.review, m.refs FROM messages m";

            impl super::$backend {
                async fn with_receipts(
                    &self,
                    rows: Vec<MessageRow>,
                ) -> Result<Vec<(MessageRow, Vec<DeliveryRow>)>, StoreError> {
                    if rows.is_empty() {
                        return Ok(vec![]);
                    }
                    let marks: Vec<String> = (1..=rows.len()).map(|i| format!("${i}")).collect();
                    let sql = format!(
                        "SELECT * FROM message_recipients WHERE message IN ({}) ORDER BY agency",
                        marks.join(", ")
                    );
                    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                    for m in &rows {
                        q = q.bind(m.id.clone());
                    }
                    let mut receipts: std::collections::HashMap<String, Vec<DeliveryRow>> =
                        std::collections::HashMap::new();
                    for r in q.fetch_all(&self.pool).await? {
                        let (message, d) = delivery(&r)?;
                        receipts.entry(message).or_default().push(d);
                    }
                    Ok(rows
                        .into_iter()
                        .map(|m| {
                            let d = receipts.remove(&m.id).unwrap_or_default();
                            (m, d)
                        })
                        .collect())
                }
            }

            #[async_trait]
            impl MessageBackend for super::$backend {
                async fn agency_keys(&self, agency: Option<&AgencyCode>) -> Result<Vec<AgencyKeyRow>, StoreError> {
                    let rows = match agency {
                        Some(a) => {
                            sqlx::query("SELECT * FROM agency_keys WHERE agency = $1 ORDER BY created_at, fingerprint")
                                .bind(a.as_str())
                                .fetch_all(&self.pool)
                                .await?
                        }
                        None => {
                            sqlx::query("SELECT * FROM agency_keys ORDER BY agency, created_at, fingerprint")
                                .fetch_all(&self.pool)
                                .await?
                        }
                    };
                    rows.iter().map(key).collect()
                }

                async fn message(&self, id: &str) -> Result<Option<(MessageRow, Vec<DeliveryRow>)>, StoreError> {
                    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE m.id = $1")))
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await?;
                    let Some(row) = row.as_ref().map(message).transpose()? else { return Ok(None) };
                    Ok(self.with_receipts(vec![row]).await?.pop())
                }

                async fn messages(
                    &self,
                    filter: &MessageFilter,
                ) -> Result<Vec<(MessageRow, Vec<DeliveryRow>)>, StoreError> {
                    let mut conds: Vec<String> = vec![];
                    let mut binds: Vec<String> = vec![];
                    let mark = |v: String, binds: &mut Vec<String>| {
                        binds.push(v);
                        format!("${}", binds.len())
                    };
                    let to = |m: &str| {
                        format!("EXISTS (SELECT 1 FROM message_recipients r WHERE r.message = m.id AND r.agency = {m})")
                    };
                    if let Some(a) = filter.sender {
                        conds.push(format!("m.sender = {}", mark(a.to_string(), &mut binds)));
                    }
                    if let Some(a) = filter.recipient {
                        conds.push(to(&mark(a.to_string(), &mut binds)));
                    }
                    if let Some(a) = filter.party {
                        let s = mark(a.to_string(), &mut binds);
                        let r = mark(a.to_string(), &mut binds);
                        conds.push(format!("(m.sender = {s} OR {})", to(&r)));
                    }
                    if filter.diffusions {
                        conds.push("m.diffusion IS NOT NULL".to_owned());
                    }
                    let cleared: Vec<String> = tocsin_core::level::Level::ALL[..=filter.clearance.index()]
                        .iter()
                        .map(|l| mark(l.as_str().to_owned(), &mut binds))
                        .collect();
                    conds.push(format!("m.level IN ({})", cleared.join(", ")));
                    if let Some(t) = &filter.thread {
                        conds.push(format!("m.thread = {}", mark(t.clone(), &mut binds)));
                    }
                    if let Some(b) = &filter.before {
                        conds.push(format!("m.id < {}", mark(b.clone(), &mut binds)));
                    }
                    let wh = if conds.is_empty() { String::new() } else { format!(" WHERE {}", conds.join(" AND ")) };
                    let sql = format!("{ROUTING}{wh} ORDER BY m.id DESC LIMIT {}", filter.limit.max(1));
                    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                    for b in binds {
                        q = q.bind(b);
                    }
                    let rows = q.fetch_all(&self.pool).await?;
                    let rows = rows.iter().map(message).collect::<Result<Vec<_>, _>>()?;
                    self.with_receipts(rows).await
                }

                async fn diffusions_on(
                    &self,
                    agency: &AgencyCode,
                    kind: DiffusionKind,
                    records: &[String],
                ) -> Result<Vec<(String, MessageRow)>, StoreError> {
                    if records.is_empty() {
                        return Ok(vec![]);
                    }
                    let marks: Vec<String> = (3..records.len() + 3).map(|i| format!("${i}")).collect();
                    let sql = format!(
                        "SELECT x.ref_id AS ref_id, m.id, m.sender, m.thread, m.reply_to, m.diffusion, m.level, \
                         m.sent_at, m.received_at, m.meta, '' AS envelope, m.review, m.refs \
                         FROM message_references x JOIN messages m ON m.id = x.message \
                         JOIN message_recipients r ON r.message = m.id \
                         WHERE r.agency = $1 AND m.diffusion = $2 AND x.kind = 'record' AND x.ref_id IN ({}) \
                         ORDER BY m.id",
                        marks.join(", ")
                    );
                    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(agency.as_str()).bind(kind.as_str());
                    for r in records {
                        q = q.bind(r.clone());
                    }
                    let rows = q.fetch_all(&self.pool).await?;
                    rows.iter().map(|r| Ok((r.text("ref_id")?, message(r)?))).collect()
                }
            }

            pub(super) async fn add_key(
                tx: &mut sqlx::Transaction<'_, $db>,
                k: &AgencyKeyRow,
            ) -> Result<(), StoreError> {
                let at = ts(&k.created_at)?;
                sqlx::query("UPDATE agency_keys SET retired_at = $1 WHERE agency = $2 AND retired_at IS NULL")
                    .bind(&at)
                    .bind(k.agency.as_str())
                    .execute(&mut **tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO agency_keys (fingerprint, agency, encryption, verification, created_at) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(&k.fingerprint)
                .bind(k.agency.as_str())
                .bind(&k.encryption)
                .bind(&k.verification)
                .bind(at)
                .execute(&mut **tx)
                .await
                .map_err(|e| match is_unique_violation(&e) {
                    true => StoreError::Conflict(format!("key {} is already published", k.fingerprint)),
                    false => e.into(),
                })?;
                Ok(())
            }

            pub(super) async fn add_message(
                tx: &mut sqlx::Transaction<'_, $db>,
                m: &MessageRow,
                recipients: &[AgencyCode],
            ) -> Result<(), StoreError> {
                let refs = match m.references.is_empty() {
                    true => None,
                    false => Some(
                        serde_json::to_string(&m.references)
                            .map_err(|e| StoreError::Internal(format!("references: {e}")))?,
                    ),
                };
                sqlx::query(
                    "INSERT INTO messages (id, sender, thread, reply_to, diffusion, level, sent_at, received_at, \
                     meta, envelope, review, refs) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                )
                .bind(&m.id)
                .bind(m.sender.as_str())
                .bind(&m.thread)
                .bind(m.reply_to.clone())
                .bind(m.diffusion.map(|d| d.as_str()))
                .bind(m.level.as_str())
                .bind(ts(&m.sent_at)?)
                .bind(ts(&m.received_at)?)
                .bind(&m.meta)
                .bind(&m.envelope)
                .bind(m.review.clone())
                .bind(refs)
                .execute(&mut **tx)
                .await
                .map_err(|e| match is_unique_violation(&e) {
                    true => StoreError::Conflict(format!("message {} was sent already", m.id)),
                    false => e.into(),
                })?;
                for a in recipients {
                    sqlx::query("INSERT INTO message_recipients (message, agency) VALUES ($1, $2)")
                        .bind(&m.id)
                        .bind(a.as_str())
                        .execute(&mut **tx)
                        .await?;
                }
                for r in &m.references {
                    sqlx::query("INSERT INTO message_references (message, kind, ref_id) VALUES ($1, $2, $3)")
                        .bind(&m.id)
                        .bind(r.kind.as_str())
                        .bind(&r.id)
                        .execute(&mut **tx)
                        .await?;
                }
                Ok(())
            }

            /// Whether the receipt was new.
            pub(super) async fn receipt(
                tx: &mut sqlx::Transaction<'_, $db>,
                message: &str,
                agency: &AgencyCode,
                kind: ReceiptKind,
                at: &OffsetDateTime,
            ) -> Result<bool, StoreError> {
                let sql = match kind {
                    ReceiptKind::Delivered => {
                        "UPDATE message_recipients SET delivered_at = $1 \
                         WHERE message = $2 AND agency = $3 AND delivered_at IS NULL"
                    }
                    ReceiptKind::Read => {
                        "UPDATE message_recipients SET read_at = $1, delivered_at = COALESCE(delivered_at, $1) \
                         WHERE message = $2 AND agency = $3 AND read_at IS NULL"
                    }
                    ReceiptKind::Acknowledged => {
                        "UPDATE message_recipients SET acknowledged_at = $1, \
                         delivered_at = COALESCE(delivered_at, $1) \
                         WHERE message = $2 AND agency = $3 AND acknowledged_at IS NULL"
                    }
                };
                let done =
                    sqlx::query(sql).bind(ts(at)?).bind(message).bind(agency.as_str()).execute(&mut **tx).await?;
                Ok(done.rows_affected() == 1)
            }

            /// Whether the diffusion was there.
            pub(super) async fn review(
                tx: &mut sqlx::Transaction<'_, $db>,
                message: &str,
                review: &str,
            ) -> Result<bool, StoreError> {
                let done = sqlx::query("UPDATE messages SET review = $1 WHERE id = $2 AND diffusion IS NOT NULL")
                    .bind(review)
                    .bind(message)
                    .execute(&mut **tx)
                    .await?;
                Ok(done.rows_affected() == 1)
            }
        }
    };
}
pub(crate) use messages;
