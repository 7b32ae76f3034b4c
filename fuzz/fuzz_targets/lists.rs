//! Fuzzes the list readers (UN XML, OFAC SDN CSV, INTERPOL notices JSON,
//! FollowTheMoney JSON lines) with arbitrary bytes, the first byte choosing
//! the format: none may panic; a file one cannot read is an error naming a
//! position, and every entry it keeps carries its list and reference.
//!
//! Run: `cargo install cargo-fuzz; cd fuzz; RUSTC_BOOTSTRAP=1 cargo fuzz run lists`

#![no_main]

use libfuzzer_sys::fuzz_target;
use tocsin_lists::{Format, parse};

fuzz_target!(|data: &[u8]| {
    let Some((&pick, file)) = data.split_first() else { return };
    let format = Format::ALL[usize::from(pick) % Format::ALL.len()];
    match parse(format, file, time::macros::date!(2026 - 11 - 23)) {
        Ok(p) => assert!(p.entries.iter().all(|e| e.source.as_ref().is_some_and(|s| s.list == format.as_str()))),
        Err(e) => assert!(!e.at.is_empty(), "an error names its position"),
    }
});
