//! Comparing two names with the screening engine.

use axum::Json;
use serde::{Deserialize, Serialize};
use tocsin_core::limits;
use tocsin_match::name::{self, NameKind, NameMatch};

use crate::ApiError;
use crate::extract::{Caller, JsonBody};

/// Two names to compare.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CompareRequest {
    /// The first name (the query side).
    name1: String,
    /// The second name (the record side).
    name2: String,
    /// `person` (default) or `organization`.
    #[serde(default)]
    kind: Option<NameKind>,
}

/// The score and why.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct CompareResponse {
    /// Score, 0 to 1.
    score: f64,
    /// Whether the score reaches the engine's operating threshold.
    #[serde(rename = "match")]
    is_match: bool,
    /// The operating threshold.
    threshold: f64,
    /// Which parts matched which, and how.
    explanation: NameMatch,
}

fn checked<'a>(field: &str, s: &'a str) -> Result<&'a str, ApiError> {
    let n = s.chars().count();
    if s.trim().is_empty() || n > limits::NAME_CHARS {
        return Err(ApiError::field(
            "invalid_field",
            field,
            format!("{field}: must be 1 to {} characters", limits::NAME_CHARS),
        ));
    }
    Ok(s)
}

/// Scores two names with the screening engine and explains the score.
/// Reads no stored data, so nothing is audited; any valid token may call it.
#[utoipa::path(post, path = "/v1/compare", tag = "screening", request_body = CompareRequest, security(("bearer" = [])),
    responses((status = 200, body = CompareResponse), (status = 400, body = crate::ErrorBody)))]
pub(crate) async fn compare(
    Caller(_): Caller,
    JsonBody(req): JsonBody<CompareRequest>,
) -> Result<Json<CompareResponse>, ApiError> {
    let kind = req.kind.unwrap_or(NameKind::Person);
    let a = name::analyze(checked("name1", &req.name1)?, kind);
    let b = name::analyze(checked("name2", &req.name2)?, kind);
    let m = name::compare(&a, &b);
    Ok(Json(CompareResponse {
        score: m.score,
        is_match: m.score >= name::THRESHOLD,
        threshold: name::THRESHOLD,
        explanation: m,
    }))
}
