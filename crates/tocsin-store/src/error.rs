//! The store's error type.

use tocsin_core::FieldError;

/// Everything a store call can fail with. The HTTP layer maps each variant to
/// one status code.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Nothing the caller may see has that identifier.
    #[error("{0} not found")]
    NotFound(String),
    /// The caller's role or agency may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// The caller's version is stale.
    #[error("version conflict: you sent version {sent}, the record is at version {current}")]
    VersionConflict {
        /// The version the caller sent.
        sent: u64,
        /// The stored version.
        current: u64,
    },
    /// The thing is not in a state that allows the change.
    #[error("{0}")]
    Conflict(String),
    /// The input is over a size limit.
    #[error("{0}")]
    TooLarge(String),
    /// The thing already exists.
    #[error("{0} already exists")]
    AlreadyExists(String),
    /// The input is invalid.
    #[error("{0}")]
    Invalid(#[from] FieldError),
    /// Fields the input's kind requires are missing (`field` names them all).
    #[error("{0}")]
    Missing(FieldError),
    /// No store in the data directory.
    #[error("no Tocsin store at {0}: run `tocsin init` first")]
    NotInitialized(String),
    /// A store already exists where one was to be created.
    #[error("a Tocsin store already exists at {0}")]
    AlreadyInitialized(String),
    /// Stored data does not parse: the store was changed outside Tocsin.
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// The database failed.
    #[error("database error: {0}")]
    Database(sqlx::Error),
    /// The store was written by a newer release of Tocsin than this one.
    #[error(
        "the store was written by a newer release of Tocsin (schema version {found}; this release knows up to {known}): \
         run that release or a later one, or restore a backup made by this one; nothing was changed"
    )]
    NewerStore {
        /// The newest schema version applied to the store.
        found: i64,
        /// The newest this release has.
        known: i64,
    },
    /// The database schema could not be brought up to date.
    #[error("database migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// A service the call needs is not running or not reachable (the
    /// screening index, the database server): retry later.
    #[error("{0}")]
    Unavailable(String),
    /// The audit writer has stopped (the store is shutting down).
    #[error("the audit log is closed")]
    AuditClosed,
    /// A value Tocsin made could not be written (a time RFC 3339 cannot
    /// express, a payload that does not serialize): a bug, never a default
    /// in its place; the call stores nothing.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<sqlx::Error> for StoreError {
    /// A database server that cannot be reached (connection refused or
    /// lost, pool timed out) is [`StoreError::Unavailable`], answered 503:
    /// the call may succeed once it is back, without a restart. Anything
    /// else is [`StoreError::Database`].
    fn from(e: sqlx::Error) -> StoreError {
        match e {
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed => StoreError::Unavailable(format!("the database is unreachable: {e}")),
            e => StoreError::Database(e),
        }
    }
}
