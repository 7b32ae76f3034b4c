//! Events: what an agency is told at once, in the order it happened.
//!
//! Every event has one recipient agency and a number in that agency's own
//! count that only grows by one, so a client that reconnects asks for what
//! came after the last one it saw and misses nothing, and no agency can
//! count another's events (a silent hit's event for the owner leaves no gap
//! in the searcher's numbers). Events also carry a position in the log of
//! every agency's events, used inside the system to hand them on in commit
//! order and never shown to an agency. Events are stored in the same transaction as
//! the change they report.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::AgencyCode;
use crate::level::Level;

/// What an event reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub enum EventKind {
    /// A hit was made (`data`: the hit; read back after a reconnect, it is
    /// the hit as it stands then).
    #[serde(rename = "hit")]
    Hit,
    /// A hit moved along the workflow (`data`: hit id, from, to, who).
    #[serde(rename = "hit.status")]
    HitStatus,
    /// A message was posted on a hit (`data`: the message).
    #[serde(rename = "hit.message")]
    HitMessage,
    /// A screening matched one of the recipient's watches (`data`: the watch,
    /// who screened, where and when, the score).
    #[serde(rename = "watch.match")]
    WatchMatch,
    /// One of the recipient's notices moved (`data`: notice id, type, from,
    /// to, who, reason).
    #[serde(rename = "notice.status")]
    NoticeStatus,
    /// One of the recipient's records or notices reaches its review date
    /// within six months (`data`: what, its id, the review date). Sent once
    /// per review date.
    #[serde(rename = "review.due")]
    ReviewDue,
    /// One of the recipient's records or notices passed its review date
    /// without extension: it stopped matching and was archived or expired
    /// (`data`: what, its id, the review date).
    #[serde(rename = "review.expired")]
    ReviewExpired,
    /// A scheduled refresh of one of the recipient's lists ran (`data`:
    /// the list, its source, `imported` with the diff report, or `failed`
    /// with why; a failed refresh kept the list as it was).
    #[serde(rename = "list.refresh")]
    ListRefresh,
    /// An observable another agency (or the recipient) checked matched one
    /// of the recipient's shared indicators or observables (`data`: the
    /// STIX `sighting`, the object, its collection, the value, who checked,
    /// and `silent` when the checker may not see the object).
    #[serde(rename = "intel.sighting")]
    IntelSighting,
    /// Another agency's biometric search found a candidate on one of the
    /// recipient's biometric records that the searcher may not see: only
    /// the recipient's examiners can confirm it (`data`: the search, the
    /// record, the score, the modality, who searched, why).
    #[serde(rename = "biometric.candidate")]
    BiometricCandidate,
    /// An edit made a watched asset a single point of failure, or put it
    /// in a cascade of the watched size, in the recipient's view of the
    /// asset graph (`data`: the watch, the asset, what it cuts off).
    #[serde(rename = "infra.warning")]
    InfraWarning,
    /// A message or diffusion was sent to the recipient (`data`: its
    /// routing data only: id, sender, kind, level, thread, references; the
    /// content is fetched sealed and opened with the agency's key).
    #[serde(rename = "message.received")]
    MessageReceived,
    /// A recipient of one of the recipient's messages fetched, read or
    /// acknowledged it (`data`: message id, the agency, the receipt, when).
    #[serde(rename = "message.receipt")]
    MessageReceipt,
    /// The General Secretariat reviewed a diffusion the recipient sent or
    /// received (`data`: the diffusion's id, the verdict, the reason);
    /// `non_compliant` means: stop relying on it.
    #[serde(rename = "diffusion.review")]
    DiffusionReview,
}

impl EventKind {
    /// The name sent as the SSE `event:` field and stored.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Hit => "hit",
            EventKind::HitStatus => "hit.status",
            EventKind::HitMessage => "hit.message",
            EventKind::WatchMatch => "watch.match",
            EventKind::NoticeStatus => "notice.status",
            EventKind::ReviewDue => "review.due",
            EventKind::ReviewExpired => "review.expired",
            EventKind::ListRefresh => "list.refresh",
            EventKind::IntelSighting => "intel.sighting",
            EventKind::BiometricCandidate => "biometric.candidate",
            EventKind::InfraWarning => "infra.warning",
            EventKind::MessageReceived => "message.received",
            EventKind::MessageReceipt => "message.receipt",
            EventKind::DiffusionReview => "diffusion.review",
        }
    }

    /// Every kind.
    pub const ALL: [EventKind; 14] = [
        EventKind::Hit,
        EventKind::HitStatus,
        EventKind::HitMessage,
        EventKind::WatchMatch,
        EventKind::NoticeStatus,
        EventKind::ReviewDue,
        EventKind::ReviewExpired,
        EventKind::ListRefresh,
        EventKind::IntelSighting,
        EventKind::BiometricCandidate,
        EventKind::InfraWarning,
        EventKind::MessageReceived,
        EventKind::MessageReceipt,
        EventKind::DiffusionReview,
    ];

    /// The kind named `s`, as stored.
    pub fn parse(s: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One event for one agency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Event {
    /// Position in the log of every agency's events (0 until stored), in
    /// commit order; internal, never shown to an agency.
    pub seq: u64,
    /// The recipient agency's own numbers for it, one count per clearance
    /// (by [`Level::index`]): 1, 2, 3 … without gaps in each, the SSE `id:`.
    /// 0 until stored, and in the counts of clearances below its level,
    /// which never hold it (so nobody can count what they may not see).
    #[serde(default)]
    pub numbers: [u64; 3],
    /// The level of what it reports (the record hit, the message received):
    /// only those cleared for it are shown it.
    #[serde(default)]
    pub level: Level,
    /// When it happened.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub time: OffsetDateTime,
    /// The agency it is for.
    pub agency: AgencyCode,
    /// What it reports.
    pub kind: EventKind,
    /// The details, by kind.
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

/// An event as its recipient is shown it: numbered in the recipient's own
/// count, never by its place among every agency's events.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct EventView<'a> {
    /// The recipient's own number for it (1, 2, 3 … without gaps): the SSE
    /// `id:`, and what `Last-Event-ID` resumes after. Each clearance
    /// counts apart.
    pub seq: u64,
    /// The level of what it reports.
    pub level: Level,
    /// When it happened.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub time: OffsetDateTime,
    /// The agency it is for.
    #[schema(value_type = String)]
    pub agency: &'a AgencyCode,
    /// What it reports.
    pub kind: EventKind,
    /// The details, by kind.
    #[schema(value_type = Object)]
    pub data: &'a serde_json::Value,
}

impl Event {
    /// The event as a recipient cleared for `clearance` is shown it (who
    /// must be cleared for its level).
    pub fn view(&self, clearance: Level) -> EventView<'_> {
        EventView {
            seq: self.number(clearance),
            level: self.level,
            time: self.time,
            agency: &self.agency,
            kind: self.kind,
            data: &self.data,
        }
    }

    /// Its number in the count of the recipient's staff cleared for
    /// `clearance` (0: not in that count, being above it).
    pub fn number(&self, clearance: Level) -> u64 {
        self.numbers[clearance.index()]
    }

    /// An event not yet stored, about something official for use only.
    pub fn new(agency: AgencyCode, kind: EventKind, data: serde_json::Value, time: OffsetDateTime) -> Event {
        Event { seq: 0, numbers: [0; 3], level: Level::default(), time, agency, kind, data }
    }

    /// The event, about something of `level`.
    pub fn at(self, level: Level) -> Event {
        Event { level, ..self }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_by_name() {
        for k in EventKind::ALL {
            assert_eq!(EventKind::parse(k.as_str()), Some(k));
            assert_eq!(serde_json::to_value(k).ok(), Some(serde_json::json!(k.as_str())));
        }
        assert_eq!(EventKind::parse("hit.deleted"), None);
    }
}
