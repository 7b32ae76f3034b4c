//! Audit logs written by earlier versions of Tocsin must verify forever.
//!
//! Each file in `tests/formats/` is a log of one entry layout
//! (`tocsin-audit/1`, ...) as it was written when that layout was current:
//! every field, the previous hash and the hash, one JSON object a line.
//! These files are never regenerated. A change to the layout adds a new
//! version tag and a new file beside the old ones, and the old ones must
//! still verify, entry by entry, to the same hashes.

use std::path::Path;

use serde::Deserialize;
use time::OffsetDateTime;
use tocsin_audit::{Draft, Entry, Outcome, Verdict, Verifier, entry_hash, from_hex};

#[derive(Deserialize)]
struct Stored {
    seq: u64,
    time_unix_nanos: i64,
    agency: String,
    user: String,
    role: String,
    action: String,
    objects: Vec<String>,
    outcome: String,
    purpose: Option<String>,
    prev_hash: String,
    hash: String,
}

fn entries(file: &str) -> Vec<Entry> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/formats").join(file);
    let text = std::fs::read_to_string(&path).expect("the fixture is in the repository");
    text.lines()
        .map(|line| {
            let s: Stored = serde_json::from_str(line).expect("a stored entry");
            let time = OffsetDateTime::from_unix_timestamp_nanos(i128::from(s.time_unix_nanos)).expect("time");
            let outcome = Outcome::parse(&s.outcome).expect("outcome");
            let draft = Draft {
                time,
                agency: s.agency,
                user: s.user,
                role: s.role,
                action: s.action,
                objects: s.objects,
                outcome,
                purpose: s.purpose,
            };
            let (prev_hash, hash) = (from_hex(&s.prev_hash).expect("hex"), from_hex(&s.hash).expect("hex"));
            Entry { seq: s.seq, draft, prev_hash, hash }
        })
        .collect()
}

#[test]
fn logs_of_layout_1_verify_to_the_hashes_they_were_written_with() {
    let log = entries("v1.jsonl");
    assert_eq!(log.len(), 8);
    for e in &log {
        assert_eq!(entry_hash(&e.prev_hash, e.seq, &e.draft), e.hash, "entry {}", e.seq);
    }
    let mut verifier = Verifier::default();
    log.iter().for_each(|e| verifier.check(e));
    match verifier.finish() {
        Verdict::Intact { entries, head } => assert_eq!((entries, head.hash), (8, log[7].hash)),
        broken => panic!("{broken:?}"),
    }
}

#[test]
fn a_fixture_entry_changed_in_any_field_no_longer_verifies() {
    let mut changed = entries("v1.jsonl");
    changed[3].draft.purpose = Some("changed".into());
    let mut verifier = Verifier::default();
    changed.iter().for_each(|e| verifier.check(e));
    assert!(matches!(verifier.finish(), Verdict::Broken { seq: 4, .. }));
}
