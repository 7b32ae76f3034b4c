//! A screening request as clients send it (HTTP body, batch line, CLI
//! flags), and its validation into a [`Query`].

use serde::{Deserialize, Serialize};
use tocsin_core::record::{Kind, Sex};
use tocsin_core::{CountryCode, DocumentNumber, FieldError, PartialDate, limits};

use crate::mrz::{self, Check, Format};
use crate::screen::Query;

/// Results returned at most per query, whatever `limit` asks.
pub const MAX_LIMIT: usize = 100;

/// What a person's query (a name with a birth date or sex, an MRZ)
/// screens unless `kinds` says otherwise: people and travel documents, not
/// organizations or vessels.
pub const PERSON_KINDS: [Kind; 2] = [Kind::Person, Kind::TravelDocument];

/// A screening request. At least one of `name`, `document_number` and `mrz`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// A name in any script.
    pub name: Option<String>,
    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    pub birth_date: Option<PartialDate>,
    /// ISO 3166-1 alpha-3.
    pub nationality: Option<CountryCode>,
    /// `male`, `female` or `unknown`.
    pub sex: Option<Sex>,
    /// A document number.
    pub document_number: Option<DocumentNumber>,
    /// The document's issuing country.
    pub document_country: Option<CountryCode>,
    /// An ICAO 9303 MRZ, lines separated by newlines.
    pub mrz: Option<String>,
    /// Only these kinds. A person's query (with a birth date, a sex or an
    /// MRZ) screens `person` and `travel_document` unless this says
    /// otherwise; any other query, every kind.
    pub kinds: Option<Vec<Kind>>,
    /// Results at most (1 to 100, default 10).
    pub limit: Option<usize>,
    /// Where the search is made (free text, e.g. `CDG T2`); audited.
    pub location: Option<String>,
    /// Why (free text, e.g. `border_check`); audited.
    pub purpose: Option<String>,
}

/// What the MRZ of a request said, reported with the results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct MrzSummary {
    /// The format recognized.
    pub format: Format,
    /// Every check digit.
    pub checks: Vec<Check>,
    /// The checks that failed (the MRZ was screened all the same).
    pub failed: Vec<&'static str>,
}

/// A validated request: the query, what the MRZ said, and the context.
#[derive(Debug, Clone)]
pub struct Validated {
    /// What to search for.
    pub query: Query,
    /// The MRZ's checks, when one was given.
    pub mrz: Option<MrzSummary>,
    /// Declared location.
    pub location: Option<String>,
    /// Declared purpose.
    pub purpose: Option<String>,
}

/// An optional text field: absent or blank is `None`, anything else follows
/// the common text rule.
fn short_text(field: &str, s: Option<String>, max: usize) -> Result<Option<String>, FieldError> {
    s.filter(|s| !s.trim().is_empty()).map(|s| tocsin_core::text::clean(field, s, max)).transpose()
}

impl Request {
    /// The request as sent, as JSON without its absent fields (kept with
    /// the hits it makes).
    pub fn as_sent(&self) -> Result<serde_json::Value, serde_json::Error> {
        let mut v = serde_json::to_value(self)?;
        if let Some(o) = v.as_object_mut() {
            o.retain(|_, x| !x.is_null());
        }
        Ok(v)
    }

    /// Checks the request; an MRZ fills the fields the request left empty.
    /// `this_year` decides the century of MRZ birth dates.
    pub fn validate(self, this_year: i32) -> Result<Validated, FieldError> {
        let mut name = short_text("name", self.name, limits::NAME_CHARS)?;
        let (mut birth_date, mut nationality, mut sex) = (self.birth_date, self.nationality, self.sex);
        let (mut document, mut document_country) = (self.document_number, self.document_country);
        let mut summary = None;
        // Newlines separate MRZ lines; the parser names any other bad character.
        let mrz_text = self.mrz.filter(|m| !m.trim().is_empty());
        if mrz_text.as_ref().is_some_and(|m| m.len() > 200) {
            return Err(FieldError::field("mrz", "is longer than three MRZ lines"));
        }
        if let Some(text) = mrz_text {
            let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
            let m = mrz::parse(&lines, this_year).map_err(|e| FieldError::field("mrz", e.to_string()))?;
            name = name.or_else(|| Some(m.full_name()).filter(|n| !n.is_empty()));
            birth_date = birth_date.or(m.birth_date.date);
            nationality = nationality.or(m.nationality_country);
            sex = sex.or(match m.sex {
                'M' => Some(Sex::Male),
                'F' => Some(Sex::Female),
                _ => None,
            });
            document = document.or_else(|| DocumentNumber::parse(&m.document_number).ok());
            document_country = document_country.or(m.issuing_country);
            let failed = m.checks.iter().filter(|c| !c.valid).map(|c| c.field).collect();
            summary = Some(MrzSummary { format: m.format, checks: m.checks, failed });
        }
        if name.is_none() && document.is_none() {
            return Err(FieldError::new("at least one of name, document_number and mrz is required"));
        }
        let is_person = birth_date.is_some() || sex.is_some() || summary.is_some();
        let kinds = match self.kinds {
            Some(kinds) => kinds,
            None if is_person => PERSON_KINDS.to_vec(),
            None => Vec::new(),
        };
        let limit = match self.limit {
            None => 10,
            Some(n) if (1..=MAX_LIMIT).contains(&n) => n,
            Some(n) => return Err(FieldError::field("limit", format!("{n} is not between 1 and {MAX_LIMIT}"))),
        };
        Ok(Validated {
            query: Query { name, birth_date, nationality, sex, document, document_country, kinds, limit },
            mrz: summary,
            location: short_text("location", self.location, limits::LABEL_CHARS)?,
            purpose: short_text("purpose", self.purpose, limits::LABEL_CHARS)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(json: &str) -> Result<Validated, FieldError> {
        serde_json::from_str::<Request>(json).map_err(|e| FieldError::new(e.to_string()))?.validate(2026)
    }

    #[test]
    fn an_mrz_fills_the_query() {
        let v = req(
            r#"{"mrz": "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"}"#,
        )
        .expect("valid");
        assert_eq!(v.query.name.as_deref(), Some("ANNA MARIA ERIKSSON"));
        assert_eq!(v.query.document.as_ref().map(|d| d.as_str()), Some("L898902C3"));
        assert_eq!(v.query.birth_date.map(|d| d.to_string()), Some("1974-08-12".to_owned()));
        assert_eq!(v.query.sex, Some(Sex::Female));
        assert!(v.mrz.is_some_and(|m| m.failed.is_empty()));
    }

    #[test]
    fn a_persons_query_screens_people_and_documents_unless_kinds_says_otherwise() {
        let person = [Kind::Person, Kind::TravelDocument];
        for json in [
            r#"{"name": "John Smith", "birth_date": "1980-01-01"}"#,
            r#"{"name": "John Smith", "sex": "male"}"#,
            r#"{"mrz": "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"}"#,
        ] {
            assert_eq!(req(json).expect(json).query.kinds, person, "{json}");
        }
        assert_eq!(req(r#"{"name": "Smooth"}"#).expect("name").query.kinds, [], "a name alone: every kind");
        let asked = req(r#"{"name": "John Smith", "birth_date": "1980", "kinds": ["organization"]}"#).expect("kinds");
        assert_eq!(asked.query.kinds, [Kind::Organization]);
    }

    #[test]
    fn bad_requests_name_the_problem() {
        for (json, field) in [
            (r#"{}"#, ""),
            (r#"{"birth_date": "1970"}"#, ""),
            (r#"{"name": "  "}"#, ""),
            (r#"{"name": "A", "limit": 0}"#, "limit"),
            (r#"{"name": "A", "limit": 101}"#, "limit"),
            (r#"{"name": "A\u0001B"}"#, "name"),
            (r#"{"mrz": "P<UTO"}"#, "mrz"),
        ] {
            let err = req(json).expect_err(json);
            assert_eq!(err.field, field, "{json}: {err}");
        }
        let long = format!(r#"{{"name": "{}"}}"#, "x".repeat(10_000));
        assert_eq!(req(&long).expect_err("long").field, "name");
    }
}
