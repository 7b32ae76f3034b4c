//! Rate limits and the refused-token log's aggregation.
//!
//! A request that bears a token this node has accepted counts against that
//! token; any other (no token, an unknown one, a token on its first use)
//! against its client address, at a lower rate, so that guessing tokens or
//! hammering the anonymous routes is slow from one address while many
//! officers behind one address keep their own tokens' budgets. Over its
//! budget a request is answered 429 with `Retry-After` before anything is
//! looked up or logged. The buckets are `governor`'s (GCRA), in memory per
//! node.
//!
//! Refused tokens are logged (`auth.reject`) once per address and minute;
//! the others in that minute are counted, and the count is logged when the
//! minute is over (`auth.reject.repeated`), so a flood adds two entries a
//! minute per address, not one per request.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use serde::Serialize;

use crate::{ApiError, AppState};

/// The limits an operator sets (`tocsin serve --rate-token …`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Limits {
    /// Requests a second per token (bursts of twice as many).
    pub per_token: u32,
    /// Requests a second per client address without an accepted token
    /// (bursts of twice as many).
    pub per_address: u32,
    /// Event streams open at once per token.
    pub streams_per_token: u32,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { per_token: 200, per_address: 20, streams_per_token: 10 }
    }
}

/// How long refused tokens from one address are counted before the count
/// is logged.
const REJECT_WINDOW: Duration = Duration::from_secs(60);

/// The node's buckets and counts.
pub(crate) struct Limiter {
    pub(crate) limits: Limits,
    tokens: DefaultKeyedRateLimiter<String>,
    addresses: DefaultKeyedRateLimiter<IpAddr>,
    streams: Mutex<HashMap<String, u32>>,
    rejected: Mutex<HashMap<IpAddr, Rejections>>,
}

/// Refused tokens from one address in the current window.
struct Rejections {
    since: Instant,
    unlogged: u64,
}

fn quota(per_second: u32) -> Quota {
    let rate = NonZeroU32::new(per_second.max(1)).unwrap_or(NonZeroU32::MIN);
    let burst = rate.saturating_mul(NonZeroU32::new(2).unwrap_or(NonZeroU32::MIN));
    Quota::per_second(rate).allow_burst(burst)
}

impl Limiter {
    pub(crate) fn new(limits: Limits) -> Limiter {
        Limiter {
            limits,
            tokens: RateLimiter::keyed(quota(limits.per_token)),
            addresses: RateLimiter::keyed(quota(limits.per_address)),
            streams: Mutex::default(),
            rejected: Mutex::default(),
        }
    }

    /// For a refused token from `address`: `None` when it is only counted
    /// (its window's first is logged), else `Some(n)`, to log it, with `n`
    /// refusals of the address's previous window still unlogged.
    pub(crate) fn log_rejection(&self, address: IpAddr) -> Option<u64> {
        let mut rejected = self.rejected.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(r) = rejected.get_mut(&address)
            && r.since.elapsed() < REJECT_WINDOW
        {
            r.unlogged += 1;
            return None;
        }
        let previous = rejected.insert(address, Rejections { since: Instant::now(), unlogged: 0 });
        Some(previous.map_or(0, |p| p.unlogged))
    }

    /// The windows that have ended with refusals not yet logged, cleared.
    fn ended(&self) -> Vec<(IpAddr, u64)> {
        let mut rejected = self.rejected.lock().unwrap_or_else(|p| p.into_inner());
        let ended: Vec<(IpAddr, u64)> = rejected
            .iter()
            .filter(|(_, r)| r.since.elapsed() >= REJECT_WINDOW && r.unlogged > 0)
            .map(|(a, r)| (*a, r.unlogged))
            .collect();
        rejected.retain(|_, r| r.since.elapsed() < REJECT_WINDOW);
        ended
    }

    /// Opens an event stream for the token with `digest`, if it has fewer
    /// than the limit open: the guard closes it.
    fn open_stream(self: &Arc<Self>, digest: &str) -> Result<StreamGuard, ApiError> {
        let mut streams = self.streams.lock().unwrap_or_else(|p| p.into_inner());
        let open = streams.entry(digest.to_owned()).or_default();
        if *open >= self.limits.streams_per_token {
            return Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_streams",
                format!("this token has {open} event streams open, the most allowed; close one first"),
            ));
        }
        *open += 1;
        Ok(StreamGuard { limiter: self.clone(), digest: digest.to_owned() })
    }
}

/// An open event stream, counted until dropped.
pub struct StreamGuard {
    limiter: Arc<Limiter>,
    digest: String,
}

impl Drop for StreamGuard {
    fn drop(&mut self) {
        let mut streams = self.limiter.streams.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(open) = streams.get_mut(&self.digest) {
            *open = open.saturating_sub(1);
            if *open == 0 {
                streams.remove(&self.digest);
            }
        }
    }
}

/// The client's address (unspecified when the server was not given it).
pub fn client_address(extensions: &axum::http::Extensions) -> IpAddr {
    extensions.get::<ConnectInfo<SocketAddr>>().map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip())
}

/// Rate limits shared by the API and the console's sign-in: one per server.
#[derive(Clone)]
pub struct Gate(pub(crate) Arc<Limiter>);

impl std::fmt::Debug for Gate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Gate").field(&self.0.limits).finish()
    }
}

impl Default for Gate {
    fn default() -> Gate {
        Gate::new(Limits::default())
    }
}

impl Gate {
    /// Buckets for `limits`.
    pub fn new(limits: Limits) -> Gate {
        Gate(Arc::new(Limiter::new(limits)))
    }

    /// The limits.
    pub fn limits(&self) -> Limits {
        self.0.limits
    }

    /// Opens an event stream for `token` (its secret) if it has fewer than
    /// the limit open, counted until the guard is dropped; else the 429
    /// error. The API's `/v1/events` and the console's live page share the
    /// count.
    pub fn open_stream(&self, token: &str) -> Result<StreamGuard, ApiError> {
        self.0.open_stream(&tocsin_store::hash_token(token))
    }

    /// Admits a request from `address` that bears no accepted token, or
    /// says in how many seconds (at least one) it may come again.
    pub fn admit(&self, address: IpAddr) -> Result<(), u64> {
        self.0.addresses.check_key(&address).map_err(retry_after)
    }

    /// Admits a request that bears `secret` (a token in any scheme the
    /// route reads, or none), as the API's middleware does: against the
    /// token's budget when this node has accepted it, else against the
    /// client address's; or says in how many seconds it may come again.
    pub fn admit_request(&self, store: &tocsin_store::Store, secret: Option<&str>, address: IpAddr) -> Result<(), u64> {
        let known = secret.map(tocsin_store::hash_token).filter(|digest| store.knows_token(digest));
        match known {
            Some(digest) => self.0.tokens.check_key(&digest).map_err(retry_after),
            None => self.admit(address),
        }
    }

    /// Logs a refused token from `address` (`action`: what was tried), as
    /// the API does: the first of each minute, then the count of the
    /// others.
    pub async fn log_refused(
        &self,
        store: &tocsin_store::Store,
        address: IpAddr,
        action: &str,
    ) -> Result<(), tocsin_store::StoreError> {
        let Some(unlogged) = self.0.log_rejection(address) else { return Ok(()) };
        if unlogged > 0 {
            let objects = vec![format!("address:{address}"), format!("count:{unlogged}")];
            store.log_rejected("auth.reject.repeated", objects).await?;
        }
        store.log_rejected(action, vec![format!("address:{address}")]).await
    }
}

/// Whole seconds until a refused request may come again, at least one.
fn retry_after(not_until: governor::NotUntil<<DefaultClock as Clock>::Instant>) -> u64 {
    let wait = not_until.wait_time_from(DefaultClock::default().now());
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
}

/// The 429 answer, with `Retry-After`.
pub fn too_many(seconds: u64) -> Response {
    let mut answer = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        format!("too many requests; try again in {seconds} s"),
    )
    .into_response();
    if let Ok(v) = HeaderValue::from_str(&seconds.to_string()) {
        answer.headers_mut().insert(header::RETRY_AFTER, v);
    }
    answer
}

/// The middleware: a request over its budget is answered 429 with
/// `Retry-After` (whole seconds, at least one).
pub(crate) async fn limit(State(s): State<AppState>, request: Request, next: Next) -> Response {
    let secret = crate::extract::bearer_in(request.headers()).ok();
    match s.gate.admit_request(&s.store, secret, client_address(request.extensions())) {
        Ok(()) => next.run(request).await,
        Err(seconds) => too_many(seconds),
    }
}

/// Every 30 s: logs the refused-token counts of the windows that ended, and
/// forgets buckets that are full again.
pub(crate) fn upkeep(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(30));
        loop {
            every.tick().await;
            for (address, n) in state.gate.0.ended() {
                let action = "auth.reject.repeated";
                let objects = vec![format!("address:{address}"), format!("count:{n}")];
                if let Err(e) = state.store.log_rejected(action, objects).await {
                    tracing::warn!(error = %e, "refused tokens not logged");
                }
            }
            state.gate.0.tokens.retain_recent();
            state.gate.0.addresses.retain_recent();
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_are_logged_once_a_window_and_counted_between() {
        let l = Limiter::new(Limits::default());
        let a: IpAddr = "192.0.2.7".parse().expect("address");
        let b: IpAddr = "192.0.2.8".parse().expect("address");
        assert_eq!(l.log_rejection(a), Some(0), "the first is logged");
        assert_eq!((0..5).map(|_| l.log_rejection(a)).collect::<Vec<_>>(), [None; 5], "the next only counted");
        assert_eq!(l.log_rejection(b), Some(0), "another address has its own window");
        // The window ends: its count is reported once, by the upkeep or by
        // the next refusal, never both.
        l.rejected.lock().expect("lock").get_mut(&a).expect("window").since -= REJECT_WINDOW;
        assert_eq!(l.ended(), [(a, 5)]);
        assert_eq!(l.log_rejection(a), Some(0));
        l.log_rejection(a);
        l.rejected.lock().expect("lock").get_mut(&a).expect("window").since -= REJECT_WINDOW;
        assert_eq!(l.log_rejection(a), Some(1), "carried by the next refusal");
        assert!(l.ended().is_empty());
    }
}
