//! Watches: be told when anyone's screening matches a record or criteria.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use tocsin_core::watch::{Watch, WatchId};
use tocsin_store::WatchInput;

use crate::extract::{Caller, JsonBody, NoParams, Path, Query, path_id};
use crate::{ApiError, AppState};

/// Sets a watch for the caller's agency: `{"record_id": …}` on a record it
/// may see (404 otherwise), or `{"criteria": {…}}` with a screening
/// request's `name`, `birth_date`, `nationality`, `sex`, `document_number`,
/// `document_country` or `mrz`. Each later screening, by any agency, that
/// matches it sends the agency a `watch.match` event. A criteria watch's
/// event carries the screening, never a record.
#[utoipa::path(post, path = "/v1/watches", tag = "hits", request_body = WatchInput, security(("bearer" = [])),
    responses((status = 201, body = Watch), (status = 400, body = crate::ErrorBody), (status = 404, body = crate::ErrorBody)))]
pub(crate) async fn create_watch(
    State(s): State<AppState>,
    Caller(actor): Caller,
    JsonBody(input): JsonBody<WatchInput>,
) -> Result<(StatusCode, Json<Watch>), ApiError> {
    Ok((StatusCode::CREATED, Json(s.store.create_watch(&actor, input).await?)))
}

/// The caller's agency's watches, oldest first.
#[utoipa::path(get, path = "/v1/watches", tag = "hits", security(("bearer" = [])),
    responses((status = 200, body = Vec<Watch>)))]
pub(crate) async fn watches(
    State(s): State<AppState>,
    Caller(actor): Caller,
    _: Query<NoParams>,
) -> Result<Json<Vec<Watch>>, ApiError> {
    Ok(Json(s.store.watches(&actor).await?))
}

/// Removes one of the caller's agency's watches.
#[utoipa::path(delete, path = "/v1/watches/{id}", tag = "hits", params(("id" = String, Path, description = "Watch id")),
    security(("bearer" = [])),
    responses((status = 204), (status = 404, body = crate::ErrorBody)))]
pub(crate) async fn delete_watch(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    s.store.delete_watch(&actor, path_id::<WatchId>(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
