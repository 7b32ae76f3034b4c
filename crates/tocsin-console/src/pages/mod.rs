//! The pages: a common layout, and the rendering of what the API answers
//! (a screening's matches, from its JSON) shared by the pages that show it.

pub(crate) mod hits;
pub(crate) mod login;
pub(crate) mod manifest;
pub(crate) mod screen;

use axum::response::{IntoResponse, Redirect, Response};
use maud::{DOCTYPE, Markup, html};
use serde_json::Value;

use crate::SignedIn;

/// `/`: the screening page for a signed-in visitor, else the sign-in page.
pub(crate) async fn home(who: Result<SignedIn, crate::ToLogin>) -> Response {
    match who {
        Ok(_) => Redirect::to("/screen").into_response(),
        Err(e) => e.into_response(),
    }
}

/// A page: the header (the signed-in agency and role, the navigation, the
/// sign-out form) and `body` under its title.
pub(crate) fn layout(title: &str, who: Option<&SignedIn>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" dir="ltr" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Tocsin" }
                link rel="stylesheet" href="/assets/console.css";
                script src="/assets/console.js" defer {}
            }
            body {
                a.skip href="#main" { "Skip to content" }
                header.top {
                    a.brand href="/" { "Tocsin" }
                    @if let Some(w) = who {
                        nav aria-label="Main" {
                            a href="/screen" { "Screen" }
                            a href="/manifest" { "Manifest" }
                            a href="/hits" { "Hits" }
                        }
                        span.who { (w.principal.agency) " · " (w.principal.role.as_str()) " · " (w.principal.user) }
                        form.logout method="post" action="/logout" {
                            input type="hidden" name="csrf" value=(w.session.csrf);
                            button type="submit" { "Sign out" }
                        }
                    }
                }
                main #main {
                    h1 { (title) }
                    (body)
                }
            }
        }
    }
}

fn text(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

fn list(v: &Value) -> String {
    v.as_array().map(|a| a.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(", ")).unwrap_or_default()
}

/// A record in a few words, names as stored, in their own script and
/// direction.
pub(crate) fn record_title(r: &Value) -> Markup {
    match text(&r["kind"]) {
        "travel_document" => html! {
            "Travel document " strong { (text(&r["number"])) }
            " (" (text(&r["country"])) " " (text(&r["doc_type"])) ", " (text(&r["status"])) ")"
        },
        kind => {
            let born = list(&r["birth_dates"]);
            let nat = list(&r["nationalities"]);
            html! {
                (kind.replace('_', " ")) " "
                strong dir="auto" { (text(&r["names"][0]["full"])) }
                @if !born.is_empty() { ", born " (born) }
                @if !nat.is_empty() { " (" (nat) ")" }
            }
        }
    }
}

/// The matches of one screening, best first: score bar, record, owner,
/// what to do, notices, the hit made, and why it matched.
pub(crate) fn answer(a: &Value) -> Markup {
    let matches = a["matches"].as_array().map(Vec::as_slice).unwrap_or_default();
    let failed = list(&a["mrz"]["failed"]);
    html! {
        @if !failed.is_empty() {
            p.warn role="alert" { "MRZ check digits failed: " (failed) " (screened all the same)." }
        }
        @if matches.is_empty() {
            p.none { "No match." }
        }
        @for m in matches {
            @let r = &m["record"];
            @let score = m["score"].as_f64().unwrap_or_default();
            article.match {
                header {
                    meter min="0" max="1" low="0.8" high="0.9" optimum="1" value=(score) title="score" {}
                    span.score { (format!("{score:.3}")) }
                    span.what { (record_title(r)) }
                    @if let Some(hit) = m["hit_id"].as_str() {
                        span.badge.hit { "HIT " code { (hit) } }
                    }
                }
                dl {
                    dt { "Owner" } dd { (text(&r["owner"])) }
                    @if let Some(l) = r["source"]["list"].as_str() {
                        dt { "List" } dd { (l) " " (text(&r["source"]["id"])) }
                    }
                    dt { "Handling" }
                    dd.handling {
                        strong { (text(&m["handling"]["code"])) }
                        @if let Some(i) = m["handling"]["instructions"].as_str() { ": " (i) }
                    }
                    @for n in m["notices"].as_array().into_iter().flatten() {
                        dt { "Notice" }
                        dd { (text(&n["type"])) " by " (text(&n["owner"])) ": " (text(&n["requested_action"])) }
                    }
                    @if let Some(d) = m["dismissed_before"].as_object() {
                        dt { "No hit" }
                        dd { "reviewed as a false positive on hit " (d["hit_id"].as_str().unwrap_or_default()) }
                    }
                }
                (explanation(&m["explanation"]))
            }
        }
    }
}

/// Why a record matched: the name forms compared, and each feature's
/// contribution to the score.
pub(crate) fn explanation(e: &Value) -> Markup {
    html! {
        details.why open {
            summary { "Why it matched" }
            @if let Some(n) = e["name"].as_object() {
                p {
                    "Name " q dir="auto" { (n["query"].as_str().unwrap_or_default()) }
                    " ~ " q dir="auto" { (n["record"].as_str().unwrap_or_default()) }
                    " (" (n["record_name_type"].as_str().unwrap_or_default()) ", "
                    (n["detail"]["method"].as_str().unwrap_or_default()) ")"
                }
            }
            table {
                thead { tr { th scope="col" { "Feature" } th scope="col" { "Contribution" } th scope="col" { "Detail" } } }
                tbody {
                    @for f in e["features"].as_array().into_iter().flatten() {
                        tr {
                            td { (text(&f["feature"])) }
                            td.num { (format!("{:+.3}", f["contribution"].as_f64().unwrap_or_default())) }
                            td dir="auto" { (text(&f["detail"])) }
                        }
                    }
                }
            }
        }
    }
}
