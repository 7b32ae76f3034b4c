//! An agency administrator's records: the agency's own, listed and
//! searched; a record created or edited with the API's rules (a refused
//! field named beside it, nothing stored), its access rule, its archive.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use tocsin_core::record::{Record, RecordId, RecordInput};
use tocsin_store::ListQuery;

use crate::i18n::Lang;
use crate::{Console, SignedIn};

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Search {
    #[serde(default)]
    q: String,
}

/// The agency's records (the first 1,000), filtered by a name or number.
pub(crate) async fn list(State(c): State<Console>, who: SignedIn, Query(s): Query<Search>) -> Response {
    let l = who.lang;
    let query =
        ListQuery { after: None, limit: 1_000, kind: None, owner: Some(who.principal.agency), include_archived: false };
    let records = match c.store().list_records(&who.actor(), &query, "record.list").await {
        Ok(page) => page.items,
        Err(e) => return (StatusCode::FORBIDDEN, tocsin_server::ApiError::from(e).message()).into_response(),
    };
    let needle = s.q.trim().to_lowercase();
    let shown: Vec<&Record> = records
        .iter()
        .filter(|r| {
            needle.is_empty()
                || serde_json::to_string(&r.data.body).unwrap_or_default().to_lowercase().contains(&needle)
        })
        .collect();
    super::layout(
        l,
        "/records",
        "Records",
        Some(&who),
        html! {
            div.tools {
                form.filters method="get" action="/records" {
                    label for="q" { (l.t("Name or number contains")) }
                    input #q type="search" name="q" value=(s.q);
                    button type="submit" { (l.t("Show")) }
                }
                a.button href="/records/new" { (l.t("New record")) }
            }
            @if shown.is_empty() { p.none { (l.t("No record.")) } }
            @else {
                table #records {
                    thead { tr { th scope="col" { (l.t("Record")) } th scope="col" { (l.t("Handling")) } th scope="col" { (l.t("Access")) } th scope="col" { (l.t("Level")) } th scope="col" { (l.t("Review by")) } } }
                    tbody {
                        @for r in shown {
                            @let v = serde_json::to_value(r).unwrap_or_default();
                            tr {
                                td { a href=(format!("/records/{}", r.id)) { (super::record_title(l, &v)) } }
                                td { (v["handling"]["code"].as_str().unwrap_or_default()) }
                                td { (v["access"]["mode"].as_str().unwrap_or_default()) " " (super::list(&v["access"]["countries"])) }
                                td { (super::level_label(l, r.data.level)) }
                                td { (r.data.review_by) }
                            }
                        }
                    }
                }
            }
        },
    )
    .into_response()
}

/// The record form's fields, as typed.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct RecordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    names: String,
    #[serde(default)]
    birth_dates: String,
    #[serde(default)]
    nationalities: String,
    #[serde(default)]
    sex: String,
    #[serde(default)]
    number: String,
    #[serde(default)]
    country: String,
    #[serde(default)]
    doc_type: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    handling: String,
    #[serde(default)]
    instructions: String,
    #[serde(default)]
    access: String,
    #[serde(default)]
    countries: String,
    #[serde(default)]
    tags: String,
    #[serde(default)]
    level: String,
}

fn items(s: &str) -> Vec<String> {
    s.split([',', '\n']).map(str::trim).filter(|x| !x.is_empty()).map(str::to_owned).collect()
}

impl RecordForm {
    /// A stored record's form.
    fn of(r: &Record) -> RecordForm {
        let v = serde_json::to_value(r).unwrap_or_default();
        let join = |k: &str| {
            v[k].as_array()
                .map(|a| a.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(", "))
                .unwrap_or_default()
        };
        let text = |x: &Value| x.as_str().unwrap_or_default().to_owned();
        RecordForm {
            version: r.version.to_string(),
            kind: text(&v["kind"]),
            names: v["names"]
                .as_array()
                .map(|a| a.iter().filter_map(|n| n["full"].as_str()).collect::<Vec<_>>().join("\n"))
                .unwrap_or_default(),
            birth_dates: join("birth_dates"),
            nationalities: join("nationalities"),
            sex: text(&v["sex"]),
            number: text(&v["number"]),
            country: text(&v["country"]),
            doc_type: text(&v["doc_type"]),
            status: text(&v["status"]),
            handling: text(&v["handling"]["code"]),
            instructions: text(&v["handling"]["instructions"]),
            access: text(&v["access"]["mode"]),
            countries: v["access"]["countries"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(", "))
                .unwrap_or_default(),
            tags: join("tags"),
            level: text(&v["level"]),
            ..RecordForm::default()
        }
    }

    /// The record as the API takes it.
    fn input(&self) -> Value {
        let mut o = Map::new();
        o.insert("kind".to_owned(), json!(self.kind));
        if self.kind == "travel_document" {
            for (k, v) in [
                ("number", &self.number),
                ("country", &self.country),
                ("doc_type", &self.doc_type),
                ("status", &self.status),
            ] {
                if !v.trim().is_empty() {
                    o.insert(k.to_owned(), json!(v.trim()));
                }
            }
        } else {
            let names: Vec<Value> = self
                .names
                .lines()
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .enumerate()
                .map(|(i, n)| json!({"full": n, "type": if i == 0 { "primary" } else { "alias" }}))
                .collect();
            o.insert("names".to_owned(), Value::from(names));
            let list = if self.kind == "person" { "nationalities" } else { "countries" };
            let nats = items(&self.nationalities);
            if !nats.is_empty() {
                o.insert(list.to_owned(), json!(nats));
            }
            if self.kind == "person" {
                let born = items(&self.birth_dates);
                if !born.is_empty() {
                    o.insert("birth_dates".to_owned(), json!(born));
                }
                if !self.sex.is_empty() {
                    o.insert("sex".to_owned(), json!(self.sex));
                }
            }
        }
        let mut handling = json!({"code": self.handling});
        if !self.instructions.trim().is_empty() {
            handling["instructions"] = json!(self.instructions.trim());
        }
        o.insert("handling".to_owned(), handling);
        let mut access = json!({"mode": self.access});
        if self.access != "all" {
            access["countries"] = json!(items(&self.countries));
        }
        o.insert("access".to_owned(), access);
        let tags = items(&self.tags);
        if !tags.is_empty() {
            o.insert("tags".to_owned(), json!(tags));
        }
        if !self.level.is_empty() {
            o.insert("level".to_owned(), json!(self.level));
        }
        if let Ok(v) = self.version.parse::<u64>() {
            o.insert("version".to_owned(), json!(v));
        }
        Value::Object(o)
    }
}

/// Where a refused field is shown: the form field a path such as
/// `names[0].full` or `access.countries` comes from.
fn form_field(path: &str) -> &'static str {
    let head = path.split(['[', '.']).next().unwrap_or_default();
    match head {
        "names" => "names",
        "birth_dates" => "birth_dates",
        "nationalities" | "countries" if !path.starts_with("access") => "nationalities",
        "sex" => "sex",
        "number" => "number",
        "country" => "country",
        "doc_type" => "doc_type",
        "status" => "status",
        "handling" if path.contains("instructions") => "instructions",
        "handling" => "handling",
        "access" => "access",
        "tags" => "tags",
        "level" => "level",
        _ => "",
    }
}

fn select(l: Lang, id: &str, label: &'static str, value: &str, options: &[&str], bad: Option<&str>) -> Markup {
    html! {
        div.field {
            label for=(id) { (l.t(label)) }
            select id=(id) name=(id) aria-invalid=[bad.map(|_| "true")] aria-describedby=[bad.map(|_| format!("{id}-error"))] {
                @for o in options { option value=(o) selected[*o == value] { (if o.is_empty() { "—" } else { o }) } }
            }
            @if let Some(e) = bad { p.error id=(format!("{id}-error")) role="alert" { (e) } }
        }
    }
}

fn text(l: Lang, id: &str, label: &'static str, value: &str, bad: Option<&str>, area: bool) -> Markup {
    html! {
        div.field {
            label for=(id) { (l.t(label)) }
            @if area {
                textarea id=(id) name=(id) rows="3" dir="auto" aria-invalid=[bad.map(|_| "true")] aria-describedby=[bad.map(|_| format!("{id}-error"))] { (value) }
            } @else {
                input id=(id) type="text" name=(id) value=(value) dir="auto" aria-invalid=[bad.map(|_| "true")] aria-describedby=[bad.map(|_| format!("{id}-error"))];
            }
            @if let Some(e) = bad { p.error id=(format!("{id}-error")) role="alert" { (e) } }
        }
    }
}

fn form_page(
    who: &SignedIn,
    action: &str,
    title: &'static str,
    f: &RecordForm,
    problem: Option<(&str, &str)>,
    archive: Option<&str>,
    agencies: &[String],
) -> Markup {
    let l = who.lang;
    let picked: Vec<String> = items(&f.countries).into_iter().map(|c| c.to_uppercase()).collect();
    let bad = |field: &str| problem.filter(|(f, _)| *f == field).map(|(_, m)| m);
    let kind = if f.kind.is_empty() { "person" } else { f.kind.as_str() };
    super::layout(
        l,
        "/records",
        title,
        Some(who),
        html! {
            form.card #record-form method="post" action=(action) {
                input type="hidden" name="csrf" value=(who.session.csrf);
                input type="hidden" name="version" value=(f.version);
                @if let Some((field, message)) = problem.filter(|(f, _)| f.is_empty()) {
                    p.error role="alert" { (field) (message) }
                }
                div.grid {
                    (select(l, "kind", "Kind", kind, &["person", "organization", "travel_document"], bad("kind")))
                    (text(l, "names", "Names (the first is the primary name; one a line)", &f.names, bad("names"), true))
                    (text(l, "birth_dates", "Birth dates (comma separated)", &f.birth_dates, bad("birth_dates"), false))
                    (text(l, "nationalities", "Nationalities or countries (alpha-3, comma separated)", &f.nationalities, bad("nationalities"), false))
                    (select(l, "sex", "Sex", &f.sex, &["", "male", "female", "unknown"], bad("sex")))
                    (text(l, "number", "Document number", &f.number, bad("number"), false))
                    (text(l, "country", "Document's country (alpha-3)", &f.country, bad("country"), false))
                    (select(l, "doc_type", "Document type", &f.doc_type, &["", "passport", "national_id", "driving_licence", "residence_permit", "visa", "other"], bad("doc_type")))
                    (select(l, "status", "Document status", &f.status, &["", "stolen", "lost", "revoked", "invalid", "stolen_blank"], bad("status")))
                    (select(l, "handling", "Handling", &f.handling, &["arrest", "locate", "discreet_check", "refuse_entry", "seize_document", "inform"], bad("handling")))
                    (text(l, "instructions", "Instructions to the officer", &f.instructions, bad("instructions"), true))
                    (select(l, "access", "Who may see it", if f.access.is_empty() { "all" } else { &f.access }, &["all", "only", "except"], bad("access")))
                    (text(l, "countries", "Those agencies (codes, comma separated)", &f.countries, bad("access"), false))
                    // Ticking an agency writes the field above (the page's
                    // script); the field alone works without it.
                    fieldset.picker data-target="countries" {
                        legend { (l.t("Pick agencies")) }
                        @for a in agencies {
                            label { input type="checkbox" value=(a) checked[picked.contains(a)]; " " (a) }
                        }
                    }
                    (text(l, "tags", "Tags (comma separated)", &f.tags, bad("tags"), false))
                    (select(l, "level", "Confidentiality level", if f.level.is_empty() { "official_use_only" } else { &f.level }, &["official_use_only", "restricted", "confidential"], bad("level")))
                }
                button type="submit" { (l.t("Save")) }
            }
            @if let Some(id) = archive {
                form.card method="post" action=(format!("/records/{id}/archive")) {
                    input type="hidden" name="csrf" value=(who.session.csrf);
                    input type="hidden" name="version" value=(f.version);
                    p { (l.t("Archived, the record stops matching and stays for the audit, visible to its owner only.")) }
                    button.danger type="submit" { (l.t("Archive")) }
                }
            }
        },
    )
}

/// An empty record form.
pub(crate) async fn new(State(c): State<Console>, who: SignedIn) -> Response {
    let agencies = agency_codes(&c).await;
    form_page(&who, "/records/new", "New record", &RecordForm::default(), None, None, &agencies).into_response()
}

/// The registered agencies' codes, for the access rule's picker.
async fn agency_codes(c: &Console) -> Vec<String> {
    c.store().agencies().await.map(|a| a.into_iter().map(|a| a.code.to_string()).collect()).unwrap_or_default()
}

/// A record's form, filled.
pub(crate) async fn edit(State(c): State<Console>, who: SignedIn, Path(id): Path<String>) -> Response {
    let Ok(id) = id.parse::<RecordId>() else { return (StatusCode::NOT_FOUND, "no such record").into_response() };
    let agencies = agency_codes(&c).await;
    match c.store().get_record(&who.actor(), id).await {
        Ok(r) if r.owner == who.principal.agency => {
            let f = RecordForm::of(&r);
            form_page(&who, &format!("/records/{id}"), "Record", &f, None, Some(&id.to_string()), &agencies)
                .into_response()
        }
        Ok(_) | Err(_) => (StatusCode::NOT_FOUND, "no such record").into_response(),
    }
}

/// Creates a record (`id` none) or updates one.
async fn save(c: &Console, who: &SignedIn, id: Option<RecordId>, f: RecordForm) -> Response {
    if let Err(r) = who.check_csrf(&f.csrf) {
        return r.into_response();
    }
    let action = id.map_or_else(|| "/records/new".to_owned(), |id| format!("/records/{id}"));
    let title = if id.is_some() { "Record" } else { "New record" };
    let archive = id.map(|i| i.to_string());
    let agencies = agency_codes(c).await;
    let refused = |field: String, message: String, status: StatusCode| {
        let at = form_field(&field);
        let message = if at.is_empty() && !field.is_empty() { format!("{field}: {message}") } else { message };
        (status, form_page(who, &action, title, &f, Some((at, &message)), archive.as_deref(), &agencies))
            .into_response()
    };
    let body = serde_json::to_vec(&f.input()).unwrap_or_default();
    let input = match tocsin_core::json::from_slice::<RecordInput>(&body) {
        Ok(i) => i,
        Err(e) => return refused(e.field, e.message, StatusCode::BAD_REQUEST),
    };
    let actor = who.actor();
    let saved = match id {
        None => c.store().create_record(&actor, input).await,
        Some(id) => c.store().update_record(&actor, id, input).await,
    };
    match saved {
        Ok(r) => Redirect::to(&format!("/records/{}", r.id)).into_response(),
        Err(e) => {
            let e = tocsin_server::ApiError::from(e);
            refused(e.field_name().unwrap_or_default(), e.message(), e.status())
        }
    }
}

pub(crate) async fn create(State(c): State<Console>, who: SignedIn, Form(f): Form<RecordForm>) -> Response {
    save(&c, &who, None, f).await
}

pub(crate) async fn update(
    State(c): State<Console>,
    who: SignedIn,
    Path(id): Path<String>,
    Form(f): Form<RecordForm>,
) -> Response {
    let Ok(id) = id.parse::<RecordId>() else { return (StatusCode::NOT_FOUND, "no such record").into_response() };
    save(&c, &who, Some(id), f).await
}

#[derive(Deserialize)]
pub(crate) struct Archive {
    csrf: String,
    version: String,
}

/// Archives a record at the version shown.
pub(crate) async fn archive(
    State(c): State<Console>,
    who: SignedIn,
    Path(id): Path<String>,
    Form(a): Form<Archive>,
) -> Response {
    if let Err(r) = who.check_csrf(&a.csrf) {
        return r.into_response();
    }
    let Ok(id) = id.parse::<RecordId>() else { return (StatusCode::NOT_FOUND, "no such record").into_response() };
    match c.store().archive_record(&who.actor(), id, a.version.parse().ok()).await {
        Ok(_) => Redirect::to("/records").into_response(),
        Err(e) => super::refused(&who, e, "/records"),
    }
}
