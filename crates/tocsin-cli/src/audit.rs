//! `tocsin audit`: verify the chain and its signed checkpoints, sign one,
//! and check an exported checkpoint with the public key alone.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::Subcommand;
use tocsin_anchor::{Anchor, Standing};
use tocsin_core::AgencyCode;
use tocsin_store::{Actor, Store};

#[derive(Subcommand)]
pub(crate) enum AuditCommand {
    /// Checks the hash chain from the first entry to the last, then every
    /// signed checkpoint in the data directory against it (a log cut short
    /// or rewritten since a checkpoint fails here); names the first problem
    /// and exits with status 1 if there is one. With `--edge`, the chain an
    /// edge node shipped here instead.
    Verify {
        /// An edge's chain, as shipped here: `AGENCY/NAME`.
        #[arg(long, value_name = "AGENCY/NAME")]
        edge: Option<String>,
    },
    /// Signs the log's head now and prints the checkpoint as JSON (one
    /// line), which is also appended to the data directory's checkpoints.
    /// Keep a copy elsewhere: `tocsin audit check-checkpoint` checks it with
    /// the public key alone.
    Checkpoint,
    /// Checks exported checkpoints (a file of them, one JSON object a line,
    /// as `tocsin audit checkpoint` prints) with a public key alone; no
    /// store needed. Exits 1 if one does not verify.
    CheckCheckpoint {
        /// The public key file (`audit-signing.pub` of the data directory).
        #[arg(long)]
        public_key: PathBuf,
        /// The checkpoints.
        file: PathBuf,
    },
}

/// Whether `cmd` needs the store (all but checking an exported checkpoint).
pub(crate) fn needs_store(cmd: &AuditCommand) -> bool {
    !matches!(cmd, AuditCommand::CheckCheckpoint { .. })
}

/// `tocsin audit check-checkpoint`: signatures alone, no store.
pub(crate) fn check_exported(cmd: &AuditCommand) -> anyhow::Result<ExitCode> {
    let AuditCommand::CheckCheckpoint { public_key, file } = cmd else {
        anyhow::bail!("not a command that runs without the store");
    };
    let key = tocsin_anchor::read_public_key(public_key)?;
    let checkpoints = tocsin_anchor::read_checkpoints(file)?;
    anyhow::ensure!(!checkpoints.is_empty(), "{}: no checkpoint in it", file.display());
    for (i, c) in checkpoints.iter().enumerate() {
        if let Err(e) = c.verify(&key) {
            println!("checkpoint {} (entry {}) does NOT verify: {e}", i + 1, c.seq);
            return Ok(ExitCode::from(1));
        }
    }
    let last = checkpoints.iter().max_by_key(|c| c.seq).map_or(0, |c| c.seq);
    println!("{} checkpoint(s) signed by this key, the latest vouching for entry {last}", checkpoints.len());
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn run(store: Arc<Store>, dir: &Path, cmd: AuditCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        AuditCommand::Verify { edge: Some(edge) } => verify_edge(&store, &edge).await,
        AuditCommand::Verify { edge: None } => verify(&store, dir).await,
        AuditCommand::Checkpoint => {
            let (anchor, _) = Anchor::open_or_create(dir).context("opening the audit signing key")?;
            let c = anchor.sign(store.audit_head().await?)?;
            println!("{}", serde_json::to_string(&c)?);
            Ok(ExitCode::SUCCESS)
        }
        AuditCommand::CheckCheckpoint { .. } => check_exported(&cmd),
    }
}

/// `tocsin audit verify --edge AGENCY/NAME`: the chain an edge shipped.
async fn verify_edge(store: &Store, edge: &str) -> anyhow::Result<ExitCode> {
    let (agency, name) = edge.split_once('/').context("--edge: AGENCY/NAME, for example FRA/cdg-t2")?;
    let agency = AgencyCode::parse(agency).map_err(|e| anyhow::anyhow!("--edge: {e}"))?;
    match tocsin_edge::upstream::verify_chain(store, &agency, name).await? {
        tocsin_audit::Verdict::Intact { entries, head } => {
            println!(
                "edge {agency}/{name}: audit chain OK, {entries} entries shipped, head {}",
                tocsin_audit::to_hex(&head.hash)
            );
            Ok(ExitCode::SUCCESS)
        }
        tocsin_audit::Verdict::Broken { seq, reason } => {
            println!("edge {agency}/{name}: audit chain BROKEN at entry {seq}: {reason:?}");
            Ok(ExitCode::from(1))
        }
    }
}

async fn verify(store: &Store, dir: &Path) -> anyhow::Result<ExitCode> {
    let v = store.verify_audit(&Actor::operator(AgencyCode::GS)).await?;
    if let (Some(seq), Some(reason)) = (v.broken_at, &v.reason) {
        println!("audit log BROKEN at entry {seq}: {reason:?} ({} entries before it are intact)", v.entries);
        return Ok(ExitCode::from(1));
    }
    let checkpoints = tocsin_anchor::checkpoints(dir)?;
    let peers = tocsin_anchor::peer_checkpoints(dir)?;
    if checkpoints.is_empty() && peers.is_empty() {
        println!(
            "audit log OK: {} entries, head {} (no signed checkpoint to check its end against)",
            v.entries, v.head
        );
        return Ok(ExitCode::SUCCESS);
    }
    let own = match checkpoints.is_empty() {
        true => Standing::Anchored { checked: 0, latest: 0 },
        false => tocsin_anchor::check_all(store, &tocsin_anchor::public_key(dir)?, &checkpoints).await?,
    };
    // In cluster mode: the other nodes' checkpoints this node kept.
    let theirs = tocsin_anchor::check_peers(store, &peers).await?;
    match (own, theirs) {
        (Standing::Anchored { checked, latest }, Standing::Anchored { checked: kept, latest: their_latest }) => {
            let others = match kept {
                0 => String::new(),
                n => format!("; {n} of other nodes hold, the latest at entry {their_latest}"),
            };
            println!(
                "audit log OK: {} entries, head {}; {checked} signed checkpoint(s) hold, the latest at entry {latest}{others}",
                v.entries, v.head
            );
            Ok(ExitCode::SUCCESS)
        }
        (Standing::Broken(why), _) | (_, Standing::Broken(why)) => {
            println!("audit log BROKEN: {why} (the chain itself links up through {} entries)", v.entries);
            Ok(ExitCode::from(1))
        }
    }
}
