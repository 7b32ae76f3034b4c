//! Bad input gets a 4xx JSON error naming what is wrong, the server stays up,
//! and nothing stored changes.

use serde_json::json;

use crate::helpers::{TestServer, json, person};

fn record_count(s: &TestServer, token: &str) -> usize {
    let (status, page) = json(s.get(token, "/v1/records?limit=1000").send().expect("list"));
    assert_eq!(status, 200);
    page["items"].as_array().map_or(0, Vec::len)
}

#[test]
fn bad_records_are_refused_with_the_field_named() {
    let s = TestServer::start();
    let admin = s.token("FRA", "admin");
    let existing = s.create(&admin, &person("Keep Me", json!({"mode": "all"})));
    let mut unknown = person("A", json!({"mode": "all"}));
    unknown["nickname"] = json!("x");
    let mut country = person("A", json!({"mode": "all"}));
    country["nationalities"] = json!(["RUS", "XYZ"]);
    let mut date = person("A", json!({"mode": "all"}));
    date["birth_dates"] = json!(["1970-02-30"]);
    let long = person(&"N".repeat(1001), json!({"mode": "all"}));
    let mut access = person("A", json!({"mode": "only", "countries": ["DEU", "Q"]}));
    access["tags"] = json!([]);
    let cases: Vec<(&str, Vec<u8>, u16, &str, &str)> = vec![
        ("malformed JSON", b"{\"kind\": \"person\",".to_vec(), 400, "invalid_json", ""),
        ("unknown field", unknown.to_string().into_bytes(), 400, "unknown_field", "nickname"),
        ("invalid country", country.to_string().into_bytes(), 400, "invalid_field", "nationalities[1]"),
        ("impossible date", date.to_string().into_bytes(), 400, "invalid_field", "birth_dates[0]"),
        ("name over 1,000 characters", long.to_string().into_bytes(), 400, "invalid_field", "names[0].full"),
        ("bad agency in access", access.to_string().into_bytes(), 400, "invalid_field", "access.countries[1]"),
        (
            "invalid UTF-8",
            b"{\"kind\": \"person\", \"names\": [{\"full\": \"\xff\xfe\"}]}".to_vec(),
            400,
            "invalid_utf8",
            "",
        ),
        ("oversized body", vec![b' '; 2 * 1024 * 1024], 413, "payload_too_large", ""),
    ];
    for (what, body, status, code, field) in cases {
        let r = s.post(&admin, "/v1/records").body(body).send().expect(what);
        let (got, err) = json(r);
        assert_eq!((got, err["error"]["code"].as_str()), (status, Some(code)), "{what}: {err}");
        assert_eq!(err["error"]["field"].as_str().unwrap_or(""), field, "{what}: {err}");
        assert!(err["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{what}");
    }
    let (status, _) = json(s.client_health());
    assert_eq!(status, 200, "the server is still up");
    assert_eq!(record_count(&s, &admin), 1, "nothing stored changed");
    let (_, again) =
        json(s.get(&admin, &format!("/v1/records/{}", existing["id"].as_str().expect("id"))).send().expect("GET"));
    assert_eq!(again, existing);
}

#[test]
fn tokens_and_roles_are_checked() {
    let s = TestServer::start();
    let (status, err) = json(reqwest::blocking::get(format!("{}/v1/records", s.base)).expect("GET"));
    assert_eq!((status, err["error"]["code"].as_str()), (401, Some("missing_token")));
    let (status, err) = json(s.get("tcs_not-a-real-token", "/v1/records").send().expect("GET"));
    assert_eq!((status, err["error"]["code"].as_str()), (401, Some("invalid_token")));
    let auditor = s.token("FRA", "auditor");
    let (status, err) = json(s.get(&auditor, "/v1/records").send().expect("GET"));
    assert_eq!((status, err["error"]["code"].as_str()), (403, Some("forbidden")), "{err}");
    let officer = s.token("FRA", "officer");
    let (status, err) = json(s.get(&officer, "/v1/records/not-a-uuid").send().expect("GET"));
    assert_eq!((status, err["error"]["field"].as_str()), (400, Some("id")), "{err}");
    let (status, err) = json(s.get(&officer, "/v1/records?limit=lots").send().expect("GET"));
    assert_eq!((status, err["error"]["code"].as_str()), (400, Some("invalid_query")), "{err}");
    let (status, _) = json(s.get(&officer, "/v1/nowhere").send().expect("GET"));
    assert_eq!(status, 404);
}

impl TestServer {
    fn client_health(&self) -> reqwest::blocking::Response {
        reqwest::blocking::get(format!("{}/v1/health", self.base)).expect("health")
    }
}
