//! Fuzzes the ICAO 9303 MRZ parser with arbitrary lines: it must never
//! panic, and whatever parses must report a check for every field it found.
//!
//! Run: `cargo install cargo-fuzz; cd fuzz; RUSTC_BOOTSTRAP=1 cargo fuzz run mrz`

#![no_main]

use libfuzzer_sys::fuzz_target;
use tocsin_match::mrz;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let lines: Vec<&str> = text.lines().collect();
    if let Ok(m) = mrz::parse(&lines, 2026) {
        assert!(m.checks.len() >= 3, "every format has at least three check digits");
        assert_eq!(m.valid(), m.checks.iter().all(|c| c.valid));
    }
});
