//! Request extractors that answer bad input with the error envelope: the
//! caller's identity, JSON bodies (with the path of the offending field),
//! query strings and path parameters.

use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequest, FromRequestParts, OptionalFromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use tocsin_core::{FieldError, limits};
use tocsin_store::{Actor, Principal, Store};

use crate::{ApiError, AppState, Gate};

/// Header in which a caller may declare the purpose of a request; it is
/// written to the audit entry.
pub(crate) const PURPOSE_HEADER: &str = "tocsin-purpose";

/// The authenticated caller and the purpose it declared.
pub(crate) struct Caller(pub(crate) Actor);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Caller, ApiError> {
        let principal = authenticate(parts, &state.store, &state.gate).await?;
        let actor = principal.actor(purpose_in(parts)?);
        if let Some(slot) = parts.extensions.get::<crate::rejections::CallerSlot>() {
            slot.set(&actor);
        }
        Ok(Caller(actor))
    }
}

/// The purpose a request declares in its `tocsin-purpose` header, if any.
fn purpose_in(parts: &Parts) -> Result<Option<String>, ApiError> {
    let Some(v) = parts.headers.get(PURPOSE_HEADER) else { return Ok(None) };
    let p = v.to_str().ok().map(str::trim).filter(|p| !p.is_empty() && p.chars().count() <= limits::LABEL_CHARS);
    let p = p.ok_or_else(|| {
        ApiError::field(
            "invalid_header",
            PURPOSE_HEADER,
            format!("{PURPOSE_HEADER}: must be 1 to {} visible ASCII characters", limits::LABEL_CHARS),
        )
    })?;
    Ok(Some(p.to_owned()))
}

/// The caller of a route that another crate serves beside the API's own
/// (biometrics, the edge's upstream routes), admitted exactly as the API
/// admits one: the rate limit, the bearer token, the client certificate's
/// agency where mutual TLS is on (a refusal logged as `auth.reject`), and
/// the purpose it declared.
pub async fn admit(store: &Store, gate: &Gate, parts: &Parts) -> Result<Actor, axum::response::Response> {
    use axum::response::IntoResponse;
    let address = crate::limits::client_address(&parts.extensions);
    let secret = bearer_in(&parts.headers).ok();
    gate.admit_request(store, secret, address).map_err(crate::too_many)?;
    let principal = authenticate(parts, store, gate).await.map_err(IntoResponse::into_response)?;
    Ok(principal.actor(purpose_in(parts).map_err(IntoResponse::into_response)?))
}

async fn authenticate(parts: &Parts, store: &Store, gate: &Gate) -> Result<Principal, ApiError> {
    let secret = match bearer_in(&parts.headers) {
        Ok(secret) => secret,
        Err(e) => {
            // No token, or not a bearer one: logged like an unknown token.
            log_rejected(parts, store, gate).await?;
            return Err(e);
        }
    };
    match store.authenticate(secret).await? {
        Some(p) => match crate::PeerAgency::admits(&parts.extensions, p.agency) {
            Ok(()) => match unit_route(&p, parts) {
                Ok(()) => Ok(p),
                Err(e) => {
                    let route = format!("{} {}", parts.method, parts.uri.path());
                    store.log(&p.actor(None), "unit.refused", vec![route], tocsin_audit::Outcome::Denied).await?;
                    Err(e)
                }
            },
            Err(why) => {
                log_rejected(parts, store, gate).await?;
                Err(unauthorized("certificate_mismatch", &why))
            }
        },
        None => {
            log_rejected(parts, store, gate).await?;
            Err(unauthorized("invalid_token", "unknown, revoked or expired token"))
        }
    }
}

/// The routes a national unit's token may call, whatever its role: the
/// frontline's (screening, the records of the kinds it screens), and, as
/// its agency granted, writing records and messaging. Anything else (hits,
/// notices, watches, events, audit, imports, tokens, the other services)
/// is its agency's: 403, so no path that is not bounded by the unit's
/// rights is reachable with its token.
fn unit_route(p: &Principal, parts: &Parts) -> Result<(), ApiError> {
    use axum::http::Method;
    let Some(unit) = &p.unit else { return Ok(()) };
    let r = &unit.rights;
    let path = parts.uri.path();
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let read = parts.method == Method::GET;
    let allowed = match segments.as_slice() {
        ["v1", "health"] | ["v1", "openapi.json"] => true,
        ["v1", "screen"] | ["v1", "screen", "batch"] => parts.method == Method::POST && !r.screen.is_empty(),
        ["v1", "records"] => (read && !r.screen.is_empty()) || (parts.method == Method::POST && r.write_records),
        ["v1", "records", id] if *id != "export" && *id != "bulk" => {
            (read && !r.screen.is_empty())
                || ((parts.method == Method::PUT || parts.method == Method::DELETE) && r.write_records)
        }
        ["v1", "keys"] => read && (r.read_messages || r.send_messages),
        ["v1", "messages"] => (read && r.read_messages) || (parts.method == Method::POST && r.send_messages),
        ["v1", "messages", _] | ["v1", "messages", _, "receipts"] | ["v1", "diffusions"] => r.read_messages,
        _ => false,
    };
    match allowed {
        true => Ok(()),
        false => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!("unit {}/{} may not {} {path}", p.agency, unit.code, parts.method),
        )),
    }
}

/// Logs a refused token (`auth.reject`, with the client's address): the
/// first from an address each minute, with the count of the ones before
/// that were only counted ([`crate::limits`]).
async fn log_rejected(parts: &Parts, store: &Store, gate: &Gate) -> Result<(), ApiError> {
    let address = crate::limits::client_address(&parts.extensions);
    let action = format!("auth.reject {} {}", parts.method, parts.uri.path());
    Ok(gate.log_refused(store, address, &action).await?)
}

fn unauthorized(code: &'static str, message: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, code, message)
}

/// The secret of an `Authorization: Bearer <secret>` header. The scheme's
/// name is case-insensitive (RFC 9110 §11.1), the secret is not.
pub(crate) fn bearer_in(headers: &axum::http::HeaderMap) -> Result<&str, ApiError> {
    let Some(header) = headers.get(AUTHORIZATION) else {
        return Err(unauthorized("missing_token", "missing `Authorization: Bearer <token>` header"));
    };
    let secret = header.to_str().ok().and_then(|h| {
        let (scheme, secret) = h.split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then(|| secret.trim())
    });
    match secret.filter(|s| !s.is_empty() && s.len() <= 256) {
        Some(s) => Ok(s),
        None => Err(unauthorized("invalid_token", "the Authorization header must be `Bearer <token>`")),
    }
}

/// The operator's monitoring system: the bearer of the monitoring token
/// (`monitor.token` in the data directory), which no agency holds. It reads
/// `/metrics` and the cluster part of `/v1/health`, whose counts span every
/// agency's records and so may not reach any agency.
pub(crate) struct Monitor;

impl FromRequestParts<AppState> for Monitor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Monitor, ApiError> {
        let secret = bearer_in(&parts.headers)?;
        match state.monitor.as_deref() {
            Some(digest) if tocsin_store::hash_token(secret) == digest => Ok(Monitor),
            _ => Err(unauthorized("invalid_token", "not the monitoring token (monitor.token in the data directory)")),
        }
    }
}

/// Where the monitoring token is optional (`/v1/health`): anything else is
/// an anonymous caller, never an error.
impl OptionalFromRequestParts<AppState> for Monitor {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Option<Monitor>, Self::Rejection> {
        Ok(<Monitor as FromRequestParts<AppState>>::from_request_parts(parts, state).await.ok())
    }
}

/// A JSON body, parsed strictly. Errors name the offending field's path. The
/// body is JSON whatever its Content-Type says (curl's `-d` sends
/// `application/x-www-form-urlencoded`).
pub(crate) struct JsonBody<T>(pub(crate) T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<JsonBody<T>, ApiError> {
        let bytes = body_bytes(req, state).await?;
        parse_json(&bytes).map(JsonBody)
    }
}

/// The whole body, within the route's limit (413 past it).
pub(crate) async fn body_bytes<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, ApiError> {
    Bytes::from_request(req, state).await.map_err(|r| match r.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "request body is too large (see the README's limits)",
        ),
        status => ApiError::new(status, "bad_body", r.body_text()),
    })
}

/// The non-blank lines of a JSON-lines body, with their 1-based numbers.
pub(crate) fn json_lines(body: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    body.split(|b| *b == b'\n')
        .enumerate()
        .filter(|(_, l)| !l.iter().all(u8::is_ascii_whitespace))
        .map(|(i, l)| (i + 1, l))
}

/// Parses JSON text strictly (one value, nothing after it), naming the
/// offending field on error: [`tocsin_core::json::from_slice`].
pub(crate) fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    tocsin_core::json::from_slice(bytes).map_err(|e| ApiError::field(e.code, e.field, e.message))
}

/// A query string, parsed strictly (unknown parameters are refused where
/// the type says `deny_unknown_fields`), errors naming the parameter.
pub(crate) struct Query<T>(pub(crate) T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Query<T>, ApiError> {
        let query = parts.uri.query().unwrap_or_default();
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(de).map(Query).map_err(|e| {
            let text = e.inner().to_string();
            let field = tocsin_core::json::field_of(&e.path().to_string(), &text);
            let message = if field.is_empty() { text } else { format!("{field}: {text}") };
            ApiError::field("invalid_query", field, message)
        })
    }
}

/// Handlers that take no query parameter refuse any, so a misspelt filter
/// is an error rather than a silently unfiltered answer.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NoParams {}

/// Path parameters, answering bad ones with the error envelope.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub(crate) struct Path<T>(pub(crate) T);

impl From<PathRejection> for ApiError {
    fn from(r: PathRejection) -> ApiError {
        ApiError::field("invalid_path", "", r.body_text())
    }
}

/// Parses an identifier from the path (`RecordId`, `HitId`, …); a bad one
/// is a 400 naming `id`.
pub(crate) fn path_id<T: std::str::FromStr<Err = FieldError>>(s: &str) -> Result<T, ApiError> {
    s.parse().map_err(|e: FieldError| ApiError::field("invalid_path", "id", format!("id: {}", e.message)))
}

/// Parses an optional query parameter; a bad one is a 400 naming `field`.
pub(crate) fn query_value<T: std::str::FromStr<Err = FieldError>>(
    field: &'static str,
    s: Option<&str>,
) -> Result<Option<T>, ApiError> {
    s.map(str::parse).transpose().map_err(|e: FieldError| query_error(field)(e.message))
}

/// An RFC 3339 time in query parameter `field`, if given.
pub(crate) fn query_time(field: &'static str, s: Option<&str>) -> Result<Option<time::OffsetDateTime>, ApiError> {
    s.map(|t| {
        time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339)
            .map_err(|_| query_error(field)(format!("`{t}` is not an RFC 3339 time")))
    })
    .transpose()
}

/// The 400 for a bad query parameter `field`, from what is wrong with it.
pub(crate) fn query_error(field: &'static str) -> impl Fn(String) -> ApiError {
    move |m| ApiError::field("invalid_query", field, format!("{field}: {m}"))
}
