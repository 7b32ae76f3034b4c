//! Fuzzes the edge sync reader with arbitrary bytes as a version from the
//! upstream: `verify` and `read` must refuse or accept without panicking,
//! agree, and what they accept must follow the version held (newer, on its
//! chain) and carry as many items as `read` hands out. The clock allows
//! any skew (checked by unit tests), so a real version kept in
//! `fuzz/seeds/edge_sync` (an edge `cdg` of FRA) passes the header's checks
//! and the fuzzer works from the whole path.
//!
//! Run: `cargo install cargo-fuzz; cd fuzz; RUSTC_BOOTSTRAP=1 cargo fuzz run edge_sync`

#![no_main]

use libfuzzer_sys::fuzz_target;
use time::macros::datetime;
use tocsin_core::AgencyCode;
use tocsin_sync::{Expect, GENESIS, Held, Refused, read, verify};

fuzz_target!(|data: &[u8]| {
    let now = datetime!(2026-12-06 12:00 UTC);
    let held = Held { version: 3, hash: GENESIS.to_owned(), generated_at: datetime!(2020-01-01 0:00 UTC) };
    for held in [None, Some(&held)] {
        let expect = Expect {
            agency: AgencyCode::parse("FRA").ok(),
            edge: Some("cdg"),
            held,
            key: None,
            now,
            max_skew: time::Duration::days(36_500),
        };
        let mut handed = 0u64;
        let read = read(data, &expect, |_, _| {
            handed += 1;
            Ok::<(), Refused>(())
        });
        if let Ok(v) = verify(data, &expect) {
            assert!(held.is_none_or(|h| v.header.version > h.version), "a replay was accepted");
            // A signed version holds only items that parse.
            assert_eq!(read.map(|r| r.items), Ok(v.items));
            assert_eq!(handed, v.items);
        }
    }
});
