//! An agency as a STIX `identity`: one id per agency, the same on every
//! node and in every collection (a UUIDv5 of the agency's code), so that
//! objects it adds carry `created_by_ref` to it and a reader can tell who
//! shared what.

use serde_json::{Value, json};
use time::OffsetDateTime;
use tocsin_core::AgencyCode;
use tocsin_intel::stix;

/// The namespace of the agencies' identity ids (a UUIDv4 drawn once for
/// Tocsin).
const NAMESPACE: uuid::Uuid = uuid::Uuid::from_u128(0x6c1f_0a5e_93d4_4b7e_a0f2_5d8e_21c4_7b39);

/// The identity id of `agency`: derived from its code (a UUIDv5's bytes)
/// and written as a UUIDv4, as STIX asks of a domain object's id.
pub fn identity_id(agency: &AgencyCode) -> String {
    let derived = uuid::Uuid::new_v5(&NAMESPACE, agency.as_str().as_bytes());
    format!("identity--{}", uuid::Builder::from_random_bytes(derived.into_bytes()).into_uuid())
}

/// The identity object of `agency` (`name`: its registered name), as the
/// hub adds it to a collection beside the agency's first object there;
/// `created` is when the agency was registered, so every copy is one
/// version.
pub fn agency_identity(agency: &AgencyCode, name: &str, registered: OffsetDateTime) -> Value {
    let whole_ms = registered.replace_millisecond(registered.millisecond()).unwrap_or(registered);
    let at = stix::render(whole_ms);
    json!({
        "type": "identity",
        "spec_version": "2.1",
        "id": identity_id(agency),
        "created": at,
        "modified": at,
        "name": name,
        "identity_class": "organization",
        "description": format!("Tocsin member agency {agency}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_agency_has_one_identity_everywhere() {
        let fra = AgencyCode::parse("FRA").expect("code");
        let deu = AgencyCode::parse("DEU").expect("code");
        assert_eq!(identity_id(&fra), identity_id(&fra));
        assert_ne!(identity_id(&fra), identity_id(&deu));
        let o = agency_identity(&fra, "Bureau", OffsetDateTime::UNIX_EPOCH);
        let read = tocsin_intel::stix::read(o).expect("a valid identity");
        assert!(read.warnings.is_empty(), "{:?}", read.warnings);
        assert_eq!(read.id, identity_id(&fra));
        let uuid = uuid::Uuid::parse_str(read.id.trim_start_matches("identity--")).expect("uuid");
        assert_eq!(uuid.get_version_num(), 4, "a domain object's id is a UUIDv4");
    }
}
