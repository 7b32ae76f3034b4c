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
    Append(Draft, Effects, oneshot::Sender<Result<u64, AppendFailed>>, Instant),
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

    /// Appends an entry and returns its sequence number once it is durable.
    pub(crate) async fn append(&self, draft: Draft) -> Result<u64, StoreError> {
        self.append_with(draft, Effects::default()).await
    }

    /// Appends an entry and stores `effects` in the same transaction (so a
    /// screening's hits ride the group commit instead of a commit each).
    ///
    /// What the caller waits, from the hand-over until it runs again, is the
    /// histogram `tocsin_audit_append_duration_seconds`: the wait for the
    /// commit in flight, its own commit, and the wait for a runtime thread.
    pub(crate) async fn append_with(&self, draft: Draft, effects: Effects) -> Result<u64, StoreError> {
        let (done, wait) = oneshot::channel();
        let handed = Instant::now();
        self.jobs.send(Job::Append(draft, effects, done, handed)).await.map_err(|_| StoreError::AuditClosed)?;
        let answer = wait.await;
        metrics::histogram!("tocsin_audit_append_duration_seconds").record(handed.elapsed().as_secs_f64());
        match answer {
            Ok(Ok(seq)) => Ok(seq),
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
        // How long each entry waited for the writer: the commit before its
        // own, when the writer cannot keep up.
        for at in handed {
            metrics::histogram!("tocsin_audit_queue_duration_seconds")
                .record(started.saturating_duration_since(at).as_secs_f64());
        }
        let appended = backend.append_batch(drafts, effects).await;
        metrics::histogram!("tocsin_audit_commit_duration_seconds").record(started.elapsed().as_secs_f64());
        metrics::histogram!("tocsin_audit_batch_entries").record(n as f64);
        match appended {
            Ok((entries, events)) => {
                fanout.local(events);
                counters.commits.fetch_add(1, Ordering::Relaxed);
                counters.entries.fetch_add(n, Ordering::Relaxed);
                metrics::counter!("tocsin_audit_commits_total", "path" => "group_commit").increment(1);
                metrics::counter!("tocsin_audit_entries_total", "path" => "group_commit").increment(n);
                for (entry, done) in entries.iter().zip(waiters) {
                    let _ = done.send(Ok(entry.seq));
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
