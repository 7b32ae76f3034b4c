//! The command line: init, agencies, tokens, import, demo, data directory.

use std::process::Command;

use crate::helpers::{BIN, tocsin, tocsin_ok};

#[test]
fn init_refuses_to_overwrite_and_other_commands_need_a_store() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("d");
    let out = tocsin(&data, &["agency", "add", "FRA", "--name", "France"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("run `tocsin init` first"));

    let first = tocsin_ok(&data, &["init"]);
    let token = first.lines().last().expect("token line");
    assert!(token.starts_with("tcs_") && token.len() == 68, "{first}");
    let again = tocsin(&data, &["init"]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
}

#[test]
fn the_data_directory_comes_from_tocsin_data() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = Command::new(BIN).arg("init").env("TOCSIN_DATA", dir.path().join("env")).output().expect("run");
    assert!(out.status.success());
    assert!(dir.path().join("env").join("tocsin.db").exists());
}

#[test]
fn tokens_check_agency_and_role() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("d");
    tocsin_ok(&data, &["init"]);
    tocsin_ok(&data, &["agency", "add", "FRA", "--name", "France"]);
    for (args, says) in [
        (vec!["token", "create", "--agency", "FRA", "--role", "reviewer"], "General Secretariat"),
        (vec!["token", "create", "--agency", "DEU", "--role", "officer"], "agency DEU"),
        (vec!["token", "create", "--agency", "FRA", "--role", "boss"], "not a role"),
        (vec!["token", "create", "--agency", "XX", "--role", "officer"], "agency code"),
        (vec!["agency", "add", "QQQ", "--name", "Nowhere"], "agency code"),
    ] {
        let out = tocsin(&data, &args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success() && err.contains(says), "{args:?}: {err}");
    }
}

#[test]
fn demo_data_imports_and_a_bad_file_imports_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("d");
    tocsin_ok(&data, &["init"]);
    tocsin_ok(&data, &["agency", "add", "FRA", "--name", "France"]);
    let file = dir.path().join("demo.jsonl");
    tocsin_ok(&data, &["demo", "--persons", "300", "--documents", "200", "--out", file.to_str().expect("path")]);
    let text = std::fs::read_to_string(&file).expect("demo file");
    assert_eq!(text.lines().count(), 500);

    // An owner that is not registered is named, and nothing is imported.
    let out = tocsin(&data, &["import", "jsonl", file.to_str().expect("path"), "--agency", "DEU"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("--agency DEU is not a registered agency"), "{err}");

    let bad = dir.path().join("bad.jsonl");
    let mut lines: Vec<&str> = text.lines().take(10).collect();
    lines.insert(4, r#"{"kind": "person", "names": [{"full": "X"}], "birth_dates": ["1970-02-30"]}"#);
    std::fs::write(&bad, lines.join("\n")).expect("write");
    let out = tocsin(&data, &["import", "jsonl", bad.to_str().expect("path"), "--agency", "FRA"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("bad.jsonl:5: birth_dates[0]"), "{err}");

    let done = tocsin_ok(&data, &["import", "jsonl", file.to_str().expect("path"), "--agency", "FRA"]);
    assert!(done.starts_with("imported 500 records for FRA"), "{done}");
    assert!(tocsin_ok(&data, &["audit", "verify"]).starts_with("audit log OK"));
}
