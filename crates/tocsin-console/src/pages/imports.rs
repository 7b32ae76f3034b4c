//! List imports (administrators): a published list (UN, OFAC, INTERPOL,
//! FollowTheMoney) uploaded for the agency, its progress shown while it
//! uploads and is read, and the diff report: what was added, updated,
//! re-listed, de-listed (archived) and left as it was, and each entry of
//! the file left out with its position and reason. Imported as
//! `POST /v1/imports` would: streamed, never held whole, all or nothing.

use axum::body::Bytes;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use futures::SinkExt;
use maud::{Markup, html};
use tocsin_lists::Format;
use tocsin_store::ImportReport;

use crate::i18n::Lang;
use crate::{Console, SignedIn};

/// Skipped entries shown at most (the count is always whole).
const SKIPS_SHOWN: usize = 200;

/// The upload form.
pub(crate) async fn form(who: SignedIn) -> Response {
    page(&who, None, None).into_response()
}

fn page(who: &SignedIn, error: Option<&str>, report: Option<&ImportReport>) -> Markup {
    let l = who.lang;
    super::layout(
        l,
        "/imports",
        "List imports",
        Some(who),
        html! {
            p { (l.t("The list's entries become the agency's records: added, updated, re-listed, or archived when de-listed. A file that cannot be read changes nothing.")) }
            // The file comes last: the server reads the fields in order and
            // streams the file into the reader.
            form.card #import-form method="post" action="/imports" enctype="multipart/form-data" {
                input type="hidden" name="csrf" value=(who.session.csrf);
                @if let Some(e) = error { p.error role="alert" #import-error { (e) } }
                div.grid {
                    div.field {
                        label for="format" { (l.t("List")) }
                        select #format name="format" {
                            @for f in Format::ALL { option value=(f.as_str()) { (f.as_str()) } }
                        }
                    }
                    div.field {
                        label for="file" { (l.t("List file")) }
                        input #file type="file" name="file" required;
                    }
                }
                button type="submit" { (l.t("Import")) }
                progress #import-progress hidden max="1" aria-label=(l.t("Progress")) {}
                span #import-stage aria-live="polite" data-reading=(l.t("Reading the list…")) {}
            }
            @if let Some(r) = report { section #report tabindex="-1" aria-live="polite" { (report_of(l, r)) } }
        },
    )
}

fn report_of(l: Lang, r: &ImportReport) -> Markup {
    html! {
        h2 { (l.t("Report")) " · " (r.list) }
        table #counts {
            tbody {
                tr { th scope="row" { (l.t("Added")) } td.num { (r.added) } }
                tr { th scope="row" { (l.t("Updated")) } td.num { (r.updated) } }
                tr { th scope="row" { (l.t("Re-listed")) } td.num { (r.relisted) } }
                tr { th scope="row" { (l.t("De-listed (archived)")) } td.num { (r.delisted) } }
                tr { th scope="row" { (l.t("Unchanged")) } td.num { (r.unchanged) } }
                tr { th scope="row" { (l.t("Left out")) } td.num { (r.skipped.len()) } }
                tr { th scope="row" { (l.t("Notices published")) } td.num { (r.notices_published) } }
                tr { th scope="row" { (l.t("Notices cancelled")) } td.num { (r.notices_cancelled) } }
            }
        }
        @if !r.skipped.is_empty() {
            h3 { (l.t("Left out")) }
            table #skipped {
                thead { tr { th scope="col" { (l.t("Where")) } th scope="col" { (l.t("Ref")) } th scope="col" { (l.t("Reason")) } } }
                tbody {
                    @for s in r.skipped.iter().take(SKIPS_SHOWN) {
                        tr { td { (s.at) } td { (s.id.as_deref().unwrap_or_default()) } td { (s.reason) } }
                    }
                }
            }
        }
    }
}

/// Reads the form's fields in order and streams the file into the import.
pub(crate) async fn submit(State(c): State<Console>, who: SignedIn, mut form: Multipart) -> Response {
    let bad =
        |who: &SignedIn, status: StatusCode, message: &str| (status, page(who, Some(message), None)).into_response();
    let (mut csrf, mut format) = (String::new(), None);
    loop {
        let mut field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => return bad(&who, StatusCode::BAD_REQUEST, who.lang.t("Choose a list file.")),
            Err(e) => return bad(&who, StatusCode::BAD_REQUEST, &e.body_text()),
        };
        match field.name().unwrap_or_default() {
            "file" => {
                if let Err(r) = who.check_csrf(&csrf) {
                    return r.into_response();
                }
                let Some(format) = format else {
                    return bad(&who, StatusCode::BAD_REQUEST, "format: choose the list's format");
                };
                // The file's chunks go to the reader on its own thread as
                // they arrive; a reader that stops (a parse error) stops the
                // forwarding.
                let (mut tx, rx) = futures::channel::mpsc::channel::<Result<Bytes, std::io::Error>>(8);
                let forward = async move {
                    loop {
                        let chunk = match field.chunk().await {
                            Ok(Some(chunk)) => Ok(chunk),
                            Ok(None) => break,
                            Err(e) => Err(std::io::Error::other(e.body_text())),
                        };
                        let failed = chunk.is_err();
                        if tx.send(chunk).await.is_err() || failed {
                            break;
                        }
                    }
                };
                let actor = who.actor();
                let import = tocsin_server::importing::import(c.store(), &actor, format, rx);
                let ((), imported) = futures::join!(forward, import);
                return match imported {
                    Ok(report) => page(&who, None, Some(&report)).into_response(),
                    Err(e) => (e.status(), page(&who, Some(&e.message()), None)).into_response(),
                };
            }
            name => {
                let name = name.to_owned();
                let text = match field.text().await {
                    Ok(t) => t,
                    Err(e) => return bad(&who, StatusCode::BAD_REQUEST, &e.body_text()),
                };
                match name.as_str() {
                    "csrf" => csrf = text,
                    "format" => match text.parse::<Format>() {
                        Ok(f) => format = Some(f),
                        Err(m) => return bad(&who, StatusCode::BAD_REQUEST, &format!("format: {m}")),
                    },
                    _ => {}
                }
            }
        }
    }
}
