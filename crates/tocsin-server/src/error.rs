//! The error envelope, `{"error": {"code", "message", "field"?}}`, and the one
//! table that maps every failure to an HTTP status and a code.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tocsin_store::StoreError;

/// An error answer.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    body: ErrorDetail,
    /// Made from a [`StoreError`]: the store has audited the call already.
    audited: bool,
}

/// Marks an answer refused before the store was called (bad JSON, a bad
/// parameter, a body over the limit): the rejection middleware audits it
/// in the caller's name (see [`crate::rejections`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Unaudited {
    /// The error's code.
    pub(crate) code: &'static str,
}

/// The error envelope.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// What went wrong.
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable, machine-readable code (`invalid_field`, `not_found`, …).
    pub code: &'static str,
    /// Human-readable explanation naming what is wrong.
    pub message: String,
    /// The offending field's path, when one field is at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Per-line errors of a bulk request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lines: Option<Vec<LineError>>,
}

/// One bad line of a bulk request.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LineError {
    /// 1-based line number.
    pub line: usize,
    /// The offending field's path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl ApiError {
    /// An error with a status, a code and a message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            body: ErrorDetail { code, message: message.into(), field: None, lines: None },
            audited: false,
        }
    }

    /// A 400 about one field.
    pub fn field(code: &'static str, field: impl Into<String>, message: impl Into<String>) -> ApiError {
        let mut e = ApiError::new(StatusCode::BAD_REQUEST, code, message);
        e.body.field = Some(field.into()).filter(|f: &String| !f.is_empty());
        e
    }

    /// The same error with another status.
    pub fn with_status(mut self, status: StatusCode) -> ApiError {
        self.status = status;
        self
    }

    /// A 400 listing the bad lines of a bulk request.
    pub fn lines(lines: Vec<LineError>) -> ApiError {
        let msg = format!(
            "{} line(s) are invalid; nothing was stored (first: line {})",
            lines.len(),
            lines.first().map_or(0, |l| l.line)
        );
        let mut e = ApiError::new(StatusCode::BAD_REQUEST, "invalid_lines", msg);
        e.body.lines = Some(lines);
        e
    }

    /// The offending field's path, if any.
    pub fn field_name(&self) -> Option<String> {
        self.body.field.clone()
    }

    /// The message.
    pub fn message(&self) -> String {
        self.body.message.clone()
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The error's code.
    pub fn code(&self) -> &'static str {
        self.body.code
    }

    /// Whether the store audited the call that failed (an error made from a
    /// [`StoreError`]); otherwise it was refused before reaching the store.
    pub fn is_audited(&self) -> bool {
        self.audited
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        use StatusCode as S;
        let msg = e.to_string();
        let mut api = match e {
            StoreError::NotFound(_) => ApiError::new(S::NOT_FOUND, "not_found", msg),
            StoreError::Forbidden(_) => ApiError::new(S::FORBIDDEN, "forbidden", msg),
            StoreError::VersionConflict { .. } => ApiError::new(S::CONFLICT, "version_conflict", msg),
            StoreError::AlreadyExists(_) => ApiError::new(S::CONFLICT, "already_exists", msg),
            StoreError::Conflict(_) => ApiError::new(S::CONFLICT, "conflict", msg),
            StoreError::TooLarge(_) => ApiError::new(S::PAYLOAD_TOO_LARGE, "too_large", msg),
            StoreError::Invalid(f) => ApiError::field("invalid_field", f.field.clone(), f.to_string()),
            StoreError::Missing(f) => {
                ApiError::field("missing_fields", f.field.clone(), f.to_string()).with_status(S::UNPROCESSABLE_ENTITY)
            }
            StoreError::AuditClosed => ApiError::new(S::SERVICE_UNAVAILABLE, "shutting_down", msg),
            StoreError::Unavailable(_) => ApiError::new(S::SERVICE_UNAVAILABLE, "unavailable", msg),
            StoreError::NotInitialized(_)
            | StoreError::AlreadyInitialized(_)
            | StoreError::Corrupt(_)
            | StoreError::Internal(_)
            | StoreError::Database(_)
            | StoreError::Migration(_)
            | StoreError::NewerStore { .. } => {
                tracing::error!(error = %msg, "store failure");
                ApiError::new(
                    S::INTERNAL_SERVER_ERROR,
                    "internal",
                    "internal error; the operator's log has the details",
                )
            }
        };
        api.audited = true;
        api
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let unaudited = (!self.audited && self.status.is_client_error() && self.status != StatusCode::UNAUTHORIZED)
            .then_some(Unaudited { code: self.body.code });
        let mut response = (self.status, axum::Json(ErrorBody { error: self.body })).into_response();
        if let Some(mark) = unaudited {
            response.extensions_mut().insert(mark);
        }
        response
    }
}
