//! Notices: an owner's request, reviewed by the General Secretariat before
//! publication, that asks every agency to act on the records it concerns
//! (arrest, locate, inform …).
//!
//! This module holds what is true of a notice whatever stores it: the eight
//! types and the content each must carry, the workflow (who moves a notice
//! from which status to which, and when a written reason is required), and
//! the neutrality aid that flags texts for the reviewer.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use crate::record::RecordId;
use crate::schema::uuid_id;
use crate::text::clean as text;
use crate::{AgencyCode, FieldError, PartialDate, limits};

uuid_id!(
    /// A notice's identifier.
    NoticeId,
    "notice"
);

/// A stored notice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Notice {
    /// Identifier.
    pub id: NoticeId,
    /// The requesting agency, which owns it.
    pub owner: AgencyCode,
    /// Its type.
    #[serde(rename = "type")]
    pub notice_type: NoticeType,
    /// Where it stands.
    pub status: NoticeStatus,
    /// What it says.
    pub content: NoticeContent,
    /// Whether its owner made the public extract available (red, yellow).
    pub public: bool,
    /// Every move so far, oldest first, with its reason.
    pub history: Vec<Move>,
    /// When its retention is next reviewed.
    #[serde(serialize_with = "crate::record::iso_date::serialize")]
    #[serde(deserialize_with = "crate::record::iso_date::deserialize_stored")]
    #[schema(value_type = String, format = Date)]
    pub review_by: Date,
    /// Its number in the INTERPOL style, `YYYY/NNNNN` (year of publication,
    /// then a number within that year), given when it is first published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity_id: Option<String>,
    /// Incremented by every change.
    pub version: u64,
    /// When it was created.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    /// When it last changed.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
}

/// What a screening result says of a published notice on its record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NoticeBrief {
    /// The notice.
    pub id: NoticeId,
    /// Its type.
    #[serde(rename = "type")]
    pub notice_type: NoticeType,
    /// What it asks an officer to do.
    pub requested_action: String,
    /// The requesting agency.
    pub owner: AgencyCode,
}

impl Notice {
    /// The brief shown with screening results.
    pub fn brief(&self) -> NoticeBrief {
        NoticeBrief {
            id: self.id,
            notice_type: self.notice_type,
            requested_action: self.notice_type.requested_action().to_owned(),
            owner: self.owner,
        }
    }
}

/// One move of a notice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Move {
    /// From.
    pub from: NoticeStatus,
    /// To.
    pub to: NoticeStatus,
    /// By which agency.
    pub agency: AgencyCode,
    /// Which user.
    pub user: String,
    /// Why (required to publish, reject and cancel).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub time: OffsetDateTime,
}

impl Move {
    /// A move the system makes (the retention clock, a list import) in the
    /// name of `agency`, with its reason.
    pub fn system(
        from: NoticeStatus,
        to: NoticeStatus,
        agency: AgencyCode,
        reason: String,
        time: OffsetDateTime,
    ) -> Move {
        Move { from, to, agency, user: "system".into(), reason: Some(reason), time }
    }
}

/// The eight notice types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NoticeType {
    /// Locate and provisionally arrest a person pending extradition.
    Red,
    /// Locate a missing person, or identify a person who cannot.
    Yellow,
    /// Collect information on a person's identity, location or activities.
    Blue,
    /// Seek information on an unidentified body.
    Black,
    /// Warn of a person's criminal activities.
    Green,
    /// Warn of a serious and imminent threat.
    Orange,
    /// Seek or give information on a modus operandi.
    Purple,
    /// A person or entity under UN Security Council sanctions.
    UnSpecial,
}

impl NoticeType {
    /// Every type, in the order above.
    pub const ALL: [NoticeType; 8] = [
        NoticeType::Red,
        NoticeType::Yellow,
        NoticeType::Blue,
        NoticeType::Black,
        NoticeType::Green,
        NoticeType::Orange,
        NoticeType::Purple,
        NoticeType::UnSpecial,
    ];

    /// The type's name as stored and served.
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeType::Red => "red",
            NoticeType::Yellow => "yellow",
            NoticeType::Blue => "blue",
            NoticeType::Black => "black",
            NoticeType::Green => "green",
            NoticeType::Orange => "orange",
            NoticeType::Purple => "purple",
            NoticeType::UnSpecial => "un_special",
        }
    }

    /// What the notice asks an officer who meets its subject to do.
    pub fn requested_action(self) -> &'static str {
        match self {
            NoticeType::Red => "locate and provisionally arrest pending extradition",
            NoticeType::Yellow => "locate the missing person and inform the requesting agency",
            NoticeType::Blue => "collect information on identity, location or activities",
            NoticeType::Black => "help identify the body",
            NoticeType::Green => "be warned of the person's criminal activities",
            NoticeType::Orange => "be warned of a serious and imminent threat",
            NoticeType::Purple => "share information on the modus operandi",
            NoticeType::UnSpecial => "apply the UN sanctions: assets freeze, travel ban, arms embargo",
        }
    }

    /// The content fields this type requires besides `record_ids`.
    pub fn required_fields(self) -> &'static [&'static str] {
        required(self)
    }

    /// Whether the owner may make the notice's public extract available
    /// (red and yellow only).
    pub fn may_be_public(self) -> bool {
        matches!(self, NoticeType::Red | NoticeType::Yellow)
    }

    /// Whether the notice must concern at least one record: not for an
    /// unidentified body (black), a threat (orange) or a modus operandi
    /// (purple), which may have no record.
    pub fn needs_records(self) -> bool {
        !matches!(self, NoticeType::Black | NoticeType::Orange | NoticeType::Purple)
    }
}

/// Where a notice stands: `draft → submitted → published | rejected`, then
/// `cancelled` or `expired`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NoticeStatus {
    /// Being written by its owner.
    Draft,
    /// Waiting for the General Secretariat's review.
    Submitted,
    /// Circulated to every agency.
    Published,
    /// Refused by the reviewer, with a reason.
    Rejected,
    /// Withdrawn by its owner.
    Cancelled,
    /// Past its review date without extension.
    Expired,
}

impl std::str::FromStr for NoticeStatus {
    type Err = FieldError;
    fn from_str(s: &str) -> Result<NoticeStatus, FieldError> {
        [
            NoticeStatus::Draft,
            NoticeStatus::Submitted,
            NoticeStatus::Published,
            NoticeStatus::Rejected,
            NoticeStatus::Cancelled,
            NoticeStatus::Expired,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
        .ok_or_else(|| {
            FieldError::new(format!(
                "`{}` is not a notice status (draft, submitted, published, rejected, cancelled, expired)",
                s.escape_debug()
            ))
        })
    }
}

impl NoticeStatus {
    /// The status's name as stored and served.
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeStatus::Draft => "draft",
            NoticeStatus::Submitted => "submitted",
            NoticeStatus::Published => "published",
            NoticeStatus::Rejected => "rejected",
            NoticeStatus::Cancelled => "cancelled",
            NoticeStatus::Expired => "expired",
        }
    }
}

/// Who makes a move.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Mover {
    /// The agency that owns the notice.
    Owner,
    /// A reviewer of the General Secretariat.
    Reviewer,
    /// The retention clock.
    System,
}

/// The workflow: from, to, who, and whether a written reason is required.
///
/// | from | to | by | reason |
/// | --- | --- | --- | --- |
/// | draft | submitted | owner | no |
/// | submitted | published, rejected | reviewer | yes |
/// | draft, submitted, published | cancelled | owner | yes |
/// | draft, submitted, published, rejected | expired | system | no |
/// | draft | published | system | yes |
/// | published | cancelled | system | yes |
///
/// The system's moves: the retention clock expires a notice past its review
/// date; a UN list import publishes the UN Special Notice of each listed
/// entry and cancels it when the entry is de-listed.
pub const WORKFLOW: &[(NoticeStatus, NoticeStatus, Mover, bool)] = &[
    (NoticeStatus::Draft, NoticeStatus::Submitted, Mover::Owner, false),
    (NoticeStatus::Submitted, NoticeStatus::Published, Mover::Reviewer, true),
    (NoticeStatus::Submitted, NoticeStatus::Rejected, Mover::Reviewer, true),
    (NoticeStatus::Draft, NoticeStatus::Cancelled, Mover::Owner, true),
    (NoticeStatus::Submitted, NoticeStatus::Cancelled, Mover::Owner, true),
    (NoticeStatus::Published, NoticeStatus::Cancelled, Mover::Owner, true),
    (NoticeStatus::Draft, NoticeStatus::Expired, Mover::System, false),
    (NoticeStatus::Submitted, NoticeStatus::Expired, Mover::System, false),
    (NoticeStatus::Published, NoticeStatus::Expired, Mover::System, false),
    (NoticeStatus::Rejected, NoticeStatus::Expired, Mover::System, false),
    (NoticeStatus::Draft, NoticeStatus::Published, Mover::System, true),
    (NoticeStatus::Published, NoticeStatus::Cancelled, Mover::System, true),
];

impl NoticeStatus {
    /// Whether the notice is still open: not cancelled or expired. Open
    /// notices have a retention clock.
    pub fn is_open(self) -> bool {
        !matches!(self, NoticeStatus::Cancelled | NoticeStatus::Expired)
    }
}

/// Whether `by` may move a notice from `from` to `to`, and if so whether a
/// reason is required. `None`: not allowed.
pub fn transition(from: NoticeStatus, to: NoticeStatus, by: Mover) -> Option<bool> {
    WORKFLOW.iter().find(|(f, t, m, _)| *f == from && *t == to && *m == by).map(|(_, _, _, reason)| *reason)
}

/// The moves `by` may make from `from`.
pub fn moves_from(from: NoticeStatus, by: Mover) -> Vec<NoticeStatus> {
    WORKFLOW.iter().filter(|(f, _, m, _)| *f == from && *m == by).map(|(_, t, _, _)| *t).collect()
}

/// Whether the owner may still change the notice's content: in draft, and
/// after a rejection (the change returns it to draft).
pub fn may_update(status: NoticeStatus) -> bool {
    matches!(status, NoticeStatus::Draft | NoticeStatus::Rejected)
}

/// The judicial basis of a red notice: an arrest warrant or a judgment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Warrant {
    /// `arrest_warrant` or `judgment`.
    pub kind: WarrantKind,
    /// Its reference.
    pub reference: String,
    /// The authority that issued it.
    pub issued_by: String,
    /// When.
    pub issued_on: PartialDate,
}

/// What the judicial basis is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WarrantKind {
    /// A warrant for arrest (prosecution).
    ArrestWarrant,
    /// A court decision (sentence).
    Judgment,
}

/// A date and a place (a disappearance, a body found).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DatePlace {
    /// When.
    pub date: PartialDate,
    /// Where.
    pub place: String,
}

/// A notice's content as its owner writes it. Which fields are required
/// depends on the type ([`NoticeContent::validate`]); the identity
/// particulars come from the records it concerns.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoticeContent {
    /// The records the notice concerns.
    #[serde(default)]
    pub record_ids: Vec<RecordId>,
    /// Summary of the facts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Red, blue, green: the offence(s) charged or suspected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offence: Option<String>,
    /// Red: the arrest warrant or judgment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warrant: Option<Warrant>,
    /// Red: the law(s) covering the offence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_basis: Option<String>,
    /// Yellow: when and where the person disappeared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disappearance: Option<DatePlace>,
    /// Black: when and where the body was found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub found: Option<DatePlace>,
    /// Blue: the information sought.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub information_sought: Option<String>,
    /// Orange: the threat.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threat: Option<String>,
    /// Purple: the modus operandi.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modus_operandi: Option<String>,
    /// UN special: the UN reference number (e.g. `QDi.001`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub un_reference: Option<String>,
    /// UN special: the sanctions regime (e.g. `Al-Qaida`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub un_regime: Option<String>,
    /// UN special: when the entry was listed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub un_listed_on: Option<PartialDate>,
}

/// Why a notice's content was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoticeError {
    /// Fields the type requires are missing (all of them are named).
    #[error("a {notice_type} notice requires: {}", fields.join(", "))]
    Missing {
        /// The notice's type.
        notice_type: &'static str,
        /// The missing fields.
        fields: Vec<&'static str>,
    },
    /// A field is present but wrong.
    #[error(transparent)]
    Invalid(#[from] FieldError),
}

/// The fields each type requires besides `record_ids` (see
/// [`NoticeType::needs_records`]).
fn required(t: NoticeType) -> &'static [&'static str] {
    match t {
        NoticeType::Red => &["summary", "offence", "warrant", "legal_basis"],
        NoticeType::Yellow => &["disappearance"],
        NoticeType::Blue => &["summary", "information_sought"],
        NoticeType::Black => &["found", "summary"],
        NoticeType::Green => &["summary", "offence"],
        NoticeType::Orange => &["threat"],
        NoticeType::Purple => &["modus_operandi"],
        NoticeType::UnSpecial => &["un_reference", "un_regime", "un_listed_on"],
    }
}

impl NoticeContent {
    fn has(&self, field: &str) -> bool {
        match field {
            "summary" => self.summary.is_some(),
            "offence" => self.offence.is_some(),
            "warrant" => self.warrant.is_some(),
            "legal_basis" => self.legal_basis.is_some(),
            "disappearance" => self.disappearance.is_some(),
            "found" => self.found.is_some(),
            "information_sought" => self.information_sought.is_some(),
            "threat" => self.threat.is_some(),
            "modus_operandi" => self.modus_operandi.is_some(),
            "un_reference" => self.un_reference.is_some(),
            "un_regime" => self.un_regime.is_some(),
            "un_listed_on" => self.un_listed_on.is_some(),
            _ => false,
        }
    }

    /// Checks the content against its type: every required field present
    /// (all missing ones are named at once), texts within the limits, at
    /// most [`limits::LIST_ITEMS`] records. Returns the content with its
    /// texts trimmed.
    pub fn validate(mut self, t: NoticeType) -> Result<NoticeContent, NoticeError> {
        let blank = |s: &Option<String>| s.as_ref().is_some_and(|s| s.trim().is_empty());
        for s in [
            &mut self.summary,
            &mut self.offence,
            &mut self.legal_basis,
            &mut self.information_sought,
            &mut self.threat,
            &mut self.modus_operandi,
            &mut self.un_reference,
            &mut self.un_regime,
        ] {
            if blank(s) {
                *s = None;
            }
        }
        let mut missing: Vec<&'static str> = vec![];
        if t.needs_records() && self.record_ids.is_empty() {
            missing.push("record_ids");
        }
        missing.extend(required(t).iter().copied().filter(|f| !self.has(f)));
        if !missing.is_empty() {
            return Err(NoticeError::Missing { notice_type: t.as_str(), fields: missing });
        }
        if self.record_ids.len() > limits::LIST_ITEMS {
            return Err(FieldError::field("record_ids", format!("at most {} records", limits::LIST_ITEMS)).into());
        }
        let long = |field: &str, s: Option<String>| s.map(|s| text(field, s, limits::TEXT_CHARS)).transpose();
        let short = |field: &str, s: Option<String>| s.map(|s| text(field, s, limits::LABEL_CHARS)).transpose();
        Ok(NoticeContent {
            summary: long("summary", self.summary)?,
            offence: long("offence", self.offence)?,
            legal_basis: long("legal_basis", self.legal_basis)?,
            information_sought: long("information_sought", self.information_sought)?,
            threat: long("threat", self.threat)?,
            modus_operandi: long("modus_operandi", self.modus_operandi)?,
            un_reference: short("un_reference", self.un_reference)?,
            un_regime: short("un_regime", self.un_regime)?,
            warrant: self
                .warrant
                .map(|w| -> Result<Warrant, FieldError> {
                    Ok(Warrant {
                        reference: text("warrant.reference", w.reference, limits::LABEL_CHARS)?,
                        issued_by: text("warrant.issued_by", w.issued_by, limits::LABEL_CHARS)?,
                        ..w
                    })
                })
                .transpose()?,
            disappearance: place("disappearance", self.disappearance)?,
            found: place("found", self.found)?,
            ..self
        })
    }

    /// The notice's free texts, for the neutrality aid.
    pub fn texts(&self) -> Vec<&str> {
        [&self.summary, &self.offence, &self.legal_basis, &self.information_sought, &self.threat, &self.modus_operandi]
            .into_iter()
            .filter_map(|s| s.as_deref())
            .collect()
    }
}

fn place(field: &str, p: Option<DatePlace>) -> Result<Option<DatePlace>, FieldError> {
    p.map(|p| Ok(DatePlace { place: text(&format!("{field}.place"), p.place, limits::LABEL_CHARS)?, ..p })).transpose()
}

/// The neutrality aid: the terms of a political, military, religious or
/// racial character found in `texts`, each once, in the order of `terms`.
/// A match is a whole word (or phrase) regardless of case, so `army` flags
/// "the Army" but not "harmony". The reviewer sees them as warnings; they
/// never reject a notice by themselves.
pub fn neutrality_flags<'t>(texts: &[&str], terms: &'t [String]) -> Vec<&'t str> {
    let words: Vec<Vec<String>> = texts
        .iter()
        .map(|t| t.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect())
        .collect();
    terms
        .iter()
        .filter(|term| {
            let needle: Vec<String> =
                term.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect();
            !needle.is_empty() && words.iter().any(|w| w.windows(needle.len()).any(|win| win == needle.as_slice()))
        })
        .map(String::as_str)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content(json: serde_json::Value) -> NoticeContent {
        serde_json::from_value(json).expect("notice content")
    }

    #[test]
    fn each_type_names_every_missing_field() {
        let empty = NoticeContent::default();
        let missing = |t| match empty.clone().validate(t) {
            Err(NoticeError::Missing { fields, .. }) => fields,
            other => panic!("{t:?}: {other:?}"),
        };
        assert_eq!(missing(NoticeType::Red), ["record_ids", "summary", "offence", "warrant", "legal_basis"]);
        assert_eq!(missing(NoticeType::Yellow), ["record_ids", "disappearance"]);
        assert_eq!(missing(NoticeType::UnSpecial), ["record_ids", "un_reference", "un_regime", "un_listed_on"]);
        assert_eq!(missing(NoticeType::Orange), ["threat"], "an orange notice may concern no record");
        assert_eq!(missing(NoticeType::Black), ["found", "summary"], "nor a black one (an unidentified body)");
        let err = empty.validate(NoticeType::Red).expect_err("incomplete");
        assert_eq!(err.to_string(), "a red notice requires: record_ids, summary, offence, warrant, legal_basis");
    }

    #[test]
    fn a_complete_red_notice_validates_and_blank_texts_count_as_missing() {
        let red = content(serde_json::json!({
            "record_ids": ["0190d3f0-0000-7000-8000-000000000001"],
            "summary": "  Armed robbery of a bank in Lyon, 2023.  ",
            "offence": "armed robbery",
            "warrant": {"kind": "arrest_warrant", "reference": "AW-2023-118", "issued_by": "Tribunal judiciaire de Lyon", "issued_on": "2023-04-02"},
            "legal_basis": "Code pénal, art. 311-8",
        }));
        let valid = red.clone().validate(NoticeType::Red).expect("valid");
        assert_eq!(valid.summary.as_deref(), Some("Armed robbery of a bank in Lyon, 2023."));
        let blank = NoticeContent { offence: Some("   ".into()), ..red };
        match blank.validate(NoticeType::Red) {
            Err(NoticeError::Missing { fields, .. }) => assert_eq!(fields, ["offence"]),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn review_dates_are_written_iso_and_read_in_either_stored_form() {
        let now = time::macros::datetime!(2026-11-23 10:00 UTC);
        let n = Notice {
            id: NoticeId::generate(),
            owner: AgencyCode::GS,
            notice_type: NoticeType::Orange,
            status: NoticeStatus::Draft,
            content: NoticeContent { threat: Some("t".into()), ..Default::default() },
            public: false,
            history: vec![],
            review_by: time::macros::date!(2031 - 11 - 23),
            entity_id: None,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        let mut json = serde_json::to_value(&n).expect("json");
        assert_eq!(json["review_by"], "2031-11-23");
        assert_eq!(serde_json::from_value::<Notice>(json.clone()).ok().as_ref(), Some(&n));
        json["review_by"] = serde_json::json!([2031, 327]);
        assert_eq!(serde_json::from_value::<Notice>(json).ok(), Some(n), "the first notices' [year, ordinal] form");
    }

    #[test]
    fn unknown_fields_and_types_are_refused() {
        assert!(serde_json::from_value::<NoticeContent>(serde_json::json!({"colour": "red"})).is_err());
        assert!(serde_json::from_value::<NoticeType>(serde_json::json!("violet")).is_err());
        let over = NoticeContent { threat: Some("x".repeat(limits::TEXT_CHARS + 1)), ..Default::default() };
        match over.validate(NoticeType::Orange) {
            Err(NoticeError::Invalid(e)) => assert_eq!(e.field, "threat"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_workflow_says_who_moves_a_notice_and_when_a_reason_is_needed() {
        use NoticeStatus::*;
        assert_eq!(transition(Draft, Submitted, Mover::Owner), Some(false));
        assert_eq!(transition(Submitted, Published, Mover::Reviewer), Some(true));
        assert_eq!(transition(Submitted, Published, Mover::Owner), None, "only a reviewer publishes");
        assert_eq!(transition(Draft, Published, Mover::Reviewer), None, "not before submission");
        assert_eq!(transition(Published, Cancelled, Mover::Owner), Some(true));
        assert_eq!(transition(Published, Cancelled, Mover::Reviewer), None, "only the owner cancels");
        assert_eq!(moves_from(Submitted, Mover::Reviewer), vec![Published, Rejected]);
        assert_eq!(moves_from(Rejected, Mover::Owner), vec![], "a rejected notice is changed, not moved");
        assert_eq!(transition(Published, Expired, Mover::Owner), None, "only the retention clock expires");
        assert!(
            [Draft, Submitted, Published, Rejected].iter().all(|s| transition(*s, Expired, Mover::System).is_some())
        );
        assert!(!Cancelled.is_open() && !Expired.is_open() && Rejected.is_open());
        assert!(may_update(Rejected) && may_update(Draft) && !may_update(Published));
        for t in NoticeType::ALL {
            assert_eq!(t.may_be_public(), matches!(t, NoticeType::Red | NoticeType::Yellow));
        }
    }

    #[test]
    fn the_neutrality_aid_flags_whole_words_in_any_case() {
        let terms: Vec<String> = ["political party", "army", "religion", "ethnic", "armée"].map(String::from).into();
        let texts = ["Member of the ARMY's logistics unit", "harmony; ethnics", "a political  party leader", "l'armée"];
        assert_eq!(neutrality_flags(&texts, &terms), ["political party", "army", "armée"]);
        assert!(neutrality_flags(&["armed robbery in Lyon"], &terms).is_empty());
    }
}
