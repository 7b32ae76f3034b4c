//! The embedded backend: one SQLite file in WAL mode, `synchronous = FULL`,
//! so a committed transaction survives a crash or power loss.
//!
//! Pages committed to the write-ahead log are copied back into the database
//! file by a background task every [`CHECKPOINT_EVERY`] (a passive
//! checkpoint, which never waits on readers or writers). Left to SQLite
//! alone, that copy runs inside the commit that takes the log past 1,000
//! pages: under screening load the audit writer's commits do, several
//! times a second, and every request waiting on that commit waits for the
//! copy too. The commit still checkpoints at 1,000 pages (which also lets
//! the log start over), but finds nearly everything copied already.

use std::path::Path;
use std::sync::{Arc, Weak};
use std::time::Duration;

use sqlx::Sqlite;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

use crate::StoreError;

/// The database file's name inside the data directory.
pub const DB_FILE: &str = "tocsin.db";

/// Rows per multi-row INSERT; 9 columns × 500 stays far below SQLite's limit
/// of 32,766 bound parameters.
const INSERT_CHUNK: usize = 500;

/// How often the background task checkpoints the write-ahead log.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(200);

/// The embedded SQLite backend.
#[derive(Debug, Clone)]
pub struct SqliteBackend {
    pool: SqlitePool,
    /// One connection of its own for the audit writer's group commits.
    /// SQLite drops a connection's whole page cache when it finds the
    /// database changed by another connection; taking any free connection
    /// of `pool`, each commit used to start by re-reading the pages the
    /// previous one (made on another connection) had changed. On its own
    /// connection the writer's cache stays valid from commit to commit.
    audit_pool: SqlitePool,
    /// This process's turn to write, taken before `BEGIN IMMEDIATE`:
    /// writers of one process queue here, first come first served, instead
    /// of each retrying SQLite's lock on a sleeping back-off (which let a
    /// write wait seconds behind later ones under concurrent sends). Other
    /// processes (the CLI beside a server) still meet at SQLite's lock.
    writer: Arc<tokio::sync::Mutex<()>>,
    /// Held by every clone; the checkpoint task stops once all are gone.
    _alive: Arc<()>,
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
            // The directory and the database are the owner's alone; SQLite
            // gives its write-ahead log the database's permissions.
            (false, true) => crate::private::create_dir(dir)
                .and_then(|()| crate::private::write_new(&file, b""))
                .map_err(|e| StoreError::Corrupt(format!("cannot create the data directory {shown}: {e}")))?,
            (true, false) => {
                if crate::private::readable_by_others(dir) || crate::private::readable_by_others(&file) {
                    tracing::warn!(dir = %shown, "the data directory or its database is readable by other accounts: chmod 700 the directory, 600 its files");
                }
            }
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
            .pragma("cache_size", "-65536")
            // What is deleted is overwritten with zeros, not left in free
            // pages: an edge's copy must not keep what it was told to
            // delete (see `erase_freed` for the write-ahead log).
            .pragma("secure_delete", "ON");
        let pool = pool_options().max_connections(8).connect_with(options.clone()).await?;
        let migrator = sqlx::migrate!("./migrations/sqlite");
        // No table yet: a new store.
        let applied: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations").fetch_one(&pool).await.unwrap_or(None);
        crate::sql::check_schema(applied, &migrator)?;
        migrator.run(&pool).await?;
        let audit_pool = pool_options().max_connections(1).connect_with(options).await?;
        let alive = Arc::new(());
        tokio::spawn(checkpoints(pool.clone(), Arc::downgrade(&alive)));
        Ok(SqliteBackend { pool, audit_pool, writer: Arc::default(), _alive: alive })
    }
}

/// The options of both pools: a connection given back still inside a
/// transaction is closed, not kept for the next caller.
///
/// On a full disk (or an I/O error) SQLite may roll the whole transaction
/// back itself. sqlx's `ROLLBACK` when the transaction is dropped then
/// fails ("no transaction is active"), and sqlx goes on counting the
/// connection as inside a transaction: reused, every later `BEGIN
/// IMMEDIATE` on it failed, long after the disk had room again.
///
/// Only a connection given back inside a transaction (one dropped without
/// its commit) costs anything more: a ping, which waits for the rollback
/// sqlx queued on the connection when the transaction was dropped.
fn pool_options() -> SqlitePoolOptions {
    use sqlx::Connection;
    SqlitePoolOptions::new().after_release(|conn, _| {
        Box::pin(async move {
            if !conn.is_in_transaction() {
                return Ok(true);
            }
            conn.ping().await?;
            let broken = conn.is_in_transaction();
            if broken {
                tracing::warn!("closing a database connection left inside a failed transaction");
            }
            Ok(!broken)
        })
    })
}

/// Checkpoints the write-ahead log every [`CHECKPOINT_EVERY`] while the
/// backend is open (see the module's documentation).
async fn checkpoints(pool: SqlitePool, alive: Weak<()>) {
    let mut every = tokio::time::interval(CHECKPOINT_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    every.tick().await;
    loop {
        every.tick().await;
        if alive.strong_count() == 0 || pool.is_closed() {
            return;
        }
        // A failure (a read-only file, say) loses nothing: the commit's own
        // checkpoint still copies everything.
        if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(&pool).await {
            tracing::debug!(error = %e, "background checkpoint failed");
        }
    }
}

/// The audit writer's pool: its own connection (see [`SqliteBackend`]).
fn audit_pool(b: &SqliteBackend) -> &SqlitePool {
    &b.audit_pool
}

/// A transaction holding the write lock (this process's turn, then
/// SQLite's, taken at once), until it is committed or dropped.
pub(crate) struct WriteTx {
    tx: sqlx::Transaction<'static, Sqlite>,
    _turn: tokio::sync::OwnedMutexGuard<()>,
}

impl std::ops::Deref for WriteTx {
    type Target = sqlx::Transaction<'static, Sqlite>;
    fn deref(&self) -> &Self::Target {
        &self.tx
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.tx
    }
}

impl WriteTx {
    /// Commits, then gives the turn to the next writer.
    async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }
}

async fn write_tx(b: &SqliteBackend, pool: &SqlitePool) -> Result<WriteTx, StoreError> {
    let turn = b.writer.clone().lock_owned().await;
    Ok(WriteTx { tx: pool.begin_with("BEGIN IMMEDIATE").await?, _turn: turn })
}

/// The embedded store's maintenance lease: free. The retention clock is
/// idempotent, and the embedded store has one serving process; a `tocsin
/// maintenance run` beside it may at worst send a reminder twice.
async fn maintenance_lease(_: &SqlitePool) -> Result<Option<crate::backend::Lease>, StoreError> {
    Ok(Some(crate::backend::Lease::free()))
}

/// Copies the write-ahead log into the database and empties it: the log's
/// pages still hold rows as they were before a deletion, which the database
/// file itself no longer does (`secure_delete`).
async fn erase_freed(pool: &SqlitePool) -> Result<(), StoreError> {
    let (busy, _, _): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)").fetch_one(pool).await?;
    match busy {
        0 => Ok(()),
        _ => Err(StoreError::Unavailable("the write-ahead log could not be emptied: a reader held it".into())),
    }
}

/// SQLite's `VACUUM INTO`: one read transaction copies every page into a
/// new, compacted database file, consistent as of its start, while writers
/// go on (they wait only on the write lock, which it does not take).
async fn snapshot(pool: &SqlitePool, into: &Path) -> Result<(), StoreError> {
    if into.exists() {
        return Err(StoreError::AlreadyExists(into.display().to_string()));
    }
    let path = into.to_str().ok_or_else(|| StoreError::Corrupt(format!("{}: not a UTF-8 path", into.display())))?;
    sqlx::query("VACUUM INTO $1").bind(path).execute(pool).await?;
    // The copy is as private as the database (SQLite made it by the umask).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(into, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| StoreError::Corrupt(format!("{}: {e}", into.display())))?;
    }
    Ok(())
}

crate::sql::sql_backend!(SqliteBackend, sqlx::Sqlite, sqlx::sqlite::SqliteRow);

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_store_written_by_a_newer_release_is_refused_and_left_as_it_is() {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().join("data");
        let backend = SqliteBackend::open(&data, true).await.expect("create");
        sqlx::query(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
             VALUES (99999, 'from a later release', TRUE, x'00', 0)",
        )
        .execute(&backend.pool)
        .await
        .expect("a later release's migration");
        backend.pool.close().await;
        backend.audit_pool.close().await;
        drop(backend);
        let Err(e) = SqliteBackend::open(&data, false).await else { panic!("a newer store opened") };
        assert!(matches!(e, StoreError::NewerStore { found: 99999, .. }), "{e}");
        assert!(e.to_string().contains("newer release of Tocsin"), "{e}");
        // Still there for the release that wrote it.
        let Err(again) = SqliteBackend::open(&data, false).await else { panic!("a newer store opened") };
        assert!(matches!(again, StoreError::NewerStore { .. }));
    }

    #[tokio::test]
    async fn a_transaction_that_sqlite_rolled_back_itself_leaves_no_broken_connection_behind() {
        let dir = tempfile::tempdir().expect("tempdir");
        let backend = SqliteBackend::open(&dir.path().join("data"), true).await.expect("create");
        // What SQLite does on a full disk: the transaction is rolled back
        // under sqlx, whose own rollback on drop then fails.
        for pool in [&backend.pool, &backend.audit_pool] {
            let mut failed = write_tx(&backend, pool).await.expect("begin");
            sqlx::query("ROLLBACK").execute(&mut **failed).await.expect("rolled back under sqlx");
            drop(failed);
        }
        // Every later write, whichever pooled connection it lands on, and
        // the audit writer's one connection.
        for round in 0..20 {
            for pool in [&backend.pool, &backend.audit_pool] {
                let mut tx = write_tx(&backend, pool).await.unwrap_or_else(|e| panic!("write {round}: {e}"));
                sqlx::query("PRAGMA user_version").execute(&mut **tx).await.expect("a statement");
                tx.commit().await.unwrap_or_else(|e| panic!("commit {round}: {e}"));
            }
        }
    }
}
