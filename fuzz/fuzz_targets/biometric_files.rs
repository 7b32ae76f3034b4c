//! Fuzzes the biometric file readers (`tocsin bio inspect`, and what
//! `POST /v1/biometrics` and `/v1/biometrics/search` read) with arbitrary
//! bytes: an ANSI/NIST-ITL transaction, an ISO/IEC 19794-2 or ANSI/INCITS
//! 378 minutiae record, or anything else. No input may panic; a minutiae
//! record that reads is written back byte for byte, and a transaction that
//! reads is written back to bytes that read again to the same records.
//!
//! Seeds: NIST's public files in `../shared/data/biometrics`
//! (`scripts/fuzz-campaign.sh` adds them).
//! Run: `cargo install cargo-fuzz; cd fuzz; RUSTC_BOOTSTRAP=1 cargo fuzz run biometric_files`

#![no_main]

use libfuzzer_sys::fuzz_target;
use tocsin_bio::{an2k, describe, fmr};

fuzz_target!(|data: &[u8]| {
    let _ = describe(data);
    if let Ok(t) = an2k::Transaction::parse(data) {
        let _ = t.fingers();
        let _ = t.images();
        let written = t.to_bytes();
        let again = an2k::Transaction::parse(&written).expect("a transaction written reads again");
        assert_eq!(again.records.len(), t.records.len());
        assert_eq!(again.to_bytes(), written, "writing is stable");
    }
    if let Ok(r) = fmr::FmrRecord::parse(data) {
        assert_eq!(r.to_bytes(), data, "a minutiae record is written back byte for byte");
        let _ = r.fingers();
    }
});
