//! What the two SQL backends share: how values are written to columns
//! (RFC 3339 text for times, ISO text for dates, JSON bodies) and how rows
//! are read back into domain types, whatever the database.

use std::str::FromStr;

use sqlx::Row;
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tocsin_audit::{Draft, Entry, Head, Outcome};
use tocsin_core::AgencyCode;
use tocsin_core::event::{Event, EventKind};
use tocsin_core::notice::Notice;
use tocsin_core::record::{Record, RecordData, RecordId, RecordState};

use crate::StoreError;
use crate::backend::Agency;

/// A result row of either backend, read by column name.
pub(crate) trait Columns {
    /// A text column.
    fn text(&self, column: &str) -> Result<String, StoreError>;
    /// A nullable text column.
    fn opt_text(&self, column: &str) -> Result<Option<String>, StoreError>;
    /// An integer column.
    fn int(&self, column: &str) -> Result<i64, StoreError>;
}

/// Both backends' rows read the same way.
macro_rules! columns {
    ($($row:ty),*) => {$(
        impl Columns for $row {
            fn text(&self, column: &str) -> Result<String, StoreError> {
                Ok(self.try_get(column)?)
            }
            fn opt_text(&self, column: &str) -> Result<Option<String>, StoreError> {
                Ok(self.try_get(column)?)
            }
            fn int(&self, column: &str) -> Result<i64, StoreError> {
                Ok(self.try_get(column)?)
            }
        }
    )*};
}
columns!(SqliteRow, PgRow);

/// A time as stored: RFC 3339. A time that RFC 3339 cannot write (a year
/// past 9999) is an error, never an empty text in the database.
pub(crate) fn ts(t: &OffsetDateTime) -> Result<String, StoreError> {
    t.format(&Rfc3339).map_err(|e| StoreError::Internal(format!("time {t} cannot be stored: {e}")))
}

pub(crate) fn parse_ts(s: &str) -> Result<OffsetDateTime, StoreError> {
    OffsetDateTime::parse(s, &Rfc3339).map_err(|e| StoreError::Corrupt(format!("timestamp `{s}`: {e}")))
}

pub(crate) fn corrupt(what: &str) -> impl Fn(tocsin_core::FieldError) -> StoreError + '_ {
    move |e| StoreError::Corrupt(format!("{what}: {e}"))
}

pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    e.as_database_error().is_some_and(|d| d.is_unique_violation())
}

pub(crate) fn u64_of(i: i64) -> Result<u64, StoreError> {
    u64::try_from(i).map_err(|_| StoreError::Corrupt(format!("negative number {i}")))
}

pub(crate) fn i64_of(u: u64) -> i64 {
    i64::try_from(u).unwrap_or(i64::MAX)
}

/// A JSON body read back.
pub(crate) fn from_json<T: serde::de::DeserializeOwned>(what: &str, body: &str) -> Result<T, StoreError> {
    serde_json::from_str(body).map_err(|e| StoreError::Corrupt(format!("{what} body: {e}")))
}

pub(crate) fn body_json(r: &Record) -> Result<String, StoreError> {
    serde_json::to_string(&r.data).map_err(|e| StoreError::Corrupt(format!("record {} does not serialize: {e}", r.id)))
}

pub(crate) fn notice_json(n: &Notice) -> Result<String, StoreError> {
    serde_json::to_string(n).map_err(|e| StoreError::Corrupt(format!("notice {}: {e}", n.id)))
}

pub(crate) fn review_date(r: &Record) -> String {
    tocsin_core::record::format_date(&r.data.review_by)
}

pub(crate) fn record_from_row(row: &impl Columns) -> Result<Record, StoreError> {
    let id = row.text("id")?;
    let data: RecordData = from_json(&format!("record {id}"), &row.text("body")?)?;
    let state = match row.text("state")?.as_str() {
        "active" => RecordState::Active,
        "archived" => RecordState::Archived,
        other => return Err(StoreError::Corrupt(format!("record {id} state `{other}`"))),
    };
    Ok(Record {
        id: RecordId::from_str(&id).map_err(corrupt("record id"))?,
        owner: AgencyCode::parse(&row.text("owner")?).map_err(corrupt("record owner"))?,
        version: u64_of(row.int("version")?)?,
        state,
        created_at: parse_ts(&row.text("created_at")?)?,
        updated_at: parse_ts(&row.text("updated_at")?)?,
        data,
    })
}

pub(crate) fn entry_from_row(row: &impl Columns) -> Result<Entry, StoreError> {
    let seq = u64_of(row.int("seq")?)?;
    let bad = |what: &str| StoreError::Corrupt(format!("audit entry {seq}: {what}"));
    let objects: Vec<String> = serde_json::from_str(&row.text("objects")?).map_err(|_| bad("objects"))?;
    let outcome = Outcome::parse(&row.text("outcome")?).ok_or_else(|| bad("outcome"))?;
    Ok(Entry {
        seq,
        draft: Draft {
            time: parse_ts(&row.text("time")?)?,
            agency: row.text("agency")?,
            user: row.text("user_name")?,
            role: row.text("role")?,
            action: row.text("action")?,
            objects,
            outcome,
            purpose: row.opt_text("purpose")?,
        },
        prev_hash: tocsin_audit::from_hex(&row.text("prev_hash")?).ok_or_else(|| bad("prev_hash"))?,
        hash: tocsin_audit::from_hex(&row.text("hash")?).ok_or_else(|| bad("hash"))?,
    })
}

pub(crate) fn event_from_row(row: &impl Columns) -> Result<Event, StoreError> {
    let seq = u64_of(row.int("seq")?)?;
    let bad = |what: &str| StoreError::Corrupt(format!("event {seq}: {what}"));
    Ok(Event {
        seq,
        number: u64_of(row.int("number")?)?,
        time: parse_ts(&row.text("time")?)?,
        agency: AgencyCode::parse(&row.text("agency")?).map_err(|_| bad("agency"))?,
        kind: EventKind::parse(&row.text("kind")?).ok_or_else(|| bad("kind"))?,
        data: serde_json::from_str(&row.opt_text("body")?.ok_or_else(|| bad("no body and no hit"))?)
            .map_err(|_| bad("body"))?,
    })
}

pub(crate) fn head_of(row: Option<impl Columns>) -> Result<Head, StoreError> {
    let Some(row) = row else { return Ok(Head::EMPTY) };
    let seq = u64_of(row.int("seq")?)?;
    let hash = tocsin_audit::from_hex(&row.text("hash")?)
        .ok_or_else(|| StoreError::Corrupt(format!("audit entry {seq}: hash")))?;
    Ok(Head { seq, hash })
}

pub(crate) fn agency_from_row(row: &impl Columns) -> Result<Agency, StoreError> {
    Ok(Agency {
        code: AgencyCode::parse(&row.text("code")?).map_err(corrupt("agency code"))?,
        name: row.text("name")?,
        created_at: parse_ts(&row.text("created_at")?)?,
    })
}

/// The [`Backend`](crate::Backend) implementation both SQL backends share,
/// with their helpers: one text of SQL for SQLite and PostgreSQL (numbered
/// `$1` parameters, `ON CONFLICT`, plain types). Invoked once in each
/// backend's module, which provides `write_tx` (a transaction that holds
/// the write lock, so numbers follow commit order), `INSERT_CHUNK` and
/// `audit_pool` (where the audit writer's group commits go: the backend's
/// `pool`, or a connection of its own).
macro_rules! sql_backend {
    ($backend:ident, $db:ty, $row:ty) => {
        fn hit_from_row(row: &$row) -> Result<Hit, StoreError> {
            from_json("hit", &row.text("body")?)
        }

        #[async_trait]
        impl Backend for $backend {

            async fn agency(&self, code: &AgencyCode) -> Result<Option<Agency>, StoreError> {
                let row = sqlx::query("SELECT code, name, created_at FROM agencies WHERE code = $1")
                    .bind(code.as_str())
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(|r| agency_from_row(&r)).transpose()
            }

            async fn agencies(&self) -> Result<Vec<Agency>, StoreError> {
                let rows =
                    sqlx::query("SELECT code, name, created_at FROM agencies ORDER BY code").fetch_all(&self.pool).await?;
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
                let row = sqlx::query("SELECT id, hash, agency, role, user_name, created_at FROM tokens WHERE hash = $1")
                    .bind(hash)
                    .fetch_optional(&self.pool)
                    .await?;
                let Some(row) = row else { return Ok(None) };
                Ok(Some(TokenRow {
                    id: row.try_get("id")?,
                    hash: row.try_get("hash")?,
                    agency: AgencyCode::parse(&row.try_get::<String, _>("agency")?).map_err(corrupt("token agency"))?,
                    role: row.try_get::<String, _>("role")?.parse().map_err(corrupt("token role"))?,
                    user: row.try_get("user_name")?,
                    created_at: parse_ts(&row.try_get::<String, _>("created_at")?)?,
                }))
            }

            async fn records_from_source(&self, owner: &AgencyCode, list: &str) -> Result<Vec<Record>, StoreError> {
                let rows = sqlx::query("SELECT * FROM records WHERE owner = $1 AND source_list = $2")
                    .bind(owner.as_str())
                    .bind(list)
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(record_from_row).collect()
            }

            async fn record(&self, id: &RecordId) -> Result<Option<Record>, StoreError> {
                let row =
                    sqlx::query("SELECT * FROM records WHERE id = $1").bind(id.to_string()).fetch_optional(&self.pool).await?;
                row.map(|r| record_from_row(&r)).transpose()
            }

            async fn records(&self, ids: &[RecordId]) -> Result<Vec<Record>, StoreError> {
                let mut out = Vec::with_capacity(ids.len());
                for chunk in ids.chunks(INSERT_CHUNK) {
                    let mut q: QueryBuilder<$db> = QueryBuilder::new("SELECT * FROM records WHERE id IN (");
                    let mut list = q.separated(", ");
                    for id in chunk {
                        list.push_bind(id.to_string());
                    }
                    q.push(")");
                    for row in q.build().fetch_all(&self.pool).await? {
                        out.push(record_from_row(&row)?);
                    }
                }
                Ok(out)
            }

            async fn record_page(&self, query: &RecordPageQuery) -> Result<Vec<Record>, StoreError> {
                let mut q: QueryBuilder<$db> = QueryBuilder::new("SELECT * FROM records WHERE 1 = 1");
                match (&query.after, &query.review_until, &query.after_review_by) {
                    (Some(after), Some(_), Some(date)) => {
                        q.push(" AND (review_by, id) > (")
                            .push_bind(tocsin_core::record::format_date(date))
                            .push(", ")
                            .push_bind(after.to_string())
                            .push(")");
                    }
                    (Some(after), _, _) => {
                        q.push(" AND id > ").push_bind(after.to_string());
                    }
                    (None, _, _) => {}
                }
                if let Some(kind) = query.kind {
                    q.push(" AND kind = ").push_bind(kind.as_str());
                }
                if let Some(owner) = &query.owner {
                    q.push(" AND owner = ").push_bind(owner.as_str().to_owned());
                }
                match &query.review_until {
                    Some(until) => {
                        q.push(" AND state = 'active' AND review_by <= ")
                            .push_bind(tocsin_core::record::format_date(until))
                            .push(" ORDER BY review_by, id LIMIT ");
                    }
                    None => {
                        q.push(" ORDER BY id LIMIT ");
                    }
                }
                q.push_bind(i64::from(query.limit));
                let rows = q.build().fetch_all(&self.pool).await?;
                rows.iter().map(record_from_row).collect()
            }

            async fn record_count(&self) -> Result<u64, StoreError> {
                u64_of(sqlx::query_scalar("SELECT count(*) FROM records").fetch_one(&self.pool).await?)
            }

            async fn hit(&self, id: &HitId) -> Result<Option<Hit>, StoreError> {
                let row =
                    sqlx::query("SELECT body FROM hits WHERE id = $1").bind(id.to_string()).fetch_optional(&self.pool).await?;
                row.map(|r| hit_from_row(&r)).transpose()
            }

            async fn hits(&self, f: &HitFilter) -> Result<Vec<Hit>, StoreError> {
                let agency = f.agency.as_str().to_owned();
                let mut q: QueryBuilder<$db> = QueryBuilder::new("SELECT body FROM hits WHERE ");
                match f.role {
                    Some(Side::Owner) => q.push("owner = ").push_bind(agency),
                    Some(Side::Searcher) => q.push("searcher = ").push_bind(agency).push(" AND NOT silent"),
                    None => q
                        .push("(owner = ")
                        .push_bind(agency.clone())
                        .push(" OR (searcher = ")
                        .push_bind(agency)
                        .push(" AND NOT silent))"),
                };
                if let Some(status) = f.status {
                    q.push(" AND status = ").push_bind(status.as_str());
                }
                if let Some(since) = &f.since {
                    q.push(" AND time >= ").push_bind(ts(since)?);
                }
                if let Some(before) = &f.before {
                    q.push(" AND id < ").push_bind(before.to_string());
                }
                q.push(" ORDER BY id DESC LIMIT ").push_bind(i64::from(f.limit));
                let rows = q.build().fetch_all(&self.pool).await?;
                rows.iter().map(hit_from_row).collect()
            }

            async fn hit_messages(&self, id: &HitId) -> Result<Vec<HitMessage>, StoreError> {
                let rows = sqlx::query("SELECT body FROM hit_messages WHERE hit_id = $1 ORDER BY seq")
                    .bind(id.to_string())
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter()
                    .map(|r| {
                        let body: String = r.try_get("body")?;
                        serde_json::from_str(&body).map_err(|e| StoreError::Corrupt(format!("hit message: {e}")))
                    })
                    .collect()
            }

            async fn dismissals(&self, now: OffsetDateTime) -> Result<Vec<Dismissal>, StoreError> {
                // RFC 3339 in UTC compares as text.
                let rows = sqlx::query("SELECT agency, subject, record_id, hit_id, until FROM dismissals WHERE until > $1")
                    .bind(ts(&now)?)
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter()
                    .map(|r| {
                        Ok(Dismissal {
                            agency: AgencyCode::parse(&r.try_get::<String, _>("agency")?)
                                .map_err(corrupt("dismissal agency"))?,
                            subject: r.try_get("subject")?,
                            record_id: RecordId::from_str(&r.try_get::<String, _>("record_id")?)
                                .map_err(corrupt("dismissal record"))?,
                            hit_id: HitId::from_str(&r.try_get::<String, _>("hit_id")?).map_err(corrupt("dismissal hit"))?,
                            until: parse_ts(&r.try_get::<String, _>("until")?)?,
                        })
                    })
                    .collect()
            }

            async fn watches(&self) -> Result<Vec<Watch>, StoreError> {
                let rows = sqlx::query("SELECT body FROM watches ORDER BY id").fetch_all(&self.pool).await?;
                rows.iter()
                    .map(|r| {
                        let body: String = r.try_get("body")?;
                        serde_json::from_str(&body).map_err(|e| StoreError::Corrupt(format!("watch body: {e}")))
                    })
                    .collect()
            }

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

            async fn events(&self, agency: Option<&AgencyCode>, after: u64, limit: u32) -> Result<Vec<Event>, StoreError> {
                let mut q: QueryBuilder<$db> = QueryBuilder::new(
                    "SELECT e.seq, e.number, e.agency, e.time, e.kind, coalesce(e.body, h.body) AS body \
                     FROM events e LEFT JOIN hits h ON h.id = e.hit_id WHERE ",
                );
                match agency {
                    Some(agency) => {
                        q.push("e.agency = ").push_bind(agency.as_str()).push(" AND e.number > ").push_bind(i64_of(after));
                        q.push(" ORDER BY e.number");
                    }
                    None => {
                        q.push("e.seq > ").push_bind(i64_of(after)).push(" ORDER BY e.seq");
                    }
                }
                q.push(" LIMIT ").push_bind(i64::from(limit));
                let rows = q.build().fetch_all(&self.pool).await?;
                rows.iter().map(event_from_row).collect()
            }

            async fn last_event_number(&self, agency: &AgencyCode) -> Result<u64, StoreError> {
                let last: Option<i64> = sqlx::query_scalar("SELECT last FROM event_numbers WHERE agency = $1")
                    .bind(agency.as_str())
                    .fetch_optional(&self.pool)
                    .await?;
                u64_of(last.unwrap_or(0))
            }

            async fn prune_events(&self, before: OffsetDateTime, limit: u32) -> Result<u64, StoreError> {
                let rows = sqlx::query("SELECT seq, time FROM events ORDER BY seq LIMIT $1")
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await?;
                let mut last = None;
                for r in &rows {
                    if parse_ts(&r.try_get::<String, _>("time")?)? >= before {
                        break;
                    }
                    last = Some(r.try_get::<i64, _>("seq")?);
                }
                let Some(last) = last else { return Ok(0) };
                let done = sqlx::query("DELETE FROM events WHERE seq <= $1 AND seq < (SELECT max(seq) FROM events)")
                    .bind(last)
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected())
            }

            async fn outbox_put(&self, body: &str, at: OffsetDateTime) -> Result<u64, StoreError> {
                let id: i64 = sqlx::query_scalar("INSERT INTO outbox (body, created_at) VALUES ($1, $2) RETURNING id")
                    .bind(body)
                    .bind(ts(&at)?)
                    .fetch_one(&self.pool)
                    .await?;
                u64_of(id)
            }

            async fn outbox_done(&self, ids: &[u64]) -> Result<(), StoreError> {
                for chunk in ids.chunks(INSERT_CHUNK) {
                    let mut q: QueryBuilder<$db> = QueryBuilder::new("DELETE FROM outbox WHERE id IN (");
                    let mut list = q.separated(", ");
                    for id in chunk {
                        list.push_bind(i64_of(*id));
                    }
                    q.push(")");
                    q.build().execute(&self.pool).await?;
                }
                Ok(())
            }

            async fn outbox_older(&self, before: OffsetDateTime, limit: u32) -> Result<Vec<(u64, String)>, StoreError> {
                let rows = sqlx::query("SELECT id, body FROM outbox WHERE created_at < $1 ORDER BY id LIMIT $2")
                    .bind(ts(&before)?)
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(|r| Ok((u64_of(r.try_get::<i64, _>("id")?)?, r.try_get::<String, _>("body")?))).collect()
            }

            async fn maintenance_lease(&self) -> Result<Option<crate::backend::Lease>, StoreError> {
                maintenance_lease(&self.pool).await
            }

            async fn last_event(&self) -> Result<u64, StoreError> {
                let last: Option<i64> = sqlx::query_scalar("SELECT max(seq) FROM events").fetch_one(&self.pool).await?;
                u64_of(last.unwrap_or(0))
            }

            async fn append_batch(&self, drafts: Vec<Draft>, effects: Effects) -> Result<(Vec<Entry>, Vec<Event>), StoreError> {
                let mut tx = write_tx(audit_pool(self)).await?;
                let written = append_in(&mut tx, drafts, effects).await?;
                tx.commit().await?;
                Ok(written)
            }

            async fn commit(&self, change: Change, drafts: Vec<Draft>, effects: Effects) -> Result<Committed, StoreError> {
                let mut tx = write_tx(&self.pool).await?;
                let (applied, message) = apply(&mut tx, change).await?;
                if !applied {
                    // Nothing written: the entries go with the caller's
                    // account of why (a conflict), not with this change.
                    return Ok(Committed::default());
                }
                let mut effects = effects;
                if let Some(m) = &message {
                    let stored = serde_json::to_value(m).map_err(|e| StoreError::Corrupt(format!("hit message: {e}")))?;
                    for e in effects.events.iter_mut().filter(|e| e.kind == EventKind::HitMessage && e.data.is_null()) {
                        e.data = stored.clone();
                    }
                }
                let (entries, events) = append_in(&mut tx, drafts, effects).await?;
                tx.commit().await?;
                Ok(Committed { applied, entries, events, message })
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

        /// Why a conditional replace of `what` at version `sent` matched nothing:
        /// a newer version (read by `version`, which takes the id), or no row.
        async fn stale(tx: &mut sqlx::Transaction<'_, $db>, version: &'static str, what: &str, sent: u64) -> StoreError {
            let id = what.rsplit(' ').next().unwrap_or_default().to_owned();
            match sqlx::query_scalar::<_, i64>(version).bind(id).fetch_optional(&mut **tx).await {
                Ok(Some(v)) => match u64_of(v) {
                    Ok(current) => StoreError::VersionConflict { sent, current },
                    Err(e) => e,
                },
                Ok(None) => StoreError::NotFound(what.to_owned()),
                Err(e) => e.into(),
            }
        }

        async fn replace_notice<'e, E>(db: E, n: &Notice, expected: u64) -> Result<bool, StoreError>
        where
            E: sqlx::Executor<'e, Database = $db>,
        {
            let done = sqlx::query(
                "UPDATE notices SET status = $1, version = $2, updated_at = $3, review_by = $4, body = $5 \
                 WHERE id = $6 AND version = $7",
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

        /// Numbers events after the stored last one and inserts them inside a
        /// transaction (which holds the write lock, so the numbers are in commit
        /// order).
        async fn insert_event_rows(
            tx: &mut sqlx::Transaction<'_, $db>,
            mut events: Vec<Event>,
        ) -> Result<Vec<Event>, StoreError> {
            if events.is_empty() {
                return Ok(events);
            }
            let last: Option<i64> = sqlx::query_scalar("SELECT max(seq) FROM events").fetch_one(&mut **tx).await?;
            let mut seq = u64_of(last.unwrap_or(0))?;
            for e in &mut events {
                seq += 1;
                e.seq = seq;
            }
            // Each recipient's own count, moved on once per agency per batch.
            let mut counts: Vec<(AgencyCode, i64)> = Vec::new();
            for e in &events {
                match counts.iter_mut().find(|(a, _)| *a == e.agency) {
                    Some((_, n)) => *n += 1,
                    None => counts.push((e.agency, 1)),
                }
            }
            let mut next: Vec<(AgencyCode, u64)> = Vec::with_capacity(counts.len());
            for (agency, n) in counts {
                let last: i64 = sqlx::query_scalar(
                    "INSERT INTO event_numbers (agency, last) VALUES ($1, $2) \
                     ON CONFLICT (agency) DO UPDATE SET last = event_numbers.last + excluded.last RETURNING last",
                )
                .bind(agency.as_str())
                .bind(n)
                .fetch_one(&mut **tx)
                .await?;
                next.push((agency, u64_of(last - n)?));
            }
            for e in &mut events {
                if let Some((_, n)) = next.iter_mut().find(|(a, _)| *a == e.agency) {
                    *n += 1;
                    e.number = *n;
                }
            }
            for chunk in events.chunks(INSERT_CHUNK) {
                // A hit event refers to its hit, stored in the same transaction.
                let rows = chunk
                    .iter()
                    .map(|e| {
                        let time = ts(&e.time)?;
                        match (e.kind, e.data.get("id").and_then(|v| v.as_str())) {
                            (EventKind::Hit, Some(id)) => Ok((time, Some(id.to_owned()), None)),
                            _ => serde_json::to_string(&e.data)
                                .map(|body| (time, None, Some(body)))
                                .map_err(|err| StoreError::Internal(format!("event: {err}"))),
                        }
                    })
                    .collect::<Result<Vec<_>, StoreError>>()?;
                let mut q: QueryBuilder<$db> =
                    QueryBuilder::new("INSERT INTO events (seq, number, agency, time, kind, hit_id, body) ");
                q.push_values(chunk.iter().zip(rows), |mut b, (e, (time, hit_id, body))| {
                    b.push_bind(i64_of(e.seq))
                        .push_bind(i64_of(e.number))
                        .push_bind(e.agency.as_str().to_owned())
                        .push_bind(time)
                        .push_bind(e.kind.as_str())
                        .push_bind(hit_id)
                        .push_bind(body);
                });
                q.build().execute(&mut **tx).await?;
            }
            Ok(events)
        }

        /// Appends audit entries after the chain's head (read inside the
        /// transaction, which holds the write lock, so two writers never
        /// fork the chain), with the hits, reminders and events that must be
        /// durable with them.
        async fn append_in(
            tx: &mut sqlx::Transaction<'_, $db>,
            drafts: Vec<Draft>,
            effects: Effects,
        ) -> Result<(Vec<Entry>, Vec<Event>), StoreError> {
            insert_hit_rows(tx, &effects.hits).await?;
            for chunk in effects.reminders.chunks(INSERT_CHUNK) {
                let mut q: QueryBuilder<$db> = QueryBuilder::new("INSERT INTO reminders (item, review_by) ");
                q.push_values(chunk, |mut b, (item, date)| {
                    b.push_bind(item.clone()).push_bind(tocsin_core::record::format_date(date));
                });
                q.push(" ON CONFLICT DO NOTHING");
                q.build().execute(&mut **tx).await?;
            }
            let events = insert_event_rows(tx, effects.events).await?;
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

        /// Applies a change inside a transaction: whether it applied (a
        /// conditional change whose condition failed did not), and a hit
        /// message as stored.
        async fn apply(
            tx: &mut sqlx::Transaction<'_, $db>,
            change: Change,
        ) -> Result<(bool, Option<HitMessage>), StoreError> {
            match change {
                Change::Agency(a) => {
                    let r = sqlx::query("INSERT INTO agencies (code, name, created_at) VALUES ($1, $2, $3)")
                        .bind(a.code.as_str())
                        .bind(&a.name)
                        .bind(ts(&a.created_at)?)
                        .execute(&mut **tx)
                        .await;
                    match r {
                        Err(e) if is_unique_violation(&e) => {
                            return Err(StoreError::AlreadyExists(format!("agency {}", a.code)));
                        }
                        other => other.map(drop)?,
                    }
                }
                Change::Settings(code, s) => {
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
                }
                Change::Token(t) => {
                    sqlx::query(
                        "INSERT INTO tokens (id, hash, agency, role, user_name, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(&t.id)
                    .bind(&t.hash)
                    .bind(t.agency.as_str())
                    .bind(t.role.as_str())
                    .bind(&t.user)
                    .bind(ts(&t.created_at)?)
                    .execute(&mut **tx)
                    .await?;
                }
                Change::Records { new, changed } => {
                    for chunk in new.chunks(INSERT_CHUNK) {
                        insert_chunk(tx, chunk).await?;
                    }
                    for (r, expected) in &changed {
                        if !replace(&mut **tx, r, *expected).await? {
                            let version = "SELECT version FROM records WHERE id = $1";
                            return Err(stale(tx, version, &format!("record {}", r.id), *expected).await);
                        }
                    }
                }
                Change::Hit { hit, expected } => {
                    let body =
                        serde_json::to_string(&hit).map_err(|e| StoreError::Corrupt(format!("hit {}: {e}", hit.id)))?;
                    let done = sqlx::query(
                        "UPDATE hits SET status = $1, updated_at = $2, body = $3 WHERE id = $4 AND status = $5",
                    )
                    .bind(hit.status.as_str())
                    .bind(ts(&hit.updated_at)?)
                    .bind(body)
                    .bind(hit.id.to_string())
                    .bind(expected.as_str())
                    .execute(&mut **tx)
                    .await?;
                    return Ok((done.rows_affected() == 1, None));
                }
                Change::HitMessage(m) => {
                    let last: Option<i64> = sqlx::query_scalar("SELECT max(seq) FROM hit_messages WHERE hit_id = $1")
                        .bind(m.hit_id.to_string())
                        .fetch_one(&mut **tx)
                        .await?;
                    let stored = HitMessage { seq: u64_of(last.unwrap_or(0))? + 1, ..m };
                    let body =
                        serde_json::to_string(&stored).map_err(|e| StoreError::Corrupt(format!("hit message: {e}")))?;
                    sqlx::query(
                        "INSERT INTO hit_messages (hit_id, seq, time, agency, user_name, body) VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(stored.hit_id.to_string())
                    .bind(i64_of(stored.seq))
                    .bind(ts(&stored.time)?)
                    .bind(stored.agency.as_str())
                    .bind(&stored.user)
                    .bind(body)
                    .execute(&mut **tx)
                    .await?;
                    return Ok((true, Some(stored)));
                }
                Change::Dismissal(d) => {
                    sqlx::query(
                        "INSERT INTO dismissals (agency, subject, record_id, hit_id, until) VALUES ($1, $2, $3, $4, $5) \
                         ON CONFLICT(agency, subject, record_id) DO UPDATE SET hit_id = excluded.hit_id, until = excluded.until",
                    )
                    .bind(d.agency.as_str())
                    .bind(&d.subject)
                    .bind(d.record_id.to_string())
                    .bind(d.hit_id.to_string())
                    .bind(ts(&d.until)?)
                    .execute(&mut **tx)
                    .await?;
                }
                Change::InsertWatch(w) => {
                    let body = serde_json::to_string(&w).map_err(|e| StoreError::Corrupt(format!("watch {}: {e}", w.id)))?;
                    sqlx::query("INSERT INTO watches (id, agency, created_at, body) VALUES ($1, $2, $3, $4)")
                        .bind(w.id.to_string())
                        .bind(w.agency.as_str())
                        .bind(ts(&w.created_at)?)
                        .bind(body)
                        .execute(&mut **tx)
                        .await?;
                }
                Change::DeleteWatch(id) => {
                    let done =
                        sqlx::query("DELETE FROM watches WHERE id = $1").bind(id.to_string()).execute(&mut **tx).await?;
                    return Ok((done.rows_affected() == 1, None));
                }
                Change::Notices { new, changed } => {
                    for n in &new {
                        sqlx::query(
                            "INSERT INTO notices (id, owner, notice_type, status, version, updated_at, review_by, body) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
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
                    for (n, expected) in &changed {
                        if !replace_notice(&mut **tx, n, *expected).await? {
                            let version = "SELECT version FROM notices WHERE id = $1";
                            return Err(stale(tx, version, &format!("notice {}", n.id), *expected).await);
                        }
                    }
                }
                Change::Notice { notice, expected } => {
                    return Ok((replace_notice(&mut **tx, &notice, expected).await?, None));
                }
                Change::All(changes) => {
                    let mut message = None;
                    for change in changes {
                        // Boxed: the future refers to itself.
                        let (applied, m) = Box::pin(apply(tx, change)).await?;
                        if !applied {
                            return Ok((false, None));
                        }
                        message = message.or(m);
                    }
                    return Ok((true, message));
                }
            }
            Ok((true, None))
        }

        /// Each entry's number in its acting agency's own count (after the
        /// agency's last), read inside the append's transaction.
        async fn agency_numbers(tx: &mut sqlx::Transaction<'_, $db>, entries: &[Entry]) -> Result<Vec<u64>, StoreError> {
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

        /// Inserts hits inside a transaction.
        async fn insert_hit_rows(tx: &mut sqlx::Transaction<'_, $db>, hits: &[Hit]) -> Result<(), StoreError> {
            for chunk in hits.chunks(INSERT_CHUNK) {
                let bodies = chunk
                    .iter()
                    .map(|h| {
                        let body =
                            serde_json::to_string(h).map_err(|e| StoreError::Internal(format!("hit {}: {e}", h.id)))?;
                        Ok((ts(&h.time)?, ts(&h.updated_at)?, body))
                    })
                    .collect::<Result<Vec<_>, StoreError>>()?;
                let mut q: QueryBuilder<$db> = QueryBuilder::new(
                    "INSERT INTO hits (id, time, searcher, owner, silent, status, record_id, updated_at, body) ",
                );
                q.push_values(chunk.iter().zip(bodies), |mut b, (h, (time, updated_at, body))| {
                    b.push_bind(h.id.to_string())
                        .push_bind(time)
                        .push_bind(h.searcher.as_str().to_owned())
                        .push_bind(h.owner.as_str().to_owned())
                        .push_bind(h.silent)
                        .push_bind(h.status.as_str())
                        .push_bind(h.record_id.to_string())
                        .push_bind(updated_at)
                        .push_bind(body);
                });
                q.build().execute(&mut **tx).await?;
            }
            Ok(())
        }

        /// Inserts up to [`INSERT_CHUNK`] records in one statement.
        async fn insert_chunk(tx: &mut sqlx::Transaction<'_, $db>, chunk: &[Record]) -> Result<(), StoreError> {
            let bodies = chunk
                .iter()
                .map(|r| Ok((ts(&r.created_at)?, ts(&r.updated_at)?, body_json(r)?)))
                .collect::<Result<Vec<_>, StoreError>>()?;
            let mut q: QueryBuilder<$db> = QueryBuilder::new(
                "INSERT INTO records (id, kind, owner, version, state, created_at, updated_at, review_by, body, source_list, source_id) ",
            );
            q.push_values(chunk.iter().zip(bodies), |mut b, (r, (created_at, updated_at, body))| {
                let source = r.data.source.as_ref();
                b.push_bind(r.id.to_string())
                    .push_bind(r.data.kind().as_str())
                    .push_bind(r.owner.as_str().to_owned())
                    .push_bind(i64_of(r.version))
                    .push_bind(r.state.as_str())
                    .push_bind(created_at)
                    .push_bind(updated_at)
                    .push_bind(review_date(r))
                    .push_bind(body)
                    .push_bind(source.map(|s| s.list.clone()))
                    .push_bind(source.map(|s| s.id.clone()));
            });
            match q.build().execute(&mut **tx).await {
                Err(e) if is_unique_violation(&e) => {
                    Err(StoreError::AlreadyExists("a record with the same id, or from the same list entry".to_owned()))
                }
                other => other.map(drop).map_err(StoreError::from),
            }
        }

        /// Replaces a record if its stored version is `expected`; false if not.
        async fn replace<'e, E>(db: E, r: &Record, expected: u64) -> Result<bool, StoreError>
        where
            E: sqlx::Executor<'e, Database = $db>,
        {
            let source = r.data.source.as_ref();
            let done = sqlx::query(
                "UPDATE records SET version = $1, state = $2, updated_at = $3, review_by = $4, body = $5, source_list = $6, source_id = $7 \
                 WHERE id = $8 AND version = $9",
            )
            .bind(i64_of(r.version))
            .bind(r.state.as_str())
            .bind(ts(&r.updated_at)?)
            .bind(review_date(r))
            .bind(body_json(r)?)
            .bind(source.map(|s| s.list.clone()))
            .bind(source.map(|s| s.id.clone()))
            .bind(r.id.to_string())
            .bind(i64_of(expected))
            .execute(db)
            .await;
            match done {
                Err(e) if is_unique_violation(&e) => {
                    Err(StoreError::AlreadyExists("a record from the same list entry".to_owned()))
                }
                other => Ok(other?.rows_affected() == 1),
            }
        }
    };
}
pub(crate) use sql_backend;
