//! Name-matching quality on labelled pairs.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::Context;
use tocsin_match::name::{NameKind, analyze, compare};

#[derive(clap::Args)]
pub(crate) struct NamesArgs {
    /// The cases CSV (`case_group,schema,name1,name2,is_match,quality,category,notes`).
    #[arg(long, default_value = "../shared/data/eval/nomenklatura_name_bench_cases.csv")]
    cases: PathBuf,
    /// The operating threshold: a score at or above it is a match.
    #[arg(long, default_value_t = tocsin_match::name::THRESHOLD)]
    threshold: f64,
    /// Print every misclassified pair.
    #[arg(long)]
    errors: bool,
}

struct Case {
    group: String,
    schema: String,
    category: String,
    a: String,
    b: String,
    truth: bool,
    score: f64,
}

#[derive(Default, Clone, Copy)]
struct Confusion {
    tp: u32,
    fp: u32,
    fn_: u32,
    tn: u32,
}

impl Confusion {
    fn add(&mut self, truth: bool, predicted: bool) {
        match (truth, predicted) {
            (true, true) => self.tp += 1,
            (false, true) => self.fp += 1,
            (true, false) => self.fn_ += 1,
            (false, false) => self.tn += 1,
        }
    }

    fn prf(&self) -> (f64, f64, f64) {
        let p = f64::from(self.tp) / f64::from((self.tp + self.fp).max(1));
        let r = f64::from(self.tp) / f64::from((self.tp + self.fn_).max(1));
        let f = if p + r > 0.0 { 2.0 * p * r / (p + r) } else { 0.0 };
        (p, r, f)
    }
}

pub(crate) fn names(args: &NamesArgs) -> anyhow::Result<()> {
    let mut reader = csv::Reader::from_path(&args.cases)
        .with_context(|| format!("{} (the shared data set; see ../shared/data/README.md)", args.cases.display()))?;
    let mut cases = Vec::new();
    for row in reader.records() {
        let row = row?;
        let field = |i: usize| row.get(i).unwrap_or_default().to_owned();
        let schema = field(1);
        let kind = if schema == "Person" { NameKind::Person } else { NameKind::Organization };
        let (a, b) = (field(2), field(3));
        let score = compare(&analyze(&a, kind), &analyze(&b, kind)).score;
        let category = if field(6).is_empty() { "(none)".to_owned() } else { field(6) };
        cases.push(Case { group: field(0), schema, category, a, b, truth: field(4) == "true", score });
    }
    println!("{} labelled pairs from {}", cases.len(), args.cases.display());
    println!("threshold   precision  recall   F1");
    for t in (10..=19).map(|i| f64::from(i) * 0.05) {
        let mut c = Confusion::default();
        cases.iter().for_each(|x| c.add(x.truth, x.score >= t));
        let (p, r, f) = c.prf();
        println!("  {t:.2}      {p:.3}      {r:.3}    {f:.3}");
    }
    let mut all = Confusion::default();
    let mut by: BTreeMap<(&str, String), Confusion> = BTreeMap::new();
    for x in &cases {
        let predicted = x.score >= args.threshold;
        all.add(x.truth, predicted);
        by.entry(("schema", x.schema.clone())).or_default().add(x.truth, predicted);
        by.entry(("group", x.group.clone())).or_default().add(x.truth, predicted);
        by.entry(("category", x.category.clone())).or_default().add(x.truth, predicted);
    }
    let (p, r, f) = all.prf();
    println!(
        "\nat threshold {:.2}: precision {p:.3}, recall {r:.3}, F1 {f:.3} (TP {}, FP {}, FN {}, TN {})",
        args.threshold, all.tp, all.fp, all.fn_, all.tn
    );
    println!("\n{:<9} {:<40} {:>4} {:>4} {:>4} {:>4}", "by", "value", "TP", "FP", "FN", "TN");
    for ((dim, value), c) in &by {
        println!("{dim:<9} {value:<40} {:>4} {:>4} {:>4} {:>4}", c.tp, c.fp, c.fn_, c.tn);
    }
    if args.errors {
        println!("\nmisclassified:");
        for x in cases.iter().filter(|x| x.truth != (x.score >= args.threshold)) {
            let what = if x.truth { "FN" } else { "FP" };
            println!("{what} {:.3} [{}] {} | {}", x.score, x.schema, x.a, x.b);
        }
    }
    Ok(())
}
