//! Cluster mode: this node's part in keeping every node's memory in line
//! with the shared database.
//!
//! A node that commits a change applies it to its own memory (screening
//! index, notices, watches, dismissals), then announces it on the bus and
//! waits for the stream's acknowledgement before answering, so a change a
//! client was told of is on the stream even if the node dies the next
//! moment. Every node follows the stream from the point it started at and
//! re-reads from the database what each change names; applying a change
//! twice or late does no harm, since the database is read as it is now.
//!
//! While the bus is unreachable, writes that other nodes must learn of are
//! refused with 503 ([`Store::writable`]); screening goes on from this
//! node's index, and hits and events are stored as always (other nodes read
//! the events from the database, see [`crate::fanout`]).

use std::sync::{Arc, Weak};
use std::time::Duration;

use futures::StreamExt;
use tocsin_bus::{Bus, BusError, IDS_PER_CHANGE, What};
use tocsin_core::notice::Notice;
use tocsin_core::record::Record;
use tokio::sync::{mpsc, oneshot};

use crate::{Store, StoreError};

/// Pause before following the stream again after it ended (the
/// connection was lost or came back) or failed.
const REFOLLOW: Duration = Duration::from_millis(250);
/// Longest pause between attempts to publish a change that failed.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

type Reply = oneshot::Sender<Result<u64, BusError>>;

/// Publishes this node's changes in the order they were made, retrying one
/// that fails until the bus takes it (events excepted: other nodes read
/// those from the database anyway).
pub(crate) struct Announcer {
    bus: Arc<dyn Bus>,
    tx: mpsc::UnboundedSender<(What, Option<Reply>)>,
}

impl Announcer {
    fn start(bus: Arc<dyn Bus>) -> Announcer {
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(publish_in_order(bus.clone(), rx));
        Announcer { bus, tx }
    }

    /// Queues `what` without waiting.
    pub(crate) fn send(&self, what: What) {
        let _ = self.tx.send((what, None));
    }

    /// Queues `what` and waits until the stream has stored it.
    async fn publish(&self, what: What) -> Result<u64, BusError> {
        let (reply, wait) = oneshot::channel();
        self.tx.send((what, Some(reply))).map_err(|_| BusError::Unreachable("the node is stopping".into()))?;
        wait.await.map_err(|_| BusError::Unreachable("the node is stopping".into()))?
    }
}

async fn publish_in_order(bus: Arc<dyn Bus>, mut rx: mpsc::UnboundedReceiver<(What, Option<Reply>)>) {
    while let Some((what, mut reply)) = rx.recv().await {
        let mut pause = Duration::from_millis(100);
        loop {
            match bus.publish(what.clone()).await {
                Ok(seq) => {
                    metrics::counter!("tocsin_cluster_published_total", "kind" => what.topic()).increment(1);
                    if let Some(r) = reply.take() {
                        let _ = r.send(Ok(seq));
                    }
                    break;
                }
                Err(e) => {
                    if let Some(r) = reply.take() {
                        let _ = r.send(Err(BusError::Unreachable(e.to_string())));
                    }
                    if matches!(what, What::Events { .. }) {
                        tracing::debug!(error = %e, "events not announced; other nodes read them from the database");
                        break;
                    }
                    tracing::warn!(error = %e, kind = what.topic(), "a change is not announced yet; retrying");
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(MAX_BACKOFF);
                }
            }
        }
    }
}

impl Store {
    /// Announces this store's changes on `bus` from now on (a CLI command
    /// writing to a cluster's database; `serve` then also follows it, see
    /// [`Store::join_cluster`]).
    pub fn use_bus(&self, bus: Arc<dyn Bus>) -> Result<(), StoreError> {
        self.cluster
            .set(Announcer::start(bus))
            .map_err(|_| StoreError::Conflict("this store already announces on a bus".into()))
    }

    /// Makes this store a cluster node on the bus given to
    /// [`Store::use_bus`]: builds the screening index (and the rest of its
    /// memory) from the database, then follows the stream from where it
    /// stood before the build, so no change made meanwhile is missed.
    /// Returns how many records are indexed.
    pub async fn join_cluster(self: &Arc<Self>) -> Result<usize, StoreError> {
        let bus = self
            .cluster
            .get()
            .map(|c| c.bus.clone())
            .ok_or_else(|| StoreError::Conflict("no bus to follow (use_bus first)".into()))?;
        let from = bus.last_seq().await.map_err(bus_error)? + 1;
        let indexed = self.enable_screening().await?;
        tokio::spawn(follow(Arc::downgrade(self), bus, from));
        Ok(indexed)
    }

    /// Whether this node may take a write that other nodes must learn of:
    /// not while its bus is unreachable (503, retry later).
    pub(crate) fn writable(&self) -> Result<(), StoreError> {
        match self.cluster.get() {
            Some(c) if !c.bus.is_connected() => Err(StoreError::Unavailable(
                "the event bus (NATS) is unreachable: writes are refused until it is back".into(),
            )),
            _ => Ok(()),
        }
    }

    /// Re-indexes `records` here and announces them to the other nodes.
    pub(crate) async fn records_changed<'a>(&self, records: impl IntoIterator<Item = &'a Record>) {
        let records: Vec<&Record> = records.into_iter().collect();
        self.reindex(records.iter().copied());
        if self.cluster.get().is_some() {
            for chunk in records.chunks(IDS_PER_CHANGE) {
                self.announce(What::Records { ids: chunk.iter().map(|r| r.id).collect() }).await;
            }
        }
    }

    /// Brings this node's notice maps in line with `notices` and announces
    /// them.
    pub(crate) async fn notices_changed<'a>(&self, notices: impl IntoIterator<Item = &'a Notice>) {
        let notices: Vec<&Notice> = notices.into_iter().collect();
        notices.iter().for_each(|n| self.republish(n));
        if self.cluster.get().is_some() {
            for chunk in notices.chunks(IDS_PER_CHANGE) {
                self.announce(What::Notices { ids: chunk.iter().map(|n| n.id).collect() }).await;
            }
        }
    }

    /// Announces a change this node has applied and committed, waiting for
    /// the stream to store it. A failure is logged, not returned: the
    /// change is committed, and the announcer retries until the bus takes
    /// it.
    pub(crate) async fn announce(&self, what: What) {
        let Some(cluster) = self.cluster.get() else { return };
        let topic = what.topic();
        if let Err(e) = cluster.publish(what).await {
            tracing::warn!(error = %e, kind = topic, "committed, but not yet announced to the cluster; retrying");
        }
    }

    /// Applies another node's change to this node's memory.
    async fn apply(&self, what: What) -> Result<(), StoreError> {
        match what {
            What::Records { ids } => {
                let records = self.backend.records(&ids).await?;
                self.reindex(&records);
            }
            What::Notices { ids } => {
                for id in ids {
                    if let Some(n) = self.backend.notice(&id).await? {
                        self.republish(&n);
                    }
                }
            }
            What::Watches => drop(self.load_watches().await?),
            What::Dismissals => drop(self.load_dismissals().await?),
            What::Events { events } => self.fanout.remote(events),
        }
        Ok(())
    }
}

/// A bus failure as the store reports it.
fn bus_error(e: BusError) -> StoreError {
    match e {
        BusError::Invalid { field, message } => StoreError::Invalid(tocsin_core::FieldError::field(field, message)),
        e => StoreError::Unavailable(e.to_string()),
    }
}

/// Follows the stream from `from` for as long as the store lives: applies
/// other nodes' changes in order, follows again after a lost connection
/// from where it got to, and rebuilds from the database if the stream no
/// longer holds what this node missed.
async fn follow(store: Weak<Store>, bus: Arc<dyn Bus>, mut next: u64) {
    loop {
        match bus.follow(next).await {
            Ok(mut deliveries) => {
                while let Some(delivery) = deliveries.next().await {
                    let Some(store) = store.upgrade() else { return };
                    let d = match delivery {
                        Ok(d) => d,
                        Err(e) => {
                            tracing::warn!(error = %e, "following the cluster stream failed; following again");
                            break;
                        }
                    };
                    if d.seq < next {
                        continue;
                    }
                    if d.seq > next {
                        tracing::warn!(
                            missed_from = next,
                            resumed_at = d.seq,
                            "the stream no longer holds changes this node missed; rebuilding from the database"
                        );
                        rebuild(&store).await;
                    }
                    if d.change.origin != bus.node() {
                        let topic = d.change.what.topic();
                        while let Err(e) = store.apply(d.change.what.clone()).await {
                            tracing::warn!(error = %e, seq = d.seq, kind = topic, "applying a change failed; retrying");
                            tokio::time::sleep(REFOLLOW).await;
                        }
                        metrics::counter!("tocsin_cluster_applied_total", "kind" => topic).increment(1);
                    }
                    next = d.seq + 1;
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot follow the cluster stream; retrying"),
        }
        if store.strong_count() == 0 {
            return;
        }
        tokio::time::sleep(REFOLLOW).await;
    }
}

/// Rebuilds this node's memory from the database, retrying until it can.
async fn rebuild(store: &Store) {
    while let Err(e) = store.enable_screening().await {
        tracing::warn!(error = %e, "rebuilding from the database failed; retrying");
        tokio::time::sleep(REFOLLOW).await;
    }
}
