//! The leak test: every endpoint of the OpenAPI document, as every role of
//! every agency that is not the owner and of the owner's and another
//! agency's staff cleared below a record's level, against records of every
//! kind under every access rule and at the top level. A record (and its
//! hits, notices and watches) hidden from the caller must leave no trace:
//!
//! - an endpoint that takes an id answers exactly as for an id that never
//!   existed (status and body, the id itself set aside);
//! - any other answer (lists, exports, screening, the audit views, events,
//!   health) holds none of the hidden objects' ids;
//! - the events it is sent are numbered 1, 2, 3 … without a gap;
//! - `/metrics` is refused to every agency's token.
//!
//! The route list is read from the server's OpenAPI document: a route with
//! no case here fails the test, so a new endpoint cannot skip it.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::helpers::{TestServer, json as status_json};
use crate::sse::SseClient;

/// Ids that never existed, one per kind of object.
const MISSING: &str = "00000000-0000-7000-8000-000000000000";

const KINDS: [&str; 3] = ["person", "organization", "travel_document"];
/// Who probes: agencies the access rules hide records from, cleared for
/// every level; the owner's and another agency's staff cleared for
/// `restricted`, from whom the confidential records are hidden.
const VIEWERS: [(&str, &str); 5] = [
    ("ITA", "confidential"),
    ("DEU", "confidential"),
    ("GS", "confidential"),
    ("FRA", "restricted"),
    ("DEU", "restricted"),
];
const LEVELS: [&str; 3] = ["official_use_only", "restricted", "confidential"];
const ROLES: [&str; 6] = ["officer", "admin", "reviewer", "auditor", "examiner", "edge"];

/// The roles an agency may hold: reviewers are the General Secretariat's.
fn roles(agency: &str) -> impl Iterator<Item = &'static str> {
    ROLES.into_iter().filter(move |r| *r != "reviewer" || agency == "GS")
}

/// The access rules and levels of the records, with who may see a record
/// under each rule (besides FRA, the owner).
fn rules() -> [(&'static str, Value, &'static str); 4] {
    [
        ("all", json!({"mode": "all"}), "official_use_only"),
        ("only-deu", json!({"mode": "only", "countries": ["DEU"]}), "official_use_only"),
        ("except-ita", json!({"mode": "except", "countries": ["ITA"]}), "official_use_only"),
        ("all", json!({"mode": "all"}), "confidential"),
    ]
}

/// Whether `viewer` may see `t`, as the access policy says it should.
fn may_see(t: &Target, (agency, clearance): (&str, &str)) -> bool {
    let admitted = agency == "FRA"
        || match t.rule {
            "all" => true,
            "only-deu" => agency == "DEU",
            _ => agency != "ITA",
        };
    let rank = |level: &str| LEVELS.iter().position(|l| *l == level);
    admitted && rank(t.level) <= rank(clearance)
}

/// The user a viewer's officer screens as, to tell its hits apart.
fn officer_user((agency, clearance): (&str, &str)) -> String {
    format!("leak-{}-{clearance}", agency.to_lowercase())
}

struct Target {
    id: String,
    rule: &'static str,
    level: &'static str,
    /// What screens for it.
    query: Value,
    /// The owner's draft notice on it.
    notice: String,
}

fn record_body(kind: &str, n: usize, access: &Value) -> (Value, Value) {
    let handling = json!({"code": "inform"});
    match kind {
        "person" => {
            let name = format!("Leakcheck Personne {}", ["Alpha", "Bravo", "Charlie", "Golf"][n]);
            let body = json!({"kind": kind, "names": [{"full": name}], "birth_dates": ["1970-05-01"],
                "handling": handling, "access": access});
            (body, json!({"name": name, "birth_date": "1970-05-01"}))
        }
        "organization" => {
            let name = format!("Leakcheck {} Trading Company", ["Delta", "Echo", "Foxtrot", "Hotel"][n]);
            (
                json!({"kind": kind, "names": [{"full": name}], "handling": handling, "access": access}),
                json!({"name": name}),
            )
        }
        _ => {
            let number = format!("LK{n}73914");
            let body = json!({"kind": kind, "number": number, "country": "FRA", "doc_type": "passport",
                "status": "stolen", "handling": handling, "access": access});
            (body, json!({"document_number": number, "document_country": "FRA"}))
        }
    }
}

/// The answer with `id` replaced, for comparing a hidden object's answer
/// with a missing one's.
fn answer(r: reqwest::blocking::Response, id: &str) -> (u16, String) {
    let status = r.status().as_u16();
    let text = r.text().expect("body").replace(id, "<id>");
    (status, text)
}

struct World {
    s: TestServer,
    targets: Vec<Target>,
    /// Every hit on the targets: its id, its record, whether it is silent,
    /// and the user whose screening made it.
    hits: Vec<Seen>,
    /// A watch of FRA's, which no viewer may touch.
    fra_watch: String,
}

fn world() -> World {
    let s = TestServer::start();
    let fra = s.token("FRA", "admin");
    let mut targets = vec![];
    for (n, (rule, access, level)) in rules().into_iter().enumerate() {
        for kind in KINDS {
            let (mut body, query) = record_body(kind, n, &access);
            body["level"] = json!(level);
            let id = s.create(&fra, &body)["id"].as_str().expect("id").to_owned();
            let notice = json!({"type": "blue", "content": {"record_ids": [id], "summary": "Whereabouts sought.",
                "information_sought": "Current address."}});
            let (status, created) = status_json(s.post(&fra, "/v1/notices").json(&notice).send().expect("notice"));
            assert_eq!(status, 201, "{created}");
            let notice = created["id"].as_str().expect("notice id").to_owned();
            targets.push(Target { id, rule, level, query, notice });
        }
    }
    let (status, watch) =
        status_json(s.post(&fra, "/v1/watches").json(&json!({"record_id": targets[0].id})).send().expect("watch"));
    assert_eq!(status, 201, "{watch}");
    // Every viewer screens for every record: a silent hit on each hidden one.
    for viewer in VIEWERS {
        let officer = officer_token(&s, viewer);
        for t in &targets {
            s.screen(&officer, &t.query);
        }
    }
    let (_, hits) = status_json(s.get(&fra, "/v1/hits?limit=1000").send().expect("hits"));
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    let hits = hits["items"]
        .as_array()
        .expect("hits")
        .iter()
        .map(|h| Seen {
            id: text(&h["id"]),
            record: text(&h["record_id"]),
            silent: h["silent"] == true,
            user: text(&h["user"]),
        })
        .collect();
    World { s, targets, hits, fra_watch: watch["id"].as_str().expect("watch id").to_owned() }
}

/// A hit as FRA, the owner, lists it.
struct Seen {
    id: String,
    record: String,
    silent: bool,
    user: String,
}

/// `viewer`'s officer token, screening as [`officer_user`].
fn officer_token(s: &TestServer, viewer: (&str, &str)) -> String {
    let (agency, clearance) = viewer;
    let user = officer_user(viewer);
    let args = ["token", "create", "--agency", agency, "--role", "officer", "--clearance", clearance, "--user", &user];
    s.cli(&args).trim().to_owned()
}

/// The requests that name one object by id, with the routes they exercise.
fn by_id(w: &World, token: &str, route: &str, id: &str) -> reqwest::blocking::Response {
    let s = &w.s;
    let person = json!({"kind": "person", "names": [{"full": "X"}], "handling": {"code": "inform"},
        "access": {"mode": "all"}, "version": 1});
    let send = |r: reqwest::blocking::RequestBuilder| r.send().expect(route);
    match route {
        "GET /v1/records/{id}" => send(s.get(token, &format!("/v1/records/{id}"))),
        "PUT /v1/records/{id}" => send(s.put(token, &format!("/v1/records/{id}")).json(&person)),
        "DELETE /v1/records/{id}" => send(s.delete(token, &format!("/v1/records/{id}?version=1"))),
        "GET /v1/records/{id}/audit" => send(s.get(token, &format!("/v1/records/{id}/audit"))),
        "POST /v1/records/{id}/extend" => {
            send(s.post(token, &format!("/v1/records/{id}/extend")).json(&json!({"justification": "x", "version": 1})))
        }
        "POST /v1/watches" => send(s.post(token, "/v1/watches").json(&json!({"record_id": id}))),
        "POST /v1/notices" => send(s.post(token, "/v1/notices").json(&json!({"type": "blue",
            "content": {"record_ids": [id], "summary": "s", "information_sought": "i"}}))),
        "GET /v1/hits/{id}" => send(s.get(token, &format!("/v1/hits/{id}"))),
        "POST /v1/hits/{id}/status" => {
            send(s.post(token, &format!("/v1/hits/{id}/status")).json(&json!({"status": "in_review"})))
        }
        "POST /v1/hits/{id}/messages" => {
            send(s.post(token, &format!("/v1/hits/{id}/messages")).json(&json!({"text": "x"})))
        }
        "GET /v1/hits/{id}/messages" => send(s.get(token, &format!("/v1/hits/{id}/messages"))),
        "GET /v1/notices/{id}" => send(s.get(token, &format!("/v1/notices/{id}"))),
        "PUT /v1/notices/{id}" => send(s.put(token, &format!("/v1/notices/{id}")).json(&json!({"type": "blue",
            "content": {"record_ids": [MISSING], "summary": "s", "information_sought": "i"}, "version": 1}))),
        "POST /v1/notices/{id}/{action}" => send(s.post(token, &format!("/v1/notices/{id}/submit")).json(&json!({}))),
        "POST /v1/notices/{id}/extend" => {
            send(s.post(token, &format!("/v1/notices/{id}/extend")).json(&json!({"justification": "x", "version": 1})))
        }
        "POST /v1/notices/{id}/public" => {
            send(s.post(token, &format!("/v1/notices/{id}/public")).json(&json!({"public": true})))
        }
        "DELETE /v1/watches/{id}" => send(s.delete(token, &format!("/v1/watches/{id}"))),
        other => panic!("no by-id case for {other}"),
    }
}

/// Routes answered about no particular object: what they answer must hold
/// no hidden id.
fn collection(w: &World, token: &str, route: &str) -> reqwest::blocking::Response {
    let s = &w.s;
    let send = |r: reqwest::blocking::RequestBuilder| r.send().expect(route);
    let own = json!({"kind": "person", "names": [{"full": "Own Record"}], "handling": {"code": "inform"},
        "access": {"mode": "all"}});
    match route {
        "GET /v1/records" => send(s.get(token, "/v1/records?limit=1000")),
        "GET /v1/records/export" => send(s.get(token, "/v1/records/export")),
        "POST /v1/records" => send(s.post(token, "/v1/records").json(&own)),
        "POST /v1/records/bulk" => send(s.post(token, "/v1/records/bulk").body(own.to_string())),
        "POST /v1/screen/batch" => {
            let lines: Vec<String> = w.targets.iter().map(|t| t.query.to_string()).collect();
            send(s.post(token, "/v1/screen/batch").body(lines.join("\n")))
        }
        "POST /v1/compare" => {
            send(s.post(token, "/v1/compare").json(&json!({"name1": "Leakcheck", "name2": "Leakcheck"})))
        }
        "GET /v1/hits" => send(s.get(token, "/v1/hits?limit=1000")),
        "GET /v1/notices" => send(s.get(token, "/v1/notices?limit=1000")),
        "GET /v1/reviews" => send(s.get(token, "/v1/reviews?limit=1000")),
        "GET /v1/audit" => send(s.get(token, "/v1/audit?limit=1000")),
        "GET /v1/audit/verify" => send(s.get(token, "/v1/audit/verify")),
        "GET /v1/watches" => send(s.get(token, "/v1/watches")),
        "GET /v1/public/notices" => send(s.get(token, "/v1/public/notices")),
        "GET /v1/health" => send(s.get(token, "/v1/health")),
        "GET /v1/openapi.json" => send(s.get(token, "/v1/openapi.json")),
        "GET /v1/activity" => send(s.get(token, "/v1/activity")),
        "GET /v1/tokens" => send(s.get(token, "/v1/tokens")),
        "POST /v1/tokens" => send(s.post(token, "/v1/tokens").json(&json!({"role": "officer", "user": "leak-check"}))),
        "POST /v1/tokens/{id}/revoke" => send(s.post(token, &format!("/v1/tokens/{MISSING}/revoke"))),
        "GET /v1/units" => send(s.get(token, "/v1/units")),
        "POST /v1/units" => send(s.post(token, "/v1/units").json(&json!({"code": "LEAK-1", "name": "Leak check",
            "rights": {"screen": ["person"]}}))),
        "POST /v1/units/{code}/{action}" => send(s.post(token, "/v1/units/LEAK-1/suspend")),
        "POST /v1/imports" => {
            send(s.post(token, "/v1/imports?format=ftm").body(
                json!({"id": "lk-1", "schema": "Person", "properties": {"name": ["Imported Person"]}}).to_string(),
            ))
        }
        other => panic!("no collection case for {other}"),
    }
}

#[test]
fn no_hidden_record_leaves_a_trace_on_any_endpoint_for_any_role() {
    let w = world();
    let s = &w.s;
    // The route list, from the server itself.
    let (_, doc) = status_json(s.anonymous("/v1/openapi.json").send().expect("openapi"));
    let mut routes = BTreeSet::new();
    for (path, ops) in doc["paths"].as_object().expect("paths") {
        for method in ops.as_object().expect("operations").keys() {
            routes.insert(format!("{} {path}", method.to_uppercase()));
        }
    }
    let record_routes = [
        "GET /v1/records/{id}",
        "PUT /v1/records/{id}",
        "DELETE /v1/records/{id}",
        "GET /v1/records/{id}/audit",
        "POST /v1/records/{id}/extend",
        "POST /v1/watches",
        "POST /v1/notices",
    ];
    let hit_routes =
        ["GET /v1/hits/{id}", "POST /v1/hits/{id}/status", "POST /v1/hits/{id}/messages", "GET /v1/hits/{id}/messages"];
    let notice_routes = [
        "GET /v1/notices/{id}",
        "PUT /v1/notices/{id}",
        "POST /v1/notices/{id}/{action}",
        "POST /v1/notices/{id}/extend",
        "POST /v1/notices/{id}/public",
    ];
    let watch_routes = ["DELETE /v1/watches/{id}"];
    let collection_routes = [
        "GET /v1/records",
        "GET /v1/records/export",
        "POST /v1/records",
        "POST /v1/records/bulk",
        "POST /v1/screen/batch",
        "POST /v1/compare",
        "GET /v1/hits",
        "GET /v1/notices",
        "GET /v1/reviews",
        "GET /v1/audit",
        "GET /v1/audit/verify",
        "GET /v1/watches",
        "GET /v1/public/notices",
        "GET /v1/health",
        "GET /v1/openapi.json",
        "GET /v1/activity",
        "GET /v1/tokens",
        "POST /v1/tokens",
        "POST /v1/tokens/{id}/revoke",
        "GET /v1/units",
        "POST /v1/units",
        "POST /v1/units/{code}/{action}",
        "POST /v1/imports",
    ];
    // Checked on their own below.
    let special = ["POST /v1/screen", "GET /v1/events", "GET /metrics"];
    let covered: BTreeSet<String> = record_routes
        .iter()
        .chain(&hit_routes)
        .chain(&notice_routes)
        .chain(&watch_routes)
        .chain(&collection_routes)
        .chain(&special)
        .map(|r| (*r).to_owned())
        .collect();
    let uncovered: Vec<&String> = routes.difference(&covered).collect();
    assert!(uncovered.is_empty(), "routes without a leak case: {uncovered:?}");

    let mut leaks: Vec<String> = vec![];
    let mut checks = 0usize;
    for viewer in VIEWERS {
        let (agency, clearance) = viewer;
        let owner = agency == "FRA";
        let hidden: Vec<&Target> = w.targets.iter().filter(|t| !may_see(t, viewer)).collect();
        let silent = w.hits.iter().filter(|h| h.silent && h.user == officer_user(viewer)).count();
        assert_eq!(silent, hidden.len(), "{viewer:?}: a silent hit per hidden record");
        // Every hit on a hidden record, whoever made it: the viewer's own
        // silent ones, and those of staff cleared for what it is not.
        let hidden_hits: Vec<&str> =
            w.hits.iter().filter(|h| hidden.iter().any(|t| t.id == h.record)).map(|h| h.id.as_str()).collect();
        // The owner's drafts are its own alone: every notice is hidden from
        // another agency, and from the owner's staff those on records above
        // their clearance.
        let hidden_notices: Vec<&str> = w
            .targets
            .iter()
            .filter(|t| !owner || hidden.iter().any(|h| h.id == t.id))
            .map(|t| t.notice.as_str())
            .collect();
        // Every id the viewer must not learn of: hidden records, their
        // notices and hits, FRA's watch (when the viewer is not FRA).
        let mut secrets: Vec<&str> = hidden.iter().map(|t| t.id.as_str()).collect();
        secrets.extend(&hidden_notices);
        secrets.extend(&hidden_hits);
        if !owner {
            secrets.push(&w.fra_watch);
        }
        let tokens: Vec<(String, String)> = roles(agency)
            .map(|role| (format!("{agency} {role} ({clearance})"), s.cleared_token(agency, role, clearance)))
            .collect();
        // What the agency reads, before it probes anything by id: its own
        // audit entries echo the ids it sends, which are not leaks.
        for (who, token) in &tokens {
            let mut clean = |route: &str, text: String| {
                checks += 1;
                if let Some(secret) = secrets.iter().find(|x| text.contains(**x)) {
                    let at = text.find(*secret).unwrap_or(0);
                    let around = &text[at.saturating_sub(300)..(at + 100).min(text.len())];
                    leaks.push(format!("{who}: {route} shows {secret}: …{around}…"));
                }
            };
            for route in collection_routes {
                // The General Secretariat reads the whole log, entries about
                // records hidden from it included (ids, never content): the
                // documented exception (ARCHITECTURE.md, invariants).
                if agency == "GS" && route == "GET /v1/audit" {
                    continue;
                }
                let text = collection(&w, token, route).text().expect("body");
                clean(route, text);
            }
            for t in &hidden {
                let text = s.post(token, "/v1/screen").json(&t.query).send().expect("screen").text().expect("body");
                clean("POST /v1/screen", text);
            }
            // The dashboard counts exactly the hits the agency may list: a
            // silent hit adds nothing to its searcher's counts.
            let (status, listed) = status_json(s.get(token, "/v1/hits?limit=1000").send().expect("hits"));
            if status == 200 {
                let (_, activity) = status_json(s.get(token, "/v1/activity").send().expect("activity"));
                let counted: u64 =
                    activity["hits"].as_array().expect("hits").iter().filter_map(|c| c["count"].as_u64()).sum();
                let by_country: u64 = activity["hits_by_country"]
                    .as_array()
                    .expect("by country")
                    .iter()
                    .filter_map(|c| c["count"].as_u64())
                    .sum();
                let listed = listed["items"].as_array().expect("items").len() as u64;
                checks += 1;
                if counted != listed || by_country != listed {
                    leaks.push(format!("{who}: GET /v1/activity counts {counted} hits ({by_country} by country), /v1/hits lists {listed}"));
                }
            }
            let metrics = s.get(token, "/metrics").send().expect("metrics");
            checks += 1;
            if metrics.status().as_u16() != 401 {
                leaks.push(format!("{who}: GET /metrics answered {}", metrics.status()));
            }
        }
        for (who, token) in &tokens {
            let mut same = |route: &str, id: &str| {
                checks += 1;
                let seen = answer(by_id(&w, token, route, id), id);
                let missing = answer(by_id(&w, token, route, MISSING), MISSING);
                if seen != missing {
                    leaks.push(format!("{who}: {route} on {id}: {seen:?} but for a missing id {missing:?}"));
                }
            };
            for t in &hidden {
                for route in record_routes {
                    same(route, &t.id);
                }
            }
            for notice in &hidden_notices {
                for route in notice_routes {
                    same(route, notice);
                }
            }
            for id in &hidden_hits {
                for route in hit_routes {
                    same(route, id);
                }
            }
            if !owner {
                for route in watch_routes {
                    same(route, &w.fra_watch);
                }
            }
        }
        // Events: everything the agency was sent, up to a sentinel hit made
        // last, holds no hidden id (no waiting on a clock: the sentinel
        // arrives after anything sent before it).
        let officer = officer_token(s, viewer);
        let events = SseClient::connect(&s.base, &officer, Some(0));
        let fra = s.token("FRA", "admin");
        let sentinel_name = format!("Sentinel {agency} {clearance}");
        let sentinel = s.create(&fra, &crate::helpers::person(&sentinel_name, json!({"mode": "all"})));
        let sentinel_id = sentinel["id"].as_str().expect("id");
        s.screen(&officer, &json!({"name": sentinel_name, "birth_date": "1970-05-01"}));
        let mut number = 0;
        loop {
            let e = events.next();
            let text = e.data.to_string();
            checks += 2;
            if let Some(secret) = secrets.iter().find(|x| text.contains(**x)) {
                leaks.push(format!("{viewer:?}: GET /v1/events sent {secret}: {text}"));
            }
            number += 1;
            if e.id != number {
                leaks.push(format!("{viewer:?}: GET /v1/events numbered {} after {}: a gap", e.id, number - 1));
                number = e.id;
            }
            if text.contains(sentinel_id) {
                break;
            }
        }
    }
    println!("leak test: {} routes, {checks} checks, {} leaks", routes.len(), leaks.len());
    assert!(leaks.is_empty(), "{} leaks:\n{}", leaks.len(), leaks.join("\n"));
}
