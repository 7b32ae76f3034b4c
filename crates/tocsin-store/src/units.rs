//! National units of an agency ([`tocsin_core::unit`]): created by the
//! agency's administrators with a subset of its rights, listed, suspended
//! and resumed. A suspension clears every node's memory of accepted tokens
//! (as a revocation does), so the unit's tokens are refused at once.

use serde::Serialize;
use time::OffsetDateTime;
use tocsin_bus::What;
use tocsin_core::auth::Role;
use tocsin_core::unit::{Unit, UnitCode, UnitRights};

use crate::backend::{Change, Effects, UnitRow};
use crate::store::label;
use crate::{Actor, Store, StoreError};

/// A unit as listed.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct UnitInfo {
    /// `AGENCY/CODE`.
    pub id: String,
    /// Its code within the agency.
    pub code: String,
    /// Its name.
    pub name: String,
    /// What it may do.
    pub rights: UnitRights,
    /// When it was created.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    /// When it was suspended, if it is.
    #[serde(with = "time::serde::rfc3339::option", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub suspended_at: Option<OffsetDateTime>,
}

fn rights_of(row: &UnitRow) -> Result<UnitRights, StoreError> {
    serde_json::from_str(&row.rights)
        .map_err(|e| StoreError::Corrupt(format!("unit {}/{} rights: {e}", row.agency, row.code)))
}

/// The unit a token carries, from its row.
pub(crate) fn unit_of(row: &UnitRow) -> Result<Unit, StoreError> {
    let code: UnitCode =
        row.code.parse().map_err(|_| StoreError::Corrupt(format!("unit code `{}`", row.code.escape_debug())))?;
    Ok(Unit { code, rights: rights_of(row)? })
}

fn info(row: &UnitRow) -> Result<UnitInfo, StoreError> {
    Ok(UnitInfo {
        id: format!("{}/{}", row.agency, row.code),
        code: row.code.clone(),
        name: row.name.clone(),
        rights: rights_of(row)?,
        created_at: row.created_at,
        suspended_at: row.suspended_at,
    })
}

/// Only the agency's administrators (not in a unit themselves) and the
/// operator manage its units.
fn manages_units(actor: &Actor) -> Result<(), StoreError> {
    match (actor.role, &actor.unit) {
        (Role::Admin | Role::Operator, None) => Ok(()),
        _ => Err(StoreError::Forbidden(format!("only {}'s administrators manage its national units", actor.agency))),
    }
}

impl Store {
    /// Creates a national unit of the actor's agency (`unit.create`).
    pub async fn add_unit(
        &self,
        actor: &Actor,
        code: UnitCode,
        name: &str,
        rights: UnitRights,
    ) -> Result<UnitInfo, StoreError> {
        let objects = vec![format!("unit:{}/{code}", actor.agency)];
        let result = async {
            manages_units(actor)?;
            self.writable()?;
            let name = label("name", name)?;
            if rights.write_records && !rights.handling_instructions {
                return Err(tocsin_core::FieldError::field(
                    "rights.handling_instructions",
                    "a unit that writes records sees them whole: grant handling_instructions too",
                )
                .into());
            }
            if rights.clearance > actor.viewer().clearance {
                return Err(StoreError::Forbidden(format!(
                    "rights.clearance: {} is above your own ({}): a unit is cleared for at most what its creator reads",
                    rights.clearance,
                    actor.viewer().clearance
                )));
            }
            if self.backend.agency(&actor.agency).await?.is_none() {
                return Err(StoreError::NotFound(format!("agency {} (add it with `tocsin agency add`)", actor.agency)));
            }
            let text = serde_json::to_string(&rights).map_err(|e| StoreError::Internal(format!("unit rights: {e}")))?;
            let row = UnitRow {
                agency: actor.agency,
                code: code.to_string(),
                name,
                rights: text,
                created_at: OffsetDateTime::now_utc(),
                suspended_at: None,
            };
            self.commit_logged(actor, "unit.create", objects.clone(), Change::Unit(row.clone()), Effects::default())
                .await?;
            info(&row)
        }
        .await;
        self.audited_failure(actor, "unit.create", objects, result).await
    }

    /// The actor's agency's units (`unit.list`).
    pub async fn units(&self, actor: &Actor) -> Result<Vec<UnitInfo>, StoreError> {
        let result = async {
            manages_units(actor)?;
            self.backend.units(&actor.agency).await?.iter().map(info).collect::<Result<Vec<_>, _>>()
        }
        .await;
        self.audited(actor, "unit.list", vec![], result).await
    }

    /// Suspends a unit of the actor's agency (its tokens are refused at
    /// once, on every node) or resumes it (`unit.suspend`, `unit.resume`).
    pub async fn suspend_unit(&self, actor: &Actor, code: &str, suspend: bool) -> Result<UnitInfo, StoreError> {
        let action = if suspend { "unit.suspend" } else { "unit.resume" };
        let objects = vec![format!("unit:{}/{}", actor.agency, code.escape_debug())];
        let result = async {
            manages_units(actor)?;
            self.writable()?;
            let missing = || StoreError::NotFound(format!("unit {}/{}", actor.agency, code.escape_debug()));
            let current = self.backend.unit(&actor.agency, code).await?.ok_or_else(missing)?;
            if current.suspended_at.is_some() == suspend {
                return info(&current);
            }
            let at = suspend.then(OffsetDateTime::now_utc);
            let change = Change::UnitSuspension { agency: actor.agency, code: current.code.clone(), at };
            let intent = self.intend(|| vec![What::Tokens]).await?;
            let written = self.commit_logged(actor, action, objects.clone(), change, Effects::default()).await;
            self.settle(&intent, written.map(drop)).await?;
            self.forget_tokens();
            self.announce(intent).await;
            let row = self.backend.unit(&actor.agency, code).await?.ok_or_else(missing)?;
            info(&row)
        }
        .await;
        self.audited_failure(actor, action, objects, result).await
    }
}
