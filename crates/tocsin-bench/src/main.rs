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
//! `tocsin-bench hits` and `tocsin-bench events` measure what hits cost
//! and how fast events reach their subscribers.
//!
//! `tocsin-bench soak` holds a fixed request rate for an hour and writes
//! the server's resident memory and latency percentiles per minute.
//!
//! `tocsin-bench infra` times the critical-infrastructure analyses in
//! process on a synthetic asset graph, against networkx.
//!
//! `tocsin-bench messages` sets up its own server with agencies and keys,
//! then times end-to-end encrypted messages and diffusions to their
//! recipients' event streams.
//!
//! `tocsin-bench reads` fetches record ids the token can see, then has
//! `--connections` workers read them by id for `--seconds`, and prints the
//! throughput and latency percentiles.

mod bio;
mod cluster;
mod engine;
mod eval;
mod heldout;
mod hits;
mod infra;
mod intel;
mod lists;
mod manifest;
mod messages;
mod screening;
mod scripts;
mod soak;

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use serde_json::Value;

/// The same allocator as the `tocsin` binary, so in-process figures are the
/// server's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    /// Name matching on held-out sets (nomenklatura's entity checks,
    /// watchman's cross-script pairs), decided at the match threshold.
    HeldOut(heldout::HeldOutArgs),
    /// Times list imports in process: the UN and OFAC files, and a
    /// synthetic FollowTheMoney file.
    Lists(lists::ListsArgs),
    /// The threat-intelligence hub's check in process: values checked against
    /// millions of stored observables.
    IntelCheck(intel::IntelArgs),
    /// Times the screening engine in process on synthetic data.
    Engine(engine::EngineArgs),
    /// Screens whole flights in process: PAXLST manifests read and every
    /// traveller screened against synthetic persons and documents.
    Manifest(manifest::ManifestArgs),
    /// Names in Arabic script against their Latin spellings: the UN list's
    /// original-script names screened against its Latin names, and word
    /// pairs.
    Scripts(scripts::ScriptsArgs),
    /// Screens the yente UN fixtures: Recall@5 of perturbed queries and the
    /// hit rate of synthetic non-listed people.
    Screening(screening::ScreeningArgs),
    /// POST /v1/screen with the first name of person records the token
    /// sees, as fast as the server answers.
    Screens(LoadArgs),
    /// The same screenings from an agency whose every request hits and from
    /// one whose threshold (1) makes none: what hits cost.
    Hits(hits::HitsArgs),
    /// Screening with hits while subscribers follow the owner's event
    /// stream: events delivered per second.
    Events(hits::EventsArgs),
    /// GET /v1/records/{id} of person records the token sees, as fast as the
    /// server answers.
    Reads(LoadArgs),
    /// Writes records on one cluster node and times how long until another
    /// node's screening finds them.
    Propagation(cluster::PropagationArgs),
    /// A steady open-loop screening load with writes for a long time; the
    /// server's resident memory and latency percentiles per window (CSV).
    Soak(soak::SoakArgs),
    /// The biometric search layer in process: the exact face scan (and an
    /// HNSW graph) over synthetic structured templates, and the minutiae
    /// matcher's comparisons per second.
    Bio(bio::BioArgs),
    /// Critical-infrastructure analysis in process on a synthetic asset
    /// graph: the single-point-of-failure report, a what-if cascade and the
    /// N-1 sweep, with networkx on the same graph as the yardstick.
    Infra(infra::InfraArgs),
    /// Sets up a server with agencies and published keys, then times
    /// sealed messages to a few recipients (throughput, delay to each
    /// recipient's event) and diffusions to every agency.
    Messages(messages::MessagesArgs),
}

/// A load run against a server on loopback.
#[derive(clap::Args)]
struct LoadArgs {
    /// Server base URL; must be a loopback address. Give it once per
    /// cluster node to spread the requests over them.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: Vec<String>,
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
    /// Screens a stream of travellers instead of stored names: the people
    /// of this CSV (`yente_negatives_global_synthetic.csv`, none of them
    /// listed) with their birth dates and nationalities, and one request in
    /// `--listed-every` a stored person's name.
    #[arg(long)]
    travellers: Option<std::path::PathBuf>,
    /// With `--travellers`, one request in this many names a stored person.
    #[arg(long, default_value_t = 100)]
    listed_every: usize,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let (LoadArgs { url: urls, token, connections, seconds, records: ids, travellers, listed_every }, screen) =
        match Cli::parse().command {
            Command::Names(args) => return eval::names(&args),
            Command::HeldOut(args) => return heldout::run(&args),
            Command::Engine(args) => return engine::run(&args),
            Command::Bio(args) => return bio::run(&args),
            Command::Infra(args) => return infra::run(&args),
            Command::Manifest(args) => return manifest::run(&args),
            Command::Lists(args) => return lists::run(&args).await,
            Command::IntelCheck(args) => return intel::run(&args).await,
            Command::Screening(args) => return screening::run(&args),
            Command::Scripts(args) => return scripts::run(&args),
            Command::Hits(args) => return hits::hits(&args).await,
            Command::Events(args) => return hits::events(&args).await,
            Command::Reads(args) => (args, false),
            Command::Screens(args) => (args, true),
            Command::Propagation(args) => return cluster::propagation(&args).await,
            Command::Soak(args) => return soak::run(&args).await,
            Command::Messages(args) => return messages::run(&args).await,
        };
    urls.iter().try_for_each(|u| loopback(u))?;
    let client = reqwest::Client::builder().pool_max_idle_per_host(connections).build()?;
    let first = urls.first().context("no --url")?;
    let records = fetch_records(&client, first, &token, ids).await?;
    if records.is_empty() {
        bail!("the token sees no records");
    }
    // Reads fetch a record by id; screens look up a record's first name,
    // or screen travellers. With several nodes, consecutive requests go to
    // each in turn.
    let stored = |r: &Value| Some(serde_json::json!({"name": r["names"][0]["full"].as_str()?, "limit": 10}));
    let listed_every = listed_every.max(1);
    // Each body, and whether it names a stored person (the traveller
    // stream's share of hits, reported apart).
    let bodies: Vec<(Value, bool)> = match (&travellers, screen) {
        (Some(path), true) => screening::rows(path)?
            .iter()
            .enumerate()
            .filter_map(|(i, t)| match i % listed_every {
                0 => stored(&records[(i / listed_every) % records.len()]).map(|b| (b, true)),
                _ => Some((
                    serde_json::json!({
                        "name": t.name, "birth_date": t.birth_date, "nationality": t.nationality, "limit": 10
                    }),
                    false,
                )),
            })
            .collect(),
        (None, true) => records.iter().filter_map(stored).map(|b| (b, true)).collect(),
        (_, false) => vec![],
    };
    let requests: Vec<(reqwest::Request, bool)> = if screen {
        bodies
            .iter()
            .flat_map(|b| urls.iter().map(move |url| (b, url)))
            .filter_map(|((b, listed), url)| {
                Some((client.post(format!("{url}/v1/screen")).json(b).bearer_auth(&token).build().ok()?, *listed))
            })
            .collect()
    } else {
        records
            .iter()
            .flat_map(|r| urls.iter().map(move |url| (r, url)))
            .filter_map(|(r, url)| {
                Some((
                    client.get(format!("{url}/v1/records/{}", r["id"].as_str()?)).bearer_auth(&token).build().ok()?,
                    false,
                ))
            })
            .collect()
    };
    let (requests, listed): (Vec<_>, Vec<bool>) = requests.into_iter().unzip();
    let run = load(&client, requests, connections, seconds).await?;
    println!("{}: {}", if screen { "screens" } else { "reads" }, run.summary(connections));
    if travellers.is_some() && screen {
        let names = run.part(|i| listed[i]);
        let others = run.part(|i| !listed[i]);
        println!("   of which travellers: {}", others.summary(connections));
        println!("   of which stored names: {}", names.summary(connections));
    }
    Ok(())
}

/// Refuses a URL that is not on loopback: the benchmarks load a server hard.
pub(crate) fn loopback(url: &str) -> anyhow::Result<()> {
    if !(url.starts_with("http://127.") || url.starts_with("http://localhost") || url.starts_with("http://[::1]")) {
        bail!("--url must be a loopback address");
    }
    Ok(())
}

/// What a load run measured.
pub(crate) struct Run {
    /// Latency of each successful request, µs, sorted.
    pub(crate) latencies: Vec<u32>,
    /// Each successful request's position in the list sent, with its
    /// latency (µs), in the order answered.
    pub(crate) samples: Vec<(usize, u32)>,
    pub(crate) errors: u64,
    pub(crate) secs: f64,
}

impl Run {
    /// A run of these samples (request position, latency in µs).
    pub(crate) fn new(samples: Vec<(usize, u32)>, errors: u64, secs: f64) -> Run {
        let mut latencies: Vec<u32> = samples.iter().map(|(_, l)| *l).collect();
        latencies.sort_unstable();
        Run { latencies, samples, errors, secs }
    }

    /// The same run restricted to the requests `keep` selects by position
    /// (errors are not split, so the part reports none).
    pub(crate) fn part(&self, keep: impl Fn(usize) -> bool) -> Run {
        Run::new(self.samples.iter().copied().filter(|(i, _)| keep(*i)).collect(), 0, self.secs)
    }

    pub(crate) fn per_sec(&self) -> f64 {
        self.latencies.len() as f64 / self.secs
    }

    pub(crate) fn pct(&self, p: f64) -> u32 {
        quantile(&self.latencies, p)
    }

    pub(crate) fn summary(&self, connections: usize) -> String {
        format!(
            "{} ok, {} errors in {:.1} s with {connections} connections: {:.0} req/s; latency p50 {} µs, p99 {} µs, max {} µs",
            self.latencies.len(),
            self.errors,
            self.secs,
            self.per_sec(),
            self.pct(0.50),
            self.pct(0.99),
            self.latencies.last().copied().unwrap_or(0)
        )
    }
}

/// The `p` quantile of sorted latencies (0 for none).
pub(crate) fn quantile(sorted: &[u32], p: f64) -> u32 {
    sorted.get(((sorted.len() as f64 * p) as usize).min(sorted.len().saturating_sub(1))).copied().unwrap_or(0)
}

/// Sends `requests` round-robin from `connections` workers for `seconds`.
pub(crate) async fn load(
    client: &reqwest::Client,
    requests: Vec<reqwest::Request>,
    connections: usize,
    seconds: u64,
) -> anyhow::Result<Run> {
    if requests.is_empty() {
        bail!("no requests to send");
    }
    let requests = std::sync::Arc::new(requests);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let workers = (0..connections).map(|w| {
        let (client, requests) = (client.clone(), requests.clone());
        tokio::spawn(async move {
            let (mut lat, mut errors, mut i) = (Vec::new(), 0u64, w * 7919);
            while Instant::now() < deadline {
                let at = i % requests.len();
                let Some(req) = requests[at].try_clone() else { break };
                i += 1;
                let t = Instant::now();
                match client.execute(req).await {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                        lat.push((at, t.elapsed().as_micros() as u32));
                    }
                    _ => errors += 1,
                }
            }
            (lat, errors)
        })
    });
    let start = Instant::now();
    let mut samples = Vec::new();
    let mut errors = 0;
    for w in futures::future::join_all(workers).await {
        let (lat, e) = w?;
        samples.extend(lat);
        errors += e;
    }
    Ok(Run::new(samples, errors, start.elapsed().as_secs_f64()))
}

pub(crate) async fn fetch_records(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    want: usize,
) -> anyhow::Result<Vec<Value>> {
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

/// This process's resident memory, MiB (Linux).
pub(crate) fn rss_mib() -> f64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages = statm.split_whitespace().nth(1).and_then(|p| p.parse::<u64>().ok()).unwrap_or(0);
    (pages * 4096) as f64 / (1024.0 * 1024.0)
}

#[cfg(test)]
mod tests {
    use super::{Run, quantile};

    #[test]
    fn quantiles_of_sorted_latencies() {
        let sorted: Vec<u32> = (1..=100).collect();
        assert_eq!(quantile(&sorted, 0.5), 51);
        assert_eq!(quantile(&sorted, 0.99), 100);
        assert_eq!(quantile(&[], 0.99), 0);
    }

    #[test]
    fn a_part_keeps_only_the_requests_it_selects_sorted() {
        // Requests 0 and 2 are one kind, 1 the other; answered out of order.
        let run = Run::new(vec![(2, 30), (1, 500), (0, 10), (2, 20), (1, 400)], 3, 2.0);
        let even = run.part(|i| i % 2 == 0);
        assert_eq!(even.latencies, vec![10, 20, 30]);
        assert_eq!(even.samples.len(), 3);
        assert_eq!(even.errors, 0, "errors are not split between parts");
        assert!((even.per_sec() - 1.5).abs() < 1e-9, "a part's rate is over the whole run's time");
        let odd = run.part(|i| i % 2 == 1);
        assert_eq!(odd.latencies, vec![400, 500]);
        assert_eq!(odd.pct(0.5), 500);
    }
}
