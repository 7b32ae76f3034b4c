//! UN/EDIFACT PAXLST as the WCO/IATA/ICAO API guidelines profile it: an
//! interchange (`UNB` … `UNZ`), optionally in groups (`UNG` … `UNE`), of
//! messages (`UNH` … `UNT`), each a flight (`TDT`, `LOC`, `DTM`) and its
//! travellers: each `NAD+FL` (passenger) or `NAD+FM` (crew) opens one, with
//! its `ATT` sex, `DTM+329` birth date, `NAT` nationality, `RFF`
//! references, and `DOC` documents (each with its `DTM+36` expiry and `LOC+91`
//! issuing state).

use thiserror::Error;
use time::{Date, Month, PrimitiveDateTime, Time};

use crate::edifact::{self, Segment, SyntaxError};

/// The flight a manifest is for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Flight {
    /// Carrier and number as sent (`XA123`).
    pub number: Option<String>,
    /// Departure airport (IATA code).
    pub from: Option<String>,
    /// Arrival airport (IATA code).
    pub to: Option<String>,
    /// Scheduled departure, local time.
    pub departs: Option<PrimitiveDateTime>,
    /// Scheduled arrival, local time.
    pub arrives: Option<PrimitiveDateTime>,
}

/// Who a traveller is on the flight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A passenger (`NAD+FL`).
    Passenger,
    /// A crew member (`NAD+FM`).
    Crew,
    /// A passenger in transit (`NAD+DDU`).
    TransitPassenger,
    /// A crew member in transit (`NAD+DDT`).
    TransitCrew,
}

/// A traveller's sex as sent (`ATT+2`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sex {
    /// `M`.
    Male,
    /// `F`.
    Female,
    /// `U` or `X`.
    Unspecified,
}

/// A travel document (`DOC` group).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Document {
    /// The document type code (`P` passport, `V` visa, `I` identity card …).
    pub kind: String,
    /// The document number.
    pub number: String,
    /// Issuing state (ISO 3166 alpha-3).
    pub issuer: Option<String>,
    /// Expiry date.
    pub expires: Option<Date>,
}

/// One traveller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Traveller {
    /// The sender's reference for the traveller (`RFF+ABO`, else the
    /// booking `RFF+AVF`), or the message reference and the traveller's
    /// position in it (`M0001/3`).
    pub reference: String,
    /// Passenger or crew.
    pub role: Role,
    /// Surname.
    pub surname: String,
    /// Given names, space-separated.
    pub given_names: String,
    /// Sex.
    pub sex: Option<Sex>,
    /// Birth date (the century inferred from the flight's date).
    pub birth_date: Option<Date>,
    /// Nationality (ISO 3166 alpha-3).
    pub nationality: Option<String>,
    /// Documents, in the order sent.
    pub documents: Vec<Document>,
    /// The position of the traveller's `NAD` segment in the interchange.
    pub segment: usize,
}

/// A problem in a manifest, naming its segment. The travellers read before
/// it are kept.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Problem {
    /// The text is not an EDIFACT interchange, or breaks its syntax.
    #[error(transparent)]
    Syntax(#[from] SyntaxError),
    /// An envelope segment is missing, or its count or reference disagrees.
    #[error("segment {position} ({tag}): {message}")]
    Envelope {
        /// The segment's position.
        position: usize,
        /// Its tag.
        tag: String,
        /// What is wrong.
        message: String,
    },
    /// A value does not read (a date, a traveller without a surname).
    #[error("segment {position} ({tag}): {message}")]
    Value {
        /// The segment's position.
        position: usize,
        /// Its tag.
        tag: String,
        /// What is wrong.
        message: String,
    },
}

/// A manifest as read: the flight, the travellers, and the problems found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Manifest {
    /// The flight (from the first message that names one).
    pub flight: Flight,
    /// The travellers of every message, in order.
    pub travellers: Vec<Traveller>,
    /// What did not read or did not add up; empty for a clean manifest.
    pub problems: Vec<Problem>,
}

/// The most travellers one interchange may carry (a wide-body flight has
/// fewer than 900).
pub const MAX_TRAVELLERS: usize = 5_000;

/// Reads a PAXLST interchange from its bytes (UTF-8 or Latin-1).
pub fn read(bytes: &[u8]) -> Manifest {
    let text = edifact::decode(bytes);
    let mut manifest = Manifest::default();
    let segments = match edifact::segments(&text) {
        Ok(s) => s,
        Err(e) => {
            // Read what precedes the break, then report it.
            let cut = match &e {
                SyntaxError::DanglingRelease { .. } => text.trim_end().strip_suffix('?').map(str::to_owned),
                _ => None,
            };
            if let Some(partial) = cut.and_then(|t| edifact::segments(&t).ok()) {
                Reader::new(&mut manifest).run(&partial);
            }
            manifest.problems.push(e.into());
            return manifest;
        }
    };
    Reader::new(&mut manifest).run(&segments);
    manifest
}

/// Walks the segments, keeping the envelope's state.
struct Reader<'m> {
    manifest: &'m mut Manifest,
    /// The interchange's control reference and date (`UNB`).
    interchange: Option<(String, usize)>,
    /// Groups and messages seen in the interchange.
    groups: u64,
    messages_outside_groups: u64,
    /// The open group: its reference, position, messages.
    group: Option<(String, usize, u64)>,
    /// The open message: its reference, position, segments counted.
    message: Option<(String, usize, u64)>,
    /// Travellers of the open message, for its `CNT`.
    message_travellers: u64,
    /// The date two-digit birth years are read against.
    reference_date: Option<Date>,
    /// Which date the next `DTM`/`LOC` belongs to.
    context: Context,
    /// Whether travellers past [`MAX_TRAVELLERS`] were left out.
    over_limit: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Context {
    Header,
    Traveller,
    Document,
}

impl<'m> Reader<'m> {
    fn new(manifest: &'m mut Manifest) -> Reader<'m> {
        Reader {
            manifest,
            interchange: None,
            groups: 0,
            messages_outside_groups: 0,
            group: None,
            message: None,
            message_travellers: 0,
            reference_date: None,
            context: Context::Header,
            over_limit: false,
        }
    }

    fn envelope(&mut self, s: &Segment, message: String) {
        self.envelope_at(s.position, &s.tag, message);
    }

    fn envelope_at(&mut self, position: usize, tag: &str, message: String) {
        self.manifest.problems.push(Problem::Envelope { position, tag: tag.to_owned(), message });
    }

    fn value(&mut self, s: &Segment, message: String) {
        self.manifest.problems.push(Problem::Value { position: s.position, tag: s.tag.clone(), message });
    }

    fn run(mut self, segments: &[Segment]) {
        for s in segments {
            if let Some((_, _, n)) = self.message.as_mut() {
                *n += 1;
            }
            match s.tag.as_str() {
                "UNB" => self.unb(s),
                "UNG" => self.group = Some((s.get(5, 1).unwrap_or_default().to_owned(), s.position, 0)),
                "UNE" => self.une(s),
                "UNH" => self.unh(s),
                "UNT" => self.unt(s),
                "UNZ" => self.unz(s),
                _ if self.message.is_none() => {
                    self.envelope(s, "a segment outside any message (UNH … UNT)".into());
                }
                "TDT" => {
                    self.manifest.flight.number = self.manifest.flight.number.take().or(s.get(2, 1).map(Into::into))
                }
                "LOC" => self.loc(s),
                "DTM" => self.dtm(s),
                "NAD" => self.nad(s),
                "ATT" => self.att(s),
                "NAT" => self.with_traveller(|t| t.nationality = s.get(2, 1).map(Into::into)),
                "RFF" => self.rff(s),
                "DOC" => self.doc(s),
                "CNT" => self.cnt(s),
                // BGM, COM, MEA, FTX, GEI, EMP …: not needed to screen.
                _ => {}
            }
        }
        if let Some((reference, position, _)) = self.message.take() {
            self.envelope_at(position, "UNH", format!("message {reference} has no UNT: the manifest may be cut short"));
        }
        match self.interchange.take() {
            Some((reference, position)) => {
                let message = format!("interchange {reference} has no UNZ: the manifest may be cut short");
                self.envelope_at(position, "UNB", message);
            }
            None if self.manifest.travellers.is_empty() && self.manifest.problems.is_empty() => {
                self.envelope_at(1, "UNB", "no UNB: not a PAXLST interchange".into());
            }
            None => {}
        }
    }

    fn unb(&mut self, s: &Segment) {
        self.interchange = Some((s.get(5, 1).unwrap_or_default().to_owned(), s.position));
        if self.reference_date.is_none() {
            self.reference_date = s.get(4, 1).and_then(|d| date(d, Century::Past, None));
        }
    }

    fn une(&mut self, s: &Segment) {
        match self.group.take() {
            Some((reference, _, messages)) => {
                self.groups += 1;
                if s.get(2, 1) != Some(reference.as_str()) {
                    self.envelope(s, format!("closes group {:?}, but group {reference} is open", s.get(2, 1)));
                }
                let count = s.get(1, 1).and_then(|n| n.parse::<u64>().ok());
                if count != Some(messages) {
                    self.envelope(s, format!("counts {count:?} messages; the group has {messages}"));
                }
            }
            None => self.envelope(s, "UNE without UNG".into()),
        }
    }

    fn unh(&mut self, s: &Segment) {
        if let Some((reference, ..)) = &self.message {
            let message = format!("message {reference} has no UNT before the next UNH");
            self.envelope(s, message);
        }
        if s.get(2, 1) != Some("PAXLST") {
            self.envelope(s, format!("a {} message, not PAXLST", s.get(2, 1).unwrap_or("nameless")));
        }
        self.message = Some((s.get(1, 1).unwrap_or_default().to_owned(), s.position, 1));
        self.message_travellers = 0;
        self.context = Context::Header;
        match self.group.as_mut() {
            Some((_, _, n)) => *n += 1,
            None => self.messages_outside_groups += 1,
        }
    }

    fn unt(&mut self, s: &Segment) {
        let Some((reference, _, counted)) = self.message.take() else {
            return self.envelope(s, "UNT without UNH".into());
        };
        if s.get(2, 1) != Some(reference.as_str()) {
            self.envelope(s, format!("closes message {:?}, but message {reference} is open", s.get(2, 1)));
        }
        let count = s.get(1, 1).and_then(|n| n.parse::<u64>().ok());
        if count != Some(counted) {
            let message = format!(
                "counts {} segments; message {reference} has {counted} (UNH to UNT): a segment was lost or added",
                count.map_or("no".to_owned(), |c| c.to_string())
            );
            self.envelope(s, message);
        }
    }

    fn unz(&mut self, s: &Segment) {
        let Some((reference, _)) = self.interchange.take() else {
            return self.envelope(s, "UNZ without UNB".into());
        };
        if s.get(2, 1) != Some(reference.as_str()) {
            self.envelope(s, format!("closes interchange {:?}, but {reference} is open", s.get(2, 1)));
        }
        // UNZ counts groups where there are any, messages otherwise.
        let expected = if self.groups > 0 { self.groups } else { self.messages_outside_groups };
        let count = s.get(1, 1).and_then(|n| n.parse::<u64>().ok());
        if count != Some(expected) {
            let what = if self.groups > 0 { "groups" } else { "messages" };
            self.envelope(s, format!("counts {count:?}; the interchange has {expected} {what}"));
        }
    }

    fn traveller(&mut self) -> Option<&mut Traveller> {
        match self.context {
            Context::Header => None,
            Context::Traveller | Context::Document => self.manifest.travellers.last_mut(),
        }
    }

    fn with_traveller(&mut self, f: impl FnOnce(&mut Traveller)) {
        if let Some(t) = self.traveller() {
            f(t);
        }
    }

    fn nad(&mut self, s: &Segment) {
        let role = match s.get(1, 1) {
            Some("FL") => Role::Passenger,
            Some("FM") => Role::Crew,
            Some("DDU") => Role::TransitPassenger,
            Some("DDT") => Role::TransitCrew,
            // The reporting party (MS) and others are no travellers.
            _ => {
                self.context = Context::Header;
                return;
            }
        };
        if self.manifest.travellers.len() >= MAX_TRAVELLERS {
            if !self.over_limit {
                self.over_limit = true;
                self.value(s, format!("more than {MAX_TRAVELLERS} travellers: the rest are not read"));
            }
            self.context = Context::Header;
            return;
        }
        let Some(surname) = s.get(4, 1).map(str::trim).filter(|s| !s.is_empty()) else {
            self.context = Context::Header;
            return self.value(s, "a traveller without a surname (NAD element 4, component 1)".into());
        };
        let given: Vec<&str> = (2..=6).filter_map(|c| s.get(4, c)).collect();
        self.message_travellers += 1;
        let message = self.message.as_ref().map(|(r, ..)| r.clone()).unwrap_or_default();
        self.manifest.travellers.push(Traveller {
            reference: format!("{message}/{}", self.message_travellers),
            role,
            surname: surname.to_owned(),
            given_names: given.join(" ").trim().to_owned(),
            sex: None,
            birth_date: None,
            nationality: None,
            documents: vec![],
            segment: s.position,
        });
        self.context = Context::Traveller;
    }

    fn att(&mut self, s: &Segment) {
        if s.get(1, 1) != Some("2") {
            return;
        }
        let sex = match s.get(3, 1) {
            Some("M") => Some(Sex::Male),
            Some("F") => Some(Sex::Female),
            Some("U" | "X") => Some(Sex::Unspecified),
            other => {
                self.value(s, format!("sex {other:?} is none of M, F, U, X"));
                None
            }
        };
        self.with_traveller(|t| t.sex = sex);
    }

    fn rff(&mut self, s: &Segment) {
        let (Some(qualifier), Some(value)) = (s.get(1, 1), s.get(1, 2)) else { return };
        let value = value.to_owned();
        let message_prefix = self.message.as_ref().map(|(r, ..)| format!("{r}/")).unwrap_or_default();
        self.with_traveller(|t| {
            // The passenger's own reference wins over the booking's, which
            // several travellers share.
            let generated = t.reference.starts_with(&message_prefix);
            match qualifier {
                "ABO" => t.reference = value,
                "AVF" if generated => t.reference = value,
                _ => {}
            }
        });
    }

    fn doc(&mut self, s: &Segment) {
        let Some(number) = s.get(2, 1) else {
            return self.value(s, "a document without a number (DOC element 2)".into());
        };
        let document = Document {
            kind: s.get(1, 1).unwrap_or_default().to_owned(),
            number: number.to_owned(),
            ..Document::default()
        };
        match self.traveller() {
            Some(t) => {
                t.documents.push(document);
                self.context = Context::Document;
            }
            None => self.value(s, "a document before any traveller".into()),
        }
    }

    fn loc(&mut self, s: &Segment) {
        let code = s.get(2, 1).map(str::to_owned);
        match (self.context, s.get(1, 1)) {
            (Context::Header, Some("125")) => self.manifest.flight.from = self.manifest.flight.from.take().or(code),
            (Context::Header, Some("87")) => self.manifest.flight.to = self.manifest.flight.to.take().or(code),
            (Context::Document, Some("91")) => {
                if let Some(d) = self.traveller().and_then(|t| t.documents.last_mut()) {
                    d.issuer = code;
                }
            }
            _ => {}
        }
    }

    fn dtm(&mut self, s: &Segment) {
        let (Some(qualifier), Some(value)) = (s.get(1, 1), s.get(1, 2)) else { return };
        let format = s.get(1, 3);
        match (self.context, qualifier) {
            (Context::Header, "189" | "232") => {
                let Some(at) = date_time(value, format) else {
                    return self.value(s, format!("`{value}` is no date and time (YYMMDDHHMM)"));
                };
                let flight = &mut self.manifest.flight;
                match qualifier {
                    "189" => flight.departs = flight.departs.or(Some(at)),
                    _ => flight.arrives = flight.arrives.or(Some(at)),
                }
                if qualifier == "189" || self.reference_date.is_none() {
                    self.reference_date = Some(at.date());
                }
            }
            (Context::Traveller | Context::Document, "329") => {
                let Some(born) = date(value, Century::Past, self.reference_date) else {
                    return self.value(s, format!("`{value}` is no birth date (YYMMDD)"));
                };
                self.with_traveller(|t| t.birth_date = Some(born));
            }
            (Context::Document, "36") => {
                let Some(expires) = date(value, Century::Future, self.reference_date) else {
                    return self.value(s, format!("`{value}` is no expiry date (YYMMDD)"));
                };
                if let Some(d) = self.traveller().and_then(|t| t.documents.last_mut()) {
                    d.expires = Some(expires);
                }
            }
            _ => {}
        }
    }

    fn cnt(&mut self, s: &Segment) {
        let (Some(qualifier), Some(count)) = (s.get(1, 1), s.get(1, 2)) else { return };
        if !matches!(qualifier, "41" | "42") {
            return;
        }
        if count.parse::<u64>().ok() != Some(self.message_travellers) {
            let travellers = self.message_travellers;
            self.envelope(s, format!("counts {count} travellers; the message has {travellers}"));
        }
    }
}

/// Which century a two-digit year is read in, against a reference date.
#[derive(Clone, Copy)]
enum Century {
    /// The latest year not after the reference (a birth date).
    Past,
    /// The earliest year not more than 50 years before it (an expiry).
    Future,
}

/// A date written `YYMMDD` (or `CCYYMMDD`).
fn date(value: &str, century: Century, reference: Option<Date>) -> Option<Date> {
    let digits = value.bytes().all(|b| b.is_ascii_digit());
    let number = |from: usize, to: usize| value.get(from..to).and_then(|s| s.parse::<i32>().ok());
    let (year, rest) = match value.len() {
        8 if digits => (number(0, 4)?, 4),
        6 | 10 | 12 if digits => {
            let yy = number(0, 2)?;
            let today = reference.map_or(2000, |d| d.year());
            let this_century = today - today.rem_euclid(100);
            let year = match century {
                Century::Past if this_century + yy > today => this_century - 100 + yy,
                Century::Past => this_century + yy,
                Century::Future if this_century + yy < today - 50 => this_century + 100 + yy,
                Century::Future => this_century + yy,
            };
            (year, 2)
        }
        _ => return None,
    };
    let month = Month::try_from(u8::try_from(number(rest, rest + 2)?).ok()?).ok()?;
    let day = u8::try_from(number(rest + 2, rest + 4)?).ok()?;
    Date::from_calendar_date(year, month, day).ok()
}

/// A date and time written `YYMMDDHHMM` (format 201) or `CCYYMMDDHHMM`
/// (203).
fn date_time(value: &str, format: Option<&str>) -> Option<PrimitiveDateTime> {
    // Digits only, so every slice below falls between characters.
    if !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (day, time) = match (format, value.len()) {
        (Some("203"), 12) | (None, 12) => (&value[..8], &value[8..]),
        (Some("201") | None, 10) => (&value[..6], &value[6..]),
        _ => return None,
    };
    let day = date(day, Century::Future, None)?;
    let number = |s: &str| s.parse::<u8>().ok();
    let time = Time::from_hms(number(time.get(..2)?)?, number(time.get(2..4)?)?, 0).ok()?;
    Some(PrimitiveDateTime::new(day, time))
}

#[cfg(test)]
mod tests;
