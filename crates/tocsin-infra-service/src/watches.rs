//! Early warning: after each change to assets or dependencies, every
//! watch is evaluated on its agency's view, and one whose asset became a
//! single point of failure, or whose loss alone now fails at least its
//! `min_cascade`, sends its agency an `infra.warning` event. The state
//! is kept with a version, so two cluster nodes evaluating the same change
//! warn once.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use tocsin_core::AgencyCode;
use tocsin_core::record::RecordId;
use tocsin_infra::cascade::{Cause, Params, Prepared};
use tocsin_infra::report;
use tocsin_store::{Actor, Watch, WatchState};
use tokio_util::sync::CancellationToken;

use crate::{Infra, InfraError};

/// How long changes are gathered before the watches are evaluated.
const SETTLE: Duration = Duration::from_millis(200);

/// Evaluates the watches after every change until `shutdown`.
pub fn spawn(infra: Arc<Infra>, shutdown: CancellationToken) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = infra.changed.notified() => {}
            }
            tokio::time::sleep(SETTLE).await;
            if let Err(e) = evaluate(&infra, None).await {
                tracing::error!(error = %e, "infrastructure watches were not evaluated");
            }
        }
    })
}

/// Evaluates the watches (of one agency, when given) and warns where a
/// watched state was entered. A watch's first evaluation only records
/// the state: a warning says that something changed.
pub async fn evaluate(infra: &Infra, agency: Option<AgencyCode>) -> Result<usize, InfraError> {
    let all = infra.store().infra().all_watches().await?;
    let mut by_agency: BTreeMap<String, Vec<(Watch, u64)>> = BTreeMap::new();
    for (w, version) in all.into_iter().filter(|(w, _)| agency.is_none_or(|a| a == w.agency)) {
        by_agency.entry(w.agency.to_string()).or_default().push((w, version));
    }
    let mut warned = 0;
    for watches in by_agency.into_values() {
        match evaluate_agency(infra, &watches).await {
            Ok(n) => warned += n,
            // One agency's failure leaves the others' watches evaluated.
            Err(e) => tracing::error!(error = %e, "an agency's infrastructure watches were not evaluated"),
        }
    }
    Ok(warned)
}

/// Evaluates one agency's watches; how many warned.
async fn evaluate_agency(infra: &Infra, watches: &[(Watch, u64)]) -> Result<usize, InfraError> {
    let mut warned = 0;
    {
        let Some(agency) = watches.first().map(|(w, _)| w.agency) else { return Ok(0) };
        // A warning is an official-use-only event: it is worked out on
        // what the agency's least-cleared staff may see.
        let viewer = tocsin_core::access::Viewer::new(agency, tocsin_core::level::Level::OfficialUseOnly);
        let view = Arc::new(infra.view(&viewer).await?);
        let v = view.clone();
        let assets: Vec<RecordId> = watches.iter().map(|(w, _)| w.asset).collect();
        let states = tokio::task::spawn_blocking(move || {
            let flags = report::spof_flags(&v.net);
            let prepared = Prepared::new(&v.net, Params::default());
            assets
                .iter()
                .map(|a| match v.node(a) {
                    Some(n) => {
                        // An asset already down is removed by nothing.
                        let fails: Vec<RecordId> = prepared
                            .run(&[n])
                            .iter()
                            .filter(|f| f.cause != Cause::Removed)
                            .map(|f| v.ids[f.node as usize])
                            .collect();
                        let state =
                            WatchState { spof: flags[n as usize], cascade: fails.len() as u32, evaluated: true };
                        (state, fails.into_iter().take(20).collect())
                    }
                    None => (WatchState { evaluated: true, ..WatchState::default() }, vec![]),
                })
                .collect::<Vec<_>>()
        })
        .await
        .map_err(|e| tocsin_store::StoreError::Internal(format!("a watch evaluation stopped: {e}")))?;
        for ((watch, version), (state, failed)) in watches.iter().zip(states) {
            if state == watch.state {
                continue;
            }
            let was = watch.state;
            let became_spof = state.spof && !was.spof;
            let reached = watch.min_cascade.is_some_and(|m| state.cascade >= m && was.cascade < m);
            let warning = (was.evaluated && (became_spof || reached)).then(|| {
                json!({
                    "watch": watch.id,
                    "asset": watch.asset,
                    "single_point_of_failure": state.spof,
                    "cascade": state.cascade,
                    "min_cascade": watch.min_cascade,
                    "reason": if became_spof { "single_point_of_failure" } else { "cascade" },
                    "fails": failed,
                })
            });
            let warns = warning.is_some();
            if infra.store().infra().settle_watch(watch, *version, state, warning).await? && warns {
                warned += 1;
            }
        }
    }
    Ok(warned)
}

/// Watches an asset and records its state at once.
pub async fn watch(infra: &Infra, actor: &Actor, asset: &str, min_cascade: Option<u32>) -> Result<Watch, InfraError> {
    let id: RecordId =
        asset.parse().map_err(|_| tocsin_store::StoreError::NotFound(format!("asset {}", asset.escape_debug())))?;
    let w = infra.store().infra().watch(actor, id, min_cascade).await?;
    // The watch is kept: its first evaluation records its state, or the
    // next change does.
    if let Err(e) = evaluate(infra, Some(actor.agency)).await {
        tracing::error!(error = %e, "a new infrastructure watch was not evaluated");
    }
    let mine = infra.store().infra().watches(actor).await?;
    Ok(mine.into_iter().find(|x| x.id == w.id).unwrap_or(w))
}
