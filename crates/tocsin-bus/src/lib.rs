//! Tocsin's cluster backbone: what one node tells the others after it
//! commits, and the stream that carries it.
//!
//! In cluster mode every `tocsin serve` process shares one PostgreSQL
//! database (the system of record) and keeps its own in-memory state: the
//! screening index, watches, reviewed false positives, published notices,
//! and the live event hub. A node that commits a change publishes a
//! [`Change`] naming what changed; every other node reads the stream in
//! order and re-reads those things from the database. A change names ids,
//! never contents, so applying one twice, or late, is harmless: the node
//! always ends up with what the database holds. Events are the exception:
//! they travel whole (the stream is also a feed for outside consumers), and
//! the receiving node checks their numbers against the database's so a
//! live subscriber sees every event once and in order.
//!
//! [`Bus`] is the seam; [`NatsBus`] implements it on NATS JetStream.

mod nats;

use futures::stream::BoxStream;
use serde::{Deserialize, Serialize};
use tocsin_audit::checkpoint::Checkpoint;
use tocsin_core::event::Event;
use tocsin_core::notice::NoticeId;
use tocsin_core::record::RecordId;

pub use nats::NatsBus;

/// Ids in one [`What::Records`] change at most: an import of a million
/// records is told in many messages, each under NATS's default 1 MiB.
pub const IDS_PER_CHANGE: usize = 10_000;

/// One node's news for the others.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// The process that committed it ([`Bus::origin`]); a process skips its
    /// own changes, which it applied before publishing.
    pub origin: String,
    /// What changed.
    #[serde(flatten)]
    pub what: What,
}

/// What changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum What {
    /// Records were created, changed, archived or re-listed: re-read them
    /// and re-index.
    Records {
        /// Their ids.
        ids: Vec<RecordId>,
    },
    /// Notices moved or changed: re-read them (screening shows published
    /// notices; the public extract lists public ones).
    Notices {
        /// Their ids.
        ids: Vec<NoticeId>,
    },
    /// A watch was created or removed: reload the watches.
    Watches,
    /// A hit was reviewed as a false positive: reload the dismissals.
    Dismissals,
    /// A token was revoked: forget the tokens known, so each is read again
    /// before it is accepted.
    Tokens,
    /// Events were committed, numbered from the database's event log.
    Events {
        /// The events, in sequence order.
        events: Vec<Event>,
    },
    /// A node signed the shared audit log's head: every other node keeps a
    /// copy, so cutting the log's end is caught by any of them.
    Checkpoint {
        /// The signed head, with the signing node's public key.
        checkpoint: Checkpoint,
    },
}

impl What {
    /// The last part of its subject (`<stream>.<this>`).
    pub fn topic(&self) -> &'static str {
        match self {
            What::Records { .. } => "records",
            What::Notices { .. } => "notices",
            What::Watches => "watches",
            What::Dismissals => "dismissals",
            What::Tokens => "tokens",
            What::Events { .. } => "events",
            What::Checkpoint { .. } => "checkpoints",
        }
    }
}

/// A change as read from the stream, with its position there.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    /// The stream sequence number (from 1, no gaps unless the stream
    /// dropped old messages).
    pub seq: u64,
    /// The change.
    pub change: Change,
}

/// Deliveries in stream order.
pub type Deliveries = BoxStream<'static, Result<Delivery, BusError>>;

/// Why the bus failed.
#[derive(Debug, thiserror::Error)]
pub enum BusError {
    /// The URL is not a usable `nats://` address (the field named).
    #[error("{field}: {message}")]
    Invalid {
        /// The parameter at fault.
        field: &'static str,
        /// What is wrong.
        message: String,
    },
    /// The server cannot be reached, or did not answer in time.
    #[error("NATS is unreachable: {0}")]
    Unreachable(String),
    /// The server answered with an error (JetStream disabled, stream
    /// limits, …).
    #[error("NATS JetStream: {0}")]
    JetStream(String),
    /// A message on the stream does not parse.
    #[error("a message on the stream does not parse: {0}")]
    Malformed(String),
}

/// The stream of changes between nodes.
#[async_trait::async_trait]
pub trait Bus: Send + Sync + 'static {
    /// This node's name (`--node`), for people.
    fn node(&self) -> &str;

    /// This process's identity on the stream, the `origin` of its changes:
    /// unique even when a node restarts under the same name, so neither
    /// skips nor deduplicates away the other's changes.
    fn origin(&self) -> &str;

    /// Whether the server is connected now: writes that other nodes must
    /// learn of are refused (503) while it is not.
    fn is_connected(&self) -> bool;

    /// Publishes `what` as this node's change and returns once the stream
    /// has stored it, with its sequence number.
    async fn publish(&self, what: What) -> Result<u64, BusError>;

    /// The stream's last sequence number (0 when empty).
    async fn last_seq(&self) -> Result<u64, BusError>;

    /// Every change from sequence `from` on, in order, including those
    /// published later. The stream ends (or yields an error) when the
    /// connection is lost for good; the caller follows again from where it
    /// got to.
    async fn follow(&self, from: u64) -> Result<Deliveries, BusError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_read_back_as_written_with_their_kind_named() {
        let id = RecordId::generate();
        let change = Change { origin: "n1".into(), what: What::Records { ids: vec![id] } };
        let json = serde_json::to_value(&change).expect("json");
        assert_eq!(json["kind"], "records");
        assert_eq!(json["origin"], "n1");
        assert_eq!(serde_json::from_value::<Change>(json).expect("back"), change);
        let bare = serde_json::json!({"origin": "n2", "kind": "watches"});
        assert_eq!(serde_json::from_value::<Change>(bare).expect("watches").what, What::Watches);
        assert!(serde_json::from_value::<Change>(serde_json::json!({"origin": "n", "kind": "nope"})).is_err());
    }
}
