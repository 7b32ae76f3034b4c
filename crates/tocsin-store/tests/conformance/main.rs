//! The store conformance suite: every backend must pass every check here.
//!
//! Each check is an `async fn(Arc<dyn Backend>)`; the `backend_suite!` macro
//! instantiates all of them as tests for one backend. A new backend adds one
//! line at the bottom with its constructor.

mod checks;

use std::sync::Arc;

use tocsin_store::{Backend, SqliteBackend};

/// A fresh SQLite backend in a temporary directory (kept alive with it).
async fn sqlite() -> (Arc<dyn Backend>, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let backend = SqliteBackend::open(&dir.path().join("data"), true).await.expect("open sqlite");
    (Arc::new(backend), dir)
}

macro_rules! backend_suite {
    ($module:ident, $make:expr, [$($check:ident),* $(,)?]) => {
        mod $module {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $check() {
                    let (backend, _guard) = $make.await;
                    crate::checks::$check(backend).await;
                }
            )*
        }
    };
}

backend_suite!(
    sqlite,
    crate::sqlite(),
    [
        agencies_are_unique,
        tokens_are_found_by_hash_only,
        records_round_trip,
        stale_versions_are_refused,
        pages_follow_id_order_and_filters,
        a_failed_bulk_insert_stores_nothing,
        audit_appends_extend_one_chain,
        audit_entries_filter_by_agency_and_object,
        group_commit_batches_concurrent_appends,
        the_store_hides_what_the_policy_hides,
        records_are_found_by_their_source,
        a_failed_write_changes_nothing,
        hits_are_listed_to_owner_and_searcher,
        hit_status_changes_are_compare_and_swap_and_messages_numbered,
        events_are_numbered_in_commit_order_and_read_per_agency,
        agency_settings_round_trip,
        dismissals_expire_and_replace,
        watches_are_stored_and_deleted,
        notices_round_trip_filter_and_change_by_version,
        retention_finds_items_due_and_remembers_reminders,
    ]
);
