//! Hits after they are made: the inboxes, the workflow, messages between
//! the two agencies, reviewed false positives, and the event stream that
//! tells each agency of all of it at once.

use std::collections::VecDeque;
use std::sync::Arc;
use tocsin_bus::What;

use time::OffsetDateTime;
use tocsin_core::AgencyCode;
use tocsin_core::access::Viewer;
use tocsin_core::auth::Permission;
use tocsin_core::event::{Event, EventKind, EventView};
use tocsin_core::hit::{DISMISS_DAYS, Dismissal, Hit, HitId, HitMessage, HitStatus, MESSAGE_CHARS, Side};
use tocsin_core::record::RecordId;
use tocsin_match::request::Request;

use crate::backend::{Backend, Change, Effects, HitFilter};
use crate::events::Subscription;
use crate::store::{Actor, MAX_PAGE, Page, require};
use crate::{Store, StoreError};

/// Which hits to list.
#[derive(Debug, Clone, Default)]
pub struct HitQuery {
    /// Only hits where the caller's agency is on this side.
    pub role: Option<Side>,
    /// Only this status.
    pub status: Option<HitStatus>,
    /// Only hits made at or after this time.
    pub since: Option<OffsetDateTime>,
    /// Older than this hit (the previous page's `next`).
    pub before: Option<HitId>,
    /// At most this many (1..=1000).
    pub limit: u32,
}

/// Events read from the store per step while catching up.
const CATCH_UP_STEP: u32 = 500;

/// An event for each agency that may see `hit` ([`Hit::audience`]).
pub(crate) fn hit_events(hit: &Hit, kind: EventKind, data: &serde_json::Value, time: OffsetDateTime) -> Effects {
    let events =
        hit.audience().into_iter().map(|agency| Event::new(agency, kind, data.clone(), time).at(hit.level)).collect();
    Effects { events, ..Effects::default() }
}

/// An agency's events at or below the subscriber's clearance, numbered in
/// that clearance's count: first those after the client's last one, read
/// from the store, then live ones as they are committed. See
/// [`Store::subscribe`].
pub struct EventStream {
    backend: Arc<dyn Backend>,
    viewer: Viewer,
    last: u64,
    backlog: VecDeque<Event>,
    caught_up: bool,
    live: Subscription,
    /// Whether the subscriber reads messages: without that right the
    /// agency's `message.*` and `diffusion.review` events are skipped.
    messages: bool,
}

/// Whether an event is about messages between agencies.
fn about_messages(e: &Event) -> bool {
    matches!(e.kind, EventKind::MessageReceived | EventKind::MessageReceipt | EventKind::DiffusionReview)
}

impl EventStream {
    /// The next event, waiting for one if need be; `None` when the stream
    /// has ended (the client was too slow, or the store closed): the client
    /// reconnects after the last event it got and misses nothing.
    pub async fn next(&mut self) -> Option<Result<Arc<Event>, StoreError>> {
        loop {
            if let Some(e) = self.backlog.pop_front() {
                self.last = e.number(self.viewer.clearance);
                if !self.messages && about_messages(&e) {
                    continue;
                }
                return Some(Ok(Arc::new(e)));
            }
            if !self.caught_up {
                match self.backend.events(Some(&self.viewer), self.last, CATCH_UP_STEP).await {
                    Ok(page) => {
                        self.caught_up = page.len() < CATCH_UP_STEP as usize;
                        self.backlog.extend(page);
                        continue;
                    }
                    Err(e) => return Some(Err(e)),
                }
            }
            let e = self.live.next().await?;
            let number = e.number(self.viewer.clearance);
            if self.viewer.cleared_for(e.level) && number > self.last {
                self.last = number;
                if !self.messages && about_messages(&e) {
                    continue;
                }
                return Some(Ok(e));
            }
        }
    }

    /// The last event's number handed out (or the starting point).
    pub fn last(&self) -> u64 {
        self.last
    }

    /// An event it handed out as its subscriber is shown it.
    pub fn view<'a>(&self, e: &'a Event) -> EventView<'a> {
        e.view(self.viewer.clearance)
    }
}

impl Store {
    /// The actor's agency's events after `after` (the number, in the
    /// agency's own count, of the last event it saw), then live ones; without `after`, only events from now on.
    /// Audited once, as `events.subscribe`.
    pub async fn subscribe(&self, actor: &Actor, after: Option<u64>) -> Result<EventStream, StoreError> {
        let result = async {
            require(actor, Permission::ReadRecords)?;
            // Subscribe before reading the store, so nothing falls between.
            let viewer = actor.viewer();
            let live = self.hub.subscribe(viewer, &actor.user);
            let (last, caught_up) = match after {
                Some(n) => (n, false),
                None => (self.backend.last_event_number(&viewer).await?, true),
            };
            Ok(EventStream {
                backend: self.backend.clone(),
                viewer,
                last,
                backlog: VecDeque::new(),
                caught_up,
                live,
                messages: actor.may(Permission::ReadMessages),
            })
        }
        .await;
        let objects = after.map(|n| vec![format!("event:{n}")]).unwrap_or_default();
        self.audited(actor, "events.subscribe", objects, result).await
    }

    /// Hits the actor's agency may see (as owner, or as searcher of a hit
    /// that is not silent), newest first.
    pub async fn hits(&self, actor: &Actor, filter: HitQuery) -> Result<Page<Hit>, StoreError> {
        let result = async {
            require(actor, Permission::ReadRecords)?;
            let limit = filter.limit.clamp(1, MAX_PAGE);
            let items = self
                .backend
                .hits(&HitFilter {
                    viewer: actor.viewer(),
                    role: filter.role,
                    status: filter.status,
                    since: filter.since,
                    before: filter.before,
                    limit,
                })
                .await?;
            let next = (items.len() == limit as usize).then(|| items.last().map(|h| h.id.to_string())).flatten();
            Ok(Page { items, next })
        }
        .await;
        let ids = match &result {
            Ok(p) => p.items.iter().map(|h| h.id.to_string()).collect(),
            Err(_) => vec![],
        };
        self.audited(actor, "hit.list", ids, result).await
    }

    /// One hit, if the actor's agency may see it (404 otherwise, as for one
    /// that does not exist).
    pub async fn hit(&self, actor: &Actor, id: HitId) -> Result<Hit, StoreError> {
        let result = self.visible_hit(actor, id).await;
        self.audited(actor, "hit.read", vec![id.to_string()], result).await
    }

    pub(crate) async fn visible_hit(&self, actor: &Actor, id: HitId) -> Result<Hit, StoreError> {
        require(actor, Permission::ReadRecords)?;
        match self.backend.hit(&id).await? {
            Some(h) if h.visible_to(&actor.viewer()) => Ok(h),
            _ => Err(StoreError::NotFound(format!("hit {id}"))),
        }
    }

    /// Moves a hit along the workflow ([`Hit::next_statuses`]); a move the
    /// actor's agency may not make now is a [`StoreError::Conflict`] naming
    /// the moves it may make. Both agencies get an event. Marking it
    /// `false_positive` holds back new hits on the same subject and record
    /// for the searching agency ([`Dismissal`]).
    pub async fn set_hit_status(&self, actor: &Actor, id: HitId, to: HitStatus) -> Result<Hit, StoreError> {
        let purpose = Actor { purpose: Some(format!("status {}", to.as_str())), ..actor.clone() };
        let result = async {
            let current = self.visible_hit(actor, id).await?;
            let allowed = current.next_statuses(&actor.agency);
            if !allowed.contains(&to) {
                let allowed: Vec<&str> = allowed.iter().map(|s| s.as_str()).collect();
                return Err(StoreError::Conflict(format!(
                    "hit {id} is {}; {} may move it to: {}",
                    current.status.as_str(),
                    actor.agency,
                    if allowed.is_empty() { "nothing".to_owned() } else { allowed.join(", ") }
                )));
            }
            if to == HitStatus::FalsePositive {
                self.writable()?;
            }
            let from = current.status;
            let next = Hit { status: to, updated_at: OffsetDateTime::now_utc(), ..current };
            let data = serde_json::json!({
                "hit_id": next.id,
                "from": from,
                "to": next.status,
                "agency": actor.agency,
                "user": actor.user,
            });
            let events = hit_events(&next, EventKind::HitStatus, &data, next.updated_at);
            // Marked a false positive, the hit holds back new ones: the
            // dismissal is written with the move and its entry.
            let dismissal = match to {
                HitStatus::FalsePositive => self.dismissal_of(&next).await?,
                _ => None,
            };
            let hit_change = Change::Hit { hit: next.clone(), expected: from };
            let (change, intent) = match &dismissal {
                Some(d) => (
                    Change::All(vec![hit_change, Change::Dismissal(d.clone())]),
                    Some(self.intend(|| vec![What::Dismissals]).await?),
                ),
                None => (hit_change, None),
            };
            let written = self.commit_logged(&purpose, "hit.status", vec![id.to_string()], change, events).await;
            let written = match &intent {
                Some(intent) => self.settle(intent, written).await?,
                None => written?,
            };
            if !written.applied {
                return Err(StoreError::Conflict(format!("hit {id} changed meanwhile; read it again")));
            }
            if let Some(d) = dismissal {
                crate::locks::write(&self.dismissals).insert((d.agency, d.subject.clone(), d.record_id), d);
            }
            if let Some(intent) = intent {
                self.announce(intent).await;
            }
            Ok(next)
        }
        .await;
        self.audited_failure(&purpose, "hit.status", vec![id.to_string()], result).await
    }

    /// The reviewed false positive a hit marked so keeps in force, or `None`
    /// if its query no longer validates.
    async fn dismissal_of(&self, hit: &Hit) -> Result<Option<Dismissal>, StoreError> {
        let request: Result<Request, _> = serde_json::from_value(hit.query.clone());
        let Ok(valid) =
            request.map_err(|e| e.to_string()).and_then(|r| r.validate(hit.time.year()).map_err(|e| e.to_string()))
        else {
            tracing::warn!(hit = %hit.id, "the hit's query no longer validates; no dismissal kept");
            return Ok(None);
        };
        let days = self.settings(&hit.searcher).await?.dismiss_days.unwrap_or(DISMISS_DAYS);
        Ok(Some(Dismissal {
            agency: hit.searcher,
            subject: valid.query.subject(),
            record_id: hit.record_id,
            hit_id: hit.id,
            until: OffsetDateTime::now_utc() + time::Duration::days(i64::from(days)),
        }))
    }

    /// The reviewed false positive that holds back a hit by `agency` on
    /// `record` for `subject`, if one is in force.
    pub(crate) fn dismissal(&self, agency: AgencyCode, subject: &str, record: RecordId) -> Option<Dismissal> {
        let d = crate::locks::read(&self.dismissals);
        if d.is_empty() {
            return None;
        }
        let now = OffsetDateTime::now_utc();
        d.get(&(agency, subject.to_owned(), record)).filter(|d| d.until > now).cloned()
    }

    /// Loads the dismissals in force (at start).
    pub(crate) async fn load_dismissals(&self) -> Result<usize, StoreError> {
        let all = self.backend.dismissals(OffsetDateTime::now_utc()).await?;
        let n = all.len();
        {
            let mut d = crate::locks::write(&self.dismissals);
            d.clear();
            d.extend(all.into_iter().map(|x| ((x.agency, x.subject.clone(), x.record_id), x)));
        }
        Ok(n)
    }

    /// Sends a message on a hit to the other agency (at most
    /// [`MESSAGE_CHARS`] characters; [`StoreError::TooLarge`] beyond).
    pub async fn post_hit_message(&self, actor: &Actor, id: HitId, text: String) -> Result<HitMessage, StoreError> {
        let result = async {
            let hit = self.visible_hit(actor, id).await?;
            let n = text.trim().chars().count();
            if n > MESSAGE_CHARS {
                return Err(StoreError::TooLarge(format!(
                    "the message has {n} characters; at most {MESSAGE_CHARS} are allowed"
                )));
            }
            let text = tocsin_core::text::clean("text", text, MESSAGE_CHARS)?;
            let message = HitMessage {
                seq: 0,
                hit_id: hit.id,
                time: OffsetDateTime::now_utc(),
                agency: actor.agency,
                user: actor.user.clone(),
                text,
            };
            // The message is numbered in the transaction that stores it; the
            // events, left without data, get it as stored there.
            let events = hit_events(&hit, EventKind::HitMessage, &serde_json::Value::Null, message.time);
            let change = Change::HitMessage(message);
            let written = self.commit_logged(actor, "hit.message", vec![id.to_string()], change, events).await?;
            written.message.ok_or_else(|| StoreError::Corrupt("a hit message was not stored".into()))
        }
        .await;
        self.audited_failure(actor, "hit.message", vec![id.to_string()], result).await
    }

    /// The messages on a hit the actor's agency may see, oldest first.
    pub async fn hit_messages(&self, actor: &Actor, id: HitId) -> Result<Vec<HitMessage>, StoreError> {
        let result = async {
            self.visible_hit(actor, id).await?;
            self.backend.hit_messages(&id).await
        }
        .await;
        self.audited(actor, "hit.messages", vec![id.to_string()], result).await
    }
}

#[cfg(test)]
mod tests;
