//! `tocsin-bench messages`: end-to-end encrypted messages between agencies,
//! measured against a real `tocsin serve` on loopback.
//!
//! Setup: a fresh data directory (`tocsin init`), `--agencies` country
//! agencies registered through the CLI (the first ISO 3166 alpha-3 codes
//! that [`AgencyCode::parse`] accepts; GS exists after `init`), a key file
//! per agency drawn in process, an admin token (to publish its key) and an
//! officer token (to follow its events and send) per agency, the server
//! started, every key published over HTTP.
//!
//! Then two measurements, each with the recipients' event streams open
//! before anything is sent:
//!
//! - Throughput: `--messages` messages from the first agency to the same
//!   `--recipients` agencies, `--concurrency` in flight, each sealed in the
//!   client then POSTed; for each message the instant just before the POST,
//!   the instant of the 201, and for each recipient the instant its
//!   `message.received` event arrived.
//! - Diffusion: an `information` diffusion from the first agency to every
//!   other agency and GS, five times one after the other, timed from just
//!   before the POST to the last recipient's `message.received` event.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use futures::StreamExt;
use serde::Serialize;
use serde_json::{Value, json};
use time::OffsetDateTime;
use tocsin_core::AgencyCode;
use tocsin_envelope::{DiffusionContent, DiffusionKind, Draft, Envelope, KeyFile, Payload, PublicKey};

use crate::quantile;

/// The options of `tocsin-bench messages`.
#[derive(clap::Args)]
pub(crate) struct MessagesArgs {
    /// The `tocsin` binary that is set up and served.
    #[arg(long, default_value = "target/release/tocsin")]
    bin: PathBuf,
    /// Messages sent in the throughput run.
    #[arg(long, default_value_t = 2000)]
    messages: usize,
    /// Recipients of each message in the throughput run.
    #[arg(long, default_value_t = 10)]
    recipients: usize,
    /// Country agencies registered (besides GS); a diffusion goes to every
    /// one but the sender, and to GS.
    #[arg(long, default_value_t = 196)]
    agencies: usize,
    /// Messages in flight at once in the throughput run.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// Bytes of each message's body.
    #[arg(long, default_value_t = 2048)]
    payload_bytes: usize,
    /// Diffusions sent, one after the other.
    #[arg(long, default_value_t = 5)]
    diffusions: usize,
    /// Prints the report as JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// How long to wait for an event stream to open, or for deliveries that
/// stopped coming.
const PATIENCE: Duration = Duration::from_secs(30);

/// An agency of the run: its key file and tokens.
struct Agency {
    code: AgencyCode,
    keys: Arc<KeyFile>,
    /// Publishes its key.
    admin: String,
    /// Follows its event stream and sends (the reviewer token for GS).
    officer: String,
}

/// How long each setup step took, seconds.
#[derive(Serialize, Default)]
struct Setup {
    init_s: f64,
    agencies_s: f64,
    tokens_s: f64,
    key_files_s: f64,
    server_start_s: f64,
    keys_published_s: f64,
    cli_processes: usize,
}

/// Percentiles of durations, milliseconds.
#[derive(Serialize)]
struct Percentiles {
    count: usize,
    p50_ms: f64,
    p95_ms: f64,
    p99_ms: f64,
    max_ms: f64,
}

impl Percentiles {
    /// The percentiles of `durations`.
    fn of(durations: impl Iterator<Item = Duration>) -> Percentiles {
        let mut us: Vec<u32> = durations.map(|d| d.as_micros().min(u128::from(u32::MAX)) as u32).collect();
        us.sort_unstable();
        let ms = |p: f64| f64::from(quantile(&us, p)) / 1000.0;
        Percentiles {
            count: us.len(),
            p50_ms: ms(0.50),
            p95_ms: ms(0.95),
            p99_ms: ms(0.99),
            max_ms: f64::from(us.last().copied().unwrap_or(0)) / 1000.0,
        }
    }

    fn text(&self) -> String {
        format!(
            "p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            self.p50_ms, self.p95_ms, self.p99_ms, self.max_ms
        )
    }
}

/// What the throughput run measured.
#[derive(Serialize)]
struct Throughput {
    messages: usize,
    recipients: usize,
    concurrency: usize,
    payload_bytes: usize,
    /// POSTs answered 201, and the others.
    sent: usize,
    failed: usize,
    first_failure: Option<String>,
    /// Messages answered 201 per second, first POST to last 201.
    sent_per_s: f64,
    /// `message.received` events that arrived, and those expected.
    delivered: usize,
    expected: usize,
    /// Deliveries per second, first POST to last event.
    delivered_per_s: f64,
    /// Mean time to seal one message, µs.
    seal_mean_us: f64,
    seal: Percentiles,
    /// Envelope size, bytes (JSON as POSTed), the first message's.
    envelope_bytes: usize,
    /// Just before the POST to the 201.
    post: Percentiles,
    /// Just before the POST to each recipient's event.
    delay: Percentiles,
    /// The 201 to each recipient's event (negative counts as 0: the event
    /// can come before the answer).
    after_answer: Percentiles,
    /// Event streams the server ended during the run (each reconnected).
    reconnects: usize,
}

/// One diffusion of the diffusion run.
#[derive(Serialize)]
struct Diffusion {
    seal_ms: f64,
    envelope_bytes: usize,
    post_ms: f64,
    /// Just before the POST to the last recipient's event.
    last_event_ms: f64,
    delivered: usize,
    recipients: usize,
}

/// The whole report.
#[derive(Serialize)]
struct Report {
    command: String,
    agencies: usize,
    setup: Setup,
    throughput: Throughput,
    diffusions: Vec<Diffusion>,
    diffusion_last_event_median_ms: f64,
    diffusion_reconnects: usize,
    server_peak_rss_mib: Option<f64>,
}

/// The first `n` agency codes: ISO 3166 alpha-3 codes in `isocountry`'s
/// order that [`AgencyCode::parse`] accepts.
fn codes(n: usize) -> anyhow::Result<Vec<AgencyCode>> {
    let mut out: Vec<AgencyCode> = vec![];
    for c in isocountry::CountryCode::as_array() {
        if let Ok(code) = AgencyCode::parse(c.alpha3())
            && code != AgencyCode::GS
            && !out.contains(&code)
        {
            out.push(code);
        }
        if out.len() == n {
            return Ok(out);
        }
    }
    bail!("--agencies {n}: only {} country codes are accepted", out.len())
}

/// Runs `BIN --data DATA ARGS…` and returns its standard output.
fn cli(bin: &Path, data: &Path, args: &[&str]) -> anyhow::Result<String> {
    let out = Command::new(bin)
        .arg("--data")
        .arg(data)
        .args(args)
        .env_remove("TOCSIN_STORE")
        .env_remove("TOCSIN_EVENTS")
        .output()
        .with_context(|| format!("running {}", bin.display()))?;
    if !out.status.success() {
        bail!("tocsin {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim());
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// `tocsin init`, the agencies and their tokens through the CLI, and a key
/// file per agency; GS first, then the countries.
fn set_up(bin: &Path, data: &Path, countries: &[AgencyCode], setup: &mut Setup) -> anyhow::Result<Vec<Agency>> {
    let t = Instant::now();
    let init = cli(bin, data, &["init"])?;
    let reviewer = init.lines().last().map(str::trim).unwrap_or_default().to_owned();
    if reviewer.is_empty() || reviewer.contains(' ') {
        bail!("tocsin init printed no GS reviewer token on its last line: {init}");
    }
    setup.init_s = t.elapsed().as_secs_f64();
    setup.cli_processes += 1;

    let t = Instant::now();
    for code in countries {
        cli(bin, data, &["agency", "add", code.as_str(), "--name", &format!("{code} bureau")])?;
    }
    setup.agencies_s = t.elapsed().as_secs_f64();
    setup.cli_processes += countries.len();

    let t = Instant::now();
    let token = |code: AgencyCode, role: &str| -> anyhow::Result<String> {
        let out = cli(bin, data, &["token", "create", "--agency", code.as_str(), "--role", role])?;
        Ok(out.trim().to_owned())
    };
    let mut tokens = vec![(AgencyCode::GS, token(AgencyCode::GS, "admin")?, reviewer)];
    for &code in countries {
        tokens.push((code, token(code, "admin")?, token(code, "officer")?));
    }
    setup.tokens_s = t.elapsed().as_secs_f64();
    setup.cli_processes += 1 + 2 * countries.len();

    let t = Instant::now();
    let now = OffsetDateTime::now_utc();
    let agencies = tokens
        .into_iter()
        .map(|(code, admin, officer)| {
            Ok(Agency { code, keys: Arc::new(KeyFile::generate(code, now)?), admin, officer })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    setup.key_files_s = t.elapsed().as_secs_f64();
    Ok(agencies)
}

/// A `tocsin serve` on a free loopback port, killed when dropped.
struct Server {
    child: Child,
    base: String,
    log: PathBuf,
}

impl Server {
    /// Starts `BIN --data DATA serve --listen 127.0.0.1:0`, the rate limits
    /// lifted (one token sends everything), its log in `log`, and waits
    /// until it says where it listens.
    fn start(bin: &Path, data: &Path, log: PathBuf) -> anyhow::Result<Server> {
        let log_file = std::fs::File::create(&log).with_context(|| format!("creating {}", log.display()))?;
        let mut child = Command::new(bin)
            .arg("--data")
            .arg(data)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .env_remove("TOCSIN_STORE")
            .env_remove("TOCSIN_EVENTS")
            .env("TOCSIN_RATE_TOKEN", "1000000")
            .env("TOCSIN_RATE_ADDRESS", "1000000")
            .stdout(Stdio::piped())
            .stderr(log_file)
            .spawn()
            .with_context(|| format!("starting {} serve", bin.display()))?;
        let stdout = child.stdout.take().context("the server's standard output")?;
        let mut lines = BufReader::new(stdout).lines();
        let mut base = None;
        for line in lines.by_ref() {
            if let Some(addr) = line?.strip_prefix("listening on ") {
                base = Some(addr.trim().to_owned());
                break;
            }
        }
        let server = Server { child, base: base.unwrap_or_default(), log };
        if server.base.is_empty() {
            let log = std::fs::read_to_string(&server.log).unwrap_or_default();
            bail!("the server never said where it listens; its log:\n{log}");
        }
        crate::loopback(&server.base)?;
        // Keep reading what it prints, so that it never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Ok(server)
    }

    /// The server's peak resident memory (VmHWM), MiB.
    fn peak_rss_mib(&self) -> Option<f64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let kib: f64 =
            status.lines().find_map(|l| l.strip_prefix("VmHWM:"))?.trim().trim_end_matches("kB").trim().parse().ok()?;
        Some(kib / 1024.0)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Publishes every agency's current key with its admin token, 16 at once.
async fn publish_keys(client: &reqwest::Client, base: &str, agencies: &[Agency]) -> anyhow::Result<()> {
    let results: Vec<anyhow::Result<()>> = futures::stream::iter(agencies)
        .map(|a| async move {
            let key = a.keys.current().public();
            let r = client
                .post(format!("{base}/v1/keys"))
                .bearer_auth(&a.admin)
                .json(&json!({"encryption": key.encryption, "verification": key.verification}))
                .send()
                .await?;
            let status = r.status();
            if status != reqwest::StatusCode::CREATED {
                bail!("publishing {}'s key: {status} {}", a.code, r.text().await.unwrap_or_default());
            }
            Ok(())
        })
        .buffer_unordered(16)
        .collect()
        .await;
    results.into_iter().collect()
}

/// Which message each event belongs to, and when each recipient's event
/// arrived.
struct Tracker {
    /// Message id → its position.
    ids: Mutex<HashMap<String, usize>>,
    recipients: usize,
    /// Per message, per recipient (`message * recipients + recipient`).
    arrivals: Mutex<Vec<Option<Instant>>>,
    /// Events matched to a message and recipient for the first time.
    delivered: AtomicUsize,
    /// Streams that ended and were opened again.
    reconnects: AtomicUsize,
    /// Streams open (counted once, at their first opening).
    open: AtomicUsize,
}

impl Tracker {
    fn new(messages: usize, recipients: usize) -> Tracker {
        Tracker {
            ids: Mutex::new(HashMap::with_capacity(messages)),
            recipients,
            arrivals: Mutex::new(vec![None; messages * recipients]),
            delivered: AtomicUsize::new(0),
            reconnects: AtomicUsize::new(0),
            open: AtomicUsize::new(0),
        }
    }

    /// Message `id` is message number `at`: called before it is POSTed.
    fn expect(&self, id: &str, at: usize) {
        if let Ok(mut ids) = self.ids.lock() {
            ids.insert(id.to_owned(), at);
        }
    }

    /// Recipient `recipient`'s event for message `id` arrived at `at`.
    fn arrived(&self, id: &str, recipient: usize, at: Instant) {
        let Some(message) = self.ids.lock().ok().and_then(|ids| ids.get(id).copied()) else { return };
        if let Ok(mut arrivals) = self.arrivals.lock()
            && let Some(slot) = arrivals.get_mut(message * self.recipients + recipient)
            && slot.is_none()
        {
            *slot = Some(at);
            self.delivered.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The arrivals of message `message`, one per recipient.
    fn of(&self, message: usize) -> Vec<Option<Instant>> {
        let start = message * self.recipients;
        let arrivals = self.arrivals.lock();
        arrivals.ok().and_then(|a| a.get(start..start + self.recipients).map(<[_]>::to_vec)).unwrap_or_default()
    }

    /// Waits until `done` holds, or nothing new arrived for [`PATIENCE`].
    async fn wait(&self, done: impl Fn(&Tracker) -> bool) {
        let (mut last, mut since) = (self.delivered.load(Ordering::Relaxed), Instant::now());
        while !done(self) {
            tokio::time::sleep(Duration::from_millis(2)).await;
            let now = self.delivered.load(Ordering::Relaxed);
            if now != last {
                (last, since) = (now, Instant::now());
            } else if since.elapsed() > PATIENCE {
                return;
            }
        }
    }
}

/// Follows one agency's event stream (recipient number `recipient` of
/// `tracker`) until aborted, noting each `message.received` event; opens it
/// again after the last event seen if the server ends it.
async fn follow(
    client: reqwest::Client,
    base: String,
    token: String,
    recipient: usize,
    tracker: Arc<Tracker>,
) -> anyhow::Result<()> {
    let mut last_id: Option<String> = None;
    let mut first = true;
    loop {
        let mut req = client.get(format!("{base}/v1/events")).bearer_auth(&token);
        if let Some(id) = &last_id {
            req = req.header("Last-Event-ID", id.as_str());
        }
        let mut resp = req.send().await?.error_for_status().context("opening an event stream")?;
        if first {
            // The server subscribes before it answers: from here on, no
            // event for this agency is missed.
            tracker.open.fetch_add(1, Ordering::Relaxed);
            first = false;
        }
        let mut pending = String::new();
        while let Ok(Some(chunk)) = resp.chunk().await {
            let at = Instant::now();
            pending.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(end) = pending.find("\n\n") {
                let frame: String = pending.drain(..end + 2).collect();
                let (mut kind, mut data) = ("", String::new());
                for line in frame.lines() {
                    if let Some(v) = line.strip_prefix("id:") {
                        last_id = Some(v.trim().to_owned());
                    } else if let Some(v) = line.strip_prefix("event:") {
                        kind = v.trim();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim_start());
                    }
                }
                if kind == "message.received"
                    && let Ok(event) = serde_json::from_str::<Value>(&data)
                    && let Some(id) = event["data"]["id"].as_str()
                {
                    tracker.arrived(id, recipient, at);
                }
            }
        }
        tracker.reconnects.fetch_add(1, Ordering::Relaxed);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Event streams followed until dropped.
struct Followers(Vec<tokio::task::JoinHandle<anyhow::Result<()>>>);

impl Followers {
    /// Opens the streams of `agencies` (recipient `i` is `agencies[i]`) and
    /// waits until every one is open.
    async fn open(
        client: &reqwest::Client,
        base: &str,
        agencies: &[&Agency],
        tracker: &Arc<Tracker>,
    ) -> anyhow::Result<Followers> {
        let tasks = agencies
            .iter()
            .enumerate()
            .map(|(i, a)| tokio::spawn(follow(client.clone(), base.to_owned(), a.officer.clone(), i, tracker.clone())))
            .collect();
        let mut followers = Followers(tasks);
        let deadline = Instant::now() + PATIENCE;
        while tracker.open.load(Ordering::Relaxed) < agencies.len() {
            if let Some(i) = followers.0.iter().position(|t| t.is_finished()) {
                let why = match followers.0.swap_remove(i).await {
                    Ok(Err(e)) => format!("{e:#}"),
                    Ok(Ok(())) => "it ended".to_owned(),
                    Err(e) => e.to_string(),
                };
                bail!("an event stream did not open: {why}");
            }
            if Instant::now() > deadline {
                bail!("event streams not open within {PATIENCE:?}");
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        Ok(followers)
    }
}

impl Drop for Followers {
    fn drop(&mut self) {
        self.0.iter().for_each(|t| t.abort());
    }
}

/// A body of `bytes` bytes of text.
fn body(bytes: usize) -> String {
    const TEXT: &str = "Subject seen boarding the night ferry; informant confirms the ledger line. ";
    TEXT.chars().cycle().take(bytes).collect()
}

/// Seals `payload` on a blocking thread (so the event streams keep being
/// read meanwhile); the envelope and how long sealing took.
async fn seal(
    from: &Arc<KeyFile>,
    draft: Draft,
    to: &Arc<Vec<PublicKey>>,
    payload: &Arc<Payload>,
) -> anyhow::Result<(Envelope, Duration)> {
    let (from, to, payload) = (from.clone(), to.clone(), payload.clone());
    tokio::task::spawn_blocking(move || {
        let t = Instant::now();
        let envelope = tocsin_envelope::seal(&from, draft, &to, &payload, OffsetDateTime::now_utc())?;
        Ok((envelope, t.elapsed()))
    })
    .await?
}

/// One message of the throughput run as the sender saw it.
struct Sent {
    at: usize,
    seal: Duration,
    /// Just before the POST.
    posted: Instant,
    answered: Instant,
    bytes: usize,
}

/// The throughput run: `args.messages` messages from `sender` to `to`.
async fn throughput(
    client: &reqwest::Client,
    base: &str,
    sender: &Agency,
    to: &[&Agency],
    args: &MessagesArgs,
) -> anyhow::Result<Throughput> {
    let (n, r) = (args.messages, to.len());
    let tracker = Arc::new(Tracker::new(n, r));
    let followers = Followers::open(client, base, to, &tracker).await?;
    let public: Arc<Vec<PublicKey>> = Arc::new(to.iter().map(|a| a.keys.current().public()).collect());
    let payload = Arc::new(Payload {
        subject: "Throughput probe".into(),
        body: body(args.payload_bytes),
        caveats: vec![],
        attachments: vec![],
        diffusion: None,
    });
    let next = Arc::new(AtomicUsize::new(0));
    let workers: Vec<_> = (0..args.concurrency.max(1))
        .map(|_| {
            let (client, url, token) = (client.clone(), format!("{base}/v1/messages"), sender.officer.clone());
            let (keys, public, payload, next, tracker) =
                (sender.keys.clone(), public.clone(), payload.clone(), next.clone(), tracker.clone());
            tokio::spawn(async move {
                let (mut sent, mut failed) = (vec![], vec![]);
                loop {
                    let at = next.fetch_add(1, Ordering::Relaxed);
                    if at >= n {
                        break;
                    }
                    let (envelope, seal) = seal(&keys, Draft::default(), &public, &payload).await?;
                    let bytes = serde_json::to_vec(&envelope)?;
                    tracker.expect(&envelope.header.id, at);
                    let posted = Instant::now();
                    let answer = client
                        .post(&url)
                        .bearer_auth(&token)
                        .header("content-type", "application/json")
                        .body(bytes.clone())
                        .send()
                        .await;
                    let answered = Instant::now();
                    match answer {
                        Ok(a) if a.status() == reqwest::StatusCode::CREATED => {
                            let _ = a.bytes().await;
                            sent.push(Sent { at, seal, posted, answered, bytes: bytes.len() });
                        }
                        Ok(a) => failed.push(format!("{} {}", a.status(), a.text().await.unwrap_or_default())),
                        Err(e) => failed.push(e.to_string()),
                    }
                }
                anyhow::Ok((sent, failed))
            })
        })
        .collect();
    let (mut sent, mut failures) = (vec![], vec![]);
    for w in futures::future::join_all(workers).await {
        let (s, f) = w??;
        sent.extend(s);
        failures.extend(f);
    }
    if sent.is_empty() {
        bail!("no message was sent: {}", failures.first().map_or("", String::as_str));
    }
    sent.sort_by_key(|s| s.at);
    let expected = sent.len() * r;
    tracker.wait(|t| t.delivered.load(Ordering::Relaxed) >= expected).await;
    drop(followers);

    let first = sent.iter().map(|s| s.posted).min().context("no message was sent")?;
    let last_answer = sent.iter().map(|s| s.answered).max().unwrap_or(first);
    let arrivals = tracker.arrivals.lock().map(|a| a.clone()).unwrap_or_default();
    let mut delays = vec![];
    let mut after_answer = vec![];
    let mut last_event = first;
    for s in &sent {
        for a in arrivals.get(s.at * r..(s.at + 1) * r).unwrap_or_default().iter().flatten() {
            delays.push(a.saturating_duration_since(s.posted));
            after_answer.push(a.saturating_duration_since(s.answered));
            last_event = last_event.max(*a);
        }
    }
    let delivered = delays.len();
    let seal_mean_us = sent.iter().map(|s| s.seal.as_secs_f64()).sum::<f64>() * 1e6 / sent.len() as f64;
    Ok(Throughput {
        messages: n,
        recipients: r,
        concurrency: args.concurrency.max(1),
        payload_bytes: args.payload_bytes,
        sent: sent.len(),
        failed: failures.len(),
        first_failure: failures.into_iter().next(),
        sent_per_s: sent.len() as f64 / (last_answer - first).as_secs_f64(),
        delivered,
        expected,
        delivered_per_s: delivered as f64 / (last_event - first).as_secs_f64(),
        seal_mean_us,
        seal: Percentiles::of(sent.iter().map(|s| s.seal)),
        envelope_bytes: sent.first().map_or(0, |s| s.bytes),
        post: Percentiles::of(sent.iter().map(|s| s.answered - s.posted)),
        delay: Percentiles::of(delays.into_iter()),
        after_answer: Percentiles::of(after_answer.into_iter()),
        reconnects: tracker.reconnects.load(Ordering::Relaxed),
    })
}

/// The diffusion run: `args.diffusions` information diffusions from
/// `sender` to `to` (every other agency, GS included), one after the other.
async fn diffusions(
    client: &reqwest::Client,
    base: &str,
    sender: &Agency,
    to: &[&Agency],
    args: &MessagesArgs,
) -> anyhow::Result<(Vec<Diffusion>, usize)> {
    let (n, r) = (args.diffusions, to.len());
    let tracker = Arc::new(Tracker::new(n, r));
    let followers = Followers::open(client, base, to, &tracker).await?;
    let public: Arc<Vec<PublicKey>> = Arc::new(to.iter().map(|a| a.keys.current().public()).collect());
    let mut out = vec![];
    for k in 0..n {
        let payload = Arc::new(Payload {
            subject: format!("Information diffusion {k}"),
            body: body(args.payload_bytes),
            caveats: vec![],
            attachments: vec![],
            diffusion: Some(DiffusionContent::Information {
                purpose: "Collect information on a courier network active in several regions".into(),
            }),
        });
        let draft = Draft { diffusion: Some(DiffusionKind::Information), ..Draft::default() };
        let (envelope, seal) = seal(&sender.keys, draft, &public, &payload).await?;
        let bytes = serde_json::to_vec(&envelope)?;
        tracker.expect(&envelope.header.id, k);
        let posted = Instant::now();
        let answer = client
            .post(format!("{base}/v1/messages"))
            .bearer_auth(&sender.officer)
            .header("content-type", "application/json")
            .body(bytes.clone())
            .send()
            .await?;
        let answered = Instant::now();
        let status = answer.status();
        if status != reqwest::StatusCode::CREATED {
            bail!("diffusion {k}: {status} {}", answer.text().await.unwrap_or_default());
        }
        tracker.wait(|t| t.of(k).iter().all(Option::is_some)).await;
        let arrivals = tracker.of(k);
        let last = arrivals.iter().flatten().max().copied().unwrap_or(posted);
        out.push(Diffusion {
            seal_ms: seal.as_secs_f64() * 1000.0,
            envelope_bytes: bytes.len(),
            post_ms: (answered - posted).as_secs_f64() * 1000.0,
            last_event_ms: (last - posted).as_secs_f64() * 1000.0,
            delivered: arrivals.iter().flatten().count(),
            recipients: r,
        });
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let reconnects = tracker.reconnects.load(Ordering::Relaxed);
    drop(followers);
    Ok((out, reconnects))
}

/// `tocsin-bench messages`.
pub(crate) async fn run(args: &MessagesArgs) -> anyhow::Result<()> {
    if args.agencies < 2 || args.agencies > tocsin_envelope::MAX_RECIPIENTS {
        bail!(
            "--agencies must be 2 to {} (a diffusion goes to all but the sender, and GS)",
            tocsin_envelope::MAX_RECIPIENTS
        );
    }
    if args.recipients == 0 || args.recipients >= args.agencies {
        bail!("--recipients must be 1 to --agencies - 1");
    }
    if args.messages == 0 || args.diffusions == 0 {
        bail!("--messages and --diffusions must be at least 1");
    }
    let bin = std::fs::canonicalize(&args.bin).with_context(|| format!("--bin {}", args.bin.display()))?;
    let countries = codes(args.agencies)?;
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("data");
    let mut setup = Setup::default();
    let (bin2, data2) = (bin.clone(), data.clone());
    let (agencies, mut setup) = tokio::task::spawn_blocking(move || {
        let agencies = set_up(&bin2, &data2, &countries, &mut setup)?;
        anyhow::Ok((agencies, setup))
    })
    .await??;

    let t = Instant::now();
    let server = Server::start(&bin, &data, dir.path().join("server.log"))?;
    setup.server_start_s = t.elapsed().as_secs_f64();
    let base = server.base.clone();
    let client = reqwest::Client::builder().pool_max_idle_per_host(args.agencies + args.concurrency + 16).build()?;
    let t = Instant::now();
    publish_keys(&client, &base, &agencies).await?;
    setup.keys_published_s = t.elapsed().as_secs_f64();

    // agencies[0] is GS, agencies[1] the sender, then the other countries.
    let sender = agencies.get(1).context("no sender")?;
    let plain: Vec<&Agency> = agencies[2..].iter().take(args.recipients).collect();
    let throughput = throughput(&client, &base, sender, &plain, args).await?;
    let everyone: Vec<&Agency> = agencies.iter().filter(|a| a.code != sender.code).collect();
    let (diffusions, diffusion_reconnects) = diffusions(&client, &base, sender, &everyone, args).await?;
    let server_peak_rss_mib = server.peak_rss_mib();
    drop(server);

    let mut lasts: Vec<f64> = diffusions.iter().map(|d| d.last_event_ms).collect();
    lasts.sort_by(f64::total_cmp);
    let report = Report {
        command: std::env::args().collect::<Vec<_>>().join(" "),
        agencies: args.agencies,
        setup,
        throughput,
        diffusion_last_event_median_ms: lasts.get(lasts.len() / 2).copied().unwrap_or(0.0),
        diffusions,
        diffusion_reconnects,
        server_peak_rss_mib,
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print(&report);
    }
    Ok(())
}

/// The report as text.
fn print(r: &Report) {
    let s = &r.setup;
    println!("{}", r.command);
    println!(
        "setup: {} country agencies + GS; init {:.1} s, agencies {:.1} s, tokens {:.1} s ({} CLI processes), key files {:.2} s, server start {:.1} s, keys published {:.2} s",
        r.agencies,
        s.init_s,
        s.agencies_s,
        s.tokens_s,
        s.cli_processes,
        s.key_files_s,
        s.server_start_s,
        s.keys_published_s
    );
    let t = &r.throughput;
    println!(
        "messages: {} to {} recipients, {} in flight, {} B body, envelope {} B: {} sent ({} failed{}), {:.0} messages/s sent",
        t.messages,
        t.recipients,
        t.concurrency,
        t.payload_bytes,
        t.envelope_bytes,
        t.sent,
        t.failed,
        t.first_failure.as_deref().map(|f| format!(": {f}")).unwrap_or_default(),
        t.sent_per_s
    );
    println!(
        "  deliveries: {} of {} events, {:.0} deliveries/s (first POST to last event); {} streams reopened",
        t.delivered, t.expected, t.delivered_per_s, t.reconnects
    );
    println!("  seal: mean {:.0} µs/message; {}", t.seal_mean_us, t.seal.text());
    println!("  POST to 201: {}", t.post.text());
    println!("  POST to event (delay): {} (goal p99 ≤ 100 ms)", t.delay.text());
    println!("  201 to event: {}", t.after_answer.text());
    for (i, d) in r.diffusions.iter().enumerate() {
        println!(
            "diffusion {}: to {} agencies, envelope {} B, seal {:.1} ms, POST to 201 {:.1} ms, POST to last event {:.1} ms ({} of {} delivered)",
            i + 1,
            d.recipients,
            d.envelope_bytes,
            d.seal_ms,
            d.post_ms,
            d.last_event_ms,
            d.delivered,
            d.recipients
        );
    }
    println!(
        "diffusion: median POST to last event {:.1} ms (goal ≤ 1000 ms); {} streams reopened",
        r.diffusion_last_event_median_ms, r.diffusion_reconnects
    );
    if let Some(rss) = r.server_peak_rss_mib {
        println!("server peak RSS (VmHWM): {rss:.0} MiB");
    }
}

#[cfg(test)]
mod tests {
    use tocsin_core::AgencyCode;

    #[test]
    fn codes_are_distinct_countries_that_parse() {
        let codes = super::codes(196).expect("196 codes");
        assert_eq!(codes.len(), 196);
        assert!(!codes.contains(&AgencyCode::GS));
        let mut sorted = codes;
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), 196, "distinct");
        assert!(super::codes(400).is_err(), "there are not 400 country codes");
    }

    #[test]
    fn a_body_has_the_bytes_asked_for() {
        assert_eq!(super::body(2048).len(), 2048);
        assert_eq!(super::body(0), "");
    }
}
