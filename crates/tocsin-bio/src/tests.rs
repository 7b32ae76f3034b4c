//! The formats against NIST's public test files in `../shared/data/biometrics`
//! (ignored by default; `.ci/run` runs them with `--include-ignored`), and
//! property tests of the writers.

use std::path::PathBuf;

use proptest::prelude::*;
use tocsin_core::record::{FingerTemplate, Minutia, MinutiaKind};

use super::*;

fn data() -> Vec<(String, Vec<u8>)> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/biometrics");
    assert!(root.exists(), "{} is absent: these tests need ../shared/data (see its README)", root.display());
    let mut files = vec![];
    for dir in ["libbiomeval", "nbis"] {
        let mut entries: Vec<_> = std::fs::read_dir(root.join(dir)).expect("a data folder").flatten().collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            files.push((format!("{dir}/{}", e.file_name().to_string_lossy()), std::fs::read(e.path()).expect("read")));
        }
    }
    files
}

#[test]
#[ignore = "needs ../shared/data"]
fn every_nist_file_reads_and_every_transaction_and_minutiae_record_round_trips_byte_for_byte() {
    let files = data();
    assert!(files.len() >= 30, "{} files", files.len());
    let (mut transactions, mut records) = (0, 0);
    for (name, bytes) in &files {
        let lines = describe(bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(lines.len() > 1, "{name}");
        match identify(bytes) {
            Some(Format::An2k) => {
                let t = an2k::Transaction::parse(bytes).expect("parsed");
                assert!(t.to_bytes() == *bytes, "{name} written back differs");
                t.fingers().unwrap_or_else(|e| panic!("{name}: {e}"));
                transactions += 1;
            }
            Some(Format::Fmr) => {
                let r = fmr::FmrRecord::parse(bytes).expect("parsed");
                assert!(r.to_bytes() == *bytes, "{name} written back differs");
                records += 1;
            }
            _ => {}
        }
    }
    assert_eq!((transactions, records), (27, 2));
}

#[test]
#[ignore = "needs ../shared/data"]
fn the_same_minutia_reads_the_same_from_the_iso_and_the_ansi_record() {
    let files = data();
    let get = |n: &str| &files.iter().find(|(name, _)| name.ends_with(n)).expect(n).1;
    let iso = fmr::FmrRecord::parse(get("fmr.iso2005")).expect("iso");
    let ansi = fmr::FmrRecord::parse(get("fmr.ansi2004")).expect("ansi");
    assert_eq!((iso.standard, ansi.standard), (fmr::Standard::Iso2005, fmr::Standard::Ansi2004));
    assert_eq!((iso.views.len(), ansi.views.len()), (2, 3));
    let (a, b) = (&iso.fingers()[0].minutiae[0], &ansi.fingers()[0].minutiae[0]);
    assert_eq!((a.x, a.y, a.kind), (b.x, b.y, b.kind));
    assert_eq!((a.angle, b.angle), (112, 112), "80 × 1.40625° and 56 × 2°");
    assert_eq!(iso.fingers()[0].minutiae.len(), 27);
}

#[test]
#[ignore = "needs ../shared/data"]
fn transactions_give_their_minutiae_and_images() {
    let files = data();
    let get =
        |n: &str| an2k::Transaction::parse(&files.iter().find(|(name, _)| name.ends_with(n)).expect(n).1).expect(n);
    let legacy = get("libbiomeval/type9.an2k").fingers().expect("minutiae");
    assert_eq!(legacy.len(), 1);
    assert_eq!(legacy[0].minutiae.len(), 28, "9.010 says 28");
    assert_eq!((legacy[0].minutiae[0].x, legacy[0].minutiae[0].y, legacy[0].minutiae[0].angle), (132, 715, 248));
    let efs = get("type9-efs.an2k").fingers().expect("efs");
    assert_eq!(efs.len(), 8);
    assert!(efs.iter().any(|f| !f.minutiae.is_empty()));
    let face = get("face_jpb_DOM_GMT_DCS.an2").images();
    assert_eq!(face.len(), 1);
    assert_eq!(face[0].kind, ImageKind::Face);
    let tenprint = get("valid1.14.an2");
    let images = tenprint.images();
    assert_eq!((images.len(), images[0].kind, images[0].format.as_str()), (1, ImageKind::Finger, "WSQ"));
    assert!(images[0].data.starts_with(&[0xFF, 0xA0]), "the WSQ image after the 18-byte header");
    assert!(images[0].position.is_some_and(|p| p <= 10));
    let slaps = get("valid1.8.an2").images();
    assert_eq!(slaps.len(), 3);
    assert!(slaps.iter().all(|i| i.kind == ImageKind::Finger && i.data.starts_with(&[0xFF, 0xA0])));
}

fn minutia() -> impl Strategy<Value = Minutia> {
    (0u32..8000, 0u32..8000, 0u16..360, 0u8..3, 0u8..=100).prop_map(|(x, y, angle, k, quality)| Minutia {
        x,
        y,
        angle,
        kind: [MinutiaKind::Ending, MinutiaKind::Bifurcation, MinutiaKind::Other][usize::from(k)],
        quality,
    })
}

fn finger() -> impl Strategy<Value = FingerTemplate> {
    (0u8..=10, 0u8..4, proptest::collection::vec(minutia(), 0..60)).prop_map(|(position, impression, minutiae)| {
        FingerTemplate { position, impression, quality: Some(50), minutiae }
    })
}

proptest! {
    #[test]
    fn a_minutiae_record_written_reads_back_to_the_same_record_and_bytes(fingers in proptest::collection::vec(finger(), 0..4), ansi in any::<bool>()) {
        let standard = if ansi { fmr::Standard::Ansi2004 } else { fmr::Standard::Iso2005 };
        let record = fmr::FmrRecord::from_fingers(standard, &fingers);
        let bytes = record.to_bytes();
        let back = fmr::FmrRecord::parse(&bytes).expect("reads");
        prop_assert_eq!(&back, &record);
        prop_assert_eq!(back.to_bytes(), bytes);
        // Positions come back within a pixel (0.05 mm), angles within a unit.
        for (f, g) in fingers.iter().zip(back.fingers()) {
            prop_assert_eq!(f.minutiae.len(), g.minutiae.len());
            for (m, n) in f.minutiae.iter().zip(&g.minutiae) {
                prop_assert!(m.x.abs_diff(n.x) <= 6 && m.y.abs_diff(n.y) <= 6, "{m:?} {n:?}");
                let d = (i32::from(m.angle) - i32::from(n.angle)).rem_euclid(360);
                prop_assert!(d.min(360 - d) <= 2, "{m:?} {n:?}");
                prop_assert_eq!(m.kind, n.kind);
            }
        }
    }

    #[test]
    fn a_transaction_written_reads_back_with_its_minutiae_and_images(fingers in proptest::collection::vec(finger(), 0..4), image in proptest::collection::vec(any::<u8>(), 0..300)) {
        let images = vec![Image { kind: ImageKind::Face, position: None, format: "JPEGB".into(), data: image }];
        let t = an2k::write(vec![(4, "CAR".into()), (8, "TOCSIN".into())], &fingers, &images);
        let bytes = t.to_bytes();
        let back = an2k::Transaction::parse(&bytes).expect("reads");
        prop_assert_eq!(back.to_bytes(), bytes);
        prop_assert_eq!(back.images(), images);
        let read = back.fingers().expect("minutiae");
        prop_assert_eq!(read.len(), fingers.len());
        for (f, g) in fingers.iter().zip(&read) {
            prop_assert_eq!(f.position, g.position);
            prop_assert_eq!(f.minutiae.len(), g.minutiae.len());
        }
    }

    #[test]
    fn no_input_makes_the_readers_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = describe(&bytes);
        let mut an2k = b"1.001:".to_vec();
        an2k.extend_from_slice(&bytes);
        let _ = an2k::Transaction::parse(&an2k).map(|t| t.fingers());
        let mut fmr = b"FMR\0 20\0".to_vec();
        fmr.extend_from_slice(&bytes);
        let _ = fmr::FmrRecord::parse(&fmr);
    }
}
