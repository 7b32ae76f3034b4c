//! Records: persons, organizations and travel documents, with the owner's
//! handling instructions, access rule and retention date.
//!
//! A [`Record`] serializes to the flat JSON shape of the API (SPEC,
//! "Record and screening shapes"). Input is parsed by [`RecordInput`], which
//! is stricter: unknown fields are refused and every value is validated.

mod biometric;
mod input;
mod name;

use std::str::FromStr;

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

pub use self::biometric::{Attachment, Biometric, FaceTemplate, FingerTemplate, Minutia, MinutiaKind};
pub use self::input::{NameInput, RecordInput, default_review_date};
pub use self::name::{Name, NameType, Script};
use crate::schema::uuid_id;
use crate::{AgencyCode, CountryCode, DocumentNumber, FieldError, PartialDate};

uuid_id!(
    /// A record's identifier.
    RecordId,
    "record"
);

/// Whether a record takes part in sharing. Archived records are never deleted:
/// they stay for audit, visible to their owner only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RecordState {
    /// Shared under its access rule.
    Active,
    /// Withdrawn by its owner; kept for audit.
    Archived,
}

impl RecordState {
    /// The state's name as stored and served.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordState::Active => "active",
            RecordState::Archived => "archived",
        }
    }
}

/// A stored record: the owner's data plus the fields the system keeps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Record {
    /// Identifier, assigned at creation.
    pub id: RecordId,
    /// The agency that created the record; only it may change it.
    pub owner: AgencyCode,
    /// Starts at 1, grows by one with every change (optimistic concurrency).
    pub version: u64,
    /// Active or archived.
    pub state: RecordState,
    /// When the record was created.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    /// When the record last changed.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
    /// What the owner said about the subject.
    #[serde(flatten)]
    pub data: RecordData,
}

impl Record {
    /// A new record: a fresh id, version 1, active, created `now`.
    pub fn new(owner: AgencyCode, data: RecordData, now: OffsetDateTime) -> Record {
        Record {
            id: RecordId::generate(),
            owner,
            version: 1,
            state: RecordState::Active,
            created_at: now,
            updated_at: now,
            data,
        }
    }
}

/// What an owner puts in a record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RecordData {
    /// The subject, by kind.
    #[serde(flatten)]
    pub body: RecordBody,
    /// What an officer who hits the record must do.
    pub handling: Handling,
    /// Who may see the record besides its owner.
    pub access: AccessRule,
    /// Free labels, e.g. `foreign_terrorist_fighter`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Past this date the record must be reviewed and renewed, or it stops matching.
    #[serde(with = "iso_date")]
    #[schema(value_type = String, format = Date)]
    pub review_by: Date,
    /// The published list this record was imported from, if any; a
    /// re-import of that list finds the record again by it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
    /// How confidential it is: hidden from everyone not cleared for it, its
    /// owner's staff included. Records stored before levels existed are
    /// `official_use_only`.
    #[serde(default)]
    pub level: crate::level::Level,
}

/// Where an imported record comes from: a list and the list's own reference
/// for the entry (`un-sanctions` / `QDi.001`, `ofac-sdn` / `2674`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// The list, by its import format name.
    pub list: String,
    /// The entry's reference in that list.
    pub id: String,
}

impl RecordData {
    /// The record's kind.
    pub fn kind(&self) -> Kind {
        match self.body {
            RecordBody::Person(_) => Kind::Person,
            RecordBody::Organization(_) => Kind::Organization,
            RecordBody::TravelDocument(_) => Kind::TravelDocument,
            RecordBody::Biometric(_) => Kind::Biometric,
            RecordBody::Asset(_) => Kind::Asset,
        }
    }
}

/// The kinds of record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A natural person.
    Person,
    /// A legal entity or group.
    Organization,
    /// A stolen, lost, revoked or invalid travel document.
    TravelDocument,
    /// A person's face template and finger minutiae.
    Biometric,
    /// A critical-infrastructure asset.
    Asset,
}

impl Kind {
    /// The kind's name as stored and served.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Person => "person",
            Kind::Organization => "organization",
            Kind::TravelDocument => "travel_document",
            Kind::Biometric => "biometric",
            Kind::Asset => "asset",
        }
    }
}

impl FromStr for Kind {
    type Err = FieldError;
    fn from_str(s: &str) -> Result<Kind, FieldError> {
        match s {
            "person" => Ok(Kind::Person),
            "organization" => Ok(Kind::Organization),
            "travel_document" => Ok(Kind::TravelDocument),
            "biometric" => Ok(Kind::Biometric),
            "asset" => Ok(Kind::Asset),
            _ => Err(FieldError::new(format!(
                "`{}` is not a kind (person, organization, travel_document, biometric, asset)",
                s.escape_debug()
            ))),
        }
    }
}

/// The subject of a record, by kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RecordBody {
    /// A natural person.
    Person(Person),
    /// A legal entity or group.
    Organization(Organization),
    /// A travel document reported stolen, lost, revoked or invalid.
    TravelDocument(TravelDocument),
    /// A person's biometric data, enrolled through `/v1/biometrics`.
    Biometric(Biometric),
    /// A critical-infrastructure asset, registered through `/v1/infra`.
    Asset(crate::asset::Asset),
}

impl RecordBody {
    /// The name forms of a person or organization (none for a travel
    /// document or biometric data).
    pub fn names(&self) -> &[Name] {
        match self {
            RecordBody::Person(p) => &p.names,
            RecordBody::Organization(o) => &o.names,
            RecordBody::TravelDocument(_) | RecordBody::Biometric(_) | RecordBody::Asset(_) => &[],
        }
    }
}

/// A natural person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Person {
    /// Name forms: primary, aliases, original script.
    pub names: Vec<Name>,
    /// Known or claimed birth dates, each at its own precision.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub birth_dates: Vec<PartialDate>,
    /// Place of birth, free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_place: Option<String>,
    /// Nationalities.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nationalities: Vec<CountryCode>,
    /// Sex, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sex: Option<Sex>,
    /// Identity documents the person holds or held.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub documents: Vec<IdentityDocument>,
}

/// A legal entity or group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Organization {
    /// Name forms.
    pub names: Vec<Name>,
    /// Countries of registration or operation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub countries: Vec<CountryCode>,
}

/// A travel document reported to the system.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TravelDocument {
    /// Document number, normalized.
    pub number: DocumentNumber,
    /// Issuing country.
    pub country: CountryCode,
    /// Type of document.
    pub doc_type: DocumentType,
    /// Why it is recorded.
    pub status: DocumentStatus,
    /// When the loss or theft was reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reported_on: Option<PartialDate>,
}

/// An identity document held by a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IdentityDocument {
    /// Document number, normalized.
    pub number: DocumentNumber,
    /// Issuing country, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<CountryCode>,
    /// Type of document.
    #[serde(rename = "type", default = "DocumentType::other")]
    pub doc_type: DocumentType,
}

/// Sex of a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    /// Male.
    Male,
    /// Female.
    Female,
    /// Not known or not stated.
    Unknown,
}

/// Types of identity and travel document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DocumentType {
    /// Passport.
    Passport,
    /// National identity card or number.
    NationalId,
    /// Driving licence.
    DrivingLicence,
    /// Residence permit.
    ResidencePermit,
    /// Visa.
    Visa,
    /// Any other document.
    Other,
}

impl DocumentType {
    fn other() -> DocumentType {
        DocumentType::Other
    }
}

/// Why a travel document is recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DocumentStatus {
    /// Stolen after issue.
    Stolen,
    /// Lost.
    Lost,
    /// Revoked by the issuer.
    Revoked,
    /// Declared invalid.
    Invalid,
    /// Stolen before personalization.
    StolenBlank,
}

/// What an officer who hits a record must do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Handling {
    /// The action code.
    pub code: HandlingCode,
    /// Free-text instructions from the owner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructions: Option<String>,
}

/// Action codes for officers who hit a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HandlingCode {
    /// Arrest (provisionally, pending extradition).
    Arrest,
    /// Locate and report the whereabouts.
    Locate,
    /// Check discreetly; do not alert the subject.
    DiscreetCheck,
    /// Refuse entry.
    RefuseEntry,
    /// Seize the document.
    SeizeDocument,
    /// Inform the owner.
    Inform,
}

/// Who may see a record besides its owner. Entries are agency codes: a
/// country's alpha-3 code, or `GS` for the General Secretariat.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "mode", rename_all = "snake_case", try_from = "AccessRuleWire")]
pub enum AccessRule {
    /// Every agency.
    All,
    /// Only the listed agencies.
    Only {
        /// Agencies that may see the record.
        countries: Vec<AgencyCode>,
    },
    /// Every agency except the listed ones.
    Except {
        /// Agencies that may not see the record.
        countries: Vec<AgencyCode>,
    },
}

/// Formats a date as `YYYY-MM-DD`.
pub fn format_date(d: &Date) -> String {
    iso_date::format(d)
}

/// Parses a `YYYY-MM-DD` date; the error says what was wrong.
pub fn parse_date(s: &str) -> Result<Date, String> {
    iso_date::parse(s)
}

/// The wire form of [`AccessRule`], so that `countries` with mode `all`, or
/// a missing list with `only`/`except`, is refused with a clear message.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AccessRuleWire {
    mode: AccessMode,
    countries: Option<Vec<AgencyCode>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum AccessMode {
    All,
    Only,
    Except,
}

impl TryFrom<AccessRuleWire> for AccessRule {
    type Error = FieldError;
    fn try_from(w: AccessRuleWire) -> Result<AccessRule, FieldError> {
        match (w.mode, w.countries) {
            (AccessMode::All, None) => Ok(AccessRule::All),
            (AccessMode::All, Some(_)) => Err(FieldError::field("countries", "not allowed with mode `all`")),
            (AccessMode::Only, Some(countries)) => Ok(AccessRule::Only { countries }),
            (AccessMode::Except, Some(countries)) => Ok(AccessRule::Except { countries }),
            (_, None) => Err(FieldError::field("countries", "required with modes `only` and `except`")),
        }
    }
}

/// `YYYY-MM-DD` dates in serde.
pub(crate) mod iso_date {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::Date;
    use time::macros::format_description;

    const FORMAT: &[time::format_description::BorrowedFormatItem<'static>] =
        format_description!("[year]-[month]-[day]");

    pub(crate) fn parse(s: &str) -> Result<Date, String> {
        Date::parse(s, FORMAT).map_err(|_| format!("`{}` is not a date (YYYY-MM-DD)", s.escape_debug()))
    }

    /// `YYYY-MM-DD`, written by hand so that it cannot fail: a [`Date`]'s
    /// year is within ±9,999 (the `time` crate without `large-dates`).
    pub(crate) fn format(d: &Date) -> String {
        let year = d.year();
        let sign = if year < 0 { "-" } else { "" };
        format!("{sign}{:04}-{:02}-{:02}", year.unsigned_abs(), u8::from(d.month()), d.day())
    }

    pub(crate) fn serialize<S: Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format(d))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let s = String::deserialize(d)?;
        parse(&s).map_err(serde::de::Error::custom)
    }

    /// [`deserialize`], also reading the `[year, day of the year]` form the
    /// first stored notices used.
    pub(crate) fn deserialize_stored<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Stored {
            Iso(String),
            Ordinal(i32, u16),
        }
        match Stored::deserialize(d)? {
            Stored::Iso(s) => parse(&s).map_err(serde::de::Error::custom),
            Stored::Ordinal(y, day) => Date::from_ordinal_date(y, day).map_err(serde::de::Error::custom),
        }
    }

    #[cfg(test)]
    mod tests {
        use proptest::prelude::*;

        use super::*;

        proptest! {
            #[test]
            fn a_date_written_reads_back_the_same(year in 1i32..=9999, day in 1u16..=365) {
                let date = Date::from_ordinal_date(year, day).expect("a valid day");
                let written = format(&date);
                prop_assert_eq!(written.len(), 10);
                prop_assert_eq!(parse(&written), Ok(date));
                prop_assert_eq!(written, date.format(FORMAT).expect("time's own writer"));
            }
        }
    }
}
