//! The routes. Upstream: `GET /v1/edge/sync` (the next version, streamed),
//! `POST /v1/edge/audit` (a shipment), `GET /v1/edges` (the list).

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Serialize;
use tocsin_server::{ApiError, Gate};
use tocsin_store::{Actor, StoreError};
use tokio::sync::mpsc;

use crate::EdgeError;
use crate::upstream::{Shipment, SyncAsk, Upstream};

/// Largest shipment accepted.
const SHIP_BODY_LIMIT: usize = tocsin_server::BULK_BODY_LIMIT;

#[derive(Clone)]
struct UpstreamState {
    upstream: Arc<Upstream>,
    gate: Gate,
}

/// The upstream's edge routes.
pub fn upstream_router(upstream: Arc<Upstream>, gate: Gate) -> Router {
    Router::new()
        .route("/v1/edge/sync", get(sync))
        .route("/v1/edge/audit", post(ship))
        .route("/v1/edges", get(list))
        .with_state(UpstreamState { upstream, gate })
}

/// The caller, as the API admits one ([`tocsin_server::admit`]).
async fn caller(s: &UpstreamState, request: &Parts) -> Result<Actor, Response> {
    tocsin_server::admit(s.upstream.store(), &s.gate, request).await
}

fn error(e: EdgeError) -> Response {
    match e {
        EdgeError::Forbidden(why) => ApiError::new(StatusCode::FORBIDDEN, "forbidden", why).into_response(),
        EdgeError::NotFound(what) => {
            ApiError::new(StatusCode::NOT_FOUND, "not_found", format!("{what} not found")).into_response()
        }
        EdgeError::Invalid { field, reason } => {
            ApiError::field("invalid_field", field.clone(), format!("{field}: {reason}")).into_response()
        }
        EdgeError::Conflict { head, reason } => {
            let body = serde_json::json!({ "error": { "code": "conflict", "message": reason }, "head": head });
            (StatusCode::CONFLICT, axum::Json(body)).into_response()
        }
        EdgeError::Store(e) => ApiError::from(e).into_response(),
        other => ApiError::from(StoreError::Internal(other.to_string())).into_response(),
    }
}

/// Logs a refusal the service made before anything was read or written.
async fn refused(s: &UpstreamState, actor: &Actor, action: &str, e: EdgeError) -> Response {
    let outcome = match &e {
        EdgeError::Forbidden(_) => tocsin_audit::Outcome::Denied,
        EdgeError::NotFound(_) => tocsin_audit::Outcome::NotFound,
        EdgeError::Invalid { .. } => tocsin_audit::Outcome::Invalid,
        EdgeError::Conflict { .. } => tocsin_audit::Outcome::Conflict,
        _ => tocsin_audit::Outcome::Error,
    };
    if let Err(e) = s.upstream.store().log(actor, action, vec![], outcome).await {
        return ApiError::from(e).into_response();
    }
    error(e)
}

async fn sync(State(s): State<UpstreamState>, parts: Parts) -> Response {
    let actor = match caller(&s, &parts).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let ask = match Query::<SyncAsk>::try_from_uri(&parts.uri) {
        Ok(Query(ask)) => ask,
        Err(e) => {
            return refused(
                &s,
                &actor,
                "edge.sync",
                EdgeError::Invalid { field: "query".into(), reason: e.body_text() },
            )
            .await;
        }
    };
    let (tx, mut rx) = mpsc::channel(64);
    let upstream = s.upstream.clone();
    let who = actor.clone();
    let task = tokio::spawn(async move { upstream.sync(&who, ask, tx).await });
    // A refusal comes before the first line: answer it as an error.
    match rx.recv().await {
        Some(first) => {
            let rest = futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|line| (line, rx)) });
            let lines = futures::StreamExt::chain(futures::stream::iter([first]), rest);
            tokio::spawn(async move {
                match task.await {
                    Ok(Err(EdgeError::Gone)) | Ok(Ok(_)) => {}
                    Ok(Err(e)) => tracing::warn!(error = %e, "a sync version stopped before its end"),
                    Err(e) => tracing::error!(error = %e, "a sync version's task failed"),
                }
            });
            Response::builder()
                .header(header::CONTENT_TYPE, "application/x-ndjson")
                .body(Body::from_stream(lines))
                .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
        }
        None => match task.await {
            Ok(Err(e)) => refused(&s, &actor, "edge.sync", e).await,
            Ok(Ok(_)) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
            Err(e) => ApiError::from(StoreError::Internal(format!("the sync task: {e}"))).into_response(),
        },
    }
}

async fn ship(State(s): State<UpstreamState>, parts: Parts, body: Body) -> Response {
    let actor = match caller(&s, &parts).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let bytes = match axum::body::to_bytes(body, SHIP_BODY_LIMIT).await {
        Ok(b) => b,
        Err(_) => {
            let e = EdgeError::Invalid { field: "body".into(), reason: format!("over {SHIP_BODY_LIMIT} bytes") };
            return refused(&s, &actor, "edge.audit", e).await;
        }
    };
    let shipment: Shipment = match serde_json::from_slice(&bytes) {
        Ok(x) => x,
        Err(e) => {
            let e = EdgeError::Invalid { field: "body".into(), reason: format!("not a shipment: {e}") };
            return refused(&s, &actor, "edge.audit", e).await;
        }
    };
    // On a task of its own: an edge that goes away mid-answer does not
    // stop a re-screening between its hits and its mark.
    let (upstream, who) = (s.upstream.clone(), actor.clone());
    let shipped = match tokio::spawn(async move { upstream.ship(&who, shipment).await }).await {
        Ok(result) => result,
        Err(e) => Err(EdgeError::Store(StoreError::Internal(format!("the shipment's task: {e}")))),
    };
    match shipped {
        Ok(shipped) => axum::Json(shipped).into_response(),
        Err(
            e @ (EdgeError::Forbidden(_)
            | EdgeError::Invalid { .. }
            | EdgeError::NotFound(_)
            | EdgeError::Conflict { .. }),
        ) => refused(&s, &actor, "edge.audit", e).await,
        Err(e) => error(e),
    }
}

#[derive(Serialize)]
struct EdgeList {
    items: Vec<crate::upstream::EdgeView>,
}

async fn list(State(s): State<UpstreamState>, parts: Parts) -> Response {
    let actor = match caller(&s, &parts).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    match s.upstream.edges(&actor).await {
        Ok(items) => axum::Json(EdgeList { items }).into_response(),
        Err(e @ EdgeError::Forbidden(_)) => refused(&s, &actor, "edge.list", e).await,
        Err(e) => error(e),
    }
}
