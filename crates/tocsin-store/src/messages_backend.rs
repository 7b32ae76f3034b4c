//! What a database keeps for messages between agencies
//! (`tocsin-messaging`): published public keys, sealed envelopes with their
//! routing data, each recipient's receipts, and diffusion reviews. Raw
//! rows: who may read what is decided above the backend.

use async_trait::async_trait;
use time::OffsetDateTime;
use tocsin_core::AgencyCode;
use tocsin_core::message::{DiffusionKind, Level, Reference};

use crate::StoreError;
use crate::backend::Commit;

/// A public key an agency published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgencyKeyRow {
    /// Its fingerprint (64 hex digits), unique.
    pub fingerprint: String,
    /// The agency.
    pub agency: AgencyCode,
    /// The age recipient messages to the agency are encrypted to.
    pub encryption: String,
    /// The Ed25519 public key its messages are signed with (hex).
    pub verification: String,
    /// When it was published.
    pub created_at: OffsetDateTime,
    /// When a newer key replaced it (`None`: current).
    pub retired_at: Option<OffsetDateTime>,
}

/// A message's routing data, as kept beside its sealed envelope.
#[derive(Debug, Clone, PartialEq)]
pub struct MessageRow {
    /// Its id, chosen by the sender and signed.
    pub id: String,
    /// The sending agency.
    pub sender: AgencyCode,
    /// The first message of its thread (itself when it starts one).
    pub thread: String,
    /// The message it answers.
    pub reply_to: Option<String>,
    /// Its kind, when it is a diffusion.
    pub diffusion: Option<DiffusionKind>,
    /// Its confidentiality level.
    pub level: Level,
    /// What it points at.
    pub references: Vec<Reference>,
    /// When the sender sealed it (signed).
    pub sent_at: OffsetDateTime,
    /// When the server took it.
    pub received_at: OffsetDateTime,
    /// Who sent it (the user, and the unit when there is one), as JSON.
    pub meta: String,
    /// The sealed envelope, as JSON.
    pub envelope: String,
    /// The General Secretariat's review of a diffusion, as JSON.
    pub review: Option<String>,
}

/// One recipient's receipts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryRow {
    /// The recipient agency.
    pub agency: AgencyCode,
    /// When it first fetched the envelope.
    pub delivered_at: Option<OffsetDateTime>,
    /// When it reported having decrypted and read it.
    pub read_at: Option<OffsetDateTime>,
    /// When it acknowledged it.
    pub acknowledged_at: Option<OffsetDateTime>,
}

/// A receipt a recipient gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReceiptKind {
    /// It fetched the envelope.
    Delivered,
    /// It decrypted and read it.
    Read,
    /// It acknowledged it.
    Acknowledged,
}

impl ReceiptKind {
    /// The receipt's name.
    pub fn as_str(self) -> &'static str {
        match self {
            ReceiptKind::Delivered => "delivered",
            ReceiptKind::Read => "read",
            ReceiptKind::Acknowledged => "acknowledged",
        }
    }
}

/// Which messages to read, newest first.
#[derive(Debug, Clone)]
pub struct MessageFilter {
    /// Sent by this agency.
    pub sender: Option<AgencyCode>,
    /// Received by this agency.
    pub recipient: Option<AgencyCode>,
    /// Either sent or received by this agency (`sender` and `recipient`
    /// unset).
    pub party: Option<AgencyCode>,
    /// Only diffusions.
    pub diffusions: bool,
    /// Only those at or below this level (a reader's clearance).
    pub clearance: Level,
    /// Only this thread.
    pub thread: Option<String>,
    /// Older than this message id (the previous page's last).
    pub before: Option<String>,
    /// At most this many.
    pub limit: u32,
}

/// Rows for messages between agencies.
#[async_trait]
pub trait MessageBackend: Commit {
    /// Keys of `agency` (every agency's when `None`), oldest first.
    async fn agency_keys(&self, agency: Option<&AgencyCode>) -> Result<Vec<AgencyKeyRow>, StoreError>;
    /// One message and its recipients' receipts.
    async fn message(&self, id: &str) -> Result<Option<(MessageRow, Vec<DeliveryRow>)>, StoreError>;
    /// Messages as filtered, newest first, with their receipts.
    async fn messages(&self, filter: &MessageFilter) -> Result<Vec<(MessageRow, Vec<DeliveryRow>)>, StoreError>;
    /// Diffusions of `kind` received by `agency` that reference one of
    /// `records` (record ids), with the record each references.
    async fn diffusions_on(
        &self,
        agency: &AgencyCode,
        kind: DiffusionKind,
        records: &[String],
    ) -> Result<Vec<(String, MessageRow)>, StoreError>;
}
