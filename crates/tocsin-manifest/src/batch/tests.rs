use proptest::prelude::*;

use super::*;

fn names(batch: &Batch) -> Vec<Option<String>> {
    batch.items.iter().map(|i| i.requests.as_ref().ok().and_then(|r| r[0].name.clone())).collect()
}

fn refs(batch: &Batch) -> Vec<Option<&str>> {
    batch.items.iter().map(|i| i.reference.as_deref()).collect()
}

#[test]
fn json_lines_carry_their_ref_and_a_bad_line_names_its_column_not_line_1() {
    let body =
        "{\"ref\":\"P1\",\"name\":\"Jean Dupont\"}\n\n{\"ref\":7,\"name\":\"Ana\"\n{\"name\":\"X\",\"colour\":1}\n";
    let batch = read(Format::JsonLines, body.as_bytes(), 10).expect("batch");
    assert_eq!(refs(&batch), [Some("P1"), None, None]);
    let positions: Vec<Position> = batch.items.iter().map(|i| i.position).collect();
    assert_eq!(positions, [Position::Line(1), Position::Line(3), Position::Line(4)]);
    let e = batch.items[1].requests.as_ref().expect_err("unclosed object");
    assert_eq!(e.code, "invalid_json");
    assert!(e.message.contains("(column ") && !e.message.contains("line 1"), "{}", e.message);
    let e = batch.items[2].requests.as_ref().expect_err("unknown field");
    assert_eq!((e.code, e.field.as_deref()), ("unknown_field", Some("colour")));
}

#[test]
fn csv_rows_read_as_the_same_requests_as_json_lines() {
    let csv = "ref,name,birth_date,nationality,document_number,document_country,kinds\n\
               A1,\"Dupont, Jean\",1970-03-02,FRA,,,\n\
               A2,,,,X1234567,DEU,travel_document\n";
    let jsonl = "{\"ref\":\"A1\",\"name\":\"Dupont, Jean\",\"birth_date\":\"1970-03-02\",\"nationality\":\"FRA\"}\n\
                 {\"ref\":\"A2\",\"document_number\":\"X1234567\",\"document_country\":\"DEU\",\"kinds\":[\"travel_document\"]}\n";
    let (a, b) = (
        read(Format::Csv, csv.as_bytes(), 10).expect("csv"),
        read(Format::JsonLines, jsonl.as_bytes(), 10).expect("jsonl"),
    );
    assert_eq!(refs(&a), refs(&b));
    for (x, y) in a.items.iter().zip(&b.items) {
        let (x, y) = (x.requests.as_ref().expect("csv row"), y.requests.as_ref().expect("json line"));
        assert_eq!(x[0].as_sent().expect("json"), y[0].as_sent().expect("json"));
    }
    assert_eq!(a.items[1].position, Position::Line(3));
}

#[test]
fn csv_header_errors_name_the_column() {
    let e = read(Format::Csv, b"ref,name,colour\nA,B,C\n", 10).expect_err("unknown column");
    assert_eq!(
        e.to_string(),
        format!("line 1 (the CSV header): unknown column `colour`; the columns are {}", csv::COLUMNS.join(", "))
    );
    let e = read(Format::Csv, b"name,name\nA,B\n", 10).expect_err("twice");
    assert!(e.to_string().contains("`name` is named twice"), "{e}");
}

#[test]
fn a_csv_row_missing_a_column_is_its_own_error_and_the_others_are_read() {
    let batch =
        read(Format::Csv, b"ref,name,nationality\nA,Jean Dupont,FRA\nB,Ana Lima\nC,Li Wei,CHN\n", 10).expect("batch");
    assert_eq!(names(&batch), [Some("Jean Dupont".to_owned()), None, Some("Li Wei".to_owned())]);
    let e = batch.items[1].requests.as_ref().expect_err("short row");
    assert_eq!(e.message, "line 3: 2 fields where the header names 3 columns (ref,name,nationality)");
    assert_eq!(batch.items[1].reference.as_deref(), Some("B"), "the ref is still echoed");
}

#[test]
fn a_csv_quote_that_never_closes_keeps_the_rows_before_it() {
    let batch = read(Format::Csv, b"ref,name\nA,Jean Dupont\nB,\"Ana Lima\nC,Li Wei\n", 10).expect("batch");
    assert_eq!(names(&batch), [Some("Jean Dupont".to_owned())]);
    assert_eq!(batch.problems.len(), 1);
    assert_eq!(batch.problems[0].position, Position::Line(3));
    assert!(batch.problems[0].message.contains("never closes"), "{:?}", batch.problems);
    // Quotes that do close, with an escaped quote inside, are no problem.
    let batch = read(Format::Csv, b"ref,name\nA,\"Jean \"\"JD\"\" Dupont\"\n", 10).expect("batch");
    assert!(batch.problems.is_empty());
    assert_eq!(names(&batch), [Some("Jean \"JD\" Dupont".to_owned())]);
}

#[test]
fn csv_with_a_bom_or_in_latin_1_reads_its_names() {
    let mut bom = b"\xEF\xBB\xBFref,name\n1,J\xC3\xBCrgen M\xC3\xBCller\n".to_vec();
    let batch = read(Format::Csv, &bom, 10).expect("bom");
    assert_eq!(names(&batch), [Some("Jürgen Müller".to_owned())]);
    bom.clear();
    bom.extend_from_slice(b"ref,name\n1,J\xFCrgen M\xFCller\n");
    let batch = read(Format::Csv, &bom, 10).expect("latin-1");
    assert_eq!(names(&batch), [Some("Jürgen Müller".to_owned())]);
}

#[test]
fn more_items_than_allowed_is_refused_whole() {
    let csv: String = std::iter::once("name\n".to_owned()).chain((0..12).map(|i| format!("N{i}\n"))).collect();
    assert_eq!(read(Format::Csv, csv.as_bytes(), 10).expect_err("12 > 10"), BatchError::TooMany { count: 12, max: 10 });
    let jsonl = "{\"name\":\"A\"}\n".repeat(11);
    assert_eq!(
        read(Format::JsonLines, jsonl.as_bytes(), 10).expect_err("11"),
        BatchError::TooMany { count: 11, max: 10 }
    );
}

const PAXLST: &str = "UNA:+.? '
UNB+UNOA:4+AIRLINEX:ZZ+APIRECV:ZZ+250314:0915+IC1++APIS'
UNH+M0001+PAXLST:D:05B:UN:IATA+XA0123/250314/1430+01:F'
BGM+745'
TDT+20+XA123+++XA'
LOC+125+LHR'
DTM+189:2503141130:201'
LOC+87+JFK'
DTM+232:2503141430:201'
NAD+FL+++NOWAK:ANNA:MARIA'
ATT+2++F'
DTM+329:021130'
NAT+2+POL'
RFF+ABO:PAX0002'
DOC+P:110:111+EK9876543'
DTM+36:290620'
LOC+91+POL'
DOC+V:110:111+US55512345'
LOC+91+USA'
NAD+FM+++KOWALSKI:PIOTR'
NAT+2+P0L'
CNT+42:2'
UNT+21+M0001'
UNZ+1+IC1'
";

#[test]
fn a_paxlst_traveller_screens_as_a_person_with_each_document() {
    let batch = read(Format::Paxlst, PAXLST.as_bytes(), 10).expect("manifest");
    assert!(batch.problems.is_empty(), "{:?}", batch.problems);
    let flight = batch.flight.as_ref().expect("flight");
    assert_eq!(flight.describe(), "XA123 LHR→JFK departs 2025-03-14 11:30 arrives 2025-03-14 14:30");
    assert_eq!(refs(&batch), [Some("PAX0002"), Some("M0001/2")]);
    let anna = batch.items[0].requests.as_ref().expect("anna");
    assert_eq!(anna.len(), 2, "a second request for the visa");
    assert_eq!(anna[0].name.as_deref(), Some("ANNA MARIA NOWAK"));
    assert_eq!(anna[0].birth_date.map(|d| d.to_string()).as_deref(), Some("2002-11-30"));
    assert_eq!(anna[0].document_number.as_ref().map(|d| d.as_str().to_owned()).as_deref(), Some("EK9876543"));
    assert_eq!(anna[1].name, None);
    assert_eq!(anna[1].document_country.map(|c| c.as_str().to_owned()).as_deref(), Some("USA"));
    assert!(anna.iter().all(|r| r.kinds.as_deref() == Some(&PERSON_KINDS[..])));
    let subject = batch.items[0].subject.as_ref().expect("subject");
    assert_eq!((subject.role, subject.documents.len()), ("passenger", 2));
    let piotr = &batch.items[1];
    assert_eq!(piotr.subject.as_ref().map(|s| s.role), Some("crew"));
    assert_eq!(piotr.notes.len(), 1, "a nationality that is not a country: {:?}", piotr.notes);
    assert!(piotr.notes[0].starts_with("nationality `P0L` left out"), "{:?}", piotr.notes);
}

#[test]
fn media_types_choose_the_format_and_anything_else_is_refused() {
    assert_eq!(Format::from_media_type(Some("text/csv; charset=utf-8")), Ok(Some(Format::Csv)));
    assert_eq!(Format::from_media_type(Some("application/EDIFACT")), Ok(Some(Format::Paxlst)));
    assert_eq!(Format::from_media_type(Some("application/x-ndjson")), Ok(Some(Format::JsonLines)));
    assert_eq!(Format::from_media_type(None), Ok(None));
    let e = Format::from_media_type(Some("application/xml")).expect_err("xml");
    assert!(e.contains("application/x-ndjson, text/csv or application/edifact"), "{e}");
    assert_eq!(Format::detect(PAXLST.as_bytes()), Some(Format::Paxlst));
    assert_eq!(Format::detect(b"\n{\"name\":\"A\"}"), Some(Format::JsonLines));
    assert_eq!(Format::detect(b"\xEF\xBB\xBFname\nA\n"), Some(Format::Csv));
    assert_eq!(Format::detect(b"  \n"), None);
}

proptest! {
    #[test]
    fn any_bytes_read_as_csv_or_json_lines_without_panicking(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = read(Format::Csv, &bytes, 50);
        let _ = read(Format::JsonLines, &bytes, 50);
    }

    #[test]
    fn csv_names_written_with_any_quoting_read_back(names in proptest::collection::vec("[A-Za-z ,\"'-]{1,20}", 1..8)) {
        let mut writer = ::csv::Writer::from_writer(Vec::new());
        writer.write_record(["ref", "name"]).expect("header");
        for (i, n) in names.iter().enumerate() {
            writer.write_record([i.to_string().as_str(), n]).expect("row");
        }
        let bytes = writer.into_inner().expect("bytes");
        let batch = read(Format::Csv, &bytes, 50).expect("batch");
        prop_assert!(batch.problems.is_empty());
        prop_assert_eq!(batch.items.len(), names.len());
        for (i, (item, n)) in batch.items.iter().zip(&names).enumerate() {
            prop_assert_eq!(item.reference.clone(), Some(i.to_string()));
            let got = item.requests.as_ref().ok().and_then(|r| r[0].name.clone());
            prop_assert_eq!(got.as_deref(), Some(n.trim()).filter(|n| !n.is_empty()));
        }
    }
}
