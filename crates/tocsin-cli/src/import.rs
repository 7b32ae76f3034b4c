//! `tocsin import`: records from files.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use tocsin_core::record::{RecordData, RecordInput};
use tocsin_lists::{Format, Parsed};
use tocsin_store::{Actor, Store};

/// Records stored per transaction.
const CHUNK: usize = 10_000;
/// Bad lines reported before the rest are only counted.
const SHOWN_ERRORS: usize = 20;

#[derive(Subcommand)]
pub(crate) enum ImportCommand {
    /// The UN Security Council Consolidated List (XML), from a file or an
    /// http(s) URL.
    UnSanctions {
        /// The XML file, or its URL.
        source: String,
        /// The agency that will own the records.
        #[arg(long, default_value = "GS")]
        agency: String,
        #[command(flatten)]
        list: ListArgs,
    },
    /// The US OFAC SDN list (legacy CSV): sdn.csv, with alt.csv and
    /// sdn_comments.csv when they lie beside it.
    OfacSdn {
        /// sdn.csv, or the directory that holds it.
        path: PathBuf,
        /// The agency that will own the records.
        #[arg(long)]
        agency: String,
        #[command(flatten)]
        list: ListArgs,
    },
    /// INTERPOL public notices (red, yellow, UN), as the public notices API
    /// serves them: list pages or notice details, one JSON value or many.
    InterpolNotices {
        /// The JSON file.
        file: PathBuf,
        /// The agency that will own the records.
        #[arg(long)]
        agency: String,
        #[command(flatten)]
        list: ListArgs,
    },
    /// FollowTheMoney entities as JSON lines (Person, Organization,
    /// LegalEntity, Company, Passport, Identification).
    Ftm {
        /// The JSON-lines file.
        file: PathBuf,
        /// The agency that will own the records.
        #[arg(long)]
        agency: String,
        #[command(flatten)]
        list: ListArgs,
    },
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

/// Options every list import takes.
#[derive(clap::Args)]
pub(crate) struct ListArgs {
    /// Print the report as JSON instead of text.
    #[arg(long)]
    json: bool,
}

pub(crate) async fn run(store: Arc<Store>, cmd: ImportCommand) -> anyhow::Result<ExitCode> {
    let (format, source, agency, list) = match cmd {
        ImportCommand::Jsonl { file, agency } => return jsonl(store, file, agency).await,
        ImportCommand::UnSanctions { source, agency, list } => (Format::UnSanctions, source, agency, list),
        ImportCommand::OfacSdn { path, agency, list } => (Format::OfacSdn, path.display().to_string(), agency, list),
        ImportCommand::InterpolNotices { file, agency, list } => {
            (Format::InterpolNotices, file.display().to_string(), agency, list)
        }
        ImportCommand::Ftm { file, agency, list } => (Format::Ftm, file.display().to_string(), agency, list),
    };
    let agency = crate::registered(&store, "--agency", &agency).await?;
    let actor = Actor::operator(agency);
    let today = store.today();
    let start = Instant::now();
    let parsed = read_list(format, &source, today).await?;
    let parse_secs = start.elapsed().as_secs_f64();
    let spinner = ProgressBar::new_spinner().with_message(format!("storing {} entries", parsed.entries.len()));
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    let report = store.import_list(&actor, format.as_str(), parsed).await;
    spinner.finish_and_clear();
    let report = report?;
    let secs = start.elapsed().as_secs_f64();
    if list.json {
        println!("{}", serde_json::to_string(&report)?);
        return Ok(ExitCode::SUCCESS);
    }
    for s in &report.skipped {
        let id = s.id.as_deref().map(|i| format!(" ({i})")).unwrap_or_default();
        eprintln!("skipped {}{id}: {}", s.at, s.reason);
    }
    println!(
        "imported {format} for {agency} from {source} in {secs:.2} s (read in {parse_secs:.2} s): \
         {} added, {} updated, {} re-listed, {} de-listed, {} unchanged, {} skipped",
        report.added,
        report.updated,
        report.relisted,
        report.delisted,
        report.unchanged,
        report.skipped.len()
    );
    if report.notices_published + report.notices_cancelled > 0 {
        println!(
            "notices issued with the list: {} published, {} cancelled (de-listed)",
            report.notices_published, report.notices_cancelled
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads and parses a list on a blocking thread, with a progress bar over
/// the bytes read (shown on a terminal only).
pub(crate) async fn read_list(format: Format, source: &str, today: time::Date) -> anyhow::Result<Parsed> {
    if source.starts_with("http://") || source.starts_with("https://") {
        if format != Format::UnSanctions {
            anyhow::bail!("only the UN list is fetched by URL; download {format} files first");
        }
        let body = fetch(source).await?;
        return tokio::task::spawn_blocking(move || tocsin_lists::parse(format, &body[..], today))
            .await?
            .map_err(|e| anyhow::anyhow!("{e}; nothing was imported"));
    }
    let path = PathBuf::from(source);
    tokio::task::spawn_blocking(move || {
        let open = |p: &Path| -> anyhow::Result<(File, u64)> {
            let f = File::open(p).with_context(|| format!("opening {}", p.display()))?;
            let len = f.metadata().map(|m| m.len()).unwrap_or(0);
            Ok((f, len))
        };
        let result = if format == Format::OfacSdn {
            let sdn = if path.is_dir() { path.join("sdn.csv") } else { path.clone() };
            let dir = sdn.parent().map(Path::to_path_buf).unwrap_or_default();
            let (f, len) = open(&sdn)?;
            let bar = bytes_bar(len);
            let companion = |name: &str| -> anyhow::Result<Option<Box<dyn BufRead>>> {
                let p = dir.join(name);
                match p.exists() {
                    true => Ok(Some(Box::new(BufReader::new(open(&p)?.0)))),
                    false => Ok(None),
                }
            };
            let files = tocsin_lists::OfacFiles {
                sdn: Box::new(BufReader::new(bar.wrap_read(f))),
                alt: companion("alt.csv")?,
                comments: companion("sdn_comments.csv")?,
            };
            let r = tocsin_lists::parse_ofac(files, today);
            bar.finish_and_clear();
            r
        } else {
            let (f, len) = open(&path)?;
            let bar = bytes_bar(len);
            let r = tocsin_lists::parse(format, BufReader::with_capacity(1 << 20, bar.wrap_read(f)), today);
            bar.finish_and_clear();
            r
        };
        result.map_err(|e| anyhow::anyhow!("{}: {e}; nothing was imported", path.display()))
    })
    .await?
}

/// Downloads `url` (the user asked for it by giving a URL).
async fn fetch(url: &str) -> anyhow::Result<Vec<u8>> {
    let response = reqwest::get(url).await.with_context(|| format!("fetching {url}"))?;
    let status = response.status();
    if !status.is_success() {
        anyhow::bail!("fetching {url}: the server answered {status}; nothing was imported");
    }
    let html = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.trim_start().to_ascii_lowercase().starts_with("text/html"));
    if html {
        anyhow::bail!("fetching {url}: the server answered a web page (text/html), not a list; nothing was imported");
    }
    let body = response.bytes().await.with_context(|| format!("reading {url}"))?.to_vec();
    if body.iter().all(u8::is_ascii_whitespace) {
        anyhow::bail!("fetching {url}: the answer is empty; nothing was imported");
    }
    Ok(body)
}

fn bytes_bar(len: u64) -> ProgressBar {
    let bar = ProgressBar::new(len);
    bar.set_style(
        ProgressStyle::with_template("{spinner} reading {bytes}/{total_bytes} [{elapsed_precise}] {bytes_per_sec}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

async fn jsonl(store: Arc<Store>, file: PathBuf, agency: String) -> anyhow::Result<ExitCode> {
    let agency = crate::registered(&store, "--agency", &agency).await?;
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
            let input: RecordInput = tocsin_core::json::from_slice(l.as_bytes()).map_err(|e| e.within_line())?;
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
            Ok(l) => match tocsin_core::json::from_slice::<RecordInput>(l.as_bytes()) {
                Ok(input) => input.validate(today).err().map(|e| e.to_string()),
                Err(e) => Some(e.within_line().message),
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
