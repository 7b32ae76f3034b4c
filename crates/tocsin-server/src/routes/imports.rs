//! `POST /v1/imports`: a published list, streamed as the request body.

use std::io::BufReader;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::StatusCode;
use futures::{StreamExt, TryStreamExt};
use serde::Deserialize;
use tocsin_lists::Format;
use tocsin_store::ImportReport;
use tokio_util::io::{StreamReader, SyncIoBridge};

use crate::extract::{Caller, Query};
use crate::{ApiError, AppState, IMPORT_BODY_LIMIT};

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
    s.store.may_import(&actor, format.as_str()).await?;
    let read = Arc::new(AtomicU64::new(0));
    let too_big = Arc::new(AtomicBool::new(false));
    let (counter, flag) = (read.clone(), too_big.clone());
    let stream = body.into_data_stream().map_err(std::io::Error::other).map(move |chunk| {
        let chunk = chunk?;
        let total = counter.fetch_add(chunk.len() as u64, Ordering::Relaxed) + chunk.len() as u64;
        if total > IMPORT_BODY_LIMIT as u64 {
            flag.store(true, Ordering::Relaxed);
            return Err(std::io::Error::other("the upload is over the limit"));
        }
        Ok(chunk)
    });
    let reader = SyncIoBridge::new(StreamReader::new(stream));
    let today = s.store.today();
    let parsed = tokio::task::spawn_blocking(move || tocsin_lists::parse(format, BufReader::new(reader), today))
        .await
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", format!("the parser failed: {e}")))?;
    if too_big.load(Ordering::Relaxed) {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!("the upload is over {IMPORT_BODY_LIMIT} bytes; nothing was imported"),
        ));
    }
    let parsed = parsed.map_err(|e| {
        ApiError::field(
            "invalid_list",
            "body",
            format!("{e} (after {} bytes); nothing was imported", read.load(Ordering::Relaxed)),
        )
    })?;
    Ok(Json(s.store.import_list(&actor, format.as_str(), parsed).await?))
}
