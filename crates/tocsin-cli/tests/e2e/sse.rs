//! A server-sent events client for the tests: reads `/v1/events` on a
//! thread and hands each event over a channel.

use std::io::{BufRead, BufReader};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;

/// One event as received.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    pub(crate) id: u64,
    pub(crate) event: String,
    pub(crate) data: Value,
}

pub(crate) struct SseClient {
    events: mpsc::Receiver<Received>,
}

impl SseClient {
    /// Connects as `token`, resuming after `last_id` when given (sent as the
    /// `Last-Event-ID` header), and waits for the stream to open.
    pub(crate) fn connect(base: &str, token: &str, last_id: Option<u64>) -> SseClient {
        let client = reqwest::blocking::Client::builder().timeout(None).build().expect("client");
        let mut req = client.get(format!("{base}/v1/events")).bearer_auth(token);
        if let Some(id) = last_id {
            req = req.header("Last-Event-ID", id.to_string());
        }
        let resp = req.send().expect("GET /v1/events");
        assert_eq!(resp.status(), 200, "the event stream opens");
        let content_type = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default();
        assert!(content_type.starts_with("text/event-stream"), "{content_type}");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(resp).lines();
            let (mut id, mut event, mut data) = (None, String::new(), String::new());
            while let Some(Ok(line)) = lines.next() {
                if line.is_empty() {
                    // An event without an id (a closing error) reads as id 0.
                    let id = id.take().unwrap_or(0);
                    if !data.is_empty() {
                        let data = serde_json::from_str(&data).expect("event data is JSON");
                        if tx.send(Received { id, event: std::mem::take(&mut event), data }).is_err() {
                            return;
                        }
                    }
                    data.clear();
                } else if let Some(v) = line.strip_prefix("id:") {
                    id = v.trim().parse().ok();
                } else if let Some(v) = line.strip_prefix("event:") {
                    event = v.trim().to_owned();
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push_str(v.trim_start());
                }
            }
        });
        SseClient { events: rx }
    }

    /// The next event, or `None` if none comes within `wait`.
    pub(crate) fn next_within(&self, wait: Duration) -> Option<Received> {
        self.events.recv_timeout(wait).ok()
    }

    /// Whether the server ends the stream within `wait` (events before the
    /// end are dropped).
    pub(crate) fn ends_within(&self, wait: Duration) -> bool {
        let deadline = std::time::Instant::now() + wait;
        loop {
            match self.events.recv_timeout(deadline.saturating_duration_since(std::time::Instant::now())) {
                Ok(_) => continue,
                Err(mpsc::RecvTimeoutError::Disconnected) => return true,
                Err(mpsc::RecvTimeoutError::Timeout) => return false,
            }
        }
    }

    /// The next event; fails the test if none comes within 10 seconds.
    pub(crate) fn next(&self) -> Received {
        self.next_within(Duration::from_secs(10)).expect("an event within 10 s")
    }
}
