//! Anchors the audit chain's head outside the log.
//!
//! The data directory holds the signing key (`audit-signing.key`, the
//! owner's alone, drawn at `init`), its public half (`audit-signing.pub`,
//! to hand to whoever checks checkpoints) and the checkpoints
//! (`audit-checkpoints.jsonl`, one signed head a line, appended, never
//! rewritten), apart from the database whose log they vouch for. Someone
//! who can rewrite the database but not forge the key cannot cut the log's
//! end without [`check`] seeing it.
//!
//! The format and the signature are `tocsin_audit::checkpoint`'s; this
//! crate keeps the files and compares checkpoints with a store's log.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use rand::TryRngCore;
use rand::rngs::OsRng;
use time::OffsetDateTime;
use tocsin_audit::checkpoint::{Checkpoint, PublicKey, SigningKey, public_key_from_hex};
use tocsin_audit::{Head, Verdict};
use tocsin_store::{Store, StoreError};

/// The signing key's seed, hex, in the data directory (mode 0600).
pub const KEY_FILE: &str = "audit-signing.key";
/// The public key, hex, in the data directory.
pub const PUBLIC_KEY_FILE: &str = "audit-signing.pub";
/// The checkpoints, one JSON object a line, in the data directory.
pub const CHECKPOINTS_FILE: &str = "audit-checkpoints.jsonl";
/// In cluster mode, the other nodes' checkpoints of the shared log, as
/// they announced them on the bus, each with its signer's public key.
pub const PEER_CHECKPOINTS_FILE: &str = "audit-checkpoints.peers.jsonl";

/// What can go wrong keeping or checking the anchor.
#[derive(Debug, thiserror::Error)]
pub enum AnchorError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What happened.
        source: std::io::Error,
    },
    /// A file's content is not what it should be.
    #[error("{path}: {what}")]
    Malformed {
        /// The file.
        path: PathBuf,
        /// What is wrong, with the line when there is one.
        what: String,
    },
    /// No random source to draw a key from.
    #[error("no random source to draw the signing key: {0}")]
    Random(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> AnchorError + '_ {
    move |source| AnchorError::Io { path: path.to_owned(), source }
}

/// The signing key of a data directory, and where its checkpoints go.
#[derive(Debug)]
pub struct Anchor {
    key: SigningKey,
    checkpoints: PathBuf,
}

impl Anchor {
    /// The directory's key, drawn and written (the seed owner-only) when it
    /// has none yet. `Ok((anchor, true))` when it was just drawn.
    pub fn open_or_create(dir: &Path) -> Result<(Anchor, bool), AnchorError> {
        let path = dir.join(KEY_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => Ok((Anchor::from_seed_text(dir, &path, &text)?, false)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok((Anchor::create(dir)?, true)),
            Err(e) => Err(io(&path)(e)),
        }
    }

    fn create(dir: &Path) -> Result<Anchor, AnchorError> {
        let mut seed = [0u8; 32];
        OsRng.try_fill_bytes(&mut seed).map_err(|e| AnchorError::Random(e.to_string()))?;
        let key_path = dir.join(KEY_FILE);
        let key = SigningKey::from_seed(&seed)
            .map_err(|e| AnchorError::Malformed { path: key_path.clone(), what: e.to_string() })?;
        tocsin_store::private::write_new(&key_path, format!("{}\n", hex::encode(seed)).as_bytes())
            .map_err(io(&key_path))?;
        let pub_path = dir.join(PUBLIC_KEY_FILE);
        std::fs::write(&pub_path, format!("{}\n", hex::encode(key.public_key()))).map_err(io(&pub_path))?;
        Ok(Anchor { key, checkpoints: dir.join(CHECKPOINTS_FILE) })
    }

    fn from_seed_text(dir: &Path, path: &Path, text: &str) -> Result<Anchor, AnchorError> {
        let malformed = |what: &str| AnchorError::Malformed { path: path.to_owned(), what: what.to_owned() };
        let mut seed = [0u8; 32];
        hex::decode_to_slice(text.trim(), &mut seed).map_err(|_| malformed("not 64 hex digits"))?;
        let key = SigningKey::from_seed(&seed).map_err(|e| malformed(&e.to_string()))?;
        Ok(Anchor { key, checkpoints: dir.join(CHECKPOINTS_FILE) })
    }

    /// The public key that verifies this anchor's checkpoints.
    pub fn public_key(&self) -> PublicKey {
        self.key.public_key()
    }

    /// The public key as `audit-signing.pub` holds it (hex).
    pub fn public_key_hex(&self) -> String {
        hex::encode(self.public_key())
    }

    /// Signs `head` now and appends the checkpoint to the directory's file
    /// (synced before returning).
    pub fn sign(&self, head: Head) -> Result<Checkpoint, AnchorError> {
        let checkpoint = self.key.sign(head, OffsetDateTime::now_utc());
        append(&self.checkpoints, &checkpoint)?;
        Ok(checkpoint)
    }

    /// Signs the store's head if it moved past the last checkpoint `last`;
    /// the checkpoint written, if any.
    pub async fn checkpoint_if_moved(&self, store: &Store, last: u64) -> Result<Option<Checkpoint>, AnchorError> {
        let head = store.audit_head().await?;
        match head.seq > last {
            true => self.sign(head).map(Some),
            false => Ok(None),
        }
    }
}

/// Appends one checkpoint as a line to `path` (synced before returning).
fn append(path: &Path, checkpoint: &Checkpoint) -> Result<(), AnchorError> {
    let mut line = serde_json::to_string(checkpoint).map_err(|e| AnchorError::Malformed {
        path: path.to_owned(),
        what: format!("checkpoint does not serialize: {e}"),
    })?;
    line.push('\n');
    let mut file = std::fs::OpenOptions::new().create(true).append(true).open(path).map_err(io(path))?;
    // One write of one line: appends from two processes do not interleave.
    file.write_all(line.as_bytes()).map_err(io(path))?;
    file.sync_all().map_err(io(path))
}

/// Keeps another node's checkpoint (cluster mode) in `dir`.
pub fn keep_peer(dir: &Path, checkpoint: &Checkpoint) -> Result<(), AnchorError> {
    append(&dir.join(PEER_CHECKPOINTS_FILE), checkpoint)
}

/// The other nodes' checkpoints kept in `dir`.
pub fn peer_checkpoints(dir: &Path) -> Result<Vec<Checkpoint>, AnchorError> {
    read_checkpoints(&dir.join(PEER_CHECKPOINTS_FILE))
}

/// Checks other nodes' checkpoints against the store's log, each with the
/// public key it names (its signer's): the log must reach each and hold the
/// signed hash there. Whether a key is one of the cluster's is for the
/// operator to compare with the nodes' `audit-signing.pub`.
pub async fn check_peers(store: &Store, checkpoints: &[Checkpoint]) -> Result<Standing, AnchorError> {
    let head = store.audit_head().await?;
    let mut latest = 0;
    for c in checkpoints {
        let Some(key) = public_key_from_hex(&c.key) else {
            return Ok(Standing::Broken(format!("a peer checkpoint at entry {} names no valid key", c.seq)));
        };
        if let Some(why) = against_log(store, &key, head.seq, c).await? {
            return Ok(Standing::Broken(format!("{why} (checkpoint of node key {})", c.key)));
        }
        latest = latest.max(c.seq);
    }
    Ok(Standing::Anchored { checked: checkpoints.len(), latest })
}

/// The public key in `dir` (`audit-signing.pub`).
pub fn public_key(dir: &Path) -> Result<PublicKey, AnchorError> {
    read_public_key(&dir.join(PUBLIC_KEY_FILE))
}

/// A public key file: 64 hex digits.
pub fn read_public_key(path: &Path) -> Result<PublicKey, AnchorError> {
    let text = std::fs::read_to_string(path).map_err(io(path))?;
    public_key_from_hex(&text).ok_or_else(|| AnchorError::Malformed {
        path: path.to_owned(),
        what: "not a public key (64 hex digits)".into(),
    })
}

/// The checkpoints in a file of them, in file order (none if it does not
/// exist). A line that is not a checkpoint is an error naming it.
pub fn read_checkpoints(path: &Path) -> Result<Vec<Checkpoint>, AnchorError> {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![]),
        Err(e) => return Err(io(path)(e)),
    };
    let mut out = Vec::new();
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.map_err(io(path))?;
        if line.trim().is_empty() {
            continue;
        }
        let c = serde_json::from_str(&line).map_err(|e| AnchorError::Malformed {
            path: path.to_owned(),
            what: format!("line {}: not a checkpoint ({e})", i + 1),
        })?;
        out.push(c);
    }
    Ok(out)
}

/// The checkpoints of a data directory.
pub fn checkpoints(dir: &Path) -> Result<Vec<Checkpoint>, AnchorError> {
    read_checkpoints(&dir.join(CHECKPOINTS_FILE))
}

/// How the log stands against its checkpoints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    /// Every checkpoint holds (`checked` of them; the last at `latest`).
    Anchored {
        /// Checkpoints checked.
        checked: usize,
        /// The last checkpoint's sequence number (0 when there is none).
        latest: u64,
    },
    /// The first checkpoint that does not hold, and why.
    Broken(String),
}

/// Checks a data directory's store as a whole, writing nothing: the chain
/// from its first entry, then every checkpoint kept in `dir` (this node's
/// and, in cluster mode, the others') against it. What a backup and a
/// restore check before they call a copy good.
pub async fn check_dir(store: &Store, dir: &Path) -> Result<Standing, AnchorError> {
    if let Verdict::Broken { seq, reason } = store.verify_chain_from(Head::EMPTY).await? {
        return Ok(Standing::Broken(format!("entry {seq}: {reason:?}")));
    }
    let own = checkpoints(dir)?;
    let mine = match own.is_empty() {
        true => Standing::Anchored { checked: 0, latest: 0 },
        false => check_all(store, &public_key(dir)?, &own).await?,
    };
    Ok(match (mine, check_peers(store, &peer_checkpoints(dir)?).await?) {
        (Standing::Anchored { checked, latest }, Standing::Anchored { checked: more, latest: theirs }) => {
            Standing::Anchored { checked: checked + more, latest: latest.max(theirs) }
        }
        (Standing::Broken(why), _) | (_, Standing::Broken(why)) => Standing::Broken(why),
    })
}

/// Checks every checkpoint (signed by `key`) against the store's log: the
/// log must reach each one and have the signed hash there. A full check,
/// for `tocsin audit verify`, beside the chain's own verification.
pub async fn check_all(store: &Store, key: &PublicKey, checkpoints: &[Checkpoint]) -> Result<Standing, AnchorError> {
    let head = store.audit_head().await?;
    let mut latest = 0;
    for c in checkpoints {
        if let Some(why) = against_log(store, key, head.seq, c).await? {
            return Ok(Standing::Broken(why));
        }
        latest = latest.max(c.seq);
    }
    Ok(Standing::Anchored { checked: checkpoints.len(), latest })
}

/// Why checkpoint `c` does not hold against the store's log, whose last
/// entry is `head`; `None` when it holds.
async fn against_log(store: &Store, key: &PublicKey, head: u64, c: &Checkpoint) -> Result<Option<String>, AnchorError> {
    let hash = match c.seq {
        0 => None,
        seq if seq <= head => store.audit_hash_at(seq).await?,
        _ => None,
    };
    Ok(c.check_log(key, head, |_| hash).err().map(|e| e.to_string()))
}

/// The check a server makes before it starts: the latest checkpoint holds,
/// and the chain is intact from it to the head. Quick at any log size (it
/// reads only the entries since the last checkpoint); `tocsin audit verify`
/// checks the whole chain and every checkpoint.
pub async fn check_since_latest(
    store: &Store,
    key: &PublicKey,
    checkpoints: &[Checkpoint],
) -> Result<Standing, AnchorError> {
    let Some(latest) = checkpoints.iter().max_by_key(|c| c.seq) else {
        return Ok(match store.verify_chain_from(Head::EMPTY).await? {
            Verdict::Intact { .. } => Standing::Anchored { checked: 0, latest: 0 },
            Verdict::Broken { seq, reason } => Standing::Broken(format!("entry {seq}: {reason:?}")),
        });
    };
    let head = store.audit_head().await?;
    if let Some(why) = against_log(store, key, head.seq, latest).await? {
        return Ok(Standing::Broken(why));
    }
    // Holding against the log, its signature has been checked.
    let signed = Head { seq: latest.seq, hash: tocsin_audit::from_hex(&latest.hash).unwrap_or(tocsin_audit::GENESIS) };
    Ok(match store.verify_chain_from(signed).await? {
        Verdict::Intact { .. } => Standing::Anchored { checked: 1, latest: latest.seq },
        Verdict::Broken { seq, reason } => Standing::Broken(format!("entry {seq}: {reason:?}")),
    })
}
