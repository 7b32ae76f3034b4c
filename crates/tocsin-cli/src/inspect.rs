//! Commands that inspect input with the screening engine, without a store:
//! `tocsin mrz` and `tocsin compare`.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use tocsin_match::mrz;

#[derive(clap::Args)]
pub(crate) struct MrzArgs {
    /// The MRZ lines (two for TD2, TD3 and visas, three for TD1).
    #[arg(required = true, num_args = 1..=3)]
    lines: Vec<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// Parses an MRZ and prints every field and check, and whether the document
/// has expired and its holder is under 18 on `today`; exits 1 if a check
/// fails.
pub(crate) fn mrz(args: MrzArgs, today: time::Date) -> anyhow::Result<ExitCode> {
    let lines: Vec<&str> = args.lines.iter().flat_map(|l| l.lines()).collect();
    let m = mrz::parse(&lines, today.year()).context("MRZ")?;
    let expired = full_date(&m.expiry_date).map(|d| d < today);
    let minor = full_date(&m.birth_date).map(|born| years_between(born, today) < 18);
    let mut out = std::io::stdout().lock();
    // The format as the standard writes it (TD3, MRV-A), as the JSON does.
    let format = serde_json::to_value(m.format)?;
    let format = format.as_str().unwrap_or_default();
    if args.json {
        let mut value = serde_json::to_value(&m)?;
        value["expired"] = serde_json::json!(expired);
        value["minor"] = serde_json::json!(minor);
        writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?;
    } else {
        let date = |d: &mrz::MrzDate| d.date.map_or_else(|| format!("{} (not a date)", d.raw), |p| p.to_string());
        writeln!(out, "format                {format}")?;
        writeln!(out, "document code         {}", m.document_code)?;
        writeln!(out, "issuing state         {}", m.issuing_state)?;
        writeln!(out, "document number       {}", m.document_number)?;
        writeln!(out, "primary identifier    {}", m.primary_identifier)?;
        writeln!(out, "secondary identifier  {}", m.secondary_identifier)?;
        writeln!(out, "nationality           {}", m.nationality)?;
        writeln!(out, "birth date            {}", date(&m.birth_date))?;
        writeln!(out, "sex                   {}", m.sex)?;
        let expiry = match expired {
            Some(true) => " EXPIRED",
            Some(false) | None => "",
        };
        writeln!(out, "expiry date           {}{expiry}", date(&m.expiry_date))?;
        if minor == Some(true) {
            writeln!(out, "holder                under 18")?;
        }
        for (i, o) in m.optional_data.iter().enumerate() {
            writeln!(out, "{:<21} {o}", format!("optional data {}", i + 1))?;
        }
        for c in &m.checks {
            let verdict = if c.valid { "ok" } else { "FAILED" };
            writeln!(out, "check {:<15} found {} computed {} {verdict}", c.field, c.found, c.computed)?;
        }
    }
    Ok(if m.valid() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// An MRZ date as a calendar date, when it is one.
fn full_date(d: &mrz::MrzDate) -> Option<time::Date> {
    let p = d.date?;
    let month = time::Month::try_from(p.month()?).ok()?;
    time::Date::from_calendar_date(p.year(), month, p.day()?).ok()
}

/// Whole years from `from` to `to` (an age).
fn years_between(from: time::Date, to: time::Date) -> i32 {
    let birthday_passed = (to.month() as u8, to.day()) >= (from.month() as u8, from.day());
    to.year() - from.year() - i32::from(!birthday_passed)
}

#[derive(clap::Args)]
pub(crate) struct CompareArgs {
    /// First name (with the second one).
    #[arg(conflicts_with = "pairs", requires = "name_b")]
    name_a: Option<String>,
    /// Second name.
    name_b: Option<String>,
    /// A CSV file with a header and columns `name1,name2`: prints one JSON
    /// line per row with the score.
    #[arg(long)]
    pairs: Option<std::path::PathBuf>,
    /// Compare as organization names (legal forms and generic words weigh little).
    #[arg(long)]
    organization: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// Scores two names, or every row of a CSV, with the screening engine.
pub(crate) fn compare(args: CompareArgs) -> anyhow::Result<ExitCode> {
    use tocsin_match::name::{self, NameKind};
    let kind = if args.organization { NameKind::Organization } else { NameKind::Person };
    let mut out = std::io::stdout().lock();
    if let Some(path) = &args.pairs {
        let mut reader = csv::Reader::from_path(path).with_context(|| format!("opening {}", path.display()))?;
        let headers = reader.headers()?.clone();
        let col = |name: &str| headers.iter().position(|h| h.trim() == name);
        let (Some(a), Some(b)) = (col("name1"), col("name2")) else {
            anyhow::bail!("{}: the header must name the columns name1 and name2", path.display());
        };
        for (i, row) in reader.records().enumerate() {
            let row = row.with_context(|| format!("{}: row {}", path.display(), i + 2))?;
            let (x, y) = (row.get(a).unwrap_or_default(), row.get(b).unwrap_or_default());
            let m = name::compare(&name::analyze(x, kind), &name::analyze(y, kind));
            let line = serde_json::json!({"name1": x, "name2": y, "score": round(m.score), "match": m.score >= name::THRESHOLD});
            writeln!(out, "{line}")?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let (Some(x), Some(y)) = (&args.name_a, &args.name_b) else {
        anyhow::bail!("give two names, or --pairs FILE.csv");
    };
    if let Some(which) = [("first", x), ("second", y)].iter().find(|(_, n)| n.trim().is_empty()).map(|(w, _)| w) {
        anyhow::bail!("the {which} name is empty");
    }
    let (qa, qb) = (name::analyze(x, kind), name::analyze(y, kind));
    let m = name::compare(&qa, &qb);
    if args.json {
        let doc = serde_json::json!({"score": round(m.score), "match": m.score >= name::THRESHOLD, "threshold": name::THRESHOLD,
            "explanation": m, "analysis": [qa, qb]});
        writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
        return Ok(ExitCode::SUCCESS);
    }
    let verdict = if m.score >= name::THRESHOLD { "match" } else { "no match" };
    writeln!(out, "score {:.3} ({verdict} at threshold {:.2}; method: {})", m.score, name::THRESHOLD, m.method)?;
    let parts = |a: &name::Analyzed| a.name().parts().map(|p| p.shown()).collect::<Vec<_>>().join(" · ");
    writeln!(out, "  A: {x}  →  {}", parts(&qa))?;
    writeln!(out, "  B: {y}  →  {}", parts(&qb))?;
    for p in &m.pairs {
        writeln!(out, "  {:<16} ~ {:<16} {:.3} ({:?})", p.query, p.record, p.similarity, p.how)?;
        if let Some(letters) = &p.alignment {
            writeln!(out, "      {letters}")?;
        }
    }
    for u in &m.unmatched_query {
        writeln!(out, "  {u:<16}   (only in A)")?;
    }
    for u in &m.unmatched_record {
        writeln!(out, "  {:<16}   {u} (only in B)", "")?;
    }
    Ok(ExitCode::SUCCESS)
}

fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}
