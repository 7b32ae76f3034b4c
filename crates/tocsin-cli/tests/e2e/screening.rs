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

#[test]
fn compare_scores_names_and_csv_pairs() {
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
        (json!({"name1": "A"}), ""),
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
