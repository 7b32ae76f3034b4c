//! Face 1:N: galleries of L2-normalized embeddings, searched by cosine
//! (the dot product of unit vectors).
//!
//! [`ExactScan`] is the reference: every admitted template is scored, from
//! f16 codes (half the bytes of f32, so half the memory traffic of a scan
//! that is bound by it) with SIMD kernels from `simsimd`. [`Hnsw`] is the
//! approximate index for large galleries (`hnsw_rs`), behind the same
//! [`FaceIndex`] trait. Both only shortlist: the caller re-ranks the
//! shortlist exactly against the stored f32 templates ([`cosine`]) before
//! any threshold is applied, and both skip a template the caller's `admit`
//! refuses before it is scored, so a template the searcher may not see
//! never takes a place in the shortlist.

use std::collections::{BinaryHeap, HashMap};

use half::f16;
use simsimd::SpatialSimilarity;

/// A gallery slot: the caller's handle on one template.
pub type Slot = u32;

/// A face index: templates of one model, by slot.
pub trait FaceIndex: Send + Sync {
    /// Adds or replaces the template in `slot`.
    fn insert(&mut self, slot: Slot, vector: &[f32]);
    /// Removes the template in `slot`, if any.
    fn remove(&mut self, slot: Slot);
    /// Up to `k` admitted slots, best first, with their approximate scores.
    fn shortlist(&self, probe: &[f32], k: usize, admit: &dyn Fn(Slot) -> bool) -> Vec<(Slot, f32)>;
    /// How many templates it holds.
    fn len(&self) -> usize;
    /// Whether it holds none.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// `v` scaled to unit length; `None` for a zero, non-finite or empty vector.
pub fn normalized(v: &[f32]) -> Option<Vec<f32>> {
    let norm = v.iter().map(|x| f64::from(*x) * f64::from(*x)).sum::<f64>().sqrt();
    (norm.is_finite() && norm > 0.0 && !v.is_empty()).then(|| v.iter().map(|x| (f64::from(*x) / norm) as f32).collect())
}

/// The exact cosine of two unit vectors of the same length.
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    match f32::dot(a, b) {
        Some(d) => d as f32,
        None => a.iter().zip(b).map(|(x, y)| x * y).sum(),
    }
}

fn to_f16(v: &[f32]) -> Vec<simsimd::f16> {
    v.iter().map(|x| simsimd::f16(f16::from_f32(*x).to_bits())).collect()
}

/// The best `k` of `(slot, score)`, kept in a min-heap while scanning.
struct TopK {
    k: usize,
    heap: BinaryHeap<std::cmp::Reverse<(Ordered, Slot)>>,
}

/// A score ordered by `total_cmp`, for the heap.
#[derive(Clone, Copy)]
struct Ordered(f32);
impl PartialEq for Ordered {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other).is_eq()
    }
}
impl Eq for Ordered {}
impl PartialOrd for Ordered {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Ordered {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

impl TopK {
    fn new(k: usize) -> TopK {
        TopK { k, heap: BinaryHeap::with_capacity(k + 1) }
    }

    fn offer(&mut self, slot: Slot, score: f32) {
        if self.heap.len() < self.k {
            self.heap.push(std::cmp::Reverse((Ordered(score), slot)));
        } else if let Some(std::cmp::Reverse((worst, _))) = self.heap.peek()
            && score > worst.0
        {
            self.heap.pop();
            self.heap.push(std::cmp::Reverse((Ordered(score), slot)));
        }
    }

    fn best_first(self) -> Vec<(Slot, f32)> {
        let mut v: Vec<(Slot, f32)> = self.heap.into_iter().map(|std::cmp::Reverse((s, slot))| (slot, s.0)).collect();
        v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        v
    }
}

/// The exact scan over f16 codes.
#[derive(Default)]
pub struct ExactScan {
    dim: usize,
    codes: Vec<simsimd::f16>,
    slots: Vec<Slot>,
    row: HashMap<Slot, usize>,
}

impl ExactScan {
    /// An empty gallery of `dim`-dimensional templates.
    pub fn new(dim: usize) -> ExactScan {
        ExactScan { dim, ..ExactScan::default() }
    }
}

impl FaceIndex for ExactScan {
    fn insert(&mut self, slot: Slot, vector: &[f32]) {
        if vector.len() != self.dim {
            return;
        }
        let code = to_f16(vector);
        match self.row.get(&slot) {
            Some(&r) => self.codes[r * self.dim..(r + 1) * self.dim].copy_from_slice(&code),
            None => {
                self.row.insert(slot, self.slots.len());
                self.slots.push(slot);
                self.codes.extend(code);
            }
        }
    }

    fn remove(&mut self, slot: Slot) {
        let Some(r) = self.row.remove(&slot) else { return };
        let last = self.slots.len() - 1;
        if r != last {
            let moved = self.slots[last];
            self.codes.copy_within(last * self.dim..(last + 1) * self.dim, r * self.dim);
            self.slots[r] = moved;
            self.row.insert(moved, r);
        }
        self.slots.pop();
        self.codes.truncate(last * self.dim);
    }

    fn shortlist(&self, probe: &[f32], k: usize, admit: &dyn Fn(Slot) -> bool) -> Vec<(Slot, f32)> {
        if probe.len() != self.dim || self.dim == 0 || k == 0 {
            return vec![];
        }
        let probe = to_f16(probe);
        let mut top = TopK::new(k);
        for (r, code) in self.codes.chunks_exact(self.dim).enumerate() {
            let slot = self.slots[r];
            if !admit(slot) {
                continue;
            }
            let score = simsimd::f16::dot(&probe, code).unwrap_or(0.0) as f32;
            top.offer(slot, score);
        }
        top.best_first()
    }

    fn len(&self) -> usize {
        self.slots.len()
    }
}

/// Settings of the approximate index.
#[derive(Debug, Clone, Copy)]
pub struct HnswSettings {
    /// Links per node (M).
    pub links: usize,
    /// Candidates kept while building.
    pub ef_construction: usize,
    /// Candidates kept while searching (at least `k`).
    pub ef_search: usize,
}

impl Default for HnswSettings {
    fn default() -> HnswSettings {
        HnswSettings { links: 16, ef_construction: 128, ef_search: 128 }
    }
}

/// `1 - cosine` of unit vectors, clamped at 0 (a vector's product with
/// itself can round to just above 1, which `anndists`' own `DistDot`
/// asserts against), with `simsimd`'s kernel.
#[derive(Clone, Copy, Default)]
pub struct CosineDistance;

impl hnsw_rs::anndists::dist::Distance<f32> for CosineDistance {
    fn eval(&self, a: &[f32], b: &[f32]) -> f32 {
        (1.0 - cosine(a, b)).max(0.0)
    }
}

/// An HNSW graph (`hnsw_rs`). The graph cannot delete: a removed or
/// replaced template stays in it, refused by the search filter.
pub struct Hnsw {
    dim: usize,
    settings: HnswSettings,
    graph: hnsw_rs::hnsw::Hnsw<'static, f32, CosineDistance>,
    /// The slot of each graph point, by point id.
    point_slot: Vec<Slot>,
    /// Each live slot's current point.
    live: HashMap<Slot, usize>,
}

impl Hnsw {
    /// An empty graph for `dim`-dimensional templates, sized for `expected`.
    pub fn new(dim: usize, expected: usize, settings: HnswSettings) -> Hnsw {
        let layers = 16;
        let graph = hnsw_rs::hnsw::Hnsw::new(
            settings.links,
            expected.max(1024),
            layers,
            settings.ef_construction,
            CosineDistance,
        );
        Hnsw { dim, settings, graph, point_slot: vec![], live: HashMap::new() }
    }
}

impl FaceIndex for Hnsw {
    fn insert(&mut self, slot: Slot, vector: &[f32]) {
        if vector.len() != self.dim {
            return;
        }
        let point = self.point_slot.len();
        self.graph.insert_slice((vector, point));
        self.point_slot.push(slot);
        self.live.insert(slot, point);
    }

    fn remove(&mut self, slot: Slot) {
        self.live.remove(&slot);
    }

    fn shortlist(&self, probe: &[f32], k: usize, admit: &dyn Fn(Slot) -> bool) -> Vec<(Slot, f32)> {
        if probe.len() != self.dim || self.live.is_empty() || k == 0 {
            return vec![];
        }
        let filter = |point: &usize| {
            let slot = self.point_slot[*point];
            self.live.get(&slot) == Some(point) && admit(slot)
        };
        let ef = self.settings.ef_search.max(k);
        let mut found: Vec<(Slot, f32)> = self
            .graph
            .search_filter(probe, k, ef, Some(&filter))
            .into_iter()
            .map(|n| (self.point_slot[n.d_id], 1.0 - n.distance))
            .collect();
        found.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        found
    }

    fn len(&self) -> usize {
        self.live.len()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Deterministic unit vectors: a small linear congruential generator,
    /// so the test needs no random crate.
    fn unit(seed: u64, dim: usize) -> Vec<f32> {
        let mut s = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let v: Vec<f32> = (0..dim)
            .map(|_| {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                ((s >> 33) as f32 / (1u64 << 31) as f32) - 0.5
            })
            .collect();
        normalized(&v).expect("non-zero")
    }

    /// A probe whose cosine to `mate` is about `c`.
    fn mated(mate: &[f32], c: f32, seed: u64) -> Vec<f32> {
        let noise = unit(seed, mate.len());
        let s = (1.0 - c * c).sqrt();
        normalized(&mate.iter().zip(&noise).map(|(m, n)| c * m + s * n).collect::<Vec<_>>()).expect("non-zero")
    }

    #[test]
    fn the_exact_scan_ranks_the_mate_first_and_never_shortlists_a_refused_template() {
        let dim = 128;
        let mut scan = ExactScan::new(dim);
        for i in 0..2000u32 {
            scan.insert(i, &unit(u64::from(i), dim));
        }
        let probe = mated(&unit(777, dim), 0.6, 99_999);
        let top = scan.shortlist(&probe, 5, &|_| true);
        assert_eq!(top[0].0, 777);
        assert!((top[0].1 - cosine(&probe, &unit(777, dim))).abs() < 0.01, "{top:?}");
        let hidden = scan.shortlist(&probe, 5, &|s| s != 777);
        assert!(hidden.iter().all(|(s, _)| *s != 777));
        assert_eq!(hidden, top[1..].iter().copied().chain(hidden.last().copied()).collect::<Vec<_>>());
        scan.remove(777);
        assert_eq!(scan.len(), 1999);
        assert!(scan.shortlist(&probe, 5, &|_| true).iter().all(|(s, _)| *s != 777));
    }

    #[test]
    fn hnsw_finds_what_the_exact_scan_finds_on_structured_vectors() {
        // Structured data (a low-dimensional latent lifted to 64 dimensions,
        // as real embeddings are): there, graph search matches exact search.
        let dim = 64;
        let basis: Vec<Vec<f32>> = (0..8).map(|b| unit(10_000 + b, dim)).collect();
        let lift = |seed: u64| {
            let w = unit(seed, 8);
            let noise = unit(seed + 1_000_000, dim);
            normalized(
                &(0..dim).map(|d| (0..8).map(|b| w[b] * basis[b][d]).sum::<f32>() + 0.2 * noise[d]).collect::<Vec<_>>(),
            )
            .expect("non-zero")
        };
        let mut exact = ExactScan::new(dim);
        let mut graph = Hnsw::new(dim, 3000, HnswSettings::default());
        for i in 0..3000u32 {
            let v = lift(u64::from(i));
            exact.insert(i, &v);
            graph.insert(i, &v);
        }
        let mut same = 0;
        for q in 0..100u32 {
            let probe = mated(&lift(u64::from(q * 29)), 0.9, 5_000_000 + u64::from(q));
            let admit = |s: Slot| s % 7 != 3;
            let (e, h) = (exact.shortlist(&probe, 1, &admit), graph.shortlist(&probe, 1, &admit));
            assert!(h.iter().all(|(s, _)| admit(*s)), "the filter holds in the graph");
            same += usize::from(e.first().map(|x| x.0) == h.first().map(|x| x.0));
        }
        assert!(same >= 97, "same top-1 on {same} of 100");
        graph.remove(5);
        assert!(graph.shortlist(&lift(5), 3, &|_| true).iter().all(|(s, _)| *s != 5));
        // A template searched with itself, and one inserted again: a
        // product that rounds above 1 is a distance of 0, not a panic.
        let v = lift(6);
        graph.insert(6, &v);
        graph.insert(6, &v);
        let top = graph.shortlist(&v, 1, &|_| true);
        assert_eq!(top.first().map(|(s, _)| *s), Some(6));
        assert!(top[0].1 > 0.999, "{top:?}");
    }

    proptest! {
        #[test]
        fn the_f16_shortlist_is_within_a_thousandth_of_the_exact_cosine(seeds in proptest::collection::vec(0u64..1_000_000, 2..40), probe in 0u64..1_000_000) {
            let dim = 512;
            let mut scan = ExactScan::new(dim);
            for (i, s) in seeds.iter().enumerate() {
                scan.insert(i as Slot, &unit(*s, dim));
            }
            let p = unit(probe, dim);
            for (slot, approx) in scan.shortlist(&p, seeds.len(), &|_| true) {
                let exact = cosine(&p, &unit(seeds[slot as usize], dim));
                prop_assert!((approx - exact).abs() < 1e-3, "{approx} vs {exact}");
            }
        }
    }
}
