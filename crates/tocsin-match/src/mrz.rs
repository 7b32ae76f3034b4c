//! ICAO Doc 9303 machine-readable zones.
//!
//! [`parse`] takes the lines of an MRZ and reports every field and the
//! result of every check digit. A failed check is reported, not fatal: the
//! caller (screening) still uses the fields and says which check failed.
//! Structural problems (wrong number or length of lines, characters outside
//! `A-Z 0-9 <`) are errors naming the line and position.
//!
//! Formats (Doc 9303 Parts 4 to 7): TD3 (passports, 2 × 44), TD2 (2 × 36),
//! TD1 (ID cards, 3 × 30), MRV-A (visas, 2 × 44) and MRV-B (visas, 2 × 36).
//! Long document numbers (more than 9 characters) in TD1 and TD2 are read
//! from the optional data field, as Part 5 §4.2.4 describes: a `<` in the
//! check digit position, the rest of the number and its check digit at the
//! start of the optional data.

use serde::Serialize;
use tocsin_core::{CountryCode, PartialDate};

/// The MRZ formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING-KEBAB-CASE")]
pub enum Format {
    /// Size-1 cards, 3 lines of 30.
    Td1,
    /// Size-2 documents, 2 lines of 36.
    Td2,
    /// Passport booklets, 2 lines of 44.
    Td3,
    /// Visas, 2 lines of 44.
    MrvA,
    /// Visas, 2 lines of 36.
    MrvB,
}

/// A structural error: the input is not an MRZ.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MrzError {
    /// The line count or lengths match no format.
    #[error("an MRZ has 2 lines of 44 (TD3, MRV-A) or 36 (TD2, MRV-B) characters, or 3 lines of 30 (TD1); got {0}")]
    Shape(String),
    /// A character outside `A-Z`, `0-9` and `<`.
    #[error("line {line}, position {position}: `{found}` is not an MRZ character (A-Z, 0-9, <)")]
    Character {
        /// 1-based line.
        line: usize,
        /// 1-based position in the line.
        position: usize,
        /// The character found.
        found: char,
    },
}

/// One check digit and whether it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Check {
    /// What it protects: `document_number`, `birth_date`, `expiry_date`,
    /// `optional_data` or `composite`.
    pub field: &'static str,
    /// The digit printed in the MRZ (`<` counts as 0).
    pub found: char,
    /// The digit computed from the field.
    pub computed: char,
    /// Whether they agree.
    pub valid: bool,
}

/// A date field: the six digits as printed and the date they stand for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct MrzDate {
    /// `YYMMDD` as printed.
    pub raw: String,
    /// The date with its century, when the digits form one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<PartialDate>,
}

/// Every field of a parsed MRZ.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Mrz {
    /// The format recognized.
    pub format: Format,
    /// Document code (`P`, `PA`, `I`, `ID`, `V`, …), fillers removed.
    pub document_code: String,
    /// Issuing state or organization as printed (`UTO`, `D`).
    pub issuing_state: String,
    /// The issuing state as an ISO 3166-1 alpha-3 code (`D` → `DEU`), when it is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuing_country: Option<CountryCode>,
    /// Document number, fillers removed, long numbers joined.
    pub document_number: String,
    /// Nationality as printed.
    pub nationality: String,
    /// Nationality as an alpha-3 code (`D` → `DEU`), when it is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nationality_country: Option<CountryCode>,
    /// Date of birth.
    pub birth_date: MrzDate,
    /// `M`, `F`, or `X` / `<` for unspecified.
    pub sex: char,
    /// Date of expiry.
    pub expiry_date: MrzDate,
    /// Primary identifier (surname), `<` turned into spaces.
    pub primary_identifier: String,
    /// Secondary identifier (given names), `<` turned into spaces.
    pub secondary_identifier: String,
    /// Optional data fields, fillers removed (TD1 has two).
    pub optional_data: Vec<String>,
    /// Every check digit, in the order Doc 9303 lists them.
    pub checks: Vec<Check>,
}

impl Mrz {
    /// Whether every check digit holds.
    pub fn valid(&self) -> bool {
        self.checks.iter().all(|c| c.valid)
    }

    /// The holder's name as `given names surname`.
    pub fn full_name(&self) -> String {
        [self.secondary_identifier.as_str(), self.primary_identifier.as_str()]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// The value of an MRZ character in check-digit arithmetic.
fn value(c: u8) -> u32 {
    match c {
        b'0'..=b'9' => u32::from(c - b'0'),
        b'A'..=b'Z' => u32::from(c - b'A') + 10,
        _ => 0,
    }
}

/// The Doc 9303 check digit of `field`: weights 7, 3, 1 repeating, modulo 10.
pub fn check_digit(field: &[u8]) -> char {
    let sum: u32 = field.iter().zip([7, 3, 1].iter().cycle()).map(|(c, w)| value(*c) * w).sum();
    char::from(b'0' + (sum % 10) as u8)
}

fn check(field: &'static str, data: &[u8], digit: u8) -> Check {
    let computed = check_digit(data);
    let found = char::from(digit);
    // A filler in the check position stands for 0 (Doc 9303 Part 3 §4.9).
    let valid = computed == found || (digit == b'<' && computed == '0');
    Check { field, found, computed, valid }
}

/// Text of a field with fillers trimmed from the end and the rest as spaces.
fn text(field: &[u8]) -> String {
    let s: String = field.iter().map(|&c| if c == b'<' { ' ' } else { char::from(c) }).collect();
    s.trim_end().to_owned()
}

/// Splits the name field into primary and secondary identifiers.
fn names(field: &[u8]) -> (String, String) {
    let s = String::from_utf8_lossy(field);
    let (primary, secondary) = s.split_once("<<").unwrap_or((&s, ""));
    let clean = |p: &str| p.split('<').filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ");
    (clean(primary), clean(secondary))
}

/// The alpha-3 code of a state field (`D<<` is Germany).
fn country(field: &str) -> Option<CountryCode> {
    match field {
        "D" => CountryCode::parse("DEU").ok(),
        f => CountryCode::parse(f).ok(),
    }
}

/// `YYMMDD` with a century: birth dates are never in the future relative to
/// `this_year`; expiry dates are taken within 2000–2099.
fn date(raw: &[u8], birth: bool, this_year: i32) -> MrzDate {
    let raw_s = String::from_utf8_lossy(raw).into_owned();
    let digits = raw.iter().all(u8::is_ascii_digit);
    let date = digits.then(|| {
        let yy = i32::from(raw[0] - b'0') * 10 + i32::from(raw[1] - b'0');
        let year = if birth && 2000 + yy > this_year { 1900 + yy } else { 2000 + yy };
        let s = format!("{year:04}-{}-{}", &raw_s[2..4], &raw_s[4..6]);
        PartialDate::parse(&s).ok()
    });
    MrzDate { raw: raw_s, date: date.flatten() }
}

/// Parses an MRZ given as lines (surrounding whitespace ignored, lower case
/// accepted). `this_year` decides the century of birth dates.
pub fn parse(lines: &[&str], this_year: i32) -> Result<Mrz, MrzError> {
    let lines: Vec<Vec<u8>> = lines.iter().map(|l| l.trim().to_ascii_uppercase().into_bytes()).collect();
    for (i, l) in lines.iter().enumerate() {
        if let Some(p) = l.iter().position(|c| !(c.is_ascii_uppercase() || c.is_ascii_digit() || *c == b'<')) {
            let found = String::from_utf8_lossy(&l[p..]).chars().next().unwrap_or('?');
            return Err(MrzError::Character { line: i + 1, position: p + 1, found });
        }
    }
    let lens: Vec<usize> = lines.iter().map(Vec::len).collect();
    let visa = lines.first().is_some_and(|l| l.first() == Some(&b'V'));
    match (lens.as_slice(), visa) {
        ([44, 44], false) => Ok(two_line(&lines[0], &lines[1], Format::Td3, this_year)),
        ([44, 44], true) => Ok(two_line(&lines[0], &lines[1], Format::MrvA, this_year)),
        ([36, 36], false) => Ok(two_line(&lines[0], &lines[1], Format::Td2, this_year)),
        ([36, 36], true) => Ok(two_line(&lines[0], &lines[1], Format::MrvB, this_year)),
        ([30, 30, 30], _) => Ok(td1(&lines[0], &lines[1], &lines[2], this_year)),
        _ => Err(MrzError::Shape(format!(
            "{} line(s) of length {}",
            lens.len(),
            lens.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
        ))),
    }
}

/// Where a layout keeps the fields every format has.
struct Fields<'a> {
    code: &'a [u8],
    state: &'a [u8],
    nationality: &'a [u8],
    birth: &'a [u8],
    sex: u8,
    expiry: &'a [u8],
    names: &'a [u8],
}

/// A field's text with fillers removed at both ends.
fn field(f: &[u8]) -> String {
    text(f).trim().to_owned()
}

/// The parsed MRZ from a layout's fields and what it parsed itself.
fn assemble(
    format: Format,
    f: &Fields<'_>,
    number: String,
    optional_data: Vec<String>,
    checks: Vec<Check>,
    this_year: i32,
) -> Mrz {
    let (primary_identifier, secondary_identifier) = names(f.names);
    let (issuing_state, nationality) = (field(f.state), field(f.nationality));
    Mrz {
        format,
        document_code: field(f.code),
        issuing_country: country(&issuing_state),
        issuing_state,
        document_number: number,
        nationality_country: country(&nationality),
        nationality,
        birth_date: date(f.birth, true, this_year),
        sex: char::from(f.sex),
        expiry_date: date(f.expiry, false, this_year),
        primary_identifier,
        secondary_identifier,
        optional_data,
        checks,
    }
}

/// The document number (nine characters and a check digit) and the
/// optional data after it. In TD1 and TD2 a longer number continues in the
/// optional data (Doc 9303 Part 5 and Part 6, §4.2.4): a `<` in the check
/// position, then the rest of the number and its check digit at the start
/// of the optional data.
fn document_number(number: &[u8], digit: u8, optional: &[u8], long_allowed: bool) -> (String, Check, String) {
    if long_allowed && digit == b'<' && optional.first().is_some_and(|c| *c != b'<') {
        let rest_len = optional.iter().position(|c| *c == b'<').unwrap_or(optional.len());
        let (rest, rest_digit) = optional[..rest_len].split_at(rest_len.saturating_sub(1));
        let full: Vec<u8> = number.iter().chain(rest).copied().collect();
        let checked = check("document_number", &full, rest_digit.first().copied().unwrap_or(b'<'));
        return (String::from_utf8_lossy(&full).into_owned(), checked, field(&optional[rest_len..]));
    }
    (text(number).replace(' ', ""), check("document_number", number, digit), field(optional))
}

/// TD3, TD2 and the two visa formats share one layout on line 2 up to the
/// expiry date's check digit.
fn two_line(l1: &[u8], l2: &[u8], format: Format, this_year: i32) -> Mrz {
    let width = l1.len();
    let mut checks = Vec::new();

    // Optional data runs to the end of line 2, less the composite check
    // digit (TD2, TD3) and the optional data's own check digit (TD3).
    let optional_end = match format {
        Format::Td3 => width - 2,
        Format::Td2 => width - 1,
        _ => width,
    };
    let optional = &l2[28..optional_end];
    let (number, number_check, optional_text) = document_number(&l2[0..9], l2[9], optional, format == Format::Td2);
    checks.push(number_check);
    checks.push(check("birth_date", &l2[13..19], l2[19]));
    checks.push(check("expiry_date", &l2[21..27], l2[27]));
    match format {
        Format::Td3 => {
            checks.push(check("optional_data", &l2[28..42], l2[42]));
            let composite: Vec<u8> = [&l2[0..10], &l2[13..20], &l2[21..43]].concat();
            checks.push(check("composite", &composite, l2[43]));
        }
        Format::Td2 => {
            let composite: Vec<u8> = [&l2[0..10], &l2[13..20], &l2[21..35]].concat();
            checks.push(check("composite", &composite, l2[35]));
        }
        _ => {}
    }
    let fields = Fields {
        code: &l1[0..2],
        state: &l1[2..5],
        nationality: &l2[10..13],
        birth: &l2[13..19],
        sex: l2[20],
        expiry: &l2[21..27],
        names: &l1[5..],
    };
    assemble(format, &fields, number, vec![optional_text], checks, this_year)
}

fn td1(l1: &[u8], l2: &[u8], l3: &[u8], this_year: i32) -> Mrz {
    let mut checks = Vec::new();
    let optional1 = &l1[15..30];
    let (number, number_check, optional1_text) = document_number(&l1[5..14], l1[14], optional1, true);
    checks.push(number_check);
    checks.push(check("birth_date", &l2[0..6], l2[6]));
    checks.push(check("expiry_date", &l2[8..14], l2[14]));
    let composite: Vec<u8> = [&l1[5..30], &l2[0..7], &l2[8..15], &l2[18..29]].concat();
    checks.push(check("composite", &composite, l2[29]));
    let fields = Fields {
        code: &l1[0..2],
        state: &l1[2..5],
        nationality: &l2[15..18],
        birth: &l2[0..6],
        sex: l2[7],
        expiry: &l2[8..14],
        names: l3,
    };
    let optional_data = vec![optional1_text, field(&l2[18..29])];
    assemble(Format::Td1, &fields, number, optional_data, checks, this_year)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn ok(lines: &[&str]) -> Mrz {
        parse(lines, 2026).expect("parses")
    }

    fn failed(m: &Mrz) -> Vec<&'static str> {
        m.checks.iter().filter(|c| !c.valid).map(|c| c.field).collect()
    }

    // The specimens of ICAO Doc 9303 (issuing state "Utopia").
    const TD3: [&str; 2] =
        ["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10"];
    const TD2: [&str; 2] = ["I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<", "D231458907UTO7408122F1204159<<<<<<<6"];
    const TD1: [&str; 3] =
        ["I<UTOD231458907<<<<<<<<<<<<<<<", "7408122F1204159UTO<<<<<<<<<<<6", "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"];
    const MRVA: [&str; 2] =
        ["V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L8988901C4XXX4009078F96121096ZE184226B<<<<<<"];
    const MRVB: [&str; 2] = ["V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<", "L8988901C4XXX4009078F9612109<<<<<<<<"];

    #[test]
    fn the_icao_specimens_parse_with_every_check_valid() {
        for (lines, format) in [
            (&TD3[..], Format::Td3),
            (&TD2[..], Format::Td2),
            (&TD1[..], Format::Td1),
            (&MRVA[..], Format::MrvA),
            (&MRVB[..], Format::MrvB),
        ] {
            let m = ok(lines);
            assert_eq!(m.format, format);
            assert_eq!(failed(&m), Vec::<&str>::new(), "{format:?}: {:?}", m.checks);
            assert_eq!((m.primary_identifier.as_str(), m.secondary_identifier.as_str()), ("ERIKSSON", "ANNA MARIA"));
            assert_eq!(m.issuing_state, "UTO");
        }
        let m = ok(&TD3);
        assert_eq!((m.document_number.as_str(), m.nationality.as_str(), m.sex), ("L898902C3", "UTO", 'F'));
        assert_eq!(m.birth_date.date.map(|d| d.to_string()), Some("1974-08-12".to_owned()));
        assert_eq!(m.expiry_date.date.map(|d| d.to_string()), Some("2012-04-15".to_owned()));
        assert_eq!(m.optional_data, ["ZE184226B"]);
        assert_eq!(m.checks.len(), 5, "TD3 has five check digits");
        assert_eq!(ok(&TD1).checks.len(), 4);
        assert_eq!(ok(&MRVA).checks.len(), 3, "visas have no composite");
    }

    #[test]
    fn a_wrong_digit_fails_its_check_and_the_composite() {
        let line2 = TD3[1].replacen("7408122", "7408132", 1);
        let m = ok(&[TD3[0], &line2]);
        assert_eq!(failed(&m), ["birth_date", "composite"]);
        assert_eq!(m.birth_date.raw, "740813", "the fields are still reported");
    }

    #[test]
    fn germany_writes_d_as_its_state_code() {
        let m = ok(&["P<D<<MUSTERMANN<<ERIKA<<<<<<<<<<<<<<<<<<<<<<", "C01X00T478D<<6408125F2702283<<<<<<<<<<<<<<<4"]);
        assert_eq!((m.issuing_state.as_str(), m.issuing_country.map(|c| c.to_string())), ("D", Some("DEU".to_owned())));
        assert_eq!(m.nationality_country.map(|c| c.to_string()), Some("DEU".to_owned()));
    }

    #[test]
    fn long_document_numbers_continue_in_the_optional_data() {
        // TD1 with a 12-character number: 9 in place, `<`, then 3 more and their check digit.
        let mut l1 = String::from("I<UTOD23145890<7349<<<<<<<<<<<");
        let number = b"D23145890734";
        let digit = check_digit(number);
        l1.replace_range(18..19, &digit.to_string());
        let l2 = "7408122F1204159UTO<<<<<<<<<<<";
        let composite_src: Vec<u8> =
            [&l1.as_bytes()[5..30], &l2.as_bytes()[0..7], &l2.as_bytes()[8..15], &l2.as_bytes()[18..29]].concat();
        let l2 = format!("{}{}", &l2[..29], check_digit(&composite_src));
        let m = ok(&[&l1, &l2, TD1[2]]);
        assert_eq!(m.document_number, "D23145890734");
        assert_eq!(failed(&m), Vec::<&str>::new(), "{:?}", m.checks);
    }

    #[test]
    fn td2_long_document_numbers_and_optional_data() {
        // A 12-character number: 9 in place, `<`, then 3 more, their check
        // digit, a filler, and optional data up to the composite.
        let number = b"D23145890734";
        let mut l2 = format!("D23145890<UTO7408122F1204159734{}<AB", check_digit(number));
        let composite: Vec<u8> = [&l2.as_bytes()[0..10], &l2.as_bytes()[13..20], &l2.as_bytes()[21..35]].concat();
        l2.push(check_digit(&composite));
        let m = ok(&[TD2[0], &l2]);
        assert_eq!(m.document_number, "D23145890734");
        assert_eq!(m.optional_data, ["AB"]);
        assert_eq!(failed(&m), Vec::<&str>::new(), "{:?}", m.checks);
    }

    #[test]
    fn structural_errors_name_the_line_and_position() {
        assert!(matches!(parse(&[TD3[0]], 2026), Err(MrzError::Shape(_))));
        assert!(matches!(parse(&[TD3[0], &TD3[1][..40]], 2026), Err(MrzError::Shape(_))));
        let bad = TD3[1].replacen('C', "ç", 1);
        assert_eq!(parse(&[TD3[0], &bad], 2026), Err(MrzError::Character { line: 2, position: 8, found: 'ç' }));
        assert!(
            parse(&["p<utoeriksson<<anna<maria<<<<<<<<<<<<<<<<<<<", TD3[1]], 2026).is_ok(),
            "lower case is accepted"
        );
    }

    proptest! {
        #[test]
        fn any_input_parses_or_errors_without_panicking(lines in prop::collection::vec("[A-Z0-9<]{28,46}|\\PC{0,50}", 0..4)) {
            let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
            let _ = parse(&refs, 2026);
        }

        #[test]
        fn any_well_formed_td3_reports_five_checks(l1 in "[A-Z<]{44}", l2 in "[A-Z0-9<]{44}") {
            let m = parse(&[&format!("P{}", &l1[1..]), &l2], 2026).expect("well formed");
            prop_assert_eq!(m.checks.len(), 5);
        }

        #[test]
        fn a_computed_check_digit_always_verifies(field in "[A-Z0-9<]{1,30}") {
            let d = check_digit(field.as_bytes());
            prop_assert!(check("x", field.as_bytes(), d as u8).valid);
        }
    }
}
