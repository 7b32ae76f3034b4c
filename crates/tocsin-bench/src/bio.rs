//! `tocsin-bench bio`: the biometric search layer in process.
//!
//! Face: `--faces` synthetic templates of `--dim` dimensions, structured as
//! real embeddings are (a 24-dimensional latent lifted to `--dim`, plus
//! noise: the research notes why random isotropic vectors say nothing
//! about graph indexes), in the exact f16 scan with half of them hidden
//! from the searcher (the access rule applied before scoring); `--queries`
//! mated probes (cosine about 0.6 to their mate) timed one at a time, then
//! all of them on every core; rank-1 checked against an f32 brute force.
//! With `--hnsw N`, the same on an HNSW graph of the first N templates.
//!
//! Fingerprints: `--prints` synthetic fingers of 40 minutiae, the matcher's
//! non-mated comparisons per second on one core, and mated scores.

use std::time::Instant;

use tocsin_bio::face::{ExactScan, FaceIndex, Hnsw, HnswSettings, cosine, normalized};
use tocsin_bio::finger::{Print, compare};
use tocsin_core::record::{Minutia, MinutiaKind};

#[derive(clap::Args)]
pub(crate) struct BioArgs {
    /// Face templates in the gallery.
    #[arg(long, default_value_t = 1_000_000)]
    faces: usize,
    /// Their dimension.
    #[arg(long, default_value_t = 512)]
    dim: usize,
    /// Probes timed.
    #[arg(long, default_value_t = 200)]
    queries: usize,
    /// Also an HNSW graph of this many templates (0: none).
    #[arg(long, default_value_t = 0)]
    hnsw: usize,
    /// Fingerprints compared.
    #[arg(long, default_value_t = 20_000)]
    prints: usize,
    /// Probes whose top 1 is checked against an f32 brute force.
    #[arg(long, default_value_t = 20)]
    verify: usize,
}

/// A small deterministic generator (no random crate needed here).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f32 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((self.0 >> 33) as f32 / (1u64 << 31) as f32) - 0.5
    }
}

/// Template `i`: a latent of 24 values lifted by a fixed basis, plus noise.
struct Faces {
    dim: usize,
    basis: Vec<Vec<f32>>,
}

impl Faces {
    fn new(dim: usize) -> Faces {
        let mut g = Lcg(7);
        Faces { dim, basis: (0..24).map(|_| (0..dim).map(|_| g.next()).collect()).collect() }
    }

    fn template(&self, i: u64) -> Vec<f32> {
        let mut g = Lcg(i.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xABCD);
        let w: Vec<f32> = (0..24).map(|_| g.next()).collect();
        let v: Vec<f32> =
            (0..self.dim).map(|d| (0..24).map(|b| w[b] * self.basis[b][d]).sum::<f32>() + 0.35 * g.next()).collect();
        normalized(&v).unwrap_or_else(|| vec![1.0; self.dim])
    }

    /// A probe of template `i`: cosine about 0.6 to it.
    fn probe(&self, i: u64, seed: u64) -> Vec<f32> {
        let mate = self.template(i);
        let mut g = Lcg(seed ^ 0x5555);
        let noise = normalized(&(0..self.dim).map(|_| g.next()).collect::<Vec<_>>()).unwrap_or_default();
        normalized(&mate.iter().zip(&noise).map(|(m, n)| 0.6 * m + 0.8 * n).collect::<Vec<_>>()).unwrap_or(mate)
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

pub(crate) fn run(args: &BioArgs) -> anyhow::Result<()> {
    let faces = Faces::new(args.dim);
    let started = Instant::now();
    let mut scan = ExactScan::new(args.dim);
    for i in 0..args.faces {
        scan.insert(i as u32, &faces.template(i as u64));
    }
    println!(
        "face gallery: {} templates of {} dimensions (f16) in {:.1} s, RSS {:.0} MiB",
        args.faces,
        args.dim,
        started.elapsed().as_secs_f64(),
        crate::rss_mib()
    );
    // Searched by an agency that may see the even slots only.
    let admit = |slot: u32| slot.is_multiple_of(2);
    let mates: Vec<u64> = (0..args.queries as u64).map(|q| (q * 7919 * 2) % args.faces as u64).collect();
    let probes: Vec<Vec<f32>> = mates.iter().map(|m| faces.probe(*m, *m + 1)).collect();
    let mut times = vec![];
    let mut rank1 = 0;
    for (probe, mate) in probes.iter().zip(&mates) {
        let t = Instant::now();
        let top = scan.shortlist(probe, 20, &admit);
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        rank1 += usize::from(top.first().map(|(s, _)| u64::from(*s)) == Some(*mate));
    }
    times.sort_by(f64::total_cmp);
    println!(
        "exact scan, one query at a time: p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms; mate at rank 1 in {rank1} of {}",
        percentile(&times, 0.5),
        percentile(&times, 0.95),
        times[times.len() - 1],
        probes.len()
    );
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let t = Instant::now();
    std::thread::scope(|s| {
        for chunk in probes.chunks(probes.len().div_ceil(threads)) {
            let scan = &scan;
            s.spawn(move || chunk.iter().map(|p| scan.shortlist(p, 20, &admit).len()).sum::<usize>());
        }
    });
    println!("exact scan, {threads} threads: {:.1} queries/s", probes.len() as f64 / t.elapsed().as_secs_f64());
    // The f16 shortlist against an f32 brute force over the same templates.
    let checked = probes.len().min(args.verify);
    let mut same = 0;
    for probe in probes.iter().take(checked) {
        let best = (0..args.faces as u32)
            .filter(|s| admit(*s))
            .map(|s| (s, cosine(probe, &faces.template(u64::from(s)))))
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(s, _)| s);
        same += usize::from(scan.shortlist(probe, 1, &admit).first().map(|(s, _)| *s) == best);
    }
    println!("f16 scan's top 1 equals the f32 brute force's in {same} of {checked} queries");

    if args.hnsw > 0 {
        let n = args.hnsw.min(args.faces);
        let t = Instant::now();
        let mut graph = Hnsw::new(args.dim, n, HnswSettings::default());
        for i in 0..n {
            graph.insert(i as u32, &faces.template(i as u64));
        }
        let built = t.elapsed().as_secs_f64();
        let mut exact = ExactScan::new(args.dim);
        for i in 0..n {
            exact.insert(i as u32, &faces.template(i as u64));
        }
        let (mut same, mut times) = (0, vec![]);
        for q in 0..args.queries as u64 {
            let mate = (q * 7919 * 2) % n as u64;
            let probe = faces.probe(mate, mate + 1);
            let t = Instant::now();
            let g = graph.shortlist(&probe, 1, &admit);
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            same += usize::from(g.first().map(|x| x.0) == exact.shortlist(&probe, 1, &admit).first().map(|x| x.0));
        }
        times.sort_by(f64::total_cmp);
        println!(
            "hnsw over {n}: built in {built:.1} s ({:.0} inserts/s); p50 {:.2} ms, p95 {:.2} ms; same top 1 as exact in {same} of {}",
            n as f64 / built,
            percentile(&times, 0.5),
            percentile(&times, 0.95),
            args.queries
        );
    }

    // Fingerprints.
    let finger = |seed: u64| -> Vec<Minutia> {
        let mut g = Lcg(seed.wrapping_mul(31) ^ 0x77);
        (0..40)
            .map(|_| {
                let (x, y) = ((200.0 + (g.next() + 0.5) * 1500.0) as u32, (200.0 + (g.next() + 0.5) * 2000.0) as u32);
                let angle =
                    (((x as f32 / 400.0).sin() * 90.0 + y as f32 / 30.0 + g.next() * 40.0) as i32).rem_euclid(360);
                Minutia { x, y, angle: angle as u16, kind: MinutiaKind::Ending, quality: 60 }
            })
            .collect()
    };
    let t = Instant::now();
    let prints: Vec<Print> = (0..args.prints as u64).map(|i| Print::new(&finger(i))).collect();
    let prepared = t.elapsed().as_secs_f64();
    let probe = Print::new(&finger(u64::MAX / 3));
    let t = Instant::now();
    let best = prints.iter().map(|p| compare(&probe, p).score).fold(0.0, f32::max);
    let secs = t.elapsed().as_secs_f64();
    let mated: Vec<f32> = (0..20u64)
        .map(|i| {
            let m = finger(i);
            let partial: Vec<Minutia> = m.iter().enumerate().filter(|(k, _)| k % 4 != 0).map(|(_, m)| *m).collect();
            compare(&Print::new(&partial), &prints[i as usize]).score
        })
        .collect();
    println!(
        "fingerprints: {} prepared in {:.2} s; {:.0} non-mated comparisons/s on one core (best non-mated score {best:.3}); mated (a quarter of the minutiae lost) scores {:.3} to {:.3}",
        args.prints,
        prepared,
        args.prints as f64 / secs,
        mated.iter().copied().fold(f32::MAX, f32::min),
        mated.iter().copied().fold(0.0, f32::max)
    );
    Ok(())
}
