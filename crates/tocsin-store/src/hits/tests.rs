//! Hits in the store, without a server: who may see one (an unseen hit
//! answers as one that does not exist, on every call that takes its id),
//! who may move it along the workflow, what each side is told, and the
//! messages on it.

use tocsin_core::access::Viewer;
use tocsin_core::auth::Role;
use tocsin_core::event::EventKind;
use tocsin_core::hit::{Hit, HitId, HitStatus, MESSAGE_CHARS};
use tocsin_core::level::Level;

use std::time::Duration;

use crate::backend::{AuditBackend, AuditFilter, EventBackend};
use crate::testing::{Fixture, actor, agency, query};
use crate::{HitQuery, ScreenContext, Store, StoreError};

/// FRA's screening of "Karim Benali": ITA's shown hit and one of DEU's
/// silent ones.
async fn screened() -> (Fixture, Hit, Hit) {
    let f = Fixture::new().await;
    f.benali().await;
    f.store
        .screen(&actor("FRA", Role::Officer), query("Karim Benali"), ScreenContext::default())
        .await
        .expect("screen");
    let shown = f.hits_of("FRA").await.remove(0);
    let silent = f.hits_of("DEU").await.remove(0);
    (f, shown, silent)
}

/// What each call that takes a hit's id answers `code` about `id`, as
/// text (`Ok` or the error).
async fn answers(store: &Store, code: &str, id: HitId) -> Vec<String> {
    let who = actor(code, Role::Admin);
    let shown = |r: Result<String, StoreError>| match r {
        Ok(_) => "ok".to_owned(),
        Err(e) => format!("{e:?}"),
    };
    vec![
        shown(store.hit(&who, id).await.map(|h| h.id.to_string())),
        shown(store.hit_messages(&who, id).await.map(|m| m.len().to_string())),
        shown(store.post_hit_message(&who, id, "hello".into()).await.map(|m| m.text)),
        shown(store.set_hit_status(&who, id, HitStatus::Acknowledged).await.map(|h| h.id.to_string())),
        shown(store.set_hit_status(&who, id, HitStatus::Confirmed).await.map(|h| h.id.to_string())),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hit_the_agency_may_not_see_answers_exactly_as_one_that_does_not_exist() {
    let (f, shown, silent) = screened().await;
    // DEU is neither side of ITA's hit; FRA searched, but DEU's hit is
    // silent; ITA is neither side of DEU's.
    for (code, hit) in [("DEU", &shown), ("FRA", &silent), ("ITA", &silent)] {
        let unseen = answers(&f.store, code, hit.id).await;
        let missing = HitId::generate();
        let expected: Vec<String> = answers(&f.store, code, missing)
            .await
            .iter()
            .map(|a| a.replace(&missing.to_string(), &hit.id.to_string()))
            .collect();
        assert_eq!(unseen, expected, "{code} on {}", hit.id);
        assert!(unseen.iter().all(|a| a.starts_with("NotFound")), "{unseen:?}");
    }
    // Nothing was changed or posted by the attempts.
    for hit in [&shown, &silent] {
        let owner = actor(hit.owner.as_str(), Role::Officer);
        let now = f.store.hit(&owner, hit.id).await.expect("the owner sees its hit");
        assert_eq!(now.status, HitStatus::New);
        assert!(f.store.hit_messages(&owner, hit.id).await.expect("messages").is_empty());
    }
    // The sides see it.
    assert_eq!(f.store.hit(&actor("FRA", Role::Officer), shown.id).await.expect("searcher").id, shown.id);
    assert_eq!(f.store.hit(&actor("DEU", Role::Officer), silent.id).await.expect("owner").id, silent.id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_side_makes_only_its_own_moves_and_both_are_told_of_each() {
    let (f, shown, silent) = screened().await;
    let (fra, ita) = (actor("FRA", Role::Officer), actor("ITA", Role::Officer));
    let events = |code: &'static str| {
        let backend = f.backend.clone();
        async move {
            let all = backend.events(Some(&Viewer::agency(agency(code))), 0, 1000).await.expect("events");
            all.into_iter().filter(|e| e.kind == EventKind::HitStatus).count()
        }
    };

    // Only the owner acknowledges; the searcher is told which moves it has.
    let err = f.store.set_hit_status(&fra, shown.id, HitStatus::Acknowledged).await.expect_err("the searcher");
    assert!(matches!(&err, StoreError::Conflict(m) if m.ends_with("FRA may move it to: nothing")), "{err:?}");
    assert_eq!(f.store.hit(&ita, shown.id).await.expect("hit").status, HitStatus::New);
    let acked = f.store.set_hit_status(&ita, shown.id, HitStatus::Acknowledged).await.expect("the owner");
    assert_eq!(acked.status, HitStatus::Acknowledged);
    // Either side then confirms; only the searcher acts on it.
    let err = f.store.set_hit_status(&ita, shown.id, HitStatus::Closed).await.expect_err("not yet");
    assert!(matches!(&err, StoreError::Conflict(m) if m.ends_with("confirmed, false_positive")), "{err:?}");
    f.store.set_hit_status(&ita, shown.id, HitStatus::Confirmed).await.expect("the owner confirms");
    let err = f.store.set_hit_status(&ita, shown.id, HitStatus::ActionTaken).await.expect_err("the owner");
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    f.store.set_hit_status(&fra, shown.id, HitStatus::ActionTaken).await.expect("the searcher acts");
    let stored = f.store.hit(&fra, shown.id).await.expect("hit");
    assert_eq!(stored.status, HitStatus::ActionTaken);
    assert!(acked.updated_at > shown.updated_at && stored.updated_at > acked.updated_at);
    // Each move is audited with the move as its purpose.
    let filter = AuditFilter { after_seq: 0, limit: 100, agency: None, object: Some(shown.id.to_string()) };
    let entries = f.backend.audit_entries(&filter).await.expect("entries");
    let moves: Vec<_> = entries
        .iter()
        .filter(|e| e.draft.action == "hit.status" && e.draft.outcome == tocsin_audit::Outcome::Ok)
        .map(|e| (e.draft.agency.as_str(), e.draft.purpose.as_deref()))
        .collect();
    assert_eq!(
        moves,
        [("ITA", Some("status acknowledged")), ("ITA", Some("status confirmed")), ("FRA", Some("status action_taken"))]
    );
    // Three moves, each told to both sides and to no one else.
    assert_eq!((events("FRA").await, events("ITA").await), (3, 3));

    // The owner of a silent hit makes every move, and only it is told.
    let deu = actor("DEU", Role::Officer);
    for to in [HitStatus::Acknowledged, HitStatus::Confirmed, HitStatus::ActionTaken, HitStatus::Closed] {
        assert_eq!(f.store.set_hit_status(&deu, silent.id, to).await.expect("the owner").status, to);
    }
    assert_eq!((events("DEU").await, events("FRA").await), (4, 3));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_on_a_hit_reach_the_other_side_in_order_and_are_checked() {
    let (f, shown, _) = screened().await;
    let (fra, ita) = (actor("FRA", Role::Officer), actor("ITA", Role::Officer));
    let first = f.store.post_hit_message(&fra, shown.id, " Subject held at CDG T2 ".into()).await.expect("FRA");
    let second = f.store.post_hit_message(&ita, shown.id, "Please confirm the birth date".into()).await.expect("ITA");
    assert_eq!((first.seq, second.seq), (1, 2));
    assert_eq!(first.text, "Subject held at CDG T2");
    let read = f.store.hit_messages(&ita, shown.id).await.expect("ITA reads");
    let read: Vec<_> = read.iter().map(|m| (m.seq, m.agency, m.text.as_str())).collect();
    assert_eq!(
        read,
        [(1, agency("FRA"), "Subject held at CDG T2"), (2, agency("ITA"), "Please confirm the birth date")]
    );
    let told = f.backend.events(Some(&Viewer::agency(agency("ITA"))), 0, 1000).await.expect("events");
    assert_eq!(told.iter().filter(|e| e.kind == EventKind::HitMessage).count(), 2);

    let long = "x".repeat(MESSAGE_CHARS + 1);
    let err = f.store.post_hit_message(&fra, shown.id, long).await.expect_err("too long");
    assert!(matches!(&err, StoreError::TooLarge(m) if m.contains(&format!("{}", MESSAGE_CHARS + 1))), "{err:?}");
    assert!(f.store.post_hit_message(&fra, shown.id, "x".repeat(MESSAGE_CHARS)).await.is_ok(), "at the limit");
    let err = f.store.post_hit_message(&fra, shown.id, "  ".into()).await.expect_err("empty");
    assert!(err.to_string().contains("text"), "{err}");
    assert_eq!(f.store.hit_messages(&fra, shown.id).await.expect("FRA reads").len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hit_list_pages_newest_first() {
    let (f, shown, _) = screened().await;
    let fra = actor("FRA", Role::Officer);
    f.store.screen(&fra, query("Karim Benali"), ScreenContext::default()).await.expect("screen again");
    let one = f.store.hits(&fra, HitQuery { limit: 1, ..HitQuery::default() }).await.expect("page 1");
    assert_eq!(one.items.len(), 1);
    assert_eq!(one.next, Some(one.items[0].id.to_string()), "a full page says where the next starts");
    let before = Some(one.items[0].id);
    let two = f.store.hits(&fra, HitQuery { limit: 1, before, ..HitQuery::default() }).await.expect("page 2");
    assert_eq!(two.items.iter().map(|h| h.id).collect::<Vec<_>>(), [shown.id]);
    let all = f.store.hits(&fra, HitQuery { limit: 10, ..HitQuery::default() }).await.expect("all");
    assert_eq!((all.items.len(), all.next), (2, None), "the last page says so");
}

/// The next event, or a failure after a generous wait (the stream must
/// not end or stall).
async fn next(stream: &mut crate::EventStream) -> std::sync::Arc<tocsin_core::event::Event> {
    let next = tokio::time::timeout(Duration::from_secs(60), stream.next()).await;
    next.expect("an event within a minute").expect("the stream goes on").expect("an event")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_stream_catches_up_in_order_past_a_page_then_goes_live_without_repeats() {
    let (f, shown, _) = screened().await;
    let (fra, ita) = (actor("FRA", Role::Officer), actor("ITA", Role::Officer));
    // More events than one catch-up read takes.
    for i in 0..super::CATCH_UP_STEP {
        f.store.post_hit_message(&fra, shown.id, format!("message {i}")).await.expect("message");
    }
    let stored = f.backend.last_event_number(&Viewer::agency(agency("ITA"))).await.expect("last");
    assert!(stored > u64::from(super::CATCH_UP_STEP), "{stored}");

    let mut stream = f.store.subscribe(&ita, Some(0)).await.expect("subscribe");
    // Committed after the subscription, before the catch-up: read from
    // the store and also delivered live, yet handed out once.
    f.store.post_hit_message(&fra, shown.id, "during the catch-up".into()).await.expect("message");
    for n in 1..=stored + 1 {
        assert_eq!(next(&mut stream).await.number(Level::TOP), n);
    }
    f.store.post_hit_message(&fra, shown.id, "live".into()).await.expect("message");
    let live = next(&mut stream).await;
    assert_eq!((live.number(Level::TOP), live.kind), (stored + 2, EventKind::HitMessage));
    assert_eq!(stream.last(), stored + 2);

    // Without a starting point, only what comes next.
    let mut fresh = f.store.subscribe(&ita, None).await.expect("subscribe");
    assert_eq!(fresh.last(), stored + 2);
    f.store.post_hit_message(&fra, shown.id, "after".into()).await.expect("message");
    assert_eq!(next(&mut fresh).await.number(Level::TOP), stored + 3);
}
