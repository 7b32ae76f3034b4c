//! The dashboard's figures.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use time::OffsetDateTime;
use tocsin_activity::{Activity, Step, Window};

use crate::extract::{Caller, Query, query_error, query_time};
use crate::{ApiError, AppState};

/// The window.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct ActivityParams {
    /// `hour` (default) or `day` buckets, UTC.
    #[param(value_type = Option<String>)]
    step: Option<Step>,
    /// The first bucket (RFC 3339; moved to its bucket's start). Default: 24
    /// hours or 30 days before `to`.
    from: Option<String>,
    /// The end (RFC 3339; moved to its bucket's end). Default: now, so the
    /// current bucket is the last.
    to: Option<String>,
}

/// The caller's agency's activity, per hour or per day (UTC): the
/// screenings its users made, the hits it may see (on its records, silent
/// ones included; from its screenings, silent ones never), those hits by the
/// other agency's country and by the type of notice published on the
/// record, and its screening latency (p50, p99) as this node measured it
/// since it started. At most 744 hourly or 366 daily buckets. Any role.
#[utoipa::path(get, path = "/v1/activity", tag = "system", params(ActivityParams), security(("bearer" = [])),
    responses((status = 200, body = Activity), (status = 400, body = crate::ErrorBody)))]
pub(crate) async fn activity(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Query(p): Query<ActivityParams>,
) -> Result<Json<Activity>, ApiError> {
    let from = query_time("from", p.from.as_deref())?;
    let to = query_time("to", p.to.as_deref())?;
    let window = Window::new(from, to, p.step.unwrap_or_default(), OffsetDateTime::now_utc())
        .map_err(|e| query_error(e.field)(e.message))?;
    Ok(Json(s.store.activity(&actor, window).await?))
}
