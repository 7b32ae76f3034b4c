//! Biometric records: a person's face template and finger minutiae, kept
//! as a record of their own (owner, access rule, review date, audit) that
//! names the person record it describes.
//!
//! The formats these come from, and the matchers that compare them, are in
//! `tocsin-bio`; this module only holds what a stored record carries.

use serde::{Deserialize, Serialize};

use super::RecordId;

/// A subject's biometric data from one enrolment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Biometric {
    /// The person record this describes; same owner.
    pub subject: RecordId,
    /// A face template, when one was enrolled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub face: Option<FaceTemplate>,
    /// Finger minutiae, one entry per finger view.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fingers: Vec<FingerTemplate>,
    /// Images that came with the enrolment (a transaction's Type-4, -10,
    /// -14 records), kept as attachments: their bytes are served apart.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
}

/// A face embedding and the model that made it. Templates of different
/// models (or versions) are never compared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FaceTemplate {
    /// The model's identifier, e.g. `arcface-r100`.
    pub model: String,
    /// The model's version.
    pub version: String,
    /// The embedding, L2-normalized when stored.
    pub vector: Vec<f32>,
}

/// One finger view's minutiae.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FingerTemplate {
    /// Finger position, ANSI/NIST-ITL table 8: 0 unknown, 1 right thumb …
    /// 10 left little finger.
    pub position: u8,
    /// Impression type (0 live-scan plain, 1 live-scan rolled, …).
    #[serde(default)]
    pub impression: u8,
    /// Finger quality, 0 to 100, when the source gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quality: Option<u8>,
    /// The minutiae, in 10 µm units from the image's top left corner.
    pub minutiae: Vec<Minutia>,
}

/// One minutia.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Minutia {
    /// Horizontal position, 10 µm units.
    pub x: u32,
    /// Vertical position, 10 µm units, growing downwards.
    pub y: u32,
    /// Direction, degrees counter-clockwise from the x axis, 0 to 359.
    pub angle: u16,
    /// Ridge ending, bifurcation or other.
    pub kind: MinutiaKind,
    /// Quality, 0 to 100 (0: not given).
    #[serde(default)]
    pub quality: u8,
}

/// The kind of a minutia.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MinutiaKind {
    /// A ridge ends.
    Ending,
    /// A ridge splits.
    Bifurcation,
    /// Neither, or not said.
    Other,
}

/// An image kept with a biometric record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Attachment {
    /// Position among the record's attachments, from 0.
    pub n: u32,
    /// `face` or `finger`.
    pub kind: String,
    /// Finger position, for a fingerprint image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<u8>,
    /// The compression as the transaction named it (`WSQ`, `JPEGB`, `NONE` …).
    pub format: String,
    /// Size in bytes.
    pub bytes: u64,
    /// SHA-256 of the bytes, hex.
    pub sha256: String,
}
