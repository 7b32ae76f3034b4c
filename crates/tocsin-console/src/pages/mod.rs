//! The pages: a common layout, and the rendering of what the API answers
//! (a screening's matches, from its JSON) shared by the pages that show it.

pub(crate) mod audit;
pub(crate) mod biometrics;
pub(crate) mod dashboard;
pub(crate) mod docs;
pub(crate) mod hits;
pub(crate) mod imports;
pub(crate) mod infrastructure;
pub(crate) mod intel;
pub(crate) mod live;
pub(crate) mod login;
pub(crate) mod manifest;
pub(crate) mod messages;
pub(crate) mod notice_form;
pub(crate) mod notices;
pub(crate) mod records;
pub(crate) mod reviews;
pub(crate) mod screen;
pub(crate) mod tokens;

use axum::response::{IntoResponse, Redirect, Response};
use maud::{DOCTYPE, Markup, html};
use serde_json::Value;

use tocsin_core::auth::{Permission, Role};
use tocsin_core::level::Level;

use crate::SignedIn;
use crate::i18n::Lang;

/// `/`: the screening page for a signed-in visitor, else the sign-in page.
pub(crate) async fn home(who: Result<SignedIn, crate::ToLogin>) -> Response {
    match who {
        Ok(_) => Redirect::to("/screen").into_response(),
        Err(e) => e.into_response(),
    }
}

/// A move the store refused (a hit or notice move the agency may not make,
/// a missing reason or justification): the page says why and leads back,
/// and nothing changed.
pub(crate) fn refused(who: &SignedIn, e: tocsin_store::StoreError, back: &str) -> Response {
    let e = tocsin_server::ApiError::from(e);
    let l = who.lang;
    let page = layout(
        l,
        "/",
        "Not done",
        Some(who),
        html! {
            p.error role="alert" { (e.message()) }
            p { a href=(back) { (l.t("Back")) } }
        },
    );
    (e.status(), page).into_response()
}

/// A form that carries nothing but the session's CSRF secret.
#[derive(serde::Deserialize)]
pub(crate) struct Csrf {
    pub(crate) csrf: String,
}

#[derive(serde::Deserialize)]
pub(crate) struct Choice {
    lang: String,
    #[serde(default)]
    back: String,
}

/// Keeps the visitor's language in a cookie and goes back to the page.
pub(crate) async fn choose_language(axum::extract::Query(c): axum::extract::Query<Choice>) -> Response {
    let lang = Lang::parse(&c.lang).unwrap_or_default();
    // Only a path of this console, never another site.
    let back = if c.back.starts_with('/') && !c.back.starts_with("//") && !c.back.contains('\\') {
        c.back.as_str()
    } else {
        "/"
    };
    let cookie = format!("{}={}; Path=/; SameSite=Strict; Max-Age=31536000", crate::i18n::COOKIE_NAME, lang.code());
    ([(axum::http::header::SET_COOKIE, cookie)], Redirect::to(back)).into_response()
}

/// A page: the header (the signed-in agency and role, the navigation, the
/// language chooser, the sign-out form) and `body` under its title (the
/// console's words `title`, translated). `path` is where the language
/// chooser comes back to.
pub(crate) fn layout(l: Lang, path: &str, title: &'static str, who: Option<&SignedIn>, body: Markup) -> Markup {
    let title = l.t(title);
    html! {
        (DOCTYPE)
        html lang=(l.code()) dir=(l.dir()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Tocsin" }
                link rel="stylesheet" href=(format!("/assets/console.css?v={}", crate::assets_version()));
                script src=(format!("/assets/console.js?v={}", crate::assets_version())) defer {}
            }
            body {
                a.skip href="#main" { (l.t("Skip to content")) }
                header.top {
                    a.brand href="/" { "Tocsin" }
                    a href="/docs" { (l.t("API reference")) }
                    @if let Some(w) = who {
                        nav aria-label="Main" {
                            a href="/screen" { (l.t("Screen")) }
                            a href="/manifest" { (l.t("Manifest")) }
                            a href="/hits" { (l.t("Hits")) " " span #hit-badge .badge.hit hidden aria-live="polite" {} }
                            a href="/notices" { (l.t("Notices")) }
                            @if w.principal.role.may(Permission::ReadMessages) { a href="/messages" { (l.t("Messages")) } }
                            a href="/dashboard" { (l.t("Dashboard")) }
                            a href="/intel" { (l.t("Intelligence")) }
                            a href="/biometrics" { (l.t("Biometrics")) }
                            a href="/infrastructure" { (l.t("Infrastructure")) }
                            @if w.principal.role == Role::Admin {
                                a href="/records" { (l.t("Records")) }
                                a href="/reviews" { (l.t("Reviews due")) }
                                a href="/imports" { (l.t("Imports")) }
                                a href="/tokens" { (l.t("Tokens")) }
                            }
                            @if matches!(w.principal.role, Role::Auditor | Role::Admin) { a href="/audit" { (l.t("Audit")) } }
                        }
                        span.who { (w.principal.agency) " · " (w.principal.role.as_str()) " · " (w.principal.user) }
                    }
                    form.lang method="get" action="/lang" {
                        label for="lang" { (l.t("Language")) }
                        select #lang name="lang" {
                            @for lang in Lang::ALL {
                                option value=(lang.code()) lang=(lang.code()) selected[lang == l] { (lang.name()) }
                            }
                        }
                        input type="hidden" name="back" value=(path);
                        button type="submit" { (l.t("Change")) }
                    }
                    @if let Some(w) = who {
                        form.logout method="post" action="/logout" {
                            input type="hidden" name="csrf" value=(w.session.csrf);
                            button type="submit" { (l.t("Sign out")) }
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

pub(crate) fn list(v: &Value) -> String {
    v.as_array().map(|a| a.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(", ")).unwrap_or_default()
}

fn level_word(level: Level) -> &'static str {
    match level {
        Level::OfficialUseOnly => "official use only",
        Level::Restricted => "restricted",
        Level::Confidential => "confidential",
    }
}

/// A confidentiality level, as a label on everything that carries one.
pub(crate) fn level_label(l: Lang, level: Level) -> Markup {
    html! { span.badge.level data-level=(level.as_str()) { (l.t(level_word(level))) } }
}

/// A record in a few words, names as stored, in their own script and
/// direction.
pub(crate) fn record_title(l: Lang, r: &Value) -> Markup {
    match text(&r["kind"]) {
        "travel_document" => html! {
            (l.t("Travel document")) " " strong { (text(&r["number"])) }
            " (" (text(&r["country"])) " " (text(&r["doc_type"])) ", " (text(&r["status"])) ")"
        },
        kind => {
            let born = list(&r["birth_dates"]);
            let nat = list(&r["nationalities"]);
            html! {
                (l.t(if kind == "person" { "person" } else { "organization" })) " "
                strong dir="auto" { (text(&r["names"][0]["full"])) }
                @if !born.is_empty() { ", " (l.t("born")) " " (born) }
                @if !nat.is_empty() { " (" (nat) ")" }
            }
        }
    }
}

/// The matches of one screening, best first: score bar, record, owner,
/// what to do, notices, the hit made, and why it matched.
pub(crate) fn answer(l: Lang, a: &Value) -> Markup {
    let matches = a["matches"].as_array().map(Vec::as_slice).unwrap_or_default();
    let failed = list(&a["mrz"]["failed"]);
    html! {
        @if !failed.is_empty() {
            p.warn role="alert" { (l.t("MRZ check digits failed:")) " " (failed) " " (l.t("(screened all the same).")) }
        }
        @if matches.is_empty() {
            p.none { (l.t("No match.")) }
        }
        @for m in matches {
            @let r = &m["record"];
            @let score = m["score"].as_f64().unwrap_or_default();
            article.match {
                header {
                    meter min="0" max="1" low="0.8" high="0.9" optimum="1" value=(score) title="score" {}
                    span.score { (format!("{score:.3}")) }
                    span.what { (record_title(l, r)) }
                    @if let Some(hit) = m["hit_id"].as_str() {
                        span.badge.hit { "HIT " code { (hit) } }
                    }
                }
                dl {
                    dt { (l.t("Owner")) } dd { (text(&r["owner"])) }
                    @if let Ok(level) = text(&r["level"]).parse::<Level>() {
                        dt { (l.t("Level")) } dd { (level_label(l, level)) }
                    }
                    @if let Some(list) = r["source"]["list"].as_str() {
                        dt { (l.t("List")) } dd { (list) " " (text(&r["source"]["id"])) }
                    }
                    dt { (l.t("Handling")) }
                    dd.handling {
                        strong { (text(&m["handling"]["code"])) }
                        @if let Some(i) = m["handling"]["instructions"].as_str() { ": " span dir="auto" { (i) } }
                    }
                    @for n in m["notices"].as_array().into_iter().flatten() {
                        dt { (l.t("Notice")) }
                        dd { (text(&n["type"])) " by " (text(&n["owner"])) ": " (text(&n["requested_action"])) }
                    }
                    @if let Some(d) = m["dismissed_before"].as_object() {
                        dt { (l.t("No hit")) }
                        dd { (l.t("reviewed as a false positive on hit")) " " (d["hit_id"].as_str().unwrap_or_default()) }
                    }
                }
                (explanation(l, &m["explanation"]))
            }
        }
    }
}

/// Why a record matched: the name forms compared, and each feature's
/// contribution to the score.
pub(crate) fn explanation(l: Lang, e: &Value) -> Markup {
    html! {
        details.why open {
            summary { (l.t("Why it matched")) }
            @if let Some(n) = e["name"].as_object() {
                p {
                    (l.t("Name")) " " q dir="auto" { (n["query"].as_str().unwrap_or_default()) }
                    " ~ " q dir="auto" { (n["record"].as_str().unwrap_or_default()) }
                    " (" (n["record_name_type"].as_str().unwrap_or_default()) ", "
                    (n["detail"]["method"].as_str().unwrap_or_default()) ")"
                }
            }
            table {
                thead { tr { th scope="col" { (l.t("Feature")) } th scope="col" { (l.t("Contribution")) } th scope="col" { (l.t("Detail")) } } }
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
