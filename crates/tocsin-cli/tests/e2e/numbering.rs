//! Numbers an agency is shown count only its own: a silent hit (the
//! owner's `hit.silent` entry and event) and a watch that fires on another
//! agency's screening leave no gap in the searcher's audit numbers or event
//! ids, as they did when both were numbered across all agencies.

use serde_json::{Value, json};

use crate::helpers::{TestServer, json, person};
use crate::sse::SseClient;

#[test]
fn a_hidden_match_leaves_no_gap_in_the_searchers_numbers() {
    let s = TestServer::start();
    let fra = s.token("FRA", "admin");
    let deu = s.token("DEU", "officer");
    let ita = s.token("ITA", "officer");
    let ita_auditor = s.token("ITA", "auditor");
    s.create(&fra, &person("Jean-Baptiste Moreau", json!({"mode": "all"})));
    let hidden = s.create(&fra, &person("Ludmila Ostrovskaya", json!({"mode": "except", "countries": ["ITA"]})));
    // DEU watches the record hidden from ITA: ITA's screening fires it.
    let r = s.post(&deu, "/v1/watches").json(&json!({"record_id": hidden["id"]})).send().expect("watch");
    assert_eq!(r.status().as_u16(), 201);

    let visible = json!({"name": "Jean Baptiste Moreau", "birth_date": "1970-05-01"});
    let secret = json!({"name": "Ludmila Ostrovskaya", "birth_date": "1970-05-01"});
    for body in [&visible, &secret, &visible, &secret, &visible] {
        s.screen(&ita, body);
    }

    // ITA's audit entries: consecutive, its own count, without chain links.
    let (status, entries) = json(s.get(&ita_auditor, "/v1/audit?limit=1000").send().expect("audit"));
    assert_eq!(status, 200, "{entries}");
    let entries = entries.as_array().expect("entries");
    let numbers: Vec<u64> = entries.iter().filter_map(|e| e["seq"].as_u64()).collect();
    assert_eq!(numbers, (1..=entries.len() as u64).collect::<Vec<_>>(), "{entries:?}");
    assert!(entries.iter().all(|e| e.get("hash").is_none() && e.get("prev_hash").is_none()), "{entries:?}");
    let screens: Vec<&Value> = entries.iter().filter(|e| e["action"] == "screen").collect();
    assert_eq!(screens.len(), 5);
    // Paging by the view's own numbers.
    let after = numbers[1];
    let (_, page) = json(s.get(&ita_auditor, &format!("/v1/audit?after={after}&limit=1")).send().expect("audit"));
    assert_eq!(page[0]["seq"].as_u64(), Some(after + 1), "{page}");

    // ITA's events: its three hits, numbered 1, 2, 3.
    let events = SseClient::connect(&s.base, &ita, Some(0));
    let ids: Vec<u64> = (0..3).map(|_| events.next().id).collect();
    assert_eq!(ids, [1, 2, 3]);

    // The owner did get the silent hits and DEU the watch matches, in
    // their own counts.
    let fra_events = SseClient::connect(&s.base, &fra, Some(0));
    let fra_ids: Vec<u64> = (0..5).map(|_| fra_events.next().id).collect();
    assert_eq!(fra_ids, [1, 2, 3, 4, 5], "three hits and two silent hits");
    let deu_events = SseClient::connect(&s.base, &deu, Some(0));
    let deu_first = deu_events.next();
    assert_eq!((deu_first.id, deu_first.event.as_str()), (1, "watch.match"));
}

/// The General Secretariat's auditors read the whole log by its own
/// numbers, with the chain's links, so the chain can be checked entry by
/// entry; that includes entries naming records hidden from GS (their ids
/// and what was done, never their content, which stays 404 for GS).
#[test]
fn the_general_secretariat_reads_the_whole_log_with_its_links() {
    let s = TestServer::start();
    let fra = s.token("FRA", "admin");
    let hidden = s.create(&fra, &person("Hidden From Gs", json!({"mode": "except", "countries": ["GS"]})));
    let id = hidden["id"].as_str().expect("id");
    let gs = s.token("GS", "auditor");
    let (_, entries) = json(s.get(&gs, "/v1/audit?limit=1000").send().expect("audit"));
    let entries = entries.as_array().expect("entries");
    let numbers: Vec<u64> = entries.iter().filter_map(|e| e["seq"].as_u64()).collect();
    assert_eq!(numbers, (1..=entries.len() as u64).collect::<Vec<_>>());
    for pair in entries.windows(2) {
        assert_eq!(pair[1]["prev_hash"], pair[0]["hash"], "linked");
    }
    assert!(entries.iter().any(|e| e["objects"].as_array().is_some_and(|o| o.iter().any(|x| x == id))));
    let gs_admin = s.token("GS", "admin");
    assert_eq!(s.get(&gs_admin, &format!("/v1/records/{id}")).send().expect("GET").status(), 404);
}
