//! Critical-infrastructure analysis's way into the store ([`Store::infra`]),
//! and nothing more: assets (records of kind `asset`), the dependencies
//! between them, early-warning watches, and the audit of every analysis.
//!
//! The rules that are the store's live here: an asset is registered and
//! changed by its owner; a dependency is declared by the dependent's owner
//! on a provider it may see, and a provider it may not see is refused
//! exactly like one that does not exist; a dependency is visible only to an
//! agency that may see both its ends. What the graph means is
//! `tocsin-infra`'s job.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use tocsin_core::access::{Viewer, may_see};
use tocsin_core::asset::{Asset, Dependency, DependencyFields, DependencyId, oversized_group};
use tocsin_core::auth::{Permission, Role};
use tocsin_core::event::{Event, EventKind};
use tocsin_core::level::Level;
use tocsin_core::record::{
    AccessRule, Handling, HandlingCode, Record, RecordBody, RecordData, RecordId, RecordState, default_review_date,
};
use tocsin_core::{AgencyCode, FieldError};

use crate::backend::{Change, Effects};
use crate::cluster::records_changes;
use crate::infra_backend::{InfraWatchRow, InfraWatchState};
use crate::store::{require, to_json};
use crate::{Actor, Store, StoreError};

use tocsin_core::asset::{MAX_IMPORT_ASSETS, MAX_IMPORT_DEPENDENCIES};

/// The most watches an agency keeps (each is evaluated after every change).
pub(crate) const MAX_WATCHES: usize = 1_000;

/// The handle for infrastructure analysis ([`Store::infra`]).
pub struct Infra<'a> {
    store: &'a Store,
}

/// An asset to register: what it is and who may see it.
#[derive(Debug, Clone)]
pub struct NewAsset {
    /// The asset.
    pub asset: Asset,
    /// Who may see it besides its owner.
    pub access: AccessRule,
    /// Free labels.
    pub tags: Vec<String>,
}

/// An early-warning watch on an asset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Watch {
    /// Identifier.
    pub id: String,
    /// The watching agency.
    pub agency: AgencyCode,
    /// The asset.
    pub asset: RecordId,
    /// Warn when the asset's loss alone fails at least this many others.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_cascade: Option<u32>,
    /// Who made it.
    pub created_by: String,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    /// The state last evaluated.
    pub state: WatchState,
}

/// What a watch last saw of its asset.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WatchState {
    /// Whether it was a single point of failure.
    pub spof: bool,
    /// How many assets its loss alone failed.
    pub cascade: u32,
    /// Whether the watch had been evaluated.
    #[serde(default)]
    pub evaluated: bool,
}

#[derive(Serialize, Deserialize)]
struct WatchBody {
    min_cascade: Option<u32>,
    created_by: String,
}

impl Watch {
    fn from_row(r: &InfraWatchRow) -> Result<(Watch, u64), StoreError> {
        let body: WatchBody =
            serde_json::from_str(&r.body).map_err(|e| StoreError::Corrupt(format!("watch {}: {e}", r.id)))?;
        let state: WatchState =
            serde_json::from_str(&r.state).map_err(|e| StoreError::Corrupt(format!("watch {}: {e}", r.id)))?;
        let watch = Watch {
            id: r.id.clone(),
            agency: r.agency,
            asset: r.asset,
            min_cascade: body.min_cascade,
            created_by: body.created_by,
            created_at: r.created_at,
            state,
        };
        Ok((watch, r.version))
    }
}

impl Store {
    /// Critical-infrastructure assets, dependencies, watches and the audit
    /// of analyses.
    pub fn infra(&self) -> Infra<'_> {
        Infra { store: self }
    }
}

fn asset_data(a: NewAsset, review_by: time::Date) -> RecordData {
    RecordData {
        body: RecordBody::Asset(a.asset),
        handling: Handling { code: HandlingCode::Inform, instructions: None },
        access: a.access,
        tags: a.tags,
        review_by,
        source: None,
        level: Level::default(),
    }
}

/// An end of a dependency as given: an existing record's id, or the key of
/// an asset in the same import.
enum End {
    Record(RecordId),
    New(usize),
}

impl Infra<'_> {
    /// Calls `f` with every record this node indexes from now on (see
    /// [`crate::Biometrics::follow`]): a graph cache stays in step with the
    /// assets through it.
    pub fn follow(&self, f: impl Fn(&Record) + Send + Sync + 'static) {
        self.store.follow(std::sync::Arc::new(f));
    }

    /// Every dependency as stored, with their generation: for a node's
    /// graph cache, which filters them per agency.
    pub async fn dependencies(&self) -> Result<(u64, Vec<Dependency>), StoreError> {
        self.store.backend.infra_dependencies().await
    }

    /// The dependencies' generation, which grows with every change.
    pub async fn generation(&self) -> Result<u64, StoreError> {
        self.store.backend.infra_generation().await
    }

    /// Registers assets of the actor's agency, with dependencies among
    /// them and on assets it may see, all or none (`infra.import`). A
    /// dependency's ends are record ids or keys of `assets`.
    pub async fn import(
        &self,
        actor: &Actor,
        assets: Vec<(String, NewAsset)>,
        dependencies: Vec<DependencyFields>,
    ) -> Result<(Vec<Record>, Vec<Dependency>), StoreError> {
        let result = async {
            require(actor, Permission::WriteRecords)?;
            self.store.writable()?;
            if assets.len() > MAX_IMPORT_ASSETS {
                return Err(FieldError::field(
                    "assets",
                    format!("{} assets in one import; at most {MAX_IMPORT_ASSETS}: split the file", assets.len()),
                )
                .into());
            }
            if dependencies.len() > MAX_IMPORT_DEPENDENCIES {
                return Err(FieldError::field(
                    "dependencies",
                    format!(
                        "{} dependencies in one import; at most {MAX_IMPORT_DEPENDENCIES}: split the file",
                        dependencies.len()
                    ),
                )
                .into());
            }
            let now = OffsetDateTime::now_utc();
            let review_by = default_review_date(self.store.today());
            let mut keys: HashMap<String, usize> = HashMap::with_capacity(assets.len());
            let mut records = Vec::with_capacity(assets.len());
            for (i, (key, a)) in assets.into_iter().enumerate() {
                if keys.insert(key.clone(), i).is_some() {
                    return Err(FieldError::field(format!("assets[{i}].key"), format!("`{key}` is used twice")).into());
                }
                records.push(Record::new(actor.agency, asset_data(a, review_by), now));
            }
            let deps = self.resolve(actor, &keys, &records, dependencies, now).await?;
            let intent = self.store.intend(|| records_changes(&records)).await?;
            let mut objects: Vec<String> = records.iter().map(|r| r.id.to_string()).collect();
            objects.extend(deps.iter().map(|d| d.id.to_string()));
            let change = Change::All(vec![
                Change::Records { new: records.clone(), changed: vec![] },
                Change::InfraDependencies { new: deps.clone(), removed: vec![] },
            ]);
            let written = self.store.commit_logged(actor, "infra.import", objects, change, Effects::default()).await;
            self.store.settle(&intent, written.map(drop)).await?;
            self.store.reindex(&records);
            self.store.announce(intent).await;
            Ok((records, deps))
        }
        .await;
        self.store.audited_failure(actor, "infra.import", vec![], result).await
    }

    /// Checks dependencies and gives them their ends' ids: the dependent
    /// an active asset of the actor's agency, the provider an active asset
    /// it may see (one it may not see is "not found", like a missing one),
    /// no pair declared twice for one commodity, and no group asking for
    /// more live members than it has.
    async fn resolve(
        &self,
        actor: &Actor,
        keys: &HashMap<String, usize>,
        new: &[Record],
        fields: Vec<DependencyFields>,
        now: OffsetDateTime,
    ) -> Result<Vec<Dependency>, StoreError> {
        let end = |s: &str| -> Option<End> {
            keys.get(s).map(|&i| End::New(i)).or_else(|| s.parse::<RecordId>().ok().map(End::Record))
        };
        let mut wanted: Vec<RecordId> = fields
            .iter()
            .flat_map(|f| [f.provider.as_str(), f.dependent.as_str()])
            .filter_map(|s| match end(s) {
                Some(End::Record(id)) => Some(id),
                _ => None,
            })
            .collect();
        wanted.sort_unstable();
        wanted.dedup();
        let stored: HashMap<RecordId, Record> =
            self.store.backend.records(&wanted).await?.into_iter().map(|r| (r.id, r)).collect();
        let asset = |at: String, s: &str| -> Result<&Record, StoreError> {
            let found = match end(s) {
                Some(End::New(i)) => Some(&new[i]),
                Some(End::Record(id)) => stored.get(&id),
                None => None,
            };
            match found {
                Some(r)
                    if may_see(&actor.viewer(), r)
                        && r.state == RecordState::Active
                        && matches!(r.data.body, RecordBody::Asset(_)) =>
                {
                    Ok(r)
                }
                _ => Err(StoreError::NotFound(format!("{at}: asset {}", s.escape_debug()))),
            }
        };
        let (_, existing) = self.store.backend.infra_dependencies().await?;
        let mut seen: std::collections::HashSet<(RecordId, RecordId, tocsin_core::asset::Commodity)> =
            existing.iter().map(|d| (d.provider, d.dependent, d.commodity)).collect();
        let mut out = Vec::with_capacity(fields.len());
        for (i, f) in fields.into_iter().enumerate() {
            let dependent = asset(format!("dependencies[{i}].dependent"), &f.dependent)?;
            if dependent.owner != actor.agency {
                return Err(StoreError::Forbidden(format!(
                    "dependencies[{i}].dependent: asset {} belongs to {}; its owner declares what it depends on",
                    dependent.id, dependent.owner
                )));
            }
            let provider = asset(format!("dependencies[{i}].provider"), &f.provider)?;
            if provider.id == dependent.id {
                return Err(FieldError::field(
                    format!("dependencies[{i}].provider"),
                    "an asset does not depend on itself",
                )
                .into());
            }
            if !seen.insert((provider.id, dependent.id, f.commodity)) {
                return Err(StoreError::Conflict(format!(
                    "dependencies[{i}]: {} already depends on {} for {}",
                    dependent.id,
                    provider.id,
                    f.commodity.as_str()
                )));
            }
            out.push(Dependency {
                id: DependencyId::generate(),
                owner: actor.agency,
                provider: provider.id,
                dependent: dependent.id,
                commodity: f.commodity,
                dep_type: f.dep_type,
                share: f.share,
                group: f.group,
                k: f.k,
                buffer_hours: f.buffer_hours,
                time_to_impact_hours: f.time_to_impact_hours,
                recovery_hours: f.recovery_hours,
                created_at: now,
            });
        }
        // Groups span what is stored and what is declared now.
        let touched: std::collections::HashSet<(RecordId, &str)> =
            out.iter().filter_map(|d| d.group.as_deref().map(|g| (d.dependent, g))).collect();
        let mine: Vec<&Dependency> = existing
            .iter()
            .filter(|d| d.group.as_deref().is_some_and(|g| touched.contains(&(d.dependent, g))))
            .collect();
        let all = out
            .iter()
            .enumerate()
            .map(|(i, d)| (i, &d.dependent, d.group.as_deref(), d.k))
            .chain(mine.iter().map(|d| (usize::MAX, &d.dependent, d.group.as_deref(), d.k)));
        if let Some((i, k, n)) = oversized_group(all) {
            let at = if i == usize::MAX { "dependencies".to_owned() } else { format!("dependencies[{i}].k") };
            return Err(FieldError::field(at, format!("the group asks for {k} live members and has {n}")).into());
        }
        Ok(out)
    }

    /// Declares dependencies of the actor's agency's assets
    /// (`infra.dependency.create`), all or none.
    pub async fn declare(&self, actor: &Actor, fields: Vec<DependencyFields>) -> Result<Vec<Dependency>, StoreError> {
        let result = async {
            require(actor, Permission::WriteRecords)?;
            self.store.writable()?;
            let deps = self.resolve(actor, &HashMap::new(), &[], fields, OffsetDateTime::now_utc()).await?;
            let objects = deps.iter().flat_map(|d| [d.id.to_string(), d.dependent.to_string()]).collect();
            let change = Change::InfraDependencies { new: deps.clone(), removed: vec![] };
            self.store.commit_logged(actor, "infra.dependency.create", objects, change, Effects::default()).await?;
            Ok(deps)
        }
        .await;
        self.store.audited_failure(actor, "infra.dependency.create", vec![], result).await
    }

    /// One dependency, if the actor's agency may see both its ends.
    pub async fn dependency(&self, actor: &Actor, id: DependencyId) -> Result<Dependency, StoreError> {
        let result = async {
            require(actor, Permission::ReadRecords)?;
            let d = self.store.backend.infra_dependency(&id).await?;
            match d {
                Some(d) if self.sees_both(&actor.viewer(), &d).await? => Ok(d),
                _ => Err(StoreError::NotFound(format!("dependency {id}"))),
            }
        }
        .await;
        self.store.audited(actor, "infra.dependency.read", vec![id.to_string()], result).await
    }

    async fn sees_both(&self, viewer: &Viewer, d: &Dependency) -> Result<bool, StoreError> {
        let ends = self.store.backend.records(&[d.provider, d.dependent]).await?;
        Ok(ends.len() == 2 && ends.iter().all(|r| may_see(viewer, r)))
    }

    /// Withdraws a dependency of the actor's agency (`infra.dependency.delete`).
    pub async fn withdraw(&self, actor: &Actor, id: DependencyId) -> Result<(), StoreError> {
        let result = async {
            require(actor, Permission::WriteRecords)?;
            self.store.writable()?;
            // Its owner withdraws it even when an end has since been hidden
            // from it; others learn nothing of it.
            let d = match self.store.backend.infra_dependency(&id).await? {
                Some(d) if d.owner == actor.agency || self.sees_both(&actor.viewer(), &d).await? => d,
                _ => return Err(StoreError::NotFound(format!("dependency {id}"))),
            };
            if d.owner != actor.agency {
                return Err(StoreError::Forbidden(format!(
                    "dependency {id} belongs to {}; only its owner withdraws it",
                    d.owner
                )));
            }
            let change = Change::InfraDependencies { new: vec![], removed: vec![id] };
            let objects = vec![id.to_string(), d.dependent.to_string()];
            self.store.commit_logged(actor, "infra.dependency.delete", objects, change, Effects::default()).await?;
            Ok(())
        }
        .await;
        self.store.audited_failure(actor, "infra.dependency.delete", vec![id.to_string()], result).await
    }

    /// Replaces an asset of the actor's agency, at the version it last
    /// read (`record.update`); its rule and labels when given.
    pub async fn update(
        &self,
        actor: &Actor,
        id: RecordId,
        version: u64,
        asset: Asset,
        access: Option<AccessRule>,
        tags: Option<Vec<String>>,
    ) -> Result<Record, StoreError> {
        let result = async {
            let current = self.store.owned_record(actor, id, version).await?;
            if !matches!(current.data.body, RecordBody::Asset(_)) {
                return Err(StoreError::NotFound(format!("asset {id}")));
            }
            if current.state == RecordState::Archived {
                return Err(StoreError::VersionConflict { sent: version, current: current.version });
            }
            self.store.writable()?;
            let mut data = current.data.clone();
            data.body = RecordBody::Asset(asset);
            if let Some(access) = access {
                data.access = access;
            }
            if let Some(tags) = tags {
                data.tags = tags;
            }
            let next = Record { version: current.version + 1, updated_at: OffsetDateTime::now_utc(), data, ..current };
            self.store.replace_record(actor, "record.update", &next, version).await?;
            Ok(next)
        }
        .await;
        self.store.audited_failure(actor, "record.update", vec![id.to_string()], result).await
    }

    /// Audits an analysis the actor ran (`infra.<what>`: `spof`,
    /// `cascade`, `sweep`, …) with what it asked, never what it got.
    pub async fn analysed(&self, actor: &Actor, what: &str, query: Vec<String>) -> Result<(), StoreError> {
        require(actor, Permission::ReadRecords)?;
        self.store.audited(actor, &format!("infra.{what}"), query, Ok(())).await
    }

    /// Watches an asset the actor's agency may see (`infra.watch.create`).
    pub async fn watch(&self, actor: &Actor, asset: RecordId, min_cascade: Option<u32>) -> Result<Watch, StoreError> {
        let result = async {
            require(actor, Permission::ReadRecords)?;
            self.store.writable()?;
            let record = self.store.visible_record(actor, asset).await?;
            if !matches!(record.data.body, RecordBody::Asset(_)) {
                return Err(StoreError::NotFound(format!("asset {asset}")));
            }
            if min_cascade == Some(0) {
                return Err(FieldError::field("min_cascade", "at least 1").into());
            }
            if self.store.backend.infra_watches(Some(&actor.agency)).await?.len() >= MAX_WATCHES {
                return Err(StoreError::Conflict(format!(
                    "the agency has {MAX_WATCHES} infrastructure watches: withdraw one first"
                )));
            }
            let now = OffsetDateTime::now_utc();
            let body = WatchBody { min_cascade, created_by: actor.user.clone() };
            let row = InfraWatchRow {
                id: uuid::Uuid::new_v4().to_string(),
                agency: actor.agency,
                asset,
                created_at: now,
                body: to_json("a watch", &body)?.to_string(),
                state: to_json("a watch", &WatchState::default())?.to_string(),
                version: 1,
            };
            let objects = vec![row.id.clone(), asset.to_string()];
            self.store
                .commit_logged(
                    actor,
                    "infra.watch.create",
                    objects,
                    Change::InfraWatch(row.clone()),
                    Effects::default(),
                )
                .await?;
            Ok(Watch::from_row(&row)?.0)
        }
        .await;
        self.store.audited_failure(actor, "infra.watch.create", vec![asset.to_string()], result).await
    }

    /// The actor's agency's watches.
    pub async fn watches(&self, actor: &Actor) -> Result<Vec<Watch>, StoreError> {
        let result = async {
            require(actor, Permission::ReadRecords)?;
            let rows = self.store.backend.infra_watches(Some(&actor.agency)).await?;
            rows.iter().map(|r| Watch::from_row(r).map(|(w, _)| w)).collect()
        }
        .await;
        self.store.audited(actor, "infra.watch.list", vec![], result).await
    }

    /// Withdraws one of the actor's agency's watches.
    pub async fn unwatch(&self, actor: &Actor, id: &str) -> Result<(), StoreError> {
        let result = async {
            require(actor, Permission::ReadRecords)?;
            self.store.writable()?;
            let change = Change::InfraUnwatch { id: id.to_owned(), agency: actor.agency };
            let done = self
                .store
                .commit_logged(actor, "infra.watch.delete", vec![id.to_owned()], change, Effects::default())
                .await?;
            if !done.applied {
                return Err(StoreError::NotFound(format!("watch {id}")));
            }
            Ok(())
        }
        .await;
        self.store.audited_failure(actor, "infra.watch.delete", vec![id.to_owned()], result).await
    }

    /// Every agency's watches with the version of their state, for the
    /// evaluation that runs after each change.
    pub async fn all_watches(&self) -> Result<Vec<(Watch, u64)>, StoreError> {
        self.store.backend.infra_watches(None).await?.iter().map(Watch::from_row).collect()
    }

    /// Keeps a watch's new state, with an `infra.warning` event to its
    /// agency when `warning` is given; false when another node changed it
    /// first (so only one warns).
    pub async fn settle_watch(
        &self,
        watch: &Watch,
        version: u64,
        state: WatchState,
        warning: Option<serde_json::Value>,
    ) -> Result<bool, StoreError> {
        let now = OffsetDateTime::now_utc();
        let change = Change::InfraWatchState(InfraWatchState {
            id: watch.id.clone(),
            version,
            state: to_json("a watch", &state)?.to_string(),
        });
        let mut effects = Effects::default();
        if let Some(data) = warning {
            effects.events.push(Event::new(watch.agency, EventKind::InfraWarning, data, now));
        }
        let who =
            Actor::new(watch.agency, "system", Role::Operator, Some(format!("infrastructure watch {}", watch.id)));
        let objects = vec![watch.id.clone(), watch.asset.to_string()];
        let done = self.store.commit_logged(&who, "infra.watch.evaluate", objects, change, effects).await?;
        Ok(done.applied)
    }
}
