//! [`Bus`] on NATS JetStream.
//!
//! One stream (`tocsin` unless the URL says `?stream=NAME`) holds every
//! change on the subjects `<stream>.records`, `.notices`, `.watches`,
//! `.dismissals`, `.events` and `.checkpoints`, on disk, for seven days. A node reads it
//! with an ordered consumer from the sequence it needs: no consumer state is
//! kept on the server, so nodes come and go freely. Publishing waits for
//! the stream's acknowledgement; each message carries a `Nats-Msg-Id`, so a
//! retried publish is stored once.

use std::time::Duration;

use async_nats::connection::State;
use async_nats::jetstream::{self, consumer, stream};
use futures::StreamExt;

use crate::{Bus, BusError, Change, Deliveries, Delivery, What};

/// How long a publish may wait for the stream's acknowledgement.
const PUBLISH_TIMEOUT: Duration = Duration::from_secs(3);
/// How long connecting may take at start.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// How long the stream keeps a change: a node that was cut off longer than
/// this rebuilds its state from the database instead of catching up.
const MAX_AGE: Duration = Duration::from_secs(7 * 24 * 3600);

/// A connection to NATS and the cluster's stream on it.
pub struct NatsBus {
    client: async_nats::Client,
    js: jetstream::Context,
    stream: String,
    node: String,
    origin: String,
    published: std::sync::atomic::AtomicU64,
    /// Counts reconnections: a consumer made before one may be gone with
    /// the server's restart, so [`Bus::follow`]'s stream ends at the next.
    reconnects: tokio::sync::watch::Receiver<u64>,
}

impl NatsBus {
    /// Connects to `url` (`nats://host[:port][?stream=NAME]`) as `node`
    /// (`node-<process id>` when `None`) and creates the stream if it is not
    /// there. Fails at once, naming the server, if it cannot be reached or
    /// has JetStream disabled.
    pub async fn connect(url: &str, node: Option<&str>) -> Result<NatsBus, BusError> {
        let (server, stream) = parse_url(url)?;
        let pid = std::process::id();
        let node = node.map_or_else(|| format!("node-{pid}"), str::to_owned);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or_default();
        // Unique to this process even when a node restarts under its name.
        let origin = format!("{node}:{pid}-{nanos:08x}");
        let (reconnected, reconnects) = tokio::sync::watch::channel(0u64);
        let client = async_nats::ConnectOptions::new()
            .name(format!("tocsin {node}"))
            .connection_timeout(CONNECT_TIMEOUT)
            .event_callback(move |event| {
                let reconnected = reconnected.clone();
                async move {
                    match event {
                        async_nats::Event::Connected => {
                            tracing::info!("NATS connection is back");
                            reconnected.send_modify(|n| *n += 1);
                        }
                        async_nats::Event::Disconnected => tracing::warn!("NATS connection lost; reconnecting"),
                        other => tracing::debug!(event = %other, "NATS"),
                    }
                }
            })
            .connect(server.as_str())
            .await
            .map_err(|e| BusError::Unreachable(format!("{server}: {e}")))?;
        let js = jetstream::new(client.clone());
        let config = stream::Config {
            name: stream.clone(),
            subjects: vec![format!("{stream}.>")],
            storage: stream::StorageType::File,
            max_age: MAX_AGE,
            duplicate_window: Duration::from_secs(120),
            ..stream::Config::default()
        };
        tokio::time::timeout(CONNECT_TIMEOUT, js.get_or_create_stream(config))
            .await
            .map_err(|_| BusError::Unreachable(format!("{server}: JetStream did not answer (is it enabled? -js)")))?
            .map_err(|e| BusError::JetStream(format!("stream {stream} on {server}: {e}")))?;
        Ok(NatsBus { client, js, stream, node, origin, published: 0.into(), reconnects })
    }

    /// The stream's name.
    pub fn stream(&self) -> &str {
        &self.stream
    }
}

/// The server address and the stream name from a `nats://` URL.
fn parse_url(url: &str) -> Result<(String, String), BusError> {
    let invalid = |message: String| BusError::Invalid { field: "events", message };
    let Some(rest) = url.strip_prefix("nats://") else {
        return Err(invalid(format!("`{}` is not a nats:// URL", url.escape_debug())));
    };
    let (server, query) = rest.split_once('?').unwrap_or((rest, ""));
    if server.is_empty() {
        return Err(invalid("the URL names no server".into()));
    }
    let mut stream = "tocsin".to_owned();
    for param in query.split('&').filter(|p| !p.is_empty()) {
        match param.split_once('=') {
            Some(("stream", name)) => stream = name.to_owned(),
            _ => return Err(invalid(format!("unknown parameter `{}` (only stream=NAME)", param.escape_debug()))),
        }
    }
    let fine = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
    if stream.is_empty() || stream.len() > 64 || !stream.bytes().all(fine) {
        return Err(BusError::Invalid {
            field: "stream",
            message: format!("`{}`: 1 to 64 letters, digits, _ or -", stream.escape_debug()),
        });
    }
    Ok((format!("nats://{server}"), stream))
}

#[async_trait::async_trait]
impl Bus for NatsBus {
    fn node(&self) -> &str {
        &self.node
    }

    fn origin(&self) -> &str {
        &self.origin
    }

    fn is_connected(&self) -> bool {
        self.client.connection_state() == State::Connected
    }

    async fn publish(&self, what: What) -> Result<u64, BusError> {
        let subject = format!("{}.{}", self.stream, what.topic());
        let change = Change { origin: self.origin.clone(), what };
        let payload = serde_json::to_vec(&change).map_err(|e| BusError::Malformed(e.to_string()))?;
        let n = self.published.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut headers = async_nats::HeaderMap::new();
        headers.insert("Nats-Msg-Id", format!("{}-{n}", self.origin).as_str());
        let sent = async {
            let ack = self
                .js
                .publish_with_headers(subject, headers, payload.into())
                .await
                .map_err(|e| BusError::Unreachable(e.to_string()))?;
            ack.await.map_err(|e| BusError::Unreachable(e.to_string()))
        };
        match tokio::time::timeout(PUBLISH_TIMEOUT, sent).await {
            Ok(ack) => Ok(ack?.sequence),
            Err(_) => Err(BusError::Unreachable(format!("no acknowledgement in {PUBLISH_TIMEOUT:?}"))),
        }
    }

    async fn last_seq(&self) -> Result<u64, BusError> {
        let stream = tokio::time::timeout(PUBLISH_TIMEOUT, self.js.get_stream(&self.stream))
            .await
            .map_err(|_| BusError::Unreachable("no answer".into()))?
            .map_err(|e| BusError::JetStream(e.to_string()))?;
        let info = stream.get_info().await.map_err(|e| BusError::JetStream(e.to_string()))?;
        Ok(info.state.last_sequence)
    }

    async fn follow(&self, from: u64) -> Result<Deliveries, BusError> {
        let stream = self.js.get_stream(&self.stream).await.map_err(|e| BusError::JetStream(e.to_string()))?;
        let consumer = stream
            .create_consumer(consumer::pull::OrderedConfig {
                deliver_policy: consumer::DeliverPolicy::ByStartSequence { start_sequence: from.max(1) },
                ..consumer::pull::OrderedConfig::default()
            })
            .await
            .map_err(|e| BusError::JetStream(e.to_string()))?;
        let messages = consumer.messages().await.map_err(|e| BusError::JetStream(e.to_string()))?;
        let mut reconnects = self.reconnects.clone();
        reconnects.mark_unchanged();
        let reconnected = async move {
            let _ = reconnects.changed().await;
        };
        Ok(messages
            .take_until(reconnected)
            .map(|m| {
                let m = m.map_err(|e| BusError::Unreachable(e.to_string()))?;
                let seq = m.info().map_err(|e| BusError::Malformed(e.to_string()))?.stream_sequence;
                let change = serde_json::from_slice(&m.payload).map_err(|e| BusError::Malformed(e.to_string()))?;
                Ok(Delivery { seq, change })
            })
            .boxed())
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Any text given as `--events` is a server and stream, or an
        /// error naming the field; never a panic.
        #[test]
        fn any_url_parses_or_names_its_field(url in "\\PC{0,80}") {
            match parse_url(&url) {
                Ok((server, stream)) => {
                    prop_assert!(server.starts_with("nats://") && server.len() > "nats://".len());
                    prop_assert!(!stream.is_empty() && stream.len() <= 64);
                }
                Err(BusError::Invalid { field, .. }) => prop_assert!(field == "events" || field == "stream"),
                Err(other) => prop_assert!(false, "unexpected {other:?}"),
            }
        }

        #[test]
        fn a_well_formed_url_names_its_server_and_stream(
            host in "[a-z][a-z0-9.-]{0,20}",
            port in 1u16..,
            stream in "[A-Za-z0-9_-]{1,64}",
        ) {
            let (server, name) = parse_url(&format!("nats://{host}:{port}?stream={stream}")).expect("valid");
            prop_assert_eq!(server, format!("nats://{host}:{port}"));
            prop_assert_eq!(name, stream);
        }
    }

    #[test]
    fn urls_name_the_server_and_the_stream() {
        let ok = |u: &str| parse_url(u).expect(u);
        assert_eq!(ok("nats://127.0.0.1:4222"), ("nats://127.0.0.1:4222".into(), "tocsin".into()));
        assert_eq!(ok("nats://h?stream=tocsin_t1"), ("nats://h".into(), "tocsin_t1".into()));
        let field = |u: &str| match parse_url(u) {
            Err(BusError::Invalid { field, .. }) => field,
            other => panic!("{u}: {other:?}"),
        };
        assert_eq!(field("http://h:4222"), "events");
        assert_eq!(field("nats://"), "events");
        assert_eq!(field("nats://h?queue=x"), "events");
        assert_eq!(field("nats://h?stream=a.b"), "stream");
        assert_eq!(field("nats://h?stream="), "stream");
    }
}
