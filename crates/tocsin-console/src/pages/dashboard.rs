//! The dashboard: the agency's searches and the hits it may see, per hour
//! or per day, the hits by the other agency's country and by notice type,
//! and its screening latency, from the same figures `GET /v1/activity`
//! answers, drawn as charts with their figures beside them.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;
use time::OffsetDateTime;
use tocsin_activity::{Activity, Step, Window};

use crate::charts::{self, BLUE, Line, RED};
use crate::i18n::Lang;
use crate::{Console, SignedIn};

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Choice {
    #[serde(default)]
    step: Option<Step>,
}

/// The figures over the last 24 hours, or the last 30 days.
pub(crate) async fn show(State(c): State<Console>, who: SignedIn, Query(choice): Query<Choice>) -> Response {
    let l = who.lang;
    let step = choice.step.unwrap_or_default();
    let body = match Window::new(None, None, step, OffsetDateTime::now_utc()) {
        Ok(window) => match c.store().activity(&who.actor(), window).await {
            Ok(activity) => figures(l, &activity),
            Err(e) => return super::refused(&who, e, "/screen"),
        },
        Err(e) => html! { p.error role="alert" { (e.to_string()) } },
    };
    let page = html! {
        form.filters method="get" action="/dashboard" {
            label for="step" { (l.t("Period")) }
            select #step name="step" {
                option value="hour" selected[step == Step::Hour] { (l.t("Per hour, last 24 hours")) }
                option value="day" selected[step == Step::Day] { (l.t("Per day, last 30 days")) }
            }
            button type="submit" { (l.t("Show")) }
        }
        (body)
    };
    super::layout(l, "/dashboard", "Dashboard", Some(&who), page).into_response()
}

fn figures(l: Lang, a: &Activity) -> Markup {
    let labels: Vec<String> = a.searches.iter().map(|c| bucket_label(a.step, c.start)).collect();
    let searches: Vec<u64> = a.searches.iter().map(|c| c.count).collect();
    let hits: Vec<u64> = a.hits.iter().map(|c| c.count).collect();
    let countries: Vec<String> = a.hits_by_country.iter().take(12).map(|c| c.country.to_string()).collect();
    let country_counts: Vec<u64> = a.hits_by_country.iter().take(12).map(|c| c.count).collect();
    let types: Vec<String> = a
        .hits_by_notice_type
        .iter()
        .map(|t| t.notice_type.map_or_else(|| l.t("none").to_owned(), |ty| ty.as_str().to_owned()))
        .collect();
    let type_counts: Vec<u64> = a.hits_by_notice_type.iter().map(|t| t.count).collect();
    let ms = |v: Option<f64>| v.map_or_else(|| "–".to_owned(), |v| format!("{v:.1} ms"));
    let p50 = Line { name: "p50", color: BLUE, values: a.latency.buckets.iter().map(|b| b.p50_ms).collect() };
    let p99 = Line { name: "p99", color: RED, values: a.latency.buckets.iter().map(|b| b.p99_ms).collect() };
    let per = if a.step == Step::Hour { l.t("per hour") } else { l.t("per day") };
    html! {
        p.note { (l.t("Times are UTC. Hits count those on our records (silent ones included) and those our screenings made.")) }
        dl.kpis {
            div { dt { (l.t("Searches")) } dd #total-searches { (searches.iter().sum::<u64>()) } }
            div { dt { (l.t("Hits")) } dd #total-hits { (hits.iter().sum::<u64>()) } }
            div { dt { (l.t("Median latency")) } dd #p50 { (ms(a.latency.p50_ms)) } }
            div { dt { (l.t("99th percentile latency")) } dd #p99 { (ms(a.latency.p99_ms)) } }
        }
        (figure(l, "searches", &format!("{} {per}", l.t("Searches")), &charts::bars(l.t("Searches"), l.t("searches"), &labels, &searches, BLUE), &labels, &[&searches]))
        (figure(l, "hits", &format!("{} {per}", l.t("Hits")), &charts::bars(l.t("Hits"), l.t("hits"), &labels, &hits, RED), &labels, &[&hits]))
        @if countries.is_empty() {
            section #by-country { h2 { (l.t("Hits by country")) } p.none { (l.t("No hit.")) } }
        } @else {
            (figure(l, "by-country", l.t("Hits by country"), &charts::bars(l.t("Hits by country"), l.t("hits"), &countries, &country_counts, RED), &countries, &[&country_counts]))
        }
        @if types.is_empty() {
            section #by-notice-type { h2 { (l.t("Hits by notice type")) } p.none { (l.t("No hit.")) } }
        } @else {
            (figure(l, "by-notice-type", l.t("Hits by notice type"), &charts::bars(l.t("Hits by notice type"), l.t("hits"), &types, &type_counts, RED), &types, &[&type_counts]))
        }
        section #latency {
            h2 { (l.t("Screening latency")) }
            p.note {
                (l.t("Measured by this server since it started:")) " "
                span dir="ltr" { (a.latency.since.map(|t| format!("{} {:02}:{:02} UTC", t.date(), t.hour(), t.minute())).unwrap_or_default()) }
                " · " (a.latency.screenings) " " (l.t("searches"))
            }
            (maud::PreEscaped(charts::lines(l.t("Screening latency"), "ms", &labels, &[p50, p99])))
            details {
                summary { (l.t("Figures")) }
                table {
                    thead { tr { th scope="col" { (l.t("Time")) } th scope="col" { "p50" } th scope="col" { "p99" } th scope="col" { (l.t("Searches")) } } }
                    tbody {
                        @for (label, b) in labels.iter().zip(&a.latency.buckets) {
                            tr { td { (label) } td { (ms(b.p50_ms)) } td { (ms(b.p99_ms)) } td { (b.screenings) } }
                        }
                    }
                }
            }
        }
    }
}

/// A chart under its heading, with its figures as a table to open.
fn figure(l: Lang, id: &str, title: &str, svg: &str, labels: &[String], columns: &[&[u64]]) -> Markup {
    html! {
        section id=(id) {
            h2 { (title) }
            (maud::PreEscaped(svg))
            details {
                summary { (l.t("Figures")) }
                table {
                    tbody {
                        @for (i, label) in labels.iter().enumerate() {
                            tr { th scope="row" { (label) } @for column in columns { td { (column.get(i).copied().unwrap_or(0)) } } }
                        }
                    }
                }
            }
        }
    }
}

/// `13:00` for an hour, `12-06` for a day.
fn bucket_label(step: Step, start: OffsetDateTime) -> String {
    match step {
        Step::Hour => format!("{:02}:00", start.hour()),
        Step::Day => format!("{:02}-{:02}", u8::from(start.month()), start.day()),
    }
}
