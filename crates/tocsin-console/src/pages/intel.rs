//! The threat-intelligence hub's page: the collections the agency may read
//! or write (with their TAXII addresses, for MISP and OpenCTI), a form that
//! checks observables as `POST /v1/intel/check` does, and the latest
//! sightings of the agency's own intelligence (silent ones marked). Every
//! part is the hub's own answer for the signed-in token's agency.

use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::Value;

use crate::i18n::Lang;
use crate::{Console, SignedIn};

/// Sightings shown.
const SIGHTINGS: u32 = 50;

#[derive(Deserialize)]
pub(crate) struct CheckForm {
    csrf: String,
    values: String,
}

/// The page.
pub(crate) async fn show(State(c): State<Console>, who: SignedIn) -> Response {
    page(&c, &who, "", None).await
}

/// The page with a check's answer.
pub(crate) async fn check(State(c): State<Console>, who: SignedIn, Form(f): Form<CheckForm>) -> Response {
    if let Err(stale) = who.check_csrf(&f.csrf) {
        return stale.into_response();
    }
    let Some(hub) = &c.options.hub else { return page(&c, &who, &f.values, None).await };
    let values: Vec<String> = f.values.lines().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned).collect();
    let answer = match hub.check(&who.actor(), &values).await {
        Ok(a) => serde_json::to_value(a).map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    page(&c, &who, &f.values, Some(answer)).await
}

async fn page(c: &Console, who: &SignedIn, values: &str, answer: Option<Result<Value, String>>) -> Response {
    let l = who.lang;
    let Some(hub) = &c.options.hub else {
        let body = html! { p.none { (l.t("The threat-intelligence hub is not served here.")) } };
        return super::layout(l, "/intel", "Intelligence", Some(who), body).into_response();
    };
    let actor = who.actor();
    let collections = hub.collections(&actor, None).await;
    let sightings = hub.sightings(&actor, SIGHTINGS).await;
    let (collections, sightings) = match (collections, sightings) {
        (Ok(c), Ok(s)) => (c, s),
        (Err(e), _) | (_, Err(e)) => {
            return (StatusCode::SERVICE_UNAVAILABLE, format!("the hub cannot be read: {e}")).into_response();
        }
    };
    let body = html! {
        section.card aria-labelledby="collections" {
            h2 #collections { (l.t("Collections")) }
            @if collections.is_empty() { p.none { (l.t("No collection this agency may read or write.")) } }
            @else {
                table #intel-collections {
                    thead { tr {
                        th scope="col" { (l.t("Title")) } th scope="col" { "TAXII" }
                        th scope="col" { (l.t("Owner")) } th scope="col" { (l.t("Rights")) }
                    } }
                    tbody {
                        @for col in &collections {
                            tr {
                                td dir="auto" { (col.title) }
                                td { code { "/taxii2/" (col.root) "/collections/" (col.alias.as_deref().unwrap_or(&col.id)) "/" } }
                                td { (col.owner) }
                                td {
                                    @if col.can_read { (l.t("read")) }
                                    @if col.can_read && col.can_write { ", " }
                                    @if col.can_write { (l.t("write")) }
                                }
                            }
                        }
                    }
                }
            }
        }
        section.card aria-labelledby="check" {
            h2 #check { (l.t("Check observables")) }
            form method="post" action="/intel" {
                input type="hidden" name="csrf" value=(who.session.csrf);
                div.field {
                    label for="values" { (l.t("Values, one per line (IP addresses, domains, URLs, e-mail addresses, hashes, wallets; defanged forms are read)")) }
                    textarea #values name="values" rows="6" required dir="ltr" { (values) }
                }
                button type="submit" { (l.t("Check")) }
            }
            @match &answer {
                None => {}
                Some(Err(e)) => { p.error role="alert" { (e) } }
                Some(Ok(a)) => { (results(l, a)) }
            }
        }
        section.card aria-labelledby="sightings" {
            h2 #sightings { (l.t("Sightings of our intelligence")) }
            @if sightings.is_empty() { p.none { (l.t("No sighting.")) } }
            @else {
                table #intel-sightings {
                    thead { tr {
                        th scope="col" { (l.t("When")) } th scope="col" { (l.t("Value")) }
                        th scope="col" { "STIX" } th scope="col" { (l.t("Checked by")) }
                    } }
                    tbody {
                        @for e in &sightings {
                            tr {
                                td { (e.time.date()) " " (format!("{:02}:{:02}", e.time.hour(), e.time.minute())) }
                                td { code { (e.data["value"].as_str().unwrap_or_default()) } }
                                td { code { (e.data["object"].as_str().unwrap_or_default()) } }
                                td {
                                    (e.data["checker"].as_str().unwrap_or_default())
                                    @if e.data["silent"].as_bool() == Some(true) {
                                        " " span.badge.silent title=(l.t("the checker may not see it and was told nothing")) { (l.t("silent")) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    super::layout(l, "/intel", "Intelligence", Some(who), body).into_response()
}

/// A check's answer: each value that matched, was flagged or was refused.
fn results(l: Lang, a: &Value) -> Markup {
    let rows = a["results"].as_array().map(Vec::as_slice).unwrap_or_default();
    html! {
        p #check-summary role="status" {
            (a["checked"].as_u64().unwrap_or(0)) " " (l.t("values checked")) ", "
            (a["matched"].as_u64().unwrap_or(0)) " " (l.t("matched"))
        }
        @for r in rows {
            article.match {
                header {
                    code { (r["value"].as_str().unwrap_or_default()) }
                    @if let Some(canonical) = r["canonical"].as_str() { " → " code { (canonical) } }
                }
                @if let Some(e) = r["error"].as_str() { p.warn { (l.t("Not an observable")) ": " (e) } }
                @if let Some(n) = r["noise"].as_str() { p.warn { (l.t("Noise")) ": " (n) } }
                @for m in r["matches"].as_array().into_iter().flatten() {
                    dl {
                        dt { (m["type"].as_str().unwrap_or_default()) }
                        dd {
                            code { (m["id"].as_str().unwrap_or_default()) }
                            @if let Some(name) = m["context"]["name"].as_str() { " " strong dir="auto" { (name) } }
                        }
                        dt { (l.t("Shared by")) }
                        dd {
                            (m["owner"].as_str().unwrap_or_default())
                            @if let Some(t) = m["tlp"].as_str() { " · TLP:" (t.to_uppercase()) }
                        }
                    }
                }
            }
        }
    }
}
