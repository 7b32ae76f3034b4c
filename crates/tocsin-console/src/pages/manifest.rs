//! A flight's manifest screened at once: a file (PAXLST, CSV with a
//! header, JSON lines) or pasted text, answered with the summary and a table
//! of travellers that filters and exports as CSV.

use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde_json::Value;
use tocsin_manifest::batch::Format;
use tocsin_server::screening::BatchOptions;

use crate::i18n::Lang;
use crate::{Console, SignedIn};

/// The upload form.
pub(crate) async fn form(who: SignedIn) -> Response {
    page(&who, None, None).into_response()
}

fn page(who: &SignedIn, error: Option<&str>, result: Option<Markup>) -> Markup {
    let l = who.lang;
    super::layout(
        l,
        "/manifest",
        "Manifest",
        Some(who),
        html! {
            form.card #manifest-form method="post" action="/manifest" enctype="multipart/form-data" {
                input type="hidden" name="csrf" value=(who.session.csrf);
                @if let Some(e) = error { p.error role="alert" { (e) } }
                div.grid {
                    div.field {
                        label for="file" { (l.t("Manifest file (PAXLST, CSV with a header, JSON lines; at most 1,000 travellers)")) }
                        input #file type="file" name="file" accept=".edi,.edifact,.paxlst,.txt,.csv,.jsonl,.ndjson";
                    }
                    div.field {
                        label for="text" { (l.t("Or paste it")) }
                        textarea #text name="text" rows="6" spellcheck="false" dir="ltr" {}
                    }
                    div.field {
                        label for="location" { (l.t("Location (a PAXLST manifest's flight by default)")) }
                        input #location type="text" name="location";
                    }
                    div.field {
                        label for="purpose" { (l.t("Purpose")) }
                        input #purpose type="text" name="purpose";
                    }
                    div.field.check {
                        input #hits_only type="checkbox" name="hits_only" value="true";
                        label for="hits_only" { (l.t("Only travellers with a hit")) }
                    }
                }
                button type="submit" { (l.t("Screen the manifest")) }
            }
            @if let Some(r) = result { section #results aria-live="polite" { (r) } }
        },
    )
}

/// Reads the upload and screens it as `POST /v1/screen/batch` would.
pub(crate) async fn submit(State(c): State<Console>, who: SignedIn, mut form: Multipart) -> Response {
    let (mut csrf, mut bytes, mut options) = (String::new(), Vec::new(), BatchOptions::default());
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return (StatusCode::BAD_REQUEST, page(&who, Some(&e.body_text()), None)).into_response(),
        };
        let name = field.name().unwrap_or_default().to_owned();
        let data = match field.bytes().await {
            Ok(d) => d,
            Err(e) => return (StatusCode::BAD_REQUEST, page(&who, Some(&e.body_text()), None)).into_response(),
        };
        let text = || String::from_utf8_lossy(&data).trim().to_owned();
        match name.as_str() {
            "csrf" => csrf = text(),
            "file" if !data.is_empty() => bytes = data.to_vec(),
            "text" if bytes.is_empty() && !data.iter().all(u8::is_ascii_whitespace) => bytes = data.to_vec(),
            "location" => options.location = Some(text()).filter(|t| !t.is_empty()),
            "purpose" => options.purpose = Some(text()).filter(|t| !t.is_empty()),
            "hits_only" => options.hits_only = text() == "true",
            _ => {}
        }
    }
    if let Err(r) = who.check_csrf(&csrf) {
        return r.into_response();
    }
    let Some(format) = Format::detect(&bytes) else {
        return (StatusCode::BAD_REQUEST, page(&who, Some(who.lang.t("Choose a file or paste a manifest.")), None))
            .into_response();
    };
    match tocsin_server::screening::batch(c.store(), &who.actor(), format, &bytes, options).await {
        Ok(answer) => {
            let answer = serde_json::to_value(answer).unwrap_or_default();
            page(&who, None, Some(results(who.lang, &answer))).into_response()
        }
        Err(e) => (e.status(), page(&who, Some(&e.message()), None)).into_response(),
    }
}

fn results(l: Lang, a: &Value) -> Markup {
    let s = &a["summary"];
    let n = |k: &str| s[k].as_u64().unwrap_or(0);
    html! {
        h2 { (l.t("Results")) }
        @if let Some(f) = a["flight"]["described"].as_str() { p.flight { (l.t("Flight")) " " (f) } }
        p.summary {
            (n("travellers")) " " (l.t("travellers")) ", " (n("matched")) " " (l.t("matched")) " (" (n("matches")) " " (l.t("matches")) "), "
            strong { (n("hits")) " " (l.t("hits")) } ", " (n("errors")) " " (l.t("errors"))
        }
        @for p in a["problems"].as_array().into_iter().flatten() {
            p.warn role="alert" { (p["message"].as_str().unwrap_or_default()) }
        }
        div.tools {
            label for="filter" { (l.t("Filter")) }
            input #filter type="search" data-filter="travellers";
            button type="button" data-export="travellers" { (l.t("Export CSV")) }
        }
        table #travellers {
            thead {
                tr {
                    th scope="col" { (l.t("Ref")) } th scope="col" { (l.t("Where")) } th scope="col" { (l.t("Traveller")) }
                    th scope="col" { (l.t("Best match")) } th scope="col" { (l.t("Score")) } th scope="col" { (l.t("Hits")) } th scope="col" { (l.t("Error")) }
                }
            }
            tbody {
                @for item in a["results"].as_array().into_iter().flatten() {
                    @let best = &item["result"]["matches"][0];
                    @let hits = item["result"]["matches"].as_array().map_or(0, |m| m.iter().filter(|m| m["hit_id"].is_string()).count());
                    tr.(if hits > 0 { "hit" } else { "" }) {
                        td { (item["ref"].as_str().unwrap_or_default()) }
                        td { @if let Some(n) = item["line"].as_u64() { (l.t("line")) " " (n) } @else if let Some(s) = item["segment"].as_u64() { (l.t("segment")) " " (s) } }
                        td dir="auto" { (item["traveller"]["name"].as_str().unwrap_or_default()) }
                        td { @if best.is_object() { (super::record_title(l, &best["record"])) } }
                        td.num { @if let Some(x) = best["score"].as_f64() { (format!("{x:.3}")) } }
                        td.num { (hits) }
                        td { (item["error"]["message"].as_str().unwrap_or_default()) }
                    }
                }
            }
        }
    }
}
