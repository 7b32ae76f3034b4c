//! Notices over HTTP: creation with each type's required content, the
//! workflow by every role, the review queue with neutrality warnings, who
//! may read which notice, and the owner's events.

use serde_json::{Value, json};

use crate::helpers::{TestServer, json, person};
use crate::sse::SseClient;

fn red(record: &Value) -> Value {
    json!({
        "type": "red",
        "content": {
            "record_ids": [record["id"]],
            "summary": "Armed robbery of a bank in Lyon on 2023-03-14; two guards wounded.",
            "offence": "armed robbery",
            "warrant": {"kind": "arrest_warrant", "reference": "AW-2023-118", "issued_by": "Tribunal judiciaire de Lyon", "issued_on": "2023-04-02"},
            "legal_basis": "Code pénal, art. 311-8",
        },
    })
}

fn post(s: &TestServer, token: &str, path: &str, body: &Value) -> (u16, Value) {
    json(s.post(token, path).json(body).send().expect("POST"))
}

fn act(s: &TestServer, token: &str, id: &str, action: &str, reason: Option<&str>) -> (u16, Value) {
    let body = reason.map_or(json!({}), |r| json!({"reason": r}));
    post(s, token, &format!("/v1/notices/{id}/{action}"), &body)
}

#[test]
fn a_notice_goes_through_review_and_only_the_right_roles_move_it() {
    let s = TestServer::start();
    let fra = s.token("FRA", "admin");
    let fra_officer = s.token("FRA", "officer");
    let deu = s.token("DEU", "admin");
    let ita = s.token("ITA", "officer");
    let gs = s.token("GS", "reviewer");
    let record = s.create(&fra, &person("Jean-Baptiste Moreau", json!({"mode": "except", "countries": ["ITA"]})));
    let owner_events = SseClient::connect(&s.base, &fra, None);

    // Bad input: nothing stored.
    let (status, err) =
        post(&s, &fra, "/v1/notices", &json!({"type": "red", "content": {"record_ids": [record["id"]]}}));
    assert_eq!(status, 422, "{err}");
    let message = err["error"]["message"].as_str().unwrap_or_default();
    assert_eq!(message, "content: a red notice requires: summary, offence, warrant, legal_basis");
    assert_eq!(err["error"]["field"], "content");
    assert_eq!(post(&s, &fra, "/v1/notices", &json!({"type": "violet", "content": {}})).0, 400);
    let mut long = red(&record);
    long["content"]["summary"] = json!("x".repeat(2_001));
    let (status, err) = post(&s, &fra, "/v1/notices", &long);
    assert_eq!((status, err["error"]["field"].as_str()), (400, Some("content.summary")), "{err}");
    let mut public_blue = json!({"type": "blue", "public": true, "content": {"record_ids": [record["id"]], "summary": "s", "information_sought": "i"}});
    assert_eq!(post(&s, &fra, "/v1/notices", &public_blue).0, 400, "only red and yellow are public");
    public_blue["public"] = json!(false);
    assert_eq!(post(&s, &deu, "/v1/notices", &public_blue).0, 403, "a notice concerns its owner's records");
    assert_eq!(post(&s, &fra_officer, "/v1/notices", &red(&record)).0, 403, "officers do not request notices");
    assert_eq!(json(s.get(&fra, "/v1/notices").send().expect("GET")).1["items"], json!([]));

    // Draft: only the owner sees it.
    let (status, draft) = post(&s, &fra, "/v1/notices", &red(&record));
    assert_eq!((status, draft["status"].as_str()), (201, Some("draft")), "{draft}");
    let id = draft["id"].as_str().expect("id").to_owned();
    assert_eq!(s.get(&gs, &format!("/v1/notices/{id}")).send().expect("GET").status(), 404);
    assert_eq!(act(&s, &gs, &id, "publish", Some("ok")).0, 404, "a reviewer does not see drafts");

    // Submit (owner) → the review queue, with neutrality warnings.
    let (status, err) = act(&s, &deu, &id, "submit", None);
    assert_eq!(status, 404, "{err}");
    let (status, submitted) = act(&s, &fra, &id, "submit", None);
    assert_eq!((status, submitted["status"].as_str()), (200, Some("submitted")), "{submitted}");
    let (_, queue) = json(s.get(&gs, "/v1/notices?status=submitted").send().expect("GET queue"));
    assert_eq!(queue["items"].as_array().map(Vec::len), Some(1));
    assert!(queue["items"][0].get("warnings").is_none(), "no flagged term: {queue}");

    // Who may make which move now.
    let (status, err) = act(&s, &fra, &id, "publish", Some("mine"));
    assert_eq!(status, 409, "{err}");
    assert!(
        err["error"]["message"].as_str().is_some_and(|m| m.ends_with("its owner may move it to: cancelled")),
        "{err}"
    );
    let (status, err) = act(&s, &gs, &id, "cancel", Some("no"));
    assert_eq!(status, 409);
    assert!(
        err["error"]["message"].as_str().is_some_and(|m| m.ends_with("a reviewer may move it to: published, rejected")),
        "{err}"
    );
    let (status, err) = act(&s, &gs, &id, "publish", None);
    assert_eq!((status, err["error"]["field"].as_str()), (400, Some("reason")), "a reason is required");
    assert_eq!(act(&s, &gs, &id, "archive", Some("x")).0, 404, "unknown action");

    // Reject, change (back to draft), resubmit, publish.
    let (status, rejected) = act(&s, &gs, &id, "reject", Some("The warrant reference is not legible."));
    assert_eq!((status, rejected["status"].as_str()), (200, Some("rejected")));
    let mut change = red(&record);
    change["content"]["summary"] = json!("Armed robbery in Lyon; the suspect is a former soldier of the army.");
    change["version"] = json!(1);
    let (status, err) = json(s.put(&fra, &format!("/v1/notices/{id}")).json(&change).send().expect("PUT"));
    assert_eq!(status, 409, "stale version: {err}");
    change["version"] = rejected["version"].clone();
    let (status, changed) = json(s.put(&fra, &format!("/v1/notices/{id}")).json(&change).send().expect("PUT"));
    assert_eq!((status, changed["status"].as_str()), (200, Some("draft")), "{changed}");
    assert_eq!(act(&s, &fra, &id, "submit", None).0, 200);
    let (_, queue) = json(s.get(&gs, "/v1/notices?status=submitted").send().expect("GET queue"));
    assert_eq!(
        queue["items"][0]["warnings"],
        json!(["army", "soldier"]),
        "flagged (in the term list's order), not refused"
    );
    let (status, published) = act(&s, &gs, &id, "publish", Some("Compliant with Articles 2, 3 and 83."));
    assert_eq!((status, published["status"].as_str()), (200, Some("published")));
    let history: Vec<(&str, &str)> = published["history"]
        .as_array()
        .map(|h| h.iter().map(|m| (m["to"].as_str().unwrap_or(""), m["agency"].as_str().unwrap_or(""))).collect())
        .unwrap_or_default();
    assert_eq!(history, [("submitted", "FRA"), ("rejected", "GS"), ("submitted", "FRA"), ("published", "GS")]);
    assert_eq!(json(s.put(&fra, &format!("/v1/notices/{id}")).json(&change).send().expect("PUT")).0, 409);

    // Published: it shows in screening results on its record, with its type
    // and requested action.
    let found = s.screen(&deu, &json!({"name": "Jean-Baptiste Moreau"}));
    let shown = &found["matches"][0]["notices"];
    assert_eq!((shown[0]["id"].as_str(), shown[0]["type"].as_str()), (Some(id.as_str()), Some("red")), "{found}");
    assert_eq!(shown[0]["requested_action"], "locate and provisionally arrest pending extradition");
    assert_eq!(shown.as_array().map(Vec::len), Some(1));

    // Published: agencies that may see the record read it; ITA may not.
    assert_eq!(s.get(&deu, &format!("/v1/notices/{id}")).send().expect("GET").status(), 200);
    assert_eq!(s.get(&ita, &format!("/v1/notices/{id}")).send().expect("GET").status(), 404);
    assert_eq!(json(s.get(&ita, "/v1/notices").send().expect("GET")).1["items"], json!([]));
    assert_eq!(act(&s, &deu, &id, "cancel", Some("x")).0, 403, "only the owner cancels");
    assert_eq!(act(&s, &fra, &id, "cancel", None).0, 400, "a reason is required");
    let (status, cancelled) = act(&s, &fra, &id, "cancel", Some("Subject extradited on 2026-11-20."));
    assert_eq!((status, cancelled["status"].as_str()), (200, Some("cancelled")));
    let found = s.screen(&deu, &json!({"name": "Jean-Baptiste Moreau"}));
    assert_eq!(found["matches"][0]["notices"], json!([]), "a cancelled notice no longer shows");

    // The owner was told of every move, in order (besides the screenings'
    // hits); every move was audited.
    let moves: Vec<String> = std::iter::from_fn(|| Some(owner_events.next()))
        .filter(|e| e.event != "hit")
        .take(5)
        .map(|e| format!("{} {}", e.event, e.data["data"]["move"]["to"].as_str().unwrap_or_default()))
        .collect();
    let expected =
        ["submitted", "rejected", "submitted", "published", "cancelled"].map(|to| format!("notice.status {to}"));
    assert_eq!(moves, expected);
    let auditor = s.token("GS", "auditor");
    let (_, audit) = json(s.get(&auditor, "/v1/audit?limit=1000").send().expect("GET /v1/audit"));
    let ok_moves = audit
        .as_array()
        .map_or(0, |a| a.iter().filter(|e| e["action"] == "notice.status" && e["outcome"] == "ok").count());
    assert_eq!(ok_moves, 5);
}

#[test]
fn the_neutrality_terms_come_from_the_data_directory_and_published_notices_survive_a_restart() {
    let mut s = TestServer::start();
    std::fs::write(s.data.join("neutrality-terms.txt"), "# local list\nopposition leader\nsyndicat\n").expect("write");
    s.kill_and_restart();
    let fra = s.token("FRA", "admin");
    let gs = s.token("GS", "reviewer");
    let record = s.create(&fra, &person("Jean-Baptiste Moreau", json!({"mode": "all"})));
    let mut notice = red(&record);
    notice["content"]["summary"] =
        json!("Fraud; the subject is an Opposition Leader and an army veteran, member of a syndicat.");
    let (status, created) = post(&s, &fra, "/v1/notices", &notice);
    assert_eq!(status, 201, "{created}");
    assert_eq!(
        created["warnings"],
        json!(["opposition leader", "syndicat"]),
        "the file's terms, not the built-in ones"
    );
    let id = created["id"].as_str().expect("id");
    assert_eq!(act(&s, &fra, id, "submit", None).0, 200);
    let (_, queue) = json(s.get(&gs, "/v1/notices?status=submitted").send().expect("GET queue"));
    assert_eq!(queue["items"][0]["warnings"], json!(["opposition leader", "syndicat"]));

    // Published notices still show in screening after a restart.
    assert_eq!(act(&s, &gs, id, "publish", Some("Compliant.")).0, 200);
    s.kill_and_restart();
    let found = s.screen(&fra, &json!({"name": "Jean-Baptiste Moreau"}));
    assert_eq!(found["matches"][0]["notices"][0]["id"].as_str(), Some(id), "{found}");
}

#[test]
fn a_notice_that_also_names_a_record_above_a_clearance_is_not_shown_beside_a_match_to_that_clearance() {
    let s = TestServer::start();
    let fra = s.token("FRA", "admin");
    let gs = s.token("GS", "reviewer");
    let seen = s.create(&fra, &person("Jean-Baptiste Moreau", json!({"mode": "all"})));
    let mut above = person("Jean-Baptiste Moreau", json!({"mode": "all"}));
    above["level"] = json!("confidential");
    let above = s.create(&fra, &above);
    let mut notice = red(&seen);
    notice["content"]["record_ids"] = json!([seen["id"], above["id"]]);
    let id = published(&s, &fra, &gs, &notice)["id"].as_str().expect("id").to_owned();

    let beside = |token: &str| {
        let found = s.screen(token, &json!({"name": "Jean-Baptiste Moreau"}));
        let matches = found["matches"].as_array().cloned().unwrap_or_default();
        let on_seen = matches.iter().find(|m| m["record"]["id"] == seen["id"]).cloned();
        (on_seen.expect("the record it may see matches")["notices"].clone(), matches.len())
    };
    // Cleared for restricted: the match on the record it may see, alone,
    // and no notice beside it, as the notice's own page is a 404.
    let restricted = s.cleared_token("DEU", "officer", "restricted");
    assert_eq!(beside(&restricted), (json!([]), 1));
    assert_eq!(s.get(&restricted, &format!("/v1/notices/{id}")).send().expect("GET").status(), 404);
    // Cleared for confidential: both records, and the notice beside them.
    let confidential = s.cleared_token("DEU", "officer", "confidential");
    let (notices, matched) = beside(&confidential);
    assert_eq!((notices[0]["id"].as_str(), matched), (Some(id.as_str()), 2), "{notices}");
    assert_eq!(s.get(&confidential, &format!("/v1/notices/{id}")).send().expect("GET").status(), 200);
}

/// Creates, submits and publishes a notice; returns it as published.
fn published(s: &TestServer, owner: &str, gs: &str, body: &Value) -> Value {
    let (status, n) = post(s, owner, "/v1/notices", body);
    assert_eq!(status, 201, "{n}");
    let id = n["id"].as_str().expect("id").to_owned();
    assert_eq!(act(s, owner, &id, "submit", None).0, 200);
    let (status, n) = act(s, gs, &id, "publish", Some("meets the rules"));
    assert_eq!(status, 200, "{n}");
    n
}

fn public(s: &TestServer, query: &str) -> (u16, Value) {
    json(s.anonymous(&format!("/v1/public/notices{query}")).send().expect("GET /v1/public/notices"))
}

#[test]
fn the_public_extract_serves_only_the_listed_fields_of_public_notices() {
    // Ages are counted from the store's clock, set here so that the
    // persons' ages below hold whatever the real date.
    let mut s = TestServer::start();
    s.restart_with(&[], Some("2026-12-01T00:00:00Z"));
    let fra = s.token("FRA", "admin");
    let gs = s.token("GS", "reviewer");
    // Everything a record can say, most of which must stay inside.
    let wanted = s.create(
        &fra,
        &json!({
            "kind": "person",
            "names": [{"full": "Jean-Baptiste MOREAU"}, {"full": "Le Marseillais", "type": "alias"}],
            "birth_dates": ["1971-03-09"],
            "birth_place": "Marseille",
            "nationalities": ["FRA"],
            "sex": "male",
            "documents": [{"number": "17FR45821", "country": "FRA", "type": "passport"}],
            "handling": {"code": "arrest", "instructions": "Armed; call the duty officer."},
            "access": {"mode": "except", "countries": ["ITA"]},
            "tags": ["priority-target"],
        }),
    );
    let missing = s.create(
        &fra,
        &json!({"kind": "person", "names": [{"full": "Chloé Martin"}], "birth_dates": ["2009"], "sex": "female",
                "nationalities": ["FRA"], "handling": {"code": "locate"}, "access": {"mode": "all"}}),
    );
    let mut red_body = red(&wanted);
    red_body["public"] = json!(true);
    let red_notice = published(&s, &fra, &gs, &red_body);
    let yellow_body = json!({"type": "yellow", "content": {"record_ids": [missing["id"]],
        "disappearance": {"date": "2025-06-01", "place": "Lyon, Part-Dieu station"}, "summary": "Left school at noon."}});
    let yellow_notice = published(&s, &fra, &gs, &yellow_body);
    let (status, _) = post(&s, &fra, "/v1/notices", &red_body);
    assert_eq!(status, 201, "a public draft is not shown");

    // Only the red notice is public so far.
    let (status, page) = public(&s, "");
    assert_eq!(status, 200, "{page}");
    assert_eq!(
        (page["total"].as_u64(), page["page"].as_u64(), page["resultPerPage"].as_u64()),
        (Some(1), Some(1), Some(20))
    );
    let item = &page["notices"][0];
    let keys: Vec<&str> = item.as_object().expect("object").keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        ["arrest_warrants", "date_of_birth", "entity_id", "forename", "name", "nationalities", "sex_id", "type"],
        "{item}"
    );
    assert_eq!(item["name"], "MOREAU");
    assert_eq!(item["forename"], "Jean-Baptiste");
    assert_eq!(item["date_of_birth"], "1971/03/09");
    assert_eq!(item["nationalities"], json!(["FRA"]));
    assert_eq!(item["sex_id"], "M");
    assert_eq!(item["arrest_warrants"], json!([{"issuing_country_id": "FRA", "charge": "armed robbery"}]));
    assert_eq!(item["entity_id"], red_notice["entity_id"]);
    let entity = item["entity_id"].as_str().expect("entity_id");
    assert!(
        entity.len() == 10
            && entity[..4].bytes().all(|b| b.is_ascii_digit())
            && entity[5..].bytes().all(|b| b.is_ascii_digit()),
        "{entity}"
    );
    let text = page.to_string();
    for secret in [
        "Marseill",
        "17FR45821",
        "duty officer",
        "priority-target",
        "AW-2023-118",
        "Tribunal",
        "311-8",
        "bank in Lyon",
        "ITA",
        "except",
        wanted["id"].as_str().expect("id"),
        red_notice["id"].as_str().expect("id"),
    ] {
        assert!(!text.contains(secret), "`{secret}` leaked: {text}");
    }

    // The owner makes the yellow notice public: date and place appear.
    let id = yellow_notice["id"].as_str().expect("id");
    let (status, err) = post(&s, &fra, &format!("/v1/notices/{id}/public"), &json!({"public": true, "version": 1}));
    assert_eq!(status, 409, "a stale version: {err}");
    let version = yellow_notice["version"].clone();
    let (status, n) = post(&s, &gs, &format!("/v1/notices/{id}/public"), &json!({"public": true, "version": version}));
    assert_eq!(status, 403, "only the owner: {n}");
    let (status, n) = post(&s, &fra, &format!("/v1/notices/{id}/public"), &json!({"public": true, "version": version}));
    assert_eq!((status, n["public"].as_bool()), (200, Some(true)), "{n}");
    let (_, page) = public(&s, "?type=yellow");
    assert_eq!(page["total"], 1);
    let item = &page["notices"][0];
    assert_eq!(
        (item["date_of_event"].as_str(), item["place"].as_str()),
        (Some("2025/06/01"), Some("Lyon, Part-Dieu station"))
    );
    assert_eq!(
        (item["name"].as_str(), item["forename"].as_str(), item["sex_id"].as_str()),
        (Some("Martin"), Some("Chloé"), Some("F"))
    );
    assert!(item.get("arrest_warrants").is_none() && !page.to_string().contains("Left school"), "{page}");

    // INTERPOL's filters and paging.
    let total = |q: &str| public(&s, q).1["total"].as_u64();
    assert_eq!(total("?name=moreau&forename=JEAN"), Some(1));
    assert_eq!(total("?forename=chloe"), Some(1), "accents are ignored");
    assert_eq!(total("?sexId=F"), Some(1));
    assert_eq!(total("?nationality=FRA"), Some(2));
    assert_eq!(total("?ageMin=50&ageMax=60"), Some(1));
    assert_eq!(total("?ageMax=20"), Some(1));
    let (_, second) = public(&s, "?resultPerPage=1&page=2");
    assert_eq!((second["total"].as_u64(), second["notices"].as_array().map(Vec::len)), (Some(2), Some(1)));
    for (query, field) in [
        ("?resultPerPage=161", "resultPerPage"),
        ("?page=0", "page"),
        ("?ageMin=70&ageMax=20", "ageMin"),
        ("?sexId=Z", "sexId"),
        ("?nationality=XX1", "nationality"),
    ] {
        let (status, err) = public(&s, query);
        assert_eq!((status, err["error"]["field"].as_str()), (400, Some(field)), "{query}: {err}");
    }
    assert_eq!(public(&s, "?freeText=x").0, 400, "unknown parameters are refused");

    // Cancelled: gone from the extract at once.
    let rid = red_notice["id"].as_str().expect("id");
    assert_eq!(act(&s, &fra, rid, "cancel", Some("arrested in Spain")).0, 200);
    assert_eq!(total(""), Some(1));
}
