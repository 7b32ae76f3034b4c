//! `POST /v1/imports`: a published list, streamed as the request body.

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use futures::TryStreamExt;
use serde::Deserialize;
use tocsin_lists::Format;
use tocsin_store::ImportReport;

use crate::extract::{Caller, Query};
use crate::{ApiError, AppState};

/// Which list the body holds.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct ImportParams {
    /// `un-sanctions`, `ofac-sdn` (sdn.csv alone), `interpol-notices` or `ftm`.
    format: String,
}

/// Imports a list for the caller's agency (admin role): the body is the
/// file, read as it arrives and never held whole. The list's records are
/// added, updated, re-listed or de-listed (archived) to match it, in one
/// transaction; a file that does not parse changes nothing (400 naming the
/// position). The body may be up to 256 MiB.
#[utoipa::path(post, path = "/v1/imports", tag = "records", params(ImportParams), security(("bearer" = [])),
    request_body(content = String, description = "The list file (XML, CSV, JSON or JSON lines)", content_type = "application/octet-stream"),
    responses((status = 200, body = ImportReport), (status = 400, body = crate::ErrorBody), (status = 403, body = crate::ErrorBody),
        (status = 413, body = crate::ErrorBody)))]
pub(crate) async fn import(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Query(params): Query<ImportParams>,
    body: Body,
) -> Result<Json<ImportReport>, ApiError> {
    let format: Format = params.format.parse().map_err(|m| ApiError::field("invalid_query", "format", m))?;
    let file = body.into_data_stream().map_err(std::io::Error::other);
    Ok(Json(crate::importing::import(&s.store, &actor, format, file).await?))
}
