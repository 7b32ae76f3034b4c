//! In-process speed of the screening engine on synthetic data: index build
//! rate, index memory, name query and document lookup latency.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use time::OffsetDateTime;
use tocsin_core::AgencyCode;
use tocsin_core::access::Viewer;
use tocsin_core::record::{Record, RecordBody, RecordData};
use tocsin_match::name::{NameKind, analyze, compare};
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
    /// Also time the people of this CSV (`yente_negatives_global_synthetic.csv`)
    /// as travellers screened at a border, as many as `--queries`.
    #[arg(long)]
    travellers: Option<PathBuf>,
    /// Print each query that did not find the record it was drawn from,
    /// with the scores it got (to standard error).
    #[arg(long)]
    misses: bool,
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

/// Times each query, made by the owner of the record it was drawn from;
/// returns the sorted latencies (ns) and how many queries found that record
/// among their 10 results, or 10 results that score at least as well as it
/// (synthetic names repeat: a query can have more than 10 equal answers).
fn time_queries<'a>(
    index: &Index,
    queries: impl Iterator<Item = (Query, &'a Record)>,
    show_misses: bool,
) -> (Vec<u128>, usize) {
    let mut lat = Vec::new();
    let mut found = 0;
    for (q, source) in queries {
        let t = Instant::now();
        let m = index.search(&Viewer::agency(source.owner), &q);
        lat.push(t.elapsed().as_nanos());
        let its_score = || match (&source.data.body, &q.name) {
            (RecordBody::Person(p), Some(name)) => {
                let query = analyze(name, NameKind::Person);
                p.names.iter().map(|n| compare(&query, &analyze(&n.full, NameKind::Person)).score).fold(0.0, f64::max)
            }
            _ => f64::INFINITY,
        };
        let crowded = m.len() == q.limit && m.last().is_some_and(|last| last.score >= its_score());
        let ok = m.iter().any(|m| m.id == source.id) || crowded;
        if !ok && show_misses {
            let query = q.name.as_deref().or(q.document.as_ref().map(|d| d.as_str())).unwrap_or_default();
            let scores: Vec<String> = m.iter().map(|m| format!("{:.3}", m.score)).collect();
            eprintln!(
                "missed: `{query}` (record {}, its score {:.3}); got [{}]",
                source.id,
                its_score(),
                scores.join(", ")
            );
        }
        found += usize::from(ok);
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
                let name = perturb(&p.names[0].full, names.len());
                names.push((name, record(i, data.clone(), now)));
                index.upsert(&names[names.len() - 1].1);
                continue;
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
            let number = t.number.clone();
            docs.push((number, record(i, data, now)));
            index.upsert(&docs[docs.len() - 1].1);
            continue;
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

    if let Some(w) = export.as_mut() {
        for (n, _) in &names {
            writeln!(w, "Q\t{n}")?;
        }
    }
    let by_name = names.iter().map(|(n, r)| (Query { name: Some(n.clone()), limit: 10, ..Query::default() }, r));
    let (lat, found) = time_queries(&index, by_name, args.misses);
    println!(
        "name queries: {} (a third with parts swapped, a third with a letter dropped): median {:.0} µs, p99 {:.0} µs; {found} found the person they were drawn from in their 10 results (or 10 at least as alike)",
        lat.len(),
        percentile(&lat, 0.5),
        percentile(&lat, 0.99)
    );
    if let Some(path) = &args.travellers {
        // What a border post sends: people mostly not listed, with their
        // birth dates and nationalities, searched as the server does (the
        // viewer's answer and the silent hits apart).
        let viewer = AgencyCode::parse("DEU").unwrap_or(AgencyCode::GS);
        let mut lat: Vec<u128> = crate::screening::rows(path)?
            .iter()
            .take(args.queries)
            .map(|t| {
                let q = Query {
                    name: Some(t.name.clone()),
                    birth_date: t.birth_date,
                    nationality: t.nationality,
                    limit: 10,
                    ..Query::default()
                };
                let start = Instant::now();
                std::hint::black_box(index.search_with_hidden(&Viewer::agency(viewer), &q));
                start.elapsed().as_nanos()
            })
            .collect();
        lat.sort_unstable();
        // The mean, not the median, is what a server's throughput pays.
        let mean = lat.iter().sum::<u128>() as f64 / lat.len().max(1) as f64 / 1000.0;
        println!(
            "traveller queries (with birth date and nationality, silent hits searched too): {}: median {:.0} µs, mean {mean:.0} µs, p99 {:.0} µs",
            lat.len(),
            percentile(&lat, 0.5),
            percentile(&lat, 0.99)
        );
    }
    let by_document = docs.iter().map(|(d, r)| (Query { document: Some(d.clone()), limit: 10, ..Query::default() }, r));
    let (lat, found) = time_queries(&index, by_document, args.misses);
    println!(
        "document lookups: {}: median {:.1} µs, p99 {:.1} µs; {found} found their document",
        lat.len(),
        percentile(&lat, 0.5),
        percentile(&lat, 0.99)
    );
    // The process ends here: freeing a large index piece by piece would
    // take seconds and tell nothing.
    std::mem::forget(index);
    Ok(())
}
