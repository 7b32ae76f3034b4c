//! Fuzzes the UN XML reader with arbitrary bytes: it must never panic; a file
//! it cannot read is an error naming a position, and every entry it keeps
//! carries its list and reference.
//!
//! Run: `cargo install cargo-fuzz; cd fuzz; RUSTC_BOOTSTRAP=1 cargo fuzz run un_list`

#![no_main]

use libfuzzer_sys::fuzz_target;
use tocsin_lists::{Format, parse};

fuzz_target!(|data: &[u8]| {
    match parse(Format::UnSanctions, data, time::macros::date!(2026 - 11 - 23)) {
        Ok(p) => assert!(p.entries.iter().all(|e| e.source.as_ref().is_some_and(|s| s.list == Format::UnSanctions.as_str()))),
        Err(e) => assert!(!e.at.is_empty(), "an error names its position"),
    }
});
