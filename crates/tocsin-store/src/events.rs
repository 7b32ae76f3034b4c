//! Live delivery of events to the subscribers of each agency.
//!
//! Events are stored first (in the transaction of the change they report)
//! and handed to the hub after the commit, in sequence order. Each
//! subscriber has a bounded queue. A subscriber whose queue is full is not
//! reading: the hub drops it at once, so it holds at most [`QUEUE`] events,
//! and logs it; its stream ends after what is queued, and the client
//! reconnects with `Last-Event-ID` to read the rest from the store.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tocsin_core::AgencyCode;
use tocsin_core::access::Viewer;
use tocsin_core::event::Event;
use tocsin_core::level::Level;
use tokio::sync::mpsc;

/// Events queued for one subscriber, at most.
pub const QUEUE: usize = 256;

struct Subscriber {
    id: u64,
    user: String,
    /// It is handed only the events at or below this level.
    clearance: Level,
    events: mpsc::Sender<Arc<Event>>,
}

/// The subscribers of every agency.
#[derive(Default)]
pub(crate) struct Hub {
    subscribers: Mutex<HashMap<AgencyCode, Vec<Subscriber>>>,
    next_id: AtomicU64,
}

/// One subscriber's live events, in sequence order.
pub struct Subscription {
    events: mpsc::Receiver<Arc<Event>>,
}

impl Subscription {
    /// The next event; `None` once the hub has dropped this subscriber (or
    /// the store has closed).
    pub async fn next(&mut self) -> Option<Arc<Event>> {
        self.events.recv().await
    }
}

impl Hub {
    pub(crate) fn subscribe(&self, viewer: Viewer, user: &str) -> Subscription {
        let (tx, rx) = mpsc::channel(QUEUE);
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut subs) = self.subscribers.lock() {
            let s = Subscriber { id, user: user.to_owned(), clearance: viewer.clearance, events: tx };
            subs.entry(viewer.agency).or_default().push(s);
        }
        metrics::gauge!("tocsin_event_subscribers").increment(1.0);
        Subscription { events: rx }
    }

    /// Hands committed events to their agencies' subscribers.
    pub(crate) fn publish(&self, events: &[Event]) {
        if events.is_empty() {
            return;
        }
        let Ok(mut subs) = self.subscribers.lock() else { return };
        for event in events {
            let Some(list) = subs.get_mut(&event.agency) else { continue };
            let event = Arc::new(event.clone());
            list.retain(|s| match event.level <= s.clearance {
                false => true,
                true => match s.events.try_send(event.clone()) {
                    Ok(()) => true,
                    Err(mpsc::error::TrySendError::Full(_)) => {
                        tracing::warn!(
                            agency = %event.agency,
                            user = %s.user,
                            subscriber = s.id,
                            queued = QUEUE,
                            "event subscriber is not reading; dropped (it can reconnect with Last-Event-ID)"
                        );
                        metrics::counter!("tocsin_event_subscribers_dropped_total").increment(1);
                        metrics::gauge!("tocsin_event_subscribers").decrement(1.0);
                        false
                    }
                    Err(mpsc::error::TrySendError::Closed(_)) => {
                        metrics::gauge!("tocsin_event_subscribers").decrement(1.0);
                        false
                    }
                },
            });
            metrics::counter!("tocsin_events_total").increment(1);
        }
        subs.retain(|_, list| !list.is_empty());
    }

    /// Subscribers now, for every agency.
    #[cfg(test)]
    fn count(&self) -> usize {
        self.subscribers.lock().map(|s| s.values().map(Vec::len).sum()).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use time::OffsetDateTime;
    use tocsin_core::event::EventKind;

    use super::*;

    fn event(seq: u64, agency: AgencyCode) -> Event {
        Event { seq, ..Event::new(agency, EventKind::Hit, serde_json::json!({}), OffsetDateTime::UNIX_EPOCH) }
    }

    #[tokio::test]
    async fn each_agency_gets_its_own_events_in_order() {
        let hub = Hub::default();
        let (fra, deu) = (AgencyCode::parse("FRA").expect("code"), AgencyCode::parse("DEU").expect("code"));
        let mut a = hub.subscribe(Viewer::agency(fra), "a");
        let mut b = hub.subscribe(Viewer::agency(deu), "b");
        hub.publish(&[event(1, fra), event(2, deu), event(3, fra)]);
        assert_eq!(a.next().await.map(|e| e.seq), Some(1));
        assert_eq!(a.next().await.map(|e| e.seq), Some(3));
        assert_eq!(b.next().await.map(|e| e.seq), Some(2));
    }

    #[tokio::test]
    async fn a_subscriber_that_does_not_read_is_dropped_with_what_it_holds_bounded() {
        let hub = Hub::default();
        let fra = AgencyCode::parse("FRA").expect("code");
        let mut slow = hub.subscribe(Viewer::agency(fra), "slow");
        let events: Vec<Event> = (1..=QUEUE as u64 + 10).map(|s| event(s, fra)).collect();
        hub.publish(&events);
        assert_eq!(hub.count(), 0, "dropped once its queue was full");
        let mut got = 0;
        while let Some(e) = slow.next().await {
            got += 1;
            assert_eq!(e.seq, got, "what it holds has no gap");
        }
        assert_eq!(got, QUEUE as u64, "it holds at most its queue, then ends");
    }

    #[tokio::test]
    async fn a_subscriber_is_handed_only_the_events_at_or_below_its_clearance() {
        let hub = Hub::default();
        let fra = AgencyCode::parse("FRA").expect("code");
        let mut low = hub.subscribe(Viewer::new(fra, Level::OfficialUseOnly), "low");
        let mut high = hub.subscribe(Viewer::new(fra, Level::Restricted), "high");
        let leveled = |seq, level| event(seq, fra).at(level);
        hub.publish(&[
            leveled(1, Level::Restricted),
            leveled(2, Level::OfficialUseOnly),
            leveled(3, Level::Confidential),
        ]);
        assert_eq!(low.next().await.map(|e| e.seq), Some(2), "the restricted one is not its to see");
        assert_eq!(high.next().await.map(|e| e.seq), Some(1));
        assert_eq!(high.next().await.map(|e| e.seq), Some(2));
        drop(hub);
        assert_eq!(high.next().await.map(|e| e.seq), None, "nor the confidential one");
    }

    #[tokio::test]
    async fn a_closed_subscriber_is_forgotten() {
        let hub = Hub::default();
        let fra = AgencyCode::parse("FRA").expect("code");
        drop(hub.subscribe(Viewer::agency(fra), "gone"));
        hub.publish(&[event(1, fra)]);
        assert_eq!(hub.count(), 0);
    }
}
