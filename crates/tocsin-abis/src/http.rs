//! The routes under `/v1/biometrics`:
//!
//! - `POST /v1/biometrics`: enrol a template (JSON) or a file (an
//!   ANSI/NIST-ITL transaction or ISO/ANSI minutiae record, any other
//!   content type, with `?subject=`).
//! - `POST /v1/biometrics/search`: search with a template (JSON) or a file
//!   (`?purpose=&limit=`); the purpose is required.
//! - `GET /v1/biometrics/searches/{id}`: a search's candidates.
//! - `GET /v1/biometrics/candidates`: the examiners' queue.
//! - `POST /v1/biometrics/searches/{id}/candidates/{record}/confirm|reject`.
//! - `GET /v1/biometrics/{id}/an2k`, `/fmr?standard=iso|ansi`,
//!   `/attachments/{n}`: a record written back in the exchange formats.

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use tocsin_audit::Outcome;
use tocsin_bio::fmr::Standard;
use tocsin_core::limits;
use tocsin_core::record::RecordId;
use tocsin_server::{ApiError, Gate};
use tocsin_store::{Actor, StoreError};

use crate::service::{EnrolInput, Probe};
use crate::{Abis, AbisError};

#[derive(Clone)]
struct AbisState {
    abis: Arc<Abis>,
    gate: Gate,
}

/// The biometric routes.
pub fn router(abis: Arc<Abis>, gate: Gate) -> Router {
    Router::new()
        .route("/v1/biometrics", post(enrol))
        .route("/v1/biometrics/search", post(search))
        .route("/v1/biometrics/candidates", get(queue))
        .route("/v1/biometrics/searches/{id}", get(candidates))
        .route("/v1/biometrics/searches/{id}/candidates/{record}/{decision}", post(decide))
        .route("/v1/biometrics/{id}/an2k", get(an2k))
        .route("/v1/biometrics/{id}/fmr", get(fmr))
        .route("/v1/biometrics/{id}/attachments/{n}", get(attachment))
        .layer(DefaultBodyLimit::max(tocsin_server::BULK_BODY_LIMIT))
        .with_state(AbisState { abis, gate })
}

/// The caller, admitted as the API admits one ([`tocsin_server::admit`]).
struct Caller(Actor);

impl FromRequestParts<AbisState> for Caller {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, s: &AbisState) -> Result<Caller, Response> {
        tocsin_server::admit(s.abis.store(), &s.gate, parts).await.map(Caller)
    }
}

/// The answer to a failure; bad input (found before the store was asked)
/// is audited as the API audits it.
async fn failed(s: &AbisState, actor: &Actor, action: &str, e: AbisError) -> Response {
    match e {
        AbisError::Invalid { field, reason } => {
            if let Err(e) = s.abis.store().log(actor, action, vec![], Outcome::Invalid).await {
                return ApiError::from(e).into_response();
            }
            ApiError::field("invalid_field", field.clone(), format!("{field}: {reason}")).into_response()
        }
        AbisError::Store(e) => ApiError::from(e).into_response(),
    }
}

fn is_json(parts: &Parts) -> bool {
    parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().starts_with("application/json"))
}

fn json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, AbisError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." { "body".to_owned() } else { path };
        AbisError::invalid(field, e.into_inner().to_string())
    })
}

fn record_id(field: &str, s: &str) -> Result<RecordId, AbisError> {
    s.parse().map_err(|e: tocsin_core::FieldError| AbisError::invalid(field, e.message))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileQuery {
    subject: Option<String>,
    purpose: Option<String>,
    limit: Option<usize>,
}

async fn enrol(State(s): State<AbisState>, Caller(actor): Caller, parts: Parts, body: Bytes) -> Response {
    let result = async {
        if is_json(&parts) {
            let input: EnrolInput = json(&body)?;
            s.abis.enrol(&actor, input).await
        } else {
            let q: FileQuery = parse_query(&parts)?;
            let subject = q.subject.ok_or_else(|| AbisError::invalid("subject", "required with a file"))?;
            s.abis.enrol_file(&actor, record_id("subject", &subject)?, &body).await
        }
    }
    .await;
    match result {
        Ok(record) => (StatusCode::CREATED, axum::Json(record)).into_response(),
        Err(e) => failed(&s, &actor, "biometric.create", e).await,
    }
}

fn parse_query<T: serde::de::DeserializeOwned>(parts: &Parts) -> Result<T, AbisError> {
    serde_urlencoded::from_str(parts.uri.query().unwrap_or_default())
        .map_err(|e| AbisError::invalid("query", e.to_string()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SearchInput {
    face: Option<tocsin_core::record::FaceTemplate>,
    fingers: Option<Vec<tocsin_core::record::FingerTemplate>>,
    purpose: Option<String>,
    limit: Option<usize>,
}

fn purpose(given: Option<String>) -> Result<Option<String>, AbisError> {
    given
        .map(|p| tocsin_core::text::clean("purpose", p, limits::LABEL_CHARS))
        .transpose()
        .map_err(|e| AbisError::invalid(e.field.clone(), e.message))
}

async fn search(State(s): State<AbisState>, Caller(mut actor): Caller, parts: Parts, body: Bytes) -> Response {
    let read = || -> Result<(Probe, Option<String>, Option<usize>), AbisError> {
        if is_json(&parts) {
            let input: SearchInput = json(&body)?;
            Ok((Probe { face: input.face, fingers: input.fingers }, purpose(input.purpose)?, input.limit))
        } else {
            let q: FileQuery = parse_query(&parts)?;
            Ok((Abis::probe_from_file(&body)?, purpose(q.purpose)?, q.limit))
        }
    };
    let result = match read() {
        Ok((probe, given, limit)) => {
            if given.is_some() {
                actor.purpose = given;
            }
            s.abis.search(&actor, probe, limit.unwrap_or(20)).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(answer) => axum::Json(answer).into_response(),
        Err(e) => failed(&s, &actor, "biometric.search", e).await,
    }
}

async fn candidates(State(s): State<AbisState>, Caller(actor): Caller, Path(id): Path<String>) -> Response {
    match s.abis.store().biometrics().search(&actor, &id).await {
        Ok(list) => axum::Json(list).into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QueueQuery {
    pending: Option<bool>,
    limit: Option<u32>,
}

async fn queue(State(s): State<AbisState>, Caller(actor): Caller, parts: Parts) -> Response {
    let q: QueueQuery = match parse_query(&parts) {
        Ok(q) => q,
        Err(e) => return failed(&s, &actor, "biometric.candidates", e).await,
    };
    let limit = q.limit.unwrap_or(100).clamp(1, tocsin_store::MAX_PAGE);
    match s.abis.store().biometrics().queue(&actor, q.pending.unwrap_or(false), limit).await {
        Ok(list) => axum::Json(list).into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}

async fn decide(
    State(s): State<AbisState>,
    Caller(actor): Caller,
    Path((id, record, decision)): Path<(String, String, String)>,
) -> Response {
    let confirm = match decision.as_str() {
        "confirm" => true,
        "reject" => false,
        _ => return ApiError::from(StoreError::NotFound(format!("decision {decision}"))).into_response(),
    };
    let record = match record_id("record", &record) {
        Ok(r) => r,
        Err(e) => return failed(&s, &actor, "biometric.confirm", e).await,
    };
    match s.abis.store().biometrics().decide(&actor, &id, record, confirm).await {
        Ok(c) => axum::Json(c).into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}

fn file(bytes: Vec<u8>, media: &'static str) -> Response {
    let mut r = Body::from(bytes).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(media));
    r
}

async fn an2k(State(s): State<AbisState>, Caller(actor): Caller, Path(id): Path<String>) -> Response {
    let result = async { s.abis.export_an2k(&actor, record_id("id", &id)?).await }.await;
    match result {
        Ok(bytes) => file(bytes, "application/octet-stream"),
        Err(e) => failed(&s, &actor, "biometric.export", e).await,
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FmrQuery {
    standard: Option<String>,
}

async fn fmr(State(s): State<AbisState>, Caller(actor): Caller, parts: Parts, Path(id): Path<String>) -> Response {
    let result = async {
        let q: FmrQuery = parse_query(&parts)?;
        let standard = match q.standard.as_deref() {
            None | Some("iso") => Standard::Iso2005,
            Some("ansi") => Standard::Ansi2004,
            Some(other) => return Err(AbisError::invalid("standard", format!("`{other}` is not iso or ansi"))),
        };
        s.abis.export_fmr(&actor, record_id("id", &id)?, standard).await
    }
    .await;
    match result {
        Ok(bytes) => file(bytes, "application/octet-stream"),
        Err(e) => failed(&s, &actor, "biometric.export", e).await,
    }
}

async fn attachment(State(s): State<AbisState>, Caller(actor): Caller, Path((id, n)): Path<(String, u32)>) -> Response {
    let id = match record_id("id", &id) {
        Ok(id) => id,
        Err(e) => return failed(&s, &actor, "biometric.attachment", e).await,
    };
    match s.abis.store().biometrics().attachment(&actor, id, n).await {
        Ok(bytes) => file(bytes, "application/octet-stream"),
        Err(e) => ApiError::from(e).into_response(),
    }
}
