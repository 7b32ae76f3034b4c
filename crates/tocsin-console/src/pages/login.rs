//! Signing in with an API token, and out.

use axum::Form;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;

use crate::i18n::Lang;
use crate::{Console, SignedIn, session};

/// The sign-in page.
pub(crate) async fn form(l: Lang) -> Response {
    page(l, None).into_response()
}

fn page(l: Lang, error: Option<&'static str>) -> maud::Markup {
    super::layout(
        l,
        "/login",
        "Sign in",
        None,
        html! {
            p { (l.t("Sign in with the API token your agency's administrator gave you. It is kept on the server for this session only, never in the browser.")) }
            form.card method="post" action="/login" {
                label for="token" { (l.t("API token")) }
                input #token type="password" name="token" autocomplete="off" required
                    aria-invalid=[error.map(|_| "true")] aria-describedby=[error.map(|_| "token-error")];
                @if let Some(e) = error {
                    p #token-error .error role="alert" { (l.t(e)) }
                }
                button type="submit" { (l.t("Sign in")) }
            }
        },
    )
}

#[derive(Deserialize)]
pub(crate) struct Login {
    token: String,
}

/// Exchanges the token for a session; a token that does not authenticate
/// is refused (and logged as any rejected token is).
pub(crate) async fn submit(
    State(c): State<Console>,
    l: Lang,
    extensions: axum::http::Extensions,
    Form(login): Form<Login>,
) -> Response {
    // Each try is an anonymous request from its address: limited as the
    // API's are, so guessing tokens here is no faster than there.
    let address = tocsin_server::client_address(&extensions);
    if let Err(seconds) = c.options.gate.admit(address) {
        return tocsin_server::too_many(seconds);
    }
    let token = login.token.trim().to_owned();
    let principal = c.store().authenticate(&token).await;
    // Under mutual TLS the token must be the certificate's agency's.
    let principal = match principal {
        Ok(Some(p)) if tocsin_server::PeerAgency::admits(&extensions, p.agency).is_err() => Ok(None),
        other => other,
    };
    match principal {
        // A national unit's token works on the API's frontline routes and
        // the command line; the console's pages are its agency's.
        Ok(Some(p)) if p.unit.is_some() => {
            let message = "A national unit's token does not sign in to the console; use the command line or the API.";
            (StatusCode::FORBIDDEN, page(l, Some(message))).into_response()
        }
        Ok(Some(_)) => {
            let id = c.sessions.open(token);
            let cookie = session::set_cookie(&id, c.options.tls);
            ([(header::SET_COOKIE, cookie)], Redirect::to("/screen")).into_response()
        }
        Ok(None) => {
            if let Err(e) = c.options.gate.log_refused(c.store(), address, "auth.reject POST /login").await {
                tracing::error!(error = %e, "cannot audit a rejected sign-in");
            }
            (StatusCode::UNAUTHORIZED, page(l, Some("Unknown or revoked token."))).into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "sign-in failed");
            (StatusCode::SERVICE_UNAVAILABLE, page(l, Some("The store cannot be reached; try again."))).into_response()
        }
    }
}

/// Ends the session.
pub(crate) async fn logout(State(c): State<Console>, who: SignedIn, Form(form): Form<super::Csrf>) -> Response {
    if let Err(r) = who.check_csrf(&form.csrf) {
        return r.into_response();
    }
    c.sessions.close(&who.key);
    ([(header::SET_COOKIE, session::clear_cookie())], Redirect::to("/login")).into_response()
}
