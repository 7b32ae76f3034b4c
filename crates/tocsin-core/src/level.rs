//! Confidentiality levels, and the clearance to read them.
//!
//! Records, messages, diffusions and the events about them carry a
//! [`Level`]; tokens and national units carry a clearance, which is a level
//! too. What is above a caller's clearance is hidden from it exactly as a
//! record an access rule hides ([`crate::access::may_see`]).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::FieldError;

/// How confidential a record, a message or an event is, lowest first. The
/// order is the clearance order: a caller cleared for a level reads that
/// level and those below it.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// For official use only: any member of the agency's staff.
    #[default]
    OfficialUseOnly,
    /// Restricted: staff cleared for it.
    Restricted,
    /// Confidential: staff cleared for it; its disclosure could harm an
    /// investigation or a person.
    Confidential,
}

impl Level {
    /// Every level, lowest first.
    pub const ALL: [Level; 3] = [Level::OfficialUseOnly, Level::Restricted, Level::Confidential];

    /// The highest level: the clearance that reads everything.
    pub const TOP: Level = Level::Confidential;

    /// Its place in [`Level::ALL`] (0 for the lowest), for what is kept
    /// once per level, such as each clearance's count of an agency's events.
    pub fn index(self) -> usize {
        self as usize
    }

    /// The level at `index` in [`Level::ALL`], the inverse of
    /// [`Level::index`] (`None` past the highest).
    pub fn from_index(index: usize) -> Option<Level> {
        Level::ALL.get(index).copied()
    }

    /// The level's name, as sent and stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::OfficialUseOnly => "official_use_only",
            Level::Restricted => "restricted",
            Level::Confidential => "confidential",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Level {
    type Err = FieldError;
    fn from_str(s: &str) -> Result<Level, FieldError> {
        Level::ALL.into_iter().find(|l| l.as_str() == s).ok_or_else(|| {
            FieldError::field(
                "level",
                format!("`{}` is not a level (official_use_only, restricted, confidential)", s.escape_debug()),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_are_ordered_and_read_back_by_name() {
        assert!(Level::OfficialUseOnly < Level::Restricted && Level::Restricted < Level::Confidential);
        for l in Level::ALL {
            assert_eq!(l.as_str().parse::<Level>(), Ok(l));
            assert_eq!(serde_json::to_value(l).ok(), Some(serde_json::json!(l.as_str())));
            assert_eq!(Level::from_index(l.index()), Some(l), "stored as its index, read back");
        }
        assert_eq!(Level::from_index(Level::ALL.len()), None);
        assert_eq!("secret".parse::<Level>().map_err(|e| e.field), Err("level".to_owned()));
    }
}
