//! The envelope: a signed plaintext routing header, and the payload
//! encrypted to every recipient at once.

use std::collections::HashSet;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tocsin_core::{AgencyCode, FieldError};
use uuid::Uuid;

use crate::key::{PublicKey, short};
use crate::{
    DiffusionKind, EnvelopeError, FORMAT, KeyFile, Level, MAX_CIPHERTEXT_BYTES, MAX_RECIPIENTS, MAX_REFERENCES,
    Payload, Reference, crypt,
};

/// The longest base64 text of [`MAX_CIPHERTEXT_BYTES`].
const MAX_CIPHERTEXT_TEXT: usize = MAX_CIPHERTEXT_BYTES.div_ceil(3) * 4;

/// A recipient as named in the header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Recipient {
    /// The recipient agency.
    pub agency: AgencyCode,
    /// The fingerprint of the agency key it was encrypted to.
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub key: String,
}

/// The routing data, in the clear and signed: what the server needs to
/// route, check references and enforce levels, and nothing more (subject,
/// body, caveats and attachments are all inside the ciphertext).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Header {
    /// The format, `tocsin-envelope/1`.
    #[schema(example = "tocsin-envelope/1")]
    pub format: String,
    /// The message's id, a UUID v7 in lower-case hyphenated form, drawn by
    /// the sender: a replay carries the same id.
    #[schema(format = Uuid)]
    pub id: String,
    /// The sending agency.
    pub sender: AgencyCode,
    /// The fingerprint of the sender's key pair that signed.
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub sender_key: String,
    /// 1 to 256 recipients, distinct agencies, the sender not among them.
    pub recipients: Vec<Recipient>,
    /// How confidential the message is.
    pub level: Level,
    /// The diffusion kind, when the message is a diffusion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diffusion: Option<DiffusionKind>,
    /// What the message points at: at most 32, distinct.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<Reference>,
    /// The id of the message this one answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(format = Uuid)]
    pub reply_to: Option<String>,
    /// When the sender sealed it (the sender's clock).
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub sent_at: OffsetDateTime,
}

/// What the sender chooses besides the payload.
#[derive(Debug, Clone, Default)]
pub struct Draft {
    /// How confidential the message is.
    pub level: Level,
    /// The diffusion kind, when the message is a diffusion (the payload
    /// then carries its content).
    pub diffusion: Option<DiffusionKind>,
    /// What the message points at.
    pub references: Vec<Reference>,
    /// The id of the message this one answers.
    pub reply_to: Option<String>,
}

/// The envelope as sent, stored and relayed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    /// The signed routing data.
    pub header: Header,
    /// Standard base64 of the age file (binary, not armored), at most
    /// 4 MiB decoded.
    #[schema(format = Byte)]
    pub ciphertext: String,
    /// Standard base64 of the 64-byte Ed25519 signature over
    /// `tocsin-envelope/1\n`, the header's JSON, `\n` and the SHA-256 of
    /// the decoded ciphertext.
    #[schema(format = Byte)]
    pub signature: String,
}

fn is_fingerprint(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Whether `s` is a UUID v7 as [`Uuid`] writes it (lower case, hyphens):
/// one id has one text, so a replay cannot pass for a new message.
fn is_message_id(s: &str) -> bool {
    Uuid::try_parse(s)
        .is_ok_and(|u| u.get_version() == Some(uuid::Version::SortRand) && u.hyphenated().to_string() == s)
}

const ID_FORM: &str = "not a UUID v7 in lower-case hyphenated form";

impl Header {
    /// Checks every bound and form; errors name `header.…`.
    fn check(&self) -> Result<(), FieldError> {
        let at = |field: &str, message: String| FieldError::field(format!("header.{field}"), message);
        if self.format != FORMAT {
            return Err(at("format", format!("`{}` is not {FORMAT}", self.format.escape_debug())));
        }
        if !is_message_id(&self.id) {
            return Err(at("id", ID_FORM.into()));
        }
        if !is_fingerprint(&self.sender_key) {
            return Err(at("sender_key", "not a key fingerprint (64 lower-case hex digits)".into()));
        }
        if self.recipients.is_empty() || self.recipients.len() > MAX_RECIPIENTS {
            return Err(at("recipients", format!("{} recipients; 1 to {MAX_RECIPIENTS}", self.recipients.len())));
        }
        let mut agencies = HashSet::with_capacity(self.recipients.len());
        for (i, r) in self.recipients.iter().enumerate() {
            if r.agency == self.sender {
                return Err(at(&format!("recipients[{i}].agency"), "the sender cannot be a recipient".into()));
            }
            if !agencies.insert(r.agency) {
                return Err(at(&format!("recipients[{i}].agency"), format!("{} is named twice", r.agency)));
            }
            if !is_fingerprint(&r.key) {
                return Err(at(
                    &format!("recipients[{i}].key"),
                    "not a key fingerprint (64 lower-case hex digits)".into(),
                ));
            }
        }
        if self.references.len() > MAX_REFERENCES {
            return Err(at("references", format!("{} references; at most {MAX_REFERENCES}", self.references.len())));
        }
        let mut references = HashSet::with_capacity(self.references.len());
        for (i, r) in self.references.iter().enumerate() {
            // The same rules as `kind:id` text.
            if r.to_string().parse::<Reference>().ok().as_ref() != Some(r) {
                return Err(at(&format!("references[{i}].id"), "1 to 64 letters, digits or hyphens".into()));
            }
            if !references.insert(r) {
                return Err(at(&format!("references[{i}]"), format!("{r} is named twice")));
            }
        }
        if let Some(reply_to) = &self.reply_to
            && !is_message_id(reply_to)
        {
            return Err(at("reply_to", ID_FORM.into()));
        }
        if self.sent_at.format(&Rfc3339).is_err() {
            return Err(at("sent_at", "not writable as RFC 3339".into()));
        }
        Ok(())
    }
}

/// Decodes standard base64 text of at most `max_text` characters.
fn decode(field: &str, text: &str, max_text: usize) -> Result<Vec<u8>, FieldError> {
    if text.len() > max_text {
        return Err(FieldError::field(field, format!("{} characters of base64; at most {max_text}", text.len())));
    }
    STANDARD.decode(text).map_err(|e| FieldError::field(field, format!("not standard base64: {e}")))
}

fn decode_ciphertext(text: &str) -> Result<Vec<u8>, FieldError> {
    let bytes = decode("ciphertext", text, MAX_CIPHERTEXT_TEXT)?;
    if bytes.len() > MAX_CIPHERTEXT_BYTES {
        return Err(FieldError::field(
            "ciphertext",
            format!("{} bytes; at most {MAX_CIPHERTEXT_BYTES} (4 MiB)", bytes.len()),
        ));
    }
    Ok(bytes)
}

fn decode_signature(text: &str) -> Result<[u8; 64], FieldError> {
    let bytes = decode("signature", text, 128)?;
    <[u8; 64]>::try_from(bytes.as_slice())
        .map_err(|_| FieldError::field("signature", format!("{} bytes; an Ed25519 signature is 64", bytes.len())))
}

/// `tocsin-envelope/1\n` ++ the header's JSON ++ `\n` ++ SHA-256 of the
/// ciphertext.
pub(crate) fn signed_bytes(header: &Header, ciphertext: &[u8]) -> Result<Vec<u8>, EnvelopeError> {
    let json = serde_json::to_vec(header)
        .map_err(|e| FieldError::field("header", format!("cannot be written as JSON: {e}")))?;
    let mut out = Vec::with_capacity(FORMAT.len() + json.len() + 2 + 32);
    out.extend_from_slice(FORMAT.as_bytes());
    out.push(b'\n');
    out.extend_from_slice(&json);
    out.push(b'\n');
    out.extend_from_slice(&Sha256::digest(ciphertext));
    Ok(out)
}

impl Envelope {
    /// Reads an envelope from outside (an API body, a stored row): JSON
    /// (through `tocsin_core::json`), then [`Envelope::check`]. Never
    /// panics, whatever the bytes.
    pub fn parse(bytes: &[u8]) -> Result<Envelope, EnvelopeError> {
        let envelope: Envelope = tocsin_core::json::from_slice(bytes).map_err(crate::json_error)?;
        envelope.check()?;
        Ok(envelope)
    }

    /// Checks every bound and form (what [`Envelope::parse`] does after
    /// JSON): the header's, the ciphertext's base64 and size and its age
    /// header (X25519 stanzas, well formed), the signature's base64 and
    /// length. Errors name the field: `header.recipients[2].agency`,
    /// `ciphertext`, `signature`.
    pub fn check(&self) -> Result<(), EnvelopeError> {
        self.checked().map(drop)
    }

    /// [`Envelope::check`], giving back the decoded ciphertext.
    fn checked(&self) -> Result<Vec<u8>, EnvelopeError> {
        self.header.check()?;
        let ciphertext = decode_ciphertext(&self.ciphertext)?;
        crypt::check_header(&ciphertext).map_err(|e| FieldError::field("ciphertext", e))?;
        decode_signature(&self.signature)?;
        Ok(ciphertext)
    }

    /// Checks the signature over the header and the ciphertext with the
    /// sender's public key: the header must name `sender`'s agency and key
    /// ([`EnvelopeError::Signature`] `signed with FRA's key 3f2a 91c0…, not
    /// …` otherwise) and the Ed25519 signature over
    /// [`Envelope::signed_bytes`] must verify.
    pub fn verify(&self, sender: &PublicKey) -> Result<(), EnvelopeError> {
        self.verify_with(sender, &decode_ciphertext(&self.ciphertext)?)
    }

    /// [`Envelope::verify`] with the ciphertext already decoded.
    fn verify_with(&self, sender: &PublicKey, ciphertext: &[u8]) -> Result<(), EnvelopeError> {
        let fingerprint = sender.fingerprint();
        if self.header.sender != sender.agency || self.header.sender_key != fingerprint {
            return Err(EnvelopeError::Signature(format!(
                "signed with {}'s key {}, not {}'s key {}",
                self.header.sender,
                short(&self.header.sender_key),
                sender.agency,
                short(&fingerprint)
            )));
        }
        let signature = decode_signature(&self.signature)?;
        let message = signed_bytes(&self.header, ciphertext)?;
        let mut public = [0u8; 32];
        hex::decode_to_slice(sender.verification.trim(), &mut public)
            .map_err(|_| EnvelopeError::Key(format!("{}'s verification key is not 64 hex digits", sender.agency)))?;
        let public = VerifyingKey::from_bytes(&public)
            .map_err(|_| EnvelopeError::Key(format!("{}'s verification key is not an Ed25519 point", sender.agency)))?;
        public.verify_strict(&message, &Signature::from_bytes(&signature)).map_err(|_| {
            EnvelopeError::Signature(format!(
                "does not verify with {}'s key {}: the header or the ciphertext was changed",
                sender.agency,
                short(&fingerprint)
            ))
        })
    }

    /// The exact bytes signed: `tocsin-envelope/1\n`, the header's JSON
    /// (`serde_json::to_vec`, fields in declaration order), `\n`, then the
    /// 32 bytes of the SHA-256 of the decoded ciphertext.
    pub fn signed_bytes(&self) -> Result<Vec<u8>, EnvelopeError> {
        signed_bytes(&self.header, &decode_ciphertext(&self.ciphertext)?)
    }

    /// Opens the envelope: [`Envelope::check`] and [`Envelope::verify`],
    /// then that `keys`' agency is among the recipients
    /// ([`EnvelopeError::Decrypt`] `not addressed to DEU` otherwise), then
    /// decrypts with every key pair of the file (a message sealed to a key
    /// since rotated still opens), reads the payload (errors name
    /// `payload.…`) and checks it against the header's diffusion kind.
    pub fn open(&self, sender: &PublicKey, keys: &KeyFile) -> Result<Payload, EnvelopeError> {
        let ciphertext = self.checked()?;
        self.verify_with(sender, &ciphertext)?;
        let me = keys.agency();
        if !self.header.recipients.iter().any(|r| r.agency == me) {
            return Err(EnvelopeError::Decrypt(format!("not addressed to {me}")));
        }
        // Newest first: the likeliest to match.
        let identities: Vec<_> = keys.keys().iter().rev().map(|k| k.identity()).collect();
        let plaintext = crypt::decrypt(&ciphertext, &identities).map_err(EnvelopeError::Decrypt)?.ok_or_else(|| {
            EnvelopeError::Decrypt(format!(
                "not encrypted to any of {me}'s {} key{}",
                identities.len(),
                if identities.len() == 1 { "" } else { "s" }
            ))
        })?;
        let payload: Payload =
            tocsin_core::json::from_slice(&plaintext).map_err(|e| crate::json_error(e).at("payload"))?;
        payload.check(self.header.diffusion).map_err(|e| e.at("payload"))?;
        Ok(payload)
    }
}

/// A fresh message id: a UUID v7 of `now` (the Unix epoch for earlier
/// times).
fn message_id(now: OffsetDateTime) -> String {
    let seconds = u64::try_from(now.unix_timestamp()).unwrap_or(0);
    let nanos = if seconds == 0 { 0 } else { now.nanosecond() };
    Uuid::new_v7(uuid::Timestamp::from_unix(uuid::NoContext, seconds, nanos)).hyphenated().to_string()
}

/// Seals `payload` from `from` to every key of `to`: checks the payload
/// ([`Payload::check`] with `draft.diffusion`), the keys (errors name
/// `to[i].encryption`), the recipients (1 to [`MAX_RECIPIENTS`], distinct,
/// not the sender) and the references; encrypts to every key at once (one
/// age file, one stanza each) and signs with `from.current()`. The header
/// gets a fresh UUID v7 id, `sent_at` = `now` (in UTC), the recipients in
/// `to`'s order with their keys' fingerprints.
pub fn seal(
    from: &KeyFile,
    draft: Draft,
    to: &[PublicKey],
    payload: &Payload,
    now: OffsetDateTime,
) -> Result<Envelope, EnvelopeError> {
    payload.check(draft.diffusion)?;
    let recipients = to
        .iter()
        .enumerate()
        .map(|(i, k)| k.recipient().map_err(|e| e.at(&format!("to[{i}]"))))
        .collect::<Result<Vec<_>, _>>()?;
    let sent_at = now
        .checked_to_offset(time::UtcOffset::UTC)
        .ok_or_else(|| FieldError::field("header.sent_at", "not writable as RFC 3339"))?;
    let signer = from.current();
    let header = Header {
        format: FORMAT.to_owned(),
        id: message_id(sent_at),
        sender: from.agency(),
        sender_key: signer.public().fingerprint(),
        recipients: to.iter().map(|k| Recipient { agency: k.agency, key: k.fingerprint() }).collect(),
        level: draft.level,
        diffusion: draft.diffusion,
        references: draft.references,
        reply_to: draft.reply_to,
        sent_at,
    };
    header.check()?;
    let plaintext =
        serde_json::to_vec(payload).map_err(|e| FieldError::field("payload", format!("cannot be written: {e}")))?;
    let ciphertext = crypt::encrypt(&recipients, &plaintext)?;
    if ciphertext.len() > MAX_CIPHERTEXT_BYTES {
        return Err(FieldError::field(
            "ciphertext",
            format!("{} bytes; at most {MAX_CIPHERTEXT_BYTES} (4 MiB)", ciphertext.len()),
        )
        .into());
    }
    let signature = signer.sign(&signed_bytes(&header, &ciphertext)?);
    Ok(Envelope { header, ciphertext: STANDARD.encode(&ciphertext), signature: STANDARD.encode(signature) })
}
