//! The PostgreSQL backend, for cluster mode: several `tocsin serve`
//! processes share one database. Plain SQL without extensions (so it also
//! runs on PostgreSQL-compatible distributed SQL); text columns compared as
//! text use the "C" collation. Writes that number things (the audit chain,
//! events, a hit's messages) take one transaction-scoped advisory lock, so
//! numbers follow commit order across processes, as SQLite's write lock
//! gives the embedded store.

use std::str::FromStr;
use std::time::Duration;

use sqlx::Postgres;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

use crate::StoreError;

/// Rows per multi-row INSERT; 11 columns × 500 stays far below
/// PostgreSQL's limit of 65,535 bound parameters.
const INSERT_CHUNK: usize = 500;

/// The advisory lock every numbering write holds until it commits.
const WRITE_LOCK: i64 = 0x746f_6373_696e; // "tocsin"

/// The PostgreSQL backend.
#[derive(Debug, Clone)]
pub struct PgBackend {
    pool: PgPool,
}

impl PgBackend {
    /// Connects to `url` (`postgres://user@host:port/db`), in `schema` when
    /// given (created if absent: tests use a fresh one each), and brings the
    /// schema up to date.
    pub async fn connect(url: &str, schema: Option<&str>) -> Result<PgBackend, StoreError> {
        let unreachable = |e: sqlx::Error| StoreError::Unavailable(format!("PostgreSQL at {}: {e}", redact(url)));
        let mut options = PgConnectOptions::from_str(url).map_err(|e| {
            StoreError::Invalid(tocsin_core::FieldError::field("store", format!("{}: {e}", redact(url))))
        })?;
        if let Some(schema) = schema {
            if !schema.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
                return Err(tocsin_core::FieldError::field("schema", "lower-case letters, digits and _ only").into());
            }
            let setup =
                PgPoolOptions::new().max_connections(1).connect_with(options.clone()).await.map_err(unreachable)?;
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA IF NOT EXISTS {schema}"))).execute(&setup).await?;
            setup.close().await;
            options = options.options([("search_path", schema)]);
        }
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await
            .map_err(unreachable)?;
        let migrator = sqlx::migrate!("./migrations/postgres");
        // No table yet: a new store.
        let applied: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations").fetch_one(&pool).await.unwrap_or(None);
        crate::sql::check_schema(applied, &migrator)?;
        migrator.run(&pool).await?;
        Ok(PgBackend { pool })
    }
}

/// `url` without its password, for messages.
pub(crate) fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => match url[scheme + 3..at].split_once(':') {
            Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
            None => url.to_owned(),
        },
        _ => url.to_owned(),
    }
}

/// The audit writer's pool: the one pool. PostgreSQL keeps its buffers
/// shared between sessions, so a connection of its own would gain the
/// writer nothing (unlike SQLite's per-connection page cache).
fn audit_pool(b: &PgBackend) -> &PgPool {
    &b.pool
}

/// A transaction holding the write lock.
async fn write_tx(_: &PgBackend, pool: &PgPool) -> Result<sqlx::Transaction<'static, Postgres>, StoreError> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(WRITE_LOCK).execute(&mut *tx).await?;
    Ok(tx)
}

/// The session-level advisory lock the process running the retention clock
/// holds: every node runs the clock, one at a time.
const MAINTENANCE_LOCK: i64 = WRITE_LOCK + 1;

/// Takes [`MAINTENANCE_LOCK`] on a connection of its own, if no other
/// session holds it. The lease owns the connection: dropping it closes the
/// session, which releases the lock (also if the process dies).
/// A PostgreSQL store is copied with PostgreSQL's own tools.
async fn snapshot(_: &PgPool, _: &std::path::Path) -> Result<(), StoreError> {
    Err(StoreError::Unavailable(
        "a PostgreSQL store is backed up with pg_dump (docs/operations.md), and each node's data directory with it"
            .into(),
    ))
}

async fn maintenance_lease(pool: &PgPool) -> Result<Option<crate::backend::Lease>, StoreError> {
    let mut conn = pool.acquire().await?.detach();
    let got: bool =
        sqlx::query_scalar("SELECT pg_try_advisory_lock($1)").bind(MAINTENANCE_LOCK).fetch_one(&mut conn).await?;
    Ok(got.then(|| crate::backend::Lease::holding(conn)))
}

/// Nothing to do here: edges run on the embedded store; PostgreSQL's dead
/// rows are reclaimed by its vacuum.
async fn erase_freed(_: &PgPool) -> Result<(), StoreError> {
    Ok(())
}

crate::sql::sql_backend!(PgBackend, sqlx::Postgres, sqlx::postgres::PgRow);
