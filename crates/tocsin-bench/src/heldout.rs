//! Name matching on sets no constant was tuned on (held out): nomenklatura's
//! entity checks and watchman's cross-script pairs, decided as `tocsin
//! compare` decides them (a score at or above the threshold is a match).
//! Reported, never tuned on.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::Context;
use serde::Deserialize;
use tocsin_match::name::{NameKind, THRESHOLD, analyze, compare};

#[derive(clap::Args)]
pub(crate) struct HeldOutArgs {
    /// nomenklatura's entity checks (YAML: `checks: [{match, schema, query, candidate}]`).
    #[arg(long, default_value = "../shared/data/eval/nomenklatura_entity_bench_checks.yml")]
    checks: PathBuf,
    /// watchman's cross-script pairs (CSV: `query,expected match,min score,description`).
    #[arg(long, default_value = "../shared/data/eval/watchman_cross_script_pairs.csv")]
    pairs: PathBuf,
    /// Print every case decided wrong.
    #[arg(long)]
    errors: bool,
}

#[derive(Deserialize)]
struct Checks {
    checks: Vec<Check>,
}

#[derive(Deserialize)]
struct Check {
    #[serde(rename = "match")]
    truth: bool,
    schema: String,
    #[serde(default)]
    label: Option<String>,
    query: Entity,
    candidate: Entity,
}

/// An entity's name properties (FollowTheMoney's), the rest ignored.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Entity {
    name: Option<String>,
    first_name: Option<String>,
    middle_name: Option<String>,
    father_name: Option<String>,
    last_name: Option<String>,
}

impl Entity {
    /// The full name, or the name parts in the order people write them.
    fn name(&self) -> String {
        if let Some(n) = &self.name {
            return n.clone();
        }
        [&self.first_name, &self.middle_name, &self.father_name, &self.last_name]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(" ")
    }
}

pub(crate) fn run(args: &HeldOutArgs) -> anyhow::Result<()> {
    checks(args)?;
    println!();
    pairs(args)
}

fn checks(args: &HeldOutArgs) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(&args.checks)
        .with_context(|| format!("{} (the shared data set; see ../shared/data/README.md)", args.checks.display()))?;
    let Checks { checks } = serde_saphyr::from_str(&text).with_context(|| format!("{}", args.checks.display()))?;
    let mut right = 0;
    let mut by: BTreeMap<String, (u32, u32)> = BTreeMap::new();
    let mut wrong = vec![];
    for c in &checks {
        let kind = if c.schema == "Person" { NameKind::Person } else { NameKind::Organization };
        let (q, r) = (c.query.name(), c.candidate.name());
        let score = compare(&analyze(&q, kind), &analyze(&r, kind)).score;
        let ok = (score >= THRESHOLD) == c.truth;
        right += u32::from(ok);
        let group = by.entry(format!("{} {}", c.schema, if c.truth { "match" } else { "non-match" })).or_default();
        group.0 += u32::from(ok);
        group.1 += 1;
        if !ok {
            wrong.push(format!(
                "{} {score:.2} [{}{}] {q} | {r}",
                if c.truth { "missed" } else { "wrongly matched" },
                c.schema,
                c.label.as_ref().map(|l| format!(", {l}")).unwrap_or_default()
            ));
        }
    }
    let n = checks.len();
    println!(
        "entity checks ({}): {right}/{n} decided right ({:.1} %) at threshold {THRESHOLD:.2}",
        args.checks.display(),
        100.0 * f64::from(right) / n.max(1) as f64
    );
    for (group, (ok, all)) in &by {
        println!("  {group:<28} {ok:>4}/{all}");
    }
    if args.errors {
        wrong.iter().for_each(|w| println!("  {w}"));
    }
    Ok(())
}

fn pairs(args: &HeldOutArgs) -> anyhow::Result<()> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .comment(Some(b'#'))
        .flexible(true)
        .from_path(&args.pairs)
        .with_context(|| format!("{} (the shared data set; see ../shared/data/README.md)", args.pairs.display()))?;
    let (mut reached, mut n) = (0, 0);
    let mut lines = vec![];
    for row in reader.records() {
        let row = row.with_context(|| format!("{}", args.pairs.display()))?;
        let (Some(q), Some(r)) = (row.get(0), row.get(1)) else {
            anyhow::bail!("{}: a row without query and expected match: {row:?}", args.pairs.display());
        };
        let score = compare(&analyze(q, NameKind::Person), &analyze(r, NameKind::Person)).score;
        n += 1;
        let ok = score >= THRESHOLD;
        reached += u32::from(ok);
        lines.push(format!("  {} {score:.2} {q} | {r}", if ok { "match" } else { "miss " }));
    }
    println!(
        "cross-script pairs ({}): {reached}/{n} reach the match decision (threshold {THRESHOLD:.2})",
        args.pairs.display()
    );
    if args.errors {
        lines.iter().for_each(|l| println!("{l}"));
    }
    Ok(())
}
