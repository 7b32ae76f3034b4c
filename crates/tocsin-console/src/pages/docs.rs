//! `/docs`: the API reference, drawn from the OpenAPI document the server
//! serves at `/v1/openapi.json`, with a form per operation to try it with a
//! token typed into the page (held by the page's script only, never stored).

use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde_json::{Map, Value};

use crate::i18n::Lang;

/// The OpenAPI document, built and parsed once: it is the binary's own.
fn document() -> &'static Value {
    static DOC: std::sync::LazyLock<Value> =
        std::sync::LazyLock::new(|| serde_json::from_str(&tocsin_server::openapi::document()).unwrap_or_default());
    &DOC
}

/// The reference.
pub(crate) async fn reference(l: Lang) -> Response {
    let doc = document();
    let schemas = doc["components"]["schemas"].as_object().cloned().unwrap_or_default();
    let mut operations: Vec<(String, String, String, &Value)> = Vec::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            let tag = op["tags"][0].as_str().unwrap_or("other").to_owned();
            operations.push((tag, path.clone(), method.to_uppercase(), op));
        }
    }
    operations.sort_by(|a, b| (&a.0, &a.1, &a.2).cmp(&(&b.0, &b.1, &b.2)));
    let tags: Vec<&Value> = doc["tags"].as_array().map(|t| t.iter().collect()).unwrap_or_default();
    super::layout(
        l,
        "/docs",
        "API reference",
        None,
        html! {
            p { (doc["info"]["description"].as_str().unwrap_or_default()) }
            p {
                "Every call but the public extract and the health check needs "
                code { "Authorization: Bearer TOKEN" } ". The machine-readable document: "
                a href="/v1/openapi.json" { code { "/v1/openapi.json" } } "."
            }
            div.card {
                label for="try-token" { "Token for the forms below (kept in this page only)" }
                input #try-token type="password" autocomplete="off";
            }
            nav.toc aria-label="Operations" {
                ul {
                    @for t in &tags {
                        li { a href=(format!("#tag-{}", t["name"].as_str().unwrap_or_default())) { (t["name"].as_str().unwrap_or_default()) } }
                    }
                }
            }
            @for t in &tags {
                @let name = t["name"].as_str().unwrap_or_default();
                section id=(format!("tag-{name}")) {
                    h2 { (name) }
                    @if let Some(d) = t["description"].as_str() { p { (d) } }
                    @for (_, path, method, op) in operations.iter().filter(|o| o.0 == name) {
                        (operation(path, method, op, &schemas))
                    }
                }
            }
        },
    )
    .into_response()
}

fn operation(path: &str, method: &str, op: &Value, schemas: &Map<String, Value>) -> Markup {
    let id = op["operationId"].as_str().unwrap_or_default();
    let params = op["parameters"].as_array().map(Vec::as_slice).unwrap_or_default();
    let body = op["requestBody"]["content"].as_object().and_then(|c| c.iter().next());
    html! {
        article.op id=(format!("op-{id}")) {
            h3 { span.method { (method) } " " code { (path) } }
            @for para in op["summary"].as_str().unwrap_or_default().split("\n\n") { p { (para.replace('\n', " ")) } }
            @if !params.is_empty() {
                table {
                    caption { "Parameters" }
                    thead { tr { th scope="col" { "Name" } th scope="col" { "In" } th scope="col" { "Type" } th scope="col" { "Description" } } }
                    tbody {
                        @for p in params {
                            tr {
                                td { code { (p["name"].as_str().unwrap_or_default()) } @if p["required"].as_bool() == Some(true) { " *" } }
                                td { (p["in"].as_str().unwrap_or_default()) }
                                td { (type_of(&p["schema"])) }
                                td { (p["description"].as_str().unwrap_or_default()) }
                            }
                        }
                    }
                }
            }
            @if let Some((media, content)) = body {
                p { "Body: " code { (media) } " " (type_of(&content["schema"])) }
                @if let Some(fields) = referenced(&content["schema"], schemas) { (fields) }
            }
            p.responses {
                "Answers: "
                @for (status, r) in op["responses"].as_object().into_iter().flatten() {
                    span.status { (status) " " (r["content"].as_object().and_then(|c| c.values().next()).map(|c| type_of(&c["schema"])).unwrap_or_default()) } " "
                }
            }
            form.try data-method=(method) data-path=(path) {
                @for p in params.iter().filter(|p| p["in"] == "path" || p["in"] == "query") {
                    @let pname = p["name"].as_str().unwrap_or_default();
                    label for=(format!("{id}-{pname}")) { (pname) }
                    input id=(format!("{id}-{pname}")) type="text" name=(pname) data-in=(p["in"].as_str().unwrap_or_default());
                }
                @if let Some((media, content)) = body {
                    label for=(format!("{id}-body")) { "Body (" (media) ")" }
                    textarea id=(format!("{id}-body")) name="body" rows="4" spellcheck="false" dir="ltr" data-type=(media) {
                        (example(&content["schema"], schemas))
                    }
                }
                button type="submit" { "Send" }
                pre.answer aria-live="polite" {}
            }
        }
    }
}

/// A schema's type in a word or two: a component's name, `array of X`, a
/// JSON type.
fn type_of(schema: &Value) -> String {
    if let Some(r) = schema["$ref"].as_str() {
        return r.rsplit('/').next().unwrap_or(r).to_owned();
    }
    match schema["type"].as_str() {
        Some("array") => format!("array of {}", type_of(&schema["items"])),
        Some(t) => t.to_owned(),
        None => schema["type"]
            .as_array()
            .map(|ts| ts.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(" or "))
            .unwrap_or_default(),
    }
}

/// The fields of a referenced component, with their types and descriptions.
fn referenced(schema: &Value, schemas: &Map<String, Value>) -> Option<Markup> {
    let name = schema["$ref"].as_str()?.rsplit('/').next()?;
    let component = schemas.get(name)?;
    let props = component["properties"].as_object()?;
    let required: Vec<&str> =
        component["required"].as_array().map(|r| r.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
    Some(html! {
        table {
            caption { (name) }
            thead { tr { th scope="col" { "Field" } th scope="col" { "Type" } th scope="col" { "Description" } } }
            tbody {
                @for (field, p) in props {
                    tr {
                        td { code { (field) } @if required.contains(&field.as_str()) { " *" } }
                        td { (type_of(p)) }
                        td { (p["description"].as_str().unwrap_or_default()) }
                    }
                }
            }
        }
    })
}

/// A body to start from: the component's required fields, empty.
fn example(schema: &Value, schemas: &Map<String, Value>) -> String {
    let name = schema["$ref"].as_str().and_then(|r| r.rsplit('/').next()).unwrap_or_default();
    let Some(component) = schemas.get(name) else { return "{}".to_owned() };
    let mut o = Map::new();
    for field in component["required"].as_array().into_iter().flatten().filter_map(Value::as_str) {
        let p = &component["properties"][field];
        let v = match p["type"].as_str() {
            Some("array") => Value::Array(Vec::new()),
            Some("integer" | "number") => Value::from(0),
            Some("boolean") => Value::from(false),
            Some("object") => Value::Object(Map::new()),
            _ => Value::from(""),
        };
        o.insert(field.to_owned(), v);
    }
    serde_json::to_string_pretty(&Value::Object(o)).unwrap_or_else(|_| "{}".to_owned())
}
