//! What a database keeps for edge nodes. Upstream: each edge's issued sync
//! versions (number, chain hash, when generated), what each edge holds
//! (record id and version, from the sync version that sent it until the one
//! that took it away), and the audit entries each edge shipped. On an edge:
//! its copy's state and the published notices on the records it holds. Raw
//! rows: who may sync what is decided above the backend (`tocsin-edge`).

use async_trait::async_trait;
use time::OffsetDateTime;
use tocsin_audit::Entry;
use tocsin_core::AgencyCode;
use tocsin_core::record::{Record, RecordId};

use crate::StoreError;
use crate::backend::{Agency, AgencySettings, Commit, TokenRow};

/// An edge node as the upstream knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EdgeRow {
    /// Its agency.
    pub agency: AgencyCode,
    /// Its name within the agency.
    pub name: String,
    /// The last sync version issued to it (0: none yet).
    pub issued: u64,
    /// The last version it said it holds (0: none).
    pub confirmed: u64,
    /// When the confirmed version was generated (what its copy is as of).
    pub confirmed_at: Option<OffsetDateTime>,
    /// When it last asked for a sync.
    pub seen_at: OffsetDateTime,
    /// When it first synced.
    pub created_at: OffsetDateTime,
}

/// One issued sync version: its number, its chain hash, when generated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EdgeVersion {
    /// Its number, from 1.
    pub version: u64,
    /// SHA-256 chain hash, hex.
    pub hash: String,
    /// When it was generated (its data is as of then).
    pub generated_at: OffsetDateTime,
    /// The last record change number it includes.
    pub records_mark: u64,
    /// The last notice change number it includes.
    pub notices_mark: u64,
}

/// A sync version issued to an edge, with what it changed in the edge's
/// holdings. Applied as: forget what was issued after `base` (the version
/// the edge says it holds: anything later never arrived), then record this
/// version's additions and removals.
#[derive(Debug, Clone)]
pub struct EdgeIssue {
    /// The edge's agency.
    pub agency: AgencyCode,
    /// The edge's name.
    pub name: String,
    /// The version the edge holds (0: none).
    pub base: u64,
    /// The version issued.
    pub version: EdgeVersion,
    /// A full snapshot: everything held before is gone.
    pub full: bool,
    /// Records sent, at their versions.
    pub put: Vec<(RecordId, u64)>,
    /// Records the edge must delete.
    pub gone: Vec<RecordId>,
    /// When the edge asked.
    pub at: OffsetDateTime,
}

/// What an edge applies to its own store from one verified sync version,
/// all at once or not at all.
#[derive(Debug, Clone, Default)]
pub struct ReplicaApply {
    /// A full snapshot: every record not in `put` is deleted first.
    pub full: bool,
    /// The agencies the records name (inserted if missing).
    pub agencies: Vec<Agency>,
    /// The edge's agency's settings (its hit threshold).
    pub settings: Option<(AgencyCode, AgencySettings)>,
    /// The tokens that act at the edge (inserted, or their expiry and
    /// revocation updated).
    pub tokens: Vec<TokenRow>,
    /// Records inserted or replaced whatever their stored version.
    pub put: Vec<Record>,
    /// Records deleted (not archived: gone).
    pub delete: Vec<RecordId>,
    /// The published notices on a record, as JSON (`NoticeBrief`s), replacing
    /// those it had.
    pub notices: Vec<(RecordId, String)>,
    /// The copy's state after this version, as JSON (the edge's own format).
    pub state: String,
}

/// Edge rows, upstream and on the edge.
#[async_trait]
pub trait EdgeBackend: Commit {
    /// One edge.
    async fn edge(&self, agency: &AgencyCode, name: &str) -> Result<Option<EdgeRow>, StoreError>;
    /// Every edge, or one agency's, by agency and name.
    async fn edges(&self, agency: Option<&AgencyCode>) -> Result<Vec<EdgeRow>, StoreError>;
    /// An issued version of an edge's.
    async fn edge_version(
        &self,
        agency: &AgencyCode,
        name: &str,
        version: u64,
    ) -> Result<Option<EdgeVersion>, StoreError>;
    /// Which of `ids` the edge held at `version`, with the versions held.
    async fn edge_held(
        &self,
        agency: &AgencyCode,
        name: &str,
        version: u64,
        ids: &[RecordId],
    ) -> Result<Vec<(RecordId, u64)>, StoreError>;
    /// Records whose change number is `from` or later, in `(change, id)`
    /// order, after `after` (the last row of the previous page), each with
    /// its change number.
    async fn records_changed(
        &self,
        from: u64,
        after: Option<(u64, RecordId)>,
        limit: u32,
    ) -> Result<Vec<(u64, Record)>, StoreError>;
    /// How many records have a change number `from` or later.
    async fn count_changed(&self, from: u64) -> Result<u64, StoreError>;
    /// The last change numbers of records and of notices.
    async fn change_marks(&self) -> Result<(u64, u64), StoreError>;
    /// The records named by notices whose change number is `from` or later.
    async fn notice_records_changed(&self, from: u64) -> Result<Vec<RecordId>, StoreError>;
    /// The audit entries an edge shipped, from `after` (exclusive), and
    /// whether each was handled.
    async fn edge_audit(
        &self,
        agency: &AgencyCode,
        name: &str,
        after: u64,
        limit: u32,
    ) -> Result<Vec<(Entry, bool)>, StoreError>;
    /// The screenings (`screen` entries that succeeded) an edge shipped
    /// that are not handled yet, in chain order.
    async fn edge_unhandled(&self, agency: &AgencyCode, name: &str, limit: u32) -> Result<Vec<Entry>, StoreError>;
    /// The last entry an edge shipped (its number and hash), if any.
    async fn edge_audit_head(&self, agency: &AgencyCode, name: &str) -> Result<Option<(u64, String)>, StoreError>;
    /// On an edge: its copy's state (JSON), if it has a copy.
    async fn replica_state(&self) -> Result<Option<String>, StoreError>;
    /// On an edge: the published notices on each record it holds.
    async fn replica_notices(&self) -> Result<Vec<(RecordId, String)>, StoreError>;
    /// Makes what deletions freed unreadable in the database's files (the
    /// embedded store: its write-ahead log copied in and emptied; deleted
    /// rows are overwritten as they are deleted).
    async fn erase_freed(&self) -> Result<(), StoreError>;
}
