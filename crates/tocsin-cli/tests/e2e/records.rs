//! Records over HTTP: create, read, update with versions, archive, ownership, bulk.

use serde_json::json;

use crate::helpers::{TestServer, json, person};

#[test]
fn a_record_is_created_read_updated_and_archived_by_its_owner() {
    let s = TestServer::start();
    let admin = s.token("FRA", "admin");
    let created = s.create(&admin, &person("Ivan Petrovich SIDOROV", json!({"mode": "all"})));
    let id = created["id"].as_str().expect("id").to_owned();
    assert_eq!((created["owner"].as_str(), created["version"].as_u64()), (Some("FRA"), Some(1)));

    let (status, read) = json(s.get(&admin, &format!("/v1/records/{id}")).send().expect("GET"));
    assert_eq!((status, &read), (200, &created));

    let mut changed = read;
    changed["names"] = json!([{"full": "Ivan SIDOROV"}]);
    let (status, v2) = json(s.put(&admin, &format!("/v1/records/{id}")).json(&changed).send().expect("PUT"));
    assert_eq!((status, v2["version"].as_u64()), (200, Some(2)), "{v2}");

    // The same stale body again: 409, and nothing changes.
    let (status, err) = json(s.put(&admin, &format!("/v1/records/{id}")).json(&changed).send().expect("PUT"));
    assert_eq!((status, err["error"]["code"].as_str()), (409, Some("version_conflict")), "{err}");
    let (_, now) = json(s.get(&admin, &format!("/v1/records/{id}")).send().expect("GET"));
    assert_eq!(now, v2);

    let (status, archived) = json(s.delete(&admin, &format!("/v1/records/{id}?version=2")).send().expect("DELETE"));
    assert_eq!((status, archived["state"].as_str(), archived["version"].as_u64()), (200, Some("archived"), Some(3)));
    let (status, kept) = json(s.get(&admin, &format!("/v1/records/{id}")).send().expect("GET"));
    assert_eq!((status, kept["state"].as_str()), (200, Some("archived")), "archived, not deleted");
}

#[test]
fn only_the_owner_changes_a_record_and_only_admins_write() {
    let s = TestServer::start();
    let fra_admin = s.token("FRA", "admin");
    let deu_admin = s.token("DEU", "admin");
    let fra_officer = s.token("FRA", "officer");
    let created = s.create(&fra_admin, &person("A B", json!({"mode": "all"})));
    let id = created["id"].as_str().expect("id");

    let (status, err) = json(s.put(&deu_admin, &format!("/v1/records/{id}")).json(&created).send().expect("PUT"));
    assert_eq!((status, err["error"]["code"].as_str()), (403, Some("forbidden")), "{err}");
    let (status, _) = json(s.delete(&deu_admin, &format!("/v1/records/{id}?version=1")).send().expect("DELETE"));
    assert_eq!(status, 403);
    let (status, _) =
        json(s.post(&fra_officer, "/v1/records").json(&person("C", json!({"mode": "all"}))).send().expect("POST"));
    assert_eq!(status, 403, "officers do not write records");
    let (_, after) = json(s.get(&fra_admin, &format!("/v1/records/{id}")).send().expect("GET"));
    assert_eq!(after, created);
}

#[test]
fn a_bulk_request_is_all_or_nothing_with_line_numbers() {
    let s = TestServer::start();
    let admin = s.token("FRA", "admin");
    let good = person("Good One", json!({"mode": "all"})).to_string();
    let body = format!("{good}\n\n{{\"kind\": \"person\"}}\n{good}\nnot json\n");
    let (status, err) = json(s.post(&admin, "/v1/records/bulk").body(body).send().expect("bulk"));
    assert_eq!((status, err["error"]["code"].as_str()), (400, Some("invalid_lines")), "{err}");
    let lines: Vec<u64> =
        err["error"]["lines"].as_array().expect("lines").iter().filter_map(|l| l["line"].as_u64()).collect();
    assert_eq!(lines, [3, 5]);
    assert_eq!(err["error"]["lines"][0]["field"], "names");
    let (_, page) = json(s.get(&admin, "/v1/records").send().expect("list"));
    assert_eq!(page["items"].as_array().map(Vec::len), Some(0), "nothing was stored");

    let (status, ok) = json(s.post(&admin, "/v1/records/bulk").body(format!("{good}\n{good}\n")).send().expect("bulk"));
    assert_eq!((status, ok["created"].as_u64()), (201, Some(2)), "{ok}");
}

#[test]
fn lists_page_through_everything_visible() {
    let s = TestServer::start();
    let admin = s.token("FRA", "admin");
    let body: String = (0..25).map(|i| format!("{}\n", person(&format!("P {i}"), json!({"mode": "all"})))).collect();
    let (status, _) = json(s.post(&admin, "/v1/records/bulk").body(body).send().expect("bulk"));
    assert_eq!(status, 201);
    let officer = s.token("DEU", "officer");
    let (mut seen, mut after) = (0, String::new());
    loop {
        let (status, page) = json(s.get(&officer, &format!("/v1/records?limit=10{after}")).send().expect("list"));
        assert_eq!(status, 200, "{page}");
        seen += page["items"].as_array().map_or(0, Vec::len);
        match page["next"].as_str() {
            Some(n) => after = format!("&after={n}"),
            None => break,
        }
    }
    assert_eq!(seen, 25);
    let export = s.get(&officer, "/v1/records/export").send().expect("export").text().expect("body");
    assert_eq!(export.lines().count(), 25);
}
