//! The audit chain: verification over HTTP and the CLI, tampering caught,
//! and a clean shutdown that flushes the log.

use serde_json::json;

use crate::helpers::{TestServer, json, person, tocsin, tocsin_ok};

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
    let (status, entries) = json(s.get(&auditor, "/v1/audit?limit=1000").send().expect("audit"));
    assert_eq!(status, 200, "{entries}");
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

/// Runs SQL on a stopped server's database, around the append-only
/// triggers, as an intruder with the file would.
fn tamper(s: &TestServer, statements: &[&str]) {
    let db = s.data.join("tocsin.db");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    rt.block_on(async {
        use sqlx::Connection;
        let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display())).await.expect("open db");
        for sql in statements {
            // The test's own fixed statements.
            sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
                .execute(&mut c)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
    });
}

/// `tocsin serve` on `s`'s data, expected to exit by itself within a minute;
/// its exit status and standard error.
fn serve_expecting_exit(s: &TestServer) -> (std::process::ExitStatus, String) {
    let mut child = std::process::Command::new(crate::helpers::BIN)
        .arg("--data")
        .arg(&s.data)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            let mut err = String::new();
            std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut err).expect("read");
            return (status, err);
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("the server started on a broken audit log");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// Removing the last entries leaves a chain that links up; the signed
/// checkpoints catch it: `audit verify` fails naming the truncation, the
/// server refuses to start, and with `--allow-broken-audit` it starts,
/// logs that it did, and `/v1/health` says the audit is broken.
#[test]
fn a_log_cut_at_its_end_is_caught_by_its_signed_checkpoints() {
    let mut s = TestServer::start();
    let admin = s.token("FRA", "admin");
    for i in 0..5 {
        s.create(&admin, &person(&format!("P{i}"), json!({"mode": "all"})));
    }
    assert!(s.terminate().success(), "stopped");
    let out = tocsin(&s.data, &["audit", "verify"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && stdout.contains("checkpoint(s) hold"), "{stdout}");

    tamper(
        &s,
        &["DROP TRIGGER audit_is_append_only_delete", "DELETE FROM audit WHERE seq > (SELECT max(seq) - 3 FROM audit)"],
    );
    let out = tocsin(&s.data, &["audit", "verify"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("truncated"), "{stdout}");

    let (status, stderr) = serve_expecting_exit(&s);
    assert!(!status.success(), "{stderr}");
    assert!(stderr.contains("does not hold") && stderr.contains("--allow-broken-audit"), "{stderr}");

    s.start_again_with(&["--allow-broken-audit"]);
    let (_, health) = json(s.anonymous("/v1/health").send().expect("health"));
    assert_eq!(health["audit"], "broken", "{health}");
    let (status, entries) = json(s.get(&s.token("GS", "auditor"), "/v1/audit?limit=1000").send().expect("audit"));
    assert_eq!(status, 200, "{entries}");
    let accepted = entries.as_array().expect("entries").iter().find(|e| e["action"] == "audit.broken_accepted");
    let accepted = accepted.unwrap_or_else(|| panic!("the acceptance is logged: {entries}"));
    assert!(accepted["objects"][0].as_str().is_some_and(|w| w.contains("truncated")), "{accepted}");
}

/// An entry whose stored hash no longer is the one signed at a checkpoint
/// fails `audit verify` and stops the server at start.
#[test]
fn a_log_rewritten_before_its_checkpoint_is_caught() {
    let mut s = TestServer::start();
    let admin = s.token("FRA", "admin");
    s.create(&admin, &person("P", json!({"mode": "all"})));
    assert!(s.terminate().success());
    let printed = tocsin_ok(&s.data, &["audit", "checkpoint"]);
    let checkpoint: serde_json::Value = serde_json::from_str(&printed).expect("checkpoint JSON");
    let at = checkpoint["seq"].as_u64().expect("seq");
    tamper(
        &s,
        &[
            "DROP TRIGGER audit_is_append_only_update",
            &format!("UPDATE audit SET hash = '{}' WHERE seq = {at}", "00".repeat(32)),
        ],
    );
    let out = tocsin(&s.data, &["audit", "verify"]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stdout));
    let (status, _) = serve_expecting_exit(&s);
    assert!(!status.success());
}

/// A checkpoint printed by `tocsin audit checkpoint` verifies with the
/// public key alone, and not once altered or under another key.
#[test]
fn an_exported_checkpoint_verifies_with_the_public_key_only() {
    let s = TestServer::start();
    let admin = s.token("FRA", "admin");
    s.create(&admin, &person("P", json!({"mode": "all"})));
    let exported = tocsin_ok(&s.data, &["audit", "checkpoint"]);
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("checkpoint.jsonl");
    std::fs::write(&file, &exported).expect("write");
    let key = s.data.join("audit-signing.pub");
    let check = |key: &std::path::Path, file: &std::path::Path| {
        // Run outside any data directory: the key and the file are all it has.
        std::process::Command::new(crate::helpers::BIN)
            .args(["--data", "/nonexistent", "audit", "check-checkpoint", "--public-key"])
            .arg(key)
            .arg(file)
            .output()
            .expect("run")
    };
    let out = check(&key, &file);
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));

    let mut altered: serde_json::Value = serde_json::from_str(&exported).expect("JSON");
    altered["seq"] = json!(altered["seq"].as_u64().expect("seq") + 1);
    let bad = dir.path().join("altered.jsonl");
    std::fs::write(&bad, altered.to_string()).expect("write");
    assert_eq!(check(&key, &bad).status.code(), Some(1), "an altered checkpoint");

    let other = TestServer::start();
    assert_eq!(check(&other.data.join("audit-signing.pub"), &file).status.code(), Some(1), "another key");
}

/// What was refused before reaching the store is audited in the caller's
/// name (`request.invalid`: the route and the error's code), a bad batch
/// line as a `screen` entry, a request without a token as `auth.reject`;
/// and a screening records what was searched even when nothing matched.
#[test]
fn refused_requests_and_fruitless_searches_leave_an_entry() {
    let s = TestServer::start();
    let officer = s.token("FRA", "officer");
    let admin = s.token("FRA", "admin");
    let auditor = s.token("FRA", "auditor");
    let gs = s.token("GS", "auditor");
    let status = |r: reqwest::blocking::RequestBuilder| r.send().expect("send").status().as_u16();
    assert_eq!(status(s.post(&officer, "/v1/screen").body("{\"name\": ")), 400);
    assert_eq!(status(s.get(&officer, "/v1/records?limit=0")), 400);
    assert_eq!(status(s.post(&admin, "/v1/imports?format=un-sanctions").body("<not-a-list")), 400);
    let batch = "{\"name\": \"Nobody Atall\"}\n{\"nom\": \"x\"}\n";
    assert_eq!(status(s.post(&officer, "/v1/screen/batch").body(batch)), 200);
    assert_eq!(status(s.anonymous("/v1/records")), 401);

    let (status, entries) = json(s.get(&auditor, "/v1/audit?limit=1000").send().expect("audit"));
    assert_eq!(status, 200, "{entries}");
    let entries = entries.as_array().expect("entries").clone();
    let find = |action: &str, first: &str| {
        entries
            .iter()
            .find(|e| e["action"] == action && e["objects"][0].as_str().is_some_and(|o| o.starts_with(first)))
            .cloned()
    };
    for (action, first, code) in [
        ("request.invalid", "POST /v1/screen", "invalid_json"),
        ("request.invalid", "GET /v1/records", "invalid_query"),
        ("request.invalid", "POST /v1/imports", ""),
        ("screen", "line:2", "unknown_field"),
    ] {
        let e = find(action, first).unwrap_or_else(|| panic!("no {action} {first}: {entries:?}"));
        assert_eq!(e["outcome"], "invalid", "{e}");
        assert!(e["objects"][1].as_str().is_some_and(|c| c.starts_with(code)), "{e}");
    }
    let searched = find("screen", "query:").expect("the search that matched nothing");
    assert!(searched["objects"][0].as_str().is_some_and(|q| q.contains("Nobody Atall")), "{searched}");

    let (_, all) = json(s.get(&gs, "/v1/audit?limit=1000").send().expect("audit"));
    let anonymous = all.as_array().expect("entries").iter().any(|e| e["action"] == "auth.reject GET /v1/records");
    assert!(anonymous, "a request without a token is logged: {all}");
}

/// The append-only triggers refuse UPDATE and DELETE on the log, its
/// per-agency numbers included; only dropping them first (as `tamper`
/// does) gets around them, and the chain and checkpoints catch that.
#[test]
fn the_log_refuses_update_and_delete() {
    let mut s = TestServer::start();
    let admin = s.token("FRA", "admin");
    s.create(&admin, &person("P", json!({"mode": "all"})));
    assert!(s.terminate().success());
    let db = s.data.join("tocsin.db");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    rt.block_on(async {
        use sqlx::Connection;
        let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display())).await.expect("open db");
        for sql in [
            "UPDATE audit SET agency = 'DEU' WHERE seq = 1",
            "DELETE FROM audit WHERE seq = 1",
            "UPDATE audit SET number = 99 WHERE seq = 1",
        ] {
            let refused = sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut c).await;
            let err = refused.expect_err(sql).to_string();
            assert!(err.contains("append-only"), "{sql}: {err}");
        }
    });
    let out = tocsin(&s.data, &["audit", "verify"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
}
