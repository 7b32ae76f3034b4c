//! Watches: standing requests to be told when anyone's screening matches a
//! record or criteria. See [`tocsin_core::watch`].
//!
//! Watches are kept in memory beside the screening index: record watches by
//! record id, criteria watches as records of their own in a small second
//! [`Index`], so a screening finds the criteria it matches the same way it
//! finds records, with the same scoring.

use std::collections::{HashMap, HashSet};
use tocsin_bus::What;

use time::OffsetDateTime;
use tocsin_core::access::{Viewer, may_see};
use tocsin_core::auth::Permission;
use tocsin_core::event::{Event, EventKind};
use tocsin_core::record::{
    AccessRule, Handling, HandlingCode, IdentityDocument, Kind, NameInput, Record, RecordId, RecordInput, RecordState,
};
use tocsin_core::watch::{Watch, WatchId, WatchTarget};
use tocsin_core::{AgencyCode, FieldError, limits};
use tocsin_match::name::THRESHOLD;
use tocsin_match::request::{MAX_LIMIT, Request};
use tocsin_match::screen::{Index, Match, Query};

use crate::backend::{Change, Effects};
use crate::store::{Actor, require};
use crate::{Store, StoreError};

/// Every standing watch, indexed for screening.
#[derive(Default)]
pub(crate) struct Watches {
    by_record: HashMap<RecordId, Vec<Watch>>,
    /// Criteria watches, each as a record of its own.
    criteria: Index,
    /// The record standing for each criteria watch, and back.
    criteria_watch: HashMap<RecordId, Watch>,
    criteria_slot: HashMap<WatchId, RecordId>,
}

/// A watch that a screening matched, with the score.
pub(crate) struct Fired {
    pub(crate) watch: Watch,
    pub(crate) score: f64,
}

impl Watches {
    /// Checks a watch and returns it ready to [`Watches::insert`]: with the
    /// record a criteria watch stands as.
    fn prepare(watch: Watch, today: time::Date) -> Result<(Watch, Option<Record>), FieldError> {
        let record = match &watch.target {
            WatchTarget::Record(_) => None,
            WatchTarget::Criteria(criteria) => Some(criteria_record(&watch.agency, criteria, today)?),
        };
        Ok((watch, record))
    }

    fn insert(&mut self, (watch, record): (Watch, Option<Record>)) {
        match (&watch.target, record) {
            (WatchTarget::Record(id), _) => {
                let id = *id;
                self.by_record.entry(id).or_default().push(watch);
            }
            (WatchTarget::Criteria(_), Some(record)) => {
                self.criteria.upsert(&record);
                self.criteria_slot.insert(watch.id, record.id);
                self.criteria_watch.insert(record.id, watch);
            }
            // `prepare` gives every criteria watch its record.
            (WatchTarget::Criteria(_), None) => {}
        }
    }

    fn remove(&mut self, id: &WatchId) {
        for list in self.by_record.values_mut() {
            list.retain(|w| w.id != *id);
        }
        self.by_record.retain(|_, l| !l.is_empty());
        if let Some(slot) = self.criteria_slot.remove(id) {
            self.criteria.remove(&slot);
            self.criteria_watch.remove(&slot);
        }
    }

    /// Whether any watch is on this record.
    pub(crate) fn watches_record(&self, id: &RecordId) -> bool {
        self.by_record.contains_key(id)
    }

    /// The record watches on `record` whose watcher may see it now.
    pub(crate) fn on_record(&self, record: &Record, score: f64) -> Vec<Fired> {
        if score < THRESHOLD || record.state != RecordState::Active {
            return vec![];
        }
        let list = self.by_record.get(&record.id).map(Vec::as_slice).unwrap_or_default();
        // The agency as a whole: its event is at the record's level.
        list.iter()
            .filter(|w| may_see(&Viewer::agency(w.agency), record))
            .map(|w| Fired { watch: w.clone(), score })
            .collect()
    }

    /// The criteria watches `query` matches.
    pub(crate) fn on_criteria(&self, query: &Query) -> Vec<Fired> {
        if self.criteria.is_empty() {
            return vec![];
        }
        let query = Query { kinds: vec![], limit: MAX_LIMIT, ..query.clone() };
        let found: Vec<Match> = self.criteria.search(&Viewer::agency(AgencyCode::GS), &query);
        found
            .into_iter()
            .filter(|m| m.score >= THRESHOLD)
            .filter_map(|m| self.criteria_watch.get(&m.id).map(|w| Fired { watch: w.clone(), score: m.score }))
            .collect()
    }
}

/// The record a criteria watch stands as: a person with the criteria's name,
/// birth date, nationality, sex and document; or, with a document alone, a
/// travel document.
fn criteria_record(owner: &AgencyCode, criteria: &serde_json::Value, today: time::Date) -> Result<Record, FieldError> {
    let request: Request =
        serde_json::from_value(criteria.clone()).map_err(|e| FieldError::field("criteria", e.to_string()))?;
    let q = request.validate(today.year()).map_err(|e| e.at("criteria"))?.query;
    let mut input = match (&q.name, &q.document) {
        (Some(name), _) => {
            let mut p = RecordInput::new(Kind::Person);
            p.names = Some(vec![NameInput { full: name.clone(), name_type: None, script: None }]);
            p.birth_dates = q.birth_date.map(|d| vec![d]);
            p.nationalities = q.nationality.map(|c| vec![c]);
            p.sex = q.sex;
            p.documents = q.document.clone().map(|number| {
                vec![IdentityDocument {
                    number,
                    country: q.document_country,
                    doc_type: tocsin_core::record::DocumentType::Other,
                }]
            });
            p
        }
        (None, Some(number)) => {
            let country = q.document_country.ok_or_else(|| {
                FieldError::field("criteria.document_country", "required when the criteria have no name")
            })?;
            let mut d = RecordInput::new(Kind::TravelDocument);
            d.number = Some(number.clone());
            d.country = Some(country);
            d.status = Some(tocsin_core::record::DocumentStatus::Stolen);
            d
        }
        (None, None) => return Err(FieldError::field("criteria", "needs a name, a document_number or an mrz")),
    };
    input.handling = Some(Handling { code: HandlingCode::Inform, instructions: None });
    input.access = Some(AccessRule::All);
    let data = input.validate(today).map_err(|e| e.at("criteria"))?;
    Ok(Record::new(*owner, data, OffsetDateTime::now_utc()))
}

/// What a watch is set on, as a client sends it: exactly one of the two.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WatchInput {
    /// A record the agency may see.
    pub record_id: Option<RecordId>,
    /// Screening criteria: `name`, `birth_date`, `nationality`, `sex`,
    /// `document_number`, `document_country` or `mrz`, as in a screening
    /// request.
    #[schema(value_type = Option<Object>)]
    pub criteria: Option<serde_json::Value>,
    /// A note for the agency's colleagues.
    pub note: Option<String>,
}

impl Store {
    /// Loads every stored watch (at start).
    pub(crate) async fn load_watches(&self) -> Result<usize, StoreError> {
        let all = self.backend.watches().await?;
        let n = all.len();
        let mut watches = Watches::default();
        for w in all {
            let id = w.id;
            match Watches::prepare(w, self.today()) {
                Ok(ready) => watches.insert(ready),
                Err(e) => tracing::warn!(watch = %id, error = %e, "a stored watch no longer validates; skipped"),
            }
        }
        *crate::locks::write(&self.watches) = watches;
        Ok(n)
    }

    /// Sets a watch for the actor's agency: on a record it may see (404
    /// otherwise, as for one that does not exist), or on criteria.
    pub async fn create_watch(&self, actor: &Actor, input: WatchInput) -> Result<Watch, StoreError> {
        let mut objects = vec![];
        let result = async {
            require(actor, Permission::ReadRecords)?;
            let target = match (input.record_id, input.criteria) {
                (Some(id), None) => {
                    self.visible_record(actor, id).await?;
                    objects.push(id.to_string());
                    WatchTarget::Record(id)
                }
                (None, Some(mut criteria)) => {
                    if let Some(o) = criteria.as_object_mut() {
                        o.retain(|k, v| {
                            !v.is_null() && !matches!(k.as_str(), "limit" | "kinds" | "location" | "purpose")
                        });
                    }
                    WatchTarget::Criteria(criteria)
                }
                _ => return Err(FieldError::new("give exactly one of record_id and criteria").into()),
            };
            let note = input
                .note
                .filter(|n| !n.trim().is_empty())
                .map(|n| tocsin_core::text::clean("note", n, limits::TEXT_CHARS))
                .transpose()?;
            let watch = Watch {
                id: WatchId::generate(),
                agency: actor.agency,
                user: actor.user.clone(),
                created_at: OffsetDateTime::now_utc(),
                target,
                note,
            };
            // The criteria are checked before anything is stored.
            let ready = Watches::prepare(watch.clone(), self.today())?;
            self.writable()?;
            let intent = self.intend(|| vec![What::Watches]).await?;
            let logged: Vec<String> = std::iter::once(watch.id.to_string()).chain(objects.iter().cloned()).collect();
            let change = Change::InsertWatch(watch.clone());
            let written = self.commit_logged(actor, "watch.create", logged, change, Effects::default()).await;
            self.settle(&intent, written).await?;
            crate::locks::write(&self.watches).insert(ready);
            self.announce(intent).await;
            objects.insert(0, watch.id.to_string());
            Ok(watch)
        }
        .await;
        self.audited_failure(actor, "watch.create", objects, result).await
    }

    /// The actor's agency's watches, oldest first, but those on a record
    /// above the actor's clearance (a colleague cleared for more made
    /// them). A watch on a record the agency no longer may see stays
    /// listed, for its agency to remove: it made it when it could, and it
    /// fires no more.
    pub async fn watches(&self, actor: &Actor) -> Result<Vec<Watch>, StoreError> {
        let result = async {
            require(actor, Permission::ReadRecords)?;
            self.visible_watches(actor).await
        }
        .await;
        self.audited(actor, "watch.list", vec![], result).await
    }

    async fn visible_watches(&self, actor: &Actor) -> Result<Vec<Watch>, StoreError> {
        let mine: Vec<Watch> = self.backend.watches().await?.into_iter().filter(|w| w.agency == actor.agency).collect();
        let ids: Vec<RecordId> = mine
            .iter()
            .filter_map(|w| match w.target {
                WatchTarget::Record(id) => Some(id),
                WatchTarget::Criteria(_) => None,
            })
            .collect();
        let viewer = actor.viewer();
        let above: HashSet<RecordId> = match ids.is_empty() {
            true => HashSet::new(),
            false => self
                .backend
                .records(&ids)
                .await?
                .iter()
                .filter(|r| !viewer.cleared_for(r.data.level))
                .map(|r| r.id)
                .collect(),
        };
        Ok(mine
            .into_iter()
            .filter(|w| match w.target {
                WatchTarget::Record(id) => !above.contains(&id),
                WatchTarget::Criteria(_) => true,
            })
            .collect())
    }

    /// Removes one of the actor's agency's watches (404 for any other).
    pub async fn delete_watch(&self, actor: &Actor, id: WatchId) -> Result<(), StoreError> {
        let result = async {
            require(actor, Permission::ReadRecords)?;
            self.writable()?;
            let mine = self.visible_watches(actor).await?.into_iter().any(|w| w.id == id);
            if !mine {
                return Err(StoreError::NotFound(format!("watch {id}")));
            }
            let intent = self.intend(|| vec![What::Watches]).await?;
            let change = Change::DeleteWatch(id);
            let deleted =
                self.commit_logged(actor, "watch.delete", vec![id.to_string()], change, Effects::default()).await;
            let deleted = deleted.and_then(|done| match done.applied {
                true => Ok(()),
                false => Err(StoreError::NotFound(format!("watch {id}"))),
            });
            self.settle(&intent, deleted).await?;
            crate::locks::write(&self.watches).remove(&id);
            self.announce(intent).await;
            Ok(())
        }
        .await;
        self.audited_failure(actor, "watch.delete", vec![id.to_string()], result).await
    }

    /// The audit entries and events for fired watches: each in the
    /// watcher's name, so nothing the searcher reads mentions it.
    pub(crate) fn watch_effects(
        fired: Vec<Fired>,
        searcher: &Actor,
        context: &crate::ScreenContext,
        record: Option<&Record>,
        now: OffsetDateTime,
    ) -> Result<Vec<(Actor, Vec<String>, Effects)>, StoreError> {
        // A record watch's event is at the record's level; a criteria
        // watch's says nothing of any record.
        let level = record.map(|r| r.data.level).unwrap_or_default();
        let record = record.map(|r| r.id);
        // Called for every screened record: most fire nothing.
        if fired.is_empty() {
            return Ok(vec![]);
        }
        let time = crate::sql::ts(&now)?;
        Ok(fired
            .into_iter()
            .map(|f| {
                let w = f.watch;
                let mut data = serde_json::json!({
                    "watch_id": w.id,
                    "searcher": searcher.agency,
                    "time": time,
                    "score": f.score,
                    "query": context.request,
                });
                if let (Some(o), Some(id)) = (data.as_object_mut(), record) {
                    o.insert("record_id".into(), serde_json::json!(id));
                }
                if let (Some(o), Some(l)) = (data.as_object_mut(), &context.location) {
                    o.insert("location".into(), serde_json::json!(l));
                }
                let purpose = format!("watch matched a screening by {}", searcher.agency);
                let watcher = Actor::new(w.agency, "system", tocsin_core::auth::Role::Operator, Some(purpose));
                let mut objects = vec![w.id.to_string()];
                objects.extend(record.map(|r| r.to_string()));
                let events = vec![Event::new(w.agency, EventKind::WatchMatch, data, now).at(level)];
                (watcher, objects, Effects { events, ..Effects::default() })
            })
            .collect())
    }
}
