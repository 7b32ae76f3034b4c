//! Notices: the General Secretariat's review queue (publish or reject, with
//! a reason, the neutrality warnings beside each notice) and an agency's own
//! notices (submit a draft, cancel), each move as the API makes it.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;
use tocsin_core::auth::Role;
use tocsin_core::notice::{Mover, NoticeId, NoticeStatus, moves_from};
use tocsin_store::NoticeQuery;

use crate::{Console, SignedIn};

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Filter {
    #[serde(default)]
    status: String,
}

/// The queue (a reviewer's default: the submitted notices) or the agency's
/// notices.
pub(crate) async fn list(State(c): State<Console>, who: SignedIn, Query(f): Query<Filter>) -> Response {
    let l = who.lang;
    let reviewer = who.principal.role == Role::Reviewer;
    let status = match f.status.as_str() {
        "" if reviewer => Some(NoticeStatus::Submitted),
        "" | "all" => None,
        s => s.parse::<NoticeStatus>().ok(),
    };
    let query = NoticeQuery { status, after: None, limit: 200 };
    let notices = match c.store().notices(&who.actor(), query).await {
        Ok(page) => page.items,
        Err(e) => return (StatusCode::FORBIDDEN, tocsin_server::ApiError::from(e).message()).into_response(),
    };
    let mover = if reviewer { Mover::Reviewer } else { Mover::Owner };
    let may_move = |owner| reviewer || owner == who.principal.agency;
    super::layout(
        l,
        "/notices",
        "Notices",
        Some(&who),
        html! {
            @if !reviewer { p { a.button href="/notices/new" { (l.t("Request a notice")) } } }
            form.card.filters method="get" action="/notices" {
                div.field {
                    label for="status" { (l.t("Status")) }
                    select #status name="status" {
                        @for s in ["all", "draft", "submitted", "published", "rejected", "cancelled", "expired"] {
                            option value=(s) selected[status.map(|x| x.as_str()) == Some(s) || (s == "all" && status.is_none())] { (s) }
                        }
                    }
                }
                button type="submit" { (l.t("Show")) }
            }
            @if notices.is_empty() { p.none { (l.t("No notice.")) } }
            @for view in &notices {
                @let n = &view.notice;
                @let content = serde_json::to_value(&n.content).unwrap_or_default();
                article.notice id=(format!("notice-{}", n.id)) {
                    h2 { (n.notice_type.as_str()) " · " (n.status.as_str()) " · " (n.owner) }
                    dl {
                        @for (k, v) in content.as_object().into_iter().flatten() {
                            dt { (k.replace('_', " ")) }
                            dd dir="auto" { (v.as_str().map_or_else(|| v.to_string(), str::to_owned)) }
                        }
                    }
                    @if n.notice_type.may_be_public() {
                        p { a href=(format!("/notices/{}/public", n.id)) { (l.t("Public extract (preview)")) } }
                    }
                    @if !view.warnings.is_empty() {
                        p.warn role="note" { (l.t("Neutrality: terms to weigh")) ": " (view.warnings.join(", ")) }
                    }
                    @if may_move(n.owner) {
                        @for to in moves_from(n.status, mover) {
                            form.move method="post" action=(format!("/notices/{}/move", n.id)) {
                                input type="hidden" name="csrf" value=(who.session.csrf);
                                input type="hidden" name="to" value=(to.as_str());
                                @if to != NoticeStatus::Submitted {
                                    label for=(format!("reason-{}-{}", n.id, to.as_str())) { (l.t("Reason")) }
                                    input id=(format!("reason-{}-{}", n.id, to.as_str())) type="text" name="reason";
                                }
                                button type="submit" { (to.as_str()) }
                            }
                        }
                    }
                }
            }
        },
    )
    .into_response()
}

#[derive(Deserialize)]
pub(crate) struct Move {
    csrf: String,
    to: String,
    #[serde(default)]
    reason: String,
}

/// Moves a notice, then back to the list; a refused move says why.
pub(crate) async fn move_notice(
    State(c): State<Console>,
    who: SignedIn,
    Path(id): Path<String>,
    Form(m): Form<Move>,
) -> Response {
    if let Err(r) = who.check_csrf(&m.csrf) {
        return r.into_response();
    }
    let (Ok(id), Ok(to)) = (id.parse::<NoticeId>(), m.to.parse::<NoticeStatus>()) else {
        return (StatusCode::BAD_REQUEST, "no such notice or status").into_response();
    };
    let reason = Some(m.reason).filter(|r| !r.trim().is_empty());
    match c.store().move_notice(&who.actor(), id, to, reason).await {
        Ok(_) => Redirect::to("/notices").into_response(),
        Err(e) => super::refused(&who, e, "/notices"),
    }
}

/// What the public extract of a red or yellow notice shows once it is
/// published and marked public, field by field, from the record it
/// concerns as the signed-in agency may read it (a record hidden from it
/// shows nothing).
pub(crate) async fn public_preview(State(c): State<Console>, who: SignedIn, Path(id): Path<String>) -> Response {
    let l = who.lang;
    let Ok(id) = id.parse::<NoticeId>() else { return (StatusCode::NOT_FOUND, "no such notice").into_response() };
    let actor = who.actor();
    let view = match c.store().notice(&actor, id).await {
        Ok(v) => v,
        Err(e) => return super::refused(&who, e, "/notices"),
    };
    let n = &view.notice;
    let mut extracts = Vec::new();
    for record_id in &n.content.record_ids {
        // Read as the agency may: a record hidden from it previews nothing.
        if let Ok(record) = c.store().get_record(&actor, *record_id).await
            && let Some(p) = tocsin_core::public::preview(n, &record)
        {
            extracts.push(serde_json::to_value(p).unwrap_or_default());
        }
    }
    let body = html! {
        p { (l.t("What the public sees once the notice is published and its owner makes it public; nothing else of the notice or the record.")) }
        p { strong { (n.notice_type.as_str()) " · " (n.status.as_str()) " · " (n.owner) } " · " (if n.public { l.t("public") } else { l.t("not public yet") }) }
        @if extracts.is_empty() { p.none { (l.t("No public extract: the notice concerns no active person of its owner that you may see.")) } }
        @for e in &extracts {
            table.extract {
                tbody {
                    @for (k, v) in e.as_object().into_iter().flatten() {
                        tr { th scope="row" { (k) } td dir="auto" { (v.as_str().map_or_else(|| v.to_string(), str::to_owned)) } }
                    }
                }
            }
        }
        p { a href="/notices" { (l.t("Back")) } }
    };
    super::layout(l, "/notices", "Public extract (preview)", Some(&who), body).into_response()
}
