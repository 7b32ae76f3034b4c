//! The retention clock ([`tocsin_core::retention`]) applied to the store:
//! reminders, the review list, extensions and expiry.
//!
//! [`Store::run_maintenance`] does the periodic work; `tocsin serve` runs it
//! every hour and `tocsin maintenance run` once. Running it twice on the
//! same day changes nothing the second time: a reminder is sent once per
//! review date (the `reminders` table, written in the same transaction as
//! its audit entry and events), and an archived record or expired notice is
//! no longer due.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use tocsin_audit::{Draft, Outcome};
use tocsin_core::auth::{Permission, Role};
use tocsin_core::event::{Event, EventKind};
use tocsin_core::level::Level;
use tocsin_core::notice::{self, Notice, NoticeId, NoticeStatus};
use tocsin_core::record::{Record, RecordBody, RecordId, RecordState, format_date};
use tocsin_core::retention::{self, ItemKind, Phase, ReviewItem};
use tocsin_core::{AgencyCode, FieldError};

use crate::backend::{Change, Effects, NoticeFilter, RecordPageQuery};
use crate::cluster::{notices_changes, records_changes};
use crate::notices::NoticeView;
use crate::store::{MAX_PAGE, Page, require};
use crate::{Actor, Store, StoreError};

/// Items read, and written, per step.
const STEP: u32 = 1000;
/// Days events are kept for clients that reconnect with `Last-Event-ID`;
/// older ones are deleted by the maintenance run (the hits, notices and
/// audit entries they reported stay).
pub(crate) const EVENT_DAYS: i64 = 90;
/// Events deleted per step.
const PRUNE_STEP: u32 = 10_000;

/// What one maintenance run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct MaintenanceReport {
    /// The day it ran for (`YYYY-MM-DD`).
    pub today: String,
    /// Reminders sent (items that came within six months of review).
    pub reminded: u64,
    /// Records past their review date, archived.
    pub records_archived: u64,
    /// Notices past their review date, expired.
    pub notices_expired: u64,
    /// Events older than [`EVENT_DAYS`], deleted.
    pub events_pruned: u64,
}

/// An owner's request to keep an item longer.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Extension {
    /// Why the item is still needed (required; written to the audit log).
    pub justification: Option<String>,
    /// The new review date, `YYYY-MM-DD`: after today and at most five years
    /// ahead. Default: five years from today.
    pub review_by: Option<String>,
    /// The version last read; a stale one is refused (409).
    pub version: Option<u64>,
}

/// The retention clock's actor: the owner's agency, as the system.
fn clock_actor(owner: AgencyCode) -> Actor {
    Actor::new(owner, "system", Role::Operator, Some("retention clock".into()))
}

fn record_item(r: &Record, today: Date) -> ReviewItem {
    let label = match (&r.data.body, r.data.body.names().first()) {
        (RecordBody::TravelDocument(d), _) => format!("travel document {}", d.number),
        (_, Some(n)) => n.full.clone(),
        (_, None) => r.data.kind().as_str().to_owned(),
    };
    ReviewItem {
        item: ItemKind::Record,
        id: r.id.to_string(),
        owner: r.owner,
        review_by: r.data.review_by,
        phase: retention::phase(r.data.review_by, today),
        label,
        level: r.data.level,
    }
}

/// A notice's item, at `level` (the highest of its records').
fn notice_item(n: &Notice, today: Date, level: Level) -> ReviewItem {
    ReviewItem {
        item: ItemKind::Notice,
        id: n.id.to_string(),
        owner: n.owner,
        review_by: n.review_by,
        phase: retention::phase(n.review_by, today),
        label: format!("{} notice", n.notice_type.as_str()),
        level,
    }
}

/// The entries and events of expired items: one entry per owner in its
/// name (by `system`), and an event to it for each item.
fn expired_audit(
    action: &str,
    items: Vec<ReviewItem>,
    now: OffsetDateTime,
) -> Result<(Vec<Draft>, Effects), StoreError> {
    let mut drafts = vec![];
    let mut effects = Effects::default();
    for (owner, items) in by_owner(items) {
        for i in &items {
            effects.events.push(item_event(owner, EventKind::ReviewExpired, i, now)?);
        }
        let objects = items.into_iter().map(|i| i.id).collect();
        drafts.push(clock_actor(owner).draft(action, objects, Outcome::Ok));
    }
    Ok((drafts, effects))
}

impl Store {
    /// The next page of active records reviewed on or before the cursor's
    /// `review_until`, in review-date order; the cursor is `None` once there
    /// is no more.
    async fn next_due_records(&self, cursor: &mut Option<RecordPageQuery>) -> Result<Vec<Record>, StoreError> {
        let Some(page) = cursor.as_mut() else { return Ok(vec![]) };
        let rows = self.backend.record_page(page).await?;
        match rows.last() {
            Some(last) if rows.len() == page.limit as usize => {
                (page.after, page.after_review_by) = (Some(last.id), Some(last.data.review_by));
            }
            _ => *cursor = None,
        }
        Ok(rows)
    }

    /// The next page of open notices reviewed on or before the cursor's
    /// `review_until`; the cursor is `None` once there is no more.
    async fn next_due_notices(&self, cursor: &mut Option<NoticeFilter>) -> Result<Vec<Notice>, StoreError> {
        let Some(filter) = cursor.as_mut() else { return Ok(vec![]) };
        let rows = self.backend.notices(filter).await?;
        match rows.last() {
            Some(last) if rows.len() == filter.limit as usize => filter.after = Some(last.id),
            _ => *cursor = None,
        }
        Ok(rows)
    }

    /// Cursors over the records and notices of `owner` (or of every agency)
    /// reviewed on or before `until`.
    fn due_cursors(owner: Option<AgencyCode>, until: Date) -> (Option<RecordPageQuery>, Option<NoticeFilter>) {
        let records = RecordPageQuery { owner, review_until: Some(until), limit: STEP, ..RecordPageQuery::default() };
        let notices = NoticeFilter { owner, review_until: Some(until), limit: STEP, ..NoticeFilter::default() };
        (Some(records), Some(notices))
    }

    /// Applies the retention clock once (the operator, or the server's
    /// periodic task): reminds owners of items within six months of review,
    /// archives records and expires notices past it. Each owner's changes
    /// are audited in its name, by `system`, and sent to it as events.
    pub async fn run_maintenance(&self, actor: &Actor) -> Result<MaintenanceReport, StoreError> {
        let result = async {
            if actor.role != Role::Operator {
                return Err(StoreError::Forbidden(
                    "maintenance is run by the operator (tocsin maintenance run)".into(),
                ));
            }
            self.writable()?;
            let Some(_lease) = self.backend.maintenance_lease().await? else {
                return Err(StoreError::Conflict(
                    "another process is running the retention clock now; it runs again at the next interval".into(),
                ));
            };
            self.apply_retention().await
        }
        .await;
        self.audited(actor, "maintenance.run", vec![], result).await
    }

    /// One pass of the retention clock, a page of items at a time (memory
    /// stays bounded by the page, whatever the store's size).
    async fn apply_retention(&self) -> Result<MaintenanceReport, StoreError> {
        let today = self.today();
        let now = OffsetDateTime::now_utc();
        let horizon = retention::add_months(today, retention::REMIND_MONTHS);
        let mut report = MaintenanceReport { today: format_date(&today), ..MaintenanceReport::default() };
        let (mut records, mut notices) = Store::due_cursors(None, horizon);
        while records.is_some() {
            let rows = self.next_due_records(&mut records).await?;
            let (expired, due): (Vec<Record>, Vec<Record>) =
                rows.into_iter().partition(|r| retention::phase(r.data.review_by, today) == Phase::Expired);
            let due = due.iter().map(|r| record_item(r, today)).filter(|i| i.phase == Phase::Due).collect();
            report.reminded += self.remind(due, now).await?;
            report.records_archived += self.expire_records(expired, today, now).await?;
        }
        while notices.is_some() {
            let rows = self.next_due_notices(&mut notices).await?;
            let (expired, due): (Vec<Notice>, Vec<Notice>) =
                rows.into_iter().partition(|n| retention::phase(n.review_by, today) == Phase::Expired);
            let due = self.notice_items(&due, today).await?.into_iter().filter(|i| i.phase == Phase::Due).collect();
            report.reminded += self.remind(due, now).await?;
            report.notices_expired += self.expire_notices(expired, today, now).await?;
        }
        let horizon = now - time::Duration::days(EVENT_DAYS);
        loop {
            let pruned = self.backend.prune_events(horizon, PRUNE_STEP).await?;
            report.events_pruned += pruned;
            if pruned < u64::from(PRUNE_STEP) {
                break;
            }
        }
        Ok(report)
    }

    /// Reminds the owners of `due` items not reminded yet for their review
    /// date; returns how many were.
    async fn remind(&self, mut due: Vec<ReviewItem>, now: OffsetDateTime) -> Result<u64, StoreError> {
        let ids: Vec<String> = due.iter().map(|i| i.id.clone()).collect();
        let sent: HashSet<(String, Date)> = self.backend.reminders(&ids).await?.into_iter().collect();
        due.retain(|i| !sent.contains(&(i.id.clone(), i.review_by)));
        let count = due.len() as u64;
        for (owner, items) in by_owner(due) {
            let effects = Effects {
                events: items
                    .iter()
                    .map(|i| item_event(owner, EventKind::ReviewDue, i, now))
                    .collect::<Result<_, _>>()?,
                reminders: items.iter().map(|i| (i.id.clone(), i.review_by)).collect(),
                ..Effects::default()
            };
            let objects = items.into_iter().map(|i| i.id).collect();
            self.log_with(&clock_actor(owner), "retention.remind", objects, Outcome::Ok, effects).await?;
        }
        Ok(count)
    }

    /// Archives records past review, in one transaction; if one changed
    /// meanwhile (extended, say), one by one, leaving that one for the next
    /// run. Returns how many were archived.
    async fn expire_records(&self, records: Vec<Record>, today: Date, now: OffsetDateTime) -> Result<u64, StoreError> {
        let changed: Vec<(Record, u64)> = records
            .into_iter()
            .map(|r| {
                let expected = r.version;
                (Record { version: r.version + 1, state: RecordState::Archived, updated_at: now, ..r }, expected)
            })
            .collect();
        let intent = self.intend(|| records_changes(changed.iter().map(|(r, _)| r))).await?;
        // Each archive is written with its entry and its owner's event.
        let audit = |changed: &[(Record, u64)]| {
            expired_audit("record.expire", changed.iter().map(|(r, _)| record_item(r, today)).collect(), now)
        };
        let (drafts, effects) = audit(&changed)?;
        let all = Change::Records { new: vec![], changed: changed.clone() };
        let written = match self.commit_drafts(drafts, all, effects).await {
            Ok(_) => Ok(changed),
            Err(StoreError::VersionConflict { .. } | StoreError::NotFound(_)) => {
                // Each one's entry made before any is written.
                let singles = changed.iter().map(|c| audit(std::slice::from_ref(c))).collect::<Result<Vec<_>, _>>()?;
                let mut done = vec![];
                for ((r, expected), (drafts, effects)) in changed.into_iter().zip(singles) {
                    let one = Change::Records { new: vec![], changed: vec![(r.clone(), expected)] };
                    match self.commit_drafts(drafts, one, effects).await {
                        Ok(_) => done.push((r, expected)),
                        Err(StoreError::VersionConflict { .. } | StoreError::NotFound(_)) => {}
                        Err(e) => {
                            // Some may be written: announce what the intent names.
                            self.announce(intent).await;
                            return Err(e);
                        }
                    }
                }
                Ok(done)
            }
            Err(e) => Err(e),
        };
        let done = self.settle(&intent, written).await?;
        self.reindex(done.iter().map(|(r, _)| r));
        self.announce(intent).await;
        Ok(done.len() as u64)
    }

    /// Expires notices past review, as [`Store::expire_records`] does.
    async fn expire_notices(&self, notices: Vec<Notice>, today: Date, now: OffsetDateTime) -> Result<u64, StoreError> {
        let changed: Vec<(Notice, u64)> = notices
            .into_iter()
            .filter(|n| notice::transition(n.status, NoticeStatus::Expired, notice::Mover::System).is_some())
            .map(|n| {
                let mut next =
                    Notice { status: NoticeStatus::Expired, version: n.version + 1, updated_at: now, ..n.clone() };
                let reason = format!("past its review date, {}, without extension", format_date(&n.review_by));
                next.history.push(notice::Move::system(n.status, NoticeStatus::Expired, n.owner, reason, now));
                (next, n.version)
            })
            .collect();
        let intent = self.intend(|| notices_changes(changed.iter().map(|(n, _)| n))).await?;
        let notices: Vec<Notice> = changed.iter().map(|(n, _)| n.clone()).collect();
        let items = self.notice_items(&notices, today).await?;
        let audit = |changed: &[(Notice, u64)]| {
            let items = changed.iter().filter_map(|(n, _)| items.iter().find(|i| i.id == n.id.to_string()).cloned());
            expired_audit("notice.expire", items.collect(), now)
        };
        let (drafts, effects) = audit(&changed)?;
        let all = Change::Notices { new: vec![], changed: changed.clone() };
        let written = match self.commit_drafts(drafts, all, effects).await {
            Ok(_) => Ok(changed),
            Err(StoreError::VersionConflict { .. } | StoreError::NotFound(_)) => {
                // Each one's entry made before any is written.
                let singles = changed.iter().map(|c| audit(std::slice::from_ref(c))).collect::<Result<Vec<_>, _>>()?;
                let mut done = vec![];
                for ((n, expected), (drafts, effects)) in changed.into_iter().zip(singles) {
                    let one = Change::Notice { notice: n.clone(), expected };
                    match self.commit_drafts(drafts, one, effects).await {
                        Ok(c) if c.applied => done.push((n, expected)),
                        Ok(_) => {}
                        Err(e) => {
                            // Some may be written: announce what the intent names.
                            self.announce(intent).await;
                            return Err(e);
                        }
                    }
                }
                Ok(done)
            }
            Err(e) => Err(e),
        };
        let done = self.settle(&intent, written).await?;
        done.iter().for_each(|(n, _)| self.republish(n));
        self.announce(intent).await;
        Ok(done.len() as u64)
    }

    /// The review items of `notices`, each at its notice's level, their
    /// records read in one query.
    async fn notice_items(&self, notices: &[Notice], today: Date) -> Result<Vec<ReviewItem>, StoreError> {
        let ids: Vec<RecordId> = notices.iter().flat_map(|n| n.content.record_ids.iter().copied()).collect();
        let levels: HashMap<RecordId, Level> = match ids.is_empty() {
            true => HashMap::new(),
            false => self.backend.records(&ids).await?.into_iter().map(|r| (r.id, r.data.level)).collect(),
        };
        let level = |n: &Notice| n.content.record_ids.iter().filter_map(|id| levels.get(id)).max().copied();
        Ok(notices.iter().map(|n| notice_item(n, today, level(n).unwrap_or_default())).collect())
    }

    /// The actor's agency's records and notices within six months of their
    /// review date (or past it and not yet archived), soonest first. `after`
    /// is the previous page's `next`.
    pub async fn reviews(
        &self,
        actor: &Actor,
        after: Option<String>,
        limit: u32,
    ) -> Result<Page<ReviewItem>, StoreError> {
        let result = async {
            require(actor, Permission::WriteRecords)?;
            if let Some(after) = &after {
                review_cursor(after)?;
            }
            let today = self.today();
            let horizon = retention::add_months(today, retention::REMIND_MONTHS);
            let (mut records, mut notices) = Store::due_cursors(Some(actor.agency), horizon);
            let viewer = actor.viewer();
            let mut items: Vec<ReviewItem> = vec![];
            while records.is_some() {
                let rows = self.next_due_records(&mut records).await?;
                items.extend(rows.iter().filter(|r| viewer.cleared_for(r.data.level)).map(|r| record_item(r, today)));
            }
            while notices.is_some() {
                let rows = self.next_due_notices(&mut notices).await?;
                items
                    .extend(self.notice_items(&rows, today).await?.into_iter().filter(|i| viewer.cleared_for(i.level)));
            }
            items.retain(|i| i.phase != Phase::Current);
            let key = |i: &ReviewItem| format!("{}/{}", format_date(&i.review_by), i.id);
            items.sort_by_key(key);
            if let Some(after) = &after {
                items.retain(|i| key(i).as_str() > after.as_str());
            }
            let limit = limit.clamp(1, MAX_PAGE) as usize;
            let next = (items.len() > limit).then(|| items.get(limit - 1).map(key)).flatten();
            items.truncate(limit);
            Ok(Page { items, next })
        }
        .await;
        self.audited(actor, "review.list", vec![], result).await
    }

    /// Extends a record's retention (its owner, with a written
    /// justification, which the audit entry keeps as its purpose).
    pub async fn extend_record(&self, actor: &Actor, id: RecordId, ext: Extension) -> Result<Record, StoreError> {
        let justification = retention::justification(ext.justification.clone());
        let purpose = Actor { purpose: justification.as_ref().ok().map(|j| format!("extend: {j}")), ..actor.clone() };
        let result = async {
            justification.as_ref().map_err(Clone::clone)?;
            self.writable()?;
            let sent = match ext.version {
                Some(v) => v,
                None => self.visible_record(actor, id).await?.version,
            };
            let current = self.owned_record(actor, id, sent).await?;
            if current.state == RecordState::Archived {
                return Err(StoreError::Conflict(format!(
                    "record {id} is archived; create it again if it is still needed"
                )));
            }
            let review_by = retention::extension_date(ext.review_by.as_deref(), self.today())?;
            let mut next = Record { version: current.version + 1, updated_at: OffsetDateTime::now_utc(), ..current };
            next.data.review_by = review_by;
            self.replace_record(&purpose, "record.extend", &next, sent).await?;
            Ok(next)
        }
        .await;
        self.audited_failure(&purpose, "record.extend", vec![id.to_string()], result).await
    }

    /// Extends an open notice's retention (its owner, with a written
    /// justification, audited as for a record).
    pub async fn extend_notice(&self, actor: &Actor, id: NoticeId, ext: Extension) -> Result<NoticeView, StoreError> {
        let justification = retention::justification(ext.justification.clone());
        let purpose = Actor { purpose: justification.as_ref().ok().map(|j| format!("extend: {j}")), ..actor.clone() };
        let result = async {
            require(actor, Permission::WriteRecords)?;
            justification.as_ref().map_err(Clone::clone)?;
            self.writable()?;
            let current = self.owned_notice(actor, id).await?;
            if let Some(sent) = ext.version
                && sent != current.version
            {
                return Err(StoreError::VersionConflict { sent, current: current.version });
            }
            if !current.status.is_open() {
                return Err(StoreError::Conflict(format!(
                    "notice {id} is {}; only an open notice is extended",
                    current.status.as_str()
                )));
            }
            let review_by = retention::extension_date(ext.review_by.as_deref(), self.today())?;
            let expected = current.version;
            let next =
                Notice { review_by, version: current.version + 1, updated_at: OffsetDateTime::now_utc(), ..current };
            self.write_notice(&purpose, "notice.extend", &next, expected, Effects::default()).await?;
            Ok(self.view(actor, next))
        }
        .await;
        self.audited_failure(&purpose, "notice.extend", vec![id.to_string()], result).await
    }
}

/// Items grouped by owner (a page holds at most [`STEP`], so one audit
/// entry each).
fn by_owner(items: Vec<ReviewItem>) -> BTreeMap<AgencyCode, Vec<ReviewItem>> {
    let mut out: BTreeMap<AgencyCode, Vec<ReviewItem>> = BTreeMap::new();
    items.into_iter().for_each(|i| out.entry(i.owner).or_default().push(i));
    out
}

fn item_event(owner: AgencyCode, kind: EventKind, item: &ReviewItem, now: OffsetDateTime) -> Result<Event, StoreError> {
    let data = serde_json::to_value(item).map_err(|e| StoreError::Internal(format!("review item {}: {e}", item.id)))?;
    Ok(Event::new(owner, kind, data, now).at(item.level))
}

/// Checks a review page cursor, `YYYY-MM-DD/<id>` as the previous page's
/// `next` gave it; anything else is refused naming `after`.
fn review_cursor(after: &str) -> Result<(), FieldError> {
    let bad = || FieldError::field("after", format!("`{after}` is not a `next` this list gave (YYYY-MM-DD/id)"));
    let (date, id) = after.split_once('/').ok_or_else(bad)?;
    tocsin_core::record::parse_date(date).map_err(|_| bad())?;
    uuid::Uuid::parse_str(id).map_err(|_| bad())?;
    Ok(())
}
