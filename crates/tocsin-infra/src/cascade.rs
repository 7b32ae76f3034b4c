//! What-if cascades: remove some assets and follow the failures their loss
//! sets off, in time.
//!
//! The rules, for every live asset `v` (written in the crate: no graph
//! library simulates dependencies):
//!
//! * **Redundancy groups** (k of n): `v` fails when fewer than `k` of a
//!   group's providers still reach it.
//! * **Shares** (links outside a group, per commodity): `v` fails when the
//!   share of its need of a commodity that no longer reaches it is at least
//!   the loss threshold. A single link of share 1 is a plain AND.
//! * **Supply**: `v` fails when it can no longer be reached from any live
//!   source of a commodity it takes, through live assets along that
//!   commodity's links (an island of a grid with no generator goes dark,
//!   even though each bus still has a live neighbour).
//! * **Time**: a provider's loss reaches `v` after the link's delay (time to
//!   impact plus `v`'s reserves); a cut-off from supply after the longest
//!   delay among `v`'s links of that commodity. Events past the horizon do
//!   not happen.
//!
//! Only what changes counts: a requirement already unmet before the
//! removal (a provider already down) and an asset already cut off are
//! left as they are, since the asset is evidently running on something
//! the graph does not show. Failures are computed as the earliest time
//! each rule breaks, in one pass over an event queue; the tests compare it
//! with a brute-force fixpoint.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use tocsin_core::asset::Commodity;

use crate::network::{Ix, Network};

/// How a cascade is run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    /// The lost share of a commodity at which an asset fails, in (0, 1].
    pub loss_threshold: f64,
    /// Failures later than this many hours are not followed.
    pub horizon_hours: Option<f64>,
}

impl Default for Params {
    fn default() -> Params {
        Params { loss_threshold: 0.5, horizon_hours: None }
    }
}

/// Why an asset failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// It was removed.
    Removed,
    /// The loss carried by this link (an index into [`Network::links`])
    /// broke one of its requirements.
    Link(u32),
    /// It was cut off from every source of the commodity; `by` failed in
    /// the step that cut it off.
    Isolated {
        /// The commodity.
        commodity: Commodity,
        /// An asset whose failure made the cut.
        by: Ix,
    },
}

/// One failure of a cascade.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Failure {
    /// The asset.
    pub node: Ix,
    /// Hours after the removal.
    pub at_hours: f64,
    /// Why.
    pub cause: Cause,
}

impl Failure {
    /// The asset whose failure caused this one, if any.
    pub fn origin(&self, net: &Network) -> Option<Ix> {
        match self.cause {
            Cause::Removed => None,
            Cause::Link(l) => Some(net.link(l).provider),
            Cause::Isolated { by, .. } => Some(by),
        }
    }
}

/// A requirement of one asset: a redundancy group, or its ungrouped links
/// of one commodity.
#[derive(Debug, Clone, Copy)]
enum Need {
    /// Fails once this many members are lost.
    Count(f64),
    /// Fails once this share is lost.
    Share(f64),
}

/// What a simulation needs of a network, computed once and shared by
/// every scenario of a sweep.
#[derive(Debug, Clone)]
pub struct Prepared<'a> {
    net: &'a Network,
    params: Params,
    /// Per link: its requirement.
    req_of: Vec<u32>,
    /// Per requirement: what breaks it, or None when already broken.
    need: Vec<Option<Need>>,
    /// Per requirement: the loss before any removal.
    lost0: Vec<f64>,
    /// Per commodity carried: the nodes it reaches before any removal
    /// that take it from a link, and per node its longest delay.
    supply: Vec<Supply>,
}

#[derive(Debug, Clone)]
struct Supply {
    commodity: Commodity,
    /// Its roots before any removal (a root's being one depends only on
    /// the assets' status, which a cascade does not change).
    sources: Vec<Ix>,
    /// Nodes that take the commodity and are reached now.
    watched: Vec<bool>,
    /// Per node, the longest delay of its links of this commodity.
    reserve: Vec<f64>,
}

impl<'a> Prepared<'a> {
    /// Prepares `net` for simulations under `params`.
    pub fn new(net: &'a Network, params: Params) -> Prepared<'a> {
        let threshold = params.loss_threshold.clamp(f64::MIN_POSITIVE, 1.0);
        let mut req_of = vec![0u32; net.links().len()];
        let mut need = Vec::new();
        // Requirements: the groups first, then (dependent, commodity) pairs.
        for g in net.groups() {
            need.push(Some(Need::Count(f64::from(g.members - g.k + 1))));
        }
        // Each node's ungrouped links of one commodity share a requirement:
        // found through its incoming links, a small table per node.
        let mut of_commodity = [u32::MAX; Commodity::ALL.len()];
        for v in 0..net.len() as Ix {
            of_commodity.fill(u32::MAX);
            for &i in net.incoming(v) {
                let l = net.link(i);
                req_of[i as usize] = match l.group {
                    Some(g) => g,
                    None => {
                        let slot = &mut of_commodity[l.commodity as usize];
                        if *slot == u32::MAX {
                            need.push(Some(Need::Share(threshold)));
                            *slot = (need.len() - 1) as u32;
                        }
                        *slot
                    }
                };
            }
        }
        let mut lost0 = vec![0.0; need.len()];
        for (i, l) in net.links().iter().enumerate() {
            if !net.node(l.provider).live {
                lost0[req_of[i] as usize] += weight(need[req_of[i] as usize], l.share);
            }
        }
        for (r, n) in need.iter_mut().enumerate() {
            if n.is_some_and(|n| broken(n, lost0[r])) {
                *n = None;
            }
        }
        // Each commodity's roots, in one pass over the links (as
        // `Network::is_source` says, without asking it per node).
        let (mut gives, mut takes_live) = (vec![0u16; net.len()], vec![0u16; net.len()]);
        for l in net.links() {
            gives[l.provider as usize] |= 1 << l.commodity as u16;
            if net.node(l.provider).live {
                takes_live[l.dependent as usize] |= 1 << l.commodity as u16;
            }
        }
        let root = |v: usize, c: Commodity| {
            let node = &net.nodes()[v];
            let bit = 1 << c as u16;
            node.live && (node.supplies.contains(&c) || (gives[v] & bit != 0 && takes_live[v] & bit == 0))
        };
        let supply = net
            .commodities()
            .into_iter()
            .map(|c| {
                let dead = vec![false; net.len()];
                let sources: Vec<Ix> = (0..net.len()).filter(|&v| root(v, c)).map(|v| v as Ix).collect();
                let reached = reach(net, c, &sources, &dead);
                let mut watched = vec![false; net.len()];
                let mut reserve = vec![0.0f64; net.len()];
                for l in net.links().iter().filter(|l| l.commodity == c) {
                    let v = l.dependent as usize;
                    watched[v] = reached[v] && net.node(l.dependent).live;
                    reserve[v] = reserve[v].max(l.delay_hours);
                }
                Supply { commodity: c, sources, watched, reserve }
            })
            .collect();
        Prepared { net, params, req_of, need, lost0, supply }
    }

    /// The network.
    pub fn network(&self) -> &'a Network {
        self.net
    }

    /// Removes `removed` (ignoring assets already down) and returns every
    /// failure that follows, the removed first, then by time.
    pub fn run(&self, removed: &[Ix]) -> Vec<Failure> {
        let net = self.net;
        let horizon = self.params.horizon_hours.unwrap_or(f64::INFINITY);
        let mut failed_at = vec![f64::INFINITY; net.len()];
        let mut lost = self.lost0.clone();
        let mut cut: Vec<Vec<bool>> = self.supply.iter().map(|_| vec![false; net.len()]).collect();
        let mut out = Vec::new();
        let mut queue = BinaryHeap::new();
        let mut seq = 0u64;
        let mut push = |queue: &mut BinaryHeap<Event>, at: f64, what: What| {
            seq += 1;
            queue.push(Event { at, rank: what.rank(), seq, what });
        };
        for &v in removed {
            if (v as usize) < net.len() && net.node(v).live {
                push(&mut queue, 0.0, What::Fail(v, Cause::Removed));
            }
        }
        while let Some(now) = queue.peek().map(|e| e.at) {
            // Every event at `now`, then the supply check, until quiet.
            let mut failed_now: Vec<Ix> = Vec::new();
            loop {
                while queue.peek().is_some_and(|e| e.at == now) {
                    let Some(Event { what, .. }) = queue.pop() else { break };
                    match what {
                        What::Fail(v, cause) => {
                            if failed_at[v as usize] <= now {
                                continue;
                            }
                            failed_at[v as usize] = now;
                            out.push(Failure { node: v, at_hours: now, cause });
                            failed_now.push(v);
                            for &l in net.outgoing(v) {
                                let at = now + net.link(l).delay_hours;
                                if at <= horizon {
                                    push(&mut queue, at, What::Arrive(l));
                                }
                            }
                        }
                        What::Arrive(l) => {
                            let link = net.link(l);
                            let r = self.req_of[l as usize] as usize;
                            let Some(need) = self.need[r] else { continue };
                            lost[r] += weight(Some(need), link.share);
                            let dependent = link.dependent as usize;
                            if broken(need, lost[r])
                                && failed_at[dependent].is_infinite()
                                && net.node(link.dependent).live
                            {
                                push(&mut queue, now, What::Fail(link.dependent, Cause::Link(l)));
                            }
                        }
                    }
                }
                let before = queue.len();
                self.check_supply(now, horizon, &failed_at, &failed_now, &mut cut, |at, what| {
                    push(&mut queue, at, what)
                });
                failed_now.clear();
                if queue.len() == before || !queue.peek().is_some_and(|e| e.at == now) {
                    break;
                }
            }
        }
        out
    }

    /// Marks and schedules the watched nodes that failures at `now` cut
    /// off from a commodity's sources.
    fn check_supply(
        &self,
        now: f64,
        horizon: f64,
        failed_at: &[f64],
        failed_now: &[Ix],
        cut: &mut [Vec<bool>],
        mut push: impl FnMut(f64, What),
    ) {
        let net = self.net;
        for (s, supply) in self.supply.iter().enumerate() {
            let c = supply.commodity;
            let Some(&by) = failed_now.iter().find(|&&v| {
                net.node(v).supplies.contains(&c) || net.outgoing(v).iter().any(|&l| net.link(l).commodity == c)
            }) else {
                continue;
            };
            let dead: Vec<bool> = failed_at.iter().map(|&t| t <= now).collect();
            let reached = reach(net, c, &supply.sources, &dead);
            for v in 0..net.len() {
                if supply.watched[v] && !reached[v] && !dead[v] && !cut[s][v] {
                    cut[s][v] = true;
                    let at = now + supply.reserve[v];
                    if at <= horizon {
                        push(at, What::Fail(v as Ix, Cause::Isolated { commodity: c, by }));
                    }
                }
            }
        }
    }
}

/// What a requirement loses when a link of `share` is lost.
fn weight(need: Option<Need>, share: f64) -> f64 {
    match need {
        Some(Need::Count(_)) | None => 1.0,
        Some(Need::Share(_)) => share,
    }
}

fn broken(need: Need, lost: f64) -> bool {
    match need {
        Need::Count(n) => lost >= n,
        // A little slack so that shares summing to the threshold break it.
        Need::Share(t) => lost >= t - 1e-9,
    }
}

/// The nodes reached from `sources` (those of `c`) not `dead`, through
/// nodes not `dead` along links of `c`.
fn reach(net: &Network, c: Commodity, sources: &[Ix], dead: &[bool]) -> Vec<bool> {
    let mut seen = vec![false; net.len()];
    let mut stack: Vec<Ix> = sources.iter().copied().filter(|&v| !dead[v as usize]).collect();
    for &v in &stack {
        seen[v as usize] = true;
    }
    while let Some(v) = stack.pop() {
        for &l in net.outgoing(v) {
            let l = net.link(l);
            let w = l.dependent as usize;
            if l.commodity == c && !seen[w] && !dead[w] && net.node(l.dependent).live {
                seen[w] = true;
                stack.push(l.dependent);
            }
        }
    }
    seen
}

#[derive(Debug, Clone, Copy)]
enum What {
    Fail(Ix, Cause),
    Arrive(u32),
}

impl What {
    /// At equal times, a loss carried by a link is told before a cut-off
    /// from supply, so the nearer cause is the one reported.
    fn rank(&self) -> u8 {
        match self {
            What::Fail(_, Cause::Isolated { .. }) => 1,
            What::Fail(..) | What::Arrive(_) => 0,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Event {
    at: f64,
    rank: u8,
    seq: u64,
    what: What,
}

impl PartialEq for Event {
    fn eq(&self, other: &Event) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Event {}
impl PartialOrd for Event {
    fn partial_cmp(&self, other: &Event) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Event {
    // The earliest first (a max-heap, reversed), then by rank, then in
    // the order pushed.
    fn cmp(&self, other: &Event) -> Ordering {
        other.at.total_cmp(&self.at).then(other.rank.cmp(&self.rank)).then(other.seq.cmp(&self.seq))
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use tocsin_core::CountryCode;
    use tocsin_core::asset::Sector;

    use super::*;
    use crate::network::{Builder, LinkSpec, Node};

    /// The failure times by a fixpoint over the rules, in the most direct
    /// way: every asset's time is recomputed from all the others' until
    /// nothing moves. Slow and plain, to check the event queue by.
    fn brute_force(p: &Prepared<'_>, removed: &[Ix]) -> Vec<f64> {
        let net = p.net;
        let horizon = p.params.horizon_hours.unwrap_or(f64::INFINITY);
        let cap = |t: f64| if t <= horizon { t } else { f64::INFINITY };
        let mut f = vec![f64::INFINITY; net.len()];
        for &v in removed {
            if net.node(v).live {
                f[v as usize] = 0.0;
            }
        }
        loop {
            let mut changed = false;
            for v in 0..net.len() as Ix {
                if !net.node(v).live || f[v as usize] == 0.0 && removed.contains(&v) {
                    continue;
                }
                let mut best = f64::INFINITY;
                // Requirements.
                for (r, need) in p.need.iter().enumerate() {
                    let Some(need) = *need else { continue };
                    let mut arrivals: Vec<(f64, f64)> = net
                        .incoming(v)
                        .iter()
                        .filter(|&&l| p.req_of[l as usize] as usize == r && net.node(net.link(l).provider).live)
                        .map(|&l| {
                            let link = net.link(l);
                            (cap(f[link.provider as usize] + link.delay_hours), weight(Some(need), link.share))
                        })
                        .collect();
                    arrivals.sort_by(|a, b| a.0.total_cmp(&b.0));
                    let mut lost = p.lost0[r];
                    for (t, w) in arrivals {
                        if t.is_infinite() {
                            break;
                        }
                        lost += w;
                        if broken(need, lost) {
                            best = best.min(t);
                            break;
                        }
                    }
                }
                // Supply.
                let mut times: Vec<f64> = f.iter().copied().filter(|t| t.is_finite()).collect();
                times.sort_by(f64::total_cmp);
                times.dedup();
                for s in &p.supply {
                    if !s.watched[v as usize] {
                        continue;
                    }
                    for &t in &times {
                        let dead: Vec<bool> = f.iter().map(|&x| x <= t).collect();
                        if dead[v as usize] {
                            break;
                        }
                        if !reach(net, s.commodity, &s.sources, &dead)[v as usize] {
                            best = best.min(cap(t + s.reserve[v as usize]));
                            break;
                        }
                    }
                }
                if best < f[v as usize] {
                    f[v as usize] = best;
                    changed = true;
                }
            }
            if !changed {
                return f;
            }
        }
    }

    fn fra() -> CountryCode {
        CountryCode::parse("FRA").expect("code")
    }

    #[test]
    fn a_diesel_buffer_delays_the_hospital_and_the_horizon_spares_it() {
        let mut b = Builder::new();
        let mut plant = Node::new(Sector::Energy, fra());
        plant.supplies = vec![Commodity::Electricity];
        let p = b.node(plant);
        let s = b.node(Node::new(Sector::Energy, fra()));
        let h = b.node(Node::new(Sector::Health, fra()));
        b.link(p, s, LinkSpec::needs(Commodity::Electricity));
        b.link(s, h, LinkSpec { delay_hours: 72.0, ..LinkSpec::needs(Commodity::Electricity) });
        let net = b.build();
        let run = Prepared::new(&net, Params::default()).run(&[p]);
        let times: Vec<(Ix, f64)> = run.iter().map(|f| (f.node, f.at_hours)).collect();
        assert_eq!(times, vec![(p, 0.0), (s, 0.0), (h, 72.0)]);
        assert_eq!(run[2].origin(&net), Some(s));
        let short = Prepared::new(&net, Params { horizon_hours: Some(24.0), ..Params::default() }).run(&[p]);
        assert_eq!(short.len(), 2, "the hospital outlasts a 24-hour horizon");
    }

    #[test]
    fn one_of_two_feeders_keeps_a_group_alive_and_an_island_goes_dark() {
        // Two plants feed a ring of three buses (k = 1 among neighbours);
        // a spur bus hangs off the ring. Losing one plant changes nothing;
        // losing both darkens the ring although each bus has neighbours.
        let mut b = Builder::new();
        let mut plant = Node::new(Sector::Energy, fra());
        plant.supplies = vec![Commodity::Electricity];
        let p1 = b.node(plant.clone());
        let p2 = b.node(plant);
        let bus: Vec<Ix> = (0..3).map(|_| b.node(Node::new(Sector::Energy, fra()))).collect();
        let grid = || LinkSpec { group: Some("grid".into()), k: Some(1), ..LinkSpec::needs(Commodity::Electricity) };
        b.link(p1, bus[0], grid());
        b.link(p2, bus[1], grid());
        for (x, y) in [(0, 1), (1, 2), (2, 0)] {
            b.link(bus[x], bus[y], grid());
            b.link(bus[y], bus[x], grid());
        }
        let net = b.build();
        let p = Prepared::new(&net, Params::default());
        assert_eq!(p.run(&[p1]).len(), 1);
        let both = p.run(&[p1, p2]);
        let mut dark: Vec<Ix> = both.iter().map(|f| f.node).collect();
        dark.sort_unstable();
        assert_eq!(dark, vec![p1, p2, bus[0], bus[1], bus[2]]);
        assert!(both.iter().any(|f| matches!(f.cause, Cause::Isolated { .. })), "{both:?}");
    }

    #[test]
    fn a_half_share_is_lost_at_the_threshold_only() {
        let mut b = Builder::new();
        let a = b.node(Node::new(Sector::Energy, fra()));
        let c = b.node(Node::new(Sector::Energy, fra()));
        let h = b.node(Node::new(Sector::Health, fra()));
        let third = LinkSpec { share: 0.3, ..LinkSpec::needs(Commodity::Gas) };
        let most = LinkSpec { share: 0.7, ..LinkSpec::needs(Commodity::Gas) };
        b.link(a, h, third);
        b.link(c, h, most);
        let net = b.build();
        let p = Prepared::new(&net, Params::default());
        assert_eq!(p.run(&[a]).len(), 1, "30 % lost: below the 50 % threshold");
        assert_eq!(p.run(&[c]).len(), 2, "70 % lost");
    }

    fn scenario() -> impl Strategy<Value = (Network, Vec<Ix>, Params)> {
        (2usize..9)
            .prop_flat_map(|n| {
                let link = (
                    0..n as u32,
                    0..n as u32,
                    0usize..3,
                    prop::sample::select(vec![0.25, 0.5, 1.0]),
                    prop::option::of(0u32..2),
                    1u32..3,
                    prop::sample::select(vec![0.0, 0.0, 1.0, 2.0, 5.0]),
                );
                (
                    prop::collection::vec((any::<bool>(), 0usize..3, prop::bool::weighted(0.9)), n),
                    prop::collection::vec(link, 0..n * 3),
                    prop::collection::vec(0..n as u32, 1..3),
                    prop::sample::select(vec![0.5, 1.0]),
                    prop::option::of(prop::sample::select(vec![1.0, 3.0])),
                )
            })
            .prop_map(|(nodes, links, removed, threshold, horizon)| {
                let commodities = [Commodity::Electricity, Commodity::Water, Commodity::Telecom];
                let mut b = Builder::new();
                for (source, c, live) in nodes {
                    let mut node = Node::new(Sector::Energy, fra());
                    if source {
                        node.supplies = vec![commodities[c]];
                    }
                    node.live = live;
                    b.node(node);
                }
                for (a, z, c, share, group, k, delay) in links {
                    let spec = LinkSpec {
                        commodity: commodities[c],
                        share,
                        group: group.map(|g| format!("g{g}")),
                        k: group.map(|_| k),
                        delay_hours: delay,
                    };
                    b.link(a, z, spec);
                }
                (b.build(), removed, Params { loss_threshold: threshold, horizon_hours: horizon })
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn the_event_queue_agrees_with_the_brute_force_fixpoint((net, removed, params) in scenario()) {
            let p = Prepared::new(&net, params);
            let expected = brute_force(&p, &removed);
            let mut got = vec![f64::INFINITY; net.len()];
            for f in p.run(&removed) {
                prop_assert!(got[f.node as usize].is_infinite(), "{} failed twice", f.node);
                got[f.node as usize] = f.at_hours;
            }
            prop_assert_eq!(got, expected);
        }
    }
}
