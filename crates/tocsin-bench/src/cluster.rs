//! `tocsin-bench propagation`: how long a record written on one cluster
//! node takes to be screenable on another.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::{Value, json};

use crate::{Run, loopback};

/// Writes records on one node and times how long until another finds them.
#[derive(clap::Args)]
pub(crate) struct PropagationArgs {
    /// The node written to (loopback).
    #[arg(long)]
    from: String,
    /// The node that screens (loopback).
    #[arg(long)]
    to: String,
    /// An admin token of the agency that writes.
    #[arg(long)]
    writer: String,
    /// An officer token that screens.
    #[arg(long)]
    token: String,
    /// Records to write, one after the other.
    #[arg(long, default_value_t = 100)]
    count: usize,
}

/// Gives up on a record not found within this long.
const GIVE_UP: Duration = Duration::from_secs(10);

/// For each record: POST it on `from`, then screen its passport number on
/// `to` back to back until it is found; the time from the write's answer to
/// the first screening that finds it.
pub(crate) async fn propagation(args: &PropagationArgs) -> anyhow::Result<()> {
    loopback(&args.from)?;
    loopback(&args.to)?;
    let client = reqwest::Client::new();
    let tag = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs() % 100_000_000;
    let mut lags = Vec::with_capacity(args.count);
    let mut polls = 0u64;
    for n in 0..args.count {
        let number = format!("Z{tag:08}{n:05}");
        let record = json!({
            "kind": "person",
            "names": [{"full": format!("Propagation Probe {n}"), "type": "primary"}],
            "handling": {"code": "discreet_check"},
            "access": {"mode": "all"},
            "documents": [{"number": number, "country": "FRA", "type": "passport"}],
        });
        client
            .post(format!("{}/v1/records", args.from))
            .bearer_auth(&args.writer)
            .json(&record)
            .send()
            .await?
            .error_for_status()
            .context("writing a record")?;
        let written = Instant::now();
        loop {
            polls += 1;
            let found: Value = client
                .post(format!("{}/v1/screen", args.to))
                .bearer_auth(&args.token)
                .json(&json!({"document_number": number}))
                .send()
                .await?
                .error_for_status()
                .context("screening")?
                .json()
                .await?;
            if found["matches"].as_array().is_some_and(|m| !m.is_empty()) {
                break;
            }
            if written.elapsed() > GIVE_UP {
                bail!("record {number} written on {} not found on {} within {GIVE_UP:?}", args.from, args.to);
            }
        }
        lags.push(written.elapsed().as_micros() as u32);
    }
    let run = Run::new(lags.into_iter().map(|l| (0, l)).collect(), 0, 0.0);
    let pct = |p: f64| f64::from(run.pct(p)) / 1000.0;
    println!(
        "propagation of {} records from {} to {}: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms ({} screenings)",
        run.latencies.len(),
        args.from,
        args.to,
        pct(0.5),
        pct(0.99),
        pct(1.0),
        polls
    );
    Ok(())
}
