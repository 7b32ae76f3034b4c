//! TAXII 2.1 on the wire, without I/O: the resources the server answers
//! with, the query filters it reads (`added_after`, `limit`, `next`,
//! `match[…]`), the stateless paging cursor, content negotiation, and the
//! credentials a client may send (Basic with the token as password,
//! Bearer, Token).

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::stix;

/// The TAXII media type every answer carries.
pub const MEDIA_TYPE: &str = "application/taxii+json;version=2.1";
/// The STIX media type of the objects a collection holds.
pub const STIX_MEDIA_TYPE: &str = "application/stix+json;version=2.1";

/// Why a request's filters are refused (answered 400, naming the
/// parameter).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{parameter}`: {reason}")]
pub struct QueryError {
    pub parameter: String,
    pub reason: String,
}

fn bad(parameter: &str, reason: impl Into<String>) -> QueryError {
    QueryError { parameter: parameter.to_owned(), reason: reason.into() }
}

/// Which versions of each object a request asks for (`match[version]`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Versions {
    pub first: bool,
    pub last: bool,
    pub all: bool,
    /// Exact versions asked for.
    pub exact: Vec<OffsetDateTime>,
}

impl Versions {
    /// The default: the last version only.
    pub fn last() -> Versions {
        Versions { last: true, ..Versions::default() }
    }
}

/// A request's filters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    /// Only what was added strictly after this.
    pub added_after: Option<OffsetDateTime>,
    /// At most this many items (capped by the server).
    pub limit: Option<u32>,
    /// Where the previous page ended.
    pub next: Option<Cursor>,
    /// `match[id]`: empty for any.
    pub ids: Vec<String>,
    /// `match[type]`: empty for any.
    pub types: Vec<String>,
    pub versions: Versions,
    /// `match[spec_version]`: empty for the latest of each object.
    pub spec_versions: Vec<String>,
}

impl Default for Filter {
    fn default() -> Filter {
        Filter {
            added_after: None,
            limit: None,
            next: None,
            ids: vec![],
            types: vec![],
            versions: Versions::last(),
            spec_versions: vec![],
        }
    }
}

/// Reads a query string's filters. Unknown parameters and unknown `match`
/// fields are ignored, as the standard allows; a malformed value, or one
/// given twice, is refused.
pub fn parse_query(query: &str) -> Result<Filter, QueryError> {
    let mut filter = Filter::default();
    let mut seen: Vec<String> = vec![];
    let mut versions: Option<Versions> = None;
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        let name = name.into_owned();
        let value = value.into_owned();
        if seen.contains(&name) {
            return Err(bad(&name, "given more than once"));
        }
        seen.push(name.clone());
        let list = || -> Vec<String> {
            value.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
        };
        match name.as_str() {
            "added_after" => {
                filter.added_after = Some(stix::timestamp(&value).map_err(|e| bad(&name, e))?);
            }
            "limit" => {
                let limit: u32 = value.parse().map_err(|_| bad(&name, format!("`{value}` is not a whole number")))?;
                if limit == 0 {
                    return Err(bad(&name, "must be above 0"));
                }
                filter.limit = Some(limit);
            }
            "next" => filter.next = Some(Cursor::parse(&value).map_err(|reason| bad(&name, reason))?),
            "match[id]" => filter.ids = list(),
            "match[type]" => {
                filter.types = list();
                if let Some(t) = filter.types.iter().find(|t| !stix::is_type_name(t)) {
                    return Err(bad(&name, format!("`{t}` is not a STIX type name")));
                }
            }
            "match[spec_version]" => {
                filter.spec_versions = list();
                if let Some(v) = filter.spec_versions.iter().find(|v| !matches!(v.as_str(), "2.0" | "2.1")) {
                    return Err(bad(&name, format!("`{v}`: 2.0 or 2.1")));
                }
            }
            "match[version]" => {
                let mut v = Versions::default();
                for item in list() {
                    match item.as_str() {
                        "first" => v.first = true,
                        "last" => v.last = true,
                        "all" => v.all = true,
                        t => v.exact.push(stix::timestamp(t).map_err(|e| bad(&name, e))?),
                    }
                }
                if v.all && (v.first || v.last || !v.exact.is_empty()) {
                    return Err(bad(&name, "`all` goes alone"));
                }
                if v == Versions::default() {
                    return Err(bad(&name, "empty"));
                }
                versions = Some(v);
            }
            _ => {}
        }
    }
    if let Some(v) = versions {
        filter.versions = v;
    }
    Ok(filter)
}

/// Where a page ended, bound to what was asked: a `next` from one query is
/// refused for another (or another caller, or another collection). It
/// holds no state on the server, so it survives a restart and works on any
/// node; it is never trusted for access: each page is filtered again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    /// The `date_added` (µs since the epoch) of the last item given.
    pub after: i64,
    /// Its number among items added in the same microsecond.
    pub seq: u64,
    /// The binding of caller, collection and filters.
    pub binding: u64,
}

impl Cursor {
    /// The text form (opaque to clients).
    pub fn encode(&self) -> String {
        format!("{:x}-{:x}-{:016x}", self.after, self.seq, self.binding)
    }

    /// Reads the text form.
    pub fn parse(text: &str) -> Result<Cursor, String> {
        let mut parts = text.split('-');
        let field = |p: Option<&str>| p.and_then(|p| u64::from_str_radix(p, 16).ok());
        match (field(parts.next()), field(parts.next()), field(parts.next()), parts.next()) {
            (Some(after), Some(seq), Some(binding), None) if after <= i64::MAX as u64 => {
                Ok(Cursor { after: after as i64, seq, binding })
            }
            _ => Err("not a cursor this server gave".to_owned()),
        }
    }

    /// The binding of a query: the caller, the collection and the filters
    /// other than `next` (and `limit`, which a client may change between
    /// pages).
    pub fn binding(caller: &str, collection: &str, filter: &Filter) -> u64 {
        let mut h = Sha256::new();
        for part in [caller, collection] {
            h.update(part.as_bytes());
            h.update([0]);
        }
        h.update(filter.added_after.map_or(0, |t| t.unix_timestamp_nanos()).to_be_bytes());
        for list in [&filter.ids, &filter.types, &filter.spec_versions] {
            for item in list {
                h.update(item.as_bytes());
                h.update([1]);
            }
            h.update([0]);
        }
        let v = &filter.versions;
        h.update([u8::from(v.first), u8::from(v.last), u8::from(v.all)]);
        for t in &v.exact {
            h.update(t.unix_timestamp_nanos().to_be_bytes());
        }
        let digest = h.finalize();
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        u64::from_be_bytes(first)
    }
}

/// Whether an `Accept` header admits a TAXII answer (`stix`: the endpoint
/// may also answer as STIX, as objects and manifests may). No header, or
/// `*/*`, admits it.
pub fn accepts(accept: Option<&str>, stix: bool) -> bool {
    let Some(accept) = accept else { return true };
    accept.split(',').any(|range| {
        let mut parts = range.split(';').map(|p| p.trim().to_ascii_lowercase());
        let Some(media) = parts.next() else { return false };
        let version = parts.find_map(|p| p.strip_prefix("version=").map(|v| v.trim().to_owned()));
        let version_ok = version.is_none_or(|v| v == "2.1");
        match media.as_str() {
            "*/*" | "application/*" => true,
            "application/taxii+json" => version_ok,
            "application/stix+json" | "application/vnd.oasis.stix+json" => stix && version_ok,
            _ => false,
        }
    })
}

/// Whether a POST's `Content-Type` is one the server reads: TAXII, or the
/// STIX types some pushers send.
pub fn readable(content_type: Option<&str>) -> bool {
    let Some(ct) = content_type else { return false };
    let mut parts = ct.split(';').map(|p| p.trim().to_ascii_lowercase());
    let media = parts.next().unwrap_or_default();
    let version_ok = parts.find_map(|p| p.strip_prefix("version=").map(|v| v.trim() == "2.1")).unwrap_or(true);
    version_ok
        && matches!(
            media.as_str(),
            "application/taxii+json" | "application/stix+json" | "application/vnd.oasis.stix+json"
        )
}

/// The token in an `Authorization` header: Basic (any user name, the token
/// as password; the scheme's name in any case, as MISP sends `basic`),
/// Bearer or Token.
pub fn token_of(authorization: &str) -> Option<String> {
    let (scheme, rest) = authorization.trim().split_once(' ')?;
    let rest = rest.trim();
    if scheme.eq_ignore_ascii_case("basic") {
        use base64::Engine as _;
        let decoded = base64::engine::general_purpose::STANDARD.decode(rest).ok()?;
        let text = String::from_utf8(decoded).ok()?;
        let (_, password) = text.split_once(':')?;
        (!password.is_empty()).then(|| password.to_owned())
    } else if scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("token") {
        (!rest.is_empty()).then(|| rest.to_owned())
    } else {
        None
    }
}

/// The discovery resource (`/taxii2/`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Discovery {
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    pub api_roots: Vec<String>,
}

/// An API root.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ApiRoot {
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub versions: Vec<String>,
    pub max_content_length: u64,
}

/// A collection as one caller sees it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Collection {
    pub id: String,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
    pub can_read: bool,
    pub can_write: bool,
    pub media_types: Vec<String>,
}

/// A list of collections (the key left out when there is none).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Collections {
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub collections: Vec<Collection>,
}

/// A page of objects.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Envelope {
    pub more: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub objects: Vec<serde_json::Value>,
}

/// A manifest entry.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ManifestRecord {
    pub id: String,
    pub date_added: String,
    pub version: String,
    pub media_type: String,
}

/// A page of the manifest.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Manifest {
    pub more: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub objects: Vec<ManifestRecord>,
}

/// A page of an object's versions.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct VersionList {
    pub more: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub versions: Vec<String>,
}

/// One object's outcome in a status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusDetail {
    pub id: String,
    pub version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// What became of a POST.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Status {
    pub id: String,
    pub status: String,
    pub request_timestamp: String,
    pub total_count: u64,
    pub success_count: u64,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub successes: Vec<StatusDetail>,
    pub failure_count: u64,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub failures: Vec<StatusDetail>,
    pub pending_count: u64,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub pendings: Vec<StatusDetail>,
}

impl Status {
    /// A finished status from its successes and failures; the counts agree
    /// with the lists by construction.
    pub fn complete(
        id: String,
        requested: OffsetDateTime,
        successes: Vec<StatusDetail>,
        failures: Vec<StatusDetail>,
    ) -> Status {
        Status {
            id,
            status: "complete".to_owned(),
            request_timestamp: stix::render_micros(requested),
            total_count: (successes.len() + failures.len()) as u64,
            success_count: successes.len() as u64,
            successes,
            failure_count: failures.len() as u64,
            failures,
            pending_count: 0,
            pendings: vec![],
        }
    }
}

/// A TAXII error body; `http_status` is the answer's status, as text.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Error {
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub http_status: String,
}

impl Error {
    pub fn new(status: u16, title: &str, description: impl Into<String>) -> Error {
        Error { title: title.to_owned(), description: Some(description.into()), http_status: status.to_string() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_are_read_and_bad_ones_named() {
        let f = parse_query(
            "added_after=2026-01-01T00:00:00.000001Z&limit=5&match[type]=indicator,malware&match[version]=first,last",
        )
        .expect("filters");
        assert_eq!(f.limit, Some(5));
        assert_eq!(f.types, ["indicator", "malware"]);
        assert!(f.versions.first && f.versions.last && !f.versions.all);
        assert_eq!(f.added_after.map(stix::render_micros).as_deref(), Some("2026-01-01T00:00:00.000001Z"));
        assert_eq!(parse_query("").expect("none"), Filter::default());
        for (q, parameter) in [
            ("added_after=yesterday", "added_after"),
            ("added_after=2026-01-01T00:00:00Z&added_after=2026-01-02T00:00:00Z", "added_after"),
            ("limit=0", "limit"),
            ("limit=-1", "limit"),
            ("limit=ten", "limit"),
            ("match[version]=all,last", "match[version]"),
            ("match[version]=2026-13-01T00:00:00Z", "match[version]"),
            ("match[type]=Indicator", "match[type]"),
            ("next=zz", "next"),
        ] {
            assert_eq!(parse_query(q).expect_err(q).parameter, parameter, "{q}");
        }
        assert!(parse_query("match[color]=red&foo=bar").is_ok(), "unknown fields are ignored");
    }

    #[test]
    fn a_cursor_reads_back_and_binds_its_query() {
        let c = Cursor { after: 1_767_225_600_000_001, seq: 3, binding: 0xdead_beef };
        assert_eq!(Cursor::parse(&c.encode()), Ok(c));
        let f = parse_query("match[type]=indicator").expect("f");
        let g = parse_query("match[type]=malware").expect("g");
        assert_eq!(Cursor::binding("FRA", "c1", &f), Cursor::binding("FRA", "c1", &f));
        assert_ne!(Cursor::binding("FRA", "c1", &f), Cursor::binding("DEU", "c1", &f));
        assert_ne!(Cursor::binding("FRA", "c1", &f), Cursor::binding("FRA", "c2", &f));
        assert_ne!(Cursor::binding("FRA", "c1", &f), Cursor::binding("FRA", "c1", &g));
        let mut limited = f.clone();
        limited.limit = Some(2);
        assert_eq!(Cursor::binding("FRA", "c1", &f), Cursor::binding("FRA", "c1", &limited));
    }

    #[test]
    fn content_negotiation_follows_the_standard() {
        assert!(accepts(None, false));
        assert!(accepts(Some("application/taxii+json;version=2.1"), false));
        assert!(accepts(Some("application/taxii+json; version=2.1"), false));
        assert!(accepts(Some("application/taxii+json"), false));
        assert!(!accepts(Some("application/taxii+json;version=2.0"), false));
        assert!(!accepts(Some("application/stix+json;version=2.1"), false));
        assert!(accepts(Some("application/stix+json;version=2.1"), true));
        assert!(!accepts(Some("text/html"), true));
        assert!(accepts(Some("text/html, */*;q=0.1"), true));
        assert!(readable(Some("application/taxii+json;version=2.1")));
        assert!(readable(Some("application/vnd.oasis.stix+json;version=2.1")));
        assert!(!readable(Some("application/json")));
        assert!(!readable(None));
    }

    #[test]
    fn tokens_come_from_basic_bearer_or_token() {
        use base64::Engine as _;
        let basic = base64::engine::general_purpose::STANDARD.encode("misp:tcs_secret");
        assert_eq!(token_of(&format!("basic {basic}")).as_deref(), Some("tcs_secret"));
        assert_eq!(token_of(&format!("Basic {basic}")).as_deref(), Some("tcs_secret"));
        assert_eq!(token_of("Bearer tcs_x").as_deref(), Some("tcs_x"));
        assert_eq!(token_of("token tcs_x").as_deref(), Some("tcs_x"));
        assert_eq!(token_of("Digest abc"), None);
        assert_eq!(token_of("Basic !!!"), None);
        let no_password = base64::engine::general_purpose::STANDARD.encode("user:");
        assert_eq!(token_of(&format!("Basic {no_password}")), None);
    }

    #[test]
    fn a_status_counts_what_it_lists() {
        let ok = StatusDetail { id: "indicator--1".into(), version: "v".into(), message: None };
        let s = Status::complete("s".into(), OffsetDateTime::UNIX_EPOCH, vec![ok.clone(), ok], vec![]);
        let v = serde_json::to_value(&s).expect("json");
        assert_eq!((v["total_count"].as_u64(), v["success_count"].as_u64()), (Some(2), Some(2)));
        assert!(v.get("failures").is_none());
        assert_eq!(serde_json::to_value(Collections::default()).expect("json"), serde_json::json!({}));
    }

    proptest::proptest! {
        #[test]
        fn any_query_is_read_or_refused(q in "\\PC{0,100}") {
            let _ = parse_query(&q);
        }

        #[test]
        fn any_cursor_text_is_read_or_refused(t in "[0-9a-f-]{0,40}") {
            if let Ok(c) = Cursor::parse(&t) {
                proptest::prop_assert_eq!(Cursor::parse(&c.encode()), Ok(c));
            }
        }
    }
}
