//! Screening as a service, the same over HTTP and from the command line:
//! one request ([`screen`]) or a batch in any manifest format ([`batch`]),
//! answered with the types the API documents. `tocsin screen` calls these
//! in process, so that its answer is the server's.

use axum::http::StatusCode;
use futures::{StreamExt, TryStreamExt};
use serde::Serialize;
use tocsin_core::record::{Handling, Record};
use tocsin_manifest::batch::{self as manifest, BatchError, Format, Position};
use tocsin_match::request::{MrzSummary, Request};
use tocsin_match::screen::Explanation;
use tocsin_store::{Actor, ScreenContext, Store};

use crate::ApiError;

/// Most travellers or lines in one batch (413 beyond): a wide-body
/// flight's manifest is one request.
pub const BATCH_LIMIT: usize = 1_000;

/// Travellers of one batch screened side by side (their searches take
/// turns on the request's task; their audit entries share commits).
const BATCH_CONCURRENCY: usize = 32;

/// The purpose a PAXLST manifest is screened for, unless the caller says.
pub const MANIFEST_PURPOSE: &str = "advance_passenger_information";

/// One match.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ScreenMatch {
    /// The record, as its owner shares it.
    record: Record,
    /// Score, 0 to 1.
    score: f64,
    /// Why it matched: the name forms and each feature's contribution.
    explanation: Explanation,
    /// Published notices on the record: type and requested action.
    notices: Vec<tocsin_core::notice::NoticeBrief>,
    /// Wanted-person diffusions the agency received on the record (a
    /// `non_compliant` one must no longer be relied on).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    diffusions: Vec<tocsin_store::DiffusionBrief>,
    /// What the officer must do.
    handling: Handling,
    /// The hit made, when the score reaches the hit threshold (0.80); the
    /// record's owner sees it in its hit list.
    #[serde(skip_serializing_if = "Option::is_none")]
    hit_id: Option<String>,
    /// On an edge node (`tocsin edge`): the hit was made on its copy and
    /// waits for confirmation upstream, made when the link is up.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    needs_confirmation: bool,
    /// Set when this subject and record were reviewed as a false positive
    /// on an earlier hit: no new hit is made until `until`.
    #[serde(skip_serializing_if = "Option::is_none")]
    dismissed_before: Option<DismissedBefore>,
}

/// A reviewed false positive that held back a hit.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DismissedBefore {
    /// The hit that was marked `false_positive`.
    hit_id: String,
    /// Until when no new hit is made (RFC 3339).
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    until: time::OffsetDateTime,
}

/// The answer to one query.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ScreenResponse {
    /// Best first.
    matches: Vec<ScreenMatch>,
    /// What the MRZ's check digits said, when the query had one. A failed
    /// check does not stop the screening.
    #[serde(skip_serializing_if = "Option::is_none")]
    mrz: Option<MrzSummary>,
}

/// Screens one request as `actor`: validates it, screens it against what
/// the actor's agency may see, and answers as `POST /v1/screen` does. The
/// store audits the search with its purpose and location.
pub async fn screen(store: &Store, actor: &Actor, req: Request) -> Result<ScreenResponse, ApiError> {
    let this_year = store.clock().now().year();
    let request = req
        .as_sent()
        .map_err(|e| ApiError::from(tocsin_store::StoreError::Internal(format!("the request as sent: {e}"))))?;
    let v = req.validate(this_year).map_err(|e| ApiError::field("invalid_field", e.field.clone(), e.to_string()))?;
    let purpose = match (&v.purpose, &v.location, &actor.purpose) {
        (Some(p), Some(l), _) => Some(format!("{p} @ {l}")),
        (Some(p), None, _) => Some(p.clone()),
        (None, Some(l), other) => Some(format!("{} @ {l}", other.as_deref().unwrap_or("screening"))),
        (None, None, other) => other.clone(),
    };
    let context = ScreenContext { request, location: v.location.clone(), purpose: v.purpose.clone() };
    let actor = Actor { purpose, ..actor.clone() };
    let found = store.screen(&actor, v.query, context).await?;
    let copy = store.is_copy();
    let matches = found
        .into_iter()
        .map(|s| ScreenMatch {
            handling: s.record.data.handling.clone(),
            record: s.record,
            score: (s.matched.score * 1000.0).round() / 1000.0,
            explanation: s.matched.explanation,
            notices: s.notices,
            diffusions: s.diffusions,
            needs_confirmation: copy && s.hit_id.is_some(),
            hit_id: s.hit_id.map(|h| h.to_string()),
            dismissed_before: s.dismissed.map(|d| DismissedBefore { hit_id: d.hit_id.to_string(), until: d.until }),
        })
        .collect();
    Ok(ScreenResponse { matches, mrz: v.mrz })
}

/// How a batch is screened besides its content.
#[derive(Debug, Clone, Default)]
pub struct BatchOptions {
    /// Answer only the travellers that made a hit (and the errors), each
    /// with only the matches that made one. The summary counts them all.
    pub hits_only: bool,
    /// Where, for the lines that do not say (a PAXLST manifest: its flight).
    pub location: Option<String>,
    /// Why, for the lines that do not say (a PAXLST manifest:
    /// [`MANIFEST_PURPOSE`]).
    pub purpose: Option<String>,
}

/// The counts of a batch's answer.
#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub struct Summary {
    /// Lines or travellers read.
    travellers: usize,
    /// Travellers with at least one match.
    matched: usize,
    /// Matches, all travellers together.
    matches: usize,
    /// Hits made (scores at or above 0.80 on records that are not silent).
    hits: usize,
    /// Lines or travellers that could not be screened, and problems with
    /// the batch as a whole (`problems`).
    errors: usize,
}

/// The flight of a PAXLST manifest.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FlightInfo {
    /// Carrier and number as sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    number: Option<String>,
    /// Departure airport.
    #[serde(skip_serializing_if = "Option::is_none")]
    from: Option<String>,
    /// Arrival airport.
    #[serde(skip_serializing_if = "Option::is_none")]
    to: Option<String>,
    /// Scheduled departure, local time (`YYYY-MM-DDTHH:MM`).
    #[serde(skip_serializing_if = "Option::is_none")]
    departs: Option<String>,
    /// Scheduled arrival, local time.
    #[serde(skip_serializing_if = "Option::is_none")]
    arrives: Option<String>,
    /// The flight in words, as the audit log and the hits give it as the
    /// screening's location.
    described: String,
}

/// A traveller as the manifest names it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Traveller {
    /// `passenger`, `crew`, `transit_passenger` or `transit_crew`.
    role: &'static str,
    /// Given names and surname.
    name: String,
    /// Birth date, when sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    birth_date: Option<String>,
    /// Documents sent: type code and number.
    documents: Vec<String>,
}

/// What was wrong with one line or traveller.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ItemError {
    /// A stable code (`invalid_json`, `invalid_field`, `unknown_field`,
    /// `missing_field`, `invalid_row`).
    code: &'static str,
    /// The offending field, when one is at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<String>,
    /// What is wrong, naming the field.
    message: String,
}

/// One line's or traveller's answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BatchItem {
    /// 1-based line (JSON lines, CSV).
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<usize>,
    /// 1-based segment of the traveller's `NAD` (PAXLST).
    #[serde(skip_serializing_if = "Option::is_none")]
    segment: Option<usize>,
    /// The sender's reference: the line's `ref`, or the PAXLST
    /// traveller's (`RFF`, else message and position).
    #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
    reference: Option<String>,
    /// The traveller, for a PAXLST manifest.
    #[serde(skip_serializing_if = "Option::is_none")]
    traveller: Option<Traveller>,
    /// The answer, when the item could be screened.
    #[serde(skip_serializing_if = "Option::is_none")]
    result: Option<ScreenResponse>,
    /// What was wrong, when it could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<ItemError>,
    /// What was left out of the query and why (it was screened without it).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    notes: Vec<String>,
}

/// A problem with the batch beyond its items, naming where it is.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BatchProblem {
    /// 1-based line.
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<usize>,
    /// 1-based segment.
    #[serde(skip_serializing_if = "Option::is_none")]
    segment: Option<usize>,
    /// What is wrong.
    message: String,
}

/// The answer to a batch.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BatchResponse {
    /// `json_lines`, `csv` or `paxlst`.
    format: &'static str,
    /// The counts.
    summary: Summary,
    /// The flight, for a PAXLST manifest.
    #[serde(skip_serializing_if = "Option::is_none")]
    flight: Option<FlightInfo>,
    /// What was wrong beyond single items (an envelope count that
    /// disagrees, a quote that never closes); the items read are answered.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    problems: Vec<BatchProblem>,
    /// One per line or traveller, in order.
    results: Vec<BatchItem>,
}

fn lines_and_segments(p: Position) -> (Option<usize>, Option<usize>) {
    match p {
        Position::Line(n) => (Some(n), None),
        Position::Segment(n) => (None, Some(n)),
    }
}

/// Reads a batch in `format` and screens every line or traveller, as
/// `POST /v1/screen/batch` does. A bad item is answered with its error and
/// audited; it does not stop the others.
pub async fn batch(
    store: &Store,
    actor: &Actor,
    format: Format,
    bytes: &[u8],
    options: BatchOptions,
) -> Result<BatchResponse, ApiError> {
    let read = manifest::read(format, bytes, BATCH_LIMIT).map_err(|e| match e {
        BatchError::TooMany { .. } => ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_many_lines", e.to_string()),
        BatchError::Empty => ApiError::new(StatusCode::BAD_REQUEST, "empty_batch", e.to_string()),
        BatchError::Header(_) => ApiError::new(StatusCode::BAD_REQUEST, "invalid_csv", e.to_string()),
        BatchError::NotAManifest(_) => ApiError::new(StatusCode::BAD_REQUEST, "invalid_paxlst", e.to_string()),
    })?;
    let mut location = options.location.clone();
    let mut purpose = options.purpose.clone();
    let flight = read.flight.as_ref().map(|f| {
        let described: String = f.describe().chars().take(tocsin_core::limits::LABEL_CHARS).collect();
        let at = |t: &time::PrimitiveDateTime| format!("{}T{:02}:{:02}", t.date(), t.hour(), t.minute());
        FlightInfo {
            number: f.number.clone(),
            from: f.from.clone(),
            to: f.to.clone(),
            departs: f.departs.as_ref().map(at),
            arrives: f.arrives.as_ref().map(at),
            described,
        }
    });
    if format == Format::Paxlst {
        location = location.or_else(|| flight.as_ref().map(|f| f.described.clone()));
        purpose = purpose.or_else(|| Some(MANIFEST_PURPOSE.to_owned()));
    }
    // Travellers are screened side by side, answered in order: their audit
    // entries then share group commits instead of waiting for one each.
    let answers: Vec<BatchItem> = futures::stream::iter(read.items)
        .map(|item| answer(store, actor, item, location.as_deref(), purpose.as_deref()))
        .buffered(BATCH_CONCURRENCY)
        .try_collect()
        .await?;
    let mut summary = Summary { errors: read.problems.len(), ..Summary::default() };
    let mut results = Vec::with_capacity(answers.len());
    for mut item in answers {
        summary.travellers += 1;
        summary.errors += usize::from(item.error.is_some());
        if let Some(r) = item.result.as_mut() {
            let hits = r.matches.iter().filter(|m| m.hit_id.is_some()).count();
            summary.matched += usize::from(!r.matches.is_empty());
            summary.matches += r.matches.len();
            summary.hits += hits;
            if options.hits_only {
                if hits == 0 {
                    continue;
                }
                r.matches.retain(|m| m.hit_id.is_some());
            }
        }
        results.push(item);
    }
    let problems = read
        .problems
        .into_iter()
        .map(|p| {
            let (line, segment) = lines_and_segments(p.position);
            BatchProblem { line, segment, message: p.message }
        })
        .collect();
    Ok(BatchResponse { format: format.as_str(), summary, flight, problems, results })
}

/// Screens one line or traveller; a bad one is answered with its error (and
/// audited here when the store never saw it).
async fn answer(
    store: &Store,
    actor: &Actor,
    item: manifest::Item,
    location: Option<&str>,
    purpose: Option<&str>,
) -> Result<BatchItem, ApiError> {
    let (line, segment) = lines_and_segments(item.position);
    let traveller = item.subject.map(|s| Traveller {
        role: s.role,
        name: s.name,
        birth_date: s.birth_date,
        documents: s.documents,
    });
    let mut answer =
        BatchItem { line, segment, reference: item.reference, traveller, result: None, error: None, notes: item.notes };
    let outcome = match item.requests {
        Ok(requests) => {
            let requests = requests.into_iter().map(|mut r| {
                r.location = r.location.or_else(|| location.map(str::to_owned));
                r.purpose = r.purpose.or_else(|| purpose.map(str::to_owned));
                r
            });
            screen_all(store, actor, requests).await
        }
        Err(e) => Err(ApiError::field(e.code, e.field.unwrap_or_default(), e.message)),
    };
    match outcome {
        Ok(r) => answer.result = Some(r),
        Err(e) if e.status().is_client_error() => {
            // A line refused before the store saw it is audited here, as a
            // whole request would be by the rejection middleware.
            if !e.is_audited() {
                let objects = vec![item.position.to_string().replace(' ', ":"), e.code().to_owned()];
                store.log(actor, "screen", objects, tocsin_audit::Outcome::Invalid).await?;
            }
            answer.error = Some(ItemError { code: e.code(), field: e.field_name(), message: e.message() });
        }
        Err(e) => return Err(e),
    }
    Ok(answer)
}

/// Screens a traveller's requests (the person with a first document, then
/// each further document) and answers them as one: every record once, at
/// its best score, best first.
async fn screen_all(
    store: &Store,
    actor: &Actor,
    requests: impl Iterator<Item = Request>,
) -> Result<ScreenResponse, ApiError> {
    let mut answer: Option<ScreenResponse> = None;
    for request in requests {
        let next = screen(store, actor, request).await?;
        match answer.as_mut() {
            None => answer = Some(next),
            Some(a) => {
                for m in next.matches {
                    match a.matches.iter_mut().find(|x| x.record.id == m.record.id) {
                        Some(x) if x.score >= m.score => {}
                        Some(x) => *x = m,
                        None => a.matches.push(m),
                    }
                }
            }
        }
    }
    let mut answer = answer.unwrap_or(ScreenResponse { matches: Vec::new(), mrz: None });
    answer.matches.sort_by(|a, b| b.score.total_cmp(&a.score));
    Ok(answer)
}
