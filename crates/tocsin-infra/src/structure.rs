//! Structural single points of failure.
//!
//! * On the undirected view (every link as an edge, live nodes only):
//!   articulation points and bridges, from petgraph (Hopcroft–Tarjan,
//!   O(V + E), iterative).
//! * On the directed supply graph of one commodity: the dominator tree
//!   from a super-source linked to every source of the commodity. A node
//!   `d` dominates `v` when every supply path to `v` passes through `d`,
//!   so `d`'s loss alone cuts `v` off. petgraph's `simple_fast` (Cooper,
//!   Harvey and Kennedy) is O(V²) in the worst case, which a 100,000-asset
//!   graph with long radial chains reaches; this module has its own
//!   Lengauer–Tarjan (O(E log V), iterative so that deep graphs cannot
//!   overflow the stack), checked against petgraph's on random graphs and
//!   against networkx on the real grids.

use petgraph::graph::UnGraph;
use tocsin_core::asset::Commodity;

use crate::network::{Ix, Network};

const NONE: u32 = u32::MAX;

/// The undirected simple graph of the live nodes: one edge per linked
/// pair, whatever the direction, commodity or count of links.
fn undirected(net: &Network) -> UnGraph<(), ()> {
    let mut pairs: Vec<(Ix, Ix)> = net
        .links()
        .iter()
        .filter(|l| net.node(l.provider).live && net.node(l.dependent).live)
        .map(|l| (l.provider.min(l.dependent), l.provider.max(l.dependent)))
        .collect();
    pairs.sort_unstable();
    pairs.dedup();
    let mut g = UnGraph::with_capacity(net.len(), pairs.len());
    for _ in 0..net.len() {
        g.add_node(());
    }
    for (a, b) in pairs {
        g.add_edge(a.into(), b.into(), ());
    }
    g
}

/// The live nodes whose loss splits the undirected graph, sorted.
pub fn articulation_points(net: &Network) -> Vec<Ix> {
    let g = undirected(net);
    let mut v: Vec<Ix> = petgraph::algo::articulation_points::articulation_points(&g)
        .into_iter()
        .map(|n| n.index() as Ix)
        .filter(|&n| net.node(n).live)
        .collect();
    v.sort_unstable();
    v
}

/// The linked pairs whose loss splits the undirected graph, as
/// `(lower, higher)`, sorted.
pub fn bridges(net: &Network) -> Vec<(Ix, Ix)> {
    use petgraph::visit::EdgeRef;
    let g = undirected(net);
    let mut v: Vec<(Ix, Ix)> = petgraph::algo::bridges::bridges(&g)
        .map(|e| {
            let (a, b) = (e.source().index() as Ix, e.target().index() as Ix);
            (a.min(b), a.max(b))
        })
        .collect();
    v.sort_unstable();
    v
}

/// A node's immediate dominator in a commodity's supply graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idom {
    /// No live supply path reaches it (or it takes no part in the graph).
    Unreachable,
    /// Only the super-source dominates it: it has independent supply, or
    /// is a source.
    Root,
    /// The nearest node every supply path passes through.
    Node(Ix),
}

/// The dominator tree of one commodity's supply graph.
#[derive(Debug, Clone)]
pub struct Dominators {
    commodity: Commodity,
    /// Per node: the immediate dominator, `root` for the super-source,
    /// NONE when unreachable.
    idom: Vec<u32>,
    root: u32,
}

impl Dominators {
    /// The commodity.
    pub fn commodity(&self) -> Commodity {
        self.commodity
    }

    /// `v`'s immediate dominator.
    pub fn idom(&self, v: Ix) -> Idom {
        match self.idom[v as usize] {
            NONE => Idom::Unreachable,
            d if d == self.root => Idom::Root,
            d => Idom::Node(d),
        }
    }

    /// The nodes that dominate `v`, nearest first (`v` and the
    /// super-source excluded).
    pub fn chain(&self, v: Ix) -> impl Iterator<Item = Ix> + '_ {
        let mut at = v;
        std::iter::from_fn(move || match self.idom(at) {
            Idom::Node(d) => {
                at = d;
                Some(d)
            }
            Idom::Root | Idom::Unreachable => None,
        })
    }
}

/// The dominator tree of `c`'s supply graph: live links carrying `c`
/// between live nodes, and a super-source linked to every source of `c`.
pub fn dominators(net: &Network, c: Commodity) -> Dominators {
    let n = net.len();
    let root = n as u32;
    let mut edges: Vec<(u32, u32)> = net
        .links()
        .iter()
        .filter(|l| l.commodity == c && net.node(l.provider).live && net.node(l.dependent).live)
        .map(|l| (l.provider, l.dependent))
        .collect();
    edges.extend((0..n as Ix).filter(|&v| net.is_source(v, c)).map(|v| (root, v)));
    let mut idom = lengauer_tarjan(n + 1, root, &edges);
    idom.truncate(n);
    Dominators { commodity: c, idom, root }
}

/// Compressed adjacency of `edges` by their first (`by_target` false) or
/// second end.
fn adjacency(n: usize, edges: &[(u32, u32)], by_target: bool) -> (Vec<u32>, Vec<u32>) {
    let key = |e: &(u32, u32)| if by_target { (e.1, e.0) } else { *e };
    let mut off = vec![0u32; n + 1];
    for e in edges {
        off[key(e).0 as usize + 1] += 1;
    }
    for i in 0..n {
        off[i + 1] += off[i];
    }
    let mut fill = off.clone();
    let mut to = vec![0u32; edges.len()];
    for e in edges {
        let (a, b) = key(e);
        to[fill[a as usize] as usize] = b;
        fill[a as usize] += 1;
    }
    (off, to)
}

/// Immediate dominators of every node of the graph `edges` over `n`
/// nodes, from `root`: the root maps to itself, nodes it does not reach
/// to `u32::MAX`. Lengauer and Tarjan's algorithm with path compression
/// (their "simple" version), with an explicit stack for the search and
/// the compression.
pub fn lengauer_tarjan(n: usize, root: u32, edges: &[(u32, u32)]) -> Vec<u32> {
    let mut idom = vec![NONE; n];
    if root as usize >= n {
        return idom;
    }
    let (soff, succ) = adjacency(n, edges, false);
    let (poff, pred) = adjacency(n, edges, true);
    // Depth-first numbering.
    let mut dfn = vec![NONE; n];
    let mut vertex: Vec<u32> = Vec::with_capacity(n);
    let mut parent = vec![NONE; n];
    let mut stack: Vec<(u32, u32)> = vec![(root, soff[root as usize])];
    dfn[root as usize] = 0;
    vertex.push(root);
    while let Some(top) = stack.last_mut() {
        let (v, i) = *top;
        if i < soff[v as usize + 1] {
            top.1 += 1;
            let w = succ[i as usize];
            if dfn[w as usize] == NONE {
                dfn[w as usize] = vertex.len() as u32;
                vertex.push(w);
                parent[w as usize] = v;
                stack.push((w, soff[w as usize]));
            }
        } else {
            stack.pop();
        }
    }
    let mut semi = dfn.clone();
    let mut ancestor = vec![NONE; n];
    let mut label: Vec<u32> = (0..n as u32).collect();
    let mut bucket_head = vec![NONE; n];
    let mut bucket_next = vec![NONE; n];
    let mut path: Vec<u32> = Vec::new();
    let mut eval = |v: u32, ancestor: &mut Vec<u32>, label: &mut Vec<u32>, semi: &Vec<u32>| -> u32 {
        if ancestor[v as usize] == NONE {
            return v;
        }
        path.clear();
        let mut x = v;
        while ancestor[ancestor[x as usize] as usize] != NONE {
            path.push(x);
            x = ancestor[x as usize];
        }
        for &x in path.iter().rev() {
            let a = ancestor[x as usize];
            if semi[label[a as usize] as usize] < semi[label[x as usize] as usize] {
                label[x as usize] = label[a as usize];
            }
            ancestor[x as usize] = ancestor[a as usize];
        }
        label[v as usize]
    };
    for i in (1..vertex.len()).rev() {
        let w = vertex[i];
        for &v in &pred[poff[w as usize] as usize..poff[w as usize + 1] as usize] {
            if dfn[v as usize] == NONE {
                continue;
            }
            let u = eval(v, &mut ancestor, &mut label, &semi);
            if semi[u as usize] < semi[w as usize] {
                semi[w as usize] = semi[u as usize];
            }
        }
        let s = vertex[semi[w as usize] as usize];
        bucket_next[w as usize] = bucket_head[s as usize];
        bucket_head[s as usize] = w;
        let p = parent[w as usize];
        ancestor[w as usize] = p;
        let mut b = bucket_head[p as usize];
        while b != NONE {
            let u = eval(b, &mut ancestor, &mut label, &semi);
            idom[b as usize] = if semi[u as usize] < semi[b as usize] { u } else { p };
            b = bucket_next[b as usize];
        }
        bucket_head[p as usize] = NONE;
    }
    for &w in vertex.iter().skip(1) {
        if idom[w as usize] != vertex[semi[w as usize] as usize] {
            idom[w as usize] = idom[idom[w as usize] as usize];
        }
    }
    idom[root as usize] = root;
    idom
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use tocsin_core::CountryCode;
    use tocsin_core::asset::Sector;

    use super::*;
    use crate::network::{Builder, LinkSpec, Node};

    fn chain_network() -> Network {
        // plant → sub1 → sub2 → {hospital, pump}; plant2 → sub2 as well.
        let mut b = Builder::new();
        let fra = CountryCode::parse("FRA").expect("code");
        let mut plant = Node::new(Sector::Energy, fra);
        plant.supplies = vec![Commodity::Electricity];
        let [p, s1, s2, h, w] = [
            plant.clone(),
            Node::new(Sector::Energy, fra),
            Node::new(Sector::Energy, fra),
            Node::new(Sector::Health, fra),
            Node::new(Sector::DrinkingWater, fra),
        ]
        .map(|n| b.node(n));
        let p2 = b.node(plant);
        for (a, c) in [(p, s1), (s1, s2), (s2, h), (s2, w), (p2, s1)] {
            b.link(a, c, LinkSpec::needs(Commodity::Electricity));
        }
        b.link(w, h, LinkSpec::needs(Commodity::Water));
        b.build()
    }

    #[test]
    fn a_substation_every_path_passes_dominates_what_it_feeds() {
        let net = chain_network();
        let d = dominators(&net, Commodity::Electricity);
        assert_eq!(d.idom(0), Idom::Root, "a plant is a source");
        assert_eq!(d.idom(1), Idom::Root, "two plants feed the first substation");
        assert_eq!(d.idom(2), Idom::Node(1));
        assert_eq!(d.chain(3).collect::<Vec<_>>(), vec![2, 1]);
        let water = dominators(&net, Commodity::Water);
        assert_eq!(water.idom(4), Idom::Root, "the pump is the water source");
        assert_eq!(water.idom(3), Idom::Node(4));
        assert_eq!(water.idom(0), Idom::Unreachable);
        assert_eq!(articulation_points(&net), vec![1, 2]);
        assert_eq!(bridges(&net), vec![(0, 1), (1, 2), (1, 5)], "the plants' lines and the trunk");
    }

    #[test]
    fn a_failed_node_is_no_part_of_any_path() {
        let mut b = Builder::new();
        let fra = CountryCode::parse("FRA").expect("code");
        let mut plant = Node::new(Sector::Energy, fra);
        plant.supplies = vec![Commodity::Electricity];
        let p = b.node(plant.clone());
        let mut dead = plant;
        dead.live = false;
        let q = b.node(dead);
        let h = b.node(Node::new(Sector::Health, fra));
        b.link(p, h, LinkSpec::needs(Commodity::Electricity));
        b.link(q, h, LinkSpec::needs(Commodity::Electricity));
        let d = dominators(&b.build(), Commodity::Electricity);
        assert_eq!(d.idom(h), Idom::Node(p), "the second plant is down: the first is a single point of failure");
        assert_eq!(d.idom(q), Idom::Unreachable);
    }

    fn graph() -> impl Strategy<Value = (usize, Vec<(u32, u32)>)> {
        (2usize..40).prop_flat_map(|n| (Just(n), prop::collection::vec((0..n as u32, 0..n as u32), 0..n * 3)))
    }

    proptest! {
        #[test]
        fn lengauer_tarjan_agrees_with_petgraph((n, edges) in graph()) {
            let ours = lengauer_tarjan(n, 0, &edges);
            let mut g = petgraph::graph::DiGraph::<(), ()>::new();
            for _ in 0..n { g.add_node(()); }
            for &(a, b) in &edges { g.add_edge(a.into(), b.into(), ()); }
            let theirs = petgraph::algo::dominators::simple_fast(&g, 0.into());
            for (v, &got) in ours.iter().enumerate() {
                let expected = match theirs.immediate_dominator((v as u32).into()) {
                    Some(d) => d.index() as u32,
                    None if v == 0 => 0,
                    None => NONE,
                };
                prop_assert_eq!(got, expected, "node {}", v);
            }
        }
    }
}
