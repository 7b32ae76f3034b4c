//! Roles and what each may do.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::{AgencyCode, FieldError};

/// The role an API token carries, or the local operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Frontline officer: screens and reads what the agency may see.
    Officer,
    /// Agency administrator: maintains the agency's records.
    Admin,
    /// General Secretariat reviewer: reviews notices, imports the UN list.
    Reviewer,
    /// Reads and verifies the audit log.
    Auditor,
    /// Biometric examiner: searches faces and fingerprints, and confirms or
    /// rejects the candidates of searches by or about the agency.
    Examiner,
    /// An edge node (`tocsin edge`): pulls the copy of what its agency may
    /// see, ships its audit chain and the screenings made on it. It may do
    /// nothing else: no permission on the API's other routes.
    Edge,
    /// Someone at the machine with the data directory (the CLI). Never
    /// carried by an API token.
    Operator,
}

/// What a caller may want to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Read records the policy lets the agency see.
    ReadRecords,
    /// Create, update and archive the agency's own records.
    WriteRecords,
    /// Read audit entries.
    ReadAudit,
    /// Verify the audit chain.
    VerifyAudit,
    /// Confirm or reject a biometric search's candidates.
    ExamineBiometrics,
    /// Read the messages and diffusions the agency sent or received.
    ReadMessages,
    /// Send messages and diffusions in the agency's name.
    SendMessages,
    /// Publish and rotate the agency's message keys.
    PublishKeys,
    /// Review any diffusion for compliance (the General Secretariat).
    ReviewDiffusions,
}

impl Role {
    /// Every role a token may carry.
    pub const TOKEN_ROLES: [Role; 6] =
        [Role::Officer, Role::Admin, Role::Reviewer, Role::Auditor, Role::Examiner, Role::Edge];

    /// Whether the role grants `p`.
    pub fn may(self, p: Permission) -> bool {
        use Permission::*;
        match self {
            Role::Operator => true,
            Role::Officer => matches!(p, ReadRecords | ReadMessages | SendMessages),
            Role::Admin => {
                matches!(p, ReadRecords | WriteRecords | ReadAudit | ReadMessages | SendMessages | PublishKeys)
            }
            Role::Reviewer => matches!(p, ReadRecords | ReadMessages | SendMessages | ReviewDiffusions),
            Role::Auditor => matches!(p, ReadAudit | VerifyAudit),
            Role::Examiner => matches!(p, ReadRecords | ExamineBiometrics),
            Role::Edge => false,
        }
    }

    /// Checks that a token with this role may be issued to `agency`.
    pub fn check_for_token(self, agency: &AgencyCode) -> Result<(), FieldError> {
        match self {
            Role::Operator => {
                Err(FieldError::field("role", "operator is the local command line's role; no token carries it"))
            }
            Role::Reviewer if *agency != AgencyCode::GS => {
                Err(FieldError::field("role", "reviewer belongs to the General Secretariat (agency GS)"))
            }
            _ => Ok(()),
        }
    }

    /// The role's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Officer => "officer",
            Role::Admin => "admin",
            Role::Reviewer => "reviewer",
            Role::Auditor => "auditor",
            Role::Examiner => "examiner",
            Role::Edge => "edge",
            Role::Operator => "operator",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = FieldError;
    fn from_str(s: &str) -> Result<Role, FieldError> {
        [Role::Officer, Role::Admin, Role::Reviewer, Role::Auditor, Role::Examiner, Role::Edge, Role::Operator]
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                FieldError::field(
                    "role",
                    format!("`{}` is not a role (officer, admin, reviewer, auditor, examiner, edge)", s.escape_debug()),
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_admins_write_records_and_only_auditors_verify() {
        for r in Role::TOKEN_ROLES {
            assert_eq!(r.may(Permission::WriteRecords), r == Role::Admin, "{r}");
            assert_eq!(r.may(Permission::VerifyAudit), r == Role::Auditor, "{r}");
            assert_eq!(r.may(Permission::ExamineBiometrics), r == Role::Examiner, "{r}");
            assert_eq!(r.may(Permission::PublishKeys), r == Role::Admin, "{r}");
            assert_eq!(r.may(Permission::ReviewDiffusions), r == Role::Reviewer, "{r}");
            let messages = matches!(r, Role::Officer | Role::Admin | Role::Reviewer);
            assert_eq!(r.may(Permission::ReadMessages), messages, "{r}");
            assert_eq!(r.may(Permission::SendMessages), messages, "{r}");
        }
        for p in [
            Permission::ReadRecords,
            Permission::WriteRecords,
            Permission::ReadAudit,
            Permission::VerifyAudit,
            Permission::ExamineBiometrics,
            Permission::ReadMessages,
            Permission::SendMessages,
            Permission::PublishKeys,
            Permission::ReviewDiffusions,
        ] {
            assert!(!Role::Edge.may(p), "an edge token reads nothing through the API's own routes");
        }
    }

    #[test]
    fn a_role_is_read_back_from_its_stored_name_and_no_other() {
        let names = ["officer", "admin", "reviewer", "auditor", "examiner", "edge", "operator"];
        let roles =
            [Role::Officer, Role::Admin, Role::Reviewer, Role::Auditor, Role::Examiner, Role::Edge, Role::Operator];
        for (name, role) in names.into_iter().zip(roles) {
            assert_eq!((role.as_str(), role.to_string()), (name, name.to_owned()));
            assert_eq!(name.parse::<Role>(), Ok(role));
        }
        let err = "Admin".parse::<Role>().expect_err("names are exact");
        assert_eq!(err.field, "role");
    }

    #[test]
    fn reviewer_tokens_belong_to_the_general_secretariat() {
        let fra = AgencyCode::parse("FRA").expect("FRA");
        assert!(Role::Reviewer.check_for_token(&fra).is_err());
        assert!(Role::Reviewer.check_for_token(&AgencyCode::GS).is_ok());
        assert!(Role::Operator.check_for_token(&AgencyCode::GS).is_err());
    }
}
