//! Fuzzes the observable normalizer and the STIX pattern reader with
//! arbitrary text: nothing may panic, a canonical value reads again as
//! itself, and a pattern's values are canonical.
//!
//! Run: `cargo install cargo-fuzz; cd fuzz; RUSTC_BOOTSTRAP=1 cargo fuzz run observable`

#![no_main]

use libfuzzer_sys::fuzz_target;
use tocsin_intel::{normalize, normalize_as, pattern};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(o) = normalize(text) {
        assert_eq!(normalize_as(o.kind, &o.value).as_ref(), Ok(&o), "not a fixed point: {text:?}");
    }
    if let Ok(parsed) = pattern::parse(text) {
        for o in parsed.observables {
            assert_eq!(normalize_as(o.kind, &o.value).as_ref(), Ok(&o), "a pattern value not canonical: {text:?}");
        }
    }
});
