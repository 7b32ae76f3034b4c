//! Commands that inspect input with the screening engine, without a store:
//! `tocsin mrz`.

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
    if args.json {
        println!("{}", serde_json::to_string_pretty(&m)?);
    } else {
        let date = |d: &mrz::MrzDate| d.date.map_or_else(|| format!("{} (not a date)", d.raw), |p| p.to_string());
        println!("format              {:?}", m.format);
        println!("document code       {}", m.document_code);
        println!("issuing state       {}", m.issuing_state);
        println!("document number     {}", m.document_number);
        println!("primary identifier  {}", m.primary_identifier);
        println!("secondary identifier {}", m.secondary_identifier);
        println!("nationality         {}", m.nationality);
        println!("birth date          {}", date(&m.birth_date));
        println!("sex                 {}", m.sex);
        println!("expiry date         {}", date(&m.expiry_date));
        for (i, o) in m.optional_data.iter().enumerate() {
            println!("optional data {}     {o}", i + 1);
        }
        for c in &m.checks {
            let verdict = if c.valid { "ok" } else { "FAILED" };
            println!("check {:<15} found {} computed {} {verdict}", c.field, c.found, c.computed);
        }
    }
    Ok(if m.valid() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
