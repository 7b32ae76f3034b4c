//! Backups taken while the server writes, and their restore, as an
//! operator runs them: the copy is consistent and its audit log holds; a
//! backup never overwrites, a corrupt one never restores.

use std::path::Path;

use serde_json::json;

use crate::helpers::{TestServer, person, tocsin, tocsin_ok};

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_backup_taken_while_the_server_writes_restores_into_a_store_that_holds() {
    let s = TestServer::start();
    let admin = s.token("FRA", "admin");
    s.create(&admin, &person("Ivan Petrovich SIDOROV", json!({"mode": "all"})));
    let work = tempfile::tempdir().expect("tempdir");
    let into = work.path().join("backup-1");
    // Writes go on while the backup is taken.
    let writer = {
        let base = s.base.clone();
        std::thread::spawn(move || {
            let client = reqwest::blocking::Client::new();
            for i in 0..40 {
                let r = client
                    .post(format!("{base}/v1/records"))
                    .bearer_auth(&admin)
                    .json(&person(&format!("Writer Person {i}"), json!({"mode": "all"})))
                    .send()
                    .expect("create");
                assert_eq!(r.status(), 201);
            }
        })
    };
    let made = s.cli(&["backup", into.to_str().expect("path")]);
    writer.join().expect("writer");
    assert!(made.contains("audit log of") && made.contains("holds"), "{made}");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(into.join("backup.json")).expect("manifest")).expect("json");
    for file in ["tocsin.db", "audit-signing.key", "audit-signing.pub", "monitor.token"] {
        assert!(manifest["files"][file].is_string(), "{file} in {manifest}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(into.join("tocsin.db")).expect("db").permissions().mode();
        assert_eq!(mode & 0o077, 0, "the copy is private: {mode:o}");
    }

    // Into a directory that exists: refused, and what is there untouched.
    let again = s.cli_output(&["backup", into.to_str().expect("path")]);
    assert!(!again.status.success());
    assert!(stderr(&again).contains("already exists"), "{}", stderr(&again));
    assert!(into.join("backup.json").exists());

    // Restored elsewhere: the audit log holds and the record is found.
    let restored = work.path().join("restored");
    let said = tocsin_ok(&restored, &["restore", into.to_str().expect("path")]);
    assert!(said.contains("holds"), "{said}");
    let verified = tocsin_ok(&restored, &["audit", "verify"]);
    assert!(verified.starts_with("audit log OK"), "{verified}");
    let found = tocsin_ok(&restored, &["screen", "--as", "FRA", "--name", "Ivan Sidorov", "--json"]);
    assert!(found.contains("SIDOROV"), "{found}");
    // A restore never replaces a store.
    let over = tocsin(&restored, &["restore", into.to_str().expect("path")]);
    assert!(!over.status.success());
    assert!(stderr(&over).contains("not empty"), "{}", stderr(&over));
}

#[test]
fn a_corrupt_backup_or_a_directory_that_is_none_restores_nothing() {
    let s = TestServer::start();
    let work = tempfile::tempdir().expect("tempdir");
    let into = work.path().join("backup");
    s.cli(&["backup", into.to_str().expect("path")]);
    // One byte of the database changed.
    let db = into.join("tocsin.db");
    let mut bytes = std::fs::read(&db).expect("db");
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    std::fs::write(&db, bytes).expect("write");
    let target = work.path().join("target");
    let out = tocsin(&target, &["restore", into.to_str().expect("path")]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("tocsin.db: does not match its checksum"), "{}", stderr(&out));
    assert!(!target.exists() && !Path::new(&format!("{}.restoring", target.display())).exists(), "nothing left behind");

    let empty = work.path().join("empty");
    std::fs::create_dir(&empty).expect("dir");
    let out = tocsin(&target, &["restore", empty.to_str().expect("path")]);
    assert!(stderr(&out).contains("is not a Tocsin backup"), "{}", stderr(&out));
}
