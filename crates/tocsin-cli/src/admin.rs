//! Operator commands: init, agencies, tokens, demo data, audit verification.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Args, Subcommand};
use tocsin_core::AgencyCode;
use tocsin_core::auth::Role;
use tocsin_store::{Actor, Location, Store};

pub(crate) async fn init(data: &Location, dir: &std::path::Path) -> anyhow::Result<ExitCode> {
    let (store, token) = Store::init_at(data).await?;
    store.close().await;
    let (anchor, _) = tocsin_anchor::Anchor::open_or_create(dir)?;
    println!("Created the Tocsin store in {data}.");
    println!(
        "Audit checkpoints are signed with the key in {}; hand its public half ({}) to whoever checks them.",
        dir.join(tocsin_anchor::KEY_FILE).display(),
        anchor.public_key_hex()
    );
    println!("Reviewer token for the General Secretariat (GS); it is shown only once:");
    println!("{}", token.secret);
    Ok(ExitCode::SUCCESS)
}

#[derive(Subcommand)]
pub(crate) enum AgencyCommand {
    /// Registers an agency.
    Add {
        /// ISO 3166-1 alpha-3 code, or GS.
        code: String,
        /// The agency's name.
        #[arg(long)]
        name: String,
    },
    /// Lists the agencies.
    List,
    /// Changes an agency's settings.
    Set {
        /// The agency's code.
        code: String,
        /// The score from which its screenings make hits (0.5 to 1; default
        /// the engine's match threshold, 0.80). A running server reads it at
        /// its next start.
        #[arg(long)]
        hit_threshold: Option<f64>,
        /// Days a hit marked false_positive holds back new hits on the same
        /// subject and record for this agency's screenings (0 to 3650;
        /// default 90).
        #[arg(long)]
        dismiss_days: Option<u32>,
    },
}

pub(crate) async fn agency(store: Arc<Store>, cmd: AgencyCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        AgencyCommand::Add { code, name } => {
            let code = AgencyCode::parse(&code).context("CODE")?;
            let a = store.add_agency(&Actor::operator(code), code, &name).await?;
            println!("Added agency {} ({}).", a.code, a.name);
        }
        AgencyCommand::Set { code, hit_threshold, dismiss_days } => {
            let code = AgencyCode::parse(&code).context("CODE")?;
            if hit_threshold.is_none() && dismiss_days.is_none() {
                anyhow::bail!("give --hit-threshold, --dismiss-days or both");
            }
            let s = store.set_agency_settings(&Actor::operator(code), code, hit_threshold, dismiss_days).await?;
            let threshold = s.hit_threshold.map_or("default (0.8)".to_owned(), |t| t.to_string());
            let days = s.dismiss_days.unwrap_or(tocsin_core::hit::DISMISS_DAYS);
            println!("Agency {code}: hit threshold {threshold}; false positives held back {days} days.");
        }
        AgencyCommand::List => {
            for a in store.agencies().await? {
                println!("{}\t{}", a.code, a.name);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Subcommand)]
pub(crate) enum UnitCommand {
    /// Creates a national unit of an agency (a border post, a specialised
    /// unit) with a subset of the agency's rights; its tokens are issued
    /// with `tocsin token create --unit`.
    Add {
        /// The agency.
        #[arg(long)]
        agency: String,
        /// The unit's code within the agency (`PAF-CDG`).
        code: String,
        /// Its name.
        #[arg(long)]
        name: String,
        /// Record kinds it screens and reads, separated by commas (person,
        /// organization, travel_document, biometric, asset).
        #[arg(long, value_delimiter = ',')]
        screen: Vec<String>,
        /// It sees records' handling instructions.
        #[arg(long)]
        handling_instructions: bool,
        /// It creates and changes the agency's records.
        #[arg(long)]
        write_records: bool,
        /// It reads the agency's messages and diffusions.
        #[arg(long)]
        read_messages: bool,
        /// It sends messages and diffusions in the agency's name.
        #[arg(long)]
        send_messages: bool,
        /// The highest level its tokens read: official_use_only,
        /// restricted or confidential (each token's own clearance bounds
        /// it further).
        #[arg(long, default_value = "official_use_only")]
        clearance: String,
    },
    /// Lists an agency's units.
    List {
        /// The agency.
        #[arg(long)]
        agency: String,
    },
    /// Suspends a unit: its tokens are refused at once.
    Suspend {
        /// The agency.
        #[arg(long)]
        agency: String,
        /// The unit's code.
        code: String,
    },
    /// Resumes a suspended unit.
    Resume {
        /// The agency.
        #[arg(long)]
        agency: String,
        /// The unit's code.
        code: String,
    },
}

pub(crate) async fn unit(store: Arc<Store>, cmd: UnitCommand) -> anyhow::Result<ExitCode> {
    let print = |u: &tocsin_store::UnitInfo| {
        let kinds: Vec<&str> = u.rights.screen.iter().map(|k| k.as_str()).collect();
        let r = &u.rights;
        let mut grants =
            vec![format!("screens {}", if kinds.is_empty() { "nothing".to_owned() } else { kinds.join(",") })];
        for (yes, what) in [
            (r.handling_instructions, "handling instructions"),
            (r.write_records, "writes records"),
            (r.read_messages, "reads messages"),
            (r.send_messages, "sends messages"),
        ] {
            if yes {
                grants.push(what.to_owned());
            }
        }
        grants.push(format!("cleared for {}", r.clearance));
        let state = if u.suspended_at.is_some() { "suspended" } else { "active" };
        println!("{}\t{}\t{state}\t{}", u.id, u.name, grants.join("; "));
    };
    match cmd {
        UnitCommand::Add {
            agency,
            code,
            name,
            screen,
            handling_instructions,
            write_records,
            read_messages,
            send_messages,
            clearance,
        } => {
            let agency = AgencyCode::parse(&agency).context("--agency")?;
            let code = code.parse().context("CODE")?;
            let screen = screen
                .iter()
                .map(|k| k.trim().parse::<tocsin_core::record::Kind>())
                .collect::<Result<Vec<_>, _>>()
                .context("--screen")?;
            let rights = tocsin_core::unit::UnitRights {
                screen,
                handling_instructions,
                write_records,
                read_messages,
                send_messages,
                clearance: clearance.parse().context("--clearance")?,
            };
            let u = store.add_unit(&Actor::operator(agency), code, &name, rights).await?;
            print(&u);
        }
        UnitCommand::List { agency } => {
            let agency = AgencyCode::parse(&agency).context("--agency")?;
            for u in store.units(&Actor::operator(agency)).await? {
                print(&u);
            }
        }
        UnitCommand::Suspend { agency, code } => {
            let agency = AgencyCode::parse(&agency).context("--agency")?;
            print(&store.suspend_unit(&Actor::operator(agency), &code, true).await?);
        }
        UnitCommand::Resume { agency, code } => {
            let agency = AgencyCode::parse(&agency).context("--agency")?;
            print(&store.suspend_unit(&Actor::operator(agency), &code, false).await?);
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Subcommand)]
pub(crate) enum TokenCommand {
    /// Issues an API token and prints it (only the token, on one line). It is
    /// stored as a hash and cannot be shown again.
    Create {
        /// The agency the token acts for.
        #[arg(long)]
        agency: String,
        /// officer, admin, reviewer (GS only), auditor, or edge (an edge node's, for `tocsin edge`).
        #[arg(long)]
        role: String,
        /// The user the token is issued to (written in the audit log).
        #[arg(long)]
        user: Option<String>,
        /// How long it is accepted: `90d`, `12h`, `30m`, or `never` (a service
        /// account's, until revoked).
        #[arg(long, env = "TOCSIN_TOKEN_LIFETIME", default_value = "90d")]
        lifetime: String,
        /// The agency's national unit the token acts in (`tocsin unit add`):
        /// its rights bound the role's.
        #[arg(long)]
        unit: Option<String>,
        /// The highest level it reads: official_use_only, restricted or
        /// confidential. What is above it is hidden from the token exactly
        /// as a record an access rule hides.
        #[arg(long, default_value = "official_use_only")]
        clearance: String,
    },
    /// Lists tokens (every agency's, or one's): id, agency, role, user,
    /// status, creation, expiry, last use. Never a secret.
    List {
        /// Only this agency's.
        #[arg(long)]
        agency: Option<String>,
        /// One JSON object per line instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Revokes a token: refused from then on (on every node of a cluster
    /// that this command reaches through `--nats`).
    Revoke {
        /// The token's id (from `tocsin token list`).
        id: String,
    },
}

pub(crate) async fn token(store: Arc<Store>, cmd: TokenCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        TokenCommand::Create { agency, role, user, lifetime, unit, clearance } => {
            let agency = AgencyCode::parse(&agency).context("--agency")?;
            let role: Role = role.parse().context("--role")?;
            let user = user.unwrap_or_else(|| format!("{}-{role}", agency.as_str().to_lowercase()));
            lifetime.parse::<tocsin_store::Lifetime>().map_err(anyhow::Error::msg).context("--lifetime")?;
            let unit = unit.map(|u| u.parse()).transpose().context("--unit")?;
            let clearance = Some(clearance.parse().context("--clearance")?);
            let request = tocsin_store::TokenRequest {
                agency: Some(agency),
                role,
                user,
                lifetime: Some(lifetime),
                unit,
                clearance,
            };
            let issued = store.issue_token(&Actor::operator(agency), request).await?;
            println!("{}", issued.secret);
            Ok(ExitCode::SUCCESS)
        }
        TokenCommand::List { agency, json } => {
            let agency = agency.as_deref().map(AgencyCode::parse).transpose().context("--agency")?;
            let operator = Actor::operator(agency.unwrap_or(AgencyCode::GS));
            let tokens = store.list_tokens(&operator, agency).await?;
            let mut out = std::io::stdout().lock();
            if json {
                for t in &tokens {
                    writeln!(out, "{}", serde_json::to_string(t)?)?;
                }
            } else {
                let when = |t: Option<time::OffsetDateTime>| t.map_or_else(|| "-".to_owned(), tocsin_core::to_minute);
                writeln!(
                    out,
                    "{:<36}  {:<6}  {:<8}  {:<20}  {:<17}  {:<7}  {:<16}  {:<16}  LAST USED",
                    "ID", "AGENCY", "ROLE", "USER", "CLEARANCE", "STATUS", "CREATED", "EXPIRES"
                )?;
                for t in &tokens {
                    let status = serde_json::to_value(t.status)?.as_str().unwrap_or_default().to_owned();
                    writeln!(
                        out,
                        "{:<36}  {:<6}  {:<8}  {:<20}  {:<17}  {:<7}  {:<16}  {:<16}  {}",
                        t.id,
                        t.agency.as_str(),
                        t.role.as_str(),
                        t.user,
                        t.clearance.as_str(),
                        status,
                        tocsin_core::to_minute(t.created_at),
                        when(t.expires_at),
                        when(t.last_used_at)
                    )?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        TokenCommand::Revoke { id } => {
            let revoked = store.revoke_token(&Actor::operator(AgencyCode::GS), &id).await?;
            println!(
                "revoked token {} ({} {} {})",
                revoked.id,
                revoked.agency.as_str(),
                revoked.role.as_str(),
                revoked.user
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `tocsin backup DIR`.
pub(crate) async fn backup(store: Arc<Store>, data: &std::path::Path, into: PathBuf) -> anyhow::Result<ExitCode> {
    let r = tocsin_backup::backup(&store, data, &into).await?;
    println!(
        "backed up {} into {}: {} files, audit log of {} entries holds, {} signed checkpoint(s) hold",
        data.display(),
        r.dir.display(),
        r.manifest.files.len(),
        r.manifest.audit_entries,
        r.checkpoints
    );
    Ok(ExitCode::SUCCESS)
}

/// `tocsin restore DIR`.
pub(crate) async fn restore(from: &std::path::Path, data: &std::path::Path) -> anyhow::Result<ExitCode> {
    let r = tocsin_backup::restore(from, data).await?;
    println!(
        "restored {} (made {} by release {}) into {}: audit log of {} entries holds, {} signed checkpoint(s) hold",
        from.display(),
        r.manifest.made_at.format(&time::format_description::well_known::Rfc3339)?,
        r.manifest.release,
        r.dir.display(),
        r.manifest.audit_entries,
        r.checkpoints
    );
    Ok(ExitCode::SUCCESS)
}

#[derive(Args)]
pub(crate) struct DemoArgs {
    /// Persons to write.
    #[arg(long, default_value_t = 1000)]
    persons: u64,
    /// Travel documents to write.
    #[arg(long, default_value_t = 1000)]
    documents: u64,
    /// Seed; the same seed writes the same data.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Output file (default: standard output).
    #[arg(long)]
    out: Option<PathBuf>,
}

pub(crate) fn demo(args: DemoArgs, today: time::Date) -> anyhow::Result<ExitCode> {
    let out: Box<dyn Write> = match &args.out {
        Some(p) => Box::new(std::fs::File::create(p).with_context(|| format!("creating {}", p.display()))?),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut out = std::io::BufWriter::with_capacity(1 << 20, out);
    let mut g = tocsin_demo::Generator::new(args.seed, today);
    for _ in 0..args.persons {
        serde_json::to_writer(&mut out, &g.person())?;
        out.write_all(b"\n")?;
    }
    for _ in 0..args.documents {
        serde_json::to_writer(&mut out, &g.travel_document())?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

#[derive(Subcommand)]
pub(crate) enum MaintenanceCommand {
    /// Applies the retention clock once: reminds owners of records and
    /// notices within six months of their review date, archives records and
    /// expires notices past it. Safe to run again: a second run the same day
    /// changes nothing.
    Run,
}

pub(crate) async fn maintenance(store: Arc<Store>, cmd: MaintenanceCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        MaintenanceCommand::Run => {
            let r = store.run_maintenance(&Actor::operator(AgencyCode::GS)).await?;
            println!(
                "Retention clock on {}: {} reminder(s) sent, {} record(s) archived, {} notice(s) expired, {} old event(s) deleted.",
                r.today, r.reminded, r.records_archived, r.notices_expired, r.events_pruned
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
