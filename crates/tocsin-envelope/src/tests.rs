//! Sealing, verifying and opening, end to end.
#![allow(clippy::unwrap_used)]

use std::sync::LazyLock;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use proptest::prelude::*;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use time::macros::datetime;
use tocsin_core::AgencyCode;

use crate::*;

const NOW: OffsetDateTime = datetime!(2026-03-01 10:00 UTC);

fn agency(code: &str) -> AgencyCode {
    AgencyCode::parse(code).unwrap()
}

fn keys(code: &str) -> KeyFile {
    KeyFile::generate(agency(code), NOW).unwrap()
}

fn payload() -> Payload {
    Payload {
        subject: "Suspected courier, flight AF1234".into(),
        body: "The person travelled on a passport reported stolen.\nPlease confirm.".into(),
        caveats: vec!["not for onward transmission".into()],
        attachments: vec![Attachment {
            name: "passport.jpg".into(),
            media_type: "image/jpeg".into(),
            data: (0..=255).collect(),
        }],
        diffusion: None,
    }
}

fn draft() -> Draft {
    Draft {
        level: Level::Restricted,
        diffusion: None,
        references: vec!["record:0190f3a1-aaaa".parse().unwrap()],
        reply_to: None,
    }
}

/// The sender, three recipients and an agency left out.
struct World {
    fra: KeyFile,
    to: [KeyFile; 3],
    nld: KeyFile,
}

impl World {
    fn new() -> World {
        World { fra: keys("FRA"), to: [keys("DEU"), keys("ITA"), keys("ESP")], nld: keys("NLD") }
    }

    fn publics(&self) -> Vec<PublicKey> {
        self.to.iter().map(|k| k.current().public()).collect()
    }

    fn seal(&self) -> Envelope {
        seal(&self.fra, draft(), &self.publics(), &payload(), NOW).unwrap()
    }
}

/// An envelope `from` signs as it is, with any header and plaintext: what
/// a sender that does not go through `seal` could send.
fn forge(from: &KeyFile, header: Header, to: &[PublicKey], plaintext: &[u8]) -> Envelope {
    let recipients: Vec<_> = to.iter().map(|k| k.recipient().unwrap()).collect();
    let ciphertext = crypt::encrypt(&recipients, plaintext).unwrap();
    let signature = from.current().sign(&envelope::signed_bytes(&header, &ciphertext).unwrap());
    Envelope { header, ciphertext: STANDARD.encode(&ciphertext), signature: STANDARD.encode(signature) }
}

fn is_signature<T: std::fmt::Debug>(r: Result<T, EnvelopeError>) -> bool {
    matches!(r, Err(EnvelopeError::Signature(_)))
}

fn field_of<T: std::fmt::Debug>(r: Result<T, EnvelopeError>) -> String {
    match r {
        Err(EnvelopeError::Field(e)) => e.field,
        other => panic!("not a field error: {other:?}"),
    }
}

#[test]
fn each_of_three_recipients_opens_and_a_fourth_agency_cannot() {
    let w = World::new();
    let env = w.seal();
    let from = w.fra.current().public();

    let h = &env.header;
    assert_eq!(h.format, FORMAT);
    assert_eq!(h.sender, agency("FRA"));
    assert_eq!(h.sender_key, from.fingerprint());
    assert_eq!(h.sent_at, NOW);
    assert_eq!(uuid::Uuid::parse_str(&h.id).unwrap().get_version_num(), 7);
    let named: Vec<_> = h.recipients.iter().map(|r| (r.agency, r.key.clone())).collect();
    let expected: Vec<_> = w.publics().iter().map(|k| (k.agency, k.fingerprint())).collect();
    assert_eq!(named, expected);
    assert_ne!(w.seal().header.id, h.id, "every seal draws its id");

    // What the server sees: the JSON, read back whole and verified.
    let json = serde_json::to_vec(&env).unwrap();
    let text = String::from_utf8(json.clone()).unwrap();
    assert!(!text.contains("passport") && !text.contains("courier"), "{text}");
    let parsed = Envelope::parse(&json).unwrap();
    assert_eq!(parsed, env);
    parsed.verify(&from).unwrap();

    for k in &w.to {
        assert_eq!(parsed.open(&from, k).unwrap(), payload());
    }
    match parsed.open(&from, &w.nld) {
        Err(EnvelopeError::Decrypt(m)) => assert_eq!(m, "not addressed to NLD"),
        other => panic!("{other:?}"),
    }
    // DEU's agency, but a key it was not sealed to.
    match parsed.open(&from, &keys("DEU")) {
        Err(EnvelopeError::Decrypt(m)) => assert!(m.contains("DEU's 1 key"), "{m}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn only_the_senders_key_verifies() {
    let w = World::new();
    let env = w.seal();
    let ita = w.to[1].current().public();
    match env.verify(&ita) {
        Err(EnvelopeError::Signature(m)) => {
            assert!(m.starts_with("signed with FRA's key ") && m.contains(", not ITA's key "), "{m}")
        }
        other => panic!("{other:?}"),
    }
    assert!(is_signature(env.open(&ita, &w.to[0])));
    // FRA's agency, another key.
    assert!(is_signature(env.open(&keys("FRA").current().public(), &w.to[0])));
    // The header names the right key, the signature is another's.
    let mut forged = w.seal();
    forged.signature = STANDARD.encode(keys("FRA").current().sign(&forged.signed_bytes().unwrap()));
    match forged.verify(&w.fra.current().public()) {
        Err(EnvelopeError::Signature(m)) => assert!(m.starts_with("does not verify with FRA's key"), "{m}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_flipped_ciphertext_byte_is_refused_by_the_signature() {
    let w = World::new();
    let env = w.seal();
    let from = w.fra.current().public();
    let bytes = STANDARD.decode(&env.ciphertext).unwrap();
    // The last byte (the payload's tag) keeps the age header well formed.
    for at in [bytes.len() - 1, bytes.len() / 2, 40] {
        let mut flipped = bytes.clone();
        flipped[at] ^= 0x01;
        let mut bad = env.clone();
        bad.ciphertext = STANDARD.encode(&flipped);
        match Envelope::parse(&serde_json::to_vec(&bad).unwrap()) {
            Ok(parsed) => {
                assert!(is_signature(parsed.verify(&from)), "byte {at}");
                assert!(is_signature(parsed.open(&from, &w.to[0])), "byte {at}");
            }
            Err(e) => assert!(matches!(e, EnvelopeError::Field(ref f) if f.field == "ciphertext"), "{e:?}"),
        }
        assert!(bad.open(&from, &w.to[0]).is_err());
    }
}

#[test]
fn any_change_to_the_header_breaks_the_signature() {
    let w = World::new();
    let env = w.seal();
    let from = w.fra.current().public();
    let nld = w.nld.current().public();
    type Change = Box<dyn Fn(&mut Header)>;
    let changes: Vec<(&str, Change)> = vec![
        ("level", Box::new(|h| h.level = Level::OfficialUseOnly)),
        ("diffusion", Box::new(|h| h.diffusion = Some(DiffusionKind::Information))),
        ("recipient dropped", Box::new(|h| drop(h.recipients.pop()))),
        ("recipients reordered", Box::new(|h| h.recipients.swap(0, 1))),
        (
            "recipient added",
            Box::new(move |h| h.recipients.push(Recipient { agency: nld.agency, key: nld.fingerprint() })),
        ),
        ("recipient key", Box::new(|h| h.recipients[0].key = "0".repeat(64))),
        ("reference added", Box::new(|h| h.references.push("hit:42".parse().unwrap()))),
        ("reference changed", Box::new(|h| h.references[0] = "notice:0190f3a1-aaaa".parse().unwrap())),
        ("references removed", Box::new(|h| h.references.clear())),
        ("reply_to", Box::new(|h| h.reply_to = Some(uuid::Uuid::now_v7().to_string()))),
        ("id", Box::new(|h| h.id = uuid::Uuid::now_v7().to_string())),
        ("sent_at", Box::new(|h| h.sent_at += time::Duration::SECOND)),
        ("sender", Box::new(|h| h.sender = agency("BEL"))),
        ("sender_key", Box::new(|h| h.sender_key = "a".repeat(64))),
    ];
    for (what, change) in changes {
        let mut bad = env.clone();
        change(&mut bad.header);
        assert_ne!(bad, env, "{what}");
        bad.check().unwrap_or_else(|e| panic!("{what}: {e}"));
        assert!(is_signature(bad.verify(&from)), "{what}");
        assert!(is_signature(bad.open(&from, &w.to[0])), "{what}");
    }
    // The same instant at another offset is another signed text.
    let mut same = env;
    same.header.sent_at = same.header.sent_at.to_offset(time::macros::offset!(+2));
    assert!(is_signature(same.verify(&from)), "the signed text changed");
}

#[test]
fn a_rotated_key_file_opens_old_and_new_messages() {
    let w = World::new();
    let from = w.fra.current().public();
    let mut deu = keys("DEU");
    let before = KeyFile::parse(&deu.to_text()).unwrap();
    let old = seal(&w.fra, draft(), &[deu.current().public()], &payload(), NOW).unwrap();

    deu.rotate(NOW + time::Duration::days(30)).unwrap();
    assert_eq!(deu.keys().len(), 2);
    assert_ne!(deu.current().public(), before.current().public());
    assert_eq!(deu.keys()[0].public(), before.current().public());
    let new = seal(&w.fra, draft(), &[deu.current().public()], &payload(), NOW).unwrap();

    assert_eq!(old.open(&from, &deu).unwrap(), payload());
    assert_eq!(new.open(&from, &deu).unwrap(), payload());
    let reread = KeyFile::parse(&deu.to_text()).unwrap();
    assert_eq!(old.open(&from, &reread).unwrap(), payload());
    assert_eq!(new.open(&from, &reread).unwrap(), payload());
    assert!(matches!(new.open(&from, &before), Err(EnvelopeError::Decrypt(_))));

    // The sender rotates: its new messages verify with its new key only.
    let mut fra = KeyFile::parse(&w.fra.to_text()).unwrap();
    fra.rotate(NOW).unwrap();
    let rotated = seal(&fra, draft(), &[deu.current().public()], &payload(), NOW).unwrap();
    assert_eq!(rotated.header.sender_key, fra.current().public().fingerprint());
    assert!(is_signature(rotated.verify(&from)));
    rotated.verify(&fra.current().public()).unwrap();
    old.verify(&fra.keys()[0].public()).unwrap();
}

#[test]
fn diffusion_content_must_be_there_and_of_the_headers_kind() {
    let w = World::new();
    let to = w.publics();
    let wanted = Draft { diffusion: Some(DiffusionKind::Wanted), ..draft() };
    let e = seal(&w.fra, wanted.clone(), &to, &payload(), NOW).unwrap_err();
    let EnvelopeError::Field(e) = e else { panic!("{e:?}") };
    assert_eq!(e.field, "diffusion");
    assert_eq!(e.message, "a wanted diffusion needs its content: offence, warrant, requested_action");

    let mut missing = payload();
    missing.diffusion =
        Some(DiffusionContent::Missing { circumstances: "Left school".into(), last_seen: "Lyon, 3 May".into() });
    assert_eq!(field_of(seal(&w.fra, wanted, &to, &missing, NOW)), "diffusion.kind");
    assert_eq!(field_of(seal(&w.fra, draft(), &to, &missing, NOW)), "diffusion");
    let missing_draft = Draft { diffusion: Some(DiffusionKind::Missing), ..draft() };
    let env = seal(&w.fra, missing_draft, &to, &missing, NOW).unwrap();
    assert_eq!(env.header.diffusion, Some(DiffusionKind::Missing));
    assert_eq!(env.open(&w.fra.current().public(), &w.to[2]).unwrap(), missing);

    // A sender that skips `seal`'s checks: the reader checks again.
    let mut header = env.header.clone();
    header.diffusion = Some(DiffusionKind::Wanted);
    let forged = forge(&w.fra, header, &to, &serde_json::to_vec(&missing).unwrap());
    forged.verify(&w.fra.current().public()).unwrap();
    assert_eq!(field_of(forged.open(&w.fra.current().public(), &w.to[0])), "payload.diffusion.kind");
    let forged = forge(&w.fra, env.header.clone(), &to, br#"{"subject": "s", "body": "", "extra": 1}"#);
    assert_eq!(field_of(forged.open(&w.fra.current().public(), &w.to[0])), "payload.extra");
    let forged = forge(&w.fra, env.header, &to, b"not json");
    assert_eq!(field_of(forged.open(&w.fra.current().public(), &w.to[0])), "payload");
}

#[test]
fn a_forged_recipient_list_does_not_open_for_an_agency_left_out() {
    let w = World::new();
    let env = w.seal();
    let mut header = env.header;
    let nld = w.nld.current().public();
    header.recipients.push(Recipient { agency: nld.agency, key: nld.fingerprint() });
    let forged = forge(&w.fra, header, &w.publics(), &serde_json::to_vec(&payload()).unwrap());
    forged.verify(&w.fra.current().public()).unwrap();
    assert!(matches!(forged.open(&w.fra.current().public(), &w.nld), Err(EnvelopeError::Decrypt(_))));
}

#[test]
fn an_attachment_over_the_limit_is_refused_naming_it() {
    let w = World::new();
    let mut p = payload();
    p.attachments.push(Attachment {
        name: "scan.tiff".into(),
        media_type: "image/tiff".into(),
        data: vec![7; MAX_ATTACHMENT_BYTES + 1],
    });
    assert_eq!(field_of(seal(&w.fra, draft(), &w.publics(), &p, NOW)), "attachments[1].data");
}

#[test]
fn seal_checks_recipients_references_and_keys() {
    let w = World::new();
    let p = payload();
    let to = w.publics();
    let seal_to = |to: &[PublicKey], d: Draft| seal(&w.fra, d, to, &p, NOW);
    assert_eq!(field_of(seal_to(&[], draft())), "header.recipients");
    assert_eq!(field_of(seal_to(&[to[0].clone(), w.fra.current().public()], draft())), "header.recipients[1].agency");
    assert_eq!(
        field_of(seal_to(&[to[0].clone(), to[1].clone(), to[0].clone()], draft())),
        "header.recipients[2].agency"
    );
    let other_deu = keys("DEU").current().public();
    assert_eq!(field_of(seal_to(&[to[0].clone(), other_deu], draft())), "header.recipients[1].agency");
    let mut junk = to[1].clone();
    junk.encryption = "age1notakey".into();
    assert_eq!(field_of(seal_to(&[to[0].clone(), junk], draft())), "to[1].encryption");
    let mut upper = to[1].clone();
    upper.verification = upper.verification.to_uppercase();
    assert_eq!(field_of(seal_to(&[upper], draft())), "to[0].verification");

    let refs = |n: usize| (0..n).map(|i| format!("hit:{i}").parse().unwrap()).collect::<Vec<Reference>>();
    seal_to(&to, Draft { references: refs(MAX_REFERENCES), ..draft() }).unwrap();
    assert_eq!(field_of(seal_to(&to, Draft { references: refs(MAX_REFERENCES + 1), ..draft() })), "header.references");
    let mut twice = refs(3);
    twice.push(twice[1].clone());
    assert_eq!(field_of(seal_to(&to, Draft { references: twice, ..draft() })), "header.references[3]");
    let bad_id = Reference { kind: ReferenceKind::Record, id: "a/b".into() };
    assert_eq!(field_of(seal_to(&to, Draft { references: vec![bad_id], ..draft() })), "header.references[0].id");
    let reply = Draft { reply_to: Some(uuid::Uuid::new_v4().to_string()), ..draft() };
    assert_eq!(field_of(seal_to(&to, reply)), "header.reply_to");
    let reply = Draft { reply_to: Some(w.seal().header.id), ..draft() };
    seal_to(&to, reply).unwrap();

    let many: Vec<KeyFile> =
        ["AFG", "ALB", "DZA", "AND", "AGO", "ARG", "ARM", "AUS", "AUT", "AZE"].into_iter().map(keys).collect();
    let many: Vec<PublicKey> = many.iter().map(|k| k.current().public()).collect();
    assert_eq!(many.len(), 10);
    let env = seal_to(&many, draft()).unwrap();
    assert_eq!(env.header.recipients.len(), 10);
}

#[test]
fn sent_at_is_kept_in_utc() {
    let w = World::new();
    let local = datetime!(2026-03-01 12:00 +02:00);
    let env = seal(&w.fra, draft(), &w.publics(), &payload(), local).unwrap();
    assert_eq!(env.header.sent_at, local);
    assert!(env.header.sent_at.offset().is_utc());
    assert_eq!(uuid::Uuid::parse_str(&env.header.id).unwrap().get_timestamp().unwrap().to_unix().0, 1_772_359_200);
}

#[test]
fn the_signed_bytes_are_the_format_the_header_and_the_ciphertexts_hash() {
    let w = World::new();
    let env = w.seal();
    let signed = env.signed_bytes().unwrap();
    let mut expected = b"tocsin-envelope/1\n".to_vec();
    expected.extend(serde_json::to_vec(&env.header).unwrap());
    expected.push(b'\n');
    expected.extend(Sha256::digest(STANDARD.decode(&env.ciphertext).unwrap()));
    assert_eq!(signed, expected);
    let json = serde_json::to_value(&env.header).unwrap();
    assert!(json.get("diffusion").is_none() && json.get("reply_to").is_none(), "{json}");
}

#[test]
fn parse_refuses_what_is_malformed_naming_the_field() {
    let w = World::new();
    let env = w.seal();
    let value = serde_json::to_value(&env).unwrap();
    let with = |pointer: &str, v: serde_json::Value| {
        let mut value = value.clone();
        *value.pointer_mut(pointer).unwrap() = v;
        Envelope::parse(value.to_string().as_bytes())
    };
    let sig = STANDARD.decode(&env.signature).unwrap();
    let age = STANDARD.decode(&env.ciphertext).unwrap();
    let cases = [
        (with("/signature", STANDARD.encode(&sig[..63]).into()), "signature"),
        (with("/signature", "not base64!".into()), "signature"),
        (with("/ciphertext", STANDARD.encode(b"hello").into()), "ciphertext"),
        (with("/ciphertext", STANDARD.encode(&age[..20]).into()), "ciphertext"),
        (with("/ciphertext", "".into()), "ciphertext"),
        (with("/ciphertext", format!("{}\n", env.ciphertext).into()), "ciphertext"),
        (with("/ciphertext", "A".repeat(MAX_CIPHERTEXT_BYTES / 3 * 4 + 8).into()), "ciphertext"),
        (with("/header/format", "tocsin-envelope/2".into()), "header.format"),
        (with("/header/id", env.header.id.to_uppercase().into()), "header.id"),
        (with("/header/id", uuid::Uuid::new_v4().to_string().into()), "header.id"),
        (with("/header/sender_key", "x".into()), "header.sender_key"),
        (with("/header/recipients", serde_json::json!([])), "header.recipients"),
        (with("/header/recipients/1/agency", "FRA".into()), "header.recipients[1].agency"),
        (with("/header/recipients/2/agency", "DEU".into()), "header.recipients[2].agency"),
        (with("/header/recipients/2/agency", "QQQ".into()), "header.recipients[2].agency"),
        (with("/header/recipients/0/key", "ABC".into()), "header.recipients[0].key"),
        (with("/header/level", "secret".into()), "header.level"),
        (with("/header/sent_at", "yesterday".into()), "header.sent_at"),
        (with("/header/references/0", serde_json::json!({"kind": "record", "id": ""})), "header.references[0].id"),
        (
            with("/header/recipients/0", serde_json::json!({"agency": "DEU", "key": "a", "x": 1})),
            "header.recipients[0].x",
        ),
        (Envelope::parse(b"{}"), "header"),
        (Envelope::parse(b"\xff"), ""),
    ];
    for (i, (result, field)) in cases.into_iter().enumerate() {
        assert_eq!(field_of(result), field, "case {i}");
    }
    let mut value = value.clone();
    value["header"]["extra"] = 1.into();
    assert_eq!(field_of(Envelope::parse(value.to_string().as_bytes())), "header.extra");
}

#[test]
fn the_largest_payload_to_the_most_recipients_fits() {
    let fra = keys("FRA");
    let codes = ('A'..='Z').flat_map(|a| ('A'..='Z').flat_map(move |b| ('A'..='Z').map(move |c| format!("{a}{b}{c}"))));
    let to: Vec<PublicKey> = codes
        .filter(|c| c != "FRA")
        .filter_map(|c| AgencyCode::parse(&c).ok())
        .take(MAX_RECIPIENTS)
        .map(|a| KeyFile::generate(a, NOW).unwrap().current().public())
        .collect();
    assert_eq!(to.len(), MAX_RECIPIENTS);
    // Every text at its bound, in the characters JSON writes longest.
    let wide = |n: usize| "\u{1}".repeat(n);
    let p = Payload {
        subject: "\"".repeat(MAX_SUBJECT_CHARS),
        body: wide(MAX_BODY_BYTES),
        caveats: vec!["\"".repeat(MAX_CAVEAT_CHARS); MAX_CAVEATS],
        attachments: (0..MAX_ATTACHMENTS)
            .map(|i| Attachment {
                name: "\"".repeat(200),
                media_type: format!("application/{}", "x".repeat(88)),
                data: vec![0; if i < 2 { MAX_ATTACHMENT_BYTES } else { 0 }],
            })
            .collect(),
        diffusion: Some(DiffusionContent::Wanted {
            offence: wide(MAX_DIFFUSION_FIELD_CHARS),
            warrant: wide(MAX_DIFFUSION_FIELD_CHARS),
            requested_action: wide(MAX_DIFFUSION_FIELD_CHARS),
        }),
    };
    let draft = Draft { diffusion: Some(DiffusionKind::Wanted), ..draft() };
    let env = seal(&fra, draft, &to, &p, NOW).unwrap();
    let env = Envelope::parse(&serde_json::to_vec(&env).unwrap()).unwrap();
    assert!(STANDARD.decode(&env.ciphertext).unwrap().len() < MAX_CIPHERTEXT_BYTES * 4 / 5);
}

/// Keys drawn once for the property tests.
static KEYS: LazyLock<World> = LazyLock::new(World::new);

/// A valid envelope and its JSON, for the mutation tests.
static SEALED: LazyLock<(Envelope, Vec<u8>)> = LazyLock::new(|| {
    let env = KEYS.seal();
    let json = serde_json::to_vec(&env).unwrap();
    (env, json)
});

fn line_text(max: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("\\PC{{1,{max}}}"))
        .unwrap()
        .prop_filter("not blank", |s| !s.trim().is_empty())
}

fn any_diffusion() -> impl Strategy<Value = Option<DiffusionContent>> {
    let t = || line_text(60);
    prop_oneof![
        Just(None),
        (t(), t(), t()).prop_map(|(offence, warrant, requested_action)| Some(DiffusionContent::Wanted {
            offence,
            warrant,
            requested_action
        })),
        (t(), t()).prop_map(|(circumstances, last_seen)| Some(DiffusionContent::Missing { circumstances, last_seen })),
        t().prop_map(|purpose| Some(DiffusionContent::Information { purpose })),
        (t(), proptest::option::of(t()))
            .prop_map(|(threat, modus_operandi)| Some(DiffusionContent::Warning { threat, modus_operandi })),
    ]
}

fn any_attachment() -> impl Strategy<Value = Attachment> {
    (
        "[A-Za-z0-9._ -]{0,20}[A-Za-z0-9]",
        prop::sample::select(vec!["application/pdf", "image/jpeg", "text/plain", "application/vnd.ms-excel"]),
        prop::collection::vec(any::<u8>(), 0..3000),
    )
        .prop_map(|(name, media_type, data)| Attachment { name, media_type: media_type.into(), data })
}

fn any_payload() -> impl Strategy<Value = Payload> {
    (
        line_text(MAX_SUBJECT_CHARS),
        "(?s).{0,400}",
        prop::collection::vec(line_text(MAX_CAVEAT_CHARS), 0..4),
        prop::collection::vec(any_attachment(), 0..3),
        any_diffusion(),
    )
        .prop_map(|(subject, body, caveats, attachments, diffusion)| Payload {
            subject,
            body,
            caveats,
            attachments,
            diffusion,
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Whatever the payload within bounds, each recipient opens exactly it.
    #[test]
    fn seal_and_open_round_trip(
        p in any_payload(),
        level in prop::sample::select(Level::ALL.to_vec()),
        ids in prop::collection::btree_set("[a-z0-9-]{1,64}", 0..4),
        two in any::<bool>(),
    ) {
        let w = &*KEYS;
        let to: Vec<PublicKey> = w.to[..if two { 2 } else { 1 }].iter().map(|k| k.current().public()).collect();
        let draft = Draft {
            level,
            diffusion: p.diffusion.as_ref().map(DiffusionContent::kind),
            references: ids.into_iter().map(|id| Reference { kind: ReferenceKind::Notice, id }).collect(),
            reply_to: None,
        };
        let env = seal(&w.fra, draft, &to, &p, NOW).unwrap();
        let parsed = Envelope::parse(&serde_json::to_vec(&env).unwrap()).unwrap();
        prop_assert_eq!(&parsed, &env);
        let from = w.fra.current().public();
        for k in &w.to[..to.len()] {
            prop_assert_eq!(&parsed.open(&from, k).unwrap(), &p);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// No bytes make the reader panic.
    #[test]
    fn parse_never_panics_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        let _ = Envelope::parse(&bytes);
    }

    /// A valid envelope's JSON, mutated: whatever still parses and differs
    /// does not verify, and so never opens to another payload.
    #[test]
    fn a_mutated_envelope_never_verifies(
        edits in prop::collection::vec(
            (any::<prop::sample::Index>(), 0u8..4, prop::sample::select(b"AZaz09+/=\":,{}[] 1fx".to_vec())),
            1..4,
        ),
    ) {
        let (env, json) = &*SEALED;
        let mut bytes = json.clone();
        for (at, op, b) in edits {
            let i = at.index(bytes.len().max(1));
            match op {
                0 if i < bytes.len() => bytes[i] = b,
                1 if i < bytes.len() => { bytes.remove(i); }
                2 => bytes.insert(i.min(bytes.len()), b),
                _ if i < bytes.len() => bytes[i] ^= 1 << (b % 8),
                _ => {}
            }
        }
        let from = KEYS.fra.current().public();
        if let Ok(mutated) = Envelope::parse(&bytes) {
            if &mutated != env {
                prop_assert!(mutated.verify(&from).is_err(), "a changed envelope verifies: {}", String::from_utf8_lossy(&bytes));
            }
            if let Ok(opened) = mutated.open(&from, &KEYS.to[0]) {
                prop_assert_eq!(opened, payload());
            }
        }
    }
}

#[test]
fn the_schemas_describe_the_wire_form() {
    use utoipa::PartialSchema;
    let header = serde_json::to_value(Header::schema()).unwrap();
    assert_eq!(header.pointer("/properties/sent_at/format"), Some(&serde_json::json!("date-time")), "{header}");
    assert_eq!(
        header.pointer("/properties/sender/$ref"),
        Some(&serde_json::json!("#/components/schemas/AgencyCode")),
        "{header}"
    );
    let required = header.pointer("/required").unwrap().as_array().unwrap();
    assert!(!required.contains(&serde_json::json!("diffusion")) && required.contains(&serde_json::json!("id")));
    let envelope = serde_json::to_value(Envelope::schema()).unwrap();
    assert!(envelope.pointer("/properties/ciphertext").is_some(), "{envelope}");
    assert!(!envelope.to_string().contains("[`"), "{envelope}");
    assert!(!header.to_string().contains("[`"), "{header}");
    let key = serde_json::to_value(PublicKey::schema()).unwrap();
    assert!(key.pointer("/properties/verification/pattern").is_some(), "{key}");
    let recipient = serde_json::to_value(Recipient::schema()).unwrap();
    assert!(recipient.pointer("/properties/key").is_some(), "{recipient}");
}
