//! Signed checkpoints: the chain's head anchored outside the log.
//!
//! The hash chain proves that no entry was changed, removed or reordered
//! *before* the last one, but not that the last entries are all there: cut
//! the log at any point and what is left is a valid chain. A checkpoint is
//! an ed25519 signature over `(seq, hash, time)` of the head at some
//! moment, kept apart from the log. Whoever holds the public key can then
//! check that the log still reaches `seq` and that its entry there has that
//! hash; a log that ends earlier was truncated, one whose entry differs was
//! rewritten.
//!
//! The signed bytes are a fixed layout, like the entries' (see
//! [`signed_bytes`]); the key is drawn by the caller (no I/O here).

use ring::signature::{ED25519, Ed25519KeyPair, KeyPair, UnparsedPublicKey};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::{Hash, Head};

/// Version tag at the start of every checkpoint's signed bytes.
const FORMAT: &[u8] = b"tocsin-audit-checkpoint/1\n";

/// An ed25519 public key.
pub type PublicKey = [u8; 32];

/// A signed statement that the log's entry `seq` had hash `hash` at `time`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Checkpoint {
    /// The head's sequence number.
    pub seq: u64,
    /// The head's hash, hex.
    pub hash: String,
    /// When it was signed (RFC 3339).
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub time: OffsetDateTime,
    /// The signing key's public half, hex (32 bytes).
    pub key: String,
    /// The ed25519 signature of [`signed_bytes`], hex (64 bytes).
    pub signature: String,
}

/// Why a checkpoint does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    /// A field is not what its format says.
    #[error("malformed checkpoint: {0}")]
    Malformed(&'static str),
    /// Signed by another key than the one expected.
    #[error("signed by key {found}, not by {expected}")]
    OtherKey {
        /// The expected key, hex.
        expected: String,
        /// The checkpoint's key, hex.
        found: String,
    },
    /// The signature does not match the signed fields.
    #[error("the signature does not match its fields: the checkpoint was altered or forged")]
    BadSignature,
    /// The log ends before the checkpointed entry.
    #[error("the log ends at entry {head} but a checkpoint signed at {time} vouches for entry {seq}: it was truncated")]
    Truncated {
        /// The checkpoint's sequence number.
        seq: u64,
        /// The log's last entry.
        head: u64,
        /// When the checkpoint was signed, RFC 3339.
        time: String,
    },
    /// The log's entry at the checkpoint has another hash.
    #[error("entry {seq} is not the one signed at {time}: the log was rewritten")]
    Rewritten {
        /// The checkpoint's sequence number.
        seq: u64,
        /// When the checkpoint was signed, RFC 3339.
        time: String,
    },
}

/// The bytes a checkpoint's signature covers: the format tag, the sequence
/// number (8 bytes, big-endian), the hash (32 bytes) and the time as Unix
/// nanoseconds (16 bytes, big-endian).
pub fn signed_bytes(seq: u64, hash: &Hash, time: OffsetDateTime) -> Vec<u8> {
    let mut out = Vec::with_capacity(FORMAT.len() + 8 + 32 + 16);
    out.extend_from_slice(FORMAT);
    out.extend_from_slice(&seq.to_be_bytes());
    out.extend_from_slice(hash);
    out.extend_from_slice(&time.unix_timestamp_nanos().to_be_bytes());
    out
}

/// The key that signs checkpoints.
pub struct SigningKey(Ed25519KeyPair);

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("SigningKey").field(&hex::encode(self.public_key())).finish()
    }
}

impl SigningKey {
    /// The key made from a 32-byte seed (drawn from the operating system's
    /// random source by the caller, and kept secret).
    pub fn from_seed(seed: &[u8; 32]) -> Result<SigningKey, CheckpointError> {
        Ed25519KeyPair::from_seed_unchecked(seed)
            .map(SigningKey)
            .map_err(|_| CheckpointError::Malformed("signing key seed"))
    }

    /// Its public half.
    pub fn public_key(&self) -> PublicKey {
        let mut key = [0; 32];
        key.copy_from_slice(self.0.public_key().as_ref());
        key
    }

    /// Signs `head` as of `time`.
    pub fn sign(&self, head: Head, time: OffsetDateTime) -> Checkpoint {
        let signature = self.0.sign(&signed_bytes(head.seq, &head.hash, time));
        Checkpoint {
            seq: head.seq,
            hash: hex::encode(head.hash),
            time,
            key: hex::encode(self.public_key()),
            signature: hex::encode(signature.as_ref()),
        }
    }
}

impl Checkpoint {
    /// The head it vouches for, once its signature by `key` is checked.
    pub fn verify(&self, key: &PublicKey) -> Result<Head, CheckpointError> {
        let expected = hex::encode(key);
        if !self.key.eq_ignore_ascii_case(&expected) {
            return Err(CheckpointError::OtherKey { expected, found: self.key.clone() });
        }
        let hash = crate::from_hex(&self.hash).ok_or(CheckpointError::Malformed("hash"))?;
        let signature = hex::decode(&self.signature).map_err(|_| CheckpointError::Malformed("signature"))?;
        UnparsedPublicKey::new(&ED25519, key)
            .verify(&signed_bytes(self.seq, &hash, self.time), &signature)
            .map_err(|_| CheckpointError::BadSignature)?;
        Ok(Head { seq: self.seq, hash })
    }

    /// Checks it against a log whose last entry is `head` and whose entry
    /// `seq` has the hash `hash_at(seq)` (`None`: no such entry).
    pub fn check_log(
        &self,
        key: &PublicKey,
        head: u64,
        hash_at: impl FnOnce(u64) -> Option<Hash>,
    ) -> Result<(), CheckpointError> {
        let signed = self.verify(key)?;
        // For the error messages below only.
        let time =
            self.time.format(&time::format_description::well_known::Rfc3339).unwrap_or_else(|_| self.time.to_string());
        if signed.seq == 0 {
            return Ok(());
        }
        if head < signed.seq {
            return Err(CheckpointError::Truncated { seq: signed.seq, head, time });
        }
        match hash_at(signed.seq) {
            Some(h) if h == signed.hash => Ok(()),
            _ => Err(CheckpointError::Rewritten { seq: signed.seq, time }),
        }
    }
}

/// Parses a public key's hex form.
pub fn public_key_from_hex(s: &str) -> Option<PublicKey> {
    let mut key = [0; 32];
    hex::decode_to_slice(s.trim(), &mut key).ok().map(|()| key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::GENESIS;

    fn key(n: u8) -> SigningKey {
        SigningKey::from_seed(&[n; 32]).expect("key")
    }

    fn time() -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_800_000_000).expect("time")
    }

    #[test]
    fn a_signing_key_shows_its_public_half_only() {
        let k = key(7);
        let shown = format!("{k:?}");
        assert_eq!(shown, format!("SigningKey({:?})", hex::encode(k.public_key())));
        assert!(!shown.contains(&hex::encode([7u8; 32])), "the seed is secret");
    }

    /// Known answer, kept forever: the signed layout of version 1. If this
    /// changes, checkpoints already handed out stop verifying.
    #[test]
    fn the_signed_layout_is_pinned() {
        let bytes = signed_bytes(7, &[0xab; 32], time());
        let expected = format!(
            "{}{}{}{}",
            hex::encode(b"tocsin-audit-checkpoint/1\n"),
            "0000000000000007",
            "ab".repeat(32),
            "000000000000000018fae27693b40000"
        );
        assert_eq!(hex::encode(&bytes), expected);
        // ed25519 is deterministic: the same key and bytes, the same signature.
        let a = key(1).sign(Head { seq: 7, hash: [0xab; 32] }, time());
        let b = key(1).sign(Head { seq: 7, hash: [0xab; 32] }, time());
        assert_eq!(a, b);
    }

    #[test]
    fn a_checkpoint_verifies_with_its_key_only() {
        let k = key(1);
        let c = k.sign(Head { seq: 3, hash: [9; 32] }, time());
        assert_eq!(c.verify(&k.public_key()), Ok(Head { seq: 3, hash: [9; 32] }));
        assert!(matches!(c.verify(&key(2).public_key()), Err(CheckpointError::OtherKey { .. })));
    }

    #[test]
    fn any_altered_field_breaks_the_signature() {
        let k = key(1);
        let c = k.sign(Head { seq: 3, hash: [9; 32] }, time());
        let mut altered = [c.clone(), c.clone(), c];
        altered[0].seq = 4;
        altered[1].hash = hex::encode([8; 32]);
        altered[2].time += time::Duration::seconds(1);
        for a in altered {
            assert_eq!(a.verify(&k.public_key()), Err(CheckpointError::BadSignature), "{a:?}");
        }
    }

    #[test]
    fn a_log_cut_before_the_checkpoint_is_truncated_and_a_changed_one_rewritten() {
        let k = key(1);
        let c = k.sign(Head { seq: 10, hash: [5; 32] }, time());
        let pk = k.public_key();
        assert_eq!(c.check_log(&pk, 10, |_| Some([5; 32])), Ok(()));
        assert_eq!(c.check_log(&pk, 12, |_| Some([5; 32])), Ok(()), "the log went on");
        assert!(matches!(
            c.check_log(&pk, 9, |_| Some([5; 32])),
            Err(CheckpointError::Truncated { seq: 10, head: 9, .. })
        ));
        assert!(matches!(c.check_log(&pk, 10, |_| Some([6; 32])), Err(CheckpointError::Rewritten { seq: 10, .. })));
        let empty = k.sign(Head { seq: 0, hash: GENESIS }, time());
        assert_eq!(empty.check_log(&pk, 0, |_| None), Ok(()));
    }

    #[test]
    fn public_keys_round_trip_as_hex() {
        let pk = key(3).public_key();
        assert_eq!(public_key_from_hex(&hex::encode(pk)), Some(pk));
        assert_eq!(public_key_from_hex("00"), None);
    }
}
