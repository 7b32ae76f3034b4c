//! The strict input shape of a record, and its validation into [`RecordData`].
//!
//! Kept apart from the domain types so the domain stays free of `Option`s that
//! only input needs, and so every rule about input lives in one place.

use serde::Deserialize;
use time::Date;

use super::{
    AccessRule, DocumentStatus, DocumentType, Handling, IdentityDocument, Kind, Name, NameType, Organization, Person,
    RecordBody, RecordData, Script, Sex, Source, TravelDocument, iso_date,
};
use crate::level::Level;
use crate::text::clean as text;
use crate::{CountryCode, DocumentNumber, FieldError, PartialDate, limits};

/// A record as a client sends it: the flat JSON shape, with every field of
/// every kind optional here and checked against the kind by
/// [`RecordInput::validate`]. Unknown fields are refused.
///
/// `id`, `owner`, `state`, `created_at` and `updated_at` are accepted and
/// ignored, so a client can send back what it read. `version` is the version
/// the client last read: an update is refused (409) when it is stale.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordInput {
    /// `person`, `organization` or `travel_document`.
    pub kind: Kind,
    /// Person, organization: name forms (at least one).
    pub names: Option<Vec<NameInput>>,
    /// Person: birth dates (`YYYY`, `YYYY-MM` or `YYYY-MM-DD`).
    pub birth_dates: Option<Vec<PartialDate>>,
    /// Person: place of birth.
    pub birth_place: Option<String>,
    /// Person: nationalities (ISO 3166-1 alpha-3).
    pub nationalities: Option<Vec<CountryCode>>,
    /// Person: sex.
    pub sex: Option<Sex>,
    /// Person: identity documents.
    pub documents: Option<Vec<IdentityDocument>>,
    /// Organization: countries.
    pub countries: Option<Vec<CountryCode>>,
    /// Travel document: number.
    pub number: Option<DocumentNumber>,
    /// Travel document: issuing country.
    pub country: Option<CountryCode>,
    /// Travel document: type.
    pub doc_type: Option<DocumentType>,
    /// Travel document: stolen, lost, revoked, invalid or stolen_blank.
    pub status: Option<DocumentStatus>,
    /// Travel document: when it was reported.
    pub reported_on: Option<PartialDate>,
    /// What an officer who hits the record must do (required).
    pub handling: Option<Handling>,
    /// Who may see the record (required).
    pub access: Option<AccessRule>,
    /// Free labels.
    pub tags: Option<Vec<String>>,
    /// Review date, `YYYY-MM-DD`, in the future; default five years from now.
    pub review_by: Option<String>,
    /// The list the record was imported from, and its reference there.
    pub source: Option<Source>,
    /// How confidential it is: `official_use_only` (the default),
    /// `restricted` or `confidential`; at most the writer's clearance.
    pub level: Option<Level>,
    /// The version the client last read (updates only).
    pub version: Option<u64>,
    /// Ignored (read-only).
    #[schema(ignore)]
    pub id: Option<serde::de::IgnoredAny>,
    /// Ignored (read-only).
    #[schema(ignore)]
    pub owner: Option<serde::de::IgnoredAny>,
    /// Ignored (read-only).
    #[schema(ignore)]
    pub state: Option<serde::de::IgnoredAny>,
    /// Ignored (read-only).
    #[schema(ignore)]
    pub created_at: Option<serde::de::IgnoredAny>,
    /// Ignored (read-only).
    #[schema(ignore)]
    pub updated_at: Option<serde::de::IgnoredAny>,
}

/// A name form as a client sends it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NameInput {
    /// The name as written.
    pub full: String,
    /// What this form is; default `primary`.
    #[serde(rename = "type")]
    pub name_type: Option<NameType>,
    /// The script; detected when absent.
    pub script: Option<Script>,
}

impl RecordInput {
    /// An input of `kind` with every other field absent, for importers that
    /// fill it field by field and then [`validate`](RecordInput::validate) it
    /// like any client's input.
    pub fn new(kind: Kind) -> RecordInput {
        RecordInput {
            kind,
            names: None,
            birth_dates: None,
            birth_place: None,
            nationalities: None,
            sex: None,
            documents: None,
            countries: None,
            number: None,
            country: None,
            doc_type: None,
            status: None,
            reported_on: None,
            handling: None,
            access: None,
            tags: None,
            review_by: None,
            source: None,
            level: None,
            version: None,
            id: None,
            owner: None,
            state: None,
            created_at: None,
            updated_at: None,
        }
    }

    /// Checks the input against its kind and the limits, and builds the
    /// record data. `today` sets the default review date and the earliest
    /// allowed one.
    pub fn validate(self, today: Date) -> Result<RecordData, FieldError> {
        let body = match self.kind {
            Kind::Biometric => {
                return Err(FieldError::field("kind", "biometric records are enrolled with POST /v1/biometrics"));
            }
            Kind::Asset => {
                return Err(FieldError::field("kind", "assets are registered with POST /v1/infra/assets"));
            }
            Kind::Person => {
                self.refuse(&[
                    ("countries", self.countries.is_some()),
                    ("number", self.number.is_some()),
                    ("country", self.country.is_some()),
                    ("doc_type", self.doc_type.is_some()),
                    ("status", self.status.is_some()),
                    ("reported_on", self.reported_on.is_some()),
                ])?;
                RecordBody::Person(Person {
                    names: names(self.names)?,
                    birth_dates: birth_dates(self.birth_dates, today)?,
                    birth_place: self.birth_place.map(|p| text("birth_place", p, limits::TEXT_CHARS)).transpose()?,
                    nationalities: list("nationalities", self.nationalities)?,
                    sex: self.sex,
                    documents: list("documents", self.documents)?,
                })
            }
            Kind::Organization => {
                self.refuse(&[
                    ("birth_dates", self.birth_dates.is_some()),
                    ("birth_place", self.birth_place.is_some()),
                    ("nationalities", self.nationalities.is_some()),
                    ("sex", self.sex.is_some()),
                    ("documents", self.documents.is_some()),
                    ("number", self.number.is_some()),
                    ("country", self.country.is_some()),
                    ("doc_type", self.doc_type.is_some()),
                    ("status", self.status.is_some()),
                    ("reported_on", self.reported_on.is_some()),
                ])?;
                RecordBody::Organization(Organization {
                    names: names(self.names)?,
                    countries: list("countries", self.countries)?,
                })
            }
            Kind::TravelDocument => {
                self.refuse(&[
                    ("names", self.names.is_some()),
                    ("birth_dates", self.birth_dates.is_some()),
                    ("birth_place", self.birth_place.is_some()),
                    ("nationalities", self.nationalities.is_some()),
                    ("sex", self.sex.is_some()),
                    ("documents", self.documents.is_some()),
                    ("countries", self.countries.is_some()),
                ])?;
                RecordBody::TravelDocument(TravelDocument {
                    number: required("number", self.number)?,
                    country: required("country", self.country)?,
                    doc_type: self.doc_type.unwrap_or(DocumentType::Passport),
                    status: required("status", self.status)?,
                    reported_on: self.reported_on,
                })
            }
        };
        let handling = required("handling", self.handling)?;
        let handling = Handling {
            code: handling.code,
            instructions: handling
                .instructions
                .map(|i| text("handling.instructions", i, limits::TEXT_CHARS))
                .transpose()?,
        };
        Ok(RecordData {
            body,
            handling,
            access: access(required("access", self.access)?)?,
            tags: tags(self.tags)?,
            review_by: review_by(self.review_by.as_deref(), today)?,
            source: self.source.map(source).transpose()?,
            level: self.level.unwrap_or_default(),
        })
    }

    fn refuse(&self, present: &[(&str, bool)]) -> Result<(), FieldError> {
        match present.iter().find(|(_, is)| *is) {
            Some((field, _)) => Err(FieldError::field(*field, format!("not allowed for kind {}", self.kind.as_str()))),
            None => Ok(()),
        }
    }
}

fn required<T>(field: &str, v: Option<T>) -> Result<T, FieldError> {
    v.ok_or_else(|| FieldError::field(field, "required"))
}

fn list<T>(field: &str, v: Option<Vec<T>>) -> Result<Vec<T>, FieldError> {
    let v = v.unwrap_or_default();
    match v.len() > limits::LIST_ITEMS {
        true => Err(FieldError::field(
            field,
            format!("has {} entries; at most {} are allowed", v.len(), limits::LIST_ITEMS),
        )),
        false => Ok(v),
    }
}

fn names(v: Option<Vec<NameInput>>) -> Result<Vec<Name>, FieldError> {
    let v = required("names", v)?;
    if v.is_empty() {
        return Err(FieldError::field("names", "at least one name is required"));
    }
    if v.len() > limits::NAMES {
        return Err(FieldError::field(
            "names",
            format!("has {} entries; at most {} are allowed", v.len(), limits::NAMES),
        ));
    }
    v.into_iter()
        .enumerate()
        .map(|(i, n)| {
            let full = text("full", n.full, limits::NAME_CHARS).map_err(|e| e.at(&format!("names[{i}]")))?;
            let script = n.script.unwrap_or_else(|| Script::detect(&full));
            Ok(Name { full, name_type: n.name_type.unwrap_or(NameType::Primary), script })
        })
        .collect()
}

/// Birth dates: a list, none of them after `today` (a year or month is
/// after it only if it starts after it).
fn birth_dates(v: Option<Vec<PartialDate>>, today: Date) -> Result<Vec<PartialDate>, FieldError> {
    let v = list("birth_dates", v)?;
    let key = (today.year(), u8::from(today.month()), today.day());
    for (i, d) in v.iter().enumerate() {
        if (d.year(), d.month().unwrap_or(1), d.day().unwrap_or(1)) > key {
            return Err(FieldError::field(format!("birth_dates[{i}]"), format!("{d} is in the future")));
        }
    }
    Ok(v)
}

fn access(rule: AccessRule) -> Result<AccessRule, FieldError> {
    let fix = |mut countries: Vec<_>| {
        let countries = list("access.countries", Some(std::mem::take(&mut countries)))?;
        let mut countries = countries;
        countries.sort();
        countries.dedup();
        Ok::<_, FieldError>(countries)
    };
    Ok(match rule {
        AccessRule::All => AccessRule::All,
        AccessRule::Only { countries } => AccessRule::Only { countries: fix(countries)? },
        AccessRule::Except { countries } => AccessRule::Except { countries: fix(countries)? },
    })
}

fn tags(v: Option<Vec<String>>) -> Result<Vec<String>, FieldError> {
    list("tags", v)?.into_iter().enumerate().map(|(i, t)| text(&format!("tags[{i}]"), t, limits::TAG_CHARS)).collect()
}

fn source(s: Source) -> Result<Source, FieldError> {
    Ok(Source {
        list: text("source.list", s.list, limits::LABEL_CHARS)?,
        id: text("source.id", s.id, limits::LABEL_CHARS)?,
    })
}

fn review_by(s: Option<&str>, today: Date) -> Result<Date, FieldError> {
    let Some(s) = s else {
        return Ok(default_review_date(today));
    };
    let d = iso_date::parse(s).map_err(|m| FieldError::field("review_by", m))?;
    let latest = default_review_date(today);
    if d <= today {
        return Err(FieldError::field("review_by", format!("{s} is not in the future")));
    }
    if d > latest {
        return Err(FieldError::field(
            "review_by",
            format!(
                "{s} is more than {} years ahead: at most {}",
                crate::retention::REVIEW_YEARS,
                iso_date::format(&latest)
            ),
        ));
    }
    Ok(d)
}

/// Five years from `today` (28 February for a 29 February start).
pub fn default_review_date(today: Date) -> Date {
    crate::retention::review_date(today)
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    fn parse(json: &str) -> Result<RecordData, FieldError> {
        let input: RecordInput = serde_json::from_str(json).map_err(|e| FieldError::new(e.to_string()))?;
        input.validate(date!(2026 - 11 - 23))
    }

    #[test]
    fn the_spec_examples_parse() {
        let person = r#"{"kind": "person",
            "names": [{"full": "Ivan Petrovich SIDOROV", "type": "primary"},
                      {"full": "Иван Петрович Сидоров", "type": "original_script"},
                      {"full": "Vanya", "type": "weak_alias"}],
            "birth_dates": ["1970-05-01", "1971"], "birth_place": "Moscow",
            "nationalities": ["RUS"], "sex": "male",
            "documents": [{"number": "720000123", "country": "RUS", "type": "passport"}],
            "handling": {"code": "arrest", "instructions": "detain and contact the owner at once"},
            "access": {"mode": "except", "countries": ["UKR"]},
            "tags": ["foreign_terrorist_fighter"], "review_by": "2031-11-23"}"#;
        let data = parse(person).expect("person");
        let RecordBody::Person(p) = &data.body else { panic!("not a person") };
        assert_eq!(p.names[1].script, Script::Cyrillic);
        assert_eq!(p.birth_dates[1].precision(), crate::Precision::Year);

        let org = r#"{"kind": "organization", "names": [{"full": "Example Trading LLC", "type": "primary"}],
            "countries": ["ARE"], "access": {"mode": "all"}, "handling": {"code": "inform"}}"#;
        assert_eq!(parse(org).expect("org").review_by, date!(2031 - 11 - 23));

        let doc = r#"{"kind": "travel_document", "number": "X1234567", "country": "FRA", "doc_type": "passport",
            "status": "stolen", "reported_on": "2024-03-01", "access": {"mode": "only", "countries": ["DEU", "ITA"]},
            "handling": {"code": "seize_document"}}"#;
        assert_eq!(parse(doc).expect("doc").kind(), Kind::TravelDocument);
    }

    #[test]
    fn errors_name_the_field() {
        let base = r#""handling": {"code": "inform"}, "access": {"mode": "all"}"#;
        let cases = [
            (format!(r#"{{"kind": "person", "names": [{{"full": " "}}], {base}}}"#), "names[0].full"),
            (
                format!(r#"{{"kind": "person", "names": [{{"full": "{}"}}], {base}}}"#, "a".repeat(1001)),
                "names[0].full",
            ),
            (format!(r#"{{"kind": "person", "names": [{{"full": "A\u0007B"}}], {base}}}"#), "names[0].full"),
            (format!(r#"{{"kind": "person", "names": [], {base}}}"#), "names"),
            (format!(r#"{{"kind": "person", "names": [{{"full": "A"}}], "number": "X1", {base}}}"#), "number"),
            (format!(r#"{{"kind": "travel_document", "number": "X1", "country": "FRA", {base}}}"#), "status"),
            (r#"{"kind": "organization", "names": [{"full": "A"}], "access": {"mode": "all"}}"#.to_owned(), "handling"),
            (
                format!(r#"{{"kind": "person", "names": [{{"full": "A"}}], "review_by": "2020-01-01", {base}}}"#),
                "review_by",
            ),
            // More than five years ahead (today is 2026-11-23 here).
            (
                format!(r#"{{"kind": "person", "names": [{{"full": "A"}}], "review_by": "2031-11-24", {base}}}"#),
                "review_by",
            ),
            // Born after today, to the day, the month or the year.
            (
                format!(
                    r#"{{"kind": "person", "names": [{{"full": "A"}}], "birth_dates": ["1970", "2026-11-24"], {base}}}"#
                ),
                "birth_dates[1]",
            ),
            (
                format!(r#"{{"kind": "person", "names": [{{"full": "A"}}], "birth_dates": ["2026-12"], {base}}}"#),
                "birth_dates[0]",
            ),
            (
                format!(r#"{{"kind": "person", "names": [{{"full": "A"}}], "birth_dates": ["2027"], {base}}}"#),
                "birth_dates[0]",
            ),
            // A direction override makes a name display as another.
            (format!(r#"{{"kind": "person", "names": [{{"full": "A\u202eB"}}], {base}}}"#), "names[0].full"),
        ];
        for (json, field) in cases {
            let err = parse(&json).expect_err(&json);
            assert_eq!(err.field, field, "{err}");
        }
        // The limits themselves are allowed: born today, reviewed in five years.
        let edge = format!(
            r#"{{"kind": "person", "names": [{{"full": "A"}}], "birth_dates": ["2026-11-23", "2026-11", "2026"], "review_by": "2031-11-23", {base}}}"#
        );
        assert!(parse(&edge).is_ok(), "{:?}", parse(&edge));
    }

    #[test]
    fn unknown_fields_and_bad_values_are_refused_by_the_parser() {
        for json in [
            r#"{"kind": "person", "name": "x"}"#,
            r#"{"kind": "person", "nationalities": ["XYZ"]}"#,
            r#"{"kind": "person", "birth_dates": ["1970-02-30"]}"#,
            r#"{"kind": "spaceship"}"#,
            r#"{"kind": "person", "access": {"mode": "all", "countries": ["FRA"]}}"#,
        ] {
            assert!(serde_json::from_str::<RecordInput>(json).is_err(), "{json}");
        }
    }

    #[test]
    fn access_lists_are_sorted_and_deduplicated() {
        let json = r#"{"kind": "organization", "names": [{"full": "A"}], "handling": {"code": "inform"},
            "access": {"mode": "only", "countries": ["ITA", "DEU", "ITA"]}}"#;
        let AccessRule::Only { countries } = parse(json).expect("valid").access else { panic!("mode") };
        assert_eq!(countries.iter().map(|c| c.as_str()).collect::<Vec<_>>(), ["DEU", "ITA"]);
    }

    #[test]
    fn a_leap_day_review_date_falls_back_to_february_28() {
        assert_eq!(default_review_date(date!(2028 - 02 - 29)), date!(2033 - 02 - 28));
    }
}
