//! `tocsin infra`: critical-infrastructure assets and dependencies
//! imported and exported, the reports, what-if cascades, N-1 sweeps and
//! watches, on a running server (the analysis runs where the graph is).
//! `import-grid` turns a public power grid into an import.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use serde_json::{Value, json};
use tocsin_core::CountryCode;
use tocsin_infra::grid::{self, Grid};

use crate::remote::Server;

#[derive(clap::Subcommand)]
pub(crate) enum InfraCommand {
    /// Imports assets and dependencies, all or none: JSON lines (one
    /// `{"type":"asset",…}` or `{"type":"dependency",…}` per line), or
    /// CSV with `--assets` and `--dependencies`.
    Import {
        #[command(flatten)]
        server: Server,
        /// A JSON lines file.
        file: Option<PathBuf>,
        /// An assets CSV file.
        #[arg(long, conflicts_with = "file")]
        assets: Option<PathBuf>,
        /// A dependencies CSV file (with `--assets`).
        #[arg(long, requires = "assets")]
        dependencies: Option<PathBuf>,
    },
    /// Turns a public power grid into an import: each bus an asset of the
    /// energy sector (a generator bus supplies electricity), each line a
    /// dependency both ways, the lines of a bus one redundancy group (one
    /// live line is enough). `us-west`, `europe` and `north-america` are
    /// read from `--data` (the Critical-Infrastructure-Networks files);
    /// anything else is a pandapower JSON case (`case118.json`). Buses
    /// with coordinates get their country from them, so a grid across
    /// borders has real cross-border links.
    ImportGrid {
        #[command(flatten)]
        server: OptionalServer,
        /// `us-west`, `europe`, `north-america`, or a pandapower JSON file.
        grid: String,
        /// The folder of the Critical-Infrastructure-Networks files.
        #[arg(long, default_value = "../shared/data/infrastructure")]
        data: PathBuf,
        /// The country of buses without coordinates.
        #[arg(long, default_value = "USA")]
        country: String,
        /// Who may see the assets: `all`, or agency codes separated by
        /// commas (the data is public; the default is `all`).
        #[arg(long, default_value = "all")]
        access: String,
        /// Write the JSON lines here instead of importing them.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Writes the assets and dependencies you may see: `jsonl` (reads back
    /// with `import`), `geojson` (for a map), `assets.csv` or
    /// `dependencies.csv`.
    Export {
        #[command(flatten)]
        server: Server,
        /// The format.
        #[arg(long, default_value = "jsonl", value_parser = ["jsonl", "geojson", "assets.csv", "dependencies.csv"])]
        format: String,
        /// Where to write it.
        #[arg(long)]
        out: PathBuf,
    },
    /// Single points of failure, worst first: assets whose loss alone
    /// cuts others off from a commodity (dominators from every source),
    /// with the people, sectors and countries behind them; and the
    /// articulation points and bridges of the network.
    Spof {
        #[command(flatten)]
        server: Server,
        /// Only those of one consumer.
        #[arg(long)]
        consumer: Option<String>,
        /// Only consumers of a sector.
        #[arg(long)]
        sector: Option<String>,
        /// Only consumers in a country.
        #[arg(long)]
        country: Option<String>,
        /// The most listed.
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// Print the server's answer as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Redundancy groups with fewer live members than they need.
    Redundancy {
        #[command(flatten)]
        server: Server,
    },
    /// The cross-border matrix (country × country × commodity) and each
    /// country's foreign single points of failure, as JSON.
    CrossBorder {
        #[command(flatten)]
        server: Server,
    },
    /// What if these assets were lost: the failures that follow, in time,
    /// with their causes, the impact by sector and country, and the first
    /// step across a border.
    Cascade {
        #[command(flatten)]
        server: Server,
        /// Assets to remove, by id.
        #[arg(long = "remove")]
        remove: Vec<String>,
        /// Every asset within a circle: `LAT,LON,KM`.
        #[arg(long)]
        radius: Option<String>,
        /// Every asset of a sector (in `--country`, when given).
        #[arg(long)]
        sector: Option<String>,
        /// Every asset of a country (of `--sector`, when given).
        #[arg(long)]
        country: Option<String>,
        /// Every asset of an operator.
        #[arg(long)]
        operator: Option<String>,
        /// Follow failures up to this many hours.
        #[arg(long)]
        horizon: Option<f64>,
        /// The most timeline steps printed.
        #[arg(long, default_value_t = 50)]
        limit: usize,
        /// Print the server's answer as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Removes each of the most connected assets alone and ranks them by
    /// the size of their cascade.
    Sweep {
        #[command(flatten)]
        server: Server,
        /// How many candidates.
        #[arg(long, default_value_t = 1000)]
        candidates: usize,
        /// The most listed.
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Watches an asset: an `infra.warning` event when an edit makes it a
    /// single point of failure (or its loss fails at least `--min-cascade`
    /// others).
    Watch {
        #[command(flatten)]
        server: Server,
        /// The asset.
        asset: String,
        /// Also warn when its loss alone fails at least this many assets.
        #[arg(long)]
        min_cascade: Option<u32>,
    },
    /// Lists your agency's watches with the state each last saw.
    Watches {
        #[command(flatten)]
        server: Server,
    },
}

/// A server, when the command talks to one.
#[derive(clap::Args, Debug, Clone)]
pub(crate) struct OptionalServer {
    /// The Tocsin server (`https://tocsin.example:8080`); without it,
    /// `--out` is required.
    #[arg(long, env = "TOCSIN_SERVER", value_name = "URL")]
    server: Option<String>,
    /// The API token to present.
    #[arg(long, env = "TOCSIN_TOKEN", hide_env_values = true, requires = "server")]
    token: Option<String>,
}

fn read(file: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))
}

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

fn asset(v: &Value) -> String {
    format!("{} {} ({}, {})", s(&v["id"]), s(&v["name"]), s(&v["sector"]), s(&v["country"]))
}

pub(crate) async fn run(command: InfraCommand) -> anyhow::Result<ExitCode> {
    match command {
        InfraCommand::Import { server, file, assets, dependencies } => {
            let lines = match (file, assets) {
                (Some(file), _) => read(&file)?,
                (None, Some(assets)) => {
                    let deps = dependencies.as_deref().map(read).transpose()?;
                    tocsin_infra::exchange::csv_to_jsonl(&read(&assets)?, deps.as_deref())
                        .map_err(|e| anyhow::anyhow!("{e}"))?
                }
                (None, None) => anyhow::bail!("give a JSON lines file, or --assets (and --dependencies) CSV files"),
            };
            import(&server.remote()?, lines).await
        }
        InfraCommand::ImportGrid { server, grid, data, country, access, out } => {
            let default = CountryCode::parse(&country).map_err(|e| anyhow::anyhow!("--country: {e}"))?;
            let access = match access.as_str() {
                "all" => json!({ "mode": "all" }),
                list => json!({ "mode": "only", "countries": list.split(',').map(str::trim).collect::<Vec<_>>() }),
            };
            let (name, g) = load_grid(&grid, &data)?;
            let lines = grid_lines(&name, &g, default, &access);
            eprintln!("{name}: {} buses, {} lines", g.buses.len(), g.lines.len());
            match (out, server.server.zip(server.token)) {
                (Some(out), _) => {
                    std::fs::write(&out, lines).with_context(|| format!("writing {}", out.display()))?;
                    println!("written to {}", out.display());
                    Ok(ExitCode::SUCCESS)
                }
                (None, Some((server, token))) => {
                    let connection =
                        crate::remote::Connection { server: Some(server), token: Some(token), agency: None };
                    let remote = crate::remote::Remote::from(&connection)?.context("--server is required")?;
                    import(&remote, lines).await
                }
                (None, None) => anyhow::bail!("give --server and --token to import, or --out to write the file"),
            }
        }
        InfraCommand::Export { server, format, out } => {
            let bytes = server.remote()?.get_bytes(&format!("/v1/infra/export?format={}", enc(&format))).await?;
            std::fs::write(&out, &bytes).with_context(|| format!("writing {}", out.display()))?;
            println!("{} bytes written to {}", bytes.len(), out.display());
            Ok(ExitCode::SUCCESS)
        }
        InfraCommand::Spof { server, consumer, sector, country, limit, json } => {
            let mut q = format!("limit={limit}");
            for (k, v) in [("consumer", consumer), ("sector", sector), ("country", country)] {
                if let Some(v) = v {
                    q.push_str(&format!("&{k}={}", enc(&v)));
                }
            }
            let r = server.remote()?.get(&format!("/v1/infra/spof?{q}")).await?;
            if json {
                println!("{r}");
                return Ok(ExitCode::SUCCESS);
            }
            println!(
                "{} assets, {} dependencies: {} single points of failure, {} articulation points, {} bridges",
                r["assets"], r["dependencies"], r["total"], r["articulation_points"]["count"], r["bridges"]["count"]
            );
            for x in r["spofs"].as_array().into_iter().flatten() {
                let list = |v: &Value| v.as_array().into_iter().flatten().map(s).collect::<Vec<_>>().join(",");
                println!(
                    "{}  cuts off {} ({} people) of {} in {} via {}{}",
                    asset(&x["asset"]),
                    x["dependents"],
                    x["people"],
                    list(&x["sectors"]),
                    list(&x["countries"]),
                    list(&x["commodities"]),
                    if x["articulation_point"] == Value::Bool(true) { "; articulation point" } else { "" }
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        InfraCommand::Redundancy { server } => {
            let r = server.remote()?.get("/v1/infra/redundancy").await?;
            for g in r["groups"].as_array().into_iter().flatten() {
                println!(
                    "{}  group {}: {} of {} live, {} needed",
                    asset(&g["dependent"]),
                    s(&g["group"]),
                    g["live"],
                    g["members"],
                    g["k"]
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        InfraCommand::CrossBorder { server } => {
            println!("{}", server.remote()?.get("/v1/infra/cross-border").await?);
            Ok(ExitCode::SUCCESS)
        }
        InfraCommand::Cascade { server, remove, radius, sector, country, operator, horizon, limit, json } => {
            let radius = radius
                .map(|r| {
                    let p: Vec<f64> = r.split(',').map(|x| x.trim().parse()).collect::<Result<_, _>>()?;
                    match p[..] {
                        [lat, lon, km] => Ok(json!({ "lat": lat, "lon": lon, "km": km })),
                        _ => anyhow::bail!("--radius is LAT,LON,KM"),
                    }
                })
                .transpose()
                .map_err(|e| anyhow::anyhow!("--radius: {e}"))?;
            let mut removal = serde_json::Map::new();
            if !remove.is_empty() {
                removal.insert("assets".into(), json!(remove));
            }
            for (k, v) in [
                ("radius", radius),
                ("sector", sector.map(Value::from)),
                ("country", country.map(Value::from)),
                ("operator", operator.map(Value::from)),
            ] {
                if let Some(v) = v {
                    removal.insert(k.into(), v);
                }
            }
            let mut body = json!({ "remove": removal, "limit": limit });
            if let Some(h) = horizon {
                body["horizon_hours"] = json!(h);
            }
            let r = server.remote()?.post_json("/v1/infra/cascade", &body).await?;
            if json {
                println!("{r}");
                return Ok(ExitCode::SUCCESS);
            }
            println!(
                "{} removed, {} failed after them, {} people",
                r["removed"].as_array().map_or(0, Vec::len),
                r["failed"],
                r["people"]
            );
            for step in r["timeline"].as_array().into_iter().flatten() {
                let via =
                    if step["via"].is_null() { String::new() } else { format!(" ← {}", s(&step["via"]["name"])) };
                println!(
                    "{:>8.1} h  {:<10} {}{via}",
                    step["hours"].as_f64().unwrap_or_default(),
                    s(&step["cause"]),
                    asset(&step["asset"])
                );
            }
            if !r["first_cross_border"].is_null() {
                let f = &r["first_cross_border"];
                println!("first across a border: {} at {} h", asset(&f["asset"]), f["hours"]);
            }
            for c in r["impact"].as_array().into_iter().flatten() {
                println!("  {} {}: {} assets, {} people", s(&c["sector"]), s(&c["country"]), c["assets"], c["people"]);
            }
            Ok(ExitCode::SUCCESS)
        }
        InfraCommand::Sweep { server, candidates, limit } => {
            let r = server
                .remote()?
                .post_json("/v1/infra/sweep", &json!({ "candidates": candidates, "limit": limit }))
                .await?;
            println!("{} candidates", r["candidates"]);
            for row in r["ranked"].as_array().into_iter().flatten() {
                println!("{:>6} failed  {:>10} people  {}", row["failed"], row["people"], asset(&row["asset"]));
            }
            Ok(ExitCode::SUCCESS)
        }
        InfraCommand::Watch { server, asset, min_cascade } => {
            let w = server
                .remote()?
                .post_json("/v1/infra/watches", &json!({ "asset": asset, "min_cascade": min_cascade }))
                .await?;
            println!(
                "{}  now: single point of failure {}, cascade {}",
                s(&w["id"]),
                w["state"]["spof"],
                w["state"]["cascade"]
            );
            Ok(ExitCode::SUCCESS)
        }
        InfraCommand::Watches { server } => {
            let r = server.remote()?.get("/v1/infra/watches").await?;
            for w in r["items"].as_array().into_iter().flatten() {
                println!(
                    "{}  {}  spof {}  cascade {}",
                    s(&w["id"]),
                    s(&w["asset"]),
                    w["state"]["spof"],
                    w["state"]["cascade"]
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn import(remote: &crate::remote::Remote, lines: String) -> anyhow::Result<ExitCode> {
    let r = remote.post_bytes("/v1/infra/import", lines.into_bytes(), Some("application/x-ndjson")).await?;
    println!("imported {} assets and {} dependencies", r["assets"], r["dependencies"]);
    Ok(ExitCode::SUCCESS)
}

/// A grid by name from `data`, or a pandapower file.
fn load_grid(name: &str, data: &Path) -> anyhow::Result<(String, Grid)> {
    let zuev = |edges: &str, vertices: Option<&str>| -> anyhow::Result<Grid> {
        let e = read(&data.join(edges))?;
        let v = vertices.map(|v| read(&data.join(v))).transpose()?;
        grid::zuev(&e, v.as_deref()).with_context(|| format!("reading {}", data.join(edges).display()))
    };
    let g = match name {
        "us-west" => zuev("powergridUSWS.csv", None)?,
        "europe" => zuev("powergridEU_E.csv", Some("powergridEU_V.csv"))?,
        "north-america" => zuev("powergridNA_E.csv", Some("powergridNA_V.csv"))?,
        file => grid::pandapower(&read(Path::new(file))?).with_context(|| format!("reading {file}"))?,
    };
    let label = Path::new(name).file_stem().and_then(|s| s.to_str()).unwrap_or(name).to_owned();
    Ok((label, g))
}

/// A grid as import lines: a bus an asset (key `GRID:BUS`), a line two
/// dependencies in the buses' `grid` groups.
fn grid_lines(name: &str, g: &Grid, default: CountryCode, access: &Value) -> String {
    let countries = g.countries(default);
    let key = |i: usize| format!("{name}:{}", g.buses[i].key);
    let mut out = String::new();
    for (i, b) in g.buses.iter().enumerate() {
        let mut a = json!({
            "type": "asset",
            "key": key(i),
            "name": format!("{name} bus {}", b.key),
            "sector": "energy",
            "subsector": if b.source { "generation" } else { "transmission" },
            "country": countries[i].as_str(),
            "access": access,
        });
        if let Some(l) = b.location {
            a["location"] = json!({ "lat": l.lat, "lon": l.lon });
        }
        if b.source {
            a["supplies"] = json!(["electricity"]);
        }
        out.push_str(&a.to_string());
        out.push('\n');
    }
    for &(x, y) in &g.lines {
        for (p, d) in [(x, y), (y, x)] {
            let dep = json!({ "type": "dependency", "provider": key(p), "dependent": key(d),
                              "commodity": "electricity", "group": "grid", "k": 1 });
            out.push_str(&dep.to_string());
            out.push('\n');
        }
    }
    out
}
