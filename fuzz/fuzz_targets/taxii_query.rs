//! Fuzzes the TAXII request readers with arbitrary text: a query string
//! (`added_after`, `limit`, `next`, `match[…]`) and an `Authorization`
//! header. Nothing may panic; a filter read keeps TAXII's rules (`limit`
//! above 0, `all` alone), and a cursor encodes to text that reads back as
//! itself.
//!
//! Run: `cargo install cargo-fuzz; cd fuzz; RUSTC_BOOTSTRAP=1 cargo fuzz run taxii_query`

#![no_main]

use libfuzzer_sys::fuzz_target;
use tocsin_intel::taxii;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(filter) = taxii::parse_query(text) {
        assert!(filter.limit.is_none_or(|l| l > 0));
        let v = &filter.versions;
        assert!(!v.all || (!v.first && !v.last && v.exact.is_empty()), "`all` goes alone");
        if let Some(next) = filter.next {
            assert_eq!(taxii::Cursor::parse(&next.encode()), Ok(next));
        }
    }
    let _ = taxii::token_of(text);
    let _ = taxii::accepts(Some(text), true);
    let _ = taxii::readable(Some(text));
});
