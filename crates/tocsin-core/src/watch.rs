//! Watches: an agency asks to be told when anyone's screening matches a
//! record it may see, or criteria it sets (as in a screening request).
//!
//! A watch never reveals a record its watcher may not see: a record watch
//! is checked against the access rule when it is made and again each time
//! it fires, and a criteria watch reports only the screening, never a
//! record.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::AgencyCode;
use crate::record::RecordId;
use crate::schema::uuid_id;

uuid_id!(
    /// A watch's identifier.
    WatchId,
    "watch"
);

/// What a watch looks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WatchTarget {
    /// Screenings that match this record.
    Record(RecordId),
    /// Screenings that match these criteria: a screening request's `name`,
    /// `birth_date`, `nationality`, `sex`, `document_number`,
    /// `document_country` and `mrz`.
    #[schema(value_type = Object)]
    Criteria(serde_json::Value),
}

/// A standing watch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Watch {
    /// Identifier.
    pub id: WatchId,
    /// The watching agency, which gets the events.
    pub agency: AgencyCode,
    /// The user who set it.
    pub user: String,
    /// When it was set.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    /// What it looks for.
    pub target: WatchTarget,
    /// A note for the watcher's colleagues.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}
