//! The storage trait every database backend implements.

use async_trait::async_trait;
use time::{Date, OffsetDateTime};
use tocsin_audit::{Draft, Entry, Head};
use tocsin_core::AgencyCode;
use tocsin_core::access::Viewer;
use tocsin_core::auth::Role;
use tocsin_core::event::Event;
use tocsin_core::hit::{Dismissal, Hit, HitId, HitMessage, HitStatus, Side};
use tocsin_core::notice::{Notice, NoticeId, NoticeStatus, NoticeType};
use tocsin_core::record::{Kind, Record, RecordId};
use tocsin_core::watch::{Watch, WatchId};

use crate::StoreError;
use crate::edge_backend::{EdgeBackend, EdgeIssue, ReplicaApply};
use crate::intel_backend::{IntelBackend, IntelCollection, IntelVersion};

/// A member agency.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Agency {
    /// Its code.
    pub code: AgencyCode,
    /// Its name.
    pub name: String,
    /// When it was registered.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

/// A stored API token (its digest, never the secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRow {
    /// Identifier, for listing and revoking.
    pub id: String,
    /// SHA-256 of the secret, hex.
    pub hash: String,
    /// The agency it acts for.
    pub agency: AgencyCode,
    /// Its role.
    pub role: Role,
    /// The user it was issued to.
    pub user: String,
    /// When it was issued.
    pub created_at: OffsetDateTime,
    /// When it stops being accepted (`None`: never).
    pub expires_at: Option<OffsetDateTime>,
    /// When it was revoked.
    pub revoked_at: Option<OffsetDateTime>,
    /// When it was last used, to the minute.
    pub last_used_at: Option<OffsetDateTime>,
    /// The national unit of the agency it acts for, if any.
    pub unit: Option<String>,
    /// The highest level it reads.
    pub clearance: tocsin_core::level::Level,
}

impl TokenRow {
    /// Whether it is accepted at `now`: not revoked, not expired.
    pub fn valid_at(&self, now: OffsetDateTime) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|t| now < t)
    }
}

/// One page of the raw record scan, in identifier order.
#[derive(Debug, Clone, Default)]
pub struct RecordPageQuery {
    /// Start after this identifier.
    pub after: Option<RecordId>,
    /// Rows to return at most.
    pub limit: u32,
    /// Only this kind.
    pub kind: Option<Kind>,
    /// Only this owner.
    pub owner: Option<AgencyCode>,
    /// Only active records whose review date is on or before this day,
    /// ordered by review date, then id (the order an index on both reads
    /// page by page); the next page starts after `(after_review_by,
    /// after)`, the last row's review date and id.
    pub review_until: Option<Date>,
    /// With `review_until`: the review date of the previous page's last row.
    pub after_review_by: Option<Date>,
}

/// Which audit entries to read, in sequence order.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Start after this sequence number.
    pub after_seq: u64,
    /// Entries to return at most.
    pub limit: u32,
    /// Only entries by this agency.
    pub agency: Option<AgencyCode>,
    /// Only entries concerning this object.
    pub object: Option<String>,
}

/// A numbered view of the audit log for a reader who may not count the
/// whole log: `after` and the numbers returned are the view's own.
#[derive(Debug, Clone)]
pub struct AuditViewQuery {
    /// Start after this number of the view.
    pub after: u64,
    /// Entries to return at most.
    pub limit: u32,
    /// Which entries, numbered how.
    pub scope: AuditScope,
}

/// The entries of an [`AuditViewQuery`] and their numbering.
#[derive(Debug, Clone)]
pub enum AuditScope {
    /// The entries of one acting agency, by that agency's own count.
    Agency(AgencyCode),
    /// The entries concerning one object (of one acting agency, if given),
    /// numbered by their position in that list.
    Object {
        /// The object's id.
        object: String,
        /// Only this agency's entries about it.
        agency: Option<AgencyCode>,
    },
}

/// An agency's settings; `None` means the default.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct AgencySettings {
    /// The score from which its screenings make hits.
    pub hit_threshold: Option<f64>,
    /// Days a reviewed false positive holds back new hits.
    pub dismiss_days: Option<u32>,
}

/// What is stored in the same transaction as a batch of audit entries.
#[derive(Debug, Clone, Default)]
pub struct Effects {
    /// Hits made.
    pub hits: Vec<Hit>,
    /// Events to send (their `seq` is assigned when stored).
    pub events: Vec<Event>,
    /// Retention reminders sent: the item's id and its review date.
    pub reminders: Vec<(String, Date)>,
}

impl Effects {
    /// Adds another's hits and events after this one's.
    pub fn extend(&mut self, other: Effects) {
        self.hits.extend(other.hits);
        self.events.extend(other.events);
        self.reminders.extend(other.reminders);
    }
}

/// Which hits to read, newest first.
#[derive(Debug, Clone)]
pub struct HitFilter {
    /// Hits this viewer may see ([`Hit::visible_to`]): its agency's as
    /// owner, or as searcher of a hit that is not silent, at or below its
    /// clearance.
    pub viewer: Viewer,
    /// Only one side.
    pub role: Option<Side>,
    /// Only this status.
    pub status: Option<HitStatus>,
    /// Only hits made at or after this time.
    pub since: Option<OffsetDateTime>,
    /// Older than this hit (the previous page's last).
    pub before: Option<HitId>,
    /// At most this many.
    pub limit: u32,
}

/// Which notices to read, in id order (oldest first: ids are time-ordered).
#[derive(Debug, Clone, Default)]
pub struct NoticeFilter {
    /// Only this owner's.
    pub owner: Option<AgencyCode>,
    /// Only in this status.
    pub status: Option<NoticeStatus>,
    /// Only of this type.
    pub notice_type: Option<NoticeType>,
    /// Only open notices (not cancelled or expired) whose review date is on
    /// or before this day.
    pub review_until: Option<Date>,
    /// After this notice (the previous page's last).
    pub after: Option<NoticeId>,
    /// At most this many.
    pub limit: u32,
}

/// The right to run the retention clock, held until dropped: one process
/// at a time runs it (two would remind owners twice).
pub struct Lease {
    _held: Option<Box<dyn std::any::Any + Send>>,
}

impl Lease {
    /// A lease that holds nothing (a store with one writing process).
    pub fn free() -> Lease {
        Lease { _held: None }
    }

    /// A lease that lasts as long as `guard`.
    pub fn holding(guard: impl std::any::Any + Send) -> Lease {
        Lease { _held: Some(Box::new(guard)) }
    }
}

/// Raw persistence. Implementations apply no access rule and no role check:
/// that is [`crate::Store`]'s job. Every implementation must pass the
/// conformance suite in `tests/conformance`.
/// A change to the data, written by [`Backend::commit`] in one transaction
/// with the audit entries that record it.
// Built once per write and moved, never kept in collections but `All`'s
// short list: boxing the large variants would cost an allocation each.
#[expect(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Change {
    /// A new agency; [`StoreError::AlreadyExists`] if the code is taken.
    Agency(Agency),
    /// An agency's settings, replaced.
    Settings(AgencyCode, AgencySettings),
    /// A new token.
    Token(TokenRow),
    /// A token revoked at a time (not applied if it was already revoked, or
    /// is not there).
    RevokeToken {
        /// The token's id.
        id: String,
        /// When.
        at: OffsetDateTime,
    },
    /// A new national unit ([`StoreError::AlreadyExists`] if its code is
    /// taken in its agency).
    Unit(UnitRow),
    /// A unit suspended (`at` set) or resumed (`None`); not applied if it
    /// is not there or already so.
    UnitSuspension {
        /// Its agency.
        agency: AgencyCode,
        /// Its code.
        code: String,
        /// When it was suspended, or `None` to resume it.
        at: Option<OffsetDateTime>,
    },
    /// A token's last use, noted (at most once a minute per token).
    TokenUsed {
        /// The token's id.
        id: String,
        /// When.
        at: OffsetDateTime,
    },
    /// Records inserted, and records replaced if their stored version is
    /// the one paired with them ([`StoreError::VersionConflict`] names the
    /// first stale one, [`StoreError::NotFound`] one that is not there).
    Records {
        /// Inserted.
        new: Vec<Record>,
        /// Replaced, with the version each replaces.
        changed: Vec<(Record, u64)>,
    },
    /// A hit replaced if its stored status is `expected` (not applied
    /// otherwise).
    Hit {
        /// The hit as it is to be.
        hit: Hit,
        /// The status it must have now.
        expected: HitStatus,
    },
    /// A message appended to a hit's conversation, numbered there; the
    /// commit's `hit.message` events without data get the message as
    /// stored.
    HitMessage(HitMessage),
    /// A reviewed false positive, replacing one for the same agency,
    /// subject and record.
    Dismissal(Dismissal),
    /// A new watch.
    InsertWatch(Watch),
    /// A watch removed (not applied if there was none).
    DeleteWatch(WatchId),
    /// Notices inserted, and notices replaced if their stored version is the
    /// one paired with them ([`StoreError::VersionConflict`] otherwise).
    Notices {
        /// Inserted.
        new: Vec<Notice>,
        /// Replaced, with the version each replaces.
        changed: Vec<(Notice, u64)>,
    },
    /// Several changes, all applied or none (not applied if one's
    /// condition fails).
    All(Vec<Change>),
    /// A notice replaced if its stored version is `expected` (not applied
    /// otherwise).
    Notice {
        /// The notice as it is to be.
        notice: Notice,
        /// The version it must have now.
        expected: u64,
    },
    /// A TAXII collection ([`StoreError::AlreadyExists`] if its id or
    /// alias is taken).
    IntelCollection(IntelCollection),
    /// Versions of STIX objects, each numbered and stamped with the
    /// microsecond it was added; one already in its collection (same id and
    /// version) is left as it was.
    IntelVersions(Vec<IntelVersion>),
    /// An owner's versions of an object in a collection marked deleted
    /// (all of them when `versions` is empty; not applied if none was
    /// there).
    IntelDelete {
        /// The collection.
        collection: String,
        /// The agency whose object it is.
        owner: AgencyCode,
        /// The STIX id.
        id: String,
        /// Which versions ([`IntelVersion::version`]).
        versions: Vec<String>,
        /// When.
        at: OffsetDateTime,
    },
    /// A sync version issued to an edge, with what it changed in the
    /// edge's holdings.
    EdgeIssued(EdgeIssue),
    /// Audit entries an edge shipped, appended to its copy of its chain
    /// (one already there left as it was).
    EdgeAudit {
        /// The edge's agency.
        agency: AgencyCode,
        /// The edge's name.
        name: String,
        /// The entries, in order.
        entries: Vec<Entry>,
    },
    /// A shipped screening screened again here (not applied if it was
    /// already).
    EdgeHandled {
        /// The edge's agency.
        agency: AgencyCode,
        /// The edge's name.
        name: String,
        /// The entry's number in the edge's chain.
        seq: u64,
    },
    /// On an edge: a verified sync version applied to its copy.
    Replica(ReplicaApply),
    /// Images enrolled with a biometric record.
    BioAttachments(Vec<crate::bio_backend::BioAttachment>),
    /// A biometric search's candidates.
    BioCandidates(Vec<crate::bio_backend::BioCandidateRow>),
    /// An examiner's decision on a candidate (not applied unless it was
    /// still pending).
    BioDecision(crate::bio_backend::BioDecision),
    /// Dependencies declared and withdrawn (the generation grows by one).
    InfraDependencies {
        /// Declared.
        new: Vec<tocsin_core::asset::Dependency>,
        /// Withdrawn.
        removed: Vec<tocsin_core::asset::DependencyId>,
    },
    /// A new early-warning watch.
    InfraWatch(crate::infra_backend::InfraWatchRow),
    /// A watch withdrawn by its agency (not applied if there was none).
    InfraUnwatch {
        /// The watch.
        id: String,
        /// Its agency.
        agency: tocsin_core::AgencyCode,
    },
    /// A watch's new state (not applied if it changed meanwhile).
    InfraWatchState(crate::infra_backend::InfraWatchState),
    /// A public key published, the agency's current one retired at its
    /// time ([`StoreError::Conflict`] if the fingerprint is published).
    AgencyKey(crate::messages_backend::AgencyKeyRow),
    /// A message sent to its recipients ([`StoreError::Conflict`] if its id
    /// is taken: a replay).
    Message {
        /// The routing data and the envelope.
        row: crate::messages_backend::MessageRow,
        /// Its recipients.
        recipients: Vec<AgencyCode>,
    },
    /// A recipient's receipt, with delivery implied by the others (not
    /// applied if it was given already, or the agency is no recipient).
    Receipt {
        /// The message.
        message: String,
        /// The recipient.
        agency: AgencyCode,
        /// Which receipt.
        kind: crate::messages_backend::ReceiptKind,
        /// When.
        at: OffsetDateTime,
    },
    /// A diffusion's review, as JSON, replacing any earlier one.
    Review {
        /// The diffusion.
        message: String,
        /// The review.
        review: String,
    },
    /// A POST's status, kept to be read again (replaced by a later state).
    IntelStatus {
        /// The status id.
        id: String,
        /// The agency that posted.
        agency: AgencyCode,
        /// When.
        at: OffsetDateTime,
        /// The status as JSON.
        body: String,
    },
}

/// What [`Backend::commit`] wrote.
#[derive(Debug, Clone, Default)]
pub struct Committed {
    /// Whether the change was applied: false only for a change whose
    /// condition did not hold ([`Change::Hit`], [`Change::DeleteWatch`],
    /// [`Change::Notice`], [`Change::IntelDelete`], or [`Change::All`]
    /// holding one); then nothing was
    /// written, entries included.
    pub applied: bool,
    /// The audit entries appended.
    pub entries: Vec<Entry>,
    /// The events stored with them, numbered (the store hands them to the
    /// hub and leaves this empty).
    pub events: Vec<Event>,
    /// A [`Change::HitMessage`]'s message as stored (numbered).
    pub message: Option<HitMessage>,
}

/// The one write path every capability's writes go through.
#[async_trait]
pub trait Commit: Send + Sync + 'static {
    /// Applies `change` and appends `drafts` (with `effects`) to the audit
    /// chain in one transaction: the change is durable with the entries
    /// that record it, or neither is. Every write goes through here.
    async fn commit(&self, change: Change, drafts: Vec<Draft>, effects: Effects) -> Result<Committed, StoreError>;
}

/// Agencies, their settings and API tokens.
#[async_trait]
pub trait AgencyBackend: Commit {
    /// Adds an agency; [`StoreError::AlreadyExists`] if the code is taken.
    async fn insert_agency(&self, agency: &Agency) -> Result<(), StoreError> {
        self.commit(Change::Agency(agency.clone()), vec![], Effects::default()).await.map(drop)
    }
    /// One agency.
    async fn agency(&self, code: &AgencyCode) -> Result<Option<Agency>, StoreError>;
    /// All agencies, by code.
    async fn agencies(&self) -> Result<Vec<Agency>, StoreError>;

    /// The agency's settings (all `None` when it has set none).
    async fn settings(&self, code: &AgencyCode) -> Result<AgencySettings, StoreError>;
    /// Replaces the agency's settings.
    async fn set_settings(&self, code: &AgencyCode, settings: &AgencySettings) -> Result<(), StoreError> {
        self.commit(Change::Settings(*code, *settings), vec![], Effects::default()).await.map(drop)
    }

    /// Stores a token's digest.
    async fn insert_token(&self, token: &TokenRow) -> Result<(), StoreError> {
        self.commit(Change::Token(token.clone()), vec![], Effects::default()).await.map(drop)
    }
    /// The token with this digest.
    async fn token_by_hash(&self, hash: &str) -> Result<Option<TokenRow>, StoreError>;
    /// The token with this id.
    async fn token(&self, id: &str) -> Result<Option<TokenRow>, StoreError>;
    /// Every token (of one agency), oldest first.
    async fn tokens(&self, agency: Option<&AgencyCode>) -> Result<Vec<TokenRow>, StoreError>;
    /// One national unit of an agency.
    async fn unit(&self, agency: &AgencyCode, code: &str) -> Result<Option<UnitRow>, StoreError>;
    /// An agency's national units, by code.
    async fn units(&self, agency: &AgencyCode) -> Result<Vec<UnitRow>, StoreError>;
}

/// A national unit as kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitRow {
    /// Its agency.
    pub agency: AgencyCode,
    /// Its code within the agency.
    pub code: String,
    /// Its name.
    pub name: String,
    /// Its rights, as JSON ([`tocsin_core::unit::UnitRights`]).
    pub rights: String,
    /// When it was created.
    pub created_at: OffsetDateTime,
    /// When it was suspended (its tokens are refused), if it is.
    pub suspended_at: Option<OffsetDateTime>,
}

/// Records, in any state.
#[async_trait]
pub trait RecordBackend: Commit {
    /// Inserts records in one transaction: all or none.
    async fn insert_records(&self, records: &[Record]) -> Result<(), StoreError> {
        self.write_records(records, &[]).await
    }
    /// Inserts `new` and replaces each of `changed` if its stored version is
    /// the one paired with it, in one transaction: all or none.
    /// [`StoreError::VersionConflict`] names the first stale one.
    async fn write_records(&self, new: &[Record], changed: &[(Record, u64)]) -> Result<(), StoreError> {
        let change = Change::Records { new: new.to_vec(), changed: changed.to_vec() };
        self.commit(change, vec![], Effects::default()).await.map(drop)
    }
    /// Every record `owner` imported from `list` (its `source.list`), any state.
    async fn records_from_source(&self, owner: &AgencyCode, list: &str) -> Result<Vec<Record>, StoreError>;
    /// One record, whatever its state.
    async fn record(&self, id: &RecordId) -> Result<Option<Record>, StoreError>;
    /// The records with these ids that exist, in any order.
    async fn records(&self, ids: &[RecordId]) -> Result<Vec<Record>, StoreError>;
    /// Replaces a record if its stored version is `expected_version`;
    /// [`StoreError::VersionConflict`] otherwise.
    async fn update_record(&self, record: &Record, expected_version: u64) -> Result<(), StoreError> {
        self.write_records(&[], &[(record.clone(), expected_version)]).await
    }
    /// A page of records, any state, in identifier order.
    async fn record_page(&self, query: &RecordPageQuery) -> Result<Vec<Record>, StoreError>;
    /// How many records are stored, any state.
    async fn record_count(&self) -> Result<u64, StoreError>;
}

/// Hits, their conversations and reviewed false positives.
#[async_trait]
pub trait HitBackend: Commit {
    /// One hit.
    async fn hit(&self, id: &HitId) -> Result<Option<Hit>, StoreError>;
    /// Hits by the filter, newest first.
    async fn hits(&self, filter: &HitFilter) -> Result<Vec<Hit>, StoreError>;
    /// Replaces a hit if its stored status is `expected`; false if not.
    async fn update_hit(&self, hit: &Hit, expected: HitStatus) -> Result<bool, StoreError> {
        let change = Change::Hit { hit: hit.clone(), expected };
        Ok(self.commit(change, vec![], Effects::default()).await?.applied)
    }
    /// Appends a message to a hit's conversation, numbering it.
    async fn append_hit_message(&self, message: &HitMessage) -> Result<HitMessage, StoreError> {
        let done = self.commit(Change::HitMessage(message.clone()), vec![], Effects::default()).await?;
        done.message.ok_or_else(|| StoreError::Corrupt("a hit message was not stored".into()))
    }
    /// A hit's messages, oldest first.
    async fn hit_messages(&self, id: &HitId) -> Result<Vec<HitMessage>, StoreError>;

    /// Records a reviewed false positive, replacing one for the same
    /// agency, subject and record.
    async fn put_dismissal(&self, dismissal: &Dismissal) -> Result<(), StoreError> {
        self.commit(Change::Dismissal(dismissal.clone()), vec![], Effects::default()).await.map(drop)
    }
    /// The dismissals whose `until` is after `now`.
    async fn dismissals(&self, now: OffsetDateTime) -> Result<Vec<Dismissal>, StoreError>;
}

/// Standing watches.
#[async_trait]
pub trait WatchBackend: Commit {
    /// Stores a watch.
    async fn insert_watch(&self, watch: &Watch) -> Result<(), StoreError> {
        self.commit(Change::InsertWatch(watch.clone()), vec![], Effects::default()).await.map(drop)
    }
    /// Removes a watch; false if there was none.
    async fn delete_watch(&self, id: &WatchId) -> Result<bool, StoreError> {
        Ok(self.commit(Change::DeleteWatch(*id), vec![], Effects::default()).await?.applied)
    }
    /// Every watch, oldest first.
    async fn watches(&self) -> Result<Vec<Watch>, StoreError>;
}

/// Notices, their yearly numbers and the review reminders sent.
#[async_trait]
pub trait NoticeBackend: Commit {
    /// Stores a new notice.
    async fn insert_notice(&self, notice: &Notice) -> Result<(), StoreError> {
        self.write_notices(std::slice::from_ref(notice), &[]).await
    }
    /// Inserts `new` and replaces each of `changed` if its stored version is
    /// the one paired with it, in one transaction: all or none.
    /// [`StoreError::VersionConflict`] names the first stale one.
    async fn write_notices(&self, new: &[Notice], changed: &[(Notice, u64)]) -> Result<(), StoreError> {
        let change = Change::Notices { new: new.to_vec(), changed: changed.to_vec() };
        self.commit(change, vec![], Effects::default()).await.map(drop)
    }
    /// Reserves `count` numbers for notices published in `year` and returns
    /// the first; numbers run 1, 2, … within a year, never given twice.
    async fn reserve_entity_numbers(&self, year: i32, count: u32) -> Result<u32, StoreError>;
    /// The reminders already sent for these items: (item id, review date).
    async fn reminders(&self, items: &[String]) -> Result<Vec<(String, Date)>, StoreError>;
    /// One notice.
    async fn notice(&self, id: &NoticeId) -> Result<Option<Notice>, StoreError>;
    /// Replaces a notice if its stored version is `expected_version`; false
    /// if not.
    async fn update_notice(&self, notice: &Notice, expected_version: u64) -> Result<bool, StoreError> {
        let change = Change::Notice { notice: notice.clone(), expected: expected_version };
        Ok(self.commit(change, vec![], Effects::default()).await?.applied)
    }
    /// Notices by the filter, oldest first.
    async fn notices(&self, filter: &NoticeFilter) -> Result<Vec<Notice>, StoreError>;
}

/// Events, numbered per recipient, and cluster mode's outbox.
#[async_trait]
pub trait EventBackend: Commit {
    /// Events in order: those `viewer` is shown (its agency's, at or below
    /// its clearance) after its count's number `after`, or every agency's
    /// after the log position `after` (a cluster node catching up its live
    /// subscribers).
    async fn events(&self, viewer: Option<&Viewer>, after: u64, limit: u32) -> Result<Vec<Event>, StoreError>;

    /// The last number in `viewer`'s count of its agency's events (0: none
    /// yet).
    async fn last_event_number(&self, viewer: &Viewer) -> Result<u64, StoreError>;
    /// The last event's sequence number (0 when there is none).
    async fn last_event(&self) -> Result<u64, StoreError>;
    /// Deletes up to `limit` of the oldest events from before `before`, in
    /// number order, stopping at the first later one; never the last event
    /// (numbering continues from it). Returns how many it deleted.
    async fn prune_events(&self, before: OffsetDateTime, limit: u32) -> Result<u64, StoreError>;

    /// Keeps a change about to be committed (cluster mode's outbox) and
    /// returns its id.
    async fn outbox_put(&self, body: &str, at: OffsetDateTime) -> Result<u64, StoreError>;
    /// Forgets changes the bus has taken.
    async fn outbox_done(&self, ids: &[u64]) -> Result<(), StoreError>;
    /// Changes kept since before `before`, oldest first, at most `limit`.
    async fn outbox_older(&self, before: OffsetDateTime, limit: u32) -> Result<Vec<(u64, String)>, StoreError>;
}

/// The audit chain.
#[async_trait]
pub trait AuditBackend: Commit {
    /// Appends drafts to the audit chain in one durable transaction, after
    /// the stored head (read inside the transaction, so several processes
    /// can share the log), and returns the new entries.
    async fn append_audit(&self, drafts: Vec<Draft>) -> Result<Vec<Entry>, StoreError> {
        self.append_batch(drafts, Effects::default()).await.map(|(entries, _)| entries)
    }
    /// [`AuditBackend::append_audit`], storing `effects` in the same
    /// transaction; returns the entries and the events with their numbers.
    async fn append_batch(&self, drafts: Vec<Draft>, effects: Effects) -> Result<(Vec<Entry>, Vec<Event>), StoreError>;
    /// Audit entries in sequence order.
    async fn audit_entries(&self, filter: &AuditFilter) -> Result<Vec<Entry>, StoreError>;

    /// A numbered view of the log (see [`AuditViewQuery`]): each entry with
    /// its number in the view, in order.
    async fn audit_view(&self, query: &AuditViewQuery) -> Result<Vec<(u64, Entry)>, StoreError>;
    /// The chain's head.
    async fn audit_head(&self) -> Result<Head, StoreError>;
}

/// Hits made in one hour between the same two agencies on one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HitCount {
    /// The hour, as the first 13 characters of an RFC 3339 UTC time.
    pub hour: String,
    /// The searching agency.
    pub searcher: AgencyCode,
    /// The record's owner.
    pub owner: AgencyCode,
    /// The record.
    pub record_id: RecordId,
    /// How many.
    pub count: u64,
}

/// The counts behind the dashboard. Hours are given and answered as the
/// first 13 characters of an RFC 3339 UTC time (`2026-12-06T13`); a window
/// holds the times `start <= t < end` compared as text.
#[async_trait]
pub trait ActivityBackend: Send + Sync + 'static {
    /// Screenings `agency` made (audited `screen`, done) per hour.
    async fn searches_per_hour(
        &self,
        agency: &AgencyCode,
        start: &str,
        end: &str,
    ) -> Result<Vec<(String, u64)>, StoreError>;
    /// The hits `viewer` may see (its agency's records'; from its
    /// screenings unless silent; at or below its clearance), per hour,
    /// searcher, owner and record.
    async fn hits_per_hour(&self, viewer: &Viewer, start: &str, end: &str) -> Result<Vec<HitCount>, StoreError>;
}

/// A database the store runs on: every capability's rows, written through
/// one [`Commit`]. Each capability of the store reads and writes through
/// its own trait; a backend implements them all.
#[async_trait]
pub trait Backend:
    Commit
    + AgencyBackend
    + RecordBackend
    + HitBackend
    + WatchBackend
    + NoticeBackend
    + EventBackend
    + AuditBackend
    + ActivityBackend
    + IntelBackend
    + EdgeBackend
    + crate::bio_backend::BioBackend
    + crate::infra_backend::InfraBackend
    + crate::messages_backend::MessageBackend
{
    /// The maintenance lease, or `None` while another process holds it.
    async fn maintenance_lease(&self) -> Result<Option<Lease>, StoreError>;
    /// Writes a consistent copy of the whole database to the new file
    /// `into`, while others go on reading and writing (the embedded store;
    /// a server database is copied with its own tools).
    async fn snapshot(&self, into: &std::path::Path) -> Result<(), StoreError>;
}
