//! The vocabulary of messages between agencies: diffusion types and what a message may point at. The envelope (what is
//! encrypted and signed) is `tocsin-envelope`'s; routing and receipts are
//! `tocsin-messaging`'s.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::FieldError;
pub use crate::level::Level;

/// What a diffusion asks of its recipients, like a notice's colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DiffusionKind {
    /// Locate and arrest a person sought on a warrant.
    Wanted,
    /// Locate a missing person.
    Missing,
    /// Collect or share information on a person, an object or an event.
    Information,
    /// Warn of a threat to people or property.
    Warning,
}

impl DiffusionKind {
    /// Every kind.
    pub const ALL: [DiffusionKind; 4] =
        [DiffusionKind::Wanted, DiffusionKind::Missing, DiffusionKind::Information, DiffusionKind::Warning];

    /// The kind's name, as sent and stored.
    pub fn as_str(self) -> &'static str {
        match self {
            DiffusionKind::Wanted => "wanted",
            DiffusionKind::Missing => "missing",
            DiffusionKind::Information => "information",
            DiffusionKind::Warning => "warning",
        }
    }

    /// Whether a diffusion of this kind must be about a person record
    /// (named in the routing data, so the server can check that every
    /// recipient may see it and show it in their screening results).
    pub fn needs_person(self) -> bool {
        matches!(self, DiffusionKind::Wanted | DiffusionKind::Missing)
    }
}

impl fmt::Display for DiffusionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for DiffusionKind {
    type Err = FieldError;
    fn from_str(s: &str) -> Result<DiffusionKind, FieldError> {
        DiffusionKind::ALL.into_iter().find(|k| k.as_str() == s).ok_or_else(|| {
            FieldError::field(
                "kind",
                format!("`{}` is not a diffusion kind (wanted, missing, information, warning)", s.escape_debug()),
            )
        })
    }
}

/// What a message points at. Only ids travel in the clear: the server
/// checks that every recipient may see each one before it relays the
/// message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReferenceKind {
    /// A record (`/v1/records/{id}`).
    Record,
    /// A notice (`/v1/notices/{id}`).
    Notice,
    /// A hit (`/v1/hits/{id}`).
    Hit,
}

impl ReferenceKind {
    /// The kind's name.
    pub fn as_str(self) -> &'static str {
        match self {
            ReferenceKind::Record => "record",
            ReferenceKind::Notice => "notice",
            ReferenceKind::Hit => "hit",
        }
    }
}

/// A reference: a kind and an id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Reference {
    /// What it is.
    pub kind: ReferenceKind,
    /// Its id.
    pub id: String,
}

impl FromStr for Reference {
    type Err = FieldError;
    /// `record:ID`, `notice:ID` or `hit:ID`.
    fn from_str(s: &str) -> Result<Reference, FieldError> {
        let bad = || {
            FieldError::field(
                "references",
                format!("`{}` is not KIND:ID with KIND record, notice or hit", s.escape_debug()),
            )
        };
        let (kind, id) = s.split_once(':').ok_or_else(bad)?;
        let kind = match kind {
            "record" => ReferenceKind::Record,
            "notice" => ReferenceKind::Notice,
            "hit" => ReferenceKind::Hit,
            _ => return Err(bad()),
        };
        if id.is_empty() || id.len() > 64 || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return Err(bad());
        }
        Ok(Reference { kind, id: id.to_owned() })
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.kind.as_str(), self.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diffusion_kinds_read_back_and_only_people_kinds_need_a_person() {
        for k in DiffusionKind::ALL {
            assert_eq!(k.as_str().parse::<DiffusionKind>(), Ok(k));
        }
        assert!(DiffusionKind::Wanted.needs_person() && DiffusionKind::Missing.needs_person());
        assert!(!DiffusionKind::Information.needs_person() && !DiffusionKind::Warning.needs_person());
    }

    #[test]
    fn references_are_kind_colon_id() {
        let r: Reference = "record:0190f3a1-aaaa".parse().expect("reference");
        assert_eq!((r.kind, r.id.as_str()), (ReferenceKind::Record, "0190f3a1-aaaa"));
        assert_eq!(r.to_string(), "record:0190f3a1-aaaa");
        for bad in ["record", "file:1", "record:", "hit:a/b", "notice:a b"] {
            assert!(bad.parse::<Reference>().is_err(), "{bad}");
        }
    }
}
