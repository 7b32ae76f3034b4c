//! `tocsin intel`: the threat-intelligence hub from the command line, on a
//! server (`--server`, the token's agency) or in process on the store
//! (`--as`): collections, importing a STIX bundle (sent as TAXII envelopes
//! under the hub's size limit, as MISP pushes), and checking observables.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use serde_json::{Value, json};
use tocsin_core::AgencyCode;
use tocsin_core::record::AccessRule;
use tocsin_hub::{CollectionInput, Hub, MAX_CHECK};
use tocsin_intel::taxii::MEDIA_TYPE;
use tocsin_store::{Actor, Store};

use crate::remote::{Connection, Remote};

#[derive(clap::Subcommand)]
pub(crate) enum IntelCommand {
    /// Creates a collection owned by the agency (its administrators').
    CollectionAdd {
        #[command(flatten)]
        connection: Connection,
        /// The collection's title.
        #[arg(long)]
        title: String,
        /// The API root (trust community) it belongs to.
        #[arg(long, default_value = "shared")]
        root: String,
        /// A name usable in place of its id (a-z, 0-9, -).
        #[arg(long)]
        alias: Option<String>,
        #[arg(long)]
        description: Option<String>,
        /// Who may read it besides the owner: `all`, `only:FRA,DEU` or
        /// `except:XXX`.
        #[arg(long, default_value = "all", value_parser = parse_rule)]
        readers: AccessRule,
        /// Who may write to it besides the owner (same forms).
        #[arg(long, default_value = "only:", value_parser = parse_rule)]
        writers: AccessRule,
    },
    /// Lists the collections the agency may read or write.
    Collections {
        #[command(flatten)]
        connection: Connection,
    },
    /// Imports a STIX 2.1 bundle (or a TAXII envelope) into a collection.
    Import {
        #[command(flatten)]
        connection: Connection,
        /// The bundle (`-`: standard input).
        file: PathBuf,
        /// The collection (its id or alias).
        #[arg(long)]
        collection: String,
        /// Its API root.
        #[arg(long, default_value = "shared")]
        root: String,
    },
    /// Checks observables (IP addresses, domains, URLs, e-mail addresses,
    /// file hashes, wallet addresses; defanged forms read) against what the
    /// hub holds; each match is a sighting for the object's owner.
    Check {
        #[command(flatten)]
        connection: Connection,
        /// The values.
        values: Vec<String>,
        /// A file of values, one per line (`-`: standard input).
        #[arg(long)]
        file: Option<PathBuf>,
        /// Print the API's JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

impl IntelCommand {
    fn connection(&self) -> &Connection {
        match self {
            IntelCommand::CollectionAdd { connection, .. }
            | IntelCommand::Collections { connection }
            | IntelCommand::Import { connection, .. }
            | IntelCommand::Check { connection, .. } => connection,
        }
    }

    /// The server to ask, if `--server` is given.
    pub(crate) fn remote(&self) -> anyhow::Result<Option<Remote>> {
        Remote::from(self.connection())
    }
}

fn parse_rule(text: &str) -> Result<AccessRule, String> {
    let codes = |list: &str| -> Result<Vec<AgencyCode>, String> {
        list.split(',')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(|c| AgencyCode::parse(c).map_err(|e| format!("`{c}`: {e}")))
            .collect()
    };
    match text.split_once(':') {
        None if text == "all" => Ok(AccessRule::All),
        Some(("only", list)) => Ok(AccessRule::Only { countries: codes(list)? }),
        Some(("except", list)) => Ok(AccessRule::Except { countries: codes(list)? }),
        _ => Err(format!("`{text}`: all, only:CODE,CODE… or except:CODE,CODE…")),
    }
}

fn read_file(path: &PathBuf) -> anyhow::Result<Vec<u8>> {
    if path.as_os_str() == "-" {
        let mut bytes = vec![];
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut bytes).context("reading standard input")?;
        return Ok(bytes);
    }
    std::fs::read(path).with_context(|| format!("reading {}", path.display()))
}

/// The objects of a bundle or envelope, as envelopes of at most `max`
/// bytes each (an object larger than that alone is sent alone, and refused
/// by the hub with the limit).
fn envelopes(bytes: &[u8], max: usize) -> anyhow::Result<(usize, Vec<Vec<u8>>)> {
    let document: Value = serde_json::from_slice(bytes).context("the file is not JSON")?;
    let objects = tocsin_intel::stix::objects_of(document).context("the file is not a STIX bundle")?;
    let count = objects.len();
    let mut out = vec![];
    let mut current: Vec<String> = vec![];
    let mut size = 2 + "{\"objects\":[]}".len();
    for o in objects {
        let text = o.to_string();
        if !current.is_empty() && size + text.len() + 1 > max {
            out.push(format!("{{\"objects\":[{}]}}", current.join(",")).into_bytes());
            current.clear();
            size = 2 + "{\"objects\":[]}".len();
        }
        size += text.len() + 1;
        current.push(text);
    }
    if !current.is_empty() {
        out.push(format!("{{\"objects\":[{}]}}", current.join(",")).into_bytes());
    }
    Ok((count, out))
}

/// The values of a check: the arguments, then the file's lines.
fn values_of(values: Vec<String>, file: Option<&PathBuf>) -> anyhow::Result<Vec<String>> {
    let mut all = values;
    if let Some(f) = file {
        let text = String::from_utf8(read_file(f)?).context("the file is not UTF-8")?;
        all.extend(text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(str::to_owned));
    }
    anyhow::ensure!(!all.is_empty(), "give values to check, or --file");
    anyhow::ensure!(all.len() <= MAX_CHECK, "{} values: at most {MAX_CHECK} per check", all.len());
    Ok(all)
}

pub(crate) async fn remote(remote: Remote, cmd: IntelCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        IntelCommand::CollectionAdd { title, root, alias, description, readers, writers, .. } => {
            let body = json!({
                "title": title, "root": root, "alias": alias, "description": description,
                "readers": readers, "writers": writers,
            });
            let c = remote.post_json("/v1/intel/collections", &body).await?;
            println!("Created collection {} ({}) under /taxii2/{}/.", c["id"], c["title"], c["root"]);
            Ok(ExitCode::SUCCESS)
        }
        IntelCommand::Collections { .. } => {
            let list = remote.get("/v1/intel/collections").await?;
            show_collections(list["collections"].as_array().map(Vec::as_slice).unwrap_or_default());
            Ok(ExitCode::SUCCESS)
        }
        IntelCommand::Import { file, collection, root, .. } => {
            let api_root = remote.get_as(&format!("/taxii2/{root}/"), MEDIA_TYPE).await?;
            let max = api_root["max_content_length"].as_u64().context("the API root gives no max_content_length")?;
            let (count, parts) = envelopes(&read_file(&file)?, usize::try_from(max).unwrap_or(usize::MAX))?;
            let path = format!("/taxii2/{root}/collections/{collection}/objects/");
            let mut statuses = vec![];
            for part in parts {
                statuses.push(remote.post_as(&path, part, MEDIA_TYPE, MEDIA_TYPE).await?);
            }
            report_import(count, &statuses)
        }
        IntelCommand::Check { values, file, json, .. } => {
            let values = values_of(values, file.as_ref())?;
            let answer = remote.post_json("/v1/intel/check", &json!({ "values": values })).await?;
            show_check(&answer, json)
        }
    }
}

pub(crate) async fn local(store: Arc<Store>, cmd: IntelCommand) -> anyhow::Result<ExitCode> {
    let Some(code) = &cmd.connection().agency else {
        anyhow::bail!("give --as CODE (the agency to act for), or --server URL");
    };
    let agency = crate::registered(&store, "--as", code).await?;
    let actor = Actor::operator(agency);
    let hub = Hub::new(store, tocsin_hub::Options::default());
    match cmd {
        IntelCommand::CollectionAdd { title, root, alias, description, readers, writers, .. } => {
            let input = CollectionInput { root, title, description, alias, readers, writers };
            let c = hub.create_collection(&actor, input).await?;
            println!("Created collection {} ({}) under /taxii2/{}/.", c.id, c.title, c.root);
        }
        IntelCommand::Collections { .. } => {
            let list = serde_json::to_value(hub.collections(&actor, None).await?)?;
            show_collections(list.as_array().map(Vec::as_slice).unwrap_or_default());
        }
        IntelCommand::Import { file, collection, root, .. } => {
            let (count, parts) = envelopes(&read_file(&file)?, hub.options().max_content_length)?;
            let mut statuses = vec![];
            for part in parts {
                statuses.push(serde_json::to_value(hub.post(&actor, &root, &collection, &part).await?)?);
            }
            return report_import(count, &statuses);
        }
        IntelCommand::Check { values, file, json, .. } => {
            let values = values_of(values, file.as_ref())?;
            let answer = serde_json::to_value(hub.check(&actor, &values).await?)?;
            return show_check(&answer, json);
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn show_collections(list: &[Value]) {
    if list.is_empty() {
        println!("No collection this agency may read or write.");
    }
    for c in list {
        let rights = match (c["can_read"].as_bool(), c["can_write"].as_bool()) {
            (Some(true), Some(true)) => "read, write",
            (Some(true), _) => "read",
            _ => "write",
        };
        let alias = c["alias"].as_str().map(|a| format!(" ({a})")).unwrap_or_default();
        println!(
            "/taxii2/{}/collections/{}/{alias}\t{}\towner {}\t{rights}",
            c["root"].as_str().unwrap_or_default(),
            c["id"].as_str().unwrap_or_default(),
            c["title"].as_str().unwrap_or_default(),
            c["owner"].as_str().unwrap_or_default(),
        );
    }
}

/// Prints what became of each object; exits 1 if any failed.
fn report_import(count: usize, statuses: &[Value]) -> anyhow::Result<ExitCode> {
    let sum = |key: &str| statuses.iter().filter_map(|s| s[key].as_u64()).sum::<u64>();
    let (ok, failed) = (sum("success_count"), sum("failure_count"));
    println!(
        "{count} objects read; {ok} stored (or already there), {failed} refused, in {} envelope(s).",
        statuses.len()
    );
    for s in statuses {
        for f in s["failures"].as_array().map(Vec::as_slice).unwrap_or_default() {
            println!(
                "refused {}: {}",
                f["id"].as_str().filter(|i| !i.is_empty()).unwrap_or("(no id)"),
                f["message"].as_str().unwrap_or_default()
            );
        }
    }
    Ok(if failed == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// Prints a check's answer; exits 0 with matches, 1 without (as grep).
fn show_check(answer: &Value, json: bool) -> anyhow::Result<ExitCode> {
    let matched = answer["matched"].as_u64().unwrap_or(0);
    if json {
        println!("{}", serde_json::to_string_pretty(answer)?);
    } else {
        println!("{} values checked, {matched} matched.", answer["checked"]);
        for r in answer["results"].as_array().map(Vec::as_slice).unwrap_or_default() {
            let value = r["value"].as_str().unwrap_or_default();
            if let Some(e) = r["error"].as_str() {
                println!("{value}: not checked: {e}");
                continue;
            }
            let canonical = r["canonical"].as_str().unwrap_or_default();
            let noise = r["noise"].as_str().map(|n| format!(" [noise: {n}]")).unwrap_or_default();
            println!("{value} ({} {canonical}){noise}", r["kind"].as_str().unwrap_or_default());
            for m in r["matches"].as_array().map(Vec::as_slice).unwrap_or_default() {
                let name = m["context"]["name"].as_str().map(|n| format!(" \"{n}\"")).unwrap_or_default();
                let tlp = m["tlp"].as_str().map(|t| format!(" TLP:{}", t.to_uppercase())).unwrap_or_default();
                println!(
                    "  {} {}{name} shared by {}{tlp} in /taxii2/{}/collections/{}/",
                    m["type"].as_str().unwrap_or_default(),
                    m["id"].as_str().unwrap_or_default(),
                    m["owner"].as_str().unwrap_or_default(),
                    m["root"].as_str().unwrap_or_default(),
                    m["collection"].as_str().unwrap_or_default(),
                );
            }
            if r["more"].as_bool() == Some(true) {
                println!("  … and more");
            }
        }
    }
    Ok(if matched > 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bundle_is_split_under_the_limit_and_nothing_lost() {
        let objects: Vec<Value> = (0..50).map(|i| json!({"type": "x-test", "n": i, "pad": "p".repeat(100)})).collect();
        let bundle =
            serde_json::to_vec(&json!({"type": "bundle", "id": "bundle--x", "objects": objects})).expect("json");
        let (count, parts) = envelopes(&bundle, 1000).expect("split");
        assert_eq!(count, 50);
        assert!(parts.len() > 5, "{} envelopes", parts.len());
        let mut seen = 0;
        for p in &parts {
            assert!(p.len() <= 1000, "{} bytes", p.len());
            seen += serde_json::from_slice::<Value>(p).expect("envelope")["objects"].as_array().expect("objects").len();
        }
        assert_eq!(seen, 50);
    }

    #[test]
    fn access_rules_read_from_the_command_line() {
        assert_eq!(parse_rule("all"), Ok(AccessRule::All));
        assert_eq!(parse_rule("only:"), Ok(AccessRule::Only { countries: vec![] }));
        let fra = AgencyCode::parse("FRA").expect("code");
        assert_eq!(parse_rule("except:FRA"), Ok(AccessRule::Except { countries: vec![fra] }));
        assert!(parse_rule("some:FRA").is_err());
        assert!(parse_rule("only:FRANCE").is_err());
    }
}
