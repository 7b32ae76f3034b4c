//! The asset graph as the analyses see it: nodes numbered from 0, links
//! in compressed adjacency (both directions), redundancy groups resolved.
//!
//! A [`Network`] is built for one agency from the assets and dependencies
//! it may see; nothing here knows that others exist. A redundancy group's
//! `k` is clamped to the members present, so a member hidden from the
//! analyst changes no answer it gets.

use std::collections::HashMap;

use tocsin_core::CountryCode;
use tocsin_core::asset::{Commodity, Location, Sector};

/// A node's number in its network.
pub type Ix = u32;

/// An asset as the analyses see it.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Its sector.
    pub sector: Sector,
    /// Its country.
    pub country: CountryCode,
    /// Its coordinates.
    pub location: Option<Location>,
    /// People it serves.
    pub serves: u64,
    /// Who runs it.
    pub operator: Option<String>,
    /// Whether it works now (operational or degraded).
    pub live: bool,
    /// The commodities it originates.
    pub supplies: Vec<Commodity>,
}

impl Node {
    /// A live node of `sector` in `country`, serving nobody, supplying
    /// nothing: the start of a test's or an import's node.
    pub fn new(sector: Sector, country: CountryCode) -> Node {
        Node { sector, country, location: None, serves: 0, operator: None, live: true, supplies: vec![] }
    }
}

/// What a link carries and how its loss reaches the dependent.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkSpec {
    /// What flows.
    pub commodity: Commodity,
    /// The share of the dependent's need of that commodity, in (0, 1].
    pub share: f64,
    /// A redundancy group of the dependent's, by name.
    pub group: Option<String>,
    /// Live members the group needs (1 when absent).
    pub k: Option<u32>,
    /// Hours from the provider's failure to the dependent's: the time to
    /// impact plus the dependent's reserves (buffer).
    pub delay_hours: f64,
}

impl LinkSpec {
    /// A full, immediate need of `commodity` (AND semantics).
    pub fn needs(commodity: Commodity) -> LinkSpec {
        LinkSpec { commodity, share: 1.0, group: None, k: None, delay_hours: 0.0 }
    }
}

/// A dependency in a network.
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    /// The node that provides.
    pub provider: Ix,
    /// The node that needs it.
    pub dependent: Ix,
    /// What flows.
    pub commodity: Commodity,
    /// Share of the dependent's need, in (0, 1].
    pub share: f64,
    /// The group it belongs to (an index into [`Network::groups`]).
    pub group: Option<u32>,
    /// Hours from the provider's failure to the dependent's.
    pub delay_hours: f64,
}

/// A redundancy group: alternatives of one dependent, `k` of which must
/// be live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// The dependent.
    pub dependent: Ix,
    /// Its name.
    pub name: String,
    /// Live members needed, at most `members`.
    pub k: u32,
    /// Members present.
    pub members: u32,
}

/// Builds a [`Network`].
#[derive(Debug, Default)]
pub struct Builder {
    nodes: Vec<Node>,
    links: Vec<Link>,
    groups: Vec<Group>,
    by_name: HashMap<(Ix, String), u32>,
}

impl Builder {
    /// An empty builder.
    pub fn new() -> Builder {
        Builder::default()
    }

    /// Adds a node and returns its number.
    pub fn node(&mut self, node: Node) -> Ix {
        self.nodes.push(node);
        (self.nodes.len() - 1) as Ix
    }

    /// Adds a link between two nodes already added; links between missing
    /// nodes and self-links are ignored (returns false).
    pub fn link(&mut self, provider: Ix, dependent: Ix, spec: LinkSpec) -> bool {
        let n = self.nodes.len() as Ix;
        if provider >= n || dependent >= n || provider == dependent {
            return false;
        }
        let group = spec.group.map(|name| {
            let next = self.groups.len() as u32;
            let g = *self.by_name.entry((dependent, name.clone())).or_insert(next);
            if g == next {
                self.groups.push(Group { dependent, name, k: 0, members: 0 });
            }
            let group = &mut self.groups[g as usize];
            group.members += 1;
            group.k = group.k.max(spec.k.unwrap_or(1));
            g
        });
        self.links.push(Link {
            provider,
            dependent,
            commodity: spec.commodity,
            share: spec.share,
            group,
            delay_hours: spec.delay_hours,
        });
        true
    }

    /// The network.
    pub fn build(mut self) -> Network {
        for g in &mut self.groups {
            g.k = g.k.clamp(1, g.members.max(1));
        }
        let n = self.nodes.len();
        let (out_off, out) = csr(n, self.links.iter().enumerate().map(|(i, l)| (l.provider, i as u32)));
        let (in_off, inc) = csr(n, self.links.iter().enumerate().map(|(i, l)| (l.dependent, i as u32)));
        Network { nodes: self.nodes, links: self.links, groups: self.groups, out_off, out, in_off, inc }
    }
}

fn csr(n: usize, pairs: impl Iterator<Item = (Ix, u32)> + Clone) -> (Vec<u32>, Vec<u32>) {
    let mut off = vec![0u32; n + 1];
    for (v, _) in pairs.clone() {
        off[v as usize + 1] += 1;
    }
    for i in 0..n {
        off[i + 1] += off[i];
    }
    let mut fill = off.clone();
    let mut items = vec![0u32; off[n] as usize];
    for (v, i) in pairs {
        items[fill[v as usize] as usize] = i;
        fill[v as usize] += 1;
    }
    (off, items)
}

/// The asset graph of one analysis.
#[derive(Debug, Clone, Default)]
pub struct Network {
    nodes: Vec<Node>,
    links: Vec<Link>,
    groups: Vec<Group>,
    out_off: Vec<u32>,
    out: Vec<u32>,
    in_off: Vec<u32>,
    inc: Vec<u32>,
}

impl Network {
    /// How many nodes.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether it has no node.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The nodes.
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// A node.
    pub fn node(&self, v: Ix) -> &Node {
        &self.nodes[v as usize]
    }

    /// The links.
    pub fn links(&self) -> &[Link] {
        &self.links
    }

    /// The redundancy groups.
    pub fn groups(&self) -> &[Group] {
        &self.groups
    }

    /// The links `v` provides, as indices into [`Network::links`].
    pub fn outgoing(&self, v: Ix) -> &[u32] {
        &self.out[self.out_off[v as usize] as usize..self.out_off[v as usize + 1] as usize]
    }

    /// The links `v` depends on.
    pub fn incoming(&self, v: Ix) -> &[u32] {
        &self.inc[self.in_off[v as usize] as usize..self.in_off[v as usize + 1] as usize]
    }

    /// A link.
    pub fn link(&self, i: u32) -> &Link {
        &self.links[i as usize]
    }

    /// Whether `v` originates `c`: it says so, or it provides `c` and
    /// needs none from a live provider.
    pub fn is_source(&self, v: Ix, c: Commodity) -> bool {
        let node = self.node(v);
        if !node.live {
            return false;
        }
        node.supplies.contains(&c)
            || (self.outgoing(v).iter().any(|&l| self.link(l).commodity == c)
                && !self.incoming(v).iter().any(|&l| {
                    let l = self.link(l);
                    l.commodity == c && self.node(l.provider).live
                }))
    }

    /// The commodities any link carries, in order.
    pub fn commodities(&self) -> Vec<Commodity> {
        let mut seen = [false; Commodity::ALL.len()];
        for l in &self.links {
            seen[l.commodity as usize] = true;
        }
        Commodity::ALL.into_iter().filter(|c| seen[*c as usize]).collect()
    }

    /// Nodes by the number of links they have, most first (ties by number).
    pub fn most_connected(&self, n: usize) -> Vec<Ix> {
        let mut v: Vec<Ix> = (0..self.len() as Ix).collect();
        v.sort_by_key(|&x| (std::cmp::Reverse(self.outgoing(x).len() + self.incoming(x).len()), x));
        v.truncate(n);
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn country() -> CountryCode {
        CountryCode::parse("FRA").expect("code")
    }

    #[test]
    fn adjacency_lists_every_link_at_both_ends_and_groups_are_clamped() {
        let mut b = Builder::new();
        let [a, c, d] = [0; 3].map(|_| b.node(Node::new(Sector::Energy, country())));
        let feed =
            |k| LinkSpec { group: Some("feeders".into()), k: Some(k), ..LinkSpec::needs(Commodity::Electricity) };
        assert!(b.link(a, d, feed(3)));
        assert!(b.link(c, d, feed(3)));
        assert!(!b.link(d, d, LinkSpec::needs(Commodity::Water)), "no self-link");
        assert!(!b.link(d, 9, LinkSpec::needs(Commodity::Water)), "no link to a missing node");
        let net = b.build();
        assert_eq!(net.outgoing(a), &[0]);
        assert_eq!(net.incoming(d), &[0, 1]);
        assert_eq!(net.groups()[0].members, 2);
        assert_eq!(net.groups()[0].k, 2, "k of 3 asked, 2 members present");
        assert!(net.is_source(a, Commodity::Electricity));
        assert!(!net.is_source(d, Commodity::Electricity));
        assert_eq!(net.most_connected(1), vec![d]);
    }
}
