//! Requests refused before they reach the store are audited too: a body
//! that is not JSON, a bad parameter, a body over the limit, a bad batch
//! line. The store audits every call it receives; what an extractor or a
//! handler refuses before calling it would otherwise leave no trace, and an
//! auditor could not tell a probing caller from an idle one.
//!
//! [`audit_rejected`] wraps every route: it gives the request a
//! [`CallerSlot`], which [`crate::extract::Caller`] fills once the token is
//! known, and when the answer carries [`Unaudited`] it logs a
//! `request.invalid` entry in the caller's name (the route, the error's
//! code). Without a known caller (no token, a bad one, no such route) there
//! is nobody to log it for: a missing or unknown token is logged as
//! `auth.reject` by the authentication itself.

use std::sync::{Arc, OnceLock};

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tocsin_audit::Outcome;
use tocsin_store::Actor;

use crate::error::Unaudited;
use crate::{ApiError, AppState};

/// Where the authenticated caller of a request is kept for
/// [`audit_rejected`].
#[derive(Debug, Clone, Default)]
pub(crate) struct CallerSlot(Arc<OnceLock<Actor>>);

impl CallerSlot {
    /// Keeps the caller (the first one set stays).
    pub(crate) fn set(&self, actor: &Actor) {
        let _ = self.0.set(actor.clone());
    }
}

/// Audits a refusal made before the store was reached; if that entry
/// cannot be written, the answer becomes the store's error (fail closed).
pub(crate) async fn audit_rejected(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let slot = CallerSlot::default();
    req.extensions_mut().insert(slot.clone());
    let route = req.extensions().get::<MatchedPath>().map_or("unmatched", MatchedPath::as_str).to_owned();
    let method = req.method().as_str().to_owned();
    let response = next.run(req).await;
    let (Some(mark), Some(actor)) = (response.extensions().get::<Unaudited>().copied(), slot.0.get()) else {
        return response;
    };
    let objects = vec![format!("{method} {route}"), mark.code.to_owned()];
    match state.store.log(actor, "request.invalid", objects, Outcome::Invalid).await {
        Ok(()) => response,
        Err(e) => ApiError::from(e).into_response(),
    }
}
