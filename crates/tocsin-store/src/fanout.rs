//! From committed events to live subscribers: every event once, in
//! sequence order, whichever process committed it.
//!
//! Events are numbered inside their commit under the store's write lock
//! (SQLite's, or PostgreSQL's advisory lock), so when event *n* is visible
//! every event before it is too. The fan-out keeps the next number it owes
//! the hub. Events that follow on (this process's commits, or another
//! node's over the bus) go straight to the hub; anything else, a gap or a
//! batch out of order, is read back from the store after the last number
//! handed on. Once a second it also asks the store for its last number, so
//! events whose news never came (a node that died before publishing, the
//! bus down, `tocsin maintenance run` from another process) still reach
//! the subscribers, at most a second late.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use tocsin_bus::What;
use tocsin_core::event::Event;
use tokio::sync::mpsc;

use crate::Backend;
use crate::cluster::Announcer;
use crate::events::Hub;

/// How often the store is asked for events nobody announced.
const POLL: Duration = Duration::from_secs(1);
/// Events read from the store per step while catching up.
const STEP: u32 = 500;

enum Input {
    /// The last event number when the store was opened: the hub is owed
    /// everything after it.
    Begin(u64),
    /// Committed by this process: also announced to the cluster.
    Local(Vec<Event>),
    /// Committed by another node, as its announcement told.
    Remote(Vec<Event>),
}

/// Handle to the fan-out task.
#[derive(Clone)]
pub(crate) struct Fanout {
    tx: mpsc::UnboundedSender<Input>,
}

impl Fanout {
    /// Starts the task on the current runtime. `cluster` is set once the
    /// store joins one.
    pub(crate) fn start(backend: Arc<dyn Backend>, hub: Arc<Hub>, cluster: Arc<OnceLock<Announcer>>) -> Fanout {
        let (tx, rx) = mpsc::unbounded_channel();
        let task = Task { backend, hub, cluster, next: None };
        tokio::spawn(task.run(rx));
        Fanout { tx }
    }

    /// Starts owing the hub every event after `last` (the store's last
    /// event number when it was opened, before anything was committed
    /// through it). Until then the first event handed on sets the start,
    /// and the poll waits.
    pub(crate) fn begin(&self, last: u64) {
        let _ = self.tx.send(Input::Begin(last));
    }

    /// Events this process committed, in order.
    pub(crate) fn local(&self, events: Vec<Event>) {
        if !events.is_empty() {
            let _ = self.tx.send(Input::Local(events));
        }
    }

    /// Events another node committed, as announced.
    pub(crate) fn remote(&self, events: Vec<Event>) {
        if !events.is_empty() {
            let _ = self.tx.send(Input::Remote(events));
        }
    }
}

struct Task {
    backend: Arc<dyn Backend>,
    hub: Arc<Hub>,
    cluster: Arc<OnceLock<Announcer>>,
    /// The next event number the hub is owed; unknown until the first
    /// event or poll.
    next: Option<u64>,
}

impl Task {
    async fn run(mut self, mut rx: mpsc::UnboundedReceiver<Input>) {
        let mut poll = tokio::time::interval(POLL);
        poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                input = rx.recv() => match input {
                    None => return,
                    Some(Input::Begin(last)) => {
                        if self.next.is_none() {
                            self.next = Some(last + 1);
                        }
                    }
                    Some(Input::Local(events)) => {
                        if let Some(cluster) = self.cluster.get() {
                            cluster.send(What::Events { events: events.clone() });
                        }
                        self.deliver(events).await;
                    }
                    Some(Input::Remote(events)) => self.deliver(events).await,
                },
                _ = poll.tick() => self.poll().await,
            }
        }
    }

    /// Hands on `events` (contiguous, in order) if they follow on; reads
    /// the store after the last number handed on if they do not.
    async fn deliver(&mut self, events: Vec<Event>) {
        let fresh: Vec<Event> = events.into_iter().filter(|e| self.next.is_none_or(|n| e.seq >= n)).collect();
        let (Some(first), Some(last)) = (fresh.first().map(|e| e.seq), fresh.last().map(|e| e.seq)) else { return };
        let follows = self.next.is_none_or(|n| first == n) && fresh.windows(2).all(|w| w[1].seq == w[0].seq + 1);
        if follows {
            self.hub.publish(&fresh);
            self.next = Some(last + 1);
        } else {
            self.catch_up().await;
        }
    }

    async fn poll(&mut self) {
        match self.backend.last_event().await {
            Ok(last) => match self.next {
                Some(next) if last >= next => self.catch_up().await,
                _ => {}
            },
            Err(e) => tracing::debug!(error = %e, "event fan-out: the store is unreachable; retrying"),
        }
    }

    /// Reads and hands on every stored event after the last one handed on.
    async fn catch_up(&mut self) {
        let Some(mut next) = self.next else { return };
        loop {
            match self.backend.events(None, next - 1, STEP).await {
                Ok(page) => {
                    if let Some(last) = page.last() {
                        next = last.seq + 1;
                    }
                    self.hub.publish(&page);
                    self.next = Some(next);
                    if page.len() < STEP as usize {
                        return;
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "event fan-out: reading the store failed; retrying at the next poll");
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use time::OffsetDateTime;
    use tocsin_audit::{Draft, Outcome};
    use tocsin_core::AgencyCode;
    use tocsin_core::event::EventKind;

    use super::*;
    use crate::SqliteBackend;
    use crate::backend::Effects;

    fn fra() -> AgencyCode {
        AgencyCode::parse("FRA").expect("code")
    }

    /// Commits `n` events for FRA in one transaction and returns them.
    async fn commit(backend: &dyn Backend, n: usize) -> Vec<Event> {
        let event = Event::new(fra(), EventKind::Hit, serde_json::json!({}), OffsetDateTime::now_utc());
        let draft = Draft {
            time: OffsetDateTime::now_utc(),
            agency: "FRA".into(),
            user: "u".into(),
            role: "officer".into(),
            action: "screen".into(),
            objects: vec![],
            outcome: Outcome::Ok,
            purpose: None,
        };
        let effects = Effects { events: vec![event; n], ..Effects::default() };
        backend.append_batch(vec![draft], effects).await.expect("commit").1
    }

    #[tokio::test]
    async fn subscribers_get_every_event_once_in_order_whoever_announced_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let backend: Arc<dyn Backend> = Arc::new(SqliteBackend::open(dir.path(), true).await.expect("open"));
        let hub = Arc::new(Hub::default());
        let mut sub = hub.subscribe(tocsin_core::access::Viewer::agency(fra()), "u");
        let fanout = Fanout::start(backend.clone(), hub, Arc::new(OnceLock::new()));
        fanout.begin(backend.last_event().await.expect("last"));
        let first = commit(&*backend, 1).await;
        fanout.local(first);
        // Another process commits two batches; only the second is announced.
        let _unannounced = commit(&*backend, 2).await;
        let announced = commit(&*backend, 1).await;
        fanout.remote(announced.clone());
        // An announcement arriving twice, or late, changes nothing.
        fanout.remote(announced);
        let mut got = vec![];
        while let Ok(Some(e)) = tokio::time::timeout(Duration::from_millis(300), sub.next()).await {
            got.push(e.seq);
        }
        assert_eq!(got, vec![1, 2, 3, 4], "the gap is read from the store, the repeat dropped");
        // A commit nobody announces reaches the subscriber by the poll.
        commit(&*backend, 1).await;
        let polled = tokio::time::timeout(POLL * 3, sub.next()).await.ok().flatten().map(|e| e.seq);
        assert_eq!(polled, Some(5));
    }
}
