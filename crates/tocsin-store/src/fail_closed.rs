//! The audit fails closed: a call whose audit entry cannot be written
//! fails, and stores nothing. Checked with a backend that refuses every
//! write carrying an entry once told to.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;
use time::{Date, OffsetDateTime};
use tocsin_audit::{Draft, Entry, Head};
use tocsin_core::AgencyCode;
use tocsin_core::access::Viewer;
use tocsin_core::event::Event;
use tocsin_core::hit::{Dismissal, Hit, HitId, HitMessage};
use tocsin_core::notice::{Notice, NoticeId};
use tocsin_core::record::{Record, RecordId, RecordInput};
use tocsin_core::watch::Watch;

use crate::backend::{
    ActivityBackend, Agency, AgencyBackend, AgencySettings, AuditBackend, AuditFilter, AuditViewQuery, Backend, Change,
    Commit, Committed, Effects, EventBackend, HitBackend, HitCount, HitFilter, Lease, NoticeBackend, NoticeFilter,
    RecordBackend, RecordPageQuery, TokenRow, WatchBackend,
};
use crate::{Actor, SqliteBackend, Store, StoreError};

/// The embedded backend, whose audit appends fail while `failing` is set.
struct FailingAudit {
    inner: Arc<dyn Backend>,
    failing: AtomicBool,
}

impl FailingAudit {
    fn refuse(&self, drafts: &[Draft]) -> Result<(), StoreError> {
        match self.failing.load(Ordering::SeqCst) && !drafts.is_empty() {
            true => Err(StoreError::Unavailable("the audit log cannot be written (test)".into())),
            false => Ok(()),
        }
    }
}

#[async_trait]
impl Commit for FailingAudit {
    async fn commit(&self, change: Change, drafts: Vec<Draft>, effects: Effects) -> Result<Committed, StoreError> {
        self.refuse(&drafts)?;
        self.inner.commit(change, drafts, effects).await
    }
}

#[async_trait]
impl AgencyBackend for FailingAudit {
    async fn agency(&self, code: &AgencyCode) -> Result<Option<Agency>, StoreError> {
        self.inner.agency(code).await
    }
    async fn agencies(&self) -> Result<Vec<Agency>, StoreError> {
        self.inner.agencies().await
    }
    async fn settings(&self, code: &AgencyCode) -> Result<AgencySettings, StoreError> {
        self.inner.settings(code).await
    }
    async fn token_by_hash(&self, hash: &str) -> Result<Option<TokenRow>, StoreError> {
        self.inner.token_by_hash(hash).await
    }
    async fn token(&self, id: &str) -> Result<Option<TokenRow>, StoreError> {
        self.inner.token(id).await
    }
    async fn tokens(&self, agency: Option<&AgencyCode>) -> Result<Vec<TokenRow>, StoreError> {
        self.inner.tokens(agency).await
    }
    async fn unit(&self, agency: &AgencyCode, code: &str) -> Result<Option<crate::backend::UnitRow>, StoreError> {
        self.inner.unit(agency, code).await
    }
    async fn units(&self, agency: &AgencyCode) -> Result<Vec<crate::backend::UnitRow>, StoreError> {
        self.inner.units(agency).await
    }
}

#[async_trait]
impl RecordBackend for FailingAudit {
    async fn records_from_source(&self, owner: &AgencyCode, list: &str) -> Result<Vec<Record>, StoreError> {
        self.inner.records_from_source(owner, list).await
    }
    async fn record(&self, id: &RecordId) -> Result<Option<Record>, StoreError> {
        self.inner.record(id).await
    }
    async fn records(&self, ids: &[RecordId]) -> Result<Vec<Record>, StoreError> {
        self.inner.records(ids).await
    }
    async fn record_page(&self, query: &RecordPageQuery) -> Result<Vec<Record>, StoreError> {
        self.inner.record_page(query).await
    }
    async fn record_count(&self) -> Result<u64, StoreError> {
        self.inner.record_count().await
    }
}

#[async_trait]
impl HitBackend for FailingAudit {
    async fn hit(&self, id: &HitId) -> Result<Option<Hit>, StoreError> {
        self.inner.hit(id).await
    }
    async fn hits(&self, filter: &HitFilter) -> Result<Vec<Hit>, StoreError> {
        self.inner.hits(filter).await
    }
    async fn hit_messages(&self, id: &HitId) -> Result<Vec<HitMessage>, StoreError> {
        self.inner.hit_messages(id).await
    }
    async fn dismissals(&self, now: OffsetDateTime) -> Result<Vec<Dismissal>, StoreError> {
        self.inner.dismissals(now).await
    }
}

#[async_trait]
impl WatchBackend for FailingAudit {
    async fn watches(&self) -> Result<Vec<Watch>, StoreError> {
        self.inner.watches().await
    }
}

#[async_trait]
impl NoticeBackend for FailingAudit {
    async fn reserve_entity_numbers(&self, year: i32, count: u32) -> Result<u32, StoreError> {
        self.inner.reserve_entity_numbers(year, count).await
    }
    async fn reminders(&self, items: &[String]) -> Result<Vec<(String, Date)>, StoreError> {
        self.inner.reminders(items).await
    }
    async fn notice(&self, id: &NoticeId) -> Result<Option<Notice>, StoreError> {
        self.inner.notice(id).await
    }
    async fn notices(&self, filter: &NoticeFilter) -> Result<Vec<Notice>, StoreError> {
        self.inner.notices(filter).await
    }
}

#[async_trait]
impl EventBackend for FailingAudit {
    async fn events(&self, viewer: Option<&Viewer>, after: u64, limit: u32) -> Result<Vec<Event>, StoreError> {
        self.inner.events(viewer, after, limit).await
    }
    async fn last_event_number(&self, viewer: &Viewer) -> Result<u64, StoreError> {
        self.inner.last_event_number(viewer).await
    }
    async fn last_event(&self) -> Result<u64, StoreError> {
        self.inner.last_event().await
    }
    async fn prune_events(&self, before: OffsetDateTime, limit: u32) -> Result<u64, StoreError> {
        self.inner.prune_events(before, limit).await
    }
    async fn outbox_put(&self, body: &str, at: OffsetDateTime) -> Result<u64, StoreError> {
        self.inner.outbox_put(body, at).await
    }
    async fn outbox_done(&self, ids: &[u64]) -> Result<(), StoreError> {
        self.inner.outbox_done(ids).await
    }
    async fn outbox_older(&self, before: OffsetDateTime, limit: u32) -> Result<Vec<(u64, String)>, StoreError> {
        self.inner.outbox_older(before, limit).await
    }
}

#[async_trait]
impl AuditBackend for FailingAudit {
    async fn append_batch(&self, drafts: Vec<Draft>, effects: Effects) -> Result<(Vec<Entry>, Vec<Event>), StoreError> {
        self.refuse(&drafts)?;
        self.inner.append_batch(drafts, effects).await
    }
    async fn audit_entries(&self, filter: &AuditFilter) -> Result<Vec<Entry>, StoreError> {
        self.inner.audit_entries(filter).await
    }
    async fn audit_view(&self, query: &AuditViewQuery) -> Result<Vec<(u64, Entry)>, StoreError> {
        self.inner.audit_view(query).await
    }
    async fn audit_head(&self) -> Result<Head, StoreError> {
        self.inner.audit_head().await
    }
}

#[async_trait]
impl ActivityBackend for FailingAudit {
    async fn searches_per_hour(
        &self,
        agency: &AgencyCode,
        start: &str,
        end: &str,
    ) -> Result<Vec<(String, u64)>, StoreError> {
        self.inner.searches_per_hour(agency, start, end).await
    }
    async fn hits_per_hour(&self, viewer: &Viewer, start: &str, end: &str) -> Result<Vec<HitCount>, StoreError> {
        self.inner.hits_per_hour(viewer, start, end).await
    }
}

#[async_trait]
impl crate::EdgeBackend for FailingAudit {
    async fn edge(&self, agency: &AgencyCode, name: &str) -> Result<Option<crate::EdgeRow>, StoreError> {
        self.inner.edge(agency, name).await
    }
    async fn edges(&self, agency: Option<&AgencyCode>) -> Result<Vec<crate::EdgeRow>, StoreError> {
        self.inner.edges(agency).await
    }
    async fn edge_version(
        &self,
        agency: &AgencyCode,
        name: &str,
        version: u64,
    ) -> Result<Option<crate::EdgeVersion>, StoreError> {
        self.inner.edge_version(agency, name, version).await
    }
    async fn edge_held(
        &self,
        agency: &AgencyCode,
        name: &str,
        version: u64,
        ids: &[RecordId],
    ) -> Result<Vec<(RecordId, u64)>, StoreError> {
        self.inner.edge_held(agency, name, version, ids).await
    }
    async fn records_changed(
        &self,
        from: u64,
        after: Option<(u64, RecordId)>,
        limit: u32,
    ) -> Result<Vec<(u64, Record)>, StoreError> {
        self.inner.records_changed(from, after, limit).await
    }
    async fn count_changed(&self, from: u64) -> Result<u64, StoreError> {
        self.inner.count_changed(from).await
    }
    async fn change_marks(&self) -> Result<(u64, u64), StoreError> {
        self.inner.change_marks().await
    }
    async fn notice_records_changed(&self, from: u64) -> Result<Vec<RecordId>, StoreError> {
        self.inner.notice_records_changed(from).await
    }
    async fn edge_audit(
        &self,
        agency: &AgencyCode,
        name: &str,
        after: u64,
        limit: u32,
    ) -> Result<Vec<(Entry, bool)>, StoreError> {
        self.inner.edge_audit(agency, name, after, limit).await
    }
    async fn edge_unhandled(&self, agency: &AgencyCode, name: &str, limit: u32) -> Result<Vec<Entry>, StoreError> {
        self.inner.edge_unhandled(agency, name, limit).await
    }
    async fn edge_audit_head(&self, agency: &AgencyCode, name: &str) -> Result<Option<(u64, String)>, StoreError> {
        self.inner.edge_audit_head(agency, name).await
    }
    async fn replica_state(&self) -> Result<Option<String>, StoreError> {
        self.inner.replica_state().await
    }
    async fn replica_notices(&self) -> Result<Vec<(RecordId, String)>, StoreError> {
        self.inner.replica_notices().await
    }
    async fn erase_freed(&self) -> Result<(), StoreError> {
        self.inner.erase_freed().await
    }
}

#[async_trait]
impl crate::IntelBackend for FailingAudit {
    async fn intel_collections(&self) -> Result<Vec<crate::IntelCollection>, StoreError> {
        self.inner.intel_collections().await
    }
    async fn intel_page(&self, query: &crate::IntelQuery) -> Result<Vec<crate::IntelVersion>, StoreError> {
        self.inner.intel_page(query).await
    }
    async fn intel_by_seq(&self, seqs: &[u64]) -> Result<Vec<crate::IntelVersion>, StoreError> {
        self.inner.intel_by_seq(seqs).await
    }
    async fn intel_observables(&self, after_seq: u64, limit: u32) -> Result<Vec<(u64, String, String)>, StoreError> {
        self.inner.intel_observables(after_seq, limit).await
    }
    async fn intel_status(&self, id: &str) -> Result<Option<(AgencyCode, String)>, StoreError> {
        self.inner.intel_status(id).await
    }

    async fn intel_stating(&self, observables: &[(String, String)]) -> Result<Vec<(u64, String, String)>, StoreError> {
        self.inner.intel_stating(observables).await
    }

    async fn intel_latest(
        &self,
        collection: &str,
        ids: &[String],
    ) -> Result<Vec<(AgencyCode, String, String)>, StoreError> {
        self.inner.intel_latest(collection, ids).await
    }

    async fn intel_sightings(
        &self,
        agency: &AgencyCode,
        limit: u32,
    ) -> Result<Vec<tocsin_core::event::Event>, StoreError> {
        self.inner.intel_sightings(agency, limit).await
    }
}

#[async_trait]
impl crate::BioBackend for FailingAudit {
    async fn bio_attachment(&self, record: &RecordId, n: u32) -> Result<Option<Vec<u8>>, StoreError> {
        self.inner.bio_attachment(record, n).await
    }
    async fn bio_candidates(&self, search: &str) -> Result<Vec<crate::BioCandidateRow>, StoreError> {
        self.inner.bio_candidates(search).await
    }
    async fn bio_candidates_for(
        &self,
        agency: &AgencyCode,
        pending_only: bool,
        limit: u32,
    ) -> Result<Vec<crate::BioCandidateRow>, StoreError> {
        self.inner.bio_candidates_for(agency, pending_only, limit).await
    }
}

#[async_trait]
impl crate::InfraBackend for FailingAudit {
    async fn infra_dependencies(&self) -> Result<(u64, Vec<tocsin_core::asset::Dependency>), StoreError> {
        self.inner.infra_dependencies().await
    }
    async fn infra_generation(&self) -> Result<u64, StoreError> {
        self.inner.infra_generation().await
    }
    async fn infra_dependency(
        &self,
        id: &tocsin_core::asset::DependencyId,
    ) -> Result<Option<tocsin_core::asset::Dependency>, StoreError> {
        self.inner.infra_dependency(id).await
    }
    async fn infra_watches(&self, agency: Option<&AgencyCode>) -> Result<Vec<crate::InfraWatchRow>, StoreError> {
        self.inner.infra_watches(agency).await
    }
}

#[async_trait]
impl crate::MessageBackend for FailingAudit {
    async fn agency_keys(&self, agency: Option<&AgencyCode>) -> Result<Vec<crate::AgencyKeyRow>, StoreError> {
        self.inner.agency_keys(agency).await
    }
    async fn message(&self, id: &str) -> Result<Option<(crate::MessageRow, Vec<crate::DeliveryRow>)>, StoreError> {
        self.inner.message(id).await
    }
    async fn messages(
        &self,
        filter: &crate::MessageFilter,
    ) -> Result<Vec<(crate::MessageRow, Vec<crate::DeliveryRow>)>, StoreError> {
        self.inner.messages(filter).await
    }
    async fn diffusions_on(
        &self,
        agency: &AgencyCode,
        kind: tocsin_core::message::DiffusionKind,
        records: &[String],
    ) -> Result<Vec<(String, crate::MessageRow)>, StoreError> {
        self.inner.diffusions_on(agency, kind, records).await
    }
}

#[async_trait]
impl Backend for FailingAudit {
    async fn maintenance_lease(&self) -> Result<Option<Lease>, StoreError> {
        self.inner.maintenance_lease().await
    }
    async fn snapshot(&self, into: &std::path::Path) -> Result<(), StoreError> {
        self.inner.snapshot(into).await
    }
}

fn person(name: &str) -> RecordInput {
    let json = serde_json::json!({
        "kind": "person", "names": [{"full": name}], "handling": {"code": "inform"}, "access": {"mode": "all"},
    });
    serde_json::from_value(json).expect("a record")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_whose_audit_entry_cannot_be_written_fails_and_stores_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let inner: Arc<dyn Backend> = Arc::new(SqliteBackend::open(&dir.path().join("data"), true).await.expect("open"));
    let backend = Arc::new(FailingAudit { inner, failing: AtomicBool::new(false) });
    let store = Store::new(backend.clone());
    let fra = AgencyCode::parse("FRA").expect("FRA");
    store.add_agency(&Actor::operator(fra), fra, "France").await.expect("agency");
    let admin = Actor::new(fra, "alice", tocsin_core::auth::Role::Admin, None);
    let kept = store.create_record(&admin, person("Ivan Petrov")).await.expect("a record while the log works");
    let (records, head) = (backend.record_count().await.expect("count"), backend.audit_head().await.expect("head"));

    backend.failing.store(true, Ordering::SeqCst);
    let read = store.get_record(&admin, kept.id).await;
    assert!(read.is_err(), "a read whose entry cannot be written is refused: {read:?}");
    let created = store.create_record(&admin, person("Olga Sidorova")).await;
    assert!(created.is_err(), "a write whose entry cannot be written fails: {created:?}");
    let listed = store.agencies().await.map(|a| a.len());
    assert_eq!(listed.ok(), Some(1), "what writes no entry still works (the operator's list of agencies)");
    assert_eq!(backend.record_count().await.expect("count"), records, "nothing stored");
    assert_eq!(backend.audit_head().await.expect("head"), head, "no entry either");

    backend.failing.store(false, Ordering::SeqCst);
    assert_eq!(store.get_record(&admin, kept.id).await.expect("read again").id, kept.id);
}
