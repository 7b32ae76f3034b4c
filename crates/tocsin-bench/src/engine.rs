//! In-process speed of the screening engine on synthetic data: index build
//! rate, index memory, name query and document lookup latency.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use time::OffsetDateTime;
use tocsin_core::AgencyCode;
use tocsin_core::record::{Record, RecordBody, RecordData};
use tocsin_match::screen::{Index, Query};

#[derive(clap::Args)]
pub(crate) struct EngineArgs {
    /// Synthetic persons to index.
    #[arg(long, default_value_t = 1_000_000)]
    persons: usize,
    /// Synthetic travel documents to index.
    #[arg(long, default_value_t = 1_000_000)]
    documents: usize,
    /// Queries of each kind to time.
    #[arg(long, default_value_t = 2_000)]
    queries: usize,
    /// Also write the sampled queries and every primary name here, for the
    /// rapidfuzz baseline (`scripts/rapidfuzz_baseline.py`).
    #[arg(long)]
    export: Option<PathBuf>,
}

/// Resident memory of this process, bytes.
fn rss() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    statm.split_whitespace().nth(1).and_then(|p| p.parse::<u64>().ok()).unwrap_or(0) * 4096
}

fn percentile(sorted: &[u128], p: f64) -> f64 {
    let i = ((sorted.len() as f64 * p) as usize).min(sorted.len().saturating_sub(1));
    sorted.get(i).copied().unwrap_or(0) as f64 / 1000.0
}

fn record(i: usize, data: RecordData, now: OffsetDateTime) -> Record {
    let owners = tocsin_demo::AGENCIES;
    let owner = AgencyCode::parse(owners[i % owners.len()].0).unwrap_or(AgencyCode::GS);
    Record::new(owner, data, now)
}

/// A typing error: the last letter of the name dropped, or two parts swapped.
fn perturb(name: &str, i: usize) -> String {
    let parts: Vec<&str> = name.split_whitespace().collect();
    match (i % 3, parts.as_slice()) {
        (0, [a, b, ..]) => format!("{b} {a}"),
        (1, _) if name.chars().count() > 6 => name.chars().take(name.chars().count() - 1).collect(),
        _ => name.to_owned(),
    }
}

/// Times each query; returns the sorted latencies (ns) and how many found
/// something.
fn time_queries(index: &Index, viewer: &AgencyCode, queries: impl Iterator<Item = Query>) -> (Vec<u128>, usize) {
    let mut lat = Vec::new();
    let mut found = 0;
    for q in queries {
        let t = Instant::now();
        let m = index.search(viewer, &q);
        lat.push(t.elapsed().as_nanos());
        found += usize::from(!m.is_empty());
    }
    lat.sort_unstable();
    (lat, found)
}

pub(crate) fn run(args: &EngineArgs) -> anyhow::Result<()> {
    let now = OffsetDateTime::now_utc();
    let mut g = tocsin_demo::Generator::new(42, now.date());
    let every = (args.persons / args.queries.max(1)).max(1);
    let mut names = Vec::new();
    let mut export = args.export.as_ref().map(|p| std::fs::File::create(p).map(std::io::BufWriter::new)).transpose()?;
    let mut index = Index::new();
    let before = rss();
    let start = Instant::now();
    for i in 0..args.persons {
        let data = g.person();
        if let RecordBody::Person(p) = &data.body {
            if let Some(w) = export.as_mut() {
                writeln!(w, "N\t{}", p.names[0].full)?;
            }
            if i % every == 0 {
                names.push(perturb(&p.names[0].full, names.len()));
            }
        }
        index.upsert(&record(i, data, now));
    }
    let person_secs = start.elapsed().as_secs_f64();
    let after_persons = rss();
    let mut docs = Vec::new();
    let every_doc = (args.documents / args.queries.max(1)).max(1);
    let start = Instant::now();
    for i in 0..args.documents {
        let data = g.travel_document();
        if let (RecordBody::TravelDocument(t), true) = (&data.body, i % every_doc == 0) {
            docs.push(t.number.clone());
        }
        index.upsert(&record(i, data, now));
    }
    let doc_secs = start.elapsed().as_secs_f64();
    let after_docs = rss();
    println!(
        "index build: {} persons in {person_secs:.1} s ({:.0} persons/min); {} travel documents in {doc_secs:.1} s",
        args.persons,
        args.persons as f64 / person_secs * 60.0,
        args.documents
    );
    println!(
        "index memory (resident, includes allocator slack): {:.0} B per person, {:.0} B per travel document",
        after_persons.saturating_sub(before) as f64 / args.persons.max(1) as f64,
        after_docs.saturating_sub(after_persons) as f64 / args.documents.max(1) as f64
    );

    let viewer = AgencyCode::parse("FRA")?;
    if let Some(w) = export.as_mut() {
        for n in &names {
            writeln!(w, "Q\t{n}")?;
        }
    }
    let by_name = names.iter().map(|n| Query { name: Some(n.clone()), limit: 10, ..Query::default() });
    let (lat, found) = time_queries(&index, &viewer, by_name);
    println!(
        "name queries: {} (a third with parts swapped, a third with a letter dropped): median {:.0} µs, p99 {:.0} µs; {found} found something",
        lat.len(),
        percentile(&lat, 0.5),
        percentile(&lat, 0.99)
    );
    let by_document = docs.iter().map(|d| Query { document: Some(d.clone()), limit: 10, ..Query::default() });
    let (lat, found) = time_queries(&index, &viewer, by_document);
    println!(
        "document lookups: {}: median {:.1} µs, p99 {:.1} µs; {found} found",
        lat.len(),
        percentile(&lat, 0.5),
        percentile(&lat, 0.99)
    );
    Ok(())
}
