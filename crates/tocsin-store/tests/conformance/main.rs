//! The store conformance suite: every backend must pass every check here.
//!
//! Each check is an `async fn(Arc<dyn Backend>)`; the `backend_suite!` macro
//! instantiates all of them as tests for one backend. A new backend adds one
//! line at the bottom with its constructor.
//!
//! The PostgreSQL checks need a server, so they are ignored by default and
//! show as such; `.ci/run` starts PostgreSQL and runs them with
//! `--include-ignored`, and there a server that does not answer fails them.

mod checks;

use std::sync::Arc;

use tocsin_store::{Backend, PgBackend, SqliteBackend};

/// A fresh SQLite backend in a temporary directory (kept alive with it).
async fn sqlite() -> (Arc<dyn Backend>, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let backend = SqliteBackend::open(&dir.path().join("data"), true).await.expect("open sqlite");
    (Arc::new(backend), dir)
}

/// Why the PostgreSQL checks are ignored by default.
const NEEDS_POSTGRES: &str = "needs PostgreSQL at TOCSIN_TEST_POSTGRES (default 127.0.0.1:5432, database test)";

/// The PostgreSQL server the suite runs against.
fn postgres_url() -> String {
    std::env::var("TOCSIN_TEST_POSTGRES").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// Drops its schema when the check ends.
struct Schema(String);

impl Drop for Schema {
    fn drop(&mut self) {
        let name = std::mem::take(&mut self.0);
        // Drop runs inside the test's runtime: clean up on a thread of its own.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            rt.block_on(async {
                if let Ok(pool) = sqlx::PgPool::connect(&postgres_url()).await {
                    let drop = format!("DROP SCHEMA IF EXISTS {name} CASCADE");
                    let _ = sqlx::query(sqlx::AssertSqlSafe(drop)).execute(&pool).await;
                }
            });
        })
        .join();
    }
}

/// A PostgreSQL backend in a fresh schema of `TOCSIN_TEST_POSTGRES`
/// (default: the local server's `test` database); a server that does not
/// answer fails the check.
async fn postgres() -> (Arc<dyn Backend>, Schema) {
    let schema = format!("tocsin_test_{}", uuid::Uuid::now_v7().simple());
    match PgBackend::connect(&postgres_url(), Some(&schema)).await {
        Ok(backend) => (Arc::new(backend), Schema(schema)),
        Err(e) => panic!("no PostgreSQL at {} ({e}): {NEEDS_POSTGRES}", postgres_url()),
    }
}

macro_rules! backend_suite {
    ($module:ident, $make:expr, $attrs:tt, [$($check:ident),* $(,)?]) => {
        mod $module {
            $(backend_suite!(@check $make, $attrs, $check);)*
        }
    };
    (@check $make:expr, [$(#[$attr:meta])*], $check:ident) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        $(#[$attr])*
        async fn $check() {
            let (backend, _guard) = $make.await;
            crate::checks::$check(backend).await;
        }
    };
}

/// Every check, against every backend.
macro_rules! every_backend {
    ($($check:ident),* $(,)?) => {
        backend_suite!(sqlite, crate::sqlite(), [], [$($check),*]);
        backend_suite!(postgres, crate::postgres(), [#[ignore = "needs PostgreSQL (see NEEDS_POSTGRES)"]], [$($check),*]);
    };
}

every_backend!(
    agencies_are_unique,
    tokens_are_found_by_hash_only,
    tokens_are_listed_revoked_once_and_keep_their_last_use,
    records_round_trip,
    stale_versions_are_refused,
    pages_follow_id_order_and_filters,
    a_failed_bulk_insert_stores_nothing,
    audit_appends_extend_one_chain,
    audit_entries_filter_by_agency_and_object,
    audit_views_number_each_agency_and_record_on_their_own,
    group_commit_batches_concurrent_appends,
    the_store_hides_what_the_policy_hides,
    records_are_found_by_their_source,
    a_failed_write_changes_nothing,
    hits_are_listed_to_owner_and_searcher,
    hit_status_changes_are_compare_and_swap_and_messages_numbered,
    events_are_numbered_in_commit_order_and_read_per_agency,
    each_clearance_counts_the_events_it_reads_without_gaps,
    agency_settings_round_trip,
    dismissals_expire_and_replace,
    watches_are_stored_and_deleted,
    notices_round_trip_filter_and_change_by_version,
    retention_finds_items_due_and_remembers_reminders,
    the_outbox_keeps_changes_until_done,
    old_events_are_pruned_oldest_first_keeping_the_last,
    activity_counts_screenings_and_visible_hits_per_hour,
    intel_versions_are_numbered_paged_filtered_and_deleted,
    edge_holdings_follow_the_versions_an_edge_confirms,
    biometric_attachments_and_candidates_round_trip_and_a_decision_applies_once,
    infra_rows,
    units_are_kept_and_suspended_once,
    messages_are_routed_with_their_receipts,
);

/// On PostgreSQL, every node runs the retention clock: one session at a
/// time holds the maintenance lease, and dropping it (or the session
/// ending) releases it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL (see NEEDS_POSTGRES)"]
async fn postgres_maintenance_lease_is_held_by_one_session_at_a_time() {
    let (backend, _guard) = postgres().await;
    let first = backend.maintenance_lease().await.expect("lease").expect("free at first");
    assert!(backend.maintenance_lease().await.expect("lease").is_none(), "a second session is refused");
    drop(first);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        if backend.maintenance_lease().await.expect("lease").is_some() {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the lease is not released when dropped");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}
