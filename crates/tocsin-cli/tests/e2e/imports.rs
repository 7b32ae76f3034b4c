//! List imports as users run them: `tocsin import …` on the real published
//! files in `../shared/data` (ignored by default; `.ci/run` runs them with
//! `--include-ignored`, where a missing file fails them), and
//! `POST /v1/imports` streaming a file to the real server.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::helpers::{TestServer, json, tocsin, tocsin_ok};

/// A file of the shared test data; fails the test where it is absent.
fn shared(rel: &str) -> PathBuf {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data").join(rel);
    assert!(p.exists(), "{} is absent: these tests need ../shared/data (see its README)", p.display());
    p
}

fn import(data: &Path, args: &[&str]) -> Value {
    let mut all = vec!["import"];
    all.extend_from_slice(args);
    all.push("--json");
    serde_json::from_str(&tocsin_ok(data, &all)).expect("the report is JSON")
}

fn counts(r: &Value) -> [u64; 5] {
    ["added", "updated", "relisted", "delisted", "unchanged"].map(|k| r[k].as_u64().unwrap_or(u64::MAX))
}

fn ent_nums(file: &Path) -> HashSet<String> {
    let text = std::fs::read(file).expect("read");
    String::from_utf8_lossy(&text).lines().filter_map(|l| l.split(',').next()).map(str::to_owned).collect()
}

fn screen(data: &Path, agency: &str, name: &str) -> Value {
    let out = tocsin_ok(data, &["screen", "--as", agency, "--name", name, "--json"]);
    serde_json::from_str(&out).expect("screen JSON")
}

fn sources(screened: &Value) -> Vec<String> {
    screened["matches"]
        .as_array()
        .map(|m| m.iter().filter_map(|m| m["record"]["source"]["id"].as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

#[test]
#[ignore = "needs ../shared/data"]
fn ofac_reimport_reports_the_weekly_diff_and_delists() {
    let (old, new) = (shared("ofac/2024/sdn_2024-04-26.csv"), shared("ofac/2024/sdn_2024-05-03.csv"));
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    tocsin_ok(&data, &["init"]);
    tocsin_ok(&data, &["agency", "add", "USA", "--name", "OFAC"]);
    tocsin_ok(&data, &["agency", "add", "FRA", "--name", "FR"]);
    let old_s = old.to_str().expect("path");
    let new_s = new.to_str().expect("path");

    let first = import(&data, &["ofac-sdn", old_s, "--agency", "USA"]);
    assert_eq!(counts(&first), [14_668, 0, 0, 0, 0]);
    let second = import(&data, &["ofac-sdn", new_s, "--agency", "USA"]);
    assert_eq!(counts(&second), [305, 0, 0, 8, 14_660], "the data README: 305 added, 8 removed, 0 changed");
    let again = import(&data, &["ofac-sdn", new_s, "--agency", "USA"]);
    assert_eq!(counts(&again), [0, 0, 0, 0, 14_965], "the same file twice changes nothing");

    // A de-listed entry no longer matches; a listed one does.
    let removed: Vec<String> = ent_nums(&old).difference(&ent_nums(&new)).cloned().collect();
    assert_eq!(removed.len(), 8);
    let text = String::from_utf8_lossy(&std::fs::read(&old).expect("read")).into_owned();
    let row = text.lines().find(|l| l.starts_with(&format!("{},", removed[0]))).expect("row");
    let name = row.split('"').nth(1).expect("name");
    assert!(!sources(&screen(&data, "FRA", name)).contains(&removed[0]), "{name} was de-listed");
    assert!(sources(&screen(&data, "FRA", "Ayman AL ZAWAHIRI")).contains(&"2676".to_owned()));

    // Going back to the old file re-lists the 8 and de-lists the 305.
    let back = import(&data, &["ofac-sdn", old_s, "--agency", "USA"]);
    assert_eq!(counts(&back), [0, 0, 8, 305, 14_660]);
    assert!(tocsin_ok(&data, &["audit", "verify"]).contains("OK"));
}

#[test]
#[ignore = "needs ../shared/data"]
fn un_list_belongs_to_gs_and_a_broken_file_changes_nothing() {
    let un = shared("un/un_sc_consolidated_2026-02-27.xml");
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    tocsin_ok(&data, &["init"]);
    tocsin_ok(&data, &["agency", "add", "DEU", "--name", "DE"]);
    let first = import(&data, &["un-sanctions", un.to_str().expect("path")]);
    assert_eq!(counts(&first), [1003, 0, 0, 0, 0]);
    let hit = screen(&data, "DEU", "Eric Badege");
    assert_eq!(hit["matches"][0]["record"]["owner"], "GS");
    assert_eq!(hit["matches"][0]["record"]["source"], json!({"list": "un-sanctions", "id": "CDi.001"}));

    // Truncated: an error with the position, and the store as it was.
    let text = std::fs::read(&un).expect("read");
    let cut = dir.path().join("cut.xml");
    std::fs::write(&cut, &text[..text.len() / 2]).expect("write");
    let out = tocsin(&data, &["import", "un-sanctions", cut.to_str().expect("path")]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("byte") && err.contains("truncated") && err.contains("nothing was imported"), "{err}");
    let again = import(&data, &["un-sanctions", un.to_str().expect("path")]);
    assert_eq!(counts(&again), [0, 0, 0, 0, 1003], "the broken file de-listed nothing");
}

#[test]
fn interpol_and_ftm_files_import_with_skips_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    tocsin_ok(&data, &["init"]);
    tocsin_ok(&data, &["agency", "add", "ITA", "--name", "IT"]);
    let notices = dir.path().join("red.json");
    let page = json!({"total": 2, "_embedded": {"notices": [
        {"forename": "MARCO", "name": "ESEMPIO", "date_of_birth": "1975/03/02", "entity_id": "2019/1", "nationalities": ["IT"]},
        {"entity_id": "2019/2", "nationalities": ["IT"]}]},
        "_links": {"self": {"href": "https://ws-public.interpol.int/notices/v1/red?page=1"}}});
    std::fs::write(&notices, page.to_string()).expect("write");
    let r = import(&data, &["interpol-notices", notices.to_str().expect("path"), "--agency", "GS"]);
    assert_eq!(counts(&r), [1, 0, 0, 0, 0]);
    assert_eq!(r["skipped"][0]["id"], "2019/2");
    assert_eq!(r["skipped"][0]["reason"], "the notice has no name");
    let hit = screen(&data, "ITA", "Marco Esempio");
    assert_eq!(hit["matches"][0]["record"]["handling"]["code"], "arrest");

    let ftm = dir.path().join("entities.ftm.json");
    std::fs::write(
        &ftm,
        "{\"id\":\"p1\",\"schema\":\"Person\",\"properties\":{\"name\":[\"Olga Primerova\"],\"birthDate\":[\"1980\"]}}\n\
         {\"id\":\"x1\",\"schema\":\"Airplane\",\"properties\":{\"name\":[\"X\"]}}\n",
    )
    .expect("write");
    let r = import(&data, &["ftm", ftm.to_str().expect("path"), "--agency", "ITA"]);
    assert_eq!(counts(&r), [1, 0, 0, 0, 0]);
    assert_eq!(r["skipped"], json!([{"at": "line 2", "id": "x1", "reason": "schema Airplane is not imported"}]));

    // No owner given for a list that is not the UN's.
    let out = tocsin(&data, &["import", "ftm", ftm.to_str().expect("path")]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("required") && err.contains("--agency <AGENCY>"), "{err}");
}

#[test]
#[ignore = "needs ../shared/data"]
fn imports_over_http_stream_the_file_for_admins_only() {
    let un = shared("un/un_sc_consolidated_2026-02-27.xml");
    let s = TestServer::start();
    let gs_admin = s.token("GS", "admin");
    let fra = s.token("FRA", "officer");
    let body = std::fs::read(&un).expect("read");

    // Each upload on a fresh connection: the server may close one on which
    // it refused an upload before reading it, and a pooled one could be
    // reused just as it does.
    let upload = |token: &str, format: &str| {
        reqwest::blocking::Client::new()
            .post(format!("{}/v1/imports?format={format}", s.base))
            .bearer_auth(token)
            .body(body.clone())
            .send()
            .expect("POST")
    };
    assert_eq!(json(upload(&fra, "un-sanctions")).0, 403, "officers do not import");
    let (status, err) = json(upload(&gs_admin, "eu"));
    assert_eq!((status, err["error"]["field"].as_str()), (400, Some("format")), "{err}");

    let (status, report) = json(upload(&gs_admin, "un-sanctions"));
    assert_eq!(status, 200, "{report}");
    assert_eq!(counts(&report), [1003, 0, 0, 0, 0]);

    // The live index has the list at once.
    let (_, found) = json(s.post(&fra, "/v1/screen").json(&json!({"name": "Eric Badege"})).send().expect("screen"));
    assert_eq!(found["matches"][0]["record"]["source"]["id"], "CDi.001", "{found}");

    let (status, err) = json(
        s.post(&gs_admin, "/v1/imports?format=un-sanctions")
            .body(body[..body.len() / 3].to_vec())
            .send()
            .expect("POST"),
    );
    assert_eq!(status, 400);
    assert!(err["error"]["message"].as_str().is_some_and(|m| m.contains("truncated")), "{err}");
    let (_, again) = json(s.post(&gs_admin, "/v1/imports?format=un-sanctions").body(body).send().expect("POST"));
    assert_eq!(counts(&again), [0, 0, 0, 0, 1003]);
}

/// Serves `body` to one HTTP request on 127.0.0.1 and returns the URL.
fn serve_once(body: Vec<u8>) -> String {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/consolidated.xml", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        let Ok((stream, _)) = listener.accept() else { return };
        let mut reader = BufReader::new(stream);
        let mut line = String::new();
        while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
            line.clear();
        }
        let mut stream = reader.into_inner();
        let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
        let _ = stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(&body));
    });
    url
}

#[test]
#[ignore = "needs ../shared/data"]
fn the_un_list_is_fetched_by_url() {
    let un = shared("un/un_sc_consolidated_2026-02-27.xml");
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    tocsin_ok(&data, &["init"]);
    let url = serve_once(std::fs::read(&un).expect("read"));
    let report = import(&data, &["un-sanctions", &url]);
    assert_eq!(counts(&report), [1003, 0, 0, 0, 0]);
}

/// The UN list without the entry `reference`.
fn without_entry(xml: &str, reference: &str) -> String {
    let at = xml.find(&format!("<REFERENCE_NUMBER>{reference}</REFERENCE_NUMBER>")).expect("the entry");
    let start = xml[..at].rfind("<INDIVIDUAL>").expect("its start");
    let end = at + xml[at..].find("</INDIVIDUAL>").expect("its end") + "</INDIVIDUAL>".len();
    format!("{}{}", &xml[..start], &xml[end..])
}

#[test]
#[ignore = "needs ../shared/data"]
fn the_un_list_issues_special_notices_and_delisting_cancels_them() {
    let un = shared("un/un_sc_consolidated_2026-02-27.xml");
    let s = TestServer::start();
    let gs_admin = s.token("GS", "admin");
    let fra = s.token("FRA", "officer");
    let body = std::fs::read_to_string(&un).expect("read");

    let (status, report) =
        json(s.post(&gs_admin, "/v1/imports?format=un-sanctions").body(body.clone()).send().expect("POST"));
    assert_eq!(status, 200, "{report}");
    assert_eq!((report["notices_published"].as_u64(), report["notices_cancelled"].as_u64()), (Some(1003), Some(0)));

    // Screening shows the notice with what it asks.
    let found = s.screen(&fra, &json!({"name": "Eric Badege"}));
    let notices = &found["matches"][0]["notices"];
    assert_eq!(notices.as_array().map(Vec::len), Some(1), "{found}");
    assert_eq!(notices[0]["type"], "un_special");
    assert!(notices[0]["requested_action"].as_str().is_some_and(|a| a.contains("UN sanctions")), "{notices}");
    let id = notices[0]["id"].as_str().expect("notice id").to_owned();
    let (status, notice) = json(s.get(&fra, &format!("/v1/notices/{id}")).send().expect("GET"));
    assert_eq!(status, 200, "any agency reads a published notice on a record it sees: {notice}");
    assert_eq!(notice["content"]["un_reference"], "CDi.001");
    assert_eq!(notice["content"]["un_regime"], "DRC");
    assert_eq!(notice["content"]["un_listed_on"], "2012-12-31");
    assert_eq!(notice["status"], "published");
    assert!(notice["entity_id"].as_str().is_some_and(|e| e.len() == 10 && e.as_bytes()[4] == b'/'), "{notice}");

    // The same list again: nothing new. Without CDi.001: de-listed, and its
    // notice cancelled with the reason.
    let (_, again) =
        json(s.post(&gs_admin, "/v1/imports?format=un-sanctions").body(body.clone()).send().expect("POST"));
    assert_eq!((again["notices_published"].as_u64(), again["notices_cancelled"].as_u64()), (Some(0), Some(0)));
    let (status, fewer) = json(
        s.post(&gs_admin, "/v1/imports?format=un-sanctions")
            .body(without_entry(&body, "CDi.001"))
            .send()
            .expect("POST"),
    );
    assert_eq!(status, 200, "{fewer}");
    assert_eq!(counts(&fewer), [0, 0, 0, 1, 1002]);
    assert_eq!(fewer["notices_cancelled"].as_u64(), Some(1));
    let (_, notice) = json(s.get(&gs_admin, &format!("/v1/notices/{id}")).send().expect("GET"));
    assert_eq!(notice["status"], "cancelled", "{notice}");
    let last = &notice["history"][1];
    assert_eq!((last["from"].as_str(), last["to"].as_str()), (Some("published"), Some("cancelled")));
    assert!(last["reason"].as_str().is_some_and(|r| r.contains("de-listed")), "{last}");
    assert_eq!(
        s.get(&fra, &format!("/v1/notices/{id}")).send().expect("GET").status(),
        404,
        "no longer public to others"
    );

    // Re-listed: a new notice (the cancelled one stays as it was).
    let (_, back) = json(s.post(&gs_admin, "/v1/imports?format=un-sanctions").body(body).send().expect("POST"));
    assert_eq!((back["relisted"].as_u64(), back["notices_published"].as_u64()), (Some(1), Some(1)));
    let found = s.screen(&fra, &json!({"name": "Eric Badege"}));
    let new_id = found["matches"][0]["notices"][0]["id"].as_str().expect("a notice again");
    assert_ne!(new_id, id);
}
