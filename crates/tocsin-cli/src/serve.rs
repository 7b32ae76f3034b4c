//! `tocsin serve`: the HTTP API on the embedded store.

use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use tocsin_core::AgencyCode;
use tocsin_core::auth::Role;
use tocsin_store::{Actor, ListQuery, Store, StoreError};

use crate::Target;

/// Persons and travel documents `--demo` puts in an empty store.
const DEMO_PERSONS: usize = 5_000;
const DEMO_DOCUMENTS: usize = 2_000;

#[derive(clap::Args)]
pub(crate) struct Args {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Fill an empty store with a synthetic data set first, and print officer
    /// tokens for two agencies.
    #[arg(long)]
    demo: bool,
    /// Seconds between runs of the retention clock (reminders, expiry); it
    /// also runs once at start.
    #[arg(long, default_value_t = 3600, value_parser = clap::value_parser!(u64).range(1..))]
    maintenance_every: u64,
    /// This node's name in the cluster (with `--events`), shown by
    /// `/v1/health` and in the logs; `node-<process id>` when left out.
    #[arg(long)]
    node: Option<String>,
    /// Start even if the audit log does not hold against its last signed
    /// checkpoint (cut short, rewritten, or a broken link since). The
    /// acceptance is itself an audit entry, and `/v1/health` says
    /// `"audit": "broken"` until a restart finds the log sound.
    #[arg(long)]
    allow_broken_audit: bool,
    /// Seconds between signed checkpoints of the audit log's head (one is
    /// written only when the log moved; another at shutdown).
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..))]
    checkpoint_every: u64,
    /// How long a token issued through the API (`POST /v1/tokens`, the
    /// console) without a lifetime of its own is accepted: `90d`, `12h`,
    /// `30m` or `never`.
    #[arg(long, env = "TOCSIN_TOKEN_LIFETIME", default_value = "90d")]
    token_lifetime: tocsin_store::Lifetime,
    /// An origin (`https://console.example.org`) whose pages may call the
    /// API from a browser; repeat it, or comma-separate them in the
    /// environment. None by default: cross-origin calls are refused.
    #[arg(long, env = "TOCSIN_CORS_ORIGINS", value_delimiter = ',')]
    cors_origin: Vec<tocsin_server::Origin>,
    /// Serve over TLS (HTTP/2 and HTTP/1.1) with this certificate chain
    /// (PEM, leaf first); read again on SIGHUP.
    #[arg(long, env = "TOCSIN_TLS_CERT", requires = "tls_key")]
    tls_cert: Option<std::path::PathBuf>,
    /// The certificate's private key (PEM).
    #[arg(long, env = "TOCSIN_TLS_KEY", requires = "tls_cert")]
    tls_key: Option<std::path::PathBuf>,
    /// Refresh a list on a schedule: `AGENCY:LIST=SOURCE@EVERY` (`LIST`:
    /// un-sanctions, ofac-sdn, interpol-notices, ftm; `SOURCE`: a path, or
    /// for the UN list an http(s) URL; `EVERY`: 30m, 24h, 7d …; the agency
    /// `GS` when left out). Repeatable. Each run is reported to the list's
    /// owner (`list.refresh` event, audit); a failed one keeps the list.
    #[arg(long, env = "TOCSIN_REFRESH", value_delimiter = ';')]
    refresh: Vec<crate::refresh::Refresh>,
    /// Mutual TLS: clients must present a certificate this authority (PEM)
    /// issued, whose subject's O (else CN) is an agency code; a token is
    /// still required, and must be that agency's.
    #[arg(long, env = "TOCSIN_TLS_CLIENT_CA")]
    tls_client_ca: Option<std::path::PathBuf>,
    /// Requests a second one token may make (bursts of twice as many); over
    /// it, 429 with `Retry-After`.
    #[arg(long, env = "TOCSIN_RATE_TOKEN", default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..))]
    rate_token: u32,
    /// Requests a second from one client address without an accepted token
    /// (no token, an unknown one): the limit on guessing and on the
    /// anonymous routes.
    #[arg(long, env = "TOCSIN_RATE_ADDRESS", default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..))]
    rate_address: u32,
    /// Event streams one token may hold open at once.
    #[arg(long, env = "TOCSIN_STREAMS_PER_TOKEN", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    streams_per_token: u32,
    /// The largest envelope the threat-intelligence hub takes in one POST,
    /// in bytes (TAXII's `max_content_length`; clients split under it).
    #[arg(long, env = "TOCSIN_INTEL_MAX_CONTENT_LENGTH", default_value_t = 10 * 1024 * 1024, value_parser = clap::value_parser!(u64).range(1024..=1024 * 1024 * 1024))]
    intel_max_content_length: u64,
    /// A warninglist replacing the built-in one: values the hub flags as
    /// noise in checks (one per line: `exact|hostname|cidr VALUE REASON`).
    #[arg(long, env = "TOCSIN_WARNINGLIST", value_name = "FILE")]
    warninglist: Option<std::path::PathBuf>,
    /// A face model whose templates the server takes, with the length of
    /// its embeddings and its candidate and inconclusive thresholds
    /// (cosine): `ID@VERSION:DIMENSION:CANDIDATE:INCONCLUSIVE`, e.g.
    /// `arcface-r100@1:512:0.45:0.35`. Repeat for several models; templates
    /// of different models are never compared. `--demo` adds
    /// `demo-face@1:128:0.60:0.45` when none is given.
    #[arg(long, env = "TOCSIN_FACE_MODELS", value_delimiter = ';', value_name = "MODEL")]
    face_model: Vec<tocsin_abis::FaceModel>,
    /// The fingerprint matcher's candidate and inconclusive thresholds
    /// (its score, 0 to 1): `CANDIDATE:INCONCLUSIVE`.
    #[arg(long, env = "TOCSIN_FINGER_THRESHOLDS", default_value = "0.30:0.15", value_parser = tocsin_abis::finger_thresholds)]
    finger_thresholds: tocsin_bio::Thresholds,
    /// The face index: `exact` scans every template the searcher may see
    /// (the reference); `hnsw` searches a graph, for galleries of millions,
    /// and re-ranks its shortlist exactly.
    #[arg(long, env = "TOCSIN_FACE_INDEX", default_value = "exact")]
    face_index: tocsin_abis::IndexKind,
}

/// The biometric service's options.
fn abis_options(args: &Args) -> tocsin_abis::Options {
    let mut face_models = args.face_model.clone();
    if args.demo && face_models.is_empty() {
        face_models.extend("demo-face@1:128:0.60:0.45".parse::<tocsin_abis::FaceModel>());
    }
    tocsin_abis::Options { face_models, finger: args.finger_thresholds, index: args.face_index }
}

/// The threat-intelligence hub's options.
fn hub_options(args: &Args) -> anyhow::Result<tocsin_hub::Options> {
    let mut options = tocsin_hub::Options {
        max_content_length: usize::try_from(args.intel_max_content_length).unwrap_or(usize::MAX),
        ..tocsin_hub::Options::default()
    };
    if let Some(path) = &args.warninglist {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        options.warninglist = tocsin_intel::warninglist::Warninglist::parse(&text)
            .with_context(|| format!("--warninglist {}", path.display()))?;
        tracing::info!(entries = options.warninglist.len(), file = %path.display(), "warninglist loaded");
    }
    Ok(options)
}

/// A file in the data directory that replaces the neutrality aid's built-in
/// terms: one term or phrase per line, `#` starts a comment line.
const NEUTRALITY_FILE: &str = "neutrality-terms.txt";

/// Serves the store at `data`; `dir` is the data directory, which holds
/// the neutrality terms file whatever the store.
pub(crate) async fn run(target: &Target, args: Args) -> anyhow::Result<ExitCode> {
    // Before the retention clock's first `maintenance.run` entry, or any other.
    tocsin_server::install_metrics();
    let (data, now, dir) = (&target.location, target.now, target.dir.as_path());
    // Both servers are checked before anything is built: an unreachable
    // one is a clear error and a non-zero exit.
    let bus = target.bus(args.node.as_deref()).await?;
    let store = match Store::open_at(data).await {
        Ok(s) => s,
        Err(StoreError::NotInitialized(_)) => {
            let (s, token) = Store::init_at(data).await?;
            println!("Created the Tocsin store in {data}.");
            println!("Reviewer token for the General Secretariat (GS), shown only once: {}", token.secret);
            s
        }
        Err(e) => return Err(e).context("opening the store"),
    };
    if let Some(now) = now {
        store.clock().set(now);
        tracing::warn!(today = %store.today(), "the clock is set (--now / TOCSIN_NOW): review dates follow it");
    }
    store.set_token_lifetime(args.token_lifetime);
    let terms_file = dir.join(NEUTRALITY_FILE);
    if terms_file.exists() {
        let text = std::fs::read_to_string(&terms_file).with_context(|| format!("reading {}", terms_file.display()))?;
        let terms: Vec<String> =
            text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(str::to_owned).collect();
        tracing::info!(terms = terms.len(), file = %terms_file.display(), "neutrality terms loaded");
        store.set_neutrality_terms(terms);
    }
    // TLS files are checked before anything else is started.
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(tocsin_server::Tls::load(cert, key, args.tls_client_ca.as_deref())?),
        (None, None) if args.tls_client_ca.is_some() => anyhow::bail!("--tls-client-ca needs --tls-cert and --tls-key"),
        (None, None) => None,
        _ => anyhow::bail!("--tls-cert and --tls-key go together"),
    };
    let monitor_token_hash = Some(monitor_token(dir)?);
    let (anchor, audit_broken) = check_audit(&store, dir, args.allow_broken_audit).await?;
    let started = std::time::Instant::now();
    let store = Arc::new(store);
    // Built in the same pass over the records as the screening index.
    let abis = tocsin_abis::Abis::new(store.clone(), abis_options(&args));
    let infra = tocsin_infra_service::Infra::new(store.clone());
    let indexed = match bus {
        Some(bus) => {
            let node = bus.node().to_owned();
            store.use_bus(bus)?;
            let n = store.join_cluster().await.context("joining the cluster")?;
            tracing::info!(%node, "cluster node: following the event bus");
            n
        }
        None => store.enable_screening().await.context("building the screening index")?,
    };
    tracing::info!(records = indexed, seconds = started.elapsed().as_secs_f64(), "screening index built");
    let (records, faces) = abis.size();
    tracing::info!(records, faces = ?faces, "biometric galleries built");
    tracing::info!(assets = infra.size(), "infrastructure assets cached");
    let listener =
        tokio::net::TcpListener::bind(args.listen).await.with_context(|| format!("binding {}", args.listen))?;
    let addr = listener.local_addr()?;
    if args.demo {
        demo(&store, addr).await?;
        println!(
            "  curl -s -H \"Authorization: Bearer $(cat {})\" http://{addr}/metrics   # the monitoring token",
            dir.join(MONITOR_TOKEN_FILE).display()
        );
    }
    let scheme = if tls.is_some() { "https" } else { "http" };
    println!("listening on {scheme}://{addr}");
    if let Some(tls) = tls.clone() {
        tokio::spawn(reload_on_hangup(tls));
    }
    tracing::info!(%addr, store = %data, "serving");
    for r in &args.refresh {
        crate::registered(&store, "--refresh", r.agency().as_str()).await?;
    }
    let refreshes = crate::refresh::start(store.clone(), args.refresh.clone());
    let maintenance = tokio::spawn(maintain(store.clone(), std::time::Duration::from_secs(args.maintenance_every)));
    // In cluster mode the nodes keep each other's checkpoints of the shared log.
    let peers_dir = dir.to_owned();
    store.keep_peer_checkpoints(move |c| {
        if let Err(e) = tocsin_anchor::keep_peer(&peers_dir, &c) {
            tracing::error!(error = %e, "another node's audit checkpoint could not be kept");
        }
    });
    let checkpoints = tokio::spawn(checkpoint_every(
        store.clone(),
        anchor.clone(),
        std::time::Duration::from_secs(args.checkpoint_every),
    ));
    // One signal ends the API's streams and the console's.
    let shutdown = tokio_util::sync::CancellationToken::new();
    let gate = tocsin_server::Gate::new(tocsin_server::Limits {
        per_token: args.rate_token,
        per_address: args.rate_address,
        streams_per_token: args.streams_per_token,
    });
    let hub = std::sync::Arc::new(tocsin_hub::Hub::new(store.clone(), hub_options(&args)?));
    let console = tocsin_console::Options {
        tls: tls.is_some(),
        shutdown: shutdown.clone(),
        gate: gate.clone(),
        hub: Some(hub.clone()),
        abis: Some(abis.clone()),
        infra: Some(infra.clone()),
    };
    let sync_key = tocsin_edge::key::SyncKey::open_or_create(dir).context("opening the edge sync key")?;
    let edges = Arc::new(tocsin_edge::upstream::Upstream::new(store.clone(), sync_key));
    let pages = tocsin_console::router(store.clone(), console)
        .merge(tocsin_hub::http::router(hub, gate.clone()))
        .merge(tocsin_edge::http::upstream_router(edges, gate.clone()))
        .merge(tocsin_abis::http::router(abis, gate.clone()))
        .merge(tocsin_infra_service::http::router(infra.clone(), gate.clone()))
        .merge(tocsin_messaging::http::router(Arc::new(tocsin_messaging::Messaging::new(store.clone())), gate.clone()));
    let infra_watches = tocsin_infra_service::watches::spawn(infra, shutdown.clone());
    let options = tocsin_server::Options {
        monitor_token_hash,
        audit_broken: audit_broken.is_some(),
        pages: Some(pages),
        cors_origins: args.cors_origin.clone(),
        gate: gate.clone(),
        tls,
        shutdown,
        edge_status: None,
    };
    let served = tocsin_server::serve(listener, store.clone(), options, shutdown_signal()).await;
    maintenance.abort();
    checkpoints.abort();
    infra_watches.abort();
    refreshes.iter().for_each(tokio::task::JoinHandle::abort);
    served?;
    if let Err(e) = anchor.checkpoint_if_moved(&store, 0).await {
        tracing::error!(error = %e, "the audit checkpoint at shutdown failed");
    }
    store.close().await;
    tracing::info!("stopped; audit log flushed");
    Ok(ExitCode::SUCCESS)
}

/// The file in the data directory that holds the monitoring token, the one
/// credential that reads `/metrics` and the cluster part of `/v1/health`.
pub(crate) const MONITOR_TOKEN_FILE: &str = "monitor.token";

/// The monitoring token's digest: read from [`MONITOR_TOKEN_FILE`], or drawn
/// and written there (owner-only) on the first start. The operator hands the
/// file's content to the monitoring system; no agency's token reads metrics.
fn monitor_token(dir: &Path) -> anyhow::Result<String> {
    let path = dir.join(MONITOR_TOKEN_FILE);
    let secret = match std::fs::read_to_string(&path) {
        Ok(text) => text.trim().to_owned(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let token = tocsin_store::Token::generate().context("drawing the monitoring token")?;
            tocsin_store::private::write_new(&path, format!("{}\n", token.secret).as_bytes())
                .with_context(|| format!("writing {}", path.display()))?;
            tracing::info!(file = %path.display(), "monitoring token created: it reads /metrics");
            token.secret
        }
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    anyhow::ensure!(!secret.is_empty(), "{} is empty: remove it to draw a new token", path.display());
    Ok(tocsin_store::hash_token(&secret))
}

/// Checks the audit log against its latest signed checkpoint before the
/// server takes a request (and the chain from there to the head): a log cut
/// short or rewritten stops the start unless `allow_broken` is set, and
/// then the acceptance is logged. Draws the signing key if the data
/// directory has none yet (a store made before checkpoints), and signs the
/// head it found. Returns the anchor and, when the log was accepted broken,
/// why it is.
async fn check_audit(
    store: &Store,
    dir: &Path,
    allow_broken: bool,
) -> anyhow::Result<(Arc<tocsin_anchor::Anchor>, Option<String>)> {
    let (anchor, created) = tocsin_anchor::Anchor::open_or_create(dir).context("opening the audit signing key")?;
    if created {
        tracing::info!(key = %dir.join(tocsin_anchor::KEY_FILE).display(), "audit signing key created");
    }
    let checkpoints = tocsin_anchor::checkpoints(dir)?;
    let standing = tocsin_anchor::check_since_latest(store, &anchor.public_key(), &checkpoints).await?;
    let broken = match standing {
        tocsin_anchor::Standing::Anchored { latest, .. } => {
            tracing::info!(checkpoint = latest, "audit log holds against its latest signed checkpoint");
            None
        }
        tocsin_anchor::Standing::Broken(why) if allow_broken => {
            tracing::error!(%why, "the audit log does not hold; starting anyway (--allow-broken-audit)");
            let operator = Actor::new(AgencyCode::GS, "operator", Role::Operator, Some("--allow-broken-audit".into()));
            store.log(&operator, "audit.broken_accepted", vec![why.clone()], tocsin_audit::Outcome::Ok).await?;
            Some(why)
        }
        tocsin_anchor::Standing::Broken(why) => anyhow::bail!(
            "the audit log does not hold: {why}. Refusing to start: investigate with `tocsin audit verify`, \
             or start with --allow-broken-audit (which is itself logged)"
        ),
    };
    anchor.checkpoint_if_moved(store, 0).await?;
    Ok((Arc::new(anchor), broken))
}

/// Signs the audit log's head every `every`, when it moved.
async fn checkpoint_every(store: Arc<Store>, anchor: Arc<tocsin_anchor::Anchor>, every: std::time::Duration) {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticks.tick().await;
    let mut last = 0;
    loop {
        ticks.tick().await;
        match anchor.checkpoint_if_moved(&store, last).await {
            Ok(Some(c)) => {
                last = c.seq;
                store.announce_checkpoint(c).await;
            }
            Ok(None) => {}
            Err(e) => tracing::error!(error = %e, "signing an audit checkpoint failed; retrying at the next one"),
        }
    }
}

/// Runs the retention clock at start and then every `every`.
async fn maintain(store: Arc<Store>, every: std::time::Duration) {
    let actor = Actor::new(AgencyCode::GS, "system", Role::Operator, Some("periodic maintenance".into()));
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        match store.run_maintenance(&actor).await {
            Ok(r) => tracing::info!(
                today = r.today,
                reminded = r.reminded,
                records_archived = r.records_archived,
                notices_expired = r.notices_expired,
                events_pruned = r.events_pruned,
                "retention clock applied"
            ),
            // In a cluster, another node holds the maintenance lease.
            Err(StoreError::Conflict(why)) => tracing::info!(%why, "retention clock left to another process"),
            Err(e) => tracing::warn!(error = %e, "retention clock failed; retrying at the next run"),
        }
    }
}

/// Reads the certificate and key again on each SIGHUP; a pair that is
/// refused is logged and the one in service stays.
async fn reload_on_hangup(tls: tocsin_server::Tls) {
    #[cfg(unix)]
    {
        let Ok(mut hangups) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) else {
            tracing::warn!("SIGHUP cannot be caught: the certificate is read at start only");
            return;
        };
        while hangups.recv().await.is_some() {
            match tls.reload() {
                Ok(()) => tracing::info!("SIGHUP: TLS certificate and key read again"),
                Err(e) => {
                    tracing::error!(error = %e, "SIGHUP: the new certificate was refused; the one in service stays")
                }
            }
        }
    }
    #[cfg(not(unix))]
    drop(tls);
}

pub(crate) async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}

/// Fills an empty store with demo agencies and records, and prints officer
/// tokens for France and Germany with a curl command that works as printed.
async fn demo(store: &Store, addr: SocketAddr) -> anyhow::Result<()> {
    let known: Vec<AgencyCode> = store.agencies().await?.into_iter().map(|a| a.code).collect();
    let agencies: Vec<AgencyCode> =
        tocsin_demo::AGENCIES.iter().filter_map(|(c, _)| AgencyCode::parse(c).ok()).collect();
    for ((_, name), code) in tocsin_demo::AGENCIES.iter().zip(&agencies) {
        if !known.contains(code) {
            store.add_agency(&Actor::operator(*code), *code, name).await?;
        }
    }
    let fra = agencies[0];
    let deu = agencies[1];
    let fra_view = Actor::operator(fra);
    let first = ListQuery { limit: 1, ..ListQuery::default() };
    let mut sample = store.list_records(&fra_view, &first, "record.list").await?;
    if sample.items.is_empty() {
        let mut g = tocsin_demo::Generator::new(1, store.today());
        let mut batches = vec![Vec::new(); agencies.len()];
        for i in 0..DEMO_PERSONS + DEMO_DOCUMENTS {
            let data = if i < DEMO_PERSONS { g.person() } else { g.travel_document() };
            batches[i % agencies.len()].push(data);
        }
        for (code, batch) in agencies.iter().zip(batches) {
            store.create_records(&Actor::operator(*code), batch).await?;
        }
        println!(
            "Demo data: {DEMO_PERSONS} persons and {DEMO_DOCUMENTS} travel documents owned by {} agencies, under mixed access rules.",
            agencies.len()
        );
        sample = store.list_records(&fra_view, &first, "record.list").await?;
    }
    let restricted = tocsin_core::level::Level::Restricted;
    let fra_token =
        store.create_token(&Actor::operator(fra), fra, Role::Officer, "fra-demo-officer", restricted).await?;
    let deu_token =
        store.create_token(&Actor::operator(deu), deu, Role::Officer, "deu-demo-officer", Default::default()).await?;
    println!("Officer token for FRA (cleared for restricted): {}", fra_token.secret);
    println!("Officer token for DEU (cleared for official use only): {}", deu_token.secret);
    println!("The console: open http://{addr}/ and sign in with one of these tokens.");
    println!("Or try the API:");
    println!("  curl -s -H 'Authorization: Bearer {}' 'http://{addr}/v1/records?limit=3'", fra_token.secret);
    if let Some(r) = sample.items.first() {
        println!("  curl -s -H 'Authorization: Bearer {}' http://{addr}/v1/records/{}", fra_token.secret, r.id);
    }
    println!(
        "  curl -s -H 'Authorization: Bearer {}' http://{addr}/v1/screen -d '{{\"name\": \"Иван Сидоров\", \"birth_date\": \"1970\"}}'",
        deu_token.secret
    );
    Ok(())
}
