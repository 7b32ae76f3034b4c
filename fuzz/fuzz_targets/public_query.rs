//! Fuzzes the query string of the public extract (`GET /v1/public/notices`,
//! no authentication): URL-encoded parameters, then the check of each. It
//! must never panic, and what passes must be within the documented bounds.
//!
//! Run: `cargo install cargo-fuzz; cd fuzz; RUSTC_BOOTSTRAP=1 cargo fuzz run public_query`

#![no_main]

use libfuzzer_sys::fuzz_target;
use tocsin_core::public::{MAX_PER_PAGE, PublicQuery};

fuzz_target!(|data: &[u8]| {
    let Ok(query) = serde_urlencoded::from_bytes::<PublicQuery>(data) else { return };
    let Ok(filter) = query.check(|s| s.to_lowercase()) else { return };
    assert!(filter.page >= 1);
    assert!((1..=MAX_PER_PAGE).contains(&filter.per_page));
});
