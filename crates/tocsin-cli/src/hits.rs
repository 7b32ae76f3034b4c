//! `tocsin hits`: the agency's hits (on its records, and from its
//! screenings) and their workflow, on a server (`--server`) or in process
//! on the store (`--as`), printed as text or as the API's JSON.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use serde_json::Value;
use tocsin_core::hit::{HitId, HitStatus, Side};
use tocsin_store::{Actor, HitQuery, Store};

use crate::remote::{Connection, Remote};

#[derive(clap::Subcommand)]
pub(crate) enum HitsCommand {
    /// Lists the agency's hits, newest first: those on its records (silent
    /// ones included) and those its screenings made.
    List {
        #[command(flatten)]
        connection: Connection,
        /// `owner`: hits on the agency's records; `searcher`: hits its
        /// screenings made. Both by default.
        #[arg(long, value_parser = ["owner", "searcher"])]
        role: Option<String>,
        /// Only this status (new, acknowledged, confirmed, false_positive,
        /// action_taken, closed).
        #[arg(long)]
        status: Option<String>,
        /// At most this many (1 to 1000).
        #[arg(long, default_value_t = 100)]
        limit: u32,
        /// Print the API's JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Shows one hit: the query, the record, the score and why.
    Show {
        #[command(flatten)]
        connection: Connection,
        /// The hit's id.
        id: String,
        /// Print the API's JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Moves a hit along new → acknowledged → confirmed | false_positive →
    /// action_taken → closed; a move the agency may not make is refused,
    /// naming the moves it may make.
    Move {
        #[command(flatten)]
        connection: Connection,
        /// The hit's id.
        id: String,
        /// The status to move it to.
        status: String,
        /// Print the API's JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

impl HitsCommand {
    fn connection(&self) -> &Connection {
        match self {
            HitsCommand::List { connection, .. }
            | HitsCommand::Show { connection, .. }
            | HitsCommand::Move { connection, .. } => connection,
        }
    }

    /// The server to ask, when one is named.
    pub(crate) fn remote(&self) -> anyhow::Result<Option<Remote>> {
        Remote::from(self.connection())
    }

    fn json(&self) -> bool {
        match self {
            HitsCommand::List { json, .. } | HitsCommand::Show { json, .. } | HitsCommand::Move { json, .. } => *json,
        }
    }
}

/// On a server.
pub(crate) async fn remote(remote: Remote, cmd: HitsCommand) -> anyhow::Result<ExitCode> {
    let as_json = cmd.json();
    match cmd {
        HitsCommand::List { role, status, limit, .. } => {
            let mut q = form_urlencoded::Serializer::new(String::new());
            q.append_pair("limit", &limit.to_string());
            if let Some(r) = &role {
                q.append_pair("role", r);
            }
            if let Some(s) = &status {
                q.append_pair("status", s);
            }
            let page = remote.get(&format!("/v1/hits?{}", q.finish())).await?;
            show_list(&page, as_json)
        }
        HitsCommand::Show { id, .. } => show_one(&remote.get(&format!("/v1/hits/{}", encode(&id))).await?, as_json),
        HitsCommand::Move { id, status, .. } => {
            let body = serde_json::json!({ "status": status });
            show_one(&remote.post_json(&format!("/v1/hits/{}/status", encode(&id)), &body).await?, as_json)
        }
    }
}

/// In process, as the `--as` agency.
pub(crate) async fn local(store: Arc<Store>, cmd: HitsCommand) -> anyhow::Result<ExitCode> {
    let Some(code) = &cmd.connection().agency else {
        anyhow::bail!("give --as CODE (the agency whose hits to use), or --server URL");
    };
    let actor = Actor::operator(crate::registered(&store, "--as", code).await?);
    let as_json = cmd.json();
    match cmd {
        HitsCommand::List { role, status, limit, .. } => {
            let role = match role.as_deref() {
                Some("owner") => Some(Side::Owner),
                Some("searcher") => Some(Side::Searcher),
                _ => None,
            };
            let status = status
                .as_deref()
                .map(str::parse::<HitStatus>)
                .transpose()
                .map_err(|e| anyhow::anyhow!("--status: {}", e.message))?;
            let query = HitQuery { role, status, since: None, before: None, limit };
            let page = store.hits(&actor, query).await?;
            show_list(&serde_json::to_value(page)?, as_json)
        }
        HitsCommand::Show { id, .. } => {
            let hit = store.hit(&actor, hit_id(&id)?).await?;
            show_one(&serde_json::to_value(hit)?, as_json)
        }
        HitsCommand::Move { id, status, .. } => {
            let to = status.parse::<HitStatus>().map_err(|e| anyhow::anyhow!("status: {}", e.message))?;
            let hit = store.set_hit_status(&actor, hit_id(&id)?, to).await?;
            show_one(&serde_json::to_value(hit)?, as_json)
        }
    }
}

fn hit_id(id: &str) -> anyhow::Result<HitId> {
    id.parse::<HitId>().map_err(|e| anyhow::anyhow!("hit id: {}", e.message)).context("the hit")
}

/// A path segment, percent-encoded.
fn encode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn show_list(page: &Value, as_json: bool) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    if as_json {
        writeln!(out, "{}", serde_json::to_string_pretty(page)?)?;
        return Ok(ExitCode::SUCCESS);
    }
    let items = page["items"].as_array().map(Vec::as_slice).unwrap_or_default();
    if items.is_empty() {
        writeln!(out, "no hits")?;
    }
    for h in items {
        writeln!(out, "{}", line(h))?;
    }
    if let Some(next) = page["next"].as_str() {
        writeln!(out, "(more: older than {next})")?;
    }
    Ok(ExitCode::SUCCESS)
}

/// A hit on one line: id, time, status, score, who screened whose record,
/// where and why.
fn line(h: &Value) -> String {
    let s = |k: &str| h[k].as_str().unwrap_or_default();
    let silent = if h["silent"].as_bool() == Some(true) { " silent" } else { "" };
    let place = h["location"].as_str().map(|l| format!(" at {l}")).unwrap_or_default();
    format!(
        "{}  {}  {:<14} {:.3}  {} screened {}'s record {}{silent}  handling {}{place}",
        s("id"),
        s("time"),
        s("status"),
        h["score"].as_f64().unwrap_or_default(),
        s("searcher"),
        s("owner"),
        s("record_id"),
        s("handling"),
    )
}

fn show_one(hit: &Value, as_json: bool) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    if as_json {
        writeln!(out, "{}", serde_json::to_string_pretty(hit)?)?;
        return Ok(ExitCode::SUCCESS);
    }
    writeln!(out, "{}", line(hit))?;
    if let Some(p) = hit["purpose"].as_str() {
        writeln!(out, "  purpose  {p}")?;
    }
    writeln!(out, "  query    {}", hit["query"])?;
    crate::screen::write_features(&mut out, &hit["explanation"], "  ")?;
    Ok(ExitCode::SUCCESS)
}
