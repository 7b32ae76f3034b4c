//! The route table.

mod activity;
mod audit;
mod compare;
mod events;
mod hits;
mod imports;
mod notices;
mod public;
mod records;
mod retention;
mod screen;
mod system;
mod tokens;
mod units;
mod watches;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::{AppState, BODY_LIMIT, BULK_BODY_LIMIT, metrics, rejections};

pub(crate) use self::activity::*;
pub(crate) use self::audit::*;
pub(crate) use self::compare::*;
pub(crate) use self::events::*;
pub(crate) use self::hits::*;
pub(crate) use self::imports::*;
pub(crate) use self::notices::*;
pub(crate) use self::public::*;
pub(crate) use self::records::*;
pub(crate) use self::retention::*;
pub(crate) use self::screen::*;
pub(crate) use self::system::*;
pub(crate) use self::tokens::*;
pub(crate) use self::units::*;
pub(crate) use self::watches::*;

pub(crate) fn router(state: AppState) -> Router {
    let bulk = Router::new()
        .route("/v1/records/bulk", post(records::bulk))
        .route("/v1/screen/batch", post(screen::batch))
        .layer(DefaultBodyLimit::max(BULK_BODY_LIMIT));
    // Streamed and limited by the handler itself.
    let imports = Router::new().route("/v1/imports", post(imports::import)).layer(DefaultBodyLimit::disable());
    Router::new()
        .route("/v1/health", get(system::health))
        .route("/v1/openapi.json", get(system::openapi))
        .route("/metrics", get(system::metrics))
        .route("/v1/records", post(records::create).get(records::list))
        .route("/v1/records/export", get(records::export))
        .route("/v1/records/{id}", get(records::read).put(records::update).delete(records::archive))
        .route("/v1/records/{id}/audit", get(audit::record_audit))
        .route("/v1/records/{id}/extend", post(retention::extend_record))
        .route("/v1/reviews", get(retention::reviews))
        .route("/v1/audit", get(audit::entries))
        .route("/v1/audit/verify", get(audit::verify))
        .route("/v1/compare", post(compare::compare))
        .route("/v1/screen", post(screen::screen))
        .route("/v1/hits", get(hits::hits))
        .route("/v1/hits/{id}", get(hits::hit))
        .route("/v1/hits/{id}/status", post(hits::hit_status))
        .route("/v1/hits/{id}/messages", post(hits::post_message).get(hits::messages))
        .route("/v1/events", get(events::events))
        .route("/v1/watches", post(watches::create_watch).get(watches::watches))
        .route("/v1/watches/{id}", axum::routing::delete(watches::delete_watch))
        .route("/v1/notices", post(notices::create_notice).get(notices::notices))
        .route("/v1/notices/{id}", get(notices::notice).put(notices::update_notice))
        .route("/v1/notices/{id}/{action}", post(notices::move_notice))
        .route("/v1/notices/{id}/extend", post(retention::extend_notice))
        .route("/v1/notices/{id}/public", post(notices::set_public))
        .route("/v1/public/notices", get(public::public_notices))
        .route("/v1/activity", get(activity::activity))
        .route("/v1/tokens", get(tokens::list_tokens).post(tokens::issue_token))
        .route("/v1/tokens/{id}/revoke", post(tokens::revoke_token))
        .route("/v1/units", get(units::list_units).post(units::add_unit))
        .route("/v1/units/{code}/{action}", post(units::suspend_unit))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .merge(bulk)
        .merge(imports)
        .fallback(system::not_found)
        .method_not_allowed_fallback(system::method_not_allowed)
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), rejections::audit_rejected))
        .layer(axum::middleware::from_fn_with_state(state.clone(), crate::limits::limit))
        .layer(axum::middleware::from_fn(metrics::track))
        .with_state(state)
}
