//! What a database keeps for biometric search (`tocsin-abis`): the images
//! enrolled with biometric records, and each search's candidates with the
//! examiners' decisions. Templates themselves are records
//! (`RecordBody::Biometric`); a search keeps no template. Raw rows: who may
//! read or decide what is decided above the backend.

use async_trait::async_trait;
use time::OffsetDateTime;
use tocsin_core::AgencyCode;
use tocsin_core::record::RecordId;

use crate::StoreError;
use crate::backend::Commit;

/// An image kept with a biometric record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BioAttachment {
    /// The record.
    pub record: RecordId,
    /// Its position among the record's attachments.
    pub n: u32,
    /// The bytes.
    pub data: Vec<u8>,
}

/// One candidate of a search, as kept.
#[derive(Debug, Clone, PartialEq)]
pub struct BioCandidateRow {
    /// The search.
    pub search: String,
    /// The candidate's biometric record.
    pub record: RecordId,
    /// Its owner.
    pub owner: AgencyCode,
    /// The searching agency.
    pub searcher: AgencyCode,
    /// Whether the searcher was shown it (false: a silent candidate).
    pub shown: bool,
    /// `pending`, `confirmed` or `rejected`.
    pub status: String,
    /// When the search was made.
    pub created_at: OffsetDateTime,
    /// The rest, as JSON (score, rank, whether the searcher saw it, the
    /// search's modality and purpose, the decision and the hit it made).
    pub body: String,
}

/// An examiner's decision on a candidate, applied only while the
/// candidate is still `pending`.
#[derive(Debug, Clone, PartialEq)]
pub struct BioDecision {
    /// The search.
    pub search: String,
    /// The candidate's record.
    pub record: RecordId,
    /// `confirmed` or `rejected`.
    pub status: String,
    /// The candidate's JSON after the decision.
    pub body: String,
}

/// Rows for biometric search.
#[async_trait]
pub trait BioBackend: Commit {
    /// A record's attachment.
    async fn bio_attachment(&self, record: &RecordId, n: u32) -> Result<Option<Vec<u8>>, StoreError>;
    /// One search's candidates, best first.
    async fn bio_candidates(&self, search: &str) -> Result<Vec<BioCandidateRow>, StoreError>;
    /// Candidates on `agency`'s records, and those its searches were shown,
    /// newest first, only `pending` ones when asked; at most `limit`.
    async fn bio_candidates_for(
        &self,
        agency: &AgencyCode,
        pending_only: bool,
        limit: u32,
    ) -> Result<Vec<BioCandidateRow>, StoreError>;
}
