//! Critical-infrastructure dependency analysis on Tocsin's store: assets
//! and dependencies under their owners' access rules, the reports, the
//! what-if cascade and the N-1 sweep, imports and exports, and early
//! warning.
//!
//! - [`Infra`]: a cache of every asset (kept in step through
//!   `Store::infra().follow`, as the name index is, so records written on
//!   other cluster nodes arrive through the bus) and of the dependencies
//!   (read again when their generation moves), from which each request
//!   builds the [`View`] of its agency: only the assets it may see, and
//!   only dependencies between them. Every analysis runs on that view, so
//!   a hidden asset is no node, no count and no effect.
//! - [`watches`]: after each change, the watches are evaluated and a
//!   watch whose asset became a single point of failure (or whose loss
//!   now fails at least its `min_cascade`) warns its agency.
//! - [`http`]: the routes under `/v1/infra`.
//!
//! The algorithms are `tocsin-infra`'s; rows and audit are the store's.

pub mod http;
mod service;
pub mod watches;

pub use service::{AssetRef, CascadeInput, Infra, NewAssetInput, Radius, Removal, SpofQuery, SweepInput, View};
use tocsin_store::StoreError;

/// Why an infrastructure operation failed.
#[derive(Debug, thiserror::Error)]
pub enum InfraError {
    /// Bad input, naming the field (the reason may name it again).
    #[error("{field}: {reason}")]
    Invalid {
        /// The field.
        field: String,
        /// What is wrong.
        reason: String,
    },
    /// From the store (not found, forbidden, conflict …).
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl InfraError {
    pub(crate) fn invalid(field: impl Into<String>, reason: impl Into<String>) -> InfraError {
        InfraError::Invalid { field: field.into(), reason: reason.into() }
    }
}

impl From<tocsin_core::FieldError> for InfraError {
    fn from(e: tocsin_core::FieldError) -> InfraError {
        InfraError::Invalid { field: e.field, reason: e.message }
    }
}
