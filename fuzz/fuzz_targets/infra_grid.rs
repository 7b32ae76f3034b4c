//! Fuzzes the power-grid readers (`tocsin infra grid`) with arbitrary
//! bytes, read as UTF-8 (lossily): the whole input as a pandapower JSON
//! net and as a Zuev edge list alone, and, split at the first NUL byte,
//! as an edge list and its vertex list. No input may panic; a grid that
//! reads has lines `(lower, higher)` between its buses, each pair once,
//! and (up to 2,000 buses) turns into a network whose articulation
//! points, bridges and single-point-of-failure report are computed
//! without panic and agree with each other.
//!
//! Seeds: hand-written files in `fuzz/seeds/infra_grid`, and slices of
//! K. Zuev's grids in `../shared/data/infrastructure` that
//! `scripts/fuzz-campaign.sh` cuts at run time (never copied in).
//! Run: `cargo install cargo-fuzz; cd fuzz; RUSTC_BOOTSTRAP=1 cargo fuzz run infra_grid`

#![no_main]

use std::collections::HashSet;

use libfuzzer_sys::fuzz_target;
use tocsin_core::CountryCode;
use tocsin_infra::grid::{Grid, pandapower, zuev};
use tocsin_infra::report::spofs;
use tocsin_infra::structure::{articulation_points, bridges};

/// The largest grid analysed.
const MAX_BUSES: usize = 2_000;
/// The largest grid given countries from its coordinates.
const MAX_PLACED: usize = 200;

fn check(grid: &Grid) {
    let n = grid.buses.len();
    let mut seen = HashSet::new();
    for &(a, b) in &grid.lines {
        assert!(a < b && b < n, "a line ({a}, {b}) is (lower, higher) between {n} buses");
        assert!(seen.insert((a, b)), "each line once");
    }
    if n > MAX_BUSES {
        return;
    }
    let [fra, deu] = ["FRA", "DEU"].map(|c| CountryCode::parse(c).expect("a country code"));
    let net = grid.network_with(|bus| if bus.key.len() % 2 == 0 { fra } else { deu });
    assert_eq!(net.len(), n, "a node per bus");
    assert_eq!(net.links().len(), 2 * grid.lines.len(), "two links per line");
    let aps = articulation_points(&net);
    assert!(aps.windows(2).all(|w| w[0] < w[1]) && aps.iter().all(|&v| (v as usize) < n));
    let bridges = bridges(&net);
    assert!(bridges.iter().all(|&(a, b)| seen.contains(&(a as usize, b as usize))), "a bridge is a line");
    let report = spofs(&net, &Default::default(), 10);
    assert!(report.spofs.len() <= 10 && report.spofs.len() <= report.total);
    assert!(report.spofs.iter().all(|s| (s.node as usize) < n));
    assert_eq!(report.articulation_points, aps);
    assert_eq!(report.bridges, bridges);
    if n <= MAX_PLACED {
        assert_eq!(grid.network().len(), n);
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(grid) = pandapower(&text) {
        check(&grid);
    }
    let (edges, vertices) = match text.split_once('\0') {
        Some((e, v)) => (e, Some(v)),
        None => (&*text, None),
    };
    if let Ok(grid) = zuev(edges, None) {
        check(&grid);
    }
    if let Some(v) = vertices
        && let Ok(grid) = zuev(edges, Some(v))
    {
        check(&grid);
    }
});
