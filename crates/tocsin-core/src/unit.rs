//! National units: entities an agency lets use the system (a border post,
//! a specialised unit) within rights it grants them, a subset of its own.
//! A unit's tokens carry its role and, on top, the unit's [`UnitRights`];
//! everything a unit's token does is audited in the unit's name under its
//! agency, and a suspended unit's tokens are refused at once.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::FieldError;
use crate::auth::Permission;
use crate::record::Kind;

/// A unit's code within its agency (`PAF-CDG` of `FRA/PAF-CDG`): 1 to 32
/// capital letters, digits and hyphens, starting with a letter.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
#[schema(value_type = String)]
pub struct UnitCode(String);

impl UnitCode {
    /// The code as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for UnitCode {
    type Err = FieldError;
    fn from_str(s: &str) -> Result<UnitCode, FieldError> {
        let ok = (1..=32).contains(&s.len())
            && s.as_bytes()[0].is_ascii_uppercase()
            && s.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-');
        match ok {
            true => Ok(UnitCode(s.to_owned())),
            false => Err(FieldError::field(
                "unit",
                format!(
                    "`{}` is not a unit code (1 to 32 capital letters, digits and hyphens, starting with a letter: PAF-CDG)",
                    s.escape_debug()
                ),
            )),
        }
    }
}

impl<'de> Deserialize<'de> for UnitCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<UnitCode, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(|e: FieldError| serde::de::Error::custom(e.message))
    }
}

impl fmt::Display for UnitCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a unit's tokens may do, besides what their role allows: nothing
/// is granted that is not named here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitRights {
    /// The kinds of record it screens and reads (none: it screens nothing).
    #[serde(default)]
    pub screen: Vec<Kind>,
    /// Whether it sees records' handling instructions (else they are left
    /// out of everything it is shown; the handling code stays).
    #[serde(default)]
    pub handling_instructions: bool,
    /// Whether it creates and changes the agency's records.
    #[serde(default)]
    pub write_records: bool,
    /// Whether it reads the agency's messages and diffusions.
    #[serde(default)]
    pub read_messages: bool,
    /// Whether it sends messages and diffusions in the agency's name.
    #[serde(default)]
    pub send_messages: bool,
    /// The highest level its tokens read (each token's own clearance
    /// bounds it further); official use only unless granted more.
    #[serde(default)]
    pub clearance: crate::level::Level,
}

impl UnitRights {
    /// Whether the unit may do `p` (its role must allow it too).
    pub fn allows(&self, p: Permission) -> bool {
        match p {
            Permission::ReadRecords => !self.screen.is_empty(),
            Permission::WriteRecords => self.write_records,
            Permission::ReadMessages => self.read_messages,
            Permission::SendMessages => self.send_messages,
            // The agency's own: its audit log, its keys, the biometric
            // examiners' decisions, the General Secretariat's reviews.
            Permission::ReadAudit
            | Permission::VerifyAudit
            | Permission::ExamineBiometrics
            | Permission::PublishKeys
            | Permission::ReviewDiffusions => false,
        }
    }

    /// Whether the unit screens and reads records of `kind`.
    pub fn screens(&self, kind: Kind) -> bool {
        self.screen.contains(&kind)
    }
}

/// A unit as its token carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Unit {
    /// Its code within the agency.
    pub code: UnitCode,
    /// What it may do.
    pub rights: UnitRights,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_codes_are_capitals_digits_and_hyphens() {
        for good in ["PAF-CDG", "A", "GN-2"] {
            assert_eq!(good.parse::<UnitCode>().map(|c| c.to_string()), Ok(good.to_owned()));
        }
        for bad in ["", "paf", "-X", "PAF CDG", "FRA/PAF", &"A".repeat(33)] {
            assert_eq!(bad.parse::<UnitCode>().map_err(|e| e.field), Err("unit".to_owned()), "{bad}");
        }
    }

    #[test]
    fn a_unit_has_only_the_rights_it_was_granted() {
        let screening_only = UnitRights {
            screen: vec![Kind::TravelDocument],
            handling_instructions: false,
            write_records: false,
            read_messages: false,
            send_messages: false,
            clearance: crate::level::Level::OfficialUseOnly,
        };
        assert!(screening_only.allows(Permission::ReadRecords));
        for p in [
            Permission::WriteRecords,
            Permission::ReadMessages,
            Permission::SendMessages,
            Permission::ReadAudit,
            Permission::PublishKeys,
        ] {
            assert!(!screening_only.allows(p), "{p:?}");
        }
        assert!(screening_only.screens(Kind::TravelDocument) && !screening_only.screens(Kind::Person));
        let none = UnitRights { screen: vec![], ..screening_only };
        assert!(!none.allows(Permission::ReadRecords));
    }
}
