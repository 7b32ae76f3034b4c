//! Messages and diffusions between agencies, end-to-end encrypted.
//!
//! An agency publishes public keys (`POST /v1/keys`); a sender's client
//! seals a message to its recipients' current keys and signs it
//! (`tocsin-envelope`), and this crate checks what a server can check
//! without reading it: the envelope is well formed, its signature verifies
//! with the key the sender published, and the store's rules hold (the
//! sender's own name and current key, member recipients at their current
//! keys, references every recipient may see). Then the store keeps it with
//! a `message.received` event for every recipient, in one transaction.
//! Opening a message happens where the agency's key file is: the CLI
//! (`tocsin message read`). No key that opens a message is ever here.
//!
//! Diffusions are messages with a kind (wanted, missing, information,
//! warning) whose content the kind requires, always sealed to the General
//! Secretariat too, which reviews them after they are sent
//! (`POST /v1/diffusions/{id}/review`).

pub mod http;

use std::sync::Arc;

use tocsin_envelope::{Envelope, EnvelopeError, PublicKey};
use tocsin_store::{
    Actor, AgencyKeyRow, MessageQuery, MessageView, NewMessage, ReceiptKind, Store, StoreError, Verdict,
};

/// Why a call failed: bad input found before the store was asked, or the
/// store's answer.
#[derive(Debug)]
pub enum MessagingError {
    /// A field of the input is wrong.
    Invalid {
        /// Its path.
        field: String,
        /// What is wrong.
        reason: String,
    },
    /// The store refused or failed.
    Store(StoreError),
}

impl From<StoreError> for MessagingError {
    fn from(e: StoreError) -> MessagingError {
        MessagingError::Store(e)
    }
}

impl From<EnvelopeError> for MessagingError {
    fn from(e: EnvelopeError) -> MessagingError {
        let (field, reason) = match e {
            EnvelopeError::Field(f) => {
                let reason = f.message.strip_prefix(&format!("{}: ", f.field)).unwrap_or(&f.message).to_owned();
                (f.field, reason)
            }
            EnvelopeError::Signature(s) => ("signature".to_owned(), s),
            EnvelopeError::Decrypt(s) => ("ciphertext".to_owned(), s),
            EnvelopeError::Key(s) => ("key".to_owned(), s),
        };
        MessagingError::Invalid { field, reason }
    }
}

/// A public key as served: the agency's keys, oldest first, the current
/// one not retired.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct KeyView {
    /// The agency.
    #[schema(value_type = String)]
    pub agency: tocsin_core::AgencyCode,
    /// SHA-256 of the key, 64 hex digits: compare it out of band.
    pub fingerprint: String,
    /// The same, in groups of four for reading aloud.
    pub fingerprint_grouped: String,
    /// The age recipient (`age1…`) to seal messages to the agency with.
    pub encryption: String,
    /// The Ed25519 public key (hex) its messages are signed with.
    pub verification: String,
    /// Whether this is the key to seal new messages to.
    pub current: bool,
    /// When it was published.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: time::OffsetDateTime,
    /// When a newer key replaced it.
    #[serde(with = "time::serde::rfc3339::option", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub retired_at: Option<time::OffsetDateTime>,
}

impl From<AgencyKeyRow> for KeyView {
    fn from(k: AgencyKeyRow) -> KeyView {
        KeyView {
            agency: k.agency,
            fingerprint_grouped: tocsin_envelope::grouped(&k.fingerprint),
            fingerprint: k.fingerprint,
            encryption: k.encryption,
            verification: k.verification,
            current: k.retired_at.is_none(),
            created_at: k.created_at,
            retired_at: k.retired_at,
        }
    }
}

/// The store's view of a checked envelope.
fn new_message(envelope: Envelope, text: String) -> NewMessage {
    let h = envelope.header;
    NewMessage {
        id: h.id,
        sender: h.sender,
        sender_key: h.sender_key,
        recipients: h.recipients.into_iter().map(|r| (r.agency, r.key)).collect(),
        level: h.level,
        diffusion: h.diffusion,
        references: h.references,
        reply_to: h.reply_to,
        sent_at: h.sent_at,
        envelope: text,
    }
}

/// Messages between agencies over one store.
pub struct Messaging {
    store: Arc<Store>,
}

impl Messaging {
    /// The service over `store`.
    pub fn new(store: Arc<Store>) -> Messaging {
        Messaging { store }
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Publishes a public key of the caller's agency; it becomes the
    /// current one.
    pub async fn publish_key(
        &self,
        actor: &Actor,
        encryption: &str,
        verification: &str,
    ) -> Result<KeyView, MessagingError> {
        let key = PublicKey::parse(actor.agency, encryption, verification)
            .map_err(|f| MessagingError::from(EnvelopeError::Field(f)))?;
        let row = self
            .store
            .messages()
            .publish_key(actor, key.fingerprint(), key.encryption.clone(), key.verification.clone())
            .await?;
        Ok(row.into())
    }

    /// The keys of `agency`, or every agency's.
    pub async fn keys(
        &self,
        actor: &Actor,
        agency: Option<tocsin_core::AgencyCode>,
    ) -> Result<Vec<KeyView>, MessagingError> {
        Ok(self.store.messages().keys(actor, agency).await?.into_iter().map(KeyView::from).collect())
    }

    /// Checks a sealed envelope's form and signature, then sends it.
    pub async fn send(&self, actor: &Actor, body: &[u8]) -> Result<MessageView, MessagingError> {
        let envelope = Envelope::parse(body)?;
        if !actor.may(tocsin_core::auth::Permission::SendMessages) || envelope.header.sender != actor.agency {
            // Refused (and audited) by the store before any key is looked
            // up: a caller may not probe which keys exist.
            return Ok(self.store.messages().send(actor, new_message(envelope, String::new())).await?);
        }
        let h = &envelope.header;
        let Some(key) = self.store.messages().key(&h.sender, &h.sender_key).await? else {
            return Err(MessagingError::Invalid {
                field: "header.sender_key".to_owned(),
                reason: format!("{} has published no key {}", h.sender, h.sender_key),
            });
        };
        let public = PublicKey::parse(key.agency, &key.encryption, &key.verification)
            .map_err(|e| StoreError::Corrupt(format!("published key {}: {e}", key.fingerprint)))?;
        envelope.verify(&public)?;
        let text = serde_json::to_string(&envelope)
            .map_err(|e| StoreError::Internal(format!("an envelope does not serialize: {e}")))?;
        Ok(self.store.messages().send(actor, new_message(envelope, text)).await?)
    }

    /// The caller's messages.
    pub async fn list(&self, actor: &Actor, q: &MessageQuery) -> Result<Vec<MessageView>, MessagingError> {
        Ok(self.store.messages().list(actor, q).await?)
    }

    /// One message with its sealed envelope.
    pub async fn get(&self, actor: &Actor, id: &str) -> Result<MessageView, MessagingError> {
        Ok(self.store.messages().get(actor, id).await?)
    }

    /// A read or acknowledgement receipt.
    pub async fn receipt(&self, actor: &Actor, id: &str, kind: ReceiptKind) -> Result<MessageView, MessagingError> {
        if kind == ReceiptKind::Delivered {
            return Err(MessagingError::Invalid {
                field: "kind".to_owned(),
                reason: "delivery is noted when the message is fetched; send read or acknowledged".to_owned(),
            });
        }
        Ok(self.store.messages().receipt(actor, id, kind).await?)
    }

    /// The General Secretariat's review of a diffusion.
    pub async fn review(
        &self,
        actor: &Actor,
        id: &str,
        verdict: Verdict,
        reason: &str,
    ) -> Result<MessageView, MessagingError> {
        Ok(self.store.messages().review(actor, id, verdict, reason).await?)
    }
}
