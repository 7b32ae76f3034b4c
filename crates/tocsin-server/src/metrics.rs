//! Prometheus metrics: a request counter and a latency histogram per route,
//! and the `/metrics` text. The store records the rest: audit commits
//! (`tocsin_audit_*`), hits, and where a screening's time goes: the
//! in-memory search (`tocsin_screen_search_duration_seconds`), the wait for
//! the audit writer (`tocsin_audit_queue_duration_seconds`), the commit
//! (`tocsin_audit_commit_duration_seconds`), and all that a request waits
//! for its entry to be durable (`tocsin_audit_append_duration_seconds`).

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Latency buckets, seconds: 50 µs to 10 s, with a bound at 20 ms (the
/// screening p99 goal) so a scrape tells whether the goal holds.
const BUCKETS: [f64; 17] =
    [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

/// Entries per audit commit: 1 to the writer's batch limit.
const BATCH_BUCKETS: [f64; 12] = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0, 1024.0, 4096.0];

/// How often recorded histogram samples are folded into their buckets.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// The process-wide recorder, installed on first use.
pub(crate) fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("duration_seconds".into()), &BUCKETS)
            .and_then(|b| b.set_buckets_for_metric(Matcher::Suffix("batch_entries".into()), &BATCH_BUCKETS))
            .map(PrometheusBuilder::build_recorder);
        match recorder {
            Ok(recorder) => {
                let handle = recorder.handle();
                // Fails only if another recorder was installed first; then
                // this one renders nothing, which /metrics shows plainly.
                let _ = metrics::set_global_recorder(recorder);
                handle
            }
            Err(_) => PrometheusBuilder::new().build_recorder().handle(),
        }
    })
}

/// Folds recorded histogram samples into their buckets every
/// [`UPKEEP_EVERY`] until dropped. A recorder that is built rather than
/// installed has no upkeep task of its own: without this, every request's
/// latency sample stays in memory until `/metrics` is next scraped, and a
/// server nobody scrapes grows without bound.
pub(crate) fn upkeep() -> tokio::task::JoinHandle<()> {
    tokio::spawn(async {
        let mut every = tokio::time::interval(UPKEEP_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            handle().run_upkeep();
        }
    })
}

/// Counts and times every request under its route template (`/v1/records/{id}`),
/// never its raw path, so identifiers do not become label values.
pub(crate) async fn track(req: Request, next: Next) -> Response {
    let start = Instant::now();
    let route = req.extensions().get::<MatchedPath>().map_or("unmatched", MatchedPath::as_str).to_owned();
    let method = req.method().as_str().to_owned();
    let response = next.run(req).await;
    let status = response.status().as_u16().to_string();
    let labels = [("route", route), ("method", method), ("status", status)];
    metrics::counter!("tocsin_http_requests_total", &labels).increment(1);
    metrics::histogram!("tocsin_http_request_duration_seconds", &labels).record(start.elapsed().as_secs_f64());
    response
}
