//! Tocsin's HTTP API: routes, authentication, the error envelope, OpenAPI and
//! Prometheus metrics, over a [`tocsin_store::Store`].
//!
//! Handlers are thin: they parse input into domain types, call the store
//! (which applies the access policy and writes the audit log), and map the
//! result to JSON. No handler decides visibility itself.

mod error;
mod extract;
pub mod importing;
mod metrics;
pub mod openapi;
mod rejections;
mod routes;
pub mod screening;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use tocsin_store::Store;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub use error::{ApiError, ErrorBody};

/// Largest request body accepted, except on bulk endpoints.
pub const BODY_LIMIT: usize = 1024 * 1024;
/// Largest body accepted on bulk endpoints.
pub const BULK_BODY_LIMIT: usize = 32 * 1024 * 1024;
/// Largest list upload to `POST /v1/imports`.
pub const IMPORT_BODY_LIMIT: usize = 256 * 1024 * 1024;
/// Most lines in one bulk request.
pub const BULK_LINES: usize = 50_000;

/// How a server is set up besides its store.
#[derive(Clone, Default)]
pub struct Options {
    /// The digest ([`tocsin_store::hash_token`]) of the monitoring token,
    /// the only credential that reads `/metrics` and the cluster part of
    /// `/v1/health`; `None`: nobody reads them.
    pub monitor_token_hash: Option<String>,
    /// The server was started on an audit log that does not hold against
    /// its signed checkpoints (`--allow-broken-audit`); `/v1/health` says so.
    pub audit_broken: bool,
    /// More routes to serve beside the API's (the web console), which
    /// must not overlap them.
    pub pages: Option<Router>,
    /// Cancelled when [`serve`] starts shutting down: streams that never
    /// end by themselves (the API's event stream, the console's) end then,
    /// so that the server can finish.
    pub shutdown: CancellationToken,
}

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    store: Arc<Store>,
    /// See [`Options::monitor_token_hash`].
    monitor: Option<Arc<str>>,
    /// See [`Options::audit_broken`].
    audit_broken: bool,
    /// Cancelled when the server starts shutting down, so that streams that
    /// never end by themselves (the event stream) let it finish.
    shutdown: CancellationToken,
}

/// The whole API as a router.
pub fn router(store: Arc<Store>, options: Options) -> Router {
    let shutdown = options.shutdown.clone();
    router_with(store, options, shutdown)
}

fn router_with(store: Arc<Store>, options: Options, shutdown: CancellationToken) -> Router {
    // Install the metrics recorder before the first request, so nothing
    // recorded earlier is lost.
    metrics::handle();
    let monitor = options.monitor_token_hash.map(Arc::from);
    let api = routes::router(AppState { store, monitor, audit_broken: options.audit_broken, shutdown });
    match options.pages {
        Some(pages) => api.merge(pages),
        None => api,
    }
}

/// Serves the API on `listener` until `shutdown` resolves, then lets
/// in-flight requests finish. The caller closes the store afterwards, which
/// flushes the audit log.
pub async fn serve(
    listener: TcpListener,
    store: Arc<Store>,
    options: Options,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let token = options.shutdown.clone();
    let closing = token.clone();
    let upkeep = metrics::upkeep();
    let served = axum::serve(listener, router_with(store, options, token))
        .with_graceful_shutdown(async move {
            shutdown.await;
            closing.cancel();
        })
        .await;
    upkeep.abort();
    served
}
