//! The retention clock: what is due for review, and extensions.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use tocsin_core::notice::NoticeId;
use tocsin_core::record::{Record, RecordId};
use tocsin_core::retention::ReviewItem;
use tocsin_store::{Extension, NoticeView, Page};

use crate::extract::{Caller, JsonBody, Path, Query, path_id};
use crate::{ApiError, AppState};

/// Paging of the review list.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReviewParams {
    /// The previous page's `next`.
    after: Option<String>,
    /// At most this many (1 to 1000, default 100).
    #[serde(default)]
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
    limit: tocsin_core::limits::PageLimit,
}

/// The caller's agency's records and notices within six months of their
/// review date, or past it and not yet archived, soonest first (admin
/// role). Each is extended with `POST …/extend` or left to expire: past its
/// date an item stops matching and is archived, never deleted.
#[utoipa::path(get, path = "/v1/reviews", tag = "records", params(ReviewParams), security(("bearer" = [])),
    responses((status = 200, body = Page<ReviewItem>), (status = 403, body = crate::ErrorBody)))]
pub(crate) async fn reviews(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Query(p): Query<ReviewParams>,
) -> Result<Json<Page<ReviewItem>>, ApiError> {
    Ok(Json(s.store.reviews(&actor, p.after, p.limit.get()).await?))
}

/// Extends a record's retention (its owner's admins): a written
/// `justification` is required and audited; the new review date is
/// `review_by`, or five years from today.
#[utoipa::path(post, path = "/v1/records/{id}/extend", tag = "records", params(("id" = String, Path, description = "Record id")),
    request_body = Extension, security(("bearer" = [])),
    responses((status = 200, body = Record), (status = 400, body = crate::ErrorBody), (status = 404, body = crate::ErrorBody),
        (status = 409, body = crate::ErrorBody)))]
pub(crate) async fn extend_record(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    JsonBody(ext): JsonBody<Extension>,
) -> Result<Json<Record>, ApiError> {
    Ok(Json(s.store.extend_record(&actor, path_id::<RecordId>(&id)?, ext).await?))
}

/// Extends an open notice's retention (its owner), as for a record.
#[utoipa::path(post, path = "/v1/notices/{id}/extend", tag = "notices", params(("id" = String, Path, description = "Notice id")),
    request_body = Extension, security(("bearer" = [])),
    responses((status = 200, body = NoticeView), (status = 400, body = crate::ErrorBody), (status = 404, body = crate::ErrorBody),
        (status = 409, body = crate::ErrorBody)))]
pub(crate) async fn extend_notice(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    JsonBody(ext): JsonBody<Extension>,
) -> Result<Json<NoticeView>, ApiError> {
    Ok(Json(s.store.extend_notice(&actor, path_id::<NoticeId>(&id)?, ext).await?))
}
