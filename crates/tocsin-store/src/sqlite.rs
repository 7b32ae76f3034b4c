//! The embedded backend: one SQLite file in WAL mode, `synchronous = FULL`,
//! so a committed transaction survives a crash or power loss.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{QueryBuilder, Row, Sqlite};
use time::{Date, OffsetDateTime};
use tocsin_audit::{Draft, Entry, Head};
use tocsin_core::AgencyCode;
use tocsin_core::event::{Event, EventKind};
use tocsin_core::hit::{Dismissal, Hit, HitId, HitMessage, HitStatus, Side};
use tocsin_core::notice::{Notice, NoticeId};
use tocsin_core::record::{Record, RecordId};
use tocsin_core::watch::{Watch, WatchId};

use crate::StoreError;
use crate::backend::{
    Agency, AgencySettings, AuditFilter, Backend, Effects, HitFilter, NoticeFilter, RecordPageQuery, TokenRow,
};
use crate::sql::{
    Columns, agency_from_row, body_json, corrupt, entry_from_row, event_from_row, from_json, head_of, i64_of,
    is_unique_violation, notice_json, parse_ts, record_from_row, review_date, ts, u64_of,
};

/// The database file's name inside the data directory.
pub(crate) const DB_FILE: &str = "tocsin.db";

/// Rows per multi-row INSERT; 9 columns × 500 stays far below SQLite's limit
/// of 32,766 bound parameters.
const INSERT_CHUNK: usize = 500;

/// The embedded SQLite backend.
#[derive(Debug, Clone)]
pub struct SqliteBackend {
    pool: SqlitePool,
}

impl SqliteBackend {
    /// Opens the store in `dir`, creating the directory and the database when
    /// `create` is set, and brings the schema up to date.
    pub async fn open(dir: &Path, create: bool) -> Result<SqliteBackend, StoreError> {
        let file = dir.join(DB_FILE);
        let shown = dir.display().to_string();
        match (file.exists(), create) {
            (false, false) => return Err(StoreError::NotInitialized(shown)),
            (true, true) => return Err(StoreError::AlreadyInitialized(shown)),
            (false, true) => std::fs::create_dir_all(dir)
                .map_err(|e| StoreError::Corrupt(format!("cannot create the data directory {shown}: {e}")))?,
            (true, false) => {}
        }
        let options = SqliteConnectOptions::new()
            .filename(&file)
            .create_if_missing(create)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true)
            // 64 MiB of page cache per connection (negative = KiB), so a
            // 10,000-record transaction does not spill pages mid-way.
            .pragma("cache_size", "-65536");
        let pool = SqlitePoolOptions::new().max_connections(8).connect_with(options).await?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        Ok(SqliteBackend { pool })
    }
}

/// A transaction holding the write lock (SQLite's, taken at once).
async fn write_tx(pool: &SqlitePool) -> Result<sqlx::Transaction<'static, Sqlite>, StoreError> {
    Ok(pool.begin_with("BEGIN IMMEDIATE").await?)
}

/// The embedded store's maintenance lease: free. The retention clock is
/// idempotent, and the embedded store has one serving process; a `tocsin
/// maintenance run` beside it may at worst send a reminder twice.
async fn maintenance_lease(_: &SqlitePool) -> Result<Option<crate::backend::Lease>, StoreError> {
    Ok(Some(crate::backend::Lease::free()))
}

crate::sql::sql_backend!(SqliteBackend, Sqlite, SqliteRow);
