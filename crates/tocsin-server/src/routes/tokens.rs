//! API tokens: issued, listed and revoked by an agency's administrators
//! (the General Secretariat's for every agency) and the operator's CLI.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use tocsin_core::AgencyCode;
use tocsin_store::{Issued, TokenInfo, TokenRequest};

use crate::extract::{Caller, JsonBody, NoParams, Path, Query, query_error};
use crate::{ApiError, AppState};

/// Whose tokens.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct TokenParams {
    /// Only this agency's (the General Secretariat's administrators; an
    /// agency's administrators see their own agency's only).
    agency: Option<String>,
}

/// The tokens the caller manages, oldest first: each with its agency, role,
/// user, status (`active`, `expired`, `revoked`), creation, expiry and last
/// use (to the minute); never a secret. Admin role.
#[utoipa::path(get, path = "/v1/tokens", tag = "system", params(TokenParams), security(("bearer" = [])),
    responses((status = 200, body = Vec<TokenInfo>), (status = 403, body = crate::ErrorBody)))]
pub(crate) async fn list_tokens(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Query(p): Query<TokenParams>,
) -> Result<Json<Vec<TokenInfo>>, ApiError> {
    let agency =
        p.agency.as_deref().map(AgencyCode::parse).transpose().map_err(|e| query_error("agency")(e.message))?;
    Ok(Json(s.store.list_tokens(&actor, agency).await?))
}

/// Issues a token for the caller's agency (or, for the General
/// Secretariat's administrators, any agency). Its secret is in this answer
/// and nowhere else: the store keeps a digest. Admin role.
#[utoipa::path(post, path = "/v1/tokens", tag = "system", request_body = TokenRequest, security(("bearer" = [])),
    responses((status = 201, body = Issued), (status = 400, body = crate::ErrorBody), (status = 403, body = crate::ErrorBody)))]
pub(crate) async fn issue_token(
    State(s): State<AppState>,
    Caller(actor): Caller,
    JsonBody(request): JsonBody<TokenRequest>,
) -> Result<(StatusCode, Json<Issued>), ApiError> {
    Ok((StatusCode::CREATED, Json(s.store.issue_token(&actor, request).await?)))
}

/// Revokes a token: refused from then on, on every node of a cluster, its
/// open event streams included. Revoking it again changes nothing. A token
/// the caller does not manage answers 404. Admin role.
#[utoipa::path(post, path = "/v1/tokens/{id}/revoke", tag = "system", params(("id" = String, Path, description = "Token id")),
    security(("bearer" = [])), responses((status = 200, body = TokenInfo), (status = 404, body = crate::ErrorBody)))]
pub(crate) async fn revoke_token(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    _: Query<NoParams>,
) -> Result<Json<TokenInfo>, ApiError> {
    Ok(Json(s.store.revoke_token(&actor, &id).await?))
}
