//! The edge's side: pull the next version from the upstream, verify all of
//! it, apply it at once; ship the edge's audit chain and the hits its
//! screenings made; say where it stands (`/v1/health`).
//!
//! The edge's own audit log is its durable queue: every screening is
//! committed there (the request, its purpose and place, the hits) before
//! its answer leaves, so a screening made offline survives a kill -9 and is
//! shipped, then screened again upstream, once the link is back.

use std::io::{BufReader, Read};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use tocsin_core::AgencyCode;
use tocsin_core::auth::Role;
use tocsin_match::screen::Index;
use tocsin_store::{Actor, Agency, AgencySettings, ReplicaApply, Store, TokenRow};

use crate::bundle::{self, Expect, Held, Item};
use crate::upstream::{EdgeHit, SHIP_MAX, Shipment, Shipped, ShippedEntry};
use crate::{EdgeError, check_name, key};

/// The file in the data directory that asks the running edge for a round
/// now (`tocsin edge sync`): whoever may write there runs the edge.
pub const REQUEST: &str = "sync.request";
/// Where the running edge writes that round's report.
pub const REPORT: &str = "sync.report";

/// How an edge is set up.
#[derive(Debug, Clone)]
pub struct Config {
    /// The upstream's base URL (`https://tocsin.example.org`).
    pub upstream: String,
    /// The edge's token (role `edge`) on the upstream.
    pub token: String,
    /// The edge's name within its agency: its token's user on the
    /// upstream (`None`: learnt from the first version).
    pub name: Option<String>,
    /// Its data directory.
    pub data: PathBuf,
    /// How often it syncs and ships while the link is up.
    pub every: Duration,
    /// The upstream's public key, if given (else pinned at the first sync).
    pub upstream_key: Option<String>,
    /// How far the upstream's clock may be from this machine's.
    pub max_skew: time::Duration,
}

/// The copy's state, kept in the store with the copy itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CopyState {
    pub upstream: String,
    pub agency: AgencyCode,
    pub name: String,
    /// The upstream's public key, pinned.
    pub key: String,
    pub held: Held,
    #[serde(with = "time::serde::rfc3339")]
    pub applied_at: OffsetDateTime,
}

#[derive(Debug, Clone, Default)]
struct Status {
    link_up: bool,
    last_contact: Option<OffsetDateTime>,
    last_error: Option<String>,
    shipped: Option<u64>,
    unsent_entries: u64,
    unsent_screenings: u64,
    unsent_hits: u64,
}

/// A running edge.
pub struct Node {
    store: Arc<Store>,
    config: Config,
    client: reqwest::Client,
    copy: Mutex<Option<CopyState>>,
    status: Mutex<Status>,
    syncing: tokio::sync::Mutex<()>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// What one round of sync and ship did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Round {
    /// The version applied, if one was.
    pub applied: Option<u64>,
    /// Its size on the wire, in bytes.
    pub bytes: Option<u64>,
    /// Seconds from asking for it to screening on it.
    pub seconds: Option<f64>,
    /// The audit entries the upstream holds now.
    pub shipped: Option<u64>,
    /// What the upstream said of the shipped screenings.
    pub confirmation: Option<Shipped>,
}

impl Node {
    /// The edge over its store (opened, its index built): reads the copy's
    /// state and checks it against the configuration.
    pub async fn new(store: Arc<Store>, config: Config) -> Result<Node, EdgeError> {
        if let Some(name) = &config.name {
            check_name(name)?;
        }
        let upstream_key = config.upstream_key.as_deref().map(key::parse_public).transpose()?;
        let copy: Option<CopyState> = match store.replica().state().await? {
            Some(json) => {
                Some(serde_json::from_str(&json).map_err(|e| EdgeError::Io(format!("the copy's state: {e}")))?)
            }
            None => None,
        };
        if let Some(c) = &copy {
            if let Some(k) = &upstream_key
                && *k != c.key
            {
                return Err(EdgeError::Invalid {
                    field: "upstream_key".into(),
                    reason: format!(
                        "this copy was pinned to the upstream key {}; a new key needs a new data directory",
                        c.key
                    ),
                });
            }
            if config.name.as_ref().is_some_and(|n| *n != c.name) {
                return Err(EdgeError::Invalid {
                    field: "name".into(),
                    reason: format!("this copy belongs to the edge `{}`", c.name),
                });
            }
        }
        store.replica().load().await?;
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| EdgeError::Upstream(e.to_string()))?;
        let config = Config { upstream: config.upstream.trim_end_matches('/').to_owned(), upstream_key, ..config };
        Ok(Node {
            store,
            config,
            client,
            copy: Mutex::new(copy),
            status: Mutex::new(Status::default()),
            syncing: Default::default(),
        })
    }

    /// The store.
    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The copy's state, if there is a copy.
    pub fn copy(&self) -> Option<CopyState> {
        lock(&self.copy).clone()
    }

    /// The edge's name: its copy's, else the one it was given.
    pub fn name(&self) -> Option<String> {
        self.copy().map(|c| c.name).or_else(|| self.config.name.clone())
    }

    /// Syncs and ships every `every` until `stop` is cancelled.
    /// Also makes a round when [`REQUEST`] appears in the data directory
    /// (`tocsin edge sync`), and writes its report to [`REPORT`].
    pub async fn run(self: Arc<Self>, stop: tokio_util::sync::CancellationToken) {
        let mut tick = tokio::time::interval(self.config.every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // The first tick is now: the caller has just made a round.
        tick.tick().await;
        let mut asked = tokio::time::interval(Duration::from_millis(250));
        let request = self.config.data.join(REQUEST);
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    if let Err(e) = self.round().await {
                        tracing::warn!(error = %e, "edge sync round");
                    }
                }
                _ = asked.tick() => {
                    if std::fs::remove_file(&request).is_ok() {
                        let report = self.report(self.round().await);
                        if let Err(e) = self.write_report(&report) {
                            tracing::warn!(error = %e, "the report of a round asked for");
                        }
                    }
                }
                () = stop.cancelled() => return,
            }
        }
    }

    /// What a round did, or why it failed, with the edge's state after it.
    pub fn report(&self, round: Result<Round, EdgeError>) -> serde_json::Value {
        let status = self.status();
        match round {
            Ok(round) => serde_json::json!({ "round": round, "edge": status }),
            Err(e) => {
                serde_json::json!({ "error": { "code": "sync_failed", "message": e.to_string() }, "edge": status })
            }
        }
    }

    fn write_report(&self, report: &serde_json::Value) -> std::io::Result<()> {
        let next = self.config.data.join(format!("{REPORT}.next"));
        std::fs::write(&next, serde_json::to_vec_pretty(report)?)?;
        std::fs::rename(next, self.config.data.join(REPORT))
    }

    /// One round: sync, then ship; the link's state and the queue's counts
    /// noted whatever happened.
    pub async fn round(&self) -> Result<Round, EdgeError> {
        let _one = self.syncing.lock().await;
        let result = async {
            let started = std::time::Instant::now();
            let (applied, bytes) = self.sync().await?.unzip();
            let seconds = applied.map(|_| started.elapsed().as_secs_f64());
            let (shipped, confirmation) = self.ship().await?;
            Ok(Round { applied, bytes, seconds, shipped, confirmation })
        }
        .await;
        {
            let mut s = lock(&self.status);
            match &result {
                Ok(_) => {
                    s.link_up = true;
                    s.last_contact = Some(OffsetDateTime::now_utc());
                    s.last_error = None;
                }
                Err(e) => {
                    s.link_up = !matches!(e, EdgeError::Upstream(_));
                    if s.link_up {
                        s.last_contact = Some(OffsetDateTime::now_utc());
                    }
                    s.last_error = Some(e.to_string());
                }
            }
        }
        if let Err(e) = self.count_unsent().await {
            tracing::warn!(error = %e, "counting what is not yet shipped");
        }
        result
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.config.upstream)
    }

    async fn refusal(response: reqwest::Response) -> EdgeError {
        let status = response.status();
        let body: serde_json::Value = response.json().await.unwrap_or_default();
        let message = body["error"]["message"].as_str().unwrap_or("no message").to_owned();
        match status.as_u16() {
            401 | 403 => EdgeError::Forbidden(format!("the upstream refused the edge's token ({status}): {message}")),
            _ => EdgeError::Invalid { field: "upstream".into(), reason: format!("{status}: {message}") },
        }
    }

    /// Pulls, verifies and applies the next version; its number and size.
    async fn sync(&self) -> Result<Option<(u64, u64)>, EdgeError> {
        let copy = self.copy();
        let query = {
            let mut query = form_urlencoded::Serializer::new(String::new());
            if let Some(name) = self.name() {
                query.append_pair("name", &name);
            }
            if let Some(c) = &copy {
                query.append_pair("have", &c.held.version.to_string());
                query.append_pair("hash", &c.held.hash);
            }
            query.finish()
        };
        let response = self
            .client
            .get(self.url(&format!("/v1/edge/sync?{query}")))
            .bearer_auth(&self.config.token)
            .send()
            .await
            .map_err(|e| EdgeError::Upstream(e.to_string()))?;
        if !response.status().is_success() {
            return Err(Self::refusal(response).await);
        }
        let started = std::time::Instant::now();
        let expect_key = copy.as_ref().map(|c| c.key.clone()).or_else(|| self.config.upstream_key.clone());
        let (agency, held) = (copy.as_ref().map(|c| c.agency), copy.as_ref().map(|c| c.held.clone()));
        let (name, skew) = (self.name(), self.config.max_skew);
        // The version is read, checked and gathered on a thread of its own
        // while the rest of it arrives; nothing gathered is used unless its
        // end verifies.
        let (tx, rx) = tokio::sync::mpsc::channel(CHUNKS_AHEAD);
        let reading = tokio::task::spawn_blocking(move || -> Result<(bundle::Verified, Gathered), EdgeError> {
            let expect = Expect {
                agency,
                edge: name.as_deref(),
                held: held.as_ref(),
                key: expect_key.as_deref(),
                now: OffsetDateTime::now_utc(),
                max_skew: skew,
            };
            let mut gathered = Gathered::default();
            let input = BufReader::with_capacity(1 << 20, Incoming { rx, chunk: bytes::Bytes::new() });
            let verified = bundle::read(input, &expect, |header, item| gathered.item(header, item))?;
            gathered.apply.full = verified.header.full;
            Ok((verified, gathered))
        });
        let received = Self::receive(response, tx).await;
        let read = reading.await.map_err(|e| EdgeError::Io(format!("reading the version: {e}")))?;
        // The link dropping midway is the reason, not the cut it left.
        let bytes = received?;
        let (verified, Gathered { mut apply, index }) = read?;
        let read_at = started.elapsed().as_secs_f64();
        let h = &verified.header;
        let state = CopyState {
            upstream: self.config.upstream.clone(),
            agency: h.agency,
            name: h.edge.clone(),
            key: h.key.clone(),
            held: Held { version: h.version, hash: verified.hash.clone(), generated_at: h.generated_at },
            applied_at: OffsetDateTime::now_utc(),
        };
        apply.state = serde_json::to_string(&state).map_err(|e| EdgeError::Io(e.to_string()))?;
        let actor = Actor::new(h.agency, format!("edge:{}", h.edge), Role::Edge, Some("sync".into()));
        let objects = vec![
            format!("version:{}", h.version),
            format!(
                "{}:{} put, {} deleted",
                if h.full { "snapshot" } else { "delta" },
                apply.put.len(),
                apply.delete.len()
            ),
        ];
        self.store.replica().apply(&actor, objects, apply, index).await?;
        let version = h.version;
        tracing::info!(
            version,
            bytes,
            full = h.full,
            items = verified.items,
            read = read_at,
            applied = started.elapsed().as_secs_f64() - read_at,
            "sync version applied"
        );
        *lock(&self.copy) = Some(state);
        Ok(Some((version, bytes)))
    }

    /// Hands the answer's chunks to the reader as they arrive; their
    /// count. The link dropping midway is an upstream error (the reader
    /// then sees a version cut short, and nothing is applied); the reader
    /// stopping first (a refusal) ends the transfer, its error the one
    /// reported.
    async fn receive(
        mut response: reqwest::Response,
        tx: tokio::sync::mpsc::Sender<bytes::Bytes>,
    ) -> Result<u64, EdgeError> {
        let mut bytes = 0;
        while let Some(chunk) =
            response.chunk().await.map_err(|e| EdgeError::Upstream(format!("the version stopped: {e}")))?
        {
            bytes += chunk.len() as u64;
            if tx.send(chunk).await.is_err() {
                break;
            }
        }
        Ok(bytes)
    }

    /// Ships the audit entries the upstream does not hold yet, with the
    /// hits of the screenings among them.
    async fn ship(&self) -> Result<(Option<u64>, Option<Shipped>), EdgeError> {
        if self.copy().is_none() {
            return Ok((None, None));
        }
        let known = lock(&self.status).shipped;
        let mut head = match known {
            Some(h) => h,
            None => self.post(Shipment { name: self.name(), ..Shipment::default() }).await?.head,
        };
        let mut answer: Option<Shipped> = None;
        loop {
            let entries = self.store.replica().audit_after(head, SHIP_MAX as u32).await?;
            if entries.is_empty() {
                break;
            }
            let mut hits = Vec::new();
            for e in entries.iter().filter(|e| e.draft.action == "screen") {
                for id in e.draft.objects.iter().skip(1) {
                    if let Some(hit) = self.store.replica().hit(id).await? {
                        hits.push(EdgeHit { seq: e.seq, hit_id: hit.id.to_string(), record_id: hit.record_id });
                    }
                }
            }
            let full = entries.len() == SHIP_MAX;
            let shipment =
                Shipment { name: self.name(), entries: entries.iter().map(ShippedEntry::of).collect(), hits };
            let shipped = match self.post(shipment).await {
                Ok(s) => s,
                Err(EdgeError::Conflict { head: h, reason }) => {
                    lock(&self.status).shipped = Some(h);
                    return Err(EdgeError::Conflict { head: h, reason });
                }
                Err(e) => return Err(e),
            };
            head = shipped.head;
            lock(&self.status).shipped = Some(head);
            let merged = answer.get_or_insert_with(Shipped::default);
            merged.head = shipped.head;
            merged.rescreened += shipped.rescreened;
            merged.hits.extend(shipped.hits);
            merged.dropped.extend(shipped.dropped);
            if !full {
                break;
            }
        }
        lock(&self.status).shipped = Some(head);
        Ok((Some(head), answer))
    }

    async fn post(&self, shipment: Shipment) -> Result<Shipped, EdgeError> {
        let response = self
            .client
            .post(self.url("/v1/edge/audit"))
            .bearer_auth(&self.config.token)
            .json(&shipment)
            .send()
            .await
            .map_err(|e| EdgeError::Upstream(e.to_string()))?;
        match response.status().as_u16() {
            200 => response.json().await.map_err(|e| EdgeError::Upstream(format!("the shipment's answer: {e}"))),
            409 => {
                let body: serde_json::Value = response.json().await.unwrap_or_default();
                let head = body["head"].as_u64().unwrap_or(0);
                let reason = body["error"]["message"].as_str().unwrap_or("conflict").to_owned();
                Err(EdgeError::Conflict { head, reason })
            }
            _ => Err(Self::refusal(response).await),
        }
    }

    /// Counts what the upstream does not hold yet: entries, screenings,
    /// hits.
    async fn count_unsent(&self) -> Result<(), EdgeError> {
        let shipped = lock(&self.status).shipped.unwrap_or(0);
        let replica = self.store.replica();
        let head = replica.audit_head().await?;
        let (mut screenings, mut hits) = (0, 0);
        let mut after = shipped;
        // Bounded: a queue longer than this is counted by entries only.
        for _ in 0..10 {
            let entries = replica.audit_after(after, 1_000).await?;
            let Some(last) = entries.last().map(|e| e.seq) else { break };
            after = last;
            for e in entries.iter().filter(|e| e.draft.action == "screen") {
                screenings += 1;
                for id in e.draft.objects.iter().skip(1) {
                    if replica.hit(id).await?.is_some() {
                        hits += 1;
                    }
                }
            }
        }
        let mut s = lock(&self.status);
        s.unsent_entries = head.saturating_sub(shipped);
        s.unsent_screenings = screenings;
        s.unsent_hits = hits;
        Ok(())
    }

    /// The edge's state for `/v1/health`.
    pub fn status(&self) -> serde_json::Value {
        let copy = self.copy();
        let s = lock(&self.status).clone();
        let now = OffsetDateTime::now_utc();
        let stamp = |t: OffsetDateTime| t.format(&time::format_description::well_known::Rfc3339).ok();
        serde_json::json!({
            "upstream": self.config.upstream,
            "name": self.name(),
            "agency": copy.as_ref().map(|c| c.agency.to_string()),
            "version": copy.as_ref().map_or(0, |c| c.held.version),
            "data_as_of": copy.as_ref().and_then(|c| stamp(c.held.generated_at)),
            "age_seconds": copy.as_ref().map(|c| (now - c.held.generated_at).whole_seconds()),
            "link": if s.link_up { "up" } else { "down" },
            "last_contact": s.last_contact.and_then(stamp),
            "last_error": s.last_error,
            "unsent": {
                "audit_entries": s.unsent_entries,
                "screenings": s.unsent_screenings,
                "hits": s.unsent_hits,
            },
        })
    }
}

/// Chunks of the answer held between the link and the reader.
const CHUNKS_AHEAD: usize = 256;

/// The answer's chunks as they arrive, read on a blocking thread; the end
/// of the answer (or of the link) is the end of the input.
struct Incoming {
    rx: tokio::sync::mpsc::Receiver<bytes::Bytes>,
    chunk: bytes::Bytes,
}

impl Read for Incoming {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.chunk.is_empty() {
            match self.rx.blocking_recv() {
                Some(chunk) => self.chunk = chunk,
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.chunk.len());
        buf[..n].copy_from_slice(&self.chunk.split_to(n));
        Ok(n)
    }
}

/// What a version's items make: one change to the edge's store and, for a
/// full snapshot, the screening index of its records, built as they are
/// read.
#[derive(Default)]
struct Gathered {
    apply: ReplicaApply,
    index: Option<Index>,
}

impl Gathered {
    fn item(&mut self, header: &bundle::Header, item: Item) -> Result<(), EdgeError> {
        let apply = &mut self.apply;
        match item {
            Item::Agency { code, name, created_at } => apply.agencies.push(Agency { code, name, created_at }),
            Item::Settings { hit_threshold, dismiss_days } => {
                apply.settings = Some((header.agency, AgencySettings { hit_threshold, dismiss_days }));
            }
            Item::Token { id, hash, role, user, created_at, expires_at, revoked_at } => {
                if role != Role::Officer {
                    return Err(EdgeError::Invalid {
                        field: "token.role".into(),
                        reason: format!("`{role}` does not act at an edge"),
                    });
                }
                apply.tokens.push(TokenRow {
                    id,
                    hash,
                    agency: header.agency,
                    role,
                    user,
                    created_at,
                    expires_at,
                    revoked_at,
                    last_used_at: None,
                    unit: None,
                    // It reads what the edge carries, and no more.
                    clearance: crate::upstream::EDGE_LEVEL,
                });
            }
            Item::Put { record } => {
                if header.full {
                    self.index.get_or_insert_with(Index::new).upsert(&record);
                }
                apply.put.push(*record);
            }
            Item::Delete { id } => apply.delete.push(id),
            Item::Notices { record, notices } => {
                let json = serde_json::to_string(&notices).map_err(|e| EdgeError::Io(e.to_string()))?;
                apply.notices.push((record, json));
            }
        }
        Ok(())
    }
}
