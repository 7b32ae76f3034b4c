//! Edge nodes with the link really cut: `tocsin edge` talks to the upstream
//! through a TCP relay the test opens and closes (or through a proxy that
//! alters what the upstream sends). Screening works offline; offline hits
//! reach the owner after reconnect, once; deletions and restrictions leave
//! the edge's files; hidden records never reach them; altered versions are
//! refused and the old copy keeps screening; a kill -9 loses no queued hit.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::blocking::Client;
use serde_json::{Value, json};

use crate::helpers::{BIN, TestServer, eventually, json, person};
use crate::sse::SseClient;

/// A TCP relay to the upstream that the test cuts (every connection closed,
/// new ones dropped) and opens again.
struct Relay {
    addr: String,
    open: Arc<AtomicBool>,
    live: Arc<Mutex<Vec<TcpStream>>>,
}

impl Relay {
    fn to(target: &str) -> Relay {
        let target = target.trim_start_matches("http://").to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").expect("relay");
        let addr = format!("http://{}", listener.local_addr().expect("addr"));
        let open = Arc::new(AtomicBool::new(true));
        let live: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
        let (o, l) = (open.clone(), live.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                if !o.load(Ordering::SeqCst) {
                    let _ = client.shutdown(Shutdown::Both);
                    continue;
                }
                let Ok(server) = TcpStream::connect(&target) else { continue };
                if let Ok(mut live) = l.lock() {
                    live.extend([client.try_clone(), server.try_clone()].into_iter().flatten());
                }
                pipe(client.try_clone(), server.try_clone());
                pipe(server.try_clone(), client.try_clone());
            }
        });
        Relay { addr, open, live }
    }

    fn cut(&self) {
        self.open.store(false, Ordering::SeqCst);
        for s in self.live.lock().expect("relay").drain(..) {
            let _ = s.shutdown(Shutdown::Both);
        }
    }

    fn reopen(&self) {
        self.open.store(true, Ordering::SeqCst);
    }
}

fn pipe(from: std::io::Result<TcpStream>, to: std::io::Result<TcpStream>) {
    let (Ok(mut from), Ok(mut to)) = (from, to) else { return };
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut from, &mut to);
        let _ = to.shutdown(Shutdown::Write);
    });
}

/// `tocsin edge` on its own data directory.
struct Edge {
    base: String,
    data: PathBuf,
    child: Child,
    args: Vec<String>,
    client: Client,
    /// The size of the disk of its own it runs on, if it does.
    disk: Option<String>,
}

impl Edge {
    fn start(data: &Path, upstream: &str, token: &str, extra: &[&str]) -> Edge {
        Edge::start_on(None, data, upstream, token, extra)
    }

    /// `tocsin edge` whose data directory is on a disk of `size` of its
    /// own (a tmpfs in a mount namespace of its own, which the test reaches
    /// through `/proc/PID/root`).
    fn start_on(disk: Option<&str>, data: &Path, upstream: &str, token: &str, extra: &[&str]) -> Edge {
        let mut args: Vec<String> = ["edge", "--upstream", upstream, "--data"].iter().map(|s| s.to_string()).collect();
        args.push(data.display().to_string());
        args.extend(["--listen", "127.0.0.1:0"].iter().map(|s| s.to_string()));
        args.extend(extra.iter().map(|s| s.to_string()));
        let disk = disk.map(str::to_owned);
        let (child, base) = spawn_edge(&args, token, data, disk.as_deref());
        Edge { base, data: data.to_owned(), child, args, client: Client::new(), disk }
    }

    fn kill_and_restart(&mut self, token: &str) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("wait");
        let (child, base) = spawn_edge(&self.args, token, &self.data, self.disk.as_deref());
        (self.child, self.base) = (child, base);
    }

    /// The data directory as this process reaches it.
    fn seen(&self) -> PathBuf {
        match self.disk {
            None => self.data.clone(),
            Some(_) => {
                let inside = self.data.strip_prefix("/").expect("an absolute data directory");
                PathBuf::from(format!("/proc/{}/root", self.child.id())).join(inside)
            }
        }
    }

    fn health(&self) -> Value {
        let r = self.client.get(format!("{}/v1/health", self.base)).send().expect("GET /v1/health");
        json(r).1["edge"].clone()
    }

    fn version(&self) -> u64 {
        self.health()["version"].as_u64().unwrap_or(0)
    }

    fn screen(&self, token: &str, body: &Value) -> Value {
        let r = self.client.post(format!("{}/v1/screen", self.base)).bearer_auth(token).json(body).send();
        let (status, body) = json(r.expect("POST /v1/screen on the edge"));
        assert_eq!(status, 200, "{body}");
        body
    }

    /// `tocsin edge sync --data DIR`: its exit status and output.
    fn sync_now(&self) -> (bool, Value) {
        let mut child = Command::new(BIN)
            .args(["edge", "sync", "--data"])
            .arg(self.seen())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("tocsin edge sync");
        // A round that never reports (the edge unable to write it) fails
        // the test rather than hanging it.
        let deadline = std::time::Instant::now() + Duration::from_secs(120);
        while child.try_wait().expect("wait").is_none() {
            if std::time::Instant::now() > deadline {
                let _ = child.kill();
                let log = std::fs::read_to_string(self.data.with_extension("log")).unwrap_or_default();
                panic!("tocsin edge sync had no report within two minutes; the edge's log:\n{log}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let out = child.wait_with_output().expect("tocsin edge sync");
        let body = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
            panic!(
                "edge sync printed: {} {}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        });
        (out.status.success(), body)
    }

    /// The files of the edge's data directory (its database and its
    /// write-ahead log included) that hold `text`.
    fn files_holding(&self, text: &str) -> Vec<String> {
        let mut holding = Vec::new();
        for entry in std::fs::read_dir(self.seen()).expect("data dir").flatten() {
            if entry.path().is_file() {
                let bytes = std::fs::read(entry.path()).unwrap_or_default();
                if bytes.windows(text.len()).any(|w| w == text.as_bytes()) {
                    holding.push(entry.file_name().to_string_lossy().into_owned());
                }
            }
        }
        holding
    }

    fn holds(&self, text: &str) -> bool {
        !self.files_holding(text).is_empty()
    }
}

impl Drop for Edge {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn_edge(args: &[String], token: &str, data: &Path, disk: Option<&str>) -> (Child, String) {
    let log = std::fs::OpenOptions::new().create(true).append(true).open(data.with_extension("log")).expect("edge log");
    let mut command = match disk {
        None => Command::new(BIN),
        Some(size) => {
            // A mount namespace of its own (user namespace mapped to root,
            // so no privilege is needed), where the data directory's parent
            // is a tmpfs of `size`; then the edge itself, exec'd.
            let mount = data.parent().expect("the data directory's parent");
            let mut c = Command::new("unshare");
            c.args(["--user", "--map-root-user", "--mount", "--propagation", "private", "sh", "-c"])
                .arg(r#"mount -t tmpfs -o "size=$1" tocsin-small "$2" && shift 2 && exec "$@""#)
                .args(["sh", size])
                .arg(mount)
                .arg(BIN);
            c
        }
    };
    let mut child = command
        .args(args)
        .env("TOCSIN_EDGE_TOKEN", token)
        // The tests poll the edge as fast as they can from one address.
        .env("TOCSIN_RATE_TOKEN", "1000000")
        .env("TOCSIN_RATE_ADDRESS", "1000000")
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .expect("spawn tocsin edge");
    let stdout = child.stdout.take().expect("stdout");
    let mut base = String::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("edge output");
        if let Some((_, addr)) = line.split_once(" listening on ") {
            base = addr.to_owned();
            break;
        }
    }
    if base.is_empty() {
        let log = std::fs::read_to_string(data.with_extension("log")).unwrap_or_default();
        panic!("the edge never said where it listens; its log:\n{log}");
    }
    (child, base)
}

/// A token for FRA's edge `cdg-t2` (an edge is named by its token's user).
fn edge_token(s: &TestServer) -> String {
    s.cli(&["token", "create", "--agency", "FRA", "--role", "edge", "--user", "cdg-t2"]).trim().to_owned()
}

/// The upstream's sync key, as an edge is given it.
fn sync_key(s: &TestServer) -> String {
    std::fs::read_to_string(s.data.join("edge-sync.pub")).expect("edge-sync.pub").trim().to_owned()
}

/// The hits `token`'s agency sees on `record` made at edge `cdg-t2`.
fn edge_hits(s: &TestServer, token: &str, record: &str) -> Vec<Value> {
    let (status, body) = json(s.get(token, "/v1/hits?limit=1000").send().expect("GET /v1/hits"));
    assert_eq!(status, 200, "{body}");
    body["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|h| {
            h["record_id"].as_str() == Some(record) && h["user"].as_str().is_some_and(|u| u.ends_with("@edge:cdg-t2"))
        })
        .cloned()
        .collect()
}

#[test]
fn an_edge_screens_offline_and_its_hits_reach_the_owner_once_after_reconnect() {
    let s = TestServer::start();
    let deu = s.token("DEU", "admin");
    let fra = s.token("FRA", "officer");
    let edge_token = edge_token(&s);
    let key = sync_key(&s);
    let shared = s.create(&deu, &person("Konstantin Weissbeck", json!({"mode": "all"})));
    let hidden = s.create(&deu, &person("Ottilie Brandauer", json!({"mode": "only", "countries": ["ITA"]})));
    let dir = tempfile::tempdir().expect("dir");
    let relay = Relay::to(&s.base);
    let mut edge =
        Edge::start(&dir.path().join("edge"), &relay.addr, &edge_token, &["--every", "1", "--upstream-key", &key]);
    eventually("the edge's first copy", || edge.version() >= 1);
    assert!(edge.holds("Konstantin Weissbeck"), "the shared record is in the copy");
    assert!(!edge.holds("Ottilie Brandauer"), "a hidden record never reaches the edge's files");

    relay.cut();
    eventually("the edge to see the link down", || edge.health()["link"] == "down");
    let offline =
        edge.screen(&fra, &json!({"name": "Konstantin Weissbeck", "birth_date": "1970", "location": "CDG T2"}));
    let m = &offline["matches"][0];
    assert_eq!(m["record"]["id"], shared["id"], "screening works with the link cut: {offline}");
    assert!(m["hit_id"].is_string(), "{m}");
    assert_eq!(m["needs_confirmation"], true, "an edge's hit waits for confirmation upstream");
    let quiet = edge.screen(&fra, &json!({"name": "Ottilie Brandauer", "location": "CDG T2"}));
    assert_eq!(quiet["matches"], json!([]), "the edge holds nothing hidden to match");
    eventually("the queue counted", || edge.health()["unsent"]["hits"].as_u64() >= Some(1));

    // Killed with the hits queued, the edge loses none.
    edge.kill_and_restart(&edge_token);
    let health = edge.health();
    assert_eq!(health["link"], "down", "{health}");
    assert!(health["unsent"]["hits"].as_u64() >= Some(1), "{health}");
    assert!(health["unsent"]["screenings"].as_u64() >= Some(2), "{health}");
    // A second offline screening of the same subject: a second hit.
    assert_eq!(edge.screen(&fra, &json!({"name": "Konstantin Weissbeck"}))["matches"][0]["record"]["id"], shared["id"]);

    let owner = SseClient::connect(&s.base, &deu, None);
    relay.reopen();
    // Within one sync interval of the link coming back (1 s here; the wait
    // allows for a loaded machine), the owner hears of both: the hit on the
    // shared record, and the silent hit on the one the edge never held.
    let mut seen = Vec::new();
    while seen.len() < 3 {
        let e = owner.next_within(Duration::from_secs(30)).expect("the edge's hits reach the owner");
        if e.event == "hit" && e.data["data"]["user"].as_str().is_some_and(|u| u.ends_with("@edge:cdg-t2")) {
            seen.push(e.data["data"].clone());
        }
    }
    let on = |id: &Value| seen.iter().filter(|h| h["record_id"] == *id).count();
    assert_eq!((on(&shared["id"]), on(&hidden["id"])), (2, 1), "one hit upstream per offline screening: {seen:?}");
    assert!(seen.iter().any(|h| h["record_id"] == hidden["id"] && h["silent"] == true), "{seen:?}");
    // Exactly once: more rounds ship nothing again.
    let v = edge.version();
    eventually("three more rounds", || edge.version() >= v + 3);
    assert_eq!(edge_hits(&s, &deu, shared["id"].as_str().expect("id")).len(), 2);
    assert_eq!(edge_hits(&s, &deu, hidden["id"].as_str().expect("id")).len(), 1);
    let health = edge.health();
    assert_eq!((health["link"].as_str(), health["unsent"]["hits"].as_u64()), (Some("up"), Some(0)), "{health}");

    // The edge's audit chain is kept upstream and verifies.
    let out = s.cli(&["audit", "verify", "--edge", "FRA/cdg-t2"]);
    assert!(out.contains("audit chain OK"), "{out}");
    // The upstream lists the edge with the version it holds.
    let admin = s.token("FRA", "admin");
    let (status, edges) = json(s.get(&admin, "/v1/edges").send().expect("GET /v1/edges"));
    assert_eq!(status, 200, "{edges}");
    assert_eq!(edges["items"][0]["name"], "cdg-t2", "{edges}");
    assert!(edges["items"][0]["version"].as_u64() >= Some(v), "{edges}");
    let (status, _) = json(s.get(&s.token("DEU", "admin"), "/v1/edges").send().expect("GET"));
    assert_eq!(status, 200);
    let (_, theirs) = json(s.get(&deu, "/v1/edges").send().expect("GET"));
    assert_eq!(theirs["items"], json!([]), "another agency's edges are not listed");
    // Hits are marked and nothing else: a match below the threshold is not,
    // and the upstream's own answers never are.
    let weak = edge.screen(&fra, &json!({"name": "Konstantin", "limit": 5}));
    for m in weak["matches"].as_array().into_iter().flatten() {
        assert_eq!(m.get("needs_confirmation").is_some(), m["hit_id"].is_string(), "{m}");
    }
    let upstream = s.screen(&fra, &json!({"name": "Konstantin Weissbeck"}));
    assert!(upstream["matches"][0]["hit_id"].is_string() && upstream["matches"][0].get("needs_confirmation").is_none());

    // The edge serves the console too; its screening page says a hit waits
    // for confirmation.
    let console = Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let r = console.post(format!("{}/login", edge.base)).form(&[("token", fra.as_str())]).send().expect("login");
    assert_eq!(r.status().as_u16(), 303);
    let cookie = r
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|c| c.split(';').next())
        .expect("cookie")
        .to_owned();
    let form = console
        .get(format!("{}/screen", edge.base))
        .header("cookie", &cookie)
        .send()
        .expect("page")
        .text()
        .expect("html");
    let csrf = form.split("name=\"csrf\" value=\"").nth(1).and_then(|t| t.split('"').next()).expect("csrf").to_owned();
    let r = console
        .post(format!("{}/screen", edge.base))
        .header("cookie", &cookie)
        .form(&[("csrf", csrf.as_str()), ("name", "Konstantin Weissbeck")])
        .send()
        .expect("screen");
    let html = r.text().expect("html");
    assert!(html.contains("waits for confirmation upstream"), "{html:.2000}");
}

#[test]
fn deletions_and_restrictions_leave_the_copy_and_its_files() {
    let s = TestServer::start();
    let deu = s.token("DEU", "admin");
    let fra = s.token("FRA", "officer");
    let edge_token = edge_token(&s);
    let key = sync_key(&s);
    let archived = s.create(&deu, &person("Wendelin Quarzfeld", json!({"mode": "all"})));
    let restricted = s.create(&deu, &person("Philippa Marmorstein", json!({"mode": "all"})));
    let dir = tempfile::tempdir().expect("dir");
    let relay = Relay::to(&s.base);
    let edge =
        Edge::start(&dir.path().join("edge"), &relay.addr, &edge_token, &["--every", "1", "--upstream-key", &key]);
    eventually("the edge's first copy", || edge.version() >= 1);
    assert!(edge.holds("Wendelin Quarzfeld") && edge.holds("Philippa Marmorstein"));
    // No backup of the copy: it would keep what a later version deletes.
    let into = dir.path().join("backup");
    let out =
        Command::new(BIN).arg("backup").arg(&into).arg("--data").arg(edge.seen()).output().expect("tocsin backup");
    assert!(!out.status.success(), "an edge's copy was backed up");
    assert!(String::from_utf8_lossy(&out.stderr).contains("holds an edge's copy, which is not backed up"), "{out:?}");
    assert!(!into.exists() && !dir.path().join("backup.partial").exists(), "nothing of a backup is left");

    relay.cut();
    eventually("the link down", || edge.health()["link"] == "down");
    let id = archived["id"].as_str().expect("id");
    let r = s.delete(&deu, &format!("/v1/records/{id}?version=1")).send().expect("archive");
    assert_eq!(r.status(), 200);
    let mut input = restricted.clone();
    for k in ["id", "owner", "state", "created_at", "updated_at"] {
        input.as_object_mut().expect("object").remove(k);
    }
    input["access"] = json!({"mode": "only", "countries": ["ITA"]});
    let rid = restricted["id"].as_str().expect("id");
    let (status, body) = json(s.put(&deu, &format!("/v1/records/{rid}")).json(&input).send().expect("PUT"));
    assert_eq!(status, 200, "{body}");

    let v = edge.version();
    relay.reopen();
    eventually("the next version applied", || edge.version() > v);
    assert!(!edge.holds("Wendelin Quarzfeld"), "an archived record is gone from the edge's files");
    assert!(!edge.holds("Philippa Marmorstein"), "a record now hidden from the agency is gone from the edge's files");
    for name in ["Wendelin Quarzfeld", "Philippa Marmorstein"] {
        assert_eq!(edge.screen(&fra, &json!({"name": name}))["matches"], json!([]), "{name}");
    }
}

/// A proxy to the upstream that passes, replays, cuts short or alters the
/// versions it relays.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Pass,
    Replay,
    Truncate,
    Alter,
}

struct Proxy {
    addr: String,
    mode: Arc<Mutex<Mode>>,
}

impl Proxy {
    fn to(upstream: &str) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("proxy");
        let addr = format!("http://{}", listener.local_addr().expect("addr"));
        let mode = Arc::new(Mutex::new(Mode::Pass));
        let (m, upstream) = (mode.clone(), upstream.to_owned());
        std::thread::spawn(move || {
            let client = Client::new();
            let mut recorded: Option<Vec<u8>> = None;
            for stream in listener.incoming().flatten() {
                let mode = *m.lock().expect("mode");
                let _ = serve_one(stream, &client, &upstream, mode, &mut recorded);
            }
        });
        Proxy { addr, mode }
    }

    fn set(&self, mode: Mode) {
        *self.mode.lock().expect("mode") = mode;
    }
}

fn serve_one(
    stream: TcpStream,
    client: &Client,
    upstream: &str,
    mode: Mode,
    recorded: &mut Option<Vec<u8>>,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let (mut length, mut auth) = (0usize, String::new());
    loop {
        let mut line = String::new();
        reader.read_line(&mut line)?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            match k.to_ascii_lowercase().as_str() {
                "content-length" => length = v.trim().parse().unwrap_or(0),
                "authorization" => auth = v.trim().to_owned(),
                _ => {}
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    let mut parts = request_line.split_whitespace();
    let (method, path) = (parts.next().unwrap_or("GET"), parts.next().unwrap_or("/"));
    let url = format!("{upstream}{path}");
    let request = match method {
        "POST" => client.post(&url).header("content-type", "application/json").body(body),
        _ => client.get(&url),
    };
    let response = request.header("authorization", auth).send().map_err(std::io::Error::other)?;
    let status = response.status().as_u16();
    let mut bytes = response.bytes().map_err(std::io::Error::other)?.to_vec();
    if path.starts_with("/v1/edge/sync") && status == 200 {
        match mode {
            Mode::Pass => *recorded = Some(bytes.clone()),
            Mode::Replay => bytes = recorded.clone().unwrap_or_default(),
            Mode::Truncate => bytes.truncate(bytes.len() * 2 / 3),
            Mode::Alter => {
                // The agencies come with every version.
                let text = String::from_utf8_lossy(&bytes).replace("DEU bureau", "DEU Bureau");
                bytes = text.into_bytes();
            }
        }
    }
    let mut out = stream;
    write!(
        out,
        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        bytes.len()
    )?;
    out.write_all(&bytes)?;
    out.flush()
}

#[test]
fn forged_replayed_and_cut_short_versions_are_refused_and_the_old_copy_keeps_screening() {
    let s = TestServer::start();
    let deu = s.token("DEU", "admin");
    let fra = s.token("FRA", "officer");
    let edge_token = edge_token(&s);
    let key = sync_key(&s);
    let kept = s.create(&deu, &person("Leopoldine Sauerwald", json!({"mode": "all"})));
    let dir = tempfile::tempdir().expect("dir");
    let proxy = Proxy::to(&s.base);
    let edge =
        Edge::start(&dir.path().join("edge"), &proxy.addr, &edge_token, &["--every", "3600", "--upstream-key", &key]);
    assert_eq!(edge.version(), 1, "the first copy, at start");
    let (ok, _) = edge.sync_now();
    assert!(ok);
    assert_eq!(edge.version(), 2);

    let refusals = [(Mode::Replay, "replayed"), (Mode::Truncate, "cut short"), (Mode::Alter, "altered")];
    for (mode, word) in refusals {
        proxy.set(mode);
        let (ok, body) = edge.sync_now();
        assert!(!ok, "{word}: {body}");
        let message = body["error"]["message"].as_str().unwrap_or_default().to_owned();
        assert!(message.contains("refused") && message.contains(word), "{word}: {message}");
        assert_eq!(edge.version(), 2, "{word}: the copy stays as it was");
        let m = edge.screen(&fra, &json!({"name": "Leopoldine Sauerwald"}));
        assert_eq!(m["matches"][0]["record"]["id"], kept["id"], "{word}: the old copy keeps screening");
    }
    proxy.set(Mode::Pass);
    let (ok, body) = edge.sync_now();
    assert!(ok, "{body}");
    assert!(edge.version() > 2, "a good version is taken again after refusals");
}

/// Fills the file system holding `dir` to its last `room` bytes.
fn fill_to(dir: &Path, room: u64) -> PathBuf {
    let path = dir.join("filler");
    let mut file = std::fs::File::create(&path).expect("filler");
    let block = vec![0xA5u8; 64 * 1024];
    let mut written = 0u64;
    while file.write_all(&block).is_ok() {
        written += block.len() as u64;
    }
    // A short write may have left part of a block.
    let _ = file.flush();
    file.set_len(written.saturating_sub(room)).expect("leave room");
    file.sync_all().expect("sync the filler");
    path
}

#[test]
fn a_disk_that_fills_while_a_version_is_applied_leaves_the_old_copy_screening() {
    let s = TestServer::start();
    let deu = s.token("DEU", "admin");
    let fra = s.token("FRA", "officer");
    let edge_token = edge_token(&s);
    let key = sync_key(&s);
    let kept = s.create(&deu, &person("Hieronymus Kaltenbrunn", json!({"mode": "all"})));
    let dir = tempfile::tempdir().expect("dir");
    let disk = dir.path().join("disk");
    std::fs::create_dir(&disk).expect("mount point");
    let edge = Edge::start_on(
        Some("16m"),
        &disk.join("edge"),
        &s.base,
        &edge_token,
        &["--every", "3600", "--upstream-key", &key],
    );
    assert_eq!(edge.version(), 1, "the first copy, at start");
    let filler = fill_to(&edge.seen().join(".."), 256 * 1024);

    // A delta far larger than the room left.
    let names: Vec<String> = (0..3000).map(|i| format!("Kunigunde Felsenstein {i:04}")).collect();
    let bulk: String = names.iter().map(|n| format!("{}\n", person(n, json!({"mode": "all"})))).collect();
    let (status, body) = json(s.post(&deu, "/v1/records/bulk").body(bulk).send().expect("bulk"));
    assert_eq!((status, &body["created"]), (201, &json!(3000)), "{}", body["error"]);
    let (ok, body) = edge.sync_now();
    assert!(!ok, "a version larger than the disk was applied: {body}");
    let message = body["error"]["message"].as_str().unwrap_or_default().to_owned();
    assert!(message.contains("full"), "the error says the disk is full: {message}");
    assert_eq!(edge.version(), 1, "nothing of the version is held");
    // Scanned before anything screens that name (a screening's audit
    // entry holds its query).
    assert_eq!(
        edge.files_holding(&names[7]),
        Vec::<String>::new(),
        "no record of the failed version is in the edge's files"
    );
    let m = edge.screen(&fra, &json!({"name": "Hieronymus Kaltenbrunn"}));
    assert_eq!(m["matches"][0]["record"]["id"], kept["id"], "the old copy keeps screening");
    let m = edge.screen(&fra, &json!({"name": &names[7]}));
    assert_eq!(m["matches"], json!([]), "no record of the failed version is screened");

    // With room again, the next round takes the version whole, on
    // whichever database connection its writes land (none is left broken
    // by the failed one).
    std::fs::remove_file(&filler).expect("room again");
    let (ok, body) = edge.sync_now();
    assert!(ok, "the version once there is room: {body}");
    assert!(edge.version() > 1, "{}", edge.health());
    let m = edge.screen(&fra, &json!({"name": &names[7]}));
    assert_eq!(m["matches"][0]["record"]["names"][0]["full"], json!(names[7]), "the new version screens: {m}");
    let m = edge.screen(&fra, &json!({"name": "Hieronymus Kaltenbrunn"}));
    assert_eq!(m["matches"][0]["record"]["id"], kept["id"]);
}

#[test]
fn an_edge_refuses_a_wrong_token_role_and_a_wrong_upstream_key() {
    let s = TestServer::start();
    let officer = s.token("FRA", "officer");
    let edge_token = edge_token(&s);
    let key = sync_key(&s);
    let dir = tempfile::tempdir().expect("dir");
    // An officer's token is not an edge's.
    let edge = Edge::start(&dir.path().join("a"), &s.base, &officer, &["--every", "3600", "--upstream-key", &key]);
    let (ok, body) = edge.sync_now();
    assert!(!ok);
    assert!(body["error"]["message"].as_str().is_some_and(|m| m.contains("role `edge`")), "{body}");
    assert_eq!(edge.version(), 0);
    // A key that is not the upstream's.
    let wrong = "11".repeat(32);
    let edge = Edge::start(&dir.path().join("b"), &s.base, &edge_token, &["--every", "3600", "--upstream-key", &wrong]);
    let (ok, body) = edge.sync_now();
    assert!(!ok);
    assert!(body["error"]["message"].as_str().is_some_and(|m| m.contains("pinned")), "{body}");
    assert_eq!(edge.version(), 0);
    // The right key, from the upstream's data directory.
    let edge = Edge::start(&dir.path().join("c"), &s.base, &edge_token, &["--every", "3600", "--upstream-key", &key]);
    assert!(edge.version() >= 1, "{}", edge.health());
    // An edge token reads nothing through the API's own routes.
    let r = s.get(&edge_token, "/v1/records?limit=1").send().expect("GET /v1/records");
    assert_eq!(r.status(), 403);
    // Another edge's token of the same agency cannot act for this edge:
    // not pull its versions, not ship into its chain.
    let other = s.cli(&["token", "create", "--agency", "FRA", "--role", "edge", "--user", "lyon"]).trim().to_owned();
    let (status, body) = json(s.get(&other, "/v1/edge/sync?name=cdg-t2").send().expect("GET /v1/edge/sync"));
    assert_eq!(status, 403, "{body}");
    assert!(body["error"]["message"].as_str().is_some_and(|m| m.contains("acts for the edge `lyon`")), "{body}");
    let shipment = json!({"name": "cdg-t2", "entries": [], "hits": []});
    let (status, _) = json(s.post(&other, "/v1/edge/audit").json(&shipment).send().expect("POST /v1/edge/audit"));
    assert_eq!(status, 403);
    // A chain other than the one held (a data directory made anew under the
    // same name) is a conflict, never skipped as already held.
    let zero = "00".repeat(32);
    let forged = json!({"seq": 1, "time": "2026-01-01T00:00:00Z", "agency": "FRA", "user": "x", "role": "officer",
        "action": "screen", "objects": ["query:{}"], "outcome": "ok", "prev_hash": zero, "hash": zero});
    let shipment = json!({"entries": [forged], "hits": []});
    let (status, body) = json(s.post(&edge_token, "/v1/edge/audit").json(&shipment).send().expect("POST"));
    assert_eq!(status, 409, "{body}");
    assert!(body["head"].as_u64() >= Some(1), "{body}");
    // Over plain HTTP, an edge does not start without the upstream's key.
    let out = Command::new(BIN)
        .args(["edge", "--upstream", &s.base, "--listen", "127.0.0.1:0", "--data"])
        .arg(dir.path().join("d"))
        .env("TOCSIN_EDGE_TOKEN", &edge_token)
        .output()
        .expect("tocsin edge");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--upstream-key is needed"), "{out:?}");
}

#[test]
fn an_edge_serves_https_and_takes_a_round_asked_through_its_data_directory() {
    let s = TestServer::start();
    let fra = s.token("FRA", "officer");
    let deu = s.token("DEU", "admin");
    let listed = s.create(&deu, &person("Hieronymus Kettwig", json!({"mode": "all"})));
    let dir = tempfile::tempdir().expect("dir");
    let ca = crate::tls::authority("edge test CA");
    let now = time::OffsetDateTime::now_utc();
    let (cert, key) = crate::tls::server_cert(&ca, now - time::Duration::days(1), now + time::Duration::days(30));
    let cert = crate::tls::write(dir.path(), "edge.pem", &cert);
    let key = crate::tls::write(dir.path(), "edge.key", &key);
    let args = [
        "--every",
        "3600",
        "--upstream-key",
        &sync_key(&s),
        "--tls-cert",
        cert.to_str().expect("path"),
        "--tls-key",
        key.to_str().expect("path"),
    ];
    let edge = Edge::start(&dir.path().join("edge"), &s.base, &edge_token(&s), &args);
    assert!(edge.base.starts_with("https://"), "{}", edge.base);
    let client = crate::tls::client(&ca);
    let (status, health) = json(client.get(format!("{}/v1/health", edge.base)).send().expect("health over TLS"));
    assert_eq!((status, health["edge"]["version"].as_u64()), (200, Some(1)), "{health}");
    let r =
        client.post(format!("{}/v1/screen", edge.base)).bearer_auth(&fra).json(&json!({"name": "Hieronymus Kettwig"}));
    let (status, body) = json(r.send().expect("screen over TLS"));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["matches"][0]["record"]["id"], listed["id"]);
    assert_eq!(body["matches"][0]["needs_confirmation"], true);
    // `tocsin edge sync` asks through the data directory, TLS or not.
    let (ok, report) = edge.sync_now();
    assert!(ok, "{report}");
    assert!(report["round"]["applied"].as_u64() > Some(1), "{report}");
    assert_eq!(report["edge"]["link"], "up");
}
