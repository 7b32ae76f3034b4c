//! `tocsin-bench lists`: list imports timed in process, end to end (parse,
//! diff, one transaction into a fresh embedded store, audit), on the real UN
//! and OFAC files and on a synthetic FollowTheMoney file.

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use serde_json::json;
use tocsin_core::AgencyCode;
use tocsin_core::record::RecordBody;
use tocsin_lists::Format;
use tocsin_store::{Actor, Store};

#[derive(clap::Args)]
pub(crate) struct ListsArgs {
    /// The shared data directory (UN and OFAC files).
    #[arg(long, default_value = "../shared/data")]
    data: PathBuf,
    /// Synthetic FollowTheMoney persons to generate and import.
    #[arg(long, default_value_t = 1_000_000)]
    ftm: usize,
}

pub(crate) async fn run(args: &ListsArgs) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let un = args.data.join("un/un_sc_consolidated_2026-02-27.xml");
    let ofac = args.data.join("ofac/2024/sdn_2024-05-03.csv");
    let ftm = dir.path().join("persons.ftm.json");
    let written = Instant::now();
    write_ftm(&ftm, args.ftm)?;
    println!("wrote {} FtM persons in {:.1} s (not timed below)", args.ftm, written.elapsed().as_secs_f64());
    for (i, (format, file, goal)) in
        [(Format::UnSanctions, un, 1.0), (Format::OfacSdn, ofac, 2.0), (Format::Ftm, ftm, 60.0)].into_iter().enumerate()
    {
        let (store, _) = Store::init(&dir.path().join(format!("store{i}"))).await?;
        let actor = Actor::operator(AgencyCode::GS);
        let start = Instant::now();
        let reader =
            BufReader::with_capacity(1 << 20, File::open(&file).with_context(|| format!("{}", file.display()))?);
        let today = store.today();
        let parsed = tokio::task::spawn_blocking(move || tocsin_lists::parse(format, reader, today)).await??;
        let parse_s = start.elapsed().as_secs_f64();
        let report = store.import_list(&actor, format.as_str(), parsed).await?;
        let total = start.elapsed().as_secs_f64();
        store.close().await;
        println!(
            "{format:<16} {:>9} added {:>5} skipped  parse {parse_s:>6.2} s  total {total:>6.2} s  ({:>7.0} entries/s; goal < {goal} s)",
            report.added,
            report.skipped.len(),
            report.added as f64 / total
        );
    }
    Ok(())
}

/// Writes `n` synthetic persons (the demo generator's) as FtM JSON lines.
fn write_ftm(path: &PathBuf, n: usize) -> anyhow::Result<()> {
    let mut g = tocsin_demo::Generator::new(7, time::OffsetDateTime::now_utc().date());
    let mut out = BufWriter::with_capacity(1 << 20, File::create(path)?);
    for i in 0..n {
        let RecordBody::Person(p) = g.person().body else { continue };
        let mut names = p.names.iter().map(|n| n.full.as_str());
        let alpha2 = |c: &tocsin_core::CountryCode| {
            isocountry::CountryCode::for_alpha3(c.as_str()).map(|c| c.alpha2().to_lowercase()).unwrap_or_default()
        };
        let entity = json!({
            "id": format!("demo-{i}"),
            "schema": "Person",
            "properties": {
                "name": names.next().into_iter().collect::<Vec<_>>(),
                "alias": names.collect::<Vec<_>>(),
                "birthDate": p.birth_dates.iter().map(|d| d.to_string()).collect::<Vec<_>>(),
                "nationality": p.nationalities.iter().map(alpha2).collect::<Vec<_>>(),
                "passportNumber": p.documents.iter().map(|d| d.number.as_str()).collect::<Vec<_>>(),
                "topics": ["sanction"],
            }
        });
        serde_json::to_writer(&mut out, &entity)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}
