//! Fuzzes screening requests (`POST /v1/screen`, batch lines): JSON into a
//! request, validation, name analysis. Nothing may panic, text after an
//! accepted body is refused, and a valid
//! request always names something to search for.
//!
//! Run: `cargo install cargo-fuzz; cd fuzz; RUSTC_BOOTSTRAP=1 cargo fuzz run screen_request`

#![no_main]

use libfuzzer_sys::fuzz_target;
use tocsin_match::name::{self, NameKind};
use tocsin_match::request::Request;

fuzz_target!(|data: &[u8]| {
    let Ok(req) = tocsin_core::json::from_slice::<Request>(data) else { return };
    // A body the parser takes is refused with anything after it.
    let trailing = [data, b" {}"].concat();
    assert!(tocsin_core::json::from_slice::<Request>(&trailing).is_err(), "trailing text accepted");
    let Ok(v) = req.validate(2026) else { return };
    assert!(v.query.name.is_some() || v.query.document.is_some());
    if let Some(n) = &v.query.name {
        let a = name::analyze(n, NameKind::Person);
        let s = name::compare(&a, &a).score;
        assert!((0.0..=1.0).contains(&s));
    }
});
