//! The audit writer: group commit over the backend's audit chain.
//!
//! Callers hand an entry to one writer task and wait. The writer takes
//! whatever has queued up (up to [`MAX_BATCH`]) and appends it in one
//! transaction, so one fsync covers many requests; each caller is answered
//! only once its entry has been committed. Under load the queue fills while a
//! commit is in flight, so the batches grow by themselves; when idle, an
//! entry is committed at once.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use tocsin_audit::Draft;
use tokio::sync::{mpsc, oneshot};

use crate::backend::Effects;
use crate::fanout::Fanout;
use crate::{Backend, StoreError};

/// Most entries in one commit.
const MAX_BATCH: usize = 4096;
/// Entries that may wait for the writer before callers are held back.
const QUEUE: usize = 65_536;

// Nearly every job is an Append; boxing it would cost an allocation each.
#[expect(clippy::large_enum_variant)]
enum Job {
    /// An audit entry, the hits and events that must be durable with it,
    /// and when it was handed over.
    Append(Draft, Effects, oneshot::Sender<Result<(), AppendFailed>>, Instant),
    Close(oneshot::Sender<()>),
}

/// Counters of the audit writer's work since start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AuditStats {
    /// Transactions committed.
    pub commits: u64,
    /// Entries appended.
    pub entries: u64,
}

#[derive(Default)]
struct Counters {
    commits: AtomicU64,
    entries: AtomicU64,
}

/// Handle to the writer task.
pub(crate) struct AuditLog {
    jobs: mpsc::Sender<Job>,
    counters: Arc<Counters>,
}

impl AuditLog {
    /// Starts the writer task on the current Tokio runtime.
    /// Committed events are handed to `fanout`, in order.
    pub(crate) fn start(backend: Arc<dyn Backend>, fanout: Fanout) -> AuditLog {
        let (jobs, rx) = mpsc::channel(QUEUE);
        let counters = Arc::new(Counters::default());
        tokio::spawn(run(backend, fanout, rx, counters.clone()));
        AuditLog { jobs, counters }
    }

    /// Appends an entry and returns once it is durable.
    pub(crate) async fn append(&self, draft: Draft) -> Result<(), StoreError> {
        self.append_with(draft, Effects::default()).await
    }

    /// Appends an entry and stores `effects` in the same transaction (so a
    /// screening's hits ride the group commit instead of a commit each).
    ///
    /// The writer times each committed entry from hand-over to durable
    /// (`tocsin_audit_append_duration_seconds`) where it counts it, so a
    /// caller dropped while waiting leaves no entry counted and untimed.
    pub(crate) async fn append_with(&self, draft: Draft, effects: Effects) -> Result<(), StoreError> {
        let (done, wait) = oneshot::channel();
        let handed = Instant::now();
        self.jobs.send(Job::Append(draft, effects, done, handed)).await.map_err(|_| StoreError::AuditClosed)?;
        match wait.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(AppendFailed { unavailable: true, message })) => {
                Err(StoreError::Unavailable(format!("audit append failed: {message}")))
            }
            Ok(Err(AppendFailed { message, .. })) => {
                Err(StoreError::Corrupt(format!("audit append failed: {message}")))
            }
            Err(_) => Err(StoreError::AuditClosed),
        }
    }

    /// Commits everything queued before this call, then stops the writer.
    pub(crate) async fn close(&self) {
        let (done, wait) = oneshot::channel();
        if self.jobs.send(Job::Close(done)).await.is_ok() {
            let _ = wait.await;
        }
    }

    pub(crate) fn stats(&self) -> AuditStats {
        AuditStats {
            commits: self.counters.commits.load(Ordering::Relaxed),
            entries: self.counters.entries.load(Ordering::Relaxed),
        }
    }
}

/// Why a batch was not committed, as told to each of its callers: the
/// database was unreachable (503, retry), or anything else.
#[derive(Debug, Clone)]
pub(crate) struct AppendFailed {
    unavailable: bool,
    message: String,
}

async fn run(backend: Arc<dyn Backend>, fanout: Fanout, mut rx: mpsc::Receiver<Job>, counters: Arc<Counters>) {
    let mut closing = None;
    while closing.is_none() {
        let Some(first) = rx.recv().await else { return };
        let mut batch = Vec::new();
        let mut handed = Vec::new();
        let mut effects = Effects::default();
        let mut next = Some(first);
        while let Some(job) = next.take() {
            match job {
                Job::Append(draft, e, done, at) => {
                    batch.push((draft, done));
                    handed.push(at);
                    effects.extend(e);
                }
                Job::Close(done) => {
                    closing = Some(done);
                    break;
                }
            }
            if batch.len() < MAX_BATCH {
                next = rx.try_recv().ok();
            }
        }
        if batch.is_empty() {
            continue;
        }
        let (drafts, waiters): (Vec<_>, Vec<_>) = batch.into_iter().unzip();
        let n = drafts.len() as u64;
        let started = Instant::now();
        let appended = backend.append_batch(drafts, effects).await;
        let committed = Instant::now();
        metrics::histogram!("tocsin_audit_commit_duration_seconds").record((committed - started).as_secs_f64());
        metrics::histogram!("tocsin_audit_batch_entries").record(n as f64);
        match appended {
            Ok((_, events)) => {
                fanout.local(events);
                // Each entry counted is timed in both stages here, with the
                // count: its wait in the queue (the commit before its own,
                // when the writer cannot keep up) and hand-over to durable.
                let queue = metrics::histogram!("tocsin_audit_queue_duration_seconds");
                let append = metrics::histogram!("tocsin_audit_append_duration_seconds");
                for at in &handed {
                    queue.record(started.saturating_duration_since(*at).as_secs_f64());
                    append.record(committed.saturating_duration_since(*at).as_secs_f64());
                }
                counters.commits.fetch_add(1, Ordering::Relaxed);
                counters.entries.fetch_add(n, Ordering::Relaxed);
                metrics::counter!("tocsin_audit_commits_total", "path" => "group_commit").increment(1);
                metrics::counter!("tocsin_audit_entries_total", "path" => "group_commit").increment(n);
                for done in waiters {
                    let _ = done.send(Ok(()));
                }
            }
            Err(e) => {
                tracing::error!(error = %e, entries = n, "audit append failed");
                let failed =
                    AppendFailed { unavailable: matches!(e, StoreError::Unavailable(_)), message: e.to_string() };
                for done in waiters {
                    let _ = done.send(Err(failed.clone()));
                }
            }
        }
    }
    if let Some(done) = closing {
        let _ = done.send(());
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, OnceLock};
    use std::time::Instant;

    use tocsin_audit::Outcome;
    use tocsin_core::auth::Role;
    use tokio::sync::{mpsc, oneshot};

    use super::{Counters, Job, MAX_BATCH, QUEUE, run};
    use crate::StoreError;
    use crate::backend::{AuditBackend, AuditFilter, Effects};
    use crate::events::Hub;
    use crate::fanout::Fanout;
    use crate::testing::{Fixture, actor};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_writer_commits_what_is_queued_in_batches_of_at_most_max_batch_in_order_until_closed() {
        let f = Fixture::new().await;
        let fra = actor("FRA", Role::Officer);
        let (jobs, rx) = mpsc::channel(QUEUE);
        let mut answers = vec![];
        let mut job = |i: usize| {
            let (done, answer) = oneshot::channel();
            let draft = fra.draft("test.entry", vec![i.to_string()], Outcome::Ok);
            jobs.try_send(Job::Append(draft, Effects::default(), done, Instant::now())).expect("queued");
            answers.push(answer);
        };
        // Queued before the writer runs: a full batch, then the one left;
        // the close; and one entry after it, which is never committed.
        (0..=MAX_BATCH).for_each(&mut job);
        let (close, closed) = oneshot::channel();
        jobs.try_send(Job::Close(close)).expect("queued");
        job(MAX_BATCH + 1);

        let counters = Arc::new(Counters::default());
        let before = f.backend.audit_head().await.expect("head").seq;
        let fanout = Fanout::start(f.backend.clone(), Arc::new(Hub::default()), Arc::new(OnceLock::new()));
        run(f.backend.clone(), fanout, rx, counters.clone()).await;

        closed.await.expect("told it is closed");
        let late = answers.pop().expect("the late one");
        assert!(late.await.is_err(), "an entry after the close is dropped, not committed");
        for answer in answers {
            assert!(matches!(answer.await, Ok(Ok(()))));
        }
        let stats = super::AuditLog { jobs, counters }.stats();
        assert_eq!((stats.commits, stats.entries), (2, MAX_BATCH as u64 + 1));
        let filter = AuditFilter { after_seq: before, limit: 10_000, agency: None, object: None };
        let committed: Vec<String> = f
            .backend
            .audit_entries(&filter)
            .await
            .expect("entries")
            .iter()
            .map(|e| e.draft.objects[0].clone())
            .collect();
        let expected: Vec<String> = (0..=MAX_BATCH).map(|i| i.to_string()).collect();
        assert_eq!(committed, expected, "in the order handed over");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn closing_the_store_commits_what_was_queued_and_refuses_what_comes_after() {
        let f = Fixture::new().await;
        let fra = actor("FRA", Role::Officer);
        let before = f.store.audit_stats().entries;
        let (logged, rejected, ()) = futures::join!(
            f.store.log(&fra, "test.before_close", vec![], Outcome::Ok),
            f.store.log_rejected("test.rejected", vec![]),
            f.store.close()
        );
        logged.expect("queued before the close");
        rejected.expect("queued before the close");
        assert_eq!(f.store.audit_stats().entries, before + 2);
        let filter = AuditFilter { after_seq: 0, limit: 1000, agency: None, object: None };
        let entries = f.backend.audit_entries(&filter).await.expect("entries");
        let last: Vec<_> = entries.iter().rev().take(2).map(|e| (e.draft.action.as_str(), e.draft.outcome)).collect();
        assert!(last.contains(&("test.rejected", Outcome::Denied)), "{last:?}");
        assert!(last.contains(&("test.before_close", Outcome::Ok)), "{last:?}");
        let after = f.store.log(&fra, "test.after_close", vec![], Outcome::Ok).await;
        assert!(matches!(after, Err(StoreError::AuditClosed)), "{after:?}");
        let rejected = f.store.log_rejected("test.rejected", vec![]).await;
        assert!(matches!(rejected, Err(StoreError::AuditClosed)), "{rejected:?}");
        // Reads that must be audited fail too: nothing answers unaudited.
        let read = f.store.hits(&fra, crate::HitQuery { limit: 10, ..crate::HitQuery::default() }).await;
        assert!(matches!(read, Err(StoreError::AuditClosed)), "{read:?}");
    }
}
