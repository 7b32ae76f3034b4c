//! Threat intelligence for the hub: STIX 2.1 objects read leniently
//! ([`stix`]), their TLP 2.0 markings and what each allows ([`tlp`]),
//! observables in canonical form ([`observable`]), the values a STIX
//! pattern compares ([`pattern`]), exact-value correlation ([`correlate`])
//! the values that are noise ([`warninglist`]) and TAXII 2.1's resources,
//! filters, cursors and negotiation ([`taxii`]). No I/O: the store keeps
//! the objects, the server speaks TAXII.

pub mod correlate;
pub mod observable;
pub mod pattern;
pub mod stix;
pub mod taxii;
pub mod tlp;
pub mod warninglist;

pub use observable::{Kind, Observable, ObservableError, normalize, normalize_as};
pub use stix::{StixError, StixObject};
pub use tlp::Tlp;
