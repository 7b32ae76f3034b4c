//! End-to-end encrypted messages between agencies, with no I/O but the OS
//! random source.
//!
//! An agency holds a [`KeyFile`]: every key pair it has had, newest last,
//! each an age X25519 identity (to decrypt) and an Ed25519 seed (to sign).
//! It publishes the public halves as a [`PublicKey`], which others pin by
//! its [`fingerprint`](PublicKey::fingerprint).
//!
//! A sender [`seal`]s a [`Payload`] (subject, body, caveats, attachments,
//! diffusion content) into an [`Envelope`]: one age file encrypted to every
//! recipient's key at once, and a plaintext routing [`Header`] (who, to
//! whom, which level, which references), the header and the ciphertext's
//! hash signed with the sender's current key. The server sees only the
//! header and the ciphertext: it calls [`Envelope::parse`] and
//! [`Envelope::verify`]. A recipient calls [`Envelope::open`].
//!
//! No cryptography is made here: encryption is the `age` crate's, the
//! signature `ed25519-dalek`'s Ed25519 (strict verification), the hash
//! `sha2`'s SHA-256. All of it is pure Rust, so the same reader opens
//! messages in the console's browser (`tocsin-envelope-wasm`).

mod crypt;
mod envelope;
mod key;
mod payload;
#[cfg(test)]
mod tests;

use tocsin_core::FieldError;
pub use tocsin_core::message::{DiffusionKind, Level, Reference, ReferenceKind};

pub use envelope::{Draft, Envelope, Header, Recipient, seal};
pub use key::{KeyFile, PublicKey, SecretKey, grouped};
pub use payload::{Attachment, DiffusionContent, Payload};

/// The envelope's format, in [`Header::format`] and at the head of the
/// signed bytes.
pub const FORMAT: &str = "tocsin-envelope/1";
/// The key file's format, in its `format` field.
pub const KEY_FILE_FORMAT: &str = "tocsin-agency-keys/1";
/// At most this many characters in a subject.
pub const MAX_SUBJECT_CHARS: usize = 200;
/// At most this many bytes (UTF-8) in a body.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// At most this many caveats, each of 1 to [`MAX_CAVEAT_CHARS`] characters.
pub const MAX_CAVEATS: usize = 16;
/// At most this many characters in a caveat.
pub const MAX_CAVEAT_CHARS: usize = 100;
/// At most this many attachments.
pub const MAX_ATTACHMENTS: usize = 10;
/// At most this many bytes in one attachment.
pub const MAX_ATTACHMENT_BYTES: usize = 1024 * 1024;
/// At most this many bytes in all the attachments together.
pub const MAX_ATTACHMENTS_BYTES: usize = 2 * 1024 * 1024;
/// At most this many characters in each text of a diffusion's content.
pub const MAX_DIFFUSION_FIELD_CHARS: usize = 4000;
/// At most this many recipients.
pub const MAX_RECIPIENTS: usize = 256;
/// At most this many references.
pub const MAX_REFERENCES: usize = 32;
/// At most this many bytes of ciphertext (decoded). Every payload within
/// the bounds above, sealed to [`MAX_RECIPIENTS`], fits.
pub const MAX_CIPHERTEXT_BYTES: usize = 4 * 1024 * 1024;

/// Why an envelope, a key or a payload was refused.
#[derive(Debug, thiserror::Error)]
pub enum EnvelopeError {
    /// Bad input, naming the field (`header.recipients[2].agency`,
    /// `attachments[0].data`, `ciphertext`, `signature`).
    #[error(transparent)]
    Field(#[from] FieldError),
    /// The signature does not verify, or is not the given sender key's.
    #[error("signature: {0}")]
    Signature(String),
    /// The ciphertext does not open: not addressed to these keys, tampered
    /// with, or not an age file.
    #[error("ciphertext: {0}")]
    Decrypt(String),
    /// A key file that does not read (naming the field at fault), a key
    /// that is not one, or no randomness to draw a key from.
    #[error("key: {0}")]
    Key(String),
}

/// The error of a JSON text from outside, as a [`FieldError`] (its field's
/// path, and the message without the path repeated).
fn json_error(e: tocsin_core::json::JsonError) -> FieldError {
    let message = match e.message.strip_prefix(&format!("{}: ", e.field)) {
        Some(rest) if !e.field.is_empty() => rest.to_owned(),
        _ => e.message.clone(),
    };
    FieldError::field(e.field, message)
}
