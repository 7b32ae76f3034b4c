//! Hits over HTTP: a match at the threshold is a durable hit the owner and
//! the searcher see; a match on a hidden record is a silent hit only the
//! owner sees.

use serde_json::{Value, json};

use crate::helpers::{TestServer, json, person};

fn hits(s: &TestServer, token: &str, query: &str) -> Vec<Value> {
    let (status, body) = json(s.get(token, &format!("/v1/hits{query}")).send().expect("GET /v1/hits"));
    assert_eq!(status, 200, "{body}");
    body["items"].as_array().cloned().unwrap_or_default()
}

#[test]
fn hits_reach_owner_and_searcher_and_silent_hits_only_the_owner() {
    let s = TestServer::start();
    let fra_admin = s.token("FRA", "admin");
    let deu = s.token("DEU", "officer");
    let deu_admin = s.token("DEU", "admin");
    let ita = s.token("ITA", "officer");
    let shared = s.create(&fra_admin, &person("Jean-Baptiste Moreau", json!({"mode": "all"})));
    let hidden = s.create(&fra_admin, &person("Ludmila Ostrovskaya", json!({"mode": "only", "countries": ["ITA"]})));

    // A visible match: the answer carries the hit, both sides list it.
    let body = s.screen(
        &deu,
        &json!({"name": "Jean Baptiste Moreau", "location": "FRA-DEU border, Kehl", "purpose": "border_check"}),
    );
    let hit_id = body["matches"][0]["hit_id"].as_str().expect("a hit id").to_owned();
    let owner_view = hits(&s, &fra_admin, "?role=owner");
    assert_eq!(owner_view.len(), 1);
    let h = &owner_view[0];
    assert_eq!(
        (h["id"].as_str(), h["searcher"].as_str(), h["silent"].as_bool()),
        (Some(hit_id.as_str()), Some("DEU"), Some(false))
    );
    assert_eq!((h["record_id"].clone(), h["record_version"].clone()), (shared["id"].clone(), json!(1)));
    assert_eq!((h["location"].as_str(), h["purpose"].as_str()), (Some("FRA-DEU border, Kehl"), Some("border_check")));
    assert_eq!(h["query"]["name"], "Jean Baptiste Moreau");
    assert_eq!((h["status"].as_str(), h["handling"].as_str()), (Some("new"), Some("discreet_check")));
    assert_eq!(hits(&s, &deu, "?role=searcher").len(), 1);
    assert!(hits(&s, &ita, "").is_empty(), "a third agency sees nothing");

    // A hidden record: DEU learns nothing; FRA gets a silent hit.
    let body = s.screen(&deu, &json!({"name": "Ludmila Ostrovskaya", "location": "Frankfurt airport"}));
    assert_eq!(body["matches"], json!([]), "{body}");
    let silent: Vec<Value> = hits(&s, &fra_admin, "?role=owner").into_iter().filter(|h| h["silent"] == true).collect();
    assert_eq!(silent.len(), 1);
    assert_eq!((silent[0]["record_id"].clone(), silent[0]["searcher"].as_str()), (hidden["id"].clone(), Some("DEU")));
    assert_eq!(silent[0]["location"], "Frankfurt airport");
    let silent_id = silent[0]["id"].as_str().expect("id");
    // Nothing DEU can read in the audit log names the hidden record or the silent hit.
    let (status, audit) = json(s.get(&deu_admin, "/v1/audit?limit=1000").send().expect("GET /v1/audit"));
    assert_eq!(status, 200, "{audit}");
    assert!(audit.as_array().is_some_and(|a| !a.is_empty()), "DEU reads its own entries: {audit}");
    let hidden_id = hidden["id"].as_str().expect("id");
    assert!(!audit.to_string().contains(hidden_id), "DEU's audit entries mention the hidden record");
    assert!(!audit.to_string().contains(silent_id));
    assert_eq!(hits(&s, &deu, "").len(), 1, "the searcher's list has no silent hit");
    let (status, _) = json(s.get(&deu, &format!("/v1/hits/{silent_id}")).send().expect("GET"));
    assert_eq!(status, 404, "a silent hit answers the searcher like one that does not exist");
    let (status, got) = json(s.get(&fra_admin, &format!("/v1/hits/{silent_id}")).send().expect("GET"));
    assert_eq!((status, got["silent"].as_bool()), (200, Some(true)));

    // Filters.
    assert_eq!(hits(&s, &fra_admin, "?status=new").len(), 2);
    assert!(hits(&s, &fra_admin, "?status=closed").is_empty());
    let (status, err) = json(s.get(&fra_admin, "/v1/hits?status=done").send().expect("GET"));
    assert_eq!((status, err["error"]["field"].as_str()), (400, Some("status")));
    let (status, _) = json(s.get(&fra_admin, "/v1/hits/not-a-uuid").send().expect("GET"));
    assert_eq!(status, 400);
    let (status, _) = json(s.get(&fra_admin, "/v1/hits/0190a0a0-0000-7000-8000-000000000000").send().expect("GET"));
    assert_eq!(status, 404);
}

#[test]
fn each_agency_sets_the_score_from_which_it_makes_hits() {
    let s = TestServer::start();
    let fra_admin = s.token("FRA", "admin");
    s.create(&fra_admin, &person("Jean-Baptiste Moreau", json!({"mode": "all"})));
    let bad = crate::helpers::tocsin(&s.data, &["agency", "set", "DEU", "--hit-threshold", "0.2"]);
    assert!(String::from_utf8_lossy(&bad.stderr).contains("hit_threshold"), "{bad:?}");
    crate::helpers::tocsin_ok(&s.data, &["agency", "set", "DEU", "--hit-threshold", "0.99"]);
    let deu = s.token("DEU", "officer");
    let ita = s.token("ITA", "officer");

    let query = json!({"name": "Jean Baptiste Moreaux"});
    let near = s.screen(&deu, &query);
    let score = near["matches"][0]["score"].as_f64().expect("a match");
    assert!((0.80..0.99).contains(&score), "{near}");
    assert!(near["matches"][0].get("hit_id").is_none(), "below DEU's threshold: no hit");
    let exact = s.screen(&deu, &json!({"name": "Jean-Baptiste Moreau"}));
    assert!(exact["matches"][0]["hit_id"].is_string(), "{exact}");
    // ITA keeps the default (0.80).
    assert!(s.screen(&ita, &query)["matches"][0]["hit_id"].is_string());
}

#[test]
fn the_workflow_is_enforced_and_the_agencies_talk_on_a_hit() {
    let s = TestServer::start();
    let fra = s.token("FRA", "admin");
    let deu = s.token("DEU", "officer");
    let ita = s.token("ITA", "officer");
    s.create(&fra, &person("Jean-Baptiste Moreau", json!({"mode": "all"})));
    let body = s.screen(&deu, &json!({"name": "Jean-Baptiste Moreau"}));
    let id = body["matches"][0]["hit_id"].as_str().expect("hit").to_owned();

    // Out of order, or by the wrong side: 409 naming the allowed moves.
    let (status, err) = s.set_status(&deu, &id, "acknowledged");
    assert_eq!(status, 409, "{err}");
    assert!(err["error"]["message"].as_str().is_some_and(|m| m.contains("DEU may move it to: nothing")), "{err}");
    let (status, err) = s.set_status(&fra, &id, "closed");
    assert_eq!(status, 409);
    assert!(err["error"]["message"].as_str().is_some_and(|m| m.ends_with("may move it to: acknowledged")), "{err}");
    assert_eq!(s.set_status(&ita, &id, "acknowledged").0, 404, "a third agency does not see the hit");
    let (status, err) = s.set_status(&fra, &id, "done");
    assert_eq!((status, err["error"]["field"].as_str()), (400, Some("status")));

    // The whole path: owner acknowledges, searcher confirms and acts, owner closes.
    for (token, to) in [(&fra, "acknowledged"), (&deu, "confirmed"), (&deu, "action_taken"), (&fra, "closed")] {
        let (status, hit) = s.set_status(token, &id, to);
        assert_eq!((status, hit["status"].as_str()), (200, Some(to)), "{hit}");
    }
    assert_eq!(s.set_status(&fra, &id, "acknowledged").0, 409, "closed is final");

    // Messages both ways, in order; a message over the limit is 413.
    let post = |token: &str, text: &str| {
        json(
            s.post(token, &format!("/v1/hits/{id}/messages"))
                .json(&json!({"text": text}))
                .send()
                .expect("POST message"),
        )
    };
    assert_eq!(post(&deu, "Subject held at gate B12; please confirm instructions.").0, 201);
    let (status, m) = post(&fra, "Confirmed: detain, extradition request follows.");
    assert_eq!((status, m["seq"].as_u64(), m["agency"].as_str()), (201, Some(2), Some("FRA")));
    assert_eq!(post(&deu, &"x".repeat(4_001)).0, 413);
    assert_eq!(post(&deu, "  ").0, 400);
    assert_eq!(post(&ita, "hello").0, 404);
    let (_, list) = json(s.get(&deu, &format!("/v1/hits/{id}/messages")).send().expect("GET messages"));
    let texts: Vec<&str> =
        list.as_array().map(|a| a.iter().filter_map(|m| m["text"].as_str()).collect()).unwrap_or_default();
    assert_eq!(
        texts,
        ["Subject held at gate B12; please confirm instructions.", "Confirmed: detain, extradition request follows."]
    );

    // Every change and message is audited.
    let gs_auditor = s.token("GS", "auditor");
    let (_, audit) = json(s.get(&gs_auditor, "/v1/audit?limit=1000").send().expect("GET /v1/audit"));
    let count = |action: &str| {
        audit.as_array().map_or(0, |a| a.iter().filter(|e| e["action"] == action && e["outcome"] == "ok").count())
    };
    assert_eq!((count("hit.status"), count("hit.message")), (4, 2));
}

/// A hit its searcher was shown stays as it was made after the owner hides
/// the record: it records what the answer already told, so it keeps its
/// score, explanation and handling code, and its workflow goes on. The
/// record itself answers 404, and a new screening makes a silent hit the
/// searcher never sees.
#[test]
fn a_hit_stays_as_made_for_its_searcher_once_the_record_is_hidden_and_nothing_new_reaches_it() {
    let s = TestServer::start();
    let fra = s.token("FRA", "admin");
    let deu = s.token("DEU", "officer");
    let record = s.create(&fra, &person("Jean-Baptiste Moreau", json!({"mode": "all"})));
    let record_id = record["id"].as_str().expect("id").to_owned();
    let body = s.screen(&deu, &json!({"name": "Jean Baptiste Moreau"}));
    let hit_id = body["matches"][0]["hit_id"].as_str().expect("a hit id").to_owned();
    let (_, before) = json(s.get(&deu, &format!("/v1/hits/{hit_id}")).send().expect("GET"));

    let mut hidden = record;
    hidden["access"] = json!({"mode": "except", "countries": ["DEU"]});
    let r = s.put(&fra, &format!("/v1/records/{record_id}")).json(&hidden).send().expect("PUT");
    assert_eq!(r.status(), 200);

    let (status, after) = json(s.get(&deu, &format!("/v1/hits/{hit_id}")).send().expect("GET"));
    assert_eq!(status, 200, "{after}");
    assert_eq!(after, before, "the hit shows what it showed when made");
    let (status, _) = json(s.get(&deu, &format!("/v1/records/{record_id}")).send().expect("GET"));
    assert_eq!(status, 404, "the record itself is hidden now");
    let (status, moved) = s.set_status(&fra, &hit_id, "acknowledged");
    assert_eq!((status, moved["status"].as_str()), (200, Some("acknowledged")), "{moved}");

    let body = s.screen(&deu, &json!({"name": "Jean Baptiste Moreau"}));
    assert_eq!(body["matches"], json!([]), "{body}");
    let searcher_view = hits(&s, &deu, "");
    assert_eq!(searcher_view.len(), 1, "only the hit made while DEU could see the record");
    assert_eq!(searcher_view[0]["id"].as_str(), Some(hit_id.as_str()));
    let silent = hits(&s, &fra, "?role=owner").into_iter().filter(|h| h["silent"] == true).count();
    assert_eq!(silent, 1, "the new match is the owner's silent hit");
}
