//! The infrastructure page: the single points of failure of the agency's
//! view of the asset graph (optionally for one sector or country), and a
//! what-if cascade: assets removed by id, or a sector in a country, with
//! the failures that follow in time and their impact. Every answer is the
//! infrastructure service's own for the signed-in token (audited there).

use axum::Form;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::{Value, json};
use tocsin_core::asset::Sector;

use crate::i18n::Lang;
use crate::{Console, SignedIn};

/// Single points of failure listed.
const LISTED: usize = 20;
/// Timeline steps shown.
const STEPS: usize = 50;

#[derive(Deserialize, Default)]
pub(crate) struct Filter {
    sector: Option<String>,
    country: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct CascadeForm {
    csrf: String,
    assets: String,
    sector: String,
    country: String,
    horizon: String,
}

/// The page, with the report for the filter in the query.
pub(crate) async fn show(State(c): State<Console>, who: SignedIn, Query(f): Query<Filter>) -> Response {
    page(&c, &who, f, None, None).await
}

/// The page with a cascade's answer.
pub(crate) async fn cascade(State(c): State<Console>, who: SignedIn, Form(f): Form<CascadeForm>) -> Response {
    if let Err(stale) = who.check_csrf(&f.csrf) {
        return stale.into_response();
    }
    let Some(infra) = &c.options.infra else { return page(&c, &who, Filter::default(), None, None).await };
    let mut remove = serde_json::Map::new();
    let ids: Vec<&str> = f.assets.split_whitespace().collect();
    if !ids.is_empty() {
        remove.insert("assets".into(), json!(ids));
    }
    for (k, v) in [("sector", f.sector.trim()), ("country", f.country.trim())] {
        if !v.is_empty() {
            remove.insert(k.into(), json!(v));
        }
    }
    let mut body = json!({ "remove": remove, "limit": STEPS });
    let answer = match f.horizon.trim() {
        "" => Ok(()),
        h => h.parse::<f64>().map(|h| body["horizon_hours"] = json!(h)).map_err(|_| "horizon: hours".to_owned()),
    }
    .and_then(|()| serde_json::from_value::<tocsin_infra_service::CascadeInput>(body).map_err(|e| e.to_string()));
    let answer = match answer {
        Ok(input) => infra.cascade(&who.actor(), input).await.map_err(|e| e.to_string()),
        Err(e) => Err(e),
    };
    page(&c, &who, Filter::default(), Some(answer), Some(f)).await
}

fn asset(a: &Value) -> Markup {
    html! { (a["name"].as_str().unwrap_or_default()) " " code { (a["id"].as_str().unwrap_or_default()) } }
}

/// Hours as people write them: `24`, `2.5`.
fn hours(v: &Value) -> String {
    match v.as_f64() {
        Some(h) if h.fract() == 0.0 && h.abs() < 1e15 => format!("{}", h as i64),
        Some(h) => format!("{h}"),
        None => String::new(),
    }
}

fn list(v: &Value) -> String {
    v.as_array().into_iter().flatten().filter_map(Value::as_str).collect::<Vec<_>>().join(", ")
}

async fn page(
    c: &Console,
    who: &SignedIn,
    filter: Filter,
    cascaded: Option<Result<Value, String>>,
    form: Option<CascadeForm>,
) -> Response {
    let l = who.lang;
    let Some(infra) = &c.options.infra else {
        let body = html! { p.none { (l.t("Infrastructure analysis is not served here.")) } };
        return super::layout(l, "/infrastructure", "Infrastructure", Some(who), body).into_response();
    };
    let query = tocsin_infra_service::SpofQuery {
        sector: filter.sector.clone().filter(|s| !s.is_empty()),
        country: filter.country.clone().filter(|s| !s.trim().is_empty()),
        limit: Some(LISTED),
        ..Default::default()
    };
    let report = infra.spof(&who.actor(), query).await.map_err(|e| e.to_string());
    let (assets, sector, country, horizon) = match &form {
        Some(f) => (f.assets.as_str(), f.sector.as_str(), f.country.as_str(), f.horizon.as_str()),
        None => ("", "", "", ""),
    };
    let body = html! {
        section.card aria-labelledby="spof-title" {
            h2 #spof-title { (l.t("Single points of failure")) }
            form.filters method="get" action="/infrastructure" {
                div.field {
                    label for="spof-sector" { (l.t("Sector")) }
                    (sector_select(l, "spof-sector", "sector", filter.sector.as_deref().unwrap_or("")))
                }
                div.field {
                    label for="spof-country" { (l.t("Country (ISO alpha-3)")) }
                    input #spof-country type="text" name="country" value=(filter.country.as_deref().unwrap_or("")) maxlength="3" dir="ltr";
                }
                button type="submit" { (l.t("Show")) }
            }
            @match &report {
                Err(e) => { p.error role="alert" { (e) } }
                Ok(r) => {
                    p #spof-summary {
                        (r["assets"]) " " (l.t("assets")) " · " (r["dependencies"]) " " (l.t("dependencies")) " · "
                        (r["total"]) " " (l.t("single points of failure")) " · "
                        (r["articulation_points"]["count"]) " " (l.t("articulation points")) " · "
                        (r["bridges"]["count"]) " " (l.t("bridges"))
                    }
                    @if r["spofs"].as_array().is_none_or(Vec::is_empty) { p.none { (l.t("No single point of failure.")) } }
                    @else {
                        table #spofs {
                            thead { tr {
                                th scope="col" { (l.t("Asset")) } th scope="col" { (l.t("Sector")) }
                                th scope="col" { (l.t("Country")) } th scope="col" { (l.t("Cuts off")) }
                                th scope="col" { (l.t("People")) } th scope="col" { (l.t("Commodities")) }
                            } }
                            tbody {
                                @for s in r["spofs"].as_array().into_iter().flatten() {
                                    tr {
                                        td { (asset(&s["asset"])) }
                                        td { (s["asset"]["sector"].as_str().unwrap_or_default()) }
                                        td { (s["asset"]["country"].as_str().unwrap_or_default()) }
                                        td { (s["dependents"]) " (" (list(&s["countries"])) ")" }
                                        td { (s["people"]) }
                                        td { (list(&s["commodities"])) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        section.card aria-labelledby="cascade-title" {
            h2 #cascade-title { (l.t("What if")) }
            form method="post" action="/infrastructure/cascade" {
                input type="hidden" name="csrf" value=(who.session.csrf);
                div.field {
                    label for="cascade-assets" { (l.t("Assets lost (ids, one per line)")) }
                    textarea #cascade-assets name="assets" rows="3" spellcheck="false" dir="ltr" { (assets) }
                }
                div.field {
                    label for="cascade-sector" { (l.t("Or every asset of a sector")) }
                    (sector_select(l, "cascade-sector", "sector", sector))
                }
                div.field {
                    label for="cascade-country" { (l.t("In a country (ISO alpha-3)")) }
                    input #cascade-country type="text" name="country" value=(country) maxlength="3" dir="ltr";
                }
                div.field {
                    label for="cascade-horizon" { (l.t("Horizon (hours)")) }
                    input #cascade-horizon type="text" inputmode="decimal" name="horizon" value=(horizon) dir="ltr";
                }
                button type="submit" { (l.t("Simulate")) }
            }
            @match &cascaded {
                None => {}
                Some(Err(e)) => { p.error role="alert" { (e) } }
                Some(Ok(r)) => { (cascade_answer(l, r)) }
            }
        }
    };
    super::layout(l, "/infrastructure", "Infrastructure", Some(who), body).into_response()
}

fn sector_select(l: Lang, id: &str, name: &str, chosen: &str) -> Markup {
    html! {
        select id=(id) name=(name) {
            option value="" selected[chosen.is_empty()] { (l.t("Any")) }
            @for s in Sector::ALL {
                option value=(s.as_str()) selected[chosen == s.as_str()] { (s.as_str().replace('_', " ")) }
            }
        }
    }
}

fn cascade_answer(l: Lang, r: &Value) -> Markup {
    html! {
        p #cascade-summary role="status" {
            (r["removed"].as_array().map_or(0, Vec::len)) " " (l.t("removed")) " · "
            (r["failed"]) " " (l.t("failed after them")) " · " (r["people"]) " " (l.t("people"))
        }
        @if !r["first_cross_border"].is_null() {
            p #cascade-border {
                (l.t("First across a border:")) " " (asset(&r["first_cross_border"]["asset"]))
                " (" (hours(&r["first_cross_border"]["hours"])) " h)"
            }
        }
        table #cascade-timeline {
            thead { tr {
                th scope="col" { (l.t("Hours")) } th scope="col" { (l.t("Asset")) }
                th scope="col" { (l.t("Cause")) } th scope="col" { (l.t("Through")) }
            } }
            tbody {
                @for step in r["timeline"].as_array().into_iter().flatten() {
                    tr {
                        td { (hours(&step["hours"])) }
                        td { (asset(&step["asset"])) " · " (step["asset"]["country"].as_str().unwrap_or_default()) }
                        td { (step["cause"].as_str().unwrap_or_default()) " " (step["commodity"].as_str().unwrap_or_default()) }
                        td { @if !step["via"].is_null() { (step["via"]["name"].as_str().unwrap_or_default()) } }
                    }
                }
            }
        }
        table #cascade-impact {
            thead { tr {
                th scope="col" { (l.t("Sector")) } th scope="col" { (l.t("Country")) }
                th scope="col" { (l.t("Assets")) } th scope="col" { (l.t("People")) }
            } }
            tbody {
                @for cell in r["impact"].as_array().into_iter().flatten() {
                    tr {
                        td { (cell["sector"].as_str().unwrap_or_default()) } td { (cell["country"].as_str().unwrap_or_default()) }
                        td { (cell["assets"]) } td { (cell["people"]) }
                    }
                }
            }
        }
    }
}
