//! Live events over server-sent events, with two agencies and live clients:
//! hits and silent hits, resume after reconnect, the workflow matrix,
//! reviewed false positives, watches, a client that never reads, and the
//! SIGKILL durability test.

use std::collections::HashSet;
use std::io::Write;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::{TestServer, json, person};
use crate::sse::SseClient;

fn hit_id(body: &Value) -> String {
    body["matches"][0]["hit_id"].as_str().unwrap_or_else(|| panic!("no hit: {body}")).to_owned()
}

fn message(s: &TestServer, token: &str, id: &str, text: &str) -> u16 {
    let r = s.post(token, &format!("/v1/hits/{id}/messages")).json(&json!({"text": text})).send().expect("POST");
    r.status().as_u16()
}

#[test]
fn hits_reach_both_agencies_at_once_and_silent_hits_only_the_owner() {
    let s = TestServer::start();
    let fra = s.token("FRA", "admin");
    let deu = s.token("DEU", "officer");
    s.create(&fra, &person("Jean-Baptiste Moreau", json!({"mode": "all"})));
    let hidden = s.create(&fra, &person("Ludmila Ostrovskaya", json!({"mode": "only", "countries": ["ITA"]})));
    let fra_events = SseClient::connect(&s.base, &fra, None);
    let deu_events = SseClient::connect(&s.base, &deu, None);

    let id = hit_id(&s.screen(&deu, &json!({"name": "Jean Baptiste Moreau", "location": "Kehl"})));
    for (who, events) in [("FRA", &fra_events), ("DEU", &deu_events)] {
        let e = events.next();
        assert_eq!((e.event.as_str(), e.data["kind"].as_str()), ("hit", Some("hit")), "{who}");
        assert_eq!(e.data["data"]["id"].as_str(), Some(id.as_str()), "{who}: {:?}", e.data);
        assert_eq!((e.data["data"]["location"].as_str(), e.data["seq"].as_u64()), (Some("Kehl"), Some(e.id)));
    }

    // The silent hit: the owner is told who searched, where and with what.
    let body = s.screen(&deu, &json!({"name": "Ludmila Ostrovskaya", "location": "Frankfurt airport"}));
    assert_eq!(body["matches"], json!([]));
    let e = fra_events.next();
    assert_eq!((e.event.as_str(), e.data["data"]["silent"].as_bool()), ("hit", Some(true)));
    assert_eq!(e.data["data"]["record_id"], hidden["id"]);
    assert_eq!(
        (e.data["data"]["searcher"].as_str(), e.data["data"]["location"].as_str()),
        (Some("DEU"), Some("Frankfurt airport"))
    );
    assert_eq!(e.data["data"]["query"]["name"], "Ludmila Ostrovskaya");
    // The searcher's stream skips it: its next event is the next visible hit.
    let next = hit_id(&s.screen(&deu, &json!({"name": "Moreau, Jean-Baptiste"})));
    let e = deu_events.next();
    assert_eq!(e.data["data"]["id"].as_str(), Some(next.as_str()), "DEU learns nothing of the silent hit");
    assert!(!e.data.to_string().contains(hidden["id"].as_str().expect("id")));
}

#[test]
fn a_client_that_reconnects_with_last_event_id_misses_nothing() {
    let s = TestServer::start();
    let fra = s.token("FRA", "admin");
    let deu = s.token("DEU", "officer");
    s.create(&fra, &person("Jean-Baptiste Moreau", json!({"mode": "all"})));
    let first = SseClient::connect(&s.base, &fra, None);
    let a = hit_id(&s.screen(&deu, &json!({"name": "Jean-Baptiste Moreau"})));
    let seen = first.next();
    assert_eq!(seen.data["data"]["id"].as_str(), Some(a.as_str()));
    drop(first);

    // Meanwhile: a hit, a status change and a message.
    let b = hit_id(&s.screen(&deu, &json!({"name": "Jean-Baptiste Moreau", "birth_date": "1970"})));
    assert_eq!(s.set_status(&fra, &a, "acknowledged").0, 200);
    assert_eq!(message(&s, &deu, &a, "Subject held at gate B12."), 201);

    let again = SseClient::connect(&s.base, &fra, Some(seen.id));
    let missed: Vec<_> = (0..3).map(|_| again.next()).collect();
    let kinds: Vec<&str> = missed.iter().map(|e| e.event.as_str()).collect();
    assert_eq!(kinds, ["hit", "hit.status", "hit.message"], "{missed:?}");
    assert_eq!(missed[0].data["data"]["id"].as_str(), Some(b.as_str()));
    assert_eq!(
        (missed[1].data["data"]["from"].as_str(), missed[1].data["data"]["to"].as_str()),
        (Some("new"), Some("acknowledged"))
    );
    assert_eq!(missed[2].data["data"]["text"], "Subject held at gate B12.");
    let ids: Vec<u64> = missed.iter().map(|e| e.id).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]) && ids[0] > seen.id, "in order, after the last seen: {ids:?}");
    // Then live, with no duplicate.
    let c = hit_id(&s.screen(&deu, &json!({"name": "J. B. Moreau", "birth_date": "1970-05-01"})));
    let live = again.next();
    assert_eq!(live.data["data"]["id"].as_str(), Some(c.as_str()));
    // No duplicate of it: the next event is the next hit.
    let d = hit_id(&s.screen(&deu, &json!({"name": "Jean-Baptiste Moreau", "birth_date": "1970-05-02"})));
    let next = again.next();
    assert_eq!((next.event.as_str(), next.data["data"]["id"].as_str()), ("hit", Some(d.as_str())), "{next:?}");

    // `?after=` works the same; a bad position is a 400 naming it.
    let r = s.get(&fra, "/v1/events?after=nope").send().expect("GET");
    let (status, err) = json(r);
    assert_eq!((status, err["error"]["field"].as_str()), (400, Some("after")));
    let r = s.get(&fra, "/v1/events").header("Last-Event-ID", "-3").send().expect("GET");
    assert_eq!(json(r).0, 400);
}

/// Who may move a hit from each status to which (the documented workflow).
const ALLOWED: &[(&str, &str, &[&str])] = &[
    ("new", "acknowledged", &["owner"]),
    ("acknowledged", "confirmed", &["owner", "searcher"]),
    ("acknowledged", "false_positive", &["owner", "searcher"]),
    ("confirmed", "action_taken", &["searcher"]),
    ("action_taken", "closed", &["owner"]),
    ("false_positive", "closed", &["owner"]),
];
const STATUSES: [&str; 6] = ["new", "acknowledged", "confirmed", "false_positive", "action_taken", "closed"];

/// The moves that take a fresh hit to `status`, as (side, status).
fn path_to(status: &str) -> Vec<(&'static str, &'static str)> {
    let mut path = vec![];
    let mut at = status;
    while at != "new" {
        let (from, to, by) = ALLOWED.iter().find(|(_, to, _)| *to == at).expect("reachable");
        path.insert(0, (by[0], *to));
        at = from;
    }
    path
}

#[test]
fn the_workflow_matrix_holds_for_every_status_side_and_target() {
    let s = TestServer::start();
    let fra = s.token("FRA", "admin");
    let deu = s.token("DEU", "officer");
    let ita = s.token("ITA", "officer");
    s.create(&fra, &person("Jean-Baptiste Moreau", json!({"mode": "all"})));
    let deu_events = SseClient::connect(&s.base, &deu, None);
    let token = |side: &str| if side == "owner" { &fra } else { &deu };
    let mut n = 0;
    let mut fresh_hit_at = |status: &str| {
        // A subject of its own each time (its document number), so that a
        // false positive on one does not hold back the next.
        n += 1;
        let query = json!({"name": "Jean-Baptiste Moreau", "document_number": format!("P{n:07}")});
        let id = hit_id(&s.screen(&deu, &query));
        for (side, to) in path_to(status) {
            assert_eq!(s.set_status(token(side), &id, to).0, 200, "{side} → {to}");
        }
        id
    };
    let mut moves = 0;
    for from in STATUSES {
        let stuck = fresh_hit_at(from);
        for side in ["owner", "searcher"] {
            for to in STATUSES {
                let allowed = ALLOWED.iter().any(|(f, t, by)| *f == from && *t == to && by.contains(&side));
                if allowed {
                    let id = fresh_hit_at(from);
                    let (status, hit) = s.set_status(token(side), &id, to);
                    assert_eq!((status, hit["status"].as_str()), (200, Some(to)), "{from} → {to} by {side}");
                    moves += 1;
                } else {
                    let (status, err) = s.set_status(token(side), &stuck, to);
                    assert_eq!(status, 409, "{from} → {to} by {side} must be refused: {err}");
                    let may: Vec<&str> = ALLOWED
                        .iter()
                        .filter(|(f, _, by)| *f == from && by.contains(&side))
                        .map(|(_, t, _)| *t)
                        .collect();
                    let named = if may.is_empty() { "nothing".to_owned() } else { may.join(", ") };
                    let msg = err["error"]["message"].as_str().unwrap_or_default();
                    assert!(msg.ends_with(&format!("may move it to: {named}")), "{from} by {side}: {msg}");
                }
            }
        }
        assert_eq!(s.set_status(&ita, &stuck, "closed").0, 404, "a third agency does not see the hit");
    }
    assert_eq!(moves, 8, "every allowed move was tried");
    assert_eq!(s.set_status(&deu, "0190d3f0-0000-7000-8000-000000000000", "closed").0, 404, "unknown hit");

    // Every change reached the searcher as an event, and nothing more: a
    // last hit made after them all comes after exactly these.
    let expected: usize = STATUSES.iter().map(|s| path_to(s).len()).sum::<usize>()
        + ALLOWED.iter().map(|(f, _, by)| by.len() * (1 + path_to(f).len())).sum::<usize>();
    let last = hit_id(&s.screen(&deu, &json!({"name": "Jean-Baptiste Moreau", "birth_date": "1969-01-01"})));
    let mut statuses = 0;
    loop {
        let e = deu_events.next();
        if e.event == "hit" && e.data["data"]["id"].as_str() == Some(last.as_str()) {
            break;
        }
        statuses += usize::from(e.event == "hit.status");
    }
    assert_eq!(statuses, expected);
}

#[test]
fn a_reviewed_false_positive_holds_back_new_hits_for_that_subject() {
    let mut s = TestServer::start();
    let fra = s.token("FRA", "admin");
    let deu = s.token("DEU", "officer");
    let ita = s.token("ITA", "officer");
    s.create(&fra, &person("Jean-Baptiste Moreau", json!({"mode": "all"})));
    let subject = json!({"name": "Jean Baptiste Moreau", "birth_date": "1971-02-03"});
    let id = hit_id(&s.screen(&deu, &subject));
    assert_eq!(s.set_status(&fra, &id, "acknowledged").0, 200);
    assert_eq!(s.set_status(&deu, &id, "false_positive").0, 200);

    // The same subject, written differently: shown, marked, no new hit.
    let again = s.screen(&deu, &json!({"name": "MOREAU, Jean-Baptiste", "birth_date": "1971-02-03"}));
    let m = &again["matches"][0];
    assert!(m.get("hit_id").is_none(), "{again}");
    assert_eq!(m["dismissed_before"]["hit_id"].as_str(), Some(id.as_str()));
    let until = m["dismissed_before"]["until"].as_str().expect("until");
    let days = time::OffsetDateTime::parse(until, &time::format_description::well_known::Rfc3339).expect("time")
        - time::OffsetDateTime::now_utc();
    assert!((89..=90).contains(&days.whole_days()), "default 90 days: {until}");
    // Another subject still hits; so does the same subject for another agency.
    let other = s.screen(&deu, &json!({"name": "Jean Baptiste Moreau", "birth_date": "1970-05-01"}));
    assert!(other["matches"][0]["hit_id"].is_string(), "{other}");
    assert!(s.screen(&ita, &subject)["matches"][0]["hit_id"].is_string());

    // The period is the searching agency's setting (read by a server at its
    // start), taken when a hit is marked: with 0 days a false positive holds
    // nothing back, and the one marked before keeps its 90 days.
    let out = crate::helpers::tocsin(&s.data, &["agency", "set", "DEU", "--dismiss-days", "0"]);
    assert!(out.status.success(), "{out:?}");
    s.restart_with(&[], None);
    let other_subject = json!({"name": "Jean Baptiste Moreau", "birth_date": "1972-04-05"});
    let marked = hit_id(&s.screen(&deu, &other_subject));
    assert_eq!(s.set_status(&fra, &marked, "acknowledged").0, 200);
    assert_eq!(s.set_status(&deu, &marked, "false_positive").0, 200);
    let after = s.screen(&deu, &other_subject);
    assert!(after["matches"][0]["hit_id"].is_string(), "held back with 0 days: {after}");
    let before = s.screen(&deu, &subject);
    assert!(before["matches"][0].get("hit_id").is_none(), "the earlier dismissal lapsed: {before}");
    let bad = crate::helpers::tocsin(&s.data, &["agency", "set", "DEU", "--dismiss-days", "5000"]);
    assert!(!bad.status.success() && String::from_utf8_lossy(&bad.stderr).contains("dismiss_days"), "{bad:?}");
}

fn watch(s: &TestServer, token: &str, body: &Value) -> (u16, Value) {
    json(s.post(token, "/v1/watches").json(body).send().expect("POST /v1/watches"))
}

#[test]
fn watches_tell_the_watcher_and_never_reveal_a_hidden_record() {
    let s = TestServer::start();
    let fra = s.token("FRA", "admin");
    let deu = s.token("DEU", "officer");
    let ita = s.token("ITA", "officer");
    let shared = s.create(&fra, &person("Jean-Baptiste Moreau", json!({"mode": "all"})));
    let hidden = s.create(&fra, &person("Ludmila Ostrovskaya", json!({"mode": "only", "countries": ["ITA"]})));
    let hidden_id = hidden["id"].as_str().expect("id");

    let (status, on_record) = watch(&s, &deu, &json!({"record_id": shared["id"], "note": "case 17"}));
    assert_eq!(status, 201, "{on_record}");
    assert_eq!(watch(&s, &deu, &json!({"record_id": hidden_id})).0, 404, "a record DEU may not see");
    let (status, on_criteria) = watch(&s, &deu, &json!({"criteria": {"name": "Ludmila Ostrovskaya"}}));
    assert_eq!(status, 201, "{on_criteria}");
    let events = SseClient::connect(&s.base, &deu, None);

    // ITA screens the shared record: DEU is told who, where, and the record.
    s.screen(&ita, &json!({"name": "Jean-Baptiste Moreau", "location": "Milano Malpensa"}));
    let e = events.next();
    assert_eq!(e.event, "watch.match");
    let d = &e.data["data"];
    assert_eq!((d["watch_id"].clone(), d["record_id"].clone()), (on_record["id"].clone(), shared["id"].clone()));
    assert_eq!((d["searcher"].as_str(), d["location"].as_str()), (Some("ITA"), Some("Milano Malpensa")));

    // ITA screens the hidden record: DEU's criteria watch fires, and says
    // nothing of the record.
    s.screen(&ita, &json!({"name": "Ludmila Ostrovskaya"}));
    let e = events.next();
    assert_eq!((e.event.as_str(), e.data["data"]["watch_id"].clone()), ("watch.match", on_criteria["id"].clone()));
    assert!(e.data["data"].get("record_id").is_none());
    assert!(!e.data.to_string().contains(hidden_id), "{:?}", e.data);

    // FRA hides the shared record from DEU: the record watch stays silent.
    let mut changed = shared.clone();
    changed["access"] = json!({"mode": "except", "countries": ["DEU"]});
    let r = s.put(&fra, &format!("/v1/records/{}", shared["id"].as_str().expect("id"))).json(&changed).send();
    assert_eq!(r.expect("PUT").status(), 200);
    s.screen(&ita, &json!({"name": "Jean-Baptiste Moreau"}));
    // The next event DEU gets is the one a later screening fires on its
    // criteria watch: nothing came about the hidden record before it.
    s.screen(&ita, &json!({"name": "Ludmila Ostrovskaya", "location": "after"}));
    let e = events.next();
    assert_eq!((e.event.as_str(), e.data["data"]["watch_id"].clone()), ("watch.match", on_criteria["id"].clone()));
    assert_eq!(e.data["data"]["location"], "after", "an event about a record DEU may not see came first: {e:?}");

    // Listing and removing; bad input.
    let (_, list) = json(s.get(&deu, "/v1/watches").send().expect("GET"));
    assert_eq!(list.as_array().map(Vec::len), Some(2));
    assert_eq!(json(s.get(&ita, "/v1/watches").send().expect("GET")).1, json!([]));
    let path = format!("/v1/watches/{}", on_record["id"].as_str().expect("id"));
    assert_eq!(s.delete(&ita, &path).send().expect("DELETE").status(), 404, "not ITA's watch");
    assert_eq!(s.delete(&deu, &path).send().expect("DELETE").status(), 204);
    assert_eq!(s.delete(&deu, &path).send().expect("DELETE").status(), 404);
    let (status, err) = watch(&s, &deu, &json!({"record_id": shared["id"], "criteria": {"name": "x"}}));
    assert_eq!(status, 400, "{err}");
    let (status, err) = watch(&s, &deu, &json!({"criteria": {"birth_date": "1970"}}));
    assert_eq!((status, err["error"]["field"].as_str()), (400, Some("criteria")), "{err}");
    let (status, err) = watch(&s, &deu, &json!({"criteria": {"document_number": "X123"}}));
    assert_eq!((status, err["error"]["field"].as_str()), (400, Some("criteria.document_country")), "{err}");
    let (status, err) = watch(&s, &deu, &json!({"criteria": {"name": "A", "birth_date": "19xx"}}));
    assert_eq!((status, err["error"]["field"].as_str()), (400, Some("criteria")), "{err}");
}

#[test]
fn a_client_that_never_reads_is_disconnected_and_logged() {
    let s = TestServer::start();
    let fra = s.token("FRA", "admin");
    let deu = s.token("DEU", "officer");
    s.create(&fra, &person("Jean-Baptiste Moreau", json!({"mode": "all"})));
    let id = hit_id(&s.screen(&deu, &json!({"name": "Jean-Baptiste Moreau"})));
    // A raw connection that asks for FRA's events and never reads a byte.
    let addr = s.base.trim_start_matches("http://");
    let mut stuck = std::net::TcpStream::connect(addr).expect("connect");
    write!(stuck, "GET /v1/events HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {fra}\r\n\r\n").expect("send");
    let reader = SseClient::connect(&s.base, &fra, None);
    std::thread::sleep(Duration::from_millis(200));

    let text = "x".repeat(4_000);
    let started = Instant::now();
    let mut sent = 0;
    while !s.log().contains("not reading; dropped") {
        assert!(sent < 5_000 && started.elapsed() < Duration::from_secs(120), "never dropped after {sent} events");
        for _ in 0..50 {
            assert_eq!(message(&s, &deu, &id, &text), 201);
            sent += 1;
        }
    }
    eprintln!("the stuck client was dropped after {sent} messages of 4,000 characters");
    // The reading client got every message; the server still answers.
    let mut got = 0;
    while got < sent {
        let e = reader.next();
        got += usize::from(e.event == "hit.message");
    }
    assert_eq!(s.get(&fra, "/v1/health").send().expect("health").status(), 200);
    drop(stuck);
}

#[test]
fn every_hit_id_answered_survives_a_sigkill() {
    let mut s = TestServer::start();
    let fra = s.token("FRA", "admin");
    let deu = s.token("DEU", "officer");
    for name in ["Jean-Baptiste Moreau", "Ludmila Ostrovskaya", "Dmitri Ivanovich Volkov"] {
        s.create(&fra, &person(name, json!({"mode": "all"})));
    }
    let base = s.base.clone();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let count = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let workers: Vec<_> = (0..8)
        .map(|w| {
            let (base, deu, stop, count) = (base.clone(), deu.clone(), stop.clone(), count.clone());
            std::thread::spawn(move || {
                let client = reqwest::blocking::Client::new();
                let names = ["Jean-Baptiste Moreau", "Ludmila Ostrovskaya", "Dmitri Ivanovich Volkov"];
                let mut answered = vec![];
                let mut i = w;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    i += 1;
                    let body = json!({"name": names[i % 3], "location": format!("worker {w}")});
                    let Ok(r) = client.post(format!("{base}/v1/screen")).bearer_auth(&deu).json(&body).send() else {
                        break;
                    };
                    let Ok(v) = r.json::<Value>() else { break };
                    answered.extend(
                        v["matches"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(|m| m["hit_id"].as_str())
                            .map(str::to_owned),
                    );
                    count.fetch_add(
                        v["matches"].as_array().into_iter().flatten().filter(|m| m["hit_id"].is_string()).count(),
                        std::sync::atomic::Ordering::Relaxed,
                    );
                }
                answered
            })
        })
        .collect();
    // Killed mid-load, once 50 hits have been answered.
    crate::helpers::eventually("50 hits answered under load", || {
        count.load(std::sync::atomic::Ordering::Relaxed) >= 50
    });
    s.kill_and_restart();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let answered: HashSet<String> = workers.into_iter().flat_map(|w| w.join().expect("worker")).collect();
    assert!(answered.len() >= 50, "screened under load: {} hits answered", answered.len());
    let missing: Vec<&String> = answered
        .iter()
        .filter(|id| s.get(&deu, &format!("/v1/hits/{id}")).send().expect("GET hit").status() != 200)
        .collect();
    assert!(missing.is_empty(), "{} of {} answered hits lost: {missing:?}", missing.len(), answered.len());
    eprintln!("{} hit ids answered before SIGKILL, all found after restart", answered.len());
    let (_, verify) = json(s.get(&s.token("GS", "auditor"), "/v1/audit/verify").send().expect("verify"));
    assert_eq!(verify["ok"], true, "{verify}");
}
