//! Fuzzes the screening batch readers (CSV, JSON lines and PAXLST sent to
//! `POST /v1/screen/batch` and `tocsin screen --file`): any bytes read in
//! any format without a panic, within the item limit, and every item read
//! either has requests or names what is wrong with it.
//!
//! Run: `cargo install cargo-fuzz; cd fuzz; RUSTC_BOOTSTRAP=1 cargo fuzz run batch`

#![no_main]

use libfuzzer_sys::fuzz_target;
use tocsin_manifest::batch::{self, Format};

fuzz_target!(|data: &[u8]| {
    for format in [Format::Csv, Format::JsonLines, Format::Paxlst] {
        if let Ok(read) = batch::read(format, data, 50) {
            assert!(read.items.len() <= 50);
            for item in &read.items {
                match &item.requests {
                    Ok(requests) => assert!(!requests.is_empty()),
                    Err(e) => assert!(!e.message.is_empty()),
                }
            }
        }
    }
    let _ = Format::detect(data);
});
