//! Biometric search's way into the store ([`Store::biometrics`]), and
//! nothing more: enrolment of biometric records (a record of kind
//! `biometric` with its images, in one transaction), the records a gallery
//! is built from and follows, a search's candidates and the examiners'
//! decisions, which make hits through the hit workflow.
//!
//! Which templates a search scores, and how, is `tocsin-abis`'s job; this
//! module keeps the rules that are the store's: who may enrol (the
//! subject's owner, with `WriteRecords`), who sees a candidate (the owner
//! always, the searcher only if it may see the record), who decides
//! (an examiner of either), and what the audit log holds (never a
//! template).

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use tocsin_audit::Outcome;
use tocsin_core::access::{Viewer, may_see};
use tocsin_core::auth::{Permission, Role};
use tocsin_core::event::{Event, EventKind};
use tocsin_core::hit::{Hit, HitId, HitStatus};
use tocsin_core::level::Level;
use tocsin_core::record::{
    AccessRule, Biometric, Handling, Kind, Record, RecordBody, RecordData, RecordId, RecordState,
};
use tocsin_core::{AgencyCode, FieldError};

use crate::backend::{Change, Effects};
use crate::bio_backend::{BioAttachment, BioCandidateRow, BioDecision};
use crate::cluster::records_changes;
use crate::hits::hit_events;
use crate::store::{require, to_json};
use crate::{Actor, Store, StoreError};

/// A callback told of every record the node indexes.
pub(crate) type Follower = Arc<dyn Fn(&Record) + Send + Sync>;

/// The handle for biometric search ([`Store::biometrics`]).
pub struct Biometrics<'a> {
    store: &'a Store,
}

/// What an agency enrols: the biometric data of one of its person records,
/// and the images that came with it.
#[derive(Debug, Clone)]
pub struct Enrolment {
    /// The templates; `attachments` describe `images`, in order.
    pub biometric: Biometric,
    /// The images' bytes.
    pub images: Vec<Vec<u8>>,
    /// Who may see it; the subject's rule when absent.
    pub access: Option<AccessRule>,
}

/// A candidate as kept with its search (never the probe).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    /// The search.
    pub search: String,
    /// The candidate's biometric record.
    pub record: RecordId,
    /// The person record it describes.
    pub subject: RecordId,
    /// The record's owner.
    pub owner: AgencyCode,
    /// The candidate record's level: only those cleared for it see the
    /// candidate.
    #[serde(default)]
    pub level: Level,
    /// The searching agency.
    pub searcher: AgencyCode,
    /// The searching user.
    pub user: String,
    /// Why the search was made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    /// `face` or `finger`.
    pub modality: String,
    /// The model compared under (`arcface-r100@1`, `minutiae`).
    pub model: String,
    /// The exact score.
    pub score: f64,
    /// Its place in the search's list, from 1 (hidden candidates are ranked
    /// apart from the searcher's list).
    pub rank: u32,
    /// Whether the searcher may see it (false: a silent candidate, for
    /// the owner's examiners alone).
    pub shown: bool,
    /// How it matched (per finger scores, the model).
    pub explanation: serde_json::Value,
    /// `pending`, `confirmed` or `rejected`.
    pub status: String,
    /// When the search was made.
    #[serde(with = "time::serde::rfc3339")]
    pub time: OffsetDateTime,
    /// Who decided, when, and the hit a confirmation made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<String>,
    /// When.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::serde::rfc3339::option")]
    pub decided_at: Option<OffsetDateTime>,
    /// The hit made on confirmation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hit: Option<HitId>,
}

impl Candidate {
    fn row(&self) -> Result<BioCandidateRow, StoreError> {
        Ok(BioCandidateRow {
            search: self.search.clone(),
            record: self.record,
            owner: self.owner,
            searcher: self.searcher,
            shown: self.shown,
            status: self.status.clone(),
            created_at: self.time,
            body: serde_json::to_string(self).map_err(|e| StoreError::Internal(format!("a candidate: {e}")))?,
        })
    }

    fn from_row(r: &BioCandidateRow) -> Result<Candidate, StoreError> {
        serde_json::from_str(&r.body).map_err(|e| StoreError::Corrupt(format!("candidate {}: {e}", r.search)))
    }

    /// Whether `viewer` may see this candidate, `record` being the record
    /// as stored now: its owner's staff cleared for its level, the
    /// searcher's only when it was shown the record and may still see it.
    pub fn visible_to(&self, viewer: &Viewer, record: Option<&Record>) -> bool {
        let level = record.map_or(self.level, |r| r.data.level);
        viewer.cleared_for(level)
            && (viewer.agency == self.owner
                || (viewer.agency == self.searcher && self.shown && record.is_some_and(|r| may_see(viewer, r))))
    }
}

impl Store {
    /// Biometric search's enrolment, galleries, candidates and decisions.
    pub fn biometrics(&self) -> Biometrics<'_> {
        Biometrics { store: self }
    }
}

impl Biometrics<'_> {
    /// Calls `f` with every record this node indexes from now on: each one
    /// read when the screening index is built ([`Store::enable_screening`],
    /// also on joining a cluster and on rebuilding after the stream lost
    /// changes), then each written here or announced by another node. A
    /// gallery registered before the index is built is built in the same
    /// pass over the records, and stays in step.
    pub fn follow(&self, f: impl Fn(&Record) + Send + Sync + 'static) {
        self.store.follow(Arc::new(f));
    }

    /// The records of `ids` as stored, for the exact re-rank of a
    /// shortlist: only active biometric records within their review date.
    pub async fn current(&self, ids: &[RecordId]) -> Result<Vec<Record>, StoreError> {
        let today = self.store.today();
        let records = self.store.backend.records(ids).await?;
        Ok(records
            .into_iter()
            .filter(|r| {
                r.state == RecordState::Active
                    && r.data.review_by >= today
                    && matches!(r.data.body, RecordBody::Biometric(_))
            })
            .collect())
    }

    /// Enrols biometric data of one of the actor's agency's person records:
    /// a record of kind `biometric` (the subject's review date, handling and,
    /// unless given, access rule) and its images, in one transaction,
    /// audited as `biometric.create` on the new record and its subject
    /// (never the template).
    pub async fn enrol(&self, actor: &Actor, e: Enrolment) -> Result<Record, StoreError> {
        let subject = e.biometric.subject;
        let result = async {
            require(actor, Permission::WriteRecords)?;
            self.store.writable()?;
            let person = match self.store.backend.record(&subject).await? {
                Some(r) if r.owner == actor.agency && r.data.kind() == Kind::Person && may_see(&actor.viewer(), &r) => {
                    r
                }
                Some(r) if may_see(&actor.viewer(), &r) && r.owner != actor.agency => {
                    return Err(StoreError::Forbidden("biometric data is enrolled by the subject's owner".into()));
                }
                _ => return Err(StoreError::NotFound(format!("person record {subject}"))),
            };
            if person.state != RecordState::Active {
                return Err(FieldError::field("subject", "the person record is archived").into());
            }
            let data = RecordData {
                body: RecordBody::Biometric(e.biometric),
                handling: Handling { code: person.data.handling.code, instructions: None },
                access: e.access.unwrap_or(person.data.access.clone()),
                tags: vec![],
                review_by: person.data.review_by,
                source: None,
                level: person.data.level,
            };
            let record = Record::new(actor.agency, data, OffsetDateTime::now_utc());
            let attachments = e
                .images
                .into_iter()
                .enumerate()
                .map(|(n, data)| BioAttachment { record: record.id, n: n as u32, data })
                .collect();
            let change = Change::All(vec![
                Change::Records { new: vec![record.clone()], changed: vec![] },
                Change::BioAttachments(attachments),
            ]);
            let intent = self.store.intend(|| records_changes([&record])).await?;
            let objects = vec![record.id.to_string(), subject.to_string()];
            let written =
                self.store.commit_logged(actor, "biometric.create", objects, change, Effects::default()).await;
            self.store.settle(&intent, written.map(drop)).await?;
            self.store.reindex([&record]);
            self.store.announce(intent).await;
            Ok(record)
        }
        .await;
        self.store.audited_failure(actor, "biometric.create", vec![subject.to_string()], result).await
    }

    /// An attachment of a biometric record the actor's agency may see.
    pub async fn attachment(&self, actor: &Actor, id: RecordId, n: u32) -> Result<Vec<u8>, StoreError> {
        let result = async {
            let record = self.store.visible_record(actor, id).await?;
            if !matches!(record.data.body, RecordBody::Biometric(_)) {
                return Err(StoreError::NotFound(format!("biometric record {id}")));
            }
            self.store
                .backend
                .bio_attachment(&id, n)
                .await?
                .ok_or_else(|| StoreError::NotFound(format!("attachment {n}")))
        }
        .await;
        self.store.audited(actor, "biometric.attachment", vec![id.to_string(), n.to_string()], result).await
    }

    /// Keeps a search's candidates and audits it: `biometric.search` in the
    /// searcher's name with the data type, the shown candidates and the
    /// purpose (never the template), and for each owner of a hidden
    /// candidate a `biometric.candidate.silent` entry in its name with a
    /// `biometric.candidate` event, which nothing the searcher reads
    /// mentions.
    pub async fn record_search(
        &self,
        actor: &Actor,
        search: &str,
        modality: &str,
        candidates: Vec<Candidate>,
    ) -> Result<(), StoreError> {
        require(actor, Permission::ReadRecords)?;
        let rows = candidates.iter().map(Candidate::row).collect::<Result<Vec<_>, _>>()?;
        let shown: Vec<String> = candidates.iter().filter(|c| c.shown).map(|c| c.record.to_string()).collect();
        let mut objects = vec![format!("biometric:{modality}"), format!("search:{search}")];
        objects.extend(shown);
        self.store
            .commit_logged(actor, "biometric.search", objects, Change::BioCandidates(rows), Effects::default())
            .await?;
        let mut owners: Vec<AgencyCode> = candidates.iter().filter(|c| !c.shown).map(|c| c.owner).collect();
        owners.sort();
        owners.dedup();
        for owner in owners {
            let mine: Vec<&Candidate> = candidates.iter().filter(|c| !c.shown && c.owner == owner).collect();
            let now = OffsetDateTime::now_utc();
            let events = mine
                .iter()
                .map(|c| {
                    to_json("a candidate", c)
                        .map(|data| Event::new(owner, EventKind::BiometricCandidate, data, now).at(c.level))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let mut objects = vec![format!("search:{search}")];
            objects.extend(mine.iter().map(|c| c.record.to_string()));
            let purpose = format!("biometric candidate from a search by {} ({})", actor.agency, actor.user);
            let who = Actor::new(owner, "system", Role::Operator, Some(purpose));
            let effects = Effects { events, ..Effects::default() };
            // The searcher's answer is the same whether this is written or
            // not: a failure is the operator's to see, not the searcher's.
            if let Err(e) = self.store.log_with(&who, "biometric.candidate.silent", objects, Outcome::Ok, effects).await
            {
                tracing::error!(error = %e, "a silent biometric candidate's entry was not written");
            }
        }
        Ok(())
    }

    /// The candidates of `search` the actor's agency may see, best first.
    pub async fn search(&self, actor: &Actor, search: &str) -> Result<Vec<Candidate>, StoreError> {
        let result = async {
            require(actor, Permission::ReadRecords)?;
            let mut all: Vec<Candidate> = self
                .store
                .backend
                .bio_candidates(search)
                .await?
                .iter()
                .map(Candidate::from_row)
                .collect::<Result<_, _>>()?;
            self.visible(&actor.viewer(), &mut all).await?;
            all.sort_by(|a, b| b.score.total_cmp(&a.score));
            if all.is_empty() {
                return Err(StoreError::NotFound(format!("search {search}")));
            }
            Ok(all)
        }
        .await;
        self.store.audited(actor, "biometric.candidates", vec![format!("search:{search}")], result).await
    }

    /// The candidates on the agency's records or from its searches that it
    /// may see, newest first (the examiners' queue with `pending_only`).
    pub async fn queue(&self, actor: &Actor, pending_only: bool, limit: u32) -> Result<Vec<Candidate>, StoreError> {
        let result = async {
            require(actor, Permission::ReadRecords)?;
            let rows = self.store.backend.bio_candidates_for(&actor.agency, pending_only, limit).await?;
            let mut all: Vec<Candidate> = rows.iter().map(Candidate::from_row).collect::<Result<_, _>>()?;
            self.visible(&actor.viewer(), &mut all).await?;
            Ok(all)
        }
        .await;
        self.store.audited(actor, "biometric.candidates", vec![], result).await
    }

    /// Keeps the candidates `viewer` may see, their records read as they
    /// are now (a record hidden since the search leaves the searcher's view).
    async fn visible(&self, viewer: &Viewer, all: &mut Vec<Candidate>) -> Result<(), StoreError> {
        let ids: Vec<RecordId> = all.iter().map(|c| c.record).collect();
        let records: std::collections::HashMap<RecordId, Record> =
            self.store.backend.records(&ids).await?.into_iter().map(|r| (r.id, r)).collect();
        all.retain(|c| c.visible_to(viewer, records.get(&c.record)));
        Ok(())
    }

    /// An examiner's decision on a candidate: `confirm` makes a hit of the
    /// search on the record (silent when the searcher may not see it) with
    /// its events, in the same transaction; otherwise the candidate is
    /// rejected. An examiner of the owner decides any candidate; one of the
    /// searcher only those it was shown. A candidate already decided is a
    /// conflict.
    pub async fn decide(
        &self,
        actor: &Actor,
        search: &str,
        record: RecordId,
        confirm: bool,
    ) -> Result<Candidate, StoreError> {
        let action = if confirm { "biometric.confirm" } else { "biometric.reject" };
        let objects = vec![format!("search:{search}"), record.to_string()];
        let result = async {
            require(actor, Permission::ExamineBiometrics)?;
            self.store.writable()?;
            let rows = self.store.backend.bio_candidates(search).await?;
            let found = rows.iter().find(|r| r.record == record).map(Candidate::from_row).transpose()?;
            let stored = self.store.backend.record(&record).await?;
            let mut c = found
                .filter(|c| c.visible_to(&actor.viewer(), stored.as_ref()))
                .ok_or_else(|| StoreError::NotFound(format!("candidate {record} of search {search}")))?;
            let stored = stored
                .filter(|r| r.state == RecordState::Active)
                .ok_or_else(|| StoreError::Conflict("the candidate's record is archived: no hit can be made".into()))?;
            if c.status != "pending" {
                return Err(StoreError::Conflict(format!("the candidate was already {}", c.status)));
            }
            let now = OffsetDateTime::now_utc();
            c.status = if confirm { "confirmed" } else { "rejected" }.to_owned();
            c.decided_by = Some(format!("{} ({})", actor.user, actor.agency));
            c.decided_at = Some(now);
            let mut effects = Effects::default();
            if confirm {
                // Silent when the searcher may not see the record now.
                let silent = !may_see(&Viewer::agency(c.searcher), &stored);
                let hit = Hit {
                    id: HitId::generate(),
                    time: c.time,
                    searcher: c.searcher,
                    user: c.user.clone(),
                    location: None,
                    purpose: c.purpose.clone(),
                    query: serde_json::json!({ "biometric": c.modality, "search": c.search }),
                    record_id: record,
                    record_version: stored.version,
                    owner: c.owner,
                    score: c.score,
                    explanation: serde_json::json!({
                        "biometric": c.explanation,
                        "subject": c.subject,
                        "confirmed_by": c.decided_by,
                    }),
                    handling: stored.data.handling.code,
                    level: stored.data.level,
                    silent,
                    status: HitStatus::New,
                    updated_at: now,
                };
                c.hit = Some(hit.id);
                effects.extend(hit_events(&hit, EventKind::Hit, &to_json("a hit", &hit)?, now));
                effects.hits.push(hit);
            }
            let body = serde_json::to_string(&c).map_err(|e| StoreError::Internal(format!("a candidate: {e}")))?;
            let change =
                Change::BioDecision(BioDecision { search: search.to_owned(), record, status: c.status.clone(), body });
            let mut objects = objects.clone();
            objects.extend(c.hit.map(|h| h.to_string()));
            let committed = self.store.commit_logged(actor, action, objects, change, effects).await?;
            if !committed.applied {
                return Err(StoreError::Conflict("the candidate was decided meanwhile".into()));
            }
            if c.hit.is_some() {
                metrics::counter!("tocsin_hits_total").increment(1);
            }
            Ok(c)
        }
        .await;
        self.store.audited_failure(actor, action, objects, result).await
    }
}
