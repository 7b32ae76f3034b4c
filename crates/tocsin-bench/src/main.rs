//! `tocsin-bench`: measures a running Tocsin server from outside, over HTTP
//! on loopback. Kept out of the product binary.
//!
//! `tocsin-bench names` measures name-matching quality on labelled pairs
//! (precision, recall, F1, confusion per category).
//!
//! `tocsin-bench screening` measures screening quality on the yente UN
//! fixtures (Recall@5, hit rate of non-listed people).
//!
//! `tocsin-bench lists` times list imports in process.
//!
//! `tocsin-bench reads` fetches record ids the token can see, then has
//! `--connections` workers read them by id for `--seconds`, and prints the
//! throughput and latency percentiles.

mod engine;
mod eval;
mod lists;
mod screening;

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use serde_json::Value;

#[derive(Parser)]
#[command(about = "Load generator for Tocsin's benchmarks (loopback only)")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Scores labelled name pairs (nomenklatura's name_bench cases CSV) and
    /// reports precision, recall and F1, and the confusion per category.
    Names(eval::NamesArgs),
    /// Times list imports in process: the UN and OFAC files, and a
    /// synthetic FollowTheMoney file.
    Lists(lists::ListsArgs),
    /// Times the screening engine in process on synthetic data.
    Engine(engine::EngineArgs),
    /// Screens the yente UN fixtures: Recall@5 of perturbed queries and the
    /// hit rate of synthetic non-listed people.
    Screening(screening::ScreeningArgs),
    /// POST /v1/screen with the first name of person records the token
    /// sees, as fast as the server answers.
    Screens(LoadArgs),
    /// GET /v1/records/{id} of person records the token sees, as fast as the
    /// server answers.
    Reads(LoadArgs),
}

/// A load run against a server on loopback.
#[derive(clap::Args)]
struct LoadArgs {
    /// Server base URL; must be a loopback address.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
    /// An officer token.
    #[arg(long)]
    token: String,
    /// Concurrent connections.
    #[arg(long, default_value_t = 64)]
    connections: usize,
    /// How long to run, seconds.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Distinct records to cycle through.
    #[arg(long, default_value_t = 20_000)]
    records: usize,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let (LoadArgs { url, token, connections, seconds, records: ids }, screen) = match Cli::parse().command {
        Command::Names(args) => return eval::names(&args),
        Command::Engine(args) => return engine::run(&args),
        Command::Lists(args) => return lists::run(&args).await,
        Command::Screening(args) => return screening::run(&args),
        Command::Reads(args) => (args, false),
        Command::Screens(args) => (args, true),
    };
    if !(url.starts_with("http://127.") || url.starts_with("http://localhost") || url.starts_with("http://[::1]")) {
        bail!("--url must be a loopback address");
    }
    let client = reqwest::Client::builder().pool_max_idle_per_host(connections).build()?;
    let records = fetch_records(&client, &url, &token, ids).await?;
    if records.is_empty() {
        bail!("the token sees no records");
    }
    // Reads fetch a record by id; screens look up a record's first name.
    let requests: Vec<reqwest::Request> = records
        .iter()
        .filter_map(|r| {
            let b = if screen {
                let name = r["names"][0]["full"].as_str()?;
                client.post(format!("{url}/v1/screen")).json(&serde_json::json!({"name": name, "limit": 10}))
            } else {
                client.get(format!("{url}/v1/records/{}", r["id"].as_str()?))
            };
            b.bearer_auth(&token).build().ok()
        })
        .collect();
    let requests = std::sync::Arc::new(requests);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let workers = (0..connections).map(|w| {
        let (client, requests) = (client.clone(), requests.clone());
        tokio::spawn(async move {
            let (mut lat, mut errors, mut i) = (Vec::new(), 0u64, w * 7919);
            while Instant::now() < deadline {
                let Some(req) = requests[i % requests.len()].try_clone() else { break };
                i += 1;
                let t = Instant::now();
                match client.execute(req).await {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                        lat.push(t.elapsed().as_micros() as u32);
                    }
                    _ => errors += 1,
                }
            }
            (lat, errors)
        })
    });
    let start = Instant::now();
    let mut all = Vec::new();
    let mut errors = 0;
    for w in futures::future::join_all(workers).await {
        let (lat, e) = w?;
        all.extend(lat);
        errors += e;
    }
    let secs = start.elapsed().as_secs_f64();
    all.sort_unstable();
    let pct =
        |p: f64| all.get(((all.len() as f64 * p) as usize).min(all.len().saturating_sub(1))).copied().unwrap_or(0);
    println!(
        "{}: {} ok, {errors} errors in {secs:.1} s with {connections} connections: {:.0} req/s; latency p50 {} µs, p99 {} µs, max {} µs",
        if screen { "screens" } else { "reads" },
        all.len(),
        all.len() as f64 / secs,
        pct(0.50),
        pct(0.99),
        all.last().copied().unwrap_or(0)
    );
    Ok(())
}

async fn fetch_records(client: &reqwest::Client, url: &str, token: &str, want: usize) -> anyhow::Result<Vec<Value>> {
    let mut ids = Vec::new();
    let mut after = String::new();
    while ids.len() < want {
        let page: Value = client
            .get(format!("{url}/v1/records?limit=1000{after}"))
            .bearer_auth(token)
            .send()
            .await?
            .error_for_status()
            .context("listing records")?
            .json()
            .await?;
        let items = page["items"].as_array().map(Vec::as_slice).unwrap_or_default();
        ids.extend(items.iter().filter(|r| r["kind"] == "person").cloned());
        match page["next"].as_str() {
            Some(n) => after = format!("&after={n}"),
            None => break,
        }
    }
    Ok(ids)
}
