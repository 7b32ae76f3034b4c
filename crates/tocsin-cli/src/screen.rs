//! `tocsin screen`: one query, or a manifest (`--file`), against a running
//! server (`--server`) or in process on the store (`--as`). Both ways give
//! the API's answer, printed as text or as the API's JSON.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use serde_json::{Map, Value, json};
use tocsin_manifest::batch::Format;
use tocsin_server::screening::{self, BatchOptions};
use tocsin_store::{Actor, Store};

use crate::remote::{Connection, Remote};

/// The formats `--format` names.
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub(crate) enum FileFormat {
    /// One JSON screening request per line.
    JsonLines,
    /// A header naming the request's fields (and `ref`), then one row each.
    Csv,
    /// A UN/EDIFACT PAXLST interchange (Advance Passenger Information).
    Paxlst,
}

#[derive(clap::Args)]
pub(crate) struct ScreenArgs {
    #[command(flatten)]
    connection: Connection,
    /// A name in any script.
    #[arg(long)]
    name: Option<String>,
    /// YYYY, YYYY-MM or YYYY-MM-DD.
    #[arg(long)]
    birth_date: Option<String>,
    /// ISO 3166-1 alpha-3.
    #[arg(long)]
    nationality: Option<String>,
    /// male, female or unknown.
    #[arg(long)]
    sex: Option<String>,
    /// A document number.
    #[arg(long)]
    document: Option<String>,
    /// The document's issuing country (ISO 3166-1 alpha-3).
    #[arg(long)]
    document_country: Option<String>,
    /// An MRZ; lines separated by newlines (or a written `\n`).
    #[arg(long)]
    mrz: Option<String>,
    /// Only these kinds (person, organization, travel_document), comma
    /// separated. A person's query (with a birth date, a sex or an MRZ)
    /// screens person and travel_document unless this says otherwise.
    #[arg(long, value_delimiter = ',')]
    kinds: Vec<String>,
    /// Results at most per query (1 to 100, default 10).
    #[arg(long)]
    limit: Option<usize>,
    /// A manifest to screen: JSON lines, CSV with a header, or PAXLST
    /// (`-`: standard input). At most 1,000 travellers.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["name", "document", "mrz", "birth_date", "nationality", "sex", "document_country", "kinds", "limit"])]
    file: Option<PathBuf>,
    /// The file's format; by default from its extension (.jsonl, .ndjson,
    /// .csv, .edi, .edifact, .paxlst), else from its first characters.
    #[arg(long, value_enum, requires = "file")]
    format: Option<FileFormat>,
    /// With --file: show only the travellers that made a hit (and errors).
    #[arg(long, requires = "file")]
    hits_only: bool,
    /// Where the search is made (e.g. `CDG T2`); audited, and on the hits.
    #[arg(long)]
    location: Option<String>,
    /// Why (e.g. `border_check`); audited, and on the hits.
    #[arg(long)]
    purpose: Option<String>,
    /// Print the API's JSON instead of text.
    #[arg(long)]
    json: bool,
}

impl ScreenArgs {
    /// Whether the command goes to a server rather than the store.
    pub(crate) fn remote(&self) -> anyhow::Result<Option<Remote>> {
        Remote::from(&self.connection)
    }

    /// The request as the API takes it, from the flags.
    fn request(&self) -> Value {
        let mut o = Map::new();
        let mut put = |k: &str, v: &Option<String>| {
            if let Some(v) = v {
                o.insert(k.to_owned(), Value::from(v.as_str()));
            }
        };
        put("name", &self.name);
        put("birth_date", &self.birth_date);
        put("nationality", &self.nationality);
        put("sex", &self.sex);
        put("document_number", &self.document);
        put("document_country", &self.document_country);
        put("mrz", &self.mrz.as_ref().map(|m| m.replace("\\n", "\n")));
        put("location", &self.location);
        put("purpose", &self.purpose);
        if !self.kinds.is_empty() {
            o.insert("kinds".to_owned(), json!(self.kinds));
        }
        if let Some(limit) = self.limit {
            o.insert("limit".to_owned(), json!(limit));
        }
        Value::Object(o)
    }

    /// The file's bytes and its format, when the user or its name says.
    fn file(&self) -> anyhow::Result<Option<(Vec<u8>, Option<Format>)>> {
        let Some(path) = &self.file else { return Ok(None) };
        let bytes = if path.as_os_str() == "-" {
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut bytes).context("reading standard input")?;
            bytes
        } else {
            std::fs::read(path).with_context(|| format!("reading {}", path.display()))?
        };
        let by_extension = match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
            Some("jsonl" | "ndjson") => Some(Format::JsonLines),
            Some("csv") => Some(Format::Csv),
            Some("edi" | "edifact" | "paxlst") => Some(Format::Paxlst),
            _ => None,
        };
        let format = match self.format {
            Some(FileFormat::JsonLines) => Some(Format::JsonLines),
            Some(FileFormat::Csv) => Some(Format::Csv),
            Some(FileFormat::Paxlst) => Some(Format::Paxlst),
            None => by_extension,
        };
        Ok(Some((bytes, format)))
    }

    /// The batch endpoint's query string.
    fn batch_query(&self) -> String {
        let mut q = form_urlencoded::Serializer::new(String::new());
        if self.hits_only {
            q.append_pair("hits_only", "true");
        }
        if let Some(l) = &self.location {
            q.append_pair("location", l);
        }
        if let Some(p) = &self.purpose {
            q.append_pair("purpose", p);
        }
        let q = q.finish();
        if q.is_empty() { q } else { format!("?{q}") }
    }
}

/// Screens on a server.
pub(crate) async fn remote(remote: Remote, args: ScreenArgs) -> anyhow::Result<ExitCode> {
    let answer = match args.file()? {
        Some((bytes, format)) => {
            let content_type = format.map(media_type);
            let answer =
                remote.post_bytes(&format!("/v1/screen/batch{}", args.batch_query()), bytes, content_type).await?;
            return show_batch(&answer, args.json);
        }
        None => remote.post_json("/v1/screen", &args.request()).await?,
    };
    show_one(&answer, args.json)
}

/// Screens in process on the store, as the `--as` agency.
pub(crate) async fn local(store: Arc<Store>, args: ScreenArgs) -> anyhow::Result<ExitCode> {
    let Some(code) = &args.connection.agency else {
        anyhow::bail!("give --as CODE (the agency whose view to use), or --server URL");
    };
    let agency = crate::registered(&store, "--as", code).await?;
    let started = Instant::now();
    eprint!("building the screening index… ");
    let records = store.enable_screening().await.context("building the screening index")?;
    eprintln!("{records} records in {:.1} s", started.elapsed().as_secs_f64());
    let actor = Actor::operator(agency);
    let failed = |e: tocsin_server::ApiError| anyhow::anyhow!("{} ({})", e.message(), e.code());
    if let Some((bytes, format)) = args.file()? {
        let format = format.or_else(|| Format::detect(&bytes)).context("the file is empty")?;
        let options =
            BatchOptions { hits_only: args.hits_only, location: args.location.clone(), purpose: args.purpose.clone() };
        let answer = screening::batch(&store, &actor, format, &bytes, options).await.map_err(failed)?;
        return show_batch(&serde_json::to_value(answer)?, args.json);
    }
    let body = serde_json::to_vec(&args.request())?;
    let request = tocsin_core::json::from_slice(&body).map_err(|e| anyhow::anyhow!("{}", e.message))?;
    let answer = screening::screen(&store, &actor, request).await.map_err(failed)?;
    show_one(&serde_json::to_value(answer)?, args.json)
}

fn media_type(format: Format) -> &'static str {
    match format {
        Format::JsonLines => "application/x-ndjson",
        Format::Csv => "text/csv",
        Format::Paxlst => "application/edifact",
    }
}

fn show_one(answer: &Value, as_json: bool) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    if as_json {
        writeln!(out, "{}", serde_json::to_string_pretty(answer)?)?;
    } else {
        write_answer(&mut out, answer, "")?;
    }
    Ok(ExitCode::SUCCESS)
}

fn show_batch(answer: &Value, as_json: bool) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    if as_json {
        writeln!(out, "{}", serde_json::to_string_pretty(answer)?)?;
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(f) = answer["flight"]["described"].as_str() {
        writeln!(out, "flight {f}")?;
    }
    let s = &answer["summary"];
    let n = |k: &str| s[k].as_u64().unwrap_or(0);
    writeln!(
        out,
        "{} travellers, {} matched ({} matches), {} hits, {} errors",
        n("travellers"),
        n("matched"),
        n("matches"),
        n("hits"),
        n("errors")
    )?;
    for p in answer["problems"].as_array().into_iter().flatten() {
        writeln!(out, "PROBLEM {}", p["message"].as_str().unwrap_or_default())?;
    }
    let mut quiet = 0;
    for item in answer["results"].as_array().into_iter().flatten() {
        let matches = item["result"]["matches"].as_array().map_or(0, Vec::len);
        if matches == 0 && item["error"].is_null() && item["notes"].is_null() {
            quiet += 1;
            continue;
        }
        let place = match (item["line"].as_u64(), item["segment"].as_u64()) {
            (Some(l), _) => format!("line {l}"),
            (None, Some(s)) => format!("segment {s}"),
            (None, None) => String::new(),
        };
        let reference = item["ref"].as_str().map(|r| format!(" ref {r}")).unwrap_or_default();
        let who = match item["traveller"].as_object() {
            Some(t) => format!(
                " {} {}{}",
                t["role"].as_str().unwrap_or_default(),
                t["name"].as_str().unwrap_or_default(),
                t.get("birth_date").and_then(Value::as_str).map(|b| format!(", born {b}")).unwrap_or_default()
            ),
            None => String::new(),
        };
        writeln!(out, "\n{place}{reference}{who}")?;
        for note in item["notes"].as_array().into_iter().flatten() {
            writeln!(out, "  note: {}", note.as_str().unwrap_or_default())?;
        }
        if let Some(e) = item["error"].as_object() {
            writeln!(out, "  ERROR {}", e["message"].as_str().unwrap_or_default())?;
        } else {
            write_answer(&mut out, &item["result"], "  ")?;
        }
    }
    if quiet > 0 {
        writeln!(out, "\n{quiet} travellers without a match are not shown (--json shows every one)")?;
    }
    Ok(ExitCode::SUCCESS)
}

/// One query's answer as text: each match with what it is, who owns it,
/// what to do, the notices on it and the hit it made, then why it matched.
fn write_answer(out: &mut impl Write, answer: &Value, indent: &str) -> std::io::Result<()> {
    if let Some(failed) = answer["mrz"]["failed"].as_array().filter(|f| !f.is_empty()) {
        let failed: Vec<&str> = failed.iter().filter_map(Value::as_str).collect();
        writeln!(out, "{indent}MRZ check digits FAILED: {} (screened all the same)", failed.join(", "))?;
    }
    let matches = answer["matches"].as_array().map(Vec::as_slice).unwrap_or_default();
    if matches.is_empty() {
        writeln!(out, "{indent}no matches")?;
    }
    for m in matches {
        let r = &m["record"];
        let score = m["score"].as_f64().unwrap_or_default();
        let hit = m["hit_id"].as_str().map(|h| format!("  HIT {h}")).unwrap_or_default();
        writeln!(out, "{indent}{score:.3}  {}{hit}", describe(r))?;
        let sub = format!("{indent}       ");
        let list = match (r["source"]["list"].as_str(), r["source"]["id"].as_str()) {
            (Some(l), Some(id)) => format!("  list {l} {id}"),
            _ => String::new(),
        };
        writeln!(
            out,
            "{sub}record {}  owner {}{list}",
            r["id"].as_str().unwrap_or_default(),
            r["owner"].as_str().unwrap_or_default()
        )?;
        let handling = &m["handling"];
        let instructions = handling["instructions"].as_str().map(|i| format!(": {i}")).unwrap_or_default();
        writeln!(out, "{sub}handling {}{instructions}", handling["code"].as_str().unwrap_or_default())?;
        for n in m["notices"].as_array().into_iter().flatten() {
            writeln!(
                out,
                "{sub}notice {} {} by {}: {}",
                n["type"].as_str().unwrap_or_default(),
                n["id"].as_str().unwrap_or_default(),
                n["owner"].as_str().unwrap_or_default(),
                n["requested_action"].as_str().unwrap_or_default()
            )?;
        }
        if let Some(d) = m["dismissed_before"].as_object() {
            writeln!(
                out,
                "{sub}no hit: reviewed as a false positive on hit {} (until {})",
                d["hit_id"].as_str().unwrap_or_default(),
                d["until"].as_str().unwrap_or_default()
            )?;
        }
        if let Some(name) = m["explanation"]["name"]["record"].as_str() {
            writeln!(out, "{sub}matched name `{name}`")?;
        }
        write_features(out, &m["explanation"], &sub)?;
    }
    Ok(())
}

/// Each feature of an explanation (a match's, a hit's) on its line: its
/// contribution to the score, its name and what it saw.
pub(crate) fn write_features(out: &mut impl Write, explanation: &Value, indent: &str) -> std::io::Result<()> {
    for f in explanation["features"].as_array().into_iter().flatten() {
        writeln!(
            out,
            "{indent}{:+.3} {:<12} {}",
            f["contribution"].as_f64().unwrap_or_default(),
            f["feature"].as_str().unwrap_or_default(),
            f["detail"].as_str().unwrap_or_default()
        )?;
    }
    Ok(())
}

/// A record in a few words: a person's first name and birth dates, an
/// organization's name, a document's number, country, type and status.
fn describe(r: &Value) -> String {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    let list = |v: &Value| v.as_array().map(|a| a.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(", "));
    match r["kind"].as_str() {
        Some("travel_document") => format!(
            "travel document {} ({} {}, {})",
            text(&r["number"]),
            text(&r["country"]),
            text(&r["doc_type"]),
            text(&r["status"])
        ),
        Some(kind) => {
            let name = text(&r["names"][0]["full"]);
            let born =
                list(&r["birth_dates"]).filter(|b| !b.is_empty()).map(|b| format!(", born {b}")).unwrap_or_default();
            let nat =
                list(&r["nationalities"]).filter(|n| !n.is_empty()).map(|n| format!(" ({n})")).unwrap_or_default();
            format!("{kind} {name}{born}{nat}")
        }
        None => text(&r["id"]),
    }
}
