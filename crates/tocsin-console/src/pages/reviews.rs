//! The retention reviews an administrator owes: the agency's records and
//! notices within six months of their review date or past it, soonest
//! first, each extended with a written justification (or left to expire).

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;
use tocsin_core::notice::NoticeId;
use tocsin_core::record::RecordId;
use tocsin_core::retention::ItemKind;
use tocsin_store::Extension;

use crate::{Console, SignedIn};

/// The list, each item with its extension form.
pub(crate) async fn list(State(c): State<Console>, who: SignedIn) -> Response {
    let l = who.lang;
    let items = match c.store().reviews(&who.actor(), None, 1_000).await {
        Ok(page) => page.items,
        Err(e) => return (StatusCode::FORBIDDEN, tocsin_server::ApiError::from(e).message()).into_response(),
    };
    super::layout(
        l,
        "/reviews",
        "Reviews due",
        Some(&who),
        html! {
            p { (l.t("Past its review date an item stops matching and is archived, never deleted. An extension needs a written justification, kept in the audit log.")) }
            @if items.is_empty() { p.none { (l.t("Nothing to review.")) } }
            @else {
                table #reviews {
                    thead { tr { th scope="col" { (l.t("Item")) } th scope="col" { (l.t("Review by")) } th scope="col" { (l.t("Status")) } th scope="col" { (l.t("Extend")) } } }
                    tbody {
                        @for item in &items {
                            @let kind = if item.item == ItemKind::Record { "records" } else { "notices" };
                            @let phase = serde_json::to_value(item.phase).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
                            tr data-id=(item.id) {
                                td dir="auto" { (item.label) }
                                td { (item.review_by) }
                                td { (phase) }
                                td {
                                    form.extend method="post" action=(format!("/reviews/{kind}/{}", item.id)) {
                                        input type="hidden" name="csrf" value=(who.session.csrf);
                                        label for=(format!("why-{}", item.id)) { (l.t("Justification")) }
                                        input id=(format!("why-{}", item.id)) type="text" name="justification";
                                        button type="submit" { (l.t("Extend five years")) }
                                    }
                                }
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
pub(crate) struct Extend {
    csrf: String,
    #[serde(default)]
    justification: String,
}

/// Extends a record or a notice by five years, with its justification.
pub(crate) async fn extend(
    State(c): State<Console>,
    who: SignedIn,
    Path((kind, id)): Path<(String, String)>,
    Form(f): Form<Extend>,
) -> Response {
    if let Err(r) = who.check_csrf(&f.csrf) {
        return r.into_response();
    }
    let ext = Extension {
        justification: Some(f.justification).filter(|j| !j.trim().is_empty()),
        review_by: None,
        version: None,
    };
    let actor = who.actor();
    let done = match (kind.as_str(), id.parse::<RecordId>(), id.parse::<NoticeId>()) {
        ("records", Ok(id), _) => c.store().extend_record(&actor, id, ext).await.map(drop),
        ("notices", _, Ok(id)) => c.store().extend_notice(&actor, id, ext).await.map(drop),
        _ => return (StatusCode::NOT_FOUND, "no such item").into_response(),
    };
    match done {
        Ok(()) => Redirect::to("/reviews").into_response(),
        Err(e) => super::refused(&who, e, "/reviews"),
    }
}
