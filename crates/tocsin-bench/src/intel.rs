//! `tocsin-bench intel-check`: the threat-intelligence hub's check in
//! process on a real embedded store: `--objects` indicators, each a STIX
//! pattern comparing `--per-object` addresses (so 10,000 × 1,000 is ten
//! million stored observables), written through the hub's ingest; then the
//! correlation index built (the first check), then `--runs` checks of
//! `--values` values each, `--hits` of which are stored values, timed from
//! the call to the answer, audit entry and sightings committed.

use std::time::Instant;

use tocsin_core::AgencyCode;
use tocsin_hub::{CollectionInput, Hub};
use tocsin_store::{Actor, Store};

#[derive(clap::Args)]
pub(crate) struct IntelArgs {
    /// Indicators stored.
    #[arg(long, default_value_t = 10_000)]
    objects: usize,
    /// Addresses each indicator's pattern compares.
    #[arg(long, default_value_t = 1_000)]
    per_object: usize,
    /// Values per check.
    #[arg(long, default_value_t = 10_000)]
    values: usize,
    /// How many of a check's values are stored ones.
    #[arg(long, default_value_t = 100)]
    hits: usize,
    /// Checks timed.
    #[arg(long, default_value_t = 20)]
    runs: usize,
    /// Indicators per envelope while writing.
    #[arg(long, default_value_t = 20)]
    envelope: usize,
}

/// The `n`th stored address (IPv4, distinct for n below 2^24).
fn stored(n: usize) -> String {
    format!("10.{}.{}.{}", n >> 16 & 255, n >> 8 & 255, n & 255)
}

/// The `n`th address nothing states.
fn absent(n: usize) -> String {
    format!("100.{}.{}.{}", 64 + (n >> 16 & 63), n >> 8 & 255, n & 255)
}

pub(crate) async fn run(args: &IntelArgs) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let (store, _) = Store::init(dir.path()).await?;
    let (fra, deu) = (AgencyCode::parse("FRA")?, AgencyCode::parse("DEU")?);
    for code in [fra, deu] {
        store.add_agency(&Actor::operator(code), code, &format!("{code} bureau")).await?;
    }
    let store = std::sync::Arc::new(store);
    let hub = Hub::new(store.clone(), tocsin_hub::Options { max_content_length: 1 << 30, ..Default::default() });
    let owner = Actor::operator(fra);
    let input = CollectionInput {
        root: "bench".into(),
        title: "Bench".into(),
        description: None,
        alias: Some("bench".into()),
        readers: tocsin_core::record::AccessRule::All,
        writers: tocsin_core::record::AccessRule::Only { countries: vec![] },
    };
    hub.create_collection(&owner, input).await?;

    let started = Instant::now();
    let mut n = 0;
    for first in (0..args.objects).step_by(args.envelope.max(1)) {
        let mut objects = vec![];
        for i in first..(first + args.envelope).min(args.objects) {
            let terms: Vec<String> = (0..args.per_object)
                .map(|_| {
                    n += 1;
                    format!("ipv4-addr:value = '{}'", stored(n - 1))
                })
                .collect();
            objects.push(serde_json::json!({
                "type": "indicator", "spec_version": "2.1",
                "id": format!("indicator--{}", uuid_of(i)),
                "created": "2026-11-01T00:00:00.000Z", "modified": "2026-11-01T00:00:00.000Z",
                "name": format!("Botnet block {i}"), "pattern": format!("[{}]", terms.join(" OR ")),
                "pattern_type": "stix", "valid_from": "2026-11-01T00:00:00Z",
            }));
        }
        let body = serde_json::to_vec(&serde_json::json!({ "objects": objects }))?;
        let status = hub.post(&owner, "bench", "bench", &body).await?;
        anyhow::ensure!(status.failure_count == 0, "refused: {:?}", status.failures.first());
    }
    let write_s = started.elapsed().as_secs_f64();
    let checker = Actor::operator(deu);
    let started = Instant::now();
    hub.check(&checker, &[stored(0)]).await?;
    let build_s = started.elapsed().as_secs_f64();
    let indexed = hub.indexed();
    let mut times = vec![];
    let hits = args.hits.min(args.values);
    for run in 0..args.runs {
        let mut values: Vec<String> = (0..args.values - hits).map(|i| absent(run * args.values + i)).collect();
        let step = (n / hits.max(1)).max(1);
        values.extend((0..hits).map(|i| stored((i * step + run * 7) % n.max(1))));
        let started = Instant::now();
        let answer = hub.check(&checker, &values).await?;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        anyhow::ensure!(answer.matched == hits, "matched {} of {hits}", answer.matched);
    }
    times.sort_by(f64::total_cmp);
    let pct = |p: f64| times[((times.len() as f64 * p) as usize).min(times.len() - 1)];
    println!(
        "{}",
        serde_json::json!({
            "objects": args.objects, "observables": n, "indexed": indexed,
            "write_s": (write_s * 10.0).round() / 10.0, "index_build_s": (build_s * 10.0).round() / 10.0,
            "values_per_check": args.values, "hits_per_check": hits, "runs": args.runs,
            "check_ms_p50": (pct(0.5) * 10.0).round() / 10.0, "check_ms_p95": (pct(0.95) * 10.0).round() / 10.0,
            "check_ms_max": (times[times.len() - 1] * 10.0).round() / 10.0,
            "rss_mib": crate::rss_mib().round(),
        })
    );
    store.close().await;
    Ok(())
}

/// A fixed UUIDv4 for the `i`th indicator.
fn uuid_of(i: usize) -> String {
    format!("{:08x}-0000-4000-8000-{:012x}", i >> 16, i & 0xffff_ffff_ffff)
}
