//! Published lists into Tocsin records.
//!
//! One parser per format, each reading a stream (`impl BufRead`) entry by
//! entry, never the whole file at once:
//!
//! - [`Format::UnSanctions`]: the UN Security Council Consolidated List (XML);
//! - [`Format::OfacSdn`]: OFAC's SDN list in its legacy CSV files (`sdn.csv`,
//!   with `alt.csv` and `sdn_comments.csv` when given);
//! - [`Format::InterpolNotices`]: JSON shaped as INTERPOL's public notices API
//!   (red, yellow and UN lists and details);
//! - [`Format::Ftm`]: FollowTheMoney entities as JSON lines.
//!
//! Each entry becomes a [`RecordInput`](tocsin_core::record::RecordInput)
//! validated exactly as a client's would be, carrying a
//! [`Source`](tocsin_core::record::Source) (the list and the entry's own
//! reference) so a re-import finds it again. An entry that cannot be a record
//! (no name, an unknown kind) is skipped with its position and the reason; a
//! file that cannot be read (truncated XML, a wrong column count, binary
//! garbage) is an [`Error`] naming the position, and nothing is imported.
//! The diff against the store is the store's job (`tocsin_store::ImportReport`).

mod country;
mod date;
mod ftm;
mod interpol;
mod ofac;
mod un;

use std::fmt;
use std::io::BufRead;
use std::str::FromStr;

use serde::Serialize;
use time::Date;
use tocsin_core::record::{DocumentType, IdentityDocument, RecordData, RecordInput, Source};
use tocsin_core::{CountryCode, DocumentNumber};

pub use country::{alpha2, country};
pub use ofac::OfacFiles;

/// The list formats Tocsin imports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// UN Security Council Consolidated List, XML.
    UnSanctions,
    /// US OFAC SDN list, legacy CSV.
    OfacSdn,
    /// INTERPOL public notices, JSON.
    InterpolNotices,
    /// FollowTheMoney entities, JSON lines.
    Ftm,
}

impl Format {
    /// Every format, in the order the CLI lists them.
    pub const ALL: [Format; 4] = [Format::UnSanctions, Format::OfacSdn, Format::InterpolNotices, Format::Ftm];

    /// The format's name, also the `source.list` of what it imports.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::UnSanctions => "un-sanctions",
            Format::OfacSdn => "ofac-sdn",
            Format::InterpolNotices => "interpol-notices",
            Format::Ftm => "ftm",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Format, String> {
        Format::ALL.into_iter().find(|f| f.as_str() == s).ok_or_else(|| {
            let names: Vec<_> = Format::ALL.iter().map(|f| f.as_str()).collect();
            format!("`{}` is not a list format ({})", s.escape_debug(), names.join(", "))
        })
    }
}

/// A file that cannot be read as its format. Nothing from it is imported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{format} at {at}: {message}")]
pub struct Error {
    /// The format being read.
    pub format: Format,
    /// Where: `line 12`, `byte 4711`, `sdn_comments.csv line 3`.
    pub at: String,
    /// What is wrong.
    pub message: String,
}

/// An entry left out of an import, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Skip {
    /// Where it is in the file (`line 12`, `INDIVIDUAL 7`).
    pub at: String,
    /// The entry's reference, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Why it was left out.
    pub reason: String,
}

/// What a parser read.
#[derive(Debug, Default)]
pub struct Parsed {
    /// The entries, validated, each with its `source`.
    pub entries: Vec<RecordData>,
    /// The entries left out.
    pub skipped: Vec<Skip>,
    /// Notices the list's publisher issues on its entries (the UN list: a
    /// UN Special Notice per entry), each on the entry of `source_id`.
    pub notices: Vec<ListedNotice>,
}

/// A notice a list publishes on one of its entries.
#[derive(Debug, Clone, PartialEq)]
pub struct ListedNotice {
    /// The entry's reference (its `source.id`).
    pub source_id: String,
    /// The notice's type.
    pub notice_type: tocsin_core::notice::NoticeType,
    /// Its content, without `record_ids` (the store fills them in).
    pub content: tocsin_core::notice::NoticeContent,
}

/// Reads a list of `format` from `input`. `today` sets the records' review
/// date, as for any record created today.
pub fn parse(format: Format, input: impl BufRead, today: Date) -> Result<Parsed, Error> {
    match format {
        Format::UnSanctions => un::parse(input, today),
        Format::OfacSdn => ofac::parse(OfacFiles { sdn: Box::new(input), alt: None, comments: None }, today),
        Format::InterpolNotices => interpol::parse(input, today),
        Format::Ftm => ftm::parse(input, today),
    }
}

/// Reads the OFAC SDN list with its companion files.
pub fn parse_ofac(files: OfacFiles<'_>, today: Date) -> Result<Parsed, Error> {
    ofac::parse(files, today)
}

/// Collects entries: validates each, refuses a reference seen before, and
/// records every skip with its reason.
struct Collector {
    format: Format,
    today: Date,
    seen: std::collections::HashSet<String>,
    out: Parsed,
}

impl Collector {
    fn new(format: Format, today: Date) -> Collector {
        Collector { format, today, seen: Default::default(), out: Parsed::default() }
    }

    fn skip(&mut self, at: impl Into<String>, id: Option<&str>, reason: impl Into<String>) {
        self.out.skipped.push(Skip { at: at.into(), id: id.map(str::to_owned), reason: reason.into() });
    }

    /// Validates `input` as the entry `id` found `at`; whether it was kept.
    fn push(&mut self, at: impl Into<String>, id: &str, mut input: RecordInput) -> bool {
        let at = at.into();
        if id.trim().is_empty() {
            self.skip(at, None, "the entry has no reference");
            return false;
        }
        if !self.seen.insert(id.to_owned()) {
            self.skip(at, Some(id), "the same reference appeared earlier in the file");
            return false;
        }
        input.source = Some(Source { list: self.format.as_str().to_owned(), id: id.to_owned() });
        match input.validate(self.today) {
            Ok(data) => {
                self.out.entries.push(data);
                true
            }
            Err(e) => {
                self.skip(at, Some(id), e.to_string());
                false
            }
        }
    }

    fn error(&self, at: impl Into<String>, message: impl Into<String>) -> Error {
        Error { format: self.format, at: at.into(), message: message.into() }
    }
}

/// Trims and collapses inner white space (newlines inside values included);
/// `None` when nothing is left.
fn tidy(s: &str) -> Option<String> {
    let t = s.split_whitespace().collect::<Vec<_>>().join(" ");
    (!t.is_empty()).then_some(t)
}

/// Pushes `name` onto `names` unless an equal form (ignoring case) is there.
fn add_name(names: &mut Vec<tocsin_core::record::NameInput>, full: &str, kind: tocsin_core::record::NameType) {
    let Some(full) = tidy(full) else { return };
    if names.iter().any(|n| n.full.to_lowercase() == full.to_lowercase()) {
        return;
    }
    names.push(tocsin_core::record::NameInput { full, name_type: Some(kind), script: None });
}

/// An identity document from a list's number, issuer and type label; `None`
/// when the number is not one (the rest of the entry is kept).
fn document(number: &str, country: Option<CountryCode>, label: Option<&str>) -> Option<IdentityDocument> {
    let number = DocumentNumber::parse(number).or_else(|_| DocumentNumber::parse(&number_in(number))).ok()?;
    Some(IdentityDocument { number, country, doc_type: label.map(doc_type).unwrap_or(DocumentType::Other) })
}

/// The number inside prose such as `Diplomatic Passport: Z30321794`,
/// `381110042 (Expired 25 Jan. 2016)`, `R00012098, South Sudan` or `German
/// travel document ("Reiseausweis") A 0139243`: the last words that hold a
/// digit, with a short prefix of capitals before them.
fn number_in(text: &str) -> String {
    let mut plain = String::with_capacity(text.len());
    let mut depth = 0usize;
    for c in text.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            c if depth == 0 => plain.push(c),
            _ => {}
        }
    }
    let plain = plain.split(',').next().unwrap_or_default();
    let plain = plain.rsplit(':').next().unwrap_or_default();
    let mut taken: Vec<&str> = vec![];
    for word in plain.split_whitespace().rev() {
        let word = word.trim_start_matches("N°").trim_start_matches("No.");
        let short_caps = word.len() <= 2 && word.chars().all(|c| c.is_ascii_uppercase());
        if word.chars().any(|c| c.is_ascii_digit()) || (short_caps && !taken.is_empty()) {
            taken.push(word);
        } else {
            break;
        }
    }
    taken.reverse();
    taken.join(" ")
}

/// A document type from a label in English, French or Spanish.
fn doc_type(label: &str) -> DocumentType {
    let l = label.to_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| l.contains(w));
    if has(&["passport", "passeport", "pasaporte"]) {
        DocumentType::Passport
    } else if has(&[
        "national id",
        "identification",
        "identity",
        "identité",
        "identidad",
        "cedula",
        "cédula",
        "national no",
    ]) {
        DocumentType::NationalId
    } else if has(&["driv", "permis de conduire", "licencia de conduc"]) {
        DocumentType::DrivingLicence
    } else if has(&["residen"]) {
        DocumentType::ResidencePermit
    } else if has(&["visa"]) {
        DocumentType::Visa
    } else {
        DocumentType::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_round_trip_their_names() {
        for f in Format::ALL {
            assert_eq!(f.as_str().parse::<Format>(), Ok(f));
        }
        assert!("un".parse::<Format>().expect_err("unknown").contains("un-sanctions, ofac-sdn"));
    }

    #[test]
    fn finds_the_number_in_prose() {
        for (text, want) in [
            ("Diplomatic Passport: Z30321794", "Z30321794"),
            ("381110042 (Expired 25 Jan. 2016)", "381110042"),
            ("R00012098, South Sudan", "R00012098"),
            ("German travel document (“Reiseausweis”) A 0139243", "A 0139243"),
            ("Social Security Number 423-31-3021 (US)", "423-31-3021"),
            ("Afghan national identification card (tazkira) number 300786", "300786"),
            ("no number here", ""),
        ] {
            assert_eq!(number_in(text), want, "{text}");
        }
    }

    #[test]
    fn tidy_collapses_white_space() {
        assert_eq!(tidy(" National Identification\n      Number "), Some("National Identification Number".into()));
        assert_eq!(tidy(" \n "), None);
    }
}
