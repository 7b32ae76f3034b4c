//! Messages and diffusions between agencies as bureaus use them: keys made
//! and published with the CLI, messages sealed and opened by the CLI with
//! key files, the server relaying only what it cannot read; diffusions
//! reviewed after sending; keys rotated without losing old messages.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use serde_json::{Value, json};
use time::OffsetDateTime;
use tocsin_core::AgencyCode;
use tocsin_envelope::{DiffusionContent, Draft, Envelope, KeyFile, Payload, PublicKey};

use crate::helpers::{BIN, TestServer, json as answer, person};
use crate::sse::SseClient;

const SECRET_BODY: &str = "Subject K. boards the night ferry to Bari; informant ZEPHYR-7741 confirms.";
const SECRET_SUBJECT: &str = "Operation Quillfeather";
const SECRET_ATTACHMENT: &str = "ledger-line QX-55913-OMEGA";

/// A bureau: its key file and an admin token.
struct Bureau {
    code: &'static str,
    key: PathBuf,
    token: String,
}

/// `tocsin ARGS` against the server, with `token`.
fn run(s: &TestServer, token: &str, args: &[&str]) -> Output {
    std::process::Command::new(BIN)
        .args(args)
        .env("TOCSIN_SERVER", &s.base)
        .env("TOCSIN_TOKEN", token)
        .output()
        .expect("run tocsin")
}

fn ok(s: &TestServer, token: &str, args: &[&str]) -> String {
    let out = run(s, token, args);
    assert!(out.status.success(), "tocsin {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8")
}

fn fails(s: &TestServer, token: &str, args: &[&str]) -> String {
    let out = run(s, token, args);
    assert!(!out.status.success(), "tocsin {args:?} should fail: {}", String::from_utf8_lossy(&out.stdout));
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// Registers the agencies missing from the test server, makes each a key
/// file and publishes it.
fn bureaus(s: &TestServer, dir: &Path, codes: &[&'static str]) -> Vec<Bureau> {
    codes
        .iter()
        .map(|code| {
            if !crate::helpers::AGENCIES.contains(code) && *code != "GS" {
                s.cli(&["agency", "add", code, "--name", &format!("{code} bureau")]);
            }
            let role = if *code == "GS" { "reviewer" } else { "admin" };
            let key = dir.join(format!("{code}.key"));
            let out = ok(s, "", &["key", "generate", "--agency", code, "--out", path(&key)]);
            assert!(out.contains("fingerprint"), "{out}");
            let admin = s.token(code, "admin");
            ok(s, &admin, &["key", "publish", "--key", path(&key)]);
            Bureau { code, key, token: s.token(code, role) }
        })
        .collect()
}

fn send(s: &TestServer, from: &Bureau, args: &[&str]) -> Value {
    let mut all = vec!["message", "send", "--key", path(&from.key), "--json"];
    all.extend_from_slice(args);
    serde_json::from_str(&ok(s, &from.token, &all)).expect("JSON answer")
}

fn read(s: &TestServer, who: &Bureau, id: &str) -> Value {
    let out = ok(s, &who.token, &["message", "read", id, "--key", path(&who.key), "--json"]);
    serde_json::from_str(&out).expect("JSON")
}

fn next_of(sse: &SseClient, kind: &str) -> Value {
    loop {
        let e = sse.next_within(Duration::from_secs(30)).unwrap_or_else(|| panic!("no {kind} event"));
        if e.event == kind {
            return e.data["data"].clone();
        }
    }
}

/// Every byte under `dir`, file by file.
fn files_under(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = vec![];
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read_dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(bytes) = std::fs::read(&p) {
                out.push((p, bytes));
            }
        }
    }
    out
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[test]
fn a_message_to_three_agencies_opens_for_each_of_them_and_for_no_one_else() {
    let s = TestServer::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let b = bureaus(&s, dir.path(), &["FRA", "DEU", "ITA", "ESP", "USA"]);
    let (fra, deu, ita, esp, usa) = (&b[0], &b[1], &b[2], &b[3], &b[4]);
    let record = s.create(&fra.token, &person("Karel Vostrik", json!({"mode": "all"})));
    let record_id = record["id"].as_str().expect("id");
    let attachment = dir.path().join("ledger.txt");
    std::fs::write(&attachment, SECRET_ATTACHMENT).expect("attachment");
    let deu_events = SseClient::connect(&s.base, &deu.token, None);
    let fra_events = SseClient::connect(&s.base, &fra.token, None);

    let sent = send(
        &s,
        fra,
        &[
            "--to",
            "DEU,ITA,ESP",
            "--subject",
            SECRET_SUBJECT,
            "--body",
            SECRET_BODY,
            "--attach",
            path(&attachment),
            "--level",
            "restricted",
            "--caveat",
            "not for onward transmission",
            "--ref",
            &format!("record:{record_id}"),
        ],
    );
    let id = sent["id"].as_str().expect("id").to_owned();
    assert_eq!(sent["level"], "restricted");
    assert_eq!(sent["thread"], id.as_str(), "a first message starts its thread");

    // The recipient is told at once, with routing data and nothing else.
    let told = next_of(&deu_events, "message.received");
    assert_eq!(
        (told["id"].as_str(), told["sender"].as_str(), told["level"].as_str()),
        (Some(id.as_str()), Some("FRA"), Some("restricted"))
    );
    assert_eq!(told["references"][0]["id"], record_id);
    assert!(!told.to_string().contains("Quillfeather"), "{told}");

    // Each recipient opens it with its own key file.
    for r in [deu, ita, esp] {
        let opened = read(&s, r, &id);
        assert_eq!(opened["opened"]["subject"], SECRET_SUBJECT, "{}", r.code);
        assert_eq!(opened["opened"]["body"], SECRET_BODY, "{}", r.code);
        assert_eq!(opened["opened"]["caveats"][0], "not for onward transmission");
        assert_eq!(opened["opened"]["attachments"][0]["name"], "ledger.txt");
    }
    // The sender learns of each fetch and read.
    let receipt = next_of(&fra_events, "message.receipt");
    assert_eq!(receipt["id"], id.as_str());
    let (_, view) = answer(s.get(&fra.token, &format!("/v1/messages/{id}")).send().expect("GET"));
    for r in view["recipients"].as_array().expect("recipients") {
        assert!(r["read_at"].is_string(), "{r}");
        assert!(r["acknowledged_at"].is_null(), "{r}");
    }
    ok(&s, &deu.token, &["message", "ack", &id]);
    let ack = loop {
        let r = next_of(&fra_events, "message.receipt");
        if r["receipt"] == "acknowledged" {
            break r;
        }
    };
    assert_eq!(ack["agency"], "DEU");

    // A fourth agency gets the answer a message that does not exist gets,
    // and its key file opens nothing even with the envelope in hand.
    let missing = answer(s.get(&usa.token, "/v1/messages/0190f3a1-0000-7000-8000-000000000000").send().expect("GET"));
    let hidden = answer(s.get(&usa.token, &format!("/v1/messages/{id}")).send().expect("GET"));
    assert_eq!((hidden.0, missing.0), (404, 404));
    assert_eq!(hidden.1["error"]["code"], missing.1["error"]["code"]);
    let (_, usa_list) = answer(s.get(&usa.token, "/v1/messages").send().expect("GET"));
    assert_eq!(usa_list["items"], json!([]));
    let envelope = Envelope::parse(&serde_json::to_vec(&view["envelope"]).expect("bytes")).expect("envelope");
    let fra_key = KeyFile::parse(&std::fs::read_to_string(&fra.key).expect("key")).expect("key file");
    let usa_key = KeyFile::parse(&std::fs::read_to_string(&usa.key).expect("key")).expect("key file");
    let err = envelope.open(&fra_key.current().public(), &usa_key).expect_err("USA opens nothing");
    assert!(err.to_string().starts_with("ciphertext:"), "{err}");
    // Nor does the sender's own key file: it was sealed to the recipients.
    assert!(envelope.open(&fra_key.current().public(), &fra_key).is_err());

    // A reply follows the thread.
    let reply = send(&s, deu, &["--to", "FRA", "--subject", "Re", "--body", "received", "--reply-to", &id]);
    assert_eq!(reply["thread"], id.as_str());
    let (_, thread) = answer(s.get(&fra.token, &format!("/v1/messages?thread={id}")).send().expect("GET"));
    assert_eq!(thread["items"].as_array().map(Vec::len), Some(2));

    // The operator with the whole data directory and the server's log
    // finds no trace of what was said.
    for (file, bytes) in files_under(&s.data) {
        for secret in [SECRET_BODY, SECRET_SUBJECT, SECRET_ATTACHMENT, "ZEPHYR-7741"] {
            assert!(!contains(&bytes, secret), "{} holds `{secret}`", file.display());
        }
    }
    let log = s.log();
    assert!(!log.contains("ZEPHYR") && !log.contains("Quillfeather") && !log.contains("QX-55913"));
    // … while the routing data is there, and each send, fetch and read is
    // audited.
    let (_, audit) = answer(s.get(&s.token("FRA", "auditor"), "/v1/audit?limit=1000").send().expect("audit"));
    let actions: Vec<&str> = audit.as_array().into_iter().flatten().filter_map(|e| e["action"].as_str()).collect();
    assert!(actions.contains(&"message.send"), "{actions:?}");
}

#[test]
fn a_tampered_forged_or_misaddressed_envelope_is_refused_and_nothing_is_sent() {
    let s = TestServer::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let b = bureaus(&s, dir.path(), &["FRA", "DEU"]);
    let (fra, deu) = (&b[0], &b[1]);
    let fra_key = KeyFile::parse(&std::fs::read_to_string(&fra.key).expect("key")).expect("key file");
    let deu_key = KeyFile::parse(&std::fs::read_to_string(&deu.key).expect("key")).expect("key file");
    let payload =
        Payload { subject: "s".into(), body: "b".into(), caveats: vec![], attachments: vec![], diffusion: None };
    let seal = |from: &KeyFile, to: &[PublicKey], draft: Draft| {
        tocsin_envelope::seal(from, draft, to, &payload, OffsetDateTime::now_utc()).expect("seal")
    };
    let post = |e: &Value| answer(s.post(&fra.token, "/v1/messages").json(e).send().expect("POST"));
    let field_of = |r: &(u16, Value)| r.1["error"]["field"].as_str().unwrap_or_default().to_owned();
    let to_deu = [deu_key.current().public()];

    // A flipped byte of the ciphertext breaks the signature.
    let good = serde_json::to_value(seal(&fra_key, &to_deu, Draft::default())).expect("json");
    let mut tampered = good.clone();
    let ct = tampered["ciphertext"].as_str().expect("ciphertext").to_owned();
    // Past the age header (one stanza), inside the encrypted payload.
    let at = ct.len() - 20;
    let flip = if ct.as_bytes()[at] == b'A' { "B" } else { "A" };
    tampered["ciphertext"] = json!(format!("{}{flip}{}", &ct[..at], &ct[at + 1..]));
    let r = post(&tampered);
    assert_eq!((r.0, field_of(&r).as_str()), (400, "signature"), "{}", r.1);

    // Signed by a key that claims to be FRA's current one but is not.
    let mut impostor =
        KeyFile::generate(AgencyCode::parse("FRA").expect("FRA"), OffsetDateTime::now_utc()).expect("keys");
    let forged = serde_json::to_value(seal(&impostor, &to_deu, Draft::default())).expect("json");
    let r = post(&forged);
    assert_eq!((r.0, field_of(&r).as_str()), (400, "header.sender_key"), "{}", r.1);
    let mut relabelled = forged;
    relabelled["header"]["sender_key"] = good["header"]["sender_key"].clone();
    let r = post(&relabelled);
    assert_eq!((r.0, field_of(&r).as_str()), (400, "signature"), "{}", r.1);
    impostor.rotate(OffsetDateTime::now_utc()).expect("rotate");

    // Not ciphertext at all.
    let mut junk = good.clone();
    junk["ciphertext"] = json!("bm90IGFuIGFnZSBmaWxl");
    let r = post(&junk);
    assert_eq!((r.0, field_of(&r).as_str()), (400, "ciphertext"), "{}", r.1);

    // To an agency that is not a member, or a member with no key.
    let unknown_key = KeyFile::generate(AgencyCode::parse("BRA").expect("BRA"), OffsetDateTime::now_utc()).expect("k");
    let r =
        post(&serde_json::to_value(seal(&fra_key, &[unknown_key.current().public()], Draft::default())).expect("j"));
    assert_eq!((r.0, field_of(&r).as_str()), (400, "header.recipients[0].agency"), "{}", r.1);
    let stderr = fails(&s, &fra.token, &["message", "send", "--key", path(&fra.key), "--to", "ITA", "--subject", "x"]);
    assert!(stderr.contains("ITA has published no key"), "{stderr}");

    // A reference to a record DEU may not see reads like one to no record.
    let hidden = s.create(&fra.token, &person("Hidden Person", json!({"mode": "only", "countries": ["ITA"]})));
    let refs = |id: &str| Draft { references: vec![format!("record:{id}").parse().expect("ref")], ..Draft::default() };
    let r1 = post(&serde_json::to_value(seal(&fra_key, &to_deu, refs(hidden["id"].as_str().expect("id")))).expect("j"));
    let r2 =
        post(&serde_json::to_value(seal(&fra_key, &to_deu, refs("0190f3a1-0000-7000-8000-000000000000"))).expect("j"));
    assert_eq!((r1.0, field_of(&r1).as_str()), (400, "header.references[0]"), "{}", r1.1);
    let text = |r: &(u16, Value)| {
        r.1["error"]["message"].as_str().unwrap_or_default().split(": ").skip(2).collect::<Vec<_>>().join(": ")
    };
    assert_eq!(text(&r1), text(&r2), "the same words whether the record exists or not");

    // An attachment over the limit is refused before anything is sealed.
    let big = dir.path().join("big.bin");
    std::fs::write(&big, vec![0u8; tocsin_envelope::MAX_ATTACHMENT_BYTES + 1]).expect("big");
    let stderr = fails(
        &s,
        &fra.token,
        &["message", "send", "--key", path(&fra.key), "--to", "DEU", "--subject", "x", "--attach", path(&big)],
    );
    assert!(stderr.contains("attachments[0]"), "{stderr}");

    // A key that is not a public key names its field.
    let r = answer(
        s.post(&fra.token, "/v1/keys")
            .json(&json!({"encryption": "age1nope", "verification": "00"}))
            .send()
            .expect("POST"),
    );
    assert_eq!((r.0, field_of(&r).as_str()), (400, "encryption"), "{}", r.1);

    // Nothing of all that was sent; the good envelope goes once, and its
    // replay is refused.
    let (_, out) = answer(s.get(&fra.token, "/v1/messages?box=out").send().expect("GET"));
    assert_eq!(out["items"], json!([]));
    assert_eq!(post(&good).0, 201);
    assert_eq!(post(&good).0, 409);
    // An auditor's token reads no message.
    let auditor = s.token("DEU", "auditor");
    assert_eq!(s.get(&auditor, "/v1/messages").send().expect("GET").status().as_u16(), 403);
}

#[test]
fn a_wanted_diffusion_shows_in_screening_and_its_non_compliance_reaches_every_recipient() {
    let s = TestServer::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let b = bureaus(&s, dir.path(), &["FRA", "DEU", "ITA", "GS"]);
    let (fra, deu, ita, gs) = (&b[0], &b[1], &b[2], &b[3]);
    let record = s.create(&fra.token, &person("Marek Dvorak", json!({"mode": "all"})));
    let rid = record["id"].as_str().expect("id");
    let deu_events = SseClient::connect(&s.base, &deu.token, None);
    let ita_events = SseClient::connect(&s.base, &ita.token, None);

    // The content the kind requires is asked for before anything is sealed.
    let base = ["diffusion", "send", "--key", path(&fra.key), "--to", "DEU,ITA", "--subject", "Wanted: M. Dvorak"];
    let mut missing = base.to_vec();
    missing.extend(["--kind", "wanted", "--offence", "armed robbery", "--ref", "record:x"]);
    assert!(fails(&s, &fra.token, &missing).contains("--warrant"));
    let rref = format!("record:{rid}");
    let mut args = base.to_vec();
    args.extend([
        "--kind",
        "wanted",
        "--offence",
        "armed robbery",
        "--warrant",
        "Tribunal judiciaire de Lyon, mandat d'arrêt 2026/4471",
        "--requested-action",
        "locate and arrest",
        "--ref",
        &rref,
        "--json",
    ]);
    let sent: Value = serde_json::from_str(&ok(&s, &fra.token, &args)).expect("JSON");
    let id = sent["id"].as_str().expect("id").to_owned();
    let to: Vec<&str> =
        sent["recipients"].as_array().expect("to").iter().filter_map(|r| r["agency"].as_str()).collect();
    assert_eq!(to, ["DEU", "GS", "ITA"], "the General Secretariat gets every diffusion");
    for events in [&deu_events, &ita_events] {
        let e = next_of(events, "message.received");
        assert_eq!((e["id"].as_str(), e["diffusion"].as_str()), (Some(id.as_str()), Some("wanted")));
    }

    // A recipient screening the person sees the diffusion beside the match.
    let screened = s.screen(&deu.token, &json!({"name": "Marek Dvorak"}));
    let m = &screened["matches"][0];
    assert_eq!(m["record"]["id"], rid);
    assert_eq!(m["diffusions"][0]["id"], id.as_str());
    assert_eq!(m["diffusions"][0]["non_compliant"], false);
    // An agency it was not sent to sees the record without it.
    let usa = {
        s.cli(&["agency", "add", "USA", "--name", "USA bureau"]);
        s.token("USA", "officer")
    };
    let theirs = s.screen(&usa, &json!({"name": "Marek Dvorak"}));
    assert!(theirs["matches"][0]["diffusions"].is_null(), "{}", theirs["matches"][0]);

    // The reviewer lists every diffusion, reads the content with the
    // General Secretariat's key, and finds it non-compliant.
    let listed: Value = serde_json::from_str(&ok(&s, &gs.token, &["diffusion", "list", "--json"])).expect("JSON");
    assert!(listed["items"].as_array().expect("items").iter().any(|d| d["id"] == id.as_str()));
    let opened = read(&s, gs, &id);
    assert_eq!(opened["opened"]["diffusion"]["warrant"], "Tribunal judiciaire de Lyon, mandat d'arrêt 2026/4471");
    let out = ok(
        &s,
        &gs.token,
        &[
            "diffusion",
            "review",
            &id,
            "--verdict",
            "non_compliant",
            "--reason",
            "Predominantly political offence (Article 3)",
        ],
    );
    assert!(out.contains("non_compliant"), "{out}");
    for events in [&deu_events, &ita_events] {
        let e = next_of(events, "diffusion.review");
        assert_eq!((e["id"].as_str(), e["verdict"].as_str()), (Some(id.as_str()), Some("non_compliant")));
    }
    let screened = s.screen(&deu.token, &json!({"name": "Marek Dvorak"}));
    assert_eq!(screened["matches"][0]["diffusions"][0]["non_compliant"], true);
    let (_, view) = answer(s.get(&ita.token, &format!("/v1/messages/{id}")).send().expect("GET"));
    assert_eq!(
        (view["non_compliant"].as_bool(), view["review"]["verdict"].as_str()),
        (Some(true), Some("non_compliant"))
    );

    // Only reviewers review; an envelope claiming to be a wanted diffusion
    // without the person it is about is refused.
    let r = answer(
        s.post(&fra.token, &format!("/v1/diffusions/{id}/review"))
            .json(&json!({"verdict": "compliant", "reason": "mine"}))
            .send()
            .expect("POST"),
    );
    assert_eq!(r.0, 403);
    let fra_key = KeyFile::parse(&std::fs::read_to_string(&fra.key).expect("key")).expect("key file");
    let keys: Vec<PublicKey> = [deu, gs]
        .iter()
        .map(|b| KeyFile::parse(&std::fs::read_to_string(&b.key).expect("key")).expect("kf").current().public())
        .collect();
    let payload = Payload {
        subject: "s".into(),
        body: String::new(),
        caveats: vec![],
        attachments: vec![],
        diffusion: Some(DiffusionContent::Wanted {
            offence: "o".into(),
            warrant: "w".into(),
            requested_action: "a".into(),
        }),
    };
    let draft = Draft { diffusion: Some(tocsin_envelope::DiffusionKind::Wanted), ..Draft::default() };
    let e = tocsin_envelope::seal(&fra_key, draft, &keys, &payload, OffsetDateTime::now_utc()).expect("seal");
    let r = answer(s.post(&fra.token, "/v1/messages").json(&e).send().expect("POST"));
    assert_eq!((r.0, r.1["error"]["field"].as_str()), (400, Some("header.references")), "{}", r.1);
}

#[test]
fn a_rotated_key_still_opens_old_messages_and_new_ones_go_to_the_new_key() {
    let s = TestServer::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let b = bureaus(&s, dir.path(), &["FRA", "DEU"]);
    let (fra, deu) = (&b[0], &b[1]);
    let old = send(&s, fra, &["--to", "DEU", "--subject", "before", "--body", "sealed to the first key"]);
    let old_id = old["id"].as_str().expect("id").to_owned();
    let deu_admin = s.token("DEU", "admin");
    let out = ok(&s, &deu_admin, &["key", "rotate", "--key", path(&deu.key)]);
    assert!(out.contains("2 keys"), "{out}");
    let listed = ok(&s, &deu.token, &["key", "list", "--agency", "DEU"]);
    assert_eq!(listed.lines().filter(|l| l.ends_with("retired")).count(), 1, "{listed}");
    assert_eq!(listed.lines().filter(|l| l.ends_with("current")).count(), 1, "{listed}");

    assert_eq!(read(&s, deu, &old_id)["opened"]["body"], "sealed to the first key");
    // FRA trusted DEU's first key: the new one is refused until FRA has
    // compared its fingerprint out of band (a server handing out another
    // key gets nothing sealed to it).
    let args = ["message", "send", "--key", path(&fra.key), "--to", "DEU", "--subject", "after", "--body", "x"];
    let refused = fails(&s, &fra.token, &args);
    assert!(refused.contains("which you have not trusted"), "{refused}");
    let (_, keys) = answer(s.get(&fra.token, "/v1/keys?agency=DEU").send().expect("GET"));
    let current = keys["items"].as_array().expect("items").iter().find(|k| k["current"] == true).expect("current");
    ok(&s, "", &["key", "trust", "--key", path(&fra.key), "DEU", current["fingerprint_grouped"].as_str().expect("fp")]);
    let new = send(&s, fra, &["--to", "DEU", "--subject", "after", "--body", "sealed to the second key"]);
    assert_eq!(read(&s, deu, new["id"].as_str().expect("id"))["opened"]["body"], "sealed to the second key");

    // An envelope sealed to DEU's retired key is refused: seal again.
    let fra_key = KeyFile::parse(&std::fs::read_to_string(&fra.key).expect("key")).expect("key file");
    let deu_keys = KeyFile::parse(&std::fs::read_to_string(&deu.key).expect("key")).expect("key file");
    let retired = deu_keys.keys()[0].public();
    let payload =
        Payload { subject: "s".into(), body: "b".into(), caveats: vec![], attachments: vec![], diffusion: None };
    let e = tocsin_envelope::seal(&fra_key, Draft::default(), &[retired], &payload, OffsetDateTime::now_utc())
        .expect("seal");
    let r = answer(s.post(&fra.token, "/v1/messages").json(&e).send().expect("POST"));
    assert_eq!(r.0, 409, "{}", r.1);
    assert!(r.1["error"]["message"].as_str().unwrap_or_default().contains("header.recipients[0].key"), "{}", r.1);
}

/// Ids of the messages `token` lists.
fn listed(s: &TestServer, token: &str) -> Vec<String> {
    let (status, page) = answer(s.get(token, "/v1/messages?box=all").send().expect("GET /v1/messages"));
    assert_eq!(status, 200, "{page}");
    let items = page.as_array().or_else(|| page["items"].as_array()).cloned().unwrap_or_default();
    items.iter().filter_map(|m| m["id"].as_str().map(str::to_owned)).collect()
}

/// The answer to `GET path` with `id` set aside, to compare a hidden
/// object's answer with a missing one's.
fn probe(s: &TestServer, token: &str, path: &str, id: &str) -> (u16, String) {
    let r = s.get(token, path).send().expect("GET");
    (r.status().as_u16(), r.text().expect("body").replace(id, "<id>"))
}

#[test]
fn what_is_above_a_clearance_is_hidden_as_if_it_did_not_exist_and_nobody_marks_above_their_own() {
    let s = TestServer::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let b = bureaus(&s, dir.path(), &["FRA", "DEU", "GS"]);
    let (fra, deu) = (&b[0], &b[1]);
    // DEU's staff cleared for restricted, its unit cleared for restricted
    // under a token cleared for more (the lower bounds it), and staff
    // cleared for everything.
    let deu_restricted = s.cleared_token("DEU", "officer", "restricted");
    let (status, unit) = answer(
        s.post(&deu.token, "/v1/units")
            .json(&json!({"code": "BKA-CYBER", "name": "Cyber unit",
                "rights": {"screen": ["person"], "read_messages": true, "clearance": "restricted"}}))
            .send()
            .expect("POST /v1/units"),
    );
    assert_eq!(status, 201, "{unit}");
    assert_eq!(unit["rights"]["clearance"], "restricted");
    let deu_unit = s.cli(&[
        "token",
        "create",
        "--agency",
        "DEU",
        "--role",
        "officer",
        "--unit",
        "BKA-CYBER",
        "--clearance",
        "confidential",
    ]);
    let deu_unit = deu_unit.trim();
    let live = SseClient::connect(&s.base, &deu_restricted, Some(0));

    let confidential = send(&s, fra, &["--to", "DEU", "--subject", "c", "--body", "c", "--level", "confidential"]);
    let confidential = confidential["id"].as_str().expect("id").to_owned();
    let restricted = send(&s, fra, &["--to", "DEU", "--subject", "r", "--body", "r", "--level", "restricted"]);
    let restricted = restricted["id"].as_str().expect("id").to_owned();

    // Cleared for everything: both, each with its level.
    assert_eq!(listed(&s, &deu.token), vec![restricted.clone(), confidential.clone()]);
    assert_eq!(read(&s, deu, &confidential)["message"]["level"], "confidential");
    // Below the confidential one's level, staff and unit alike: not listed,
    // and asked for, the same answer as for a message that never existed.
    let missing = "01900000-0000-7000-8000-000000000000";
    for token in [deu_restricted.as_str(), deu_unit] {
        assert_eq!(listed(&s, token), vec![restricted.clone()]);
        assert_eq!(
            probe(&s, token, &format!("/v1/messages/{confidential}"), &confidential),
            probe(&s, token, &format!("/v1/messages/{missing}"), missing),
        );
        let (status, _) = answer(s.get(token, &format!("/v1/messages/{restricted}")).send().expect("GET"));
        assert_eq!(status, 200);
    }
    // Its events: the restricted message's alone, numbered from 1 (nothing
    // is missing from its count where the confidential one went).
    let first = live.next_within(Duration::from_secs(30)).expect("an event");
    assert_eq!((first.id, first.event.as_str()), (1, "message.received"));
    assert_eq!(first.data["data"]["id"], restricted.as_str());
    assert_eq!(first.data["level"], "restricted");

    // A reviewer of the General Secretariat cleared for restricted neither
    // lists nor reviews a confidential diffusion: it answers as a missing
    // one.
    let diffusion = ok(
        &s,
        &fra.token,
        &[
            "diffusion",
            "send",
            "--kind",
            "information",
            "--purpose",
            "locate associates",
            "--key",
            path(&fra.key),
            "--to",
            "DEU",
            "--subject",
            "s",
            "--body",
            "b",
            "--level",
            "confidential",
            "--json",
        ],
    );
    let diffusion: Value = serde_json::from_str(&diffusion).expect("JSON");
    let diffusion = diffusion["id"].as_str().expect("id").to_owned();
    let reviewer = s.cleared_token("GS", "reviewer", "restricted");
    let (status, queue) = answer(s.get(&reviewer, "/v1/diffusions").send().expect("GET /v1/diffusions"));
    assert_eq!(status, 200, "{queue}");
    assert!(!queue.to_string().contains(&diffusion), "{queue}");
    let review = |id: &str| {
        let body = json!({"verdict": "non_compliant", "reason": "x"});
        let r = s.post(&reviewer, &format!("/v1/diffusions/{id}/review")).json(&body).send().expect("review");
        (r.status().as_u16(), r.text().expect("body").replace(id, "<id>"))
    };
    assert_eq!(review(&diffusion), review(missing));
    assert_eq!(review(&diffusion).0, 404);

    // Nobody marks above what they read: a message, a record, a token, a
    // unit.
    let fra_restricted = s.cleared_token("FRA", "admin", "restricted");
    let refused = fails(
        &s,
        &fra_restricted,
        &[
            "message",
            "send",
            "--key",
            path(&fra.key),
            "--to",
            "DEU",
            "--subject",
            "x",
            "--body",
            "x",
            "--level",
            "confidential",
        ],
    );
    assert!(refused.contains("header.level") && refused.contains("clearance"), "{refused}");
    let mut record = person("Ilse Varga", json!({"mode": "all"}));
    record["level"] = json!("confidential");
    let (status, body) = answer(s.post(&fra_restricted, "/v1/records").json(&record).send().expect("POST"));
    assert_eq!((status, body["error"]["field"].as_str()), (400, Some("level")), "{body}");
    let (status, body) = answer(
        s.post(&fra_restricted, "/v1/tokens")
            .json(&json!({"role": "officer", "user": "x", "clearance": "confidential"}))
            .send()
            .expect("POST /v1/tokens"),
    );
    assert_eq!(status, 403, "{body}");
    let (status, body) = answer(
        s.post(&fra_restricted, "/v1/units")
            .json(&json!({"code": "X", "name": "x", "rights": {"screen": ["person"], "clearance": "confidential"}}))
            .send()
            .expect("POST /v1/units"),
    );
    assert_eq!(status, 403, "{body}");
    // Within its clearance, it marks: the level is on the record.
    record["level"] = json!("restricted");
    assert_eq!(s.create(&fra_restricted, &record)["level"], "restricted");
    // The audit log names records of every level: read whole only by
    // those cleared for every level.
    let (status, body) = answer(s.get(&fra_restricted, "/v1/audit").send().expect("GET /v1/audit"));
    assert_eq!(status, 403, "{body}");
    let (status, _) = answer(s.get(&fra.token, "/v1/audit").send().expect("GET /v1/audit"));
    assert_eq!(status, 200);
}
