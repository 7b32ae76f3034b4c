//! The reports built on [`structure`](crate::structure) and
//! [`cascade`](crate::cascade): single points of failure ranked by what
//! they cut off, redundancy groups short of members, the cross-border
//! matrix with each country's foreign single points of failure, a
//! cascade's impact, and the N-1 sweep.
//!
//! Everything is computed on the network it is given, which holds only
//! what the asking agency may see: a hidden asset has no node, so it is
//! in no list, no count and no effect.

use std::collections::{BTreeMap, HashMap};

use rayon::prelude::*;
use tocsin_core::CountryCode;
use tocsin_core::asset::{Commodity, Sector};

use crate::cascade::{Cause, Failure, Params, Prepared};
use crate::network::{Ix, Network};
use crate::structure::{self, Dominators};

/// Which consumers a single-point-of-failure report is about.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scope {
    /// One consumer.
    pub consumer: Option<Ix>,
    /// Consumers of a sector.
    pub sector: Option<Sector>,
    /// Consumers in a country.
    pub country: Option<CountryCode>,
}

impl Scope {
    fn covers(&self, net: &Network, v: Ix) -> bool {
        let node = net.node(v);
        self.consumer.is_none_or(|c| c == v)
            && self.sector.is_none_or(|s| s == node.sector)
            && self.country.is_none_or(|c| c == node.country)
    }
}

/// A single point of failure and what its loss alone cuts off.
#[derive(Debug, Clone, PartialEq)]
pub struct Spof {
    /// The asset.
    pub node: Ix,
    /// The commodities for which it dominates a consumer in scope.
    pub commodities: Vec<Commodity>,
    /// Whether it is also an articulation point.
    pub articulation_point: bool,
    /// Consumers in scope it cuts off from a commodity.
    pub dependents: u32,
    /// People those consumers serve.
    pub people: u64,
    /// Their sectors.
    pub sectors: Vec<Sector>,
    /// Their countries.
    pub countries: Vec<CountryCode>,
}

/// The single-point-of-failure report.
#[derive(Debug, Clone, PartialEq)]
pub struct SpofReport {
    /// Dominators with their impact, the worst first.
    pub spofs: Vec<Spof>,
    /// How many dominators were found before the limit.
    pub total: usize,
    /// Articulation points of the undirected view (in scope by their own
    /// sector and country).
    pub articulation_points: Vec<Ix>,
    /// Bridges of the undirected view (in scope by either end).
    pub bridges: Vec<(Ix, Ix)>,
}

/// Every commodity's dominator tree.
pub fn dominator_trees(net: &Network) -> Vec<Dominators> {
    net.commodities().into_iter().map(|c| structure::dominators(net, c)).collect()
}

/// The single points of failure of the consumers in `scope`, worst
/// (most people, then most dependents) first, at most `limit`.
pub fn spofs(net: &Network, scope: &Scope, limit: usize) -> SpofReport {
    let trees = dominator_trees(net);
    let aps = structure::articulation_points(net);
    let mut is_ap = vec![false; net.len()];
    for &a in &aps {
        is_ap[a as usize] = true;
    }
    #[derive(Default)]
    struct Acc {
        commodities: u16,
        dependents: u32,
        people: u64,
        sectors: u32,
        countries: Vec<CountryCode>,
    }
    let mut acc: HashMap<Ix, Acc> = HashMap::new();
    let mut chain: Vec<(Ix, usize)> = Vec::new();
    for v in (0..net.len() as Ix).filter(|&v| scope.covers(net, v)) {
        chain.clear();
        for (t, tree) in trees.iter().enumerate() {
            chain.extend(tree.chain(v).map(|d| (d, t)));
        }
        chain.sort_unstable();
        let node = net.node(v);
        let mut last = None;
        for &(d, t) in &chain {
            let a = acc.entry(d).or_default();
            a.commodities |= 1 << trees[t].commodity() as u16;
            if last == Some(d) {
                continue;
            }
            last = Some(d);
            a.dependents += 1;
            a.people += node.serves;
            a.sectors |= 1 << node.sector as u32;
            if !a.countries.contains(&node.country) {
                a.countries.push(node.country);
            }
        }
    }
    let mut spofs: Vec<Spof> = acc
        .into_iter()
        .map(|(d, a)| {
            let mut countries = a.countries;
            countries.sort_unstable_by(|x, y| x.as_str().cmp(y.as_str()));
            Spof {
                node: d,
                commodities: Commodity::ALL.into_iter().filter(|c| a.commodities & (1 << *c as u16) != 0).collect(),
                articulation_point: is_ap[d as usize],
                dependents: a.dependents,
                people: a.people,
                sectors: Sector::ALL.into_iter().filter(|s| a.sectors & (1 << *s as u32) != 0).collect(),
                countries,
            }
        })
        .collect();
    spofs.sort_by(|a, b| {
        (b.people, b.dependents, b.sectors.len(), b.countries.len())
            .cmp(&(a.people, a.dependents, a.sectors.len(), a.countries.len()))
            .then(a.node.cmp(&b.node))
    });
    let total = spofs.len();
    spofs.truncate(limit);
    let by_own = |v: Ix| Scope { consumer: None, ..scope.clone() }.covers(net, v);
    SpofReport {
        spofs,
        total,
        articulation_points: aps.into_iter().filter(|&a| scope.consumer.is_none() && by_own(a)).collect(),
        bridges: structure::bridges(net)
            .into_iter()
            .filter(|&(a, b)| match scope.consumer {
                Some(c) => a == c || b == c,
                None => by_own(a) || by_own(b),
            })
            .collect(),
    }
}

/// Per node: whether it alone cuts some asset off from a commodity, or
/// splits the undirected view.
pub fn spof_flags(net: &Network) -> Vec<bool> {
    let mut flags = vec![false; net.len()];
    for t in dominator_trees(net) {
        for w in 0..net.len() as Ix {
            if let structure::Idom::Node(d) = t.idom(w) {
                flags[d as usize] = true;
            }
        }
    }
    for a in structure::articulation_points(net) {
        flags[a as usize] = true;
    }
    flags
}

/// Whether `v` alone cuts some asset off from a commodity, or splits the
/// undirected view.
pub fn is_spof(net: &Network, v: Ix) -> bool {
    spof_flags(net).get(v as usize).copied().unwrap_or(false)
}

/// A redundancy group with fewer live members than it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShortGroup {
    /// The dependent.
    pub dependent: Ix,
    /// The group's name.
    pub name: String,
    /// Live members needed.
    pub k: u32,
    /// Members.
    pub members: u32,
    /// Live members.
    pub live: u32,
}

/// Redundancy groups of live dependents with fewer live members than `k`.
pub fn short_groups(net: &Network) -> Vec<ShortGroup> {
    let mut live = vec![0u32; net.groups().len()];
    for l in net.links() {
        if let Some(g) = l.group
            && net.node(l.provider).live
        {
            live[g as usize] += 1;
        }
    }
    net.groups()
        .iter()
        .zip(live)
        .filter(|(g, live)| *live < g.k && net.node(g.dependent).live)
        .map(|(g, live)| ShortGroup { dependent: g.dependent, name: g.name.clone(), k: g.k, members: g.members, live })
        .collect()
}

/// One cell of the cross-border matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct BorderCell {
    /// The providers' country.
    pub from: CountryCode,
    /// The dependents' country.
    pub to: CountryCode,
    /// What flows.
    pub commodity: Commodity,
    /// How many links.
    pub links: u32,
    /// The sum of their shares.
    pub share: f64,
}

/// An asset abroad whose loss alone cuts a country's consumers off.
#[derive(Debug, Clone, PartialEq)]
pub struct ForeignSpof {
    /// The country that depends.
    pub country: CountryCode,
    /// The asset.
    pub node: Ix,
    /// Its consumers in `country` it cuts off.
    pub dependents: u32,
    /// People they serve.
    pub people: u64,
}

/// The cross-border matrix (links whose ends are in different countries)
/// and every country's foreign single points of failure, most people
/// first.
pub fn cross_border(net: &Network) -> (Vec<BorderCell>, Vec<ForeignSpof>) {
    let mut cells: BTreeMap<(String, String, Commodity), (u32, f64)> = BTreeMap::new();
    for l in net.links() {
        let (a, b) = (net.node(l.provider), net.node(l.dependent));
        if a.country != b.country {
            let e = cells.entry((a.country.to_string(), b.country.to_string(), l.commodity)).or_default();
            e.0 += 1;
            e.1 += l.share;
        }
    }
    let matrix = cells
        .into_iter()
        .filter_map(|((from, to, commodity), (links, share))| {
            Some(BorderCell {
                from: CountryCode::parse(&from).ok()?,
                to: CountryCode::parse(&to).ok()?,
                commodity,
                links,
                share,
            })
        })
        .collect();
    let trees = dominator_trees(net);
    let mut foreign: HashMap<(Ix, CountryCode), (u32, u64)> = HashMap::new();
    let mut ds: Vec<Ix> = Vec::new();
    for v in 0..net.len() as Ix {
        let node = net.node(v);
        ds.clear();
        ds.extend(trees.iter().flat_map(|t| t.chain(v)).filter(|&d| net.node(d).country != node.country));
        ds.sort_unstable();
        ds.dedup();
        for &d in &ds {
            let e = foreign.entry((d, node.country)).or_default();
            e.0 += 1;
            e.1 += node.serves;
        }
    }
    let mut foreign: Vec<ForeignSpof> = foreign
        .into_iter()
        .map(|((node, country), (dependents, people))| ForeignSpof { country, node, dependents, people })
        .collect();
    foreign.sort_by(|a, b| {
        a.country
            .as_str()
            .cmp(b.country.as_str())
            .then((b.people, b.dependents).cmp(&(a.people, a.dependents)))
            .then(a.node.cmp(&b.node))
    });
    (matrix, foreign)
}

/// What a cascade did.
#[derive(Debug, Clone, PartialEq)]
pub struct Impact {
    /// Failed assets (the removed included) by sector and country: count
    /// and people served.
    pub by_sector_country: Vec<(Sector, CountryCode, u32, u64)>,
    /// People the failed assets serve.
    pub people: u64,
    /// The first failure caused from another country (an index into the
    /// failures).
    pub first_cross_border: Option<usize>,
}

/// The impact of `failures` (as [`Prepared::run`] returns them).
pub fn impact(net: &Network, failures: &[Failure]) -> Impact {
    let mut cells: BTreeMap<(Sector, String), (u32, u64)> = BTreeMap::new();
    let mut people = 0;
    for f in failures {
        let node = net.node(f.node);
        let e = cells.entry((node.sector, node.country.to_string())).or_default();
        e.0 += 1;
        e.1 += node.serves;
        people += node.serves;
    }
    let first_cross_border =
        failures.iter().position(|f| f.origin(net).is_some_and(|o| net.node(o).country != net.node(f.node).country));
    Impact {
        by_sector_country: cells
            .into_iter()
            .filter_map(|((s, c), (n, p))| Some((s, CountryCode::parse(&c).ok()?, n, p)))
            .collect(),
        people,
        first_cross_border,
    }
}

/// The most links of a cause chain reported.
pub const MAX_CHAIN: usize = 64;

/// The chains of causes of the failures at `indices`: for each, the asset
/// whose loss caused it, that asset's cause, and so on back to a removed
/// one (nearest first, at most [`MAX_CHAIN`]). A failure's origin always
/// failed before it, so a chain only walks back and ends.
pub fn cause_chains(net: &Network, failures: &[Failure], indices: &[usize]) -> Vec<Vec<Ix>> {
    let at: HashMap<Ix, usize> = failures.iter().enumerate().map(|(i, f)| (f.node, i)).collect();
    indices
        .iter()
        .map(|&i| {
            let mut chain = Vec::new();
            let mut k = i;
            while let Some(o) = failures.get(k).and_then(|f| f.origin(net)) {
                if chain.len() == MAX_CHAIN {
                    break;
                }
                chain.push(o);
                match at.get(&o) {
                    Some(&j) if j < k => k = j,
                    _ => break,
                }
            }
            chain
        })
        .collect()
}

/// One row of an N-1 sweep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SweepRow {
    /// The asset removed.
    pub node: Ix,
    /// Assets failed with it (itself excluded).
    pub failed: u32,
    /// People the failed assets (itself included) serve.
    pub people: u64,
}

/// Removes each candidate alone and ranks them by the size of their
/// cascade (most failed, then most people), on every core.
pub fn sweep(net: &Network, candidates: &[Ix], params: Params) -> Vec<SweepRow> {
    let prepared = Prepared::new(net, params);
    let mut rows: Vec<SweepRow> = candidates
        .par_iter()
        .map(|&v| {
            let run = prepared.run(&[v]);
            SweepRow {
                node: v,
                failed: run.iter().filter(|f| f.cause != Cause::Removed).count() as u32,
                people: run.iter().map(|f| net.node(f.node).serves).sum(),
            }
        })
        .collect();
    rows.sort_by(|a, b| (b.failed, b.people).cmp(&(a.failed, a.people)).then(a.node.cmp(&b.node)));
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::{Builder, LinkSpec, Node};

    fn code(c: &str) -> CountryCode {
        CountryCode::parse(c).expect("code")
    }

    /// A French plant feeds a French substation that feeds a Belgian
    /// hospital and a French pump; the pump's water goes to the hospital.
    fn two_countries() -> (Network, [Ix; 4]) {
        let mut b = Builder::new();
        let mut plant = Node::new(Sector::Energy, code("FRA"));
        plant.supplies = vec![Commodity::Electricity];
        let p = b.node(plant);
        let s = b.node(Node::new(Sector::Energy, code("FRA")));
        let mut hospital = Node::new(Sector::Health, code("BEL"));
        hospital.serves = 100_000;
        let h = b.node(hospital);
        let mut pump = Node::new(Sector::DrinkingWater, code("FRA"));
        pump.serves = 5_000;
        let w = b.node(pump);
        b.link(p, s, LinkSpec::needs(Commodity::Electricity));
        b.link(s, h, LinkSpec::needs(Commodity::Electricity));
        b.link(s, w, LinkSpec::needs(Commodity::Electricity));
        b.link(w, h, LinkSpec::needs(Commodity::Water));
        (b.build(), [p, s, h, w])
    }

    #[test]
    fn spofs_are_ranked_by_people_and_scoped() {
        let (net, [p, s, h, w]) = two_countries();
        let all = spofs(&net, &Scope::default(), 10);
        assert_eq!(all.spofs.iter().map(|x| x.node).collect::<Vec<_>>(), vec![p, s, w]);
        assert_eq!(all.spofs[0].people, 105_000, "the plant cuts off the hospital and the pump, each counted once");
        assert_eq!(all.spofs[2].commodities, vec![Commodity::Water]);
        let belgium = spofs(&net, &Scope { country: Some(code("BEL")), ..Scope::default() }, 10);
        assert_eq!(
            belgium.spofs.iter().map(|x| (x.node, x.dependents)).collect::<Vec<_>>(),
            vec![(p, 1), (s, 1), (w, 1)]
        );
        let hospital = spofs(&net, &Scope { consumer: Some(h), ..Scope::default() }, 1);
        assert_eq!((hospital.spofs.len(), hospital.total), (1, 3));
        assert!(is_spof(&net, s));
        assert!(!is_spof(&net, h));
    }

    #[test]
    fn the_border_matrix_and_foreign_spofs_name_the_countries() {
        let (net, [p, s, _, w]) = two_countries();
        let (matrix, foreign) = cross_border(&net);
        assert_eq!(matrix.len(), 2, "{matrix:?}");
        assert!(matrix.iter().all(|c| c.from == code("FRA") && c.to == code("BEL") && c.links == 1));
        let nodes: Vec<Ix> = foreign.iter().map(|f| f.node).collect();
        assert_eq!(nodes, vec![p, s, w]);
        assert!(foreign.iter().all(|f| f.country == code("BEL")));
    }

    #[test]
    fn a_cascade_reports_its_first_cross_border_step_and_its_causes() {
        let (net, [p, s, h, w]) = two_countries();
        let run = Prepared::new(&net, Params::default()).run(&[p]);
        let i = impact(&net, &run);
        assert_eq!(i.people, 105_000);
        let first = i.first_cross_border.expect("the hospital is abroad");
        assert_eq!(run[first].node, h);
        assert_eq!(cause_chains(&net, &run, &[first]), vec![vec![s, p]]);
        let rows = sweep(&net, &[p, s, w, h], Params::default());
        assert_eq!(rows.iter().map(|r| (r.node, r.failed)).collect::<Vec<_>>(), vec![(p, 3), (s, 2), (w, 1), (h, 0)]);
    }

    #[test]
    fn groups_short_of_live_members_are_listed() {
        let mut b = Builder::new();
        let fra = code("FRA");
        let a = b.node(Node::new(Sector::Energy, fra));
        let mut down = Node::new(Sector::Energy, fra);
        down.live = false;
        let c = b.node(down);
        let h = b.node(Node::new(Sector::Health, fra));
        let feed = LinkSpec { group: Some("feeders".into()), k: Some(2), ..LinkSpec::needs(Commodity::Electricity) };
        b.link(a, h, feed.clone());
        b.link(c, h, feed);
        let short = short_groups(&b.build());
        assert_eq!(short, vec![ShortGroup { dependent: h, name: "feeders".into(), k: 2, members: 2, live: 1 }]);
    }
}
