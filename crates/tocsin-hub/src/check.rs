//! Checking observables against what the hub holds: each value put in
//! canonical form (case, IDN, defanged forms), looked up in the correlation
//! index (every observable an object states or its pattern compares, kept
//! in memory and brought up to date from the store before each check), and
//! each match confirmed against the stored object: live, its latest
//! version, not revoked, stating the value.
//!
//! The checker is answered with the matches it may read, at most the cap
//! per value. Every match, read or not, is a sighting sent to the object's
//! owner at once (silent when the checker may not read the object), stored
//! with the check's audit entry; a value on the warninglist is flagged and
//! makes no sighting. A hidden match never changes the answer: the cap is
//! counted over what the checker may read, and `more` says only that more
//! readable matches were left out.

use std::collections::{HashMap, HashSet};
use std::sync::RwLock;

use serde::Serialize;
use serde_json::{Value, json};
use time::OffsetDateTime;
use tocsin_core::auth::Permission;
use tocsin_core::event::{Event, EventKind};
use tocsin_intel::correlate::Correlations;
use tocsin_intel::observable::{Kind, Observable};
use tocsin_intel::stix;
use tocsin_store::{Actor, IntelBackend, IntelCollection, IntelVersion, StoreError};

use crate::collections::Rights;
use crate::identity::identity_id;
use crate::read::may_read;
use crate::{Hub, HubError};

/// The most values one check takes.
pub const MAX_CHECK: usize = 10_000;
/// Observables read from the store per step while catching up.
const CATCH_UP_STEP: u32 = 50_000;
/// The most objects walked for one value, read or not: a value stated by
/// more is noise, and walking it all would make one check slow for all.
const WALK: usize = 1_000;
/// Ids per query.
const CHUNK: usize = 500;

/// The correlation index: observables' keys to the store's versions.
pub(crate) struct Index {
    state: RwLock<State>,
    /// Held while catching up, so that two checks do not read the same rows.
    catching_up: tokio::sync::Mutex<()>,
}

struct State {
    correlations: Correlations,
    /// The store's number of each version, by its dense number in
    /// `correlations`.
    seqs: Vec<u64>,
    /// The last store number read.
    last: u64,
}

impl Index {
    /// An empty index. It keeps every object per value: the cap is applied
    /// to what a checker may read, not here.
    pub(crate) fn new() -> Index {
        Index {
            state: RwLock::new(State { correlations: Correlations::new(usize::MAX), seqs: vec![], last: 0 }),
            catching_up: tokio::sync::Mutex::new(()),
        }
    }

    /// Reads the observables stored since the last call.
    async fn catch_up(&self, rows: &dyn IntelBackend) -> Result<(), StoreError> {
        let _one = self.catching_up.lock().await;
        loop {
            let last = self.read().last;
            let batch = rows.intel_observables(last, CATCH_UP_STEP).await?;
            let Some(&(end, _, _)) = batch.last() else { return Ok(()) };
            let mut state = self.state.write().unwrap_or_else(|p| p.into_inner());
            for (seq, kind, value) in batch {
                let Ok(kind) = kind.parse::<Kind>() else { continue };
                if state.seqs.last() != Some(&seq) {
                    state.seqs.push(seq);
                }
                let dense = u32::try_from(state.seqs.len() - 1).unwrap_or(u32::MAX);
                state.correlations.add(&Observable { kind, value }, dense);
            }
            state.last = end;
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(|p| p.into_inner())
    }

    /// The store numbers of the versions that state `o`, at most [`WALK`].
    fn lookup(&self, o: &Observable) -> Vec<u64> {
        let state = self.read();
        state.correlations.all(o).iter().take(WALK).filter_map(|d| state.seqs.get(*d as usize).copied()).collect()
    }

    /// Pairs held (value, version).
    pub(crate) fn len(&self) -> usize {
        self.read().correlations.len()
    }
}

/// A check's answer.
#[derive(Debug, Clone, Serialize)]
pub struct CheckAnswer {
    /// Values checked.
    pub checked: usize,
    /// Values that matched something the checker may read.
    pub matched: usize,
    /// The values that matched, were flagged or were refused, in the order
    /// given.
    pub results: Vec<CheckResult>,
}

/// One value's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct CheckResult {
    /// Its position in the request (from 0).
    pub index: usize,
    /// The value as given.
    pub value: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<Kind>,
    /// Its canonical form.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub canonical: Option<String>,
    /// Why it is not an observable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Why it is noise (a warninglist entry): matches are shown, no
    /// sighting is made.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub noise: Option<String>,
    pub matches: Vec<CheckMatch>,
    /// More readable objects state it than the cap shows.
    pub more: bool,
}

/// A shared object that states a value, with its context.
#[derive(Debug, Clone, Serialize)]
pub struct CheckMatch {
    pub collection: String,
    pub root: String,
    /// The STIX id.
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    /// The version (`modified`).
    pub version: String,
    /// The agency that shared it.
    pub owner: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tlp: Option<String>,
    /// What the object says of itself: name, description, labels, types,
    /// pattern, validity, confidence, when present.
    pub context: serde_json::Map<String, Value>,
}

/// The properties shown as a match's context.
const CONTEXT: [&str; 11] = [
    "name",
    "description",
    "labels",
    "indicator_types",
    "malware_types",
    "pattern",
    "valid_from",
    "valid_until",
    "confidence",
    "created_by_ref",
    "kill_chain_phases",
];

/// A version found for a value, before the answer is made.
struct Candidate<'a> {
    version: &'a IntelVersion,
    body: serde_json::Map<String, Value>,
    collection: &'a IntelCollection,
    readable: bool,
}

impl Hub {
    /// Checks `values` (at most [`MAX_CHECK`]).
    pub async fn check(&self, actor: &Actor, values: &[String]) -> Result<CheckAnswer, HubError> {
        let objects = vec![format!("values:{}", values.len())];
        if !actor.may(Permission::ReadRecords) {
            let e = HubError::Forbidden(format!("role {} may not check observables", actor.role));
            return self.refused(actor, "intel.check", objects, e).await;
        }
        if values.is_empty() || values.len() > MAX_CHECK {
            let e = HubError::invalid("values", format!("1 to {MAX_CHECK} values, got {}", values.len()));
            return self.refused(actor, "intel.check", objects, e).await;
        }
        let intel = self.store.intel();
        self.index.catch_up(intel.rows()).await?;
        let read: Vec<Result<Observable, String>> =
            values.iter().map(|v| tocsin_intel::normalize(v).map_err(|e| e.to_string())).collect();
        // Every version the index names for any value, read at once.
        let found: Vec<Vec<u64>> =
            read.iter().map(|o| o.as_ref().map(|o| self.index.lookup(o)).unwrap_or_default()).collect();
        let mut wanted: Vec<u64> = found.iter().flatten().copied().collect();
        wanted.sort_unstable();
        wanted.dedup();
        let mut versions: Vec<IntelVersion> = vec![];
        for chunk in wanted.chunks(CHUNK) {
            versions.extend(intel.rows().intel_by_seq(chunk).await?);
        }
        // The index's keys are hashes: each candidate is confirmed by the
        // store's own rows of what the version states.
        let mut matched_values: Vec<(String, String)> = read
            .iter()
            .zip(&found)
            .filter(|(_, seqs)| !seqs.is_empty())
            .filter_map(|(o, _)| o.as_ref().ok().map(|o| (o.kind.as_str().to_owned(), o.value.clone())))
            .collect();
        matched_values.sort();
        matched_values.dedup();
        let stated: HashSet<(u64, String, String)> =
            intel.rows().intel_stating(&matched_values).await?.into_iter().collect();
        let latest = self.latest(&versions).await?;
        let collections: HashMap<String, IntelCollection> =
            intel.rows().intel_collections().await?.into_iter().map(|c| (c.id.clone(), c)).collect();
        let by_seq: HashMap<u64, &IntelVersion> = versions.iter().map(|v| (v.seq, v)).collect();

        let now = OffsetDateTime::now_utc();
        let mut results = vec![];
        let mut events = vec![];
        let mut shown_ids: Vec<String> = vec![];
        let mut matched = 0;
        // Each version's body read once, whatever number of values it states.
        let mut bodies: HashMap<u64, Option<serde_json::Map<String, Value>>> = HashMap::new();
        for (index, (value, observable)) in values.iter().zip(&read).enumerate() {
            let o = match observable {
                Ok(o) => o,
                Err(e) => {
                    results.push(CheckResult {
                        index,
                        value: value.clone(),
                        kind: None,
                        canonical: None,
                        error: Some(e.clone()),
                        noise: None,
                        matches: vec![],
                        more: false,
                    });
                    continue;
                }
            };
            let noise = self.options.warninglist.flag(o).map(str::to_owned);
            let mut candidates: Vec<Candidate<'_>> = vec![];
            for seq in &found[index] {
                let Some(v) = by_seq.get(seq) else { continue };
                if !latest.contains(&(v.collection.as_str(), v.owner, v.id.as_str(), v.version.as_str())) {
                    continue;
                }
                let Some(c) = collections.get(&v.collection) else { continue };
                if !stated.contains(&(v.seq, o.kind.as_str().to_owned(), o.value.clone())) {
                    continue;
                }
                let Some(body) = bodies.entry(v.seq).or_insert_with(|| read_body(&v.body)) else { continue };
                if body.get("revoked") == Some(&Value::Bool(true)) {
                    continue;
                }
                let body = body.clone();
                let readable = Rights::of(actor, c).read && may_read(actor, v);
                candidates.push(Candidate { version: v, body, collection: c, readable });
            }
            if noise.is_none() {
                for m in candidates.iter().filter(|m| m.version.owner != actor.agency) {
                    events.push(sighting(actor, o, m, now));
                }
            }
            let readable: Vec<&Candidate<'_>> = candidates.iter().filter(|m| m.readable).collect();
            let cap = self.options.correlation_cap;
            let more = readable.len() > cap;
            let matches: Vec<CheckMatch> = readable.iter().take(cap).map(|m| view(m)).collect();
            if matches.is_empty() && noise.is_none() {
                continue;
            }
            matched += usize::from(!matches.is_empty());
            shown_ids.extend(matches.iter().map(|m| m.id.clone()));
            results.push(CheckResult {
                index,
                value: value.clone(),
                kind: Some(o.kind),
                canonical: Some(o.value.clone()),
                error: None,
                noise,
                matches,
                more,
            });
        }
        shown_ids.sort();
        shown_ids.dedup();
        let mut objects = objects;
        objects.extend(shown_ids);
        intel.log(actor, "intel.check", objects, tocsin_audit::Outcome::Ok, events).await?;
        Ok(CheckAnswer { checked: values.len(), matched, results })
    }

    /// The latest live version of each object `versions` name, as
    /// (collection, owner, id, version).
    async fn latest<'a>(
        &self,
        versions: &'a [IntelVersion],
    ) -> Result<HashSet<(&'a str, tocsin_core::AgencyCode, &'a str, &'a str)>, HubError> {
        let mut by_collection: HashMap<&str, Vec<String>> = HashMap::new();
        for v in versions {
            by_collection.entry(v.collection.as_str()).or_default().push(v.id.clone());
        }
        let mut newest: HashSet<(String, tocsin_core::AgencyCode, String, String)> = HashSet::new();
        for (collection, mut ids) in by_collection {
            ids.sort();
            ids.dedup();
            for chunk in ids.chunks(CHUNK) {
                for (owner, id, version) in self.store.intel().rows().intel_latest(collection, chunk).await? {
                    newest.insert((collection.to_owned(), owner, id, version));
                }
            }
        }
        Ok(versions
            .iter()
            .filter(|v| newest.contains(&(v.collection.clone(), v.owner, v.id.clone(), v.version.clone())))
            .map(|v| (v.collection.as_str(), v.owner, v.id.as_str(), v.version.as_str()))
            .collect())
    }

    /// The latest sightings of the actor's agency's objects (at most
    /// `limit`, newest first), audited as a read.
    pub async fn sightings(&self, actor: &Actor, limit: u32) -> Result<Vec<Event>, HubError> {
        if !actor.may(Permission::ReadRecords) {
            let e = HubError::Forbidden(format!("role {} may not read sightings", actor.role));
            return self.refused(actor, "intel.sightings", vec![], e).await;
        }
        let intel = self.store.intel();
        let events = intel.rows().intel_sightings(&actor.agency, limit).await?;
        let objects = vec![format!("count:{}", events.len())];
        intel.log(actor, "intel.sightings", objects, tocsin_audit::Outcome::Ok, vec![]).await?;
        Ok(events)
    }

    /// Pairs (value, version) the correlation index holds.
    pub fn indexed(&self) -> usize {
        self.index.len()
    }
}

/// A stored version's properties.
fn read_body(body: &str) -> Option<serde_json::Map<String, Value>> {
    match serde_json::from_str::<Value>(body) {
        Ok(Value::Object(json)) => Some(json),
        _ => None,
    }
}

fn view(m: &Candidate<'_>) -> CheckMatch {
    let context = CONTEXT
        .iter()
        .filter_map(|k| m.body.get(*k).map(|v| ((*k).to_owned(), v.clone())))
        .collect::<serde_json::Map<_, _>>();
    CheckMatch {
        collection: m.collection.id.clone(),
        root: m.collection.root.clone(),
        id: m.version.id.clone(),
        kind: m.version.kind.clone(),
        version: m.body.get("modified").and_then(Value::as_str).unwrap_or_default().to_owned(),
        owner: m.version.owner.to_string(),
        tlp: m.version.tlp.clone(),
        context,
    }
}

/// The event that tells the object's owner its object was seen: a STIX
/// `sighting` of the object by the checker's agency (of a domain object;
/// a cyber observable cannot be sighted in STIX, so its event carries the
/// value alone).
fn sighting(actor: &Actor, o: &Observable, m: &Candidate<'_>, now: OffsetDateTime) -> Event {
    let at = stix::render(now);
    let checker = identity_id(&actor.agency);
    let sdo = stix::Category::of(&m.version.kind) == stix::Category::Domain;
    let stix_sighting = sdo.then(|| {
        json!({
            "type": "sighting",
            "spec_version": "2.1",
            "id": format!("sighting--{}", uuid::Uuid::new_v4()),
            "created": at,
            "modified": at,
            "created_by_ref": checker,
            "sighting_of_ref": m.version.id,
            "where_sighted_refs": [checker],
            "first_seen": at,
            "last_seen": at,
            "count": 1,
        })
    });
    let data = json!({
        "sighting": stix_sighting,
        "collection": m.collection.id,
        "root": m.collection.root,
        "object": m.version.id,
        "type": m.version.kind,
        "kind": o.kind,
        "value": o.value,
        "checker": actor.agency,
        "user": actor.user,
        "purpose": actor.purpose,
        "silent": !m.readable,
    });
    Event::new(m.version.owner, EventKind::IntelSighting, data, now)
}
