//! The hub over HTTP: TAXII 2.1 under `/taxii2/` (every answer, errors
//! included, as `application/taxii+json;version=2.1`, errors with TAXII
//! error bodies) and the hub's own API under `/v1/intel/` (the API's JSON
//! and error envelope). Both take the existing tokens: Basic with the token
//! as password (the scheme's name in any case, as MISP sends `basic`),
//! Bearer or Token; both count against the server's rate limits.

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tocsin_intel::stix;
use tocsin_intel::taxii::{self, Filter, MEDIA_TYPE, STIX_MEDIA_TYPE};
use tocsin_server::{ApiError, Gate, PeerAgency, client_address};
use tocsin_store::{Actor, IntelVersion, StoreError};

use crate::read::{Page, PageKind, time_of};
use crate::{CollectionInput, Hub, HubError};

/// Largest body of `POST /v1/intel/check` (10,000 values of a few hundred
/// characters each).
const CHECK_BODY_LIMIT: usize = 8 * 1024 * 1024;
/// Largest body of `POST /v1/intel/collections`.
const SMALL_BODY_LIMIT: usize = 64 * 1024;

#[derive(Clone)]
struct HubState {
    hub: Arc<Hub>,
    gate: Gate,
}

/// The hub's routes, to merge beside the API's.
pub fn router(hub: Arc<Hub>, gate: Gate) -> Router {
    let state = HubState { hub, gate };
    let taxii_routes: [(&str, MethodRouter<HubState>); 8] = [
        ("/{root}", get(api_root)),
        ("/{root}/status/{id}", get(status)),
        ("/{root}/collections", get(collections)),
        ("/{root}/collections/{c}", get(collection)),
        ("/{root}/collections/{c}/manifest", get(manifest)),
        ("/{root}/collections/{c}/objects", get(objects).post(add_objects)),
        ("/{root}/collections/{c}/objects/{o}", get(object).delete(delete_object)),
        ("/{root}/collections/{c}/objects/{o}/versions", get(versions)),
    ];
    // TAXII's paths end in `/`; some clients leave it out.
    let mut taxii = Router::new().route("/", get(discovery).fallback(method_not_allowed));
    for (path, method) in taxii_routes {
        let method = method.fallback(method_not_allowed);
        taxii = taxii.route(&format!("{path}/"), method.clone()).route(path, method);
    }
    // Under `/taxii2/`, an unknown path is a TAXII 404 too.
    let taxii = taxii.fallback(not_found);
    Router::new()
        .route("/taxii2/", get(discovery).fallback(method_not_allowed))
        .nest("/taxii2", taxii)
        .route("/v1/intel/collections", get(list_collections).post(create_collection))
        .route("/v1/intel/check", post(check))
        .with_state(state)
}

// ---- authentication -------------------------------------------------------

/// Why a caller was not admitted.
enum Refusal {
    TooMany(u64),
    Unauthorized(String),
    Store(StoreError),
}

/// The caller: rate limit, token (Basic, Bearer or Token), the client
/// certificate's agency where mutual TLS is on; a refused token is logged
/// as the API logs it.
async fn caller(s: &HubState, request: &Parts) -> Result<Actor, Refusal> {
    let secret = request
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(taxii::token_of)
        .filter(|t| t.len() <= 256);
    let address = client_address(&request.extensions);
    let store = s.hub.store();
    s.gate.admit_request(store, secret.as_deref(), address).map_err(Refusal::TooMany)?;
    let refused = |why: &str| {
        let action = format!("auth.reject {} {}", request.method, request.uri.path());
        let why = why.to_owned();
        async move {
            s.gate.log_refused(store, address, &action).await.map_err(Refusal::Store)?;
            Err(Refusal::Unauthorized(why))
        }
    };
    let Some(secret) = secret else {
        return refused("credentials are needed: Basic (the token as password), Bearer or Token").await;
    };
    let Some(principal) = store.authenticate(&secret).await.map_err(Refusal::Store)? else {
        return refused("unknown, revoked or expired token").await;
    };
    if let Err(why) = PeerAgency::admits(&request.extensions, principal.agency) {
        return refused(&why).await;
    }
    if let Some(unit) = &principal.unit {
        // The hub is the agency's, not its units' (their rights name no
        // intelligence): refused as the API refuses a unit's other calls.
        let forbidden = StoreError::Forbidden(format!(
            "unit {}/{} may not use the threat-intelligence hub",
            principal.agency, unit.code
        ));
        store
            .log(
                &principal.actor(None),
                "unit.refused",
                vec![request.uri.path().to_owned()],
                tocsin_audit::Outcome::Denied,
            )
            .await
            .map_err(Refusal::Store)?;
        return Err(Refusal::Store(forbidden));
    }
    let purpose = request
        .headers
        .get("tocsin-purpose")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|p| !p.is_empty() && p.chars().count() <= tocsin_core::limits::LABEL_CHARS)
        .map(str::to_owned);
    Ok(principal.actor(purpose))
}

// ---- TAXII answers ----------------------------------------------------------

/// A TAXII answer: the body with the TAXII media type.
fn answer(status: StatusCode, body: &impl Serialize) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => {
            let mut r = (status, bytes).into_response();
            r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(MEDIA_TYPE));
            r
        }
        Err(e) => {
            tracing::error!(error = %e, "a TAXII answer did not serialize");
            error(StatusCode::INTERNAL_SERVER_ERROR, "Internal error", "the operator's log has the details")
        }
    }
}

/// A TAXII error body.
fn error(status: StatusCode, title: &str, description: impl Into<String>) -> Response {
    let body = taxii::Error::new(status.as_u16(), title, description);
    let bytes = serde_json::to_vec(&body).unwrap_or_default();
    let mut r = (status, bytes).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(MEDIA_TYPE));
    r
}

fn taxii_refusal(r: Refusal) -> Response {
    match r {
        Refusal::TooMany(seconds) => {
            let mut r = error(StatusCode::TOO_MANY_REQUESTS, "Too many requests", format!("try again in {seconds} s"));
            if let Ok(v) = HeaderValue::from_str(&seconds.to_string()) {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
            r
        }
        Refusal::Unauthorized(why) => {
            let mut r = error(StatusCode::UNAUTHORIZED, "Unauthorized", why);
            r.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"tocsin\", Bearer"));
            r
        }
        Refusal::Store(e) => taxii_store_error(e),
    }
}

fn taxii_store_error(e: StoreError) -> Response {
    match e {
        StoreError::Unavailable(why) => error(StatusCode::SERVICE_UNAVAILABLE, "Unavailable", why),
        StoreError::AuditClosed => error(StatusCode::SERVICE_UNAVAILABLE, "Unavailable", "the server is stopping"),
        StoreError::Forbidden(why) => error(StatusCode::FORBIDDEN, "Forbidden", why),
        other => {
            tracing::error!(error = %other, "a TAXII request failed");
            error(StatusCode::INTERNAL_SERVER_ERROR, "Internal error", "the operator's log has the details")
        }
    }
}

fn taxii_hub_error(e: HubError) -> Response {
    match e {
        HubError::NotFound(what) => error(StatusCode::NOT_FOUND, "Not found", format!("{what} not found")),
        HubError::Forbidden(why) => error(StatusCode::FORBIDDEN, "Forbidden", why),
        HubError::Invalid { parameter, reason } => {
            error(StatusCode::BAD_REQUEST, "Bad request", format!("`{parameter}`: {reason}"))
        }
        HubError::TooLarge(why) => error(StatusCode::PAYLOAD_TOO_LARGE, "Request too large", why),
        HubError::Unprocessable(why) => error(StatusCode::UNPROCESSABLE_ENTITY, "Unprocessable content", why),
        HubError::Store(e) => taxii_store_error(e),
    }
}

/// The caller, after the `Accept` header is checked (`stix`: the endpoint
/// may also answer as STIX).
async fn taxii_caller(s: &HubState, request: &Parts, stix: bool) -> Result<Actor, Response> {
    let accept = request.headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
    let actor = caller(s, request).await.map_err(taxii_refusal)?;
    if !taxii::accepts(accept, stix) {
        return Err(error(
            StatusCode::NOT_ACCEPTABLE,
            "Not acceptable",
            format!("this endpoint answers {MEDIA_TYPE}{}", if stix { " or STIX" } else { "" }),
        ));
    }
    Ok(actor)
}

/// The request's filters (400 naming the parameter when malformed).
fn filter_of(request: &Parts) -> Result<Filter, taxii::QueryError> {
    taxii::parse_query(request.uri.query().unwrap_or_default())
}

fn bad_filter(e: taxii::QueryError) -> Response {
    error(StatusCode::BAD_REQUEST, "Bad request", e.to_string())
}

macro_rules! try_answer {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(r) => return r,
        }
    };
}

async fn not_found(State(s): State<HubState>, parts: Parts) -> Response {
    try_answer!(caller(&s, &parts).await.map_err(taxii_refusal));
    let path = parts.extensions.get::<axum::extract::OriginalUri>().map_or(parts.uri.path(), |u| u.0.path());
    error(StatusCode::NOT_FOUND, "Not found", format!("no TAXII resource at {path}"))
}

async fn method_not_allowed() -> Response {
    error(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed", "this resource does not take that method")
}

// ---- TAXII resources --------------------------------------------------------

async fn discovery(State(s): State<HubState>, parts: Parts) -> Response {
    let actor = try_answer!(taxii_caller(&s, &parts, false).await);
    let roots = try_answer!(s.hub.roots(&actor).await.map_err(taxii_hub_error));
    let api_roots: Vec<String> = roots.iter().map(|r| format!("/taxii2/{r}/")).collect();
    let body = taxii::Discovery {
        title: "Tocsin threat-intelligence hub".to_owned(),
        description: Some("STIX 2.1 shared between member agencies under TLP 2.0 and their access rules".to_owned()),
        default: api_roots.first().cloned(),
        api_roots,
    };
    answer(StatusCode::OK, &body)
}

async fn api_root(State(s): State<HubState>, Path(root): Path<String>, parts: Parts) -> Response {
    let actor = try_answer!(taxii_caller(&s, &parts, false).await);
    let roots = try_answer!(s.hub.roots(&actor).await.map_err(taxii_hub_error));
    if !roots.contains(&root) {
        return error(StatusCode::NOT_FOUND, "Not found", format!("API root {root} not found"));
    }
    let body = taxii::ApiRoot {
        title: format!("Trust community {root}"),
        description: None,
        versions: vec![MEDIA_TYPE.to_owned()],
        max_content_length: s.hub.options().max_content_length as u64,
    };
    answer(StatusCode::OK, &body)
}

async fn status(State(s): State<HubState>, Path((_root, id)): Path<(String, String)>, parts: Parts) -> Response {
    let actor = try_answer!(taxii_caller(&s, &parts, false).await);
    match s.hub.status(&actor, &id).await {
        Ok(status) => answer(StatusCode::OK, &status),
        Err(e) => taxii_hub_error(e),
    }
}

fn taxii_collection(c: crate::CollectionView) -> taxii::Collection {
    taxii::Collection {
        id: c.id,
        title: c.title,
        description: c.description,
        alias: c.alias,
        can_read: c.can_read,
        can_write: c.can_write,
        media_types: vec![STIX_MEDIA_TYPE.to_owned()],
    }
}

async fn collections(State(s): State<HubState>, Path(root): Path<String>, parts: Parts) -> Response {
    let actor = try_answer!(taxii_caller(&s, &parts, false).await);
    let list = try_answer!(s.hub.collections(&actor, Some(&root)).await.map_err(taxii_hub_error));
    if list.is_empty() {
        return error(StatusCode::NOT_FOUND, "Not found", format!("API root {root} not found"));
    }
    answer(StatusCode::OK, &taxii::Collections { collections: list.into_iter().map(taxii_collection).collect() })
}

async fn collection(State(s): State<HubState>, Path((root, c)): Path<(String, String)>, parts: Parts) -> Response {
    let actor = try_answer!(taxii_caller(&s, &parts, false).await);
    match s.hub.collection_view(&actor, &root, &c).await {
        Ok(view) => answer(StatusCode::OK, &taxii_collection(view)),
        Err(e) => taxii_hub_error(e),
    }
}

/// A page's answer with the `X-TAXII-Date-Added-First/Last` headers (left
/// out of an empty page, for which TAXII gives no value).
fn paged(page: &Page, body: &impl Serialize) -> Response {
    let mut r = answer(StatusCode::OK, body);
    let first = page.items.iter().map(|v| v.added_us).min();
    let last = page.items.iter().map(|v| v.added_us).max();
    for (name, at) in [("x-taxii-date-added-first", first), ("x-taxii-date-added-last", last)] {
        if let Some(at) = at
            && let Ok(v) = HeaderValue::from_str(&stix::render_micros(time_of(at)))
        {
            r.headers_mut().insert(name, v);
        }
    }
    r
}

/// A version as TAXII shows it: `modified` (else `created`), or when it was
/// added for an object with neither.
fn shown_version(v: &IntelVersion) -> String {
    match stix::timestamp(&v.version) {
        Ok(t) => stix::render(t),
        Err(_) => stix::render_micros(time_of(v.added_us)),
    }
}

fn envelope(page: &Page) -> taxii::Envelope {
    taxii::Envelope {
        more: page.more,
        next: page.next.clone(),
        objects: page.items.iter().filter_map(|v| serde_json::from_str::<Value>(&v.body).ok()).collect(),
    }
}

async fn read_page(
    s: &HubState,
    request: &Parts,
    root: &str,
    c: &str,
    object: Option<&str>,
    kind: PageKind,
) -> Result<Page, Response> {
    let actor = taxii_caller(s, request, kind != PageKind::Versions).await?;
    let filter = filter_of(request).map_err(bad_filter)?;
    s.hub.page(&actor, root, c, object, &filter, kind).await.map_err(taxii_hub_error)
}

async fn objects(State(s): State<HubState>, Path((root, c)): Path<(String, String)>, parts: Parts) -> Response {
    let page = try_answer!(read_page(&s, &parts, &root, &c, None, PageKind::Objects).await);
    paged(&page, &envelope(&page))
}

async fn object(
    State(s): State<HubState>,
    Path((root, c, o)): Path<(String, String, String)>,
    parts: Parts,
) -> Response {
    let page = try_answer!(read_page(&s, &parts, &root, &c, Some(&o), PageKind::Objects).await);
    paged(&page, &envelope(&page))
}

async fn manifest(State(s): State<HubState>, Path((root, c)): Path<(String, String)>, parts: Parts) -> Response {
    let page = try_answer!(read_page(&s, &parts, &root, &c, None, PageKind::Manifest).await);
    let body = taxii::Manifest {
        more: page.more,
        next: page.next.clone(),
        objects: page
            .items
            .iter()
            .map(|v| taxii::ManifestRecord {
                id: v.id.clone(),
                date_added: stix::render_micros(time_of(v.added_us)),
                version: shown_version(v),
                media_type: STIX_MEDIA_TYPE.to_owned(),
            })
            .collect(),
    };
    paged(&page, &body)
}

async fn versions(
    State(s): State<HubState>,
    Path((root, c, o)): Path<(String, String, String)>,
    parts: Parts,
) -> Response {
    let page = try_answer!(read_page(&s, &parts, &root, &c, Some(&o), PageKind::Versions).await);
    let body = taxii::VersionList {
        more: page.more,
        next: page.next.clone(),
        versions: page.items.iter().map(shown_version).collect(),
    };
    paged(&page, &body)
}

async fn delete_object(
    State(s): State<HubState>,
    Path((root, c, o)): Path<(String, String, String)>,
    parts: Parts,
) -> Response {
    let actor = try_answer!(taxii_caller(&s, &parts, false).await);
    let filter = try_answer!(filter_of(&parts).map_err(bad_filter));
    match s.hub.delete(&actor, &root, &c, &o, &filter).await {
        Ok(_) => {
            let mut r = StatusCode::OK.into_response();
            r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(MEDIA_TYPE));
            r
        }
        Err(e) => taxii_hub_error(e),
    }
}

/// Reads a body of at most `limit` bytes (`Content-Length` checked first).
async fn body_of(request: &Parts, body: Body, limit: usize) -> Result<Bytes, usize> {
    let declared =
        request.headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
    if let Some(n) = declared.filter(|n| *n > limit) {
        return Err(n);
    }
    axum::body::to_bytes(body, limit).await.map_err(|_| limit + 1)
}

async fn add_objects(
    State(s): State<HubState>,
    Path((root, c)): Path<(String, String)>,
    parts: Parts,
    body: Body,
) -> Response {
    let actor = try_answer!(taxii_caller(&s, &parts, false).await);
    let content_type = parts.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    if !taxii::readable(content_type) {
        return error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Unsupported media type",
            format!("send the envelope as {MEDIA_TYPE}"),
        );
    }
    let max = s.hub.options().max_content_length;
    let body = match body_of(&parts, body, max).await {
        Ok(b) => b,
        Err(n) => {
            let e = HubError::TooLarge(format!(
                "the envelope is over {max} bytes ({n} or more), the API root's max_content_length: split it"
            ));
            return taxii_hub_error(s.hub.refuse_post(&actor, &c, e).await);
        }
    };
    match s.hub.post(&actor, &root, &c, &body).await {
        Ok(status) => answer(StatusCode::ACCEPTED, &status),
        Err(e) => taxii_hub_error(e),
    }
}

// ---- the hub's own API --------------------------------------------------------

fn api_refusal(r: Refusal) -> Response {
    match r {
        Refusal::TooMany(seconds) => tocsin_server::too_many(seconds),
        Refusal::Unauthorized(why) => ApiError::new(StatusCode::UNAUTHORIZED, "invalid_token", why).into_response(),
        Refusal::Store(e) => ApiError::from(e).into_response(),
    }
}

fn api_error(e: HubError) -> Response {
    match e {
        HubError::NotFound(what) => ApiError::new(StatusCode::NOT_FOUND, "not_found", format!("{what} not found")),
        HubError::Forbidden(why) => ApiError::new(StatusCode::FORBIDDEN, "forbidden", why),
        HubError::Invalid { parameter, reason } => {
            ApiError::field("invalid", parameter.clone(), format!("{parameter}: {reason}"))
        }
        HubError::TooLarge(why) => ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", why),
        HubError::Unprocessable(why) => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "unprocessable", why),
        HubError::Store(e) => ApiError::from(e),
    }
    .into_response()
}

fn json(status: StatusCode, body: &impl Serialize) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => (status, [(header::CONTENT_TYPE, "application/json")], Body::from(bytes)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "an answer did not serialize");
            ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error").into_response()
        }
    }
}

/// A JSON body of at most `limit` bytes, read strictly.
async fn json_body<T: serde::de::DeserializeOwned>(parts: &Parts, body: Body, limit: usize) -> Result<T, Response> {
    let body = body_of(parts, body, limit).await.map_err(|n| {
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", format!("the body is over {limit} bytes ({n})"))
            .into_response()
    })?;
    serde_json::from_slice(&body).map_err(|e| {
        let message = format!("the body does not read: {e}");
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_json", message).into_response()
    })
}

#[derive(Serialize)]
struct CollectionList {
    collections: Vec<crate::CollectionView>,
}

async fn list_collections(State(s): State<HubState>, parts: Parts) -> Response {
    let actor = try_answer!(caller(&s, &parts).await.map_err(api_refusal));
    match s.hub.collections(&actor, None).await {
        Ok(collections) => json(StatusCode::OK, &CollectionList { collections }),
        Err(e) => api_error(e),
    }
}

async fn create_collection(State(s): State<HubState>, parts: Parts, body: Body) -> Response {
    let actor = try_answer!(caller(&s, &parts).await.map_err(api_refusal));
    let input: CollectionInput = try_answer!(json_body(&parts, body, SMALL_BODY_LIMIT).await);
    match s.hub.create_collection(&actor, input).await {
        Ok(view) => json(StatusCode::CREATED, &view),
        Err(e) => api_error(e),
    }
}

/// `POST /v1/intel/check`'s body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckRequest {
    values: Vec<String>,
}

async fn check(State(s): State<HubState>, parts: Parts, body: Body) -> Response {
    let actor = try_answer!(caller(&s, &parts).await.map_err(api_refusal));
    let input: CheckRequest = try_answer!(json_body(&parts, body, CHECK_BODY_LIMIT).await);
    match s.hub.check(&actor, &input.values).await {
        Ok(answer) => json(StatusCode::OK, &answer),
        Err(e) => api_error(e),
    }
}
