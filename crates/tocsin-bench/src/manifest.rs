//! Frontline screening of whole flights, in process: PAXLST manifests read
//! and every traveller screened (person, then each document) against an
//! index of synthetic persons and travel documents, as the batch endpoint
//! does before it writes its audit entries and hits.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use time::OffsetDateTime;
use tocsin_core::AgencyCode;
use tocsin_core::access::Viewer;
use tocsin_core::record::{Record, RecordBody};
use tocsin_manifest::batch::{self, Format};
use tocsin_match::screen::Index;

#[derive(clap::Args)]
pub(crate) struct ManifestArgs {
    /// Synthetic persons to index.
    #[arg(long, default_value_t = 1_000_000)]
    persons: usize,
    /// Synthetic travel documents to index.
    #[arg(long, default_value_t = 10_000_000)]
    documents: usize,
    /// Travellers per manifest.
    #[arg(long, default_value_t = 400)]
    travellers: usize,
    /// Manifests to screen.
    #[arg(long, default_value_t = 50)]
    manifests: usize,
    /// Threads screening manifests side by side, for the stream's rate.
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// The people travelling: `yente_negatives_global_synthetic.csv` (none
    /// of them listed), with birth dates and nationalities.
    #[arg(long)]
    people: PathBuf,
    /// Also write the first manifest here, to send to a server.
    #[arg(long)]
    export: Option<PathBuf>,
}

/// One passenger's segments.
fn traveller(out: &mut Vec<String>, i: usize, name: &str, born: Option<time::Date>, nat: Option<&str>, doc: &str) {
    let (given, surname) = name.rsplit_once(' ').unwrap_or(("", name));
    let clean = |s: &str| s.replace(['\'', '+', ':', '?'], " ");
    out.push(format!("NAD+FL+++{}:{}'", clean(surname), clean(given)));
    if let Some(b) = born {
        out.push(format!("DTM+329:{:02}{:02}{:02}'", b.year() % 100, b.month() as u8, b.day()));
    }
    if let Some(n) = nat {
        out.push(format!("NAT+2+{n}'"));
    }
    out.push(format!("RFF+ABO:PAX{i:05}'"));
    out.push(format!("DOC+P:110:111+{doc}'"));
}

/// A PAXLST interchange of the given travellers, its counts right.
fn interchange(flight: usize, travellers: &[(String, Option<time::Date>, Option<String>, String)]) -> Vec<u8> {
    let mut body = vec![
        format!("UNH+M{flight}+PAXLST:D:05B:UN:IATA'"),
        "BGM+745'".to_owned(),
        format!("TDT+20+XA{flight}+++XA'"),
        "LOC+125+LHR'".to_owned(),
        "DTM+189:2612061130:201'".to_owned(),
        "LOC+87+CDG'".to_owned(),
        "DTM+232:2612061330:201'".to_owned(),
    ];
    for (i, (name, born, nat, doc)) in travellers.iter().enumerate() {
        traveller(&mut body, i, name, *born, nat.as_deref(), doc);
    }
    body.push(format!("CNT+42:{}'", travellers.len()));
    body.push(format!("UNT+{}+M{flight}'", body.len() + 1));
    format!("UNA:+.? 'UNB+UNOA:4+XA+BORDER+261206:0900+{flight}'{}UNZ+1+{flight}'", body.join("\n")).into_bytes()
}

/// Reads a manifest and screens every traveller's requests, as the batch
/// endpoint does; returns the hits (scores at the threshold) found.
fn screen(index: &Index, viewer: &AgencyCode, bytes: &[u8]) -> anyhow::Result<usize> {
    let read = batch::read(Format::Paxlst, bytes, 1_000)?;
    anyhow::ensure!(read.problems.is_empty(), "the manifest has problems: {:?}", read.problems);
    let mut hits = 0;
    for item in read.items {
        for request in item.requests.map_err(|e| anyhow::anyhow!("{}", e.message))? {
            let v = request.validate(2026)?;
            let (found, _hidden) = index.search_with_hidden(&Viewer::agency(*viewer), &v.query);
            hits += found.iter().filter(|m| m.score >= tocsin_match::name::THRESHOLD).count();
        }
    }
    Ok(hits)
}

pub(crate) fn run(args: &ManifestArgs) -> anyhow::Result<()> {
    let now = OffsetDateTime::now_utc();
    let mut g = tocsin_demo::Generator::new(7, now.date());
    let owner = AgencyCode::parse("FRA")?;
    let viewer = AgencyCode::parse("DEU")?;
    let mut index = Index::new();
    let start = Instant::now();
    // Every thousandth person and document is kept to travel: one traveller
    // in 100 is listed (name with a letter dropped), one in 100 carries a
    // stolen document.
    let (mut listed, mut stolen) = (Vec::new(), Vec::new());
    for i in 0..args.persons {
        let r = Record::new(owner, g.person(), now);
        if let (RecordBody::Person(p), true) = (&r.data.body, i % 1_000 == 0) {
            let name = &p.names[0].full;
            let typo: String = name.chars().take(name.chars().count().saturating_sub(1)).collect();
            let born = p.birth_dates.first().copied().and_then(full_date);
            listed.push((typo, born, p.nationalities.first().map(|c| c.as_str().to_owned())));
        }
        index.upsert(&r);
    }
    for i in 0..args.documents {
        let r = Record::new(owner, g.travel_document(), now);
        if let (RecordBody::TravelDocument(t), true) = (&r.data.body, i % 1_000 == 0) {
            stolen.push(t.number.as_str().to_owned());
        }
        index.upsert(&r);
    }
    println!(
        "index: {} persons and {} travel documents built in {:.1} s",
        args.persons,
        args.documents,
        start.elapsed().as_secs_f64()
    );
    let people = crate::screening::rows(&args.people)?;
    anyhow::ensure!(!people.is_empty() && !listed.is_empty() && !stolen.is_empty(), "nothing to travel");
    let manifests: Vec<Vec<u8>> = (0..args.manifests)
        .map(|m| {
            let travellers: Vec<_> = (0..args.travellers)
                .map(|t| {
                    let n = m * args.travellers + t;
                    let doc = if n % 100 == 50 { stolen[n % stolen.len()].clone() } else { format!("XP{n:07}") };
                    if n.is_multiple_of(100) {
                        let (name, born, nat) = listed[n / 100 % listed.len()].clone();
                        return (name, born, nat, doc);
                    }
                    let p = &people[n % people.len()];
                    let born = p.birth_date.and_then(full_date);
                    (p.name.clone(), born, p.nationality.map(|c| c.as_str().to_owned()), doc)
                })
                .collect();
            interchange(m + 1, &travellers)
        })
        .collect();

    if let (Some(path), Some(first)) = (&args.export, manifests.first()) {
        std::fs::write(path, first)?;
    }

    // Reading alone: the manifests parsed into screening requests.
    let t = Instant::now();
    for m in &manifests {
        std::hint::black_box(batch::read(Format::Paxlst, m, 1_000)?);
    }
    println!(
        "reading alone: {:.2} ms per manifest of {} travellers",
        t.elapsed().as_secs_f64() * 1000.0 / manifests.len() as f64,
        args.travellers
    );

    // One manifest at a time: the time to the whole answer.
    let mut lat = Vec::with_capacity(manifests.len());
    let mut hits = 0;
    for m in &manifests {
        let t = Instant::now();
        hits += screen(&index, &viewer, m)?;
        lat.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    lat.sort_by(f64::total_cmp);
    let pct = |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)];
    println!(
        "{} manifests of {} travellers, one at a time: whole answer median {:.1} ms, p99 {:.1} ms, max {:.1} ms; {hits} matches at the hit threshold ({} travellers listed or with a stolen document; synthetic names repeat, so a listed name matches several records)",
        manifests.len(),
        args.travellers,
        pct(0.5),
        pct(0.99),
        lat[lat.len() - 1],
        manifests.len() * args.travellers / 50
    );

    // A stream: the manifests screened by `threads` threads side by side.
    let next = AtomicUsize::new(0);
    let start = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..args.threads.max(1) {
            s.spawn(|| {
                while let Some(m) = manifests.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let _ = std::hint::black_box(screen(&index, &viewer, m));
                }
            });
        }
    });
    let secs = start.elapsed().as_secs_f64();
    println!(
        "stream of {} manifests on {} threads: {:.2} s, {:.0} travellers/s",
        manifests.len(),
        args.threads,
        secs,
        (manifests.len() * args.travellers) as f64 / secs
    );
    std::mem::forget(index);
    Ok(())
}

/// A full `YYYY-MM-DD` date; a year or a month alone is not one.
fn full_date(d: tocsin_core::PartialDate) -> Option<time::Date> {
    tocsin_core::record::parse_date(&d.to_string()).ok()
}
