//! A store written by the previous release opens with this one: the schema
//! migrated forward, its audit log and checkpoints holding, its tokens and
//! records working (`data/store-0.1.0-45e16e1`, see its README).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use crate::helpers::{BIN, tocsin_ok};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/e2e/data/store-0.1.0-45e16e1");

#[test]
fn a_store_written_by_the_previous_release_opens_migrated_forward() {
    let work = tempfile::tempdir().expect("tempdir");
    let data = work.path().join("data");
    tocsin_store::private::create_dir(&data).expect("data dir");
    for file in ["tocsin.db", "audit-checkpoints.jsonl", "audit-signing.key", "audit-signing.pub"] {
        std::fs::copy(Path::new(FIXTURE).join(file), data.join(file)).expect("copy the fixture");
    }
    let token = |name: &str| std::fs::read_to_string(Path::new(FIXTURE).join(name)).expect("token").trim().to_owned();

    let verified = tocsin_ok(&data, &["audit", "verify"]);
    assert!(verified.starts_with("audit log OK") && verified.contains("1 signed checkpoint(s) hold"), "{verified}");
    // Tokens from before lifetimes existed: listed, active, no expiry.
    let tokens: Vec<serde_json::Value> = tocsin_ok(&data, &["token", "list", "--json"])
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert_eq!(tokens.len(), 3, "{tokens:?}");
    assert!(tokens.iter().all(|t| t["status"] == "active" && t["expires_at"].is_null()), "{tokens:?}");
    let found =
        tocsin_ok(&data, &["screen", "--as", "DEU", "--document", "X1234567", "--document-country", "FRA", "--json"]);
    assert!(found.contains("X1234567"), "{found}");

    // Served, the old tokens work and the old hit is there.
    let mut server = Command::new(BIN)
        .arg("--data")
        .arg(&data)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve");
    let stdout = server.stdout.take().expect("stdout");
    let base = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find_map(|l| l.strip_prefix("listening on ").map(str::to_owned))
        .expect("the server starts");
    let client = reqwest::blocking::Client::new();
    let hits: serde_json::Value = client
        .get(format!("{base}/v1/hits?role=owner"))
        .bearer_auth(token("fra-admin.token"))
        .send()
        .expect("hits")
        .json()
        .expect("json");
    let _ = server.kill();
    let _ = server.wait();
    let items = hits["items"].as_array().expect("items");
    assert!(items.iter().any(|h| h["location"] == "CDG T2" && h["searcher"] == "DEU"), "{hits}");
}
