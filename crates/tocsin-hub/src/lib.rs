//! The threat-intelligence hub: agencies push STIX 2.1 objects into TAXII
//! 2.1 collections and poll them, under the same tokens, access policy and
//! audit chain as records; an observable checked against the hub matches
//! the indicators and observables shared there, and each match is a STIX
//! sighting sent at once to the object's owner (silently when the checker
//! may not see the object, as a silent hit is).
//!
//! - [`Hub`]: the service (collections and rights, ingest, pages, deletion,
//!   statuses, checks), over the store's narrow interface
//!   ([`tocsin_store::Store::intel`]).
//! - [`http`]: TAXII 2.1 under `/taxii2/` and the hub's own API under
//!   `/v1/intel/`, merged beside the API's routes by `tocsin serve`.
//!
//! Who sees what: a collection's readers and writers are access rules, an
//! object's TLP marking is an access rule ([`tocsin_intel::Tlp::access_rule`]),
//! and both are decided by [`tocsin_core::access::may_see_parts`], the
//! function that decides records. Shared intelligence is for official use
//! only ([`INTEL_LEVEL`]): within an agency every cleared user reads it; the
//! TLP marking is what restricts it between agencies.

mod check;
mod collections;
pub mod http;
mod identity;
mod ingest;
mod read;

use std::sync::Arc;

use tocsin_intel::warninglist::Warninglist;
use tocsin_store::{Store, StoreError};

pub use check::{CheckAnswer, CheckMatch, CheckResult, MAX_CHECK};
pub use collections::{CollectionInput, CollectionView, Rights};
pub use identity::{agency_identity, identity_id};
pub use read::{Page, PageKind};

/// The confidentiality level of every collection and object: TLP, not a
/// level, says who shares intelligence, so it is read at any clearance.
pub const INTEL_LEVEL: tocsin_core::level::Level = tocsin_core::level::Level::OfficialUseOnly;

/// How the hub is set up.
#[derive(Debug, Clone)]
pub struct Options {
    /// The largest POST body accepted, in bytes (TAXII's
    /// `max_content_length`).
    pub max_content_length: usize,
    /// The most items a page holds, whatever `limit` asks.
    pub page_cap: u32,
    /// The most objects a check answers per value (more are counted).
    pub correlation_cap: usize,
    /// The values flagged as noise.
    pub warninglist: Warninglist,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            max_content_length: 10 * 1024 * 1024,
            page_cap: 1000,
            correlation_cap: 20,
            warninglist: Warninglist::default(),
        }
    }
}

/// Why a hub call failed. Each maps to one TAXII status.
#[derive(Debug, thiserror::Error)]
pub enum HubError {
    /// Nothing the caller may see has that name (404).
    #[error("{0} not found")]
    NotFound(String),
    /// The caller may see it but not do this (403).
    #[error("{0}")]
    Forbidden(String),
    /// A parameter or field is malformed (400), named.
    #[error("`{parameter}`: {reason}")]
    Invalid { parameter: String, reason: String },
    /// The body is over the limit (413).
    #[error("{0}")]
    TooLarge(String),
    /// The body is not what the endpoint takes (422).
    #[error("{0}")]
    Unprocessable(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl HubError {
    pub(crate) fn invalid(parameter: &str, reason: impl Into<String>) -> HubError {
        HubError::Invalid { parameter: parameter.to_owned(), reason: reason.into() }
    }
}

impl std::fmt::Debug for Hub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hub").field("options", &self.options).field("indexed", &self.indexed()).finish()
    }
}

/// The hub over a store.
pub struct Hub {
    store: Arc<Store>,
    options: Options,
    index: check::Index,
}

impl Hub {
    /// A hub over `store`; its correlation index is built on first use and
    /// kept up to date from the store's rows.
    pub fn new(store: Arc<Store>, options: Options) -> Hub {
        Hub { store, options, index: check::Index::new() }
    }

    /// The options it runs with.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }
}
