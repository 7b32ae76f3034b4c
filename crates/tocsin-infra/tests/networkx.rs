//! The structural analyses against networkx on real grids: articulation
//! points, bridges and the immediate dominators from a super-source must be
//! exactly networkx's, on the three Zuev grids in
//! `../shared/data/infrastructure` and on pandapower's IEEE 118-bus and
//! PEGASE 9241-bus cases.
//!
//! Nothing is stored: each run reads the grid with `tocsin_infra::grid`,
//! sends its buses, lines and sources to `scripts/infra-networkx.py` and
//! compares. To run by hand, make what `.ci/run` makes (its block "networkx
//! and pandapower's grid cases": a venv at `~/.cache/tocsin-ci/infra` with
//! the pinned networkx, and the pinned pandapower wheel's case files in its
//! `cases/`), then
//!
//! ```text
//! TOCSIN_NX_PYTHON=~/.cache/tocsin-ci/infra/bin/python \
//! TOCSIN_PANDAPOWER_CASES=~/.cache/tocsin-ci/infra/cases \
//!   cargo test -p tocsin-infra --test networkx -- --include-ignored --nocapture
//! ```
//!
//! To move to another networkx or pandapower, change the pins in `.ci/run`
//! (and in the script's header); the sizes asserted below are the README's
//! for the Zuev grids, and counted from the cases for pandapower's.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Instant;

use serde::Deserialize;
use tocsin_core::asset::Commodity;
use tocsin_infra::grid::{self, Grid};
use tocsin_infra::structure::{self, Idom};
use tocsin_infra::{Ix, Network};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/infrastructure");
const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scripts/infra-networkx.py");
const NEEDS: &str =
    "needs ../shared/data/infrastructure, TOCSIN_NX_PYTHON and TOCSIN_PANDAPOWER_CASES (set by .ci/run)";

fn env(name: &str) -> String {
    match std::env::var(name) {
        Ok(v) if !v.is_empty() => v,
        _ => {
            panic!("{name} is not set: run .ci/run's block that makes ~/.cache/tocsin-ci/infra and export it ({NEEDS})")
        }
    }
}

fn read(path: PathBuf) -> String {
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e} ({NEEDS})", path.display()))
}

fn shared(file: &str) -> String {
    read(PathBuf::from(DATA).join(file))
}

fn case(name: &str) -> Grid {
    let json = read(PathBuf::from(env("TOCSIN_PANDAPOWER_CASES")).join(format!("{name}.json")));
    grid::pandapower(&json).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// networkx's answers.
#[derive(Deserialize)]
struct Answer {
    articulation_points: Vec<Ix>,
    bridges: Vec<(Ix, Ix)>,
    idom: Vec<Option<Ix>>,
}

fn networkx(grid: &Grid) -> Answer {
    let sources: Vec<usize> = (0..grid.buses.len()).filter(|&i| grid.buses[i].source).collect();
    let input = serde_json::json!({ "nodes": grid.buses.len(), "edges": grid.lines, "sources": sources });
    let python = env("TOCSIN_NX_PYTHON");
    let mut child = Command::new(&python)
        .arg(SCRIPT)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {python} {SCRIPT}: {e}"));
    child.stdin.take().unwrap().write_all(input.to_string().as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{SCRIPT} failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// What differs between two sorted lists, at most ten of each side.
fn differ<T: Ord + Clone + std::fmt::Debug>(what: &str, ours: &[T], theirs: &[T]) {
    let (a, b): (BTreeSet<T>, BTreeSet<T>) = (ours.iter().cloned().collect(), theirs.iter().cloned().collect());
    let only_ours: Vec<_> = a.difference(&b).take(10).collect();
    let only_theirs: Vec<_> = b.difference(&a).take(10).collect();
    assert!(
        ours == theirs,
        "{what}: {} ours, {} networkx's; ours only: {only_ours:?}; networkx's only: {only_theirs:?}",
        ours.len(),
        theirs.len()
    );
}

/// Compares the three analyses with networkx's; prints and returns the sizes.
fn compare(name: &str, grid: &Grid) -> Network {
    let started = Instant::now();
    let net = grid.network();
    let n = net.len() as Ix;
    let aps = structure::articulation_points(&net);
    let bridges = structure::bridges(&net);
    let dom = structure::dominators(&net, Commodity::Electricity);
    let idom: Vec<Option<Ix>> = (0..n)
        .map(|v| match dom.idom(v) {
            Idom::Unreachable => None,
            Idom::Root => Some(n),
            Idom::Node(d) => Some(d),
        })
        .collect();
    let ours = started.elapsed();
    let nx = networkx(grid);
    differ(&format!("{name} articulation points"), &aps, &nx.articulation_points);
    differ(&format!("{name} bridges"), &bridges, &nx.bridges);
    assert_eq!(nx.idom.len(), idom.len(), "{name}: networkx's idom list");
    let wrong: Vec<_> =
        (0..n as usize).filter(|&v| idom[v] != nx.idom[v]).take(10).map(|v| (v, idom[v], nx.idom[v])).collect();
    assert!(wrong.is_empty(), "{name} dominators (node, ours, networkx's; {n} is the super-source): {wrong:?}");
    let dominated = idom.iter().filter(|d| matches!(d, Some(d) if *d != n)).count();
    let reached = idom.iter().filter(|d| d.is_some()).count();
    eprintln!(
        "{name}: {n} nodes, {} lines, {} sources, {} articulation points, {} bridges, {reached} reached, \
         {dominated} with a node as immediate dominator; ours {ours:.2?}, all {:.2?}",
        grid.lines.len(),
        grid.buses.iter().filter(|b| b.source).count(),
        aps.len(),
        bridges.len(),
        started.elapsed()
    );
    net
}

/// The Zuev grids have no generator data: the sources are every 50th
/// vertex (indices 0, 50, 100, …), a fixed choice that spreads over the grid.
fn every_50th_a_source(grid: &mut Grid) {
    for bus in grid.buses.iter_mut().step_by(50) {
        bus.source = true;
    }
}

fn zuev(name: &str, edges: &str, vertices: Option<&str>, size: (usize, usize)) -> Grid {
    let vertices = vertices.map(shared);
    let mut grid = grid::zuev(&shared(edges), vertices.as_deref()).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!((grid.buses.len(), grid.lines.len()), size, "{name}: nodes and links, as the README says");
    every_50th_a_source(&mut grid);
    grid
}

#[test]
#[ignore = "needs ../shared/data/infrastructure, TOCSIN_NX_PYTHON and TOCSIN_PANDAPOWER_CASES (set by .ci/run)"]
fn us_west() {
    let grid = zuev("US-West", "powergridUSWS.csv", None, (4_941, 6_594));
    compare("US-West", &grid);
}

#[test]
#[ignore = "needs ../shared/data/infrastructure, TOCSIN_NX_PYTHON and TOCSIN_PANDAPOWER_CASES (set by .ci/run)"]
fn europe() {
    let grid = zuev("Europe", "powergridEU_E.csv", Some("powergridEU_V.csv"), (13_478, 16_922));
    let net = compare("Europe", &grid);
    let countries: BTreeSet<_> = net.nodes().iter().map(|n| n.country).collect();
    let cross = net.links().iter().filter(|l| net.node(l.provider).country != net.node(l.dependent).country).count();
    let placed = grid.buses.iter().filter(|b| b.location.as_ref().and_then(grid::country_at).is_some()).count();
    eprintln!(
        "Europe: {} countries, {} cross-border lines, {placed} buses placed by their coordinates",
        countries.len(),
        cross / 2
    );
    assert!(countries.len() >= 25, "the European grid spans {} countries", countries.len());
    assert!(cross > 0);
}

#[test]
#[ignore = "needs ../shared/data/infrastructure, TOCSIN_NX_PYTHON and TOCSIN_PANDAPOWER_CASES (set by .ci/run)"]
fn north_america() {
    let grid = zuev("North America", "powergridNA_E.csv", Some("powergridNA_V.csv"), (14_990, 18_804));
    compare("North America", &grid);
}

#[test]
#[ignore = "needs ../shared/data/infrastructure, TOCSIN_NX_PYTHON and TOCSIN_PANDAPOWER_CASES (set by .ci/run)"]
fn ieee_118() {
    // 173 lines and 13 transformers: 186 branches, 179 distinct bus pairs.
    let grid = case("case118");
    assert_eq!((grid.buses.len(), grid.lines.len()), (118, 179));
    assert_eq!(grid.buses.iter().filter(|b| b.source).count(), 54, "53 generators and the external grid's bus");
    compare("case118", &grid);
}

#[test]
#[ignore = "needs ../shared/data/infrastructure, TOCSIN_NX_PYTHON and TOCSIN_PANDAPOWER_CASES (set by .ci/run)"]
fn pegase_9241() {
    // 13,797 lines and 2,252 transformers: 16,049 branches, 14,207 distinct bus pairs.
    let grid = case("case9241pegase");
    assert_eq!((grid.buses.len(), grid.lines.len()), (9_241, 14_207));
    assert_eq!(grid.buses.iter().filter(|b| b.source).count(), 1_879, "buses with a gen, ext_grid or sgen");
    compare("case9241pegase", &grid);
}
