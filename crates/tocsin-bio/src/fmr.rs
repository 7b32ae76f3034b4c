//! Finger minutiae records: ISO/IEC 19794-2:2005 and ANSI/INCITS 378-2004,
//! read and written back byte for byte.
//!
//! Both start `FMR\0 20\0`. ISO then writes a 4-byte record length and the
//! capture header (24 bytes in all); ANSI a 2-byte length (or 0 and a
//! 4-byte one), then a CBEFF product identifier (26 bytes). Each finger
//! view has a 4-byte header, 6 bytes per minutia (2 bits of type, 14 bits
//! of x; 2 reserved bits, 14 bits of y; angle; quality) and an extended
//! data block. The angle unit differs: 360/256 degrees in ISO, 2 degrees in
//! ANSI. Positions are pixels at the record's resolution (pixels per cm).

use crate::Error;
use tocsin_core::record::{FingerTemplate, Minutia, MinutiaKind};

/// Which standard a record follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standard {
    /// ISO/IEC 19794-2:2005.
    Iso2005,
    /// ANSI/INCITS 378-2004.
    Ansi2004,
}

impl Standard {
    /// Degrees per unit of a stored angle: 360/256 in ISO, 2 in ANSI.
    fn degrees_per_unit(self) -> f64 {
        match self {
            Standard::Iso2005 => 360.0 / 256.0,
            Standard::Ansi2004 => 2.0,
        }
    }
}

/// A parsed finger minutiae record.
#[derive(Debug, Clone, PartialEq)]
pub struct FmrRecord {
    /// The standard.
    pub standard: Standard,
    /// ANSI only: the CBEFF product identifier.
    pub product: u32,
    /// Device compliance (4 bits) and id (12 bits).
    pub equipment: u16,
    /// Image size, pixels.
    pub width: u16,
    /// Image size, pixels.
    pub height: u16,
    /// Resolution, pixels per cm.
    pub x_resolution: u16,
    /// Resolution, pixels per cm.
    pub y_resolution: u16,
    /// The reserved header byte, as read.
    pub reserved: u8,
    /// ANSI only: whether the length was written in the 6-byte form.
    pub long_length: bool,
    /// The finger views.
    pub views: Vec<View>,
    /// Bytes after the last view's extended data, within the record length.
    pub trailing: Vec<u8>,
}

/// One finger view.
#[derive(Debug, Clone, PartialEq)]
pub struct View {
    /// Finger position (0–10).
    pub position: u8,
    /// View number (high 4 bits) and impression type (low 4 bits).
    pub view_impression: u8,
    /// Finger quality, 0–100.
    pub quality: u8,
    /// The minutiae as stored.
    pub minutiae: Vec<RawMinutia>,
    /// The extended data block, as read.
    pub extended: Vec<u8>,
    /// The block's length field as written: some published records
    /// (NIST's own test files among them) declare a length that differs
    /// from the bytes present by one or two; the record keeps both.
    pub declared: u16,
}

/// A minutia as the record stores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawMinutia {
    /// Type bits (01 ending, 10 bifurcation, 00 other).
    pub kind: u8,
    /// Pixels.
    pub x: u16,
    /// The two reserved bits above y.
    pub reserved: u8,
    /// Pixels.
    pub y: u16,
    /// Angle in the standard's unit.
    pub angle: u8,
    /// Quality.
    pub quality: u8,
}

const MAGIC: &[u8; 8] = b"FMR\0 20\0";

impl FmrRecord {
    /// Parses a record; its length field must match the bytes given.
    pub fn parse(b: &[u8]) -> Result<FmrRecord, Error> {
        if b.get(..4) != Some(b"FMR\0") {
            return Err(Error::format("format identifier", "not `FMR\\0`: not a finger minutiae record"));
        }
        if b.get(..8) != Some(MAGIC) {
            let version = String::from_utf8_lossy(b.get(4..7).unwrap_or_default()).into_owned();
            return Err(Error::format(
                "version",
                format!("`{version}` is not read (only ISO/IEC 19794-2:2005 and ANSI/INCITS 378-2004, \" 20\")"),
            ));
        }
        let u16at = |k: usize| b.get(k..k + 2).map(|s| u16::from_be_bytes([s[0], s[1]]));
        let u32at = |k: usize| b.get(k..k + 4).map(|s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]));
        let len = b.len() as u64;
        let (standard, long_length, head) = if u16at(8).map(u64::from) == Some(len) {
            (Standard::Ansi2004, false, 10)
        } else if u16at(8) == Some(0) && u32at(10).map(u64::from) == Some(len) {
            (Standard::Ansi2004, true, 14)
        } else if u32at(8).map(u64::from) == Some(len) {
            (Standard::Iso2005, false, 12)
        } else {
            return Err(Error::format("record length", format!("does not match the {len} bytes given")));
        };
        let product = if standard == Standard::Ansi2004 { u32at(head).unwrap_or(0) } else { 0 };
        let h = if standard == Standard::Ansi2004 { head + 4 } else { head };
        let cut = || Error::format("header", "cut short");
        let mut r = FmrRecord {
            standard,
            product,
            equipment: u16at(h).ok_or_else(cut)?,
            width: u16at(h + 2).ok_or_else(cut)?,
            height: u16at(h + 4).ok_or_else(cut)?,
            x_resolution: u16at(h + 6).ok_or_else(cut)?,
            y_resolution: u16at(h + 8).ok_or_else(cut)?,
            reserved: *b.get(h + 11).ok_or_else(cut)?,
            long_length,
            views: vec![],
            trailing: vec![],
        };
        let count = b[h + 10];
        let mut at = h + 12;
        for v in 0..count {
            let view_err = |m: &str| Error::format(&format!("view {}", v + 1), m.to_owned());
            let head = b.get(at..at + 4).ok_or_else(|| view_err("cut short in its header"))?;
            let (position, view_impression, quality, n) = (head[0], head[1], head[2], head[3] as usize);
            at += 4;
            let raw = b.get(at..at + 6 * n).ok_or_else(|| view_err("cut short in its minutiae"))?;
            let minutiae = raw
                .chunks_exact(6)
                .map(|m| RawMinutia {
                    kind: m[0] >> 6,
                    x: u16::from_be_bytes([m[0] & 0x3F, m[1]]),
                    reserved: m[2] >> 6,
                    y: u16::from_be_bytes([m[2] & 0x3F, m[3]]),
                    angle: m[4],
                    quality: m[5],
                })
                .collect();
            at += 6 * n;
            let declared = u16at(at).ok_or_else(|| view_err("cut short before its extended data"))?;
            let last = v + 1 == count;
            // The last view's block may run a little past the record's end;
            // it then holds what is there.
            let end = match (at + 2 + usize::from(declared), last) {
                (end, _) if end <= b.len() => end,
                (end, true) if end - b.len() <= 2 => b.len(),
                _ => return Err(view_err("extended data cut short")),
            };
            let extended = b[at + 2..end].to_vec();
            at = end;
            r.views.push(View { position, view_impression, quality, minutiae, extended, declared });
        }
        r.trailing = b[at..].to_vec();
        if r.trailing.len() > 2 {
            return Err(Error::format("record", format!("{} bytes follow the last view", r.trailing.len())));
        }
        Ok(r)
    }

    /// The record's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut body = vec![];
        body.extend_from_slice(&self.equipment.to_be_bytes());
        for v in [self.width, self.height, self.x_resolution, self.y_resolution] {
            body.extend_from_slice(&v.to_be_bytes());
        }
        body.push(self.views.len() as u8);
        body.push(self.reserved);
        for v in &self.views {
            body.extend_from_slice(&[v.position, v.view_impression, v.quality, v.minutiae.len() as u8]);
            for m in &v.minutiae {
                let [x0, x1] = m.x.to_be_bytes();
                let [y0, y1] = m.y.to_be_bytes();
                body.extend_from_slice(&[(m.kind << 6) | (x0 & 0x3F), x1, (m.reserved << 6) | (y0 & 0x3F), y1]);
                body.extend_from_slice(&[m.angle, m.quality]);
            }
            body.extend_from_slice(&v.declared.to_be_bytes());
            body.extend_from_slice(&v.extended);
        }
        body.extend_from_slice(&self.trailing);
        let mut out = MAGIC.to_vec();
        match self.standard {
            Standard::Iso2005 => out.extend_from_slice(&((body.len() + 12) as u32).to_be_bytes()),
            Standard::Ansi2004 => {
                let short = body.len() + 14;
                if self.long_length || short > usize::from(u16::MAX) {
                    out.extend_from_slice(&[0, 0]);
                    out.extend_from_slice(&((body.len() + 18) as u32).to_be_bytes());
                } else {
                    out.extend_from_slice(&(short as u16).to_be_bytes());
                }
                out.extend_from_slice(&self.product.to_be_bytes());
            }
        }
        out.extend_from_slice(&body);
        out
    }

    /// Degrees per unit of the stored angle.
    fn degrees_per_unit(&self) -> f64 {
        self.standard.degrees_per_unit()
    }

    /// The views as templates, positions in 10 µm units.
    pub fn fingers(&self) -> Vec<FingerTemplate> {
        let (xr, yr) = (u32::from(self.x_resolution.max(1)), u32::from(self.y_resolution.max(1)));
        let unit = self.degrees_per_unit();
        self.views
            .iter()
            .map(|v| FingerTemplate {
                position: v.position,
                impression: v.view_impression & 0x0F,
                quality: Some(v.quality.min(100)),
                minutiae: v
                    .minutiae
                    .iter()
                    .map(|m| Minutia {
                        x: u32::from(m.x) * 1000 / xr,
                        y: u32::from(m.y) * 1000 / yr,
                        angle: ((f64::from(m.angle) * unit) as u16) % 360,
                        kind: kind_of(m.kind),
                        quality: m.quality.min(100),
                    })
                    .collect(),
            })
            .collect()
    }

    /// A record of `standard` holding `fingers`, at 500 ppi (197 px/cm).
    pub fn from_fingers(standard: Standard, fingers: &[FingerTemplate]) -> FmrRecord {
        let res = 197u32;
        let unit = standard.degrees_per_unit();
        let px = |v: u32| (u64::from(v) * u64::from(res) / 1000).min(0x3FFF) as u16;
        let views: Vec<View> = fingers
            .iter()
            .map(|f| View {
                position: f.position,
                view_impression: f.impression & 0x0F,
                quality: f.quality.unwrap_or(0),
                minutiae: f
                    .minutiae
                    .iter()
                    .take(255)
                    .map(|m| RawMinutia {
                        kind: match m.kind {
                            MinutiaKind::Ending => 1,
                            MinutiaKind::Bifurcation => 2,
                            MinutiaKind::Other => 0,
                        },
                        x: px(m.x),
                        reserved: 0,
                        y: px(m.y),
                        angle: ((f64::from(m.angle) / unit).round() as u32 % (360.0 / unit) as u32) as u8,
                        quality: m.quality,
                    })
                    .collect(),
                extended: vec![],
                declared: 0,
            })
            .collect();
        let extent = |f: fn(&RawMinutia) -> u16| views.iter().flat_map(|v| &v.minutiae).map(f).max().unwrap_or(0);
        FmrRecord {
            standard,
            product: 0,
            equipment: 0,
            width: extent(|m| m.x).saturating_add(1),
            height: extent(|m| m.y).saturating_add(1),
            x_resolution: res as u16,
            y_resolution: res as u16,
            reserved: 0,
            long_length: false,
            views,
            trailing: vec![],
        }
    }

    /// One line per header field, view and minutia, for `tocsin bio inspect`.
    pub fn describe(&self) -> Vec<String> {
        let mut out = vec![
            format!("finger minutiae record, {:?}", self.standard),
            format!("  capture equipment: {:#06x}", self.equipment),
            format!(
                "  image: {} x {} px at {} x {} px/cm",
                self.width, self.height, self.x_resolution, self.y_resolution
            ),
        ];
        if self.standard == Standard::Ansi2004 {
            out.push(format!("  CBEFF product: {:#010x}", self.product));
        }
        let unit = self.degrees_per_unit();
        for (i, v) in self.views.iter().enumerate() {
            out.push(format!(
                "view {}: finger {} view {} impression {} quality {} minutiae {} extended {} bytes",
                i + 1,
                v.position,
                v.view_impression >> 4,
                v.view_impression & 0x0F,
                v.quality,
                v.minutiae.len(),
                v.extended.len()
            ));
            for m in &v.minutiae {
                out.push(format!(
                    "  {:?} x {} y {} angle {:.1}° quality {}",
                    kind_of(m.kind),
                    m.x,
                    m.y,
                    f64::from(m.angle) * unit,
                    m.quality
                ));
            }
        }
        out
    }
}

fn kind_of(bits: u8) -> MinutiaKind {
    match bits {
        1 => MinutiaKind::Ending,
        2 => MinutiaKind::Bifurcation,
        _ => MinutiaKind::Other,
    }
}
