//! A change and its audit entry commit together: the server is killed
//! (SIGKILL) at random moments while clients create, update and archive
//! records and create watches and notices; after each restart every
//! acknowledged change is there with its entry, and every `ok` entry of a
//! change has its change (counted per record: its version is one more than
//! its ok updates and archives).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use serde_json::{Value, json};

use crate::helpers::{TestServer, person};

/// Acknowledged changes, by kind.
#[derive(Default)]
struct Acked {
    /// Record id → the version the last acknowledged write left it at.
    records: BTreeMap<String, u64>,
    watches: BTreeSet<String>,
    notices: BTreeSet<String>,
    /// Hits the screener was answered with.
    hits: BTreeSet<String>,
}

/// Screens the writers' names as another agency until the server stops
/// answering or `stop` is set, keeping the hits it is answered with.
fn screener(base: String, token: String, acked: Arc<Mutex<Acked>>, stop: Arc<AtomicBool>) {
    let client = reqwest::blocking::Client::builder().timeout(Duration::from_secs(20)).build().expect("client");
    for k in 0u32.. {
        if stop.load(Ordering::Relaxed) {
            return;
        }
        let name = format!("Crash Writer{} Number{}", k % 4, (k / 4) % 6);
        let Ok(r) = client.post(format!("{base}/v1/screen")).bearer_auth(&token).json(&json!({"name": name})).send()
        else {
            return;
        };
        if r.status() != 200 {
            return;
        }
        let Ok(answer) = r.json::<Value>() else { return };
        let hits: Vec<String> = answer["matches"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|m| m["hit_id"].as_str().map(str::to_owned))
            .collect();
        if let Ok(mut a) = acked.lock() {
            a.hits.extend(hits);
        }
    }
}

/// Kill rounds: 3 in the test suite; the reliability campaign sets
/// `TOCSIN_CRASH_ROUNDS=20` (docs/reliability.md).
fn rounds() -> u32 {
    std::env::var("TOCSIN_CRASH_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(3)
}

/// One client's writes until the server stops answering or `stop` is set:
/// a record created, updated, then archived; a watch and a notice on it.
fn writer(base: String, token: String, n: usize, acked: Arc<Mutex<Acked>>, stop: Arc<AtomicBool>) {
    let client = reqwest::blocking::Client::builder().timeout(Duration::from_secs(20)).build().expect("client");
    let ok = |r: reqwest::Result<reqwest::blocking::Response>, want: u16| -> Option<Value> {
        let r = r.ok()?;
        (r.status().as_u16() == want).then(|| r.json().ok()).flatten()
    };
    let note = |f: &dyn Fn(&mut Acked)| {
        if let Ok(mut a) = acked.lock() {
            f(&mut a);
        }
    };
    for i in 0.. {
        if stop.load(Ordering::Relaxed) {
            return;
        }
        let body = person(&format!("Crash Writer{n} Number{i}"), json!({"mode": "all"}));
        let Some(r) = ok(client.post(format!("{base}/v1/records")).bearer_auth(&token).json(&body).send(), 201) else {
            return;
        };
        let id = r["id"].as_str().unwrap_or_default().to_owned();
        note(&|a| {
            a.records.insert(id.clone(), 1);
        });
        let mut update = body.clone();
        update["names"] = json!([{"full": format!("Crash Writer{n} Renamed{i}")}]);
        update["version"] = json!(1);
        if ok(client.put(format!("{base}/v1/records/{id}")).bearer_auth(&token).json(&update).send(), 200).is_none() {
            return;
        }
        note(&|a| {
            a.records.insert(id.clone(), 2);
        });
        let watch =
            client.post(format!("{base}/v1/watches")).bearer_auth(&token).json(&json!({"record_id": id})).send();
        let Some(w) = ok(watch, 201) else { return };
        note(&|a| {
            a.watches.insert(w["id"].as_str().unwrap_or_default().to_owned());
        });
        let notice =
            json!({"type": "blue", "content": {"record_ids": [id], "summary": "s", "information_sought": "i"}});
        let Some(nt) = ok(client.post(format!("{base}/v1/notices")).bearer_auth(&token).json(&notice).send(), 201)
        else {
            return;
        };
        note(&|a| {
            a.notices.insert(nt["id"].as_str().unwrap_or_default().to_owned());
        });
        if i % 2 == 0 {
            let archive = client.delete(format!("{base}/v1/records/{id}?version=2")).bearer_auth(&token).send();
            if ok(archive, 200).is_none() {
                return;
            }
            note(&|a| {
                a.records.insert(id.clone(), 3);
            });
        }
    }
}

/// Every entry of the whole log, through the General Secretariat.
fn whole_log(s: &TestServer, gs: &str) -> Vec<Value> {
    let mut all = vec![];
    let mut after = 0;
    loop {
        let page: Vec<Value> =
            s.get(gs, &format!("/v1/audit?after={after}&limit=1000")).send().expect("audit").json().expect("entries");
        // Each read is an entry of its own: stop at a short page, or this
        // would read its own entries for ever.
        let short = page.len() < 1000;
        let Some(last) = page.last().and_then(|e| e["seq"].as_u64()) else { return all };
        after = last;
        all.extend(page);
        if short {
            return all;
        }
    }
}

#[test]
fn every_acknowledged_change_has_its_entry_and_every_entry_its_change_after_sigkills() {
    sigkill_rounds(TestServer::start());
}

/// The same rounds on the cluster's store, PostgreSQL.
#[test]
#[ignore = "needs PostgreSQL (see NEEDS_POSTGRES)"]
fn on_postgresql_every_acknowledged_change_and_hit_survives_sigkills() {
    let (url, _schema) = crate::postgres::fresh_store();
    sigkill_rounds(TestServer::start_on(Some(&url)));
}

fn sigkill_rounds(mut s: TestServer) {
    let fra = s.token("FRA", "admin");
    let deu = s.token("DEU", "officer");
    let acked = Arc::new(Mutex::new(Acked::default()));
    let seed = seed();
    for round in 0..rounds() {
        let (stop, clients) = clients(&s.base, &s.base, &fra, &deu, &acked);
        let delay = delay(seed, round);
        std::thread::sleep(Duration::from_millis(delay));
        s.kill();
        stop.store(true, Ordering::Relaxed);
        for c in clients {
            c.join().expect("client");
        }
        println!("round {round}: killed after {delay} ms");
        s.start_again();
    }
    check(&s, &fra, &deu, &acked.lock().expect("acked"));
}

/// The seed of the kill moments, printed so a failing run can be told.
fn seed() -> u32 {
    let seed = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    println!("kill delays from seed {seed}");
    seed
}

/// A moment between 150 and 650 ms into round `round`'s writes.
fn delay(seed: u32, round: u32) -> u64 {
    150 + u64::from(seed.rotate_left(round * 7) % 500)
}

/// Four writers as FRA on `writes` and a screener as DEU on `screens`,
/// until the returned flag is set or their server stops answering.
fn clients(
    writes: &str,
    screens: &str,
    fra: &str,
    deu: &str,
    acked: &Arc<Mutex<Acked>>,
) -> (Arc<AtomicBool>, Vec<std::thread::JoinHandle<()>>) {
    let stop = Arc::new(AtomicBool::new(false));
    let mut clients: Vec<_> = (0..4)
        .map(|n| {
            let (base, token, acked, stop) = (writes.to_owned(), fra.to_owned(), acked.clone(), stop.clone());
            std::thread::spawn(move || writer(base, token, n, acked, stop))
        })
        .collect();
    let (base, token, seen, halt) = (screens.to_owned(), deu.to_owned(), acked.clone(), stop.clone());
    clients.push(std::thread::spawn(move || screener(base, token, seen, halt)));
    (stop, clients)
}

/// A fault injected with a node's SIGKILL in the cluster rounds.
#[derive(Clone, Copy, Debug)]
enum Fault {
    /// Only the node.
    Node,
    /// PostgreSQL stopped in immediate mode (a crash) with the node.
    Postgres,
    /// The NATS server killed with the node.
    Nats,
}

/// The same rounds on a two-node cluster on a PostgreSQL server and a NATS
/// server of the test's own: writers on node A, the screener on node B;
/// each round kills A or B (in turn) and, every second and third round,
/// crashes PostgreSQL or kills NATS at the same moment, then starts them
/// and the node again. The node left running must recover by itself.
#[test]
#[ignore = "needs PostgreSQL's server binaries (see NEEDS_POSTGRES) and nats-server"]
fn on_a_cluster_every_acknowledged_change_survives_node_kills_and_postgresql_and_nats_restarts() {
    use crate::cluster::{Nats, WITHIN, found, within};
    let pg = crate::postgres::PrivatePostgres::start();
    let mut nats = Nats::start();
    assert!(nats.is_private(), "the rounds restart NATS: they need the nats-server binary");
    let events = format!("nats://127.0.0.1:{}?stream=crash", nats.port);
    let place = crate::helpers::Place { store: Some(pg.url()), events: Some(events), serve: vec![] };
    let mut a = TestServer::start_at(place);
    let mut b = a.another_node();
    let fra = a.token("FRA", "admin");
    let deu = a.token("DEU", "officer");
    let acked = Arc::new(Mutex::new(Acked::default()));
    let seed = seed();
    for round in 0..rounds() {
        let (stop, clients) = clients(&a.base, &b.base, &fra, &deu, &acked);
        let delay = delay(seed, round);
        std::thread::sleep(Duration::from_millis(delay));
        let fault = [Fault::Node, Fault::Postgres, Fault::Nats][round as usize % 3];
        let (victim, name) = if round % 2 == 0 { (&mut a, "A") } else { (&mut b, "B") };
        victim.kill();
        match fault {
            Fault::Node => {}
            Fault::Postgres => pg.crash(),
            Fault::Nats => nats.down(),
        }
        stop.store(true, Ordering::Relaxed);
        for c in clients {
            c.join().expect("client");
        }
        match fault {
            Fault::Node => {}
            Fault::Postgres => pg.up(),
            Fault::Nats => nats.up(),
        }
        victim.start_again();
        println!("round {round}: node {name} killed after {delay} ms, fault {fault:?}");
    }

    // Both nodes serve and hear each other again: a record written on one
    // is found by the other's screening.
    for (from, to, name) in [(&a, &b, "Crash Probe Alpha"), (&b, &a, "Crash Probe Bravo")] {
        let id = within(WITHIN, || {
            let r = from.post(&fra, "/v1/records").json(&crate::helpers::person(name, json!({"mode": "all"}))).send();
            let r = r.ok().filter(|r| r.status() == 201)?;
            r.json::<Value>().ok()?["id"].as_str().map(str::to_owned)
        })
        .unwrap_or_else(|| panic!("{} takes no writes after the rounds", from.base));
        let seen = within(WITHIN, || found(to, &deu, &json!({"name": name})).contains(&id).then_some(()));
        assert!(seen.is_some(), "the record written on {} is not screenable on {}", from.base, to.base);
    }
    let acked = acked.lock().expect("acked");
    check(&a, &fra, &deu, &acked);
    assert!(a.cli(&["audit", "verify"]).contains("OK"), "the audit chain both nodes wrote verifies");
}

/// After the rounds: every acknowledged write and hit is there with its
/// entry, and every `ok` entry has its change.
fn check(s: &TestServer, fra: &str, deu: &str, acked: &Acked) {
    let gs = s.token("GS", "auditor");
    let log = whole_log(s, &gs);
    let entries = |action: &str| -> Vec<&Value> {
        log.iter().filter(|e| e["action"] == action && e["outcome"] == "ok").collect()
    };
    let count_on = |action: &str, id: &str| entries(action).iter().filter(|e| e["objects"][0] == id).count();
    assert!(!acked.records.is_empty(), "the clients wrote something before the first kill");
    // Every hit a screening was answered with is there, for its searcher,
    // and named in an entry of the log.
    let logged: BTreeSet<&str> =
        log.iter().flat_map(|e| e["objects"].as_array().into_iter().flatten()).filter_map(Value::as_str).collect();
    for hit in &acked.hits {
        assert_eq!(
            s.get(deu, &format!("/v1/hits/{hit}")).send().expect("hit").status(),
            200,
            "acknowledged hit {hit} lost"
        );
        assert!(logged.contains(hit.as_str()), "acknowledged hit {hit} in no audit entry");
    }
    println!("{} records, {} hits acknowledged, all found", acked.records.len(), acked.hits.len());

    // Every record the log says was created exists, at the version its ok
    // entries account for, and at least at the version acknowledged.
    let (_, page) =
        crate::helpers::json(s.get(fra, "/v1/records?limit=1000&include_archived=true").send().expect("list"));
    assert!(page["next"].is_null(), "more than a page of records: read them all");
    let stored: BTreeMap<String, u64> = page["items"]
        .as_array()
        .expect("records")
        .iter()
        .map(|r| (r["id"].as_str().unwrap_or_default().to_owned(), r["version"].as_u64().unwrap_or(0)))
        .collect();
    let created: BTreeSet<String> = entries("record.create")
        .iter()
        .flat_map(|e| e["objects"].as_array().cloned().unwrap_or_default())
        .filter_map(|o| o.as_str().map(str::to_owned))
        .collect();
    let kept: BTreeSet<String> = stored.keys().cloned().collect();
    let unlogged: Vec<&String> = kept.difference(&created).collect();
    let phantom: Vec<&String> = created.difference(&kept).collect();
    assert!(
        unlogged.is_empty() && phantom.is_empty(),
        "records without entry {unlogged:?}, entries without record {phantom:?}"
    );
    for (id, version) in &stored {
        let changes = count_on("record.update", id) + count_on("record.archive", id);
        assert_eq!(*version, 1 + changes as u64, "record {id}: version {version}, {changes} ok changes logged");
    }
    for (id, version) in &acked.records {
        assert!(stored.get(id).is_some_and(|v| v >= version), "acknowledged record {id} v{version} lost: {stored:?}");
    }

    // Watches and notices: stored if and only if logged, and every
    // acknowledged one stored.
    let (_, watches) = crate::helpers::json(s.get(fra, "/v1/watches").send().expect("watches"));
    let watches: BTreeSet<String> =
        watches.as_array().expect("watches").iter().filter_map(|w| w["id"].as_str().map(str::to_owned)).collect();
    let logged: BTreeSet<String> =
        entries("watch.create").iter().filter_map(|e| e["objects"][0].as_str().map(str::to_owned)).collect();
    assert_eq!(watches, logged, "watches stored vs logged");
    assert!(acked.watches.is_subset(&watches), "an acknowledged watch was lost");
    let (_, notices) = crate::helpers::json(s.get(fra, "/v1/notices?limit=1000").send().expect("notices"));
    let notices: BTreeSet<String> = notices["items"]
        .as_array()
        .expect("notices")
        .iter()
        .filter_map(|n| n["id"].as_str().map(str::to_owned))
        .collect();
    let logged: BTreeSet<String> =
        entries("notice.create").iter().filter_map(|e| e["objects"][0].as_str().map(str::to_owned)).collect();
    assert_eq!(notices, logged, "notices stored vs logged");
    assert!(acked.notices.is_subset(&notices), "an acknowledged notice was lost");
    println!(
        "{} records, {} watches, {} notices acknowledged over {} kills; {} entries checked",
        acked.records.len(),
        acked.watches.len(),
        acked.notices.len(),
        rounds(),
        log.len()
    );
}
