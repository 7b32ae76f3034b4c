//! Biometric 1:N as agencies use it: templates enrolled under the owner's
//! access rules, face and fingerprint searches that list only what the
//! searcher may see, silent candidates for the owners of hidden templates,
//! examiners' confirmations that make hits, audit without templates, and
//! the exchange formats in and out.

use std::path::PathBuf;

use serde_json::{Value, json};

use crate::helpers::{Place, TestServer, json as answer, person};

/// The test model: 8-dimensional, candidate at 0.80, inconclusive at 0.60.
const MODEL: &str = "test-face@1:8:0.80:0.60";

fn server() -> TestServer {
    TestServer::start_at(Place { serve: vec!["--face-model".into(), MODEL.into()], ..Place::default() })
}

fn face(v: &[f32]) -> Value {
    json!({"model": "test-face", "version": "1", "vector": v})
}

/// A finger of `n` minutiae spread over 15 × 20 mm, from a seed.
fn minutiae(seed: u64, n: usize) -> Vec<Value> {
    let mut s = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
    let mut next = move |m: u64| {
        s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (s >> 33) % m
    };
    (0..n)
        .map(|_| {
            let (x, y) = (200 + next(1500), 200 + next(2000));
            json!({"x": x, "y": y, "angle": next(360), "kind": "ending", "quality": 60})
        })
        .collect()
}

/// Enrols `body` (JSON, its `subject` set) as `admin`; the new record.
fn enrol(s: &TestServer, admin: &str, subject: &str, mut body: Value) -> Value {
    body["subject"] = json!(subject);
    let (status, record) = answer(s.post(admin, "/v1/biometrics").json(&body).send().expect("enrol"));
    assert_eq!(status, 201, "{record}");
    record
}

fn search(s: &TestServer, token: &str, body: Value) -> (u16, Value) {
    answer(s.post(token, "/v1/biometrics/search").json(&body).send().expect("search"))
}

#[test]
fn a_face_search_lists_what_the_searcher_may_see_and_an_examiner_makes_the_hit() {
    let s = server();
    let deu = s.token("DEU", "admin");
    let fra = s.token("FRA", "officer");
    let fra_examiner = s.token("FRA", "examiner");
    let deu_examiner = s.token("DEU", "examiner");
    let shared = s.create(&deu, &person("Anna Shared", json!({"mode": "all"})));
    let hidden = s.create(&deu, &person("Bruno Hidden", json!({"mode": "only", "countries": ["DEU"]})));
    let a = [1.0, 0.2, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0];
    let b = [0.0, 0.0, 0.0, 0.0, 1.0, 0.1, 0.0, 0.0];
    let shared_bio = enrol(&s, &deu, shared["id"].as_str().expect("id"), json!({"face": face(&a)}));
    let hidden_bio = enrol(&s, &deu, hidden["id"].as_str().expect("id"), json!({"face": face(&b)}));
    assert_eq!(shared_bio["kind"], "biometric");
    assert_eq!(shared_bio["access"], json!({"mode": "all"}), "the subject's rule by default");
    assert_eq!(hidden_bio["access"]["mode"], "only");
    let norm: f64 =
        shared_bio["face"]["vector"].as_array().expect("v").iter().map(|x| x.as_f64().unwrap_or(0.0).powi(2)).sum();
    assert!((norm - 1.0).abs() < 1e-5, "stored normalized: {norm}");

    // Near the shared template: a candidate, ranked, with its exact score.
    let probe = [0.9, 0.3141, 0.05, 0.0, 0.0, 0.0, 0.0, 0.0];
    let (status, found) = search(&s, &fra, json!({"face": face(&probe), "purpose": "border check 7731"}));
    assert_eq!(status, 200, "{found}");
    assert_eq!(found["decision"], "candidate");
    let list = found["candidates"].as_array().expect("list");
    assert_eq!(list.len(), 1, "{found}");
    assert_eq!(list[0]["record"], shared_bio["id"]);
    assert_eq!(list[0]["subject"], shared["id"]);
    assert!(list[0]["score"].as_f64().expect("score") > 0.95);
    assert_eq!(found["thresholds"], json!({"candidate": 0.8, "inconclusive": 0.6}));

    // Near the hidden one: nothing for the searcher, not even a decision
    // that differs from a probe near nothing; its owner learns of it.
    let near_hidden =
        json!({"face": face(&[0.0, 0.0, 0.0, 0.0, 0.95, 0.2718, 0.05, 0.0]), "purpose": "border check 7732"});
    let (_, blind) = search(&s, &fra, near_hidden);
    let (_, nothing) = search(
        &s,
        &fra,
        json!({"face": face(&[0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.3]), "purpose": "border check 7733"}),
    );
    assert_eq!((blind["decision"].clone(), blind["candidates"].clone()), (json!("no_candidate"), json!([])));
    assert_eq!((nothing["decision"].clone(), nothing["candidates"].clone()), (json!("no_candidate"), json!([])));
    let hidden_id = hidden_bio["id"].as_str().expect("id");
    let fra_queue = s.get(&fra_examiner, "/v1/biometrics/candidates").send().expect("queue").text().expect("body");
    assert!(!fra_queue.contains(hidden_id), "the searcher's queue has no trace of the hidden record");
    let (_, deu_queue) = answer(s.get(&deu_examiner, "/v1/biometrics/candidates?pending=true").send().expect("queue"));
    let silent =
        deu_queue.as_array().expect("queue").iter().find(|c| c["record"] == hidden_id).expect("silent").clone();
    assert_eq!((silent["shown"].clone(), silent["searcher"].clone()), (json!(false), json!("FRA")));
    assert_eq!(silent["purpose"], "border check 7732");
    let blind_search = blind["search"].as_str().expect("search id");
    assert_eq!(
        s.get(&fra_examiner, &format!("/v1/biometrics/searches/{blind_search}")).send().expect("read").status(),
        404,
        "a search whose only candidate is hidden reads as no search to the searcher"
    );

    // Only examiners decide; a decision makes a hit through the workflow.
    let path =
        |search: &str, record: &str, d: &str| format!("/v1/biometrics/searches/{search}/candidates/{record}/{d}");
    let first = found["search"].as_str().expect("id");
    let shared_id = shared_bio["id"].as_str().expect("id");
    assert_eq!(s.post(&fra, &path(first, shared_id, "confirm")).send().expect("officer").status(), 403);
    let (status, confirmed) =
        answer(s.post(&fra_examiner, &path(first, shared_id, "confirm")).send().expect("confirm"));
    assert_eq!((status, confirmed["status"].as_str()), (200, Some("confirmed")), "{confirmed}");
    let hit = confirmed["hit"].as_str().expect("a hit").to_owned();
    let (_, hits) = answer(s.get(&fra, "/v1/hits").send().expect("hits"));
    let mine =
        hits["items"].as_array().expect("hits").iter().find(|h| h["id"] == hit.as_str()).expect("the hit").clone();
    assert_eq!((mine["record_id"].clone(), mine["silent"].clone()), (shared_bio["id"].clone(), json!(false)));
    assert_eq!(mine["purpose"], "border check 7731");
    assert_eq!(s.post(&fra_examiner, &path(first, shared_id, "reject")).send().expect("again").status(), 409);

    // The owner's examiner confirms the silent candidate: a silent hit the
    // searcher never sees.
    let (status, silent_hit) =
        answer(s.post(&deu_examiner, &path(blind_search, hidden_id, "confirm")).send().expect("c"));
    assert_eq!(status, 200, "{silent_hit}");
    let silent_id = silent_hit["hit"].as_str().expect("hit").to_owned();
    let (_, deu_hits) = answer(s.get(&deu, "/v1/hits").send().expect("hits"));
    let theirs = deu_hits["items"]
        .as_array()
        .expect("hits")
        .iter()
        .find(|h| h["id"] == silent_id.as_str())
        .expect("hit")
        .clone();
    assert_eq!((theirs["silent"].clone(), theirs["searcher"].clone()), (json!(true), json!("FRA")));
    let fra_hits = s.get(&fra, "/v1/hits").send().expect("hits").text().expect("body");
    assert!(!fra_hits.contains(&silent_id) && !fra_hits.contains(hidden_id));
    assert_eq!(s.post(&fra_examiner, &path(blind_search, hidden_id, "confirm")).send().expect("c").status(), 404);

    // Archived by its owner, the record leaves the searcher's view of its
    // past searches; a biometric record is archived, never edited.
    let mut edit = person("Anna Shared", json!({"mode": "all"}));
    edit["version"] = json!(1);
    let (status, e) = answer(s.put(&deu, &format!("/v1/records/{shared_id}")).json(&edit).send().expect("put"));
    assert_eq!((status, e["error"]["field"].as_str()), (400, Some("kind")), "{e}");
    let (status, _) = answer(s.delete(&deu, &format!("/v1/records/{shared_id}?version=1")).send().expect("archive"));
    assert_eq!(status, 200);
    let fra_queue = s.get(&fra_examiner, "/v1/biometrics/candidates").send().expect("queue").text().expect("body");
    assert!(!fra_queue.contains(shared_id), "{fra_queue}");
    let first_view = s.get(&fra_examiner, &format!("/v1/biometrics/searches/{first}")).send().expect("view");
    assert_eq!(first_view.status(), 404);

    // The audit log: the data type and purpose, never the template.
    let (_, entries) = answer(s.get(&s.token("FRA", "auditor"), "/v1/audit?limit=1000").send().expect("audit"));
    let log = entries.to_string();
    let searches: Vec<&Value> =
        entries.as_array().expect("entries").iter().filter(|e| e["action"] == "biometric.search").collect();
    assert_eq!(searches.len(), 3, "{log}");
    assert!(
        searches.iter().all(|e| e["objects"][0] == "biometric:face"
            && e["purpose"].as_str().is_some_and(|p| p.starts_with("border check 773"))),
        "{log}"
    );
    assert!(!log.contains("0.3141") && !log.contains("0.2718") && !log.contains("vector"), "no template in the log");
    // Only the refused confirmation names it: the id the searcher sent.
    let naming: Vec<&Value> =
        entries.as_array().expect("entries").iter().filter(|e| e.to_string().contains(hidden_id)).collect();
    assert!(
        naming.len() == 1 && naming[0]["action"] == "biometric.confirm" && naming[0]["outcome"] == "not_found",
        "nothing else in the searcher's log names the hidden record: {naming:?}"
    );
}

#[test]
fn bad_templates_are_refused_naming_the_field_and_only_the_subjects_owner_enrols() {
    let s = server();
    let deu = s.token("DEU", "admin");
    let fra_admin = s.token("FRA", "admin");
    let fra = s.token("FRA", "officer");
    let p = s.create(&deu, &person("Carla Field", json!({"mode": "all"})));
    let id = p["id"].as_str().expect("id");
    let refused = |token: &str, body: Value| {
        let (status, e) = answer(s.post(token, "/v1/biometrics").json(&body).send().expect("enrol"));
        (status, e["error"]["field"].as_str().map(str::to_owned))
    };
    assert_eq!(refused(&deu, json!({"subject": id, "face": face(&[1.0, 0.0])})), (400, Some("face.vector".into())));
    let ones = vec![1.0; 8];
    let other = json!({"model": "other", "version": "1", "vector": ones});
    assert_eq!(refused(&deu, json!({"subject": id, "face": other})), (400, Some("face.model".into())));
    assert_eq!(refused(&deu, json!({"subject": id, "face": face(&[0.0; 8])})), (400, Some("face.vector".into())));
    assert_eq!(refused(&deu, json!({"subject": id})), (400, Some("face".into())));
    let bad_angle = json!([{"position": 2, "minutiae": [{"x": 1, "y": 1, "angle": 400, "kind": "ending"}]}]);
    assert_eq!(
        refused(&deu, json!({"subject": id, "fingers": bad_angle})),
        (400, Some("fingers[0].minutiae[0]".into()))
    );
    assert_eq!(refused(&deu, json!({"subject": id, "face": face(&[1.0; 8]), "extra": 1})).0, 400);
    assert_eq!(refused(&fra_admin, json!({"subject": id, "face": face(&[1.0; 8])})).0, 403, "not the owner");
    assert_eq!(refused(&fra, json!({"subject": id, "face": face(&[1.0; 8])})).0, 403, "an officer does not enrol");
    let (status, e) = search(&s, &fra, json!({"face": face(&[1.0; 8])}));
    assert_eq!((status, e["error"]["field"].as_str()), (400, Some("purpose")), "{e}");
    let (status, _) = answer(
        s.post(&deu, &format!("/v1/biometrics?subject={id}"))
            .header("content-type", "application/octet-stream")
            .body(b"not a biometric file".to_vec())
            .send()
            .expect("file"),
    );
    assert_eq!(status, 400);
    let (_, listed) = answer(s.get(&deu, "/v1/records?limit=100").send().expect("list"));
    assert!(listed["items"].as_array().expect("items").iter().all(|r| r["kind"] != "biometric"), "nothing stored");
}

#[test]
fn a_turned_partial_fingerprint_finds_its_finger_among_others_and_the_cli_prints_the_list() {
    let mut s = server();
    let deu = s.token("DEU", "admin");
    let fra = s.token("FRA", "officer");
    let mut wanted = String::new();
    for i in 0..12u64 {
        let p = s.create(&deu, &person(&format!("Person {i}"), json!({"mode": "all"})));
        let fingers = json!([{"position": 2, "minutiae": minutiae(i, 40)}]);
        let bio = enrol(&s, &deu, p["id"].as_str().expect("id"), json!({"fingers": fingers}));
        if i == 7 {
            wanted = bio["id"].as_str().expect("id").to_owned();
        }
    }
    // Finger 7 seen again: turned 20°, moved, a third of its minutiae lost.
    let (sin, cos) = 20f64.to_radians().sin_cos();
    let probe: Vec<Value> = minutiae(7, 40)
        .into_iter()
        .enumerate()
        .filter(|(i, _)| i % 3 != 0)
        .map(|(_, m)| {
            let (x, y) = (m["x"].as_f64().unwrap_or(0.0) - 950.0, -(m["y"].as_f64().unwrap_or(0.0) - 1200.0));
            let (nx, ny) = (cos * x - sin * y + 950.0 + 120.0, -(sin * x + cos * y) + 1200.0 + 80.0);
            let angle = (m["angle"].as_f64().unwrap_or(0.0) + 20.0).rem_euclid(360.0);
            json!({"x": nx.max(0.0) as u32, "y": ny.max(0.0) as u32, "angle": angle as u32, "kind": "ending"})
        })
        .collect();
    let body = json!({"fingers": [{"position": 2, "minutiae": probe}]});
    let file = tempfile::NamedTempFile::new().expect("file");
    std::fs::write(file.path(), body.to_string()).expect("write");
    let search = |s: &TestServer| {
        let probe = file.path().to_str().expect("path");
        s.cli(&["bio", "search", "--server", &s.base, "--token", &fra, "--purpose", "latent from case 12", probe])
    };
    let out = search(&s);
    assert!(out.contains("finger (minutiae)  decision: candidate"), "{out}");
    let first = out.lines().nth(2).expect("a first candidate");
    assert!(first.starts_with("1 ") && first.contains(&wanted), "{out}");
    // Restarted, the server builds its galleries from the store again.
    s.restart_with(&[], None);
    let again = search(&s);
    assert!(again.lines().nth(2).is_some_and(|l| l.starts_with("1 ") && l.contains(&wanted)), "{again}");
}

fn shared(rel: &str) -> PathBuf {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/biometrics").join(rel);
    assert!(p.exists(), "{} is absent: these tests need ../shared/data (see its README)", p.display());
    p
}

#[test]
#[ignore = "needs ../shared/data"]
fn nist_transactions_are_enrolled_with_their_images_searched_and_written_back() {
    let s = server();
    let deu = s.token("DEU", "admin");
    let fra = s.token("FRA", "examiner");
    let p = s.create(&deu, &person("Dora Tenprint", json!({"mode": "all"})));
    let subject = p["id"].as_str().expect("id");
    let file = std::fs::read(shared("nbis/valid1.14.an2")).expect("read");
    let (status, record) = answer(
        s.post(&deu, &format!("/v1/biometrics?subject={subject}"))
            .header("content-type", "application/octet-stream")
            .body(file)
            .send()
            .expect("enrol"),
    );
    assert_eq!(status, 201, "{record}");
    let attachment = &record["attachments"][0];
    assert_eq!((attachment["kind"].as_str(), attachment["format"].as_str()), (Some("finger"), Some("WSQ")));
    let id = record["id"].as_str().expect("id");
    let image = s.get(&fra, &format!("/v1/biometrics/{id}/attachments/0")).send().expect("image").bytes().expect("b");
    assert_eq!(image.len() as u64, attachment["bytes"].as_u64().expect("size"));
    assert!(image.starts_with(&[0xFF, 0xA0]), "the WSQ image as it came");

    // The minutiae record of the libbiomeval set, enrolled and found again
    // by a search with the same file.
    let q = s.create(&deu, &person("Emil Minutiae", json!({"mode": "all"})));
    let fmr = std::fs::read(shared("libbiomeval/fmr.iso2005")).expect("read");
    let (status, r) = answer(
        s.post(&deu, &format!("/v1/biometrics?subject={}", q["id"].as_str().expect("id")))
            .header("content-type", "application/octet-stream")
            .body(fmr.clone())
            .send()
            .expect("enrol"),
    );
    assert_eq!(status, 201, "{r}");
    let (status, found) = answer(
        s.post(&fra, "/v1/biometrics/search?purpose=test&limit=5")
            .header("content-type", "application/octet-stream")
            .body(fmr)
            .send()
            .expect("search"),
    );
    assert_eq!(status, 200, "{found}");
    assert_eq!(
        (found["decision"].as_str(), found["candidates"][0]["record"].clone()),
        (Some("candidate"), r["id"].clone())
    );

    // Written back: a transaction and a minutiae record the inspector reads.
    let dir = tempfile::tempdir().expect("dir");
    for (format, name) in [("an2k", "out.an2"), ("iso", "out.iso"), ("ansi", "out.ansi")] {
        let out = dir.path().join(name);
        let target = if format == "an2k" { id } else { r["id"].as_str().expect("id") };
        s.cli(&[
            "bio",
            "export",
            "--server",
            &s.base,
            "--token",
            &fra,
            target,
            "--format",
            format,
            "--out",
            out.to_str().expect("p"),
        ]);
        let printed = s.cli(&["bio", "inspect", out.to_str().expect("p")]);
        assert!(printed.lines().count() > 3, "{printed}");
    }
    let printed = s.cli(&["bio", "inspect", dir.path().join("out.an2").to_str().expect("p")]);
    assert!(printed.contains("Type-14") && printed.contains("Type-9"), "{printed}");
    let bad = s.cli_output(&["bio", "inspect", shared("README.md").to_str().expect("p")]);
    assert_eq!(bad.status.code(), Some(1));
}
