//! Tocsin's domain model: agencies, roles, records and the access policy.
//!
//! This crate does no I/O and knows nothing about HTTP or SQL. Everything that
//! crosses the system's edge is parsed here into a validated type, and every
//! parse error names the field it is about ([`FieldError`]).
//!
//! The one function that decides whether an agency may see a record is
//! [`access::may_see`]; every read path in the other crates calls it.

pub mod access;
pub mod asset;
pub mod auth;
mod country;
mod date;
mod document;
mod error;
pub mod event;
#[cfg(any(test, feature = "fixtures"))]
pub mod fixtures;
pub mod hit;
pub mod json;
pub mod level;
pub mod limits;
pub mod message;
pub mod notice;
pub mod public;
pub mod record;
pub mod retention;
mod schema;
pub mod text;
pub mod unit;
pub mod watch;

pub use country::{AgencyCode, CountryCode};
pub use date::{PartialDate, Precision, to_minute};
pub use document::DocumentNumber;
pub use error::FieldError;
