//! The upstream's sync signing key (Ed25519, through `ring`): drawn once
//! into the data directory, its public half given to edges to pin. A key of
//! its own, not the audit anchor's: an edge that pins it learns nothing
//! that verifies checkpoints, and each can be replaced alone.

use std::path::{Path, PathBuf};

use rand::TryRngCore;
use rand::rngs::OsRng;
use ring::signature::{Ed25519KeyPair, KeyPair};

use crate::EdgeError;

/// The seed's file in the data directory (owner-only).
pub const KEY_FILE: &str = "edge-sync.key";
/// The public key's file in the data directory (hex), to hand to edges.
pub const PUBLIC_KEY_FILE: &str = "edge-sync.pub";

/// The upstream's signing key.
pub struct SyncKey {
    pair: Ed25519KeyPair,
}

impl std::fmt::Debug for SyncKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncKey").field("public", &self.public_hex()).finish_non_exhaustive()
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> EdgeError + '_ {
    move |e| EdgeError::Io(format!("{}: {e}", path.display()))
}

impl SyncKey {
    /// The directory's key, drawn and written when it has none.
    pub fn open_or_create(dir: &Path) -> Result<SyncKey, EdgeError> {
        let path: PathBuf = dir.join(KEY_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let mut seed = [0u8; 32];
                hex::decode_to_slice(text.trim(), &mut seed)
                    .map_err(|_| EdgeError::Io(format!("{}: not 64 hex digits", path.display())))?;
                SyncKey::from_seed(&seed)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut seed = [0u8; 32];
                OsRng.try_fill_bytes(&mut seed).map_err(|e| EdgeError::Io(format!("no randomness: {e}")))?;
                let key = SyncKey::from_seed(&seed)?;
                tocsin_store::private::write_new(&path, format!("{}\n", hex::encode(seed)).as_bytes())
                    .map_err(io(&path))?;
                let public = dir.join(PUBLIC_KEY_FILE);
                std::fs::write(&public, format!("{}\n", key.public_hex())).map_err(io(&public))?;
                Ok(key)
            }
            Err(e) => Err(io(&path)(e)),
        }
    }

    /// A key from its 32-byte seed.
    pub fn from_seed(seed: &[u8; 32]) -> Result<SyncKey, EdgeError> {
        let pair = Ed25519KeyPair::from_seed_unchecked(seed).map_err(|e| EdgeError::Io(format!("the key: {e}")))?;
        Ok(SyncKey { pair })
    }

    /// The public key, hex.
    pub fn public_hex(&self) -> String {
        hex::encode(self.pair.public_key().as_ref())
    }

    /// Signs `message`.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        self.pair.sign(message).as_ref().to_vec()
    }
}

/// Whether `signature` is `public`'s (hex) over `message`.
pub fn verify(public: &str, message: &[u8], signature: &[u8]) -> bool {
    tocsin_sync::verify_signature(public, message, signature)
}

/// Checks that `s` is a public key as [`SyncKey::public_hex`] writes it.
pub fn parse_public(s: &str) -> Result<String, EdgeError> {
    let s = s.trim().to_ascii_lowercase();
    match s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
        true => Ok(s),
        false => Err(EdgeError::Invalid {
            field: "upstream_key".into(),
            reason: "64 hex digits (the upstream's edge-sync.pub)".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_with_its_key_only() {
        let a = SyncKey::from_seed(&[1; 32]).expect("key");
        let b = SyncKey::from_seed(&[2; 32]).expect("key");
        let sig = a.sign(b"version 3");
        assert!(verify(&a.public_hex(), b"version 3", &sig));
        assert!(!verify(&a.public_hex(), b"version 4", &sig));
        assert!(!verify(&b.public_hex(), b"version 3", &sig));
        assert!(!verify("not hex", b"version 3", &sig));
    }

    #[test]
    fn the_key_is_drawn_once_and_read_back() {
        let dir = tempfile::tempdir().expect("dir");
        let first = SyncKey::open_or_create(dir.path()).expect("drawn");
        let again = SyncKey::open_or_create(dir.path()).expect("read");
        assert_eq!(first.public_hex(), again.public_hex());
        let published = std::fs::read_to_string(dir.path().join(PUBLIC_KEY_FILE)).expect("pub");
        assert_eq!(published.trim(), first.public_hex());
    }
}
