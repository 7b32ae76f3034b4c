//! Critical-infrastructure dependency analysis, with no I/O.
//!
//! The service (`tocsin-infra-service`) builds a [`Network`] from the assets
//! and dependencies one agency may see and asks it questions: which single
//! assets cut others off from a commodity ([`structure`]), what a loss sets
//! off and when ([`cascade`]), and the reports built on them ([`report`]).
//! [`grid`] reads public power-grid topologies for demonstration imports.

pub mod cascade;
pub mod exchange;
pub mod grid;
pub mod network;
pub mod report;
pub mod structure;

pub use network::{Builder, Ix, Link, LinkSpec, Network, Node};
