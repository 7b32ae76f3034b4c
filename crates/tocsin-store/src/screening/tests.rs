//! Screening in the store, without a server: what the searcher is shown,
//! what the owners of the rest are told silently, and what no longer
//! matches. The end-to-end suite checks the same over HTTP; these run in
//! seconds, so mutation testing can use them.

use std::sync::Arc;

use time::Duration;
use tocsin_core::AgencyCode;
use tocsin_core::auth::Role;
use tocsin_core::record::RecordInput;
use tocsin_match::screen::Query;

use crate::backend::{AuditBackend, AuditFilter};
use crate::{Actor, HitQuery, ScreenContext, SqliteBackend, Store};

fn agency(code: &str) -> AgencyCode {
    AgencyCode::parse(code).expect("agency code")
}

fn actor(code: &str, role: Role) -> Actor {
    Actor { agency: agency(code), user: format!("{code} user"), role, purpose: None }
}

fn person(name: &str, access: serde_json::Value) -> RecordInput {
    let json = serde_json::json!({
        "kind": "person", "names": [{"full": name}], "handling": {"code": "locate"}, "access": access,
    });
    serde_json::from_value(json).expect("a record")
}

fn query(name: &str) -> Query {
    Query { name: Some(name.to_owned()), limit: 10, ..Query::default() }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_screening_shows_what_the_searcher_may_see_and_tells_the_owners_of_the_rest_silently() {
    let dir = tempfile::tempdir().expect("tempdir");
    let backend = Arc::new(SqliteBackend::open(&dir.path().join("data"), true).await.expect("open"));
    let store = Store::new(backend.clone());
    for code in ["FRA", "DEU", "ITA"] {
        store.add_agency(&Actor::operator(agency(code)), agency(code), code).await.expect("agency");
    }
    let shared = store
        .create_record(&actor("ITA", Role::Admin), person("Karim Benali", serde_json::json!({"mode": "all"})))
        .await
        .expect("ITA's record");
    let only_deu = serde_json::json!({"mode": "only", "countries": ["DEU"]});
    let mut hidden = vec![];
    for _ in 0..2 {
        let r = store.create_record(&actor("DEU", Role::Admin), person("Karim Benali", only_deu.clone())).await;
        hidden.push(r.expect("DEU's record").id);
    }
    store.enable_screening().await.expect("index");

    let fra = actor("FRA", Role::Officer);
    let screened = store.screen(&fra, query("Karim Benali"), ScreenContext::default()).await.expect("screen");
    assert_eq!(screened.len(), 1, "only what FRA may see: {screened:?}");
    assert_eq!(screened[0].record.id, shared.id);
    let shown_hit = screened[0].hit_id.expect("a match above the threshold is a hit");

    // FRA sees its own hit, and nothing of DEU's silent ones.
    let all = HitQuery { limit: 100, ..HitQuery::default() };
    let fra_hits = store.hits(&fra, all.clone()).await.expect("FRA's hits").items;
    assert_eq!(fra_hits.iter().map(|h| h.id).collect::<Vec<_>>(), [shown_hit]);
    // DEU, the owner, has one silent hit per hidden record.
    let deu_hits = store.hits(&actor("DEU", Role::Officer), all).await.expect("DEU's hits").items;
    assert_eq!(deu_hits.len(), 2, "{deu_hits:?}");
    for h in &deu_hits {
        assert!(h.silent && h.searcher == agency("FRA") && hidden.contains(&h.record_id), "{h:?}");
    }

    // One `hit.silent` entry in DEU's name names both hits and both records.
    let filter = AuditFilter { after_seq: 0, limit: 1000, agency: Some(agency("DEU")), object: None };
    let entries = backend.audit_entries(&filter).await.expect("DEU's entries");
    let silent: Vec<_> = entries.iter().filter(|e| e.draft.action == "hit.silent").collect();
    assert_eq!(silent.len(), 1, "{silent:?}");
    let mut named = silent[0].draft.objects.clone();
    named.sort();
    let mut expected: Vec<String> = deu_hits.iter().flat_map(|h| [h.id.to_string(), h.record_id.to_string()]).collect();
    expected.sort();
    assert_eq!(named, expected);

    // Past their review date the records match no more, before the
    // retention clock archives them: no result, no hit, shown or silent.
    store.clock().advance(Duration::days(6 * 366));
    let later = store.screen(&fra, query("Karim Benali"), ScreenContext::default()).await.expect("screen");
    assert!(later.is_empty(), "{later:?}");
    let deu_after = store.hits(&actor("DEU", Role::Officer), HitQuery { limit: 100, ..HitQuery::default() }).await;
    assert_eq!(deu_after.expect("DEU's hits").items.len(), 2, "no new silent hit");
}
