//! Keys: an agency's public key and its fingerprint, its secret key pairs
//! and the key file that keeps them all.

use std::fmt;

use age::secrecy::{ExposeSecret, SecretBox};
use ed25519_dalek::{Signer, SigningKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tocsin_core::{AgencyCode, FieldError};

use crate::crypt::{Identity, Recipient};
use crate::{EnvelopeError, KEY_FILE_FORMAT};

/// An agency's published public key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PublicKey {
    /// The agency whose key it is.
    pub agency: AgencyCode,
    /// The age X25519 recipient to encrypt to (`age1…`).
    #[schema(example = "age1lvyvwawkr0mcnnnncaghunadrqkmuf9e6507x9y920xxpp866cnql7dp2z")]
    pub encryption: String,
    /// The Ed25519 public key that verifies its signatures: 64 lower-case
    /// hex digits.
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub verification: String,
}

impl PublicKey {
    /// A public key from its parts as published. Surrounding white space
    /// is dropped and the texts are kept in their canonical (lower-case)
    /// form, so the fingerprint does not depend on how they were pasted.
    pub fn parse(agency: AgencyCode, encryption: &str, verification: &str) -> Result<PublicKey, FieldError> {
        let encryption = Recipient::parse(&encryption.trim().to_ascii_lowercase())
            .ok_or_else(|| FieldError::field("encryption", "not an age X25519 recipient (age1…)"))?
            .to_text();
        let verification = parse_hex32(verification)
            .map(hex::encode)
            .ok_or_else(|| FieldError::field("verification", "not 64 hex digits of an Ed25519 public key"))?;
        Ok(PublicKey { agency, encryption, verification })
    }

    /// The key's fingerprint, 64 lower-case hex digits: the SHA-256 of
    /// `tocsin-agency-key/1\n{agency}\n{encryption}\n{verification}\n`.
    /// Agencies compare it out of band (read aloud: [`grouped`]) before
    /// they trust a key.
    pub fn fingerprint(&self) -> String {
        let text =
            format!("tocsin-agency-key/1\n{}\n{}\n{}\n", self.agency.as_str(), self.encryption, self.verification);
        hex::encode(Sha256::digest(text.as_bytes()))
    }

    /// The age recipient, once the key's texts are checked: a key built or
    /// deserialized without [`PublicKey::parse`] must still be in the form
    /// it gives, since the fingerprint hashes the texts as they are.
    pub(crate) fn recipient(&self) -> Result<Recipient, FieldError> {
        let canonical = PublicKey::parse(self.agency, &self.encryption, &self.verification)?;
        for (field, given, wanted) in [
            ("encryption", &self.encryption, &canonical.encryption),
            ("verification", &self.verification, &canonical.verification),
        ] {
            if given != wanted {
                return Err(FieldError::field(field, "not in canonical form (lower case, no spaces)"));
            }
        }
        Recipient::parse(&self.encryption)
            .ok_or_else(|| FieldError::field("encryption", "not an age X25519 recipient (age1…)"))
    }
}

/// A fingerprint grouped for reading aloud: `3f2a 91c0 …`, groups of four.
pub fn grouped(fingerprint: &str) -> String {
    let mut out = String::with_capacity(fingerprint.len() + fingerprint.len() / 4);
    for (i, c) in fingerprint.chars().enumerate() {
        if i > 0 && i % 4 == 0 {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

/// The start of a fingerprint, for messages: `3f2a 91c0…`.
pub(crate) fn short(fingerprint: &str) -> String {
    let head: String = fingerprint.chars().take(8).collect();
    format!("{}…", grouped(&head))
}

/// 32 bytes from 64 hex digits (either case, white space around allowed).
fn parse_hex32(text: &str) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(text.trim(), &mut out).ok()?;
    Some(out)
}

/// One secret key pair of an agency: an age X25519 identity to decrypt and
/// an Ed25519 seed to sign. Its `Debug` shows the public fingerprint only.
pub struct SecretKey {
    created_at: OffsetDateTime,
    identity: Identity,
    seed: SecretBox<[u8; 32]>,
    signing: SigningKey,
    public: PublicKey,
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretKey")
            .field("created_at", &self.created_at)
            .field("fingerprint", &self.public.fingerprint())
            .finish_non_exhaustive()
    }
}

impl SecretKey {
    fn new(agency: AgencyCode, created_at: OffsetDateTime, identity: Identity, seed: [u8; 32]) -> SecretKey {
        let seed = SecretBox::new(Box::new(seed));
        let signing = SigningKey::from_bytes(seed.expose_secret());
        let public = PublicKey {
            agency,
            encryption: identity.recipient(),
            verification: hex::encode(signing.verifying_key().as_bytes()),
        };
        SecretKey { created_at, identity, seed, signing, public }
    }

    fn generate(agency: AgencyCode, now: OffsetDateTime) -> Result<SecretKey, EnvelopeError> {
        let created_at = timestamp(now)?;
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| EnvelopeError::Key(format!("no randomness to draw a key: {e}")))?;
        let key = SecretKey::new(agency, created_at, Identity::generate(), seed);
        seed.fill(0);
        Ok(key)
    }

    /// The public half, to publish.
    pub fn public(&self) -> PublicKey {
        self.public.clone()
    }

    /// When the pair was drawn.
    pub fn created_at(&self) -> OffsetDateTime {
        self.created_at
    }

    pub(crate) fn identity(&self) -> &Identity {
        &self.identity
    }

    pub(crate) fn sign(&self, message: &[u8]) -> Vec<u8> {
        self.signing.sign(message).to_bytes().to_vec()
    }
}

/// `now` in UTC, as the key file writes it (RFC 3339, so years 0 to 9999).
fn timestamp(now: OffsetDateTime) -> Result<OffsetDateTime, EnvelopeError> {
    now.checked_to_offset(time::UtcOffset::UTC)
        .filter(|t| t.format(&Rfc3339).is_ok())
        .ok_or_else(|| EnvelopeError::Key(format!("the clock reads {now}, which RFC 3339 cannot write")))
}

/// An agency's key file: every key pair it has had, newest last, so that
/// messages sealed to an old key still open after a rotation. Its `Debug`
/// shows public fingerprints only.
pub struct KeyFile {
    agency: AgencyCode,
    /// Never empty.
    keys: Vec<SecretKey>,
}

impl fmt::Debug for KeyFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyFile").field("agency", &self.agency).field("keys", &self.keys).finish()
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyFileText {
    format: String,
    agency: AgencyCode,
    keys: Vec<KeyText>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyText {
    created_at: String,
    encryption: String,
    signing: String,
}

impl KeyFile {
    /// A new key file for `agency`, with one pair drawn now.
    pub fn generate(agency: AgencyCode, now: OffsetDateTime) -> Result<KeyFile, EnvelopeError> {
        Ok(KeyFile { agency, keys: vec![SecretKey::generate(agency, now)?] })
    }

    /// Draws a new pair and makes it the current one. The old pairs stay,
    /// to open what was sealed to them.
    pub fn rotate(&mut self, now: OffsetDateTime) -> Result<(), EnvelopeError> {
        self.keys.push(SecretKey::generate(self.agency, now)?);
        Ok(())
    }

    /// The agency whose keys these are.
    pub fn agency(&self) -> AgencyCode {
        self.agency
    }

    /// The current pair: the newest, the one that signs and that others
    /// should encrypt to.
    pub fn current(&self) -> &SecretKey {
        // `keys` is never empty: `generate` draws one and `parse` refuses none.
        &self.keys[self.keys.len() - 1]
    }

    /// Every pair, oldest first.
    pub fn keys(&self) -> &[SecretKey] {
        &self.keys
    }

    /// The file's text: JSON, `{"format": "tocsin-agency-keys/1", "agency":
    /// "FRA", "keys": [{"created_at", "encryption": "AGE-SECRET-KEY-1…",
    /// "signing": "64 hex digits of the Ed25519 seed"}]}`, pretty, with a
    /// trailing newline. It is secret: write it owner-only.
    pub fn to_text(&self) -> String {
        let file = KeyFileText {
            format: KEY_FILE_FORMAT.to_owned(),
            agency: self.agency,
            keys: self
                .keys
                .iter()
                .map(|k| KeyText {
                    // Always writable: `timestamp` checked it, or it was read so.
                    created_at: k.created_at.format(&Rfc3339).unwrap_or_default(),
                    encryption: k.identity.to_text(),
                    signing: hex::encode(k.seed.expose_secret()),
                })
                .collect(),
        };
        // Strings only: serialization cannot fail.
        let mut text = serde_json::to_string_pretty(&file).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Reads a key file's text. Errors ([`EnvelopeError::Key`]) start with
    /// the field at fault (`keys[1].signing: …`) and never repeat a secret.
    pub fn parse(text: &str) -> Result<KeyFile, EnvelopeError> {
        let key = |e: FieldError| EnvelopeError::Key(e.to_string());
        let file: KeyFileText =
            tocsin_core::json::from_slice(text.as_bytes()).map_err(|e| key(crate::json_error(e)))?;
        if file.format != KEY_FILE_FORMAT {
            return Err(key(FieldError::field(
                "format",
                format!("`{}` is not {KEY_FILE_FORMAT}", file.format.escape_debug()),
            )));
        }
        if file.keys.is_empty() {
            return Err(key(FieldError::field("keys", "no key pair")));
        }
        let mut keys: Vec<SecretKey> = Vec::with_capacity(file.keys.len());
        for (i, k) in file.keys.iter().enumerate() {
            let at = |field: &str, message: &str| key(FieldError::field(format!("keys[{i}].{field}"), message));
            let created_at = OffsetDateTime::parse(&k.created_at, &Rfc3339)
                .map_err(|_| at("created_at", "not an RFC 3339 date and time"))?;
            let identity = Identity::parse(k.encryption.trim())
                .ok_or_else(|| at("encryption", "not an age X25519 secret key (AGE-SECRET-KEY-1…)"))?;
            let seed = parse_hex32(&k.signing).ok_or_else(|| at("signing", "not 64 hex digits of an Ed25519 seed"))?;
            let pair = SecretKey::new(file.agency, created_at, identity, seed);
            if let Some(j) = keys.iter().position(|o| {
                o.public.encryption == pair.public.encryption || o.public.verification == pair.public.verification
            }) {
                return Err(key(FieldError::field(format!("keys[{i}]"), format!("the same key as keys[{j}]"))));
            }
            keys.push(pair);
        }
        Ok(KeyFile { agency: file.agency, keys })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use time::macros::datetime;

    use super::*;

    fn fra() -> AgencyCode {
        AgencyCode::parse("FRA").unwrap()
    }

    /// Signatures are plain Ed25519 (RFC 8032, section 7.1, test 1), so
    /// keys and messages made before the move from `ring` to
    /// `ed25519-dalek` verify and open unchanged.
    #[test]
    fn signing_is_rfc_8032_ed25519() {
        let mut seed = [0u8; 32];
        hex::decode_to_slice("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", &mut seed).unwrap();
        let created_at = OffsetDateTime::from_unix_timestamp(1_780_000_000).unwrap();
        let key = SecretKey::new(fra(), created_at, Identity::generate(), seed);
        assert_eq!(key.public().verification, "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
        assert_eq!(
            hex::encode(key.sign(b"")),
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
        );
    }

    #[test]
    fn a_key_file_reads_back_what_it_wrote() {
        let mut file = KeyFile::generate(fra(), datetime!(2026-01-02 03:04:05.5 +01:00)).unwrap();
        file.rotate(datetime!(2026-06-01 0:00 UTC)).unwrap();
        let text = file.to_text();
        assert!(text.ends_with("}\n") && text.contains("\"format\": \"tocsin-agency-keys/1\""), "{text}");
        let again = KeyFile::parse(&text).unwrap();
        assert_eq!(again.agency(), fra());
        assert_eq!(again.keys().len(), 2);
        for (a, b) in file.keys().iter().zip(again.keys()) {
            assert_eq!(a.public(), b.public());
            assert_eq!(a.created_at(), b.created_at());
        }
        assert_eq!(again.current().public(), file.current().public());
        assert_eq!(again.to_text(), text);
    }

    #[test]
    fn bad_key_files_name_the_field() {
        let mut file = KeyFile::generate(fra(), datetime!(2026-01-01 0:00 UTC)).unwrap();
        file.rotate(datetime!(2026-02-01 0:00 UTC)).unwrap();
        let text = file.to_text();
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        let with = |pointer: &str, v: serde_json::Value| {
            let mut value = value.clone();
            *value.pointer_mut(pointer).unwrap() = v;
            value.to_string()
        };
        let secret = value.pointer("/keys/1/signing").unwrap().as_str().unwrap().to_owned();
        let cases = [
            (with("/keys/1/signing", "abcd".into()), "keys[1].signing"),
            (with("/keys/1/signing", format!("{secret}00").into()), "keys[1].signing"),
            (with("/keys/0/encryption", "AGE-SECRET-KEY-1XYZ".into()), "keys[0].encryption"),
            (with("/keys/0/encryption", 7.into()), "keys[0].encryption"),
            (with("/keys/1/created_at", "yesterday".into()), "keys[1].created_at"),
            (with("/keys/1", value.pointer("/keys/0").unwrap().clone()), "keys[1]"),
            (with("/format", "tocsin-agency-keys/2".into()), "format"),
            (with("/agency", "XYZ".into()), "agency"),
            (with("/keys", serde_json::json!([])), "keys"),
            (text.replacen("\"signing\"", "\"extra\": 1, \"signing\"", 1), "keys[0]"),
            ("not json".to_owned(), ""),
        ];
        for (text, field) in cases {
            let e = KeyFile::parse(&text).map(|_| ()).unwrap_err();
            let EnvelopeError::Key(message) = &e else { panic!("{e:?}") };
            assert!(message.starts_with(field), "{field}: {message}");
            assert!(!message.contains(&secret[..16]), "{message}");
        }
    }

    #[test]
    fn debug_shows_no_secret() {
        let file = KeyFile::generate(fra(), datetime!(2026-01-01 0:00 UTC)).unwrap();
        let text = file.to_text();
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        let age_secret = value.pointer("/keys/0/encryption").unwrap().as_str().unwrap();
        let seed = value.pointer("/keys/0/signing").unwrap().as_str().unwrap();
        for debug in [format!("{file:?}"), format!("{:#?}", file.current())] {
            assert!(debug.contains(&file.current().public().fingerprint()), "{debug}");
            assert!(!debug.contains(&age_secret[20..40]) && !debug.to_uppercase().contains(&age_secret[20..40]));
            assert!(!debug.contains(&seed[..16]) && !debug.contains(&seed[48..]), "{debug}");
            assert!(!debug.contains("AGE-SECRET"), "{debug}");
        }
    }

    #[test]
    fn public_keys_refuse_junk_naming_the_field() {
        let file = KeyFile::generate(fra(), datetime!(2026-01-01 0:00 UTC)).unwrap();
        let good = file.current().public();
        let parsed = PublicKey::parse(
            fra(),
            &format!(" {} ", good.encryption.to_uppercase()),
            &good.verification.to_uppercase(),
        )
        .unwrap();
        assert_eq!(parsed, good);
        assert_eq!(parsed.fingerprint(), good.fingerprint());
        let field = |e: &str, v: &str| PublicKey::parse(fra(), e, v).unwrap_err().field;
        assert_eq!(field("age1junk", &good.verification), "encryption");
        assert_eq!(field("", &good.verification), "encryption");
        let secret = file.to_text();
        let secret: serde_json::Value = serde_json::from_str(&secret).unwrap();
        let secret = secret.pointer("/keys/0/encryption").unwrap().as_str().unwrap().to_owned();
        assert_eq!(field(&secret, &good.verification), "encryption");
        assert_eq!(field(&good.encryption, "abc"), "verification");
        assert_eq!(field(&good.encryption, &"g".repeat(64)), "verification");
        assert_eq!(field(&good.encryption, &"a".repeat(66)), "verification");
    }

    #[test]
    fn fingerprints_bind_every_part_and_group_by_four() {
        let file = KeyFile::generate(fra(), datetime!(2026-01-01 0:00 UTC)).unwrap();
        let key = file.current().public();
        let fp = key.fingerprint();
        assert_eq!(fp.len(), 64);
        assert!(fp.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
        let expected = hex::encode(Sha256::digest(
            format!("tocsin-agency-key/1\nFRA\n{}\n{}\n", key.encryption, key.verification).as_bytes(),
        ));
        assert_eq!(fp, expected);
        let other = PublicKey { agency: AgencyCode::parse("DEU").unwrap(), ..key };
        assert_ne!(other.fingerprint(), fp);
        let g = grouped(&fp);
        assert_eq!(g.split(' ').count(), 16);
        assert!(g.split(' ').all(|part| part.len() == 4));
        assert_eq!(g.replace(' ', ""), fp);
        assert_eq!(grouped("3f2a91c0ab"), "3f2a 91c0 ab");
        assert_eq!(short(&fp), format!("{} {}…", &fp[..4], &fp[4..8]));
    }

    #[test]
    fn a_clock_rfc_3339_cannot_write_is_refused() {
        let far = datetime!(9999-12-31 23:30 -01:00);
        assert!(matches!(KeyFile::generate(fra(), far), Err(EnvelopeError::Key(_))));
    }
}
