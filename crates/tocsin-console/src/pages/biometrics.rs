//! The biometrics page: a 1:N search with a face template or finger
//! minutiae (JSON, as `POST /v1/biometrics/search` takes them), its
//! decision and candidate list, and the examiners' queue of candidates by
//! or about the agency, each confirmed (a hit is made) or rejected. Every
//! answer is the biometric service's own for the signed-in token.

use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;
use tocsin_core::auth::Permission;
use tocsin_store::Candidate;

use crate::i18n::Lang;
use crate::{Console, SignedIn};

/// Candidates listed in the queue.
const QUEUE: u32 = 50;

#[derive(Deserialize)]
pub(crate) struct SearchForm {
    csrf: String,
    probe: String,
    purpose: String,
}

#[derive(Deserialize)]
pub(crate) struct DecideForm {
    csrf: String,
    search: String,
    record: String,
    decision: String,
}

/// The page.
pub(crate) async fn show(State(c): State<Console>, who: SignedIn) -> Response {
    page(&c, &who, "", "", None, None).await
}

/// The page with a search's answer.
pub(crate) async fn search(State(c): State<Console>, who: SignedIn, Form(f): Form<SearchForm>) -> Response {
    if let Err(stale) = who.check_csrf(&f.csrf) {
        return stale.into_response();
    }
    let Some(abis) = &c.options.abis else { return page(&c, &who, &f.probe, &f.purpose, None, None).await };
    let mut actor = who.actor();
    let purpose = f.purpose.trim();
    let answer = match tocsin_core::text::clean("purpose", purpose.to_owned(), tocsin_core::limits::LABEL_CHARS) {
        Err(e) => Err(e.to_string()),
        Ok(purpose) => {
            actor.purpose = (!purpose.is_empty()).then_some(purpose);
            match serde_json::from_str::<tocsin_abis::Probe>(&f.probe) {
                Ok(probe) => abis.search(&actor, probe, 20).await.map_err(|e| e.to_string()),
                Err(e) => Err(format!("probe: {e}")),
            }
        }
    };
    let answer = answer.and_then(|a| serde_json::to_value(a).map_err(|e| e.to_string()));
    page(&c, &who, &f.probe, &f.purpose, Some(answer), None).await
}

/// An examiner's decision, then the page.
pub(crate) async fn decide(State(c): State<Console>, who: SignedIn, Form(f): Form<DecideForm>) -> Response {
    if let Err(stale) = who.check_csrf(&f.csrf) {
        return stale.into_response();
    }
    let note = match f.record.parse() {
        Ok(record) => {
            let confirm = f.decision == "confirm";
            match c.store.biometrics().decide(&who.actor(), &f.search, record, confirm).await {
                Ok(d) => Ok(d),
                Err(e) => Err(e.to_string()),
            }
        }
        Err(_) => Err("record: not a record id".to_owned()),
    };
    page(&c, &who, "", "", None, Some(note)).await
}

async fn page(
    c: &Console,
    who: &SignedIn,
    probe: &str,
    purpose: &str,
    answer: Option<Result<serde_json::Value, String>>,
    decided: Option<Result<Candidate, String>>,
) -> Response {
    let l = who.lang;
    if c.options.abis.is_none() {
        let body = html! { p.none { (l.t("Biometric search is not served here.")) } };
        return super::layout(l, "/biometrics", "Biometrics", Some(who), body).into_response();
    }
    let queue = c.store.biometrics().queue(&who.actor(), false, QUEUE).await.unwrap_or_default();
    let examiner = who.principal.role.may(Permission::ExamineBiometrics);
    let body = html! {
        section.card aria-labelledby="bio-search" {
            h2 #bio-search { (l.t("Search faces and fingerprints")) }
            form method="post" action="/biometrics" {
                input type="hidden" name="csrf" value=(who.session.csrf);
                div.field {
                    label for="probe" { (l.t("Template (JSON: a face with model, version and vector, or fingers with their minutiae)")) }
                    textarea #probe name="probe" rows="6" required spellcheck="false" dir="ltr" { (probe) }
                }
                div.field {
                    label for="purpose" { (l.t("Purpose (e.g. border_check)")) }
                    input #purpose type="text" name="purpose" value=(purpose) required dir="auto";
                }
                button type="submit" { (l.t("Search")) }
            }
            @match &answer {
                None => {}
                Some(Err(e)) => { p.error role="alert" { (e) } }
                Some(Ok(a)) => { (answer_table(l, a, examiner, &who.session.csrf)) }
            }
        }
        @match &decided {
            None => {}
            Some(Err(e)) => { p.error role="alert" { (e) } }
            Some(Ok(d)) => {
                p #decided role="status" {
                    (l.t(word(&d.status))) @if let Some(hit) = d.hit { " · " a href=(format!("/hits/{hit}")) { (l.t("the hit")) } }
                }
            }
        }
        section.card aria-labelledby="bio-queue" {
            h2 #bio-queue { (l.t("Candidates by or about this agency")) }
            @if queue.is_empty() { p.none { (l.t("No candidate.")) } }
            @else {
                table #bio-candidates {
                    thead { tr {
                        th scope="col" { (l.t("When")) } th scope="col" { (l.t("Modality")) }
                        th scope="col" { (l.t("Score")) } th scope="col" { (l.t("Record")) }
                        th scope="col" { (l.t("Searched by")) } th scope="col" { (l.t("Status")) }
                    } }
                    tbody {
                        @for cand in &queue {
                            tr {
                                td { (cand.time.date()) " " (format!("{:02}:{:02}", cand.time.hour(), cand.time.minute())) }
                                td { (l.t(word(&cand.modality))) }
                                td { (format!("{:.3}", cand.score)) }
                                td { code { (cand.record) } }
                                td {
                                    (cand.searcher) " (" (cand.user) ")"
                                    @if !cand.shown {
                                        " " span.badge.silent title=(l.t("the searcher was told nothing")) { (l.t("silent")) }
                                    }
                                }
                                td {
                                    @if cand.status == "pending" && examiner {
                                        (decision_buttons(l, &who.session.csrf, &cand.search, &cand.record.to_string()))
                                    } @else { (l.t(word(&cand.status))) }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    super::layout(l, "/biometrics", "Biometrics", Some(who), body).into_response()
}

fn decision_buttons(l: Lang, csrf: &str, search: &str, record: &str) -> Markup {
    html! {
        form.inline method="post" action="/biometrics/decide" {
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="search" value=(search);
            input type="hidden" name="record" value=(record);
            button type="submit" name="decision" value="confirm" { (l.t("Confirm")) }
            " "
            button type="submit" name="decision" value="reject" { (l.t("Reject")) }
        }
    }
}

/// A search's decision and candidate list.
fn answer_table(l: Lang, a: &serde_json::Value, examiner: bool, csrf: &str) -> Markup {
    let rows = a["candidates"].as_array().map(Vec::as_slice).unwrap_or_default();
    let search = a["search"].as_str().unwrap_or_default();
    html! {
        p #bio-decision role="status" {
            (l.t("Decision")) ": " strong { (l.t(word(a["decision"].as_str().unwrap_or_default()))) }
            " · " (a["model"].as_str().unwrap_or_default())
        }
        @if !rows.is_empty() {
            table #bio-results {
                thead { tr {
                    th scope="col" { (l.t("Rank")) } th scope="col" { (l.t("Score")) }
                    th scope="col" { (l.t("Owner")) } th scope="col" { (l.t("Record")) } th scope="col" { (l.t("Person")) }
                    @if examiner { th scope="col" { (l.t("Decision")) } }
                } }
                tbody {
                    @for r in rows {
                        tr {
                            td { (r["rank"]) }
                            td { (format!("{:.3}", r["score"].as_f64().unwrap_or_default())) }
                            td { (r["owner"].as_str().unwrap_or_default()) }
                            td { code { (r["record"].as_str().unwrap_or_default()) } }
                            td { code { (r["subject"].as_str().unwrap_or_default()) } }
                            @if examiner { td { (decision_buttons(l, csrf, search, r["record"].as_str().unwrap_or_default())) } }
                        }
                    }
                }
            }
        }
        p.hint { (l.t("A candidate is for an examiner to confirm: a search makes no hit.")) }
    }
}

/// The table's key for a value the service writes (statuses, modalities,
/// decisions); an unknown one is shown as `?`.
fn word(value: &str) -> &'static str {
    const KNOWN: [&str; 9] =
        ["pending", "confirmed", "rejected", "face", "finger", "candidate", "no_candidate", "inconclusive", "silent"];
    KNOWN.into_iter().find(|k| *k == value).unwrap_or("?")
}
