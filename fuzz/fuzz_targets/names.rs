//! Fuzzes name analysis and comparison directly, whatever the script: two
//! names (the input split at its first newline), each analyzed as a person
//! and an organization and compared both ways. Nothing may panic, and every
//! score is in [0, 1]. Reaches what JSON-wrapped targets rarely do: Arabic
//! and other scripts mixed inside words, direction marks, lone vowel
//! marks, names of only an article or connectors.
//!
//! Run: `cargo install cargo-fuzz; cd fuzz; RUSTC_BOOTSTRAP=1 cargo fuzz run names`

#![no_main]

use libfuzzer_sys::fuzz_target;
use tocsin_match::name::{self, NameKind};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (a, b) = text.split_once('\n').unwrap_or((&text, ""));
    for kind in [NameKind::Person, NameKind::Organization] {
        let (x, y) = (name::analyze(a, kind), name::analyze(b, kind));
        for (p, q) in [(&x, &y), (&y, &x), (&x, &x)] {
            let s = name::compare(p, q).score;
            assert!((0.0..=1.0).contains(&s), "score {s}");
        }
    }
});
