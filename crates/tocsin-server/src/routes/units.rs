//! National units: created, listed, suspended and resumed by an agency's
//! administrators (and the operator's CLI, `tocsin unit`).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use tocsin_core::unit::{UnitCode, UnitRights};
use tocsin_store::UnitInfo;

use crate::extract::{Caller, JsonBody, NoParams, Path, Query};
use crate::{ApiError, AppState};

/// A unit to create.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct UnitRequest {
    /// Its code within the agency (`PAF-CDG`).
    #[schema(value_type = String)]
    code: UnitCode,
    /// Its name.
    name: String,
    /// What it may do: a subset of the agency's rights.
    rights: UnitRights,
}

/// The caller's agency's national units, by code. Admin role.
#[utoipa::path(get, path = "/v1/units", tag = "system", security(("bearer" = [])),
    responses((status = 200, body = Vec<UnitInfo>), (status = 403, body = crate::ErrorBody)))]
pub(crate) async fn list_units(
    State(s): State<AppState>,
    Caller(actor): Caller,
    _: Query<NoParams>,
) -> Result<Json<Vec<UnitInfo>>, ApiError> {
    Ok(Json(s.store.units(&actor).await?))
}

/// Creates a national unit of the caller's agency; its tokens are issued
/// with `unit` in `POST /v1/tokens`. Admin role.
#[utoipa::path(post, path = "/v1/units", tag = "system", request_body = UnitRequest, security(("bearer" = [])),
    responses((status = 201, body = UnitInfo), (status = 400, body = crate::ErrorBody), (status = 409, body = crate::ErrorBody)))]
pub(crate) async fn add_unit(
    State(s): State<AppState>,
    Caller(actor): Caller,
    JsonBody(r): JsonBody<UnitRequest>,
) -> Result<(StatusCode, Json<UnitInfo>), ApiError> {
    Ok((StatusCode::CREATED, Json(s.store.add_unit(&actor, r.code, &r.name, r.rights).await?)))
}

/// Suspends (`suspend`) or resumes (`resume`) a unit: a suspended unit's
/// tokens are refused at once, on every node. Admin role.
#[utoipa::path(post, path = "/v1/units/{code}/{action}", tag = "system",
    params(("code" = String, Path, description = "Unit code"), ("action" = String, Path, description = "suspend or resume")),
    security(("bearer" = [])), responses((status = 200, body = UnitInfo), (status = 404, body = crate::ErrorBody)))]
pub(crate) async fn suspend_unit(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path((code, action)): Path<(String, String)>,
    _: Query<NoParams>,
) -> Result<Json<UnitInfo>, ApiError> {
    let suspend = match action.as_str() {
        "suspend" => true,
        "resume" => false,
        other => {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                format!("no action `{}` (suspend, resume)", other.escape_debug()),
            ));
        }
    };
    Ok(Json(s.store.suspend_unit(&actor, &code, suspend).await?))
}
