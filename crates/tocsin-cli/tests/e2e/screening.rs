//! The screening engine as users reach it: `tocsin mrz`, `tocsin compare`
//! and `POST /v1/compare`.

use serde_json::{Value, json};

use crate::helpers::{BIN, TestServer, json};

fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let out = std::process::Command::new(BIN).args(args).output().expect("run tocsin");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const TD3: [&str; 2] = ["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10"];

#[test]
fn mrz_reports_fields_and_checks() {
    let (code, out, _) = run(&["mrz", TD3[0], TD3[1], "--json"]);
    assert_eq!(code, Some(0), "{out}");
    let m: Value = serde_json::from_str(&out).expect("json");
    assert_eq!((m["format"].as_str(), m["document_number"].as_str()), (Some("TD3"), Some("L898902C3")));
    assert_eq!(m["birth_date"]["date"], "1974-08-12");
    assert_eq!(m["checks"].as_array().map(Vec::len), Some(5));

    let bad = TD3[1].replacen("7408122", "7408132", 1);
    let (code, out, _) = run(&["mrz", TD3[0], &bad]);
    assert_eq!(code, Some(1), "a failed check exits 1");
    assert!(out.contains("check birth_date") && out.contains("FAILED"), "{out}");

    let (code, _, err) = run(&["mrz", "P<UTO", "L89"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("2 lines of 44"), "{err}");
}

/// An ICAO 9303 check digit (weights 7, 3, 1).
fn check_digit(field: &str) -> char {
    let value = |c: char| match c {
        '0'..='9' => c as u32 - '0' as u32,
        'A'..='Z' => c as u32 - 'A' as u32 + 10,
        _ => 0,
    };
    let sum: u32 = field.chars().zip([7, 3, 1].iter().cycle()).map(|(c, w)| value(c) * w).sum();
    char::from_digit(sum % 10, 10).expect("a digit")
}

/// The second line of a TD3 MRZ with every check digit right.
fn td3_line(number: &str, birth: &str, expiry: &str) -> String {
    let optional = "<<<<<<<<<<<<<<";
    let composite = format!(
        "{number}{}{birth}{}{expiry}{}{optional}{}",
        check_digit(number),
        check_digit(birth),
        check_digit(expiry),
        check_digit(optional)
    );
    format!(
        "{number}{}UTO{birth}{}F{expiry}{}{optional}{}{}",
        check_digit(number),
        check_digit(birth),
        check_digit(expiry),
        check_digit(optional),
        check_digit(&composite)
    )
}

#[test]
fn mrz_writes_the_format_as_the_standard_does_and_flags_an_expired_document_and_a_minor() {
    let (code, out, _) = run(&["mrz", TD3[0], TD3[1], "--now", "2026-12-06T00:00:00Z"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("format                TD3\n"), "{out}");
    assert!(out.contains("expiry date           2012-04-15 EXPIRED"), "{out}");
    assert!(!out.contains("under 18"), "{out}");
    // The same document before its expiry date is not flagged.
    let (_, out, _) = run(&["mrz", TD3[0], TD3[1], "--now", "2011-01-01T00:00:00Z"]);
    assert!(out.contains("expiry date           2012-04-15\n"), "{out}");

    // A holder born 2010-05-20: under 18 the day before the eighteenth
    // birthday, not on it.
    let line = td3_line("X12345670", "100520", "300101");
    let (code, out, _) = run(&["mrz", TD3[0], &line, "--now", "2028-05-19T12:00:00Z", "--json"]);
    assert_eq!(code, Some(0), "{out}");
    let m: Value = serde_json::from_str(&out).expect("json");
    assert_eq!((m["minor"].as_bool(), m["expired"].as_bool()), (Some(true), Some(false)), "{m}");
    let (_, out, _) = run(&["mrz", TD3[0], &line, "--now", "2028-05-20T12:00:00Z"]);
    assert!(!out.contains("under 18"), "{out}");
    let (_, out, _) = run(&["mrz", TD3[0], &line, "--now", "2028-05-19T12:00:00Z"]);
    assert!(out.contains("holder                under 18"), "{out}");
}

#[test]
fn help_and_version_say_what_tocsin_is() {
    let (code, out, _) = run(&["--version"]);
    assert_eq!(code, Some(0));
    assert_eq!(out.trim(), format!("tocsin {}", env!("CARGO_PKG_VERSION")));
    let (code, out, _) = run(&["--help"]);
    assert_eq!(code, Some(0));
    assert!(out.starts_with("Tocsin: law-enforcement information sharing and real-time screening."), "{out}");
    assert!(out.contains("Usage: tocsin"), "{out}");
    assert!(out.contains("RUST_LOG") && out.contains("NO_COLOR"), "the logs' settings are named: {out}");
    for option in ["--data", "--store", "--events", "--now"] {
        assert!(!out.contains(option), "{option} is not shown where no command is chosen: {out}");
    }
    // Each command shows the options it uses, and only those.
    let (_, compare, _) = run(&["compare", "--help"]);
    assert!(!compare.contains("--data") && !compare.contains("--now"), "{compare}");
    let (_, mrz, _) = run(&["mrz", "--help"]);
    assert!(mrz.contains("--now") && !mrz.contains("--store"), "{mrz}");
    let (_, serve, _) = run(&["serve", "--help"]);
    assert!(["--data", "--store", "--events", "--now"].iter().all(|o| serve.contains(o)), "{serve}");
    let (_, add, _) = run(&["agency", "add", "--help"]);
    assert!(add.contains("--data") && !add.contains("--now"), "{add}");
}

#[test]
fn shell_completions_and_a_man_page_are_generated() {
    let (code, bash, _) = run(&["completions", "bash"]);
    assert_eq!(code, Some(0));
    assert!(bash.contains("complete -F") && bash.contains("tocsin") && bash.contains("screen"), "{bash:.300}");
    let (code, fish, _) = run(&["completions", "fish"]);
    assert_eq!(code, Some(0));
    assert!(fish.contains("complete -c tocsin"), "{fish:.300}");
    let (code, man, _) = run(&["man"]);
    assert_eq!(code, Some(0));
    assert!(man.starts_with(".ie") || man.contains(".TH tocsin"), "{man:.300}");
    assert!(man.contains("screening"), "{man:.300}");
}

#[test]
fn logs_carry_no_colour_codes_off_a_terminal() {
    // The test server writes its log to a file.
    let s = crate::helpers::TestServer::start();
    let log = s.log();
    assert!(log.contains("INFO"), "{log}");
    assert!(!log.contains('\u{1b}'), "no escape codes in a log file: {log:.300}");
}

#[test]
fn compare_scores_names_and_csv_pairs() {
    let (code, _, err) = run(&["compare", "Vladimir Putin", "  "]);
    assert_eq!((code, err.trim()), (Some(2), "error: the second name is empty"));
    let (code, out, _) = run(&["compare", "Vladimir Putin", "Владимир Путин", "--json"]);
    assert_eq!(code, Some(0));
    let m: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(m["match"], true, "{m}");
    assert!(m["explanation"]["pairs"].as_array().is_some_and(|p| p.len() == 2));

    let dir = tempfile::tempdir().expect("tempdir");
    let csv = dir.path().join("pairs.csv");
    std::fs::write(&csv, "name1,name2\nMohammed bin Salman,Muhammad ibn Salman\nJohn Smith,Jane Doe\n").expect("write");
    let (code, out, _) = run(&["compare", "--pairs", csv.to_str().expect("path")]);
    assert_eq!(code, Some(0));
    let lines: Vec<Value> = out.lines().map(|l| serde_json::from_str(l).expect("json line")).collect();
    assert_eq!(lines.iter().map(|l| l["match"].as_bool()).collect::<Vec<_>>(), [Some(true), Some(false)]);

    std::fs::write(&csv, "a,b\nx,y\n").expect("write");
    let (code, _, err) = run(&["compare", "--pairs", csv.to_str().expect("path")]);
    assert_eq!(code, Some(2));
    assert!(err.contains("name1 and name2"), "{err}");
}

#[test]
fn compare_over_http() {
    let s = TestServer::start();
    let officer = s.token("DEU", "officer");
    let (status, body) = json(
        s.post(&officer, "/v1/compare")
            .json(&json!({"name1": "SIDOROV, Ivan", "name2": "Иван Сидоров"}))
            .send()
            .expect("POST"),
    );
    assert_eq!((status, body["match"].as_bool()), (200, Some(true)), "{body}");
    assert!(body["explanation"]["pairs"].as_array().is_some_and(|p| !p.is_empty()));
    let org = json!({"name1": "Example Trading LLC", "name2": "Other Trading LLC", "kind": "organization"});
    let (status, body) = json(s.post(&officer, "/v1/compare").json(&org).send().expect("POST"));
    assert_eq!((status, body["match"].as_bool()), (200, Some(false)), "{body}");

    for (body, field) in [
        (json!({"name1": "A"}), "name2"),
        (json!({"name1": "A", "name2": "x".repeat(1001)}), "name2"),
        (json!({"name1": "A", "name2": "B", "kind": "vessel"}), "kind"),
    ] {
        let (status, err) = json(s.post(&officer, "/v1/compare").json(&body).send().expect("POST"));
        assert_eq!(status, 400, "{err}");
        assert_eq!(err["error"]["field"].as_str().unwrap_or(""), field, "{err}");
    }
    let (status, _) = json(
        reqwest::blocking::Client::new()
            .post(format!("{}/v1/compare", s.base))
            .json(&json!({"name1": "a", "name2": "b"}))
            .send()
            .expect("POST"),
    );
    assert_eq!(status, 401);
}

fn screen(s: &TestServer, token: &str, body: &Value) -> (u16, Value) {
    json(s.post(token, "/v1/screen").json(body).send().expect("POST /v1/screen"))
}

fn ids(body: &Value) -> Vec<String> {
    body["matches"]
        .as_array()
        .expect("matches")
        .iter()
        .filter_map(|m| m["record"]["id"].as_str().map(str::to_owned))
        .collect()
}

#[test]
fn screening_finds_names_documents_and_mrz_within_the_access_rules() {
    let s = TestServer::start();
    let fra = s.token("FRA", "admin");
    let ivan = s.create(
        &fra,
        &json!({
        "kind": "person",
        "names": [{"full": "Ivan Petrovich SIDOROV"}, {"full": "Иван Петрович Сидоров", "type": "original_script"}],
        "birth_dates": ["1970-05-01"], "nationalities": ["RUS"], "sex": "male",
        "documents": [{"number": "720000123", "country": "RUS", "type": "passport"}],
        "handling": {"code": "arrest"}, "access": {"mode": "except", "countries": ["ITA"]}}),
    );
    let doc = s.create(
        &fra,
        &json!({"kind": "travel_document", "number": "L898902C3", "country": "FRA", "status": "stolen",
        "handling": {"code": "seize_document"}, "access": {"mode": "all"}}),
    );
    let (ivan_id, doc_id) = (ivan["id"].as_str().expect("id"), doc["id"].as_str().expect("id"));
    let deu = s.token("DEU", "officer");

    let (status, body) = screen(
        &s,
        &deu,
        &json!({"name": "Иван Сидоров", "birth_date": "1970", "nationality": "RUS", "location": "CDG T2", "purpose": "border_check"}),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(ids(&body).first().map(String::as_str), Some(ivan_id), "{body}");
    let top = &body["matches"][0];
    assert!(top["score"].as_f64().is_some_and(|s| s >= 0.9), "{top}");
    assert_eq!(top["handling"]["code"], "arrest");
    let features: Vec<&str> = top["explanation"]["features"]
        .as_array()
        .expect("features")
        .iter()
        .filter_map(|f| f["feature"].as_str())
        .collect();
    assert_eq!(features, ["name", "birth_date", "nationality"]);

    let (_, other_sex) =
        screen(&s, &deu, &json!({"name": "Иван Сидоров", "birth_date": "1970", "nationality": "RUS", "sex": "female"}));
    let contradicted = &other_sex["matches"][0];
    assert!(contradicted["score"].as_f64() < top["score"].as_f64(), "{other_sex}");
    assert!(
        contradicted["explanation"]["features"].as_array().is_some_and(|f| f.iter().any(|f| f["feature"] == "sex"))
    );

    let (_, body) = screen(&s, &deu, &json!({"document_number": "72OOOOI23"}));
    assert_eq!(ids(&body), [ivan_id], "OCR-confusable characters: {body}");

    // The ICAO specimen MRZ with a broken birth-date check: still screened, the failure named.
    let mrz = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408132F1204159ZE184226B<<<<<10";
    let (status, body) = screen(&s, &deu, &json!({"mrz": mrz}));
    assert_eq!(status, 200, "{body}");
    assert_eq!(ids(&body), [doc_id]);
    assert_eq!(body["mrz"]["failed"], json!(["birth_date", "composite"]));

    // Italy may not see Ivan: nothing about him, not even a lower rank.
    let ita = s.token("ITA", "officer");
    let (_, body) = screen(&s, &ita, &json!({"name": "Ivan Sidorov"}));
    assert!(ids(&body).is_empty(), "{body}");

    // An archived record stops matching at once.
    let (status, _) = json(s.delete(&fra, &format!("/v1/records/{ivan_id}?version=1")).send().expect("DELETE"));
    assert_eq!(status, 200);
    let (_, body) = screen(&s, &deu, &json!({"name": "Ivan Petrovich Sidorov"}));
    assert!(ids(&body).is_empty(), "{body}");

    // The searches are audited with purpose and location.
    let (_, entries) = json(s.get(&s.token("GS", "auditor"), "/v1/audit?limit=1000").send().expect("audit"));
    let logged = entries
        .as_array()
        .expect("entries")
        .iter()
        .find(|e| e["action"] == "screen" && e["agency"] == "DEU")
        .expect("screen logged")
        .clone();
    assert_eq!(logged["purpose"], "border_check @ CDG T2");
}

#[test]
fn bad_screening_requests_are_refused() {
    let s = TestServer::start();
    let deu = s.token("DEU", "officer");
    for (body, field) in [
        (json!({}), ""),
        (json!({"birth_date": "1970"}), ""),
        (json!({"name": "x".repeat(10_000)}), "name"),
        (json!({"name": "A\u{0007}B"}), "name"),
        (json!({"name": "A", "limit": 1000}), "limit"),
        (json!({"mrz": "P<UTO"}), "mrz"),
        (json!({"name": "A", "nationality": "XYZ"}), "nationality"),
        (json!({"name": "A", "colour": "red"}), "colour"),
    ] {
        let (status, err) = screen(&s, &deu, &body);
        assert_eq!(status, 400, "{body}: {err}");
        assert_eq!(err["error"]["field"].as_str().unwrap_or(""), field, "{err}");
    }
    let (status, body) = screen(&s, &deu, &json!({"name": "Иван Сидоров Alexandr Ωμέγα 王伟"}));
    assert_eq!(status, 200, "mixed scripts are screened: {body}");

    let good = json!({"name": "Nobody Known"}).to_string();
    let batch = format!("{good}\n{{\"name\": 5}}\n\n{good}\n");
    let (status, body) = json(s.post(&deu, "/v1/screen/batch").body(batch).send().expect("batch"));
    assert_eq!(status, 200, "{body}");
    let lines: Vec<(u64, bool)> = body["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| (r["line"].as_u64().unwrap_or(0), r["error"].is_object()))
        .collect();
    assert_eq!(lines, [(1, false), (2, true), (4, false)]);
    let too_many: String = (0..1001).map(|_| format!("{good}\n")).collect();
    let (status, err) = json(s.post(&deu, "/v1/screen/batch").body(too_many).send().expect("batch"));
    assert_eq!((status, err["error"]["code"].as_str()), (413, Some("too_many_lines")));
}
