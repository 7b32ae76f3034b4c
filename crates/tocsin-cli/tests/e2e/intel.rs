//! The threat-intelligence hub end to end: TAXII 2.1 as clients speak it
//! (Basic with the token as password, negotiation, errors as TAXII bodies),
//! ingest with failures per object, paging with stateless cursors, TLP
//! through the access policy on every endpoint, checks and their sightings
//! (silent where the checker may not see the object), deletion by the
//! owner, the size limit, duplicates, and the CLI.

use std::time::Duration;

use base64::Engine as _;
use reqwest::blocking::{Client, RequestBuilder, Response};
use serde_json::{Value, json};

use crate::helpers::{TestServer, json};
use crate::sse::SseClient;

const TAXII: &str = "application/taxii+json;version=2.1";
const TLP1_AMBER: &str = "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82";
const TLP2_AMBER: &str = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421";
const TLP2_RED: &str = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1";

/// A TAXII request as taxii2-client and MISP send it: Basic with any user
/// and the token as password (the scheme in lower case, as MISP writes it).
pub(crate) fn taxii(s: &TestServer, method: reqwest::Method, token: &str, path: &str) -> RequestBuilder {
    basic(s, method, token, path).header("accept", TAXII)
}

/// [`taxii`] without an `Accept` header.
fn basic(s: &TestServer, method: reqwest::Method, token: &str, path: &str) -> RequestBuilder {
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("misp:{token}"));
    Client::new().request(method, format!("{}{path}", s.base)).header("authorization", format!("basic {basic}"))
}

pub(crate) fn get(s: &TestServer, token: &str, path: &str) -> Response {
    taxii(s, reqwest::Method::GET, token, path).send().expect("GET")
}

pub(crate) fn post(s: &TestServer, token: &str, path: &str, body: &Value) -> Response {
    taxii(s, reqwest::Method::POST, token, path)
        .header("content-type", TAXII)
        .body(body.to_string())
        .send()
        .expect("POST")
}

/// Status and body of a TAXII answer, checking its media type.
pub(crate) fn read(r: Response) -> (u16, Value, reqwest::header::HeaderMap) {
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    assert_eq!(headers.get("content-type").and_then(|v| v.to_str().ok()), Some(TAXII), "status {status}");
    let text = r.text().expect("body");
    let body = if text.is_empty() { Value::Null } else { serde_json::from_str(&text).expect("JSON") };
    if status >= 400 {
        assert_eq!(body["http_status"], status.to_string(), "a TAXII error body: {body}");
        assert!(body["title"].is_string(), "{body}");
    }
    (status, body, headers)
}

pub(crate) fn indicator(id: &str, pattern: &str, marking: &str, modified: &str) -> Value {
    json!({
        "type": "indicator", "spec_version": "2.1", "id": id,
        "created": "2026-03-01T10:00:00.000Z", "modified": modified,
        "name": format!("C2 {id}"), "indicator_types": ["malicious-activity"],
        "pattern": pattern, "pattern_type": "stix", "valid_from": "2026-03-01T10:00:00Z",
        "object_marking_refs": [marking],
    })
}

const IP_INDICATOR: &str = "indicator--a1b2c3d4-0000-4000-8000-000000000001";
const DOMAIN_INDICATOR: &str = "indicator--a1b2c3d4-0000-4000-8000-000000000002";
const MALWARE: &str = "malware--a1b2c3d4-0000-4000-8000-000000000003";

/// A ransomware case: the family, an AMBER indicator on its C2 address
/// (marked with TLP 1.0's id), a RED one on its domain, and bad objects.
fn case() -> Value {
    json!({"objects": [
        {"type": "malware", "spec_version": "2.1", "id": MALWARE,
         "created": "2026-03-01T10:00:00.000Z", "modified": "2026-03-01T10:00:00.000Z",
         "name": "LockBit", "is_family": true, "malware_types": ["ransomware"],
         "object_marking_refs": [TLP2_AMBER]},
        indicator(IP_INDICATOR, "[ipv4-addr:value = '203.0.113.77']", TLP1_AMBER, "2026-03-01T10:00:00.000Z"),
        indicator(DOMAIN_INDICATOR, "[domain-name:value = 'lock.example']", TLP2_RED, "2026-03-01T10:00:00.000Z"),
        {"type": "indicator", "spec_version": "2.1", "created": "2026-03-01T10:00:00.000Z"},
        {"type": "malware", "id": "malware--a1b2c3d4-0000-4000-8000-000000000009", "is_family": false,
         "created": "2026-03-01T10:00:00.000Z", "modified": "2026-03-01T10:00:00.000Z"},
        {"type": "malware", "spec_version": "2.1", "id": "malware--a1b2c3d4-0000-4000-8000-00000000000a",
         "is_family": false, "created": "yesterday", "modified": "2026-03-01T10:00:00.000Z"},
        {"type": "malware", "spec_version": "2.1", "id": "malware--a1b2c3d4-0000-4000-8000-00000000000b",
         "is_family": false, "created": "2026-03-01T10:00:00.000Z", "modified": "2026-03-01T10:00:00.000Z",
         "object_marking_refs": ["marking-definition--00000000-0000-4000-8000-000000000000"]},
    ]})
}

/// A server with a collection FRA owns, read by every agency, written by
/// FRA and DEU; FRA's admin token, DEU's and ITA's officers.
fn hub() -> (TestServer, String, String, String, String) {
    let s = TestServer::start();
    let fra = s.token("FRA", "admin");
    let deu = s.token("DEU", "officer");
    let ita = s.token("ITA", "officer");
    let body = json!({"root": "cyber", "title": "Ransomware", "alias": "ransomware",
                      "readers": {"mode": "all"}, "writers": {"mode": "only", "countries": ["DEU"]}});
    let (status, c) = json(s.post(&fra, "/v1/intel/collections").json(&body).send().expect("create"));
    assert_eq!(status, 201, "{c}");
    let id = c["id"].as_str().expect("id").to_owned();
    (s, fra, deu, ita, id)
}

#[test]
fn taxii_clients_push_page_and_read_under_tlp() {
    let (s, fra, deu, ita, id) = hub();
    let objects = format!("/taxii2/cyber/collections/{id}/objects/");

    // Discovery, the API root, the collection: TAXII bodies, TAXII type.
    let (status, d, _) = read(get(&s, &deu, "/taxii2/"));
    assert_eq!((status, d["api_roots"].clone()), (200, json!(["/taxii2/cyber/"])));
    let (_, root, _) = read(get(&s, &deu, "/taxii2/cyber/"));
    assert_eq!(root["versions"], json!([TAXII]));
    assert!(root["max_content_length"].as_u64().is_some_and(|n| n > 0));
    let (_, list, _) = read(get(&s, &ita, "/taxii2/cyber/collections/"));
    assert_eq!(list["collections"][0]["can_read"], true);
    assert_eq!(list["collections"][0]["can_write"], false, "ITA may read, not write");
    let (status, by_alias, _) = read(get(&s, &deu, "/taxii2/cyber/collections/ransomware/"));
    assert_eq!((status, by_alias["id"].as_str()), (200, Some(id.as_str())));

    // Errors: no credentials, a bad Accept, a bad Content-Type, a bad
    // filter, an unknown place: each its status, each a TAXII body.
    let anonymous = Client::new().get(format!("{}/taxii2/", s.base)).send().expect("GET");
    assert!(anonymous.headers().get("www-authenticate").is_some());
    assert_eq!(read(anonymous).0, 401);
    let r = basic(&s, reqwest::Method::GET, &deu, "/taxii2/").header("accept", "text/html").send().expect("GET");
    assert_eq!(read(r).0, 406);
    let r = taxii(&s, reqwest::Method::POST, &fra, &objects).header("content-type", "text/plain").body("{}").send();
    assert_eq!(read(r.expect("POST")).0, 415);
    let (status, e, _) = read(get(&s, &deu, &format!("{objects}?added_after=yesterday")));
    assert_eq!(status, 400, "a malformed added_after is a 400, never a 500: {e}");
    assert!(e["description"].as_str().is_some_and(|d| d.contains("added_after")), "{e}");
    assert_eq!(read(get(&s, &deu, &format!("{objects}?limit=0"))).0, 400);
    assert_eq!(read(get(&s, &deu, "/taxii2/cyber/collections/nope/objects/")).0, 404);
    assert_eq!(read(post(&s, &fra, &objects, &json!([1, 2]))).0, 422);
    assert_eq!(read(post(&s, &ita, &objects, &case())).0, 403, "ITA may read, not write");

    // The case: 202, a complete status; every bad object a failure naming
    // what is wrong, the good ones stored.
    let (status, st, _) = read(post(&s, &fra, &objects, &case()));
    assert_eq!(status, 202, "{st}");
    assert_eq!(
        (st["status"].as_str(), st["success_count"].as_u64(), st["failure_count"].as_u64()),
        (Some("complete"), Some(3), Some(4)),
        "{st}"
    );
    let messages: Vec<&str> =
        st["failures"].as_array().expect("failures").iter().filter_map(|f| f["message"].as_str()).collect();
    for expected in ["`id` is missing", "`spec_version` is missing", "`created`", "neither a TLP marking"] {
        assert!(messages.iter().any(|m| m.contains(expected)), "{expected} in {messages:?}");
    }
    let (status, again, _) = read(get(&s, &fra, &format!("/taxii2/cyber/status/{}/", st["id"].as_str().expect("id"))));
    assert_eq!((status, again["success_count"].as_u64()), (200, Some(3)));
    assert_eq!(
        read(get(&s, &deu, &format!("/taxii2/cyber/status/{}/", st["id"].as_str().expect("id")))).0,
        404,
        "another agency's status"
    );

    // FRA reads everything it added, with the hub's identity and markings,
    // TLP 1.0 written as TLP 2.0, created_by_ref set.
    let (status, all, headers) = read(get(&s, &fra, &objects));
    assert_eq!(status, 200);
    let got: Vec<&Value> = all["objects"].as_array().expect("objects").iter().collect();
    let ids: Vec<&str> = got.iter().filter_map(|o| o["id"].as_str()).collect();
    for want in [IP_INDICATOR, DOMAIN_INDICATOR, MALWARE, TLP2_AMBER, TLP2_RED] {
        assert!(ids.contains(&want), "{want} in {ids:?}");
    }
    let ip = got.iter().find(|o| o["id"] == IP_INDICATOR).expect("ip indicator");
    assert_eq!(ip["object_marking_refs"], json!([TLP2_AMBER]));
    let creator = ip["created_by_ref"].as_str().expect("created_by_ref");
    assert!(got.iter().any(|o| o["id"] == creator && o["type"] == "identity"), "the agency's identity is shipped");
    let micros = |h: &str| headers.get(h).and_then(|v| v.to_str().ok()).map(str::to_owned).expect(h);
    let first = micros("x-taxii-date-added-first");
    assert!(first.len() == 27 && first.ends_with('Z'), "{first}: microseconds");
    assert!(micros("x-taxii-date-added-last") > first);

    // DEU sees the AMBER indicator, never the RED one: not in a page, the
    // manifest, the object or its versions.
    let (_, page, _) = read(get(&s, &deu, &objects));
    let deu_ids: Vec<&str> =
        page["objects"].as_array().expect("objects").iter().filter_map(|o| o["id"].as_str()).collect();
    assert!(deu_ids.contains(&IP_INDICATOR) && !deu_ids.contains(&DOMAIN_INDICATOR), "{deu_ids:?}");
    let (_, manifest, _) = read(get(&s, &deu, &format!("/taxii2/cyber/collections/{id}/manifest/")));
    assert!(!manifest.to_string().contains(DOMAIN_INDICATOR));
    let (status, _, _) = read(get(&s, &deu, &format!("{objects}{DOMAIN_INDICATOR}/")));
    let (unknown, _, _) = read(get(&s, &deu, &format!("{objects}indicator--a1b2c3d4-0000-4000-8000-0000000000ff/")));
    assert_eq!((status, unknown), (404, 404), "a hidden object answers as an unknown one");
    assert_eq!(read(get(&s, &deu, &format!("{objects}{DOMAIN_INDICATOR}/versions/"))).0, 404);
    assert_eq!(read(get(&s, &fra, &format!("{objects}{DOMAIN_INDICATOR}/versions/"))).0, 200);

    // Paging: limit 2, then `next` until the end, every object once; a
    // cursor is refused with other filters.
    let mut seen = vec![];
    let mut url = format!("{objects}?limit=2");
    loop {
        let (status, p, _) = read(get(&s, &fra, &url));
        assert_eq!(status, 200, "{p}");
        seen.extend(
            p["objects"].as_array().expect("objects").iter().map(|o| o["id"].as_str().unwrap_or_default().to_owned()),
        );
        let Some(next) = p["next"].as_str() else { break };
        assert_eq!(p["more"], true);
        assert_eq!(read(get(&s, &fra, &format!("{objects}?limit=2&match[type]=indicator&next={next}"))).0, 400);
        url = format!("{objects}?limit=2&next={next}");
    }
    assert_eq!(seen, ids, "paging gives every object once, in order");

    // A new version: the object endpoint gives the last by default, all
    // on demand; the owner deletes one version, then the rest.
    let newer = indicator(IP_INDICATOR, "[ipv4-addr:value = '203.0.113.77']", TLP2_AMBER, "2026-03-05T10:00:00.000Z");
    assert_eq!(read(post(&s, &fra, &objects, &json!({"objects": [newer]}))).0, 202);
    let (_, versions, _) = read(get(&s, &deu, &format!("{objects}{IP_INDICATOR}/versions/")));
    assert_eq!(versions["versions"], json!(["2026-03-01T10:00:00.000Z", "2026-03-05T10:00:00.000Z"]));
    let (_, last, _) = read(get(&s, &deu, &format!("{objects}{IP_INDICATOR}/")));
    assert_eq!(last["objects"][0]["modified"], "2026-03-05T10:00:00.000Z");
    let (_, both, _) = read(get(&s, &deu, &format!("{objects}{IP_INDICATOR}/?match[version]=all")));
    assert_eq!(both["objects"].as_array().map(Vec::len), Some(2));
    let delete = |token: &str, q: &str| {
        let r = taxii(&s, reqwest::Method::DELETE, token, &format!("{objects}{IP_INDICATOR}/{q}")).send();
        read(r.expect("DELETE")).0
    };
    assert_eq!(delete(&ita, ""), 403, "ITA may read, not write");
    assert_eq!(delete(&deu, ""), 403, "DEU's officer may not write");
    let deu_admin = s.token("DEU", "admin");
    assert_eq!(delete(&deu_admin, ""), 404, "DEU may write, but the object is FRA's");
    assert_eq!(delete(&fra, "?match[version]=2026-03-05T10:00:00.000Z"), 200);
    let (_, left, _) = read(get(&s, &deu, &format!("{objects}{IP_INDICATOR}/versions/")));
    assert_eq!(left["versions"], json!(["2026-03-01T10:00:00.000Z"]));
    assert_eq!(delete(&fra, "?match[version]=all"), 200);
    assert_eq!(read(get(&s, &deu, &format!("{objects}{IP_INDICATOR}/"))).0, 404);
    let (_, manifest, _) = read(get(&s, &fra, &format!("/taxii2/cyber/collections/{id}/manifest/")));
    assert!(!manifest.to_string().contains(IP_INDICATOR), "a deleted object leaves the manifest");
}

#[test]
fn a_check_answers_what_the_checker_may_see_and_tells_the_owner_every_sighting() {
    let (s, fra, deu, ita, id) = hub();
    let objects = format!("/taxii2/cyber/collections/{id}/objects/");
    assert_eq!(read(post(&s, &fra, &objects, &case())).0, 202);
    let events = SseClient::connect(&s.base, &fra, None);

    // DEU checks the AMBER address (defanged) and the RED domain (upper
    // case): the address is answered with its context, the domain not at
    // all, exactly as a value nothing states.
    let values = json!({"values": ["203.0.113[.]77", "LOCK.example", "198.51.100.1", "8.8.8.8", "not a value"]});
    let (status, answer) = json(s.post(&deu, "/v1/intel/check").json(&values).send().expect("check"));
    assert_eq!(status, 200, "{answer}");
    assert_eq!((answer["checked"].as_u64(), answer["matched"].as_u64()), (Some(5), Some(1)), "{answer}");
    let results = answer["results"].as_array().expect("results");
    let ip = results.iter().find(|r| r["index"] == 0).expect("the address matched");
    assert_eq!(ip["canonical"], "203.0.113.77");
    assert_eq!(ip["matches"][0]["id"], IP_INDICATOR);
    assert_eq!(ip["matches"][0]["owner"], "FRA");
    assert!(ip["matches"][0]["context"]["name"].is_string(), "{ip}");
    assert!(
        results.iter().all(|r| r["index"] != 1 && r["index"] != 2),
        "the hidden domain answers as nothing: {answer}"
    );
    let noise = results.iter().find(|r| r["index"] == 3).expect("flagged");
    assert!(noise["noise"].as_str().is_some_and(|n| n.contains("resolver")), "{noise}");
    assert!(results.iter().find(|r| r["index"] == 4).is_some_and(|r| r["error"].is_string()));

    // FRA is told of both sightings at once: the domain's silently.
    let mut sightings = vec![];
    while let Some(e) = events.next_within(Duration::from_secs(5)) {
        if e.event == "intel.sighting" {
            sightings.push(e.data["data"].clone());
        }
        if sightings.len() == 2 {
            break;
        }
    }
    sightings.sort_by_key(|d| d["object"].as_str().map(str::to_owned));
    assert_eq!(sightings.len(), 2, "{sightings:?}");
    assert_eq!((sightings[0]["object"].as_str(), sightings[0]["silent"].as_bool()), (Some(IP_INDICATOR), Some(false)));
    assert_eq!(
        (sightings[1]["object"].as_str(), sightings[1]["silent"].as_bool()),
        (Some(DOMAIN_INDICATOR), Some(true))
    );
    for d in &sightings {
        assert_eq!(d["checker"], "DEU");
        assert_eq!(d["sighting"]["type"], "sighting");
        assert_eq!(d["sighting"]["sighting_of_ref"], d["object"]);
    }

    // A value over the limit is refused naming the field.
    let many: Vec<String> = (0..10_001).map(|i| format!("198.51.{}.{}", i / 250, i % 250)).collect();
    let (status, e) = json(s.post(&ita, "/v1/intel/check").json(&json!({"values": many})).send().expect("check"));
    assert_eq!((status, e["error"]["field"].as_str()), (400, Some("values")), "{e}");
}

#[test]
fn duplicates_succeed_once_stored_and_the_size_limit_is_a_413() {
    let (mut s, fra, _, _, id) = hub();
    s.restart_with(&["--intel-max-content-length", "4096"], None);
    let objects = format!("/taxii2/cyber/collections/{id}/objects/");
    let (_, root, _) = read(get(&s, &fra, "/taxii2/cyber/"));
    assert_eq!(root["max_content_length"], 4096);
    let big = json!({"objects": [indicator(IP_INDICATOR, &format!("[url:value = 'http://x.example/{}']", "a".repeat(5000)), TLP2_AMBER, "2026-03-01T10:00:00.000Z")]});
    let (status, e, _) = read(post(&s, &fra, &objects, &big));
    assert_eq!(status, 413, "{e}");
    assert!(e["description"].as_str().is_some_and(|d| d.contains("4096")), "{e}");
    s.restart_with(&[], None);
    let one = indicator(IP_INDICATOR, "[ipv4-addr:value = '203.0.113.77']", TLP2_AMBER, "2026-03-01T10:00:00.000Z");
    let copies: Vec<Value> = (0..10_000).map(|_| one.clone()).collect();
    let (status, st, _) = read(post(&s, &fra, &objects, &json!({"objects": copies})));
    assert_eq!((status, st["success_count"].as_u64(), st["failure_count"].as_u64()), (202, Some(10_000), Some(0)));
    let (_, versions, _) = read(get(&s, &fra, &format!("{objects}{IP_INDICATOR}/versions/")));
    assert_eq!(versions["versions"].as_array().map(Vec::len), Some(1), "stored once");
}

#[test]
fn the_cli_imports_a_bundle_and_checks_values_on_a_server_and_in_process() {
    let (s, fra, deu, _, _) = hub();
    let dir = tempfile::tempdir().expect("tempdir");
    let bundle = dir.path().join("case.json");
    let mut objects = case()["objects"].as_array().expect("objects").clone();
    objects.truncate(3);
    std::fs::write(
        &bundle,
        json!({"type": "bundle", "id": "bundle--a1b2c3d4-0000-4000-8000-000000000000", "objects": objects}).to_string(),
    )
    .expect("write");
    let bundle = bundle.to_str().expect("path");
    let out = s.cli(&[
        "intel",
        "import",
        bundle,
        "--collection",
        "ransomware",
        "--root",
        "cyber",
        "--server",
        &s.base,
        "--token",
        &fra,
    ]);
    assert!(out.contains("3 objects read; 3 stored"), "{out}");
    let out =
        s.cli(&["intel", "check", "hxxp://lock[.]example/x", "203.0.113.77", "--server", &s.base, "--token", &deu]);
    assert!(out.contains("2 values checked, 1 matched") && out.contains(IP_INDICATOR), "{out}");
    let miss = s.cli_output(&["intel", "check", "198.51.100.200", "--server", &s.base, "--token", &deu]);
    assert_eq!(miss.status.code(), Some(1), "no match exits 1, as grep");
    let out = s.cli(&["intel", "check", "203.0.113.77", "--as", "ITA", "--json"]);
    let answer: Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(answer["results"][0]["matches"][0]["id"], IP_INDICATOR);
    let listed = s.cli(&["intel", "collections", "--as", "ITA"]);
    assert!(listed.contains("(ransomware)") && listed.contains("read"), "{listed}");
}

#[test]
fn custom_law_enforcement_data_travels_in_an_extension_and_a_wallet_is_checked() {
    let (s, fra, deu, _, id) = hub();
    let objects = format!("/taxii2/cyber/collections/{id}/objects/");
    let t = "2026-03-01T10:00:00.000Z";
    let ext = "extension-definition--a1b2c3d4-0000-4000-8000-0000000000e1";
    let wallet = "indicator--a1b2c3d4-0000-4000-8000-0000000000e2";
    let creator = tocsin_hub::identity_id(&tocsin_core::AgencyCode::parse("FRA").expect("code"));
    let case_data = json!({"extension_type": "property-extension", "case_number": "FR-2026-0042",
                           "handles": ["@lockpay"], "seized": false});
    let body = json!({"objects": [
        {"type": "extension-definition", "spec_version": "2.1", "id": ext, "created_by_ref": creator,
         "created": t, "modified": t, "name": "Law-enforcement case data",
         "schema": "https://tocsin.example/schemas/case-1.json", "version": "1.0.0",
         "extension_types": ["property-extension"]},
        {"type": "indicator", "spec_version": "2.1", "id": wallet, "created": t, "modified": t,
         "name": "Ransom wallet", "pattern_type": "stix", "valid_from": t,
         "pattern": "[cryptocurrency-wallet:value = 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq']",
         "object_marking_refs": [TLP2_AMBER], "extensions": {ext: case_data}},
    ]});
    let (status, st, _) = read(post(&s, &fra, &objects, &body));
    assert_eq!((status, st["failure_count"].as_u64()), (202, Some(0)), "{st}");
    let (_, got, _) = read(get(&s, &deu, &format!("{objects}{wallet}/")));
    assert_eq!(got["objects"][0]["extensions"][ext], case_data, "the case data as sent");
    let (_, definition, _) = read(get(&s, &deu, &format!("{objects}{ext}/")));
    assert_eq!(definition["objects"][0]["name"], "Law-enforcement case data");
    let check = json!({"values": ["BC1QAR0SRRR7XFKVY5L643LYDNW9RE59GTZZWF5MDQ"]});
    let (status, answer) = json(s.post(&deu, "/v1/intel/check").json(&check).send().expect("check"));
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["results"][0]["matches"][0]["id"], wallet, "{answer}");
}
