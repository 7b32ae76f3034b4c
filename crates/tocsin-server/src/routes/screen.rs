//! Screening: one query, or a batch of them (a flight manifest). The work
//! is in [`crate::screening`], shared with the command line.

use axum::Json;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use serde::Deserialize;
use tocsin_manifest::batch::Format;
use tocsin_match::request::Request as ScreenRequest;

use crate::extract::{Caller, JsonBody, Query, body_bytes};
use crate::screening::{self, BatchOptions, BatchResponse, ScreenResponse};
use crate::{ApiError, AppState};

/// Screens a person, organization or document against every record the
/// caller's agency may see. At least one of `name`, `document_number` and
/// `mrz`. A person's query (with a birth date, a sex or an MRZ) screens
/// people and travel documents unless `kinds` says otherwise. The search is
/// audited with its `purpose` and `location`.
#[utoipa::path(post, path = "/v1/screen", tag = "screening", request_body = ScreenRequest, security(("bearer" = [])),
    responses((status = 200, body = ScreenResponse), (status = 400, body = crate::ErrorBody), (status = 403, body = crate::ErrorBody)))]
pub(crate) async fn screen(
    State(s): State<AppState>,
    Caller(actor): Caller,
    JsonBody(req): JsonBody<ScreenRequest>,
) -> Result<Json<ScreenResponse>, ApiError> {
    Ok(Json(screening::screen(&s.store, &actor, req).await?))
}

/// How to screen a batch.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct BatchParams {
    /// `true`: answer only the travellers that made a hit (and the errors).
    #[serde(default)]
    hits_only: bool,
    /// Where, for lines that do not say (default for a PAXLST manifest:
    /// its flight, number, route and times).
    location: Option<String>,
    /// Why, for lines that do not say (default for a PAXLST manifest:
    /// `advance_passenger_information`).
    purpose: Option<String>,
}

/// Screens a batch, such as a flight's manifest: JSON lines (one screening
/// request per line), CSV with a header naming the request's fields, or a
/// UN/EDIFACT PAXLST interchange (Advance Passenger Information), chosen by
/// `Content-Type` (`application/x-ndjson`, `text/csv`,
/// `application/edifact`) or, when it says nothing, detected; 415 for any
/// other type. A line may carry a `ref`, a PAXLST traveller carries its
/// own, and each answer gives it back. At most 1,000 lines or travellers
/// (413 beyond). A bad line is answered with its error and does not stop
/// the others. A PAXLST manifest's flight is the screening's location, in
/// the audit log and on the hits it makes.
#[utoipa::path(post, path = "/v1/screen/batch", tag = "screening", params(BatchParams), security(("bearer" = [])),
    request_body(content = String, content_type = "application/x-ndjson", description = "JSON lines, CSV (text/csv) or PAXLST (application/edifact)"),
    responses((status = 200, body = BatchResponse), (status = 400, body = crate::ErrorBody),
        (status = 413, body = crate::ErrorBody), (status = 415, body = crate::ErrorBody)))]
pub(crate) async fn batch(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Query(params): Query<BatchParams>,
    req: Request,
) -> Result<Json<BatchResponse>, ApiError> {
    let content_type = req.headers().get(CONTENT_TYPE).map(|v| v.to_str().unwrap_or("(not text)").to_owned());
    let named = Format::from_media_type(content_type.as_deref())
        .map_err(|m| ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", m))?;
    let bytes = body_bytes(req, &()).await?;
    let format = match named.or_else(|| Format::detect(&bytes)) {
        Some(f) => f,
        None => return Err(ApiError::new(StatusCode::BAD_REQUEST, "empty_batch", "the batch is empty")),
    };
    let options = BatchOptions { hits_only: params.hits_only, location: params.location, purpose: params.purpose };
    Ok(Json(screening::batch(&s.store, &actor, format, &bytes, options).await?))
}
