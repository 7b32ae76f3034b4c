//! Fuzzes the STIX readers with arbitrary bytes: a TAXII envelope or a
//! bundle is split into objects and each read leniently; nothing may panic,
//! and every object read has an id that starts with its own type.
//!
//! Run: `cargo install cargo-fuzz; cd fuzz; RUSTC_BOOTSTRAP=1 cargo fuzz run stix`

#![no_main]

use libfuzzer_sys::fuzz_target;
use tocsin_intel::stix;

fuzz_target!(|data: &[u8]| {
    let Ok(document) = serde_json::from_slice::<serde_json::Value>(data) else { return };
    let Ok(objects) = stix::objects_of(document) else { return };
    for object in objects {
        if let Ok(o) = stix::read(object) {
            assert!(o.id.starts_with(&format!("{}--", o.kind)), "{} is not a {}", o.id, o.kind);
            if let (Some(c), Some(m)) = (o.created, o.modified) {
                assert!(m >= c, "modified before created");
            }
        }
    }
});
