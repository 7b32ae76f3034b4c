//! Screening in the store, without a server: what the searcher is shown,
//! what the owners of the rest are told silently, and what no longer
//! matches. The end-to-end suite checks the same over HTTP; these run in
//! seconds, so mutation testing can use them.

use time::Duration;
use tocsin_core::auth::Role;
use tocsin_core::hit::HitStatus;

use crate::ScreenContext;
use crate::backend::{AuditBackend, AuditFilter};
use crate::testing::{Fixture, actor, agency, query};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_screening_shows_what_the_searcher_may_see_and_tells_the_owners_of_the_rest_silently() {
    let f = Fixture::new().await;
    let (shared, hidden) = f.benali().await;
    let store = &f.store;

    let fra = actor("FRA", Role::Officer);
    let screened = store.screen(&fra, query("Karim Benali"), ScreenContext::default()).await.expect("screen");
    assert_eq!(screened.len(), 1, "only what FRA may see: {screened:?}");
    assert_eq!(screened[0].record.id, shared);
    let shown_hit = screened[0].hit_id.expect("a match above the threshold is a hit");

    // FRA sees its own hit, and nothing of DEU's silent ones.
    assert_eq!(f.hits_of("FRA").await.iter().map(|h| h.id).collect::<Vec<_>>(), [shown_hit]);
    // DEU, the owner, has one silent hit per hidden record.
    let deu_hits = f.hits_of("DEU").await;
    assert_eq!(deu_hits.len(), 2, "{deu_hits:?}");
    for h in &deu_hits {
        assert!(h.silent && h.searcher == agency("FRA") && hidden.contains(&h.record_id), "{h:?}");
    }

    // One `hit.silent` entry in DEU's name names both hits and both records.
    let filter = AuditFilter { after_seq: 0, limit: 1000, agency: Some(agency("DEU")), object: None };
    let entries = f.backend.audit_entries(&filter).await.expect("DEU's entries");
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
    assert_eq!(f.hits_of("DEU").await.len(), 2, "no new silent hit");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hit_marked_false_positive_holds_back_new_hits_on_that_subject_and_record_even_after_a_restart() {
    let f = Fixture::new().await;
    let (shared, hidden) = f.benali().await;
    let store = &f.store;
    let fra = actor("FRA", Role::Officer);
    let context = || ScreenContext { request: serde_json::json!({"name": "Karim Benali"}), ..ScreenContext::default() };
    store.screen(&fra, query("Karim Benali"), context()).await.expect("screen");

    // ITA acknowledges its hit and FRA marks it a false positive; DEU does
    // the same with one of its silent hits (the owner of a silent hit makes
    // every move).
    let shown = f.hits_of("FRA").await.remove(0);
    store.set_hit_status(&actor("ITA", Role::Officer), shown.id, HitStatus::Acknowledged).await.expect("ack");
    store.set_hit_status(&fra, shown.id, HitStatus::FalsePositive).await.expect("false positive");
    let silent = f.hits_of("DEU").await.into_iter().find(|h| h.record_id == hidden[0]).expect("a silent hit");
    let deu = actor("DEU", Role::Officer);
    store.set_hit_status(&deu, silent.id, HitStatus::Acknowledged).await.expect("ack");
    store.set_hit_status(&deu, silent.id, HitStatus::FalsePositive).await.expect("false positive");

    for store in [&f.store, &f.reopen().await] {
        let (fra_before, deu_before) = (f.hits_of("FRA").await.len(), f.hits_of("DEU").await.len());
        let screened = store.screen(&fra, query("Karim Benali"), context()).await.expect("screen");
        // Still shown, marked as dismissed, and no new hit.
        assert_eq!(screened.len(), 1, "{screened:?}");
        assert_eq!(screened[0].record.id, shared);
        assert_eq!(screened[0].dismissed.as_ref().map(|d| d.hit_id), Some(shown.id));
        assert_eq!(screened[0].hit_id, None);
        assert_eq!(f.hits_of("FRA").await.len(), fra_before);
        // A new silent hit on the other hidden record only.
        let deu_after = f.hits_of("DEU").await;
        assert_eq!(deu_after.len(), deu_before + 1, "{deu_after:?}");
        assert_eq!(deu_after[0].record_id, hidden[1]);
    }

    // Another subject is another screening: hits again, shown and silent.
    let other = ScreenContext { request: serde_json::json!({"name": "Karim Ben Ali"}), ..ScreenContext::default() };
    let (fra_before, deu_before) = (f.hits_of("FRA").await.len(), f.hits_of("DEU").await.len());
    let screened = store.screen(&fra, query("Karim Ben Ali"), other).await.expect("screen");
    assert!(screened[0].dismissed.is_none() && screened[0].hit_id.is_some(), "{screened:?}");
    assert_eq!(f.hits_of("FRA").await.len(), fra_before + 1);
    assert_eq!(f.hits_of("DEU").await.len(), deu_before + 2);
}

// The side-channel claim: the operator's metrics count hits, shown and
// silent alike, and no metric's name or label tells a silent one apart.
#[test]
fn the_metrics_count_shown_and_silent_hits_alike_and_name_neither() {
    use metrics_util::debugging::{DebugValue, DebuggingRecorder};

    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    // The recorder is this thread's, so the store runs on it alone.
    metrics::with_local_recorder(&recorder, || {
        runtime.block_on(async {
            let f = Fixture::new().await;
            f.benali().await;
            let fra = actor("FRA", Role::Officer);
            f.store.screen(&fra, query("Karim Benali"), ScreenContext::default()).await.expect("screen");
            assert_eq!((f.hits_of("FRA").await.len(), f.hits_of("DEU").await.len()), (1, 2));
        })
    });
    let metrics = snapshotter.snapshot().into_vec();
    let hits: Vec<_> = metrics.iter().filter(|(key, ..)| key.key().name() == "tocsin_hits_total").collect();
    assert_eq!(hits.len(), 1, "one series, without labels: {hits:?}");
    assert!(matches!(hits[0].3, DebugValue::Counter(3)), "one shown and two silent: {hits:?}");
    for (key, ..) in &metrics {
        let key = key.key();
        let text = std::iter::once(key.name().to_owned())
            .chain(key.labels().map(|l| format!("{}={}", l.key(), l.value())))
            .collect::<Vec<_>>()
            .join(" ");
        assert!(!text.contains("silent"), "{text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_raised_above_a_clearance_takes_its_hits_and_watches_out_of_that_clearances_sight() {
    use tocsin_core::level::Level;

    use crate::{StoreError, WatchInput};

    let f = Fixture::new().await;
    let (shared, _) = f.benali().await;
    let store = &f.store;
    let fra = actor("FRA", Role::Officer);
    let first = store.screen(&fra, query("Karim Benali"), ScreenContext::default()).await.expect("screen");
    let hit = first[0].hit_id.expect("a hit");
    let input = WatchInput { record_id: Some(shared), criteria: None, note: None };
    let watch = store.create_watch(&fra, input).await.expect("watch");

    // ITA, the owner, raises its record to restricted.
    let ita = actor("ITA", Role::Admin);
    let version = store.get_record(&ita, shared).await.expect("read").version;
    let mut raised = crate::testing::person("Karim Benali", serde_json::json!({"mode": "all"}));
    (raised.level, raised.version) = (Some(Level::Restricted), Some(version));
    assert_eq!(store.update_record(&ita, shared, raised).await.expect("raised").data.level, Level::Restricted);

    let low = fra.clone().cleared(Level::OfficialUseOnly);
    let high = fra.clone().cleared(Level::Restricted);
    // The record, and the hit made on it before: gone for the lower
    // clearance, as if they had never been; there for the higher.
    assert!(matches!(store.get_record(&low, shared).await, Err(StoreError::NotFound(_))));
    assert!(matches!(store.hit(&low, hit).await, Err(StoreError::NotFound(_))));
    let listed = |a| async move {
        let all = crate::HitQuery { limit: 100, ..crate::HitQuery::default() };
        store.hits(a, all).await.expect("hits").items.iter().map(|h| h.id).collect::<Vec<_>>()
    };
    assert_eq!(listed(&low).await, vec![]);
    assert_eq!(listed(&high).await, vec![hit]);
    assert_eq!(store.hit(&high, hit).await.expect("hit").level, Level::Restricted);
    // Its watch too: not listed, and not deleted by one who cannot see it.
    assert!(store.watches(&low).await.expect("watches").is_empty());
    assert!(matches!(store.delete_watch(&low, watch.id).await, Err(StoreError::NotFound(_))));
    assert_eq!(store.watches(&high).await.expect("watches").len(), 1);
    // Screened again: shown to the higher clearance, a silent hit for the
    // owner from the lower.
    let again = store.screen(&low, query("Karim Benali"), ScreenContext::default()).await.expect("screen");
    assert!(again.iter().all(|s| s.record.id != shared), "{again:?}");
    let seen = store.screen(&high, query("Karim Benali"), ScreenContext::default()).await.expect("screen");
    assert!(seen.iter().any(|s| s.record.id == shared));
    assert!(f.hits_of("ITA").await.iter().any(|h| h.silent && h.searcher == agency("FRA") && h.record_id == shared));
}
