//! What hits and events cost, measured over HTTP against a running server.
//!
//! `hits`: the same screening requests from two agencies, one whose hit
//! threshold makes (nearly) every request hit and one whose threshold (set
//! to 1 with `tocsin agency set … --hit-threshold 1`) makes none, so the
//! engine does the same work and only the hits differ.
//!
//! `events`: `--subscribers` clients follow the owner agency's event stream
//! while the searcher screens with hits; counts the events delivered per
//! second and how long after the hit each arrived.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::bail;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::{fetch_records, load, loopback};

#[derive(clap::Args)]
pub(crate) struct HitsArgs {
    /// Server base URL; must be a loopback address.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
    /// An officer token of the agency whose screenings hit.
    #[arg(long)]
    token: String,
    /// An officer token of an agency with hit threshold 1 (no hits).
    #[arg(long)]
    quiet_token: String,
    /// The server's monitoring token (`monitor.token` in its data
    /// directory), to read the hits counter on `/metrics`.
    #[arg(long)]
    monitor_token: String,
    /// Concurrent connections.
    #[arg(long, default_value_t = 64)]
    connections: usize,
    /// How long to run each phase, seconds.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Distinct records to build queries from.
    #[arg(long, default_value_t = 2_000)]
    records: usize,
}

#[derive(clap::Args)]
pub(crate) struct EventsArgs {
    /// Server base URL; must be a loopback address.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
    /// An officer token of the screening agency.
    #[arg(long)]
    token: String,
    /// A token of the agency that owns the records (its stream is followed).
    #[arg(long)]
    owner_token: String,
    /// The server's monitoring token (`monitor.token` in its data
    /// directory), to read the event counters on `/metrics`.
    #[arg(long)]
    monitor_token: String,
    /// Clients following the owner's event stream.
    #[arg(long, default_value_t = 100)]
    subscribers: usize,
    /// Concurrent screening connections generating hits.
    #[arg(long, default_value_t = 16)]
    connections: usize,
    /// How long to generate hits, seconds.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
}

/// The queries: each record's first name with one letter of its last part
/// doubled (`Petrov` → `Pettrov`), so the score is high but below 1.
fn queries(records: &[Value]) -> Vec<Value> {
    records
        .iter()
        .filter_map(|r| {
            let name = r["names"][0]["full"].as_str()?;
            let (head, last) = name.rsplit_once(' ')?;
            let at = last.char_indices().nth(2)?.0;
            let c = last[at..].chars().next()?;
            let typo = format!("{head} {}{c}{}", &last[..at], &last[at..]);
            Some(json!({"name": typo, "limit": 1}))
        })
        .collect()
}

/// A counter from the server's Prometheus text, summed over its labels.
async fn counter(client: &reqwest::Client, url: &str, monitor: &str, name: &str) -> anyhow::Result<f64> {
    let text =
        client.get(format!("{url}/metrics")).bearer_auth(monitor).send().await?.error_for_status()?.text().await?;
    Ok(text
        .lines()
        .filter(|l| l.starts_with(name) && l[name.len()..].starts_with(['{', ' ']))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum())
}

pub(crate) async fn hits(args: &HitsArgs) -> anyhow::Result<()> {
    loopback(&args.url)?;
    let client = reqwest::Client::builder().pool_max_idle_per_host(args.connections).build()?;
    let records = fetch_records(&client, &args.url, &args.token, args.records).await?;
    let queries = queries(&records);
    if queries.is_empty() {
        bail!("the token sees no person records with a last name of three letters or more");
    }
    let mut results = vec![];
    for (label, token) in [("no hits", &args.quiet_token), ("every request hits", &args.token)] {
        let requests = queries
            .iter()
            .filter_map(|q| client.post(format!("{}/v1/screen", args.url)).json(q).bearer_auth(token).build().ok())
            .collect();
        let before = counter(&client, &args.url, &args.monitor_token, "tocsin_hits_total").await?;
        let run = load(&client, requests, args.connections, args.seconds).await?;
        let made = counter(&client, &args.url, &args.monitor_token, "tocsin_hits_total").await? - before;
        let per_request = made / run.latencies.len().max(1) as f64;
        println!("{label}: {}; {per_request:.2} hits per request", run.summary(args.connections));
        results.push(run.per_sec());
    }
    let cost = 1.0 - results[1] / results[0];
    println!("hits cost {:.1} % of screening throughput (goal ≤ 20 %)", cost * 100.0);
    Ok(())
}

/// Follows one event stream; counts events and their delay after `time`.
async fn follow(
    client: reqwest::Client,
    url: String,
    token: String,
    got: Arc<AtomicU64>,
    all_delays: Arc<Mutex<Vec<u32>>>,
) -> anyhow::Result<()> {
    let mut resp = client.get(format!("{url}/v1/events")).bearer_auth(&token).send().await?.error_for_status()?;
    let mut delays = vec![];
    let mut pending = String::new();
    while let Some(chunk) = resp.chunk().await? {
        pending.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = pending.find("\n\n") {
            let frame: String = pending.drain(..end + 2).collect();
            let Some(at) = frame.find("\"time\":\"") else { continue };
            let rest = &frame[at + 8..];
            if let Some(t) = rest.split('"').next().and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok()) {
                let delay = OffsetDateTime::now_utc() - t;
                delays.push(delay.whole_microseconds().clamp(0, i128::from(u32::MAX)) as u32);
                got.fetch_add(1, Ordering::Relaxed);
            }
        }
        if delays.len() >= 1000
            && let Ok(mut all) = all_delays.lock()
        {
            all.append(&mut delays);
        }
    }
    Ok(())
}

pub(crate) async fn events(args: &EventsArgs) -> anyhow::Result<()> {
    loopback(&args.url)?;
    let client = reqwest::Client::builder().pool_max_idle_per_host(args.connections + args.subscribers).build()?;
    let records = fetch_records(&client, &args.url, &args.token, 2_000).await?;
    let queries = queries(&records);
    if queries.is_empty() {
        bail!("the token sees no person records with a last name of three letters or more");
    }
    let got = Arc::new(AtomicU64::new(0));
    let delays = Arc::new(Mutex::new(Vec::new()));
    let followers: Vec<_> = (0..args.subscribers)
        .map(|_| {
            let (url, token) = (args.url.clone(), args.owner_token.clone());
            tokio::spawn(follow(client.clone(), url, token, got.clone(), delays.clone()))
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let dropped_before =
        counter(&client, &args.url, &args.monitor_token, "tocsin_event_subscribers_dropped_total").await?;
    let events_before = counter(&client, &args.url, &args.monitor_token, "tocsin_events_total").await?;
    let requests = queries
        .iter()
        .filter_map(|q| client.post(format!("{}/v1/screen", args.url)).json(q).bearer_auth(&args.token).build().ok())
        .collect();
    let start = Instant::now();
    let run = load(&client, requests, args.connections, args.seconds).await?;
    // Let the streams drain, then stop following.
    let mut last = got.load(Ordering::Relaxed);
    loop {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let now = got.load(Ordering::Relaxed);
        if now == last {
            break;
        }
        last = now;
    }
    let secs = start.elapsed().as_secs_f64() - 0.5;
    followers.iter().for_each(|f| f.abort());
    let mut delays = delays.lock().map(|d| d.clone()).unwrap_or_default();
    delays.sort_unstable();
    let pct = |p: f64| delays.get(((delays.len() as f64 * p) as usize).min(delays.len().saturating_sub(1))).copied();
    let committed = counter(&client, &args.url, &args.monitor_token, "tocsin_events_total").await? - events_before;
    let dropped = counter(&client, &args.url, &args.monitor_token, "tocsin_event_subscribers_dropped_total").await?
        - dropped_before;
    let delivered = got.load(Ordering::Relaxed);
    println!("generator: {}", run.summary(args.connections));
    println!(
        "events: {committed:.0} committed (all agencies); {delivered} delivered to {} subscribers in {secs:.1} s: {:.0} events/s delivered; {dropped:.0} subscribers dropped",
        args.subscribers,
        delivered as f64 / secs
    );
    println!(
        "delivery delay after the hit: p50 {} µs, p99 {} µs",
        pct(0.5).unwrap_or_default(),
        pct(0.99).unwrap_or_default()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn queries_double_a_letter_of_the_last_name_part() {
        let records = vec![
            serde_json::json!({"names": [{"full": "Ivan Petrov"}]}),
            serde_json::json!({"names": [{"full": "Li Na"}]}),
            serde_json::json!({"names": [{"full": "Madonna"}]}),
        ];
        let q = super::queries(&records);
        assert_eq!(q, vec![serde_json::json!({"name": "Ivan Pettrov", "limit": 1})]);
    }
}
