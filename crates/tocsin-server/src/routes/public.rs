//! The public extract of red and yellow notices: no authentication.

use axum::Json;
use axum::extract::State;
use tocsin_core::public::PublicQuery;
use tocsin_store::PublicPage;

use crate::extract::Query;
use crate::{ApiError, AppState};

/// Red and yellow notices their owners made public, newest first: name,
/// forename, birth date, nationalities and sex; the charges of a red
/// notice; the date and place of a yellow notice's disappearance; the
/// `entity_id` (`YYYY/NNNNN`). Nothing else ever appears. Filters as on
/// INTERPOL's public API; a bad one answers 400 naming it.
#[utoipa::path(get, path = "/v1/public/notices", tag = "notices", params(PublicQuery),
    responses((status = 200, body = PublicPage), (status = 400, body = crate::ErrorBody)))]
pub(crate) async fn public_notices(
    State(s): State<AppState>,
    Query(q): Query<PublicQuery>,
) -> Result<Json<PublicPage>, ApiError> {
    Ok(Json(s.store.public_notices(&q).await?))
}
