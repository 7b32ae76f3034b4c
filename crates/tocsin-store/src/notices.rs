//! Notices in the store: creation and changes by their owner, the review
//! by the General Secretariat, and who may read which notice.
//!
//! Visibility: an owner reads all of its notices; a reviewer (General
//! Secretariat) reads every notice that left draft; any other agency reads
//! published notices, and only those whose records it may see (a notice
//! on a hidden record would reveal it).

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use tocsin_core::access::may_see;
use tocsin_core::auth::{Permission, Role};
use tocsin_core::event::{Event, EventKind};
use tocsin_core::level::Level;
use tocsin_core::notice::{
    self, Mover, Notice, NoticeBrief, NoticeContent, NoticeError, NoticeId, NoticeStatus, NoticeType, moves_from,
    transition,
};
use tocsin_core::record::{Record, RecordId};
use tocsin_core::{FieldError, limits, retention};

use crate::backend::{Change, Effects, NoticeFilter};
use crate::cluster::notices_changes;
use crate::store::{Actor, MAX_PAGE, Page, require};
use crate::{Store, StoreError};

/// Terms flagged for the reviewer when no list is configured: words of a
/// political, military, religious or racial character, in English, French,
/// Spanish and Arabic (INTERPOL's four languages).
pub const NEUTRALITY_TERMS: &[&str] = &[
    "political",
    "politics",
    "opposition",
    "election",
    "protest",
    "demonstration",
    "journalist",
    "army",
    "military",
    "soldier",
    "religion",
    "religious",
    "blasphemy",
    "apostasy",
    "ethnic",
    "race",
    "racial",
    "politique",
    "armée",
    "militaire",
    "religieux",
    "ethnique",
    "política",
    "político",
    "ejército",
    "religión",
    "religioso",
    "étnico",
    "سياسي",
    "عسكري",
    "ديني",
    "عرقي",
];

/// A notice as its owner sends it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoticeInput {
    /// `red`, `yellow`, `blue`, `black`, `green`, `orange`, `purple` or
    /// `un_special`.
    #[serde(rename = "type")]
    pub notice_type: NoticeType,
    /// What it says; which fields are required depends on the type.
    pub content: NoticeContent,
    /// Make the public extract available (red and yellow only).
    #[serde(default)]
    pub public: bool,
    /// The version last read (updates only).
    pub version: Option<u64>,
}

/// A notice as served, with the neutrality warnings a reviewer or its owner
/// sees.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NoticeView {
    /// The notice.
    #[serde(flatten)]
    pub notice: Notice,
    /// Terms of a political, military, religious or racial character found
    /// in its texts: for the reviewer to weigh, never a rejection by
    /// themselves.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// Which notices to list.
#[derive(Debug, Clone, Default)]
pub struct NoticeQuery {
    /// Only in this status (`submitted`: the review queue).
    pub status: Option<NoticeStatus>,
    /// After this notice (the previous page's `next`).
    pub after: Option<NoticeId>,
    /// At most this many (1..=1000).
    pub limit: u32,
}

/// The version a change was made against: required, and the current one.
fn checked_version(sent: Option<u64>, current: &Notice) -> Result<u64, StoreError> {
    let sent = sent.ok_or_else(|| FieldError::field("version", "required: the version you last read"))?;
    match sent == current.version {
        true => Ok(sent),
        false => Err(StoreError::VersionConflict { sent, current: current.version }),
    }
}

/// Whether `actor` may read `n`: the owner always; General Secretariat
/// reviewers past draft; others a published notice that concerns no record,
/// or (`None`) one on a record they may see, which the caller checks.
fn notice_access(actor: &Actor, n: &Notice) -> Option<bool> {
    if n.owner == actor.agency {
        return Some(true);
    }
    if actor.role == Role::Reviewer {
        return Some(n.status != NoticeStatus::Draft);
    }
    if n.status != NoticeStatus::Published {
        return Some(false);
    }
    n.content.record_ids.is_empty().then_some(true)
}

fn invalid(e: NoticeError) -> StoreError {
    match e {
        NoticeError::Missing { .. } => StoreError::Missing(FieldError::field("content", e.to_string())),
        NoticeError::Invalid(f) => StoreError::Invalid(f.at("content")),
    }
}

impl Store {
    /// Loads the published notices for screening results (at start).
    pub(crate) async fn load_published(&self) -> Result<usize, StoreError> {
        let mut scan = NoticeFilter { status: Some(NoticeStatus::Published), limit: 1000, ..NoticeFilter::default() };
        let mut n = 0;
        loop {
            let page = self.backend.notices(&scan).await?;
            let Some(last) = page.last().map(|x| x.id) else { break };
            page.iter().for_each(|x| self.republish(x));
            n += page.len();
            if page.len() < scan.limit as usize {
                break;
            }
            scan.after = Some(last);
        }
        Ok(n)
    }

    /// Gives each notice being published that has none its `entity_id`,
    /// `YYYY/NNNNN` in the year of `now`.
    pub(crate) async fn number(&self, notices: &mut [&mut Notice], now: OffsetDateTime) -> Result<(), StoreError> {
        let unnumbered: Vec<&mut &mut Notice> = notices.iter_mut().filter(|n| n.entity_id.is_none()).collect();
        let Ok(count) = u32::try_from(unnumbered.len()) else {
            return Err(StoreError::TooLarge(format!("{} notices at once", unnumbered.len())));
        };
        if count == 0 {
            return Ok(());
        }
        let first = self.backend.reserve_entity_numbers(now.year(), count).await?;
        for (i, n) in (first..).zip(unnumbered) {
            n.entity_id = Some(format!("{}/{i:05}", now.year()));
        }
        Ok(())
    }

    /// Replaces a notice stored at version `expected` (409 if it moved
    /// meanwhile) with the entry that records it (`action` by `actor`) and
    /// `effects`, brings this node's maps in line and announces it.
    pub(crate) async fn write_notice(
        &self,
        actor: &Actor,
        action: &str,
        next: &Notice,
        expected: u64,
        effects: Effects,
    ) -> Result<(), StoreError> {
        let intent = self.intend(|| notices_changes([next])).await?;
        let change = Change::Notice { notice: next.clone(), expected };
        let written = self.commit_logged(actor, action, vec![next.id.to_string()], change, effects).await;
        let written = written.and_then(|done| match done.applied {
            true => Ok(()),
            false => Err(StoreError::Conflict(format!("notice {} changed meanwhile; read it again", next.id))),
        });
        self.settle(&intent, written).await?;
        self.republish(next);
        self.announce(intent).await;
        Ok(())
    }

    /// Brings the published-notice maps (screening, public extract) in line
    /// with `n`'s status.
    pub(crate) fn republish(&self, n: &Notice) {
        {
            let mut public = crate::locks::write(&self.public);
            match n.status == NoticeStatus::Published && n.public && n.notice_type.may_be_public() {
                true => public.insert(n.id, n.clone()),
                false => public.remove(&n.id),
            };
        }
        let mut map = crate::locks::write(&self.published);
        for id in &n.content.record_ids {
            let list = map.entry(*id).or_default();
            list.retain(|b| b.id != n.id);
            if n.status == NoticeStatus::Published {
                list.push(n.brief());
            }
        }
        map.retain(|_, l| !l.is_empty());
    }

    /// The published notices on a record.
    pub(crate) fn published_on(&self, record: &RecordId) -> Vec<NoticeBrief> {
        crate::locks::read(&self.published).get(record).cloned().unwrap_or_default()
    }

    /// Keeps beside each match only the published notices `actor` may read
    /// ([`Store::may_read_notice`]): a notice that also names a record above
    /// the actor's clearance is not shown beside the one it may see, as its
    /// own page answers 404. Reads the store only when a match has notices.
    pub(crate) async fn keep_readable_notices(
        &self,
        actor: &Actor,
        screened: &mut [crate::Screened],
    ) -> Result<(), StoreError> {
        let mut known = HashMap::new();
        for s in screened.iter_mut().filter(|s| !s.notices.is_empty()) {
            s.notices = self.readable_briefs(actor, std::mem::take(&mut s.notices), &mut known).await?;
        }
        Ok(())
    }

    /// The published notices on `record` that `actor` may read.
    pub(crate) async fn published_to(&self, actor: &Actor, record: &RecordId) -> Result<Vec<NoticeBrief>, StoreError> {
        self.readable_briefs(actor, self.published_on(record), &mut HashMap::new()).await
    }

    /// The briefs of notices `actor` may read, each notice checked once
    /// (`known` keeps the answers).
    pub(crate) async fn readable_briefs(
        &self,
        actor: &Actor,
        briefs: Vec<NoticeBrief>,
        known: &mut HashMap<NoticeId, bool>,
    ) -> Result<Vec<NoticeBrief>, StoreError> {
        let mut kept = Vec::with_capacity(briefs.len());
        for brief in briefs {
            let may = match known.get(&brief.id) {
                Some(may) => *may,
                None => {
                    let may = match self.backend.notice(&brief.id).await? {
                        Some(n) => self.may_read_notice(actor, &n).await?,
                        None => false,
                    };
                    known.insert(brief.id, may);
                    may
                }
            };
            if may {
                kept.push(brief);
            }
        }
        Ok(kept)
    }

    /// The records a notice is about, as stored now.
    async fn records_of(&self, n: &Notice) -> Result<Vec<Record>, StoreError> {
        match n.content.record_ids.is_empty() {
            true => Ok(vec![]),
            false => self.backend.records(&n.content.record_ids).await,
        }
    }

    /// A notice's level: the highest of its records' (those above a
    /// reader's clearance hide the notice from it, and its events too).
    async fn notice_level(&self, n: &Notice) -> Result<Level, StoreError> {
        Ok(self.records_of(n).await?.iter().map(|r| r.data.level).max().unwrap_or_default())
    }

    /// Whether `actor` may read `n`: never when one of its records is
    /// above the actor's clearance (its owner's staff and the reviewers
    /// included), else as [`notice_access`] says, or when the actor may see
    /// one of its records.
    pub(crate) async fn may_read_notice(&self, actor: &Actor, n: &Notice) -> Result<bool, StoreError> {
        let records = self.records_of(n).await?;
        let viewer = actor.viewer();
        if !records.iter().all(|r| viewer.cleared_for(r.data.level)) {
            return Ok(false);
        }
        Ok(notice_access(actor, n).unwrap_or_else(|| records.iter().any(|r| may_see(&viewer, r))))
    }

    pub(crate) fn view(&self, actor: &Actor, notice: Notice) -> NoticeView {
        let shows = actor.role == Role::Reviewer || actor.agency == notice.owner;
        let warnings = match shows {
            true => notice::neutrality_flags(&notice.content.texts(), &self.neutrality_terms())
                .into_iter()
                .map(str::to_owned)
                .collect(),
            false => vec![],
        };
        NoticeView { notice, warnings }
    }

    fn neutrality_terms(&self) -> Vec<String> {
        let terms = crate::locks::read(&self.neutrality);
        match terms.is_empty() {
            false => terms.clone(),
            true => NEUTRALITY_TERMS.iter().map(|t| (*t).to_owned()).collect(),
        }
    }

    /// Replaces the neutrality aid's terms (empty: the built-in list).
    pub fn set_neutrality_terms(&self, terms: Vec<String>) {
        *crate::locks::write(&self.neutrality) = terms;
    }

    /// Checks a notice's content and records: every record must exist and
    /// belong to the actor's agency.
    async fn checked(&self, actor: &Actor, input: &NoticeInput) -> Result<NoticeContent, StoreError> {
        let content = input.content.clone().validate(input.notice_type).map_err(invalid)?;
        if input.public && !input.notice_type.may_be_public() {
            return Err(FieldError::field("public", "only red and yellow notices have a public extract").into());
        }
        let records = self.backend.records(&content.record_ids).await?;
        if input.public && records.iter().any(|r| r.data.level > Level::OfficialUseOnly && may_see(&actor.viewer(), r))
        {
            return Err(
                FieldError::field("public", "a notice on a record above official use only is never public").into()
            );
        }
        for (i, id) in content.record_ids.iter().enumerate() {
            match records.iter().find(|r| r.id == *id) {
                Some(r) if r.owner == actor.agency && may_see(&actor.viewer(), r) => {}
                Some(r) if may_see(&actor.viewer(), r) => {
                    return Err(StoreError::Forbidden(format!(
                        "content.record_ids[{i}]: record {id} belongs to {}; a notice concerns its owner's records",
                        r.owner
                    )));
                }
                _ => return Err(StoreError::NotFound(format!("record {id} (content.record_ids[{i}])"))),
            }
        }
        Ok(content)
    }

    /// Creates a draft notice owned by the actor's agency (an admin).
    pub async fn create_notice(&self, actor: &Actor, input: NoticeInput) -> Result<NoticeView, StoreError> {
        let id = NoticeId::generate();
        let result = async {
            require(actor, Permission::WriteRecords)?;
            let content = self.checked(actor, &input).await?;
            let now = OffsetDateTime::now_utc();
            let notice = Notice {
                id,
                owner: actor.agency,
                notice_type: input.notice_type,
                status: NoticeStatus::Draft,
                content,
                public: input.public,
                history: vec![],
                review_by: retention::review_date(self.today()),
                entity_id: None,
                version: 1,
                created_at: now,
                updated_at: now,
            };
            let change = Change::Notices { new: vec![notice.clone()], changed: vec![] };
            self.commit_logged(actor, "notice.create", vec![id.to_string()], change, Effects::default()).await?;
            Ok(self.view(actor, notice))
        }
        .await;
        self.audited_failure(actor, "notice.create", vec![id.to_string()], result).await
    }

    /// Changes a notice's content (its owner, at the version last read). Only
    /// a draft or a rejected notice changes; a rejected one returns to draft.
    pub async fn update_notice(
        &self,
        actor: &Actor,
        id: NoticeId,
        input: NoticeInput,
    ) -> Result<NoticeView, StoreError> {
        let result = async {
            require(actor, Permission::WriteRecords)?;
            let current = self.owned_notice(actor, id).await?;
            let sent = checked_version(input.version, &current)?;
            if input.notice_type != current.notice_type {
                return Err(FieldError::field(
                    "type",
                    format!("cannot change (the notice is {})", current.notice_type.as_str()),
                )
                .into());
            }
            if !notice::may_update(current.status) {
                return Err(StoreError::Conflict(format!(
                    "notice {id} is {}; only a draft or rejected notice is changed (cancel it and create another)",
                    current.status.as_str()
                )));
            }
            let content = self.checked(actor, &input).await?;
            let next = Notice {
                status: NoticeStatus::Draft,
                content,
                public: input.public,
                version: current.version + 1,
                updated_at: OffsetDateTime::now_utc(),
                ..current
            };
            let change = Change::Notice { notice: next.clone(), expected: sent };
            let written =
                self.commit_logged(actor, "notice.update", vec![id.to_string()], change, Effects::default()).await?;
            if !written.applied {
                return Err(StoreError::Conflict(format!("notice {id} changed meanwhile; read it again")));
            }
            Ok(self.view(actor, next))
        }
        .await;
        self.audited_failure(actor, "notice.update", vec![id.to_string()], result).await
    }

    /// Makes a red or yellow notice's public extract available, or
    /// withdraws it (its owner, at the version last read). The extract is
    /// served while the notice is published.
    pub async fn set_notice_public(
        &self,
        actor: &Actor,
        id: NoticeId,
        public: bool,
        version: Option<u64>,
    ) -> Result<NoticeView, StoreError> {
        let purpose = Actor { purpose: Some(format!("public {public}")), ..actor.clone() };
        let result = async {
            require(actor, Permission::WriteRecords)?;
            self.writable()?;
            let current = self.owned_notice(actor, id).await?;
            let sent = checked_version(version, &current)?;
            if public && !current.notice_type.may_be_public() {
                return Err(FieldError::field("public", "only red and yellow notices have a public extract").into());
            }
            if public && self.notice_level(&current).await? > Level::OfficialUseOnly {
                return Err(FieldError::field(
                    "public",
                    "a notice on a record above official use only is never public",
                )
                .into());
            }
            if !current.status.is_open() {
                return Err(StoreError::Conflict(format!("notice {id} is {}", current.status.as_str())));
            }
            let next =
                Notice { public, version: current.version + 1, updated_at: OffsetDateTime::now_utc(), ..current };
            self.write_notice(&purpose, "notice.public", &next, sent, Effects::default()).await?;
            Ok(self.view(actor, next))
        }
        .await;
        self.audited_failure(&purpose, "notice.public", vec![id.to_string()], result).await
    }

    pub(crate) async fn owned_notice(&self, actor: &Actor, id: NoticeId) -> Result<Notice, StoreError> {
        match self.backend.notice(&id).await? {
            Some(n) if !self.may_read_notice(actor, &n).await? => Err(StoreError::NotFound(format!("notice {id}"))),
            Some(n) if n.owner == actor.agency => Ok(n),
            Some(n) => {
                Err(StoreError::Forbidden(format!("notice {id} belongs to {}; only its owner changes it", n.owner)))
            }
            _ => Err(StoreError::NotFound(format!("notice {id}"))),
        }
    }

    /// Moves a notice along the workflow ([`notice::WORKFLOW`]): the owner
    /// submits and cancels, a reviewer publishes and rejects. Publishing,
    /// rejecting and cancelling need a written reason. The owner gets an
    /// event; the General Secretariat too when a notice is submitted.
    pub async fn move_notice(
        &self,
        actor: &Actor,
        id: NoticeId,
        to: NoticeStatus,
        reason: Option<String>,
    ) -> Result<NoticeView, StoreError> {
        let purpose = Actor { purpose: Some(format!("status {}", to.as_str())), ..actor.clone() };
        let result = async {
            let current = match self.backend.notice(&id).await? {
                Some(n) if self.may_read_notice(actor, &n).await? => n,
                _ => return Err(StoreError::NotFound(format!("notice {id}"))),
            };
            let mover = if actor.role == Role::Reviewer {
                Mover::Reviewer
            } else if actor.agency == current.owner && actor.may(Permission::WriteRecords) {
                Mover::Owner
            } else {
                return Err(StoreError::Forbidden(format!(
                    "role {} of {} may not move notice {id}",
                    actor.role, actor.agency
                )));
            };
            self.writable()?;
            let Some(needs_reason) = transition(current.status, to, mover) else {
                let allowed: Vec<&str> = moves_from(current.status, mover).iter().map(|s| s.as_str()).collect();
                return Err(StoreError::Conflict(format!(
                    "notice {id} is {}; {} may move it to: {}",
                    current.status.as_str(),
                    if mover == Mover::Reviewer { "a reviewer" } else { "its owner" },
                    if allowed.is_empty() { "nothing".to_owned() } else { allowed.join(", ") }
                )));
            };
            let reason = reason
                .filter(|r| !r.trim().is_empty())
                .map(|r| tocsin_core::text::clean("reason", r, limits::TEXT_CHARS))
                .transpose()?;
            if needs_reason && reason.is_none() {
                return Err(FieldError::field("reason", format!("required to move a notice to {}", to.as_str())).into());
            }
            let now = OffsetDateTime::now_utc();
            let mut next = Notice { status: to, version: current.version + 1, updated_at: now, ..current.clone() };
            if to == NoticeStatus::Published {
                self.number(&mut [&mut next], now).await?;
            }
            next.history.push(notice::Move {
                from: current.status,
                to,
                agency: actor.agency,
                user: actor.user.clone(),
                reason,
                time: now,
            });
            let level = self.notice_level(&next).await?;
            self.write_notice(&purpose, "notice.status", &next, current.version, status_events(&next, level)).await?;
            Ok(self.view(actor, next))
        }
        .await;
        self.audited_failure(&purpose, "notice.status", vec![id.to_string()], result).await
    }

    /// One notice the actor may read (404 otherwise, as for a missing one).
    pub async fn notice(&self, actor: &Actor, id: NoticeId) -> Result<NoticeView, StoreError> {
        let result = async {
            require(actor, Permission::ReadRecords)?;
            match self.backend.notice(&id).await? {
                Some(n) if self.may_read_notice(actor, &n).await? => Ok(self.view(actor, n)),
                _ => Err(StoreError::NotFound(format!("notice {id}"))),
            }
        }
        .await;
        self.audited(actor, "notice.read", vec![id.to_string()], result).await
    }

    /// A page of the notices the actor may read, oldest first (with
    /// `status=submitted`, a reviewer's review queue).
    pub async fn notices(&self, actor: &Actor, query: NoticeQuery) -> Result<Page<NoticeView>, StoreError> {
        let result = async {
            require(actor, Permission::ReadRecords)?;
            let limit = query.limit.clamp(1, MAX_PAGE);
            let mut scan = NoticeFilter {
                status: query.status,
                after: query.after,
                limit: limit.max(200),
                ..NoticeFilter::default()
            };
            let mut items = vec![];
            loop {
                let rows = self.backend.notices(&scan).await?;
                let exhausted = rows.len() < scan.limit as usize;
                // The records that decide access, read in one query per page
                // (as in `may_read_notice`).
                let deciding: Vec<RecordId> = rows.iter().flat_map(|n| n.content.record_ids.iter().copied()).collect();
                let viewer = actor.viewer();
                let (mut visible, mut above) = (HashSet::new(), HashSet::new());
                if !deciding.is_empty() {
                    for r in self.backend.records(&deciding).await? {
                        if !viewer.cleared_for(r.data.level) {
                            above.insert(r.id);
                        } else if may_see(&viewer, &r) {
                            visible.insert(r.id);
                        }
                    }
                }
                for n in rows {
                    scan.after = Some(n.id);
                    let ids = &n.content.record_ids;
                    let may = !ids.iter().any(|id| above.contains(id))
                        && notice_access(actor, &n).unwrap_or_else(|| ids.iter().any(|id| visible.contains(id)));
                    if may {
                        items.push(self.view(actor, n));
                        if items.len() == limit as usize {
                            let next = scan.after.map(|id| id.to_string());
                            return Ok(Page { items, next });
                        }
                    }
                }
                if exhausted {
                    return Ok(Page { items, next: None });
                }
            }
        }
        .await;
        let ids = match &result {
            Ok(p) => p.items.iter().map(|n| n.notice.id.to_string()).collect(),
            Err(_) => vec![],
        };
        self.audited(actor, "notice.list", ids, result).await
    }
}

/// The events a notice's move sends: to its owner, and to the General
/// Secretariat's reviewers when it is submitted.
fn status_events(n: &Notice, level: Level) -> Effects {
    let data = serde_json::json!({
        "notice_id": n.id,
        "type": n.notice_type,
        "move": n.history.last(),
    });
    let mut to = vec![n.owner];
    if n.status == NoticeStatus::Submitted && n.owner != tocsin_core::AgencyCode::GS {
        to.push(tocsin_core::AgencyCode::GS);
    }
    let events =
        to.into_iter().map(|a| Event::new(a, EventKind::NoticeStatus, data.clone(), n.updated_at).at(level)).collect();
    Effects { events, ..Effects::default() }
}
