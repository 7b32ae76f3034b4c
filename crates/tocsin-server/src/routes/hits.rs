//! Hits: the owner's and the searcher's inboxes.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use tocsin_core::hit::{Hit, HitId, HitMessage, HitStatus, Side};
use tocsin_store::{HitQuery, Page};

use crate::extract::{Caller, JsonBody, NoParams, Path, Query, path_id, query_time, query_value};
use crate::{ApiError, AppState};

/// Filters and paging for the hit list.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct HitParams {
    /// `owner`: hits on the caller's records; `searcher`: hits the caller's
    /// screenings made. Both when absent.
    role: Option<Side>,
    /// Only this status.
    status: Option<String>,
    /// Only hits made at or after this time (RFC 3339).
    since: Option<String>,
    /// The previous page's `next`.
    before: Option<String>,
    /// At most this many (1 to 1000, default 100).
    #[serde(default)]
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
    limit: tocsin_core::limits::PageLimit,
}

/// Hits the caller's agency may see, newest first: those on its records
/// (silent ones included) and those its screenings made (silent ones never).
#[utoipa::path(get, path = "/v1/hits", tag = "hits", params(HitParams), security(("bearer" = [])),
    responses((status = 200, body = Page<Hit>), (status = 400, body = crate::ErrorBody)))]
pub(crate) async fn hits(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Query(p): Query<HitParams>,
) -> Result<Json<Page<Hit>>, ApiError> {
    let status: Option<HitStatus> = query_value("status", p.status.as_deref())?;
    let since = query_time("since", p.since.as_deref())?;
    let before = query_value("before", p.before.as_deref())?;
    let query = HitQuery { role: p.role, status, since, before, limit: p.limit.get() };
    Ok(Json(s.store.hits(&actor, query).await?))
}

/// One hit, if the caller's agency may see it; 404 otherwise.
#[utoipa::path(get, path = "/v1/hits/{id}", tag = "hits", params(("id" = String, Path, description = "Hit id")),
    security(("bearer" = [])), responses((status = 200, body = Hit), (status = 404, body = crate::ErrorBody)))]
pub(crate) async fn hit(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    _: Query<NoParams>,
) -> Result<Json<Hit>, ApiError> {
    Ok(Json(s.store.hit(&actor, path_id::<HitId>(&id)?).await?))
}

/// A move along the hit workflow.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct StatusChange {
    /// The status to move to.
    status: HitStatus,
}

/// Moves a hit along `new → acknowledged → confirmed | false_positive →
/// action_taken → closed`. The owner acknowledges; either side confirms or
/// marks a false positive; the searcher reports the action taken; the owner
/// closes. On a silent hit the owner makes every move. Any other move answers
/// 409 naming the moves the caller may make.
#[utoipa::path(post, path = "/v1/hits/{id}/status", tag = "hits", params(("id" = String, Path, description = "Hit id")),
    request_body = StatusChange, security(("bearer" = [])),
    responses((status = 200, body = Hit), (status = 404, body = crate::ErrorBody), (status = 409, body = crate::ErrorBody)))]
pub(crate) async fn hit_status(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    JsonBody(change): JsonBody<StatusChange>,
) -> Result<Json<Hit>, ApiError> {
    Ok(Json(s.store.set_hit_status(&actor, path_id::<HitId>(&id)?, change.status).await?))
}

/// A message to the other agency of a hit.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewMessage {
    /// The text, at most 4,000 characters (413 beyond).
    text: String,
}

/// Sends a message on a hit to the other agency.
#[utoipa::path(post, path = "/v1/hits/{id}/messages", tag = "hits", params(("id" = String, Path, description = "Hit id")),
    request_body = NewMessage, security(("bearer" = [])),
    responses((status = 201, body = HitMessage), (status = 404, body = crate::ErrorBody), (status = 413, body = crate::ErrorBody)))]
pub(crate) async fn post_message(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    JsonBody(message): JsonBody<NewMessage>,
) -> Result<(StatusCode, Json<HitMessage>), ApiError> {
    Ok((StatusCode::CREATED, Json(s.store.post_hit_message(&actor, path_id::<HitId>(&id)?, message.text).await?)))
}

/// The messages on a hit, oldest first.
#[utoipa::path(get, path = "/v1/hits/{id}/messages", tag = "hits", params(("id" = String, Path, description = "Hit id")),
    security(("bearer" = [])), responses((status = 200, body = Vec<HitMessage>), (status = 404, body = crate::ErrorBody)))]
pub(crate) async fn messages(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    _: Query<NoParams>,
) -> Result<Json<Vec<HitMessage>>, ApiError> {
    Ok(Json(s.store.hit_messages(&actor, path_id::<HitId>(&id)?).await?))
}
