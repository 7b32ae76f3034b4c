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

/// The columns of an event's number in each clearance's count, by
/// [`Level::index`](tocsin_core::level::Level::index).
pub(crate) const NUMBER_COLUMNS: [&str; 3] = ["number", "number_restricted", "number_confidential"];
/// The columns of the last number given in each clearance's count.
pub(crate) const LAST_COLUMNS: [&str; 3] = ["last", "last_restricted", "last_confidential"];

/// A level as stored in an integer column (its [`Level::index`](tocsin_core::level::Level::index)).
pub(crate) fn level_of(stored: i64) -> Option<tocsin_core::level::Level> {
    usize::try_from(stored).ok().and_then(tocsin_core::level::Level::from_index)
}

pub(crate) fn event_from_row(row: &impl Columns) -> Result<Event, StoreError> {
    let seq = u64_of(row.int("seq")?)?;
    let bad = |what: &str| StoreError::Corrupt(format!("event {seq}: {what}"));
    Ok(Event {
        seq,
        numbers: [
            u64_of(row.int(NUMBER_COLUMNS[0])?)?,
            u64_of(row.int(NUMBER_COLUMNS[1])?)?,
            u64_of(row.int(NUMBER_COLUMNS[2])?)?,
        ],
        level: level_of(row.int("level")?).ok_or_else(|| bad("level"))?,
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

pub(crate) mod activity;
pub(crate) mod agencies;
pub(crate) mod audit;
pub(crate) mod bio;
pub(crate) mod commit;
pub(crate) mod edge;
pub(crate) mod events;
pub(crate) mod hits;
pub(crate) mod infra;
pub(crate) mod intel;
pub(crate) mod messages;
pub(crate) mod notices;
pub(crate) mod records;
pub(crate) mod watches;

/// Refuses a store whose schema is newer than `migrator` knows (written by
/// a later release), before anything is migrated; `applied` is the newest
/// version recorded in `_sqlx_migrations`, `None` for a new store.
pub(crate) fn check_schema(applied: Option<i64>, migrator: &sqlx::migrate::Migrator) -> Result<(), StoreError> {
    let known = migrator.iter().map(|m| m.version).max().unwrap_or(0);
    match applied {
        Some(found) if found > known => Err(StoreError::NewerStore { found, known }),
        _ => Ok(()),
    }
}

/// The [`Backend`](crate::Backend) implementation both SQL backends share:
/// one text of SQL for SQLite and PostgreSQL (numbered `$1` parameters,
/// `ON CONFLICT`, plain types), one module per capability, each
/// implementing that capability's trait. Invoked once in each backend's
/// module with the backend's type, its `sqlx` database and row types (as
/// paths from `sqlx`); that module provides `write_tx` (a transaction that
/// holds the write lock, so numbers follow commit order), `INSERT_CHUNK`,
/// `audit_pool` (where the audit writer's group commits go: the backend's
/// `pool`, or a connection of its own), `maintenance_lease` and
/// `erase_freed`.
macro_rules! sql_backend {
    ($backend:ident, $db:ty, $row:ty) => {
        crate::sql::agencies::agencies!($backend, $db, $row);
        crate::sql::records::records!($backend, $db, $row);
        crate::sql::hits::hits!($backend, $db, $row);
        crate::sql::watches::watches!($backend, $db, $row);
        crate::sql::notices::notices!($backend, $db, $row);
        crate::sql::events::events!($backend, $db, $row);
        crate::sql::audit::audit!($backend, $db, $row);
        crate::sql::commit::commit!($backend, $db, $row);
        crate::sql::activity::activity!($backend, $db, $row);
        crate::sql::intel::intel!($backend, $db, $row);
        crate::sql::edge::edge!($backend, $db, $row);
        crate::sql::bio::bio!($backend, $db, $row);
        crate::sql::infra::infra!($backend, $db, $row);
        crate::sql::messages::messages!($backend, $db, $row);
    };
}
pub(crate) use sql_backend;
