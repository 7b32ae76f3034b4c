//! The parsers on the real published files in `../shared/data` (see its
//! README for each file's source and counts). Ignored by default; `.ci/run`
//! runs them with `--include-ignored`, where a missing file fails them.

use std::fs::File;
use std::io::BufReader;
use std::path::PathBuf;

use serde_json::Value;
use time::macros::date;
use tocsin_lists::{Format, OfacFiles, Parsed, parse, parse_ofac};

const TODAY: time::Date = date!(2026 - 11 - 23);

/// A file of the shared test data; fails the test where it is absent.
fn data(rel: &str) -> PathBuf {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data").join(rel);
    assert!(p.exists(), "{} is absent: these tests need ../shared/data (see its README)", p.display());
    p
}

fn open(p: &PathBuf) -> BufReader<File> {
    BufReader::new(File::open(p).expect("open"))
}

fn by_id(p: &Parsed, id: &str) -> Value {
    let e = p.entries.iter().find(|e| e.source.as_ref().is_some_and(|s| s.id == id));
    serde_json::to_value(e.unwrap_or_else(|| panic!("{id} not imported"))).expect("json")
}

fn names(v: &Value) -> Vec<(String, String)> {
    v["names"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|n| (n["full"].as_str().unwrap_or("").to_owned(), n["type"].as_str().unwrap_or("").to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
#[ignore = "needs ../shared/data"]
fn un_list_every_entry_and_named_fields() {
    let path = data("un/un_sc_consolidated_2026-02-27.xml");
    let p = parse(Format::UnSanctions, open(&path), TODAY).expect("parses");
    // The data README: 730 INDIVIDUAL and 273 ENTITY elements.
    assert_eq!(p.entries.len() + p.skipped.len(), 1003, "skipped: {:?}", p.skipped);
    assert_eq!(p.skipped, vec![]);
    let persons = p.entries.iter().filter(|e| e.kind() == tocsin_core::record::Kind::Person).count();
    assert_eq!(persons, 730);

    let badege = by_id(&p, "CDi.001");
    assert_eq!(names(&badege)[0], ("ERIC BADEGE".to_owned(), "primary".to_owned()));
    assert_eq!(badege["birth_dates"], serde_json::json!(["1971"]));
    assert_eq!(badege["nationalities"], serde_json::json!(["COD"]));
    assert_eq!(badege["sex"], "male");

    // A UN Special Notice for every entry, with reference, regime and date.
    assert_eq!(p.notices.len(), 1003);
    let notice = p.notices.iter().find(|n| n.source_id == "CDi.001").expect("CDi.001's notice");
    assert_eq!(notice.notice_type, tocsin_core::notice::NoticeType::UnSpecial);
    let c = &notice.content;
    assert_eq!((c.un_reference.as_deref(), c.un_regime.as_deref()), (Some("CDi.001"), Some("DRC")));
    assert_eq!(c.un_listed_on.map(|d| d.to_string()).as_deref(), Some("2012-12-31"));

    let kakolele = by_id(&p, "CDi.002");
    let n = names(&kakolele);
    assert!(n.contains(&("AIGLE BLANC".to_owned(), "alias".to_owned())), "{n:?}");

    let iyamuremye = by_id(&p, "CDi.003");
    assert!(names(&iyamuremye).contains(&("Rumuli".to_owned(), "weak_alias".to_owned())));
    assert_eq!(iyamuremye["birth_place"], "Musanze District, Northern Province, Rwanda");

    // Original-script names, documents with spaces removed, ranges of years.
    let with_script = p
        .entries
        .iter()
        .filter(|e| names(&serde_json::to_value(e).expect("json")).iter().any(|(_, t)| t == "original_script"))
        .count();
    assert!(with_script >= 300, "{with_script} entries with an original-script name");
    let docs: usize = p
        .entries
        .iter()
        .map(|e| serde_json::to_value(e).expect("json")["documents"].as_array().map_or(0, Vec::len))
        .sum();
    assert!(docs >= 440, "{docs} documents (454 NUMBER elements in the file)");
    assert!(p.entries.iter().all(|e| e.tags.iter().any(|t| t.starts_with("un_regime:"))));
}

#[test]
#[ignore = "needs ../shared/data"]
fn ofac_2024_counts_and_named_fields() {
    for (file, total) in [("ofac/2024/sdn_2024-04-26.csv", 14_668), ("ofac/2024/sdn_2024-05-03.csv", 14_965)] {
        let path = data(file);
        let p = parse(Format::OfacSdn, open(&path), TODAY).expect("parses");
        assert_eq!(
            p.entries.len() + p.skipped.len(),
            total,
            "{file}: skipped {:?}",
            &p.skipped[..p.skipped.len().min(5)]
        );
        assert_eq!(p.skipped.len(), 0, "{file}: {:?}", &p.skipped[..p.skipped.len().min(5)]);
    }
    let path = data("ofac/2024/sdn_2024-05-03.csv");
    let p = parse(Format::OfacSdn, open(&path), TODAY).expect("parses");
    let count = |tag: &str| p.entries.iter().filter(|e| e.tags.iter().any(|t| t == tag)).count();
    assert_eq!((count("vessel"), count("aircraft")), (851, 376));
    let persons = p.entries.iter().filter(|e| e.kind() == tocsin_core::record::Kind::Person).count();
    assert_eq!(persons, 6_854);

    let zawahiri = by_id(&p, "2676");
    assert_eq!(names(&zawahiri)[0].0, "Dr. Ayman AL ZAWAHIRI");
    assert_eq!(zawahiri["birth_dates"][0], "1951-06-19");
    assert_eq!(zawahiri["birth_place"], "Giza, Egypt");
    assert!(
        zawahiri["documents"]
            .as_array()
            .is_some_and(|d| d.iter().any(|d| d["number"] == "1084010" && d["country"] == "EGY"))
    );

    let bnc = by_id(&p, "306");
    assert_eq!(bnc["kind"], "organization");
    assert!(names(&bnc).iter().any(|(n, _)| n == "BNC"));

    let zomor = by_id(&p, "2677");
    assert_eq!(zomor["nationalities"], serde_json::json!(["EGY"]));
    assert_eq!(zomor["sex"], "male");
    assert_eq!(zomor["birth_dates"], serde_json::json!(["1947-04-19"]));
}

#[test]
#[ignore = "needs ../shared/data"]
fn ofac_2021_set_with_alt_and_comments() {
    let (sdn, alt, comments) =
        (data("ofac/2021-bench/sdn.csv"), data("ofac/2021-bench/alt.csv"), data("ofac/2021-bench/sdn_comments.csv"));
    let plain = parse(Format::OfacSdn, open(&sdn), TODAY).expect("parses");
    let files = OfacFiles {
        sdn: Box::new(open(&sdn)),
        alt: Some(Box::new(open(&alt))),
        comments: Some(Box::new(open(&comments))),
    };
    let p = parse_ofac(files, TODAY).expect("parses");
    assert_eq!(p.entries.len() + p.skipped.len(), 8_976);
    let count = |p: &tocsin_lists::Parsed| {
        p.entries.iter().map(|e| names(&serde_json::to_value(e).expect("json")).len()).sum::<usize>()
    };
    assert!(count(&p) > count(&plain) + 5_000, "alt.csv adds names: {} vs {}", count(&p), count(&plain));
    // alt.csv's first row: 36 a.k.a. AERO-CARIBBEAN.
    assert!(names(&by_id(&p, "36")).iter().any(|(n, _)| n == "AERO-CARIBBEAN"));
}
