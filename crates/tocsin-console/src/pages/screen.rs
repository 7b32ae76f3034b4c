//! The officer's screening page: a person, organization or document, or a
//! pasted MRZ (its fields and check digits shown), and the matches with
//! their explanation, handling and notices.

use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::i18n::Lang;
use crate::{Console, SignedIn};

/// The form's fields, as typed.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ScreenForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    birth_date: String,
    #[serde(default)]
    nationality: String,
    #[serde(default)]
    sex: String,
    #[serde(default)]
    document_number: String,
    #[serde(default)]
    document_country: String,
    #[serde(default)]
    mrz: String,
    #[serde(default)]
    location: String,
    #[serde(default)]
    purpose: String,
}

const FIELDS: [(&str, &str, &str); 8] = [
    ("name", "Name (any script)", "text"),
    ("birth_date", "Birth date (YYYY, YYYY-MM or YYYY-MM-DD)", "text"),
    ("nationality", "Nationality (ISO 3166 alpha-3)", "text"),
    ("document_number", "Document number", "text"),
    ("document_country", "Document's country (alpha-3)", "text"),
    ("mrz", "MRZ (paste its two or three lines)", "textarea"),
    ("location", "Location (e.g. CDG T2)", "text"),
    ("purpose", "Purpose (e.g. border_check)", "text"),
];

impl ScreenForm {
    fn value(&self, field: &str) -> &str {
        match field {
            "name" => &self.name,
            "birth_date" => &self.birth_date,
            "nationality" => &self.nationality,
            "sex" => &self.sex,
            "document_number" => &self.document_number,
            "document_country" => &self.document_country,
            "mrz" => &self.mrz,
            "location" => &self.location,
            "purpose" => &self.purpose,
            _ => "",
        }
    }

    /// The request as the API takes it: the fields filled in.
    fn request(&self) -> Value {
        let mut o = Map::new();
        for field in [
            "name",
            "birth_date",
            "nationality",
            "sex",
            "document_number",
            "document_country",
            "mrz",
            "location",
            "purpose",
        ] {
            let v = self.value(field).trim();
            if !v.is_empty() {
                o.insert(field.to_owned(), Value::from(v.replace("\r\n", "\n")));
            }
        }
        Value::Object(o)
    }
}

/// The empty form.
pub(crate) async fn form(who: SignedIn) -> Response {
    page(&who, &ScreenForm::default(), None, None).into_response()
}

/// What went wrong, and with which field.
struct Problem {
    field: Option<String>,
    message: String,
}

fn page(who: &SignedIn, f: &ScreenForm, problem: Option<&Problem>, result: Option<Markup>) -> Markup {
    let bad = |field: &str| problem.is_some_and(|p| p.field.as_deref() == Some(field));
    let l = who.lang;
    super::layout(
        l,
        "/screen",
        "Screen",
        Some(who),
        html! {
            form.card #screen-form method="post" action="/screen" {
                input type="hidden" name="csrf" value=(who.session.csrf);
                @if let Some(p) = problem.filter(|p| p.field.is_none()) {
                    p.error role="alert" { (p.message) }
                }
                div.grid {
                    @for (field, label, kind) in FIELDS {
                        div.field {
                            label for=(field) { (l.t(label)) }
                            @if kind == "textarea" {
                                textarea #(field) name=(field) rows="3" spellcheck="false" dir="ltr"
                                    aria-invalid=[bad(field).then_some("true")] aria-describedby=[bad(field).then(|| format!("{field}-error"))] { (f.value(field)) }
                            } @else {
                                input #(field) type="text" name=(field) value=(f.value(field)) dir="auto"
                                    aria-invalid=[bad(field).then_some("true")] aria-describedby=[bad(field).then(|| format!("{field}-error"))];
                            }
                            @if bad(field) {
                                p.error id=(format!("{field}-error")) role="alert" { (problem.map(|p| p.message.as_str()).unwrap_or_default()) }
                            }
                        }
                    }
                    div.field {
                        label for="sex" { (l.t("Sex")) }
                        select #sex name="sex" {
                            @for (v, label) in [("", "not given"), ("male", "male"), ("female", "female"), ("unknown", "unknown")] {
                                option value=(v) selected[f.sex == v] { (l.t(label)) }
                            }
                        }
                    }
                }
                button type="submit" { (l.t("Screen")) }
            }
            @if let Some(r) = result {
                section #results aria-live="polite" { h2 { (l.t("Results")) } (r) }
            }
        },
    )
}

/// Screens what the form says, as the API would for the signed-in token.
pub(crate) async fn submit(State(c): State<Console>, who: SignedIn, Form(f): Form<ScreenForm>) -> Response {
    if let Err(r) = who.check_csrf(&f.csrf) {
        return r.into_response();
    }
    let body = serde_json::to_vec(&f.request()).unwrap_or_default();
    let request = match tocsin_core::json::from_slice::<tocsin_match::request::Request>(&body) {
        Ok(r) => r,
        Err(e) => {
            let p = Problem { field: Some(e.field).filter(|f| !f.is_empty()), message: e.message };
            return (StatusCode::BAD_REQUEST, page(&who, &f, Some(&p), None)).into_response();
        }
    };
    match tocsin_server::screening::screen(c.store(), &who.actor(), request).await {
        Ok(answer) => {
            let answer = serde_json::to_value(answer).unwrap_or_default();
            let edge = answer["matches"].as_array().is_some_and(|m| m.iter().any(|m| m["needs_confirmation"] == true));
            let result = html! {
                @if edge {
                    p.note role="status" { (who.lang.t("Screened on this edge's copy: each hit waits for confirmation upstream, made when the link is up.")) }
                }
                (mrz(who.lang, &f.mrz)) (super::answer(who.lang, &answer))
            };
            page(&who, &f, None, Some(result)).into_response()
        }
        Err(e) => {
            let p = Problem { field: e.field_name(), message: e.message() };
            (e.status(), page(&who, &f, Some(&p), None)).into_response()
        }
    }
}

/// A pasted MRZ's fields and check digits.
fn mrz(l: Lang, text: &str) -> Markup {
    let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    if lines.is_empty() {
        return html! {};
    }
    let this_year = time::OffsetDateTime::now_utc().year();
    let Ok(m) = tocsin_match::mrz::parse(&lines, this_year) else { return html! {} };
    let format = serde_json::to_value(m.format).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
    let date = |d: &tocsin_match::mrz::MrzDate| d.date.map_or_else(|| d.raw.clone(), |p| p.to_string());
    html! {
        details.mrz open {
            summary { "MRZ (" (format) ")" }
            dl {
                dt { (l.t("Document")) } dd { (m.document_code) " " (m.document_number) " issued by " (m.issuing_state) }
                dt { (l.t("Name")) } dd { (m.primary_identifier) ", " (m.secondary_identifier) }
                dt { (l.t("Nationality")) } dd { (m.nationality) }
                dt { (l.t("Birth date")) } dd { (date(&m.birth_date)) }
                dt { (l.t("Sex")) } dd { (m.sex) }
                dt { (l.t("Expiry")) } dd { (date(&m.expiry_date)) }
            }
            table {
                thead { tr { th scope="col" { (l.t("Check digit")) } th scope="col" { (l.t("Found")) } th scope="col" { (l.t("Computed")) } th scope="col" { "" } } }
                tbody {
                    @for c in &m.checks {
                        tr.(if c.valid { "ok" } else { "failed" }) {
                            td { (c.field) } td { (c.found) } td { (c.computed) }
                            td { @if c.valid { (l.t("ok")) } @else { strong { (l.t("FAILED")) } } }
                        }
                    }
                }
            }
        }
    }
}
