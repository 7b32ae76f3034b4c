use time::macros::{date, datetime};

use super::*;

/// A flight's manifest written from the API guidelines' structure:
/// passengers and crew in two messages of one group, a name with a
/// released apostrophe, a traveller with a passport and a visa, a child
/// born in this century.
const MANIFEST: &str = "UNA:+.? '
UNB+UNOA:4+AIRLINEX:ZZ+APIRECV:ZZ+250314:0915+IC0001234++APIS'
UNG+PAXLST+AIRLINEX:ZZ+APIRECV:ZZ+250314:0915+GR01+UN+D:05B'
UNH+M0001+PAXLST:D:05B:UN:IATA+XA0123/250314/1430+01:F'
BGM+745'
NAD+MS+++OPS CONTROL XA'
COM+441234567890:TE'
TDT+20+XA123+++XA'
LOC+125+LHR'
DTM+189:2503141130:201'
LOC+87+JFK'
DTM+232:2503141430:201'
NAD+FL+++O?'BRIEN:SEAN PATRICK'
ATT+2++M'
DTM+329:850402'
LOC+178+LHR'
LOC+179+JFK'
LOC+174+IRL'
NAT+2+IRL'
RFF+AVF:QX7Y2Z'
DOC+P:110:111+PA1234567'
DTM+36:300115'
LOC+91+IRL'
NAD+FL+++NOWAK:ANNA:MARIA'
ATT+2++F'
DTM+329:021130'
LOC+178+LHR'
LOC+179+JFK'
LOC+180+POL:::KRAKOW'
NAT+2+POL'
RFF+ABO:PAX0002'
DOC+P:110:111+EK9876543'
DTM+36:290620'
LOC+91+POL'
DOC+V:110:111+US55512345'
DTM+36:270101'
LOC+91+USA'
NAD+FL+++SMITH:EMMA'
ATT+2++F'
DTM+329:190705'
NAT+2+GBR'
DOC+P+GB5550001'
DTM+36:290705'
LOC+91+GBR'
CNT+42:3'
UNT+43+M0001'
UNH+M0002+PAXLST:D:05B:UN:IATA+XA0123/250314/1430+01:F'
BGM+250+C'
NAD+MS+++OPS CONTROL XA'
TDT+20+XA123+++XA'
LOC+125+LHR'
DTM+189:2503141130:201'
LOC+87+JFK'
DTM+232:2503141430:201'
NAD+FM+++KOWALSKI:PIOTR'
ATT+2++M'
DTM+329:710923'
NAT+2+POL'
DOC+P:110:111+EZ1112223'
DTM+36:281231'
LOC+91+POL'
CNT+41:1'
UNT+17+M0002'
UNE+2+GR01'
UNZ+1+IC0001234'
";

#[test]
fn a_manifest_reads_into_its_flight_and_travellers() {
    let m = read(MANIFEST.as_bytes());
    assert_eq!(m.problems, []);
    assert_eq!(
        m.flight,
        Flight {
            number: Some("XA123".into()),
            from: Some("LHR".into()),
            to: Some("JFK".into()),
            departs: Some(datetime!(2025-03-14 11:30)),
            arrives: Some(datetime!(2025-03-14 14:30)),
        }
    );
    let names: Vec<_> = m.travellers.iter().map(|t| (t.surname.as_str(), t.given_names.as_str(), t.role)).collect();
    assert_eq!(
        names,
        [
            ("O'BRIEN", "SEAN PATRICK", Role::Passenger),
            ("NOWAK", "ANNA MARIA", Role::Passenger),
            ("SMITH", "EMMA", Role::Passenger),
            ("KOWALSKI", "PIOTR", Role::Crew),
        ]
    );
    let refs: Vec<_> = m.travellers.iter().map(|t| t.reference.as_str()).collect();
    assert_eq!(refs, ["QX7Y2Z", "PAX0002", "M0001/3", "M0002/1"]);
    let born: Vec<_> = m.travellers.iter().map(|t| t.birth_date).collect();
    assert_eq!(
        born,
        [
            Some(date!(1985 - 04 - 02)),
            Some(date!(2002 - 11 - 30)),
            Some(date!(2019 - 07 - 05)),
            Some(date!(1971 - 09 - 23))
        ]
    );
    let nowak = &m.travellers[1];
    assert_eq!((nowak.sex, nowak.nationality.as_deref()), (Some(Sex::Female), Some("POL")));
    assert_eq!(
        nowak.documents,
        [
            Document {
                kind: "P".into(),
                number: "EK9876543".into(),
                issuer: Some("POL".into()),
                expires: Some(date!(2029 - 06 - 20))
            },
            Document {
                kind: "V".into(),
                number: "US55512345".into(),
                issuer: Some("USA".into()),
                expires: Some(date!(2027 - 01 - 01))
            },
        ]
    );
    assert_eq!(m.travellers[2].documents[0].number, "GB5550001", "a DOC without its code list");
}

#[test]
fn counts_and_references_that_disagree_are_named_by_segment_and_the_travellers_kept() {
    let lost = MANIFEST.replace("UNT+43+M0001'", "UNT+44+M0001'");
    let m = read(lost.as_bytes());
    assert_eq!(m.travellers.len(), 4);
    let problems: Vec<String> = m.problems.iter().map(ToString::to_string).collect();
    assert_eq!(
        problems,
        ["segment 45 (UNT): counts 44 segments; message M0001 has 43 (UNH to UNT): a segment was lost or added"]
    );

    let m = read(MANIFEST.replace("CNT+42:3'", "CNT+42:4'").as_bytes());
    assert_eq!(m.problems.len(), 1);
    assert!(m.problems[0].to_string().contains("(CNT): counts 4 travellers; the message has 3"), "{:?}", m.problems);

    let m = read(MANIFEST.replace("UNZ+1+IC0001234'", "UNZ+2+IC0001234'").as_bytes());
    assert!(
        m.problems[0].to_string().contains("(UNZ): counts Some(2); the interchange has 1 groups"),
        "{:?}",
        m.problems
    );

    let cut = &MANIFEST[..MANIFEST.find("NAD+FL+++SMITH").expect("SMITH")];
    let m = read(cut.as_bytes());
    assert_eq!(m.travellers.len(), 2, "the travellers before the cut");
    let problems: Vec<String> = m.problems.iter().map(ToString::to_string).collect();
    assert_eq!(
        problems,
        [
            "segment 3 (UNH): message M0001 has no UNT: the manifest may be cut short",
            "segment 1 (UNB): interchange IC0001234 has no UNZ: the manifest may be cut short",
        ]
    );
}

#[test]
fn bad_values_are_named_and_the_rest_read() {
    let bad = MANIFEST
        .replace("DTM+329:850402'", "DTM+329:851302'")
        .replace("ATT+2++F'\nDTM+329:021130'", "ATT+2++Q'\nDTM+329:021130'");
    let m = read(bad.as_bytes());
    assert_eq!(m.travellers.len(), 4);
    assert_eq!(m.travellers[0].birth_date, None);
    let problems: Vec<String> = m.problems.iter().map(ToString::to_string).collect();
    assert_eq!(
        problems,
        [
            "segment 14 (DTM): `851302` is no birth date (YYMMDD)",
            "segment 24 (ATT): sex Some(\"Q\") is none of M, F, U, X"
        ]
    );
}

#[test]
fn latin_1_other_separators_and_unknown_segments_are_read() {
    let latin1: Vec<u8> = MANIFEST.replace("NOWAK", "N\u{d3}WAK").chars().map(|c| c as u32 as u8).collect();
    let m = read(&latin1);
    assert_eq!(m.travellers[1].surname, "NÓWAK");

    let other = MANIFEST
        .replacen("UNA:+.? '", "UNA:(.? -", 1)
        .replace('+', "(")
        .replace("'\n", "-\n")
        .replace("O?'BRIEN", "O'BRIEN");
    let m = read(other.as_bytes());
    assert_eq!(m.problems, []);
    assert_eq!(m.travellers.len(), 4);

    let extra = MANIFEST.replace("NAT+2+IRL'", "NAT+2+IRL'\nFTX+BAG+++UA0443'\nMEA+WT++KGM:20'");
    let m = read(extra.as_bytes());
    assert_eq!(m.problems.len(), 1, "only the count: {:?}", m.problems);
    assert_eq!(m.travellers[0].nationality.as_deref(), Some("IRL"));
}

#[test]
fn not_a_manifest_says_so() {
    let m = read(b"ref,name\n1,John Smith\n");
    assert_eq!(m.travellers, []);
    assert_eq!(m.problems[0].to_string(), "no EDIFACT interchange: the text has neither a UNA nor a UNB segment");
    let m = read(b"UNB+UNOA:4+X+Y+250314:0915+1'NAD+FL+++SMITH?");
    assert!(m.problems.iter().any(|p| p.to_string().contains("release character")), "{:?}", m.problems);
}

#[test]
fn two_thousand_travellers_are_read() {
    let head = &MANIFEST[..MANIFEST.find("NAD+FL+++O?'BRIEN").expect("first traveller")];
    let mut text = head.to_owned();
    for i in 0..2_000 {
        text.push_str(&format!("NAD+FL+++TRAVELLER{i}:JOHN'\nDTM+329:800101'\n"));
    }
    let m = read(text.as_bytes());
    assert_eq!(m.travellers.len(), 2_000);
    assert_eq!(m.travellers[1_999].surname, "TRAVELLER1999");
}

/// A traveller as a PAXLST `NAD` group writes it.
fn write(surname: &str, given: &str, born: Date) -> String {
    let release =
        |s: &str| s.chars().flat_map(|c| if "?:+'".contains(c) { vec!['?', c] } else { vec![c] }).collect::<String>();
    format!(
        "NAD+FL+++{}:{}'\nDTM+329:{:02}{:02}{:02}'\n",
        release(surname),
        release(given),
        born.year() % 100,
        u8::from(born.month()),
        born.day()
    )
}

proptest::proptest! {
    #[test]
    fn any_bytes_read_without_panicking(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..400)) {
        let _ = read(&bytes);
        let mut framed = b"UNB+UNOA:4+X+Y+250314:0915+1'UNH+1+PAXLST'".to_vec();
        framed.extend(&bytes);
        let _ = read(&framed);
    }

    #[test]
    fn travellers_written_are_read_back(
        people in proptest::collection::vec(("[A-Z' ?:+]{1,12}", "[A-Z ]{0,12}", 1926i32..2025, 1u8..=12, 1u8..=28), 1..20)
    ) {
        let mut text = String::from("UNB+UNOA:4+X+Y+250314:0915+1'UNH+M1+PAXLST:D:05B:UN:IATA'DTM+189:2503141130:201'");
        let mut expected = vec![];
        for (surname, given, year, month, day) in &people {
            let born = Date::from_calendar_date(*year, Month::try_from(*month).expect("month"), *day).expect("date");
            text.push_str(&write(surname, given, born));
            expected.push((surname.trim().to_owned(), given.trim().to_owned(), born));
        }
        let m = read(text.as_bytes());
        let read: Vec<_> = m.travellers.iter().map(|t| (t.surname.clone(), t.given_names.clone(), t.birth_date.expect("born"))).collect();
        let expected: Vec<_> = expected.into_iter().filter(|(s, ..)| !s.is_empty()).collect();
        proptest::prop_assert_eq!(read, expected);
    }
}

#[test]
fn a_date_and_time_with_characters_beyond_ascii_is_no_date_not_a_panic() {
    // Found by the fuzz target `paxlst`: a multi-byte character where a
    // digit is expected.
    assert_eq!(super::date_time("NB\u{ce}BUNB\u{9f}xy", None), None);
    assert_eq!(super::date_time("2607\u{e9}1230", Some("201")), None);
    assert!(super::date_time("2607011230", Some("201")).is_some());
}
