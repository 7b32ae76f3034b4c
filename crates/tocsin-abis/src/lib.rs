//! Biometric identification (an ABIS: automated biometric identification
//! system) on Tocsin's store: face and fingerprint 1:N searches whose
//! candidates an examiner confirms before any hit is made.
//!
//! - [`gallery`]: the in-memory galleries (face indexes per model, prepared
//!   fingerprints), kept in step with the store through
//!   `Store::biometrics().follow`, as the name index is: records written
//!   here and those other cluster nodes announce on the bus.
//! - [`Abis`]: enrolment (a template, or an ANSI/NIST-ITL transaction or
//!   ISO/ANSI minutiae record), search (access rules applied before any
//!   template is scored; hidden templates only ever make silent candidates
//!   for their owner), export, and the examiners' decisions.
//! - [`http`]: the routes under `/v1/biometrics`.
//!
//! Formats and matchers are `tocsin-bio`'s; rows and audit are the store's
//! (`Store::biometrics`).

pub mod gallery;
pub mod http;
mod service;

use std::str::FromStr;

pub use service::{Abis, Answer, EnrolInput, MAX_LIMIT, Probe, Shown};
use tocsin_bio::Thresholds;
use tocsin_store::StoreError;

/// Why a biometric operation failed.
#[derive(Debug, thiserror::Error)]
pub enum AbisError {
    /// Bad input, naming the field.
    #[error("{field}: {reason}")]
    Invalid { field: String, reason: String },
    /// From the store (not found, forbidden, conflict …).
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl AbisError {
    pub(crate) fn invalid(field: impl Into<String>, reason: impl Into<String>) -> AbisError {
        AbisError::Invalid { field: field.into(), reason: reason.into() }
    }
}

/// A face model the operator accepts, with its dimension and thresholds:
/// `ID@VERSION:DIMENSION:CANDIDATE:INCONCLUSIVE` on the command line
/// (`--face-model arcface-r100@1:512:0.45:0.35`).
#[derive(Debug, Clone, PartialEq)]
pub struct FaceModel {
    /// The model's identifier.
    pub id: String,
    /// Its version.
    pub version: String,
    /// The length of its embeddings.
    pub dimension: usize,
    /// Its thresholds (cosine).
    pub thresholds: Thresholds,
}

impl FaceModel {
    /// `id@version`: the key templates are compared under.
    pub fn key(&self) -> String {
        format!("{}@{}", self.id, self.version)
    }
}

impl FromStr for FaceModel {
    type Err = String;
    fn from_str(s: &str) -> Result<FaceModel, String> {
        let form = "ID@VERSION:DIMENSION:CANDIDATE:INCONCLUSIVE, e.g. arcface-r100@1:512:0.45:0.35";
        let parts: Vec<&str> = s.split(':').collect();
        let [name, dim, candidate, inconclusive] = parts.as_slice() else {
            return Err(format!("`{s}` is not {form}"));
        };
        let (id, version) = name.split_once('@').ok_or_else(|| format!("`{name}` is not ID@VERSION ({form})"))?;
        let ok = |p: &str| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
        if !ok(id) || !ok(version) {
            return Err(format!("`{name}`: the model and version are letters, digits, `-`, `_` or `.`"));
        }
        let dimension: usize = dim
            .parse()
            .ok()
            .filter(|d| (1..=4096).contains(d))
            .ok_or_else(|| format!("`{dim}` is not a dimension (1 to 4096)"))?;
        let threshold = |t: &str| t.parse::<f32>().ok().filter(|v| (-1.0..=1.0).contains(v));
        let (Some(candidate), Some(inconclusive)) = (threshold(candidate), threshold(inconclusive)) else {
            return Err(format!("`{candidate}:{inconclusive}`: thresholds are cosines between -1 and 1"));
        };
        if inconclusive > candidate {
            return Err("the inconclusive threshold is above the candidate threshold".into());
        }
        Ok(FaceModel {
            id: id.to_owned(),
            version: version.to_owned(),
            dimension,
            thresholds: Thresholds { candidate, inconclusive },
        })
    }
}

/// Which face index the galleries use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IndexKind {
    /// Every admitted template scored (the reference).
    #[default]
    Exact,
    /// HNSW, for large galleries; its shortlist re-ranked exactly.
    Hnsw,
}

impl FromStr for IndexKind {
    type Err = String;
    fn from_str(s: &str) -> Result<IndexKind, String> {
        match s {
            "exact" => Ok(IndexKind::Exact),
            "hnsw" => Ok(IndexKind::Hnsw),
            _ => Err(format!("`{s}` is not an index (exact, hnsw)")),
        }
    }
}

/// The service's settings.
#[derive(Debug, Clone)]
pub struct Options {
    /// The face models accepted.
    pub face_models: Vec<FaceModel>,
    /// The fingerprint matcher's thresholds.
    pub finger: Thresholds,
    /// The face index.
    pub index: IndexKind,
}

/// The fingerprint thresholds when the operator sets none (the matcher's
/// score, 0 to 1; see docs/biometrics.md for how they were chosen).
pub const FINGER_THRESHOLDS: Thresholds = Thresholds { candidate: 0.30, inconclusive: 0.15 };

impl Default for Options {
    fn default() -> Options {
        Options { face_models: vec![], finger: FINGER_THRESHOLDS, index: IndexKind::Exact }
    }
}

/// `CANDIDATE:INCONCLUSIVE` for the fingerprint matcher (`--finger-thresholds 0.3:0.15`).
pub fn finger_thresholds(s: &str) -> Result<Thresholds, String> {
    let (c, i) = s.split_once(':').ok_or_else(|| format!("`{s}` is not CANDIDATE:INCONCLUSIVE"))?;
    let v = |t: &str| t.parse::<f32>().ok().filter(|v| (0.0..=1.0).contains(v));
    match (v(c), v(i)) {
        (Some(candidate), Some(inconclusive)) if inconclusive <= candidate => {
            Ok(Thresholds { candidate, inconclusive })
        }
        _ => Err(format!("`{s}`: two scores from 0 to 1, the candidate threshold first and not below the other")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_face_model_is_read_from_its_option_and_bad_ones_say_why() {
        let m: FaceModel = "arcface-r100@1:512:0.45:0.35".parse().expect("model");
        assert_eq!((m.key(), m.dimension, m.thresholds.candidate), ("arcface-r100@1".to_owned(), 512, 0.45));
        for bad in ["arcface:512:0.4:0.3", "a@1:0:0.4:0.3", "a@1:512:0.3:0.4", "a@1:512:2:0.3", "a b@1:5:0.4:0.3"] {
            assert!(bad.parse::<FaceModel>().is_err(), "{bad}");
        }
        assert!(finger_thresholds("0.3:0.15").is_ok());
        assert!(finger_thresholds("0.1:0.3").is_err());
    }
}
