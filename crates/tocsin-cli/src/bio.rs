//! `tocsin bio`: biometric files read on this machine (`inspect`), and
//! enrolment, 1:N search, candidates and exports on a running server.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use serde_json::Value;

use crate::remote::Server;

#[derive(clap::Subcommand)]
pub(crate) enum BioCommand {
    /// Prints every record and field of a biometric file: an ANSI/NIST-ITL
    /// transaction (traditional encoding), an ISO/IEC 19794-2:2005 or
    /// ANSI/INCITS 378-2004 minutiae record (every minutia), the header of
    /// a 19794-5 face or 19794-6 iris record, a WSQ image's markers, or the
    /// elements of an XML transaction. Exits 1 on a file it cannot read,
    /// naming where.
    Inspect {
        /// The file.
        file: PathBuf,
    },
    /// Enrols biometric data for a person record of your agency: an
    /// ANSI/NIST-ITL transaction or minutiae record, or a JSON template
    /// (`{"face": {"model", "version", "vector"}}` or `{"fingers": [...]}`).
    Enrol {
        #[command(flatten)]
        server: Server,
        /// The person record the data describes.
        #[arg(long)]
        subject: String,
        /// The file.
        file: PathBuf,
    },
    /// Searches the galleries (1:N) with a face template (JSON) or the
    /// finger views of a transaction or minutiae record; prints the
    /// decision and the candidate list. Candidates are for an examiner to
    /// confirm: a search makes no hit.
    Search {
        #[command(flatten)]
        server: Server,
        /// Why the search is made (required; audited).
        #[arg(long)]
        purpose: String,
        /// The most candidates to list.
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// Print the server's answer as JSON.
        #[arg(long)]
        json: bool,
        /// The probe.
        file: PathBuf,
    },
    /// Lists the candidates of searches by or about your agency (an
    /// examiner's queue with `--pending`).
    Candidates {
        #[command(flatten)]
        server: Server,
        /// Only those still to decide.
        #[arg(long)]
        pending: bool,
    },
    /// Confirms a candidate (examiners): a hit is made and follows the hit
    /// workflow (silent when the searcher may not see the record).
    Confirm {
        #[command(flatten)]
        server: Server,
        /// The search.
        search: String,
        /// The candidate's biometric record.
        record: String,
    },
    /// Rejects a candidate (examiners): no hit.
    Reject {
        #[command(flatten)]
        server: Server,
        /// The search.
        search: String,
        /// The candidate's biometric record.
        record: String,
    },
    /// Writes a biometric record back as an ANSI/NIST-ITL transaction
    /// (`an2k`) or a minutiae record (`iso`: ISO/IEC 19794-2:2005, `ansi`:
    /// ANSI/INCITS 378-2004).
    Export {
        #[command(flatten)]
        server: Server,
        /// The biometric record.
        record: String,
        /// The format.
        #[arg(long, default_value = "an2k", value_parser = ["an2k", "iso", "ansi"])]
        format: String,
        /// Where to write it.
        #[arg(long)]
        out: PathBuf,
    },
}

fn read(file: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(file).with_context(|| format!("reading {}", file.display()))
}

/// The body and its content type: JSON for a `.json` file or one that
/// starts with `{`, the file's bytes otherwise.
fn body(bytes: Vec<u8>) -> (Vec<u8>, &'static str) {
    match bytes.trim_ascii_start().first() {
        Some(b'{') => (bytes, "application/json"),
        _ => (bytes, "application/octet-stream"),
    }
}

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

pub(crate) async fn run(command: BioCommand) -> anyhow::Result<ExitCode> {
    match command {
        BioCommand::Inspect { file } => {
            let bytes = read(&file)?;
            match tocsin_bio::describe(&bytes) {
                Ok(lines) => {
                    lines.iter().for_each(|l| println!("{l}"));
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    eprintln!("error: {}: {e}", file.display());
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        BioCommand::Enrol { server, subject, file } => {
            let remote = server.remote()?;
            let (bytes, kind) = body(read(&file)?);
            let answer = if kind == "application/json" {
                let mut v: Value = serde_json::from_slice(&bytes).with_context(|| format!("{}", file.display()))?;
                v["subject"] = Value::String(subject);
                remote.post_json("/v1/biometrics", &v).await?
            } else {
                remote.post_bytes(&format!("/v1/biometrics?subject={}", enc(&subject)), bytes, Some(kind)).await?
            };
            println!("{}", answer["id"].as_str().unwrap_or_default());
            Ok(ExitCode::SUCCESS)
        }
        BioCommand::Search { server, purpose, limit, json, file } => {
            let remote = server.remote()?;
            let (bytes, kind) = body(read(&file)?);
            let answer = if kind == "application/json" {
                let mut v: Value = serde_json::from_slice(&bytes).with_context(|| format!("{}", file.display()))?;
                v["purpose"] = Value::String(purpose);
                v["limit"] = Value::from(limit);
                remote.post_json("/v1/biometrics/search", &v).await?
            } else {
                let path = format!("/v1/biometrics/search?purpose={}&limit={limit}", enc(&purpose));
                remote.post_bytes(&path, bytes, Some(kind)).await?
            };
            if json {
                println!("{answer}");
                return Ok(ExitCode::SUCCESS);
            }
            println!(
                "search {}  {} ({})  decision: {}",
                answer["search"].as_str().unwrap_or_default(),
                answer["modality"].as_str().unwrap_or_default(),
                answer["model"].as_str().unwrap_or_default(),
                answer["decision"].as_str().unwrap_or_default()
            );
            let candidates = answer["candidates"].as_array().cloned().unwrap_or_default();
            if !candidates.is_empty() {
                println!("{:<5} {:<8} {:<6} {:<38} SUBJECT", "RANK", "SCORE", "OWNER", "RECORD");
            }
            for c in candidates {
                println!(
                    "{:<5} {:<8.4} {:<6} {:<38} {}",
                    c["rank"],
                    c["score"].as_f64().unwrap_or_default(),
                    c["owner"].as_str().unwrap_or_default(),
                    c["record"].as_str().unwrap_or_default(),
                    c["subject"].as_str().unwrap_or_default()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        BioCommand::Candidates { server, pending } => {
            let remote = server.remote()?;
            let list = remote.get(&format!("/v1/biometrics/candidates?pending={pending}")).await?;
            for c in list.as_array().cloned().unwrap_or_default() {
                println!(
                    "{} {} {:<9} {:.4} {} by {} ({}) {}",
                    c["search"].as_str().unwrap_or_default(),
                    c["record"].as_str().unwrap_or_default(),
                    c["status"].as_str().unwrap_or_default(),
                    c["score"].as_f64().unwrap_or_default(),
                    c["modality"].as_str().unwrap_or_default(),
                    c["searcher"].as_str().unwrap_or_default(),
                    c["user"].as_str().unwrap_or_default(),
                    if c["shown"] == Value::Bool(false) { "silent" } else { "" },
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        BioCommand::Confirm { server, search, record } => decide(server, &search, &record, "confirm").await,
        BioCommand::Reject { server, search, record } => decide(server, &search, &record, "reject").await,
        BioCommand::Export { server, record, format, out } => {
            let remote = server.remote()?;
            let path = match format.as_str() {
                "an2k" => format!("/v1/biometrics/{}/an2k", enc(&record)),
                standard => format!("/v1/biometrics/{}/fmr?standard={standard}", enc(&record)),
            };
            let bytes = remote.get_bytes(&path).await?;
            std::fs::write(&out, &bytes).with_context(|| format!("writing {}", out.display()))?;
            println!("{} bytes written to {}", bytes.len(), out.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// An examiner's decision on a candidate.
async fn decide(server: Server, search: &str, record: &str, decision: &str) -> anyhow::Result<ExitCode> {
    let remote = server.remote()?;
    let path = format!("/v1/biometrics/searches/{}/candidates/{}/{decision}", enc(search), enc(record));
    let c = remote.post_json(&path, &Value::Null).await?;
    match c["hit"].as_str() {
        Some(hit) => println!("{}: hit {hit}", c["status"].as_str().unwrap_or_default()),
        None => println!("{}", c["status"].as_str().unwrap_or_default()),
    }
    Ok(ExitCode::SUCCESS)
}
