//! `tocsin key`, `tocsin message` and `tocsin diffusion`: an agency's key
//! file made and published, messages and diffusions sealed here to the
//! recipients' published keys and signed, and opened here with the key
//! file. The server only ever sees the sealed envelope.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use serde_json::{Value, json};
use time::OffsetDateTime;
use tocsin_core::AgencyCode;
use tocsin_envelope::{
    Attachment, DiffusionContent, DiffusionKind, Draft, Envelope, KeyFile, Level, Payload, PublicKey, Reference,
};

use crate::remote::{Remote, Server};

#[derive(clap::Subcommand)]
pub(crate) enum KeyCommand {
    /// Makes an agency's key file (an age X25519 key pair to open
    /// messages, an Ed25519 key pair to sign them). Keep it where the
    /// agency's messages are read; it never goes to the server.
    Generate {
        /// The agency.
        #[arg(long)]
        agency: String,
        /// The new key file (refused if it exists).
        #[arg(long)]
        out: PathBuf,
    },
    /// Publishes the key file's current public key (an admin's token).
    Publish {
        #[command(flatten)]
        server: Server,
        /// The key file.
        #[arg(long)]
        key: PathBuf,
    },
    /// Adds a new key pair to the key file and publishes it; the old ones
    /// stay in the file, so older messages still open.
    Rotate {
        #[command(flatten)]
        server: Server,
        /// The key file.
        #[arg(long)]
        key: PathBuf,
    },
    /// Trusts another agency's key after its fingerprint was compared out
    /// of band (a key that changed is refused until then).
    Trust {
        /// Your key file (its trusted keys are kept beside it, `FILE.pins`).
        #[arg(long)]
        key: PathBuf,
        /// The agency.
        agency: String,
        /// The fingerprint, as `tocsin key list` shows it.
        fingerprint: String,
    },
    /// Lists published keys with their fingerprints, to compare out of
    /// band.
    List {
        #[command(flatten)]
        server: Server,
        /// Only this agency's, with retired ones.
        #[arg(long)]
        agency: Option<String>,
    },
}

/// What a message or diffusion says and to whom.
#[derive(clap::Args)]
pub(crate) struct Compose {
    #[command(flatten)]
    server: Server,
    /// Your agency's key file (signs; its agency is the sender).
    #[arg(long)]
    key: PathBuf,
    /// Recipient agencies, separated by commas, or `all`.
    #[arg(long, value_delimiter = ',', required = true)]
    to: Vec<String>,
    /// The subject.
    #[arg(long)]
    subject: String,
    /// The body.
    #[arg(long, conflicts_with = "body_file")]
    body: Option<String>,
    /// The body, from a file.
    #[arg(long)]
    body_file: Option<PathBuf>,
    /// A file to attach (repeat for more; at most 10, 1 MiB each, 2 MiB
    /// in all).
    #[arg(long = "attach")]
    attachments: Vec<PathBuf>,
    /// The confidentiality level: official_use_only, restricted or
    /// confidential (default: official_use_only, or for a reply the level
    /// of the message it answers).
    #[arg(long)]
    level: Option<String>,
    /// A caveat on its use (repeat for more).
    #[arg(long = "caveat")]
    caveats: Vec<String>,
    /// A record, notice or hit every recipient may see: `record:ID`,
    /// `notice:ID`, `hit:ID` (repeat for more).
    #[arg(long = "ref")]
    references: Vec<String>,
    /// The message this answers (the thread follows it).
    #[arg(long)]
    reply_to: Option<String>,
    /// Print the server's answer as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Subcommand)]
pub(crate) enum MessageCommand {
    /// Seals a message to each recipient's published key, signs it with
    /// your key file, and sends it.
    Send(Compose),
    /// Lists your agency's messages, newest first (routing data only).
    List {
        #[command(flatten)]
        server: Server,
        /// `in`, `out` or `all`.
        #[arg(long = "box", default_value = "all")]
        mailbox: String,
        /// Only this thread.
        #[arg(long)]
        thread: Option<String>,
        /// Print the server's answer as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Fetches a message, checks its signature against the sender's
    /// published key, opens it with your key file, prints it and sends the
    /// read receipt.
    Read {
        #[command(flatten)]
        server: Server,
        /// The message.
        id: String,
        /// Your agency's key file.
        #[arg(long)]
        key: PathBuf,
        /// Write the attachments into this folder.
        #[arg(long)]
        save_attachments: Option<PathBuf>,
        /// Print the opened message as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Acknowledges a message.
    Ack {
        #[command(flatten)]
        server: Server,
        /// The message.
        id: String,
    },
}

#[derive(clap::Subcommand)]
pub(crate) enum DiffusionCommand {
    /// Sends a diffusion: a message of a kind, with the content the kind
    /// requires, sealed to the General Secretariat too for its review.
    Send {
        #[command(flatten)]
        message: Box<Compose>,
        /// wanted, missing, information or warning.
        #[arg(long)]
        kind: String,
        /// Wanted: the offence.
        #[arg(long)]
        offence: Option<String>,
        /// Wanted: the arrest warrant or judicial decision it rests on.
        #[arg(long)]
        warrant: Option<String>,
        /// Wanted: what recipients are asked to do.
        #[arg(long)]
        requested_action: Option<String>,
        /// Missing: the circumstances of the disappearance.
        #[arg(long)]
        circumstances: Option<String>,
        /// Missing: where and when the person was last seen.
        #[arg(long)]
        last_seen: Option<String>,
        /// Information: what the information is sought or shared for.
        #[arg(long)]
        purpose: Option<String>,
        /// Warning: the threat.
        #[arg(long)]
        threat: Option<String>,
        /// Warning: the modus operandi.
        #[arg(long)]
        modus_operandi: Option<String>,
    },
    /// Lists diffusions (every one, for the General Secretariat's
    /// reviewers).
    List {
        #[command(flatten)]
        server: Server,
        /// Print the server's answer as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Reviews a diffusion after it was sent (a reviewer's token):
    /// `non_compliant` tells every recipient to stop relying on it.
    Review {
        #[command(flatten)]
        server: Server,
        /// The diffusion.
        id: String,
        /// compliant or non_compliant.
        #[arg(long)]
        verdict: String,
        /// Why.
        #[arg(long)]
        reason: String,
    },
}

fn read_key_file(path: &Path) -> anyhow::Result<KeyFile> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading the key file {}", path.display()))?;
    KeyFile::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// The keys this key file's holder trusts, by agency (`FILE.pins`, beside
/// the key file): the server hands out public keys, so a key that changed
/// is refused until someone compares its fingerprint out of band and runs
/// `tocsin key trust`; an agency's first key is trusted on first use, and
/// said so.
struct Pins {
    path: PathBuf,
    by_agency: BTreeMap<String, Vec<String>>,
}

impl Pins {
    fn of(key_file: &Path) -> anyhow::Result<Pins> {
        let mut name = key_file.as_os_str().to_owned();
        name.push(".pins");
        let path = PathBuf::from(name);
        let by_agency = match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text).with_context(|| format!("{}: not a pins file", path.display()))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
            Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
        };
        Ok(Pins { path, by_agency })
    }

    /// Refuses `key` unless it is pinned for its agency, or the agency has
    /// none pinned yet (then pins it).
    fn check(&mut self, key: &PublicKey) -> anyhow::Result<()> {
        let fp = key.fingerprint();
        let agency = key.agency.to_string();
        match self.by_agency.get_mut(&agency) {
            Some(known) if known.contains(&fp) => Ok(()),
            Some(known) => anyhow::bail!(
                "{agency}'s key on the server is {}, which you have not trusted (trusted: {}). Compare it with {agency} \
                 out of band, then run `tocsin key trust --key FILE {agency} {fp}`; nothing was sent or opened",
                tocsin_envelope::grouped(&fp),
                known.iter().map(|k| tocsin_envelope::grouped(k)).collect::<Vec<_>>().join("; ")
            ),
            None => {
                eprintln!(
                    "trusting {agency}'s key {} on first use (compare it out of band)",
                    tocsin_envelope::grouped(&fp)
                );
                self.by_agency.insert(agency, vec![fp]);
                Ok(())
            }
        }
    }

    fn trust(&mut self, agency: AgencyCode, fingerprint: &str) -> anyhow::Result<()> {
        let fp: String = fingerprint.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_lowercase();
        if fp.len() != 64 || !fp.bytes().all(|b| b.is_ascii_hexdigit()) {
            anyhow::bail!("FINGERPRINT: `{fingerprint}` is not 64 hex digits");
        }
        let known = self.by_agency.entry(agency.to_string()).or_default();
        if !known.contains(&fp) {
            known.push(fp);
        }
        Ok(())
    }

    fn save(&self) -> anyhow::Result<()> {
        let text = serde_json::to_string_pretty(&self.by_agency)?;
        std::fs::write(&self.path, format!("{text}\n")).with_context(|| format!("writing {}", self.path.display()))
    }
}

async fn publish(remote: &Remote, keys: &KeyFile) -> anyhow::Result<Value> {
    let public = keys.current().public();
    remote.post_json("/v1/keys", &json!({ "encryption": public.encryption, "verification": public.verification })).await
}

pub(crate) async fn run_key(command: KeyCommand) -> anyhow::Result<ExitCode> {
    match command {
        KeyCommand::Generate { agency, out } => {
            let agency = AgencyCode::parse(&agency).map_err(|e| anyhow::anyhow!("--agency: {e}"))?;
            let keys = KeyFile::generate(agency, OffsetDateTime::now_utc())?;
            tocsin_store::private::write_new(&out, keys.to_text().as_bytes())
                .with_context(|| format!("writing {} (an existing key file is never overwritten)", out.display()))?;
            let fp = keys.current().public().fingerprint();
            println!("{agency}'s key file written to {} (owner-only)", out.display());
            println!("fingerprint {}", tocsin_envelope::grouped(&fp));
            Ok(ExitCode::SUCCESS)
        }
        KeyCommand::Publish { server, key } => {
            let keys = read_key_file(&key)?;
            let v = publish(&server.remote()?, &keys).await?;
            println!("published {}'s key {}", keys.agency(), v["fingerprint_grouped"].as_str().unwrap_or_default());
            Ok(ExitCode::SUCCESS)
        }
        KeyCommand::Rotate { server, key } => {
            let mut keys = read_key_file(&key)?;
            keys.rotate(OffsetDateTime::now_utc())?;
            let remote = server.remote()?;
            // The new file is written beside the old one before the key is
            // published, and replaces it after: a published key whose
            // secret was lost would make every message sealed to it
            // unreadable; a file whose newest key the server refused keeps
            // the old file in place.
            let next = key.with_extension("new");
            let _ = std::fs::remove_file(&next);
            tocsin_store::private::write_new(&next, keys.to_text().as_bytes())
                .with_context(|| format!("writing {}", next.display()))?;
            let v = publish(&remote, &keys).await?;
            std::fs::rename(&next, &key)
                .with_context(|| format!("replacing {} with {}", key.display(), next.display()))?;
            println!(
                "{} now signs and opens with key {} ({} keys in {})",
                keys.agency(),
                v["fingerprint_grouped"].as_str().unwrap_or_default(),
                keys.keys().len(),
                key.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        KeyCommand::Trust { key, agency, fingerprint } => {
            let agency = AgencyCode::parse(&agency).map_err(|e| anyhow::anyhow!("AGENCY: {e}"))?;
            let mut pins = Pins::of(&key)?;
            pins.trust(agency, &fingerprint)?;
            pins.save()?;
            println!(
                "trusted {agency}'s key {}",
                tocsin_envelope::grouped(&fingerprint.replace(' ', "").to_lowercase())
            );
            Ok(ExitCode::SUCCESS)
        }
        KeyCommand::List { server, agency } => {
            let path = match agency {
                Some(a) => format!("/v1/keys?agency={}", urlencode(&a)),
                None => "/v1/keys".to_owned(),
            };
            let v = server.remote()?.get(&path).await?;
            for k in v["items"].as_array().into_iter().flatten() {
                println!(
                    "{:<4} {}  {}",
                    k["agency"].as_str().unwrap_or_default(),
                    k["fingerprint_grouped"].as_str().unwrap_or_default(),
                    if k["current"].as_bool() == Some(true) { "current" } else { "retired" }
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Every agency's published keys, by agency: (current, all).
async fn published(remote: &Remote) -> anyhow::Result<BTreeMap<AgencyCode, Vec<(bool, PublicKey)>>> {
    let v = remote.get("/v1/keys").await?;
    let mut out: BTreeMap<AgencyCode, Vec<(bool, PublicKey)>> = BTreeMap::new();
    for k in v["items"].as_array().into_iter().flatten() {
        let agency = AgencyCode::parse(k["agency"].as_str().unwrap_or_default())
            .map_err(|e| anyhow::anyhow!("the server's key list: {e}"))?;
        let key = PublicKey::parse(
            agency,
            k["encryption"].as_str().unwrap_or_default(),
            k["verification"].as_str().unwrap_or_default(),
        )
        .map_err(|e| anyhow::anyhow!("the server's key list, {agency}: {e}"))?;
        if k["fingerprint"].as_str() != Some(key.fingerprint().as_str()) {
            anyhow::bail!("the server's key list: {agency}'s fingerprint does not match its key");
        }
        out.entry(agency).or_default().push((k["current"].as_bool() == Some(true), key));
    }
    Ok(out)
}

async fn send(c: Compose, diffusion: Option<DiffusionContent>) -> anyhow::Result<ExitCode> {
    let keys = read_key_file(&c.key)?;
    let me = keys.agency();
    let remote = c.server.remote()?;
    let known = published(&remote).await?;
    let current = |a: &AgencyCode| known.get(a).and_then(|ks| ks.iter().find(|(cur, _)| *cur)).map(|(_, k)| k.clone());
    let mut to: Vec<AgencyCode> = vec![];
    if c.to.iter().any(|t| t == "all") {
        to.extend(known.keys().filter(|a| **a != me));
    } else {
        for (i, t) in c.to.iter().enumerate() {
            to.push(AgencyCode::parse(t.trim()).map_err(|e| anyhow::anyhow!("--to[{i}]: {e}"))?);
        }
    }
    if diffusion.is_some() && me != AgencyCode::GS && !to.contains(&AgencyCode::GS) {
        to.push(AgencyCode::GS);
    }
    to.sort_unstable_by(|a, b| a.as_str().cmp(b.as_str()));
    to.dedup();
    let mut pins = Pins::of(&c.key)?;
    let mut recipients = Vec::with_capacity(to.len());
    for a in &to {
        match current(a) {
            Some(k) => {
                pins.check(&k)?;
                recipients.push(k);
            }
            None => anyhow::bail!("--to: {a} has published no key (or is not a member agency): nothing was sent"),
        }
    }
    pins.save()?;
    let body = match (&c.body, &c.body_file) {
        (Some(b), _) => b.clone(),
        (None, Some(f)) => std::fs::read_to_string(f).with_context(|| format!("reading {}", f.display()))?,
        (None, None) => String::new(),
    };
    let mut attachments = vec![];
    for (i, path) in c.attachments.iter().enumerate() {
        let meta = std::fs::metadata(path).with_context(|| format!("--attach[{i}]: {}", path.display()))?;
        if meta.len() > tocsin_envelope::MAX_ATTACHMENT_BYTES as u64 {
            anyhow::bail!(
                "attachments[{i}]: {} is {} bytes; at most {} each",
                path.display(),
                meta.len(),
                tocsin_envelope::MAX_ATTACHMENT_BYTES
            );
        }
        let data = std::fs::read(path).with_context(|| format!("--attach[{i}]: {}", path.display()))?;
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| format!("file{i}"));
        attachments.push(Attachment { name, media_type: "application/octet-stream".to_owned(), data });
    }
    let level: Level = match (&c.level, &c.reply_to) {
        (Some(l), _) => l.parse().map_err(|e| anyhow::anyhow!("--level: {e}"))?,
        // A reply is at least the level of what it answers.
        (None, Some(parent)) => {
            let v = remote.get(&format!("/v1/messages/{}", urlencode(parent))).await?;
            v["level"].as_str().unwrap_or_default().parse().map_err(|e| anyhow::anyhow!("--reply-to: {e}"))?
        }
        (None, None) => Level::default(),
    };
    let references = c
        .references
        .iter()
        .map(|r| r.parse::<Reference>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| anyhow::anyhow!("--ref: {e}"))?;
    let draft =
        Draft { level, diffusion: diffusion.as_ref().map(DiffusionContent::kind), references, reply_to: c.reply_to };
    let payload = Payload { subject: c.subject, body, caveats: c.caveats, attachments, diffusion };
    let envelope = tocsin_envelope::seal(&keys, draft, &recipients, &payload, OffsetDateTime::now_utc())?;
    let bytes = serde_json::to_vec(&envelope)?;
    let v = remote.post_bytes("/v1/messages", bytes, Some("application/json")).await?;
    if c.json {
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        println!("sent {} to {} agencies", v["id"].as_str().unwrap_or_default(), recipients.len());
        for k in &recipients {
            println!("  {:<4} sealed to {}", k.agency.as_str(), tocsin_envelope::grouped(&k.fingerprint()));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_list(v: &Value) {
    for m in v["items"].as_array().into_iter().flatten() {
        let kind = match m["diffusion"].as_str() {
            Some(k) => format!("diffusion:{k}"),
            None => "message".to_owned(),
        };
        let to: Vec<&str> =
            m["recipients"].as_array().into_iter().flatten().filter_map(|r| r["agency"].as_str()).collect();
        let flag = if m["non_compliant"].as_bool() == Some(true) { "  NON-COMPLIANT" } else { "" };
        println!(
            "{}  {}  {:<4} → {}  {}  {}{flag}",
            m["id"].as_str().unwrap_or_default(),
            m["sent_at"].as_str().unwrap_or_default(),
            m["sender"].as_str().unwrap_or_default(),
            to.join(","),
            kind,
            m["level"].as_str().unwrap_or_default(),
        );
    }
}

pub(crate) async fn run_message(command: MessageCommand) -> anyhow::Result<ExitCode> {
    match command {
        MessageCommand::Send(c) => send(c, None).await,
        MessageCommand::List { server, mailbox, thread, json } => {
            let mut path = format!("/v1/messages?box={}", urlencode(&mailbox));
            if let Some(t) = thread {
                path.push_str(&format!("&thread={}", urlencode(&t)));
            }
            let v = server.remote()?.get(&path).await?;
            match json {
                true => println!("{}", serde_json::to_string_pretty(&v)?),
                false => print_list(&v),
            }
            Ok(ExitCode::SUCCESS)
        }
        MessageCommand::Read { server, id, key, save_attachments, json } => {
            let keys = read_key_file(&key)?;
            let remote = server.remote()?;
            let v = remote.get(&format!("/v1/messages/{}", urlencode(&id))).await?;
            let envelope: Envelope = Envelope::parse(&serde_json::to_vec(&v["envelope"])?)
                .map_err(|e| anyhow::anyhow!("message {id}: {e}"))?;
            if envelope.header.id != id {
                anyhow::bail!("message {id}: the server answered with another message ({})", envelope.header.id);
            }
            let sender = envelope.header.sender;
            let known = published(&remote).await?;
            let Some(public) = known
                .get(&sender)
                .into_iter()
                .flatten()
                .map(|(_, k)| k)
                .find(|k| k.fingerprint() == envelope.header.sender_key)
            else {
                anyhow::bail!(
                    "message {id}: {sender} published no key {}; it cannot be checked",
                    envelope.header.sender_key
                );
            };
            let mut pins = Pins::of(&key)?;
            if sender != keys.agency() {
                pins.check(public)?;
                pins.save()?;
            }
            let payload = envelope.open(public, &keys).map_err(|e| anyhow::anyhow!("message {id}: {e}"))?;
            remote.post_json(&format!("/v1/messages/{}/receipts", urlencode(&id)), &json!({ "kind": "read" })).await?;
            if let Some(dir) = &save_attachments {
                std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
                for a in &payload.attachments {
                    let path = dir.join(&a.name);
                    std::fs::write(&path, &a.data).with_context(|| format!("writing {}", path.display()))?;
                }
            }
            if json {
                let out = json!({ "message": v, "opened": payload });
                println!("{}", serde_json::to_string_pretty(&out)?);
                return Ok(ExitCode::SUCCESS);
            }
            let h = &envelope.header;
            println!("From:      {} (signed with {})", h.sender, tocsin_envelope::grouped(&h.sender_key));
            let to: Vec<&str> = h.recipients.iter().map(|r| r.agency.as_str()).collect();
            println!("To:        {}", to.join(", "));
            println!(
                "Sent:      {}",
                h.sent_at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
            );
            println!("Level:     {}", h.level);
            if let Some(k) = h.diffusion {
                println!(
                    "Diffusion: {k}{}",
                    if v["non_compliant"].as_bool() == Some(true) { " (NON-COMPLIANT: do not rely on it)" } else { "" }
                );
            }
            for c in &payload.caveats {
                println!("Caveat:    {c}");
            }
            for r in &h.references {
                println!("Refers to: {r}");
            }
            println!("Subject:   {}", payload.subject);
            if let Some(d) = &payload.diffusion {
                for (k, val) in serde_json::to_value(d)?.as_object().into_iter().flatten() {
                    if k != "kind" {
                        println!("{k}: {}", val.as_str().unwrap_or_default());
                    }
                }
            }
            println!();
            println!("{}", payload.body);
            for a in &payload.attachments {
                println!("[attachment] {} ({} bytes, {})", a.name, a.data.len(), a.media_type);
            }
            Ok(ExitCode::SUCCESS)
        }
        MessageCommand::Ack { server, id } => {
            server
                .remote()?
                .post_json(&format!("/v1/messages/{}/receipts", urlencode(&id)), &json!({ "kind": "acknowledged" }))
                .await?;
            println!("acknowledged {id}");
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn required(value: Option<String>, flag: &str, kind: DiffusionKind) -> anyhow::Result<String> {
    value.ok_or_else(|| anyhow::anyhow!("{flag}: a {kind} diffusion requires it"))
}

pub(crate) async fn run_diffusion(command: DiffusionCommand) -> anyhow::Result<ExitCode> {
    match command {
        DiffusionCommand::Send {
            message,
            kind,
            offence,
            warrant,
            requested_action,
            circumstances,
            last_seen,
            purpose,
            threat,
            modus_operandi,
        } => {
            let kind: DiffusionKind = kind.parse().map_err(|e| anyhow::anyhow!("--kind: {e}"))?;
            let content = match kind {
                DiffusionKind::Wanted => DiffusionContent::Wanted {
                    offence: required(offence, "--offence", kind)?,
                    warrant: required(warrant, "--warrant", kind)?,
                    requested_action: required(requested_action, "--requested-action", kind)?,
                },
                DiffusionKind::Missing => DiffusionContent::Missing {
                    circumstances: required(circumstances, "--circumstances", kind)?,
                    last_seen: required(last_seen, "--last-seen", kind)?,
                },
                DiffusionKind::Information => {
                    DiffusionContent::Information { purpose: required(purpose, "--purpose", kind)? }
                }
                DiffusionKind::Warning => {
                    DiffusionContent::Warning { threat: required(threat, "--threat", kind)?, modus_operandi }
                }
            };
            send(*message, Some(content)).await
        }
        DiffusionCommand::List { server, json } => {
            let v = server.remote()?.get("/v1/diffusions").await?;
            match json {
                true => println!("{}", serde_json::to_string_pretty(&v)?),
                false => print_list(&v),
            }
            Ok(ExitCode::SUCCESS)
        }
        DiffusionCommand::Review { server, id, verdict, reason } => {
            let v = server
                .remote()?
                .post_json(
                    &format!("/v1/diffusions/{}/review", urlencode(&id)),
                    &json!({ "verdict": verdict, "reason": reason }),
                )
                .await?;
            println!("{id}: {}", v["review"]["verdict"].as_str().unwrap_or_default());
            Ok(ExitCode::SUCCESS)
        }
    }
}
