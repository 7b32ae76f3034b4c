//! Fuzzes the envelope reader the server runs on every message it is
//! sent: `Envelope::parse` must refuse or accept arbitrary bytes without
//! panicking, what it accepts must write back to JSON that reads back the
//! same, and `verify` with a fixed sender key (drawn from fixed seeds, once)
//! must answer without panicking, whatever it answers.
//!
//! Run: `cargo install cargo-fuzz; cd fuzz; RUSTC_BOOTSTRAP=1 cargo fuzz run envelope`

#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use tocsin_envelope::{Envelope, KeyFile, PublicKey};

/// FRA's key file with fixed seeds: the age identity is the Bech32 text of
/// 32 bytes of 7, the Ed25519 seed 32 bytes of 7. Public test data only.
const KEY_FILE: &str = r#"{
  "format": "tocsin-agency-keys/1",
  "agency": "FRA",
  "keys": [
    {
      "created_at": "2026-01-01T00:00:00Z",
      "encryption": "AGE-SECRET-KEY-1QURSWPC8QURSWPC8QURSWPC8QURSWPC8QURSWPC8QURSWPC8QURSKMP32K",
      "signing": "0707070707070707070707070707070707070707070707070707070707070707"
    }
  ]
}
"#;

fn sender() -> &'static PublicKey {
    static KEY: OnceLock<PublicKey> = OnceLock::new();
    KEY.get_or_init(|| match KeyFile::parse(KEY_FILE) {
        Ok(keys) => keys.current().public(),
        Err(e) => panic!("the fixed key file: {e}"),
    })
}

fuzz_target!(|data: &[u8]| {
    if let Ok(envelope) = Envelope::parse(data) {
        let again = serde_json::to_vec(&envelope).map(|json| Envelope::parse(&json).map_err(|e| e.to_string()));
        assert!(matches!(again, Ok(Ok(ref e)) if *e == envelope), "an accepted envelope does not read back: {again:?}");
        let _ = envelope.verify(sender());
        let _ = envelope.signed_bytes();
    }
});
