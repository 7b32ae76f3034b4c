//! A list import as a service, the same for `POST /v1/imports` and the
//! console's upload: the file is read as it arrives (never held whole),
//! parsed on a blocking thread, and imported in one transaction; a file that
//! does not parse, or is over [`IMPORT_BODY_LIMIT`], changes nothing.

use std::io::BufReader;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use axum::body::Bytes;
use axum::http::StatusCode;
use futures::{Stream, StreamExt};
use tocsin_lists::Format;
use tocsin_store::{Actor, ImportReport, Store};
use tokio_util::io::{StreamReader, SyncIoBridge};

use crate::{ApiError, IMPORT_BODY_LIMIT};

/// Imports `file`, a `format` list, for the actor's agency (admin role).
pub async fn import(
    store: &Store,
    actor: &Actor,
    format: Format,
    file: impl Stream<Item = Result<Bytes, std::io::Error>> + Send + Unpin + 'static,
) -> Result<ImportReport, ApiError> {
    store.may_import(actor, format.as_str()).await?;
    let read = Arc::new(AtomicU64::new(0));
    let too_big = Arc::new(AtomicBool::new(false));
    let (counter, flag) = (read.clone(), too_big.clone());
    let stream = file.map(move |chunk| {
        let chunk = chunk?;
        let total = counter.fetch_add(chunk.len() as u64, Ordering::Relaxed) + chunk.len() as u64;
        if total > IMPORT_BODY_LIMIT as u64 {
            flag.store(true, Ordering::Relaxed);
            return Err(std::io::Error::other("the upload is over the limit"));
        }
        Ok(chunk)
    });
    let reader = SyncIoBridge::new(StreamReader::new(stream));
    let today = store.today();
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
    Ok(store.import_list(actor, format.as_str(), parsed).await?)
}
