//! The retention clock as an owner meets it: the review list, a reminder
//! event, an extension with its justification in the audit log, and expiry
//! (stops matching, archived or expired, never deleted), with the server's
//! clock moved ahead through `TOCSIN_NOW` and `tocsin maintenance run`.

use std::time::Duration;

use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::helpers::{TestServer, json, person, tocsin_ok};
use crate::sse::SseClient;

fn day(from_today: i64) -> String {
    (OffsetDateTime::now_utc().date() + time::Duration::days(from_today)).to_string()
}

fn at(from_today: i64) -> String {
    let t = OffsetDateTime::now_utc() + time::Duration::days(from_today);
    t.format(&Rfc3339).expect("time")
}

fn person_reviewed(name: &str, review_by: Option<String>) -> Value {
    let mut p = person(name, json!({"mode": "all"}));
    if let Some(d) = review_by {
        p["review_by"] = json!(d);
    }
    p
}

/// The `data` of the events of `kind` that `client` receives until none
/// comes for `wait`.
fn events_of(client: &SseClient, kind: &str, wait: Duration) -> Vec<Value> {
    let mut out = vec![];
    while let Some(e) = client.next_within(wait) {
        if e.event == kind {
            out.push(e.data["data"].clone());
        }
    }
    out
}

fn matched_ids(s: &TestServer, token: &str, name: &str) -> Vec<String> {
    let found = s.screen(token, &json!({"name": name, "birth_date": "1970-05-01"}));
    found["matches"]
        .as_array()
        .expect("matches")
        .iter()
        .filter_map(|m| m["record"]["id"].as_str().map(String::from))
        .collect()
}

#[test]
fn the_retention_clock_reminds_extends_and_expires() {
    let mut s = TestServer::start();
    let fra = s.token("FRA", "admin");
    let deu = s.token("DEU", "officer");
    let gs = s.token("GS", "reviewer");
    let soon = s.create(&fra, &person_reviewed("Irina Volkova", Some(day(100))));
    let later = s.create(&fra, &person_reviewed("Pavel Morozov", Some(day(300))));
    let kept = s.create(&fra, &person_reviewed("Oleg Sokolov", None));
    let id = |r: &Value| r["id"].as_str().expect("id").to_owned();
    let (soon_id, later_id, kept_id) = (id(&soon), id(&later), id(&kept));
    let five = tocsin_core::retention::review_date(OffsetDateTime::now_utc().date()).to_string();
    assert_eq!(kept["review_by"].as_str(), Some(five.as_str()), "five years by default");

    // A published notice on the kept record.
    let notice =
        json!({"type": "orange", "content": {"record_ids": [kept_id], "threat": "Plans an attack on a depot."}});
    let (status, n) = json(s.post(&fra, "/v1/notices").json(&notice).send().expect("POST"));
    assert_eq!(status, 201, "{n}");
    let notice_id = id(&n);
    json(s.post(&fra, &format!("/v1/notices/{notice_id}/submit")).json(&json!({})).send().expect("submit"));
    let (status, published) = json(
        s.post(&gs, &format!("/v1/notices/{notice_id}/publish"))
            .json(&json!({"reason": "meets the rules"}))
            .send()
            .expect("publish"),
    );
    assert_eq!(status, 200, "{published}");

    // The review list: only what is within six months, soonest first.
    let (status, reviews) = json(s.get(&fra, "/v1/reviews").send().expect("GET"));
    assert_eq!(status, 200, "{reviews}");
    let items = reviews["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "{reviews}");
    assert_eq!((items[0]["id"].as_str(), items[0]["phase"].as_str()), (Some(soon_id.as_str()), Some("due")));
    assert_eq!(items[0]["review_by"].as_str(), Some(day(100).as_str()));
    assert_eq!(s.get(&deu, "/v1/reviews").send().expect("GET").status(), 403, "officers do not review retention");

    // The server's periodic task reminds the owner once per review date.
    s.restart_with(&["--maintenance-every", "1"], None);
    let events = SseClient::connect(&s.base, &fra, Some(0));
    let reminders = events_of(&events, "review.due", Duration::from_secs(3));
    assert_eq!(reminders.len(), 1, "one reminder over several runs: {reminders:?}");
    assert_eq!(reminders[0]["id"].as_str(), Some(soon_id.as_str()));
    assert_eq!(reminders[0]["item"], "record");

    // Extending needs a justification and a date within five years.
    let extend =
        |body: Value| json(s.post(&fra, &format!("/v1/records/{soon_id}/extend")).json(&body).send().expect("extend"));
    let (status, err) = extend(json!({}));
    assert_eq!((status, err["error"]["field"].as_str()), (400, Some("justification")), "{err}");
    let (status, err) = extend(json!({"justification": "trial pending", "review_by": day(5 * 366 + 2)}));
    assert_eq!((status, err["error"]["field"].as_str()), (400, Some("review_by")), "{err}");
    let (status, err) = json(
        s.post(&deu, &format!("/v1/records/{soon_id}/extend"))
            .json(&json!({"justification": "x"}))
            .send()
            .expect("extend"),
    );
    assert_eq!(status, 403, "only the owner's admins extend: {err}");
    let (status, extended) = extend(json!({"justification": "trial set for March; the warrant stands"}));
    assert_eq!(status, 200, "{extended}");
    assert_eq!(extended["version"].as_u64(), soon["version"].as_u64().map(|v| v + 1));
    let (_, audit) = json(s.get(&fra, &format!("/v1/records/{soon_id}/audit")).send().expect("audit"));
    let entry =
        audit.as_array().expect("entries").iter().find(|e| e["action"] == "record.extend" && e["outcome"] == "ok");
    assert_eq!(
        entry.and_then(|e| e["purpose"].as_str()),
        Some("extend: trial set for March; the warrant stands"),
        "{audit}"
    );
    let (_, reviews) = json(s.get(&fra, "/v1/reviews").send().expect("GET"));
    assert_eq!(reviews["items"], json!([]), "extended: no longer due");

    // 400 days on: `later` is past its date. It stops matching at once and
    // the periodic task archives it; nothing is deleted.
    s.restart_with(&["--maintenance-every", "1"], Some(&at(400)));
    assert!(!matched_ids(&s, &deu, "Pavel Morozov").contains(&later_id), "past review: no match");
    assert!(matched_ids(&s, &deu, "Oleg Sokolov").contains(&kept_id));
    let mut archived = false;
    for _ in 0..50 {
        let (_, r) = json(s.get(&fra, &format!("/v1/records/{later_id}")).send().expect("GET"));
        if r["state"] == "archived" {
            archived = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(archived, "the periodic task archived the record");
    let events = SseClient::connect(&s.base, &fra, Some(0));
    let expired = events_of(&events, "review.expired", Duration::from_secs(2));
    let expired_ids: Vec<&str> = expired.iter().filter_map(|e| e["id"].as_str()).collect();
    assert_eq!(expired_ids, [later_id.as_str()], "the owner is told: {expired:?}");

    // Five years on, by the command: the rest expires, the notice too.
    let five_years = at(5 * 366 + 10);
    let out = tocsin_ok(&s.data, &["--now", &five_years, "maintenance", "run"]);
    assert!(out.contains("2 record(s) archived, 1 notice(s) expired"), "{out}");
    let again = tocsin_ok(&s.data, &["--now", &five_years, "maintenance", "run"]);
    assert!(again.contains("0 reminder(s) sent, 0 record(s) archived, 0 notice(s) expired"), "{again}");
    s.restart_with(&[], Some(&five_years));
    assert!(!matched_ids(&s, &deu, "Oleg Sokolov").contains(&kept_id));
    let (_, n) = json(s.get(&fra, &format!("/v1/notices/{notice_id}")).send().expect("GET"));
    assert_eq!(n["status"], "expired", "{n}");
    let last = &n["history"][n["history"].as_array().map_or(0, Vec::len) - 1];
    assert_eq!((last["user"].as_str(), last["to"].as_str()), (Some("system"), Some("expired")));
    assert_eq!(s.get(&deu, &format!("/v1/notices/{notice_id}")).send().expect("GET").status(), 404);
    let (status, err) = json(
        s.post(&fra, &format!("/v1/notices/{notice_id}/extend"))
            .json(&json!({"justification": "late"}))
            .send()
            .expect("extend"),
    );
    assert_eq!(status, 409, "an expired notice is not extended: {err}");
    for r in [&soon_id, &later_id, &kept_id] {
        let (status, rec) = json(s.get(&fra, &format!("/v1/records/{r}")).send().expect("GET"));
        assert_eq!((status, rec["state"].as_str()), (200, Some("archived")), "kept for audit: {rec}");
    }
    assert!(tocsin_ok(&s.data, &["audit", "verify"]).contains("OK"));
}
