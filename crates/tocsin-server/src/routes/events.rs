//! The event stream: server-sent events for the caller's agency.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use futures::Stream;
use futures::StreamExt;
use serde::Deserialize;
use tocsin_store::EventStream;

use crate::extract::{Caller, Query};
use crate::{ApiError, AppState};

/// Where to resume.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct EventParams {
    /// Resume after this event (as the `Last-Event-ID` header does; the
    /// header wins when both are sent).
    after: Option<String>,
}

/// How long a client waits before reconnecting, sent as `retry:`.
const RETRY: Duration = Duration::from_secs(2);

/// How often an open stream's token is checked.
const TOKEN_CHECK: Duration = Duration::from_secs(1);

fn position(field: &str, s: &str) -> Result<u64, ApiError> {
    s.trim().parse::<u64>().map_err(|_| {
        ApiError::field("invalid_field", field, format!("{field}: `{}` is not an event id", s.escape_debug()))
    })
}

/// Events for the caller's agency, as `text/event-stream`: `hit` (a hit on
/// its records, silent ones included, or made by its screenings),
/// `hit.status`, `hit.message` and `watch.match`. Each event's `id` is its
/// sequence number; a client that reconnects with `Last-Event-ID` (or
/// `?after=`) first gets every event it missed, in order. Without either,
/// the stream starts with events from now on. A client that stops reading
/// is disconnected once 256 events wait for it (and the server logs it); it
/// reconnects and resumes.
#[utoipa::path(get, path = "/v1/events", tag = "hits", params(EventParams,
        ("Last-Event-ID" = Option<String>, Header, description = "The last event id the client received")),
    security(("bearer" = [])),
    responses((status = 200, description = "Server-sent events; each `data` is an Event", content_type = "text/event-stream", body = tocsin_core::event::EventView),
        (status = 400, body = crate::ErrorBody)))]
pub(crate) async fn events(
    State(s): State<AppState>,
    Caller(actor): Caller,
    headers: HeaderMap,
    Query(p): Query<EventParams>,
) -> Result<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>, ApiError> {
    let after = match (headers.get("last-event-id"), p.after) {
        (Some(h), _) => {
            let text = h
                .to_str()
                .map_err(|_| ApiError::field("invalid_header", "Last-Event-ID", "Last-Event-ID: not an event id"))?;
            Some(position("Last-Event-ID", text)?)
        }
        (None, Some(a)) => Some(position("after", &a)?),
        (None, None) => None,
    };
    let secret = crate::extract::bearer_in(&headers)?.to_owned();
    // Counted while open: a token holds at most the configured number.
    let open = s.gate.open_stream(&secret)?;
    let stream = s.store.subscribe(&actor, after).await?;
    let agency = actor.agency;
    tracing::info!(%agency, user = %actor.user, ?after, "event stream opened");
    let first = SseEvent::default().retry(RETRY).comment("tocsin events");
    let events = futures::stream::unfold((stream, open), |(mut stream, open): (EventStream, _)| async move {
        match stream.next().await? {
            Ok(e) => match serde_json::to_string(&stream.view(&e)) {
                Ok(data) => {
                    let number = stream.view(&e).seq;
                    let sse = SseEvent::default().id(number.to_string()).event(e.kind.as_str()).data(data);
                    Some((Ok(sse), (stream, open)))
                }
                // Never an empty event in its place: the client resumes
                // after the last one it got when it reconnects.
                Err(err) => {
                    tracing::error!(error = %err, number = stream.view(&e).seq, "an event does not serialize; closing the stream");
                    None
                }
            },
            Err(err) => {
                tracing::error!(error = %err, last = stream.last(), "event stream failed; closing it");
                None
            }
        }
    });
    // A token revoked (or expired) while its stream is open ends the
    // stream, with a last event that says why.
    let refused = Arc::new(AtomicBool::new(false));
    let (store, flag) = (s.store.clone(), refused.clone());
    let until_refused = async move {
        store.until_refused(&secret, TOKEN_CHECK).await;
        flag.store(true, Ordering::SeqCst);
    };
    let last = futures::stream::once(async move {
        let data =
            r#"{"error":{"code":"invalid_token","message":"the token was revoked or has expired; the stream ends"}}"#;
        refused.load(Ordering::SeqCst).then(|| Ok(SseEvent::default().event("error").data(data)))
    })
    .filter_map(futures::future::ready);
    let events = futures::stream::once(async { Ok(first) })
        .chain(events.take_until(until_refused))
        .chain(last)
        .take_until(s.shutdown.cancelled_owned());
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}
