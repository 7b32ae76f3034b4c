//! The routes of messages between agencies:
//!
//! - `GET /v1/keys?agency=`: published public keys, current and retired,
//!   with fingerprints; `POST /v1/keys` (`{"encryption", "verification"}`):
//!   publish the caller's agency's new key (admins).
//! - `POST /v1/messages`: send a sealed envelope (`tocsin-envelope`);
//!   `GET /v1/messages?box=in|out|all|review&diffusions=&thread=&before=&limit=`.
//! - `GET /v1/messages/{id}`: one message with its envelope (a
//!   recipient's first fetch is its delivery receipt);
//!   `POST /v1/messages/{id}/receipts` (`{"kind": "read" | "acknowledged"}`).
//! - `GET /v1/diffusions`: diffusions sent or received (every one for the
//!   General Secretariat's reviewers); `POST /v1/diffusions/{id}/review`
//!   (`{"verdict": "compliant" | "non_compliant", "reason"}`).

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequestParts, Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use tocsin_audit::Outcome;
use tocsin_core::AgencyCode;
use tocsin_server::{ApiError, Gate};
use tocsin_store::{Actor, MessageQuery, ReceiptKind, Verdict};

use crate::{Messaging, MessagingError};

/// The largest request: an envelope at its largest ciphertext, in base64,
/// with its header.
pub const BODY_LIMIT: usize = tocsin_envelope::MAX_CIPHERTEXT_BYTES / 3 * 4 + 256 * 1024;

#[derive(Clone)]
struct MessagingState {
    messaging: Arc<Messaging>,
    gate: Gate,
}

/// The messaging routes.
pub fn router(messaging: Arc<Messaging>, gate: Gate) -> Router {
    Router::new()
        .route("/v1/keys", get(keys).post(publish_key))
        .route("/v1/messages", post(send).get(list))
        .route("/v1/messages/{id}", get(fetch))
        .route("/v1/messages/{id}/receipts", post(receipt))
        .route("/v1/diffusions", get(diffusions))
        .route("/v1/diffusions/{id}/review", post(review))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(MessagingState { messaging, gate })
}

/// The caller, admitted as the API admits one ([`tocsin_server::admit`]).
struct Caller(Actor);

impl FromRequestParts<MessagingState> for Caller {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, s: &MessagingState) -> Result<Caller, Response> {
        tocsin_server::admit(s.messaging.store(), &s.gate, parts).await.map(Caller)
    }
}

/// The answer to a call; bad input found before the store was asked is
/// audited as the API audits it.
async fn answer<T: serde::Serialize>(
    s: &MessagingState,
    actor: &Actor,
    action: &str,
    status: StatusCode,
    result: Result<T, MessagingError>,
) -> Response {
    match result {
        Ok(v) => (status, axum::Json(v)).into_response(),
        Err(MessagingError::Invalid { field, reason }) => {
            if let Err(e) = s.messaging.store().log(actor, action, vec![], Outcome::Invalid).await {
                return ApiError::from(e).into_response();
            }
            ApiError::field("invalid_field", field.clone(), format!("{field}: {reason}")).into_response()
        }
        Err(MessagingError::Store(e)) => ApiError::from(e).into_response(),
    }
}

/// A JSON body, by the API's one strict parser.
fn json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, MessagingError> {
    tocsin_core::json::from_slice(bytes).map_err(|e| {
        let reason = e.message.strip_prefix(&format!("{}: ", e.field)).unwrap_or(&e.message).to_owned();
        let field = if e.field.is_empty() { "body".to_owned() } else { e.field };
        MessagingError::Invalid { field, reason }
    })
}

fn query<T: serde::de::DeserializeOwned>(parts: &Parts) -> Result<T, MessagingError> {
    serde_urlencoded::from_str(parts.uri.query().unwrap_or_default())
        .map_err(|e| MessagingError::Invalid { field: "query".to_owned(), reason: e.to_string() })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyQuery {
    agency: Option<String>,
}

async fn keys(State(s): State<MessagingState>, Caller(actor): Caller, parts: Parts) -> Response {
    let result = async {
        let q: KeyQuery = query(&parts)?;
        let agency = match q.agency.as_deref() {
            Some(a) => Some(
                AgencyCode::parse(a)
                    .map_err(|e| MessagingError::Invalid { field: "agency".to_owned(), reason: e.message })?,
            ),
            None => None,
        };
        s.messaging.keys(&actor, agency).await.map(|items| serde_json::json!({ "items": items }))
    }
    .await;
    answer(&s, &actor, "key.list", StatusCode::OK, result).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyInput {
    encryption: String,
    verification: String,
}

async fn publish_key(State(s): State<MessagingState>, Caller(actor): Caller, body: Bytes) -> Response {
    let result = async {
        let k: KeyInput = json(&body)?;
        s.messaging.publish_key(&actor, &k.encryption, &k.verification).await
    }
    .await;
    answer(&s, &actor, "key.publish", StatusCode::CREATED, result).await
}

async fn send(State(s): State<MessagingState>, Caller(actor): Caller, body: Bytes) -> Response {
    let result = s.messaging.send(&actor, &body).await;
    answer(&s, &actor, "message.send", StatusCode::CREATED, result).await
}

async fn list(State(s): State<MessagingState>, Caller(actor): Caller, parts: Parts) -> Response {
    let result = async {
        let q: MessageQuery = query(&parts)?;
        s.messaging.list(&actor, &q).await.map(|items| serde_json::json!({ "items": items }))
    }
    .await;
    answer(&s, &actor, "message.list", StatusCode::OK, result).await
}

async fn diffusions(State(s): State<MessagingState>, Caller(actor): Caller, parts: Parts) -> Response {
    let result = async {
        let mut q: MessageQuery = query(&parts)?;
        q.diffusions = Some(true);
        if q.mailbox.is_none() && actor.may(tocsin_core::auth::Permission::ReviewDiffusions) {
            q.mailbox = Some("review".to_owned());
        }
        s.messaging.list(&actor, &q).await.map(|items| serde_json::json!({ "items": items }))
    }
    .await;
    answer(&s, &actor, "message.list", StatusCode::OK, result).await
}

async fn fetch(State(s): State<MessagingState>, Caller(actor): Caller, Path(id): Path<String>) -> Response {
    let result = s.messaging.get(&actor, &id).await;
    answer(&s, &actor, "message.fetch", StatusCode::OK, result).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReceiptInput {
    kind: ReceiptKind,
}

async fn receipt(
    State(s): State<MessagingState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let result = async {
        let r: ReceiptInput = json(&body)?;
        s.messaging.receipt(&actor, &id, r.kind).await
    }
    .await;
    answer(&s, &actor, "message.receipt", StatusCode::OK, result).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReviewInput {
    verdict: Verdict,
    reason: String,
}

async fn review(
    State(s): State<MessagingState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let result = async {
        let r: ReviewInput = json(&body)?;
        s.messaging.review(&actor, &id, r.verdict, &r.reason).await
    }
    .await;
    answer(&s, &actor, "diffusion.review", StatusCode::OK, result).await
}
