//! National units as an agency runs them: a border post granted document
//! screening only acts within that, whatever its token's role; everything
//! it does is audited in its name under the agency; suspending it refuses
//! its tokens at once.

use serde_json::json;

use crate::helpers::{TestServer, json as answer, person};

#[test]
fn a_unit_granted_screening_only_screens_its_kinds_and_can_do_nothing_else_until_suspended() {
    let s = TestServer::start();
    let fra = s.token("FRA", "admin");
    // The agency's admin creates the unit over the API; the operator's CLI
    // lists it.
    let (status, unit) = answer(
        s.post(&fra, "/v1/units")
            .json(&json!({"code": "PAF-CDG", "name": "Police aux frontières, Roissy",
                "rights": {"screen": ["travel_document"]}}))
            .send()
            .expect("POST /v1/units"),
    );
    assert_eq!(status, 201, "{unit}");
    assert_eq!(unit["id"], "FRA/PAF-CDG");
    assert!(s.cli(&["unit", "list", "--agency", "FRA"]).contains("FRA/PAF-CDG"));
    // Even an admin token of the unit is bound by its rights.
    let officer =
        s.cli(&["token", "create", "--agency", "FRA", "--role", "officer", "--unit", "PAF-CDG", "--user", "agent7"]);
    let officer = officer.trim();
    let unit_admin = s.cli(&["token", "create", "--agency", "FRA", "--role", "admin", "--unit", "PAF-CDG"]);
    let unit_admin = unit_admin.trim();

    let mut passport = json!({"kind": "travel_document", "number": "L898902C3", "country": "FRA", "status": "stolen",
        "handling": {"code": "seize_document", "instructions": "Call the duty magistrate on 01 40 00 00 00"},
        "access": {"mode": "all"}});
    let doc = s.create(&fra, &passport);
    let mut wanted = person("Lena Morel", json!({"mode": "all"}));
    wanted["handling"] = json!({"code": "arrest", "instructions": "Armed; approach with two officers"});
    let person_id = s.create(&fra, &wanted)["id"].as_str().expect("id").to_owned();
    // Another agency's rule still speaks to the agency: DEU shares a
    // document with FRA alone, and the unit, of FRA, sees it.
    let deu = s.token("DEU", "admin");
    passport["number"] = json!("C01X00T47");
    passport["country"] = json!("DEU");
    passport["access"] = json!({"mode": "only", "countries": ["FRA"]});
    let deu_doc = s.create(&deu, &passport);

    // Documents it screens, without the handling instructions it was not
    // granted (the handling code stays).
    let found = s.screen(officer, &json!({"document_number": "L898902C3", "document_country": "FRA"}));
    let m = &found["matches"][0];
    assert_eq!(m["record"]["id"], doc["id"]);
    assert_eq!(m["handling"]["code"], "seize_document");
    assert!(m["handling"]["instructions"].is_null(), "{m}");
    assert!(!found.to_string().contains("duty magistrate"), "{found}");
    let theirs = s.screen(officer, &json!({"document_number": "C01X00T47", "document_country": "DEU"}));
    assert_eq!(theirs["matches"][0]["record"]["id"], deu_doc["id"]);
    // People it does not screen: no match, and the record reads as missing.
    let people = s.screen(officer, &json!({"name": "Lena Morel", "birth_date": "1970-05-01"}));
    assert_eq!(people["matches"], json!([]), "{people}");
    assert_eq!(s.get(officer, &format!("/v1/records/{person_id}")).send().expect("GET").status().as_u16(), 404);
    let (_, listed) = answer(s.get(officer, "/v1/records?limit=100").send().expect("GET"));
    assert!(!listed.to_string().contains(&person_id), "{listed}");
    // The agency's own officers see it all.
    let agency_officer = s.token("FRA", "officer");
    let full = s.screen(&agency_officer, &json!({"document_number": "L898902C3", "document_country": "FRA"}));
    assert_eq!(full["matches"][0]["handling"]["instructions"], "Call the duty magistrate on 01 40 00 00 00");

    // Nothing else: no records written, no messages, no tokens, no units.
    for (token, method, path, body) in [
        (unit_admin, "POST", "/v1/records", Some(person("New Person", json!({"mode": "all"})))),
        (officer, "GET", "/v1/messages", None),
        (unit_admin, "GET", "/v1/messages", None),
        (unit_admin, "POST", "/v1/tokens", Some(json!({"role": "officer", "user": "x"}))),
        (unit_admin, "GET", "/v1/units", None),
        (unit_admin, "GET", "/v1/audit", None),
        // The agency's own desks: hits, notices, the event stream, the
        // other services.
        (officer, "GET", "/v1/hits", None),
        (officer, "GET", "/v1/notices", None),
        (officer, "GET", "/v1/events", None),
        (officer, "GET", "/v1/records/export", None),
        (officer, "GET", "/v1/infra/spof", None),
        (officer, "GET", "/v1/biometrics/candidates", None),
        (officer, "GET", "/taxii2/", None),
    ] {
        let r = match (method, body) {
            ("POST", Some(b)) => s.post(token, path).json(&b).send(),
            _ => s.get(token, path).send(),
        }
        .expect("request");
        assert_eq!(r.status().as_u16(), 403, "{method} {path}: {}", r.text().unwrap_or_default());
    }

    // Its screenings are audited in its name, under FRA.
    let auditor = s.token("FRA", "auditor");
    let (_, log) = answer(s.get(&auditor, "/v1/audit?limit=1000").send().expect("audit"));
    let screens: Vec<&serde_json::Value> =
        log.as_array().expect("entries").iter().filter(|e| e["action"] == "screen").collect();
    assert!(screens.iter().any(|e| e["user"] == "PAF-CDG/agent7" && e["agency"] == "FRA"), "{screens:?}");

    // Suspended: its tokens are refused at once; resumed, accepted again.
    let (status, suspended) = answer(s.post(&fra, "/v1/units/PAF-CDG/suspend").send().expect("suspend"));
    assert_eq!(status, 200, "{suspended}");
    assert!(suspended["suspended_at"].is_string());
    let r = s.post(officer, "/v1/screen").json(&json!({"document_number": "L898902C3"})).send().expect("screen");
    assert_eq!(r.status().as_u16(), 401);
    let refused = s.cli_output(&["token", "create", "--agency", "FRA", "--role", "officer", "--unit", "PAF-CDG"]);
    assert!(!refused.status.success() && String::from_utf8_lossy(&refused.stderr).contains("suspended"));
    let (status, _) = answer(s.post(&fra, "/v1/units/PAF-CDG/resume").send().expect("resume"));
    assert_eq!(status, 200);
    s.screen(officer, &json!({"document_number": "L898902C3", "document_country": "FRA"}));
    // Only the agency's own administrators manage its units.
    let deu_units = answer(s.get(&deu, "/v1/units").send().expect("GET"));
    assert!(!deu_units.1.to_string().contains("PAF-CDG"), "{}", deu_units.1);
    let bad = answer(
        s.post(&fra, "/v1/units").json(&json!({"code": "paf cdg", "name": "x", "rights": {}})).send().expect("POST"),
    );
    assert_eq!((bad.0, bad.1["error"]["field"].as_str()), (400, Some("code")), "{}", bad.1);
}
