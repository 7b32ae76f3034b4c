//! The envelope reader for the console's browser.
//!
//! Built for `wasm32-unknown-unknown`, this crate is the WebAssembly module
//! the console serves (`/assets/envelope.wasm`) so that an agency opens a
//! message in the browser, with its key file loaded into the page's memory
//! and never sent to the server. It is `tocsin-envelope`'s own reader (the
//! CLI's), not a second implementation: [`check_key`] reads a key file,
//! [`open`] checks an envelope's signature against its sender's published
//! key and decrypts it.
//!
//! The module's interface ([`abi`]) is bytes in, JSON out, through buffers
//! the module owns, so that it needs no JavaScript glue and no `unsafe`
//! code beyond the exported names: the page asks for an input buffer, writes
//! the bytes, calls a function and reads the JSON answer.
//!
//! Opening draws no randomness; on the browser target `getrandom` is given
//! a source that refuses, so that anything that asked for randomness would
//! fail rather than draw weak numbers.

pub mod abi;

use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;
use tocsin_envelope::{Envelope, KeyFile, PublicKey};

/// What a key file holds, or why it does not read:
/// `{"agency": "FRA", "keys": [{"fingerprint": "…", "created_at": "…"}]}`,
/// oldest key first, or `{"error": "…"}`.
pub fn check_key(key_file: &[u8]) -> Value {
    match read_key(key_file) {
        Ok(keys) => json!({
            "agency": keys.agency().as_str(),
            "keys": keys.keys().iter().map(|k| json!({
                "fingerprint": k.public().fingerprint(),
                "created_at": k.created_at().format(&Rfc3339).unwrap_or_default(),
            })).collect::<Vec<_>>(),
        }),
        Err(e) => json!({ "error": e }),
    }
}

/// Opens an envelope (its JSON, as the API serves it) sent by the agency
/// whose published key is `sender` (JSON: `{"agency", "encryption",
/// "verification"}`), with `key_file`: `{"id", "sender", "sender_key",
/// "level", "payload"}` where it opens, `{"error": "…"}` (naming the field
/// or saying what failed) where it does not.
pub fn open(envelope: &[u8], sender: &[u8], key_file: &[u8]) -> Value {
    match try_open(envelope, sender, key_file) {
        Ok(v) => v,
        Err(e) => json!({ "error": e }),
    }
}

fn try_open(envelope: &[u8], sender: &[u8], key_file: &[u8]) -> Result<Value, String> {
    let keys = read_key(key_file)?;
    let envelope = Envelope::parse(envelope).map_err(|e| format!("the envelope: {e}"))?;
    let sender: PublicKey = serde_json::from_slice(sender).map_err(|e| format!("the sender's published key: {e}"))?;
    let sender = PublicKey::parse(sender.agency, &sender.encryption, &sender.verification)
        .map_err(|e| format!("the sender's published key: {e}"))?;
    let payload = envelope.open(&sender, &keys).map_err(|e| e.to_string())?;
    let h = &envelope.header;
    Ok(json!({
        "id": h.id,
        "sender": h.sender.as_str(),
        "sender_key": h.sender_key,
        "level": h.level.as_str(),
        "payload": payload,
    }))
}

fn read_key(key_file: &[u8]) -> Result<KeyFile, String> {
    let text = std::str::from_utf8(key_file).map_err(|_| "the key file is not UTF-8 text".to_owned())?;
    KeyFile::parse(text).map_err(|e| format!("the key file: {e}"))
}

#[cfg(test)]
mod tests;
