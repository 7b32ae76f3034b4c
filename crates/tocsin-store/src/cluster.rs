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
use time::OffsetDateTime;
use tocsin_audit::checkpoint::Checkpoint;
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

/// How often a node looks for changes left in the outbox.
const SWEEP_EVERY: Duration = Duration::from_secs(5);
/// How long a change stays in the outbox before another node announces it:
/// far longer than a commit and an acknowledgement take.
const LEFT_BEHIND: Duration = Duration::from_secs(30);
/// Outbox entries announced per sweep step.
const SWEEP_STEP: u32 = 100;

type Reply = oneshot::Sender<Result<u64, BusError>>;

/// A change about to be committed (see [`Store::intend`]).
#[must_use = "settle the write and announce the change"]
pub(crate) struct Intent {
    /// Its outbox id, in cluster mode.
    kept: Option<u64>,
    changes: Vec<What>,
}

/// This node's place in the cluster, as `GET /v1/health` shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct ClusterStatus {
    /// The node's name (`--node`).
    pub node: String,
    /// Whether the event bus (NATS) is connected; writes that other nodes
    /// must learn of are refused (503) while it is not.
    pub bus_connected: bool,
    /// The last stream sequence this node has applied (0: none yet).
    pub applied: u64,
}

/// The announcements for `records` (10,000 ids per message).
pub(crate) fn records_changes<'a>(records: impl IntoIterator<Item = &'a Record>) -> Vec<What> {
    let ids: Vec<_> = records.into_iter().map(|r| r.id).collect();
    ids.chunks(IDS_PER_CHANGE).map(|c| What::Records { ids: c.to_vec() }).collect()
}

/// The announcements for `notices` (10,000 ids per message).
pub(crate) fn notices_changes<'a>(notices: impl IntoIterator<Item = &'a Notice>) -> Vec<What> {
    let ids: Vec<_> = notices.into_iter().map(|n| n.id).collect();
    ids.chunks(IDS_PER_CHANGE).map(|c| What::Notices { ids: c.to_vec() }).collect()
}

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
        tokio::spawn(sweep(Arc::downgrade(self)));
        Ok(indexed)
    }

    /// This node's place in the cluster; `None` outside one.
    pub fn cluster_status(&self) -> Option<ClusterStatus> {
        let cluster = self.cluster.get()?;
        Some(ClusterStatus {
            node: cluster.bus.node().to_owned(),
            bus_connected: cluster.bus.is_connected(),
            applied: self.applied.load(std::sync::atomic::Ordering::Relaxed),
        })
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

    /// Keeps `changes` in the outbox before the write that makes them, in
    /// cluster mode (elsewhere it does nothing): if this node dies between
    /// the commit and the bus's acknowledgement, another node's sweep
    /// announces them. Call [`Store::settle`] with the write's result, then
    /// [`Store::announce`] after applying the change here.
    pub(crate) async fn intend(&self, changes: impl FnOnce() -> Vec<What>) -> Result<Intent, StoreError> {
        if self.cluster.get().is_none() {
            return Ok(Intent { kept: None, changes: vec![] });
        }
        let changes = changes();
        let body = serde_json::to_string(&changes).map_err(|e| StoreError::Corrupt(format!("a change: {e}")))?;
        let kept = self.backend.outbox_put(&body, OffsetDateTime::now_utc()).await?;
        Ok(Intent { kept: Some(kept), changes })
    }

    /// Passes the write's result on; a failed write's intent is dropped from
    /// the outbox (if that fails too, the sweep announces a change that did
    /// not happen, which is harmless: nodes re-read what it names).
    pub(crate) async fn settle<T>(&self, intent: &Intent, written: Result<T, StoreError>) -> Result<T, StoreError> {
        if written.is_err()
            && let Some(id) = intent.kept
            && let Err(e) = self.backend.outbox_done(&[id]).await
        {
            tracing::debug!(error = %e, "a failed write's intent stays in the outbox");
        }
        written
    }

    /// Announces a committed change this node has applied, waiting for the
    /// stream to store it, and drops it from the outbox. A failure is
    /// logged, not returned: the change is committed, the announcer retries
    /// while this process lives, and the outbox keeps it for the sweep.
    pub(crate) async fn announce(&self, intent: Intent) {
        let (Some(cluster), Some(id)) = (self.cluster.get(), intent.kept) else { return };
        let mut all = true;
        for what in intent.changes {
            let topic = what.topic();
            if let Err(e) = cluster.publish(what).await {
                tracing::warn!(error = %e, kind = topic, "committed, but not yet announced to the cluster; retrying");
                all = false;
            }
        }
        if all && let Err(e) = self.backend.outbox_done(&[id]).await {
            tracing::debug!(error = %e, "an announced change stays in the outbox; the sweep announces it again");
        }
    }

    /// Announces the changes other processes left in the outbox for longer
    /// than `older_than` (they died between commit and acknowledgement),
    /// applying them here too, since a node skips its own announcements.
    /// Returns how many outbox entries it announced.
    pub(crate) async fn sweep_outbox(&self, older_than: Duration) -> Result<usize, StoreError> {
        let Some(cluster) = self.cluster.get() else { return Ok(0) };
        if !cluster.bus.is_connected() {
            return Ok(0);
        }
        let before = OffsetDateTime::now_utc() - older_than;
        let left = self.backend.outbox_older(before, SWEEP_STEP).await?;
        for (id, body) in &left {
            match serde_json::from_str::<Vec<What>>(body) {
                Ok(changes) => {
                    for what in changes {
                        self.apply(what.clone()).await?;
                        cluster.publish(what).await.map_err(bus_error)?;
                    }
                    tracing::info!(outbox = id, "announced a change a node left unannounced");
                }
                Err(e) => tracing::warn!(outbox = id, error = %e, "an outbox entry does not parse; dropped"),
            }
            self.backend.outbox_done(&[*id]).await?;
        }
        Ok(left.len())
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
            What::Tokens => self.forget_tokens(),
            What::Events { events } => self.fanout.remote(events),
            What::Checkpoint { checkpoint } => match self.peer_checkpoints.get() {
                Some(keep) => keep(checkpoint),
                None => tracing::debug!(seq = checkpoint.seq, "another node's audit checkpoint; nobody keeps it here"),
            },
        }
        Ok(())
    }

    /// Keeps every audit checkpoint other nodes announce with `keep` (the
    /// serving process writes them to its data directory). Set once.
    pub fn keep_peer_checkpoints(&self, keep: impl Fn(Checkpoint) + Send + Sync + 'static) {
        let _ = self.peer_checkpoints.set(Box::new(keep));
    }

    /// Announces this node's audit checkpoint to the other nodes (in
    /// cluster mode; nothing otherwise), waiting for the stream to store it.
    /// A failure is logged: the checkpoint is kept here all the same.
    pub async fn announce_checkpoint(&self, checkpoint: Checkpoint) {
        let Some(cluster) = self.cluster.get() else { return };
        if let Err(e) = cluster.publish(What::Checkpoint { checkpoint }).await {
            tracing::warn!(error = %e, "an audit checkpoint was not announced to the cluster");
        }
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
                    if d.change.origin != bus.origin() {
                        let topic = d.change.what.topic();
                        while let Err(e) = store.apply(d.change.what.clone()).await {
                            tracing::warn!(error = %e, seq = d.seq, kind = topic, "applying a change failed; retrying");
                            tokio::time::sleep(REFOLLOW).await;
                        }
                        metrics::counter!("tocsin_cluster_applied_total", "kind" => topic).increment(1);
                    }
                    next = d.seq + 1;
                    store.applied.store(d.seq, std::sync::atomic::Ordering::Relaxed);
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

/// Sweeps the outbox every [`SWEEP_EVERY`] for as long as the store lives.
async fn sweep(store: Weak<Store>) {
    let mut ticks = tokio::time::interval(SWEEP_EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let Some(store) = store.upgrade() else { return };
        if let Err(e) = store.sweep_outbox(LEFT_BEHIND).await {
            tracing::warn!(error = %e, "sweeping the outbox failed; retrying");
        }
    }
}

/// Rebuilds this node's memory from the database, retrying until it can.
async fn rebuild(store: &Store) {
    // A revocation may be among what the stream lost.
    store.forget_tokens();
    while let Err(e) = store.enable_screening().await {
        tracing::warn!(error = %e, "rebuilding from the database failed; retrying");
        tokio::time::sleep(REFOLLOW).await;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicBool, Ordering};

    use tocsin_bus::{Change, Deliveries, Delivery};
    use tocsin_core::AgencyCode;
    use tocsin_core::auth::Role;
    use tocsin_core::record::RecordInput;
    use tocsin_match::request::Request;

    use super::*;
    use crate::{Actor, ScreenContext};

    /// A stream in memory that several stores share; `down` makes publishing
    /// fail (a node dying before the acknowledgement, as far as the others
    /// can tell).
    struct MemoryBus {
        node: String,
        log: Arc<Mutex<Vec<Change>>>,
        down: AtomicBool,
    }

    #[async_trait::async_trait]
    impl Bus for MemoryBus {
        fn node(&self) -> &str {
            &self.node
        }

        fn origin(&self) -> &str {
            &self.node
        }

        fn is_connected(&self) -> bool {
            true
        }

        async fn publish(&self, what: What) -> Result<u64, BusError> {
            if self.down.load(Ordering::SeqCst) {
                return Err(BusError::Unreachable("down".into()));
            }
            let mut log = self.log.lock().map_err(|_| BusError::Unreachable("poisoned".into()))?;
            log.push(Change { origin: self.node.clone(), what });
            Ok(log.len() as u64)
        }

        async fn last_seq(&self) -> Result<u64, BusError> {
            Ok(self.log.lock().map(|l| l.len() as u64).unwrap_or(0))
        }

        async fn follow(&self, from: u64) -> Result<Deliveries, BusError> {
            let log = self.log.clone();
            Ok(Box::pin(futures::stream::unfold(from.max(1), move |seq| {
                let log = log.clone();
                async move {
                    loop {
                        let next = log.lock().ok().and_then(|l| l.get(seq as usize - 1).cloned());
                        if let Some(change) = next {
                            return Some((Ok(Delivery { seq, change }), seq + 1));
                        }
                        tokio::time::sleep(Duration::from_millis(5)).await;
                    }
                }
            })))
        }
    }

    fn bus(node: &str, log: &Arc<Mutex<Vec<Change>>>, down: bool) -> Arc<dyn Bus> {
        Arc::new(MemoryBus { node: node.into(), log: log.clone(), down: down.into() })
    }

    async fn found(store: &Store, name: &str) -> usize {
        let officer = Actor::new(AgencyCode::parse("DEU").expect("code"), "o", Role::Officer, None);
        let request: Request = serde_json::from_value(serde_json::json!({"name": name})).expect("request");
        let query = request.validate(2026).expect("valid").query;
        store.screen(&officer, query, ScreenContext::default()).await.expect("screen").len()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_change_its_node_never_announced_is_announced_from_the_outbox() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (a, _) = Store::init(dir.path()).await.expect("init");
        let fra = AgencyCode::parse("FRA").expect("code");
        a.add_agency(&Actor::operator(fra), fra, "France").await.expect("agency");
        let log = Arc::new(Mutex::new(Vec::new()));
        let b = Arc::new(Store::open(dir.path()).await.expect("open"));
        b.use_bus(bus("b", &log, false)).expect("bus");
        b.join_cluster().await.expect("join");
        // A commits, and its announcement never reaches the stream.
        a.use_bus(bus("a", &log, true)).expect("bus");
        let input: RecordInput = serde_json::from_value(serde_json::json!({
            "kind": "person", "names": [{"full": "Ivan Petrovich SIDOROV"}],
            "handling": {"code": "locate"}, "access": {"mode": "all"},
        }))
        .expect("input");
        a.create_record(&Actor::operator(fra), input).await.expect("committed");
        assert_eq!(found(&b, "Ivan Sidorov").await, 0, "B never heard of it");
        // Too young to sweep: its node may still be announcing it.
        assert_eq!(b.sweep_outbox(LEFT_BEHIND).await.expect("sweep"), 0);
        assert_eq!(b.sweep_outbox(Duration::ZERO).await.expect("sweep"), 1);
        assert_eq!(found(&b, "Ivan Sidorov").await, 1, "the sweeping node applies it itself");
        let announced = log.lock().expect("log").iter().any(|c| matches!(c.what, What::Records { .. }));
        assert!(announced, "and announces it to the others");
        assert_eq!(b.sweep_outbox(Duration::ZERO).await.expect("sweep"), 0, "once");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_token_revoked_on_one_node_is_refused_on_the_other_at_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (a, _) = Store::init(dir.path()).await.expect("init");
        let a = Arc::new(a);
        let fra = AgencyCode::parse("FRA").expect("code");
        a.add_agency(&Actor::operator(fra), fra, "France").await.expect("agency");
        let log = Arc::new(Mutex::new(Vec::new()));
        a.use_bus(bus("a", &log, false)).expect("bus");
        a.join_cluster().await.expect("join");
        let b = Arc::new(Store::open(dir.path()).await.expect("open"));
        b.use_bus(bus("b", &log, false)).expect("bus");
        b.join_cluster().await.expect("join");
        let token =
            a.create_token(&Actor::operator(fra), fra, Role::Officer, "o", Default::default()).await.expect("token");
        // Both nodes accept it, and keep it in memory.
        assert!(a.authenticate(&token.secret).await.expect("auth").is_some());
        assert!(b.authenticate(&token.secret).await.expect("auth").is_some());
        let id = a.list_tokens(&Actor::operator(fra), Some(fra)).await.expect("list")[0].id.clone();
        a.revoke_token(&Actor::operator(fra), &id).await.expect("revoke");
        assert!(a.authenticate(&token.secret).await.expect("auth").is_none(), "refused where revoked");
        // Well within the re-read interval: the announcement did it.
        let deadline = std::time::Instant::now() + Duration::from_secs(2);
        while b.authenticate(&token.secret).await.expect("auth").is_some() {
            assert!(std::time::Instant::now() < deadline, "the other node still accepts a revoked token");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}
