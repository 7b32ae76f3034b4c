//! Adding objects: an envelope read leniently, object by object (one that
//! breaks a MUST of STIX 2.1 is a failure in the status, never the whole
//! request's), written strictly (TLP 1.0 marking ids as TLP 2.0's, the
//! marking objects and the agency's identity added beside, `created_by_ref`
//! where a domain or relationship object has none), in one transaction with
//! its audit entry and its status.

use std::collections::{HashMap, HashSet};

use serde_json::Value;
use time::OffsetDateTime;
use tocsin_intel::Tlp;
use tocsin_intel::stix::{self, Category, StixObject};
use tocsin_intel::taxii::{Status, StatusDetail};
use tocsin_store::{Actor, IntelChange, IntelQuery, IntelVersion, VersionFilter};

use crate::identity::{agency_identity, identity_id};
use crate::{Hub, HubError};

/// The owner of the TLP marking objects the hub adds: the General
/// Secretariat, so that one copy serves every member.
const MARKINGS_OWNER: tocsin_core::AgencyCode = tocsin_core::AgencyCode::GS;

/// An object's TAXII version as stored: `modified`, else `created`, to the
/// microsecond at fixed width; empty for an object with neither.
pub(crate) fn version_key(o: &StixObject) -> String {
    o.version().map(stix::render_micros).unwrap_or_default()
}

impl Hub {
    /// Adds the objects of `body` (a TAXII envelope, or a STIX bundle) to a
    /// collection the actor may write, and returns the finished status
    /// (also kept, to be read again).
    pub async fn post(&self, actor: &Actor, root: &str, name: &str, body: &[u8]) -> Result<Status, HubError> {
        let result = self.post_checked(actor, root, name, body).await;
        self.logged_if_refused(actor, "intel.add", vec![format!("collection:{name}")], result).await
    }

    /// Logs a POST refused before it was read (over the size limit) and
    /// returns why (or the audit's failure).
    pub async fn refuse_post(&self, actor: &Actor, name: &str, e: HubError) -> HubError {
        self.log_refusal(actor, "intel.add", vec![format!("collection:{name}")], e).await
    }

    async fn post_checked(&self, actor: &Actor, root: &str, name: &str, body: &[u8]) -> Result<Status, HubError> {
        let (c, rights) = self.collection(actor, root, name).await?;
        if !rights.write {
            return Err(HubError::Forbidden(format!("you may not write to collection {name}")));
        }
        if body.len() > self.options.max_content_length {
            return Err(HubError::TooLarge(format!(
                "{} bytes: at most {} (the API root's max_content_length)",
                body.len(),
                self.options.max_content_length
            )));
        }
        let document: Value =
            serde_json::from_slice(body).map_err(|e| HubError::Unprocessable(format!("the body is not JSON: {e}")))?;
        let raw = stix::objects_of(document)
            .map_err(|e| HubError::Unprocessable(format!("the body is not a TAXII envelope: {e}")))?;
        let requested = OffsetDateTime::now_utc();
        let status_id = uuid::Uuid::new_v4().to_string();

        // Markings this envelope defines, then the ones the collection
        // holds that the objects name: any other marking is unknown.
        let defined: HashSet<String> = raw
            .iter()
            .filter(|o| o.get("type").and_then(Value::as_str) == Some("marking-definition"))
            .filter_map(|o| o.get("id").and_then(Value::as_str).map(str::to_owned))
            .collect();
        let wanted: Vec<String> = raw
            .iter()
            .filter_map(|o| o.get("object_marking_refs").and_then(Value::as_array))
            .flatten()
            .filter_map(Value::as_str)
            .filter(|m| Tlp::of_marking_id(m).is_none() && !defined.contains(*m))
            .map(str::to_owned)
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let stored = self.stored_markings(actor, &c.id, wanted).await?;

        let mut successes = vec![];
        let mut failures = vec![];
        let mut seen: HashSet<(String, String)> = HashSet::new();
        let mut versions: Vec<IntelVersion> = vec![];
        let mut levels: HashSet<Tlp> = HashSet::new();
        let mut wrote_sdo = false;
        let mut accepted: Vec<(String, String, StixObject)> = vec![];
        for raw in raw {
            let id = raw.get("id").and_then(Value::as_str).unwrap_or_default().to_owned();
            let shown = raw.get("modified").or_else(|| raw.get("created")).and_then(Value::as_str);
            let shown = shown.map_or_else(|| stix::render_micros(requested), str::to_owned);
            let o = match stix::read(raw) {
                Ok(o) => o,
                Err(e) => {
                    failures.push(StatusDetail { id, version: shown, message: Some(e.to_string()) });
                    continue;
                }
            };
            if let Some(m) = o.markings.iter().find(|m| {
                Tlp::of_marking_id(m).is_none() && !defined.contains(m.as_str()) && !stored.contains(m.as_str())
            }) {
                let message = format!(
                    "`object_marking_refs`: `{m}` is neither a TLP marking nor a marking-definition sent with it or \
                     held by the collection"
                );
                failures.push(StatusDetail { id, version: shown, message: Some(message) });
                continue;
            }
            let key = version_key(&o);
            if !seen.insert((o.id.clone(), key.clone())) {
                // The same version twice in one envelope: one stored, each
                // a success, as TAXII asks of duplicates.
                successes.push(StatusDetail { id, version: shown, message: None });
                continue;
            }
            accepted.push((id, shown, o));
        }
        // A case file's marking covers what it holds: an object that a
        // marked report, grouping, note, opinion or observed-data in the same
        // envelope refers to (directly or through another), and that carries
        // no TLP marking of its own, takes the case's (the strictest when
        // several), as MISP marks an event rather than its attributes.
        let inherited = inherited_levels(&accepted);
        for (id, shown, mut o) in accepted {
            if let (None, Some(t)) = (o.tlp, inherited.get(&o.id)) {
                o.tlp = Some(*t);
                o.markings.push(t.marking_id().to_owned());
                o.json.insert("object_marking_refs".to_owned(), Value::from(o.markings.clone()));
            }
            strict_form(&mut o, actor);
            if let Some(t) = o.tlp {
                levels.insert(t);
            }
            wrote_sdo |= matches!(o.category, Category::Domain | Category::Relationship);
            let message = (!o.warnings.is_empty()).then(|| format!("stored with warnings: {}", o.warnings.join("; ")));
            successes.push(StatusDetail { id, version: shown, message });
            versions.push(self.version_of(o, &c.id, actor));
        }

        let added = versions.len();
        let mut extra = vec![];
        if wrote_sdo && let Some(agency) = self.store.intel().agency(&actor.agency).await? {
            let identity = stix::read(agency_identity(&agency.code, &agency.name, agency.created_at))
                .map_err(|e| HubError::Store(tocsin_store::StoreError::Internal(format!("identity: {e}"))))?;
            extra.push(self.version_of(identity, &c.id, actor));
        }
        for t in levels {
            if let Ok(marking) = stix::read(t.marking_object()) {
                let mut v = self.version_of(marking, &c.id, actor);
                v.owner = MARKINGS_OWNER;
                extra.push(v);
            }
        }
        // The identity and markings first, so that a reader meets them
        // before the objects that refer to them.
        extra.extend(versions);
        let status = Status::complete(status_id.clone(), requested, successes, failures);
        let body = serde_json::to_string(&status)
            .map_err(|e| HubError::Store(tocsin_store::StoreError::Internal(format!("status: {e}"))))?;
        let objects = vec![
            format!("collection:{}", c.id),
            format!("status:{status_id}"),
            format!("added:{added}"),
            format!("failed:{}", status.failure_count),
        ];
        let changes = vec![
            IntelChange::Versions(extra),
            IntelChange::Status { id: status_id, agency: actor.agency, at: requested, body },
        ];
        self.store.intel().commit_all(actor, "intel.add", objects, changes, vec![]).await?;
        Ok(status)
    }

    /// The version row of an object read.
    fn version_of(&self, o: StixObject, collection: &str, actor: &Actor) -> IntelVersion {
        IntelVersion {
            seq: 0,
            collection: collection.to_owned(),
            version: version_key(&o),
            kind: o.kind.clone(),
            owner: actor.agency,
            tlp: o.tlp.map(|t| t.as_str().to_owned()),
            added_us: 0,
            body: Value::Object(o.json).to_string(),
            warnings: o.warnings,
            observables: o.observables.into_iter().map(|ob| (ob.kind.as_str().to_owned(), ob.value)).collect(),
            id: o.id,
        }
    }

    /// Which of `ids` are marking-definitions the actor may read in the
    /// collection.
    async fn stored_markings(
        &self,
        actor: &Actor,
        collection: &str,
        ids: Vec<String>,
    ) -> Result<HashSet<String>, HubError> {
        if ids.is_empty() {
            return Ok(HashSet::new());
        }
        let query = IntelQuery {
            collection: collection.to_owned(),
            types: vec!["marking-definition".to_owned()],
            limit: u32::try_from(ids.len()).unwrap_or(u32::MAX).saturating_mul(4),
            ids,
            versions: VersionFilter { all: true, ..VersionFilter::default() },
            restricted: Some(crate::read::restriction(actor)),
            ..IntelQuery::default()
        };
        let page = self.store.intel().rows().intel_page(&query).await?;
        Ok(page.into_iter().filter(|v| crate::read::may_read(actor, v)).map(|v| v.id).collect())
    }
}

/// What the hub writes of an object: TLP 1.0 marking ids replaced by TLP
/// 2.0's, and the adding agency as `created_by_ref` of a domain or
/// relationship object that names no creator.
fn strict_form(o: &mut StixObject, actor: &Actor) {
    if o.markings.iter().any(|m| Tlp::of_marking_id(m).is_some_and(|t| t.marking_id() != m)) {
        let mut markings: Vec<String> = vec![];
        for m in &o.markings {
            let m = Tlp::of_marking_id(m).map_or_else(|| m.clone(), |t| t.marking_id().to_owned());
            if !markings.contains(&m) {
                markings.push(m);
            }
        }
        o.json.insert("object_marking_refs".to_owned(), Value::from(markings.clone()));
        o.markings = markings;
    }
    if matches!(o.category, Category::Domain | Category::Relationship) && o.created_by.is_none() {
        let id = identity_id(&actor.agency);
        o.json.insert("created_by_ref".to_owned(), Value::from(id.clone()));
        o.created_by = Some(id);
    }
}

/// The TLP level each unmarked object of an envelope takes from the marked
/// containers that refer to it (see [`Hub::post`]).
fn inherited_levels(accepted: &[(String, String, StixObject)]) -> HashMap<String, Tlp> {
    let own: HashMap<&str, Option<Tlp>> = accepted.iter().map(|(_, _, o)| (o.id.as_str(), o.tlp)).collect();
    let mut inherited: HashMap<String, Tlp> = HashMap::new();
    // Each round carries levels one reference further; containers nest a
    // few deep at most (a report, its observed-data, their observables).
    for _ in 0..4 {
        let mut changed = false;
        for (_, _, o) in accepted {
            if !matches!(o.kind.as_str(), "report" | "grouping" | "note" | "opinion" | "observed-data") {
                continue;
            }
            let Some(t) = o.tlp.or_else(|| inherited.get(&o.id).copied()) else { continue };
            for r in o.json.get("object_refs").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str)
            {
                if own.get(r).copied().flatten().is_some() {
                    continue;
                }
                if inherited.get(r).is_none_or(|level| *level < t) {
                    inherited.insert(r.to_owned(), t);
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    inherited
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn read(v: Value) -> (String, String, StixObject) {
        (String::new(), String::new(), stix::read(v).expect("object"))
    }

    #[test]
    fn a_case_files_marking_reaches_what_it_holds_through_observed_data() {
        let t = "2026-03-01T10:00:00.000Z";
        let ip = "ipv4-addr--0b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e";
        let od = "observed-data--0b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e";
        let green = "indicator--1c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f";
        let accepted = vec![
            read(json!({"type": "report", "spec_version": "2.1", "id": "report--5f3a1c2e-8b4d-4e6f-9a1b-2c3d4e5f6a70",
                        "created": t, "modified": t, "name": "case", "published": t,
                        "object_refs": [od, green], "object_marking_refs": [Tlp::Red.marking_id()]})),
            read(json!({"type": "observed-data", "spec_version": "2.1", "id": od, "created": t, "modified": t,
                        "first_observed": t, "last_observed": t, "number_observed": 1, "object_refs": [ip]})),
            read(json!({"type": "ipv4-addr", "spec_version": "2.1", "id": ip, "value": "203.0.113.45"})),
            read(json!({"type": "indicator", "spec_version": "2.1", "id": green, "created": t, "modified": t,
                        "pattern": "[ipv4-addr:value = '203.0.113.45']", "pattern_type": "stix", "valid_from": t,
                        "object_marking_refs": [Tlp::Green.marking_id()]})),
        ];
        let levels = inherited_levels(&accepted);
        assert_eq!(levels.get(od), Some(&Tlp::Red));
        assert_eq!(levels.get(ip), Some(&Tlp::Red), "through the observed-data");
        assert_eq!(levels.get(green), None, "an object's own marking stands");
    }
}
