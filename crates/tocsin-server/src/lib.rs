//! Tocsin's HTTP API: routes, authentication, the error envelope, OpenAPI and
//! Prometheus metrics, over a [`tocsin_store::Store`].
//!
//! Handlers are thin: they parse input into domain types, call the store
//! (which applies the access policy and writes the audit log), and map the
//! result to JSON. No handler decides visibility itself.

mod error;
mod extract;
pub mod importing;
mod limits;
mod metrics;
pub mod openapi;
mod rejections;
mod routes;
pub mod screening;
mod tls;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, Method, header};
use tocsin_store::Store;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::set_header::SetResponseHeaderLayer;

pub use error::{ApiError, ErrorBody};
pub use extract::admit;
pub use limits::{Gate, Limits, StreamGuard, client_address, too_many};
pub use tls::{PeerAgency, Tls, TlsError};

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
    /// Origins (`https://console.example.org`) whose pages may call the API
    /// from a browser; none by default, so a cross-origin page may not.
    pub cors_origins: Vec<Origin>,
    /// Rate limits and the cap on event streams (shared with the console's
    /// sign-in).
    pub gate: Gate,
    /// Serve over TLS with this certificate (plain HTTP when `None`).
    pub tls: Option<Tls>,
    /// Cancelled when [`serve`] starts shutting down: streams that never
    /// end by themselves (the API's event stream, the console's) end then,
    /// so that the server can finish.
    pub shutdown: CancellationToken,
    /// On an edge node: its state, shown by `/v1/health`.
    pub edge_status: Option<EdgeStatus>,
}

/// What an edge node says of itself in `/v1/health`.
pub type EdgeStatus = Arc<dyn Fn() -> serde_json::Value + Send + Sync>;

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
    /// The rate limits' buckets, the open streams, the refused tokens.
    gate: Gate,
    /// See [`Options::edge_status`].
    edge_status: Option<EdgeStatus>,
}

/// Installs the process's metrics recorder. Call it before the store does
/// any work: what is recorded earlier is lost, and an entry whose counter
/// and timings straddle the install would disagree for good.
pub fn install_metrics() {
    metrics::handle();
}

/// The whole API as a router.
pub fn router(store: Arc<Store>, options: Options) -> Router {
    let shutdown = options.shutdown.clone();
    router_with(store, options, shutdown).0
}

fn router_with(store: Arc<Store>, options: Options, shutdown: CancellationToken) -> (Router, AppState) {
    // Install the metrics recorder before the first request, so nothing
    // recorded earlier is lost.
    metrics::handle();
    let monitor = options.monitor_token_hash.map(Arc::from);
    let state = AppState {
        store,
        monitor,
        audit_broken: options.audit_broken,
        shutdown,
        gate: options.gate,
        edge_status: options.edge_status,
    };
    // A handler that panics is a bug: answered 500 (and logged), never a
    // dropped connection; the pages and services merged beside the API too.
    let panicked = |_: Box<dyn std::any::Any + Send>| {
        tracing::error!("a request handler panicked");
        axum::response::IntoResponse::into_response(ApiError::new(
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error; the operator's log has the details",
        ))
    };
    let api = routes::router(state.clone())
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(panicked))
        .layer(cors(options.cors_origins))
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::overriding(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
        ));
    let router = match options.pages {
        Some(pages) => api.merge(pages.layer(tower_http::catch_panic::CatchPanicLayer::custom(panicked))),
        None => api,
    };
    (router, state)
}

/// A web origin allowed to call the API from a browser: `https://host` or
/// `https://host:port` (or `http://`), nothing after, as a browser sends
/// it in `Origin`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin(HeaderValue);

impl std::str::FromStr for Origin {
    type Err = String;

    fn from_str(s: &str) -> Result<Origin, String> {
        let s = s.trim();
        let rest = s.strip_prefix("https://").or_else(|| s.strip_prefix("http://"));
        let bad = || format!("`{s}` is not an origin (https://host or https://host:port, no path)");
        if !rest.is_some_and(|r| !r.is_empty() && !r.contains(['/', '?', '#', ' ', '*', '@'])) {
            return Err(bad());
        }
        HeaderValue::from_str(s).map(Origin).map_err(|_| bad())
    }
}

/// The CORS policy: only `origins` may call the API from a browser page of
/// theirs (with a token, the API's methods and headers); with none, a
/// preflight is answered without an allowed origin, so the browser refuses.
fn cors(origins: Vec<Origin>) -> CorsLayer {
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins.into_iter().map(|o| o.0)))
        .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            HeaderName::from_static(extract::PURPOSE_HEADER),
            HeaderName::from_static("last-event-id"),
        ])
        .max_age(std::time::Duration::from_secs(3600))
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
    let tls = options.tls.clone();
    let (router, state) = router_with(store, options, token);
    let limits = limits::upkeep(state);
    // The client's address is the rate limit's key for requests without a
    // token this node has accepted.
    let app = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
    let served = match tls {
        None => {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    shutdown.await;
                    closing.cancel();
                })
                .await
        }
        Some(tls) => {
            let handle = axum_server::Handle::new();
            let stopping = handle.clone();
            tokio::spawn(async move {
                shutdown.await;
                closing.cancel();
                // As without TLS: in-flight requests finish, streams end.
                stopping.graceful_shutdown(None);
            });
            let server = axum_server::from_tcp_rustls(listener.into_std()?, tls.rustls())?;
            server.map(tls::PeerAcceptor).handle(handle).serve(app).await
        }
    };
    upkeep.abort();
    limits.abort();
    served
}
