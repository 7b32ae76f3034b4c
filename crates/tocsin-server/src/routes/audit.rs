//! The audit log: reading entries and verifying the chain.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use tocsin_store::{AuditView, Verification};

use crate::extract::{Caller, NoParams, Path, Query};
use crate::{ApiError, AppState};

/// Paging through the audit log.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct AuditParams {
    /// Entries after this sequence number (default 0).
    #[serde(default)]
    after: u64,
    /// At most this many (1 to 1000, default 100).
    #[serde(default)]
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
    limit: tocsin_core::limits::PageLimit,
}

/// Audit entries: the whole log for the General Secretariat's auditors and
/// admins, the agency's own users' entries for anyone else.
#[utoipa::path(get, path = "/v1/audit", tag = "audit", params(AuditParams), security(("bearer" = [])),
    responses((status = 200, body = Vec<AuditView>), (status = 401, body = crate::ErrorBody), (status = 403, body = crate::ErrorBody)))]
pub(crate) async fn entries(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Query(p): Query<AuditParams>,
) -> Result<Json<Vec<AuditView>>, ApiError> {
    Ok(Json(s.store.audit_entries(&actor, None, p.after, p.limit.get()).await?))
}

/// Audit entries about one record the caller may see (404 otherwise): every
/// agency's for the owner's admins and auditors, the caller's agency's own
/// for anyone else.
#[utoipa::path(get, path = "/v1/records/{id}/audit", tag = "audit", params(("id" = String, Path, description = "Record id"), AuditParams),
    security(("bearer" = [])),
    responses((status = 200, body = Vec<AuditView>), (status = 404, body = crate::ErrorBody)))]
pub(crate) async fn record_audit(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    Query(p): Query<AuditParams>,
) -> Result<Json<Vec<AuditView>>, ApiError> {
    let id = super::records::record_id(&id)?;
    Ok(Json(s.store.audit_entries(&actor, Some(id), p.after, p.limit.get()).await?))
}

/// Verifies the whole hash chain; names the first broken entry.
#[utoipa::path(get, path = "/v1/audit/verify", tag = "audit", security(("bearer" = [])),
    responses((status = 200, body = Verification), (status = 403, body = crate::ErrorBody)))]
pub(crate) async fn verify(
    State(s): State<AppState>,
    Caller(actor): Caller,
    _: Query<NoParams>,
) -> Result<Json<Verification>, ApiError> {
    Ok(Json(s.store.verify_audit(&actor).await?))
}
