//! A test server: `tocsin init`, agencies and tokens through the CLI, then
//! `tocsin serve` on a free port.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use reqwest::blocking::{Client, RequestBuilder, Response};
use serde_json::Value;

pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_tocsin");

/// Where a test server keeps its data: the embedded store in `data`, or a
/// PostgreSQL `store`, with the cluster's `events` bus when given.
#[derive(Clone, Default)]
pub(crate) struct Place {
    pub(crate) store: Option<String>,
    pub(crate) events: Option<String>,
    /// Arguments every `serve` on it gets (`--node NAME`).
    pub(crate) serve: Vec<String>,
}

/// `tocsin --data DIR [--store URL] [--events URL]`, ready for its arguments.
fn command(data: &Path, place: &Place) -> Command {
    let mut c = Command::new(BIN);
    c.arg("--data").arg(data);
    if let Some(store) = &place.store {
        c.arg("--store").arg(store);
    }
    if let Some(events) = &place.events {
        c.arg("--events").arg(events);
    }
    c
}

/// Runs `tocsin --data DIR ARGS…`.
pub(crate) fn tocsin(data: &Path, args: &[&str]) -> Output {
    command(data, &Place::default()).args(args).output().expect("run tocsin")
}

/// Runs `tocsin` and returns its standard output, failing the test on a non-zero exit.
pub(crate) fn tocsin_ok(data: &Path, args: &[&str]) -> String {
    run_ok(data, &Place::default(), args)
}

/// Runs `tocsin --data DIR [--store URL] [--events URL] ARGS…` and returns
/// its standard output, failing the test on a non-zero exit.
fn run_ok(data: &Path, place: &Place, args: &[&str]) -> String {
    let out = command(data, place).args(args).output().expect("run tocsin");
    assert!(out.status.success(), "tocsin {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8 output")
}

pub(crate) struct TestServer {
    pub(crate) base: String,
    pub(crate) data: PathBuf,
    /// The PostgreSQL store and bus it runs on, if not the embedded store.
    place: Place,
    child: Child,
    client: Client,
    _dir: tempfile::TempDir,
}

/// Agencies every test server has, besides GS.
pub(crate) const AGENCIES: [&str; 3] = ["FRA", "DEU", "ITA"];

impl TestServer {
    pub(crate) fn start() -> TestServer {
        TestServer::start_on(None)
    }

    /// A server on `store` (a PostgreSQL URL), or the embedded store.
    pub(crate) fn start_on(store: Option<&str>) -> TestServer {
        TestServer::start_at(Place { store: store.map(str::to_owned), ..Place::default() })
    }

    /// A server at `place`, its store created with the test agencies.
    pub(crate) fn start_at(place: Place) -> TestServer {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().join("data");
        run_ok(&data, &place, &["init"]);
        for a in AGENCIES {
            run_ok(&data, &place, &["agency", "add", a, "--name", &format!("{a} bureau")]);
        }
        let (child, base) = spawn(&data, &place, &dir.path().join("server.log"), &[], None);
        TestServer { base, data, place, child, client: Client::new(), _dir: dir }
    }

    /// Another node of this server's cluster: `tocsin serve` on the same
    /// store and bus, with a log of its own.
    pub(crate) fn another_node(&self) -> TestServer {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().join("data");
        let (child, base) = spawn(&data, &self.place, &dir.path().join("server.log"), &[], None);
        TestServer { base, data, place: self.place.clone(), child, client: Client::new(), _dir: dir }
    }

    /// Runs `tocsin ARGS` on this server's store; its standard output.
    pub(crate) fn cli(&self, args: &[&str]) -> String {
        run_ok(&self.data, &self.place, args)
    }

    /// Runs `tocsin ARGS` on this server's store, whatever its exit status.
    pub(crate) fn cli_output(&self, args: &[&str]) -> Output {
        command(&self.data, &self.place).args(args).output().expect("run tocsin")
    }

    /// Stops the server (SIGTERM) and starts it again on the same data with
    /// `serve` arguments `args`, its clock set to `now` (`TOCSIN_NOW`) when
    /// given; the address changes.
    pub(crate) fn restart_with(&mut self, args: &[&str], now: Option<&str>) {
        self.terminate();
        let (child, base) = spawn(&self.data, &self.place, &self._dir.path().join("server.log"), args, now);
        (self.child, self.base) = (child, base);
    }

    /// A request without a token.
    pub(crate) fn anonymous(&self, path: &str) -> RequestBuilder {
        self.client.get(format!("{}{path}", self.base))
    }

    /// The monitoring token this server drew at its first start
    /// (`monitor.token` in its data directory).
    pub(crate) fn monitor_token(&self) -> String {
        std::fs::read_to_string(self.data.join("monitor.token")).expect("monitor.token").trim().to_owned()
    }

    /// `GET path` with the monitoring token.
    pub(crate) fn monitor(&self, path: &str) -> RequestBuilder {
        self.anonymous(path).bearer_auth(self.monitor_token())
    }

    /// What the server has logged so far (all its runs).
    pub(crate) fn log(&self) -> String {
        std::fs::read_to_string(self._dir.path().join("server.log")).unwrap_or_default()
    }

    /// Kills the server with SIGKILL (no chance to flush anything), then
    /// starts it again on the same data; the address changes.
    pub(crate) fn kill_and_restart(&mut self) {
        self.kill();
        self.start_again();
    }

    /// Kills the server with SIGKILL and waits until it is gone.
    /// Sends the server a signal (`HUP`, …).
    pub(crate) fn signal(&self, name: &str) {
        let ok = Command::new("kill").args([&format!("-{name}"), &self.child.id().to_string()]).status().expect("kill");
        assert!(ok.success(), "kill -{name}");
    }

    pub(crate) fn kill(&mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("wait for the server");
    }

    /// Starts the server again on the same data (after [`TestServer::kill`]);
    /// the address changes.
    pub(crate) fn start_again(&mut self) {
        self.start_again_with(&[]);
    }

    /// Starts the server again on the same data (after it stopped) with
    /// `serve` arguments `args`; the address changes.
    pub(crate) fn start_again_with(&mut self, args: &[&str]) {
        let (child, base) = spawn(&self.data, &self.place, &self._dir.path().join("server.log"), args, None);
        (self.child, self.base) = (child, base);
    }

    /// A new token, cleared for every level.
    pub(crate) fn token(&self, agency: &str, role: &str) -> String {
        self.cleared_token(agency, role, "confidential")
    }

    /// A new token cleared for `clearance` only.
    pub(crate) fn cleared_token(&self, agency: &str, role: &str, clearance: &str) -> String {
        self.cli(&["token", "create", "--agency", agency, "--role", role, "--clearance", clearance]).trim().to_owned()
    }

    pub(crate) fn get(&self, token: &str, path: &str) -> RequestBuilder {
        self.client.get(format!("{}{path}", self.base)).bearer_auth(token)
    }

    pub(crate) fn post(&self, token: &str, path: &str) -> RequestBuilder {
        self.client.post(format!("{}{path}", self.base)).bearer_auth(token)
    }

    pub(crate) fn put(&self, token: &str, path: &str) -> RequestBuilder {
        self.client.put(format!("{}{path}", self.base)).bearer_auth(token)
    }

    pub(crate) fn delete(&self, token: &str, path: &str) -> RequestBuilder {
        self.client.delete(format!("{}{path}", self.base)).bearer_auth(token)
    }

    /// Creates a record as `token`'s agency and returns it.
    pub(crate) fn create(&self, token: &str, record: &Value) -> Value {
        let r = self.post(token, "/v1/records").json(record).send().expect("POST /v1/records");
        let (status, body) = json(r);
        assert_eq!(status, 201, "{body}");
        body
    }

    /// Screens as `token`; fails the test unless the answer is 200.
    pub(crate) fn screen(&self, token: &str, body: &Value) -> Value {
        let (status, body) = json(self.post(token, "/v1/screen").json(body).send().expect("POST /v1/screen"));
        assert_eq!(status, 200, "{body}");
        body
    }

    /// Moves a hit to `to` as `token`; returns the status and body.
    pub(crate) fn set_status(&self, token: &str, id: &str, to: &str) -> (u16, Value) {
        let r = self.post(token, &format!("/v1/hits/{id}/status")).json(&serde_json::json!({"status": to}));
        json(r.send().expect("POST /v1/hits/{id}/status"))
    }

    /// Sends SIGTERM and waits for the process to exit.
    pub(crate) fn terminate(&mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let killed = Command::new("kill").args(["-TERM", &pid]).status().expect("kill");
        assert!(killed.success());
        self.child.wait().expect("wait for the server")
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `tocsin serve ARGS` on a free port, its log appended to `log`,
/// its clock at `now` when given, and returns it with its base URL.
fn spawn(data: &Path, place: &Place, log: &Path, args: &[&str], now: Option<&str>) -> (Child, String) {
    let log = std::fs::OpenOptions::new().create(true).append(true).open(log).expect("server log");
    let mut command = command(data, place);
    if let Some(now) = now {
        command.env("TOCSIN_NOW", now);
    }
    // The tests drive one server as fast as they can from one address: the
    // rate limits are lifted unless a test sets them (`e2e::safety`).
    command.env("TOCSIN_RATE_TOKEN", "1000000").env("TOCSIN_RATE_ADDRESS", "1000000");
    let mut child = command
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(&place.serve)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .expect("spawn server");
    let stdout = child.stdout.take().expect("stdout");
    let mut base = String::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("server output");
        if let Some(addr) = line.strip_prefix("listening on ") {
            base = addr.to_owned();
            break;
        }
    }
    assert!(!base.is_empty(), "the server never said where it listens");
    (child, base)
}

/// Status and JSON body of a response.
pub(crate) fn json(r: Response) -> (u16, Value) {
    let status = r.status().as_u16();
    let text = r.text().expect("body");
    let body = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}"));
    (status, body)
}

/// A valid person record with the given access rule.
pub(crate) fn person(name: &str, access: Value) -> Value {
    serde_json::json!({
        "kind": "person",
        "names": [{"full": name, "type": "primary"}],
        "birth_dates": ["1970-05-01"],
        "nationalities": ["RUS"],
        "handling": {"code": "discreet_check"},
        "access": access,
    })
}

/// Waits for `done` to hold, polling every 20 ms, and fails the test naming
/// `what` after a minute: a test waits for a state, never for a time, so a
/// loaded machine makes it slower, not red.
pub(crate) fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !done() {
        assert!(std::time::Instant::now() < deadline, "not within a minute: {what}");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}
