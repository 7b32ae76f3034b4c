//! Fuzzes the parser of notice requests (`POST /v1/notices`, `PUT
//! /v1/notices/{id}`): a type and JSON content, then validation against
//! the type, through the server's strict JSON parser. It must never panic,
//! text after accepted content must be refused, and whatever validates must
//! serialize and validate again to the same content. The neutrality aid runs on it too.
//!
//! Run: `cargo install cargo-fuzz; cd fuzz; RUSTC_BOOTSTRAP=1 cargo fuzz run notice_content`

#![no_main]

use libfuzzer_sys::fuzz_target;
use tocsin_core::notice::{NoticeContent, NoticeType, neutrality_flags};

fuzz_target!(|data: &[u8]| {
    let Some((&first, json)) = data.split_first() else { return };
    let t = NoticeType::ALL[usize::from(first) % NoticeType::ALL.len()];
    let Ok(content) = tocsin_core::json::from_slice::<NoticeContent>(json) else { return };
    // Content the parser takes is refused with anything after it.
    let trailing = [json, b" {}"].concat();
    assert!(tocsin_core::json::from_slice::<NoticeContent>(&trailing).is_err(), "trailing text accepted");
    let Ok(valid) = content.validate(t) else { return };
    let text = serde_json::to_string(&valid).expect("valid content serializes");
    let again: NoticeContent = serde_json::from_str(&text).expect("its JSON parses");
    assert_eq!(again.validate(t).expect("and validates"), valid);
    let terms = vec!["army".to_owned(), "political party".to_owned()];
    let _ = neutrality_flags(&valid.texts(), &terms);
});
