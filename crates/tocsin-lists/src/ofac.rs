//! OFAC's SDN list in its legacy CSV files.
//!
//! `sdn.csv` has no header row and twelve columns: `ent_num, SDN_Name,
//! SDN_Type, Program, Title, Call_Sign, Vess_type, Tonnage, GRT, Vess_flag,
//! Vess_owner, Remarks`. Nulls are the literal `-0- `, lines end in CRLF and
//! the file ends with a Ctrl-Z (0x1A) byte. Person names are `LAST, First`.
//! Everything else about a subject is free text in `Remarks` (`DOB 23 Nov
//! 1962; POB Caracas, Venezuela; a.k.a. 'X'; Passport 123 (Country)`), which
//! continues in `sdn_comments.csv` when it is too long for the field.
//! `alt.csv` (`ent_num, alt_num, alt_type, alt_name, alt_remarks`) holds
//! more names.
//!
//! Vessels and aircraft are kept as organizations tagged `vessel` or
//! `aircraft`, so a screened name still finds them.

use std::collections::HashMap;
use std::io::BufRead;

use time::Date;
use tocsin_core::record::{
    AccessRule, Handling, HandlingCode, IdentityDocument, Kind, NameInput, NameType, RecordInput, Sex,
};

use crate::{Collector, Error, Format, Parsed, add_name, country, date, doc_type, document, tidy};

/// The SDN files of one publication. Only `sdn` is required.
pub struct OfacFiles<'a> {
    /// `sdn.csv`.
    pub sdn: Box<dyn BufRead + 'a>,
    /// `alt.csv`, the alternate names.
    pub alt: Option<Box<dyn BufRead + 'a>>,
    /// `sdn_comments.csv`, the continuations of long remarks.
    pub comments: Option<Box<dyn BufRead + 'a>>,
}

/// Columns of `sdn.csv`.
const SDN_COLUMNS: usize = 12;

/// One row of `sdn.csv`, with what the other files add.
struct Row {
    line: u64,
    ent_num: String,
    name: String,
    sdn_type: Option<String>,
    programs: Option<String>,
    vessel_flag: Option<String>,
    remarks: String,
    alt_names: Vec<(String, NameType)>,
}

pub(crate) fn parse(files: OfacFiles<'_>, today: Date) -> Result<Parsed, Error> {
    let mut out = Collector::new(Format::OfacSdn, today);
    let mut rows = Vec::new();
    read_csv(&out, "sdn.csv", files.sdn, SDN_COLUMNS, |line, f| {
        rows.push(Row {
            line,
            ent_num: f[0].clone().unwrap_or_default(),
            name: f[1].clone().unwrap_or_default(),
            sdn_type: f[2].clone(),
            programs: f[3].clone(),
            vessel_flag: f[9].clone(),
            remarks: f[11].clone().unwrap_or_default(),
            alt_names: vec![],
        });
    })?;
    let by_ent: HashMap<String, usize> = rows.iter().enumerate().map(|(i, r)| (r.ent_num.clone(), i)).collect();
    if let Some(comments) = files.comments {
        read_csv(&out, "sdn_comments.csv", comments, 2, |_, f| {
            if let (Some(ent), Some(more)) = (&f[0], &f[1])
                && let Some(&i) = by_ent.get(ent)
            {
                rows[i].remarks.push_str(more);
            }
        })?;
    }
    if let Some(alt) = files.alt {
        read_csv(&out, "alt.csv", alt, 5, |_, f| {
            if let (Some(ent), Some(name)) = (&f[0], &f[3])
                && let Some(&i) = by_ent.get(ent)
            {
                rows[i].alt_names.push((name.clone(), NameType::Alias));
            }
        })?;
    }
    for row in rows {
        entry(&mut out, row);
    }
    Ok(out.out)
}

/// Reads a headerless OFAC CSV of `columns` columns, handing each row's
/// fields (`None` for the `-0-` null) and line number to `row`. A row of
/// another width is an error naming its line.
fn read_csv(
    out: &Collector,
    file: &str,
    input: Box<dyn BufRead + '_>,
    columns: usize,
    mut row: impl FnMut(u64, Vec<Option<String>>),
) -> Result<(), Error> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(NoCr(input));
    let mut record = csv::ByteRecord::new();
    loop {
        let line = reader.position().line();
        let at = |line: u64| format!("{file} line {line}");
        match reader.read_byte_record(&mut record) {
            Ok(false) => return Ok(()),
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(line, |p| p.line());
                return Err(out.error(at(line), e.to_string()));
            }
        }
        let line = record.position().map_or(line, |p| p.line());
        // The Ctrl-Z that ends the file, and blank lines.
        if record.len() == 1 && record.get(0).is_some_and(|f| f.iter().all(|b| *b == 0x1a || b.is_ascii_whitespace())) {
            continue;
        }
        if record.len() != columns {
            return Err(out.error(at(line), format!("{} columns where {file} has {columns}", record.len())));
        }
        let fields = record
            .iter()
            .map(|f| {
                let s = std::str::from_utf8(f)
                    .map(str::to_owned)
                    .unwrap_or_else(|_| f.iter().map(|&b| char::from(b)).collect());
                match s.trim() {
                    "-0-" | "" => None,
                    t => Some(t.to_owned()),
                }
            })
            .collect();
        row(line, fields);
    }
}

/// Drops carriage returns, so CRLF files count lines as LF ones do (the csv
/// crate dates a row from before the LF that follows a CR).
struct NoCr<R>(R);

impl<R: std::io::Read> std::io::Read for NoCr<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            let n = self.0.read(buf)?;
            if n == 0 {
                return Ok(0);
            }
            let mut kept = 0;
            for i in 0..n {
                if buf[i] != b'\r' {
                    buf[kept] = buf[i];
                    kept += 1;
                }
            }
            if kept > 0 {
                return Ok(kept);
            }
        }
    }
}

/// `LAST, First` → `First LAST`; other names as they are.
fn person_name(name: &str) -> String {
    match name.split_once(", ") {
        Some((last, first)) if !first.trim().is_empty() => format!("{} {}", first.trim(), last.trim()),
        _ => name.to_owned(),
    }
}

fn entry(out: &mut Collector, row: Row) {
    let at = format!("sdn.csv line {}", row.line);
    let kind = row.sdn_type.as_deref().map(str::to_lowercase);
    let person = kind.as_deref() == Some("individual");
    let mut input = RecordInput::new(if person { Kind::Person } else { Kind::Organization });
    let remarks = Remarks::read(&row.remarks);
    let as_name = |n: &str| if person { person_name(n) } else { n.to_owned() };

    let mut names: Vec<NameInput> = vec![];
    add_name(&mut names, &as_name(&row.name), NameType::Primary);
    for (n, t) in remarks.names.iter().chain(&row.alt_names) {
        add_name(&mut names, &as_name(n), *t);
    }
    if names.is_empty() {
        return out.skip(at, Some(&row.ent_num), "the entry has no name");
    }
    names.truncate(tocsin_core::limits::NAMES);
    input.names = Some(names);

    let mut tags = vec!["ofac_sdn".to_owned()];
    match kind.as_deref() {
        Some("vessel") => tags.push("vessel".to_owned()),
        Some("aircraft") => tags.push("aircraft".to_owned()),
        _ => {}
    }
    let programs: Vec<String> =
        row.programs.as_deref().unwrap_or_default().split(['[', ']']).filter_map(tidy).collect();
    tags.extend(programs.iter().map(|p| format!("ofac_program:{p}")));

    if person {
        input.birth_dates = Some(remarks.birth_dates);
        input.birth_place = remarks.birth_place;
        input.nationalities = Some(remarks.nationalities);
        input.sex = remarks.sex;
        input.documents = Some(remarks.documents);
    } else {
        let flag = row.vessel_flag.as_deref().and_then(country);
        input.countries = Some(flag.into_iter().chain(remarks.nationalities).collect());
    }
    let programs = match programs.is_empty() {
        true => String::new(),
        false => format!(" (programs {})", programs.join(", ")),
    };
    input.handling = Some(Handling {
        code: HandlingCode::Inform,
        instructions: Some(format!(
            "On the US OFAC SDN list{programs}: property blocked, dealings prohibited. Report the hit to the owner."
        )),
    });
    input.access = Some(AccessRule::All);
    tags.truncate(tocsin_core::limits::LIST_ITEMS);
    input.tags = Some(tags);
    out.push(at, &row.ent_num.clone(), input);
}

/// What the `Remarks` column says about a subject.
#[derive(Debug, Default, PartialEq)]
struct Remarks {
    names: Vec<(String, NameType)>,
    birth_dates: Vec<tocsin_core::PartialDate>,
    birth_place: Option<String>,
    nationalities: Vec<tocsin_core::CountryCode>,
    sex: Option<Sex>,
    documents: Vec<IdentityDocument>,
}

/// Remark labels that carry an identity document number, with the type.
const DOCUMENT_LABELS: &[&str] = &[
    "Passport",
    "Diplomatic Passport",
    "National ID No.",
    "Identification Number",
    "Cedula No.",
    "Personal ID Card",
    "D.N.I.",
    "Driver's License No.",
    "Residency Number",
    "Electoral Registry No.",
];

impl Remarks {
    fn read(text: &str) -> Remarks {
        let mut r = Remarks::default();
        for seg in text.split(';') {
            let seg = seg.trim().trim_end_matches('.').trim();
            let seg = seg.strip_prefix("alt. ").unwrap_or(seg);
            if let Some(v) = seg.strip_prefix("DOB ") {
                for d in date::ofac(v) {
                    if !r.birth_dates.contains(&d) {
                        r.birth_dates.push(d);
                    }
                }
            } else if let Some(v) = seg.strip_prefix("POB ") {
                r.birth_place.get_or_insert_with(|| v.trim().to_owned());
            } else if let Some(v) = seg.strip_prefix("nationality ").or_else(|| seg.strip_prefix("citizen ")) {
                if let Some(c) = country(v)
                    && !r.nationalities.contains(&c)
                {
                    r.nationalities.push(c);
                }
            } else if let Some(v) = seg.strip_prefix("Gender ") {
                r.sex = match v.trim() {
                    "Male" => Some(Sex::Male),
                    "Female" => Some(Sex::Female),
                    _ => r.sex,
                };
            } else if let Some(v) = ["a.k.a. ", "f.k.a. ", "n.k.a. "].iter().find_map(|p| seg.strip_prefix(p)) {
                let name = v.trim().trim_start_matches('\'').trim_end_matches('\'');
                r.names.push((name.to_owned(), NameType::Alias));
            } else if let Some(d) = DOCUMENT_LABELS
                .iter()
                .find_map(|l| Some((*l, seg.strip_prefix(l)?.strip_prefix(' ')?)))
                .and_then(|(label, v)| remark_document(label, v))
            {
                r.documents.push(d);
            }
        }
        r
    }
}

/// `123 456 (Egypt) issued 2001 expires 2011` → number `123456`, issuer EGY.
fn remark_document(label: &str, v: &str) -> Option<IdentityDocument> {
    let (number, rest) = match v.find(" (") {
        Some(i) => (&v[..i], &v[i + 2..]),
        None => (v.split(" issued").next().unwrap_or(v).split(" expires").next().unwrap_or(v), ""),
    };
    let issuer = rest.split(')').next().and_then(country);
    document(number.trim(), issuer, Some(label)).map(|mut d| {
        d.doc_type = doc_type(label);
        d
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 23);

    fn parse_str(sdn: &str) -> Result<Parsed, Error> {
        parse(OfacFiles { sdn: Box::new(sdn.as_bytes()), alt: None, comments: None }, TODAY)
    }

    #[test]
    fn reads_rows_with_every_quirk() {
        let sdn = "2676,\"AL ZAWAHIRI, Dr. Ayman\",\"individual\",\"SDGT\",\"Leader\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,\
                   \"DOB 19 Jun 1951; alt. DOB circa 1952; POB Giza, Egypt; Passport 1084010 (Egypt); alt. Passport 19820215; \
                   nationality Egypt; Gender Male; a.k.a. 'ABU MUHAMMAD'; National ID No. 660000 73767 (Belgium).\"\r\n\
                   306,\"BANCO NACIONAL DE CUBA\",-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,\"a.k.a. 'BNC'.\"\r\n\
                   15036,\"ARTAVIL\",\"vessel\",\"IRAN] [IRGC\",-0- ,\"9HA1234\",\"Crude Oil Tanker\",-0- ,-0- ,\"Malta\",-0- ,-0- \r\n\u{1a}";
        let p = parse_str(sdn).expect("parses");
        assert_eq!(p.skipped, vec![]);
        let person = serde_json::to_value(&p.entries[0]).expect("json");
        assert_eq!(person["names"][0]["full"], "Dr. Ayman AL ZAWAHIRI");
        assert_eq!(person["names"][1]["full"], "ABU MUHAMMAD");
        assert_eq!(person["birth_dates"], serde_json::json!(["1951-06-19", "1952"]));
        assert_eq!(person["birth_place"], "Giza, Egypt");
        assert_eq!(person["nationalities"], serde_json::json!(["EGY"]));
        assert_eq!(person["sex"], "male");
        assert_eq!(
            person["documents"],
            serde_json::json!([
                {"number": "1084010", "country": "EGY", "type": "passport"},
                {"number": "19820215", "type": "passport"},
                {"number": "66000073767", "country": "BEL", "type": "national_id"}
            ])
        );
        assert_eq!(person["source"], serde_json::json!({"list": "ofac-sdn", "id": "2676"}));
        let bank = serde_json::to_value(&p.entries[1]).expect("json");
        assert_eq!(bank["kind"], "organization");
        assert_eq!(bank["names"][1]["full"], "BNC");
        let vessel = serde_json::to_value(&p.entries[2]).expect("json");
        assert_eq!(vessel["countries"], serde_json::json!(["MLT"]));
        assert_eq!(vessel["tags"], serde_json::json!(["ofac_sdn", "vessel", "ofac_program:IRAN", "ofac_program:IRGC"]));
    }

    #[test]
    fn companion_files_add_names_and_remarks() {
        let sdn =
            "10,\"DOE, John\",\"individual\",\"SDGT\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,\"DOB 1960; POB Ro\"\r\n";
        let comments = "10,\"me, Italy; Passport X1 (Italy).\"\r\n";
        let alt = "10,1,\"aka\",\"ROE, Johnny\",-0- \r\n99,2,\"aka\",\"NOBODY\",-0- \r\n";
        let files = OfacFiles {
            sdn: Box::new(sdn.as_bytes()),
            alt: Some(Box::new(alt.as_bytes())),
            comments: Some(Box::new(comments.as_bytes())),
        };
        let p = parse(files, TODAY).expect("parses");
        let v = serde_json::to_value(&p.entries[0]).expect("json");
        assert_eq!(v["birth_place"], "Rome, Italy");
        assert_eq!(v["documents"][0]["number"], "X1");
        assert_eq!(v["names"][1]["full"], "Johnny ROE");
    }

    #[test]
    fn a_wrong_column_count_names_its_line() {
        let sdn = "1,\"A\",-0- ,\"X\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n2,\"B\",-0- \r\n";
        let e = parse_str(sdn).expect_err("short row");
        assert_eq!(e.at, "sdn.csv line 2", "{e}");
        assert!(e.message.contains("3 columns"), "{e}");
        let e = parse_str(&sdn.replace("\r\n", "\n")).expect_err("short row");
        assert_eq!(e.at, "sdn.csv line 2", "with LF: {e}");
        let e = parse_str(&format!("{}{sdn}", sdn.lines().next().map(|l| format!("{l}\n")).unwrap_or_default()))
            .expect_err("short row");
        assert_eq!(e.at, "sdn.csv line 3", "{e}");
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;
    use time::macros::date;

    use super::*;

    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

    fn row(ent: u32, name: &str, remarks: &str) -> String {
        let q = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
        format!("{ent},{},\"individual\",\"SDGT\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,{}\r\n", q(name), q(remarks))
    }

    proptest! {
        /// Whatever the remarks say, a row parses; a DOB written OFAC's way
        /// comes back at day precision; the name is turned to `First LAST`.
        #[test]
        fn rows_parse_and_keep_their_birth_date(
            ent in 1u32..1_000_000,
            last in "[A-Z]{2,12}",
            first in "[A-Z][a-z]{1,10}",
            noise in "[ -~]{0,80}",
            y in 1900i32..2020, m in 1usize..=12, d in 1u8..=28,
        ) {
            let remarks = format!("{noise}; DOB {d:02} {} {y}; {noise}", MONTHS[m - 1]);
            let text = row(ent, &format!("{last}, {first}"), &remarks);
            let files = OfacFiles { sdn: Box::new(text.as_bytes()), alt: None, comments: None };
            let p = parse(files, date!(2026 - 11 - 23)).expect("a 12-column row parses");
            prop_assert_eq!(p.entries.len(), 1);
            let v = serde_json::to_value(&p.entries[0]).expect("json");
            let want = format!("{first} {last}");
            prop_assert_eq!(v["names"][0]["full"].as_str(), Some(want.as_str()));
            let dob = format!("{y}-{m:02}-{d:02}");
            prop_assert!(v["birth_dates"].as_array().is_some_and(|a| a.iter().any(|x| x == dob.as_str())), "{}", v);
        }

        /// Arbitrary bytes never panic the reader.
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let files = OfacFiles { sdn: Box::new(&bytes[..]), alt: None, comments: None };
            let _ = parse(files, date!(2026 - 11 - 23));
        }
    }
}
