//! A notice request: the type chosen first, then a form with exactly the
//! fields that type requires; the API's rules decide, a refused field is
//! named, and nothing is stored until the request is whole.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use tocsin_core::notice::NoticeType;
use tocsin_store::NoticeInput;

use crate::{Console, SignedIn};

const TYPES: [&str; 8] = ["red", "yellow", "blue", "black", "green", "orange", "purple", "un_special"];

/// The inputs of each content field: (form name, label, kind).
fn inputs(field: &str) -> &'static [(&'static str, &'static str, &'static str)] {
    match field {
        "summary" => &[("summary", "Summary of the facts", "area")],
        "offence" => &[("offence", "Offence", "text")],
        "warrant" => &[
            ("warrant_kind", "Warrant: kind (arrest_warrant or judgment)", "text"),
            ("warrant_reference", "Warrant: reference", "text"),
            ("warrant_issued_by", "Warrant: issued by", "text"),
            ("warrant_issued_on", "Warrant: issued on (YYYY-MM-DD)", "text"),
        ],
        "legal_basis" => &[("legal_basis", "Legal basis", "text")],
        "disappearance" => {
            &[("disappearance_date", "Disappeared on", "text"), ("disappearance_place", "Disappeared at", "text")]
        }
        "found" => &[("found_date", "Body found on", "text"), ("found_place", "Body found at", "text")],
        "information_sought" => &[("information_sought", "Information sought", "area")],
        "threat" => &[("threat", "The threat", "area")],
        "modus_operandi" => &[("modus_operandi", "Modus operandi", "area")],
        "un_reference" => &[("un_reference", "UN reference (e.g. QDi.001)", "text")],
        "un_regime" => &[("un_regime", "Sanctions regime", "text")],
        "un_listed_on" => &[("un_listed_on", "Listed on (YYYY-MM-DD)", "text")],
        _ => &[],
    }
}

fn notice_type(s: &str) -> Option<NoticeType> {
    serde_json::from_value(json!(s)).ok()
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Chosen {
    #[serde(default, rename = "type")]
    notice_type: String,
}

/// The form of the chosen type (red by default).
pub(crate) async fn form(who: SignedIn, Query(c): Query<Chosen>) -> Response {
    let t = if c.notice_type.is_empty() { "red" } else { c.notice_type.as_str() };
    page(&who, t, &BTreeMap::new(), None).into_response()
}

fn page(who: &SignedIn, t: &str, values: &BTreeMap<String, String>, problem: Option<(&str, &str)>) -> Markup {
    let l = who.lang;
    let Some(kind) = notice_type(t) else { return page(who, "red", values, problem) };
    let value = |k: &str| values.get(k).map_or("", String::as_str);
    let bad = |k: &str| problem.filter(|(f, _)| !f.is_empty() && k.starts_with(f)).map(|(_, m)| m);
    super::layout(
        l,
        "/notices/new",
        "Request a notice",
        Some(who),
        html! {
            form.card.filters method="get" action="/notices/new" {
                div.field {
                    label for="type" { (l.t("Type")) }
                    select #type name="type" {
                        @for x in TYPES { option value=(x) selected[x == t] { (x) } }
                    }
                }
                button type="submit" { (l.t("Show its fields")) }
            }
            p { (kind.requested_action()) }
            form.card #notice-form method="post" action="/notices/new" {
                input type="hidden" name="csrf" value=(who.session.csrf);
                input type="hidden" name="type" value=(t);
                @if let Some((_, message)) = problem { p.error role="alert" { (message) } }
                div.grid {
                    div.field {
                        label for="record_ids" {
                            (l.t("Record ids (comma separated)"))
                            @if !kind.needs_records() { " " (l.t("(optional for this type)")) }
                        }
                        input #record_ids type="text" name="record_ids" value=(value("record_ids"));
                    }
                    @for field in kind.required_fields() {
                        @for (name, label, input) in inputs(field) {
                            div.field {
                                label for=(name) { (l.t(label)) }
                                @if *input == "area" {
                                    textarea id=(name) name=(name) rows="3" dir="auto" aria-invalid=[bad(name).map(|_| "true")] { (value(name)) }
                                } @else {
                                    input id=(name) type="text" name=(name) value=(value(name)) dir="auto" aria-invalid=[bad(name).map(|_| "true")];
                                }
                            }
                        }
                    }
                    @if kind.may_be_public() {
                        div.field.check {
                            input #public type="checkbox" name="public" value="true" checked[value("public") == "true"];
                            label for="public" { (l.t("Make its public extract available")) }
                        }
                    }
                }
                button type="submit" { (l.t("Save as a draft")) }
            }
        },
    )
}

/// The content as the API takes it, from the form's fields.
fn content(kind: NoticeType, v: &BTreeMap<String, String>) -> Value {
    let get = |k: &str| v.get(k).map(|s| s.trim()).filter(|s| !s.is_empty());
    let mut c = Map::new();
    let ids: Vec<&str> =
        get("record_ids").map(|s| s.split(',').map(str::trim).filter(|s| !s.is_empty()).collect()).unwrap_or_default();
    c.insert("record_ids".to_owned(), json!(ids));
    for field in kind.required_fields() {
        let value = match *field {
            "warrant" => {
                let w: Map<String, Value> = [
                    ("kind", "warrant_kind"),
                    ("reference", "warrant_reference"),
                    ("issued_by", "warrant_issued_by"),
                    ("issued_on", "warrant_issued_on"),
                ]
                .iter()
                .filter_map(|(k, f)| get(f).map(|x| ((*k).to_owned(), json!(x))))
                .collect();
                Some(Value::Object(w)).filter(|w| w.as_object().is_some_and(|o| !o.is_empty()))
            }
            "disappearance" | "found" => {
                let (d, p) = (get(&format!("{field}_date")), get(&format!("{field}_place")));
                (d.is_some() || p.is_some())
                    .then(|| json!({"date": d.unwrap_or_default(), "place": p.unwrap_or_default()}))
            }
            other => get(other).map(|x| json!(x)),
        };
        if let Some(value) = value {
            c.insert((*field).to_owned(), value);
        }
    }
    Value::Object(c)
}

/// Stores the request as a draft, or names what is wrong.
pub(crate) async fn create(
    State(c): State<Console>,
    who: SignedIn,
    Form(values): Form<BTreeMap<String, String>>,
) -> Response {
    if let Err(r) = who.check_csrf(values.get("csrf").map_or("", String::as_str)) {
        return r.into_response();
    }
    let t = values.get("type").cloned().unwrap_or_default();
    let Some(kind) = notice_type(&t) else { return (StatusCode::BAD_REQUEST, "no such notice type").into_response() };
    let body = json!({"type": t, "content": content(kind, &values), "public": values.get("public").is_some_and(|p| p == "true")});
    let refused = |field: String, message: String, status: StatusCode| {
        let at = field.trim_start_matches("content.").replace('.', "_");
        (status, page(&who, &t, &values, Some((&at, &message)))).into_response()
    };
    let input = match tocsin_core::json::from_slice::<NoticeInput>(&serde_json::to_vec(&body).unwrap_or_default()) {
        Ok(i) => i,
        Err(e) => return refused(e.field, e.message, StatusCode::BAD_REQUEST),
    };
    match c.store().create_notice(&who.actor(), input).await {
        Ok(n) => Redirect::to(&format!("/notices?status=draft#notice-{}", n.notice.id)).into_response(),
        Err(e) => {
            let e = tocsin_server::ApiError::from(e);
            refused(e.field_name().unwrap_or_default(), e.message(), e.status())
        }
    }
}
