//! What a database keeps of the threat-intelligence hub: TAXII collections
//! and the versions of the STIX objects in them, append-only, each with the
//! microsecond it was added (unique and increasing in one store, as TAXII's
//! paging needs; assigned under the write lock), the observables it states
//! (for correlation), and the status of each POST. Raw rows: who may read
//! or write what is decided above the backend.

use async_trait::async_trait;
use time::OffsetDateTime;
use tocsin_core::AgencyCode;
use tocsin_core::record::AccessRule;

use crate::StoreError;
use crate::backend::Commit;

/// A TAXII collection: a trust community's shared space.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct IntelCollection {
    /// A UUIDv4, as TAXII requires.
    pub id: String,
    /// The API root (trust community) it belongs to, served at
    /// `/taxii2/{root}/`.
    #[serde(default = "default_root")]
    pub root: String,
    /// A name unique among collections, usable in place of the id.
    pub alias: Option<String>,
    pub title: String,
    pub description: Option<String>,
    /// The agency that created it.
    pub owner: AgencyCode,
    /// Who may read it (with the owner).
    pub readers: AccessRule,
    /// Who may write to it (with the owner).
    pub writers: AccessRule,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// The API root of a collection stored before roots existed.
pub fn default_root() -> String {
    "shared".to_owned()
}

/// One version of a STIX object in a collection, keyed by collection, owner,
/// id and version: two agencies' objects with one id are two objects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntelVersion {
    /// The store's number for this version (0 until stored).
    pub seq: u64,
    pub collection: String,
    /// The STIX id.
    pub id: String,
    /// `modified` (else `created`) written to the microsecond at fixed
    /// width, so versions sort as text; empty for an object with neither
    /// (it has one version).
    pub version: String,
    /// The STIX type.
    pub kind: String,
    /// The agency that added it.
    pub owner: AgencyCode,
    /// Its TLP level (`red`, `amber+strict`, …), if marked.
    pub tlp: Option<String>,
    /// When it was added, µs since the epoch (set when stored).
    pub added_us: i64,
    /// The object, as JSON.
    pub body: String,
    /// What STIX recommends and the object does not do.
    pub warnings: Vec<String>,
    /// `(kind, value)` of each observable it states, in canonical form;
    /// written with the version, read back by
    /// [`IntelBackend::intel_observables`] (pages leave it empty).
    pub observables: Vec<(String, String)>,
}

/// Which versions of each object a page holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VersionFilter {
    /// The earliest live version.
    pub first: bool,
    /// The latest live version.
    pub last: bool,
    /// Every version (the others are then ignored).
    pub all: bool,
    /// These versions (as [`IntelVersion::version`] writes them).
    pub exact: Vec<String>,
}

/// A page of a collection's versions, in the order they were added.
#[derive(Debug, Clone, Default)]
pub struct IntelQuery {
    pub collection: String,
    /// Only versions added strictly after this (µs).
    pub added_after_us: Option<i64>,
    /// Start after this `(added_us, seq)` (the previous page's last).
    pub after: Option<(i64, u64)>,
    /// Only these STIX ids (any when empty).
    pub ids: Vec<String>,
    /// Only these STIX types (any when empty).
    pub types: Vec<String>,
    pub versions: VersionFilter,
    /// Versions marked with one of these TLP levels only when this agency
    /// added them: what the access policy hides from a viewer, left out in
    /// the query so that a page is not filled with what is then dropped
    /// (the caller still checks each version against the policy).
    pub restricted: Option<(AgencyCode, Vec<String>)>,
    /// At most this many.
    pub limit: u32,
}

/// The hub's rows.
#[async_trait]
pub trait IntelBackend: Commit {
    /// Every collection, by creation.
    async fn intel_collections(&self) -> Result<Vec<IntelCollection>, StoreError>;
    /// A page of live (not deleted) versions, ordered by when they were
    /// added.
    async fn intel_page(&self, query: &IntelQuery) -> Result<Vec<IntelVersion>, StoreError>;
    /// The live versions with these numbers, in number order.
    async fn intel_by_seq(&self, seqs: &[u64]) -> Result<Vec<IntelVersion>, StoreError>;
    /// The observables of live versions numbered after `after_seq`, as
    /// `(seq, kind, value)` in number order, at most `limit` (to build the
    /// correlation index page by page).
    async fn intel_observables(&self, after_seq: u64, limit: u32) -> Result<Vec<(u64, String, String)>, StoreError>;
    /// Which live versions state each of these `(kind, value)` canonical
    /// observables, as `(seq, kind, value)` (the correlation index's matches
    /// confirmed).
    async fn intel_stating(&self, observables: &[(String, String)]) -> Result<Vec<(u64, String, String)>, StoreError>;
    /// The latest live version of each of these objects in a collection, as
    /// `(owner, id, version)`.
    async fn intel_latest(
        &self,
        collection: &str,
        ids: &[String],
    ) -> Result<Vec<(AgencyCode, String, String)>, StoreError>;
    /// A POST's status: the agency that posted and the status as JSON.
    async fn intel_status(&self, id: &str) -> Result<Option<(AgencyCode, String)>, StoreError>;
    /// The agency's latest `intel.sighting` events, newest first.
    async fn intel_sightings(
        &self,
        agency: &AgencyCode,
        limit: u32,
    ) -> Result<Vec<tocsin_core::event::Event>, StoreError>;
}
