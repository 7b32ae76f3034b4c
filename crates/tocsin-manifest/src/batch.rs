//! A batch of screening requests in any of the formats a border system
//! receives: JSON lines, CSV with a header, or a PAXLST interchange. Each
//! format is read into the same [`Batch`]: one [`Item`] per line or
//! traveller, with its position, its reference, and the screening requests
//! it makes (or what is wrong with it), so that the caller screens and
//! answers every format alike.

use serde::Serialize;
use thiserror::Error;
use tocsin_core::record::Sex;
use tocsin_core::{CountryCode, DocumentNumber, PartialDate};
use tocsin_match::request::{PERSON_KINDS, Request};

use crate::edifact;
use crate::paxlst::{self, Flight, Role, Traveller};

mod csv;
mod lines;

/// The formats a batch may come in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// One JSON screening request per line, with an optional `ref`.
    JsonLines,
    /// A header naming the screening request's fields (and `ref`), then
    /// one request per row.
    Csv,
    /// A UN/EDIFACT PAXLST interchange (Advance Passenger Information).
    Paxlst,
}

impl Format {
    /// The media types each format is sent as.
    pub const MEDIA_TYPES: &'static str = "application/x-ndjson, text/csv or application/edifact";

    /// The format a `Content-Type` names (parameters such as `charset`
    /// ignored), `Ok(None)` where the type says nothing about the format
    /// (absent, `application/octet-stream`, `text/plain`: the caller
    /// detects it), and `Err` for any other type.
    pub fn from_media_type(content_type: Option<&str>) -> Result<Option<Format>, String> {
        let Some(ct) = content_type else { return Ok(None) };
        let essence = ct.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
        match essence.as_str() {
            "" | "application/octet-stream" | "text/plain" | "application/x-www-form-urlencoded" => Ok(None),
            "application/x-ndjson" | "application/jsonl" | "application/jsonlines" | "application/json-lines" => {
                Ok(Some(Format::JsonLines))
            }
            "text/csv" => Ok(Some(Format::Csv)),
            "application/edifact" => Ok(Some(Format::Paxlst)),
            _ => Err(format!("`{ct}` is not a manifest format: send {}", Format::MEDIA_TYPES)),
        }
    }

    /// The format of a body, from its first characters: `UNA`/`UNB` opens an
    /// EDIFACT interchange, `{` a JSON line, and anything else that has a
    /// header line is CSV. `None` for an empty body.
    pub fn detect(bytes: &[u8]) -> Option<Format> {
        let bytes = bytes.strip_prefix(BOM).unwrap_or(bytes);
        let start = bytes.iter().position(|b| !b.is_ascii_whitespace())?;
        let head = &bytes[start..];
        // Teletype headers (`QU …`) may come before the interchange.
        let window = &bytes[start..bytes.len().min(start + 512)];
        if head.starts_with(b"UNA") || head.starts_with(b"UNB") || window.windows(4).any(|w| w == b"UNB+") {
            Some(Format::Paxlst)
        } else if head.starts_with(b"{") {
            Some(Format::JsonLines)
        } else {
            Some(Format::Csv)
        }
    }

    /// The format's name as the answer spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::JsonLines => "json_lines",
            Format::Csv => "csv",
            Format::Paxlst => "paxlst",
        }
    }
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Where in the batch an item, or a problem, is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Position {
    /// A 1-based line (JSON lines, CSV).
    Line(usize),
    /// A 1-based segment of an EDIFACT interchange.
    Segment(usize),
}

impl std::fmt::Display for Position {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Position::Line(n) => write!(f, "line {n}"),
            Position::Segment(n) => write!(f, "segment {n}"),
        }
    }
}

/// What is wrong with one item; the others are screened all the same.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemError {
    /// A stable code (`invalid_json`, `invalid_field`, `unknown_field`,
    /// `missing_field`, `invalid_row`).
    pub code: &'static str,
    /// The field at fault, when one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// What is wrong, naming the field.
    pub message: String,
}

/// A traveller as the manifest names it, sent back with the answer so that
/// the officer sees who each answer is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Subject {
    /// `passenger`, `crew`, `transit_passenger` or `transit_crew`.
    pub role: &'static str,
    /// Given names and surname.
    pub name: String,
    /// Birth date, when sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
    /// The documents sent: type and number.
    pub documents: Vec<String>,
}

/// One line or traveller of a batch.
#[derive(Debug, Clone)]
pub struct Item {
    /// Where it is.
    pub position: Position,
    /// The sender's reference (`ref`, or the PAXLST traveller's).
    pub reference: Option<String>,
    /// The traveller, for a PAXLST item.
    pub subject: Option<Subject>,
    /// The requests to screen, best first: a traveller with two documents
    /// makes a second, document-only, request. Or why there are none.
    pub requests: Result<Vec<Request>, ItemError>,
    /// What was left out of the requests and why (a nationality that is
    /// not a country code): the item is screened without it.
    pub notes: Vec<String>,
}

/// A problem with the batch as a whole (a PAXLST envelope count that
/// disagrees, a CSV quote that never closes), naming where it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Where it is.
    #[serde(flatten)]
    pub position: Position,
    /// What is wrong.
    pub message: String,
}

/// A batch as read.
#[derive(Debug, Clone)]
pub struct Batch {
    /// The format it was read as.
    pub format: Format,
    /// The flight, for a PAXLST manifest that names one.
    pub flight: Option<Flight>,
    /// Every line or traveller, in order.
    pub items: Vec<Item>,
    /// What was wrong with the batch beyond its items.
    pub problems: Vec<Problem>,
}

/// Why a batch cannot be read at all.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BatchError {
    /// More items than the caller allows.
    #[error("{count} travellers or lines; at most {max} in one batch")]
    TooMany {
        /// How many were sent.
        count: usize,
        /// The most allowed.
        max: usize,
    },
    /// The body is empty.
    #[error("the batch is empty")]
    Empty,
    /// A CSV header that does not name the request's fields.
    #[error("line 1 (the CSV header): {0}")]
    Header(String),
    /// Not a PAXLST interchange at all.
    #[error("{0}")]
    NotAManifest(String),
}

/// Reads a batch in `format`, of at most `max` items.
pub fn read(format: Format, bytes: &[u8], max: usize) -> Result<Batch, BatchError> {
    let batch = match format {
        Format::JsonLines => lines::read(bytes, max)?,
        Format::Csv => csv::read(bytes, max)?,
        Format::Paxlst => read_paxlst(bytes, max)?,
    };
    if batch.items.is_empty() && batch.problems.is_empty() {
        return Err(BatchError::Empty);
    }
    Ok(batch)
}

/// The text of a body: UTF-8 without its byte-order mark, or Latin-1.
fn text(bytes: &[u8]) -> String {
    edifact::decode(bytes.strip_prefix(BOM).unwrap_or(bytes))
}

/// A JSON error on one item, its position given as a column of its line
/// (serde counts lines within the text it was given: always line 1 here).
fn item_error(e: tocsin_core::json::JsonError) -> ItemError {
    let e = e.within_line();
    ItemError { code: e.code, field: Some(e.field).filter(|f| !f.is_empty()), message: e.message }
}

/// A reference is at most 200 characters (the audit log keeps it) with no
/// control character.
fn reference_ok(reference: Option<&str>) -> Result<(), ItemError> {
    let Some(r) = reference else { return Ok(()) };
    let problem = if r.chars().count() > tocsin_core::limits::LABEL_CHARS {
        format!("ref: longer than {} characters", tocsin_core::limits::LABEL_CHARS)
    } else if r.chars().any(char::is_control) {
        "ref: has a control character".to_owned()
    } else {
        return Ok(());
    };
    Err(ItemError { code: "invalid_field", field: Some("ref".to_owned()), message: problem })
}

fn read_paxlst(bytes: &[u8], max: usize) -> Result<Batch, BatchError> {
    let manifest = paxlst::read(bytes);
    if manifest.travellers.len() > max {
        return Err(BatchError::TooMany { count: manifest.travellers.len(), max });
    }
    let problems: Vec<Problem> = manifest.problems.iter().map(problem).collect();
    // Nothing read and something wrong: the manifest as a whole is refused,
    // every problem named.
    if manifest.travellers.is_empty() && !problems.is_empty() {
        let all: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
        return Err(BatchError::NotAManifest(all.join("; ")));
    }
    let items = manifest.travellers.iter().map(traveller_item).collect();
    let flight = Some(manifest.flight).filter(|f| *f != Flight::default());
    Ok(Batch { format: Format::Paxlst, flight, items, problems })
}

fn problem(p: &paxlst::Problem) -> Problem {
    let position = match p {
        paxlst::Problem::Syntax(e) => e.segment(),
        paxlst::Problem::Envelope { position, .. } | paxlst::Problem::Value { position, .. } => *position,
    };
    Problem { position: Position::Segment(position), message: p.to_string() }
}

/// A traveller's requests: name, birth date, sex, nationality and first
/// document in one; each further document on its own.
fn traveller_item(t: &Traveller) -> Item {
    let mut notes = Vec::new();
    let name = format!("{} {}", t.given_names, t.surname).trim().to_owned();
    let nationality = t.nationality.as_deref().and_then(|n| match CountryCode::parse(n) {
        Ok(c) => Some(c),
        Err(e) => {
            notes.push(format!("nationality `{n}` left out: {}", e.message));
            None
        }
    });
    let mut documents = Vec::new();
    for d in &t.documents {
        match DocumentNumber::parse(&d.number) {
            Ok(number) => {
                let country = d.issuer.as_deref().and_then(|c| CountryCode::parse(c).ok());
                documents.push((number, country));
            }
            Err(e) => notes.push(format!("document `{}` left out: {}", d.number, e.message)),
        }
    }
    let kinds = Some(PERSON_KINDS.to_vec());
    let mut first = Request {
        name: Some(name.clone()).filter(|n| !n.is_empty()),
        birth_date: t.birth_date.map(PartialDate::from_date),
        nationality,
        sex: t.sex.map(|s| match s {
            paxlst::Sex::Male => Sex::Male,
            paxlst::Sex::Female => Sex::Female,
            paxlst::Sex::Unspecified => Sex::Unknown,
        }),
        kinds: kinds.clone(),
        ..Request::default()
    };
    let mut documents = documents.into_iter();
    if let Some((number, country)) = documents.next() {
        first.document_number = Some(number);
        first.document_country = country;
    }
    let mut requests = vec![first];
    requests.extend(documents.map(|(number, country)| Request {
        document_number: Some(number),
        document_country: country,
        kinds: kinds.clone(),
        ..Request::default()
    }));
    let subject = Subject {
        role: match t.role {
            Role::Passenger => "passenger",
            Role::Crew => "crew",
            Role::TransitPassenger => "transit_passenger",
            Role::TransitCrew => "transit_crew",
        },
        name,
        birth_date: t.birth_date.map(|d| PartialDate::from_date(d).to_string()),
        documents: t.documents.iter().map(|d| format!("{} {}", d.kind, d.number)).collect(),
    };
    Item {
        position: Position::Segment(t.segment),
        reference: Some(t.reference.clone()),
        subject: Some(subject),
        requests: Ok(requests),
        notes,
    }
}

impl Flight {
    /// The flight in words, for the audit log and the hits it makes:
    /// `XA123 LHR→JFK departs 2025-03-14 11:30 arrives 2025-03-14 14:30`.
    pub fn describe(&self) -> String {
        let mut parts = vec![self.number.clone().unwrap_or_else(|| "flight".to_owned())];
        match (&self.from, &self.to) {
            (Some(a), Some(b)) => parts.push(format!("{a}→{b}")),
            (Some(a), None) => parts.push(format!("from {a}")),
            (None, Some(b)) => parts.push(format!("to {b}")),
            (None, None) => {}
        }
        let at = |t: &time::PrimitiveDateTime| format!("{} {:02}:{:02}", t.date(), t.hour(), t.minute());
        if let Some(t) = &self.departs {
            parts.push(format!("departs {}", at(t)));
        }
        if let Some(t) = &self.arrives {
            parts.push(format!("arrives {}", at(t)));
        }
        parts.join(" ")
    }
}

#[cfg(test)]
mod tests;
