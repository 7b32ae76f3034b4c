//! The agency's tokens and the users they were issued to (administrators;
//! the General Secretariat's see every agency's): each with its role,
//! status, creation, expiry and last use, a button to revoke it, and a form
//! to issue one, whose secret is shown once on the page that answers.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;
use time::OffsetDateTime;
use tocsin_core::auth::Role;
use tocsin_core::level::Level;
use tocsin_store::{Issued, TokenRequest, TokenStatus};

use crate::{Console, SignedIn};

/// The list and the form.
pub(crate) async fn list(State(c): State<Console>, who: SignedIn) -> Response {
    page(&c, &who, None, None).await
}

async fn page(c: &Console, who: &SignedIn, issued: Option<&Issued>, error: Option<&str>) -> Response {
    let l = who.lang;
    let tokens = match c.store().list_tokens(&who.actor(), None).await {
        Ok(t) => t,
        Err(e) => return super::refused(who, e, "/screen"),
    };
    let when = |t: Option<OffsetDateTime>| t.map_or_else(|| "–".to_owned(), tocsin_core::to_minute);
    let body = html! {
        @if let Some(i) = issued {
            section.card #issued role="status" {
                h2 { (l.t("New token")) }
                p { (l.t("Give it to its user now: it is shown only this once.")) }
                p { code #secret { (i.secret) } }
            }
        }
        form.card #issue-form method="post" action="/tokens" {
            input type="hidden" name="csrf" value=(who.session.csrf);
            h2 { (l.t("Issue a token")) }
            @if let Some(e) = error { p.error role="alert" #issue-error { (e) } }
            div.grid {
                div.field {
                    label for="user" { (l.t("User")) }
                    input #user type="text" name="user" required;
                }
                div.field {
                    label for="role" { (l.t("Role")) }
                    select #role name="role" {
                        @for r in Role::TOKEN_ROLES { option value=(r.as_str()) { (r.as_str()) } }
                    }
                }
                div.field {
                    label for="lifetime" { (l.t("Lifetime (90d, 12h, never; empty: the server's)")) }
                    input #lifetime type="text" name="lifetime" dir="ltr";
                }
                div.field {
                    label for="clearance" { (l.t("Clearance")) }
                    select #clearance name="clearance" {
                        @for c in Level::ALL { option value=(c.as_str()) { (c.as_str()) } }
                    }
                }
            }
            button type="submit" { (l.t("Issue")) }
        }
        table #tokens {
            thead {
                tr {
                    th scope="col" { (l.t("User")) } th scope="col" { (l.t("Agency")) } th scope="col" { (l.t("Role")) }
                    th scope="col" { (l.t("Clearance")) } th scope="col" { (l.t("Status")) } th scope="col" { (l.t("Issued")) } th scope="col" { (l.t("Expiry")) }
                    th scope="col" { (l.t("Last used")) } th scope="col" { span.sr-only { (l.t("Revoke")) } }
                }
            }
            tbody {
                @for t in tokens.iter().rev() {
                    @let status = match t.status { TokenStatus::Active => "active", TokenStatus::Expired => "expired", TokenStatus::Revoked => "revoked" };
                    tr data-token=(t.id) {
                        td dir="auto" { (t.user) } td { (t.agency) } td { (t.role.as_str()) } td { (super::level_label(l, t.clearance)) } td.status { (l.t(status)) }
                        td { (tocsin_core::to_minute(t.created_at)) } td { (when(t.expires_at)) } td { (when(t.last_used_at)) }
                        td {
                            @if t.status == TokenStatus::Active {
                                form method="post" action=(format!("/tokens/{}/revoke", t.id)) {
                                    input type="hidden" name="csrf" value=(who.session.csrf);
                                    button type="submit" aria-label=(format!("{} {}", l.t("Revoke"), t.user)) { (l.t("Revoke")) }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    let status = if error.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    (status, super::layout(l, "/tokens", "Tokens and users", Some(who), body)).into_response()
}

#[derive(Deserialize)]
pub(crate) struct Issue {
    csrf: String,
    #[serde(default)]
    user: String,
    role: String,
    #[serde(default)]
    lifetime: String,
    #[serde(default)]
    clearance: String,
}

/// Issues a token for the agency and shows its secret once.
pub(crate) async fn issue(State(c): State<Console>, who: SignedIn, Form(f): Form<Issue>) -> Response {
    if let Err(r) = who.check_csrf(&f.csrf) {
        return r.into_response();
    }
    let role = match f.role.parse::<Role>() {
        Ok(r) => r,
        Err(e) => return page(&c, &who, None, Some(&format!("role: {e}"))).await,
    };
    let lifetime = Some(f.lifetime.trim().to_owned()).filter(|l| !l.is_empty());
    let clearance = match f.clearance.trim() {
        "" => None,
        text => match text.parse::<Level>() {
            Ok(level) => Some(level),
            Err(e) => return page(&c, &who, None, Some(&e.to_string())).await,
        },
    };
    match c
        .store()
        .issue_token(&who.actor(), TokenRequest { agency: None, role, user: f.user, lifetime, unit: None, clearance })
        .await
    {
        Ok(issued) => page(&c, &who, Some(&issued), None).await,
        Err(e) => page(&c, &who, None, Some(&tocsin_server::ApiError::from(e).message())).await,
    }
}

/// Revokes a token.
pub(crate) async fn revoke(
    State(c): State<Console>,
    who: SignedIn,
    Path(id): Path<String>,
    Form(f): Form<super::Csrf>,
) -> Response {
    if let Err(r) = who.check_csrf(&f.csrf) {
        return r.into_response();
    }
    match c.store().revoke_token(&who.actor(), &id).await {
        Ok(_) => Redirect::to("/tokens").into_response(),
        Err(e) => super::refused(&who, e, "/tokens"),
    }
}
