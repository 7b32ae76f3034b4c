//! Screening quality on the yente fixtures: Recall@5 of perturbed UN list
//! queries, and the share of synthetic non-listed people that make a hit.
//!
//! The watch list is `yente_positives_un_untreated.csv` (683 persons of the
//! UN Security Council list, 680 of them verbatim in the UN XML), indexed
//! as person records. Query *i* of `yente_positives_un_treated.csv` is a
//! perturbed copy of record *i*.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use time::OffsetDateTime;
use tocsin_core::access::Viewer;
use tocsin_core::record::{Record, RecordId, RecordInput};
use tocsin_core::{AgencyCode, CountryCode, PartialDate};
use tocsin_match::name::THRESHOLD;
use tocsin_match::screen::{Index, Query};

#[derive(clap::Args)]
pub(crate) struct ScreeningArgs {
    /// The folder with the yente fixtures.
    #[arg(long, default_value = "../shared/data/eval")]
    data: PathBuf,
    /// Print the queries whose record was not in the top 5, and the negatives that hit.
    #[arg(long)]
    errors: bool,
    /// Index the whole UN list from this XML (every individual and entity,
    /// with aliases and original-script names, as `tocsin import
    /// un-sanctions` stores them) instead of the 683 fixture persons. Query
    /// *i*'s target is then the record that has fixture name *i* among its
    /// name forms.
    #[arg(long)]
    un_xml: Option<PathBuf>,
}

pub(crate) struct Row {
    pub(crate) name: String,
    pub(crate) birth_date: Option<PartialDate>,
    pub(crate) nationality: Option<CountryCode>,
}

/// `1969-7-16` → `1969-07-16`; anything else that does not parse is dropped.
fn lenient_date(s: &str) -> Option<PartialDate> {
    let parts: Vec<String> = s
        .trim()
        .split('-')
        .enumerate()
        .map(|(i, p)| if i > 0 && p.len() == 1 { format!("0{p}") } else { p.to_owned() })
        .collect();
    PartialDate::parse(&parts.join("-")).ok()
}

/// `af`, `AFG` or `Afghanistan` → AFG.
fn country(s: &str) -> Option<CountryCode> {
    let s = s.trim();
    if s.len() == 2 {
        return isocountry::CountryCode::for_alpha2_caseless(s).ok().and_then(|c| CountryCode::parse(c.alpha3()).ok());
    }
    CountryCode::parse(s).ok().or_else(|| {
        isocountry::CountryCode::as_array()
            .iter()
            .find(|c| {
                c.name().eq_ignore_ascii_case(s)
                    || c.name().split(',').next().is_some_and(|n| n.eq_ignore_ascii_case(s))
            })
            .and_then(|c| CountryCode::parse(c.alpha3()).ok())
    })
}

pub(crate) fn rows(path: &Path) -> anyhow::Result<Vec<Row>> {
    let mut reader =
        csv::Reader::from_path(path).with_context(|| format!("{} (see ../shared/data/README.md)", path.display()))?;
    let mut out = Vec::new();
    for r in reader.records() {
        let r = r?;
        let get = |i: usize| r.get(i).unwrap_or_default();
        out.push(Row { name: get(0).to_owned(), birth_date: lenient_date(get(5)), nationality: country(get(7)) });
    }
    Ok(out)
}

fn record(row: &Row) -> anyhow::Result<Record> {
    let mut person = serde_json::json!({"kind": "person", "names": [{"full": row.name}], "handling": {"code": "arrest"}, "access": {"mode": "all"}});
    if let Some(d) = row.birth_date {
        person["birth_dates"] = serde_json::json!([d]);
    }
    if let Some(c) = row.nationality {
        person["nationalities"] = serde_json::json!([c]);
    }
    let input: RecordInput = serde_json::from_value(person)?;
    let now = OffsetDateTime::now_utc();
    let data = input.validate(now.date())?;
    Ok(Record::new(AgencyCode::GS, data, now))
}

fn query(row: &Row, limit: usize) -> Query {
    Query {
        name: Some(row.name.clone()),
        birth_date: row.birth_date,
        nationality: row.nationality,
        limit,
        ..Query::default()
    }
}

/// The UN list as records, and for each fixture row the record that has
/// its name among its name forms (ignoring case and spacing).
fn un_list(xml: &Path, listed: &[Row]) -> anyhow::Result<(Vec<Record>, Vec<Option<RecordId>>)> {
    let file = std::fs::File::open(xml).with_context(|| format!("{} (see ../shared/data/README.md)", xml.display()))?;
    let now = OffsetDateTime::now_utc();
    let parsed = tocsin_lists::parse(tocsin_lists::Format::UnSanctions, std::io::BufReader::new(file), now.date())?;
    let records: Vec<Record> = parsed.entries.into_iter().map(|d| Record::new(AgencyCode::GS, d, now)).collect();
    let key = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
    let mut by_name = std::collections::HashMap::new();
    for r in &records {
        for n in r.data.body.names() {
            by_name.entry(key(&n.full)).or_insert(r.id);
        }
    }
    let targets = listed.iter().map(|row| by_name.get(&key(&row.name)).copied()).collect();
    println!("indexed the UN list: {} records from {}", records.len(), xml.display());
    Ok((records, targets))
}

pub(crate) fn run(args: &ScreeningArgs) -> anyhow::Result<()> {
    let listed = rows(&args.data.join("yente_positives_un_untreated.csv"))?;
    let treated = rows(&args.data.join("yente_positives_un_treated.csv"))?;
    let negatives = rows(&args.data.join("yente_negatives_global_synthetic.csv"))?;
    let (records, targets) = match &args.un_xml {
        None => {
            let records: Vec<Record> = listed.iter().map(record).collect::<anyhow::Result<_>>()?;
            let targets = records.iter().map(|r| Some(r.id)).collect();
            (records, targets)
        }
        Some(xml) => un_list(xml, &listed)?,
    };
    let mut index = Index::new();
    records.iter().for_each(|r| index.upsert(r));
    let viewer = AgencyCode::parse("FRA")?;
    let without: usize = targets.iter().filter(|t: &&Option<RecordId>| t.is_none()).count();
    if without > 0 {
        println!("{without} fixture name(s) are no name form of any record in the list: left out of Recall");
    }

    let start = Instant::now();
    let (mut at1, mut at5, mut n) = (0, 0, 0);
    for (i, (q, target)) in treated.iter().zip(&targets).enumerate() {
        let Some(target) = target else { continue };
        n += 1;
        let found = index.search(&Viewer::agency(viewer), &query(q, 5));
        match found.iter().position(|m| m.id == *target) {
            Some(0) => {
                at1 += 1;
                at5 += 1;
            }
            Some(_) => at5 += 1,
            None if args.errors => println!("missed {}: `{}` (listed as `{}`)", i + 2, q.name, listed[i].name),
            None => {}
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "positives: {n} perturbed UN queries; Recall@1 {:.2} %, Recall@5 {:.2} % ({at5}/{n}); {:.0} queries/s",
        100.0 * f64::from(at1) / n as f64,
        100.0 * f64::from(at5) / n as f64,
        n as f64 / secs
    );

    let start = Instant::now();
    let mut hits = 0;
    for q in &negatives {
        let found = index.search(&Viewer::agency(viewer), &query(q, 1));
        if let Some(m) = found.first().filter(|m| m.score >= THRESHOLD) {
            hits += 1;
            if args.errors {
                let name =
                    records.iter().find(|r| r.id == m.id).map(|r| format!("{:?}", r.data.body)).unwrap_or_default();
                println!("hit {:.3}: `{}` → {}", m.score, q.name, name.chars().take(120).collect::<String>());
            }
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "negatives: {} synthetic non-listed people; {hits} hit at threshold {THRESHOLD:.2} ({:.3} %); {:.0} queries/s",
        negatives.len(),
        100.0 * f64::from(hits) / negatives.len() as f64,
        negatives.len() as f64 / secs
    );
    Ok(())
}
