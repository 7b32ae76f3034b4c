//! Backups of the embedded store, and their restore.
//!
//! A backup is a new directory: a consistent copy of the database taken
//! while the store serves ([`tocsin_store::Store::snapshot`], SQLite's
//! `VACUUM INTO`), the data directory's other files (the audit signing key
//! and its checkpoints, the monitoring token, the neutrality terms), and
//! `backup.json`, which names every file with its SHA-256. Before a backup
//! is kept, its copy is opened and its audit log checked whole (the hash
//! chain, then every signed checkpoint against it): a backup that would not
//! restore is not made. A restore checks every file against `backup.json`,
//! copies them beside the target, opens the copy (an older release's
//! schema is migrated forward there), checks its audit log, and only then
//! moves it into place: a corrupt backup leaves the target as it was.
//!
//! Both work in a directory of their own (`….partial`, `….restoring`)
//! removed on failure, so a half-written backup or store is never left
//! where a good one is expected.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use tocsin_anchor::Standing;
use tocsin_core::AgencyCode;
use tocsin_store::{Actor, DB_FILE, Store, StoreError};

/// The file that describes a backup.
pub const MANIFEST: &str = "backup.json";
/// The manifest's format.
const FORMAT: &str = "tocsin-backup/1";

/// What a backup holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// `tocsin-backup/1`.
    pub format: String,
    /// The release that made it.
    pub release: String,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub made_at: OffsetDateTime,
    /// Audit entries in the copy.
    pub audit_entries: u64,
    /// The copy's audit head (hex).
    pub audit_head: String,
    /// Each file's SHA-256 (hex), by name.
    pub files: BTreeMap<String, String>,
}

/// What was backed up or restored.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The backup's or the data directory's path.
    pub dir: PathBuf,
    /// Its manifest.
    pub manifest: Manifest,
    /// Signed checkpoints that hold against its audit log.
    pub checkpoints: usize,
}

/// Why a backup or a restore did not happen (nothing was left behind).
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// The backup's directory exists.
    #[error("{0} already exists: a backup goes into a new directory")]
    Exists(PathBuf),
    /// The restore's target holds a store, or something else.
    #[error("{0} is not empty: restore into a new or empty data directory (move the current one aside first)")]
    TargetInUse(PathBuf),
    /// Not a backup.
    #[error("{0} is not a Tocsin backup: {1}")]
    NotABackup(PathBuf, String),
    /// A file does not match the manifest.
    #[error("{0}: {1}; the backup is corrupt and nothing was restored")]
    Corrupt(PathBuf, &'static str),
    /// The copy's audit log does not hold.
    #[error("the copy's audit log does not hold ({0}); nothing was kept")]
    Broken(String),
    /// The store is an edge's copy, which is never backed up.
    #[error(
        "{0} holds an edge's copy, which is not backed up: a record deleted upstream must not outlive its deletion \
         in a backup; a lost edge is rebuilt from its upstream with a full snapshot (docs/edge.md)"
    )]
    EdgeCopy(PathBuf),
    /// A file could not be read or written.
    #[error("{0}: {1}")]
    Io(PathBuf, std::io::Error),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The audit anchor's files failed.
    #[error(transparent)]
    Anchor(#[from] tocsin_anchor::AnchorError),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BackupError + '_ {
    move |e| BackupError::Io(path.to_owned(), e)
}

/// `path` with `suffix` added to its last component.
fn beside(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(suffix);
    path.with_file_name(name)
}

/// Backs up the store that `store` opened from `data_dir` into the new
/// directory `into`, while it serves. An edge's copy is refused: a backup
/// of it would keep records the upstream later deletes from every copy.
pub async fn backup(store: &Store, data_dir: &Path, into: &Path) -> Result<Report, BackupError> {
    if store.replica().state().await?.is_some() {
        return Err(BackupError::EdgeCopy(data_dir.to_owned()));
    }
    if into.exists() {
        return Err(BackupError::Exists(into.to_owned()));
    }
    let partial = beside(into, ".partial");
    if partial.exists() {
        return Err(BackupError::Exists(partial));
    }
    tocsin_store::private::create_dir(&partial).map_err(io(&partial))?;
    let made = async {
        store.snapshot(&Actor::operator(AgencyCode::GS), &partial.join(DB_FILE)).await?;
        for entry in std::fs::read_dir(data_dir).map_err(io(data_dir))? {
            let entry = entry.map_err(io(data_dir))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let is_database = name == DB_FILE || name.starts_with(&format!("{DB_FILE}-"));
            if entry.file_type().map_err(io(&entry.path()))?.is_file() && !is_database {
                copy_private(&entry.path(), &partial.join(&name))?;
            }
        }
        let (checkpoints, manifest) = check_copy(&partial).await?;
        let text =
            serde_json::to_vec_pretty(&manifest).map_err(|e| BackupError::Io(partial.join(MANIFEST), e.into()))?;
        tocsin_store::private::write_new(&partial.join(MANIFEST), &text).map_err(io(&partial))?;
        std::fs::rename(&partial, into).map_err(io(into))?;
        Ok(Report { dir: into.to_owned(), manifest, checkpoints })
    }
    .await;
    if made.is_err() {
        let _ = std::fs::remove_dir_all(&partial);
    }
    made
}

/// Restores the backup in `from` as the store of `data_dir`, which must not
/// exist or be empty.
pub async fn restore(from: &Path, data_dir: &Path) -> Result<Report, BackupError> {
    let text = std::fs::read(from.join(MANIFEST))
        .map_err(|e| BackupError::NotABackup(from.to_owned(), format!("{MANIFEST}: {e}")))?;
    let manifest: Manifest = serde_json::from_slice(&text)
        .map_err(|e| BackupError::NotABackup(from.to_owned(), format!("{MANIFEST}: {e}")))?;
    if manifest.format != FORMAT || !manifest.files.contains_key(DB_FILE) {
        return Err(BackupError::NotABackup(from.to_owned(), format!("{MANIFEST} is not a {FORMAT} with {DB_FILE}")));
    }
    let occupied = std::fs::read_dir(data_dir).map(|mut d| d.next().is_some()).unwrap_or(false);
    if occupied {
        return Err(BackupError::TargetInUse(data_dir.to_owned()));
    }
    for (name, sum) in &manifest.files {
        let path = from.join(name);
        if !is_plain_name(name) {
            return Err(BackupError::Corrupt(path, "not a file name of a backup"));
        }
        if !path.is_file() {
            return Err(BackupError::Corrupt(path, "listed in backup.json but missing"));
        }
        if &sha256(&path)? != sum {
            return Err(BackupError::Corrupt(path, "does not match its checksum in backup.json"));
        }
    }
    let partial = beside(data_dir, ".restoring");
    if partial.exists() {
        return Err(BackupError::Exists(partial));
    }
    tocsin_store::private::create_dir(&partial).map_err(io(&partial))?;
    let restored = async {
        for name in manifest.files.keys() {
            copy_private(&from.join(name), &partial.join(name))?;
        }
        let (checkpoints, _) = check_copy(&partial).await?;
        if data_dir.exists() {
            std::fs::remove_dir(data_dir).map_err(io(data_dir))?;
        }
        std::fs::rename(&partial, data_dir).map_err(io(data_dir))?;
        Ok(Report { dir: data_dir.to_owned(), manifest: manifest.clone(), checkpoints })
    }
    .await;
    if restored.is_err() {
        let _ = std::fs::remove_dir_all(&partial);
    }
    restored
}

/// Opens the store copied into `dir` and checks its audit log whole; on
/// success, the manifest of what `dir` holds then.
async fn check_copy(dir: &Path) -> Result<(usize, Manifest), BackupError> {
    let copy = Store::open(dir).await?;
    let standing = tocsin_anchor::check_dir(&copy, dir).await;
    let head = copy.audit_head().await;
    copy.close().await;
    drop(copy);
    let checkpoints = match standing? {
        Standing::Anchored { checked, .. } => checked,
        Standing::Broken(why) => return Err(BackupError::Broken(why)),
    };
    let head = head?;
    // The write-ahead log the check opened holds nothing: only the
    // database and the copied files are the backup.
    for extra in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(dir.join(format!("{DB_FILE}{extra}")));
    }
    let mut files = BTreeMap::new();
    for entry in std::fs::read_dir(dir).map_err(io(dir))? {
        let entry = entry.map_err(io(dir))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name != MANIFEST && entry.file_type().map_err(io(&entry.path()))?.is_file() {
            files.insert(name, sha256(&entry.path())?);
        }
    }
    let manifest = Manifest {
        format: FORMAT.to_owned(),
        release: env!("CARGO_PKG_VERSION").to_owned(),
        made_at: OffsetDateTime::now_utc(),
        audit_entries: head.seq,
        audit_head: hex::encode(head.hash),
        files,
    };
    Ok((checkpoints, manifest))
}

/// A name with no path in it.
fn is_plain_name(name: &str) -> bool {
    !name.is_empty() && name != "." && name != ".." && !name.contains(['/', '\\'])
}

/// Copies `from` to the new file `to`, readable by its owner only.
fn copy_private(from: &Path, to: &Path) -> Result<(), BackupError> {
    let bytes = std::fs::read(from).map_err(io(from))?;
    tocsin_store::private::write_new(to, &bytes).map_err(io(to))
}

fn sha256(path: &Path) -> Result<String, BackupError> {
    let mut file = std::fs::File::open(path).map_err(io(path))?;
    let mut digest = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf).map_err(io(path))?;
        if n == 0 {
            break;
        }
        digest.update(&buf[..n]);
    }
    Ok(hex::encode(digest.finalize()))
}
