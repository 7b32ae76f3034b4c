//! Tocsin's storage.
//!
//! Two layers:
//!
//! - [`Backend`]: raw persistence (rows in, rows out), implemented once per
//!   database. [`SqliteBackend`] is the embedded default. Backends know
//!   nothing of access rules and are not used outside this crate's
//!   [`Store`] except by the conformance suite.
//! - [`Store`]: the facade every caller (HTTP API, CLI) uses. It applies the
//!   access policy ([`tocsin_core::access::may_see`]) on every read, the
//!   ownership and role rules on every write, and appends an audit entry for
//!   every call, answering only once that entry is durable.

mod activity;
mod audit_log;
mod backend;
mod bio;
mod bio_backend;
mod clock;
mod cluster;
mod edge;
mod edge_backend;
mod error;
mod events;
#[cfg(test)]
mod fail_closed;
mod fanout;
mod hits;
mod import;
mod infra;
mod infra_backend;
mod intel;
mod intel_backend;
mod locks;
mod messages;
mod messages_backend;
mod notices;
mod postgres;
pub mod private;
mod public;
mod retention;
mod screening;
mod sql;
mod sqlite;
mod store;
#[cfg(test)]
mod testing;
mod token;
mod tokens;
mod units;
mod watches;

pub use audit_log::AuditStats;
pub use backend::{
    ActivityBackend, Agency, AgencyBackend, AgencySettings, AuditBackend, AuditFilter, AuditScope, AuditViewQuery,
    Backend, Change, Commit, Committed, Effects, EventBackend, HitBackend, HitCount, HitFilter, Lease, NoticeBackend,
    NoticeFilter, RecordBackend, RecordPageQuery, TokenRow, UnitRow, WatchBackend,
};
pub use bio::{Biometrics, Candidate, Enrolment};
pub use bio_backend::{BioAttachment, BioBackend, BioCandidateRow, BioDecision};
pub use clock::Clock;
pub use cluster::ClusterStatus;
pub use edge::{EdgeChange, EdgeRows, Replica};
pub use edge_backend::{EdgeBackend, EdgeIssue, EdgeRow, EdgeVersion, ReplicaApply};
pub use error::StoreError;
pub use events::{QUEUE as EVENT_QUEUE, Subscription};
pub use hits::{EventStream, HitQuery};
pub use import::ImportReport;
pub use infra::{Infra, NewAsset, Watch, WatchState};
pub use infra_backend::{InfraBackend, InfraWatchRow, InfraWatchState};
pub use intel::{IntelChange, IntelRows};
pub use intel_backend::{IntelBackend, IntelCollection, IntelQuery, IntelVersion, VersionFilter, default_root};
pub use messages::{DiffusionBrief, MessageQuery, MessageView, Messages, NewMessage, Receipt, Review, Verdict};
pub use messages_backend::{AgencyKeyRow, DeliveryRow, MessageBackend, MessageFilter, MessageRow, ReceiptKind};
pub use notices::{NEUTRALITY_TERMS, NoticeInput, NoticeQuery, NoticeView};
pub use postgres::PgBackend;
pub use public::PublicPage;
pub use retention::{Extension, MaintenanceReport};
pub use screening::{ScreenContext, Screened};
pub use sqlite::{DB_FILE, SqliteBackend};
pub use store::{Actor, AuditView, ListQuery, Location, MAX_PAGE, Page, Principal, Store, Verification, outcome_of};
pub use token::{Token, hash_token};
pub use tokens::{Issued, Lifetime, TokenInfo, TokenRequest, TokenStatus};
pub use units::UnitInfo;
pub use watches::WatchInput;
