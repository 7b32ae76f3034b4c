//! Messages between agencies' way into the store ([`Store::messages`]), and
//! nothing more: published public keys, sealed envelopes and their routing
//! data, receipts, and the General Secretariat's review of diffusions.
//!
//! The rules that are the store's live here: an agency sends in its own
//! name with its current key, to registered agencies at their current
//! keys; everything a message references is visible to the sender and to
//! every recipient, and a reference that is not is refused with the same
//! words whether the thing exists or not; a message is shown to its sender,
//! its recipients, and (diffusions) the General Secretariat's reviewers,
//! and to no one else, who get the answer a missing one gets. The content
//! is sealed before it reaches the server (`tocsin-envelope`); checking the
//! signature is `tocsin-messaging`'s job, before it calls [`Messages::send`].

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use tocsin_core::access::{Viewer, may_see};
use tocsin_core::auth::{Permission, Role};
use tocsin_core::event::{Event, EventKind};
use tocsin_core::message::{DiffusionKind, Level, Reference, ReferenceKind};
use tocsin_core::record::{RecordBody, RecordId};
use tocsin_core::{AgencyCode, FieldError};

use crate::backend::{Change, Effects};
use crate::messages_backend::{AgencyKeyRow, DeliveryRow, MessageFilter, MessageRow, ReceiptKind};
use crate::store::{require, to_json};
use crate::{Actor, Store, StoreError};

/// The most messages one listing returns.
pub(crate) const MAX_PAGE: u32 = 500;

/// How far a message's signed time of sealing may be from the server's: the
/// inbox is ordered by it (through its time-ordered id), so a sender's
/// skewed clock may not pin a message to the top or bury it.
const MAX_CLOCK_SKEW: time::Duration = time::Duration::minutes(10);

/// The handle for messages between agencies ([`Store::messages`]).
pub struct Messages<'a> {
    store: &'a Store,
}

impl Store {
    /// Public keys, messages, diffusions, receipts and reviews.
    pub fn messages(&self) -> Messages<'_> {
        Messages { store: self }
    }
}

/// A sealed message as the sender's signed header describes it.
#[derive(Debug, Clone)]
pub struct NewMessage {
    /// Its id, chosen by the sender.
    pub id: String,
    /// The sending agency.
    pub sender: AgencyCode,
    /// The fingerprint of the key it was signed with.
    pub sender_key: String,
    /// Each recipient and the fingerprint of the key it was sealed to.
    pub recipients: Vec<(AgencyCode, String)>,
    /// Its level.
    pub level: Level,
    /// Its kind, when a diffusion.
    pub diffusion: Option<DiffusionKind>,
    /// What it points at.
    pub references: Vec<Reference>,
    /// The message it answers.
    pub reply_to: Option<String>,
    /// When it was sealed.
    pub sent_at: OffsetDateTime,
    /// The envelope, as JSON.
    pub envelope: String,
}

/// One recipient's receipts, as shown.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Receipt {
    /// The recipient.
    #[schema(value_type = String)]
    pub agency: AgencyCode,
    /// When it first fetched the message.
    #[serde(with = "time::serde::rfc3339::option", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub delivered_at: Option<OffsetDateTime>,
    /// When it read it.
    #[serde(with = "time::serde::rfc3339::option", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub read_at: Option<OffsetDateTime>,
    /// When it acknowledged it.
    #[serde(with = "time::serde::rfc3339::option", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub acknowledged_at: Option<OffsetDateTime>,
}

impl From<DeliveryRow> for Receipt {
    fn from(d: DeliveryRow) -> Receipt {
        Receipt {
            agency: d.agency,
            delivered_at: d.delivered_at,
            read_at: d.read_at,
            acknowledged_at: d.acknowledged_at,
        }
    }
}

/// The General Secretariat's verdict on a diffusion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// It complies with the rules.
    Compliant,
    /// It does not: recipients must stop relying on it.
    NonCompliant,
}

impl Verdict {
    /// The verdict's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Compliant => "compliant",
            Verdict::NonCompliant => "non_compliant",
        }
    }
}

/// A diffusion's review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Review {
    /// The verdict.
    pub verdict: Verdict,
    /// Why, in words recipients read.
    pub reason: String,
    /// The reviewer.
    pub reviewer: String,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub at: OffsetDateTime,
}

#[derive(Serialize, Deserialize)]
struct Meta {
    user: String,
}

/// A message as shown: its routing data, receipts and review; the sealed
/// envelope only when one message is fetched.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct MessageView {
    /// Its id.
    pub id: String,
    /// The sending agency.
    #[schema(value_type = String)]
    pub sender: AgencyCode,
    /// The user who sent it.
    pub sent_by: String,
    /// The first message of its thread.
    pub thread: String,
    /// The message it answers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<String>,
    /// Its kind, when a diffusion.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diffusion: Option<DiffusionKind>,
    /// Its confidentiality level.
    pub level: Level,
    /// What it points at.
    pub references: Vec<Reference>,
    /// When it was sealed.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub sent_at: OffsetDateTime,
    /// When the server took it.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub received_at: OffsetDateTime,
    /// Its recipients; their receipts for the sender and reviewers, the
    /// caller's own for a recipient.
    pub recipients: Vec<Receipt>,
    /// The General Secretariat's review of a diffusion.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review: Option<Review>,
    /// Whether the General Secretariat found the diffusion non-compliant:
    /// stop relying on it.
    pub non_compliant: bool,
    /// The sealed envelope (`GET /v1/messages/{id}` only), opened with the
    /// recipient's key file.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub envelope: Option<serde_json::Value>,
}

/// A diffusion on a record, as screening results show it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct DiffusionBrief {
    /// The diffusion (`GET /v1/messages/{id}`).
    pub id: String,
    /// Its kind.
    pub kind: DiffusionKind,
    /// Who sent it.
    #[schema(value_type = String)]
    pub sender: AgencyCode,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub sent_at: OffsetDateTime,
    /// Whether the General Secretariat found it non-compliant.
    pub non_compliant: bool,
}

/// Which messages to list.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct MessageQuery {
    /// `in` (received), `out` (sent), or both when absent; for the General
    /// Secretariat's reviewers, `review` lists every diffusion.
    #[serde(default, rename = "box")]
    pub mailbox: Option<String>,
    /// Only diffusions.
    #[serde(default)]
    pub diffusions: Option<bool>,
    /// Only this thread.
    #[serde(default)]
    pub thread: Option<String>,
    /// Older than this message (the previous page's last id).
    #[serde(default)]
    pub before: Option<String>,
    /// At most this many (default 100, at most 500).
    #[serde(default)]
    pub limit: Option<u32>,
}

fn review_of(row: &MessageRow) -> Result<Option<Review>, StoreError> {
    row.review
        .as_deref()
        .map(|r| serde_json::from_str(r).map_err(|e| StoreError::Corrupt(format!("message {} review: {e}", row.id))))
        .transpose()
}

/// Whether `actor` may see the message at all: it is cleared for its
/// level (else the message is hidden as a record above its clearance is),
/// and its agency sent or received it, or it reviews diffusions.
fn party(actor: &Actor, row: &MessageRow, recipients: &[DeliveryRow]) -> bool {
    actor.viewer().cleared_for(row.level)
        && (row.sender == actor.agency
            || recipients.iter().any(|d| d.agency == actor.agency)
            || (actor.role == Role::Reviewer && row.diffusion.is_some()))
}

fn view(
    actor: &Actor,
    row: MessageRow,
    recipients: Vec<DeliveryRow>,
    envelope: bool,
) -> Result<MessageView, StoreError> {
    let all = row.sender == actor.agency || (actor.role == Role::Reviewer && row.diffusion.is_some());
    let recipients = recipients
        .into_iter()
        .map(|d| match all || d.agency == actor.agency {
            true => Receipt::from(d),
            false => Receipt { agency: d.agency, delivered_at: None, read_at: None, acknowledged_at: None },
        })
        .collect();
    let review = review_of(&row)?;
    let sent_by = serde_json::from_str::<Meta>(&row.meta).map(|m| m.user).unwrap_or_default();
    let envelope = match envelope {
        true => Some(
            serde_json::from_str(&row.envelope)
                .map_err(|e| StoreError::Corrupt(format!("message {} envelope: {e}", row.id)))?,
        ),
        false => None,
    };
    Ok(MessageView {
        non_compliant: review.as_ref().is_some_and(|r| r.verdict == Verdict::NonCompliant),
        id: row.id,
        sender: row.sender,
        sent_by,
        thread: row.thread,
        reply_to: row.reply_to,
        diffusion: row.diffusion,
        level: row.level,
        references: row.references,
        sent_at: row.sent_at,
        received_at: row.received_at,
        recipients,
        review,
        envelope,
    })
}

fn not_found(id: &str) -> StoreError {
    StoreError::NotFound(format!("message {}", id.escape_debug()))
}

impl Messages<'_> {
    /// Publishes a public key of the actor's agency (`key.publish`); the
    /// one it replaces stays, retired, so older messages still verify.
    pub async fn publish_key(
        &self,
        actor: &Actor,
        fingerprint: String,
        encryption: String,
        verification: String,
    ) -> Result<AgencyKeyRow, StoreError> {
        let objects = vec![fingerprint.clone()];
        let result = async {
            require(actor, Permission::PublishKeys)?;
            self.store.writable()?;
            let row = AgencyKeyRow {
                fingerprint,
                agency: actor.agency,
                encryption,
                verification,
                created_at: OffsetDateTime::now_utc(),
                retired_at: None,
            };
            let objects = vec![row.fingerprint.clone()];
            self.store
                .commit_logged(actor, "key.publish", objects, Change::AgencyKey(row.clone()), Effects::default())
                .await?;
            Ok(row)
        }
        .await;
        self.store.audited_failure(actor, "key.publish", objects, result).await
    }

    /// The keys `agency` published (every agency's when `None`), oldest
    /// first; the one not retired is current (`key.list`).
    pub async fn keys(&self, actor: &Actor, agency: Option<AgencyCode>) -> Result<Vec<AgencyKeyRow>, StoreError> {
        let result = async {
            if !actor.may(Permission::PublishKeys) {
                require(actor, Permission::ReadMessages)?;
            }
            self.store.backend.agency_keys(agency.as_ref()).await
        }
        .await;
        let objects = agency.map(|a| vec![a.to_string()]).unwrap_or_default();
        self.store.audited(actor, "key.list", objects, result).await
    }

    /// The key `agency` published with `fingerprint`, current or retired:
    /// for checking a signature. Not audited (the check is, with the send
    /// or the read it is part of).
    pub async fn key(&self, agency: &AgencyCode, fingerprint: &str) -> Result<Option<AgencyKeyRow>, StoreError> {
        let keys = self.store.backend.agency_keys(Some(agency)).await?;
        Ok(keys.into_iter().find(|k| k.fingerprint == fingerprint))
    }

    /// Sends a sealed message or diffusion in the actor's agency's name
    /// (`message.send`), its signature already checked against
    /// `m.sender_key`: every recipient gets a `message.received` event in
    /// the same transaction. All or nothing.
    pub async fn send(&self, actor: &Actor, m: NewMessage) -> Result<MessageView, StoreError> {
        let mut objects = vec![m.id.clone()];
        objects.extend(m.recipients.iter().map(|(a, _)| a.to_string()));
        let result = async {
            require(actor, Permission::SendMessages)?;
            self.store.writable()?;
            if m.sender != actor.agency {
                return Err(StoreError::Forbidden(format!(
                    "header.sender: {} may not send in {}'s name",
                    actor.agency, m.sender
                )));
            }
            if !actor.viewer().cleared_for(m.level) {
                return Err(FieldError::field(
                    "header.level",
                    format!("{} is above the sender's clearance ({})", m.level, actor.viewer().clearance),
                )
                .into());
            }
            let now = OffsetDateTime::now_utc();
            if (m.sent_at - now).abs() > MAX_CLOCK_SKEW {
                return Err(FieldError::field(
                    "header.sent_at",
                    format!(
                        "sealed at {}, more than {} minutes from the server's time: check the sender's clock and seal again",
                        m.sent_at,
                        MAX_CLOCK_SKEW.whole_minutes()
                    ),
                )
                .into());
            }
            self.check_keys(&m).await?;
            let recipients: Vec<AgencyCode> = m.recipients.iter().map(|(a, _)| *a).collect();
            if m.diffusion.is_some() && m.sender != AgencyCode::GS && !recipients.contains(&AgencyCode::GS) {
                return Err(FieldError::field(
                    "header.recipients",
                    "a diffusion is sealed to the General Secretariat (GS) too, which reviews it after it is sent",
                )
                .into());
            }
            self.check_references(actor, &m, &recipients).await?;
            let thread = match &m.reply_to {
                Some(parent) => {
                    let found = self.store.backend.message(parent).await?;
                    match found {
                        // A reply is at least its parent's level: its thread
                        // and parent ids would otherwise tell readers cleared
                        // for less that the parent exists.
                        Some((p, r)) if party(actor, &p, &r) && p.level > m.level => {
                            return Err(FieldError::field(
                                "header.level",
                                format!("a reply is at least its parent's level ({})", p.level),
                            )
                            .into());
                        }
                        Some((p, r)) if party(actor, &p, &r) => p.thread,
                        _ => {
                            return Err(FieldError::field(
                                "header.reply_to",
                                format!("message {}: not found", parent.escape_debug()),
                            )
                            .into());
                        }
                    }
                }
                None => m.id.clone(),
            };
            let meta = serde_json::to_string(&Meta { user: actor.audit_user() })
                .map_err(|e| StoreError::Internal(format!("message meta: {e}")))?;
            let row = MessageRow {
                id: m.id.clone(),
                sender: m.sender,
                thread,
                reply_to: m.reply_to.clone(),
                diffusion: m.diffusion,
                level: m.level,
                references: m.references.clone(),
                sent_at: m.sent_at,
                received_at: now,
                meta,
                envelope: m.envelope,
                review: None,
            };
            let data = to_json(
                "a message event",
                &serde_json::json!({
                    "id": row.id,
                    "sender": row.sender,
                    "diffusion": row.diffusion,
                    "level": row.level,
                    "thread": row.thread,
                    "reply_to": row.reply_to,
                    "references": row.references,
                    "sent_at": crate::sql::ts(&row.sent_at)?,
                }),
            )?;
            let events =
                recipients.iter().map(|a| Event::new(*a, EventKind::MessageReceived, data.clone(), now).at(m.level)).collect();
            let change = Change::Message { row: row.clone(), recipients: recipients.clone() };
            let effects = Effects { events, ..Effects::default() };
            self.store.commit_logged(actor, "message.send", objects.clone(), change, effects).await?;
            let delivery = recipients
                .into_iter()
                .map(|agency| DeliveryRow { agency, delivered_at: None, read_at: None, acknowledged_at: None })
                .collect();
            view(actor, row, delivery, false)
        }
        .await;
        self.store.audited_failure(actor, "message.send", objects, result).await
    }

    /// The sender signs with its current key; each recipient is a
    /// registered agency sealed to at its current key.
    async fn check_keys(&self, m: &NewMessage) -> Result<(), StoreError> {
        let keys = self.store.backend.agency_keys(None).await?;
        let current: HashMap<AgencyCode, &str> =
            keys.iter().filter(|k| k.retired_at.is_none()).map(|k| (k.agency, k.fingerprint.as_str())).collect();
        if current.get(&m.sender) != Some(&m.sender_key.as_str()) {
            return Err(StoreError::Conflict(format!(
                "header.sender_key: {} is not {}'s current key; seal again with the current one",
                m.sender_key, m.sender
            )));
        }
        let agencies: std::collections::HashSet<AgencyCode> =
            self.store.backend.agencies().await?.into_iter().map(|a| a.code).collect();
        for (i, (agency, key)) in m.recipients.iter().enumerate() {
            if !agencies.contains(agency) {
                return Err(FieldError::field(
                    format!("header.recipients[{i}].agency"),
                    format!("{agency} is not a member agency"),
                )
                .into());
            }
            match current.get(agency) {
                None => {
                    return Err(FieldError::field(
                        format!("header.recipients[{i}].agency"),
                        format!("{agency} has published no key: it cannot receive sealed messages yet"),
                    )
                    .into());
                }
                Some(k) if *k != key => {
                    return Err(StoreError::Conflict(format!(
                        "header.recipients[{i}].key: {agency}'s current key is {k}; fetch the keys and seal again"
                    )));
                }
                Some(_) => {}
            }
        }
        Ok(())
    }

    /// Everything referenced is visible to the sender and every recipient,
    /// each cleared for the message's level and no more (so a reader of
    /// the message may read what it points at); a wanted or missing
    /// diffusion is about a person record. One answer for "no such thing"
    /// and "not visible to all", so nothing is learnt.
    async fn check_references(
        &self,
        actor: &Actor,
        m: &NewMessage,
        recipients: &[AgencyCode],
    ) -> Result<(), StoreError> {
        let mut audience = vec![actor.clone().cleared(actor.clearance.min(m.level))];
        audience.extend(recipients.iter().map(|a| Actor::new(*a, String::new(), Role::Officer, None).cleared(m.level)));
        let mut person = false;
        for (i, r) in m.references.iter().enumerate() {
            let refused = || {
                StoreError::from(FieldError::field(
                    format!("header.references[{i}]"),
                    format!("{r}: not found, or not visible to the sender and every recipient"),
                ))
            };
            let visible = match r.kind {
                ReferenceKind::Record => {
                    let Ok(id) = r.id.parse::<RecordId>() else { return Err(refused()) };
                    match self.store.backend.records(&[id]).await?.pop() {
                        Some(rec) => {
                            person |= matches!(rec.data.body, RecordBody::Person(_));
                            actor.screens(rec.data.kind())
                                && audience.iter().all(|a| may_see(&a.viewer(), &rec))
                                && rec.state == tocsin_core::record::RecordState::Active
                        }
                        None => false,
                    }
                }
                ReferenceKind::Notice => {
                    let Ok(id) = r.id.parse() else { return Err(refused()) };
                    match self.store.backend.notice(&id).await? {
                        Some(n) => {
                            let mut all = true;
                            for a in &audience {
                                all &= self.store.may_read_notice(a, &n).await?;
                            }
                            all
                        }
                        None => false,
                    }
                }
                ReferenceKind::Hit => {
                    let Ok(id) = r.id.parse() else { return Err(refused()) };
                    match self.store.backend.hit(&id).await? {
                        Some(h) => audience.iter().all(|a| h.visible_to(&a.viewer())),
                        None => false,
                    }
                }
            };
            if !visible {
                return Err(refused());
            }
        }
        if let Some(kind) = m.diffusion.filter(|k| k.needs_person())
            && !person
        {
            return Err(FieldError::field(
                "header.references",
                format!("a {kind} diffusion references the person record it is about"),
            )
            .into());
        }
        Ok(())
    }

    /// The messages the actor's agency sent or received, newest first
    /// (`message.list`); for a reviewer with `box=review`, every diffusion.
    pub async fn list(&self, actor: &Actor, q: &MessageQuery) -> Result<Vec<MessageView>, StoreError> {
        let result = async {
            require(actor, Permission::ReadMessages)?;
            let mut filter = MessageFilter {
                sender: None,
                recipient: None,
                party: None,
                diffusions: q.diffusions.unwrap_or(false),
                clearance: actor.viewer().clearance,
                thread: q.thread.clone(),
                before: q.before.clone(),
                limit: q.limit.unwrap_or(100).clamp(1, MAX_PAGE),
            };
            match q.mailbox.as_deref() {
                None | Some("all") => filter.party = Some(actor.agency),
                Some("in") => filter.recipient = Some(actor.agency),
                Some("out") => filter.sender = Some(actor.agency),
                Some("review") if actor.may(Permission::ReviewDiffusions) => filter.diffusions = true,
                Some("review") => {
                    return Err(StoreError::Forbidden(format!("role {} may not review diffusions", actor.role)));
                }
                Some(other) => {
                    return Err(FieldError::field(
                        "box",
                        format!("`{}` is not a box (in, out, all, review)", other.escape_debug()),
                    )
                    .into());
                }
            }
            let rows = self.store.backend.messages(&filter).await?;
            rows.into_iter().map(|(m, r)| view(actor, m, r, false)).collect::<Result<Vec<_>, _>>()
        }
        .await;
        let ids = match &result {
            Ok(v) => v.iter().map(|m| m.id.clone()).collect(),
            Err(_) => vec![],
        };
        self.store.audited(actor, "message.list", ids, result).await
    }

    async fn visible(&self, actor: &Actor, id: &str) -> Result<(MessageRow, Vec<DeliveryRow>), StoreError> {
        require(actor, Permission::ReadMessages)?;
        match self.store.backend.message(id).await? {
            Some((m, r)) if party(actor, &m, &r) => Ok((m, r)),
            _ => Err(not_found(id)),
        }
    }

    /// One message with its sealed envelope (`message.fetch`); a
    /// recipient's first fetch is its delivery receipt, told to the sender.
    pub async fn get(&self, actor: &Actor, id: &str) -> Result<MessageView, StoreError> {
        let objects = vec![id.to_owned()];
        let result = async {
            let (m, mut r) = self.visible(actor, id).await?;
            let first = r.iter().any(|d| d.agency == actor.agency && d.delivered_at.is_none());
            if first {
                let now = OffsetDateTime::now_utc();
                let change = Change::Receipt {
                    message: m.id.clone(),
                    agency: actor.agency,
                    kind: ReceiptKind::Delivered,
                    at: now,
                };
                let effects = receipt_effects(&m, actor.agency, ReceiptKind::Delivered, now)?;
                let done = self.store.commit_logged(actor, "message.fetch", objects.clone(), change, effects).await?;
                if done.applied {
                    r.iter_mut().filter(|d| d.agency == actor.agency).for_each(|d| d.delivered_at = Some(now));
                    return Ok((view(actor, m, r, true)?, true));
                }
            }
            Ok((view(actor, m, r, true)?, false))
        }
        .await;
        match result {
            Ok((v, true)) => Ok(v),
            other => self.store.audited(actor, "message.fetch", objects, other.map(|(v, _)| v)).await,
        }
    }

    /// A recipient's read or acknowledgement receipt
    /// (`message.read`, `message.acknowledge`), told to the sender; given
    /// twice, the second changes nothing.
    pub async fn receipt(&self, actor: &Actor, id: &str, kind: ReceiptKind) -> Result<MessageView, StoreError> {
        let action = match kind {
            ReceiptKind::Acknowledged => "message.acknowledge",
            _ => "message.read",
        };
        let objects = vec![id.to_owned()];
        let result = async {
            let (m, mut r) = self.visible(actor, id).await?;
            if !r.iter().any(|d| d.agency == actor.agency) {
                return Err(StoreError::Forbidden(format!("message {id}: only its recipients give receipts")));
            }
            let now = OffsetDateTime::now_utc();
            let change = Change::Receipt { message: m.id.clone(), agency: actor.agency, kind, at: now };
            let effects = receipt_effects(&m, actor.agency, kind, now)?;
            let done = self.store.commit_logged(actor, action, objects.clone(), change, effects).await?;
            if !done.applied {
                self.store.log(actor, action, objects.clone(), tocsin_audit::Outcome::Ok).await?;
                r = self.store.backend.message(id).await?.map(|(_, r)| r).unwrap_or(r);
            } else {
                for d in r.iter_mut().filter(|d| d.agency == actor.agency) {
                    match kind {
                        ReceiptKind::Delivered => d.delivered_at = d.delivered_at.or(Some(now)),
                        ReceiptKind::Read => d.read_at = Some(now),
                        ReceiptKind::Acknowledged => d.acknowledged_at = Some(now),
                    }
                    d.delivered_at = d.delivered_at.or(Some(now));
                }
            }
            view(actor, m, r, false)
        }
        .await;
        self.store.audited_failure(actor, action, objects, result).await
    }

    /// The General Secretariat's review of a diffusion after it was sent
    /// (`diffusion.review`): every recipient and the sender are told, and a
    /// non-compliant one is flagged wherever it is shown.
    pub async fn review(
        &self,
        actor: &Actor,
        id: &str,
        verdict: Verdict,
        reason: &str,
    ) -> Result<MessageView, StoreError> {
        let objects = vec![id.to_owned(), verdict.as_str().to_owned()];
        let result = async {
            require(actor, Permission::ReviewDiffusions)?;
            self.store.writable()?;
            let (m, r) = match self.store.backend.message(id).await? {
                Some((m, r)) if m.diffusion.is_some() && actor.viewer().cleared_for(m.level) => (m, r),
                _ => return Err(StoreError::NotFound(format!("diffusion {}", id.escape_debug()))),
            };
            let reason = tocsin_core::text::clean("reason", reason.to_owned(), tocsin_core::limits::TEXT_CHARS)?;
            if reason.is_empty() {
                return Err(FieldError::field("reason", "a review says why").into());
            }
            let now = OffsetDateTime::now_utc();
            let review = Review { verdict, reason, reviewer: actor.user.clone(), at: now };
            let text = serde_json::to_string(&review).map_err(|e| StoreError::Internal(format!("a review: {e}")))?;
            let data = to_json(
                "a review event",
                &serde_json::json!({
                    "id": m.id,
                    "diffusion": m.diffusion,
                    "sender": m.sender,
                    "verdict": verdict,
                    "reason": review.reason,
                    "at": crate::sql::ts(&now)?,
                }),
            )?;
            let mut told: Vec<AgencyCode> = r.iter().map(|d| d.agency).collect();
            told.push(m.sender);
            told.sort_unstable_by(|a, b| a.as_str().cmp(b.as_str()));
            told.dedup();
            let events = told
                .into_iter()
                .map(|a| Event::new(a, EventKind::DiffusionReview, data.clone(), now).at(m.level))
                .collect();
            let change = Change::Review { message: m.id.clone(), review: text.clone() };
            let effects = Effects { events, ..Effects::default() };
            let done = self.store.commit_logged(actor, "diffusion.review", objects.clone(), change, effects).await?;
            if !done.applied {
                return Err(StoreError::NotFound(format!("diffusion {}", id.escape_debug())));
            }
            view(actor, MessageRow { review: Some(text), ..m }, r, false)
        }
        .await;
        self.store.audited_failure(actor, "diffusion.review", objects, result).await
    }

    /// The wanted-person diffusions `viewer`'s agency received on each of
    /// `records` at or below its clearance, for its screening results.
    pub async fn wanted_on(
        &self,
        viewer: &Viewer,
        records: &[RecordId],
    ) -> Result<HashMap<RecordId, Vec<DiffusionBrief>>, StoreError> {
        let mut out: HashMap<RecordId, Vec<DiffusionBrief>> = HashMap::new();
        if records.is_empty() {
            return Ok(out);
        }
        let ids: Vec<String> = records.iter().map(|r| r.to_string()).collect();
        for (rec, m) in self.store.backend.diffusions_on(&viewer.agency, DiffusionKind::Wanted, &ids).await? {
            let Ok(rec) = rec.parse::<RecordId>() else { continue };
            if !viewer.cleared_for(m.level) {
                continue;
            }
            let review = review_of(&m)?;
            out.entry(rec).or_default().push(DiffusionBrief {
                id: m.id,
                kind: DiffusionKind::Wanted,
                sender: m.sender,
                sent_at: m.sent_at,
                non_compliant: review.is_some_and(|r| r.verdict == Verdict::NonCompliant),
            });
        }
        Ok(out)
    }
}

fn receipt_effects(
    m: &MessageRow,
    agency: AgencyCode,
    kind: ReceiptKind,
    now: OffsetDateTime,
) -> Result<Effects, StoreError> {
    let data = to_json(
        "a receipt event",
        &serde_json::json!({
            "id": m.id,
            "agency": agency,
            "receipt": kind,
            "at": crate::sql::ts(&now)?,
        }),
    )?;
    let event = Event::new(m.sender, EventKind::MessageReceipt, data, now).at(m.level);
    Ok(Effects { events: vec![event], ..Effects::default() })
}
