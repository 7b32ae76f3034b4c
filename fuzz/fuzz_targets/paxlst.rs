//! Fuzzes the PAXLST reader (airline manifests, outside input): any bytes
//! read into a manifest without a panic, and every traveller read has a
//! surname.
//!
//! Run: `cargo install cargo-fuzz; cd fuzz; RUSTC_BOOTSTRAP=1 cargo fuzz run paxlst`

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let manifest = tocsin_manifest::read(data);
    assert!(manifest.travellers.iter().all(|t| !t.surname.is_empty()));
    assert!(manifest.travellers.len() <= tocsin_manifest::paxlst::MAX_TRAVELLERS);
});
