//! Messages and diffusions between agencies: the agency's inbox (received,
//! sent, or both), each message's routing data and receipts, its
//! acknowledgement, and the General Secretariat's review of diffusions.
//!
//! The content is sealed end to end: the server holds only the envelope
//! and its routing data. A recipient opens a message in the browser, where
//! the build embeds the envelope reader (`tocsin-envelope-wasm`): the page
//! loads the agency's key file into its own memory, fetches the envelope
//! and the sender's published key ([`sealed`]), opens it there and sends
//! back only the read receipt ([`read`]). The key file never leaves the
//! page, and leaving the page forgets it. Every build also says how to open
//! the message with the CLI (`tocsin message read`). Fetching a message is
//! the agency's delivery receipt (the store gives it on the first fetch).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Json};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::json;
use time::{OffsetDateTime, UtcOffset};
use tocsin_core::auth::Permission;
use tocsin_core::message::{DiffusionKind, ReferenceKind};
use tocsin_store::{MessageQuery, MessageView, Receipt, ReceiptKind, Verdict};

use crate::i18n::Lang;
use crate::{Console, SignedIn};

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Filter {
    #[serde(default, rename = "box")]
    mailbox: String,
}

/// A time, in UTC, to the minute.
fn stamp(t: OffsetDateTime) -> Markup {
    let t = t.to_offset(UtcOffset::UTC);
    let iso = t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
    html! { time datetime=(iso) { (t.date()) " " (format!("{:02}:{:02}", t.hour(), t.minute())) " UTC" } }
}

fn kind_word(kind: DiffusionKind) -> &'static str {
    match kind {
        DiffusionKind::Wanted => "wanted",
        DiffusionKind::Missing => "missing",
        DiffusionKind::Information => "information",
        DiffusionKind::Warning => "warning",
    }
}

/// A message, or a diffusion and its kind.
fn kind(l: Lang, m: &MessageView) -> Markup {
    html! {
        @match m.diffusion {
            Some(k) => { (l.t("diffusion")) " · " (l.t(kind_word(k))) }
            None => { (l.t("message")) }
        }
    }
}

/// The flag on a diffusion the General Secretariat found non-compliant.
fn flag(l: Lang, m: &MessageView) -> Markup {
    html! {
        @if m.non_compliant {
            strong.badge.noncompliant { (l.t("non-compliant — do not rely on it")) }
        }
    }
}

fn references(m: &MessageView) -> Markup {
    html! {
        @for (i, r) in m.references.iter().enumerate() {
            @if i > 0 { ", " }
            @if r.kind == ReferenceKind::Hit {
                a href=(format!("/hits/{}", r.id)) { code { (r.kind.as_str()) ":" (r.id) } }
            } @else {
                code { (r.kind.as_str()) ":" (r.id) }
            }
        }
    }
}

/// Whether the caller sees every recipient's receipts: the sender and the
/// General Secretariat's reviewers do, a recipient only its own.
fn sees_all(who: &SignedIn, m: &MessageView) -> bool {
    m.sender == who.principal.agency || (who.principal.role.may(Permission::ReviewDiffusions) && m.diffusion.is_some())
}

fn counted(l: Lang, words: &'static str, n: usize, total: usize) -> String {
    l.t(words).replace("{n}", &n.to_string()).replace("{total}", &total.to_string())
}

/// The receipts in a few words: how many of the recipients received, read
/// and acknowledged it, or, for a recipient, where it stands.
fn receipts_summary(l: Lang, who: &SignedIn, m: &MessageView) -> Markup {
    let total = m.recipients.len();
    let count = |f: fn(&Receipt) -> bool| m.recipients.iter().filter(|r| f(r)).count();
    if sees_all(who, m) {
        let delivered = count(|r| r.delivered_at.is_some());
        let read = count(|r| r.read_at.is_some());
        let acknowledged = count(|r| r.acknowledged_at.is_some());
        return html! {
            span.receipts {
                (counted(l, "delivered to {n} of {total}", delivered, total)) " · "
                (counted(l, "read by {n} of {total}", read, total)) " · "
                (counted(l, "acknowledged by {n} of {total}", acknowledged, total))
            }
        };
    }
    let own = m.recipients.iter().find(|r| r.agency == who.principal.agency);
    let said = match own {
        Some(r) if r.acknowledged_at.is_some() => "acknowledged by us",
        Some(r) if r.read_at.is_some() => "read by us",
        Some(r) if r.delivered_at.is_some() => "delivered to us",
        Some(_) => "not delivered yet",
        None => "",
    };
    html! { span.receipts { (l.t(said)) } }
}

/// The inbox, newest first: received, sent, or both (the default); for the
/// General Secretariat's reviewers, every diffusion (`box=review`).
pub(crate) async fn list(State(c): State<Console>, who: SignedIn, Query(f): Query<Filter>) -> Response {
    let l = who.lang;
    let query = MessageQuery {
        mailbox: Some(f.mailbox.clone()).filter(|b| !b.is_empty()),
        limit: Some(200),
        ..MessageQuery::default()
    };
    let messages = match c.store().messages().list(&who.actor(), &query).await {
        Ok(m) => m,
        Err(e) => return super::refused(&who, e, "/screen"),
    };
    let reviewer = who.principal.role.may(Permission::ReviewDiffusions);
    let chosen = if f.mailbox.is_empty() { "all" } else { f.mailbox.as_str() };
    let mut boxes = vec![("all", "All"), ("in", "Received"), ("out", "Sent")];
    if reviewer {
        boxes.push(("review", "Diffusions to review"));
    }
    super::layout(
        l,
        "/messages",
        "Messages",
        Some(&who),
        html! {
            p { (l.t("Messages between agencies are end-to-end encrypted: the server, and this console, hold only their routing data. Open one where your agency's key file is.")) }
            form.card.filters method="get" action="/messages" {
                div.field {
                    label for="box" { (l.t("Mailbox")) }
                    select #box name="box" {
                        @for (v, label) in boxes.iter().copied() { option value=(v) selected[chosen == v] { (l.t(label)) } }
                    }
                }
                button type="submit" { (l.t("Show")) }
            }
            @if reviewer && chosen != "review" {
                p { a href="/messages?box=review" { (l.t("Diffusions to review")) } }
            }
            @if chosen == "review" { h2 { (l.t("Diffusions to review")) } }
            @if messages.is_empty() { p.none { (l.t("No message.")) } }
            @else {
                table #messages {
                    thead {
                        tr {
                            th scope="col" { (l.t("Sent")) } th scope="col" { (l.t("From")) } th scope="col" { (l.t("To")) }
                            th scope="col" { (l.t("Kind")) } th scope="col" { (l.t("Level")) } th scope="col" { (l.t("References")) }
                            th scope="col" { (l.t("Receipts")) }
                        }
                    }
                    tbody {
                        @for m in &messages {
                            tr data-message=(m.id) data-level=(m.level.as_str()) class=[m.non_compliant.then_some("noncompliant")] {
                                td { a href=(format!("/messages/{}", m.id)) { (stamp(m.sent_at)) } }
                                td { (m.sender) @if !m.sent_by.is_empty() { br; small { (m.sent_by) } } }
                                td { (m.recipients.iter().map(|r| r.agency.to_string()).collect::<Vec<_>>().join(", ")) }
                                td { (kind(l, m)) @if m.non_compliant { br; (flag(l, m)) } }
                                td { (super::level_label(l, m.level)) }
                                td { (references(m)) }
                                td { (receipts_summary(l, &who, m)) }
                            }
                        }
                    }
                }
            }
        },
    )
    .into_response()
}

/// One message: its routing data, each recipient's receipts, the review,
/// how to open it, and the acknowledgement (recipients) and review
/// (reviewers, diffusions) forms. Fetching it is the agency's delivery
/// receipt.
pub(crate) async fn message(State(c): State<Console>, who: SignedIn, Path(id): Path<String>) -> Response {
    let l = who.lang;
    let m = match c.store().messages().get(&who.actor(), &id).await {
        Ok(m) => m,
        Err(e) => return super::refused(&who, e, "/messages"),
    };
    let agency = who.principal.agency;
    let all = sees_all(&who, &m);
    let own = m.recipients.iter().find(|r| r.agency == agency);
    let header = m.envelope.as_ref().map(|e| &e["header"]);
    let key_of = |a: &str| {
        header
            .and_then(|h| h["recipients"].as_array())
            .and_then(|rs| rs.iter().find(|r| r["agency"].as_str() == Some(a)))
            .and_then(|r| r["key"].as_str())
            .unwrap_or_default()
            .to_owned()
    };
    let sender_key = header.and_then(|h| h["sender_key"].as_str()).unwrap_or_default();
    let reviewer = who.principal.role.may(Permission::ReviewDiffusions) && m.diffusion.is_some();
    let title = if m.diffusion.is_some() { "Diffusion" } else { "Message" };
    let path = format!("/messages/{}", m.id);
    let when = |t: Option<OffsetDateTime>| html! { @match t { Some(t) => { (stamp(t)) } None => { "–" } } };
    super::layout(
        l,
        &path,
        title,
        Some(&who),
        html! {
            @if m.non_compliant {
                p.warn role="alert" #noncompliant {
                    (flag(l, &m))
                    @if let Some(r) = &m.review { " " span dir="auto" { (r.reason) } }
                }
            }
            section #sealed.card {
                h2 { (l.t("Its content")) }
                @if own.is_some() && crate::opens_messages() { (open_here(&who, &m.id)) }
                p { (l.t("The content is end-to-end encrypted: the server holds only the sealed envelope and cannot read it. Open it where your agency's key file is, with:")) }
                pre { code #read-command { "tocsin message read " (m.id) " --key YOUR.key" } }
            }
            h2 { (l.t("Routing")) }
            dl #routing {
                dt { (l.t("Id")) } dd { code { (m.id) } }
                dt { (l.t("Kind")) } dd { (kind(l, &m)) }
                dt { (l.t("Level")) } dd { (super::level_label(l, m.level)) }
                dt { (l.t("From")) } dd { (m.sender) @if !m.sent_by.is_empty() { " (" (m.sent_by) ")" } }
                dt { (l.t("Sent")) } dd { (stamp(m.sent_at)) }
                dt { (l.t("Received by the server")) } dd { (stamp(m.received_at)) }
                @if !m.references.is_empty() { dt { (l.t("References")) } dd { (references(&m)) } }
                @if let Some(parent) = &m.reply_to {
                    dt { (l.t("In reply to")) } dd { a href=(format!("/messages/{parent}")) { code { (parent) } } }
                }
                @if m.thread != m.id {
                    dt { (l.t("Thread")) } dd { a href=(format!("/messages/{}", m.thread)) { code { (m.thread) } } }
                }
                @if !sender_key.is_empty() {
                    dt { (l.t("Signed with key")) } dd { code.fingerprint { (sender_key) } }
                }
            }
            h2 { (l.t("Receipts")) }
            p { (receipts_summary(l, &who, &m)) }
            @if !all { p.none { (l.t("Each recipient sees only its own receipts; the sender sees them all.")) } }
            table #receipts {
                thead {
                    tr {
                        th scope="col" { (l.t("Agency")) } th scope="col" { (l.t("Sealed to key")) }
                        th scope="col" { (l.t("Delivered")) } th scope="col" { (l.t("Read")) } th scope="col" { (l.t("Acknowledged")) }
                    }
                }
                tbody {
                    @for r in &m.recipients {
                        @let shown = all || r.agency == agency;
                        tr data-agency=(r.agency) {
                            th scope="row" { (r.agency) }
                            td { code.fingerprint { (key_of(r.agency.as_str())) } }
                            @if shown {
                                td { (when(r.delivered_at)) } td { (when(r.read_at)) } td { (when(r.acknowledged_at)) }
                            } @else {
                                td colspan="3" { (l.t("not shown")) }
                            }
                        }
                    }
                }
            }
            @if let Some(r) = own {
                @match r.acknowledged_at {
                    Some(t) => { p #acknowledged { (l.t("Your agency acknowledged it:")) " " (stamp(t)) } }
                    None => {
                        form.card method="post" action=(format!("/messages/{}/acknowledge", m.id)) {
                            input type="hidden" name="csrf" value=(who.session.csrf);
                            button type="submit" { (l.t("Acknowledge")) }
                        }
                    }
                }
            }
            @if m.diffusion.is_some() {
                section #review {
                    h2 { (l.t("The General Secretariat's review")) }
                    @match &m.review {
                        Some(r) => {
                            dl {
                                dt { (l.t("Verdict")) } dd #verdict { (l.t(verdict_word(r.verdict))) }
                                dt { (l.t("Reason")) } dd dir="auto" { (r.reason) }
                                dt { (l.t("Reviewer")) } dd { (r.reviewer) }
                                dt { (l.t("When")) } dd { (stamp(r.at)) }
                            }
                        }
                        None => { p.none { (l.t("Not reviewed yet.")) } }
                    }
                    @if reviewer {
                        form.card #review-form method="post" action=(format!("/messages/{}/review", m.id)) {
                            input type="hidden" name="csrf" value=(who.session.csrf);
                            fieldset {
                                legend { (l.t("Verdict")) }
                                @for v in [Verdict::Compliant, Verdict::NonCompliant] {
                                    div.field.check {
                                        input type="radio" name="verdict" id=(format!("verdict-{}", v.as_str())) value=(v.as_str()) required;
                                        label for=(format!("verdict-{}", v.as_str())) { (l.t(verdict_word(v))) }
                                    }
                                }
                            }
                            div.field {
                                label for="reason" { (l.t("Reason (recipients read it)")) }
                                input #reason type="text" name="reason" dir="auto" required;
                            }
                            button type="submit" { (l.t("Record the review")) }
                        }
                    }
                }
            }
            p { a href="/messages" { (l.t("Back to the messages")) } }
        },
    )
    .into_response()
}

/// The form that opens the message in this page with the agency's key
/// file (console.js and the envelope reader do the work; the words they
/// show come from here, in the visitor's language).
fn open_here(who: &SignedIn, id: &str) -> Markup {
    let l = who.lang;
    html! {
        div #open-message
            data-id=(id)
            data-agency=(who.principal.agency)
            data-csrf=(who.session.csrf)
            data-module=(format!("/assets/envelope.wasm?v={}", crate::assets_version()))
            data-loaded=(l.t("Key file of {agency} loaded: it stays in this page and is never sent."))
            data-other-agency=(l.t("This key file is {agency}'s, not your agency's ({own})."))
            data-failed=(l.t("Not opened:"))
            data-opened=(l.t("Opened in this page. Leaving the page forgets the key."))
        {
            p { (l.t("Open it here with your agency's key file: the page reads the file into its own memory and opens the message there. The key is never sent to the server; leaving the page, or Forget, erases it.")) }
            div.field {
                label for="key-file" { (l.t("Key file")) }
                input #key-file type="file" accept=".key,.json,application/json,text/plain";
            }
            button #open-button type="button" disabled { (l.t("Open")) }
            " "
            button #forget-button type="button" hidden { (l.t("Forget the key")) }
            p #open-status role="status" aria-live="polite" {}
            article #opened hidden {
                h3 #opened-subject dir="auto" {}
                ul #opened-caveats {}
                dl #opened-diffusion {}
                p #opened-body dir="auto" {}
                ul #opened-attachments {}
            }
        }
    }
}

/// What the page needs to open a message: the sealed envelope and the
/// published key of the sender that signed it (found by the fingerprint
/// the header names; a sender key the server does not know is a 404, and
/// the page says it cannot check the message). JSON; the same rights, and
/// the same delivery receipt, as the message's page.
pub(crate) async fn sealed(State(c): State<Console>, who: SignedIn, Path(id): Path<String>) -> Response {
    let m = match c.store().messages().get(&who.actor(), &id).await {
        Ok(m) => m,
        Err(e) => return tocsin_server::ApiError::from(e).into_response(),
    };
    let Some(envelope) = m.envelope else {
        return (StatusCode::NOT_FOUND, "no envelope to open").into_response();
    };
    let fingerprint = envelope["header"]["sender_key"].as_str().unwrap_or_default().to_owned();
    let key = match c.store().messages().key(&m.sender, &fingerprint).await {
        Ok(Some(k)) => k,
        Ok(None) => {
            let said = format!("{} has published no key {fingerprint}; the message cannot be checked", m.sender);
            return (StatusCode::NOT_FOUND, said).into_response();
        }
        Err(e) => return tocsin_server::ApiError::from(e).into_response(),
    };
    let sender = json!({ "agency": key.agency, "encryption": key.encryption, "verification": key.verification });
    Json(json!({ "envelope": envelope, "sender": sender })).into_response()
}

/// The page opened the message: the agency's read receipt (204).
pub(crate) async fn read(
    State(c): State<Console>,
    who: SignedIn,
    Path(id): Path<String>,
    Form(f): Form<super::Csrf>,
) -> Response {
    if let Err(r) = who.check_csrf(&f.csrf) {
        return r.into_response();
    }
    match c.store().messages().receipt(&who.actor(), &id, ReceiptKind::Read).await {
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => tocsin_server::ApiError::from(e).into_response(),
    }
}

fn verdict_word(v: Verdict) -> &'static str {
    match v {
        Verdict::Compliant => "compliant",
        Verdict::NonCompliant => "non-compliant",
    }
}

/// A recipient acknowledges a message, then back to it.
pub(crate) async fn acknowledge(
    State(c): State<Console>,
    who: SignedIn,
    Path(id): Path<String>,
    Form(f): Form<super::Csrf>,
) -> Response {
    if let Err(r) = who.check_csrf(&f.csrf) {
        return r.into_response();
    }
    match c.store().messages().receipt(&who.actor(), &id, ReceiptKind::Acknowledged).await {
        Ok(m) => Redirect::to(&format!("/messages/{}", m.id)).into_response(),
        Err(e) => super::refused(&who, e, &back(&id)),
    }
}

#[derive(Deserialize)]
pub(crate) struct ReviewForm {
    csrf: String,
    #[serde(default)]
    verdict: String,
    #[serde(default)]
    reason: String,
}

/// A General Secretariat reviewer's verdict on a diffusion, with its
/// reason, then back to it.
pub(crate) async fn review(
    State(c): State<Console>,
    who: SignedIn,
    Path(id): Path<String>,
    Form(f): Form<ReviewForm>,
) -> Response {
    if let Err(r) = who.check_csrf(&f.csrf) {
        return r.into_response();
    }
    let verdict = match f.verdict.as_str() {
        "compliant" => Verdict::Compliant,
        "non_compliant" => Verdict::NonCompliant,
        _ => {
            let e = tocsin_core::FieldError::field("verdict", "choose compliant or non-compliant");
            return super::refused(&who, e.into(), &back(&id));
        }
    };
    match c.store().messages().review(&who.actor(), &id, verdict, &f.reason).await {
        Ok(m) => Redirect::to(&format!("/messages/{}", m.id)).into_response(),
        Err(e) => super::refused(&who, e, &back(&id)),
    }
}

/// Where a refused form leads back to: the message, when `id` looks like
/// one, else the inbox.
fn back(id: &str) -> String {
    match !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        true => format!("/messages/{id}"),
        false => "/messages".to_owned(),
    }
}
