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

/// Parses an MRZ and prints every field and check; exits 1 if a check fails.
pub(crate) fn mrz(args: MrzArgs) -> anyhow::Result<ExitCode> {
    let lines: Vec<&str> = args.lines.iter().flat_map(|l| l.lines()).collect();
    let this_year = time::OffsetDateTime::now_utc().year();
    let m = mrz::parse(&lines, this_year).context("MRZ")?;
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&m)?)?;
    } else {
        let date = |d: &mrz::MrzDate| d.date.map_or_else(|| format!("{} (not a date)", d.raw), |p| p.to_string());
        writeln!(out, "format              {:?}", m.format)?;
        writeln!(out, "document code       {}", m.document_code)?;
        writeln!(out, "issuing state       {}", m.issuing_state)?;
        writeln!(out, "document number     {}", m.document_number)?;
        writeln!(out, "primary identifier  {}", m.primary_identifier)?;
        writeln!(out, "secondary identifier {}", m.secondary_identifier)?;
        writeln!(out, "nationality         {}", m.nationality)?;
        writeln!(out, "birth date          {}", date(&m.birth_date))?;
        writeln!(out, "sex                 {}", m.sex)?;
        writeln!(out, "expiry date         {}", date(&m.expiry_date))?;
        for (i, o) in m.optional_data.iter().enumerate() {
            writeln!(out, "optional data {}     {o}", i + 1)?;
        }
        for c in &m.checks {
            let verdict = if c.valid { "ok" } else { "FAILED" };
            writeln!(out, "check {:<15} found {} computed {} {verdict}", c.field, c.found, c.computed)?;
        }
    }
    Ok(if m.valid() { ExitCode::SUCCESS } else { ExitCode::from(1) })
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
    let parts = |a: &name::Analyzed| a.parts.iter().map(|p| p.text.as_str()).collect::<Vec<_>>().join(" · ");
    writeln!(out, "  A: {x}  →  {}", parts(&qa))?;
    writeln!(out, "  B: {y}  →  {}", parts(&qb))?;
    for p in &m.pairs {
        writeln!(out, "  {:<16} ~ {:<16} {:.3} ({:?})", p.query, p.record, p.similarity, p.how)?;
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
