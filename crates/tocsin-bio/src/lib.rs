//! Biometric formats and matchers, without I/O.
//!
//! - [`an2k`]: ANSI/NIST-ITL 1-2011 transactions (traditional encoding),
//!   read and written back byte for byte.
//! - [`fmr`]: ISO/IEC 19794-2:2005 and ANSI/INCITS 378-2004 finger
//!   minutiae records, the same.
//! - [`face`]: face galleries, the exact scan and the HNSW index behind
//!   one trait.
//! - [`finger`]: the minutiae matcher.
//! - [`Decision`]: what a 1:N search concludes from its best score and the
//!   model's thresholds.
//!
//! The stored shapes (face template, finger minutiae) are
//! `tocsin_core::record::Biometric`'s; the service that keeps galleries
//! in step with the store and answers searches is `tocsin-abis`.

pub mod an2k;
pub mod face;
pub mod finger;
pub mod fmr;

use serde::{Deserialize, Serialize};

/// A file that is not what it says.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{at}: {message}")]
pub struct Error {
    /// Where: a field, record or part of the file.
    pub at: String,
    /// What is wrong.
    pub message: String,
}

impl Error {
    pub(crate) fn format(at: &str, message: impl Into<String>) -> Error {
        Error { at: at.to_owned(), message: message.into() }
    }

    pub(crate) fn within(self, what: &str) -> Error {
        Error { at: format!("{what}, {}", self.at), message: self.message }
    }
}

/// What an image shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImageKind {
    /// A face.
    Face,
    /// A finger.
    Finger,
}

impl ImageKind {
    /// The kind's name as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            ImageKind::Face => "face",
            ImageKind::Finger => "finger",
        }
    }
}

/// An image carried by a transaction, kept opaque (WSQ, JPEG …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    /// Face or finger.
    pub kind: ImageKind,
    /// Finger position, for a fingerprint.
    pub position: Option<u8>,
    /// The compression as the transaction named it.
    pub format: String,
    /// The image bytes.
    pub data: Vec<u8>,
}

/// What a 1:N search concludes. A candidate is for an examiner to confirm;
/// it is never a hit by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// The best score reached the model's candidate threshold.
    Candidate,
    /// The best score lies between the two thresholds: an examiner should
    /// look at the list, which may or may not hold the subject.
    Inconclusive,
    /// Nothing reached the lower threshold.
    NoCandidate,
}

/// A model's thresholds, set by the operator.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    /// At or above: `candidate`.
    pub candidate: f32,
    /// At or above (and below `candidate`): `inconclusive`.
    pub inconclusive: f32,
}

impl Thresholds {
    /// The decision for a search whose best score is `best`.
    pub fn decide(&self, best: Option<f32>) -> Decision {
        match best {
            Some(s) if s >= self.candidate => Decision::Candidate,
            Some(s) if s >= self.inconclusive => Decision::Inconclusive,
            _ => Decision::NoCandidate,
        }
    }
}

/// The formats [`identify`] recognizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// An ANSI/NIST-ITL transaction, traditional encoding.
    An2k,
    /// An ISO/IEC 19794-2:2005 or ANSI/INCITS 378-2004 minutiae record.
    Fmr,
    /// A finger minutiae record of the 2009/2011 editions (version `030`).
    Fmr2011,
    /// An ISO/IEC 19794-5 face image record.
    Face,
    /// An ISO/IEC 19794-6 iris image record.
    Iris,
    /// A WSQ-compressed fingerprint image.
    Wsq,
    /// The XML (NIEM) encoding of ANSI/NIST-ITL.
    Xml,
}

/// What a file is, from its first bytes.
pub fn identify(b: &[u8]) -> Option<Format> {
    match b {
        [b'F', b'M', b'R', 0, b' ', b'2', b'0', 0, ..] => Some(Format::Fmr),
        [b'F', b'M', b'R', 0, b'0', b'3', b'0', 0, ..] => Some(Format::Fmr2011),
        [b'F', b'A', b'C', 0, ..] => Some(Format::Face),
        [b'I', b'I', b'R', 0, ..] => Some(Format::Iris),
        [0xFF, 0xA0, ..] => Some(Format::Wsq),
        [b'1', b'.', ..] => Some(Format::An2k),
        _ if b.trim_ascii_start().starts_with(b"<?xml") || b.trim_ascii_start().starts_with(b"<") => Some(Format::Xml),
        _ => None,
    }
}

/// Reads any biometric file this crate knows and says what it holds, one
/// line per record and field; an error names where the file is wrong.
pub fn describe(b: &[u8]) -> Result<Vec<String>, Error> {
    match identify(b) {
        Some(Format::An2k) => Ok(an2k::describe(&an2k::Transaction::parse(b)?)),
        Some(Format::Fmr) => Ok(fmr::FmrRecord::parse(b)?.describe()),
        Some(f @ (Format::Fmr2011 | Format::Face | Format::Iris)) => header(b, f),
        Some(Format::Wsq) => wsq(b),
        Some(Format::Xml) => xml(b),
        None => Err(Error::format(
            "file",
            "not a biometric file this reads (ANSI/NIST-ITL, ISO/IEC 19794-2 or ANSI/INCITS 378, 19794-5, 19794-6, WSQ)",
        )),
    }
}

/// The common ISO 19794 header (format, version, 4-byte length), checked
/// against the file's size. The record's content is not read further.
fn header(b: &[u8], f: Format) -> Result<Vec<String>, Error> {
    let len = b.get(8..12).map(|s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]) as usize);
    if len != Some(b.len()) {
        return Err(Error::format("record length", format!("does not match the {} bytes given", b.len())));
    }
    let what = match f {
        Format::Fmr2011 => {
            "finger minutiae record, 2009/2011 edition (header only: minutiae are read from the 2004/2005 editions)"
        }
        Format::Face => "face image record (ISO/IEC 19794-5; header only)",
        _ => "iris image record (ISO/IEC 19794-6; header only)",
    };
    Ok(vec![
        what.to_owned(),
        format!("  format: {}", String::from_utf8_lossy(&b[..3])),
        format!("  version: {}", String::from_utf8_lossy(&b[4..7])),
        format!("  length: {} bytes", b.len()),
    ])
}

/// An XML document's elements with their text, one per line as a path
/// (the NIEM encoding of ANSI/NIST-ITL is listed, not interpreted).
fn xml(b: &[u8]) -> Result<Vec<String>, Error> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(b);
    let mut path: Vec<String> = vec![];
    let mut out = vec!["XML document (listed element by element)".to_owned()];
    let mut buf = vec![];
    loop {
        let at = reader.buffer_position();
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) => path.push(String::from_utf8_lossy(e.name().as_ref()).into_owned()),
            Ok(Event::End(_)) => {
                path.pop();
            }
            Ok(Event::Text(t)) => {
                let text = String::from_utf8_lossy(t.as_ref()).trim().to_owned();
                if !text.is_empty() {
                    out.push(format!("  {}: {}", path.join("/"), text));
                }
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => return Err(Error::format(&format!("byte {at}"), e.to_string())),
        }
        buf.clear();
    }
    if !path.is_empty() {
        return Err(Error::format("end of file", format!("<{}> is not closed", path.join("/"))));
    }
    Ok(out)
}

/// A WSQ image's markers (start of image, comments, frame header).
fn wsq(b: &[u8]) -> Result<Vec<String>, Error> {
    let mut out = vec!["WSQ fingerprint image".to_owned()];
    let mut at = 2;
    while let Some(m) = b.get(at..at + 2) {
        let marker = u16::from_be_bytes([m[0], m[1]]);
        let len = b.get(at + 2..at + 4).map(|s| usize::from(u16::from_be_bytes([s[0], s[1]])));
        match (marker, len) {
            (0xFFA1, _) => {
                out.push("  end of image".to_owned());
                return Ok(out);
            }
            (0xFFA8, Some(len)) => {
                let text = b.get(at + 4..at + 2 + len).ok_or_else(|| Error::format("comment", "cut short"))?;
                for line in String::from_utf8_lossy(text).lines() {
                    out.push(format!("  comment: {line}"));
                }
            }
            (0xFFA2, Some(_)) => {
                let f = b.get(at + 4..at + 17).ok_or_else(|| Error::format("frame header", "cut short"))?;
                let height = u16::from_be_bytes([f[2], f[3]]);
                let width = u16::from_be_bytes([f[4], f[5]]);
                out.push(format!("  frame: {width} x {height} px"));
            }
            (0xFFA3, Some(len)) => {
                // A block header is followed by entropy-coded data: find the
                // next marker (0xFF followed by a non-zero byte of 0xA0..0xA8).
                at += 2 + len;
                while let Some(w) = b.get(at..at + 2) {
                    if w[0] == 0xFF && (0xA0..=0xA8).contains(&w[1]) {
                        break;
                    }
                    at += 1;
                }
                continue;
            }
            (_, Some(_)) => {}
            (_, None) => return Err(Error::format("marker", "cut short")),
        }
        at += 2 + len.unwrap_or(0);
    }
    Err(Error::format("end of image", "missing"))
}

#[cfg(test)]
mod tests;
