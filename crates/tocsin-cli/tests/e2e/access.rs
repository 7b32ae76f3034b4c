//! The access matrix: every rule (all, only, except) × an agency inside or
//! outside its list × every read endpoint. An endpoint that forgets the
//! policy makes a cell fail.

use serde_json::{Value, json};

use crate::helpers::{TestServer, json, person};

/// What one endpoint shows `token` of record `id`: `true` if the record is
/// there, `false` if the answer is exactly what a missing record gets.
type Probe = fn(&TestServer, &str, &str) -> bool;

fn via_get(s: &TestServer, token: &str, id: &str) -> bool {
    shows(s, s.get(token, &format!("/v1/records/{id}")).send().expect("GET"), id)
}

fn via_record_audit(s: &TestServer, token: &str, id: &str) -> bool {
    shows(s, s.get(token, &format!("/v1/records/{id}/audit")).send().expect("GET audit"), id)
}

fn via_list(s: &TestServer, token: &str, id: &str) -> bool {
    let (status, page) = json(s.get(token, "/v1/records?limit=1000").send().expect("list"));
    assert_eq!(status, 200);
    page["items"].as_array().expect("items").iter().any(|r| r["id"] == id)
}

fn via_export(s: &TestServer, token: &str, id: &str) -> bool {
    let text = s.get(token, "/v1/records/export").send().expect("export").text().expect("body");
    text.lines().any(|l| serde_json::from_str::<Value>(l).is_ok_and(|r| r["id"] == id))
}

/// 200 with the record, or a 404 indistinguishable from an unknown id's.
fn shows(s: &TestServer, r: reqwest::blocking::Response, id: &str) -> bool {
    let (status, body) = json(r);
    if status == 200 {
        return true;
    }
    assert_eq!(status, 404, "{body}");
    let unknown = "01a20000-0000-7000-8000-000000000000";
    let token = s.token("ITA", "officer");
    let (_, missing) = json(s.get(&token, &format!("/v1/records/{unknown}")).send().expect("GET"));
    assert_eq!(body["error"]["code"], missing["error"]["code"]);
    assert_eq!(
        body["error"]["message"].as_str().map(|m| m.replace(id, "ID")),
        missing["error"]["message"].as_str().map(|m| m.replace(unknown, "ID"))
    );
    false
}

#[test]
fn every_read_endpoint_applies_the_access_rule() {
    let s = TestServer::start();
    let owner = s.token("FRA", "admin");
    let rules = [
        ("all", json!({"mode": "all"}), [true, true]),
        ("only DEU", json!({"mode": "only", "countries": ["DEU"]}), [true, false]),
        ("except DEU", json!({"mode": "except", "countries": ["DEU"]}), [false, true]),
    ];
    let viewers = [("DEU", s.token("DEU", "officer")), ("ITA", s.token("ITA", "officer"))];
    let probes: [(&str, Probe); 4] =
        [("get", via_get), ("list", via_list), ("export", via_export), ("record audit", via_record_audit)];
    let mut failures = Vec::new();
    for (rule, access, expected) in &rules {
        let id = s.create(&owner, &person(&format!("Subject {rule}"), access.clone()))["id"]
            .as_str()
            .expect("id")
            .to_owned();
        assert!(via_get(&s, &owner, &id), "the owner sees its record");
        for ((viewer, token), expect) in viewers.iter().zip(expected) {
            for (endpoint, probe) in &probes {
                if probe(&s, token, &id) != *expect {
                    failures
                        .push(format!("rule {rule}, viewer {viewer}, endpoint {endpoint}: expected visible={expect}"));
                }
            }
            let found = s.screen(token, &json!({"name": format!("Subject {rule}")}));
            let screened = found["matches"].as_array().is_some_and(|m| m.iter().any(|m| m["record"]["id"] == id));
            if screened != *expect {
                failures.push(format!("rule {rule}, viewer {viewer}, endpoint screen: expected visible={expect}"));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn archived_records_vanish_for_everyone_but_the_owner() {
    let s = TestServer::start();
    let owner = s.token("FRA", "admin");
    let id = s.create(&owner, &person("Gone Soon", json!({"mode": "all"})))["id"].as_str().expect("id").to_owned();
    let deu = s.token("DEU", "officer");
    assert!(via_get(&s, &deu, &id));
    let (status, _) = json(s.delete(&owner, &format!("/v1/records/{id}?version=1")).send().expect("DELETE"));
    assert_eq!(status, 200);
    assert!(!via_get(&s, &deu, &id) && !via_list(&s, &deu, &id) && !via_export(&s, &deu, &id));
    assert!(via_get(&s, &owner, &id));
}

#[test]
fn an_agency_reads_only_its_own_users_audit_entries() {
    let s = TestServer::start();
    let owner = s.token("FRA", "admin");
    let id = s.create(&owner, &person("Hidden", json!({"mode": "only", "countries": ["ITA"]})))["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let deu_admin = s.token("DEU", "admin");
    let (status, entries) = json(s.get(&deu_admin, "/v1/audit?limit=1000").send().expect("audit"));
    assert_eq!(status, 200, "{entries}");
    let entries = entries.as_array().expect("entries");
    assert!(entries.iter().all(|e| e["agency"] == "DEU"), "DEU saw another agency's entries");
    assert!(!entries.iter().any(|e| e["objects"].as_array().is_some_and(|o| o.iter().any(|x| x == id.as_str()))));
    let (status, _) = json(s.get(&s.token("DEU", "officer"), "/v1/audit").send().expect("audit"));
    assert_eq!(status, 403, "officers do not read the agency's audit log");
}

/// The same policy decides the threat-intelligence hub: a collection's
/// readers are an access rule like a record's, and each TLP level is the
/// rule [`tocsin_intel::Tlp::access_rule`] gives, decided by
/// [`tocsin_core::access::may_see_parts`]. Every cell is checked on every
/// endpoint that shows an object: the page, the manifest, the object, its
/// versions and a check of the value it states.
#[test]
fn the_one_policy_decides_intel_by_collection_rule_and_tlp_on_every_endpoint() {
    use tocsin_core::AgencyCode;
    use tocsin_core::access::{Viewer, may_see_parts};
    use tocsin_core::record::{AccessRule, RecordState};
    use tocsin_hub::INTEL_LEVEL;
    use tocsin_intel::Tlp;

    use crate::intel::{get, indicator, post, read};

    let s = TestServer::start();
    let owner = s.token("FRA", "admin");
    let viewers = [("DEU", s.token("DEU", "officer")), ("ITA", s.token("ITA", "officer"))];
    let deu = AgencyCode::parse("DEU").expect("code");
    let rules = [
        ("all", AccessRule::All),
        ("only DEU", AccessRule::Only { countries: vec![deu] }),
        ("except DEU", AccessRule::Except { countries: vec![deu] }),
    ];
    let mut failures = Vec::new();
    let mut n = 0;
    for (rule, readers) in &rules {
        let body = json!({"root": "matrix", "title": format!("Readers {rule}"), "readers": readers});
        let (status, c) = json(s.post(&owner, "/v1/intel/collections").json(&body).send().expect("collection"));
        assert_eq!(status, 201, "{c}");
        let objects = format!("/taxii2/matrix/collections/{}/objects/", c["id"].as_str().expect("id"));
        for tlp in Tlp::ALL {
            n += 1;
            let id = format!("indicator--0d1e2f30-0000-4000-8000-{n:012}");
            let value = format!("192.0.2.{n}");
            let o =
                indicator(&id, &format!("[ipv4-addr:value = '{value}']"), tlp.marking_id(), "2026-03-01T10:00:00.000Z");
            assert_eq!(read(post(&s, &owner, &objects, &json!({"objects": [o]}))).0, 202);
            for (viewer, token) in &viewers {
                let code = Viewer::agency(AgencyCode::parse(viewer).expect("code"));
                let fra = AgencyCode::parse("FRA").expect("code");
                let expect = may_see_parts(&code, &fra, RecordState::Active, readers, INTEL_LEVEL)
                    && may_see_parts(&code, &fra, RecordState::Active, &tlp.access_rule(), INTEL_LEVEL);
                let listed = |path: &str| {
                    let (status, body, _) = read(get(&s, token, path));
                    status == 200 && body.to_string().contains(&id)
                };
                let (check_status, answer) =
                    json(s.post(token, "/v1/intel/check").json(&json!({"values": [value]})).send().expect("check"));
                assert_eq!(check_status, 200, "{answer}");
                let seen = [
                    ("objects", listed(&objects)),
                    ("manifest", listed(&objects.replace("/objects/", "/manifest/"))),
                    ("object", listed(&format!("{objects}{id}/"))),
                    ("versions", read(get(&s, token, &format!("{objects}{id}/versions/"))).0 == 200),
                    ("check", answer.to_string().contains(&id)),
                ];
                for (endpoint, visible) in seen {
                    if visible != expect {
                        failures.push(format!(
                            "readers {rule}, {}, viewer {viewer}, endpoint {endpoint}: expected visible={expect}",
                            tlp.label()
                        ));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
