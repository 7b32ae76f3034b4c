//! The service: the asset cache, each agency's view, and the operations
//! the routes and the command line call.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde::Deserialize;
use serde_json::{Value, json};
use tocsin_audit::Outcome;
use tocsin_core::access::{Viewer, may_see_parts};
use tocsin_core::asset::{Asset, AssetInput, Dependency, DependencyId, DependencyInput, Location, Sector};
use tocsin_core::auth::Permission;
use tocsin_core::level::Level;
use tocsin_core::record::{AccessRule, Record, RecordBody, RecordId, RecordState};
use tocsin_core::{AgencyCode, CountryCode};
use tocsin_infra::cascade::{Cause, Params, Prepared};
use tocsin_infra::exchange::{self, Exchange, Stored};
use tocsin_infra::report::{self, Scope};
use tocsin_infra::{Builder, Ix, LinkSpec, Network, Node};
use tocsin_store::{Actor, NewAsset, Store, StoreError};

use crate::InfraError;

/// An asset as the cache keeps it.
#[derive(Debug, Clone)]
struct Cached {
    version: u64,
    /// False for an archived asset, kept so an older version delivered
    /// late cannot bring it back.
    active: bool,
    owner: AgencyCode,
    access: AccessRule,
    level: Level,
    asset: Arc<Asset>,
}

/// One agency's part of the asset graph.
#[derive(Debug, Clone, Default)]
pub struct View {
    /// The graph.
    pub net: Network,
    /// Each node's record id.
    pub ids: Vec<RecordId>,
    /// Each node's asset.
    pub assets: Vec<Arc<Asset>>,
    /// Each node's access rule (for exports).
    pub access: Vec<AccessRule>,
    /// The dependencies between the nodes, in link order.
    pub dependencies: Vec<Dependency>,
    index: HashMap<RecordId, Ix>,
}

impl View {
    /// The node of a record, if the view has it.
    pub fn node(&self, id: &RecordId) -> Option<Ix> {
        self.index.get(id).copied()
    }

    /// How an answer names a node.
    pub fn asset_ref(&self, v: Ix) -> AssetRef {
        let a = &self.assets[v as usize];
        AssetRef { id: self.ids[v as usize], name: a.name.clone(), sector: a.sector, country: a.country }
    }

    fn refs(&self, v: &[Ix]) -> Vec<AssetRef> {
        v.iter().map(|&v| self.asset_ref(v)).collect()
    }

    /// The node of `s`, an id the caller gave in `field`: not found, as
    /// for a missing one, when the view does not have it.
    pub fn resolve(&self, field: &str, s: &str) -> Result<Ix, InfraError> {
        s.parse::<RecordId>()
            .ok()
            .and_then(|id| self.node(&id))
            .ok_or_else(|| StoreError::NotFound(format!("{field}: asset {}", s.escape_debug())).into())
    }
}

/// An asset as answers name it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct AssetRef {
    /// Its record id.
    pub id: RecordId,
    /// Its name.
    pub name: String,
    /// Its sector.
    pub sector: Sector,
    /// Its country.
    pub country: CountryCode,
}

/// Which assets a cascade removes: the union of what each selector picks.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Removal {
    /// Assets by id.
    pub assets: Option<Vec<String>>,
    /// Every asset within a distance of a point.
    pub radius: Option<Radius>,
    /// Every asset of a sector (in `country`, when given).
    pub sector: Option<String>,
    /// Every asset of a country (of `sector`, when given).
    pub country: Option<String>,
    /// Every asset of an operator.
    pub operator: Option<String>,
}

/// A circle on the map.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Radius {
    /// Latitude of the centre.
    pub lat: f64,
    /// Longitude of the centre.
    pub lon: f64,
    /// Radius in kilometres.
    pub km: f64,
}

/// A what-if cascade.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CascadeInput {
    /// What is lost.
    pub remove: Removal,
    /// Failures later than this are not followed.
    pub horizon_hours: Option<f64>,
    /// The lost share of a commodity at which an asset fails (default 0.5).
    pub loss_threshold: Option<f64>,
    /// The most timeline steps answered (default 1,000).
    pub limit: Option<usize>,
}

/// An N-1 sweep.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SweepInput {
    /// How many of the most connected assets to remove one by one
    /// (default 1,000).
    pub candidates: Option<usize>,
    /// As for a cascade.
    pub horizon_hours: Option<f64>,
    /// As for a cascade.
    pub loss_threshold: Option<f64>,
    /// The most rows answered (default 50).
    pub limit: Option<usize>,
}

/// A single-point-of-failure report's question.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpofQuery {
    /// One consumer's record id.
    pub consumer: Option<String>,
    /// Consumers of a sector.
    pub sector: Option<String>,
    /// Consumers in a country.
    pub country: Option<String>,
    /// The most answered (default 50).
    pub limit: Option<usize>,
}

/// An asset to register or replace, as a client sends it: the asset's
/// fields ([`AssetInput`]) beside its rule, labels and, to replace it, the
/// version last read. Unknown fields are refused.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAssetInput {
    /// Its name (required).
    pub name: Option<String>,
    /// Its sector (required).
    pub sector: Option<String>,
    /// Free-text subsector.
    pub subsector: Option<String>,
    /// Who runs it.
    pub operator: Option<String>,
    /// ISO 3166-1 alpha-3 (required).
    pub country: Option<String>,
    /// Its coordinates.
    pub location: Option<Location>,
    /// Its capacity.
    pub capacity: Option<tocsin_core::asset::Capacity>,
    /// People it serves.
    pub serves: Option<u64>,
    /// 1 to 5.
    pub criticality: Option<u8>,
    /// Whether it works.
    pub status: Option<tocsin_core::asset::AssetStatus>,
    /// Commodities it originates.
    pub supplies: Option<Vec<String>>,
    /// Who may see it (required to register).
    pub access: Option<AccessRule>,
    /// Free labels.
    pub tags: Option<Vec<String>>,
    /// The version last read (to replace).
    pub version: Option<u64>,
    /// Ignored (read-only), so a client can send back what it read.
    #[schema(ignore)]
    pub id: Option<serde::de::IgnoredAny>,
    /// Ignored (read-only).
    #[schema(ignore)]
    pub kind: Option<serde::de::IgnoredAny>,
    /// Ignored (read-only).
    #[schema(ignore)]
    pub owner: Option<serde::de::IgnoredAny>,
    /// Ignored (read-only).
    #[schema(ignore)]
    pub state: Option<serde::de::IgnoredAny>,
    /// Ignored (read-only).
    #[schema(ignore)]
    pub created_at: Option<serde::de::IgnoredAny>,
    /// Ignored (read-only).
    #[schema(ignore)]
    pub updated_at: Option<serde::de::IgnoredAny>,
    /// Ignored (read-only).
    #[schema(ignore)]
    pub handling: Option<serde::de::IgnoredAny>,
    /// Ignored (read-only).
    #[schema(ignore)]
    pub review_by: Option<serde::de::IgnoredAny>,
}

impl NewAssetInput {
    fn asset(&self) -> AssetInput {
        AssetInput {
            name: self.name.clone(),
            sector: self.sector.clone(),
            subsector: self.subsector.clone(),
            operator: self.operator.clone(),
            country: self.country.clone(),
            location: self.location,
            capacity: self.capacity.clone(),
            serves: self.serves,
            criticality: self.criticality,
            status: self.status,
            supplies: self.supplies.clone(),
        }
    }
}

fn params(horizon: Option<f64>, threshold: Option<f64>) -> Result<Params, InfraError> {
    if let Some(h) = horizon
        && !(h.is_finite() && h >= 0.0)
    {
        return Err(InfraError::invalid("horizon_hours", "hours, zero or more"));
    }
    let loss_threshold = threshold.unwrap_or(0.5);
    if !(loss_threshold > 0.0 && loss_threshold <= 1.0) {
        return Err(InfraError::invalid("loss_threshold", "above 0 and at most 1"));
    }
    Ok(Params { loss_threshold, horizon_hours: horizon })
}

fn sector(field: &str, s: &str) -> Result<Sector, InfraError> {
    Sector::parse(s).map_err(|e| InfraError::invalid(field, e.message))
}

fn country(field: &str, s: &str) -> Result<CountryCode, InfraError> {
    CountryCode::parse(s).map_err(|e| InfraError::invalid(field, e.message))
}

/// Refuses a caller whose role reads no records, before anything is
/// looked at (so what it is refused says nothing of the graph).
fn reads(actor: &Actor) -> Result<(), InfraError> {
    if actor.may(Permission::ReadRecords) {
        Ok(())
    } else {
        Err(StoreError::Forbidden(format!("the {} role does not read records", actor.role.as_str())).into())
    }
}

/// The most dependencies one request declares (an import takes more).
pub(crate) const MAX_DECLARED: usize = 10_000;

/// CPU-bound work off the async threads.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, InfraError> {
    tokio::task::spawn_blocking(f).await.map_err(|e| StoreError::Internal(format!("an analysis stopped: {e}")).into())
}

/// Critical-infrastructure analysis on a store.
pub struct Infra {
    store: Arc<Store>,
    assets: Arc<Mutex<HashMap<RecordId, Cached>>>,
    dependencies: tokio::sync::Mutex<Option<(u64, Arc<Vec<Dependency>>)>>,
    pub(crate) changed: Arc<tokio::sync::Notify>,
}

impl std::fmt::Debug for Infra {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Infra").field("assets", &self.size()).finish_non_exhaustive()
    }
}

impl Infra {
    /// The service on `store`, following its records from now on: create
    /// it before the store builds its screening index, so the cache is
    /// filled in the same pass.
    pub fn new(store: Arc<Store>) -> Arc<Infra> {
        let assets: Arc<Mutex<HashMap<RecordId, Cached>>> = Arc::default();
        let changed = Arc::new(tokio::sync::Notify::new());
        let (cache, told) = (assets.clone(), changed.clone());
        store.infra().follow(move |r: &Record| {
            let mut cache = match cache.lock() {
                Ok(c) => c,
                Err(poisoned) => poisoned.into_inner(),
            };
            if !matches!(r.data.body, RecordBody::Asset(_)) {
                return;
            }
            // A late delivery of an older version changes nothing.
            if cache.get(&r.id).is_some_and(|c| c.version > r.version) {
                return;
            }
            if let RecordBody::Asset(a) = &r.data.body {
                let entry = Cached {
                    version: r.version,
                    active: r.state == RecordState::Active,
                    owner: r.owner,
                    access: r.data.access.clone(),
                    level: r.data.level,
                    asset: Arc::new(a.clone()),
                };
                cache.insert(r.id, entry);
            }
            told.notify_one();
        });
        Arc::new(Infra { store, assets, dependencies: tokio::sync::Mutex::new(None), changed })
    }

    /// Audits a question about ids the caller's view does not have
    /// (`infra.<what>`, not found, with the ids asked), as the store
    /// audits a record it may not see: a probe for a hidden asset leaves
    /// its trace.
    async fn not_found<'a, T>(
        &self,
        actor: &Actor,
        what: &str,
        asked: impl Iterator<Item = &'a str>,
        result: Result<T, InfraError>,
    ) -> Result<T, InfraError> {
        if let Err(InfraError::Store(StoreError::NotFound(_))) = &result {
            let objects = asked.map(str::to_owned).collect();
            self.store.log(actor, &format!("infra.{what}"), objects, Outcome::NotFound).await?;
        }
        result
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// How many assets the cache holds.
    pub fn size(&self) -> usize {
        self.assets.lock().map(|c| c.values().filter(|a| a.active).count()).unwrap_or(0)
    }

    async fn all_dependencies(&self) -> Result<Arc<Vec<Dependency>>, StoreError> {
        let generation = self.store.infra().generation().await?;
        let mut slot = self.dependencies.lock().await;
        match &*slot {
            Some((g, deps)) if *g == generation => Ok(deps.clone()),
            _ => {
                let (g, deps) = self.store.infra().dependencies().await?;
                let deps = Arc::new(deps);
                *slot = Some((g, deps.clone()));
                Ok(deps)
            }
        }
    }

    /// `viewer`'s view: the assets it may see and the dependencies
    /// between them.
    pub async fn view(&self, viewer: &Viewer) -> Result<View, InfraError> {
        let deps = self.all_dependencies().await?;
        let mut visible: Vec<(RecordId, Cached)> = {
            let cache = self.assets.lock().map_err(|_| StoreError::Internal("the asset cache".into()))?;
            cache
                .iter()
                .filter(|(_, c)| c.active && may_see_parts(viewer, &c.owner, RecordState::Active, &c.access, c.level))
                .map(|(id, c)| (*id, c.clone()))
                .collect()
        };
        visible.sort_unstable_by_key(|(id, _)| *id);
        blocking(move || {
            let mut b = Builder::new();
            let mut view = View::default();
            for (id, c) in visible {
                let a = &c.asset;
                let v = b.node(Node {
                    sector: a.sector,
                    country: a.country,
                    location: a.location,
                    serves: a.serves,
                    operator: a.operator.clone(),
                    live: a.status.is_live(),
                    supplies: a.supplies.clone(),
                });
                view.index.insert(id, v);
                view.ids.push(id);
                view.assets.push(c.asset.clone());
                view.access.push(c.access);
            }
            for d in deps.iter() {
                let (Some(&p), Some(&q)) = (view.index.get(&d.provider), view.index.get(&d.dependent)) else {
                    continue;
                };
                let spec = LinkSpec {
                    commodity: d.commodity,
                    share: d.share,
                    group: d.group.clone(),
                    k: d.k,
                    delay_hours: d.time_to_impact_hours + d.buffer_hours,
                };
                if b.link(p, q, spec) {
                    view.dependencies.push(d.clone());
                }
            }
            view.net = b.build();
            // A group's k as the view has it (clamped to the members in
            // view), so no listing says how many members are hidden.
            for (d, link) in view.dependencies.iter_mut().zip(view.net.links()) {
                if let (Some(g), Some(_)) = (link.group, d.k) {
                    d.k = Some(view.net.groups()[g as usize].k);
                }
            }
            view
        })
        .await
    }

    /// Registers one asset of the actor's agency.
    pub async fn register(&self, actor: &Actor, input: NewAssetInput) -> Result<Record, InfraError> {
        let asset = input.asset().validate("")?;
        let access = input.access.ok_or_else(|| InfraError::invalid("access", "required"))?;
        let new = NewAsset { asset, access, tags: input.tags.unwrap_or_default() };
        let (mut records, _) = self.store.infra().import(actor, vec![(String::new(), new)], vec![]).await?;
        self.changed.notify_one();
        records.pop().ok_or_else(|| StoreError::Internal("no record".into()).into())
    }

    /// Replaces one of the actor's agency's assets at `version`.
    pub async fn update(&self, actor: &Actor, id: RecordId, input: NewAssetInput) -> Result<Record, InfraError> {
        let version =
            input.version.ok_or_else(|| InfraError::invalid("version", "required: the version you last read"))?;
        let asset = input.asset().validate("")?;
        let record = self.store.infra().update(actor, id, version, asset, input.access, input.tags).await?;
        self.changed.notify_one();
        Ok(record)
    }

    /// Declares dependencies, all or none.
    pub async fn declare(&self, actor: &Actor, inputs: Vec<DependencyInput>) -> Result<Vec<Dependency>, InfraError> {
        if inputs.len() > MAX_DECLARED {
            return Err(InfraError::invalid(
                "body",
                format!(
                    "{} dependencies in one request; at most {MAX_DECLARED}: import more with POST /v1/infra/import",
                    inputs.len()
                ),
            ));
        }
        let fields = inputs
            .into_iter()
            .enumerate()
            .map(|(i, d)| d.validate(&format!("dependencies[{i}].")))
            .collect::<Result<Vec<_>, _>>()?;
        let deps = self.store.infra().declare(actor, fields).await?;
        self.changed.notify_one();
        Ok(deps)
    }

    /// Withdraws a dependency.
    pub async fn withdraw(&self, actor: &Actor, id: DependencyId) -> Result<(), InfraError> {
        self.store.infra().withdraw(actor, id).await?;
        self.changed.notify_one();
        Ok(())
    }

    /// The dependencies the actor's agency may see, those of one asset
    /// when given (as provider or dependent).
    pub async fn dependencies(&self, actor: &Actor, asset: Option<&str>) -> Result<Vec<Dependency>, InfraError> {
        reads(actor)?;
        let view = self.view(&actor.viewer()).await?;
        let node = asset.map(|a| view.resolve("asset", a)).transpose();
        let node = self.not_found(actor, "dependency.list", asset.into_iter(), node).await?;
        let deps = view
            .dependencies
            .iter()
            .filter(|d| node.is_none_or(|v| view.ids[v as usize] == d.provider || view.ids[v as usize] == d.dependent))
            .cloned()
            .collect();
        let objects = asset.map(|a| vec![a.to_owned()]).unwrap_or_default();
        self.store.infra().analysed(actor, "dependency.list", objects).await?;
        Ok(deps)
    }

    /// One dependency the actor's agency may see (both its ends).
    pub async fn dependency(&self, actor: &Actor, id: DependencyId) -> Result<Dependency, InfraError> {
        reads(actor)?;
        let view = self.view(&actor.viewer()).await?;
        let found = view.dependencies.iter().find(|d| d.id == id).cloned();
        let found = found.ok_or_else(|| StoreError::NotFound(format!("dependency {id}")).into());
        let id = id.to_string();
        let found = self.not_found(actor, "dependency.read", std::iter::once(id.as_str()), found).await?;
        self.store.infra().analysed(actor, "dependency.read", vec![id]).await?;
        Ok(found)
    }

    /// Imports a file's assets and dependencies, all or none.
    pub async fn import(&self, actor: &Actor, x: Exchange) -> Result<Value, InfraError> {
        let assets = x
            .assets
            .into_iter()
            .map(|e| {
                let access = e.access.unwrap_or(AccessRule::Only { countries: vec![] });
                (e.key, NewAsset { asset: e.asset, access, tags: e.tags })
            })
            .collect::<Vec<_>>();
        let keys: Vec<String> = assets.iter().map(|(k, _)| k.clone()).collect();
        let (records, deps) = self.store.infra().import(actor, assets, x.dependencies).await?;
        self.changed.notify_one();
        let ids: serde_json::Map<String, Value> =
            keys.into_iter().zip(&records).map(|(k, r)| (k, json!(r.id))).collect();
        Ok(json!({ "assets": records.len(), "dependencies": deps.len(), "ids": ids }))
    }

    /// The actor's agency's view as a file: `jsonl`, `geojson`, or CSV of
    /// `assets` or `dependencies`.
    pub async fn export(&self, actor: &Actor, format: &str) -> Result<(&'static str, String), InfraError> {
        reads(actor)?;
        let view = self.view(&actor.viewer()).await?;
        let ids: Vec<String> = view.ids.iter().map(RecordId::to_string).collect();
        let stored: Vec<Stored<'_>> = view
            .assets
            .iter()
            .zip(&ids)
            .zip(&view.access)
            .map(|((asset, id), access)| Stored { id, asset, access })
            .collect();
        let out = match format {
            "jsonl" => ("application/x-ndjson", exchange::write_jsonl(&stored, &view.dependencies)),
            "geojson" => ("application/geo+json", exchange::write_geojson(&stored, &view.dependencies).to_string()),
            "assets.csv" => {
                ("text/csv", exchange::write_assets_csv(&stored).map_err(|e| StoreError::Internal(e.to_string()))?)
            }
            "dependencies.csv" => (
                "text/csv",
                exchange::write_dependencies_csv(&view.dependencies)
                    .map_err(|e| StoreError::Internal(e.to_string()))?,
            ),
            _ => return Err(InfraError::invalid("format", "jsonl, geojson, assets.csv or dependencies.csv")),
        };
        self.store.infra().analysed(actor, "export", vec![format!("format:{format}")]).await?;
        Ok(out)
    }

    /// The single-point-of-failure report.
    pub async fn spof(&self, actor: &Actor, q: SpofQuery) -> Result<Value, InfraError> {
        reads(actor)?;
        let limit = q.limit.unwrap_or(50).clamp(1, 10_000);
        let sector = q.sector.as_deref().map(|s| sector("sector", s)).transpose()?;
        let country = q.country.as_deref().map(|c| country("country", c)).transpose()?;
        let view = Arc::new(self.view(&actor.viewer()).await?);
        let consumer = q.consumer.as_deref().map(|c| view.resolve("consumer", c)).transpose();
        let consumer = self.not_found(actor, "spof", q.consumer.as_deref().into_iter(), consumer).await?;
        let scope = Scope { consumer, sector, country };
        let v = view.clone();
        let r = blocking(move || report::spofs(&v.net, &scope, limit)).await?;
        let mut objects = vec![];
        objects.extend(q.consumer.map(|c| format!("consumer:{c}")));
        objects.extend(q.sector.map(|s| format!("sector:{s}")));
        objects.extend(q.country.map(|c| format!("country:{c}")));
        self.store.infra().analysed(actor, "spof", objects).await?;
        let spofs: Vec<Value> = r
            .spofs
            .iter()
            .map(|s| {
                json!({
                    "asset": view.asset_ref(s.node),
                    "commodities": s.commodities,
                    "articulation_point": s.articulation_point,
                    "dependents": s.dependents,
                    "people": s.people,
                    "sectors": s.sectors,
                    "countries": s.countries,
                })
            })
            .collect();
        let bridges: Vec<Value> =
            r.bridges.iter().take(limit).map(|&(a, b)| json!([view.asset_ref(a), view.asset_ref(b)])).collect();
        Ok(json!({
            "assets": view.net.len(),
            "dependencies": view.net.links().len(),
            "spofs": spofs,
            "total": r.total,
            "articulation_points": { "count": r.articulation_points.len(),
                "items": view.refs(&r.articulation_points[..r.articulation_points.len().min(limit)]) },
            "bridges": { "count": r.bridges.len(), "items": bridges },
        }))
    }

    /// Redundancy groups with fewer live members than they need.
    pub async fn redundancy(&self, actor: &Actor) -> Result<Value, InfraError> {
        reads(actor)?;
        let view = self.view(&actor.viewer()).await?;
        let short = report::short_groups(&view.net);
        self.store.infra().analysed(actor, "redundancy", vec![]).await?;
        let groups: Vec<Value> = short
            .iter()
            .map(|g| {
                json!({ "dependent": view.asset_ref(g.dependent), "group": g.name, "k": g.k,
                        "members": g.members, "live": g.live })
            })
            .collect();
        Ok(json!({ "groups": groups }))
    }

    /// The cross-border matrix and each country's foreign single points of
    /// failure.
    pub async fn cross_border(&self, actor: &Actor, limit: Option<usize>) -> Result<Value, InfraError> {
        reads(actor)?;
        let limit = limit.unwrap_or(50).clamp(1, 10_000);
        let view = Arc::new(self.view(&actor.viewer()).await?);
        let v = view.clone();
        let (matrix, foreign) = blocking(move || report::cross_border(&v.net)).await?;
        self.store.infra().analysed(actor, "cross_border", vec![]).await?;
        let matrix: Vec<Value> = matrix
            .iter()
            .map(
                |c| json!({ "from": c.from, "to": c.to, "commodity": c.commodity, "links": c.links, "share": c.share }),
            )
            .collect();
        let mut per_country: std::collections::BTreeMap<String, Vec<Value>> = Default::default();
        for f in &foreign {
            let list = per_country.entry(f.country.to_string()).or_default();
            if list.len() < limit {
                list.push(json!({ "asset": view.asset_ref(f.node), "dependents": f.dependents, "people": f.people }));
            }
        }
        Ok(json!({ "matrix": matrix, "foreign_spofs": per_country }))
    }

    /// The assets `r` selects in `view`.
    fn select(view: &View, r: &Removal) -> Result<Vec<Ix>, InfraError> {
        let mut out = Vec::new();
        for (i, a) in r.assets.iter().flatten().enumerate() {
            out.push(view.resolve(&format!("remove.assets[{i}]"), a)?);
        }
        if let Some(c) = &r.radius {
            let centre = Location::new("remove.radius", c.lat, c.lon)?;
            if !(c.km.is_finite() && c.km > 0.0 && c.km <= 20_040.0) {
                return Err(InfraError::invalid("remove.radius.km", "kilometres, above 0 and at most 20040"));
            }
            out.extend(
                (0..view.net.len() as Ix)
                    .filter(|&v| view.net.node(v).location.is_some_and(|l| l.km_to(&centre) <= c.km)),
            );
        }
        let s = r.sector.as_deref().map(|s| sector("remove.sector", s)).transpose()?;
        let c = r.country.as_deref().map(|c| country("remove.country", c)).transpose()?;
        if s.is_some() || c.is_some() {
            out.extend((0..view.net.len() as Ix).filter(|&v| {
                let n = view.net.node(v);
                s.is_none_or(|s| s == n.sector) && c.is_none_or(|c| c == n.country)
            }));
        }
        if let Some(op) = &r.operator {
            out.extend(
                (0..view.net.len() as Ix).filter(|&v| view.net.node(v).operator.as_deref() == Some(op.as_str())),
            );
        }
        out.sort_unstable();
        out.dedup();
        Ok(out)
    }

    /// A what-if cascade.
    pub async fn cascade(&self, actor: &Actor, input: CascadeInput) -> Result<Value, InfraError> {
        reads(actor)?;
        let params = params(input.horizon_hours, input.loss_threshold)?;
        let limit = input.limit.unwrap_or(1000).clamp(1, 100_000);
        let view = Arc::new(self.view(&actor.viewer()).await?);
        let asked = input.remove.assets.iter().flatten().map(String::as_str);
        let removed = self.not_found(actor, "cascade", asked, Self::select(&view, &input.remove)).await?;
        if removed.is_empty() {
            return Err(InfraError::invalid("remove", "selects no asset you may see"));
        }
        let mut objects: Vec<String> = removed.iter().map(|&v| view.ids[v as usize].to_string()).collect();
        objects.extend(input.horizon_hours.map(|h| format!("horizon_hours:{h}")));
        let v = view.clone();
        let rem = removed.clone();
        let (failures, impact, chains) = blocking(move || {
            let failures = Prepared::new(&v.net, params).run(&rem);
            let impact = report::impact(&v.net, &failures);
            let mut shown: Vec<usize> = (0..failures.len().min(limit)).collect();
            shown.extend(impact.first_cross_border);
            let chains: HashMap<usize, Vec<Ix>> =
                shown.iter().copied().zip(report::cause_chains(&v.net, &failures, &shown)).collect();
            (failures, impact, chains)
        })
        .await?;
        // What was removed: the selected assets that were live.
        let removed: Vec<Ix> = failures.iter().filter(|f| f.cause == Cause::Removed).map(|f| f.node).collect();
        self.store.infra().analysed(actor, "cascade", objects).await?;
        let step = |i: usize| {
            let f = &failures[i];
            let (cause, commodity) = match f.cause {
                Cause::Removed => ("removed", None),
                Cause::Link(l) => ("dependency", Some(view.net.link(l).commodity)),
                Cause::Isolated { commodity, .. } => ("isolated", Some(commodity)),
            };
            let chain: Vec<RecordId> = chains.get(&i).into_iter().flatten().map(|&c| view.ids[c as usize]).collect();
            json!({
                "hours": f.at_hours,
                "asset": view.asset_ref(f.node),
                "cause": cause,
                "commodity": commodity,
                "via": f.origin(&view.net).map(|o| view.asset_ref(o)),
                "chain": chain,
            })
        };
        let timeline: Vec<Value> = (0..failures.len().min(limit)).map(step).collect();
        let first_cross_border = impact.first_cross_border.map(step);
        let cells: Vec<Value> = impact
            .by_sector_country
            .iter()
            .map(|(s, c, n, p)| json!({ "sector": s, "country": c, "assets": n, "people": p }))
            .collect();
        Ok(json!({
            "removed": view.refs(&removed),
            "failed": failures.len().saturating_sub(removed.len()),
            "people": impact.people,
            "timeline": timeline,
            "truncated": failures.len() > limit,
            "impact": cells,
            "first_cross_border": first_cross_border,
        }))
    }

    /// The N-1 sweep over the most connected assets.
    pub async fn sweep(&self, actor: &Actor, input: SweepInput) -> Result<Value, InfraError> {
        reads(actor)?;
        let params = params(input.horizon_hours, input.loss_threshold)?;
        let n = input.candidates.unwrap_or(1000);
        if !(1..=100_000).contains(&n) {
            return Err(InfraError::invalid("candidates", "from 1 to 100000"));
        }
        let limit = input.limit.unwrap_or(50).clamp(1, 100_000);
        let view = Arc::new(self.view(&actor.viewer()).await?);
        let v = view.clone();
        let rows = blocking(move || {
            let candidates = v.net.most_connected(n);
            (candidates.len(), report::sweep(&v.net, &candidates, params))
        })
        .await?;
        self.store.infra().analysed(actor, "sweep", vec![format!("candidates:{n}")]).await?;
        let ranked: Vec<Value> = rows
            .1
            .iter()
            .take(limit)
            .map(|r| json!({ "asset": view.asset_ref(r.node), "failed": r.failed, "people": r.people }))
            .collect();
        Ok(json!({ "candidates": rows.0, "ranked": ranked }))
    }
}
