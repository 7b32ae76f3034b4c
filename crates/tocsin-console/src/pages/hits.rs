//! The hit inbox: hits on the agency's records and hits its screenings
//! made, with the workflow moves the agency may make on each.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;
use tocsin_core::hit::{HitId, HitStatus, Side};
use tocsin_store::HitQuery;

use crate::{Console, SignedIn};

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Filter {
    #[serde(default)]
    role: String,
    #[serde(default)]
    status: String,
}

/// The inbox.
pub(crate) async fn inbox(State(c): State<Console>, who: SignedIn, Query(f): Query<Filter>) -> Response {
    let role = match f.role.as_str() {
        "owner" => Some(Side::Owner),
        "searcher" => Some(Side::Searcher),
        _ => None,
    };
    let status = f.status.parse::<HitStatus>().ok();
    let query = HitQuery { role, status, since: None, before: None, limit: 200 };
    let hits = match c.store().hits(&who.actor(), query).await {
        Ok(page) => page.items,
        Err(e) => return (StatusCode::SERVICE_UNAVAILABLE, format!("the hits cannot be read: {e}")).into_response(),
    };
    let agency = who.principal.agency;
    let l = who.lang;
    let statuses = [
        ("new", "new"),
        ("acknowledged", "acknowledged"),
        ("confirmed", "confirmed"),
        ("false_positive", "false positive"),
        ("action_taken", "action taken"),
        ("closed", "closed"),
    ];
    let said = |s: HitStatus| statuses.iter().find(|(v, _)| *v == s.as_str()).map_or("", |(_, label)| l.t(label));
    super::layout(
        l,
        "/hits",
        "Hits",
        Some(&who),
        html! {
            form.card.filters method="get" action="/hits" {
                div.field {
                    label for="role" { (l.t("Side")) }
                    select #role name="role" {
                        @for (v, label) in [("", "all"), ("owner", "on our records"), ("searcher", "from our screenings")] {
                            option value=(v) selected[f.role == v] { (l.t(label)) }
                        }
                    }
                }
                div.field {
                    label for="status" { (l.t("Status")) }
                    select #status name="status" {
                        option value="" { (l.t("any")) }
                        @for (s, label) in statuses { option value=(s) selected[f.status == s] { (l.t(label)) } }
                    }
                }
                button type="submit" { (l.t("Show")) }
            }
            div #hits-area {
            @if hits.is_empty() { p.none { (l.t("No hit.")) } }
            @else {
                table #hits {
                    thead {
                        tr {
                            th scope="col" { (l.t("When")) } th scope="col" { (l.t("Status")) } th scope="col" { (l.t("Score")) }
                            th scope="col" { (l.t("Searched by")) } th scope="col" { (l.t("Record of")) } th scope="col" { (l.t("Level")) } th scope="col" { (l.t("Handling")) }
                            th scope="col" { (l.t("Where, why")) } th scope="col" { (l.t("Move to")) }
                        }
                    }
                    tbody {
                        @for h in &hits {
                            tr data-hit=(h.id) {
                                td { a href=(format!("/hits/{}", h.id)) { (h.time.date()) " " (format!("{:02}:{:02}", h.time.hour(), h.time.minute())) } }
                                td { (said(h.status)) @if h.silent { " " span.badge.silent title=(l.t("the searcher was told nothing")) { (l.t("silent")) } } }
                                td.num { (format!("{:.3}", h.score)) }
                                td { (h.searcher) }
                                td { (h.owner) " " code { (h.record_id) } }
                                td { (super::level_label(l, h.level)) }
                                td { (serde_json::to_value(h.handling).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()) }
                                td { (h.location.as_deref().unwrap_or("")) @if let Some(p) = &h.purpose { br; small { (p) } } }
                                td.moves {
                                    @for next in h.next_statuses(&agency) {
                                        form method="post" action=(format!("/hits/{}/status", h.id)) {
                                            input type="hidden" name="csrf" value=(who.session.csrf);
                                            input type="hidden" name="status" value=(next.as_str());
                                            button type="submit" { (said(next)) }
                                        }
                                    }
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
pub(crate) struct Move {
    csrf: String,
    status: String,
}

/// Moves a hit, then back to the inbox.
pub(crate) async fn move_hit(
    State(c): State<Console>,
    who: SignedIn,
    Path(id): Path<String>,
    Form(m): Form<Move>,
) -> Response {
    if let Err(r) = who.check_csrf(&m.csrf) {
        return r.into_response();
    }
    let (Ok(id), Ok(to)) = (id.parse::<HitId>(), m.status.parse::<HitStatus>()) else {
        return (StatusCode::BAD_REQUEST, "no such hit or status").into_response();
    };
    match c.store().set_hit_status(&who.actor(), id, to).await {
        Ok(_) => Redirect::to("/hits").into_response(),
        Err(e) => super::refused(&who, e, "/hits"),
    }
}

/// One hit: what was searched, the record's id and why it matched, its
/// moves, and the message thread between the two agencies.
pub(crate) async fn hit(State(c): State<Console>, who: SignedIn, Path(id): Path<String>) -> Response {
    let l = who.lang;
    let Ok(id) = id.parse::<HitId>() else { return (StatusCode::NOT_FOUND, "no such hit").into_response() };
    let actor = who.actor();
    let (hit, messages) = match (c.store().hit(&actor, id).await, c.store().hit_messages(&actor, id).await) {
        (Ok(h), Ok(m)) => (h, m),
        _ => return (StatusCode::NOT_FOUND, "no such hit").into_response(),
    };
    let agency = who.principal.agency;
    let view = serde_json::to_value(&hit).unwrap_or_default();
    super::layout(
        l,
        "/hits",
        "Hit",
        Some(&who),
        html! {
            dl {
                dt { (l.t("Status")) } dd #hit-status { (hit.status.as_str()) @if hit.silent { " · " (l.t("silent")) } }
                dt { (l.t("Searched by")) } dd { (hit.searcher) " (" (hit.user) ")" }
                dt { (l.t("Record of")) } dd { (hit.owner) " " code { (hit.record_id) } }
                dt { (l.t("Where, why")) } dd dir="auto" { (hit.location.as_deref().unwrap_or("")) " " (hit.purpose.as_deref().unwrap_or("")) }
                dt { (l.t("Score")) } dd { (format!("{:.3}", hit.score)) }
            }
            (super::explanation(l, &view["explanation"]))
            div.moves {
                @for next in hit.next_statuses(&agency) {
                    form method="post" action=(format!("/hits/{}/status", hit.id)) {
                        input type="hidden" name="csrf" value=(who.session.csrf);
                        input type="hidden" name="status" value=(next.as_str());
                        button type="submit" { (next.as_str().replace('_', " ")) }
                    }
                }
            }
            section #messages {
                h2 { (l.t("Messages")) }
                @if messages.is_empty() { p.none { (l.t("No message yet.")) } }
                ol.thread {
                    @for m in &messages {
                        li {
                            strong { (m.agency) " · " (m.user) } " " small { (m.time.date()) " " (format!("{:02}:{:02}", m.time.hour(), m.time.minute())) }
                            p dir="auto" { (m.text) }
                        }
                    }
                }
                form.card method="post" action=(format!("/hits/{}/messages", hit.id)) {
                    input type="hidden" name="csrf" value=(who.session.csrf);
                    label for="text" { (l.t("Message to the other agency")) }
                    textarea #text name="text" rows="3" dir="auto" required {}
                    button type="submit" { (l.t("Send")) }
                }
            }
        },
    )
    .into_response()
}

#[derive(Deserialize)]
pub(crate) struct Message {
    csrf: String,
    text: String,
}

/// Sends a message on a hit, then back to it.
pub(crate) async fn post_message(
    State(c): State<Console>,
    who: SignedIn,
    Path(id): Path<String>,
    Form(m): Form<Message>,
) -> Response {
    if let Err(r) = who.check_csrf(&m.csrf) {
        return r.into_response();
    }
    let Ok(hit) = id.parse::<HitId>() else { return (StatusCode::NOT_FOUND, "no such hit").into_response() };
    match c.store().post_hit_message(&who.actor(), hit, m.text).await {
        Ok(_) => Redirect::to(&format!("/hits/{hit}")).into_response(),
        Err(e) => super::refused(&who, e, &format!("/hits/{hit}")),
    }
}
