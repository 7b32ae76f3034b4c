//! Fuzzes the parser of records sent by clients (`POST /v1/records`, bulk
//! lines, `tocsin import jsonl`): JSON into `RecordInput`, then validation.
//! It must never panic, text after an accepted body must be refused, and
//! whatever validates must serialize and validate
//! again to the same data.
//!
//! Run: `cargo install cargo-fuzz; cd fuzz; RUSTC_BOOTSTRAP=1 cargo fuzz run record_input`

#![no_main]

use libfuzzer_sys::fuzz_target;
use tocsin_core::record::RecordInput;

fuzz_target!(|data: &[u8]| {
    let today = time::macros::date!(2026 - 11 - 23);
    let Ok(input) = tocsin_core::json::from_slice::<RecordInput>(data) else { return };
    // A body the parser takes is refused with anything after it.
    let trailing = [data, b" {}"].concat();
    assert!(tocsin_core::json::from_slice::<RecordInput>(&trailing).is_err(), "trailing text accepted");
    let Ok(record) = input.validate(today) else { return };
    let json = serde_json::to_string(&record).expect("a valid record serializes");
    let again: RecordInput = serde_json::from_str(&json).expect("its JSON parses");
    assert_eq!(again.validate(today).expect("and validates"), record);
});
