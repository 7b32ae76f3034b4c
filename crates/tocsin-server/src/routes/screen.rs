//! Screening: one query, or a batch of them (a flight manifest).

use axum::Json;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use serde::Serialize;
use tocsin_core::record::{Handling, Record};
use tocsin_match::request::{MrzSummary, Request as ScreenRequest};
use tocsin_match::screen::Explanation;
use tocsin_store::{Actor, ScreenContext, Store};

use crate::error::LineError;
use crate::extract::{Caller, JsonBody, body_bytes, json_lines, parse_json};
use crate::{ApiError, AppState};

/// Most queries in one batch.
pub(crate) const BATCH_LINES: usize = 1_000;

/// One match.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct ScreenMatch {
    /// The record, as its owner shares it.
    record: Record,
    /// Score, 0 to 1.
    score: f64,
    /// Why it matched: the name forms and each feature's contribution.
    explanation: Explanation,
    /// Published notices on the record: type and requested action.
    notices: Vec<tocsin_core::notice::NoticeBrief>,
    /// What the officer must do.
    handling: Handling,
    /// The hit made, when the score reaches the hit threshold (0.80); the
    /// record's owner sees it in its hit list.
    #[serde(skip_serializing_if = "Option::is_none")]
    hit_id: Option<String>,
    /// Set when this subject and record were reviewed as a false positive
    /// on an earlier hit: no new hit is made until `until`.
    #[serde(skip_serializing_if = "Option::is_none")]
    dismissed_before: Option<DismissedBefore>,
}

/// A reviewed false positive that held back a hit.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct DismissedBefore {
    /// The hit that was marked `false_positive`.
    hit_id: String,
    /// Until when no new hit is made (RFC 3339).
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    until: time::OffsetDateTime,
}

/// The answer to one query.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct ScreenResponse {
    /// Best first.
    matches: Vec<ScreenMatch>,
    /// What the MRZ's check digits said, when the query had one. A failed
    /// check does not stop the screening.
    #[serde(skip_serializing_if = "Option::is_none")]
    mrz: Option<MrzSummary>,
}

async fn run(store: &Store, actor: &Actor, req: ScreenRequest) -> Result<ScreenResponse, ApiError> {
    let this_year = time::OffsetDateTime::now_utc().year();
    let request = req
        .as_sent()
        .map_err(|e| ApiError::from(tocsin_store::StoreError::Internal(format!("the request as sent: {e}"))))?;
    let v = req.validate(this_year).map_err(|e| ApiError::field("invalid_field", e.field.clone(), e.to_string()))?;
    let purpose = match (&v.purpose, &v.location, &actor.purpose) {
        (Some(p), Some(l), _) => Some(format!("{p} @ {l}")),
        (Some(p), None, _) => Some(p.clone()),
        (None, Some(l), other) => Some(format!("{} @ {l}", other.as_deref().unwrap_or("screening"))),
        (None, None, other) => other.clone(),
    };
    let context = ScreenContext { request, location: v.location.clone(), purpose: v.purpose.clone() };
    let actor = Actor { purpose, ..actor.clone() };
    let found = store.screen(&actor, v.query, context).await?;
    let matches = found
        .into_iter()
        .map(|s| ScreenMatch {
            handling: s.record.data.handling.clone(),
            record: s.record,
            score: (s.matched.score * 1000.0).round() / 1000.0,
            explanation: s.matched.explanation,
            notices: s.notices,
            hit_id: s.hit_id.map(|h| h.to_string()),
            dismissed_before: s.dismissed.map(|d| DismissedBefore { hit_id: d.hit_id.to_string(), until: d.until }),
        })
        .collect();
    Ok(ScreenResponse { matches, mrz: v.mrz })
}

/// Screens a person, organization or document against every record the
/// caller's agency may see. At least one of `name`, `document_number` and
/// `mrz`. The search is audited with its `purpose` and `location`.
#[utoipa::path(post, path = "/v1/screen", tag = "screening", request_body = ScreenRequest, security(("bearer" = [])),
    responses((status = 200, body = ScreenResponse), (status = 400, body = crate::ErrorBody), (status = 403, body = crate::ErrorBody)))]
pub(crate) async fn screen(
    State(s): State<AppState>,
    Caller(actor): Caller,
    JsonBody(req): JsonBody<ScreenRequest>,
) -> Result<Json<ScreenResponse>, ApiError> {
    Ok(Json(run(&s.store, &actor, req).await?))
}

/// One line's answer in a batch.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct BatchItem {
    /// 1-based line number.
    line: usize,
    /// The answer, when the line was valid.
    #[serde(skip_serializing_if = "Option::is_none")]
    result: Option<ScreenResponse>,
    /// What was wrong with the line.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<LineError>,
}

/// The answers to a batch, in line order.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct BatchResponse {
    /// One item per non-blank line.
    results: Vec<BatchItem>,
}

/// Screens a batch (e.g. a flight manifest): one request per line, as JSON
/// lines, at most 1,000 lines (413 beyond). A bad line is answered with its
/// error and does not stop the others.
#[utoipa::path(post, path = "/v1/screen/batch", tag = "screening", security(("bearer" = [])),
    request_body(content = String, content_type = "application/x-ndjson", description = "One screening request per line"),
    responses((status = 200, body = BatchResponse), (status = 413, body = crate::ErrorBody)))]
pub(crate) async fn batch(
    State(s): State<AppState>,
    Caller(actor): Caller,
    req: Request,
) -> Result<Json<BatchResponse>, ApiError> {
    let bytes = body_bytes(req, &()).await?;
    let lines: Vec<(usize, &[u8])> = json_lines(&bytes).collect();
    if lines.len() > BATCH_LINES {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_many_lines",
            format!("at most {BATCH_LINES} queries per batch; got {}", lines.len()),
        ));
    }
    let mut results = Vec::with_capacity(lines.len());
    for (line, text) in lines {
        let answer = match parse_json::<ScreenRequest>(text) {
            Ok(r) => run(&s.store, &actor, r).await,
            Err(e) => Err(e),
        };
        results.push(match answer {
            Ok(r) => BatchItem { line, result: Some(r), error: None },
            Err(e) if e.status().is_client_error() => {
                // A line refused before the store saw it is audited here,
                // as a whole request would be by the rejection middleware.
                if !e.is_audited() {
                    let objects = vec![format!("line:{line}"), e.code().to_owned()];
                    s.store.log(&actor, "screen", objects, tocsin_audit::Outcome::Invalid).await?;
                }
                BatchItem {
                    line,
                    result: None,
                    error: Some(LineError { line, field: e.field_name(), message: e.message() }),
                }
            }
            Err(e) => return Err(e),
        });
    }
    Ok(Json(BatchResponse { results }))
}
