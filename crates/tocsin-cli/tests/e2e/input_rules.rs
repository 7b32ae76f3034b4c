//! Input rules that hold on every path, each checked on the paths that
//! used to get around it: text after a JSON body, retention beyond five
//! years, an archive without a version, an empty list upload, the bearer
//! scheme's case, and the data directory's permissions.

use serde_json::{Value, json};

use crate::helpers::{TestServer, json, person};

fn record(s: &TestServer, token: &str, id: &str) -> Value {
    let (status, r) = json(s.get(token, &format!("/v1/records/{id}")).send().expect("GET"));
    assert_eq!(status, 200, "{r}");
    r
}

fn count(s: &TestServer, token: &str) -> usize {
    let (_, page) = json(s.get(token, "/v1/records?limit=1000").send().expect("list"));
    page["items"].as_array().map_or(0, Vec::len)
}

/// Two records sent as one body used to store the first and drop the
/// second; text after a body was ignored. Every JSON path now refuses it,
/// naming no field (the body as a whole is at fault), and stores nothing.
#[test]
fn text_after_a_json_body_is_refused_on_every_path() {
    let s = TestServer::start();
    let admin = s.token("FRA", "admin");
    let officer = s.token("FRA", "officer");
    let kept = s.create(&admin, &person("Keep Me", json!({"mode": "all"})));
    let id = kept["id"].as_str().expect("id");
    let one = person("Second Person", json!({"mode": "all"})).to_string();
    let mut update = kept.clone();
    update["names"] = json!([{"full": "Changed Name"}]);
    for k in ["id", "owner", "created_at", "updated_at", "state"] {
        update.as_object_mut().expect("object").remove(k);
    }
    let update = update.to_string();
    let cases = [
        ("two records in one body", s.post(&admin, "/v1/records").body(format!("{one}{one}"))),
        ("a record and prose", s.post(&admin, "/v1/records").body(format!("{one} this is not json"))),
        ("an update and prose", s.put(&admin, &format!("/v1/records/{id}")).body(format!("{update} x"))),
        ("a screening and prose", s.post(&officer, "/v1/screen").body("{\"name\": \"Keep Me\"} x")),
        ("a bulk line and prose", s.post(&admin, "/v1/records/bulk").body(format!("{one}\n{one} x\n"))),
    ];
    for (what, request) in cases {
        let (status, err) = json(request.send().expect(what));
        assert_eq!(status, 400, "{what}: {err}");
        let text = err.to_string();
        assert!(text.contains("text after the JSON value"), "{what}: {err}");
    }
    assert_eq!(count(&s, &admin), 1, "nothing stored");
    assert_eq!(record(&s, &admin, id), kept, "nothing changed");
}

/// A missing required field is named in `field`, not only in the message.
#[test]
fn a_missing_field_is_named() {
    let s = TestServer::start();
    let officer = s.token("FRA", "officer");
    let (status, err) = json(
        s.post(&officer, "/v1/hits/00000000-0000-7000-8000-000000000000/status").json(&json!({})).send().expect("POST"),
    );
    assert_eq!(
        (status, err["error"]["code"].as_str(), err["error"]["field"].as_str()),
        (400, Some("missing_field"), Some("status")),
        "{err}"
    );
}

/// Retention: at most five years ahead on every write path, and an update
/// never pushes it later (that is `/extend`'s, with a justification).
#[test]
fn retention_is_capped_on_create_bulk_and_update() {
    let s = TestServer::start();
    let admin = s.token("FRA", "admin");
    let mut far = person("Far Future", json!({"mode": "all"}));
    far["review_by"] = json!("9999-12-31");
    let (status, err) = json(s.post(&admin, "/v1/records").json(&far).send().expect("POST"));
    assert_eq!((status, err["error"]["field"].as_str()), (400, Some("review_by")), "{err}");
    let (status, err) = json(s.post(&admin, "/v1/records/bulk").body(far.to_string()).send().expect("bulk"));
    assert_eq!(status, 400, "{err}");
    assert!(err.to_string().contains("review_by"), "{err}");
    assert_eq!(count(&s, &admin), 0);

    let created = s.create(&admin, &person("Kept Date", json!({"mode": "all"})));
    let id = created["id"].as_str().expect("id");
    let review_by = created["review_by"].clone();
    let mut update = json!({
        "kind": "person", "names": [{"full": "Kept Date"}], "birth_dates": ["1970-05-01"],
        "nationalities": ["RUS"], "handling": {"code": "discreet_check"}, "access": {"mode": "all"},
        "version": created["version"],
    });
    // Without `review_by` the record keeps its date.
    let (status, v2) = json(s.put(&admin, &format!("/v1/records/{id}")).json(&update).send().expect("PUT"));
    assert_eq!((status, &v2["review_by"]), (200, &review_by), "{v2}");
    // Later than the current date: refused, pointing at /extend.
    for later in ["2199-01-01", "9999-12-31"] {
        update["version"] = v2["version"].clone();
        update["review_by"] = json!(later);
        let (status, err) = json(s.put(&admin, &format!("/v1/records/{id}")).json(&update).send().expect("PUT"));
        assert_eq!((status, err["error"]["field"].as_str()), (400, Some("review_by")), "{later}: {err}");
    }
    assert_eq!(record(&s, &admin, id)["review_by"], review_by, "unchanged");
    // Earlier is the owner's call.
    update["review_by"] = json!("2027-01-01");
    let (status, v3) = json(s.put(&admin, &format!("/v1/records/{id}")).json(&update).send().expect("PUT"));
    assert_eq!((status, v3["review_by"].as_str()), (200, Some("2027-01-01")), "{v3}");
}

/// Archiving needs the version last read, as an update does.
#[test]
fn archive_needs_the_version() {
    let s = TestServer::start();
    let admin = s.token("FRA", "admin");
    let r = s.create(&admin, &person("Archive Me", json!({"mode": "all"})));
    let id = r["id"].as_str().expect("id");
    let (status, err) = json(s.delete(&admin, &format!("/v1/records/{id}")).send().expect("DELETE"));
    assert_eq!((status, err["error"]["field"].as_str()), (400, Some("version")), "{err}");
    assert_eq!(record(&s, &admin, id)["state"], "active");
    let (status, _) = json(s.delete(&admin, &format!("/v1/records/{id}?version=7")).send().expect("DELETE"));
    assert_eq!(status, 409, "stale");
    let (status, archived) = json(s.delete(&admin, &format!("/v1/records/{id}?version=1")).send().expect("DELETE"));
    assert_eq!((status, archived["state"].as_str()), (200, Some("archived")), "{archived}");
}

/// An empty upload used to de-list every entry of an OFAC or FtM import.
#[test]
fn an_empty_list_upload_delists_nothing() {
    let s = TestServer::start();
    let admin = s.token("FRA", "admin");
    let sdn = "36,\"AEROCARIBBEAN AIRLINES\",-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n";
    let upload = |format: &str, body: &str| {
        reqwest::blocking::Client::new()
            .post(format!("{}/v1/imports?format={format}", s.base))
            .bearer_auth(&admin)
            .body(body.to_owned())
            .send()
            .expect("POST")
    };
    let (status, report) = json(upload("ofac-sdn", sdn));
    assert_eq!((status, report["added"].as_u64()), (200, Some(1)), "{report}");
    for (format, body) in [("ofac-sdn", ""), ("ofac-sdn", "\u{1a}"), ("ftm", ""), ("ftm", "\n\n")] {
        let (status, err) = json(upload(format, body));
        assert_eq!((status, err["error"]["field"].as_str()), (400, Some("body")), "{format} {body:?}: {err}");
    }
    let (_, page) = json(s.get(&admin, "/v1/records").send().expect("list"));
    assert_eq!(page["items"][0]["state"], "active", "still listed: {page}");
}

/// HTTP authentication schemes are case-insensitive (RFC 9110 §11.1).
#[test]
fn the_bearer_scheme_is_case_insensitive() {
    let s = TestServer::start();
    let officer = s.token("FRA", "officer");
    for scheme in ["bearer", "BEARER", "Bearer"] {
        let r = s.anonymous("/v1/records").header("authorization", format!("{scheme} {officer}")).send().expect("GET");
        assert_eq!(r.status().as_u16(), 200, "{scheme}");
    }
    let r = s.anonymous("/v1/records").header("authorization", format!("Basic {officer}")).send().expect("GET");
    assert_eq!(r.status().as_u16(), 401);
}

/// The data directory and what Tocsin writes there are its owner's alone.
#[cfg(unix)]
#[test]
fn the_data_directory_is_the_owners_alone() {
    use std::os::unix::fs::PermissionsExt;
    let s = TestServer::start();
    let mode = |name: &str| {
        let path = if name.is_empty() { s.data.clone() } else { s.data.join(name) };
        std::fs::metadata(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())).permissions().mode() & 0o777
    };
    assert_eq!(mode(""), 0o700);
    for file in ["tocsin.db", "tocsin.db-wal", "monitor.token", "audit-signing.key"] {
        assert_eq!(mode(file) & 0o077, 0, "{file} is readable by others: {:o}", mode(file));
    }
}

/// Paging and query parameters: `limit=0` used to mean 1 and anything past
/// 1,000 was cut to it; a review cursor of any text and any parameter on
/// an endpoint that takes none were ignored. Each is a 400 naming it now.
#[test]
fn query_parameters_are_checked_and_named() {
    let s = TestServer::start();
    let admin = s.token("FRA", "admin");
    let auditor = s.token("FRA", "auditor");
    for path in ["/v1/records", "/v1/hits", "/v1/notices", "/v1/reviews", "/v1/records/export"] {
        for bad in ["0", "1001", "-1", "x"] {
            let (status, err) = json(s.get(&admin, &format!("{path}?limit={bad}")).send().expect("GET"));
            assert_eq!((status, err["error"]["field"].as_str()), (400, Some("limit")), "{path}?limit={bad}: {err}");
        }
        let status = s.get(&admin, &format!("{path}?limit=1000")).send().expect("GET").status();
        assert_eq!(status, 200, "{path}?limit=1000");
    }
    let (status, err) = json(s.get(&auditor, "/v1/audit?limit=0").send().expect("GET"));
    assert_eq!((status, err["error"]["field"].as_str()), (400, Some("limit")), "{err}");
    let (status, err) = json(s.get(&admin, "/v1/reviews?after=x").send().expect("GET"));
    assert_eq!((status, err["error"]["field"].as_str()), (400, Some("after")), "{err}");
    for path in ["/v1/watches?record=1", "/v1/records?owner_=FRA"] {
        let (status, err) = json(s.get(&admin, path).send().expect("GET"));
        assert_eq!(status, 400, "{path}: {err}");
        assert_eq!(err["error"]["code"], "invalid_query", "{path}: {err}");
        assert!(err["error"]["field"].as_str().is_some_and(|f| f == "record" || f == "owner_"), "{path}: {err}");
    }
}

/// A method a path does not take is answered 405 with the error envelope.
#[test]
fn a_wrong_method_gets_the_error_envelope() {
    let s = TestServer::start();
    let admin = s.token("FRA", "admin");
    let (status, err) = json(s.put(&admin, "/v1/records").body("{}").send().expect("PUT"));
    assert_eq!((status, err["error"]["code"].as_str()), (405, Some("method_not_allowed")), "{err}");
}

/// Names that display as other names (a direction override) and people
/// born after today are refused on the record path, naming the field.
#[test]
fn deceptive_names_and_future_births_are_refused() {
    let s = TestServer::start();
    let admin = s.token("FRA", "admin");
    let mut bidi = person("Ali", json!({"mode": "all"}));
    bidi["names"] = json!([{"full": "Ali \u{202e}vorodiS"}]);
    let mut unborn = person("Not Born", json!({"mode": "all"}));
    unborn["birth_dates"] = json!(["1970", "2999-01-01"]);
    for (what, body, field) in [("bidi", bidi, "names[0].full"), ("unborn", unborn, "birth_dates[1]")] {
        let (status, err) = json(s.post(&admin, "/v1/records").json(&body).send().expect("POST"));
        assert_eq!((status, err["error"]["field"].as_str()), (400, Some(field)), "{what}: {err}");
    }
    assert_eq!(count(&s, &admin), 0);
}
