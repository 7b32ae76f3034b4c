//! The checks of the conformance suite, one `pub async fn` each.

use std::str::FromStr;
use std::sync::Arc;

use time::OffsetDateTime;
use tocsin_audit::{Draft, Outcome, Verifier};
use tocsin_core::access::Viewer;
use tocsin_core::auth::Role;
use tocsin_core::event::{Event, EventKind};
use tocsin_core::fixtures::{active as record, agency as code, data};
use tocsin_core::hit::{Dismissal, Hit, HitId, HitMessage, HitStatus, Side};
use tocsin_core::level::Level;
use tocsin_core::notice::{Notice, NoticeContent, NoticeId, NoticeStatus, NoticeType};
use tocsin_core::record::{Kind, Record, RecordData, RecordId, RecordInput, RecordState, Source};
use tocsin_core::watch::{Watch, WatchId, WatchTarget};
use tocsin_store::{
    Actor, Agency, AgencySettings, AuditFilter, AuditScope, AuditViewQuery, Backend, Change, Effects, HitFilter,
    IntelCollection, IntelQuery, IntelVersion, ListQuery, NoticeFilter, RecordPageQuery, Store, StoreError, TokenRow,
    VersionFilter,
};

async fn agency(b: &dyn Backend, c: &str) {
    let a = Agency { code: code(c), name: format!("{c} bureau"), created_at: OffsetDateTime::now_utc() };
    b.insert_agency(&a).await.expect("insert agency");
}

fn person(name: &str, access: &str) -> RecordData {
    data(&format!(
        r#"{{"kind": "person", "names": [{{"full": "{name}"}}], "birth_dates": ["1970-05"],
            "handling": {{"code": "locate"}}, "access": {access}}}"#
    ))
}

fn draft(agency: &str, objects: &[&str]) -> Draft {
    Draft {
        time: OffsetDateTime::now_utc(),
        agency: agency.to_owned(),
        user: "u".to_owned(),
        role: "officer".to_owned(),
        action: "record.read".to_owned(),
        objects: objects.iter().map(|o| (*o).to_owned()).collect(),
        outcome: Outcome::Ok,
        purpose: None,
    }
}

pub(crate) async fn agencies_are_unique(b: Arc<dyn Backend>) {
    agency(&*b, "FRA").await;
    let again = Agency { code: code("FRA"), name: "dup".into(), created_at: OffsetDateTime::now_utc() };
    assert!(matches!(b.insert_agency(&again).await, Err(StoreError::AlreadyExists(_))));
    assert_eq!(b.agency(&code("FRA")).await.expect("read").map(|a| a.name), Some("FRA bureau".to_owned()));
    assert_eq!(b.agency(&code("DEU")).await.expect("read"), None);
}

pub(crate) async fn tokens_are_found_by_hash_only(b: Arc<dyn Backend>) {
    agency(&*b, "FRA").await;
    let row = TokenRow {
        id: "t1".into(),
        hash: "ab".repeat(32),
        agency: code("FRA"),
        role: Role::Admin,
        user: "alice".into(),
        created_at: OffsetDateTime::now_utc(),
        expires_at: None,
        revoked_at: None,
        last_used_at: None,
        unit: Some("PAF-CDG".into()),
        clearance: Level::Restricted,
    };
    b.insert_token(&row).await.expect("insert token");
    let found = b.token_by_hash(&"ab".repeat(32)).await.expect("lookup");
    assert_eq!(
        found.map(|t| (t.agency, t.role, t.user, t.unit, t.clearance)),
        Some((code("FRA"), Role::Admin, "alice".to_owned(), Some("PAF-CDG".to_owned()), Level::Restricted))
    );
    assert_eq!(b.token_by_hash(&"cd".repeat(32)).await.expect("lookup"), None);
}

pub(crate) async fn tokens_are_listed_revoked_once_and_keep_their_last_use(b: Arc<dyn Backend>) {
    agency(&*b, "FRA").await;
    agency(&*b, "DEU").await;
    let now = OffsetDateTime::now_utc();
    let token = |id: &str, agency: &str, expires_at: Option<OffsetDateTime>| TokenRow {
        id: id.into(),
        hash: format!("{id:0>64}"),
        agency: code(agency),
        role: Role::Officer,
        user: "u".into(),
        created_at: now,
        expires_at,
        revoked_at: None,
        last_used_at: None,
        unit: None,
        clearance: Level::default(),
    };
    let later = now + time::Duration::days(1);
    for t in [token("t1", "FRA", Some(later)), token("t2", "DEU", None), token("t3", "FRA", None)] {
        b.insert_token(&t).await.expect("insert");
    }
    let ids = |rows: Vec<TokenRow>| rows.into_iter().map(|t| t.id).collect::<Vec<_>>();
    assert_eq!(ids(b.tokens(Some(&code("FRA"))).await.expect("list")), ["t1", "t3"]);
    assert_eq!(ids(b.tokens(None).await.expect("list")), ["t1", "t2", "t3"]);
    assert_eq!(
        b.token("t1").await.expect("read").and_then(|t| t.expires_at).map(|t| t.unix_timestamp()),
        Some(later.unix_timestamp())
    );

    let revoke = |id: &str| tocsin_store::Change::RevokeToken { id: id.into(), at: now };
    assert!(b.commit(revoke("t1"), vec![], Effects::default()).await.expect("revoke").applied);
    assert!(!b.commit(revoke("t1"), vec![], Effects::default()).await.expect("again").applied, "revoked once");
    assert!(!b.commit(revoke("nope"), vec![], Effects::default()).await.expect("missing").applied);
    let t1 = b.token("t1").await.expect("read").expect("there");
    assert!(t1.revoked_at.is_some() && !t1.valid_at(now));
    assert!(b.token("t3").await.expect("read").expect("there").valid_at(now));

    let used = tocsin_store::Change::TokenUsed { id: "t3".into(), at: now };
    b.commit(used, vec![], Effects::default()).await.expect("used");
    let t3 = b.token("t3").await.expect("read").expect("there");
    assert_eq!(t3.last_used_at.map(|t| t.unix_timestamp()), Some(now.unix_timestamp()));
}

pub(crate) async fn records_round_trip(b: Arc<dyn Backend>) {
    agency(&*b, "FRA").await;
    let r = record("FRA", person("Иван Сидоров", r#"{"mode": "except", "countries": ["UKR"]}"#));
    b.insert_records(std::slice::from_ref(&r)).await.expect("insert");
    assert_eq!(b.record(&r.id).await.expect("read"), Some(r.clone()));
    assert_eq!(b.record(&RecordId::generate()).await.expect("read"), None);
    assert_eq!(b.record_count().await.expect("count"), 1);
}

pub(crate) async fn stale_versions_are_refused(b: Arc<dyn Backend>) {
    agency(&*b, "FRA").await;
    let r = record("FRA", person("A", r#"{"mode": "all"}"#));
    b.insert_records(std::slice::from_ref(&r)).await.expect("insert");
    let v2 = Record { version: 2, data: person("B", r#"{"mode": "all"}"#), ..r.clone() };
    b.update_record(&v2, 1).await.expect("update from version 1");
    let stale = Record { version: 2, data: person("C", r#"{"mode": "all"}"#), ..r.clone() };
    match b.update_record(&stale, 1).await {
        Err(StoreError::VersionConflict { sent: 1, current: 2 }) => {}
        other => panic!("expected a version conflict, got {other:?}"),
    }
    assert_eq!(b.record(&r.id).await.expect("read"), Some(v2), "the stale write changed nothing");
}

pub(crate) async fn pages_follow_id_order_and_filters(b: Arc<dyn Backend>) {
    agency(&*b, "FRA").await;
    agency(&*b, "DEU").await;
    let mut all: Vec<Record> = (0..25)
        .map(|i| record(if i % 2 == 0 { "FRA" } else { "DEU" }, person(&format!("P{i}"), r#"{"mode": "all"}"#)))
        .collect();
    all.push(record(
        "FRA",
        data(
            r#"{"kind": "travel_document", "number": "X1", "country": "FRA", "status": "lost",
        "handling": {"code": "seize_document"}, "access": {"mode": "all"}}"#,
        ),
    ));
    b.insert_records(&all).await.expect("insert");
    all.sort_by_key(|r| r.id);
    let mut seen = Vec::new();
    let mut q = RecordPageQuery { limit: 7, ..RecordPageQuery::default() };
    loop {
        let page = b.record_page(&q).await.expect("page");
        let Some(last) = page.last() else { break };
        q.after = Some(last.id);
        seen.extend(page.into_iter().map(|r| r.id));
    }
    assert_eq!(seen, all.iter().map(|r| r.id).collect::<Vec<_>>());
    let fra = b
        .record_page(&RecordPageQuery { limit: 100, owner: Some(code("FRA")), ..Default::default() })
        .await
        .expect("page");
    assert_eq!(fra.len(), 14);
    let docs = b
        .record_page(&RecordPageQuery { limit: 100, kind: Some(Kind::TravelDocument), ..Default::default() })
        .await
        .expect("page");
    assert_eq!(docs.len(), 1);
}

pub(crate) async fn a_failed_bulk_insert_stores_nothing(b: Arc<dyn Backend>) {
    agency(&*b, "FRA").await;
    let first = record("FRA", person("A", r#"{"mode": "all"}"#));
    b.insert_records(std::slice::from_ref(&first)).await.expect("insert");
    let mut batch: Vec<Record> =
        (0..1200).map(|i| record("FRA", person(&format!("N{i}"), r#"{"mode": "all"}"#))).collect();
    batch.push(first.clone()); // a duplicate id in the last chunk
    assert!(b.insert_records(&batch).await.is_err());
    assert_eq!(b.record_count().await.expect("count"), 1);
}

pub(crate) async fn audit_appends_extend_one_chain(b: Arc<dyn Backend>) {
    let first = b.append_audit(vec![draft("FRA", &["r1"]), draft("DEU", &[])]).await.expect("append");
    let second = b.append_audit(vec![draft("FRA", &["r2"])]).await.expect("append");
    assert_eq!(first.iter().chain(&second).map(|e| e.seq).collect::<Vec<_>>(), [1, 2, 3]);
    assert_eq!(second[0].prev_hash, first[1].hash);
    assert_eq!(b.audit_head().await.expect("head").hash, second[0].hash);
    let stored = b.audit_entries(&AuditFilter { limit: 10, ..Default::default() }).await.expect("read");
    assert_eq!(stored, [first, second].concat());
    let mut v = Verifier::default();
    stored.iter().for_each(|e| v.check(e));
    assert!(matches!(v.finish(), tocsin_audit::Verdict::Intact { entries: 3, .. }));
}

pub(crate) async fn audit_entries_filter_by_agency_and_object(b: Arc<dyn Backend>) {
    b.append_audit(vec![draft("FRA", &["r1", "r2"]), draft("DEU", &["r1"]), draft("FRA", &["r3"])])
        .await
        .expect("append");
    let by = |agency: Option<&str>, object: Option<&str>| AuditFilter {
        limit: 10,
        agency: agency.map(code),
        object: object.map(str::to_owned),
        ..Default::default()
    };
    let seqs = |entries: Vec<tocsin_audit::Entry>| entries.iter().map(|e| e.seq).collect::<Vec<_>>();
    assert_eq!(seqs(b.audit_entries(&by(Some("FRA"), None)).await.expect("read")), [1, 3]);
    assert_eq!(seqs(b.audit_entries(&by(None, Some("r1"))).await.expect("read")), [1, 2]);
    assert_eq!(seqs(b.audit_entries(&by(Some("DEU"), Some("r1"))).await.expect("read")), [2]);
    assert_eq!(
        seqs(b.audit_entries(&AuditFilter { after_seq: 1, limit: 1, ..Default::default() }).await.expect("read")),
        [2]
    );
}

pub(crate) async fn group_commit_batches_concurrent_appends(b: Arc<dyn Backend>) {
    let store = Arc::new(Store::new(b));
    let actor = Actor::operator(code("FRA"));
    let before = store.audit_stats();
    let calls = (0..10_000).map(|i| {
        let (store, actor) = (store.clone(), actor.clone());
        async move { store.log(&actor, "record.read", vec![format!("r{i}")], Outcome::Ok).await }
    });
    for r in futures::future::join_all(calls).await {
        r.expect("every append is acknowledged");
    }
    let after = store.audit_stats();
    assert_eq!(after.entries - before.entries, 10_000);
    let commits = after.commits - before.commits;
    assert!(commits <= 1_000, "10,000 concurrent appends took {commits} commits; group commit should need far fewer");
    let v = store.verify_audit(&actor).await.expect("verify");
    assert!(v.ok && v.entries >= 10_000, "{v:?}");
    store.close().await;
}

pub(crate) async fn the_store_hides_what_the_policy_hides(b: Arc<dyn Backend>) {
    for c in ["FRA", "DEU", "ITA"] {
        agency(&*b, c).await;
    }
    let store = Store::new(b);
    let fra = Actor::operator(code("FRA"));
    let deu = Actor { role: Role::Officer, ..Actor::operator(code("DEU")) };
    let ita = Actor { role: Role::Officer, ..Actor::operator(code("ITA")) };
    let hidden = store
        .create_records(&fra, vec![person("H", r#"{"mode": "only", "countries": ["ITA"]}"#)])
        .await
        .expect("create");
    let id = hidden[0].id;
    assert!(matches!(store.get_record(&deu, id).await, Err(StoreError::NotFound(_))));
    assert_eq!(store.get_record(&ita, id).await.expect("ITA may see it").id, id);
    let deu_list =
        store.list_records(&deu, &ListQuery { limit: 10, ..Default::default() }, "record.list").await.expect("list");
    assert!(deu_list.items.is_empty() && deu_list.next.is_none());
    assert!(matches!(store.audit_entries(&deu, Some(id), 0, 10).await, Err(StoreError::NotFound(_))));
    let deu_admin = Actor { role: Role::Admin, ..deu.clone() };
    let input: RecordInput = serde_json::from_str(
        r#"{"kind": "person", "names": [{"full": "X"}], "version": 1,
        "handling": {"code": "inform"}, "access": {"mode": "all"}}"#,
    )
    .expect("json");
    assert!(matches!(store.update_record(&deu_admin, id, input).await, Err(StoreError::NotFound(_))));
    assert!(RecordId::from_str("not-a-uuid").is_err());
    store.close().await;
}

fn listed(owner: &str, list: &str, id: &str, name: &str) -> Record {
    let mut d = person(name, r#"{"mode": "all"}"#);
    d.source = Some(Source { list: list.to_owned(), id: id.to_owned() });
    record(owner, d)
}

pub(crate) async fn records_are_found_by_their_source(b: Arc<dyn Backend>) {
    agency(&*b, "FRA").await;
    agency(&*b, "GS").await;
    let un = [listed("GS", "un", "QDi.1", "A"), listed("GS", "un", "QDi.2", "B")];
    let others = [
        listed("GS", "ofac", "1", "C"),
        listed("FRA", "un", "QDi.1", "D"),
        record("GS", person("E", r#"{"mode": "all"}"#)),
    ];
    b.insert_records(&un).await.expect("insert");
    b.insert_records(&others).await.expect("insert");
    let mut found = b.records_from_source(&code("GS"), "un").await.expect("by source");
    found.sort_by_key(|r| r.id);
    assert_eq!(found, un.to_vec(), "only GS's records from `un`");

    // One owner holds one record per list entry.
    let twin = listed("GS", "un", "QDi.1", "A again");
    assert!(matches!(b.insert_records(&[twin]).await, Err(StoreError::AlreadyExists(_))));

    // An archived record is still found (a re-import may re-list it).
    let archived = Record { version: 2, state: RecordState::Archived, ..un[0].clone() };
    b.update_record(&archived, 1).await.expect("archive");
    assert!(b.records_from_source(&code("GS"), "un").await.expect("by source").contains(&archived));
}

pub(crate) async fn a_failed_write_changes_nothing(b: Arc<dyn Backend>) {
    agency(&*b, "GS").await;
    let old = [listed("GS", "un", "1", "A"), listed("GS", "un", "2", "B")];
    b.insert_records(&old).await.expect("insert");
    let new = listed("GS", "un", "3", "C");
    let good = (Record { version: 2, ..old[0].clone() }, 1);
    let stale = (Record { version: 3, ..old[1].clone() }, 2);
    match b.write_records(std::slice::from_ref(&new), &[good.clone(), stale]).await {
        Err(StoreError::VersionConflict { sent: 2, current: 1 }) => {}
        other => panic!("expected a version conflict, got {other:?}"),
    }
    assert_eq!(b.record(&new.id).await.expect("read"), None, "the insert was rolled back");
    assert_eq!(b.record(&old[0].id).await.expect("read"), Some(old[0].clone()), "the good update was rolled back");

    b.write_records(std::slice::from_ref(&new), std::slice::from_ref(&good)).await.expect("write");
    assert_eq!(b.record(&new.id).await.expect("read"), Some(new));
    assert_eq!(b.record(&old[0].id).await.expect("read"), Some(good.0));
}

fn hit(owner: &str, searcher: &str, silent: bool, status: HitStatus) -> Hit {
    let now = OffsetDateTime::now_utc();
    Hit {
        id: HitId::generate(),
        time: now,
        searcher: code(searcher),
        user: "u".to_owned(),
        location: Some("Kehl".to_owned()),
        purpose: None,
        query: serde_json::json!({"name": "A"}),
        record_id: RecordId::generate(),
        record_version: 1,
        owner: code(owner),
        score: 0.9,
        explanation: serde_json::json!({}),
        handling: tocsin_core::record::HandlingCode::Inform,
        level: Level::OfficialUseOnly,
        silent,
        status,
        updated_at: now,
    }
}

pub(crate) async fn hits_are_listed_to_owner_and_searcher(b: Arc<dyn Backend>) {
    let shown = hit("FRA", "DEU", false, HitStatus::New);
    let silent = hit("FRA", "DEU", true, HitStatus::New);
    let other = hit("ITA", "FRA", false, HitStatus::Closed);
    b.append_batch(vec![], hits(vec![shown.clone(), silent.clone(), other.clone()])).await.expect("insert");
    let ids = |hits: Vec<Hit>| hits.into_iter().map(|h| h.id).collect::<Vec<_>>();
    let list = |agency: &str, role: Option<Side>, status: Option<HitStatus>| {
        let f = HitFilter { viewer: Viewer::agency(code(agency)), role, status, since: None, before: None, limit: 10 };
        let b = b.clone();
        async move { b.hits(&f).await.expect("hits") }
    };
    // Newest first; the owner sees silent hits, the searcher never.
    assert_eq!(ids(list("FRA", Some(Side::Owner), None).await), vec![silent.id, shown.id]);
    assert_eq!(ids(list("DEU", None, None).await), vec![shown.id]);
    assert_eq!(ids(list("FRA", None, None).await), vec![other.id, silent.id, shown.id]);
    assert_eq!(ids(list("FRA", Some(Side::Searcher), None).await), vec![other.id]);
    assert_eq!(ids(list("FRA", None, Some(HitStatus::Closed)).await), vec![other.id]);
    let page = HitFilter {
        viewer: Viewer::agency(code("FRA")),
        role: None,
        status: None,
        since: None,
        before: Some(silent.id),
        limit: 10,
    };
    assert_eq!(ids(b.hits(&page).await.expect("page")), vec![shown.id]);
    // A hit above a viewer's clearance is not listed for it.
    let restricted = Hit { level: Level::Restricted, ..hit("ESP", "PRT", false, HitStatus::New) };
    b.append_batch(vec![], hits(vec![restricted.clone()])).await.expect("insert");
    for (clearance, listed) in [(Level::OfficialUseOnly, vec![]), (Level::Restricted, vec![restricted.id])] {
        let f = HitFilter { viewer: Viewer::new(code("ESP"), clearance), ..page.clone() };
        let f = HitFilter { before: None, ..f };
        assert_eq!(ids(b.hits(&f).await.expect("hits")), listed, "{clearance}");
    }
    assert_eq!(b.hit(&silent.id).await.expect("read"), Some(silent));
    assert_eq!(b.hit(&HitId::generate()).await.expect("read"), None);
}

pub(crate) async fn hit_status_changes_are_compare_and_swap_and_messages_numbered(b: Arc<dyn Backend>) {
    let h = hit("FRA", "DEU", false, HitStatus::New);
    b.append_batch(vec![], hits(vec![h.clone()])).await.expect("insert");
    let acked = Hit { status: HitStatus::Acknowledged, ..h.clone() };
    assert!(b.update_hit(&acked, HitStatus::New).await.expect("update"));
    let stale = Hit { status: HitStatus::Closed, ..h.clone() };
    assert!(!b.update_hit(&stale, HitStatus::New).await.expect("update"), "the status moved on: refused");
    assert_eq!(b.hit(&h.id).await.expect("read"), Some(acked));

    let message = |agency: &str, text: &str| HitMessage {
        seq: 0,
        hit_id: h.id,
        time: OffsetDateTime::now_utc(),
        agency: code(agency),
        user: "u".to_owned(),
        text: text.to_owned(),
    };
    let first = b.append_hit_message(&message("DEU", "held")).await.expect("append");
    let second = b.append_hit_message(&message("FRA", "detain")).await.expect("append");
    assert_eq!((first.seq, second.seq), (1, 2));
    assert_eq!(b.hit_messages(&h.id).await.expect("messages"), vec![first, second]);
    assert_eq!(b.hit_messages(&HitId::generate()).await.expect("messages"), vec![]);
}

fn hits(hits: Vec<Hit>) -> Effects {
    Effects { hits, ..Effects::default() }
}

fn event(agency: &str, n: u64) -> Event {
    Event::new(code(agency), EventKind::Hit, serde_json::json!({"n": n}), OffsetDateTime::now_utc())
}

pub(crate) async fn events_are_numbered_in_commit_order_and_read_per_agency(b: Arc<dyn Backend>) {
    assert_eq!(b.last_event().await.expect("last"), 0);
    let draft = |n: u64| Draft {
        time: OffsetDateTime::now_utc(),
        agency: "FRA".to_owned(),
        user: "u".to_owned(),
        role: "officer".to_owned(),
        action: format!("a{n}"),
        objects: vec![],
        outcome: Outcome::Ok,
        purpose: None,
    };
    let h = hit("FRA", "DEU", false, HitStatus::New);
    let made = Event::new(code("ITA"), EventKind::Hit, serde_json::to_value(&h).expect("json"), h.time);
    let effects = Effects {
        hits: vec![h.clone()],
        events: vec![event("FRA", 1), event("DEU", 2), event("FRA", 3), made.clone()],
        ..Effects::default()
    };
    let (entries, first) = b.append_batch(vec![draft(1)], effects).await.expect("append");
    assert_eq!(entries.len(), 1);
    assert_eq!(first.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![1, 2, 3, 4], "numbered in order from 1");
    let (_, second) = b
        .append_batch(vec![draft(2)], Effects { events: vec![event("FRA", 4)], ..Effects::default() })
        .await
        .expect("append");
    assert_eq!(second[0].seq, 5);
    assert_eq!(b.last_event().await.expect("last"), 5);
    assert_eq!(b.hit(&h.id).await.expect("read"), Some(h), "the hit rode the same transaction");

    let v = |agency: &str| Viewer::agency(code(agency));
    let fra = b.events(Some(&v("FRA")), 0, 10).await.expect("events");
    assert_eq!(fra.iter().map(|e| e.data["n"].as_u64()).collect::<Vec<_>>(), vec![Some(1), Some(3), Some(4)]);
    assert_eq!(fra[0], first[0], "read back as written");
    let resumed = b.events(Some(&v("FRA")), 1, 10).await.expect("events");
    assert_eq!(resumed.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![3, 5], "resumes after the given number");
    assert_eq!(b.events(Some(&v("FRA")), 1, 1).await.expect("events").len(), 1, "limit");
    assert!(b.events(Some(&v("ESP")), 0, 10).await.expect("events").is_empty());
    let all = b.events(None, 2, 10).await.expect("every agency's");
    assert_eq!(all.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![3, 4, 5], "every agency's, in order");
    // A hit event reads back as its hit.
    let ita = b.events(Some(&v("ITA")), 0, 10).await.expect("events");
    assert_eq!(ita, vec![Event { seq: 4, numbers: [1; 3], ..made }]);

    // Each agency counts its own: no gap where another agency's event went.
    let top = |events: &[Event]| events.iter().map(|e| e.number(Level::TOP)).collect::<Vec<_>>();
    assert_eq!(top(&fra), vec![1, 2, 3]);
    assert_eq!(top(&first), vec![1, 1, 2, 1], "FRA, DEU, FRA, ITA");
    for (agency, last) in [("FRA", 3), ("DEU", 1), ("ITA", 1), ("ESP", 0)] {
        assert_eq!(b.last_event_number(&v(agency)).await.expect("last"), last, "{agency}");
    }
}

pub(crate) async fn each_clearance_counts_the_events_it_reads_without_gaps(b: Arc<dyn Backend>) {
    use Level::{Confidential, OfficialUseOnly, Restricted};
    let levels = [OfficialUseOnly, Restricted, Confidential, OfficialUseOnly, Restricted];
    let events = levels.iter().enumerate().map(|(n, l)| event("FRA", n as u64 + 1).at(*l)).collect();
    b.append_batch(vec![], Effects { events, ..Effects::default() }).await.expect("append");
    let late = Effects { events: vec![event("FRA", 6).at(Confidential)], ..Effects::default() };
    b.append_batch(vec![], late).await.expect("append");
    for (clearance, shown) in
        [(OfficialUseOnly, vec![1, 4]), (Restricted, vec![1, 2, 4, 5]), (Confidential, vec![1, 2, 3, 4, 5, 6])]
    {
        let viewer = Viewer::new(code("FRA"), clearance);
        let read = b.events(Some(&viewer), 0, 10).await.expect("events");
        let n = |e: &Event| e.data["n"].as_u64().unwrap_or(0);
        assert_eq!(read.iter().map(n).collect::<Vec<_>>(), shown, "{clearance}: what it reads");
        let numbers: Vec<u64> = read.iter().map(|e| e.number(clearance)).collect();
        assert_eq!(numbers, (1..=shown.len() as u64).collect::<Vec<_>>(), "{clearance}: numbered without a gap");
        assert!(read.iter().all(|e| e.level <= clearance), "{clearance}: nothing above it");
        let last = b.last_event_number(&viewer).await.expect("last");
        assert_eq!(last, shown.len() as u64, "{clearance}: its last number");
        let resumed = b.events(Some(&viewer), 1, 10).await.expect("events");
        assert_eq!(resumed.len(), shown.len() - 1, "{clearance}: resumes after its own number");
    }
}

pub(crate) async fn audit_views_number_each_agency_and_record_on_their_own(b: Arc<dyn Backend>) {
    b.append_audit(vec![draft("FRA", &["r1", "r2"]), draft("DEU", &["r1"]), draft("FRA", &["r3"])])
        .await
        .expect("append");
    b.append_audit(vec![draft("DEU", &["r1"]), draft("FRA", &["r1"])]).await.expect("append");
    let view = |after: u64, limit: u32, scope: AuditScope| {
        let b = b.clone();
        async move {
            let q = AuditViewQuery { after, limit, scope };
            let got = b.audit_view(&q).await.expect("view");
            got.into_iter().map(|(n, e)| (n, e.seq)).collect::<Vec<_>>()
        }
    };
    // (the view's number, the entry's place in the whole log)
    assert_eq!(view(0, 10, AuditScope::Agency(code("FRA"))).await, [(1, 1), (2, 3), (3, 5)]);
    assert_eq!(view(0, 10, AuditScope::Agency(code("DEU"))).await, [(1, 2), (2, 4)]);
    assert_eq!(view(1, 1, AuditScope::Agency(code("FRA"))).await, [(2, 3)], "pages by its own numbers");
    assert!(view(0, 10, AuditScope::Agency(code("ITA"))).await.is_empty());
    let about = |agency: Option<&str>| AuditScope::Object { object: "r1".into(), agency: agency.map(code) };
    assert_eq!(view(0, 10, about(None)).await, [(1, 1), (2, 2), (3, 4), (4, 5)]);
    assert_eq!(view(2, 10, about(None)).await, [(3, 4), (4, 5)]);
    assert_eq!(view(0, 10, about(Some("DEU"))).await, [(1, 2), (2, 4)], "DEU's own about r1, numbered 1, 2");
}

pub(crate) async fn agency_settings_round_trip(b: Arc<dyn Backend>) {
    agency(&*b, "FRA").await;
    assert_eq!(b.settings(&code("FRA")).await.expect("read"), AgencySettings::default());
    let s = AgencySettings { hit_threshold: Some(0.9), dismiss_days: Some(30) };
    b.set_settings(&code("FRA"), &s).await.expect("set");
    assert_eq!(b.settings(&code("FRA")).await.expect("read"), s);
    let s = AgencySettings { hit_threshold: None, dismiss_days: Some(0) };
    b.set_settings(&code("FRA"), &s).await.expect("set");
    assert_eq!(b.settings(&code("FRA")).await.expect("read"), s, "replaced whole");
}

pub(crate) async fn dismissals_expire_and_replace(b: Arc<dyn Backend>) {
    let now = OffsetDateTime::now_utc();
    let d = |subject: &str, record: RecordId, days: i64| Dismissal {
        agency: code("DEU"),
        subject: subject.to_owned(),
        record_id: record,
        hit_id: HitId::generate(),
        until: (now + time::Duration::days(days)).replace_nanosecond(0).expect("time"),
    };
    let r = RecordId::generate();
    let old = d("smith john|1970||", r, -1);
    let live = d("doe jane|||", r, 10);
    b.put_dismissal(&old).await.expect("put");
    b.put_dismissal(&live).await.expect("put");
    assert_eq!(b.dismissals(now).await.expect("read"), vec![live.clone()], "expired ones are not in force");
    let renewed = d("smith john|1970||", r, 5);
    b.put_dismissal(&renewed).await.expect("put");
    let mut all = b.dismissals(now).await.expect("read");
    all.sort_by(|a, b| a.subject.cmp(&b.subject));
    assert_eq!(all, vec![live, renewed], "a new dismissal of the same pair replaces the old");
}

pub(crate) async fn watches_are_stored_and_deleted(b: Arc<dyn Backend>) {
    agency(&*b, "FRA").await;
    let w = |target: WatchTarget| Watch {
        id: WatchId::generate(),
        agency: code("FRA"),
        user: "u".to_owned(),
        created_at: OffsetDateTime::now_utc().replace_nanosecond(0).expect("time"),
        target,
        note: Some("n".to_owned()),
    };
    let on_record = w(WatchTarget::Record(RecordId::generate()));
    let on_criteria = w(WatchTarget::Criteria(serde_json::json!({"name": "Jane Doe", "birth_date": "1980"})));
    b.insert_watch(&on_record).await.expect("insert");
    b.insert_watch(&on_criteria).await.expect("insert");
    assert_eq!(b.watches().await.expect("read"), vec![on_record.clone(), on_criteria.clone()]);
    assert!(b.delete_watch(&on_record.id).await.expect("delete"));
    assert!(!b.delete_watch(&on_record.id).await.expect("delete"), "already gone");
    assert_eq!(b.watches().await.expect("read"), vec![on_criteria]);
}

pub(crate) async fn notices_round_trip_filter_and_change_by_version(b: Arc<dyn Backend>) {
    agency(&*b, "FRA").await;
    agency(&*b, "DEU").await;
    let now = OffsetDateTime::now_utc().replace_nanosecond(0).expect("time");
    let n = |owner: &str, status: NoticeStatus| Notice {
        id: NoticeId::generate(),
        owner: code(owner),
        notice_type: NoticeType::Orange,
        status,
        content: NoticeContent { threat: Some("t".into()), ..Default::default() },
        public: false,
        history: vec![],
        review_by: now.date(),
        entity_id: None,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let (a, b2, c) =
        (n("FRA", NoticeStatus::Draft), n("FRA", NoticeStatus::Submitted), n("DEU", NoticeStatus::Submitted));
    for x in [&a, &b2, &c] {
        b.insert_notice(x).await.expect("insert");
    }
    assert_eq!(b.notice(&a.id).await.expect("read"), Some(a.clone()));
    assert_eq!(b.notice(&NoticeId::generate()).await.expect("read"), None);
    let ids = |f: NoticeFilter| {
        let b = b.clone();
        async move { b.notices(&f).await.expect("list").into_iter().map(|n| n.id).collect::<Vec<_>>() }
    };
    let all = NoticeFilter { limit: 10, ..Default::default() };
    assert_eq!(ids(all.clone()).await, vec![a.id, b2.id, c.id], "oldest first");
    let queue = NoticeFilter { status: Some(NoticeStatus::Submitted), ..all.clone() };
    assert_eq!(ids(queue.clone()).await, vec![b2.id, c.id]);
    assert_eq!(ids(NoticeFilter { after: Some(b2.id), ..queue }).await, vec![c.id]);
    assert_eq!(ids(NoticeFilter { owner: Some(code("DEU")), ..all.clone() }).await, vec![c.id]);
    assert_eq!(ids(NoticeFilter { limit: 1, ..all }).await, vec![a.id]);

    let submitted = Notice { status: NoticeStatus::Submitted, version: 2, ..a.clone() };
    assert!(b.update_notice(&submitted, 1).await.expect("update"));
    assert!(!b.update_notice(&Notice { version: 3, ..a.clone() }, 1).await.expect("update"), "stale: refused");
    assert_eq!(b.notice(&a.id).await.expect("read"), Some(submitted));
}

pub(crate) async fn retention_finds_items_due_and_remembers_reminders(b: Arc<dyn Backend>) {
    agency(&*b, "FRA").await;
    agency(&*b, "DEU").await;
    let now = OffsetDateTime::now_utc().replace_nanosecond(0).expect("time");
    let today = now.date();
    let day = |n: i64| today + time::Duration::days(n);
    // Records reviewed in 10 days, 400 days, and 10 days but archived.
    let record = |owner: &str, review_in: i64| {
        let mut data = person("Anna Berg", r#"{"mode": "all"}"#);
        data.review_by = day(review_in);
        Record::new(code(owner), data, now)
    };
    let soon = record("FRA", 10);
    let late = record("FRA", 400);
    let gone = Record { state: RecordState::Archived, ..record("FRA", 10) };
    let other = record("DEU", 5);
    b.insert_records(&[soon.clone(), late.clone(), gone.clone(), other.clone()]).await.expect("insert");
    let due = |owner: Option<&str>, until| {
        let b = b.clone();
        let q = RecordPageQuery { owner: owner.map(code), review_until: Some(until), limit: 10, ..Default::default() };
        async move {
            let mut ids: Vec<RecordId> = b.record_page(&q).await.expect("page").into_iter().map(|r| r.id).collect();
            ids.sort();
            ids
        }
    };
    let mut both = vec![soon.id, other.id];
    both.sort();
    assert_eq!(due(None, day(30)).await, both, "active records due by then, any owner");
    assert_eq!(due(Some("FRA"), day(30)).await, vec![soon.id]);
    assert_eq!(due(Some("FRA"), day(500)).await.len(), 2);
    // Pages in review-date order, one at a time.
    let mut q = RecordPageQuery { review_until: Some(day(500)), limit: 1, ..Default::default() };
    let mut order = vec![];
    while let Some(r) = b.record_page(&q).await.expect("page").pop() {
        (q.after, q.after_review_by) = (Some(r.id), Some(r.data.review_by));
        order.push(r.id);
    }
    assert_eq!(order, vec![other.id, soon.id, late.id], "soonest first");

    // Notices: open ones due by then, and a type filter.
    let notice = |status: NoticeStatus, review_in: i64, t: NoticeType| Notice {
        id: NoticeId::generate(),
        owner: code("FRA"),
        notice_type: t,
        status,
        content: NoticeContent { threat: Some("t".into()), ..Default::default() },
        public: false,
        history: vec![],
        review_by: day(review_in),
        entity_id: None,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let open = notice(NoticeStatus::Published, 10, NoticeType::Orange);
    let closed = notice(NoticeStatus::Cancelled, 10, NoticeType::Orange);
    let far = notice(NoticeStatus::Draft, 400, NoticeType::Purple);
    b.write_notices(&[open.clone(), closed.clone(), far.clone()], &[]).await.expect("write");
    let notices = |f: NoticeFilter| {
        let b = b.clone();
        async move { b.notices(&f).await.expect("list").into_iter().map(|n| n.id).collect::<Vec<_>>() }
    };
    let f = NoticeFilter { review_until: Some(day(30)), limit: 10, ..Default::default() };
    assert_eq!(notices(f.clone()).await, vec![open.id], "cancelled and later ones are not due");
    assert_eq!(
        notices(NoticeFilter { notice_type: Some(NoticeType::Purple), limit: 10, ..Default::default() }).await,
        vec![far.id]
    );
    // The review date column follows updates.
    let extended = Notice { review_by: day(900), version: 2, ..open.clone() };
    b.write_notices(&[], &[(extended, 1)]).await.expect("replace");
    assert!(notices(f).await.is_empty());
    let stale = b.write_notices(&[notice(NoticeStatus::Draft, 1, NoticeType::Orange)], &[(open.clone(), 1)]).await;
    assert!(matches!(stale, Err(StoreError::VersionConflict { sent: 1, current: 2 })), "{stale:?}");
    assert_eq!(notices(NoticeFilter { limit: 10, ..Default::default() }).await.len(), 3, "all or none");

    // Reminders are stored with their audit entry, once.
    let ids = vec![soon.id.to_string(), open.id.to_string()];
    assert!(b.reminders(&ids).await.expect("read").is_empty());
    let remind = Effects { reminders: vec![(soon.id.to_string(), soon.data.review_by)], ..Effects::default() };
    b.append_batch(vec![draft("FRA", &[])], remind.clone()).await.expect("append");
    b.append_batch(vec![draft("FRA", &[])], remind).await.expect("the same reminder again is no error");
    assert_eq!(b.reminders(&ids).await.expect("read"), vec![(soon.id.to_string(), soon.data.review_by)]);

    // Entity numbers run on within a year, from 1 in each.
    assert_eq!(b.reserve_entity_numbers(2026, 3).await.expect("reserve"), 1);
    assert_eq!(b.reserve_entity_numbers(2026, 1).await.expect("reserve"), 4);
    assert_eq!(b.reserve_entity_numbers(2027, 2).await.expect("reserve"), 1);
}

pub(crate) async fn the_outbox_keeps_changes_until_done(b: Arc<dyn Backend>) {
    let now = OffsetDateTime::now_utc();
    let first = b.outbox_put(r#"[{"kind":"watches"}]"#, now - time::Duration::minutes(5)).await.expect("put");
    let second = b.outbox_put(r#"[{"kind":"dismissals"}]"#, now).await.expect("put");
    assert!(second > first, "ids grow");
    let old = b.outbox_older(now - time::Duration::minutes(1), 10).await.expect("older");
    assert_eq!(old, vec![(first, r#"[{"kind":"watches"}]"#.to_owned())], "only what was kept before then");
    let all = b.outbox_older(now + time::Duration::minutes(1), 10).await.expect("older");
    assert_eq!(all.iter().map(|(id, _)| *id).collect::<Vec<_>>(), vec![first, second], "oldest first");
    assert_eq!(b.outbox_older(now + time::Duration::minutes(1), 1).await.expect("older").len(), 1, "limit");
    b.outbox_done(&[first]).await.expect("done");
    let left = b.outbox_older(now + time::Duration::minutes(1), 10).await.expect("older");
    assert_eq!(left.iter().map(|(id, _)| *id).collect::<Vec<_>>(), vec![second]);
    b.outbox_done(&[first, second]).await.expect("done twice is harmless");
    assert!(b.outbox_older(now + time::Duration::minutes(1), 10).await.expect("older").is_empty());
}

pub(crate) async fn old_events_are_pruned_oldest_first_keeping_the_last(b: Arc<dyn Backend>) {
    let now = OffsetDateTime::now_utc();
    let at = |days: i64, n: u64| Event { time: now - time::Duration::days(days), ..event("FRA", n) };
    let commit = |events: Vec<Event>| {
        let b = b.clone();
        async move {
            let effects = Effects { events, ..Effects::default() };
            b.append_batch(vec![draft("FRA", &[])], effects).await.expect("append");
        }
    };
    commit(vec![at(200, 1), at(150, 2), at(10, 3), at(120, 4)]).await;
    let horizon = now - time::Duration::days(90);
    assert_eq!(b.prune_events(horizon, 2).await.expect("prune"), 2, "at most the limit, oldest first");
    assert_eq!(b.prune_events(horizon, 100).await.expect("prune"), 0, "stops at the first later event");
    let left: Vec<u64> = b.events(None, 0, 10).await.expect("events").iter().map(|e| e.seq).collect();
    assert_eq!(left, vec![3, 4]);
    // Everything old: the last event stays, so numbering goes on from it.
    commit(vec![at(100, 5)]).await;
    assert_eq!(b.prune_events(now, 100).await.expect("prune"), 2, "all but the last");
    assert_eq!(b.last_event().await.expect("last"), 5);
    commit(vec![at(0, 6)]).await;
    assert_eq!(b.last_event().await.expect("last"), 6, "numbers are not reused");
}

pub(crate) async fn activity_counts_screenings_and_visible_hits_per_hour(b: Arc<dyn Backend>) {
    let at = |t: &str| OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).expect("time");
    let screen = |agency: &str, time: &str, outcome: Outcome| Draft {
        time: at(time),
        action: "screen".to_owned(),
        outcome,
        ..draft(agency, &["query:x"])
    };
    b.append_audit(vec![
        screen("FRA", "2026-12-06T10:05:00Z", Outcome::Ok),
        screen("FRA", "2026-12-06T10:59:59.9Z", Outcome::Ok),
        screen("FRA", "2026-12-06T11:00:00Z", Outcome::Ok),
        screen("FRA", "2026-12-06T11:30:00Z", Outcome::Invalid),
        screen("DEU", "2026-12-06T11:00:00Z", Outcome::Ok),
        screen("FRA", "2026-12-06T12:00:00Z", Outcome::Ok),
        Draft { time: at("2026-12-06T10:10:00Z"), ..draft("FRA", &["r1"]) },
    ])
    .await
    .expect("audit");
    let mut searches = b.searches_per_hour(&code("FRA"), "2026-12-06T10", "2026-12-06T12").await.expect("searches");
    searches.sort();
    assert_eq!(searches, [("2026-12-06T10".to_owned(), 2), ("2026-12-06T11".to_owned(), 1)]);

    let made = |owner: &str, searcher: &str, silent: bool, time: &str| {
        let mut h = hit(owner, searcher, silent, HitStatus::New);
        h.time = at(time);
        h
    };
    let shown = made("FRA", "DEU", false, "2026-12-06T10:20:00Z");
    let silent = made("FRA", "DEU", true, "2026-12-06T10:40:00Z");
    let later = made("ITA", "FRA", false, "2026-12-06T13:00:00Z");
    b.append_batch(vec![], hits(vec![shown.clone(), silent.clone(), later])).await.expect("hits");
    let count = |agency: &str| {
        let b = b.clone();
        let agency = code(agency);
        async move {
            let mut counts =
                b.hits_per_hour(&Viewer::agency(agency), "2026-12-06T00", "2026-12-06T13").await.expect("hits");
            counts.sort_by_key(|c| c.record_id);
            counts
                .into_iter()
                .map(|c| (c.hour, c.searcher.to_string(), c.owner.to_string(), c.count))
                .collect::<Vec<_>>()
        }
    };
    // The owner counts both, the silent one included; the searcher only the
    // one it may see; the window's end is exclusive.
    let mut owner = count("FRA").await;
    owner.sort();
    assert_eq!(owner.len(), 2);
    assert!(owner.iter().all(|(hour, s, o, n)| hour == "2026-12-06T10" && s == "DEU" && o == "FRA" && *n == 1));
    assert_eq!(count("DEU").await, [("2026-12-06T10".to_owned(), "DEU".to_owned(), "FRA".to_owned(), 1)]);
    assert!(count("ITA").await.is_empty());
}

/// A version of an object in collection `c1`, owned by FRA.
fn intel(id: &str, version: &str, kind: &str, observables: &[(&str, &str)]) -> IntelVersion {
    IntelVersion {
        seq: 0,
        collection: "c1".to_owned(),
        id: id.to_owned(),
        version: version.to_owned(),
        kind: kind.to_owned(),
        owner: code("FRA"),
        tlp: Some("green".to_owned()),
        added_us: 0,
        body: format!(r#"{{"id": "{id}", "modified": "{version}"}}"#),
        warnings: vec!["w".to_owned()],
        observables: observables.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
    }
}

fn ipv4(value: &str) -> (String, String) {
    ("ipv4".to_owned(), value.to_owned())
}

pub(crate) async fn intel_versions_are_numbered_paged_filtered_and_deleted(b: Arc<dyn Backend>) {
    agency(&*b, "FRA").await;
    let collection = |id: &str, alias: Option<&str>| IntelCollection {
        id: id.to_owned(),
        root: "cyber".to_owned(),
        alias: alias.map(str::to_owned),
        title: "Ransomware".to_owned(),
        description: None,
        owner: code("FRA"),
        readers: tocsin_core::record::AccessRule::All,
        writers: tocsin_core::record::AccessRule::Only { countries: vec![code("DEU")] },
        created_at: OffsetDateTime::now_utc().replace_nanosecond(0).expect("time"),
    };
    let c1 = collection("c1", Some("ransomware"));
    b.commit(Change::IntelCollection(c1.clone()), vec![], Effects::default()).await.expect("collection");
    let taken = b.commit(Change::IntelCollection(collection("c2", Some("ransomware"))), vec![], Effects::default());
    assert!(matches!(taken.await, Err(StoreError::AlreadyExists(_))), "an alias is unique");
    assert_eq!(b.intel_collections().await.expect("collections"), vec![c1]);

    let (v1, v2) = ("2026-03-01T10:00:00.000000Z", "2026-03-02T10:00:00.000000Z");
    let first = vec![
        intel("indicator--a", v1, "indicator", &[("ipv4", "203.0.113.9")]),
        intel("indicator--a", v2, "indicator", &[("ipv4", "203.0.113.9"), ("domain", "c2.example")]),
        intel("malware--m", v1, "malware", &[]),
    ];
    b.commit(Change::IntelVersions(first.clone()), vec![], Effects::default()).await.expect("add");
    // The same versions again, and a new one: only the new one is added.
    let again = vec![first[0].clone(), intel("ipv4-addr--i", "", "ipv4-addr", &[("ipv4", "198.51.100.1")])];
    b.commit(Change::IntelVersions(again), vec![], Effects::default()).await.expect("add again");

    let all = IntelQuery {
        collection: "c1".to_owned(),
        versions: VersionFilter { all: true, ..VersionFilter::default() },
        limit: 100,
        ..IntelQuery::default()
    };
    let page = b.intel_page(&all).await.expect("page");
    assert_eq!(
        page.iter().map(|v| v.seq).collect::<Vec<_>>(),
        vec![1, 2, 3, 4],
        "numbered in order, duplicates skipped"
    );
    assert!(page.windows(2).all(|w| w[0].added_us < w[1].added_us), "each added at a later microsecond");
    assert_eq!(
        (page[1].version.as_str(), page[1].warnings.as_slice(), page[1].tlp.as_deref()),
        (v2, &["w".to_owned()][..], Some("green"))
    );
    assert_eq!(page[1].body, first[1].body);

    // Paging: after the second, by (added, seq); then from a time.
    let rest = IntelQuery { after: Some((page[1].added_us, page[1].seq)), ..all.clone() };
    assert_eq!(b.intel_page(&rest).await.expect("rest").iter().map(|v| v.seq).collect::<Vec<_>>(), vec![3, 4]);
    let later = IntelQuery { added_after_us: Some(page[2].added_us), ..all.clone() };
    assert_eq!(b.intel_page(&later).await.expect("later").len(), 1);
    let two = IntelQuery { limit: 2, ..all.clone() };
    assert_eq!(b.intel_page(&two).await.expect("limited").len(), 2);

    // Filters: type, id, and which versions.
    let of_type = IntelQuery { types: vec!["malware".to_owned()], ..all.clone() };
    assert_eq!(b.intel_page(&of_type).await.expect("type").iter().map(|v| v.seq).collect::<Vec<_>>(), vec![3]);
    let ids = |versions: VersionFilter| IntelQuery { ids: vec!["indicator--a".to_owned()], versions, ..all.clone() };
    let seqs = |p: Vec<IntelVersion>| p.iter().map(|v| v.seq).collect::<Vec<_>>();
    let last = VersionFilter { last: true, ..VersionFilter::default() };
    let first_only = VersionFilter { first: true, ..VersionFilter::default() };
    let exact = VersionFilter { exact: vec![v2.to_owned()], ..VersionFilter::default() };
    assert_eq!(seqs(b.intel_page(&ids(last.clone())).await.expect("last")), vec![2]);
    assert_eq!(seqs(b.intel_page(&ids(first_only)).await.expect("first")), vec![1]);
    assert_eq!(seqs(b.intel_page(&ids(exact)).await.expect("exact")), vec![2]);
    let latest = b.intel_latest("c1", &["indicator--a".to_owned(), "malware--m".to_owned()]).await.expect("latest");
    let mut latest: Vec<(String, String)> = latest.into_iter().map(|(_, id, v)| (id, v)).collect();
    latest.sort();
    assert_eq!(latest, vec![("indicator--a".to_owned(), v2.to_owned()), ("malware--m".to_owned(), v1.to_owned())]);

    // The observables of live versions, for the correlation index.
    let observed = b.intel_observables(0, 100).await.expect("observables");
    assert_eq!(
        observed,
        vec![
            (1, "ipv4".to_owned(), "203.0.113.9".to_owned()),
            (2, "domain".to_owned(), "c2.example".to_owned()),
            (2, "ipv4".to_owned(), "203.0.113.9".to_owned()),
            (4, "ipv4".to_owned(), "198.51.100.1".to_owned()),
        ]
    );
    assert_eq!(b.intel_observables(2, 1).await.expect("after").len(), 1);
    let mut stating = b
        .intel_stating(&[ipv4("203.0.113.9"), ipv4("nothing"), ("domain".to_owned(), "203.0.113.9".to_owned())])
        .await
        .expect("stating");
    stating.sort();
    assert_eq!(
        stating,
        vec![(1, "ipv4".to_owned(), "203.0.113.9".to_owned()), (2, "ipv4".to_owned(), "203.0.113.9".to_owned())]
    );

    // Deleting the last version: the first becomes the last; its
    // observables are no longer read; deleting again applies nothing.
    let at = OffsetDateTime::now_utc();
    let delete = |versions: Vec<String>| Change::IntelDelete {
        collection: "c1".to_owned(),
        owner: code("FRA"),
        id: "indicator--a".to_owned(),
        versions,
        at,
    };
    assert!(b.commit(delete(vec![v2.to_owned()]), vec![], Effects::default()).await.expect("delete").applied);
    assert!(!b.commit(delete(vec![v2.to_owned()]), vec![], Effects::default()).await.expect("again").applied);
    assert_eq!(seqs(b.intel_page(&ids(last.clone())).await.expect("last")), vec![1]);
    assert!(b.intel_observables(0, 100).await.expect("observables").iter().all(|(s, _, _)| *s != 2));
    let stating = b.intel_stating(&[ipv4("203.0.113.9")]).await.expect("stating");
    assert_eq!(stating, vec![(1, "ipv4".to_owned(), "203.0.113.9".to_owned())], "a deleted version states nothing");
    assert_eq!(seqs(b.intel_by_seq(&[4, 2, 1]).await.expect("by seq")), vec![1, 4], "deleted left out, in order");
    assert!(b.commit(delete(vec![]), vec![], Effects::default()).await.expect("all").applied);
    assert!(b.intel_page(&ids(last)).await.expect("gone").is_empty());

    // A POST's status, read back by id with its agency.
    let status = Change::IntelStatus {
        id: "s1".to_owned(),
        agency: code("FRA"),
        at,
        body: r#"{"status": "complete"}"#.to_owned(),
    };
    b.commit(status, vec![], Effects::default()).await.expect("status");
    assert_eq!(
        b.intel_status("s1").await.expect("status"),
        Some((code("FRA"), r#"{"status": "complete"}"#.to_owned()))
    );
    assert_eq!(b.intel_status("s2").await.expect("none"), None);

    // Another agency's object with the same id and version is its own:
    // stored beside, deleted apart, and left out by the TLP restriction
    // for a viewer that did not add it.
    agency(&*b, "DEU").await;
    let mut theirs = intel("ipv4-addr--i", "", "ipv4-addr", &[("ipv4", "198.51.100.1")]);
    theirs.owner = code("DEU");
    theirs.tlp = Some("red".to_owned());
    b.commit(Change::IntelVersions(vec![theirs]), vec![], Effects::default()).await.expect("theirs");
    let sco = IntelQuery { ids: vec!["ipv4-addr--i".to_owned()], ..all.clone() };
    let owners = |p: Vec<IntelVersion>| p.iter().map(|v| v.owner).collect::<Vec<_>>();
    assert_eq!(owners(b.intel_page(&sco).await.expect("both")), vec![code("FRA"), code("DEU")]);
    let levels = vec!["red".to_owned(), "amber+strict".to_owned()];
    let as_fra = IntelQuery { restricted: Some((code("FRA"), levels.clone())), ..sco.clone() };
    assert_eq!(owners(b.intel_page(&as_fra).await.expect("fra")), vec![code("FRA")]);
    let as_deu = IntelQuery { restricted: Some((code("DEU"), levels)), ..sco.clone() };
    assert_eq!(owners(b.intel_page(&as_deu).await.expect("deu")), vec![code("FRA"), code("DEU")]);
    let delete_theirs = Change::IntelDelete {
        collection: "c1".to_owned(),
        owner: code("DEU"),
        id: "ipv4-addr--i".to_owned(),
        versions: vec![],
        at,
    };
    assert!(b.commit(delete_theirs, vec![], Effects::default()).await.expect("delete theirs").applied);
    assert_eq!(owners(b.intel_page(&sco).await.expect("ours left")), vec![code("FRA")]);

    // The owner's sightings read back from its events, newest first.
    let sighting = |n: u64| {
        Event::new(code("FRA"), EventKind::IntelSighting, serde_json::json!({"n": n}), OffsetDateTime::now_utc())
    };
    let effects = Effects { events: vec![sighting(1), event("FRA", 2), sighting(3)], ..Effects::default() };
    b.append_batch(vec![], effects).await.expect("sightings");
    let seen = b.intel_sightings(&code("FRA"), 10).await.expect("sightings");
    assert_eq!(seen.iter().map(|e| e.data["n"].as_u64()).collect::<Vec<_>>(), vec![Some(3), Some(1)]);
    assert!(b.intel_sightings(&code("DEU"), 10).await.expect("sightings").is_empty());
}

fn issue(base: u64, version: u64, full: bool, put: &[(RecordId, u64)], gone: &[RecordId]) -> tocsin_store::EdgeIssue {
    tocsin_store::EdgeIssue {
        agency: code("FRA"),
        name: "cdg".to_owned(),
        base,
        version: tocsin_store::EdgeVersion {
            version,
            hash: format!("h{version}"),
            generated_at: OffsetDateTime::now_utc().replace_nanosecond(0).expect("time"),
            records_mark: version * 10,
            notices_mark: version,
        },
        full,
        put: put.to_vec(),
        gone: gone.to_vec(),
        at: OffsetDateTime::now_utc(),
    }
}

pub(crate) async fn edge_holdings_follow_the_versions_an_edge_confirms(b: Arc<dyn Backend>) {
    agency(&*b, "FRA").await;
    agency(&*b, "DEU").await;
    // Records are numbered by change, in commit order.
    let r1 = record("DEU", person("Anna Edge", r#"{"mode": "all"}"#));
    let r2 = record("DEU", person("Bruno Edge", r#"{"mode": "all"}"#));
    b.insert_records(&[r1.clone(), r2.clone()]).await.expect("insert");
    let (first_mark, _) = b.change_marks().await.expect("marks");
    let mut r2b = r2.clone();
    r2b.version = 2;
    b.update_record(&r2b, 1).await.expect("update");
    let (mark, _) = b.change_marks().await.expect("marks");
    assert!(mark > first_mark, "an update takes a later change number");
    let changed = b.records_changed(first_mark + 1, None, 10).await.expect("changed");
    assert_eq!(changed.iter().map(|(_, r)| (r.id, r.version)).collect::<Vec<_>>(), vec![(r2.id, 2)]);
    assert_eq!(b.count_changed(0).await.expect("count"), 2);
    let paged = b.records_changed(0, Some((changed[0].0 - 1, r2.id)), 10).await.expect("paged");
    assert!(paged.iter().any(|(_, r)| r.id == r2.id));

    // Version 1: a full snapshot of both.
    let ids = [r1.id, r2.id];
    let commit = |c: Change| async { b.commit(c, vec![], Effects::default()).await.expect("commit") };
    commit(Change::EdgeIssued(issue(0, 1, true, &[(r1.id, 1), (r2.id, 2)], &[]))).await;
    let edge = b.edge(&code("FRA"), "cdg").await.expect("edge").expect("there");
    assert_eq!((edge.issued, edge.confirmed), (1, 0));
    let mut held = b.edge_held(&code("FRA"), "cdg", 1, &ids).await.expect("held");
    held.sort();
    let mut want = vec![(r1.id, 1), (r2.id, 2)];
    want.sort();
    assert_eq!(held, want);
    assert!(b.edge_held(&code("FRA"), "cdg", 0, &ids).await.expect("held").is_empty(), "nothing before version 1");

    // Version 2 deletes r1; version 3, issued on version 1 (2 never
    // arrived), forgets version 2's deletion and deletes r2 instead.
    commit(Change::EdgeIssued(issue(1, 2, false, &[], &[r1.id]))).await;
    assert_eq!(b.edge_held(&code("FRA"), "cdg", 2, &ids).await.expect("held"), vec![(r2.id, 2)]);
    commit(Change::EdgeIssued(issue(1, 3, false, &[], &[r2.id]))).await;
    assert_eq!(b.edge_held(&code("FRA"), "cdg", 3, &ids).await.expect("held"), vec![(r1.id, 1)]);
    let v = b.edge_version(&code("FRA"), "cdg", 3).await.expect("version").expect("kept");
    assert_eq!((v.hash.as_str(), v.records_mark), ("h3", 30));
    assert!(
        b.edge_version(&code("FRA"), "cdg", 2).await.expect("version").is_none(),
        "a version never confirmed is dropped"
    );
    let edge = b.edge(&code("FRA"), "cdg").await.expect("edge").expect("there");
    assert_eq!((edge.issued, edge.confirmed), (3, 1));
    assert_eq!(b.edges(Some(&code("DEU"))).await.expect("edges"), vec![]);

    // The shipped audit chain: appended once, handled once.
    let entries: Vec<tocsin_audit::Entry> = {
        let mut head = tocsin_audit::Head::EMPTY;
        (0..3).map(|_| head.append(draft("FRA", &["query:{}"]))).collect()
    };
    let ship =
        |entries: Vec<tocsin_audit::Entry>| Change::EdgeAudit { agency: code("FRA"), name: "cdg".into(), entries };
    commit(ship(entries[..2].to_vec())).await;
    commit(ship(entries.clone())).await;
    let stored = b.edge_audit(&code("FRA"), "cdg", 0, 10).await.expect("audit");
    assert_eq!(stored.iter().map(|(e, _)| e.clone()).collect::<Vec<_>>(), entries);
    assert_eq!(b.edge_audit_head(&code("FRA"), "cdg").await.expect("head").map(|(s, _)| s), Some(3));
    let handled = Change::EdgeHandled { agency: code("FRA"), name: "cdg".into(), seq: 2 };
    assert!(b.commit(handled.clone(), vec![], Effects::default()).await.expect("handled").applied);
    assert!(!b.commit(handled, vec![], Effects::default()).await.expect("again").applied, "handled once");
    let flags: Vec<bool> =
        b.edge_audit(&code("FRA"), "cdg", 0, 10).await.expect("audit").iter().map(|(_, h)| *h).collect();
    assert_eq!(flags, vec![false, true, false]);
    // Only screenings that succeeded wait to be handled.
    assert!(b.edge_unhandled(&code("FRA"), "cdg", 10).await.expect("unhandled").is_empty(), "no screening shipped");
    let mut head = tocsin_audit::Head { seq: 3, hash: entries[2].hash };
    let screen = |outcome| Draft { action: "screen".to_owned(), outcome, ..draft("FRA", &["query:{}"]) };
    let more =
        vec![head.append(screen(Outcome::Ok)), head.append(screen(Outcome::Invalid)), head.append(screen(Outcome::Ok))];
    commit(ship(more)).await;
    let pending = b.edge_unhandled(&code("FRA"), "cdg", 10).await.expect("unhandled");
    assert_eq!(pending.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![4, 6]);
    commit(Change::EdgeHandled { agency: code("FRA"), name: "cdg".into(), seq: 4 }).await;
    assert_eq!(b.edge_unhandled(&code("FRA"), "cdg", 10).await.expect("unhandled").len(), 1);

    // On an edge: a copy applied replaces records whatever their version,
    // deletes others, and keeps its state and notices.
    let mut r1b = r1.clone();
    r1b.version = 7;
    let apply = tocsin_store::ReplicaApply {
        put: vec![r1b.clone()],
        delete: vec![r2.id],
        notices: vec![(r1.id, "[]".to_owned()), (r2.id, r#"[{"x":1}]"#.to_owned())],
        state: r#"{"v":1}"#.to_owned(),
        ..Default::default()
    };
    commit(Change::Replica(apply)).await;
    assert_eq!(b.record(&r1.id).await.expect("r1").map(|r| r.version), Some(7));
    assert!(b.record(&r2.id).await.expect("r2").is_none(), "deleted, not archived");
    assert_eq!(b.replica_state().await.expect("state").as_deref(), Some(r#"{"v":1}"#));
    assert_eq!(b.replica_notices().await.expect("notices"), vec![(r2.id, r#"[{"x":1}]"#.to_owned())]);
    let full = tocsin_store::ReplicaApply { full: true, state: "{}".to_owned(), ..Default::default() };
    commit(Change::Replica(full)).await;
    assert_eq!(b.record_count().await.expect("count"), 0, "a full snapshot replaces everything");
    b.erase_freed().await.expect("erase");
}

pub(crate) async fn biometric_attachments_and_candidates_round_trip_and_a_decision_applies_once(b: Arc<dyn Backend>) {
    use tocsin_store::{BioAttachment, BioCandidateRow, BioDecision};
    agency(&*b, "FRA").await;
    agency(&*b, "DEU").await;
    let r = record("DEU", person("Anna Bio", r#"{"mode": "all"}"#));
    b.insert_records(std::slice::from_ref(&r)).await.expect("insert");
    // Binary image bytes come back exactly, zeros and separators included.
    let image: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    let attach = Change::BioAttachments(vec![BioAttachment { record: r.id, n: 0, data: image.clone() }]);
    b.commit(attach, vec![], Effects::default()).await.expect("attach");
    assert_eq!(b.bio_attachment(&r.id, 0).await.expect("read"), Some(image));
    assert_eq!(b.bio_attachment(&r.id, 1).await.expect("read"), None);

    let at = OffsetDateTime::now_utc().replace_nanosecond(0).expect("time");
    let row = |search: &str, searcher: &str, minutes: i64| BioCandidateRow {
        search: search.to_owned(),
        record: r.id,
        owner: code("DEU"),
        searcher: code(searcher),
        shown: search != "silent",
        status: "pending".to_owned(),
        created_at: at + time::Duration::minutes(minutes),
        body: format!(r#"{{"search": "{search}"}}"#),
    };
    let rows = vec![row("s1", "FRA", 0), row("s2", "FRA", 1), row("silent", "FRA", 2)];
    b.commit(Change::BioCandidates(rows.clone()), vec![], Effects::default()).await.expect("candidates");
    assert_eq!(b.bio_candidates("s1").await.expect("s1"), vec![rows[0].clone()]);
    let queue = b.bio_candidates_for(&code("DEU"), true, 10).await.expect("queue");
    assert_eq!(queue.iter().map(|r| r.search.as_str()).collect::<Vec<_>>(), ["silent", "s2", "s1"], "newest first");
    // The searcher's rows hold no silent candidate, and the limit counts
    // only what it may have: two rows whatever the silent one.
    let searcher = b.bio_candidates_for(&code("FRA"), true, 2).await.expect("searcher");
    assert_eq!(searcher.iter().map(|r| r.search.as_str()).collect::<Vec<_>>(), ["s2", "s1"]);
    assert_eq!(b.bio_candidates_for(&code("FRA"), true, 1).await.expect("searcher").len(), 1, "the limit holds");
    assert!(b.bio_candidates_for(&code("GBR"), false, 10).await.expect("none").is_empty());

    let decide = |status: &str| BioDecision {
        search: "s1".to_owned(),
        record: r.id,
        status: status.to_owned(),
        body: format!(r#"{{"status": "{status}"}}"#),
    };
    let first = b.commit(Change::BioDecision(decide("confirmed")), vec![], Effects::default()).await.expect("decide");
    assert!(first.applied);
    let second = b.commit(Change::BioDecision(decide("rejected")), vec![], Effects::default()).await.expect("again");
    assert!(!second.applied, "a decided candidate is not decided again");
    let s1 = b.bio_candidates("s1").await.expect("s1");
    assert_eq!((s1[0].status.as_str(), s1[0].body.as_str()), ("confirmed", r#"{"status": "confirmed"}"#));
    assert_eq!(b.bio_candidates_for(&code("DEU"), true, 10).await.expect("pending").len(), 2);
}

pub(crate) async fn infra_rows(b: Arc<dyn Backend>) {
    use tocsin_core::asset::{Commodity, Dependency, DependencyId, DependencyType};
    use tocsin_store::{InfraWatchRow, InfraWatchState};
    agency(&*b, "FRA").await;
    agency(&*b, "DEU").await;
    let at = OffsetDateTime::now_utc().replace_nanosecond(0).expect("time");
    let commit = |change: Change| {
        let b = b.clone();
        async move { b.commit(change, vec![], Effects::default()).await.expect("commit").applied }
    };
    let (plant, hospital, pump) = (RecordId::generate(), RecordId::generate(), RecordId::generate());
    let dependency =
        |owner: &str, provider: RecordId, dependent: RecordId, commodity: Commodity, minutes: i64| Dependency {
            id: DependencyId::generate(),
            owner: code(owner),
            provider,
            dependent,
            commodity,
            dep_type: DependencyType::Physical,
            share: 0.5,
            group: Some("grid".to_owned()),
            k: Some(1),
            buffer_hours: 72.0,
            time_to_impact_hours: 1.5,
            recovery_hours: Some(24.0),
            created_at: at + time::Duration::minutes(minutes),
        };
    let sorted = |mut v: Vec<Dependency>| {
        v.sort_by_key(|d| d.id.to_string());
        v
    };

    // Dependencies come back as committed, each commit growing the generation by one.
    let start = b.infra_generation().await.expect("generation");
    let d1 = dependency("DEU", plant, hospital, Commodity::Electricity, 0);
    let d2 = Dependency {
        dep_type: DependencyType::Cyber,
        group: None,
        k: None,
        recovery_hours: None,
        share: 1.0,
        ..dependency("DEU", pump, hospital, Commodity::Water, 1)
    };
    assert!(commit(Change::InfraDependencies { new: vec![d1.clone(), d2.clone()], removed: vec![] }).await);
    let (generation, all) = b.infra_dependencies().await.expect("dependencies");
    assert_eq!(generation, start + 1);
    assert_eq!(sorted(all), sorted(vec![d1.clone(), d2.clone()]));
    let d3 = dependency("FRA", plant, pump, Commodity::Electricity, 2);
    assert!(commit(Change::InfraDependencies { new: vec![d3.clone()], removed: vec![] }).await);
    let (generation, all) = b.infra_dependencies().await.expect("dependencies");
    assert_eq!(generation, start + 2);
    assert_eq!(sorted(all), sorted(vec![d1.clone(), d2.clone(), d3.clone()]));
    assert_eq!(b.infra_generation().await.expect("generation"), start + 2);
    assert_eq!(b.infra_dependency(&d2.id).await.expect("one"), Some(d2.clone()));
    assert_eq!(b.infra_dependency(&DependencyId::generate()).await.expect("none"), None);

    // The same need declared twice (two declarations racing past the
    // service's check) is a conflict, and nothing of that commit is kept.
    let twice = Dependency { id: DependencyId::generate(), ..d3.clone() };
    let other = dependency("FRA", hospital, plant, Commodity::Telecom, 3);
    let refused = b
        .commit(
            Change::InfraDependencies { new: vec![other.clone(), twice], removed: vec![] },
            vec![],
            Effects::default(),
        )
        .await;
    assert!(matches!(refused, Err(tocsin_store::StoreError::Conflict(_))), "{refused:?}");
    assert_eq!(b.infra_dependency(&other.id).await.expect("none"), None);
    assert_eq!(b.infra_generation().await.expect("generation"), start + 2);

    // Withdrawn: gone, and the generation grows.
    assert!(commit(Change::InfraDependencies { new: vec![], removed: vec![d2.id] }).await);
    assert_eq!(b.infra_dependency(&d2.id).await.expect("gone"), None);
    let (generation, all) = b.infra_dependencies().await.expect("dependencies");
    assert_eq!(generation, start + 3);
    assert_eq!(sorted(all), sorted(vec![d1.clone(), d3.clone()]));

    // Watches: listed by agency and for all, oldest first.
    let watch = |id: &str, agency: &str, asset: RecordId, minutes: i64| InfraWatchRow {
        id: id.to_owned(),
        agency: code(agency),
        asset,
        created_at: at + time::Duration::minutes(minutes),
        body: format!(r#"{{"asset": "{asset}"}}"#),
        state: r#"{"live": true}"#.to_owned(),
        version: 0,
    };
    let (w1, w2) = (watch("w1", "FRA", hospital, 0), watch("w2", "DEU", plant, 1));
    assert!(commit(Change::InfraWatch(w1.clone())).await);
    assert!(commit(Change::InfraWatch(w2.clone())).await);
    assert_eq!(b.infra_watches(Some(&code("FRA"))).await.expect("FRA"), vec![w1.clone()]);
    assert_eq!(b.infra_watches(Some(&code("GBR"))).await.expect("GBR"), vec![]);
    assert_eq!(b.infra_watches(None).await.expect("all"), vec![w1.clone(), w2.clone()]);

    // A new state applies at the version read, and only there.
    let state = |version: u64, state: &str| {
        Change::InfraWatchState(InfraWatchState { id: "w1".to_owned(), version, state: state.to_owned() })
    };
    assert!(commit(state(w1.version, r#"{"live": false}"#)).await, "at the version read");
    let changed = InfraWatchRow { state: r#"{"live": false}"#.to_owned(), version: w1.version + 1, ..w1.clone() };
    assert_eq!(b.infra_watches(Some(&code("FRA"))).await.expect("FRA"), vec![changed.clone()]);
    assert!(!commit(state(w1.version, r#"{"live": true}"#)).await, "a stale version is refused");
    assert_eq!(b.infra_watches(Some(&code("FRA"))).await.expect("FRA"), vec![changed.clone()], "nothing changed");

    // Withdrawn by its own agency only.
    let unwatch = |agency: &str| Change::InfraUnwatch { id: "w1".to_owned(), agency: code(agency) };
    assert!(!commit(unwatch("DEU")).await, "another agency's watch");
    assert_eq!(b.infra_watches(None).await.expect("all"), vec![changed, w2.clone()]);
    assert!(commit(unwatch("FRA")).await);
    assert_eq!(b.infra_watches(None).await.expect("all"), vec![w2]);
    assert!(!commit(unwatch("FRA")).await, "once");
    assert_eq!(b.infra_generation().await.expect("generation"), start + 3, "watches leave the generation alone");
}

pub(crate) async fn units_are_kept_and_suspended_once(b: Arc<dyn Backend>) {
    agency(&*b, "FRA").await;
    let now = OffsetDateTime::now_utc();
    let unit = tocsin_store::UnitRow {
        agency: code("FRA"),
        code: "PAF-CDG".into(),
        name: "Roissy".into(),
        rights: r#"{"screen":["travel_document"]}"#.into(),
        created_at: now,
        suspended_at: None,
    };
    let put = |u: &tocsin_store::UnitRow| Change::Unit(u.clone());
    assert!(b.commit(put(&unit), vec![], Effects::default()).await.expect("unit").applied);
    let again = b.commit(put(&unit), vec![], Effects::default()).await;
    assert!(matches!(again, Err(StoreError::AlreadyExists(_))), "{again:?}");
    assert_eq!(b.unit(&code("FRA"), "PAF-CDG").await.expect("read"), Some(unit.clone()));
    assert_eq!(b.unit(&code("DEU"), "PAF-CDG").await.expect("read"), None);
    let suspend =
        |at: Option<OffsetDateTime>| Change::UnitSuspension { agency: code("FRA"), code: "PAF-CDG".into(), at };
    assert!(b.commit(suspend(Some(now)), vec![], Effects::default()).await.expect("suspend").applied);
    assert!(!b.commit(suspend(Some(now)), vec![], Effects::default()).await.expect("twice").applied);
    let units = b.units(&code("FRA")).await.expect("list");
    assert_eq!(units.len(), 1);
    assert!(units[0].suspended_at.is_some());
    assert!(b.commit(suspend(None), vec![], Effects::default()).await.expect("resume").applied);
    assert_eq!(b.unit(&code("FRA"), "PAF-CDG").await.expect("read").and_then(|u| u.suspended_at), None);
}

pub(crate) async fn messages_are_routed_with_their_receipts(b: Arc<dyn Backend>) {
    use tocsin_core::message::{DiffusionKind, Level, Reference, ReferenceKind};
    use tocsin_store::{AgencyKeyRow, MessageFilter, MessageRow, ReceiptKind};
    for a in ["FRA", "DEU", "ITA"] {
        agency(&*b, a).await;
    }
    let now = OffsetDateTime::now_utc();
    let key = |fp: &str, at: OffsetDateTime| AgencyKeyRow {
        fingerprint: fp.into(),
        agency: code("DEU"),
        encryption: "age1x".into(),
        verification: "00".into(),
        created_at: at,
        retired_at: None,
    };
    b.commit(Change::AgencyKey(key("k1", now)), vec![], Effects::default()).await.expect("key");
    let later = now + time::Duration::seconds(1);
    b.commit(Change::AgencyKey(key("k2", later)), vec![], Effects::default()).await.expect("rotated");
    let dup = b.commit(Change::AgencyKey(key("k2", later)), vec![], Effects::default()).await;
    assert!(matches!(dup, Err(StoreError::Conflict(_))), "{dup:?}");
    let keys = b.agency_keys(Some(&code("DEU"))).await.expect("keys");
    let state: Vec<(&str, bool)> = keys.iter().map(|k| (k.fingerprint.as_str(), k.retired_at.is_some())).collect();
    assert_eq!(state, [("k1", true), ("k2", false)], "a new key retires the current one");

    let record = RecordId::generate();
    let row = |id: &str, diffusion: Option<DiffusionKind>| MessageRow {
        id: id.into(),
        sender: code("FRA"),
        thread: id.into(),
        reply_to: None,
        diffusion,
        level: Level::Restricted,
        references: vec![Reference { kind: ReferenceKind::Record, id: record.to_string() }],
        sent_at: now,
        received_at: now,
        meta: "{}".into(),
        envelope: "{}".into(),
        review: None,
    };
    let send = |m: MessageRow| Change::Message { row: m, recipients: vec![code("DEU"), code("ITA")] };
    b.commit(send(row("m1", None)), vec![], Effects::default()).await.expect("m1");
    b.commit(send(row("m2", Some(DiffusionKind::Wanted))), vec![], Effects::default()).await.expect("m2");
    let replay = b.commit(send(row("m1", None)), vec![], Effects::default()).await;
    assert!(matches!(replay, Err(StoreError::Conflict(_))), "{replay:?}");
    let (m, to) = b.message("m2").await.expect("read").expect("there");
    assert_eq!((m.level, m.diffusion, m.references.len()), (Level::Restricted, Some(DiffusionKind::Wanted), 1));
    assert_eq!(to.iter().map(|d| d.agency).collect::<Vec<_>>(), [code("DEU"), code("ITA")]);

    let receipt = |kind| Change::Receipt { message: "m1".into(), agency: code("DEU"), kind, at: now };
    assert!(b.commit(receipt(ReceiptKind::Read), vec![], Effects::default()).await.expect("read").applied);
    assert!(!b.commit(receipt(ReceiptKind::Read), vec![], Effects::default()).await.expect("again").applied);
    let outsider = Change::Receipt { message: "m1".into(), agency: code("FRA"), kind: ReceiptKind::Read, at: now };
    assert!(!b.commit(outsider, vec![], Effects::default()).await.expect("not a recipient").applied);
    let (_, to) = b.message("m1").await.expect("read").expect("there");
    let deu = to.iter().find(|d| d.agency == code("DEU")).expect("DEU");
    assert!(deu.read_at.is_some() && deu.delivered_at.is_some(), "reading implies delivery");

    let filter = |recipient: Option<&str>, diffusions: bool| MessageFilter {
        sender: None,
        recipient: recipient.map(code),
        party: None,
        diffusions,
        clearance: Level::TOP,
        thread: None,
        before: None,
        limit: 10,
    };
    let ids = |rows: Vec<(MessageRow, Vec<tocsin_store::DeliveryRow>)>| {
        rows.into_iter().map(|(m, _)| m.id).collect::<Vec<_>>()
    };
    assert_eq!(ids(b.messages(&filter(Some("ITA"), false)).await.expect("in")), ["m2", "m1"]);
    assert_eq!(ids(b.messages(&filter(Some("FRA"), false)).await.expect("in")), Vec::<String>::new());
    assert_eq!(ids(b.messages(&filter(None, true)).await.expect("diffusions")), ["m2"]);
    let below = MessageFilter { clearance: Level::OfficialUseOnly, ..filter(Some("ITA"), false) };
    assert!(ids(b.messages(&below).await.expect("in")).is_empty(), "restricted messages, below their level");
    let on = b.diffusions_on(&code("ITA"), DiffusionKind::Wanted, &[record.to_string()]).await.expect("on");
    assert_eq!(
        on.iter().map(|(r, m)| (r.clone(), m.id.clone())).collect::<Vec<_>>(),
        [(record.to_string(), "m2".to_owned())]
    );
    assert!(b.diffusions_on(&code("FRA"), DiffusionKind::Wanted, &[record.to_string()]).await.expect("on").is_empty());
    let review = Change::Review { message: "m1".into(), review: "{}".into() };
    assert!(!b.commit(review, vec![], Effects::default()).await.expect("not a diffusion").applied);
}
