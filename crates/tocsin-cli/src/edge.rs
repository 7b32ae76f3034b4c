//! `tocsin edge`: this machine as an edge node of an upstream, and `tocsin
//! edge sync`: a round now on the edge running here.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::Subcommand;
use tocsin_core::AgencyCode;
use tocsin_edge::node::{Config, Node};
use tocsin_store::{Actor, Location, Store};

#[derive(clap::Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub(crate) struct EdgeCommand {
    #[command(subcommand)]
    command: Option<EdgeSub>,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(Subcommand)]
enum EdgeSub {
    /// Syncs and ships now, on the edge running from this data directory,
    /// and prints its state; exits 1 if the round failed.
    Sync {
        /// The edge's data directory.
        #[arg(long, default_value = "./tocsin-edge")]
        data: PathBuf,
    },
}

#[derive(clap::Args)]
struct RunArgs {
    /// The upstream Tocsin server (`https://tocsin.example.org`).
    #[arg(long, required = true)]
    upstream: Option<String>,
    /// The edge's token on the upstream (role `edge`).
    #[arg(long, env = "TOCSIN_EDGE_TOKEN", hide_env_values = true, required = true)]
    token: Option<String>,
    /// The edge's data directory: its copy, its audit log, its queue.
    #[arg(long, default_value = "./tocsin-edge")]
    data: PathBuf,
    /// Address the edge serves the screening API on.
    #[arg(long, default_value = "127.0.0.1:7878")]
    listen: SocketAddr,
    /// The edge's name within its agency: the user its token was issued
    /// to (`tocsin token create --role edge --user NAME`), which it is by
    /// default.
    #[arg(long)]
    name: Option<String>,
    /// The upstream's public key (its `edge-sync.pub`, hex); without it the
    /// key of the first version is pinned.
    #[arg(long)]
    upstream_key: Option<String>,
    /// Seconds between syncs while the link is up.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    every: u64,
    /// Seconds the upstream's clock may differ from this machine's.
    #[arg(long, default_value_t = 300)]
    max_clock_skew: u64,
    /// Requests a second one token may make on the edge (as `serve`).
    #[arg(long, env = "TOCSIN_RATE_TOKEN", default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..))]
    rate_token: u32,
    /// Requests a second from one client address without an accepted token
    /// (as `serve`).
    #[arg(long, env = "TOCSIN_RATE_ADDRESS", default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..))]
    rate_address: u32,
    /// Serve over TLS with this certificate chain (PEM, leaf first), as
    /// `serve` does; the officers' tokens are their upstream ones.
    #[arg(long, env = "TOCSIN_TLS_CERT", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The certificate's private key (PEM).
    #[arg(long, env = "TOCSIN_TLS_KEY", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
}

pub(crate) async fn run(cmd: EdgeCommand) -> anyhow::Result<ExitCode> {
    match cmd.command {
        Some(EdgeSub::Sync { data }) => sync_now(&data).await,
        None => serve(cmd.run).await,
    }
}

async fn serve(args: RunArgs) -> anyhow::Result<ExitCode> {
    tocsin_server::install_metrics();
    let (Some(upstream), Some(token)) = (args.upstream, args.token) else {
        anyhow::bail!("--upstream and --token are needed");
    };
    anyhow::ensure!(
        upstream.starts_with("https://") || upstream.starts_with("http://"),
        "--upstream: a URL (https://host[:port])"
    );
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(tocsin_server::Tls::load(cert, key, None)?),
        _ => None,
    };
    let dir = args.data.as_path();
    tocsin_store::private::create_dir(dir).with_context(|| format!("creating {}", dir.display()))?;
    let location = Location::Embedded(dir.to_owned());
    let store = match dir.join(tocsin_store::DB_FILE).exists() {
        true => Store::open_at(&location).await.context("opening the edge's store")?,
        false => {
            let (store, _) = Store::init_at(&location).await.context("creating the edge's store")?;
            // The store's first token (the General Secretariat's) has no use
            // here: only the agency's officers act at an edge.
            let op = Actor::operator(AgencyCode::GS);
            for t in store.list_tokens(&op, None).await? {
                store.revoke_token(&op, &t.id).await?;
            }
            store
        }
    };
    let store = Arc::new(store);
    store.enable_screening().await.context("building the screening index")?;
    let config = Config {
        upstream: upstream.clone(),
        token: token.clone(),
        name: args.name.clone(),
        data: dir.to_owned(),
        every: Duration::from_secs(args.every),
        upstream_key: args.upstream_key,
        max_skew: time::Duration::seconds(i64::try_from(args.max_clock_skew).unwrap_or(i64::MAX)),
    };
    let node = Arc::new(Node::new(store.clone(), config).await?);
    // Over plain HTTP the key of the first version could be anyone's.
    anyhow::ensure!(
        node.copy().is_some() || node.config().upstream_key.is_some() || upstream.starts_with("https://"),
        "--upstream-key is needed with an http:// upstream (the upstream's edge-sync.pub): over plain HTTP the \
         first version's own key cannot be trusted"
    );
    let listener =
        tokio::net::TcpListener::bind(args.listen).await.with_context(|| format!("binding {}", args.listen))?;
    let addr = listener.local_addr()?;
    match node.round().await {
        Ok(r) => tracing::info!(version = ?r.applied, "edge synced"),
        Err(e) => tracing::warn!(error = %e, "first sync failed; screening on the copy held, if any"),
    }
    let shutdown = tokio_util::sync::CancellationToken::new();
    let rounds = tokio::spawn(node.clone().run(shutdown.clone()));
    let gate = tocsin_server::Gate::new(tocsin_server::Limits {
        per_token: args.rate_token,
        per_address: args.rate_address,
        ..tocsin_server::Limits::default()
    });
    let console = tocsin_console::Options {
        tls: tls.is_some(),
        shutdown: shutdown.clone(),
        gate: gate.clone(),
        hub: None,
        abis: None,
        infra: None,
    };
    let pages = tocsin_console::router(store.clone(), console);
    let status = node.clone();
    let options = tocsin_server::Options {
        pages: Some(pages),
        gate,
        shutdown: shutdown.clone(),
        edge_status: Some(Arc::new(move || status.status())),
        tls: tls.clone(),
        ..tocsin_server::Options::default()
    };
    let name = node.name().unwrap_or_else(|| "(named at its first sync)".to_owned());
    let scheme = if tls.is_some() { "https" } else { "http" };
    println!("edge {name} of {upstream} listening on {scheme}://{addr}");
    let served = tocsin_server::serve(listener, store.clone(), options, crate::serve::shutdown_signal()).await;
    shutdown.cancel();
    rounds.abort();
    served?;
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

/// `tocsin edge sync`: asks the edge running from `dir` for a round now,
/// through the data directory (whoever may write there runs the edge), and
/// prints its report.
async fn sync_now(dir: &Path) -> anyhow::Result<ExitCode> {
    use tocsin_edge::node::{REPORT, REQUEST};
    anyhow::ensure!(
        dir.join(tocsin_store::DB_FILE).exists(),
        "{} holds no edge (start one with `tocsin edge`)",
        dir.display()
    );
    let (request, report) = (dir.join(REQUEST), dir.join(REPORT));
    let _ = std::fs::remove_file(&report);
    std::fs::write(&request, b"").with_context(|| format!("writing {}", request.display()))?;
    let started = std::time::Instant::now();
    loop {
        if let Ok(text) = std::fs::read_to_string(&report) {
            let _ = std::fs::remove_file(&report);
            let body: serde_json::Value = serde_json::from_str(&text).context("the edge's report")?;
            println!("{}", serde_json::to_string_pretty(&body)?);
            return Ok(if body.get("error").is_none() { ExitCode::SUCCESS } else { ExitCode::from(1) });
        }
        // An edge running takes the request within a second.
        if request.exists() && started.elapsed() > Duration::from_secs(5) {
            let _ = std::fs::remove_file(&request);
            anyhow::bail!("no edge is running from {} (it takes a request within a second)", dir.display());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
