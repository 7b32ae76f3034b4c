//! STIX 2.1 objects as they arrive: read leniently (what the standard
//! requires is enforced, what it only recommends is a warning kept with the
//! object, so MISP's and OpenCTI's output is taken), with the parts the hub
//! relies on taken out: id, type, version, markings, creator, revocation,
//! and the observables the object states or its pattern compares.

use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::observable::{self, Kind, Observable};
use crate::pattern;
use crate::tlp::Tlp;

/// What kind of STIX object a type is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    /// A domain object (indicator, malware, report, …).
    Domain,
    /// A relationship object (relationship, sighting).
    Relationship,
    /// A cyber-observable object (ipv4-addr, file, …).
    Observable,
    /// marking-definition, extension-definition, language-content.
    Meta,
}

/// The STIX 2.1 cyber-observable types.
const SCO_TYPES: [&str; 18] = [
    "artifact",
    "autonomous-system",
    "directory",
    "domain-name",
    "email-addr",
    "email-message",
    "file",
    "ipv4-addr",
    "ipv6-addr",
    "mac-addr",
    "mutex",
    "network-traffic",
    "process",
    "software",
    "url",
    "user-account",
    "windows-registry-key",
    "x509-certificate",
];

impl Category {
    /// The category of `kind` (a type not in STIX 2.1 is a domain object,
    /// as custom `x-` objects and extension-defined ones are treated).
    pub fn of(kind: &str) -> Category {
        match kind {
            "relationship" | "sighting" => Category::Relationship,
            "marking-definition" | "extension-definition" | "language-content" => Category::Meta,
            k if SCO_TYPES.contains(&k) || k == "cryptocurrency-wallet" => Category::Observable,
            _ => Category::Domain,
        }
    }
}

/// Why an object is refused (a MUST of STIX 2.1 broken); each names the
/// property.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StixError {
    #[error("not a JSON object")]
    NotAnObject,
    #[error("`{0}` is missing")]
    Missing(&'static str),
    #[error("`{property}`: {reason}")]
    Invalid { property: &'static str, reason: String },
}

fn invalid(property: &'static str, reason: impl Into<String>) -> StixError {
    StixError::Invalid { property, reason: reason.into() }
}

/// An object read, with what the hub needs of it.
#[derive(Debug, Clone)]
pub struct StixObject {
    pub id: String,
    pub kind: String,
    pub category: Category,
    pub created: Option<OffsetDateTime>,
    pub modified: Option<OffsetDateTime>,
    pub revoked: bool,
    /// `object_marking_refs`.
    pub markings: Vec<String>,
    /// The strictest TLP among the markings, if any is TLP.
    pub tlp: Option<Tlp>,
    pub created_by: Option<String>,
    /// What the object states (an SCO's value, a file's hashes) or its
    /// `stix` pattern compares for equality, in canonical form.
    pub observables: Vec<Observable>,
    /// What the standard recommends and the object does not do.
    pub warnings: Vec<String>,
    /// The object as sent.
    pub json: Map<String, Value>,
}

impl StixObject {
    /// The TAXII version of the object: `modified`, else `created`, else
    /// none (an SCO or a marking without either has one version).
    pub fn version(&self) -> Option<OffsetDateTime> {
        self.modified.or(self.created)
    }
}

/// A STIX timestamp: RFC 3339 in UTC (`Z`).
pub fn timestamp(text: &str) -> Result<OffsetDateTime, String> {
    if !text.ends_with('Z') {
        return Err(format!("`{text}` is not a UTC timestamp ending in Z"));
    }
    OffsetDateTime::parse(text, &Rfc3339).map_err(|e| format!("`{text}` is not an RFC 3339 timestamp: {e}"))
}

/// Renders a timestamp as STIX does, with at least milliseconds.
pub fn render(t: OffsetDateTime) -> String {
    let micros = t.microsecond();
    let base = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    );
    if micros.is_multiple_of(1000) { format!("{base}.{:03}Z", micros / 1000) } else { format!("{base}.{micros:06}Z") }
}

/// Renders a timestamp with microseconds, as TAXII's `date_added` and its
/// headers are.
pub fn render_micros(t: OffsetDateTime) -> String {
    let base = render(t);
    match base.len() {
        24 => format!("{}000Z", &base[..23]),
        _ => base,
    }
}

fn string<'a>(json: &'a Map<String, Value>, property: &'static str) -> Result<Option<&'a str>, StixError> {
    match json.get(property) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(invalid(property, "must be a string")),
    }
}

fn required<'a>(json: &'a Map<String, Value>, property: &'static str) -> Result<&'a str, StixError> {
    string(json, property)?.ok_or(StixError::Missing(property))
}

fn time_of(json: &Map<String, Value>, property: &'static str) -> Result<Option<OffsetDateTime>, StixError> {
    string(json, property)?.map(|t| timestamp(t).map_err(|e| invalid(property, e))).transpose()
}

/// Whether `id` is `prefix--UUID` with `prefix` the object's type.
fn check_id(id: &str, kind: &str, property: &'static str) -> Result<uuid::Uuid, StixError> {
    let (prefix, uuid) = id.split_once("--").ok_or_else(|| invalid(property, format!("`{id}` is not TYPE--UUID")))?;
    if prefix != kind {
        return Err(invalid(property, format!("`{id}` does not start with its type `{kind}--`")));
    }
    uuid::Uuid::parse_str(uuid).map_err(|_| invalid(property, format!("`{uuid}` is not a UUID")))
}

/// A reference: `type--UUID` of any type.
fn check_ref(r: &str, property: &'static str) -> Result<(), StixError> {
    let kind = r.split_once("--").map(|(k, _)| k).unwrap_or_default();
    check_id(r, kind, property).map(|_| ())
}

/// Whether `kind` follows the type grammar: 3 to 250 characters of
/// `a-z0-9-`, no leading or doubled hyphen.
pub fn is_type_name(kind: &str) -> bool {
    (3..=250).contains(&kind.len())
        && kind.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !kind.starts_with('-')
        && !kind.contains("--")
}

fn check_type(kind: &str) -> Result<(), StixError> {
    match is_type_name(kind) {
        true => Ok(()),
        false => Err(invalid("type", format!("`{kind}` is not a STIX type name"))),
    }
}

/// Reads one object.
pub fn read(value: Value) -> Result<StixObject, StixError> {
    let Value::Object(json) = value else { return Err(StixError::NotAnObject) };
    let kind = required(&json, "type")?.to_owned();
    check_type(&kind)?;
    if kind == "bundle" {
        return Err(invalid("type", "a bundle inside an envelope: send its objects"));
    }
    let category = Category::of(&kind);
    let id = required(&json, "id")?.to_owned();
    let uuid = check_id(&id, &kind, "id")?;
    let mut warnings = vec![];
    match string(&json, "spec_version")? {
        Some("2.1") => {}
        Some(other) => return Err(invalid("spec_version", format!("`{other}`: only STIX 2.1 is taken"))),
        // Optional on cyber observables in 2.1, required on the others.
        None if category == Category::Observable => warnings.push("no `spec_version`: read as 2.1".to_owned()),
        None => return Err(StixError::Missing("spec_version")),
    }
    let created = time_of(&json, "created")?;
    let modified = time_of(&json, "modified")?;
    if matches!(category, Category::Domain | Category::Relationship) {
        if created.is_none() {
            return Err(StixError::Missing("created"));
        }
        if modified.is_none() {
            return Err(StixError::Missing("modified"));
        }
    }
    if let (Some(c), Some(m)) = (created, modified)
        && m < c
    {
        return Err(invalid("modified", "earlier than `created`"));
    }
    for property in ["created", "modified"] {
        if let Some(Value::String(t)) = json.get(property) {
            let fraction = t.split_once('.').map_or(0, |(_, f)| f.trim_end_matches('Z').len());
            if fraction < 3 {
                warnings.push(format!("`{property}` has less than millisecond precision"));
            }
        }
    }
    if category == Category::Observable && uuid.get_version_num() != 5 {
        warnings.push("an observable's id should be a deterministic UUIDv5".to_owned());
    }
    let revoked = match json.get("revoked") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(invalid("revoked", "must be true or false")),
    };
    let created_by = string(&json, "created_by_ref")?.map(str::to_owned);
    if let Some(r) = &created_by {
        check_ref(r, "created_by_ref")?;
        if !r.starts_with("identity--") {
            return Err(invalid("created_by_ref", "must reference an identity"));
        }
    }
    let markings = match json.get("object_marking_refs") {
        None | Some(Value::Null) => vec![],
        Some(Value::Array(refs)) => refs
            .iter()
            .map(|r| {
                let r = r.as_str().ok_or_else(|| invalid("object_marking_refs", "must be a list of ids"))?;
                if !r.starts_with("marking-definition--") {
                    return Err(invalid("object_marking_refs", format!("`{r}` is not a marking-definition id")));
                }
                check_ref(r, "object_marking_refs")?;
                Ok(r.to_owned())
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(invalid("object_marking_refs", "must be a list of ids")),
    };
    let tlp = Tlp::of_markings(markings.iter().map(String::as_str));
    if json.keys().any(|k| k.starts_with("x_")) {
        warnings.push("custom `x_` properties: extension definitions are preferred".to_owned());
    }
    let mut object = StixObject {
        id,
        kind,
        category,
        created,
        modified,
        revoked,
        markings,
        tlp,
        created_by,
        observables: vec![],
        warnings,
        json,
    };
    required_properties(&mut object)?;
    object.observables.sort();
    object.observables.dedup();
    Ok(object)
}

/// The properties STIX 2.1 requires of the types the hub relies on, and
/// the observables those types carry.
fn required_properties(o: &mut StixObject) -> Result<(), StixError> {
    let json = &o.json;
    match o.kind.as_str() {
        "indicator" => {
            let pattern = required(json, "pattern")?;
            let pattern_type = required(json, "pattern_type")?;
            time_of(json, "valid_from")?.ok_or(StixError::Missing("valid_from"))?;
            if pattern_type == "stix" {
                match pattern::parse(pattern) {
                    Ok(parsed) => o.observables.extend(parsed.observables),
                    Err(e) => o.warnings.push(format!("the pattern does not parse ({e}): stored, never run")),
                }
            }
        }
        "malware" => {
            match json.get("is_family") {
                Some(Value::Bool(true)) => {
                    required(json, "name")?;
                }
                Some(Value::Bool(false)) => {}
                Some(_) => return Err(invalid("is_family", "must be true or false")),
                None => return Err(StixError::Missing("is_family")),
            };
        }
        "threat-actor" | "intrusion-set" | "campaign" | "attack-pattern" | "tool" | "vulnerability" | "identity"
        | "infrastructure" | "course-of-action" => {
            required(json, "name")?;
        }
        "report" => {
            required(json, "name")?;
            time_of(json, "published")?.ok_or(StixError::Missing("published"))?;
            refs(json, "object_refs", true)?;
        }
        "grouping" => {
            required(json, "context")?;
            refs(json, "object_refs", true)?;
        }
        "note" => {
            required(json, "content")?;
            refs(json, "object_refs", true)?;
        }
        "relationship" => {
            required(json, "relationship_type")?;
            check_ref(required(json, "source_ref")?, "source_ref")?;
            check_ref(required(json, "target_ref")?, "target_ref")?;
        }
        "sighting" => {
            check_ref(required(json, "sighting_of_ref")?, "sighting_of_ref")?;
        }
        kind @ ("ipv4-addr" | "ipv6-addr" | "domain-name" | "url" | "email-addr" | "cryptocurrency-wallet") => {
            let value = required(json, "value")?;
            let as_kind = Kind::of_stix_path(&format!("{kind}:value")).ok_or(StixError::Missing("value"))?;
            match observable::normalize_as(as_kind, value) {
                Ok(ob) => o.observables.push(ob),
                Err(e) => o.warnings.push(format!("`value` is not usable for correlation: {e}")),
            }
        }
        "file" => {
            if let Some(Value::Object(hashes)) = json.get("hashes") {
                for (name, value) in hashes {
                    let (Some(kind), Some(value)) = (Kind::of_hash_name(name), value.as_str()) else { continue };
                    match observable::normalize_as(kind, value) {
                        Ok(ob) => o.observables.push(ob),
                        Err(e) => o.warnings.push(format!("`hashes.{name}`: {e}")),
                    }
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// A list of references (`required`: at least one).
fn refs(json: &Map<String, Value>, property: &'static str, required: bool) -> Result<(), StixError> {
    match json.get(property) {
        None if !required => Ok(()),
        None => Err(StixError::Missing(property)),
        Some(Value::Array(items)) => {
            if required && items.is_empty() {
                return Err(invalid(property, "must list at least one object"));
            }
            items
                .iter()
                .try_for_each(|r| check_ref(r.as_str().ok_or_else(|| invalid(property, "ids expected"))?, property))
        }
        Some(_) => Err(invalid(property, "must be a list of ids")),
    }
}

/// The objects of a TAXII envelope (`{"objects": […]}`) or a STIX bundle
/// (`{"type": "bundle", "objects": […]}`), unread.
pub fn objects_of(document: Value) -> Result<Vec<Value>, StixError> {
    let Value::Object(mut doc) = document else { return Err(StixError::NotAnObject) };
    match doc.get("type") {
        None => {}
        Some(Value::String(t)) if t == "bundle" => {}
        Some(_) => return Err(invalid("type", "an envelope has no type; a bundle's is `bundle`")),
    }
    match doc.remove("objects") {
        None => Ok(vec![]),
        Some(Value::Array(objects)) => Ok(objects),
        Some(_) => Err(invalid("objects", "must be a list")),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn indicator(pattern: &str) -> Value {
        json!({
            "type": "indicator", "spec_version": "2.1",
            "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            "created": "2026-03-01T10:00:00.000Z", "modified": "2026-03-02T10:00:00.000Z",
            "pattern": pattern, "pattern_type": "stix", "valid_from": "2026-03-01T10:00:00Z",
            "object_marking_refs": [Tlp::Amber.marking_id()],
        })
    }

    #[test]
    fn an_indicator_yields_its_observables_version_and_tlp() {
        let o = read(indicator("[ipv4-addr:value = '203.0.113.9' OR domain-name:value = 'C2.Example']")).expect("read");
        assert_eq!(o.tlp, Some(Tlp::Amber));
        assert_eq!(o.version().map(render), Some("2026-03-02T10:00:00.000Z".into()));
        let seen: Vec<String> = o.observables.iter().map(ToString::to_string).collect();
        assert_eq!(seen, ["ipv4:203.0.113.9", "domain:c2.example"]);
        assert!(o.warnings.is_empty(), "{:?}", o.warnings);
    }

    #[test]
    fn a_pattern_that_does_not_parse_is_kept_with_a_warning() {
        let o = read(indicator("[ipv4-addr:value = ")).expect("kept");
        assert!(o.observables.is_empty());
        assert!(o.warnings.iter().any(|w| w.contains("never run")), "{:?}", o.warnings);
    }

    #[test]
    fn the_musts_are_enforced_and_name_the_property() {
        let mut v = indicator("[ipv4-addr:value = '203.0.113.9']");
        for (property, change, want) in [
            ("id", Value::Null, StixError::Missing("id")),
            ("type", Value::Null, StixError::Missing("type")),
            ("spec_version", Value::Null, StixError::Missing("spec_version")),
            ("modified", json!("2020-01-01T00:00:00.000Z"), invalid("modified", "earlier than `created`")),
        ] {
            let mut broken = v.clone();
            broken[property] = change;
            assert_eq!(read(broken).expect_err(property), want);
        }
        v["id"] = json!("malware--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f");
        assert!(matches!(read(v.clone()), Err(StixError::Invalid { property: "id", .. })));
        v["id"] = json!("indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f");
        v["created"] = json!("2026-03-01 10:00");
        assert!(matches!(read(v.clone()), Err(StixError::Invalid { property: "created", .. })));
        v["created"] = json!("2026-03-01T10:00:00.000Z");
        v["object_marking_refs"] = json!(["tlp:red"]);
        assert!(matches!(read(v), Err(StixError::Invalid { property: "object_marking_refs", .. })));
    }

    #[test]
    fn misp_style_observables_are_taken_with_warnings() {
        let o = read(json!({
            "type": "ipv4-addr", "id": "ipv4-addr--5d5a2c36-7b43-4c65-9a47-4a4f5c8d2a11", "value": "198.51.100.23"
        }))
        .expect("lenient");
        assert_eq!(o.observables, [observable::normalize("198.51.100.23").expect("ip")]);
        assert_eq!(o.warnings.len(), 2, "{:?}", o.warnings);
    }

    #[test]
    fn file_hashes_are_observables() {
        let o = read(json!({
            "type": "file", "spec_version": "2.1", "id": "file--3c0f2c3e-9a1c-5b7b-8f0e-6c1d2e3f4a5b",
            "hashes": {"SHA-256": "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855", "MD5": "x"},
        }))
        .expect("file");
        assert_eq!(o.observables.len(), 1);
        assert_eq!(o.warnings.len(), 1, "the bad MD5 is a warning: {:?}", o.warnings);
    }

    #[test]
    fn timestamps_render_with_milliseconds_or_microseconds() {
        let t = timestamp("2026-03-01T10:00:00Z").expect("t");
        assert_eq!(render(t), "2026-03-01T10:00:00.000Z");
        assert_eq!(render_micros(t), "2026-03-01T10:00:00.000000Z");
        let t = timestamp("2026-03-01T10:00:00.123456Z").expect("t");
        assert_eq!(render(t), "2026-03-01T10:00:00.123456Z");
        assert_eq!(render_micros(t), "2026-03-01T10:00:00.123456Z");
        assert!(timestamp("2026-03-01T10:00:00+01:00").is_err());
    }

    #[test]
    fn envelopes_and_bundles_give_their_objects() {
        assert_eq!(objects_of(json!({"objects": [1, 2]})).expect("envelope").len(), 2);
        assert_eq!(objects_of(json!({"type": "bundle", "id": "bundle--x", "objects": []})).expect("bundle").len(), 0);
        assert!(objects_of(json!({"objects": {}})).is_err());
        assert!(objects_of(json!([])).is_err());
    }

    proptest::proptest! {
        #[test]
        fn any_json_is_read_or_refused(text in "\\PC{0,200}") {
            if let Ok(v) = serde_json::from_str::<Value>(&text) {
                let _ = read(v);
            }
        }
    }
}
