//! Cross-script name quality: names in Arabic (and other) script against
//! their Latin spellings.
//!
//! Two measures:
//!
//! - The UN list's own original-script names: every record of the list is
//!   indexed with its Latin names only (its `original_script` names
//!   removed), and each original-script name is screened; the record it
//!   belongs to must come back in the top 5 (and the top 1).
//! - Word pairs (google/transliteration `ar2en`: an Arabic-script word and
//!   its Latin spelling, from Wikipedia): the share whose comparison
//!   reaches the match decision, and the share of wrong pairs (each Arabic
//!   word against the Latin word of the pair half the file away) that do.

use std::path::{Path, PathBuf};

use anyhow::Context;
use time::OffsetDateTime;
use tocsin_core::AgencyCode;
use tocsin_core::access::Viewer;
use tocsin_core::record::{NameType, Record, RecordBody};
use tocsin_match::name::{NameKind, THRESHOLD, analyze, compare};
use tocsin_match::screen::{Index, Query};

#[derive(clap::Args)]
pub(crate) struct ScriptsArgs {
    /// The UN Security Council consolidated list.
    #[arg(long, default_value = "../shared/data/un/un_sc_consolidated_2026-02-27.xml")]
    un_xml: PathBuf,
    /// Word pairs, one `arabic<TAB>latin` a line: the held-out
    /// `google_ar2en_test.txt` (report only), or `google_ar2en_eval.txt`
    /// (the one to tune on).
    #[arg(long, default_value = "../shared/data/eval/google_ar2en_test.txt")]
    pairs: PathBuf,
    /// Print the original-script names not found in the top 5, and the
    /// word pairs decided wrongly.
    #[arg(long)]
    errors: bool,
}

pub(crate) fn run(args: &ScriptsArgs) -> anyhow::Result<()> {
    un_original_script(&args.un_xml, args.errors)?;
    word_pairs(&args.pairs, args.errors)
}

fn is_arabic(s: &str) -> bool {
    s.chars().any(|c| matches!(c, '\u{600}'..='\u{6FF}' | '\u{750}'..='\u{77F}' | '\u{FB50}'..='\u{FDFF}' | '\u{FE70}'..='\u{FEFF}'))
}

fn un_original_script(xml: &Path, errors: bool) -> anyhow::Result<()> {
    let file = std::fs::File::open(xml).with_context(|| format!("{} (see ../shared/data/README.md)", xml.display()))?;
    let now = OffsetDateTime::now_utc();
    let parsed = tocsin_lists::parse(tocsin_lists::Format::UnSanctions, std::io::BufReader::new(file), now.date())?;
    let mut queries: Vec<(String, tocsin_core::record::RecordId)> = Vec::new();
    let mut records = Vec::new();
    for data in parsed.entries {
        let mut r = Record::new(AgencyCode::GS, data, now);
        let names = match &mut r.data.body {
            RecordBody::Person(p) => &mut p.names,
            RecordBody::Organization(o) => &mut o.names,
            RecordBody::TravelDocument(_) | RecordBody::Biometric(_) | RecordBody::Asset(_) => continue,
        };
        for n in names.iter().filter(|n| n.name_type == NameType::OriginalScript) {
            queries.push((n.full.to_string(), r.id));
        }
        names.retain(|n| n.name_type != NameType::OriginalScript);
        if !names.is_empty() {
            records.push(r);
        }
    }
    let mut index = Index::new();
    records.iter().for_each(|r| index.upsert(r));
    let viewer = AgencyCode::parse("FRA")?;
    let (mut n, mut at1, mut at5, mut arabic, mut arabic_at1, mut arabic_at5) = (0, 0, 0, 0, 0, 0);
    for (name, target) in &queries {
        // Any kind, as a screening request without `kinds` asks.
        let query = Query { name: Some(name.clone()), limit: 5, ..Query::default() };
        let found = index.search(&Viewer::agency(viewer), &query);
        let rank = found.iter().position(|m| m.id == *target);
        let ar = is_arabic(name);
        n += 1;
        arabic += usize::from(ar);
        if rank == Some(0) {
            at1 += 1;
            arabic_at1 += usize::from(ar);
        }
        if rank.is_some() {
            at5 += 1;
            arabic_at5 += usize::from(ar);
        } else if errors {
            let listed = records
                .iter()
                .find(|r| r.id == *target)
                .and_then(|r| r.data.body.names().first())
                .map(|n| n.full.to_string())
                .unwrap_or_default();
            let best = found.first().map(|m| format!("{:.2}", m.score)).unwrap_or_default();
            println!("missed `{name}` (listed as `{listed}`; best other {best})");
        }
    }
    let pct = |a: usize, b: usize| 100.0 * a as f64 / b.max(1) as f64;
    println!(
        "UN original-script names: {n} screened against the list's Latin names; top 5 {:.1} % ({at5}/{n}), top 1 {:.1} % ({at1}/{n}); in Arabic script {arabic}: top 5 {:.1} % ({arabic_at5}/{arabic}), top 1 {:.1} % ({arabic_at1}/{arabic})",
        pct(at5, n),
        pct(at1, n),
        pct(arabic_at5, arabic),
        pct(arabic_at1, arabic),
    );
    Ok(())
}

fn word_pairs(path: &Path, errors: bool) -> anyhow::Result<()> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("{} (see ../shared/data/README.md)", path.display()))?;
    let pairs: Vec<(&str, &str)> = text.lines().filter_map(|l| l.split_once('\t')).collect();
    anyhow::ensure!(!pairs.is_empty(), "{}: no `arabic<TAB>latin` lines", path.display());
    let score = |a: &str, b: &str| compare(&analyze(a, NameKind::Person), &analyze(b, NameKind::Person)).score;
    let mut right = 0;
    for (ar, en) in &pairs {
        let s = score(ar, en);
        if s >= THRESHOLD {
            right += 1;
        } else if errors {
            println!("not matched {s:.2}: {ar} ~ {en}");
        }
    }
    let half = pairs.len() / 2;
    let mut wrong = 0;
    for (i, (ar, _)) in pairs.iter().enumerate() {
        let (_, en) = pairs[(i + half) % pairs.len()];
        let s = score(ar, en);
        if s >= THRESHOLD {
            wrong += 1;
            if errors {
                println!("wrong pair matched {s:.2}: {ar} ~ {en}");
            }
        }
    }
    let n = pairs.len();
    println!(
        "word pairs ({}): {n}; matched at {THRESHOLD:.2}: {:.1} % ({right}/{n}); wrong pairs matched: {:.2} % ({wrong}/{n})",
        path.file_name().and_then(|f| f.to_str()).unwrap_or_default(),
        100.0 * right as f64 / n as f64,
        100.0 * wrong as f64 / n as f64,
    );
    Ok(())
}
