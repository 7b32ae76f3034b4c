//! The audit chain: verification over HTTP and the CLI, tampering caught,
//! and a clean shutdown that flushes the log.

use serde_json::json;

use crate::helpers::{TestServer, json, person, tocsin};

#[test]
fn every_request_is_logged_and_the_chain_verifies() {
    let s = TestServer::start();
    let admin = s.token("FRA", "admin");
    let id = s.create(&admin, &person("Logged", json!({"mode": "all"})))["id"].as_str().expect("id").to_owned();
    let officer = s.token("DEU", "officer");
    let r =
        s.get(&officer, &format!("/v1/records/{id}")).header("tocsin-purpose", "border_check CDG").send().expect("GET");
    assert_eq!(r.status(), 200);

    let auditor = s.token("GS", "auditor");
    let (status, v) = json(s.get(&auditor, "/v1/audit/verify").send().expect("verify"));
    assert_eq!((status, v["ok"].as_bool()), (200, Some(true)), "{v}");
    let (_, entries) = json(s.get(&auditor, "/v1/audit?limit=1000").send().expect("audit"));
    let read =
        entries.as_array().expect("entries").iter().find(|e| e["action"] == "record.read" && e["agency"] == "DEU");
    let read = read.expect("the read was logged");
    assert_eq!((read["objects"][0].as_str(), read["purpose"].as_str()), (Some(id.as_str()), Some("border_check CDG")));
    let (status, _) = json(s.get(&officer, "/v1/audit/verify").send().expect("verify"));
    assert_eq!(status, 403, "only auditors verify");
}

#[test]
fn an_altered_entry_is_named_by_verify() {
    let s = TestServer::start();
    let admin = s.token("FRA", "admin");
    for i in 0..5 {
        s.create(&admin, &person(&format!("P{i}"), json!({"mode": "all"})));
    }
    let out = tocsin(&s.data, &["audit", "verify"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));

    // Reach around the store, as an intruder with the file would.
    let db = s.data.join("tocsin.db");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    rt.block_on(async {
        use sqlx::Connection;
        let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display())).await.expect("open db");
        sqlx::query("DROP TRIGGER audit_is_append_only_update").execute(&mut c).await.expect("drop trigger");
        sqlx::query("UPDATE audit SET agency = 'DEU' WHERE seq = 7").execute(&mut c).await.expect("tamper");
    });

    let out = tocsin(&s.data, &["audit", "verify"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("BROKEN at entry 7") && stdout.contains("ContentAltered"), "{stdout}");
    let (_, v) = json(s.get(&s.token("GS", "auditor"), "/v1/audit/verify").send().expect("verify"));
    assert_eq!(
        (v["ok"].as_bool(), v["broken_at"].as_u64(), v["reason"].as_str()),
        (Some(false), Some(7), Some("content_altered")),
        "{v}"
    );
}

#[test]
fn sigterm_finishes_and_flushes_the_audit_log() {
    let s = TestServer::start();
    let officer = s.token("DEU", "officer");
    for _ in 0..20 {
        assert_eq!(s.get(&officer, "/v1/records").send().expect("list").status(), 200);
    }
    let mut s = s;
    let status = s.terminate();
    assert!(status.success(), "exit status {status:?}");
    let out = tocsin(&s.data, &["audit", "verify"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    let lists = tocsin_count_lists(&s);
    assert_eq!(lists, 20, "every answered request has its durable audit entry");
}

/// `record.list` entries in the log, read through the CLI-free path: the
/// server is down, so open the database directly.
fn tocsin_count_lists(s: &TestServer) -> i64 {
    let db = s.data.join("tocsin.db");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    rt.block_on(async {
        use sqlx::Connection;
        let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display())).await.expect("open db");
        sqlx::query_scalar("SELECT count(*) FROM audit WHERE action = 'record.list'")
            .fetch_one(&mut c)
            .await
            .expect("count")
    })
}
