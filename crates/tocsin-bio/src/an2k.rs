//! ANSI/NIST-ITL 1-2011 transactions in the traditional encoding: parsed
//! into records and fields, and written back byte for byte.
//!
//! A transaction is a Type-1 record whose field 1.003 (CNT) lists the
//! records that follow. Tagged records (Types 1, 2, 9, 10, 13–99) are
//! `T.NNN:value` fields separated by GS, ended by FS; values split into
//! subfields (RS) and items (US); field .999 holds binary image data to the
//! record's end. Binary records (Types 3–8) start with a 4-byte length.
//! Older transactions write 2-digit tags (`1.01:`); both are read, and a
//! tag is written back as it was read.

use crate::{Error, Image, ImageKind};
use tocsin_core::record::{FingerTemplate, Minutia, MinutiaKind};

const FS: u8 = 0x1C;
const GS: u8 = 0x1D;
const RS: u8 = 0x1E;
const US: u8 = 0x1F;

/// Most subfields [`Field::items`] reads of one field (a Type-1 CNT lists
/// far fewer records; Type-9 far fewer minutiae).
pub const MAX_SUBFIELDS: usize = 10_000;
/// Most items it reads of one subfield.
pub const MAX_ITEMS: usize = 64;

/// Record types whose layout is binary.
fn is_binary(rtype: u32) -> bool {
    (3..=8).contains(&rtype)
}

/// A parsed transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct Transaction {
    /// The records in file order, Type-1 first.
    pub records: Vec<Record>,
}

/// One logical record.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    /// A tagged-field record.
    Tagged {
        /// The record type.
        rtype: u32,
        /// Its fields in file order.
        fields: Vec<Field>,
    },
    /// A binary record (Types 3–8), kept whole.
    Binary {
        /// The record type.
        rtype: u32,
        /// The record's bytes, length included.
        bytes: Vec<u8>,
    },
}

/// A tagged field.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// The tag as written, e.g. `9.012` or `9.12`.
    pub tag: String,
    /// The field number (the part after the dot).
    pub number: u32,
    /// The value's bytes, separators included, without the trailing GS/FS.
    pub value: Vec<u8>,
}

impl Field {
    /// A field written with a 3-digit tag.
    pub fn new(rtype: u32, number: u32, value: impl Into<Vec<u8>>) -> Field {
        Field { tag: format!("{rtype}.{number:03}"), number, value: value.into() }
    }

    /// The value as text (binary image data is not text).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.value).into_owned()
    }

    /// The value split into subfields, each split into items: at most
    /// [`MAX_SUBFIELDS`] subfields of at most [`MAX_ITEMS`] items, so a
    /// field of separators costs no more memory than its bytes.
    pub fn items(&self) -> Vec<Vec<String>> {
        self.value
            .split(|b| *b == RS)
            .take(MAX_SUBFIELDS)
            .map(|s| s.split(|b| *b == US).take(MAX_ITEMS).map(|i| String::from_utf8_lossy(i).into_owned()).collect())
            .collect()
    }
}

impl Record {
    /// The record type.
    pub fn rtype(&self) -> u32 {
        match self {
            Record::Tagged { rtype, .. } | Record::Binary { rtype, .. } => *rtype,
        }
    }

    /// A tagged record's field by number.
    pub fn field(&self, number: u32) -> Option<&Field> {
        match self {
            Record::Tagged { fields, .. } => fields.iter().find(|f| f.number == number),
            Record::Binary { .. } => None,
        }
    }

    fn text(&self, number: u32) -> Option<String> {
        self.field(number).map(|f| f.text())
    }

    fn number(&self, number: u32) -> Option<u32> {
        self.text(number).and_then(|t| t.trim().parse().ok())
    }

    /// The field's first value (before any subfield or item separator) as a
    /// number: a finger position.
    fn first_number(&self, number: u32) -> Option<u8> {
        self.text(number).and_then(|t| t.split(['\u{1e}', '\u{1f}']).next()?.trim().parse().ok())
    }

    /// The record's bytes as written in a transaction.
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            Record::Binary { bytes, .. } => bytes.clone(),
            Record::Tagged { fields, .. } => write_tagged(fields),
        }
    }
}

/// Writes tagged fields, setting field .001 to the record's length (kept as
/// written when it is already right).
fn write_tagged(fields: &[Field]) -> Vec<u8> {
    let body = |len: &[u8]| {
        let mut out = vec![];
        for (i, f) in fields.iter().enumerate() {
            if i > 0 {
                out.push(GS);
            }
            out.extend_from_slice(f.tag.as_bytes());
            out.push(b':');
            out.extend_from_slice(if f.number == 1 { len } else { &f.value });
        }
        out.push(FS);
        out
    };
    let Some(first) = fields.iter().find(|f| f.number == 1) else {
        return body(b"");
    };
    let written = body(&first.value);
    if std::str::from_utf8(&first.value).ok().and_then(|s| s.parse::<usize>().ok()) == Some(written.len()) {
        return written;
    }
    // The length counts its own digits: grow the guess until it holds.
    let mut digits = 1;
    loop {
        let guess = body(&vec![b'0'; digits]).len();
        if guess.to_string().len() == digits {
            return body(guess.to_string().as_bytes());
        }
        digits += 1;
    }
}

impl Transaction {
    /// Parses a transaction; every record CNT names must be there, whole,
    /// and nothing may follow the last.
    pub fn parse(bytes: &[u8]) -> Result<Transaction, Error> {
        let (first, mut at) = tagged_at(bytes, 0, 1)?;
        let cnt = first.field(3).ok_or_else(|| Error::format("1.003", "the content list (CNT) is missing"))?;
        let mut listed = vec![];
        for (i, sub) in cnt.items().iter().enumerate().skip(1) {
            let rtype = sub
                .first()
                .and_then(|t| t.trim().parse::<u32>().ok())
                .ok_or_else(|| Error::format("1.003", format!("subfield {} names no record type", i + 1)))?;
            listed.push(rtype);
        }
        let mut records = vec![first];
        for (i, rtype) in listed.into_iter().enumerate() {
            let what = format!("record {} (Type-{rtype})", i + 2);
            let (record, next) = if is_binary(rtype) {
                let len = bytes
                    .get(at..at + 4)
                    .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
                    .ok_or_else(|| Error::format(&what, "cut short before its length"))?;
                let body = bytes
                    .get(at..at + len)
                    .filter(|_| len >= 5)
                    .ok_or_else(|| Error::format(&what, format!("says {len} bytes; the file is shorter")))?;
                (Record::Binary { rtype, bytes: body.to_vec() }, at + len)
            } else {
                tagged_at(bytes, at, rtype).map_err(|e| e.within(&what))?
            };
            records.push(record);
            at = next;
        }
        if at != bytes.len() {
            return Err(Error::format("transaction", format!("{} bytes follow the last record", bytes.len() - at)));
        }
        Ok(Transaction { records })
    }

    /// The transaction's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.records.iter().flat_map(Record::to_bytes).collect()
    }

    /// A transaction of `records` after a Type-1 record that lists them.
    pub fn build(header: Vec<(u32, String)>, records: Vec<Record>) -> Transaction {
        let mut cnt = format!("1{}{}", US as char, records.len());
        for (idc, r) in records.iter().enumerate() {
            cnt.push_str(&format!("{}{}{}{:02}", RS as char, r.rtype(), US as char, idc));
        }
        let mut fields = vec![Field::new(1, 1, "0"), Field::new(1, 2, "0500"), Field::new(1, 3, cnt)];
        fields.extend(header.into_iter().filter(|(n, _)| *n > 3).map(|(n, v)| Field::new(1, n, v)));
        let mut all = vec![Record::Tagged { rtype: 1, fields }];
        all.extend(records);
        Transaction { records: all }
    }

    /// Every finger view's minutiae, from the Type-9 records (the legacy
    /// NIST fields 9.010–9.012, the INCITS 378 fields 9.126–9.137 or the
    /// Extended Feature Set 9.331), in record order.
    pub fn fingers(&self) -> Result<Vec<FingerTemplate>, Error> {
        self.records.iter().enumerate().filter(|(_, r)| r.rtype() == 9).map(|(i, r)| type9(r, i)).collect()
    }

    /// The images of Types 4, 10 and 14, in record order.
    pub fn images(&self) -> Vec<Image> {
        self.records.iter().filter_map(image).collect()
    }
}

/// Reads the tagged record of `rtype` starting at `at`; returns it and where
/// the next record starts.
fn tagged_at(bytes: &[u8], at: usize, rtype: u32) -> Result<(Record, usize), Error> {
    let rest = bytes.get(at..).unwrap_or_default();
    let colon = rest.iter().take(16).position(|b| *b == b':').ok_or_else(|| Error::format("field .001", "no tag"))?;
    let tag = std::str::from_utf8(&rest[..colon]).map_err(|_| Error::format("field .001", "the tag is not text"))?;
    let (t, _) = split_tag(tag).ok_or_else(|| Error::format("field .001", format!("`{tag}` is not a tag")))?;
    if t != rtype {
        return Err(Error::format("field .001", format!("the record says Type-{t}; CNT says Type-{rtype}")));
    }
    let end = rest.iter().position(|b| *b == GS || *b == FS).ok_or_else(|| Error::format(tag, "not ended"))?;
    let len: usize = std::str::from_utf8(&rest[colon + 1..end])
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .ok_or_else(|| Error::format(tag, "the record length is not a number"))?;
    let record = rest
        .get(..len)
        .filter(|r| r.last() == Some(&FS))
        .ok_or_else(|| Error::format(tag, format!("says {len} bytes; no record separator there")))?;
    let mut fields = vec![];
    let mut pos = 0;
    let body = &record[..len - 1];
    while pos < body.len() {
        let colon = body[pos..]
            .iter()
            .take(16)
            .position(|b| *b == b':')
            .ok_or_else(|| Error::format(&format!("field {}", fields.len() + 1), "no tag"))?;
        let tag_text = std::str::from_utf8(&body[pos..pos + colon]).unwrap_or("?").to_owned();
        // A field tagged with another record type (seen in published test
        // files) is kept as written.
        let (_, number) = split_tag(&tag_text).ok_or_else(|| Error::format(&tag_text, "is not a tag (`T.NNN`)"))?;
        let start = pos + colon + 1;
        // Image data runs to the record's end; any other value to the next GS.
        let stop = if number == 999 {
            body.len()
        } else {
            body[start..].iter().position(|b| *b == GS).map_or(body.len(), |p| start + p)
        };
        fields.push(Field { tag: tag_text, number, value: body[start..stop].to_vec() });
        pos = stop + 1;
    }
    Ok((Record::Tagged { rtype, fields }, at + len))
}

fn split_tag(tag: &str) -> Option<(u32, u32)> {
    let (t, n) = tag.split_once('.')?;
    Some((t.parse().ok()?, n.parse().ok()?))
}

/// One Type-9 record's minutiae.
fn type9(r: &Record, i: usize) -> Result<FingerTemplate, Error> {
    let at = |field: &str, m: String| Error::format(&format!("record {} field {field}", i + 1), m);
    let impression = r.number(3).unwrap_or(0).min(255) as u8;
    // INCITS 378 fields.
    if let Some(fmd) = r.field(137) {
        let position = r.number(134).unwrap_or(0).min(255) as u8;
        // 9.137 items: index, x, y (pixels), theta (2° units), quality, type.
        let ppcm = r.number(131).filter(|v| *v > 0).unwrap_or(197);
        let minutiae = fmd
            .items()
            .iter()
            .filter(|s| s.len() >= 4)
            .map(|s| {
                let num = |k: usize| s.get(k).and_then(|v| v.trim().parse::<u32>().ok());
                let (x, y, theta) = match (num(1), num(2), num(3)) {
                    (Some(x), Some(y), Some(t)) => (x, y, t),
                    _ => return Err(at("9.137", format!("`{}` is not a minutia", s.join(",")))),
                };
                // In u64: the values are the file's, any size.
                let units = |v: u32| u32::try_from(u64::from(v) * 1000 / u64::from(ppcm)).unwrap_or(u32::MAX);
                Ok(Minutia {
                    x: units(x),
                    y: units(y),
                    angle: ((u64::from(theta) * 2) % 360) as u16,
                    kind: match num(5) {
                        Some(1) => MinutiaKind::Ending,
                        Some(2) => MinutiaKind::Bifurcation,
                        _ => MinutiaKind::Other,
                    },
                    quality: num(4).unwrap_or(0).min(100) as u8,
                })
            })
            .collect::<Result<_, _>>()?;
        return Ok(FingerTemplate { position, impression, quality: None, minutiae });
    }
    // Extended Feature Set: 9.331 items x, y (10 µm), theta (degrees), type.
    if let Some(efs) = r.field(331) {
        let position = r.first_number(302).unwrap_or(0);
        let minutiae = efs
            .items()
            .iter()
            .filter(|s| s.len() >= 3)
            .map(|s| {
                let num = |k: usize| s.get(k).and_then(|v| v.trim().parse::<u32>().ok());
                match (num(0), num(1), num(2)) {
                    (Some(x), Some(y), Some(t)) => Ok(Minutia {
                        x,
                        y,
                        angle: (t % 360) as u16,
                        kind: match s.get(3).map(String::as_str) {
                            Some("E") => MinutiaKind::Ending,
                            Some("B") => MinutiaKind::Bifurcation,
                            _ => MinutiaKind::Other,
                        },
                        quality: 0,
                    }),
                    _ => Err(at("9.331", format!("`{}` is not a minutia", s.join(",")))),
                }
            })
            .collect::<Result<_, _>>()?;
        return Ok(FingerTemplate { position, impression, quality: None, minutiae });
    }
    // Legacy NIST fields: 9.012 items index, XXXXYYYYTTT (10 µm, degrees),
    // quality, type (A ending, B bifurcation, C compound, D undetermined).
    let position = r.first_number(6).unwrap_or(0);
    let minutiae = match r.field(12) {
        None => vec![],
        Some(mrc) => mrc
            .items()
            .iter()
            .filter(|s| s.len() >= 2)
            .map(|s| {
                let xyt = s[1].trim();
                let part = |a: usize, b: usize| xyt.get(a..b).and_then(|v| v.parse::<u32>().ok());
                // XXXXYYYYTTT, or XXXXXYYYYYTTT in some older transactions.
                let w = if xyt.len() == 13 { 5 } else { 4 };
                match (xyt.len(), part(0, w), part(w, 2 * w), part(2 * w, 2 * w + 3)) {
                    (11 | 13, Some(x), Some(y), Some(t)) => Ok(Minutia {
                        x,
                        y,
                        angle: (t % 360) as u16,
                        kind: match s.get(3).map(|k| k.trim()) {
                            Some("A") => MinutiaKind::Ending,
                            Some("B") => MinutiaKind::Bifurcation,
                            _ => MinutiaKind::Other,
                        },
                        quality: s.get(2).and_then(|q| q.trim().parse::<u32>().ok()).map_or(0, |q| q.min(63) as u8),
                    }),
                    _ => Err(at("9.012", format!("`{xyt}` is not XXXXYYYYTTT or XXXXXYYYYYTTT"))),
                }
            })
            .collect::<Result<_, _>>()?,
    };
    Ok(FingerTemplate { position, impression, quality: None, minutiae })
}

/// A record's image, for Types 4 (binary header), 10 and 14.
fn image(r: &Record) -> Option<Image> {
    match r {
        Record::Binary { rtype: 4, bytes } if bytes.len() >= 18 => Some(Image {
            kind: ImageKind::Finger,
            position: Some(bytes[6]),
            format: if bytes[17] == 1 { "WSQ".to_owned() } else { format!("GCA {}", bytes[17]) },
            data: bytes[18..].to_vec(),
        }),
        Record::Tagged { rtype: rtype @ (10 | 14), .. } => {
            let data = r.field(999)?.value.clone();
            let (kind, position) = match rtype {
                10 => (ImageKind::Face, None),
                _ => (ImageKind::Finger, r.first_number(13)),
            };
            let format = r.text(11).unwrap_or_default().trim().to_owned();
            Some(Image { kind, position, format, data })
        }
        _ => None,
    }
}

/// A transaction carrying `fingers` as Type-9 records (INCITS 378 fields)
/// and `images` as Type-10 (face) and Type-14 (finger) records.
pub fn write(header: Vec<(u32, String)>, fingers: &[FingerTemplate], images: &[Image]) -> Transaction {
    let mut records = vec![];
    for (idc, f) in fingers.iter().enumerate() {
        let us = US as char;
        let fmd: Vec<String> = f
            .minutiae
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let kind = match m.kind {
                    MinutiaKind::Ending => 1,
                    MinutiaKind::Bifurcation => 2,
                    MinutiaKind::Other => 0,
                };
                // Pixels at 197 px/cm (500 ppi), angle in 2° units.
                let px = |v: u32| u64::from(v) * 197 / 1000;
                format!("{}{us}{}{us}{}{us}{}{us}{}{us}{kind}", i + 1, px(m.x), px(m.y), m.angle / 2, m.quality)
            })
            .collect();
        let fields = vec![
            Field::new(9, 1, "0"),
            Field::new(9, 2, format!("{:02}", idc + 1)),
            Field::new(9, 3, f.impression.to_string()),
            Field::new(9, 4, "U"),
            Field::new(9, 131, "197"),
            Field::new(9, 132, "197"),
            Field::new(9, 134, f.position.to_string()),
            Field::new(9, 136, f.minutiae.len().to_string()),
            Field::new(9, 137, fmd.join(&(RS as char).to_string())),
        ];
        records.push(Record::Tagged { rtype: 9, fields });
    }
    for image in images {
        let idc = format!("{:02}", records.len() + 1);
        let (rtype, mut fields) = match image.kind {
            ImageKind::Face => (10, vec![Field::new(10, 3, "FACE")]),
            ImageKind::Finger => (14, vec![Field::new(14, 13, image.position.unwrap_or(0).to_string())]),
        };
        let mut all = vec![Field::new(rtype, 1, "0"), Field::new(rtype, 2, idc)];
        all.append(&mut fields);
        all.push(Field::new(rtype, 11, image.format.clone()));
        all.push(Field::new(rtype, 999, image.data.clone()));
        all.sort_by_key(|f| f.number);
        records.push(Record::Tagged { rtype, fields: all });
    }
    Transaction::build(header, records)
}

/// What each record holds, one line per field, for `tocsin bio inspect`.
pub fn describe(t: &Transaction) -> Vec<String> {
    let mut out = vec![];
    for (i, r) in t.records.iter().enumerate() {
        match r {
            Record::Tagged { rtype, fields } => {
                out.push(format!("record {} Type-{rtype} ({} fields)", i + 1, fields.len()));
                for f in fields {
                    let shown = if f.number == 999 {
                        format!("<{} bytes of image data>", f.value.len())
                    } else {
                        f.items().iter().map(|s| s.join(" | ")).collect::<Vec<_>>().join(" ; ")
                    };
                    out.push(format!("  {}: {}", f.tag, shown.escape_debug()));
                }
            }
            Record::Binary { rtype, bytes } => {
                out.push(format!("record {} Type-{rtype} (binary, {} bytes)", i + 1, bytes.len()));
                if bytes.len() >= 18 && matches!(rtype, 3..=6) {
                    let u16at = |k: usize| u16::from_be_bytes([bytes[k], bytes[k + 1]]);
                    out.push(format!("  IDC: {}", bytes[4]));
                    out.push(format!("  IMP: {}", bytes[5]));
                    out.push(format!("  FGP: {:?}", &bytes[6..12]));
                    out.push(format!("  ISR: {}", bytes[12]));
                    out.push(format!("  HLL x VLL: {} x {}", u16at(13), u16at(15)));
                    out.push(format!("  GCA: {}", bytes[17]));
                    out.push(format!("  image: {} bytes", bytes.len() - 18));
                } else if bytes.len() >= 5 {
                    out.push(format!("  IDC: {}", bytes[4]));
                    out.push(format!("  data: {} bytes", bytes.len() - 5));
                }
            }
        }
    }
    out
}
