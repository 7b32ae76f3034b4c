//! Edge nodes: a machine at a border post, a port or on a ship that screens
//! with the link cut, holding a signed copy of exactly what its agency may
//! see and nothing else.
//!
//! - `tocsin-sync` (as [`bundle`]): a sync version on the wire (JSON lines,
//!   digest, chain hash, Ed25519 signature) and its verification. No I/O.
//! - [`key`]: the upstream's signing key.
//! - [`upstream`]: the upstream's side: versions built from what the edge's
//!   agency may see and what the edge holds (so a deletion reaches exactly
//!   the copies that hold the record, and names nothing else), shipped audit
//!   chains kept per edge, shipped screenings screened again.
//! - [`node`]: the edge's side: sync, apply, ship, status.
//! - [`http`]: the routes of both.
//!
//! Both sit on narrow handles of the store: `Store::edges` upstream,
//! `Store::replica` on the edge.

pub use tocsin_sync as bundle;
pub mod http;
pub mod key;
pub mod node;
pub mod upstream;

use tocsin_store::StoreError;

/// Why an edge operation failed.
#[derive(Debug, thiserror::Error)]
pub enum EdgeError {
    #[error("{0}")]
    Forbidden(String),
    #[error("{0} not found")]
    NotFound(String),
    #[error("{field}: {reason}")]
    Invalid { field: String, reason: String },
    /// A shipped chain that does not continue the one held (`head`: the
    /// last entry held).
    #[error("{reason} (entries up to {head} are held)")]
    Conflict { head: u64, reason: String },
    /// The version was refused; the copy is as it was.
    #[error("the sync version was refused, the copy kept as it was: {0}")]
    Refused(#[from] bundle::Refused),
    /// The upstream could not be reached or answered with an error.
    #[error("the upstream: {0}")]
    Upstream(String),
    #[error("{0}")]
    Io(String),
    /// The edge stopped reading.
    #[error("the edge went away")]
    Gone,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Checks an edge's name: 1 to 64 letters, digits, `-`, `_` or `.`.
pub fn check_name(name: &str) -> Result<(), EdgeError> {
    let ok = (1..=64).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
    match ok {
        true => Ok(()),
        false => {
            Err(EdgeError::Invalid { field: "name".into(), reason: "1 to 64 letters, digits, `-`, `_` or `.`".into() })
        }
    }
}
