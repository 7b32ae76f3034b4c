//! `tocsin-bench soak`: a steady open-loop load for a long time, with the
//! server's resident memory and the latency percentiles written once per
//! window, to see whether either drifts.
//!
//! Requests are sent on a fixed schedule (`--rate` per second) whether or
//! not earlier ones were answered, each on a task of its own, so a server
//! that falls behind shows it in the percentiles (its queue is inside each
//! latency, measured from the send) instead of slowing the load down (no
//! coordinated omission). A request that finds `--in-flight` requests
//! already waiting is not sent and is counted as shed.

use std::io::Write as _;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::{Value, json};
use tokio::sync::Semaphore;

use crate::{fetch_records, loopback, quantile, screening};

/// A soak run.
#[derive(clap::Args)]
pub(crate) struct SoakArgs {
    /// Server base URL (loopback).
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
    /// An officer token that screens.
    #[arg(long)]
    token: String,
    /// An admin token of an agency that writes: one request in
    /// `--write-every` creates a record, and the next write archives it.
    #[arg(long)]
    writer: Option<String>,
    #[arg(long, default_value_t = 50)]
    write_every: u64,
    /// Requests per second, spread evenly.
    #[arg(long)]
    rate: f64,
    /// How long to run, seconds.
    #[arg(long, default_value_t = 3600)]
    seconds: u64,
    /// Length of one reporting window, seconds.
    #[arg(long, default_value_t = 60)]
    window: u64,
    /// The server's process id, for its resident memory (`/proc/PID/status`).
    #[arg(long)]
    pid: u32,
    /// The travellers screened (`yente_negatives_global_synthetic.csv`);
    /// one request in `--listed-every` names a stored person instead (a hit).
    #[arg(long)]
    travellers: PathBuf,
    #[arg(long, default_value_t = 100)]
    listed_every: usize,
    /// Requests waiting at most; one due beyond that is shed.
    #[arg(long, default_value_t = 512)]
    in_flight: usize,
    /// Where the windows go (CSV).
    #[arg(long)]
    out: PathBuf,
}

/// What one window saw.
#[derive(Default)]
struct Window {
    /// Latencies of the answered requests, µs.
    latencies: Vec<u32>,
    errors: u64,
}

/// A server's resident memory, KiB, from `/proc/PID/status`.
fn rss_kib(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).with_context(|| format!("process {pid}"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .context("no VmRSS line")
}

/// What the summary compares, one value per window.
#[derive(Default)]
struct Series {
    rss_kib: Vec<f64>,
    p99_us: Vec<f64>,
}

/// One write: a record created, or the last one created archived.
async fn write(client: &reqwest::Client, url: &str, token: &str, n: u64, last: &Mutex<Option<String>>) -> bool {
    let previous = last.lock().ok().and_then(|mut l| l.take());
    let sent = match previous {
        Some(id) => client.delete(format!("{url}/v1/records/{id}?version=1")).bearer_auth(token).send().await,
        None => {
            let record = json!({
                "kind": "person",
                "names": [{"full": format!("Soak Writer Number{n}"), "type": "primary"}],
                "handling": {"code": "discreet_check"},
                "access": {"mode": "all"},
            });
            let answer = client.post(format!("{url}/v1/records")).bearer_auth(token).json(&record).send().await;
            match answer {
                Ok(r) if r.status().is_success() => {
                    let id = r.json::<Value>().await.ok().and_then(|v| v["id"].as_str().map(str::to_owned));
                    if let (Some(id), Ok(mut l)) = (id, last.lock()) {
                        *l = Some(id);
                    }
                    return true;
                }
                other => other,
            }
        }
    };
    sent.is_ok_and(|r| r.status().is_success())
}

pub(crate) async fn run(args: &SoakArgs) -> anyhow::Result<()> {
    loopback(&args.url)?;
    if args.rate.is_nan() || args.rate <= 0.0 {
        bail!("--rate must be above 0");
    }
    rss_kib(args.pid)?;
    let client = reqwest::Client::builder().pool_max_idle_per_host(args.in_flight).build()?;
    let stored = fetch_records(&client, &args.url, &args.token, 2000).await?;
    let listed_every = args.listed_every.max(1);
    let travellers = screening::rows(&args.travellers)?;
    let bodies: Arc<Vec<Value>> = Arc::new(
        travellers
            .iter()
            .enumerate()
            .map(|(i, t)| match (i % listed_every, stored.is_empty()) {
                (0, false) => json!({"name": stored[(i / listed_every) % stored.len()]["names"][0]["full"]}),
                _ => json!({"name": t.name, "birth_date": t.birth_date, "nationality": t.nationality}),
            })
            .collect(),
    );
    if bodies.is_empty() {
        bail!("no travellers in {}", args.travellers.display());
    }

    let window = Arc::new(Mutex::new(Window::default()));
    let shed = Arc::new(AtomicU64::new(0));
    let writes_failed = Arc::new(AtomicU64::new(0));
    let last_written = Arc::new(Mutex::new(None));
    let gate = Arc::new(Semaphore::new(args.in_flight));
    let mut out = std::fs::File::create(&args.out).with_context(|| format!("creating {}", args.out.display()))?;
    writeln!(out, "elapsed_s,answered,errors,shed,p50_ms,p99_ms,max_ms,rss_mib")?;
    println!(
        "{:>8} {:>9} {:>7} {:>6} {:>8} {:>8} {:>9} {:>8}",
        "elapsed", "answered", "errors", "shed", "p50 ms", "p99 ms", "max ms", "RSS MiB"
    );

    let start = tokio::time::Instant::now();
    let period = Duration::from_secs_f64(1.0 / args.rate);
    let end = start + Duration::from_secs(args.seconds);
    let mut next_report = start + Duration::from_secs(args.window);
    let mut n: u64 = 0;
    let mut series = Series::default();
    loop {
        let due = start + period.mul_f64(n as f64);
        if due >= end {
            break;
        }
        while due >= next_report {
            report(args, &window, &shed, start, next_report, &mut out, &mut series)?;
            next_report += Duration::from_secs(args.window);
        }
        tokio::time::sleep_until(due).await;
        n += 1;
        let Ok(permit) = gate.clone().try_acquire_owned() else {
            shed.fetch_add(1, Ordering::Relaxed);
            continue;
        };
        let (client, window, bodies, url, sent) =
            (client.clone(), window.clone(), bodies.clone(), args.url.clone(), Instant::now());
        let is_write = args.writer.is_some() && n.is_multiple_of(args.write_every.max(1));
        let (token, writer) = (args.token.clone(), args.writer.clone());
        let (last_written, writes_failed) = (last_written.clone(), writes_failed.clone());
        tokio::spawn(async move {
            let ok = match (is_write, writer) {
                (true, Some(writer)) => {
                    let ok = write(&client, &url, &writer, n, &last_written).await;
                    if !ok {
                        writes_failed.fetch_add(1, Ordering::Relaxed);
                    }
                    ok
                }
                _ => {
                    let body = &bodies[(n as usize) % bodies.len()];
                    match client.post(format!("{url}/v1/screen")).bearer_auth(&token).json(body).send().await {
                        Ok(r) if r.status().is_success() => r.bytes().await.is_ok(),
                        _ => false,
                    }
                }
            };
            let latency = sent.elapsed().as_micros().min(u128::from(u32::MAX)) as u32;
            if let Ok(mut w) = window.lock() {
                if ok {
                    w.latencies.push(latency);
                } else {
                    w.errors += 1;
                }
            }
            drop(permit);
        });
    }
    // Let the last requests finish, then report the last window.
    let _ = gate.acquire_many(args.in_flight as u32).await;
    report(args, &window, &shed, start, end, &mut out, &mut series)?;
    summarize(&series, writes_failed.load(Ordering::Relaxed));
    Ok(())
}

/// Writes and prints the window that ends at `at`, and starts the next.
fn report(
    args: &SoakArgs,
    window: &Mutex<Window>,
    shed: &AtomicU64,
    start: tokio::time::Instant,
    at: tokio::time::Instant,
    out: &mut std::fs::File,
    series: &mut Series,
) -> anyhow::Result<()> {
    let Window { mut latencies, errors } =
        std::mem::take(&mut *window.lock().map_err(|_| anyhow::anyhow!("a worker panicked"))?);
    latencies.sort_unstable();
    let shed = shed.swap(0, Ordering::Relaxed);
    let rss = rss_kib(args.pid)?;
    let elapsed = (at - start).as_secs();
    let ms = |us: u32| f64::from(us) / 1000.0;
    let (p50, p99, max) =
        (quantile(&latencies, 0.5), quantile(&latencies, 0.99), latencies.last().copied().unwrap_or(0));
    writeln!(
        out,
        "{elapsed},{},{errors},{shed},{:.2},{:.2},{:.2},{:.1}",
        latencies.len(),
        ms(p50),
        ms(p99),
        ms(max),
        rss as f64 / 1024.0
    )?;
    out.flush()?;
    println!(
        "{elapsed:>7}s {:>9} {errors:>7} {shed:>6} {:>8.2} {:>8.2} {:>9.2} {:>8.1}",
        latencies.len(),
        ms(p50),
        ms(p99),
        ms(max),
        rss as f64 / 1024.0
    );
    series.rss_kib.push(rss as f64);
    series.p99_us.push(f64::from(p99));
    Ok(())
}

/// Compares the first windows after warm-up with the last ones: drift of
/// resident memory and of p99 latency, in per cent.
fn summarize(series: &Series, writes_failed: u64) {
    for (what, values) in [("resident memory", &series.rss_kib), ("p99 latency", &series.p99_us)] {
        // The first window warms up caches and the allocator: left out.
        let steady = values.get(1..).unwrap_or_default();
        let sixth = (steady.len() / 6).max(1);
        if steady.len() < 2 * sixth {
            println!("too short to compare the start with the end");
            return;
        }
        let mean = |part: &[f64]| part.iter().sum::<f64>() / part.len() as f64;
        let (a, b) = (mean(&steady[..sixth]), mean(&steady[steady.len() - sixth..]));
        println!(
            "{what}: first {sixth} windows after warm-up {a:.0}, last {sixth} {b:.0}: {:+.1} %",
            100.0 * (b - a) / a.max(1.0)
        );
    }
    println!("writes refused or failed: {writes_failed}");
}
