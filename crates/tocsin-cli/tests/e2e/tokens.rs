//! The token lifecycle as an agency's administrator and the operator use
//! it: issued with a lifetime, listed (never a secret), revoked, and a
//! revoked token refused at once, its open event stream ended.

use std::time::Duration;

use serde_json::json;

use crate::helpers::{TestServer, eventually, json};
use crate::sse::SseClient;

#[test]
fn an_admin_issues_lists_and_revokes_its_agencys_tokens_and_a_revoked_one_is_refused_at_once() {
    let s = TestServer::start();
    let admin = s.token("FRA", "admin");
    let (status, issued) = json(
        s.post(&admin, "/v1/tokens")
            .json(&json!({"role": "officer", "user": "duty-1", "lifetime": "12h"}))
            .send()
            .expect("issue"),
    );
    assert_eq!(status, 201, "{issued}");
    let secret = issued["secret"].as_str().expect("secret").to_owned();
    let id = issued["token"]["id"].as_str().expect("id").to_owned();
    assert_eq!(issued["token"]["agency"], "FRA");
    assert_eq!(issued["token"]["status"], "active");
    let created = issued["token"]["created_at"].as_str().expect("created");
    let expires = issued["token"]["expires_at"].as_str().expect("an expiry");
    let at = |t: &str| time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).expect("time");
    assert_eq!((at(expires) - at(created)).whole_hours(), 12);
    assert_eq!(s.get(&secret, "/v1/hits").send().expect("use").status(), 200, "the new token works");

    // Listed to its agency's admin, with its last use (written in the
    // background, so asked until it shows), never its secret.
    let list = || s.get(&admin, "/v1/tokens").send().expect("list").text().expect("body");
    eventually("the token's last use is listed", || {
        let listed: serde_json::Value = serde_json::from_str(&list()).expect("json");
        listed.as_array().expect("list").iter().any(|t| t["id"] == id.as_str() && t["last_used_at"].is_string())
    });
    let listed = list();
    assert!(!listed.contains(&secret) && !listed.contains(&tocsin_store::hash_token(&secret)), "no secret, no digest");
    let listed: serde_json::Value = serde_json::from_str(&listed).expect("json");
    let mine = listed.as_array().expect("list").iter().find(|t| t["id"] == id.as_str()).expect("listed").clone();
    assert!(mine["last_used_at"].is_string(), "{mine}");
    assert!(listed.as_array().expect("list").iter().all(|t| t["agency"] == "FRA"));

    // Another agency's admin neither sees nor revokes it; an officer lists nothing.
    let deu = s.token("DEU", "admin");
    let (_, theirs) = json(s.get(&deu, "/v1/tokens").send().expect("list"));
    assert!(!theirs.to_string().contains(&id));
    assert_eq!(s.post(&deu, &format!("/v1/tokens/{id}/revoke")).send().expect("revoke").status(), 404);
    assert_eq!(s.get(&secret, "/v1/tokens").send().expect("list").status(), 403);
    let (status, bad) = json(
        s.post(&admin, "/v1/tokens")
            .json(&json!({"role": "officer", "user": "x", "lifetime": "soon"}))
            .send()
            .expect("bad"),
    );
    assert_eq!((status, bad["error"]["field"].as_str()), (400, Some("lifetime")), "{bad}");
    let (status, bad) = json(
        s.post(&admin, "/v1/tokens")
            .json(&json!({"role": "officer", "user": "x", "agency": "DEU"}))
            .send()
            .expect("bad"),
    );
    assert_eq!(status, 403, "{bad}");

    // Revoked while its event stream is open: the stream ends, the next
    // request is refused.
    let stream = SseClient::connect(&s.base, &secret, None);
    let (status, revoked) = json(s.post(&admin, &format!("/v1/tokens/{id}/revoke")).send().expect("revoke"));
    assert_eq!((status, revoked["status"].as_str()), (200, Some("revoked")), "{revoked}");
    assert_eq!(s.get(&secret, "/v1/hits").send().expect("refused").status(), 401, "refused at once");
    let last = stream.next_within(Duration::from_secs(5)).expect("a last event");
    assert_eq!(last.event, "error");
    assert_eq!(last.data["error"]["code"], "invalid_token");
    assert!(stream.ends_within(Duration::from_secs(5)), "the stream ends");

    // The operator's CLI lists it as revoked, and revokes too.
    let table = s.cli(&["token", "list", "--agency", "FRA"]);
    let row = table.lines().find(|l| l.starts_with(&id)).expect("listed by the CLI");
    assert!(row.contains("revoked") && row.contains("duty-1"), "{row}");
    let admin_id = s
        .cli(&["token", "list", "--agency", "FRA", "--json"])
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("json line"))
        .find(|t| t["role"] == "admin")
        .and_then(|t| t["id"].as_str().map(str::to_owned))
        .expect("the admin's token");
    s.cli(&["token", "revoke", &admin_id]);
    assert_eq!(s.get(&admin, "/v1/tokens").send().expect("refused").status(), 401);
    // Every move is in the audit log.
    let auditor = s.token("GS", "auditor");
    let (_, log) = json(s.get(&auditor, "/v1/audit?limit=1000").send().expect("audit"));
    let actions: Vec<&str> = log.as_array().expect("entries").iter().filter_map(|e| e["action"].as_str()).collect();
    for action in ["token.create", "token.list", "token.revoke"] {
        assert!(actions.contains(&action), "{action} audited: {actions:?}");
    }
}
