//! Passenger manifests as airlines send them to border agencies.
//!
//! [`paxlst::read`] reads Advance Passenger Information sent as a UN/EDIFACT
//! PAXLST interchange (the WCO/IATA/ICAO API guidelines): the flight, and
//! each traveller (passenger or crew) with name, sex, birth date,
//! nationality, references and travel documents. The reader is lenient
//! where senders differ (separators announced by `UNA`, one segment per
//! line or not, Latin-1 text, empty optional elements, segments it does not
//! use) and strict where a manifest could be truncated or corrupt: every
//! envelope count and reference is checked, and each problem names its
//! segment. Travellers read before a problem are kept, so that a border
//! system can still screen them.
//!
//! [`batch::read`] reads a screening batch in any of the formats a border
//! system receives (JSON lines, CSV with a header, PAXLST) into one item
//! per line or traveller, each with its reference and the screening
//! requests it makes, or what is wrong with it.
//!
//! The EDIFACT syntax ([`edifact`]) is written here rather than taken from
//! a crate: PAXLST needs a small, stable part of it (the service string
//! advice, the release character, the envelope), and the one general
//! EDIFACT crate on crates.io is months old with a fast-moving 0.x API.

pub mod batch;
pub mod edifact;
pub mod paxlst;

pub use paxlst::{Document, Flight, Manifest, Role, Sex, Traveller, read};
