//! `tocsin import`: records from files.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use tocsin_core::AgencyCode;
use tocsin_core::record::{RecordData, RecordInput};
use tocsin_store::{Actor, Store};

/// Records stored per transaction.
const CHUNK: usize = 10_000;
/// Bad lines reported before the rest are only counted.
const SHOWN_ERRORS: usize = 20;

#[derive(Subcommand)]
pub(crate) enum ImportCommand {
    /// Records as JSON lines, one record per line as for `POST /v1/records`.
    ///
    /// The whole file is checked first: if any line is bad, the bad lines are
    /// reported with their numbers and nothing is stored. Then the records are
    /// stored in transactions of 10,000.
    Jsonl {
        /// The file.
        file: PathBuf,
        /// The agency that will own the records.
        #[arg(long)]
        agency: String,
    },
}

pub(crate) async fn run(store: Arc<Store>, cmd: ImportCommand) -> anyhow::Result<ExitCode> {
    let ImportCommand::Jsonl { file, agency } = cmd;
    let agency = AgencyCode::parse(&agency).context("--agency")?;
    let actor = Actor::operator(agency);
    let today = store.today();
    let start = Instant::now();

    let bad = check(&file, today)?;
    if bad.total > 0 {
        for (line, err) in &bad.shown {
            eprintln!("{}:{line}: {err}", file.display());
        }
        eprintln!("{} bad line(s) in {}; nothing was imported", bad.total, file.display());
        return Ok(ExitCode::from(1));
    }

    let bar = progress(bad.lines);
    // Parsing runs on its own thread and hands over validated chunks, so it
    // overlaps with the store's inserts.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<anyhow::Result<Vec<RecordData>>>(2);
    let parser = std::thread::spawn(move || parse_chunks(&file, today, &tx));
    let mut stored = 0u64;
    while let Some(chunk) = rx.recv().await {
        let mut chunk = chunk?;
        stored += store_chunk(&store, &actor, &mut chunk).await?;
        bar.set_position(stored);
    }
    let file = parser.join().map_err(|_| anyhow::anyhow!("the parser thread panicked"))?;
    bar.finish_and_clear();
    let secs = start.elapsed().as_secs_f64();
    println!(
        "imported {stored} records for {agency} from {} in {secs:.2} s ({:.0} records/s)",
        file.display(),
        stored as f64 / secs.max(1e-9)
    );
    Ok(ExitCode::SUCCESS)
}

async fn store_chunk(store: &Store, actor: &Actor, chunk: &mut Vec<RecordData>) -> anyhow::Result<u64> {
    if chunk.is_empty() {
        return Ok(0);
    }
    let n = chunk.len() as u64;
    store.create_records(actor, std::mem::take(chunk)).await?;
    Ok(n)
}

/// Reads, parses and validates `file` into chunks of [`CHUNK`] records and
/// sends them on `tx`; returns the path for the summary.
fn parse_chunks(
    file: &PathBuf,
    today: time::Date,
    tx: &tokio::sync::mpsc::Sender<anyhow::Result<Vec<RecordData>>>,
) -> PathBuf {
    let send = |chunk| tx.blocking_send(chunk).is_ok();
    let mut chunk = Vec::with_capacity(CHUNK);
    let lines = match lines(file) {
        Ok(l) => l,
        Err(e) => {
            send(Err(e));
            return file.clone();
        }
    };
    for (n, line) in lines {
        let parsed = line.map_err(anyhow::Error::from).and_then(|l| {
            if l.trim().is_empty() {
                return Ok(None);
            }
            let input: RecordInput = serde_json::from_str(&l)?;
            Ok(Some(input.validate(today)?))
        });
        match parsed {
            Ok(None) => {}
            Ok(Some(data)) => chunk.push(data),
            Err(e) => {
                send(Err(e.context(format!("line {n}"))));
                return file.clone();
            }
        }
        if chunk.len() == CHUNK && !send(Ok(std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK)))) {
            return file.clone();
        }
    }
    if !chunk.is_empty() {
        send(Ok(chunk));
    }
    file.clone()
}

fn lines(file: &PathBuf) -> anyhow::Result<impl Iterator<Item = (usize, std::io::Result<String>)>> {
    let f = File::open(file).with_context(|| format!("opening {}", file.display()))?;
    Ok(BufReader::with_capacity(1 << 20, f).lines().enumerate().map(|(i, l)| (i + 1, l)))
}

struct Checked {
    lines: u64,
    total: usize,
    shown: Vec<(usize, String)>,
}

/// Validates every line without storing anything.
fn check(file: &PathBuf, today: time::Date) -> anyhow::Result<Checked> {
    let mut c = Checked { lines: 0, total: 0, shown: vec![] };
    for (n, line) in lines(file)? {
        let err = match line {
            Err(e) => Some(format!("not UTF-8 text: {e}")),
            Ok(l) if l.trim().is_empty() => continue,
            Ok(l) => match serde_json::from_str::<RecordInput>(&l) {
                Ok(input) => input.validate(today).err().map(|e| e.to_string()),
                // Parse again, slowly, only to name the field at fault.
                Err(e) => {
                    let de = &mut serde_json::Deserializer::from_str(&l);
                    match serde_path_to_error::deserialize::<_, RecordInput>(de) {
                        Err(p) => Some(format!("{}: {}", p.path(), p.inner())),
                        Ok(_) => Some(e.to_string()),
                    }
                }
            },
        };
        c.lines += 1;
        if let Some(err) = err {
            c.total += 1;
            if c.shown.len() < SHOWN_ERRORS {
                c.shown.push((n, err));
            }
        }
    }
    Ok(c)
}

fn progress(total: u64) -> ProgressBar {
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template("{spinner} {pos}/{len} records [{elapsed_precise}] {per_sec}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}
