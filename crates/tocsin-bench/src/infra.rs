//! `tocsin-bench infra`: critical-infrastructure analysis in process, on a
//! seeded synthetic asset graph, with networkx on the same graph as the
//! yardstick.
//!
//! The graph looks like infrastructure: assets on a plane of 20 countries
//! (a 5 × 4 grid of 200 × 200 km cells), most of them clustered around 300
//! towns. About 1 % are sources (power plants, waterworks, telecom cores,
//! and a few gas terminals and fuel depots); power flows plant →
//! transmission substation → distribution substation, water waterworks →
//! pumping station (or pump to pump), telecom core → exchange, each tier
//! from its nearest providers, some in 1-of-2 redundancy groups; every
//! tier needs another commodity (substations telecom control, pumps and
//! exchanges electricity, with buffers), so the commodities form cycles.
//! The other assets (consumers of 15 sectors) take electricity, water and
//! telecom from the nearest providers (hospitals and emergency services
//! with a second feeder and a diesel buffer), and the dependencies left to
//! reach `--dependencies` are fuel, gas, finance, transport and personnel
//! from nearby assets with shares; 1 % of links go to a provider anywhere
//! (across borders). 0.3 % of the assets are down.
//!
//! Timed (median of `--runs` where a run is cheap): building the
//! `Network`, articulation points, bridges, the dominator trees of every
//! commodity, the single-point-of-failure report (`report::spofs`, default
//! scope, limit 50, as the service asks), one what-if cascade removing the
//! most connected asset (`Prepared::new` apart and with `run`), and the N-1
//! sweep over the `--sweep` most connected assets (once).
//!
//! With `--networkx PYTHON`, the same graph goes to
//! `scripts/infra-bench-networkx.py` through a temporary file; networkx's
//! articulation points, bridges and immediate dominators (per commodity,
//! from a super-source) are timed there, and its answers compared with
//! ours, node for node.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, bail};
use serde::Deserialize;
use tocsin_core::CountryCode;
use tocsin_core::asset::{Commodity, Location, Sector};
use tocsin_infra::cascade::{Cause, Params, Prepared};
use tocsin_infra::report::{self, Scope};
use tocsin_infra::structure::{self, Idom};
use tocsin_infra::{Builder, Ix, LinkSpec, Network, Node};

#[derive(clap::Args)]
pub(crate) struct InfraArgs {
    /// Assets in the graph.
    #[arg(long, default_value_t = 100_000)]
    assets: usize,
    /// Dependencies between them.
    #[arg(long, default_value_t = 300_000)]
    dependencies: usize,
    /// Seed of the generator.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Assets removed one at a time in the N-1 sweep (the most connected).
    #[arg(long, default_value_t = 1_000)]
    sweep: usize,
    /// Runs of each cheap measure (the median is reported).
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// A Python with networkx: run the yardstick on the same graph.
    #[arg(long)]
    networkx: Option<PathBuf>,
}

const COUNTRIES: [&str; 20] = [
    "PRT", "ESP", "FRA", "ITA", "GRC", "IRL", "BEL", "CHE", "AUT", "HUN", "GBR", "NLD", "DEU", "CZE", "ROU", "NOR",
    "DNK", "SWE", "POL", "FIN",
];
/// The plane, km: 5 countries across, 4 down.
const WIDTH: f64 = 1000.0;
const HEIGHT: f64 = 800.0;

/// SplitMix64: small, seeded, good enough for a synthetic graph.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn f(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn below(&mut self, n: usize) -> usize {
        (((self.next_u64() >> 32) * n as u64) >> 32) as usize
    }

    fn chance(&mut self, p: f64) -> bool {
        self.f() < p
    }

    /// Roughly normal (the sum of four uniforms), mean 0, deviation 1.
    fn normal(&mut self) -> f64 {
        ((0..4).map(|_| self.f()).sum::<f64>() - 2.0) * 3f64.sqrt()
    }
}

/// What an asset is in the synthetic graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Plant,
    Waterworks,
    TelecomCore,
    GasTerminal,
    FuelDepot,
    Transmission,
    Distribution,
    Pump,
    Exchange,
    Consumer,
}

const ROLES: [Role; 10] = [
    Role::Plant,
    Role::Waterworks,
    Role::TelecomCore,
    Role::GasTerminal,
    Role::FuelDepot,
    Role::Transmission,
    Role::Distribution,
    Role::Pump,
    Role::Exchange,
    Role::Consumer,
];

/// Consumers' sectors, by weight.
const CONSUMERS: [(Sector, u32); 15] = [
    (Sector::CommercialFacilities, 20),
    (Sector::Food, 12),
    (Sector::Transport, 10),
    (Sector::Health, 8),
    (Sector::Banking, 6),
    (Sector::PublicAdministration, 6),
    (Sector::CriticalManufacturing, 8),
    (Sector::Chemical, 4),
    (Sector::WasteWater, 5),
    (Sector::EmergencyServices, 5),
    (Sector::InformationTechnology, 5),
    (Sector::FinancialMarketInfrastructure, 1),
    (Sector::DefenseIndustrialBase, 2),
    (Sector::Dams, 1),
    (Sector::Space, 1),
];

/// Points of one role in buckets, for nearest-neighbour queries.
struct Buckets {
    cell: f64,
    cols: usize,
    rows: usize,
    items: Vec<Vec<Ix>>,
}

impl Buckets {
    fn new(count: usize) -> Buckets {
        // About two points a cell.
        let cell = ((WIDTH * HEIGHT) / (count.max(1) as f64 / 2.0)).sqrt().clamp(2.0, 400.0);
        let (cols, rows) = ((WIDTH / cell).ceil() as usize, (HEIGHT / cell).ceil() as usize);
        Buckets { cell, cols, rows, items: vec![vec![]; cols * rows] }
    }

    fn at(&self, p: (f64, f64)) -> (usize, usize) {
        (((p.0 / self.cell) as usize).min(self.cols - 1), ((p.1 / self.cell) as usize).min(self.rows - 1))
    }

    fn insert(&mut self, p: (f64, f64), v: Ix) {
        let (c, r) = self.at(p);
        self.items[r * self.cols + c].push(v);
    }

    /// The `k` points nearest `p`, nearest first, `skip` excluded.
    fn nearest(&self, xy: &[(f64, f64)], p: (f64, f64), k: usize, skip: Ix, out: &mut Vec<Ix>) {
        out.clear();
        let (c0, r0) = self.at(p);
        let mut found: Vec<(f64, Ix)> = vec![];
        let d2 = |v: Ix| {
            let q = xy[v as usize];
            (q.0 - p.0).powi(2) + (q.1 - p.1).powi(2)
        };
        for ring in 0..self.cols.max(self.rows) {
            let (rlo, rhi) = (r0.saturating_sub(ring), (r0 + ring).min(self.rows - 1));
            let (clo, chi) = (c0.saturating_sub(ring), (c0 + ring).min(self.cols - 1));
            for r in rlo..=rhi {
                for c in clo..=chi {
                    // Only the ring's border cells are new.
                    if r.abs_diff(r0) != ring && c.abs_diff(c0) != ring {
                        continue;
                    }
                    found.extend(self.items[r * self.cols + c].iter().filter(|&&v| v != skip).map(|&v| (d2(v), v)));
                }
            }
            if found.len() >= k {
                found.sort_by(|a, b| a.0.total_cmp(&b.0));
                // Every point outside the rings searched is at least this far.
                let reach = ring as f64 * self.cell;
                if found[k - 1].0 <= reach * reach {
                    break;
                }
            }
        }
        found.sort_by(|a, b| a.0.total_cmp(&b.0));
        out.extend(found.iter().take(k).map(|x| x.1));
    }
}

/// The synthetic graph, before it is built.
#[derive(Clone)]
struct Spec {
    nodes: Vec<Node>,
    links: Vec<(Ix, Ix, LinkSpec)>,
}

impl Spec {
    fn build(self) -> Network {
        let mut b = Builder::new();
        for n in self.nodes {
            b.node(n);
        }
        for (p, d, spec) in self.links {
            b.link(p, d, spec);
        }
        b.build()
    }
}

fn generate(assets: usize, dependencies: usize, seed: u64) -> anyhow::Result<Spec> {
    let mut g = Rng(seed ^ 0x7A5C_0000_0000_0001);
    let countries: Vec<CountryCode> =
        COUNTRIES.iter().map(|c| CountryCode::parse(c)).collect::<Result<_, _>>().context("country codes")?;
    let towns: Vec<(f64, f64, f64)> =
        (0..300).map(|_| (g.f() * WIDTH, g.f() * HEIGHT, 5.0 + 25.0 * g.f() * g.f())).collect();
    let share = |r: Role| match r {
        Role::Plant => 0.005,
        Role::Waterworks | Role::TelecomCore => 0.0025,
        Role::GasTerminal => 0.0003,
        Role::FuelDepot => 0.0007,
        Role::Transmission => 0.02,
        Role::Distribution => 0.08,
        Role::Pump => 0.03,
        Role::Exchange => 0.04,
        Role::Consumer => 0.0,
    };
    let mut roles: Vec<Role> = vec![];
    for r in ROLES.iter().copied().filter(|&r| r != Role::Consumer) {
        roles.extend(std::iter::repeat_n(r, ((assets as f64 * share(r)).round() as usize).max(1)));
    }
    roles.truncate(assets);
    roles.resize(assets, Role::Consumer);
    // Shuffled, so that numbers say nothing of roles.
    for i in (1..roles.len()).rev() {
        roles.swap(i, g.below(i + 1));
    }
    let weights: u32 = CONSUMERS.iter().map(|c| c.1).sum();
    let mut xy = Vec::with_capacity(assets);
    let mut nodes = Vec::with_capacity(assets);
    for &role in &roles {
        let p = if g.chance(0.8) {
            let t = towns[g.below(towns.len())];
            ((t.0 + t.2 * g.normal()).clamp(0.0, WIDTH - 1e-6), (t.1 + t.2 * g.normal()).clamp(0.0, HEIGHT - 1e-6))
        } else {
            (g.f() * WIDTH, g.f() * HEIGHT)
        };
        xy.push(p);
        let country = countries[(p.1 / 200.0) as usize * 5 + (p.0 / 200.0) as usize];
        let (sector, supplies) = match role {
            Role::Plant => (if g.chance(0.1) { Sector::Nuclear } else { Sector::Energy }, vec![Commodity::Electricity]),
            Role::Waterworks => (Sector::DrinkingWater, vec![Commodity::Water]),
            Role::TelecomCore => (Sector::DigitalInfrastructure, vec![Commodity::Telecom]),
            Role::GasTerminal => (Sector::Energy, vec![Commodity::Gas]),
            Role::FuelDepot => (Sector::Energy, vec![Commodity::Fuel]),
            Role::Transmission | Role::Distribution => (Sector::Energy, vec![]),
            Role::Pump => (Sector::DrinkingWater, vec![]),
            Role::Exchange => (Sector::Communications, vec![]),
            Role::Consumer => {
                let mut w = g.below(weights as usize) as u32;
                let s = CONSUMERS.iter().find(|c| {
                    let hit = w < c.1;
                    w = w.saturating_sub(c.1);
                    hit
                });
                (s.map_or(Sector::CommercialFacilities, |s| s.0), vec![])
            }
        };
        let mut node = Node::new(sector, country);
        node.location = Some(Location { lat: 36.0 + p.1 / HEIGHT * 34.0, lon: -10.0 + p.0 / WIDTH * 40.0 });
        node.serves = match role {
            Role::Consumer => (100.0 * (g.f() * 7.0).exp()) as u64,
            _ => 0,
        };
        node.live = !g.chance(0.003);
        node.supplies = supplies;
        nodes.push(node);
    }
    let mut buckets: Vec<Buckets> =
        ROLES.iter().map(|&r| Buckets::new(roles.iter().filter(|&&x| x == r).count())).collect();
    let mut members: Vec<Vec<Ix>> = vec![vec![]; ROLES.len()];
    let role_ix = |r: Role| ROLES.iter().position(|&x| x == r).unwrap_or(0);
    for (v, &r) in roles.iter().enumerate() {
        buckets[role_ix(r)].insert(xy[v], v as Ix);
        members[role_ix(r)].push(v as Ix);
    }
    // Sector buckets for the consumers' mutual dependencies.
    let by_sector = |s: Sector| -> (Buckets, Vec<Ix>) {
        let vs: Vec<Ix> = (0..assets as Ix)
            .filter(|&v| roles[v as usize] == Role::Consumer && nodes[v as usize].sector == s)
            .collect();
        let mut b = Buckets::new(vs.len());
        for &v in &vs {
            b.insert(xy[v as usize], v);
        }
        (b, vs)
    };
    let banks = by_sector(Sector::Banking);
    let transport = by_sector(Sector::Transport);
    let consumers = {
        let mut b = Buckets::new(members[role_ix(Role::Consumer)].len());
        for &v in &members[role_ix(Role::Consumer)] {
            b.insert(xy[v as usize], v);
        }
        (b, members[role_ix(Role::Consumer)].clone())
    };

    let mut links: Vec<(Ix, Ix, LinkSpec)> = Vec::with_capacity(dependencies);
    let mut near = vec![];
    // `d` takes `c` from its `k` nearest (`alternatives` > 1: a 1-of-n
    // group) of (buckets, members); 1 % of the time from one anywhere.
    let mut take = |g: &mut Rng,
                    links: &mut Vec<(Ix, Ix, LinkSpec)>,
                    d: Ix,
                    from: (&Buckets, &[Ix]),
                    c: Commodity,
                    alternatives: usize,
                    share: f64,
                    delay: f64| {
        if from.1.is_empty() {
            return;
        }
        from.0.nearest(&xy, xy[d as usize], alternatives, d, &mut near);
        for p in near.iter_mut() {
            if g.chance(0.01) {
                *p = from.1[g.below(from.1.len())];
            }
        }
        let group = (near.len() > 1).then(|| format!("{}-feed", c.as_str()));
        for &p in near.iter() {
            links.push((
                p,
                d,
                LinkSpec {
                    commodity: c,
                    share,
                    group: group.clone(),
                    k: group.as_ref().map(|_| 1),
                    delay_hours: delay,
                },
            ));
        }
    };
    let of = |r: Role| (&buckets[role_ix(r)], members[role_ix(r)].as_slice());
    for (v, &role) in roles.iter().enumerate() {
        let v = v as Ix;
        let two = |g: &mut Rng, p: f64| if g.chance(p) { 2 } else { 1 };
        match role {
            Role::Plant | Role::Waterworks | Role::TelecomCore | Role::GasTerminal | Role::FuelDepot => {
                // Control systems over telecom, a share of the need (they can run
                // by hand).
                take(&mut g, &mut links, v, of(Role::Exchange), Commodity::Telecom, 1, 0.3, 4.0);
                if role == Role::Plant && g.chance(0.5) {
                    take(&mut g, &mut links, v, of(Role::Pump), Commodity::Water, 1, 1.0, 24.0);
                }
            }
            Role::Transmission => {
                let n = two(&mut g, 0.6);
                take(&mut g, &mut links, v, of(Role::Plant), Commodity::Electricity, n, 1.0, 0.0);
                take(&mut g, &mut links, v, of(Role::Exchange), Commodity::Telecom, 1, 1.0, 8.0);
            }
            Role::Distribution => {
                let n = two(&mut g, 0.3);
                take(&mut g, &mut links, v, of(Role::Transmission), Commodity::Electricity, n, 1.0, 0.0);
                if g.chance(0.3) {
                    take(&mut g, &mut links, v, of(Role::Exchange), Commodity::Telecom, 1, 1.0, 8.0);
                }
            }
            Role::Pump => {
                if g.chance(0.6) {
                    let n = two(&mut g, 0.3);
                    take(&mut g, &mut links, v, of(Role::Waterworks), Commodity::Water, n, 1.0, 0.0);
                } else {
                    take(&mut g, &mut links, v, of(Role::Pump), Commodity::Water, 1, 1.0, 0.0);
                }
                take(&mut g, &mut links, v, of(Role::Distribution), Commodity::Electricity, 1, 1.0, 6.0);
            }
            Role::Exchange => {
                let n = two(&mut g, 0.5);
                take(&mut g, &mut links, v, of(Role::TelecomCore), Commodity::Telecom, n, 1.0, 0.0);
                take(&mut g, &mut links, v, of(Role::Distribution), Commodity::Electricity, 1, 1.0, 4.0);
            }
            Role::Consumer => {
                let sector = nodes[v as usize].sector;
                let critical = matches!(sector, Sector::Health | Sector::EmergencyServices);
                let (n, delay) = if critical { (2, 48.0) } else { (two(&mut g, 0.15), 0.0) };
                take(&mut g, &mut links, v, of(Role::Distribution), Commodity::Electricity, n, 1.0, delay);
                if critical || g.chance(0.6) {
                    take(&mut g, &mut links, v, of(Role::Pump), Commodity::Water, 1, 1.0, 12.0);
                }
                let finance = matches!(sector, Sector::Banking | Sector::FinancialMarketInfrastructure);
                if finance || critical || g.chance(0.7) {
                    let n = if finance { 2 } else { 1 };
                    take(&mut g, &mut links, v, of(Role::Exchange), Commodity::Telecom, n, 1.0, 2.0);
                }
            }
        }
    }
    // The rest: fuel, gas, finance, transport and personnel, with shares.
    let consumer_ix = &members[role_ix(Role::Consumer)];
    while links.len() < dependencies && !consumer_ix.is_empty() {
        let v = consumer_ix[g.below(consumer_ix.len())];
        let share = [0.25, 0.5, 1.0][g.below(3)];
        match g.below(5) {
            0 => take(&mut g, &mut links, v, of(Role::FuelDepot), Commodity::Fuel, 1, share, 72.0),
            1 => take(&mut g, &mut links, v, of(Role::GasTerminal), Commodity::Gas, 1, share, 24.0),
            2 => take(&mut g, &mut links, v, (&banks.0, banks.1.as_slice()), Commodity::Finance, 1, share, 24.0),
            3 => take(
                &mut g,
                &mut links,
                v,
                (&transport.0, transport.1.as_slice()),
                Commodity::Transport,
                1,
                share,
                12.0,
            ),
            _ => {
                take(&mut g, &mut links, v, (&consumers.0, consumers.1.as_slice()), Commodity::Personnel, 1, 0.25, 8.0)
            }
        }
    }
    links.truncate(dependencies);
    Ok(Spec { nodes, links })
}

/// Median seconds of `runs` runs of `f`, and its last answer.
fn timed<T>(runs: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let t = Instant::now();
    let mut last = f();
    let mut times = vec![t.elapsed().as_secs_f64()];
    for _ in 1..runs {
        let t = Instant::now();
        last = f();
        times.push(t.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    (times[times.len() / 2], last)
}

fn ms(s: f64) -> String {
    if s >= 1.0 { format!("{s:.2} s") } else { format!("{:.1} ms", s * 1000.0) }
}

/// networkx's answers and times.
#[derive(Deserialize)]
struct Yardstick {
    articulation_points: Vec<Ix>,
    bridges: Vec<(Ix, Ix)>,
    /// Per commodity, in the order sent: each node's immediate dominator
    /// (the super-source is `nodes`), null when unreachable.
    idom: Vec<Vec<Option<Ix>>>,
    seconds: NxSeconds,
    version: String,
}

#[derive(Deserialize)]
struct NxSeconds {
    load: f64,
    articulation_points: f64,
    bridges: f64,
    dominators: Vec<f64>,
}

pub(crate) fn run(args: &InfraArgs) -> anyhow::Result<()> {
    let t = Instant::now();
    let spec = generate(args.assets, args.dependencies, args.seed)?;
    println!(
        "synthetic graph (seed {}): {} assets, {} dependencies generated in {:.1} s",
        args.seed,
        spec.nodes.len(),
        spec.links.len(),
        t.elapsed().as_secs_f64()
    );
    let runs = args.runs.max(1);
    let mut copies: Vec<Spec> = (0..runs).map(|_| spec.clone()).collect();
    let (t_build, net) = timed(runs, || copies.pop().map(Spec::build).unwrap_or_default());
    drop(copies);
    let commodities = net.commodities();
    let sources: Vec<Vec<Ix>> =
        commodities.iter().map(|&c| (0..net.len() as Ix).filter(|&v| net.is_source(v, c)).collect()).collect();
    println!(
        "network: {} nodes ({} down), {} links, {} redundancy groups; {} commodities: {}",
        net.len(),
        net.nodes().iter().filter(|n| !n.live).count(),
        net.links().len(),
        net.groups().len(),
        commodities.len(),
        commodities
            .iter()
            .zip(&sources)
            .map(|(c, s)| format!("{} ({} sources)", c.as_str(), s.len()))
            .collect::<Vec<_>>()
            .join(", ")
    );

    let (t_ap, aps) = timed(runs, || structure::articulation_points(&net));
    let (t_bridges, bridges) = timed(runs, || structure::bridges(&net));
    let (t_doms, trees) = timed(runs, || report::dominator_trees(&net));
    let (t_spof, spof) = timed(runs, || report::spofs(&net, &Scope::default(), 50));
    let hub = net.most_connected(1).first().copied().context("an empty graph")?;
    let params = Params::default();
    let (t_prepare, _) = timed(runs, || Prepared::new(&net, params));
    let (t_cascade, failures) = timed(runs, || Prepared::new(&net, params).run(&[hub]));
    let prepared = Prepared::new(&net, params);
    let (t_run, _) = timed(runs, || prepared.run(&[hub]));
    let impact = report::impact(&net, &failures);
    let candidates = net.most_connected(args.sweep);
    let (t_sweep, rows) = timed(1, || report::sweep(&net, &candidates, params));
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let dominated = trees
        .iter()
        .map(|t| (0..net.len() as Ix).filter(|&v| matches!(t.idom(v), Idom::Node(_))).count())
        .sum::<usize>();

    println!();
    println!("| measure | median of {runs} | goal |");
    println!("| --- | --- | --- |");
    println!("| build the Network | {} | |", ms(t_build));
    println!("| articulation points ({}) | {} | |", aps.len(), ms(t_ap));
    println!("| bridges ({}) | {} | |", bridges.len(), ms(t_bridges));
    println!(
        "| dominator trees, {} commodities ({dominated} node-commodity pairs with a single point of failure) | {} | |",
        trees.len(),
        ms(t_doms)
    );
    println!("| structural total (AP + bridges + dominators) | {} | |", ms(t_ap + t_bridges + t_doms));
    println!(
        "| **SPOF report** (`report::spofs`, default scope: {} dominators, {} APs, {} bridges) | **{}** | < 1 s |",
        spof.total,
        spof.articulation_points.len(),
        spof.bridges.len(),
        ms(t_spof)
    );
    println!("| cascade: `Prepared::new` | {} | |", ms(t_prepare));
    println!(
        "| cascade: `run` removing the most connected asset ({} links; {} failed, {} people) | {} | |",
        net.outgoing(hub).len() + net.incoming(hub).len(),
        failures.iter().filter(|f| f.cause != Cause::Removed).count(),
        impact.people,
        ms(t_run)
    );
    println!("| **one what-if cascade** (`Prepared::new` + `run`) | **{}** | < 100 ms |", ms(t_cascade));
    let worst = rows.first().map(|r| format!("worst: {} failed", r.failed)).unwrap_or_default();
    println!(
        "| **N-1 sweep** over the {} most connected ({threads} threads; {worst}) | **{}** (once) | < 60 s |",
        candidates.len(),
        ms(t_sweep)
    );
    println!("peak RSS {:.0} MiB (resident now {:.0} MiB)", peak_rss_mib(), crate::rss_mib());

    if let Some(python) = &args.networkx {
        let nx = yardstick(python, &net, &commodities, &sources)?;
        println!();
        println!(
            "networkx {} on the same graph (algorithm calls only; reading the file took {:.1} s):",
            nx.version, nx.seconds.load
        );
        let nx_doms: f64 = nx.seconds.dominators.iter().sum();
        let nx_total = nx.seconds.articulation_points + nx.seconds.bridges + nx_doms;
        let ours = t_ap + t_bridges + t_doms;
        println!("| measure | networkx | ours | ratio |");
        println!("| --- | --- | --- | --- |");
        let row = |what: &str, a: f64, b: f64| println!("| {what} | {} | {} | {:.0}× |", ms(a), ms(b), a / b);
        row("articulation points", nx.seconds.articulation_points, t_ap);
        row("bridges", nx.seconds.bridges, t_bridges);
        row(&format!("immediate dominators, {} commodities", commodities.len()), nx_doms, t_doms);
        row("**structural total** (what the SPOF report needs)", nx_total, ours);
        row("structural total against our whole SPOF report", nx_total, t_spof);
        let same_ap = nx.articulation_points == aps;
        let same_bridges = nx.bridges == bridges;
        let n = net.len() as Ix;
        let mut idom_diff = 0usize;
        for (t, theirs) in trees.iter().zip(&nx.idom) {
            for v in 0..n {
                let ours = match t.idom(v) {
                    Idom::Unreachable => None,
                    Idom::Root => Some(n),
                    Idom::Node(d) => Some(d),
                };
                idom_diff += usize::from(theirs.get(v as usize).copied().flatten() != ours);
            }
        }
        println!(
            "same answers: articulation points {} ({} against {}), bridges {} ({} against {}), immediate dominators {} ({idom_diff} of {} differ)",
            yes(same_ap),
            nx.articulation_points.len(),
            aps.len(),
            yes(same_bridges),
            nx.bridges.len(),
            bridges.len(),
            yes(idom_diff == 0),
            net.len() * trees.len()
        );
        if !(same_ap && same_bridges && idom_diff == 0) {
            bail!("networkx and tocsin-infra disagree");
        }
    }
    Ok(())
}

fn yes(b: bool) -> &'static str {
    if b { "equal" } else { "DIFFERENT" }
}

/// Sends the graph to `scripts/infra-bench-networkx.py` through a file.
fn yardstick(
    python: &Path,
    net: &Network,
    commodities: &[Commodity],
    sources: &[Vec<Ix>],
) -> anyhow::Result<Yardstick> {
    let live = |v: Ix| net.node(v).live;
    let mut pairs: Vec<(Ix, Ix)> = net
        .links()
        .iter()
        .filter(|l| live(l.provider) && live(l.dependent))
        .map(|l| (l.provider.min(l.dependent), l.provider.max(l.dependent)))
        .collect();
    pairs.sort_unstable();
    pairs.dedup();
    let per_commodity: Vec<serde_json::Value> = commodities
        .iter()
        .zip(sources)
        .map(|(&c, s)| {
            let edges: Vec<(Ix, Ix)> = net
                .links()
                .iter()
                .filter(|l| l.commodity == c && live(l.provider) && live(l.dependent))
                .map(|l| (l.provider, l.dependent))
                .collect();
            serde_json::json!({ "name": c.as_str(), "edges": edges, "sources": s })
        })
        .collect();
    let input = serde_json::json!({ "nodes": net.len(), "edges": pairs, "commodities": per_commodity });
    let mut file = tempfile::NamedTempFile::new()?;
    let mut w = std::io::BufWriter::new(file.as_file_mut());
    serde_json::to_writer(&mut w, &input)?;
    w.flush()?;
    drop(w);
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/infra-bench-networkx.py");
    let out = Command::new(python)
        .arg(&script)
        .arg(file.path())
        .output()
        .with_context(|| format!("running {} {}", python.display(), script.display()))?;
    if !out.status.success() {
        bail!("{} failed: {}", script.display(), String::from_utf8_lossy(&out.stderr));
    }
    serde_json::from_slice(&out.stdout).context("networkx's answer")
}

/// The peak resident memory of this process, MiB (Linux's VmHWM).
fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_synthetic_graph_is_seeded_and_sized() {
        let a = generate(2_000, 6_000, 7).expect("graph");
        let b = generate(2_000, 6_000, 7).expect("graph");
        assert_eq!(a.nodes, b.nodes);
        assert_eq!(a.links, b.links);
        assert_eq!((a.nodes.len(), a.links.len()), (2_000, 6_000));
        let net = a.build();
        let sources = net.nodes().iter().filter(|n| !n.supplies.is_empty()).count();
        assert!((15..=30).contains(&sources), "about 1 % sources: {sources}");
        assert!(net.groups().len() > 100, "redundancy groups: {}", net.groups().len());
        let countries: std::collections::BTreeSet<_> = net.nodes().iter().map(|n| n.country).collect();
        assert_eq!(countries.len(), 20);
    }

    #[test]
    fn nearest_finds_the_nearest() {
        let mut g = Rng(3);
        let xy: Vec<(f64, f64)> = (0..500).map(|_| (g.f() * WIDTH, g.f() * HEIGHT)).collect();
        let mut b = Buckets::new(xy.len());
        for (i, &p) in xy.iter().enumerate() {
            b.insert(p, i as Ix);
        }
        let mut out = vec![];
        for q in 0..50 {
            let p = (g.f() * WIDTH, g.f() * HEIGHT);
            b.nearest(&xy, p, 2, q, &mut out);
            let mut all: Vec<(f64, Ix)> = (0..500)
                .filter(|&v| v != q)
                .map(|v| ((xy[v as usize].0 - p.0).powi(2) + (xy[v as usize].1 - p.1).powi(2), v))
                .collect();
            all.sort_by(|a, b| a.0.total_cmp(&b.0));
            assert_eq!(out, vec![all[0].1, all[1].1]);
        }
    }
}
