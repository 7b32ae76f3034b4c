//! The edge sync format: a version of an edge's copy on the wire, JSON lines, a header, one item per line, and
//! an end line that carries the item count, the SHA-256 digest of every
//! byte before it, the version's chain hash and the upstream's Ed25519
//! signature. No I/O but the reader and writer it is given.
//!
//! The chain: a version's hash is SHA-256 over the format, the previous
//! version's hash, the version's number and the digest. The header names
//! the edge, the version, the version it is based on and when it was
//! generated, and the digest covers the header, so the signature over the
//! hash covers all of it. An edge applies a version only after it has read
//! it to the end and checked all of it ([`verify`]): a forged, replayed,
//! older, foreign or cut-short version is refused before anything changes.

use std::io::{BufRead, Read};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use tocsin_core::AgencyCode;
use tocsin_core::auth::Role;
use tocsin_core::notice::NoticeBrief;
use tocsin_core::record::{Record, RecordId};

/// The format's name, first in every header and in every hash.
pub const FORMAT: &str = "tocsin-edge-sync/1";
/// The previous hash of a first version.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
/// The longest line read (a record is a few KiB).
pub const MAX_LINE: usize = 4 * 1024 * 1024;

/// What a version is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    /// [`FORMAT`].
    pub format: String,
    /// The edge's agency.
    pub agency: AgencyCode,
    /// The edge's name.
    pub edge: String,
    /// This version's number.
    pub version: u64,
    /// The version it changes (0 for a full snapshot).
    pub base: u64,
    /// A full snapshot: the copy is replaced, not changed.
    pub full: bool,
    /// The previous version's hash ([`GENESIS`] for the first).
    pub prev_hash: String,
    /// When the upstream generated it: the copy is as of then.
    #[serde(with = "time::serde::rfc3339")]
    pub generated_at: OffsetDateTime,
    /// The upstream's public key (hex), the one that signed it.
    pub key: String,
}

/// One line of a version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum Item {
    /// An agency the records name.
    Agency {
        /// Its code.
        code: AgencyCode,
        /// Its name.
        name: String,
        /// When it was registered.
        #[serde(with = "time::serde::rfc3339")]
        created_at: OffsetDateTime,
    },
    /// The edge's agency's settings.
    Settings {
        /// Its hit threshold.
        hit_threshold: Option<f64>,
        /// Days a reviewed false positive holds back hits.
        dismiss_days: Option<u32>,
    },
    /// A token that acts at the edge (its digest only).
    Token {
        /// Its id.
        id: String,
        /// SHA-256 of the secret, hex.
        hash: String,
        /// Its role.
        role: Role,
        /// Its user.
        user: String,
        /// Issued.
        #[serde(with = "time::serde::rfc3339")]
        created_at: OffsetDateTime,
        /// Expires.
        #[serde(with = "time::serde::rfc3339::option")]
        expires_at: Option<OffsetDateTime>,
        /// Revoked.
        #[serde(with = "time::serde::rfc3339::option")]
        revoked_at: Option<OffsetDateTime>,
    },
    /// A record the edge holds from now on, as it is now.
    Put {
        /// The record.
        record: Box<Record>,
    },
    /// A record the edge must delete.
    Delete {
        /// Its id.
        id: RecordId,
    },
    /// The published notices on a record, replacing those it had.
    Notices {
        /// The record.
        record: RecordId,
        /// Its published notices.
        notices: Vec<NoticeBrief>,
    },
}

/// The last line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct End {
    /// How many items came before.
    pub items: u64,
    /// SHA-256 of every byte before this line, hex.
    pub digest: String,
    /// The version's chain hash, hex.
    pub hash: String,
    /// The upstream's Ed25519 signature over [`signed_bytes`], hex.
    pub signature: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct EndLine {
    end: End,
}

/// The chain hash of version `version` after `prev`, whose bytes digest to
/// `digest`.
pub fn chain_hash(prev: &str, version: u64, digest: &str) -> String {
    let mut h = Sha256::new();
    h.update(FORMAT.as_bytes());
    h.update(b"\n");
    h.update(prev.as_bytes());
    h.update(b"\n");
    h.update(version.to_be_bytes());
    h.update(b"\n");
    h.update(digest.as_bytes());
    hex::encode(h.finalize())
}

/// What the upstream signs: the format and the chain hash.
pub fn signed_bytes(hash: &str) -> Vec<u8> {
    format!("{FORMAT} {hash}").into_bytes()
}

/// Writes a version line by line, hashing as it goes.
pub struct Writer {
    digest: Sha256,
    items: u64,
    prev_hash: String,
    version: u64,
}

impl Writer {
    /// A version with this header; its first line.
    pub fn new(header: &Header) -> Result<(Writer, Vec<u8>), serde_json::Error> {
        let mut w =
            Writer { digest: Sha256::new(), items: 0, prev_hash: header.prev_hash.clone(), version: header.version };
        let line = w.hashed(serde_json::to_vec(header)?);
        Ok((w, line))
    }

    fn hashed(&mut self, mut line: Vec<u8>) -> Vec<u8> {
        line.push(b'\n');
        self.digest.update(&line);
        line
    }

    /// An item's line.
    pub fn item(&mut self, item: &Item) -> Result<Vec<u8>, serde_json::Error> {
        self.items += 1;
        Ok(self.hashed(serde_json::to_vec(item)?))
    }

    /// The end line, signed by `sign` (Ed25519 over [`signed_bytes`]),
    /// and the version's hash.
    pub fn end(self, sign: impl FnOnce(&[u8]) -> Vec<u8>) -> Result<(Vec<u8>, String), serde_json::Error> {
        let digest = hex::encode(self.digest.finalize());
        let hash = chain_hash(&self.prev_hash, self.version, &digest);
        let signature = hex::encode(sign(&signed_bytes(&hash)));
        let mut line =
            serde_json::to_vec(&EndLine { end: End { items: self.items, digest, hash: hash.clone(), signature } })?;
        line.push(b'\n');
        Ok((line, hash))
    }
}

/// The version an edge holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Held {
    /// Its number.
    pub version: u64,
    /// Its chain hash.
    pub hash: String,
    /// When it was generated.
    #[serde(with = "time::serde::rfc3339")]
    pub generated_at: OffsetDateTime,
}

/// What an edge expects of the next version.
#[derive(Debug, Clone)]
pub struct Expect<'a> {
    /// Its agency (`None` before its first version: the upstream says it).
    pub agency: Option<AgencyCode>,
    /// Its name (`None` before its first version: the upstream says it).
    pub edge: Option<&'a str>,
    /// The version it holds, if any.
    pub held: Option<&'a Held>,
    /// The upstream key it pinned, if any (else the version's own key is
    /// taken, and pinned by the caller).
    pub key: Option<&'a str>,
    /// The edge's clock.
    pub now: OffsetDateTime,
    /// How far the upstream's clock may be from the edge's.
    pub max_skew: time::Duration,
}

/// Why a version was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("line {line}: {reason}")]
    Unreadable { line: u64, reason: String },
    #[error("the version ends before its signed end line (cut short)")]
    Truncated,
    #[error("the version is for {got}, this edge is {want}")]
    WrongEdge { want: String, got: String },
    #[error("version {got} is not newer than version {held}, held here (replayed)")]
    Replayed { held: u64, got: u64 },
    #[error("version {got} changes version {base}, but this edge holds version {held}")]
    NotNext { held: u64, base: u64, got: u64 },
    #[error("version {got} does not follow the chain of the version held here (its previous hash differs)")]
    Chain { got: u64 },
    #[error("version {got} was generated at {at}, before the version held here ({held_at}): older data")]
    Older { got: u64, at: String, held_at: String },
    #[error(
        "the upstream generated this version at {at}, {seconds} s from this machine's clock: set the clock right (NTP) before syncing"
    )]
    ClockOff { at: String, seconds: i64 },
    #[error("the version is signed with key {got}, but this edge pinned {pinned}: a wrong upstream, or a forgery")]
    WrongKey { pinned: String, got: String },
    #[error("the digest of the version's bytes is not the one its end line states: altered in transit")]
    Digest,
    #[error("the end line counts {stated} items, {read} were read")]
    Count { stated: u64, read: u64 },
    #[error("the signature does not verify with the upstream's key: forged or altered")]
    Signature,
}

/// A version read to its end and checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Verified {
    /// Its header.
    pub header: Header,
    /// Its hash, to hold.
    pub hash: String,
    /// Its items.
    pub items: u64,
}

fn unreadable(line: u64, reason: impl Into<String>) -> Refused {
    Refused::Unreadable { line, reason: reason.into() }
}

/// Reads one line (without its newline) into `buf`; false at the end.
fn next_line(input: &mut impl BufRead, buf: &mut Vec<u8>, line: u64) -> Result<bool, Refused> {
    buf.clear();
    let n = input
        .by_ref()
        .take(MAX_LINE as u64 + 1)
        .read_until(b'\n', buf)
        .map_err(|e| unreadable(line, format!("cannot be read: {e}")))?;
    if n == 0 {
        return Ok(false);
    }
    if buf.last() != Some(&b'\n') {
        return match buf.len() > MAX_LINE {
            true => Err(unreadable(line, format!("longer than {MAX_LINE} bytes"))),
            // A last line without its newline: cut short.
            false => Err(Refused::Truncated),
        };
    }
    Ok(true)
}

/// Reads a whole version and checks it against what the edge holds and
/// expects: its header, every item's framing, the count, the digest, the
/// chain and the signature. Items are framed but not parsed (see [`read`]).
pub fn verify(input: impl BufRead, expect: &Expect<'_>) -> Result<Verified, Refused> {
    walk(input, expect, |_, _| Ok::<(), Refused>(()))
}

/// Reads a whole version as [`verify`] does and hands each item to `each`,
/// parsed strictly (the line named on error), in order, as it is read: the
/// header's checks come before the first item, the count, digest, chain and
/// signature after the last. Nothing `each` gathers may be used unless this
/// returns `Ok`; an edge gathers its copy while the version arrives and
/// drops it all if the end does not verify.
pub fn read<E: From<Refused>>(
    input: impl BufRead,
    expect: &Expect<'_>,
    mut each: impl FnMut(&Header, Item) -> Result<(), E>,
) -> Result<Verified, E> {
    walk(input, expect, |header, (line, bytes)| {
        let item = serde_json::from_slice(bytes).map_err(|e| unreadable(line, format!("not an item: {e}")))?;
        each(header, item)
    })
}

/// The one reading loop of [`verify`] and [`read`]: `line` gets each item
/// line (its number and bytes, without the newline) after the header
/// passed its checks; an error from it stops the reading.
fn walk<E: From<Refused>>(
    mut input: impl BufRead,
    expect: &Expect<'_>,
    mut line_of: impl FnMut(&Header, (u64, &[u8])) -> Result<(), E>,
) -> Result<Verified, E> {
    let mut buf = Vec::new();
    if !next_line(&mut input, &mut buf, 1)? {
        return Err(Refused::Truncated.into());
    }
    let mut digest = Sha256::new();
    digest.update(&buf);
    let header: Header = serde_json::from_slice(&buf).map_err(|e| unreadable(1, format!("not a header: {e}")))?;
    check_header(&header, expect)?;
    let mut items = 0u64;
    let mut line = 1u64;
    let end = loop {
        line += 1;
        if !next_line(&mut input, &mut buf, line)? {
            return Err(Refused::Truncated.into());
        }
        if buf.starts_with(b"{\"end\":") {
            let end: EndLine =
                serde_json::from_slice(&buf).map_err(|e| unreadable(line, format!("not an end line: {e}")))?;
            break end.end;
        }
        digest.update(&buf);
        items += 1;
        line_of(&header, (line, &buf[..buf.len() - 1]))?;
    };
    line += 1;
    if next_line(&mut input, &mut buf, line)? {
        return Err(unreadable(line, "comes after the end line").into());
    }
    if end.items != items {
        return Err(Refused::Count { stated: end.items, read: items }.into());
    }
    if hex::encode(digest.finalize()) != end.digest {
        return Err(Refused::Digest.into());
    }
    if chain_hash(&header.prev_hash, header.version, &end.digest) != end.hash {
        return Err(Refused::Digest.into());
    }
    let signature = hex::decode(&end.signature).map_err(|_| Refused::Signature)?;
    if !verify_signature(&header.key, &signed_bytes(&end.hash), &signature) {
        return Err(Refused::Signature.into());
    }
    Ok(Verified { header, hash: end.hash, items })
}

/// Whether `signature` is the Ed25519 signature of `public` (hex) over
/// `message`.
pub fn verify_signature(public: &str, message: &[u8], signature: &[u8]) -> bool {
    use ring::signature::{ED25519, UnparsedPublicKey};
    let Ok(key) = hex::decode(public) else { return false };
    key.len() == 32 && UnparsedPublicKey::new(&ED25519, key).verify(message, signature).is_ok()
}

fn check_header(h: &Header, expect: &Expect<'_>) -> Result<(), Refused> {
    if h.format != FORMAT {
        return Err(unreadable(1, format!("format `{}`, this edge reads {FORMAT}", h.format.escape_debug())));
    }
    if expect.agency.is_some_and(|a| a != h.agency) || expect.edge.is_some_and(|e| e != h.edge) {
        let edge = expect.edge.unwrap_or("?");
        let want = expect.agency.map_or_else(|| edge.to_owned(), |a| format!("{a}/{edge}"));
        return Err(Refused::WrongEdge { want, got: format!("{}/{}", h.agency, h.edge) });
    }
    if let Some(pinned) = expect.key
        && !pinned.eq_ignore_ascii_case(&h.key)
    {
        return Err(Refused::WrongKey { pinned: pinned.to_owned(), got: h.key.clone() });
    }
    let skew = (h.generated_at - expect.now).whole_seconds();
    if skew.abs() > expect.max_skew.whole_seconds() {
        return Err(Refused::ClockOff { at: stamp(h.generated_at), seconds: skew });
    }
    let Some(held) = expect.held else {
        return match h.full {
            true => Ok(()),
            false => Err(Refused::NotNext { held: 0, base: h.base, got: h.version }),
        };
    };
    if h.version <= held.version {
        return Err(Refused::Replayed { held: held.version, got: h.version });
    }
    if h.generated_at < held.generated_at {
        return Err(Refused::Older { got: h.version, at: stamp(h.generated_at), held_at: stamp(held.generated_at) });
    }
    if !h.full && h.base != held.version {
        return Err(Refused::NotNext { held: held.version, base: h.base, got: h.version });
    }
    if h.prev_hash != held.hash {
        return Err(Refused::Chain { got: h.version });
    }
    Ok(())
}

fn stamp(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_else(|_| t.to_string())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    struct Key(ring::signature::Ed25519KeyPair);

    impl Key {
        fn sign(&self, m: &[u8]) -> Vec<u8> {
            self.0.sign(m).as_ref().to_vec()
        }
        fn public_hex(&self) -> String {
            use ring::signature::KeyPair;
            hex::encode(self.0.public_key().as_ref())
        }
    }

    fn seeded(seed: u8) -> Key {
        Key(ring::signature::Ed25519KeyPair::from_seed_unchecked(&[seed; 32]).expect("key"))
    }

    fn key() -> Key {
        seeded(7)
    }

    fn fra() -> AgencyCode {
        AgencyCode::parse("FRA").expect("FRA")
    }

    fn header(version: u64, base: u64, prev: &str, at: OffsetDateTime) -> Header {
        Header {
            format: FORMAT.into(),
            agency: fra(),
            edge: "cdg".into(),
            version,
            base,
            full: base == 0,
            prev_hash: prev.into(),
            generated_at: at,
            key: key().public_hex(),
        }
    }

    fn bundle(h: &Header, items: &[Item]) -> (Vec<u8>, String) {
        let (mut w, mut out) = Writer::new(h).expect("header");
        for i in items {
            out.extend(w.item(i).expect("item"));
        }
        let (end, hash) = w.end(|m| key().sign(m)).expect("end");
        out.extend(end);
        (out, hash)
    }

    fn items_of(n: usize) -> Vec<Item> {
        (0..n).map(|_| Item::Delete { id: RecordId::generate() }).collect()
    }

    fn expect<'a>(held: Option<&'a Held>, now: OffsetDateTime) -> Expect<'a> {
        Expect { agency: Some(fra()), edge: Some("cdg"), held, key: None, now, max_skew: time::Duration::minutes(5) }
    }

    #[test]
    fn a_chain_of_versions_verifies_in_order_and_refuses_replays_and_forks() {
        let now = OffsetDateTime::now_utc();
        let items_of_first = items_of(3);
        let (first, h1) = bundle(&header(1, 0, GENESIS, now), &items_of_first);
        let v1 = verify(&first[..], &expect(None, now)).expect("first");
        assert_eq!((v1.items, v1.hash), (3, h1.clone()));
        let mut read_items = Vec::new();
        let v = read(&first[..], &expect(None, now), |_, item| {
            read_items.push(item);
            Ok::<(), Refused>(())
        })
        .expect("read");
        assert_eq!((read_items, v.items), (items_of_first, 3));
        let held = Held { version: 1, hash: h1.clone(), generated_at: now };
        let (second, _) = bundle(&header(2, 1, &h1, now), &items_of(1));
        verify(&second[..], &expect(Some(&held), now)).expect("second");
        // The first again: replayed.
        assert!(matches!(verify(&first[..], &expect(Some(&held), now)), Err(Refused::Replayed { .. })));
        // A version 2 on another chain.
        let (fork, _) = bundle(&header(2, 1, GENESIS, now), &items_of(1));
        assert!(matches!(verify(&fork[..], &expect(Some(&held), now)), Err(Refused::Chain { .. })));
        // Generated before the held one.
        let (older, _) = bundle(&header(2, 1, &h1, now - time::Duration::minutes(1)), &items_of(1));
        assert!(matches!(verify(&older[..], &expect(Some(&held), now)), Err(Refused::Older { .. })));
    }

    #[test]
    fn a_forged_or_altered_version_is_refused() {
        let now = OffsetDateTime::now_utc();
        let h = header(1, 0, GENESIS, now);
        let (good, _) = bundle(&h, &items_of(2));
        // Another key signs a version naming the pinned key.
        let forger = seeded(9);
        let (mut w, mut forged) = Writer::new(&h).expect("header");
        forged.extend(w.item(&items_of(1)[0]).expect("item"));
        forged.extend(w.end(|m| forger.sign(m)).expect("end").0);
        assert_eq!(verify(&forged[..], &expect(None, now)), Err(Refused::Signature));
        // One byte of an item changed.
        let mut altered = good.clone();
        let at = altered.iter().rposition(|b| *b == b'-').expect("a uuid dash");
        altered[at - 1] = if altered[at - 1] == b'a' { b'b' } else { b'a' };
        assert!(verify(&altered[..], &expect(None, now)).is_err());
        // A version signed by another upstream than the one pinned.
        let pinned = forger.public_hex();
        let e = Expect { key: Some(&pinned), ..expect(None, now) };
        assert!(matches!(verify(&good[..], &e), Err(Refused::WrongKey { .. })));
        // A clock far off.
        let late = now + time::Duration::hours(2);
        assert!(matches!(verify(&good[..], &expect(None, late)), Err(Refused::ClockOff { .. })));
    }

    #[test]
    fn read_hands_out_nothing_before_the_header_passes_and_stops_at_its_callers_error() {
        let now = OffsetDateTime::now_utc();
        let (good, _) = bundle(&header(1, 0, GENESIS, now), &items_of(3));
        let mut seen = 0;
        let late = now + time::Duration::hours(2);
        let refused = read(&good[..], &expect(None, late), |_, _| {
            seen += 1;
            Ok::<(), Refused>(())
        });
        assert!(matches!(refused, Err(Refused::ClockOff { .. })));
        assert_eq!(seen, 0, "an item was handed out before the header's checks");
        #[derive(Debug, PartialEq)]
        enum Stop {
            Here(usize),
            Refused(Refused),
        }
        impl From<Refused> for Stop {
            fn from(r: Refused) -> Stop {
                Stop::Refused(r)
            }
        }
        let mut n = 0;
        let stopped = read(&good[..], &expect(None, now), |_, _| {
            n += 1;
            if n == 2 { Err(Stop::Here(n)) } else { Ok(()) }
        });
        assert_eq!(stopped, Err(Stop::Here(2)));
    }

    proptest! {
        #[test]
        fn a_version_cut_anywhere_is_refused(cut in 0usize..10_000) {
            let now = OffsetDateTime::now_utc();
            let (good, _) = bundle(&header(1, 0, GENESIS, now), &items_of(4));
            let cut = cut % good.len();
            prop_assert!(verify(&good[..cut], &expect(None, now)).is_err());
        }

        #[test]
        fn arbitrary_bytes_never_verify(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let now = OffsetDateTime::now_utc();
            prop_assert!(verify(&bytes[..], &expect(None, now)).is_err());
        }
    }
}
