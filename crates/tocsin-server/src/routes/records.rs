//! Records: create, read, update, archive, list, export and bulk create.

use std::str::FromStr;
use std::sync::Arc;

use axum::Json;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use futures::stream;
use serde::{Deserialize, Serialize};
use tocsin_core::AgencyCode;
use tocsin_core::record::{Kind, Record, RecordData, RecordId, RecordInput};
use tocsin_store::{Actor, ListQuery, Page, Store};

use crate::error::LineError;
use crate::extract::{Caller, JsonBody, NoParams, Path, Query, body_bytes, json_lines, parse_json, path_id};
use crate::{ApiError, AppState, BULK_LINES};

/// Parses a record id from the path.
pub(crate) fn record_id(s: &str) -> Result<RecordId, ApiError> {
    path_id(s)
}

/// Creates a record owned by the caller's agency (admin role).
#[utoipa::path(post, path = "/v1/records", tag = "records", request_body = RecordInput, security(("bearer" = [])),
    responses((status = 201, body = Record), (status = 400, body = crate::ErrorBody), (status = 403, body = crate::ErrorBody),
        (status = 413, body = crate::ErrorBody)))]
pub(crate) async fn create(
    State(s): State<AppState>,
    Caller(actor): Caller,
    JsonBody(input): JsonBody<RecordInput>,
) -> Result<(StatusCode, Json<Record>), ApiError> {
    Ok((StatusCode::CREATED, Json(s.store.create_record(&actor, input).await?)))
}

/// One record, if the caller's agency may see it. A record hidden by its
/// access rule answers 404, exactly like one that does not exist.
#[utoipa::path(get, path = "/v1/records/{id}", tag = "records", params(("id" = String, Path, description = "Record id")),
    security(("bearer" = [])), responses((status = 200, body = Record), (status = 404, body = crate::ErrorBody)))]
pub(crate) async fn read(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    _: Query<NoParams>,
) -> Result<Json<Record>, ApiError> {
    Ok(Json(s.store.get_record(&actor, record_id(&id)?).await?))
}

/// Replaces a record's data (its owner's admins only). The body is a full
/// record with `version` set to the version last read; a stale version
/// answers 409 with the current one.
#[utoipa::path(put, path = "/v1/records/{id}", tag = "records", params(("id" = String, Path, description = "Record id")),
    request_body = RecordInput, security(("bearer" = [])),
    responses((status = 200, body = Record), (status = 400, body = crate::ErrorBody), (status = 403, body = crate::ErrorBody),
        (status = 404, body = crate::ErrorBody), (status = 409, body = crate::ErrorBody)))]
pub(crate) async fn update(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<RecordInput>,
) -> Result<Json<Record>, ApiError> {
    let id = record_id(&id)?;
    Ok(Json(s.store.update_record(&actor, id, input).await?))
}

/// The version check on archive.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct ArchiveParams {
    /// Required: the version last read; a stale one answers 409, a missing
    /// one 400 naming `version`.
    #[param(required = true)]
    version: Option<u64>,
}

/// Archives a record (its owner's admins only). Nothing is deleted: the
/// record stops being shared and stays for audit.
#[utoipa::path(delete, path = "/v1/records/{id}", tag = "records", params(("id" = String, Path, description = "Record id"), ArchiveParams),
    security(("bearer" = [])),
    responses((status = 200, body = Record), (status = 400, body = crate::ErrorBody), (status = 403, body = crate::ErrorBody),
        (status = 404, body = crate::ErrorBody), (status = 409, body = crate::ErrorBody)))]
pub(crate) async fn archive(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    Query(p): Query<ArchiveParams>,
) -> Result<Json<Record>, ApiError> {
    let id = record_id(&id)?;
    Ok(Json(s.store.archive_record(&actor, id, p.version).await?))
}

/// Filters and paging for listing records.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListParams {
    /// The previous page's `next`.
    after: Option<String>,
    /// At most this many (1 to 1000, default 100).
    #[serde(default)]
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
    limit: tocsin_core::limits::PageLimit,
    /// Only this kind.
    kind: Option<Kind>,
    /// Only this owner's records.
    owner: Option<String>,
    /// Include archived records (only the owner sees its own).
    #[serde(default)]
    include_archived: bool,
}

impl ListParams {
    fn query(&self) -> Result<ListQuery, ApiError> {
        let after = self.after.as_deref().map(RecordId::from_str).transpose();
        let after = after.map_err(|e| ApiError::field("invalid_query", "after", format!("after: {e}")))?;
        let owner = self.owner.as_deref().map(AgencyCode::parse).transpose();
        let owner = owner.map_err(|e| ApiError::field("invalid_query", "owner", format!("owner: {e}")))?;
        Ok(ListQuery {
            after,
            limit: self.limit.get(),
            kind: self.kind,
            owner,
            include_archived: self.include_archived,
        })
    }
}

/// Records the caller's agency may see, in id order, a page at a time.
#[utoipa::path(get, path = "/v1/records", tag = "records", params(ListParams), security(("bearer" = [])),
    responses((status = 200, body = Page<Record>), (status = 400, body = crate::ErrorBody)))]
pub(crate) async fn list(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Query(p): Query<ListParams>,
) -> Result<Json<Page<Record>>, ApiError> {
    Ok(Json(s.store.list_records(&actor, &p.query()?, "record.list").await?))
}

/// Every record the caller's agency may see, as JSON lines, streamed.
#[utoipa::path(get, path = "/v1/records/export", tag = "records", params(ListParams), security(("bearer" = [])),
    responses((status = 200, description = "One record per line", content_type = "application/x-ndjson")))]
pub(crate) async fn export(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Query(p): Query<ListParams>,
) -> Result<Response, ApiError> {
    let mut query = p.query()?;
    query.limit = tocsin_store::MAX_PAGE;
    // The first page is read before answering, so a refusal (role) gets a
    // proper status rather than a broken stream.
    let first = s.store.list_records(&actor, &query, "record.export").await?;
    let pages = stream::unfold(Some((s.store.clone(), actor, query, Some(first))), next_export_chunk);
    let body = Body::from_stream(pages);
    Ok(([(CONTENT_TYPE, "application/x-ndjson")], body).into_response())
}

type ExportState = Option<(Arc<Store>, Actor, ListQuery, Option<Page<Record>>)>;

async fn next_export_chunk(state: ExportState) -> Option<(Result<Vec<u8>, std::io::Error>, ExportState)> {
    let (store, actor, mut query, page) = state?;
    let page = match page {
        Some(p) => Ok(p),
        None => store.list_records(&actor, &query, "record.export").await,
    };
    match page {
        Ok(page) => {
            let mut out = Vec::new();
            for r in &page.items {
                if serde_json::to_writer(&mut out, r).is_ok() {
                    out.push(b'\n');
                }
            }
            let rest = page.next.and_then(|n| RecordId::from_str(&n).ok()).map(|after| {
                query.after = Some(after);
                (store, actor, query, None)
            });
            Some((Ok(out), rest))
        }
        Err(e) => {
            tracing::error!(error = %e, "export stopped");
            Some((Err(std::io::Error::other(e.to_string())), None))
        }
    }
}

/// What a bulk create made.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct BulkCreated {
    /// How many records were created.
    created: usize,
    /// Their ids, in line order.
    ids: Vec<RecordId>,
}

/// Creates records from JSON lines (one record per line; blank lines are
/// skipped), all or none: if any line is invalid, nothing is stored and the
/// answer lists every bad line (up to 100) with its number and field.
#[utoipa::path(post, path = "/v1/records/bulk", tag = "records", security(("bearer" = [])),
    request_body(content = String, content_type = "application/x-ndjson", description = "One record (as for POST /v1/records) per line"),
    responses((status = 201, body = BulkCreated), (status = 400, body = crate::ErrorBody), (status = 413, body = crate::ErrorBody)))]
pub(crate) async fn bulk(State(s): State<AppState>, Caller(actor): Caller, req: Request) -> Result<Response, ApiError> {
    let bytes = body_bytes(req, &()).await?;
    let today = s.store.today();
    let mut data: Vec<RecordData> = Vec::new();
    let mut errors = Vec::new();
    for (line_no, line) in json_lines(&bytes) {
        if data.len() + errors.len() >= BULK_LINES {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_many_lines",
                format!("at most {BULK_LINES} records per bulk request"),
            ));
        }
        let parsed = parse_json::<RecordInput>(line).and_then(|input| {
            input.validate(today).map_err(|e| ApiError::field("invalid_field", e.field.clone(), e.to_string()))
        });
        match parsed {
            Ok(d) => data.push(d),
            Err(e) if errors.len() < 100 => {
                errors.push(LineError { line: line_no, field: e.field_name(), message: e.message() })
            }
            Err(_) => {}
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::lines(errors));
    }
    let created = s.store.create_records(&actor, data).await?;
    let ids: Vec<RecordId> = created.iter().map(|r| r.id).collect();
    Ok((StatusCode::CREATED, Json(BulkCreated { created: ids.len(), ids })).into_response())
}
