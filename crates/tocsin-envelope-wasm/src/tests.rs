//! The reader as the page calls it: JSON in the API's wire forms, JSON out.
#![allow(clippy::unwrap_used)]

use serde_json::{Value, json};
use time::OffsetDateTime;
use tocsin_core::AgencyCode;
use tocsin_envelope::{Attachment, Draft, KeyFile, Level, Payload, seal};

use crate::abi;

fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_780_000_000).unwrap()
}

fn keys(code: &str) -> KeyFile {
    KeyFile::generate(AgencyCode::parse(code).unwrap(), now()).unwrap()
}

fn payload() -> Payload {
    Payload {
        subject: "Courier on AF1234".into(),
        body: "Travelling on a passport reported stolen.".into(),
        caveats: vec!["not for onward transmission".into()],
        attachments: vec![Attachment { name: "scan.jpg".into(), media_type: "image/jpeg".into(), data: vec![0, 1, 2] }],
        diffusion: None,
    }
}

/// FRA's key file, DEU's and ITA's, and an envelope from FRA to DEU, as
/// the API serves them.
struct Sent {
    fra: KeyFile,
    deu: KeyFile,
    ita: KeyFile,
    envelope: Vec<u8>,
    sender: Vec<u8>,
}

fn sent() -> Sent {
    let (fra, deu, ita) = (keys("FRA"), keys("DEU"), keys("ITA"));
    let draft = Draft { level: Level::Restricted, ..Draft::default() };
    let envelope = seal(&fra, draft, &[deu.current().public()], &payload(), now()).unwrap();
    let envelope = serde_json::to_vec(&envelope).unwrap();
    let sender = serde_json::to_vec(&fra.current().public()).unwrap();
    Sent { fra, deu, ita, envelope, sender }
}

fn error(v: &Value) -> &str {
    v["error"].as_str().unwrap_or_else(|| panic!("not an error: {v}"))
}

#[test]
fn the_recipient_opens_with_its_key_file() {
    let s = sent();
    let v = crate::open(&s.envelope, &s.sender, s.deu.to_text().as_bytes());
    assert_eq!(v["sender"], "FRA", "{v}");
    assert_eq!(v["sender_key"], s.fra.current().public().fingerprint());
    assert_eq!(v["level"], "restricted");
    assert_eq!(v["payload"]["subject"], "Courier on AF1234");
    assert_eq!(v["payload"]["body"], "Travelling on a passport reported stolen.");
    assert_eq!(v["payload"]["caveats"], json!(["not for onward transmission"]));
    assert_eq!(v["payload"]["attachments"][0]["data"], "AAEC", "attachments in standard base64");
    let id = serde_json::from_slice::<Value>(&s.envelope).unwrap()["header"]["id"].clone();
    assert_eq!(v["id"], id);
}

#[test]
fn another_agency_or_a_changed_envelope_gets_an_error_not_content() {
    let s = sent();
    let v = crate::open(&s.envelope, &s.sender, s.ita.to_text().as_bytes());
    assert_eq!(error(&v), "ciphertext: not addressed to ITA");

    let mut changed: Value = serde_json::from_slice(&s.envelope).unwrap();
    changed["header"]["level"] = json!("official_use_only");
    let v = crate::open(&serde_json::to_vec(&changed).unwrap(), &s.sender, s.deu.to_text().as_bytes());
    assert!(error(&v).starts_with("signature: does not verify with FRA's key"), "{v}");

    // Signed by FRA, but the page was given ITA's key as the sender's.
    let ita = serde_json::to_vec(&s.ita.current().public()).unwrap();
    let v = crate::open(&s.envelope, &ita, s.deu.to_text().as_bytes());
    assert!(error(&v).starts_with("signature: signed with FRA's key"), "{v}");
}

#[test]
fn bad_inputs_are_named() {
    let s = sent();
    let key = s.deu.to_text();
    assert!(error(&crate::open(b"{}", &s.sender, key.as_bytes())).starts_with("the envelope: "));
    assert!(error(&crate::open(&s.envelope, b"[]", key.as_bytes())).starts_with("the sender's published key: "));
    assert!(error(&crate::open(&s.envelope, &s.sender, b"\xff")).starts_with("the key file is not UTF-8"));
    assert!(error(&crate::open(&s.envelope, &s.sender, b"{}")).starts_with("the key file: "));
    assert!(error(&crate::check_key(b"age1 not a key file")).starts_with("the key file: "));
}

#[test]
fn a_key_file_reads_as_its_agency_and_fingerprints() {
    let mut deu = keys("DEU");
    deu.rotate(now() + time::Duration::days(1)).unwrap();
    let v = crate::check_key(deu.to_text().as_bytes());
    assert_eq!(v["agency"], "DEU");
    let prints: Vec<_> = v["keys"].as_array().unwrap().iter().map(|k| k["fingerprint"].clone()).collect();
    let expected: Vec<_> = deu.keys().iter().map(|k| json!(k.public().fingerprint())).collect();
    assert_eq!(prints, expected);
    assert!(!v.to_string().contains(&deu.to_text()[20..60]), "no secret in the answer");
}

/// The exported functions, with the buffers filled as the page fills them.
#[test]
fn the_exported_functions_read_their_slots_and_forget_them() {
    let s = sent();
    let fill = |slot: u32, bytes: &[u8]| {
        let at = abi::tocsin_input(slot, u32::try_from(bytes.len()).unwrap());
        assert!(!at.is_null());
        abi::with_input(slot, |b| b.copy_from_slice(bytes));
    };
    assert!(abi::tocsin_input(3, 10).is_null(), "three slots");
    fill(abi::ENVELOPE, &s.envelope);
    fill(abi::SENDER, &s.sender);
    fill(abi::KEY_FILE, s.deu.to_text().as_bytes());

    let len = abi::tocsin_check_key();
    let v: Value = serde_json::from_slice(&abi::output()[..len as usize]).unwrap();
    assert_eq!(v["agency"], "DEU");

    let len = abi::tocsin_open();
    let v: Value = serde_json::from_slice(&abi::output()[..len as usize]).unwrap();
    assert_eq!(v["payload"]["subject"], "Courier on AF1234");

    abi::tocsin_forget();
    assert!(abi::output().is_empty());
    let len = abi::tocsin_open();
    let v: Value = serde_json::from_slice(&abi::output()[..len as usize]).unwrap();
    assert!(error(&v).starts_with("the key file"), "forgotten: {v}");
}
