//! The `tocsin` binary: parses the command line and hands each command to
//! the library crates. No domain logic lives here.

mod admin;
mod audit;
mod bio;
mod config;
mod edge;
mod hits;
mod import;
mod infra;
mod inspect;
mod intel;
mod message;
mod refresh;
mod remote;
mod screen;
mod serve;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{CommandFactory, Parser, Subcommand};
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
///
/// Logs go to standard error: `RUST_LOG` sets their level (`info` for
/// `serve`, `warn` otherwise), and they carry colour only on a terminal and
/// without `NO_COLOR`.
#[derive(Parser)]
#[command(name = "tocsin", version)]
struct Cli {
    /// A configuration file (TOML): the command's options by their long
    /// names (`listen = "0.0.0.0:8443"`); the command line and the
    /// environment win over it (docs/operations.md lists every key).
    #[arg(long, global = true, env = "TOCSIN_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    /// The store options, accepted before the command too (`tocsin --data
    /// DIR serve`); each command that uses them shows them in its help.
    #[command(flatten)]
    store: Hidden,
    #[command(subcommand)]
    command: Command,
}

/// [`StoreArgs`] and [`ClockArgs`] before the command: accepted, not shown.
#[derive(clap::Args, Clone, Default)]
struct Hidden {
    #[arg(long, hide = true, env = "TOCSIN_DATA")]
    data: Option<PathBuf>,
    #[arg(long, hide = true, env = "TOCSIN_STORE")]
    store: Option<String>,
    #[arg(long, hide = true, env = "TOCSIN_EVENTS")]
    events: Option<String>,
    #[arg(long, hide = true, env = "TOCSIN_NOW", value_parser = parse_now)]
    now: Option<time::OffsetDateTime>,
}

/// Where the store is: the options of every command that opens it.
#[derive(clap::Args, Clone, Default)]
#[command(next_help_heading = "Store")]
pub(crate) struct StoreArgs {
    /// Data directory of the embedded store [default: ./tocsin-data].
    #[arg(long, global = true, env = "TOCSIN_DATA")]
    data: Option<PathBuf>,
    /// The store: a PostgreSQL URL (`postgres://user@host:5432/db`) for
    /// cluster mode; without it, the embedded store in `--data`.
    #[arg(long, global = true, env = "TOCSIN_STORE")]
    store: Option<String>,
    /// The cluster's event bus, a NATS JetStream URL
    /// (`nats://host:4222[?stream=NAME]`), with a PostgreSQL `--store`:
    /// nodes tell each other their changes on it.
    #[arg(long, global = true, env = "TOCSIN_EVENTS")]
    events: Option<String>,
}

/// The clock, for the commands that depend on today's date.
#[derive(clap::Args, Clone, Default)]
#[command(next_help_heading = "Clock")]
pub(crate) struct ClockArgs {
    /// Run as if it were this time now (RFC 3339), for review dates and the
    /// retention clock: for drills and tests, never in production.
    #[arg(long, global = true, env = "TOCSIN_NOW", value_parser = parse_now)]
    now: Option<time::OffsetDateTime>,
}

/// A command with subcommands that works on the store.
#[derive(clap::Args)]
struct OnStore<C: clap::Subcommand> {
    #[command(flatten)]
    on: StoreArgs,
    #[command(subcommand)]
    command: C,
}

/// A command with arguments that works on the store.
#[derive(clap::Args)]
struct WithStore<A: clap::Args> {
    #[command(flatten)]
    on: StoreArgs,
    #[command(flatten)]
    args: A,
}

#[derive(clap::Args)]
struct BackupArgs {
    /// The new directory the backup goes into.
    into: PathBuf,
}

#[derive(clap::Args)]
struct RestoreArgs {
    /// The backup's directory.
    from: PathBuf,
}

/// A command with subcommands that works on the store and its clock.
#[derive(clap::Args)]
struct OnStoreAt<C: clap::Subcommand> {
    #[command(flatten)]
    on: StoreArgs,
    #[command(flatten)]
    clock: ClockArgs,
    #[command(subcommand)]
    command: C,
}

/// A command with arguments that works on the store and its clock.
#[derive(clap::Args)]
struct WithStoreAt<A: clap::Args> {
    #[command(flatten)]
    on: StoreArgs,
    #[command(flatten)]
    clock: ClockArgs,
    #[command(flatten)]
    args: A,
}

/// A command with arguments that uses the clock.
#[derive(clap::Args)]
struct At<A: clap::Args> {
    #[command(flatten)]
    clock: ClockArgs,
    #[command(flatten)]
    args: A,
}

#[derive(Subcommand)]
enum Command {
    /// Creates the embedded store and prints a reviewer token for the General Secretariat (GS).
    Init(StoreArgs),
    /// Serves the HTTP API.
    Serve(WithStoreAt<serve::Args>),
    /// Manages member agencies.
    Agency(OnStore<admin::AgencyCommand>),
    /// Manages API tokens.
    Token(OnStore<admin::TokenCommand>),
    /// National units of an agency (a border post, a specialised unit):
    /// created with a subset of the agency's rights, listed, suspended.
    Unit(OnStore<admin::UnitCommand>),
    /// Imports records.
    Import(OnStoreAt<import::ImportCommand>),
    /// Writes a synthetic data set as JSON lines (importable with `tocsin import jsonl`).
    Demo(At<admin::DemoArgs>),
    /// Works with the audit log.
    Audit(OnStore<audit::AuditCommand>),
    /// Parses an ICAO 9303 MRZ (TD1, TD2, TD3, MRV-A, MRV-B) and reports every
    /// field and check digit, whether the document has expired and whether
    /// its holder is under 18; exits 1 if a check digit fails.
    Mrz(At<inspect::MrzArgs>),
    /// Scores two names (or each `name1,name2` row of a CSV) with the
    /// screening engine and explains the score.
    Compare(inspect::CompareArgs),
    /// Screens a person, organization or document, or a manifest
    /// (`--file`: PAXLST, CSV or JSON lines), on a server (`--server`) or
    /// in process on the store (`--as`).
    Screen(Box<WithStoreAt<screen::ScreenArgs>>),
    /// Lists the agency's hits and moves them through the workflow, on a
    /// server (`--server`) or in process on the store (`--as`).
    Hits(OnStore<hits::HitsCommand>),
    /// The threat-intelligence hub: collections, STIX bundles imported,
    /// observables checked, on a server (`--server`) or in process on the
    /// store (`--as`).
    Intel(OnStore<intel::IntelCommand>),
    /// This machine as an edge node: a signed copy of what its agency may
    /// see, pulled from `--upstream`, screened with the link cut; its
    /// screenings and audit chain shipped upstream when the link is up.
    Edge(edge::EdgeCommand),
    /// Biometrics: files inspected here; enrolment, 1:N face and
    /// fingerprint search, candidates and exports on a server.
    #[command(subcommand)]
    Bio(bio::BioCommand),
    /// Critical infrastructure: assets and dependencies imported and
    /// exported, single points of failure, what-if cascades, N-1 sweeps
    /// and watches, on a server; public power grids turned into imports.
    #[command(subcommand)]
    Infra(infra::InfraCommand),
    /// An agency's message keys: a key file made, its public key
    /// published and rotated, every agency's keys listed with
    /// fingerprints.
    #[command(subcommand)]
    Key(message::KeyCommand),
    /// Messages between agencies, sealed here to each recipient's key and
    /// signed with yours, opened here with your key file: send, list,
    /// read, acknowledge.
    #[command(subcommand)]
    Message(message::MessageCommand),
    /// Diffusions: wanted, missing, information and warning messages to
    /// chosen agencies, reviewed by the General Secretariat after sending.
    #[command(subcommand)]
    Diffusion(message::DiffusionCommand),
    /// Periodic work: the retention clock (`tocsin serve` also runs it every hour).
    Maintenance(OnStoreAt<admin::MaintenanceCommand>),
    /// Backs up the embedded store into a new directory, while it serves:
    /// a consistent copy of the database, the data directory's other files
    /// and `backup.json` (each file's SHA-256), kept only once the copy's
    /// audit log holds (the chain and every signed checkpoint).
    Backup(WithStore<BackupArgs>),
    /// Restores a backup into the data directory, which must not exist or
    /// be empty: every file checked against `backup.json`, the copy's audit
    /// log checked (an older release's schema migrated forward) before it
    /// is moved into place.
    Restore(WithStore<RestoreArgs>),
    /// Prints the OpenAPI document of the HTTP API.
    Openapi,
    /// Prints a shell completion script: `tocsin completions bash >
    /// /etc/bash_completion.d/tocsin`.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Prints the manual page (roff): `tocsin man > tocsin.1; man ./tocsin.1`.
    Man,
}

impl Command {
    /// The store and clock options the command was given, if it takes them.
    fn options(&self) -> (Option<&StoreArgs>, Option<&ClockArgs>) {
        match self {
            Command::Init(on) => (Some(on), None),
            Command::Serve(c) => (Some(&c.on), Some(&c.clock)),
            Command::Screen(c) => (Some(&c.on), Some(&c.clock)),
            Command::Agency(c) => (Some(&c.on), None),
            Command::Token(c) => (Some(&c.on), None),
            Command::Unit(c) => (Some(&c.on), None),
            Command::Backup(c) => (Some(&c.on), None),
            Command::Restore(c) => (Some(&c.on), None),
            Command::Audit(c) => (Some(&c.on), None),
            Command::Hits(c) => (Some(&c.on), None),
            Command::Intel(c) => (Some(&c.on), None),
            Command::Import(c) => (Some(&c.on), Some(&c.clock)),
            Command::Maintenance(c) => (Some(&c.on), Some(&c.clock)),
            Command::Demo(c) => (None, Some(&c.clock)),
            Command::Mrz(c) => (None, Some(&c.clock)),
            Command::Compare(_)
            | Command::Edge(_)
            | Command::Bio(_)
            | Command::Infra(_)
            | Command::Key(_)
            | Command::Message(_)
            | Command::Diffusion(_)
            | Command::Openapi
            | Command::Completions { .. }
            | Command::Man => (None, None),
        }
    }
}

fn parse_now(s: &str) -> Result<time::OffsetDateTime, String> {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .map_err(|e| format!("`{s}` is not an RFC 3339 time such as 2031-12-01T00:00:00Z: {e}"))
}

fn main() -> ExitCode {
    let args = match config::with_file(std::env::args_os().collect(), &Cli::command()) {
        Ok(args) => args,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::from(2);
        }
    };
    let cli = Cli::parse_from(args);
    let filter = match cli.command {
        Command::Serve(_) | Command::Edge(_) => "info",
        _ => "warn",
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(filter)),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()))
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
    /// The data directory (keys, checkpoints and, embedded, the store).
    pub(crate) dir: PathBuf,
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
    // Options given after the command win over those given before it.
    let (on, clock) = cli.command.options();
    let (on, clock) = (on.cloned().unwrap_or_default(), clock.cloned().unwrap_or_default());
    let dir = on.data.or(cli.store.data).unwrap_or_else(|| PathBuf::from("./tocsin-data"));
    let store = on.store.or(cli.store.store);
    let events = on.events.or(cli.store.events);
    let now = clock.now.or(cli.store.now);
    let location = Location::new(&dir, store.as_deref())?;
    if events.is_some() && matches!(location, Location::Embedded(_)) {
        anyhow::bail!("--events (cluster mode) needs a shared store: give --store postgres://…");
    }
    let t = Target { location, dir, events, now };
    match cli.command {
        Command::Init(_) => admin::init(&t.location, &t.dir).await,
        Command::Serve(c) => serve::run(&t, c.args).await,
        Command::Agency(c) => with_store(&t, |s| admin::agency(s, c.command)).await,
        Command::Token(c) => with_store(&t, |s| admin::token(s, c.command)).await,
        Command::Unit(c) => with_store(&t, |s| admin::unit(s, c.command)).await,
        Command::Import(c) => with_store(&t, |s| import::run(s, c.command)).await,
        Command::Audit(c) if !audit::needs_store(&c.command) => audit::check_exported(&c.command),
        Command::Audit(c) => with_store(&t, |s| audit::run(s, &t.dir, c.command)).await,
        Command::Maintenance(c) => with_store(&t, |s| admin::maintenance(s, c.command)).await,
        Command::Backup(c) => {
            anyhow::ensure!(
                matches!(t.location, Location::Embedded(_)),
                "tocsin backup copies the embedded store; a PostgreSQL store is backed up with pg_dump (docs/operations.md)"
            );
            with_store(&t, |s| admin::backup(s, &t.dir, c.args.into)).await
        }
        Command::Restore(c) => admin::restore(&c.args.from, &t.dir).await,
        Command::Demo(c) => admin::demo(c.args, now.unwrap_or_else(time::OffsetDateTime::now_utc).date()),
        Command::Mrz(c) => inspect::mrz(c.args, now.unwrap_or_else(time::OffsetDateTime::now_utc).date()),
        Command::Compare(args) => inspect::compare(args),
        Command::Screen(c) => match c.args.remote()? {
            Some(remote) => screen::remote(remote, c.args).await,
            None => with_store(&t, |s| screen::local(s, c.args)).await,
        },
        Command::Hits(c) => match c.command.remote()? {
            Some(remote) => hits::remote(remote, c.command).await,
            None => with_store(&t, |s| hits::local(s, c.command)).await,
        },
        Command::Intel(c) => match c.command.remote()? {
            Some(remote) => intel::remote(remote, c.command).await,
            None => with_store(&t, |s| intel::local(s, c.command)).await,
        },
        Command::Edge(c) => edge::run(c).await,
        Command::Bio(c) => bio::run(c).await,
        Command::Infra(c) => infra::run(c).await,
        Command::Key(c) => message::run_key(c).await,
        Command::Message(c) => message::run_message(c).await,
        Command::Diffusion(c) => message::run_diffusion(c).await,
        Command::Openapi => {
            println!("{}", tocsin_server::openapi::document());
            Ok(ExitCode::SUCCESS)
        }
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "tocsin", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
        Command::Man => {
            clap_mangen::Man::new(Cli::command()).render(&mut std::io::stdout())?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The agency `code` names (given with `flag`), if it is registered: an
/// owner or a viewpoint that is not is refused before anything is read or
/// screened (the store would refuse each record less clearly).
pub(crate) async fn registered(store: &Store, flag: &str, code: &str) -> anyhow::Result<tocsin_core::AgencyCode> {
    let agency = tocsin_core::AgencyCode::parse(code).context(flag.to_owned())?;
    if store.agencies().await?.iter().any(|a| a.code == agency) {
        return Ok(agency);
    }
    anyhow::bail!(
        "{flag} {agency} is not a registered agency: one not registered here is added with `tocsin agency add {agency} --name …`"
    )
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
