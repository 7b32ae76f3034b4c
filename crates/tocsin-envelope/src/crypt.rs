//! The one place that touches `age`: X25519 identities and recipients, one
//! age file to many recipients, and its reader.
//!
//! age 0.13 marks its classic X25519 recipient type deprecated in favour
//! of its post-quantum hybrid (`age1pq1…`); this crate's keys and wire
//! format are X25519 (`age1…`, `AGE-SECRET-KEY-1…`), so the deprecation is
//! allowed here and nowhere else. Moving to the hybrid is a new key file
//! format and a new envelope format, not a change in this module alone.
#![allow(deprecated)]

use std::io::{Read, Write};

use age::secrecy::ExposeSecret;
use age::x25519;

use crate::EnvelopeError;

/// An age X25519 identity (the secret half).
pub(crate) struct Identity(x25519::Identity);

/// An age X25519 recipient (the public half).
pub(crate) struct Recipient(x25519::Recipient);

impl Identity {
    /// A new identity from the OS random source.
    pub(crate) fn generate() -> Identity {
        Identity(x25519::Identity::generate())
    }

    /// Reads `AGE-SECRET-KEY-1…`; the error never repeats the text.
    pub(crate) fn parse(text: &str) -> Option<Identity> {
        text.parse::<x25519::Identity>().ok().map(Identity)
    }

    /// `AGE-SECRET-KEY-1…`.
    pub(crate) fn to_text(&self) -> String {
        self.0.to_string().expose_secret().to_owned()
    }

    /// The recipient text, `age1…`.
    pub(crate) fn recipient(&self) -> String {
        self.0.to_public().to_string()
    }
}

impl Recipient {
    /// Reads `age1…`.
    pub(crate) fn parse(text: &str) -> Option<Recipient> {
        text.parse::<x25519::Recipient>().ok().map(Recipient)
    }

    /// Its canonical text (lower case).
    pub(crate) fn to_text(&self) -> String {
        self.0.to_string()
    }
}

/// Encrypts `plaintext` to every recipient at once: one age file (binary),
/// one stanza each.
pub(crate) fn encrypt(to: &[Recipient], plaintext: &[u8]) -> Result<Vec<u8>, EnvelopeError> {
    let failed = |e: &dyn std::fmt::Display| EnvelopeError::Key(format!("encryption failed: {e}"));
    let encryptor =
        age::Encryptor::with_recipients(to.iter().map(|r| &r.0 as &dyn age::Recipient)).map_err(|e| failed(&e))?;
    let mut out = Vec::with_capacity(plaintext.len() + plaintext.len() / 4096 + 64 + 128 * to.len());
    let mut writer = encryptor.wrap_output(&mut out).map_err(|e| failed(&e))?;
    writer.write_all(plaintext).map_err(|e| failed(&e))?;
    writer.finish().map_err(|e| failed(&e))?;
    Ok(out)
}

/// Checks that `bytes` starts with a well-formed age header, with X25519
/// stanzas and no passphrase.
pub(crate) fn check_header(bytes: &[u8]) -> Result<(), String> {
    let decryptor = age::Decryptor::new_buffered(bytes).map_err(|e| describe(&e))?;
    if decryptor.is_scrypt() || decryptor.has_recipient_stanza_tag("X25519") != Some(true) {
        return Err("not encrypted to age X25519 recipients".to_owned());
    }
    Ok(())
}

/// Decrypts the age file `bytes` with whichever of `identities` it was
/// encrypted to. `None` when none was.
pub(crate) fn decrypt(bytes: &[u8], identities: &[&Identity]) -> Result<Option<Vec<u8>>, String> {
    let decryptor = age::Decryptor::new_buffered(bytes).map_err(|e| describe(&e))?;
    let mut reader = match decryptor.decrypt(identities.iter().map(|i| &i.0 as &dyn age::Identity)) {
        Ok(reader) => reader,
        Err(age::DecryptError::NoMatchingKeys) => return Ok(None),
        Err(e) => return Err(describe(&e)),
    };
    // The plaintext is never longer than the age file.
    let mut plaintext = Vec::with_capacity(bytes.len());
    reader.read_to_end(&mut plaintext).map_err(|e| format!("tampered with: {e}"))?;
    Ok(Some(plaintext))
}

/// age's errors in words of our own (age's own are localized through
/// Fluent; these stay stable for logs and tests).
fn describe(e: &age::DecryptError) -> String {
    match e {
        age::DecryptError::InvalidHeader => "not an age file (its header is malformed)".to_owned(),
        age::DecryptError::UnknownFormat => "not an age v1 file".to_owned(),
        age::DecryptError::InvalidMac => "tampered with (the age header's MAC is wrong)".to_owned(),
        age::DecryptError::DecryptionFailed | age::DecryptError::KeyDecryptionFailed => {
            "tampered with (it does not decrypt)".to_owned()
        }
        age::DecryptError::Io(e) => format!("not an age file ({e})"),
        other => format!("not readable: {other}"),
    }
}
