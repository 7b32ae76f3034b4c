//! Frontline screening as a border system and an officer run it: a flight's
//! manifest (PAXLST, CSV, JSON lines) sent to `POST /v1/screen/batch` and
//! screened by `tocsin screen --file`, on a server and in process, and the
//! hits it makes worked with `tocsin hits`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use serde_json::{Value, json};

use crate::helpers::{BIN, TestServer, json};

/// A flight's manifest written from the WCO/IATA/ICAO API guidelines'
/// structure: three passengers and two crew in two messages of one group;
/// a passenger with a visa and a passport (the passport reported stolen),
/// a crew member listed under a slightly different spelling.
fn manifest_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/e2e/data/flight-xa123.edi")
}

fn manifest() -> Vec<u8> {
    std::fs::read(manifest_path()).expect("the test manifest")
}

/// The flight's travellers as the screening request's fields: the same
/// manifest as CSV and as JSON lines.
const TRAVELLERS: [(&str, &str, &str, &str, &str, &str, &str); 5] = [
    ("QX7Y2Z", "SEAN PATRICK O'BRIEN", "1985-04-02", "IRL", "male", "PA1234567", "IRL"),
    ("PAX0002", "ANNA MARIA NOWAK", "2002-11-30", "POL", "female", "EK9876543", "POL"),
    ("PAX0003", "EMMA SMITH", "2019-07-05", "GBR", "female", "GB5550001", "GBR"),
    ("CREW0001", "PIOTR KOWALSKY", "1971-09-23", "POL", "male", "EZ1112223", "POL"),
    ("CREW0002", "CLAIRE DUBOIS", "1988-03-17", "FRA", "female", "19AB12345", "FRA"),
];

fn as_csv() -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["ref", "name", "birth_date", "nationality", "sex", "document_number", "document_country"])
        .expect("header");
    for (r, n, b, nat, sex, doc, country) in TRAVELLERS {
        w.write_record([r, n, b, nat, sex, doc, country]).expect("row");
    }
    String::from_utf8(w.into_inner().expect("csv")).expect("utf-8")
}

fn as_json_lines() -> String {
    TRAVELLERS
        .iter()
        .map(|(r, n, b, nat, sex, doc, country)| {
            json!({"ref": r, "name": n, "birth_date": b, "nationality": nat, "sex": sex,
                "document_number": doc, "document_country": country})
            .to_string()
                + "\n"
        })
        .collect()
}

/// A server with FRA's records: the crew member (listed, handling with
/// instructions), the stolen passport, and an organization whose name
/// shares a passenger's given names (a person's query must not find it).
fn server_with_records() -> TestServer {
    let s = TestServer::start();
    let fra = s.token("FRA", "admin");
    s.create(
        &fra,
        &json!({"kind": "person", "names": [{"full": "Piotr KOWALSKI"}], "birth_dates": ["1971-09-23"],
            "nationalities": ["POL"], "sex": "male", "access": {"mode": "all"},
            "handling": {"code": "discreet_check", "instructions": "Do not alert the subject; call the FRA bureau."},
            "source": {"list": "un-sanctions", "id": "QDi.999"}}),
    );
    s.create(
        &fra,
        &json!({"kind": "travel_document", "number": "EK9876543", "country": "POL", "doc_type": "passport",
            "status": "stolen", "access": {"mode": "all"}, "handling": {"code": "seize_document"}}),
    );
    s.create(
        &fra,
        &json!({"kind": "organization", "names": [{"full": "Anna Maria Nowak Shipping"}],
            "access": {"mode": "all"}, "handling": {"code": "inform"}}),
    );
    s
}

fn batch(s: &TestServer, token: &str, content_type: Option<&str>, body: Vec<u8>, query: &str) -> (u16, Value) {
    let mut r = s.post(token, &format!("/v1/screen/batch{query}")).body(body);
    if let Some(ct) = content_type {
        r = r.header("Content-Type", ct);
    }
    json(r.send().expect("POST /v1/screen/batch"))
}

/// Each ref's matches: (record id, score), best first.
fn matches_by_ref(answer: &Value) -> BTreeMap<String, Vec<(String, String)>> {
    answer["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|item| {
            let found = item["result"]["matches"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|m| (m["record"]["id"].as_str().unwrap_or_default().to_owned(), m["score"].to_string()))
                .collect();
            (item["ref"].as_str().unwrap_or_default().to_owned(), found)
        })
        .collect()
}

fn kinds_found(answer: &Value) -> Vec<String> {
    let mut kinds: Vec<String> = answer["results"]
        .as_array()
        .expect("results")
        .iter()
        .flat_map(|i| i["result"]["matches"].as_array().cloned().unwrap_or_default())
        .map(|m| m["record"]["kind"].as_str().unwrap_or_default().to_owned())
        .collect();
    kinds.sort();
    kinds.dedup();
    kinds
}

fn tocsin(s: &TestServer, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(BIN).arg("--data").arg(&s.data).args(args).output().expect("run tocsin");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_paxlst_manifest_is_screened_with_its_refs_summary_flight_and_hits() {
    let s = server_with_records();
    let deu = s.token("DEU", "officer");
    let (status, answer) = batch(&s, &deu, Some("application/edifact"), manifest(), "");
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["format"], "paxlst");
    assert_eq!(answer["problems"], Value::Null, "a clean manifest: {answer}");
    assert_eq!(answer["flight"]["number"], "XA123");
    assert_eq!((answer["flight"]["from"].as_str(), answer["flight"]["to"].as_str()), (Some("LHR"), Some("CDG")));
    assert_eq!(answer["flight"]["departs"], "2026-12-06T11:30");
    let refs: Vec<&str> =
        answer["results"].as_array().expect("results").iter().filter_map(|i| i["ref"].as_str()).collect();
    assert_eq!(refs, ["QX7Y2Z", "PAX0002", "PAX0003", "CREW0001", "CREW0002"]);
    let roles: Vec<&str> =
        answer["results"].as_array().expect("results").iter().filter_map(|i| i["traveller"]["role"].as_str()).collect();
    assert_eq!(roles, ["passenger", "passenger", "passenger", "crew", "crew"]);
    assert_eq!(answer["summary"], json!({"travellers": 5, "matched": 2, "matches": 2, "hits": 2, "errors": 0}));
    assert_eq!(kinds_found(&answer), ["person", "travel_document"], "no organization for a person's query");

    // The stolen passport is the traveller's second document: it is found,
    // named, and makes a hit.
    let anna = &answer["results"][1]["result"]["matches"][0];
    assert_eq!(
        (anna["record"]["number"].as_str(), anna["record"]["status"].as_str()),
        (Some("EK9876543"), Some("stolen"))
    );
    assert_eq!(anna["handling"]["code"], "seize_document");
    assert!(anna["hit_id"].is_string(), "{anna}");
    let piotr = &answer["results"][3]["result"]["matches"][0];
    assert_eq!(piotr["record"]["names"][0]["full"], "Piotr KOWALSKI");
    assert!(piotr["score"].as_f64().is_some_and(|x| x >= 0.8), "{piotr}");

    // The owner's hits carry the flight as their location; the audit log
    // has it with the purpose.
    let fra = s.token("FRA", "officer");
    let (_, hits) = json(s.get(&fra, "/v1/hits?role=owner").send().expect("hits"));
    let hits = hits["items"].as_array().expect("hits").clone();
    assert_eq!(hits.len(), 2, "{hits:?}");
    for h in &hits {
        assert_eq!(h["location"], "XA123 LHR→CDG departs 2026-12-06 11:30 arrives 2026-12-06 13:30", "{h}");
        assert_eq!(h["purpose"], "advance_passenger_information");
    }
    let (_, entries) = json(s.get(&s.token("GS", "auditor"), "/v1/audit?limit=1000").send().expect("audit"));
    let screened =
        entries.as_array().expect("entries").iter().filter(|e| e["action"] == "screen" && e["agency"] == "DEU");
    let purposes: Vec<&str> = screened.filter_map(|e| e["purpose"].as_str()).collect();
    assert!(!purposes.is_empty() && purposes.iter().all(|p| p.contains("XA123 LHR→CDG")), "{purposes:?}");

    // Hits only: the two travellers, each with its hit.
    let (_, only) = batch(&s, &deu, None, manifest(), "?hits_only=true");
    let refs: Vec<&str> =
        only["results"].as_array().expect("results").iter().filter_map(|i| i["ref"].as_str()).collect();
    assert_eq!(refs, ["PAX0002", "CREW0001"]);
    assert_eq!(only["summary"]["travellers"], 5, "the summary counts every traveller");
}

#[test]
fn the_cli_screens_a_manifest_on_a_server_and_in_process_with_the_same_answer() {
    let s = server_with_records();
    let deu = s.token("DEU", "officer");
    let path = manifest_path();
    let file = path.to_str().expect("path");
    let out = Command::new(BIN)
        .args(["screen", "--file", file, "--json"])
        .env("TOCSIN_SERVER", &s.base)
        .env("TOCSIN_TOKEN", &deu)
        .output()
        .expect("tocsin screen --server");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let remote: Value = serde_json::from_slice(&out.stdout).expect("json");
    let (ok, local, err) = tocsin(&s, &["screen", "--as", "DEU", "--file", file, "--json"]);
    assert!(ok, "{err}");
    assert!(err.contains("building the screening index") && err.contains(" s"), "says it builds the index: {err}");
    let local: Value = serde_json::from_str(&local).expect("json");
    assert_eq!(matches_by_ref(&remote), matches_by_ref(&local));
    assert_eq!(remote["summary"], local["summary"]);
    assert_eq!(remote["summary"]["hits"], 2);

    // As text: the summary, the flight, and each hit with what to do.
    let (ok, text, err) = tocsin(&s, &["screen", "--as", "DEU", "--file", file, "--hits-only"]);
    assert!(ok, "{err}");
    assert!(text.contains("flight XA123 LHR→CDG"), "{text}");
    assert!(text.contains("5 travellers, 2 matched (2 matches), 2 hits, 0 errors"), "{text}");
    assert!(text.contains("travel document EK9876543 (POL passport, stolen)"), "{text}");
    assert!(text.contains("handling discreet_check: Do not alert the subject; call the FRA bureau."), "{text}");
    assert!(text.contains("list un-sanctions QDi.999"), "{text}");
}

#[test]
fn the_same_manifest_as_csv_and_json_lines_gives_the_same_matches() {
    let s = server_with_records();
    let deu = s.token("DEU", "officer");
    let (status, csv) = batch(&s, &deu, Some("text/csv"), as_csv().into_bytes(), "");
    assert_eq!(status, 200, "{csv}");
    let (status, lines) = batch(&s, &deu, Some("application/x-ndjson"), as_json_lines().into_bytes(), "");
    assert_eq!(status, 200, "{lines}");
    let (_, paxlst) = batch(&s, &deu, None, manifest(), "");
    assert_eq!(
        (csv["format"].as_str(), lines["format"].as_str(), paxlst["format"].as_str()),
        (Some("csv"), Some("json_lines"), Some("paxlst"))
    );
    assert_eq!(matches_by_ref(&csv), matches_by_ref(&lines));
    assert_eq!(matches_by_ref(&csv), matches_by_ref(&paxlst));
    assert_eq!(csv["summary"], paxlst["summary"]);
    assert_eq!(csv["results"][1]["line"], 3, "CSV answers name their line");
}

/// A PAXLST interchange of `n` passengers, its counts right.
fn many_travellers(n: usize) -> String {
    let mut body = vec![
        "UNH+M1+PAXLST:D:05B:UN:IATA'".to_owned(),
        "BGM+745'".to_owned(),
        "TDT+20+XA9+++XA'".to_owned(),
        "LOC+125+LHR'".to_owned(),
        "DTM+189:2612061130:201'".to_owned(),
    ];
    for i in 0..n {
        body.push(format!("NAD+FL+++TRAVELLER{i}:GIVEN'"));
        body.push(format!("DOC+P+X{i:07}'"));
    }
    body.push(format!("CNT+42:{n}'"));
    body.push(format!("UNT+{}+M1'", body.len() + 1));
    format!("UNB+UNOA:4+A+B+261206:0900+1'{}UNZ+1+1'", body.join(""))
}

#[test]
fn bad_manifests_get_clear_answers_and_the_valid_travellers_are_screened() {
    let s = server_with_records();
    let deu = s.token("DEU", "officer");
    let text = String::from_utf8(manifest()).expect("utf-8");

    let (status, e) = batch(&s, &deu, Some("application/xml"), manifest(), "");
    assert_eq!((status, e["error"]["code"].as_str()), (415, Some("unsupported_media_type")), "{e}");

    // A wide-body flight is one request; beyond the limit, 413.
    let (status, full) = batch(&s, &deu, Some("application/edifact"), many_travellers(1_000).into_bytes(), "");
    assert_eq!((status, full["summary"]["travellers"].as_u64()), (200, Some(1_000)), "{}", full["problems"]);
    let (status, e) = batch(&s, &deu, Some("application/edifact"), many_travellers(2_000).into_bytes(), "");
    assert_eq!(status, 413, "{e}");
    assert!(e["error"]["message"].as_str().is_some_and(|m| m.contains("2000") && m.contains("1000")), "{e}");

    // A segment count that disagrees, a missing UNZ: named, and the
    // travellers screened all the same.
    let miscounted = text.replace("UNT+39+M0001", "UNT+38+M0001").replace("UNZ+1+IC0001234'\n", "");
    let (status, answer) = batch(&s, &deu, Some("application/edifact"), miscounted.into_bytes(), "");
    assert_eq!(status, 200, "{answer}");
    let problems: Vec<&str> =
        answer["problems"].as_array().expect("problems").iter().filter_map(|p| p["message"].as_str()).collect();
    assert!(problems.iter().any(|p| p.contains("(UNT)") && p.contains("38")), "{problems:?}");
    assert!(problems.iter().any(|p| p.contains("UNZ")), "{problems:?}");
    assert_eq!(answer["summary"]["travellers"], 5);
    assert_eq!(answer["summary"]["hits"], 2);

    // A release character at the very end: the segment is named.
    let (status, e) =
        batch(&s, &deu, Some("application/edifact"), b"UNB+UNOA:4+A+B+261206:0900+1'UNH+1+PAXLST?".to_vec(), "");
    assert_eq!((status, e["error"]["code"].as_str()), (400, Some("invalid_paxlst")), "{e}");
    assert!(e["error"]["message"].as_str().is_some_and(|m| m.contains("segment 2") && m.contains("release")), "{e}");

    // CSV: an unknown column names it; a short row and an unclosed quote
    // are answered by line and the rows before them are screened.
    let (status, e) = batch(&s, &deu, Some("text/csv"), b"ref,name,colour\n1,A,red\n".to_vec(), "");
    assert_eq!(status, 400, "{e}");
    assert!(e["error"]["message"].as_str().is_some_and(|m| m.contains("unknown column `colour`")), "{e}");
    let body = "\u{feff}ref,name,birth_date\nA,Piotr Kowalsky,1971-09-23\nB,Someone\nC,\"Never closed,1970\n";
    let (status, answer) = batch(&s, &deu, Some("text/csv"), body.as_bytes().to_vec(), "");
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["results"][0]["result"]["matches"][0]["record"]["names"][0]["full"], "Piotr KOWALSKI");
    assert_eq!(answer["results"][1]["error"]["code"], "invalid_row");
    assert_eq!(answer["problems"][0]["line"], 4, "{answer}");
    assert_eq!(answer["summary"]["errors"], 2);
    // Latin-1 text is read as such.
    s.create(&s.token("FRA", "admin"), &crate::helpers::person("Jürgen Müller", json!({"mode": "all"})));
    let (status, answer) = batch(&s, &deu, Some("text/csv"), b"ref,name\n1,J\xFCrgen M\xFCller\n".to_vec(), "");
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer["results"][0]["result"]["matches"][0]["explanation"]["name"]["query"], "Jürgen Müller",
        "{answer}"
    );
}

#[test]
fn the_officers_command_line_screens_one_query_and_works_its_hits() {
    let s = server_with_records();
    let (ok, _, err) = tocsin(&s, &["screen", "--as", "ESP", "--name", "Piotr Kowalski"]);
    assert!(!ok && err.contains("ESP") && err.contains("not registered"), "{err}");

    // A person's query: the listed person, not the organization; a name
    // alone finds the organization too.
    let (ok, text, err) = tocsin(
        &s,
        &[
            "screen",
            "--as",
            "DEU",
            "--name",
            "Anna Maria Nowak",
            "--sex",
            "female",
            "--location",
            "CDG T2",
            "--purpose",
            "border_check",
        ],
    );
    assert!(ok, "{err}");
    assert_eq!(text.trim(), "no matches", "{text}");
    let (_, text, _) = tocsin(&s, &["screen", "--as", "DEU", "--name", "Anna Maria Nowak Shipping"]);
    assert!(text.contains("organization Anna Maria Nowak Shipping"), "{text}");

    let (ok, text, err) = tocsin(
        &s,
        &[
            "screen",
            "--as",
            "DEU",
            "--name",
            "Piotr Kowalsky",
            "--birth-date",
            "1971-09-23",
            "--location",
            "CDG T2",
            "--purpose",
            "border_check",
        ],
    );
    assert!(ok, "{err}");
    assert!(text.contains("handling discreet_check: Do not alert the subject"), "{text}");
    assert!(text.contains("born 1971-09-23"), "{text}");
    assert!(text.contains("list un-sanctions QDi.999"), "{text}");
    let hit = text.split("HIT ").nth(1).and_then(|t| t.split_whitespace().next()).expect("a hit id").to_owned();

    // The same query on the server answers the same record and score.
    let deu = s.token("DEU", "officer");
    let remote = Command::new(BIN)
        .args([
            "screen",
            "--server",
            &s.base,
            "--token",
            &deu,
            "--name",
            "Piotr Kowalsky",
            "--birth-date",
            "1971-09-23",
            "--json",
        ])
        .output()
        .expect("tocsin screen --server");
    let remote: Value = serde_json::from_slice(&remote.stdout).expect("json");
    let (_, local, _) =
        tocsin(&s, &["screen", "--as", "DEU", "--name", "Piotr Kowalsky", "--birth-date", "1971-09-23", "--json"]);
    let local: Value = serde_json::from_str(&local).expect("json");
    let pick = |v: &Value| {
        (v["matches"][0]["record"]["id"].clone(), v["matches"][0]["score"].clone(), v["matches"][0]["handling"].clone())
    };
    assert_eq!(pick(&remote), pick(&local));

    // The owner sees the hit, with where and why, and moves it on; a move
    // it may not make is refused naming the ones it may.
    let (ok, list, err) = tocsin(&s, &["hits", "list", "--as", "FRA", "--role", "owner", "--status", "new"]);
    assert!(ok, "{err}");
    assert!(list.lines().any(|l| l.starts_with(&hit) && l.contains("at CDG T2")), "{list}");
    let (ok, _, err) = tocsin(&s, &["hits", "move", "--as", "FRA", &hit, "confirmed"]);
    assert!(!ok && err.contains("may move it to: acknowledged"), "{err}");
    let fra = s.token("FRA", "officer");
    let moved = Command::new(BIN)
        .args(["hits", "move", &hit, "acknowledged", "--json", "--server", &s.base, "--token", &fra])
        .output()
        .expect("tocsin hits move --server");
    let moved: Value = serde_json::from_slice(&moved.stdout).expect("json");
    assert_eq!(moved["status"], "acknowledged");
    let (_, shown, _) = tocsin(&s, &["hits", "show", "--as", "DEU", &hit, "--json"]);
    let shown: Value = serde_json::from_str(&shown).expect("json");
    assert_eq!((shown["status"].as_str(), shown["purpose"].as_str()), (Some("acknowledged"), Some("border_check")));
}
