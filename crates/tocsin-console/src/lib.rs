//! Tocsin's web console: the pages officers and agency staff use in a
//! browser, rendered on the server (maud) from the same services the API
//! calls, with a little of the project's own JavaScript and no asset from
//! outside the binary (border posts and secure networks are often
//! air-gapped).
//!
//! A visitor signs in with an API token, which the server exchanges for a
//! session ([`session`]); every page then acts as that token's agency and
//! role, through the store, so the console shows exactly what the API
//! would and nothing it would hide. Every form that changes something
//! carries the session's CSRF secret.

mod charts;
mod i18n;
mod pages;
mod session;

use std::sync::Arc;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use tocsin_store::{Actor, Principal, Store};
use tokio_util::sync::CancellationToken;

/// How the console is served.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The server answers over TLS: the session cookie is `Secure`.
    pub tls: bool,
    /// Cancelled when the server shuts down: live streams end then.
    pub shutdown: CancellationToken,
    /// The server's rate limits: a sign-in is an anonymous request, limited
    /// and logged as the API's are.
    pub gate: tocsin_server::Gate,
    /// The threat-intelligence hub, for its page (`/intel`); without it the
    /// page says the hub is not served.
    pub hub: Option<Arc<tocsin_hub::Hub>>,
    /// The biometric service, for its page (`/biometrics`); without it the
    /// page says biometric search is not served.
    pub abis: Option<Arc<tocsin_abis::Abis>>,
    /// The infrastructure service, for its page (`/infrastructure`);
    /// without it the page says the analysis is not served.
    pub infra: Option<Arc<tocsin_infra_service::Infra>>,
}

/// What every page shares.
#[derive(Clone)]
pub(crate) struct Console {
    store: Arc<Store>,
    sessions: Arc<session::Sessions>,
    options: Options,
}

/// The console's routes, to merge with the API's.
pub fn router(store: Arc<Store>, options: Options) -> Router {
    let state = Console { store, sessions: Arc::default(), options };
    Router::new()
        .route("/", get(pages::home))
        .route("/login", get(pages::login::form).post(pages::login::submit))
        .route("/logout", post(pages::login::logout))
        .route("/screen", get(pages::screen::form).post(pages::screen::submit))
        .route("/manifest", get(pages::manifest::form).post(pages::manifest::submit))
        .route("/hits", get(pages::hits::inbox))
        .route("/hits/{id}", get(pages::hits::hit))
        .route("/hits/{id}/messages", post(pages::hits::post_message))
        .route("/hits/{id}/status", post(pages::hits::move_hit))
        .route("/messages", get(pages::messages::list))
        .route("/messages/{id}", get(pages::messages::message))
        .route("/messages/{id}/sealed", get(pages::messages::sealed))
        .route("/messages/{id}/read", post(pages::messages::read))
        .route("/messages/{id}/acknowledge", post(pages::messages::acknowledge))
        .route("/messages/{id}/review", post(pages::messages::review))
        .route("/live", get(pages::live::events))
        .route("/records", get(pages::records::list))
        .route("/records/new", get(pages::records::new).post(pages::records::create))
        .route("/records/{id}", get(pages::records::edit).post(pages::records::update))
        .route("/records/{id}/archive", post(pages::records::archive))
        .route(
            "/imports",
            get(pages::imports::form)
                .post(pages::imports::submit)
                // The importer limits what it reads (as the API's does).
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/tokens", get(pages::tokens::list).post(pages::tokens::issue))
        .route("/tokens/{id}/revoke", post(pages::tokens::revoke))
        .route("/reviews", get(pages::reviews::list))
        .route("/reviews/{kind}/{id}", post(pages::reviews::extend))
        .route("/notices", get(pages::notices::list))
        .route("/notices/new", get(pages::notice_form::form).post(pages::notice_form::create))
        .route("/notices/{id}/move", post(pages::notices::move_notice))
        .route("/notices/{id}/public", get(pages::notices::public_preview))
        .route("/dashboard", get(pages::dashboard::show))
        .route("/intel", get(pages::intel::show).post(pages::intel::check))
        .route("/biometrics", get(pages::biometrics::show).post(pages::biometrics::search))
        .route("/biometrics/decide", post(pages::biometrics::decide))
        .route("/infrastructure", get(pages::infrastructure::show))
        .route("/infrastructure/cascade", post(pages::infrastructure::cascade))
        .route("/audit", get(pages::audit::log))
        .route("/audit/verify", post(pages::audit::verify))
        .route("/lang", get(pages::choose_language))
        .route("/docs", get(pages::docs::reference))
        .route("/assets/console.css", get(css))
        .route("/assets/console.js", get(js))
        .route("/assets/envelope.wasm", get(envelope_wasm))
        .layer(axum::middleware::map_response(security_headers))
        .with_state(state)
}

/// Every page: not cached (unless it says otherwise: the assets), not
/// framed, no script or style from elsewhere. `'wasm-unsafe-eval'` lets the
/// page compile the console's own envelope reader (served from here); it
/// allows no `eval` of text.
async fn security_headers(mut response: Response) -> Response {
    let h = response.headers_mut();
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    response
}

const CSS: &str = include_str!("../assets/console.css");
const JS: &str = include_str!("../assets/console.js");

/// The browser's envelope reader (`tocsin-envelope-wasm`), when the build
/// embeds it (`TOCSIN_ENVELOPE_WASM`, see build.rs).
#[cfg(envelope_wasm)]
const ENVELOPE_WASM: Option<&[u8]> = Some(include_bytes!(concat!(env!("OUT_DIR"), "/envelope.wasm")));
#[cfg(not(envelope_wasm))]
const ENVELOPE_WASM: Option<&[u8]> = None;

/// Whether this build opens messages in the browser.
pub(crate) fn opens_messages() -> bool {
    ENVELOPE_WASM.is_some()
}

/// The assets' version: a digest of their text, in their URLs, so that a
/// browser keeps them until the binary serves different ones.
pub(crate) fn assets_version() -> &'static str {
    static VERSION: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        use sha2::Digest;
        let digest = sha2::Sha256::new()
            .chain_update(CSS)
            .chain_update(JS)
            .chain_update(ENVELOPE_WASM.unwrap_or_default())
            .finalize();
        hex::encode(&digest[..6])
    });
    &VERSION
}

/// Assets never change under one URL: kept a year.
const IMMUTABLE: (header::HeaderName, &str) = (header::CACHE_CONTROL, "public, max-age=31536000, immutable");

async fn css() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8"), IMMUTABLE], CSS)
}

async fn js() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), IMMUTABLE], JS)
}

async fn envelope_wasm() -> Response {
    match ENVELOPE_WASM {
        Some(module) => ([(header::CONTENT_TYPE, "application/wasm"), IMMUTABLE], module).into_response(),
        None => (StatusCode::NOT_FOUND, "this build does not open messages in the browser").into_response(),
    }
}

/// A signed-in visitor: the session, and who its token is.
pub(crate) struct SignedIn {
    key: String,
    session: session::Session,
    principal: Principal,
    /// The visitor's language.
    pub(crate) lang: i18n::Lang,
}

impl SignedIn {
    /// The actor the visitor's requests are made as.
    pub(crate) fn actor(&self) -> Actor {
        self.principal.actor(Some("console".to_owned()))
    }

    /// Whether a form's CSRF field is this session's; a 403 otherwise.
    pub(crate) fn check_csrf(&self, sent: &str) -> Result<(), StaleForm> {
        if session::csrf_ok(&self.session, sent) { Ok(()) } else { Err(StaleForm) }
    }
}

/// A form without this session's CSRF secret: refused, nothing done.
pub(crate) struct StaleForm;

impl IntoResponse for StaleForm {
    fn into_response(self) -> Response {
        (StatusCode::FORBIDDEN, "the form is stale or was not sent from this console: reload the page").into_response()
    }
}

/// Not signed in (or the token was revoked): the sign-in page.
pub(crate) struct ToLogin;

impl IntoResponse for ToLogin {
    fn into_response(self) -> Response {
        Redirect::to("/login").into_response()
    }
}

impl FromRequestParts<Console> for SignedIn {
    type Rejection = ToLogin;

    async fn from_request_parts(parts: &mut Parts, state: &Console) -> Result<SignedIn, ToLogin> {
        let (key, session) = state.sessions.find(&parts.headers).ok_or(ToLogin)?;
        // The token is checked on every request: revoked, the session ends.
        // Under mutual TLS, and only over a connection whose client
        // certificate names the token's agency.
        match state.store.authenticate(&session.token).await {
            Ok(Some(principal))
                if principal.unit.is_none()
                    && tocsin_server::PeerAgency::admits(&parts.extensions, principal.agency).is_ok() =>
            {
                Ok(SignedIn { key, session, principal, lang: i18n::Lang::of(&parts.headers) })
            }
            _ => {
                state.sessions.close(&key);
                Err(ToLogin)
            }
        }
    }
}

impl Console {
    pub(crate) fn store(&self) -> &Store {
        &self.store
    }
}
