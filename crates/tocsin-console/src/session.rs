//! Sign-in: an API token is exchanged once for a session. The browser holds
//! only a random session id, in an HttpOnly, SameSite=Strict cookie; the
//! server keeps, in memory, the token behind it (to re-check it on every
//! request, so a revoked token ends its sessions at once), a CSRF secret
//! every form must carry back, and the session's expiry.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::HeaderMap;
use axum::http::header::COOKIE;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// The cookie's name.
pub(crate) const COOKIE_NAME: &str = "tocsin_session";

/// How long a session lasts from sign-in, whatever its use.
pub(crate) const LIFETIME: Duration = Duration::from_secs(8 * 3600);

/// One signed-in browser.
#[derive(Clone)]
pub(crate) struct Session {
    /// The API token it signed in with; never sent back to the browser.
    pub(crate) token: String,
    /// The secret every form of this session carries (`csrf`).
    pub(crate) csrf: String,
    /// When it ends.
    expires: Instant,
}

/// The sessions of this server, by the SHA-256 of their id (a memory dump
/// does not give usable cookies).
#[derive(Default)]
pub(crate) struct Sessions {
    by_digest: Mutex<HashMap<String, Session>>,
}

fn random_hex() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

fn digest(id: &str) -> String {
    hex::encode(Sha256::digest(id.as_bytes()))
}

impl Sessions {
    /// Opens a session for `token`; returns its id (for the cookie).
    pub(crate) fn open(&self, token: String) -> String {
        let id = random_hex();
        let session = Session { token, csrf: random_hex(), expires: Instant::now() + LIFETIME };
        if let Ok(mut map) = self.by_digest.lock() {
            let now = Instant::now();
            map.retain(|_, s| s.expires > now);
            map.insert(digest(&id), session);
        }
        id
    }

    /// The live session a request's cookie names.
    pub(crate) fn find(&self, headers: &HeaderMap) -> Option<(String, Session)> {
        let id = cookie(headers, COOKIE_NAME)?;
        let key = digest(&id);
        let map = self.by_digest.lock().ok()?;
        let s = map.get(&key)?;
        (s.expires > Instant::now()).then(|| (key, s.clone()))
    }

    /// Ends a session (sign-out, or a token that no longer authenticates).
    pub(crate) fn close(&self, key: &str) {
        if let Ok(mut map) = self.by_digest.lock() {
            map.remove(key);
        }
    }
}

/// A cookie's value from the request's `Cookie` headers.
pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// The `Set-Cookie` value that opens a session, and the one that ends it.
pub(crate) fn set_cookie(id: &str, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{COOKIE_NAME}={id}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure}", LIFETIME.as_secs())
}

/// The `Set-Cookie` value that removes the session cookie.
pub(crate) fn clear_cookie() -> String {
    format!("{COOKIE_NAME}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0")
}

/// Whether a form's `csrf` field is the session's, compared in constant
/// time.
pub(crate) fn csrf_ok(session: &Session, sent: &str) -> bool {
    let (a, b) = (Sha256::digest(session.csrf.as_bytes()), Sha256::digest(sent.as_bytes()));
    a.iter().zip(b.iter()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    #[test]
    fn a_session_is_found_by_its_cookie_and_gone_once_closed() {
        let sessions = Sessions::default();
        let id = sessions.open("tcs_secret".to_owned());
        let mut headers = HeaderMap::new();
        headers.insert(COOKIE, HeaderValue::from_str(&format!("other=1; {COOKIE_NAME}={id}")).expect("header"));
        let (key, s) = sessions.find(&headers).expect("found");
        assert_eq!(s.token, "tcs_secret");
        assert!(csrf_ok(&s, &s.csrf.clone()) && !csrf_ok(&s, "forged"));
        sessions.close(&key);
        assert!(sessions.find(&headers).is_none());
        headers.insert(COOKIE, HeaderValue::from_static("tocsin_session=unknown"));
        assert!(sessions.find(&headers).is_none());
    }

    #[test]
    fn the_cookie_is_http_only_and_same_site_strict() {
        let c = set_cookie("abc", true);
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Strict") && c.contains("Secure"), "{c}");
        assert!(!set_cookie("abc", false).contains("Secure"));
    }
}
