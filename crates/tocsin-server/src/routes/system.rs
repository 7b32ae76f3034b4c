//! Health, metrics, the OpenAPI document and the 404 fallback.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use serde::Serialize;
use tocsin_store::ClusterStatus;

use crate::extract::Monitor;
use crate::{ApiError, AppState};

/// Liveness.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct Health {
    /// Always `ok` when the server answers.
    status: &'static str,
    /// The server's version.
    version: &'static str,
    /// `intact`, or `broken` when the server was started on an audit log
    /// that does not hold against its signed checkpoints
    /// (`--allow-broken-audit`).
    audit: &'static str,
    /// In cluster mode: this node, its bus connection and how far it has
    /// followed the stream.
    #[serde(skip_serializing_if = "Option::is_none")]
    cluster: Option<ClusterStatus>,
    /// The rate limits this server applies (429 with `Retry-After` over
    /// them).
    limits: crate::Limits,
    /// On an edge node (`tocsin edge`): its upstream, the version and age
    /// of its copy, whether the link is up, what it has not yet sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    edge: Option<serde_json::Value>,
}

/// Whether the server is up. Needs no token; the cluster part (how far this
/// node has followed a stream that counts every agency's changes) only for
/// the monitoring token.
#[utoipa::path(get, path = "/v1/health", tag = "system", responses((status = 200, body = Health)))]
pub(crate) async fn health(State(s): State<AppState>, monitor: Option<Monitor>) -> Json<Health> {
    let cluster = monitor.and_then(|Monitor| s.store.cluster_status());
    let audit = if s.audit_broken { "broken" } else { "intact" };
    let edge = s.edge_status.as_ref().map(|status| status());
    Json(Health { status: "ok", version: env!("CARGO_PKG_VERSION"), audit, cluster, limits: s.gate.limits(), edge })
}

/// Prometheus metrics (text format), for the monitoring token only
/// (`monitor.token` in the data directory): the counts span every agency's
/// requests and hits, so no agency's token reads them.
#[utoipa::path(get, path = "/metrics", tag = "system", security(("bearer" = [])),
    responses((status = 200, description = "Prometheus text exposition", content_type = "text/plain"),
        (status = 401, body = crate::ErrorBody)))]
pub(crate) async fn metrics(_: Monitor) -> impl IntoResponse {
    ([(CONTENT_TYPE, "text/plain; version=0.0.4")], crate::metrics::handle().render())
}

/// This document.
#[utoipa::path(get, path = "/v1/openapi.json", tag = "system", responses((status = 200, description = "OpenAPI 3.1 document", content_type = "application/json")))]
pub(crate) async fn openapi() -> impl IntoResponse {
    ([(CONTENT_TYPE, "application/json")], crate::openapi::document())
}

/// A known path asked with a method it does not take: the error envelope,
/// like every other refusal (axum's default is an empty body).
pub(crate) async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this endpoint does not take that method (see /v1/openapi.json)",
    )
}

pub(crate) async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such endpoint (see /v1/openapi.json)")
}
