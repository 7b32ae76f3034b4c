//! The real server on the PostgreSQL store (`--store postgres://…`), each
//! test in a fresh schema of `TOCSIN_TEST_POSTGRES` (default: the local
//! server's `test` database). Ignored by default, as every test that needs
//! a service; `.ci/run` starts PostgreSQL and runs them with
//! `--include-ignored`, where a server that does not answer fails them.

use std::sync::{Arc, Mutex};
use std::thread;

use serde_json::json;

use crate::helpers::{TestServer, json, person};

/// Drops the test's schema at the end (with `psql`, where it is installed).
pub(crate) struct Schema {
    base: String,
    pub(crate) name: String,
}

impl Drop for Schema {
    fn drop(&mut self) {
        let drop = format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name);
        let _ = std::process::Command::new("psql").args([self.base.as_str(), "-qc", &drop]).output();
    }
}

/// Why the tests that need PostgreSQL are ignored by default.
pub(crate) const NEEDS_POSTGRES: &str =
    "needs PostgreSQL at TOCSIN_TEST_POSTGRES (default 127.0.0.1:5432, database test)";

/// A URL for a fresh schema; fails the test where PostgreSQL is absent.
pub(crate) fn fresh_store() -> (String, Schema) {
    let base =
        std::env::var("TOCSIN_TEST_POSTGRES").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let reachable = std::net::TcpStream::connect("127.0.0.1:5432").is_ok() || !base.contains("127.0.0.1:5432");
    assert!(reachable, "no PostgreSQL at {base}: {NEEDS_POSTGRES}");
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let schema = format!("tocsin_e2e_{}_{nanos}", std::process::id());
    let sep = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{sep}schema={schema}");
    (url, Schema { base, name: schema })
}

#[test]
#[ignore = "needs PostgreSQL (see NEEDS_POSTGRES)"]
fn records_hits_and_the_audit_chain_work_on_postgresql_and_survive_a_sigkill() {
    let (store, _schema) = fresh_store();
    let mut s = TestServer::start_on(Some(&store));
    let fra = s.token("FRA", "admin");
    let deu = s.token("DEU", "officer");
    let ita = s.token("ITA", "officer");
    let record = s.create(&fra, &person("Ivan Petrovich SIDOROV", json!({"mode": "except", "countries": ["ITA"]})));
    let id = record["id"].as_str().expect("id").to_owned();

    // Access rules and hits as on the embedded store.
    let found = s.screen(&deu, &json!({"name": "Иван Сидоров", "birth_date": "1970", "location": "CDG"}));
    assert_eq!(found["matches"][0]["record"]["id"].as_str(), Some(id.as_str()), "{found}");
    assert!(found["matches"][0]["hit_id"].is_string(), "{found}");
    let hidden = s.screen(&ita, &json!({"name": "Ivan Sidorov"}));
    assert_eq!(hidden["matches"], json!([]), "ITA may not see it");
    let (_, hits) = json(s.get(&fra, "/v1/hits?role=owner").send().expect("GET"));
    let silent = hits["items"].as_array().expect("items").iter().filter(|h| h["silent"] == true).count();
    assert_eq!((hits["items"].as_array().map(Vec::len), silent), (Some(2), 1), "{hits}");

    // Every hit id answered before a SIGKILL is there after the restart.
    let answered = Arc::new(Mutex::new(Vec::<String>::new()));
    let clients: Vec<_> = (0..4)
        .map(|_| {
            let (base, token, answered) = (s.base.clone(), deu.clone(), answered.clone());
            thread::spawn(move || {
                let client = reqwest::blocking::Client::new();
                while let Ok(r) = client
                    .post(format!("{base}/v1/screen"))
                    .bearer_auth(&token)
                    .json(&json!({"name": "Ivan Sidorov"}))
                    .send()
                {
                    let Ok(body) = r.json::<serde_json::Value>() else { break };
                    if let Some(h) = body["matches"][0]["hit_id"].as_str() {
                        answered.lock().expect("lock").push(h.to_owned());
                    }
                }
            })
        })
        .collect();
    crate::helpers::eventually("10 hits answered under load", || answered.lock().expect("lock").len() > 10);
    s.kill_and_restart();
    clients.into_iter().for_each(|c| c.join().expect("client"));
    let answered = answered.lock().expect("lock").clone();
    for h in &answered {
        let r = s.get(&deu, &format!("/v1/hits/{h}")).send().expect("GET");
        assert_eq!(r.status(), 200, "hit {h} answered before the kill is lost");
    }
    assert!(s.cli(&["audit", "verify"]).contains("OK"));
}

/// A TCP relay to PostgreSQL that the test can cut (every connection closed,
/// new ones refused) and restore: the database lost while the server runs,
/// without stopping the shared server other tests use.
struct Relay {
    port: u16,
    open: Arc<std::sync::atomic::AtomicBool>,
    live: Arc<Mutex<Vec<std::net::TcpStream>>>,
}

impl Relay {
    fn start(target: &str) -> Relay {
        use std::sync::atomic::Ordering;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let open = Arc::new(std::sync::atomic::AtomicBool::new(true));
        let live = Arc::new(Mutex::new(Vec::new()));
        let (target, flag, conns) = (target.to_owned(), open.clone(), live.clone());
        thread::spawn(move || {
            for client in listener.incoming().flatten() {
                if !flag.load(Ordering::SeqCst) {
                    continue; // dropped: closed at once
                }
                let Ok(server) = std::net::TcpStream::connect(&target) else { continue };
                let (Ok(c2), Ok(s2)) = (client.try_clone(), server.try_clone()) else { continue };
                if let Ok(mut l) = conns.lock() {
                    l.extend([client.try_clone(), server.try_clone()].into_iter().flatten());
                }
                let (mut c, mut s, mut c2, mut s2) = (client, server, c2, s2);
                thread::spawn(move || {
                    let _ = std::io::copy(&mut c, &mut s);
                    let _ = s.shutdown(std::net::Shutdown::Both);
                });
                thread::spawn(move || {
                    let _ = std::io::copy(&mut s2, &mut c2);
                    let _ = c2.shutdown(std::net::Shutdown::Both);
                });
            }
        });
        Relay { port, open, live }
    }

    /// Closes every connection through the relay and refuses new ones.
    fn cut(&self) {
        self.open.store(false, std::sync::atomic::Ordering::SeqCst);
        for c in self.live.lock().expect("lock").drain(..) {
            let _ = c.shutdown(std::net::Shutdown::Both);
        }
    }

    /// Lets connections through again.
    fn restore(&self) {
        self.open.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

#[test]
#[ignore = "needs PostgreSQL (see NEEDS_POSTGRES)"]
fn postgresql_lost_while_serving_answers_503_and_recovers_without_a_restart() {
    let (store, _schema) = fresh_store();
    assert!(store.contains("127.0.0.1:5432"), "the relay stands in front of 127.0.0.1:5432 only: {store}");
    let relay = Relay::start("127.0.0.1:5432");
    let relayed = store.replace("127.0.0.1:5432", &format!("127.0.0.1:{}", relay.port));
    let s = TestServer::start_on(Some(&relayed));
    let fra = s.token("FRA", "admin");
    let deu = s.token("DEU", "officer");
    let id = s.create(&fra, &person("Ivan Petrovich SIDOROV", json!({"mode": "all"})))["id"].clone();

    relay.cut();
    for path in ["/v1/records?limit=5", &format!("/v1/records/{}", id.as_str().expect("id"))] {
        let (status, body) = json(s.get(&fra, path).send().expect("GET"));
        assert_eq!((status, body["error"]["code"].as_str()), (503, Some("unavailable")), "{path}: {body}");
    }
    let (status, _) = json(s.post(&deu, "/v1/screen").json(&json!({"name": "Ivan Sidorov"})).send().expect("POST"));
    assert_eq!(status, 503, "a screening needs the database (its hits and audit entry)");

    relay.restore();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let r = s.get(&fra, "/v1/records?limit=5").send().expect("GET");
        if r.status() == 200 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "still {} after PostgreSQL came back", r.status());
        thread::sleep(std::time::Duration::from_millis(100));
    }
    let found = s.screen(&deu, &json!({"name": "Ivan Sidorov"}));
    assert_eq!(found["matches"][0]["record"]["id"], id, "{found}");
    assert!(s.cli(&["audit", "verify"]).contains("OK"));
}

/// A PostgreSQL server of the test's own (`initdb` into a temporary
/// directory, a free port), so a test can crash and restart it without
/// disturbing the shared server other tests use. Run as the `postgres`
/// user (`runuser`) when the test runs as root, since PostgreSQL refuses
/// root.
pub(crate) struct PrivatePostgres {
    bin: std::path::PathBuf,
    dir: tempfile::TempDir,
    /// The tests run as root: PostgreSQL's programs run as `postgres`.
    as_postgres: bool,
    pub(crate) port: u16,
}

impl PrivatePostgres {
    /// Creates the cluster and starts it; fails the test where PostgreSQL's
    /// server binaries are not installed.
    pub(crate) fn start() -> PrivatePostgres {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .into_iter()
            .flatten()
            .flatten()
            .map(|v| v.path().join("bin"))
            .filter(|b| b.join("initdb").is_file())
            .max_by_key(|b| b.parent().and_then(|v| v.file_name()).and_then(|n| n.to_str()?.parse::<u32>().ok()))
            .expect("PostgreSQL's server binaries (/usr/lib/postgresql/VERSION/bin): NEEDS_POSTGRES");
        let dir = tempfile::tempdir().expect("tempdir");
        let as_postgres = std::process::Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
        if as_postgres {
            let owned = std::process::Command::new("chown").arg("postgres").arg(dir.path()).status().expect("chown");
            assert!(owned.success(), "chown postgres {}", dir.path().display());
        }
        let pg = PrivatePostgres { bin, dir, as_postgres, port: crate::cluster::free_port() };
        let data = pg.data();
        pg.run("initdb", &["-D", &data, "-A", "trust", "-U", "postgres", "--no-sync"]);
        pg.up();
        pg
    }

    fn data(&self) -> String {
        self.dir.path().join("data").to_string_lossy().into_owned()
    }

    /// One of PostgreSQL's programs, as `postgres` when root.
    fn command(&self, program: &str) -> std::process::Command {
        let path = self.bin.join(program);
        let mut cmd = if self.as_postgres {
            let mut c = std::process::Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(path);
            c
        } else {
            std::process::Command::new(path)
        };
        cmd.current_dir(self.dir.path());
        cmd
    }

    /// Runs one of PostgreSQL's programs; fails the test if it fails.
    fn run(&self, program: &str, args: &[&str]) {
        let out = self.command(program).args(args).output().expect(program);
        assert!(
            out.status.success(),
            "{program} {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// The database URL.
    pub(crate) fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Starts the server and waits until it accepts connections.
    pub(crate) fn up(&self) {
        let (data, socket) = (self.data(), self.dir.path().to_string_lossy().into_owned());
        let log = self.dir.path().join("postgres.log").to_string_lossy().into_owned();
        let options = format!("-p {} -k {socket} -c listen_addresses=127.0.0.1", self.port);
        self.run("pg_ctl", &["-D", &data, "-l", &log, "-o", &options, "-w", "-t", "60", "start"]);
    }

    /// Stops the server in immediate mode: every backend killed at once, no
    /// checkpoint, as a crash would; the next start recovers from the WAL.
    pub(crate) fn crash(&self) {
        self.run("pg_ctl", &["-D", &self.data(), "-m", "immediate", "-w", "stop"]);
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let _ = self.command("pg_ctl").args(["-D", &self.data(), "-m", "immediate", "stop"]).output();
    }
}
