//! The auditor's page: the audit log as the API shows it to the signed-in
//! token (the whole log for the General Secretariat's auditors, the
//! agency's own entries for others), filtered by agency, action, object and
//! time, and the verification of the hash chain.

use axum::Form;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;
use tocsin_store::AuditView;

use crate::{Console, SignedIn};

/// Entries read per step while filtering.
const STEP: u32 = 1_000;
/// Entries a filtered page scans at most before it stops and offers the next.
const SCAN: usize = 20_000;
/// Entries shown per page.
const SHOWN: usize = 200;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Filter {
    /// Entries after this sequence number.
    #[serde(default)]
    after: u64,
    #[serde(default)]
    agency: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    object: String,
    /// `YYYY-MM-DD` or a prefix of an RFC 3339 time.
    #[serde(default)]
    since: String,
}

impl Filter {
    fn keeps(&self, e: &AuditView) -> bool {
        let time = e.time.format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
        (self.agency.is_empty() || e.agency.eq_ignore_ascii_case(self.agency.trim()))
            && (self.action.is_empty() || e.action.starts_with(self.action.trim()))
            && (self.object.is_empty() || e.objects.iter().any(|o| o.contains(self.object.trim())))
            && (self.since.is_empty() || time.as_str() >= self.since.trim())
    }
}

/// The log, filtered.
pub(crate) async fn log(State(c): State<Console>, who: SignedIn, Query(f): Query<Filter>) -> Response {
    let actor = who.actor();
    let (mut shown, mut after, mut scanned) = (Vec::new(), f.after, 0);
    let mut error = None;
    while shown.len() < SHOWN && scanned < SCAN {
        match c.store().audit_entries(&actor, None, after, STEP).await {
            Ok(page) => {
                let Some(last) = page.last().map(|e| e.seq) else { break };
                // Each read is an entry of its own: a short page is the end,
                // or the scan would read its own entries one by one.
                let end = page.len() < STEP as usize;
                scanned += page.len();
                after = last;
                shown.extend(page.into_iter().filter(|e| f.keeps(e)).take(SHOWN - shown.len()));
                if end {
                    break;
                }
            }
            Err(e) => {
                error = Some(tocsin_server::ApiError::from(e));
                break;
            }
        }
    }
    let more = shown.len() == SHOWN || scanned >= SCAN;
    page(&who, &f, &shown, more.then_some(after), error.as_ref().map(tocsin_server::ApiError::message), None)
        .into_response()
}

fn page(
    who: &SignedIn,
    f: &Filter,
    entries: &[AuditView],
    next: Option<u64>,
    error: Option<String>,
    verified: Option<Markup>,
) -> Markup {
    let next_link = |after: u64| {
        let mut q = form_urlencoded::Serializer::new(String::new());
        q.append_pair("after", &after.to_string());
        for (k, v) in [("agency", &f.agency), ("action", &f.action), ("object", &f.object), ("since", &f.since)] {
            if !v.is_empty() {
                q.append_pair(k, v);
            }
        }
        format!("/audit?{}", q.finish())
    };
    let l = who.lang;
    super::layout(
        l,
        "/audit",
        "Audit log",
        Some(who),
        html! {
            form.card method="post" action="/audit/verify" {
                input type="hidden" name="csrf" value=(who.session.csrf);
                p { (l.t("The log is a SHA-256 hash chain: each entry names the one before it.")) }
                button type="submit" { (l.t("Verify the chain")) }
            }
            @if let Some(v) = verified { (v) }
            form.card.filters method="get" action="/audit" {
                @for (field, label, value) in [("agency", "Agency", &f.agency), ("action", "Action (or its start)", &f.action), ("object", "Object contains", &f.object), ("since", "Since (YYYY-MM-DD)", &f.since)] {
                    div.field {
                        label for=(field) { (l.t(label)) }
                        input #(field) type="text" name=(field) value=(value);
                    }
                }
                button type="submit" { (l.t("Filter")) }
            }
            @if let Some(e) = error { p.error role="alert" { (e) } }
            @if entries.is_empty() && next.is_none() { p.none { (l.t("No entry.")) } }
            @else {
                table #audit {
                    thead { tr {
                        th scope="col" { "#" } th scope="col" { (l.t("Time")) } th scope="col" { (l.t("Agency")) } th scope="col" { (l.t("User")) }
                        th scope="col" { (l.t("Action")) } th scope="col" { (l.t("Objects")) } th scope="col" { (l.t("Outcome")) } th scope="col" { (l.t("Purpose")) }
                    } }
                    tbody {
                        @for e in entries {
                            tr {
                                td.num { (e.seq) }
                                td { (e.time.date()) " " (format!("{:02}:{:02}:{:02}", e.time.hour(), e.time.minute(), e.time.second())) }
                                td { (e.agency) } td { (e.user) " (" (e.role) ")" } td { (e.action) }
                                td dir="auto" { (e.objects.join(" · ")) }
                                td { (e.outcome.as_str()) }
                                td dir="auto" { (e.purpose.as_deref().unwrap_or("")) }
                            }
                        }
                    }
                }
                @if let Some(after) = next { p { a href=(next_link(after)) { (l.t("Next entries")) } } }
            }
        },
    )
}

/// Verifies the whole chain and shows the verdict above the log.
pub(crate) async fn verify(State(c): State<Console>, who: SignedIn, Form(form): Form<super::Csrf>) -> Response {
    if let Err(r) = who.check_csrf(&form.csrf) {
        return r.into_response();
    }
    let l = who.lang;
    let verdict = match c.store().verify_audit(&who.actor()).await {
        Ok(v) if v.ok => html! {
            p.ok #verdict role="status" { (l.t("The chain holds:")) " " (v.entries) " " (l.t("entries, head")) " " code { (v.head) } }
        },
        Ok(v) => html! {
            p.error #verdict role="alert" {
                (l.t("The chain is BROKEN at entry")) " " (v.broken_at.unwrap_or_default()) " " (l.t("of")) " " (v.entries)
            }
        },
        Err(e) => html! { p.error #verdict role="alert" { (tocsin_server::ApiError::from(e).message()) } },
    };
    page(&who, &Filter::default(), &[], Some(0), None, Some(verdict)).into_response()
}
