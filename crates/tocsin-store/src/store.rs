//! The store facade: policy, ownership, roles and audit around a [`Backend`].

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, OnceLock, RwLock};

use serde::Serialize;
use time::{Date, OffsetDateTime};
use tocsin_audit::{Break, Draft, Entry, Hash, Head, Outcome, Verdict, Verifier};
use tocsin_core::access::{Viewer, may_see};
use tocsin_core::auth::{Permission, Role};
use tocsin_core::hit::Dismissal;
use tocsin_core::level::Level;
use tocsin_core::notice::{Notice, NoticeBrief, NoticeId};
use tocsin_core::record::{Kind, Record, RecordData, RecordId, RecordInput, RecordState};
use tocsin_core::unit::Unit;
use tocsin_core::{AgencyCode, FieldError, limits};
use tocsin_match::name::THRESHOLD;
use tocsin_match::screen::{Index, MIN_SCORE};

use crate::audit_log::{AuditLog, AuditStats};
use crate::backend::AgencyBackend;
use crate::backend::{
    Agency, AgencySettings, AuditFilter, AuditScope, AuditViewQuery, Backend, Change, Committed, Effects,
    RecordPageQuery,
};
use crate::clock::Clock;
use crate::cluster::{Announcer, records_changes};
use crate::events::Hub;
use crate::fanout::Fanout;
use crate::token::Token;
use crate::watches::Watches;
use crate::{PgBackend, SqliteBackend, StoreError};

/// Where a store lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// The embedded SQLite store in this directory (the default).
    Embedded(std::path::PathBuf),
    /// A PostgreSQL database (`postgres://user[:password]@host[:port]/db`),
    /// for cluster mode; `?schema=NAME` keeps the store in that schema.
    Postgres(String),
}

impl Location {
    /// `store` when given (a `postgres://` or `postgresql://` URL), else the
    /// embedded store in `data`.
    pub fn new(data: &Path, store: Option<&str>) -> Result<Location, FieldError> {
        match store {
            None => Ok(Location::Embedded(data.to_owned())),
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Ok(Location::Postgres(url.to_owned()))
            }
            Some(other) => Err(FieldError::field(
                "store",
                format!("`{}` is not a postgres:// URL (leave it out for the embedded store)", other.escape_debug()),
            )),
        }
    }
}

impl Location {
    /// Its backend: a store that exists (`create` unset) or a new one
    /// (`create` set: [`StoreError::AlreadyInitialized`] if there is one).
    /// A PostgreSQL store exists once the General Secretariat is registered.
    async fn backend(&self, create: bool) -> Result<Arc<dyn Backend>, StoreError> {
        match self {
            Location::Embedded(dir) => Ok(Arc::new(SqliteBackend::open(dir, create).await?)),
            Location::Postgres(url) => {
                let (url, schema) = split_schema(url);
                let backend = PgBackend::connect(&url, schema.as_deref()).await?;
                match (backend.agency(&AgencyCode::GS).await?.is_some(), create) {
                    (true, true) => Err(StoreError::AlreadyInitialized(self.to_string())),
                    (false, false) => Err(StoreError::NotInitialized(self.to_string())),
                    _ => Ok(Arc::new(backend)),
                }
            }
        }
    }
}

/// The URL without its `schema=NAME` parameter, and that name: several
/// stores may share one database, each in its own schema (created if
/// absent).
fn split_schema(url: &str) -> (String, Option<String>) {
    let Some((base, query)) = url.split_once('?') else { return (url.to_owned(), None) };
    let (schema, rest): (Vec<&str>, Vec<&str>) = query.split('&').partition(|p| p.starts_with("schema="));
    let schema = schema.last().map(|p| p.trim_start_matches("schema=").to_owned());
    match rest.is_empty() {
        true => (base.to_owned(), schema),
        false => (format!("{base}?{}", rest.join("&")), schema),
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Embedded(dir) => write!(f, "{}", dir.display()),
            Location::Postgres(url) => f.write_str(&crate::postgres::redact(url)),
        }
    }
}

/// Who is acting, for the policy and the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The agency acted for.
    pub agency: AgencyCode,
    /// The user (a token's user name, or `operator`).
    pub user: String,
    /// The role.
    pub role: Role,
    /// The purpose the caller declared, if any.
    pub purpose: Option<String>,
    /// The national unit it acts in, whose rights bound its role's.
    pub unit: Option<std::sync::Arc<Unit>>,
    /// The highest level it reads (its unit's clearance bounds it further:
    /// [`Actor::viewer`]).
    pub clearance: Level,
}

impl Actor {
    /// An actor of an agency, in no unit, cleared for every level.
    pub fn new(agency: AgencyCode, user: impl Into<String>, role: Role, purpose: Option<String>) -> Actor {
        Actor { agency, user: user.into(), role, purpose, unit: None, clearance: Level::TOP }
    }

    /// The local operator (the CLI), acting for `agency`.
    pub fn operator(agency: AgencyCode) -> Actor {
        Actor::new(agency, "operator", Role::Operator, None)
    }

    /// The actor, cleared for `clearance` only.
    pub fn cleared(self, clearance: Level) -> Actor {
        Actor { clearance, ..self }
    }

    /// Who is looking, for the access policy: its agency, at the lower of
    /// its own clearance and its unit's.
    pub fn viewer(&self) -> Viewer {
        let unit = self.unit.as_ref().map_or(Level::TOP, |u| u.rights.clearance);
        Viewer::new(self.agency, self.clearance.min(unit))
    }

    /// The user as the audit log names it: `UNIT/user` in a unit.
    pub fn audit_user(&self) -> String {
        match &self.unit {
            Some(u) => format!("{}/{}", u.code, self.user),
            None => self.user.clone(),
        }
    }

    /// Whether the actor may do `p`: its role allows it, and its unit's
    /// rights when it acts in one.
    pub fn may(&self, p: Permission) -> bool {
        self.role.may(p) && self.unit.as_ref().is_none_or(|u| u.rights.allows(p))
    }

    /// Whether the actor screens and reads records of `kind` (a unit only
    /// those it was granted).
    pub fn screens(&self, kind: Kind) -> bool {
        self.unit.as_ref().is_none_or(|u| u.rights.screens(kind))
    }

    /// `record` as the actor is shown it: without its handling
    /// instructions for a unit not granted them.
    pub fn shown(&self, mut record: Record) -> Record {
        if self.unit.as_ref().is_some_and(|u| !u.rights.handling_instructions) {
            record.data.handling.instructions = None;
        }
        record
    }

    /// An audit entry of this actor's, made now.
    pub(crate) fn draft(&self, action: &str, objects: Vec<String>, outcome: Outcome) -> Draft {
        Draft {
            time: OffsetDateTime::now_utc(),
            agency: self.agency.to_string(),
            user: self.audit_user(),
            role: self.role.to_string(),
            action: action.to_owned(),
            objects,
            outcome,
            purpose: self.purpose.clone(),
        }
    }
}

/// Refuses a record marked above what the writer reads: nobody makes a
/// record they could not see.
fn within_clearance(actor: &Actor, level: Level) -> Result<(), StoreError> {
    let clearance = actor.viewer().clearance;
    match level <= clearance {
        true => Ok(()),
        false => Err(FieldError::field("level", format!("{level} is above your clearance ({clearance})")).into()),
    }
}

/// The holder of a valid token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// Its agency.
    pub agency: AgencyCode,
    /// Its role.
    pub role: Role,
    /// The user it was issued to.
    pub user: String,
    /// The national unit it acts in, if any.
    pub unit: Option<std::sync::Arc<Unit>>,
    /// The token's clearance.
    pub clearance: Level,
}

impl Principal {
    /// The actor this principal is, with a declared purpose.
    pub fn actor(&self, purpose: Option<String>) -> Actor {
        Actor {
            agency: self.agency,
            user: self.user.clone(),
            role: self.role,
            purpose,
            unit: self.unit.clone(),
            clearance: self.clearance,
        }
    }
}

/// A page of results and the cursor for the next one (`None`: no more).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    /// The results.
    pub items: Vec<T>,
    /// Pass as `after` to get the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// An audit entry as served.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditView {
    /// The entry's number in this view: its position in the whole log for
    /// the General Secretariat's reading of it, the acting agency's own
    /// count in an agency's reading of its entries, the position among the
    /// entries shown about a record. `after` pages by it.
    pub seq: u64,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub time: OffsetDateTime,
    /// The acting agency.
    pub agency: String,
    /// The acting user.
    pub user: String,
    /// The actor's role.
    pub role: String,
    /// What was done.
    pub action: String,
    /// The objects concerned.
    pub objects: Vec<String>,
    /// How it ended.
    pub outcome: Outcome,
    /// The declared purpose.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    /// Hash of the entry before, hex: in the whole log only (in a partial
    /// view, whether two entries link would tell whether others came
    /// between them).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prev_hash: Option<String>,
    /// This entry's hash, hex: in the whole log only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hash: Option<String>,
}

impl AuditView {
    /// An entry as a partial view shows it: numbered `number` in the view,
    /// without its chain links.
    fn numbered(number: u64, e: Entry) -> AuditView {
        AuditView { seq: number, prev_hash: None, hash: None, ..AuditView::from(e) }
    }
}

impl From<Entry> for AuditView {
    fn from(e: Entry) -> AuditView {
        AuditView {
            seq: e.seq,
            time: e.draft.time,
            agency: e.draft.agency,
            user: e.draft.user,
            role: e.draft.role,
            action: e.draft.action,
            objects: e.draft.objects,
            outcome: e.draft.outcome,
            purpose: e.draft.purpose,
            prev_hash: Some(tocsin_audit::to_hex(&e.prev_hash)),
            hash: Some(tocsin_audit::to_hex(&e.hash)),
        }
    }
}

/// The result of verifying the audit chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Verification {
    /// Whether every entry checks out.
    pub ok: bool,
    /// Entries checked and found intact.
    pub entries: u64,
    /// Hash of the last intact entry, hex.
    pub head: String,
    /// The first broken entry's sequence number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub broken_at: Option<u64>,
    /// What is wrong with it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<Break>,
}

/// Which records to list.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    /// Start after this record id (the previous page's `next`).
    pub after: Option<RecordId>,
    /// At most this many (1..=1000).
    pub limit: u32,
    /// Only this kind.
    pub kind: Option<Kind>,
    /// Only records of this owner.
    pub owner: Option<AgencyCode>,
    /// Include archived records (which only their owner may see).
    pub include_archived: bool,
}

/// Most records one list call returns.
pub const MAX_PAGE: u32 = 1000;
/// Audit entries read per step while verifying.
const VERIFY_STEP: u32 = 10_000;

/// The store every caller uses. See the crate documentation.
pub struct Store {
    pub(crate) backend: Arc<dyn Backend>,
    audit: AuditLog,
    /// Tokens known to be valid, by digest.
    pub(crate) tokens: RwLock<HashMap<String, crate::tokens::Known>>,
    /// The lifetime of a token issued without one.
    pub(crate) token_lifetime: RwLock<crate::tokens::Lifetime>,
    /// Agency settings read so far.
    pub(crate) settings: RwLock<HashMap<AgencyCode, AgencySettings>>,
    /// This store is an edge node's copy (`Store::replica().load()`): its
    /// hits wait for confirmation upstream.
    pub(crate) copy: std::sync::atomic::AtomicBool,
    /// Live event delivery.
    pub(crate) hub: Arc<Hub>,
    /// Committed events on their way to the hub, in order.
    pub(crate) fanout: Fanout,
    /// The cluster this node announces its changes to, once joined.
    pub(crate) cluster: Arc<OnceLock<Announcer>>,
    /// The last stream sequence this node has followed to.
    pub(crate) applied: std::sync::atomic::AtomicU64,
    /// Reviewed false positives in force, by (searching agency, subject, record).
    pub(crate) dismissals: RwLock<HashMap<(AgencyCode, String, RecordId), Dismissal>>,
    /// Standing watches.
    pub(crate) watches: Arc<RwLock<Watches>>,
    /// The neutrality aid's terms (empty: the built-in list).
    pub(crate) neutrality: RwLock<Vec<String>>,
    /// Published notices by the records they concern, for screening results.
    pub(crate) published: RwLock<HashMap<RecordId, Vec<NoticeBrief>>>,
    /// Published notices whose owner made the public extract available.
    pub(crate) public: RwLock<HashMap<NoticeId, Notice>>,
    /// The clock dates are read from.
    pub(crate) clock: Clock,
    /// The screening index, once [`Store::enable_screening`] has built it.
    pub(crate) index: Arc<RwLock<Option<Index>>>,
    /// Where other nodes' audit checkpoints go (cluster mode).
    pub(crate) peer_checkpoints: OnceLock<Box<dyn Fn(tocsin_audit::checkpoint::Checkpoint) + Send + Sync>>,
    /// This node's screening latencies, per agency and hour.
    pub(crate) latencies: tocsin_activity::Latencies,
    /// Told of every record this node indexes, local or announced
    /// ([`crate::Biometrics::follow`]).
    pub(crate) followers: RwLock<Vec<crate::bio::Follower>>,
}

/// Records read per step while building the screening index.
const INDEX_STEP: u32 = 10_000;

impl Store {
    /// Wraps a backend; starts the audit writer on the current runtime.
    pub fn new(backend: Arc<dyn Backend>) -> Store {
        let hub = Arc::new(Hub::default());
        let cluster = Arc::new(OnceLock::new());
        let fanout = Fanout::start(backend.clone(), hub.clone(), cluster.clone());
        let audit = AuditLog::start(backend.clone(), fanout.clone());
        Store {
            backend,
            audit,
            tokens: RwLock::new(HashMap::new()),
            token_lifetime: RwLock::new(crate::tokens::Lifetime::default()),
            settings: RwLock::new(HashMap::new()),
            copy: std::sync::atomic::AtomicBool::new(false),
            hub,
            fanout,
            cluster,
            applied: 0.into(),
            dismissals: RwLock::new(HashMap::new()),
            watches: Arc::new(RwLock::new(Watches::default())),
            neutrality: RwLock::new(vec![]),
            published: RwLock::new(HashMap::new()),
            public: RwLock::new(HashMap::new()),
            clock: Clock::default(),
            index: Arc::new(RwLock::new(None)),
            peer_checkpoints: OnceLock::new(),
            latencies: tocsin_activity::Latencies::new(OffsetDateTime::now_utc()),
            followers: RwLock::new(vec![]),
        }
    }

    /// Opens the embedded store in `dir`.
    pub async fn open(dir: &Path) -> Result<Store, StoreError> {
        Store::open_at(&Location::Embedded(dir.to_owned())).await
    }

    /// Creates the embedded store in `dir` with the General Secretariat
    /// registered, and returns it with a reviewer token for the GS.
    pub async fn init(dir: &Path) -> Result<(Store, Token), StoreError> {
        Store::init_at(&Location::Embedded(dir.to_owned())).await
    }

    /// Opens the store at `location`, which must have been created
    /// ([`Store::init_at`]).
    pub async fn open_at(location: &Location) -> Result<Store, StoreError> {
        Store::begin(location.backend(false).await?).await
    }

    /// [`Store::new`], with live events owed from the backend's last event
    /// on: a subscriber gets every event committed after the store opened.
    async fn begin(backend: Arc<dyn Backend>) -> Result<Store, StoreError> {
        let last = backend.last_event().await?;
        let store = Store::new(backend);
        store.fanout.begin(last);
        Ok(store)
    }

    /// Creates the store at `location` with the General Secretariat
    /// registered, and returns it with a reviewer token for the GS.
    pub async fn init_at(location: &Location) -> Result<(Store, Token), StoreError> {
        let store = Store::begin(location.backend(true).await?).await?;
        let op = Actor::operator(AgencyCode::GS);
        store.add_agency(&op, AgencyCode::GS, "General Secretariat").await?;
        let token = store.create_token(&op, AgencyCode::GS, Role::Reviewer, "gs-reviewer", Level::TOP).await?;
        Ok((store, token))
    }

    /// Whether this store is an edge node's copy, whose hits wait for
    /// confirmation upstream.
    pub fn is_copy(&self) -> bool {
        self.copy.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Today's date (UTC) by the store's clock, for defaults, checks on
    /// dates and the retention clock.
    pub fn today(&self) -> Date {
        self.clock.today()
    }

    /// The clock dates are read from (tests move it).
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Counters of the audit writer's work.
    pub fn audit_stats(&self) -> AuditStats {
        self.audit.stats()
    }

    /// Commits every queued audit entry and stops the audit writer. Calls
    /// made afterwards fail with [`StoreError::AuditClosed`].
    pub async fn close(&self) {
        self.audit.close().await;
    }

    /// Writes a consistent copy of the database to the new file `into`
    /// while the store serves (the embedded store), audited `store.backup`
    /// in the operator's name before the copy, so the copy holds it.
    pub async fn snapshot(&self, actor: &Actor, into: &Path) -> Result<(), StoreError> {
        if actor.role != Role::Operator {
            return Err(StoreError::Forbidden("backups are the operator's (tocsin backup)".into()));
        }
        self.log(actor, "store.backup", vec![into.display().to_string()], Outcome::Ok).await?;
        self.backend.snapshot(into).await
    }

    /// Appends one entry and waits until it is durable.
    pub async fn log(
        &self,
        actor: &Actor,
        action: &str,
        objects: Vec<String>,
        outcome: Outcome,
    ) -> Result<(), StoreError> {
        self.log_with(actor, action, objects, outcome, Effects::default()).await
    }

    /// Appends one entry and stores `effects` (hits, events) in the same
    /// transaction, and waits until all are durable.
    pub(crate) async fn log_with(
        &self,
        actor: &Actor,
        action: &str,
        objects: Vec<String>,
        outcome: Outcome,
        effects: Effects,
    ) -> Result<(), StoreError> {
        self.audit.append_with(actor.draft(action, objects, outcome), effects).await
    }

    /// Logs what an anonymous caller was refused, with `objects` (its
    /// address, a count).
    pub async fn log_rejected(&self, action: &str, objects: Vec<String>) -> Result<(), StoreError> {
        self.append_draft(Draft {
            time: OffsetDateTime::now_utc(),
            agency: String::new(),
            user: String::new(),
            role: String::new(),
            action: action.to_owned(),
            objects,
            outcome: Outcome::Denied,
            purpose: None,
        })
        .await
    }

    /// Appends an entry made by no agency (an anonymous caller) and waits
    /// until it is durable.
    pub(crate) async fn append_draft(&self, draft: Draft) -> Result<(), StoreError> {
        self.audit.append(draft).await
    }

    /// Logs the call's outcome, then returns its result; an audit failure
    /// replaces the result, so nothing is answered that was not logged.
    pub(crate) async fn audited<T>(
        &self,
        actor: &Actor,
        action: &str,
        objects: Vec<String>,
        result: Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.audited_with(actor, action, objects, result, |_| Effects::default()).await
    }

    /// Applies `change` and appends the entry that records it (`action`,
    /// `objects`, outcome ok, in the actor's name) with `effects`, in one
    /// transaction, then hands the events to the hub: the change is never
    /// durable without its entry, nor the entry without the change. A
    /// conditional change that did not apply writes nothing
    /// (`applied: false`); the caller then reports why, and
    /// [`Store::audited_failure`] logs that.
    pub(crate) async fn commit_logged(
        &self,
        actor: &Actor,
        action: &str,
        objects: Vec<String>,
        change: Change,
        effects: Effects,
    ) -> Result<Committed, StoreError> {
        self.commit_drafts(vec![actor.draft(action, objects, Outcome::Ok)], change, effects).await
    }

    /// [`Store::commit_logged`] with several entries (an import's, one per
    /// action and chunk of ids).
    pub(crate) async fn commit_drafts(
        &self,
        drafts: Vec<Draft>,
        change: Change,
        effects: Effects,
    ) -> Result<Committed, StoreError> {
        let mut committed = self.backend.commit(change, drafts, effects).await?;
        if committed.applied {
            let n = committed.entries.len() as u64;
            metrics::counter!("tocsin_audit_commits_total", "path" => "with_change").increment(1);
            metrics::counter!("tocsin_audit_entries_total", "path" => "with_change").increment(n);
            self.fanout.local(std::mem::take(&mut committed.events));
        }
        Ok(committed)
    }

    /// For a call whose success was logged with its change
    /// ([`Store::commit_logged`]): logs a failure, returns the result.
    pub(crate) async fn audited_failure<T>(
        &self,
        actor: &Actor,
        action: &str,
        objects: Vec<String>,
        result: Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        match result {
            Ok(t) => Ok(t),
            Err(e) => self.audited(actor, action, objects, Err(e)).await,
        }
    }

    /// [`Store::audited`], storing the effects of a success (its events)
    /// with the entry.
    pub(crate) async fn audited_with<T>(
        &self,
        actor: &Actor,
        action: &str,
        objects: Vec<String>,
        result: Result<T, StoreError>,
        effects: impl FnOnce(&T) -> Effects,
    ) -> Result<T, StoreError> {
        let (outcome, effects) = match &result {
            Ok(t) => (Outcome::Ok, effects(t)),
            Err(e) => (outcome_of(e), Effects::default()),
        };
        self.log_with(actor, action, objects, outcome, effects).await?;
        result
    }

    // ---- agencies and tokens -------------------------------------------

    /// An agency's settings (cached after the first read).
    pub(crate) async fn settings(&self, agency: &AgencyCode) -> Result<AgencySettings, StoreError> {
        if let Some(t) = crate::locks::read(&self.settings).get(agency).copied() {
            return Ok(t);
        }
        let t = self.backend.settings(agency).await?;
        crate::locks::write(&self.settings).insert(*agency, t);
        Ok(t)
    }

    /// The score from which the agency's screenings make hits: its own
    /// setting, else the engine's match threshold.
    pub async fn hit_threshold(&self, agency: &AgencyCode) -> Result<f64, StoreError> {
        Ok(self.settings(agency).await?.hit_threshold.unwrap_or(THRESHOLD))
    }

    /// Changes an agency's settings (the operator only): the hit threshold,
    /// from [`MIN_SCORE`] to 1, and the days a reviewed false positive holds
    /// back new hits, from 0 to 3,650. `None` leaves a setting as it is. A
    /// running server reads them at its next start.
    pub async fn set_agency_settings(
        &self,
        actor: &Actor,
        agency: AgencyCode,
        hit_threshold: Option<f64>,
        dismiss_days: Option<u32>,
    ) -> Result<AgencySettings, StoreError> {
        let result = async {
            if actor.role != Role::Operator {
                return Err(StoreError::Forbidden(
                    "agency settings are set by the operator (tocsin agency set)".into(),
                ));
            }
            if hit_threshold.is_some_and(|t| !(MIN_SCORE..=1.0).contains(&t)) {
                return Err(FieldError::field("hit_threshold", format!("must be from {MIN_SCORE} to 1")).into());
            }
            if dismiss_days.is_some_and(|d| d > 3650) {
                return Err(FieldError::field("dismiss_days", "must be from 0 to 3650").into());
            }
            if self.backend.agency(&agency).await?.is_none() {
                return Err(StoreError::NotFound(format!("agency {agency}")));
            }
            let current = self.backend.settings(&agency).await?;
            let next = AgencySettings {
                hit_threshold: hit_threshold.or(current.hit_threshold),
                dismiss_days: dismiss_days.or(current.dismiss_days),
            };
            let objects = vec![agency.to_string()];
            self.commit_logged(actor, "agency.set", objects, Change::Settings(agency, next), Effects::default())
                .await?;
            crate::locks::write(&self.settings).insert(agency, next);
            Ok(next)
        }
        .await;
        self.audited_failure(actor, "agency.set", vec![agency.to_string()], result).await
    }

    /// Registers an agency.
    pub async fn add_agency(&self, actor: &Actor, code: AgencyCode, name: &str) -> Result<Agency, StoreError> {
        let result = async {
            require(actor, Permission::WriteRecords)?;
            if actor.role != Role::Operator {
                return Err(StoreError::Forbidden("agencies are added by the operator (tocsin agency add)".into()));
            }
            let name = label("name", name)?;
            let agency = Agency { code, name, created_at: OffsetDateTime::now_utc() };
            let objects = vec![code.to_string()];
            self.commit_logged(actor, "agency.add", objects, Change::Agency(agency.clone()), Effects::default())
                .await?;
            Ok(agency)
        }
        .await;
        self.audited_failure(actor, "agency.add", vec![code.to_string()], result).await
    }

    /// All registered agencies.
    pub async fn agencies(&self) -> Result<Vec<Agency>, StoreError> {
        self.backend.agencies().await
    }

    // ---- screening -----------------------------------------------------

    /// Builds the screening index from every stored record; from then on
    /// every create, update and archive made through this store updates it.
    /// Returns how many records are indexed (archived ones are not).
    pub async fn enable_screening(&self) -> Result<usize, StoreError> {
        let mut index = Index::new();
        let mut page = RecordPageQuery { limit: INDEX_STEP, ..RecordPageQuery::default() };
        // The followers (biometric galleries, the asset cache) are built in the same pass.
        let followers = crate::locks::read(&self.followers).clone();
        loop {
            let records = self.backend.record_page(&page).await?;
            let Some(last) = records.last() else { break };
            page.after = Some(last.id);
            records.iter().for_each(|r| {
                index.upsert(r);
                followers.iter().for_each(|f| f(r));
            });
            if records.len() < INDEX_STEP as usize {
                break;
            }
        }
        let n = index.len();
        if let Ok(mut slot) = self.index.write() {
            *slot = Some(index);
        }
        self.load_watches().await?;
        self.load_dismissals().await?;
        self.load_published().await?;
        Ok(n)
    }

    /// Registers a follower of every record this node indexes (what the
    /// services' `follow` handles share: biometric galleries, the asset
    /// cache).
    pub(crate) fn follow(&self, f: crate::bio::Follower) {
        crate::locks::write(&self.followers).push(f);
    }

    pub(crate) fn reindex<'a>(&self, records: impl IntoIterator<Item = &'a Record>) {
        let followers = crate::locks::read(&self.followers).clone();
        if let Ok(mut slot) = self.index.write()
            && let Some(index) = slot.as_mut()
        {
            records.into_iter().for_each(|r| {
                index.upsert(r);
                followers.iter().for_each(|f| f(r));
            });
        }
    }

    // ---- records -------------------------------------------------------

    /// Validates and creates one record owned by the actor's agency.
    pub async fn create_record(&self, actor: &Actor, input: RecordInput) -> Result<Record, StoreError> {
        let data = input.validate(self.today());
        match data {
            Ok(data) => {
                self.create_records(actor, vec![data]).await?.pop().ok_or_else(|| StoreError::NotFound("record".into()))
            }
            Err(e) => self.audited(actor, "record.create", vec![], Err(e.into())).await,
        }
    }

    /// Creates records owned by the actor's agency, all or none.
    pub async fn create_records(&self, actor: &Actor, data: Vec<RecordData>) -> Result<Vec<Record>, StoreError> {
        let now = OffsetDateTime::now_utc();
        let records: Vec<Record> = data.into_iter().map(|data| Record::new(actor.agency, data, now)).collect();
        let ids: Vec<String> = records.iter().map(|r| r.id.to_string()).collect();
        let result = async {
            require(actor, Permission::WriteRecords)?;
            self.writable()?;
            records.iter().try_for_each(|r| within_clearance(actor, r.data.level))?;
            let intent = self.intend(|| records_changes(&records)).await?;
            let change = Change::Records { new: records.clone(), changed: vec![] };
            let written = self.commit_logged(actor, "record.create", ids.clone(), change, Effects::default()).await;
            self.settle(&intent, written.map(drop)).await?;
            self.reindex(&records);
            self.announce(intent).await;
            Ok(())
        }
        .await;
        self.audited_failure(actor, "record.create", ids, result.map(|()| records)).await
    }

    /// One record, if the actor's agency may see it; [`StoreError::NotFound`]
    /// otherwise, exactly as for an id that does not exist.
    pub async fn get_record(&self, actor: &Actor, id: RecordId) -> Result<Record, StoreError> {
        let result = self.visible_record(actor, id).await;
        self.audited(actor, "record.read", vec![id.to_string()], result).await
    }

    pub(crate) async fn visible_record(&self, actor: &Actor, id: RecordId) -> Result<Record, StoreError> {
        require(actor, Permission::ReadRecords)?;
        match self.backend.record(&id).await? {
            Some(r) if may_see(&actor.viewer(), &r) && actor.screens(r.data.kind()) => Ok(actor.shown(r)),
            _ => Err(StoreError::NotFound(format!("record {id}"))),
        }
    }

    /// The record as the actor's agency may change it: visible, owned, and
    /// at the version the caller last read.
    pub(crate) async fn owned_record(&self, actor: &Actor, id: RecordId, sent: u64) -> Result<Record, StoreError> {
        require(actor, Permission::WriteRecords)?;
        let current = match self.backend.record(&id).await? {
            Some(r) if may_see(&actor.viewer(), &r) && actor.screens(r.data.kind()) => r,
            _ => return Err(StoreError::NotFound(format!("record {id}"))),
        };
        if current.owner != actor.agency {
            return Err(StoreError::Forbidden(format!(
                "record {id} belongs to {}; only its owner changes it",
                current.owner
            )));
        }
        if current.version != sent {
            return Err(StoreError::VersionConflict { sent, current: current.version });
        }
        Ok(current)
    }

    /// Replaces a record's data. The input's `version` must be the stored one.
    pub async fn update_record(&self, actor: &Actor, id: RecordId, input: RecordInput) -> Result<Record, StoreError> {
        let result = async {
            let sent =
                input.version.ok_or_else(|| FieldError::field("version", "required: the version you last read"))?;
            let current = self.owned_record(actor, id, sent).await?;
            if current.data.kind() == Kind::Biometric {
                return Err(FieldError::field(
                    "kind",
                    "a biometric record is not edited: archive it and enrol again (POST /v1/biometrics)",
                )
                .into());
            }
            self.writable()?;
            let review_by_sent = input.review_by.is_some();
            let level_sent = input.level.is_some();
            let mut data = input.validate(self.today())?;
            // Without `level` the record keeps its own.
            if !level_sent {
                data.level = current.data.level;
            }
            within_clearance(actor, data.level)?;
            // An update never extends retention: that is `extend`'s job,
            // with a justification and its own audit entry. Without
            // `review_by` the record keeps its date; with one, it may only
            // come earlier.
            if !review_by_sent {
                data.review_by = current.data.review_by;
            } else if data.review_by > current.data.review_by {
                return Err(FieldError::field(
                    "review_by",
                    format!(
                        "later than the current review date {}: extend it with POST /v1/records/{id}/extend and a justification",
                        tocsin_core::record::format_date(&current.data.review_by)
                    ),
                )
                .into());
            }
            if data.kind() != current.data.kind() {
                return Err(FieldError::field(
                    "kind",
                    format!("cannot change (the record is a {})", current.data.kind().as_str()),
                )
                .into());
            }
            if current.state == RecordState::Archived {
                return Err(StoreError::VersionConflict { sent, current: current.version });
            }
            let next = Record { version: current.version + 1, updated_at: OffsetDateTime::now_utc(), data, ..current };
            self.replace_record(actor, "record.update", &next, sent).await?;
            Ok(next)
        }
        .await;
        self.audited_failure(actor, "record.update", vec![id.to_string()], result).await
    }

    /// Archives a record: it stops being shared and stays for audit. Like
    /// an update, it needs the version the caller last read (`version`
    /// named when it is missing, 409 when it is stale), so nobody archives
    /// a record they have not seen in its current state.
    pub async fn archive_record(
        &self,
        actor: &Actor,
        id: RecordId,
        version: Option<u64>,
    ) -> Result<Record, StoreError> {
        let result = async {
            let sent = version.ok_or_else(|| FieldError::field("version", "required: the version you last read"))?;
            let current = self.owned_record(actor, id, sent).await?;
            if current.state == RecordState::Archived {
                return Ok(current);
            }
            self.writable()?;
            let next = Record {
                version: current.version + 1,
                state: RecordState::Archived,
                updated_at: OffsetDateTime::now_utc(),
                ..current
            };
            self.replace_record(actor, "record.archive", &next, sent).await?;
            Ok(next)
        }
        .await;
        self.audited_failure(actor, "record.archive", vec![id.to_string()], result).await
    }

    /// Stores `next` over version `expected` (a conflict if it moved) with
    /// the entry that records it (`action` by `actor`, on the record),
    /// re-indexes it here and announces it to the cluster.
    pub(crate) async fn replace_record(
        &self,
        actor: &Actor,
        action: &str,
        next: &Record,
        expected: u64,
    ) -> Result<(), StoreError> {
        let intent = self.intend(|| records_changes([next])).await?;
        let change = Change::Records { new: vec![], changed: vec![(next.clone(), expected)] };
        let written = self.commit_logged(actor, action, vec![next.id.to_string()], change, Effects::default()).await;
        self.settle(&intent, written.map(drop)).await?;
        self.reindex([next]);
        self.announce(intent).await;
        Ok(())
    }

    /// A page of the records the actor's agency may see, in id order.
    /// `action` names the audit entry (`record.list`, `record.export`).
    pub async fn list_records(
        &self,
        actor: &Actor,
        query: &ListQuery,
        action: &str,
    ) -> Result<Page<Record>, StoreError> {
        let result = self.visible_page(actor, query).await;
        let ids = match &result {
            Ok(page) => page.items.iter().map(|r| r.id.to_string()).collect(),
            Err(_) => vec![],
        };
        self.audited(actor, action, ids, result).await
    }

    async fn visible_page(&self, actor: &Actor, query: &ListQuery) -> Result<Page<Record>, StoreError> {
        require(actor, Permission::ReadRecords)?;
        let limit = query.limit.clamp(1, MAX_PAGE);
        let mut scan = RecordPageQuery {
            after: query.after,
            limit: limit.max(200),
            kind: query.kind,
            owner: query.owner,
            review_until: None,
            after_review_by: None,
        };
        let mut items = Vec::new();
        loop {
            let rows = self.backend.record_page(&scan).await?;
            let exhausted = rows.len() < scan.limit as usize;
            for r in rows {
                scan.after = Some(r.id);
                let shown = may_see(&actor.viewer(), &r)
                    && actor.screens(r.data.kind())
                    && (query.include_archived || r.state == RecordState::Active);
                if shown {
                    items.push(actor.shown(r));
                    if items.len() == limit as usize {
                        let next = items.last().map(|r| r.id.to_string());
                        return Ok(Page { items, next });
                    }
                }
            }
            if exhausted {
                return Ok(Page { items, next: None });
            }
        }
    }

    // ---- audit ---------------------------------------------------------

    /// Audit entries the actor may read, in order, after the view's number
    /// `after`.
    ///
    /// An auditor or admin of the General Secretariat reads the whole log,
    /// by its own numbers and with the chain's links; any other agency reads
    /// the entries of its own users, numbered in its own count (so it cannot
    /// count anyone else's). With `record`, only entries about that record,
    /// which the actor's agency must be able to see (404 otherwise),
    /// numbered by their place in that list; its owner then reads every
    /// agency's entries about it.
    pub async fn audit_entries(
        &self,
        actor: &Actor,
        record: Option<RecordId>,
        after: u64,
        limit: u32,
    ) -> Result<Vec<AuditView>, StoreError> {
        let result = async {
            let record = match record {
                Some(id) => {
                    let r = self.backend.record(&id).await?.filter(|r| may_see(&actor.viewer(), r));
                    Some(r.ok_or_else(|| StoreError::NotFound(format!("record {id}")))?)
                }
                None => None,
            };
            let sees_all = match &record {
                Some(r) => r.owner == actor.agency && actor.may(Permission::ReadAudit),
                None => actor.agency == AgencyCode::GS || actor.role == Role::Operator,
            };
            if record.is_none() {
                require(actor, Permission::ReadAudit)?;
                // The log names every record its agency touched, at any
                // level: only those cleared for every level read it whole.
                if actor.viewer().clearance < Level::TOP {
                    return Err(StoreError::Forbidden(format!(
                        "the audit log names records of every level: reading it needs the {} clearance",
                        Level::TOP
                    )));
                }
            } else if !actor.may(Permission::ReadAudit) {
                require(actor, Permission::ReadRecords)?;
            }
            let limit = limit.clamp(1, MAX_PAGE);
            let agency = (!sees_all).then_some(actor.agency);
            let scope = match (record, agency) {
                // The whole log, by its own numbers and with its links.
                (None, None) => {
                    let filter = AuditFilter { after_seq: after, limit, agency: None, object: None };
                    let entries = self.backend.audit_entries(&filter).await?;
                    return Ok(entries.into_iter().map(AuditView::from).collect());
                }
                (None, Some(agency)) => AuditScope::Agency(agency),
                (Some(r), agency) => AuditScope::Object { object: r.id.to_string(), agency },
            };
            let about = match &scope {
                AuditScope::Object { object, .. } => Some(object.clone()),
                AuditScope::Agency(_) => None,
            };
            let query = AuditViewQuery { after, limit, scope };
            let entries = self.backend.audit_view(&query).await?;
            let mut views: Vec<AuditView> = entries.into_iter().map(|(n, e)| AuditView::numbered(n, e)).collect();
            // About one record, an entry shows that record and no other
            // object with an id (a screening's entry lists every record it
            // matched, some the reader may not see): what it did, not what
            // else it touched.
            if let Some(about) = about {
                for v in &mut views {
                    v.objects.retain(|o| *o == about || uuid::Uuid::parse_str(o).is_err());
                }
            }
            Ok(views)
        }
        .await;
        let objects = record.map(|r| vec![r.to_string()]).unwrap_or_default();
        self.audited(actor, "audit.read", objects, result).await
    }

    /// The audit log's head: its last entry's number and hash.
    pub async fn audit_head(&self) -> Result<Head, StoreError> {
        self.backend.audit_head().await
    }

    /// The stored hash of audit entry `seq`, if there is one.
    pub async fn audit_hash_at(&self, seq: u64) -> Result<Option<Hash>, StoreError> {
        let filter = AuditFilter { after_seq: seq.saturating_sub(1), limit: 1, agency: None, object: None };
        Ok(self.backend.audit_entries(&filter).await?.into_iter().find(|e| e.seq == seq).map(|e| e.hash))
    }

    /// Verifies the chain's entries after `from`, taken as proven (the
    /// empty head for the whole chain, a signed checkpoint's otherwise).
    /// Not audited: for the operator's checks at start; see
    /// [`Store::verify_audit`].
    pub async fn verify_chain_from(&self, from: Head) -> Result<Verdict, StoreError> {
        let mut v = Verifier::starting_at(from);
        let mut after_seq = from.seq;
        loop {
            let filter = AuditFilter { after_seq, limit: VERIFY_STEP, agency: None, object: None };
            let page = self.backend.audit_entries(&filter).await?;
            let Some(last) = page.last().map(|e| e.seq) else { break };
            page.iter().for_each(|e| v.check(e));
            if v.is_broken() || page.len() < VERIFY_STEP as usize {
                break;
            }
            after_seq = last;
        }
        Ok(v.finish())
    }

    /// Walks the whole chain and reports the first broken entry, if any.
    pub async fn verify_audit(&self, actor: &Actor) -> Result<Verification, StoreError> {
        let result = async {
            require(actor, Permission::VerifyAudit)?;
            Ok(match self.verify_chain_from(Head::EMPTY).await? {
                Verdict::Intact { entries, head } => Verification {
                    ok: true,
                    entries,
                    head: tocsin_audit::to_hex(&head.hash),
                    broken_at: None,
                    reason: None,
                },
                Verdict::Broken { seq, reason } => Verification {
                    ok: false,
                    entries: seq.saturating_sub(1),
                    head: String::new(),
                    broken_at: Some(seq),
                    reason: Some(reason),
                },
            })
        }
        .await;
        self.audited(actor, "audit.verify", vec![], result).await
    }
}

pub(crate) fn require(actor: &Actor, p: Permission) -> Result<(), StoreError> {
    if !actor.role.may(p) {
        return Err(StoreError::Forbidden(format!("role {} may not {}", actor.role, describe(p))));
    }
    match &actor.unit {
        Some(u) if !u.rights.allows(p) => {
            Err(StoreError::Forbidden(format!("unit {}/{} may not {}", actor.agency, u.code, describe(p))))
        }
        _ => Ok(()),
    }
}

fn describe(p: Permission) -> &'static str {
    match p {
        Permission::ReadRecords => "read records",
        Permission::WriteRecords => "create or change records",
        Permission::ReadAudit => "read the audit log",
        Permission::VerifyAudit => "verify the audit log",
        Permission::ExamineBiometrics => "confirm or reject biometric candidates",
        Permission::ReadMessages => "read messages",
        Permission::SendMessages => "send messages",
        Permission::PublishKeys => "publish the agency's message keys",
        Permission::ReviewDiffusions => "review diffusions",
    }
}

/// The audit outcome of a failure.
pub fn outcome_of(e: &StoreError) -> Outcome {
    match e {
        StoreError::NotFound(_) => Outcome::NotFound,
        StoreError::Forbidden(_) => Outcome::Denied,
        StoreError::VersionConflict { .. } | StoreError::AlreadyExists(_) | StoreError::Conflict(_) => {
            Outcome::Conflict
        }
        StoreError::Invalid(_) | StoreError::Missing(_) | StoreError::TooLarge(_) => Outcome::Invalid,
        _ => Outcome::Error,
    }
}

/// A short label (agency name, user name), under the common text rule.
pub(crate) fn label(field: &str, s: &str) -> Result<String, FieldError> {
    tocsin_core::text::clean(field, s.to_owned(), limits::LABEL_CHARS)
}

/// A value as JSON for a stored payload (a hit, an event's data). A value
/// that does not serialize is a bug, answered as one
/// ([`StoreError::Internal`]), never stored as `null` in its place.
pub(crate) fn to_json<T: serde::Serialize>(what: &str, value: &T) -> Result<serde_json::Value, StoreError> {
    serde_json::to_value(value).map_err(|e| StoreError::Internal(format!("{what} does not serialize: {e}")))
}

#[cfg(test)]
mod tests {
    use super::split_schema;

    #[test]
    fn a_schema_parameter_is_taken_out_of_the_url() {
        let u = "postgres://u@h:5432/db";
        assert_eq!(split_schema(u), (u.to_owned(), None));
        assert_eq!(split_schema(&format!("{u}?schema=tocsin_a")), (u.to_owned(), Some("tocsin_a".to_owned())));
        assert_eq!(
            split_schema(&format!("{u}?sslmode=disable&schema=s1&application_name=x")),
            (format!("{u}?sslmode=disable&application_name=x"), Some("s1".to_owned()))
        );
    }
}
