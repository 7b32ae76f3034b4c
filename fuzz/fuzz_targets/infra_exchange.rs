//! Fuzzes the infrastructure exchange readers (`tocsin infra import`, and
//! what `POST /v1/infra/import` reads) with arbitrary bytes, read as UTF-8
//! (lossily): the whole input as JSON lines, and as an assets CSV file and
//! a dependencies one (split at the first NUL byte; without one, the
//! assets file alone). No input may panic; JSON lines that read give one
//! asset or dependency per non-blank line; CSV files that read convert to
//! JSON lines, one per row, that read again to as many assets (with the
//! same keys) and dependencies.
//!
//! Seeds: hand-written files in `fuzz/seeds/infra_exchange`.
//! Run: `cargo install cargo-fuzz; cd fuzz; RUSTC_BOOTSTRAP=1 cargo fuzz run infra_exchange`

#![no_main]

use libfuzzer_sys::fuzz_target;
use tocsin_infra::exchange::{Exchange, csv_to_jsonl, read_csv, read_jsonl};

fn keys(x: &Exchange) -> Vec<&str> {
    x.assets.iter().map(|a| a.key.as_str()).collect()
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(x) = read_jsonl(&text) {
        let lines = text.lines().filter(|l| !l.trim().is_empty()).count();
        assert_eq!(x.assets.len() + x.dependencies.len(), lines, "one asset or dependency per non-blank line");
    }
    let (assets, dependencies) = match text.split_once('\0') {
        Some((a, d)) => (a, Some(d)),
        None => (&*text, None),
    };
    let read = read_csv(assets, dependencies);
    let converted = csv_to_jsonl(assets, dependencies);
    assert_eq!(read.is_ok(), converted.is_ok(), "csv_to_jsonl takes what read_csv takes");
    if let (Ok(x), Ok(jsonl)) = (read, converted) {
        assert_eq!(jsonl.lines().count(), x.assets.len() + x.dependencies.len(), "one line per row");
        let again = read_jsonl(&jsonl).expect("converted CSV reads as JSON lines");
        assert_eq!(keys(&again), keys(&x));
        assert_eq!(again.dependencies.len(), x.dependencies.len());
    }
});
