//! What a database keeps for critical-infrastructure analysis
//! (`tocsin-infra-service`): dependencies between assets, the generation
//! that tells a cached graph to reload them, and early-warning watches.
//! Assets themselves are records (`RecordBody::Asset`). Raw rows: who may
//! read what is decided above the backend.

use async_trait::async_trait;
use time::OffsetDateTime;
use tocsin_core::AgencyCode;
use tocsin_core::asset::{Dependency, DependencyId};
use tocsin_core::record::RecordId;

use crate::StoreError;
use crate::backend::Commit;

/// An early-warning watch on an asset, as kept.
#[derive(Debug, Clone, PartialEq)]
pub struct InfraWatchRow {
    /// Identifier.
    pub id: String,
    /// The watching agency.
    pub agency: AgencyCode,
    /// The asset.
    pub asset: RecordId,
    /// When it was made.
    pub created_at: OffsetDateTime,
    /// The watch's settings, as JSON.
    pub body: String,
    /// The state last evaluated, as JSON.
    pub state: String,
    /// Grows with each change of `state`.
    pub version: u64,
}

/// A watch's new state, applied only if it is still at `version`.
#[derive(Debug, Clone, PartialEq)]
pub struct InfraWatchState {
    /// The watch.
    pub id: String,
    /// The version read.
    pub version: u64,
    /// The new state, as JSON.
    pub state: String,
}

/// Rows for infrastructure analysis.
#[async_trait]
pub trait InfraBackend: Commit {
    /// Every dependency, with the generation they were read at.
    async fn infra_dependencies(&self) -> Result<(u64, Vec<Dependency>), StoreError>;
    /// The dependencies' generation.
    async fn infra_generation(&self) -> Result<u64, StoreError>;
    /// One dependency.
    async fn infra_dependency(&self, id: &DependencyId) -> Result<Option<Dependency>, StoreError>;
    /// Every watch, or `agency`'s.
    async fn infra_watches(&self, agency: Option<&AgencyCode>) -> Result<Vec<InfraWatchRow>, StoreError>;
}
