//! Cluster mode: two or three `tocsin serve` processes on 127.0.0.1 sharing
//! one PostgreSQL database (a fresh schema per test) and one NATS JetStream
//! stream (`--store postgres://… --events nats://…`). Each test runs its
//! own `nats-server` where the binary is installed (so one test can stop
//! it), else uses the one on 127.0.0.1:4222. Ignored by default, as every
//! test that needs a service; `.ci/run` installs and starts both and runs
//! them with `--include-ignored`, where a missing one fails them.

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::{BIN, Place, TestServer, json, person};
use crate::postgres::{Schema, fresh_store};
use crate::sse::SseClient;

/// How long a test waits for a change to reach another node: a state
/// waited for, never a time asserted. The cluster's one-second target is a
/// benchmark figure (`scripts/bench-cluster.sh`, docs/performance.md), not
/// something a test on a loaded 2-core machine can hold to.
pub(crate) const WITHIN: Duration = Duration::from_secs(30);

/// A NATS server with JetStream for one test.
pub(crate) struct Nats {
    /// The private server's binary, process and storage, when there is one.
    private: Option<(PathBuf, Option<Child>, tempfile::TempDir)>,
    pub(crate) port: u16,
}

impl Nats {
    pub(crate) fn start() -> Nats {
        let path = std::env::var_os("PATH").unwrap_or_default();
        let binary = ["/usr/sbin", "/usr/bin", "/usr/local/bin"]
            .into_iter()
            .map(PathBuf::from)
            .chain(std::env::split_paths(&path))
            .map(|dir| dir.join("nats-server"))
            .find(|p| p.is_file());
        if let Some(binary) = binary {
            let mut nats =
                Nats { private: Some((binary, None, tempfile::tempdir().expect("tempdir"))), port: free_port() };
            nats.up();
            return nats;
        }
        assert!(TcpStream::connect("127.0.0.1:4222").is_ok(), "no nats-server binary and no NATS at 127.0.0.1:4222");
        Nats { private: None, port: 4222 }
    }

    /// Whether this test runs its own server (which it can stop).
    pub(crate) fn is_private(&self) -> bool {
        self.private.is_some()
    }

    /// Starts the private server (again, on the same port and storage).
    pub(crate) fn up(&mut self) {
        let port = self.port;
        let Some((binary, child, dir)) = &mut self.private else { return };
        let spawned = Command::new(binary)
            .args(["-a", "127.0.0.1", "-p", &port.to_string(), "-js", "-sd"])
            .arg(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start nats-server");
        *child = Some(spawned);
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "nats-server did not start");
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// Stops the private server.
    pub(crate) fn down(&mut self) {
        if let Some((_, Some(child), _)) = &mut self.private {
            child.kill().expect("stop nats-server");
            child.wait().expect("wait for nats-server");
        }
    }
}

impl Drop for Nats {
    fn drop(&mut self) {
        self.down();
    }
}

pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

/// A fresh schema and a fresh stream of the same name, or `None` (skip).
fn fresh_cluster() -> (Place, Schema, Nats) {
    let (store, schema) = fresh_store();
    let nats = Nats::start();
    let events = format!("nats://127.0.0.1:{}?stream={}", nats.port, schema.name);
    (Place { store: Some(store), events: Some(events), serve: vec![] }, schema, nats)
}

/// Polls `f` every 20 ms until it answers `Some`, for at most `limit`.
pub(crate) fn within<T>(limit: Duration, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(t) = f() {
            return Some(t);
        }
        if Instant::now() >= deadline {
            return None;
        }
        thread::sleep(Duration::from_millis(20));
    }
}

/// The record ids `token` finds on `node` for `query`.
pub(crate) fn found(node: &TestServer, token: &str, query: &Value) -> Vec<String> {
    let r = node.screen(token, query);
    r["matches"]
        .as_array()
        .expect("matches")
        .iter()
        .filter_map(|m| m["record"]["id"].as_str().map(String::from))
        .collect()
}

/// A person record with one passport, visible to all.
fn with_passport(name: &str, number: &str) -> Value {
    let mut p = person(name, json!({"mode": "all"}));
    p["documents"] = json!([{"number": number, "country": "RUS", "type": "passport"}]);
    p
}

/// The next event of `kind` on `client` whose `data.data[key]` is `value`,
/// within `limit`.
fn event_about(client: &SseClient, kind: &str, key: &str, value: &str, limit: Duration) -> Option<Value> {
    let deadline = Instant::now() + limit;
    while let Some(e) = client.next_within(deadline.saturating_duration_since(Instant::now())) {
        if e.event == kind && e.data["data"][key].as_str() == Some(value) {
            return Some(e.data);
        }
    }
    None
}

#[test]
#[ignore = "needs PostgreSQL and NATS (see NEEDS_POSTGRES; nats-server)"]
fn a_change_on_one_node_reaches_the_others() {
    let (place, _schema, _nats) = fresh_cluster();
    let a = TestServer::start_at(place);
    let b = a.another_node();
    let c = a.another_node();
    let fra = a.token("FRA", "admin");
    let deu = a.token("DEU", "officer");
    let ita = a.token("ITA", "officer");
    let fra_on_c = SseClient::connect(&c.base, &fra, None);
    let ita_on_a = SseClient::connect(&a.base, &ita, None);

    let (_, health) = json(b.monitor("/v1/health").send().expect("GET"));
    assert!(health["cluster"]["node"].is_string() && health["cluster"]["bus_connected"] == true, "{health}");

    // A record created on A is screenable on B and C.
    let record = a.create(&fra, &person("Ivan Petrovich SIDOROV", json!({"mode": "all"})));
    let id = record["id"].as_str().expect("id").to_owned();
    let query = json!({"name": "Иван Сидоров", "birth_date": "1970"});
    for node in [&b, &c] {
        let seen = within(WITHIN, || found(node, &deu, &query).contains(&id).then_some(()));
        assert!(seen.is_some(), "the record made on A is not screenable on {} within {WITHIN:?}", node.base);
    }

    // A hit made on B reaches the owner's event stream on C.
    let hit = b.screen(&deu, &json!({"name": "Ivan Sidorov", "location": "CDG"}));
    let hit_id = hit["matches"][0]["hit_id"].as_str().expect("a hit").to_owned();
    let told = event_about(&fra_on_c, "hit", "id", &hit_id, WITHIN);
    assert!(told.is_some(), "the owner's client on C was not told of the hit made on B");

    // A criteria watch set on A fires for a screening on C.
    let r = a.post(&ita, "/v1/watches").json(&json!({"criteria": {"name": "Ivan Sidorov"}})).send().expect("POST");
    let (status, watch) = json(r);
    assert_eq!(status, 201, "{watch}");
    let watch_id = watch["id"].as_str().expect("watch id").to_owned();
    let fired = within(WITHIN, || {
        c.screen(&deu, &json!({"name": "Ivan Sidorov"}));
        event_about(&ita_on_a, "watch.match", "watch_id", &watch_id, Duration::from_millis(200))
    });
    assert!(fired.is_some(), "the watch set on A did not fire for a screening on C");

    // Archived on C: no node matches it.
    let r = c.delete(&fra, &format!("/v1/records/{id}?version=1")).send().expect("DELETE");
    assert_eq!(r.status(), 200);
    for node in [&a, &b] {
        let gone = within(WITHIN, || (!found(node, &deu, &query).contains(&id)).then_some(()));
        assert!(gone.is_some(), "{} still matches the record archived on C", node.base);
    }

    // The CLI, given the bus, tells the nodes of what it imports.
    let file = a.data.with_extension("jsonl");
    std::fs::write(&file, format!("{}\n", with_passport("Olga KUZNETSOVA", "4510777001"))).expect("write");
    a.cli(&["import", "jsonl", file.to_str().expect("path"), "--agency", "FRA"]);
    let imported = within(WITHIN, || {
        let ids = found(&b, &deu, &json!({"document_number": "4510777001"}));
        (!ids.is_empty()).then_some(ids)
    });
    assert!(imported.is_some(), "a record imported by the CLI is not screenable on B");
    let (_, health) = json(c.monitor("/v1/health").send().expect("GET"));
    assert!(health["cluster"]["applied"].as_u64().is_some_and(|n| n > 0), "C follows the stream: {health}");
    assert!(a.cli(&["audit", "verify"]).contains("OK"));
}

#[test]
#[ignore = "needs PostgreSQL and NATS (see NEEDS_POSTGRES; nats-server)"]
fn killing_a_node_under_load_loses_no_acknowledged_write_and_the_others_keep_serving() {
    let (place, _schema, _nats) = fresh_cluster();
    let mut a = TestServer::start_at(place);
    let b = a.another_node();
    let fra = a.token("FRA", "admin");
    let deu = a.token("DEU", "officer");
    let target = a.create(&fra, &person("Ivan Petrovich SIDOROV", json!({"mode": "all"})));
    let target = target["id"].as_str().expect("id").to_owned();
    within(WITHIN, || found(&b, &deu, &json!({"name": "Ivan Sidorov"})).contains(&target).then_some(()))
        .expect("B indexes the first record");

    let stop = Arc::new(AtomicBool::new(false));
    let written = Arc::new(Mutex::new(Vec::<(String, String)>::new()));
    let hits = Arc::new(Mutex::new(Vec::<String>::new()));
    let failed_on_b = Arc::new(AtomicUsize::new(0));
    let served_on_b = Arc::new(AtomicUsize::new(0));
    let mut load = vec![];
    // Two writers and one screener (making hits) on A, until it dies.
    for w in 0..2 {
        let (base, token, written) = (a.base.clone(), fra.clone(), written.clone());
        load.push(thread::spawn(move || {
            let client = reqwest::blocking::Client::new();
            for n in 0.. {
                let number = format!("K{w}{n:07}");
                let body = with_passport(&format!("Writer{w} Person{n}"), &number);
                let Ok(r) = client.post(format!("{base}/v1/records")).bearer_auth(&token).json(&body).send() else {
                    return;
                };
                match r.status().as_u16() {
                    201 => {
                        let Ok(v) = r.json::<Value>() else { return };
                        let id = v["id"].as_str().expect("id").to_owned();
                        written.lock().expect("lock").push((id, number));
                    }
                    _ => return,
                }
            }
        }));
    }
    {
        let (base, token, hits) = (a.base.clone(), deu.clone(), hits.clone());
        load.push(thread::spawn(move || {
            let client = reqwest::blocking::Client::new();
            let body = json!({"name": "Ivan Sidorov"});
            while let Ok(r) = client.post(format!("{base}/v1/screen")).bearer_auth(&token).json(&body).send() {
                let Ok(v) = r.json::<Value>() else { return };
                if let Some(h) = v["matches"][0]["hit_id"].as_str() {
                    hits.lock().expect("lock").push(h.to_owned());
                }
            }
        }));
    }
    // Two screeners on B, throughout.
    for _ in 0..2 {
        let (base, token, stop) = (b.base.clone(), deu.clone(), stop.clone());
        let (failed, served) = (failed_on_b.clone(), served_on_b.clone());
        load.push(thread::spawn(move || {
            let client = reqwest::blocking::Client::new();
            let body = json!({"name": "Ivan Sidorov"});
            while !stop.load(Ordering::Relaxed) {
                let r = client.post(format!("{base}/v1/screen")).bearer_auth(&token).json(&body).send();
                match r.map(|r| r.status().as_u16()) {
                    Ok(200) => served.fetch_add(1, Ordering::Relaxed),
                    _ => failed.fetch_add(1, Ordering::Relaxed),
                };
            }
        }));
    }
    // Killed once the load is under way (records and hits acknowledged),
    // and stopped once B has served screenings after the kill.
    let under_way = within(WITHIN, || {
        (written.lock().expect("lock").len() >= 10 && hits.lock().expect("lock").len() >= 10).then_some(())
    });
    assert!(under_way.is_some(), "fewer than 10 writes and 10 hits acknowledged by A under load");
    a.kill();
    let after_kill = served_on_b.load(Ordering::Relaxed);
    let served = within(WITHIN, || (served_on_b.load(Ordering::Relaxed) >= after_kill + 20).then_some(()));
    stop.store(true, Ordering::Relaxed);
    assert!(served.is_some(), "B served fewer than 20 screenings after A was killed");
    load.into_iter().for_each(|t| t.join().expect("load thread"));

    let written = written.lock().expect("lock").clone();
    let hits = hits.lock().expect("lock").clone();
    assert!(
        written.len() >= 10 && hits.len() >= 10,
        "{} writes and {} hits before the kill",
        written.len(),
        hits.len()
    );
    eprintln!(
        "before the kill, A acknowledged {} records and {} hits; B served {} screenings",
        written.len(),
        hits.len(),
        served_on_b.load(Ordering::Relaxed)
    );
    assert_eq!(failed_on_b.load(Ordering::Relaxed), 0, "B failed requests while A died");
    assert!(served_on_b.load(Ordering::Relaxed) > 0);
    // Every record A acknowledged is screenable on B, every hit readable.
    for (id, number) in &written {
        let ids = within(WITHIN, || {
            let ids = found(&b, &deu, &json!({"document_number": number}));
            ids.contains(id).then_some(ids)
        });
        assert!(ids.is_some(), "record {id} ({number}) acknowledged by A is not screenable on B");
    }
    for h in &hits {
        let r = b.get(&deu, &format!("/v1/hits/{h}")).send().expect("GET");
        assert_eq!(r.status(), 200, "hit {h} answered by A is lost");
    }

    // A, restarted, has what was written while it was down, and what comes after.
    b.create(&fra, &with_passport("Pavel LATE", "L00000001"));
    a.start_again();
    let late = found(&a, &deu, &json!({"document_number": "L00000001"}));
    assert_eq!(late.len(), 1, "A rebuilt without the record written while it was down");
    let after = b.create(&fra, &with_passport("Pavel AFTER", "L00000002"));
    let after = after["id"].as_str().expect("id").to_owned();
    let seen =
        within(WITHIN, || found(&a, &deu, &json!({"document_number": "L00000002"})).contains(&after).then_some(()));
    assert!(seen.is_some(), "A does not follow the cluster after its restart");
    assert!(b.cli(&["audit", "verify"]).contains("OK"));
}

#[test]
#[ignore = "needs PostgreSQL and NATS (see NEEDS_POSTGRES; nats-server)"]
fn nodes_under_one_name_and_a_node_restarted_under_its_name_still_hear_each_other() {
    let (mut place, _schema, _nats) = fresh_cluster();
    // Two processes named alike (an operator's slip), then one restarted
    // under the same name within the stream's two-minute dedup window.
    place.serve = vec!["--node".into(), "a".into()];
    let mut a = TestServer::start_at(place);
    let b = a.another_node();
    let fra = a.token("FRA", "admin");
    let deu = a.token("DEU", "officer");
    let heard = |from: &TestServer, to: &TestServer, number: &str| {
        let id = from.create(&fra, &with_passport("Ivan SIDOROV", number))["id"].as_str().expect("id").to_owned();
        within(WITHIN, || found(to, &deu, &json!({"document_number": number})).contains(&id).then_some(()))
    };
    assert!(heard(&a, &b, "N00000001").is_some(), "B skipped a change of the other process named a");
    a.kill();
    a.start_again();
    assert!(heard(&a, &b, "N00000002").is_some(), "the restarted a's change was dropped as a duplicate");
    assert!(heard(&b, &a, "N00000003").is_some());
}

#[test]
#[ignore = "needs PostgreSQL and NATS (see NEEDS_POSTGRES; nats-server)"]
fn the_bus_unreachable_is_an_error_at_start_and_503_for_writes_until_it_returns() {
    let (place, _schema, mut nats) = fresh_cluster();
    assert!(nats.private.is_some(), "stopping NATS needs the nats-server binary, to run a private one");
    // At start: a clear error and a non-zero exit.
    let out = Command::new(BIN)
        .args(["--store", place.store.as_deref().expect("store")])
        .args(["--events", &format!("nats://127.0.0.1:{}", free_port())])
        .args(["serve", "--listen", "127.0.0.1:0"])
        .output()
        .expect("run tocsin");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && stderr.contains("NATS is unreachable"), "{stderr}");

    let a = TestServer::start_at(place);
    let b = a.another_node();
    let fra = a.token("FRA", "admin");
    let deu = a.token("DEU", "officer");
    let first = a.create(&fra, &with_passport("Ivan SIDOROV", "B00000001"));
    let first = first["id"].as_str().expect("id").to_owned();

    let (_, health) = json(a.monitor("/v1/health").send().expect("GET"));
    assert_eq!(health["cluster"]["bus_connected"], true, "{health}");
    nats.down();
    // Writes a record on A until the answer has `status`; its body.
    let write_until = |status: u16, limit: u64, name: &str, number: &str| {
        within(Duration::from_secs(limit), || {
            let r = a.post(&fra, "/v1/records").json(&with_passport(name, number)).send().expect("POST");
            let (got, body) = json(r);
            (got == status).then_some(body)
        })
    };
    let refused = write_until(503, 10, "Anna REFUSED", "B00000002").expect("writes are refused once NATS is gone");
    assert_eq!(refused["error"]["code"], "unavailable", "{refused}");
    assert!(refused["error"]["message"].as_str().is_some_and(|m| m.contains("NATS")), "{refused}");
    let (_, health) = json(a.monitor("/v1/health").send().expect("GET"));
    assert_eq!(
        (health["status"].as_str(), &health["cluster"]["bus_connected"]),
        (Some("ok"), &json!(false)),
        "{health}"
    );
    // Screening goes on from each node's index.
    assert!(found(&b, &deu, &json!({"document_number": "B00000001"})).contains(&first));
    thread::sleep(Duration::from_secs(2));
    assert!(found(&b, &deu, &json!({"document_number": "B00000001"})).contains(&first));

    nats.up();
    let back = write_until(201, 20, "Anna BACK", "B00000003")
        .expect("writes succeed again once NATS is back, without a restart");
    let back = back["id"].as_str().expect("id").to_owned();
    let seen = within(Duration::from_secs(5), || {
        found(&b, &deu, &json!({"document_number": "B00000003"})).contains(&back).then_some(())
    });
    assert!(seen.is_some(), "B does not follow the stream again after NATS came back; its log:\n{}", b.log());
}

/// Every node keeps the other nodes' signed checkpoints of the shared log
/// (announced on the bus), and `tocsin audit verify` on any node checks
/// them against the log with their signers' keys.
#[test]
#[ignore = "needs PostgreSQL and NATS (see NEEDS_POSTGRES; nats-server)"]
fn nodes_keep_each_others_audit_checkpoints() {
    let (mut place, _schema, _nats) = fresh_cluster();
    place.serve = vec!["--checkpoint-every".into(), "1".into()];
    let a = TestServer::start_at(place);
    let b = a.another_node();
    let fra = a.token("FRA", "admin");
    a.create(&fra, &person("Checkpointed Person", json!({"mode": "all"})));
    let a_key = std::fs::read_to_string(a.data.join("audit-signing.pub")).expect("A's public key");
    // A signs the moved head within a second or so, and announces it; B
    // keeps it. Generous: three nodes' worth of work share two cores.
    let kept = within(Duration::from_secs(30), || {
        let text = std::fs::read_to_string(b.data.join("audit-checkpoints.peers.jsonl")).ok()?;
        text.lines().any(|l| l.contains(a_key.trim())).then_some(())
    });
    assert!(kept.is_some(), "B never kept a checkpoint signed with A's key");
    let out = b.cli(&["audit", "verify"]);
    assert!(out.contains("of other nodes hold"), "{out}");
}

#[test]
#[ignore = "needs PostgreSQL and NATS (see NEEDS_POSTGRES; nats-server)"]
fn a_token_revoked_on_one_node_is_refused_by_the_other_within_a_second() {
    let (place, _schema, _nats) = fresh_cluster();
    let a = TestServer::start_at(place);
    let b = a.another_node();
    let admin = a.token("FRA", "admin");
    let (status, issued) =
        json(a.post(&admin, "/v1/tokens").json(&json!({"role": "officer", "user": "duty"})).send().expect("issue"));
    assert_eq!(status, 201, "{issued}");
    let (secret, id) = (issued["secret"].as_str().expect("secret"), issued["token"]["id"].as_str().expect("id"));
    // B knows the token (and keeps it in memory) before A revokes it.
    assert_eq!(b.get(secret, "/v1/hits").send().expect("hits").status(), 200);
    assert_eq!(a.post(&admin, &format!("/v1/tokens/{id}/revoke")).send().expect("revoke").status(), 200);
    let refused = within(Duration::from_secs(1), || {
        (b.get(secret, "/v1/hits").send().expect("hits").status() == 401).then_some(())
    });
    assert!(refused.is_some(), "node B still accepts the revoked token a second later");
}

#[test]
#[ignore = "needs PostgreSQL and NATS (see NEEDS_POSTGRES; nats-server)"]
fn a_template_enrolled_on_one_node_is_searched_on_another_and_an_archived_one_is_gone_there() {
    let (mut place, _schema, _nats) = fresh_cluster();
    place.serve = vec!["--face-model".into(), "test-face@1:4:0.80:0.60".into()];
    let a = TestServer::start_at(place);
    let b = a.another_node();
    let deu = a.token("DEU", "admin");
    let fra = a.token("FRA", "officer");
    let p = a.create(&deu, &person("Greta Node", json!({"mode": "all"})));
    let face = json!({"model": "test-face", "version": "1", "vector": [0.0, 1.0, 0.0, 0.1]});
    let (status, bio) =
        json(a.post(&deu, "/v1/biometrics").json(&json!({"subject": p["id"], "face": face})).send().expect("enrol"));
    assert_eq!(status, 201, "{bio}");
    let probe = json!({"face": face, "purpose": "cluster check"});
    let first = |node: &TestServer| -> Option<Value> {
        let (_, found) = json(node.post(&fra, "/v1/biometrics/search").json(&probe).send().ok()?);
        Some(found["candidates"][0]["record"].clone())
    };
    let found_on_b = within(WITHIN, || first(&b).filter(|r| *r == bio["id"]));
    assert!(found_on_b.is_some(), "B's gallery follows the bus");
    let (status, archived) = json(
        a.delete(&deu, &format!("/v1/records/{}?version=1", bio["id"].as_str().expect("id"))).send().expect("archive"),
    );
    assert_eq!(status, 200, "{archived}");
    let gone = within(WITHIN, || first(&b).filter(|r| r.is_null()));
    assert!(gone.is_some(), "the archived template leaves B's gallery");
}

#[test]
#[ignore = "needs PostgreSQL and NATS (see NEEDS_POSTGRES; nats-server)"]
fn an_asset_registered_on_one_node_is_analysed_on_another_and_an_archived_one_is_gone_there() {
    let (place, _schema, _nats) = fresh_cluster();
    let a = TestServer::start_at(place);
    let b = a.another_node();
    let fra = a.token("FRA", "admin");
    let deu = a.token("DEU", "officer");
    let register = |body: Value| -> Value {
        let (status, r) = json(a.post(&fra, "/v1/infra/assets").json(&body).send().expect("register"));
        assert_eq!(status, 201, "{r}");
        r
    };
    let plant = register(json!({"name": "Plant", "sector": "energy", "country": "FRA",
                                "supplies": ["electricity"], "access": {"mode": "all"}}));
    let sub = register(json!({"name": "Sub", "sector": "energy", "country": "FRA", "access": {"mode": "all"}}));
    let (status, d) = json(
        a.post(&fra, "/v1/infra/dependencies")
            .json(&json!({"provider": plant["id"], "dependent": sub["id"], "commodity": "electricity"}))
            .send()
            .expect("declare"),
    );
    assert_eq!(status, 201, "{d}");
    let spofs = |node: &TestServer| -> Option<Value> {
        let (_, r) = json(node.get(&deu, "/v1/infra/spof").send().ok()?);
        Some(r)
    };
    let seen = within(WITHIN, || spofs(&b).filter(|r| r["total"] == 1 && r["spofs"][0]["asset"]["id"] == plant["id"]));
    assert!(seen.is_some(), "B's view follows the bus and the shared dependencies");
    let (status, archived) = json(
        a.delete(&fra, &format!("/v1/records/{}?version=1", plant["id"].as_str().expect("id")))
            .send()
            .expect("archive"),
    );
    assert_eq!(status, 200, "{archived}");
    let gone = within(WITHIN, || spofs(&b).filter(|r| r["assets"] == 1 && r["total"] == 0));
    assert!(gone.is_some(), "the archived asset leaves B's view");
}
