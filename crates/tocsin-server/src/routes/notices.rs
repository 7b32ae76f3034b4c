//! Notices: requests by their owner, review by the General Secretariat.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use tocsin_core::notice::{NoticeId, NoticeStatus};
use tocsin_store::{NoticeInput, NoticeQuery, NoticeView, Page};

use crate::extract::{Caller, JsonBody, NoParams, Path, Query, parse_json, path_id, query_value};
use crate::{ApiError, AppState};

/// Filters and paging for the notice list.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct NoticeParams {
    /// Only in this status; `submitted` is the reviewers' queue.
    status: Option<String>,
    /// The previous page's `next`.
    after: Option<String>,
    /// At most this many (1 to 1000, default 100).
    #[serde(default)]
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
    limit: tocsin_core::limits::PageLimit,
}

/// Creates a draft notice on the caller's agency's records (admin role).
/// The `content` fields each type requires are checked: a request missing
/// any answers 422 naming all of them.
#[utoipa::path(post, path = "/v1/notices", tag = "notices", request_body = NoticeInput, security(("bearer" = [])),
    responses((status = 201, body = NoticeView), (status = 400, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)))]
pub(crate) async fn create_notice(
    State(s): State<AppState>,
    Caller(actor): Caller,
    JsonBody(input): JsonBody<NoticeInput>,
) -> Result<(StatusCode, Json<NoticeView>), ApiError> {
    Ok((StatusCode::CREATED, Json(s.store.create_notice(&actor, input).await?)))
}

/// Notices the caller may read, oldest first: its own; for a reviewer,
/// every notice past draft (`?status=submitted` is the review queue, with
/// neutrality `warnings`); for others, published notices on records they
/// may see.
#[utoipa::path(get, path = "/v1/notices", tag = "notices", params(NoticeParams), security(("bearer" = [])),
    responses((status = 200, body = Page<NoticeView>), (status = 400, body = crate::ErrorBody)))]
pub(crate) async fn notices(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Query(p): Query<NoticeParams>,
) -> Result<Json<Page<NoticeView>>, ApiError> {
    let status = query_value("status", p.status.as_deref())?;
    let after = query_value("after", p.after.as_deref())?;
    let query = NoticeQuery { status, after, limit: p.limit.get() };
    Ok(Json(s.store.notices(&actor, query).await?))
}

/// One notice the caller may read; 404 otherwise.
#[utoipa::path(get, path = "/v1/notices/{id}", tag = "notices", params(("id" = String, Path, description = "Notice id")),
    security(("bearer" = [])), responses((status = 200, body = NoticeView), (status = 404, body = crate::ErrorBody)))]
pub(crate) async fn notice(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    _: Query<NoParams>,
) -> Result<Json<NoticeView>, ApiError> {
    Ok(Json(s.store.notice(&actor, path_id::<NoticeId>(&id)?).await?))
}

/// Changes a draft or rejected notice (its owner, with the `version` last
/// read); a rejected notice returns to draft.
#[utoipa::path(put, path = "/v1/notices/{id}", tag = "notices", params(("id" = String, Path, description = "Notice id")),
    request_body = NoticeInput, security(("bearer" = [])),
    responses((status = 200, body = NoticeView), (status = 409, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)))]
pub(crate) async fn update_notice(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<NoticeInput>,
) -> Result<Json<NoticeView>, ApiError> {
    Ok(Json(s.store.update_notice(&actor, path_id::<NoticeId>(&id)?, input).await?))
}

/// Why a notice moves.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Reason {
    /// Required to publish, reject and cancel.
    reason: Option<String>,
}

/// Moves a notice: `submit` (owner), `publish` and `reject` (a reviewer of
/// the General Secretariat, with a reason), `cancel` (owner, with a reason).
/// Any other move answers 409 naming the moves the caller may make.
#[utoipa::path(post, path = "/v1/notices/{id}/{action}", tag = "notices",
    params(("id" = String, Path, description = "Notice id"), ("action" = String, Path, description = "submit, publish, reject or cancel")),
    request_body(content = Option<Reason>), security(("bearer" = [])),
    responses((status = 200, body = NoticeView), (status = 400, body = crate::ErrorBody), (status = 404, body = crate::ErrorBody), (status = 409, body = crate::ErrorBody)))]
pub(crate) async fn move_notice(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path((id, action)): Path<(String, String)>,
    body: Bytes,
) -> Result<Json<NoticeView>, ApiError> {
    let to = match action.as_str() {
        "submit" => NoticeStatus::Submitted,
        "publish" => NoticeStatus::Published,
        "reject" => NoticeStatus::Rejected,
        "cancel" => NoticeStatus::Cancelled,
        _ => return Err(crate::routes::not_found().await),
    };
    let reason = match body.iter().all(u8::is_ascii_whitespace) {
        true => Reason::default(),
        false => parse_json::<Reason>(&body)?,
    };
    Ok(Json(s.store.move_notice(&actor, path_id::<NoticeId>(&id)?, to, reason.reason).await?))
}

/// Whether a notice's public extract is served.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Publicity {
    /// Serve the public extract (red and yellow notices only).
    public: bool,
    /// The version last read.
    version: Option<u64>,
}

/// Makes a red or yellow notice's public extract available, or withdraws
/// it (its owner, with the `version` last read). It is served by
/// `GET /v1/public/notices` while the notice is published.
#[utoipa::path(post, path = "/v1/notices/{id}/public", tag = "notices", params(("id" = String, Path, description = "Notice id")),
    request_body = Publicity, security(("bearer" = [])),
    responses((status = 200, body = NoticeView), (status = 400, body = crate::ErrorBody), (status = 404, body = crate::ErrorBody),
        (status = 409, body = crate::ErrorBody)))]
pub(crate) async fn set_public(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    JsonBody(p): JsonBody<Publicity>,
) -> Result<Json<NoticeView>, ApiError> {
    Ok(Json(s.store.set_notice_public(&actor, path_id::<NoticeId>(&id)?, p.public, p.version).await?))
}
