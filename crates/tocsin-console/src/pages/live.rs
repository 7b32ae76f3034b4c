//! Live updates for the signed-in agency: its hit events (a new hit on its
//! records or from its screenings, a hit's move) as server-sent events,
//! from the same store subscription as the API's `/v1/events`, so a page
//! learns of a hit the moment it is stored.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use tocsin_store::EventStream;

use crate::{Console, SignedIn};

/// The stream, from now on (a page shows the state it was drawn with).
pub(crate) async fn events(State(c): State<Console>, who: SignedIn) -> Response {
    // Counted with the token's API streams, under the same cap.
    let open = match c.options.gate.open_stream(&who.session.token) {
        Ok(guard) => guard,
        Err(refused) => return refused.into_response(),
    };
    let stream = match c.store().subscribe(&who.actor(), None).await {
        Ok(s) => s,
        Err(e) => return (StatusCode::SERVICE_UNAVAILABLE, e.to_string()).into_response(),
    };
    let events = futures::stream::unfold((stream, open), |(mut stream, open): (EventStream, _)| async move {
        let event = stream.next().await?.ok()?;
        // An event without data is never dispatched by a browser.
        let view = stream.view(&event);
        let data = serde_json::to_string(&view).ok()?;
        let sse = Event::default().id(view.seq.to_string()).event(event.kind.as_str()).data(data);
        Some((Ok::<_, Infallible>(sse), (stream, open)))
    })
    .take_until(c.options.shutdown.clone().cancelled_owned());
    // A token revoked or expired ends the stream (the next page asks to
    // sign in again).
    let (store, secret) = (c.store.clone(), who.session.token.clone());
    let events = events.take_until(async move { store.until_refused(&secret, Duration::from_secs(1)).await });
    Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))).into_response()
}
