//! The upstream's side: a sync version for an edge, built from exactly what
//! the edge's agency may see now and what the edge holds; the audit chain
//! an edge ships, checked link by link and kept per edge, its screenings
//! screened again here; the list of edges and how far behind they are.

use std::collections::HashMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use tocsin_audit::{Entry, Outcome};
use tocsin_core::AgencyCode;
use tocsin_core::access::{Viewer, may_see};
use tocsin_core::level::Level;

/// The one level an edge carries (see [`visible`]).
pub(crate) const EDGE_LEVEL: Level = Level::OfficialUseOnly;
use tocsin_core::auth::Role;
use tocsin_core::record::{Record, RecordId, RecordState};
use tocsin_store::{Actor, EdgeChange, EdgeIssue, EdgeVersion, Store, StoreError};
use tokio::sync::mpsc;

use crate::bundle::{self, GENESIS, Header, Item};
use crate::key::SyncKey;
use crate::{EdgeError, check_name};

/// Bytes of lines gathered before they go out as one chunk.
const CHUNK: usize = 256 * 1024;

/// A version's lines, gathered into chunks of about [`CHUNK`] bytes.
struct Lines {
    tx: mpsc::Sender<Line>,
    buf: Vec<u8>,
}

impl Lines {
    async fn line(&mut self, line: Vec<u8>) -> Result<(), EdgeError> {
        self.buf.extend_from_slice(&line);
        match self.buf.len() >= CHUNK {
            true => self.flush().await,
            false => Ok(()),
        }
    }

    async fn flush(&mut self) -> Result<(), EdgeError> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK));
        self.tx.send(Ok(chunk)).await.map_err(|_| EdgeError::Gone)
    }
}

/// Records read per page while building a version.
const PAGE: u32 = 2_000;
/// Entries shipped in one request at most.
pub const SHIP_MAX: usize = 1_000;

/// The upstream's edge service.
pub struct Upstream {
    store: Arc<Store>,
    key: SyncKey,
    /// Held while shipped screenings are screened again.
    shipping: tokio::sync::Mutex<()>,
    /// More changed records than this since the edge's version: a full
    /// snapshot instead of a delta.
    full_after: u64,
}

/// What an edge asks for: the version it holds.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyncAsk {
    /// The edge's name: the token's user (given, it must be that).
    #[serde(default)]
    pub name: Option<String>,
    /// The version it holds (0: none).
    #[serde(default)]
    pub have: u64,
    /// That version's hash.
    #[serde(default)]
    pub hash: Option<String>,
}

/// One line of a version, or the reason it stopped.
pub type Line = Result<Vec<u8>, std::io::Error>;

/// What a version sent, for the audit entry and the caller.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Sent {
    pub version: u64,
    pub full: bool,
    pub put: usize,
    pub deleted: usize,
}

/// An audit entry as an edge ships it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShippedEntry {
    pub seq: u64,
    #[serde(with = "time::serde::rfc3339")]
    pub time: OffsetDateTime,
    pub agency: String,
    pub user: String,
    pub role: String,
    pub action: String,
    pub objects: Vec<String>,
    pub outcome: Outcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

impl ShippedEntry {
    /// An entry of the edge's chain, as shipped.
    pub fn of(e: &Entry) -> ShippedEntry {
        let d = &e.draft;
        ShippedEntry {
            seq: e.seq,
            time: d.time,
            agency: d.agency.clone(),
            user: d.user.clone(),
            role: d.role.clone(),
            action: d.action.clone(),
            objects: d.objects.clone(),
            outcome: d.outcome,
            purpose: d.purpose.clone(),
            prev_hash: tocsin_audit::to_hex(&e.prev_hash),
            hash: tocsin_audit::to_hex(&e.hash),
        }
    }

    fn entry(&self) -> Result<Entry, EdgeError> {
        let bad = |what: &str| EdgeError::Invalid {
            field: format!("entries[{}].{what}", self.seq),
            reason: "not 64 hex digits".into(),
        };
        Ok(Entry {
            seq: self.seq,
            draft: tocsin_audit::Draft {
                time: self.time,
                agency: self.agency.clone(),
                user: self.user.clone(),
                role: self.role.clone(),
                action: self.action.clone(),
                objects: self.objects.clone(),
                outcome: self.outcome,
                purpose: self.purpose.clone(),
            },
            prev_hash: tocsin_audit::from_hex(&self.prev_hash).ok_or_else(|| bad("prev_hash"))?,
            hash: tocsin_audit::from_hex(&self.hash).ok_or_else(|| bad("hash"))?,
        })
    }
}

/// A hit an edge made, for the upstream to confirm or drop.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EdgeHit {
    /// The screening's entry in the edge's chain.
    pub seq: u64,
    /// The hit's id on the edge.
    pub hit_id: String,
    /// The record it was on.
    pub record_id: RecordId,
}

/// What an edge ships: entries of its chain, in order, and the hits its
/// screenings among them made.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Shipment {
    /// The edge's name: the token's user (given, it must be that).
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub entries: Vec<ShippedEntry>,
    #[serde(default)]
    pub hits: Vec<EdgeHit>,
}

/// The upstream's answer to a shipment.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Shipped {
    /// The last entry of the edge's chain the upstream holds.
    pub head: u64,
    /// Screenings screened again here.
    pub rescreened: usize,
    /// The hits those made here (delivered to the owners as any hit).
    pub hits: Vec<String>,
    /// The edge's hits that the current data no longer makes (the record
    /// gone, changed, or hidden now), with the reason.
    pub dropped: Vec<Dropped>,
}

/// An edge hit dropped on confirmation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dropped {
    pub hit_id: String,
    pub record_id: RecordId,
    pub reason: String,
}

/// An edge as `GET /v1/edges` shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EdgeView {
    pub agency: AgencyCode,
    pub name: String,
    /// The version it holds (it said so when it last asked).
    pub version: u64,
    /// The last version issued to it.
    pub issued: u64,
    /// What its copy is as of.
    #[serde(with = "time::serde::rfc3339::option")]
    pub data_as_of: Option<OffsetDateTime>,
    /// Seconds since then.
    pub age_seconds: Option<i64>,
    /// Whether records or notices changed since its version.
    pub behind: bool,
    /// When it last asked for a sync.
    #[serde(with = "time::serde::rfc3339")]
    pub last_seen: OffsetDateTime,
    /// The last entry of its audit chain shipped here.
    pub audit_head: u64,
}

fn edge_only(actor: &Actor) -> Result<(), EdgeError> {
    match actor.role {
        Role::Edge => Ok(()),
        other => Err(EdgeError::Forbidden(format!(
            "this is an edge node's endpoint: it takes a token with the role `edge` (this one is `{other}`)"
        ))),
    }
}

/// The edge an edge token acts for: the user it was issued to. A token
/// acts for its own edge only, so one lost machine's token cannot replace
/// another edge's versions or ship into its chain.
fn edge_name(actor: &Actor, asked: Option<&str>) -> Result<String, EdgeError> {
    if let Some(asked) = asked
        && asked != actor.user
    {
        return Err(EdgeError::Forbidden(format!(
            "this token acts for the edge `{}`, not `{asked}` (an edge's token is issued with --user NAME)",
            actor.user
        )));
    }
    check_name(&actor.user).map_err(|_| EdgeError::Invalid {
        field: "token".into(),
        reason: format!("the token's user `{}` is not an edge name: issue it with --user NAME", actor.user),
    })?;
    Ok(actor.user.clone())
}

/// Whether `agency`'s edges carry `r`: active, in review, visible to the
/// agency, and for official use only. A record marked above that never
/// leaves the central system: an edge is a machine in the field that may be
/// lost, and its officers read official-use-only records alone.
fn visible(agency: &AgencyCode, r: &Record, today: time::Date) -> bool {
    r.state == RecordState::Active && may_see(&Viewer::new(*agency, EDGE_LEVEL), r) && r.data.review_by >= today
}

impl Upstream {
    /// The service over `store`, signing with `key`.
    pub fn new(store: Arc<Store>, key: SyncKey) -> Upstream {
        Upstream { store, key, shipping: tokio::sync::Mutex::new(()), full_after: 250_000 }
    }

    /// With another threshold for full snapshots.
    pub fn full_after(mut self, n: u64) -> Upstream {
        self.full_after = n;
        self
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The public key edges pin.
    pub fn public_key(&self) -> String {
        self.key.public_hex()
    }

    /// Builds the next version for `actor`'s edge and sends it line by line
    /// into `out`. The holdings and the audit entry are committed before
    /// the end line is sent: a version whose end line never left was never
    /// recorded as issued, and an edge never applies one without its end.
    /// Refusals come before the first line.
    pub async fn sync(&self, actor: &Actor, ask: SyncAsk, out: mpsc::Sender<Line>) -> Result<Sent, EdgeError> {
        edge_only(actor)?;
        let name = edge_name(actor, ask.name.as_deref())?;
        let rows = self.store.edges();
        let agency = actor.agency;
        let row = rows.rows().edge(&agency, &name).await?;
        let marks = rows.rows().change_marks().await?;
        // The version the edge holds, if the upstream issued it with that hash.
        let base: Option<EdgeVersion> = match (ask.have, &ask.hash) {
            (0, _) | (_, None) => None,
            (have, Some(hash)) => rows.rows().edge_version(&agency, &name, have).await?.filter(|v| &v.hash == hash),
        };
        let full = match &base {
            None => true,
            Some(b) => rows.rows().count_changed(b.records_mark + 1).await? > self.full_after,
        };
        let issued = row.as_ref().map_or(0, |r| r.issued);
        let now = OffsetDateTime::now_utc();
        let started = std::time::Instant::now();
        let header = Header {
            format: bundle::FORMAT.into(),
            agency,
            edge: name.clone(),
            version: issued.max(ask.have).checked_add(1).ok_or_else(|| EdgeError::Invalid {
                field: "have".into(),
                reason: "not a version this upstream issued".into(),
            })?,
            base: if full { 0 } else { ask.have },
            full,
            prev_hash: match ask.hash.as_deref() {
                Some(h) if ask.have > 0 => h.to_owned(),
                _ => GENESIS.to_owned(),
            },
            generated_at: now,
            key: self.key.public_hex(),
        };
        let (mut writer, first) = bundle::Writer::new(&header).map_err(json)?;
        let mut out = Lines { tx: out, buf: Vec::with_capacity(CHUNK) };
        out.line(first).await?;
        for a in rows.agencies().await? {
            out.line(
                writer.item(&Item::Agency { code: a.code, name: a.name, created_at: a.created_at }).map_err(json)?,
            )
            .await?;
        }
        let s = rows.settings(&agency).await?;
        out.line(
            writer
                .item(&Item::Settings { hit_threshold: s.hit_threshold, dismiss_days: s.dismiss_days })
                .map_err(json)?,
        )
        .await?;
        // Officers' tokens act at the edge (their digests; revocations and
        // expiries follow with every version). A national unit's do not:
        // its rights and suspension are checked upstream only.
        for t in rows.tokens(&agency).await?.into_iter().filter(|t| t.role == Role::Officer && t.unit.is_none()) {
            let item = Item::Token {
                id: t.id,
                hash: t.hash,
                role: t.role,
                user: t.user,
                created_at: t.created_at,
                expires_at: t.expires_at,
                revoked_at: t.revoked_at,
            };
            out.line(writer.item(&item).map_err(json)?).await?;
        }
        let today = self.store.today();
        // The notices an edge shows beside a record are those its officers
        // may read there: none that also names a record above the edge's
        // level or hidden from the agency.
        let reader = Actor::new(agency, "edge", Role::Officer, None).cleared(EDGE_LEVEL);
        let (from, base_version) = match (&base, full) {
            (Some(b), false) => (b.records_mark + 1, b.version),
            _ => (0, 0),
        };
        let mut put: Vec<(RecordId, u64)> = Vec::new();
        let mut gone: Vec<RecordId> = Vec::new();
        let mut after = None;
        loop {
            let page = rows.rows().records_changed(from, after, PAGE).await?;
            let Some((change, last)) = page.last().map(|(c, r)| (*c, r.id)) else { break };
            after = Some((change, last));
            let page: Vec<Record> = page.into_iter().filter(|(c, _)| *c <= marks.0).map(|(_, r)| r).collect();
            let held: HashMap<RecordId, u64> = match full {
                true => HashMap::new(),
                false => {
                    let ids: Vec<RecordId> = page.iter().map(|r| r.id).collect();
                    rows.rows().edge_held(&agency, &name, base_version, &ids).await?.into_iter().collect()
                }
            };
            for r in page {
                let shown = visible(&agency, &r, today);
                match (shown, held.get(&r.id)) {
                    (true, Some(v)) if *v == r.version => {}
                    (true, _) => {
                        let notices = rows.published_to(&reader, &r.id).await?;
                        let id = r.id;
                        put.push((id, r.version));
                        out.line(writer.item(&Item::Put { record: Box::new(r) }).map_err(json)?).await?;
                        if !full || !notices.is_empty() {
                            out.line(writer.item(&Item::Notices { record: id, notices }).map_err(json)?).await?;
                        }
                    }
                    (false, Some(_)) => {
                        gone.push(r.id);
                        out.line(writer.item(&Item::Delete { id: r.id }).map_err(json)?).await?;
                    }
                    (false, None) => {}
                }
            }
            if after.is_some_and(|(c, _)| c > marks.0) {
                break;
            }
        }
        if let (Some(b), false) = (&base, full) {
            // Notices changed on records the edge holds and keeps.
            let sent: std::collections::HashSet<RecordId> =
                put.iter().map(|(id, _)| *id).chain(gone.iter().copied()).collect();
            let ids: Vec<RecordId> = rows
                .rows()
                .notice_records_changed(b.notices_mark + 1)
                .await?
                .into_iter()
                .filter(|id| !sent.contains(id))
                .collect();
            let held: Vec<RecordId> = rows
                .rows()
                .edge_held(&agency, &name, base_version, &ids)
                .await?
                .into_iter()
                .map(|(id, _)| id)
                .collect();
            for id in held {
                let notices = rows.published_to(&reader, &id).await?;
                out.line(writer.item(&Item::Notices { record: id, notices }).map_err(json)?).await?;
            }
        }
        let sent = Sent { version: header.version, full, put: put.len(), deleted: gone.len() };
        // The end line is made before the holdings are committed, so its
        // hash is recorded with them; it is sent only after.
        let (end, hash) = writer.end(|m| self.key.sign(m)).map_err(json)?;
        let issue = EdgeIssue {
            agency,
            name: name.clone(),
            base: if base.is_some() { ask.have } else { 0 },
            version: EdgeVersion {
                version: header.version,
                hash,
                generated_at: now,
                records_mark: marks.0,
                notices_mark: marks.1,
            },
            full,
            put,
            gone,
            at: now,
        };
        let objects = vec![
            format!("edge:{name}"),
            format!("version:{}", sent.version),
            format!("{}:{} put, {} deleted", if full { "snapshot" } else { "delta" }, sent.put, sent.deleted),
        ];
        let built = started.elapsed().as_secs_f64();
        rows.commit(actor, "edge.sync", objects, EdgeChange::Issued(issue), vec![]).await?;
        out.line(end).await?;
        out.flush().await?;
        tracing::info!(
            agency = %agency, edge = %name, version = sent.version, full, put = sent.put, deleted = sent.deleted,
            built, seconds = started.elapsed().as_secs_f64(), "sync version sent"
        );
        Ok(sent)
    }

    /// Keeps the entries an edge shipped, checked link by link from what is
    /// held of its chain, then screens again each screening among them not
    /// yet screened here (as the edge's agency, in the name of the officer
    /// and the edge): its matches are hits to their owners, silent where
    /// the agency may not see the record, as for any screening; an edge hit
    /// the current data no longer makes is dropped, with an entry saying so.
    pub async fn ship(&self, actor: &Actor, shipment: Shipment) -> Result<Shipped, EdgeError> {
        edge_only(actor)?;
        let name = edge_name(actor, shipment.name.as_deref())?;
        if shipment.entries.len() > SHIP_MAX {
            return Err(EdgeError::Invalid {
                field: "entries".into(),
                reason: format!("at most {SHIP_MAX} per request"),
            });
        }
        let rows = self.store.edges();
        let agency = actor.agency;
        if rows.rows().edge(&agency, &name).await?.is_none() {
            return Err(EdgeError::NotFound(format!("edge {agency}/{name} (sync once before shipping)")));
        }
        let (mut head, mut head_hash) = match rows.rows().edge_audit_head(&agency, &name).await? {
            Some((seq, hash)) => (seq, hash),
            None => (0, tocsin_audit::to_hex(&tocsin_audit::GENESIS)),
        };
        // Entries already held must be the ones held: the chain links, so
        // the last of them standing for all. Another chain under the same
        // name (a data directory made anew) is a conflict, never skipped.
        if let Some(held) = shipment.entries.iter().rfind(|e| e.seq <= head) {
            let stored = rows.rows().edge_audit(&agency, &name, held.seq.saturating_sub(1), 1).await?;
            if stored.first().is_none_or(|(e, _)| e.seq != held.seq || tocsin_audit::to_hex(&e.hash) != held.hash) {
                return Err(EdgeError::Conflict {
                    head,
                    reason: format!(
                        "entry {} is not the one held here: another chain under the name `{name}` (give a new edge a new name)",
                        held.seq
                    ),
                });
            }
        }
        let mut new = Vec::new();
        for shipped in &shipment.entries {
            if shipped.seq <= head {
                continue;
            }
            if shipped.seq != head + 1 {
                return Err(EdgeError::Conflict {
                    head,
                    reason: format!("entry {} does not follow entry {head}", shipped.seq),
                });
            }
            let entry = shipped.entry()?;
            let prev = tocsin_audit::from_hex(&head_hash)
                .ok_or_else(|| EdgeError::Store(StoreError::Corrupt("edge audit head".into())))?;
            if entry.prev_hash != prev || tocsin_audit::entry_hash(&prev, entry.seq, &entry.draft) != entry.hash {
                return Err(EdgeError::Conflict {
                    head,
                    reason: format!(
                        "entry {} does not link to the chain held here: altered, or another chain",
                        entry.seq
                    ),
                });
            }
            head = entry.seq;
            head_hash = shipped.hash.clone();
            new.push(entry);
        }
        if let (Some(first), Some(last)) = (new.first(), new.last()) {
            let objects = vec![format!("edge:{name}"), format!("entries:{}-{}", first.seq, last.seq)];
            let change = EdgeChange::Audit { agency, name: name.clone(), entries: new };
            rows.commit(actor, "edge.audit", objects, change, vec![]).await?;
        }
        let mut answer = Shipped { head, ..Shipped::default() };
        if shipment.entries.is_empty() {
            // An edge learning where its chain stands: nothing to screen.
            return Ok(answer);
        }
        // Every screening not yet handled, this shipment's and any an
        // interrupted one left, one shipment at a time, so that two never
        // screen the same entry.
        let _one = self.shipping.lock().await;
        loop {
            let pending = rows.rows().edge_unhandled(&agency, &name, 500).await?;
            if pending.is_empty() {
                break;
            }
            for entry in pending {
                let hits: Vec<&EdgeHit> = shipment.hits.iter().filter(|h| h.seq == entry.seq).collect();
                self.rescreen(actor, &name, &entry, &hits, &mut answer).await?;
            }
        }
        Ok(answer)
    }

    async fn rescreen(
        &self,
        edge: &Actor,
        name: &str,
        entry: &Entry,
        hits: &[&EdgeHit],
        answer: &mut Shipped,
    ) -> Result<(), EdgeError> {
        let rows = self.store.edges();
        // It acts as the edge's officers did: at the one level the edge
        // carries, so what is above it is a silent hit for its owner.
        let user = format!("{}@edge:{name}", entry.draft.user);
        let officer = Actor::new(edge.agency, user, Role::Officer, entry.draft.purpose.clone()).cleared(EDGE_LEVEL);
        let request = entry
            .draft
            .objects
            .first()
            .and_then(|o| o.strip_prefix("query:"))
            .and_then(|q| serde_json::from_str::<tocsin_match::request::Request>(q).ok());
        let mut made: Vec<String> = Vec::new();
        let mut matched: Vec<RecordId> = Vec::new();
        if let Some(request) = request {
            match tocsin_server::screening::screen(&self.store, &officer, request).await {
                Ok(response) => {
                    let value = serde_json::to_value(&response).map_err(json)?;
                    for m in value["matches"].as_array().into_iter().flatten() {
                        if let (Some(hit), Some(id)) = (m["hit_id"].as_str(), m["record"]["id"].as_str()) {
                            made.push(hit.to_owned());
                            if let Ok(id) = id.parse() {
                                matched.push(id);
                            }
                        }
                    }
                }
                // A request the edge took and the upstream does not (a rule
                // changed between versions) is noted and not retried.
                Err(e) => {
                    tracing::warn!(edge = name, seq = entry.seq, error = ?e, "a screening shipped by an edge was refused")
                }
            }
        }
        for h in hits {
            if !matched.contains(&h.record_id) {
                let reason = "the record is gone, hidden from the agency now, or no longer matches above its threshold";
                let objects = vec![format!("edge:{name}"), format!("edge-hit:{}", h.hit_id), h.record_id.to_string()];
                self.store.log(&officer, "edge.hit.dropped", objects, Outcome::Ok).await?;
                answer.dropped.push(Dropped {
                    hit_id: h.hit_id.clone(),
                    record_id: h.record_id,
                    reason: reason.into(),
                });
            }
        }
        let mut objects = vec![
            format!("edge:{name}"),
            format!("entry:{}", entry.seq),
            format!("screened_at:{}", stamp(entry.draft.time)),
        ];
        objects.extend(made.iter().cloned());
        let change = EdgeChange::Handled { agency: edge.agency, name: name.to_owned(), seq: entry.seq };
        rows.commit(edge, "edge.rescreen", objects, change, vec![]).await?;
        answer.rescreened += 1;
        answer.hits.extend(made);
        Ok(())
    }

    /// The edges `actor` may list: its agency's (an administrator or
    /// auditor), or every agency's for the General Secretariat's.
    pub async fn edges(&self, actor: &Actor) -> Result<Vec<EdgeView>, EdgeError> {
        if !matches!(actor.role, Role::Admin | Role::Auditor | Role::Operator) {
            return Err(EdgeError::Forbidden("the edges are listed for administrators and auditors".into()));
        }
        let rows = self.store.edges();
        let scope = (actor.agency != AgencyCode::GS).then_some(actor.agency);
        let result = async {
            let marks = rows.rows().change_marks().await?;
            let now = OffsetDateTime::now_utc();
            let mut views = Vec::new();
            for e in rows.rows().edges(scope.as_ref()).await? {
                let held = rows.rows().edge_version(&e.agency, &e.name, e.confirmed).await?;
                let behind = held.as_ref().is_none_or(|v| v.records_mark < marks.0 || v.notices_mark < marks.1);
                let audit_head = rows.rows().edge_audit_head(&e.agency, &e.name).await?.map_or(0, |(s, _)| s);
                views.push(EdgeView {
                    agency: e.agency,
                    name: e.name,
                    version: e.confirmed,
                    issued: e.issued,
                    data_as_of: e.confirmed_at,
                    age_seconds: e.confirmed_at.map(|t| (now - t).whole_seconds()),
                    behind,
                    last_seen: e.seen_at,
                    audit_head,
                });
            }
            Ok::<_, StoreError>(views)
        }
        .await;
        let outcome = match &result {
            Ok(_) => Outcome::Ok,
            Err(e) => tocsin_store::outcome_of(e),
        };
        self.store.log(actor, "edge.list", vec![], outcome).await?;
        Ok(result?)
    }
}

fn json(e: serde_json::Error) -> EdgeError {
    EdgeError::Store(StoreError::Internal(format!("JSON: {e}")))
}

fn stamp(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_else(|_| t.to_string())
}

/// Verifies the audit chain an edge shipped, from its first entry: the
/// verdict (entries checked, or the first that breaks it).
pub async fn verify_chain(store: &Store, agency: &AgencyCode, name: &str) -> Result<tocsin_audit::Verdict, EdgeError> {
    let rows = store.edges();
    if rows.rows().edge(agency, name).await?.is_none() {
        return Err(EdgeError::NotFound(format!("edge {agency}/{name}")));
    }
    let mut verifier = tocsin_audit::Verifier::default();
    let mut after = 0;
    loop {
        let page = rows.rows().edge_audit(agency, name, after, 5_000).await?;
        let Some(last) = page.last().map(|(e, _)| e.seq) else { break };
        after = last;
        page.iter().for_each(|(e, _)| verifier.check(e));
        if verifier.is_broken() {
            break;
        }
    }
    Ok(verifier.finish())
}
