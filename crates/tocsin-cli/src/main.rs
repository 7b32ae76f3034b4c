//! The `tocsin` binary: parses the command line and hands each command to
//! the library crates. No domain logic lives here.

mod admin;
mod audit;
mod import;
mod inspect;
mod serve;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};
use tocsin_bus::{Bus, NatsBus};
use tocsin_store::{Location, Store};

/// mimalloc instead of the system allocator: the screening index is millions
/// of small allocations (it builds about a quarter faster with it), and
/// glibc's malloc took about a fifth of the server's CPU samples while it
/// screened.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Tocsin: law-enforcement information sharing and real-time screening.
/// Member agencies share records under their own access rules; officers
/// screen people and documents against them; every match is a hit,
/// reported to the record's owner; everything is audited.
#[derive(Parser)]
#[command(name = "tocsin", version)]
struct Cli {
    /// Data directory of the embedded store.
    #[arg(long, global = true, env = "TOCSIN_DATA", default_value = "./tocsin-data")]
    data: PathBuf,
    /// The store: a PostgreSQL URL (`postgres://user@host:5432/db`) for
    /// cluster mode; without it, the embedded store in `--data`.
    #[arg(long, global = true, env = "TOCSIN_STORE")]
    store: Option<String>,
    /// The cluster's event bus, a NATS JetStream URL
    /// (`nats://host:4222[?stream=NAME]`), with a PostgreSQL `--store`:
    /// nodes tell each other their changes on it.
    #[arg(long, global = true, env = "TOCSIN_EVENTS")]
    events: Option<String>,
    /// Run as if it were this time now (RFC 3339), for review dates and the
    /// retention clock: for drills and tests, never in production.
    #[arg(long, global = true, env = "TOCSIN_NOW", value_parser = parse_now)]
    now: Option<time::OffsetDateTime>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Creates the embedded store and prints a reviewer token for the General Secretariat (GS).
    Init,
    /// Serves the HTTP API.
    Serve(serve::Args),
    /// Manages member agencies.
    #[command(subcommand)]
    Agency(admin::AgencyCommand),
    /// Manages API tokens.
    #[command(subcommand)]
    Token(admin::TokenCommand),
    /// Imports records.
    #[command(subcommand)]
    Import(import::ImportCommand),
    /// Writes a synthetic data set as JSON lines (importable with `tocsin import jsonl`).
    Demo(admin::DemoArgs),
    /// Works with the audit log.
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// Parses an ICAO 9303 MRZ (TD1, TD2, TD3, MRV-A, MRV-B) and reports every
    /// field and check digit; exits 1 if a check digit fails.
    Mrz(inspect::MrzArgs),
    /// Scores two names (or each `name1,name2` row of a CSV) with the
    /// screening engine and explains the score.
    Compare(inspect::CompareArgs),
    /// Screens once, in process, as an agency would over the API.
    Screen(inspect::ScreenArgs),
    /// Periodic work: the retention clock (`tocsin serve` also runs it every hour).
    #[command(subcommand)]
    Maintenance(admin::MaintenanceCommand),
    /// Prints the OpenAPI document of the HTTP API.
    Openapi,
}

fn parse_now(s: &str) -> Result<time::OffsetDateTime, String> {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .map_err(|e| format!("`{s}` is not an RFC 3339 time such as 2031-12-01T00:00:00Z: {e}"))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let filter = match cli.command {
        Command::Serve(_) => "info",
        _ => "warn",
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(filter)),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        // A reader that went away (`tocsin … | head`) is not an error.
        Err(e)
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) =>
        {
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Where the store is, and the bus its changes are announced on.
pub(crate) struct Target {
    pub(crate) location: Location,
    pub(crate) events: Option<String>,
    pub(crate) now: Option<time::OffsetDateTime>,
}

impl Target {
    /// Connects to the event bus, if there is one, as `node`.
    pub(crate) async fn bus(&self, node: Option<&str>) -> anyhow::Result<Option<Arc<dyn Bus>>> {
        let Some(url) = &self.events else { return Ok(None) };
        let bus = NatsBus::connect(url, node).await.context("connecting to the event bus")?;
        Ok(Some(Arc::new(bus)))
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let data = Location::new(&cli.data, cli.store.as_deref())?;
    if cli.events.is_some() && matches!(data, Location::Embedded(_)) {
        anyhow::bail!("--events (cluster mode) needs a shared store: give --store postgres://…");
    }
    let t = Target { location: data, events: cli.events, now: cli.now };
    match cli.command {
        Command::Init => admin::init(&t.location, &cli.data).await,
        Command::Serve(args) => serve::run(&t, &cli.data, args).await,
        Command::Agency(cmd) => with_store(&t, |s| admin::agency(s, cmd)).await,
        Command::Token(cmd) => with_store(&t, |s| admin::token(s, cmd)).await,
        Command::Import(cmd) => with_store(&t, |s| import::run(s, cmd)).await,
        Command::Audit(cmd) if !audit::needs_store(&cmd) => audit::check_exported(&cmd),
        Command::Audit(cmd) => with_store(&t, |s| audit::run(s, &cli.data, cmd)).await,
        Command::Maintenance(cmd) => with_store(&t, |s| admin::maintenance(s, cmd)).await,
        Command::Demo(args) => admin::demo(args),
        Command::Mrz(args) => inspect::mrz(args, cli.now.unwrap_or_else(time::OffsetDateTime::now_utc).date()),
        Command::Compare(args) => inspect::compare(args),
        Command::Screen(args) => with_store(&t, |s| inspect::screen(s, args)).await,
        Command::Openapi => {
            println!("{}", tocsin_server::openapi::document());
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Opens the store (announcing its changes on the cluster's bus, if any),
/// runs `f`, and closes the store (flushing the audit log) whatever `f`
/// returned.
async fn with_store<F, Fut>(t: &Target, f: F) -> anyhow::Result<ExitCode>
where
    F: FnOnce(Arc<Store>) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<ExitCode>>,
{
    let store = Store::open_at(&t.location).await.context("opening the store")?;
    if let Some(now) = t.now {
        store.clock().set(now);
    }
    if let Some(bus) = t.bus(None).await? {
        store.use_bus(bus)?;
    }
    let store = Arc::new(store);
    let result = f(store.clone()).await;
    store.close().await;
    result
}
