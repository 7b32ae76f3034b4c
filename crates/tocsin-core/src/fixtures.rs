//! Records for tests, built the way a caller's JSON would be: one place for
//! the helpers the unit, conformance and engine tests share. Compiled only
//! for this crate's tests and with the `fixtures` feature, which other
//! crates turn on in their dev-dependencies; never in a release build.
//!
//! These panic on input a test got wrong: a fixture is the test's own text.

use time::OffsetDateTime;

use crate::AgencyCode;
use crate::record::{Record, RecordData, RecordId, RecordInput, RecordState};

/// An agency code a test names.
pub fn agency(code: &str) -> AgencyCode {
    AgencyCode::parse(code).unwrap_or_else(|e| panic!("agency code {code:?}: {e}"))
}

/// A record's data from the JSON an API caller would send, validated as of
/// today.
pub fn data(json: &str) -> RecordData {
    let input: RecordInput = serde_json::from_str(json).unwrap_or_else(|e| panic!("record JSON: {e}\n{json}"));
    input.validate(OffsetDateTime::now_utc().date()).unwrap_or_else(|e| panic!("record not valid: {e}\n{json}"))
}

/// A new active record of `owner`'s, created now.
pub fn active(owner: &str, data: RecordData) -> Record {
    let now = OffsetDateTime::now_utc();
    Record {
        id: RecordId::generate(),
        owner: agency(owner),
        version: 1,
        state: RecordState::Active,
        created_at: now,
        updated_at: now,
        data,
    }
}

/// A person of `owner`'s named `name`, born in May 1970, whose access rule
/// is `access` (JSON, as in the API: `{"mode": "all"}`).
pub fn person(owner: &str, name: &str, access: &str) -> Record {
    active(
        owner,
        data(&format!(
            r#"{{"kind": "person", "names": [{{"full": {name}}}], "birth_dates": ["1970-05"],
                "handling": {{"code": "locate"}}, "access": {access}}}"#,
            name = serde_json::Value::from(name)
        )),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixture_person_is_an_active_record_of_its_owner() {
        let r = person("FRA", "Jean \"Le Chat\" Dupont", r#"{"mode": "all"}"#);
        assert_eq!(r.owner, agency("FRA"));
        assert_eq!(r.state, RecordState::Active);
        assert_eq!(r.data.kind().as_str(), "person");
    }
}
