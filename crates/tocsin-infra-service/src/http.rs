//! The routes under `/v1/infra`:
//!
//! - `POST /v1/infra/assets`, `PUT /v1/infra/assets/{id}`: register or
//!   replace an asset (a record of kind `asset`, read with
//!   `GET /v1/records/{id}`, archived with `DELETE /v1/records/{id}`).
//! - `POST /v1/infra/dependencies` (one object or an array, all or none),
//!   `GET /v1/infra/dependencies?asset=`, `GET|DELETE
//!   /v1/infra/dependencies/{id}`.
//! - `POST /v1/infra/import` (JSON lines), `GET
//!   /v1/infra/export?format=jsonl|geojson|assets.csv|dependencies.csv`.
//! - `GET /v1/infra/spof?consumer=&sector=&country=&limit=`,
//!   `GET /v1/infra/redundancy`, `GET /v1/infra/cross-border?limit=`.
//! - `POST /v1/infra/cascade`, `POST /v1/infra/sweep`.
//! - `GET|POST /v1/infra/watches`, `DELETE /v1/infra/watches/{id}`.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use serde::Deserialize;
use serde_json::Value;
use tocsin_audit::Outcome;
use tocsin_core::asset::{DependencyId, DependencyInput};
use tocsin_core::record::RecordId;
use tocsin_server::{ApiError, Gate};
use tocsin_store::{Actor, StoreError};

use crate::service::{NewAssetInput, SpofQuery};
use crate::{CascadeInput, Infra, InfraError, SweepInput, watches};

#[derive(Clone)]
struct InfraState {
    infra: Arc<Infra>,
    gate: Gate,
}

/// The infrastructure routes.
pub fn router(infra: Arc<Infra>, gate: Gate) -> Router {
    Router::new()
        .route("/v1/infra/assets", post(register))
        .route("/v1/infra/assets/{id}", put(update))
        .route("/v1/infra/dependencies", post(declare).get(dependencies))
        .route("/v1/infra/dependencies/{id}", get(dependency).delete(withdraw))
        .route("/v1/infra/import", post(import))
        .route("/v1/infra/export", get(export))
        .route("/v1/infra/spof", get(spof))
        .route("/v1/infra/redundancy", get(redundancy))
        .route("/v1/infra/cross-border", get(cross_border))
        .route("/v1/infra/cascade", post(cascade))
        .route("/v1/infra/sweep", post(sweep))
        .route("/v1/infra/watches", get(list_watches).post(add_watch))
        .route("/v1/infra/watches/{id}", axum::routing::delete(remove_watch))
        .layer(DefaultBodyLimit::max(tocsin_server::IMPORT_BODY_LIMIT))
        .with_state(InfraState { infra, gate })
}

/// The caller, admitted as the API admits one ([`tocsin_server::admit`]).
struct Caller(Actor);

impl FromRequestParts<InfraState> for Caller {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, s: &InfraState) -> Result<Caller, Response> {
        tocsin_server::admit(s.infra.store(), &s.gate, parts).await.map(Caller)
    }
}

/// The answer to a failure; bad input (found before the store was asked)
/// is audited as the API audits it.
async fn failed(s: &InfraState, actor: &Actor, action: &str, e: InfraError) -> Response {
    match e {
        InfraError::Invalid { field, reason } => {
            if let Err(e) = s.infra.store().log(actor, action, vec![], Outcome::Invalid).await {
                return ApiError::from(e).into_response();
            }
            ApiError::field("invalid_field", field.clone(), format!("{field}: {reason}")).into_response()
        }
        InfraError::Store(e) => ApiError::from(e).into_response(),
    }
}

/// A JSON body, by the API's one strict parser.
fn json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, InfraError> {
    tocsin_core::json::from_slice(bytes).map_err(|e| {
        let reason = e.message.strip_prefix(&format!("{}: ", e.field)).unwrap_or(&e.message).to_owned();
        let field = if e.field.is_empty() { "body".to_owned() } else { e.field };
        InfraError::Invalid { field, reason }
    })
}

fn query<T: serde::de::DeserializeOwned>(parts: &Parts) -> Result<T, InfraError> {
    serde_urlencoded::from_str(parts.uri.query().unwrap_or_default())
        .map_err(|e| InfraError::invalid("query", e.to_string()))
}

fn ok<T: serde::Serialize>(status: StatusCode, value: &T) -> Response {
    (status, axum::Json(value)).into_response()
}

async fn answer<T: serde::Serialize>(
    s: &InfraState,
    actor: &Actor,
    action: &str,
    status: StatusCode,
    result: Result<T, InfraError>,
) -> Response {
    match result {
        Ok(v) => ok(status, &v),
        Err(e) => failed(s, actor, action, e).await,
    }
}

async fn register(State(s): State<InfraState>, Caller(actor): Caller, body: Bytes) -> Response {
    let result = async { s.infra.register(&actor, json(&body)?).await }.await;
    answer(&s, &actor, "infra.asset.create", StatusCode::CREATED, result).await
}

fn record_id(s: &str) -> Result<RecordId, InfraError> {
    s.parse().map_err(|_| StoreError::NotFound(format!("asset {}", s.escape_debug())).into())
}

async fn update(State(s): State<InfraState>, Caller(actor): Caller, Path(id): Path<String>, body: Bytes) -> Response {
    let result = async {
        let input: NewAssetInput = json(&body)?;
        s.infra.update(&actor, record_id(&id)?, input).await
    }
    .await;
    answer(&s, &actor, "record.update", StatusCode::OK, result).await
}

async fn declare(State(s): State<InfraState>, Caller(actor): Caller, body: Bytes) -> Response {
    let result = async {
        let inputs: Vec<DependencyInput> = match json::<Value>(&body)? {
            Value::Array(_) => json(&body)?,
            _ => vec![json(&body)?],
        };
        s.infra.declare(&actor, inputs).await
    }
    .await;
    answer(&s, &actor, "infra.dependency.create", StatusCode::CREATED, result).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AssetQuery {
    asset: Option<String>,
}

async fn dependencies(State(s): State<InfraState>, Caller(actor): Caller, parts: Parts) -> Response {
    let result = async {
        let q: AssetQuery = query(&parts)?;
        s.infra.dependencies(&actor, q.asset.as_deref()).await.map(|items| serde_json::json!({ "items": items }))
    }
    .await;
    answer(&s, &actor, "infra.dependency.list", StatusCode::OK, result).await
}

fn dependency_id(s: &str) -> Result<DependencyId, InfraError> {
    s.parse().map_err(|_| StoreError::NotFound(format!("dependency {}", s.escape_debug())).into())
}

async fn dependency(State(s): State<InfraState>, Caller(actor): Caller, Path(id): Path<String>) -> Response {
    let result = async { s.infra.dependency(&actor, dependency_id(&id)?).await }.await;
    answer(&s, &actor, "infra.dependency.read", StatusCode::OK, result).await
}

async fn withdraw(State(s): State<InfraState>, Caller(actor): Caller, Path(id): Path<String>) -> Response {
    match async { s.infra.withdraw(&actor, dependency_id(&id)?).await }.await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => failed(&s, &actor, "infra.dependency.delete", e).await,
    }
}

async fn import(State(s): State<InfraState>, Caller(actor): Caller, body: Bytes) -> Response {
    let result = async {
        let text = std::str::from_utf8(&body).map_err(|_| InfraError::invalid("body", "not UTF-8 text"))?;
        let x = tocsin_infra::exchange::read_jsonl(text)?;
        s.infra.import(&actor, x).await
    }
    .await;
    answer(&s, &actor, "infra.import", StatusCode::CREATED, result).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExportQuery {
    format: Option<String>,
}

async fn export(State(s): State<InfraState>, Caller(actor): Caller, parts: Parts) -> Response {
    let result = async {
        let q: ExportQuery = query(&parts)?;
        s.infra.export(&actor, q.format.as_deref().unwrap_or("jsonl")).await
    }
    .await;
    match result {
        Ok((content_type, body)) => ([(header::CONTENT_TYPE, content_type)], body).into_response(),
        Err(e) => failed(&s, &actor, "infra.export", e).await,
    }
}

async fn spof(State(s): State<InfraState>, Caller(actor): Caller, parts: Parts) -> Response {
    let result = async { s.infra.spof(&actor, query::<SpofQuery>(&parts)?).await }.await;
    answer(&s, &actor, "infra.spof", StatusCode::OK, result).await
}

async fn redundancy(State(s): State<InfraState>, Caller(actor): Caller) -> Response {
    let result = s.infra.redundancy(&actor).await;
    answer(&s, &actor, "infra.redundancy", StatusCode::OK, result).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LimitQuery {
    limit: Option<usize>,
}

async fn cross_border(State(s): State<InfraState>, Caller(actor): Caller, parts: Parts) -> Response {
    let result = async { s.infra.cross_border(&actor, query::<LimitQuery>(&parts)?.limit).await }.await;
    answer(&s, &actor, "infra.cross_border", StatusCode::OK, result).await
}

async fn cascade(State(s): State<InfraState>, Caller(actor): Caller, body: Bytes) -> Response {
    let result = async { s.infra.cascade(&actor, json::<CascadeInput>(&body)?).await }.await;
    answer(&s, &actor, "infra.cascade", StatusCode::OK, result).await
}

async fn sweep(State(s): State<InfraState>, Caller(actor): Caller, body: Bytes) -> Response {
    let result = async {
        let input: SweepInput = if body.is_empty() { SweepInput::default() } else { json(&body)? };
        s.infra.sweep(&actor, input).await
    }
    .await;
    answer(&s, &actor, "infra.sweep", StatusCode::OK, result).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WatchInput {
    asset: String,
    min_cascade: Option<u32>,
}

async fn add_watch(State(s): State<InfraState>, Caller(actor): Caller, body: Bytes) -> Response {
    let result = async {
        let input: WatchInput = json(&body)?;
        watches::watch(&s.infra, &actor, &input.asset, input.min_cascade).await
    }
    .await;
    answer(&s, &actor, "infra.watch.create", StatusCode::CREATED, result).await
}

async fn list_watches(State(s): State<InfraState>, Caller(actor): Caller) -> Response {
    let result = async {
        let items = s.infra.store().infra().watches(&actor).await?;
        Ok(serde_json::json!({ "items": items }))
    }
    .await;
    answer(&s, &actor, "infra.watch.list", StatusCode::OK, result).await
}

async fn remove_watch(State(s): State<InfraState>, Caller(actor): Caller, Path(id): Path<String>) -> Response {
    match s.infra.store().infra().unwatch(&actor, &id).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => failed(&s, &actor, "infra.watch.delete", e.into()).await,
    }
}
